/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Local service discovery (BEP 14): the BT-SEARCH codec, and two
 * discovery services on the loopback interface finding each other.
 */
#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-bencode.h"
#include "bt-lsd.h"
#include "bt-metainfo.h"
#include "bt-test-util.h"
#include "bt-torrent.h"

#define TIMEOUT_S 5

static void
test_codec (void)
{
  guint8 hashes[40];
  g_autoptr(GBytes) datagram = NULL;
  g_autoptr(GArray) parsed = NULL;
  g_autofree char *cookie = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port = 0;

  for (guint i = 0; i < 40; i++)
    hashes[i] = (guint8) (i * 7);
  datagram = bt_lsd_build_announce ("239.192.152.143:6771", 51413, hashes, 2, "abc");
  g_assert_cmpmem (g_bytes_get_data (datagram, NULL), 34, "BT-SEARCH * HTTP/1.1\r\nHost: 239.19", 34);
  g_assert_true (bt_lsd_parse_announce (g_bytes_get_data (datagram, NULL),
                                        g_bytes_get_size (datagram), &port, &parsed, &cookie,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (port, ==, 51413);
  g_assert_cmpuint (parsed->len, ==, 2);
  g_assert_cmpmem (parsed->data, 40, hashes, 40);
  g_assert_cmpstr (cookie, ==, "abc");
}

/* Other writers: LF line ends, any case, upper-case hex, no cookie. */
static void
test_codec_lenient (void)
{
  const char *text = "BT-SEARCH * HTTP/1.1\nhost: 239.192.152.143:6771\nPORT: 6881\n"
                     "INFOHASH: 0123456789ABCDEF0123456789ABCDEF01234567\nX-Other: 1\n\n\n";
  g_autoptr(GArray) parsed = NULL;
  g_autofree char *cookie = NULL;
  guint16 port = 0;

  g_assert_true (bt_lsd_parse_announce ((const guint8 *) text, strlen (text), &port, &parsed,
                                        &cookie, NULL));
  g_assert_cmpuint (port, ==, 6881);
  g_assert_cmpuint (parsed->len, ==, 1);
  g_assert_cmpuint (g_array_index (parsed, guint8, 0), ==, 0x01);
  g_assert_cmpuint (g_array_index (parsed, guint8, 19), ==, 0x67);
  g_assert_null (cookie);
}

static void
test_codec_bad (void)
{
  const char *cases[] = {
    "",
    "GET / HTTP/1.1\r\nPort: 1\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n",
    "BT-SEARCH * HTTP/1.1\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n",
    "BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n",
    "BT-SEARCH * HTTP/1.1\r\nPort: 70000\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n",
    "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: 0123456789abcdef\r\n",
    "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: 0123456789abcdef0123456789abcdef0123456z\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) parsed = NULL;
      g_autofree char *cookie = NULL;
      g_autoptr(GError) error = NULL;
      guint16 port;

      g_test_message ("case %u", i);
      g_assert_false (bt_lsd_parse_announce ((const guint8 *) cases[i], strlen (cases[i]), &port,
                                             &parsed, &cookie, &error));
      g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
    }
}

typedef struct
{
  GPtrArray *found; /* "hex-first-byte port" strings */
} Heard;

static void
peer_found_cb (BtLsd              *lsd,
               GBytes             *info_hash,
               GInetSocketAddress *address,
               gpointer            user_data)
{
  Heard *heard = user_data;
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  g_assert_cmpuint (g_bytes_get_size (info_hash), ==, 20);
  g_ptr_array_add (heard->found,
                   g_strdup_printf ("%02x %s:%u", *(const guint8 *) g_bytes_get_data (info_hash, NULL),
                                    ip, g_inet_socket_address_get_port (address)));
}

static guint16
free_udp_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
contains (GPtrArray  *list,
          const char *text)
{
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (g_ptr_array_index (list, i), text) == 0)
      return TRUE;
  return FALSE;
}

/* Two services on loopback: each hears the other's announce of the
 * torrent both have, never its own, and nothing of a torrent it does not
 * have. */
static void
test_loopback (void)
{
  BtLsdConfig config = { .port = free_udp_port (), .interface_address = "127.0.0.1" };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtLsd) a = NULL;
  g_autoptr(BtLsd) b = NULL;
  g_autoptr(GPtrArray) heard_a_list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) heard_b_list = g_ptr_array_new_with_free_func (g_free);
  Heard heard_a = { heard_a_list };
  Heard heard_b = { heard_b_list };
  guint8 shared[20];
  guint8 only_a[20];
  gboolean timed_out = FALSE;
  guint id;

  memset (shared, 0xab, 20);
  memset (only_a, 0xcd, 20);
  a = bt_lsd_new (&config, &error);
  g_assert_no_error (error);
  b = bt_lsd_new (&config, &error);
  g_assert_no_error (error);
  g_signal_connect (a, "peer-found", G_CALLBACK (peer_found_cb), &heard_a);
  g_signal_connect (b, "peer-found", G_CALLBACK (peer_found_cb), &heard_b);

  bt_lsd_add_torrent (b, shared, 2222);
  bt_lsd_add_torrent (a, shared, 1111);
  bt_lsd_add_torrent (a, only_a, 1111);

  id = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, &timed_out);
  while (!timed_out && (heard_b.found->len == 0 || heard_a.found->len == 0))
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
  /* A datagram sent to the group by one is heard by both sockets; let
   * stragglers arrive before counting. */
  timed_out = FALSE;
  id = g_timeout_add (200, timeout_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (contains (heard_b.found, "ab 127.0.0.1:1111"));
  g_assert_cmpuint (heard_b.found->len, ==, 1); /* not only_a, not itself */
  /* B's announce was still queued on A's socket when A registered. */
  g_assert_true (contains (heard_a.found, "ab 127.0.0.1:2222"));
  g_assert_cmpuint (heard_a.found->len, ==, 1);
}

/* A flood from the LAN is cut at BT_LSD_MAX_RECEIVED_PER_S a second. */
static void
test_flood (void)
{
  BtLsdConfig config = { .port = free_udp_port (), .interface_address = "127.0.0.1" };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtLsd) lsd = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSocket) sender = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new_from_string ("127.0.0.1", config.port);
  Heard heard = { list };
  guint8 hash[20];
  gboolean timed_out = FALSE;

  memset (hash, 0x11, 20);
  lsd = bt_lsd_new (&config, &error);
  g_assert_no_error (error);
  g_signal_connect (lsd, "peer-found", G_CALLBACK (peer_found_cb), &heard);
  bt_lsd_add_torrent (lsd, hash, 3333);
  for (guint i = 0; i < 4 * BT_LSD_MAX_RECEIVED_PER_S; i++)
    {
      g_autoptr(GBytes) datagram = bt_lsd_build_announce ("x", 1000 + i, hash, 1, "other");

      g_socket_send_to (sender, to, g_bytes_get_data (datagram, NULL),
                        g_bytes_get_size (datagram), NULL, NULL);
    }
  g_timeout_add (300, timeout_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (heard.found->len, >, 0);
  g_assert_cmpuint (heard.found->len, <=, BT_LSD_MAX_RECEIVED_PER_S);
}

static BtMetainfo *
make_metainfo (gboolean is_private)
{
  g_autoptr(BtBencode) torrent = bt_bencode_new_dict ();
  g_autoptr(GBytes) bytes = NULL;
  BtBencode *info = bt_bencode_new_dict ();
  guint8 hashes[40] = { 1, 2, 3 };
  BtMetainfo *meta;

  bt_bencode_dict_set (info, "length", bt_bencode_new_integer (20000));
  bt_bencode_dict_set (info, "name", bt_bencode_new_string (is_private ? "private" : "public"));
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (16384));
  bt_bencode_dict_set (info, "pieces", bt_bencode_new_string_len (hashes, 40));
  if (is_private)
    bt_bencode_dict_set (info, "private", bt_bencode_new_integer (1));
  bt_bencode_dict_set (torrent, "info", info);
  bytes = bt_bencode_encode (torrent);
  meta = bt_metainfo_new_from_bytes (bytes, NULL);
  g_assert_nonnull (meta);
  return meta;
}

/* A torrent given the session's discovery service announces itself and
 * takes the peers it hears of; a private one does neither (BEP 27). */
static void
test_torrent (gconstpointer data)
{
  gboolean is_private = GPOINTER_TO_INT (data);
  BtLsdConfig lsd_config = { .port = free_udp_port (), .interface_address = "127.0.0.1" };
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BtLsd) ours = NULL;
  g_autoptr(BtLsd) other = NULL;
  g_autoptr(BtMetainfo) meta = make_metainfo (is_private);
  g_autoptr(BtTorrent) torrent = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *expected = NULL;
  BtTorrentConfig config = { { 0 } };
  Heard heard = { list };
  gboolean timed_out = FALSE;
  guint id;

  ours = bt_lsd_new (&lsd_config, &error);
  g_assert_no_error (error);
  other = bt_lsd_new (&lsd_config, &error);
  g_assert_no_error (error);
  g_signal_connect (other, "peer-found", G_CALLBACK (peer_found_cb), &heard);
  /* The other side first, so that our announce is what it hears. */
  bt_lsd_add_torrent (other, bt_metainfo_get_info_hash (meta), 7777);

  config.port = 5555;
  config.lsd = ours;
  torrent = bt_torrent_new (meta, tmpdir, &config, &error);
  g_assert_no_error (error);

  id = g_timeout_add (is_private ? 500 : TIMEOUT_S * 1000, timeout_cb, &timed_out);
  while (!timed_out && (heard.found->len == 0 || bt_torrent_get_n_known_peers (torrent) == 0))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);

  expected = g_strdup_printf ("%02x 127.0.0.1:5555", bt_metainfo_get_info_hash (meta)[0]);
  if (is_private)
    {
      g_assert_cmpuint (heard.found->len, ==, 0);
      g_assert_cmpuint (bt_torrent_get_n_known_peers (torrent), ==, 0);
    }
  else
    {
      g_assert_true (contains (heard.found, expected));
      /* The other announced first; its datagram waited on our socket. */
      g_assert_cmpuint (bt_torrent_get_n_known_peers (torrent), ==, 1);
    }

  g_clear_object (&torrent);
  bt_test_remove_tree (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/lsd/codec", test_codec);
  g_test_add_func ("/engine/lsd/codec-lenient", test_codec_lenient);
  g_test_add_func ("/engine/lsd/codec-bad", test_codec_bad);
  g_test_add_func ("/engine/lsd/loopback", test_loopback);
  g_test_add_func ("/engine/lsd/flood", test_flood);
  g_test_add_data_func ("/engine/lsd/torrent", GINT_TO_POINTER (FALSE), test_torrent);
  g_test_add_data_func ("/engine/lsd/torrent-private", GINT_TO_POINTER (TRUE), test_torrent);

  return g_test_run ();
}
