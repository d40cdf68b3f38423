/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "bt-cli.h"
#include "bt-metainfo.h"
#include "bt-session.h"
#include "bt-torrent.h"

typedef struct
{
  GMainLoop  *loop;
  BtTorrent  *torrent;
  gboolean    tty;
  gboolean    seed;
  gboolean    seed_command;
  gboolean    checked;
  gboolean    stopping;
  int         status;
  guint16     port;
  gint64      started_us;
  gint64      last_line_us;
  guint       signal_ids[2];
} Download;

static const char *
state_label (BtTorrentState state)
{
  switch (state)
    {
    case BT_TORRENT_STATE_CHECKING:
      return "checking";
    case BT_TORRENT_STATE_DOWNLOADING:
      return "downloading";
    case BT_TORRENT_STATE_SEEDING:
      return "seeding";
    case BT_TORRENT_STATE_ERROR:
      return "error";
    case BT_TORRENT_STATE_FETCHING_METADATA:
      return "fetching metadata";
    case BT_TORRENT_STATE_QUEUED:
      return "queued";
    case BT_TORRENT_STATE_STOPPED:
    default:
      return "stopped";
    }
}

static char *
format_eta (guint64 left,
            double  rate)
{
  guint64 seconds;

  if (left == 0)
    return g_strdup ("0s");
  if (rate < 1)
    return g_strdup ("--");
  seconds = (guint64) (left / rate);
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "h%02um", seconds / 3600,
                            (guint) (seconds % 3600 / 60));
  if (seconds >= 60)
    return g_strdup_printf ("%um%02us", (guint) (seconds / 60), (guint) (seconds % 60));
  return g_strdup_printf ("%us", (guint) seconds);
}

static void
print_progress (Download *dl,
                gboolean  force)
{
  BtTorrent *torrent = dl->torrent;
  BtTorrentState state = bt_torrent_get_state (torrent);
  gint64 now = g_get_monotonic_time ();
  double progress = state == BT_TORRENT_STATE_CHECKING ? bt_torrent_get_check_progress (torrent)
                                                       : bt_torrent_get_progress (torrent);
  g_autofree char *down = g_format_size ((guint64) bt_torrent_get_download_rate (torrent));
  g_autofree char *up = g_format_size ((guint64) bt_torrent_get_upload_rate (torrent));
  g_autofree char *eta = format_eta (bt_torrent_get_left (torrent),
                                     bt_torrent_get_download_rate (torrent));

  /* Plain lines for logs and pipes: one every few seconds is plenty. */
  if (!dl->tty && !force && now - dl->last_line_us < 5 * G_USEC_PER_SEC)
    return;
  dl->last_line_us = now;

  if (dl->tty)
    {
      char bar[31];
      guint filled = (guint) (progress * 30);

      for (guint i = 0; i < 30; i++)
        bar[i] = i < filled ? '#' : '-';
      bar[30] = '\0';
      fprintf (stderr, "\r%-11s [%s] %5.1f%%  ↓ %s/s  ↑ %s/s  peers %u  ETA %s\033[K",
               state_label (state), bar, progress * 100, down, up,
               bt_torrent_get_n_peers (torrent), eta);
    }
  else
    fprintf (stderr, "%s %.1f%% down %s/s up %s/s peers %u eta %s\n",
             state_label (state), progress * 100, down, up, bt_torrent_get_n_peers (torrent),
             eta);
  fflush (stderr);
}

static void
progress_cb (BtTorrent  *torrent,
             GParamSpec *pspec,
             gpointer    user_data)
{
  print_progress (user_data, FALSE);
}

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Download *dl = user_data;
  g_autofree char *up = g_format_size (bt_torrent_get_uploaded (dl->torrent));
  g_autofree char *down = g_format_size (bt_torrent_get_downloaded (dl->torrent));

  bt_torrent_stop_finish (BT_TORRENT (source), result, NULL);
  /* Exact byte counts for scripts and tests, then the readable sizes. */
  printf ("%s: uploaded %" G_GUINT64_FORMAT " bytes (%s), downloaded %" G_GUINT64_FORMAT
          " bytes (%s)\n",
          bt_torrent_get_name (dl->torrent),
          bt_torrent_get_uploaded (dl->torrent), up, bt_torrent_get_downloaded (dl->torrent), down);
  fflush (stdout);
  g_main_loop_quit (dl->loop);
}

static void
stop (Download *dl,
      int       status)
{
  if (dl->stopping)
    return;
  dl->stopping = TRUE;
  dl->status = status;
  bt_torrent_stop_async (dl->torrent, NULL, stopped_cb, dl);
}

static void
state_cb (BtTorrent  *torrent,
          GParamSpec *pspec,
          gpointer    user_data)
{
  Download *dl = user_data;

  if (dl->seed_command && !dl->checked && bt_torrent_get_state (torrent) != BT_TORRENT_STATE_CHECKING
      && bt_torrent_get_state (torrent) != BT_TORRENT_STATE_ERROR)
    {
      const BtBitfield *have = bt_torrent_get_have (torrent);

      dl->checked = TRUE;
      if (dl->tty)
        fprintf (stderr, "\n");
      if (bt_bitfield_is_complete (have))
        printf ("%s: all %u pieces verified; seeding on port %u\n",
                bt_torrent_get_name (torrent),
                bt_bitfield_get_size (have), 0u + dl->port);
      else
        printf ("%s: only %u of %u pieces are on disk and verified; seeding those and "
                "fetching the rest\n",
                bt_torrent_get_name (torrent),
                bt_bitfield_count (have), bt_bitfield_get_size (have));
      fflush (stdout);
    }

  if (bt_torrent_get_state (torrent) == BT_TORRENT_STATE_ERROR)
    {
      if (dl->tty)
        fprintf (stderr, "\n");
      bt_cli_error ("%s", bt_torrent_get_error_message (torrent));
      stop (dl, 1);
    }
}

static void
completed_cb (BtTorrent *torrent,
              gpointer   user_data)
{
  Download *dl = user_data;
  double seconds = (g_get_monotonic_time () - dl->started_us) / (double) G_USEC_PER_SEC;
  g_autofree char *size = g_format_size (bt_torrent_get_wanted_size (torrent));

  if (dl->seed_command)
    return;
  print_progress (dl, TRUE);
  if (dl->tty)
    fprintf (stderr, "\n");
  printf ("%s: complete, %s verified in %.1f s\n",
          bt_torrent_get_name (torrent), size, seconds);
  fflush (stdout);
  if (!dl->seed)
    stop (dl, 0);
}

static void
goal_cb (BtTorrent *torrent,
         gpointer   user_data)
{
  Download *dl = user_data;

  if (dl->tty)
    fprintf (stderr, "\n");
  printf ("%s: seeding goal reached\n", bt_torrent_get_name (torrent));
  stop (dl, 0);
}

static gboolean
signal_cb (gpointer user_data)
{
  Download *dl = user_data;

  if (dl->tty)
    fprintf (stderr, "\n");
  fprintf (stderr, "btorrent-cli: stopping (telling the trackers)…\n");
  stop (dl, bt_torrent_get_state (dl->torrent) == BT_TORRENT_STATE_SEEDING ? 0 : 130);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_peer (const char          *text,
            GInetSocketAddress **out)
{
  g_autoptr(GSocketConnectable) connectable = g_network_address_parse (text, 0, NULL);
  GNetworkAddress *address;
  g_autoptr(GInetAddress) ip = NULL;

  if (connectable == NULL)
    return FALSE;
  address = G_NETWORK_ADDRESS (connectable);
  ip = g_inet_address_new_from_string (g_network_address_get_hostname (address));
  if (ip == NULL || g_network_address_get_port (address) == 0)
    return FALSE;
  *out = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (ip, g_network_address_get_port (address)));
  return TRUE;
}

static int
run (int       argc,
     char    **argv,
     gboolean  seed_command)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(BtMagnet) magnet = NULL;
  gboolean is_magnet = FALSE;
  gboolean dht = FALSE;
  g_auto(GStrv) dht_nodes = NULL;
  g_autoptr(BtSession) session = NULL;
  BtTorrent *torrent;
  g_auto(GStrv) files = NULL;
  g_auto(GStrv) peers = NULL;
  g_auto(GStrv) skip = NULL;
  g_autofree char *output = NULL;
  g_autofree char *bind = NULL;
  int port = 51413;
  int max_peers = 0;
  gboolean seed = seed_command;
  gboolean no_check = FALSE;
  BtSessionConfig config = { 0 };
  Download dl = { 0 };
  const GOptionEntry download_entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Folder to save into (default: here)", "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_NONE, &seed, "Keep seeding after the download completes", NULL },
    { "skip-file", 0, 0, G_OPTION_ARG_STRING_ARRAY, &skip,
      "Do not download this file (its path as “info” shows it)", "PATH" },
    { "no-check", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &no_check,
      "Do not look for data already on disk", NULL },
    { NULL }
  };
  const GOptionEntry seed_entries[] = {
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &output, "Folder that holds the data (default: here)", "DIR" },
    { NULL }
  };
  double seed_ratio = 0;
  int seed_idle_min = 0;
  int upload_kib = 0;
  const GOptionEntry common_entries[] = {
    { "upload-limit", 0, 0, G_OPTION_ARG_INT, &upload_kib,
      "Upload at most this many KiB/s (default: no limit)", "KIB" },
    { "seed-ratio", 0, 0, G_OPTION_ARG_DOUBLE, &seed_ratio,
      "Stop seeding at this upload ratio (default: never)", "R" },
    { "seed-idle", 0, 0, G_OPTION_ARG_INT, &seed_idle_min,
      "Stop seeding after this many minutes without uploading (default: never)", "MIN" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port to listen on for peers (default 51413, 0: any)", "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "Listen on this address only", "IP" },
    { "max-peers", 0, 0, G_OPTION_ARG_INT, &max_peers, "Connections at most", "N" },
    { "peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &peers, "Also connect to this peer", "IP:PORT" },
    { "dht", 0, 0, G_OPTION_ARG_NONE, &dht, "Find peers through the DHT too (public torrents)", NULL },
    { "dht-bootstrap", 0, 0, G_OPTION_ARG_STRING_ARRAY, &dht_nodes,
      "Join the DHT through this node (implies --dht; default: the well-known routers)",
      "HOST:PORT" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE.torrent" },
    { NULL }
  };

  context = g_option_context_new (seed_command ? "FILE.torrent — check the data, then seed it"
                                               : "FILE.torrent|MAGNET — download a torrent");
  g_option_context_add_main_entries (context, seed_command ? seed_entries : download_entries, NULL);
  g_option_context_add_main_entries (context, common_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (files == NULL || files[0] == NULL || files[1] != NULL)
    {
      bt_cli_error ("%s takes exactly one %s", seed_command ? "seed" : "download",
                    seed_command ? ".torrent file" : ".torrent file or magnet link");
      return 2;
    }
  is_magnet = !seed_command && bt_magnet_is_magnet (files[0]);
  if (is_magnet && skip != NULL)
    {
      bt_cli_error ("--skip-file needs the torrent's file list, which a magnet link does not have");
      return 2;
    }
  if (port < 0 || port > 65535 || max_peers < 0 || seed_ratio < 0 || seed_idle_min < 0
      || upload_kib < 0)
    {
      bt_cli_error ("--port must be 0-65535, and --max-peers, --seed-ratio, --seed-idle and "
                    "--upload-limit positive");
      return 2;
    }

  if (is_magnet)
    {
      magnet = bt_magnet_parse (files[0], &error);
      if (magnet == NULL)
        {
          bt_cli_error ("%s", error->message);
          return 1;
        }
    }
  else
    {
      meta = bt_metainfo_new_from_file (files[0], &error);
      if (meta == NULL)
        {
          bt_cli_error ("%s: %s", files[0], error->message);
          return 1;
        }
    }
  if (output == NULL)
    output = g_get_current_dir ();
  if (seed_command)
    {
      if (!g_file_test (output, G_FILE_TEST_IS_DIR))
        {
          bt_cli_error ("%s: no such folder", output);
          return 1;
        }
    }
  else if (g_mkdir_with_parents (output, 0755) != 0 || g_access (output, W_OK) != 0)
    {
      bt_cli_error ("%s: the folder cannot be written to", output);
      return 1;
    }

  config.port = (guint16) port;
  config.bind_address = bind;
  config.max_peers_per_torrent = (guint) max_peers;
  config.seed_ratio = seed_ratio;
  config.seed_idle_s = (guint) seed_idle_min * 60;
  config.upload_limit = (guint64) upload_kib * 1024;
  config.enable_dht = dht || dht_nodes != NULL;
  config.dht_bootstrap_nodes = (const char * const *) dht_nodes;
  session = bt_session_new (&config, &error);
  if (session == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  if (magnet != NULL)
    torrent = bt_session_add_magnet_torrent (session, magnet, output, &error);
  else
    torrent = bt_session_add_torrent (session, meta, output, no_check && !seed_command, &error);
  if (torrent == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }

  for (guint i = 0; skip != NULL && skip[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint f = 0; f < bt_metainfo_get_n_files (meta); f++)
        if (g_strcmp0 (bt_metainfo_get_file_path (meta, f), skip[i]) == 0)
          {
            bt_torrent_set_file_priority (torrent, f, BT_PRIORITY_SKIP);
            found = TRUE;
          }
      if (!found)
        {
          bt_cli_error ("--skip-file “%s” is not a file of this torrent (see btorrent-cli info)",
                        skip[i]);
          return 2;
        }
    }

  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    {
      g_autoptr(GInetSocketAddress) address = NULL;

      if (!parse_peer (peers[i], &address))
        {
          bt_cli_error ("--peer “%s” is not IP:PORT", peers[i]);
          return 2;
        }
      bt_torrent_add_peer_address (torrent, address);
    }

  dl.loop = g_main_loop_new (NULL, FALSE);
  dl.torrent = torrent;
  dl.tty = isatty (STDERR_FILENO);
  dl.seed = seed;
  dl.seed_command = seed_command;
  dl.port = bt_session_get_port (session);
  dl.started_us = g_get_monotonic_time ();
  g_signal_connect (torrent, "notify::progress", G_CALLBACK (progress_cb), &dl);
  g_signal_connect (torrent, "notify::check-progress", G_CALLBACK (progress_cb), &dl);
  g_signal_connect (torrent, "notify::state", G_CALLBACK (state_cb), &dl);
  g_signal_connect (torrent, "completed", G_CALLBACK (completed_cb), &dl);
  g_signal_connect (torrent, "seed-goal-reached", G_CALLBACK (goal_cb), &dl);
  dl.signal_ids[0] = g_unix_signal_add (SIGINT, signal_cb, &dl);
  dl.signal_ids[1] = g_unix_signal_add (SIGTERM, signal_cb, &dl);

  bt_torrent_start (torrent);
  g_main_loop_run (dl.loop);

  g_source_remove (dl.signal_ids[0]);
  g_source_remove (dl.signal_ids[1]);
  g_signal_handlers_disconnect_by_data (torrent, &dl);
  g_main_loop_unref (dl.loop);
  return dl.status;
}

int
bt_cli_download (int    argc,
                 char **argv)
{
  return run (argc, argv, FALSE);
}

int
bt_cli_seed (int    argc,
             char **argv)
{
  return run (argc, argv, TRUE);
}
