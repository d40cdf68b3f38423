/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-metainfo"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo.h"
#include "bt-path.h"
#include "bt-sha1.h"

typedef struct
{
  char                *path;          /* as written, relative to the download folder */
  char                *original_path; /* as the torrent says, made printable */
  guint64              offset;
  guint64              size;
  BtMetainfoFileFlags  flags;
} BtMetainfoFile;

struct _BtMetainfo
{
  GObject     parent_instance;

  GBytes     *bytes;
  GBytes     *info_bytes;
  guint8      info_hash[BT_INFO_HASH_LENGTH];
  char       *info_hash_hex;

  char       *name;
  char       *original_name;
  gboolean    multi_file;
  gboolean    is_private;
  char       *comment;
  char       *created_by;
  gint64      creation_date;
  char       *source;

  guint64     total_size;
  guint64     wanted_size;
  guint32     piece_length;
  guint32     n_pieces;
  GBytes     *piece_hashes;

  GArray     *files;    /* of BtMetainfoFile */
  GPtrArray  *tiers;    /* of GStrv */
  GStrv       web_seeds;
  GPtrArray  *warnings; /* of char*, NULL-terminated */
  guint       dropped_trackers;
};

G_DEFINE_FINAL_TYPE (BtMetainfo, bt_metainfo, G_TYPE_OBJECT)

/* Auxiliary functions */

static void
file_clear (BtMetainfoFile *file)
{
  g_clear_pointer (&file->path, g_free);
  g_clear_pointer (&file->original_path, g_free);
}

static void
add_warning (BtMetainfo *self,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (BtMetainfo *self,
             const char *format,
             ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* Keep the array NULL-terminated for bt_metainfo_get_warnings(). */
  g_ptr_array_insert (self->warnings, self->warnings->len - 1, message);
}

/* How a name from the torrent is shown to a person when it had to be
 * changed: bytes that are not UTF-8 become U+FFFD and NULs are visible, so
 * the difference from the saved name is apparent. */
static char *
make_printable_full (const guint8 *data,
                     gsize         length,
                     gboolean      multi_line)
{
  /* An embedded NUL is invalid to g_utf8_validate_len(), so it is
   * replaced too and the result is one whole C string. Control characters
   * are replaced as well: these strings end up on terminals, and a torrent
   * must not be able to send escape sequences to them. */
  GString *out = g_string_new (NULL);
  g_autofree char *valid = g_utf8_make_valid ((const char *) data, length);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) && !(multi_line && (c == '\n' || c == '\t')))
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (out, FALSE);
}

static char *
make_printable (const guint8 *data,
                gsize         length)
{
  return make_printable_full (data, length, FALSE);
}

/* A text field: its ".utf-8" twin wins when it is valid UTF-8, as the
 * clients that wrote them intended; otherwise invalid bytes are replaced so
 * the text can always be shown. */
static char *
dup_text (BtBencode  *dict,
          const char *key)
{
  g_autofree char *utf8_key = g_strconcat (key, ".utf-8", NULL);
  BtBencode *value = bt_bencode_dict_lookup_type (dict, utf8_key, BT_BENCODE_STRING);
  const guint8 *data;
  gsize len;

  if (value != NULL)
    {
      data = bt_bencode_get_string (value, &len);
      if (g_utf8_validate_len ((const char *) data, len, NULL))
        return make_printable_full (data, len, TRUE);
    }

  value = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_STRING);
  if (value == NULL)
    return NULL;
  data = bt_bencode_get_string (value, &len);
  return make_printable_full (data, len, TRUE);
}

/* Picks "path.utf-8" over "path" when it is a list of valid UTF-8 strings,
 * so that a torrent's intended names win over a legacy encoding. */
static BtBencode *
pick_path_list (BtBencode *file_dict)
{
  BtBencode *utf8 = bt_bencode_dict_lookup_type (file_dict, "path.utf-8", BT_BENCODE_LIST);

  if (utf8 != NULL)
    {
      gboolean ok = TRUE;

      for (guint i = 0; ok && i < bt_bencode_get_length (utf8); i++)
        {
          BtBencode *part = bt_bencode_list_get (utf8, i);
          const guint8 *data;
          gsize len;

          if (!bt_bencode_is_type (part, BT_BENCODE_STRING))
            ok = FALSE;
          else
            {
              data = bt_bencode_get_string (part, &len);
              ok = g_utf8_validate_len ((const char *) data, len, NULL);
            }
        }
      if (ok)
        return utf8;
    }
  return bt_bencode_dict_lookup (file_dict, "path");
}

static BtMetainfoFileFlags
parse_attributes (BtBencode *file_dict)
{
  BtBencode *attr = bt_bencode_dict_lookup_type (file_dict, "attr", BT_BENCODE_STRING);
  BtMetainfoFileFlags flags = BT_METAINFO_FILE_NONE;
  const guint8 *data;
  gsize len;

  if (attr == NULL)
    return flags;
  data = bt_bencode_get_string (attr, &len);
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == 'p')
        flags |= BT_METAINFO_FILE_PAD;
      else if (data[i] == 'x')
        flags |= BT_METAINFO_FILE_EXECUTABLE;
      else if (data[i] == 'h')
        flags |= BT_METAINFO_FILE_HIDDEN;
    }
  return flags;
}

static gboolean
read_size (BtBencode   *dict,
           const char  *what,
           guint64     *size,
           GError     **error)
{
  BtBencode *length = bt_bencode_dict_lookup (dict, "length");
  gint64 value;

  if (!bt_bencode_is_type (length, BT_BENCODE_INTEGER))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                   "The size of %s is missing", what);
      return FALSE;
    }
  value = bt_bencode_get_integer (length);
  if (value < 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_SIZE,
                   "The size of %s is negative (%" G_GINT64_FORMAT " bytes)", what, value);
      return FALSE;
    }
  *size = (guint64) value;
  return TRUE;
}

/* Builds the path a file will be written to, relative to the download
 * folder: the torrent's name, then each component made safe. Components
 * with no safe reading ("", ".", "..") are dropped. */
static gboolean
build_file_path (BtMetainfo      *self,
                 guint            index,
                 BtBencode       *path_list,
                 BtMetainfoFile  *file,
                 GError         **error)
{
  g_autoptr(GString) path = g_string_new (self->name);
  g_autoptr(GString) original = g_string_new (self->name);
  guint n_parts = bt_bencode_get_length (path_list);
  guint kept = 0;

  if (n_parts > BT_METAINFO_MAX_PATH_DEPTH)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PATH,
                   "The path of file %u is %u folders deep; at most %u are supported",
                   index + 1, n_parts, BT_METAINFO_MAX_PATH_DEPTH);
      return FALSE;
    }

  for (guint i = 0; i < n_parts; i++)
    {
      BtBencode *part = bt_bencode_list_get (path_list, i);
      g_autofree char *safe = NULL;
      g_autofree char *printable = NULL;
      const guint8 *data;
      gsize len;

      if (!bt_bencode_is_type (part, BT_BENCODE_STRING))
        {
          g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                       "The path of file %u holds something other than names", index + 1);
          return FALSE;
        }
      data = bt_bencode_get_string (part, &len);
      printable = make_printable (data, len);
      g_string_append_c (original, '/');
      g_string_append (original, printable);

      safe = bt_path_sanitize_component (data, len);
      if (*safe == '\0')
        continue;
      g_string_append_c (path, '/');
      g_string_append (path, safe);
      kept++;
    }

  /* Every component was dropped: the file still needs a name of its own,
   * or it would collide with the torrent's folder. */
  if (kept == 0)
    g_string_append (path, "/_");

  if (path->len > BT_METAINFO_MAX_PATH_LENGTH)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PATH,
                   "The path of file %u is %" G_GSIZE_FORMAT " bytes long; at most %u fit "
                   "in a folder on this system",
                   index + 1, path->len, BT_METAINFO_MAX_PATH_LENGTH);
      return FALSE;
    }

  file->path = g_string_free (g_steal_pointer (&path), FALSE);
  file->original_path = g_string_free (g_steal_pointer (&original), FALSE);
  return TRUE;
}

static gboolean
parse_files (BtMetainfo  *self,
             BtBencode   *info,
             GError     **error)
{
  BtBencode *files = bt_bencode_dict_lookup (info, "files");
  guint64 offset = 0;
  guint n_files;

  if (files == NULL)
    {
      BtMetainfoFile file = { 0 };

      if (bt_bencode_dict_lookup (info, "length") == NULL)
        {
          if (bt_bencode_dict_lookup (info, "file tree") != NULL)
            g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_UNSUPPORTED,
                         "This is a BitTorrent v2-only torrent, which is not supported yet");
          else
            g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_NO_FILES,
                         "The torrent lists no files");
          return FALSE;
        }
      if (!read_size (info, "the torrent's file", &file.size, error))
        return FALSE;
      if (file.size > G_MAXINT64)
        goto overflow;
      file.path = g_strdup (self->name);
      file.original_path = g_strdup (self->original_name);
      g_array_append_val (self->files, file);
      self->total_size = file.size;
      self->wanted_size = file.size;
      return TRUE;
    }

  if (!bt_bencode_is_type (files, BT_BENCODE_LIST))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                   "The torrent's file list is not a list");
      return FALSE;
    }
  n_files = bt_bencode_get_length (files);
  if (n_files == 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_NO_FILES, "The torrent lists no files");
      return FALSE;
    }
  if (n_files > BT_METAINFO_MAX_FILES)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_LIMIT,
                   "The torrent lists %u files; at most %u are supported",
                   n_files, BT_METAINFO_MAX_FILES);
      return FALSE;
    }

  self->multi_file = TRUE;
  g_array_set_size (self->files, n_files);

  for (guint i = 0; i < n_files; i++)
    {
      BtBencode *entry = bt_bencode_list_get (files, i);
      BtMetainfoFile *file = &g_array_index (self->files, BtMetainfoFile, i);
      g_autofree char *what = g_strdup_printf ("file %u", i + 1);
      BtBencode *path_list;

      if (!bt_bencode_is_type (entry, BT_BENCODE_DICT))
        {
          g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                       "Entry %u of the torrent's file list is not a file", i + 1);
          return FALSE;
        }
      if (!read_size (entry, what, &file->size, error))
        return FALSE;

      path_list = pick_path_list (entry);
      if (!bt_bencode_is_type (path_list, BT_BENCODE_LIST))
        {
          g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                       "File %u of the torrent has no path", i + 1);
          return FALSE;
        }

      file->flags = parse_attributes (entry);
      file->offset = offset;
      if (!build_file_path (self, i, path_list, file, error))
        return FALSE;

      if (file->size > (guint64) G_MAXINT64 - offset)
        goto overflow;
      offset += file->size;
      if (!(file->flags & BT_METAINFO_FILE_PAD))
        self->wanted_size += file->size;
    }

  self->total_size = offset;
  return TRUE;

overflow:
  g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_SIZE,
               "The sizes of the torrent's files add up to more than any disk can hold");
  return FALSE;
}

/* Two files must never share a path, and a file must never have the path of
 * a folder that another file needs: the second would overwrite the first or
 * fail to be created. Folders keep their names; clashing files are
 * numbered ("name.1.ext") in the order the torrent lists them. */
static gboolean
disambiguate_paths (BtMetainfo  *self,
                    GError     **error)
{
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) originals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Per clashing path, the first counter not yet known to be taken: a
   * torrent listing the same name a hundred thousand times must not cost
   * a hundred thousand tries per file. (Taken paths stay taken, so
   * starting there picks the same numbers as starting at 1.) */
  g_autoptr(GHashTable) next_counter = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < self->files->len; i++)
    {
      BtMetainfoFile *file = &g_array_index (self->files, BtMetainfoFile, i);

      if (file->flags & BT_METAINFO_FILE_PAD)
        continue;
      g_hash_table_add (originals, g_strdup (file->path));

      /* Every folder on the way to the file is taken. */
      for (char *slash = strchr (file->path, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
        g_hash_table_add (taken, g_strndup (file->path, slash - file->path));
    }

  for (guint i = 0; i < self->files->len; i++)
    {
      BtMetainfoFile *file = &g_array_index (self->files, BtMetainfoFile, i);

      if (file->flags & BT_METAINFO_FILE_PAD)
        continue;

      if (g_hash_table_contains (taken, file->path))
        {
          g_autofree char *candidate = NULL;
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (next_counter, file->path));

          for (n = MAX (n, 1); ; n++)
            {
              g_free (candidate);
              candidate = bt_path_add_counter (file->path, n);
              if (candidate == NULL)
                {
                  g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PATH,
                               "File %u has the same path as another file, and the path is "
                               "too long to tell them apart", i + 1);
                  return FALSE;
                }
              if (!g_hash_table_contains (taken, candidate)
                  && !g_hash_table_contains (originals, candidate))
                break;
            }
          g_hash_table_replace (next_counter, g_strdup (file->path), GUINT_TO_POINTER (n + 1));
          g_free (file->path);
          file->path = g_steal_pointer (&candidate);
        }
      g_hash_table_add (taken, g_strdup (file->path));
    }
  return TRUE;
}

static gboolean
parse_pieces (BtMetainfo  *self,
              BtBencode   *info,
              GError     **error)
{
  BtBencode *piece_length = bt_bencode_dict_lookup (info, "piece length");
  BtBencode *pieces = bt_bencode_dict_lookup (info, "pieces");
  gint64 length;
  guint64 expected;
  gsize hashes_len;

  if (!bt_bencode_is_type (piece_length, BT_BENCODE_INTEGER))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PIECES,
                   "The torrent has no piece length");
      return FALSE;
    }
  length = bt_bencode_get_integer (piece_length);
  if (length <= 0 || length > BT_METAINFO_MAX_PIECE_LENGTH)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PIECES,
                   "The torrent's piece length of %" G_GINT64_FORMAT " bytes is %s",
                   length, length <= 0 ? "not positive" : "larger than the 256 MiB supported");
      return FALSE;
    }
  self->piece_length = (guint32) length;

  if (!bt_bencode_is_type (pieces, BT_BENCODE_STRING))
    {
      if (pieces == NULL && bt_bencode_dict_lookup (info, "file tree") != NULL)
        g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_UNSUPPORTED,
                     "This is a BitTorrent v2-only torrent, which is not supported yet");
      else
        g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PIECES,
                     "The torrent has no piece hashes");
      return FALSE;
    }

  bt_bencode_get_string (pieces, &hashes_len);
  expected = self->total_size / self->piece_length
             + (self->total_size % self->piece_length != 0);
  if (expected > BT_METAINFO_MAX_PIECES)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PIECES,
                   "The torrent would have %" G_GUINT64_FORMAT " pieces; at most %u are "
                   "supported", expected, BT_METAINFO_MAX_PIECES);
      return FALSE;
    }
  if (hashes_len % BT_PIECE_HASH_LENGTH != 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PIECES,
                   "The hash of piece %" G_GSIZE_FORMAT " is truncated: it has %" G_GSIZE_FORMAT
                   " of 20 bytes",
                   hashes_len / BT_PIECE_HASH_LENGTH, hashes_len % BT_PIECE_HASH_LENGTH);
      return FALSE;
    }
  if (hashes_len / BT_PIECE_HASH_LENGTH < expected)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PIECES,
                   "The piece hash list is truncated at piece %" G_GSIZE_FORMAT ": "
                   "%" G_GUINT64_FORMAT " bytes of data need %" G_GUINT64_FORMAT
                   " piece hashes but only %" G_GSIZE_FORMAT " are present",
                   hashes_len / BT_PIECE_HASH_LENGTH, self->total_size, expected,
                   hashes_len / BT_PIECE_HASH_LENGTH);
      return FALSE;
    }
  if (hashes_len / BT_PIECE_HASH_LENGTH > expected)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_BAD_PIECES,
                   "The torrent has %" G_GSIZE_FORMAT " piece hashes but its %"
                   G_GUINT64_FORMAT " bytes of data make only %" G_GUINT64_FORMAT " pieces",
                   hashes_len / BT_PIECE_HASH_LENGTH, self->total_size, expected);
      return FALSE;
    }

  self->n_pieces = (guint32) expected;
  self->piece_hashes = bt_bencode_get_bytes (pieces);
  return TRUE;
}

static gboolean
add_tracker (BtMetainfo  *self,
             GHashTable  *seen,
             GPtrArray   *tier,
             BtBencode   *url)
{
  g_autofree char *text = NULL;
  const guint8 *data;
  gsize len;

  if (!bt_bencode_is_type (url, BT_BENCODE_STRING))
    return FALSE;
  data = bt_bencode_get_string (url, &len);
  if (!g_utf8_validate_len ((const char *) data, len, NULL))
    return FALSE;
  if (memchr (data, '\0', len) != NULL)
    return FALSE;
  text = g_strstrip (g_strndup ((const char *) data, len));
  if (*text == '\0' || g_hash_table_contains (seen, text))
    return FALSE;
  /* A URL holds no control characters; one that does is garbage or an
   * attempt to put escape sequences on a terminal. */
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  if (g_hash_table_size (seen) >= BT_METAINFO_MAX_TRACKERS)
    {
      self->dropped_trackers++;
      return FALSE;
    }

  g_hash_table_add (seen, g_strdup (text));
  g_ptr_array_add (tier, g_steal_pointer (&text));
  return TRUE;
}

static void
finish_tier (BtMetainfo *self,
             GPtrArray  *tier)
{
  if (tier->len == 0)
    return;
  g_ptr_array_add (tier, NULL);
  g_ptr_array_add (self->tiers, g_ptr_array_free (tier, FALSE));
}

/* BEP 12: "announce-list" replaces "announce" when it holds any tracker.
 * Entries that are not text, duplicates and empty tiers are dropped rather
 * than refused: a torrent with a messy list still downloads elsewhere. */
static void
parse_trackers (BtMetainfo *self,
                BtBencode  *root)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  BtBencode *list = bt_bencode_dict_lookup_type (root, "announce-list", BT_BENCODE_LIST);

  for (guint i = 0; list != NULL && i < bt_bencode_get_length (list); i++)
    {
      BtBencode *tier_list = bt_bencode_list_get (list, i);
      GPtrArray *tier = g_ptr_array_new_with_free_func (g_free);

      if (bt_bencode_is_type (tier_list, BT_BENCODE_LIST))
        {
          for (guint j = 0; j < bt_bencode_get_length (tier_list); j++)
            add_tracker (self, seen, tier, bt_bencode_list_get (tier_list, j));
        }
      else if (bt_bencode_is_type (tier_list, BT_BENCODE_STRING))
        add_tracker (self, seen, tier, tier_list);

      if (tier->len > 0)
        finish_tier (self, tier);
      else
        g_ptr_array_unref (tier);
    }

  if (self->tiers->len == 0)
    {
      GPtrArray *tier = g_ptr_array_new_with_free_func (g_free);

      add_tracker (self, seen, tier, bt_bencode_dict_lookup (root, "announce"));
      if (tier->len > 0)
        finish_tier (self, tier);
      else
        g_ptr_array_unref (tier);
    }

  if (self->dropped_trackers > 0)
    add_warning (self, "Only the first %u trackers are used; %u more are ignored",
                 BT_METAINFO_MAX_TRACKERS, self->dropped_trackers);
}

static void
parse_web_seeds (BtMetainfo *self,
                 BtBencode  *root)
{
  BtBencode *urls = bt_bencode_dict_lookup (root, "url-list");
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (bt_bencode_is_type (urls, BT_BENCODE_STRING))
    add_tracker (self, seen, out, urls);
  else if (bt_bencode_is_type (urls, BT_BENCODE_LIST))
    for (guint i = 0; i < bt_bencode_get_length (urls) && out->len < BT_METAINFO_MAX_WEB_SEEDS; i++)
      add_tracker (self, seen, out, bt_bencode_list_get (urls, i));

  g_ptr_array_add (out, NULL);
  self->web_seeds = (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static gboolean
parse_name (BtMetainfo  *self,
            BtBencode   *info,
            GError     **error)
{
  BtBencode *name = bt_bencode_dict_lookup_type (info, "name.utf-8", BT_BENCODE_STRING);
  const guint8 *data = NULL;
  gsize len = 0;

  if (name != NULL)
    {
      data = bt_bencode_get_string (name, &len);
      if (!g_utf8_validate_len ((const char *) data, len, NULL))
        name = NULL;
    }
  if (name == NULL)
    name = bt_bencode_dict_lookup_type (info, "name", BT_BENCODE_STRING);
  if (name == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_NO_NAME, "The torrent has no name");
      return FALSE;
    }

  data = bt_bencode_get_string (name, &len);
  self->original_name = make_printable (data, len);
  self->name = bt_path_sanitize_component (data, len);
  if (*self->name == '\0')
    {
      /* As libtorrent does: a name like ".." or "" still leaves the
       * info-hash, which is unique and safe. */
      g_free (self->name);
      self->name = g_strdup (self->info_hash_hex);
    }
  return TRUE;
}

static void
note_renamed_files (BtMetainfo *self)
{
  for (guint i = 0; i < self->files->len; i++)
    {
      BtMetainfoFile *file = &g_array_index (self->files, BtMetainfoFile, i);

      if (file->flags & BT_METAINFO_FILE_PAD)
        continue;
      if (strcmp (file->path, file->original_path) != 0)
        {
          file->flags |= BT_METAINFO_FILE_RENAMED;
          add_warning (self, "“%s” is saved as “%s”", file->original_path, file->path);
        }
    }
}

static gboolean
bt_metainfo_parse (BtMetainfo  *self,
                   GBytes      *bytes,
                   GError     **error)
{
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  BtBencode *info;
  BtBencode *value;
  gsize info_len;
  const guint8 *info_data;
  gsize consumed = 0;

  /* Data after the torrent's dictionary (a stray newline, padding added by
   * a web server) is ignored, as Transmission and aria2 ignore it: the
   * dictionary itself is still read strictly. */
  root = bt_bencode_decode_prefix (bytes, NULL, &consumed, &local_error);
  if (root == NULL)
    {
      g_set_error (error, BT_ERROR, local_error->code,
                   "This is not a valid torrent file: %s", local_error->message);
      return FALSE;
    }
  if (!bt_bencode_is_type (root, BT_BENCODE_DICT))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                   "This is not a torrent file: it does not start with a dictionary");
      return FALSE;
    }

  info = bt_bencode_dict_lookup (root, "info");
  if (!bt_bencode_is_type (info, BT_BENCODE_DICT))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID,
                   "This is not a torrent file: it has no “info” dictionary");
      return FALSE;
    }

  /* The info-hash is over the bytes as they are in the file, never over a
   * re-encoding: a torrent with unsorted keys must keep its identity. */
  self->bytes = g_bytes_ref (bytes);
  self->info_bytes = bt_bencode_get_raw (info);
  info_data = g_bytes_get_data (self->info_bytes, &info_len);
  bt_sha1 (info_data, info_len, self->info_hash);
  self->info_hash_hex = bt_hex_encode (self->info_hash, BT_INFO_HASH_LENGTH);

  if (consumed < g_bytes_get_size (bytes))
    add_warning (self, "%" G_GSIZE_FORMAT " bytes of extra data after the torrent are ignored",
                 g_bytes_get_size (bytes) - consumed);

  if (!parse_name (self, info, error)
      || !parse_files (self, info, error)
      || !parse_pieces (self, info, error))
    return FALSE;

  /* A multi-file torrent's folder is named once; its files are listed
   * below it. A single file's rename is noted with the files. */
  if (self->multi_file && strcmp (self->name, self->original_name) != 0)
    add_warning (self, "The torrent's folder “%s” is saved as “%s”",
                 self->original_name, self->name);
  if (!disambiguate_paths (self, error))
    return FALSE;
  note_renamed_files (self);
  parse_trackers (self, root);
  parse_web_seeds (self, root);

  value = bt_bencode_dict_lookup_type (info, "private", BT_BENCODE_INTEGER);
  self->is_private = value != NULL && bt_bencode_get_integer (value) == 1;

  self->comment = dup_text (root, "comment");
  self->created_by = dup_text (root, "created by");
  self->source = dup_text (info, "source");
  value = bt_bencode_dict_lookup_type (root, "creation date", BT_BENCODE_INTEGER);
  self->creation_date = value != NULL ? bt_bencode_get_integer (value) : 0;

  return TRUE;
}

/* GObject overrides */

static void
bt_metainfo_finalize (GObject *object)
{
  BtMetainfo *self = (BtMetainfo *) object;

  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->info_bytes, g_bytes_unref);
  g_clear_pointer (&self->info_hash_hex, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->original_name, g_free);
  g_clear_pointer (&self->comment, g_free);
  g_clear_pointer (&self->created_by, g_free);
  g_clear_pointer (&self->source, g_free);
  g_clear_pointer (&self->piece_hashes, g_bytes_unref);
  g_clear_pointer (&self->files, g_array_unref);
  g_clear_pointer (&self->tiers, g_ptr_array_unref);
  g_clear_pointer (&self->web_seeds, g_strfreev);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);

  G_OBJECT_CLASS (bt_metainfo_parent_class)->finalize (object);
}

static void
bt_metainfo_class_init (BtMetainfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bt_metainfo_finalize;
}

static void
bt_metainfo_init (BtMetainfo *self)
{
  self->files = g_array_new (FALSE, TRUE, sizeof (BtMetainfoFile));
  g_array_set_clear_func (self->files, (GDestroyNotify) file_clear);
  self->tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->warnings, NULL);
}

/* Public API */

/**
 * bt_metainfo_new_from_bytes:
 * @bytes: the contents of a .torrent file
 *
 * Reads a torrent. Names are made safe to write (see bt-path.c); what was
 * changed is listed by bt_metainfo_get_warnings(). Only a torrent with no
 * safe reading is refused.
 *
 * Returns: (transfer full): the torrent, or %NULL with @error set
 */
BtMetainfo *
bt_metainfo_new_from_bytes (GBytes  *bytes,
                            GError **error)
{
  g_autoptr(BtMetainfo) self = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (BT_TYPE_METAINFO, NULL);
  if (!bt_metainfo_parse (self, bytes, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * bt_metainfo_new_from_file:
 * @path: a .torrent file
 *
 * Returns: (transfer full): the torrent, or %NULL with @error set
 */
BtMetainfo *
bt_metainfo_new_from_file (const char  *path,
                           GError     **error)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_IO, "“%s” is a folder, not a torrent file", path);
      return NULL;
    }

  /* Mapping first lets an absurdly large file be refused by its size
   * before anything is copied. */
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  if (g_mapped_file_get_length (mapped) > BT_BENCODE_MAX_SIZE)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SIZE,
                   "“%s” is too large to be a torrent file (%" G_GSIZE_FORMAT " bytes)",
                   path, g_mapped_file_get_length (mapped));
      return NULL;
    }
  /* Copy out of the mapping: another program may truncate the file while
   * we hold it, and a mapping would then fault. */
  bytes = g_bytes_new (g_mapped_file_get_contents (mapped), g_mapped_file_get_length (mapped));
  return bt_metainfo_new_from_bytes (bytes, error);
}

/**
 * bt_metainfo_get_bytes:
 *
 * Returns: (transfer none): the .torrent file as it was read
 */
GBytes *
bt_metainfo_get_bytes (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->bytes;
}

/**
 * bt_metainfo_get_info_bytes:
 *
 * Returns: (transfer none): the exact bytes of the info dictionary, what
 * the info-hash is computed over and what ut_metadata serves
 */
GBytes *
bt_metainfo_get_info_bytes (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->info_bytes;
}

const guint8 *
bt_metainfo_get_info_hash (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->info_hash;
}

const char *
bt_metainfo_get_info_hash_hex (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->info_hash_hex;
}

/**
 * bt_metainfo_get_name:
 *
 * Returns: the name as it is written to disk: the file of a single-file
 * torrent, the top folder of a multi-file one
 */
const char *
bt_metainfo_get_name (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->name;
}

gboolean
bt_metainfo_is_multi_file (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), FALSE);
  return self->multi_file;
}

gboolean
bt_metainfo_is_private (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), FALSE);
  return self->is_private;
}

/**
 * bt_metainfo_get_comment:
 *
 * Returns: (nullable): the comment, valid UTF-8
 */
const char *
bt_metainfo_get_comment (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->comment;
}

/**
 * bt_metainfo_get_created_by:
 *
 * Returns: (nullable): the program that made the torrent
 */
const char *
bt_metainfo_get_created_by (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->created_by;
}

/**
 * bt_metainfo_get_creation_date:
 *
 * Returns: seconds since the epoch, or 0 when the torrent does not say
 */
gint64
bt_metainfo_get_creation_date (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  return self->creation_date;
}

/**
 * bt_metainfo_get_source:
 *
 * Returns: (nullable): the info dictionary's "source"
 */
const char *
bt_metainfo_get_source (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return self->source;
}

/**
 * bt_metainfo_get_total_size:
 *
 * Returns: the bytes covered by the pieces, pad files included
 */
guint64
bt_metainfo_get_total_size (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  return self->total_size;
}

/**
 * bt_metainfo_get_wanted_size:
 *
 * Returns: the bytes of real files, the size a person sees
 */
guint64
bt_metainfo_get_wanted_size (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  return self->wanted_size;
}

guint32
bt_metainfo_get_piece_length (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  return self->piece_length;
}

guint32
bt_metainfo_get_n_pieces (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  return self->n_pieces;
}

/**
 * bt_metainfo_get_piece_size:
 *
 * Returns: the length of @piece: the piece length, except for the last
 * piece, which may be shorter
 */
guint32
bt_metainfo_get_piece_size (BtMetainfo *self,
                            guint32     piece)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  g_return_val_if_fail (piece < self->n_pieces, 0);

  if (piece + 1 == self->n_pieces)
    return (guint32) (self->total_size - (guint64) piece * self->piece_length);
  return self->piece_length;
}

/**
 * bt_metainfo_get_piece_hash:
 *
 * Returns: (transfer none): the 20-byte SHA1 of @piece
 */
const guint8 *
bt_metainfo_get_piece_hash (BtMetainfo *self,
                            guint32     piece)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  g_return_val_if_fail (piece < self->n_pieces, NULL);

  return (const guint8 *) g_bytes_get_data (self->piece_hashes, NULL)
         + (gsize) piece * BT_PIECE_HASH_LENGTH;
}

/**
 * bt_metainfo_get_n_files:
 *
 * Returns: the number of files, pad files included (check
 * bt_metainfo_get_file_flags())
 */
guint
bt_metainfo_get_n_files (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  return self->files->len;
}

static BtMetainfoFile *
get_file (BtMetainfo *self,
          guint       index)
{
  return &g_array_index (self->files, BtMetainfoFile, index);
}

/**
 * bt_metainfo_get_file_path:
 *
 * Returns: the safe path the file is written to, relative to the download
 * folder, "/"-separated, starting with the torrent's name
 */
const char *
bt_metainfo_get_file_path (BtMetainfo *self,
                           guint       index)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  g_return_val_if_fail (index < self->files->len, NULL);
  return get_file (self, index)->path;
}

/**
 * bt_metainfo_get_file_original_path:
 *
 * Returns: the path as the torrent gives it, made printable; differs from
 * bt_metainfo_get_file_path() when the file was renamed
 */
const char *
bt_metainfo_get_file_original_path (BtMetainfo *self,
                                    guint       index)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  g_return_val_if_fail (index < self->files->len, NULL);
  return get_file (self, index)->original_path;
}

guint64
bt_metainfo_get_file_size (BtMetainfo *self,
                           guint       index)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  g_return_val_if_fail (index < self->files->len, 0);
  return get_file (self, index)->size;
}

/**
 * bt_metainfo_get_file_offset:
 *
 * Returns: where the file starts in the torrent's piece space
 */
guint64
bt_metainfo_get_file_offset (BtMetainfo *self,
                             guint       index)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  g_return_val_if_fail (index < self->files->len, 0);
  return get_file (self, index)->offset;
}

BtMetainfoFileFlags
bt_metainfo_get_file_flags (BtMetainfo *self,
                            guint       index)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  g_return_val_if_fail (index < self->files->len, 0);
  return get_file (self, index)->flags;
}

guint
bt_metainfo_get_n_tiers (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), 0);
  return self->tiers->len;
}

/**
 * bt_metainfo_get_tier:
 *
 * Returns: (transfer none) (array zero-terminated=1): the announce URLs of
 * @tier, in the torrent's order, duplicates removed
 */
const char * const *
bt_metainfo_get_tier (BtMetainfo *self,
                      guint       tier)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  g_return_val_if_fail (tier < self->tiers->len, NULL);
  return g_ptr_array_index (self->tiers, tier);
}

/**
 * bt_metainfo_get_web_seeds:
 *
 * Returns: (transfer none) (array zero-terminated=1): BEP 19 web seeds
 */
const char * const *
bt_metainfo_get_web_seeds (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return (const char * const *) self->web_seeds;
}

/**
 * bt_metainfo_get_warnings:
 *
 * Returns: (transfer none) (array zero-terminated=1): what was changed to
 * make the torrent safe to write, in words a person can read
 */
const char * const *
bt_metainfo_get_warnings (BtMetainfo *self)
{
  g_return_val_if_fail (BT_IS_METAINFO (self), NULL);
  return (const char * const *) self->warnings->pdata;
}

/**
 * bt_metainfo_new_from_info_dict:
 * @info_dict: an info dictionary's exact bytes (from a magnet's peers)
 * @trackers: (nullable) (array zero-terminated=1): tracker URLs, one tier
 *   each (a magnet link's "tr")
 *
 * Wraps an info dictionary as a torrent, keeping its bytes as they are so
 * that its info-hash does not change.
 *
 * Returns: (transfer full): the metainfo, or %NULL with @error set
 */
BtMetainfo *
bt_metainfo_new_from_info_dict (GBytes              *info_dict,
                                const char * const  *trackers,
                                GError             **error)
{
  g_autoptr(BtBencode) outer = bt_bencode_new_dict ();
  g_autoptr(GBytes) head = NULL;
  g_autoptr(GBytes) torrent = NULL;
  GByteArray *out;
  gsize head_length;
  const guint8 *head_data;

  g_return_val_if_fail (info_dict != NULL, NULL);

  if (trackers != NULL && trackers[0] != NULL)
    {
      BtBencode *tiers = bt_bencode_new_list ();

      bt_bencode_dict_set (outer, "announce", bt_bencode_new_string (trackers[0]));
      for (guint i = 0; trackers[i] != NULL; i++)
        {
          BtBencode *tier = bt_bencode_new_list ();

          bt_bencode_list_append (tier, bt_bencode_new_string (trackers[i]));
          bt_bencode_list_append (tiers, tier);
        }
      bt_bencode_dict_set (outer, "announce-list", tiers);
    }

  /* "info" sorts after "announce" and "announce-list", so appending it to
   * the encoded dictionary keeps the keys in canonical order. */
  head = bt_bencode_encode (outer);
  head_data = g_bytes_get_data (head, &head_length);
  out = g_byte_array_sized_new (head_length + g_bytes_get_size (info_dict) + 8);
  g_byte_array_append (out, head_data, head_length - 1);
  g_byte_array_append (out, (const guint8 *) "4:info", 6);
  g_byte_array_append (out, g_bytes_get_data (info_dict, NULL), g_bytes_get_size (info_dict));
  g_byte_array_append (out, (const guint8 *) "e", 1);
  torrent = g_byte_array_free_to_bytes (out);
  return bt_metainfo_new_from_bytes (torrent, error);
}
