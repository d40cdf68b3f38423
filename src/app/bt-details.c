/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "bt-cell.h"
#include "bt-details.h"
#include "bt-file-tree.h"
#include "bt-format.h"
#include "bt-peer-info.h"
#include "bt-piece-map.h"
#include "bt-speed-limits.h"
#include "bt-tracker-columns.h"
#include "bt-tracker-editor.h"

/*
 * Models:
 *   peers_view:    GtkNoSelection ← GtkSortListModel ← bt_torrent_get_peers()
 *   files_view:    GtkNoSelection ← GtkSortListModel (GtkTreeListRowSorter) ←
 *                  GtkTreeListModel ← bt_file_tree_new (files)
 *   trackers_view: see bt-tracker-columns.c
 */

struct _BtDetails
{
  GtkWidget      parent_instance;

  BtTorrent     *torrent;
  GListModel    *files;      /* the torrent's, watched for metadata */
  GListModel    *trackers;   /* the torrent's, watched for the empty note */

  /* Template widgets */
  GtkWidget     *box;
  GtkStack      *stack;
  BtPieceMap    *piece_map;
  BtSpeedLimits *speed_limits;
  BtTrackerEditor *tracker_editor;
  GtkColumnView *peers_view;
  GtkColumnView *files_view;
  GtkColumnView *trackers_view;
  GtkWidget     *trackers_note;
  GtkLabel      *name_value;
  GtkLabel      *state_value;
  GtkLabel      *info_hash_value;
  GtkLabel      *save_path_value;
  GtkLabel      *size_value;
  GtkLabel      *pieces_value;
  GtkLabel      *transferred_value;
  GtkLabel      *added_value;
  GtkLabel      *completed_value;
  GtkLabel      *comment_value;
  GtkLabel      *created_by_value;
  GtkLabel      *private_value;
};

G_DEFINE_FINAL_TYPE (BtDetails, bt_details, GTK_TYPE_WIDGET)

/*
 * Auxiliary functions
 */

static void
set_label (GtkLabel   *label,
           const char *text)
{
  if (text == NULL || *text == '\0')
    text = "—";
  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_label (label, text);
}

static void
update_general (BtDetails *self)
{
  BtTorrent *t = self->torrent;
  BtMetainfo *meta;
  g_autofree char *status = NULL;
  g_autofree char *size = NULL;
  g_autofree char *wanted = NULL;
  g_autofree char *pieces = NULL;
  g_autofree char *down = NULL;
  g_autofree char *up = NULL;
  g_autofree char *transferred = NULL;
  g_autofree char *added = NULL;
  g_autofree char *completed = NULL;

  if (t == NULL)
    {
      /* Nothing selected: no page may keep showing the torrent that was. */
      GtkLabel *labels[] = {
        self->name_value, self->state_value, self->info_hash_value, self->save_path_value,
        self->size_value, self->pieces_value, self->transferred_value, self->added_value,
        self->completed_value, self->comment_value, self->created_by_value,
        self->private_value,
      };

      for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
        set_label (labels[i], NULL);
      return;
    }

  meta = bt_torrent_get_metainfo (t);

  set_label (self->name_value, bt_torrent_get_name (t));
  status = bt_format_status (bt_torrent_get_state (t),
                             bt_torrent_get_check_progress (t),
                             bt_torrent_get_error_message (t));
  set_label (self->state_value, status);
  set_label (self->info_hash_value, bt_torrent_get_info_hash_hex (t));
  set_label (self->save_path_value, bt_torrent_get_save_path (t));

  size = bt_format_size (bt_torrent_get_total_size (t));
  if (bt_torrent_get_wanted_size (t) != bt_torrent_get_total_size (t))
    {
      g_autofree char *w = bt_format_size (bt_torrent_get_wanted_size (t));

      /* TRANSLATORS: "<total size> (<wanted size> wanted)" */
      wanted = g_strdup_printf (_("%s (%s wanted)"), size, w);
    }
  set_label (self->size_value, wanted ? wanted : size);

  if (meta != NULL)
    {
      g_autofree char *piece_size = bt_format_size (bt_metainfo_get_piece_length (meta));
      const BtBitfield *have = bt_torrent_get_have (t);

      /* TRANSLATORS: "<pieces here> of <pieces> × <piece size>" */
      pieces = g_strdup_printf (_("%u of %u × %s"),
                                have ? bt_bitfield_count (have) : 0,
                                bt_metainfo_get_n_pieces (meta), piece_size);
    }
  set_label (self->pieces_value, pieces);

  down = bt_format_size (bt_torrent_get_downloaded (t));
  up = bt_format_size (bt_torrent_get_uploaded (t));
  /* TRANSLATORS: "<downloaded> down, <uploaded> up" */
  transferred = g_strdup_printf (_("%s down, %s up"), down, up);
  set_label (self->transferred_value, transferred);

  added = bt_format_time (bt_torrent_get_added_time (t));
  set_label (self->added_value, added);
  completed = bt_format_time (bt_torrent_get_completed_time (t));
  set_label (self->completed_value, completed);

  set_label (self->comment_value, meta ? bt_metainfo_get_comment (meta) : NULL);
  set_label (self->created_by_value, meta ? bt_metainfo_get_created_by (meta) : NULL);
  set_label (self->private_value,
             meta == NULL ? NULL
             : bt_metainfo_is_private (meta)
               ? _("Private: trackers only, no DHT or peer exchange")
               : _("Public"));
}

static GListModel *
file_tree_children_cb (gpointer item,
                       gpointer user_data)
{
  return bt_file_node_dup_children (BT_FILE_NODE (item));
}

static void
update_files (BtDetails *self)
{
  GtkTreeListModel *tree_model;
  GtkTreeListRowSorter *row_sorter;
  GtkSortListModel *sorted;
  g_autoptr(GtkNoSelection) selection = NULL;

  if (self->files == NULL)
    {
      gtk_column_view_set_model (self->files_view, NULL);
      return;
    }

  /* Expanded when small enough to read at a glance; a season of 300
   * episodes starts folded. */
  tree_model = gtk_tree_list_model_new (bt_file_tree_new (self->files), FALSE,
                                        g_list_model_get_n_items (self->files) <= 64,
                                        file_tree_children_cb, NULL, NULL);
  /* Sorts the rows of each folder among themselves, as a file manager's
   * tree does, and keeps which folders are open. */
  row_sorter = gtk_tree_list_row_sorter_new (g_object_ref (gtk_column_view_get_sorter (self->files_view)));
  sorted = gtk_sort_list_model_new (G_LIST_MODEL (tree_model), GTK_SORTER (row_sorter));
  selection = gtk_no_selection_new (G_LIST_MODEL (sorted));
  gtk_column_view_set_model (self->files_view, GTK_SELECTION_MODEL (selection));
}

static void
update_trackers_note (BtDetails *self)
{
  /* Without trackers the page would be a bare table header; say where
   * the peers come from instead. */
  gtk_widget_set_visible (self->trackers_note,
                          self->trackers != NULL
                          && g_list_model_get_n_items (self->trackers) == 0);
}

static void
update_trackers (BtDetails *self)
{
  g_autoptr(GtkSelectionModel) model = bt_tracker_columns_model_new (self->trackers_view,
                                                                     self->trackers);

  gtk_column_view_set_model (self->trackers_view, model);
  bt_tracker_editor_set_selection (self->tracker_editor, GTK_SINGLE_SELECTION (model));
  update_trackers_note (self);
}

/*
 * Signal callbacks
 */

static void
torrent_notify_cb (BtTorrent  *torrent,
                   GParamSpec *pspec,
                   BtDetails  *self)
{
  /* Everything on the General page is cheap; refresh it whole rather than
   * mapping each property to its label. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    update_general (self);
}

static void
files_changed_cb (GListModel *files,
                  guint       position,
                  guint       removed,
                  guint       added,
                  BtDetails  *self)
{
  /* Only when a magnet's metadata arrives: rebuild the tree. */
  update_files (self);
}

static void
trackers_changed_cb (GListModel *trackers,
                     guint       position,
                     guint       removed,
                     guint       added,
                     BtDetails  *self)
{
  update_trackers_note (self);
}

static void
map_cb (GtkWidget *widget,
        BtDetails *self)
{
  update_general (self);
}

/*
 * Cell factories
 */

static void
name_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), gtk_image_new ());
  gtk_box_append (GTK_BOX (box), label);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (list_item, expander);
}

static void
name_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  GtkTreeExpander *expander = GTK_TREE_EXPANDER (gtk_list_item_get_child (list_item));
  GtkTreeListRow *row = gtk_list_item_get_item (list_item);
  BtFileNode *node = BT_FILE_NODE (bt_cell_get_item (list_item));
  GtkWidget *box = gtk_tree_expander_get_child (expander);
  GtkWidget *image = gtk_widget_get_first_child (box);
  GtkWidget *label = gtk_widget_get_last_child (box);

  gtk_tree_expander_set_list_row (expander, row);
  gtk_image_set_from_icon_name (GTK_IMAGE (image),
                                bt_file_node_is_folder (node) ? "folder-symbolic"
                                                              : "text-x-generic-symbolic");
  gtk_label_set_label (GTK_LABEL (label), bt_file_node_get_name (node));
  gtk_widget_set_tooltip_text (label, bt_file_node_get_path (node));
}

static void
wanted_sync (GtkCheckButton *check,
             BtFileNode     *node)
{
  gulong toggled_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (check), "bt-toggled-id"));

  g_signal_handler_block (check, toggled_id);
  gtk_check_button_set_inconsistent (check, bt_file_node_get_inconsistent (node));
  gtk_check_button_set_active (check, bt_file_node_get_wanted (node));
  g_signal_handler_unblock (check, toggled_id);
}

static void
wanted_toggled_cb (GtkCheckButton *check,
                   GtkListItem    *list_item)
{
  GObject *item = bt_cell_get_item (list_item);

  if (item == NULL)
    return;
  /* An inconsistent folder becomes wholly wanted on the first click. */
  bt_file_node_set_wanted (BT_FILE_NODE (item),
                           gtk_check_button_get_active (check) ||
                           bt_file_node_get_inconsistent (BT_FILE_NODE (item)));
  wanted_sync (check, BT_FILE_NODE (item));
}

static void
node_wanted_notify_cb (BtFileNode     *node,
                       GParamSpec     *pspec,
                       GtkCheckButton *check)
{
  wanted_sync (check, node);
}

static void
wanted_setup_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  GtkWidget *check = gtk_check_button_new ();
  gulong id;

  gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Download"),
                                  -1);
  id = g_signal_connect (check, "toggled", G_CALLBACK (wanted_toggled_cb), list_item);
  g_object_set_data (G_OBJECT (check), "bt-toggled-id", GSIZE_TO_POINTER (id));
  gtk_list_item_set_child (list_item, check);
}

static void
wanted_bind_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkWidget *check = gtk_list_item_get_child (list_item);
  BtFileNode *node = BT_FILE_NODE (bt_cell_get_item (list_item));

  g_signal_connect_object (node, "notify::wanted", G_CALLBACK (node_wanted_notify_cb), check, 0);
  g_signal_connect_object (node, "notify::inconsistent", G_CALLBACK (node_wanted_notify_cb), check, 0);
  wanted_sync (GTK_CHECK_BUTTON (check), node);
}

static void
wanted_unbind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GObject *node = bt_cell_get_item (list_item);

  if (node != NULL)
    g_signal_handlers_disconnect_by_func (node, node_wanted_notify_cb,
                                          gtk_list_item_get_child (list_item));
}

static void
priority_sync (GtkDropDown *dropdown,
               BtFileNode  *node)
{
  gulong selected_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dropdown), "bt-selected-id"));
  BtFile *file = bt_file_node_get_file (node);
  BtPriority priority = file ? bt_file_get_priority (file) : BT_PRIORITY_NORMAL;

  g_signal_handler_block (dropdown, selected_id);
  /* Rows: Low, Normal, High; a skipped file shows what it would get. */
  gtk_drop_down_set_selected (dropdown, priority == BT_PRIORITY_SKIP ? 1 : (guint) priority - 1);
  gtk_widget_set_sensitive (GTK_WIDGET (dropdown), priority != BT_PRIORITY_SKIP);
  gtk_widget_set_visible (GTK_WIDGET (dropdown), file != NULL);
  g_signal_handler_unblock (dropdown, selected_id);
}

static void
priority_selected_cb (GtkDropDown *dropdown,
                      GParamSpec  *pspec,
                      GtkListItem *list_item)
{
  GObject *item = bt_cell_get_item (list_item);
  BtFile *file;

  if (item == NULL || (file = bt_file_node_get_file (BT_FILE_NODE (item))) == NULL)
    return;
  bt_file_set_priority (file, (BtPriority) (gtk_drop_down_get_selected (dropdown) + 1));
}

static void
node_priority_notify_cb (BtFileNode  *node,
                         GParamSpec  *pspec,
                         GtkDropDown *dropdown)
{
  priority_sync (dropdown, node);
}

static void
priority_setup_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  const char *names[] = { _("Low"), _("Normal"), _("High"), NULL };
  GtkWidget *dropdown = gtk_drop_down_new_from_strings (names);
  gulong id;

  gtk_widget_add_css_class (dropdown, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Priority"),
                                  -1);
  id = g_signal_connect (dropdown, "notify::selected", G_CALLBACK (priority_selected_cb), list_item);
  g_object_set_data (G_OBJECT (dropdown), "bt-selected-id", GSIZE_TO_POINTER (id));
  gtk_list_item_set_child (list_item, dropdown);
}

static void
priority_bind_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkWidget *dropdown = gtk_list_item_get_child (list_item);
  BtFileNode *node = BT_FILE_NODE (bt_cell_get_item (list_item));

  g_signal_connect_object (node, "notify::priority", G_CALLBACK (node_priority_notify_cb), dropdown, 0);
  g_signal_connect_object (node, "notify::wanted", G_CALLBACK (node_priority_notify_cb), dropdown, 0);
  priority_sync (GTK_DROP_DOWN (dropdown), node);
}

static void
priority_unbind_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  user_data)
{
  GObject *node = bt_cell_get_item (list_item);

  if (node != NULL)
    g_signal_handlers_disconnect_by_func (node, node_priority_notify_cb,
                                          gtk_list_item_get_child (list_item));
}

/* The letters of a peer's flags, spelled out for its tooltip. */
static char *
flags_tooltip (const char *flags)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (const char *c = flags; c != NULL && *c != '\0'; c++)
    {
      const char *meaning;

      switch (*c)
        {
        case 'D': meaning = _("Downloading from this peer"); break;
        case 'd': meaning = _("We want its pieces, but it is choking us"); break;
        case 'U': meaning = _("Uploading to this peer"); break;
        case 'u': meaning = _("It wants our pieces, but we are choking it"); break;
        case 'I': meaning = _("It connected to us"); break;
        case 'S': meaning = _("Snubbed: it sent nothing for a while"); break;
        case 'X': meaning = _("Found through peer exchange"); break;
        case 'E': meaning = _("Encrypted connection"); break;
        default: continue;
        }
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "%c: %s", *c, meaning);
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static void
flags_sync (GtkLabel   *label,
            BtPeerInfo *info)
{
  const char *flags = bt_peer_info_get_flags (info);
  g_autofree char *tooltip = flags_tooltip (flags);

  gtk_label_set_label (label, flags);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), tooltip);
}

static void
info_flags_notify_cb (BtPeerInfo *info,
                      GParamSpec *pspec,
                      GtkLabel   *label)
{
  flags_sync (label, info);
}

static void
flags_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "monospace");
  gtk_list_item_set_child (list_item, label);
}

static void
flags_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);
  BtPeerInfo *info = BT_PEER_INFO (gtk_list_item_get_item (list_item));

  g_signal_connect_object (info, "notify::flags", G_CALLBACK (info_flags_notify_cb), label, 0);
  flags_sync (GTK_LABEL (label), info);
}

static void
flags_unbind_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  GObject *info = gtk_list_item_get_item (list_item);

  if (info != NULL)
    g_signal_handlers_disconnect_by_func (info, info_flags_notify_cb,
                                          gtk_list_item_get_child (list_item));
}

static GtkSorter *
numeric_sorter (GType       type,
                const char *property,
                gboolean    descending)
{
  GtkSorter *sorter = GTK_SORTER (gtk_numeric_sorter_new (gtk_property_expression_new (type, NULL, property)));

  /* Rates read best highest first. */
  if (descending)
    gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);
  return sorter;
}

static void
setup_peer_columns (BtDetails *self)
{
  GtkColumnView *v = self->peers_view;
  GType t = BT_TYPE_PEER_INFO;

  bt_cell_append_column (v, _("Address"), bt_cell_factory_new ("address", BT_CELL_TEXT),
                 GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (t, NULL, "address"))),
                 TRUE, -1);
  bt_cell_append_column (v, _("Client"), bt_cell_factory_new ("client", BT_CELL_TEXT),
                 GTK_SORTER (gtk_string_sorter_new (gtk_property_expression_new (t, NULL, "client"))),
                 TRUE, -1);
  {
    GtkListItemFactory *flags = gtk_signal_list_item_factory_new ();

    g_signal_connect (flags, "setup", G_CALLBACK (flags_setup_cb), NULL);
    g_signal_connect (flags, "bind", G_CALLBACK (flags_bind_cb), NULL);
    g_signal_connect (flags, "unbind", G_CALLBACK (flags_unbind_cb), NULL);
    bt_cell_append_column (v, _("Flags"), flags, NULL, FALSE, 70);
  }
  bt_cell_append_column (v, _("Progress"), bt_cell_progress_factory_new ("progress"),
                 numeric_sorter (t, "progress", FALSE), FALSE, 120);
  bt_cell_append_column (v, _("Down"), bt_cell_factory_new ("download-rate", BT_CELL_RATE),
                 numeric_sorter (t, "download-rate", TRUE), FALSE, 100);
  bt_cell_append_column (v, _("Up"), bt_cell_factory_new ("upload-rate", BT_CELL_RATE),
                 numeric_sorter (t, "upload-rate", TRUE), FALSE, 100);
}

static void
setup_file_columns (BtDetails *self)
{
  GtkColumnView *v = self->files_view;
  GType t = BT_TYPE_FILE_NODE;
  GtkListItemFactory *factory;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (name_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (name_bind_cb), NULL);
  bt_cell_append_column (v, _("Name"), factory,
                 GTK_SORTER (gtk_custom_sorter_new (bt_file_node_compare, NULL, NULL)),
                 TRUE, -1);

  bt_cell_append_column (v, _("Size"), bt_cell_factory_new ("size", BT_CELL_SIZE),
                 numeric_sorter (t, "size", FALSE), FALSE, 90);
  bt_cell_append_column (v, _("Progress"), bt_cell_progress_factory_new ("progress"),
                 numeric_sorter (t, "progress", FALSE), FALSE, 130);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (wanted_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (wanted_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (wanted_unbind_cb), NULL);
  bt_cell_append_column (v, _("Download"), factory, numeric_sorter (t, "wanted", FALSE), FALSE, -1);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (priority_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (priority_bind_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (priority_unbind_cb), NULL);
  bt_cell_append_column (v, _("Priority"), factory, numeric_sorter (t, "priority", FALSE), FALSE, 110);
}

/*
 * Overrides
 */

static void
bt_details_dispose (GObject *object)
{
  BtDetails *self = BT_DETAILS (object);

  bt_details_set_torrent (self, NULL);
  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (bt_details_parent_class)->dispose (object);
}

static void
bt_details_class_init (BtDetailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_details_dispose;

  g_type_ensure (BT_TYPE_PIECE_MAP);
  g_type_ensure (BT_TYPE_SPEED_LIMITS);
  g_type_ensure (BT_TYPE_TRACKER_EDITOR);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/bt-details.ui");
  gtk_widget_class_bind_template_child (widget_class, BtDetails, box);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, stack);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, piece_map);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, speed_limits);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, tracker_editor);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, peers_view);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, files_view);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, trackers_view);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, trackers_note);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, name_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, state_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, info_hash_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, save_path_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, size_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, pieces_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, transferred_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, added_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, completed_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, comment_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, created_by_value);
  gtk_widget_class_bind_template_child (widget_class, BtDetails, private_value);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "details");
}

static void
bt_details_init (BtDetails *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  setup_peer_columns (self);
  setup_file_columns (self);
  bt_tracker_columns_setup (self->trackers_view);

  g_signal_connect (self, "map", G_CALLBACK (map_cb), self);
}

/*
 * Public API
 */

GtkWidget *
bt_details_new (void)
{
  return g_object_new (BT_TYPE_DETAILS, NULL);
}

/**
 * bt_details_set_torrent:
 * @self: the details pane
 * @torrent: (nullable): the torrent to show
 */
void
bt_details_set_torrent (BtDetails *self,
                        BtTorrent *torrent)
{
  g_return_if_fail (BT_IS_DETAILS (self));
  g_return_if_fail (torrent == NULL || BT_IS_TORRENT (torrent));

  if (self->torrent == torrent)
    return;

  if (self->torrent != NULL)
    g_signal_handlers_disconnect_by_func (self->torrent, torrent_notify_cb, self);
  if (self->files != NULL)
    g_signal_handlers_disconnect_by_func (self->files, files_changed_cb, self);
  g_clear_object (&self->files);
  if (self->trackers != NULL)
    g_signal_handlers_disconnect_by_func (self->trackers, trackers_changed_cb, self);
  g_clear_object (&self->trackers);
  g_set_object (&self->torrent, torrent);

  bt_piece_map_set_torrent (self->piece_map, torrent);
  bt_speed_limits_set_torrent (self->speed_limits, torrent);
  bt_tracker_editor_set_torrent (self->tracker_editor, torrent);

  if (torrent != NULL)
    {
      GListModel *peers = bt_torrent_get_peers (torrent);
      GtkSortListModel *sorted;
      g_autoptr(GtkNoSelection) selection = NULL;

      g_signal_connect_object (torrent, "notify", G_CALLBACK (torrent_notify_cb), self, 0);

      sorted = gtk_sort_list_model_new (g_object_ref (peers),
                                        g_object_ref (gtk_column_view_get_sorter (self->peers_view)));
      selection = gtk_no_selection_new (G_LIST_MODEL (sorted));
      gtk_column_view_set_model (self->peers_view, GTK_SELECTION_MODEL (selection));

      self->files = g_object_ref (bt_torrent_get_files (torrent));
      g_signal_connect_object (self->files, "items-changed",
                               G_CALLBACK (files_changed_cb), self, 0);

      self->trackers = g_object_ref (bt_torrent_get_trackers (torrent));
      g_signal_connect_object (self->trackers, "items-changed",
                               G_CALLBACK (trackers_changed_cb), self, 0);
    }
  else
    {
      gtk_column_view_set_model (self->peers_view, NULL);
    }

  update_files (self);
  update_trackers (self);
  update_general (self);
}

BtTorrent *
bt_details_get_torrent (BtDetails *self)
{
  g_return_val_if_fail (BT_IS_DETAILS (self), NULL);
  return self->torrent;
}

void
bt_details_set_page (BtDetails  *self,
                     const char *page)
{
  g_return_if_fail (BT_IS_DETAILS (self));
  g_return_if_fail (page != NULL);

  gtk_stack_set_visible_child_name (self->stack, page);
}

const char *
bt_details_get_page (BtDetails *self)
{
  g_return_val_if_fail (BT_IS_DETAILS (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}
