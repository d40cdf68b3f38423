/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-cli"

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <unistd.h>

#include "bt-cli.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo.h"
#include "bt-metainfo-create.h"

typedef struct
{
  GMainLoop    *loop;
  GCancellable *cancellable;
  GBytes       *result;
  GError       *error;
  gboolean      tty;
} CreateRun;

static gboolean
parse_piece_size (const char  *text,
                  guint32     *out,
                  GError     **error)
{
  g_autofree char *upper = g_ascii_strup (text, -1);
  guint64 multiplier = 1;
  guint64 value;
  char *end = NULL;

  value = g_ascii_strtoull (upper, &end, 10);
  if (end == upper)
    goto bad;
  if (g_str_equal (end, "K") || g_str_equal (end, "KIB"))
    multiplier = 1024;
  else if (g_str_equal (end, "M") || g_str_equal (end, "MIB"))
    multiplier = 1024 * 1024;
  else if (*end != '\0')
    goto bad;

  value *= multiplier;
  if (value < BT_CREATE_MIN_PIECE_LENGTH || value > BT_CREATE_MAX_PIECE_LENGTH
      || (value & (value - 1)) != 0)
    goto bad;
  *out = (guint32) value;
  return TRUE;

bad:
  g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
               "--piece-size “%s” must be a power of two from 16K to 16M (for example 256K or 1M)",
               text);
  return FALSE;
}

/* Each -t starts a tier of its own; commas put several trackers in one
 * tier, as mktorrent reads them. */
static char ***
build_tiers (char **urls)
{
  GPtrArray *tiers = g_ptr_array_new ();

  for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
    g_ptr_array_add (tiers, g_strsplit (urls[i], ",", -1));
  g_ptr_array_add (tiers, NULL);
  return (char ***) g_ptr_array_free (tiers, FALSE);
}

static void
free_tiers (char ***tiers)
{
  for (guint i = 0; tiers != NULL && tiers[i] != NULL; i++)
    g_strfreev (tiers[i]);
  g_free (tiers);
}

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  CreateRun *run = user_data;
  g_autofree char *done_text = g_format_size (done);
  g_autofree char *total_text = g_format_size (total);

  if (!run->tty)
    return;
  fprintf (stderr, "\rHashing: %3u%% (%s of %s)\033[K",
           total > 0 ? (guint) (done * 100 / total) : 100, done_text, total_text);
  fflush (stderr);
}

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CreateRun *run = user_data;

  run->result = bt_metainfo_create_finish (result, &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
sigint_cb (gpointer user_data)
{
  CreateRun *run = user_data;

  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_CONTINUE;
}

int
bt_cli_create (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) source = NULL;
  g_autoptr(BtMetainfo) check = NULL;
  g_auto(GStrv) paths = NULL;
  g_auto(GStrv) trackers = NULL;
  g_auto(GStrv) web_seeds = NULL;
  g_autofree char *output = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *source_tag = NULL;
  g_autofree char *piece_size = NULL;
  gboolean is_private = FALSE;
  BtMetainfoCreateOptions options = { 0 };
  CreateRun run = { 0 };
  guint sigint_id;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Where to write the .torrent", "OUT.torrent" },
    { "tracker", 't', 0, G_OPTION_ARG_STRING_ARRAY, &trackers,
      "Announce URL; each -t is a tier, commas put several in one tier", "URL" },
    { "web-seed", 'w', 0, G_OPTION_ARG_STRING_ARRAY, &web_seeds, "Web seed URL (BEP 19)", "URL" },
    { "private", 'p', 0, G_OPTION_ARG_NONE, &is_private, "Mark the torrent private (BEP 27)", NULL },
    { "piece-size", 's', 0, G_OPTION_ARG_STRING, &piece_size,
      "Piece size, a power of two from 16K to 16M (default: chosen for the size)", "N" },
    { "comment", 'c', 0, G_OPTION_ARG_STRING, &comment, "A comment", "TEXT" },
    { "source", 0, 0, G_OPTION_ARG_STRING, &source_tag, "The info “source” tag", "TEXT" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, "PATH" },
    { NULL }
  };

  context = g_option_context_new ("PATH — make a .torrent of a file or folder");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (paths == NULL || paths[0] == NULL || paths[1] != NULL)
    {
      bt_cli_error ("create takes exactly one file or folder");
      return 2;
    }
  if (output == NULL)
    {
      bt_cli_error ("create needs -o OUT.torrent");
      return 2;
    }
  if (piece_size != NULL && !parse_piece_size (piece_size, &options.piece_length, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }

  options.trackers = build_tiers (trackers);
  options.web_seeds = web_seeds;
  options.comment = comment;
  options.source = source_tag;
  options.is_private = is_private;

  run.loop = g_main_loop_new (NULL, FALSE);
  run.cancellable = g_cancellable_new ();
  run.tty = isatty (STDERR_FILENO);
  sigint_id = g_unix_signal_add (SIGINT, sigint_cb, &run);

  source = g_file_new_for_commandline_arg (paths[0]);
  bt_metainfo_create_async (source, &options, run.cancellable,
                            progress_cb, &run, NULL, create_cb, &run);
  g_main_loop_run (run.loop);

  g_source_remove (sigint_id);
  if (run.tty)
    fprintf (stderr, "\n");
  free_tiers (options.trackers);
  g_clear_pointer (&run.loop, g_main_loop_unref);
  g_clear_object (&run.cancellable);

  if (run.result == NULL)
    {
      bt_cli_error ("%s", run.error->message);
      g_clear_error (&run.error);
      return 1;
    }

  /* Read back what we made, so a torrent we cannot read is never written. */
  check = bt_metainfo_new_from_bytes (run.result, &error);
  if (check == NULL
      || !g_file_set_contents (output, g_bytes_get_data (run.result, NULL),
                               g_bytes_get_size (run.result), &error))
    {
      bt_cli_error ("%s: %s", output, error->message);
      g_bytes_unref (run.result);
      return 1;
    }

  printf ("%s: %s, %u pieces, info-hash %s\n", output, bt_metainfo_get_name (check),
          bt_metainfo_get_n_pieces (check), bt_metainfo_get_info_hash_hex (check));
  g_bytes_unref (run.result);
  return 0;
}
