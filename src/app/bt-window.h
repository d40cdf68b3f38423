/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-application.h"
#include "bt-torrent.h"

G_BEGIN_DECLS

#define BT_TYPE_WINDOW (bt_window_get_type ())

G_DECLARE_FINAL_TYPE (BtWindow, bt_window, BT, WINDOW, GtkApplicationWindow)

/* Signals: "selection-changed" (void): the selected torrents changed. */

BtWindow   *bt_window_new                   (BtApplication *application);

GPtrArray  *bt_window_get_selected_torrents (BtWindow      *self);
void        bt_window_select_torrent        (BtWindow      *self,
                                             BtTorrent     *torrent);
GListModel *bt_window_get_visible_torrents  (BtWindow      *self);

void        bt_window_show_error            (BtWindow      *self,
                                             const char    *message);
const char *bt_window_get_error             (BtWindow      *self);

void        bt_window_show_details          (BtWindow      *self,
                                             const char    *page);

gboolean    bt_window_add_dropped           (BtWindow      *self,
                                             const GValue  *value);

G_END_DECLS
