/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Hostile torrents, built in memory: every path a torrent can name must land
 * inside the download folder, two files must never share a path, and what
 * has no safe reading is refused with a clear error and no crash.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo.h"
#include "bt-path.h"
#include "bt-sha1.h"
#include "bt-test-util.h"

#define NAME "NAME"
#define PIECE_LENGTH (16 * 1024)
#define ANNOUNCE "http://tracker.example/announce"

/* More piece hashes than this are not worth building: a test that needs a
 * piece count that large is about the count, not the hashes. */
#define MAX_BUILT_PIECES (1u << 16)

typedef struct
{
  const char *parts[8]; /* NULL-terminated path components */
  gint64      size;
  const char *attr;     /* BEP 47 attributes, or NULL */
} FileSpec;

/* Builders */

static BtBencode *
new_string_list (const char * const *parts)
{
  BtBencode *list = bt_bencode_new_list ();

  for (guint i = 0; parts[i] != NULL; i++)
    bt_bencode_list_append (list, bt_bencode_new_string (parts[i]));
  return list;
}

static BtBencode *
new_bytes_string (const char *data,
                  gsize       length)
{
  return bt_bencode_new_string_len ((const guint8 *) data, length);
}

/* @path: (transfer full) */
static BtBencode *
new_file_entry (gint64      size,
                BtBencode  *path,
                const char *attr)
{
  BtBencode *entry = bt_bencode_new_dict ();

  bt_bencode_dict_set (entry, "length", bt_bencode_new_integer (size));
  bt_bencode_dict_set (entry, "path", path);
  if (attr != NULL)
    bt_bencode_dict_set (entry, "attr", bt_bencode_new_string (attr));
  return entry;
}

static BtBencode *
new_files (const FileSpec *specs,
           guint           n_specs)
{
  BtBencode *files = bt_bencode_new_list ();

  for (guint i = 0; i < n_specs; i++)
    bt_bencode_list_append (files, new_file_entry (specs[i].size,
                                                   new_string_list (specs[i].parts),
                                                   specs[i].attr));
  return files;
}

/* All-zero hashes for @n pieces: the parser checks their count, not their
 * contents. */
static BtBencode *
new_zero_hashes (guint64 n)
{
  g_autofree guint8 *zeros = NULL;

  g_assert_cmpuint (n, <=, MAX_BUILT_PIECES);
  zeros = g_malloc0 (MAX (n, 1) * BT_PIECE_HASH_LENGTH);
  return bt_bencode_new_string_len (zeros, n * BT_PIECE_HASH_LENGTH);
}

static guint64
n_pieces_for (guint64 total,
              guint64 piece_length)
{
  return total / piece_length + (total % piece_length != 0);
}

/* Gives @info the right number of hashes for the sizes it lists now, or an
 * empty list when that number is absurd. */
static void
refresh_pieces (BtBencode *info)
{
  BtBencode *files = bt_bencode_dict_lookup (info, "files");
  BtBencode *length = bt_bencode_dict_lookup (info, "length");
  BtBencode *piece_length = bt_bencode_dict_lookup (info, "piece length");
  gint64 plen = piece_length != NULL ? bt_bencode_get_integer (piece_length) : PIECE_LENGTH;
  guint64 total = 0;
  guint64 n;

  if (bt_bencode_is_type (files, BT_BENCODE_LIST))
    {
      for (guint i = 0; i < bt_bencode_get_length (files); i++)
        {
          BtBencode *entry = bt_bencode_list_get (files, i);
          BtBencode *size;

          if (!bt_bencode_is_type (entry, BT_BENCODE_DICT))
            continue;
          size = bt_bencode_dict_lookup_type (entry, "length", BT_BENCODE_INTEGER);
          if (size != NULL && bt_bencode_get_integer (size) > 0)
            total += (guint64) bt_bencode_get_integer (size);
        }
    }
  else if (bt_bencode_is_type (length, BT_BENCODE_INTEGER) && bt_bencode_get_integer (length) > 0)
    total = (guint64) bt_bencode_get_integer (length);

  n = plen > 0 ? n_pieces_for (total, (guint64) plen) : 0;
  if (n > MAX_BUILT_PIECES)
    bt_bencode_dict_set (info, "pieces", bt_bencode_new_string (""));
  else
    bt_bencode_dict_set (info, "pieces", new_zero_hashes (n));
}

/* A valid torrent around an info dictionary: @info is (transfer full). */
static BtBencode *
wrap_info (BtBencode *info)
{
  BtBencode *root = bt_bencode_new_dict ();

  refresh_pieces (info);
  bt_bencode_dict_set (root, "announce", bt_bencode_new_string (ANNOUNCE));
  bt_bencode_dict_set (root, "info", info);
  return root;
}

/* A valid multi-file torrent named @name; @files (transfer full) is the
 * "files" list. Tests override keys of its info dictionary afterwards. */
static BtBencode *
make_multi_from_list (const char *name,
                      BtBencode  *files)
{
  BtBencode *info = bt_bencode_new_dict ();

  bt_bencode_dict_set (info, "name", bt_bencode_new_string (name));
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (PIECE_LENGTH));
  bt_bencode_dict_set (info, "files", files);
  return wrap_info (info);
}

static BtBencode *
make_multi (const char     *name,
            const FileSpec *specs,
            guint           n_specs)
{
  return make_multi_from_list (name, new_files (specs, n_specs));
}

static BtBencode *
make_single (const char *name,
             gint64      size)
{
  BtBencode *info = bt_bencode_new_dict ();

  bt_bencode_dict_set (info, "name", bt_bencode_new_string (name));
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (PIECE_LENGTH));
  bt_bencode_dict_set (info, "length", bt_bencode_new_integer (size));
  return wrap_info (info);
}

static BtBencode *
info_of (BtBencode *root)
{
  BtBencode *info = bt_bencode_dict_lookup (root, "info");

  g_assert_nonnull (info);
  return info;
}

/* The builders can set keys but not remove them: this copies @dict without
 * @key. Returns (transfer full). */
static BtBencode *
dict_without (BtBencode  *dict,
              const char *key)
{
  BtBencode *copy = bt_bencode_new_dict ();

  for (guint i = 0; i < bt_bencode_get_length (dict); i++)
    {
      BtBencode *k = bt_bencode_dict_get_key (dict, i);
      const guint8 *data;
      gsize len;

      data = bt_bencode_get_string (k, &len);
      if (len == strlen (key) && memcmp (data, key, len) == 0)
        continue;
      bt_bencode_dict_set_len (copy, data, len,
                               bt_bencode_ref (bt_bencode_dict_get_value (dict, i)));
    }
  return copy;
}

static void
remove_info_key (BtBencode  *root,
                 const char *key)
{
  bt_bencode_dict_set (root, "info", dict_without (info_of (root), key));
}

/* Parsing */

static BtMetainfo *
parse_root (BtBencode  *root,
            GError    **error)
{
  g_autoptr(GBytes) bytes = bt_bencode_encode (root);

  return bt_metainfo_new_from_bytes (bytes, error);
}

static char *
joined_warnings (BtMetainfo *meta)
{
  const char * const *warnings = bt_metainfo_get_warnings (meta);

  g_assert_nonnull (warnings);
  return g_strjoinv ("\n", (char **) warnings);
}

static void
assert_warned (BtMetainfo *meta,
               const char *fragment)
{
  g_autofree char *all = joined_warnings (meta);

  if (strstr (all, fragment) == NULL)
    g_test_message ("warnings:\n%s", all);
  g_assert_nonnull (strstr (all, fragment));
}

static void
assert_no_warnings (BtMetainfo *meta)
{
  g_autofree char *all = joined_warnings (meta);

  g_assert_cmpstr (all, ==, "");
}

/* Creates @relative under @dir the way a download would (folders, then an
 * empty file that must not exist yet) and checks that the real path, with
 * symlinks resolved, stays inside @real_dir. */
static void
create_inside (const char *dir,
               const char *real_dir,
               const char *relative)
{
  g_autofree char *full = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (full);
  g_autofree char *real = NULL;
  g_autofree char *prefix = g_strconcat (real_dir, "/", NULL);
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  /* O_EXCL: a second file with this path, or a folder in its place, fails. */
  fd = g_open (full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (fd < 0)
    g_test_message ("creating “%s”: %s", relative, g_strerror (errno));
  g_assert_cmpint (fd, >=, 0);
  close (fd);

  real = realpath (full, NULL);
  g_assert_nonnull (real);
  g_assert_true (g_str_has_prefix (real, prefix));
}

/* What every torrent that parses must satisfy, however hostile: the name
 * is one safe component; each file's path is safe, below the name, and
 * stays inside the download folder once joined and canonicalized; real
 * files have unique paths, none of which is a folder another file needs;
 * and all of them can actually be created there. */
static void
assert_layout_safe (BtMetainfo *meta)
{
  const char *name = bt_metainfo_get_name (meta);
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autofree char *real_dir = realpath (dir, NULL);
  g_autofree char *dir_prefix = g_strconcat (dir, "/", NULL);
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key;

  g_assert_nonnull (real_dir);
  g_assert_nonnull (name);
  g_assert_true (bt_path_is_safe_relative (name));
  g_assert_null (strchr (name, '/'));

  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      const char *path = bt_metainfo_get_file_path (meta, i);
      g_autofree char *canonical = NULL;

      g_test_message ("file %u: “%s”", i, path);
      g_assert_true (bt_path_is_safe_relative (path));
      g_assert_cmpuint (strlen (path), <=, BT_METAINFO_MAX_PATH_LENGTH);
      g_assert_true (g_utf8_validate (path, -1, NULL));
      if (bt_metainfo_is_multi_file (meta))
        {
          g_assert_true (g_str_has_prefix (path, name));
          g_assert_cmpint (path[strlen (name)], ==, '/');
        }
      else
        g_assert_cmpstr (path, ==, name);

      canonical = g_canonicalize_filename (path, dir);
      g_assert_true (g_str_has_prefix (canonical, dir_prefix));

      if (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD)
        continue;

      /* Unique: prints the clashing path if not. */
      g_assert_cmpstr (g_hash_table_lookup (paths, path), ==, NULL);
      g_hash_table_insert (paths, (gpointer) path, (gpointer) path);

      for (const char *slash = strchr (path, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
        {
          char *folder = g_strndup (path, slash - path);

          g_hash_table_replace (folders, folder, g_strdup (folder));
        }
    }

  /* No file may sit where another file needs a folder. */
  g_hash_table_iter_init (&iter, paths);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_cmpstr (g_hash_table_lookup (folders, key), ==, NULL);

  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    if (!(bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD))
      create_inside (dir, real_dir, bt_metainfo_get_file_path (meta, i));

  bt_test_remove_tree (dir);
}

/* Parses @root, which must be accepted, and checks its layout. */
static BtMetainfo *
parse_ok (BtBencode *root)
{
  g_autoptr(GError) error = NULL;
  BtMetainfo *meta = parse_root (root, &error);

  g_assert_no_error (error);
  g_assert_nonnull (meta);
  assert_layout_safe (meta);
  return meta;
}

static void
assert_file (BtMetainfo *meta,
             guint       index,
             const char *expected,
             gboolean    renamed)
{
  BtMetainfoFileFlags flags;

  g_assert_cmpuint (index, <, bt_metainfo_get_n_files (meta));
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, index), ==, expected);
  flags = bt_metainfo_get_file_flags (meta, index);
  if (renamed)
    {
      g_assert_true (flags & BT_METAINFO_FILE_RENAMED);
      assert_warned (meta, expected);
    }
  else
    g_assert_false (flags & BT_METAINFO_FILE_RENAMED);
}

/* Checks that @error is @code with a message that contains each of the
 * NULL-terminated fragments, ignoring case. */
static void
assert_error (const GError *error,
              BtError       code,
              ...) G_GNUC_NULL_TERMINATED;

static void
assert_error (const GError *error,
              BtError       code,
              ...)
{
  g_autofree char *message = NULL;
  const char *fragment;
  va_list args;

  g_assert_error (error, BT_ERROR, (gint) code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
  message = g_utf8_strdown (error->message, -1);

  va_start (args, code);
  while ((fragment = va_arg (args, const char *)) != NULL)
    {
      g_autofree char *lower = g_utf8_strdown (fragment, -1);

      if (strstr (message, lower) == NULL)
        g_test_message ("error message “%s” lacks “%s”", error->message, fragment);
      g_assert_nonnull (strstr (message, lower));
    }
  va_end (args);
}

static void
assert_rejected (BtBencode *root,
                 BtError    code,
                 const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = parse_root (root, &error);

  g_assert_null (meta);
  assert_error (error, code, fragment, NULL);
}

static void
assert_bytes_rejected (const void *data,
                       gsize       length,
                       BtError     code,
                       const char *fragment)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = bt_metainfo_new_from_bytes (bytes, &error);

  g_assert_null (meta);
  assert_error (error, code, fragment, NULL);
}

/* A one-file multi-file torrent whose only path is @path (transfer full). */
static BtMetainfo *
parse_one_path (BtBencode *path)
{
  g_autoptr(BtBencode) files = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;

  bt_bencode_list_append (files, new_file_entry (10, path, NULL));
  root = make_multi_from_list (NAME, g_steal_pointer (&files));
  return parse_ok (root);
}

/* Baseline: the checks below notice when something is wrong */

static void
test_clean (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
    { { "dir", "sub", "b.bin", NULL }, 20000 },
    { { "empty", NULL }, 0 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, NAME);
  g_assert_cmpuint (bt_metainfo_get_n_files (meta), ==, 3);
  assert_file (meta, 0, NAME "/a.txt", FALSE);
  assert_file (meta, 1, NAME "/dir/sub/b.bin", FALSE);
  assert_file (meta, 2, NAME "/empty", FALSE);
  assert_no_warnings (meta);
  g_assert_cmpuint (bt_metainfo_get_total_size (meta), ==, 20010);
  g_assert_cmpuint (bt_metainfo_get_wanted_size (meta), ==, 20010);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, 2);
}

/* Path traversal */

static void
test_traversal_dotdot (void)
{
  const FileSpec specs[] = {
    { { "..", "..", "etc", "passwd", NULL }, 10 },
    { { "a", "..", "..", "..", "b.txt", NULL }, 10 },
    { { "..", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/etc/passwd", TRUE);
  assert_file (meta, 1, NAME "/a/b.txt", TRUE);
  /* Nothing is left of the path: the file still needs a name. */
  assert_file (meta, 2, NAME "/_", TRUE);
  g_assert_cmpstr (bt_metainfo_get_file_original_path (meta, 0), ==, NAME "/../../etc/passwd");
  assert_warned (meta, NAME "/../../etc/passwd");
}

static void
test_traversal_dot (void)
{
  const FileSpec specs[] = {
    { { ".", "a", ".", "b.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/a/b.txt", TRUE);
}

static void
test_traversal_empty (void)
{
  const FileSpec specs[] = {
    { { "", "a", "", "b.txt", "", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/a/b.txt", TRUE);
}

static void
test_traversal_absolute (void)
{
  const FileSpec specs[] = {
    { { "/etc", "passwd", NULL }, 10 },
    { { "//root/.ssh", "authorized_keys", NULL }, 10 },
    { { "/", "x.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/etc/passwd", TRUE);
  assert_file (meta, 1, NAME "/root_.ssh/authorized_keys", TRUE);
  assert_file (meta, 2, NAME "/x.txt", TRUE);
}

static void
test_traversal_slash_inside (void)
{
  const FileSpec specs[] = {
    { { "a/../../b", NULL }, 10 },
    { { "../../etc/passwd", NULL }, 10 },
    { { "dir", "../..", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/a_.._.._b", TRUE);
  assert_file (meta, 1, NAME "/.._.._etc_passwd", TRUE);
  assert_file (meta, 2, NAME "/dir/.._..", TRUE);
}

static void
test_traversal_nul (void)
{
  g_autoptr(BtBencode) files = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  BtBencode *path;

  /* A C consumer that stops at the NUL would write "a", or "..". */
  path = bt_bencode_new_list ();
  bt_bencode_list_append (path, new_bytes_string ("a\0b.txt", 7));
  bt_bencode_list_append (files, new_file_entry (10, path, NULL));

  path = bt_bencode_new_list ();
  bt_bencode_list_append (path, new_bytes_string ("..\0", 3));
  bt_bencode_list_append (path, new_bytes_string ("\0/x", 3));
  bt_bencode_list_append (files, new_file_entry (10, path, NULL));

  root = make_multi_from_list (NAME, g_steal_pointer (&files));
  meta = parse_ok (root);

  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, NAME "/a%00b.txt");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 1), ==, NAME "/..%00/%00_x");
  /* Whether the escaping is flagged: see escaped-names-flagged. */
}

static void
test_traversal_control (void)
{
  const FileSpec specs[] = {
    { { "a\tb\nc\x1b[0m\x7f.txt", NULL }, 10 },
    { { "\r", "x", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/a_b_c_[0m_.txt", TRUE);
  assert_file (meta, 1, NAME "/_/x", TRUE);
}

/* A torrent name with no safe reading becomes the info-hash, as libtorrent
 * does, for multi-file and single-file torrents. */
static void
test_name_unsafe (void)
{
  const char *names[] = { "..", ".", "/", "", "//..", "///", "/." };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const FileSpec specs[] = {
        { { "a.txt", NULL }, 10 },
      };
      g_autoptr(BtBencode) multi = make_multi (names[i], specs, G_N_ELEMENTS (specs));
      g_autoptr(BtBencode) single = make_single (names[i], 10);
      g_autoptr(BtMetainfo) meta = NULL;
      g_autofree char *expected = NULL;
      const char *hex;

      g_test_message ("name “%s”", names[i]);

      meta = parse_ok (multi);
      hex = bt_metainfo_get_info_hash_hex (meta);
      g_assert_cmpuint (strlen (hex), ==, 2 * BT_INFO_HASH_LENGTH);
      g_assert_cmpstr (bt_metainfo_get_name (meta), ==, hex);
      expected = g_strconcat (hex, "/a.txt", NULL);
      g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, expected);
      /* A multi-file torrent's folder is renamed once, with one warning. */
      assert_warned (meta, hex);
      g_clear_object (&meta);

      meta = parse_ok (single);
      hex = bt_metainfo_get_info_hash_hex (meta);
      g_assert_cmpstr (bt_metainfo_get_name (meta), ==, hex);
      assert_file (meta, 0, hex, TRUE);
    }
}

static void
test_name_traversal (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) multi = make_multi ("../../etc", specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) absolute = make_multi ("/etc", specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) single = make_single ("../../.bashrc", 10);
  g_autoptr(BtBencode) control = make_single ("evil\n.sh", 10);
  g_autoptr(BtMetainfo) meta = NULL;

  meta = parse_ok (multi);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, ".._.._etc");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, ".._.._etc/a.txt");
  assert_warned (meta, ".._.._etc");
  g_clear_object (&meta);

  meta = parse_ok (absolute);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "etc");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, "etc/a.txt");
  assert_warned (meta, "“etc”");
  g_clear_object (&meta);

  meta = parse_ok (single);
  g_assert_false (bt_metainfo_is_multi_file (meta));
  assert_file (meta, 0, ".._.._.bashrc", TRUE);
  g_clear_object (&meta);

  meta = parse_ok (control);
  assert_file (meta, 0, "evil_.sh", TRUE);
}

static gboolean
has_control (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guint8) *p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/* Warnings and original paths are shown to a person (btorrent-cli info
 * prints them to a terminal): a torrent must not be able to slip escape
 * sequences or line breaks into them. */
static void
test_warnings_printable (void)
{
  const FileSpec specs[] = {
    { { "..", "\x1b]0;pwned\x07\x1b[2J", "x\ry.txt", NULL }, 10 },
    { { "line\nbreak.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) multi = make_multi ("\x1b[31m../red", specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) single = make_single ("\x1b[31m../red\n", 10);
  g_autoptr(BtMetainfo) meta = NULL;

  meta = parse_ok (multi);
  g_assert_cmpuint (g_strv_length ((char **) bt_metainfo_get_warnings (meta)), >, 0);
  for (const char * const *w = bt_metainfo_get_warnings (meta); *w != NULL; w++)
    {
      g_autofree char *shown = g_strescape (*w, NULL);

      g_test_message ("warning: %s", shown);
      g_assert_true (g_utf8_validate (*w, -1, NULL));
      g_assert_false (has_control (*w));
    }
  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    g_assert_false (has_control (bt_metainfo_get_file_original_path (meta, i)));
  g_clear_object (&meta);

  meta = parse_ok (single);
  g_assert_cmpuint (g_strv_length ((char **) bt_metainfo_get_warnings (meta)), >, 0);
  for (const char * const *w = bt_metainfo_get_warnings (meta); *w != NULL; w++)
    g_assert_false (has_control (*w));
  g_assert_false (has_control (bt_metainfo_get_file_original_path (meta, 0)));
}

static char *
repeat (const char *unit,
        guint       times)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (out, unit);
  return g_string_free (out, FALSE);
}

/* Components longer than NAME_MAX are cut on a character boundary and keep
 * their extension. */
static void
test_long_component (void)
{
  g_autofree char *two = repeat ("é", 150);      /* 300 bytes */
  g_autofree char *three = repeat ("€", 100);    /* 300 bytes */
  g_autofree char *four = repeat ("😀", 80);     /* 320 bytes */
  g_autofree char *ascii = repeat ("a", 300);
  g_autofree char *two_name = g_strconcat (two, ".txt", NULL);
  g_autofree char *three_name = g_strconcat (three, ".mkv", NULL);
  g_autofree char *four_name = g_strconcat (four, ".flac", NULL);
  g_autofree char *two_cut = repeat ("é", 125);   /* 250 + ".txt" */
  g_autofree char *three_cut = repeat ("€", 83);  /* 249 + ".mkv" */
  g_autofree char *four_cut = repeat ("😀", 62);  /* 248 + ".flac" */
  g_autofree char *ascii_cut = repeat ("a", 255);
  g_autofree char *e0 = g_strconcat (NAME "/", two_cut, ".txt", NULL);
  g_autofree char *e1 = g_strconcat (NAME "/", three_cut, ".mkv", NULL);
  /* A folder component keeps its extension too. */
  g_autofree char *e2 = g_strconcat (NAME "/", four_cut, ".flac/", ascii_cut, NULL);
  const FileSpec specs[] = {
    { { two_name, NULL }, 10 },
    { { three_name, NULL }, 10 },
    { { four_name, ascii, NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, e0, TRUE);
  assert_file (meta, 1, e1, TRUE);
  assert_file (meta, 2, e2, TRUE);
  for (guint i = 0; i < 3; i++)
    {
      g_auto(GStrv) parts = g_strsplit (bt_metainfo_get_file_path (meta, i), "/", -1);

      for (guint j = 0; parts[j] != NULL; j++)
        {
          g_assert_cmpuint (strlen (parts[j]), <=, BT_METAINFO_MAX_COMPONENT);
          g_assert_true (g_utf8_validate (parts[j], -1, NULL));
        }
    }
}

static void
test_long_name (void)
{
  g_autofree char *long_name = repeat ("n", 300);
  g_autofree char *cut = repeat ("n", 255);
  g_autofree char *expected = g_strconcat (cut, "/a.txt", NULL);
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (long_name, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, cut);
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, expected);
  assert_warned (meta, cut);
}

/* Two names that are only told apart after byte 255 become the same: the
 * second is numbered and still fits NAME_MAX. */
static void
test_long_duplicate (void)
{
  g_autofree char *base = repeat ("é", 150);
  g_autofree char *first = g_strconcat (base, "A.txt", NULL);
  g_autofree char *second = g_strconcat (base, "B.txt", NULL);
  g_autofree char *cut = repeat ("é", 125);
  g_autofree char *numbered_cut = repeat ("é", 124);
  g_autofree char *e0 = g_strconcat (NAME "/", cut, ".txt", NULL);
  g_autofree char *e1 = g_strconcat (NAME "/", numbered_cut, ".1.txt", NULL);
  const FileSpec specs[] = {
    { { first, NULL }, 10 },
    { { second, NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, e0, TRUE);
  assert_file (meta, 1, e1, TRUE);
}

/* "path.utf-8" wins when it is valid UTF-8 and is sanitized like "path". */
static void
test_utf8_path_preferred (void)
{
  g_autoptr(BtBencode) files = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  BtBencode *entry;
  const char *latin1[] = { "caf\xe9.txt", NULL };
  const char *utf8[] = { "café.txt", NULL };
  const char *hostile_utf8[] = { "..", "..", "été.txt", NULL };

  entry = new_file_entry (10, new_string_list (latin1), NULL);
  bt_bencode_dict_set (entry, "path.utf-8", new_string_list (utf8));
  bt_bencode_list_append (files, entry);

  /* path.utf-8 is no way around the sanitizing. */
  entry = new_file_entry (10, new_string_list ((const char *[]) { "ete.txt", NULL }), NULL);
  bt_bencode_dict_set (entry, "path.utf-8", new_string_list (hostile_utf8));
  bt_bencode_list_append (files, entry);

  root = make_multi_from_list (NAME, g_steal_pointer (&files));
  meta = parse_ok (root);

  assert_file (meta, 0, NAME "/café.txt", FALSE);
  assert_file (meta, 1, NAME "/été.txt", TRUE);
}

/* "path.utf-8" that is not UTF-8, or not a list of strings, is ignored. */
static void
test_utf8_path_ignored (void)
{
  g_autoptr(BtBencode) files = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  BtBencode *entry;
  BtBencode *mixed;

  entry = new_file_entry (10, new_string_list ((const char *[]) { "plain.txt", NULL }), NULL);
  bt_bencode_dict_set (entry, "path.utf-8",
                       new_string_list ((const char *[]) { "bad\xff.txt", NULL }));
  bt_bencode_list_append (files, entry);

  mixed = bt_bencode_new_list ();
  bt_bencode_list_append (mixed, bt_bencode_new_string ("dir"));
  bt_bencode_list_append (mixed, bt_bencode_new_integer (7));
  entry = new_file_entry (10, new_string_list ((const char *[]) { "other.txt", NULL }), NULL);
  bt_bencode_dict_set (entry, "path.utf-8", mixed);
  bt_bencode_list_append (files, entry);

  entry = new_file_entry (10, new_string_list ((const char *[]) { "third.txt", NULL }), NULL);
  bt_bencode_dict_set (entry, "path.utf-8", bt_bencode_new_string ("not-a-list.txt"));
  bt_bencode_list_append (files, entry);

  root = make_multi_from_list (NAME, g_steal_pointer (&files));
  meta = parse_ok (root);

  assert_file (meta, 0, NAME "/plain.txt", FALSE);
  assert_file (meta, 1, NAME "/other.txt", FALSE);
  assert_file (meta, 2, NAME "/third.txt", FALSE);
  assert_no_warnings (meta);
}

static void
test_utf8_name (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) preferred = make_multi ("caf\xe9", specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) ignored = make_multi ("plain", specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) hostile = make_multi ("safe", specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = NULL;

  bt_bencode_dict_set (info_of (preferred), "name.utf-8", bt_bencode_new_string ("café"));
  bt_bencode_dict_set (info_of (ignored), "name.utf-8", bt_bencode_new_string ("bad\xff"));
  bt_bencode_dict_set (info_of (hostile), "name.utf-8", bt_bencode_new_string ("../x"));

  meta = parse_ok (preferred);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "café");
  assert_file (meta, 0, "café/a.txt", FALSE);
  assert_no_warnings (meta);
  g_clear_object (&meta);

  meta = parse_ok (ignored);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "plain");
  assert_file (meta, 0, "plain/a.txt", FALSE);
  g_clear_object (&meta);

  meta = parse_ok (hostile);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, ".._x");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, ".._x/a.txt");
  assert_warned (meta, ".._x");
}

/* Bytes that are not UTF-8 become "%XX", in the name and in paths, and the
 * person is told the name differs from the torrent's. */
static void
test_non_utf8_escaped (void)
{
  const FileSpec specs[] = {
    { { "\xff\xfe.txt", NULL }, 10 },
    { { "ok", "\x82\xa0\x82\xa2.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi ("caf\xe9", specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "caf%E9");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 0), ==, "caf%E9/%FF%FE.txt");
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 1), ==, "caf%E9/ok/%82%A0%82%A2.txt");
}

/* Escaping a NUL or a byte that is not UTF-8 changes the name as much as
 * replacing a control character does: the file is flagged and the person
 * told, single-file and multi-file alike. */
static void
test_escaped_names_flagged (void)
{
  g_autoptr(BtBencode) files = bt_bencode_new_list ();
  g_autoptr(BtBencode) multi = NULL;
  g_autoptr(BtBencode) single = make_single ("caf\xe9.txt", 10);
  g_autoptr(BtBencode) folder = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
  };
  BtBencode *path;

  path = bt_bencode_new_list ();
  bt_bencode_list_append (path, new_bytes_string ("a\0b.txt", 7));
  bt_bencode_list_append (files, new_file_entry (10, path, NULL));
  bt_bencode_list_append (files, new_file_entry (10, new_string_list ((const char *[]) {
                                                   "\xff\xfe.txt", NULL }), NULL));
  multi = make_multi_from_list (NAME, g_steal_pointer (&files));

  meta = parse_ok (multi);
  assert_file (meta, 0, NAME "/a%00b.txt", TRUE);
  assert_file (meta, 1, NAME "/%FF%FE.txt", TRUE);
  g_clear_object (&meta);

  meta = parse_ok (single);
  assert_file (meta, 0, "caf%E9.txt", TRUE);
  g_clear_object (&meta);

  folder = make_multi ("caf\xe9", specs, G_N_ELEMENTS (specs));
  meta = parse_ok (folder);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "caf%E9");
  assert_warned (meta, "caf%E9");
}

static void
test_sanitized_to_nothing (void)
{
  const FileSpec specs[] = {
    { { "..", ".", "", NULL }, 10 },
    { { "/", "..", NULL }, 10 },
    { { "_", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  /* Three files want "NAME/_"; they are numbered in the torrent's order. */
  assert_file (meta, 0, NAME "/_", TRUE);
  assert_file (meta, 1, NAME "/_.1", TRUE);
  assert_file (meta, 2, NAME "/_.2", TRUE);
}

/* An empty path list has nothing to drop but still needs a file name. */
static void
test_empty_path_list (void)
{
  g_autoptr(BtMetainfo) meta = parse_one_path (bt_bencode_new_list ());

  assert_file (meta, 0, NAME "/_", TRUE);
}

/* Duplicates */

static void
test_duplicate_two (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
    { { "a.txt", NULL }, 20 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/a.txt", FALSE);
  assert_file (meta, 1, NAME "/a.1.txt", TRUE);
  g_assert_cmpstr (bt_metainfo_get_file_original_path (meta, 1), ==, NAME "/a.txt");
  g_assert_cmpuint (bt_metainfo_get_file_size (meta, 1), ==, 20);
}

static void
test_duplicate_three (void)
{
  const FileSpec specs[] = {
    { { "d", "a.tar.gz", NULL }, 10 },
    { { "d", "a.tar.gz", NULL }, 10 },
    { { "d", "a.tar.gz", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/d/a.tar.gz", FALSE);
  assert_file (meta, 1, NAME "/d/a.tar.1.gz", TRUE);
  assert_file (meta, 2, NAME "/d/a.tar.2.gz", TRUE);
}

/* A file where another file needs a folder: the folder keeps its name,
 * whichever comes first. */
static void
test_duplicate_file_vs_folder (void)
{
  const FileSpec file_first[] = {
    { { "a", NULL }, 10 },
    { { "a", "b", NULL }, 10 },
  };
  const FileSpec folder_first[] = {
    { { "x", "y", "z", NULL }, 10 },
    { { "x", "y", NULL }, 10 },
    { { "x", NULL }, 10 },
  };
  g_autoptr(BtBencode) root1 = make_multi (NAME, file_first, G_N_ELEMENTS (file_first));
  g_autoptr(BtBencode) root2 = make_multi (NAME, folder_first, G_N_ELEMENTS (folder_first));
  g_autoptr(BtMetainfo) meta = NULL;

  meta = parse_ok (root1);
  assert_file (meta, 0, NAME "/a.1", TRUE);
  assert_file (meta, 1, NAME "/a/b", FALSE);
  g_clear_object (&meta);

  meta = parse_ok (root2);
  assert_file (meta, 0, NAME "/x/y/z", FALSE);
  assert_file (meta, 1, NAME "/x/y.1", TRUE);
  assert_file (meta, 2, NAME "/x.1", TRUE);
}

/* A numbered candidate must not take a path a later file has. */
static void
test_duplicate_candidate_clash (void)
{
  const FileSpec specs[] = {
    { { "x.txt", NULL }, 10 },
    { { "x.txt", NULL }, 10 },
    { { "x.1.txt", NULL }, 10 },
    { { "x.2.txt", "inner", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);
  const char *renamed;

  assert_file (meta, 0, NAME "/x.txt", FALSE);
  assert_file (meta, 2, NAME "/x.1.txt", FALSE);
  assert_file (meta, 3, NAME "/x.2.txt/inner", FALSE);
  renamed = bt_metainfo_get_file_path (meta, 1);
  g_assert_true (bt_metainfo_get_file_flags (meta, 1) & BT_METAINFO_FILE_RENAMED);
  g_assert_cmpstr (renamed, !=, NAME "/x.txt");
  g_assert_cmpstr (renamed, !=, NAME "/x.1.txt");
  g_assert_cmpstr (renamed, !=, NAME "/x.2.txt");
}

/* Different paths in the torrent that become one after sanitizing. */
static void
test_duplicate_after_sanitize (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
    { { "..", "a.txt", NULL }, 10 },
    { { "", ".", "a.txt", NULL }, 10 },
    { { "%FF.txt", NULL }, 10 },
    { { "\xff.txt", NULL }, 10 },
    { { "/b", NULL }, 10 },
    { { "b", NULL }, 10 },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);

  assert_file (meta, 0, NAME "/a.txt", FALSE);
  assert_file (meta, 1, NAME "/a.1.txt", TRUE);
  assert_file (meta, 2, NAME "/a.2.txt", TRUE);
  assert_file (meta, 3, NAME "/%FF.txt", FALSE);
  assert_file (meta, 4, NAME "/%FF.1.txt", TRUE);
  assert_file (meta, 5, NAME "/b", TRUE);
  assert_file (meta, 6, NAME "/b.1", TRUE);
}

/* Two files whose path is exactly as long as a path may be: numbering the
 * second must not push it over the limit the parser enforces on every
 * other path (room is left for the download folder within PATH_MAX). */
static void
test_duplicate_at_path_limit (void)
{
  g_autoptr(BtBencode) files = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autofree char *folder = repeat ("d", 250);
  g_autofree char *stem = NULL;
  g_autofree char *leaf = NULL;
  guint n_folders = 0;
  gsize length = strlen (NAME);

  /* NAME, then 250-byte folders, then a leaf that fills the path to the
   * byte. */
  while (BT_METAINFO_MAX_PATH_LENGTH - length - 1 > 200)
    {
      length += 1 + 250;
      n_folders++;
    }
  stem = repeat ("f", BT_METAINFO_MAX_PATH_LENGTH - length - 1 - strlen (".txt"));
  leaf = g_strconcat (stem, ".txt", NULL);
  g_assert_cmpuint (strlen (leaf), <=, BT_METAINFO_MAX_COMPONENT);

  for (guint copy = 0; copy < 2; copy++)
    {
      BtBencode *path = bt_bencode_new_list ();

      for (guint i = 0; i < n_folders; i++)
        bt_bencode_list_append (path, bt_bencode_new_string (folder));
      bt_bencode_list_append (path, bt_bencode_new_string (leaf));
      bt_bencode_list_append (files, new_file_entry (10, path, NULL));
    }
  root = make_multi_from_list (NAME, g_steal_pointer (&files));
  meta = parse_ok (root);

  g_assert_cmpuint (strlen (bt_metainfo_get_file_path (meta, 0)), ==, BT_METAINFO_MAX_PATH_LENGTH);
  g_assert_false (bt_metainfo_get_file_flags (meta, 0) & BT_METAINFO_FILE_RENAMED);
  g_assert_true (bt_metainfo_get_file_flags (meta, 1) & BT_METAINFO_FILE_RENAMED);
}

/* Pad files */

static void
test_pad_files (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 100 },
    { { ".pad", "16284", NULL }, 16284, "p" },
    { { "b.txt", NULL }, 50 },
    { { ".pad", "16284", NULL }, 16284, "p" },
    { { "c.bin", NULL }, 7, "x" },
    /* A pad file never reaches the disk, so it takes no name from a real
     * file and is not numbered. */
    { { "c.bin", NULL }, 9, "p" },
    { { "..", "..", "pad", NULL }, 3, "p" },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtMetainfo) meta = parse_ok (root);
  guint64 total = 100 + 16284 + 50 + 16284 + 7 + 9 + 3;

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      gboolean pad = specs[i].attr != NULL && strchr (specs[i].attr, 'p') != NULL;

      g_assert_cmpint (!!(bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD), ==, pad);
    }
  g_assert_true (bt_metainfo_get_file_flags (meta, 4) & BT_METAINFO_FILE_EXECUTABLE);

  g_assert_cmpuint (bt_metainfo_get_total_size (meta), ==, total);
  g_assert_cmpuint (bt_metainfo_get_wanted_size (meta), ==, 100 + 50 + 7);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, n_pieces_for (total, PIECE_LENGTH));
  g_assert_cmpuint (bt_metainfo_get_file_offset (meta, 2), ==, 100 + 16284);

  assert_file (meta, 0, NAME "/a.txt", FALSE);
  assert_file (meta, 1, NAME "/.pad/16284", FALSE);
  assert_file (meta, 2, NAME "/b.txt", FALSE);
  assert_file (meta, 3, NAME "/.pad/16284", FALSE);
  assert_file (meta, 4, NAME "/c.bin", FALSE);
  assert_file (meta, 5, NAME "/c.bin", FALSE);
  /* Even a pad file's path is safe, should anything ever use it. */
  g_assert_cmpstr (bt_metainfo_get_file_path (meta, 6), ==, NAME "/pad");
  assert_no_warnings (meta);
}

/* Rejected: no safe reading */

static void
test_reject_no_name (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) missing = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) not_string = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) single = make_single (NAME, 10);

  remove_info_key (missing, "name");
  assert_rejected (missing, BT_ERROR_METAINFO_NO_NAME, "name");

  bt_bencode_dict_set (info_of (not_string), "name", bt_bencode_new_integer (42));
  assert_rejected (not_string, BT_ERROR_METAINFO_NO_NAME, "name");

  remove_info_key (single, "name");
  assert_rejected (single, BT_ERROR_METAINFO_NO_NAME, "name");
}

static void
test_reject_negative_length (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
    { { "b.txt", NULL }, -1 },
  };
  g_autoptr(BtBencode) multi = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) single = make_single (NAME, 10);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;

  meta = parse_root (multi, &error);
  g_assert_null (meta);
  assert_error (error, BT_ERROR_METAINFO_BAD_SIZE, "negative", "file 2", NULL);

  bt_bencode_dict_set (info_of (single), "length", bt_bencode_new_integer (G_MININT64));
  assert_rejected (single, BT_ERROR_METAINFO_BAD_SIZE, "negative");
}

static void
test_reject_size_overflow (void)
{
  const FileSpec max_plus_one[] = {
    { { "a", NULL }, G_MAXINT64 },
    { { "b", NULL }, 1 },
  };
  const FileSpec halves[] = {
    { { "a", NULL }, G_MAXINT64 / 2 + 1 },
    { { "b", NULL }, G_MAXINT64 / 2 + 1 },
  };
  const FileSpec many[] = {
    { { "a", NULL }, G_MAXINT64 / 3 },
    { { "b", NULL }, G_MAXINT64 / 3 },
    { { "c", NULL }, G_MAXINT64 / 3 },
    { { "d", NULL }, G_MAXINT64 / 3 },
  };
  g_autoptr(BtBencode) root1 = make_multi (NAME, max_plus_one, G_N_ELEMENTS (max_plus_one));
  g_autoptr(BtBencode) root2 = make_multi (NAME, halves, G_N_ELEMENTS (halves));
  g_autoptr(BtBencode) root3 = make_multi (NAME, many, G_N_ELEMENTS (many));

  assert_rejected (root1, BT_ERROR_METAINFO_BAD_SIZE, "add up");
  assert_rejected (root2, BT_ERROR_METAINFO_BAD_SIZE, "add up");
  assert_rejected (root3, BT_ERROR_METAINFO_BAD_SIZE, "add up");
}

static void
test_reject_missing_pieces (void)
{
  g_autoptr(BtBencode) root = make_single (NAME, 10);
  g_autoptr(BtBencode) not_string = make_single (NAME, 10);

  remove_info_key (root, "pieces");
  assert_rejected (root, BT_ERROR_METAINFO_BAD_PIECES, "piece hashes");

  bt_bencode_dict_set (info_of (not_string), "pieces", bt_bencode_new_integer (0));
  assert_rejected (not_string, BT_ERROR_METAINFO_BAD_PIECES, "piece hashes");
}

/* 3 pieces of data, 45 bytes of hashes: pieces 0 and 1 are whole, the
 * hash of piece 2 (counting from 0, as the protocol does) is cut. */
static void
test_reject_pieces_not_multiple (void)
{
  g_autoptr(BtBencode) root = make_single (NAME, 2 * PIECE_LENGTH + 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  guint8 hashes[45] = { 0 };

  bt_bencode_dict_set (info_of (root), "pieces", bt_bencode_new_string_len (hashes, 45));
  meta = parse_root (root, &error);
  g_assert_null (meta);
  assert_error (error, BT_ERROR_METAINFO_BAD_PIECES, "piece 2", "truncated", NULL);
}

static void
test_reject_hash_count (void)
{
  g_autoptr(BtBencode) few = make_single (NAME, 3 * PIECE_LENGTH);
  g_autoptr(BtBencode) many = make_single (NAME, 3 * PIECE_LENGTH);
  g_autoptr(BtBencode) empty_data = make_single (NAME, 0);

  bt_bencode_dict_set (info_of (few), "pieces", new_zero_hashes (2));
  assert_rejected (few, BT_ERROR_METAINFO_BAD_PIECES, "truncated");

  bt_bencode_dict_set (info_of (many), "pieces", new_zero_hashes (4));
  assert_rejected (many, BT_ERROR_METAINFO_BAD_PIECES, "4 piece hashes");

  /* No data, one hash: one hash too many. */
  bt_bencode_dict_set (info_of (empty_data), "pieces", new_zero_hashes (1));
  assert_rejected (empty_data, BT_ERROR_METAINFO_BAD_PIECES, "piece");
}

static void
test_reject_piece_length (void)
{
  const gint64 bad[] = {
    0, -1, -PIECE_LENGTH, G_MININT64, G_MAXINT64,
    (gint64) BT_METAINFO_MAX_PIECE_LENGTH + 1, G_MAXUINT32, (gint64) G_MAXUINT32 + 1,
  };
  g_autoptr(BtBencode) missing = make_single (NAME, 10);
  g_autoptr(BtBencode) max = make_single (NAME, 10);
  g_autoptr(BtMetainfo) meta = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(BtBencode) root = make_single (NAME, 10);

      g_test_message ("piece length %" G_GINT64_FORMAT, bad[i]);
      bt_bencode_dict_set (info_of (root), "piece length", bt_bencode_new_integer (bad[i]));
      assert_rejected (root, BT_ERROR_METAINFO_BAD_PIECES, "piece length");
    }

  remove_info_key (missing, "piece length");
  assert_rejected (missing, BT_ERROR_METAINFO_BAD_PIECES, "piece length");

  /* The limit itself is accepted. */
  bt_bencode_dict_set (info_of (max), "piece length",
                       bt_bencode_new_integer (BT_METAINFO_MAX_PIECE_LENGTH));
  meta = parse_ok (max);
  g_assert_cmpuint (bt_metainfo_get_piece_length (meta), ==, BT_METAINFO_MAX_PIECE_LENGTH);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, 1);
}

/* Piece indices are 32-bit in the protocol: 2^62 bytes in 16 KiB pieces
 * would be 2^48 pieces; 2^32 pieces is one too many. */
static void
test_reject_piece_count (void)
{
  const gint64 sizes[] = {
    G_GINT64_CONSTANT (1) << 62,
    (gint64) PIECE_LENGTH << 32,
    ((gint64) PIECE_LENGTH << 32) - PIECE_LENGTH + 1,
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      const FileSpec specs[] = {
        { { "huge", NULL }, sizes[i] },
      };
      g_autoptr(BtBencode) multi = make_multi (NAME, specs, G_N_ELEMENTS (specs));
      g_autoptr(BtBencode) single = make_single (NAME, sizes[i]);

      g_test_message ("size %" G_GINT64_FORMAT, sizes[i]);
      assert_rejected (multi, BT_ERROR_METAINFO_BAD_PIECES, "pieces");
      assert_rejected (single, BT_ERROR_METAINFO_BAD_PIECES, "pieces");
    }
}

static void
test_reject_no_files (void)
{
  g_autoptr(BtBencode) empty = make_multi_from_list (NAME, bt_bencode_new_list ());
  g_autoptr(BtBencode) neither = make_single (NAME, 10);

  assert_rejected (empty, BT_ERROR_METAINFO_NO_FILES, "no files");

  remove_info_key (neither, "length");
  assert_rejected (neither, BT_ERROR_METAINFO_NO_FILES, "no files");
}

static void
test_reject_v2_only (void)
{
  g_autoptr(BtBencode) root = make_single (NAME, 10);
  BtBencode *tree = bt_bencode_new_dict ();
  BtBencode *file = bt_bencode_new_dict ();
  BtBencode *leaf = bt_bencode_new_dict ();
  guint8 root_hash[32] = { 0 };

  bt_bencode_dict_set (leaf, "length", bt_bencode_new_integer (10));
  bt_bencode_dict_set (leaf, "pieces root", bt_bencode_new_string_len (root_hash, 32));
  bt_bencode_dict_set (file, "", leaf);
  bt_bencode_dict_set (tree, "a.txt", file);

  remove_info_key (root, "length");
  remove_info_key (root, "pieces");
  bt_bencode_dict_set (info_of (root), "file tree", tree);
  bt_bencode_dict_set (info_of (root), "meta version", bt_bencode_new_integer (2));
  assert_rejected (root, BT_ERROR_METAINFO_UNSUPPORTED, "v2");
}

static void
test_reject_files_not_list (void)
{
  g_autoptr(BtBencode) string = make_single (NAME, 10);
  g_autoptr(BtBencode) dict = make_single (NAME, 10);

  bt_bencode_dict_set (info_of (string), "files", bt_bencode_new_string ("a.txt"));
  assert_rejected (string, BT_ERROR_METAINFO_INVALID, "not a list");

  bt_bencode_dict_set (info_of (dict), "files", bt_bencode_new_dict ());
  assert_rejected (dict, BT_ERROR_METAINFO_INVALID, "not a list");
}

static void
test_reject_file_not_dict (void)
{
  const FileSpec specs[] = {
    { { "a.txt", NULL }, 10 },
  };
  g_autoptr(BtBencode) files = new_files (specs, G_N_ELEMENTS (specs));
  g_autoptr(BtBencode) root = NULL;

  bt_bencode_list_append (files, bt_bencode_new_string ("b.txt"));
  root = make_multi_from_list (NAME, g_steal_pointer (&files));
  assert_rejected (root, BT_ERROR_METAINFO_INVALID, "entry 2");
}

static void
test_reject_file_bad_path (void)
{
  g_autoptr(BtBencode) string_path = make_multi_from_list (NAME, bt_bencode_new_list ());
  g_autoptr(BtBencode) no_path = make_multi_from_list (NAME, bt_bencode_new_list ());
  g_autoptr(BtBencode) no_length = make_multi_from_list (NAME, bt_bencode_new_list ());
  g_autoptr(BtBencode) int_part = make_multi_from_list (NAME, bt_bencode_new_list ());
  g_autoptr(BtBencode) list_part = make_multi_from_list (NAME, bt_bencode_new_list ());
  BtBencode *entry;
  BtBencode *path;

  entry = new_file_entry (10, bt_bencode_new_string ("a.txt"), NULL);
  bt_bencode_list_append (bt_bencode_dict_lookup (info_of (string_path), "files"), entry);
  refresh_pieces (info_of (string_path));
  assert_rejected (string_path, BT_ERROR_METAINFO_INVALID, "no path");

  entry = bt_bencode_new_dict ();
  bt_bencode_dict_set (entry, "length", bt_bencode_new_integer (10));
  bt_bencode_list_append (bt_bencode_dict_lookup (info_of (no_path), "files"), entry);
  refresh_pieces (info_of (no_path));
  assert_rejected (no_path, BT_ERROR_METAINFO_INVALID, "no path");

  entry = bt_bencode_new_dict ();
  bt_bencode_dict_set (entry, "path", new_string_list ((const char *[]) { "a", NULL }));
  bt_bencode_list_append (bt_bencode_dict_lookup (info_of (no_length), "files"), entry);
  refresh_pieces (info_of (no_length));
  assert_rejected (no_length, BT_ERROR_METAINFO_INVALID, "size");

  path = new_string_list ((const char *[]) { "dir", NULL });
  bt_bencode_list_append (path, bt_bencode_new_integer (1));
  entry = new_file_entry (10, path, NULL);
  bt_bencode_list_append (bt_bencode_dict_lookup (info_of (int_part), "files"), entry);
  refresh_pieces (info_of (int_part));
  assert_rejected (int_part, BT_ERROR_METAINFO_INVALID, "path");

  path = bt_bencode_new_list ();
  bt_bencode_list_append (path, new_string_list ((const char *[]) { "..", "..", NULL }));
  entry = new_file_entry (10, path, NULL);
  bt_bencode_list_append (bt_bencode_dict_lookup (info_of (list_part), "files"), entry);
  refresh_pieces (info_of (list_part));
  assert_rejected (list_part, BT_ERROR_METAINFO_INVALID, "path");
}

static void
test_reject_path_too_deep (void)
{
  BtBencode *deep = bt_bencode_new_list ();
  BtBencode *deepest = bt_bencode_new_list ();
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(BtBencode) files = bt_bencode_new_list ();
  g_autoptr(BtBencode) root = NULL;

  for (guint i = 0; i < BT_METAINFO_MAX_PATH_DEPTH; i++)
    {
      bt_bencode_list_append (deep, bt_bencode_new_string ("d"));
      bt_bencode_list_append (deepest, bt_bencode_new_string ("d"));
    }
  bt_bencode_list_append (deepest, bt_bencode_new_string ("d"));

  /* At the limit: accepted. */
  meta = parse_one_path (deep);
  g_assert_cmpuint (strlen (bt_metainfo_get_file_path (meta, 0)),
                    ==, strlen (NAME) + 2 * BT_METAINFO_MAX_PATH_DEPTH);

  bt_bencode_list_append (files, new_file_entry (10, deepest, NULL));
  root = make_multi_from_list (NAME, g_steal_pointer (&files));
  assert_rejected (root, BT_ERROR_METAINFO_BAD_PATH, "deep");
}

static void
test_reject_structure (void)
{
  g_autoptr(BtBencode) info_list = make_single (NAME, 10);
  g_autoptr(BtBencode) no_info = make_single (NAME, 10);
  g_autoptr(BtBencode) root_list = bt_bencode_new_list ();

  bt_bencode_dict_set (info_list, "info", bt_bencode_new_list ());
  assert_rejected (info_list, BT_ERROR_METAINFO_INVALID, "info");

  bt_bencode_dict_set (no_info, "info", bt_bencode_new_string ("d4:name1:ae"));
  assert_rejected (no_info, BT_ERROR_METAINFO_INVALID, "info");

  bt_bencode_list_append (root_list, make_single (NAME, 10));
  assert_rejected (root_list, BT_ERROR_METAINFO_INVALID, "dictionary");
  assert_bytes_rejected ("i42e", 4, BT_ERROR_METAINFO_INVALID, "dictionary");
  assert_bytes_rejected ("4:spam", 6, BT_ERROR_METAINFO_INVALID, "dictionary");
  assert_bytes_rejected ("de", 2, BT_ERROR_METAINFO_INVALID, "info");
}

/* Data after the torrent's dictionary is ignored with a warning, as
 * Transmission and aria2 ignore it; it must not change what is read, even
 * when it is a second torrent. Inside the dictionary, garbage is refused. */
static void
test_trailing_data (void)
{
  g_autoptr(BtBencode) first = make_single (NAME, 10);
  g_autoptr(BtBencode) second = make_single ("other", 20);
  g_autoptr(GBytes) good = bt_bencode_encode (first);
  g_autoptr(GBytes) other = bt_bencode_encode (second);
  g_autoptr(BtMetainfo) clean = NULL;
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize len;

  clean = bt_metainfo_new_from_bytes (good, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (good, &len);

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(BtMetainfo) meta = NULL;

      g_byte_array_set_size (buffer, 0);
      g_byte_array_append (buffer, data, len);
      if (round == 0)
        g_byte_array_append (buffer, (const guint8 *) "garbage", 7);
      else
        g_byte_array_append (buffer, g_bytes_get_data (other, NULL), g_bytes_get_size (other));
      bytes = g_bytes_new (buffer->data, buffer->len);

      meta = bt_metainfo_new_from_bytes (bytes, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (bt_metainfo_get_info_hash_hex (meta), ==,
                       bt_metainfo_get_info_hash_hex (clean));
      g_assert_cmpstr (bt_metainfo_get_name (meta), ==, NAME);
      g_assert_cmpuint (bt_metainfo_get_total_size (meta), ==, 10);
      assert_warned (meta, "extra data");
    }

  /* The same garbage before the dictionary's end. */
  g_byte_array_set_size (buffer, 0);
  g_byte_array_append (buffer, data, len - 1);
  g_byte_array_append (buffer, (const guint8 *) "garbagee", 8);
  assert_bytes_rejected (buffer->data, buffer->len, BT_ERROR_BENCODE_SYNTAX, "byte");
}

/* 10000 nested lists inside the info dictionary: refused by depth, without
 * recursion deep enough to matter. */
static void
test_reject_deep_nesting (void)
{
  const guint depth = 10000;
  GString *text = g_string_new ("d4:infod6:lengthi10e4:name1:a12:piece lengthi16384e"
                                "6:pieces20:aaaaaaaaaaaaaaaaaaaa5:zdeep");
  g_autofree char *data = NULL;
  gsize len;

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, 'l');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, 'e');
  g_string_append (text, "ee");
  len = text->len;
  data = g_string_free (text, FALSE);

  assert_bytes_rejected (data, len, BT_ERROR_BENCODE_DEPTH, "deeper");

  /* Dictionaries too, and when the input also ends early. */
  {
    GString *dicts = g_string_new ("d4:info");
    g_autofree char *dict_data = NULL;
    gsize dict_len;

    for (guint i = 0; i < depth; i++)
      g_string_append (dicts, "d1:a");
    dict_len = dicts->len;
    dict_data = g_string_free (dicts, FALSE);
    assert_bytes_rejected (dict_data, dict_len, BT_ERROR_BENCODE_DEPTH, "deeper");
  }
}

/* Every strict prefix of a valid torrent fails cleanly; none may crash or
 * read past its end (run under ASan). Each prefix is copied into a buffer of
 * its own size so an over-read is caught. */
static void
test_truncated_every_offset (void)
{
  const FileSpec specs[] = {
    { { "dir", "a.txt", NULL }, 20000 },
    { { "b", NULL }, 0 },
    { { ".pad", "1", NULL }, 1, "p" },
  };
  g_autoptr(BtBencode) root = make_multi (NAME, specs, G_N_ELEMENTS (specs));
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(BtMetainfo) full = NULL;
  g_autoptr(GError) error = NULL;
  BtBencode *tiers = bt_bencode_new_list ();
  const guint8 *data;
  gsize len;

  bt_bencode_list_append (tiers, new_string_list ((const char *[]) { ANNOUNCE, NULL }));
  bt_bencode_dict_set (root, "announce-list", tiers);
  bt_bencode_dict_set (root, "comment", bt_bencode_new_string ("hostile"));
  bt_bencode_dict_set (root, "creation date", bt_bencode_new_integer (1700000000));
  whole = bt_bencode_encode (root);
  data = g_bytes_get_data (whole, &len);

  full = bt_metainfo_new_from_bytes (whole, &error);
  g_assert_no_error (error);
  g_assert_nonnull (full);

  for (gsize cut = 0; cut < len; cut++)
    {
      g_autoptr(GBytes) prefix = g_bytes_new (data, cut);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(BtMetainfo) meta = bt_metainfo_new_from_bytes (prefix, &local_error);

      if (meta != NULL || local_error == NULL
          || local_error->code != BT_ERROR_BENCODE_TRUNCATED)
        g_test_message ("prefix of %" G_GSIZE_FORMAT " bytes: %s", cut,
                        local_error != NULL ? local_error->message : "accepted");
      g_assert_null (meta);
      g_assert_error (local_error, BT_ERROR, BT_ERROR_BENCODE_TRUNCATED);
      g_assert_cmpstr (local_error->message, !=, "");
    }
}

/* Trackers */

static void
test_trackers_cleaned (void)
{
  g_autoptr(BtBencode) root = make_single (NAME, 10);
  g_autoptr(BtMetainfo) meta = NULL;
  BtBencode *list = bt_bencode_new_list ();
  BtBencode *tier;
  const char * const *urls;

  tier = bt_bencode_new_list ();
  bt_bencode_list_append (tier, bt_bencode_new_string ("http://a.example/announce"));
  bt_bencode_list_append (tier, bt_bencode_new_integer (42));
  bt_bencode_list_append (tier, bt_bencode_new_string (""));
  bt_bencode_list_append (tier, bt_bencode_new_string (" \t\n "));
  bt_bencode_list_append (tier, bt_bencode_new_string ("  http://b.example/announce\t"));
  bt_bencode_list_append (tier, bt_bencode_new_string ("http://a.example/announce"));
  bt_bencode_list_append (tier, bt_bencode_new_string ("http://\xff\xfe/announce"));
  bt_bencode_list_append (tier, bt_bencode_new_list ());
  bt_bencode_list_append (list, tier);

  /* Tiers that are not lists: a lone URL is read as a tier of one, the
   * rest is dropped. */
  bt_bencode_list_append (list, bt_bencode_new_string ("http://c.example/announce"));
  bt_bencode_list_append (list, bt_bencode_new_integer (7));
  bt_bencode_list_append (list, bt_bencode_new_dict ());
  bt_bencode_list_append (list, bt_bencode_new_list ());

  /* Duplicates across tiers: the first one wins; a tier left empty goes. */
  tier = bt_bencode_new_list ();
  bt_bencode_list_append (tier, bt_bencode_new_string ("http://b.example/announce"));
  bt_bencode_list_append (tier, bt_bencode_new_string ("udp://d.example:6969"));
  bt_bencode_list_append (list, tier);
  tier = bt_bencode_new_list ();
  bt_bencode_list_append (tier, bt_bencode_new_string ("http://a.example/announce"));
  bt_bencode_list_append (tier, bt_bencode_new_string ("  "));
  bt_bencode_list_append (list, tier);

  bt_bencode_dict_set (root, "announce-list", list);
  meta = parse_ok (root);

  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 3);
  urls = bt_metainfo_get_tier (meta, 0);
  g_assert_cmpuint (g_strv_length ((char **) urls), ==, 2);
  g_assert_cmpstr (urls[0], ==, "http://a.example/announce");
  g_assert_cmpstr (urls[1], ==, "http://b.example/announce");
  urls = bt_metainfo_get_tier (meta, 1);
  g_assert_cmpuint (g_strv_length ((char **) urls), ==, 1);
  g_assert_cmpstr (urls[0], ==, "http://c.example/announce");
  urls = bt_metainfo_get_tier (meta, 2);
  g_assert_cmpuint (g_strv_length ((char **) urls), ==, 1);
  g_assert_cmpstr (urls[0], ==, "udp://d.example:6969");
}

/* BEP 12: an announce-list with no usable tracker does not hide announce. */
static void
test_trackers_fallback (void)
{
  g_autoptr(BtBencode) empty = make_single (NAME, 10);
  g_autoptr(BtBencode) junk = make_single (NAME, 10);
  g_autoptr(BtBencode) not_list = make_single (NAME, 10);
  g_autoptr(BtBencode) none = make_single (NAME, 10);
  g_autoptr(BtMetainfo) meta = NULL;
  BtBencode *list;
  BtBencode *tier;

  bt_bencode_dict_set (empty, "announce-list", bt_bencode_new_list ());
  meta = parse_ok (empty);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 1);
  g_assert_cmpstr (bt_metainfo_get_tier (meta, 0)[0], ==, ANNOUNCE);
  g_assert_null (bt_metainfo_get_tier (meta, 0)[1]);
  g_clear_object (&meta);

  list = bt_bencode_new_list ();
  bt_bencode_list_append (list, bt_bencode_new_list ());
  tier = bt_bencode_new_list ();
  bt_bencode_list_append (tier, bt_bencode_new_string (""));
  bt_bencode_list_append (tier, bt_bencode_new_integer (1));
  bt_bencode_list_append (list, tier);
  bt_bencode_dict_set (junk, "announce-list", list);
  meta = parse_ok (junk);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 1);
  g_assert_cmpstr (bt_metainfo_get_tier (meta, 0)[0], ==, ANNOUNCE);
  g_clear_object (&meta);

  bt_bencode_dict_set (not_list, "announce-list", bt_bencode_new_integer (5));
  meta = parse_ok (not_list);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 1);
  g_assert_cmpstr (bt_metainfo_get_tier (meta, 0)[0], ==, ANNOUNCE);
  g_clear_object (&meta);

  /* Neither: a trackerless torrent, not an error. */
  bt_bencode_dict_set (none, "announce", bt_bencode_new_string ("   "));
  meta = parse_ok (none);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, 0);
}

static BtBencode *
new_tracker_tiers (guint n_tiers,
                   guint per_tier)
{
  BtBencode *list = bt_bencode_new_list ();

  for (guint t = 0; t < n_tiers; t++)
    {
      BtBencode *tier = bt_bencode_new_list ();

      for (guint u = 0; u < per_tier; u++)
        {
          g_autofree char *url = g_strdup_printf ("http://t%u-%u.example/announce", t, u);

          bt_bencode_list_append (tier, bt_bencode_new_string (url));
        }
      bt_bencode_list_append (list, tier);
    }
  return list;
}

static guint
count_trackers (BtMetainfo *meta)
{
  guint n = 0;

  for (guint t = 0; t < bt_metainfo_get_n_tiers (meta); t++)
    n += g_strv_length ((char **) bt_metainfo_get_tier (meta, t));
  return n;
}

static void
test_trackers_capped (void)
{
  g_autoptr(BtBencode) root = make_single (NAME, 10);
  g_autoptr(BtMetainfo) meta = NULL;

  /* 1500 URLs in 15 tiers of 100. */
  bt_bencode_dict_set (root, "announce-list", new_tracker_tiers (15, 100));
  meta = parse_ok (root);

  g_assert_cmpuint (count_trackers (meta), ==, BT_METAINFO_MAX_TRACKERS);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (meta), ==, BT_METAINFO_MAX_TRACKERS / 100);
  g_assert_cmpstr (bt_metainfo_get_tier (meta, 0)[0], ==, "http://t0-0.example/announce");
  assert_warned (meta, G_STRINGIFY (BT_METAINFO_MAX_TRACKERS));
}

/* Exactly the limit: nothing is dropped, so nothing to warn about. */
static void
test_trackers_at_limit (void)
{
  g_autoptr(BtBencode) root = make_single (NAME, 10);
  g_autoptr(BtMetainfo) meta = NULL;

  bt_bencode_dict_set (root, "announce-list",
                       new_tracker_tiers (BT_METAINFO_MAX_TRACKERS / 100, 100));
  meta = parse_ok (root);

  g_assert_cmpuint (count_trackers (meta), ==, BT_METAINFO_MAX_TRACKERS);
  assert_no_warnings (meta);
}

/* Info-hash */

/* The info dictionary's keys are not sorted. A client that re-encoded it
 * would compute another hash and join another swarm. */
static void
test_info_hash_unsorted (void)
{
  static const char info_text[] =
    "d4:name4:test12:piece lengthi16384e6:lengthi5e"
    "6:pieces20:\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14"
    "e";
  const gsize info_len = sizeof info_text - 1;
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) reencoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(BtBencode) decoded = NULL;
  g_autofree char *expected_hex = NULL;
  guint8 expected[BT_SHA1_LENGTH];
  guint8 of_reencoding[BT_SHA1_LENGTH];
  GBytes *info_bytes;
  const guint8 *reencoded_data;
  gsize reencoded_len;

  /* The root's keys are out of order as well. */
  g_byte_array_append (file, (const guint8 *) "d8:announce5:x:y/z4:info", 24);
  g_byte_array_append (file, (const guint8 *) info_text, info_len);
  g_byte_array_append (file, (const guint8 *) "7:comment4:texte", 16);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&file));

  meta = bt_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_nonnull (meta);
  g_assert_cmpstr (bt_metainfo_get_name (meta), ==, "test");
  g_assert_cmpuint (bt_metainfo_get_total_size (meta), ==, 5);

  bt_sha1 (info_text, info_len, expected);
  g_assert_cmpmem (bt_metainfo_get_info_hash (meta), BT_INFO_HASH_LENGTH,
                   expected, BT_SHA1_LENGTH);
  expected_hex = bt_hex_encode (expected, BT_SHA1_LENGTH);
  g_assert_cmpstr (bt_metainfo_get_info_hash_hex (meta), ==, expected_hex);

  info_bytes = bt_metainfo_get_info_bytes (meta);
  g_assert_cmpmem (g_bytes_get_data (info_bytes, NULL), g_bytes_get_size (info_bytes),
                   info_text, info_len);

  /* The test means something only if a re-encoding differs. */
  {
    g_autoptr(GBytes) info_only = g_bytes_new_static (info_text, info_len);

    decoded = bt_bencode_decode (info_only, NULL, &error);
    g_assert_no_error (error);
  }
  reencoded = bt_bencode_encode (decoded);
  reencoded_data = g_bytes_get_data (reencoded, &reencoded_len);
  g_assert_cmpuint (reencoded_len, ==, info_len);
  g_assert_cmpint (memcmp (reencoded_data, info_text, info_len), !=, 0);
  bt_sha1 (reencoded_data, reencoded_len, of_reencoding);
  g_assert_cmpint (memcmp (bt_metainfo_get_info_hash (meta), of_reencoding, BT_SHA1_LENGTH),
                   !=, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/metainfo-hostile/clean", test_clean);

  g_test_add_func ("/engine/metainfo-hostile/traversal-dotdot", test_traversal_dotdot);
  g_test_add_func ("/engine/metainfo-hostile/traversal-dot", test_traversal_dot);
  g_test_add_func ("/engine/metainfo-hostile/traversal-empty", test_traversal_empty);
  g_test_add_func ("/engine/metainfo-hostile/traversal-absolute", test_traversal_absolute);
  g_test_add_func ("/engine/metainfo-hostile/traversal-slash-inside", test_traversal_slash_inside);
  g_test_add_func ("/engine/metainfo-hostile/traversal-nul", test_traversal_nul);
  g_test_add_func ("/engine/metainfo-hostile/traversal-control", test_traversal_control);
  g_test_add_func ("/engine/metainfo-hostile/warnings-printable", test_warnings_printable);
  g_test_add_func ("/engine/metainfo-hostile/name-unsafe", test_name_unsafe);
  g_test_add_func ("/engine/metainfo-hostile/name-traversal", test_name_traversal);
  g_test_add_func ("/engine/metainfo-hostile/long-component", test_long_component);
  g_test_add_func ("/engine/metainfo-hostile/long-name", test_long_name);
  g_test_add_func ("/engine/metainfo-hostile/long-duplicate", test_long_duplicate);
  g_test_add_func ("/engine/metainfo-hostile/utf8-path-preferred", test_utf8_path_preferred);
  g_test_add_func ("/engine/metainfo-hostile/utf8-path-ignored", test_utf8_path_ignored);
  g_test_add_func ("/engine/metainfo-hostile/utf8-name", test_utf8_name);
  g_test_add_func ("/engine/metainfo-hostile/non-utf8-escaped", test_non_utf8_escaped);
  g_test_add_func ("/engine/metainfo-hostile/escaped-names-flagged", test_escaped_names_flagged);
  g_test_add_func ("/engine/metainfo-hostile/sanitized-to-nothing", test_sanitized_to_nothing);
  g_test_add_func ("/engine/metainfo-hostile/empty-path-list", test_empty_path_list);

  g_test_add_func ("/engine/metainfo-hostile/duplicate-two", test_duplicate_two);
  g_test_add_func ("/engine/metainfo-hostile/duplicate-three", test_duplicate_three);
  g_test_add_func ("/engine/metainfo-hostile/duplicate-file-vs-folder", test_duplicate_file_vs_folder);
  g_test_add_func ("/engine/metainfo-hostile/duplicate-candidate-clash", test_duplicate_candidate_clash);
  g_test_add_func ("/engine/metainfo-hostile/duplicate-after-sanitize", test_duplicate_after_sanitize);

  g_test_add_func ("/engine/metainfo-hostile/duplicate-at-path-limit", test_duplicate_at_path_limit);

  g_test_add_func ("/engine/metainfo-hostile/pad-files", test_pad_files);

  g_test_add_func ("/engine/metainfo-hostile/reject-no-name", test_reject_no_name);
  g_test_add_func ("/engine/metainfo-hostile/reject-negative-length", test_reject_negative_length);
  g_test_add_func ("/engine/metainfo-hostile/reject-size-overflow", test_reject_size_overflow);
  g_test_add_func ("/engine/metainfo-hostile/reject-missing-pieces", test_reject_missing_pieces);
  g_test_add_func ("/engine/metainfo-hostile/reject-pieces-not-multiple", test_reject_pieces_not_multiple);
  g_test_add_func ("/engine/metainfo-hostile/reject-hash-count", test_reject_hash_count);
  g_test_add_func ("/engine/metainfo-hostile/reject-piece-length", test_reject_piece_length);
  g_test_add_func ("/engine/metainfo-hostile/reject-piece-count", test_reject_piece_count);
  g_test_add_func ("/engine/metainfo-hostile/reject-no-files", test_reject_no_files);
  g_test_add_func ("/engine/metainfo-hostile/reject-v2-only", test_reject_v2_only);
  g_test_add_func ("/engine/metainfo-hostile/reject-files-not-list", test_reject_files_not_list);
  g_test_add_func ("/engine/metainfo-hostile/reject-file-not-dict", test_reject_file_not_dict);
  g_test_add_func ("/engine/metainfo-hostile/reject-file-bad-path", test_reject_file_bad_path);
  g_test_add_func ("/engine/metainfo-hostile/reject-path-too-deep", test_reject_path_too_deep);
  g_test_add_func ("/engine/metainfo-hostile/reject-structure", test_reject_structure);
  g_test_add_func ("/engine/metainfo-hostile/trailing-data", test_trailing_data);
  g_test_add_func ("/engine/metainfo-hostile/reject-deep-nesting", test_reject_deep_nesting);
  g_test_add_func ("/engine/metainfo-hostile/truncated-every-offset", test_truncated_every_offset);

  g_test_add_func ("/engine/metainfo-hostile/trackers-cleaned", test_trackers_cleaned);
  g_test_add_func ("/engine/metainfo-hostile/trackers-fallback", test_trackers_fallback);
  g_test_add_func ("/engine/metainfo-hostile/trackers-capped", test_trackers_capped);
  g_test_add_func ("/engine/metainfo-hostile/trackers-at-limit", test_trackers_at_limit);

  g_test_add_func ("/engine/metainfo-hostile/info-hash-unsorted", test_info_hash_unsorted);

  return g_test_run ();
}
