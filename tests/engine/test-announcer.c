/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-announcer.h"
#include "bt-error.h"
#include "bt-fake-tracker.h"
#include "bt-test-util.h"
#include "bt-tracker-http.h"
#include "bt-tracker-udp.h"

/* Trackers on loopback need no proxy; without a proxy resolver the
 * session also skips GIO's proxy module loading, whose process-lifetime
 * allocations LeakSanitizer reports. */
static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

static const guint8 info_hash[20] = "01234567890123456789";
static const guint8 peer_id[20] = "-BT0100-abcdefghijkl";

static const char good_reply[] =
  "d8:completei2e10:incompletei5e8:intervali1800e5:peers6:\x0a\x00\x00\x01\x1a\xe1" "e";

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @cond holds; fails the test after 10 s. */
#define WAIT_FOR(cond) \
  G_STMT_START { \
    gint64 deadline_ = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; \
    guint wake_ = g_timeout_add (10, wake_cb, NULL); \
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > deadline_) \
          g_error ("Timed out waiting for " #cond); \
        g_main_context_iteration (NULL, TRUE); \
      } \
    g_source_remove (wake_); \
  } G_STMT_END

/* Runs the main loop for @ms, to show that nothing happens meanwhile. */
static void
run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  WAIT_FOR (g_get_monotonic_time () >= end);
}

typedef struct
{
  BtAnnouncer       *announcer;
  SoupSession       *session;
  BtFakeHttpTracker *good;
  BtFakeHttpTracker *bad;
  char              *good_url;
  char              *bad_url;
  GSocket           *closed;      /* holds a port nothing listens on */
  char              *dead_url;
  guint              peers_found;
  guint              last_n_peers;
  guint              changes;
} Fixture;

static void
peers_found_cb (BtAnnouncer *announcer,
                GPtrArray   *peers,
                gpointer     user_data)
{
  Fixture *fixture = user_data;

  fixture->peers_found++;
  fixture->last_n_peers = peers->len;
}

static void
trackers_changed_cb (BtAnnouncer *announcer,
                     gpointer     user_data)
{
  Fixture *fixture = user_data;

  fixture->changes++;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  fixture->session = new_session ();
  fixture->good = bt_fake_http_tracker_new ();
  fixture->bad = bt_fake_http_tracker_new ();
  fixture->good_url = bt_fake_http_tracker_get_url (fixture->good, "/announce");
  fixture->bad_url = bt_fake_http_tracker_get_url (fixture->bad, "/announce");
  bt_fake_http_tracker_reply (fixture->good, 200, good_reply, sizeof good_reply - 1);

  fixture->closed = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (fixture->closed, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (fixture->closed, &error);
  g_assert_no_error (error);
  fixture->dead_url = g_strdup_printf ("http://127.0.0.1:%u/announce",
                                       g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  fixture->announcer = bt_announcer_new (info_hash, peer_id, 6881, fixture->session);
  g_signal_connect (fixture->announcer, "peers-found", G_CALLBACK (peers_found_cb), fixture);
  g_signal_connect (fixture->announcer, "trackers-changed",
                    G_CALLBACK (trackers_changed_cb), fixture);
  bt_announcer_set_stats (fixture->announcer, 0, 0, 1000);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->announcer);
  bt_tracker_http_set_timeout (0);
  bt_tracker_udp_set_base_timeout (0);
  g_object_unref (fixture->closed);
  g_free (fixture->dead_url);
  g_free (fixture->good_url);
  g_free (fixture->bad_url);
  bt_fake_http_tracker_free (fixture->good);
  bt_fake_http_tracker_free (fixture->bad);
  g_object_unref (fixture->session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Replaces the good tracker by one with an empty script. */
static void
reset_good (Fixture *fixture)
{
  bt_fake_http_tracker_free (fixture->good);
  fixture->good = bt_fake_http_tracker_new ();
  g_free (fixture->good_url);
  fixture->good_url = bt_fake_http_tracker_get_url (fixture->good, "/announce");
}

static void
add_tier (Fixture    *fixture,
          const char *first,
          ...)
{
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  va_list args;

  va_start (args, first);
  for (const char *url = first; url != NULL; url = va_arg (args, const char *))
    g_ptr_array_add (urls, (gpointer) url);
  va_end (args);
  g_ptr_array_add (urls, NULL);
  bt_announcer_add_tier (fixture->announcer, (const char * const *) urls->pdata);
}

static char *
event_of (BtFakeHttpTracker *tracker,
          guint              index)
{
  return bt_fake_tracker_query_get (bt_fake_http_tracker_get_request (tracker, index), "event");
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static gboolean
stop (BtAnnouncer  *announcer,
      GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_announcer_stop_async (announcer, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return bt_announcer_stop_finish (announcer, result, error);
}

static const BtTrackerStatus *
find_status (GArray     *trackers,
             const char *url)
{
  for (guint i = 0; i < trackers->len; i++)
    if (g_str_equal (g_array_index (trackers, BtTrackerStatus, i).url, url))
      return &g_array_index (trackers, BtTrackerStatus, i);
  g_error ("No tracker %s", url);
}

static BtTrackerState
tracker_state (Fixture    *fixture,
               const char *url)
{
  g_autoptr(GArray) trackers = bt_announcer_get_trackers (fixture->announcer);

  return find_status (trackers, url)->state;
}

static void
test_failover_dead (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GArray) trackers = NULL;
  g_autofree char *event = NULL;
  const BtTrackerStatus *dead;
  const BtTrackerStatus *good;

  add_tier (fixture, fixture->dead_url, NULL);
  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_start (fixture->announcer);
  g_assert_true (bt_announcer_is_running (fixture->announcer));
  WAIT_FOR (fixture->peers_found > 0);

  g_assert_cmpuint (fixture->last_n_peers, ==, 1);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 1);
  event = event_of (fixture->good, 0);
  g_assert_cmpstr (event, ==, "started");

  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_cmpuint (trackers->len, ==, 2);
  dead = find_status (trackers, fixture->dead_url);
  good = find_status (trackers, fixture->good_url);
  g_assert_cmpuint (dead->tier, ==, 0);
  g_assert_cmpint (dead->state, ==, BT_TRACKER_STATE_ERROR);
  g_assert_nonnull (dead->last_error);
  g_assert_cmpint (dead->last_announce, >, 0);
  g_assert_cmpuint (good->tier, ==, 1);
  g_assert_cmpint (good->state, ==, BT_TRACKER_STATE_WORKING);
  g_assert_null (good->last_error);
  g_assert_cmpint (good->seeders, ==, 2);
  g_assert_cmpint (good->leechers, ==, 5);
  g_assert_cmpint (good->next_announce, >, good->last_announce);
  g_assert_cmpuint (fixture->changes, >, 0);
}

static void
test_failover_hang (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GArray) trackers = NULL;
  gint64 start;

  bt_tracker_http_set_timeout (200);
  bt_fake_http_tracker_reply_hang (fixture->bad);
  add_tier (fixture, fixture->bad_url, NULL);
  add_tier (fixture, fixture->good_url, NULL);

  start = g_get_monotonic_time ();
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (fixture->peers_found > 0);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);

  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_cmpint (find_status (trackers, fixture->bad_url)->state, ==, BT_TRACKER_STATE_ERROR);
  g_assert_cmpint (find_status (trackers, fixture->good_url)->state, ==, BT_TRACKER_STATE_WORKING);
}

/* A tier that failed is skipped while it backs off: the next announce (here
 * "completed") goes straight to the tracker that works instead of waiting
 * for the dead one to time out again. */
static void
test_skip_backed_off (Fixture       *fixture,
                      gconstpointer  data)
{
  BtAnnouncerTiming timing = { .min_interval_ms = 50, .retry_first_ms = 60000 };
  g_autofree char *event = NULL;
  gint64 start;

  bt_tracker_http_set_timeout (300);
  bt_announcer_set_timing (fixture->announcer, &timing);
  bt_fake_http_tracker_reply_hang (fixture->bad);
  add_tier (fixture, fixture->bad_url, NULL);
  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (fixture->peers_found == 1);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), ==, 1);

  start = g_get_monotonic_time ();
  bt_announcer_set_stats (fixture->announcer, 0, 1000, 0);
  bt_announcer_complete (fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 2);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 300 * 1000);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), ==, 1);
  event = event_of (fixture->good, 1);
  g_assert_cmpstr (event, ==, "completed");
}

static void
test_promote (Fixture       *fixture,
              gconstpointer  data)
{
  BtAnnouncerTiming timing = { .min_interval_ms = 50 };

  /* One tier: the shuffle decides whether the refusing tracker is tried
   * first; either way the one that answered ends up in front and takes
   * the next announce alone. Several announcers, so that the refusing
   * tracker is shuffled first at least once but for a 1 in 256 chance. */
  bt_fake_http_tracker_reply (fixture->bad, 200, "d14:failure reason4:nopee", -1);
  for (guint round = 0; round < 8; round++)
    {
      g_autoptr(BtAnnouncer) announcer = bt_announcer_new (info_hash, peer_id, 6881,
                                                           fixture->session);
      g_autoptr(GArray) trackers = NULL;
      const char * const tier[] = { fixture->bad_url, fixture->good_url, NULL };
      guint good_requests = bt_fake_http_tracker_get_n_requests (fixture->good);
      guint bad_requests;

      g_signal_connect (announcer, "peers-found", G_CALLBACK (peers_found_cb), fixture);
      bt_announcer_set_timing (announcer, &timing);
      bt_announcer_add_tier (announcer, tier);
      fixture->peers_found = 0;
      bt_announcer_start (announcer);
      WAIT_FOR (fixture->peers_found == 1);

      trackers = bt_announcer_get_trackers (announcer);
      g_assert_cmpuint (trackers->len, ==, 2);
      g_assert_cmpstr (g_array_index (trackers, BtTrackerStatus, 0).url, ==, fixture->good_url);
      g_assert_cmpuint (g_array_index (trackers, BtTrackerStatus, 1).tier, ==, 0);
      bad_requests = bt_fake_http_tracker_get_n_requests (fixture->bad);

      bt_announcer_request_more_peers (announcer);
      WAIT_FOR (fixture->peers_found == 2);
      g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, good_requests + 2);
      g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), ==, bad_requests);
    }
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), >, 0);
}

static void
test_events (Fixture       *fixture,
             gconstpointer  data)
{
  BtAnnouncerTiming timing = { .min_interval_ms = 50 };
  g_autoptr(GError) error = NULL;
  g_autofree char *e0 = NULL;
  g_autofree char *e1 = NULL;
  g_autofree char *e2 = NULL;
  g_autofree char *e3 = NULL;
  g_autofree char *left = NULL;
  g_autofree char *numwant = NULL;

  bt_announcer_set_timing (fixture->announcer, &timing);
  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (fixture->peers_found == 1);

  bt_announcer_set_stats (fixture->announcer, 10, 1000, 0);
  bt_announcer_complete (fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 2);
  WAIT_FOR (fixture->peers_found == 2);

  /* "completed" is sent once. */
  bt_announcer_complete (fixture->announcer);
  run_for (100);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 2);

  bt_announcer_request_more_peers (fixture->announcer);
  WAIT_FOR (fixture->peers_found == 3);

  g_assert_true (stop (fixture->announcer, &error));
  g_assert_no_error (error);
  g_assert_false (bt_announcer_is_running (fixture->announcer));
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 4);

  e0 = event_of (fixture->good, 0);
  e1 = event_of (fixture->good, 1);
  e2 = event_of (fixture->good, 2);
  e3 = event_of (fixture->good, 3);
  g_assert_cmpstr (e0, ==, "started");
  g_assert_cmpstr (e1, ==, "completed");
  g_assert_null (e2);
  g_assert_cmpstr (e3, ==, "stopped");
  left = bt_fake_tracker_query_get (bt_fake_http_tracker_get_request (fixture->good, 1), "left");
  g_assert_cmpstr (left, ==, "0");
  numwant = bt_fake_tracker_query_get (bt_fake_http_tracker_get_request (fixture->good, 3),
                                       "numwant");
  g_assert_cmpstr (numwant, ==, "0");

  /* Stopped twice: nothing more to tell. */
  g_assert_true (stop (fixture->announcer, &error));
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 4);
}

static void
test_complete_early (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *e0 = NULL;
  g_autofree char *e1 = NULL;

  /* Completed before any tracker heard "started": started goes first, then
   * completed at once. */
  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_complete (fixture->announcer);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 2);
  e0 = event_of (fixture->good, 0);
  e1 = event_of (fixture->good, 1);
  g_assert_cmpstr (e0, ==, "started");
  g_assert_cmpstr (e1, ==, "completed");
}

static void
test_min_interval (Fixture       *fixture,
                   gconstpointer  data)
{
  BtAnnouncerTiming timing = { .min_interval_ms = 300 };
  gint64 first;

  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_set_timing (fixture->announcer, &timing);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (fixture->peers_found == 1);
  first = g_get_monotonic_time ();

  /* Asking early is remembered but waits for the minimum interval. */
  bt_announcer_request_more_peers (fixture->announcer);
  bt_announcer_request_more_peers (fixture->announcer);
  WAIT_FOR (fixture->peers_found == 2);
  g_assert_cmpint (g_get_monotonic_time () - first, >=, 280 * 1000);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 2);
}

static void
test_interval (Fixture       *fixture,
               gconstpointer  data)
{
  BtAnnouncerTiming timing = { .min_interval_ms = 100 };
  static const char reply[] = "d8:intervali1e12:min intervali1e5:peers0:10:tracker id2:t1e";
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  gint64 first;

  /* The tracker's interval drives re-announces (here 1 s, the floor being
   * lower). No peers: no signal. */
  reset_good (fixture);
  bt_fake_http_tracker_reply (fixture->good, 200, reply, sizeof reply - 1);

  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_set_timing (fixture->announcer, &timing);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 1);
  first = g_get_monotonic_time ();
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 2);
  g_assert_cmpint (g_get_monotonic_time () - first, >=, 900 * 1000);
  g_assert_cmpuint (fixture->peers_found, ==, 0);

  /* The tracker id it gave comes back in the next announce. */
  first_id = bt_fake_tracker_query_get (bt_fake_http_tracker_get_request (fixture->good, 0),
                                        "trackerid");
  second_id = bt_fake_tracker_query_get (bt_fake_http_tracker_get_request (fixture->good, 1),
                                         "trackerid");
  g_assert_null (first_id);
  g_assert_cmpstr (second_id, ==, "t1");
}

/* A person's "ask for more peers": at once after a failure (the back-off
 * is forgotten), and after a success as soon as the minimum interval
 * allows, never earlier. Not while stopped. */
static void
test_announce_now (Fixture       *fixture,
                   gconstpointer  data)
{
  BtAnnouncerTiming timing = { .min_interval_ms = 400, .retry_first_ms = 60000,
                               .retry_max_ms = 60000 };
  gint64 asked;

  g_assert_false (bt_announcer_announce_now (fixture->announcer));

  /* The tracker fails first: the next try would be a minute away. */
  bt_fake_http_tracker_reply (fixture->bad, 200, "d14:failure reason4:nopee", -1);
  add_tier (fixture, fixture->bad_url, NULL);
  bt_announcer_set_timing (fixture->announcer, &timing);
  g_assert_false (bt_announcer_announce_now (fixture->announcer));
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (tracker_state (fixture, fixture->bad_url) == BT_TRACKER_STATE_ERROR);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), ==, 1);

  /* Now it answers; asked by hand, we try it at once. */
  bt_fake_http_tracker_reply (fixture->bad, 200, good_reply, sizeof good_reply - 1);
  asked = g_get_monotonic_time ();
  g_assert_true (bt_announcer_announce_now (fixture->announcer));
  WAIT_FOR (fixture->peers_found == 1);
  g_assert_cmpint (g_get_monotonic_time () - asked, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), ==, 2);

  /* Right after a success, the minimum interval holds (the tracker's
   * interval, 1800 s, does not). */
  asked = g_get_monotonic_time ();
  g_assert_true (bt_announcer_announce_now (fixture->announcer));
  g_assert_true (bt_announcer_announce_now (fixture->announcer));
  WAIT_FOR (fixture->peers_found == 2);
  g_assert_cmpint (g_get_monotonic_time () - asked, >=, 350 * 1000);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), ==, 3);
}

static void
test_backoff (Fixture       *fixture,
              gconstpointer  data)
{
  BtAnnouncerTiming timing = { .retry_first_ms = 50, .retry_max_ms = 100 };
  g_autoptr(GArray) trackers = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Every tracker refuses: the whole list is retried after 50, 100, 100 ms. */
  bt_fake_http_tracker_reply (fixture->bad, 200, "d14:failure reason4:nopee", -1);
  bt_announcer_set_timing (fixture->announcer, &timing);
  add_tier (fixture, fixture->bad_url, fixture->dead_url, NULL);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->bad) == 4
            && tracker_state (fixture, fixture->bad_url) == BT_TRACKER_STATE_ERROR
            && tracker_state (fixture, fixture->dead_url) == BT_TRACKER_STATE_ERROR);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * 1000);

  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_cmpint (find_status (trackers, fixture->bad_url)->state, ==, BT_TRACKER_STATE_ERROR);
  g_assert_nonnull (strstr (find_status (trackers, fixture->bad_url)->last_error, "nope"));
  g_assert_cmpuint (fixture->peers_found, ==, 0);

  /* After failures, asking for peers does not shorten the backoff. */
  bt_announcer_request_more_peers (fixture->announcer);
}

static void
test_stop (Fixture       *fixture,
           gconstpointer  data)
{
  BtAnnouncerTiming timing = { .stop_timeout_ms = 200 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) trackers = NULL;
  gint64 start;

  /* Never started: nothing to tell, done at once. */
  add_tier (fixture, fixture->good_url, NULL);
  g_assert_true (stop (fixture->announcer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 0);

  /* A tracker that hangs on "stopped" holds up shutdown at most the stop
   * time-out. */
  bt_fake_http_tracker_reply_hang (fixture->good);
  bt_announcer_set_timing (fixture->announcer, &timing);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (fixture->peers_found == 1);
  start = g_get_monotonic_time ();
  g_assert_false (stop (fixture->announcer, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 2);

  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_nonnull (g_array_index (trackers, BtTrackerStatus, 0).last_error);
}

static void
test_stop_in_flight (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Stopping while "started" is still unanswered cancels it, and no
   * tracker heard us, so there is no "stopped" to send. */
  reset_good (fixture);
  bt_fake_http_tracker_reply_hang (fixture->good);
  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 1);
  g_assert_true (stop (fixture->announcer, &error));
  g_assert_no_error (error);
  run_for (50);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 1);
  g_assert_cmpuint (fixture->peers_found, ==, 0);

  /* Dropping an announcer with a request in flight is fine too. */
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 2);
  g_clear_object (&fixture->announcer);
  run_for (50);
}

static void
test_scrape (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) trackers = NULL;
  BtScrapeResult counts;
  gboolean ok;
  static const char reply[] =
    "d5:filesd20:01234567890123456789d8:completei7e10:downloadedi8e10:incompletei9eeee";

  reset_good (fixture);
  bt_fake_http_tracker_reply (fixture->good, 200, reply, sizeof reply - 1);
  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_scrape_async (fixture->announcer, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ok = bt_announcer_scrape_finish (fixture->announcer, result, &counts, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (counts.complete, ==, 7);

  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_cmpint (g_array_index (trackers, BtTrackerStatus, 0).seeders, ==, 7);
  g_assert_cmpint (g_array_index (trackers, BtTrackerStatus, 0).leechers, ==, 9);
  g_assert_cmpint (g_array_index (trackers, BtTrackerStatus, 0).downloaded, ==, 8);
}

static void
test_udp (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(BtFakeUdpTracker) udp = bt_fake_udp_tracker_new ();
  g_autofree char *udp_url = bt_fake_udp_tracker_get_url (udp);
  g_autoptr(GError) error = NULL;

  /* A dead HTTP tracker and an unsupported scheme in the first tier, a UDP
   * tracker in the second, and a duplicate that is skipped. */
  bt_tracker_udp_forget_connections ();
  bt_fake_udp_tracker_set_answer (udp, 1800, 1, 1, 0,
                                  (const guint8 *) "\x0a\x00\x00\x02\x1a\xe2", 6);
  add_tier (fixture, fixture->dead_url, "wss://tracker.example/announce", NULL);
  add_tier (fixture, udp_url, fixture->dead_url, NULL);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (fixture->peers_found == 1);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (udp), ==, 1);
  g_assert_cmpuint (bt_fake_udp_tracker_get_last_announce (udp)->event, ==, 2);
  g_assert_cmpuint (bt_fake_udp_tracker_get_last_announce (udp)->left, ==, 1000);

  {
    g_autoptr(GArray) trackers = bt_announcer_get_trackers (fixture->announcer);

    g_assert_cmpuint (trackers->len, ==, 3);
    g_assert_nonnull (find_status (trackers, "wss://tracker.example/announce")->last_error);
  }

  g_assert_true (stop (fixture->announcer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (udp), ==, 2);
  g_assert_cmpuint (bt_fake_udp_tracker_get_last_announce (udp)->event, ==, 3);
  g_assert_cmpint (bt_fake_udp_tracker_get_last_announce (udp)->num_want, ==, 0);
}

/* The person edits the list while it runs: a tracker added when none
 * works is asked at once; one added while another works waits its turn
 * (BEP 12); removing the one in use, or the one being asked, moves on to
 * the others at once. */
static void
test_edit (Fixture       *fixture,
           gconstpointer  data)
{
  BtAnnouncerTiming timing = { .retry_first_ms = 60000, .retry_max_ms = 60000 };
  g_autoptr(GArray) trackers = NULL;

  bt_announcer_set_timing (fixture->announcer, &timing);
  add_tier (fixture, fixture->dead_url, NULL);
  bt_announcer_start (fixture->announcer);
  WAIT_FOR (tracker_state (fixture, fixture->dead_url) == BT_TRACKER_STATE_ERROR);

  /* The next try would be a minute away; the new tracker is asked now. */
  g_assert_true (bt_announcer_add_tracker (fixture->announcer, fixture->good_url));
  g_assert_false (bt_announcer_add_tracker (fixture->announcer, fixture->good_url));
  WAIT_FOR (fixture->peers_found == 1);

  /* Another one, after the working one: not asked. */
  bt_fake_http_tracker_reply_hang (fixture->bad);
  g_assert_true (bt_announcer_add_tracker (fixture->announcer, fixture->bad_url));
  run_for (300);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->bad), ==, 0);
  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_cmpuint (trackers->len, ==, 3);
  g_assert_cmpuint (find_status (trackers, fixture->bad_url)->tier, ==, 2);
  g_clear_pointer (&trackers, g_array_unref);

  /* The working one goes: the walk moves on (the dead one backs off, so
   * the hanging one is asked). */
  g_assert_true (bt_announcer_remove_tracker (fixture->announcer, fixture->good_url));
  g_assert_false (bt_announcer_remove_tracker (fixture->announcer, fixture->good_url));
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->bad) == 1);
  g_assert_cmpint (tracker_state (fixture, fixture->bad_url), ==, BT_TRACKER_STATE_ANNOUNCING);

  /* It goes too, mid-announce: tiers renumber, nothing dangles. */
  g_assert_true (bt_announcer_remove_tracker (fixture->announcer, fixture->bad_url));
  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_cmpuint (trackers->len, ==, 1);
  g_assert_cmpstr (g_array_index (trackers, BtTrackerStatus, 0).url, ==, fixture->dead_url);
  g_assert_cmpuint (g_array_index (trackers, BtTrackerStatus, 0).tier, ==, 0);
  g_assert_true (bt_announcer_remove_tracker (fixture->announcer, fixture->dead_url));
  g_clear_pointer (&trackers, g_array_unref);
  trackers = bt_announcer_get_trackers (fixture->announcer);
  g_assert_cmpuint (trackers->len, ==, 0);
  run_for (300);
  g_assert_cmpuint (fixture->peers_found, ==, 1);
}

/* Announcers sharing a session's pacer start one turn at a time, and one
 * that goes away while it waits never sends its announce. */
static void
test_paced (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(BtTrackerPacer) pacer = bt_tracker_pacer_new (5, 1);
  BtAnnouncer *others[3];
  gint64 started = g_get_monotonic_time ();

  add_tier (fixture, fixture->good_url, NULL);
  bt_announcer_set_pacer (fixture->announcer, pacer);
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      const char *urls[] = { fixture->good_url, NULL };

      others[i] = bt_announcer_new (info_hash, peer_id, (guint16) (6882 + i), fixture->session);
      bt_announcer_add_tier (others[i], urls);
      bt_announcer_set_pacer (others[i], pacer);
    }

  /* The burst of one goes at once; the others wait, shown as announcing. */
  bt_announcer_start (fixture->announcer);
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    bt_announcer_start (others[i]);
  g_assert_cmpuint (bt_tracker_pacer_get_n_waiting (pacer), ==, 3);
  g_assert_cmpint (tracker_state (fixture, fixture->good_url), ==, BT_TRACKER_STATE_ANNOUNCING);
  {
    g_autoptr(GArray) trackers = bt_announcer_get_trackers (others[2]);

    g_assert_cmpint (find_status (trackers, fixture->good_url)->state, ==,
                     BT_TRACKER_STATE_ANNOUNCING);
  }
  WAIT_FOR (fixture->peers_found == 1);

  /* The last in line leaves: its turn is given up, not taken. */
  g_clear_object (&others[2]);
  g_assert_cmpuint (bt_tracker_pacer_get_n_waiting (pacer), <=, 2);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) == 3);
  /* Two turns at five a second. */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 300 * 1000);
  run_for (600);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->good), ==, 3);
  g_assert_cmpuint (bt_tracker_pacer_get_n_waiting (pacer), ==, 0);
  for (guint i = 0; i < 2; i++)
    g_object_unref (others[i]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD_TEST(name, func) \
  g_test_add ("/engine/announcer/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD_TEST ("failover-dead", test_failover_dead);
  ADD_TEST ("failover-hang", test_failover_hang);
  ADD_TEST ("promote", test_promote);
  ADD_TEST ("skip-backed-off", test_skip_backed_off);
  ADD_TEST ("events", test_events);
  ADD_TEST ("complete-early", test_complete_early);
  ADD_TEST ("min-interval", test_min_interval);
  ADD_TEST ("interval", test_interval);
  ADD_TEST ("backoff", test_backoff);
  ADD_TEST ("announce-now", test_announce_now);
  ADD_TEST ("stop", test_stop);
  ADD_TEST ("stop-in-flight", test_stop_in_flight);
  ADD_TEST ("scrape", test_scrape);
  ADD_TEST ("udp", test_udp);
  ADD_TEST ("paced", test_paced);
  ADD_TEST ("edit", test_edit);
#undef ADD_TEST

  return g_test_run ();
}
