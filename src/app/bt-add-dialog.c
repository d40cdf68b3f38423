/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The file tree:
 *
 *   GtkListView ← GtkNoSelection ← GtkTreeListModel ← GListStore of BtAddNode
 *
 * A BtAddNode is a folder (children in a GListStore) or a file (the
 * metainfo's file index). Checking a folder checks everything under it;
 * a folder whose children disagree shows the check button inconsistent.
 * Pad files (BEP 47) are not shown: nobody chooses them.
 */
#define G_LOG_DOMAIN "bt-add-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-add-dialog.h"
#include "bt-app-error.h"
#include "bt-open.h"

/* More lines of warnings would push the file list off a small screen. */
#define BT_ADD_DIALOG_MAX_WARNINGS 3

/*
 * BtAddNode
 */

#define BT_TYPE_ADD_NODE (bt_add_node_get_type ())
G_DECLARE_FINAL_TYPE (BtAddNode, bt_add_node, BT, ADD_NODE, GObject)

struct _BtAddNode
{
  GObject     parent_instance;

  char       *name;
  guint64     size;
  int         index;         /* the metainfo's file index; -1 for folders */
  BtAddNode  *parent;        /* unowned: a parent's store owns its children */
  GListStore *children;      /* NULL for files */
  GHashTable *by_name;       /* folders only, while the tree is built */
  gboolean    active;
  gboolean    inconsistent;
};

enum
{
  NODE_PROP_0,
  NODE_PROP_ACTIVE,
  NODE_PROP_INCONSISTENT,
  NODE_N_PROPS
};

enum
{
  NODE_CHANGED,
  NODE_N_SIGNALS
};

static GParamSpec *node_properties[NODE_N_PROPS];
static guint node_signals[NODE_N_SIGNALS];

G_DEFINE_FINAL_TYPE (BtAddNode, bt_add_node, G_TYPE_OBJECT)

static void bt_add_node_set_active (BtAddNode *self,
                                    gboolean   active);

static void
bt_add_node_finalize (GObject *object)
{
  BtAddNode *self = BT_ADD_NODE (object);

  g_free (self->name);
  g_clear_object (&self->children);
  g_clear_pointer (&self->by_name, g_hash_table_unref);

  G_OBJECT_CLASS (bt_add_node_parent_class)->finalize (object);
}

static void
bt_add_node_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  BtAddNode *self = BT_ADD_NODE (object);

  switch (prop_id)
    {
    case NODE_PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;
    case NODE_PROP_INCONSISTENT:
      g_value_set_boolean (value, self->inconsistent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_add_node_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  BtAddNode *self = BT_ADD_NODE (object);

  switch (prop_id)
    {
    case NODE_PROP_ACTIVE:
      bt_add_node_set_active (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_add_node_class_init (BtAddNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bt_add_node_finalize;
  object_class->get_property = bt_add_node_get_property;
  object_class->set_property = bt_add_node_set_property;

  node_properties[NODE_PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  node_properties[NODE_PROP_INCONSISTENT] =
    g_param_spec_boolean ("inconsistent", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, NODE_N_PROPS, node_properties);

  /* Emitted by a top-level node once per change anywhere below it, so the
   * dialog recounts once per click, not once per file. */
  node_signals[NODE_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bt_add_node_init (BtAddNode *self)
{
  self->index = -1;
  self->active = TRUE;
}

static BtAddNode *
bt_add_node_new (BtAddNode  *parent,
                 const char *name,
                 int         index)
{
  BtAddNode *self = g_object_new (BT_TYPE_ADD_NODE, NULL);

  self->name = g_strdup (name);
  self->index = index;
  self->parent = parent;
  if (index < 0)
    {
      self->children = g_list_store_new (BT_TYPE_ADD_NODE);
      self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
    }

  return self;
}

static void
node_update (BtAddNode *self,
             gboolean   active,
             gboolean   inconsistent)
{
  if (self->active != active)
    {
      self->active = active;
      g_object_notify_by_pspec (G_OBJECT (self), node_properties[NODE_PROP_ACTIVE]);
    }
  if (self->inconsistent != inconsistent)
    {
      self->inconsistent = inconsistent;
      g_object_notify_by_pspec (G_OBJECT (self), node_properties[NODE_PROP_INCONSISTENT]);
    }
}

static void
node_set_subtree (BtAddNode *self,
                  gboolean   active)
{
  if (self->children != NULL)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->children));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(BtAddNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

          node_set_subtree (child, active);
        }
    }

  node_update (self, active, FALSE);
}

/* A folder is checked when all of it is, unchecked when none of it is,
 * and inconsistent (shown as a dash) in between. */
static void
node_recount (BtAddNode *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  gboolean any_on = FALSE;
  gboolean any_off = FALSE;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtAddNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      if (child->inconsistent)
        any_on = any_off = TRUE;
      else if (child->active)
        any_on = TRUE;
      else
        any_off = TRUE;
    }

  node_update (self, any_on && !any_off, any_on && any_off);
}

static void
bt_add_node_set_active (BtAddNode *self,
                        gboolean   active)
{
  BtAddNode *top = self;

  if (self->active == active && !self->inconsistent)
    return;

  node_set_subtree (self, active);
  for (BtAddNode *node = self->parent; node != NULL; node = node->parent)
    {
      node_recount (node);
      top = node;
    }

  g_signal_emit (top, node_signals[NODE_CHANGED], 0);
}

/* Sums sizes bottom-up and sorts each folder: folders first, then by name
 * as people read it. */
static int
node_compare (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  const BtAddNode *na = a;
  const BtAddNode *nb = b;

  if ((na->children == NULL) != (nb->children == NULL))
    return na->children != NULL ? -1 : 1;

  return g_utf8_collate (na->name, nb->name);
}

static guint64
node_finish (BtAddNode *self)
{
  guint n;

  if (self->children == NULL)
    return self->size;

  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_list_store_sort (self->children, node_compare, NULL);

  self->size = 0;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtAddNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      self->size += node_finish (child);
    }

  return self->size;
}

/*
 * BtAddDialog
 */

struct _BtAddDialog
{
  GtkWindow     parent_instance;

  BtSession    *session;
  BtMetainfo   *meta;
  char         *save_path;
  GCancellable *cancellable;
  GCancellable *space_query;  /* the free-space query of the current folder */
  GListStore   *roots;
  GPtrArray    *files;        /* BtAddNode of each shown file */
  guint64       wanted_size;
  guint64       free_space;   /* 0: not known */

  GtkLabel       *name_label;
  GtkLabel       *size_label;
  GtkLabel       *warnings_label;
  GtkListView    *files_view;
  GtkButton      *folder_button;
  GtkLabel       *folder_label;
  GtkLabel       *space_label;
  GtkCheckButton *start_paused_check;
  GtkButton      *cancel_button;
  GtkButton      *add_button;
};

enum
{
  TORRENT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BtAddDialog, bt_add_dialog, GTK_TYPE_WINDOW)

/*
 * Auxiliary functions
 */

static void
update_space (BtAddDialog *self)
{
  g_autofree char *free_text = NULL;
  g_autofree char *text = NULL;

  if (self->free_space == 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->space_label), FALSE);
      return;
    }

  free_text = g_format_size (self->free_space);
  if (self->wanted_size > self->free_space)
    {
      /* Translators: %s is a size such as "3.2 GB" */
      text = g_strdup_printf (_("Only %s free in this folder: not enough for the selected files"),
                              free_text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->space_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->space_label), "error");
    }
  else
    {
      /* Translators: %s is a size such as "3.2 GB" */
      text = g_strdup_printf (_("%s free in this folder"), free_text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->space_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->space_label), "dim-label");
    }

  gtk_label_set_label (self->space_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->space_label), TRUE);
}

static void
update_size (BtAddDialog *self)
{
  g_autofree char *total = g_format_size (bt_metainfo_get_total_size (self->meta));
  g_autofree char *text = NULL;
  guint n_wanted = 0;

  self->wanted_size = 0;
  for (guint i = 0; i < self->files->len; i++)
    {
      BtAddNode *node = g_ptr_array_index (self->files, i);

      if (node->active)
        {
          self->wanted_size += node->size;
          n_wanted++;
        }
    }

  if (n_wanted == self->files->len)
    {
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u file, %s", "%u files, %s",
                                           self->files->len),
                              self->files->len, total);
    }
  else
    {
      g_autofree char *wanted = g_format_size (self->wanted_size);

      /* Translators: "2 of 5 files, 1.2 GB of 3.4 GB" */
      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u file, %s of %s",
                                           "%u of %u files, %s of %s", self->files->len),
                              n_wanted, self->files->len, wanted, total);
    }

  gtk_label_set_label (self->size_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), n_wanted > 0);
  update_space (self);
}

static void
query_space_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BtAddDialog *self = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  /* Cancelled in dispose (@self may be gone) or by a newer folder: touch
   * nothing. */
  info = g_file_query_filesystem_info_finish (G_FILE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* A folder that cannot be asked (gone, unreadable): say nothing here;
   * Add reports what is wrong with it. */
  self->free_space = 0;
  if (info != NULL && g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    self->free_space = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);

  update_space (self);
}

/* What the engine changed to make the torrent safe to write (renamed
 * files, ignored trackers): the person should know before adding. A few
 * lines at most; the rest are counted. */
static void
show_warnings (BtAddDialog *self)
{
  const char * const *warnings = bt_metainfo_get_warnings (self->meta);
  g_autoptr(GString) text = NULL;
  guint n;

  n = warnings != NULL ? g_strv_length ((char **) warnings) : 0;
  if (n == 0)
    return;

  text = g_string_new (NULL);
  for (guint i = 0; i < n && i < BT_ADD_DIALOG_MAX_WARNINGS; i++)
    {
      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, warnings[i]);
    }
  if (n > BT_ADD_DIALOG_MAX_WARNINGS)
    {
      guint more = n - BT_ADD_DIALOG_MAX_WARNINGS;

      g_string_append_c (text, '\n');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "and %u more change",
                                                 "and %u more changes", more),
                              more);
    }

  gtk_label_set_label (self->warnings_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->warnings_label), TRUE);
}

static void
fill_tree (BtAddDialog *self)
{
  guint n_files = bt_metainfo_get_n_files (self->meta);
  g_autoptr(GHashTable) top = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n_files; i++)
    {
      g_auto(GStrv) parts = NULL;
      BtAddNode *parent = NULL;
      GListStore *store = self->roots;
      GHashTable *by_name = top;
      BtAddNode *file;
      guint n_parts;

      if (bt_metainfo_get_file_flags (self->meta, i) & BT_METAINFO_FILE_PAD)
        continue;

      parts = g_strsplit (bt_metainfo_get_file_path (self->meta, i), "/", -1);
      n_parts = g_strv_length (parts);
      if (n_parts == 0)
        continue;

      for (guint p = 0; p + 1 < n_parts; p++)
        {
          BtAddNode *folder = g_hash_table_lookup (by_name, parts[p]);

          if (folder == NULL || folder->children == NULL)
            {
              folder = bt_add_node_new (parent, parts[p], -1);
              g_list_store_append (store, folder);
              g_object_unref (folder);
              g_hash_table_insert (by_name, folder->name, folder);
            }

          parent = folder;
          store = folder->children;
          by_name = folder->by_name;
        }

      file = bt_add_node_new (parent, parts[n_parts - 1], (int) i);
      file->size = bt_metainfo_get_file_size (self->meta, i);
      g_list_store_append (store, file);
      g_hash_table_insert (by_name, file->name, file);
      g_ptr_array_add (self->files, file);
      g_object_unref (file);
    }

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->roots)); i++)
    {
      g_autoptr(BtAddNode) root = g_list_model_get_item (G_LIST_MODEL (self->roots), i);

      node_finish (root);
      g_signal_connect_object (root, "changed", G_CALLBACK (update_size), self,
                               G_CONNECT_SWAPPED);
    }
}

static GListModel *
create_children_cb (gpointer item,
                    gpointer user_data)
{
  BtAddNode *node = item;

  return node->children != NULL ? g_object_ref (G_LIST_MODEL (node->children)) : NULL;
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *size = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_widget_add_css_class (size, "dim-label");
  gtk_widget_add_css_class (size, "numeric");
  gtk_widget_set_margin_end (size, 6);

  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), size);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
  /* The check button takes the clicks; the row itself does nothing. */
  gtk_list_item_set_activatable (item, FALSE);

  g_object_set_data (G_OBJECT (item), "check", check);
  g_object_set_data (G_OBJECT (item), "icon", icon);
  g_object_set_data (G_OBJECT (item), "name", name);
  g_object_set_data (G_OBJECT (item), "size", size);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  g_autoptr(BtAddNode) node = gtk_tree_list_row_get_item (row);
  GtkWidget *check = g_object_get_data (G_OBJECT (item), "check");
  GtkWidget *icon = g_object_get_data (G_OBJECT (item), "icon");
  g_autofree char *size = g_format_size (node->size);
  g_autoptr(GIcon) gicon = NULL;
  GBinding *active;
  GBinding *inconsistent;

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (item)), row);
  gtk_label_set_label (g_object_get_data (G_OBJECT (item), "name"), node->name);
  gtk_label_set_label (g_object_get_data (G_OBJECT (item), "size"), size);

  if (node->children != NULL)
    {
      gicon = g_themed_icon_new ("folder-symbolic");
    }
  else
    {
      g_autofree char *type = g_content_type_guess (node->name, NULL, 0, NULL);

      gicon = g_content_type_get_symbolic_icon (type);
    }
  gtk_image_set_from_gicon (GTK_IMAGE (icon), gicon);

  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, node->name,
                                  -1);

  active = g_object_bind_property (node, "active", check, "active",
                                   G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  inconsistent = g_object_bind_property (node, "inconsistent", check, "inconsistent",
                                         G_BINDING_SYNC_CREATE);
  g_object_set_data (G_OBJECT (item), "active-binding", active);
  g_object_set_data (G_OBJECT (item), "inconsistent-binding", inconsistent);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  const char *names[] = { "active-binding", "inconsistent-binding" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GBinding *binding = g_object_steal_data (G_OBJECT (item), names[i]);

      if (binding != NULL)
        g_binding_unbind (binding);
    }

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (item)), NULL);
}

static void
setup_view (BtAddDialog *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkTreeListModel *tree;
  g_autoptr(GtkNoSelection) selection = NULL;

  /* Expanded: most torrents have a folder or two, and the files are what
   * the person came to pick. */
  tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->roots)),
                                  FALSE, TRUE, create_children_cb, NULL, NULL);
  selection = gtk_no_selection_new (G_LIST_MODEL (tree));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);

  gtk_list_view_set_factory (self->files_view, factory);
  gtk_list_view_set_model (self->files_view, GTK_SELECTION_MODEL (selection));
}

static void
set_folder (BtAddDialog *self,
            const char  *path)
{
  g_autoptr(GFile) folder = g_file_new_for_path (path);
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *basename = g_filename_display_basename (path);

  g_free (self->save_path);
  self->save_path = g_strdup (path);

  gtk_label_set_label (self->folder_label, basename);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->folder_button), display);

  /* Only the last folder's answer counts, whatever order they come in. */
  g_cancellable_cancel (self->space_query);
  g_clear_object (&self->space_query);
  self->space_query = g_cancellable_new ();

  self->free_space = 0;
  update_space (self);
  g_file_query_filesystem_info_async (folder, G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                      G_PRIORITY_DEFAULT, self->space_query,
                                      query_space_cb, self);
}

/*
 * Signal callbacks
 */

static void
folder_chosen_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BtAddDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *path = NULL;

  /* Cancelled in dispose: @self may be gone, so touch nothing. */
  folder = bt_choose_folder_finish (result, &error);
  if (folder == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        bt_app_show_error (GTK_WINDOW (self), _("Could not choose a folder"), error);
      return;
    }

  path = g_file_get_path (folder);
  if (path == NULL)
    {
      g_autoptr(GError) local = NULL;

      local = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   _("Torrents can only be saved to a local folder. Choose another one."));
      bt_app_show_error (GTK_WINDOW (self), _("Could not use this folder"), local);
      return;
    }

  set_folder (self, path);
}

static void
folder_clicked_cb (BtAddDialog *self)
{
  g_autoptr(GFile) initial = g_file_new_for_path (self->save_path);

  bt_choose_folder_async (GTK_WINDOW (self), _("Save To"), initial, self->cancellable,
                          folder_chosen_cb, self);
}

static void
add_clicked_cb (BtAddDialog *self)
{
  g_autoptr(GError) error = NULL;
  BtTorrent *torrent;  /* owned by the session */
  g_autofree BtPriority *priorities = NULL;
  guint n_files = bt_metainfo_get_n_files (self->meta);
  BtAddOptions options = { 0 };
  gboolean existing = FALSE;

  /* Files not in the tree (pad files) keep the normal priority; the
   * engine never fetches them anyway. */
  priorities = g_new (BtPriority, n_files);
  for (guint i = 0; i < n_files; i++)
    priorities[i] = BT_PRIORITY_NORMAL;
  for (guint i = 0; i < self->files->len; i++)
    {
      BtAddNode *node = g_ptr_array_index (self->files, i);

      priorities[node->index] = node->active ? BT_PRIORITY_NORMAL : BT_PRIORITY_SKIP;
    }

  options.save_path = self->save_path;
  options.priorities = priorities;
  options.n_priorities = n_files;
  if (gtk_check_button_get_active (self->start_paused_check))
    options.flags |= BT_ADD_PAUSED;

  torrent = bt_session_add (self->session, self->meta, &options, &existing, &error);
  if (torrent == NULL)
    {
      g_autofree char *primary = NULL;

      primary = g_strdup_printf (_("Could not add “%s”"), bt_metainfo_get_name (self->meta));
      bt_app_show_error (GTK_WINDOW (self), primary, error);
      return;
    }

  g_signal_emit (self, signals[TORRENT_ADDED], 0, torrent, existing);
  gtk_window_destroy (GTK_WINDOW (self));
}

/*
 * Overrides
 */

static void
bt_add_dialog_dispose (GObject *object)
{
  BtAddDialog *self = BT_ADD_DIALOG (object);

  /* The async callbacks hold no reference: cancelling tells them not to
   * touch the dialog. (A reference could outlive the transient parent,
   * and GTK 4.8 then disconnects from the freed parent at finalize.) */
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->space_query);
  gtk_widget_dispose_template (GTK_WIDGET (self), BT_TYPE_ADD_DIALOG);

  G_OBJECT_CLASS (bt_add_dialog_parent_class)->dispose (object);
}

static void
bt_add_dialog_finalize (GObject *object)
{
  BtAddDialog *self = BT_ADD_DIALOG (object);

  g_clear_object (&self->session);
  g_clear_object (&self->meta);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->space_query);
  g_clear_object (&self->roots);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_pointer (&self->save_path, g_free);

  G_OBJECT_CLASS (bt_add_dialog_parent_class)->finalize (object);
}

static void
bt_add_dialog_class_init (BtAddDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_add_dialog_dispose;
  object_class->finalize = bt_add_dialog_finalize;

  /**
   * BtAddDialog::torrent-added:
   * @torrent: the torrent in the session
   * @existing: it was there already (same info-hash); nothing was added
   */
  signals[TORRENT_ADDED] =
    g_signal_new ("torrent-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, BT_TYPE_TORRENT, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/bt-add-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, name_label);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, size_label);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, warnings_label);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, files_view);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, folder_button);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, folder_label);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, space_label);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, start_paused_check);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, BtAddDialog, add_button);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bt_add_dialog_init (BtAddDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->roots = g_list_store_new (BT_TYPE_ADD_NODE);
  self->files = g_ptr_array_new ();
}

/*
 * Public API
 */

/**
 * bt_add_dialog_new:
 * @session: where Add puts the torrent
 * @meta: the torrent
 * @settings: (nullable): "start-paused" gives the checkbox's default
 *
 * Returns: (transfer floating): a new dialog, not shown
 */
BtAddDialog *
bt_add_dialog_new (BtSession  *session,
                   BtMetainfo *meta,
                   GSettings  *settings)
{
  BtAddDialog *self;
  const char *folder;

  g_return_val_if_fail (BT_IS_SESSION (session), NULL);
  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (BT_TYPE_ADD_DIALOG, NULL);
  self->session = g_object_ref (session);
  self->meta = g_object_ref (meta);

  gtk_label_set_label (self->name_label, bt_metainfo_get_name (meta));
  show_warnings (self);
  fill_tree (self);
  setup_view (self);

  folder = bt_session_get_download_dir (session);
  if (folder == NULL || *folder == '\0')
    folder = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  if (folder == NULL)
    folder = g_get_home_dir ();
  set_folder (self, folder);

  if (settings != NULL)
    gtk_check_button_set_active (self->start_paused_check,
                                 g_settings_get_boolean (settings, "start-paused"));

  update_size (self);
  return self;
}

/**
 * bt_add_dialog_present:
 * @parent: (nullable): the window it is modal to
 *
 * Returns: (transfer none): the dialog, shown; it destroys itself when it
 *   closes
 */
BtAddDialog *
bt_add_dialog_present (GtkWindow  *parent,
                       BtSession  *session,
                       BtMetainfo *meta,
                       GSettings  *settings)
{
  BtAddDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = bt_add_dialog_new (session, meta, settings);
  g_return_val_if_fail (self != NULL, NULL);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  if (parent != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

BtMetainfo *
bt_add_dialog_get_metainfo (BtAddDialog *self)
{
  g_return_val_if_fail (BT_IS_ADD_DIALOG (self), NULL);

  return self->meta;
}

/**
 * bt_add_dialog_get_save_path:
 *
 * Returns: the folder the torrent goes in (a file system path)
 */
const char *
bt_add_dialog_get_save_path (BtAddDialog *self)
{
  g_return_val_if_fail (BT_IS_ADD_DIALOG (self), NULL);

  return self->save_path;
}

void
bt_add_dialog_set_save_path (BtAddDialog *self,
                             const char  *path)
{
  g_return_if_fail (BT_IS_ADD_DIALOG (self));
  g_return_if_fail (path != NULL && g_path_is_absolute (path));

  set_folder (self, path);
}
