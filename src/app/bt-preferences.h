/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * BtPreferences:
 *
 * The preferences window. Every widget is bound to a key of the
 * io.github.btorrent.BTorrent schema with g_settings_bind(), so changes
 * apply at once (bt_session_bind_settings() carries them to the engine)
 * and there is no Apply button.
 */
#define BT_TYPE_PREFERENCES (bt_preferences_get_type ())
G_DECLARE_FINAL_TYPE (BtPreferences, bt_preferences, BT, PREFERENCES, GtkWindow)

BtPreferences *bt_preferences_new     (GSettings *settings);
/* Shows the preferences over @parent (nullable); presents the one already
 * open for @parent instead of opening a second.
 * Returns: (transfer none): the window; it destroys itself on close. */
BtPreferences *bt_preferences_present (GtkWindow *parent,
                                       GSettings *settings);

G_END_DECLS
