/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-bitfield"

#include "config.h"

#include <string.h>

#include "bt-bitfield.h"
#include "bt-error.h"

struct _BtBitfield
{
  guint32 n_bits;
  guint32 n_set;
  gsize   n_bytes;
  gsize   n_words;

  /* The wire bytes, in wire order, padded with zero bytes to whole 64-bit
   * words so that the set arithmetic can work a word at a time. Spare bits
   * and padding are zero at all times: equality, counting and and-not
   * depend on it. */
  guint64 words[];
};

G_DEFINE_BOXED_TYPE (BtBitfield, bt_bitfield, bt_bitfield_copy, bt_bitfield_free)

static inline guint
popcount64 (guint64 v)
{
#if defined(__GNUC__) || defined(__clang__)
  return (guint) __builtin_popcountll (v);
#else
  v = v - ((v >> 1) & G_GUINT64_CONSTANT (0x5555555555555555));
  v = (v & G_GUINT64_CONSTANT (0x3333333333333333))
      + ((v >> 2) & G_GUINT64_CONSTANT (0x3333333333333333));
  v = (v + (v >> 4)) & G_GUINT64_CONSTANT (0x0f0f0f0f0f0f0f0f);
  return (guint) ((v * G_GUINT64_CONSTANT (0x0101010101010101)) >> 56);
#endif
}

static inline guint8 *
bitfield_bytes (BtBitfield *self)
{
  return (guint8 *) self->words;
}

static inline const guint8 *
bitfield_bytes_const (const BtBitfield *self)
{
  return (const guint8 *) self->words;
}

/* The bits of the last byte that belong to pieces (high bits first). */
static inline guint8
last_byte_mask (guint32 n_bits)
{
  guint spare = (guint) ((8 - (n_bits % 8)) % 8);

  return (guint8) (0xffu << spare);
}

static BtBitfield *
bitfield_alloc (guint32 n_bits)
{
  BtBitfield *self;
  gsize n_bytes = ((gsize) n_bits + 7) / 8;
  gsize n_words = (n_bytes + 7) / 8;

  self = g_malloc0 (sizeof (BtBitfield) + n_words * sizeof (guint64));
  self->n_bits = n_bits;
  self->n_bytes = n_bytes;
  self->n_words = n_words;
  return self;
}

/**
 * bt_bitfield_new:
 * @n_bits: the number of bits (pieces); 0 is allowed
 *
 * Returns: (transfer full): a bitfield with every bit clear
 */
BtBitfield *
bt_bitfield_new (guint32 n_bits)
{
  return bitfield_alloc (n_bits);
}

/**
 * bt_bitfield_new_from_bytes:
 * @data: (array length=length) (nullable): the bytes as sent on the wire
 * @length: length of @data; must be exactly ceil(@n_bits / 8)
 * @n_bits: the number of pieces the bitfield describes
 * @error: set to %BT_ERROR_BITFIELD_INVALID when @length is wrong or a
 *   spare bit past the last piece is set (BEP 3 says a peer doing that must
 *   be dropped)
 *
 * Returns: (transfer full) (nullable): the bitfield, or %NULL on error
 */
BtBitfield *
bt_bitfield_new_from_bytes (const guint8  *data,
                            gsize          length,
                            guint32        n_bits,
                            GError       **error)
{
  BtBitfield *self;
  gsize n_bytes = ((gsize) n_bits + 7) / 8;
  guint32 n_set = 0;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length != n_bytes)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BITFIELD_INVALID,
                   "Bitfield is %" G_GSIZE_FORMAT " bytes long, but %u pieces "
                   "need exactly %" G_GSIZE_FORMAT " bytes",
                   length, n_bits, n_bytes);
      return NULL;
    }
  if (n_bytes > 0 && (data[n_bytes - 1] & (guint8) ~last_byte_mask (n_bits)) != 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BITFIELD_INVALID,
                   "Bitfield has bits set past its last piece (piece %u); "
                   "the spare bits must be zero",
                   n_bits - 1);
      return NULL;
    }

  self = bitfield_alloc (n_bits);
  if (n_bytes > 0)
    memcpy (bitfield_bytes (self), data, n_bytes);
  for (gsize i = 0; i < self->n_words; i++)
    n_set += popcount64 (self->words[i]);
  self->n_set = n_set;
  return self;
}

/**
 * bt_bitfield_copy:
 *
 * Returns: (transfer full): an independent copy of @bitfield
 */
BtBitfield *
bt_bitfield_copy (const BtBitfield *bitfield)
{
  g_return_val_if_fail (bitfield != NULL, NULL);

  return g_memdup2 (bitfield, sizeof (BtBitfield) + bitfield->n_words * sizeof (guint64));
}

void
bt_bitfield_free (BtBitfield *bitfield)
{
  g_free (bitfield);
}

gboolean
bt_bitfield_get (const BtBitfield *bitfield,
                 guint32           index)
{
  g_return_val_if_fail (bitfield != NULL, FALSE);
  g_return_val_if_fail (index < bitfield->n_bits, FALSE);

  return (bitfield_bytes_const (bitfield)[index / 8] & (0x80u >> (index % 8))) != 0;
}

void
bt_bitfield_set (BtBitfield *bitfield,
                 guint32     index)
{
  guint8 *byte;
  guint8 mask;

  g_return_if_fail (bitfield != NULL);
  g_return_if_fail (index < bitfield->n_bits);

  byte = &bitfield_bytes (bitfield)[index / 8];
  mask = (guint8) (0x80u >> (index % 8));
  if ((*byte & mask) == 0)
    {
      *byte |= mask;
      bitfield->n_set++;
    }
}

void
bt_bitfield_clear (BtBitfield *bitfield,
                   guint32     index)
{
  guint8 *byte;
  guint8 mask;

  g_return_if_fail (bitfield != NULL);
  g_return_if_fail (index < bitfield->n_bits);

  byte = &bitfield_bytes (bitfield)[index / 8];
  mask = (guint8) (0x80u >> (index % 8));
  if ((*byte & mask) != 0)
    {
      *byte &= (guint8) ~mask;
      bitfield->n_set--;
    }
}

void
bt_bitfield_set_all (BtBitfield *bitfield)
{
  g_return_if_fail (bitfield != NULL);

  if (bitfield->n_bytes == 0)
    return;
  memset (bitfield_bytes (bitfield), 0xff, bitfield->n_bytes);
  bitfield_bytes (bitfield)[bitfield->n_bytes - 1] = last_byte_mask (bitfield->n_bits);
  bitfield->n_set = bitfield->n_bits;
}

void
bt_bitfield_clear_all (BtBitfield *bitfield)
{
  g_return_if_fail (bitfield != NULL);

  memset (bitfield->words, 0, bitfield->n_words * sizeof (guint64));
  bitfield->n_set = 0;
}

/**
 * bt_bitfield_count:
 *
 * Returns: the number of set bits, in O(1)
 */
guint32
bt_bitfield_count (const BtBitfield *bitfield)
{
  g_return_val_if_fail (bitfield != NULL, 0);

  return bitfield->n_set;
}

/**
 * bt_bitfield_get_size:
 *
 * Returns: the number of bits (pieces) @bitfield was created with
 */
guint32
bt_bitfield_get_size (const BtBitfield *bitfield)
{
  g_return_val_if_fail (bitfield != NULL, 0);

  return bitfield->n_bits;
}

/**
 * bt_bitfield_is_complete:
 *
 * Returns: %TRUE when every bit is set (also for a bitfield of 0 bits,
 *   which has nothing left to get)
 */
gboolean
bt_bitfield_is_complete (const BtBitfield *bitfield)
{
  g_return_val_if_fail (bitfield != NULL, FALSE);

  return bitfield->n_set == bitfield->n_bits;
}

/**
 * bt_bitfield_is_empty:
 *
 * Returns: %TRUE when no bit is set
 */
gboolean
bt_bitfield_is_empty (const BtBitfield *bitfield)
{
  g_return_val_if_fail (bitfield != NULL, TRUE);

  return bitfield->n_set == 0;
}

/**
 * bt_bitfield_get_data:
 * @length: (out) (optional): the number of bytes, ceil(size / 8)
 *
 * Returns: (transfer none) (array length=length): the bytes exactly as
 *   the "bitfield" message carries them; valid until @bitfield changes or
 *   is freed. Never %NULL, even for 0 bits.
 */
const guint8 *
bt_bitfield_get_data (const BtBitfield *bitfield,
                      gsize            *length)
{
  g_return_val_if_fail (bitfield != NULL, NULL);

  if (length != NULL)
    *length = bitfield->n_bytes;
  return bitfield_bytes_const (bitfield);
}

/**
 * bt_bitfield_count_and_not:
 * @a: a bitfield, e.g. what a peer has
 * @b: a bitfield of the same size, e.g. what we have
 *
 * Returns: the number of bits set in @a and clear in @b (the pieces the
 *   peer could give us)
 */
guint32
bt_bitfield_count_and_not (const BtBitfield *a,
                           const BtBitfield *b)
{
  guint32 n = 0;

  g_return_val_if_fail (a != NULL, 0);
  g_return_val_if_fail (b != NULL, 0);
  g_return_val_if_fail (a->n_bits == b->n_bits, 0);

  /* Shortcuts for the common cases: a seed, or a peer with nothing. */
  if (b->n_set == 0)
    return a->n_set;
  if (a->n_set == 0 || b->n_set == b->n_bits)
    return 0;

  for (gsize i = 0; i < a->n_words; i++)
    n += popcount64 (a->words[i] & ~b->words[i]);
  return n;
}

/**
 * bt_bitfield_has_any_and_not:
 * @a: a bitfield, e.g. what a peer has
 * @b: a bitfield of the same size, e.g. what we have
 *
 * Returns: %TRUE when some bit is set in @a and clear in @b: the peer has
 *   a piece we lack, so we are interested in it
 */
gboolean
bt_bitfield_has_any_and_not (const BtBitfield *a,
                             const BtBitfield *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);
  g_return_val_if_fail (a->n_bits == b->n_bits, FALSE);

  if (a->n_set == 0 || b->n_set == b->n_bits)
    return FALSE;
  if (b->n_set == 0 || a->n_set > b->n_set)
    return TRUE;

  for (gsize i = 0; i < a->n_words; i++)
    if ((a->words[i] & ~b->words[i]) != 0)
      return TRUE;
  return FALSE;
}

/**
 * bt_bitfield_equal:
 *
 * Returns: %TRUE when @a and @b have the same size and the same bits set
 */
gboolean
bt_bitfield_equal (const BtBitfield *a,
                   const BtBitfield *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (a == b)
    return TRUE;
  if (a->n_bits != b->n_bits || a->n_set != b->n_set)
    return FALSE;
  return memcmp (a->words, b->words, a->n_words * sizeof (guint64)) == 0;
}
