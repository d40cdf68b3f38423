/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Timers of things that happen per torrent (announces, resume writes,
 * tracker time-outs). A session of thousands of torrents holds thousands
 * of them, and GLib walks every source at every wake-up: if each fired at
 * its own millisecond, the process would wake thousands of times a second
 * and spend the time walking sources. Delays of a few seconds or more go
 * to whole-second sources instead, which GLib fires together, once a
 * second at most; short ones (tests, quick retries) stay exact.
 */
#include "config.h"

#include "bt-timer.h"

/**
 * bt_timer_source_new:
 * @delay_ms: how long until it fires
 *
 * A timeout source for @delay_ms, exact below BT_TIMER_COARSE_FROM_MS and
 * rounded to whole seconds from there (it may then fire up to about a
 * second early or late). Set its callback and attach it as with
 * g_timeout_source_new().
 *
 * Returns: (transfer full): the source
 */
GSource *
bt_timer_source_new (guint delay_ms)
{
  if (delay_ms < BT_TIMER_COARSE_FROM_MS)
    return g_timeout_source_new (delay_ms);
  return g_timeout_source_new_seconds ((delay_ms + 500) / 1000);
}
