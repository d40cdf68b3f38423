/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * opentracker, aria2c and transmission-daemon on loopback for the tests.
 *
 * Each program is a GSubprocess whose output goes to a log file in its own
 * temporary profile folder. Waiting is done in short steps that also watch
 * the process, so a program that dies early fails the test at once with the
 * end of its log instead of running into a timeout. The steps are waits on
 * a private GMainContext for the process to exit: the harness polls the
 * programs because none of them can tell us when they are ready.
 */
#define G_LOG_DOMAIN "bt-swarm"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-swarm.h"
#include "bt-test-util.h"

/* How often the harness looks again at a program it waits for. */
#define POLL_MS 100

/* How long a program may take to listen, and the tracker to accept a hash:
 * a second is normal; Transmission's RPC server retries a busy port after
 * a few seconds, hence the margin. */
#define START_TIMEOUT_S 30

/* How long Transmission may take to verify the data it is given to seed. */
#define VERIFY_TIMEOUT_S 120

/* How much of a program's log goes into an error message. */
#define LOG_TAIL_BYTES 3000

/* aria2 and Transmission re-announce this often (seconds), so a seeder
 * learns about a leecher that arrives after it without waiting for the
 * tracker's half-hour interval. */
#define REANNOUNCE_INTERVAL_S 1

/* Structures */

typedef enum
{
  CLIENT_ARIA2,
  CLIENT_TRANSMISSION,
} ClientKind;

/* What the child does between fork and exec. */
typedef struct
{
  pid_t    parent;
  gboolean drop_privileges;
  uid_t    uid;
  gid_t    gid;
} ChildSetup;

struct _BtTestTracker
{
  GSubprocess *process;
  GPid         pid;
  char        *dir;
  char        *log_path;
  char        *whitelist_path;
  GPtrArray   *hashes;
  guint16      port;
  char        *http_url;
  char        *udp_url;
};

struct _BtTestClient
{
  ClientKind   kind;
  gboolean     seed;
  GSubprocess *process;
  GPid         pid;
  char        *dir;
  char        *log_path;
  char        *address;
  guint16      port;
  guint16      rpc_port;
};

typedef struct
{
  gboolean      done;
  GCancellable *cancellable;
} WaitData;

/* Ports handed out by this process, so that two calls in a row never get
 * the same one back from the kernel before the first is in use. */
G_LOCK_DEFINE_STATIC (ports);
static GHashTable *handed_out_ports;

/* Auxiliary functions: processes */

static void
child_setup_cb (gpointer user_data)
{
  const ChildSetup *setup = user_data;

  /* Only async-signal-safe calls here: this runs between fork and exec. */
  if (setup->drop_privileges)
    {
      if (setgroups (0, NULL) != 0 || setgid (setup->gid) != 0 || setuid (setup->uid) != 0)
        _exit (127);
    }

  /* After any change of user, which would clear it: the kernel kills the
   * child when the test program dies, so a crash or a meson timeout leaves
   * no seeder behind. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != setup->parent)
    _exit (127);
}

static char *
log_tail (const char *log_path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (log_path == NULL || !g_file_get_contents (log_path, &contents, &length, NULL))
    return g_strdup ("(no log)");
  if (length <= LOG_TAIL_BYTES)
    return g_steal_pointer (&contents);
  return g_strdup_printf ("[...]\n%s", contents + length - LOG_TAIL_BYTES);
}

G_GNUC_PRINTF (4, 5)
static void
set_error_with_log (GError    **error,
                    int         code,
                    const char *log_path,
                    const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  g_autofree char *tail = log_tail (log_path);
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, code, "%s\n--- %s ---\n%s", message,
               log_path != NULL ? log_path : "log", tail);
}

static GSubprocess *
spawn_logged (const char * const *argv,
              const char         *dir,
              const char         *log_path,
              gboolean            drop_privileges,
              GPid               *out_pid,
              GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *home_config = g_build_filename (dir, "config", NULL);
  g_autofree char *home_cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *home_data = g_build_filename (dir, "data", NULL);
  ChildSetup setup = { .parent = getpid () };
  const char *identifier;

  if (drop_privileges)
    {
      /* Looked up here, not in the child, where getpwnam() is unsafe. */
      struct passwd *nobody = getpwnam ("nobody");

      if (nobody == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "there is no user “nobody” to run %s as", argv[0]);
          return NULL;
        }
      setup.drop_privileges = TRUE;
      setup.uid = nobody->pw_uid;
      setup.gid = nobody->pw_gid;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, dir);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  /* Nothing the programs write for themselves lands in the real home. */
  g_subprocess_launcher_setenv (launcher, "HOME", dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", home_config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", home_cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", home_data, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "TR_DEBUG_FD");
  g_subprocess_launcher_set_child_setup (launcher, child_setup_cb, &setup, NULL);

  {
    g_autofree char *cmd = g_strjoinv (" ", (char **) argv);
    g_test_message ("starting: %s (log: %s)", cmd, log_path);
  }

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return NULL;

  identifier = g_subprocess_get_identifier (process);
  g_assert_nonnull (identifier);
  *out_pid = (GPid) g_ascii_strtoll (identifier, NULL, 10);
  return g_steal_pointer (&process);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  WaitData *data = user_data;

  /* Success or cancellation: either way the wait is over. */
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  data->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  WaitData *data = user_data;

  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

/* Waits up to @timeout_ms for @process to exit; returns whether it has.
 * This is also the harness's pause between two looks at a program, so a
 * program that dies is noticed at once. */
static gboolean
wait_for_exit (GSubprocess *process,
               guint        timeout_ms)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timeout = NULL;
  WaitData data = { FALSE, cancellable };

  if (g_subprocess_get_identifier (process) == NULL)
    return TRUE;

  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (process, cancellable, wait_cb, &data);
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, timeout_cb, &data, NULL);
  g_source_attach (timeout, context);

  /* A timeout cancels the wait, whose callback still runs: leave only once
   * it has, since it points at @data on this stack. */
  while (!data.done)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  return g_subprocess_get_identifier (process) == NULL;
}

static void
stop_process (GSubprocess *process,
              const char  *what)
{
  if (process == NULL || wait_for_exit (process, 0))
    return;

  g_subprocess_send_signal (process, SIGTERM);
  if (wait_for_exit (process, BT_TEST_STOP_GRACE_MS))
    return;

  g_test_message ("%s did not stop within %u ms of SIGTERM: killing it", what,
                  BT_TEST_STOP_GRACE_MS);
  g_subprocess_force_exit (process);
  if (!wait_for_exit (process, BT_TEST_STOP_GRACE_MS))
    g_warning ("%s (pid %s) survived SIGKILL", what, g_subprocess_get_identifier (process));
}

/* Auxiliary functions: sockets */

static GSocketConnection *
try_connect (const char *address,
             guint16     port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) target = g_inet_socket_address_new (inet, port);

  g_socket_client_set_timeout (client, 5);
  return g_socket_client_connect (client, G_SOCKET_CONNECTABLE (target), NULL, NULL);
}

/* Waits until something accepts TCP connections on @address:@port, or
 * @process exits, or @timeout_s passes. */
static gboolean
wait_listening (GSubprocess *process,
                const char  *what,
                const char  *log_path,
                const char  *address,
                guint16      port,
                guint        timeout_s,
                GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GSocketConnection) connection = try_connect (address, port);

      if (connection != NULL)
        return TRUE;
      if (wait_for_exit (process, POLL_MS))
        {
          set_error_with_log (error, G_IO_ERROR_FAILED, log_path,
                              "%s exited before listening on %s:%u", what, address, port);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          set_error_with_log (error, G_IO_ERROR_TIMED_OUT, log_path,
                              "%s did not listen on %s:%u within %u s", what, address, port,
                              timeout_s);
          return FALSE;
        }
    }
}

/* Sends an HTTP/1.0 GET for @path to 127.0.0.1:@port and returns the body,
 * or %NULL when nothing answers there (yet). */
static char *
http_get (guint16     port,
          const char *path)
{
  g_autoptr(GSocketConnection) connection = try_connect ("127.0.0.1", port);
  g_autofree char *request = NULL;
  g_autoptr(GByteArray) response = g_byte_array_new ();
  GOutputStream *out;
  GInputStream *in;
  const char *body;

  if (connection == NULL)
    return NULL;

  request = g_strdup_printf ("GET %s HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n\r\n", path, port);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  if (!g_output_stream_write_all (out, request, strlen (request), NULL, NULL, NULL))
    return NULL;

  for (;;)
    {
      guint8 buffer[4096];
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (response, buffer, n);
    }
  g_byte_array_append (response, (const guint8 *) "", 1);

  body = strstr ((const char *) response->data, "\r\n\r\n");
  return g_strdup (body != NULL ? body + 4 : "");
}

/* Auxiliary functions: files */

static gboolean
is_info_hash_hex (const char *hex)
{
  if (hex == NULL || strlen (hex) != 40)
    return FALSE;
  for (const char *p = hex; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

static char *
json_string (const char *value)
{
  GString *out = g_string_new ("\"");

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* A fresh profile folder that other users may read: opentracker runs as
 * "nobody" and reads its whitelist there. */
static char *
make_profile_dir (const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("btorrent-%s-XXXXXX", prefix);
  char *path = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

/* Public API: ports and torrents */

guint16
bt_test_free_port (gboolean udp_and_tcp)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < 200; attempt++)
    {
      g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GSocket) tcp = NULL;
      g_autoptr(GSocket) udp = NULL;
      guint16 port;
      gboolean fresh;

      tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      g_assert_nonnull (tcp);
      if (!g_socket_bind (tcp, any_port, FALSE, NULL))
        continue;
      bound = g_socket_get_local_address (tcp, NULL);
      g_assert_nonnull (bound);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

      if (udp_and_tcp)
        {
          g_autoptr(GSocketAddress) same_port = g_inet_socket_address_new (loopback, port);

          udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                              G_SOCKET_PROTOCOL_UDP, NULL);
          g_assert_nonnull (udp);
          if (!g_socket_bind (udp, same_port, FALSE, NULL))
            continue;
        }

      G_LOCK (ports);
      if (handed_out_ports == NULL)
        handed_out_ports = g_hash_table_new (NULL, NULL);
      fresh = g_hash_table_add (handed_out_ports, GUINT_TO_POINTER (port));
      G_UNLOCK (ports);

      if (fresh)
        return port;
    }

  g_error ("found no free port on 127.0.0.1 in 200 attempts");
}

char *
bt_test_create_torrent (const char         *source,
                        const char * const *announce_urls,
                        guint32             piece_length,
                        const char         *torrent_path,
                        GError            **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GPtrArray) tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  BtMetainfoCreateOptions options = { 0 };

  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (torrent_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint i = 0; announce_urls != NULL && announce_urls[i] != NULL; i++)
    {
      char **tier = g_new0 (char *, 2);

      tier[0] = g_strdup (announce_urls[i]);
      g_ptr_array_add (tiers, tier);
    }
  g_ptr_array_add (tiers, NULL);

  options.trackers = tiers->len > 1 ? (char ***) tiers->pdata : NULL;
  options.piece_length = piece_length;

  file = g_file_new_for_path (source);
  bytes = bt_metainfo_create (file, &options, NULL, error);
  if (bytes == NULL)
    return NULL;
  meta = bt_metainfo_new_from_bytes (bytes, error);
  if (meta == NULL)
    return NULL;
  if (!g_file_set_contents (torrent_path, g_bytes_get_data (bytes, NULL),
                            g_bytes_get_size (bytes), error))
    return NULL;

  return g_strdup (bt_metainfo_get_info_hash_hex (meta));
}

/* Public API: comparing trees */

/* Adds the relative paths of the regular files under @root/@relative to
 * @paths; reports entries that are neither files nor folders. */
static void
collect_files (const char *root,
               const char *relative,
               GPtrArray  *paths)
{
  g_autofree char *dir_path = g_build_filename (root, relative, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;

  if (dir == NULL)
    {
      g_test_message ("cannot read folder %s: %s", dir_path, error->message);
      return;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_relative = relative[0] != '\0'
                                          ? g_build_filename (relative, name, NULL)
                                          : g_strdup (name);
      g_autofree char *child = g_build_filename (root, child_relative, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        collect_files (root, child_relative, paths);
      else if (S_ISREG (st.st_mode))
        g_ptr_array_add (paths, g_steal_pointer (&child_relative));
      else
        g_test_message ("not compared (not a regular file): %s", child);
    }
}

static goffset
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (goffset) st.st_size : -1;
}

/* Compares the bytes of two regular files; says where they first differ. */
static gboolean
file_contents_equal (const char *a,
                     const char *b)
{
  FILE *fa = fopen (a, "rb");
  FILE *fb = fopen (b, "rb");
  g_autofree guint8 *buffer_a = g_malloc (64 * 1024);
  g_autofree guint8 *buffer_b = g_malloc (64 * 1024);
  guint64 offset = 0;
  gboolean equal = TRUE;

  if (fa == NULL || fb == NULL)
    {
      g_test_message ("cannot open %s: %s", fa == NULL ? a : b, g_strerror (errno));
      equal = FALSE;
      goto out;
    }

  for (;;)
    {
      size_t na = fread (buffer_a, 1, 64 * 1024, fa);
      size_t nb = fread (buffer_b, 1, 64 * 1024, fb);
      size_t common = MIN (na, nb);

      if (memcmp (buffer_a, buffer_b, common) != 0)
        {
          size_t i = 0;

          while (buffer_a[i] == buffer_b[i])
            i++;
          g_test_message ("%s and %s differ at byte %" G_GUINT64_FORMAT, a, b, offset + i);
          equal = FALSE;
          break;
        }
      if (na != nb)
        {
          g_test_message ("%s and %s differ in length after byte %" G_GUINT64_FORMAT, a, b,
                          offset + common);
          equal = FALSE;
          break;
        }
      if (na == 0)
        break;
      offset += na;
    }

out:
  if (fa != NULL)
    fclose (fa);
  if (fb != NULL)
    fclose (fb);
  return equal;
}

gboolean
bt_test_files_equal_full (const char           *a,
                          const char           *b,
                          BtTestFilesEqualFlags flags)
{
  g_autoptr(GPtrArray) paths_a = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) paths_b = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) in_b = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean equal = TRUE;
  guint n_compared = 0;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (g_file_test (a, G_FILE_TEST_IS_REGULAR) || g_file_test (b, G_FILE_TEST_IS_REGULAR))
    {
      if (!g_file_test (a, G_FILE_TEST_IS_REGULAR) || !g_file_test (b, G_FILE_TEST_IS_REGULAR))
        {
          g_test_message ("%s and %s are not both regular files", a, b);
          return FALSE;
        }
      return file_contents_equal (a, b);
    }

  if (!g_file_test (a, G_FILE_TEST_IS_DIR) || !g_file_test (b, G_FILE_TEST_IS_DIR))
    {
      g_test_message ("%s and %s are not both folders", a, b);
      return FALSE;
    }

  collect_files (a, "", paths_a);
  collect_files (b, "", paths_b);
  for (guint i = 0; i < paths_b->len; i++)
    g_hash_table_add (in_b, paths_b->pdata[i]);

  for (guint i = 0; i < paths_a->len; i++)
    {
      const char *relative = paths_a->pdata[i];
      g_autofree char *path_a = g_build_filename (a, relative, NULL);
      g_autofree char *path_b = g_build_filename (b, relative, NULL);

      if (!g_hash_table_remove (in_b, relative))
        {
          if ((flags & BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY) && file_size (path_a) == 0)
            continue;
          g_test_message ("only in %s: %s", a, relative);
          equal = FALSE;
          continue;
        }
      if (file_size (path_a) != file_size (path_b))
        {
          g_test_message ("%s: %" G_GOFFSET_FORMAT " bytes in %s, %" G_GOFFSET_FORMAT " in %s",
                          relative, file_size (path_a), a, file_size (path_b), b);
          equal = FALSE;
          continue;
        }
      if (!file_contents_equal (path_a, path_b))
        equal = FALSE;
      n_compared++;
    }

  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, in_b);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        g_autofree char *path_b = g_build_filename (b, key, NULL);

        if ((flags & BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY) && file_size (path_b) == 0)
          continue;
        g_test_message ("only in %s: %s", b, (const char *) key);
        equal = FALSE;
      }
  }

  if (equal)
    g_test_message ("%s and %s hold the same %u files", a, b, n_compared);
  return equal;
}

gboolean
bt_test_files_equal (const char *a,
                     const char *b)
{
  return bt_test_files_equal_full (a, b, BT_TEST_FILES_EQUAL_DEFAULT);
}

/* Public API: opentracker */

/* Asks the tracker about @hex with a throw-away peer. Returns 1 when it
 * tracks the hash, 0 when it refuses it, -1 when it does not answer. */
static int
tracker_probe (BtTestTracker *self,
               const char    *hex)
{
  g_autoptr(GString) escaped = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autofree char *stop_path = NULL;
  g_autofree char *stopped = NULL;
  const char *query = "peer_id=-BT0000-harnessprobe&port=9&uploaded=0&downloaded=0"
                      "&left=0&numwant=0&compact=1";

  for (guint i = 0; i < 40; i += 2)
    g_string_append_printf (escaped, "%%%c%c", hex[i], hex[i + 1]);

  path = g_strdup_printf ("/announce?info_hash=%s&%s", escaped->str, query);
  body = http_get (self->port, path);
  if (body == NULL)
    return -1;
  if (strstr (body, "failure reason") != NULL)
    return 0;

  /* Take the probe out of the swarm again so no client tries to dial it. */
  stop_path = g_strdup_printf ("%s&event=stopped", path);
  stopped = http_get (self->port, stop_path);
  return 1;
}

static gboolean
tracker_wait_accepts (BtTestTracker *self,
                      const char    *hex,
                      GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  int state = -1;

  for (;;)
    {
      if (hex != NULL)
        state = tracker_probe (self, hex);
      else
        {
          g_autofree char *body = http_get (self->port, "/stats");

          state = body != NULL ? 1 : -1;
        }
      if (state == 1)
        return TRUE;

      if (wait_for_exit (self->process, POLL_MS))
        {
          set_error_with_log (error, G_IO_ERROR_FAILED, self->log_path,
                              "opentracker on port %u exited", self->port);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          set_error_with_log (error, G_IO_ERROR_TIMED_OUT, self->log_path,
                              state == 0 ? "opentracker on port %u still refuses %s after %u s"
                                         : "opentracker on port %u did not answer about %s in %u s",
                              self->port, hex != NULL ? hex : "/stats", START_TIMEOUT_S);
          return FALSE;
        }
    }
}

static gboolean
tracker_write_whitelist (BtTestTracker *self,
                         GError       **error)
{
  g_autoptr(GString) contents = g_string_new (NULL);

  for (guint i = 0; i < self->hashes->len; i++)
    g_string_append_printf (contents, "%s\n", (const char *) self->hashes->pdata[i]);

  if (!g_file_set_contents (self->whitelist_path, contents->str, contents->len, error))
    return FALSE;
  /* opentracker reads it as "nobody", whatever our umask. */
  if (g_chmod (self->whitelist_path, 0644) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot chmod %s: %s",
                   self->whitelist_path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

BtTestTracker *
bt_test_tracker_start (const char * const *info_hashes_hex,
                       GError            **error)
{
  g_autofree char *tool = NULL;
  g_autoptr(BtTestTracker) self = NULL;
  g_autofree char *port_text = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  for (guint i = 0; info_hashes_hex != NULL && info_hashes_hex[i] != NULL; i++)
    g_return_val_if_fail (is_info_hash_hex (info_hashes_hex[i]), NULL);

  tool = bt_test_require_tool ("opentracker");
  if (tool == NULL)
    return NULL;

  self = g_new0 (BtTestTracker, 1);
  self->dir = make_profile_dir ("opentracker");
  self->log_path = g_build_filename (self->dir, "opentracker.log", NULL);
  self->whitelist_path = g_build_filename (self->dir, "whitelist", NULL);
  self->hashes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; info_hashes_hex != NULL && info_hashes_hex[i] != NULL; i++)
    g_ptr_array_add (self->hashes, g_ascii_strdown (info_hashes_hex[i], -1));
  if (!tracker_write_whitelist (self, error))
    return NULL;

  self->port = bt_test_free_port (TRUE);
  self->http_url = g_strdup_printf ("http://127.0.0.1:%u/announce", self->port);
  self->udp_url = g_strdup_printf ("udp://127.0.0.1:%u/announce", self->port);
  port_text = g_strdup_printf ("%u", self->port);

  {
    /* -i comes first: it applies to the -p and -P after it. -w is relative
     * to -d, the folder a root opentracker chroots into; we start it as
     * "nobody" ourselves (see child_setup_cb()), so it only changes into
     * it. */
    const char *argv[] = {
      tool, "-i", "127.0.0.1", "-p", port_text, "-P", port_text,
      "-d", self->dir, "-w", "whitelist", NULL
    };

    self->process = spawn_logged (argv, self->dir, self->log_path, geteuid () == 0, &self->pid,
                                  error);
    if (self->process == NULL)
      return NULL;
  }

  if (self->hashes->len == 0 && !tracker_wait_accepts (self, NULL, error))
    return NULL;
  for (guint i = 0; i < self->hashes->len; i++)
    if (!tracker_wait_accepts (self, self->hashes->pdata[i], error))
      return NULL;

  return g_steal_pointer (&self);
}

gboolean
bt_test_tracker_allow (BtTestTracker *self,
                       const char    *info_hash_hex,
                       GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (is_info_hash_hex (info_hash_hex), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_ptr_array_add (self->hashes, g_ascii_strdown (info_hash_hex, -1));
  if (!tracker_write_whitelist (self, error))
    return FALSE;
  g_subprocess_send_signal (self->process, SIGHUP);
  return tracker_wait_accepts (self, info_hash_hex, error);
}

const char *
bt_test_tracker_get_http_url (BtTestTracker *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->http_url;
}

const char *
bt_test_tracker_get_udp_url (BtTestTracker *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->udp_url;
}

guint16
bt_test_tracker_get_port (BtTestTracker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

GPid
bt_test_tracker_get_pid (BtTestTracker *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->pid;
}

void
bt_test_tracker_stop (BtTestTracker *self)
{
  if (self == NULL)
    return;

  stop_process (self->process, "opentracker");
  g_clear_object (&self->process);
  bt_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->log_path);
  g_free (self->whitelist_path);
  g_clear_pointer (&self->hashes, g_ptr_array_unref);
  g_free (self->http_url);
  g_free (self->udp_url);
  g_free (self);
}

/* Public API: clients */

static BtTestClient *
client_new (ClientKind  kind,
            gboolean    seed,
            const char *address)
{
  BtTestClient *self = g_new0 (BtTestClient, 1);

  self->kind = kind;
  self->seed = seed;
  self->dir = make_profile_dir (kind == CLIENT_ARIA2 ? "aria2" : "transmission");
  self->log_path = g_build_filename (self->dir, "output.log", NULL);
  self->address = g_strdup (address != NULL ? address : "127.0.0.1");
  return self;
}

BtTestClient *
bt_test_aria2_start (const char               *torrent,
                     const char               *dir,
                     const BtTestAria2Options *options,
                     GError                  **error)
{
  g_autofree char *tool = NULL;
  g_autoptr(BtTestClient) self = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *torrent_abs = NULL;
  g_autofree char *dir_abs = NULL;
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (torrent != NULL, NULL);
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  address = g_inet_address_new_from_string (options->address != NULL ? options->address
                                                                      : "127.0.0.1");
  g_return_val_if_fail (address != NULL && g_inet_address_get_is_loopback (address), NULL);

  tool = bt_test_require_tool ("aria2c");
  if (tool == NULL)
    return NULL;

  self = client_new (CLIENT_ARIA2, options->seed, options->address);
  self->port = bt_test_free_port (FALSE);
  torrent_abs = g_canonicalize_filename (torrent, NULL);
  dir_abs = g_canonicalize_filename (dir, NULL);

#define ADD(...) g_ptr_array_add (argv, g_strdup_printf (__VA_ARGS__))
  ADD ("%s", tool);
  ADD ("--no-conf");
  ADD ("--dir=%s", dir_abs);
  ADD ("--interface=%s", self->address);
  ADD ("--listen-port=%u", self->port);
  ADD ("--disable-ipv6=true");
  ADD ("--enable-dht6=false");
  ADD ("--bt-enable-lpd=false");
  ADD ("--enable-peer-exchange=false");
  ADD ("--bt-tracker-interval=%u", REANNOUNCE_INTERVAL_S);
  ADD ("--file-allocation=none");
  ADD ("--check-integrity=false");
  ADD ("--summary-interval=0");
  ADD ("--console-log-level=warn");
  /* The log on stdout, merged into output.log: connections and choking
   * show at "info", which is what a failing interop test needs. */
  ADD ("--log=-");
  ADD ("--log-level=info");
  if (options->udp_tracker)
    {
      /* aria2 sends UDP tracker packets from its DHT socket; without a
       * bootstrap node the DHT talks to nobody. */
      g_autofree char *dht_file = g_build_filename (self->dir, "dht.dat", NULL);

      ADD ("--enable-dht=true");
      ADD ("--dht-listen-port=%u", bt_test_free_port (TRUE));
      ADD ("--dht-file-path=%s", dht_file);
    }
  else
    ADD ("--enable-dht=false");
  if (options->seed)
    {
      /* Seed forever, trusting the data as it is. */
      ADD ("--seed-ratio=0.0");
      ADD ("--bt-seed-unverified=true");
    }
  else
    {
      /* Exit as soon as the download is complete. */
      ADD ("--seed-time=0");
    }
  for (guint i = 0; options->extra_args != NULL && options->extra_args[i] != NULL; i++)
    ADD ("%s", options->extra_args[i]);
  ADD ("%s", torrent_abs);
  g_ptr_array_add (argv, NULL);
#undef ADD

  self->process = spawn_logged ((const char * const *) argv->pdata, self->dir, self->log_path,
                                FALSE, &self->pid, error);
  if (self->process == NULL)
    return NULL;

  if (!wait_listening (self->process, "aria2c", self->log_path, self->address, self->port,
                       START_TIMEOUT_S, error))
    return NULL;

  return g_steal_pointer (&self);
}

BtTestClient *
bt_test_aria2_seed (const char *torrent,
                    const char *data_dir,
                    gboolean    udp_tracker,
                    GError    **error)
{
  BtTestAria2Options options = { .seed = TRUE, .udp_tracker = udp_tracker };

  return bt_test_aria2_start (torrent, data_dir, &options, error);
}

BtTestClient *
bt_test_aria2_leech (const char *torrent,
                     const char *download_dir,
                     gboolean    udp_tracker,
                     GError    **error)
{
  BtTestAria2Options options = { .seed = FALSE, .udp_tracker = udp_tracker };

  return bt_test_aria2_start (torrent, download_dir, &options, error);
}

/* Runs transmission-remote against @self with @args; returns its output, or
 * %NULL with @error set when it fails. */
static char *
transmission_remote (BtTestClient *self,
                     const char   *first_arg,
                     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) local_error = NULL;
  int status = 0;
  va_list args;

  g_ptr_array_add (argv, g_strdup ("transmission-remote"));
  g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", self->rpc_port));
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     &err, &status, &local_error)
      || !g_spawn_check_wait_status (status, &local_error))
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **) argv->pdata);

      g_test_message ("%s: %s\n%s%s", cmd, local_error->message, out != NULL ? out : "",
                      err != NULL ? err : "");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* The value of the "  Key: value" line of transmission-remote -i, or NULL. */
static char *
info_field (const char *info,
            const char *key)
{
  g_auto(GStrv) lines = g_strsplit (info, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strchug (lines[i]);

      if (g_str_has_prefix (line, key) && line[strlen (key)] == ':')
        return g_strstrip (g_strdup (line + strlen (key) + 1));
    }
  return NULL;
}

typedef enum
{
  TR_WORKING,
  TR_COMPLETE,
  TR_STOPPED,
} TrState;

/* Reads the one torrent's state. Each daemon here holds exactly one
 * torrent, so its id is 1. */
static TrState
transmission_state (BtTestClient *self,
                    char        **out_info)
{
  g_autofree char *info = transmission_remote (self, "-t", "1", "-i", NULL);
  g_autofree char *state = NULL;
  g_autofree char *done = NULL;
  TrState result = TR_WORKING;

  if (info == NULL)
    return TR_WORKING;

  state = info_field (info, "State");
  done = info_field (info, "Percent Done");
  if (g_strcmp0 (state, "Stopped") == 0)
    result = TR_STOPPED;
  else if (g_strcmp0 (done, "100%") == 0
           && (g_strcmp0 (state, "Seeding") == 0 || g_strcmp0 (state, "Idle") == 0
               || g_strcmp0 (state, "Finished") == 0))
    result = TR_COMPLETE;

  if (out_info != NULL)
    *out_info = g_steal_pointer (&info);
  return result;
}

static gboolean
transmission_wait_complete (BtTestClient *self,
                            guint         timeout_s,
                            GError      **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *info = NULL;
      TrState state = transmission_state (self, &info);

      if (state == TR_COMPLETE)
        return TRUE;
      if (state == TR_STOPPED)
        {
          set_error_with_log (error, G_IO_ERROR_FAILED, self->log_path,
                              "transmission-daemon stopped the torrent:\n%s", info);
          return FALSE;
        }
      if (wait_for_exit (self->process, POLL_MS))
        {
          set_error_with_log (error, G_IO_ERROR_FAILED, self->log_path,
                              "transmission-daemon exited");
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          set_error_with_log (error, G_IO_ERROR_TIMED_OUT, self->log_path,
                              "transmission-daemon did not %s within %u s:\n%s",
                              self->seed ? "verify the data to seed" : "complete the download",
                              timeout_s, info != NULL ? info : "(no answer)");
          return FALSE;
        }
    }
}

static gboolean
transmission_write_settings (BtTestClient *self,
                             const char   *data_dir,
                             GError      **error)
{
  g_autofree char *path = g_build_filename (self->dir, "settings.json", NULL);
  g_autofree char *dir_json = json_string (data_dir);
  g_autofree char *contents = NULL;

  /* Loopback only, nothing that finds peers but the tracker, no limits,
   * and no renaming of partial files, so the data folder holds final names
   * from the start. */
  contents = g_strdup_printf (
    "{\n"
    "  \"peer-port\": %u,\n"
    "  \"peer-port-random-on-start\": false,\n"
    "  \"bind-address-ipv4\": \"127.0.0.1\",\n"
    "  \"bind-address-ipv6\": \"::1\",\n"
    "  \"rpc-enabled\": true,\n"
    "  \"rpc-port\": %u,\n"
    "  \"rpc-bind-address\": \"127.0.0.1\",\n"
    "  \"rpc-whitelist\": \"127.0.0.1\",\n"
    "  \"rpc-whitelist-enabled\": true,\n"
    "  \"rpc-host-whitelist-enabled\": false,\n"
    "  \"rpc-authentication-required\": false,\n"
    "  \"dht-enabled\": false,\n"
    "  \"lpd-enabled\": false,\n"
    "  \"pex-enabled\": false,\n"
    "  \"utp-enabled\": false,\n"
    "  \"port-forwarding-enabled\": false,\n"
    "  \"blocklist-enabled\": false,\n"
    "  \"download-dir\": %s,\n"
    "  \"incomplete-dir-enabled\": false,\n"
    "  \"watch-dir-enabled\": false,\n"
    "  \"rename-partial-files\": false,\n"
    "  \"start-added-torrents\": true,\n"
    "  \"speed-limit-down-enabled\": false,\n"
    "  \"speed-limit-up-enabled\": false,\n"
    "  \"alt-speed-enabled\": false,\n"
    "  \"ratio-limit-enabled\": false,\n"
    "  \"idle-seeding-limit-enabled\": false,\n"
    "  \"download-queue-enabled\": false,\n"
    "  \"seed-queue-enabled\": false,\n"
    "  \"queue-stalled-enabled\": false,\n"
    "  \"peer-limit-global\": 1000,\n"
    "  \"peer-limit-per-torrent\": 200,\n"
    "  \"message-level\": 2\n"
    "}\n",
    self->port, self->rpc_port, dir_json);

  return g_file_set_contents (path, contents, -1, error);
}

static BtTestClient *
transmission_start (const char *torrent,
                    const char *data_dir,
                    gboolean    seed,
                    GError    **error)
{
  g_autofree char *daemon = NULL;
  g_autofree char *remote = NULL;
  g_autoptr(BtTestClient) self = NULL;
  g_autofree char *torrent_abs = NULL;
  g_autofree char *dir_abs = NULL;
  g_autofree char *added = NULL;

  g_return_val_if_fail (torrent != NULL, NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  daemon = bt_test_require_tool ("transmission-daemon");
  if (daemon == NULL)
    return NULL;
  remote = bt_test_require_tool ("transmission-remote");
  if (remote == NULL)
    return NULL;

  self = client_new (CLIENT_TRANSMISSION, seed, NULL);
  self->port = bt_test_free_port (FALSE);
  self->rpc_port = bt_test_free_port (FALSE);
  torrent_abs = g_canonicalize_filename (torrent, NULL);
  dir_abs = g_canonicalize_filename (data_dir, NULL);

  if (!transmission_write_settings (self, dir_abs, error))
    return NULL;

  {
    const char *argv[] = { daemon, "--foreground", "--config-dir", self->dir, NULL };

    self->process = spawn_logged (argv, self->dir, self->log_path, FALSE, &self->pid, error);
    if (self->process == NULL)
      return NULL;
  }

  if (!wait_listening (self->process, "transmission-daemon (RPC)", self->log_path, "127.0.0.1",
                       self->rpc_port, START_TIMEOUT_S, error))
    return NULL;

  added = transmission_remote (self, "--add", torrent_abs, "--download-dir", dir_abs, NULL);
  if (added == NULL || strstr (added, "success") == NULL)
    {
      set_error_with_log (error, G_IO_ERROR_FAILED, self->log_path,
                          "transmission-remote could not add %s: %s", torrent_abs,
                          added != NULL ? added : "(see the test log)");
      return NULL;
    }

  if (seed && !transmission_wait_complete (self, VERIFY_TIMEOUT_S, error))
    return NULL;

  return g_steal_pointer (&self);
}

BtTestClient *
bt_test_transmission_seed (const char *torrent,
                           const char *data_dir,
                           GError    **error)
{
  return transmission_start (torrent, data_dir, TRUE, error);
}

BtTestClient *
bt_test_transmission_leech (const char *torrent,
                            const char *download_dir,
                            GError    **error)
{
  return transmission_start (torrent, download_dir, FALSE, error);
}

gboolean
bt_test_client_wait_complete (BtTestClient *self,
                              guint         timeout_s,
                              GError      **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->kind == CLIENT_TRANSMISSION)
    return transmission_wait_complete (self, timeout_s, error);

  if (self->seed)
    {
      if (!wait_for_exit (self->process, 0))
        return TRUE;
      set_error_with_log (error, G_IO_ERROR_FAILED, self->log_path,
                          "the aria2c seeder has exited");
      return FALSE;
    }

  if (!wait_for_exit (self->process, timeout_s * 1000))
    {
      set_error_with_log (error, G_IO_ERROR_TIMED_OUT, self->log_path,
                          "aria2c did not complete the download within %u s", timeout_s);
      return FALSE;
    }
  if (!g_subprocess_get_if_exited (self->process)
      || g_subprocess_get_exit_status (self->process) != 0)
    {
      set_error_with_log (error, G_IO_ERROR_FAILED, self->log_path,
                          "aria2c failed (status %d)", g_subprocess_get_status (self->process));
      return FALSE;
    }
  return TRUE;
}

guint16
bt_test_client_get_port (BtTestClient *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->port;
}

const char *
bt_test_client_get_address (BtTestClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->address;
}

GPid
bt_test_client_get_pid (BtTestClient *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->pid;
}

char *
bt_test_client_get_log (BtTestClient *self)
{
  char *contents = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  if (!g_file_get_contents (self->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

void
bt_test_client_stop (BtTestClient *self)
{
  if (self == NULL)
    return;

  stop_process (self->process,
                self->kind == CLIENT_ARIA2 ? "aria2c" : "transmission-daemon");
  g_clear_object (&self->process);
  bt_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->log_path);
  g_free (self->address);
  g_free (self);
}
