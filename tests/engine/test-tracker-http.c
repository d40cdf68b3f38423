/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-fake-tracker.h"
#include "bt-limits.h"
#include "bt-test-util.h"
#include "bt-tracker-http.h"
#include "bt-tracker.h"

/* The BEP 3 wiki's example info-hash: bytes that encode as letters, digits
 * and escapes. */
/* Trackers on loopback need no proxy; without a proxy resolver the
 * session also skips GIO's proxy module loading, whose process-lifetime
 * allocations LeakSanitizer reports. */
static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

static const guint8 example_hash[20] = {
  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf1, 0x23, 0x45,
  0x67, 0x89, 0xab, 0xcd, 0xef, 0x12, 0x34, 0x56, 0x78, 0x9a,
};
#define EXAMPLE_HASH_ESCAPED "%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A"

/* Every unreserved mark, a space, reserved characters and a NUL. */
static const guint8 example_peer_id[20] = "-BT0100-~._ /+%&=\0\xff!";
#define EXAMPLE_PEER_ID_ESCAPED "-BT0100-~._%20%2F%2B%25%26%3D%00%FF%21"

static void
init_request (BtAnnounceRequest *request)
{
  memset (request, 0, sizeof *request);
  memcpy (request->info_hash, example_hash, 20);
  memcpy (request->peer_id, example_peer_id, 20);
  request->port = 6881;
  request->uploaded = 1;
  request->downloaded = 2;
  request->left = 3;
  request->numwant = 50;
  request->key = 0xbeef;
  request->event = BT_ANNOUNCE_EVENT_STARTED;
}

static BtAnnounceResponse *
parse (const char  *body,
       gsize        length,
       GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (body, length);

  return bt_tracker_http_parse_response (bytes, error);
}

#define PARSE_LITERAL(literal, error) parse ((literal), sizeof (literal) - 1, (error))

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

/* Pure functions */

static void
test_build_url (void)
{
  BtAnnounceRequest request;
  g_autofree char *url = NULL;

  init_request (&request);
  url = bt_tracker_http_build_announce_url ("http://tracker.example:6969/announce", &request);
  g_assert_cmpstr (url, ==,
                   "http://tracker.example:6969/announce?info_hash=" EXAMPLE_HASH_ESCAPED
                   "&peer_id=" EXAMPLE_PEER_ID_ESCAPED
                   "&port=6881&uploaded=1&downloaded=2&left=3&compact=1&no_peer_id=1"
                   "&numwant=50&key=0000BEEF&event=started");
}

static void
test_build_url_query (void)
{
  BtAnnounceRequest request;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  init_request (&request);
  request.event = BT_ANNOUNCE_EVENT_NONE;
  request.numwant = -1;
  request.key = 0xdeadbeef;
  request.tracker_id = "id 1&2";

  /* A private tracker's passkey stays; the parameters follow with "&". */
  a = bt_tracker_http_build_announce_url ("https://t.example/announce?passkey=abc", &request);
  g_assert_true (g_str_has_prefix (a, "https://t.example/announce?passkey=abc&info_hash="
                                      EXAMPLE_HASH_ESCAPED "&"));
  g_assert_true (g_str_has_suffix (a, "&no_peer_id=1&key=DEADBEEF&trackerid=id%201%262"));
  g_assert_null (strstr (a, "numwant"));
  g_assert_null (strstr (a, "event"));

  b = bt_tracker_http_build_announce_url ("http://t.example/announce?", &request);
  g_assert_true (g_str_has_prefix (b, "http://t.example/announce?info_hash="));

  c = bt_tracker_http_build_announce_url ("http://t.example/announce?a=1&", &request);
  g_assert_true (g_str_has_prefix (c, "http://t.example/announce?a=1&info_hash="));

  /* The fragment is never sent, and parameters after it would be lost. */
  d = bt_tracker_http_build_announce_url ("http://t.example/announce#frag", &request);
  g_assert_true (g_str_has_prefix (d, "http://t.example/announce?info_hash="));
  g_assert_null (strchr (d, '#'));

  request.event = BT_ANNOUNCE_EVENT_COMPLETED;
  g_free (a);
  a = bt_tracker_http_build_announce_url ("http://t.example/announce", &request);
  g_assert_true (g_str_has_suffix (a, "&event=completed&trackerid=id%201%262"));
  request.event = BT_ANNOUNCE_EVENT_STOPPED;
  g_free (a);
  a = bt_tracker_http_build_announce_url ("http://t.example/announce", &request);
  g_assert_nonnull (strstr (a, "&event=stopped"));
}

static void
test_scrape_url (void)
{
  static const struct
  {
    const char *announce;
    const char *scrape;
  } vectors[] = {
    { "http://t.example/announce", "http://t.example/scrape?info_hash=" },
    { "http://t.example:80/x/announce.php", "http://t.example:80/x/scrape.php?info_hash=" },
    { "https://t.example/announce?pk=1", "https://t.example/scrape?pk=1&info_hash=" },
    { "http://t.example/a/announce#f", "http://t.example/a/scrape?info_hash=" },
    { "http://t.example/announce", "http://t.example/scrape?info_hash=" },
    { "http://t.example/x/announce?y=announce", "http://t.example/x/scrape?y=announce&info_hash=" },
  };
  static const char *unsupported[] = {
    "http://t.example/a",
    "http://t.example/announce/x",
    "http://t.example/x%064announce",
    "http://t.example/",
    "http://t.example",
    "http://t.example?announce",
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = bt_tracker_http_build_scrape_url (vectors[i].announce,
                                                                example_hash, &error);
      g_autofree char *expected = g_strconcat (vectors[i].scrape, EXAMPLE_HASH_ESCAPED, NULL);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, expected);
    }

  for (guint i = 0; i < G_N_ELEMENTS (unsupported); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = bt_tracker_http_build_scrape_url (unsupported[i], example_hash,
                                                                &error);

      if (url != NULL)
        g_error ("%s has no scrape URL, got %s", unsupported[i], url);
      g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED);
    }
}

static void
test_parse_compact (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;

  /* Three entries (one with port 0, dropped) and a 2-byte tail, ignored. */
  response = PARSE_LITERAL ("d8:completei5e10:incompletei7e8:intervali1800e"
                            "12:min intervali60e5:peers20:"
                            "\x0a\x00\x00\x01\x1a\xe1"
                            "\xc0\xa8\x01\x02\x00\x00"
                            "\x7f\x00\x00\x01\xff\xff"
                            "\x01\x02"
                            "10:tracker id3:abc15:warning message9:slow\x01" "down"
                            "e", &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_cmpuint (response->interval, ==, 1800);
  g_assert_cmpuint (response->min_interval, ==, 60);
  g_assert_cmpint (response->complete, ==, 5);
  g_assert_cmpint (response->incomplete, ==, 7);
  g_assert_cmpstr (response->tracker_id, ==, "abc");
  /* Control characters in tracker text do not reach the UI. */
  g_assert_cmpstr (response->warning, ==, "slow down");
  g_assert_cmpuint (response->peers->len, ==, 2);
  assert_peer (response, 0, "10.0.0.1", 6881);
  assert_peer (response, 1, "127.0.0.1", 65535);
}

static void
test_parse_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;

  /* What a tracker may answer to "stopped": no peers, no counts. */
  response = PARSE_LITERAL ("d8:intervali-5ee", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->interval, ==, 0);
  g_assert_cmpuint (response->min_interval, ==, 0);
  g_assert_cmpint (response->complete, ==, -1);
  g_assert_cmpint (response->incomplete, ==, -1);
  g_assert_null (response->tracker_id);
  g_assert_null (response->warning);
  g_assert_nonnull (response->peers);
  g_assert_cmpuint (response->peers->len, ==, 0);
}

static void
test_parse_dict_peers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;

  response = PARSE_LITERAL ("d8:intervali900e5:peersl"
                            "d2:ip8:10.0.0.17:peer id20:AAAAAAAAAAAAAAAAAAAA4:porti6881ee"
                            "d2:ip11:2001:db8::14:porti51413ee"
                            "d2:ip11:example.com4:porti80ee"     /* host name: dropped */
                            "d2:ip8:10.0.0.24:porti0ee"          /* port 0 */
                            "d2:ip8:10.0.0.34:porti70000ee"      /* port too large */
                            "d2:ip8:10.0.0.44:porti-1ee"
                            "d4:porti1ee"                        /* no ip */
                            "d2:ip8:10.0.0.5e"                   /* no port */
                            "d2:ip7:0.0.0.04:porti1ee"           /* unspecified */
                            "d2:ipi1e4:porti1ee"                 /* ip not a string */
                            "d2:ip9:10.0\x00.0.64:porti1ee"      /* NUL inside */
                            "i5e"                                /* not a dict */
                            "d2:ip8:10.0.0.74:porti65535ee"
                            "e"
                            "6:peers618:"
                            "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x1a\xe1"
                            "e", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 4);
  assert_peer (response, 0, "10.0.0.1", 6881);
  assert_peer (response, 1, "2001:db8::1", 51413);
  assert_peer (response, 2, "10.0.0.7", 65535);
  assert_peer (response, 3, "2001:db8::2", 6881);
}

static void
test_parse_peers6 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;

  /* Two IPv6 entries plus a 17-byte tail; IPv4 peers come first. */
  response = PARSE_LITERAL ("d8:intervali1e5:peers6:\x7f\x00\x00\x01\x00\x50"
                            "6:peers653:"
                            "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1a\xe1"
                            "\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09\x00\x01"
                            "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11"
                            "e", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 3);
  assert_peer (response, 0, "127.0.0.1", 80);
  assert_peer (response, 1, "::1", 6881);
  assert_peer (response, 2, "fe80::9", 1);
  g_assert_cmpint (g_socket_address_get_family (g_ptr_array_index (response->peers, 1)),
                   ==, G_SOCKET_FAMILY_IPV6);
}

static void
test_parse_failure (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;

  response = PARSE_LITERAL ("d14:failure reason24:torrent not\nregistered\xff!8:intervali5ee",
                            &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
  g_assert_nonnull (strstr (error->message, "torrent not registered"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_clear_error (&error);

  response = PARSE_LITERAL ("d14:failure reason0:e", &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
}

static void
test_parse_garbage (void)
{
  static const char *bodies[] = {
    "",
    "<html><body>404 Not Found</body></html>",
    "le",
    "i42e",
    "d8:intervali1800e",          /* truncated */
    "d8:intervali1800ee trailing",
    "d5:peersllllllllllllllllllllllllllllllllleeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", /* deep */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BtAnnounceResponse) response = parse (bodies[i], strlen (bodies[i]), &error);

      if (response != NULL)
        g_error ("“%s” parsed but must be refused", bodies[i]);
      g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
    }
}

static void
test_parse_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;
  gsize n = 3000;

  /* More peers than we keep: the first BT_TRACKER_MAX_PEERS_PER_RESPONSE. */
  g_string_append_printf (body, "d8:intervali60e5:peers%" G_GSIZE_FORMAT ":", n * 6);
  for (gsize i = 0; i < n; i++)
    {
      guint8 entry[6] = { 10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, 0x1a, 0xe1 };

      g_string_append_len (body, (const char *) entry, 6);
    }
  g_string_append_c (body, 'e');
  response = parse (body->str, body->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, BT_TRACKER_MAX_PEERS_PER_RESPONSE);
  g_clear_pointer (&response, bt_announce_response_unref);

  /* A body over the size cap is refused before decoding. */
  g_string_truncate (body, 0);
  g_string_append_printf (body, "d7:warning%u:", BT_TRACKER_HTTP_MAX_RESPONSE);
  for (guint i = 0; i < BT_TRACKER_HTTP_MAX_RESPONSE; i++)
    g_string_append_c (body, 'x');
  g_string_append_c (body, 'e');
  response = parse (body->str, body->len, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
  g_clear_error (&error);

  /* Too many values: a dictionary peer list of a hundred thousand entries. */
  g_string_truncate (body, 0);
  g_string_append (body, "d5:peersl");
  for (guint i = 0; i < 100000; i++)
    g_string_append (body, "i1e");
  g_string_append (body, "ee");
  bytes = g_bytes_new (body->str, body->len);
  response = bt_tracker_http_parse_response (bytes, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
}

static void
test_parse_scrape (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) other = NULL;
  g_autoptr(GBytes) failure = NULL;
  static const guint8 zero_hash[20] = { 0 };
  BtScrapeResult result = { 0 };
  static const char text[] =
    "d5:filesd"
    "20:\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "d8:completei3e10:downloadedi9e10:incompletei4ee"
    "20:\x12\x34\x56\x78\x9a\xbc\xde\xf1\x23\x45\x67\x89\xab\xcd\xef\x12\x34\x56\x78\x9a"
    "d8:completei1ee"
    "ee";

  /* The first key holds NUL bytes: keys are compared as byte strings. */
  body = g_bytes_new (text, sizeof text - 1);
  g_assert_true (bt_tracker_http_parse_scrape (body, zero_hash, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.complete, ==, 3);
  g_assert_cmpint (result.incomplete, ==, 4);
  g_assert_cmpint (result.downloaded, ==, 9);

  g_assert_true (bt_tracker_http_parse_scrape (body, example_hash, &result, &error));
  g_assert_cmpint (result.complete, ==, 1);
  g_assert_cmpint (result.incomplete, ==, -1);
  g_assert_cmpint (result.downloaded, ==, -1);

  other = g_bytes_new_static ("d5:filesdee", 11);
  g_assert_false (bt_tracker_http_parse_scrape (other, example_hash, &result, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
  g_clear_error (&error);

  failure = g_bytes_new_static ("d14:failure reason4:nopee", 25);
  g_assert_false (bt_tracker_http_parse_scrape (failure, example_hash, &result, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
}

/* The client against the scripted tracker */

typedef struct
{
  BtFakeHttpTracker *tracker;
  SoupSession       *session;
  char              *url;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->tracker = bt_fake_http_tracker_new ();
  fixture->session = new_session ();
  fixture->url = bt_fake_http_tracker_get_url (fixture->tracker, "/announce");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  bt_tracker_http_set_timeout (0);
  g_free (fixture->url);
  g_object_unref (fixture->session);
  bt_fake_http_tracker_free (fixture->tracker);
  /* Let the server's closed connections and cancelled sources go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
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
          SoupSession        *session,
          GCancellable       *cancellable,
          GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_tracker_announce_async (url, request, session, cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return bt_tracker_announce_finish (result, error);
}

static gboolean
scrape (const char      *url,
        const guint8    *info_hash,
        SoupSession     *session,
        BtScrapeResult  *out,
        GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_tracker_scrape_async (url, info_hash, session, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return bt_tracker_scrape_finish (result, out, error);
}

static const char compact_reply[] =
  "d8:intervali1800e5:peers6:\x0a\x00\x00\x01\x1a\xe1" "e";

static void
test_client_announce (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autofree char *info_hash = NULL;
  g_autofree char *peer_id = NULL;
  g_autofree char *event = NULL;
  BtAnnounceRequest request;
  const char *sent;

  init_request (&request);
  bt_fake_http_tracker_reply (fixture->tracker, 200, compact_reply, sizeof compact_reply - 1);

  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->interval, ==, 1800);
  g_assert_cmpuint (response->peers->len, ==, 1);
  assert_peer (response, 0, "10.0.0.1", 6881);

  /* The tracker got the bytes exactly as encoded. */
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->tracker), ==, 1);
  sent = bt_fake_http_tracker_get_request (fixture->tracker, 0);
  g_assert_true (g_str_has_prefix (sent, "/announce?"));
  info_hash = bt_fake_tracker_query_get (sent, "info_hash");
  peer_id = bt_fake_tracker_query_get (sent, "peer_id");
  event = bt_fake_tracker_query_get (sent, "event");
  g_assert_cmpstr (info_hash, ==, EXAMPLE_HASH_ESCAPED);
  g_assert_cmpstr (peer_id, ==, EXAMPLE_PEER_ID_ESCAPED);
  g_assert_cmpstr (event, ==, "started");

}

static void
test_client_failure (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  bt_fake_http_tracker_reply (fixture->tracker, 200,
                              "d14:failure reason21:unregistered torrent!e", -1);
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
  g_assert_nonnull (strstr (error->message, "unregistered torrent!"));
}

static void
test_client_status (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  bt_fake_http_tracker_reply (fixture->tracker, 404, "<html>no</html>", -1);
  bt_fake_http_tracker_reply (fixture->tracker, 403, "d14:failure reason6:bannede", -1);
  bt_fake_http_tracker_reply (fixture->tracker, 200, "<html>not bencode</html>", -1);

  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "404"));
  g_clear_error (&error);

  /* A reason sent with an error status is worth more than the status. */
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
  g_assert_nonnull (strstr (error->message, "banned"));
  g_clear_error (&error);

  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
}

static void
test_client_gzip (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  bt_fake_http_tracker_reply_gzip (fixture->tracker, compact_reply, sizeof compact_reply - 1);
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 1);
  assert_peer (response, 0, "10.0.0.1", 6881);
}

static void
test_client_redirect (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;
  g_autofree char *moved = bt_fake_http_tracker_get_url (fixture->tracker, "/moved?x=1");

  init_request (&request);
  bt_fake_http_tracker_reply_redirect (fixture->tracker, moved);
  bt_fake_http_tracker_reply (fixture->tracker, 200, compact_reply, sizeof compact_reply - 1);
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 1);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->tracker), ==, 2);
  g_assert_cmpstr (bt_fake_http_tracker_get_request (fixture->tracker, 1), ==, "/moved?x=1");
}

static void
test_client_redirect_loop (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  /* The script's last reply repeats: a redirect to itself forever. */
  bt_fake_http_tracker_reply_redirect (fixture->tracker, "/announce");
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
  g_assert_cmpuint (bt_fake_http_tracker_get_n_requests (fixture->tracker), ==,
                    BT_TRACKER_HTTP_MAX_REDIRECTS + 1);
}

static void
test_client_timeout (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtAnnounceRequest request;
  gint64 start;

  init_request (&request);
  bt_tracker_http_set_timeout (300);

  /* A slow answer within the time allowed is fine. */
  bt_fake_http_tracker_reply_delayed (fixture->tracker, 50, 200, compact_reply,
                                      sizeof compact_reply - 1);
  bt_fake_http_tracker_reply_hang (fixture->tracker);
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->peers->len, ==, 1);

  start = g_get_monotonic_time ();
  g_clear_pointer (&response, bt_announce_response_unref);
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static void
test_client_oversized (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autofree char *huge = g_malloc (BT_TRACKER_HTTP_MAX_RESPONSE * 2);
  BtAnnounceRequest request;

  init_request (&request);
  memset (huge, 'x', BT_TRACKER_HTTP_MAX_RESPONSE * 2);
  bt_fake_http_tracker_reply (fixture->tracker, 200, huge, BT_TRACKER_HTTP_MAX_RESPONSE * 2);
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
  g_clear_error (&error);

  /* The cap holds for the decoded size: a small gzip body that expands
   * past it is cut off while reading. */
  bt_fake_http_tracker_reply_gzip (fixture->tracker, huge, BT_TRACKER_HTTP_MAX_RESPONSE * 2);
  response = announce (fixture->url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
}

static void
test_client_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  BtAnnounceRequest request;

  init_request (&request);
  bt_fake_http_tracker_reply_hang (fixture->tracker);
  bt_tracker_announce_async (fixture->url, &request, fixture->session, cancellable,
                             store_result, &result);
  while (bt_fake_http_tracker_get_n_requests (fixture->tracker) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  response = bt_tracker_announce_finish (result, &error);
  g_assert_null (response);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
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

  /* A port that was just free and that nothing listens on. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  url = g_strdup_printf ("http://127.0.0.1:%u/announce",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  init_request (&request);
  response = announce (url, &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_clear_error (&error);

  response = announce ("wss://tracker.example/announce", &request, fixture->session, NULL,
                       &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED);
  g_clear_error (&error);

  response = announce ("not a url", &request, fixture->session, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED);
}

static void
test_client_scrape (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BtScrapeResult result = { 0 };
  static const char reply[] =
    "d5:filesd20:\x12\x34\x56\x78\x9a\xbc\xde\xf1\x23\x45\x67\x89\xab\xcd\xef\x12\x34\x56\x78\x9a"
    "d8:completei2e10:downloadedi5e10:incompletei3eeee";

  bt_fake_http_tracker_reply (fixture->tracker, 200, reply, sizeof reply - 1);
  g_assert_true (scrape (fixture->url, example_hash, fixture->session, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (result.complete, ==, 2);
  g_assert_cmpint (result.incomplete, ==, 3);
  g_assert_cmpint (result.downloaded, ==, 5);
  g_assert_true (g_str_has_prefix (bt_fake_http_tracker_get_request (fixture->tracker, 0),
                                   "/scrape?info_hash=" EXAMPLE_HASH_ESCAPED));

  g_assert_false (scrape ("http://127.0.0.1:1/tracker", example_hash, fixture->session,
                          &result, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED);
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
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) a = NULL;
  g_autoptr(BtAnnounceResponse) b = NULL;
  g_autoptr(BtAnnounceResponse) again = NULL;
  g_autoptr(BtAnnounceResponse) refused = NULL;
  g_autofree char *url = NULL;
  BtAnnounceRequest request;
  BtScrapeResult counts;

  tracker = bt_test_opentracker_start (example_hash, 1);
  if (tracker == NULL)
    return;
  url = bt_test_opentracker_get_url (tracker, "http");

  init_request (&request);
  memcpy (request.peer_id, "-BT0100-aaaaaaaaaaaa", 20);
  request.port = 7001;
  a = announce (url, &request, session, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->interval, >, 0);

  memcpy (request.peer_id, "-BT0100-bbbbbbbbbbbb", 20);
  request.port = 7002;
  b = announce (url, &request, session, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (b, 7001));
  g_assert_cmpint (b->incomplete, ==, 2);

  memcpy (request.peer_id, "-BT0100-aaaaaaaaaaaa", 20);
  request.port = 7001;
  request.event = BT_ANNOUNCE_EVENT_NONE;
  again = announce (url, &request, session, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (has_peer (again, 7002));

  g_assert_true (scrape (url, example_hash, session, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts.incomplete, ==, 2);
  g_assert_cmpint (counts.complete, ==, 0);

  /* Whitelist mode: another torrent is refused with a reason. */
  request.info_hash[0] ^= 1;
  refused = announce (url, &request, session, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/tracker-http/build-url", test_build_url);
  g_test_add_func ("/engine/tracker-http/build-url-query", test_build_url_query);
  g_test_add_func ("/engine/tracker-http/scrape-url", test_scrape_url);
  g_test_add_func ("/engine/tracker-http/parse-compact", test_parse_compact);
  g_test_add_func ("/engine/tracker-http/parse-minimal", test_parse_minimal);
  g_test_add_func ("/engine/tracker-http/parse-dict-peers", test_parse_dict_peers);
  g_test_add_func ("/engine/tracker-http/parse-peers6", test_parse_peers6);
  g_test_add_func ("/engine/tracker-http/parse-failure", test_parse_failure);
  g_test_add_func ("/engine/tracker-http/parse-garbage", test_parse_garbage);
  g_test_add_func ("/engine/tracker-http/parse-limits", test_parse_limits);
  g_test_add_func ("/engine/tracker-http/parse-scrape", test_parse_scrape);

#define ADD_CLIENT_TEST(name, func) \
  g_test_add ("/engine/tracker-http/client/" name, Fixture, NULL, \
              fixture_setup, func, fixture_teardown)
  ADD_CLIENT_TEST ("announce", test_client_announce);
  ADD_CLIENT_TEST ("failure", test_client_failure);
  ADD_CLIENT_TEST ("status", test_client_status);
  ADD_CLIENT_TEST ("gzip", test_client_gzip);
  ADD_CLIENT_TEST ("redirect", test_client_redirect);
  ADD_CLIENT_TEST ("redirect-loop", test_client_redirect_loop);
  ADD_CLIENT_TEST ("timeout", test_client_timeout);
  ADD_CLIENT_TEST ("oversized", test_client_oversized);
  ADD_CLIENT_TEST ("cancel", test_client_cancel);
  ADD_CLIENT_TEST ("unreachable", test_client_unreachable);
  ADD_CLIENT_TEST ("scrape", test_client_scrape);
#undef ADD_CLIENT_TEST

  g_test_add_func ("/engine/tracker-http/opentracker", test_opentracker);

  return g_test_run ();
}
