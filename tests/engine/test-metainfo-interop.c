/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Torrents made by real creators (mktorrent, transmission-create) during
 * the test run are read by us and by transmission-show; both must agree on
 * the info-hash, the pieces and the files.
 */
#include "config.h"

#include <string.h>

#include "bt-metainfo.h"
#include "bt-path.h"
#include "bt-test-util.h"

typedef struct
{
  char *tmpdir;
} Fixture;

typedef struct
{
  char       *hash;
  char       *name;
  guint       piece_count;
  gboolean    is_private;
  GPtrArray  *tiers;  /* of GPtrArray of char* */
  GPtrArray  *files;  /* of char* */
} ShowInfo;

static void
show_info_free (ShowInfo *info)
{
  g_free (info->hash);
  g_free (info->name);
  g_ptr_array_unref (info->tiers);
  g_ptr_array_unref (info->files);
  g_free (info);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShowInfo, show_info_free)

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->tmpdir = bt_test_make_tmpdir ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

/* Reads transmission-show's report: "  Hash: ...", "  Piece Count: N",
 * "  Privacy: Private torrent", "  Tier #N" followed by URLs, and the
 * FILES section where each line is "  PATH (SIZE)". */
static ShowInfo *
transmission_show (const char *torrent)
{
  const char *argv[] = { "transmission-show", torrent, NULL };
  g_autofree char *out = bt_test_run_tool (argv);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  ShowInfo *info = g_new0 (ShowInfo, 1);
  GPtrArray *tier = NULL;
  enum { GENERAL, TRACKERS, FILES, OTHER } section = OTHER;

  info->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  info->files = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *text = line + strspn (line, " ");

      if (g_str_equal (line, "GENERAL"))
        section = GENERAL;
      else if (g_str_equal (line, "TRACKERS"))
        section = TRACKERS;
      else if (g_str_equal (line, "FILES"))
        section = FILES;
      else if (*line != ' ' && *line != '\0' && g_ascii_isupper (*line))
        section = OTHER; /* "WEBSEEDS", "Name: ...", ... */
      else if (*text == '\0')
        continue;
      else if (section == GENERAL && g_str_has_prefix (text, "Hash: "))
        info->hash = g_strdup (text + 6);
      else if (section == GENERAL && g_str_has_prefix (text, "Name: "))
        info->name = g_strdup (text + 6);
      else if (section == GENERAL && g_str_has_prefix (text, "Piece Count: "))
        info->piece_count = atoi (text + 13);
      else if (section == GENERAL && g_str_has_prefix (text, "Privacy: "))
        info->is_private = g_str_has_prefix (text + 9, "Private");
      else if (section == TRACKERS && g_str_has_prefix (text, "Tier #"))
        {
          tier = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (info->tiers, tier);
        }
      else if (section == TRACKERS && tier != NULL)
        g_ptr_array_add (tier, g_strdup (text));
      else if (section == FILES)
        {
          const char *paren = g_strrstr (line, " (");

          g_assert_nonnull (paren);
          g_ptr_array_add (info->files, g_strndup (line + 2, paren - line - 2));
        }
    }

  g_assert_nonnull (info->hash);
  return info;
}

static void
assert_agrees_with_transmission (const char *torrent,
                                 const char *expected_name,
                                 guint       expected_files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = bt_metainfo_new_from_file (torrent, &error);
  g_autoptr(ShowInfo) show = NULL;
  g_autoptr(GPtrArray) ours = g_ptr_array_new ();
  guint64 sum = 0;

  g_assert_no_error (error);
  g_assert_nonnull (meta);

  show = transmission_show (torrent);
  g_assert_cmpstr (bt_metainfo_get_info_hash_hex (meta), ==, show->hash);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, expected_name);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, show->name);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, show->piece_count);
  g_assert_cmpint (bt_metainfo_is_private (meta), ==, show->is_private);

  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, show->tiers->len);
  for (guint t = 0; t < show->tiers->len; t++)
    {
      const char * const *tier = bt_metainfo_get_tier (meta, t);
      GPtrArray *theirs = g_ptr_array_index (show->tiers, t);

      g_assert_cmpuint (g_strv_length ((char **) tier), ==, theirs->len);
      for (guint i = 0; i < theirs->len; i++)
        g_assert_cmpstr (tier[i], ==, g_ptr_array_index (theirs, i));
    }

  /* Same files; transmission-show sorts its list, so compare as sets. */
  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      const char *path = bt_metainfo_get_file_path (meta, i);

      g_assert_true (bt_path_is_safe_relative (path));
      g_assert_false (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_RENAMED);
      g_ptr_array_add (ours, (gpointer) path);
      sum += bt_metainfo_get_file_size (meta, i);
    }
  g_assert_cmpuint (ours->len, ==, expected_files);
  g_assert_cmpuint (ours->len, ==, show->files->len);
  for (guint i = 0; i < show->files->len; i++)
    {
      guint index;

      g_assert_true (g_ptr_array_find_with_equal_func (ours, g_ptr_array_index (show->files, i),
                                                       g_str_equal, &index));
    }

  g_assert_cmpuint (sum, ==, bt_metainfo_get_total_size (meta));
  g_assert_null (bt_metainfo_get_warnings (meta)[0]);
}

static char *
make_content (Fixture *fixture)
{
  g_autofree char *root = g_build_filename (fixture->tmpdir, "Album", NULL);
  g_autofree char *a = g_build_filename (root, "01 first.flac", NULL);
  g_autofree char *b = g_build_filename (root, "disc 2", "sub", "deeper", "Ünïcödé файл.txt", NULL);
  g_autofree char *c = g_build_filename (root, "disc 2", "cover.jpg", NULL);
  g_autofree char *empty = g_build_filename (root, "empty.nfo", NULL);

  /* Sizes chosen to straddle piece boundaries at every tested piece length. */
  bt_test_write_random_file (a, 100000, 1);
  bt_test_write_random_file (b, 32768 * 3, 2);
  bt_test_write_random_file (c, 777, 3);
  bt_test_write_random_file (empty, 0, 4);
  return g_steal_pointer (&root);
}

static void
test_mktorrent (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *tool = bt_test_require_tool ("mktorrent");
  g_autofree char *show = bt_test_require_tool ("transmission-show");
  g_autofree char *root = NULL;
  g_autofree char *single = NULL;
  const char *piece_exponents[] = { "15", "16", "18" };

  if (tool == NULL || show == NULL)
    return;

  root = make_content (fixture);
  single = g_build_filename (root, "01 first.flac", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (piece_exponents); i++)
    {
      g_autofree char *multi_out = g_strdup_printf ("%s/multi-%u.torrent", fixture->tmpdir, i);
      g_autofree char *single_out = g_strdup_printf ("%s/single-%u.torrent", fixture->tmpdir, i);
      g_autofree char *priv_out = g_strdup_printf ("%s/private-%u.torrent", fixture->tmpdir, i);
      const char *multi_argv[] = { "mktorrent", "-l", piece_exponents[i],
                                   "-a", "http://127.0.0.1:6969/announce",
                                   "-a", "udp://127.0.0.1:6969/announce,http://127.0.0.1:7070/announce",
                                   "-c", "a comment", "-o", multi_out, root, NULL };
      const char *single_argv[] = { "mktorrent", "-l", piece_exponents[i], "-d",
                                    "-a", "http://127.0.0.1:6969/announce",
                                    "-o", single_out, single, NULL };
      const char *priv_argv[] = { "mktorrent", "-l", piece_exponents[i], "-p", "-s", "SRC",
                                  "-w", "http://127.0.0.1:8080/files/",
                                  "-a", "http://127.0.0.1:6969/announce",
                                  "-o", priv_out, root, NULL };
      g_autofree char *o1 = bt_test_run_tool (multi_argv);
      g_autofree char *o2 = bt_test_run_tool (single_argv);
      g_autofree char *o3 = bt_test_run_tool (priv_argv);

      assert_agrees_with_transmission (multi_out, "Album", 4);
      assert_agrees_with_transmission (single_out, "01 first.flac", 1);
      assert_agrees_with_transmission (priv_out, "Album", 4);

      {
        g_autoptr(BtMetainfo) meta = bt_metainfo_new_from_file (priv_out, NULL);

        g_assert_true (bt_metainfo_is_private (meta));
        g_assert_cmpstr (bt_metainfo_get_source (meta), ==, "SRC");
        g_assert_cmpstr (bt_metainfo_get_web_seeds (meta)[0], ==, "http://127.0.0.1:8080/files/");
        g_assert_cmpuint (bt_metainfo_get_piece_length (meta), ==, 1u << atoi (piece_exponents[i]));
      }
      {
        g_autoptr(BtMetainfo) meta = bt_metainfo_new_from_file (multi_out, NULL);

        g_assert_cmpstr (bt_metainfo_get_comment (meta), ==, "a comment");
        g_assert_true (bt_metainfo_is_multi_file (meta));
        g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 2);
      }
    }
}

static void
test_transmission_create (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *tool = bt_test_require_tool ("transmission-create");
  g_autofree char *show = bt_test_require_tool ("transmission-show");
  g_autofree char *root = NULL;
  g_autofree char *single = NULL;
  const char *piece_kib[] = { "16", "32", "64" };

  if (tool == NULL || show == NULL)
    return;

  root = make_content (fixture);
  single = g_build_filename (root, "disc 2", "cover.jpg", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (piece_kib); i++)
    {
      g_autofree char *multi_out = g_strdup_printf ("%s/tc-multi-%u.torrent", fixture->tmpdir, i);
      g_autofree char *single_out = g_strdup_printf ("%s/tc-single-%u.torrent", fixture->tmpdir, i);
      const char *multi_argv[] = { "transmission-create", "-s", piece_kib[i], "-p",
                                   "-t", "http://127.0.0.1:6969/announce",
                                   "-t", "udp://127.0.0.1:6969",
                                   "-c", "made by transmission", "-o", multi_out, root, NULL };
      const char *single_argv[] = { "transmission-create", "-s", piece_kib[i],
                                    "-o", single_out, single, NULL };
      g_autofree char *o1 = bt_test_run_tool (multi_argv);
      g_autofree char *o2 = bt_test_run_tool (single_argv);

      /* transmission-create leaves the empty file out. */
      assert_agrees_with_transmission (multi_out, "Album", 3);
      assert_agrees_with_transmission (single_out, "cover.jpg", 1);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/metainfo-interop/mktorrent", Fixture, NULL,
              fixture_setup, test_mktorrent, fixture_teardown);
  g_test_add ("/engine/metainfo-interop/transmission-create", Fixture, NULL,
              fixture_setup, test_transmission_create, fixture_teardown);

  return g_test_run ();
}
