/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A whole download (BtTorrent from a scripted seeder on loopback) into a
 * download folder that is set against it: symbolic links out of it, a file
 * that is not the torrent's at a torrent file's path, read-only folders and
 * files. The rules (see bt-storage.c):
 *
 *  - nothing is ever written or created through a symbolic link inside the
 *    download folder, whether it points out of it or dangles;
 *  - a file already at a torrent file's path and larger than it is not the
 *    torrent's: it is neither written nor truncated, and the torrent stops
 *    with an error that says so; one no larger is taken as the torrent's
 *    partial download (its good pieces are kept, the rest written over);
 *  - no permission to write gives an error naming the path, never a crash
 *    or a torrent that claims progress.
 *
 * Root ignores permission bits, so for the read-only cases a root test
 * process becomes the user nobody.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-error.h"
#include "bt-fake-seeder.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-test-util.h"
#include "bt-torrent.h"
#include "bt-wire.h"

/* The user nobody on Debian. */
#define NOBODY 65534

typedef struct
{
  char       *tmpdir;
  char       *source_dir;
  char       *download_dir;
  char       *outside_dir;
  BtMetainfo *meta;
  GBytes     *payload;
  BtTorrent  *torrent;
  gboolean    completed;
} Fixture;

static const struct {
  const char *path;
  gsize       size;
} files[] = {
  { "a.bin", 70000 },
  { "sub/b.bin", 40001 },
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
  /* Reachable by nobody, for the read-only cases. */
  g_assert_cmpint (g_chmod (fixture->tmpdir, 0755), ==, 0);
  fixture->source_dir = g_build_filename (fixture->tmpdir, "source", "Payload", NULL);
  fixture->download_dir = g_build_filename (fixture->tmpdir, "download", NULL);
  fixture->outside_dir = g_build_filename (fixture->tmpdir, "outside", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->download_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fixture->outside_dir, 0755), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (fixture->source_dir, files[i].path, NULL);

      bt_test_write_random_file (path, files[i].size, i + 21);
    }

  options.piece_length = 16384;
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
  bt_torrent_stop_finish (BT_TORRENT (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
stop_torrent (Fixture *fixture)
{
  gboolean stopped = FALSE;

  if (fixture->torrent == NULL)
    return;
  bt_torrent_stop_async (fixture->torrent, NULL, stopped_cb, &stopped);
  while (!stopped)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&fixture->torrent);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  stop_torrent (fixture);
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->source_dir);
  g_free (fixture->download_dir);
  g_free (fixture->outside_dir);
  g_clear_object (&fixture->meta);
  g_clear_pointer (&fixture->payload, g_bytes_unref);
}

static void
completed_cb (BtTorrent *torrent,
              gpointer   user_data)
{
  ((Fixture *) user_data)->completed = TRUE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Starts a download from an honest seeder and runs it until it completes
 * or the torrent stops with an error. Returns the error message, or NULL
 * when the download completed. */
static char *
run_download (Fixture      *fixture,
              BtFakeSeeder *seeder)
{
  g_autoptr(GError) error = NULL;
  BtTorrentConfig config = { { 0 } };
  gboolean timed_out = FALSE;
  guint id;

  bt_wire_make_peer_id (config.peer_id);
  config.port = 6881;
  fixture->torrent = bt_torrent_new (fixture->meta, fixture->download_dir, &config, &error);
  g_assert_no_error (error);
  g_signal_connect (fixture->torrent, "completed", G_CALLBACK (completed_cb), fixture);
  bt_torrent_add_peer_address (fixture->torrent, bt_fake_seeder_get_address (seeder));
  bt_torrent_start (fixture->torrent);

  id = g_timeout_add_seconds (20, deadline_cb, &timed_out);
  while (!fixture->completed && !timed_out
         && bt_torrent_get_state (fixture->torrent) != BT_TORRENT_STATE_ERROR)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_assert_false (timed_out);

  if (fixture->completed)
    {
      g_assert_null (bt_torrent_get_error_message (fixture->torrent));
      return NULL;
    }
  g_assert_cmpint (bt_torrent_get_state (fixture->torrent), ==, BT_TORRENT_STATE_ERROR);
  g_assert_nonnull (bt_torrent_get_error_message (fixture->torrent));
  /* A failed write is never counted as a verified piece. */
  g_assert_cmpfloat (bt_torrent_get_progress (fixture->torrent), <, 1.0);
  return g_strdup (bt_torrent_get_error_message (fixture->torrent));
}

static char *
download_path (Fixture    *fixture,
               const char *relative)
{
  return g_build_filename (fixture->download_dir, "Payload", relative, NULL);
}

static void
make_dir (const char *path)
{
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

static void
assert_file_is (const char *path,
                const char *expected)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, expected, strlen (expected));
}

static void
assert_downloaded (Fixture *fixture)
{
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *src = g_build_filename (fixture->source_dir, files[i].path, NULL);
      g_autofree char *dst = download_path (fixture, files[i].path);
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;
      gsize a_len, b_len;

      g_assert_true (g_file_get_contents (src, &a, &a_len, NULL));
      g_assert_true (g_file_get_contents (dst, &b, &b_len, NULL));
      g_assert_cmpmem (a, a_len, b, b_len);
    }
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

/* Symbolic links */

/* dl/Payload/a.bin → outside/victim: the victim keeps its bytes. */
static void
test_symlink_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autofree char *victim = g_build_filename (fixture->outside_dir, "victim", NULL);
  g_autofree char *link = download_path (fixture, "a.bin");
  g_autofree char *link_dir = g_path_get_dirname (link);
  g_autofree char *message = NULL;

  g_assert_true (g_file_set_contents (victim, "precious", -1, NULL));
  make_dir (link_dir);
  g_assert_cmpint (symlink (victim, link), ==, 0);

  message = run_download (fixture, seeder);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "symbolic link"));
  assert_file_is (victim, "precious");
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
}

/* dl/Payload/sub → outside: nothing appears in outside/. */
static void
test_symlink_folder (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autofree char *link = download_path (fixture, "sub");
  g_autofree char *link_dir = g_path_get_dirname (link);
  g_autofree char *message = NULL;

  make_dir (link_dir);
  g_assert_cmpint (symlink (fixture->outside_dir, link), ==, 0);

  message = run_download (fixture, seeder);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "symbolic link"));
  g_assert_cmpuint (count_entries (fixture->outside_dir), ==, 0);
}

/* dl/Payload → outside: the torrent's own top folder is a link. */
static void
test_symlink_top_folder (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autofree char *link = g_build_filename (fixture->download_dir, "Payload", NULL);
  g_autofree char *message = NULL;

  g_assert_cmpint (symlink (fixture->outside_dir, link), ==, 0);

  message = run_download (fixture, seeder);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_cmpuint (count_entries (fixture->outside_dir), ==, 0);
}

/* dl/Payload/a.bin → outside/new (which does not exist): O_CREAT through
 * the link would create a file outside. */
static void
test_symlink_dangling (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autofree char *target = g_build_filename (fixture->outside_dir, "new", NULL);
  g_autofree char *link = download_path (fixture, "a.bin");
  g_autofree char *link_dir = g_path_get_dirname (link);
  g_autofree char *message = NULL;

  make_dir (link_dir);
  g_assert_cmpint (symlink (target, link), ==, 0);

  message = run_download (fixture, seeder);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (fixture->outside_dir), ==, 0);
}

/* Files already there */

/* Larger than the torrent's file: someone else's, left exactly as it was. */
static void
test_existing_larger_file (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autofree char *path = download_path (fixture, "sub/b.bin");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *theirs = g_strnfill (files[1].size + 1000, 'T');
  g_autofree char *message = NULL;

  make_dir (dir);
  g_assert_true (g_file_set_contents (path, theirs, -1, NULL));

  message = run_download (fixture, seeder);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "larger"));
  assert_file_is (path, theirs);
}

/* No larger: taken as this torrent's partial download and completed. */
static void
test_existing_same_size_file (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autofree char *path = download_path (fixture, "a.bin");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *stale = g_strnfill (files[0].size, 'S');

  make_dir (dir);
  g_assert_true (g_file_set_contents (path, stale, -1, NULL));

  g_assert_null (run_download (fixture, seeder));
  assert_downloaded (fixture);
}

/* Permissions. Root ignores permission bits, so a root test process
 * becomes nobody for the download: only its effective ids, so that it can
 * come back and clean up. (glibc changes the ids of every thread, the
 * storage workers included.) */

typedef enum
{
  READ_ONLY_FOLDER,
  READ_ONLY_FILE,
} ReadOnlyCase;

static void
test_read_only (Fixture       *fixture,
                gconstpointer  data)
{
  ReadOnlyCase which = GPOINTER_TO_INT (data);
  g_autoptr(BtFakeSeeder) seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);
  g_autofree char *payload_dir = g_build_filename (fixture->download_dir, "Payload", NULL);
  g_autofree char *file = download_path (fixture, "a.bin");
  g_autofree char *stale = g_strnfill (files[0].size, 'S');
  g_autofree char *message = NULL;
  gboolean dropped = FALSE;

  if (which == READ_ONLY_FOLDER)
    g_assert_cmpint (g_chmod (fixture->download_dir, 0555), ==, 0);
  else
    {
      /* The folders are the downloader's, the file is not, and it may
       * only read it. */
      g_autofree char *sub = g_build_filename (payload_dir, "sub", NULL);

      make_dir (sub);
      g_assert_true (g_file_set_contents (file, stale, -1, NULL));
      g_assert_cmpint (g_chmod (file, 0444), ==, 0);
      if (geteuid () == 0)
        {
          g_assert_cmpint (chown (payload_dir, NOBODY, NOBODY), ==, 0);
          g_assert_cmpint (chown (sub, NOBODY, NOBODY), ==, 0);
        }
    }

  if (geteuid () == 0)
    {
      if (setegid (NOBODY) != 0 || seteuid (NOBODY) != 0)
        {
          seteuid (0);
          setegid (0);
          g_chmod (fixture->download_dir, 0755);
          bt_test_skip_or_fail ("this root process cannot become nobody (uid 65534), so "
                                "permissions cannot be tested");
          return;
        }
      dropped = TRUE;
    }

  message = run_download (fixture, seeder);
  stop_torrent (fixture);
  if (dropped)
    {
      g_assert_cmpint (seteuid (0), ==, 0);
      g_assert_cmpint (setegid (0), ==, 0);
    }
  g_chmod (fixture->download_dir, 0755);

  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_true (g_utf8_validate (message, -1, NULL));
  /* The error names the place and the reason. */
  g_assert_nonnull (strstr (message, which == READ_ONLY_FOLDER ? "Payload" : "a.bin"));
  g_assert_nonnull (strstr (message, "ermission"));
  /* Nothing was created, the file is untouched. */
  if (which == READ_ONLY_FOLDER)
    g_assert_cmpuint (count_entries (fixture->download_dir), ==, 0);
  else
    assert_file_is (file, stale);
}

/* The torrent logs the storage error it stops on as a warning: expected
 * here. Any other warning still ends the test, as in every test program. */
static GLogWriterOutput
log_writer (GLogLevelFlags   log_level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  GLogWriterOutput result;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;

  result = g_log_writer_default (log_level, fields, n_fields, user_data);
  if ((log_level & G_LOG_LEVEL_WARNING) && g_strcmp0 (domain, "bt-torrent") != 0)
    g_error ("unexpected warning (above)");
  return result;
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (log_writer, NULL, NULL);

#define ADD_TEST(name, func, data) \
  g_test_add ("/engine/storage-hostile/" name, Fixture, data, fixture_setup, func, \
              fixture_teardown)
  ADD_TEST ("symlink/file", test_symlink_file, NULL);
  ADD_TEST ("symlink/folder", test_symlink_folder, NULL);
  ADD_TEST ("symlink/top-folder", test_symlink_top_folder, NULL);
  ADD_TEST ("symlink/dangling", test_symlink_dangling, NULL);
  ADD_TEST ("existing/larger-file", test_existing_larger_file, NULL);
  ADD_TEST ("existing/same-size-file", test_existing_same_size_file, NULL);
  ADD_TEST ("read-only/folder", test_read_only, GINT_TO_POINTER (READ_ONLY_FOLDER));
  ADD_TEST ("read-only/file", test_read_only, GINT_TO_POINTER (READ_ONLY_FILE));
#undef ADD_TEST

  return g_test_run ();
}
