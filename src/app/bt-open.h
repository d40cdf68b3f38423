/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Getting torrents in: the "Add torrent" file chooser, a folder chooser,
 * and one path for every .torrent file or magnet link that arrives (file
 * chooser, command line, drag and drop). The choosers use GtkFileDialog
 * on GTK >= 4.10 and GtkFileChooserNative on 4.8.
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-session.h"

G_BEGIN_DECLS

/* Asks for .torrent files (several at once) and adds each as
 * bt_open_add_file() does. Returns at once. */
void         bt_open_torrent_files          (GtkWindow            *parent,
                                             BtSession            *session,
                                             GSettings            *settings);

/* Adds @file: a .torrent file (read asynchronously), or a "magnet:" URI
 * wrapped in a GFile as GApplication::open hands it over. Shows the add
 * dialog when the "show-add-dialog" key of @settings is set (or @settings
 * is %NULL); otherwise adds at once, paused when "start-paused" is set.
 * Failures are shown with bt_app_show_error() over @parent. */
void         bt_open_add_file               (GtkWindow            *parent,
                                             BtSession            *session,
                                             GSettings            *settings,
                                             GFile                *file);

/* Adds the magnet link @uri (from a drop or a paste); a link that does
 * not parse is shown as an error over @parent. */
void         bt_open_add_magnet             (GtkWindow            *parent,
                                             BtSession            *session,
                                             GSettings            *settings,
                                             const char           *uri);

/* A folder chooser. The result is the chosen folder, or an error:
 * G_IO_ERROR_CANCELLED when the person (or @cancellable) dismissed it. */
void         bt_choose_folder_async         (GtkWindow            *parent,
                                             const char           *title,
                                             GFile                *initial_folder,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GFile       *bt_choose_folder_finish        (GAsyncResult         *result,
                                             GError              **error);

/* The "Add torrent" chooser: .torrent files, several at once. The result
 * is a list of GFile (transfer full), or an error as above. */
void         bt_choose_torrent_files_async  (GtkWindow            *parent,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GListModel  *bt_choose_torrent_files_finish (GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
