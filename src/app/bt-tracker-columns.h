/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The Trackers page's table: the columns for a GtkColumnView of
 * bt_torrent_get_trackers(), and its model.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void               bt_tracker_columns_setup     (GtkColumnView *view);
/* (transfer full): a selection model of @trackers sorted by @view's
 * sorter (by tier until the user picks a column); %NULL @trackers gives
 * an empty one. */
GtkSelectionModel *bt_tracker_columns_model_new (GtkColumnView *view,
                                                 GListModel    *trackers);

G_END_DECLS
