/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Shows @primary (a short sentence: what failed) with @error's message
 * (why, and what to do) in a modal dialog over @parent, and returns at
 * once; the dialog closes itself. @parent and @error may be %NULL. */
void bt_app_show_error (GtkWindow    *parent,
                        const char   *primary,
                        const GError *error);

G_END_DECLS
