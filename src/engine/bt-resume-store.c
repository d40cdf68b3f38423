/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Where the session keeps its torrents between runs: one folder
 * ($XDG_DATA_HOME/btorrent/ by default) holding, per torrent,
 *
 *   <hex info-hash>.torrent   a copy of the metainfo (for a magnet, the
 *                             fetched info dictionary wrapped as a torrent)
 *   <hex info-hash>.resume    its BtResume record (bt-resume.c)
 *
 * Every file is written with g_file_set_contents(): to a temporary file,
 * then renamed over the old one, so a crash leaves the old file or the new
 * one, never half of either.
 *
 * Coalescing. A downloading torrent changes many times a second, and
 * writing (and fsync()ing) its record each time would cost more than the
 * download. bt_resume_store_schedule() only keeps the newest record; a
 * timer started by the first change writes it "interval" milliseconds
 * later, and the next change after that starts the next timer. So a torrent
 * is written at most once per interval, and a torrent that does not change
 * has no timer at all: 2,000 idle torrents cost no wake-ups.
 *
 * Threads. Records whose timer fired are written in batches, one batch at
 * a time, by one GTask on GIO's worker pool (not a task per torrent: that
 * pool is shared with the rest of GIO, and a thousand fsync()s must not
 * occupy all of it), which spreads the batch over BT_RESUME_WRITE_THREADS
 * threads of its own. A torrent has at most one job in a batch and batches
 * do not overlap, so one torrent's writes land in the order they were
 * scheduled. Records that change while a batch runs wait, and coalesce,
 * for the next one: when the disk is slower than the torrents change, each
 * torrent is written less often instead of a queue growing. Everything
 * else lives on the main context the store was created in. @lock guards what the worker and the main thread
 * share: a torrent's "removed" flag against a write that would bring its
 * file back after bt_resume_store_remove(), and "worker_busy", which
 * bt_resume_store_flush() waits on.
 */
#define G_LOG_DOMAIN "bt-resume-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-resume-store.h"
#include "bt-sha1.h"
#include "bt-timer.h"

#define RESUME_SUFFIX ".resume"
#define TORRENT_SUFFIX ".torrent"
#define HEX_LENGTH (2 * BT_INFO_HASH_LENGTH)

/* Structures */

/* One torrent the store has been asked to write. Reference counted
 * (g_rc_box): a job on the worker holds one. */
typedef struct
{
  guint8         info_hash[BT_INFO_HASH_LENGTH];
  char           hex[HEX_LENGTH + 1];
  BtResumeStore *store;        /* not a reference: the store outlives its timers */
  BtResume      *pending;      /* the newest record not yet handed to a writer */
  BtMetainfo    *pending_meta; /* when set, refresh the record's files from disk */
  GBytes        *pending_torrent; /* a metainfo copy to write */
  GSource       *timer;
  gboolean       queued;       /* in store->due */
  gboolean       removed;      /* guarded by store->lock */
} Entry;

typedef struct
{
  Entry      *entry;
  BtResume   *record;  /* nullable */
  BtMetainfo *meta;    /* nullable */
  GBytes     *torrent; /* nullable */
  gboolean    written;
  GError     *error;
} Job;

struct _BtResumeStore
{
  GObject       parent_instance;

  char         *directory;
  guint         interval_ms;
  GMainContext *context;
  GHashTable   *entries;     /* hex → Entry */
  GPtrArray    *due;         /* of Entry (references): timer fired, waiting for the writer */
  gboolean      writing;     /* a batch job is running */

  GMutex        lock;
  GCond         idle;
  gboolean      worker_busy; /* guarded by lock */
};

G_DEFINE_FINAL_TYPE (BtResumeStore, bt_resume_store, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DIRECTORY,
  PROP_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  WRITTEN,
  WRITE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Auxiliary functions */

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  if (entry->timer != NULL)
    {
      g_source_destroy (entry->timer);
      g_source_unref (entry->timer);
    }
  g_clear_pointer (&entry->pending, bt_resume_free);
  g_clear_object (&entry->pending_meta);
  g_clear_pointer (&entry->pending_torrent, g_bytes_unref);
}

static Entry *
entry_ref (Entry *entry)
{
  return g_rc_box_acquire (entry);
}

static void
entry_unref (gpointer entry)
{
  g_rc_box_release_full (entry, entry_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Entry, entry_unref)

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->entry, entry_unref);
  g_clear_pointer (&job->record, bt_resume_free);
  g_clear_object (&job->meta);
  g_clear_pointer (&job->torrent, g_bytes_unref);
  g_clear_error (&job->error);
  g_free (job);
}

static void
hex_encode (const guint8 *info_hash,
            char         *out)
{
  static const char digits[] = "0123456789abcdef";

  for (guint i = 0; i < BT_INFO_HASH_LENGTH; i++)
    {
      out[2 * i] = digits[info_hash[i] >> 4];
      out[2 * i + 1] = digits[info_hash[i] & 0xf];
    }
  out[HEX_LENGTH] = '\0';
}

/* Reads the 40 lower-case hex digits we write; anything else is not ours. */
static gboolean
hex_decode (const char *hex,
            guint8     *out)
{
  for (guint i = 0; i < HEX_LENGTH; i++)
    if (!g_ascii_isxdigit (hex[i]) || g_ascii_isupper (hex[i]))
      return FALSE;
  for (guint i = 0; i < BT_INFO_HASH_LENGTH; i++)
    out[i] = g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]);
  return TRUE;
}

static char *
file_path (BtResumeStore *self,
           const guint8  *info_hash,
           const char    *suffix)
{
  char hex[HEX_LENGTH + 1];
  g_autofree char *name = NULL;

  hex_encode (info_hash, hex);
  name = g_strconcat (hex, suffix, NULL);
  return g_build_filename (self->directory, name, NULL);
}

static void
set_file_error (GError    **error,
                const char *what,
                const char *path,
                GError     *cause)
{
  g_autofree char *display = g_filename_display_name (path);
  BtError code = BT_ERROR_IO;

  if (cause->domain == G_FILE_ERROR && cause->code == G_FILE_ERROR_NOSPC)
    code = BT_ERROR_NO_SPACE;
  g_set_error (error, BT_ERROR, code, "%s “%s”: %s", what, display, cause->message);
}

/* Writes @bytes to @path atomically. @durable adds an fsync() even for a
 * new file: for the torrent copies, which cannot be rebuilt, unlike a
 * resume record. May run on a worker thread: touches nothing of @self but
 * the immutable directory. */
static gboolean
write_file (BtResumeStore *self,
            const char    *path,
            GBytes        *bytes,
            gboolean       durable,
            GError       **error)
{
  GFileSetContentsFlags flags = G_FILE_SET_CONTENTS_CONSISTENT;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  if (g_mkdir_with_parents (self->directory, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (self->directory);

      g_set_error (error, BT_ERROR, saved_errno == ENOSPC ? BT_ERROR_NO_SPACE : BT_ERROR_IO,
                   "Could not create the folder “%s” for bTorrent's saved state: %s", display,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (durable)
    flags |= G_FILE_SET_CONTENTS_DURABLE;
  if (!g_file_set_contents_full (path, (const char *) data, length, flags, 0600, &local_error))
    {
      set_file_error (error, "Could not save", path, local_error);
      return FALSE;
    }
  return TRUE;
}

/* Reads @path whole, refusing files larger than @max_size before reading
 * them: a damaged state file must not make us allocate gigabytes. */
static GBytes *
read_file (const char *path,
           gsize       max_size,
           GError    **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree guint8 *data = NULL;
  struct stat st;
  gsize done = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not read “%s”: %s", display,
                   g_strerror (saved_errno));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || (guint64) st.st_size > max_size)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_IO, "“%s” is not a file bTorrent wrote", display);
      close (fd);
      return NULL;
    }

  data = g_malloc (st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      gssize n = read (fd, data + done, st.st_size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not read “%s”: %s", display,
                       g_strerror (saved_errno));
          close (fd);
          return NULL;
        }
      if (n == 0)
        break; /* shrank meanwhile: the parser sees the truncation */
      done += n;
    }
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&data), done);
}

static int
compare_bytes_ptr (gconstpointer a,
                   gconstpointer b)
{
  return g_bytes_compare (*(GBytes * const *) a, *(GBytes * const *) b);
}

static gboolean
remove_file (const char *path,
             GError    **error)
{
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not remove “%s”: %s", display,
                   g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* Whether @path holds @bytes already. A record that did not change (an
 * idle torrent's at every start and quit) is not written again: each
 * write ends in an fsync, thousands of them in a large session. */
static gboolean
file_holds (const char *path,
            GBytes     *bytes)
{
  g_autoptr(GBytes) old = read_file (path, g_bytes_get_size (bytes), NULL);

  return old != NULL && g_bytes_equal (old, bytes);
}

/* Writes one torrent's files; on a worker thread. */
static void
job_run (BtResumeStore *self,
         Job           *job)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *resume_path = NULL;
  g_autofree char *torrent_path = NULL;

  if (job->record != NULL)
    {
      if (job->meta != NULL && job->record->have != NULL)
        {
          g_autoptr(GError) error = NULL;

          /* The pieces the bitfield lists reach the disk before a record
           * that vouches for them does; then the files' times are taken,
           * after the last write the bitfield covers. A record with stale
           * file times only costs a recheck later. */
          if (!bt_resume_sync_files (job->meta, job->record->save_path, &error) ||
              !bt_resume_update_files_from_disk (job->record, job->meta,
                                                 job->record->save_path, &error))
            {
              g_debug ("%s: %s", job->entry->hex, error->message);
              /* Unsynced data must not be vouched for: no file times, so
               * the next start checks what is there. */
              for (guint i = 0; i < job->record->n_files; i++)
                {
                  job->record->files[i].size = 0;
                  job->record->files[i].mtime = 0;
                  job->record->files[i].mtime_nsec = 0;
                }
            }
        }
      bytes = bt_resume_to_bytes (job->record);
      resume_path = file_path (self, job->entry->info_hash, RESUME_SUFFIX);
    }
  if (job->torrent != NULL)
    torrent_path = file_path (self, job->entry->info_hash, TORRENT_SUFFIX);

  g_mutex_lock (&self->lock);
  if (!job->entry->removed)
    {
      job->written = TRUE;
      if (torrent_path != NULL)
        job->written = write_file (self, torrent_path, job->torrent, TRUE, &job->error);
      if (job->written && resume_path != NULL && !file_holds (resume_path, bytes))
        job->written = write_file (self, resume_path, bytes, FALSE, &job->error);
    }
  g_mutex_unlock (&self->lock);
}

static void
job_pool_func (gpointer data,
               gpointer user_data)
{
  job_run (user_data, data);
}

/* Runs @jobs, several at a time: each file write ends in fsync()s, and
 * a file system commits concurrent ones together (on ext4, four threads
 * write about ten times as many small files a second as one). Each torrent
 * has one job at most, so the order of one torrent's writes is kept. */
static void
run_jobs (BtResumeStore *self,
          GPtrArray     *jobs)
{
  GThreadPool *pool;

  if (jobs->len == 1)
    {
      job_run (self, g_ptr_array_index (jobs, 0));
      return;
    }
  pool = g_thread_pool_new (job_pool_func, self, BT_RESUME_WRITE_THREADS, FALSE, NULL);
  for (guint i = 0; i < jobs->len; i++)
    g_thread_pool_push (pool, g_ptr_array_index (jobs, i), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
}

static void
job_report (BtResumeStore *self,
            Job           *job)
{
  g_autoptr(GBytes) hash = NULL;

  if (!job->written && job->error == NULL)
    return;
  hash = g_bytes_new (job->entry->info_hash, BT_INFO_HASH_LENGTH);
  if (job->error != NULL)
    {
      g_debug ("%s: %s", job->entry->hex, job->error->message);
      g_signal_emit (self, signals[WRITE_FAILED], 0, hash, job->error);
    }
  else
    g_signal_emit (self, signals[WRITTEN], 0, hash);
}

/* Hands the newest record of each due torrent to a job. */
static GPtrArray *
take_due (BtResumeStore *self)
{
  GPtrArray *jobs = g_ptr_array_new_with_free_func (job_free);

  for (guint i = 0; i < self->due->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->due, i);
      Job *job;

      entry->queued = FALSE;
      if (entry->pending == NULL && entry->pending_torrent == NULL)
        continue;
      job = g_new0 (Job, 1);
      job->entry = entry_ref (entry);
      job->record = g_steal_pointer (&entry->pending);
      job->meta = g_steal_pointer (&entry->pending_meta);
      job->torrent = g_steal_pointer (&entry->pending_torrent);
      g_ptr_array_add (jobs, job);
    }
  g_ptr_array_set_size (self->due, 0);
  return jobs;
}

static void
write_batch_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  BtResumeStore *self = source_object;
  GPtrArray *jobs = task_data;

  run_jobs (self, jobs);

  g_mutex_lock (&self->lock);
  self->worker_busy = FALSE;
  g_cond_broadcast (&self->idle);
  g_mutex_unlock (&self->lock);

  g_task_return_boolean (task, TRUE);
}

static void start_batch (BtResumeStore *self);

static void
write_batch_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BtResumeStore *self = BT_RESUME_STORE (source);
  GPtrArray *jobs = g_task_get_task_data (G_TASK (result));

  self->writing = FALSE;
  for (guint i = 0; i < jobs->len; i++)
    job_report (self, g_ptr_array_index (jobs, i));
  start_batch (self);
}

static void
start_batch (BtResumeStore *self)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *jobs;

  if (self->writing || self->due->len == 0)
    return;

  jobs = take_due (self);
  if (jobs->len == 0)
    {
      g_ptr_array_unref (jobs);
      return;
    }

  self->writing = TRUE;
  g_mutex_lock (&self->lock);
  self->worker_busy = TRUE;
  g_mutex_unlock (&self->lock);

  task = g_task_new (self, NULL, write_batch_cb, NULL);
  g_task_set_source_tag (task, start_batch);
  g_task_set_task_data (task, jobs, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, write_batch_thread);
}

static void
queue_entry (BtResumeStore *self,
             Entry         *entry)
{
  if (entry->queued)
    return;
  entry->queued = TRUE;
  g_ptr_array_add (self->due, entry_ref (entry));
}

static Entry *
get_entry (BtResumeStore *self,
           const guint8  *info_hash)
{
  char hex[HEX_LENGTH + 1];
  Entry *entry;

  hex_encode (info_hash, hex);
  entry = g_hash_table_lookup (self->entries, hex);
  if (entry == NULL)
    {
      entry = g_rc_box_new0 (Entry);
      memcpy (entry->info_hash, info_hash, BT_INFO_HASH_LENGTH);
      memcpy (entry->hex, hex, sizeof hex);
      entry->store = self;
      g_hash_table_insert (self->entries, entry->hex, entry);
    }
  return entry;
}

static gboolean
timer_cb (gpointer user_data)
{
  Entry *entry = user_data;
  BtResumeStore *self = entry->store;

  g_clear_pointer (&entry->timer, g_source_unref);
  queue_entry (self, entry);
  start_batch (self);
  return G_SOURCE_REMOVE;
}

static void
cancel_timer (Entry *entry)
{
  if (entry->timer == NULL)
    return;
  g_source_destroy (entry->timer);
  g_clear_pointer (&entry->timer, g_source_unref);
}

static void
wait_for_worker (BtResumeStore *self)
{
  g_mutex_lock (&self->lock);
  while (self->worker_busy)
    g_cond_wait (&self->idle, &self->lock);
  g_mutex_unlock (&self->lock);
}

/* Signal callbacks: none. Overrides */

static void
bt_resume_store_dispose (GObject *object)
{
  BtResumeStore *self = BT_RESUME_STORE (object);
  g_autoptr(GError) error = NULL;

  /* Nothing scheduled is lost when the session goes away without calling
   * flush itself. */
  if (self->entries != NULL && !bt_resume_store_flush (self, &error))
    g_warning ("%s", error->message);
  g_clear_pointer (&self->due, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (bt_resume_store_parent_class)->dispose (object);
}

static void
bt_resume_store_finalize (GObject *object)
{
  BtResumeStore *self = BT_RESUME_STORE (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->directory);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->idle);

  G_OBJECT_CLASS (bt_resume_store_parent_class)->finalize (object);
}

static void
bt_resume_store_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BtResumeStore *self = BT_RESUME_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_resume_store_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  BtResumeStore *self = BT_RESUME_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_free (self->directory);
      self->directory = g_value_get_string (value) != NULL
                          ? g_canonicalize_filename (g_value_get_string (value), NULL)
                          : g_build_filename (g_get_user_data_dir (), "btorrent", NULL);
      break;
    case PROP_INTERVAL:
      bt_resume_store_set_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_resume_store_class_init (BtResumeStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bt_resume_store_dispose;
  object_class->finalize = bt_resume_store_finalize;
  object_class->get_property = bt_resume_store_get_property;
  object_class->set_property = bt_resume_store_set_property;

  /**
   * BtResumeStore:directory:
   *
   * The folder of the saved state; %NULL at construction means
   * `$XDG_DATA_HOME/btorrent`. Created, mode 0700, on the first write.
   */
  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * BtResumeStore:interval:
   *
   * Milliseconds between two writes of one torrent's record.
   */
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 1, G_MAXUINT, BT_RESUME_WRITE_INTERVAL_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BtResumeStore::written:
   * @info_hash: (type GBytes): the torrent's info-hash, 20 bytes
   *
   * A scheduled record reached the disk. Emitted on the store's main
   * context.
   */
  signals[WRITTEN] = g_signal_new ("written", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);

  /**
   * BtResumeStore::write-failed:
   * @info_hash: (type GBytes): the torrent's info-hash, 20 bytes
   * @error: why (%BT_ERROR_NO_SPACE when the disk is full)
   *
   * A scheduled record could not be written; the file on disk is the
   * previous one, intact. The next schedule tries again. Emitted on the
   * store's main context.
   */
  signals[WRITE_FAILED] = g_signal_new ("write-failed", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                        G_TYPE_BYTES, G_TYPE_ERROR);
}

static void
bt_resume_store_init (BtResumeStore *self)
{
  self->interval_ms = BT_RESUME_WRITE_INTERVAL_MS;
  self->context = g_main_context_ref_thread_default ();
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_unref);
  self->due = g_ptr_array_new_with_free_func (entry_unref);
  g_mutex_init (&self->lock);
  g_cond_init (&self->idle);
}

/* Public API */

/**
 * bt_resume_store_new:
 * @directory: (nullable) (type filename): the folder to keep state in;
 *   %NULL for `$XDG_DATA_HOME/btorrent`
 *
 * Timers and signals of the store run on the thread-default main context
 * of the caller.
 *
 * Returns: (transfer full): a new store
 */
BtResumeStore *
bt_resume_store_new (const char *directory)
{
  return g_object_new (BT_TYPE_RESUME_STORE, "directory", directory, NULL);
}

/**
 * bt_resume_store_get_directory:
 *
 * Returns: (type filename): the folder of the saved state
 */
const char *
bt_resume_store_get_directory (BtResumeStore *self)
{
  g_return_val_if_fail (BT_IS_RESUME_STORE (self), NULL);
  return self->directory;
}

guint
bt_resume_store_get_interval (BtResumeStore *self)
{
  g_return_val_if_fail (BT_IS_RESUME_STORE (self), 0);
  return self->interval_ms;
}

/**
 * bt_resume_store_set_interval:
 * @interval_ms: milliseconds between two writes of one torrent, at least 1
 *
 * Applies to timers started from now on.
 */
void
bt_resume_store_set_interval (BtResumeStore *self,
                              guint          interval_ms)
{
  g_return_if_fail (BT_IS_RESUME_STORE (self));
  g_return_if_fail (interval_ms > 0);

  if (self->interval_ms == interval_ms)
    return;
  self->interval_ms = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

/**
 * bt_resume_store_list:
 *
 * Lists every torrent with a saved record or a saved metainfo copy,
 * ordered by info-hash. A missing folder is an empty list.
 *
 * Returns: (transfer full) (element-type GBytes): the info-hashes, 20
 *   bytes each; %NULL with @error set when the folder cannot be read
 */
GPtrArray *
bt_resume_store_list (BtResumeStore *self,
                      GError       **error)
{
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_return_val_if_fail (BT_IS_RESUME_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  dir = g_dir_open (self->directory, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&hashes);
      set_file_error (error, "Could not read the folder", self->directory, local_error);
      return NULL;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      guint8 hash[BT_INFO_HASH_LENGTH];
      const char *suffix = name + HEX_LENGTH;
      GBytes *bytes;

      /* Temporary files of an interrupted write ("x.resume.AB12CD") and
       * anything else in the folder are not torrents. */
      if (strlen (name) <= HEX_LENGTH || !hex_decode (name, hash) ||
          (strcmp (suffix, RESUME_SUFFIX) != 0 && strcmp (suffix, TORRENT_SUFFIX) != 0))
        continue;
      bytes = g_bytes_new (hash, sizeof hash);
      if (g_hash_table_contains (seen, bytes))
        {
          g_bytes_unref (bytes);
          continue;
        }
      g_hash_table_add (seen, bytes);
      g_ptr_array_add (hashes, bytes);
    }

  g_ptr_array_sort (hashes, compare_bytes_ptr);
  return g_steal_pointer (&hashes);
}

/**
 * bt_resume_store_load_metainfo:
 * @info_hash: (array fixed-size=20): which torrent
 *
 * Reads the saved copy of a torrent's metainfo. Blocking (one small read).
 *
 * Returns: (transfer full) (nullable): the metainfo; %NULL with %BT_ERROR_IO
 *   when there is none (a magnet whose metadata never came), or with the
 *   parser's error when the copy is damaged or is another torrent
 */
BtMetainfo *
bt_resume_store_load_metainfo (BtResumeStore *self,
                               const guint8  *info_hash,
                               GError       **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtMetainfo) meta = NULL;

  g_return_val_if_fail (BT_IS_RESUME_STORE (self), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = file_path (self, info_hash, TORRENT_SUFFIX);
  bytes = read_file (path, BT_BENCODE_MAX_SIZE, error);
  if (bytes == NULL)
    return NULL;
  meta = bt_metainfo_new_from_bytes (bytes, error);
  if (meta == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_prefix_error (error, "The saved torrent “%s” is damaged: ", display);
      return NULL;
    }
  if (memcmp (bt_metainfo_get_info_hash (meta), info_hash, BT_INFO_HASH_LENGTH) != 0)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID,
                   "The saved torrent “%s” holds another torrent than its name says", display);
      return NULL;
    }
  return g_steal_pointer (&meta);
}

/**
 * bt_resume_store_load_resume:
 * @info_hash: (array fixed-size=20): which torrent
 * @meta: (nullable): its metainfo, if it has one: the record must match it
 *
 * Reads a torrent's saved record strictly (bt_resume_new_from_bytes()).
 * Any error means: start the torrent without it, by a recheck. Blocking
 * (one small read).
 *
 * Returns: (transfer full) (nullable): the record; %NULL with %BT_ERROR_IO
 *   when there is none, %BT_ERROR_RESUME_INVALID (or a bencode error) when
 *   it is damaged
 */
BtResume *
bt_resume_store_load_resume (BtResumeStore *self,
                             const guint8  *info_hash,
                             BtMetainfo    *meta,
                             GError       **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtResume) resume = NULL;

  g_return_val_if_fail (BT_IS_RESUME_STORE (self), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (meta == NULL || BT_IS_METAINFO (meta), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = file_path (self, info_hash, RESUME_SUFFIX);
  bytes = read_file (path, BT_RESUME_MAX_SIZE, error);
  if (bytes == NULL)
    return NULL;
  resume = bt_resume_new_from_bytes (bytes, meta, error);
  if (resume == NULL)
    return NULL;
  if (memcmp (resume->info_hash, info_hash, BT_INFO_HASH_LENGTH) != 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID,
                   "Resume data is damaged: it belongs to another torrent than its file name says");
      return NULL;
    }
  return g_steal_pointer (&resume);
}

void
bt_resume_store_item_free (BtResumeStoreItem *item)
{
  if (item == NULL)
    return;
  g_clear_pointer (&item->info_hash, g_bytes_unref);
  g_clear_object (&item->meta);
  g_clear_error (&item->meta_error);
  g_clear_pointer (&item->resume, bt_resume_free);
  g_clear_error (&item->resume_error);
  g_free (item);
}

static void
load_item_func (gpointer data,
                gpointer user_data)
{
  BtResumeStoreItem *item = data;
  BtResumeStore *self = user_data;
  const guint8 *hash = g_bytes_get_data (item->info_hash, NULL);

  item->meta = bt_resume_store_load_metainfo (self, hash, &item->meta_error);
  item->resume = bt_resume_store_load_resume (self, hash, item->meta, &item->resume_error);
}

static void
load_all_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  BtResumeStore *self = source_object;
  g_autoptr(GPtrArray) hashes = NULL;
  g_autoptr(GPtrArray) items = NULL;
  GError *error = NULL;
  GThreadPool *pool;

  hashes = bt_resume_store_list (self, &error);
  if (hashes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Parsing a torrent hashes its info dictionary: spread over a few
   * threads, a few thousand torrents load in a fraction of a second. */
  items = g_ptr_array_new_full (hashes->len, (GDestroyNotify) bt_resume_store_item_free);
  pool = g_thread_pool_new (load_item_func, self, BT_RESUME_WRITE_THREADS, FALSE, NULL);
  for (guint i = 0; i < hashes->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      BtResumeStoreItem *item = g_new0 (BtResumeStoreItem, 1);

      item->info_hash = g_bytes_ref (g_ptr_array_index (hashes, i));
      g_ptr_array_add (items, item);
      g_thread_pool_push (pool, item, NULL);
    }
  g_thread_pool_free (pool, FALSE, TRUE);

  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_pointer (task, g_steal_pointer (&items), (GDestroyNotify) g_ptr_array_unref);
}

/**
 * bt_resume_store_load_all_async:
 *
 * Reads every saved torrent (bt_resume_store_list(), then
 * bt_resume_store_load_metainfo() and bt_resume_store_load_resume() for
 * each) on worker threads, for a session start that does not hold up the
 * main loop. The callback runs on the caller's thread-default main
 * context.
 */
void
bt_resume_store_load_all_async (BtResumeStore       *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BT_IS_RESUME_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_resume_store_load_all_async);
  g_task_run_in_thread (task, load_all_thread);
}

/**
 * bt_resume_store_load_all_finish:
 *
 * Returns: (transfer full) (element-type BtResumeStoreItem): one item per
 *   saved torrent, ordered by info-hash, each with its own errors; %NULL
 *   with @error set when the folder could not be read or on cancellation
 */
GPtrArray *
bt_resume_store_load_all_finish (BtResumeStore  *self,
                                 GAsyncResult   *result,
                                 GError        **error)
{
  g_return_val_if_fail (BT_IS_RESUME_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_resume_store_load_all_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bt_resume_store_save_metainfo:
 *
 * Saves a copy of @meta's bytes as `<hex>.torrent`, atomically and
 * durably (fsync: the copy is what the torrent comes back from). Blocking;
 * call it once when a torrent is added.
 *
 * Returns: %FALSE with @error set (%BT_ERROR_IO, %BT_ERROR_NO_SPACE) when
 *   it could not be written
 */
gboolean
bt_resume_store_save_metainfo (BtResumeStore *self,
                               BtMetainfo    *meta,
                               GError       **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (BT_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  path = file_path (self, bt_metainfo_get_info_hash (meta), TORRENT_SUFFIX);
  return write_file (self, path, bt_metainfo_get_bytes (meta), TRUE, error);
}

/**
 * bt_resume_store_schedule_metainfo:
 *
 * Like bt_resume_store_save_metainfo(), without blocking: the copy is
 * written by the next batch of the writer, right away when it is idle,
 * and ::written or ::write-failed tells how it went. For adding many
 * torrents at once.
 */
void
bt_resume_store_schedule_metainfo (BtResumeStore *self,
                                   BtMetainfo    *meta)
{
  Entry *entry;

  g_return_if_fail (BT_IS_RESUME_STORE (self));
  g_return_if_fail (BT_IS_METAINFO (meta));

  entry = get_entry (self, bt_metainfo_get_info_hash (meta));
  g_clear_pointer (&entry->pending_torrent, g_bytes_unref);
  entry->pending_torrent = g_bytes_ref (bt_metainfo_get_bytes (meta));
  queue_entry (self, entry);
  start_batch (self);
}

/**
 * bt_resume_store_save_info_dict:
 * @info_hash: (array fixed-size=20): the info-hash the magnet named
 * @info_dict: the info dictionary as fetched from peers (BEP 9), exactly
 * @trackers: (nullable) (array zero-terminated=1): trackers to put in the
 *   torrent (one tier each), e.g. the magnet's "tr"
 *
 * For a magnet whose metadata arrived: wraps @info_dict as a torrent
 * (the dictionary's bytes kept as they are, so its info-hash does not
 * change), checks it, and saves it like bt_resume_store_save_metainfo().
 *
 * Returns: (transfer full) (nullable): the torrent's metainfo; %NULL with
 *   @error set when @info_dict is not a valid info dictionary for
 *   @info_hash or could not be saved
 */
BtMetainfo *
bt_resume_store_save_info_dict (BtResumeStore      *self,
                                const guint8       *info_hash,
                                GBytes             *info_dict,
                                const char * const *trackers,
                                GError            **error)
{
  g_autoptr(BtMetainfo) meta = NULL;

  g_return_val_if_fail (BT_IS_RESUME_STORE (self), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (info_dict != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  meta = bt_metainfo_new_from_info_dict (info_dict, trackers, error);
  if (meta == NULL)
    return NULL;
  if (memcmp (bt_metainfo_get_info_hash (meta), info_hash, BT_INFO_HASH_LENGTH) != 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                   "The metadata received does not match the magnet link's info-hash");
      return NULL;
    }
  if (!bt_resume_store_save_metainfo (self, meta, error))
    return NULL;
  return g_steal_pointer (&meta);
}

/**
 * bt_resume_store_schedule:
 * @info_hash: (array fixed-size=20): which torrent; must be
 *   @resume's info-hash
 * @resume: (transfer none): the torrent's current record; copied
 *
 * Arranges for @resume to be written as `<hex>.resume`: within the
 * store's interval, unless a newer record replaces it first (then the
 * newer one is written). Never blocks; the write happens on a worker
 * thread, and ::written or ::write-failed tells how it went.
 */
void
bt_resume_store_schedule (BtResumeStore  *self,
                          const guint8   *info_hash,
                          const BtResume *resume)
{
  bt_resume_store_schedule_full (self, info_hash, resume, NULL);
}

/**
 * bt_resume_store_schedule_full:
 * @meta: (nullable): the torrent's metainfo: when given, the worker first
 *   flushes the torrent's files to the disk (bt_resume_sync_files()), then
 *   fills the record's file sizes and times from them (below its save
 *   path), just before writing it: the caller neither blocks nor stats
 *   files on the main thread, and a power cut cannot keep a record that
 *   vouches for data the disk never got
 *
 * Like bt_resume_store_schedule().
 */
void
bt_resume_store_schedule_full (BtResumeStore  *self,
                               const guint8   *info_hash,
                               const BtResume *resume,
                               BtMetainfo     *meta)
{
  Entry *entry;

  g_return_if_fail (BT_IS_RESUME_STORE (self));
  g_return_if_fail (info_hash != NULL);
  g_return_if_fail (resume != NULL);
  g_return_if_fail (memcmp (info_hash, resume->info_hash, BT_INFO_HASH_LENGTH) == 0);
  g_return_if_fail (meta == NULL || BT_IS_METAINFO (meta));
  /* What bt_resume_to_bytes() needs, checked here rather than on the
   * worker. */
  g_return_if_fail (resume->save_path != NULL && resume->save_path[0] == '/');
  g_return_if_fail (resume->name != NULL);
  g_return_if_fail (resume->have != NULL || resume->magnet_uri != NULL);

  entry = get_entry (self, info_hash);
  g_clear_pointer (&entry->pending, bt_resume_free);
  entry->pending = bt_resume_copy (resume);
  g_set_object (&entry->pending_meta, meta);

  if (entry->queued || entry->timer != NULL)
    return;
  entry->timer = bt_timer_source_new (self->interval_ms);
  g_source_set_static_name (entry->timer, "[bt] resume write");
  g_source_set_callback (entry->timer, timer_cb, entry_ref (entry), entry_unref);
  g_source_attach (entry->timer, self->context);
}

/**
 * bt_resume_store_flush:
 *
 * Writes every scheduled record now, on the calling thread, after any
 * write in progress: for quitting. Blocking. ::written and ::write-failed
 * are emitted for each record.
 *
 * Returns: %FALSE with the first error when a record could not be
 *   written; the others are written all the same
 */
gboolean
bt_resume_store_flush (BtResumeStore *self,
                       GError       **error)
{
  g_autoptr(GPtrArray) jobs = NULL;
  GHashTableIter iter;
  gpointer value;
  gboolean ok = TRUE;

  g_return_val_if_fail (BT_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Entry *entry = value;

      cancel_timer (entry);
      if (entry->pending != NULL || entry->pending_torrent != NULL)
        queue_entry (self, entry);
    }

  /* The batch on the worker may hold older records of the same torrents:
   * let it finish, so that ours land last. */
  wait_for_worker (self);

  jobs = take_due (self);
  run_jobs (self, jobs);
  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs, i);

      if (job->error != NULL && ok)
        {
          g_propagate_error (error, g_error_copy (job->error));
          ok = FALSE;
        }
      job_report (self, job);
    }
  return ok;
}

/**
 * bt_resume_store_remove:
 * @info_hash: (array fixed-size=20): which torrent
 *
 * Forgets a torrent: drops its scheduled record and deletes its files
 * (absent ones are fine). A write in progress on the worker is finished
 * first or skipped, so the files do not come back.
 *
 * Returns: %FALSE with @error set when a file could not be deleted
 */
gboolean
bt_resume_store_remove (BtResumeStore *self,
                        const guint8  *info_hash,
                        GError       **error)
{
  char hex[HEX_LENGTH + 1];
  g_autofree char *resume_path = NULL;
  g_autofree char *torrent_path = NULL;
  Entry *entry;
  gboolean ok;

  g_return_val_if_fail (BT_IS_RESUME_STORE (self), FALSE);
  g_return_val_if_fail (info_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  hex_encode (info_hash, hex);
  resume_path = file_path (self, info_hash, RESUME_SUFFIX);
  torrent_path = file_path (self, info_hash, TORRENT_SUFFIX);

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->entries, hex);
  if (entry != NULL)
    entry->removed = TRUE;
  ok = remove_file (resume_path, error) && remove_file (torrent_path, error);
  g_mutex_unlock (&self->lock);

  if (entry != NULL)
    {
      cancel_timer (entry);
      g_clear_pointer (&entry->pending, bt_resume_free);
      g_clear_object (&entry->pending_meta);
      g_clear_pointer (&entry->pending_torrent, g_bytes_unref);
      if (entry->queued)
        {
          entry->queued = FALSE;
          g_ptr_array_remove (self->due, entry);
        }
      g_hash_table_remove (self->entries, hex);
    }
  return ok;
}
