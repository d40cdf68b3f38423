/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-magnet.h"

/* The hash "c12fe1c06bba254a9dc9f519b335aa7c1367a88a" in both spellings. */
#define HEX_HASH "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
#define B32_HASH "YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK"

static const guint8 hash_bytes[20] = {
  0xc1, 0x2f, 0xe1, 0xc0, 0x6b, 0xba, 0x25, 0x4a, 0x9d, 0xc9,
  0xf5, 0x19, 0xb3, 0x35, 0xaa, 0x7c, 0x13, 0x67, 0xa8, 0x8a,
};

static void
assert_peer (BtMagnet   *magnet,
             guint       index,
             const char *ip,
             guint16     port)
{
  GInetSocketAddress *peer;
  g_autofree char *text = NULL;

  g_assert_cmpuint (index, <, magnet->peers->len);
  peer = g_ptr_array_index (magnet->peers, index);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (peer));
  g_assert_cmpstr (text, ==, ip);
  g_assert_cmpuint (g_inet_socket_address_get_port (peer), ==, port);
}

static void
test_parse_hex (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) magnet = NULL;

  magnet = bt_magnet_parse ("magnet:?xt=urn:btih:" HEX_HASH
                            "&dn=Big+Buck%20Bunny"
                            "&tr=udp%3A%2F%2Ftracker.example%3A6969"
                            "&tr.1=http://a.example/announce?x=1%26y=2"
                            "&tr=udp%3A%2F%2Ftracker.example%3A6969"
                            "&ws=https%3A%2F%2Fseed.example%2Ff%2F"
                            "&x.pe=10.0.0.1:6881&x.pe=%5B2001:db8::1%5D:51413"
                            "&x.pe=peer.example:7000"
                            "&xl=276134947&so=0-3&unknown=1", &error);
  g_assert_no_error (error);
  g_assert_nonnull (magnet);
  g_assert_cmpmem (magnet->info_hash, 20, hash_bytes, 20);
  g_assert_cmpstr (magnet->name, ==, "Big Buck Bunny");
  g_assert_cmpuint (magnet->length, ==, 276134947);
  g_assert_cmpuint (magnet->trackers->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (magnet->trackers, 0), ==, "udp://tracker.example:6969");
  g_assert_cmpstr (g_ptr_array_index (magnet->trackers, 1), ==, "http://a.example/announce?x=1&y=2");
  g_assert_cmpuint (magnet->web_seeds->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (magnet->web_seeds, 0), ==, "https://seed.example/f/");
  g_assert_cmpuint (magnet->peers->len, ==, 2);
  assert_peer (magnet, 0, "10.0.0.1", 6881);
  assert_peer (magnet, 1, "2001:db8::1", 51413);
  g_assert_cmpuint (magnet->peer_hosts->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (magnet->peer_hosts, 0), ==, "peer.example:7000");
  g_assert_false (magnet->has_v2_hash);
}

static void
test_parse_base32 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) upper = bt_magnet_parse ("magnet:?xt=urn:btih:" B32_HASH, &error);
  g_autoptr(BtMagnet) lower = NULL;
  g_autofree char *lower_uri = g_ascii_strdown ("MAGNET:?XT=URN:BTIH:" B32_HASH, -1);

  g_assert_no_error (error);
  g_assert_cmpmem (upper->info_hash, 20, hash_bytes, 20);
  g_assert_null (upper->name);
  g_assert_cmpuint (upper->trackers->len, ==, 0);

  lower = bt_magnet_parse (lower_uri, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (lower->info_hash, 20, hash_bytes, 20);
}

static void
test_hybrid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) magnet = NULL;
  g_autofree char *btmh = g_strconcat ("urn:btmh:1220", HEX_HASH, "000000000000000000000000", NULL);
  g_autofree char *hybrid = g_strdup_printf ("magnet:?xt=%s&xt=urn:btih:%s", btmh, HEX_HASH);
  g_autofree char *v2 = g_strdup_printf ("magnet:?xt=%s&dn=x", btmh);

  magnet = bt_magnet_parse (hybrid, &error);
  g_assert_no_error (error);
  g_assert_true (magnet->has_v2_hash);
  g_assert_cmpmem (magnet->info_hash, 20, hash_bytes, 20);

  g_assert_null (bt_magnet_parse (v2, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_METAINFO_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "v2"));
}

static void
test_format_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) magnet = bt_magnet_new (hash_bytes);
  g_autoptr(BtMagnet) again = NULL;
  g_autoptr(BtMagnet) copy = NULL;
  g_autoptr(GInetAddress) v6 = g_inet_address_new_from_string ("::1");
  g_autofree char *uri = NULL;
  g_autofree char *uri2 = NULL;

  magnet->name = g_strdup ("a & b = c + ünï/%");
  magnet->length = 42;
  g_ptr_array_add (magnet->trackers, g_strdup ("http://t.example/ann?a=1&b=2"));
  g_ptr_array_add (magnet->trackers, g_strdup ("udp://u.example:80"));
  g_ptr_array_add (magnet->web_seeds, g_strdup ("https://w.example/"));
  g_ptr_array_add (magnet->peers, g_inet_socket_address_new (v6, 5));
  g_ptr_array_add (magnet->peer_hosts, g_strdup ("host.example:9"));

  uri = bt_magnet_to_string (magnet);
  g_assert_true (g_str_has_prefix (uri, "magnet:?xt=urn:btih:" HEX_HASH "&dn="));
  /* Reserved characters are escaped, so each value is one parameter. */
  g_assert_null (strchr (uri + strlen ("magnet:?xt=urn:btih:" HEX_HASH "&dn="), ' '));

  again = bt_magnet_parse (uri, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (again->info_hash, 20, hash_bytes, 20);
  g_assert_cmpstr (again->name, ==, magnet->name);
  g_assert_cmpuint (again->length, ==, 42);
  g_assert_cmpuint (again->trackers->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (again->trackers, 0), ==, "http://t.example/ann?a=1&b=2");
  g_assert_cmpstr (g_ptr_array_index (again->trackers, 1), ==, "udp://u.example:80");
  g_assert_cmpstr (g_ptr_array_index (again->web_seeds, 0), ==, "https://w.example/");
  assert_peer (again, 0, "::1", 5);
  g_assert_cmpstr (g_ptr_array_index (again->peer_hosts, 0), ==, "host.example:9");

  /* Canonical: formatting what was parsed gives the same text. */
  copy = bt_magnet_copy (again);
  uri2 = bt_magnet_to_string (copy);
  g_assert_cmpstr (uri2, ==, uri);
}

static void
assert_refused (const char *uri,
                int         code,
                const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) magnet = bt_magnet_parse (uri, &error);

  g_test_message ("%.120s", uri);
  g_assert_null (magnet);
  g_assert_error (error, BT_ERROR, code);
  if (fragment != NULL)
    g_assert_nonnull (strstr (error->message, fragment));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_hostile (void)
{
  assert_refused ("http://example.com/", BT_ERROR_MAGNET_INVALID, "not a magnet");
  assert_refused ("magnet:", BT_ERROR_MAGNET_INVALID, "no info-hash (xt=urn:btih:");
  assert_refused ("magnet:?dn=x&tr=http://a/", BT_ERROR_MAGNET_INVALID, "no info-hash");
  assert_refused ("magnet:?xt=urn:ed2k:31D6CFE0D16AE931B73C59D7E0C089C0", BT_ERROR_MAGNET_INVALID, NULL);
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "0", BT_ERROR_MAGNET_INVALID, "41 characters");
  assert_refused ("magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88g",
                  BT_ERROR_MAGNET_INVALID, "damaged");
  assert_refused ("magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE1", BT_ERROR_MAGNET_INVALID, NULL);
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&xt=urn:btih:" B32_HASH "&xt=urn:btih:"
                  "0000000000000000000000000000000000000000", BT_ERROR_MAGNET_INVALID, "two");
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&dn=%4", BT_ERROR_MAGNET_INVALID, "escape");
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&dn=%zz", BT_ERROR_MAGNET_INVALID, "escape");
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&dn=a%00b", BT_ERROR_MAGNET_INVALID, "NUL");
  assert_refused ("magnet:?xt=urn:btih:%", BT_ERROR_MAGNET_INVALID, "escape");
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&x.pe=1.2.3.4", BT_ERROR_MAGNET_INVALID, "host:port");
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&x.pe=1.2.3.4:0", BT_ERROR_MAGNET_INVALID, NULL);
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&x.pe=1.2.3.4:65536", BT_ERROR_MAGNET_INVALID, NULL);
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&x.pe=::1:80", BT_ERROR_MAGNET_INVALID, NULL);
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&x.pe=[1.2.3.4]:80", BT_ERROR_MAGNET_INVALID, NULL);
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&x.pe=ba%0Ad:80", BT_ERROR_MAGNET_INVALID, NULL);
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&xl=-1", BT_ERROR_MAGNET_INVALID, "xl");
  assert_refused ("magnet:?xt=urn:btih:" HEX_HASH "&xl=1e9", BT_ERROR_MAGNET_INVALID, "xl");
  assert_refused ("magnet:?xt=urn:btmh:1220" HEX_HASH, BT_ERROR_MAGNET_INVALID, "v2");
}

static void
test_limits (void)
{
  GString *uri = g_string_new ("magnet:?xt=urn:btih:" HEX_HASH);
  g_autofree char *text = NULL;

  for (guint i = 0; i <= BT_MAGNET_MAX_TRACKERS; i++)
    g_string_append_printf (uri, "&tr=http://t%u.example/", i);
  assert_refused (uri->str, BT_ERROR_METAINFO_LIMIT, "trackers");

  g_string_assign (uri, "magnet:?xt=urn:btih:" HEX_HASH);
  for (guint i = 0; i <= BT_MAGNET_MAX_PEERS; i++)
    g_string_append_printf (uri, "&x.pe=10.0.%u.%u:1", i / 256, i % 256);
  assert_refused (uri->str, BT_ERROR_METAINFO_LIMIT, "peers");

  g_string_assign (uri, "magnet:?xt=urn:btih:" HEX_HASH "&dn=");
  while (uri->len <= BT_MAGNET_MAX_LENGTH)
    g_string_append_c (uri, 'a');
  assert_refused (uri->str, BT_ERROR_METAINFO_LIMIT, "bytes");

  /* Duplicates do not count against the limit. */
  g_string_assign (uri, "magnet:?xt=urn:btih:" HEX_HASH);
  for (guint i = 0; i < 2 * BT_MAGNET_MAX_TRACKERS; i++)
    g_string_append (uri, "&tr=http://same.example/");
  text = g_string_free (uri, FALSE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BtMagnet) magnet = bt_magnet_parse (text, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (magnet->trackers->len, ==, 1);
  }
}

static void
test_lenient (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) magnet = NULL;

  /* Junk URLs are skipped, control characters and bad UTF-8 in the name
   * are made harmless, empty and key-less parameters are ignored. */
  magnet = bt_magnet_parse ("magnet:?&&=x&xt=urn:btih:" HEX_HASH
                            "&tr=not%20a%20url&tr=&tr=http://ok.example/"
                            "&ws=%FF%FE&dn=%1B%5B31mred%C3%28&dn=second", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (magnet->trackers->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (magnet->trackers, 0), ==, "http://ok.example/");
  g_assert_cmpuint (magnet->web_seeds->len, ==, 0);
  g_assert_nonnull (magnet->name);
  g_assert_true (g_utf8_validate (magnet->name, -1, NULL));
  g_assert_null (strchr (magnet->name, '\x1b'));
  g_assert_true (g_str_has_prefix (magnet->name, " [31mred"));

  g_assert_true (bt_magnet_is_magnet ("MAGNET:?xt"));
  g_assert_false (bt_magnet_is_magnet ("/home/me/magnet:.torrent"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/magnet/parse-hex", test_parse_hex);
  g_test_add_func ("/engine/magnet/parse-base32", test_parse_base32);
  g_test_add_func ("/engine/magnet/hybrid", test_hybrid);
  g_test_add_func ("/engine/magnet/format-roundtrip", test_format_roundtrip);
  g_test_add_func ("/engine/magnet/hostile", test_hostile);
  g_test_add_func ("/engine/magnet/limits", test_limits);
  g_test_add_func ("/engine/magnet/lenient", test_lenient);

  return g_test_run ();
}
