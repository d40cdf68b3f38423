/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * btorrent-cli as a user runs it: exit codes, one-line errors, and output
 * that agrees with transmission-show and aria2c.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bt-test-util.h"

typedef struct
{
  char *tmpdir;
  char *content;
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
  g_autofree char *hidden = NULL;

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->content = g_build_filename (fixture->tmpdir, "Shared Folder", NULL);
  a = g_build_filename (fixture->content, "a.bin", NULL);
  b = g_build_filename (fixture->content, "nested", "deeper", "b.bin", NULL);
  hidden = g_build_filename (fixture->content, ".hidden", NULL);
  bt_test_write_random_file (a, 200000, 11);
  bt_test_write_random_file (b, 65536, 12);
  bt_test_write_random_file (hidden, 10, 13);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->content);
}

static char *
line_value (const char *text,
            const char *prefix)
{
  const char *p = strstr (text, prefix);
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen (prefix);
  p += strspn (p, " ");
  end = strchr (p, '\n');
  return g_strndup (p, end != NULL ? (gsize) (end - p) : strlen (p));
}

static void
assert_one_line_error (const char *err)
{
  g_assert_true (g_str_has_prefix (err, "btorrent-cli: "));
  g_assert_nonnull (strchr (err, '\n'));
  g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
}

static void
test_create_then_info (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *show_tool = bt_test_require_tool ("transmission-show");
  g_autofree char *aria2c = bt_test_require_tool ("aria2c");
  g_autofree char *python = bt_test_require_tool ("python3");
  g_autofree char *torrent = g_build_filename (fixture->tmpdir, "out.torrent", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *info = NULL;
  g_autofree char *show = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  const char *create_argv[] = { cli (), "create", fixture->content, "-o", torrent,
                                "-t", "http://127.0.0.1:6969/announce",
                                "-t", "udp://127.0.0.1:6969/announce,http://127.0.0.1:7000/a",
                                "--private", "--piece-size", "32K", "--comment", "hello",
                                "--source", "SRC", "-w", "http://127.0.0.1:8000/", NULL };
  const char *info_argv[] = { cli (), "info", torrent, NULL };
  const char *show_argv[] = { "transmission-show", torrent, NULL };
  const char *aria_argv[] = { "aria2c", "--show-files", torrent, NULL };

  if (show_tool == NULL || aria2c == NULL || python == NULL)
    return;

  g_assert_cmpint (bt_test_spawn_sync (create_argv, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "out.torrent"));
  g_assert_true (g_file_test (torrent, G_FILE_TEST_IS_REGULAR));

  info = bt_test_run_tool (info_argv);
  show = bt_test_run_tool (show_argv);
  ours = line_value (info, "Info-hash:");
  theirs = line_value (show, "Hash:");
  g_assert_nonnull (ours);
  g_assert_cmpuint (strlen (ours), ==, 40);
  g_assert_cmpstr (ours, ==, theirs);
  g_assert_nonnull (strstr (info, "Private:      yes"));
  g_assert_nonnull (strstr (info, "Pieces:       9 of 32.0"));
  g_assert_nonnull (strstr (info, "Shared Folder/nested/deeper/b.bin"));
  g_assert_null (strstr (info, ".hidden"));
  g_assert_nonnull (strstr (show, "Piece Count: 9"));
  g_assert_nonnull (strstr (show, "Private torrent"));

  {
    g_autofree char *aria_out = bt_test_run_tool (aria_argv);

    g_assert_nonnull (strstr (aria_out, "Shared Folder/a.bin"));
    g_assert_nonnull (strstr (aria_out, "Shared Folder/nested/deeper/b.bin"));
  }

  /* --json is JSON a standard parser reads, with the same facts. */
  {
    const char *json_argv[] = { cli (), "info", "--json", torrent, NULL };
    g_autofree char *json = bt_test_run_tool (json_argv);
    g_autofree char *json_path = g_build_filename (fixture->tmpdir, "info.json", NULL);
    g_autofree char *py_out = NULL;
    const char *py_argv[] = {
      "python3", "-c",
      "import json,sys; d=json.load(open(sys.argv[1])); "
      "print(d['info_hash'], d['piece_count'], d['private'], len(d['files']), "
      "d['trackers'][1][1], d['web_seeds'][0], d['comment'], d['source'], d['total_size'])",
      json_path, NULL };

    g_assert_true (g_file_set_contents (json_path, json, -1, NULL));
    py_out = bt_test_run_tool (py_argv);
    g_strstrip (py_out);
    {
      g_autofree char *expected = g_strdup_printf ("%s 9 True 2 http://127.0.0.1:7000/a "
                                                   "http://127.0.0.1:8000/ hello SRC 265536",
                                                   ours);
      g_assert_cmpstr (py_out, ==, expected);
    }
  }
}

static void
test_info_single_file (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *torrent = g_build_filename (fixture->tmpdir, "single.torrent", NULL);
  g_autofree char *file = g_build_filename (fixture->content, "a.bin", NULL);
  const char *create_argv[] = { cli (), "create", file, "-o", torrent, NULL };
  const char *info_argv[] = { cli (), "info", torrent, NULL };
  g_autofree char *out = bt_test_run_tool (create_argv);
  g_autofree char *info = bt_test_run_tool (info_argv);

  g_assert_nonnull (strstr (info, "Name:         a.bin\n"));
  g_assert_nonnull (strstr (info, "Files (1):\n  a.bin (200.0"));
  g_assert_nonnull (strstr (info, "Trackers:\n  (none)\n"));
  /* 200000 bytes: the automatic piece length is the 16 KiB minimum. */
  g_assert_nonnull (strstr (info, "Pieces:       13 of 16.0"));
}

static void
test_bad_input (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *garbage = g_build_filename (fixture->tmpdir, "garbage.torrent", NULL);
  g_autofree char *truncated = g_build_filename (fixture->tmpdir, "truncated.torrent", NULL);
  g_autofree char *missing = g_build_filename (fixture->tmpdir, "missing.torrent", NULL);
  const char *cases[] = { garbage, truncated, missing };

  g_assert_true (g_file_set_contents (garbage, "GIF89a....", -1, NULL));
  g_assert_true (g_file_set_contents (truncated, "d8:announce3:abc4:infod4:name", -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[] = { cli (), "info", cases[i], NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (bt_test_spawn_sync (argv, &out, &err), ==, 1);
      g_assert_cmpstr (out, ==, "");
      assert_one_line_error (err);
      g_assert_nonnull (strstr (err, cases[i]));
    }
}

static void
test_usage_errors (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *torrent = g_build_filename (fixture->tmpdir, "x.torrent", NULL);
  g_autofree char *empty_dir = g_build_filename (fixture->tmpdir, "empty", NULL);
  struct {
    const char *argv[8];
    int status;
  } cases[] = {
    { { cli (), NULL }, 2 },
    { { cli (), "frobnicate", NULL }, 2 },
    { { cli (), "info", NULL }, 2 },
    { { cli (), "create", fixture->content, NULL }, 2 },
    { { cli (), "create", fixture->content, "-o", torrent, "--piece-size", "1000", NULL }, 2 },
    { { cli (), "create", fixture->content, "-o", torrent, "-t", "not a url", NULL }, 1 },
    { { cli (), "create", empty_dir, "-o", torrent, NULL }, 1 },
  };

  g_assert_cmpint (g_mkdir (empty_dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (bt_test_spawn_sync (cases[i].argv, &out, &err), ==, cases[i].status);
      if (cases[i].argv[1] != NULL)
        assert_one_line_error (err);
    }
  /* A failed create leaves nothing behind. */
  g_assert_false (g_file_test (torrent, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cli/create-then-info", Fixture, NULL,
              fixture_setup, test_create_then_info, fixture_teardown);
  g_test_add ("/cli/info-single-file", Fixture, NULL,
              fixture_setup, test_info_single_file, fixture_teardown);
  g_test_add ("/cli/bad-input", Fixture, NULL,
              fixture_setup, test_bad_input, fixture_teardown);
  g_test_add ("/cli/usage-errors", Fixture, NULL,
              fixture_setup, test_usage_errors, fixture_teardown);

  return g_test_run ();
}
