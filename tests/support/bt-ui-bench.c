/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The UI benchmark (build-aux/dev bench ui): the GTK app with a session of
 * N small torrents, and transmission-gtk, the reference client, on the
 * same N torrents in the same run, in one table.
 *
 *   bt-ui-bench run N
 *     the whole benchmark; prints the table on stdout. It needs an X
 *     server and a private session bus (build-aux/dev runs it under
 *     xvfb-run and dbus-run-session), GSETTINGS_SCHEMA_DIR set to the
 *     build tree's schema and BT_UI_BENCH_BTORRENT to the built app.
 *     BT_UI_BENCH_KEEP=1 keeps its scratch folder and the clients' logs.
 *
 *   bt-ui-bench populate TORRENT_DIR DATA_DIR N
 *   bt-ui-bench inprocess N [--no-scroll]
 *     two phases that `run` starts as processes of their own, in the
 *     throwaway HOME it made: the app's first start, which adds the
 *     torrents and lets each be checked, and a later start of the app
 *     measured from inside, which then scrolls the list.
 *
 * Every client is measured at a later start on the same torrents, the
 * one a person sees every day: bTorrent's state folder and Transmission's
 * config folder are filled by a first start that is not measured. Both
 * are measured the same way from outside (process spawned, window mapped,
 * CPU settled, VmRSS, idle CPU); bTorrent is measured from inside too,
 * for what only the app can say: when its rows were first painted and
 * how long a frame takes while the list scrolls. What each figure means
 * exactly is printed under the table (print_notes()).
 */
#define G_LOG_DOMAIN "bt-ui-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gtk/gtk.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bt-application.h"
#include "bt-metainfo-create.h"
#include "bt-session.h"
#include "bt-torrent.h"
#include "bt-window.h"

/* One piece per torrent: the smallest torrent that still has data to
 * check and seed, so N of them cost the clients per-torrent overhead and
 * almost no hashing. */
#define PAYLOAD_BYTES 16384

/* Discard: nothing listens there, so an announce is refused at once and
 * never leaves the machine. Both clients retry it on their own schedule,
 * which is part of what they cost. */
#define TRACKER_URL "http://127.0.0.1:9/announce"

/* How often a client's CPU time and window are looked at while it
 * starts: the resolution of the startup figures. */
#define SAMPLE_MS 50

/* Startup has settled at the start of the first window of this length,
 * after the window mapped, in which the client used at most
 * SETTLE_MAX_PERCENT of one core. Starting, both clients keep a core
 * busy; idle, both stay under this (the idle row shows by how much), so
 * the threshold finds the end of the work, not a lull in it. */
#define SETTLE_WINDOW_MS   1000
#define SETTLE_MAX_PERCENT 5

#define IDLE_S 10

/* Starts of each client with all the torrents, whose startup figures
 * are given as median (min–max): a start on a machine shared with Xvfb
 * varies by a second or more. The first one is also measured idle (and
 * for bTorrent from inside, scrolled). */
#define N_STARTS 3

/* For a start, and for Transmission's first start, which checks every
 * torrent (some 20 s for 2,000, see first_start_transmission()). */
#define START_TIMEOUT_S 240
#define QUIT_TIMEOUT_S  60

/* What a 60 Hz display gives a frame. */
#define FRAME_BUDGET_MS (1000.0 / 60.0)

/*
 * Structures
 */

typedef struct
{
  gint64  t_us;
  guint64 ticks;
} Sample;

/* Finds where startup ends: see SETTLE_WINDOW_MS. */
typedef struct
{
  GArray *samples;
  guint64 limit_ticks;
  gint64  settled_us;
} Settle;

typedef enum
{
  QUIT_BY_ACTION,   /* the app's own app.quit, over D-Bus */
  QUIT_BY_SIGTERM,  /* Transmission shuts down cleanly on SIGTERM */
} QuitHow;

typedef struct
{
  char       **argv;
  char       **envp;
  const char  *window_name;  /* an xdotool --name regex */
  QuitHow      quit;
} Client;

/* One measured start of a client, seen from outside. */
typedef struct
{
  char   *failure;        /* why there are no figures, or NULL */
  gint64  spawn_real_us;
  double  mapped_s;
  double  settled_s;
  gint64  rss_kib;
  gint64  hwm_kib;
  double  idle_s;
  double  idle_cpu_s;
  double  quit_s;
} Figures;

typedef enum
{
  PHASE_WHEEL_DOWN,
  PHASE_WHEEL_UP,
  PHASE_PAGE_DOWN,
  PHASE_PAGE_UP,
  N_PHASES,
} ScrollPhase;

/* Wheel-sized and page-sized steps, each down then up. */
#define N_STEP_KINDS 2

typedef struct
{
  BtApplication *app;
  guint          n_expected;
  gboolean       scroll;
  gint64         spawn_us;
  int            status;

  BtWindow      *window;
  GtkWidget     *view;
  GtkAdjustment *vadjustment;
  GdkFrameClock *clock;

  gint64         activate_us;
  gint64         first_paint_us;
  gint64         rows_paint_us;
  gint64         seeding_us;
  guint          seeding_id;
  guint          settle_id;
  Settle         settle;
  gint64         rss_kib;
  gint64         hwm_kib;

  gint64         frame_start_us;
  ScrollPhase    phase;
  gboolean       waiting;
  gint64         set_us;
  guint          stall_id;
  guint          n_stalls;
  double         step_px[N_STEP_KINDS];
  GArray        *work_ms[N_STEP_KINDS];
  GArray        *latency_ms[N_STEP_KINDS];
  guint          rows_min;
  guint          rows_max;
} InProcess;

/*
 * Auxiliary functions: processes and /proc
 */

static double
seconds_between (gint64 from_us,
                 gint64 to_us)
{
  return (to_us - from_us) / 1e6;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* utime + stime of every thread of @pid, in clock ticks; FALSE once the
 * process is gone or a zombie. */
static gboolean
read_cpu_ticks (GPid     pid,
                guint64 *ticks)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *end;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  /* The command name in field 2 may hold spaces; what follows it may not. */
  end = strrchr (contents, ')');
  if (end == NULL || end[1] == '\0')
    return FALSE;
  fields = g_strsplit (end + 2, " ", 0);
  /* fields[0] is field 3, the state; utime and stime are fields 14, 15. */
  if (g_strv_length (fields) < 13 || fields[0][0] == 'Z')
    return FALSE;
  *ticks = g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
  return TRUE;
}

static gint64
read_status_kib (GPid        pid,
                 const char *key)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *contents = NULL;
  g_autofree char *needle = g_strdup_printf ("\n%s:", key);
  const char *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return -1;
  line = strstr (contents, needle);
  if (line == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen (needle), NULL, 10);
}

static void
settle_init (Settle *settle)
{
  settle->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  settle->limit_ticks = (guint64) (sysconf (_SC_CLK_TCK) * SETTLE_MAX_PERCENT * SETTLE_WINDOW_MS
                                   / (100 * 1000));
  settle->settled_us = 0;
}

static void
settle_clear (Settle *settle)
{
  g_clear_pointer (&settle->samples, g_array_unref);
}

/* Adds a sample; TRUE once the window that ends with it used little
 * enough CPU, and then settle->settled_us is where that window began. */
static gboolean
settle_add (Settle  *settle,
            gint64   t_us,
            guint64  ticks)
{
  Sample sample = { t_us, ticks };

  g_array_append_val (settle->samples, sample);
  for (guint i = settle->samples->len; i-- > 0;)
    {
      const Sample *start = &g_array_index (settle->samples, Sample, i);

      if (t_us - start->t_us < SETTLE_WINDOW_MS * 1000)
        continue;
      if (ticks - start->ticks > settle->limit_ticks)
        return FALSE;
      settle->settled_us = start->t_us;
      return TRUE;
    }
  return FALSE;
}

/* Starts @argv with its stdout in @out_path and its stderr in
 * @err_path (the same file when equal). The child is not reaped by
 * GLib: wait_exit() does it, so its /proc entry stays readable. */
static GPid
spawn_logged (char       **argv,
              char       **envp,
              const char  *out_path,
              const char  *err_path,
              GError     **error)
{
  int out_fd, err_fd;
  GPid pid = 0;
  gboolean ok;

  out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", out_path,
                   g_strerror (errno));
      return 0;
    }
  err_fd = g_strcmp0 (out_path, err_path) == 0
           ? out_fd
           : open (err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (err_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", err_path,
                   g_strerror (errno));
      close (out_fd);
      return 0;
    }
  ok = g_spawn_async_with_fds (NULL, argv, envp,
                               G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH,
                               NULL, NULL, &pid, -1, out_fd, err_fd, error);
  if (err_fd != out_fd)
    close (err_fd);
  close (out_fd);
  return ok ? pid : 0;
}

/* Waits up to @timeout_s for @pid to exit; kills it after that. TRUE when
 * it exited by itself with status 0. */
static gboolean
wait_exit (GPid  pid,
           guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  int status = 0;

  for (;;)
    {
      pid_t done = waitpid (pid, &status, WNOHANG);

      if (done == pid)
        break;
      if (done < 0 && errno != EINTR)
        return FALSE;
      if (g_get_monotonic_time () > deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, &status, 0);
          g_spawn_close_pid (pid);
          return FALSE;
        }
      g_usleep (20 * 1000);
    }
  g_spawn_close_pid (pid);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

/* Whether a window of @pid named like @name is mapped (viewable): what
 * `xdotool search --sync` waits for, asked once, so that we can look as
 * often as SAMPLE_MS rather than every half second. */
static gboolean
window_mapped (GPid        pid,
               const char *name)
{
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);
  const char *argv[] = { "xdotool", "search", "--all", "--onlyvisible", "--pid", pid_text,
                         "--name", name, NULL };
  g_autofree char *out = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL) && out != NULL && out[0] != '\0';
}

static gboolean
quit_client (const Client *client,
             GPid          pid)
{
  if (client->quit == QUIT_BY_SIGTERM)
    return kill (pid, SIGTERM) == 0;

  {
    g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
    g_autoptr(GVariant) reply = NULL;

    if (bus == NULL)
      return FALSE;
    /* GtkApplication exports its actions at the path of its id. */
    reply = g_dbus_connection_call_sync (bus, APP_ID, "/io/github/btorrent/BTorrent",
                                         "org.gtk.Actions", "Activate",
                                         g_variant_new_parsed ("('quit', @av [], @a{sv} {})"),
                                         NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, NULL);
    return reply != NULL;
  }
}

/* Starts @client and measures it from outside: until its window maps and
 * its CPU settles, then (with @idle) IDLE_S of idle; then asks it to
 * quit and waits. */
static void
measure_client (const Client *client,
                const char   *log_path,
                gboolean      idle,
                Figures      *figures)
{
  g_autoptr(GError) error = NULL;
  Settle settle;
  gint64 spawn_us, next_us, mapped_us = 0, quit_us;
  guint64 ticks = 0;
  GPid pid;

  memset (figures, 0, sizeof *figures);
  settle_init (&settle);

  figures->spawn_real_us = g_get_real_time ();
  spawn_us = g_get_monotonic_time ();
  pid = spawn_logged (client->argv, client->envp, log_path, log_path, &error);
  if (pid == 0)
    {
      figures->failure = g_strdup_printf ("could not start: %s", error->message);
      settle_clear (&settle);
      return;
    }

  for (next_us = spawn_us;;)
    {
      gint64 now_us;

      next_us += SAMPLE_MS * 1000;
      now_us = g_get_monotonic_time ();
      if (next_us > now_us)
        g_usleep (next_us - now_us);
      now_us = g_get_monotonic_time ();

      if (!read_cpu_ticks (pid, &ticks))
        {
          figures->failure = g_strdup_printf ("exited while starting (see %s)", log_path);
          wait_exit (pid, 1);
          settle_clear (&settle);
          return;
        }
      if (now_us - spawn_us > START_TIMEOUT_S * G_USEC_PER_SEC)
        {
          figures->failure = g_strdup_printf (mapped_us == 0
                                              ? "no window after %d s"
                                              : "CPU not settled after %d s", START_TIMEOUT_S);
          break;
        }
      if (mapped_us == 0)
        {
          if (!window_mapped (pid, client->window_name))
            continue;
          /* Settling is looked for from here on, not from the sample
           * before xdotool ran. */
          now_us = mapped_us = g_get_monotonic_time ();
          if (!read_cpu_ticks (pid, &ticks))
            continue;
        }
      if (settle_add (&settle, now_us, ticks))
        break;
    }

  if (figures->failure == NULL)
    {
      figures->mapped_s = seconds_between (spawn_us, mapped_us);
      figures->settled_s = seconds_between (spawn_us, settle.settled_us);
      figures->rss_kib = read_status_kib (pid, "VmRSS");
      figures->hwm_kib = read_status_kib (pid, "VmHWM");
    }

  if (figures->failure == NULL && idle)
    {
      guint64 ticks0 = 0, ticks1 = 0;
      gint64 t0, t1;

      t0 = g_get_monotonic_time ();
      read_cpu_ticks (pid, &ticks0);
      g_usleep (IDLE_S * G_USEC_PER_SEC);
      t1 = g_get_monotonic_time ();
      if (read_cpu_ticks (pid, &ticks1))
        {
          figures->idle_s = seconds_between (t0, t1);
          figures->idle_cpu_s = (double) (ticks1 - ticks0) / sysconf (_SC_CLK_TCK);
        }
      else
        figures->failure = g_strdup_printf ("exited while idle (see %s)", log_path);
    }

  quit_us = g_get_monotonic_time ();
  if (!quit_client (client, pid))
    kill (pid, SIGTERM);
  if (wait_exit (pid, QUIT_TIMEOUT_S))
    figures->quit_s = seconds_between (quit_us, g_get_monotonic_time ());
  else
    figures->quit_s = -1;
  settle_clear (&settle);
}

/*
 * Auxiliary functions: setting up
 */

static gboolean
write_file (const char  *path,
            const char  *contents,
            gssize       length,
            GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot make %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  return g_file_set_contents (path, contents, length, error);
}

/* N files of PAYLOAD_BYTES in @data_dir and a .torrent for each in
 * @torrent_dir, and in @transmission_torrents under the name
 * libtransmission 3.00 gives its own copy of a torrent (the info-hash in
 * hex), the name it looks for at a start: under any other name it takes
 * the torrent for one just added and checks it again at every start. */
static gboolean
make_torrents (const char  *data_dir,
               const char  *torrent_dir,
               const char  *transmission_torrents,
               guint        n,
               GError     **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261207);
  static char tracker[] = TRACKER_URL;
  char *tier[] = { tracker, NULL };
  char **tiers[] = { tier, NULL };
  BtMetainfoCreateOptions options = {
    .trackers = tiers,
    .piece_length = PAYLOAD_BYTES,
    .creation_date = -1,
  };
  guint32 payload[PAYLOAD_BYTES / sizeof (guint32)];

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *data_name = g_strdup_printf ("t%05u.bin", i);
      g_autofree char *torrent_name = g_strdup_printf ("t%05u.torrent", i);
      g_autofree char *data_path = g_build_filename (data_dir, data_name, NULL);
      g_autofree char *torrent_path = g_build_filename (torrent_dir, torrent_name, NULL);
      g_autofree char *tr_name = NULL;
      g_autofree char *tr_path = NULL;
      g_autoptr(GFile) source = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(BtMetainfo) meta = NULL;
      gsize size;
      const char *data;

      for (guint j = 0; j < G_N_ELEMENTS (payload); j++)
        payload[j] = g_rand_int (rand);
      if (!write_file (data_path, (const char *) payload, sizeof payload, error))
        return FALSE;
      source = g_file_new_for_path (data_path);
      bytes = bt_metainfo_create (source, &options, NULL, error);
      if (bytes == NULL)
        return FALSE;
      meta = bt_metainfo_new_from_bytes (bytes, error);
      if (meta == NULL)
        return FALSE;
      tr_name = g_strconcat (bt_metainfo_get_info_hash_hex (meta), ".torrent", NULL);
      tr_path = g_build_filename (transmission_torrents, tr_name, NULL);
      data = g_bytes_get_data (bytes, &size);
      if (!write_file (torrent_path, data, size, error)
          || !write_file (tr_path, data, size, error))
        return FALSE;
    }
  return TRUE;
}

/* The app's settings, as a person who seeds everything would have them:
 * no DHT, PEX or LSD (nothing but the tracker on 127.0.0.1), a random
 * port, and no seed queue, so that all N seed, as in Transmission, whose
 * seed queue is off unless turned on. */
static gboolean
write_btorrent_settings (const char  *home,
                         const char  *data_dir,
                         GError     **error)
{
  g_autofree char *path = g_build_filename (home, ".config", "glib-2.0", "settings", "keyfile",
                                            NULL);
  g_autofree char *contents = NULL;

  contents = g_strdup_printf ("[io/github/btorrent/BTorrent]\n"
                              "download-folder='%s'\n"
                              "listen-port=0\n"
                              "show-add-dialog=false\n"
                              "start-paused=false\n"
                              "enable-dht=false\n"
                              "enable-pex=false\n"
                              "enable-lsd=false\n"
                              "max-active-seeds=0\n",
                              data_dir);
  return write_file (path, contents, -1, error);
}

/* Transmission's: the same, plus the GTK client's first-run consent and
 * bTorrent's window size (1100 × 700), so that both draw as many rows.
 * RPC only for the daemons of its first start (@rpc_port not 0), which
 * say through it when they have checked every torrent. */
static gboolean
write_transmission_settings (const char  *config_dir,
                             const char  *data_dir,
                             guint16      rpc_port,
                             GError     **error)
{
  g_autofree char *path = g_build_filename (config_dir, "settings.json", NULL);
  g_autofree char *contents = NULL;

  contents = g_strdup_printf ("{\n"
                              "  \"download-dir\": \"%s\",\n"
                              "  \"incomplete-dir-enabled\": false,\n"
                              "  \"rpc-enabled\": %s,\n"
                              "  \"rpc-port\": %u,\n"
                              "  \"rpc-bind-address\": \"127.0.0.1\",\n"
                              "  \"rpc-authentication-required\": false,\n"
                              "  \"dht-enabled\": false,\n"
                              "  \"lpd-enabled\": false,\n"
                              "  \"pex-enabled\": false,\n"
                              "  \"port-forwarding-enabled\": false,\n"
                              "  \"bind-address-ipv4\": \"127.0.0.1\",\n"
                              "  \"bind-address-ipv6\": \"::1\",\n"
                              "  \"peer-port-random-on-start\": true,\n"
                              "  \"blocklist-enabled\": false,\n"
                              "  \"blocklist-updates-enabled\": false,\n"
                              "  \"watch-dir-enabled\": false,\n"
                              "  \"start-added-torrents\": true,\n"
                              "  \"seed-queue-enabled\": false,\n"
                              "  \"ratio-limit-enabled\": false,\n"
                              "  \"idle-seeding-limit-enabled\": false,\n"
                              "  \"user-has-given-informed-consent\": true,\n"
                              "  \"show-notification-area-icon\": false,\n"
                              "  \"torrent-added-notification-enabled\": false,\n"
                              "  \"torrent-complete-notification-enabled\": false,\n"
                              "  \"inhibit-desktop-hibernation\": false,\n"
                              "  \"main-window-width\": 1100,\n"
                              "  \"main-window-height\": 700,\n"
                              "  \"message-level\": 1\n"
                              "}\n",
                              data_dir, rpc_port != 0 ? "true" : "false",
                              rpc_port != 0 ? rpc_port : 9091);
  return write_file (path, contents, -1, error);
}

/* A throwaway home for one client: every XDG folder inside it, Xvfb's
 * display and the private bus kept, and the renderer that Xvfb draws
 * fastest with (it has no GPU). */
static char **
client_environ (const char *home,
                gboolean    keep_schema_dir)
{
  char **env = g_get_environ ();
  struct
  {
    const char *name;
    const char *below_home;
  } dirs[] = {
    { "XDG_CONFIG_HOME", ".config" },
    { "XDG_DATA_HOME", ".local/share" },
    { "XDG_CACHE_HOME", ".cache" },
    { "XDG_STATE_HOME", ".local/state" },
    { "TMPDIR", "tmp" },
  };

  env = g_environ_setenv (env, "HOME", home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (home, dirs[i].below_home, NULL);

      g_mkdir_with_parents (dir, 0700);
      env = g_environ_setenv (env, dirs[i].name, dir, TRUE);
    }
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
  env = g_environ_setenv (env, "GDK_BACKEND", "x11", TRUE);
  env = g_environ_setenv (env, "GSK_RENDERER", "cairo", TRUE);
  /* No accessibility bus: neither client would start one on its own
   * under Xvfb, and its start-up would be counted to the first one. */
  env = g_environ_setenv (env, "NO_AT_BRIDGE", "1", TRUE);
  env = g_environ_setenv (env, "GTK_A11Y", "none", TRUE);
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  env = g_environ_setenv (env, "LANGUAGE", "en", TRUE);
  env = g_environ_unsetenv (env, "LC_ALL");
  env = g_environ_unsetenv (env, "WAYLAND_DISPLAY");
  env = g_environ_unsetenv (env, "TR_DEBUG_FD");
  env = g_environ_unsetenv (env, "G_MESSAGES_DEBUG");
  if (!keep_schema_dir)
    env = g_environ_unsetenv (env, "GSETTINGS_SCHEMA_DIR");
  return env;
}

/* Runs one of our own phases (populate, inprocess) as a child and reads
 * its "key=value" lines. */
static GHashTable *
run_phase (char       **argv,
           char       **envp,
           const char  *log_dir,
           const char  *name,
           guint        timeout_s,
           GError     **error)
{
  g_autofree char *out_name = g_strconcat (name, ".out", NULL);
  g_autofree char *err_name = g_strconcat (name, ".log", NULL);
  g_autofree char *out_path = g_build_filename (log_dir, out_name, NULL);
  g_autofree char *err_path = g_build_filename (log_dir, err_name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = NULL;
  gboolean ok;
  GPid pid;

  pid = spawn_logged (argv, envp, out_path, err_path, error);
  if (pid == 0)
    return NULL;
  ok = wait_exit (pid, timeout_s);
  if (!g_file_get_contents (out_path, &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *eq = strchr (lines[i], '=');

      if (eq != NULL)
        g_hash_table_insert (values, g_strndup (lines[i], eq - lines[i]), g_strdup (eq + 1));
    }
  if (!ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed: %s (log: %s)", name,
                   g_hash_table_contains (values, "error")
                   ? (const char *) g_hash_table_lookup (values, "error")
                   : "no reason given",
                   err_path);
      return NULL;
    }
  return g_steal_pointer (&values);
}

/* Resume files in @dir written at or after @since_real_us; with
 * @complete, only those that record every piece as present. */
static guint
count_resume_files (const char *dir,
                    gint64      since_real_us,
                    gboolean    complete)
{
  g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;
      struct stat st;

      if (!g_str_has_suffix (name, ".resume") || stat (path, &st) != 0)
        continue;
      if ((gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000 < since_real_us)
        continue;
      /* libtransmission 3.00 writes "have": "all" once every piece checked. */
      if (complete && (!g_file_get_contents (path, &contents, &length, NULL)
                       || g_strstr_len (contents, length, "4:have3:all") == NULL))
        continue;
      n++;
    }
  return n;
}

/* A port that is free on 127.0.0.1 now, for a daemon's RPC. */
static guint16
free_loopback_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, NULL))
    return 0;
  bound = g_socket_get_local_address (socket, NULL);
  return bound != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)) : 0;
}

/* How many torrents a daemon lists as 100% done: checked, and complete. */
static guint
count_verified (guint16 rpc_port)
{
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", rpc_port);
  const char *argv[] = { "transmission-remote", host, "--list", NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status = 0;
  guint n = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    return 0;
  /* "   ID   Done  Have ...": 100% in the second column, and not "Will
   * Verify" or "Verifying" in the status: a torrent with a resume file
   * shows what that says until it is checked. */
  lines = g_strsplit (out, "\n", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char done[16];

      if (sscanf (lines[i], "%*s %15s", done) == 1 && g_str_equal (done, "100%")
          && strstr (lines[i], "Verif") == NULL)
        n++;
    }
  return n;
}

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length;

  return g_file_get_contents (from, &contents, &length, error)
         && write_file (to, contents, length, error);
}

typedef struct
{
  char    *config_dir;
  guint16  rpc_port;
  guint    n_torrents;
  GPid     pid;
  gboolean verified;
} Daemon;

static void
daemon_clear (Daemon *daemon)
{
  g_clear_pointer (&daemon->config_dir, g_free);
}

/* Transmission's first start on the torrents: given them under our own
 * names, which it takes for torrents just added, it checks each one and
 * writes its resume file, as its GTK client would (the same
 * libtransmission). libtransmission 3.00 sleeps 100 ms in every check
 * (verify.c, MSEC_TO_SLEEP_PER_SECOND_DURING_VERIFY), so one process
 * checks at most ten torrents a second: several daemons share the
 * torrents, and their resume files all go to @resume_dir, next to the
 * GTK client's copies of the torrents (make_torrents()). */
static gboolean
first_start_transmission (const char  *scratch,
                          const char  *data_dir,
                          const char  *torrent_dir,
                          guint        n,
                          const char  *resume_dir,
                          const char  *log_dir,
                          GError     **error)
{
  guint n_daemons = CLAMP ((n + 99) / 100, 1, 20);
  g_autoptr(GArray) daemons = g_array_new (FALSE, TRUE, sizeof (Daemon));
  gint64 deadline = g_get_monotonic_time () + (gint64) START_TIMEOUT_S * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) torrents = g_dir_open (torrent_dir, 0, error);
  gboolean ok = TRUE, all_verified = FALSE;
  const char *file;

  if (torrents == NULL)
    return FALSE;
  while ((file = g_dir_read_name (torrents)) != NULL)
    if (g_str_has_suffix (file, ".torrent"))
      g_ptr_array_add (files, g_strdup (file));
  n_daemons = MIN (n_daemons, MAX (files->len, 1));

  g_array_set_clear_func (daemons, (GDestroyNotify) daemon_clear);
  g_array_set_size (daemons, n_daemons);
  for (guint i = 0; i < n_daemons && ok; i++)
    {
      Daemon *daemon = &g_array_index (daemons, Daemon, i);
      g_autofree char *name = g_strdup_printf ("transmission-first-%02u", i);
      g_autofree char *log_name = g_strconcat (name, ".log", NULL);
      g_autofree char *log_path = g_build_filename (log_dir, log_name, NULL);
      g_auto(GStrv) env = NULL;
      char *argv[] = { (char *) "transmission-daemon", (char *) "--foreground",
                       (char *) "--config-dir", NULL, NULL };

      daemon->config_dir = g_build_filename (scratch, name, NULL);
      for (guint j = i; j < files->len && ok; j += n_daemons)
        {
          const char *torrent_file = g_ptr_array_index (files, j);
          g_autofree char *from = g_build_filename (torrent_dir, torrent_file, NULL);
          g_autofree char *to = g_build_filename (daemon->config_dir, "torrents", torrent_file,
                                                  NULL);

          ok = copy_file (from, to, error);
          daemon->n_torrents++;
        }
      daemon->rpc_port = free_loopback_port ();
      ok = ok && daemon->rpc_port != 0
           && write_transmission_settings (daemon->config_dir, data_dir, daemon->rpc_port, error);
      if (!ok)
        break;
      env = client_environ (daemon->config_dir, FALSE);
      argv[3] = daemon->config_dir;
      daemon->pid = spawn_logged (argv, env, log_path, log_path, error);
      ok = daemon->pid != 0;
    }

  while (ok && !all_verified)
    {
      g_usleep (500 * 1000);
      all_verified = TRUE;
      for (guint i = 0; i < n_daemons; i++)
        {
          Daemon *daemon = &g_array_index (daemons, Daemon, i);

          if (!daemon->verified)
            daemon->verified = count_verified (daemon->rpc_port) == daemon->n_torrents;
          all_verified = all_verified && daemon->verified;
        }
      if (!all_verified && g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "transmission-daemon did not check every torrent in %d s", START_TIMEOUT_S);
          ok = FALSE;
        }
    }

  /* On SIGTERM a daemon writes the resume file of every torrent. */
  for (guint i = 0; i < n_daemons; i++)
    {
      Daemon *daemon = &g_array_index (daemons, Daemon, i);

      if (daemon->pid == 0)
        continue;
      kill (daemon->pid, SIGTERM);
      if (!wait_exit (daemon->pid, QUIT_TIMEOUT_S) && ok)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "transmission-daemon did not quit");
          ok = FALSE;
        }
    }

  for (guint i = 0; i < n_daemons && ok; i++)
    {
      Daemon *daemon = &g_array_index (daemons, Daemon, i);
      g_autofree char *dir = g_build_filename (daemon->config_dir, "resume", NULL);
      g_autoptr(GDir) folder = g_dir_open (dir, 0, error);
      const char *name;

      ok = folder != NULL;
      while (ok && (name = g_dir_read_name (folder)) != NULL)
        {
          g_autofree char *from = g_build_filename (dir, name, NULL);
          g_autofree char *to = g_build_filename (resume_dir, name, NULL);

          ok = copy_file (from, to, error);
        }
    }
  return ok;
}

/*
 * The table
 */

static const char *
lookup (GHashTable *values,
        const char *key)
{
  const char *value = values != NULL ? g_hash_table_lookup (values, key) : NULL;

  return value != NULL ? value : "?";
}

/* @text padded with spaces to @width characters (not bytes: the labels
 * hold arrows). */
static char *
pad (const char *text,
     glong       width)
{
  glong length = g_utf8_strlen (text, -1);
  GString *padded = g_string_new (text);

  if (length < width)
    g_string_append_printf (padded, "%*s", (int) (width - length), "");
  return g_string_free (padded, FALSE);
}

#define LABEL_WIDTH 52
#define VALUE_WIDTH 26

static void
row (const char *label,
     const char *bt,
     const char *tr)
{
  g_autofree char *label_padded = pad (label, LABEL_WIDTH);
  g_autofree char *bt_padded = pad (bt, VALUE_WIDTH);

  printf ("%s | %s | %s\n", label_padded, bt_padded, tr);
}

/* A row of the bTorrent-only part: one value. */
static void
row1 (const char *label,
      const char *value)
{
  g_autofree char *label_padded = pad (label, LABEL_WIDTH);

  printf ("%s | %s\n", label_padded, value);
}

static void
row1_with_unit (const char *label,
                GHashTable *values,
                const char *key,
                const char *unit)
{
  g_autofree char *text = g_strdup_printf ("%s %s", lookup (values, key), unit);

  row1 (label, text);
}

static char *
format_mib (const Figures *figures,
            gint64         kib)
{
  if (figures->failure != NULL || kib < 0)
    return g_strdup ("-");
  return g_strdup_printf ("%.1f MiB", kib / 1024.0);
}

static char *
format_per_torrent (const Figures *full,
                    const Figures *empty,
                    guint          n)
{
  if (full->failure != NULL || empty->failure != NULL || full->rss_kib < 0 || empty->rss_kib < 0)
    return g_strdup ("-");
  return g_strdup_printf ("%.1f KiB", (double) (full->rss_kib - empty->rss_kib) / n);
}

static char *
format_idle (const Figures *figures)
{
  if (figures->failure != NULL || figures->idle_s <= 0)
    return g_strdup ("-");
  return g_strdup_printf ("%.2f s (%.1f%% of a core)", figures->idle_cpu_s,
                          100 * figures->idle_cpu_s / figures->idle_s);
}

static char *
format_quit (const Figures *figures)
{
  if (figures->quit_s < 0)
    return g_strdup ("killed after 60 s");
  return g_strdup_printf ("%.2f s", figures->quit_s);
}

/* The value of "@kind@suffix", as the inprocess phase printed it. */
static const char *
lookup_kind (GHashTable *values,
             const char *kind,
             const char *suffix)
{
  g_autofree char *key = g_strconcat (kind, suffix, NULL);

  return lookup (values, key);
}

static void
print_scroll (GHashTable *in,
              const char *kind,
              const char *label)
{
  g_autofree char *steps = NULL;
  g_autofree char *work = NULL;
  g_autofree char *latency = NULL;
  g_autofree char *over = NULL;

  steps = g_strdup_printf ("%s px × %s frames", lookup_kind (in, kind, "_step_px"),
                           lookup_kind (in, kind, "_frames"));
  work = g_strdup_printf ("%s / %s / %s ms", lookup_kind (in, kind, "_work_p50_ms"),
                          lookup_kind (in, kind, "_work_p95_ms"),
                          lookup_kind (in, kind, "_work_max_ms"));
  latency = g_strdup_printf ("%s / %s ms", lookup_kind (in, kind, "_latency_p50_ms"),
                             lookup_kind (in, kind, "_latency_p95_ms"));
  over = g_strdup_printf ("%s of %s", lookup_kind (in, kind, "_over_budget"),
                          lookup_kind (in, kind, "_frames"));
  row1 (label, steps);
  row1 ("  frame time median / p95 / max", work);
  row1 ("  value set → frame painted, median / p95", latency);
  row1 ("  frames over 16.7 ms", over);
}

/* "median unit (min–max)" of @values, which it sorts. */
static char *
format_spread (double     *values,
               guint       n,
               const char *unit)
{
  if (n == 0)
    return g_strdup ("-");
  qsort (values, n, sizeof (double), compare_doubles);
  if (n == 1)
    return g_strdup_printf ("%.2f %s", values[0], unit);
  return g_strdup_printf ("%.2f %s (%.2f–%.2f)", values[n / 2], unit, values[0], values[n - 1]);
}

static char *
format_startups (const Figures *starts,
                 gboolean       settled)
{
  double values[N_STARTS];
  guint n = 0;

  for (guint i = 0; i < N_STARTS; i++)
    if (starts[i].failure == NULL)
      values[n++] = settled ? starts[i].settled_s : starts[i].mapped_s;
  return format_spread (values, n, "s");
}

static char *
format_in_process (GHashTable **in,
                   const char  *key)
{
  double values[N_STARTS];
  guint n = 0;

  for (guint i = 0; i < N_STARTS; i++)
    if (in[i] != NULL && g_hash_table_contains (in[i], key))
      values[n++] = g_ascii_strtod (g_hash_table_lookup (in[i], key), NULL);
  return format_spread (values, n, "s");
}

static void
print_failures (const char    *label,
                const Figures *empty,
                const Figures *starts)
{
  if (empty->failure != NULL)
    printf ("%s, empty session: %s\n", label, empty->failure);
  for (guint i = 0; i < N_STARTS; i++)
    if (starts[i].failure != NULL)
      printf ("%s, start %u: %s\n", label, i + 1, starts[i].failure);
}

static void
print_table (guint          n,
             gboolean       netns,
             const char    *tr_version,
             GHashTable   **in,
             const Figures *bt_empty,
             const Figures *bt_full,
             const Figures *tr_empty,
             const Figures *tr_full,
             guint          tr_loaded)
{
  g_autofree char *cpu_model = NULL;
  g_autofree char *cpuinfo = NULL;
  char *a, *b;

  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      const char *line = strstr (cpuinfo, "model name");
      const char *colon = line != NULL ? strchr (line, ':') : NULL;

      if (colon != NULL)
        cpu_model = g_strndup (colon + 2, strcspn (colon + 2, "\n"));
    }

  printf ("\nUI scale: %u torrents (one %u KiB piece each, seeding, tracker %s),\n"
          "each client started again on the state its first start left\n",
          n, PAYLOAD_BYTES / 1024, TRACKER_URL);
  printf ("Xvfb 1280x1024x24, private D-Bus, throwaway HOME; bTorrent: GTK %u.%u.%u, "
          "GSK_RENDERER=cairo;\ntransmission-gtk %s (GTK 3, cairo on Xlib); %s\n",
          gtk_get_major_version (), gtk_get_minor_version (), gtk_get_micro_version (),
          tr_version, netns ? "in a network namespace with loopback only"
                            : "on the host's network (both set to use 127.0.0.1 only)");
  printf ("Machine: %ld CPUs, %s\n", sysconf (_SC_NPROCESSORS_ONLN),
          cpu_model != NULL ? cpu_model : "?");
  printf ("Startup: median (min–max) of %d starts; the rest: the first of them.\n\n", N_STARTS);

  row ("", "bTorrent", "transmission-gtk");
  {
    g_autofree char *label_rule = g_strnfill (LABEL_WIDTH, '-');
    g_autofree char *value_rule = g_strnfill (VALUE_WIDTH, '-');

    printf ("%s-+-%s-+-%s\n", label_rule, value_rule, "--------------------");
  }

#define ROW(label, fa, fb) (a = (fa), b = (fb), row ((label), a, b), g_free (a), g_free (b))
  ROW ("startup: spawn → window mapped", format_startups (bt_full, FALSE),
       format_startups (tr_full, FALSE));
  ROW ("startup: spawn → mapped and CPU settled", format_startups (bt_full, TRUE),
       format_startups (tr_full, TRUE));
  ROW ("VmRSS once settled", format_mib (&bt_full[0], bt_full[0].rss_kib),
       format_mib (&tr_full[0], tr_full[0].rss_kib));
  ROW ("VmRSS once settled, empty session", format_mib (bt_empty, bt_empty->rss_kib),
       format_mib (tr_empty, tr_empty->rss_kib));
  ROW ("  per torrent (N - empty) / N", format_per_torrent (&bt_full[0], bt_empty, n),
       format_per_torrent (&tr_full[0], tr_empty, n));
  ROW ("VmHWM (peak) at that point", format_mib (&bt_full[0], bt_full[0].hwm_kib),
       format_mib (&tr_full[0], tr_full[0].hwm_kib));
  ROW ("idle CPU over 10 s once settled (utime+stime)", format_idle (&bt_full[0]),
       format_idle (&tr_full[0]));
  ROW ("quit: asked → exited", format_quit (&bt_full[0]), format_quit (&tr_full[0]));
  ROW ("torrents loaded",
       in[0] != NULL
       ? g_strdup_printf ("%s (counted inside)", lookup (in[0], "torrents"))
       : g_strdup ("unconfirmed"),
       tr_full[0].failure != NULL
       ? g_strdup ("unconfirmed")
       : g_strdup_printf ("%u (resume files rewritten)", tr_loaded));
#undef ROW
  print_failures ("bTorrent", bt_empty, bt_full);
  print_failures ("transmission-gtk", tr_empty, tr_full);

  printf ("\nbTorrent from inside (%d more starts on the same state):\n", N_STARTS);
#define ROW1(label, value) (a = (value), row1 ((label), a), g_free (a))
  ROW1 ("spawn → activate (session loaded, window built)", format_in_process (in, "activate_s"));
  ROW1 ("spawn → first frame painted", format_in_process (in, "first_paint_s"));
  ROW1 ("spawn → first frame with rows painted", format_in_process (in, "rows_paint_s"));
  ROW1 ("spawn → all torrents seeding", format_in_process (in, "seeding_s"));
  ROW1 ("startup: the later of the last two", format_in_process (in, "startup_s"));
  ROW1 ("  then CPU settled", format_in_process (in, "settled_s"));
  row1_with_unit ("VmRSS once settled", in[0], "vm_rss_mib", "MiB");

  printf ("\nScrolling the list top → bottom → top, one step per frame (list %s px high,\n"
          "view %s px), in the first of those starts:\n", lookup (in[0], "list_height_px"),
          lookup (in[0], "page_px"));
  print_scroll (in[0], "wheel", "mouse-wheel steps");
  print_scroll (in[0], "page", "page steps");
  ROW1 ("row widgets bound while scrolling",
        g_strdup_printf ("%s to %s", lookup (in[0], "rows_min"), lookup (in[0], "rows_max")));
#undef ROW1
  row1 ("steps with no frame within 2 s", lookup (in[0], "stalls"));
  row1_with_unit ("VmRSS after scrolling", in[0], "vm_rss_after_scroll_mib", "MiB");
}

static void
print_notes (guint n)
{
  printf ("\nNotes\n"
          "- startup: from just before the client is spawned until xdotool finds its window\n"
          "  mapped (X map, which comes before the first frame is drawn; looked for every\n"
          "  %d ms); then until the start of the first %d ms in which it used at most %d%% of\n"
          "  one core (utime+stime of /proc/PID/stat, read every %d ms). From inside, bTorrent\n"
          "  gives the moments themselves: its first frame with rows, all torrents seeding.\n"
          "- VmRSS, VmHWM: /proc/PID/status when settled. Per torrent: minus a start of the\n"
          "  same client with an empty session, divided by %u. Idle CPU: the %d s right after.\n"
          "  CPU is the client's process only: Xvfb's drawing and xdotool are not counted.\n"
          "- Torrents loaded: bTorrent's session, counted from inside; Transmission: the\n"
          "  resume files it rewrote when it quit (one per torrent it holds), all still\n"
          "  complete, so it seeded them without checking again.\n"
          "- First starts, not measured: bTorrent adds the .torrent files and checks them;\n"
          "  Transmission's own libtransmission checks them in up to 20 transmission-daemon\n"
          "  processes at once (3.00 sleeps 100 ms per torrent checked), and transmission-gtk\n"
          "  then starts on their resume files and its copies of the torrents.\n"
          "- Both clients announce every torrent to 127.0.0.1:9, refused, and retry later.\n"
          "- Frame time: GdkFrameClock before-paint → after-paint of the frame that follows\n"
          "  setting the list's vadjustment (wheel step: page^(2/3), as GtkScrolledWindow\n"
          "  scrolls for one notch; page step: the page); the next step is set from an idle\n"
          "  after that frame. Rows bound: row widgets (CSS name \"row\") in the column view.\n",
          SAMPLE_MS, SETTLE_WINDOW_MS, SETTLE_MAX_PERCENT, SAMPLE_MS, n, IDLE_S);
}

static char *
transmission_version (void)
{
  const char *argv[] = { "dpkg-query", "-W", "-f=${Version}", "transmission-gtk", NULL };
  g_autofree char *out = NULL;
  int status = 0;

  if (g_spawn_sync (NULL, (char **) argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &out, NULL, &status, NULL)
      && g_spawn_check_wait_status (status, NULL) && out != NULL && out[0] != '\0')
    return g_steal_pointer (&out);
  return g_strdup ("(version unknown)");
}

/*
 * run: the whole benchmark
 */

static gboolean
remove_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", "--", path, NULL };
  int status = 0;

  return g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                       &status, NULL)
         && g_spawn_check_wait_status (status, NULL);
}

static int
run_all (guint n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *scratch = g_dir_make_tmp ("bt-ui-bench-XXXXXX", &error);
  g_autofree char *data_dir = g_build_filename (scratch, "data", NULL);
  g_autofree char *torrent_dir = g_build_filename (scratch, "torrents", NULL);
  g_autofree char *log_dir = g_build_filename (scratch, "logs", NULL);
  g_autofree char *bt_home = g_build_filename (scratch, "btorrent", NULL);
  g_autofree char *bt_empty_home = g_build_filename (scratch, "btorrent-empty", NULL);
  g_autofree char *tr_home = g_build_filename (scratch, "transmission", NULL);
  g_autofree char *tr_empty_home = g_build_filename (scratch, "transmission-empty", NULL);
  g_autofree char *tr_config = g_build_filename (tr_home, ".config", "transmission", NULL);
  g_autofree char *tr_empty_config = g_build_filename (tr_empty_home, ".config", "transmission",
                                                       NULL);
  g_autofree char *tr_torrents = g_build_filename (tr_config, "torrents", NULL);
  g_autofree char *tr_resume = g_build_filename (tr_config, "resume", NULL);
  g_autofree char *tr_version = transmission_version ();
  g_autofree char *n_text = g_strdup_printf ("%u", n);
  g_autofree char *tr_exe = g_find_program_in_path ("transmission-gtk");
  const char *btorrent_exe = g_getenv ("BT_UI_BENCH_BTORRENT");
  g_auto(GStrv) bt_env = NULL;
  g_auto(GStrv) bt_empty_env = NULL;
  g_auto(GStrv) tr_env = NULL;
  g_auto(GStrv) tr_empty_env = NULL;
  g_autoptr(GHashTable) populated = NULL;
  GHashTable *in[N_STARTS] = { NULL };
  Figures bt_empty, bt_full[N_STARTS], tr_empty, tr_full[N_STARTS];
  guint tr_loaded = 0, tr_complete = 0;
  int status;
  gboolean netns = g_strcmp0 (g_getenv ("BT_UI_BENCH_NETNS"), "1") == 0;
  gint64 t0;

  if (scratch == NULL)
    {
      g_printerr ("bt-ui-bench: %s\n", error->message);
      return 1;
    }
  if (btorrent_exe == NULL || !g_file_test (btorrent_exe, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("bt-ui-bench: set BT_UI_BENCH_BTORRENT to the built app (_build/src/app/btorrent)\n");
      return 1;
    }
  if (tr_exe == NULL)
    {
      g_printerr ("bt-ui-bench: transmission-gtk is not installed (apt install transmission-gtk)\n");
      return 1;
    }
  if (g_getenv ("DISPLAY") == NULL || g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_printerr ("bt-ui-bench: run it under xvfb-run and dbus-run-session (build-aux/dev bench ui)\n");
      return 1;
    }

  g_mkdir_with_parents (log_dir, 0755);
  g_mkdir_with_parents (tr_torrents, 0755);

  g_printerr ("bt-ui-bench: making %u torrents in %s\n", n, scratch);
  t0 = g_get_monotonic_time ();
  if (!make_torrents (data_dir, torrent_dir, tr_torrents, n, &error)
      || !write_btorrent_settings (bt_home, data_dir, &error)
      || !write_btorrent_settings (bt_empty_home, data_dir, &error)
      || !write_transmission_settings (tr_config, data_dir, 0, &error)
      || !write_transmission_settings (tr_empty_config, data_dir, 0, &error))
    {
      g_printerr ("bt-ui-bench: %s\n", error->message);
      return 1;
    }
  g_printerr ("bt-ui-bench: made them in %.1f s\n", seconds_between (t0, g_get_monotonic_time ()));

  bt_env = client_environ (bt_home, TRUE);
  bt_empty_env = client_environ (bt_empty_home, TRUE);
  tr_env = client_environ (tr_home, FALSE);
  tr_empty_env = client_environ (tr_empty_home, FALSE);

  /* bTorrent's first start: the torrents added and checked. */
  g_printerr ("bt-ui-bench: bTorrent: first start, adding the torrents\n");
  {
    char *argv[] = { self_exe, (char *) "populate", torrent_dir, data_dir, n_text, NULL };

    populated = run_phase (argv, bt_env, log_dir, "btorrent-populate", START_TIMEOUT_S, &error);
    if (populated == NULL)
      {
        g_printerr ("bt-ui-bench: %s\n", error->message);
        return 1;
      }
    g_printerr ("bt-ui-bench: bTorrent: %s added, %s seeding in %s s\n",
                lookup (populated, "added"), lookup (populated, "seeding"),
                lookup (populated, "seconds"));
  }

  /* From inside: the start a person sees, the first time then the list
   * scrolled. */
  for (guint i = 0; i < N_STARTS; i++)
    {
      char *argv[] = { self_exe, (char *) "inprocess", n_text,
                       i == 0 ? NULL : (char *) "--no-scroll", NULL };
      g_auto(GStrv) env = g_strdupv (bt_env);
      g_autofree char *name = g_strdup_printf ("btorrent-inprocess-%u", i + 1);
      g_autofree char *spawn_us = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_monotonic_time ());

      g_printerr ("bt-ui-bench: bTorrent: start %u of %d measured from inside%s\n", i + 1,
                  N_STARTS, i == 0 ? ", then scrolling" : "");
      env = g_environ_setenv (env, "BT_UI_BENCH_SPAWN_US", spawn_us, TRUE);
      in[i] = run_phase (argv, env, log_dir, name, START_TIMEOUT_S + 300, &error);
      if (in[i] == NULL)
        {
          g_printerr ("bt-ui-bench: %s\n", error->message);
          g_clear_error (&error);
        }
    }

  /* From outside, as Transmission is. */
  {
    char *argv[] = { (char *) btorrent_exe, NULL };
    Client client = { argv, bt_empty_env, "^bTorrent$", QUIT_BY_ACTION };
    g_autofree char *log_empty = g_build_filename (log_dir, "btorrent-empty.log", NULL);

    g_printerr ("bt-ui-bench: bTorrent: an empty session\n");
    measure_client (&client, log_empty, FALSE, &bt_empty);
    client.envp = bt_env;
    for (guint i = 0; i < N_STARTS; i++)
      {
        g_autofree char *log_name = g_strdup_printf ("btorrent-%u.log", i + 1);
        g_autofree char *log_path = g_build_filename (log_dir, log_name, NULL);

        g_printerr ("bt-ui-bench: bTorrent: start %u of %d with %u torrents%s\n", i + 1,
                    N_STARTS, n, i == 0 ? ", then idle" : "");
        measure_client (&client, log_path, i == 0, &bt_full[i]);
      }
  }

  {
    char *argv[] = { tr_exe, NULL };
    Client client = { argv, tr_env, "^Transmission$", QUIT_BY_SIGTERM };
    g_autofree char *log_empty = g_build_filename (log_dir, "transmission-empty.log", NULL);
    g_autofree char *problem = NULL;
    guint tr_seeding = n;

    g_printerr ("bt-ui-bench: transmission: first start, verifying the torrents\n");
    t0 = g_get_monotonic_time ();
    if (!first_start_transmission (scratch, data_dir, torrent_dir, n, tr_resume, log_dir,
                                   &error))
      {
        g_printerr ("bt-ui-bench: transmission: %s\n", error->message);
        g_clear_error (&error);
      }
    tr_complete = count_resume_files (tr_resume, 0, TRUE);
    g_printerr ("bt-ui-bench: transmission: %u of %u torrents verified complete in %.1f s\n",
                tr_complete, n, seconds_between (t0, g_get_monotonic_time ()));

    g_printerr ("bt-ui-bench: transmission-gtk: an empty session\n");
    client.envp = tr_empty_env;
    measure_client (&client, log_empty, FALSE, &tr_empty);
    client.envp = tr_env;
    tr_loaded = n;
    for (guint i = 0; i < N_STARTS; i++)
      {
        g_autofree char *log_name = g_strdup_printf ("transmission-%u.log", i + 1);
        g_autofree char *log_path = g_build_filename (log_dir, log_name, NULL);

        g_printerr ("bt-ui-bench: transmission-gtk: start %u of %d with %u torrents%s\n", i + 1,
                    N_STARTS, n, i == 0 ? ", then idle" : "");
        measure_client (&client, log_path, i == 0, &tr_full[i]);
        /* It rewrites the resume file of every torrent it holds when it
         * quits: those written since this start are the torrents it
         * loaded, and "have all" in each says it still seeds it. */
        tr_loaded = MIN (tr_loaded, count_resume_files (tr_resume, tr_full[i].spawn_real_us,
                                                        FALSE));
        tr_seeding = MIN (tr_seeding, count_resume_files (tr_resume, tr_full[i].spawn_real_us,
                                                          TRUE));
      }
    if (tr_complete < n)
      problem = g_strdup_printf ("only %u of %u torrents were complete after its first start; "
                                 "its figures would include checking", tr_complete, n);
    else if (tr_loaded != n)
      problem = g_strdup_printf ("rewrote only %u of %u resume files at a quit: cannot confirm "
                                 "it loaded them all", tr_loaded, n);
    else if (tr_seeding != n)
      problem = g_strdup_printf ("only %u of %u torrents still complete at a quit: it checked "
                                 "them again or lost data", tr_seeding, n);
    for (guint i = 0; i < N_STARTS && problem != NULL; i++)
      if (tr_full[i].failure == NULL)
        tr_full[i].failure = g_strdup (problem);
  }

  print_table (n, netns, tr_version, in, &bt_empty, bt_full, &tr_empty, tr_full, tr_loaded);
  print_notes (n);

  status = in[0] != NULL ? 0 : 1;
  g_free (bt_empty.failure);
  g_free (tr_empty.failure);
  for (guint i = 0; i < N_STARTS; i++)
    {
      g_free (bt_full[i].failure);
      g_free (tr_full[i].failure);
      g_clear_pointer (&in[i], g_hash_table_unref);
    }

  if (g_strcmp0 (g_getenv ("BT_UI_BENCH_KEEP"), "1") == 0)
    g_printerr ("bt-ui-bench: kept %s\n", scratch);
  else
    remove_tree (scratch);
  return status;
}

/*
 * populate: bTorrent's first start
 */

static guint
count_seeding (BtSession *session)
{
  GListModel *torrents = bt_session_get_torrents (session);
  guint n = g_list_model_get_n_items (torrents), seeding = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);

      if (bt_torrent_get_state (torrent) == BT_TORRENT_STATE_SEEDING)
        seeding++;
    }
  return seeding;
}

typedef struct
{
  GMainLoop *loop;
  BtSession *session;
  guint      n;
} PopulateWait;

static gboolean
populate_check_cb (gpointer user_data)
{
  PopulateWait *wait = user_data;

  if (count_seeding (wait->session) < wait->n)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (wait->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static int
run_populate (const char *torrent_dir,
              const char *data_dir,
              guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtApplication) app = bt_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  BtAddOptions options = { .save_path = data_dir };
  PopulateWait wait = { loop, NULL, n };
  guint added = 0, seeding, check_id, timeout_id;
  gint64 t0 = g_get_monotonic_time ();

  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    {
      printf ("error=%s\n", error->message);
      return 1;
    }
  wait.session = bt_application_get_session (app);
  if (wait.session == NULL)
    {
      printf ("error=the app's session did not start\n");
      return 1;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%05u.torrent", i);
      g_autofree char *path = g_build_filename (torrent_dir, name, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (path);

      if (bt_session_add_file (wait.session, file, &options, NULL, &error) == NULL)
        {
          printf ("error=adding %s: %s\n", name, error->message);
          return 1;
        }
      added++;
    }

  check_id = g_timeout_add (50, populate_check_cb, &wait);
  timeout_id = g_timeout_add_seconds (START_TIMEOUT_S - 30, quit_loop_cb, loop);
  g_main_loop_run (loop);
  g_clear_handle_id (&timeout_id, g_source_remove);
  seeding = count_seeding (wait.session);
  if (seeding < n)
    g_source_remove (check_id);

  printf ("added=%u\nseeding=%u\nseconds=%.1f\n", added, seeding,
          seconds_between (t0, g_get_monotonic_time ()));
  /* What quitting does: the resume files written, the trackers told. */
  bt_application_close_session (app);
  if (seeding < n)
    {
      printf ("error=only %u of %u torrents seeding after %d s\n", seeding, n,
              START_TIMEOUT_S - 30);
      return 1;
    }
  return 0;
}

/*
 * inprocess: bTorrent's start from inside, and scrolling
 */

static void in_process_finish (InProcess  *self,
                               const char *error);
static gboolean scroll_step_cb (gpointer user_data);

static guint
count_rows (GtkWidget *widget)
{
  guint n = g_str_equal (gtk_widget_get_css_name (widget), "row") ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_rows (child);
  return n;
}

static double
percentile (GArray *values,
            double  p)
{
  guint rank;

  if (values->len == 0)
    return 0;
  rank = (guint) ceil (p / 100 * values->len);
  return g_array_index (values, double, MAX (rank, 1) - 1);
}

static void
print_step_stats (InProcess  *self,
                  guint       kind,
                  const char *name)
{
  GArray *work = self->work_ms[kind];
  GArray *latency = self->latency_ms[kind];
  guint over = 0;

  g_array_sort (work, compare_doubles);
  g_array_sort (latency, compare_doubles);
  for (guint i = 0; i < work->len; i++)
    if (g_array_index (work, double, i) > FRAME_BUDGET_MS)
      over++;
  printf ("%s_step_px=%.0f\n", name, self->step_px[kind]);
  printf ("%s_frames=%u\n", name, work->len);
  printf ("%s_work_p50_ms=%.1f\n", name, percentile (work, 50));
  printf ("%s_work_p95_ms=%.1f\n", name, percentile (work, 95));
  printf ("%s_work_max_ms=%.1f\n", name, percentile (work, 100));
  printf ("%s_latency_p50_ms=%.1f\n", name, percentile (latency, 50));
  printf ("%s_latency_p95_ms=%.1f\n", name, percentile (latency, 95));
  printf ("%s_over_budget=%u\n", name, over);
}

static void
in_process_finish (InProcess  *self,
                   const char *error)
{
  g_clear_handle_id (&self->seeding_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  g_clear_handle_id (&self->stall_id, g_source_remove);
  self->phase = N_PHASES;

  if (error != NULL)
    {
      printf ("error=%s\n", error);
      self->status = 1;
    }
  else
    {
      printf ("torrents=%u\n", self->n_expected);
      printf ("activate_s=%.2f\n", seconds_between (self->spawn_us, self->activate_us));
      printf ("first_paint_s=%.2f\n", seconds_between (self->spawn_us, self->first_paint_us));
      printf ("rows_paint_s=%.2f\n", seconds_between (self->spawn_us, self->rows_paint_us));
      printf ("seeding_s=%.2f\n", seconds_between (self->spawn_us, self->seeding_us));
      printf ("startup_s=%.2f\n", seconds_between (self->spawn_us,
                                                  MAX (self->rows_paint_us, self->seeding_us)));
      printf ("settled_s=%.2f\n", seconds_between (self->spawn_us, self->settle.settled_us));
      printf ("vm_rss_mib=%.1f\n", self->rss_kib / 1024.0);
      printf ("vm_hwm_mib=%.1f\n", self->hwm_kib / 1024.0);
    }
  if (error == NULL && self->scroll)
    {
      printf ("list_height_px=%.0f\n", gtk_adjustment_get_upper (self->vadjustment));
      printf ("page_px=%.0f\n", gtk_adjustment_get_page_size (self->vadjustment));
      print_step_stats (self, 0, "wheel");
      print_step_stats (self, 1, "page");
      printf ("rows_min=%u\nrows_max=%u\n", self->rows_max > 0 ? self->rows_min : 0,
              self->rows_max);
      printf ("stalls=%u\n", self->n_stalls);
      printf ("vm_rss_after_scroll_mib=%.1f\n", read_status_kib (getpid (), "VmRSS") / 1024.0);
    }
  fflush (stdout);
  g_application_quit (G_APPLICATION (self->app));
}

static gboolean
stall_cb (gpointer user_data)
{
  InProcess *self = user_data;

  /* A step that moved nothing on screen: count it and go on. */
  self->stall_id = 0;
  self->waiting = FALSE;
  self->n_stalls++;
  g_idle_add (scroll_step_cb, self);
  return G_SOURCE_REMOVE;
}

/* One step of the scroll, from an idle so that it falls between frames:
 * the frame that follows is the one that shows it. */
static gboolean
scroll_step_cb (gpointer user_data)
{
  InProcess *self = user_data;
  double lower, upper, page, value, target, step;
  guint kind;
  int direction;

  while (self->phase < N_PHASES)
    {
      kind = self->phase >= PHASE_PAGE_DOWN;
      direction = self->phase == PHASE_WHEEL_DOWN || self->phase == PHASE_PAGE_DOWN ? 1 : -1;
      lower = gtk_adjustment_get_lower (self->vadjustment);
      upper = gtk_adjustment_get_upper (self->vadjustment);
      page = gtk_adjustment_get_page_size (self->vadjustment);
      value = gtk_adjustment_get_value (self->vadjustment);
      /* GtkScrolledWindow's step for one notch of a wheel. */
      step = kind == 0 ? pow (page, 2.0 / 3.0) : page;
      self->step_px[kind] = step;
      target = CLAMP (value + direction * step, lower, MAX (lower, upper - page));
      if (fabs (target - value) >= 0.5)
        {
          self->waiting = TRUE;
          self->set_us = g_get_monotonic_time ();
          gtk_adjustment_set_value (self->vadjustment, target);
          self->stall_id = g_timeout_add_seconds (2, stall_cb, self);
          return G_SOURCE_REMOVE;
        }
      self->phase++;
    }

  in_process_finish (self, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
settle_cb (gpointer user_data)
{
  InProcess *self = user_data;
  gint64 now = g_get_monotonic_time ();
  guint64 ticks = 0;

  if (!read_cpu_ticks (getpid (), &ticks))
    return G_SOURCE_CONTINUE;
  if (!settle_add (&self->settle, now, ticks))
    {
      if (seconds_between (self->spawn_us, now) > START_TIMEOUT_S)
        {
          self->settle_id = 0;
          in_process_finish (self, "CPU not settled");
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  self->settle_id = 0;
  self->rss_kib = read_status_kib (getpid (), "VmRSS");
  self->hwm_kib = read_status_kib (getpid (), "VmHWM");
  if (!self->scroll)
    {
      in_process_finish (self, NULL);
      return G_SOURCE_REMOVE;
    }

  /* From the top, as after a start. */
  gtk_adjustment_set_value (self->vadjustment, gtk_adjustment_get_lower (self->vadjustment));
  self->phase = PHASE_WHEEL_DOWN;
  g_idle_add (scroll_step_cb, self);
  return G_SOURCE_REMOVE;
}

static void
maybe_started (InProcess *self)
{
  if (self->rows_paint_us == 0 || self->seeding_us == 0 || self->settle_id != 0)
    return;
  self->settle_id = g_timeout_add (SAMPLE_MS, settle_cb, self);
}

static gboolean
seeding_check_cb (gpointer user_data)
{
  InProcess *self = user_data;
  BtSession *session = bt_application_get_session (self->app);

  if (session == NULL || count_seeding (session) < self->n_expected)
    {
      if (seconds_between (self->spawn_us, g_get_monotonic_time ()) > START_TIMEOUT_S)
        {
          self->seeding_id = 0;
          in_process_finish (self, "not every torrent seeding in time");
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  self->seeding_us = g_get_monotonic_time ();
  self->seeding_id = 0;
  maybe_started (self);
  return G_SOURCE_REMOVE;
}

/* GdkFrameClock emits ::before-paint first in every frame it paints
 * (::flush-events only when events were asked for). */
static void
before_paint_cb (GdkFrameClock *clock,
                 InProcess     *self)
{
  self->frame_start_us = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                InProcess     *self)
{
  gint64 now = g_get_monotonic_time ();
  guint rows;

  if (self->first_paint_us == 0)
    self->first_paint_us = now;
  if (self->rows_paint_us == 0)
    {
      if (count_rows (self->view) > 0)
        {
          self->rows_paint_us = now;
          maybe_started (self);
        }
      return;
    }
  if (!self->waiting)
    return;

  self->waiting = FALSE;
  g_clear_handle_id (&self->stall_id, g_source_remove);
  {
    guint kind = self->phase >= PHASE_PAGE_DOWN;
    double work = (now - self->frame_start_us) / 1e3;
    double latency = (now - self->set_us) / 1e3;

    g_array_append_val (self->work_ms[kind], work);
    g_array_append_val (self->latency_ms[kind], latency);
  }
  rows = count_rows (self->view);
  self->rows_min = MIN (self->rows_min, rows);
  self->rows_max = MAX (self->rows_max, rows);
  g_idle_add (scroll_step_cb, self);
}

static void
connect_frame_clock (InProcess *self)
{
  self->clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->window));
  g_signal_connect (self->clock, "before-paint", G_CALLBACK (before_paint_cb), self);
  g_signal_connect (self->clock, "after-paint", G_CALLBACK (after_paint_cb), self);
}

static void
window_realize_cb (GtkWidget *widget,
                   InProcess *self)
{
  if (self->clock == NULL)
    connect_frame_clock (self);
}

static void
activate_cb (GApplication *application,
             InProcess    *self)
{
  BtSession *session = bt_application_get_session (self->app);
  GtkWidget *scroller;
  guint n;

  if (self->window != NULL)
    return;
  self->activate_us = g_get_monotonic_time ();

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (application)); l; l = l->next)
    if (BT_IS_WINDOW (l->data))
      self->window = l->data;
  if (self->window == NULL || session == NULL)
    {
      in_process_finish (self, session == NULL ? "the session did not start" : "no window");
      return;
    }
  n = g_list_model_get_n_items (bt_session_get_torrents (session));
  if (n != self->n_expected)
    {
      g_autofree char *message = g_strdup_printf ("the session loaded %u torrents, not %u", n,
                                                  self->n_expected);

      in_process_finish (self, message);
      return;
    }

  self->view = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self->window),
                                                          BT_TYPE_WINDOW, "torrent_view"));
  /* "list_scroller" is not a bound template child: its view's ancestor. */
  scroller = self->view != NULL ? gtk_widget_get_ancestor (self->view, GTK_TYPE_SCROLLED_WINDOW)
                                : NULL;
  if (scroller == NULL)
    {
      in_process_finish (self, "no torrent_view in a GtkScrolledWindow");
      return;
    }
  self->vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

  if (gtk_widget_get_realized (GTK_WIDGET (self->window)))
    connect_frame_clock (self);
  else
    g_signal_connect (self->window, "realize", G_CALLBACK (window_realize_cb), self);
  self->seeding_id = g_timeout_add (20, seeding_check_cb, self);
}

static int
run_in_process (guint    n,
                gboolean scroll)
{
  const char *spawn_text = g_getenv ("BT_UI_BENCH_SPAWN_US");
  g_autoptr(BtApplication) app = NULL;
  char *argv[] = { (char *) "btorrent", NULL };
  InProcess self = { 0 };

  /* The parent's clock just before it spawned us: monotonic time is the
   * same across processes, so exec, dynamic linking and GTK's start are
   * all counted. */
  self.spawn_us = spawn_text != NULL ? g_ascii_strtoll (spawn_text, NULL, 10)
                                     : g_get_monotonic_time ();
  self.n_expected = n;
  self.scroll = scroll;
  self.rows_min = G_MAXUINT;
  for (guint i = 0; i < N_STEP_KINDS; i++)
    {
      self.work_ms[i] = g_array_new (FALSE, FALSE, sizeof (double));
      self.latency_ms[i] = g_array_new (FALSE, FALSE, sizeof (double));
    }
  settle_init (&self.settle);

  /* The app's own start: g_application_run() registers, starts the
   * session (loading the state folder) and activates, which builds and
   * presents the window; we watch from an "activate" handler that runs
   * after the app's. */
  app = bt_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  self.app = app;
  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), &self);
  if (g_application_run (G_APPLICATION (app), 1, argv) != 0 && self.status == 0)
    self.status = 1;

  if (self.clock != NULL)
    g_signal_handlers_disconnect_by_data (self.clock, &self);
  for (guint i = 0; i < N_STEP_KINDS; i++)
    {
      g_array_unref (self.work_ms[i]);
      g_array_unref (self.latency_ms[i]);
    }
  settle_clear (&self.settle);
  return self.status;
}

static gboolean
parse_count (const char *text,
             guint       min,
             guint      *out)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, min, 1000000, &value, NULL))
    {
      g_printerr ("bt-ui-bench: “%s” is not a number of torrents (%u or more)\n", text, min);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  guint n;

  /* The table, and a child's key=value lines, go out whole, not in
   * pieces interleaved with the logs. */
  setvbuf (stdout, NULL, _IOFBF, 0);

  if (argc == 3 && strcmp (argv[1], "run") == 0)
    return parse_count (argv[2], 1, &n) ? run_all (n) : 2;
  if (argc == 5 && strcmp (argv[1], "populate") == 0)
    return parse_count (argv[4], 0, &n) ? run_populate (argv[2], argv[3], n) : 2;
  if ((argc == 3 || (argc == 4 && strcmp (argv[3], "--no-scroll") == 0))
      && strcmp (argv[1], "inprocess") == 0)
    return parse_count (argv[2], 1, &n) ? run_in_process (n, argc == 3) : 2;

  g_printerr ("Usage: bt-ui-bench run N\n"
              "       bt-ui-bench populate TORRENT_DIR DATA_DIR N\n"
              "       bt-ui-bench inprocess N [--no-scroll]\n");
  return 2;
}
