/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The session's pace for starting announces: a burst at once, then a
 * steady rate, first come first served, turns given up on request.
 */
#include "config.h"

#include "bt-tracker-pacer.h"

typedef struct
{
  BtTrackerPacer *pacer;
  GArray         *order;     /* of guint: which waiter got its turn */
  gint64          last_us;   /* when the last turn came */
} Turns;

typedef struct
{
  Turns *turns;
  guint  id;
  guint  again;              /* take this many more turns from the callback */
} Waiter;

static void
ready_cb (gpointer user_data)
{
  Waiter *waiter = user_data;

  g_array_append_val (waiter->turns->order, waiter->id);
  waiter->turns->last_us = g_get_monotonic_time ();
  if (waiter->again > 0)
    {
      waiter->again--;
      /* From inside a callback, the turn is queued behind the others. */
      g_assert_cmpuint (bt_tracker_pacer_wait (waiter->turns->pacer, ready_cb, waiter), !=, 0);
    }
}

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
run_until_n (Turns *turns,
             guint  n,
             guint  timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (10, wake_cb, NULL);

  while (turns->order->len < n && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return turns->order->len >= n;
}

static void
test_burst_then_rate (void)
{
  Turns turns = { bt_tracker_pacer_new (20, 3), g_array_new (FALSE, FALSE, sizeof (guint)), 0 };
  Waiter waiters[5];
  gint64 start;

  /* The burst: no waiting, no callback. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (bt_tracker_pacer_wait (turns.pacer, ready_cb, NULL), ==, 0);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      waiters[i] = (Waiter) { &turns, i, 0 };
      g_assert_cmpuint (bt_tracker_pacer_wait (turns.pacer, ready_cb, &waiters[i]), !=, 0);
    }
  g_assert_cmpuint (bt_tracker_pacer_get_n_waiting (turns.pacer), ==, 5);
  /* Nobody is called back from within wait(). */
  g_assert_cmpuint (turns.order->len, ==, 0);

  g_assert_true (run_until_n (&turns, 5, 5000));
  /* Five turns at twenty a second take a quarter second at least. */
  g_assert_cmpint (turns.last_us - start, >=, 200 * 1000);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (g_array_index (turns.order, guint, i), ==, i);
  g_assert_cmpuint (bt_tracker_pacer_get_n_waiting (turns.pacer), ==, 0);

  bt_tracker_pacer_unref (turns.pacer);
  g_array_unref (turns.order);
}

static void
test_cancel (void)
{
  Turns turns = { bt_tracker_pacer_new (50, 1), g_array_new (FALSE, FALSE, sizeof (guint)), 0 };
  Waiter waiters[4];
  guint tickets[4];

  g_assert_cmpuint (bt_tracker_pacer_wait (turns.pacer, ready_cb, NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (waiters); i++)
    {
      waiters[i] = (Waiter) { &turns, i, 0 };
      tickets[i] = bt_tracker_pacer_wait (turns.pacer, ready_cb, &waiters[i]);
      g_assert_cmpuint (tickets[i], !=, 0);
    }
  /* The second gives up its turn; the fourth takes one more from its
   * callback, behind everyone. */
  bt_tracker_pacer_cancel (turns.pacer, tickets[1]);
  bt_tracker_pacer_cancel (turns.pacer, 0);
  waiters[3].again = 1;
  g_assert_cmpuint (bt_tracker_pacer_get_n_waiting (turns.pacer), ==, 3);
  g_assert_true (run_until_n (&turns, 4, 5000));
  g_assert_cmpuint (g_array_index (turns.order, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (turns.order, guint, 1), ==, 2);
  g_assert_cmpuint (g_array_index (turns.order, guint, 2), ==, 3);
  g_assert_cmpuint (g_array_index (turns.order, guint, 3), ==, 3);
  /* A ticket whose turn came is ignored. */
  bt_tracker_pacer_cancel (turns.pacer, tickets[0]);

  /* Freed with someone waiting: the callback never runs. */
  waiters[0].again = 0;
  g_assert_cmpuint (bt_tracker_pacer_wait (turns.pacer, ready_cb, &waiters[0]), !=, 0);
  bt_tracker_pacer_unref (turns.pacer);
  g_assert_false (run_until_n (&turns, 5, 200));
  g_array_unref (turns.order);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/tracker-pacer/burst-then-rate", test_burst_then_rate);
  g_test_add_func ("/engine/tracker-pacer/cancel", test_cancel);
  return g_test_run ();
}
