/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Hostile and broken trackers in front of a good one (BEP 12 tiers): a
 * tracker that hangs, answers garbage, answers with a huge body (with and
 * without a Content-Length), drips its answer forever, redirects in a
 * loop, or (UDP) never answers or answers junk. Each must be timed out or
 * capped with an error a person can read, the next tier must still give
 * the torrent its peers, and the hostile tracker must be retried later,
 * with a back-off, not on every announce.
 */
#include "config.h"

#include <string.h>

#include "bt-announcer.h"
#include "bt-error.h"
#include "bt-fake-tracker.h"
#include "bt-limits.h"
#include "bt-test-util.h"
#include "bt-tracker-http.h"
#include "bt-tracker-udp.h"

/* Shorter than the real time-outs, so the suite stays fast; the real
 * values are only constants. */
#define HTTP_TIMEOUT_MS 300
#define UDP_BASE_TIMEOUT_MS 40
/* The hostile tracker's back-off after its first failure: long against
 * the good tracker's 50 ms re-announce interval. */
#define RETRY_FIRST_MS 600

typedef enum
{
  HOSTILE_HANG,
  HOSTILE_GARBAGE,
  HOSTILE_HUGE,
  HOSTILE_ENDLESS,
  HOSTILE_DRIP,
  HOSTILE_REDIRECT_LOOP,
  HOSTILE_UDP_SILENT,
  HOSTILE_UDP_JUNK,
} HostileKind;

typedef struct
{
  const char  *path;
  HostileKind  kind;
  const char  *error_part; /* in the error the tracker is shown with */
} Case;

static const Case cases[] = {
  { "/engine/tracker-hostile/hang", HOSTILE_HANG, "did not answer" },
  { "/engine/tracker-hostile/garbage", HOSTILE_GARBAGE, "not a tracker reply" },
  { "/engine/tracker-hostile/huge", HOSTILE_HUGE, "larger than" },
  { "/engine/tracker-hostile/endless", HOSTILE_ENDLESS, "larger than" },
  { "/engine/tracker-hostile/drip", HOSTILE_DRIP, "did not answer" },
  { "/engine/tracker-hostile/redirect-loop", HOSTILE_REDIRECT_LOOP, "redirected more than" },
  { "/engine/tracker-hostile/udp-silent", HOSTILE_UDP_SILENT, "did not answer" },
  { "/engine/tracker-hostile/udp-junk", HOSTILE_UDP_JUNK, "did not answer" },
};

static const guint8 info_hash[20] = "hostile-trackers-ih!";
static const guint8 peer_id[20] = "-BT0100-hostiletrack";

/* One peer. The test asks for more peers every 60 ms, so the good
 * tracker is asked again about that often (the minimum interval is 50). */
static const char good_reply[] =
  "d8:completei1e10:incompletei1e8:intervali1800e5:peers6:\x0a\x00\x00\x02\x1a\xe1" "e";

typedef struct
{
  SoupSession       *session;
  BtAnnouncer       *announcer;
  BtFakeHttpTracker *good;
  BtFakeHttpTracker *bad;
  GSocket           *udp;        /* a hostile UDP "tracker" */
  GSource           *udp_source;
  gboolean           udp_junk;
  guint              udp_datagrams;
  char              *good_url;
  char              *bad_url;
  guint              peers_found;
  guint              last_n_peers;
} Fixture;

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

/* Every datagram counted; junk sent back to its sender when asked: 12
 * bytes with a made-up action, too short for any real reply. */
static gboolean
udp_readable_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  Fixture *fixture = user_data;
  guint8 buffer[2048];
  g_autoptr(GSocketAddress) from = NULL;
  gssize n;

  while ((n = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer,
                                     NULL, NULL)) >= 0)
    {
      static const guint8 junk[12] = { 0, 0, 0, 9, 'j', 'u', 'n', 'k', 0xff, 0, 0, 1 };
      guint8 reply[16];

      fixture->udp_datagrams++;
      if (fixture->udp_junk && from != NULL)
        {
          g_socket_send_to (socket, from, (const char *) junk, sizeof junk, NULL, NULL);
          /* And a well-formed error with the wrong transaction id. */
          memcpy (reply, "\0\0\0\3", 4);
          memcpy (reply + 4, n >= 16 ? buffer + 12 : buffer, 4);
          reply[4] ^= 0xff;
          memcpy (reply + 8, "bad!", 4);
          g_socket_send_to (socket, from, (const char *) reply, 12, NULL, NULL);
        }
      g_clear_object (&from);
    }
  return G_SOURCE_CONTINUE;
}

static char *
start_udp (Fixture  *fixture,
           gboolean  junk)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  fixture->udp_junk = junk;
  fixture->udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (fixture->udp, FALSE);
  g_socket_bind (fixture->udp, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (fixture->udp, &error);
  g_assert_no_error (error);
  fixture->udp_source = g_socket_create_source (fixture->udp, G_IO_IN, NULL);
  g_source_set_callback (fixture->udp_source, G_SOURCE_FUNC (udp_readable_cb), fixture, NULL);
  g_source_attach (fixture->udp_source, NULL);
  return g_strdup_printf ("udp://127.0.0.1:%u/announce",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

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
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  const Case *c = data;
  BtAnnouncerTiming timing = {
    .min_interval_ms = 50,
    .retry_first_ms = RETRY_FIRST_MS,
    .retry_max_ms = 4 * RETRY_FIRST_MS,
    .stop_timeout_ms = 200,
  };
  const char *tier1[2] = { NULL, NULL };
  const char *tier2[2] = { NULL, NULL };

  bt_tracker_http_set_timeout (HTTP_TIMEOUT_MS);
  bt_tracker_udp_set_base_timeout (UDP_BASE_TIMEOUT_MS);
  bt_tracker_udp_forget_connections ();

  fixture->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  fixture->good = bt_fake_http_tracker_new ();
  fixture->bad = bt_fake_http_tracker_new ();
  fixture->good_url = bt_fake_http_tracker_get_url (fixture->good, "/announce");
  bt_fake_http_tracker_reply (fixture->good, 200, good_reply, sizeof good_reply - 1);

  switch (c->kind)
    {
    case HOSTILE_HANG:
      bt_fake_http_tracker_reply_hang (fixture->bad);
      break;
    case HOSTILE_GARBAGE:
      bt_fake_http_tracker_reply (fixture->bad, 200,
                                  "<html><body>It works!</body></html>\n", -1);
      break;
    case HOSTILE_HUGE:
      {
        /* Twice the cap, announced in Content-Length. */
        gsize length = 2 * BT_TRACKER_HTTP_MAX_RESPONSE;
        g_autofree char *body = g_malloc (length);

        memset (body, 'd', length);
        bt_fake_http_tracker_reply (fixture->bad, 200, body, (gssize) length);
      }
      break;
    case HOSTILE_ENDLESS:
      bt_fake_http_tracker_reply_endless (fixture->bad, 64 * 1024, 0);
      break;
    case HOSTILE_DRIP:
      bt_fake_http_tracker_reply_endless (fixture->bad, 8, 20);
      break;
    case HOSTILE_REDIRECT_LOOP:
      {
        g_autofree char *self_url = bt_fake_http_tracker_get_url (fixture->bad, "/announce");

        bt_fake_http_tracker_reply_redirect (fixture->bad, self_url);
      }
      break;
    case HOSTILE_UDP_SILENT:
    case HOSTILE_UDP_JUNK:
    default:
      break;
    }

  if (c->kind == HOSTILE_UDP_SILENT || c->kind == HOSTILE_UDP_JUNK)
    fixture->bad_url = start_udp (fixture, c->kind == HOSTILE_UDP_JUNK);
  else
    fixture->bad_url = bt_fake_http_tracker_get_url (fixture->bad, "/announce");

  fixture->announcer = bt_announcer_new (info_hash, peer_id, 6881, fixture->session);
  g_signal_connect (fixture->announcer, "peers-found", G_CALLBACK (peers_found_cb), fixture);
  bt_announcer_set_stats (fixture->announcer, 0, 0, 1000);
  bt_announcer_set_timing (fixture->announcer, &timing);
  tier1[0] = fixture->bad_url;
  tier2[0] = fixture->good_url;
  bt_announcer_add_tier (fixture->announcer, tier1);
  bt_announcer_add_tier (fixture->announcer, tier2);
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  bt_announcer_stop_finish (BT_ANNOUNCER (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  gboolean stopped = FALSE;

  bt_announcer_stop_async (fixture->announcer, NULL, stopped_cb, &stopped);
  while (!stopped)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&fixture->announcer);
  /* Let cancelled requests and closed connections call back. */
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  bt_tracker_http_set_timeout (0);
  bt_tracker_udp_set_base_timeout (0);
  bt_tracker_udp_forget_connections ();
  if (fixture->udp_source != NULL)
    {
      g_source_destroy (fixture->udp_source);
      g_source_unref (fixture->udp_source);
    }
  g_clear_object (&fixture->udp);
  bt_fake_http_tracker_free (fixture->good);
  bt_fake_http_tracker_free (fixture->bad);
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_object_unref (fixture->session);
  g_free (fixture->good_url);
  g_free (fixture->bad_url);
}

static const BtTrackerStatus *
find_status (GArray     *trackers,
             const char *url)
{
  for (guint i = 0; i < trackers->len; i++)
    {
      const BtTrackerStatus *status = &g_array_index (trackers, BtTrackerStatus, i);

      if (g_str_equal (status->url, url))
        return status;
    }
  g_assert_not_reached ();
}

/* Times the hostile tracker was tried: HTTP requests, each redirect loop
 * counting once (it is followed BT_TRACKER_HTTP_MAX_REDIRECTS times), and
 * for UDP, connect requests (a datagram and its retransmissions are one). */
static guint
hostile_attempts (Fixture    *fixture,
                  const Case *c)
{
  if (c->kind == HOSTILE_UDP_SILENT || c->kind == HOSTILE_UDP_JUNK)
    return fixture->udp_datagrams / (1 + BT_UDP_TRACKER_MAX_RETRIES);
  if (c->kind == HOSTILE_REDIRECT_LOOP)
    return bt_fake_http_tracker_get_n_requests (fixture->bad) / (1 + BT_TRACKER_HTTP_MAX_REDIRECTS);
  return bt_fake_http_tracker_get_n_requests (fixture->bad);
}

static gboolean
more_peers_cb (gpointer user_data)
{
  bt_announcer_request_more_peers (user_data);
  return G_SOURCE_CONTINUE;
}

static void
test_hostile (Fixture       *fixture,
              gconstpointer  data)
{
  const Case *c = data;
  g_autoptr(GArray) trackers = NULL;
  const BtTrackerStatus *bad;
  const BtTrackerStatus *good;
  gint64 start = g_get_monotonic_time ();
  gint64 first_round;
  guint good_before;
  guint more_peers_id;

  bt_announcer_start (fixture->announcer);

  /* The first round: the hostile tier fails, the good one answers. */
  WAIT_FOR (fixture->peers_found > 0);
  first_round = g_get_monotonic_time () - start;
  g_assert_cmpuint (fixture->last_n_peers, ==, 1);
  g_assert_cmpuint (hostile_attempts (fixture, c), ==, 1);
  /* Bounded: the time-out, with room for a slow machine. */
  g_assert_cmpint (first_round, <, 5 * G_USEC_PER_SEC);

  trackers = bt_announcer_get_trackers (fixture->announcer);
  bad = find_status (trackers, fixture->bad_url);
  good = find_status (trackers, fixture->good_url);
  g_assert_cmpint (bad->state, ==, BT_TRACKER_STATE_ERROR);
  g_assert_nonnull (bad->last_error);
  g_test_message ("%s: %s", fixture->bad_url, bad->last_error);
  g_assert_true (g_utf8_validate (bad->last_error, -1, NULL));
  g_assert_nonnull (strstr (bad->last_error, c->error_part));
  g_assert_cmpint (good->state, ==, BT_TRACKER_STATE_WORKING);

  /* Backing off: the good tracker is asked again and again meanwhile,
   * the hostile one only once its back-off is over. */
  good_before = bt_fake_http_tracker_get_n_requests (fixture->good);
  more_peers_id = g_timeout_add (60, more_peers_cb, fixture->announcer);
  WAIT_FOR (bt_fake_http_tracker_get_n_requests (fixture->good) >= good_before + 4);
  g_assert_cmpuint (hostile_attempts (fixture, c), ==, 1);
  WAIT_FOR (hostile_attempts (fixture, c) >= 2);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, (gint64) RETRY_FIRST_MS * 1000);
  /* Peers kept coming from the good tier the whole time. */
  g_assert_cmpuint (fixture->peers_found, >=, 5);
  g_source_remove (more_peers_id);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add (cases[i].path, Fixture, &cases[i], fixture_setup, test_hostile,
                fixture_teardown);

  return g_test_run ();
}
