/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib-object.h>

#include "bt-bitfield.h"
#include "bt-metainfo.h"

G_BEGIN_DECLS

/**
 * BtPriority:
 * @BT_PRIORITY_SKIP: do not download
 * @BT_PRIORITY_LOW: download after everything else
 * @BT_PRIORITY_NORMAL: the default
 * @BT_PRIORITY_HIGH: download before everything else
 *
 * A file's download priority. A piece takes the highest priority of the
 * files it touches (pad files do not count), so a piece shared between a
 * skipped file and a wanted one is still downloaded.
 */
typedef enum
{
  BT_PRIORITY_SKIP   = 0,
  BT_PRIORITY_LOW    = 1,
  BT_PRIORITY_NORMAL = 2,
  BT_PRIORITY_HIGH   = 3,
} BtPriority;

/**
 * BtBlock:
 * @piece: piece index
 * @begin: byte offset inside the piece, a multiple of %BT_BLOCK_SIZE (bt-wire.h)
 * @length: %BT_BLOCK_SIZE, or less for the last block of the last
 *   piece
 *
 * One request, exactly as the "request" and "cancel" messages carry it.
 */
typedef struct
{
  guint32 piece;
  guint32 begin;
  guint32 length;
} BtBlock;

/**
 * BtPicker:
 *
 * Decides which block to request from which peer: random first pieces,
 * then rarest-first with a random tie-break, partial pieces finished
 * first and kept with one peer where possible, file priorities, endgame.
 *
 * Pure bookkeeping: no I/O, no timers, no signals, no callbacks. Call it
 * from one thread (the torrent's main context). Peers are the caller's
 * opaque pointers: compared, never dereferenced, and forgotten by
 * bt_picker_remove_peer(), which the caller must call before the pointer
 * may be reused. Time-outs are the caller's: it hands an expired request
 * back with bt_picker_cancel_block().
 */
#define BT_TYPE_PICKER (bt_picker_get_type ())
G_DECLARE_FINAL_TYPE (BtPicker, bt_picker, BT, PICKER, GObject)

BtPicker   *bt_picker_new                   (BtMetainfo        *meta);
void        bt_picker_set_random_seed       (BtPicker          *self,
                                             guint32            seed);

guint32     bt_picker_get_n_blocks          (BtPicker          *self,
                                             guint32            piece);
guint32     bt_picker_get_block_length      (BtPicker          *self,
                                             guint32            piece,
                                             guint32            block);

void        bt_picker_set_have              (BtPicker          *self,
                                             const BtBitfield  *have);
gboolean    bt_picker_has_piece             (BtPicker          *self,
                                             guint32            piece);
guint32     bt_picker_get_n_have            (BtPicker          *self);

void        bt_picker_set_file_priority     (BtPicker          *self,
                                             guint              file,
                                             BtPriority         priority);
void        bt_picker_set_file_priorities   (BtPicker          *self,
                                             const BtPriority  *priorities,
                                             guint              n_files);
BtPriority  bt_picker_get_file_priority     (BtPicker          *self,
                                             guint              file);
BtPriority  bt_picker_get_piece_priority    (BtPicker          *self,
                                             guint32            piece);

void        bt_picker_add_peer              (BtPicker          *self,
                                             gpointer           peer,
                                             const BtBitfield  *peer_have);
void        bt_picker_peer_has              (BtPicker          *self,
                                             gpointer           peer,
                                             guint32            piece);
void        bt_picker_remove_peer           (BtPicker          *self,
                                             gpointer           peer);
guint       bt_picker_get_availability      (BtPicker          *self,
                                             guint32            piece);

gboolean    bt_picker_is_interesting        (BtPicker          *self,
                                             const BtBitfield  *peer_have);
guint       bt_picker_pick                  (BtPicker          *self,
                                             gpointer           peer,
                                             const BtBitfield  *peer_have,
                                             guint              max_blocks,
                                             BtBlock           *out);

gboolean    bt_picker_block_received        (BtPicker          *self,
                                             gpointer           peer,
                                             guint32            piece,
                                             guint32            begin,
                                             guint32            length,
                                             GPtrArray         *cancel_from);
gboolean    bt_picker_block_was_requested   (BtPicker          *self,
                                             gpointer           peer,
                                             guint32            piece,
                                             guint32            begin,
                                             guint32            length);
void        bt_picker_cancel_block          (BtPicker          *self,
                                             gpointer           peer,
                                             guint32            piece,
                                             guint32            begin);
void        bt_picker_return_requests       (BtPicker          *self,
                                             gpointer           peer);
guint       bt_picker_get_n_requests        (BtPicker          *self,
                                             gpointer           peer);

gboolean    bt_picker_piece_is_ready        (BtPicker          *self,
                                             guint32            piece);
void        bt_picker_piece_passed          (BtPicker          *self,
                                             guint32            piece);
void        bt_picker_piece_failed          (BtPicker          *self,
                                             guint32            piece,
                                             GPtrArray         *contributors);

gboolean    bt_picker_is_complete           (BtPicker          *self);
guint64     bt_picker_get_wanted_left       (BtPicker          *self);
gboolean    bt_picker_in_endgame            (BtPicker          *self);

G_END_DECLS
