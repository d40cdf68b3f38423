/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * btorrent-cli verify as a user runs it: the report per file, exit codes
 * (0 all good, 1 incomplete or an error, 2 usage), one-line errors, and a
 * progress line only on a terminal.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bt-test-util.h"

typedef struct
{
  char *tmpdir;
  char *content;
  char *torrent;
} Fixture;

static const char *
cli (void)
{
  const char *path = g_getenv ("BTORRENT_CLI");

  g_assert_nonnull (path);
  return path;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *out = NULL;

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->content = g_build_filename (fixture->tmpdir, "Data", NULL);
  fixture->torrent = g_build_filename (fixture->tmpdir, "data.torrent", NULL);
  a = g_build_filename (fixture->content, "a.bin", NULL);
  b = g_build_filename (fixture->content, "nested", "b.bin", NULL);
  empty = g_build_filename (fixture->content, "nested", "empty", NULL);
  bt_test_write_random_file (a, 200000, 21);
  bt_test_write_random_file (b, 40000, 22);
  bt_test_write_random_file (empty, 0, 23);

  {
    const char *argv[] = { cli (), "create", fixture->content, "-o", fixture->torrent,
                           "--piece-size", "16K", NULL };

    out = bt_test_run_tool (argv);
  }
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->content);
  g_free (fixture->torrent);
}

static void
assert_one_line_error (const char *err)
{
  g_assert_true (g_str_has_prefix (err, "btorrent-cli: "));
  g_assert_nonnull (strchr (err, '\n'));
  g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
}

static int
verify (Fixture     *fixture,
        const char  *dir,
        char       **out,
        char       **err)
{
  const char *argv[] = { cli (), "verify", fixture->torrent, "-d", dir, NULL };

  return bt_test_spawn_sync (argv, out, err);
}

static void
test_complete (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* 240000 bytes in 16 KiB pieces: 15, one shared by both files. */
  g_assert_cmpint (verify (fixture, fixture->tmpdir, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "Data/a.bin: 13 good, 0 bad, 0 missing pieces\n"));
  g_assert_nonnull (strstr (out, "Data/nested/b.bin: 3 good, 0 bad, 0 missing pieces\n"));
  g_assert_nonnull (strstr (out, "Data/nested/empty: empty file, present\n"));
  g_assert_nonnull (strstr (out, "Total: 15 good, 0 bad, 0 missing of 15 pieces\n"));
  g_assert_nonnull (strstr (out, "All pieces are good"));
  /* Not a terminal: no progress line. */
  g_assert_cmpstr (err, ==, "");
}

static void
test_damaged (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *a = g_build_filename (fixture->content, "a.bin", NULL);
  g_autofree char *b = g_build_filename (fixture->content, "nested", "b.bin", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  guint8 byte = 0;
  int fd;

  /* A wrong byte in piece 2, and b.bin gone. */
  fd = open (a, O_RDWR);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, &byte, 1, 40000), ==, 1);
  byte ^= 1;
  g_assert_cmpint (pwrite (fd, &byte, 1, 40000), ==, 1);
  close (fd);
  g_assert_cmpint (g_unlink (b), ==, 0);

  g_assert_cmpint (verify (fixture, fixture->tmpdir, &out, &err), ==, 1);
  /* The piece shared with b.bin is missing for a.bin too. */
  g_assert_nonnull (strstr (out, "Data/a.bin: 11 good, 1 bad, 1 missing pieces\n"));
  g_assert_nonnull (strstr (out, "Data/nested/b.bin: 0 good, 0 bad, 3 missing pieces"
                                 " (file not found)\n"));
  g_assert_nonnull (strstr (out, "Total: 11 good, 1 bad, 3 missing of 15 pieces\n"));
  g_assert_nonnull (strstr (out, "Incomplete: 1 piece has wrong data and 3 are missing."));
}

static void
test_empty_dir (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *empty = g_build_filename (fixture->tmpdir, "empty", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GDir) dir = NULL;

  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  g_assert_cmpint (verify (fixture, empty, &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, "Data/nested/empty: empty file, not created yet\n"));
  g_assert_nonnull (strstr (out, "Incomplete: 15 pieces are missing."));

  dir = g_dir_open (empty, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *garbage = g_build_filename (fixture->tmpdir, "garbage.torrent", NULL);
  g_autofree char *nowhere = g_build_filename (fixture->tmpdir, "nowhere", NULL);

  g_assert_true (g_file_set_contents (garbage, "d4:spam", -1, NULL));

  /* A bad torrent: exit 1, one line naming the file. */
  {
    const char *argv[] = { cli (), "verify", garbage, "-d", fixture->tmpdir, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (bt_test_spawn_sync (argv, &out, &err), ==, 1);
    assert_one_line_error (err);
    g_assert_nonnull (strstr (err, "garbage.torrent"));
    g_assert_cmpstr (out, ==, "");
  }

  /* A folder that does not exist. */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (verify (fixture, nowhere, &out, &err), ==, 1);
    assert_one_line_error (err);
    g_assert_nonnull (strstr (err, "does not exist"));
    g_assert_false (g_file_test (nowhere, G_FILE_TEST_EXISTS));
  }

  /* Usage errors: exit 2. */
  {
    const char *none[] = { cli (), "verify", NULL };
    const char *two[] = { cli (), "verify", fixture->torrent, fixture->torrent, NULL };
    const char *unknown[] = { cli (), "verify", "--frobnicate", fixture->torrent, NULL };
    const char * const *cases[] = { none, two, unknown };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;

        g_assert_cmpint (bt_test_spawn_sync (cases[i], &out, &err), ==, 2);
        assert_one_line_error (err);
      }
  }
}

static void
test_progress_on_tty (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *python = bt_test_require_tool ("python3");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = {
    "python3", "-c",
    "import os, pty, sys; status = pty.spawn(sys.argv[1:]); "
    "sys.exit(os.waitstatus_to_exitcode(status))",
    cli (), "verify", fixture->torrent, "-d", fixture->tmpdir, NULL
  };

  if (python == NULL)
    return;

  /* On a terminal: a progress line, erased before the report. */
  g_assert_cmpint (bt_test_spawn_sync (argv, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "\rChecking: "));
  g_assert_nonnull (strstr (out, "100%"));
  g_assert_nonnull (strstr (out, "All pieces are good"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/cli/verify/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("complete", test_complete);
  ADD ("damaged", test_damaged);
  ADD ("empty-dir", test_empty_dir);
  ADD ("errors", test_errors);
  ADD ("progress-on-tty", test_progress_on_tty);
#undef ADD

  return g_test_run ();
}
