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
#include "bt-torrent.h"
#include "bt-wire.h"

typedef struct
{
  GMainLoop  *loop;
  BtTorrent  *torrent;
  gboolean    tty;
  gboolean    seed;
  gboolean    stopping;
  int         status;
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

  bt_torrent_stop_finish (BT_TORRENT (source), result, NULL);
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
  g_autofree char *size = g_format_size (bt_metainfo_get_wanted_size (bt_torrent_get_metainfo (torrent)));

  print_progress (dl, TRUE);
  if (dl->tty)
    fprintf (stderr, "\n");
  printf ("%s: complete, %s verified in %.1f s\n",
          bt_metainfo_get_name (bt_torrent_get_metainfo (torrent)), size, seconds);
  fflush (stdout);
  if (!dl->seed)
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

int
bt_cli_download (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(BtTorrent) torrent = NULL;
  g_auto(GStrv) files = NULL;
  g_auto(GStrv) peers = NULL;
  g_autofree char *output = NULL;
  int port = 51413;
  int max_peers = 0;
  gboolean seed = FALSE;
  gboolean no_check = FALSE;
  BtTorrentConfig config = { { 0 } };
  Download dl = { 0 };
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Folder to save into (default: here)", "DIR" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port to announce (default 51413)", "N" },
    { "max-peers", 0, 0, G_OPTION_ARG_INT, &max_peers, "Connections at most", "N" },
    { "seed", 0, 0, G_OPTION_ARG_NONE, &seed, "Keep running after the download completes", NULL },
    { "peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &peers, "Also connect to this peer", "IP:PORT" },
    { "no-check", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &no_check,
      "Do not look for data already on disk", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE.torrent" },
    { NULL }
  };

  context = g_option_context_new ("FILE.torrent — download a torrent");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (files == NULL || files[0] == NULL || files[1] != NULL)
    {
      bt_cli_error ("download takes exactly one .torrent file");
      return 2;
    }
  if (port < 1 || port > 65535 || max_peers < 0)
    {
      bt_cli_error ("--port must be 1-65535 and --max-peers positive");
      return 2;
    }

  meta = bt_metainfo_new_from_file (files[0], &error);
  if (meta == NULL)
    {
      bt_cli_error ("%s: %s", files[0], error->message);
      return 1;
    }
  if (output == NULL)
    output = g_get_current_dir ();
  if (g_mkdir_with_parents (output, 0755) != 0 || g_access (output, W_OK) != 0)
    {
      bt_cli_error ("%s: the folder cannot be written to", output);
      return 1;
    }

  bt_wire_make_peer_id (config.peer_id);
  config.port = (guint16) port;
  config.max_peers = (guint) max_peers;
  config.skip_check = no_check;
  torrent = bt_torrent_new (meta, output, &config, &error);
  if (torrent == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
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
  dl.started_us = g_get_monotonic_time ();
  g_signal_connect (torrent, "notify::progress", G_CALLBACK (progress_cb), &dl);
  g_signal_connect (torrent, "notify::state", G_CALLBACK (state_cb), &dl);
  g_signal_connect (torrent, "completed", G_CALLBACK (completed_cb), &dl);
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
