/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The bounds of bt-limits.h that protect against hostile input, each shown
 * to hold: a message length is refused from its 4-byte prefix, before
 * anything is buffered for it; bitfields must fit the piece count; tracker
 * replies, tracker lists, file lists and metadata are capped; a torrent
 * keeps at most so many connections, half-open ones, and requests to one
 * peer; a session budget caps connections across torrents.
 *
 * Bounds that need a protocol exchange to reach are tested where that
 * exchange is: request length and range, and queued requests per peer, in
 * test-serve and test-evil-peer; path depth and length and the tracker cap
 * of a .torrent in test-metainfo-hostile; tracker time-outs and redirects
 * in test-tracker-http and test-tracker-hostile.
 */
#include "config.h"

#include <string.h>

#include "bt-announcer.h"
#include "bt-bitfield.h"
#include "bt-error.h"
#include "bt-evil-peer.h"
#include "bt-limits.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-test-util.h"
#include "bt-torrent.h"
#include "bt-tracker-http.h"
#include "bt-ut-metadata.h"
#include "bt-wire.h"

/* Peer wire */

static void
test_message_length (void)
{
  guint32 max = bt_wire_max_message_length (100);
  guint8 prefix[4] = { (max + 1) >> 24, ((max + 1) >> 16) & 0xff, ((max + 1) >> 8) & 0xff,
                       (max + 1) & 0xff };
  guint8 at_max[4] = { max >> 24, (max >> 16) & 0xff, (max >> 8) & 0xff, max & 0xff };
  g_autoptr(GError) error = NULL;
  BtMessage message;

  /* The bound is the largest legitimate message, whatever the torrent. */
  g_assert_cmpuint (max, ==, MAX (9 + BT_BLOCK_SIZE, BT_WIRE_MAX_EXTENDED_LENGTH));
  g_assert_cmpuint (bt_wire_max_message_length (0), ==, max);
  g_assert_cmpuint (bt_wire_max_message_length (8 * 1000 * 1000), ==, 1 + 1000 * 1000);
  g_assert_cmpuint (bt_wire_max_message_length (G_MAXUINT32), ==,
                    1 + (guint32) (((guint64) G_MAXUINT32 + 7) / 8));

  /* One byte over: refused from the 4 prefix bytes alone, so a reader
   * never buffers (or allocates) for it. */
  g_assert_cmpint (bt_wire_parse_message (prefix, sizeof prefix, max, &message, &error), ==, -1);
  g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_TOO_LARGE);
  g_clear_error (&error);

  /* At the bound: waited for. */
  g_assert_cmpint (bt_wire_parse_message (at_max, sizeof at_max, max, &message, &error), ==, 0);
  g_assert_no_error (error);

  /* The largest prefix, against the largest bound any torrent gets. */
  memset (prefix, 0xff, sizeof prefix);
  g_assert_cmpint (bt_wire_parse_message (prefix, sizeof prefix,
                                          bt_wire_max_message_length (G_MAXUINT32),
                                          &message, &error), ==, -1);
  g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_TOO_LARGE);
}

static void
test_bitfield_length (void)
{
  guint8 bytes[3] = { 0xff, 0xff, 0x80 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBitfield) ok = NULL;

  /* 17 pieces need exactly 3 bytes... */
  ok = bt_bitfield_new_from_bytes (bytes, 3, 17, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_bitfield_count (ok), ==, 17);

  /* ...not 2, not 4, */
  g_assert_null (bt_bitfield_new_from_bytes (bytes, 2, 17, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_BITFIELD_INVALID);
  g_clear_error (&error);
  g_assert_null (bt_bitfield_new_from_bytes (bytes, 3, 24 + 1, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_BITFIELD_INVALID);
  g_clear_error (&error);

  /* and no bit past the last piece. */
  bytes[2] = 0xc0;
  g_assert_null (bt_bitfield_new_from_bytes (bytes, 3, 17, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_BITFIELD_INVALID);
}

/* Metadata and metainfo */

static void
test_metadata_size (void)
{
  static const guint8 info_hash[20] = "metadata-size-limit!";
  g_autoptr(GError) error = NULL;
  BtUtMetadataAssembler *assembler;

  assembler = bt_ut_metadata_assembler_new (info_hash, BT_UT_METADATA_MAX_SIZE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_ut_metadata_assembler_get_size (assembler), ==, BT_UT_METADATA_MAX_SIZE);
  bt_ut_metadata_assembler_free (assembler);

  g_assert_null (bt_ut_metadata_assembler_new (info_hash, (gint64) BT_UT_METADATA_MAX_SIZE + 1,
                                               &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
  g_clear_error (&error);
  g_assert_null (bt_ut_metadata_assembler_new (info_hash, G_MAXINT64, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
}

/* A multi-file torrent with @n_files one-byte files, all named "x" (the
 * count is checked before the names). */
static GBytes *
torrent_with_files (guint n_files)
{
  GString *s = g_string_new ("d4:infod5:filesl");
  guint64 n_pieces = (n_files + 16383) / 16384;

  for (guint i = 0; i < n_files; i++)
    g_string_append (s, "d6:lengthi1e4:pathl1:xee");
  g_string_append (s, "e4:name1:t12:piece lengthi16384e6:pieces");
  g_string_append_printf (s, "%" G_GUINT64_FORMAT ":", n_pieces * 20);
  for (guint64 i = 0; i < n_pieces * 20; i++)
    g_string_append_c (s, 'h');
  g_string_append (s, "ee");
  return g_string_free_to_bytes (s);
}

/* BT_METAINFO_MAX_FILES is not the bound that acts first: each file is 6
 * bencode values, so BT_BENCODE_MAX_ELEMENTS refuses a file list of a
 * third of a million, before the file count is looked at. */
#define FIRST_REFUSED_FILES (MIN (BT_METAINFO_MAX_FILES, BT_BENCODE_MAX_ELEMENTS / 6) + 1)

static void
test_file_count (void)
{
  g_autoptr(GBytes) many = NULL;
  g_autoptr(GBytes) some = torrent_with_files (1000);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  gint64 start;

  meta = bt_metainfo_new_from_bytes (some, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_metainfo_get_n_files (meta), ==, 1000);

#ifdef __SANITIZE_ADDRESS__
  /* Two million values cost minutes under AddressSanitizer with full
   * stacks; the unsanitized run of this test covers the refusal. */
  g_test_message ("the refusal of %u files is checked in the build without sanitizers",
                  FIRST_REFUSED_FILES);
  return;
#endif

  /* Refused, and fast: a hostile file list costs no more than reading it. */
  many = torrent_with_files (FIRST_REFUSED_FILES);
  start = g_get_monotonic_time ();
  g_assert_null (bt_metainfo_new_from_bytes (many, &error));
  g_assert_nonnull (error);
  g_assert_true (g_error_matches (error, BT_ERROR, BT_ERROR_METAINFO_LIMIT)
                 || g_error_matches (error, BT_ERROR, BT_ERROR_BENCODE_COUNT));
  g_test_message ("%u files: %s", FIRST_REFUSED_FILES, error->message);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

/* Files that all have the same name are numbered: the cost must grow with
 * the number of files, not with its square (20,000 such files took
 * minutes when each one tried every number from 1 up). */
static void
test_same_name_files (void)
{
  g_autoptr(GBytes) bytes = torrent_with_files (20000);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  gint64 start = g_get_monotonic_time ();

  meta = bt_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (bt_metainfo_get_n_files (meta), ==, 20000);
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, "t/x");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 1), ==, "t/x.1");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 19999), ==, "t/x.19999");
}

/* Trackers */

static void
test_tracker_response_size (void)
{
  const char head[] = "d8:intervali60e5:peers0:7:padding";
  gsize pad = BT_TRACKER_HTTP_MAX_RESPONSE - (sizeof head - 1) - 1;
  g_autofree char *length = NULL;
  g_autoptr(GString) body = g_string_new (head);
  g_autoptr(GBytes) at_max = NULL;
  g_autoptr(GBytes) over = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  /* A reply of exactly BT_TRACKER_HTTP_MAX_RESPONSE bytes is read... */
  length = g_strdup_printf ("%" G_GSIZE_FORMAT ":", pad);
  pad -= strlen (length);
  length = (g_free (length), g_strdup_printf ("%" G_GSIZE_FORMAT ":", pad));
  g_string_append (body, length);
  for (gsize i = 0; i < pad; i++)
    g_string_append_c (body, 'p');
  g_string_append_c (body, 'e');
  g_assert_cmpuint (body->len, ==, BT_TRACKER_HTTP_MAX_RESPONSE);
  at_max = g_bytes_new (body->str, body->len);
  response = bt_tracker_http_parse_response (at_max, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (response->interval, ==, 60);

  /* ...one byte more is not. */
  g_string_append_c (body, ' ');
  over = g_bytes_new (body->str, body->len);
  g_assert_null (bt_tracker_http_parse_response (over, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL);
}

static void
test_announce_list_size (void)
{
  static const guint8 info_hash[20] = "announce-list-limit!";
  static const guint8 peer_id[20] = "-BT0100-limitslimits";
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autoptr(BtAnnouncer) announcer = bt_announcer_new (info_hash, peer_id, 6881, session);
  g_autoptr(GArray) trackers = NULL;

  /* Eleven tiers of a hundred: the last hundred and one are dropped. */
  for (guint t = 0; t < 11; t++)
    {
      g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < 100; i++)
        g_ptr_array_add (urls, g_strdup_printf ("http://t%u.example/%u/announce", t, i));
      if (t == 10)
        g_ptr_array_add (urls, g_strdup ("http://one-more.example/announce"));
      g_ptr_array_add (urls, NULL);
      bt_announcer_add_tier (announcer, (const char * const *) urls->pdata);
    }
  trackers = bt_announcer_get_trackers (announcer);
  g_assert_cmpuint (trackers->len, ==, BT_METAINFO_MAX_TRACKERS);
}

/* Connections: a torrent dials scripted peers on loopback */

typedef struct
{
  char       *tmpdir;
  BtMetainfo *meta;
  GPtrArray  *torrents;
  GPtrArray  *evil;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) root = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autofree char *file = NULL;
  BtMetainfoCreateOptions options = { 0 };

  fixture->tmpdir = bt_test_make_tmpdir ();
  /* 320 blocks: more than any request pipeline. */
  file = g_build_filename (fixture->tmpdir, "source", "limits.bin", NULL);
  bt_test_write_random_file (file, 320 * BT_BLOCK_SIZE, 7);
  options.piece_length = 4 * BT_BLOCK_SIZE;
  options.creation_date = -1;
  root = g_file_new_for_path (file);
  torrent = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  fixture->meta = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  fixture->torrents = g_ptr_array_new ();
  fixture->evil = g_ptr_array_new_with_free_func ((GDestroyNotify) bt_evil_peer_free);
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  bt_torrent_stop_finish (BT_TORRENT (source), result, NULL);
  (*(guint *) user_data)--;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  guint running = fixture->torrents->len;

  for (guint i = 0; i < fixture->torrents->len; i++)
    bt_torrent_stop_async (g_ptr_array_index (fixture->torrents, i), NULL, stopped_cb, &running);
  while (running > 0)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < fixture->torrents->len; i++)
    g_object_unref (g_ptr_array_index (fixture->torrents, i));
  g_ptr_array_unref (fixture->torrents);
  g_ptr_array_unref (fixture->evil);
  g_clear_object (&fixture->meta);
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

static BtTorrent *
add_torrent (Fixture      *fixture,
             BtPeerBudget *budget,
             const char   *subdir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (fixture->tmpdir, subdir, NULL);
  BtTorrentConfig config = { { 0 } };
  BtTorrent *torrent;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  bt_wire_make_peer_id (config.peer_id);
  config.port = 6881;
  config.skip_check = TRUE;
  config.budget = budget;
  torrent = bt_torrent_new (fixture->meta, dir, &config, &error);
  g_assert_no_error (error);
  g_ptr_array_add (fixture->torrents, torrent);
  return torrent;
}

static void
add_evil_peers (Fixture         *fixture,
                BtTorrent       *torrent,
                guint            n,
                BtEvilBehaviour  behaviour)
{
  for (guint i = 0; i < n; i++)
    {
      BtEvilPeer *evil = bt_evil_peer_new (fixture->meta, NULL, behaviour);

      g_ptr_array_add (fixture->evil, evil);
      bt_torrent_add_peer_address (torrent, bt_evil_peer_get_address (evil));
    }
}

static guint
count_open (Fixture *fixture,
            guint    first,
            guint    n)
{
  guint open = 0;

  for (guint i = first; i < first + n; i++)
    open += bt_evil_peer_get_open (g_ptr_array_index (fixture->evil, i));
  return open;
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates for @ms, or until @target connections are open at once among
 * evil peers [@first, @first + @n), recording the most seen. */
static guint
watch_open (Fixture *fixture,
            guint    first,
            guint    n,
            guint    target,
            guint    ms)
{
  gboolean done = FALSE;
  guint most = 0;
  guint id = g_timeout_add (ms, deadline_cb, &done);

  while (!done)
    {
      g_main_context_iteration (NULL, TRUE);
      most = MAX (most, count_open (fixture, first, n));
      if (most >= target)
        break;
    }
  if (!done)
    g_source_remove (id);
  return most;
}

/* Peers that accept and never answer the handshake: at most
 * BT_TORRENT_MAX_HALF_OPEN are tied up at once. */
static void
test_half_open (Fixture       *fixture,
                gconstpointer  data)
{
  BtTorrent *torrent = add_torrent (fixture, NULL, "half-open");
  guint most;

  add_evil_peers (fixture, torrent, 3 * BT_TORRENT_MAX_HALF_OPEN, BT_EVIL_SILENT);
  bt_torrent_start (torrent);
  /* Long enough for several of the torrent's ticks: none opens more. */
  most = watch_open (fixture, 0, fixture->evil->len, G_MAXUINT, (2 * BT_TORRENT_TICK_S + 1) * 1000);
  g_assert_cmpuint (most, ==, BT_TORRENT_MAX_HALF_OPEN);
}

/* Peers that complete the handshake and then idle: at most
 * BT_TORRENT_MAX_PEERS connections. */
static void
test_max_peers (Fixture       *fixture,
                gconstpointer  data)
{
  BtTorrent *torrent = add_torrent (fixture, NULL, "max-peers");
  guint most;

  add_evil_peers (fixture, torrent, BT_TORRENT_MAX_PEERS + 10, BT_EVIL_IDLE);
  bt_torrent_start (torrent);
  /* The torrent dials BT_TORRENT_MAX_HALF_OPEN a tick: reaching the cap
   * takes a few seconds. Then another tick must not go past it. */
  most = watch_open (fixture, 0, fixture->evil->len, BT_TORRENT_MAX_PEERS, 15 * 1000);
  g_assert_cmpuint (most, ==, BT_TORRENT_MAX_PEERS);
  most = watch_open (fixture, 0, fixture->evil->len, BT_TORRENT_MAX_PEERS + 1,
                     (BT_TORRENT_TICK_S + 1) * 1000);
  g_assert_cmpuint (most, ==, BT_TORRENT_MAX_PEERS);
  g_assert_cmpuint (bt_torrent_get_n_peers (torrent), <=, BT_TORRENT_MAX_PEERS);
}

/* Two torrents under one session budget: connections across both stay
 * within it (the session gives BT_SESSION_MAX_PEERS; here 6). */
static void
test_budget (Fixture       *fixture,
             gconstpointer  data)
{
  BtPeerBudget *budget = bt_peer_budget_new (6);
  BtTorrent *a = add_torrent (fixture, budget, "a");
  BtTorrent *b = add_torrent (fixture, budget, "b");
  guint most;

  bt_peer_budget_unref (budget);
  add_evil_peers (fixture, a, 5, BT_EVIL_IDLE);
  add_evil_peers (fixture, b, 5, BT_EVIL_IDLE);
  bt_torrent_start (a);
  bt_torrent_start (b);
  most = watch_open (fixture, 0, 10, 7, (2 * BT_TORRENT_TICK_S + 1) * 1000);
  g_assert_cmpuint (most, ==, 6);
  g_assert_cmpuint (bt_torrent_get_n_peers (a) + bt_torrent_get_n_peers (b), <=, 6);
}

/* A seed that unchokes and never answers: we ask it for at most
 * BT_PEER_MAX_PIPELINE blocks at once, however many we want. */
static void
test_request_pipeline (Fixture       *fixture,
                       gconstpointer  data)
{
  BtTorrent *torrent = add_torrent (fixture, NULL, "pipeline");
  BtEvilPeer *staller;

  add_evil_peers (fixture, torrent, 1, BT_EVIL_STALL);
  staller = g_ptr_array_index (fixture->evil, 0);
  bt_torrent_start (torrent);
  watch_open (fixture, 0, 1, G_MAXUINT, (BT_TORRENT_TICK_S + 1) * 1000);
  g_assert_cmpuint (bt_evil_peer_get_requests (staller), >, 0);
  g_assert_cmpuint (bt_evil_peer_get_requests (staller), <=, BT_PEER_MAX_PIPELINE);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/limits/wire/message-length", test_message_length);
  g_test_add_func ("/engine/limits/wire/bitfield-length", test_bitfield_length);
  g_test_add_func ("/engine/limits/metadata-size", test_metadata_size);
  g_test_add_func ("/engine/limits/metainfo/file-count", test_file_count);
  g_test_add_func ("/engine/limits/metainfo/same-name-files", test_same_name_files);
  g_test_add_func ("/engine/limits/tracker/response-size", test_tracker_response_size);
  g_test_add_func ("/engine/limits/tracker/announce-list-size", test_announce_list_size);
#define ADD_TEST(name, func) \
  g_test_add ("/engine/limits/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD_TEST ("peers/half-open", test_half_open);
  ADD_TEST ("peers/per-torrent", test_max_peers);
  ADD_TEST ("peers/session-budget", test_budget);
  ADD_TEST ("peers/request-pipeline", test_request_pipeline);
#undef ADD_TEST

  return g_test_run ();
}
