/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Model:
 *   trackers_view: GtkNoSelection ← GtkSortListModel ← bt_torrent_get_trackers()
 *
 * Each cell follows its row's BtTrackerInfo through "notify". The two
 * time columns read relative to now ("5 min ago", "in 25 min"), so a time
 * cell also refreshes itself every second while it is on screen.
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <glib/gi18n.h>

#include "bt-cell.h"
#include "bt-format.h"
#include "bt-tracker-columns.h"
#include "bt-tracker-info.h"

/*
 * Cell formats
 */

static char *
tier_format (GObject *item)
{
  /* People count tiers from 1, as the announce-list reads top down. */
  return g_strdup_printf ("%u", bt_tracker_info_get_tier (BT_TRACKER_INFO (item)) + 1);
}

static char *
status_format (GObject *item)
{
  BtTrackerInfo *info = BT_TRACKER_INFO (item);

  return bt_format_tracker_status (bt_tracker_info_get_state (info),
                                   bt_tracker_info_get_last_announce (info),
                                   bt_tracker_info_get_warning (info));
}

static char *
seeders_format (GObject *item)
{
  return bt_format_count (bt_tracker_info_get_seeders (BT_TRACKER_INFO (item)));
}

static char *
leechers_format (GObject *item)
{
  return bt_format_count (bt_tracker_info_get_leechers (BT_TRACKER_INFO (item)));
}

static char *
error_format (GObject *item)
{
  const char *error = bt_tracker_info_get_last_error (BT_TRACKER_INFO (item));

  return g_strdup (error != NULL ? error : "");
}

/*
 * Time cells
 */

typedef struct
{
  const char *property;
  gboolean    future;
} TimeColumn;

static const TimeColumn last_announce_column = { "last-announce", FALSE };
static const TimeColumn next_announce_column = { "next-announce", TRUE };

static void
time_cell_update (GtkListItem *list_item)
{
  const TimeColumn *column = g_object_get_data (G_OBJECT (list_item), "bt-time-column");
  GObject *item = bt_cell_get_item (list_item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;
  gint64 when = 0;
  gint64 now = g_get_real_time ();

  if (item != NULL)
    g_object_get (item, column->property, &when, NULL);
  text = column->future ? bt_format_time_until (when, now) : bt_format_time_ago (when, now);
  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_label (label, text);
  /* The exact time, for when "25 min ago" is not enough. */
  if (when > 0)
    tooltip = bt_format_time (when / G_USEC_PER_SEC);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), tooltip);
}

static gboolean
time_cell_tick_cb (gpointer user_data)
{
  time_cell_update (GTK_LIST_ITEM (user_data));
  return G_SOURCE_CONTINUE;
}

static void
time_cell_notify_cb (GObject     *item,
                     GParamSpec  *pspec,
                     GtkListItem *list_item)
{
  time_cell_update (list_item);
}

static void
remove_source (gpointer data)
{
  g_source_remove (GPOINTER_TO_UINT (data));
}

/* The clock runs only while the cell is on screen: the Trackers page
 * left for another, or the window hidden, costs no wakeups. */
static void
time_label_map_cb (GtkWidget   *label,
                   GtkListItem *list_item)
{
  guint tick_id = g_timeout_add_seconds (1, time_cell_tick_cb, list_item);

  g_source_set_name_by_id (tick_id, "[bt-app] tracker time cell");
  g_object_set_data_full (G_OBJECT (label), "bt-time-tick", GUINT_TO_POINTER (tick_id),
                          remove_source);
  time_cell_update (list_item);
}

static void
time_label_unmap_cb (GtkWidget   *label,
                     GtkListItem *list_item)
{
  g_object_set_data (G_OBJECT (label), "bt-time-tick", NULL);
}

static void
time_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               const TimeColumn         *column)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "numeric");
  g_object_set_data (G_OBJECT (list_item), "bt-time-column", (gpointer) column);
  g_signal_connect (label, "map", G_CALLBACK (time_label_map_cb), list_item);
  g_signal_connect (label, "unmap", G_CALLBACK (time_label_unmap_cb), list_item);
  gtk_list_item_set_child (list_item, label);
}

static void
time_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              const TimeColumn         *column)
{
  GObject *item = bt_cell_get_item (list_item);
  g_autofree char *signal = g_strconcat ("notify::", column->property, NULL);

  if (item == NULL)
    return;
  g_signal_connect_object (item, signal, G_CALLBACK (time_cell_notify_cb), list_item, 0);
  time_cell_update (list_item);
}

static void
time_unbind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                const TimeColumn         *column)
{
  GObject *item = bt_cell_get_item (list_item);

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, time_cell_notify_cb, list_item);
}

static GtkListItemFactory *
time_factory_new (const TimeColumn *column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (time_setup_cb), (gpointer) column);
  g_signal_connect (factory, "bind", G_CALLBACK (time_bind_cb), (gpointer) column);
  g_signal_connect (factory, "unbind", G_CALLBACK (time_unbind_cb), (gpointer) column);
  return factory;
}

/*
 * Columns
 */

static int
compare_state (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  /* Working first, as the rows people look for. */
  static const int rank[] = {
    [BT_TRACKER_STATE_WORKING] = 0,
    [BT_TRACKER_STATE_ANNOUNCING] = 1,
    [BT_TRACKER_STATE_ERROR] = 2,
    [BT_TRACKER_STATE_IDLE] = 3,
  };
  BtTrackerState x = bt_tracker_info_get_state (BT_TRACKER_INFO ((gpointer) a));
  BtTrackerState y = bt_tracker_info_get_state (BT_TRACKER_INFO ((gpointer) b));

  return rank[x] - rank[y];
}

/* A sorter on @property of the rows, or NULL for none. */
static GtkSorter *
sorter_for (const char *property)
{
  GtkExpression *expression;
  GParamSpec *pspec;

  if (property == NULL)
    return NULL;
  pspec = g_object_class_find_property (g_type_class_peek (BT_TYPE_TRACKER_INFO), property);
  if (G_TYPE_IS_ENUM (pspec->value_type))
    /* GtkNumericSorter takes no enums. */
    return GTK_SORTER (gtk_custom_sorter_new (compare_state, NULL, NULL));
  expression = gtk_property_expression_new (BT_TYPE_TRACKER_INFO, NULL, property);
  if (pspec->value_type == G_TYPE_STRING)
    return GTK_SORTER (gtk_string_sorter_new (expression));
  return GTK_SORTER (gtk_numeric_sorter_new (expression));
}

static GtkColumnViewColumn *
add_column (GtkColumnView      *view,
            const char         *title,
            GtkListItemFactory *factory,
            const char         *sort_property,
            gboolean            expand,
            int                 fixed_width)
{
  return bt_cell_append_column (view, title, factory, sorter_for (sort_property), expand,
                                fixed_width);
}

static GtkListItemFactory *
custom (const char       *property,
        BtCellFormatFunc  format,
        gboolean          numeric)
{
  return bt_cell_factory_new_custom ((const char *[]) { property, NULL }, format, numeric);
}

/**
 * bt_tracker_columns_setup:
 * @view: an empty column view
 *
 * Adds the columns: tier, URL, status, last and next announce, seeders
 * and leechers the tracker reported, and its last error; and sorts by tier.
 */
void
bt_tracker_columns_setup (GtkColumnView *view)
{
  GtkColumnViewColumn *tier;

  g_return_if_fail (GTK_IS_COLUMN_VIEW (view));

  /* sorter_for() looks properties up in the class. */
  g_type_class_unref (g_type_class_ref (BT_TYPE_TRACKER_INFO));

  tier = add_column (view, _("Tier"), custom ("tier", tier_format, TRUE), "tier", FALSE, 50);
  add_column (view, _("URL"), bt_cell_factory_new ("url", BT_CELL_TEXT), "url", TRUE, -1);
  add_column (view, _("Status"),
              bt_cell_factory_new_custom ((const char *[]) { "state", "warning",
                                                             "last-announce", NULL },
                                          status_format, FALSE),
              "state", FALSE, 130);
  add_column (view, _("Last Announce"), time_factory_new (&last_announce_column),
              "last-announce", FALSE, 120);
  add_column (view, _("Next Announce"), time_factory_new (&next_announce_column),
              "next-announce", FALSE, 120);
  add_column (view, _("Seeds"), custom ("seeders", seeders_format, TRUE), "seeders", FALSE, 70);
  add_column (view, _("Leechers"), custom ("leechers", leechers_format, TRUE), "leechers",
              FALSE, 80);
  add_column (view, _("Last Error"), custom ("last-error", error_format, FALSE),
              "last-error", TRUE, -1);

  gtk_column_view_sort_by_column (view, tier, GTK_SORT_ASCENDING);
}

/**
 * bt_tracker_columns_model_new:
 * @view: a column view set up by bt_tracker_columns_setup()
 * @trackers: (nullable): a #GListModel of #BtTrackerInfo
 *
 * Returns: (transfer full): the model to give @view
 */
GtkSelectionModel *
bt_tracker_columns_model_new (GtkColumnView *view,
                              GListModel    *trackers)
{
  g_autoptr(GListModel) source = NULL;
  GtkSortListModel *sorted;

  g_return_val_if_fail (GTK_IS_COLUMN_VIEW (view), NULL);
  g_return_val_if_fail (trackers == NULL || G_IS_LIST_MODEL (trackers), NULL);

  source = trackers != NULL ? g_object_ref (trackers)
                            : G_LIST_MODEL (g_list_store_new (BT_TYPE_TRACKER_INFO));
  sorted = gtk_sort_list_model_new (g_steal_pointer (&source),
                                    g_object_ref (gtk_column_view_get_sorter (view)));
  {
    /* One row at a time, for Remove; none until the person picks one. */
    GtkSingleSelection *selection = gtk_single_selection_new (G_LIST_MODEL (sorted));

    gtk_single_selection_set_autoselect (selection, FALSE);
    gtk_single_selection_set_can_unselect (selection, TRUE);
    gtk_single_selection_set_selected (selection, GTK_INVALID_LIST_POSITION);
    return GTK_SELECTION_MODEL (selection);
  }
}
