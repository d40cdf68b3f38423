/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-fake-tracker.h"
#include "bt-limits.h"
#include "bt-test-util.h"
#include "bt-tracker-udp.h"
#include "bt-tracker.h"

static const guint8 example_hash[20] = {
  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf1, 0x23, 0x45,
  0x67, 0x89, 0xab, 0xcd, 0xef, 0x12, 0x34, 0x56, 0x78, 0x9a,
};

static void
init_request (BtAnnounceRequest *request)
{
  memset (request, 0, sizeof *request);
  memcpy (request->info_hash, example_hash, 20);
  memcpy (request->peer_id, "-BT0100-abcdefghijkl", 20);
  request->port = 6881;
  request->uploaded = G_GUINT64_CONSTANT (0x0102030405060708);
  request->downloaded = 2;
  request->left = 3;
  request->numwant = 50;
  request->key = 0xcafebabe;
  request->event = BT_ANNOUNCE_EVENT_STARTED;
}

static void
assert_peer (BtAnnounceResponse *response,
             guint               index,
             const char         *ip,
             guint16             port)
{
  GInetSocketAddress *address;
  g_autofree char *text = NULL;

  g_assert_cmpuint (index, <, response->peers->len);
  address = g_ptr_array_index (response->peers, index);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  g_assert_cmpstr (text, ==, ip);
  g_assert_cmpuint (g_inet_socket_address_get_port (address), ==, port);
}

/* The codec */

static void
test_build_connect (void)
{
  static const guint8 expected[BT_UDP_TRACKER_CONNECT_SIZE] = {
    0x00, 0x00, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80,
    0x00, 0x00, 0x00, 0x00,
    0xde, 0xad, 0xbe, 0xef,
  };
  guint8 packet[BT_UDP_TRACKER_CONNECT_SIZE];

  bt_tracker_udp_build_connect (packet, 0xdeadbeef);
  g_assert_cmpmem (packet, sizeof packet, expected, sizeof expected);
}

static void
test_build_announce (void)
{
  static const guint8 expected_head[16] = {
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x07,
  };
  static const guint8 expected_tail[42] = {
    0, 0, 0, 0, 0, 0, 0, 2,                   /* downloaded */
    0, 0, 0, 0, 0, 0, 0, 3,                   /* left */
    1, 2, 3, 4, 5, 6, 7, 8,                   /* uploaded */
    0, 0, 0, 2,                               /* event: started */
    0, 0, 0, 0,                               /* IP: the sender's */
    0xca, 0xfe, 0xba, 0xbe,                   /* key */
    0, 0, 0, 50,                              /* num_want */
    0x1a, 0xe1,                               /* port */
  };
  static const struct
  {
    BtAnnounceEvent event;
    guint8          code;
  } events[] = {
    { BT_ANNOUNCE_EVENT_NONE, 0 },
    { BT_ANNOUNCE_EVENT_COMPLETED, 1 },
    { BT_ANNOUNCE_EVENT_STARTED, 2 },
    { BT_ANNOUNCE_EVENT_STOPPED, 3 },
  };
  guint8 packet[BT_UDP_TRACKER_ANNOUNCE_SIZE];
  BtAnnounceRequest request;

  init_request (&request);
  bt_tracker_udp_build_announce (packet, G_GUINT64_CONSTANT (0x1122334455667788), 7, &request);
  g_assert_cmpmem (packet, 16, expected_head, 16);
  g_assert_cmpmem (packet + 16, 20, example_hash, 20);
  g_assert_cmpmem (packet + 36, 20, "-BT0100-abcdefghijkl", 20);
  g_assert_cmpmem (packet + 56, 42, expected_tail, 42);

  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      request.event = events[i].event;
      bt_tracker_udp_build_announce (packet, 1, 1, &request);
      g_assert_cmpuint (packet[83], ==, events[i].code);
    }

  /* No preference: -1, the tracker's default. */
  request.numwant = -1;
  bt_tracker_udp_build_announce (packet, 1, 1, &request);
  g_assert_cmpmem (packet + 92, 4, "\xff\xff\xff\xff", 4);
}

static void
test_build_scrape (void)
{
  guint8 packet[BT_UDP_TRACKER_SCRAPE_SIZE];

  bt_tracker_udp_build_scrape (packet, 5, 9, example_hash);
  g_assert_cmpmem (packet, 16, "\0\0\0\0\0\0\0\x05\0\0\0\x02\0\0\0\x09", 16);
  g_assert_cmpmem (packet + 16, 20, example_hash, 20);
}

static gboolean
parse (const char          *data,
       gsize                length,
       GSocketFamily        family,
       BtUdpTrackerPacket  *packet,
       GError             **error)
{
  return bt_tracker_udp_parse_packet ((const guint8 *) data, length, family, packet, error);
}

#define PARSE(literal, family, packet, error) \
  parse ((literal), sizeof (literal) - 1, (family), (packet), (error))

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  BtUdpTrackerPacket packet;

  g_assert_true (PARSE ("\0\0\0\0\0\0\0\x2a\x01\x02\x03\x04\x05\x06\x07\x08",
                        G_SOCKET_FAMILY_IPV4, &packet, &error));
  g_assert_no_error (error);
  g_assert_cmpint (packet.action, ==, BT_UDP_TRACKER_ACTION_CONNECT);
  g_assert_cmpuint (packet.transaction_id, ==, 42);
  g_assert_cmpuint (packet.connection_id, ==, G_GUINT64_CONSTANT (0x0102030405060708));
  bt_udp_tracker_packet_clear (&packet);

  /* Announce: two peers, one with port 0 (dropped), and a 5-byte tail. */
  g_assert_true (PARSE ("\0\0\0\x01\0\0\0\x2a" "\0\0\x07\x08" "\0\0\0\x03" "\0\0\0\x04"
                        "\x0a\x00\x00\x01\x1a\xe1" "\x0a\x00\x00\x02\x00\x00"
                        "\xc0\xa8\x00\x01\x00\x50" "\x01\x02\x03\x04\x05",
                        G_SOCKET_FAMILY_IPV4, &packet, &error));
  g_assert_no_error (error);
  g_assert_cmpint (packet.action, ==, BT_UDP_TRACKER_ACTION_ANNOUNCE);
  g_assert_cmpuint (packet.announce->interval, ==, 0x708);
  g_assert_cmpint (packet.announce->incomplete, ==, 3);
  g_assert_cmpint (packet.announce->complete, ==, 4);
  g_assert_cmpuint (packet.announce->peers->len, ==, 2);
  assert_peer (packet.announce, 0, "10.0.0.1", 6881);
  assert_peer (packet.announce, 1, "192.168.0.1", 80);
  bt_udp_tracker_packet_clear (&packet);

  /* From an IPv6 tracker the entries are 18 bytes; -1 counts are unknown. */
  g_assert_true (PARSE ("\0\0\0\x01\0\0\0\x2a" "\0\0\0\x3c" "\xff\xff\xff\xff" "\0\0\0\0"
                        "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x1a\xe1",
                        G_SOCKET_FAMILY_IPV6, &packet, &error));
  g_assert_no_error (error);
  g_assert_cmpint (packet.announce->incomplete, ==, -1);
  g_assert_cmpint (packet.announce->complete, ==, 0);
  g_assert_cmpuint (packet.announce->peers->len, ==, 1);
  assert_peer (packet.announce, 0, "2001:db8::1", 6881);
  bt_udp_tracker_packet_clear (&packet);

  g_assert_true (PARSE ("\0\0\0\x02\0\0\0\x2a" "\0\0\0\x05" "\0\0\0\x06" "\0\0\0\x07"
                        "\0\0\0\x01\0\0\0\x01\0\0\0\x01",
                        G_SOCKET_FAMILY_IPV4, &packet, &error));
  g_assert_cmpint (packet.action, ==, BT_UDP_TRACKER_ACTION_SCRAPE);
  g_assert_cmpint (packet.scrape.complete, ==, 5);
  g_assert_cmpint (packet.scrape.downloaded, ==, 6);
  g_assert_cmpint (packet.scrape.incomplete, ==, 7);
  bt_udp_tracker_packet_clear (&packet);

  g_assert_true (PARSE ("\0\0\0\x03\0\0\0\x2a" "bad\tid\xff", G_SOCKET_FAMILY_IPV4,
                        &packet, &error));
  g_assert_cmpint (packet.action, ==, BT_UDP_TRACKER_ACTION_ERROR);
  g_assert_true (g_utf8_validate (packet.message, -1, NULL));
  g_assert_true (g_str_has_prefix (packet.message, "bad id"));
  bt_udp_tracker_packet_clear (&packet);
}

static void
test_parse_invalid (void)
{
  static const struct
  {
    const char *data;
    gsize       length;
  } vectors[] = {
    { "", 0 },
    { "\0\0\0\0\0\0\0", 7 },
    { "\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0", 15 },         /* connect, short */
    { "\0\0\0\x01\0\0\0\x01", 8 },                       /* announce, empty */
    { "\0\0\0\x01\0\0\0\x01\0\0\0\0\0\0\0\0\0\0\0", 19 }, /* announce, short */
    { "\0\0\0\x02\0\0\0\x01\0\0\0\0", 12 },              /* scrape, short */
    { "\0\0\0\x04\0\0\0\x01\0\0\0\0\0\0\0\0", 16 },      /* unknown action */
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autoptr(GError) error = NULL;
      BtUdpTrackerPacket packet;

      if (parse (vectors[i].data, vectors[i].length, G_SOCKET_FAMILY_IPV4, &packet, &error))
        g_error ("vector %u parsed but must be refused", i);
      g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
      g_assert_null (packet.announce);
      g_assert_null (packet.message);
    }
}

/* The client against the scripted tracker */

typedef struct
{
  BtFakeUdpTracker *tracker;
  char             *url;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  bt_tracker_udp_forget_connections ();
  bt_tracker_udp_set_base_timeout (100);
  fixture->tracker = bt_fake_udp_tracker_new ();
  fixture->url = bt_fake_udp_tracker_get_url (fixture->tracker);
  bt_fake_udp_tracker_set_answer (fixture->tracker, 900, 4, 3, 11,
                                  (const guint8 *) "\x0a\x00\x00\x01\x1a\xe1", 6);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  bt_tracker_udp_set_base_timeout (0);
  bt_tracker_udp_set_connection_lifetime (0);
  g_free (fixture->url);
  bt_fake_udp_tracker_free (fixture->tracker);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static BtAnnounceResponse *
announce (const char         *url,
          BtAnnounceRequest  *request,
          GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_tracker_announce_async (url, request, NULL, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return bt_tracker_announce_finish (result, error);
}

static gboolean
scrape (const char      *url,
        BtScrapeResult  *out,
        GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_tracker_scrape_async (url, example_hash, NULL, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return bt_tracker_scrape_finish (result, out, error);
}

static void
test_client_announce (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  const BtFakeUdpAnnounce *seen;
  BtAnnounceRequest request;

  init_request (&request);
  response = announce (fixture->url, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->interval, ==, 900);
  g_assert_cmpint (response->complete, ==, 4);
  g_assert_cmpint (response->incomplete, ==, 3);
  g_assert_cmpuint (response->peers->len, ==, 1);
  assert_peer (response, 0, "10.0.0.1", 6881);

  g_assert_cmpuint (bt_fake_udp_tracker_get_n_connects (fixture->tracker), ==, 1);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (fixture->tracker), ==, 1);
  seen = bt_fake_udp_tracker_get_last_announce (fixture->tracker);
  g_assert_cmpmem (seen->info_hash, 20, example_hash, 20);
  g_assert_cmpmem (seen->peer_id, 20, "-BT0100-abcdefghijkl", 20);
  g_assert_cmpuint (seen->event, ==, 2);
  g_assert_cmpuint (seen->port, ==, 6881);
  g_assert_cmpuint (seen->key, ==, 0xcafebabe);
  g_assert_cmpint (seen->num_want, ==, 50);
  g_assert_cmpuint (seen->uploaded, ==, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmpuint (seen->downloaded, ==, 2);
  g_assert_cmpuint (seen->left, ==, 3);
}

static void
test_client_reuse (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BtAnnounceRequest request;
  BtScrapeResult counts;

  init_request (&request);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(BtAnnounceResponse) response = announce (fixture->url, &request, &error);

      g_assert_no_error (error);
      g_assert_nonnull (response);
    }
  g_assert_true (scrape (fixture->url, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts.complete, ==, 4);
  g_assert_cmpint (counts.downloaded, ==, 11);
  g_assert_cmpint (counts.incomplete, ==, 3);

  /* One connection id serves every request within its minute. */
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_connects (fixture->tracker), ==, 1);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (fixture->tracker), ==, 3);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_scrapes (fixture->tracker), ==, 1);
}

static void
test_client_expiry (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) first = NULL;
  g_autoptr(BtAnnounceResponse) second = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  bt_tracker_udp_set_connection_lifetime (30);
  first = announce (fixture->url, &request, &error);
  g_assert_no_error (error);

  /* Let the connection id expire: the lifetime is what is under test. */
  g_usleep (60 * 1000);
  second = announce (fixture->url, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_connects (fixture->tracker), ==, 2);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (fixture->tracker), ==, 2);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_ignored (fixture->tracker), ==, 0);
}

static void
test_client_tracker_forgot (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) first = NULL;
  g_autoptr(BtAnnounceResponse) second = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  first = announce (fixture->url, &request, &error);
  g_assert_no_error (error);

  /* The tracker restarted: it ignores our cached id, so after one time-out
   * the client must connect again rather than resend the stale id. */
  bt_fake_udp_tracker_forget_connections (fixture->tracker);
  second = announce (fixture->url, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_ignored (fixture->tracker), ==, 1);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_connects (fixture->tracker), ==, 2);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (fixture->tracker), ==, 2);
}

static void
test_client_packet_loss (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;
  gint64 start = g_get_monotonic_time ();

  init_request (&request);
  bt_tracker_udp_set_base_timeout (40);

  /* The first two connects are lost: answered at the third try, after
   * 40 + 80 ms. */
  bt_fake_udp_tracker_drop_next (fixture->tracker, 2);
  response = announce (fixture->url, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 120 * 1000);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_connects (fixture->tracker), ==, 1);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (fixture->tracker), ==, 1);
}

static void
test_client_timeout (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;
  gint64 start = g_get_monotonic_time ();
  gint64 expected_ms = 0;

  init_request (&request);
  bt_tracker_udp_set_base_timeout (20);
  bt_fake_udp_tracker_drop_next (fixture->tracker, G_MAXUINT);

  for (guint n = 0; n <= BT_UDP_TRACKER_MAX_RETRIES; n++)
    expected_ms += 20 << n;

  response = announce (fixture->url, &request, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, expected_ms * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_connects (fixture->tracker), ==, 0);
}

static void
test_client_error (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;
  BtScrapeResult counts;

  init_request (&request);
  bt_fake_udp_tracker_set_error (fixture->tracker, "torrent not registered");
  response = announce (fixture->url, &request, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
  g_assert_nonnull (strstr (error->message, "torrent not registered"));
  g_clear_error (&error);

  g_assert_false (scrape (fixture->url, &counts, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
}

static void
test_client_decoys (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;

  /* Each answer follows an error with a wrong transaction id and an error
   * with the right one from another address: both must be ignored. */
  init_request (&request);
  bt_fake_udp_tracker_set_decoys (fixture->tracker, TRUE);
  response = announce (fixture->url, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 1);
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_connects (fixture->tracker), ==, 1);
}

static void
test_client_unreachable (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  BtAnnounceRequest request;
  gint64 start;

  /* A port that was free a moment ago: the kernel answers "port
   * unreachable", which must fail at once, not after the retries. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  url = g_strdup_printf ("udp://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  init_request (&request);
  bt_tracker_udp_set_base_timeout (10 * 1000);
  start = g_get_monotonic_time ();
  response = announce (url, &request, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);

  response = announce ("udp://127.0.0.1/announce", &request, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED);
}

static void
test_client_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  bt_fake_udp_tracker_drop_next (fixture->tracker, G_MAXUINT);
  bt_tracker_announce_async (fixture->url, &request, NULL, cancellable, store_result, &result);
  g_cancellable_cancel (cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  response = bt_tracker_announce_finish (result, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_client_ipv6 (void)
{
  g_autoptr(BtFakeUdpTracker) tracker = bt_fake_udp_tracker_new_for_family (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autofree char *url = NULL;
  BtAnnounceRequest request;

  if (tracker == NULL)
    {
      g_test_skip ("IPv6 is not available on loopback");
      return;
    }

  /* An IPv6 tracker lists IPv6 peers in 18-byte entries. */
  bt_tracker_udp_forget_connections ();
  bt_fake_udp_tracker_set_answer (tracker, 60, 1, 2, 0,
                                  (const guint8 *) "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07"
                                                   "\x1a\xe1", 18);
  url = bt_fake_udp_tracker_get_url (tracker);
  init_request (&request);
  response = announce (url, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 1);
  assert_peer (response, 0, "2001:db8::7", 6881);
}

/* The real opentracker */

static gboolean
has_peer (BtAnnounceResponse *response,
          guint16             port)
{
  for (guint i = 0; i < response->peers->len; i++)
    {
      GInetSocketAddress *address = g_ptr_array_index (response->peers, i);
      g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

      if (g_str_equal (ip, "127.0.0.1") && g_inet_socket_address_get_port (address) == port)
        return TRUE;
    }
  return FALSE;
}

static void
test_opentracker (void)
{
  g_autoptr(BtTestOpentracker) tracker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) a = NULL;
  g_autoptr(BtAnnounceResponse) b = NULL;
  g_autoptr(BtAnnounceResponse) again = NULL;
  g_autoptr(BtAnnounceResponse) refused = NULL;
  g_autofree char *url = NULL;
  BtAnnounceRequest request;
  BtScrapeResult counts;

  bt_tracker_udp_forget_connections ();
  tracker = bt_test_opentracker_start (example_hash, 1);
  if (tracker == NULL)
    return;
  url = bt_test_opentracker_get_url (tracker, "udp");

  init_request (&request);
  memcpy (request.peer_id, "-BT0100-aaaaaaaaaaaa", 20);
  request.port = 7001;
  a = announce (url, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->interval, >, 0);

  memcpy (request.peer_id, "-BT0100-bbbbbbbbbbbb", 20);
  request.port = 7002;
  request.left = 0;
  b = announce (url, &request, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (b, 7001));
  g_assert_cmpint (b->complete, ==, 1);
  g_assert_cmpint (b->incomplete, ==, 1);

  memcpy (request.peer_id, "-BT0100-aaaaaaaaaaaa", 20);
  request.port = 7001;
  request.left = 3;
  request.event = BT_ANNOUNCE_EVENT_NONE;
  again = announce (url, &request, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (again, 7002));

  g_assert_true (scrape (url, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts.complete, ==, 1);
  g_assert_cmpint (counts.incomplete, ==, 1);

  /* Whitelist mode: another torrent gets an empty reply. */
  request.info_hash[0] ^= 1;
  refused = announce (url, &request, &error);
  g_assert_null (refused);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/tracker-udp/build-connect", test_build_connect);
  g_test_add_func ("/engine/tracker-udp/build-announce", test_build_announce);
  g_test_add_func ("/engine/tracker-udp/build-scrape", test_build_scrape);
  g_test_add_func ("/engine/tracker-udp/parse", test_parse);
  g_test_add_func ("/engine/tracker-udp/parse-invalid", test_parse_invalid);

#define ADD_CLIENT_TEST(name, func) \
  g_test_add ("/engine/tracker-udp/client/" name, Fixture, NULL, \
              fixture_setup, func, fixture_teardown)
  ADD_CLIENT_TEST ("announce", test_client_announce);
  ADD_CLIENT_TEST ("reuse", test_client_reuse);
  ADD_CLIENT_TEST ("expiry", test_client_expiry);
  ADD_CLIENT_TEST ("tracker-forgot", test_client_tracker_forgot);
  ADD_CLIENT_TEST ("packet-loss", test_client_packet_loss);
  ADD_CLIENT_TEST ("timeout", test_client_timeout);
  ADD_CLIENT_TEST ("error", test_client_error);
  ADD_CLIENT_TEST ("decoys", test_client_decoys);
  ADD_CLIENT_TEST ("unreachable", test_client_unreachable);
  ADD_CLIENT_TEST ("cancel", test_client_cancel);
#undef ADD_CLIENT_TEST

  g_test_add_func ("/engine/tracker-udp/client-ipv6", test_client_ipv6);
  g_test_add_func ("/engine/tracker-udp/opentracker", test_opentracker);

  return g_test_run ();
}
