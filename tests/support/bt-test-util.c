/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "bt-test-util.h"

void
bt_test_skip_or_fail (const char *reason)
{
  if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
    {
      g_test_message ("CI=true: a skip is a failure: %s", reason);
      g_test_fail ();
    }
  else
    g_test_skip (reason);
}

char *
bt_test_require_tool (const char *tool)
{
  char *path = g_find_program_in_path (tool);

  if (path == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("%s is not installed "
                                                 "(build-aux/dev test installs it)", tool);
      bt_test_skip_or_fail (reason);
    }
  return path;
}

char *
bt_test_make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("btorrent-test-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

void
bt_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR)
              && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            bt_test_remove_tree (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

void
bt_test_write_random_file (const char *path,
                           gsize       length,
                           guint32     seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc (MAX (length, 1));
  g_autofree char *parent = g_path_get_dirname (path);
  guint32 x = seed * 2654435761u + 1;

  /* xorshift: cheap, reproducible, and incompressible enough for hashing. */
  for (gsize i = 0; i < length; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = x >> 24;
    }

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, (const char *) data, length, &error);
  g_assert_no_error (error);
}

int
bt_test_spawn_sync (const char * const *argv,
                    char              **out_stdout,
                    char              **out_stderr)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                out_stdout, out_stderr, &status, &error);
  g_assert_no_error (error);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

char *
bt_test_run_tool (const char * const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = bt_test_spawn_sync (argv, &out, &err);

  if (status != 0)
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **) argv);

      g_error ("'%s' exited with %d:\n%s%s", cmd, status, out, err);
    }
  return g_steal_pointer (&out);
}

char *
bt_test_source_path (const char *first_element,
                     ...)
{
  const char *srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_assert_nonnull (srcdir);
  g_ptr_array_add (parts, (gpointer) srcdir);
  g_ptr_array_add (parts, (gpointer) first_element);
  va_start (args, first_element);
  for (const char *p = va_arg (args, const char *); p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static void
child_setup_cb (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  /* Only async-signal-safe calls here, between fork and exec. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (127);
}

void
bt_test_launcher_tie_to_parent (GSubprocessLauncher *launcher)
{
  g_subprocess_launcher_set_child_setup (launcher, child_setup_cb,
                                         GINT_TO_POINTER (getpid ()), NULL);
}

typedef struct
{
  gboolean      done;
  GCancellable *cancellable;
} WaitData;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  WaitData *data = user_data;

  /* Exited or cancelled by the timeout: either way the wait is over. */
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  data->done = TRUE;
}

static gboolean
wait_timeout_cb (gpointer user_data)
{
  WaitData *data = user_data;

  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

gboolean
bt_test_wait_for_exit (GSubprocess *process,
                       guint        timeout_ms)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GSource) timeout = NULL;
  WaitData data = { FALSE, NULL };

  /* GSubprocess notices an exit on GLib's worker thread, so this is up to
   * date without a loop. */
  if (g_subprocess_get_identifier (process) == NULL)
    return TRUE;
  if (timeout_ms == 0)
    return FALSE;

  context = g_main_context_new ();
  cancellable = g_cancellable_new ();
  timeout = g_timeout_source_new (timeout_ms);
  data.cancellable = cancellable;
  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (process, cancellable, wait_cb, &data);
  g_source_set_callback (timeout, wait_timeout_cb, &data, NULL);
  g_source_attach (timeout, context);
  /* The callback runs even when cancelled, and @data is on this stack. */
  while (!data.done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  return g_subprocess_get_identifier (process) == NULL;
}

gboolean
bt_test_stop_process (GSubprocess *process,
                      const char  *name,
                      guint        grace_ms)
{
  if (process == NULL || bt_test_wait_for_exit (process, 0))
    return TRUE;
  g_subprocess_send_signal (process, SIGTERM);
  if (bt_test_wait_for_exit (process, grace_ms))
    return TRUE;
  g_test_message ("%s did not stop within %u ms of SIGTERM: killing it", name, grace_ms);
  g_subprocess_force_exit (process);
  if (!bt_test_wait_for_exit (process, grace_ms))
    g_error ("%s (pid %s) survived SIGKILL", name, g_subprocess_get_identifier (process));
  return FALSE;
}

GSocket *
bt_test_bind_refusing_port (guint16 *out_port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}
