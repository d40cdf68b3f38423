/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Tests for bt-storage: the piece-to-file mapping (no I/O), verified
 * writes and reads over nested folders, pad and empty files, and the
 * failures a download can meet: wrong data, links out of the download
 * folder, a read-only folder, a full disk and a file size limit.
 *
 * The cases that need a process of their own (dropping root, a private
 * mount namespace, a resource limit) re-run this program with
 * "--storage-child CASE DIR"; its exit status says what happened.
 */
#define G_LOG_DOMAIN "test-storage"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo-create.h"
#include "bt-sha1.h"
#include "bt-storage.h"
#include "bt-verify.h"
#include "bt-test-util.h"

#define KiB 1024u

/* Exit statuses of a child case. */
#define CHILD_PASSED 0
#define CHILD_FAILED 1
#define CHILD_SKIPPED 77

static const char *self_exe;

/* Auxiliary functions */

typedef struct
{
  const char *path; /* below the torrent's name; NULL for a single-file torrent */
  gsize       size;
  gboolean    pad;
} FileSpec;

/* Builds a torrent of @files in memory with real piece hashes; *@payload
 * gets its piece space: pseudo-random bytes for files, zeros for pads. */
static BtMetainfo *
build_torrent (const char      *name,
               const FileSpec  *files,
               guint            n_files,
               guint32          piece_length,
               guint32          seed,
               GBytes         **payload)
{
  g_autoptr(BtBencode) root = bt_bencode_new_dict ();
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GError) error = NULL;
  BtBencode *info = bt_bencode_new_dict ();
  GByteArray *data = g_byte_array_new ();
  g_autofree guint8 *hashes = NULL;
  guint32 x = seed * 2654435761u + 1;
  gsize n_pieces;
  BtMetainfo *meta;

  for (guint i = 0; i < n_files; i++)
    {
      gsize start = data->len;

      g_byte_array_set_size (data, start + files[i].size);
      for (gsize j = 0; j < files[i].size; j++)
        {
          x ^= x << 13;
          x ^= x >> 17;
          x ^= x << 5;
          data->data[start + j] = files[i].pad ? 0 : (guint8) (x >> 24);
        }
    }

  n_pieces = (data->len + piece_length - 1) / piece_length;
  hashes = g_malloc (n_pieces * 20);
  for (gsize p = 0; p < n_pieces; p++)
    bt_sha1 (data->data + p * piece_length, MIN (piece_length, data->len - p * piece_length),
             hashes + p * 20);

  bt_bencode_dict_set (info, "name", bt_bencode_new_string (name));
  if (n_files == 1 && files[0].path == NULL)
    bt_bencode_dict_set (info, "length", bt_bencode_new_integer (files[0].size));
  else
    {
      BtBencode *list = bt_bencode_new_list ();

      for (guint i = 0; i < n_files; i++)
        {
          BtBencode *entry = bt_bencode_new_dict ();
          BtBencode *path = bt_bencode_new_list ();
          g_auto(GStrv) parts = g_strsplit (files[i].path, "/", -1);

          for (guint j = 0; parts[j] != NULL; j++)
            bt_bencode_list_append (path, bt_bencode_new_string (parts[j]));
          bt_bencode_dict_set (entry, "length", bt_bencode_new_integer (files[i].size));
          bt_bencode_dict_set (entry, "path", path);
          if (files[i].pad)
            bt_bencode_dict_set (entry, "attr", bt_bencode_new_string ("p"));
          bt_bencode_list_append (list, entry);
        }
      bt_bencode_dict_set (info, "files", list);
    }
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (piece_length));
  bt_bencode_dict_set (info, "pieces", bt_bencode_new_string_len (hashes, n_pieces * 20));
  bt_bencode_dict_set (root, "info", info);

  encoded = bt_bencode_encode (root);
  meta = bt_metainfo_new_from_bytes (encoded, &error);
  g_assert_no_error (error);
  if (payload != NULL)
    *payload = g_byte_array_free_to_bytes (data);
  else
    g_byte_array_unref (data);
  return meta;
}

static GBytes *
piece_bytes (BtMetainfo *meta,
             GBytes     *payload,
             guint32     piece)
{
  return g_bytes_new_from_bytes (payload,
                                 (gsize) piece * bt_metainfo_get_piece_length (meta),
                                 bt_metainfo_get_piece_size (meta, piece));
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static gboolean
commit_piece (BtStorage  *storage,
              guint32     piece,
              GBytes     *data,
              GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_storage_commit_piece_async (storage, piece, data, NULL, result_cb, &result);
  return bt_storage_commit_piece_finish (storage, wait_for (&result), error);
}

static GBytes *
read_block (BtStorage  *storage,
            guint32     piece,
            guint32     begin,
            guint32     length,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_storage_read_block_async (storage, piece, begin, length, NULL, result_cb, &result);
  return bt_storage_read_block_finish (storage, wait_for (&result), error);
}

typedef struct
{
  guint   pending;
  guint   failed;
  GError *first_error;
} CommitAll;

static void
commit_all_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  CommitAll *state = user_data;
  GError *error = NULL;

  if (!bt_storage_commit_piece_finish (BT_STORAGE (source), result, &error))
    {
      state->failed++;
      if (state->first_error == NULL)
        state->first_error = error;
      else
        g_error_free (error);
    }
  state->pending--;
}

/* Commits every piece, all at once and in a shuffled order, as a swarm
 * delivers them. */
static void
commit_all (BtStorage *storage,
            GBytes    *payload)
{
  BtMetainfo *meta = bt_storage_get_metainfo (storage);
  guint32 n = bt_metainfo_get_n_pieces (meta);
  g_autofree guint32 *order = g_new (guint32, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  CommitAll state = { 0 };

  for (guint32 i = 0; i < n; i++)
    order[i] = i;
  for (guint32 i = n; i > 1; i--)
    {
      guint32 j = g_rand_int_range (rand, 0, (gint32) i);
      guint32 t = order[i - 1];

      order[i - 1] = order[j];
      order[j] = t;
    }

  state.pending = n;
  for (guint32 i = 0; i < n; i++)
    {
      g_autoptr(GBytes) data = piece_bytes (meta, payload, order[i]);

      bt_storage_commit_piece_async (storage, order[i], data, NULL, commit_all_cb, &state);
    }
  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (state.first_error);
  g_assert_cmpuint (state.failed, ==, 0);
}

static void
assert_file_equals (const char   *path,
                    const guint8 *expected,
                    gsize         length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize got = 0;

  g_file_get_contents (path, &contents, &got, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, got, expected, length);
}

static guint
count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static guint
count_open_fds (void)
{
  return count_entries ("/proc/self/fd");
}

/* Runs this program as a child case; returns its exit status. */
static int
run_child (const char  *name,
           const char  *dir,
           char       **out_stdout)
{
  const char *argv[] = { self_exe, "--storage-child", name, dir, NULL };
  g_autofree char *err = NULL;
  int status = bt_test_spawn_sync (argv, out_stdout, &err);

  if (status != CHILD_PASSED && status != CHILD_SKIPPED)
    g_test_message ("child %s exited with %d:\n%s\n%s", name, status, *out_stdout, err);
  return status;
}

/* Mapping */

static void
test_map_single_file (void)
{
  const FileSpec files[] = { { NULL, 100000, FALSE } };
  g_autoptr(BtMetainfo) meta = build_torrent ("movie.mkv", files, 1, 32 * KiB, 1, NULL);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  BtStorageSegment seg[4];

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (bt_storage_map_piece (storage, 0, seg, 4), ==, 1);
  g_assert_cmpuint (seg[0].file, ==, 0);
  g_assert_cmpuint (seg[0].file_offset, ==, 0);
  g_assert_cmpuint (seg[0].buffer_offset, ==, 0);
  g_assert_cmpuint (seg[0].length, ==, 32 * KiB);

  /* The last piece is short. */
  g_assert_cmpuint (bt_storage_map_piece (storage, 3, seg, 4), ==, 1);
  g_assert_cmpuint (seg[0].file_offset, ==, 3 * 32 * KiB);
  g_assert_cmpuint (seg[0].length, ==, 100000 - 3 * 32 * KiB);

  /* Any range, up to the very end. */
  g_assert_cmpuint (bt_storage_map (storage, 99990, 10, seg, 4), ==, 1);
  g_assert_cmpuint (seg[0].file_offset, ==, 99990);
  g_assert_cmpuint (seg[0].length, ==, 10);
  g_assert_cmpuint (bt_storage_map (storage, 100000, 0, seg, 4), ==, 0);

  bt_test_remove_tree (tmpdir);
}

static void
test_map_multi_file (void)
{
  /* Piece 1 (16384..32768) spans four files; "empty" has no bytes. */
  const FileSpec files[] = {
    { "a", 10, FALSE },
    { "empty", 0, FALSE },
    { "dir/b", 20000, FALSE },
    { "dir/c", 5, FALSE },
    { "dir/deeper/d", 5, FALSE },
    { "e", 30000, FALSE },
  };
  g_autoptr(BtMetainfo) meta = build_torrent ("Multi", files, G_N_ELEMENTS (files), 16 * KiB, 2,
                                              NULL);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  BtStorageSegment seg[8];
  guint32 total = 0;

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (bt_storage_map_piece (storage, 0, seg, 8), ==, 2);
  g_assert_cmpuint (seg[0].file, ==, 0);
  g_assert_cmpuint (seg[0].length, ==, 10);
  g_assert_cmpuint (seg[1].file, ==, 2);
  g_assert_cmpuint (seg[1].file_offset, ==, 0);
  g_assert_cmpuint (seg[1].buffer_offset, ==, 10);
  g_assert_cmpuint (seg[1].length, ==, 16 * KiB - 10);

  g_assert_cmpuint (bt_storage_map_piece (storage, 1, seg, 8), ==, 4);
  g_assert_cmpuint (seg[0].file, ==, 2);
  g_assert_cmpuint (seg[0].file_offset, ==, 16 * KiB - 10);
  g_assert_cmpuint (seg[0].buffer_offset, ==, 0);
  g_assert_cmpuint (seg[0].length, ==, 20000 - (16 * KiB - 10));
  g_assert_cmpuint (seg[1].file, ==, 3);
  g_assert_cmpuint (seg[1].file_offset, ==, 0);
  g_assert_cmpuint (seg[1].length, ==, 5);
  g_assert_cmpuint (seg[2].file, ==, 4);
  g_assert_cmpuint (seg[2].length, ==, 5);
  g_assert_cmpuint (seg[3].file, ==, 5);
  g_assert_cmpuint (seg[3].file_offset, ==, 0);
  for (guint i = 0; i < 4; i++)
    total += seg[i].length;
  g_assert_cmpuint (total, ==, 16 * KiB);
  g_assert_cmpuint (seg[3].buffer_offset + seg[3].length, ==, 16 * KiB);

  /* Counting only, and a partial fill, give the full count. */
  g_assert_cmpuint (bt_storage_map_piece (storage, 1, NULL, 0), ==, 4);
  memset (seg, 0xff, sizeof seg);
  g_assert_cmpuint (bt_storage_map_piece (storage, 1, seg, 2), ==, 4);
  g_assert_cmpuint (seg[1].file, ==, 3);
  g_assert_cmpuint (seg[2].file, ==, G_MAXUINT);

  /* The zero-length file never appears, even for a range ending or
   * starting exactly where it sits. */
  g_assert_cmpuint (bt_storage_map (storage, 0, 10, seg, 8), ==, 1);
  g_assert_cmpuint (seg[0].file, ==, 0);
  g_assert_cmpuint (bt_storage_map (storage, 10, 1, seg, 8), ==, 1);
  g_assert_cmpuint (seg[0].file, ==, 2);

  /* The last piece: 50020 - 3 * 16384 bytes, all in "e". */
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, 4);
  g_assert_cmpuint (bt_storage_map_piece (storage, 3, seg, 8), ==, 1);
  g_assert_cmpuint (seg[0].file, ==, 5);
  g_assert_cmpuint (seg[0].length, ==, 50020 - 3 * 16 * KiB);
  g_assert_cmpuint (seg[0].file_offset + seg[0].length, ==, 30000);

  bt_test_remove_tree (tmpdir);
}

static void
test_map_pad_files (void)
{
  const FileSpec files[] = {
    { "a", 1000, FALSE },
    { ".pad/15384", 16 * KiB - 1000, TRUE },
    { "b", 20000, FALSE },
  };
  g_autoptr(BtMetainfo) meta = build_torrent ("Padded", files, G_N_ELEMENTS (files), 16 * KiB, 3,
                                              NULL);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  BtStorageSegment seg[4];

  g_assert_true (bt_metainfo_get_file_flags (meta, 1) & BT_METAINFO_FILE_PAD);
  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (bt_storage_map_piece (storage, 0, seg, 4), ==, 1);
  g_assert_cmpuint (seg[0].file, ==, 0);
  g_assert_cmpuint (seg[0].length, ==, 1000);

  g_assert_cmpuint (bt_storage_map_piece (storage, 1, seg, 4), ==, 1);
  g_assert_cmpuint (seg[0].file, ==, 2);
  g_assert_cmpuint (seg[0].file_offset, ==, 0);
  g_assert_cmpuint (seg[0].length, ==, 16 * KiB);

  /* A range over the pad: the segment after it keeps its place in the
   * buffer, the pad bytes belong to no segment. */
  g_assert_cmpuint (bt_storage_map (storage, 500, 20000, seg, 4), ==, 2);
  g_assert_cmpuint (seg[0].file, ==, 0);
  g_assert_cmpuint (seg[0].file_offset, ==, 500);
  g_assert_cmpuint (seg[0].length, ==, 500);
  g_assert_cmpuint (seg[1].file, ==, 2);
  g_assert_cmpuint (seg[1].buffer_offset, ==, 16 * KiB - 500);
  g_assert_cmpuint (seg[1].length, ==, 20000 - (16 * KiB - 500));

  /* Only pad. */
  g_assert_cmpuint (bt_storage_map (storage, 2000, 100, seg, 4), ==, 0);

  bt_test_remove_tree (tmpdir);
}

static void
test_new_errors (void)
{
  const FileSpec files[] = { { NULL, 1000, FALSE } };
  g_autoptr(BtMetainfo) meta = build_torrent ("x", files, 1, 16 * KiB, 4, NULL);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *missing = g_build_filename (tmpdir, "nope", NULL);
  g_autofree char *file = g_build_filename (tmpdir, "file", NULL);
  g_autoptr(GError) error = NULL;
  BtStorage *storage;

  storage = bt_storage_new (meta, missing, &error);
  g_assert_null (storage);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "does not exist"));
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  storage = bt_storage_new (meta, file, &error);
  g_assert_null (storage);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not a folder"));

  bt_test_remove_tree (tmpdir);
}

/* Writing and reading */

static void
test_roundtrip (void)
{
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *source = g_build_filename (tmpdir, "src", "Shared", NULL);
  g_autofree char *download = g_build_filename (tmpdir, "dl", NULL);
  g_autofree char *empty = g_build_filename (source, "sub", "empty.txt", NULL);
  g_autoptr(GFile) source_file = g_file_new_for_path (source);
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) payload_array = g_byte_array_new ();
  g_autoptr(GBytes) payload = NULL;
  BtMetainfoCreateOptions options = { 0 };
  const struct
  {
    const char *path;
    gsize       size;
  } sources[] = {
    { "a.bin", 40000 },
    { "nested/deeper/b.bin", 16 * KiB },
    { "nested/c.bin", 3 },
    { "nested/deeper/still/d.bin", 70001 },
    { "z.bin", 5 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *path = g_build_filename (source, sources[i].path, NULL);

      bt_test_write_random_file (path, sources[i].size, 100 + i);
    }
  bt_test_write_random_file (empty, 0, 0);

  options.piece_length = 16 * KiB;
  torrent = bt_metainfo_create (source_file, &options, NULL, &error);
  g_assert_no_error (error);
  meta = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_metainfo_get_n_files (meta), ==, 6);

  /* The piece space is the source files end to end, in torrent order. */
  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      const char *relative = bt_metainfo_get_file_path (meta, i);
      g_autofree char *path = g_build_filename (tmpdir, "src", relative, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_byte_array_append (payload_array, (guint8 *) contents, length);
    }
  payload = g_byte_array_free_to_bytes (g_steal_pointer (&payload_array));
  g_assert_cmpuint (g_bytes_get_size (payload), ==, bt_metainfo_get_total_size (meta));

  g_assert_cmpint (g_mkdir (download, 0755), ==, 0);
  storage = bt_storage_new (meta, download, &error);
  g_assert_no_error (error);
  commit_all (storage, payload);
  g_assert_true (bt_storage_create_files (storage, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      const char *relative = bt_metainfo_get_file_path (meta, i);
      g_autofree char *path = g_build_filename (download, relative, NULL);
      g_autofree char *full = bt_storage_get_file_full_path (storage, i);
      guint64 offset = bt_metainfo_get_file_offset (meta, i);

      g_assert_cmpstr (path, ==, full);
      assert_file_equals (path, (const guint8 *) g_bytes_get_data (payload, NULL) + offset,
                          bt_metainfo_get_file_size (meta, i));
    }

  /* Blocks read back across file boundaries. */
  for (guint32 piece = 0; piece < bt_metainfo_get_n_pieces (meta); piece++)
    {
      guint32 size = bt_metainfo_get_piece_size (meta, piece);
      guint32 begin = size > 1000 ? 1000 : 0;
      g_autoptr(GBytes) block = read_block (storage, piece, begin, size - begin, &error);
      g_autoptr(GBytes) expected = g_bytes_new_from_bytes (
        payload, (gsize) piece * 16 * KiB + begin, size - begin);

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (block, expected));
    }

  bt_test_remove_tree (tmpdir);
}

static void
test_sparse_full_size (void)
{
  const FileSpec files[] = { { "one.bin", 100000, FALSE }, { "two.bin", 60000, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("Sparse", files, 2, 16 * KiB, 5, &payload);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *one = g_build_filename (tmpdir, "Sparse", "one.bin", NULL);
  g_autofree char *two = g_build_filename (tmpdir, "Sparse", "two.bin", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) piece = NULL;
  GStatBuf st;

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  /* The first write gives the file its final size, without writing the
   * rest of it; the other file is not touched. */
  piece = piece_bytes (meta, payload, 0);
  g_assert_true (commit_piece (storage, 0, piece, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (one, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 100000);
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, 100000);
  g_assert_false (g_file_test (two, G_FILE_TEST_EXISTS));

  bt_test_remove_tree (tmpdir);
}

static void
test_pad_roundtrip (void)
{
  const FileSpec files[] = {
    { "a", 1000, FALSE },
    { ".pad/15384", 16 * KiB - 1000, TRUE },
    { "b", 20000, FALSE },
    { ".pad/12768", 2 * 16 * KiB - 20000, TRUE },
    { "c", 100, FALSE },
  };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("Padded", files, G_N_ELEMENTS (files), 16 * KiB, 6,
                                              &payload);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *root = g_build_filename (tmpdir, "Padded", NULL);
  g_autofree char *pad_dir = g_build_filename (root, ".pad", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = NULL;
  const guint8 *bytes = g_bytes_get_data (payload, NULL);

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);
  commit_all (storage, payload);
  g_assert_true (bt_storage_create_files (storage, &error));

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (root, files[i].path, NULL);

      if (files[i].pad)
        continue;
      assert_file_equals (path, bytes + bt_metainfo_get_file_offset (meta, i), files[i].size);
    }
  /* Pad files are never written, nor their folder created. */
  g_assert_false (g_file_test (pad_dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (root), ==, 3);

  /* A recheck reads the pads as zeros and finds every piece good. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(BtBitfield) have = NULL;

    bt_verify_check_async (storage, NULL, NULL, NULL, NULL, result_cb, &result);
    have = bt_verify_check_finish (wait_for (&result), &error);
    g_assert_no_error (error);
    g_assert_true (bt_bitfield_is_complete (have));
  }

  /* Reading over a pad gives zeros in its place. */
  block = read_block (storage, 0, 500, 16 * KiB - 500, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (block, NULL), 500, bytes + 500, 500);
  for (gsize i = 500; i < g_bytes_get_size (block); i++)
    g_assert_cmpuint (((const guint8 *) g_bytes_get_data (block, NULL))[i], ==, 0);

  bt_test_remove_tree (tmpdir);
}

static void
test_hash_mismatch (void)
{
  const FileSpec files[] = { { "x/one.bin", 40000, FALSE }, { "two.bin", 10000, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("Bad", files, 2, 16 * KiB, 7, &payload);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *one = g_build_filename (tmpdir, "Bad", "x", "one.bin", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good = NULL;
  g_autoptr(GBytes) bad = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length;
  gsize after_length;
  guint8 *copy;

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  /* Wrong data in a fresh folder: nothing at all is created. */
  copy = g_memdup2 (g_bytes_get_data (payload, NULL), 16 * KiB);
  copy[1234] ^= 0x01;
  bad = g_bytes_new_take (copy, 16 * KiB);
  g_assert_false (commit_piece (storage, 0, bad, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_HASH_MISMATCH);
  g_assert_nonnull (strstr (error->message, "Piece 0"));
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (tmpdir), ==, 0);

  /* Over good data: the file is unchanged. */
  good = piece_bytes (meta, payload, 0);
  g_assert_true (commit_piece (storage, 0, good, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (one, &before, &before_length, NULL));
  g_assert_false (commit_piece (storage, 0, bad, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_HASH_MISMATCH);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (one, &after, &after_length, NULL));
  g_assert_cmpmem (before, before_length, after, after_length);

  /* The wrong length is a mismatch too, not a short write. */
  {
    g_autoptr(GBytes) shorter = g_bytes_new_from_bytes (good, 0, 1000);

    g_assert_false (commit_piece (storage, 0, shorter, &error));
    g_assert_error (error, BT_ERROR, BT_ERROR_HASH_MISMATCH);
  }

  bt_test_remove_tree (tmpdir);
}

static void
test_symlink_escape (gconstpointer data)
{
  const char *where = data;
  const FileSpec files[] = { { "sub/inner.bin", 20000, FALSE }, { "top.bin", 20000, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("Name", files, 2, 16 * KiB, 8, &payload);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *download = g_build_filename (tmpdir, "dl", NULL);
  g_autofree char *other = g_build_filename (tmpdir, "other", NULL);
  g_autofree char *victim = g_build_filename (other, "victim", NULL);
  g_autofree char *link = NULL;
  g_autofree char *target = NULL;
  g_autofree char *victim_after = NULL;
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  guint32 n_pieces = bt_metainfo_get_n_pieces (meta);
  guint n_failed = 0;

  g_assert_cmpint (g_mkdir (download, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  g_assert_true (g_file_set_contents (victim, "precious", -1, NULL));

  if (g_str_equal (where, "name"))
    {
      /* dl/Name → other */
      link = g_build_filename (download, "Name", NULL);
      target = g_strdup (other);
    }
  else if (g_str_equal (where, "sub"))
    {
      /* dl/Name/sub → other */
      g_autofree char *name_dir = g_build_filename (download, "Name", NULL);

      g_assert_cmpint (g_mkdir (name_dir, 0755), ==, 0);
      link = g_build_filename (name_dir, "sub", NULL);
      target = g_strdup (other);
    }
  else
    {
      /* dl/Name/top.bin → other/victim */
      g_autofree char *name_dir = g_build_filename (download, "Name", NULL);

      g_assert_cmpint (g_mkdir (name_dir, 0755), ==, 0);
      link = g_build_filename (name_dir, "top.bin", NULL);
      target = g_strdup (victim);
    }
  g_assert_cmpint (symlink (target, link), ==, 0);

  storage = bt_storage_new (meta, download, &error);
  g_assert_no_error (error);

  /* Writing every piece: those that touch the link fail, and name it. */
  for (guint32 piece = 0; piece < n_pieces; piece++)
    {
      g_autoptr(GBytes) bytes = piece_bytes (meta, payload, piece);
      g_autoptr(GError) piece_error = NULL;

      if (!commit_piece (storage, piece, bytes, &piece_error))
        {
          g_assert_error (piece_error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE);
          g_assert_nonnull (strstr (piece_error->message, link));
          n_failed++;
        }
    }
  g_assert_cmpuint (n_failed, >, 0);

  /* Reading through it is refused too. */
  {
    guint32 through_link = g_str_equal (where, "file") ? n_pieces - 1 : 0;
    g_autoptr(GBytes) block = read_block (storage, through_link, 0, 100, &error);

    g_assert_null (block);
    g_assert_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE);
    g_clear_error (&error);
  }

  /* Nothing was written in the other folder. */
  g_assert_cmpuint (count_entries (other), ==, 1);
  g_assert_true (g_file_get_contents (victim, &victim_after, NULL, NULL));
  g_assert_cmpstr (victim_after, ==, "precious");

  bt_test_remove_tree (tmpdir);
}

static void
test_read_missing (void)
{
  const FileSpec files[] = { { "a.bin", 40000, FALSE }, { "b.bin", 100, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("Missing", files, 2, 16 * KiB, 9, &payload);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *a = g_build_filename (tmpdir, "Missing", "a.bin", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) block = NULL;

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  /* Nothing there: an error, and nothing created. */
  block = read_block (storage, 0, 0, 16 * KiB, &error);
  g_assert_null (block);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpuint (count_entries (tmpdir), ==, 0);

  /* A file shorter than the block. */
  bt_test_write_random_file (a, 20000, 1);
  block = read_block (storage, 1, 0, 16 * KiB, &error);
  g_assert_null (block);
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_clear_error (&error);

  /* Present part: fine. */
  block = read_block (storage, 1, 0, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (block), ==, 1000);

  bt_test_remove_tree (tmpdir);
}

static void
test_create_files (void)
{
  const FileSpec files[] = {
    { "data.bin", 100, FALSE },
    { ".pad/16284", 16 * KiB - 100, TRUE },
    { "empty/one", 0, FALSE },
    { "deep/er/two", 0, FALSE },
    { "big/later.bin", 50, FALSE },
  };
  g_autoptr(BtMetainfo) meta = build_torrent ("Tree", files, G_N_ELEMENTS (files), 16 * KiB, 10,
                                              NULL);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *root = g_build_filename (tmpdir, "Tree", NULL);
  g_autofree char *one = g_build_filename (root, "empty", "one", NULL);
  g_autofree char *two = g_build_filename (root, "deep", "er", "two", NULL);
  g_autofree char *big_dir = g_build_filename (root, "big", NULL);
  g_autofree char *later = g_build_filename (big_dir, "later.bin", NULL);
  g_autofree char *data_bin = g_build_filename (root, "data.bin", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *kept = NULL;

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  /* An existing empty file's content is left alone. */
  bt_test_write_random_file (two, 0, 1);
  g_assert_true (g_file_set_contents (two, "keep", -1, NULL));

  bt_storage_create_files_async (storage, NULL, result_cb, &result);
  g_assert_true (bt_storage_create_files_finish (storage, wait_for (&result), &error));
  g_assert_no_error (error);

  g_assert_true (g_file_test (one, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (two, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "keep");
  g_assert_true (g_file_test (big_dir, G_FILE_TEST_IS_DIR));
  /* Files with data wait for their pieces; pads never come. */
  g_assert_false (g_file_test (later, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (data_bin, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (root), ==, 3);

  bt_test_remove_tree (tmpdir);
}

static void
test_many_files (void)
{
  enum { N_FILES = 3 * BT_STORAGE_MAX_OPEN_FILES + 1 };
  FileSpec files[N_FILES];
  char *names[N_FILES] = { NULL };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  guint fds_before;
  guint fds_during;

  for (guint i = 0; i < N_FILES; i++)
    {
      names[i] = g_strdup_printf ("d%u/f%03u", i % 4, i);
      files[i].path = names[i];
      files[i].size = 3000 + i * 37;
      files[i].pad = FALSE;
    }
  meta = build_torrent ("Many", files, N_FILES, 16 * KiB, 11, &payload);
  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  fds_before = count_open_fds ();
  commit_all (storage, payload);
  fds_during = count_open_fds ();
  /* The cache is bounded however many files were touched. */
  g_assert_cmpuint (fds_during, <=, fds_before + BT_STORAGE_MAX_OPEN_FILES);

  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *path = g_build_filename (tmpdir, "Many", names[i], NULL);

      assert_file_equals (path,
                          (const guint8 *) g_bytes_get_data (payload, NULL)
                            + bt_metainfo_get_file_offset (meta, i),
                          files[i].size);
    }

  bt_storage_close_files (storage);
  g_assert_cmpuint (count_open_fds (), ==, fds_before);

  for (guint i = 0; i < N_FILES; i++)
    g_free (names[i]);
  bt_test_remove_tree (tmpdir);
}

typedef struct
{
  GMainContext *expected;
  GThread      *thread;
  gboolean      done;
} ContextCheck;

static void
context_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ContextCheck *check = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (bt_storage_commit_piece_finish (BT_STORAGE (source), result, &error));
  g_assert_no_error (error);
  g_assert_true (g_main_context_get_thread_default () == check->expected);
  g_assert_true (g_thread_self () == check->thread);
  check->done = TRUE;
}

static void
test_callback_context (void)
{
  const FileSpec files[] = { { NULL, 20000, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("ctx.bin", files, 1, 16 * KiB, 12, &payload);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) piece = NULL;
  ContextCheck check = { 0 };

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);

  /* Results come back on the context that was thread-default when the
   * job started, not the global default one. */
  g_main_context_push_thread_default (context);
  check.expected = context;
  check.thread = g_thread_self ();
  piece = piece_bytes (meta, payload, 1);
  bt_storage_commit_piece_async (storage, 1, piece, NULL, context_cb, &check);
  while (!check.done)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);

  bt_test_remove_tree (tmpdir);
}

static void
test_cancelled (void)
{
  const FileSpec files[] = { { NULL, 20000, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("c.bin", files, 1, 16 * KiB, 13, &payload);
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) piece = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  piece = piece_bytes (meta, payload, 0);
  bt_storage_write_piece_async (storage, 0, piece, cancellable, result_cb, &result);
  g_assert_false (bt_storage_write_piece_finish (storage, wait_for (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (count_entries (tmpdir), ==, 0);

  bt_test_remove_tree (tmpdir);
}

/* Child cases: each builds its own torrent and reports with its exit
 * status. */

static int
child_read_only (const char *tmpdir)
{
  const FileSpec files[] = { { "f.bin", 20000, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("RO", files, 1, 16 * KiB, 14, &payload);
  g_autofree char *download = g_build_filename (tmpdir, "dl", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) piece = piece_bytes (meta, payload, 0);

  /* Root writes anywhere: become nobody to meet the permission check. */
  if (geteuid () == 0
      && (setgroups (0, NULL) != 0 || setgid (65534) != 0 || setuid (65534) != 0))
    {
      printf ("cannot drop root: %s\n", g_strerror (errno));
      return CHILD_SKIPPED;
    }

  storage = bt_storage_new (meta, download, &error);
  g_assert_no_error (error);
  g_assert_false (commit_piece (storage, 0, piece, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, download));
  g_assert_nonnull (strstr (error->message, g_strerror (EACCES)));
  printf ("%s\n", error->message);
  return CHILD_PASSED;
}

static int
child_no_space (const char *tmpdir)
{
  const FileSpec files[] = { { "big.bin", 4 * 1024 * 1024, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("Full", files, 1, 256 * KiB, 15, &payload);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  guint32 piece;

  /* A private mount namespace: the 1 MiB tmpfs vanishes with this
   * process, whatever happens to it. */
  if (unshare (CLONE_NEWNS) != 0
      || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
      || mount ("tmpfs", tmpdir, "tmpfs", 0, "size=1m") != 0)
    {
      printf ("cannot mount a small tmpfs here (%s): needs root with CAP_SYS_ADMIN\n",
              g_strerror (errno));
      return CHILD_SKIPPED;
    }

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);
  for (piece = 0; piece < bt_metainfo_get_n_pieces (meta); piece++)
    {
      g_autoptr(GBytes) bytes = piece_bytes (meta, payload, piece);

      if (!commit_piece (storage, piece, bytes, &error))
        break;
    }
  g_assert_error (error, BT_ERROR, BT_ERROR_NO_SPACE);
  g_assert_true (g_str_has_prefix (error->message, "The disk is full"));
  /* 1 MiB holds four pieces at most. */
  g_assert_cmpuint (piece, <=, 4);
  printf ("%s\n", error->message);
  return CHILD_PASSED;
}

static int
child_too_large (const char *tmpdir)
{
  const FileSpec files[] = { { NULL, 1024 * 1024, FALSE } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(BtMetainfo) meta = build_torrent ("large.bin", files, 1, 64 * KiB, 16, &payload);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) piece = piece_bytes (meta, payload, 0);
  struct rlimit limit = { 256 * KiB, 256 * KiB };

  /* EFBIG instead of the SIGXFSZ that would kill the process. */
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);

  storage = bt_storage_new (meta, tmpdir, &error);
  g_assert_no_error (error);
  g_assert_false (commit_piece (storage, 0, piece, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "larger than"));
  g_assert_nonnull (strstr (error->message, "large.bin"));
  printf ("%s\n", error->message);
  return CHILD_PASSED;
}

static int
run_child_case (const char *name,
                const char *dir)
{
  if (g_str_equal (name, "read-only"))
    return child_read_only (dir);
  if (g_str_equal (name, "no-space"))
    return child_no_space (dir);
  if (g_str_equal (name, "too-large"))
    return child_too_large (dir);
  return CHILD_FAILED;
}

static void
test_read_only (void)
{
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *download = g_build_filename (tmpdir, "dl", NULL);
  g_autofree char *out = NULL;
  int status;

  /* Reachable by the unprivileged user the child may become. */
  g_assert_cmpint (g_chmod (tmpdir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (download, 0555), ==, 0);
  status = run_child ("read-only", tmpdir, &out);
  if (status == CHILD_SKIPPED)
    g_test_skip (out); /* root that cannot become nobody: an environment limit */
  else
    {
      g_assert_cmpint (status, ==, CHILD_PASSED);
      g_test_message ("%s", out);
    }
  g_assert_cmpuint (count_entries (download), ==, 0);

  g_chmod (download, 0755);
  bt_test_remove_tree (tmpdir);
}

static void
test_no_space (void)
{
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *out = NULL;
  int status;

  if (geteuid () != 0)
    {
      /* Not a missing tool that CI should install: mounting a small file
       * system needs root, and nothing else fills a disk safely. */
      g_test_skip ("a full disk is simulated with a 1 MiB tmpfs, which needs root");
      bt_test_remove_tree (tmpdir);
      return;
    }

  status = run_child ("no-space", tmpdir, &out);
  if (status == CHILD_SKIPPED)
    g_test_skip (out);
  else
    {
      g_assert_cmpint (status, ==, CHILD_PASSED);
      g_test_message ("%s", out);
    }
  /* The mount was private to the child: nothing is left here. */
  g_assert_cmpuint (count_entries (tmpdir), ==, 0);
  bt_test_remove_tree (tmpdir);
}

static void
test_too_large (void)
{
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *out = NULL;

  g_assert_cmpint (run_child ("too-large", tmpdir, &out), ==, CHILD_PASSED);
  g_test_message ("%s", out);
  bt_test_remove_tree (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  self_exe = argv[0];
  if (argc == 4 && g_str_equal (argv[1], "--storage-child"))
    return run_child_case (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/storage/map/single-file", test_map_single_file);
  g_test_add_func ("/engine/storage/map/multi-file", test_map_multi_file);
  g_test_add_func ("/engine/storage/map/pad-files", test_map_pad_files);
  g_test_add_func ("/engine/storage/new-errors", test_new_errors);
  g_test_add_func ("/engine/storage/roundtrip", test_roundtrip);
  g_test_add_func ("/engine/storage/sparse-full-size", test_sparse_full_size);
  g_test_add_func ("/engine/storage/pad-roundtrip", test_pad_roundtrip);
  g_test_add_func ("/engine/storage/hash-mismatch", test_hash_mismatch);
  g_test_add_data_func ("/engine/storage/symlink/name", "name", test_symlink_escape);
  g_test_add_data_func ("/engine/storage/symlink/subfolder", "sub", test_symlink_escape);
  g_test_add_data_func ("/engine/storage/symlink/file", "file", test_symlink_escape);
  g_test_add_func ("/engine/storage/read-missing", test_read_missing);
  g_test_add_func ("/engine/storage/create-files", test_create_files);
  g_test_add_func ("/engine/storage/many-files", test_many_files);
  g_test_add_func ("/engine/storage/callback-context", test_callback_context);
  g_test_add_func ("/engine/storage/cancelled", test_cancelled);
  g_test_add_func ("/engine/storage/read-only", test_read_only);
  g_test_add_func ("/engine/storage/no-space", test_no_space);
  g_test_add_func ("/engine/storage/too-large", test_too_large);

  return g_test_run ();
}
