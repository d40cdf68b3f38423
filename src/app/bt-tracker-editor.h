/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-torrent.h"

G_BEGIN_DECLS

#define BT_TYPE_TRACKER_EDITOR (bt_tracker_editor_get_type ())
G_DECLARE_FINAL_TYPE (BtTrackerEditor, bt_tracker_editor, BT, TRACKER_EDITOR, GtkWidget)

void bt_tracker_editor_set_torrent   (BtTrackerEditor  *self,
                                      BtTorrent        *torrent);
void bt_tracker_editor_set_selection (BtTrackerEditor  *self,
                                      GtkSingleSelection *selection);

G_END_DECLS
