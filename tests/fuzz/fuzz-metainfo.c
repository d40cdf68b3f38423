/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for the .torrent parser (bt-metainfo.c).
 *
 * A torrent that parses is one the engine will write to a person's disk, so
 * beyond "does not crash" this checks what storage relies on:
 *
 *  - every file that is written has a path that is safe under the download
 *    folder, starts with the torrent's name, and belongs to no other file,
 *    neither as a file nor as a folder on the way to one;
 *  - files tile the piece space: offsets follow each other, sizes add up to
 *    the total, and the pieces cover exactly that total;
 *  - the info-hash is the SHA1 of the info dictionary exactly as it appears
 *    in the file;
 *  - every string shown to a person is valid UTF-8, and names, paths and
 *    warnings carry no control character (no terminal escapes);
 *  - tracker tiers are non-empty, trackers non-empty and unique; paths stay
 *    within BT_METAINFO_MAX_PATH_LENGTH and _DEPTH, numbered ones included.
 */
#define G_LOG_DOMAIN "fuzz-metainfo"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metainfo.h"
#include "bt-path.h"
#include "bt-sha1.h"
#include "fuzz.h"

static gboolean
is_text (const char *text)
{
  return text != NULL && g_utf8_validate (text, -1, NULL);
}

/* Names, paths and warnings end up on terminals: no C0 or C1 control
 * character (ESC, CSI, ...) may come through from the torrent. */
static gboolean
is_printable (const char *text)
{
  if (!is_text (text))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
check_optional_text (const char *text)
{
  FUZZ_CHECK (text == NULL || is_text (text));
}

static guint
count_components (const char *path)
{
  guint n = 1;

  for (const char *p = path; *p != '\0'; p++)
    n += *p == '/';
  return n;
}

static void
check_identity (BtMetainfo *info,
                GBytes     *input)
{
  GBytes *info_bytes = bt_metainfo_get_info_bytes (info);
  const guint8 *info_data;
  gsize info_len = 0;
  guint8 digest[BT_SHA1_LENGTH];
  g_autofree char *hex = NULL;
  g_autoptr(BtBencode) info_dict = NULL;
  g_autoptr(GError) error = NULL;

  FUZZ_CHECK (g_bytes_equal (bt_metainfo_get_bytes (info), input));

  /* The info-hash covers the bytes as written, found inside the file. */
  FUZZ_CHECK (info_bytes != NULL);
  info_data = g_bytes_get_data (info_bytes, &info_len);
  FUZZ_CHECK (info_len >= 2 && info_len < g_bytes_get_size (input));
  FUZZ_CHECK (memmem (g_bytes_get_data (input, NULL), g_bytes_get_size (input),
                      info_data, info_len) != NULL);
  bt_sha1 (info_data, info_len, digest);
  FUZZ_CHECK (memcmp (digest, bt_metainfo_get_info_hash (info), BT_SHA1_LENGTH) == 0);
  hex = bt_hex_encode (digest, BT_SHA1_LENGTH);
  FUZZ_CHECK (g_strcmp0 (hex, bt_metainfo_get_info_hash_hex (info)) == 0);
  FUZZ_CHECK (strlen (hex) == 2 * BT_SHA1_LENGTH);

  info_dict = bt_bencode_decode (info_bytes, NULL, &error);
  FUZZ_CHECK (info_dict != NULL && bt_bencode_is_type (info_dict, BT_BENCODE_DICT));
}

static void
check_files (BtMetainfo *info)
{
  const char *name = bt_metainfo_get_name (info);
  guint n_files = bt_metainfo_get_n_files (info);
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *folder = g_strconcat (name, "/", NULL);
  guint64 offset = 0;
  guint64 wanted = 0;

  FUZZ_CHECK (n_files >= 1 && n_files <= BT_METAINFO_MAX_FILES);
  if (!bt_metainfo_is_multi_file (info))
    FUZZ_CHECK (n_files == 1);

  for (guint i = 0; i < n_files; i++)
    {
      const char *path = bt_metainfo_get_file_path (info, i);
      const char *original = bt_metainfo_get_file_original_path (info, i);
      guint64 size = bt_metainfo_get_file_size (info, i);
      BtMetainfoFileFlags flags = bt_metainfo_get_file_flags (info, i);
      gboolean pad = (flags & BT_METAINFO_FILE_PAD) != 0;

      FUZZ_CHECK (path != NULL);
      FUZZ_CHECK (is_printable (original));
      FUZZ_CHECK (bt_metainfo_get_file_offset (info, i) == offset);
      FUZZ_CHECK (size <= (guint64) G_MAXINT64 - offset);
      offset += size;

      if (pad)
        {
          FUZZ_CHECK (!(flags & BT_METAINFO_FILE_RENAMED));
          continue;
        }
      wanted += size;

      FUZZ_CHECK (bt_path_is_safe_relative (path) && is_printable (path));
      FUZZ_CHECK (count_components (path) <= 1 + BT_METAINFO_MAX_PATH_DEPTH);
      /* Numbering a clashing file must not push it over the limit either. */
      FUZZ_CHECK (strlen (path) <= BT_METAINFO_MAX_PATH_LENGTH);
      if (bt_metainfo_is_multi_file (info))
        FUZZ_CHECK (g_str_has_prefix (path, folder));
      else
        FUZZ_CHECK (strcmp (path, name) == 0);
      /* RENAMED says exactly whether the path differs from the torrent's. */
      FUZZ_CHECK (!!(flags & BT_METAINFO_FILE_RENAMED) == (strcmp (path, original) != 0));

      FUZZ_CHECK (!g_hash_table_contains (paths, path));
      g_hash_table_add (paths, (gpointer) path);
    }

  FUZZ_CHECK (bt_metainfo_get_total_size (info) == offset);
  FUZZ_CHECK (bt_metainfo_get_wanted_size (info) == wanted);

  /* No file sits where another file needs a folder. */
  for (guint i = 0; i < n_files; i++)
    {
      const char *path = bt_metainfo_get_file_path (info, i);

      if (bt_metainfo_get_file_flags (info, i) & BT_METAINFO_FILE_PAD)
        continue;
      for (const char *slash = strchr (path, '/'); slash != NULL; slash = strchr (slash + 1, '/'))
        {
          g_autofree char *parent = g_strndup (path, slash - path);

          FUZZ_CHECK (!g_hash_table_contains (paths, parent));
        }
    }
}

static void
check_pieces (BtMetainfo *info)
{
  guint64 total = bt_metainfo_get_total_size (info);
  guint32 piece_length = bt_metainfo_get_piece_length (info);
  guint32 n_pieces = bt_metainfo_get_n_pieces (info);
  guint64 sum = 0;
  guint8 mix = 0;

  FUZZ_CHECK (piece_length > 0 && piece_length <= BT_METAINFO_MAX_PIECE_LENGTH);
  FUZZ_CHECK (n_pieces == total / piece_length + (total % piece_length != 0));

  for (guint32 piece = 0; piece < n_pieces; piece++)
    {
      guint32 size = bt_metainfo_get_piece_size (info, piece);
      const guint8 *hash = bt_metainfo_get_piece_hash (info, piece);

      FUZZ_CHECK (size > 0 && size <= piece_length);
      FUZZ_CHECK (piece + 1 == n_pieces || size == piece_length);
      sum += size;

      /* Read all 20 bytes, so AddressSanitizer sees a hash out of bounds. */
      FUZZ_CHECK (hash != NULL);
      for (guint b = 0; b < BT_PIECE_HASH_LENGTH; b++)
        mix ^= hash[b];
    }
  FUZZ_CHECK (sum == total);
  (void) mix;
}

static void
check_url_list (const char * const *urls,
                GHashTable         *seen)
{
  FUZZ_CHECK (urls != NULL);
  for (guint i = 0; urls[i] != NULL; i++)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (urls[i]));

      FUZZ_CHECK (is_text (urls[i]) && *urls[i] != '\0');
      FUZZ_CHECK (strcmp (stripped, urls[i]) == 0);
      FUZZ_CHECK (!g_hash_table_contains (seen, urls[i]));
      g_hash_table_add (seen, (gpointer) urls[i]);
    }
}

static void
check_trackers (BtMetainfo *info)
{
  g_autoptr(GHashTable) trackers = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) web_seeds = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_tiers = bt_metainfo_get_n_tiers (info);

  for (guint t = 0; t < n_tiers; t++)
    {
      const char * const *tier = bt_metainfo_get_tier (info, t);

      FUZZ_CHECK (tier != NULL && tier[0] != NULL);
      check_url_list (tier, trackers);
    }
  FUZZ_CHECK (g_hash_table_size (trackers) <= BT_METAINFO_MAX_TRACKERS);

  check_url_list (bt_metainfo_get_web_seeds (info), web_seeds);
  FUZZ_CHECK (g_hash_table_size (web_seeds) <= BT_METAINFO_MAX_WEB_SEEDS);
}

static void
check_metainfo (BtMetainfo *info,
                GBytes     *input)
{
  const char * const *warnings = bt_metainfo_get_warnings (info);
  const char *name = bt_metainfo_get_name (info);

  check_identity (info, input);

  /* The name is one component: the single file, or the top folder. */
  FUZZ_CHECK (bt_path_is_safe_relative (name) && strchr (name, '/') == NULL);
  FUZZ_CHECK (is_printable (name));
  check_optional_text (bt_metainfo_get_comment (info));
  check_optional_text (bt_metainfo_get_created_by (info));
  check_optional_text (bt_metainfo_get_source (info));
  (void) bt_metainfo_get_creation_date (info);
  (void) bt_metainfo_is_private (info);

  FUZZ_CHECK (warnings != NULL);
  for (guint i = 0; warnings[i] != NULL; i++)
    FUZZ_CHECK (is_printable (warnings[i]));

  check_files (info);
  check_pieces (info);
  check_trackers (info);
}

static void
parse_and_check (GBytes *bytes)
{
  g_autoptr(BtMetainfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = bt_metainfo_new_from_bytes (bytes, &error);
  if (info == NULL)
    {
      /* Every refusal is a BT_ERROR a person can read. */
      FUZZ_CHECK (error != NULL && error->domain == BT_ERROR);
      FUZZ_CHECK (error->message != NULL && *error->message != '\0');
      FUZZ_CHECK (is_text (error->message));
      return;
    }

  FUZZ_CHECK (error == NULL);
  check_metainfo (info, bytes);
}

/* Most mutations of a file's size or of the piece length leave the piece
 * hashes one piece short or long, and the parser stops there, before the
 * paths. So each input is also tried with "pieces" resized to what its sizes
 * need: the fuzzer then explores names, paths and trackers as freely as
 * sizes. Returns NULL when the input has no such reading. */
static GBytes *
repair_pieces (GBytes *bytes)
{
  g_autoptr(BtBencode) root = NULL;
  BtBencode *info, *length, *files, *piece_length, *pieces;
  guint64 total = 0;
  guint64 n_pieces;
  gint64 plen;
  gsize old_len = 0;

  root = bt_bencode_decode_prefix (bytes, NULL, NULL, NULL);
  info = bt_bencode_dict_lookup_type (root, "info", BT_BENCODE_DICT);
  piece_length = bt_bencode_dict_lookup_type (info, "piece length", BT_BENCODE_INTEGER);
  pieces = bt_bencode_dict_lookup_type (info, "pieces", BT_BENCODE_STRING);
  if (piece_length == NULL || pieces == NULL)
    return NULL;
  plen = bt_bencode_get_integer (piece_length);
  if (plen <= 0 || plen > BT_METAINFO_MAX_PIECE_LENGTH)
    return NULL;

  length = bt_bencode_dict_lookup_type (info, "length", BT_BENCODE_INTEGER);
  files = bt_bencode_dict_lookup_type (info, "files", BT_BENCODE_LIST);
  /* As the parser reads it: "files" wins over "length". */
  if (files == NULL && length != NULL && bt_bencode_get_integer (length) >= 0)
    total = bt_bencode_get_integer (length);
  for (guint i = 0; files != NULL && i < bt_bencode_get_length (files); i++)
    {
      BtBencode *entry = bt_bencode_list_get (files, i);
      BtBencode *file_length = bt_bencode_dict_lookup_type (entry, "length", BT_BENCODE_INTEGER);

      if (file_length != NULL && bt_bencode_get_integer (file_length) >= 0)
        total += MIN (bt_bencode_get_integer (file_length), (gint64) G_MAXUINT32);
    }

  /* A few MiB of hashes at most, so a repaired input stays quick. */
  n_pieces = total / plen + (total % plen != 0);
  bt_bencode_get_string (pieces, &old_len);
  if (n_pieces > 100000 || n_pieces * BT_PIECE_HASH_LENGTH == old_len)
    return NULL;

  {
    g_autofree guint8 *zeros = g_malloc0 (n_pieces * BT_PIECE_HASH_LENGTH + 1);

    bt_bencode_dict_set (info, "pieces",
                         bt_bencode_new_string_len (zeros, n_pieces * BT_PIECE_HASH_LENGTH));
  }
  return bt_bencode_encode (root);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GBytes) repaired = NULL;

  fuzz_init_once ();

  parse_and_check (bytes);

  repaired = repair_pieces (bytes);
  if (repaired != NULL)
    parse_and_check (repaired);
  return 0;
}
