/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Unit tests of the piece picker: no sockets, peers are plain pointers.
 */
#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-bitfield.h"
#include "bt-limits.h"
#include "bt-metainfo.h"
#include "bt-picker.h"
#include "bt-wire.h"

#define BS BT_BLOCK_SIZE
#define END G_MAXUINT32

/* Peers are opaque to the picker; any distinct non-NULL pointers do. */
#define PEER(n) GUINT_TO_POINTER (0x1000u + (n))

/* A multi-file torrent: @sizes and @pads have @n_files entries; pad files
 * get BEP 47's "p" attribute. Piece hashes are zeros: the picker never
 * looks at them. */
static BtMetainfo *
make_meta (guint32         piece_length,
           guint           n_files,
           const gint64   *sizes,
           const gboolean *pads)
{
  g_autoptr(BtBencode) root = bt_bencode_new_dict ();
  BtBencode *info = bt_bencode_new_dict ();
  BtBencode *files = bt_bencode_new_list ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *hashes = NULL;
  BtMetainfo *meta;
  guint64 total = 0, n_pieces;

  for (guint i = 0; i < n_files; i++)
    {
      BtBencode *entry = bt_bencode_new_dict ();
      BtBencode *path = bt_bencode_new_list ();
      g_autofree char *name = g_strdup_printf ("%u", i);

      if (pads != NULL && pads[i])
        {
          bt_bencode_list_append (path, bt_bencode_new_string (".pad"));
          bt_bencode_dict_set (entry, "attr", bt_bencode_new_string ("p"));
        }
      bt_bencode_list_append (path, bt_bencode_new_string (name));
      bt_bencode_dict_set (entry, "length", bt_bencode_new_integer (sizes[i]));
      bt_bencode_dict_set (entry, "path", path);
      bt_bencode_list_append (files, entry);
      total += (guint64) sizes[i];
    }

  n_pieces = (total + piece_length - 1) / piece_length;
  hashes = g_malloc0 (n_pieces * 20);
  bt_bencode_dict_set (info, "name", bt_bencode_new_string ("t"));
  bt_bencode_dict_set (info, "files", files);
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (piece_length));
  bt_bencode_dict_set (info, "pieces", bt_bencode_new_string_len (hashes, n_pieces * 20));
  bt_bencode_dict_set (root, "info", info);

  bytes = bt_bencode_encode (root);
  meta = bt_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, n_pieces);
  return meta;
}

static BtMetainfo *
make_single (guint32 piece_length,
             gint64  size)
{
  return make_meta (piece_length, 1, &size, NULL);
}

/* A bitfield of @n bits with the listed pieces set (END-terminated). */
static BtBitfield *
bf_only (guint32 n,
         ...)
{
  BtBitfield *bf = bt_bitfield_new (n);
  va_list args;

  va_start (args, n);
  for (guint32 p = va_arg (args, guint32); p != END; p = va_arg (args, guint32))
    bt_bitfield_set (bf, p);
  va_end (args);
  return bf;
}

/* A bitfield of @n bits with all but the listed pieces set. */
static BtBitfield *
bf_all_but (guint32 n,
            ...)
{
  BtBitfield *bf = bt_bitfield_new (n);
  va_list args;

  bt_bitfield_set_all (bf);
  va_start (args, n);
  for (guint32 p = va_arg (args, guint32); p != END; p = va_arg (args, guint32))
    bt_bitfield_clear (bf, p);
  va_end (args);
  return bf;
}

static BtBitfield *
bf_all (guint32 n)
{
  BtBitfield *bf = bt_bitfield_new (n);

  bt_bitfield_set_all (bf);
  return bf;
}

/* Picks one block and returns its piece, or END when nothing was picked. */
static guint32
pick_one (BtPicker         *picker,
          gpointer          peer,
          const BtBitfield *have)
{
  BtBlock block;

  if (bt_picker_pick (picker, peer, have, 1, &block) == 0)
    return END;
  return block.piece;
}

/* Delivers every block of @piece from @peer, asserting that only the last
 * completes the piece. */
static void
receive_piece (BtPicker *picker,
               gpointer  peer,
               guint32   piece)
{
  guint32 n = bt_picker_get_n_blocks (picker, piece);

  for (guint32 b = 0; b < n; b++)
    {
      gboolean done = bt_picker_block_received (picker, peer, piece, b * BS,
                                                bt_picker_get_block_length (picker, piece, b),
                                                NULL);
      g_assert_cmpint (done, ==, b + 1 == n);
      g_assert_cmpint (bt_picker_piece_is_ready (picker, piece), ==, b + 1 == n);
    }
}

static void
test_block_sizes (void)
{
  /* Three whole pieces of two blocks, then a short one: 16384 + 3616. */
  g_autoptr(BtMetainfo) meta = make_single (2 * BS, 3 * 2 * BS + 20000);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) all = bf_all (4);
  g_autoptr(BtMetainfo) meta2 = make_single (2 * BS, 2 * 2 * BS + 100);
  g_autoptr(BtPicker) picker2 = bt_picker_new (meta2);
  g_autoptr(BtBitfield) all2 = bf_all (3);
  BtBlock blocks[16];
  guint64 sum[4] = { 0, };
  guint n;

  g_assert_cmpuint (bt_picker_get_n_blocks (picker, 0), ==, 2);
  g_assert_cmpuint (bt_picker_get_n_blocks (picker, 3), ==, 2);
  g_assert_cmpuint (bt_picker_get_block_length (picker, 3, 0), ==, BS);
  g_assert_cmpuint (bt_picker_get_block_length (picker, 3, 1), ==, 20000 - BS);
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, 3 * 2 * BS + 20000);

  bt_picker_add_peer (picker, PEER (1), all);
  n = bt_picker_pick (picker, PEER (1), all, G_N_ELEMENTS (blocks), blocks);
  g_assert_cmpuint (n, ==, 8);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (blocks[i].begin % BS, ==, 0);
      if (blocks[i].piece == 3 && blocks[i].begin == BS)
        g_assert_cmpuint (blocks[i].length, ==, 20000 - BS);
      else
        g_assert_cmpuint (blocks[i].length, ==, BS);
      sum[blocks[i].piece] += blocks[i].length;
    }
  g_assert_cmpuint (sum[0], ==, 2 * BS);
  g_assert_cmpuint (sum[3], ==, 20000);

  /* Only the exact length counts. */
  g_assert_false (bt_picker_block_received (picker, PEER (1), 3, BS, BS, NULL));
  g_assert_false (bt_picker_block_received (picker, PEER (1), 3, BS, 20000 - BS - 1, NULL));
  g_assert_false (bt_picker_block_received (picker, PEER (1), 3, 0, 20000 - BS, NULL));
  g_assert_false (bt_picker_block_received (picker, PEER (1), 3, BS, 20000 - BS, NULL));
  g_assert_true (bt_picker_block_received (picker, PEER (1), 3, 0, BS, NULL));
  bt_picker_piece_passed (picker, 3);
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, 3 * 2 * BS);

  /* A last piece shorter than one block: a single block of 100 bytes. */
  g_assert_cmpuint (bt_picker_get_n_blocks (picker2, 2), ==, 1);
  g_assert_cmpuint (bt_picker_get_block_length (picker2, 2, 0), ==, 100);
  bt_picker_add_peer (picker2, PEER (1), all2);
  n = bt_picker_pick (picker2, PEER (1), all2, G_N_ELEMENTS (blocks), blocks);
  g_assert_cmpuint (n, ==, 5);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (blocks[i].length, ==, blocks[i].piece == 2 ? 100 : BS);
  g_assert_true (bt_picker_block_received (picker2, PEER (1), 2, 0, 100, NULL));
}

static void
test_odd_piece_length (void)
{
  /* Piece lengths need not be multiples of the block size (BEP 3 only
   * recommends powers of two): every piece ends in a short block. */
  g_autoptr(BtMetainfo) meta = make_single (40000, 100000);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);

  g_assert_cmpuint (bt_picker_get_n_blocks (picker, 0), ==, 3);
  g_assert_cmpuint (bt_picker_get_block_length (picker, 0, 2), ==, 40000 - 2 * BS);
  g_assert_cmpuint (bt_picker_get_n_blocks (picker, 2), ==, 2);
  g_assert_cmpuint (bt_picker_get_block_length (picker, 2, 0), ==, BS);
  g_assert_cmpuint (bt_picker_get_block_length (picker, 2, 1), ==, 20000 - BS);
}

/* 40 one-block pieces; piece 7 is rare (only the seed has it). Before we
 * have any piece the first pick is random; afterwards it is piece 7. */
static void
test_random_first (void)
{
  g_autoptr(BtMetainfo) meta = make_single (BS, 40 * BS);
  g_autoptr(BtBitfield) seed = bf_all (40);
  g_autoptr(BtBitfield) common = bf_all_but (40, 7, END);
  g_autoptr(GHashTable) firsts = g_hash_table_new (NULL, NULL);
  guint n_rare = 0;

  for (guint32 s = 0; s < 100; s++)
    {
      g_autoptr(BtPicker) picker = bt_picker_new (meta);
      guint32 first;

      bt_picker_set_random_seed (picker, s);
      bt_picker_add_peer (picker, PEER (1), seed);
      bt_picker_add_peer (picker, PEER (2), common);
      bt_picker_add_peer (picker, PEER (3), common);

      first = pick_one (picker, PEER (1), seed);
      g_assert_cmpuint (first, <, 40);
      g_hash_table_add (firsts, GUINT_TO_POINTER (first));
      if (first == 7)
        n_rare++;

      /* The random phase lasts until BT_PICKER_RANDOM_FIRST_PIECES are
       * had; from then on the rare piece comes first. */
      for (guint32 had = 0; bt_picker_get_n_have (picker) < BT_PICKER_RANDOM_FIRST_PIECES; had++)
        if (had != 7 && !bt_picker_has_piece (picker, had))
          bt_picker_piece_passed (picker, had);
      if (first != 7)
        g_assert_cmpuint (pick_one (picker, PEER (1), seed), ==, 7);
    }

  /* Rarest-first would have picked 7 every time. */
  g_assert_cmpuint (g_hash_table_size (firsts), >=, 10);
  g_assert_cmpuint (n_rare, <, 30);
}

static void
test_rarest_first (void)
{
  g_autoptr(BtMetainfo) meta = make_single (BS, 20 * BS);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) had = bf_only (20, 0, 1, 2, 3, END);
  g_autoptr(BtBitfield) a = bf_all_but (20, 19, END);
  g_autoptr(BtBitfield) b = bf_all_but (20, 5, 19, END);
  g_autoptr(BtBitfield) c = bf_all_but (20, 5, 12, 19, END);
  g_autoptr(BtBitfield) seed = bf_all (20);
  g_autoptr(BtBitfield) d = bf_all_but (20, 9, END);

  bt_picker_set_random_seed (picker, 1);
  bt_picker_set_have (picker, had);
  bt_picker_add_peer (picker, PEER (1), a);
  bt_picker_add_peer (picker, PEER (2), b);
  bt_picker_add_peer (picker, PEER (3), c);
  g_assert_cmpuint (bt_picker_get_availability (picker, 5), ==, 1);
  g_assert_cmpuint (bt_picker_get_availability (picker, 12), ==, 2);
  g_assert_cmpuint (bt_picker_get_availability (picker, 13), ==, 3);
  g_assert_cmpuint (bt_picker_get_availability (picker, 19), ==, 0);

  /* Availability 1, then 2, then the common ones; 19 nobody has. */
  g_assert_cmpuint (pick_one (picker, PEER (1), a), ==, 5);
  g_assert_cmpuint (pick_one (picker, PEER (1), a), ==, 12);
  for (guint i = 0; i < 13; i++)
    {
      guint32 p = pick_one (picker, PEER (1), a);

      g_assert_cmpuint (p, >=, 4);
      g_assert_cmpuint (p, <, 19);
      g_assert_cmpuint (p, !=, 5);
      g_assert_cmpuint (p, !=, 12);
    }
  /* Piece 19 is missing and nobody has it: not endgame. */
  g_assert_cmpuint (pick_one (picker, PEER (1), a), ==, END);
  g_assert_false (bt_picker_in_endgame (picker));
  bt_picker_return_requests (picker, PEER (1));

  /* HAVE messages change the order: 5 becomes the most common piece. */
  bt_picker_peer_has (picker, PEER (2), 5);
  bt_picker_peer_has (picker, PEER (3), 5);
  bt_picker_peer_has (picker, PEER (3), 5); /* a repeated HAVE counts once */
  bt_picker_peer_has (picker, PEER (4), 5); /* an unknown peer is added */
  g_assert_cmpuint (bt_picker_get_availability (picker, 5), ==, 4);
  g_assert_cmpuint (pick_one (picker, PEER (1), a), ==, 12);

  /* Seeds count for every piece: a piece only seeds have is the rarest
   * for a seed to give. */
  bt_picker_return_requests (picker, PEER (1));
  bt_picker_remove_peer (picker, PEER (1));
  bt_picker_remove_peer (picker, PEER (2));
  bt_picker_remove_peer (picker, PEER (3));
  bt_picker_remove_peer (picker, PEER (4));
  bt_picker_add_peer (picker, PEER (5), seed);
  bt_picker_add_peer (picker, PEER (6), d);
  bt_picker_add_peer (picker, PEER (7), d);
  g_assert_cmpuint (bt_picker_get_availability (picker, 9), ==, 1);
  g_assert_cmpuint (bt_picker_get_availability (picker, 8), ==, 3);
  g_assert_cmpuint (pick_one (picker, PEER (5), seed), ==, 9);

  /* A peer whose HAVEs complete its set counts as a seed from then on. */
  bt_picker_peer_has (picker, PEER (6), 9);
  g_assert_cmpuint (bt_picker_get_availability (picker, 9), ==, 2);
  g_assert_cmpuint (bt_picker_get_availability (picker, 10), ==, 3);
  bt_picker_remove_peer (picker, PEER (6));
  g_assert_cmpuint (bt_picker_get_availability (picker, 9), ==, 1);
  g_assert_cmpuint (bt_picker_get_availability (picker, 10), ==, 2);
}

/* Two pieces equally rare: across seeds both come first, nothing else. */
static void
test_tie_break (void)
{
  g_autoptr(BtMetainfo) meta = make_single (BS, 10 * BS);
  g_autoptr(BtBitfield) had = bf_only (10, 0, 1, 2, 3, END);
  g_autoptr(BtBitfield) a = bf_all_but (10, 9, END);
  g_autoptr(BtBitfield) b = bf_all_but (10, 6, 8, 9, END);
  guint counts[10] = { 0, };

  for (guint32 s = 0; s < 100; s++)
    {
      g_autoptr(BtPicker) picker = bt_picker_new (meta);
      guint32 first, second;

      bt_picker_set_random_seed (picker, s * 7919);
      bt_picker_set_have (picker, had);
      bt_picker_add_peer (picker, PEER (1), a);
      bt_picker_add_peer (picker, PEER (2), b);
      first = pick_one (picker, PEER (1), a);
      second = pick_one (picker, PEER (1), a);
      g_assert_true (first == 6 || first == 8);
      g_assert_true (second == 6 || second == 8);
      g_assert_cmpuint (first, !=, second);
      counts[first]++;
    }
  g_assert_cmpuint (counts[6], >, 10);
  g_assert_cmpuint (counts[8], >, 10);
}

static void
test_peer_lacks (void)
{
  g_autoptr(BtMetainfo) meta = make_single (4 * BS, 10 * 4 * BS);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) none = bt_bitfield_new (10);
  g_autoptr(BtBitfield) only5 = bf_only (10, 5, END);
  g_autoptr(BtBitfield) seed = bf_all (10);
  BtBlock blocks[32];
  guint n;

  bt_picker_add_peer (picker, PEER (1), none);
  bt_picker_add_peer (picker, PEER (2), only5);
  bt_picker_add_peer (picker, PEER (3), seed);

  g_assert_false (bt_picker_is_interesting (picker, none));
  g_assert_true (bt_picker_is_interesting (picker, only5));
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), none, 32, blocks), ==, 0);

  n = bt_picker_pick (picker, PEER (2), only5, 32, blocks);
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (blocks[i].piece, ==, 5);
  /* The rest is free, so this is no endgame: no duplicates either. */
  g_assert_false (bt_picker_in_endgame (picker));
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), only5, 32, blocks), ==, 0);

  /* Piece 5 is being fetched from peer 2; the seed gets other pieces. */
  n = bt_picker_pick (picker, PEER (3), seed, 32, blocks);
  g_assert_cmpuint (n, ==, 32);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (blocks[i].piece, !=, 5);

  receive_piece (picker, PEER (2), 5);
  bt_picker_piece_passed (picker, 5);
  g_assert_false (bt_picker_is_interesting (picker, only5));
  g_assert_true (bt_picker_is_interesting (picker, seed));
}

/* 8 pieces of 16 blocks, two seeds. */
static void
test_partial_first (void)
{
  g_autoptr(BtMetainfo) meta = make_single (16 * BS, 8 * 16 * BS);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) seed = bf_all (8);
  BtBlock blocks[32];
  guint32 x, y, p3, p4;
  guint n, n_p4;

  bt_picker_set_random_seed (picker, 3);
  bt_picker_add_peer (picker, PEER (1), seed);
  bt_picker_add_peer (picker, PEER (2), seed);

  /* Peer 1 starts a piece; peer 2 starts another instead of sharing it. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), seed, 4, blocks), ==, 4);
  x = blocks[0].piece;
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpuint (blocks[i].piece, ==, x);
      g_assert_cmpuint (blocks[i].begin, ==, i * BS);
    }
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), seed, 4, blocks), ==, 4);
  y = blocks[0].piece;
  g_assert_cmpuint (y, !=, x);

  /* Each continues its own piece. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), seed, 12, blocks), ==, 12);
  for (guint i = 0; i < 12; i++)
    {
      g_assert_cmpuint (blocks[i].piece, ==, x);
      g_assert_cmpuint (blocks[i].begin, ==, (i + 4) * BS);
    }

  /* Open two more pieces: 4 partial pieces, the cap for two peers. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), seed, 20, blocks), ==, 20);
  p3 = blocks[0].piece;
  p4 = blocks[19].piece;
  g_assert_cmpuint (blocks[15].piece, ==, p3);
  g_assert_cmpuint (blocks[16].piece, ==, p4);
  g_assert_true (p3 != x && p3 != y && p4 != x && p4 != y && p3 != p4);

  /* At the cap, peer 2 finishes its own piece, then helps with peer 1's
   * open one rather than starting a fifth. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), seed, 20, blocks), ==, 20);
  n_p4 = 0;
  for (guint i = 0; i < 12; i++)
    g_assert_cmpuint (blocks[i].piece, ==, y);
  for (guint i = 12; i < 20; i++)
    n_p4 += blocks[i].piece == p4;
  g_assert_cmpuint (n_p4, ==, 8);

  /* Peer 1 delivers two blocks of x and leaves: its other requests go
   * back, x keeps its data and a newcomer finishes x before anything. */
  g_assert_false (bt_picker_block_received (picker, PEER (1), x, 0, BS, NULL));
  g_assert_false (bt_picker_block_received (picker, PEER (1), x, BS, BS, NULL));
  bt_picker_remove_peer (picker, PEER (1));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 0);
  bt_picker_add_peer (picker, PEER (3), seed);
  n = bt_picker_pick (picker, PEER (3), seed, 14, blocks);
  g_assert_cmpuint (n, ==, 14);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (blocks[i].piece, ==, x);
      g_assert_cmpuint (blocks[i].begin, ==, (i + 2) * BS);
    }
}

/* Files: 0 = pieces 0-2; 1 (empty); 2 = piece 3 and half of 4;
 * 3 = the other half of 4; 4 = pad, pieces 5-6; 5 = pieces 7-9, piece 9
 * short. */
static const gint64 prio_sizes[] = { 3 * BS, 0, BS + BS / 2, BS / 2, 2 * BS, 2 * BS + 7232 };
static const gboolean prio_pads[] = { FALSE, FALSE, FALSE, FALSE, TRUE, FALSE };

static void
test_priorities (void)
{
  g_autoptr(BtMetainfo) meta = make_meta (BS, G_N_ELEMENTS (prio_sizes), prio_sizes, prio_pads);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtPicker) bulk = bt_picker_new (meta);
  g_autoptr(BtBitfield) seed = bf_all (10);
  g_autoptr(BtBitfield) unwanted = bf_only (10, 3, 5, 6, END);
  BtPriority prios[G_N_ELEMENTS (prio_sizes)];
  guint32 order[10];
  guint32 picked;
  guint n = 0;

  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, 10);
  /* Pad-only pieces are never wanted. */
  for (guint32 p = 0; p < 10; p++)
    g_assert_cmpint (bt_picker_get_piece_priority (picker, p), ==,
                     p == 5 || p == 6 ? BT_PRIORITY_SKIP : BT_PRIORITY_NORMAL);

  /* Piece 4 is shared with file 3: still wanted when file 2 is skipped. */
  bt_picker_set_file_priority (picker, 2, BT_PRIORITY_SKIP);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 3), ==, BT_PRIORITY_SKIP);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 4), ==, BT_PRIORITY_NORMAL);
  bt_picker_set_file_priority (picker, 3, BT_PRIORITY_SKIP);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 4), ==, BT_PRIORITY_SKIP);
  bt_picker_set_file_priority (picker, 3, BT_PRIORITY_NORMAL);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 4), ==, BT_PRIORITY_NORMAL);

  /* Pad and empty files do not count. */
  bt_picker_set_file_priority (picker, 4, BT_PRIORITY_HIGH);
  bt_picker_set_file_priority (picker, 1, BT_PRIORITY_HIGH);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 5), ==, BT_PRIORITY_SKIP);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 6), ==, BT_PRIORITY_SKIP);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 2), ==, BT_PRIORITY_NORMAL);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 3), ==, BT_PRIORITY_SKIP);

  bt_picker_set_file_priority (picker, 5, BT_PRIORITY_HIGH);
  bt_picker_set_file_priority (picker, 0, BT_PRIORITY_LOW);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 9), ==, BT_PRIORITY_HIGH);
  g_assert_cmpint (bt_picker_get_piece_priority (picker, 0), ==, BT_PRIORITY_LOW);
  g_assert_cmpint (bt_picker_get_file_priority (picker, 0), ==, BT_PRIORITY_LOW);

  /* The bulk setter agrees. */
  for (guint f = 0; f < G_N_ELEMENTS (prio_sizes); f++)
    prios[f] = bt_picker_get_file_priority (picker, f);
  bt_picker_set_file_priorities (bulk, prios, G_N_ELEMENTS (prios));
  for (guint32 p = 0; p < 10; p++)
    g_assert_cmpint (bt_picker_get_piece_priority (bulk, p), ==,
                     bt_picker_get_piece_priority (picker, p));

  g_assert_false (bt_picker_is_interesting (picker, unwanted));

  /* HIGH strictly first, then NORMAL, then LOW; skipped never. */
  bt_picker_set_random_seed (picker, 5);
  bt_picker_add_peer (picker, PEER (1), seed);
  /* One peer never gets the same block twice, even in endgame. */
  while (n < G_N_ELEMENTS (order) && (picked = pick_one (picker, PEER (1), seed)) != END)
    order[n++] = picked;
  g_assert_cmpuint (n, ==, 7);
  for (guint i = 0; i < 3; i++)
    g_assert_true (order[i] >= 7 && order[i] <= 9);
  g_assert_cmpuint (order[3], ==, 4);
  for (guint i = 4; i < 7; i++)
    g_assert_cmpuint (order[i], <=, 2);
  g_assert_true (bt_picker_in_endgame (picker));
}

static void
test_complete_skip (void)
{
  g_autoptr(BtMetainfo) meta = make_meta (BS, G_N_ELEMENTS (prio_sizes), prio_sizes, prio_pads);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) seed = bf_all (10);
  g_autoptr(BtBitfield) full = bf_all (10);
  guint32 wanted[] = { 0, 1, 2, 4, 7, 8, 9 };
  guint64 left = 6 * BS + 7232;

  bt_picker_set_file_priority (picker, 2, BT_PRIORITY_SKIP);
  g_assert_false (bt_picker_is_complete (picker));
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, left);

  bt_picker_add_peer (picker, PEER (1), seed);
  for (guint i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      g_assert_false (bt_picker_is_complete (picker));
      g_assert_cmpuint (pick_one (picker, PEER (1), seed), !=, END);
    }
  for (guint i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      receive_piece (picker, PEER (1), wanted[i]);
      bt_picker_piece_passed (picker, wanted[i]);
      left -= wanted[i] == 9 ? 7232 : BS;
      g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, left);
    }
  g_assert_true (bt_picker_is_complete (picker));
  g_assert_false (bt_picker_in_endgame (picker));
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, 0);
  g_assert_false (bt_picker_has_piece (picker, 3));
  g_assert_false (bt_picker_is_interesting (picker, seed));
  g_assert_cmpuint (pick_one (picker, PEER (1), seed), ==, END);

  /* Wanting file 2 again brings its piece back. */
  bt_picker_set_file_priority (picker, 2, BT_PRIORITY_LOW);
  g_assert_false (bt_picker_is_complete (picker));
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, BS);
  g_assert_true (bt_picker_is_interesting (picker, seed));
  g_assert_cmpuint (pick_one (picker, PEER (1), seed), ==, 3);

  /* A recheck that finds everything. */
  bt_picker_set_have (picker, full);
  g_assert_true (bt_picker_is_complete (picker));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 0);
  g_assert_cmpuint (bt_picker_get_n_have (picker), ==, 10);
}

static gboolean
has_peer (GPtrArray *array,
          gpointer   peer)
{
  return g_ptr_array_find (array, peer, NULL);
}

/* 2 pieces of 2 blocks, four seeds. */
static void
test_endgame (void)
{
  g_autoptr(BtMetainfo) meta = make_single (2 * BS, 4 * BS);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) seed = bf_all (2);
  g_autoptr(GPtrArray) cancel = g_ptr_array_new ();
  BtBlock a[8], b[8], c[8], d[8];
  guint n_done = 0;

  for (guint i = 1; i <= 4; i++)
    bt_picker_add_peer (picker, PEER (i), seed);

  g_assert_false (bt_picker_in_endgame (picker));
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), seed, 3, a), ==, 3);
  g_assert_false (bt_picker_in_endgame (picker));

  /* Peer 2 takes the last free block first, then duplicates peer 1's. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), seed, 8, b), ==, 4);
  g_assert_true (bt_picker_in_endgame (picker));
  for (guint i = 0; i < 3; i++)
    g_assert_false (b[0].piece == a[i].piece && b[0].begin == a[i].begin);
  for (guint i = 1; i < 4; i++)
    g_assert_true (bt_picker_block_was_requested (picker, PEER (1), b[i].piece, b[i].begin, b[i].length));

  /* Peer 3 duplicates the least duplicated block first. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (3), seed, 8, c), ==, 4);
  g_assert_true (c[0].piece == b[0].piece && c[0].begin == b[0].begin);

  /* At most BT_PICKER_MAX_BLOCK_REQUESTERS peers per block: peer 4 only
   * gets the block that has two. */
  g_assert_cmpuint (BT_PICKER_MAX_BLOCK_REQUESTERS, ==, 3);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (4), seed, 8, d), ==, 1);
  g_assert_true (d[0].piece == b[0].piece && d[0].begin == b[0].begin);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (4), seed, 8, d), ==, 0);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), seed, 8, d), ==, 0);
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (3)), ==, 4);

  /* A rejected duplicate frees a slot for peer 4. */
  bt_picker_cancel_block (picker, PEER (3), a[0].piece, a[0].begin);
  g_assert_false (bt_picker_block_was_requested (picker, PEER (3), a[0].piece, a[0].begin, a[0].length));
  g_assert_true (bt_picker_block_was_requested (picker, PEER (1), a[0].piece, a[0].begin, a[0].length));
  g_assert_cmpuint (bt_picker_pick (picker, PEER (4), seed, 8, d), ==, 1);
  g_assert_true (d[0].piece == a[0].piece && d[0].begin == a[0].begin);

  /* The first copy to arrive wins; the other requesters are named. */
  g_assert_false (bt_picker_block_received (picker, PEER (1), a[0].piece, a[0].begin, a[0].length, cancel));
  g_assert_cmpuint (cancel->len, ==, 2);
  g_assert_true (has_peer (cancel, PEER (2)));
  g_assert_true (has_peer (cancel, PEER (4)));
  g_assert_false (bt_picker_block_was_requested (picker, PEER (2), a[0].piece, a[0].begin, a[0].length));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (2)), ==, 3);
  /* A late duplicate is not counted twice. */
  g_ptr_array_set_size (cancel, 0);
  g_assert_false (bt_picker_block_received (picker, PEER (2), a[0].piece, a[0].begin, a[0].length, cancel));
  g_assert_cmpuint (cancel->len, ==, 0);

  /* The rest: each piece completes exactly once. */
  g_ptr_array_set_size (cancel, 0);
  n_done += bt_picker_block_received (picker, PEER (3), a[1].piece, a[1].begin, a[1].length, cancel);
  g_assert_cmpuint (cancel->len, ==, 2);
  g_assert_true (has_peer (cancel, PEER (1)) && has_peer (cancel, PEER (2)));
  g_ptr_array_set_size (cancel, 0);
  n_done += bt_picker_block_received (picker, PEER (3), a[2].piece, a[2].begin, a[2].length, cancel);
  g_assert_cmpuint (cancel->len, ==, 2);
  g_ptr_array_set_size (cancel, 0);
  n_done += bt_picker_block_received (picker, PEER (4), b[0].piece, b[0].begin, b[0].length, cancel);
  g_assert_cmpuint (cancel->len, ==, 2);
  g_assert_true (has_peer (cancel, PEER (2)) && has_peer (cancel, PEER (3)));
  g_assert_cmpuint (n_done, ==, 2);
  for (guint i = 1; i <= 4; i++)
    g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (i)), ==, 0);
  g_assert_false (bt_picker_in_endgame (picker));

  bt_picker_piece_passed (picker, 0);
  bt_picker_piece_passed (picker, 1);
  g_assert_true (bt_picker_is_complete (picker));
  g_assert_false (bt_picker_in_endgame (picker));
}

/* One piece of 4 blocks. */
static void
test_remove_peer (void)
{
  g_autoptr(BtMetainfo) meta = make_single (4 * BS, 4 * BS + 1000);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) a = bf_only (2, 0, END);
  g_autoptr(BtBitfield) seed = bf_all (2);
  BtBlock blocks[8], again[8];

  bt_picker_add_peer (picker, PEER (1), a);
  bt_picker_add_peer (picker, PEER (2), a);
  bt_picker_add_peer (picker, PEER (3), seed);
  g_assert_cmpuint (bt_picker_get_availability (picker, 0), ==, 3);
  g_assert_cmpuint (bt_picker_get_availability (picker, 1), ==, 1);

  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), a, 8, blocks), ==, 4);
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 4);
  g_assert_false (bt_picker_block_received (picker, PEER (1), 0, 0, BS, NULL));
  g_assert_false (bt_picker_in_endgame (picker)); /* piece 1 is free */

  bt_picker_remove_peer (picker, PEER (1));
  g_assert_cmpuint (bt_picker_get_availability (picker, 0), ==, 2);
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 0);
  /* Its outstanding three blocks are free again, the received one kept. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), a, 8, again), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (again[i].piece, ==, 0);
      g_assert_cmpuint (again[i].begin, ==, blocks[i + 1].begin);
    }
  /* A block from a peer that is gone is unrequested data. */
  g_assert_false (bt_picker_block_received (picker, PEER (1), 0, BS, BS, NULL));

  /* Removing a seed drops it from every piece. */
  bt_picker_remove_peer (picker, PEER (3));
  g_assert_cmpuint (bt_picker_get_availability (picker, 1), ==, 0);
  bt_picker_remove_peer (picker, PEER (9)); /* unknown: ignored */

  /* Removing the last requester of an untouched piece puts it back. */
  bt_picker_add_peer (picker, PEER (4), seed);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (4), seed, 1, blocks), ==, 1);
  g_assert_cmpuint (blocks[0].piece, ==, 1);
  g_assert_cmpuint (blocks[0].length, ==, 1000);
  bt_picker_remove_peer (picker, PEER (4));
  g_assert_false (bt_picker_in_endgame (picker));
  bt_picker_add_peer (picker, PEER (5), seed);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (5), seed, 1, blocks), ==, 1);
  g_assert_cmpuint (blocks[0].piece, ==, 1);
}

static void
test_piece_failed (void)
{
  g_autoptr(BtMetainfo) meta = make_single (4 * BS, 4 * BS);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) seed = bf_all (1);
  g_autoptr(GPtrArray) contributors = g_ptr_array_new ();
  BtBlock a[4], b[4];

  bt_picker_add_peer (picker, PEER (1), seed);
  bt_picker_add_peer (picker, PEER (2), seed);
  bt_picker_add_peer (picker, PEER (3), seed);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), seed, 2, a), ==, 2);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), seed, 2, b), ==, 2);
  g_assert_cmpuint (b[0].begin, ==, 2 * BS);

  g_assert_false (bt_picker_block_received (picker, PEER (1), 0, a[0].begin, BS, NULL));
  g_assert_false (bt_picker_block_received (picker, PEER (1), 0, a[1].begin, BS, NULL));
  g_assert_false (bt_picker_block_received (picker, PEER (2), 0, b[0].begin, BS, NULL));
  g_assert_true (bt_picker_block_received (picker, PEER (2), 0, b[1].begin, BS, NULL));
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, 4 * BS);

  g_assert_true (bt_picker_piece_is_ready (picker, 0));
  bt_picker_piece_failed (picker, 0, contributors);
  g_assert_false (bt_picker_piece_is_ready (picker, 0));
  g_assert_cmpuint (contributors->len, ==, 2);
  g_assert_true (has_peer (contributors, PEER (1)));
  g_assert_true (has_peer (contributors, PEER (2)));
  g_assert_false (bt_picker_is_complete (picker));
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, 4 * BS);

  /* Every block is missing again: a late copy is unrequested, and the
   * whole piece can be picked. */
  g_assert_false (bt_picker_block_received (picker, PEER (1), 0, 0, BS, NULL));
  g_assert_cmpuint (bt_picker_pick (picker, PEER (3), seed, 8, a), ==, 4);
  receive_piece (picker, PEER (3), 0);
  bt_picker_piece_passed (picker, 0);
  g_assert_false (bt_picker_piece_is_ready (picker, 0));
  g_assert_true (bt_picker_is_complete (picker));
  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, 0);
}

static void
test_cancel_and_return (void)
{
  g_autoptr(BtMetainfo) meta = make_single (4 * BS, 4 * BS);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) seed = bf_all (1);
  g_autoptr(GPtrArray) cancel = g_ptr_array_new ();
  BtBlock a[4], b[4];

  bt_picker_add_peer (picker, PEER (1), seed);
  bt_picker_add_peer (picker, PEER (2), seed);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), seed, 4, a), ==, 4);
  g_assert_true (bt_picker_block_was_requested (picker, PEER (1), 0, BS, BS));
  g_assert_false (bt_picker_block_was_requested (picker, PEER (1), 0, BS, BS - 1));
  g_assert_false (bt_picker_block_was_requested (picker, PEER (2), 0, BS, BS));

  /* Rejected: back to the pool, and the same peer may get it again. */
  bt_picker_cancel_block (picker, PEER (1), 0, BS);
  g_assert_false (bt_picker_block_was_requested (picker, PEER (1), 0, BS, BS));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 3);
  bt_picker_cancel_block (picker, PEER (2), 0, 2 * BS); /* not its request */
  bt_picker_cancel_block (picker, PEER (1), 0, BS);     /* twice */
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 3);
  /* With nobody asked for it now, a late copy is unrequested data. */
  g_assert_false (bt_picker_block_received (picker, PEER (1), 0, BS, BS, NULL));
  g_assert_false (bt_picker_block_was_requested (picker, PEER (1), 0, BS, BS));

  /* Handed to peer 2; peer 1's copy turns up after all: it counts, and
   * peer 2 is to be cancelled. */
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), seed, 1, b), ==, 1);
  g_assert_cmpuint (b[0].begin, ==, BS);
  g_assert_false (bt_picker_block_received (picker, PEER (1), 0, BS, BS, cancel));
  g_assert_cmpuint (cancel->len, ==, 1);
  g_assert_true (g_ptr_array_index (cancel, 0) == PEER (2));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (2)), ==, 0);

  /* Snubbed: everything back, availability kept. */
  bt_picker_return_requests (picker, PEER (1));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 0);
  g_assert_cmpuint (bt_picker_get_availability (picker, 0), ==, 2);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (2), seed, 4, b), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (b[i].begin, !=, BS);
}

static void
test_unrequested (void)
{
  g_autoptr(BtMetainfo) meta = make_single (4 * BS, 3 * 4 * BS);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(BtBitfield) seed = bf_all (3);
  g_autoptr(BtBitfield) had = bf_only (3, 2, END);
  BtBlock blocks[4];
  guint32 p;

  bt_picker_set_have (picker, had);
  bt_picker_add_peer (picker, PEER (1), seed);
  g_assert_cmpuint (bt_picker_pick (picker, PEER (1), seed, 1, blocks), ==, 1);
  p = blocks[0].piece;
  g_assert_cmpuint (p, !=, 2);

  g_assert_false (bt_picker_block_received (picker, PEER (1), 1 - p, 0, BS, NULL)); /* untouched piece */
  g_assert_false (bt_picker_block_received (picker, PEER (1), p, BS, BS, NULL));    /* not requested */
  g_assert_false (bt_picker_block_received (picker, PEER (1), p, 1, BS, NULL));     /* unaligned */
  g_assert_false (bt_picker_block_received (picker, PEER (1), p, 4 * BS, BS, NULL)); /* past the end */
  g_assert_false (bt_picker_block_received (picker, PEER (1), p, 0, BS + 1, NULL)); /* too long */
  g_assert_false (bt_picker_block_received (picker, PEER (1), 2, 0, BS, NULL));     /* had */
  g_assert_false (bt_picker_block_received (picker, PEER (1), 3, 0, BS, NULL));     /* no such piece */
  g_assert_false (bt_picker_block_received (picker, PEER (7), p, 0, BS, NULL));     /* unknown peer */
  g_assert_false (bt_picker_block_was_requested (picker, PEER (1), 3, 0, BS));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 1);
  g_assert_false (bt_picker_block_received (picker, PEER (1), p, 0, BS, NULL));
  g_assert_cmpuint (bt_picker_get_n_requests (picker, PEER (1)), ==, 0);
  g_assert_false (bt_picker_block_received (picker, PEER (1), p, 0, BS, NULL));     /* twice */
}

/* A swarm in a loop: peers with random pieces, random pipelines, blocks
 * arriving in random order, time-outs, snubs, peers leaving and coming
 * back, HAVEs, bad pieces. Checks the picker's promises throughout. */

/* What the runs exercised, summed over seeds. */
static struct
{
  guint duplicates_cancelled;
  guint pieces_failed;
  guint peers_removed;
  guint snubs;
  guint timeouts;
} sim_stats;

typedef struct
{
  gpointer    handle;
  BtBitfield *have;
  GArray     *outstanding;   /* of BtBlock, what we believe it was asked for */
  gboolean    connected;
} SimPeer;

static void
sim_drop (SimPeer *peer,
          guint32  piece,
          guint32  begin)
{
  for (guint i = 0; i < peer->outstanding->len; i++)
    {
      BtBlock *b = &g_array_index (peer->outstanding, BtBlock, i);

      if (b->piece == piece && b->begin == begin)
        {
          g_array_remove_index_fast (peer->outstanding, i);
          return;
        }
    }
  g_assert_not_reached ();
}

static void
simulate (guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint32 piece_length = BS << g_rand_int_range (rand, 0, 3);
  guint n_files = (guint) g_rand_int_range (rand, 1, 6);
  gint64 sizes[8] = { 0, };
  gboolean pads[8] = { FALSE, };
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(BtPicker) picker = NULL;
  g_autoptr(GPtrArray) cancel = g_ptr_array_new ();
  g_autoptr(GPtrArray) contributors = g_ptr_array_new ();
  g_autofree guint *passes = NULL;
  g_autofree guint *fails = NULL;
  guint n_peers = (guint) g_rand_int_range (rand, 2, 8);
  SimPeer peers[8];
  guint32 n_pieces;
  guint64 accepted_blocks = 0, expected_blocks = 0;
  guint rounds;

  for (guint f = 0; f < n_files; f++)
    sizes[f] = g_rand_int_range (rand, 0, 40 * (gint32) piece_length);
  if (n_files > 2)
    pads[1] = TRUE;
  if (sizes[0] == 0)
    sizes[0] = 1;
  meta = make_meta (piece_length, n_files, sizes, pads);
  picker = bt_picker_new (meta);
  n_pieces = bt_metainfo_get_n_pieces (meta);
  passes = g_new0 (guint, n_pieces);
  fails = g_new0 (guint, n_pieces);
  bt_picker_set_random_seed (picker, seed);

  for (guint f = 0; f < n_files; f++)
    bt_picker_set_file_priority (picker, f, g_rand_int_range (rand, 0, 4));

  for (guint i = 0; i < n_peers; i++)
    {
      double density = g_rand_double_range (rand, 0.0, 1.2);

      peers[i].handle = PEER (i);
      peers[i].have = bt_bitfield_new (n_pieces);
      peers[i].outstanding = g_array_new (FALSE, FALSE, sizeof (BtBlock));
      peers[i].connected = TRUE;
      for (guint32 p = 0; p < n_pieces; p++)
        if (g_rand_double (rand) < density)
          bt_bitfield_set (peers[i].have, p);
      bt_picker_add_peer (picker, peers[i].handle, peers[i].have);
    }

  for (rounds = 0; !bt_picker_is_complete (picker); rounds++)
    {
      g_assert_cmpuint (rounds, <, 20000);

      /* Pieces nobody has turn up at some peer now and then. */
      if (g_rand_int_range (rand, 0, 20) == 0)
        {
          SimPeer *peer = &peers[g_rand_int_range (rand, 0, (gint32) n_peers)];
          guint32 p = (guint32) g_rand_int_range (rand, 0, (gint32) n_pieces);

          if (!bt_bitfield_get (peer->have, p))
            {
              bt_bitfield_set (peer->have, p);
              if (peer->connected)
                bt_picker_peer_has (picker, peer->handle, p);
            }
        }

      for (guint i = 0; i < n_peers; i++)
        {
          SimPeer *peer = &peers[i];
          guint depth = (guint) g_rand_int_range (rand, 1, 24);
          BtBlock picked[24];
          guint n;

          /* Leave and come back later, with everything outstanding lost. */
          if (!peer->connected)
            {
              if (g_rand_int_range (rand, 0, 5) == 0)
                {
                  peer->connected = TRUE;
                  bt_picker_add_peer (picker, peer->handle, peer->have);
                }
              continue;
            }
          if (g_rand_int_range (rand, 0, 60) == 0)
            {
              bt_picker_remove_peer (picker, peer->handle);
              g_array_set_size (peer->outstanding, 0);
              sim_stats.peers_removed++;
              peer->connected = FALSE;
              continue;
            }
          if (g_rand_int_range (rand, 0, 80) == 0)
            {
              bt_picker_return_requests (picker, peer->handle);
              g_array_set_size (peer->outstanding, 0);
              sim_stats.snubs++;
            }

          g_assert_cmpuint (bt_picker_get_n_requests (picker, peer->handle), ==, peer->outstanding->len);
          if (rounds % 16 == 0)
            {
              gboolean interesting = FALSE;

              for (guint32 p = 0; p < n_pieces && !interesting; p++)
                interesting = bt_bitfield_get (peer->have, p)
                              && !bt_picker_has_piece (picker, p)
                              && bt_picker_get_piece_priority (picker, p) != BT_PRIORITY_SKIP;
              g_assert_cmpint (bt_picker_is_interesting (picker, peer->have), ==, interesting);
            }

          if (peer->outstanding->len < depth)
            {
              n = bt_picker_pick (picker, peer->handle, peer->have,
                                  depth - peer->outstanding->len, picked);
              for (guint k = 0; k < n; k++)
                {
                  /* Only what the peer has, only wanted pieces we lack,
                   * exact block geometry. */
                  g_assert_true (bt_bitfield_get (peer->have, picked[k].piece));
                  g_assert_false (bt_picker_has_piece (picker, picked[k].piece));
                  g_assert_cmpint (bt_picker_get_piece_priority (picker, picked[k].piece), !=, BT_PRIORITY_SKIP);
                  g_assert_cmpuint (picked[k].begin % BS, ==, 0);
                  g_assert_cmpuint (picked[k].length, ==,
                                    bt_picker_get_block_length (picker, picked[k].piece, picked[k].begin / BS));
                  for (guint j = 0; j < peer->outstanding->len; j++)
                    {
                      BtBlock *o = &g_array_index (peer->outstanding, BtBlock, j);

                      g_assert_false (o->piece == picked[k].piece && o->begin == picked[k].begin);
                    }
                  g_array_append_val (peer->outstanding, picked[k]);
                }
            }

          /* Deliver some, time out a few, in random order. */
          for (guint k = (guint) g_rand_int_range (rand, 0, 8); k > 0 && peer->outstanding->len > 0; k--)
            {
              guint idx = (guint) g_rand_int_range (rand, 0, (gint32) peer->outstanding->len);
              BtBlock block = g_array_index (peer->outstanding, BtBlock, idx);

              g_array_remove_index_fast (peer->outstanding, idx);
              g_assert_true (bt_picker_block_was_requested (picker, peer->handle, block.piece,
                                                            block.begin, block.length));
              if (g_rand_int_range (rand, 0, 30) == 0)
                {
                  bt_picker_cancel_block (picker, peer->handle, block.piece, block.begin);
                  sim_stats.timeouts++;
                  continue;
                }

              g_ptr_array_set_size (cancel, 0);
              accepted_blocks++;
              if (bt_picker_block_received (picker, peer->handle, block.piece, block.begin,
                                            block.length, cancel))
                {
                  expected_blocks += bt_picker_get_n_blocks (picker, block.piece);
                  if (g_rand_int_range (rand, 0, 25) == 0)
                    {
                      g_ptr_array_set_size (contributors, 0);
                      bt_picker_piece_failed (picker, block.piece, contributors);
                      g_assert_cmpuint (contributors->len, >=, 1);
                      g_assert_true (has_peer (contributors, peer->handle));
                      fails[block.piece]++;
                      sim_stats.pieces_failed++;
                    }
                  else
                    {
                      g_assert_cmpuint (passes[block.piece], ==, 0);
                      bt_picker_piece_passed (picker, block.piece);
                      passes[block.piece]++;
                    }
                }
              /* The caller sends CANCEL to the others; they drop it. */
              for (guint c = 0; c < cancel->len; c++)
                {
                  guint other = GPOINTER_TO_UINT (g_ptr_array_index (cancel, c)) - 0x1000u;

                  g_assert_cmpuint (other, <, n_peers);
                  g_assert_cmpuint (other, !=, i);
                  sim_drop (&peers[other], block.piece, block.begin);
                  sim_stats.duplicates_cancelled++;
                }
            }
        }

      /* Nobody has some wanted piece: give it to a random peer so the
       * swarm can finish (a new seed turning up). */
      if (rounds % 200 == 199)
        for (guint i = 0; i < n_peers; i++)
          if (peers[i].connected)
            {
              g_autoptr(BtBitfield) all = bf_all (n_pieces);

              bt_bitfield_set_all (peers[i].have);
              bt_picker_add_peer (picker, peers[i].handle, all);
              break;
            }
    }

  g_assert_cmpuint (bt_picker_get_wanted_left (picker), ==, 0);
  for (guint32 p = 0; p < n_pieces; p++)
    {
      gboolean wanted = bt_picker_get_piece_priority (picker, p) != BT_PRIORITY_SKIP;

      g_assert_cmpuint (passes[p], ==, wanted ? 1 : 0);
      g_assert_true (bt_picker_has_piece (picker, p) == wanted);
    }
  /* Every accepted block went into a piece that was checked: nothing was
   * downloaded twice outside failed pieces. */
  g_assert_cmpuint (accepted_blocks, ==, expected_blocks);
  for (guint i = 0; i < n_peers; i++)
    {
      g_assert_cmpuint (bt_picker_get_n_requests (picker, peers[i].handle), ==, 0);
      bt_bitfield_free (peers[i].have);
      g_array_unref (peers[i].outstanding);
    }
  g_test_message ("seed %u: %u pieces, %u peers, %u rounds", seed, n_pieces, n_peers, rounds);
  g_rand_free (rand);
}

static void
test_simulation (void)
{
  for (guint32 seed = 1; seed <= 40; seed++)
    simulate (seed);

  g_test_message ("endgame cancels %u, failed pieces %u, peers removed %u, snubs %u, time-outs %u",
                  sim_stats.duplicates_cancelled, sim_stats.pieces_failed,
                  sim_stats.peers_removed, sim_stats.snubs, sim_stats.timeouts);
  g_assert_cmpuint (sim_stats.duplicates_cancelled, >, 0);
  g_assert_cmpuint (sim_stats.pieces_failed, >, 0);
  g_assert_cmpuint (sim_stats.peers_removed, >, 0);
  g_assert_cmpuint (sim_stats.snubs, >, 0);
  g_assert_cmpuint (sim_stats.timeouts, >, 0);
}

/* 100 000 pieces and 50 peers: picks must not scan the torrent. Prints
 * timings; asserts only that picking works. */
static void
test_scale (void)
{
  const guint32 n_pieces = 100000;
  g_autoptr(BtMetainfo) meta = make_single (BS, (gint64) n_pieces * BS - 5);
  g_autoptr(BtPicker) picker = bt_picker_new (meta);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  BtBitfield *haves[50];
  g_autoptr(BtBitfield) sparse = bf_only (n_pieces, 99999, END);
  g_autoptr(BtBitfield) had = bf_only (n_pieces, 0, 1, 2, 3, END);
  BtBlock blocks[64];
  gint64 start, elapsed;
  guint n_picks = 0, n_blocks = 0;

  bt_picker_set_random_seed (picker, 42);
  /* Past the random first pieces: rarest-first from here on. */
  bt_picker_set_have (picker, had);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 50; i++)
    {
      haves[i] = bt_bitfield_new (n_pieces);
      if (i < 5)
        bt_bitfield_set_all (haves[i]);
      else
        for (guint32 p = 0; p < n_pieces; p++)
          if (g_rand_int_range (rand, 0, 100) < 60)
            bt_bitfield_set (haves[i], p);
      bt_picker_add_peer (picker, PEER (i), haves[i]);
    }
  bt_picker_add_peer (picker, PEER (50), sparse);
  g_test_message ("adding 50 peers: %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);

  /* The worst case: a peer with one piece, found by walking every
   * bucket. */
  start = g_get_monotonic_time ();
  g_assert_cmpuint (bt_picker_pick (picker, PEER (50), sparse, 16, blocks), ==, 1);
  g_assert_cmpuint (blocks[0].piece, ==, 99999);
  g_assert_cmpuint (blocks[0].length, ==, BS - 5);
  g_test_message ("pick for a peer with one piece: %" G_GINT64_FORMAT " us",
                  g_get_monotonic_time () - start);

  start = g_get_monotonic_time ();
  for (guint round = 0; round < 100; round++)
    for (guint i = 0; i < 50; i++)
      {
        guint n = bt_picker_pick (picker, PEER (i), haves[i], 16, blocks);

        g_assert_cmpuint (n, ==, 16);
        n_picks++;
        n_blocks += n;
        for (guint k = 0; k < n; k++)
          if (bt_picker_block_received (picker, PEER (i), blocks[k].piece, blocks[k].begin,
                                        blocks[k].length, NULL))
            bt_picker_piece_passed (picker, blocks[k].piece);
        if (round % 10 == 0)
          bt_picker_peer_has (picker, PEER (i), (guint32) g_rand_int_range (rand, 0, (gint32) n_pieces));
      }
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%u picks (%u blocks, with receive and pass): %.2f us per pick",
                  n_picks, n_blocks, (double) elapsed / n_picks);
  g_assert_cmpuint (bt_picker_get_n_have (picker), ==, 4 + n_blocks);


  start = g_get_monotonic_time ();
  for (guint i = 5; i < 50; i++)
    bt_picker_remove_peer (picker, PEER (i));
  g_test_message ("removing 45 peers: %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (bt_picker_get_availability (picker, 12345), ==, 5);

  for (guint i = 0; i < 50; i++)
    bt_bitfield_free (haves[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/picker/block-sizes", test_block_sizes);
  g_test_add_func ("/engine/picker/odd-piece-length", test_odd_piece_length);
  g_test_add_func ("/engine/picker/random-first", test_random_first);
  g_test_add_func ("/engine/picker/rarest-first", test_rarest_first);
  g_test_add_func ("/engine/picker/tie-break", test_tie_break);
  g_test_add_func ("/engine/picker/peer-lacks", test_peer_lacks);
  g_test_add_func ("/engine/picker/partial-first", test_partial_first);
  g_test_add_func ("/engine/picker/priorities", test_priorities);
  g_test_add_func ("/engine/picker/complete-skip", test_complete_skip);
  g_test_add_func ("/engine/picker/endgame", test_endgame);
  g_test_add_func ("/engine/picker/remove-peer", test_remove_peer);
  g_test_add_func ("/engine/picker/piece-failed", test_piece_failed);
  g_test_add_func ("/engine/picker/cancel-and-return", test_cancel_and_return);
  g_test_add_func ("/engine/picker/unrequested", test_unrequested);
  g_test_add_func ("/engine/picker/simulation", test_simulation);
  g_test_add_func ("/engine/picker/scale", test_scale);

  return g_test_run ();
}
