/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include "bt-file-tree.h"

struct _BtFileNode
{
  GObject     parent_instance;

  char       *name;
  char       *path;
  BtFileNode *parent;     /* not a reference: the parent owns us */
  GListStore *children;   /* folders only */
  BtFile     *file;       /* files only */

  guint64     size;
  guint64     done;
  guint       n_files;
  guint       n_wanted;
};

G_DEFINE_FINAL_TYPE (BtFileNode, bt_file_node, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_PATH,
  PROP_SIZE,
  PROP_DONE,
  PROP_PROGRESS,
  PROP_WANTED,
  PROP_INCONSISTENT,
  PROP_PRIORITY,
  PROP_IS_FOLDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/*
 * Auxiliary functions
 */

static BtFileNode *
node_new (const char *name,
          const char *path,
          BtFileNode *parent)
{
  BtFileNode *node = g_object_new (BT_TYPE_FILE_NODE, NULL);

  node->name = g_strdup (name);
  node->path = g_strdup (path);
  node->parent = parent;

  return node;
}

static void
propagate (BtFileNode *node,
           gint64      d_done,
           int         d_wanted)
{
  for (BtFileNode *n = node; n != NULL; n = n->parent)
    {
      gboolean was_wanted = n->n_wanted == n->n_files;
      gboolean was_inconsistent = n->n_wanted > 0 && n->n_wanted < n->n_files;

      n->done += d_done;
      n->n_wanted += d_wanted;

      g_object_freeze_notify (G_OBJECT (n));
      if (d_done != 0)
        {
          g_object_notify_by_pspec (G_OBJECT (n), properties[PROP_DONE]);
          g_object_notify_by_pspec (G_OBJECT (n), properties[PROP_PROGRESS]);
        }
      if (was_wanted != (n->n_wanted == n->n_files))
        g_object_notify_by_pspec (G_OBJECT (n), properties[PROP_WANTED]);
      if (was_inconsistent != (n->n_wanted > 0 && n->n_wanted < n->n_files))
        g_object_notify_by_pspec (G_OBJECT (n), properties[PROP_INCONSISTENT]);
      g_object_thaw_notify (G_OBJECT (n));
    }
}

static void
file_notify_cb (BtFile     *file,
                GParamSpec *pspec,
                BtFileNode *node)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "done"))
    {
      guint64 done = bt_file_get_done (file);

      propagate (node, (gint64) done - (gint64) node->done, 0);
    }
  else if (g_str_equal (name, "wanted") || g_str_equal (name, "priority"))
    {
      guint wanted = bt_file_get_wanted (file) ? 1 : 0;

      if (wanted != node->n_wanted)
        propagate (node, 0, (int) wanted - (int) node->n_wanted);
      if (g_str_equal (name, "priority"))
        g_object_notify_by_pspec (G_OBJECT (node), properties[PROP_PRIORITY]);
    }
}

/**
 * bt_file_node_compare:
 *
 * The tree's own order, folders first, then by name as the locale
 * collates it; a #GCompareDataFunc for the Name column's sorter.
 */
int
bt_file_node_compare (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  const BtFileNode *x = a, *y = b;

  /* Folders first, as in Files. */
  if ((x->children != NULL) != (y->children != NULL))
    return x->children != NULL ? -1 : 1;
  return g_utf8_collate (x->name, y->name);
}

static void
sort_tree (GListStore *store)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  g_list_store_sort (store, bt_file_node_compare, NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtFileNode) node = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (node->children != NULL)
        sort_tree (node->children);
    }
}

/*
 * Overrides
 */

static void
bt_file_node_dispose (GObject *object)
{
  BtFileNode *self = BT_FILE_NODE (object);

  if (self->file != NULL)
    g_signal_handlers_disconnect_by_func (self->file, file_notify_cb, self);
  g_clear_object (&self->file);
  g_clear_object (&self->children);

  G_OBJECT_CLASS (bt_file_node_parent_class)->dispose (object);
}

static void
bt_file_node_finalize (GObject *object)
{
  BtFileNode *self = BT_FILE_NODE (object);

  g_free (self->name);
  g_free (self->path);

  G_OBJECT_CLASS (bt_file_node_parent_class)->finalize (object);
}

static void
bt_file_node_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  BtFileNode *self = BT_FILE_NODE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_DONE:
      g_value_set_uint64 (value, self->done);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, bt_file_node_get_progress (self));
      break;
    case PROP_WANTED:
      g_value_set_boolean (value, bt_file_node_get_wanted (self));
      break;
    case PROP_INCONSISTENT:
      g_value_set_boolean (value, bt_file_node_get_inconsistent (self));
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, self->file ? (int) bt_file_get_priority (self->file)
                                         : BT_PRIORITY_NORMAL);
      break;
    case PROP_IS_FOLDER:
      g_value_set_boolean (value, self->children != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_file_node_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  BtFileNode *self = BT_FILE_NODE (object);

  switch (prop_id)
    {
    case PROP_WANTED:
      bt_file_node_set_wanted (self, g_value_get_boolean (value));
      break;
    case PROP_PRIORITY:
      if (self->file != NULL)
        bt_file_set_priority (self->file, (BtPriority) g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_file_node_class_init (BtFileNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bt_file_node_dispose;
  object_class->finalize = bt_file_node_finalize;
  object_class->get_property = bt_file_node_get_property;
  object_class->set_property = bt_file_node_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DONE] =
    g_param_spec_uint64 ("done", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_WANTED] =
    g_param_spec_boolean ("wanted", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_INCONSISTENT] =
    g_param_spec_boolean ("inconsistent", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL, BT_PRIORITY_SKIP, BT_PRIORITY_HIGH,
                      BT_PRIORITY_NORMAL,
                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IS_FOLDER] =
    g_param_spec_boolean ("is-folder", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bt_file_node_init (BtFileNode *self)
{
}

/*
 * Public API
 */

/**
 * bt_file_tree_new:
 * @files: (element-type BtFile): a torrent's files
 *
 * Returns: (transfer full) (element-type BtFileNode): the top level of
 *   the tree, folders first, each level sorted by name. It follows the
 *   files' progress and wanted state, not later changes to @files itself
 *   (a torrent's file list does not change once it has metadata).
 */
GListModel *
bt_file_tree_new (GListModel *files)
{
  g_autoptr(GHashTable) folders = NULL;
  GListStore *root;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (files), NULL);

  root = g_list_store_new (BT_TYPE_FILE_NODE);
  /* path of a folder → its node (borrowed: the tree owns the nodes) */
  folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  n = g_list_model_get_n_items (files);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtFile) file = g_list_model_get_item (files, i);
      g_auto(GStrv) parts = NULL;
      g_autoptr(GString) prefix = g_string_new (NULL);
      BtFileNode *parent = NULL;
      GListStore *level = root;
      BtFileNode *leaf;
      guint n_parts;

      parts = g_strsplit (bt_file_get_path (file), "/", -1);
      n_parts = g_strv_length (parts);
      if (n_parts == 0)
        continue;

      for (guint p = 0; p + 1 < n_parts; p++)
        {
          BtFileNode *folder;

          if (prefix->len > 0)
            g_string_append_c (prefix, '/');
          g_string_append (prefix, parts[p]);

          folder = g_hash_table_lookup (folders, prefix->str);
          if (folder == NULL)
            {
              g_autoptr(BtFileNode) created = node_new (parts[p], prefix->str, parent);

              created->children = g_list_store_new (BT_TYPE_FILE_NODE);
              g_list_store_append (level, created);
              folder = created;
              g_hash_table_insert (folders, g_strdup (prefix->str), folder);
            }
          parent = folder;
          level = folder->children;
        }

      leaf = node_new (parts[n_parts - 1], bt_file_get_path (file), parent);
      leaf->file = g_object_ref (file);
      leaf->size = bt_file_get_size (file);
      leaf->n_files = 1;
      g_list_store_append (level, leaf);

      /* Sums of the folders above: size, files, then done and wanted
       * through the same path later changes take. */
      for (BtFileNode *f = parent; f != NULL; f = f->parent)
        {
          f->size += leaf->size;
          f->n_files++;
        }
      propagate (leaf, (gint64) bt_file_get_done (file),
                 bt_file_get_wanted (file) ? 1 : 0);

      g_signal_connect_object (file, "notify", G_CALLBACK (file_notify_cb), leaf, 0);
      g_object_unref (leaf);
    }

  sort_tree (root);

  return G_LIST_MODEL (root);
}

const char *
bt_file_node_get_name (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), NULL);
  return self->name;
}

const char *
bt_file_node_get_path (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), NULL);
  return self->path;
}

gboolean
bt_file_node_is_folder (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), FALSE);
  return self->children != NULL;
}

guint64
bt_file_node_get_size (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), 0);
  return self->size;
}

double
bt_file_node_get_progress (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), 0);

  if (self->size == 0)
    return 1.0;
  return CLAMP ((double) self->done / (double) self->size, 0.0, 1.0);
}

gboolean
bt_file_node_get_wanted (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), FALSE);
  return self->n_files > 0 && self->n_wanted == self->n_files;
}

gboolean
bt_file_node_get_inconsistent (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), FALSE);
  return self->n_wanted > 0 && self->n_wanted < self->n_files;
}

/**
 * bt_file_node_set_wanted:
 * @self: a node
 * @wanted: whether to download it
 *
 * Sets the file, or every file below the folder. The node's own state
 * follows when the files notify.
 */
void
bt_file_node_set_wanted (BtFileNode *self,
                         gboolean    wanted)
{
  guint n;

  g_return_if_fail (BT_IS_FILE_NODE (self));

  if (self->file != NULL)
    {
      if (bt_file_get_wanted (self->file) != !!wanted)
        bt_file_set_wanted (self->file, wanted);
      return;
    }

  n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtFileNode) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      bt_file_node_set_wanted (child, wanted);
    }
}

BtFile *
bt_file_node_get_file (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), NULL);
  return self->file;
}

GListModel *
bt_file_node_dup_children (BtFileNode *self)
{
  g_return_val_if_fail (BT_IS_FILE_NODE (self), NULL);

  return self->children ? g_object_ref (G_LIST_MODEL (self->children)) : NULL;
}
