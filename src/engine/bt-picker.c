/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The piece picker: which block to ask which peer for. Pure bookkeeping:
 * no I/O, no timers, no main loop (time-outs are the caller's, who hands
 * timed-out blocks back with bt_picker_cancel_block()).
 *
 * Every piece is in exactly one state:
 *
 *   IDLE     missing, nothing requested, priority SKIP: never picked
 *   QUEUED   missing, nothing requested, wanted: sits in a bucket
 *   PARTIAL  some block requested or received: has a Partial record
 *   HAVE     verified and written
 *
 * QUEUED pieces live in buckets keyed by (priority, availability), where
 * availability counts the peers that have the piece, leaving out seeds:
 * a seed has every piece, so it would add the same number everywhere and
 * never change the order. Adding a seed is then O(1) instead of
 * O(n_pieces). Each bucket is an unordered array, and each piece knows its
 * index in its bucket, so moving a piece to the next bucket when a peer
 * announces it is O(1). A piece enters a bucket at a random place (an
 * inside-out Fisher-Yates step), so walking a bucket from the start visits
 * equally rare pieces in random order: that is the random tie-break.
 *
 * Picking a new piece walks the buckets of the highest priority from the
 * rarest up and stops at the first piece the peer has, so with peers that
 * have most pieces a pick touches a handful of entries whatever the size of
 * the torrent. Partial pieces, bounded in number by the requests in flight,
 * are scanned before any new piece is opened.
 */
#define G_LOG_DOMAIN "bt-picker"

#include "config.h"

#include <string.h>

#include "bt-limits.h"
#include "bt-picker.h"
#include "bt-rand.h"
#include "bt-wire.h"

#define N_LEVELS (BT_PRIORITY_HIGH + 1)
#define NO_PIECE G_MAXUINT32

typedef enum
{
  PIECE_IDLE,
  PIECE_QUEUED,
  PIECE_PARTIAL,
  PIECE_HAVE,
} PieceState;

typedef struct
{
  gpointer    peer;      /* the caller's opaque pointer */
  BtBitfield *have;      /* what it has, or NULL for a seed */
  guint       n_requests;
} PeerInfo;

typedef struct
{
  /* Peers this block is requested from right now: one, or more in
   * endgame. Never the same peer twice. */
  PeerInfo *requesters[BT_PICKER_MAX_BLOCK_REQUESTERS];
  /* Who delivered it, once received; NULL when that peer has gone. */
  PeerInfo *sender;
  guint8    n_requesters;
  gboolean  received;
} BlockState;

typedef struct
{
  guint32     piece;
  guint       index;        /* in BtPicker.partials */
  guint32     n_blocks;
  guint32     n_received;
  guint32     n_requested;  /* blocks not received with at least one requester */
  guint32     next_free;    /* every block below this one is taken */
  PeerInfo   *owner;        /* the peer that last took blocks of it */
  BlockState  blocks[];
} Partial;

typedef enum
{
  PARTIALS_OWN,          /* ones this peer is working on */
  PARTIALS_ORPHAN,       /* started, but nobody is working on them */
  PARTIALS_ANY,          /* other peers' pieces with blocks still free */
} PartialsKind;

/* Where a rarest-first walk of one priority's buckets stopped, so that the
 * next new piece in the same pick continues from there instead of
 * rescanning pieces the peer was already found to lack. */
typedef struct
{
  guint    avail;
  guint    index;
  gboolean exhausted;
} Cursor;

struct _BtPicker
{
  GObject      parent_instance;

  BtMetainfo  *meta;
  guint32      n_pieces;
  guint32      piece_length;
  guint32      last_piece_size;

  guint        n_files;
  guint64     *file_offset;
  guint64     *file_size;
  gboolean    *file_pad;
  guint8      *file_priority;

  guint8      *piece_priority;
  guint8      *piece_state;
  guint32     *availability;    /* peers with the piece, seeds left out */
  guint32     *bucket_index;    /* where a QUEUED piece sits in its bucket */

  /* buckets[priority] is indexed by availability; each entry a GArray of
   * guint32 piece indexes. buckets[BT_PRIORITY_SKIP] stays empty. */
  GPtrArray   *buckets[N_LEVELS];
  guint32      n_queued[N_LEVELS];

  GPtrArray   *partials;        /* of Partial*, owned */
  GHashTable  *partial_by_piece;
  guint        n_partials_full; /* every block received, awaiting the hash check */

  GHashTable  *peers;           /* opaque peer → PeerInfo*, owned */
  guint        n_seeds;

  /* Pieces we have or do not want: a peer is interesting when it has a
   * piece outside this set. */
  BtBitfield  *done_or_skipped;
  guint32      n_have;
  guint32      n_wanted_missing;
  guint64      wanted_left;

  BtRand       rand;
};

G_DEFINE_FINAL_TYPE (BtPicker, bt_picker, G_TYPE_OBJECT)

/* Auxiliary functions */

static inline gboolean
bits_get (const guint8 *data,
          guint32       index)
{
  return (data[index >> 3] & (0x80u >> (index & 7))) != 0;
}

static guint32
piece_size (BtPicker *self,
            guint32   piece)
{
  return piece + 1 == self->n_pieces ? self->last_piece_size : self->piece_length;
}

static guint32
n_blocks_of (BtPicker *self,
             guint32   piece)
{
  return (piece_size (self, piece) + BT_BLOCK_SIZE - 1) / BT_BLOCK_SIZE;
}

static guint32
block_length (BtPicker *self,
              guint32   piece,
              guint32   block)
{
  guint32 size = piece_size (self, piece);
  guint32 begin = block * BT_BLOCK_SIZE;

  return MIN (BT_BLOCK_SIZE, size - begin);
}

static GArray *
get_bucket (BtPicker *self,
            guint     priority,
            guint32   avail)
{
  GPtrArray *buckets = self->buckets[priority];

  while (buckets->len <= avail)
    g_ptr_array_add (buckets, g_array_new (FALSE, FALSE, sizeof (guint32)));
  return g_ptr_array_index (buckets, avail);
}

static void
bucket_insert (BtPicker *self,
               guint32   piece)
{
  guint priority = self->piece_priority[piece];
  GArray *bucket = get_bucket (self, priority, self->availability[piece]);
  guint32 *items;
  guint last, j;

  g_assert (priority != BT_PRIORITY_SKIP);

  g_array_append_val (bucket, piece);
  items = (guint32 *) (void *) bucket->data;
  last = bucket->len - 1;
  j = (guint) bt_rand_int_range (&self->rand, 0, bucket->len);
  items[last] = items[j];
  items[j] = piece;
  self->bucket_index[items[last]] = last;
  self->bucket_index[piece] = j;
  self->n_queued[priority]++;
}

static void
bucket_remove (BtPicker *self,
               guint32   piece)
{
  guint priority = self->piece_priority[piece];
  GArray *bucket = get_bucket (self, priority, self->availability[piece]);
  guint32 *items = (guint32 *) (void *) bucket->data;
  guint32 index = self->bucket_index[piece];
  guint32 moved = items[bucket->len - 1];

  g_assert (index < bucket->len && items[index] == piece);

  items[index] = moved;
  self->bucket_index[moved] = index;
  g_array_set_size (bucket, bucket->len - 1);
  self->n_queued[priority]--;
}

/* A missing piece with nothing requested goes to a bucket if it is wanted. */
static void
piece_make_untouched (BtPicker *self,
                      guint32   piece)
{
  if (self->piece_priority[piece] != BT_PRIORITY_SKIP)
    {
      self->piece_state[piece] = PIECE_QUEUED;
      bucket_insert (self, piece);
    }
  else
    {
      self->piece_state[piece] = PIECE_IDLE;
    }
}

static void
availability_add (BtPicker *self,
                  guint32   piece,
                  gint      delta)
{
  gboolean queued = self->piece_state[piece] == PIECE_QUEUED;

  g_assert (delta > 0 || self->availability[piece] > 0);

  if (queued)
    bucket_remove (self, piece);
  self->availability[piece] += delta;
  if (queued)
    bucket_insert (self, piece);
}

static PeerInfo *
lookup_peer (BtPicker *self,
             gpointer  peer)
{
  return g_hash_table_lookup (self->peers, peer);
}

static void
peer_free (PeerInfo *peer)
{
  g_clear_pointer (&peer->have, bt_bitfield_free);
  g_free (peer);
}

static void
peer_add_availability (BtPicker *self,
                       PeerInfo *rec)
{
  const guint8 *data;
  gsize length;

  if (rec->have == NULL)
    {
      self->n_seeds++;
      return;
    }

  data = bt_bitfield_get_data (rec->have, &length);
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == 0)
        continue;
      for (guint bit = 0; bit < 8; bit++)
        if (data[i] & (0x80u >> bit))
          availability_add (self, (guint32) (i * 8 + bit), 1);
    }
}

static void
peer_drop_availability (BtPicker *self,
                        PeerInfo *rec)
{
  const guint8 *data;
  gsize length;

  if (rec->have == NULL)
    {
      g_assert (self->n_seeds > 0);
      self->n_seeds--;
      return;
    }

  data = bt_bitfield_get_data (rec->have, &length);
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] == 0)
        continue;
      for (guint bit = 0; bit < 8; bit++)
        if (data[i] & (0x80u >> bit))
          availability_add (self, (guint32) (i * 8 + bit), -1);
    }
}

/* Partial pieces */

static Partial *
lookup_partial (BtPicker *self,
                guint32   piece)
{
  return g_hash_table_lookup (self->partial_by_piece, GUINT_TO_POINTER (piece));
}

static Partial *
partial_open (BtPicker *self,
              guint32   piece)
{
  guint32 n_blocks = n_blocks_of (self, piece);
  Partial *partial;

  g_assert (self->piece_state[piece] == PIECE_QUEUED || self->piece_state[piece] == PIECE_IDLE);

  if (self->piece_state[piece] == PIECE_QUEUED)
    bucket_remove (self, piece);
  self->piece_state[piece] = PIECE_PARTIAL;

  partial = g_malloc0 (sizeof (Partial) + n_blocks * sizeof (BlockState));
  partial->piece = piece;
  partial->n_blocks = n_blocks;
  partial->index = self->partials->len;
  g_ptr_array_add (self->partials, partial);
  g_hash_table_insert (self->partial_by_piece, GUINT_TO_POINTER (piece), partial);
  return partial;
}

static guint32
partial_n_free (const Partial *partial)
{
  return partial->n_blocks - partial->n_received - partial->n_requested;
}

static void
block_add_requester (Partial  *partial,
                     guint32   index,
                     PeerInfo *rec)
{
  BlockState *block = &partial->blocks[index];

  g_assert (!block->received);
  g_assert (block->n_requesters < BT_PICKER_MAX_BLOCK_REQUESTERS);

  if (block->n_requesters == 0)
    partial->n_requested++;
  block->requesters[block->n_requesters++] = rec;
  rec->n_requests++;
  partial->owner = rec;
}

static gboolean
block_has_requester (const BlockState *block,
                     const PeerInfo   *rec)
{
  for (guint i = 0; i < block->n_requesters; i++)
    if (block->requesters[i] == rec)
      return TRUE;
  return FALSE;
}

static gboolean
block_remove_requester (Partial  *partial,
                        guint32   index,
                        PeerInfo *rec)
{
  BlockState *block = &partial->blocks[index];

  for (guint i = 0; i < block->n_requesters; i++)
    {
      if (block->requesters[i] != rec)
        continue;

      block->requesters[i] = block->requesters[--block->n_requesters];
      block->requesters[block->n_requesters] = NULL;
      rec->n_requests--;
      if (block->n_requesters == 0)
        {
          partial->n_requested--;
          partial->next_free = MIN (partial->next_free, index);
        }
      return TRUE;
    }
  return FALSE;
}

static void
block_clear_requesters (Partial *partial,
                        guint32  index)
{
  BlockState *block = &partial->blocks[index];

  if (block->n_requesters == 0)
    return;
  for (guint i = 0; i < block->n_requesters; i++)
    {
      block->requesters[i]->n_requests--;
      block->requesters[i] = NULL;
    }
  block->n_requesters = 0;
  partial->n_requested--;
}

/* Forgets @partial; the caller sets the piece's new state. */
static void
partial_close (BtPicker *self,
               Partial  *partial)
{
  Partial *moved;

  for (guint32 i = 0; i < partial->n_blocks; i++)
    block_clear_requesters (partial, i);
  if (partial->n_received == partial->n_blocks)
    self->n_partials_full--;

  g_hash_table_remove (self->partial_by_piece, GUINT_TO_POINTER (partial->piece));
  moved = g_ptr_array_index (self->partials, self->partials->len - 1);
  self->partials->pdata[partial->index] = moved;
  moved->index = partial->index;
  g_ptr_array_set_size (self->partials, self->partials->len - 1);
  g_free (partial);
}

/* A piece whose last request went away and that holds no data is a fresh
 * piece again, back in its bucket where rarest-first can find it. */
static void
partial_maybe_dissolve (BtPicker *self,
                        Partial  *partial)
{
  guint32 piece = partial->piece;

  if (partial->n_received > 0 || partial->n_requested > 0)
    return;
  partial_close (self, partial);
  piece_make_untouched (self, piece);
}

/* Piece states and counters */

static void
piece_mark_have (BtPicker *self,
                 guint32   piece)
{
  Partial *partial;

  switch ((PieceState) self->piece_state[piece])
    {
    case PIECE_HAVE:
      return;
    case PIECE_QUEUED:
      bucket_remove (self, piece);
      break;
    case PIECE_PARTIAL:
      partial = lookup_partial (self, piece);
      g_assert (partial != NULL);
      partial_close (self, partial);
      break;
    case PIECE_IDLE:
    default:
      break;
    }

  self->piece_state[piece] = PIECE_HAVE;
  self->n_have++;
  if (self->piece_priority[piece] != BT_PRIORITY_SKIP)
    {
      self->n_wanted_missing--;
      self->wanted_left -= piece_size (self, piece);
      bt_bitfield_set (self->done_or_skipped, piece);
    }
}

static void
piece_mark_missing (BtPicker *self,
                    guint32   piece)
{
  if (self->piece_state[piece] != PIECE_HAVE)
    return;

  self->n_have--;
  if (self->piece_priority[piece] != BT_PRIORITY_SKIP)
    {
      self->n_wanted_missing++;
      self->wanted_left += piece_size (self, piece);
      bt_bitfield_clear (self->done_or_skipped, piece);
    }
  piece_make_untouched (self, piece);
}

static void
piece_set_priority (BtPicker *self,
                    guint32   piece,
                    guint8    priority)
{
  guint8 old = self->piece_priority[piece];
  PieceState state = self->piece_state[piece];

  if (old == priority)
    return;

  if (state == PIECE_QUEUED)
    bucket_remove (self, piece);
  self->piece_priority[piece] = priority;

  if (state != PIECE_HAVE && (old == BT_PRIORITY_SKIP) != (priority == BT_PRIORITY_SKIP))
    {
      if (priority == BT_PRIORITY_SKIP)
        {
          self->n_wanted_missing--;
          self->wanted_left -= piece_size (self, piece);
          bt_bitfield_set (self->done_or_skipped, piece);
        }
      else
        {
          self->n_wanted_missing++;
          self->wanted_left += piece_size (self, piece);
          bt_bitfield_clear (self->done_or_skipped, piece);
        }
    }

  /* A partial piece keeps its requests and received blocks whatever its
   * priority: dropping data already paid for helps nobody. It only stops
   * handing out new blocks while it is SKIP. */
  if (state == PIECE_QUEUED || state == PIECE_IDLE)
    piece_make_untouched (self, piece);
}

static void
file_piece_range (BtPicker *self,
                  guint     file,
                  guint32  *first,
                  guint32  *last)
{
  *first = (guint32) (self->file_offset[file] / self->piece_length);
  *last = (guint32) ((self->file_offset[file] + self->file_size[file] - 1) / self->piece_length);
}

static gboolean
file_counts (BtPicker *self,
             guint     file)
{
  return self->file_size[file] > 0 && !self->file_pad[file];
}

/* The highest priority of the real files that overlap @piece. */
static guint8
compute_piece_priority (BtPicker *self,
                        guint32   piece)
{
  guint64 start = (guint64) piece * self->piece_length;
  guint64 end = start + piece_size (self, piece);
  guint lo = 0, hi = self->n_files;
  guint8 priority = BT_PRIORITY_SKIP;

  /* The first file that ends after @start. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (self->file_offset[mid] + self->file_size[mid] <= start)
        lo = mid + 1;
      else
        hi = mid;
    }

  for (guint f = lo; f < self->n_files && self->file_offset[f] < end; f++)
    if (file_counts (self, f))
      priority = MAX (priority, self->file_priority[f]);
  return priority;
}

static void
recompute_all_priorities (BtPicker *self)
{
  g_autofree guint8 *priority = g_malloc0 (self->n_pieces ? self->n_pieces : 1);

  for (guint f = 0; f < self->n_files; f++)
    {
      guint32 first, last;

      if (!file_counts (self, f))
        continue;
      file_piece_range (self, f, &first, &last);
      for (guint32 p = first; p <= last; p++)
        priority[p] = MAX (priority[p], self->file_priority[f]);
    }

  for (guint32 p = 0; p < self->n_pieces; p++)
    piece_set_priority (self, p, priority[p]);
}

/* Picking */

static guint
open_pieces_cap (BtPicker *self)
{
  guint n_peers = g_hash_table_size (self->peers);

  return MAX (BT_PICKER_MIN_OPEN_PIECES, n_peers * BT_PICKER_OPEN_PIECES_PER_PEER);
}

static guint
take_free_blocks (BtPicker *self,
                  Partial  *partial,
                  PeerInfo *rec,
                  BtBlock  *out,
                  guint     max)
{
  guint n = 0;
  guint32 i;

  for (i = partial->next_free; i < partial->n_blocks && n < max; i++)
    {
      BlockState *block = &partial->blocks[i];

      if (block->received || block->n_requesters > 0)
        continue;
      block_add_requester (partial, i, rec);
      out[n].piece = partial->piece;
      out[n].begin = i * BT_BLOCK_SIZE;
      out[n].length = block_length (self, partial->piece, i);
      n++;
    }
  /* Every block below i is now taken or received. */
  partial->next_free = i;
  return n;
}

static guint
pick_from_partials (BtPicker     *self,
                    PeerInfo     *rec,
                    const guint8 *peer_bits,
                    guint         level,
                    PartialsKind  kind,
                    BtBlock      *out,
                    guint         max)
{
  guint n = 0;

  for (guint i = 0; i < self->partials->len && n < max; i++)
    {
      Partial *partial = g_ptr_array_index (self->partials, i);

      if (partial_n_free (partial) == 0
          || self->piece_priority[partial->piece] != level
          || !bits_get (peer_bits, partial->piece))
        continue;
      if (kind == PARTIALS_OWN && partial->owner != rec)
        continue;
      if (kind == PARTIALS_ORPHAN && partial->n_requested > 0)
        continue;
      n += take_free_blocks (self, partial, rec, out + n, max - n);
    }
  return n;
}

/* Random phase: a random wanted piece the peer has. Buckets are in random
 * order already, so start at a random place in the concatenation of this
 * priority's buckets and take the first piece the peer has. */
static guint32
pick_random_piece (BtPicker     *self,
                   guint         level,
                   guint         first_avail,
                   const guint8 *peer_bits)
{
  GPtrArray *buckets = self->buckets[level];
  guint64 total = 0, skip;
  guint a, i;

  for (a = first_avail; a < buckets->len; a++)
    total += ((GArray *) g_ptr_array_index (buckets, a))->len;
  if (total == 0)
    return NO_PIECE;

  skip = (guint64) (bt_rand_double (&self->rand) * (double) total);
  skip = MIN (skip, total - 1);
  for (a = first_avail; a < buckets->len; a++)
    {
      GArray *bucket = g_ptr_array_index (buckets, a);

      if (skip < bucket->len)
        break;
      skip -= bucket->len;
    }
  i = (guint) skip;

  for (guint64 seen = 0; seen < total;)
    {
      GArray *bucket = g_ptr_array_index (buckets, a);

      for (; i < bucket->len && seen < total; i++, seen++)
        {
          guint32 piece = g_array_index (bucket, guint32, i);

          if (bits_get (peer_bits, piece))
            return piece;
        }
      i = 0;
      if (++a == buckets->len)
        a = first_avail;
    }
  return NO_PIECE;
}

/* Rarest first: the first piece the peer has in the rarest bucket that
 * holds any, continuing from @cursor. */
static guint32
pick_rarest_piece (BtPicker     *self,
                   guint         level,
                   Cursor       *cursor,
                   const guint8 *peer_bits)
{
  GPtrArray *buckets = self->buckets[level];

  if (cursor->exhausted)
    return NO_PIECE;

  for (; cursor->avail < buckets->len; cursor->avail++, cursor->index = 0)
    {
      GArray *bucket = g_ptr_array_index (buckets, cursor->avail);
      const guint32 *items = (const guint32 *) (const void *) bucket->data;

      for (; cursor->index < bucket->len; cursor->index++)
        if (bits_get (peer_bits, items[cursor->index]))
          /* Taking it moves the bucket's last piece into this slot, so the
           * cursor stays here and looks at that one next. */
          return items[cursor->index];
    }
  cursor->exhausted = TRUE;
  return NO_PIECE;
}

static guint
pick_new_pieces (BtPicker     *self,
                 PeerInfo     *rec,
                 const guint8 *peer_bits,
                 guint         level,
                 Cursor       *cursor,
                 gboolean      capped,
                 BtBlock      *out,
                 guint         max)
{
  /* Only seeds have pieces no other peer has (availability 0 here). */
  guint first_avail = rec->have == NULL ? 0 : 1;
  gboolean at_random = self->n_have < BT_PICKER_RANDOM_FIRST_PIECES;
  guint n = 0;

  if (cursor->avail < first_avail)
    cursor->avail = first_avail;

  while (n < max)
    {
      guint32 piece;

      if (capped && self->partials->len - self->n_partials_full >= open_pieces_cap (self))
        break;
      if (at_random)
        piece = pick_random_piece (self, level, first_avail, peer_bits);
      else
        piece = pick_rarest_piece (self, level, cursor, peer_bits);
      if (piece == NO_PIECE)
        break;
      n += take_free_blocks (self, partial_open (self, piece), rec, out + n, max - n);
    }
  return n;
}

/* Endgame: blocks already requested from someone else, least duplicated
 * first, so the last blocks do not wait on the slowest peer. */
static guint
pick_endgame (BtPicker     *self,
              PeerInfo     *rec,
              const guint8 *peer_bits,
              BtBlock      *out,
              guint         max)
{
  guint n = 0;

  for (guint level = BT_PRIORITY_HIGH; level > BT_PRIORITY_SKIP && n < max; level--)
    for (guint k = 0; k < BT_PICKER_MAX_BLOCK_REQUESTERS && n < max; k++)
      for (guint i = 0; i < self->partials->len && n < max; i++)
        {
          Partial *partial = g_ptr_array_index (self->partials, i);

          if (self->piece_priority[partial->piece] != level
              || partial->n_received == partial->n_blocks
              || !bits_get (peer_bits, partial->piece))
            continue;

          for (guint32 b = 0; b < partial->n_blocks && n < max; b++)
            {
              BlockState *block = &partial->blocks[b];

              if (block->received || block->n_requesters != k || block_has_requester (block, rec))
                continue;
              block_add_requester (partial, b, rec);
              out[n].piece = partial->piece;
              out[n].begin = b * BT_BLOCK_SIZE;
              out[n].length = block_length (self, partial->piece, b);
              n++;
            }
        }
  return n;
}

static gboolean
validate_block (BtPicker  *self,
                guint32    piece,
                guint32    begin,
                Partial  **out_partial,
                guint32   *out_index)
{
  Partial *partial;

  if (piece >= self->n_pieces || self->piece_state[piece] != PIECE_PARTIAL)
    return FALSE;
  if (begin % BT_BLOCK_SIZE != 0)
    return FALSE;
  partial = lookup_partial (self, piece);
  if (begin / BT_BLOCK_SIZE >= partial->n_blocks)
    return FALSE;
  *out_partial = partial;
  *out_index = begin / BT_BLOCK_SIZE;
  return TRUE;
}

static void
return_requests (BtPicker *self,
                 PeerInfo *rec)
{
  /* Backwards: dissolving a partial moves the last one into its slot,
   * which has been visited already. */
  for (guint i = self->partials->len; i-- > 0 && rec->n_requests > 0;)
    {
      Partial *partial = g_ptr_array_index (self->partials, i);

      if (partial->n_requested == 0)
        continue;
      for (guint32 b = 0; b < partial->n_blocks; b++)
        block_remove_requester (partial, b, rec);
      partial_maybe_dissolve (self, partial);
    }
}

/* GObject */

static void
bt_picker_finalize (GObject *object)
{
  BtPicker *self = (BtPicker *) object;

  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_pointer (&self->partial_by_piece, g_hash_table_unref);
  if (self->partials != NULL)
    g_ptr_array_set_free_func (self->partials, g_free);
  g_clear_pointer (&self->partials, g_ptr_array_unref);
  for (guint i = 0; i < N_LEVELS; i++)
    g_clear_pointer (&self->buckets[i], g_ptr_array_unref);
  g_clear_pointer (&self->done_or_skipped, bt_bitfield_free);
  g_clear_pointer (&self->file_offset, g_free);
  g_clear_pointer (&self->file_size, g_free);
  g_clear_pointer (&self->file_pad, g_free);
  g_clear_pointer (&self->file_priority, g_free);
  g_clear_pointer (&self->piece_priority, g_free);
  g_clear_pointer (&self->piece_state, g_free);
  g_clear_pointer (&self->availability, g_free);
  g_clear_pointer (&self->bucket_index, g_free);
  g_clear_object (&self->meta);

  G_OBJECT_CLASS (bt_picker_parent_class)->finalize (object);
}

static void
bt_picker_class_init (BtPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bt_picker_finalize;
}

static void
bt_picker_init (BtPicker *self)
{
  for (guint i = 0; i < N_LEVELS; i++)
    self->buckets[i] = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  self->partials = g_ptr_array_new ();
  self->partial_by_piece = g_hash_table_new (NULL, NULL);
  self->peers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) peer_free);
  bt_rand_init (&self->rand);
}

/* Public API */

/**
 * bt_picker_new:
 * @meta: the torrent
 *
 * A picker for @meta with nothing had, no peers, and every file at
 * %BT_PRIORITY_NORMAL. Pieces made only of pad files (BEP 47) are never
 * wanted. Keeps a reference to @meta.
 *
 * The picker owns no I/O and no timers; call it from one thread.
 *
 * Returns: (transfer full): a new picker
 */
BtPicker *
bt_picker_new (BtMetainfo *meta)
{
  BtPicker *self;
  guint64 total;

  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);

  self = g_object_new (BT_TYPE_PICKER, NULL);
  self->meta = g_object_ref (meta);
  self->n_pieces = bt_metainfo_get_n_pieces (meta);
  self->piece_length = bt_metainfo_get_piece_length (meta);
  total = bt_metainfo_get_total_size (meta);
  self->last_piece_size = self->n_pieces > 0
    ? (guint32) (total - (guint64) (self->n_pieces - 1) * self->piece_length)
    : 0;

  self->n_files = bt_metainfo_get_n_files (meta);
  self->file_offset = g_new (guint64, self->n_files);
  self->file_size = g_new (guint64, self->n_files);
  self->file_pad = g_new (gboolean, self->n_files);
  self->file_priority = g_new (guint8, self->n_files);
  for (guint f = 0; f < self->n_files; f++)
    {
      self->file_offset[f] = bt_metainfo_get_file_offset (meta, f);
      self->file_size[f] = bt_metainfo_get_file_size (meta, f);
      self->file_pad[f] = (bt_metainfo_get_file_flags (meta, f) & BT_METAINFO_FILE_PAD) != 0;
      self->file_priority[f] = BT_PRIORITY_NORMAL;
    }

  /* Start with every piece missing and unwanted, then let the file
   * priorities pull the wanted ones into the buckets. */
  self->piece_priority = g_malloc0 (MAX (self->n_pieces, 1));
  self->piece_state = g_malloc0 (MAX (self->n_pieces, 1));
  self->availability = g_new0 (guint32, MAX (self->n_pieces, 1));
  self->bucket_index = g_new0 (guint32, MAX (self->n_pieces, 1));
  self->done_or_skipped = bt_bitfield_new (self->n_pieces);
  bt_bitfield_set_all (self->done_or_skipped);
  recompute_all_priorities (self);

  return self;
}

static gint
compare_guint32 (gconstpointer a,
                 gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/**
 * bt_picker_set_random_seed:
 * @seed: the seed
 *
 * Makes the random choices (first pieces, tie-breaks) a function of
 * @seed and of the calls made from now on, for tests and simulations.
 * Reshuffles the pieces already queued. O(n_pieces log n_pieces).
 */
void
bt_picker_set_random_seed (BtPicker *self,
                           guint32   seed)
{
  g_return_if_fail (BT_IS_PICKER (self));

  bt_rand_set_seed (&self->rand, seed);
  for (guint level = 0; level < N_LEVELS; level++)
    for (guint a = 0; a < self->buckets[level]->len; a++)
      {
        GArray *bucket = g_ptr_array_index (self->buckets[level], a);
        guint32 *items = (guint32 *) (void *) bucket->data;

        /* Sort first so that the order depends on the seed alone. */
        g_array_sort (bucket, compare_guint32);
        for (guint i = bucket->len; i > 1; i--)
          {
            guint j = bt_rand_int_range (&self->rand, 0, i);
            guint32 tmp = items[i - 1];

            items[i - 1] = items[j];
            items[j] = tmp;
          }
        for (guint i = 0; i < bucket->len; i++)
          self->bucket_index[items[i]] = i;
      }
}

/**
 * bt_picker_get_n_blocks:
 *
 * Returns: the number of blocks in @piece
 */
guint32
bt_picker_get_n_blocks (BtPicker *self,
                        guint32   piece)
{
  g_return_val_if_fail (BT_IS_PICKER (self), 0);
  g_return_val_if_fail (piece < self->n_pieces, 0);

  return n_blocks_of (self, piece);
}

/**
 * bt_picker_get_block_length:
 *
 * Returns: the length of @block of @piece: %BT_BLOCK_SIZE, or less
 *   for the last block of the last piece
 */
guint32
bt_picker_get_block_length (BtPicker *self,
                            guint32   piece,
                            guint32   block)
{
  g_return_val_if_fail (BT_IS_PICKER (self), 0);
  g_return_val_if_fail (piece < self->n_pieces, 0);
  g_return_val_if_fail (block < n_blocks_of (self, piece), 0);

  return block_length (self, piece, block);
}

/**
 * bt_picker_set_have:
 * @have: the verified pieces, sized for the torrent
 *
 * Sets which pieces we have, e.g. from a resume file or a recheck. Pieces
 * newly had drop their outstanding requests (late blocks for them are then
 * reported as unrequested); pieces no longer had go back to the pool.
 * O(n_pieces).
 */
void
bt_picker_set_have (BtPicker         *self,
                    const BtBitfield *have)
{
  const guint8 *bits;

  g_return_if_fail (BT_IS_PICKER (self));
  g_return_if_fail (have != NULL);
  g_return_if_fail (bt_bitfield_get_size (have) == self->n_pieces);

  bits = bt_bitfield_get_data (have, NULL);
  for (guint32 p = 0; p < self->n_pieces; p++)
    {
      if (bits_get (bits, p))
        piece_mark_have (self, p);
      else
        piece_mark_missing (self, p);
    }
}

/**
 * bt_picker_has_piece:
 *
 * Returns: %TRUE when @piece has passed its hash check
 */
gboolean
bt_picker_has_piece (BtPicker *self,
                     guint32   piece)
{
  g_return_val_if_fail (BT_IS_PICKER (self), FALSE);
  g_return_val_if_fail (piece < self->n_pieces, FALSE);

  return self->piece_state[piece] == PIECE_HAVE;
}

/**
 * bt_picker_get_n_have:
 *
 * Returns: the number of verified pieces, wanted or not
 */
guint32
bt_picker_get_n_have (BtPicker *self)
{
  g_return_val_if_fail (BT_IS_PICKER (self), 0);

  return self->n_have;
}

/**
 * bt_picker_set_file_priority:
 * @file: a file index of the torrent
 * @priority: its new priority
 *
 * A piece's priority is the highest of the files it touches, pad files
 * and empty files left out; it is %BT_PRIORITY_SKIP only when every file
 * it touches is skipped. Partial pieces keep what was requested and
 * received; a skipped one just gets no new requests. Costs the number of
 * pieces of @file; use bt_picker_set_file_priorities() to change many
 * small files at once.
 */
void
bt_picker_set_file_priority (BtPicker   *self,
                             guint       file,
                             BtPriority  priority)
{
  guint32 first, last;

  g_return_if_fail (BT_IS_PICKER (self));
  g_return_if_fail (file < self->n_files);
  g_return_if_fail (priority <= BT_PRIORITY_HIGH);

  if (self->file_priority[file] == priority)
    return;
  self->file_priority[file] = priority;
  if (!file_counts (self, file))
    return;

  file_piece_range (self, file, &first, &last);
  /* Only the first and last piece can be shared with other files. */
  piece_set_priority (self, first, compute_piece_priority (self, first));
  for (guint32 p = first + 1; p < last; p++)
    piece_set_priority (self, p, priority);
  if (last != first)
    piece_set_priority (self, last, compute_piece_priority (self, last));
}

/**
 * bt_picker_set_file_priorities:
 * @priorities: (array length=n_files): one priority per file
 * @n_files: the torrent's number of files
 *
 * Sets every file's priority at once, in O(n_pieces + n_files).
 */
void
bt_picker_set_file_priorities (BtPicker         *self,
                               const BtPriority *priorities,
                               guint             n_files)
{
  g_return_if_fail (BT_IS_PICKER (self));
  g_return_if_fail (priorities != NULL || n_files == 0);
  g_return_if_fail (n_files == self->n_files);

  for (guint f = 0; f < n_files; f++)
    g_return_if_fail (priorities[f] <= BT_PRIORITY_HIGH);

  for (guint f = 0; f < n_files; f++)
    self->file_priority[f] = priorities[f];
  recompute_all_priorities (self);
}

/**
 * bt_picker_get_file_priority:
 *
 * Returns: the priority last set for @file
 */
BtPriority
bt_picker_get_file_priority (BtPicker *self,
                             guint     file)
{
  g_return_val_if_fail (BT_IS_PICKER (self), BT_PRIORITY_SKIP);
  g_return_val_if_fail (file < self->n_files, BT_PRIORITY_SKIP);

  return self->file_priority[file];
}

/**
 * bt_picker_get_piece_priority:
 *
 * Returns: the highest priority among the real files @piece touches
 */
BtPriority
bt_picker_get_piece_priority (BtPicker *self,
                              guint32   piece)
{
  g_return_val_if_fail (BT_IS_PICKER (self), BT_PRIORITY_SKIP);
  g_return_val_if_fail (piece < self->n_pieces, BT_PRIORITY_SKIP);

  return self->piece_priority[piece];
}

/**
 * bt_picker_add_peer:
 * @peer: the caller's handle for the peer; only compared, never
 *   dereferenced
 * @peer_have: the pieces it has (its "bitfield"; a full one for
 *   "have all", an empty one for "have none" or no bitfield)
 *
 * Counts @peer's pieces into the availability. Calling it again for the
 * same peer replaces its pieces and keeps its requests. A seed costs O(1),
 * any other peer O(n_pieces).
 */
void
bt_picker_add_peer (BtPicker         *self,
                    gpointer          peer,
                    const BtBitfield *peer_have)
{
  PeerInfo *rec;

  g_return_if_fail (BT_IS_PICKER (self));
  g_return_if_fail (peer != NULL);
  g_return_if_fail (peer_have != NULL);
  g_return_if_fail (bt_bitfield_get_size (peer_have) == self->n_pieces);

  rec = lookup_peer (self, peer);
  if (rec != NULL)
    {
      peer_drop_availability (self, rec);
      g_clear_pointer (&rec->have, bt_bitfield_free);
    }
  else
    {
      rec = g_new0 (PeerInfo, 1);
      rec->peer = peer;
      g_hash_table_insert (self->peers, peer, rec);
    }

  if (!bt_bitfield_is_complete (peer_have))
    rec->have = bt_bitfield_copy (peer_have);
  peer_add_availability (self, rec);
}

/**
 * bt_picker_peer_has:
 * @piece: a piece index, already checked against the torrent
 *
 * A "have" message. An unknown @peer is added as having nothing else. A
 * peer that thereby gets every piece is counted as a seed from then on.
 */
void
bt_picker_peer_has (BtPicker *self,
                    gpointer  peer,
                    guint32   piece)
{
  PeerInfo *rec;

  g_return_if_fail (BT_IS_PICKER (self));
  g_return_if_fail (peer != NULL);
  g_return_if_fail (piece < self->n_pieces);

  rec = lookup_peer (self, peer);
  if (rec == NULL)
    {
      rec = g_new0 (PeerInfo, 1);
      rec->peer = peer;
      rec->have = bt_bitfield_new (self->n_pieces);
      g_hash_table_insert (self->peers, peer, rec);
    }

  if (rec->have == NULL || bt_bitfield_get (rec->have, piece))
    return;
  bt_bitfield_set (rec->have, piece);
  availability_add (self, piece, 1);

  if (bt_bitfield_is_complete (rec->have))
    {
      /* Once per peer at most: it leaves the per-piece counts and keeps
       * the buckets small. */
      peer_drop_availability (self, rec);
      g_clear_pointer (&rec->have, bt_bitfield_free);
      peer_add_availability (self, rec);
    }
}

/**
 * bt_picker_remove_peer:
 *
 * Forgets @peer: its pieces leave the availability, the blocks requested
 * from it go back to the pool, and it is no longer reported as a
 * contributor by bt_picker_piece_failed() (the caller's handle may be gone
 * by then). Unknown peers are ignored.
 */
void
bt_picker_remove_peer (BtPicker *self,
                       gpointer  peer)
{
  PeerInfo *rec;

  g_return_if_fail (BT_IS_PICKER (self));

  rec = lookup_peer (self, peer);
  if (rec == NULL)
    return;

  return_requests (self, rec);
  g_assert (rec->n_requests == 0);
  for (guint i = 0; i < self->partials->len; i++)
    {
      Partial *partial = g_ptr_array_index (self->partials, i);

      if (partial->owner == rec)
        partial->owner = NULL;
      for (guint32 b = 0; b < partial->n_blocks; b++)
        if (partial->blocks[b].sender == rec)
          partial->blocks[b].sender = NULL;
    }
  peer_drop_availability (self, rec);
  g_hash_table_remove (self->peers, peer);
}

/**
 * bt_picker_get_availability:
 *
 * Returns: the number of known peers that have @piece, seeds included
 */
guint
bt_picker_get_availability (BtPicker *self,
                            guint32   piece)
{
  g_return_val_if_fail (BT_IS_PICKER (self), 0);
  g_return_val_if_fail (piece < self->n_pieces, 0);

  return self->availability[piece] + self->n_seeds;
}

/**
 * bt_picker_is_interesting:
 * @peer_have: what a peer has
 *
 * Returns: %TRUE when the peer has a piece we want and have not verified
 *   yet (pieces being downloaded count: their hash may still fail).
 *   O(n_pieces / 64).
 */
gboolean
bt_picker_is_interesting (BtPicker         *self,
                          const BtBitfield *peer_have)
{
  g_return_val_if_fail (BT_IS_PICKER (self), FALSE);
  g_return_val_if_fail (peer_have != NULL, FALSE);
  g_return_val_if_fail (bt_bitfield_get_size (peer_have) == self->n_pieces, FALSE);

  return bt_bitfield_has_any_and_not (peer_have, self->done_or_skipped);
}

/**
 * bt_picker_pick:
 * @peer: a peer added with bt_picker_add_peer() that has unchoked us
 * @peer_have: what @peer has
 * @max_blocks: how many blocks to pick at most
 * @out: (out caller-allocates) (array length=max_blocks): the blocks
 *
 * Picks up to @max_blocks blocks to request from @peer and marks them
 * requested by it. For each priority level, highest first:
 *
 * 1. blocks left in pieces this peer is already downloading (whole pieces
 *    from one peer, so a bad piece has one suspect);
 * 2. blocks of started pieces that nobody is working on any more;
 * 3. new pieces, while fewer than the open-piece cap are partial: a random
 *    one while we have fewer than %BT_PICKER_RANDOM_FIRST_PIECES pieces
 *    (anything to trade, fast), then the rarest, random among equally rare;
 * 4. free blocks of pieces other peers are downloading;
 * 5. new pieces beyond the cap, rather than leave the peer idle.
 *
 * When every missing block of the wanted pieces is requested (endgame, see
 * bt_picker_in_endgame()), blocks already requested from other peers are
 * picked too, up to %BT_PICKER_MAX_BLOCK_REQUESTERS peers per block.
 *
 * Returns: the number of blocks written to @out
 */
guint
bt_picker_pick (BtPicker         *self,
                gpointer          peer,
                const BtBitfield *peer_have,
                guint             max_blocks,
                BtBlock          *out)
{
  const guint8 *peer_bits;
  PeerInfo *rec;
  guint n = 0;

  g_return_val_if_fail (BT_IS_PICKER (self), 0);
  g_return_val_if_fail (peer_have != NULL, 0);
  g_return_val_if_fail (bt_bitfield_get_size (peer_have) == self->n_pieces, 0);
  g_return_val_if_fail (out != NULL || max_blocks == 0, 0);

  rec = lookup_peer (self, peer);
  g_return_val_if_fail (rec != NULL, 0);

  if (max_blocks == 0 || self->n_wanted_missing == 0)
    return 0;

  peer_bits = bt_bitfield_get_data (peer_have, NULL);
  for (guint level = BT_PRIORITY_HIGH; level > BT_PRIORITY_SKIP && n < max_blocks; level--)
    {
      Cursor cursor = { 0, };

      n += pick_from_partials (self, rec, peer_bits, level, PARTIALS_OWN,
                               out + n, max_blocks - n);
      if (n < max_blocks)
        n += pick_from_partials (self, rec, peer_bits, level, PARTIALS_ORPHAN,
                                 out + n, max_blocks - n);
      if (n < max_blocks)
        n += pick_new_pieces (self, rec, peer_bits, level, &cursor, TRUE,
                              out + n, max_blocks - n);
      if (n < max_blocks)
        n += pick_from_partials (self, rec, peer_bits, level, PARTIALS_ANY,
                                 out + n, max_blocks - n);
      if (n < max_blocks)
        n += pick_new_pieces (self, rec, peer_bits, level, &cursor, FALSE,
                              out + n, max_blocks - n);
    }

  if (n < max_blocks && bt_picker_in_endgame (self))
    n += pick_endgame (self, rec, peer_bits, out + n, max_blocks - n);

  return n;
}

/**
 * bt_picker_block_received:
 * @cancel_from: (nullable) (element-type gpointer): gets the other peers
 *   this block was also requested from (endgame), to send them CANCEL
 *
 * Records a block's data as received from @peer. The block counts when it
 * is requested from anyone right now, even if not from @peer (a request
 * that timed out and was handed to another peer, then arrived after all).
 *
 * Returns: %TRUE when the piece now has every block and is ready for its
 *   hash check. %FALSE both when the block was taken and the piece still
 *   misses others, and when it was not taken: not requested from anyone,
 *   already received, of a piece we have, from an unknown peer, or not a
 *   valid block (wrong offset or length), which the caller treats as
 *   unrequested data. To tell these apart, ask
 *   bt_picker_block_was_requested() first: a block requested from @peer
 *   is always taken.
 */
gboolean
bt_picker_block_received (BtPicker  *self,
                          gpointer   peer,
                          guint32    piece,
                          guint32    begin,
                          guint32    length,
                          GPtrArray *cancel_from)
{
  Partial *partial;
  BlockState *block;
  guint32 index;
  PeerInfo *rec;

  g_return_val_if_fail (BT_IS_PICKER (self), FALSE);

  rec = lookup_peer (self, peer);
  if (rec == NULL || !validate_block (self, piece, begin, &partial, &index))
    return FALSE;
  block = &partial->blocks[index];
  if (length != block_length (self, piece, index) || block->received || block->n_requesters == 0)
    return FALSE;

  if (cancel_from != NULL)
    for (guint i = 0; i < block->n_requesters; i++)
      if (block->requesters[i] != rec)
        g_ptr_array_add (cancel_from, block->requesters[i]->peer);

  block_clear_requesters (partial, index);
  block->received = TRUE;
  block->sender = rec;
  partial->n_received++;
  if (partial->n_received < partial->n_blocks)
    return FALSE;

  self->n_partials_full++;
  return TRUE;
}

/**
 * bt_picker_block_was_requested:
 *
 * Returns: %TRUE when this exact block is requested from @peer right now
 */
gboolean
bt_picker_block_was_requested (BtPicker *self,
                               gpointer  peer,
                               guint32   piece,
                               guint32   begin,
                               guint32   length)
{
  Partial *partial;
  guint32 index;
  PeerInfo *rec;

  g_return_val_if_fail (BT_IS_PICKER (self), FALSE);

  rec = lookup_peer (self, peer);
  if (rec == NULL || !validate_block (self, piece, begin, &partial, &index))
    return FALSE;
  return length == block_length (self, piece, index)
         && block_has_requester (&partial->blocks[index], rec);
}

/**
 * bt_picker_cancel_block:
 *
 * The request of this block from @peer is over without data (the peer
 * rejected it, choked us, or it timed out): the block goes back to the
 * pool unless other peers still have it requested. Anything that is not
 * an outstanding request of @peer is ignored.
 */
void
bt_picker_cancel_block (BtPicker *self,
                        gpointer  peer,
                        guint32   piece,
                        guint32   begin)
{
  Partial *partial;
  guint32 index;
  PeerInfo *rec;

  g_return_if_fail (BT_IS_PICKER (self));

  rec = lookup_peer (self, peer);
  if (rec == NULL || !validate_block (self, piece, begin, &partial, &index))
    return;
  if (block_remove_requester (partial, index, rec))
    partial_maybe_dissolve (self, partial);
}

/**
 * bt_picker_return_requests:
 *
 * Every block requested from @peer goes back to the pool (a snubbed or
 * choking peer); its pieces still count as available. Costs the blocks of
 * the partial pieces.
 */
void
bt_picker_return_requests (BtPicker *self,
                           gpointer  peer)
{
  PeerInfo *rec;

  g_return_if_fail (BT_IS_PICKER (self));

  rec = lookup_peer (self, peer);
  if (rec != NULL)
    return_requests (self, rec);
}

/**
 * bt_picker_get_n_requests:
 *
 * Returns: the number of blocks requested from @peer and not yet received,
 *   cancelled or returned
 */
guint
bt_picker_get_n_requests (BtPicker *self,
                          gpointer  peer)
{
  PeerInfo *rec;

  g_return_val_if_fail (BT_IS_PICKER (self), 0);

  rec = lookup_peer (self, peer);
  return rec != NULL ? rec->n_requests : 0;
}

/**
 * bt_picker_piece_is_ready:
 *
 * Returns: %TRUE when every block of @piece has been received and the
 *   piece waits for its hash check (bt_picker_piece_passed() or
 *   bt_picker_piece_failed())
 */
gboolean
bt_picker_piece_is_ready (BtPicker *self,
                          guint32   piece)
{
  Partial *partial;

  g_return_val_if_fail (BT_IS_PICKER (self), FALSE);
  g_return_val_if_fail (piece < self->n_pieces, FALSE);

  if (self->piece_state[piece] != PIECE_PARTIAL)
    return FALSE;
  partial = lookup_partial (self, piece);
  return partial->n_received == partial->n_blocks;
}

/**
 * bt_picker_piece_passed:
 *
 * @piece passed its hash check and is written: we have it. Requests still
 * outstanding for it are forgotten; blocks that arrive for it later are
 * reported as unrequested.
 */
void
bt_picker_piece_passed (BtPicker *self,
                        guint32   piece)
{
  g_return_if_fail (BT_IS_PICKER (self));
  g_return_if_fail (piece < self->n_pieces);

  piece_mark_have (self, piece);
}

/**
 * bt_picker_piece_failed:
 * @contributors: (nullable) (element-type gpointer): gets each peer that
 *   sent a block of @piece, once, for scoring and banning; peers removed
 *   since are not reported
 *
 * @piece failed its hash check: every block of it is missing again and the
 * piece is back in the pool.
 */
void
bt_picker_piece_failed (BtPicker  *self,
                        guint32    piece,
                        GPtrArray *contributors)
{
  Partial *partial;

  g_return_if_fail (BT_IS_PICKER (self));
  g_return_if_fail (piece < self->n_pieces);

  if (self->piece_state[piece] == PIECE_HAVE)
    {
      piece_mark_missing (self, piece);
      return;
    }
  if (self->piece_state[piece] != PIECE_PARTIAL)
    return;

  partial = lookup_partial (self, piece);
  if (contributors != NULL)
    for (guint32 b = 0; b < partial->n_blocks; b++)
      {
        PeerInfo *sender = partial->blocks[b].sender;

        if (sender != NULL && !g_ptr_array_find (contributors, sender->peer, NULL))
          g_ptr_array_add (contributors, sender->peer);
      }

  partial_close (self, partial);
  piece_make_untouched (self, piece);
}

/**
 * bt_picker_is_complete:
 *
 * Returns: %TRUE when every wanted piece has passed its hash check
 */
gboolean
bt_picker_is_complete (BtPicker *self)
{
  g_return_val_if_fail (BT_IS_PICKER (self), FALSE);

  return self->n_wanted_missing == 0;
}

/**
 * bt_picker_get_wanted_left:
 *
 * Returns: the bytes of the wanted pieces not verified yet, whole pieces
 *   (a piece shared with a skipped file or holding pad bytes counts in
 *   full), so the figure reaches 0 exactly when bt_picker_is_complete()
 */
guint64
bt_picker_get_wanted_left (BtPicker *self)
{
  g_return_val_if_fail (BT_IS_PICKER (self), 0);

  return self->wanted_left;
}

/**
 * bt_picker_in_endgame:
 *
 * Returns: %TRUE when wanted pieces are missing, every one of their
 *   blocks is requested or received already, and some are still in
 *   flight: the last blocks, which duplicate requests can speed up.
 *   O(partial pieces).
 */
gboolean
bt_picker_in_endgame (BtPicker *self)
{
  gboolean in_flight = FALSE;

  g_return_val_if_fail (BT_IS_PICKER (self), FALSE);

  if (self->n_wanted_missing == 0)
    return FALSE;
  for (guint level = BT_PRIORITY_LOW; level < N_LEVELS; level++)
    if (self->n_queued[level] > 0)
      return FALSE;
  for (guint i = 0; i < self->partials->len; i++)
    {
      Partial *partial = g_ptr_array_index (self->partials, i);

      if (self->piece_priority[partial->piece] == BT_PRIORITY_SKIP)
        continue;
      if (partial_n_free (partial) > 0)
        return FALSE;
      in_flight |= partial->n_requested > 0;
    }
  return in_flight;
}
