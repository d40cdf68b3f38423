/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-session.h"

G_BEGIN_DECLS

#define BT_SETTINGS_SCHEMA_ID "io.github.btorrent.BTorrent"

/* Fills @config from @settings. Its strings are kept in @strings, which
 * the caller made with g_ptr_array_new_with_free_func (g_free) and frees
 * after bt_session_new(). */
void bt_session_config_from_settings (BtSessionConfig *config,
                                      GSettings       *settings,
                                      GPtrArray       *strings);
/* Applies later changes of @settings to @session live, for as long as
 * both live. */
void bt_session_bind_settings        (BtSession       *session,
                                      GSettings       *settings);

G_END_DECLS
