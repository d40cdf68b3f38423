/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-metainfo.h"
#include "bt-torrent.h"

G_BEGIN_DECLS

#define BT_TYPE_SESSION (bt_session_get_type ())
G_DECLARE_FINAL_TYPE (BtSession, bt_session, BT, SESSION, GObject)

/**
 * BtSessionConfig:
 * @port: the TCP port to listen on for peers; 0 picks a free one
 * @bind_address: (nullable): an IP address to listen on, %NULL for all
 *   (IPv4 and IPv6)
 * @max_peers_per_torrent: connections per torrent, 0 for the default
 * @max_peers: connections across all torrents, 0 for the default
 * @seed_ratio: stop seeding at this upload ratio, 0 never
 * @seed_idle_s: stop seeding after this long without uploading, 0 never
 * @upload_limit: bytes/s uploaded by all torrents together, 0 no limit
 */
typedef struct
{
  guint16     port;
  const char *bind_address;
  guint       max_peers_per_torrent;
  guint       max_peers;
  double      seed_ratio;
  guint       seed_idle_s;
  guint64     upload_limit;
} BtSessionConfig;

BtSession    *bt_session_new            (const BtSessionConfig  *config,
                                         GError                **error);
guint16       bt_session_get_port       (BtSession              *self);
void          bt_session_set_upload_limit (BtSession            *self,
                                         guint64                 bytes_per_second);
const guint8 *bt_session_get_peer_id    (BtSession              *self);
GListModel   *bt_session_get_torrents   (BtSession              *self);
BtTorrent    *bt_session_find_torrent   (BtSession              *self,
                                         const guint8           *info_hash);
BtTorrent    *bt_session_add_torrent    (BtSession              *self,
                                         BtMetainfo             *meta,
                                         const char             *download_dir,
                                         gboolean                skip_check,
                                         GError                **error);

G_END_DECLS
