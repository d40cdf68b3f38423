/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * What only the torrent calls on its files and peer snapshots.
 */
#pragma once

#include "bt-file.h"
#include "bt-peer-info.h"
#include "bt-torrent.h"

G_BEGIN_DECLS

BtFile     *bt_file_new             (BtTorrent          *torrent,
                                     guint               index,
                                     const char         *path,
                                     guint64             size,
                                     BtPriority          priority);
void        bt_file_update_done     (BtFile             *self,
                                     guint64             done);
void        bt_file_update_priority (BtFile             *self,
                                     BtPriority          priority);

BtPeerInfo *bt_peer_info_new        (GInetSocketAddress *address,
                                     const guint8        peer_id[20],
                                     const char         *client_name,
                                     gboolean            incoming);
void        bt_peer_info_update     (BtPeerInfo         *self,
                                     const char         *flags,
                                     double              progress,
                                     double              download_rate,
                                     double              upload_rate);

G_END_DECLS
