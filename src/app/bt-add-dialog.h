/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-metainfo.h"
#include "bt-session.h"

G_BEGIN_DECLS

/**
 * BtAddDialog:
 *
 * The dialog shown before a .torrent is added: its name and size, its
 * files in a tree with checkboxes (unchecked files get
 * %BT_PRIORITY_SKIP), the save folder and "start paused". Add calls
 * bt_session_add(), emits #BtAddDialog::torrent-added and closes; a
 * failure is shown over the dialog, which stays open. Cancel closes it.
 *
 * Signals: "torrent-added" (BtTorrent *torrent, gboolean existing).
 */
#define BT_TYPE_ADD_DIALOG (bt_add_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BtAddDialog, bt_add_dialog, BT, ADD_DIALOG, GtkWindow)

/* @settings (nullable) gives the default of "start paused". The save
 * folder defaults to bt_session_get_download_dir(). */
BtAddDialog *bt_add_dialog_new           (BtSession   *session,
                                          BtMetainfo  *meta,
                                          GSettings   *settings);
/* Creates the dialog, modal over @parent (nullable), and shows it.
 * Returns: (transfer none): the dialog; it destroys itself on close. */
BtAddDialog *bt_add_dialog_present       (GtkWindow   *parent,
                                          BtSession   *session,
                                          BtMetainfo  *meta,
                                          GSettings   *settings);

BtMetainfo  *bt_add_dialog_get_metainfo  (BtAddDialog *self);
const char  *bt_add_dialog_get_save_path (BtAddDialog *self);
void         bt_add_dialog_set_save_path (BtAddDialog *self,
                                          const char  *path);

G_END_DECLS
