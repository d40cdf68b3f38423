/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Turning names found in torrents into names that are safe to create under
 * the download folder.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *bt_path_make_utf8          (const guint8 *data,
                                      gsize         length);
char     *bt_path_sanitize_component (const guint8 *data,
                                      gsize         length);
char     *bt_path_add_counter        (const char   *path,
                                      guint         counter);
gboolean  bt_path_is_safe_relative   (const char   *path);

G_END_DECLS
