/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <glib/gi18n.h>

#include "bt-cell.h"
#include "bt-details.h"
#include "bt-format.h"
#include "bt-magnet.h"
#include "bt-piece-map.h"
#include "bt-rate-graph.h"
#include "bt-session.h"
#include "bt-window.h"

/*
 * The torrent list's model stack:
 *
 *   GtkColumnView
 *     ← GtkMultiSelection
 *     ← GtkSortListModel    (the column view's sorter: click a header)
 *     ← GtkFilterListModel  (GtkEveryFilter: state dropdown, search entry)
 *     ← bt_session_get_torrents ()
 *
 * Cells follow their torrent's "notify" while bound (bt-cell.c), so a
 * list of thousands of torrents costs only the visible rows. The sort
 * order is taken when a torrent arrives or a header is clicked; rows do
 * not jump around while their rates change.
 */

enum
{
  FILTER_ALL,
  FILTER_DOWNLOADING,
  FILTER_SEEDING,
  FILTER_PAUSED,
  FILTER_ERROR,
};

struct _BtWindow
{
  GtkApplicationWindow parent_instance;

  BtSession          *session;
  GListModel         *torrents;     /* the session's */
  GtkFilterListModel *filtered;
  GtkSortListModel   *sorted;
  GtkMultiSelection  *selection;
  GtkCustomFilter    *state_filter;
  GtkStringFilter    *name_filter;
  GtkWidget          *context_menu;
  gboolean            ready;        /* the model is set up */

  /* Template widgets */
  GtkHeaderBar       *header_bar;
  GtkMenuButton      *primary_menu_button;
  GtkWidget          *add_button;
  GtkWidget          *magnet_button;
  GtkWidget          *resume_button;
  GtkWidget          *pause_button;
  GtkWidget          *remove_button;
  GtkWidget          *details_button;
  GtkWidget          *search_button;
  GtkWidget          *empty_state;
  GtkLabel           *empty_title;
  GtkLabel           *empty_description;
  GtkDropDown        *filter_dropdown;
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkRevealer        *error_revealer;
  GtkLabel           *error_label;
  GtkButton          *error_close_button;
  GtkStack           *list_stack;
  GtkColumnView      *torrent_view;
  BtDetails          *details;
  GtkWidget          *drop_highlight;
  BtRateGraph        *rate_graph;
  GtkLabel           *down_label;
  GtkLabel           *up_label;
  GtkLabel           *active_label;
  GMenuModel         *torrent_menu;
};

G_DEFINE_FINAL_TYPE (BtWindow, bt_window, GTK_TYPE_APPLICATION_WINDOW)

enum
{
  SIGNAL_SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/*
 * Auxiliary functions
 */

static BtTorrent *
first_selected (BtWindow *self)
{
  g_autoptr(GPtrArray) selected = bt_window_get_selected_torrents (self);

  if (selected->len == 0)
    return NULL;
  /* Still owned by the session's list. */
  return g_ptr_array_index (selected, 0);
}

static void
update_stack (BtWindow *self)
{
  const char *page;

  if (self->torrents == NULL || g_list_model_get_n_items (self->torrents) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    page = "no-results";
  else
    page = "list";

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->list_stack), page) != 0)
    gtk_stack_set_visible_child_name (self->list_stack, page);
}

static void
update_footer (BtWindow *self)
{
  g_autofree char *down = NULL;
  g_autofree char *up = NULL;
  g_autofree char *down_text = NULL;
  g_autofree char *up_text = NULL;
  g_autofree char *active = NULL;
  guint n_active, n_total;

  if (self->session == NULL)
    return;

  down = g_format_size_full ((guint64) bt_session_get_download_rate (self->session),
                             G_FORMAT_SIZE_IEC_UNITS);
  up = g_format_size_full ((guint64) bt_session_get_upload_rate (self->session),
                           G_FORMAT_SIZE_IEC_UNITS);
  /* TRANSLATORS: total download rate in the footer */
  down_text = g_strdup_printf (_("↓ %s/s"), down);
  /* TRANSLATORS: total upload rate in the footer */
  up_text = g_strdup_printf (_("↑ %s/s"), up);
  gtk_label_set_label (self->down_label, down_text);
  gtk_label_set_label (self->up_label, up_text);

  n_active = bt_session_get_n_active (self->session);
  n_total = g_list_model_get_n_items (self->torrents);
  /* TRANSLATORS: "<active> of <total> torrents active" */
  active = g_strdup_printf (ngettext ("%u of %u torrent active",
                                      "%u of %u torrents active", n_total),
                            n_active, n_total);
  gtk_label_set_label (self->active_label, active);
}

static gboolean
state_matches (BtTorrent *torrent,
               guint      filter)
{
  BtTorrentState state = bt_torrent_get_state (torrent);

  switch (filter)
    {
    case FILTER_DOWNLOADING:
      return state == BT_TORRENT_STATE_DOWNLOADING ||
             state == BT_TORRENT_STATE_FETCHING_METADATA ||
             ((state == BT_TORRENT_STATE_QUEUED || state == BT_TORRENT_STATE_CHECKING) &&
              bt_torrent_get_progress (torrent) < 1.0);
    case FILTER_SEEDING:
      /* A complete torrent waiting for a seed slot, or rechecked, is a
       * seed all the same. */
      return state == BT_TORRENT_STATE_SEEDING ||
             ((state == BT_TORRENT_STATE_QUEUED || state == BT_TORRENT_STATE_CHECKING) &&
              bt_torrent_get_progress (torrent) >= 1.0);
    case FILTER_PAUSED:
      return state == BT_TORRENT_STATE_STOPPED;
    case FILTER_ERROR:
      return state == BT_TORRENT_STATE_ERROR;
    case FILTER_ALL:
    default:
      return TRUE;
    }
}

static gboolean
state_filter_func (gpointer item,
                   gpointer user_data)
{
  BtWindow *self = user_data;

  return state_matches (BT_TORRENT (item), gtk_drop_down_get_selected (self->filter_dropdown));
}

static GtkWidget *
list_item_child_at (GtkWidget *view,
                    double     x,
                    double     y,
                    GtkListItem **out_item)
{
  GtkWidget *w = gtk_widget_pick (view, x, y, GTK_PICK_DEFAULT);

  for (; w != NULL && w != view; w = gtk_widget_get_parent (w))
    {
      GtkListItem *item = g_object_get_data (G_OBJECT (w), "bt-list-item");

      if (item != NULL)
        {
          *out_item = item;
          return w;
        }
    }
  return NULL;
}

static void
add_file_or_uri (BtWindow   *self,
                 const char *text)
{
  BtApplication *app = BT_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  g_autoptr(GFile) file = NULL;

  if (g_str_has_prefix (text, "magnet:"))
    {
      bt_application_add_magnet (app, text);
      return;
    }

  if (g_str_has_prefix (text, "file://"))
    file = g_file_new_for_uri (text);
  else if (g_path_is_absolute (text))
    file = g_file_new_for_path (text);

  if (file != NULL)
    bt_application_add_file (app, file);
}

/*
 * Signal callbacks
 */

static void
torrents_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     BtWindow   *self);

static void
torrent_state_notify_cb (BtTorrent  *torrent,
                         GParamSpec *pspec,
                         BtWindow   *self)
{
  /* The list's filter by state looks at a property; tell it when one
   * changed. Rare (state changes, not progress), so cheap. */
  if (gtk_drop_down_get_selected (self->filter_dropdown) != FILTER_ALL)
    gtk_filter_changed (GTK_FILTER (self->state_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
torrent_name_notify_cb (BtTorrent  *torrent,
                        GParamSpec *pspec,
                        BtWindow   *self)
{
  /* A magnet's name arrives with its metadata: a search may now match. */
  const char *search = gtk_string_filter_get_search (self->name_filter);

  if (search != NULL && *search != '\0')
    gtk_filter_changed (GTK_FILTER (self->name_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
torrents_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     BtWindow   *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (model, i);

      g_signal_connect_object (torrent, "notify::state",
                               G_CALLBACK (torrent_state_notify_cb), self, 0);
      g_signal_connect_object (torrent, "notify::name",
                               G_CALLBACK (torrent_name_notify_cb), self, 0);
    }

  update_stack (self);
  update_footer (self);

  /* A torrent the person just added is the one they want to look at. */
  if (self->ready && removed == 0 && added == 1)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (model, position);

      bt_window_select_torrent (self, torrent);
    }
}

static void
filtered_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     BtWindow   *self)
{
  update_stack (self);
}

static void
selection_changed_cb (GtkSelectionModel *model,
                      guint              position,
                      guint              n_items,
                      BtWindow          *self)
{
  bt_details_set_torrent (self->details, first_selected (self));
  g_signal_emit (self, signals[SIGNAL_SELECTION_CHANGED], 0);
}

static void
selection_items_changed_cb (GListModel *model,
                            guint       position,
                            guint       removed,
                            guint       added,
                            BtWindow   *self)
{
  /* A removed torrent leaves the selection without selection-changed. */
  if (removed > 0)
    selection_changed_cb (GTK_SELECTION_MODEL (model), position, removed, self);
}

static void
session_notify_cb (BtSession  *session,
                   GParamSpec *pspec,
                   BtWindow   *self)
{
  update_footer (self);
}

static void
filter_selected_cb (GtkDropDown *dropdown,
                    GParamSpec  *pspec,
                    BtWindow    *self)
{
  gtk_filter_changed (GTK_FILTER (self->state_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
search_changed_cb (GtkSearchEntry *entry,
                   BtWindow       *self)
{
  gtk_string_filter_set_search (self->name_filter, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
error_close_clicked_cb (GtkButton *button,
                        BtWindow  *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

static void
row_activate_cb (GtkColumnView *view,
                 guint          position,
                 BtWindow      *self)
{
  bt_window_show_details (self, NULL);
}

static void
context_pressed_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    BtWindow        *self)
{
  GtkWidget *view = GTK_WIDGET (self->torrent_view);
  GtkListItem *list_item = NULL;
  double px, py;

  if (list_item_child_at (view, x, y, &list_item) == NULL)
    return;

  /* Right-click on an unselected row acts on that row, as in Files. */
  if (!gtk_list_item_get_selected (list_item))
    gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection),
                                     gtk_list_item_get_position (list_item), TRUE);

  if (!gtk_widget_translate_coordinates (view, GTK_WIDGET (self->list_stack), x, y, &px, &py))
    px = x, py = y;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) px, (int) py, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static GdkDragAction
drop_enter_cb (GtkDropTarget *target,
               double         x,
               double         y,
               BtWindow      *self)
{
  gtk_widget_set_visible (self->drop_highlight, TRUE);
  return GDK_ACTION_COPY;
}

static void
drop_leave_cb (GtkDropTarget *target,
               BtWindow      *self)
{
  gtk_widget_set_visible (self->drop_highlight, FALSE);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         BtWindow      *self)
{
  gtk_widget_set_visible (self->drop_highlight, FALSE);
  return bt_window_add_dropped (self, value);
}

/*
 * Actions
 */

static void
show_details_change_state (GSimpleAction *action,
                           GVariant      *state,
                           gpointer       user_data)
{
  BtWindow *self = BT_WINDOW (user_data);

  g_simple_action_set_state (action, state);
  gtk_widget_set_visible (GTK_WIDGET (self->details), g_variant_get_boolean (state));
}

static void
search_activate (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  BtWindow *self = BT_WINDOW (user_data);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
open_folder_activate (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer      user_data)
{
  BtWindow *self = BT_WINDOW (user_data);
  BtTorrent *torrent = first_selected (self);

  if (torrent != NULL)
    {
      g_autofree char *folder = bt_application_dup_torrent_folder (torrent);

      g_action_group_activate_action (G_ACTION_GROUP (gtk_window_get_application (GTK_WINDOW (self))),
                                      "open-folder", g_variant_new_string (folder));
    }
}

static const GActionEntry win_actions[] = {
  { .name = "show-details", .state = "false", .change_state = show_details_change_state },
  { .name = "search", .activate = search_activate },
  { .name = "open-folder", .activate = open_folder_activate },
};

/*
 * Columns
 */

static char *
status_format (GObject *item)
{
  BtTorrent *t = BT_TORRENT (item);

  return bt_format_status (bt_torrent_get_state (t), bt_torrent_get_check_progress (t),
                           bt_torrent_get_error_message (t));
}

static char *
peers_format (GObject *item)
{
  BtTorrent *t = BT_TORRENT (item);

  /* TRANSLATORS: connected peers / peers known in the swarm */
  return g_strdup_printf (_("%u / %u"), bt_torrent_get_n_peers (t), bt_torrent_get_n_swarm_peers (t));
}

static int
state_sort_func (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return (int) bt_torrent_get_state (BT_TORRENT ((gpointer) a)) -
         (int) bt_torrent_get_state (BT_TORRENT ((gpointer) b));
}

static void
add_column (BtWindow           *self,
            const char         *id,
            const char         *title,
            GtkListItemFactory *factory,
            GtkSorter          *sorter,
            int                 fixed_width)
{
  g_autoptr(GtkColumnViewColumn) column = gtk_column_view_column_new (title, factory);

  /* gtk_column_view_column_set_id() is 4.10; tests find columns by this. */
  g_object_set_data_full (G_OBJECT (column), "bt-column-id", g_strdup (id), g_free);
  gtk_column_view_column_set_resizable (column, TRUE);
  if (fixed_width > 0)
    gtk_column_view_column_set_fixed_width (column, fixed_width);
  else
    gtk_column_view_column_set_expand (column, TRUE);
  gtk_column_view_column_set_sorter (column, sorter);
  gtk_column_view_append_column (self->torrent_view, column);
  g_clear_object (&sorter);
}

static GtkSorter *
numeric_sorter (const char *property,
                gboolean    descending)
{
  GtkNumericSorter *sorter =
    gtk_numeric_sorter_new (gtk_property_expression_new (BT_TYPE_TORRENT, NULL, property));

  if (descending)
    gtk_numeric_sorter_set_sort_order (sorter, GTK_SORT_DESCENDING);
  return GTK_SORTER (sorter);
}

static void
setup_columns (BtWindow *self)
{
  add_column (self, "name", _("Name"), bt_cell_factory_new ("name", BT_CELL_TEXT),
              GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (BT_TYPE_TORRENT, NULL, "name"))),
              -1);
  add_column (self, "size", _("Size"), bt_cell_factory_new ("size", BT_CELL_SIZE),
              numeric_sorter ("size", TRUE), 90);
  add_column (self, "progress", _("Progress"), bt_cell_progress_factory_new ("progress"),
              numeric_sorter ("progress", FALSE), 130);
  add_column (self, "status", _("Status"),
              bt_cell_factory_new_custom ((const char *[]) { "state", "check-progress", "error-message", NULL },
                                          status_format, FALSE),
              GTK_SORTER (gtk_custom_sorter_new (state_sort_func, NULL, NULL)), 150);
  add_column (self, "down", _("Down"), bt_cell_factory_new ("download-rate", BT_CELL_RATE),
              numeric_sorter ("download-rate", TRUE), 95);
  add_column (self, "up", _("Up"), bt_cell_factory_new ("upload-rate", BT_CELL_RATE),
              numeric_sorter ("upload-rate", TRUE), 95);
  add_column (self, "eta", _("ETA"), bt_cell_factory_new ("eta", BT_CELL_ETA),
              numeric_sorter ("eta", FALSE), 80);
  add_column (self, "peers", _("Peers"),
              bt_cell_factory_new_custom ((const char *[]) { "n-peers", "n-swarm-peers", NULL },
                                          peers_format, TRUE),
              numeric_sorter ("n-peers", TRUE), 75);
  add_column (self, "ratio", _("Ratio"), bt_cell_factory_new ("ratio", BT_CELL_RATIO),
              numeric_sorter ("ratio", TRUE), 65);
}

static void
setup_model (BtWindow *self)
{
  BtApplication *app = BT_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  GtkEveryFilter *filter;
  g_autoptr(GListModel) source = NULL;

  self->session = app ? bt_application_get_session (app) : NULL;
  if (self->session != NULL)
    {
      g_object_ref (self->session);
      source = g_object_ref (bt_session_get_torrents (self->session));
    }
  else
    {
      /* No session (it failed to start; the error is shown): an empty
       * list keeps the rest of the window working. */
      source = G_LIST_MODEL (g_list_store_new (BT_TYPE_TORRENT));
    }
  self->torrents = g_object_ref (source);

  self->state_filter = gtk_custom_filter_new (state_filter_func, self, NULL);
  self->name_filter =
    gtk_string_filter_new (gtk_property_expression_new (BT_TYPE_TORRENT, NULL, "name"));
  gtk_string_filter_set_match_mode (self->name_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
  gtk_string_filter_set_ignore_case (self->name_filter, TRUE);

  filter = gtk_every_filter_new ();
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), g_object_ref (GTK_FILTER (self->state_filter)));
  gtk_multi_filter_append (GTK_MULTI_FILTER (filter), g_object_ref (GTK_FILTER (self->name_filter)));

  self->filtered = gtk_filter_list_model_new (g_object_ref (source), GTK_FILTER (filter));
  self->sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filtered)),
                                          g_object_ref (gtk_column_view_get_sorter (self->torrent_view)));
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->sorted)));
  gtk_column_view_set_model (self->torrent_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (source, "items-changed", G_CALLBACK (torrents_changed_cb), self, 0);
  torrents_changed_cb (source, 0, 0, g_list_model_get_n_items (source), self);
  g_signal_connect_object (self->filtered, "items-changed", G_CALLBACK (filtered_changed_cb), self, 0);
  g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (selection_changed_cb), self, 0);
  g_signal_connect_object (self->selection, "items-changed", G_CALLBACK (selection_items_changed_cb), self, 0);

  if (self->session != NULL)
    {
      g_signal_connect_object (self->session, "notify::download-rate", G_CALLBACK (session_notify_cb), self, 0);
      g_signal_connect_object (self->session, "notify::upload-rate", G_CALLBACK (session_notify_cb), self, 0);
      g_signal_connect_object (self->session, "notify::n-active", G_CALLBACK (session_notify_cb), self, 0);
      bt_rate_graph_set_source (self->rate_graph, G_OBJECT (self->session));
    }

  update_stack (self);
  update_footer (self);
  self->ready = TRUE;
}

static gboolean
delete_key_cb (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (widget));

  /* Editing text, Delete deletes text. */
  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_EDITABLE (w))
      return FALSE;
  return gtk_widget_activate_action (widget, "app.remove", NULL);
}

static void
setup_controllers (BtWindow *self)
{
  GtkDropTarget *target;
  GtkGesture *click;
  GtkEventController *shortcuts;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, G_TYPE_STRING };

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (target), "bt-drop-target");
  g_signal_connect (target, "enter", G_CALLBACK (drop_enter_cb), self);
  g_signal_connect (target, "leave", G_CALLBACK (drop_leave_cb), self);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (context_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->torrent_view), GTK_EVENT_CONTROLLER (click));

  self->context_menu = gtk_popover_menu_new_from_model (self->torrent_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self->list_stack));

  shortcuts = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Menu, 0),
                                                                                       gtk_keyval_trigger_new (GDK_KEY_F10, GDK_SHIFT_MASK)),
                                                          gtk_named_action_new ("win.context-menu")));
  gtk_widget_add_controller (GTK_WIDGET (self->torrent_view), shortcuts);
}

static void
context_menu_activate (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  BtWindow *self = BT_WINDOW (user_data);

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), NULL);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

/*
 * Overrides
 */

static void
bt_window_dispose (GObject *object)
{
  BtWindow *self = BT_WINDOW (object);

  if (self->torrent_view != NULL)
    gtk_column_view_set_model (self->torrent_view, NULL);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  if (self->rate_graph != NULL)
    bt_rate_graph_set_source (self->rate_graph, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  g_clear_object (&self->filtered);
  g_clear_object (&self->state_filter);
  g_clear_object (&self->name_filter);
  g_clear_object (&self->torrents);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (bt_window_parent_class)->dispose (object);
}

static void
application_notify_cb (BtWindow   *self,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  /* GtkWindow:application is not a construct property: g_object_new()
   * sets it after constructed(). The window belongs to one application
   * for its life, so the model is set up once, when it arrives. */
  if (!self->ready && gtk_window_get_application (GTK_WINDOW (self)) != NULL)
    setup_model (self);
}

static void
bt_window_class_init (BtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_window_dispose;

  signals[SIGNAL_SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (BT_TYPE_DETAILS);
  g_type_ensure (BT_TYPE_RATE_GRAPH);

  /* No gtk_widget_dispose_template(): the template's widgets are the
   * window's titlebar and child, which GtkWindow tears down itself.
   * Unparenting them first leaves GtkWindow with dangling pointers (a
   * critical on GTK 4.8 when the window is destroyed). */
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/bt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BtWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, magnet_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, resume_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, remove_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, details_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, empty_state);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, empty_title);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, empty_description);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, filter_dropdown);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, error_close_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, list_stack);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, torrent_view);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, details);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, drop_highlight);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, rate_graph);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, down_label);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, up_label);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, active_label);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, torrent_menu);
}

static void
bt_window_init (BtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self, "notify::application", G_CALLBACK (application_notify_cb), NULL);
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions,
                                   G_N_ELEMENTS (win_actions), self);
  {
    static const GActionEntry extra[] = {
      { .name = "context-menu", .activate = context_menu_activate },
    };
    g_action_map_add_action_entries (G_ACTION_MAP (self), extra, G_N_ELEMENTS (extra), self);
  }

  setup_columns (self);
  setup_controllers (self);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));

  /* Delete wherever the focus is (after a click on a header button, on
   * the pane's divider...). Added after the search bar's key capture, so
   * it runs first (a widget runs its newest controllers first) and the
   * capture does not turn the key into a search. In the bubble phase, so
   * a focused text entry has used the key already; delete_key_cb makes
   * sure of it. */
  {
    GtkEventController *shortcuts = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                          gtk_shortcut_new (gtk_alternative_trigger_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                                                         gtk_keyval_trigger_new (GDK_KEY_KP_Delete, 0)),
                                                            gtk_callback_action_new (delete_key_cb, NULL, NULL)));
    gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);
  }

  g_signal_connect (self->filter_dropdown, "notify::selected", G_CALLBACK (filter_selected_cb), self);
  g_signal_connect (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect (self->error_close_button, "clicked", G_CALLBACK (error_close_clicked_cb), self);
  g_signal_connect (self->torrent_view, "activate", G_CALLBACK (row_activate_cb), self);
}

/*
 * Public API
 */

/**
 * bt_window_new:
 * @application: the #BtApplication the window belongs to; the window
 *   shows the torrents of its session
 *
 * Returns: (transfer none): a new #BtWindow. GTK owns toplevel windows;
 *   close it, or destroy it with gtk_window_destroy()
 */
BtWindow *
bt_window_new (BtApplication *application)
{
  g_return_val_if_fail (BT_IS_APPLICATION (application), NULL);

  return g_object_new (BT_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * bt_window_get_selected_torrents:
 * @self: a window
 *
 * Returns: (transfer full) (element-type BtTorrent): the selected torrents
 *   in list order, each with a reference; an empty array when none
 */
GPtrArray *
bt_window_get_selected_torrents (BtWindow *self)
{
  GPtrArray *result;
  g_autoptr(GtkBitset) bits = NULL;
  GtkBitsetIter iter;
  guint position;

  g_return_val_if_fail (BT_IS_WINDOW (self), NULL);

  result = g_ptr_array_new_with_free_func (g_object_unref);
  if (self->selection == NULL)
    return result;

  bits = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  for (gboolean ok = gtk_bitset_iter_init_first (&iter, bits, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    g_ptr_array_add (result, g_list_model_get_item (G_LIST_MODEL (self->selection), position));

  return result;
}

/**
 * bt_window_select_torrent:
 * @self: a window
 * @torrent: a torrent of the session
 *
 * Selects @torrent alone and scrolls to it, when the filter shows it.
 */
void
bt_window_select_torrent (BtWindow  *self,
                          BtTorrent *torrent)
{
  guint n;

  g_return_if_fail (BT_IS_WINDOW (self));
  g_return_if_fail (BT_IS_TORRENT (torrent));

  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtTorrent) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (item == torrent)
        {
          gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, TRUE);
          /* No gtk_column_view_scroll_to() before 4.12: the list view
           * inside has an action that scrolls a row into view. */
          for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->torrent_view));
               child != NULL;
               child = gtk_widget_get_next_sibling (child))
            if (GTK_IS_LIST_VIEW (child))
              gtk_widget_activate_action (child, "list.scroll-to-item", "u", i);
          return;
        }
    }
}

/**
 * bt_window_get_visible_torrents:
 * @self: a window
 *
 * Returns: (transfer none): the torrents as the list shows them: filtered
 *   and sorted (the GtkMultiSelection)
 */
GListModel *
bt_window_get_visible_torrents (BtWindow *self)
{
  g_return_val_if_fail (BT_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->selection);
}

/**
 * bt_window_show_error:
 * @self: a window
 * @message: what went wrong, for a person
 *
 * Shows @message in a banner above the list until dismissed or replaced.
 * A banner rather than a dialog: dropping ten files of which two are bad
 * should not stack two modal dialogs.
 */
void
bt_window_show_error (BtWindow   *self,
                      const char *message)
{
  g_return_if_fail (BT_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  gtk_label_set_label (self->error_label, message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

/**
 * bt_window_get_error:
 * @self: a window
 *
 * Returns: (nullable): the message of the error banner while shown
 */
const char *
bt_window_get_error (BtWindow *self)
{
  g_return_val_if_fail (BT_IS_WINDOW (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->error_revealer))
    return NULL;
  return gtk_label_get_label (self->error_label);
}

/**
 * bt_window_show_details:
 * @self: a window
 * @page: (nullable): "general", "peers", "files" or "trackers"; %NULL
 *   keeps the page
 *
 * Opens the details pane for the selected torrent.
 */
void
bt_window_show_details (BtWindow   *self,
                        const char *page)
{
  g_return_if_fail (BT_IS_WINDOW (self));

  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-details",
                                      g_variant_new_boolean (TRUE));
  if (page != NULL)
    bt_details_set_page (self->details, page);
}

/**
 * bt_window_add_dropped:
 * @self: a window
 * @value: what was dropped: a #GdkFileList, a #GFile, or a string of
 *   magnet links, file:// URIs or paths, one a line (text/uri-list)
 *
 * Adds each torrent in @value. The drop target calls this; so do tests.
 *
 * Returns: whether @value held anything to add
 */
gboolean
bt_window_add_dropped (BtWindow     *self,
                       const GValue *value)
{
  BtApplication *app;
  gboolean any = FALSE;

  g_return_val_if_fail (BT_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  app = BT_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        {
          bt_application_add_file (app, G_FILE (l->data));
          any = TRUE;
        }
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      GFile *file = g_value_get_object (value);

      if (file != NULL)
        {
          bt_application_add_file (app, file);
          any = TRUE;
        }
    }
  else if (G_VALUE_HOLDS_STRING (value) && g_value_get_string (value) != NULL)
    {
      g_auto(GStrv) lines = g_strsplit_set (g_value_get_string (value), "\r\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          char *line = g_strstrip (lines[i]);

          /* text/uri-list comments, and the blank lines of \r\n */
          if (*line == '\0' || *line == '#')
            continue;
          if (g_str_has_prefix (line, "magnet:") || g_str_has_prefix (line, "file://") ||
              g_path_is_absolute (line))
            {
              add_file_or_uri (self, line);
              any = TRUE;
            }
        }
      if (!any)
        bt_window_show_error (self, _("The dropped text holds no magnet link or .torrent file."));
    }

  return any;
}
