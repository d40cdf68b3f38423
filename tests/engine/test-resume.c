/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Tests for bt-resume (the record, its file format, the comparison with
 * the files on disk) and bt-resume-store (the folder of saved torrents,
 * the coalescing writer, flush, remove), with a timing of 2,000 torrents
 * written and loaded back.
 */
#define G_LOG_DOMAIN "test-resume"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-resume-store.h"
#include "bt-resume.h"
#include "bt-test-util.h"

/* Auxiliary functions */

#if defined(__SANITIZE_ADDRESS__)
static const gboolean running_on_sanitizer = TRUE;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
static const gboolean running_on_sanitizer = TRUE;
#else
static const gboolean running_on_sanitizer = FALSE;
#endif
#else
static const gboolean running_on_sanitizer = FALSE;
#endif

typedef struct
{
  const char *path; /* below the torrent's name; NULL for a single file */
  guint64     size;
  gboolean    pad;
} FileSpec;

/* A torrent of @files; the piece hashes are zeros (nothing here reads
 * data back against them). */
static BtMetainfo *
make_meta (const char     *name,
           const FileSpec *files,
           guint           n_files,
           guint32         piece_length)
{
  g_autoptr(BtBencode) root = bt_bencode_new_dict ();
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *hashes = NULL;
  BtBencode *info = bt_bencode_new_dict ();
  guint64 total = 0;
  guint64 n_pieces;
  BtMetainfo *meta;

  for (guint i = 0; i < n_files; i++)
    total += files[i].size;
  n_pieces = (total + piece_length - 1) / piece_length;
  hashes = g_malloc0 (n_pieces * 20 + 1);

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
  bt_bencode_dict_set (root, "announce",
                       bt_bencode_new_string ("http://tracker.example/announce"));
  bt_bencode_dict_set (root, "info", info);

  encoded = bt_bencode_encode (root);
  meta = bt_metainfo_new_from_bytes (encoded, &error);
  g_assert_no_error (error);
  return meta;
}

static const FileSpec multi_files[] = {
  { "a.bin", 40000, FALSE },
  { ".pad/24336", 24336, TRUE },
  { "sub/b.bin", 70000, FALSE },
  { "sub/deeper/c.txt", 17, FALSE },
  { "empty.txt", 0, FALSE },
  { "sub/d.bin", 5000, FALSE },
};

static BtMetainfo *
make_multi_meta (void)
{
  return make_meta ("multi", multi_files, G_N_ELEMENTS (multi_files), 16384);
}

/* A record with every field set to something other than its default. */
static BtResume *
make_full_record (BtMetainfo *meta)
{
  BtResume *resume = bt_resume_new (bt_metainfo_get_info_hash (meta));
  guint n_files = bt_metainfo_get_n_files (meta);

  resume->have = bt_bitfield_new (bt_metainfo_get_n_pieces (meta));
  for (guint32 i = 0; i < bt_metainfo_get_n_pieces (meta); i += 2)
    bt_bitfield_set (resume->have, i);
  bt_bitfield_set (resume->have, bt_metainfo_get_n_pieces (meta) - 1);
  bt_resume_set_n_files (resume, n_files);
  for (guint i = 0; i < n_files; i++)
    {
      resume->files[i].size = 1000 * (i + 1) + 7;
      resume->files[i].mtime = 1700000000 + i;
      resume->files[i].mtime_nsec = 123456789 + i;
      resume->files[i].priority = i % 4;
    }
  resume->paused = TRUE;
  resume->queue_position = 42;
  resume->uploaded = G_GUINT64_CONSTANT (5000000000123);
  resume->downloaded = G_GUINT64_CONSTANT (4000000000321);
  resume->seconds_active = 86400 * 3 + 5;
  resume->seconds_seeding = 86400 + 7;
  resume->time_added = 1690000000;
  resume->time_completed = 1690003600;
  resume->save_path = g_strdup ("/home/someone/Downloads/caf\xe9 \xff"); /* not UTF-8 */
  resume->name = g_strdup ("Ünïcødé name");
  resume->magnet_uri = g_strdup ("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567");
  resume->error = g_strdup ("The disk is full:\nfree some space");
  resume->upload_limit = 50 * 1024;
  resume->download_limit = G_GUINT64_CONSTANT (3000000000);
  {
    const char *tier1[] = { "udp://tracker.example.org:6969/announce",
                            "https://backup.example.org/announce", NULL };
    const char *tier2[] = { "http://other.example.net/announce?key=1", NULL };

    resume->trackers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
    g_ptr_array_add (resume->trackers, g_strdupv ((char **) tier1));
    g_ptr_array_add (resume->trackers, g_strdupv ((char **) tier2));
  }
  return resume;
}

static void
assert_records_equal (const BtResume *a,
                      const BtResume *b)
{
  g_assert_cmpuint (a->version, ==, b->version);
  g_assert_cmpmem (a->info_hash, BT_INFO_HASH_LENGTH, b->info_hash, BT_INFO_HASH_LENGTH);
  g_assert_true ((a->have == NULL) == (b->have == NULL));
  if (a->have != NULL)
    g_assert_true (bt_bitfield_equal (a->have, b->have));
  g_assert_cmpuint (a->n_files, ==, b->n_files);
  for (guint i = 0; i < a->n_files; i++)
    {
      g_assert_cmpuint (a->files[i].size, ==, b->files[i].size);
      g_assert_cmpint (a->files[i].mtime, ==, b->files[i].mtime);
      g_assert_cmpuint (a->files[i].mtime_nsec, ==, b->files[i].mtime_nsec);
      g_assert_cmpint (a->files[i].priority, ==, b->files[i].priority);
    }
  g_assert_cmpint (a->paused, ==, b->paused);
  g_assert_cmpuint (a->queue_position, ==, b->queue_position);
  g_assert_cmpuint (a->uploaded, ==, b->uploaded);
  g_assert_cmpuint (a->downloaded, ==, b->downloaded);
  g_assert_cmpuint (a->seconds_active, ==, b->seconds_active);
  g_assert_cmpuint (a->seconds_seeding, ==, b->seconds_seeding);
  g_assert_cmpint (a->time_added, ==, b->time_added);
  g_assert_cmpint (a->time_completed, ==, b->time_completed);
  g_assert_cmpstr (a->save_path, ==, b->save_path);
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->magnet_uri, ==, b->magnet_uri);
  g_assert_cmpstr (a->error, ==, b->error);
  g_assert_cmpuint (a->upload_limit, ==, b->upload_limit);
  g_assert_cmpuint (a->download_limit, ==, b->download_limit);
  g_assert_true ((a->trackers == NULL) == (b->trackers == NULL));
  for (guint t = 0; a->trackers != NULL && t < a->trackers->len; t++)
    g_assert_true (g_strv_equal (g_ptr_array_index (a->trackers, t),
                                 g_ptr_array_index (b->trackers, t)));
  g_assert_cmpuint (a->trackers != NULL ? a->trackers->len : 0, ==,
                    b->trackers != NULL ? b->trackers->len : 0);
}

/* The record tests */

static void
test_roundtrip (void)
{
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autoptr(BtResume) back = NULL;
  g_autoptr(BtResume) copy = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) error = NULL;

  bytes = bt_resume_to_bytes (resume);
  back = bt_resume_new_from_bytes (bytes, meta, &error);
  g_assert_no_error (error);
  assert_records_equal (resume, back);

  /* Canonical: the same record gives the same bytes. */
  again = bt_resume_to_bytes (back);
  g_assert_true (g_bytes_equal (bytes, again));

  copy = bt_resume_copy (resume);
  assert_records_equal (resume, copy);
  g_assert_true (copy->have != resume->have && copy->files != resume->files);
}

static void
test_roundtrip_magnet (void)
{
  guint8 hash[BT_INFO_HASH_LENGTH];
  g_autoptr(BtResume) resume = NULL;
  g_autoptr(BtResume) back = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  memset (hash, 0xab, sizeof hash);
  resume = bt_resume_new (hash);
  resume->save_path = g_strdup ("/srv/torrents");
  resume->name = g_strdup ("");
  resume->magnet_uri = g_strdup ("magnet:?xt=urn:btih:abababababababababababababababababababab&dn=x");
  resume->time_added = 1;

  bytes = bt_resume_to_bytes (resume);
  back = bt_resume_new_from_bytes (bytes, NULL, &error);
  g_assert_no_error (error);
  assert_records_equal (resume, back);
  g_assert_null (back->have);
  g_assert_cmpuint (back->n_files, ==, 0);
  g_assert_null (back->error);

  /* No metainfo yet: it cannot match one. */
  {
    g_autoptr(BtMetainfo) meta = make_multi_meta ();

    g_assert_false (bt_resume_check_metainfo (back, meta, &error));
    g_assert_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID);
  }
}

/* Re-encodes @bytes with @key set to @value (or removed when %NULL). */
static GBytes *
mutate (GBytes     *bytes,
        const char *key,
        BtBencode  *value)
{
  /* Room for the absurd file lists some cases build. */
  const BtBencodeLimits limits = { BT_BENCODE_MAX_SIZE, 16, 8 * BT_METAINFO_MAX_FILES };
  g_autoptr(BtBencode) root = bt_bencode_decode (bytes, &limits, NULL);
  g_autoptr(BtBencode) copy = bt_bencode_new_dict ();

  g_assert_nonnull (root);
  for (guint i = 0; i < bt_bencode_get_length (root); i++)
    {
      gsize length;
      const guint8 *k = bt_bencode_get_string (bt_bencode_dict_get_key (root, i), &length);

      if (length == strlen (key) && memcmp (k, key, length) == 0)
        continue;
      bt_bencode_dict_set_len (copy, k, length, bt_bencode_ref (bt_bencode_dict_get_value (root, i)));
    }
  if (value != NULL)
    bt_bencode_dict_set (copy, key, value);
  return bt_bencode_encode (copy);
}

/* mutate() of a record that is only an intermediate step: takes it. */
static GBytes *
remutate (GBytes     *bytes,
          const char *key,
          BtBencode  *value)
{
  g_autoptr(GBytes) owned = bytes;

  return mutate (owned, key, value);
}

static void
assert_refused (GBytes     *bytes,
                BtMetainfo *meta,
                const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtResume) resume = bt_resume_new_from_bytes (bytes, meta, &error);

  if (resume != NULL)
    g_error ("accepted a record with %s", what);
  g_assert_nonnull (error);
  g_assert_true (error->domain == BT_ERROR);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_test_message ("%s: %s", what, error->message);
}

static BtBencode *
int_list (guint n,
          gint64 value)
{
  BtBencode *list = bt_bencode_new_list ();

  for (guint i = 0; i < n; i++)
    bt_bencode_list_append (list, bt_bencode_new_integer (value));
  return list;
}

static void
test_hostile (void)
{
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autoptr(GBytes) good = bt_resume_to_bytes (resume);
  g_autoptr(BtBencode) root = bt_bencode_decode (good, NULL, NULL);
  guint n_files = bt_metainfo_get_n_files (meta);
  guint32 n_pieces = bt_metainfo_get_n_pieces (meta);
  gsize good_length;
  const guint8 *good_data = g_bytes_get_data (good, &good_length);
  g_autofree guint8 *have = NULL;
  gsize have_length;

  /* Every prefix of a good file is refused: a crash can cut it anywhere. */
  for (gsize i = 0; i < good_length; i++)
    {
      g_autoptr(GBytes) cut = g_bytes_new (good_data, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(BtResume) back = bt_resume_new_from_bytes (cut, NULL, &error);

      g_assert_null (back);
      g_assert_nonnull (error);
    }

  /* Every key we write is required, and must have its type. */
  for (guint i = 0; i < bt_bencode_get_length (root); i++)
    {
      g_autofree char *key = bt_bencode_dup_string (bt_bencode_dict_get_key (root, i));
      BtBencode *value = bt_bencode_dict_get_value (root, i);
      /* The limits came later: records from before have none. */
      gboolean optional = g_str_equal (key, "magnet-uri") || g_str_equal (key, "error")
                          || g_str_equal (key, "upload-limit") || g_str_equal (key, "download-limit")
                          || g_str_equal (key, "trackers");
      g_autoptr(GBytes) without = mutate (good, key, NULL);
      g_autoptr(GBytes) retyped = NULL;
      g_autofree char *what = g_strdup_printf ("“%s” of the wrong type", key);

      if (!optional)
        {
          g_autofree char *missing = g_strdup_printf ("no “%s”", key);

          assert_refused (without, NULL, missing);
        }
      retyped = mutate (good, key,
                        bt_bencode_is_type (value, BT_BENCODE_STRING)
                          ? bt_bencode_new_integer (1)
                          : bt_bencode_new_string ("1"));
      assert_refused (retyped, NULL, what);
    }

  /* Without the limits: none, as in a record written before them. */
  {
    g_autoptr(GBytes) a = mutate (good, "upload-limit", NULL);
    g_autoptr(GBytes) b = mutate (a, "download-limit", NULL);
    g_autoptr(GBytes) negative = mutate (good, "upload-limit", bt_bencode_new_integer (-1));
    g_autoptr(GError) error = NULL;
    g_autoptr(BtResume) back = bt_resume_new_from_bytes (b, meta, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (back->upload_limit, ==, 0);
    g_assert_cmpuint (back->download_limit, ==, 0);
    assert_refused (negative, NULL, "a negative limit");
  }

  /* Edited trackers: tiers of non-empty clean URLs, or nothing. */
  {
    g_autoptr(GBytes) none = mutate (good, "trackers", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(BtResume) back = bt_resume_new_from_bytes (none, meta, &error);
    BtBencode *bad[4];

    g_assert_no_error (error);
    g_assert_null (back->trackers);

    bad[0] = bt_bencode_new_list ();
    bt_bencode_list_append (bad[0], bt_bencode_new_list ());
    bad[1] = bt_bencode_new_list ();
    bt_bencode_list_append (bad[1], bt_bencode_new_string ("http://a.example/announce"));
    bad[2] = bt_bencode_new_list ();
    {
      BtBencode *tier = bt_bencode_new_list ();

      bt_bencode_list_append (tier, bt_bencode_new_string ("http://a.example/\x1b[2J"));
      bt_bencode_list_append (bad[2], tier);
    }
    bad[3] = bt_bencode_new_list ();
    {
      BtBencode *tier = bt_bencode_new_list ();

      bt_bencode_list_append (tier, bt_bencode_new_integer (7));
      bt_bencode_list_append (bad[3], tier);
    }
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GBytes) mutated = mutate (good, "trackers", bad[i]);

        assert_refused (mutated, NULL, "bad trackers");
      }
  }

  /* A magnet record may go without "pieces" and files, but no other. */
  {
    g_autoptr(GBytes) a = mutate (good, "pieces", NULL);
    g_autoptr(GBytes) b = mutate (a, "have", NULL);
    g_autoptr(GBytes) c = mutate (b, "magnet-uri", NULL);

    assert_refused (b, NULL, "files but no pieces");
    assert_refused (c, NULL, "no pieces and no magnet link");
  }

  /* The bitfield. */
  {
    const guint8 *data = bt_bitfield_get_data (resume->have, &have_length);

    /* One spare byte for the "too long" case. */
    have = g_malloc0 (have_length + 1);
    memcpy (have, data, have_length);
  }
  g_assert_cmpuint (have_length, ==, (n_pieces + 7) / 8);
  g_assert_cmpuint (n_pieces % 8, !=, 0); /* so that there are spare bits */
  {
    g_autoptr(GBytes) longer = mutate (good, "have", bt_bencode_new_string_len (have, have_length + 1));
    g_autoptr(GBytes) shorter = mutate (good, "have", bt_bencode_new_string_len (have, have_length - 1));
    g_autoptr(GBytes) fewer = mutate (good, "pieces", bt_bencode_new_integer (n_pieces - 8));
    g_autoptr(GBytes) negative = mutate (good, "pieces", bt_bencode_new_integer (-1));
    g_autoptr(GBytes) huge = mutate (good, "pieces", bt_bencode_new_integer (G_GINT64_CONSTANT (1) << 40));
    g_autoptr(GBytes) spare = NULL;
    g_autoptr(GBytes) other_count = NULL;

    have[have_length - 1] |= 1; /* the last spare bit */
    spare = mutate (good, "have", bt_bencode_new_string_len (have, have_length));
    assert_refused (longer, NULL, "a bitfield one byte too long");
    assert_refused (shorter, NULL, "a bitfield one byte too short");
    assert_refused (fewer, NULL, "a piece count that does not fit the bitfield");
    assert_refused (negative, NULL, "a negative piece count");
    assert_refused (huge, NULL, "an absurd piece count");
    assert_refused (spare, NULL, "a spare bit set");

    /* A bitfield that is fine alone, but for another piece count than the
     * torrent's. */
    have[have_length - 1] &= ~1;
    other_count = remutate (mutate (good, "pieces", bt_bencode_new_integer (n_pieces + 1)),
                          "have", bt_bencode_new_string_len (have, have_length));
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BtResume) alone = bt_resume_new_from_bytes (other_count, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (alone);
    }
    assert_refused (other_count, meta, "a piece count other than the torrent's");
  }

  /* Per-file lists. */
  {
    const char *lists[] = { "file-sizes", "file-mtimes", "file-mtimes-ns", "file-priorities" };

    for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
      {
        g_autoptr(GBytes) shorter = mutate (good, lists[i], int_list (n_files - 1, 0));
        g_autoptr(GBytes) mixed = NULL;
        BtBencode *list = int_list (n_files - 1, 0);
        g_autofree char *what = g_strdup_printf ("“%s” one short", lists[i]);

        bt_bencode_list_append (list, bt_bencode_new_string ("x"));
        mixed = mutate (good, lists[i], list);
        assert_refused (shorter, NULL, what);
        assert_refused (mixed, NULL, "a string among the numbers");
      }
  }
  {
    g_autoptr(GBytes) prio_high = mutate (good, "file-priorities", int_list (n_files, BT_PRIORITY_HIGH + 1));
    g_autoptr(GBytes) prio_neg = mutate (good, "file-priorities", int_list (n_files, -1));
    g_autoptr(GBytes) nsec = mutate (good, "file-mtimes-ns", int_list (n_files, 1000000000));
    g_autoptr(GBytes) size = mutate (good, "file-sizes", int_list (n_files, -1));
    g_autoptr(GBytes) fewer_files = NULL;
    g_autoptr(GBytes) too_many = NULL;

    assert_refused (prio_high, NULL, "a priority above high");
    assert_refused (prio_neg, NULL, "a negative priority");
    assert_refused (nsec, NULL, "a whole second of nanoseconds");
    assert_refused (size, NULL, "a negative size");

    /* Consistent lists, but not the torrent's file count. */
    fewer_files = remutate (remutate (remutate (mutate (good, "file-sizes", int_list (2, 0)),
                                          "file-mtimes", int_list (2, 0)),
                                  "file-mtimes-ns", int_list (2, 0)),
                          "file-priorities", int_list (2, 0));
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BtResume) alone = bt_resume_new_from_bytes (fewer_files, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (alone->n_files, ==, 2);
    }
    assert_refused (fewer_files, meta, "a file count other than the torrent's");

    /* More files than any torrent may have: refused on the count, before
     * anything is allocated for them. A million bencode nodes take a
     * minute under AddressSanitizer, which records a stack per malloc. */
    if (!running_on_sanitizer)
      {
        too_many = mutate (good, "file-sizes", int_list (BT_METAINFO_MAX_FILES + 1, 0));
        assert_refused (too_many, NULL, "an absurd file count");
      }
  }

  /* Scalars out of range, and text that is not text. */
  {
    struct
    {
      const char *key;
      BtBencode  *value;
      const char *what;
    } cases[] = {
      { "version", bt_bencode_new_integer (0), "version 0" },
      { "version", bt_bencode_new_integer (BT_RESUME_FORMAT_VERSION + 1), "a newer format" },
      { "paused", bt_bencode_new_integer (2), "paused 2" },
      { "queue-position", bt_bencode_new_integer (-1), "a negative queue position" },
      { "queue-position", bt_bencode_new_integer (G_GINT64_CONSTANT (1) << 33), "a huge queue position" },
      { "uploaded", bt_bencode_new_integer (-5), "negative upload" },
      { "downloaded", bt_bencode_new_integer (-5), "negative download" },
      { "seconds-active", bt_bencode_new_integer (-1), "negative time active" },
      { "seconds-seeding", bt_bencode_new_integer (-1), "negative time seeding" },
      { "time-added", bt_bencode_new_integer (-1), "added before 1970" },
      { "time-completed", bt_bencode_new_integer (-1), "completed before 1970" },
      { "info-hash", bt_bencode_new_string_len ((const guint8 *) "0123456789012345678", 19), "a short info-hash" },
      { "name", bt_bencode_new_string ("bad\x1b[31m"), "an escape in the name" },
      { "name", bt_bencode_new_string_len ((const guint8 *) "a\0b", 3), "a NUL in the name" },
      { "name", bt_bencode_new_string ("caf\xe9"), "a name that is not UTF-8" },
      { "error", bt_bencode_new_string ("\xc3"), "an error that is not UTF-8" },
      { "magnet-uri", bt_bencode_new_string ("http://example.com/"), "a magnet that is not one" },
      { "save-path", bt_bencode_new_string (""), "an empty save path" },
      { "save-path", bt_bencode_new_string ("relative/path"), "a relative save path" },
      { "save-path", bt_bencode_new_string_len ((const guint8 *) "/a\0b", 4), "a NUL in the save path" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GBytes) bad = mutate (good, cases[i].key, cases[i].value);

        assert_refused (bad, NULL, cases[i].what);
      }
  }

  /* Not a record at all. */
  {
    g_autoptr(GBytes) list = g_bytes_new_static ("li1ee", 5);
    g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
    g_autoptr(GBytes) trailing = NULL;
    GByteArray *more = g_byte_array_new ();

    g_byte_array_append (more, good_data, good_length);
    g_byte_array_append (more, (const guint8 *) "i1e", 3);
    trailing = g_byte_array_free_to_bytes (more);
    assert_refused (list, NULL, "a list");
    assert_refused (empty, NULL, "nothing");
    assert_refused (trailing, NULL, "bytes after the record");
  }

  /* Another torrent's record. */
  {
    FileSpec spec = { NULL, 100000, FALSE };
    g_autoptr(BtMetainfo) other = make_meta ("other", &spec, 1, 16384);

    assert_refused (good, other, "another torrent's record");
  }
}

static void
test_unknown_keys (void)
{
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autoptr(GBytes) good = bt_resume_to_bytes (resume);
  g_autoptr(BtBencode) nested = bt_bencode_new_dict ();
  g_autoptr(GBytes) later = NULL;
  g_autoptr(BtResume) back = NULL;
  g_autoptr(GError) error = NULL;
  BtBencode *deep = bt_bencode_new_list ();

  bt_bencode_list_append (deep, bt_bencode_new_dict ());
  bt_bencode_dict_set (nested, "x", deep);
  later = remutate (mutate (good, "zz-from-the-future", bt_bencode_ref (nested)),
                  "aa-also", bt_bencode_new_integer (-7));
  back = bt_resume_new_from_bytes (later, meta, &error);
  g_assert_no_error (error);
  assert_records_equal (resume, back);
}

/* Files on disk */

static void
write_file_of_size (const char *path,
                    gsize       size)
{
  g_autofree char *data = g_malloc0 (size + 1);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  memset (data, 'x', size);
  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
}

static void
set_mtime (const char *path,
           gint64      sec,
           long        nsec)
{
  struct timespec times[2] = { { 0, UTIME_OMIT }, { sec, nsec } };

  g_assert_cmpint (utimensat (AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW), ==, 0);
}

/* Lays out @meta's files (not the pads, and leaves "sub/d.bin" out) under
 * @dir with their full sizes. */
static void
lay_out_files (BtMetainfo *meta,
               const char *dir,
               const char *leave_out)
{
  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      g_autofree char *path = g_build_filename (dir, bt_metainfo_get_file_path (meta, i), NULL);

      if (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD)
        continue;
      if (leave_out != NULL && g_str_has_suffix (path, leave_out))
        continue;
      write_file_of_size (path, bt_metainfo_get_file_size (meta, i));
    }
}

static void
assert_unchanged (BtResume   *resume,
                  BtMetainfo *meta,
                  const char *dir,
                  gboolean    expected)
{
  g_autoptr(GError) error = NULL;
  gboolean unchanged = bt_resume_files_unchanged (resume, meta, dir, &error);

  g_assert_no_error (error);
  g_assert_cmpint (unchanged, ==, expected);
}

static void
test_files_unchanged (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autofree char *a = g_build_filename (dir, "multi", "a.bin", NULL);
  g_autofree char *b = g_build_filename (dir, "multi", "sub", "b.bin", NULL);
  g_autofree char *d = g_build_filename (dir, "multi", "sub", "d.bin", NULL);
  g_autoptr(GError) error = NULL;
  struct stat st;
  gint64 b_sec;
  long b_nsec;

  lay_out_files (meta, dir, "sub/d.bin");
  set_mtime (b, 1600000000, 987654321);

  g_assert_true (bt_resume_update_files_from_disk (resume, meta, dir, &error));
  g_assert_no_error (error);

  /* The last piece is all in d.bin, which is not there: a record that
   * lists it vouches for data it never saw. */
  g_assert_true (bt_bitfield_get (resume->have, 8));
  assert_unchanged (resume, meta, dir, FALSE);
  bt_bitfield_clear (resume->have, 8);
  g_assert_cmpuint (resume->files[0].size, ==, 40000);
  g_assert_cmpuint (resume->files[1].size, ==, 0); /* pad */
  g_assert_cmpuint (resume->files[2].size, ==, 70000);
  g_assert_cmpint (resume->files[2].mtime, ==, 1600000000);
  g_assert_cmpuint (resume->files[2].mtime_nsec, ==, 987654321);
  g_assert_cmpuint (resume->files[5].size, ==, 0); /* missing */
  g_assert_cmpint (resume->files[5].mtime, ==, 0);
  /* Priorities are the caller's, not the disk's. */
  g_assert_cmpint (resume->files[3].priority, ==, 3);

  assert_unchanged (resume, meta, dir, TRUE);

  /* Survives the file format. */
  {
    g_autoptr(GBytes) bytes = bt_resume_to_bytes (resume);
    g_autoptr(BtResume) back = bt_resume_new_from_bytes (bytes, meta, &error);

    g_assert_no_error (error);
    assert_unchanged (back, meta, dir, TRUE);
  }

  /* Truncated. */
  g_assert_cmpint (g_stat (b, &st), ==, 0);
  b_sec = st.st_mtim.tv_sec;
  b_nsec = st.st_mtim.tv_nsec;
  g_assert_cmpint (truncate (b, 60000), ==, 0);
  set_mtime (b, b_sec, b_nsec); /* the size alone must tell */
  assert_unchanged (resume, meta, dir, FALSE);
  g_assert_cmpint (truncate (b, 70000), ==, 0);
  set_mtime (b, b_sec, b_nsec);
  assert_unchanged (resume, meta, dir, TRUE);

  /* Touched: one nanosecond is enough. */
  set_mtime (b, b_sec, b_nsec + 1);
  assert_unchanged (resume, meta, dir, FALSE);
  set_mtime (b, b_sec, b_nsec);
  assert_unchanged (resume, meta, dir, TRUE);

  /* A file the record had no bytes of appears with data: changed (a
   * recheck finds what was put there). */
  write_file_of_size (d, 5000);
  assert_unchanged (resume, meta, dir, FALSE);
  g_assert_cmpint (g_unlink (d), ==, 0);
  /* ...and empty, it does not matter. */
  write_file_of_size (d, 0);
  assert_unchanged (resume, meta, dir, TRUE);
  g_assert_cmpint (g_unlink (d), ==, 0);

  /* A file the record had data of is gone. */
  g_assert_cmpint (g_rename (a, d), ==, 0);
  assert_unchanged (resume, meta, dir, FALSE);
  g_assert_cmpint (g_rename (d, a), ==, 0);
  assert_unchanged (resume, meta, dir, TRUE);

  /* A folder where the file should be reads as missing. */
  g_assert_cmpint (g_mkdir (d, 0755), ==, 0);
  assert_unchanged (resume, meta, dir, TRUE);
  g_assert_cmpint (g_rmdir (d), ==, 0);

  /* A record of another torrent's file count is an error, not a "no". */
  {
    g_autoptr(BtResume) fewer = bt_resume_copy (resume);

    bt_resume_set_n_files (fewer, 2);
    g_assert_false (bt_resume_files_unchanged (fewer, meta, dir, &error));
    g_assert_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID);
    g_clear_error (&error);
  }

  bt_test_remove_tree (dir);
}

static void
test_files_missing_folder (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autofree char *gone = g_build_filename (dir, "unplugged", NULL);
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autoptr(BtResume) fresh = bt_resume_new (bt_metainfo_get_info_hash (meta));
  g_autoptr(GError) error = NULL;

  /* The record says there was data: an error state, not a new download. */
  g_assert_false (bt_resume_files_unchanged (resume, meta, gone, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "unplugged"));
  g_clear_error (&error);

  /* Nothing was ever written: nothing to miss. */
  bt_resume_set_n_files (fresh, bt_metainfo_get_n_files (meta));
  g_assert_true (bt_resume_files_unchanged (fresh, meta, gone, &error));
  g_assert_no_error (error);

  /* Filling from a missing folder: every file missing. */
  g_assert_true (bt_resume_update_files_from_disk (resume, meta, gone, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < resume->n_files; i++)
    g_assert_cmpuint (resume->files[i].size, ==, 0);

  /* Such a record (written while the disk was away) still lists pieces:
   * it cannot vouch for them, wherever the folder is. */
  g_assert_false (bt_resume_files_unchanged (resume, meta, gone, &error));
  g_assert_no_error (error);
  g_assert_false (bt_resume_files_unchanged (resume, meta, dir, &error));
  g_assert_no_error (error);
  bt_bitfield_clear_all (resume->have);
  g_assert_true (bt_resume_files_unchanged (resume, meta, gone, &error));
  g_assert_no_error (error);

  /* Nothing to flush in a missing folder. */
  g_assert_true (bt_resume_sync_files (meta, gone, &error));
  g_assert_no_error (error);

  bt_test_remove_tree (dir);
}

static void
test_files_symlink (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autofree char *outside = bt_test_make_tmpdir ();
  g_autofree char *sub = g_build_filename (dir, "multi", "sub", NULL);
  g_autofree char *moved = g_build_filename (outside, "sub", NULL);
  g_autofree char *file_link = g_build_filename (dir, "multi", "a.bin", NULL);
  g_autofree char *file_target = g_build_filename (outside, "a.bin", NULL);
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autoptr(GError) error = NULL;

  lay_out_files (meta, dir, NULL);
  g_assert_true (bt_resume_update_files_from_disk (resume, meta, dir, &error));
  g_assert_no_error (error);

  /* A folder below the download folder replaced by a link to the same
   * files elsewhere: never looked through. */
  g_assert_cmpint (g_rename (sub, moved), ==, 0);
  g_assert_cmpint (symlink (moved, sub), ==, 0);
  g_assert_false (bt_resume_files_unchanged (resume, meta, dir, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE);
  g_clear_error (&error);
  g_assert_false (bt_resume_update_files_from_disk (resume, meta, dir, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE);
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (sub), ==, 0);
  g_assert_cmpint (g_rename (moved, sub), ==, 0);

  /* A file that is a link. */
  g_assert_cmpint (g_rename (file_link, file_target), ==, 0);
  g_assert_cmpint (symlink (file_target, file_link), ==, 0);
  g_assert_false (bt_resume_files_unchanged (resume, meta, dir, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE);
  g_clear_error (&error);

  /* The download folder itself may be a link: the person chose it. */
  {
    g_autofree char *via = g_build_filename (outside, "via", NULL);

    g_assert_cmpint (g_unlink (file_link), ==, 0);
    g_assert_cmpint (g_rename (file_target, file_link), ==, 0);
    g_assert_cmpint (symlink (dir, via), ==, 0);
    g_assert_true (bt_resume_files_unchanged (resume, meta, via, &error));
    g_assert_no_error (error);
  }

  bt_test_remove_tree (dir);
  bt_test_remove_tree (outside);
}

/* The store */

typedef struct
{
  GPtrArray *written; /* of GBytes: info-hashes, in order */
  GPtrArray *failed;
  gint64     last_write_time;
  gint64     min_gap;
} Watch;

static void
written_cb (BtResumeStore *store,
            GBytes        *hash,
            gpointer       user_data)
{
  Watch *watch = user_data;
  gint64 now = g_get_monotonic_time ();

  g_assert_cmpuint (g_bytes_get_size (hash), ==, BT_INFO_HASH_LENGTH);
  if (watch->last_write_time != 0)
    watch->min_gap = MIN (watch->min_gap, now - watch->last_write_time);
  watch->last_write_time = now;
  g_ptr_array_add (watch->written, g_bytes_ref (hash));
}

static void
write_failed_cb (BtResumeStore *store,
                 GBytes        *hash,
                 const GError  *error,
                 gpointer       user_data)
{
  Watch *watch = user_data;

  g_assert_nonnull (error);
  g_ptr_array_add (watch->failed, g_bytes_ref (hash));
}

static void
watch_init (Watch         *watch,
            BtResumeStore *store)
{
  watch->written = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  watch->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  watch->last_write_time = 0;
  watch->min_gap = G_MAXINT64;
  g_signal_connect (store, "written", G_CALLBACK (written_cb), watch);
  g_signal_connect (store, "write-failed", G_CALLBACK (write_failed_cb), watch);
}

static void
watch_clear (Watch *watch)
{
  g_clear_pointer (&watch->written, g_ptr_array_unref);
  g_clear_pointer (&watch->failed, g_ptr_array_unref);
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms milliseconds. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Runs the main context until @watch has seen @n writes. */
static void
run_until_written (Watch *watch,
                   guint  n)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (10, flag_cb, &timed_out);

  while (watch->written->len + watch->failed->len < n && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (id);
}

/* Whether the default main context has a timer armed: no timer must be
 * left once nothing changes. */
static gboolean
context_has_timer (void)
{
  GMainContext *context = g_main_context_default ();
  GPollFD fds[16];
  gint priority;
  gint timeout = -1;

  g_assert_true (g_main_context_acquire (context));
  g_main_context_prepare (context, &priority);
  g_main_context_query (context, G_MAXINT, &timeout, fds, G_N_ELEMENTS (fds));
  g_main_context_release (context);
  return timeout >= 0;
}

static void
load_all_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GPtrArray **items = user_data;
  g_autoptr(GError) error = NULL;

  *items = bt_resume_store_load_all_finish (BT_RESUME_STORE (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*items);
}

/* Loads everything on the workers, running the main loop meanwhile. */
static GPtrArray *
load_all (BtResumeStore *store)
{
  GPtrArray *items = NULL;

  bt_resume_store_load_all_async (store, NULL, load_all_cb, &items);
  while (items == NULL)
    g_main_context_iteration (NULL, TRUE);
  return items;
}

static BtResume *
load_record (BtResumeStore *store,
             BtMetainfo    *meta)
{
  g_autoptr(GError) error = NULL;
  BtResume *resume = bt_resume_store_load_resume (store, bt_metainfo_get_info_hash (meta),
                                                  meta, &error);

  g_assert_no_error (error);
  return resume;
}

static void
test_store_save_load (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "state", "btorrent", NULL);
  g_autoptr(BtResumeStore) store = bt_resume_store_new (state);
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autoptr(BtMetainfo) meta_back = NULL;
  g_autoptr(BtResume) resume_back = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  guint8 magnet_hash[BT_INFO_HASH_LENGTH];
  g_autoptr(BtResume) magnet = NULL;
  struct stat st;

  g_assert_cmpstr (bt_resume_store_get_directory (store), ==, state);

  /* Nothing yet, not even the folder. */
  list = bt_resume_store_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_true (bt_resume_store_save_metainfo (store, meta, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (state, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  bt_resume_store_schedule (store, bt_metainfo_get_info_hash (meta), resume);

  memset (magnet_hash, 0x5a, sizeof magnet_hash);
  magnet = bt_resume_new (magnet_hash);
  magnet->save_path = g_strdup ("/tmp");
  magnet->name = g_strdup ("magnet");
  magnet->magnet_uri = g_strdup ("magnet:?xt=urn:btih:5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
  bt_resume_store_schedule (store, magnet_hash, magnet);

  g_assert_true (bt_resume_store_flush (store, &error));
  g_assert_no_error (error);

  /* Clutter that is not ours, and an interrupted write's temporary file. */
  {
    g_autofree char *junk = g_build_filename (state, "notes.txt", NULL);
    g_autofree char *temp = g_strdup_printf ("%s/%s.resume.AB12CD", state,
                                             bt_metainfo_get_info_hash_hex (meta));
    g_autofree char *upper = g_strdup_printf ("%s/%s.resume", state,
                                              "ABCDEF0123456789ABCDEF0123456789ABCDEF01");

    write_file_of_size (junk, 3);
    write_file_of_size (temp, 3);
    write_file_of_size (upper, 3);
  }

  list = bt_resume_store_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  {
    GBytes *first = g_ptr_array_index (list, 0);
    GBytes *second = g_ptr_array_index (list, 1);
    const guint8 *hash = bt_metainfo_get_info_hash (meta);
    gboolean meta_first = memcmp (hash, magnet_hash, BT_INFO_HASH_LENGTH) < 0;

    /* Ordered by info-hash. */
    g_assert_cmpmem (g_bytes_get_data (meta_first ? first : second, NULL), BT_INFO_HASH_LENGTH,
                     hash, BT_INFO_HASH_LENGTH);
    g_assert_cmpmem (g_bytes_get_data (meta_first ? second : first, NULL), BT_INFO_HASH_LENGTH,
                     magnet_hash, BT_INFO_HASH_LENGTH);
  }

  meta_back = bt_resume_store_load_metainfo (store, bt_metainfo_get_info_hash (meta), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bt_metainfo_get_bytes (meta_back), bt_metainfo_get_bytes (meta)));
  resume_back = load_record (store, meta_back);
  assert_records_equal (resume, resume_back);

  /* The magnet: a record, no torrent. */
  {
    g_autoptr(BtResume) back = bt_resume_store_load_resume (store, magnet_hash, NULL, &error);
    g_autoptr(BtMetainfo) none = NULL;

    g_assert_no_error (error);
    assert_records_equal (magnet, back);
    none = bt_resume_store_load_metainfo (store, magnet_hash, &error);
    g_assert_null (none);
    g_assert_error (error, BT_ERROR, BT_ERROR_IO);
    g_clear_error (&error);
  }

  /* A record under another torrent's name. */
  {
    g_autofree char *from = g_strdup_printf ("%s/%s.resume", state,
                                             bt_metainfo_get_info_hash_hex (meta));
    g_autofree char *to = g_strdup_printf ("%s/%s.resume", state,
                                           "0000000000000000000000000000000000000000");
    guint8 zeros[BT_INFO_HASH_LENGTH] = { 0 };
    g_autoptr(BtResume) swapped = NULL;
    g_autofree char *contents = NULL;
    gsize length;

    g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (to, contents, length, NULL));
    swapped = bt_resume_store_load_resume (store, zeros, NULL, &error);
    g_assert_null (swapped);
    g_assert_error (error, BT_ERROR, BT_ERROR_RESUME_INVALID);
    g_clear_error (&error);
    g_assert_true (bt_resume_store_remove (store, zeros, &error));
  }

  /* A damaged record: an error the caller turns into a recheck. */
  {
    g_autofree char *path = g_strdup_printf ("%s/%s.resume", state,
                                             bt_metainfo_get_info_hash_hex (meta));
    g_autofree char *contents = NULL;
    gsize length;
    g_autoptr(BtResume) damaged = NULL;

    g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (path, contents, length / 2, NULL));
    damaged = bt_resume_store_load_resume (store, bt_metainfo_get_info_hash (meta), meta, &error);
    g_assert_null (damaged);
    g_assert_nonnull (error);
    g_assert_true (error->domain == BT_ERROR);
    g_clear_error (&error);
  }

  /* Remove: both files go, and it is listed no more; twice is fine. */
  g_assert_true (bt_resume_store_remove (store, bt_metainfo_get_info_hash (meta), &error));
  g_assert_no_error (error);
  g_assert_true (bt_resume_store_remove (store, bt_metainfo_get_info_hash (meta), &error));
  g_assert_no_error (error);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = bt_resume_store_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (g_ptr_array_index (list, 0), NULL), BT_INFO_HASH_LENGTH,
                   magnet_hash, BT_INFO_HASH_LENGTH);

  /* Loading all at once: the magnet comes back with its record and no
   * metainfo, saying why. */
  {
    g_autoptr(GPtrArray) items = load_all (store);
    BtResumeStoreItem *item;

    g_assert_cmpuint (items->len, ==, 1);
    item = g_ptr_array_index (items, 0);
    g_assert_cmpmem (g_bytes_get_data (item->info_hash, NULL), BT_INFO_HASH_LENGTH,
                     magnet_hash, BT_INFO_HASH_LENGTH);
    g_assert_null (item->meta);
    g_assert_error (item->meta_error, BT_ERROR, BT_ERROR_IO);
    g_assert_no_error (item->resume_error);
    assert_records_equal (magnet, item->resume);
  }

  /* A damaged record next to a good torrent: the torrent loads, the
   * record says why it does not. */
  {
    g_autofree char *path = g_strdup_printf ("%s/%s.resume", state,
                                             bt_metainfo_get_info_hash_hex (meta));
    g_autoptr(GPtrArray) items = NULL;
    guint found = 0;

    g_assert_true (bt_resume_store_save_metainfo (store, meta, &error));
    g_assert_no_error (error);
    write_file_of_size (path, 10);
    items = load_all (store);
    g_assert_cmpuint (items->len, ==, 2);
    for (guint i = 0; i < items->len; i++)
      {
        BtResumeStoreItem *item = g_ptr_array_index (items, i);

        if (memcmp (g_bytes_get_data (item->info_hash, NULL), bt_metainfo_get_info_hash (meta),
                    BT_INFO_HASH_LENGTH) != 0)
          continue;
        found++;
        g_assert_nonnull (item->meta);
        g_assert_no_error (item->meta_error);
        g_assert_null (item->resume);
        g_assert_nonnull (item->resume_error);
        g_assert_true (item->resume_error->domain == BT_ERROR);
      }
    g_assert_cmpuint (found, ==, 1);
  }

  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

static void
test_store_info_dict (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autoptr(BtResumeStore) store = bt_resume_store_new (dir);
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  const char *trackers[] = { "http://a.example/announce", "udp://b.example:6969", NULL };
  g_autoptr(BtMetainfo) wrapped = NULL;
  g_autoptr(BtMetainfo) loaded = NULL;
  g_autoptr(BtMetainfo) bare = NULL;
  g_autoptr(GError) error = NULL;
  guint8 wrong[BT_INFO_HASH_LENGTH] = { 1 };

  wrapped = bt_resume_store_save_info_dict (store, bt_metainfo_get_info_hash (meta),
                                            bt_metainfo_get_info_bytes (meta), trackers, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bt_metainfo_get_info_hash_hex (wrapped), ==, bt_metainfo_get_info_hash_hex (meta));
  g_assert_cmpuint (bt_metainfo_get_n_tiers (wrapped), ==, 2);
  g_assert_cmpstr (bt_metainfo_get_tier (wrapped, 1)[0], ==, trackers[1]);
  g_assert_cmpuint (bt_metainfo_get_n_files (wrapped), ==, G_N_ELEMENTS (multi_files));

  loaded = bt_resume_store_load_metainfo (store, bt_metainfo_get_info_hash (meta), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bt_metainfo_get_bytes (loaded), bt_metainfo_get_bytes (wrapped)));

  /* Without trackers (a trackerless magnet). */
  bare = bt_resume_store_save_info_dict (store, bt_metainfo_get_info_hash (meta),
                                         bt_metainfo_get_info_bytes (meta), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_metainfo_get_n_tiers (bare), ==, 0);

  /* Metadata for another info-hash is refused and not saved. */
  g_assert_null (bt_resume_store_save_info_dict (store, wrong, bt_metainfo_get_info_bytes (meta),
                                                 trackers, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_METAINFO_INVALID);
  g_clear_error (&error);
  {
    g_autoptr(BtMetainfo) none = bt_resume_store_load_metainfo (store, wrong, &error);

    g_assert_null (none);
    g_assert_error (error, BT_ERROR, BT_ERROR_IO);
    g_clear_error (&error);
  }

  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

static void
test_store_coalesce (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autoptr(BtResumeStore) store = bt_resume_store_new (dir);
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  const guint8 *hash = bt_metainfo_get_info_hash (meta);
  const guint interval = 100;
  Watch watch;

  bt_resume_store_set_interval (store, interval);
  g_assert_cmpuint (bt_resume_store_get_interval (store), ==, interval);
  watch_init (&watch, store);
  g_assert_false (context_has_timer ());

  /* A burst of changes: one write, of the last record. */
  for (guint i = 1; i <= 500; i++)
    {
      resume->uploaded = i;
      bt_resume_store_schedule (store, hash, resume);
    }
  g_assert_true (context_has_timer ());
  run_until_written (&watch, 1);
  g_assert_cmpuint (watch.written->len, ==, 1);
  g_assert_cmpuint (watch.failed->len, ==, 0);
  {
    g_autoptr(BtResume) back = load_record (store, meta);

    g_assert_cmpuint (back->uploaded, ==, 500);
  }

  /* Nothing changes: no timer, no write. */
  g_assert_false (context_has_timer ());
  run_for (3 * interval);
  g_assert_cmpuint (watch.written->len, ==, 1);

  /* Steady changes: at most one write per interval. */
  for (guint round = 0; round < 3; round++)
    {
      guint before = watch.written->len;

      resume->downloaded = round;
      bt_resume_store_schedule (store, hash, resume);
      run_until_written (&watch, before + 1);
      /* Schedule again straight away: it must wait for the interval. */
    }
  g_assert_cmpuint (watch.written->len, ==, 4);
  g_assert_cmpint (watch.min_gap, >=, (gint64) interval * 1000 * 9 / 10);

  /* Several torrents: one write each. */
  {
    BtMetainfo *others[3] = { NULL };

    for (guint i = 0; i < G_N_ELEMENTS (others); i++)
      {
        FileSpec spec = { NULL, 1000 * (i + 1), FALSE };
        g_autofree char *name = g_strdup_printf ("other-%u", i);
        g_autoptr(BtResume) record = NULL;

        others[i] = make_meta (name, &spec, 1, 16384);
        record = make_full_record (others[i]);
        for (guint j = 0; j < 10; j++)
          bt_resume_store_schedule (store, bt_metainfo_get_info_hash (others[i]), record);
      }
    run_until_written (&watch, 7);
    run_for (2 * interval);
    g_assert_cmpuint (watch.written->len, ==, 7);
    g_assert_false (context_has_timer ());
    for (guint i = 0; i < G_N_ELEMENTS (others); i++)
      {
        g_autoptr(BtResume) back = load_record (store, others[i]);

        g_assert_nonnull (back);
        g_object_unref (others[i]);
      }
  }

  watch_clear (&watch);
  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

/* With the metainfo, the worker syncs the files and takes their sizes and
 * times itself: the record the caller scheduled has none. */
static void
test_store_schedule_full (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_autoptr(BtResumeStore) store = bt_resume_store_new (state);
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) resume = make_full_record (meta);
  g_autoptr(BtResume) back = NULL;
  g_autoptr(GError) error = NULL;

  lay_out_files (meta, data, NULL);
  g_free (resume->save_path);
  resume->save_path = g_strdup (data);
  for (guint i = 0; i < resume->n_files; i++)
    resume->files[i] = (BtResumeFile) { 0, 0, 0, resume->files[i].priority };
  g_assert_true (bt_resume_sync_files (meta, data, &error));
  g_assert_no_error (error);

  bt_resume_store_schedule_full (store, resume->info_hash, resume, meta);
  g_assert_true (bt_resume_store_flush (store, &error));
  g_assert_no_error (error);

  back = load_record (store, meta);
  g_assert_cmpuint (back->files[0].size, ==, 40000);
  g_assert_cmpuint (back->files[2].size, ==, 70000);
  g_assert_cmpint (back->files[3].priority, ==, resume->files[3].priority);
  assert_unchanged (back, meta, data, TRUE);

  /* The files cannot be looked at (a link in the way): the record is
   * written without file times, so the next start checks the data. */
  {
    g_autofree char *sub = g_build_filename (data, "multi", "sub", NULL);
    g_autofree char *moved = g_build_filename (dir, "moved", NULL);
    g_autoptr(BtResume) blind = NULL;

    g_assert_cmpint (g_rename (sub, moved), ==, 0);
    g_assert_cmpint (symlink (moved, sub), ==, 0);
    g_assert_false (bt_resume_sync_files (meta, data, &error));
    g_assert_error (error, BT_ERROR, BT_ERROR_STORAGE_UNSAFE);
    g_clear_error (&error);

    bt_resume_store_schedule_full (store, resume->info_hash, resume, meta);
    g_assert_true (bt_resume_store_flush (store, &error));
    g_assert_no_error (error);
    blind = load_record (store, meta);
    for (guint i = 0; i < blind->n_files; i++)
      g_assert_cmpuint (blind->files[i].size, ==, 0);
    g_assert_cmpint (g_unlink (sub), ==, 0);
    g_assert_cmpint (g_rename (moved, sub), ==, 0);
    assert_unchanged (blind, meta, data, FALSE);
  }

  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

static void
test_store_flush (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autoptr(BtResumeStore) store = bt_resume_store_new (dir);
  g_autoptr(GPtrArray) metas = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  Watch watch;

  /* An interval no test waits for: only flush writes. */
  bt_resume_store_set_interval (store, 60 * 1000);
  watch_init (&watch, store);

  for (guint i = 0; i < 10; i++)
    {
      FileSpec spec = { NULL, 5000 + i, FALSE };
      g_autofree char *name = g_strdup_printf ("flush-%u", i);
      BtMetainfo *meta = make_meta (name, &spec, 1, 16384);
      g_autoptr(BtResume) record = make_full_record (meta);

      g_ptr_array_add (metas, meta);
      record->queue_position = i;
      bt_resume_store_schedule (store, bt_metainfo_get_info_hash (meta), record);
      record->queue_position = 100 + i;
      bt_resume_store_schedule (store, bt_metainfo_get_info_hash (meta), record);
    }

  g_assert_true (bt_resume_store_flush (store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (watch.written->len, ==, 10);
  g_assert_false (context_has_timer ());
  for (guint i = 0; i < metas->len; i++)
    {
      g_autoptr(BtResume) back = load_record (store, g_ptr_array_index (metas, i));

      g_assert_cmpuint (back->queue_position, ==, 100 + i);
    }

  /* Nothing pending: flush writes nothing. */
  g_assert_true (bt_resume_store_flush (store, &error));
  g_assert_cmpuint (watch.written->len, ==, 10);

  /* Dropping the store writes what is pending, like flush. */
  {
    g_autoptr(BtResume) record = make_full_record (g_ptr_array_index (metas, 0));

    record->queue_position = 7777;
    bt_resume_store_schedule (store, record->info_hash, record);
    g_clear_object (&store);
    g_assert_cmpuint (watch.written->len, ==, 11);
    watch_clear (&watch);
    store = bt_resume_store_new (dir);
    {
      g_autoptr(BtResume) back = load_record (store, g_ptr_array_index (metas, 0));

      g_assert_cmpuint (back->queue_position, ==, 7777);
    }
  }

  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

/* While a write is (possibly) on the worker, remove must win: whatever
 * the interleaving, no file comes back. */
static void
test_store_remove_while_writing (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autoptr(BtResumeStore) store = bt_resume_store_new (dir);
  g_autoptr(GPtrArray) metas = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  Watch watch;

  bt_resume_store_set_interval (store, 1);
  watch_init (&watch, store);
  for (guint i = 0; i < 200; i++)
    {
      FileSpec spec = { NULL, 1000 + i, FALSE };
      g_autofree char *name = g_strdup_printf ("remove-%u", i);
      BtMetainfo *meta = make_meta (name, &spec, 1, 16384);
      g_autoptr(BtResume) record = make_full_record (meta);

      g_ptr_array_add (metas, meta);
      bt_resume_store_schedule (store, bt_metainfo_get_info_hash (meta), record);
    }

  run_until_written (&watch, 1);
  for (guint i = 0; i < metas->len; i++)
    {
      BtMetainfo *meta = g_ptr_array_index (metas, i);

      g_assert_true (bt_resume_store_remove (store, bt_metainfo_get_info_hash (meta), &error));
      g_assert_no_error (error);
    }
  g_assert_true (bt_resume_store_flush (store, &error));
  g_assert_no_error (error);
  run_for (20);

  list = bt_resume_store_list (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_false (context_has_timer ());

  watch_clear (&watch);
  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

/* A write that fails leaves the previous file whole: the new bytes go to a
 * temporary file first. As root, permissions do not make a write fail, so
 * a file size limit does. */
static void
test_store_failed_write (void)
{
  g_autofree char *dir = bt_test_make_tmpdir ();
  g_autoptr(BtResumeStore) store = bt_resume_store_new (dir);
  g_autoptr(BtMetainfo) meta = make_multi_meta ();
  g_autoptr(BtResume) good = make_full_record (meta);
  g_autoptr(BtResume) big = make_full_record (meta);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) good_bytes = bt_resume_to_bytes (good);
  g_autoptr(GDir) listing = NULL;
  struct rlimit saved, limited;
  void (*saved_handler) (int);
  guint n_entries = 0;
  Watch watch;

  watch_init (&watch, store);
  bt_resume_store_schedule (store, good->info_hash, good);
  g_assert_true (bt_resume_store_flush (store, &error));
  g_assert_no_error (error);

  g_free (big->error);
  big->error = g_strnfill (8000, 'e');

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limited = saved;
  limited.rlim_cur = g_bytes_get_size (good_bytes) + 1000;
  saved_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limited), ==, 0);

  bt_resume_store_schedule (store, big->info_hash, big);
  g_assert_false (bt_resume_store_flush (store, &error));

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, saved_handler);

  g_assert_nonnull (error);
  g_assert_true (error->domain == BT_ERROR);
  g_test_message ("failed write: %s", error->message);
  g_assert_cmpuint (watch.failed->len, ==, 1);

  {
    g_autoptr(BtResume) back = load_record (store, meta);

    assert_records_equal (good, back);
  }

  /* No temporary file left behind. */
  listing = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (listing) != NULL)
    n_entries++;
  g_assert_cmpuint (n_entries, ==, 1);

  watch_clear (&watch);
  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

/* The resident memory of this process, in bytes. */
static guint64
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  guint64 size = 0, resident = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  g_assert_cmpint (sscanf (statm, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &size, &resident), ==, 2);
  return resident * sysconf (_SC_PAGESIZE);
}

/* Whether @path is on a tmpfs with room for the scale test's files. */
static gboolean
is_roomy_tmpfs (const char *path)
{
  struct statfs fs;

  return statfs (path, &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
         (guint64) fs.f_bavail * fs.f_bsize > 512 * 1024 * 1024;
}

/* 2,000 torrents of a few files each: the metainfo copies and records
 * written, then everything listed and loaded back, as a session start
 * does. Reports the times for the lead's startup figures.
 *
 * Every file write ends in fsync()s, which on a busy shared disk take
 * milliseconds each: 2,000 torrents would take the test past its time
 * limit there. So the files go to a tmpfs (/dev/shm) when there is one,
 * which times everything but the disk; elsewhere, and under a sanitizer,
 * only 200 torrents are written. With -m perf the 2,000 go to the real
 * temporary folder, fsync()s and all. */
static void
test_store_scale (void)
{
  gboolean on_tmpfs = !g_test_perf () && is_roomy_tmpfs ("/dev/shm");
  const guint n_torrents = (on_tmpfs && !running_on_sanitizer) || g_test_perf () ? 2000 : 200;
  g_autofree char *dir = NULL;
  g_autoptr(BtResumeStore) store = NULL;
  g_autoptr(GPtrArray) metas = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start, scheduled, written, start_load, listed, loaded, start_async, loaded_async;
  guint64 rss_before = 0, rss_after = 0;
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) kept_records = g_ptr_array_new_with_free_func ((GDestroyNotify) bt_resume_free);
  guint64 disk_bytes = 0;
  Watch watch;

  if (on_tmpfs)
    {
      dir = g_strdup ("/dev/shm/btorrent-test-XXXXXX");
      g_assert_nonnull (g_mkdtemp (dir));
    }
  else
    dir = bt_test_make_tmpdir ();
  store = bt_resume_store_new (dir);
  watch_init (&watch, store);
  for (guint i = 0; i < n_torrents; i++)
    {
      FileSpec specs[] = {
        { "video.mkv", 700 * 1024 * 1024 + i, FALSE },
        { "subs/en.srt", 50000, FALSE },
        { "cover.jpg", 200000, FALSE },
      };
      g_autofree char *name = g_strdup_printf ("scale-%u", i);

      g_ptr_array_add (metas, make_meta (name, specs, G_N_ELEMENTS (specs), 256 * 1024));
    }

  /* Adding them all at once: the copies and the records go to the writer
   * together, and the main loop is never held up. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_torrents; i++)
    {
      BtMetainfo *meta = g_ptr_array_index (metas, i);
      g_autoptr(BtResume) record = make_full_record (meta);

      record->queue_position = i;
      bt_resume_store_schedule_metainfo (store, meta);
      bt_resume_store_schedule (store, bt_metainfo_get_info_hash (meta), record);
    }
  scheduled = g_get_monotonic_time ();
  g_assert_true (bt_resume_store_flush (store, &error));
  g_assert_no_error (error);
  written = g_get_monotonic_time ();
  g_assert_cmpuint (watch.failed->len, ==, 0);
  g_assert_cmpuint (watch.written->len, >=, n_torrents);

  /* As a fresh start would: a new store over the same folder. */
  g_clear_object (&store);
  store = bt_resume_store_new (dir);
  start_load = g_get_monotonic_time ();
  list = bt_resume_store_list (store, &error);
  g_assert_no_error (error);
  listed = g_get_monotonic_time ();
  g_assert_cmpuint (list->len, ==, n_torrents);
  for (guint i = 0; i < list->len; i++)
    {
      const guint8 *hash = g_bytes_get_data (g_ptr_array_index (list, i), NULL);
      BtMetainfo *meta = bt_resume_store_load_metainfo (store, hash, &error);
      BtResume *record = NULL;

      g_assert_no_error (error);
      record = bt_resume_store_load_resume (store, hash, meta, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (record->n_files, ==, 3);
      disk_bytes += g_bytes_get_size (bt_metainfo_get_bytes (meta));
      /* Kept, as a session keeps them: memory for all of them is part of
       * the cost. */
      g_ptr_array_add (kept, meta);
      g_ptr_array_add (kept_records, record);
    }
  loaded = g_get_monotonic_time ();
  g_clear_pointer (&kept, g_ptr_array_unref);
  g_clear_pointer (&kept_records, g_ptr_array_unref);

  /* The same on the workers, as a session start should do it. */
  {
    g_autoptr(BtResumeStore) fresh = bt_resume_store_new (dir);
    g_autoptr(GPtrArray) items = NULL;

    rss_before = resident_bytes ();
    start_async = g_get_monotonic_time ();
    items = load_all (fresh);
    loaded_async = g_get_monotonic_time ();
    rss_after = resident_bytes ();
    g_assert_cmpuint (items->len, ==, n_torrents);
    for (guint i = 0; i < items->len; i++)
      {
        BtResumeStoreItem *item = g_ptr_array_index (items, i);

        g_assert_no_error (item->meta_error);
        g_assert_no_error (item->resume_error);
        g_assert_cmpuint (item->resume->queue_position, <, n_torrents);
      }
  }

  g_test_message ("scale: %u torrents (3 files, ~2,900 pieces each; %.1f MiB of metainfo) in %s: "
                  "adding them: %.0f ms on the main thread, all written (metainfo copies and "
                  "records) %.0f ms later; starting: listed in %.1f ms, metainfo and records "
                  "loaded and parsed in %.0f ms (%.0f µs a torrent) one by one on the main "
                  "thread, in %.0f ms by bt_resume_store_load_all_async(); resident memory "
                  "grew by %.1f MiB while they were loaded (%.0f KiB a torrent)",
                  n_torrents, disk_bytes / 1048576.0, on_tmpfs ? "a tmpfs" : "the temporary folder",
                  (scheduled - start) / 1000.0,
                  (written - scheduled) / 1000.0, (listed - start_load) / 1000.0,
                  (loaded - start_load) / 1000.0, (gdouble) (loaded - start_load) / n_torrents,
                  (loaded_async - start_async) / 1000.0,
                  (rss_after - MIN (rss_before, rss_after)) / 1048576.0,
                  (rss_after - MIN (rss_before, rss_after)) / 1024.0 / n_torrents);
  watch_clear (&watch);
  g_clear_object (&store);
  bt_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/resume/roundtrip", test_roundtrip);
  g_test_add_func ("/engine/resume/roundtrip-magnet", test_roundtrip_magnet);
  g_test_add_func ("/engine/resume/hostile", test_hostile);
  g_test_add_func ("/engine/resume/unknown-keys", test_unknown_keys);
  g_test_add_func ("/engine/resume/files/unchanged", test_files_unchanged);
  g_test_add_func ("/engine/resume/files/missing-folder", test_files_missing_folder);
  g_test_add_func ("/engine/resume/files/symlink", test_files_symlink);
  g_test_add_func ("/engine/resume/store/save-load", test_store_save_load);
  g_test_add_func ("/engine/resume/store/info-dict", test_store_info_dict);
  g_test_add_func ("/engine/resume/store/coalesce", test_store_coalesce);
  g_test_add_func ("/engine/resume/store/schedule-full", test_store_schedule_full);
  g_test_add_func ("/engine/resume/store/flush", test_store_flush);
  g_test_add_func ("/engine/resume/store/remove-while-writing", test_store_remove_while_writing);
  g_test_add_func ("/engine/resume/store/failed-write", test_store_failed_write);
  g_test_add_func ("/engine/resume/store/scale", test_store_scale);

  return g_test_run ();
}
