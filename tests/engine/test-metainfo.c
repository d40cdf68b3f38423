/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-metainfo.h"
#include "bt-sha1.h"
#include "bt-test-util.h"

/* A torrent built in memory: @info is filled by the caller. Piece hashes are
 * made up (zeros), which is all the parser can check without the data. */
static BtBencode *
new_torrent (BtBencode *info,
             guint64    total,
             guint32    piece_length)
{
  BtBencode *root = bt_bencode_new_dict ();
  guint64 n = total / piece_length + (total % piece_length != 0);
  g_autofree guint8 *hashes = g_malloc0 (n * 20 + 1);

  for (guint64 i = 0; i < n; i++)
    hashes[i * 20] = (guint8) i;
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (piece_length));
  bt_bencode_dict_set (info, "pieces", bt_bencode_new_string_len (hashes, n * 20));
  bt_bencode_dict_set (root, "info", info);
  return root;
}

static BtBencode *
file_entry (gint64      length,
            const char *attr,
            ...)
{
  BtBencode *entry = bt_bencode_new_dict ();
  BtBencode *path = bt_bencode_new_list ();
  va_list args;

  va_start (args, attr);
  for (const char *p = va_arg (args, const char *); p != NULL; p = va_arg (args, const char *))
    bt_bencode_list_append (path, bt_bencode_new_string (p));
  va_end (args);

  bt_bencode_dict_set (entry, "length", bt_bencode_new_integer (length));
  bt_bencode_dict_set (entry, "path", path);
  if (attr != NULL)
    bt_bencode_dict_set (entry, "attr", bt_bencode_new_string (attr));
  return entry;
}

static BtMetainfo *
parse (BtBencode  *root,
       GError    **error)
{
  g_autoptr(GBytes) bytes = bt_bencode_encode (root);

  return bt_metainfo_new_from_bytes (bytes, error);
}

static void
test_single_file (void)
{
  BtBencode *info = bt_bencode_new_dict ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) info_bytes = NULL;
  guint8 expected_hash[20];
  g_autofree char *expected_hex = NULL;

  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("movie.mkv"));
  bt_bencode_dict_set (info, "length", bt_bencode_new_integer (100000));
  root = new_torrent (info, 100000, 32768);
  bt_bencode_dict_set (root, "announce", bt_bencode_new_string ("http://t.example/announce"));
  bt_bencode_dict_set (root, "comment", bt_bencode_new_string ("plain"));
  bt_bencode_dict_set (root, "comment.utf-8", bt_bencode_new_string ("Ünïcode"));
  bt_bencode_dict_set (root, "created by", bt_bencode_new_string ("test"));
  bt_bencode_dict_set (root, "creation date", bt_bencode_new_integer (1700000000));

  meta = parse (root, &error);
  g_assert_no_error (error);

  info_bytes = bt_bencode_encode (info);
  bt_sha1 (g_bytes_get_data (info_bytes, NULL), g_bytes_get_size (info_bytes), expected_hash);
  expected_hex = bt_hex_encode (expected_hash, 20);
  g_assert_cmpmem (bt_metainfo_get_info_hash (meta), 20, expected_hash, 20);
  g_assert_cmpstr (bt_metainfo_get_info_hash_hex (meta), ==, expected_hex);

  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "movie.mkv");
  g_assert_false (bt_metainfo_is_multi_file (meta));
  g_assert_false (bt_metainfo_is_private (meta));
  g_assert_cmpuint (bt_metainfo_get_total_size (meta), ==, 100000);
  g_assert_cmpuint (bt_metainfo_get_piece_length (meta), ==, 32768);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, 4);
  g_assert_cmpuint (bt_metainfo_get_piece_size (meta, 0), ==, 32768);
  g_assert_cmpuint (bt_metainfo_get_piece_size (meta, 3), ==, 100000 - 3 * 32768);
  g_assert_cmpuint (bt_metainfo_get_piece_hash (meta, 2)[0], ==, 2);
  g_assert_cmpuint (bt_metainfo_get_n_files (meta), ==, 1);
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, "movie.mkv");
  g_assert_cmpuint (bt_metainfo_get_file_size (meta, 0), ==, 100000);
  g_assert_cmpstr (bt_metainfo_get_comment (meta), ==, "Ünïcode");
  g_assert_cmpstr (bt_metainfo_get_created_by (meta), ==, "test");
  g_assert_cmpint (bt_metainfo_get_creation_date (meta), ==, 1700000000);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 1);
  g_assert_cmpstr (bt_metainfo_get_tier (meta, 0)[0], ==, "http://t.example/announce");
  g_assert_null (bt_metainfo_get_tier (meta, 0)[1]);
  g_assert_null (bt_metainfo_get_warnings (meta)[0]);
}

static void
test_multi_file_nested (void)
{
  BtBencode *info = bt_bencode_new_dict ();
  BtBencode *files = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;

  bt_bencode_list_append (files, file_entry (1000, NULL, "a.txt", NULL));
  bt_bencode_list_append (files, file_entry (0, NULL, "empty", NULL));
  bt_bencode_list_append (files, file_entry (50000, "x", "dir", "sub", "deep", "b.bin", NULL));
  bt_bencode_list_append (files, file_entry (16384 - (51000 % 16384), "p", ".pad", "1234", NULL));
  bt_bencode_list_append (files, file_entry (7, "h", "dir", ".hidden", NULL));
  bt_bencode_dict_set (info, "files", files);
  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("Collection"));
  bt_bencode_dict_set (info, "private", bt_bencode_new_integer (1));
  bt_bencode_dict_set (info, "source", bt_bencode_new_string ("TRK"));
  root = new_torrent (info, 51000 + (16384 - (51000 % 16384)) + 7, 16384);

  meta = parse (root, &error);
  g_assert_no_error (error);
  g_assert_true (bt_metainfo_is_multi_file (meta));
  g_assert_true (bt_metainfo_is_private (meta));
  g_assert_cmpstr (bt_metainfo_get_source (meta), ==, "TRK");
  g_assert_cmpuint (bt_metainfo_get_n_files (meta), ==, 5);
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, "Collection/a.txt");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 1), ==, "Collection/empty");
  g_assert_cmpuint (bt_metainfo_get_file_size (meta, 1), ==, 0);
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 2), ==, "Collection/dir/sub/deep/b.bin");
  g_assert_cmpuint (bt_metainfo_get_file_offset (meta, 2), ==, 1000);
  g_assert_cmpuint (bt_metainfo_get_file_flags (meta, 2), ==, BT_METAINFO_FILE_EXECUTABLE);
  g_assert_cmpuint (bt_metainfo_get_file_flags (meta, 3), ==, BT_METAINFO_FILE_PAD);
  g_assert_cmpuint (bt_metainfo_get_file_offset (meta, 4), ==, 4 * 16384);
  g_assert_cmpuint (bt_metainfo_get_file_flags (meta, 4), ==, BT_METAINFO_FILE_HIDDEN);
  g_assert_cmpuint (bt_metainfo_get_total_size (meta), ==, 4 * 16384 + 7);
  /* The pad file is part of the pieces but not of what a person downloads. */
  g_assert_cmpuint (bt_metainfo_get_wanted_size (meta), ==, 51007);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, 5);
  g_assert_cmpuint (bt_metainfo_get_piece_size (meta, 4), ==, 7);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 0);
}

static void
test_announce_list (void)
{
  BtBencode *info = bt_bencode_new_dict ();
  BtBencode *tiers = bt_bencode_new_list ();
  BtBencode *tier1 = bt_bencode_new_list ();
  BtBencode *tier2 = bt_bencode_new_list ();
  BtBencode *tier3 = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *tier;

  bt_bencode_list_append (tier1, bt_bencode_new_string ("http://a/announce"));
  bt_bencode_list_append (tier1, bt_bencode_new_string ("  udp://b:80/announce  "));
  bt_bencode_list_append (tier2, bt_bencode_new_string ("http://a/announce")); /* duplicate */
  bt_bencode_list_append (tier2, bt_bencode_new_integer (5));                 /* not a URL */
  bt_bencode_list_append (tier3, bt_bencode_new_string (""));
  bt_bencode_list_append (tier3, bt_bencode_new_string ("https://c/announce"));
  bt_bencode_list_append (tiers, tier1);
  bt_bencode_list_append (tiers, tier2);
  bt_bencode_list_append (tiers, tier3);

  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("x"));
  bt_bencode_dict_set (info, "length", bt_bencode_new_integer (1));
  root = new_torrent (info, 1, 16384);
  bt_bencode_dict_set (root, "announce", bt_bencode_new_string ("http://ignored/announce"));
  bt_bencode_dict_set (root, "announce-list", tiers);
  {
    BtBencode *urls = bt_bencode_new_list ();

    bt_bencode_list_append (urls, bt_bencode_new_string ("http://seed/x"));
    bt_bencode_list_append (urls, bt_bencode_new_string ("http://seed/x"));
    bt_bencode_dict_set (root, "url-list", urls);
  }

  meta = parse (root, &error);
  g_assert_no_error (error);

  /* BEP 12: announce-list wins over announce; the emptied tier is gone. */
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 2);
  tier = bt_metainfo_get_tier (meta, 0);
  g_assert_cmpstr (tier[0], ==, "http://a/announce");
  g_assert_cmpstr (tier[1], ==, "udp://b:80/announce");
  g_assert_null (tier[2]);
  tier = bt_metainfo_get_tier (meta, 1);
  g_assert_cmpstr (tier[0], ==, "https://c/announce");
  g_assert_null (tier[1]);

  g_assert_cmpstr (bt_metainfo_get_web_seeds (meta)[0], ==, "http://seed/x");
  g_assert_null (bt_metainfo_get_web_seeds (meta)[1]);
}

static void
test_empty_announce_list_falls_back (void)
{
  BtBencode *info = bt_bencode_new_dict ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;

  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("x"));
  bt_bencode_dict_set (info, "length", bt_bencode_new_integer (1));
  root = new_torrent (info, 1, 16384);
  bt_bencode_dict_set (root, "announce", bt_bencode_new_string ("http://only/announce"));
  bt_bencode_dict_set (root, "announce-list", bt_bencode_new_list ());
  bt_bencode_dict_set (root, "url-list", bt_bencode_new_string ("http://ws/"));

  meta = parse (root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 1);
  g_assert_cmpstr (bt_metainfo_get_tier (meta, 0)[0], ==, "http://only/announce");
  g_assert_cmpstr (bt_metainfo_get_web_seeds (meta)[0], ==, "http://ws/");
}

static void
test_utf8_variants (void)
{
  BtBencode *info = bt_bencode_new_dict ();
  BtBencode *files = bt_bencode_new_list ();
  BtBencode *entry = file_entry (10, NULL, "caf\xe9.txt", NULL); /* Latin-1 */
  BtBencode *utf8_path = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;

  bt_bencode_list_append (utf8_path, bt_bencode_new_string ("café.txt"));
  bt_bencode_dict_set (entry, "path.utf-8", utf8_path);
  bt_bencode_list_append (files, entry);
  bt_bencode_list_append (files, file_entry (10, NULL, "na\xefve.txt", NULL));
  bt_bencode_dict_set (info, "files", files);
  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("M\xfcsic"));
  bt_bencode_dict_set (info, "name.utf-8", bt_bencode_new_string ("Müsic"));
  root = new_torrent (info, 20, 16384);

  meta = parse (root, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "Müsic");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, "Müsic/café.txt");
  /* No UTF-8 twin: the invalid byte is escaped, so the name can be shown and
   * written. */
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 1), ==, "Müsic/na%EFve.txt");
  g_assert_true (g_utf8_validate (bt_metainfo_get_file_path (meta, 1), -1, NULL));
  g_assert_true (bt_metainfo_get_file_flags (meta, 1) & BT_METAINFO_FILE_RENAMED);
  g_assert_nonnull (bt_metainfo_get_warnings (meta)[0]);
}

static void
test_from_file (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.torrent", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.torrent", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.torrent", NULL);
  BtBencode *info = bt_bencode_new_dict ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;

  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("f"));
  bt_bencode_dict_set (info, "length", bt_bencode_new_integer (3));
  root = new_torrent (info, 3, 16384);
  bytes = bt_bencode_encode (root);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));

  meta = bt_metainfo_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bt_metainfo_get_bytes (meta), bytes));
  g_clear_object (&meta);

  meta = bt_metainfo_new_from_file (missing, &error);
  g_assert_null (meta);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.torrent"));
  g_clear_error (&error);

  meta = bt_metainfo_new_from_file (dir, &error);
  g_assert_null (meta);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (garbage, "<html>not a torrent</html>", -1, NULL));
  meta = bt_metainfo_new_from_file (garbage, &error);
  g_assert_null (meta);
  g_assert_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX);
  g_assert_nonnull (strstr (error->message, "not a valid torrent"));

  bt_test_remove_tree (dir);
}

static void
test_info_bytes (void)
{
  const char *text = "d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e"
                     "6:pieces20:01234567890123456789ee";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = bt_metainfo_new_from_bytes (bytes, &error);
  GBytes *info;

  g_assert_no_error (error);
  info = bt_metainfo_get_info_bytes (meta);
  g_assert_cmpmem (g_bytes_get_data (info, NULL), g_bytes_get_size (info),
                   text + 7, strlen (text) - 8);
}

static void
test_trailing_data_ignored (void)
{
  const char *text = "d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e"
                     "6:pieces20:01234567890123456789ee";
  GByteArray *with_tail = g_byte_array_new ();
  g_autoptr(GBytes) clean = g_bytes_new_static (text, strlen (text));
  g_autoptr(GBytes) tail = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) a = bt_metainfo_new_from_bytes (clean, &error);
  g_autoptr(BtMetainfo) b = NULL;

  g_byte_array_append (with_tail, (const guint8 *) text, strlen (text));
  g_byte_array_append (with_tail, (const guint8 *) "\n\0\0<html>", 9);
  tail = g_byte_array_free_to_bytes (with_tail);

  g_assert_no_error (error);
  /* Transmission and aria2 read such files; so do we, with a warning, and
   * the identity of the torrent is unchanged. */
  b = bt_metainfo_new_from_bytes (tail, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bt_metainfo_get_info_hash_hex (a), ==, bt_metainfo_get_info_hash_hex (b));
  g_assert_null (bt_metainfo_get_warnings (a)[0]);
  g_assert_nonnull (strstr (bt_metainfo_get_warnings (b)[0], "9 bytes of extra data"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/metainfo/single-file", test_single_file);
  g_test_add_func ("/engine/metainfo/multi-file-nested", test_multi_file_nested);
  g_test_add_func ("/engine/metainfo/announce-list", test_announce_list);
  g_test_add_func ("/engine/metainfo/empty-announce-list", test_empty_announce_list_falls_back);
  g_test_add_func ("/engine/metainfo/utf8-variants", test_utf8_variants);
  g_test_add_func ("/engine/metainfo/from-file", test_from_file);
  g_test_add_func ("/engine/metainfo/info-bytes", test_info_bytes);
  g_test_add_func ("/engine/metainfo/trailing-data", test_trailing_data_ignored);

  return g_test_run ();
}
