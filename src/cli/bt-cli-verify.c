/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * btorrent-cli verify: a full recheck of a torrent's data in a folder, with
 * good, bad and missing pieces per file. Exit status 0 when every piece is
 * good, 1 when some are not (or on an error), 2 for a usage error.
 */
#define G_LOG_DOMAIN "bt-cli"

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <unistd.h>

#include "bt-cli.h"
#include "bt-error.h"
#include "bt-metainfo.h"
#include "bt-storage.h"
#include "bt-verify.h"

typedef struct
{
  GMainLoop      *loop;
  GCancellable   *cancellable;
  BtVerifyResult *details;
  GError         *error;
  gboolean        tty;
} VerifyRun;

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  VerifyRun *run = user_data;
  g_autofree char *done_text = NULL;
  g_autofree char *total_text = NULL;

  if (!run->tty)
    return;
  done_text = g_format_size (done);
  total_text = g_format_size (total);
  fprintf (stderr, "\rChecking: %3u%% (%s of %s)\033[K",
           total > 0 ? (guint) (done * 100 / total) : 100, done_text, total_text);
  fflush (stderr);
}

static void
check_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  VerifyRun *run = user_data;

  run->details = bt_verify_check_finish_details (result, &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
signal_cb (gpointer user_data)
{
  VerifyRun *run = user_data;

  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_CONTINUE;
}

static const char *
plural (guint32     n,
        const char *one,
        const char *many)
{
  return n == 1 ? one : many;
}

static void
print_report (BtMetainfo     *meta,
              BtVerifyResult *details)
{
  guint n_files = bt_metainfo_get_n_files (meta);
  guint32 n_pieces = bt_metainfo_get_n_pieces (meta);
  guint32 good;
  guint32 bad;
  guint32 missing;

  for (guint i = 0; i < n_files; i++)
    {
      BtVerifyFileStats stats;
      const char *path = bt_metainfo_get_file_path (meta, i);

      if (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD)
        continue;
      bt_verify_result_get_file_stats (details, i, &stats);
      if (bt_metainfo_get_file_size (meta, i) == 0)
        {
          printf ("%s: empty file, %s\n", path, stats.present ? "present" : "not created yet");
          continue;
        }
      printf ("%s: %u good, %u bad, %u missing %s%s\n", path, stats.good, stats.bad,
              stats.missing, plural (stats.n_pieces, "piece", "pieces"),
              stats.present ? "" : " (file not found)");
    }

  bt_verify_result_get_totals (details, &good, &bad, &missing);
  printf ("Total: %u good, %u bad, %u missing of %u %s\n", good, bad, missing, n_pieces,
          plural (n_pieces, "piece", "pieces"));
  if (good == n_pieces)
    printf ("All pieces are good: the data is complete.\n");
  else if (bad > 0 && missing > 0)
    printf ("Incomplete: %u %s wrong data and %u %s missing.\n", bad,
            plural (bad, "piece has", "pieces have"), missing, plural (missing, "is", "are"));
  else if (bad > 0)
    printf ("Incomplete: %u %s wrong data.\n", bad, plural (bad, "piece has", "pieces have"));
  else
    printf ("Incomplete: %u %s missing.\n", missing, plural (missing, "piece is", "pieces are"));
}

int
bt_cli_verify (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(BtStorage) storage = NULL;
  g_auto(GStrv) paths = NULL;
  g_autofree char *dir = NULL;
  VerifyRun run = { 0 };
  guint sigint_id;
  guint sigterm_id;
  int status;
  const GOptionEntry entries[] = {
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir,
      "The folder that holds the torrent's data (default: the current folder)", "DIR" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "FILE.torrent" },
    { NULL }
  };

  context = g_option_context_new ("FILE.torrent — check the data of a torrent in a folder");
  g_option_context_set_description (context,
                                    "Exit status: 0 when every piece is good, 1 when pieces "
                                    "are bad or missing or on an error, 2 for a usage error.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (paths == NULL || paths[0] == NULL || paths[1] != NULL)
    {
      bt_cli_error ("verify takes exactly one .torrent file");
      return 2;
    }

  meta = bt_metainfo_new_from_file (paths[0], &error);
  if (meta == NULL)
    {
      g_autofree char *display = g_filename_display_name (paths[0]);

      bt_cli_error ("%s: %s", display, error->message);
      return 1;
    }

  storage = bt_storage_new (meta, dir != NULL ? dir : ".", &error);
  if (storage == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }

  run.loop = g_main_loop_new (NULL, FALSE);
  run.cancellable = g_cancellable_new ();
  run.tty = isatty (STDERR_FILENO);
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &run);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &run);

  bt_verify_check_async (storage, run.cancellable, progress_cb, &run, NULL, check_cb, &run);
  g_main_loop_run (run.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  if (run.tty)
    fprintf (stderr, "\r\033[K");
  g_clear_pointer (&run.loop, g_main_loop_unref);
  g_clear_object (&run.cancellable);

  if (run.details == NULL)
    {
      if (g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        bt_cli_error ("check cancelled");
      else
        bt_cli_error ("%s", run.error->message);
      g_clear_error (&run.error);
      return 1;
    }

  print_report (meta, run.details);
  status = bt_bitfield_is_complete (bt_verify_result_get_have (run.details)) ? 0 : 1;
  bt_verify_result_unref (run.details);
  return status;
}
