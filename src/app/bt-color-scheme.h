/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Follows the desktop's light or dark preference without libadwaita: the
 * XDG settings portal's org.freedesktop.appearance color-scheme (which
 * works inside Flatpak and on any desktop with a portal), else GNOME's
 * org.gnome.desktop.interface color-scheme key, mapped onto GtkSettings'
 * gtk-application-prefer-dark-theme. Changes apply live.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void bt_color_scheme_follow (void);

G_END_DECLS
