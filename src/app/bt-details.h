/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The details pane under the torrent list: a piece map and four pages,
 * General, Peers (bound to bt_torrent_get_peers()), Files (a tree of
 * folders over bt_torrent_get_files(), with progress, wanted and
 * priority) and Trackers (the announce tiers of the metainfo).
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-torrent.h"

G_BEGIN_DECLS

#define BT_TYPE_DETAILS (bt_details_get_type ())
G_DECLARE_FINAL_TYPE (BtDetails, bt_details, BT, DETAILS, GtkWidget)

GtkWidget  *bt_details_new         (void);
/* @torrent: (nullable) */
void        bt_details_set_torrent (BtDetails  *self,
                                    BtTorrent  *torrent);
BtTorrent  *bt_details_get_torrent (BtDetails  *self);
/* "general", "peers", "files" or "trackers" */
void        bt_details_set_page    (BtDetails  *self,
                                    const char *page);
const char *bt_details_get_page    (BtDetails  *self);

G_END_DECLS
