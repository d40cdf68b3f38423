/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The session mode of btorrent-cli: `daemon` as a child process on a
 * private D-Bus session bus, driven by `add`, `list`, `pause`, `resume`
 * and `remove`, downloading from a scripted seeder that a scripted tracker
 * names; and the io.github.btorrent.Session export on its own.
 *
 * The seeder and the tracker run on this program's main context, so every
 * wait here iterates it (the helpers in bt-test-util.h that wait on a
 * private context would starve them).
 *
 * The children read their settings from a keyfile in a temporary
 * XDG_CONFIG_HOME (GSETTINGS_BACKEND=keyfile): the memory backend cannot be
 * set from outside the process, and the daemon must not try the DHT
 * bootstrap nodes or multicast from a test.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "bt-error.h"
#include "bt-fake-seeder.h"
#include "bt-fake-tracker.h"
#include "bt-metainfo.h"
#include "bt-session-dbus.h"
#include "bt-session.h"
#include "bt-swarm.h"
#include "bt-test-util.h"

/* 1 MiB and a last piece shorter than the others. */
#define PAYLOAD_SIZE 1060921
#define PIECE_LENGTH (32 * 1024)
#define WAIT_S 20

static GTestDBus *test_bus;

typedef struct
{
  char                *tmpdir;
  char                *source;
  char                *torrent;
  char                *download;
  char                *state_dir;
  char                *hash;
  GBytes              *payload;
  BtMetainfo          *meta;
  BtFakeSeeder        *seeder;
  BtFakeHttpTracker   *tracker;
  GSubprocessLauncher *launcher;
  GSubprocess         *daemon;
  char                *daemon_log;
  GDBusConnection     *bus;
} Fixture;

static const char *
cli (void)
{
  const char *path = g_getenv ("BTORRENT_CLI");

  g_assert_nonnull (path);
  return path;
}

/* --- waiting on the main context ------------------------------------------- */

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *fixture, gpointer data);

/* Iterates the main context until @condition holds (checked on every
 * iteration and at least every 50 ms) or @timeout_s passes. */
static gboolean
wait_until (Fixture   *fixture,
            Condition  condition,
            gpointer   data,
            guint      timeout_s)
{
  gboolean timed_out = FALSE;
  gboolean tick = FALSE;
  guint timeout_id = g_timeout_add_seconds (timeout_s, flag_cb, &timed_out);

  while (!condition (fixture, data))
    {
      guint tick_id;

      if (timed_out)
        return FALSE;
      tick = FALSE;
      tick_id = g_timeout_add (50, flag_cb, &tick);
      while (!tick && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      if (!tick)
        g_source_remove (tick_id);
    }
  g_source_remove (timeout_id);
  return TRUE;
}

typedef struct
{
  gboolean  done;
  char     *out;
  char     *err;
} Communicated;

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Communicated *c = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &c->out, &c->err, &error);
  g_assert_no_error (error);
  c->done = TRUE;
}

/* Runs btorrent-cli with @args (NULL-terminated) in the fixture's
 * environment to completion; returns its exit status. */
static int
run_cliv (Fixture             *fixture,
          char               **out,
          char               **err,
          const char * const  *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Communicated c = { 0 };
  gboolean timed_out = FALSE;
  guint timeout_id;

  g_ptr_array_add (argv, (char *) cli ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (fixture->launcher, (const char * const *) argv->pdata,
                                          &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicate_cb, &c);
  timeout_id = g_timeout_add_seconds (WAIT_S, flag_cb, &timed_out);
  while (!c.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_error ("btorrent-cli %s did not finish in %d s", args[0], WAIT_S);
  g_source_remove (timeout_id);
  g_assert_true (g_subprocess_get_if_exited (process));

  g_test_message ("btorrent-cli %s → %d\n%s%s", args[0], g_subprocess_get_exit_status (process),
                  c.out, c.err);
  if (out != NULL)
    *out = g_steal_pointer (&c.out);
  if (err != NULL)
    *err = g_steal_pointer (&c.err);
  g_free (c.out);
  g_free (c.err);
  return g_subprocess_get_exit_status (process);
}

#define run_cli(fixture, out, err, ...) \
  run_cliv ((fixture), (out), (err), (const char * const[]) { __VA_ARGS__, NULL })

static void
assert_one_line_error (const char *err,
                       const char *needle)
{
  g_assert_true (g_str_has_prefix (err, "btorrent-cli: "));
  g_assert_nonnull (strchr (err, '\n'));
  g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
  if (needle != NULL && strstr (err, needle) == NULL)
    g_error ("“%s” is not in the error “%s”", needle, err);
}

/* --- D-Bus from the test's side -------------------------------------------- */

typedef struct
{
  gboolean  done;
  GVariant *reply;
  GError   *error;
} Call;

static void
call_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->done = TRUE;
}

/* Calls the session interface of @name on the main context, so the
 * seeder and tracker keep serving meanwhile. (transfer full) */
static GVariant *
session_call (GDBusConnection     *bus,
              const char          *name,
              const char          *method,
              GVariant            *parameters,
              const GVariantType  *reply_type,
              GError             **error)
{
  Call call = { 0 };

  g_dbus_connection_call (bus, name, BT_SESSION_DBUS_OBJECT_PATH, BT_SESSION_DBUS_INTERFACE,
                          method, parameters, reply_type, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                          WAIT_S * 1000, NULL, call_cb, &call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.reply;
}

typedef struct
{
  char    *state;
  double   progress;
  guint64  downloaded;
  char    *error;
  char    *save_path;
} Status;

static void
status_clear (Status *status)
{
  g_clear_pointer (&status->state, g_free);
  g_clear_pointer (&status->error, g_free);
  g_clear_pointer (&status->save_path, g_free);
}

/* Looks @hash up in the List() of @name; FALSE when it is not there. */
static gboolean
get_status (GDBusConnection *bus,
            const char      *name,
            const char      *hash,
            Status          *status,
            guint           *n_torrents)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  const char *n, *h, *s, *e;
  const char *path;
  double progress, down_rate, up_rate, ratio;
  guint64 total, wanted, left, downloaded, uploaded;
  guint32 peers;
  gboolean found = FALSE;

  reply = session_call (bus, name, "List", NULL,
                        G_VARIANT_TYPE ("(a" BT_SESSION_DBUS_ENTRY_TYPE ")"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(a" BT_SESSION_DBUS_ENTRY_TYPE ")", &iter);
  if (n_torrents != NULL)
    *n_torrents = g_variant_iter_n_children (iter);
  while (g_variant_iter_next (iter, "(&s&s&sdtttttddud&s^&ay)", &n, &h, &s, &progress, &total,
                              &wanted, &left, &downloaded, &uploaded, &down_rate, &up_rate,
                              &peers, &ratio, &e, &path))
    {
      if (hash == NULL || strcmp (h, hash) != 0)
        continue;
      found = TRUE;
      if (status != NULL)
        {
          status_clear (status);
          status->state = g_strdup (s);
          status->progress = progress;
          status->downloaded = downloaded;
          status->error = g_strdup (e);
          status->save_path = g_strdup (path);
        }
      /* The sizes agree with the torrent and with each other. */
      g_assert_cmpuint (total, ==, PAYLOAD_SIZE);
      g_assert_cmpuint (wanted, ==, PAYLOAD_SIZE);
      g_assert_cmpuint (left, <=, wanted);
      g_assert_cmpfloat_with_epsilon (progress, (double) (wanted - left) / wanted, 1e-6);
    }
  return found;
}

typedef struct
{
  const char *state;
  gboolean    complete;
  Status      last;
} Want;

static gboolean
daemon_state_is (Fixture  *fixture,
                 gpointer  data)
{
  Want *want = data;

  if (!get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, &want->last, NULL))
    return FALSE;
  g_assert_cmpstr (want->last.error, ==, "");
  return g_strcmp0 (want->last.state, want->state) == 0
         && (!want->complete || want->last.progress == 1.0);
}

static void
wait_for_state (Fixture    *fixture,
                const char *state,
                gboolean    complete)
{
  Want want = { state, complete, { 0 } };

  if (!wait_until (fixture, daemon_state_is, &want, WAIT_S))
    g_error ("the torrent did not reach “%s”%s in %d s: it is “%s” at %.1f%%", state,
             complete ? " complete" : "", WAIT_S, want.last.state, want.last.progress * 100);
  status_clear (&want.last);
}

/* --- the daemon ------------------------------------------------------------ */

/* The process id of @name's owner on the test bus, 0 when nobody owns it. */
static guint32
name_owner_pid (Fixture    *fixture,
                const char *name)
{
  Call call = { 0 };
  guint32 pid;

  g_dbus_connection_call (fixture->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                          g_variant_new ("(s)", name), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, call_cb, &call);
  while (!call.done)
    g_main_context_iteration (NULL, TRUE);
  if (g_error_matches (call.error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    {
      g_error_free (call.error);
      return 0;
    }
  g_assert_no_error (call.error);
  g_variant_get (call.reply, "(u)", &pid);
  g_variant_unref (call.reply);
  return pid;
}

static gboolean
name_owned (Fixture  *fixture,
            gpointer  data)
{
  return name_owner_pid (fixture, data) != 0;
}

static gboolean
name_free (Fixture  *fixture,
           gpointer  data)
{
  return name_owner_pid (fixture, data) == 0;
}

/* Owned by the daemon we started, not by the one before it, whose name
 * the bus may not have released yet. */
static gboolean
daemon_owns_name (Fixture  *fixture,
                  gpointer  data)
{
  const char *pid = g_subprocess_get_identifier (fixture->daemon);

  if (pid == NULL)
    {
      g_autofree char *log = NULL;

      g_file_get_contents (fixture->daemon_log, &log, NULL, NULL);
      g_error ("btorrent-cli daemon exited before it took its name:\n%s", log);
    }
  return name_owner_pid (fixture, BT_SESSION_DBUS_DAEMON_NAME) == g_ascii_strtoull (pid, NULL, 10);
}

static void
start_daemon (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (fixture->daemon);
  g_subprocess_launcher_set_flags (fixture->launcher, G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (fixture->launcher, fixture->daemon_log);
  g_subprocess_launcher_set_stderr_file_path (fixture->launcher, fixture->daemon_log);
  fixture->daemon = g_subprocess_launcher_spawn (fixture->launcher, &error, cli (), "daemon",
                                                 "--port", "0", NULL);
  g_assert_no_error (error);
  /* Back to pipes for the client commands. */
  g_subprocess_launcher_set_stdout_file_path (fixture->launcher, NULL);
  g_subprocess_launcher_set_stderr_file_path (fixture->launcher, NULL);
  g_subprocess_launcher_set_flags (fixture->launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (!wait_until (fixture, daemon_owns_name, NULL, WAIT_S))
    g_error ("btorrent-cli daemon did not take its D-Bus name in %d s", WAIT_S);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* Sends @signal and waits (iterating the main context: the daemon tells
 * our tracker it stops) for the exit; returns the exit status. */
static int
stop_daemon (Fixture *fixture,
             int      signal_number)
{
  g_autoptr(GSubprocess) daemon = g_steal_pointer (&fixture->daemon);
  gboolean exited = FALSE;
  gboolean timed_out = FALSE;
  guint timeout_id;

  g_subprocess_send_signal (daemon, signal_number);
  g_subprocess_wait_async (daemon, NULL, wait_cb, &exited);
  timeout_id = g_timeout_add_seconds (WAIT_S, flag_cb, &timed_out);
  while (!exited && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    {
      g_subprocess_force_exit (daemon);
      g_error ("btorrent-cli daemon did not stop within %d s of signal %d", WAIT_S,
               signal_number);
    }
  g_source_remove (timeout_id);
  /* The bus lets go of its name a moment later: a command run before
   * that would still find it. */
  if (!wait_until (fixture, name_free, (gpointer) BT_SESSION_DBUS_DAEMON_NAME, WAIT_S))
    g_error ("the bus still names a daemon %d s after it exited", WAIT_S);
  if (!g_subprocess_get_if_exited (daemon))
    return -1;
  return g_subprocess_get_exit_status (daemon);
}

static char *
daemon_log (Fixture *fixture)
{
  char *log = NULL;

  g_file_get_contents (fixture->daemon_log, &log, NULL, NULL);
  return log != NULL ? log : g_strdup ("");
}

/* --- fixture --------------------------------------------------------------- */

static void
write_settings (Fixture    *fixture,
                const char *folder_name)
{
  g_autofree char *dir = g_build_filename (fixture->tmpdir, "config", "glib-2.0", "settings",
                                           NULL);
  g_autofree char *path = g_build_filename (dir, "keyfile", NULL);
  g_autofree char *downloads = g_build_filename (fixture->tmpdir, folder_name, NULL);
  g_autofree char *keyfile = NULL;
  g_autoptr(GError) error = NULL;
  /* Nothing but loopback: no DHT, no multicast discovery; and no seeding
   * goal that could stop the torrent between two of our looks. */
  keyfile = g_strdup_printf ("[io/github/btorrent/BTorrent]\n"
                             "download-folder='%s'\n"
                             "listen-port=0\n"
                             "enable-dht=false\n"
                             "enable-lsd=false\n"
                             "enable-pex=false\n"
                             "seed-ratio-limit=0.0\n",
                             downloads);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (downloads, 0700), ==, 0);
  g_file_set_contents (path, keyfile, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *data_home = NULL;
  g_autofree char *config_home = NULL;
  g_autofree char *cache_home = NULL;
  g_autoptr(GInetAddress) ip = NULL;
  GInetSocketAddress *address;
  GString *reply;
  const char *announce[2] = { NULL, NULL };
  guint16 port;
  gsize length;

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->source = g_build_filename (fixture->tmpdir, "source", "payload.bin", NULL);
  fixture->torrent = g_build_filename (fixture->tmpdir, "payload.torrent", NULL);
  fixture->download = g_build_filename (fixture->tmpdir, "download", NULL);
  fixture->daemon_log = g_build_filename (fixture->tmpdir, "daemon.log", NULL);
  data_home = g_build_filename (fixture->tmpdir, "data", NULL);
  config_home = g_build_filename (fixture->tmpdir, "config", NULL);
  cache_home = g_build_filename (fixture->tmpdir, "cache", NULL);
  fixture->state_dir = g_build_filename (data_home, "btorrent", NULL);
  bt_test_write_random_file (fixture->source, PAYLOAD_SIZE, 7);
  write_settings (fixture, "downloads");

  fixture->tracker = bt_fake_http_tracker_new ();
  url = bt_fake_http_tracker_get_url (fixture->tracker, "/announce");
  announce[0] = url;
  fixture->hash = bt_test_create_torrent (fixture->source, announce, PIECE_LENGTH,
                                          fixture->torrent, &error);
  g_assert_no_error (error);
  fixture->meta = bt_metainfo_new_from_file (fixture->torrent, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (fixture->source, &contents, &length, NULL));
  fixture->payload = g_bytes_new_take (g_steal_pointer (&contents), length);
  fixture->seeder = bt_fake_seeder_new (fixture->meta, fixture->payload);

  /* Every announce gets the seeder as its one peer. */
  address = bt_fake_seeder_get_address (fixture->seeder);
  ip = g_object_ref (g_inet_socket_address_get_address (address));
  port = g_inet_socket_address_get_port (address);
  g_assert_cmpuint (g_inet_address_get_native_size (ip), ==, 4);
  reply = g_string_new ("d8:intervali60e5:peers6:");
  g_string_append_len (reply, (const char *) g_inet_address_to_bytes (ip), 4);
  g_string_append_c (reply, (char) (port >> 8));
  g_string_append_c (reply, (char) (port & 0xff));
  g_string_append_c (reply, 'e');
  bt_fake_http_tracker_reply (fixture->tracker, 200, reply->str, (gssize) reply->len);
  g_string_free (reply, TRUE);

  fixture->launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                 | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (fixture->launcher, "XDG_DATA_HOME", data_home, TRUE);
  g_subprocess_launcher_setenv (fixture->launcher, "XDG_CONFIG_HOME", config_home, TRUE);
  g_subprocess_launcher_setenv (fixture->launcher, "XDG_CACHE_HOME", cache_home, TRUE);
  g_subprocess_launcher_setenv (fixture->launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (fixture->launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (test_bus), TRUE);
  g_subprocess_launcher_set_cwd (fixture->launcher, fixture->tmpdir);
  bt_test_launcher_tie_to_parent (fixture->launcher);

  fixture->bus = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (test_bus),
                                                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                          | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                          NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->daemon != NULL)
    {
      g_autofree char *log = daemon_log (fixture);

      g_test_message ("daemon log:\n%s", log);
      stop_daemon (fixture, SIGKILL);
    }
  if (fixture->bus != NULL)
    g_dbus_connection_close_sync (fixture->bus, NULL, NULL);
  g_clear_object (&fixture->bus);
  g_clear_object (&fixture->launcher);
  g_clear_pointer (&fixture->seeder, bt_fake_seeder_free);
  g_clear_pointer (&fixture->tracker, bt_fake_http_tracker_free);
  g_clear_object (&fixture->meta);
  g_clear_pointer (&fixture->payload, g_bytes_unref);
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->source);
  g_free (fixture->torrent);
  g_free (fixture->download);
  g_free (fixture->state_dir);
  g_free (fixture->daemon_log);
  g_free (fixture->hash);
}

static gboolean
state_dir_mentions (const char *state_dir,
                    const char *hash)
{
  g_autoptr(GDir) dir = g_dir_open (state_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (strstr (name, hash) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
file_gone (Fixture  *fixture,
           gpointer  data)
{
  return !g_file_test (data, G_FILE_TEST_EXISTS);
}

/* --- tests ----------------------------------------------------------------- */

/* The whole life of a torrent through the command line: add, download,
 * list, pause, resume, a restart from the state folder, remove. */
static void
test_daemon_lifecycle (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *downloaded = g_build_filename (fixture->download, "payload.bin", NULL);
  g_autofree char *prefix = g_strndup (fixture->hash, 8);
  Status status = { 0 };
  guint64 served;

  start_daemon (fixture);

  g_assert_cmpint (run_cli (fixture, &out, &err, "list"), ==, 0);
  g_assert_cmpstr (out, ==, "No torrents.\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Relative paths are the client's: the daemon runs elsewhere. */
  g_assert_cmpint (run_cli (fixture, &out, &err, "add", "payload.torrent", "-o", "download"), ==, 0);
  expected = g_strdup_printf ("%s added\n", fixture->hash);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  wait_for_state (fixture, "seeding", TRUE);
  g_assert_true (bt_test_files_equal (fixture->source, downloaded));
  g_assert_true (get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, &status,
                             NULL));
  g_assert_cmpstr (status.save_path, ==, fixture->download);
  g_assert_cmpuint (status.downloaded, >=, PAYLOAD_SIZE);
  served = bt_fake_seeder_get_bytes_served (fixture->seeder);
  g_assert_cmpuint (served, >=, PAYLOAD_SIZE);

  /* Adding it again finds it. */
  g_assert_cmpint (run_cli (fixture, &out, &err, "add", fixture->torrent), ==, 0);
  g_free (expected);
  expected = g_strdup_printf ("%s already there\n", fixture->hash);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (fixture, &out, &err, "list"), ==, 0);
  g_assert_true (g_str_has_prefix (out, "ID "));
  g_assert_nonnull (strstr (out, prefix));
  g_assert_nonnull (strstr (out, "seeding"));
  g_assert_nonnull (strstr (out, "100.0%"));
  g_assert_nonnull (strstr (out, "payload.bin"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (fixture, &out, &err, "list", "--json"), ==, 0);
  g_free (expected);
  expected = g_strdup_printf ("\"info_hash\": \"%s\"", fixture->hash);
  g_assert_nonnull (strstr (out, expected));
  g_assert_nonnull (strstr (out, "\"state\": \"seeding\""));
  g_assert_nonnull (strstr (out, "\"progress\": 1.0000"));
  g_assert_nonnull (strstr (out, "\"total_size\": " G_STRINGIFY (PAYLOAD_SIZE)));
  g_assert_nonnull (strstr (out, "\"name\": \"payload.bin\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A unique prefix is enough. */
  g_assert_cmpint (run_cli (fixture, &out, &err, "pause", prefix), ==, 0);
  g_assert_cmpstr (out, ==, "Paused payload.bin\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  wait_for_state (fixture, "stopped", TRUE);

  g_assert_cmpint (run_cli (fixture, &out, &err, "resume", "all"), ==, 0);
  g_assert_cmpstr (out, ==, "Resumed payload.bin\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  wait_for_state (fixture, "seeding", TRUE);

  /* A clean stop writes the state; the next daemon brings the torrent back
   * complete from it, with no seeder left to download from. */
  g_assert_cmpint (stop_daemon (fixture, SIGTERM), ==, 0);
  g_assert_true (state_dir_mentions (fixture->state_dir, fixture->hash));
  g_clear_pointer (&fixture->seeder, bt_fake_seeder_free);
  {
    g_autofree char *log = daemon_log (fixture);

    g_assert_nonnull (strstr (log, "added: payload.bin"));
    g_assert_nonnull (strstr (log, "complete: payload.bin"));
    g_assert_nonnull (strstr (log, "btorrent-cli: stopped"));
  }

  g_assert_cmpint (run_cli (fixture, &out, &err, "list"), ==, 1);
  g_assert_cmpstr (err, ==, "btorrent-cli: bTorrent is not running; start it with "
                            "`btorrent-cli daemon` or open the app\n");
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  start_daemon (fixture);
  g_assert_true (get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, &status,
                             NULL));
  g_assert_cmpstr (status.save_path, ==, fixture->download);
  wait_for_state (fixture, "seeding", TRUE);
  g_assert_true (get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, &status,
                             NULL));
  /* The totals came back from the resume file, not from a second
   * download. */
  g_assert_cmpuint (status.downloaded, >=, PAYLOAD_SIZE);
  g_assert_cmpuint (status.downloaded, <=, served);
  g_assert_true (bt_test_files_equal (fixture->source, downloaded));

  g_assert_cmpint (run_cli (fixture, &out, &err, "remove", fixture->hash, "--delete-data"), ==, 0);
  g_assert_cmpstr (out, ==, "Removed payload.bin\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* The session deletes the files once the torrent has stopped, after
   * the call returned. */
  if (!wait_until (fixture, file_gone, downloaded, WAIT_S))
    g_error ("%s is still there %d s after remove --delete-data", downloaded, WAIT_S);
  g_assert_false (get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, NULL,
                              NULL));
  g_assert_cmpint (run_cli (fixture, &out, &err, "list"), ==, 0);
  g_assert_cmpstr (out, ==, "No torrents.\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (stop_daemon (fixture, SIGINT), ==, 0);
  g_assert_false (state_dir_mentions (fixture->state_dir, fixture->hash));
  status_clear (&status);
}

/* What a person gets wrong, and what they read then. */
static void
test_daemon_errors (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *bad = g_build_filename (fixture->tmpdir, "bad.torrent", NULL);
  g_autofree char *log = NULL;
  const char *zeros = "0000000000000000000000000000000000000000";

  /* Nobody runs: every command says what to start. */
  for (guint i = 0; i < 3; i++)
    {
      const char *command[] = { "list", "pause", "add" };

      g_assert_cmpint (run_cli (fixture, &out, &err, command[i], i == 0 ? "--json" : "all"),
                       ==, 1);
      g_assert_cmpstr (err, ==, "btorrent-cli: bTorrent is not running; start it with "
                                "`btorrent-cli daemon` or open the app\n");
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
  /* No bus at all (a server without a desktop session). */
  g_subprocess_launcher_setenv (fixture->launcher, "DBUS_SESSION_BUS_ADDRESS",
                                "unix:path=/nonexistent/bus", TRUE);
  g_assert_cmpint (run_cli (fixture, &out, &err, "list"), ==, 1);
  assert_one_line_error (err, "btorrent-cli: bTorrent is not running; start it with "
                              "`btorrent-cli daemon` or open the app (there is no D-Bus session "
                              "bus: ");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_subprocess_launcher_setenv (fixture->launcher, "DBUS_SESSION_BUS_ADDRESS",
                                g_test_dbus_get_bus_address (test_bus), TRUE);

  g_assert_cmpint (run_cli (fixture, &out, &err, "pause"), ==, 2);
  assert_one_line_error (err, "info-hash");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  start_daemon (fixture);

  g_assert_cmpint (run_cli (fixture, &out, &err, "pause", zeros), ==, 1);
  assert_one_line_error (err, zeros);
  g_assert_nonnull (strstr (err, "No torrent"));
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (fixture, &out, &err, "resume", "deadbeef"), ==, 1);
  assert_one_line_error (err, "deadbeef");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (fixture, &out, &err, "remove", "not-a-hash"), ==, 1);
  assert_one_line_error (err, "“not-a-hash” is not an info-hash");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_file_set_contents (bad, "d4:infod4:name3:abcee", -1, NULL);
  g_assert_cmpint (run_cli (fixture, &out, &err, "add", "bad.torrent"), ==, 1);
  assert_one_line_error (err, "btorrent-cli: bad.torrent: ");
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (fixture, &out, &err, "add", "missing.torrent"), ==, 1);
  assert_one_line_error (err, "btorrent-cli: missing.torrent: ");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* One bad file among good ones: the good one is added all the same. */
  g_assert_cmpint (run_cli (fixture, &out, &err, "add", "--paused", "bad.torrent",
                            "payload.torrent"), ==, 1);
  g_assert_true (g_str_has_suffix (out, "added\n"));
  assert_one_line_error (err, "bad.torrent");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  wait_for_state (fixture, "stopped", FALSE);

  /* A second daemon on the same state folder must not start: here it
   * cannot even reach a bus, so only the state folder's lock stops it
   * before it would use the folder. */
  {
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) second = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *second_out = NULL;
    g_autofree char *second_err = NULL;
    g_autofree char *data_home = g_build_filename (fixture->tmpdir, "data", NULL);
    g_autofree char *config_home = g_build_filename (fixture->tmpdir, "config", NULL);

    launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                          | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data_home, TRUE);
    g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_home, TRUE);
    g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
    g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS",
                                  "unix:path=/nonexistent/bus", TRUE);
    bt_test_launcher_tie_to_parent (launcher);
    second = g_subprocess_launcher_spawn (launcher, &error, cli (), "daemon", "--port", "0",
                                          NULL);
    g_assert_no_error (error);
    g_subprocess_communicate_utf8 (second, NULL, NULL, &second_out, &second_err, &error);
    g_assert_no_error (error);
    g_test_message ("second daemon: %s%s", second_out, second_err);
    g_assert_true (g_subprocess_get_if_exited (second));
    g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
    assert_one_line_error (second_err, NULL);
    if (strstr (second_err, "D-Bus") != NULL)
      g_error ("a second session loaded the state folder the first one uses: %s", second_err);
  }

  /* The first one did not notice. */
  wait_for_state (fixture, "stopped", FALSE);
  g_assert_cmpint (stop_daemon (fixture, SIGTERM), ==, 0);
  log = daemon_log (fixture);
  g_assert_nonnull (strstr (log, "added: payload.bin"));
}

static gboolean
resume_written (Fixture  *fixture,
                gpointer  data)
{
  g_autofree char *name = g_strconcat (fixture->hash, ".resume", NULL);
  g_autofree char *path = g_build_filename (fixture->state_dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* Killed outright, the daemon leaves no lock behind that would keep the
 * next one out, and what it had written comes back. */
static void
test_kill_restart (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Status status = { 0 };

  start_daemon (fixture);
  g_assert_cmpint (run_cli (fixture, &out, &err, "add", "--paused", "payload.torrent"), ==, 0);
  /* The session writes a torrent's record a few seconds after it
   * changes (BT_RESUME_WRITE_INTERVAL_MS); a kill before that loses the
   * "paused" of the add. */
  if (!wait_until (fixture, resume_written, NULL, WAIT_S))
    g_error ("no resume record in %s %d s after adding the torrent", fixture->state_dir, WAIT_S);
  g_assert_cmpint (stop_daemon (fixture, SIGKILL), ==, -1);

  start_daemon (fixture);
  g_assert_true (get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, &status,
                             NULL));
  g_assert_cmpstr (status.state, ==, "stopped");
  status_clear (&status);
  g_assert_cmpint (stop_daemon (fixture, SIGTERM), ==, 0);
}

typedef struct
{
  const char *expected;
  char       *seen;
} Folder;

/* Adds the torrent without a folder, notes where the session puts it, and
 * removes it again; TRUE once that is @data's folder. */
static gboolean
default_folder_is (Fixture  *fixture,
                   gpointer  data)
{
  Folder *folder = data;
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *hashes[] = { fixture->hash, NULL };
  Status status = { 0 };

  g_variant_dict_insert (options, "paused", "b", TRUE);
  reply = session_call (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, "Add",
                        g_variant_new ("(s@a{sv})", fixture->torrent, g_variant_dict_end (options)),
                        G_VARIANT_TYPE ("(sb)"), &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_true (get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, &status,
                             NULL));
  reply = session_call (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, "Remove",
                        g_variant_new ("(^asb)", (char **) hashes, FALSE), NULL, &error);
  g_assert_no_error (error);
  g_free (folder->seen);
  folder->seen = g_steal_pointer (&status.save_path);
  status_clear (&status);
  return g_strcmp0 (folder->seen, folder->expected) == 0;
}

/* The daemon follows the settings as the app does, while it runs. */
static void
test_settings_live (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *first = g_build_filename (fixture->tmpdir, "downloads", NULL);
  g_autofree char *second = g_build_filename (fixture->tmpdir, "elsewhere", NULL);
  Folder folder = { first, NULL };

  start_daemon (fixture);
  g_assert_true (default_folder_is (fixture, &folder));

  /* Another program (the app's preferences, gsettings) changes it. */
  write_settings (fixture, "elsewhere");
  folder.expected = second;
  if (!wait_until (fixture, default_folder_is, &folder, WAIT_S))
    g_error ("the daemon still saves to %s %d s after the setting changed to %s", folder.seen,
             WAIT_S, second);
  g_free (folder.seen);
  g_assert_cmpint (stop_daemon (fixture, SIGTERM), ==, 0);
}

/* Started by the app, the session is the app's: the client asks it first. */
static void
test_app_first (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtSession) session = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *save = g_build_filename (fixture->tmpdir, "app-download", NULL);
  BtSessionConfig config = { 0 };
  BtAddOptions options = { .save_path = save, .flags = BT_ADD_PAUSED };
  BtTorrent *torrent;
  guint export_id;
  guint owner_id;

  start_daemon (fixture);

  g_assert_cmpint (g_mkdir_with_parents (save, 0700), ==, 0);
  session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  torrent = bt_session_add (session, fixture->meta, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (torrent);
  export_id = bt_session_dbus_export (session, fixture->bus, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (export_id, !=, 0);
  owner_id = g_bus_own_name_on_connection (fixture->bus, BT_SESSION_DBUS_APP_NAME,
                                           G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
  if (!wait_until (fixture, name_owned, (gpointer) BT_SESSION_DBUS_APP_NAME, WAIT_S))
    g_error ("could not own the app's name on the test bus");

  /* The app's session has the torrent; the daemon's has none. */
  g_assert_cmpint (run_cli (fixture, &out, &err, "list", "--json"), ==, 0);
  g_assert_nonnull (strstr (out, fixture->hash));
  g_assert_nonnull (strstr (out, "\"state\": \"stopped\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (fixture, &out, &err, "remove", fixture->hash), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (bt_session_get_torrents (session)), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Once the app is gone, the daemon answers. */
  g_bus_unown_name (owner_id);
  bt_session_dbus_unexport (fixture->bus, export_id);
  g_assert_cmpint (run_cli (fixture, &out, &err, "add", "--paused", fixture->torrent), ==, 0);
  g_assert_true (g_str_has_suffix (out, " added\n"));
  g_assert_cmpuint (g_list_model_get_n_items (bt_session_get_torrents (session)), ==, 0);
  g_assert_true (get_status (fixture->bus, BT_SESSION_DBUS_DAEMON_NAME, fixture->hash, NULL,
                             NULL));
  g_assert_cmpint (stop_daemon (fixture, SIGTERM), ==, 0);
}

/* The export on its own, called as any D-Bus client would. */
static void
test_export (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtSession) session = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantDict) options = NULL;
  g_autofree char *save = g_build_filename (fixture->tmpdir, "export", NULL);
  const char *self_name = g_dbus_connection_get_unique_name (fixture->bus);
  const char *hashes[] = { fixture->hash, NULL };
  BtSessionConfig config = { 0 };
  const char *hash;
  gboolean existing;
  guint export_id;
  guint n;

  g_assert_cmpint (g_mkdir_with_parents (save, 0700), ==, 0);
  session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  export_id = bt_session_dbus_export (session, fixture->bus, NULL, &error);
  g_assert_no_error (error);

  g_assert_false (get_status (fixture->bus, self_name, fixture->hash, NULL, &n));
  g_assert_cmpuint (n, ==, 0);

  /* Malformed and unknown hashes. */
  reply = session_call (fixture->bus, self_name, "Pause", g_variant_new ("(^as)", (char *[]) { "xyz", NULL }),
                        NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "“xyz” is not an info-hash"));
  g_clear_error (&error);
  reply = session_call (fixture->bus, self_name, "Remove",
                        g_variant_new ("(^asb)", (char **) hashes, TRUE), NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, fixture->hash));
  g_clear_error (&error);

  /* Paths the exporting process cannot resolve, and bad options. */
  reply = session_call (fixture->bus, self_name, "Add",
                        g_variant_new ("(s@a{sv})", "payload.torrent",
                                       g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                        NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "absolute"));
  g_clear_error (&error);

  options = g_variant_dict_new (NULL);
  g_variant_dict_insert (options, "save-path", "s", "relative/folder");
  reply = session_call (fixture->bus, self_name, "Add",
                        g_variant_new ("(s@a{sv})", fixture->torrent, g_variant_dict_end (options)),
                        NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "relative/folder"));
  g_clear_error (&error);
  g_clear_pointer (&options, g_variant_dict_unref);

  options = g_variant_dict_new (NULL);
  g_variant_dict_insert (options, "paused", "s", "yes");
  reply = session_call (fixture->bus, self_name, "Add",
                        g_variant_new ("(s@a{sv})", fixture->torrent, g_variant_dict_end (options)),
                        NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "paused"));
  g_clear_error (&error);
  g_clear_pointer (&options, g_variant_dict_unref);

  /* A torrent that does not parse: the engine's error comes back in its
   * own domain, with the name the caller gave. */
  options = g_variant_dict_new (NULL);
  g_variant_dict_insert_value (options, "metainfo", g_variant_new_bytestring ("d4:infoi3ee"));
  reply = session_call (fixture->bus, self_name, "Add",
                        g_variant_new ("(s@a{sv})", "broken.torrent", g_variant_dict_end (options)),
                        NULL, &error);
  g_assert_nonnull (error);
  g_assert_true (error->domain == BT_ERROR);
  g_dbus_error_strip_remote_error (error);
  g_assert_true (g_str_has_prefix (error->message, "broken.torrent: "));
  g_clear_error (&error);
  g_clear_pointer (&options, g_variant_dict_unref);

  /* By path, paused, into a folder; then again. */
  for (guint i = 0; i < 2; i++)
    {
      options = g_variant_dict_new (NULL);
      g_variant_dict_insert (options, "paused", "b", TRUE);
      g_variant_dict_insert_value (options, "save-path", g_variant_new_bytestring (save));
      reply = session_call (fixture->bus, self_name, "Add",
                            g_variant_new ("(s@a{sv})", fixture->torrent,
                                           g_variant_dict_end (options)),
                            G_VARIANT_TYPE ("(sb)"), &error);
      g_assert_no_error (error);
      g_variant_get (reply, "(&sb)", &hash, &existing);
      g_assert_cmpstr (hash, ==, fixture->hash);
      g_assert_cmpint (existing, ==, i == 1);
      g_clear_pointer (&reply, g_variant_unref);
      g_clear_pointer (&options, g_variant_dict_unref);
    }
  {
    Status status = { 0 };

    g_assert_true (get_status (fixture->bus, self_name, fixture->hash, &status, &n));
    g_assert_cmpuint (n, ==, 1);
    g_assert_cmpstr (status.state, ==, "stopped");
    g_assert_cmpstr (status.save_path, ==, save);
    status_clear (&status);
  }

  /* A recheck of a folder with nothing in it finds nothing, but runs. */
  reply = session_call (fixture->bus, self_name, "Recheck",
                        g_variant_new ("(^as)", (char **) hashes), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);

  /* Upper case is the same hash; one bad hash in a list changes nothing. */
  {
    g_autofree char *upper = g_ascii_strup (fixture->hash, -1);
    const char *mixed[] = { upper, "1111111111111111111111111111111111111111", NULL };

    reply = session_call (fixture->bus, self_name, "Remove",
                          g_variant_new ("(^asb)", (char **) mixed, FALSE), NULL, &error);
    g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
    g_clear_error (&error);
    g_assert_true (get_status (fixture->bus, self_name, fixture->hash, NULL, &n));

    mixed[1] = NULL;
    reply = session_call (fixture->bus, self_name, "Remove",
                          g_variant_new ("(^asb)", (char **) mixed, FALSE), NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);
    g_assert_false (get_status (fixture->bus, self_name, fixture->hash, NULL, &n));
    g_assert_cmpuint (n, ==, 0);
  }

  /* Magnet links: a good one is added by its hash, a bad one says why. */
  {
    const char *magnet_hash = "abababababababababababababababababababab";
    const char *magnets[] = { magnet_hash, NULL };
    g_autofree char *magnet = g_strdup_printf ("magnet:?xt=urn:btih:%s&dn=From+a+link",
                                               magnet_hash);

    options = g_variant_dict_new (NULL);
    g_variant_dict_insert (options, "paused", "b", TRUE);
    g_variant_dict_insert_value (options, "save-path", g_variant_new_bytestring (save));
    reply = session_call (fixture->bus, self_name, "Add",
                          g_variant_new ("(s@a{sv})", magnet, g_variant_dict_end (options)),
                          G_VARIANT_TYPE ("(sb)"), &error);
    g_assert_no_error (error);
    g_variant_get (reply, "(&sb)", &hash, &existing);
    g_assert_cmpstr (hash, ==, magnet_hash);
    g_assert_false (existing);
    g_clear_pointer (&reply, g_variant_unref);
    g_clear_pointer (&options, g_variant_dict_unref);
    g_assert_false (get_status (fixture->bus, self_name, fixture->hash, NULL, &n));
    g_assert_cmpuint (n, ==, 1);
    reply = session_call (fixture->bus, self_name, "Remove",
                          g_variant_new ("(^asb)", (char **) magnets, FALSE), NULL, &error);
    g_assert_no_error (error);
    g_clear_pointer (&reply, g_variant_unref);

    reply = session_call (fixture->bus, self_name, "Add",
                          g_variant_new ("(s@a{sv})", "magnet:?xt=urn:btih:123",
                                         g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          G_VARIANT_TYPE ("(sb)"), &error);
    g_assert_nonnull (error);
    g_assert_true (error->domain == BT_ERROR);
    g_clear_error (&error);
  }

  /* Unexported, it answers no more, and lets go of the session. */
  bt_session_dbus_unexport (fixture->bus, export_id);
  reply = session_call (fixture->bus, self_name, "List", NULL, NULL, &error);
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_DBUS_ERROR);
  g_clear_error (&error);
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &session);
  g_object_unref (session);
  g_assert_null (session);
}

static void
skip_no_bus (Fixture       *fixture,
             gconstpointer  data)
{
  bt_test_skip_or_fail ("dbus-daemon is not installed");
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *dbus_daemon = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  dbus_daemon = g_find_program_in_path ("dbus-daemon");
  if (dbus_daemon != NULL)
    {
      /* One private bus for the whole program; the children find it
       * through DBUS_SESSION_BUS_ADDRESS. */
      test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (test_bus);
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, \
              dbus_daemon != NULL ? fixture_setup : NULL, \
              dbus_daemon != NULL ? func : skip_no_bus, \
              dbus_daemon != NULL ? fixture_teardown : NULL)

  ADD ("/cli/daemon/export", test_export);
  ADD ("/cli/daemon/lifecycle", test_daemon_lifecycle);
  ADD ("/cli/daemon/errors", test_daemon_errors);
  ADD ("/cli/daemon/app-first", test_app_first);
  ADD ("/cli/daemon/settings-live", test_settings_live);
  ADD ("/cli/daemon/kill-restart", test_kill_restart);

  status = g_test_run ();
  if (test_bus != NULL)
    {
      g_test_dbus_down (test_bus);
      g_object_unref (test_bus);
    }
  return status;
}
