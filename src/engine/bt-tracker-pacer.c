/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * How fast a session's torrents may start announces. A session opened
 * with thousands of torrents would otherwise send every announce in the
 * same instant: libsoup queues them all and walks its whole queue for
 * each one that moves, so the app stays busy for seconds, and a tracker
 * that many torrents share receives a flood. A token bucket lets a burst
 * go at once (a few torrents never wait) and the rest at a steady rate,
 * first come first served. It paces starts only, not announces in
 * flight, so a tracker that never answers does not hold up the others.
 */
#include "config.h"

#include "bt-tracker-pacer.h"

typedef struct
{
  guint                ticket;
  BtTrackerPacerReady  ready;
  gpointer             user_data;
} Waiter;

struct _BtTrackerPacer
{
  gatomicrefcount  ref_count;
  GMainContext    *context;
  double           per_second;
  double           burst;
  double           tokens;
  gint64           refilled_us;
  GQueue           waiting;      /* of Waiter, oldest first */
  guint            next_ticket;
  GSource         *timer;        /* only while someone waits */
};

static void
refill (BtTrackerPacer *self)
{
  gint64 now = g_get_monotonic_time ();

  self->tokens = MIN (self->burst,
                      self->tokens + (now - self->refilled_us) * self->per_second / G_USEC_PER_SEC);
  self->refilled_us = now;
}

static gboolean
timer_cb (gpointer user_data)
{
  BtTrackerPacer *self = user_data;

  refill (self);
  while (self->tokens >= 1 && !g_queue_is_empty (&self->waiting))
    {
      g_autofree Waiter *waiter = g_queue_pop_head (&self->waiting);

      self->tokens -= 1;
      /* It may wait or cancel again from here: the queue is consistent. */
      waiter->ready (waiter->user_data);
    }
  if (!g_queue_is_empty (&self->waiting))
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

/**
 * bt_tracker_pacer_new:
 * @per_second: announces that may start each second, once the burst is
 *   spent
 * @burst: announces that may start at once after a quiet time
 *
 * Lives on the thread-default main context of its creator, where ready
 * callbacks run.
 *
 * Returns: (transfer full): a new pacer
 */
BtTrackerPacer *
bt_tracker_pacer_new (guint per_second,
                      guint burst)
{
  BtTrackerPacer *self = g_new0 (BtTrackerPacer, 1);

  g_return_val_if_fail (per_second > 0, NULL);

  g_atomic_ref_count_init (&self->ref_count);
  self->context = g_main_context_ref_thread_default ();
  self->per_second = per_second;
  self->burst = MAX (burst, 1);
  self->tokens = self->burst;
  self->refilled_us = g_get_monotonic_time ();
  g_queue_init (&self->waiting);
  return self;
}

BtTrackerPacer *
bt_tracker_pacer_ref (BtTrackerPacer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
bt_tracker_pacer_unref (BtTrackerPacer *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_source_unref (self->timer);
    }
  g_queue_clear_full (&self->waiting, g_free);
  g_main_context_unref (self->context);
  g_free (self);
}

/**
 * bt_tracker_pacer_wait:
 * @ready: called, from the pacer's main context, when the announce may
 *   start; never from within this call
 * @user_data: for @ready
 *
 * Takes a turn to start an announce.
 *
 * Returns: 0 when the announce may start now (@ready will not be called);
 *   otherwise a ticket for bt_tracker_pacer_cancel(), and @ready will be
 *   called once unless the ticket is cancelled first
 */
guint
bt_tracker_pacer_wait (BtTrackerPacer      *self,
                       BtTrackerPacerReady  ready,
                       gpointer             user_data)
{
  Waiter *waiter;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (ready != NULL, 0);

  refill (self);
  if (g_queue_is_empty (&self->waiting) && self->tokens >= 1)
    {
      self->tokens -= 1;
      return 0;
    }
  waiter = g_new0 (Waiter, 1);
  if (++self->next_ticket == 0)
    ++self->next_ticket;
  waiter->ticket = self->next_ticket;
  waiter->ready = ready;
  waiter->user_data = user_data;
  g_queue_push_tail (&self->waiting, waiter);
  if (self->timer == NULL)
    {
      /* A turn comes every 1 / per_second s; waking for each would cost
       * more than the announces, so a tick lets several go at once. */
      self->timer = g_timeout_source_new (MAX (20, (guint) (4000 / self->per_second)));
      g_source_set_static_name (self->timer, "[bt] tracker pacer");
      g_source_set_callback (self->timer, timer_cb, self, NULL);
      g_source_attach (self->timer, self->context);
    }
  return waiter->ticket;
}

/**
 * bt_tracker_pacer_cancel:
 * @ticket: from bt_tracker_pacer_wait(); 0 and tickets whose callback ran
 *   already are ignored
 *
 * Gives up a turn: its callback will not be called.
 */
void
bt_tracker_pacer_cancel (BtTrackerPacer *self,
                         guint           ticket)
{
  g_return_if_fail (self != NULL);

  if (ticket == 0)
    return;
  for (GList *l = self->waiting.head; l != NULL; l = l->next)
    if (((Waiter *) l->data)->ticket == ticket)
      {
        g_free (l->data);
        g_queue_delete_link (&self->waiting, l);
        return;
      }
}

/**
 * bt_tracker_pacer_get_n_waiting:
 *
 * Returns: how many announces wait for their turn
 */
guint
bt_tracker_pacer_get_n_waiting (BtTrackerPacer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->waiting.length;
}
