/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-ratelimit"

#include "config.h"

#include "bt-limits.h"
#include "bt-ratelimit.h"

/* Debt stops here, whatever a caller charges: far beyond any real debt, and
 * far enough from G_MININT64 that burst - tokens cannot overflow. */
#define DEBT_FLOOR (G_MININT64 / 2)

struct _BtRateLimit
{
  gatomicrefcount ref_count;
  BtRateLimit    *parent;
  guint64         rate;      /* as set; 0 = unlimited */
  guint64         burst;     /* most tokens held; unused when unlimited */
  gint64          tokens;    /* bytes allowed now; negative = debt */
  guint64         fraction;  /* earned towards the next token, in byte·µs
                              * (below G_USEC_PER_SEC), so slow rates and
                              * frequent calls lose nothing to rounding */
  gint64          last_us;   /* time of the last refill */
  gboolean        started;   /* last_us is set */
};

G_DEFINE_BOXED_TYPE (BtRateLimit, bt_rate_limit, bt_rate_limit_ref, bt_rate_limit_unref)

/* Auxiliary functions */

/* The rate the arithmetic works with: higher rates, which no link reaches,
 * behave as BT_RATE_LIMIT_MAX_RATE, so rate × µs never overflows. */
static guint64
effective_rate (const BtRateLimit *self)
{
  return MIN (self->rate, (guint64) BT_RATE_LIMIT_MAX_RATE);
}

static guint64
compute_burst (guint64 rate)
{
  return rate * BT_RATE_LIMIT_BURST_MS / 1000 + BT_RATE_LIMIT_BURST_SLACK;
}

static void
set_full (BtRateLimit *self)
{
  self->tokens = (gint64) self->burst;
  self->fraction = 0;
}

/* Adds what the bucket earned since the last call. A clock that did not
 * move, or moved back (a caller mixing time sources), adds nothing. */
static void
refill (BtRateLimit *self,
        gint64       now_us)
{
  guint64 rate = effective_rate (self);
  guint64 elapsed, deficit, secs, sub, earned, partial;

  if (!self->started)
    {
      self->started = TRUE;
      self->last_us = now_us;
      return;
    }
  if (now_us <= self->last_us)
    return;
  elapsed = (guint64) now_us - (guint64) self->last_us;
  self->last_us = now_us;
  if (rate == 0)
    return;
  if (self->tokens >= (gint64) self->burst)
    {
      set_full (self);
      return;
    }

  /* tokens >= DEBT_FLOOR and burst < 2^41, so this fits. */
  deficit = self->burst - (guint64) self->tokens;
  secs = elapsed / G_USEC_PER_SEC;
  sub = elapsed % G_USEC_PER_SEC;
  /* Whole seconds alone fill the bucket: avoid multiplying huge spans. */
  if (secs > deficit / rate)
    {
      set_full (self);
      return;
    }
  /* Now secs × rate <= deficit, and sub × rate < 2^20 × 2^40. */
  partial = sub * rate + self->fraction;
  earned = secs * rate + partial / G_USEC_PER_SEC;
  if (earned >= deficit)
    {
      set_full (self);
      return;
    }
  self->tokens += (gint64) earned;
  self->fraction = partial % G_USEC_PER_SEC;
}

/* Microseconds until this one bucket holds MIN (bytes, burst) tokens. */
static gint64
bucket_delay (const BtRateLimit *self,
              guint64            bytes)
{
  guint64 rate = effective_rate (self);
  guint64 target = MIN (bytes, self->burst);
  guint64 need, a, b, whole, rest;

  if (rate == 0 || target == 0 || (self->tokens >= 0 && (guint64) self->tokens >= target))
    return 0;

  /* The wait t must earn need × 10^6 - fraction byte·µs: t × rate >=
   * (need - 1) × 10^6 + (10^6 - fraction). Split need - 1 by the rate so
   * no product exceeds 2^60. */
  need = target - (guint64) self->tokens;  /* >= 1, < 2^63 */
  a = need - 1;
  b = G_USEC_PER_SEC - self->fraction;      /* 1 .. 10^6 */
  whole = a / rate;
  rest = ((a % rate) * G_USEC_PER_SEC + b + rate - 1) / rate;
  if (whole > (guint64) (G_MAXINT64 - rest) / G_USEC_PER_SEC)
    return G_MAXINT64;
  return (gint64) (whole * G_USEC_PER_SEC + rest);
}

/* Public API */

/**
 * bt_rate_limit_new:
 * @bytes_per_second: the limit, 0 for none
 * @parent: (nullable): a bucket charged with everything this one is (the
 *   session's global bucket above a torrent's); held by a reference
 *
 * Returns: (transfer full): an empty bucket
 */
BtRateLimit *
bt_rate_limit_new (guint64      bytes_per_second,
                   BtRateLimit *parent)
{
  BtRateLimit *self = g_new0 (BtRateLimit, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->parent = parent != NULL ? bt_rate_limit_ref (parent) : NULL;
  self->rate = bytes_per_second;
  self->burst = compute_burst (effective_rate (self));
  return self;
}

BtRateLimit *
bt_rate_limit_ref (BtRateLimit *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
bt_rate_limit_unref (BtRateLimit *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_pointer (&self->parent, bt_rate_limit_unref);
  g_free (self);
}

/**
 * bt_rate_limit_get_parent:
 *
 * Returns: (transfer none) (nullable): the bucket above this one
 */
BtRateLimit *
bt_rate_limit_get_parent (BtRateLimit *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->parent;
}

/**
 * bt_rate_limit_set_rate:
 * @bytes_per_second: the new limit, 0 for none
 * @now_us: the monotonic clock
 *
 * Applies at once: the bucket earns at the old rate up to @now_us, drops
 * the tokens it held (keeping any debt, unless it is or was unlimited) and
 * earns at the new rate from there. Setting the rate it already has
 * changes nothing, so a settings binding may set it again freely.
 */
void
bt_rate_limit_set_rate (BtRateLimit *self,
                        guint64      bytes_per_second,
                        gint64       now_us)
{
  g_return_if_fail (self != NULL);

  if (bytes_per_second == self->rate)
    return;
  refill (self, now_us);
  /* An unlimited bucket keeps no count, so a debt from before it became
   * unlimited says nothing about now. */
  if (self->rate == 0 || bytes_per_second == 0)
    self->tokens = 0;
  else
    self->tokens = MIN (self->tokens, 0);
  self->rate = bytes_per_second;
  self->burst = compute_burst (effective_rate (self));
  self->fraction = 0;
}

/**
 * bt_rate_limit_get_rate:
 *
 * Returns: the limit in bytes per second, 0 when there is none
 */
guint64
bt_rate_limit_get_rate (BtRateLimit *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->rate;
}

/**
 * bt_rate_limit_get_burst:
 *
 * Returns: the most bytes this bucket alone can allow at once (parents not
 *   counted), G_MAXUINT64 when it is unlimited. Requests larger than this
 *   never pass whole.
 */
guint64
bt_rate_limit_get_burst (BtRateLimit *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->rate == 0 ? G_MAXUINT64 : self->burst;
}

/**
 * bt_rate_limit_available:
 * @wanted: bytes the caller would like to transfer
 * @now_us: the monotonic clock
 *
 * Takes nothing: call bt_rate_limit_consume() with what was actually
 * transferred.
 *
 * Returns: how many of @wanted bytes this bucket and every parent allow now
 */
guint64
bt_rate_limit_available (BtRateLimit *self,
                         guint64      wanted,
                         gint64       now_us)
{
  guint64 allowed = wanted;

  g_return_val_if_fail (self != NULL, 0);

  for (BtRateLimit *b = self; b != NULL; b = b->parent)
    {
      refill (b, now_us);
      if (b->rate != 0)
        allowed = MIN (allowed, (guint64) MAX (b->tokens, 0));
    }
  return allowed;
}

/**
 * bt_rate_limit_consume:
 * @bytes: bytes transferred
 * @now_us: the monotonic clock
 *
 * Charges @bytes to this bucket and every parent, into debt if they held
 * less.
 */
void
bt_rate_limit_consume (BtRateLimit *self,
                       guint64      bytes,
                       gint64       now_us)
{
  g_return_if_fail (self != NULL);

  for (BtRateLimit *b = self; b != NULL; b = b->parent)
    {
      refill (b, now_us);
      if (b->rate == 0)
        continue;
      if (bytes >= (guint64) (b->tokens - DEBT_FLOOR))
        b->tokens = DEBT_FLOOR;
      else
        b->tokens -= (gint64) bytes;
    }
}

/**
 * bt_rate_limit_delay_for:
 * @bytes: bytes the caller wants to transfer at once
 * @now_us: the monotonic clock
 *
 * A request larger than a bucket's burst can never pass whole; for such a
 * bucket this waits until it is full instead.
 *
 * Returns: microseconds from @now_us until bt_rate_limit_available() will
 *   allow MIN (@bytes, the smallest burst in the chain) bytes, if nothing
 *   else is charged meanwhile; 0 when it does now
 */
gint64
bt_rate_limit_delay_for (BtRateLimit *self,
                         guint64      bytes,
                         gint64       now_us)
{
  gint64 delay = 0;
  guint64 target = bytes;

  g_return_val_if_fail (self != NULL, 0);

  /* Every bucket must reach the smallest burst of the chain, not its own:
   * more from a parent would not make more pass. */
  for (BtRateLimit *b = self; b != NULL; b = b->parent)
    if (b->rate != 0)
      target = MIN (target, b->burst);
  for (BtRateLimit *b = self; b != NULL; b = b->parent)
    {
      refill (b, now_us);
      delay = MAX (delay, bucket_delay (b, target));
    }
  return delay;
}
