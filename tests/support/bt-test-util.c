/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <errno.h>
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
