/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A headless session killed with SIGKILL in the middle of a download,
 * again and again: each restart keeps every piece its last resume record
 * vouched for, and the end result is byte-identical to the source.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bt-fake-seeder.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-resume-store.h"
#include "bt-test-util.h"

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *lines;
  char             *line;   /* the last line read, or NULL at the end */
  gboolean          waiting;
} Child;

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Child *child = user_data;

  g_free (child->line);
  child->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                      NULL, NULL);
  child->waiting = FALSE;
}

/* The next line of the runner's output, while our seeder keeps serving. */
static const char *
next_line (Child *child)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  child->waiting = TRUE;
  g_data_input_stream_read_line_async (child->lines, G_PRIORITY_DEFAULT, NULL, line_cb, child);
  while (child->waiting)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("the runner said nothing for a minute");
    }
  return child->line;
}

static void
start_child (Child       *child,
             const char  *runner,
             const char  *state_dir,
             const char  *save_dir,
             const char  *torrent_path,
             const char  *peer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) runner);
  g_ptr_array_add (argv, (gpointer) state_dir);
  g_ptr_array_add (argv, (gpointer) save_dir);
  g_ptr_array_add (argv, "--peer");
  g_ptr_array_add (argv, (gpointer) peer);
  /* 1 MiB/s: the 8 MiB take 8 s, long enough for resume records (one a
   * second here) between kills. */
  g_ptr_array_add (argv, "--download-limit=1048576");
  g_ptr_array_add (argv, "--resume-interval=1000");
  if (torrent_path != NULL)
    {
      g_ptr_array_add (argv, "--add");
      g_ptr_array_add (argv, (gpointer) torrent_path);
    }
  g_ptr_array_add (argv, NULL);
  bt_test_launcher_tie_to_parent (launcher);
  child->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);
  child->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));
}

static void
stop_child (Child *child)
{
  g_clear_object (&child->lines);
  g_clear_object (&child->process);
  g_clear_pointer (&child->line, g_free);
}

static void
test_kill_and_resume (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *source = g_build_filename (tmpdir, "source", "payload.bin", NULL);
  g_autofree char *state_dir = g_build_filename (tmpdir, "state", NULL);
  g_autofree char *save_dir = g_build_filename (tmpdir, "save", NULL);
  g_autofree char *torrent_path = g_build_filename (tmpdir, "payload.torrent", NULL);
  g_autofree char *runner = g_test_build_filename (G_TEST_BUILT, "engine", "bt-session-runner",
                                                   NULL);
  g_autofree char *peer = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *result = NULL;
  g_autoptr(GFile) root = g_file_new_for_path (source);
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtFakeSeeder) seeder = NULL;
  g_autoptr(BtResumeStore) store = NULL;
  BtMetainfoCreateOptions options = { 0 };
  static const double kill_at[] = { 0.2, 0.45, 0.7 };
  Child child = { 0 };
  guint64 saved_count = 0;
  gsize len;
  gsize result_len;

  bt_test_write_random_file (source, 8 * 1024 * 1024, 7);
  g_assert_cmpint (g_mkdir_with_parents (save_dir, 0755), ==, 0);
  options.piece_length = 65536;
  options.creation_date = -1;
  torrent = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (torrent_path, g_bytes_get_data (torrent, NULL),
                                      g_bytes_get_size (torrent), NULL));
  meta = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (source, &contents, &len, NULL));
  payload = g_bytes_new (contents, len);
  seeder = bt_fake_seeder_new (meta, payload);
  {
    GInetSocketAddress *address = bt_fake_seeder_get_address (seeder);
    g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

    peer = g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (address));
  }
  store = bt_resume_store_new (state_dir);

  for (guint round = 0; round <= G_N_ELEMENTS (kill_at); round++)
    {
      g_autoptr(BtResume) saved = NULL;
      const char *line;
      guint64 ready;

      start_child (&child, runner, state_dir, save_dir, round == 0 ? torrent_path : NULL, peer);
      line = next_line (&child);
      g_assert_nonnull (line);
      g_assert_true (g_str_has_prefix (line, "ready "));
      ready = g_ascii_strtoull (line + 6, NULL, 10);
      g_test_message ("round %u: ready with %" G_GUINT64_FORMAT " pieces", round, ready);

      /* Every piece the record read just before the kill named is still
       * here, not downloaded again. */
      if (round > 0)
        g_assert_cmpuint (ready, >=, saved_count);

      if (round == G_N_ELEMENTS (kill_at))
        break;
      /* Past the mark, and with a resume record that vouches for more
       * than the last round had (it is written every few seconds). */
      for (;;)
        {
          line = next_line (&child);
          g_assert_nonnull (line);
          if (!g_str_has_prefix (line, "progress ")
              || g_ascii_strtod (line + 9, NULL) < kill_at[round])
            continue;
          saved = bt_resume_store_load_resume (store, bt_metainfo_get_info_hash (meta), meta,
                                               NULL);
          if (saved != NULL && saved->have != NULL && bt_bitfield_count (saved->have) > ready)
            break;
          g_clear_pointer (&saved, bt_resume_free);
        }
      saved_count = bt_bitfield_count (saved->have);
      g_test_message ("killed at %s with a record of %" G_GUINT64_FORMAT " pieces", line,
                      saved_count);
      g_subprocess_send_signal (child.process, SIGKILL);
      g_assert_true (bt_test_wait_for_exit (child.process, 10000));
      stop_child (&child);
    }

  /* The last run completes. */
  {
    const char *line;

    do
      line = next_line (&child);
    while (line != NULL && strcmp (line, "complete") != 0);
    g_assert_cmpstr (line, ==, "complete");
    g_assert_true (bt_test_wait_for_exit (child.process, 20000));
    g_assert_cmpint (g_subprocess_get_exit_status (child.process), ==, 0);
    stop_child (&child);
  }
  {
    g_autofree char *path = g_build_filename (save_dir, "payload.bin", NULL);

    g_assert_true (g_file_get_contents (path, &result, &result_len, NULL));
    g_assert_cmpmem (result, result_len, contents, len);
  }
  bt_test_remove_tree (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/session/kill-and-resume", test_kill_and_resume);
  return g_test_run ();
}
