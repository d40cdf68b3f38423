/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The files of a torrent as a tree of folders, for a GtkTreeListModel.
 * The engine lists files flat (bt_torrent_get_files(), BtFile items with
 * '/'-separated paths); this builds one BtFileNode per folder and file.
 * A folder's size, done bytes and wanted state follow its files through
 * "notify" with running sums, so a torrent of 10,000 files costs only
 * the depth of the tree per change.
 */
#pragma once

#include <gio/gio.h>

#include "bt-file.h"

G_BEGIN_DECLS

#define BT_TYPE_FILE_NODE (bt_file_node_get_type ())
G_DECLARE_FINAL_TYPE (BtFileNode, bt_file_node, BT, FILE_NODE, GObject)

/* Properties: "name" (string, the last path element), "path" (string,
 * the whole relative path), "size" (guint64), "done" (guint64),
 * "progress" (double), "wanted" (boolean, read-write: on a folder it sets
 * every file below), "inconsistent" (boolean: a folder with wanted and
 * unwanted files), "priority" (int #BtPriority, read-write on files),
 * "is-folder" (boolean). */

GListModel *bt_file_tree_new            (GListModel  *files);

const char *bt_file_node_get_name       (BtFileNode  *self);
const char *bt_file_node_get_path       (BtFileNode  *self);
gboolean    bt_file_node_is_folder      (BtFileNode  *self);
guint64     bt_file_node_get_size       (BtFileNode  *self);
double      bt_file_node_get_progress   (BtFileNode  *self);
gboolean    bt_file_node_get_wanted     (BtFileNode  *self);
void        bt_file_node_set_wanted     (BtFileNode  *self,
                                         gboolean     wanted);
gboolean    bt_file_node_get_inconsistent (BtFileNode *self);
/* (transfer none) (nullable): the BtFile of a file node */
BtFile     *bt_file_node_get_file       (BtFileNode  *self);
/* (transfer full) (nullable): the children of a folder, for
 * gtk_tree_list_model_new()'s create function */
GListModel *bt_file_node_dup_children   (BtFileNode  *self);
int         bt_file_node_compare        (gconstpointer a,
                                         gconstpointer b,
                                         gpointer      user_data);

G_END_DECLS
