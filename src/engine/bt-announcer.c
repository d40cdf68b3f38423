/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * BEP 12 as the announcer applies it: the URLs of each tier are shuffled
 * once; every announce walks the tiers in order and the URLs of a tier in
 * order until one answers; the one that answered moves to the front of its
 * tier. When none answers, the whole walk is retried with a doubling wait.
 * One announce is in flight at a time.
 */
#define G_LOG_DOMAIN "bt-announcer"

#include "config.h"

#include <string.h>

#include "bt-announcer.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-timer.h"
#include "bt-tracker-pacer.h"

typedef struct
{
  char           *url;
  guint           tier;
  BtTrackerState  state;
  gboolean        started;     /* it acknowledged "started" since start */
  char           *tracker_id;
  gint64          last_announce;
  char           *last_error;
  char           *warning;
  gint64          seeders;
  gint64          leechers;
  gint64          downloaded;
  guint           failures;    /* in a row */
  gint64          retry_after; /* monotonic µs; skipped by walks until then */
} Tracker;

struct _BtAnnouncer
{
  GObject            parent_instance;

  GMainContext      *context;
  SoupSession       *session;
  BtTrackerPacer    *pacer;
  guint              pacer_ticket;     /* waiting for its turn, or 0 */
  guint8             info_hash[20];
  guint8             peer_id[20];
  guint16            port;
  guint32            key;
  guint64            uploaded;
  guint64            downloaded;
  guint64            left;
  BtAnnouncerTiming  timing;

  /* GPtrArray (tiers) of GPtrArray (URLs) of Tracker. */
  GPtrArray         *tiers;
  guint              n_trackers;
  /* Removed trackers, kept until the end: a "stopped" or a scrape in
   * flight may still point at one. */
  GPtrArray         *removed;

  gboolean           running;
  gboolean           completed_pending;
  gboolean           completed_sent;

  /* The announce in flight: which tracker of the walk, with which event.
   * @serial tells a callback whether it still belongs to it. */
  GCancellable      *cancellable;
  guint              serial;
  guint              walk_tier;
  guint              walk_index;
  BtAnnounceEvent    attempt_event;

  Tracker           *current;          /* the last tracker that answered */
  guint              failed_walks;
  gint64             last_success;     /* monotonic µs, 0 if none */
  guint64            min_interval_ms;  /* from the last answer, floored */

  GSource           *timer;
  gint64             next_announce;    /* monotonic µs, 0 if none planned */
  gint64             next_announce_real;
};

typedef struct
{
  GWeakRef  self;
  guint     serial;
} AttemptData;

typedef struct
{
  Tracker       *tracker;
  GCancellable  *cancellable;
  GCancellable  *caller_cancellable;
  gulong         caller_cancelled_id;
  GSource       *timeout;
  guint          timeout_ms;
  gboolean       timed_out;
} StopData;

G_DEFINE_FINAL_TYPE (BtAnnouncer, bt_announcer, G_TYPE_OBJECT)

enum
{
  PEERS_FOUND,
  TRACKERS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void walk_start (BtAnnouncer *self);

/* Auxiliary functions */

static void
tracker_free (gpointer data)
{
  Tracker *tracker = data;

  g_free (tracker->url);
  g_free (tracker->tracker_id);
  g_free (tracker->last_error);
  g_free (tracker->warning);
  g_free (tracker);
}

static Tracker *
walk_tracker (BtAnnouncer *self)
{
  GPtrArray *tier;

  if (self->walk_tier >= self->tiers->len)
    return NULL;
  tier = g_ptr_array_index (self->tiers, self->walk_tier);
  if (self->walk_index >= tier->len)
    return NULL;
  return g_ptr_array_index (tier, self->walk_index);
}

static Tracker *
first_tracker (BtAnnouncer *self)
{
  if (self->tiers->len == 0)
    return NULL;
  return g_ptr_array_index ((GPtrArray *) g_ptr_array_index (self->tiers, 0), 0);
}

static void
emit_changed (BtAnnouncer *self)
{
  g_signal_emit (self, signals[TRACKERS_CHANGED], 0);
}

static gboolean
timer_cb (gpointer user_data)
{
  BtAnnouncer *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  self->next_announce = 0;
  self->next_announce_real = 0;
  walk_start (self);
  return G_SOURCE_REMOVE;
}

static void
cancel_timer (BtAnnouncer *self)
{
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  self->next_announce = 0;
  self->next_announce_real = 0;
}

static void
schedule (BtAnnouncer *self,
          guint64      delay_ms)
{
  delay_ms = MIN (delay_ms, G_MAXUINT);

  cancel_timer (self);
  self->timer = bt_timer_source_new ((guint) delay_ms);
  g_source_set_name (self->timer, "[bt-announcer] next announce");
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_attach (self->timer, self->context);
  self->next_announce = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  self->next_announce_real = g_get_real_time () + (gint64) delay_ms * 1000;
}

static gboolean
in_flight (BtAnnouncer *self)
{
  return self->cancellable != NULL;
}

static void
cancel_in_flight (BtAnnouncer *self)
{
  Tracker *tracker = walk_tracker (self);

  if (!in_flight (self))
    return;

  if (self->pacer != NULL)
    bt_tracker_pacer_cancel (self->pacer, self->pacer_ticket);
  self->pacer_ticket = 0;
  if (tracker != NULL && tracker->state == BT_TRACKER_STATE_ANNOUNCING)
    tracker->state = tracker->last_error != NULL ? BT_TRACKER_STATE_ERROR
                   : tracker->last_announce != 0 ? BT_TRACKER_STATE_WORKING
                   : BT_TRACKER_STATE_IDLE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->serial++;
}

static void
fill_request (BtAnnouncer       *self,
              BtAnnounceRequest *request,
              Tracker           *tracker,
              BtAnnounceEvent    event)
{
  memset (request, 0, sizeof *request);
  memcpy (request->info_hash, self->info_hash, sizeof request->info_hash);
  memcpy (request->peer_id, self->peer_id, sizeof request->peer_id);
  request->port = self->port;
  request->uploaded = self->uploaded;
  request->downloaded = self->downloaded;
  request->left = self->left;
  request->event = event;
  request->numwant = event == BT_ANNOUNCE_EVENT_STOPPED ? 0 : BT_ANNOUNCE_NUMWANT;
  request->key = self->key;
  request->tracker_id = tracker->tracker_id;
}

static void announce_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data);

static void
send_attempt (BtAnnouncer *self)
{
  Tracker *tracker = walk_tracker (self);
  BtAnnounceRequest request;
  AttemptData *data;

  g_assert (tracker != NULL);

  /* Each tracker hears "started" first, even when it takes over from one
   * that heard it already: it has never seen us. */
  if (!tracker->started)
    self->attempt_event = BT_ANNOUNCE_EVENT_STARTED;
  else if (self->completed_pending)
    self->attempt_event = BT_ANNOUNCE_EVENT_COMPLETED;
  else
    self->attempt_event = BT_ANNOUNCE_EVENT_NONE;

  fill_request (self, &request, tracker, self->attempt_event);
  data = g_new0 (AttemptData, 1);
  g_weak_ref_init (&data->self, self);
  data->serial = ++self->serial;

  g_debug ("Announcing to %s (event %s)", tracker->url,
           bt_announce_event_to_string (self->attempt_event) != NULL
           ? bt_announce_event_to_string (self->attempt_event) : "none");
  bt_tracker_announce_async (tracker->url, &request, self->session, self->cancellable,
                             announce_cb, data);
}

static void
pacer_ready_cb (gpointer user_data)
{
  BtAnnouncer *self = user_data;

  self->pacer_ticket = 0;
  send_attempt (self);
}

/* Announces to the tracker the walk is at, once the session's pacer
 * gives a turn; it counts as in flight, and shows as announcing, from
 * now. */
static void
attempt (BtAnnouncer *self)
{
  Tracker *tracker = walk_tracker (self);

  g_assert (tracker != NULL);
  g_assert (!in_flight (self));

  tracker->state = BT_TRACKER_STATE_ANNOUNCING;
  self->cancellable = g_cancellable_new ();
  if (self->pacer != NULL)
    self->pacer_ticket = bt_tracker_pacer_wait (self->pacer, pacer_ready_cb, self);
  if (self->pacer_ticket == 0)
    send_attempt (self);
  emit_changed (self);
}

/* Moves the walk to the next tracker worth trying: BEP 12 order, but a
 * tracker that failed recently is skipped until its back-off ends, so a
 * dead first tier does not cost a time-out on every announce (and the
 * "completed" and "stopped" events reach the tracker that works). Returns
 * FALSE when the walk is over. */
static gboolean
walk_skip_backed_off (BtAnnouncer *self)
{
  gint64 now = g_get_monotonic_time ();
  Tracker *tracker;

  while ((tracker = walk_tracker (self)) != NULL && tracker->retry_after > now)
    {
      GPtrArray *tier = g_ptr_array_index (self->tiers, self->walk_tier);

      if (++self->walk_index >= tier->len)
        {
          self->walk_tier++;
          self->walk_index = 0;
        }
    }
  return tracker != NULL;
}

static void
walk_start (BtAnnouncer *self)
{
  if (!self->running || in_flight (self) || self->n_trackers == 0)
    return;

  cancel_timer (self);
  self->walk_tier = 0;
  self->walk_index = 0;
  if (!walk_skip_backed_off (self))
    {
      /* Every tracker is backing off: try them all again, in order. */
      self->walk_tier = 0;
      self->walk_index = 0;
    }
  attempt (self);
}

static void
walk_failed (BtAnnouncer *self)
{
  guint shift = MIN (self->failed_walks, 20);
  guint64 delay = MIN ((guint64) self->timing.retry_first_ms << shift,
                       (guint64) self->timing.retry_max_ms);

  self->failed_walks++;
  g_debug ("No tracker answered; trying again in %" G_GUINT64_FORMAT " ms", delay);
  schedule (self, delay);
  emit_changed (self);
}

static void
promote (BtAnnouncer *self,
         Tracker     *tracker)
{
  GPtrArray *tier = g_ptr_array_index (self->tiers, tracker->tier);
  guint index;

  if (g_ptr_array_find (tier, tracker, &index) && index > 0)
    {
      g_ptr_array_steal_index (tier, index);
      g_ptr_array_insert (tier, 0, tracker);
    }
}

static void
announce_succeeded (BtAnnouncer        *self,
                    Tracker            *tracker,
                    BtAnnounceResponse *response)
{
  guint64 interval_ms;
  guint64 max_interval_ms = (guint64) BT_ANNOUNCE_MAX_INTERVAL_S * 1000;

  tracker->state = BT_TRACKER_STATE_WORKING;
  tracker->failures = 0;
  tracker->retry_after = 0;
  g_clear_pointer (&tracker->last_error, g_free);
  g_free (tracker->warning);
  tracker->warning = g_strdup (response->warning);
  if (response->complete >= 0)
    tracker->seeders = response->complete;
  if (response->incomplete >= 0)
    tracker->leechers = response->incomplete;
  if (response->tracker_id != NULL)
    {
      g_free (tracker->tracker_id);
      tracker->tracker_id = g_strdup (response->tracker_id);
    }

  switch (self->attempt_event)
    {
    case BT_ANNOUNCE_EVENT_STARTED:
      tracker->started = TRUE;
      break;
    case BT_ANNOUNCE_EVENT_COMPLETED:
      self->completed_pending = FALSE;
      self->completed_sent = TRUE;
      break;
    case BT_ANNOUNCE_EVENT_NONE:
    case BT_ANNOUNCE_EVENT_STOPPED:
    default:
      break;
    }

  promote (self, tracker);
  self->current = tracker;
  self->failed_walks = 0;
  self->last_success = g_get_monotonic_time ();

  /* A tracker may ask for any interval; we never announce more often than
   * the floor, nor wait so long that the swarm forgets us. */
  interval_ms = response->interval != 0 ? (guint64) response->interval * 1000
                                        : (guint64) BT_ANNOUNCE_DEFAULT_INTERVAL_S * 1000;
  interval_ms = CLAMP (interval_ms, self->timing.min_interval_ms, max_interval_ms);
  self->min_interval_ms = CLAMP ((guint64) response->min_interval * 1000,
                                 self->timing.min_interval_ms, interval_ms);

  /* "completed" goes out as soon as "started" is through. */
  schedule (self, self->completed_pending ? 0 : interval_ms);
}

static void
announce_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AttemptData *data = user_data;
  g_autoptr(BtAnnouncer) self = g_weak_ref_get (&data->self);
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  guint serial = data->serial;
  Tracker *tracker;

  g_weak_ref_clear (&data->self);
  g_free (data);

  response = bt_tracker_announce_finish (result, &error);
  if (self == NULL || serial != self->serial)
    return;

  g_clear_object (&self->cancellable);
  tracker = walk_tracker (self);
  g_assert (tracker != NULL);
  tracker->last_announce = g_get_real_time ();

  if (response == NULL)
    {
      GPtrArray *tier = g_ptr_array_index (self->tiers, self->walk_tier);

      g_debug ("Announce to %s failed: %s", tracker->url, error->message);
      tracker->state = BT_TRACKER_STATE_ERROR;
      g_free (tracker->last_error);
      tracker->last_error = g_strdup (error->message);
      tracker->failures++;
      tracker->retry_after = g_get_monotonic_time ()
                             + (gint64) MIN ((guint64) self->timing.retry_first_ms
                                               << MIN (tracker->failures - 1, 20),
                                             (guint64) self->timing.retry_max_ms) * 1000;

      if (++self->walk_index >= tier->len)
        {
          self->walk_tier++;
          self->walk_index = 0;
        }
      if (walk_skip_backed_off (self))
        attempt (self);
      else
        walk_failed (self);
      return;
    }

  announce_succeeded (self, tracker, response);
  emit_changed (self);
  if (response->peers->len > 0)
    g_signal_emit (self, signals[PEERS_FOUND], 0, response->peers);
}

static void
stop_data_free (gpointer user_data)
{
  StopData *data = user_data;

  if (data->timeout != NULL)
    {
      g_source_destroy (data->timeout);
      g_source_unref (data->timeout);
    }
  if (data->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_id);
      g_object_unref (data->caller_cancellable);
    }
  g_clear_object (&data->cancellable);
  g_free (data);
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  StopData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  g_clear_pointer (&data->timeout, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
stop_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BtAnnouncer *self = g_task_get_source_object (task);
  StopData *data = g_task_get_task_data (task);
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  response = bt_tracker_announce_finish (result, &error);
  data->tracker->last_announce = g_get_real_time ();
  if (response == NULL)
    {
      data->tracker->state = BT_TRACKER_STATE_ERROR;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && data->timed_out)
        {
          g_clear_error (&error);
          g_set_error (&error, BT_ERROR, BT_ERROR_TRACKER_TIMEOUT,
                       "The tracker %s did not acknowledge “stopped” within %u ms",
                       data->tracker->url, data->timeout_ms);
        }
      g_free (data->tracker->last_error);
      data->tracker->last_error = g_strdup (error->message);
      emit_changed (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  data->tracker->state = BT_TRACKER_STATE_IDLE;
  g_clear_pointer (&data->tracker->last_error, g_free);
  emit_changed (self);
  g_task_return_boolean (task, TRUE);
}

static void
scrape_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BtAnnouncer *self = g_task_get_source_object (task);
  Tracker *tracker = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  BtScrapeResult scrape;

  if (!bt_tracker_scrape_finish (result, &scrape, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (scrape.complete >= 0)
    tracker->seeders = scrape.complete;
  if (scrape.incomplete >= 0)
    tracker->leechers = scrape.incomplete;
  if (scrape.downloaded >= 0)
    tracker->downloaded = scrape.downloaded;
  emit_changed (self);
  g_task_return_pointer (task, g_memdup2 (&scrape, sizeof scrape), g_free);
}

/* Overrides */

static void
bt_announcer_dispose (GObject *object)
{
  BtAnnouncer *self = BT_ANNOUNCER (object);

  self->running = FALSE;
  cancel_in_flight (self);
  cancel_timer (self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->pacer, bt_tracker_pacer_unref);

  G_OBJECT_CLASS (bt_announcer_parent_class)->dispose (object);
}

static void
bt_announcer_finalize (GObject *object)
{
  BtAnnouncer *self = BT_ANNOUNCER (object);

  g_ptr_array_unref (self->tiers);
  g_ptr_array_unref (self->removed);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (bt_announcer_parent_class)->finalize (object);
}

static void
bt_announcer_class_init (BtAnnouncerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bt_announcer_dispose;
  object_class->finalize = bt_announcer_finalize;

  /**
   * BtAnnouncer::peers-found:
   * @peers: (element-type GInetSocketAddress): what a tracker listed; valid
   *   during the emission only (take a reference to keep it)
   */
  signals[PEERS_FOUND] =
    g_signal_new ("peers-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * BtAnnouncer::trackers-changed:
   *
   * Something bt_announcer_get_trackers() returns has changed.
   */
  signals[TRACKERS_CHANGED] =
    g_signal_new ("trackers-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
bt_announcer_init (BtAnnouncer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  self->removed = g_ptr_array_new_with_free_func (tracker_free);
  self->key = g_random_int ();
  bt_announcer_set_timing (self, NULL);
}

/* Public API */

/**
 * bt_announcer_new:
 * @info_hash: the torrent's info-hash (20 bytes)
 * @peer_id: our peer id (20 bytes)
 * @port: where we accept peer connections
 * @session: (nullable): the session for HTTP trackers; %NULL makes one per
 *   request
 *
 * The announcer lives on the thread-default main context of the thread
 * that creates it: its timers, callbacks and signals run there, and it must
 * only be used from there. Add trackers with bt_announcer_add_tier(), then
 * call bt_announcer_start().
 *
 * Returns: (transfer full): a new announcer
 */
BtAnnouncer *
bt_announcer_new (const guint8 *info_hash,
                  const guint8 *peer_id,
                  guint16       port,
                  SoupSession  *session)
{
  BtAnnouncer *self;

  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (peer_id != NULL, NULL);
  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);

  self = g_object_new (BT_TYPE_ANNOUNCER, NULL);
  memcpy (self->info_hash, info_hash, sizeof self->info_hash);
  memcpy (self->peer_id, peer_id, sizeof self->peer_id);
  self->port = port;
  self->session = session != NULL ? g_object_ref (session) : NULL;
  return self;
}

/**
 * bt_announcer_set_pacer:
 * @pacer: (nullable): the session's pacer, shared by its announcers; %NULL
 *   to announce without waiting for a turn
 *
 * Announces (except "stopped", which goes at once) start when @pacer
 * gives them a turn.
 */
void
bt_announcer_set_pacer (BtAnnouncer    *self,
                        BtTrackerPacer *pacer)
{
  g_return_if_fail (BT_IS_ANNOUNCER (self));
  g_return_if_fail (!in_flight (self));

  g_clear_pointer (&self->pacer, bt_tracker_pacer_unref);
  if (pacer != NULL)
    self->pacer = bt_tracker_pacer_ref (pacer);
}

/**
 * bt_announcer_add_tier:
 * @urls: (array zero-terminated=1): the announce URLs of one tier, as
 *   bt_metainfo_get_tier() returns them
 *
 * Appends a tier after those already added, its URLs in random order
 * (BEP 12). URLs already in an earlier tier are skipped, and so is
 * everything past %BT_METAINFO_MAX_TRACKERS trackers. Call before
 * bt_announcer_start().
 */
void
bt_announcer_add_tier (BtAnnouncer        *self,
                       const char * const *urls)
{
  g_autoptr(GPtrArray) tier = NULL;

  g_return_if_fail (BT_IS_ANNOUNCER (self));
  g_return_if_fail (urls != NULL);

  tier = g_ptr_array_new_with_free_func (tracker_free);
  for (guint i = 0; urls[i] != NULL && self->n_trackers < BT_METAINFO_MAX_TRACKERS; i++)
    {
      gboolean duplicate = FALSE;
      Tracker *tracker;

      for (guint t = 0; t < self->tiers->len && !duplicate; t++)
        {
          GPtrArray *other = g_ptr_array_index (self->tiers, t);

          for (guint u = 0; u < other->len && !duplicate; u++)
            duplicate = g_str_equal (((Tracker *) g_ptr_array_index (other, u))->url, urls[i]);
        }
      for (guint u = 0; u < tier->len && !duplicate; u++)
        duplicate = g_str_equal (((Tracker *) g_ptr_array_index (tier, u))->url, urls[i]);
      if (duplicate || *urls[i] == '\0')
        continue;

      tracker = g_new0 (Tracker, 1);
      tracker->url = g_strdup (urls[i]);
      tracker->tier = self->tiers->len;
      tracker->seeders = -1;
      tracker->leechers = -1;
      tracker->downloaded = -1;
      g_ptr_array_add (tier, tracker);
      self->n_trackers++;
    }

  if (tier->len == 0)
    return;

  /* Fisher-Yates. */
  for (guint i = tier->len - 1; i > 0; i--)
    {
      guint j = (guint) g_random_int_range (0, (gint32) i + 1);
      gpointer tmp = tier->pdata[i];

      tier->pdata[i] = tier->pdata[j];
      tier->pdata[j] = tmp;
    }

  g_ptr_array_add (self->tiers, g_steal_pointer (&tier));
  emit_changed (self);
}

/**
 * bt_announcer_add_tracker:
 * @url: an announce URL
 *
 * Adds @url as a tier of its own after the others, at any time (a tracker
 * the person added). When no tracker works at the moment, it is tried at
 * once; otherwise BEP 12 keeps it for when those before it fail.
 *
 * Returns: %FALSE when @url is there already, or the announcer is full
 */
gboolean
bt_announcer_add_tracker (BtAnnouncer *self,
                          const char  *url)
{
  const char *urls[] = { url, NULL };
  guint before;

  g_return_val_if_fail (BT_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  before = self->n_trackers;
  bt_announcer_add_tier (self, urls);
  if (self->n_trackers == before)
    return FALSE;
  if (self->running && !in_flight (self) && self->current == NULL)
    walk_start (self);
  return TRUE;
}

/**
 * bt_announcer_remove_tracker:
 * @url: an announce URL added before
 *
 * Forgets @url, at any time. When it was the tracker in use (or being
 * asked), the others are asked at once, as after a failure; nothing is
 * sent to it any more (not even "stopped": it is gone for the person).
 *
 * Returns: %FALSE when the announcer had no such tracker
 */
gboolean
bt_announcer_remove_tracker (BtAnnouncer *self,
                             const char  *url)
{
  Tracker *walking;
  gboolean was_walking;
  gboolean was_current;

  g_return_val_if_fail (BT_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  walking = in_flight (self) ? walk_tracker (self) : NULL;
  for (guint t = 0; t < self->tiers->len; t++)
    {
      GPtrArray *tier = g_ptr_array_index (self->tiers, t);

      for (guint u = 0; u < tier->len; u++)
        {
          Tracker *tracker = g_ptr_array_index (tier, u);

          if (!g_str_equal (tracker->url, url))
            continue;

          was_walking = tracker == walking;
          was_current = tracker == self->current;
          if (was_walking)
            cancel_in_flight (self);
          if (was_current)
            self->current = NULL;
          g_ptr_array_add (self->removed, g_ptr_array_steal_index (tier, u));
          self->n_trackers--;
          if (tier->len == 0)
            {
              g_ptr_array_remove_index (self->tiers, t);
              /* Trackers know their tier by number. */
              for (guint i = t; i < self->tiers->len; i++)
                {
                  GPtrArray *later = g_ptr_array_index (self->tiers, i);

                  for (guint k = 0; k < later->len; k++)
                    ((Tracker *) g_ptr_array_index (later, k))->tier = i;
                }
            }
          self->walk_tier = 0;
          self->walk_index = 0;
          if (self->n_trackers == 0)
            cancel_timer (self);
          else if ((was_walking || was_current) && self->running)
            walk_start (self); /* on to the others, as after a failure */
          emit_changed (self);
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * bt_announcer_set_timing:
 * @timing: (nullable): the new timing; %NULL restores the defaults
 *
 * Applies from the next announce on.
 */
void
bt_announcer_set_timing (BtAnnouncer             *self,
                         const BtAnnouncerTiming *timing)
{
  static const BtAnnouncerTiming none = { 0 };

  g_return_if_fail (BT_IS_ANNOUNCER (self));

  if (timing == NULL)
    timing = &none;
  self->timing.min_interval_ms = timing->min_interval_ms != 0
    ? timing->min_interval_ms : BT_ANNOUNCE_MIN_INTERVAL_S * 1000;
  self->timing.retry_first_ms = timing->retry_first_ms != 0
    ? timing->retry_first_ms : BT_ANNOUNCE_RETRY_FIRST_S * 1000;
  self->timing.retry_max_ms = timing->retry_max_ms != 0
    ? timing->retry_max_ms : BT_ANNOUNCE_RETRY_MAX_S * 1000;
  self->timing.stop_timeout_ms = timing->stop_timeout_ms != 0
    ? timing->stop_timeout_ms : BT_ANNOUNCE_STOP_TIMEOUT_MS;
}

/**
 * bt_announcer_set_stats:
 * @uploaded: payload bytes sent since the torrent started
 * @downloaded: verified payload bytes received since it started
 * @left: bytes still missing
 *
 * The torrent calls this whenever it likes (cheap); the numbers go out
 * with the next announce.
 */
void
bt_announcer_set_stats (BtAnnouncer *self,
                        guint64      uploaded,
                        guint64      downloaded,
                        guint64      left)
{
  g_return_if_fail (BT_IS_ANNOUNCER (self));

  self->uploaded = uploaded;
  self->downloaded = downloaded;
  self->left = left;
}

/**
 * bt_announcer_start:
 *
 * Announces "started" now, then re-announces at the tracker's interval
 * until bt_announcer_stop_async(). Does nothing when already running.
 */
void
bt_announcer_start (BtAnnouncer *self)
{
  g_return_if_fail (BT_IS_ANNOUNCER (self));

  if (self->running)
    return;

  self->running = TRUE;
  self->failed_walks = 0;
  walk_start (self);
}

/**
 * bt_announcer_complete:
 *
 * Reports "completed" once, when the download finishes while running: at
 * once if the trackers know we started, else right after "started".
 */
void
bt_announcer_complete (BtAnnouncer *self)
{
  g_return_if_fail (BT_IS_ANNOUNCER (self));

  if (self->completed_sent || self->completed_pending)
    return;

  self->completed_pending = TRUE;
  if (self->running && !in_flight (self) && self->last_success != 0)
    walk_start (self);
}

/**
 * bt_announcer_request_more_peers:
 *
 * Asks for an announce soon because the torrent is short of peers: now if
 * the last answer's "min interval" has passed, else when it does. Does not
 * shorten the wait after trackers failed.
 */
void
bt_announcer_request_more_peers (BtAnnouncer *self)
{
  gint64 earliest;
  gint64 now;

  g_return_if_fail (BT_IS_ANNOUNCER (self));

  if (!self->running || in_flight (self) || self->failed_walks > 0 || self->last_success == 0)
    return;

  now = g_get_monotonic_time ();
  earliest = self->last_success + (gint64) self->min_interval_ms * 1000;
  if (now >= earliest)
    walk_start (self);
  else if (self->next_announce == 0 || self->next_announce > earliest)
    schedule (self, (guint64) (earliest - now + 999) / 1000);
}

/**
 * bt_announcer_announce_now:
 *
 * A person asked for more peers: forgets the back-off of trackers that
 * failed and announces now, or, when the last answer's "min interval"
 * has not passed yet, as soon as it has (trackers turn away clients that
 * ask faster). Does nothing when not running.
 *
 * Returns: %TRUE when an announce is under way or planned
 */
gboolean
bt_announcer_announce_now (BtAnnouncer *self)
{
  gint64 now;
  gint64 earliest;

  g_return_val_if_fail (BT_IS_ANNOUNCER (self), FALSE);

  if (!self->running || self->n_trackers == 0)
    return FALSE;
  if (in_flight (self))
    return TRUE;

  for (guint t = 0; t < self->tiers->len; t++)
    {
      GPtrArray *tier = g_ptr_array_index (self->tiers, t);

      for (guint u = 0; u < tier->len; u++)
        ((Tracker *) g_ptr_array_index (tier, u))->retry_after = 0;
    }
  self->failed_walks = 0;

  now = g_get_monotonic_time ();
  earliest = self->last_success + (gint64) self->min_interval_ms * 1000;
  if (self->last_success != 0 && now < earliest)
    {
      if (self->next_announce == 0 || self->next_announce > earliest)
        {
          schedule (self, (guint64) (earliest - now + 999) / 1000);
          emit_changed (self);
        }
      return TRUE;
    }
  walk_start (self);
  return TRUE;
}

/**
 * bt_announcer_stop_async:
 * @cancellable: (nullable): gives up on telling the tracker
 *
 * Stops announcing and tells the tracker that last answered "stopped",
 * waiting at most the timing's stop_timeout_ms: best effort, for shutdown.
 * When no tracker heard "started" there is nothing to tell and the call
 * succeeds at once. bt_announcer_start() may be called again afterwards.
 */
void
bt_announcer_stop_async (BtAnnouncer         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  BtAnnounceRequest request;
  Tracker *tracker = NULL;
  StopData *data;

  g_return_if_fail (BT_IS_ANNOUNCER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_announcer_stop_async);
  g_task_set_name (task, "[bt-announcer] stop");

  if (self->running && self->current != NULL && self->current->started)
    tracker = self->current;

  self->running = FALSE;
  cancel_in_flight (self);
  cancel_timer (self);
  self->last_success = 0;
  self->failed_walks = 0;
  for (guint t = 0; t < self->tiers->len; t++)
    {
      GPtrArray *tier = g_ptr_array_index (self->tiers, t);

      for (guint u = 0; u < tier->len; u++)
        ((Tracker *) g_ptr_array_index (tier, u))->started = FALSE;
    }
  emit_changed (self);

  if (tracker == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  data = g_new0 (StopData, 1);
  data->tracker = tracker;
  data->cancellable = g_cancellable_new ();
  data->timeout_ms = self->timing.stop_timeout_ms;
  g_task_set_task_data (task, data, stop_data_free);
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                         G_CALLBACK (caller_cancelled_cb),
                                                         g_object_ref (data->cancellable),
                                                         g_object_unref);
    }
  data->timeout = g_timeout_source_new (data->timeout_ms);
  g_source_set_name (data->timeout, "[bt-announcer] stop timeout");
  g_source_set_callback (data->timeout, stop_timeout_cb, data, NULL);
  g_source_attach (data->timeout, g_task_get_context (task));

  fill_request (self, &request, tracker, BT_ANNOUNCE_EVENT_STOPPED);
  tracker->state = BT_TRACKER_STATE_ANNOUNCING;
  g_debug ("Announcing “stopped” to %s", tracker->url);
  bt_tracker_announce_async (tracker->url, &request, self->session, data->cancellable,
                             stop_cb, g_steal_pointer (&task));
}

/**
 * bt_announcer_stop_finish:
 *
 * Returns: %TRUE when the tracker acknowledged "stopped" or none needed to
 *   hear it; %FALSE with @error set otherwise (the announcer is stopped
 *   either way)
 */
gboolean
bt_announcer_stop_finish (BtAnnouncer   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (BT_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_announcer_stop_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bt_announcer_scrape_async:
 * @cancellable: (nullable): stops the request with %G_IO_ERROR_CANCELLED
 *
 * Scrapes the tracker that last answered (or the first one), and records
 * its counts in its #BtTrackerStatus. @callback runs on the announcer's
 * context.
 */
void
bt_announcer_scrape_async (BtAnnouncer         *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Tracker *tracker;

  g_return_if_fail (BT_IS_ANNOUNCER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_announcer_scrape_async);
  g_task_set_name (task, "[bt-announcer] scrape");

  tracker = self->current != NULL ? self->current : first_tracker (self);
  if (tracker == NULL)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED,
                               "This torrent has no trackers to ask");
      return;
    }

  g_task_set_task_data (task, tracker, NULL);
  bt_tracker_scrape_async (tracker->url, self->info_hash, self->session, cancellable,
                           scrape_cb, g_steal_pointer (&task));
}

/**
 * bt_announcer_scrape_finish:
 * @out_result: (out): the counts, filled on success
 *
 * Returns: %TRUE on success, or %FALSE with @error set
 */
gboolean
bt_announcer_scrape_finish (BtAnnouncer     *self,
                            GAsyncResult    *result,
                            BtScrapeResult  *out_result,
                            GError         **error)
{
  g_autofree BtScrapeResult *scrape = NULL;

  g_return_val_if_fail (BT_IS_ANNOUNCER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  scrape = g_task_propagate_pointer (G_TASK (result), error);
  if (scrape == NULL)
    return FALSE;
  *out_result = *scrape;
  return TRUE;
}

gboolean
bt_announcer_is_running (BtAnnouncer *self)
{
  g_return_val_if_fail (BT_IS_ANNOUNCER (self), FALSE);

  return self->running;
}

/**
 * bt_tracker_status_clear:
 *
 * Frees what @status holds; the clear function of
 * bt_announcer_get_trackers()'s array.
 */
void
bt_tracker_status_clear (BtTrackerStatus *status)
{
  g_return_if_fail (status != NULL);

  g_clear_pointer (&status->url, g_free);
  g_clear_pointer (&status->last_error, g_free);
  g_clear_pointer (&status->warning, g_free);
}

/**
 * bt_announcer_get_trackers:
 *
 * Returns: (transfer full) (element-type BtTrackerStatus): a snapshot of
 *   every tracker, tier by tier, each tier in the order it is tried
 */
GArray *
bt_announcer_get_trackers (BtAnnouncer *self)
{
  GArray *array;
  Tracker *next;

  g_return_val_if_fail (BT_IS_ANNOUNCER (self), NULL);

  array = g_array_sized_new (FALSE, TRUE, sizeof (BtTrackerStatus), self->n_trackers);
  g_array_set_clear_func (array, (GDestroyNotify) bt_tracker_status_clear);

  /* The next walk starts at the first tracker; show the time against the
   * one expected to answer. */
  next = self->current != NULL ? self->current : first_tracker (self);

  for (guint t = 0; t < self->tiers->len; t++)
    {
      GPtrArray *tier = g_ptr_array_index (self->tiers, t);

      for (guint u = 0; u < tier->len; u++)
        {
          Tracker *tracker = g_ptr_array_index (tier, u);
          BtTrackerStatus status = {
            .url = g_strdup (tracker->url),
            .tier = tracker->tier,
            .state = tracker->state,
            .last_announce = tracker->last_announce,
            .next_announce = tracker == next ? self->next_announce_real : 0,
            .last_error = g_strdup (tracker->last_error),
            .warning = g_strdup (tracker->warning),
            .seeders = tracker->seeders,
            .leechers = tracker->leechers,
            .downloaded = tracker->downloaded,
          };

          g_array_append_val (array, status);
        }
    }

  return array;
}

/**
 * bt_announcer_set_port:
 *
 * The listening port to announce from the next announce on.
 */
void
bt_announcer_set_port (BtAnnouncer *self,
                       guint16      port)
{
  g_return_if_fail (BT_IS_ANNOUNCER (self));
  self->port = port;
}
