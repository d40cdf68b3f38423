/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * BtBitfield:
 *
 * A fixed-size set of @n_bits bits, one per piece, stored exactly as the
 * BitTorrent "bitfield" message carries it: bit 0 is the high bit of byte 0,
 * and the spare bits at the end of the last byte are always zero.
 *
 * The number of set bits is maintained on every change, so
 * bt_bitfield_count(), bt_bitfield_is_complete() and bt_bitfield_is_empty()
 * are O(1). Not thread-safe: one owner, or a copy per thread.
 *
 * Indexes out of range are programmer errors (g_return_if_fail); anything
 * a peer sends must be range-checked by the caller before it gets here.
 */
typedef struct _BtBitfield BtBitfield;

#define BT_TYPE_BITFIELD (bt_bitfield_get_type ())

GType          bt_bitfield_get_type           (void) G_GNUC_CONST;

BtBitfield    *bt_bitfield_new                (guint32            n_bits);
BtBitfield    *bt_bitfield_new_from_bytes     (const guint8      *data,
                                               gsize              length,
                                               guint32            n_bits,
                                               GError           **error);
BtBitfield    *bt_bitfield_copy               (const BtBitfield  *bitfield);
void           bt_bitfield_free               (BtBitfield        *bitfield);

gboolean       bt_bitfield_get                (const BtBitfield  *bitfield,
                                               guint32            index);
void           bt_bitfield_set                (BtBitfield        *bitfield,
                                               guint32            index);
void           bt_bitfield_clear              (BtBitfield        *bitfield,
                                               guint32            index);
void           bt_bitfield_set_all            (BtBitfield        *bitfield);
void           bt_bitfield_clear_all          (BtBitfield        *bitfield);

guint32        bt_bitfield_count              (const BtBitfield  *bitfield);
guint32        bt_bitfield_get_size           (const BtBitfield  *bitfield);
gboolean       bt_bitfield_is_complete        (const BtBitfield  *bitfield);
gboolean       bt_bitfield_is_empty           (const BtBitfield  *bitfield);
const guint8  *bt_bitfield_get_data           (const BtBitfield  *bitfield,
                                               gsize             *length);

guint32        bt_bitfield_count_and_not      (const BtBitfield  *a,
                                               const BtBitfield  *b);
gboolean       bt_bitfield_has_any_and_not    (const BtBitfield  *a,
                                               const BtBitfield  *b);
gboolean       bt_bitfield_equal              (const BtBitfield  *a,
                                               const BtBitfield  *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtBitfield, bt_bitfield_free)

G_END_DECLS
