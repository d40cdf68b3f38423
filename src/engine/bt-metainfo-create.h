/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * BtMetainfoCreateOptions:
 * @trackers: (nullable): tiers of announce URLs (BEP 12): a %NULL-terminated
 *   array of %NULL-terminated string arrays, first tier first
 * @web_seeds: (nullable): %NULL-terminated BEP 19 web seed URLs
 * @comment: (nullable): free text
 * @source: (nullable): the info dict "source" key (private trackers use it to
 *   give their torrents a distinct info-hash)
 * @created_by: (nullable): the "created by" key; %NULL means "bTorrent VERSION"
 * @piece_length: 0 to choose automatically, otherwise a power of two
 *   between BT_CREATE_MIN_PIECE_LENGTH and BT_CREATE_MAX_PIECE_LENGTH
 * @is_private: set the BEP 27 private flag
 * @creation_date: seconds since the epoch; 0 means now, -1 leaves it out
 */
typedef struct
{
  char   ***trackers;
  char    **web_seeds;
  char     *comment;
  char     *source;
  char     *created_by;
  guint32   piece_length;
  gboolean  is_private;
  gint64    creation_date;
} BtMetainfoCreateOptions;

/**
 * BtMetainfoCreateProgress:
 * @done: bytes hashed so far
 * @total: bytes to hash in all
 *
 * Called on the thread-default main context of the caller of
 * bt_metainfo_create_async(), at a bounded rate (a few times a second) and
 * once at the end.
 */
typedef void (*BtMetainfoCreateProgress) (guint64  done,
                                          guint64  total,
                                          gpointer user_data);

guint32  bt_metainfo_create_choose_piece_length (guint64                         total_size);

void     bt_metainfo_create_async   (GFile                          *source,
                                     const BtMetainfoCreateOptions  *options,
                                     GCancellable                   *cancellable,
                                     BtMetainfoCreateProgress        progress,
                                     gpointer                        progress_data,
                                     GDestroyNotify                  progress_data_free,
                                     GAsyncReadyCallback             callback,
                                     gpointer                        user_data);
GBytes  *bt_metainfo_create_finish  (GAsyncResult                   *result,
                                     GError                        **error);

GBytes  *bt_metainfo_create         (GFile                          *source,
                                     const BtMetainfoCreateOptions  *options,
                                     GCancellable                   *cancellable,
                                     GError                        **error);

G_END_DECLS
