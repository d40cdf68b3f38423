/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Where a torrent's bytes live on disk.
 *
 * The torrent is one byte space (the pieces, end to end) laid over its files
 * in order. bt_storage_map() turns a range of that space into per-file
 * segments; pad files (BEP 47) occupy space but are never written and read
 * back as zeros; zero-length files occupy none.
 *
 * Staying inside the download folder. Paths from the metainfo are already
 * sanitized, but the folder itself can hold symbolic links, made by the user
 * or by another program, that point anywhere. So the download folder is
 * opened once, and every file is reached from that descriptor one component
 * at a time with openat (O_NOFOLLOW): a link anywhere below the download
 * folder is refused with BT_ERROR_STORAGE_UNSAFE, and a link swapped in
 * between two calls cannot redirect a write, because nothing is ever looked
 * up by its full path. The download folder itself may be a link (a user's
 * ~/Downloads often is): the user chose it.
 *
 * Reading never creates anything: a file or folder that is not there reads
 * as "missing", so a recheck of an empty folder leaves it empty.
 *
 * Sparse files. The first time a file is opened for writing it is extended
 * with ftruncate() to its full size, which allocates nothing: the file has
 * its final size from the start (other programs, and a later recheck, see
 * the right size) and the blocks are allocated only as pieces are written.
 * Writing zeros to preallocate would double the disk traffic of a download
 * and take minutes for a large torrent before the first byte arrives;
 * fallocate() would reserve the space up front but is not supported
 * everywhere and makes a full disk fail late anyway on copy-on-write file
 * systems. The cost of sparse files is some fragmentation when pieces arrive
 * out of order, which the file system's delayed allocation mostly absorbs.
 * A full disk shows as ENOSPC on a later write: BT_ERROR_NO_SPACE.
 *
 * Files already there. A file at a torrent file's path that is no larger
 * than it is taken for this torrent's partial download, as every client
 * does (a recheck keeps its good pieces, the rest are written over). One
 * that is larger cannot be ours, and where the torrent has data to write
 * it is never written (nor truncated): BT_ERROR_STORAGE_UNSAFE, until the
 * person moves it away. Reading it is harmless, so a recheck may still
 * find the torrent's data in it.
 *
 * Threads. Reads and writes run on a process-wide pool of worker threads,
 * one per core: enough to keep a fast disk and every core's SHA1 busy, and
 * bounded however many torrents are running. Each job is a GTask, so its
 * result reaches the caller's thread-default main context. Workers share
 * the object's cache of open files, guarded by a mutex; nothing else in the
 * object changes after construction.
 */
#define G_LOG_DOMAIN "bt-storage"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-path.h"
#include "bt-storage.h"
#include "bt-verify.h"

/* Structures */

typedef struct
{
  guint64  start;
  guint64  end;
  guint    file;
  gboolean pad;
} Span;

/* An open file in the cache. @users counts workers using @fd right now; an
 * entry is only closed when it has none. A detached entry was replaced (a
 * read-only descriptor upgraded to read-write while still in use) and is
 * closed by its last user. */
typedef struct
{
  guint     file;
  int       fd;
  gboolean  writable;
  guint     users;
  gboolean  detached;
  GList     link; /* in BtStorage.lru, most recently used first */
} OpenFile;

struct _BtStorage
{
  GObject     parent_instance;

  BtMetainfo *meta;
  char       *download_dir;
  int         dir_fd;
  GArray     *spans;      /* of Span: files with bytes, in offset order */

  GMutex      lock;       /* guards open_files and lru */
  GHashTable *open_files; /* file index → OpenFile */
  GQueue      lru;
};

/* The job of one async call; the GTask's task data. */
typedef struct _StorageJob StorageJob;
typedef void (*StorageJobFunc) (GTask      *task,
                                BtStorage  *self,
                                StorageJob *job);

struct _StorageJob
{
  StorageJobFunc  func;
  guint32         piece;
  guint32         begin;
  guint32         length;
  GBytes         *data;
};

G_DEFINE_FINAL_TYPE (BtStorage, bt_storage, G_TYPE_OBJECT)

/* Auxiliary functions */

static char *
display_path (BtStorage  *self,
              const char *relative)
{
  g_autofree char *full = g_build_filename (self->download_dir, relative, NULL);

  return g_filename_display_name (full);
}

static void
set_errno_error (GError     **error,
                 BtStorage   *self,
                 int          saved_errno,
                 const char  *what,
                 const char  *relative)
{
  g_autofree char *display = display_path (self, relative);

  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      g_set_error (error, BT_ERROR, BT_ERROR_NO_SPACE,
                   "The disk is full: could not write “%s”. Free some space, then resume.",
                   display);
      break;
    case EFBIG:
      g_set_error (error, BT_ERROR, BT_ERROR_IO,
                   "“%s” would be larger than this file system or a limit allows",
                   display);
      break;
    default:
      g_set_error (error, BT_ERROR, BT_ERROR_IO, "%s “%s”: %s", what, display,
                   g_strerror (saved_errno));
      break;
    }
}

static void
set_unsafe_error (GError     **error,
                  BtStorage   *self,
                  const char  *relative)
{
  g_autofree char *display = display_path (self, relative);

  g_set_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE,
               "“%s” is a symbolic link; bTorrent never writes or reads through links "
               "inside the download folder, so that data stays in it. Remove the link or "
               "choose another folder.",
               display);
}

/* Why did openat() of @name in @dir_fd fail with ELOOP or ENOTDIR: a link
 * (unsafe) or something else in the way? */
static gboolean
is_symlink_at (int         dir_fd,
               const char *name)
{
  struct stat st;

  return fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode);
}

/* Opens the folder that holds @relative, walking from the download folder
 * one component at a time without following links. With @create, missing
 * folders are made (0755, less the umask). Returns a descriptor to close, or
 * -1: with @error set, or with *@missing set when a folder is absent and
 * @create is FALSE. *@out_name points into @relative at the last component.
 * The download folder's own descriptor is returned dup()ed, so the caller
 * always closes what it gets. */
static int
open_parent (BtStorage    *self,
             const char   *relative,
             gboolean      create,
             const char  **out_name,
             gboolean     *missing,
             GError      **error)
{
  g_autofree char *copy = g_strdup (relative);
  char *component = copy;
  char *slash;
  int fd;

  fd = fcntl (self->dir_fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      set_errno_error (error, self, errno, "Could not open", relative);
      return -1;
    }

  while ((slash = strchr (component, '/')) != NULL)
    {
      int next;

      *slash = '\0';
      next = openat (fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0 && errno == ENOENT && create)
        {
          if (mkdirat (fd, component, 0755) != 0 && errno != EEXIST)
            {
              int saved_errno = errno;

              set_errno_error (error, self, saved_errno, "Could not create the folder", copy);
              close (fd);
              return -1;
            }
          next = openat (fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      if (next < 0)
        {
          int saved_errno = errno;

          if ((saved_errno == ELOOP || saved_errno == ENOTDIR) && is_symlink_at (fd, component))
            set_unsafe_error (error, self, copy);
          else if ((saved_errno == ENOENT || saved_errno == ENOTDIR) && !create)
            *missing = TRUE; /* nothing, or a file where a folder should be */
          else if (saved_errno == ENOTDIR)
            {
              g_autofree char *display = display_path (self, copy);

              g_set_error (error, BT_ERROR, BT_ERROR_IO,
                           "“%s” is in the way: the torrent needs a folder there", display);
            }
          else
            set_errno_error (error, self, saved_errno, "Could not open the folder", copy);
          close (fd);
          return -1;
        }
      close (fd);
      fd = next;
      *slash = '/';
      component = slash + 1;
    }

  *out_name = relative + (component - copy);
  return fd;
}

/* Opens file @index below the download folder. For writing, the file and
 * its folders are created and the file is extended to its full size (see
 * the top of the file). For reading, -1 with *@missing set and no error
 * means the file is not there. */
static int
open_file (BtStorage  *self,
           guint       index,
           gboolean    writable,
           gboolean   *missing,
           GError    **error)
{
  const char *relative = bt_metainfo_get_file_path (self->meta, index);
  guint64 size = bt_metainfo_get_file_size (self->meta, index);
  const char *name = NULL;
  struct stat st;
  int parent;
  int fd;
  int flags;

  *missing = FALSE;
  parent = open_parent (self, relative, writable, &name, missing, error);
  if (parent < 0)
    return -1;

  /* O_NONBLOCK: a FIFO put where a file should be must not hang a worker;
   * it changes nothing for regular files. */
  flags = O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  flags |= writable ? (O_RDWR | O_CREAT) : O_RDONLY;
  fd = openat (parent, name, flags, 0644);
  if (fd < 0)
    {
      int saved_errno = errno;

      if ((saved_errno == ELOOP || saved_errno == ENOTDIR) && is_symlink_at (parent, name))
        set_unsafe_error (error, self, relative);
      else if (saved_errno == ENOENT && !writable)
        *missing = TRUE;
      else
        set_errno_error (error, self, saved_errno, "Could not open", relative);
      close (parent);
      return -1;
    }
  close (parent);

  if (fstat (fd, &st) != 0)
    {
      set_errno_error (error, self, errno, "Could not read", relative);
      close (fd);
      return -1;
    }
  if (!S_ISREG (st.st_mode) && !writable)
    {
      /* A folder (or a FIFO...) where the file should be holds none of
       * its data; writing will say what is in the way. */
      *missing = TRUE;
      close (fd);
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_autofree char *display = display_path (self, relative);

      g_set_error (error, BT_ERROR, BT_ERROR_IO,
                   "“%s” is not a regular file; move it away so the torrent can use its name",
                   display);
      close (fd);
      return -1;
    }
  if (writable && size > 0 && (guint64) st.st_size > size)
    {
      /* Ours never grow past the torrent's size (they are created at it),
       * so this file is someone else's: writing pieces into it would
       * destroy it. Only the person can decide to give up its name. (An
       * empty torrent file is never written, so what is there may stay.) */
      g_autofree char *display = display_path (self, relative);

      g_set_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE,
                   "“%s” already exists and is larger than the torrent's file, so it is not "
                   "this torrent's download; bTorrent does not write over it. Move it away "
                   "or choose another download folder.",
                   display);
      close (fd);
      return -1;
    }
  if (writable && (guint64) st.st_size < size && ftruncate (fd, (off_t) size) != 0)
    {
      set_errno_error (error, self, errno, "Could not extend", relative);
      close (fd);
      return -1;
    }

  return fd;
}

/* The cache of open files. Called with the lock held. */
static void
cache_trim_locked (BtStorage *self)
{
  GList *l = self->lru.tail;

  while (self->lru.length > BT_STORAGE_MAX_OPEN_FILES && l != NULL)
    {
      OpenFile *entry = l->data;
      GList *prev = l->prev;

      if (entry->users == 0)
        {
          g_queue_unlink (&self->lru, &entry->link);
          g_hash_table_remove (self->open_files, GUINT_TO_POINTER (entry->file));
        }
      l = prev;
    }
}

static void
open_file_free (gpointer data)
{
  OpenFile *entry = data;

  /* Closing a descriptor can report a delayed write error (NFS); the data
   * then is not on disk, and a later recheck will find the piece bad. */
  if (close (entry->fd) != 0)
    g_debug ("close: %s", g_strerror (errno));
  g_free (entry);
}

/* Returns the cache entry for @index with a use counted, opening the file
 * if needed; NULL with *@missing set when reading a file that is not there,
 * NULL with @error on failure. Balance with storage_release(). */
static OpenFile *
storage_acquire (BtStorage  *self,
                 guint       index,
                 gboolean    writable,
                 gboolean   *missing,
                 GError    **error)
{
  OpenFile *entry;
  int fd;

  *missing = FALSE;
  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->open_files, GUINT_TO_POINTER (index));
  if (entry != NULL && (entry->writable || !writable))
    {
      entry->users++;
      g_queue_unlink (&self->lru, &entry->link);
      g_queue_push_head_link (&self->lru, &entry->link);
      g_mutex_unlock (&self->lock);
      return entry;
    }
  g_mutex_unlock (&self->lock);

  /* Opening walks folders and may create them: done without the lock, so
   * one slow open does not hold up the other workers. */
  fd = open_file (self, index, writable, missing, error);
  if (fd < 0)
    return NULL;

  g_mutex_lock (&self->lock);
  entry = g_hash_table_lookup (self->open_files, GUINT_TO_POINTER (index));
  if (entry != NULL && (entry->writable || !writable))
    {
      /* Another worker opened it meanwhile; use theirs. */
      entry->users++;
      g_queue_unlink (&self->lru, &entry->link);
      g_queue_push_head_link (&self->lru, &entry->link);
      g_mutex_unlock (&self->lock);
      close (fd);
      return entry;
    }
  if (entry != NULL)
    {
      /* A read-only entry is replaced by our read-write one. */
      g_queue_unlink (&self->lru, &entry->link);
      g_hash_table_steal (self->open_files, GUINT_TO_POINTER (index));
      if (entry->users == 0)
        open_file_free (entry);
      else
        entry->detached = TRUE;
    }

  entry = g_new0 (OpenFile, 1);
  entry->file = index;
  entry->fd = fd;
  entry->writable = writable;
  entry->users = 1;
  entry->link.data = entry;
  g_hash_table_insert (self->open_files, GUINT_TO_POINTER (index), entry);
  g_queue_push_head_link (&self->lru, &entry->link);
  cache_trim_locked (self);
  g_mutex_unlock (&self->lock);
  return entry;
}

static void
storage_release (BtStorage *self,
                 OpenFile  *entry)
{
  g_mutex_lock (&self->lock);
  g_assert (entry->users > 0);
  entry->users--;
  if (entry->detached)
    {
      if (entry->users == 0)
        open_file_free (entry);
    }
  else
    cache_trim_locked (self);
  g_mutex_unlock (&self->lock);
}

/* Index of the first span that ends after @offset. */
static guint
find_span (BtStorage *self,
           guint64    offset)
{
  guint lo = 0;
  guint hi = self->spans->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->spans, Span, mid).end <= offset)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static BtStorageSegment *
map_alloc (BtStorage *self,
           guint64    offset,
           guint32    length,
           guint     *out_n)
{
  guint n = bt_storage_map (self, offset, length, NULL, 0);
  BtStorageSegment *segments = g_new (BtStorageSegment, MAX (n, 1));

  *out_n = bt_storage_map (self, offset, length, segments, n);
  return segments;
}

static guint64
piece_offset (BtStorage *self,
              guint32    piece)
{
  return (guint64) piece * bt_metainfo_get_piece_length (self->meta);
}

/* Blocking reads and writes */

static gboolean
pwrite_full (int           fd,
             const guint8 *data,
             gsize         length,
             guint64       offset,
             int          *out_errno)
{
  while (length > 0)
    {
      gssize n = pwrite (fd, data, MIN (length, (gsize) G_MAXSSIZE), (off_t) offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          *out_errno = errno;
          return FALSE;
        }
      if (n == 0)
        {
          /* No progress and no error: treat as a full disk, the only
           * plausible cause, rather than loop forever. */
          *out_errno = ENOSPC;
          return FALSE;
        }
      data += n;
      length -= n;
      offset += n;
    }
  return TRUE;
}

/* Returns the bytes read, short only at end of file, or -1 with errno. */
static gssize
pread_full (int      fd,
            guint8  *data,
            gsize    length,
            guint64  offset)
{
  gsize got = 0;

  while (got < length)
    {
      gssize n = pread (fd, data + got, length - got, (off_t) (offset + got));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      got += n;
    }
  return got;
}

static gboolean
storage_write (BtStorage     *self,
               guint64        offset,
               const guint8  *data,
               gsize          length,
               GError       **error)
{
  g_autofree BtStorageSegment *segments = NULL;
  guint n;

  segments = map_alloc (self, offset, length, &n);
  for (guint i = 0; i < n; i++)
    {
      BtStorageSegment *segment = &segments[i];
      gboolean missing;
      OpenFile *entry;
      int saved_errno = 0;
      gboolean ok;

      entry = storage_acquire (self, segment->file, TRUE, &missing, error);
      if (entry == NULL)
        return FALSE;
      ok = pwrite_full (entry->fd, data + segment->buffer_offset, segment->length,
                        segment->file_offset, &saved_errno);
      storage_release (self, entry);
      if (!ok)
        {
          set_errno_error (error, self, saved_errno, "Could not write",
                           bt_metainfo_get_file_path (self->meta, segment->file));
          return FALSE;
        }
    }
  return TRUE;
}

/* Worker jobs */

static void
storage_job_free (gpointer data)
{
  StorageJob *job = data;

  g_clear_pointer (&job->data, g_bytes_unref);
  g_free (job);
}

static void
storage_pool_run (gpointer data,
                  gpointer user_data)
{
  g_autoptr(GTask) task = data;
  StorageJob *job = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    return;
  job->func (task, g_task_get_source_object (task), job);
}

static GThreadPool *
storage_pool_get (void)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    {
      guint n_threads = CLAMP (g_get_num_processors (), 1, BT_STORAGE_MAX_WORKERS);
      GThreadPool *new_pool;

      /* Shared (not exclusive) threads: idle ones can serve other pools,
       * and creating the pool cannot fail. */
      new_pool = g_thread_pool_new (storage_pool_run, NULL, (gint) n_threads, FALSE, NULL);
      g_once_init_leave (&pool, new_pool);
    }
  return pool;
}

static void
storage_job_start (BtStorage           *self,
                   StorageJob          *job,
                   gpointer             source_tag,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, storage_job_free);
  /* A non-exclusive pool keeps the job queued even if starting a thread
   * fails, and runs it on the next free one. */
  if (!g_thread_pool_push (storage_pool_get (), task, &error))
    g_debug ("Storage worker not started yet: %s", error->message);
}

static void
write_piece_job (GTask      *task,
                 BtStorage  *self,
                 StorageJob *job)
{
  GError *error = NULL;
  gsize length;
  const guint8 *data = g_bytes_get_data (job->data, &length);

  if (storage_write (self, piece_offset (self, job->piece), data, length, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
commit_piece_job (GTask      *task,
                  BtStorage  *self,
                  StorageJob *job)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (job->data, &length);

  if (!bt_verify_piece (self->meta, job->piece, data, length))
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_HASH_MISMATCH,
                               "Piece %u does not match its SHA1 hash; it was not written",
                               job->piece);
      return;
    }
  write_piece_job (task, self, job);
}

static void
read_block_job (GTask      *task,
                BtStorage  *self,
                StorageJob *job)
{
  GError *error = NULL;
  guint64 offset = piece_offset (self, job->piece) + job->begin;
  guint8 *buffer = g_malloc (job->length);

  switch (bt_storage_read_sync (self, offset, job->length, buffer, &error))
    {
    case BT_STORAGE_READ_OK:
      g_task_return_pointer (task, g_bytes_new_take (buffer, job->length),
                             (GDestroyNotify) g_bytes_unref);
      return;
    case BT_STORAGE_READ_MISSING:
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_IO,
                               "Piece %u is not on disk: a file of the torrent is missing "
                               "or shorter than it should be",
                               job->piece);
      break;
    case BT_STORAGE_READ_ERROR:
      g_task_return_error (task, error);
      break;
    }
  g_free (buffer);
}

static void
create_files_job (GTask      *task,
                  BtStorage  *self,
                  StorageJob *job)
{
  GError *error = NULL;

  if (bt_storage_create_files (self, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Overrides */

static void
bt_storage_finalize (GObject *object)
{
  BtStorage *self = (BtStorage *) object;

  /* Every job holds a reference, so no worker uses a descriptor now. */
  g_clear_pointer (&self->open_files, g_hash_table_unref);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_clear_pointer (&self->spans, g_array_unref);
  g_clear_object (&self->meta);
  g_clear_pointer (&self->download_dir, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (bt_storage_parent_class)->finalize (object);
}

static void
bt_storage_class_init (BtStorageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bt_storage_finalize;
}

static void
bt_storage_init (BtStorage *self)
{
  g_mutex_init (&self->lock);
  self->dir_fd = -1;
  self->open_files = g_hash_table_new_full (NULL, NULL, NULL, open_file_free);
  g_queue_init (&self->lru);
  self->spans = g_array_new (FALSE, FALSE, sizeof (Span));
}

/* Public API */

/**
 * bt_storage_new:
 * @meta: the torrent
 * @download_dir: an existing folder; the torrent's files go below it, under
 *   their metainfo paths (which start with the torrent's name)
 * @error: BT_ERROR_IO when @download_dir is missing, not a folder or cannot
 *   be opened; BT_ERROR_STORAGE_UNSAFE for a path that could leave it
 *
 * Opens the download folder; touches nothing below it.
 *
 * Returns: (transfer full): a new storage, or %NULL
 */
BtStorage *
bt_storage_new (BtMetainfo  *meta,
                const char  *download_dir,
                GError     **error)
{
  g_autoptr(BtStorage) self = NULL;
  g_autofree char *display = NULL;
  guint n_files;

  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);
  g_return_val_if_fail (download_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (BT_TYPE_STORAGE, NULL);
  self->meta = g_object_ref (meta);
  self->download_dir = g_canonicalize_filename (download_dir, NULL);
  display = g_filename_display_name (self->download_dir);

  self->dir_fd = open (self->download_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        g_set_error (error, BT_ERROR, BT_ERROR_IO,
                     "The download folder “%s” does not exist", display);
      else if (saved_errno == ENOTDIR)
        g_set_error (error, BT_ERROR, BT_ERROR_IO,
                     "The download folder “%s” is not a folder", display);
      else
        g_set_error (error, BT_ERROR, BT_ERROR_IO,
                     "Could not open the download folder “%s”: %s", display,
                     g_strerror (saved_errno));
      return NULL;
    }

  n_files = bt_metainfo_get_n_files (meta);
  for (guint i = 0; i < n_files; i++)
    {
      const char *path = bt_metainfo_get_file_path (meta, i);
      guint64 size = bt_metainfo_get_file_size (meta, i);
      Span span;

      /* The metainfo parser guarantees this; checked again because a
       * mistake there would write outside the folder. */
      if (!bt_path_is_safe_relative (path))
        {
          g_set_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE,
                       "The torrent names a file outside the download folder (“%s”)", path);
          return NULL;
        }
      if (size == 0)
        continue;

      span.start = bt_metainfo_get_file_offset (meta, i);
      span.end = span.start + size;
      span.file = i;
      span.pad = (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD) != 0;
      g_array_append_val (self->spans, span);
    }

  return g_steal_pointer (&self);
}

/**
 * bt_storage_get_metainfo:
 *
 * Returns: (transfer none): the torrent
 */
BtMetainfo *
bt_storage_get_metainfo (BtStorage *self)
{
  g_return_val_if_fail (BT_IS_STORAGE (self), NULL);
  return self->meta;
}

/**
 * bt_storage_get_download_dir:
 *
 * Returns: the download folder as an absolute path
 */
const char *
bt_storage_get_download_dir (BtStorage *self)
{
  g_return_val_if_fail (BT_IS_STORAGE (self), NULL);
  return self->download_dir;
}

/**
 * bt_storage_get_file_full_path:
 *
 * Returns: (transfer full): where file @file is, for display
 */
char *
bt_storage_get_file_full_path (BtStorage *self,
                               guint      file)
{
  g_return_val_if_fail (BT_IS_STORAGE (self), NULL);
  g_return_val_if_fail (file < bt_metainfo_get_n_files (self->meta), NULL);
  return g_build_filename (self->download_dir, bt_metainfo_get_file_path (self->meta, file),
                           NULL);
}

/**
 * bt_storage_map:
 * @offset: start of the range in the torrent's byte space
 * @length: bytes in the range; @offset + @length must not pass the end
 * @segments: (out caller-allocates) (array length=max_segments) (nullable):
 *   filled with the first @max_segments segments, in order
 * @max_segments: room in @segments
 *
 * Maps a byte range onto the files it covers; no I/O. Pad files and
 * zero-length files never appear in the result.
 *
 * Returns: the number of segments the range needs, which may be more than
 * @max_segments (call with 0 to size an array)
 */
guint
bt_storage_map (BtStorage        *self,
                guint64           offset,
                guint32           length,
                BtStorageSegment *segments,
                guint             max_segments)
{
  guint64 total;
  guint64 end;
  guint n = 0;

  g_return_val_if_fail (BT_IS_STORAGE (self), 0);
  total = bt_metainfo_get_total_size (self->meta);
  g_return_val_if_fail (offset <= total && length <= total - offset, 0);
  g_return_val_if_fail (segments != NULL || max_segments == 0, 0);

  end = offset + length;
  for (guint i = find_span (self, offset); i < self->spans->len; i++)
    {
      const Span *span = &g_array_index (self->spans, Span, i);
      guint64 from;
      guint64 to;

      if (span->start >= end)
        break;
      if (span->pad)
        continue;

      from = MAX (span->start, offset);
      to = MIN (span->end, end);
      if (n < max_segments)
        {
          segments[n].file = span->file;
          segments[n].file_offset = from - span->start;
          segments[n].buffer_offset = (guint32) (from - offset);
          segments[n].length = (guint32) (to - from);
        }
      n++;
    }
  return n;
}

/**
 * bt_storage_map_piece:
 *
 * bt_storage_map() for the whole of @piece.
 */
guint
bt_storage_map_piece (BtStorage        *self,
                      guint32           piece,
                      BtStorageSegment *segments,
                      guint             max_segments)
{
  g_return_val_if_fail (BT_IS_STORAGE (self), 0);
  g_return_val_if_fail (piece < bt_metainfo_get_n_pieces (self->meta), 0);

  return bt_storage_map (self, piece_offset (self, piece),
                         bt_metainfo_get_piece_size (self->meta, piece), segments, max_segments);
}

/**
 * bt_storage_write_piece_async:
 * @piece: the piece index
 * @data: exactly the piece's bytes (bt_metainfo_get_piece_size())
 * @cancellable: (nullable): stops the job if it has not started
 *
 * Writes a piece to its files on a worker thread, creating files and
 * folders as needed, without checking its hash (see
 * bt_storage_commit_piece_async() for that). @callback runs on the caller's
 * thread-default main context.
 */
void
bt_storage_write_piece_async (BtStorage           *self,
                              guint32              piece,
                              GBytes              *data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  StorageJob *job;

  g_return_if_fail (BT_IS_STORAGE (self));
  g_return_if_fail (piece < bt_metainfo_get_n_pieces (self->meta));
  g_return_if_fail (data != NULL);
  g_return_if_fail (g_bytes_get_size (data) == bt_metainfo_get_piece_size (self->meta, piece));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (StorageJob, 1);
  job->func = write_piece_job;
  job->piece = piece;
  job->data = g_bytes_ref (data);
  storage_job_start (self, job, bt_storage_write_piece_async, cancellable, callback, user_data);
}

/**
 * bt_storage_write_piece_finish:
 * @error: BT_ERROR_NO_SPACE when the disk is full, BT_ERROR_STORAGE_UNSAFE
 *   for a link in the way, BT_ERROR_IO otherwise, G_IO_ERROR_CANCELLED
 *
 * Returns: whether every byte of the piece was written
 */
gboolean
bt_storage_write_piece_finish (BtStorage     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_storage_write_piece_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bt_storage_commit_piece_async:
 * @piece: the piece index
 * @data: the piece's bytes as received
 * @cancellable: (nullable): stops the job if it has not started
 *
 * The downloader's path for a complete piece: on a worker thread, checks
 * its SHA1 against the metainfo and writes it only if it matches. @callback
 * runs on the caller's thread-default main context.
 */
void
bt_storage_commit_piece_async (BtStorage           *self,
                               guint32              piece,
                               GBytes              *data,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  StorageJob *job;

  g_return_if_fail (BT_IS_STORAGE (self));
  g_return_if_fail (piece < bt_metainfo_get_n_pieces (self->meta));
  g_return_if_fail (data != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (StorageJob, 1);
  job->func = commit_piece_job;
  job->piece = piece;
  job->data = g_bytes_ref (data);
  storage_job_start (self, job, bt_storage_commit_piece_async, cancellable, callback, user_data);
}

/**
 * bt_storage_commit_piece_finish:
 * @error: BT_ERROR_HASH_MISMATCH when the data is wrong (nothing was
 *   written), or any error of bt_storage_write_piece_finish()
 *
 * Returns: whether the piece was verified and written
 */
gboolean
bt_storage_commit_piece_finish (BtStorage     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_storage_commit_piece_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bt_storage_read_block_async:
 * @piece: the piece index
 * @begin: offset of the block in the piece
 * @length: bytes to read, at least 1; @begin + @length must fit the piece
 * @cancellable: (nullable): stops the job if it has not started
 *
 * Reads a block from disk on a worker thread, for seeding. Bytes of pad
 * files are zeros. @callback runs on the caller's thread-default context.
 */
void
bt_storage_read_block_async (BtStorage           *self,
                             guint32              piece,
                             guint32              begin,
                             guint32              length,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  StorageJob *job;
  guint32 piece_size;

  g_return_if_fail (BT_IS_STORAGE (self));
  g_return_if_fail (piece < bt_metainfo_get_n_pieces (self->meta));
  piece_size = bt_metainfo_get_piece_size (self->meta, piece);
  g_return_if_fail (length > 0 && begin < piece_size && length <= piece_size - begin);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (StorageJob, 1);
  job->func = read_block_job;
  job->piece = piece;
  job->begin = begin;
  job->length = length;
  storage_job_start (self, job, bt_storage_read_block_async, cancellable, callback, user_data);
}

/**
 * bt_storage_read_block_finish:
 * @error: BT_ERROR_IO when a file is missing, too short or unreadable;
 *   BT_ERROR_STORAGE_UNSAFE for a link in the way; G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full): the block, or %NULL
 */
GBytes *
bt_storage_read_block_finish (BtStorage     *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_storage_read_block_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bt_storage_create_files:
 *
 * Creates the folders of every file and the zero-length files, which no
 * piece ever writes, so a complete torrent has all its files. Pad files are
 * never created; existing files are left as they are. Blocking: call it
 * from a worker thread or a command-line tool, or use
 * bt_storage_create_files_async().
 *
 * Returns: %TRUE on success
 */
gboolean
bt_storage_create_files (BtStorage  *self,
                         GError    **error)
{
  guint n_files;

  g_return_val_if_fail (BT_IS_STORAGE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_files = bt_metainfo_get_n_files (self->meta);
  for (guint i = 0; i < n_files; i++)
    {
      const char *relative = bt_metainfo_get_file_path (self->meta, i);
      const char *name = NULL;
      gboolean missing = FALSE;
      int fd;

      if (bt_metainfo_get_file_flags (self->meta, i) & BT_METAINFO_FILE_PAD)
        continue;

      if (bt_metainfo_get_file_size (self->meta, i) == 0)
        fd = open_file (self, i, TRUE, &missing, error);
      else
        fd = open_parent (self, relative, TRUE, &name, &missing, error);
      if (fd < 0)
        return FALSE;
      close (fd);
    }
  return TRUE;
}

/**
 * bt_storage_create_files_async:
 *
 * bt_storage_create_files() on a worker thread; @callback runs on the
 * caller's thread-default main context.
 */
void
bt_storage_create_files_async (BtStorage           *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  StorageJob *job;

  g_return_if_fail (BT_IS_STORAGE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (StorageJob, 1);
  job->func = create_files_job;
  storage_job_start (self, job, bt_storage_create_files_async, cancellable, callback, user_data);
}

gboolean
bt_storage_create_files_finish (BtStorage     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_storage_create_files_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bt_storage_close_files:
 *
 * Closes every cached file that no job is using (those in use are closed
 * when their job ends), so the next access opens the files afresh: before a
 * recheck, after the user moved files, or when a torrent is paused.
 */
void
bt_storage_close_files (BtStorage *self)
{
  GList *l;

  g_return_if_fail (BT_IS_STORAGE (self));

  g_mutex_lock (&self->lock);
  l = self->lru.head;
  while (l != NULL)
    {
      OpenFile *entry = l->data;
      GList *next = l->next;

      g_queue_unlink (&self->lru, &entry->link);
      g_hash_table_steal (self->open_files, GUINT_TO_POINTER (entry->file));
      if (entry->users == 0)
        open_file_free (entry);
      else
        entry->detached = TRUE;
      l = next;
    }
  g_mutex_unlock (&self->lock);
}

/**
 * bt_storage_probe_sync:
 * @offset: start of a range of the torrent
 * @length: its length
 * @out_has_data: (out) (optional): whether any byte of the range is
 *   allocated on disk; %FALSE when every segment lies in a hole of a sparse
 *   file (never written)
 * @error: set on BT_STORAGE_READ_ERROR
 *
 * Checks, without reading, that every file the range covers exists and is
 * long enough. Creates nothing. Blocking: for worker threads.
 *
 * Returns: BT_STORAGE_READ_OK, BT_STORAGE_READ_MISSING or
 * BT_STORAGE_READ_ERROR
 */
BtStorageRead
bt_storage_probe_sync (BtStorage  *self,
                       guint64     offset,
                       guint32     length,
                       gboolean   *out_has_data,
                       GError    **error)
{
  g_autofree BtStorageSegment *segments = NULL;
  gboolean has_data = FALSE;
  guint n;

  g_return_val_if_fail (BT_IS_STORAGE (self), BT_STORAGE_READ_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, BT_STORAGE_READ_ERROR);

  segments = map_alloc (self, offset, length, &n);
  for (guint i = 0; i < n; i++)
    {
      const BtStorageSegment *segment = &segments[i];
      gboolean missing;
      OpenFile *entry;
      struct stat st;
      int saved_errno;

      entry = storage_acquire (self, segment->file, FALSE, &missing, error);
      if (entry == NULL)
        return missing ? BT_STORAGE_READ_MISSING : BT_STORAGE_READ_ERROR;

      if (fstat (entry->fd, &st) != 0)
        {
          saved_errno = errno;
          storage_release (self, entry);
          set_errno_error (error, self, saved_errno, "Could not read",
                           bt_metainfo_get_file_path (self->meta, segment->file));
          return BT_STORAGE_READ_ERROR;
        }
      if ((guint64) st.st_size < segment->file_offset + segment->length)
        {
          storage_release (self, entry);
          return BT_STORAGE_READ_MISSING;
        }

      if (out_has_data != NULL && !has_data)
        {
          off_t data_at = lseek (entry->fd, (off_t) segment->file_offset, SEEK_DATA);

          /* EINVAL: a file system without hole reporting, where all of a
           * file counts as data. ENXIO: no data after the offset. */
          if (data_at < 0)
            has_data = errno != ENXIO;
          else
            has_data = (guint64) data_at < segment->file_offset + segment->length;
        }
      storage_release (self, entry);
    }

  if (out_has_data != NULL)
    *out_has_data = has_data;
  return BT_STORAGE_READ_OK;
}

/**
 * bt_storage_read_sync:
 * @offset: start of a range of the torrent
 * @length: its length
 * @buffer: (out caller-allocates) (array length=length): room for the range
 * @error: set on BT_STORAGE_READ_ERROR
 *
 * Reads a range into @buffer; bytes of pad files are zeros. Creates
 * nothing. Blocking: for worker threads.
 *
 * Returns: BT_STORAGE_READ_OK; BT_STORAGE_READ_MISSING when a file is not
 * there or ends early (@buffer then holds partial data); or
 * BT_STORAGE_READ_ERROR
 */
BtStorageRead
bt_storage_read_sync (BtStorage  *self,
                      guint64     offset,
                      guint32     length,
                      guint8     *buffer,
                      GError    **error)
{
  BtStorageSegment stack_segments[8];
  g_autofree BtStorageSegment *heap_segments = NULL;
  BtStorageSegment *segments = stack_segments;
  guint32 filled = 0;
  guint n;

  g_return_val_if_fail (BT_IS_STORAGE (self), BT_STORAGE_READ_ERROR);
  g_return_val_if_fail (buffer != NULL || length == 0, BT_STORAGE_READ_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, BT_STORAGE_READ_ERROR);

  /* A recheck reads in small chunks that nearly always touch one or two
   * files: no allocation for those. */
  n = bt_storage_map (self, offset, length, stack_segments, G_N_ELEMENTS (stack_segments));
  if (n > G_N_ELEMENTS (stack_segments))
    segments = heap_segments = map_alloc (self, offset, length, &n);

  for (guint i = 0; i < n; i++)
    {
      const BtStorageSegment *segment = &segments[i];
      gboolean missing;
      OpenFile *entry;
      gssize got;
      int saved_errno;

      /* Pad bytes between segments. */
      memset (buffer + filled, 0, segment->buffer_offset - filled);

      entry = storage_acquire (self, segment->file, FALSE, &missing, error);
      if (entry == NULL)
        return missing ? BT_STORAGE_READ_MISSING : BT_STORAGE_READ_ERROR;
      got = pread_full (entry->fd, buffer + segment->buffer_offset, segment->length,
                        segment->file_offset);
      saved_errno = errno;
      storage_release (self, entry);
      if (got < 0)
        {
          set_errno_error (error, self, saved_errno, "Could not read",
                           bt_metainfo_get_file_path (self->meta, segment->file));
          return BT_STORAGE_READ_ERROR;
        }
      if ((guint32) got < segment->length)
        return BT_STORAGE_READ_MISSING;
      filled = segment->buffer_offset + segment->length;
    }
  memset (buffer + filled, 0, length - filled);
  return BT_STORAGE_READ_OK;
}

/**
 * bt_storage_stat_file_sync:
 * @file: a file index
 * @out_size: (out) (optional): its size on disk
 * @out_mtime_usec: (out) (optional): its modification time, in
 *   microseconds since the epoch
 * @error: set on BT_STORAGE_READ_ERROR
 *
 * Looks at a file without creating anything; pad files are always
 * missing. Blocking: for worker threads.
 *
 * Returns: BT_STORAGE_READ_OK, BT_STORAGE_READ_MISSING or
 * BT_STORAGE_READ_ERROR
 */
BtStorageRead
bt_storage_stat_file_sync (BtStorage  *self,
                           guint       file,
                           guint64    *out_size,
                           gint64     *out_mtime_usec,
                           GError    **error)
{
  gboolean missing;
  OpenFile *entry;
  struct stat st;
  int saved_errno;

  g_return_val_if_fail (BT_IS_STORAGE (self), BT_STORAGE_READ_ERROR);
  g_return_val_if_fail (file < bt_metainfo_get_n_files (self->meta), BT_STORAGE_READ_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, BT_STORAGE_READ_ERROR);

  if (bt_metainfo_get_file_flags (self->meta, file) & BT_METAINFO_FILE_PAD)
    return BT_STORAGE_READ_MISSING;

  entry = storage_acquire (self, file, FALSE, &missing, error);
  if (entry == NULL)
    return missing ? BT_STORAGE_READ_MISSING : BT_STORAGE_READ_ERROR;
  if (fstat (entry->fd, &st) != 0)
    {
      saved_errno = errno;
      storage_release (self, entry);
      set_errno_error (error, self, saved_errno, "Could not read",
                       bt_metainfo_get_file_path (self->meta, file));
      return BT_STORAGE_READ_ERROR;
    }
  storage_release (self, entry);

  if (out_size != NULL)
    *out_size = st.st_size;
  if (out_mtime_usec != NULL)
    *out_mtime_usec = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
  return BT_STORAGE_READ_OK;
}
