/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Screenshots of the main window, for `build-aux/dev screenshot` and the
 * README. The hook is a set of environment variables read when the
 * application activates:
 *
 *   BTORRENT_SCREENSHOT        comma-separated shots, each "PATH.png" or
 *                              "PAGE=PATH.png"; PAGE is a details page
 *                              (general, peers, files, trackers): a
 *                              torrent is selected (see below) and the
 *                              details pane opened on that page; without PAGE
 *                              the window is taken as it is
 *   BTORRENT_SCREENSHOT_DELAY  seconds before the first shot (default 5);
 *                              each later shot follows the one before
 *   BTORRENT_SCREENSHOT_TORRENT
 *                              the name of the torrent to select for PAGE
 *                              shots (default: the first in the list)
 *   BTORRENT_SCREENSHOT_PROGRESS
 *                              a fraction (0–1): after the delay, the
 *                              first shot waits (up to 60 s) until that
 *                              torrent has this much done, so a shot of a
 *                              download shows one under way
 *   BTORRENT_SCREENSHOT_KEEP   "1" keeps the app running after the last
 *                              shot; otherwise it quits
 *
 * Each shot is taken from the first frame the window paints 2 s after its
 * page was chosen, so the pane has filled and the rates have moved.
 *
 * e.g. BTORRENT_SCREENSHOT=peers=/tmp/shots/peers.png,files=/tmp/shots/files.png
 * A failed shot is logged with g_warning() ("Screenshot PATH failed:
 * ...") and its file is not written; a written one logs "Screenshot
 * written to PATH" with g_message().
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-application.h"

G_BEGIN_DECLS

void     bt_screenshot_schedule_from_env (BtApplication *app);

/* Renders @widget (a mapped toplevel or any widget in one) to a PNG. */
gboolean bt_screenshot_save              (GtkWidget     *widget,
                                          const char    *path,
                                          GError       **error);

G_END_DECLS
