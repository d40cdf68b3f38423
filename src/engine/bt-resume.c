/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The fast-resume record and its file format.
 *
 * A resume file is one bencoded dictionary (bencode because the engine
 * already has a strict, bounded parser for it, and a person can still read
 * the file):
 *
 *   version          1
 *   info-hash        20 bytes
 *   name             UTF-8
 *   save-path        the download folder, bytes
 *   pieces, have     the piece count and the bitfield, as the wire carries
 *                    it (absent, both, for a magnet without metadata)
 *   file-sizes, file-mtimes, file-mtimes-ns, file-priorities
 *                    one integer per file each, in metainfo order; lists of
 *                    integers rather than a dictionary per file, which
 *                    would cost twice the bencode nodes on a torrent of a
 *                    hundred thousand files
 *   paused, queue-position, uploaded, downloaded, seconds-active,
 *   seconds-seeding, time-added, time-completed
 *                    integers
 *   magnet-uri, error
 *                    optional UTF-8 strings
 *
 * The file is on-disk data that a crash, a full disk or another program can
 * have damaged, so reading it is as strict as reading a peer's message:
 * every key this version writes must be there with the right type and a
 * value in range, and anything else is a BT_ERROR_RESUME_INVALID that makes
 * the caller fall back to a recheck. Keys it does not know are skipped,
 * so that a later version can add some.
 *
 * Files on disk. A record carries the size and modification time of every
 * file as they were when the record was made; a torrent whose files still
 * look like that starts with its saved bitfield, anything else is
 * rechecked. The files are looked up the way bt-storage reaches them: from
 * the download folder, one component at a time, never through a symbolic
 * link below it.
 */
#define G_LOG_DOMAIN "bt-resume"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-path.h"
#include "bt-resume.h"

#define NSEC_PER_SEC 1000000000

/* Structures */

/* Finds files below a download folder without following links. Files of a
 * torrent come grouped by folder, so the last folder opened is kept for
 * the next file. */
typedef struct
{
  const char *save_path;
  int         root_fd;
  char       *dir_relative; /* what dir_fd is, relative to save_path */
  int         dir_fd;
} Walker;

typedef enum
{
  LOOKUP_FOUND,
  LOOKUP_MISSING,
  LOOKUP_ERROR,
} Lookup;

/* Auxiliary functions */

static gboolean
set_invalid (GError    **error,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
set_invalid (GError    **error,
             const char *format,
             ...)
{
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID, "Resume data is damaged: %s", detail);
  return FALSE;
}

static BtBencode *
lookup (BtBencode     *dict,
        const char    *key,
        BtBencodeType  type,
        gboolean       required,
        GError       **error)
{
  BtBencode *value = bt_bencode_dict_lookup (dict, key);

  if (value == NULL)
    {
      if (required)
        set_invalid (error, "“%s” is missing", key);
      return NULL;
    }
  if (!bt_bencode_is_type (value, type))
    {
      set_invalid (error, "“%s” has the wrong type", key);
      return NULL;
    }
  return value;
}

static gboolean
check_range (const char *key,
             gint64      value,
             gint64      min,
             gint64      max,
             GError    **error)
{
  if (value < min || value > max)
    return set_invalid (error, "“%s” is %" G_GINT64_FORMAT ", out of range", key, value);
  return TRUE;
}

static gboolean
get_integer (BtBencode  *dict,
             const char *key,
             gint64      min,
             gint64      max,
             gint64     *out,
             GError    **error)
{
  BtBencode *value = lookup (dict, key, BT_BENCODE_INTEGER, TRUE, error);

  if (value == NULL)
    return FALSE;
  *out = bt_bencode_get_integer (value);
  return check_range (key, *out, min, max, error);
}

static gboolean
get_optional_integer (BtBencode  *dict,
                      const char *key,
                      gint64      min,
                      gint64      max,
                      gint64     *out,
                      GError    **error)
{
  *out = 0;
  return bt_bencode_dict_lookup (dict, key) == NULL || get_integer (dict, key, min, max, out, error);
}

/* Shown to a person: valid UTF-8 without control characters (a terminal
 * escape in a name must not reach a terminal). @allow_newlines for error
 * messages, which are allowed several lines. */
static gboolean
is_clean_text (const guint8 *data,
               gsize         length,
               gboolean      allow_newlines)
{
  const char *end = (const char *) data + length;

  if (!g_utf8_validate_len ((const char *) data, length, NULL))
    return FALSE;
  for (const char *p = (const char *) data; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) && !(allow_newlines && (c == '\n' || c == '\t')))
        return FALSE;
    }
  return TRUE;
}

/* A text field: *@out stays NULL when the key is absent and not required. */
static gboolean
get_text (BtBencode   *dict,
          const char  *key,
          gboolean     required,
          gboolean     allow_newlines,
          char       **out,
          GError     **error)
{
  GError *local_error = NULL;
  BtBencode *value = lookup (dict, key, BT_BENCODE_STRING, required, &local_error);
  const guint8 *data;
  gsize length;

  if (value == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, local_error);
      return FALSE;
    }
  data = bt_bencode_get_string (value, &length);
  if (length > BT_RESUME_MAX_TEXT)
    return set_invalid (error, "“%s” is too long", key);
  if (!is_clean_text (data, length, allow_newlines))
    return set_invalid (error, "“%s” is not valid text", key);
  *out = g_strndup ((const char *) data, length);
  return TRUE;
}

/* "trackers": the person's edited list, tiers of announce URLs. */
static gboolean
parse_trackers (BtResume   *self,
                BtBencode  *root,
                GError    **error)
{
  GError *local_error = NULL;
  BtBencode *tiers = lookup (root, "trackers", BT_BENCODE_LIST, FALSE, &local_error);
  guint total = 0;

  if (tiers == NULL)
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, local_error);
      return FALSE;
    }
  self->trackers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint t = 0; t < bt_bencode_get_length (tiers); t++)
    {
      BtBencode *tier = bt_bencode_list_get (tiers, t);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      if (!bt_bencode_is_type (tier, BT_BENCODE_LIST) || bt_bencode_get_length (tier) == 0)
        return set_invalid (error, "“trackers” holds something other than tiers of URLs");
      for (guint u = 0; u < bt_bencode_get_length (tier); u++)
        {
          BtBencode *url = bt_bencode_list_get (tier, u);
          const guint8 *data;
          gsize length;

          if (!bt_bencode_is_type (url, BT_BENCODE_STRING))
            return set_invalid (error, "“trackers” holds something other than URLs");
          data = bt_bencode_get_string (url, &length);
          if (length == 0 || length > BT_TORRENT_MAX_TRACKER_URL || !is_clean_text (data, length, FALSE))
            return set_invalid (error, "“trackers” holds an URL that is not valid text");
          if (++total > BT_METAINFO_MAX_TRACKERS)
            return set_invalid (error, "“trackers” lists more than %d trackers",
                                BT_METAINFO_MAX_TRACKERS);
          {
            g_autofree char *text = g_strndup ((const char *) data, length);

            g_strv_builder_add (builder, text);
          }
        }
      g_ptr_array_add (self->trackers, g_strv_builder_end (builder));
    }
  return TRUE;
}

static gboolean
get_int_list (BtBencode  *dict,
              const char *key,
              guint       expected,
              BtBencode **out,
              GError    **error)
{
  BtBencode *list = lookup (dict, key, BT_BENCODE_LIST, TRUE, error);

  if (list == NULL)
    return FALSE;
  if (bt_bencode_get_length (list) != expected)
    return set_invalid (error, "“%s” lists %u files, not %u", key,
                        bt_bencode_get_length (list), expected);
  for (guint i = 0; i < expected; i++)
    if (!bt_bencode_is_type (bt_bencode_list_get (list, i), BT_BENCODE_INTEGER))
      return set_invalid (error, "“%s” holds something other than a number", key);
  *out = list;
  return TRUE;
}

static gboolean
parse_files (BtResume  *self,
             BtBencode *root,
             GError   **error)
{
  BtBencode *sizes;
  BtBencode *mtimes;
  BtBencode *nsecs;
  BtBencode *priorities;
  BtBencode *first = lookup (root, "file-sizes", BT_BENCODE_LIST, TRUE, error);
  guint n;

  if (first == NULL)
    return FALSE;
  n = bt_bencode_get_length (first);
  if (n > BT_METAINFO_MAX_FILES)
    return set_invalid (error, "it lists %u files, more than a torrent can have", n);

  if (!get_int_list (root, "file-sizes", n, &sizes, error) ||
      !get_int_list (root, "file-mtimes", n, &mtimes, error) ||
      !get_int_list (root, "file-mtimes-ns", n, &nsecs, error) ||
      !get_int_list (root, "file-priorities", n, &priorities, error))
    return FALSE;

  bt_resume_set_n_files (self, n);
  for (guint i = 0; i < n; i++)
    {
      BtResumeFile *file = &self->files[i];
      gint64 size = bt_bencode_get_integer (bt_bencode_list_get (sizes, i));
      gint64 nsec = bt_bencode_get_integer (bt_bencode_list_get (nsecs, i));
      gint64 priority = bt_bencode_get_integer (bt_bencode_list_get (priorities, i));

      if (!check_range ("file-sizes", size, 0, G_MAXINT64, error) ||
          !check_range ("file-mtimes-ns", nsec, 0, NSEC_PER_SEC - 1, error) ||
          !check_range ("file-priorities", priority, BT_PRIORITY_SKIP, BT_PRIORITY_HIGH, error))
        return FALSE;
      file->size = size;
      file->mtime = bt_bencode_get_integer (bt_bencode_list_get (mtimes, i));
      file->mtime_nsec = nsec;
      file->priority = priority;
    }
  return TRUE;
}

static gboolean
parse_have (BtResume  *self,
            BtBencode *root,
            GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  BtBencode *pieces = lookup (root, "pieces", BT_BENCODE_INTEGER, FALSE, &local_error);
  BtBencode *have;
  const guint8 *data;
  gsize length;
  gint64 n_pieces;

  if (pieces == NULL)
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (bt_bencode_dict_lookup (root, "have") != NULL)
        return set_invalid (error, "“have” comes without “pieces”");
      if (self->magnet_uri == NULL)
        return set_invalid (error, "“pieces” is missing");
      if (self->n_files != 0)
        return set_invalid (error, "it lists files but no pieces");
      return TRUE;
    }

  n_pieces = bt_bencode_get_integer (pieces);
  if (!check_range ("pieces", n_pieces, 0, BT_METAINFO_MAX_PIECES, error))
    return FALSE;
  have = lookup (root, "have", BT_BENCODE_STRING, TRUE, error);
  if (have == NULL)
    return FALSE;
  data = bt_bencode_get_string (have, &length);
  self->have = bt_bitfield_new_from_bytes (data, length, n_pieces, &local_error);
  if (self->have == NULL)
    return set_invalid (error, "%s", local_error->message);
  return TRUE;
}

static gboolean
parse_save_path (BtResume  *self,
                 BtBencode *root,
                 GError   **error)
{
  BtBencode *value = lookup (root, "save-path", BT_BENCODE_STRING, TRUE, error);
  const guint8 *data;
  gsize length;

  if (value == NULL)
    return FALSE;
  data = bt_bencode_get_string (value, &length);
  /* Any bytes a Linux path can hold: not empty, no NUL, absolute. */
  if (length == 0 || length >= BT_RESUME_MAX_SAVE_PATH || memchr (data, '\0', length) != NULL ||
      data[0] != '/')
    return set_invalid (error, "“save-path” is not an absolute folder path");
  self->save_path = g_strndup ((const char *) data, length);
  return TRUE;
}

static BtResume *
parse_record (BtBencode *root,
              GError   **error)
{
  g_autoptr(BtResume) self = NULL;
  BtBencode *hash;
  const guint8 *hash_data;
  gsize hash_length;
  gint64 version, paused, queue_position, uploaded, downloaded, active, seeding;
  gint64 added, completed, upload_limit, download_limit;

  if (!bt_bencode_is_type (root, BT_BENCODE_DICT))
    {
      set_invalid (error, "it is not a dictionary");
      return NULL;
    }

  if (!get_integer (root, "version", 1, G_MAXINT32, &version, error))
    return NULL;
  if (version > BT_RESUME_FORMAT_VERSION)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID,
                   "Resume data is in format %" G_GINT64_FORMAT ", written by a newer "
                   "version of bTorrent; this one reads format %d",
                   version, BT_RESUME_FORMAT_VERSION);
      return NULL;
    }

  hash = lookup (root, "info-hash", BT_BENCODE_STRING, TRUE, error);
  if (hash == NULL)
    return NULL;
  hash_data = bt_bencode_get_string (hash, &hash_length);
  if (hash_length != BT_INFO_HASH_LENGTH)
    {
      set_invalid (error, "“info-hash” is %" G_GSIZE_FORMAT " bytes long, not %d",
                   hash_length, BT_INFO_HASH_LENGTH);
      return NULL;
    }

  self = bt_resume_new (hash_data);
  self->version = version;

  if (!get_integer (root, "paused", 0, 1, &paused, error) ||
      !get_integer (root, "queue-position", 0, G_MAXUINT32, &queue_position, error) ||
      !get_integer (root, "uploaded", 0, G_MAXINT64, &uploaded, error) ||
      !get_integer (root, "downloaded", 0, G_MAXINT64, &downloaded, error) ||
      !get_integer (root, "seconds-active", 0, G_MAXINT64, &active, error) ||
      !get_integer (root, "seconds-seeding", 0, G_MAXINT64, &seeding, error) ||
      !get_integer (root, "time-added", 0, G_MAXINT64, &added, error) ||
      !get_integer (root, "time-completed", 0, G_MAXINT64, &completed, error))
    return NULL;
  self->paused = paused;
  self->queue_position = queue_position;
  self->uploaded = uploaded;
  self->downloaded = downloaded;
  self->seconds_active = active;
  self->seconds_seeding = seeding;
  self->time_added = added;
  self->time_completed = completed;

  /* Newer than the first records: absent means no limit. */
  if (!get_optional_integer (root, "upload-limit", 0, G_MAXINT64, &upload_limit, error) ||
      !get_optional_integer (root, "download-limit", 0, G_MAXINT64, &download_limit, error))
    return NULL;
  self->upload_limit = upload_limit;
  self->download_limit = download_limit;

  if (!get_text (root, "name", TRUE, FALSE, &self->name, error) ||
      !get_text (root, "magnet-uri", FALSE, FALSE, &self->magnet_uri, error) ||
      !get_text (root, "error", FALSE, TRUE, &self->error, error) ||
      !parse_save_path (self, root, error))
    return NULL;
  if (self->magnet_uri != NULL && g_ascii_strncasecmp (self->magnet_uri, "magnet:?", 8) != 0)
    {
      set_invalid (error, "“magnet-uri” is not a magnet link");
      return NULL;
    }

  if (!parse_files (self, root, error) || !parse_have (self, root, error)
      || !parse_trackers (self, root, error))
    return NULL;

  return g_steal_pointer (&self);
}

static void
set_int (BtBencode  *dict,
         const char *key,
         guint64     value)
{
  bt_bencode_dict_set (dict, key, bt_bencode_new_integer (MIN (value, (guint64) G_MAXINT64)));
}

/* Walking the download folder */

static void
walker_init (Walker     *walker,
             const char *save_path)
{
  walker->save_path = save_path;
  walker->root_fd = -1;
  walker->dir_relative = NULL;
  walker->dir_fd = -1;
}

static void
walker_clear (Walker *walker)
{
  if (walker->dir_fd >= 0)
    close (walker->dir_fd);
  if (walker->root_fd >= 0)
    close (walker->root_fd);
  g_clear_pointer (&walker->dir_relative, g_free);
  walker->dir_fd = -1;
  walker->root_fd = -1;
}

static void
set_path_error (GError     **error,
                const char  *save_path,
                const char  *relative,
                int          saved_errno)
{
  g_autofree char *full = g_build_filename (save_path, relative, NULL);
  g_autofree char *display = g_filename_display_name (full);

  g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not look at “%s”: %s", display,
               g_strerror (saved_errno));
}

static void
set_link_error (GError     **error,
                const char  *save_path,
                const char  *relative)
{
  g_autofree char *full = g_build_filename (save_path, relative, NULL);
  g_autofree char *display = g_filename_display_name (full);

  g_set_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE,
               "“%s” is a symbolic link; bTorrent never reads through links inside the "
               "download folder. Remove the link or choose another folder.",
               display);
}

/* Opens the download folder itself. It may be a link: the person chose it
 * (as bt-storage allows). */
static Lookup
walker_open_root (Walker  *walker,
                  GError **error)
{
  int saved_errno;

  if (walker->root_fd >= 0)
    return LOOKUP_FOUND;
  walker->root_fd = open (walker->save_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (walker->root_fd >= 0)
    return LOOKUP_FOUND;

  saved_errno = errno;
  if (saved_errno == ENOENT || saved_errno == ENOTDIR)
    return LOOKUP_MISSING;
  {
    g_autofree char *display = g_filename_display_name (walker->save_path);

    g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not open the download folder “%s”: %s",
                 display, g_strerror (saved_errno));
  }
  return LOOKUP_ERROR;
}

/* Points dir_fd at folder @folder (relative, "" for the download folder). */
static Lookup
walker_enter (Walker     *walker,
              const char *folder,
              GError    **error)
{
  g_autofree char *copy = NULL;
  char *component;
  char *slash;
  int fd;

  if (walker->dir_relative != NULL && strcmp (walker->dir_relative, folder) == 0)
    return walker->dir_fd >= 0 ? LOOKUP_FOUND : LOOKUP_MISSING;

  if (walker->dir_fd >= 0)
    close (walker->dir_fd);
  walker->dir_fd = -1;
  g_free (walker->dir_relative);
  walker->dir_relative = g_strdup (folder);

  fd = fcntl (walker->root_fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    {
      set_path_error (error, walker->save_path, folder, errno);
      return LOOKUP_ERROR;
    }

  copy = g_strdup (folder);
  component = copy;
  while (*component != '\0')
    {
      int next;

      slash = strchr (component, '/');
      if (slash != NULL)
        *slash = '\0';
      next = openat (fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        {
          int saved_errno = errno;
          struct stat st;
          gboolean is_link = fstatat (fd, component, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                             S_ISLNK (st.st_mode);

          close (fd);
          if (is_link)
            {
              set_link_error (error, walker->save_path, copy);
              return LOOKUP_ERROR;
            }
          /* Nothing there, or a file where a folder should be: what the
           * torrent would write there is not there. */
          if (saved_errno == ENOENT || saved_errno == ENOTDIR)
            return LOOKUP_MISSING;
          set_path_error (error, walker->save_path, copy, saved_errno);
          return LOOKUP_ERROR;
        }
      close (fd);
      fd = next;
      if (slash == NULL)
        break;
      *slash = '/';
      component = slash + 1;
    }

  walker->dir_fd = fd;
  return LOOKUP_FOUND;
}

static Lookup
walker_stat (Walker      *walker,
             const char  *relative,
             struct stat *st,
             GError     **error)
{
  const char *slash = strrchr (relative, '/');
  g_autofree char *folder = g_strndup (relative, slash != NULL ? (gsize) (slash - relative) : 0);
  const char *name = slash != NULL ? slash + 1 : relative;
  Lookup found;

  /* The metainfo parser guarantees this; checked again because a mistake
   * there would look outside the folder. */
  if (!bt_path_is_safe_relative (relative))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE,
                   "The torrent names a file outside the download folder (“%s”)", relative);
      return LOOKUP_ERROR;
    }

  found = walker_open_root (walker, error);
  if (found != LOOKUP_FOUND)
    return found;
  found = walker_enter (walker, folder, error);
  if (found != LOOKUP_FOUND)
    return found;

  if (fstatat (walker->dir_fd, name, st, AT_SYMLINK_NOFOLLOW) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT || saved_errno == ENOTDIR)
        return LOOKUP_MISSING;
      set_path_error (error, walker->save_path, relative, saved_errno);
      return LOOKUP_ERROR;
    }
  if (S_ISLNK (st->st_mode))
    {
      set_link_error (error, walker->save_path, relative);
      return LOOKUP_ERROR;
    }
  /* A folder or a FIFO where the file should be holds none of its data. */
  if (!S_ISREG (st->st_mode))
    return LOOKUP_MISSING;
  return LOOKUP_FOUND;
}

/* Flushes file @relative's written data to the disk; a file that is not
 * there (or not a regular file) has nothing to flush. */
static gboolean
walker_sync (Walker      *walker,
             const char  *relative,
             GError     **error)
{
  struct stat st;
  const char *slash = strrchr (relative, '/');
  const char *name = slash != NULL ? slash + 1 : relative;
  int fd;

  switch (walker_stat (walker, relative, &st, error))
    {
    case LOOKUP_FOUND:
      break;
    case LOOKUP_MISSING:
      return TRUE;
    case LOOKUP_ERROR:
    default:
      return FALSE;
    }

  /* walker_stat() left dir_fd on the file's folder. O_NONBLOCK: should a
   * FIFO have replaced the file since, opening it must not hang. */
  fd = openat (walker->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      set_path_error (error, walker->save_path, relative, errno);
      return FALSE;
    }
  if (fdatasync (fd) != 0 && errno != EINVAL)
    {
      int saved_errno = errno;

      close (fd);
      set_path_error (error, walker->save_path, relative, saved_errno);
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static gboolean
check_files_args (const BtResume *self,
                  BtMetainfo     *meta,
                  GError        **error)
{
  if (self->n_files != bt_metainfo_get_n_files (meta))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID,
                   "Resume data lists %u files, but the torrent has %u",
                   self->n_files, bt_metainfo_get_n_files (meta));
      return FALSE;
    }
  return TRUE;
}

/* Whether @self lists a piece of a file it did not see whole on disk.
 * bt-storage gives a file its full size the first time it writes to it, so
 * a file holding verified pieces has exactly its size in the torrent; a
 * record that says otherwise (say, written while the disk was unplugged)
 * cannot vouch for those pieces. */
static gboolean
vouches_for_missing_data (const BtResume *self,
                          BtMetainfo     *meta)
{
  guint32 piece_length = bt_metainfo_get_piece_length (meta);
  guint n_files = bt_metainfo_get_n_files (meta);

  if (self->have == NULL || bt_bitfield_is_empty (self->have))
    return FALSE;
  if (bt_bitfield_get_size (self->have) != bt_metainfo_get_n_pieces (meta))
    return TRUE;

  for (guint i = 0; i < n_files; i++)
    {
      guint64 size = bt_metainfo_get_file_size (meta, i);
      guint64 offset = bt_metainfo_get_file_offset (meta, i);

      if (size == 0 || self->files[i].size == size ||
          (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD))
        continue;
      for (guint64 piece = offset / piece_length; piece <= (offset + size - 1) / piece_length; piece++)
        if (bt_bitfield_get (self->have, piece))
          return TRUE;
    }
  return FALSE;
}

/* Public API */

/**
 * bt_resume_new:
 * @info_hash: (array fixed-size=20): the torrent's info-hash
 *
 * Returns: (transfer full): an empty record: no pieces, no files, every
 *   number 0, every string %NULL
 */
BtResume *
bt_resume_new (const guint8 *info_hash)
{
  BtResume *self;

  g_return_val_if_fail (info_hash != NULL, NULL);

  self = g_new0 (BtResume, 1);
  self->version = BT_RESUME_FORMAT_VERSION;
  memcpy (self->info_hash, info_hash, BT_INFO_HASH_LENGTH);
  return self;
}

/**
 * bt_resume_copy:
 *
 * Returns: (transfer full): a deep copy of @self
 */
BtResume *
bt_resume_copy (const BtResume *self)
{
  BtResume *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new (BtResume, 1);
  *copy = *self;
  copy->have = self->have != NULL ? bt_bitfield_copy (self->have) : NULL;
  copy->files = self->n_files > 0 ? g_memdup2 (self->files, self->n_files * sizeof (BtResumeFile))
                                  : NULL;
  copy->save_path = g_strdup (self->save_path);
  copy->name = g_strdup (self->name);
  copy->magnet_uri = g_strdup (self->magnet_uri);
  copy->error = g_strdup (self->error);
  if (self->trackers != NULL)
    {
      copy->trackers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
      for (guint t = 0; t < self->trackers->len; t++)
        g_ptr_array_add (copy->trackers, g_strdupv (g_ptr_array_index (self->trackers, t)));
    }
  return copy;
}

void
bt_resume_free (BtResume *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->have, bt_bitfield_free);
  g_free (self->files);
  g_free (self->save_path);
  g_free (self->name);
  g_free (self->magnet_uri);
  g_free (self->error);
  g_clear_pointer (&self->trackers, g_ptr_array_unref);
  g_free (self);
}

/**
 * bt_resume_set_n_files:
 *
 * Resizes @files to @n_files entries. Entries that were there keep their
 * values; new ones are a missing file of %BT_PRIORITY_NORMAL.
 */
void
bt_resume_set_n_files (BtResume *self,
                       guint     n_files)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n_files <= BT_METAINFO_MAX_FILES);

  self->files = g_renew (BtResumeFile, self->files, n_files);
  for (guint i = self->n_files; i < n_files; i++)
    {
      memset (&self->files[i], 0, sizeof self->files[i]);
      self->files[i].priority = BT_PRIORITY_NORMAL;
    }
  self->n_files = n_files;
  if (n_files == 0)
    g_clear_pointer (&self->files, g_free);
}

/**
 * bt_resume_to_bytes:
 *
 * Encodes @self as a resume file (see the top of bt-resume.c). The record
 * must be one bt_resume_new_from_bytes() accepts: a save path, a name, and
 * a bitfield unless it is a magnet.
 *
 * Returns: (transfer full): the file's bytes
 */
GBytes *
bt_resume_to_bytes (const BtResume *self)
{
  g_autoptr(BtBencode) root = NULL;
  BtBencode *sizes, *mtimes, *nsecs, *priorities;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->save_path != NULL && self->save_path[0] == '/', NULL);
  g_return_val_if_fail (self->name != NULL, NULL);
  g_return_val_if_fail (self->have != NULL || self->magnet_uri != NULL, NULL);
  g_return_val_if_fail (self->n_files == 0 || self->files != NULL, NULL);

  root = bt_bencode_new_dict ();
  set_int (root, "version", BT_RESUME_FORMAT_VERSION);
  bt_bencode_dict_set (root, "info-hash",
                       bt_bencode_new_string_len (self->info_hash, BT_INFO_HASH_LENGTH));
  bt_bencode_dict_set (root, "name", bt_bencode_new_string (self->name));
  bt_bencode_dict_set (root, "save-path", bt_bencode_new_string (self->save_path));
  if (self->magnet_uri != NULL)
    bt_bencode_dict_set (root, "magnet-uri", bt_bencode_new_string (self->magnet_uri));
  if (self->error != NULL)
    bt_bencode_dict_set (root, "error", bt_bencode_new_string (self->error));

  if (self->have != NULL)
    {
      gsize length = 0;
      const guint8 *data = bt_bitfield_get_data (self->have, &length);

      set_int (root, "pieces", bt_bitfield_get_size (self->have));
      bt_bencode_dict_set (root, "have", bt_bencode_new_string_len (data, length));
    }

  sizes = bt_bencode_new_list ();
  mtimes = bt_bencode_new_list ();
  nsecs = bt_bencode_new_list ();
  priorities = bt_bencode_new_list ();
  for (guint i = 0; i < self->n_files; i++)
    {
      const BtResumeFile *file = &self->files[i];

      bt_bencode_list_append (sizes, bt_bencode_new_integer (MIN (file->size, (guint64) G_MAXINT64)));
      bt_bencode_list_append (mtimes, bt_bencode_new_integer (file->mtime));
      bt_bencode_list_append (nsecs, bt_bencode_new_integer (file->mtime_nsec % NSEC_PER_SEC));
      bt_bencode_list_append (priorities, bt_bencode_new_integer (CLAMP ((int) file->priority,
                                                                         BT_PRIORITY_SKIP,
                                                                         BT_PRIORITY_HIGH)));
    }
  bt_bencode_dict_set (root, "file-sizes", sizes);
  bt_bencode_dict_set (root, "file-mtimes", mtimes);
  bt_bencode_dict_set (root, "file-mtimes-ns", nsecs);
  bt_bencode_dict_set (root, "file-priorities", priorities);

  set_int (root, "paused", self->paused ? 1 : 0);
  set_int (root, "queue-position", self->queue_position);
  set_int (root, "uploaded", self->uploaded);
  set_int (root, "downloaded", self->downloaded);
  set_int (root, "seconds-active", self->seconds_active);
  set_int (root, "seconds-seeding", self->seconds_seeding);
  set_int (root, "time-added", MAX (self->time_added, 0));
  set_int (root, "time-completed", MAX (self->time_completed, 0));
  /* Only when set: a record without limits stays as it was. */
  if (self->upload_limit > 0)
    set_int (root, "upload-limit", self->upload_limit);
  if (self->download_limit > 0)
    set_int (root, "download-limit", self->download_limit);
  if (self->trackers != NULL)
    {
      BtBencode *tiers = bt_bencode_new_list ();

      for (guint t = 0; t < self->trackers->len; t++)
        {
          BtBencode *tier = bt_bencode_new_list ();

          for (char **url = g_ptr_array_index (self->trackers, t); *url != NULL; url++)
            bt_bencode_list_append (tier, bt_bencode_new_string (*url));
          bt_bencode_list_append (tiers, tier);
        }
      bt_bencode_dict_set (root, "trackers", tiers);
    }

  return bt_bencode_encode (root);
}

/**
 * bt_resume_new_from_bytes:
 * @bytes: the contents of a resume file
 * @meta: (nullable): the torrent the record belongs to; when given, the
 *   record must match it (see bt_resume_check_metainfo())
 * @error: set to a BT_ERROR (%BT_ERROR_RESUME_INVALID, or a BT_ERROR_BENCODE_
 *   code when the file is not bencode at all)
 *
 * Reads a resume file strictly (see the top of bt-resume.c).
 *
 * Returns: (transfer full) (nullable): the record, or %NULL when the file
 *   is damaged
 */
BtResume *
bt_resume_new_from_bytes (GBytes     *bytes,
                          BtMetainfo *meta,
                          GError    **error)
{
  const BtBencodeLimits limits = {
    .max_size = BT_RESUME_MAX_SIZE,
    .max_depth = BT_RESUME_MAX_DEPTH,
    .max_elements = BT_RESUME_MAX_ELEMENTS,
  };
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtResume) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (meta == NULL || BT_IS_METAINFO (meta), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = bt_bencode_decode (bytes, &limits, &local_error);
  if (root == NULL)
    {
      g_set_error (error, BT_ERROR, local_error->code, "Resume data is damaged: %s",
                   local_error->message);
      return NULL;
    }

  self = parse_record (root, error);
  if (self == NULL)
    return NULL;
  if (meta != NULL && !bt_resume_check_metainfo (self, meta, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * bt_resume_check_metainfo:
 *
 * Checks that @self describes @meta: the same info-hash, as many pieces
 * and as many files.
 *
 * Returns: %TRUE when it does; otherwise %FALSE with
 *   %BT_ERROR_RESUME_INVALID
 */
gboolean
bt_resume_check_metainfo (const BtResume *self,
                          BtMetainfo     *meta,
                          GError        **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (memcmp (self->info_hash, bt_metainfo_get_info_hash (meta), BT_INFO_HASH_LENGTH) != 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID,
                   "Resume data belongs to another torrent than “%s”",
                   bt_metainfo_get_name (meta));
      return FALSE;
    }
  if (self->have == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID,
                   "Resume data of “%s” has no pieces", bt_metainfo_get_name (meta));
      return FALSE;
    }
  if (bt_bitfield_get_size (self->have) != bt_metainfo_get_n_pieces (meta))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID,
                   "Resume data lists %u pieces, but the torrent has %u",
                   bt_bitfield_get_size (self->have), bt_metainfo_get_n_pieces (meta));
      return FALSE;
    }
  return check_files_args (self, meta, error);
}

/**
 * bt_resume_files_unchanged:
 * @save_path: the download folder
 * @error: set when the files could not be looked at: the download folder
 *   is missing while the record says data was there (%BT_ERROR_IO: an
 *   unplugged disk, a deleted folder; better an error state than a silent
 *   new download), a link in the way (%BT_ERROR_STORAGE_UNSAFE), a folder
 *   that cannot be read, or a record that does not match @meta
 *
 * Compares every file of @meta below @save_path with the sizes and
 * modification times in @self, so that a torrent whose data changed behind
 * its back is rechecked instead of trusted. A missing file is unchanged
 * only if the record says it had no bytes. A record that lists pieces of
 * a file it did not see at its full size is never "unchanged": it cannot
 * vouch for them. Blocking: a stat() per file.
 *
 * Returns: %TRUE when every file is as recorded; %FALSE when one differs
 *   (@error not set) or on error
 */
gboolean
bt_resume_files_unchanged (const BtResume *self,
                           BtMetainfo     *meta,
                           const char     *save_path,
                           GError        **error)
{
  Walker walker;
  gboolean unchanged = TRUE;
  gboolean any_data = FALSE;
  gboolean inconsistent;
  guint n_files;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (save_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_files_args (self, meta, error))
    return FALSE;

  n_files = bt_metainfo_get_n_files (meta);
  for (guint i = 0; i < n_files; i++)
    if (!(bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD) && self->files[i].size > 0)
      any_data = TRUE;
  inconsistent = vouches_for_missing_data (self, meta);
  if (inconsistent)
    g_debug ("%s: the resume data lists pieces of files it did not see whole",
             bt_metainfo_get_name (meta));

  walker_init (&walker, save_path);
  switch (walker_open_root (&walker, error))
    {
    case LOOKUP_FOUND:
      break;
    case LOOKUP_MISSING:
      if (any_data)
        {
          g_autofree char *display = g_filename_display_name (save_path);

          g_set_error (error, BT_ERROR, BT_ERROR_IO,
                       "The download folder “%s” is missing. If it is on a disk that is "
                       "not plugged in, plug it in; otherwise move the torrent's data back "
                       "or choose where it is.",
                       display);
          return FALSE;
        }
      return !inconsistent;
    case LOOKUP_ERROR:
    default:
      return FALSE;
    }
  if (inconsistent)
    {
      walker_clear (&walker);
      return FALSE;
    }

  for (guint i = 0; i < n_files && unchanged; i++)
    {
      const BtResumeFile *file = &self->files[i];
      struct stat st;

      if (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD)
        continue;

      switch (walker_stat (&walker, bt_metainfo_get_file_path (meta, i), &st, error))
        {
        case LOOKUP_MISSING:
          unchanged = file->size == 0;
          break;
        case LOOKUP_FOUND:
          /* An empty file holds nothing to trust or distrust, whenever it
           * was touched. */
          if (file->size == 0 && st.st_size == 0)
            break;
          unchanged = (guint64) st.st_size == file->size && (gint64) st.st_mtim.tv_sec == file->mtime &&
                      (guint32) st.st_mtim.tv_nsec == file->mtime_nsec;
          break;
        case LOOKUP_ERROR:
        default:
          walker_clear (&walker);
          return FALSE;
        }
      if (!unchanged)
        g_debug ("%s: “%s” changed on disk", bt_metainfo_get_name (meta),
                 bt_metainfo_get_file_path (meta, i));
    }

  walker_clear (&walker);
  return unchanged;
}

/**
 * bt_resume_update_files_from_disk:
 * @save_path: the download folder
 *
 * Fills the sizes and modification times of @self's files from what is
 * below @save_path now, for a record about to be written. Missing files
 * (and pad files) get size and time 0. Call it after the writes the
 * record's bitfield covers have completed. Blocking: a stat() per file.
 *
 * Returns: %FALSE with @error set when a file could not be looked at (see
 *   bt_resume_files_unchanged()); the record is then partly updated
 */
gboolean
bt_resume_update_files_from_disk (BtResume   *self,
                                  BtMetainfo *meta,
                                  const char *save_path,
                                  GError    **error)
{
  Walker walker;
  guint n_files;
  Lookup root;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (save_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_files = bt_metainfo_get_n_files (meta);
  if (self->n_files != n_files)
    bt_resume_set_n_files (self, n_files);

  walker_init (&walker, save_path);
  root = walker_open_root (&walker, error);
  if (root == LOOKUP_ERROR)
    return FALSE;

  for (guint i = 0; i < n_files; i++)
    {
      BtResumeFile *file = &self->files[i];
      struct stat st;
      Lookup found = LOOKUP_MISSING;

      if (root == LOOKUP_FOUND && !(bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD))
        found = walker_stat (&walker, bt_metainfo_get_file_path (meta, i), &st, error);
      if (found == LOOKUP_ERROR)
        {
          walker_clear (&walker);
          return FALSE;
        }
      if (found == LOOKUP_FOUND)
        {
          file->size = st.st_size;
          file->mtime = st.st_mtim.tv_sec;
          file->mtime_nsec = st.st_mtim.tv_nsec;
        }
      else
        {
          file->size = 0;
          file->mtime = 0;
          file->mtime_nsec = 0;
        }
    }

  walker_clear (&walker);
  return TRUE;
}

/**
 * bt_resume_sync_files:
 * @save_path: the download folder
 *
 * Makes sure the data written to @meta's files below @save_path is on the
 * disk (fdatasync), not only in the page cache. Call it before
 * bt_resume_update_files_from_disk() for a record whose bitfield is about
 * to be saved: otherwise a power cut could keep the record, with matching
 * sizes and times, but lose pieces it says are there. Missing files are
 * skipped. Blocking, possibly for long after a fast download: for worker
 * threads.
 *
 * Returns: %FALSE with @error set when a file could not be synced
 */
gboolean
bt_resume_sync_files (BtMetainfo *meta,
                      const char *save_path,
                      GError    **error)
{
  Walker walker;
  guint n_files;
  gboolean ok = TRUE;

  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (save_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  walker_init (&walker, save_path);
  switch (walker_open_root (&walker, error))
    {
    case LOOKUP_FOUND:
      break;
    case LOOKUP_MISSING:
      return TRUE;
    case LOOKUP_ERROR:
    default:
      return FALSE;
    }

  n_files = bt_metainfo_get_n_files (meta);
  for (guint i = 0; i < n_files && ok; i++)
    if (!(bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD) &&
        bt_metainfo_get_file_size (meta, i) > 0)
      ok = walker_sync (&walker, bt_metainfo_get_file_path (meta, i), error);

  walker_clear (&walker);
  return ok;
}
