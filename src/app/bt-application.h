/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-metainfo.h"
#include "bt-session.h"

G_BEGIN_DECLS

#define BT_TYPE_APPLICATION (bt_application_get_type ())

G_DECLARE_FINAL_TYPE (BtApplication, bt_application, BT, APPLICATION, GtkApplication)

BtApplication *bt_application_new               (const char        *application_id,
                                                 GApplicationFlags  flags);

/* Both (transfer none), valid from GApplication::startup until shutdown;
 * the session is %NULL when it could not start (the window says why). */
BtSession     *bt_application_get_session       (BtApplication     *self);
GSettings     *bt_application_get_settings      (BtApplication     *self);

/* Adding torrents, from the command line, a second instance or a drop:
 * bt-open.c's flow (add dialog or direct add, errors over the window). */
void           bt_application_add_file          (BtApplication     *self,
                                                 GFile             *file);
void           bt_application_add_magnet        (BtApplication     *self,
                                                 const char        *uri);
void           bt_application_show_error        (BtApplication     *self,
                                                 const char        *message);

void           bt_application_close_session     (BtApplication     *self);

/* (transfer full): the folder "Open Folder" shows for @torrent. */
char          *bt_application_dup_torrent_folder (BtTorrent        *torrent);

/* How many torrents download now; suspend is inhibited while > 0. */
guint          bt_application_get_n_downloading (BtApplication     *self);

G_END_DECLS
