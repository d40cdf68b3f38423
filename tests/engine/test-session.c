/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * BtSession as a long-lived owner of torrents: the queue, pause and
 * resume, removal, moving, and coming back from its state folder as it
 * was, rechecking only what changed behind its back.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "bt-error.h"
#include "bt-fake-seeder.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-session.h"
#include "bt-session-settings.h"
#include "bt-test-util.h"
#include "bt-torrent.h"

typedef struct
{
  char       *tmpdir;
  char       *state_dir;
  char       *download_dir;
  BtMetainfo *meta[3];
  GBytes     *payload[3];
} Fixture;

/* Three small two-file torrents with different data. */
static void
make_torrent (Fixture *fixture,
              guint    which)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("T%u", which);
  g_autofree char *source = g_build_filename (fixture->tmpdir, "source", name, NULL);
  g_autofree char *a = g_build_filename (source, "a.bin", NULL);
  g_autofree char *b = g_build_filename (source, "sub", "b.bin", NULL);
  g_autoptr(GFile) root = g_file_new_for_path (source);
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GByteArray) payload = g_byte_array_new ();
  BtMetainfoCreateOptions options = { 0 };

  bt_test_write_random_file (a, 100000 + which, 10 * which + 1);
  bt_test_write_random_file (b, 60000, 10 * which + 2);
  options.piece_length = 16384;
  options.creation_date = -1;
  torrent = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  fixture->meta[which] = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < bt_metainfo_get_n_files (fixture->meta[which]); i++)
    {
      g_autofree char *path = g_build_filename (fixture->tmpdir, "source",
                                                bt_metainfo_get_file_path (fixture->meta[which], i),
                                                NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_byte_array_append (payload, (const guint8 *) contents, len);
    }
  fixture->payload[which] = g_byte_array_free_to_bytes (g_steal_pointer (&payload));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->state_dir = g_build_filename (fixture->tmpdir, "state", NULL);
  fixture->download_dir = g_build_filename (fixture->tmpdir, "download", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->download_dir, 0755), ==, 0);
  for (guint i = 0; i < 3; i++)
    make_torrent (fixture, i);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *unmount = g_strdup_printf ("umount -q %s", fixture->download_dir);

  /* The disk-full test's tmpfs, should it have failed halfway. */
  if (g_test_failed ())
    g_spawn_command_line_sync (unmount, NULL, NULL, NULL, NULL);
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->state_dir);
  g_free (fixture->download_dir);
  for (guint i = 0; i < 3; i++)
    {
      g_clear_object (&fixture->meta[i]);
      g_clear_pointer (&fixture->payload[i], g_bytes_unref);
    }
}

/* Copies a torrent's source file into the download folder, as if it had
 * been downloaded before. */
static void
place_file (Fixture    *fixture,
            guint       which,
            guint       file)
{
  const char *path = bt_metainfo_get_file_path (fixture->meta[which], file);
  g_autofree char *from = g_build_filename (fixture->tmpdir, "source", path, NULL);
  g_autofree char *to = g_build_filename (fixture->download_dir, path, NULL);
  g_autofree char *folder = g_path_get_dirname (to);
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_true (g_file_set_contents (to, contents, len, NULL));
}

static BtSession *
new_session (Fixture *fixture,
             guint    max_downloads)
{
  g_autoptr(GError) error = NULL;
  BtSessionConfig config = { 0 };
  BtSession *session;

  config.bind_address = "127.0.0.1";
  config.state_dir = fixture->state_dir;
  config.download_dir = fixture->download_dir;
  config.max_active_downloads = max_downloads;
  session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  return session;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_for (Condition    condition,
          gpointer     data,
          guint        timeout_s,
          const char  *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, timeout_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("Timed out waiting for %s", what);
  g_source_remove (id);
}

typedef struct
{
  BtTorrent      *torrent;
  BtTorrentState  state;
} StateWait;

static gboolean
has_state (gpointer data)
{
  StateWait *wait = data;

  return bt_torrent_get_state (wait->torrent) == wait->state;
}

static void
wait_state (BtTorrent      *torrent,
            BtTorrentState  state)
{
  StateWait wait = { torrent, state };
  g_autofree char *what = g_strdup_printf ("%s to be %d (it is %d)", bt_torrent_get_name (torrent),
                                           state, bt_torrent_get_state (torrent));

  wait_for (has_state, &wait, 20, what);
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bt_session_close_finish (BT_SESSION (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
close_session (BtSession *session)
{
  gboolean closed = FALSE;

  bt_session_close_async (session, NULL, closed_cb, &closed);
  wait_for (is_true, &closed, 20, "the session to close");
  g_object_unref (session);
}

static BtTorrent *
torrent_at (BtSession *session,
            guint      which,
            Fixture   *fixture)
{
  BtTorrent *torrent = bt_session_find_torrent (session,
                                                bt_metainfo_get_info_hash (fixture->meta[which]));

  g_assert_nonnull (torrent);
  return torrent;
}

static void
count_checks_cb (BtTorrent  *torrent,
                 GParamSpec *pspec,
                 guint      *n_checks)
{
  if (bt_torrent_get_state (torrent) == BT_TORRENT_STATE_CHECKING)
    (*n_checks)++;
}

/* The resume record of torrent @which, as it is on disk: which file
 * (records are replaced whole, by rename) and when it was written. */
static char *
record_stamp (Fixture *fixture,
              guint    which)
{
  g_autofree char *name = g_strdup_printf ("%s.resume",
                                           bt_metainfo_get_info_hash_hex (fixture->meta[which]));
  g_autofree char *path = g_build_filename (fixture->state_dir, name, NULL);
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return g_strdup_printf ("%ju %jd.%09ld", (uintmax_t) st.st_ino, (intmax_t) st.st_mtim.tv_sec,
                          st.st_mtim.tv_nsec);
}

static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  char *stamps[3] = { NULL, NULL, NULL };
  g_autoptr(GError) error = NULL;
  BtSession *session;
  BtAddOptions paused = { .flags = BT_ADD_PAUSED };
  BtBitfield *have[3];
  guint n_checks = 0;
  g_autofree char *truncated = NULL;

  /* Torrent 0 complete on disk, 1 half (its first file), 2 paused. */
  place_file (fixture, 0, 0);
  place_file (fixture, 0, 1);
  place_file (fixture, 1, 0);
  session = new_session (fixture, 0);
  g_assert_true (bt_session_load (session, &error));
  g_assert_no_error (error);
  g_assert_nonnull (bt_session_add (session, fixture->meta[0], NULL, NULL, &error));
  g_assert_nonnull (bt_session_add (session, fixture->meta[1], NULL, NULL, &error));
  g_assert_nonnull (bt_session_add (session, fixture->meta[2], &paused, NULL, &error));
  g_assert_no_error (error);
  bt_session_set_upload_limit (session, 1000);
  wait_state (torrent_at (session, 0, fixture), BT_TORRENT_STATE_SEEDING);
  wait_state (torrent_at (session, 1, fixture), BT_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpint (bt_torrent_get_state (torrent_at (session, 2, fixture)), ==,
                   BT_TORRENT_STATE_STOPPED);
  bt_torrent_set_file_priority (torrent_at (session, 1, fixture), 1, BT_PRIORITY_HIGH);
  /* Its own speed limits, set while it runs and while paused. */
  bt_torrent_set_download_limit (torrent_at (session, 1, fixture), 40000);
  bt_torrent_set_upload_limit (torrent_at (session, 2, fixture), 7000);
  /* A tracker the person added (the paused torrent does not call it). */
  g_assert_true (bt_torrent_add_tracker (torrent_at (session, 2, fixture),
                                         "udp://tracker.invalid:6969/announce", &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    have[i] = bt_bitfield_copy (bt_torrent_get_have (torrent_at (session, i, fixture)));
  g_assert_true (bt_bitfield_is_complete (have[0]));
  g_assert_cmpuint (bt_bitfield_count (have[1]), >, 0);
  g_assert_false (bt_bitfield_is_complete (have[1]));
  close_session (session);
  for (guint i = 0; i < 3; i++)
    stamps[i] = record_stamp (fixture, i);

  /* Back as it was, and nothing checked. */
  session = new_session (fixture, 0);
  g_assert_true (bt_session_load (session, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (bt_session_get_torrents (session)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      BtTorrent *torrent = torrent_at (session, i, fixture);

      g_signal_connect (torrent, "notify::state", G_CALLBACK (count_checks_cb), &n_checks);
      g_assert_cmpuint (bt_torrent_get_queue_position (torrent), ==, i);
      g_assert_true (bt_bitfield_equal (bt_torrent_get_have (torrent), have[i]));
    }
  wait_state (torrent_at (session, 0, fixture), BT_TORRENT_STATE_SEEDING);
  wait_state (torrent_at (session, 1, fixture), BT_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpint (bt_torrent_get_state (torrent_at (session, 2, fixture)), ==,
                   BT_TORRENT_STATE_STOPPED);
  g_assert_cmpuint (n_checks, ==, 0);
  g_assert_cmpint (bt_torrent_get_file_priority (torrent_at (session, 1, fixture), 1), ==,
                   BT_PRIORITY_HIGH);
  g_assert_cmpuint (bt_torrent_get_download_limit (torrent_at (session, 1, fixture)), ==, 40000);
  g_assert_cmpuint (bt_torrent_get_upload_limit (torrent_at (session, 1, fixture)), ==, 0);
  g_assert_cmpuint (bt_torrent_get_upload_limit (torrent_at (session, 2, fixture)), ==, 7000);
  g_assert_cmpuint (bt_torrent_get_download_limit (torrent_at (session, 0, fixture)), ==, 0);
  {
    GListModel *trackers = bt_torrent_get_trackers (torrent_at (session, 2, fixture));
    g_autoptr(BtTrackerInfo) info = NULL;

    g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 1);
    info = g_list_model_get_item (trackers, 0);
    g_assert_cmpstr (bt_tracker_info_get_url (info), ==, "udp://tracker.invalid:6969/announce");
    g_assert_null (bt_torrent_dup_tracker_tiers (torrent_at (session, 0, fixture)));
  }
  g_assert_cmpint (bt_torrent_get_completed_time (torrent_at (session, 0, fixture)), >, 0);
  for (guint i = 0; i < 3; i++)
    g_signal_handlers_disconnect_by_data (torrent_at (session, i, fixture), &n_checks);
  close_session (session);
  /* Nothing changed, so no record was written again: each write syncs
   * the torrent's files first, thousands of fsyncs at a large session's
   * every start. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *now = record_stamp (fixture, i);

      g_assert_cmpstr (now, ==, stamps[i]);
    }

  /* A truncated file is noticed: its torrent is checked and its last
   * pieces are no longer had. */
  truncated = g_build_filename (fixture->download_dir,
                                bt_metainfo_get_file_path (fixture->meta[0], 0), NULL);
  g_assert_cmpint (truncate (truncated, 20000), ==, 0);
  session = new_session (fixture, 0);
  g_assert_true (bt_session_load (session, &error));
  g_signal_connect (torrent_at (session, 0, fixture), "notify::state",
                    G_CALLBACK (count_checks_cb), &n_checks);
  wait_state (torrent_at (session, 0, fixture), BT_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpuint (n_checks, ==, 1);
  g_assert_true (bt_bitfield_get (bt_torrent_get_have (torrent_at (session, 0, fixture)), 0));
  g_assert_false (bt_bitfield_get (bt_torrent_get_have (torrent_at (session, 0, fixture)), 2));
  g_signal_handlers_disconnect_by_data (torrent_at (session, 0, fixture), &n_checks);
  close_session (session);

  for (guint i = 0; i < 3; i++)
    {
      bt_bitfield_free (have[i]);
      g_free (stamps[i]);
    }
}

static void
test_missing_folder (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *moved = g_strconcat (fixture->download_dir, ".unplugged", NULL);
  BtSession *session;
  BtTorrent *torrent;

  place_file (fixture, 0, 0);
  place_file (fixture, 0, 1);
  session = new_session (fixture, 0);
  g_assert_true (bt_session_load (session, &error));
  g_assert_nonnull (bt_session_add (session, fixture->meta[0], NULL, NULL, &error));
  wait_state (torrent_at (session, 0, fixture), BT_TORRENT_STATE_SEEDING);
  close_session (session);

  /* The disk is unplugged. */
  g_assert_cmpint (g_rename (fixture->download_dir, moved), ==, 0);
  session = new_session (fixture, 0);
  g_assert_true (bt_session_load (session, &error));
  torrent = torrent_at (session, 0, fixture);
  g_assert_cmpint (bt_torrent_get_state (torrent), ==, BT_TORRENT_STATE_ERROR);
  g_assert_nonnull (strstr (bt_torrent_get_error_message (torrent), "is missing"));
  /* Nothing is downloaded into a new place meanwhile. */
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (g_file_test (fixture->download_dir, G_FILE_TEST_EXISTS));

  /* Plugged in again, a resume finds everything there. */
  g_assert_cmpint (g_rename (moved, fixture->download_dir), ==, 0);
  bt_session_resume (session, torrent);
  wait_state (torrent, BT_TORRENT_STATE_SEEDING);
  g_assert_null (bt_torrent_get_error_message (torrent));
  close_session (session);
}

static void
test_lock (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BtSession *first = new_session (fixture, 0);
  BtSession *second = new_session (fixture, 0);

  g_assert_true (bt_session_load (first, &error));
  g_assert_no_error (error);
  g_assert_false (bt_session_load (second, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "already using"));
  g_object_unref (second);
  close_session (first);
}

static void
test_queue (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BtSession *session = new_session (fixture, 1);
  BtTorrent *torrents[3];
  gboolean existing = FALSE;

  g_assert_true (bt_session_load (session, &error));
  for (guint i = 0; i < 3; i++)
    {
      torrents[i] = bt_session_add (session, fixture->meta[i], NULL, &existing, &error);
      g_assert_no_error (error);
      g_assert_false (existing);
    }
  /* Added again: the same torrent, not a second one. */
  g_assert_true (bt_session_add (session, fixture->meta[1], NULL, &existing, &error)
                 == torrents[1]);
  g_assert_true (existing);
  g_assert_cmpuint (g_list_model_get_n_items (bt_session_get_torrents (session)), ==, 3);

  wait_state (torrents[0], BT_TORRENT_STATE_DOWNLOADING);
  wait_state (torrents[1], BT_TORRENT_STATE_QUEUED);
  wait_state (torrents[2], BT_TORRENT_STATE_QUEUED);

  /* The last to the front: it runs, the first waits. */
  bt_session_queue_move (session, torrents[2], G_MININT);
  g_assert_cmpuint (bt_torrent_get_queue_position (torrents[2]), ==, 0);
  g_assert_cmpuint (bt_torrent_get_queue_position (torrents[0]), ==, 1);
  wait_state (torrents[2], BT_TORRENT_STATE_DOWNLOADING);
  wait_state (torrents[0], BT_TORRENT_STATE_QUEUED);

  /* Pausing the running one lets the next in line run. */
  bt_session_pause (session, torrents[2]);
  wait_state (torrents[2], BT_TORRENT_STATE_STOPPED);
  wait_state (torrents[0], BT_TORRENT_STATE_DOWNLOADING);

  /* A higher limit runs them all. */
  bt_session_set_queue_limits (session, 0, 0);
  wait_state (torrents[1], BT_TORRENT_STATE_DOWNLOADING);
  g_assert_cmpint (bt_torrent_get_state (torrents[2]), ==, BT_TORRENT_STATE_STOPPED);
  bt_session_resume (session, torrents[2]);
  wait_state (torrents[2], BT_TORRENT_STATE_DOWNLOADING);
  close_session (session);
}

static void
moved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bt_session_move_finish (BT_SESSION (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
file_gone (gpointer data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
test_download_move_remove (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta[0], fixture->payload[0]);
  g_autofree char *other = g_build_filename (fixture->tmpdir, "other", NULL);
  g_autofree char *bystander = g_build_filename (other, "T0", "not-ours.txt", NULL);
  g_autofree char *moved_a = g_build_filename (other, "T0", "a.bin", NULL);
  g_autofree char *old_a = g_build_filename (fixture->download_dir, "T0", "a.bin", NULL);
  g_autofree char *contents = NULL;
  BtSession *session = new_session (fixture, 0);
  BtTorrent *torrent;
  gboolean moved = FALSE;
  gsize len;

  g_assert_true (bt_session_load (session, &error));
  torrent = bt_session_add (session, fixture->meta[0], NULL, NULL, &error);
  g_assert_no_error (error);
  bt_torrent_add_peer_address (torrent, bt_fake_seeder_get_address (seeder));
  wait_state (torrent, BT_TORRENT_STATE_SEEDING);
  g_assert_true (g_file_get_contents (old_a, &contents, &len, NULL));
  g_assert_cmpmem (contents, len, g_bytes_get_data (fixture->payload[0], NULL), len);
  g_clear_pointer (&contents, g_free);

  /* Moved: the files follow, the torrent seeds on from the new folder. */
  g_assert_cmpint (g_mkdir_with_parents (other, 0755), ==, 0);
  bt_session_move_async (session, torrent, other, NULL, moved_cb, &moved);
  wait_for (is_true, &moved, 20, "the move");
  g_assert_true (g_file_test (moved_a, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (old_a, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (bt_torrent_get_save_path (torrent), ==, other);
  wait_state (torrent, BT_TORRENT_STATE_SEEDING);

  /* Removed with its data: its files go, a file that is not its stays. */
  g_assert_true (g_file_set_contents (bystander, "mine", -1, NULL));
  g_assert_true (bt_session_remove (session, torrent, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (bt_session_get_torrents (session)), ==, 0);
  wait_for (file_gone, moved_a, 20, "the data to be deleted");
  g_assert_true (g_file_test (bystander, G_FILE_TEST_IS_REGULAR));
  close_session (session);

  /* And it does not come back. */
  session = new_session (fixture, 0);
  g_assert_true (bt_session_load (session, &error));
  g_assert_cmpuint (g_list_model_get_n_items (bt_session_get_torrents (session)), ==, 0);
  close_session (session);
}

static gboolean
run_quiet (const char *command)
{
  int status = -1;

  return g_spawn_command_line_sync (command, NULL, NULL, &status, NULL)
         && g_spawn_check_wait_status (status, NULL);
}

/* A download into a small tmpfs that fills up: the torrent stops with a
 * clear error, keeps the pieces it verified, and completes once there is
 * room again. */
static void
test_disk_full (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta[0], fixture->payload[0]);
  g_autofree char *mount = NULL;
  g_autofree char *remount = NULL;
  g_autofree char *unmount = g_strdup_printf ("umount %s", fixture->download_dir);
  BtSession *session;
  BtTorrent *torrent;
  const BtBitfield *have;
  guint32 kept;

  /* 64 KiB: the torrent's 160 KB cannot fit. */
  mount = g_strdup_printf ("mount -t tmpfs -o size=64k tmpfs %s", fixture->download_dir);
  if (!run_quiet (mount))
    {
      bt_test_skip_or_fail ("cannot mount a tmpfs (not root?)");
      return;
    }

  session = new_session (fixture, 0);
  g_assert_true (bt_session_load (session, &error));
  torrent = bt_session_add (session, fixture->meta[0], NULL, NULL, &error);
  g_assert_no_error (error);
  bt_torrent_add_peer_address (torrent, bt_fake_seeder_get_address (seeder));
  wait_state (torrent, BT_TORRENT_STATE_ERROR);
  g_assert_nonnull (strstr (bt_torrent_get_error_message (torrent), "full"));

  /* What it verified is kept, and is right on disk. */
  have = bt_torrent_get_have (torrent);
  kept = bt_bitfield_count (have);
  g_assert_cmpuint (kept, >, 0);
  g_assert_false (bt_bitfield_is_complete (have));
  {
    g_autofree char *path = g_build_filename (fixture->download_dir, "T0", "a.bin", NULL);
    g_autofree char *contents = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
    for (guint32 p = 0; p < bt_metainfo_get_n_pieces (fixture->meta[0]); p++)
      {
        gsize start = (gsize) p * 16384;

        if (!bt_bitfield_get (have, p) || start + 16384 > len)
          continue;
        g_assert_cmpmem (contents + start, 16384,
                         (const guint8 *) g_bytes_get_data (fixture->payload[0], NULL) + start,
                         16384);
      }
  }

  /* Room again: resumed, it completes with the right data. */
  remount = g_strdup_printf ("mount -o remount,size=1m %s", fixture->download_dir);
  g_assert_true (run_quiet (remount));
  bt_session_resume (session, torrent);
  wait_state (torrent, BT_TORRENT_STATE_SEEDING);
  g_assert_true (bt_bitfield_is_complete (bt_torrent_get_have (torrent)));
  for (guint i = 0; i < bt_metainfo_get_n_files (fixture->meta[0]); i++)
    {
      g_autofree char *path = g_build_filename (fixture->download_dir,
                                                bt_metainfo_get_file_path (fixture->meta[0], i),
                                                NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_cmpuint (len, ==, bt_metainfo_get_file_size (fixture->meta[0], i));
      g_assert_cmpmem (contents, len,
                       (const guint8 *) g_bytes_get_data (fixture->payload[0], NULL)
                       + bt_metainfo_get_file_offset (fixture->meta[0], i),
                       len);
    }
  close_session (session);
  g_assert_true (run_quiet (unmount));
}

static double
measure_rate (BtTorrent *torrent,
              guint      milliseconds)
{
  guint64 before = bt_torrent_get_downloaded (torrent);
  gint64 start = g_get_monotonic_time ();
  gboolean done = FALSE;
  guint id = g_timeout_add (milliseconds, timeout_cb, &done);

  while (!done)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
  return (double) (bt_torrent_get_downloaded (torrent) - before) * G_USEC_PER_SEC
         / (double) (g_get_monotonic_time () - start);
}

/* Lowering the download limit in GSettings while a download runs lowers
 * its rate at once. */
static void
test_live_rate_limit (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new (BT_SETTINGS_SCHEMA_ID);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtFakeSeeder) seeder = NULL;
  g_autofree char *source = g_build_filename (fixture->tmpdir, "big", "big.bin", NULL);
  g_autoptr(GFile) root = g_file_new_for_path (source);
  g_autoptr(GBytes) torrent_bytes = NULL;
  BtMetainfoCreateOptions options = { 0 };
  BtSessionConfig config = { 0 };
  BtSession *session;
  BtTorrent *torrent;
  double fast;
  double slow;
  gsize len;
  char *contents;

  bt_test_write_random_file (source, 16 * 1024 * 1024, 99);
  options.piece_length = 65536;
  options.creation_date = -1;
  torrent_bytes = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  meta = bt_metainfo_new_from_bytes (torrent_bytes, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (source, &contents, &len, NULL));
  payload = g_bytes_new_take (contents, len);
  seeder = bt_fake_seeder_new (meta, payload);

  g_settings_set_int (settings, "download-rate-limit", 2048); /* KiB/s */
  bt_session_config_from_settings (&config, settings, strings);
  config.bind_address = "127.0.0.1";
  config.port = 0;
  config.enable_dht = FALSE;
  config.download_dir = fixture->download_dir;
  config.state_dir = fixture->state_dir;
  session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  bt_session_bind_settings (session, settings);
  g_assert_true (bt_session_load (session, &error));
  torrent = bt_session_add (session, meta, NULL, NULL, &error);
  g_assert_no_error (error);
  bt_torrent_add_peer_address (torrent, bt_fake_seeder_get_address (seeder));
  wait_state (torrent, BT_TORRENT_STATE_DOWNLOADING);

  measure_rate (torrent, 1000); /* the bucket's first burst */
  fast = measure_rate (torrent, 2000);
  g_settings_set_int (settings, "download-rate-limit", 256);
  measure_rate (torrent, 1000);
  slow = measure_rate (torrent, 2000);
  g_test_message ("at 2048 KiB/s: %.0f KiB/s; at 256 KiB/s: %.0f KiB/s", fast / 1024,
                  slow / 1024);
  g_assert_cmpfloat (fast, >, 1024 * 1024);
  g_assert_cmpfloat (fast, <, 1.5 * 2048 * 1024);
  g_assert_cmpfloat (slow, <, 1.5 * 256 * 1024);
  g_assert_cmpfloat (slow, >, 0.3 * 256 * 1024);
  g_assert_cmpint (bt_torrent_get_state (torrent), ==, BT_TORRENT_STATE_DOWNLOADING);
  close_session (session);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/session/restart", Fixture, NULL, fixture_setup, test_restart,
              fixture_teardown);
  g_test_add ("/engine/session/missing-folder", Fixture, NULL, fixture_setup,
              test_missing_folder, fixture_teardown);
  g_test_add ("/engine/session/lock", Fixture, NULL, fixture_setup, test_lock, fixture_teardown);
  g_test_add ("/engine/session/queue", Fixture, NULL, fixture_setup, test_queue, fixture_teardown);
  g_test_add ("/engine/session/download-move-remove", Fixture, NULL, fixture_setup,
              test_download_move_remove, fixture_teardown);
  g_test_add ("/engine/session/disk-full", Fixture, NULL, fixture_setup, test_disk_full,
              fixture_teardown);
  g_test_add ("/engine/session/live-rate-limit", Fixture, NULL, fixture_setup,
              test_live_rate_limit, fixture_teardown);
  return g_test_run ();
}
