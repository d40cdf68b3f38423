/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Checking pieces against their SHA1 hashes.
 *
 * bt_verify_piece() checks one piece in memory; the downloader reaches it
 * through bt_storage_commit_piece_async(), on a storage worker.
 *
 * A full recheck (bt_verify_check_async()) finds which pieces of a torrent
 * are already on disk. It runs on threads of its own, one per core, so a
 * long recheck never holds up the storage workers that other torrents are
 * writing with. There is no reader thread: each worker takes the next piece
 * number from a shared counter, reads that piece itself and hashes it.
 * Pieces are handed out in order, so the disk still sees a nearly
 * sequential stream that its read-ahead serves, and with the data in the
 * page cache the copy out of it is spread over every core instead of
 * being one thread's bottleneck. Measured on 2 cores with 1 GiB in the
 * page cache, a reader thread feeding a pool of two hashing threads took
 * 0.51 s (0.92 s of CPU) where two workers reading their own pieces took
 * 0.42 s (0.84 s of CPU): the reader's copy serialises, and every buffer
 * crosses cores on its way to SHA1.
 *
 * A worker reads a piece in chunks (BT_VERIFY_READ_CHUNK) and feeds each to
 * SHA1 as it comes, so its memory is one chunk whatever the piece length,
 * and the chunk is still in the CPU cache when it is hashed. Before reading
 * a piece the worker checks that every file it covers exists and is long
 * enough: a missing or short file makes the piece missing without reading
 * anything. A piece whose data is wrong counts as bad, unless none of it
 * was ever written (it lies in holes of a sparse file that bt-storage
 * extended to full size), which is missing: "not downloaded yet", not
 * "corrupt".
 *
 * The first I/O error (a file that cannot be read, a symbolic link in the
 * way) stops the whole check: its result would be wrong anyway.
 */
#define G_LOG_DOMAIN "bt-verify"

#include "config.h"

#include <nettle/sha1.h>
#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-sha1.h"
#include "bt-progress.h"
#include "bt-verify.h"

/* Structures */

struct _BtVerifyResult
{
  gatomicrefcount     ref_count;
  guint32             n_pieces;
  guint8             *states; /* BtVerifyPieceState per piece */
  BtBitfield         *have;
  guint32             totals[3];
  guint               n_files;
  BtVerifyFileStats  *files;
};

/* One recheck, shared by its worker threads. The last worker to finish
 * returns the task. */
typedef struct
{
  BtStorage    *storage;
  BtMetainfo   *meta;
  GCancellable *cancellable; /* nullable */
  BtProgress   *progress;    /* nullable */
  guint32       n_pieces;
  guint8       *states;

  gsize         next_piece;  /* atomic */
  gint          n_running;   /* atomic */
  gint          failed;      /* atomic: stop taking pieces */
  GMutex        error_lock;
  GError       *error;       /* the first failure */
} CheckJob;

G_DEFINE_BOXED_TYPE (BtVerifyResult, bt_verify_result, bt_verify_result_ref,
                     bt_verify_result_unref)

/* Results */

static void
result_add_file_stats (BtVerifyResult *self,
                       BtStorage      *storage,
                       BtMetainfo     *meta)
{
  guint64 piece_length = bt_metainfo_get_piece_length (meta);

  self->n_files = bt_metainfo_get_n_files (meta);
  self->files = g_new0 (BtVerifyFileStats, self->n_files);

  for (guint i = 0; i < self->n_files; i++)
    {
      BtVerifyFileStats *stats = &self->files[i];
      guint64 offset = bt_metainfo_get_file_offset (meta, i);
      guint64 size = bt_metainfo_get_file_size (meta, i);
      guint64 size_on_disk = 0;
      guint32 first;
      guint32 last;

      if (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD)
        continue;

      /* Errors were reported by the pieces already; here only presence
       * matters. */
      stats->present = bt_storage_stat_file_sync (storage, i, &size_on_disk, NULL, NULL)
                       == BT_STORAGE_READ_OK;
      stats->size_on_disk = stats->present ? size_on_disk : 0;

      if (size == 0)
        continue;
      first = (guint32) (offset / piece_length);
      last = (guint32) ((offset + size - 1) / piece_length);
      stats->n_pieces = last - first + 1;
      for (guint32 p = first; p <= last; p++)
        {
          switch (self->states[p])
            {
            case BT_VERIFY_PIECE_GOOD:
              stats->good++;
              break;
            case BT_VERIFY_PIECE_BAD:
              stats->bad++;
              break;
            default:
              stats->missing++;
              break;
            }
        }
    }
}

static BtVerifyResult *
result_new (CheckJob *job)
{
  BtVerifyResult *self = g_new0 (BtVerifyResult, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->n_pieces = job->n_pieces;
  self->states = g_steal_pointer (&job->states);
  self->have = bt_bitfield_new (job->n_pieces);
  for (guint32 i = 0; i < self->n_pieces; i++)
    {
      self->totals[self->states[i]]++;
      if (self->states[i] == BT_VERIFY_PIECE_GOOD)
        bt_bitfield_set (self->have, i);
    }
  result_add_file_stats (self, job->storage, job->meta);
  return self;
}

/* The check */

static void
check_job_free (CheckJob *job)
{
  g_clear_object (&job->storage);
  g_clear_object (&job->meta);
  g_clear_object (&job->cancellable);
  g_clear_pointer (&job->progress, bt_progress_release);
  g_clear_pointer (&job->states, g_free);
  g_clear_error (&job->error);
  g_mutex_clear (&job->error_lock);
  g_free (job);
}

static void
check_job_fail (CheckJob *job,
                GError   *error)
{
  g_atomic_int_set (&job->failed, 1);
  g_mutex_lock (&job->error_lock);
  if (job->error == NULL)
    job->error = error;
  else
    g_error_free (error);
  g_mutex_unlock (&job->error_lock);
}

/* Returns the piece's state, or -1 after check_job_fail(). */
static int
check_piece (CheckJob *job,
             guint32   piece,
             guint8   *buffer)
{
  guint64 offset = (guint64) piece * bt_metainfo_get_piece_length (job->meta);
  guint32 size = bt_metainfo_get_piece_size (job->meta, piece);
  guint8 digest[SHA1_DIGEST_SIZE];
  GError *error = NULL;
  struct sha1_ctx ctx;
  gboolean has_data = FALSE;

  switch (bt_storage_probe_sync (job->storage, offset, size, NULL, &error))
    {
    case BT_STORAGE_READ_OK:
      break;
    case BT_STORAGE_READ_MISSING:
      return BT_VERIFY_PIECE_MISSING;
    case BT_STORAGE_READ_ERROR:
      check_job_fail (job, error);
      return -1;
    }

  sha1_init (&ctx);
  for (guint32 done = 0; done < size;)
    {
      guint32 n = MIN (size - done, BT_VERIFY_READ_CHUNK);

      if (g_cancellable_is_cancelled (job->cancellable))
        return -1;
      switch (bt_storage_read_sync (job->storage, offset + done, n, buffer, &error))
        {
        case BT_STORAGE_READ_OK:
          break;
        case BT_STORAGE_READ_MISSING:
          /* Shortened since the probe. */
          return BT_VERIFY_PIECE_MISSING;
        case BT_STORAGE_READ_ERROR:
          check_job_fail (job, error);
          return -1;
        }
      sha1_update (&ctx, n, buffer);
      done += n;
    }
  sha1_digest (&ctx, SHA1_DIGEST_SIZE, digest);

  if (memcmp (digest, bt_metainfo_get_piece_hash (job->meta, piece), SHA1_DIGEST_SIZE) == 0)
    return BT_VERIFY_PIECE_GOOD;

  if (bt_storage_probe_sync (job->storage, offset, size, &has_data, &error)
      == BT_STORAGE_READ_ERROR)
    {
      check_job_fail (job, error);
      return -1;
    }
  return has_data ? BT_VERIFY_PIECE_BAD : BT_VERIFY_PIECE_MISSING;
}

static void
check_job_complete (GTask *task)
{
  CheckJob *job = g_task_get_task_data (task);

  if (job->error != NULL || g_cancellable_is_cancelled (job->cancellable))
    {
      g_clear_pointer (&job->progress, bt_progress_release);
      if (job->error != NULL)
        g_task_return_error (task, g_steal_pointer (&job->error));
      else
        g_task_return_error_if_cancelled (task);
    }
  else
    {
      BtVerifyResult *result = result_new (job);

      if (job->progress != NULL)
        bt_progress_finish (job->progress);
      /* Before the result, so progress_data_free has run when the
       * callback does. */
      g_clear_pointer (&job->progress, bt_progress_release);
      g_task_return_pointer (task, result, (GDestroyNotify) bt_verify_result_unref);
    }
}

static gpointer
check_worker (gpointer data)
{
  g_autoptr(GTask) task = data;
  CheckJob *job = g_task_get_task_data (task);
  g_autofree guint8 *buffer = g_malloc (BT_VERIFY_READ_CHUNK);

  for (;;)
    {
      gsize piece = (gsize) g_atomic_pointer_add (&job->next_piece, 1);
      int state;

      if (piece >= job->n_pieces || g_atomic_int_get (&job->failed)
          || g_cancellable_is_cancelled (job->cancellable))
        break;

      state = check_piece (job, (guint32) piece, buffer);
      if (state < 0)
        break;
      /* Each piece's byte is written by one worker only; the last worker
       * reads them all after the atomic decrement below. */
      job->states[piece] = (guint8) state;
      if (job->progress != NULL)
        bt_progress_add (job->progress, bt_metainfo_get_piece_size (job->meta, piece));
    }

  if (g_atomic_int_dec_and_test (&job->n_running))
    check_job_complete (task);
  return NULL;
}

/* Public API */

/**
 * bt_verify_piece:
 * @meta: the torrent
 * @piece: a piece index
 * @data: (array length=length): the piece's bytes
 * @length: their count
 *
 * Checks a piece in memory against its SHA1 hash. CPU-bound (a few
 * milliseconds per MiB): call it on a worker.
 *
 * Returns: whether @data is exactly the piece (a wrong length is a mismatch)
 */
gboolean
bt_verify_piece (BtMetainfo   *meta,
                 guint32       piece,
                 const guint8 *data,
                 gsize         length)
{
  guint8 digest[BT_SHA1_LENGTH];

  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (piece < bt_metainfo_get_n_pieces (meta), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length != bt_metainfo_get_piece_size (meta, piece))
    return FALSE;
  bt_sha1 (data, length, digest);
  return memcmp (digest, bt_metainfo_get_piece_hash (meta, piece), BT_SHA1_LENGTH) == 0;
}

/**
 * bt_verify_check_async:
 * @storage: the torrent's storage
 * @cancellable: (nullable): stops the check with %G_IO_ERROR_CANCELLED
 * @progress: (nullable) (scope notified): see #BtVerifyProgress
 * @progress_data: (closure progress): data for @progress
 * @progress_data_free: (nullable): frees @progress_data on the caller's
 *   context once no report is pending
 * @callback: runs on the caller's thread-default main context
 *
 * Reads and hashes every piece on disk, on one thread per core, and finds
 * which are good, bad and missing. Creates and changes nothing on disk.
 * Closes the storage's idle cached files first, so files replaced on disk
 * since they were opened are seen as they are now.
 */
void
bt_verify_check_async (BtStorage           *storage,
                       GCancellable        *cancellable,
                       BtVerifyProgress     progress,
                       gpointer             progress_data,
                       GDestroyNotify       progress_data_free,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GMainContext) context = NULL;
  CheckJob *job;
  guint n_workers;
  guint started = 0;

  g_return_if_fail (BT_IS_STORAGE (storage));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (storage, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_verify_check_async);

  job = g_new0 (CheckJob, 1);
  job->storage = g_object_ref (storage);
  job->meta = g_object_ref (bt_storage_get_metainfo (storage));
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  job->n_pieces = bt_metainfo_get_n_pieces (job->meta);
  job->states = g_malloc0 (MAX (job->n_pieces, 1));
  g_mutex_init (&job->error_lock);
  context = g_main_context_ref_thread_default ();
  if (progress != NULL)
    {
      job->progress = bt_progress_new (context, progress, progress_data, progress_data_free);
      bt_progress_start (job->progress, bt_metainfo_get_total_size (job->meta));
    }
  else if (progress_data_free != NULL)
    progress_data_free (progress_data);
  g_task_set_task_data (task, job, (GDestroyNotify) check_job_free);

  bt_storage_close_files (storage);

  /* Hashing is CPU-bound: one worker per core, no more than the pieces. */
  n_workers = CLAMP (g_get_num_processors (), 1, BT_STORAGE_MAX_WORKERS);
  n_workers = MAX (1, MIN (n_workers, job->n_pieces));

  /* The caller holds one count while it starts the workers, so none of
   * them can see the count reach zero and complete the task early. */
  g_atomic_int_set (&job->n_running, 1);
  for (guint i = 0; i < n_workers; i++)
    {
      g_autoptr(GError) error = NULL;
      GThread *thread;

      g_atomic_int_inc (&job->n_running);
      thread = g_thread_try_new ("bt-verify", check_worker, g_object_ref (task), &error);
      if (thread == NULL)
        {
          /* The running workers share out its pieces. */
          g_atomic_int_add (&job->n_running, -1);
          g_object_unref (task);
          if (started == 0 && i + 1 == n_workers)
            check_job_fail (job, g_error_new (BT_ERROR, BT_ERROR_FAILED,
                                              "Could not start a thread to check the files: %s",
                                              error->message));
          continue;
        }
      started++;
      g_thread_unref (thread);
    }
  if (g_atomic_int_dec_and_test (&job->n_running))
    check_job_complete (task);
}

/**
 * bt_verify_check_finish:
 * @result: the result passed to the callback of bt_verify_check_async()
 * @error: G_IO_ERROR_CANCELLED, or the I/O error that stopped the check
 *   (BT_ERROR_IO, BT_ERROR_STORAGE_UNSAFE)
 *
 * Call this or bt_verify_check_finish_details(), not both.
 *
 * Returns: (transfer full): the pieces that are on disk and good, or %NULL
 */
BtBitfield *
bt_verify_check_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_autoptr(BtVerifyResult) details = bt_verify_check_finish_details (result, error);

  if (details == NULL)
    return NULL;
  return bt_bitfield_copy (details->have);
}

/**
 * bt_verify_check_finish_details:
 *
 * Like bt_verify_check_finish(), with the state of every piece and what
 * was found per file.
 *
 * Returns: (transfer full): the result, or %NULL
 */
BtVerifyResult *
bt_verify_check_finish_details (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_verify_check_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

BtVerifyResult *
bt_verify_result_ref (BtVerifyResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);

  g_atomic_ref_count_inc (&result->ref_count);
  return result;
}

void
bt_verify_result_unref (BtVerifyResult *result)
{
  g_return_if_fail (result != NULL);

  if (!g_atomic_ref_count_dec (&result->ref_count))
    return;
  g_free (result->states);
  bt_bitfield_free (result->have);
  g_free (result->files);
  g_free (result);
}

/**
 * bt_verify_result_get_have:
 *
 * Returns: (transfer none): the good pieces
 */
const BtBitfield *
bt_verify_result_get_have (BtVerifyResult *result)
{
  g_return_val_if_fail (result != NULL, NULL);
  return result->have;
}

BtVerifyPieceState
bt_verify_result_get_piece_state (BtVerifyResult *result,
                                  guint32         piece)
{
  g_return_val_if_fail (result != NULL, BT_VERIFY_PIECE_MISSING);
  g_return_val_if_fail (piece < result->n_pieces, BT_VERIFY_PIECE_MISSING);
  return result->states[piece];
}

/**
 * bt_verify_result_get_totals:
 * @good: (out) (optional): pieces on disk with the right data
 * @bad: (out) (optional): pieces on disk with wrong data
 * @missing: (out) (optional): pieces not on disk
 */
void
bt_verify_result_get_totals (BtVerifyResult *result,
                             guint32        *good,
                             guint32        *bad,
                             guint32        *missing)
{
  g_return_if_fail (result != NULL);

  if (good != NULL)
    *good = result->totals[BT_VERIFY_PIECE_GOOD];
  if (bad != NULL)
    *bad = result->totals[BT_VERIFY_PIECE_BAD];
  if (missing != NULL)
    *missing = result->totals[BT_VERIFY_PIECE_MISSING];
}

/**
 * bt_verify_result_get_file_stats:
 * @file: a file index of the torrent
 * @stats: (out caller-allocates): filled in
 */
void
bt_verify_result_get_file_stats (BtVerifyResult    *result,
                                 guint              file,
                                 BtVerifyFileStats *stats)
{
  g_return_if_fail (result != NULL);
  g_return_if_fail (file < result->n_files);
  g_return_if_fail (stats != NULL);

  *stats = result->files[file];
}
