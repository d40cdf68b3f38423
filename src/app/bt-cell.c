/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include "bt-cell.h"
#include "bt-format.h"

typedef struct
{
  GStrv            properties;
  BtCellKind       kind;
  BtCellFormatFunc format;
  gboolean         numeric;
  gboolean         progress;
} CellSpec;

static void
cell_spec_free (gpointer data)
{
  CellSpec *spec = data;

  g_strfreev (spec->properties);
  g_free (spec);
}

GObject *
bt_cell_get_item (GtkListItem *list_item)
{
  gpointer item = gtk_list_item_get_item (list_item);

  if (GTK_IS_TREE_LIST_ROW (item))
    {
      /* The row holds the item as long as the list item is bound. */
      g_autoptr(GObject) inner = gtk_tree_list_row_get_item (item);
      return inner;
    }
  return item;
}

static char *
format_property (GObject    *item,
                 const char *property,
                 BtCellKind  kind)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GParamSpec *pspec;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (item), property);
  if (pspec == NULL)
    return g_strdup ("");

  g_value_init (&value, pspec->value_type);
  g_object_get_property (item, property, &value);

  switch (kind)
    {
    case BT_CELL_TEXT:
      return g_strdup (G_VALUE_HOLDS_STRING (&value) && g_value_get_string (&value)
                       ? g_value_get_string (&value) : "");
    case BT_CELL_SIZE:
      return bt_format_size (g_value_get_uint64 (&value));
    case BT_CELL_RATE:
      return bt_format_rate (g_value_get_double (&value));
    case BT_CELL_ETA:
      return bt_format_eta (g_value_get_int64 (&value));
    case BT_CELL_RATIO:
      return bt_format_ratio (g_value_get_double (&value));
    case BT_CELL_PERCENT:
      return bt_format_percent (g_value_get_double (&value));
    case BT_CELL_COUNT:
      return g_strdup_printf ("%u", g_value_get_uint (&value));
    default:
      g_assert_not_reached ();
    }
}

static void
cell_update (GtkListItem *list_item,
             GObject     *item)
{
  CellSpec *spec = g_object_get_data (G_OBJECT (list_item), "bt-cell-spec");
  GtkWidget *child = gtk_list_item_get_child (list_item);

  if (spec->progress)
    {
      double fraction = 0;
      g_autofree char *text = NULL;

      g_object_get (item, spec->properties[0], &fraction, NULL);
      text = bt_format_percent (fraction);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (child), CLAMP (fraction, 0.0, 1.0));
      gtk_progress_bar_set_text (GTK_PROGRESS_BAR (child), text);
    }
  else
    {
      g_autofree char *text = NULL;

      text = spec->format ? spec->format (item)
                          : format_property (item, spec->properties[0], spec->kind);
      /* Setting the same text again still queues a resize; skip it, most
       * notifications change another column. */
      if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (child)), text) != 0)
        gtk_label_set_label (GTK_LABEL (child), text);
    }
}

static void
item_notify_cb (GObject     *item,
                GParamSpec  *pspec,
                GtkListItem *list_item)
{
  CellSpec *spec = g_object_get_data (G_OBJECT (list_item), "bt-cell-spec");

  /* One handler per cell on the undetailed signal, filtered here, so a
   * column watching several properties unbinds with one disconnect. */
  if (g_strv_contains ((const char * const *) spec->properties, pspec->name))
    cell_update (list_item, item);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          CellSpec                 *spec)
{
  GtkWidget *child;

  g_object_set_data (G_OBJECT (list_item), "bt-cell-spec", spec);

  if (spec->progress)
    {
      child = gtk_progress_bar_new ();
      gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (child), TRUE);
      gtk_widget_set_valign (child, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (child, "bt-cell-progress");
    }
  else
    {
      child = gtk_label_new (NULL);
      gtk_label_set_ellipsize (GTK_LABEL (child), PANGO_ELLIPSIZE_END);
      gtk_label_set_single_line_mode (GTK_LABEL (child), TRUE);
      gtk_label_set_xalign (GTK_LABEL (child), spec->numeric ? 1.0 : 0.0);
      if (spec->numeric)
        gtk_widget_add_css_class (child, "numeric");
    }

  /* Lets the window find the row under the pointer for its context
   * menu (GtkColumnView has no API for that in 4.8). */
  g_object_set_data (G_OBJECT (child), "bt-list-item", list_item);
  gtk_list_item_set_child (list_item, child);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         CellSpec                 *spec)
{
  GObject *item = bt_cell_get_item (list_item);

  if (item == NULL)
    return;

  g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), list_item, 0);
  cell_update (list_item, item);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           CellSpec                 *spec)
{
  GObject *item = bt_cell_get_item (list_item);

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, item_notify_cb, list_item);
}

static GtkListItemFactory *
factory_new (CellSpec *spec)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_object_set_data_full (G_OBJECT (factory), "bt-cell-spec", spec, cell_spec_free);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), spec);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), spec);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), spec);

  return factory;
}

/**
 * bt_cell_factory_new:
 * @property: the property of the row's item
 * @kind: how to show it
 *
 * Returns: (transfer full): a factory for a right-aligned number cell, or a
 *   left-aligned text cell for %BT_CELL_TEXT
 */
GtkListItemFactory *
bt_cell_factory_new (const char *property,
                     BtCellKind  kind)
{
  CellSpec *spec;

  g_return_val_if_fail (property != NULL, NULL);

  spec = g_new0 (CellSpec, 1);
  spec->properties = g_strdupv ((char *[]) { (char *) property, NULL });
  spec->kind = kind;
  spec->numeric = kind != BT_CELL_TEXT;

  return factory_new (spec);
}

/**
 * bt_cell_factory_new_custom:
 * @properties: the properties @format reads; the cell updates when one of
 *   them notifies
 * @format: makes the text
 * @numeric: right-align with tabular digits
 *
 * Returns: (transfer full): a factory for a label cell
 */
GtkListItemFactory *
bt_cell_factory_new_custom (const char * const *properties,
                            BtCellFormatFunc    format,
                            gboolean            numeric)
{
  CellSpec *spec;

  g_return_val_if_fail (properties != NULL && properties[0] != NULL, NULL);
  g_return_val_if_fail (format != NULL, NULL);

  spec = g_new0 (CellSpec, 1);
  spec->properties = g_strdupv ((char **) properties);
  spec->format = format;
  spec->numeric = numeric;

  return factory_new (spec);
}

/**
 * bt_cell_progress_factory_new:
 * @property: a double property from 0 to 1
 *
 * Returns: (transfer full): a factory for a progress bar cell
 */
GtkListItemFactory *
bt_cell_progress_factory_new (const char *property)
{
  CellSpec *spec;

  g_return_val_if_fail (property != NULL, NULL);

  spec = g_new0 (CellSpec, 1);
  spec->properties = g_strdupv ((char *[]) { (char *) property, NULL });
  spec->kind = BT_CELL_PERCENT;
  spec->progress = TRUE;

  return factory_new (spec);
}

/**
 * bt_cell_append_column:
 * @view: the column view
 * @title: the header
 * @factory: (transfer full): the cells
 * @sorter: (transfer full) (nullable): what clicking the header sorts by
 * @expand: whether the column takes the spare width
 * @fixed_width: its width, or -1 for its content's
 *
 * Appends a resizable column; @view holds it.
 *
 * Returns: (transfer none): the column
 */
GtkColumnViewColumn *
bt_cell_append_column (GtkColumnView      *view,
                       const char         *title,
                       GtkListItemFactory *factory,
                       GtkSorter          *sorter,
                       gboolean            expand,
                       int                 fixed_width)
{
  g_autoptr(GtkColumnViewColumn) column = gtk_column_view_column_new (title, factory);

  g_return_val_if_fail (GTK_IS_COLUMN_VIEW (view), NULL);

  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (column, fixed_width);
  if (sorter != NULL)
    gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_append_column (view, column);

  g_clear_object (&sorter);
  return column;
}
