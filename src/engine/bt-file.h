/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-picker.h"

G_BEGIN_DECLS

/**
 * BtFile:
 *
 * One file of a torrent as the UI shows it, an item of
 * bt_torrent_get_files(). Properties: "index" (guint), "path" (the
 * torrent-relative path, '/'-separated, in UTF-8 for display), "size"
 * (guint64 bytes), "done" (guint64 bytes verified), "progress" (double, 0
 * to 1), "priority" (#BtPriority, read-write: setting it changes what the
 * torrent downloads) and "wanted" (boolean, read-write: %FALSE is
 * %BT_PRIORITY_SKIP). They notify at most once per torrent tick.
 */
#define BT_TYPE_FILE (bt_file_get_type ())
G_DECLARE_FINAL_TYPE (BtFile, bt_file, BT, FILE, GObject)

guint       bt_file_get_index    (BtFile     *self);
const char *bt_file_get_path     (BtFile     *self);
guint64     bt_file_get_size     (BtFile     *self);
guint64     bt_file_get_done     (BtFile     *self);
double      bt_file_get_progress (BtFile     *self);
BtPriority  bt_file_get_priority (BtFile     *self);
void        bt_file_set_priority (BtFile     *self,
                                  BtPriority  priority);
gboolean    bt_file_get_wanted   (BtFile     *self);
void        bt_file_set_wanted   (BtFile     *self,
                                  gboolean    wanted);

G_END_DECLS
