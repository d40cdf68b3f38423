/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Tests for bt-metainfo-create: piece length choice, the walk rules (order,
 * hidden and special files, links), the info dictionary and piece hashes
 * checked against SHA1s computed here, options, errors, async progress,
 * cancellation, and round trips through transmission-show and aria2c.
 */
#define G_LOG_DOMAIN "test-create"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo-create.h"
#include "bt-sha1.h"
#include "bt-test-util.h"

#define KiB (G_GUINT64_CONSTANT (1024))
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)

/* A fixed date so two runs give the same bytes. */
#define FIXED_DATE G_GINT64_CONSTANT (1767225600)

/* Auxiliary functions */

static BtBencode *
decode (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  BtBencode *root;

  g_assert_nonnull (bytes);
  root = bt_bencode_decode (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (bt_bencode_is_type (root, BT_BENCODE_DICT));
  return root;
}

static char *
lookup_string (BtBencode  *dict,
               const char *key)
{
  BtBencode *value = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_STRING);

  g_assert_nonnull (value);
  return bt_bencode_dup_string (value);
}

static gint64
lookup_integer (BtBencode  *dict,
                const char *key)
{
  BtBencode *value = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_INTEGER);

  g_assert_nonnull (value);
  return bt_bencode_get_integer (value);
}

static BtBencode *
lookup_info (BtBencode *root)
{
  BtBencode *info = bt_bencode_dict_lookup_type (root, "info", BT_BENCODE_DICT);

  g_assert_nonnull (info);
  return info;
}

/* Appends the content of @path to @data; returns its length. */
static gsize
append_file (GByteArray *data,
             const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_byte_array_append (data, (const guint8 *) contents, length);
  return length;
}

/* Checks "pieces" against SHA1s of @data computed independently here. */
static void
assert_pieces (BtBencode  *info,
               GByteArray *data)
{
  gint64 piece_length = lookup_integer (info, "piece length");
  BtBencode *pieces = bt_bencode_dict_lookup_type (info, "pieces", BT_BENCODE_STRING);
  const guint8 *hashes;
  gsize hashes_length;
  gsize n_pieces;

  g_assert_cmpint (piece_length, >=, BT_CREATE_MIN_PIECE_LENGTH);
  g_assert_cmpint (piece_length, <=, BT_CREATE_MAX_PIECE_LENGTH);
  g_assert_cmpint (piece_length & (piece_length - 1), ==, 0);
  g_assert_nonnull (pieces);

  n_pieces = (data->len + piece_length - 1) / piece_length;
  hashes = bt_bencode_get_string (pieces, &hashes_length);
  g_assert_cmpuint (hashes_length, ==, n_pieces * BT_SHA1_LENGTH);

  for (gsize i = 0; i < n_pieces; i++)
    {
      gsize offset = i * piece_length;
      gsize length = MIN ((gsize) piece_length, data->len - offset);
      guint8 digest[BT_SHA1_LENGTH];

      bt_sha1 (data->data + offset, length, digest);
      g_assert_cmpmem (hashes + i * BT_SHA1_LENGTH, BT_SHA1_LENGTH, digest, BT_SHA1_LENGTH);
    }
}

/* "a/b/c" for a file entry's path list. */
static char *
join_path (BtBencode *entry)
{
  BtBencode *path = bt_bencode_dict_lookup_type (entry, "path", BT_BENCODE_LIST);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  g_assert_nonnull (path);
  g_assert_cmpuint (bt_bencode_get_length (path), >, 0);
  for (guint i = 0; i < bt_bencode_get_length (path); i++)
    g_ptr_array_add (parts, bt_bencode_dup_string (bt_bencode_list_get (path, i)));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv ("/", (char **) parts->pdata);
}

static GBytes *
create_sync (const char                    *path,
             const BtMetainfoCreateOptions *options,
             GError                       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return bt_metainfo_create (file, options, NULL, error);
}

static char *
info_hash_hex (GBytes *torrent)
{
  g_autoptr(BtBencode) root = decode (torrent);
  g_autoptr(GBytes) raw = bt_bencode_get_raw (lookup_info (root));
  guint8 digest[BT_SHA1_LENGTH];

  bt_sha1 (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), digest);
  return bt_hex_encode (digest, sizeof digest);
}

/* The tree most tests share. Its expected file order is byte-wise per
 * component: "a/..." sorts before "a.txt" although '.' < '/' would put
 * "a.txt" first in a plain string sort, and "A.txt" comes before "a". */
static const struct
{
  const char *path;
  gsize       length;
} tree_files[] = {
  { "A.txt", 100 },
  { "a/b/c.dat", 20000 },
  { "a/z.bin", 40000 },
  { "a.txt", 5000 },
  { "b.txt", 3000 },
  { "empty", 0 },
};

static const char *tree_expected[] = {
  "A.txt", "a/b/c.dat", "a/z.bin", "a.txt", "b.txt", "empty", "link-to-b", NULL,
};

/* Builds the shared tree under @tmp/@name, with what must be left out:
 * hidden files and folders, an empty folder, a FIFO, a link to a folder and
 * a dangling link; and a link to a file, which counts as that file. Returns
 * the folder; fills @data with the expected concatenated content. */
static char *
make_tree (const char *tmp,
           const char *name,
           GByteArray *data)
{
  g_autofree char *root = g_build_filename (tmp, name, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (tree_files); i++)
    {
      g_autofree char *path = g_build_filename (root, tree_files[i].path, NULL);

      bt_test_write_random_file (path, tree_files[i].length, i + 1);
    }

  {
    g_autofree char *hidden = g_build_filename (root, ".hidden", NULL);
    g_autofree char *hidden_dir = g_build_filename (root, "sub", ".git", "config", NULL);
    g_autofree char *nested_hidden = g_build_filename (root, "a", ".DS_Store", NULL);
    g_autofree char *empty_dir = g_build_filename (root, "emptydir", "inner", NULL);
    g_autofree char *fifo = g_build_filename (root, "fifo", NULL);
    g_autofree char *link = g_build_filename (root, "link-to-b", NULL);
    g_autofree char *dir_link = g_build_filename (root, "dir-link", NULL);
    g_autofree char *dangling = g_build_filename (root, "dangling", NULL);

    bt_test_write_random_file (hidden, 777, 100);
    bt_test_write_random_file (hidden_dir, 555, 101);
    bt_test_write_random_file (nested_hidden, 333, 102);
    g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0755), ==, 0);
    g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
    g_assert_cmpint (symlink ("b.txt", link), ==, 0);
    g_assert_cmpint (symlink ("a", dir_link), ==, 0);
    g_assert_cmpint (symlink ("does-not-exist", dangling), ==, 0);
  }

  for (guint i = 0; tree_expected[i] != NULL; i++)
    {
      /* The link's content is b.txt's. */
      const char *rel = g_str_equal (tree_expected[i], "link-to-b") ? "b.txt" : tree_expected[i];
      g_autofree char *path = g_build_filename (root, rel, NULL);

      append_file (data, path);
    }
  return g_steal_pointer (&root);
}

/* Tests */

static void
test_piece_length (void)
{
  static const struct
  {
    guint64 total;
    guint32 expected;
  } cases[] = {
    { 0, 16 * KiB },
    { 1, 16 * KiB },
    { 32 * MiB, 16 * KiB },       /* exactly 2048 pieces */
    { 32 * MiB + 1, 32 * KiB },   /* one byte more needs a larger piece */
    { 1 * GiB, 512 * KiB },
    { 32 * GiB, 16 * MiB },
    { 100 * GiB, 16 * MiB },      /* clamped: 6400 pieces */
    { 10 * TiB, 16 * MiB },
    { G_MAXUINT64, 16 * MiB },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint32 length = bt_metainfo_create_choose_piece_length (cases[i].total);

      g_test_message ("total %" G_GUINT64_FORMAT, cases[i].total);
      g_assert_cmpuint (length, ==, cases[i].expected);
    }

  /* Whatever the size: a power of two within bounds, the smallest that
   * meets the target unless clamped. */
  for (guint64 total = 1; total < 200 * TiB; total = total * 3 + 7)
    {
      guint32 length = bt_metainfo_create_choose_piece_length (total);
      guint64 n_pieces = (total + length - 1) / length;

      g_assert_cmpuint (length & (length - 1), ==, 0);
      g_assert_cmpuint (length, >=, BT_CREATE_MIN_PIECE_LENGTH);
      g_assert_cmpuint (length, <=, BT_CREATE_MAX_PIECE_LENGTH);
      if (length < BT_CREATE_MAX_PIECE_LENGTH)
        g_assert_cmpuint (n_pieces, <=, BT_CREATE_TARGET_PIECES);
      if (length > BT_CREATE_MIN_PIECE_LENGTH)
        g_assert_cmpuint ((total + length / 2 - 1) / (length / 2), >, BT_CREATE_TARGET_PIECES);
    }
}

static void
test_single_file (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "single.bin", NULL);
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(BtBencode) root = NULL;
  g_autofree char *name = NULL;
  g_autofree char *created_by = NULL;
  BtMetainfoCreateOptions options = { 0 };
  BtBencode *info;

  /* Not a multiple of the piece length: the last piece is short. */
  bt_test_write_random_file (path, 5 * 16 * KiB + 1234, 7);
  append_file (data, path);

  options.piece_length = 16 * KiB;
  options.creation_date = FIXED_DATE;
  torrent = create_sync (path, &options, &error);
  g_assert_no_error (error);
  root = decode (torrent);
  info = lookup_info (root);

  g_assert_null (bt_bencode_dict_lookup (root, "announce"));
  g_assert_null (bt_bencode_dict_lookup (root, "announce-list"));
  g_assert_null (bt_bencode_dict_lookup (root, "comment"));
  g_assert_null (bt_bencode_dict_lookup (root, "url-list"));
  created_by = lookup_string (root, "created by");
  g_assert_cmpstr (created_by, ==, "bTorrent " PACKAGE_VERSION);
  g_assert_cmpint (lookup_integer (root, "creation date"), ==, FIXED_DATE);

  name = lookup_string (info, "name");
  g_assert_cmpstr (name, ==, "single.bin");
  g_assert_cmpint (lookup_integer (info, "length"), ==, data->len);
  g_assert_cmpint (lookup_integer (info, "piece length"), ==, 16 * KiB);
  g_assert_null (bt_bencode_dict_lookup (info, "files"));
  g_assert_null (bt_bencode_dict_lookup (info, "private"));
  g_assert_null (bt_bencode_dict_lookup (info, "source"));
  assert_pieces (info, data);

  /* The encoder writes canonical bencode: decoding and re-encoding gives
   * the same bytes, so the info-hash is stable. */
  {
    g_autoptr(GBytes) again = bt_bencode_encode (root);

    g_assert_true (g_bytes_equal (again, torrent));
  }

  /* Automatic piece length: the same choice as the public function. */
  options.piece_length = 0;
  g_clear_pointer (&torrent, g_bytes_unref);
  g_clear_pointer (&root, bt_bencode_unref);
  torrent = create_sync (path, &options, &error);
  g_assert_no_error (error);
  root = decode (torrent);
  g_assert_cmpint (lookup_integer (lookup_info (root), "piece length"), ==,
                   bt_metainfo_create_choose_piece_length (data->len));
  assert_pieces (lookup_info (root), data);

  bt_test_remove_tree (tmp);
}

static void
test_multi_file (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autofree char *root_path = make_tree (tmp, "Tree", data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(BtBencode) root = NULL;
  g_autofree char *name = NULL;
  BtMetainfoCreateOptions options = { 0 };
  BtBencode *info;
  BtBencode *files;

  options.piece_length = 16 * KiB;
  options.creation_date = FIXED_DATE;
  torrent = create_sync (root_path, &options, &error);
  g_assert_no_error (error);
  root = decode (torrent);
  info = lookup_info (root);

  name = lookup_string (info, "name");
  g_assert_cmpstr (name, ==, "Tree");
  g_assert_null (bt_bencode_dict_lookup (info, "length"));
  files = bt_bencode_dict_lookup_type (info, "files", BT_BENCODE_LIST);
  g_assert_nonnull (files);
  g_assert_cmpuint (bt_bencode_get_length (files), ==, g_strv_length ((char **) tree_expected));

  for (guint i = 0; tree_expected[i] != NULL; i++)
    {
      BtBencode *entry = bt_bencode_list_get (files, i);
      g_autofree char *joined = join_path (entry);
      const char *rel = g_str_equal (tree_expected[i], "link-to-b") ? "b.txt" : tree_expected[i];
      g_autofree char *path = g_build_filename (root_path, rel, NULL);
      GStatBuf st;

      g_assert_cmpstr (joined, ==, tree_expected[i]);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (lookup_integer (entry, "length"), ==, st.st_size);
      g_assert_null (strstr (joined, ".hidden"));
      g_assert_null (strstr (joined, ".git"));
      g_assert_null (strstr (joined, ".DS_Store"));
    }

  assert_pieces (info, data);
  bt_test_remove_tree (tmp);
}

static void
test_folder_one_file (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *folder = g_build_filename (tmp, ".Hidden Folder", NULL);
  g_autofree char *path = g_build_filename (folder, "only.bin", NULL);
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(BtBencode) root = NULL;
  g_autofree char *name = NULL;
  g_autofree char *joined = NULL;
  BtBencode *files;

  /* A folder gives a multi-file torrent even with one file, and the folder
   * the user picked is shared although its name starts with a dot. */
  bt_test_write_random_file (path, 50000, 3);
  append_file (data, path);
  torrent = create_sync (folder, NULL, &error);
  g_assert_no_error (error);
  root = decode (torrent);

  name = lookup_string (lookup_info (root), "name");
  g_assert_cmpstr (name, ==, ".Hidden Folder");
  files = bt_bencode_dict_lookup_type (lookup_info (root), "files", BT_BENCODE_LIST);
  g_assert_nonnull (files);
  g_assert_cmpuint (bt_bencode_get_length (files), ==, 1);
  joined = join_path (bt_bencode_list_get (files, 0));
  g_assert_cmpstr (joined, ==, "only.bin");
  assert_pieces (lookup_info (root), data);

  /* options == NULL: "now" as the creation date. */
  g_assert_cmpint (ABS (lookup_integer (root, "creation date") - g_get_real_time () / G_USEC_PER_SEC),
                   <, 60);

  bt_test_remove_tree (tmp);
}

static void
test_options (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "file.bin", NULL);
  char *tier1[] = { "http://tracker.example/announce", "udp://tracker.example:6969", NULL };
  char *tier2[] = { "https://backup.example/announce", NULL };
  char *empty_tier[] = { NULL };
  char **tiers[] = { empty_tier, tier1, tier2, NULL };
  char *seeds[] = { "http://mirror.example/files/", "ftp://ftp.example/pub/", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(BtBencode) root = NULL;
  BtMetainfoCreateOptions options = { 0 };
  BtBencode *list;
  BtBencode *info;

  bt_test_write_random_file (path, 20000, 11);

  options.trackers = tiers;
  options.web_seeds = seeds;
  options.comment = "A comment";
  options.source = "SRC";
  options.created_by = "Someone 1.0";
  options.is_private = TRUE;
  options.creation_date = -1;
  torrent = create_sync (path, &options, &error);
  g_assert_no_error (error);
  root = decode (torrent);
  info = lookup_info (root);

  {
    g_autofree char *announce = lookup_string (root, "announce");
    g_autofree char *comment = lookup_string (root, "comment");
    g_autofree char *created_by = lookup_string (root, "created by");
    g_autofree char *source = lookup_string (info, "source");

    g_assert_cmpstr (announce, ==, tier1[0]);
    g_assert_cmpstr (comment, ==, "A comment");
    g_assert_cmpstr (created_by, ==, "Someone 1.0");
    g_assert_cmpstr (source, ==, "SRC");
  }
  g_assert_null (bt_bencode_dict_lookup (root, "creation date"));
  g_assert_cmpint (lookup_integer (info, "private"), ==, 1);

  /* Tiers in order, the empty one dropped, URLs in order within a tier. */
  list = bt_bencode_dict_lookup_type (root, "announce-list", BT_BENCODE_LIST);
  g_assert_nonnull (list);
  g_assert_cmpuint (bt_bencode_get_length (list), ==, 2);
  for (guint t = 0; t < 2; t++)
    {
      BtBencode *tier = bt_bencode_list_get (list, t);
      char **expected = t == 0 ? tier1 : tier2;

      g_assert_true (bt_bencode_is_type (tier, BT_BENCODE_LIST));
      g_assert_cmpuint (bt_bencode_get_length (tier), ==, g_strv_length (expected));
      for (guint u = 0; expected[u] != NULL; u++)
        {
          g_autofree char *url = bt_bencode_dup_string (bt_bencode_list_get (tier, u));

          g_assert_cmpstr (url, ==, expected[u]);
        }
    }

  list = bt_bencode_dict_lookup_type (root, "url-list", BT_BENCODE_LIST);
  g_assert_nonnull (list);
  g_assert_cmpuint (bt_bencode_get_length (list), ==, 2);
  {
    g_autofree char *seed = bt_bencode_dup_string (bt_bencode_list_get (list, 1));

    g_assert_cmpstr (seed, ==, seeds[1]);
  }

  /* The source key changes the info-hash; that is what it is for. */
  {
    g_autoptr(GBytes) other = NULL;
    g_autofree char *hash1 = info_hash_hex (torrent);
    g_autofree char *hash2 = NULL;

    options.source = "OTHER";
    other = create_sync (path, &options, &error);
    g_assert_no_error (error);
    hash2 = info_hash_hex (other);
    g_assert_cmpstr (hash1, !=, hash2);
  }

  /* One tracker: "announce" only. */
  {
    char *single[] = { "udp://only.example:1337/announce", NULL };
    char **single_tiers[] = { single, NULL };
    g_autoptr(GBytes) other = NULL;
    g_autoptr(BtBencode) other_root = NULL;
    g_autofree char *announce = NULL;

    memset (&options, 0, sizeof options);
    options.trackers = single_tiers;
    other = create_sync (path, &options, &error);
    g_assert_no_error (error);
    other_root = decode (other);
    announce = lookup_string (other_root, "announce");
    g_assert_cmpstr (announce, ==, single[0]);
    g_assert_null (bt_bencode_dict_lookup (other_root, "announce-list"));
    g_assert_null (bt_bencode_dict_lookup (lookup_info (other_root), "private"));
  }

  bt_test_remove_tree (tmp);
}

static void
test_bad_options (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "file.bin", NULL);
  static const guint32 bad_lengths[] = {
    1, 1000, 8 * 1024, 48 * 1024, 32 * 1024 * 1024, G_MAXUINT32,
  };
  static const char *bad_trackers[] = {
    "", "ftp://tracker.example/announce", "not a url", "http://", "http:announce",
    "tracker.example:6969", " http://tracker.example/announce", "wss://tracker.example/",
  };
  static const char *bad_seeds[] = { "udp://mirror.example/", "", "file:///etc/passwd" };

  bt_test_write_random_file (path, 1000, 1);

  for (guint i = 0; i < G_N_ELEMENTS (bad_lengths); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) torrent = NULL;
      BtMetainfoCreateOptions options = { .piece_length = bad_lengths[i] };

      torrent = create_sync (path, &options, &error);
      g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID);
      g_assert_null (torrent);
      g_assert_nonnull (strstr (error->message, "power of two"));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_trackers); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) torrent = NULL;
      char *good[] = { "http://good.example/announce", NULL };
      char *tier[] = { (char *) bad_trackers[i], NULL };
      char **tiers[] = { good, tier, NULL };
      BtMetainfoCreateOptions options = { .trackers = tiers };

      torrent = create_sync (path, &options, &error);
      g_test_message ("tracker “%s”", bad_trackers[i]);
      g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID);
      g_assert_null (torrent);
      /* The message names the address, so a person can find the typo. */
      if (bad_trackers[i][0] != '\0')
        g_assert_nonnull (strstr (error->message, bad_trackers[i]));
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad_seeds); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) torrent = NULL;
      char *seeds[] = { (char *) bad_seeds[i], NULL };
      BtMetainfoCreateOptions options = { .web_seeds = seeds };

      torrent = create_sync (path, &options, &error);
      g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID);
      g_assert_null (torrent);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = NULL;
    BtMetainfoCreateOptions options = { .comment = "\xff\xfe not UTF-8" };

    torrent = create_sync (path, &options, &error);
    g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID);
    g_assert_null (torrent);
  }

  bt_test_remove_tree (tmp);
}

static void
test_empty (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *empty_dir = g_build_filename (tmp, "Empty", NULL);
  g_autofree char *hidden_only = g_build_filename (tmp, "HiddenOnly", NULL);
  g_autofree char *zeros = g_build_filename (tmp, "Zeros", NULL);
  g_autofree char *empty_file = g_build_filename (tmp, "empty.bin", NULL);
  g_autofree char *missing = g_build_filename (tmp, "missing", NULL);

  {
    g_autofree char *inner = g_build_filename (empty_dir, "a", "b", NULL);
    g_autofree char *hidden = g_build_filename (hidden_only, ".secret", NULL);
    g_autofree char *z1 = g_build_filename (zeros, "one", NULL);
    g_autofree char *z2 = g_build_filename (zeros, "sub", "two", NULL);

    g_assert_cmpint (g_mkdir_with_parents (inner, 0755), ==, 0);
    bt_test_write_random_file (hidden, 100, 1);
    bt_test_write_random_file (z1, 0, 1);
    bt_test_write_random_file (z2, 0, 1);
    bt_test_write_random_file (empty_file, 0, 1);
  }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = create_sync (empty_dir, NULL, &error);

    g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_EMPTY);
    g_assert_null (torrent);
    g_assert_nonnull (strstr (error->message, "contains no files to share"));
    g_assert_nonnull (strstr (error->message, "Empty"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = create_sync (hidden_only, NULL, &error);

    g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_EMPTY);
    g_assert_null (torrent);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = create_sync (zeros, NULL, &error);

    g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_EMPTY);
    g_assert_null (torrent);
    g_assert_nonnull (strstr (error->message, "only empty files"));
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = create_sync (empty_file, NULL, &error);

    g_assert_error (error, BT_ERROR, BT_ERROR_CREATE_EMPTY);
    g_assert_null (torrent);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = create_sync (missing, NULL, &error);

    g_assert_error (error, BT_ERROR, BT_ERROR_IO);
    g_assert_null (torrent);
    g_assert_nonnull (strstr (error->message, "missing"));
    g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  }

  bt_test_remove_tree (tmp);
}

static void
test_unreadable (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *folder = g_build_filename (tmp, "Folder", NULL);
  g_autofree char *good = g_build_filename (folder, "good.bin", NULL);
  g_autofree char *bad = g_build_filename (folder, "unreadable", NULL);
  g_autofree char *grows = g_build_filename (tmp, "Grows", NULL);
  g_autofree char *grows_file = g_build_filename (grows, "status", NULL);

  bt_test_write_random_file (good, 40000, 5);

  /* /proc/self/mem stats as an empty regular file, but reading offset 0
   * fails with EIO: an unreadable file even for root, which ignores
   * permission bits. */
  g_assert_cmpint (symlink ("/proc/self/mem", bad), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = create_sync (folder, NULL, &error);

    g_assert_error (error, BT_ERROR, BT_ERROR_IO);
    g_assert_null (torrent);
    g_assert_nonnull (strstr (error->message, "unreadable"));
    g_assert_nonnull (strstr (error->message, g_strerror (EIO)));
  }

  if (geteuid () != 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) torrent = NULL;

      g_assert_cmpint (g_unlink (bad), ==, 0);
      bt_test_write_random_file (bad, 100, 6);
      g_assert_cmpint (g_chmod (bad, 0), ==, 0);
      torrent = create_sync (folder, NULL, &error);
      g_assert_error (error, BT_ERROR, BT_ERROR_IO);
      g_assert_nonnull (strstr (error->message, g_strerror (EACCES)));
    }

  /* /proc files stat as empty but have content: the size read is not the
   * size listed, so the torrent would be wrong. */
  bt_test_write_random_file (good, 40000, 5);
  g_assert_cmpint (g_mkdir_with_parents (grows, 0755), ==, 0);
  g_assert_cmpint (symlink ("/proc/self/status", grows_file), ==, 0);
  {
    g_autofree char *other = g_build_filename (grows, "other.bin", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = NULL;

    bt_test_write_random_file (other, 1000, 8);
    torrent = create_sync (grows, NULL, &error);
    g_assert_error (error, BT_ERROR, BT_ERROR_IO);
    g_assert_null (torrent);
    g_assert_nonnull (strstr (error->message, "changed while it was being read"));
  }

  bt_test_remove_tree (tmp);
}

typedef struct
{
  GMainLoop    *loop;
  GBytes       *result;
  GError       *error;
  GThread      *thread;
  GCancellable *cancel_on_progress;
  guint64       last_done;
  guint64       total;
  guint         n_progress;
  gboolean      progress_freed;
  gboolean      monotonic;
} AsyncState;

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  AsyncState *state = user_data;

  /* Reports arrive on the caller's context, never on a worker. */
  g_assert_true (g_thread_self () == state->thread);
  g_assert_cmpuint (done, <=, total);
  if (done < state->last_done || (state->total != 0 && total != state->total))
    state->monotonic = FALSE;
  state->last_done = done;
  state->total = total;
  state->n_progress++;
  if (state->cancel_on_progress != NULL)
    g_cancellable_cancel (state->cancel_on_progress);
}

static void
progress_free_cb (gpointer user_data)
{
  AsyncState *state = user_data;

  g_assert_true (g_thread_self () == state->thread);
  state->progress_freed = TRUE;
}

static void
create_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncState *state = user_data;

  state->result = bt_metainfo_create_finish (result, &state->error);
  g_main_loop_quit (state->loop);
}

/* Runs one async job on a private thread-default context, as a UI would on
 * its own, and waits for the result and for progress_data_free. */
static void
run_async (const char                    *path,
           const BtMetainfoCreateOptions *options,
           GCancellable                  *cancellable,
           AsyncState                    *state)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_main_context_push_thread_default (context);
  state->loop = g_main_loop_new (context, FALSE);
  state->thread = g_thread_self ();
  state->monotonic = TRUE;

  bt_metainfo_create_async (file, options, cancellable, progress_cb, state, progress_free_cb,
                            create_cb, state);
  g_main_loop_run (state->loop);
  while (!state->progress_freed)
    g_main_context_iteration (context, TRUE);

  g_clear_pointer (&state->loop, g_main_loop_unref);
  g_main_context_pop_thread_default (context);
}

static void
test_async (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autofree char *root_path = make_tree (tmp, "Async", data);
  g_autofree char *big = g_build_filename (root_path, "big.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) sync_result = NULL;
  char *tier[] = { "http://tracker.example/announce", NULL };
  char **tiers[] = { tier, NULL };
  BtMetainfoCreateOptions options = { 0 };
  AsyncState state = { 0 };

  /* Enough pieces that the workers run in parallel and report often. */
  bt_test_write_random_file (big, 6 * MiB + 77, 9);

  options.trackers = tiers;
  options.piece_length = 16 * KiB;
  options.creation_date = FIXED_DATE;
  options.comment = g_strdup ("freed right after the call");

  run_async (root_path, &options, NULL, &state);
  g_free (options.comment);
  options.comment = "freed right after the call";

  g_assert_no_error (state.error);
  g_assert_nonnull (state.result);
  g_assert_true (state.progress_freed);
  g_assert_cmpuint (state.n_progress, >=, 1);
  g_assert_true (state.monotonic);
  g_assert_cmpuint (state.last_done, ==, state.total);
  g_assert_cmpuint (state.total, ==, data->len + 6 * MiB + 77);

  sync_result = create_sync (root_path, &options, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (sync_result, state.result));

  g_clear_pointer (&state.result, g_bytes_unref);
  bt_test_remove_tree (tmp);
}

static void
test_async_error (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *empty_dir = g_build_filename (tmp, "Nothing", NULL);
  AsyncState state = { 0 };

  g_assert_cmpint (g_mkdir (empty_dir, 0755), ==, 0);
  run_async (empty_dir, NULL, NULL, &state);
  g_assert_error (state.error, BT_ERROR, BT_ERROR_CREATE_EMPTY);
  g_assert_null (state.result);
  g_assert_cmpuint (state.n_progress, ==, 0);
  g_assert_true (state.progress_freed);

  g_clear_error (&state.error);
  bt_test_remove_tree (tmp);
}

static void
test_cancel (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "big.bin", NULL);
  BtMetainfoCreateOptions options = { .piece_length = 16 * KiB };

  bt_test_write_random_file (path, 16 * MiB, 4);

  /* Cancelled before it starts: sync. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) torrent = NULL;

    g_cancellable_cancel (cancellable);
    torrent = bt_metainfo_create (file, &options, cancellable, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (torrent);
  }

  /* Cancelled before it starts: async. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    AsyncState state = { 0 };

    g_cancellable_cancel (cancellable);
    run_async (path, &options, cancellable, &state);
    g_assert_error (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (state.result);
    g_clear_error (&state.error);
  }

  /* Cancelled on the first progress report, in the middle of hashing:
   * the job stops and still frees everything (ASan checks the rest). */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    AsyncState state = { 0 };

    state.cancel_on_progress = cancellable;
    run_async (path, &options, cancellable, &state);
    g_assert_error (state.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (state.result);
    g_assert_cmpuint (state.n_progress, >=, 1);
    g_assert_cmpuint (state.last_done, <, state.total);
    g_clear_error (&state.error);
  }

  bt_test_remove_tree (tmp);
}

/* Interop: the torrent as other clients read it. */

static char *
write_torrent (const char *tmp,
               GBytes     *torrent)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmp, "out.torrent", NULL);

  g_file_set_contents (path, g_bytes_get_data (torrent, NULL), g_bytes_get_size (torrent),
                       &error);
  g_assert_no_error (error);
  return path;
}

static GBytes *
make_interop_torrent (const char *tmp,
                      GByteArray *data,
                      char      **out_root)
{
  g_autoptr(GError) error = NULL;
  char *tier1[] = { "http://tracker.example/announce", NULL };
  char *tier2[] = { "udp://backup.example:6969/announce", NULL };
  char **tiers[] = { tier1, tier2, NULL };
  BtMetainfoCreateOptions options = { 0 };
  g_autofree char *root = make_tree (tmp, "Interop Tree", data);
  GBytes *torrent;

  options.trackers = tiers;
  options.piece_length = 16 * KiB;
  options.creation_date = FIXED_DATE;
  options.comment = "interop";
  torrent = create_sync (root, &options, &error);
  g_assert_no_error (error);
  *out_root = g_steal_pointer (&root);
  return torrent;
}

static void
test_interop_transmission (void)
{
  g_autofree char *tool = bt_test_require_tool ("transmission-show");
  g_autofree char *tmp = NULL;
  g_autofree char *root = NULL;
  g_autofree char *torrent_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *hash_line = NULL;
  g_autofree char *pieces_line = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GBytes) torrent = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_files = FALSE;
  guint n_files = 0;

  if (tool == NULL)
    return;

  tmp = bt_test_make_tmpdir ();
  torrent = make_interop_torrent (tmp, data, &root);
  torrent_path = write_torrent (tmp, torrent);
  {
    const char *argv[] = { tool, torrent_path, NULL };

    out = bt_test_run_tool (argv);
  }
  g_test_message ("%s", out);

  hash = info_hash_hex (torrent);
  hash_line = g_strdup_printf ("Hash: %s", hash);
  g_assert_nonnull (strstr (out, hash_line));
  pieces_line = g_strdup_printf ("Piece Count: %u", (data->len + 16 * 1024 - 1) / (16 * 1024));
  g_assert_nonnull (strstr (out, pieces_line));
  g_assert_nonnull (strstr (out, "Name: Interop Tree"));
  g_assert_nonnull (strstr (out, "http://tracker.example/announce"));
  g_assert_nonnull (strstr (out, "udp://backup.example:6969/announce"));

  /* The FILES section lists "Interop Tree/<path> (<size>)", sorted by
   * transmission-show itself (as plain strings), so compare as a set. */
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);
      gboolean found = FALSE;

      if (g_str_equal (line, "FILES"))
        {
          in_files = TRUE;
          continue;
        }
      if (!in_files || line[0] == '\0')
        continue;

      for (guint j = 0; tree_expected[j] != NULL && !found; j++)
        {
          g_autofree char *expected = g_strdup_printf ("Interop Tree/%s (", tree_expected[j]);

          found = g_str_has_prefix (line, expected);
        }
      g_test_message ("listed: %s", line);
      g_assert_true (found);
      n_files++;
    }
  g_assert_cmpuint (n_files, ==, g_strv_length ((char **) tree_expected));

  bt_test_remove_tree (tmp);
}

static void
test_interop_aria2 (void)
{
  g_autofree char *tool = bt_test_require_tool ("aria2c");
  g_autofree char *tmp = NULL;
  g_autofree char *root = NULL;
  g_autofree char *torrent_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *pieces_line = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GBytes) torrent = NULL;
  const char *cursor;
  int status;

  if (tool == NULL)
    return;

  tmp = bt_test_make_tmpdir ();
  torrent = make_interop_torrent (tmp, data, &root);
  torrent_path = write_torrent (tmp, torrent);
  {
    const char *argv[] = { tool, "--show-files", torrent_path, NULL };

    status = bt_test_spawn_sync (argv, &out, &err);
  }
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);

  hash = info_hash_hex (torrent);
  g_assert_nonnull (strstr (out, hash));
  pieces_line = g_strdup_printf ("Pieces: %u\n", (data->len + 16 * 1024 - 1) / (16 * 1024));
  g_assert_nonnull (strstr (out, pieces_line));

  /* aria2c lists files in torrent order: check each one, in our order. */
  cursor = out;
  for (guint i = 0; tree_expected[i] != NULL; i++)
    {
      g_autofree char *listed = g_strdup_printf ("|./Interop Tree/%s\n", tree_expected[i]);

      cursor = strstr (cursor, listed);
      g_assert_nonnull (cursor);
      cursor += strlen (listed);
    }
  g_assert_null (strstr (out, ".hidden"));

  bt_test_remove_tree (tmp);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/create/piece-length", test_piece_length);
  g_test_add_func ("/engine/create/single-file", test_single_file);
  g_test_add_func ("/engine/create/multi-file", test_multi_file);
  g_test_add_func ("/engine/create/folder-one-file", test_folder_one_file);
  g_test_add_func ("/engine/create/options", test_options);
  g_test_add_func ("/engine/create/bad-options", test_bad_options);
  g_test_add_func ("/engine/create/empty", test_empty);
  g_test_add_func ("/engine/create/unreadable", test_unreadable);
  g_test_add_func ("/engine/create/async", test_async);
  g_test_add_func ("/engine/create/async-error", test_async_error);
  g_test_add_func ("/engine/create/cancel", test_cancel);
  g_test_add_func ("/engine/create/interop/transmission", test_interop_transmission);
  g_test_add_func ("/engine/create/interop/aria2", test_interop_aria2);

  return g_test_run ();
}
