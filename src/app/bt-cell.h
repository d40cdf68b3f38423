/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * List item factories for the columns of the torrent, peer and file
 * tables. A cell shows one or more GObject properties of its row's item
 * and follows them through "notify" while it is bound: nothing polls, and
 * a recycled row disconnects from the item it showed before (the
 * GtkColumnView of 2,000 torrents keeps only the visible rows bound).
 * Items may be wrapped in a GtkTreeListRow.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  BT_CELL_TEXT,     /* a string property as it is */
  BT_CELL_SIZE,     /* guint64 bytes */
  BT_CELL_RATE,     /* double bytes/s */
  BT_CELL_ETA,      /* gint64 seconds, -1 unknown */
  BT_CELL_RATIO,    /* double */
  BT_CELL_PERCENT,  /* double 0..1 */
  BT_CELL_COUNT,    /* guint */
} BtCellKind;

/* Returns the text of a cell for @item, (transfer full). */
typedef char *(*BtCellFormatFunc) (GObject *item);

GtkListItemFactory *bt_cell_factory_new          (const char         *property,
                                                  BtCellKind          kind);
GtkListItemFactory *bt_cell_factory_new_custom   (const char * const *properties,
                                                  BtCellFormatFunc    format,
                                                  gboolean            numeric);
/* A GtkProgressBar with its percentage as text, from a double 0..1. */
GtkListItemFactory *bt_cell_progress_factory_new (const char         *property);

GtkColumnViewColumn *bt_cell_append_column    (GtkColumnView      *view,
                                                  const char         *title,
                                                  GtkListItemFactory *factory,
                                                  GtkSorter          *sorter,
                                                  gboolean            expand,
                                                  int                 fixed_width);

/* The model item of a list item, unwrapping a GtkTreeListRow; (transfer
 * none), %NULL when unbound. */
GObject            *bt_cell_get_item             (GtkListItem        *list_item);

G_END_DECLS
