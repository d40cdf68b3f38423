/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-session.h"

G_BEGIN_DECLS

/**
 * BtMagnetDialog:
 *
 * "Add magnet link": a text entry, filled in from the clipboard when it
 * holds a magnet link, checked as the person types; Add calls
 * bt_session_add_magnet(), emits "torrent-added" (BtTorrent *torrent,
 * gboolean existing) and closes.
 */
#define BT_TYPE_MAGNET_DIALOG (bt_magnet_dialog_get_type ())
G_DECLARE_FINAL_TYPE (BtMagnetDialog, bt_magnet_dialog, BT, MAGNET_DIALOG, GtkWindow)

/* @settings (nullable): "start-paused" adds the torrent paused. */
BtMagnetDialog *bt_magnet_dialog_new     (BtSession      *session,
                                          GSettings      *settings);
/* Returns: (transfer none): the dialog, modal over @parent (nullable);
 * it destroys itself on close. */
BtMagnetDialog *bt_magnet_dialog_present (GtkWindow      *parent,
                                          BtSession      *session,
                                          GSettings      *settings);

const char     *bt_magnet_dialog_get_uri (BtMagnetDialog *self);
void            bt_magnet_dialog_set_uri (BtMagnetDialog *self,
                                          const char     *uri);

G_END_DECLS
