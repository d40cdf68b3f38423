/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Token buckets driven by a fake clock: long simulated runs take
 * milliseconds, and every result is reproducible.
 */
#include "config.h"

#include "bt-limits.h"
#include "bt-ratelimit.h"

/* A `piece` message: a 16 KiB block and its 13-byte header. */
#define MESSAGE (16 * 1024 + 13)

/* The clock's microseconds in a second, as a 64-bit value. */
#define SEC ((gint64) G_USEC_PER_SEC)

#define KIB 1024
#define MIB (1024 * 1024)

typedef struct
{
  BtRateLimit *limit;  /* (unowned) */
  guint64      sent;
} Sender;

/* Sends whole messages round robin, as a torrent's upload loop should: one
 * message per sender per turn, each turn starting after the sender served
 * last; when nobody may send, sleeps until the earliest delay_for() and
 * wakes up to @max_jitter_us late, as a busy main loop would. Returns the
 * time it stopped. */
static gint64
run_round_robin (Sender *senders,
                 guint   n,
                 gint64  start_us,
                 gint64  end_us,
                 GRand  *rand,
                 gint64  max_jitter_us)
{
  gint64 now = start_us;
  guint next = 0;
  guint sent_now = 0;

  while (now < end_us)
    {
      gint64 wait = G_MAXINT64;
      gboolean sent = FALSE;

      /* More than a whole burst in one instant: a limit is not holding. */
      g_assert_cmpuint (sent_now, <, 10000);

      for (guint i = 0; i < n && !sent; i++)
        {
          guint k = (next + i) % n;
          Sender *s = &senders[k];

          if (bt_rate_limit_available (s->limit, MESSAGE, now) == MESSAGE)
            {
              bt_rate_limit_consume (s->limit, MESSAGE, now);
              s->sent += MESSAGE;
              next = (k + 1) % n;
              sent = TRUE;
            }
          else
            wait = MIN (wait, bt_rate_limit_delay_for (s->limit, MESSAGE, now));
        }
      if (sent)
        {
          sent_now++;
          continue;
        }
      sent_now = 0;
      /* Told to wait while nothing could pass: a zero delay would spin. */
      g_assert_cmpint (wait, >, 0);
      g_assert_cmpint (wait, <, G_MAXINT64);
      now += wait;
      if (max_jitter_us > 0)
        now += g_rand_int_range (rand, 0, (gint32) max_jitter_us + 1);
    }
  return now;
}

static double
rate_of (guint64 bytes,
         gint64  start_us,
         gint64  end_us)
{
  return (double) bytes * SEC / (double) (end_us - start_us);
}

static void
assert_near (double measured,
             double expected,
             double tolerance)
{
  if (measured < expected * (1 - tolerance) || measured > expected * (1 + tolerance))
    g_error ("measured %.1f B/s, expected %.1f B/s within %.0f %%",
             measured, expected, tolerance * 100);
}

/* Simulated seconds for a run: long enough for 400 messages, so that one
 * message more or less moves the average by 0.25 %. */
static gint64
run_length_us (guint64 rate)
{
  gint64 seconds = (gint64) (400 * (guint64) MESSAGE / rate) + 1;

  return MAX (seconds, 20) * SEC;
}

static const guint64 rates[] = {
  1000,          /* one block every 16 s */
  10 * KIB,
  32 * KIB,      /* two messages a second, short of the 16 KiB slack */
  100 * KIB,
  MIB,
  50 * MIB,
};

static void
test_average (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);

  for (gsize i = 0; i < G_N_ELEMENTS (rates); i++)
    for (gint64 jitter = 0; jitter <= 20000; jitter += 20000)
      {
        g_autoptr(BtRateLimit) limit = bt_rate_limit_new (rates[i], NULL);
        Sender s = { limit, 0 };
        gint64 end = run_round_robin (&s, 1, 0, run_length_us (rates[i]), rand, jitter);

        g_test_message ("%" G_GUINT64_FORMAT " B/s, up to %" G_GINT64_FORMAT " us late: %.1f B/s",
                        rates[i], jitter, rate_of (s.sent, 0, end));
        /* A bucket starts empty, so it can never be ahead of its rate. */
        g_assert_cmpuint (s.sent, <=, rates[i] * (guint64) end / SEC);
        assert_near (rate_of (s.sent, 0, end), rates[i], 0.02);
      }
}

/* A caller that only sends at its once-a-second tick, without timers. */
static void
test_average_tick_only (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autoptr(BtRateLimit) limit = bt_rate_limit_new (rates[i], NULL);
      gint64 end = run_length_us (rates[i]);
      guint64 sent = 0;
      gint64 last_tick = 0;

      for (gint64 now = 0; now < end; now += SEC)
        {
          while (bt_rate_limit_available (limit, MESSAGE, now) == MESSAGE)
            {
              bt_rate_limit_consume (limit, MESSAGE, now);
              sent += MESSAGE;
            }
          last_tick = now;
        }
      g_assert_cmpuint (sent, <=, rates[i] * (guint64) last_tick / SEC);
      assert_near (rate_of (sent, 0, last_tick), rates[i], 0.02);
    }
}

/* A reader takes whatever is available, in pieces of any size, and
 * sometimes more than it was allowed (a read that returned more than
 * asked): the debt is repaid and the average holds. */
static void
test_average_reader (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2);

  for (gsize i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autoptr(BtRateLimit) limit = bt_rate_limit_new (rates[i], NULL);
      gint64 end = run_length_us (rates[i]);
      guint64 read = 0;
      gint64 now = 0;

      while (now < end)
        {
          guint64 allowed = bt_rate_limit_available (limit, BT_PEER_READ_CHUNK, now);

          if (allowed > 0)
            {
              guint64 got = g_rand_int_range (rand, 1, (gint32) allowed + 1);

              /* One read in ten overshoots by up to a chunk. */
              if (g_rand_int_range (rand, 0, 10) == 0)
                got += g_rand_int_range (rand, 0, BT_PEER_READ_CHUNK);
              bt_rate_limit_consume (limit, got, now);
              read += got;
            }
          else
            {
              gint64 wait = bt_rate_limit_delay_for (limit, 1, now);

              g_assert_cmpint (wait, >, 0);
              now += wait + g_rand_int_range (rand, 0, 5000);
            }
        }
      /* Overshoot may end the run in debt by up to a chunk. */
      g_assert_cmpuint (read, <=, rates[i] * (guint64) now / SEC + BT_PEER_READ_CHUNK);
      assert_near (rate_of (read, 0, now), rates[i], 0.03);
    }
}

static void
test_parent_caps_children (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(BtRateLimit) global = bt_rate_limit_new (100 * KIB, NULL);
  g_autoptr(BtRateLimit) a = bt_rate_limit_new (0, global);
  g_autoptr(BtRateLimit) b = bt_rate_limit_new (MIB, global);
  Sender senders[] = { { a, 0 }, { b, 0 } };
  gint64 end = run_round_robin (senders, 2, 0, 60 * SEC, rand, 10000);
  guint64 total = senders[0].sent + senders[1].sent;

  g_assert_true (bt_rate_limit_get_parent (a) == global);
  g_assert_null (bt_rate_limit_get_parent (global));
  assert_near (rate_of (total, 0, end), 100 * KIB, 0.02);
  /* Round robin shares the parent evenly. */
  assert_near (rate_of (senders[0].sent, 0, end), 50 * KIB, 0.05);
  assert_near (rate_of (senders[1].sent, 0, end), 50 * KIB, 0.05);
}

static void
test_child_below_parent (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  g_autoptr(BtRateLimit) global = bt_rate_limit_new (100 * KIB, NULL);
  g_autoptr(BtRateLimit) slow = bt_rate_limit_new (20 * KIB, global);
  g_autoptr(BtRateLimit) free_ = bt_rate_limit_new (0, global);
  Sender senders[] = { { slow, 0 }, { free_, 0 } };
  gint64 end = run_round_robin (senders, 2, 0, 120 * SEC, rand, 10000);

  assert_near (rate_of (senders[0].sent, 0, end), 20 * KIB, 0.03);
  assert_near (rate_of (senders[1].sent, 0, end), 80 * KIB, 0.03);
  assert_near (rate_of (senders[0].sent + senders[1].sent, 0, end), 100 * KIB, 0.02);
}

static void
test_unlimited (void)
{
  g_autoptr(BtRateLimit) limit = bt_rate_limit_new (0, NULL);
  g_autoptr(BtRateLimit) child = bt_rate_limit_new (0, limit);
  g_autoptr(BtRateLimit) capped = NULL;

  g_assert_cmpuint (bt_rate_limit_get_rate (limit), ==, 0);
  g_assert_cmpuint (bt_rate_limit_get_burst (limit), ==, G_MAXUINT64);
  for (gint64 now = 0; now < 3; now++)
    {
      g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, now), ==, G_MAXUINT64);
      g_assert_cmpint (bt_rate_limit_delay_for (child, G_MAXUINT64, now), ==, 0);
      bt_rate_limit_consume (child, G_MAXUINT64, now);
      bt_rate_limit_consume (child, G_MAXUINT64, now);
    }
  g_assert_cmpuint (bt_rate_limit_available (child, 0, 3), ==, 0);

  /* Unlimited below a limited parent: the parent decides. */
  capped = bt_rate_limit_new (10 * KIB, NULL);
  g_clear_pointer (&child, bt_rate_limit_unref);
  child = bt_rate_limit_new (0, capped);
  g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, 0), ==, 0);
  g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, SEC), ==, 10 * KIB);
  g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, 100 * SEC),
                    ==, bt_rate_limit_get_burst (capped));
}

static void
test_burst (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      g_autoptr(BtRateLimit) limit = bt_rate_limit_new (rates[i], NULL);
      guint64 burst = bt_rate_limit_get_burst (limit);

      g_assert_cmpuint (burst, ==, rates[i] * BT_RATE_LIMIT_BURST_MS / 1000 + BT_RATE_LIMIT_BURST_SLACK);
      g_assert_cmpuint (burst, >=, 2 * MESSAGE);
      /* A new bucket is empty; a long idle spell fills it to the burst
       * and no further. */
      g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, 1000), ==, 0);
      g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, 3600 * SEC),
                        ==, burst);
      g_assert_cmpint (bt_rate_limit_delay_for (limit, G_MAXUINT64, 3600 * SEC), ==, 0);
    }
}

/* Whatever state a chain is in, delay_for() names the first microsecond at
 * which available() allows the amount, and not one before. */
static void
test_delay_consistent (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  static const guint64 some_rates[] = { 0, 1, 3, 999, 1000, 16 * KIB, 77777, MIB, 123456789 };

  for (guint round = 0; round < 2000; round++)
    {
      guint64 parent_rate = some_rates[g_rand_int_range (rand, 0, G_N_ELEMENTS (some_rates))];
      guint64 child_rate = some_rates[g_rand_int_range (rand, 0, G_N_ELEMENTS (some_rates))];
      g_autoptr(BtRateLimit) parent = bt_rate_limit_new (parent_rate, NULL);
      g_autoptr(BtRateLimit) child = bt_rate_limit_new (child_rate, parent);
      gint64 now = g_rand_int_range (rand, 0, G_MAXINT32);
      guint64 bytes, target, smallest_burst;
      gint64 delay;

      /* A random history: spending, idling, debt. */
      for (guint step = 0; step < 5; step++)
        {
          now += g_rand_int_range (rand, 0, 3 * SEC);
          bt_rate_limit_consume (g_rand_boolean (rand) ? child : parent,
                                 g_rand_int_range (rand, 0, 200 * KIB), now);
        }
      now += g_rand_int_range (rand, 0, 2 * SEC);

      bytes = g_rand_boolean (rand) ? (guint64) g_rand_int_range (rand, 1, 64 * KIB)
                                    : G_MAXUINT64;
      smallest_burst = MIN (bt_rate_limit_get_burst (child), bt_rate_limit_get_burst (parent));
      target = MIN (bytes, smallest_burst);
      delay = bt_rate_limit_delay_for (child, bytes, now);
      g_assert_cmpint (delay, >=, 0);
      if (parent_rate == 0 && child_rate == 0)
        g_assert_cmpint (delay, ==, 0);
      if (delay > 0)
        g_assert_cmpuint (bt_rate_limit_available (child, target, now + delay - 1), <, target);
      g_assert_cmpuint (bt_rate_limit_available (child, target, now + delay), ==, target);
      /* Asking again at that moment says now. */
      g_assert_cmpint (bt_rate_limit_delay_for (child, bytes, now + delay), ==, 0);
    }
}

static void
test_rate_change (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (6);
  g_autoptr(BtRateLimit) limit = bt_rate_limit_new (MIB, NULL);
  Sender s = { limit, 0 };
  gint64 now = 5 * SEC;
  gint64 end;

  /* A full bucket at 1 MiB/s, then 10 KiB/s: nothing stored survives. */
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now), ==, 0);
  now += 10 * SEC;
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now), ==, bt_rate_limit_get_burst (limit));
  bt_rate_limit_set_rate (limit, 10 * KIB, now);
  g_assert_cmpuint (bt_rate_limit_get_rate (limit), ==, 10 * KIB);
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now), ==, 0);
  end = run_round_robin (&s, 1, now, now + 100 * SEC, rand, 1000);
  g_assert_cmpuint (s.sent, <=, 10 * KIB * (guint64) (end - now) / SEC);
  assert_near (rate_of (s.sent, now, end), 10 * KIB, 0.02);

  /* Up to 1 MiB/s: the new rate from the next microsecond. */
  now = end;
  s.sent = 0;
  bt_rate_limit_set_rate (limit, MIB, now);
  g_assert_cmpint (bt_rate_limit_delay_for (limit, MESSAGE, now), <=,
                   (gint64) MESSAGE * SEC / MIB + 1);
  end = run_round_robin (&s, 1, now, now + 10 * SEC, rand, 1000);
  assert_near (rate_of (s.sent, now, end), MIB, 0.02);

  /* Setting the same rate again keeps the tokens: a settings binding may
   * re-apply its value without stalling transfers. */
  now = end + 10 * SEC;
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now), ==, bt_rate_limit_get_burst (limit));
  bt_rate_limit_set_rate (limit, MIB, now);
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now), ==, bt_rate_limit_get_burst (limit));

  /* Debt survives a change of rate and is repaid at the new one. */
  bt_rate_limit_consume (limit, bt_rate_limit_get_burst (limit) + MIB, now);
  bt_rate_limit_set_rate (limit, 2 * MIB, now);
  g_assert_cmpint (bt_rate_limit_delay_for (limit, 1, now), ==, SEC / 2 + 1);

  /* Limited to unlimited and back: starts empty again. */
  bt_rate_limit_set_rate (limit, 0, now);
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now), ==, G_MAXUINT64);
  bt_rate_limit_consume (limit, 10 * MIB, now);
  now += 10 * SEC;
  bt_rate_limit_set_rate (limit, 10 * KIB, now);
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now), ==, 0);
  g_assert_cmpuint (bt_rate_limit_available (limit, G_MAXUINT64, now + SEC), ==, 10 * KIB);
}

static void
test_huge_values (void)
{
  g_autoptr(BtRateLimit) fast = bt_rate_limit_new (G_MAXUINT64, NULL);
  g_autoptr(BtRateLimit) slow = bt_rate_limit_new (1, NULL);
  g_autoptr(BtRateLimit) top = bt_rate_limit_new (G_MAXUINT64, NULL);
  g_autoptr(BtRateLimit) child = bt_rate_limit_new (G_MAXUINT64 - 1, top);
  guint64 fast_burst = BT_RATE_LIMIT_MAX_RATE * BT_RATE_LIMIT_BURST_MS / 1000 + BT_RATE_LIMIT_BURST_SLACK;
  gint64 delay;

  /* The rate reads back as set; above 1 TiB/s it behaves as 1 TiB/s. */
  g_assert_cmpuint (bt_rate_limit_get_rate (fast), ==, G_MAXUINT64);
  g_assert_cmpuint (bt_rate_limit_get_burst (fast), ==, fast_burst);

  /* 2^24 s (194 days) idle at 2^40 B/s earns exactly 2^64 bytes, which
   * a naive multiplication wraps to nothing. */
  g_assert_cmpuint (bt_rate_limit_available (fast, G_MAXUINT64, 0), ==, 0);
  g_assert_cmpuint (bt_rate_limit_available (fast, G_MAXUINT64, (G_GINT64_CONSTANT (1) << 24) * SEC),
                    ==, fast_burst);

  /* The whole range of the clock in one step, from its most negative. */
  g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, G_MININT64), ==, 0);
  g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, G_MAXINT64), ==, fast_burst);
  g_assert_cmpuint (bt_rate_limit_available (child, 5, G_MAXINT64), ==, 5);

  /* Charging everything bottoms out in a bounded debt, and the wait to
   * repay it is finite at 1 TiB/s and saturates at 1 B/s. */
  bt_rate_limit_consume (child, G_MAXUINT64, G_MAXINT64);
  bt_rate_limit_consume (child, G_MAXUINT64, G_MAXINT64);
  g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, G_MAXINT64), ==, 0);
  delay = bt_rate_limit_delay_for (child, G_MAXUINT64, G_MAXINT64);
  g_assert_cmpint (delay, >, 3600 * SEC);
  g_assert_cmpint (delay, <, G_MAXINT64);

  g_assert_cmpuint (bt_rate_limit_available (slow, 1, 0), ==, 0);
  g_assert_cmpint (bt_rate_limit_delay_for (slow, 1, 0), ==, SEC);
  g_assert_cmpuint (bt_rate_limit_available (slow, G_MAXUINT64, G_MAXINT64), ==,
                    bt_rate_limit_get_burst (slow));
  bt_rate_limit_consume (slow, G_MAXUINT64, G_MAXINT64);
  g_assert_cmpint (bt_rate_limit_delay_for (slow, 1, G_MAXINT64), ==, G_MAXINT64);
  g_assert_cmpuint (bt_rate_limit_available (slow, G_MAXUINT64, G_MAXINT64), ==, 0);

  /* Changing the rate at the end of time neither overflows nor pays. */
  bt_rate_limit_set_rate (slow, G_MAXUINT64, G_MAXINT64);
  g_assert_cmpuint (bt_rate_limit_available (slow, G_MAXUINT64, G_MAXINT64), ==, 0);
}

static void
test_zero_elapsed (void)
{
  g_autoptr(BtRateLimit) limit = bt_rate_limit_new (3, NULL);
  gint64 now = 1000;

  /* Asking again at the same time, or earlier, earns nothing. */
  g_assert_cmpuint (bt_rate_limit_available (limit, 100, now), ==, 0);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint (bt_rate_limit_available (limit, 100, now), ==, 0);
  g_assert_cmpuint (bt_rate_limit_available (limit, 100, now - SEC), ==, 0);
  g_assert_cmpuint (bt_rate_limit_available (limit, 100, now), ==, 0);

  /* A microsecond at a time, fractions add up: exactly 3 bytes a second. */
  for (gint64 t = 1; t <= SEC; t++)
    g_assert_cmpuint (bt_rate_limit_available (limit, 100, now + t), ==, 3 * t / SEC);
  now += SEC;
  g_assert_cmpuint (bt_rate_limit_available (limit, 100, now), ==, 3);

  /* Charging at the same instant takes effect at once. */
  bt_rate_limit_consume (limit, 2, now);
  g_assert_cmpuint (bt_rate_limit_available (limit, 100, now), ==, 1);
  bt_rate_limit_consume (limit, 0, now);
  g_assert_cmpuint (bt_rate_limit_available (limit, 100, now), ==, 1);
  bt_rate_limit_consume (limit, 2, now);
  g_assert_cmpuint (bt_rate_limit_available (limit, 100, now), ==, 0);
  g_assert_cmpint (bt_rate_limit_delay_for (limit, 0, now), ==, 0);
  /* In debt by one: two bytes are 2/3 s away. */
  g_assert_cmpint (bt_rate_limit_delay_for (limit, 1, now), ==, 666667);
}

static void
test_references (void)
{
  BtRateLimit *parent = bt_rate_limit_new (10 * KIB, NULL);
  g_autoptr(BtRateLimit) child = bt_rate_limit_new (0, parent);
  BtRateLimit *copy;

  /* The child keeps its parent alive: the session may go first. */
  bt_rate_limit_unref (parent);
  g_assert_cmpuint (bt_rate_limit_get_rate (bt_rate_limit_get_parent (child)), ==, 10 * KIB);
  bt_rate_limit_consume (child, 1, 0);

  copy = g_boxed_copy (BT_TYPE_RATE_LIMIT, child);
  g_assert_true (copy == child);
  g_boxed_free (BT_TYPE_RATE_LIMIT, copy);
  g_assert_cmpuint (bt_rate_limit_available (child, G_MAXUINT64, SEC), ==, 10 * KIB - 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/ratelimit/average", test_average);
  g_test_add_func ("/engine/ratelimit/average-tick-only", test_average_tick_only);
  g_test_add_func ("/engine/ratelimit/average-reader", test_average_reader);
  g_test_add_func ("/engine/ratelimit/parent-caps-children", test_parent_caps_children);
  g_test_add_func ("/engine/ratelimit/child-below-parent", test_child_below_parent);
  g_test_add_func ("/engine/ratelimit/unlimited", test_unlimited);
  g_test_add_func ("/engine/ratelimit/burst", test_burst);
  g_test_add_func ("/engine/ratelimit/delay-consistent", test_delay_consistent);
  g_test_add_func ("/engine/ratelimit/rate-change", test_rate_change);
  g_test_add_func ("/engine/ratelimit/huge-values", test_huge_values);
  g_test_add_func ("/engine/ratelimit/zero-elapsed", test_zero_elapsed);
  g_test_add_func ("/engine/ratelimit/references", test_references);

  return g_test_run ();
}
