/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Token buckets for rate limits, as a pure core: no socket, no timer, no
 * main loop. The caller passes the monotonic clock (g_get_monotonic_time(),
 * or a fake one in tests) into every call, asks how much it may send or
 * read, charges what it did, and asks how long to wait before trying again
 * so it can arm one timer instead of polling.
 *
 * Buckets form a chain: a torrent's bucket has the session's global bucket
 * of the same direction as its parent, so every transfer is charged to both
 * and the smaller allowance wins. Use one chain per direction (upload,
 * download).
 *
 * Semantics. A limited bucket earns tokens at its rate, one per byte, up to
 * its burst, bt_rate_limit_get_burst(): one second at the rate plus room
 * for two 16 KiB blocks (BT_RATE_LIMIT_BURST_SLACK), so that a limit below
 * one block a second still lets whole blocks through, and a sender that
 * can only send whole blocks, or only once a second, still averages the
 * full rate. A new bucket, and a bucket whose rate changes, starts empty: no
 * stored tokens survive a change of rate (a debt does), so a lower limit
 * holds from the moment it is set. Charging more than the bucket holds puts it in debt,
 * repaid before anything else is allowed: over any interval of T seconds
 * the bytes charged stay within burst + rate × T. An unlimited bucket (rate
 * 0) allows everything and keeps no count.
 *
 * Using it. A block (a `piece` message) must go out whole, so an uploader
 * asks for the whole message and sends it only when all of it is allowed:
 *
 *   if (bt_rate_limit_available (up, len, now) < len)
 *     → arm a timer for bt_rate_limit_delay_for (up, len, now) µs, stop
 *   send; bt_rate_limit_consume (up, len, now);
 *
 * A reader can take any amount instead: read at most
 * bt_rate_limit_available (down, chunk, now) bytes, charge what was read.
 *
 * Fairness between the peers sharing a chain is the caller's job: the
 * bucket gives its tokens to whoever asks first. Serve in round robin, one
 * block per peer per turn, starting each turn after the peer served last;
 * when the tokens run out, wait for one block's worth and resume the turn
 * where it stopped. Otherwise the first peer in the list takes the whole
 * rate.
 *
 * Not thread-safe: a chain lives on the engine's main context, like the
 * objects that use it. Only the reference count is atomic.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _BtRateLimit BtRateLimit;

#define BT_TYPE_RATE_LIMIT (bt_rate_limit_get_type ())

GType        bt_rate_limit_get_type   (void) G_GNUC_CONST;

BtRateLimit *bt_rate_limit_new        (guint64      bytes_per_second,
                                       BtRateLimit *parent);
BtRateLimit *bt_rate_limit_ref        (BtRateLimit *self);
void         bt_rate_limit_unref      (BtRateLimit *self);

BtRateLimit *bt_rate_limit_get_parent (BtRateLimit *self);

void         bt_rate_limit_set_rate   (BtRateLimit *self,
                                       guint64      bytes_per_second,
                                       gint64       now_us);
guint64      bt_rate_limit_get_rate   (BtRateLimit *self);
guint64      bt_rate_limit_get_burst  (BtRateLimit *self);

guint64      bt_rate_limit_available  (BtRateLimit *self,
                                       guint64      wanted,
                                       gint64       now_us);
void         bt_rate_limit_consume    (BtRateLimit *self,
                                       guint64      bytes,
                                       gint64       now_us);
gint64       bt_rate_limit_delay_for  (BtRateLimit *self,
                                       guint64      bytes,
                                       gint64       now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtRateLimit, bt_rate_limit_unref)

G_END_DECLS
