/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A downloading BtTorrent against a scripted malicious peer
 * (tests/support/bt-evil-peer.h) and an honest seeder, on loopback. Each
 * misbehaviour must end with the torrent hanging up on the evil peer, and
 * the download must still complete, byte-identical, from the honest one.
 *
 * The evil peer is met first and alone, so that its misbehaviour is seen
 * before the honest seeder could finish the download: the honest seeder is
 * added once the evil peer has been dealt with (or, for a staller, which
 * gives no reason to hang up, at the same time).
 */
#include "config.h"

#include <string.h>

#include "bt-evil-peer.h"
#include "bt-fake-seeder.h"
#include "bt-limits.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-test-util.h"
#include "bt-torrent.h"
#include "bt-wire.h"

typedef struct
{
  char       *tmpdir;
  char       *source_dir;
  char       *download_dir;
  BtMetainfo *meta;
  GBytes     *payload;
  BtTorrent  *torrent;
  gboolean    completed;
} Fixture;

/* One block per piece, so each piece has a single contributor and a bad
 * one is pinned on its sender; enough pieces that the evil peer is asked
 * for several. */
static const struct {
  const char *path;
  gsize       size;
} files[] = {
  { "a.bin", 400000 },
  { "sub/b.bin", 250001 },
};

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) root = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  BtMetainfoCreateOptions options = { 0 };

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->source_dir = g_build_filename (fixture->tmpdir, "source", "Payload", NULL);
  fixture->download_dir = g_build_filename (fixture->tmpdir, "download", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->download_dir, 0755), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (fixture->source_dir, files[i].path, NULL);

      bt_test_write_random_file (path, files[i].size, i + 11);
    }

  options.piece_length = BT_BLOCK_SIZE;
  options.creation_date = -1;
  root = g_file_new_for_path (fixture->source_dir);
  torrent = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  fixture->meta = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < bt_metainfo_get_n_files (fixture->meta); i++)
    {
      g_autofree char *path = g_build_filename (fixture->tmpdir, "source",
                                                bt_metainfo_get_file_path (fixture->meta, i), NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_byte_array_append (payload, (const guint8 *) contents, len);
    }
  fixture->payload = g_byte_array_free_to_bytes (g_steal_pointer (&payload));
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_assert_true (bt_torrent_stop_finish (BT_TORRENT (source), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->torrent != NULL)
    {
      gboolean stopped = FALSE;

      bt_torrent_stop_async (fixture->torrent, NULL, stopped_cb, &stopped);
      while (!stopped)
        g_main_context_iteration (NULL, TRUE);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_clear_object (&fixture->torrent);
    }
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->source_dir);
  g_free (fixture->download_dir);
  g_clear_object (&fixture->meta);
  g_clear_pointer (&fixture->payload, g_bytes_unref);
}

static void
completed_cb (BtTorrent *torrent,
              gpointer   user_data)
{
  ((Fixture *) user_data)->completed = TRUE;
}

static void
start_torrent (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  BtTorrentConfig config = { { 0 } };

  bt_wire_make_peer_id (config.peer_id);
  config.port = 6881;
  fixture->torrent = bt_torrent_new (fixture->meta, fixture->download_dir, &config, &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->torrent, "completed", G_CALLBACK (completed_cb), fixture);
  bt_torrent_start (fixture->torrent);
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_completed (Fixture *fixture,
                guint    timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, deadline_cb, &timed_out);

  while (!fixture->completed && !timed_out
         && bt_torrent_get_state (fixture->torrent) != BT_TORRENT_STATE_ERROR)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);

  g_assert_null (bt_torrent_get_error_message (fixture->torrent));
  g_assert_false (timed_out);
  g_assert_true (fixture->completed);
  g_assert_cmpfloat (bt_torrent_get_progress (fixture->torrent), ==, 1.0);
}

static void
assert_files_identical (Fixture *fixture)
{
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *src = g_build_filename (fixture->source_dir, files[i].path, NULL);
      g_autofree char *dst = g_build_filename (fixture->download_dir, "Payload", files[i].path, NULL);
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;
      gsize a_len, b_len;

      g_assert_true (g_file_get_contents (src, &a, &a_len, NULL));
      if (!g_file_get_contents (dst, &b, &b_len, NULL))
        g_error ("%s was not downloaded", dst);
      g_assert_cmpmem (a, a_len, b, b_len);
    }
}

/* The pattern of most cases: the evil peer alone until the torrent hangs
 * up on it, then an honest seeder, from which the download completes. */
static void
run_hangs_up (Fixture         *fixture,
              BtEvilBehaviour  behaviour)
{
  g_autoptr(BtEvilPeer) evil = bt_evil_peer_new (fixture->meta, fixture->payload, behaviour);
  g_autoptr(BtFakeSeeder) honest = bt_fake_seeder_new (fixture->meta, fixture->payload);

  start_torrent (fixture);
  bt_torrent_add_peer_address (fixture->torrent, bt_evil_peer_get_address (evil));
  g_assert_true (bt_evil_peer_wait_remote_closes (evil, 1, 15));
  g_assert_cmpuint (bt_bitfield_count (bt_torrent_get_have (fixture->torrent)), ==, 0);

  bt_torrent_add_peer_address (fixture->torrent, bt_fake_seeder_get_address (honest));
  wait_completed (fixture, 30);
  assert_files_identical (fixture);
  /* Every connection the evil peer got, it lost. */
  g_assert_cmpuint (bt_evil_peer_get_open (evil), ==, 0);
}

static void
test_wrong_data (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(BtEvilPeer) evil = bt_evil_peer_new (fixture->meta, fixture->payload,
                                                 BT_EVIL_WRONG_DATA);
  g_autoptr(BtFakeSeeder) honest = bt_fake_seeder_new (fixture->meta, fixture->payload);
  gboolean timed_out = FALSE;
  guint id;

  start_torrent (fixture);
  bt_torrent_add_peer_address (fixture->torrent, bt_evil_peer_get_address (evil));

  /* Banned after BT_PEER_MAX_HASH_FAILURES pieces that failed their hash. */
  id = g_timeout_add_seconds (20, deadline_cb, &timed_out);
  while (bt_torrent_get_n_banned (fixture->torrent) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_cmpuint (bt_torrent_get_n_banned (fixture->torrent), ==, 1);
  g_assert_cmpuint (bt_evil_peer_get_blocks_sent (evil), >=, BT_PEER_MAX_HASH_FAILURES);
  g_assert_true (bt_evil_peer_wait_remote_closes (evil, 1, 10));
  /* Nothing it sent was kept. */
  g_assert_cmpuint (bt_bitfield_count (bt_torrent_get_have (fixture->torrent)), ==, 0);

  bt_torrent_add_peer_address (fixture->torrent, bt_fake_seeder_get_address (honest));
  wait_completed (fixture, 30);
  assert_files_identical (fixture);
  /* Banned for good: the address is not dialled again. */
  g_assert_cmpuint (bt_evil_peer_get_connections (evil), ==, 1);
}

static void
test_oversized_message (Fixture       *fixture,
                        gconstpointer  data)
{
  run_hangs_up (fixture, BT_EVIL_OVERSIZED_MESSAGE);
}

static void
test_bad_bitfield (Fixture       *fixture,
                   gconstpointer  data)
{
  run_hangs_up (fixture, BT_EVIL_BAD_BITFIELD);
}

static void
test_have_out_of_range (Fixture       *fixture,
                        gconstpointer  data)
{
  run_hangs_up (fixture, BT_EVIL_HAVE_OUT_OF_RANGE);
}

static void
test_wrong_info_hash (Fixture       *fixture,
                      gconstpointer  data)
{
  run_hangs_up (fixture, BT_EVIL_WRONG_INFO_HASH);
}

static void
test_request_flood (Fixture       *fixture,
                    gconstpointer  data)
{
  run_hangs_up (fixture, BT_EVIL_REQUEST_FLOOD);
}

/* Blocks nobody asked for are never stored (they cannot poison a piece
 * another peer is filling), and a peer that keeps sending them is wasting
 * our bandwidth on purpose. */
static void
test_unrequested_pieces (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(BtEvilPeer) evil = bt_evil_peer_new (fixture->meta, NULL, BT_EVIL_UNREQUESTED_PIECES);
  g_autoptr(BtFakeSeeder) honest = bt_fake_seeder_new (fixture->meta, fixture->payload);
  gboolean hung_up;

  start_torrent (fixture);
  bt_torrent_add_peer_address (fixture->torrent, bt_evil_peer_get_address (evil));
  hung_up = bt_evil_peer_wait_remote_closes (evil, 1, 5);
  g_assert_cmpuint (bt_evil_peer_get_blocks_sent (evil), >, 0);
  g_assert_cmpuint (bt_evil_peer_get_requests (evil), ==, 0);
  g_assert_cmpuint (bt_bitfield_count (bt_torrent_get_have (fixture->torrent)), ==, 0);

  /* The garbage keeps coming while the honest seeder serves. */
  bt_torrent_add_peer_address (fixture->torrent, bt_fake_seeder_get_address (honest));
  wait_completed (fixture, 30);
  assert_files_identical (fixture);

  g_assert_true (hung_up);
  g_assert_cmpuint (bt_evil_peer_get_open (evil), ==, 0);
}

/* A staller gives no protocol reason to hang up: it holds requests until
 * it is snubbed, its blocks go to the honest seeder, and once the download
 * is complete, a seed that never served anything has nothing to offer. */
static void
test_stall (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(BtEvilPeer) evil = bt_evil_peer_new (fixture->meta, NULL, BT_EVIL_STALL);
  g_autoptr(BtFakeSeeder) honest = bt_fake_seeder_new (fixture->meta, fixture->payload);

  start_torrent (fixture);
  bt_torrent_add_peer_address (fixture->torrent, bt_evil_peer_get_address (evil));
  bt_torrent_add_peer_address (fixture->torrent, bt_fake_seeder_get_address (honest));
  wait_completed (fixture, BT_PEER_SNUB_TIMEOUT_S + 30);
  assert_files_identical (fixture);
  g_assert_cmpuint (bt_evil_peer_get_requests (evil), >, 0);
  g_assert_cmpuint (bt_evil_peer_get_blocks_sent (evil), ==, 0);

  /* Two seeds have nothing to trade. */
  if (!bt_evil_peer_wait_remote_closes (evil, 1, 5))
    {
      /* See the report: bt-torrent.c keeps connections to seeds once it is
       * a seed itself, so a staller is never let go while seeding. */
      g_test_incomplete ("a completed torrent keeps its connection to a seed that never "
                         "served a block");
      return;
    }
  g_assert_cmpuint (bt_evil_peer_get_open (evil), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD_TEST(name, func) \
  g_test_add ("/engine/evil-peer/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD_TEST ("wrong-data", test_wrong_data);
  ADD_TEST ("oversized-message", test_oversized_message);
  ADD_TEST ("bad-bitfield", test_bad_bitfield);
  ADD_TEST ("have-out-of-range", test_have_out_of_range);
  ADD_TEST ("wrong-info-hash", test_wrong_info_hash);
  ADD_TEST ("request-flood", test_request_flood);
  ADD_TEST ("unrequested-pieces", test_unrequested_pieces);
  ADD_TEST ("stall", test_stall);
#undef ADD_TEST

  return g_test_run ();
}
