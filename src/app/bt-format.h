/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * How numbers of the engine read in the UI: sizes, rates, durations,
 * states. No widgets here, so the tests check them without a display.
 */
#pragma once

#include <glib.h>

#include "bt-torrent.h"

G_BEGIN_DECLS

/* All (transfer full), never %NULL. */
char       *bt_format_size          (guint64         bytes);
char       *bt_format_rate          (double          bytes_per_second);
char       *bt_format_eta           (gint64          seconds);
char       *bt_format_ratio         (double          ratio);
char       *bt_format_percent       (double          fraction);
char       *bt_format_time          (gint64          unix_time);
char       *bt_format_status        (BtTorrentState  state,
                                     double          check_progress,
                                     const char     *error_message);
/* (transfer none): a short state name ("Downloading"). */
const char *bt_format_state_name    (BtTorrentState  state);

G_END_DECLS
