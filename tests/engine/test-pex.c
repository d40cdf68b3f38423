/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Peer exchange (BEP 11): the codec, the per-peer rules (one message a
 * minute, at most 50 + 50 entries, only what changed), and a swarm of
 * three of our engines in which one peer can only be found through PEX.
 */
#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-peer-info.h"
#include "bt-pex.h"
#include "bt-session.h"
#include "bt-test-util.h"
#include "bt-torrent.h"

#define SECOND G_USEC_PER_SEC

static GInetSocketAddress *
address (const char *ip,
         guint16     port)
{
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (ip, port));
}

static char *
address_string (GInetSocketAddress *address)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  return g_strdup_printf ("%s/%u", ip, g_inet_socket_address_get_port (address));
}

static void
add_peer (GPtrArray  *list,
          const char *ip,
          guint16     port,
          guint8      flags)
{
  g_autoptr(GInetSocketAddress) a = address (ip, port);

  g_ptr_array_add (list, bt_pex_peer_new (a, flags));
}

static GPtrArray *
peer_list (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) bt_pex_peer_free);
}

/* Codec */

static void
test_codec (void)
{
  g_autoptr(BtPexMessage) message = bt_pex_message_new ();
  g_autoptr(BtPexMessage) back = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected_added[] = { "10.0.0.1/6881", "192.0.2.9/51413", "2001:db8::5/443" };
  const guint8 expected_flags[] = { BT_PEX_FLAG_SEED, BT_PEX_FLAG_REACHABLE, BT_PEX_FLAG_ENCRYPTION };
  const char *expected_dropped[] = { "10.0.0.2/1", "2001:db8::6/2" };

  add_peer (message->added, "10.0.0.1", 6881, BT_PEX_FLAG_SEED);
  add_peer (message->added, "2001:db8::5", 443, BT_PEX_FLAG_ENCRYPTION);
  add_peer (message->added, "::ffff:192.0.2.9", 51413, BT_PEX_FLAG_REACHABLE);
  g_ptr_array_add (message->dropped, address ("10.0.0.2", 1));
  g_ptr_array_add (message->dropped, address ("2001:db8::6", 2));
  payload = bt_pex_build (message);

  back = bt_pex_parse (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->added->len, ==, 3);
  g_assert_cmpuint (back->dropped->len, ==, 2);
  /* IPv4 first ("added"), then IPv6 ("added6"). */
  for (guint i = 0; i < 3; i++)
    {
      BtPexPeer *peer = g_ptr_array_index (back->added, i);
      g_autofree char *text = address_string (peer->address);

      g_assert_cmpstr (text, ==, expected_added[i]);
      g_assert_cmpuint (peer->flags, ==, expected_flags[i]);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *text = address_string (g_ptr_array_index (back->dropped, i));

      g_assert_cmpstr (text, ==, expected_dropped[i]);
    }
}

static void
test_codec_bytes (void)
{
  g_autoptr(BtPexMessage) message = bt_pex_message_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) empty = NULL;
  g_autoptr(BtPexMessage) none = bt_pex_message_new ();

  add_peer (message->added, "1.2.3.4", 0x1a2b, BT_PEX_FLAG_SEED);
  payload = bt_pex_build (message);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                   "d5:added6:\x01\x02\x03\x04\x1a\x2b" "7:added.f1:\x02" "e", 29);
  empty = bt_pex_build (none);
  g_assert_cmpmem (g_bytes_get_data (empty, NULL), g_bytes_get_size (empty), "de", 2);
}

static BtPexMessage *
parse_string (const char  *text,
              gsize        length,
              GError     **error)
{
  return bt_pex_parse ((const guint8 *) text, length, error);
}

static void
test_codec_bad (void)
{
  const struct { const char *text; gsize length; } cases[] = {
    { "", 0 },
    { "x", 1 },
    { "le", 2 },
    { "d5:added5:\x01\x02\x03\x04\x05" "e", 16 },          /* not 6 bytes a peer */
    { "d6:added610:0123456789e", 23 },                       /* not 18 */
    { "d7:dropped7:1234567e", 20 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BtPexMessage) message = NULL;

      g_test_message ("case %u", i);
      message = parse_string (cases[i].text, cases[i].length, &error);
      g_assert_null (message);
      g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
    }
}

/* Entries nobody can dial are left out, flags missing read as 0, and a
 * list far longer than BEP 11 allows is read only up to our bound. */
static void
test_codec_lenient (void)
{
  g_autoptr(GByteArray) text = g_byte_array_new ();
  g_autoptr(BtPexMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *header = NULL;
  guint n = BT_PEX_MAX_PARSED + 50;

  header = g_strdup_printf ("d5:added%u:", (n + 3) * 6);
  g_byte_array_append (text, (const guint8 *) header, strlen (header));
  g_byte_array_append (text, (const guint8 *) "\x01\x02\x03\x04\x00\x00", 6); /* port 0 */
  g_byte_array_append (text, (const guint8 *) "\x00\x00\x00\x00\x00\x01", 6); /* 0.0.0.0 */
  g_byte_array_append (text, (const guint8 *) "\xe0\x00\x00\x01\x00\x01", 6); /* multicast */
  for (guint i = 0; i < n; i++)
    {
      guint8 entry[6] = { 10, 0, i >> 8, i & 0xff, 0x1a, 0xe1 };

      g_byte_array_append (text, entry, 6);
    }
  g_byte_array_append (text, (const guint8 *) "7:added.f1:\x12" "e", 13);

  message = bt_pex_parse (text->data, text->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (message->added->len, ==, BT_PEX_MAX_PARSED);
  /* The one flags byte there is belongs to the first entry (port 0, left
   * out); the others have none. */
  for (guint i = 0; i < message->added->len; i++)
    g_assert_cmpuint (((BtPexPeer *) g_ptr_array_index (message->added, i))->flags, ==, 0);
}

/* Per-peer state */

static gboolean
message_has (GBytes     *payload,
             const char *ip,
             guint16     port,
             gboolean    dropped)
{
  g_autoptr(BtPexMessage) message = bt_pex_parse (g_bytes_get_data (payload, NULL),
                                                  g_bytes_get_size (payload), NULL);
  g_autoptr(GInetSocketAddress) wanted = address (ip, port);
  g_autofree char *wanted_text = address_string (wanted);
  GPtrArray *list = dropped ? message->dropped : message->added;

  for (guint i = 0; i < list->len; i++)
    {
      GInetSocketAddress *a = dropped ? g_ptr_array_index (list, i)
                                      : ((BtPexPeer *) g_ptr_array_index (list, i))->address;
      g_autofree char *text = address_string (a);

      if (g_strcmp0 (text, wanted_text) == 0)
        return TRUE;
    }
  return FALSE;
}

static guint
count_entries (GBytes   *payload,
               gboolean  dropped)
{
  g_autoptr(BtPexMessage) message = bt_pex_parse (g_bytes_get_data (payload, NULL),
                                                  g_bytes_get_size (payload), NULL);

  return dropped ? message->dropped->len : message->added->len;
}

static void
test_state_diff (void)
{
  g_autoptr(BtPexState) state = bt_pex_state_new ();
  g_autoptr(GPtrArray) current = peer_list ();
  g_autoptr(GPtrArray) empty = peer_list ();
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  gint64 t = 1000 * SECOND;

  /* Nothing to say yet: no message, and the minute has not started. */
  g_assert_null (bt_pex_state_update (state, empty, t));

  add_peer (current, "10.0.0.1", 1, 0);
  add_peer (current, "10.0.0.2", 2, 0);
  add_peer (current, "10.0.0.2", 2, 0); /* twice: told once */
  first = bt_pex_state_update (state, current, t + 1);
  g_assert_nonnull (first);
  g_assert_cmpuint (count_entries (first, FALSE), ==, 2);
  g_assert_cmpuint (count_entries (first, TRUE), ==, 0);

  /* A change within the minute waits. */
  g_ptr_array_remove_index (current, 0);
  add_peer (current, "10.0.0.3", 3, 0);
  g_assert_null (bt_pex_state_update (state, current, t + 30 * SECOND));

  second = bt_pex_state_update (state, current, t + 1 + BT_PEX_INTERVAL_S * SECOND);
  g_assert_nonnull (second);
  g_assert_cmpuint (count_entries (second, FALSE), ==, 1);
  g_assert_true (message_has (second, "10.0.0.3", 3, FALSE));
  g_assert_cmpuint (count_entries (second, TRUE), ==, 1);
  g_assert_true (message_has (second, "10.0.0.1", 1, TRUE));

  /* Nothing changed: nothing sent, even after the minute. */
  g_assert_null (bt_pex_state_update (state, current, t + 10 * BT_PEX_INTERVAL_S * SECOND));
}

/* At most 50 added a message; the rest follow a minute later. */
static void
test_state_caps (void)
{
  g_autoptr(BtPexState) state = bt_pex_state_new ();
  g_autoptr(GPtrArray) current = peer_list ();
  g_autoptr(GPtrArray) empty = peer_list ();
  gint64 t = 1000 * SECOND;
  guint total = 0;

  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *ip = g_strdup_printf ("10.1.0.%u", i);

      add_peer (current, ip, 6881, 0);
    }
  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(GBytes) payload = bt_pex_state_update (state, current,
                                                       t + round * BT_PEX_INTERVAL_S * SECOND);
      guint n = count_entries (payload, FALSE);

      g_assert_cmpuint (n, ==, round < 2 ? BT_PEX_MAX_ADDED : 120 - 2 * BT_PEX_MAX_ADDED);
      total += n;
    }
  g_assert_cmpuint (total, ==, 120);

  /* All of them gone: dropped 50 at a time as well. */
  for (guint round = 3; round < 6; round++)
    {
      g_autoptr(GBytes) payload = bt_pex_state_update (state, empty,
                                                       t + round * BT_PEX_INTERVAL_S * SECOND);

      g_assert_cmpuint (count_entries (payload, TRUE), ==,
                        round < 5 ? BT_PEX_MAX_DROPPED : 120 - 2 * BT_PEX_MAX_DROPPED);
      g_assert_cmpuint (count_entries (payload, FALSE), ==, 0);
    }
}

static void
test_state_accept (void)
{
  g_autoptr(BtPexState) state = bt_pex_state_new ();
  gint64 t = 1000 * SECOND;

  g_assert_true (bt_pex_state_accept (state, t));
  g_assert_false (bt_pex_state_accept (state, t + 10 * SECOND));
  g_assert_false (bt_pex_state_accept (state, t + (BT_PEX_MIN_RECEIVE_INTERVAL_S - 1) * SECOND));
  g_assert_true (bt_pex_state_accept (state, t + BT_PEX_MIN_RECEIVE_INTERVAL_S * SECOND));
}

/* A swarm of three of our engines. B seeds; A knows B and C but up- and
 * downloads at 1 byte/s, so it has almost nothing to give; C knows only A. C can
 * only complete if it meets B, and only A's PEX can tell either of them
 * about the other (B does not know C, C does not know B). */

#define SWARM_PIECE_LENGTH (16 * 1024)
#define SWARM_SIZE (40 * SWARM_PIECE_LENGTH + 1234)
#define SWARM_TIMEOUT_S 20

typedef struct
{
  BtSession *session;
  BtTorrent *torrent;
  guint16    port;
  char      *dir;
} Node;

static void
node_start (Node       *node,
            BtMetainfo *meta,
            const char *dir,
            gboolean    has_data)
{
  g_autoptr(GError) error = NULL;
  BtSessionConfig config = { 0 };

  config.bind_address = "127.0.0.1";
  node->session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  node->port = bt_session_get_port (node->session);
  node->dir = g_strdup (dir);
  node->torrent = bt_session_add_torrent (node->session, meta, dir, !has_data, &error);
  g_assert_no_error (error);
  bt_torrent_start (node->torrent);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for_state (BtTorrent      *torrent,
                BtTorrentState  state)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (SWARM_TIMEOUT_S, timeout_cb, &timed_out);

  while (!timed_out && bt_torrent_get_state (torrent) != state
         && bt_torrent_get_state (torrent) != BT_TORRENT_STATE_ERROR)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (bt_torrent_get_state (torrent), ==, state);
  g_source_remove (id);
}

static void
test_swarm (void)
{
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *dir_a = g_build_filename (tmpdir, "a", NULL);
  g_autofree char *dir_b = g_build_filename (tmpdir, "b", NULL);
  g_autofree char *dir_c = g_build_filename (tmpdir, "c", NULL);
  g_autofree char *source_path = g_build_filename (dir_b, "payload.bin", NULL);
  g_autofree char *result_path = g_build_filename (dir_c, "payload.bin", NULL);
  g_autoptr(GFile) source = g_file_new_for_path (source_path);
  g_autoptr(GBytes) torrent_bytes = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) at_a = NULL;
  g_autoptr(GInetSocketAddress) at_b = NULL;
  g_autoptr(GInetSocketAddress) at_c = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *received = NULL;
  BtMetainfoCreateOptions options = { 0 };
  Node a = { 0 }, b = { 0 }, c = { 0 };
  gsize expected_length;
  gsize received_length;

  bt_test_write_random_file (source_path, SWARM_SIZE, 11);
  g_assert_true (g_mkdir_with_parents (dir_a, 0700) == 0 && g_mkdir_with_parents (dir_c, 0700) == 0);
  options.piece_length = SWARM_PIECE_LENGTH;
  options.creation_date = -1;
  torrent_bytes = bt_metainfo_create (source, &options, NULL, &error);
  g_assert_no_error (error);
  meta = bt_metainfo_new_from_bytes (torrent_bytes, &error);
  g_assert_no_error (error);
  g_assert_false (bt_metainfo_is_private (meta));

  node_start (&b, meta, dir_b, TRUE);
  wait_for_state (b.torrent, BT_TORRENT_STATE_SEEDING);
  node_start (&a, meta, dir_a, FALSE);
  node_start (&c, meta, dir_c, FALSE);
  /* A stays a leecher with next to nothing: connected to B (two seeds
   * would part) and with nothing much to give C. */
  bt_torrent_set_download_limit (a.torrent, 1);
  bt_torrent_set_upload_limit (a.torrent, 1);

  at_a = address ("127.0.0.1", a.port);
  at_b = address ("127.0.0.1", b.port);
  at_c = address ("127.0.0.1", c.port);
  bt_torrent_add_peer_address (a.torrent, at_b);
  bt_torrent_add_peer_address (a.torrent, at_c);
  bt_torrent_add_peer_address (c.torrent, at_a);

  /* Watching the peer tables on the way: B and C heard of each other only
   * from A, so the one that dialled the other shows it with the 'X' flag;
   * A, given to both by hand, never has it. */
  {
    g_autofree char *b_address = g_strdup_printf ("127.0.0.1:%u", b.port);
    g_autofree char *c_address = g_strdup_printf ("127.0.0.1:%u", c.port);
    g_autofree char *a_address = g_strdup_printf ("127.0.0.1:%u", a.port);
    gboolean saw_from_pex = FALSE;
    gboolean saw_a_from_pex = FALSE;
    gboolean timed_out = FALSE;
    guint id = g_timeout_add_seconds (SWARM_TIMEOUT_S, timeout_cb, &timed_out);

    while (!timed_out && bt_torrent_get_state (c.torrent) != BT_TORRENT_STATE_SEEDING
           && bt_torrent_get_state (c.torrent) != BT_TORRENT_STATE_ERROR)
      {
        BtTorrent *watched[] = { b.torrent, c.torrent };
        const char *other[] = { c_address, b_address };

        for (guint w = 0; w < G_N_ELEMENTS (watched); w++)
          {
            GListModel *peers = bt_torrent_get_peers (watched[w]);

            for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
              {
                g_autoptr(BtPeerInfo) info = g_list_model_get_item (peers, i);
                gboolean x = strchr (bt_peer_info_get_flags (info), 'X') != NULL;

                if (g_str_equal (bt_peer_info_get_address (info), other[w]))
                  saw_from_pex |= x;
                else if (g_str_equal (bt_peer_info_get_address (info), a_address))
                  saw_a_from_pex |= x;
              }
          }
        g_main_context_iteration (NULL, TRUE);
      }
    g_assert_cmpint (bt_torrent_get_state (c.torrent), ==, BT_TORRENT_STATE_SEEDING);
    g_source_remove (id);
    g_assert_true (saw_from_pex);
    g_assert_false (saw_a_from_pex);
  }

  g_assert_true (g_file_get_contents (source_path, &expected, &expected_length, NULL));
  g_assert_true (g_file_get_contents (result_path, &received, &received_length, NULL));
  g_assert_cmpmem (received, received_length, expected, expected_length);
  /* A gave at most its rate limiter's burst; the rest came from B. */
  g_test_message ("A uploaded %" G_GUINT64_FORMAT " bytes, C downloaded %" G_GUINT64_FORMAT,
                  bt_torrent_get_uploaded (a.torrent), bt_torrent_get_downloaded (c.torrent));
  g_assert_cmpuint (bt_torrent_get_uploaded (a.torrent), <, SWARM_SIZE / 4);
  g_assert_cmpuint (bt_torrent_get_downloaded (c.torrent), >=, SWARM_SIZE);
  /* B and C met: one of them learned the other from A. */
  g_assert_cmpuint (bt_torrent_get_n_known_peers (c.torrent) + bt_torrent_get_n_known_peers (b.torrent),
                    >=, 2);

  g_clear_object (&a.session);
  g_clear_object (&b.session);
  g_clear_object (&c.session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (a.dir);
  g_free (b.dir);
  g_free (c.dir);
  bt_test_remove_tree (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/pex/codec", test_codec);
  g_test_add_func ("/engine/pex/codec-bytes", test_codec_bytes);
  g_test_add_func ("/engine/pex/codec-bad", test_codec_bad);
  g_test_add_func ("/engine/pex/codec-lenient", test_codec_lenient);
  g_test_add_func ("/engine/pex/state-diff", test_state_diff);
  g_test_add_func ("/engine/pex/state-caps", test_state_caps);
  g_test_add_func ("/engine/pex/state-accept", test_state_accept);
  g_test_add_func ("/engine/pex/swarm", test_swarm);

  return g_test_run ();
}
