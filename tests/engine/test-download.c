/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * BtTorrent downloading on loopback from scripted seeders: honest ones, one
 * that corrupts pieces, one that stalls. The real clients are tested in
 * tests/interop.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bt-fake-seeder.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-session.h"
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
} Fixture;

/* Sizes that are not multiples of the piece length, an empty file, and
 * nested folders. */
static const struct {
  const char *path;
  gsize       size;
} files[] = {
  { "a.bin", 100000 },
  { "empty.txt", 0 },
  { "sub/deeper/b.bin", 70001 },
  { "sub/c.bin", 32768 },
  { "z.bin", 5 },
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

      bt_test_write_random_file (path, files[i].size, i + 1);
    }

  options.piece_length = 16384;
  options.creation_date = -1;
  root = g_file_new_for_path (fixture->source_dir);
  torrent = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  fixture->meta = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);

  /* The payload in piece order, as the seeders serve it. */
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
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
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
  *(gboolean *) user_data = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static BtTorrent *
download_skipping (Fixture       *fixture,
                   BtFakeSeeder **seeders,
                   guint          n_seeders,
                   guint          timeout_s,
                   const char    *skip_path)
{
  g_autoptr(GError) error = NULL;
  BtTorrentConfig config = { { 0 } };
  BtTorrent *torrent;
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  guint timeout_id;

  bt_wire_make_peer_id (config.peer_id);
  config.port = 6881;
  torrent = bt_torrent_new (fixture->meta, fixture->download_dir, &config, &error);
  g_assert_no_error (error);
  g_signal_connect (torrent, "completed", G_CALLBACK (completed_cb), &done);
  for (guint i = 0; skip_path != NULL && i < bt_metainfo_get_n_files (fixture->meta); i++)
    if (g_str_equal (bt_metainfo_get_file_path (fixture->meta, i), skip_path))
      bt_torrent_set_file_priority (torrent, i, BT_PRIORITY_SKIP);
  for (guint i = 0; i < n_seeders; i++)
    bt_torrent_add_peer_address (torrent, bt_fake_seeder_get_address (seeders[i]));

  timeout_id = g_timeout_add_seconds (timeout_s, timeout_cb, &timed_out);
  bt_torrent_start (torrent);
  while (!done && !timed_out && bt_torrent_get_state (torrent) != BT_TORRENT_STATE_ERROR)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);

  g_assert_null (bt_torrent_get_error_message (torrent));
  g_assert_false (timed_out);
  g_assert_true (done);
  g_assert_cmpint (bt_torrent_get_state (torrent), ==, BT_TORRENT_STATE_SEEDING);
  g_assert_cmpfloat (bt_torrent_get_progress (torrent), ==, 1.0);
  return torrent;
}

static BtTorrent *
download (Fixture       *fixture,
          BtFakeSeeder **seeders,
          guint          n_seeders,
          guint          timeout_s)
{
  return download_skipping (fixture, seeders, n_seeders, timeout_s, NULL);
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
stop_torrent (BtTorrent *torrent)
{
  gboolean stopped = FALSE;

  bt_torrent_stop_async (torrent, NULL, stopped_cb, &stopped);
  while (!stopped)
    g_main_context_iteration (NULL, TRUE);
  /* Let the peers' closed notifications run before the torrent goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (torrent);
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

static void
test_two_honest_seeders (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) a = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autoptr(BtFakeSeeder) b = bt_fake_seeder_new (fixture->meta, fixture->payload);
  BtFakeSeeder *seeders[] = { a, b };
  BtTorrent *torrent = download (fixture, seeders, 2, 30);

  assert_files_identical (fixture);
  g_assert_cmpuint (bt_torrent_get_n_banned (torrent), ==, 0);
  /* Nothing was fetched twice beyond endgame duplicates. */
  g_assert_cmpuint (bt_fake_seeder_get_bytes_served (a) + bt_fake_seeder_get_bytes_served (b),
                    <, g_bytes_get_size (fixture->payload) + 64 * 16384);
  stop_torrent (torrent);
}

static void
test_corrupt_seeder_banned (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) honest = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autoptr(BtFakeSeeder) liar = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autoptr(GError) error = NULL;
  BtTorrentConfig config = { { 0 } };
  BtTorrent *torrent;
  gint64 deadline;

  for (guint32 i = 0; i < bt_metainfo_get_n_pieces (fixture->meta); i++)
    bt_fake_seeder_corrupt_piece (liar, i);

  /* First the liar alone: every piece it sends fails, and it is banned. */
  bt_wire_make_peer_id (config.peer_id);
  torrent = bt_torrent_new (fixture->meta, fixture->download_dir, &config, &error);
  g_assert_no_error (error);
  bt_torrent_add_peer_address (torrent, bt_fake_seeder_get_address (liar));
  bt_torrent_start (torrent);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (bt_torrent_get_n_banned (torrent) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpuint (bt_bitfield_count (bt_torrent_get_have (torrent)), ==, 0);
  stop_torrent (torrent);

  /* Then both: the liar's address is known to be bad only to the torrent
   * that banned it, so a fresh torrent meets it again and must still finish
   * byte-identical, from the honest seeder. */
  {
    BtFakeSeeder *both[] = { liar, honest };

    torrent = download (fixture, both, 2, 60);
  }
  assert_files_identical (fixture);
  stop_torrent (torrent);
}

static void
test_stalling_seeder (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) honest = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autoptr(BtFakeSeeder) staller = bt_fake_seeder_new (fixture->meta, fixture->payload);
  BtFakeSeeder *seeders[] = { staller, honest };
  BtTorrent *torrent;

  bt_fake_seeder_set_stall (staller, TRUE);
  torrent = download (fixture, seeders, 2, 60);
  assert_files_identical (fixture);
  g_assert_cmpuint (bt_fake_seeder_get_bytes_served (staller), ==, 0);
  stop_torrent (torrent);
}

static void
test_resume_from_partial_data (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  BtFakeSeeder *seeders[] = { seeder };
  g_autofree char *first = g_build_filename (fixture->source_dir, "a.bin", NULL);
  g_autofree char *copy = g_build_filename (fixture->download_dir, "Payload", "a.bin", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *copy_dir = g_path_get_dirname (copy);
  gsize len;
  BtTorrent *torrent;

  /* The first file is already there: only the rest is fetched. */
  g_assert_true (g_file_get_contents (first, &contents, &len, NULL));
  g_assert_cmpint (g_mkdir_with_parents (copy_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (copy, contents, len, NULL));

  torrent = download (fixture, seeders, 1, 30);
  assert_files_identical (fixture);
  g_assert_cmpuint (bt_fake_seeder_get_bytes_served (seeder), <=,
                    g_bytes_get_size (fixture->payload) - (100000 / 16384) * 16384);
  stop_torrent (torrent);
}

static void
test_skipped_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  BtFakeSeeder *seeders[] = { seeder };
  BtTorrent *torrent;

  /* sub/c.bin covers piece 7 alone and shares pieces 6 and 8 with its
   * neighbours: 7 must not come, 6 and 8 must. */
  torrent = download_skipping (fixture, seeders, 1, 30, "Payload/sub/c.bin");
  g_assert_false (bt_bitfield_get (bt_torrent_get_have (torrent), 7));
  g_assert_true (bt_bitfield_get (bt_torrent_get_have (torrent), 6));
  g_assert_true (bt_bitfield_get (bt_torrent_get_have (torrent), 8));
  g_assert_cmpuint (bt_bitfield_count (bt_torrent_get_have (torrent)), ==,
                    bt_metainfo_get_n_pieces (fixture->meta) - 1);
  g_assert_cmpuint (bt_fake_seeder_get_bytes_served (seeder), <=,
                    g_bytes_get_size (fixture->payload) - 16384 + 15 * 16384);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *src = NULL;
      g_autofree char *dst = NULL;
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;
      gsize a_len, b_len;

      if (g_str_equal (files[i].path, "sub/c.bin"))
        continue;
      src = g_build_filename (fixture->source_dir, files[i].path, NULL);
      dst = g_build_filename (fixture->download_dir, "Payload", files[i].path, NULL);
      g_assert_true (g_file_get_contents (src, &a, &a_len, NULL));
      g_assert_true (g_file_get_contents (dst, &b, &b_len, NULL));
      g_assert_cmpmem (a, a_len, b, b_len);
    }
  stop_torrent (torrent);
}

static void
wait_for_state (BtTorrent      *torrent,
                BtTorrentState  state,
                guint           timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (bt_torrent_get_state (torrent) != state)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_assert_cmpint (bt_torrent_get_state (torrent), !=, BT_TORRENT_STATE_ERROR);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Our seeder with an upload limit, our downloader: the data moves at the
 * limit (one second of burst allowed), not at loopback speed. */
static void
test_upload_limit (Fixture       *fixture,
                   gconstpointer  data)
{
  BtSessionConfig seed_config = { .bind_address = "127.0.0.1", .upload_limit = 64 * 1024 };
  BtSessionConfig leech_config = { .bind_address = "127.0.0.1" };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtSession) seeder = bt_session_new (&seed_config, &error);
  g_autoptr(BtSession) leecher = NULL;
  g_autofree char *seed_root = g_path_get_dirname (fixture->source_dir);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) seeder_address = NULL;
  BtTorrent *seeding;
  BtTorrent *downloading;
  guint64 size = g_bytes_get_size (fixture->payload);
  gint64 start;
  double seconds;

  g_assert_no_error (error);
  leecher = bt_session_new (&leech_config, &error);
  g_assert_no_error (error);

  seeding = bt_session_add_torrent (seeder, fixture->meta, seed_root, FALSE, &error);
  g_assert_no_error (error);
  bt_torrent_start (seeding);
  wait_for_state (seeding, BT_TORRENT_STATE_SEEDING, 10);

  downloading = bt_session_add_torrent (leecher, fixture->meta, fixture->download_dir, TRUE,
                                        &error);
  g_assert_no_error (error);
  seeder_address = g_inet_socket_address_new (loopback, bt_session_get_port (seeder));
  bt_torrent_add_peer_address (downloading, G_INET_SOCKET_ADDRESS (seeder_address));
  start = g_get_monotonic_time ();
  bt_torrent_start (downloading);
  wait_for_state (downloading, BT_TORRENT_STATE_SEEDING, 30);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  assert_files_identical (fixture);
  /* ~200 KB at 64 KiB/s with a one-second burst: about two seconds. */
  g_test_message ("%" G_GUINT64_FORMAT " bytes in %.2f s at a 64 KiB/s limit", size, seconds);
  g_assert_cmpfloat (seconds, >=, (double) size / (64 * 1024) - 1.5);
  g_assert_cmpuint (bt_torrent_get_uploaded (seeding), ==, size);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/download/two-honest-seeders", Fixture, NULL,
              fixture_setup, test_two_honest_seeders, fixture_teardown);
  g_test_add ("/engine/download/corrupt-seeder-banned", Fixture, NULL,
              fixture_setup, test_corrupt_seeder_banned, fixture_teardown);
  g_test_add ("/engine/download/stalling-seeder", Fixture, NULL,
              fixture_setup, test_stalling_seeder, fixture_teardown);
  g_test_add ("/engine/download/resume-from-partial-data", Fixture, NULL,
              fixture_setup, test_resume_from_partial_data, fixture_teardown);

  g_test_add ("/engine/download/upload-limit", Fixture, NULL,
              fixture_setup, test_upload_limit, fixture_teardown);
  g_test_add ("/engine/download/skipped-file", Fixture, NULL,
              fixture_setup, test_skipped_file, fixture_teardown);

  return g_test_run ();
}
