/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Asks "Remove N torrents?" (or names the torrent when @n_torrents is 1
 * and @name is given) with "Also delete the downloaded files" and
 * Cancel/Remove, modal over @parent. @callback runs once, on the main
 * context, whatever the answer. */
void     bt_remove_dialog_choose_async  (GtkWindow            *parent,
                                         guint                 n_torrents,
                                         const char           *name,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
/* Returns: %TRUE when the person chose Remove, with @out_delete_files
 * (nullable) set to the checkbox; %FALSE for Cancel or closing the
 * dialog (no error), or when @cancellable fired (G_IO_ERROR_CANCELLED). */
gboolean bt_remove_dialog_choose_finish (GAsyncResult         *result,
                                         gboolean             *out_delete_files,
                                         GError              **error);

G_END_DECLS
