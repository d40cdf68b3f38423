/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Making a .torrent from a file or a folder.
 *
 * One job runs in three stages:
 *
 *   walk (reader thread)  →  read pieces (reader thread)  →  SHA1 (GThreadPool)
 *
 * The reader is the GTask worker thread for bt_metainfo_create_async() and
 * the caller's thread for bt_metainfo_create(). It reads the files in
 * torrent order into piece-sized buffers taken from a small fixed set; each
 * full buffer goes to the hashing pool, whose workers write the digest at
 * the piece's index and hand the buffer back. Reading waits for a free
 * buffer, so memory stays at (number of buffers × piece length) whatever the
 * size of the source, and disk reads stay sequential while every core
 * hashes.
 *
 * What goes into a torrent made from a folder:
 *
 *  - Entries whose name starts with '.' are left out, at any depth: they are
 *    editor backups, VCS metadata, .DS_Store and the like, which nobody means
 *    to share (Transmission's creator does the same). The file or folder the
 *    caller names is used even when its own name starts with '.'.
 *  - A symbolic link to a regular file counts as that file (its target's
 *    content is read). A symbolic link to a folder is not followed, so a
 *    link cycle cannot make the walk endless; dangling links are skipped.
 *  - FIFOs, sockets and device nodes are skipped: they have no content to
 *    share, and opening a FIFO would block.
 *  - Empty files are included (the torrent recreates them); empty folders
 *    add nothing, since a torrent only lists files.
 *  - The order is deterministic: the entries of each folder sorted as raw
 *    bytes (strcmp), depth first. The file list is therefore the byte-wise
 *    order of the relative paths compared component by component, and the
 *    same tree always gives the same info-hash.
 *  - A name that is not UTF-8 is an error rather than something stored raw or
 *    silently renamed: BEP 3 strings are UTF-8 and other clients mangle or
 *    reject anything else.
 */
#define G_LOG_DOMAIN "bt-create"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo-create.h"
#include "bt-progress.h"
#include "bt-sha1.h"

/* The reader asks the kernel for at most this much per read(), so a 16 MiB
 * piece is read in a few steps and a cancelled job stops promptly. */
#define READ_CHUNK (1024 * 1024)

/* Memory for piece buffers in flight. With 16 MiB pieces this still allows
 * eight buffers, enough to keep four hashing threads and the reader busy. */
#define BUFFER_BUDGET (128u * 1024 * 1024)

/* SHA1 runs at 1–2 GB/s per core; more workers than this outpace any disk. */
#define MAX_HASH_WORKERS 8

/* At most ~5 progress reports a second: smooth in a progress bar, and cheap
 * for a main loop that also runs a UI. */

typedef struct
{
  char    *path;       /* in the file system, for open() */
  char   **components; /* relative path in the torrent; NULL for a single file */
  guint64  length;
} CreateFile;


typedef struct
{
  guint8  *data;
  gsize    length;
  guint32  index;
} PieceBuffer;

typedef struct
{
  guint8       *hashes;       /* n_pieces × BT_SHA1_LENGTH */
  GAsyncQueue  *free_buffers; /* of PieceBuffer */
  BtProgress *progress;     /* nullable */
} Hasher;

typedef struct
{
  GFile                   *source;
  BtMetainfoCreateOptions  options; /* a deep copy: the caller's may be gone */
  BtProgress            *progress; /* nullable */
} CreateJob;


/* Options */

static void
create_file_free (gpointer data)
{
  CreateFile *file = data;

  g_free (file->path);
  g_strfreev (file->components);
  g_free (file);
}

static void
options_copy (BtMetainfoCreateOptions       *dest,
              const BtMetainfoCreateOptions *src)
{
  *dest = *src;
  dest->comment = g_strdup (src->comment);
  dest->source = g_strdup (src->source);
  dest->created_by = g_strdup (src->created_by);
  dest->web_seeds = g_strdupv (src->web_seeds);
  dest->trackers = NULL;
  if (src->trackers != NULL)
    {
      guint n = 0;

      while (src->trackers[n] != NULL)
        n++;
      dest->trackers = g_new0 (char **, n + 1);
      for (guint i = 0; i < n; i++)
        dest->trackers[i] = g_strdupv (src->trackers[i]);
    }
}

static void
options_clear (BtMetainfoCreateOptions *options)
{
  g_clear_pointer (&options->comment, g_free);
  g_clear_pointer (&options->source, g_free);
  g_clear_pointer (&options->created_by, g_free);
  g_clear_pointer (&options->web_seeds, g_strfreev);
  if (options->trackers != NULL)
    {
      for (guint i = 0; options->trackers[i] != NULL; i++)
        g_strfreev (options->trackers[i]);
      g_clear_pointer (&options->trackers, g_free);
    }
}

static void
create_job_free (gpointer data)
{
  CreateJob *job = data;

  g_clear_object (&job->source);
  options_clear (&job->options);
  g_clear_pointer (&job->progress, bt_progress_release);
  g_free (job);
}

static gboolean
check_url (const char   *url,
           const char   *what,
           const char  **schemes,
           GError      **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  const char *host;

  if (url == NULL || url[0] == '\0')
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID, "A %s address is empty", what);
      return FALSE;
    }

  /* GUri accepts some bytes a tracker would not; an address with spaces or
   * control characters is a paste error, not a URL. */
  for (const char *p = url; *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || *p == 0x7f)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                       "“%s” is not a valid %s address: it contains spaces or control characters",
                       url, what);
          return FALSE;
        }
    }

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "“%s” is not a valid %s address: %s", url, what, local_error->message);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  if (!g_strv_contains (schemes, scheme))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) schemes);

      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "“%s” is not a valid %s address: it must start with one of %s",
                   url, what, list);
      return FALSE;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0')
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "“%s” is not a valid %s address: it names no host", url, what);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_text (const char  *text,
            const char  *what,
            GError     **error)
{
  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID, "The %s is not valid UTF-8 text",
                   what);
      return FALSE;
    }
  return TRUE;
}

static gboolean
options_validate (const BtMetainfoCreateOptions  *options,
                  GError                        **error)
{
  /* g_uri_parse() lower-cases the scheme, so these compare exactly. */
  static const char *tracker_schemes[] = { "http", "https", "udp", NULL };
  static const char *web_seed_schemes[] = { "http", "https", "ftp", NULL };
  guint n_trackers = 0;
  guint n_web_seeds = 0;

  if (options->piece_length != 0
      && (options->piece_length < BT_CREATE_MIN_PIECE_LENGTH
          || options->piece_length > BT_CREATE_MAX_PIECE_LENGTH
          || (options->piece_length & (options->piece_length - 1)) != 0))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "A piece length of %u bytes is not allowed: it must be a power of two "
                   "from %u KiB to %u MiB",
                   options->piece_length, BT_CREATE_MIN_PIECE_LENGTH / 1024,
                   BT_CREATE_MAX_PIECE_LENGTH / (1024 * 1024));
      return FALSE;
    }

  if (options->creation_date < -1)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "The creation date %" G_GINT64_FORMAT " is before 1970", options->creation_date);
      return FALSE;
    }

  for (guint i = 0; options->trackers != NULL && options->trackers[i] != NULL; i++)
    {
      for (guint j = 0; options->trackers[i][j] != NULL; j++)
        {
          if (!check_url (options->trackers[i][j], "tracker", tracker_schemes, error))
            return FALSE;
          n_trackers++;
        }
    }
  if (n_trackers > BT_METAINFO_MAX_TRACKERS)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "%u tracker addresses are too many: at most %u are allowed", n_trackers,
                   BT_METAINFO_MAX_TRACKERS);
      return FALSE;
    }

  for (guint i = 0; options->web_seeds != NULL && options->web_seeds[i] != NULL; i++)
    {
      if (!check_url (options->web_seeds[i], "web seed", web_seed_schemes, error))
        return FALSE;
      n_web_seeds++;
    }
  if (n_web_seeds > BT_METAINFO_MAX_WEB_SEEDS)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "%u web seed addresses are too many: at most %u are allowed", n_web_seeds,
                   BT_METAINFO_MAX_WEB_SEEDS);
      return FALSE;
    }

  return check_text (options->comment, "comment", error)
         && check_text (options->source, "source", error)
         && check_text (options->created_by, "“created by” text", error);
}

/* Walking the source */

typedef struct
{
  GPtrArray    *files;      /* of CreateFile */
  GPtrArray    *stack;      /* names from the top folder down to the current one */
  gsize         stack_size; /* bytes of the joined path, name included */
  guint64       total;
  GCancellable *cancellable;
} Walk;

/* "@what “@path”: reason", e.g. "Could not read “/x/y”: Permission denied". */
static void
set_io_error (GError     **error,
              int          saved_errno,
              const char  *what,
              const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, BT_ERROR, BT_ERROR_IO, "%s “%s”: %s", what, display,
               g_strerror (saved_errno));
}

static gboolean
check_name (const char  *name,
            const char  *path,
            GError     **error)
{
  if (!g_utf8_validate (name, -1, NULL))
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "The name of “%s” is not valid UTF-8; rename it to share it", display);
      return FALSE;
    }
  return TRUE;
}

static gboolean
walk_add_file (Walk        *walk,
               const char  *path,
               guint64      length,
               GError     **error)
{
  CreateFile *file;

  if (walk->files->len >= BT_METAINFO_MAX_FILES)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "There are more than %u files to share; a torrent cannot hold that many",
                   BT_METAINFO_MAX_FILES);
      return FALSE;
    }
  if (length > G_MAXUINT64 - walk->total)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID, "The files to share are too large");
      return FALSE;
    }

  file = g_new0 (CreateFile, 1);
  file->path = g_strdup (path);
  file->length = length;
  if (walk->stack != NULL)
    {
      /* stack[0] is the torrent's name, not part of a file's path. */
      file->components = g_new0 (char *, walk->stack->len);
      for (guint i = 1; i < walk->stack->len; i++)
        file->components[i - 1] = g_strdup (g_ptr_array_index (walk->stack, i));
    }
  walk->total += length;
  g_ptr_array_add (walk->files, file);
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean walk_folder (Walk        *walk,
                             const char  *path,
                             GError     **error);

static gboolean
walk_entry (Walk        *walk,
            const char  *folder,
            const char  *name,
            GError     **error)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  GStatBuf st;
  gboolean ok = TRUE;

  if (g_lstat (path, &st) != 0)
    {
      set_io_error (error, errno, "Could not read", path);
      return FALSE;
    }

  if (S_ISLNK (st.st_mode))
    {
      /* Follow links to files only; a dangling link has nothing to share. */
      if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        {
          g_debug ("Skipping symbolic link %s", path);
          return TRUE;
        }
    }
  else if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
    {
      g_debug ("Skipping special file %s", path);
      return TRUE;
    }

  if (!check_name (name, path, error))
    return FALSE;

  /* The reader (bt-metainfo) rejects deeper or longer paths: never make a
   * torrent that bTorrent itself would refuse to open. */
  if (walk->stack->len + 1 > BT_METAINFO_MAX_PATH_DEPTH
      || walk->stack_size + 1 + strlen (name) > BT_METAINFO_MAX_PATH_LENGTH)
    {
      g_autofree char *display = g_filename_display_name (path);

      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "“%s” is nested too deeply to be shared", display);
      return FALSE;
    }

  g_ptr_array_add (walk->stack, (gpointer) name);
  walk->stack_size += 1 + strlen (name);
  if (S_ISDIR (st.st_mode))
    ok = walk_folder (walk, path, error);
  else
    ok = walk_add_file (walk, path, st.st_size, error);
  walk->stack_size -= 1 + strlen (name);
  g_ptr_array_set_size (walk->stack, walk->stack->len - 1);
  return ok;
}

/* Recursion depth is bounded by BT_METAINFO_MAX_PATH_DEPTH. */
static gboolean
walk_folder (Walk        *walk,
             const char  *path,
             GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir;
  struct dirent *entry;
  int saved_errno;

  if (g_cancellable_set_error_if_cancelled (walk->cancellable, error))
    return FALSE;

  dir = opendir (path);
  if (dir == NULL)
    {
      set_io_error (error, errno, "Could not open the folder", path);
      return FALSE;
    }

  for (;;)
    {
      errno = 0;
      entry = readdir (dir);
      if (entry == NULL)
        break;
      if (entry->d_name[0] == '.')
        continue; /* ".", ".." and hidden entries: see the top of the file */
      g_ptr_array_add (names, g_strdup (entry->d_name));
    }
  saved_errno = errno;
  closedir (dir);
  if (saved_errno != 0)
    {
      set_io_error (error, saved_errno, "Could not list the folder", path);
      return FALSE;
    }

  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      if (!walk_entry (walk, path, g_ptr_array_index (names, i), error))
        return FALSE;
    }
  return TRUE;
}

/* Fills @files and @name; FALSE with @error if there is nothing to share. */
static gboolean
walk_source (GFile         *source,
             GCancellable  *cancellable,
             GPtrArray     *files,
             char         **out_name,
             gboolean      *out_is_folder,
             guint64       *out_total,
             GError       **error)
{
  g_autofree char *path = g_file_get_path (source);
  g_autofree char *name = NULL;
  g_autofree char *display = NULL;
  Walk walk = { 0 };
  GStatBuf st;

  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (source);

      g_set_error (error, BT_ERROR, BT_ERROR_IO,
                   "“%s” is not on a local disk; only local files can be shared", uri);
      return FALSE;
    }
  display = g_filename_display_name (path);

  /* The caller named this path, so a link here is followed even to a
   * folder: it cannot be part of a loop yet. */
  if (g_stat (path, &st) != 0)
    {
      set_io_error (error, errno, "Could not read", path);
      return FALSE;
    }

  name = g_file_get_basename (source);
  if (name == NULL || strchr (name, '/') != NULL || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "“%s” has no name to give the torrent; choose a file or a folder inside it",
                   display);
      return FALSE;
    }
  if (!check_name (name, path, error))
    return FALSE;

  walk.files = files;
  walk.cancellable = cancellable;

  if (S_ISREG (st.st_mode))
    {
      if (!walk_add_file (&walk, path, st.st_size, error))
        return FALSE;
      if (walk.total == 0)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_CREATE_EMPTY, "“%s” is empty", display);
          return FALSE;
        }
      *out_is_folder = FALSE;
    }
  else if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GPtrArray) stack = g_ptr_array_new ();

      g_ptr_array_add (stack, name);
      walk.stack = stack;
      walk.stack_size = strlen (name);
      if (!walk_folder (&walk, path, error))
        return FALSE;

      if (files->len == 0)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_CREATE_EMPTY,
                       "“%s” contains no files to share", display);
          return FALSE;
        }
      /* Most clients cannot download a torrent of zero bytes: no piece to
       * verify means no way to tell "complete" from "not started". */
      if (walk.total == 0)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_CREATE_EMPTY,
                       "“%s” contains only empty files", display);
          return FALSE;
        }
      *out_is_folder = TRUE;
    }
  else
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "“%s” is neither a file nor a folder", display);
      return FALSE;
    }

  *out_name = g_steal_pointer (&name);
  *out_total = walk.total;
  return TRUE;
}

/* Hashing */

static void
hash_piece_cb (gpointer data,
               gpointer user_data)
{
  PieceBuffer *buffer = data;
  Hasher *hasher = user_data;

  /* Each piece owns its own 20 bytes of @hashes; the reader reads them only
   * after every buffer came back through the (locked) queue. */
  bt_sha1 (buffer->data, buffer->length, hasher->hashes + (gsize) buffer->index * BT_SHA1_LENGTH);
  if (hasher->progress != NULL)
    bt_progress_add (hasher->progress, buffer->length);
  g_async_queue_push (hasher->free_buffers, buffer);
}

/* Reads until @length bytes or end of file; returns the count or -1. */
static gssize
read_full (int     fd,
           guint8 *data,
           gsize   length)
{
  gsize got = 0;

  while (got < length)
    {
      gssize n = read (fd, data + got, MIN (length - got, READ_CHUNK));

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

static void
set_changed_error (GError     **error,
                   const char  *path)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, BT_ERROR, BT_ERROR_IO,
               "“%s” changed while it was being read; try again once it is complete", display);
}

typedef struct
{
  GThreadPool  *pool;
  Hasher       *hasher;
  PieceBuffer  *current;
  gsize         piece_length;
  guint32       next_index;
} Reader;

static void
reader_submit (Reader *reader)
{
  PieceBuffer *buffer = g_steal_pointer (&reader->current);

  buffer->index = reader->next_index++;
  /* Only starting a thread can fail here, and then the piece is still
   * queued; an exclusive pool started all its threads up front. */
  g_thread_pool_push (reader->pool, buffer, NULL);
}

static gboolean
reader_add_file (Reader        *reader,
                 CreateFile    *file,
                 GCancellable  *cancellable,
                 GError       **error)
{
  guint64 remaining = file->length;
  guint8 extra;
  gssize n_extra;
  gboolean ok = FALSE;
  struct stat st;
  int fd;

  /* O_NONBLOCK: if the file was swapped for a FIFO since the walk, opening
   * it must not hang; it changes nothing for a regular file. */
  fd = open (file->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      set_io_error (error, errno, "Could not open", file->path);
      return FALSE;
    }
  if (fstat (fd, &st) != 0)
    {
      set_io_error (error, errno, "Could not read", file->path);
      goto out;
    }
  if (!S_ISREG (st.st_mode) || (guint64) st.st_size != file->length)
    {
      set_changed_error (error, file->path);
      goto out;
    }
  (void) posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  while (remaining > 0)
    {
      gsize want;
      gssize n;

      if (reader->current == NULL)
        {
          /* Checked once per piece: often enough to stop within a fraction
           * of a second, rarely enough to cost nothing. */
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            goto out;
          reader->current = g_async_queue_pop (reader->hasher->free_buffers);
          reader->current->length = 0;
        }

      want = MIN (remaining, reader->piece_length - reader->current->length);
      n = read_full (fd, reader->current->data + reader->current->length, want);
      if (n < 0)
        {
          set_io_error (error, errno, "Could not read", file->path);
          goto out;
        }
      if ((gsize) n < want)
        {
          set_changed_error (error, file->path);
          goto out;
        }
      reader->current->length += n;
      remaining -= n;
      if (reader->current->length == reader->piece_length)
        reader_submit (reader);
    }

  /* Growth after the walk would silently leave the new bytes out. */
  n_extra = read_full (fd, &extra, 1);
  if (n_extra < 0)
    {
      set_io_error (error, errno, "Could not read", file->path);
      goto out;
    }
  if (n_extra > 0)
    {
      set_changed_error (error, file->path);
      goto out;
    }
  ok = TRUE;

out:
  close (fd);
  return ok;
}

static guint8 *
hash_files (GPtrArray     *files,
            gsize          piece_length,
            guint32        n_pieces,
            BtProgress  *progress,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autofree guint8 *hashes = g_malloc ((gsize) n_pieces * BT_SHA1_LENGTH);
  g_autoptr(GAsyncQueue) free_buffers = g_async_queue_new ();
  guint n_workers = CLAMP (g_get_num_processors (), 1, MAX_HASH_WORKERS);
  guint n_buffers;
  Hasher hasher = { 0 };
  Reader reader = { 0 };
  gboolean ok = TRUE;

  /* Two buffers per worker lets the reader fill one while the other is
   * hashed; big pieces get fewer so memory stays within the budget. */
  n_buffers = MIN (n_workers * 2, MAX (2, BUFFER_BUDGET / piece_length));
  n_buffers = MIN (n_buffers, MAX (n_pieces, 1));
  n_workers = MIN (n_workers, n_buffers);

  for (guint i = 0; i < n_buffers; i++)
    {
      PieceBuffer *buffer = g_new0 (PieceBuffer, 1);

      buffer->data = g_malloc (piece_length);
      g_async_queue_push (free_buffers, buffer);
    }

  hasher.hashes = hashes;
  hasher.free_buffers = free_buffers;
  hasher.progress = progress;

  reader.hasher = &hasher;
  reader.piece_length = piece_length;
  reader.pool = g_thread_pool_new (hash_piece_cb, &hasher, n_workers, TRUE, error);
  if (reader.pool == NULL)
    ok = FALSE;

  for (guint i = 0; ok && i < files->len; i++)
    ok = reader_add_file (&reader, g_ptr_array_index (files, i), cancellable, error);

  if (reader.current != NULL)
    {
      /* The last piece is shorter than the others. */
      if (ok && reader.current->length > 0)
        reader_submit (&reader);
      else
        g_async_queue_push (free_buffers, g_steal_pointer (&reader.current));
    }

  /* Getting every buffer back means every queued piece has been hashed,
   * also on error, so nothing still writes into @hashes after this. */
  for (guint i = 0; i < n_buffers; i++)
    {
      PieceBuffer *buffer = g_async_queue_pop (free_buffers);

      g_free (buffer->data);
      g_free (buffer);
    }
  if (reader.pool != NULL)
    g_thread_pool_free (reader.pool, FALSE, TRUE);

  if (!ok)
    return NULL;

  g_assert (reader.next_index == n_pieces);
  return g_steal_pointer (&hashes);
}

/* Building the dictionary */

static BtBencode *
string_list_new (char **strings)
{
  BtBencode *list = bt_bencode_new_list ();

  for (guint i = 0; strings[i] != NULL; i++)
    bt_bencode_list_append (list, bt_bencode_new_string (strings[i]));
  return list;
}

static void
add_trackers (BtBencode                     *root,
              const BtMetainfoCreateOptions *options)
{
  g_autoptr(BtBencode) tiers = bt_bencode_new_list ();
  const char *first = NULL;
  guint n_urls = 0;

  for (guint i = 0; options->trackers != NULL && options->trackers[i] != NULL; i++)
    {
      char **tier = options->trackers[i];

      /* An empty tier would only confuse the reader's tier logic. */
      if (tier[0] == NULL)
        continue;
      if (first == NULL)
        first = tier[0];
      n_urls += g_strv_length (tier);
      bt_bencode_list_append (tiers, string_list_new (tier));
    }

  if (first != NULL)
    bt_bencode_dict_set (root, "announce", bt_bencode_new_string (first));
  /* BEP 12: with one tracker "announce" says it all; older clients read
   * only "announce", newer ones prefer "announce-list" when present. */
  if (n_urls > 1)
    bt_bencode_dict_set (root, "announce-list", g_steal_pointer (&tiers));
}

static BtBencode *
build_torrent (const BtMetainfoCreateOptions *options,
               const char                    *name,
               gboolean                       is_folder,
               GPtrArray                     *files,
               guint64                        total,
               guint32                        piece_length,
               const guint8                  *hashes,
               guint32                        n_pieces)
{
  g_autoptr(BtBencode) root = bt_bencode_new_dict ();
  g_autoptr(BtBencode) info = bt_bencode_new_dict ();
  gint64 creation_date = options->creation_date;

  add_trackers (root, options);
  if (options->comment != NULL)
    bt_bencode_dict_set (root, "comment", bt_bencode_new_string (options->comment));
  bt_bencode_dict_set (root, "created by",
                       bt_bencode_new_string (options->created_by != NULL
                                              ? options->created_by
                                              : "bTorrent " PACKAGE_VERSION));
  if (creation_date == 0)
    creation_date = g_get_real_time () / G_USEC_PER_SEC;
  if (creation_date > 0)
    bt_bencode_dict_set (root, "creation date", bt_bencode_new_integer (creation_date));
  if (options->web_seeds != NULL && options->web_seeds[0] != NULL)
    bt_bencode_dict_set (root, "url-list", string_list_new (options->web_seeds));

  bt_bencode_dict_set (info, "name", bt_bencode_new_string (name));
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (piece_length));
  bt_bencode_dict_set (info, "pieces",
                       bt_bencode_new_string_len (hashes, (gsize) n_pieces * BT_SHA1_LENGTH));
  if (is_folder)
    {
      BtBencode *list = bt_bencode_new_list ();

      for (guint i = 0; i < files->len; i++)
        {
          CreateFile *file = g_ptr_array_index (files, i);
          BtBencode *entry = bt_bencode_new_dict ();

          bt_bencode_dict_set (entry, "length", bt_bencode_new_integer (file->length));
          bt_bencode_dict_set (entry, "path", string_list_new (file->components));
          bt_bencode_list_append (list, entry);
        }
      bt_bencode_dict_set (info, "files", list);
    }
  else
    bt_bencode_dict_set (info, "length", bt_bencode_new_integer (total));
  if (options->is_private)
    bt_bencode_dict_set (info, "private", bt_bencode_new_integer (1));
  if (options->source != NULL)
    bt_bencode_dict_set (info, "source", bt_bencode_new_string (options->source));

  bt_bencode_dict_set (root, "info", g_steal_pointer (&info));
  return g_steal_pointer (&root);
}

/* The whole job, on whatever thread the caller chose. */
static GBytes *
create_run (GFile                          *source,
            const BtMetainfoCreateOptions  *options,
            BtProgress                   *progress,
            GCancellable                   *cancellable,
            GError                        **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (create_file_free);
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *hashes = NULL;
  g_autofree char *name = NULL;
  gboolean is_folder = FALSE;
  guint64 total = 0;
  guint64 n_pieces;
  guint32 piece_length;

  if (!options_validate (options, error))
    return NULL;

  if (!walk_source (source, cancellable, files, &name, &is_folder, &total, error))
    return NULL;

  piece_length = options->piece_length;
  if (piece_length == 0)
    piece_length = bt_metainfo_create_choose_piece_length (total);

  /* Refuse before hours of hashing what bt-metainfo would refuse to load. */
  n_pieces = total / piece_length + (total % piece_length != 0);
  if (n_pieces > BT_METAINFO_MAX_PIECES
      || n_pieces > (BT_BENCODE_MAX_SIZE - 64 * 1024) / BT_SHA1_LENGTH)
    {
      g_autofree char *size = g_format_size (total);

      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "%s is too much for one torrent with %u KiB pieces; "
                   "choose a larger piece length or share less",
                   size, piece_length / 1024);
      return NULL;
    }

  if (progress != NULL)
    bt_progress_start (progress, total);

  hashes = hash_files (files, piece_length, n_pieces, progress, cancellable, error);
  if (hashes == NULL)
    return NULL;

  root = build_torrent (options, name, is_folder, files, total, piece_length, hashes, n_pieces);
  bytes = bt_bencode_encode (root);
  if (g_bytes_get_size (bytes) > BT_BENCODE_MAX_SIZE)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_CREATE_INVALID,
                   "The torrent would be larger than %d MiB; share fewer files",
                   BT_BENCODE_MAX_SIZE / (1024 * 1024));
      return NULL;
    }

  if (progress != NULL)
    bt_progress_finish (progress);

  return g_steal_pointer (&bytes);
}

static void
create_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CreateJob *job = task_data;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  bytes = create_run (job->source, &job->options, job->progress, cancellable, &error);
  if (bytes == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

/* Public API */

/**
 * bt_metainfo_create_choose_piece_length:
 * @total_size: the bytes to share
 *
 * Returns: the smallest power of two between BT_CREATE_MIN_PIECE_LENGTH and
 *   BT_CREATE_MAX_PIECE_LENGTH that splits @total_size into at most
 *   BT_CREATE_TARGET_PIECES pieces, or the maximum if none does
 */
guint32
bt_metainfo_create_choose_piece_length (guint64 total_size)
{
  guint32 piece_length = BT_CREATE_MIN_PIECE_LENGTH;

  /* About 2048 pieces means about 40 KiB of hashes, the same aim as
   * libtorrent's creator: the .torrent stays small to load and to send as
   * metadata to magnet users, and pieces stay small enough for peers to
   * trade early and to re-download little after a bad piece. Past 32 GiB
   * the piece length stops growing, since peers hold whole pieces in memory,
   * and the piece count grows instead. */
  while (piece_length < BT_CREATE_MAX_PIECE_LENGTH
         && total_size / piece_length + (total_size % piece_length != 0)
            > BT_CREATE_TARGET_PIECES)
    piece_length *= 2;

  return piece_length;
}

/**
 * bt_metainfo_create_async:
 * @source: a local file or folder
 * @options: (nullable): how to make the torrent; copied, so it need not
 *   outlive this call. %NULL for the defaults
 * @cancellable: (nullable): stops the job; it then fails with
 *   %G_IO_ERROR_CANCELLED
 * @progress: (nullable): called on the thread-default main context of this
 *   call's thread
 * @progress_data_free: (nullable): frees @progress_data on that context once
 *   the job is over and no more progress will be reported
 *
 * Walks @source and hashes its content off the calling thread, then calls
 * @callback; get the torrent with bt_metainfo_create_finish().
 */
void
bt_metainfo_create_async (GFile                          *source,
                          const BtMetainfoCreateOptions  *options,
                          GCancellable                   *cancellable,
                          BtMetainfoCreateProgress        progress,
                          gpointer                        progress_data,
                          GDestroyNotify                  progress_data_free,
                          GAsyncReadyCallback             callback,
                          gpointer                        user_data)
{
  static const BtMetainfoCreateOptions defaults = { 0 };
  g_autoptr(GTask) task = NULL;
  g_autoptr(GMainContext) context = NULL;
  CreateJob *job;

  g_return_if_fail (G_IS_FILE (source));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (CreateJob, 1);
  job->source = g_object_ref (source);
  options_copy (&job->options, options != NULL ? options : &defaults);
  if (progress != NULL || progress_data_free != NULL)
    {
      context = g_main_context_ref_thread_default ();
      job->progress = bt_progress_new (context, progress, progress_data, progress_data_free);
    }

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_metainfo_create_async);
  g_task_set_name (task, "[bt-create] create torrent");
  g_task_set_task_data (task, job, create_job_free);
  g_task_run_in_thread (task, create_thread);
}

/**
 * bt_metainfo_create_finish:
 *
 * Returns: (transfer full): the bencoded .torrent, or %NULL with @error set
 */
GBytes *
bt_metainfo_create_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_metainfo_create_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bt_metainfo_create:
 * @source: a local file or folder
 * @options: (nullable): how to make the torrent; %NULL for the defaults
 * @cancellable: (nullable): stops the job with %G_IO_ERROR_CANCELLED
 *
 * The blocking form of bt_metainfo_create_async(), for the CLI and tests:
 * reads on the calling thread, hashes on a thread pool, reports no progress.
 *
 * Returns: (transfer full): the bencoded .torrent, or %NULL with @error set
 */
GBytes *
bt_metainfo_create (GFile                          *source,
                    const BtMetainfoCreateOptions  *options,
                    GCancellable                   *cancellable,
                    GError                        **error)
{
  static const BtMetainfoCreateOptions defaults = { 0 };

  g_return_val_if_fail (G_IS_FILE (source), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return create_run (source, options != NULL ? options : &defaults, NULL, cancellable, error);
}
