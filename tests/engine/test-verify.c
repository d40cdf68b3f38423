/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Tests for bt-verify: one piece in memory, and full rechecks of complete,
 * damaged, absent and never-written data, with per-file results, progress
 * reports and cancellation.
 */
#define G_LOG_DOMAIN "test-verify"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-metainfo-create.h"
#include "bt-sha1.h"
#include "bt-storage.h"
#include "bt-verify.h"
#include "bt-test-util.h"

#define KiB 1024u
#define PIECE (16 * KiB)

/* The source tree every case starts from, in torrent order (bt-metainfo-
 * create sorts names byte-wise). */
static const struct
{
  const char *path;
  gsize       size;
} tree[] = {
  { "a.bin", 100000 },
  { "d.bin", 70000 },
  { "empty", 0 },
  { "sub/b.bin", 50000 },
  { "sub/deep/c.bin", 33 },
};

enum { FILE_A, FILE_D, FILE_EMPTY, FILE_B, FILE_C };

typedef struct
{
  char       *tmpdir;
  char       *root;
  BtMetainfo *meta;
  BtStorage  *storage;
} Fixture;

/* Auxiliary functions */

static char *
tree_path (Fixture *fixture,
           guint    file)
{
  return g_build_filename (fixture->root, tree[file].path, NULL);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GFile) source = NULL;
  g_autoptr(GBytes) torrent = NULL;
  g_autoptr(GError) error = NULL;
  BtMetainfoCreateOptions options = { 0 };

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->root = g_build_filename (fixture->tmpdir, "Data", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *path = tree_path (fixture, i);

      bt_test_write_random_file (path, tree[i].size, 200 + i);
    }

  source = g_file_new_for_path (fixture->root);
  options.piece_length = PIECE;
  torrent = bt_metainfo_create (source, &options, NULL, &error);
  g_assert_no_error (error);
  fixture->meta = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      g_autofree char *expected = g_strconcat ("Data/", tree[i].path, NULL);

      g_assert_cmpstr (bt_metainfo_get_file_path (fixture->meta, i), ==, expected);
    }

  /* The data is checked where it was made. */
  fixture->storage = bt_storage_new (fixture->meta, fixture->tmpdir, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->storage);
  g_clear_object (&fixture->meta);
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->root);
}

typedef struct
{
  GArray   *reports; /* of guint64 done */
  guint64   total;
  gboolean  freed;
} Progress;

static void
progress_cb (guint64  done,
             guint64  total,
             gpointer user_data)
{
  Progress *progress = user_data;

  g_assert_false (progress->freed);
  progress->total = total;
  g_array_append_val (progress->reports, done);
}

static void
progress_free (gpointer user_data)
{
  Progress *progress = user_data;

  g_assert_false (progress->freed);
  progress->freed = TRUE;
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static BtBitfield *
run_check (BtStorage       *storage,
           GCancellable    *cancellable,
           Progress        *progress,
           BtVerifyResult **details,
           GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  bt_verify_check_async (storage, cancellable, progress != NULL ? progress_cb : NULL, progress,
                         progress != NULL ? progress_free : NULL, result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* Let the release of the progress data run. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  if (details == NULL)
    return bt_verify_check_finish (result, error);
  *details = bt_verify_check_finish_details (result, error);
  return *details != NULL ? bt_bitfield_copy (bt_verify_result_get_have (*details)) : NULL;
}

static gboolean
ranges_overlap (guint64 a_start,
                guint64 a_end,
                guint64 b_start,
                guint64 b_end)
{
  return a_start < b_end && b_start < a_end;
}

static void
flip_byte (const char *path,
           goffset     offset)
{
  int fd = open (path, O_RDWR);
  guint8 byte;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, &byte, 1, offset), ==, 1);
  byte ^= 0x80;
  g_assert_cmpint (pwrite (fd, &byte, 1, offset), ==, 1);
  close (fd);
}

/* Tests */

static void
test_piece (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *a = tree_path (fixture, FILE_A);
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (a, &contents, &length, NULL));
  g_assert_true (bt_verify_piece (fixture->meta, 0, (guint8 *) contents, PIECE));
  g_assert_true (bt_verify_piece (fixture->meta, 1, (guint8 *) contents + PIECE, PIECE));
  g_assert_false (bt_verify_piece (fixture->meta, 1, (guint8 *) contents, PIECE));
  g_assert_false (bt_verify_piece (fixture->meta, 0, (guint8 *) contents, PIECE - 1));
  contents[5] ^= 1;
  g_assert_false (bt_verify_piece (fixture->meta, 0, (guint8 *) contents, PIECE));
}

static void
test_complete (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(BtBitfield) have = NULL;
  g_autoptr(BtVerifyResult) details = NULL;
  g_autoptr(GError) error = NULL;
  guint32 n_pieces = bt_metainfo_get_n_pieces (fixture->meta);
  guint64 total = bt_metainfo_get_total_size (fixture->meta);
  Progress progress = { g_array_new (FALSE, FALSE, sizeof (guint64)), 0, FALSE };
  guint32 good;
  guint32 bad;
  guint32 missing;
  guint32 sum = 0;

  have = run_check (fixture->storage, NULL, &progress, &details, &error);
  g_assert_no_error (error);
  g_assert_nonnull (have);
  g_assert_true (bt_bitfield_is_complete (have));
  g_assert_cmpuint (bt_bitfield_get_size (have), ==, n_pieces);
  g_assert_true (bt_bitfield_equal (have, bt_verify_result_get_have (details)));
  bt_verify_result_get_totals (details, &good, &bad, &missing);
  g_assert_cmpuint (good, ==, n_pieces);
  g_assert_cmpuint (bad, ==, 0);
  g_assert_cmpuint (missing, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      BtVerifyFileStats stats;

      bt_verify_result_get_file_stats (details, i, &stats);
      g_assert_true (stats.present);
      g_assert_cmpuint (stats.size_on_disk, ==, tree[i].size);
      g_assert_cmpuint (stats.good, ==, stats.n_pieces);
      g_assert_cmpuint (stats.bad + stats.missing, ==, 0);
      g_assert_cmpuint (stats.n_pieces, ==,
                        tree[i].size == 0 ? 0
                        : (bt_metainfo_get_file_offset (fixture->meta, i) + tree[i].size - 1) / PIECE
                            - bt_metainfo_get_file_offset (fixture->meta, i) / PIECE + 1);
      sum += stats.n_pieces;
    }
  /* Pieces shared by two files count for both. */
  g_assert_cmpuint (sum, >, n_pieces);

  /* Progress: in order, ending exactly at the total, and the data freed
   * after the last report. */
  g_assert_cmpuint (progress.reports->len, >=, 1);
  g_assert_cmpuint (progress.total, ==, total);
  for (guint i = 1; i < progress.reports->len; i++)
    g_assert_cmpuint (g_array_index (progress.reports, guint64, i), >=,
                      g_array_index (progress.reports, guint64, i - 1));
  g_assert_cmpuint (g_array_index (progress.reports, guint64, progress.reports->len - 1), ==,
                    total);
  g_assert_true (progress.freed);
  g_array_unref (progress.reports);
}

static void
test_partial (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *a = tree_path (fixture, FILE_A);
  g_autofree char *b = tree_path (fixture, FILE_B);
  g_autofree char *d = tree_path (fixture, FILE_D);
  g_autoptr(BtBitfield) have = NULL;
  g_autoptr(BtVerifyResult) details = NULL;
  g_autoptr(GError) error = NULL;
  BtMetainfo *meta = fixture->meta;
  guint32 n_pieces = bt_metainfo_get_n_pieces (meta);
  guint64 total = bt_metainfo_get_total_size (meta);
  g_autofree BtVerifyPieceState *expected = g_new (BtVerifyPieceState, n_pieces);
  guint64 flipped = bt_metainfo_get_file_offset (meta, FILE_A) + 50000;
  guint64 b_start = bt_metainfo_get_file_offset (meta, FILE_B);
  guint64 d_start = bt_metainfo_get_file_offset (meta, FILE_D);
  guint32 expected_totals[3] = { 0 };
  guint32 good;
  guint32 bad;
  guint32 missing;

  /* One file gone, one cut short, one byte wrong. */
  g_assert_cmpint (g_unlink (b), ==, 0);
  g_assert_cmpint (truncate (d, 30000), ==, 0);
  flip_byte (a, 50000);

  for (guint32 p = 0; p < n_pieces; p++)
    {
      guint64 start = (guint64) p * PIECE;
      guint64 end = MIN (start + PIECE, total);

      if (ranges_overlap (start, end, b_start, b_start + tree[FILE_B].size)
          || ranges_overlap (start, end, d_start + 30000, d_start + tree[FILE_D].size))
        expected[p] = BT_VERIFY_PIECE_MISSING;
      else if (flipped >= start && flipped < end)
        expected[p] = BT_VERIFY_PIECE_BAD;
      else
        expected[p] = BT_VERIFY_PIECE_GOOD;
      expected_totals[expected[p]]++;
    }
  g_assert_cmpuint (expected_totals[BT_VERIFY_PIECE_BAD], ==, 1);

  have = run_check (fixture->storage, NULL, NULL, &details, &error);
  g_assert_no_error (error);
  for (guint32 p = 0; p < n_pieces; p++)
    {
      g_assert_cmpint (bt_verify_result_get_piece_state (details, p), ==, expected[p]);
      g_assert_cmpint (bt_bitfield_get (have, p), ==, expected[p] == BT_VERIFY_PIECE_GOOD);
    }
  bt_verify_result_get_totals (details, &good, &bad, &missing);
  g_assert_cmpuint (good, ==, expected_totals[BT_VERIFY_PIECE_GOOD]);
  g_assert_cmpuint (bad, ==, 1);
  g_assert_cmpuint (missing, ==, expected_totals[BT_VERIFY_PIECE_MISSING]);
  g_assert_cmpuint (bt_bitfield_count (have), ==, good);

  /* Per file, from the same expectation. */
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      guint64 start = bt_metainfo_get_file_offset (meta, i);
      guint32 counts[3] = { 0 };
      BtVerifyFileStats stats;

      if (tree[i].size > 0)
        for (guint32 p = start / PIECE; p <= (start + tree[i].size - 1) / PIECE; p++)
          counts[expected[p]]++;
      bt_verify_result_get_file_stats (details, i, &stats);
      g_assert_cmpuint (stats.good, ==, counts[BT_VERIFY_PIECE_GOOD]);
      g_assert_cmpuint (stats.bad, ==, counts[BT_VERIFY_PIECE_BAD]);
      g_assert_cmpuint (stats.missing, ==, counts[BT_VERIFY_PIECE_MISSING]);
      g_assert_cmpint (stats.present, ==, i != FILE_B);
    }
  {
    BtVerifyFileStats stats;

    bt_verify_result_get_file_stats (details, FILE_D, &stats);
    g_assert_cmpuint (stats.size_on_disk, ==, 30000);
    g_assert_cmpuint (stats.missing, >, 0);
    g_assert_cmpuint (stats.good, >, 0);
  }
}

static void
test_empty_dir (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *download = g_build_filename (fixture->tmpdir, "elsewhere", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(BtBitfield) have = NULL;
  g_autoptr(BtVerifyResult) details = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  guint32 n_pieces = bt_metainfo_get_n_pieces (fixture->meta);
  guint32 missing;

  g_assert_cmpint (g_mkdir (download, 0755), ==, 0);
  storage = bt_storage_new (fixture->meta, download, &error);
  g_assert_no_error (error);

  have = run_check (storage, NULL, NULL, &details, &error);
  g_assert_no_error (error);
  g_assert_true (bt_bitfield_is_empty (have));
  bt_verify_result_get_totals (details, NULL, NULL, &missing);
  g_assert_cmpuint (missing, ==, n_pieces);
  for (guint i = 0; i < G_N_ELEMENTS (tree); i++)
    {
      BtVerifyFileStats stats;

      bt_verify_result_get_file_stats (details, i, &stats);
      g_assert_false (stats.present);
      g_assert_cmpuint (stats.missing, ==, stats.n_pieces);
    }

  /* A check creates nothing. */
  dir = g_dir_open (download, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));
}

static void
commit_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (bt_storage_commit_piece_finish (BT_STORAGE (source), result, &error));
  g_assert_no_error (error);
  (*pending)--;
}

static void
test_unwritten (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *download = g_build_filename (fixture->tmpdir, "partial", NULL);
  g_autofree char *a = tree_path (fixture, FILE_A);
  g_autofree char *a_copy = g_build_filename (download, "Data", "a.bin", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(BtBitfield) have = NULL;
  g_autoptr(BtVerifyResult) details = NULL;
  g_autoptr(GError) error = NULL;
  guint pending = 2;

  g_assert_cmpint (g_mkdir (download, 0755), ==, 0);
  storage = bt_storage_new (fixture->meta, download, &error);
  g_assert_no_error (error);

  /* Pieces 0 and 2 of a.bin are written; the file gets its full size. */
  g_assert_true (g_file_get_contents (a, &contents, NULL, NULL));
  for (guint32 p = 0; p <= 2; p += 2)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (contents + p * PIECE, PIECE);

      bt_storage_commit_piece_async (storage, p, bytes, NULL, commit_cb, &pending);
    }
  while (pending > 0)
    g_main_context_iteration (NULL, TRUE);

  /* Piece 3 gets garbage that was really written. */
  {
    int fd = open (a_copy, O_WRONLY);
    g_autofree guint8 *junk = g_malloc (PIECE);

    memset (junk, 0x5a, PIECE);
    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (pwrite (fd, junk, PIECE, 3 * PIECE), ==, PIECE);
    close (fd);
  }

  have = run_check (storage, NULL, NULL, &details, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bt_verify_result_get_piece_state (details, 0), ==, BT_VERIFY_PIECE_GOOD);
  g_assert_cmpint (bt_verify_result_get_piece_state (details, 2), ==, BT_VERIFY_PIECE_GOOD);
  /* Never written (a hole of the sparse file): missing, not bad. */
  g_assert_cmpint (bt_verify_result_get_piece_state (details, 1), ==, BT_VERIFY_PIECE_MISSING);
  g_assert_cmpint (bt_verify_result_get_piece_state (details, 4), ==, BT_VERIFY_PIECE_MISSING);
  g_assert_cmpint (bt_verify_result_get_piece_state (details, 3), ==, BT_VERIFY_PIECE_BAD);
  g_assert_cmpuint (bt_bitfield_count (have), ==, 2);
}

static void
test_unsafe (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *download = g_build_filename (fixture->tmpdir, "linked", NULL);
  g_autofree char *link = g_build_filename (download, "Data", NULL);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(BtBitfield) have = NULL;
  g_autoptr(GError) error = NULL;

  /* The data is all there, but behind a link: refused, not read. */
  g_assert_cmpint (g_mkdir (download, 0755), ==, 0);
  g_assert_cmpint (symlink (fixture->root, link), ==, 0);
  storage = bt_storage_new (fixture->meta, download, &error);
  g_assert_no_error (error);

  have = run_check (storage, NULL, NULL, NULL, &error);
  g_assert_null (have);
  g_assert_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE);
  g_assert_nonnull (strstr (error->message, link));
}

/* A torrent of @size zero bytes, stored as a sparse file: big, costs no
 * disk, and slow enough to check that cancelling lands mid-way. */
static BtMetainfo *
sparse_torrent (const char *dir,
                guint64     size,
                guint32     piece_length)
{
  g_autoptr(BtBencode) root = bt_bencode_new_dict ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "zeros.bin", NULL);
  g_autofree guint8 *zeros = g_malloc0 (piece_length);
  guint64 n_pieces = size / piece_length;
  g_autofree guint8 *hashes = g_malloc (n_pieces * 20);
  BtBencode *info = bt_bencode_new_dict ();
  BtMetainfo *meta;
  int fd;

  g_assert_cmpuint (size % piece_length, ==, 0);
  bt_sha1 (zeros, piece_length, hashes);
  for (guint64 i = 1; i < n_pieces; i++)
    memcpy (hashes + i * 20, hashes, 20);
  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("zeros.bin"));
  bt_bencode_dict_set (info, "length", bt_bencode_new_integer ((gint64) size));
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (piece_length));
  bt_bencode_dict_set (info, "pieces", bt_bencode_new_string_len (hashes, n_pieces * 20));
  bt_bencode_dict_set (root, "info", info);
  bytes = bt_bencode_encode (root);
  meta = bt_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);

  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) size), ==, 0);
  close (fd);
  return meta;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(BtMetainfo) meta = sparse_torrent (fixture->tmpdir, 1024 * 1024 * 1024, 256 * KiB);
  g_autoptr(BtStorage) storage = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Progress progress = { g_array_new (FALSE, FALSE, sizeof (guint64)), 0, FALSE };
  guint64 total = bt_metainfo_get_total_size (meta);
  BtBitfield *have;

  storage = bt_storage_new (meta, fixture->tmpdir, &error);
  g_assert_no_error (error);

  /* Cancelled before it starts. */
  cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  have = run_check (storage, cancellable, NULL, NULL, &error);
  g_assert_null (have);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&cancellable);

  /* Cancelled right after it started, with 4096 pieces to go: it stops
   * without reaching the end, and still frees the progress data. */
  cancellable = g_cancellable_new ();
  bt_verify_check_async (storage, cancellable, progress_cb, &progress, progress_free, result_cb,
                         &result);
  g_cancellable_cancel (cancellable);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  have = bt_verify_check_finish (result, &error);
  g_assert_null (have);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  for (guint i = 0; i < progress.reports->len; i++)
    g_assert_cmpuint (g_array_index (progress.reports, guint64, i), <, total);
  g_assert_true (progress.freed);
  g_array_unref (progress.reports);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/engine/verify/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("piece", test_piece);
  ADD ("complete", test_complete);
  ADD ("partial", test_partial);
  ADD ("empty-dir", test_empty_dir);
  ADD ("unwritten", test_unwritten);
  ADD ("unsafe", test_unsafe);
  ADD ("cancel", test_cancel);
#undef ADD

  return g_test_run ();
}
