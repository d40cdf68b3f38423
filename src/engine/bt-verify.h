/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-bitfield.h"
#include "bt-metainfo.h"
#include "bt-storage.h"

G_BEGIN_DECLS

gboolean bt_verify_piece (BtMetainfo   *meta,
                          guint32       piece,
                          const guint8 *data,
                          gsize         length);

/**
 * BtVerifyPieceState:
 * @BT_VERIFY_PIECE_GOOD: on disk and matches its hash
 * @BT_VERIFY_PIECE_BAD: on disk but does not match its hash
 * @BT_VERIFY_PIECE_MISSING: not on disk: a file is missing or too short,
 *   or the piece was never written (only holes of a sparse file)
 */
typedef enum
{
  BT_VERIFY_PIECE_GOOD,
  BT_VERIFY_PIECE_BAD,
  BT_VERIFY_PIECE_MISSING,
} BtVerifyPieceState;

/**
 * BtVerifyFileStats:
 * @n_pieces: pieces holding bytes of this file (a piece shared with the
 *   next file counts for both)
 * @good: of those, pieces on disk that match their hash
 * @bad: pieces on disk with wrong data
 * @missing: pieces not on disk
 * @present: the file exists (as a regular file)
 * @size_on_disk: its size when present
 *
 * What a full recheck found for one file. Pad files have all zeros.
 */
typedef struct
{
  guint32  n_pieces;
  guint32  good;
  guint32  bad;
  guint32  missing;
  gboolean present;
  guint64  size_on_disk;
} BtVerifyFileStats;

typedef struct _BtVerifyResult BtVerifyResult;

#define BT_TYPE_VERIFY_RESULT (bt_verify_result_get_type ())

GType               bt_verify_result_get_type        (void) G_GNUC_CONST;
BtVerifyResult     *bt_verify_result_ref             (BtVerifyResult     *result);
void                bt_verify_result_unref           (BtVerifyResult     *result);

const BtBitfield   *bt_verify_result_get_have        (BtVerifyResult     *result);
BtVerifyPieceState  bt_verify_result_get_piece_state (BtVerifyResult     *result,
                                                      guint32             piece);
void                bt_verify_result_get_totals      (BtVerifyResult     *result,
                                                      guint32            *good,
                                                      guint32            *bad,
                                                      guint32            *missing);
void                bt_verify_result_get_file_stats  (BtVerifyResult     *result,
                                                      guint               file,
                                                      BtVerifyFileStats  *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtVerifyResult, bt_verify_result_unref)

/**
 * BtVerifyProgress:
 * @done: bytes of the torrent checked so far
 * @total: bytes to check in all
 *
 * Called on the thread-default main context of the caller of
 * bt_verify_check_async(), at most about five times a second, and once at
 * the end with @done == @total (not when the check fails or is cancelled).
 */
typedef void (*BtVerifyProgress) (guint64  done,
                                  guint64  total,
                                  gpointer user_data);

void                bt_verify_check_async            (BtStorage          *storage,
                                                      GCancellable       *cancellable,
                                                      BtVerifyProgress    progress,
                                                      gpointer            progress_data,
                                                      GDestroyNotify      progress_data_free,
                                                      GAsyncReadyCallback callback,
                                                      gpointer            user_data);
BtBitfield         *bt_verify_check_finish           (GAsyncResult       *result,
                                                      GError            **error);
BtVerifyResult     *bt_verify_check_finish_details   (GAsyncResult       *result,
                                                      GError            **error);

G_END_DECLS
