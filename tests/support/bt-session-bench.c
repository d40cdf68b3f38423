/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The scale benchmark of a session (build-aux/bench-session): thousands of
 * small torrents in one state folder, then what a fresh process pays to
 * bring them back and to keep them idle.
 *
 *   bt-session-bench setup STATE_DIR DATA_DIR N
 *     makes N small torrents (three files of a few KiB each, written to
 *     DATA_DIR), adds them to a session on STATE_DIR, lets each be checked
 *     once, pauses every tenth, leaves every fiftieth incomplete (a file
 *     truncated before the check: a download with no peers), and closes
 *     the session. Prints "expect SEEDING PAUSED DOWNLOADING".
 *
 *   bt-session-bench measure STATE_DIR SEEDING PAUSED DOWNLOADING [IDLE_S]
 *     times bt_session_new() + bt_session_load() until every torrent is in
 *     its final state (the counts given), waits a few seconds for the
 *     resume writes of the start to pass, then measures IDLE_S (30)
 *     seconds of doing nothing: CPU, main-loop wakeups, context switches;
 *     then the memory. Prints one "key=value" per line.
 *
 * No trackers and no DHT: the figures are the session's own cost, not
 * the network's. The queue has no limits (0), so every complete torrent
 * seeds at once: the heaviest case for per-torrent work.
 */
#define G_LOG_DOMAIN "bt-session-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "bt-metainfo-create.h"
#include "bt-session.h"
#include "bt-torrent.h"

/* After the queue ran, the start's own resume writes (each at most every
 * few seconds) are still on their way: they are not idle cost. */
#define SETTLE_S 6

typedef struct
{
  GMainLoop *loop;
  BtSession *session;
  guint      want_seeding;
  guint      want_paused;
  guint      want_downloading;
  gboolean   ready;
  guint      n_checking_seen;
  gint64     last_check_us;
  gint64     max_stall_us;
  guint      timeout_id;
} Bench;

/* Counts every time the main loop wakes from poll(): what an idle session
 * should rarely do. */
static GPollFunc real_poll;
static guint64   n_polls;

static gint
counting_poll (GPollFD *fds,
               guint    n_fds,
               gint     timeout)
{
  n_polls++;
  return real_poll (fds, n_fds, timeout);
}

static gint64
status_kib (const char *key)
{
  g_autofree char *contents = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &contents, NULL, NULL))
    return -1;
  line = strstr (contents, key);
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (key) + 1, NULL, 10);
}

static double
cpu_seconds (struct rusage *usage)
{
  getrusage (RUSAGE_SELF, usage);
  return usage->ru_utime.tv_sec + usage->ru_utime.tv_usec / 1e6 + usage->ru_stime.tv_sec
         + usage->ru_stime.tv_usec / 1e6;
}

/* Resume records in @state_dir written at or after @since_us (real time):
 * an idle torrent should not need its record written again. */
static guint
count_written (const char *state_dir,
               gint64      since_us)
{
  g_autoptr(GDir) dir = g_dir_open (state_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      struct stat st;

      if (!g_str_has_suffix (name, ".resume"))
        continue;
      path = g_build_filename (state_dir, name, NULL);
      if (stat (path, &st) == 0
          && (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000 >= since_us)
        n++;
    }
  return n;
}

static void
count_states (BtSession *session,
              guint     *seeding,
              guint     *stopped,
              guint     *downloading,
              guint     *other)
{
  GListModel *torrents = bt_session_get_torrents (session);
  guint n = g_list_model_get_n_items (torrents);

  *seeding = *stopped = *downloading = *other = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);

      switch (bt_torrent_get_state (torrent))
        {
        case BT_TORRENT_STATE_SEEDING:
          (*seeding)++;
          break;
        case BT_TORRENT_STATE_STOPPED:
          (*stopped)++;
          break;
        case BT_TORRENT_STATE_DOWNLOADING:
          (*downloading)++;
          break;
        default:
          (*other)++;
        }
    }
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Bench *bench = user_data;
  g_autoptr(GError) error = NULL;

  if (!bt_session_close_finish (BT_SESSION (source), result, &error))
    g_printerr ("bt-session-bench: closing: %s\n", error->message);
  g_main_loop_quit (bench->loop);
}

static void
close_session (Bench *bench)
{
  bt_session_close_async (bench->session, NULL, closed_cb, bench);
  g_main_loop_run (bench->loop);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
give_up_cb (gpointer user_data)
{
  Bench *bench = user_data;

  bench->timeout_id = 0;
  g_main_loop_quit (bench->loop);
  return G_SOURCE_REMOVE;
}

/* --- setup ---------------------------------------------------------------- */

static gboolean
setup_done_cb (gpointer user_data)
{
  Bench *bench = user_data;
  guint seeding, stopped, downloading, other;

  count_states (bench->session, &seeding, &stopped, &downloading, &other);
  if (seeding == bench->want_seeding && downloading == bench->want_downloading && other == 0)
    {
      g_main_loop_quit (bench->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static BtMetainfo *
make_torrent (const char  *data_dir,
              guint        index,
              GRand       *rand,
              gboolean     incomplete,
              GError     **error)
{
  g_autofree char *name = g_strdup_printf ("t%05u", index);
  g_autofree char *dir = g_build_filename (data_dir, name, NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GBytes) bytes = NULL;
  BtMetainfoCreateOptions options = { .creation_date = -1 };
  static const char * const files[] = { "a.bin", "b.bin", "c.bin" };

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make %s", dir);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);
      gsize size = g_rand_int_range (rand, 1024, 48 * 1024);
      g_autofree guint8 *data = g_malloc (size);

      for (gsize j = 0; j < size; j++)
        data[j] = (guint8) g_rand_int (rand);
      if (!g_file_set_contents (path, (const char *) data, size, error))
        return NULL;
    }
  bytes = bt_metainfo_create (folder, &options, NULL, error);
  if (bytes == NULL)
    return NULL;
  if (incomplete)
    {
      g_autofree char *path = g_build_filename (dir, files[2], NULL);

      if (!g_file_set_contents (path, "", 0, error))
        return NULL;
    }
  return bt_metainfo_new_from_bytes (bytes, error);
}

static int
run_setup (const char *state_dir,
           const char *data_dir,
           guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  g_autoptr(GPtrArray) added = g_ptr_array_new ();
  BtSessionConfig config = {
    .bind_address = "127.0.0.1",
    .state_dir = state_dir,
    .download_dir = data_dir,
  };
  BtAddOptions options = { .save_path = data_dir };
  Bench bench = { 0 };
  guint paused = 0;

  if (g_mkdir_with_parents (data_dir, 0755) != 0)
    {
      g_printerr ("bt-session-bench: cannot make %s\n", data_dir);
      return 1;
    }
  bench.loop = g_main_loop_new (NULL, FALSE);
  bench.session = bt_session_new (&config, &error);
  if (bench.session == NULL || !bt_session_load (bench.session, &error))
    {
      g_printerr ("bt-session-bench: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < n; i++)
    {
      gboolean incomplete = i % 50 == 7;
      g_autoptr(BtMetainfo) meta = make_torrent (data_dir, i, rand, incomplete, &error);
      BtTorrent *torrent;

      if (meta == NULL)
        {
          g_printerr ("bt-session-bench: torrent %u: %s\n", i, error->message);
          return 1;
        }
      torrent = bt_session_add (bench.session, meta, &options, NULL, &error);
      if (torrent == NULL)
        {
          g_printerr ("bt-session-bench: adding torrent %u: %s\n", i, error->message);
          return 1;
        }
      g_ptr_array_add (added, torrent);
      if (incomplete)
        bench.want_downloading++;
      else
        bench.want_seeding++;
    }

  /* Every torrent checked once, as a person's would have been. */
  g_timeout_add (50, setup_done_cb, &bench);
  g_main_loop_run (bench.loop);

  for (guint i = 0; i < added->len; i++)
    if (i % 10 == 3)
      {
        BtTorrent *torrent = g_ptr_array_index (added, i);

        if (bt_torrent_get_state (torrent) == BT_TORRENT_STATE_DOWNLOADING)
          bench.want_downloading--;
        else
          bench.want_seeding--;
        bt_session_pause (bench.session, torrent);
        paused++;
      }
  close_session (&bench);
  g_clear_object (&bench.session);
  g_main_loop_unref (bench.loop);
  printf ("expect %u %u %u\n", bench.want_seeding, paused, bench.want_downloading);
  return 0;
}

/* --- measure -------------------------------------------------------------- */

static gboolean
ready_check_cb (gpointer user_data)
{
  Bench *bench = user_data;
  gint64 now = g_get_monotonic_time ();
  guint seeding, stopped, downloading, other;

  /* How long the main loop could not answer (a click in the app). */
  if (bench->last_check_us != 0)
    bench->max_stall_us = MAX (bench->max_stall_us, now - bench->last_check_us);
  bench->last_check_us = now;

  count_states (bench->session, &seeding, &stopped, &downloading, &other);
  {
    GListModel *torrents = bt_session_get_torrents (bench->session);

    for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
      {
        g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);

        if (bt_torrent_get_state (torrent) == BT_TORRENT_STATE_CHECKING)
          bench->n_checking_seen++;
      }
  }
  if (seeding == bench->want_seeding && stopped == bench->want_paused
      && downloading == bench->want_downloading && other == 0)
    {
      bench->ready = TRUE;
      g_main_loop_quit (bench->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static int
run_measure (const char *state_dir,
             guint       want_seeding,
             guint       want_paused,
             guint       want_downloading,
             guint       idle_s)
{
  g_autoptr(GError) error = NULL;
  BtSessionConfig config = {
    .bind_address = "127.0.0.1",
    .state_dir = state_dir,
  };
  Bench bench = {
    .want_seeding = want_seeding,
    .want_paused = want_paused,
    .want_downloading = want_downloading,
  };
  struct rusage before, after;
  double cpu_before, cpu_after;
  guint64 polls_before;
  gint64 t0, t_new, t_load, t_ready, t_idle0, t_idle1, t_close;
  gint64 real_start, real_idle0, real_idle1;
  guint written_start, written_idle;

  real_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, counting_poll);
  bench.loop = g_main_loop_new (NULL, FALSE);

  real_start = g_get_real_time ();
  t0 = g_get_monotonic_time ();
  bench.session = bt_session_new (&config, &error);
  if (bench.session == NULL)
    {
      g_printerr ("bt-session-bench: %s\n", error->message);
      return 1;
    }
  t_new = g_get_monotonic_time ();
  if (!bt_session_load (bench.session, &error))
    {
      g_printerr ("bt-session-bench: %s\n", error->message);
      return 1;
    }
  t_load = g_get_monotonic_time ();

  bench.timeout_id = g_timeout_add_seconds (60, give_up_cb, &bench);
  g_timeout_add (10, ready_check_cb, &bench);
  bench.last_check_us = t_load;
  g_main_loop_run (bench.loop);
  t_ready = g_get_monotonic_time ();
  g_clear_handle_id (&bench.timeout_id, g_source_remove);
  if (!bench.ready)
    {
      guint seeding, stopped, downloading, other;

      count_states (bench.session, &seeding, &stopped, &downloading, &other);
      g_printerr ("bt-session-bench: not ready after 60 s: %u seeding, %u stopped, "
                  "%u downloading, %u other (want %u, %u, %u)\n", seeding, stopped,
                  downloading, other, want_seeding, want_paused, want_downloading);
      return 1;
    }

  g_timeout_add_seconds (g_getenv ("BT_BENCH_SETTLE_S") != NULL
                         ? (guint) atoi (g_getenv ("BT_BENCH_SETTLE_S")) : SETTLE_S,
                         quit_cb, bench.loop);
  g_main_loop_run (bench.loop);

  real_idle0 = g_get_real_time ();
  written_start = count_written (state_dir, real_start);
  t_idle0 = g_get_monotonic_time ();
  cpu_before = cpu_seconds (&before);
  polls_before = n_polls;
  g_timeout_add_seconds (idle_s, quit_cb, bench.loop);
  g_main_loop_run (bench.loop);
  cpu_after = cpu_seconds (&after);
  t_idle1 = g_get_monotonic_time ();
  real_idle1 = g_get_real_time ();
  written_idle = count_written (state_dir, real_idle0);

  printf ("torrents=%u\n", g_list_model_get_n_items (bt_session_get_torrents (bench.session)));
  printf ("new_s=%.3f\n", (t_new - t0) / 1e6);
  printf ("load_s=%.3f\n", (t_load - t_new) / 1e6);
  printf ("ready_s=%.3f\n", (t_ready - t0) / 1e6);
  printf ("max_stall_after_load_s=%.3f\n", bench.max_stall_us / 1e6);
  printf ("checking_seen=%u\n", bench.n_checking_seen);
  printf ("idle_s=%.2f\n", (t_idle1 - t_idle0) / 1e6);
  printf ("idle_cpu_s=%.4f\n", cpu_after - cpu_before);
  printf ("idle_cpu_percent=%.3f\n", 100 * (cpu_after - cpu_before) / ((t_idle1 - t_idle0) / 1e6));
  printf ("idle_wakeups=%" G_GUINT64_FORMAT "\n", n_polls - polls_before);
  printf ("idle_wakeups_per_s=%.2f\n", (n_polls - polls_before) / ((t_idle1 - t_idle0) / 1e6));
  printf ("idle_ctxt_switches=%ld\n",
          (after.ru_nvcsw + after.ru_nivcsw) - (before.ru_nvcsw + before.ru_nivcsw));
  printf ("records_written_start=%u\n", written_start);
  printf ("records_written_idle=%u\n", written_idle);
  printf ("vm_rss_kib=%" G_GINT64_FORMAT "\n", status_kib ("VmRSS:"));
  printf ("vm_hwm_kib=%" G_GINT64_FORMAT "\n", status_kib ("VmHWM:"));

  close_session (&bench);
  t_close = g_get_monotonic_time ();
  printf ("close_s=%.3f\n", (t_close - t_idle1) / 1e6);
  printf ("records_written_close=%u\n", count_written (state_dir, real_idle1));
  g_clear_object (&bench.session);
  g_main_loop_unref (bench.loop);
  return 0;
}

static gboolean
parse_uint (const char *text,
            guint      *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT, &value, NULL))
    {
      g_printerr ("bt-session-bench: “%s” is not a number\n", text);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  guint n, seeding, paused, downloading, idle_s = 30;

  if (argc == 5 && strcmp (argv[1], "setup") == 0)
    {
      if (!parse_uint (argv[4], &n))
        return 2;
      return run_setup (argv[2], argv[3], n);
    }
  if ((argc == 6 || argc == 7) && strcmp (argv[1], "measure") == 0)
    {
      if (!parse_uint (argv[3], &seeding) || !parse_uint (argv[4], &paused)
          || !parse_uint (argv[5], &downloading) || (argc == 7 && !parse_uint (argv[6], &idle_s)))
        return 2;
      return run_measure (argv[2], seeding, paused, downloading, MAX (idle_s, 1));
    }
  g_printerr ("Usage: bt-session-bench setup STATE_DIR DATA_DIR N\n"
              "       bt-session-bench measure STATE_DIR SEEDING PAUSED DOWNLOADING [IDLE_S]\n");
  return 2;
}
