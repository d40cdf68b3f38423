/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A headless session for tests that kill it: it keeps its torrents in a
 * state folder, downloads, and reports on stdout, one line each:
 *   "ready N"     once every torrent has been checked or restored (N:
 *                 the pieces it has then, before downloading any more)
 *   "progress P"  P the share of pieces it has, as it changes
 *   "complete"    when every torrent seeds; then it exits 0.
 *
 * Usage: bt-session-runner STATE_DIR SAVE_DIR [--add FILE.torrent]
 *        [--peer IP:PORT] [--download-limit BYTES_PER_S] [--resume-interval MS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "bt-session.h"
#include "bt-torrent.h"

typedef struct
{
  GMainLoop *loop;
  BtSession *session;
  gboolean   ready_said;
  double     last_progress;
  gboolean   complete;
} Runner;

static gboolean
all_in (Runner   *runner,
        gboolean  seeding_only)
{
  GListModel *torrents = bt_session_get_torrents (runner->session);

  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);
      BtTorrentState state = bt_torrent_get_state (torrent);

      if (state != BT_TORRENT_STATE_SEEDING
          && (seeding_only || state != BT_TORRENT_STATE_DOWNLOADING))
        return FALSE;
    }
  return TRUE;
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Runner *runner = user_data;

  bt_session_close_finish (BT_SESSION (source), result, NULL);
  g_main_loop_quit (runner->loop);
}

static gboolean
report_cb (gpointer user_data)
{
  Runner *runner = user_data;
  GListModel *torrents = bt_session_get_torrents (runner->session);
  guint64 have = 0;
  guint64 total = 0;

  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);
      const BtBitfield *bits = bt_torrent_get_have (torrent);

      have += bt_bitfield_count (bits);
      total += bt_bitfield_get_size (bits);
    }
  if (!runner->ready_said && all_in (runner, FALSE))
    {
      runner->ready_said = TRUE;
      printf ("ready %" G_GUINT64_FORMAT "\n", have);
    }
  if (runner->ready_said && total > 0 && (double) have / total != runner->last_progress)
    {
      runner->last_progress = (double) have / total;
      printf ("progress %.4f\n", runner->last_progress);
    }
  if (runner->ready_said && !runner->complete && all_in (runner, TRUE))
    {
      runner->complete = TRUE;
      printf ("complete\n");
      bt_session_close_async (runner->session, NULL, closed_cb, runner);
    }
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("STATE_DIR SAVE_DIR");
  g_autoptr(GError) error = NULL;
  g_autofree char *add = NULL;
  g_autofree char *peer = NULL;
  gint64 limit = 0;
  int interval_ms = 0;
  const GOptionEntry entries[] = {
    { "add", 0, 0, G_OPTION_ARG_FILENAME, &add, "Add this torrent", "FILE" },
    { "peer", 0, 0, G_OPTION_ARG_STRING, &peer, "Connect every torrent to this peer", "IP:PORT" },
    { "download-limit", 0, 0, G_OPTION_ARG_INT64, &limit, "Bytes/s", "N" },
    { "resume-interval", 0, 0, G_OPTION_ARG_INT, &interval_ms, "Milliseconds", "MS" },
    { NULL }
  };
  BtSessionConfig config = { 0 };
  Runner runner = { 0 };
  GListModel *torrents;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 3)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "STATE_DIR SAVE_DIR expected");
      return 2;
    }

  config.bind_address = "127.0.0.1";
  config.state_dir = argv[1];
  config.download_dir = argv[2];
  config.download_limit = (guint64) MAX (limit, 0);
  config.resume_interval_ms = (guint) MAX (interval_ms, 0);
  runner.session = bt_session_new (&config, &error);
  if (runner.session == NULL || !bt_session_load (runner.session, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (add != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (add);

      if (bt_session_add_file (runner.session, file, NULL, NULL, &error) == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }
  torrents = bt_session_get_torrents (runner.session);
  if (peer != NULL)
    {
      g_autoptr(GSocketConnectable) parsed = g_network_address_parse (peer, 0, &error);
      g_autoptr(GInetAddress) ip = NULL;
      g_autoptr(GSocketAddress) address = NULL;

      if (parsed == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 2;
        }
      ip = g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (parsed)));
      address = g_inet_socket_address_new (ip, g_network_address_get_port (G_NETWORK_ADDRESS (parsed)));
      for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
        {
          g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);

          bt_torrent_add_peer_address (torrent, G_INET_SOCKET_ADDRESS (address));
        }
    }

  runner.loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add (100, report_cb, &runner);
  g_main_loop_run (runner.loop);
  g_main_loop_unref (runner.loop);
  g_object_unref (runner.session);
  return runner.complete ? 0 : 1;
}
