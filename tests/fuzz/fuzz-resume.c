/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for the fast-resume file parser (bt-resume.c).
 *
 * A resume file is on-disk data a crash or another program may have
 * damaged, and what it says decides whether a torrent is trusted without a
 * recheck. Beyond "does not crash", every record that parses must be one
 * the engine can use as it is:
 *
 *  - the bitfield has no spare bit set and, for a record checked against
 *    its torrent, exactly the torrent's piece count; the file lists have
 *    the torrent's file count;
 *  - priorities are BtPriority values, nanoseconds below a second, counts
 *    within their limits, text valid UTF-8, the save path absolute without
 *    NUL bytes;
 *  - writing the record back and reading it again gives the same bytes
 *    (nothing is lost or invented on the way through);
 *  - every refusal is a BT_ERROR with a readable message.
 *
 * Each input is read alone and against a fixed three-file torrent, whose
 * info-hash the seeds in corpus/resume/ carry (see make-corpus.sh).
 */
#define G_LOG_DOMAIN "fuzz-resume"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-resume.h"
#include "fuzz.h"

/* The torrent of the seeds: files a.bin (40000 bytes), sub/c.txt (17) and
 * empty (0) in a folder "t", 16 KiB pieces: three pieces. */
static BtMetainfo *
fixed_torrent (void)
{
  static BtMetainfo *meta;
  const struct
  {
    const char *first;
    const char *second;
    gint64      length;
  } files[] = {
    { "a.bin", NULL, 40000 },
    { "sub", "c.txt", 17 },
    { "empty", NULL, 0 },
  };
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 zeros[60] = { 0 };
  BtBencode *info, *list;

  if (meta != NULL)
    return meta;

  root = bt_bencode_new_dict ();
  info = bt_bencode_new_dict ();
  list = bt_bencode_new_list ();
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      BtBencode *file = bt_bencode_new_dict ();
      BtBencode *path = bt_bencode_new_list ();

      bt_bencode_list_append (path, bt_bencode_new_string (files[i].first));
      if (files[i].second != NULL)
        bt_bencode_list_append (path, bt_bencode_new_string (files[i].second));
      bt_bencode_dict_set (file, "length", bt_bencode_new_integer (files[i].length));
      bt_bencode_dict_set (file, "path", path);
      bt_bencode_list_append (list, file);
    }
  bt_bencode_dict_set (info, "files", list);
  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("t"));
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (16384));
  bt_bencode_dict_set (info, "pieces", bt_bencode_new_string_len (zeros, sizeof zeros));
  bt_bencode_dict_set (root, "info", info);
  bytes = bt_bencode_encode (root);

  meta = bt_metainfo_new_from_bytes (bytes, NULL);
  FUZZ_CHECK (meta != NULL);
  FUZZ_CHECK (bt_metainfo_get_n_pieces (meta) == 3 && bt_metainfo_get_n_files (meta) == 3);
  return meta;
}

static void
check_text (const char *text,
            gboolean    nullable)
{
  if (text == NULL)
    {
      FUZZ_CHECK (nullable);
      return;
    }
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  FUZZ_CHECK (strlen (text) <= BT_RESUME_MAX_TEXT);
}

static void
check_record (const BtResume *resume)
{
  FUZZ_CHECK (resume->version >= 1 && resume->version <= BT_RESUME_FORMAT_VERSION);

  /* Only a magnet may lack pieces, and then it has no files either. */
  if (resume->have == NULL)
    FUZZ_CHECK (resume->magnet_uri != NULL && resume->n_files == 0);
  else
    {
      gsize length = 0;
      const guint8 *data = bt_bitfield_get_data (resume->have, &length);
      guint32 n_bits = bt_bitfield_get_size (resume->have);

      FUZZ_CHECK (length == ((gsize) n_bits + 7) / 8);
      if (n_bits % 8 != 0)
        FUZZ_CHECK ((data[length - 1] & (0xff >> (n_bits % 8))) == 0);
      FUZZ_CHECK (bt_bitfield_count (resume->have) <= n_bits);
    }

  FUZZ_CHECK (resume->n_files <= BT_METAINFO_MAX_FILES);
  FUZZ_CHECK (resume->n_files == 0 || resume->files != NULL);
  for (guint i = 0; i < resume->n_files; i++)
    {
      const BtResumeFile *file = &resume->files[i];

      FUZZ_CHECK (file->size <= (guint64) G_MAXINT64);
      FUZZ_CHECK (file->mtime_nsec < 1000000000);
      FUZZ_CHECK (file->priority >= BT_PRIORITY_SKIP && file->priority <= BT_PRIORITY_HIGH);
    }

  FUZZ_CHECK (resume->paused == TRUE || resume->paused == FALSE);
  FUZZ_CHECK (resume->uploaded <= (guint64) G_MAXINT64 && resume->downloaded <= (guint64) G_MAXINT64);
  FUZZ_CHECK (resume->time_added >= 0 && resume->time_completed >= 0);

  FUZZ_CHECK (resume->save_path != NULL && resume->save_path[0] == '/');
  FUZZ_CHECK (strlen (resume->save_path) < BT_RESUME_MAX_SAVE_PATH);
  check_text (resume->name, FALSE);
  check_text (resume->magnet_uri, TRUE);
  check_text (resume->error, TRUE);
  if (resume->magnet_uri != NULL)
    FUZZ_CHECK (g_ascii_strncasecmp (resume->magnet_uri, "magnet:?", 8) == 0);
}

/* Written back and read again, a record stays the same, byte for byte. */
static void
check_roundtrip (const BtResume *resume,
                 BtMetainfo     *meta)
{
  g_autoptr(GBytes) once = bt_resume_to_bytes (resume);
  g_autoptr(BtResume) back = NULL;
  g_autoptr(GBytes) twice = NULL;
  g_autoptr(GError) error = NULL;

  FUZZ_CHECK (once != NULL);
  back = bt_resume_new_from_bytes (once, meta, &error);
  FUZZ_CHECK (back != NULL && error == NULL);
  twice = bt_resume_to_bytes (back);
  FUZZ_CHECK (g_bytes_equal (once, twice));
  FUZZ_CHECK (memcmp (back->info_hash, resume->info_hash, BT_INFO_HASH_LENGTH) == 0);
}

static void
check_refusal (const GError *error)
{
  FUZZ_CHECK (error != NULL && error->domain == BT_ERROR);
  FUZZ_CHECK (error->message != NULL && *error->message != '\0');
  FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(BtResume) alone = NULL;
  g_autoptr(BtResume) matched = NULL;
  g_autoptr(GError) error = NULL;
  BtMetainfo *meta;

  fuzz_init_once ();
  meta = fixed_torrent ();

  alone = bt_resume_new_from_bytes (bytes, NULL, &error);
  if (alone == NULL)
    {
      check_refusal (error);
      g_clear_error (&error);
    }
  else
    {
      FUZZ_CHECK (error == NULL);
      check_record (alone);
      check_roundtrip (alone, NULL);
    }

  matched = bt_resume_new_from_bytes (bytes, meta, &error);
  if (matched == NULL)
    {
      check_refusal (error);
      return 0;
    }

  /* What fits the torrent fits it alone too, and is the torrent's. */
  FUZZ_CHECK (alone != NULL);
  check_record (matched);
  FUZZ_CHECK (matched->have != NULL);
  FUZZ_CHECK (bt_bitfield_get_size (matched->have) == bt_metainfo_get_n_pieces (meta));
  FUZZ_CHECK (matched->n_files == bt_metainfo_get_n_files (meta));
  FUZZ_CHECK (memcmp (matched->info_hash, bt_metainfo_get_info_hash (meta), BT_INFO_HASH_LENGTH) == 0);
  FUZZ_CHECK (bt_resume_check_metainfo (matched, meta, NULL));
  check_roundtrip (matched, meta);
  return 0;
}
