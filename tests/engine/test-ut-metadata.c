/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Metadata exchange (BEP 9): the message codec, the assembler and the
 * answers a torrent gives.
 */
#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-sha1.h"
#include "bt-ut-metadata.h"

static GBytes *
random_bytes (gsize   length,
              guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  return g_bytes_new_take (data, length);
}

static gboolean
parse_string (const char          *text,
              gsize                length,
              BtUtMetadataMessage *out,
              GError             **error)
{
  return bt_ut_metadata_parse ((const guint8 *) text, length, out, error);
}

static void
test_codec (void)
{
  g_autoptr(GBytes) request = bt_ut_metadata_build_request (3);
  g_autoptr(GBytes) reject = bt_ut_metadata_build_reject (4);
  g_autoptr(GBytes) data = bt_ut_metadata_build_data (1, 20000, (const guint8 *) "abcdef", 6);
  g_autoptr(GError) error = NULL;
  BtUtMetadataMessage message;

  g_assert_cmpmem (g_bytes_get_data (request, NULL), g_bytes_get_size (request),
                   "d8:msg_typei0e5:piecei3ee", 25);
  g_assert_true (bt_ut_metadata_parse (g_bytes_get_data (request, NULL),
                                       g_bytes_get_size (request), &message, &error));
  g_assert_no_error (error);
  g_assert_cmpint (message.type, ==, BT_UT_METADATA_REQUEST);
  g_assert_cmpuint (message.piece, ==, 3);
  g_assert_null (message.data);

  g_assert_true (bt_ut_metadata_parse (g_bytes_get_data (reject, NULL), g_bytes_get_size (reject),
                                       &message, &error));
  g_assert_cmpint (message.type, ==, BT_UT_METADATA_REJECT);
  g_assert_cmpuint (message.piece, ==, 4);

  g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                   "d8:msg_typei1e5:piecei1e10:total_sizei20000eeabcdef", 51);
  g_assert_true (bt_ut_metadata_parse (g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                       &message, &error));
  g_assert_cmpint (message.type, ==, BT_UT_METADATA_DATA);
  g_assert_cmpuint (message.piece, ==, 1);
  g_assert_cmpint (message.total_size, ==, 20000);
  g_assert_cmpmem (message.data, message.data_length, "abcdef", 6);
}

static void
test_codec_bad (void)
{
  const char *cases[] = {
    "",
    "le",
    "d5:piecei0ee",                              /* no type */
    "d8:msg_typei0ee",                           /* no piece */
    "d8:msg_typei0e5:piecei-1ee",                /* negative piece */
    "d8:msg_typei0e5:piecei1024ee",              /* past the largest metadata */
    "d8:msg_typei3e5:piecei0ee",                 /* unknown type */
    "d8:msg_typei0e5:piecei0eexyz",              /* a request with data */
    "d8:msg_typei1e5:piecei0eexyz",              /* data without total_size */
    "d8:msg_typei1e5:piecei0e10:total_sizei0eexyz",
    "d8:msg_typei0e5:piece",                     /* truncated */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      BtUtMetadataMessage message;

      g_test_message ("case %u: %s", i, cases[i]);
      g_assert_false (parse_string (cases[i], strlen (cases[i]), &message, &error));
      g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
    }
}

/* Pieces in any order, duplicates harmless, the last one short; the whole
 * is returned once it hashes right. */
static void
test_assembler (void)
{
  gsize size = 2 * BT_UT_METADATA_PIECE_SIZE + 100;
  g_autoptr(GBytes) info = random_bytes (size, 7);
  const guint8 *data = g_bytes_get_data (info, NULL);
  g_autoptr(BtUtMetadataAssembler) assembler = NULL;
  g_autoptr(GBytes) result = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[20];

  bt_sha1 (data, size, hash);
  assembler = bt_ut_metadata_assembler_new (hash, size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_ut_metadata_assembler_get_n_pieces (assembler), ==, 3);

  g_assert_true (bt_ut_metadata_assembler_add_piece (assembler, 2, data + 2 * 16384, 100, &error));
  g_assert_false (bt_ut_metadata_assembler_is_complete (assembler));
  g_assert_true (bt_ut_metadata_assembler_add_piece (assembler, 0, data, 16384, &error));
  g_assert_true (bt_ut_metadata_assembler_add_piece (assembler, 0, data, 16384, &error));
  g_assert_true (bt_ut_metadata_assembler_has_piece (assembler, 0));
  g_assert_false (bt_ut_metadata_assembler_has_piece (assembler, 1));
  g_assert_false (bt_ut_metadata_assembler_has_piece (assembler, 3));

  /* Wrong sizes and pieces that do not exist. */
  g_assert_false (bt_ut_metadata_assembler_add_piece (assembler, 1, data, 100, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (bt_ut_metadata_assembler_add_piece (assembler, 2, data, 16384, &error));
  g_clear_error (&error);
  g_assert_false (bt_ut_metadata_assembler_add_piece (assembler, 3, data, 100, &error));
  g_clear_error (&error);

  g_assert_true (bt_ut_metadata_assembler_add_piece (assembler, 1, data + 16384, 16384, &error));
  g_assert_true (bt_ut_metadata_assembler_is_complete (assembler));
  result = bt_ut_metadata_assembler_finish (assembler, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (result, info));
}

/* Pieces that do not hash to the info-hash are refused, and the assembler
 * starts over. */
static void
test_assembler_mismatch (void)
{
  g_autoptr(GBytes) info = random_bytes (5000, 8);
  g_autoptr(GBytes) other = random_bytes (5000, 9);
  g_autoptr(BtUtMetadataAssembler) assembler = NULL;
  g_autoptr(GBytes) result = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[20];

  bt_sha1 (g_bytes_get_data (info, NULL), 5000, hash);
  assembler = bt_ut_metadata_assembler_new (hash, 5000, &error);
  g_assert_true (bt_ut_metadata_assembler_add_piece (assembler, 0, g_bytes_get_data (other, NULL),
                                                     5000, &error));
  g_assert_null (bt_ut_metadata_assembler_finish (assembler, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_HASH_MISMATCH);
  g_clear_error (&error);
  g_assert_false (bt_ut_metadata_assembler_is_complete (assembler));
  g_assert_false (bt_ut_metadata_assembler_has_piece (assembler, 0));

  g_assert_true (bt_ut_metadata_assembler_add_piece (assembler, 0, g_bytes_get_data (info, NULL),
                                                     5000, &error));
  result = bt_ut_metadata_assembler_finish (assembler, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (result, info));
}

/* Sizes nobody should have to hold: refused before any memory is taken. */
static void
test_assembler_limits (void)
{
  guint8 hash[20] = { 0 };
  const gint64 sizes[] = { 0, -1, BT_UT_METADATA_MAX_SIZE + 1, G_MAXINT64 };
  g_autoptr(BtUtMetadataAssembler) largest = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (bt_ut_metadata_assembler_new (hash, sizes[i], &error));
      g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
    }
  largest = bt_ut_metadata_assembler_new (hash, BT_UT_METADATA_MAX_SIZE, NULL);
  g_assert_nonnull (largest);
  g_assert_cmpuint (bt_ut_metadata_assembler_get_n_pieces (largest), ==,
                    BT_UT_METADATA_MAX_SIZE / BT_UT_METADATA_PIECE_SIZE);
}

/* The serving side: each piece as stored, rejects past the end and when
 * there is no metadata. */
static void
test_answer (void)
{
  gsize size = BT_UT_METADATA_PIECE_SIZE + 10;
  g_autoptr(GBytes) info = random_bytes (size, 10);
  BtUtMetadataMessage request = { .type = BT_UT_METADATA_REQUEST };

  for (guint32 piece = 0; piece < 3; piece++)
    {
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GBytes) none = NULL;
      BtUtMetadataMessage message;

      request.piece = piece;
      answer = bt_ut_metadata_answer (info, &request);
      g_assert_true (bt_ut_metadata_parse (g_bytes_get_data (answer, NULL),
                                           g_bytes_get_size (answer), &message, NULL));
      g_assert_cmpuint (message.piece, ==, piece);
      if (piece < 2)
        {
          g_assert_cmpint (message.type, ==, BT_UT_METADATA_DATA);
          g_assert_cmpint (message.total_size, ==, (gint64) size);
          g_assert_cmpmem (message.data, message.data_length,
                           (const guint8 *) g_bytes_get_data (info, NULL) + piece * 16384,
                           piece == 0 ? 16384 : 10);
        }
      else
        g_assert_cmpint (message.type, ==, BT_UT_METADATA_REJECT);

      none = bt_ut_metadata_answer (NULL, &request);
      g_assert_true (bt_ut_metadata_parse (g_bytes_get_data (none, NULL), g_bytes_get_size (none),
                                           &message, NULL));
      g_assert_cmpint (message.type, ==, BT_UT_METADATA_REJECT);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/ut-metadata/codec", test_codec);
  g_test_add_func ("/engine/ut-metadata/codec-bad", test_codec_bad);
  g_test_add_func ("/engine/ut-metadata/assembler", test_assembler);
  g_test_add_func ("/engine/ut-metadata/assembler-mismatch", test_assembler_mismatch);
  g_test_add_func ("/engine/ut-metadata/assembler-limits", test_assembler_limits);
  g_test_add_func ("/engine/ut-metadata/answer", test_answer);

  return g_test_run ();
}
