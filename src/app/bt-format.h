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
/* Wall-clock µs (g_get_real_time()) against @now_us: "5 min ago",
 * "in 25 min"; "" for 0 (never, or nothing planned). */
char       *bt_format_time_ago      (gint64          when_us,
                                     gint64          now_us);
char       *bt_format_time_until    (gint64          when_us,
                                     gint64          now_us);
/* "Working", "Not working", ..., with the tracker's warning if any. */
char       *bt_format_tracker_status (BtTrackerState state,
                                      gint64         last_announce,
                                      const char    *warning);
/* A count a peer or tracker reported; "" for -1 (unknown). */
char       *bt_format_count         (gint64          count);
/* (transfer none): a short state name ("Downloading"). */
const char *bt_format_state_name    (BtTorrentState  state);

G_END_DECLS
