/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A strip that shows which pieces of a torrent are here (full colour),
 * which are being downloaded (light) and which are missing. Each column
 * of pixels covers a run of pieces and is shaded by how many of them are
 * here. Redrawn when the torrent notifies "progress" or "state".
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-torrent.h"

G_BEGIN_DECLS

#define BT_TYPE_PIECE_MAP (bt_piece_map_get_type ())
G_DECLARE_FINAL_TYPE (BtPieceMap, bt_piece_map, BT, PIECE_MAP, GtkWidget)

GtkWidget *bt_piece_map_new         (void);
void       bt_piece_map_set_torrent (BtPieceMap *self,
                                     BtTorrent  *torrent);
BtTorrent *bt_piece_map_get_torrent (BtPieceMap *self);

/* For tests: the share (0..1) of pieces here and in progress among the
 * pieces that column @column of @n_columns covers. */
void       bt_piece_map_get_column  (BtPieceMap *self,
                                     guint       column,
                                     guint       n_columns,
                                     double     *have,
                                     double     *in_progress);

G_END_DECLS
