/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-metainfo.h"

G_BEGIN_DECLS

#define BT_TYPE_STORAGE (bt_storage_get_type ())
G_DECLARE_FINAL_TYPE (BtStorage, bt_storage, BT, STORAGE, GObject)

/**
 * BtStorageSegment:
 * @file: index of the file in the metainfo
 * @file_offset: where the segment starts in that file
 * @buffer_offset: where the segment starts in the mapped byte range
 * @length: bytes in the segment (never 0)
 *
 * One piece of a byte range of the torrent that lies in one file. Pad files
 * (BEP 47) never appear: the bytes of a range they cover belong to no
 * segment and are zeros.
 */
typedef struct
{
  guint   file;
  guint64 file_offset;
  guint32 buffer_offset;
  guint32 length;
} BtStorageSegment;

BtStorage   *bt_storage_new                (BtMetainfo           *meta,
                                            const char           *download_dir,
                                            GError              **error);

BtMetainfo  *bt_storage_get_metainfo       (BtStorage            *self);
const char  *bt_storage_get_download_dir   (BtStorage            *self);
char        *bt_storage_get_file_full_path (BtStorage            *self,
                                            guint                 file);

guint        bt_storage_map                (BtStorage            *self,
                                            guint64               offset,
                                            guint32               length,
                                            BtStorageSegment     *segments,
                                            guint                 max_segments);
guint        bt_storage_map_piece          (BtStorage            *self,
                                            guint32               piece,
                                            BtStorageSegment     *segments,
                                            guint                 max_segments);

void         bt_storage_write_piece_async  (BtStorage            *self,
                                            guint32               piece,
                                            GBytes               *data,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean     bt_storage_write_piece_finish (BtStorage            *self,
                                            GAsyncResult         *result,
                                            GError              **error);

void         bt_storage_commit_piece_async (BtStorage            *self,
                                            guint32               piece,
                                            GBytes               *data,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean     bt_storage_commit_piece_finish (BtStorage           *self,
                                             GAsyncResult        *result,
                                             GError             **error);

void         bt_storage_read_block_async   (BtStorage            *self,
                                            guint32               piece,
                                            guint32               begin,
                                            guint32               length,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
GBytes      *bt_storage_read_block_finish  (BtStorage            *self,
                                            GAsyncResult         *result,
                                            GError              **error);

gboolean     bt_storage_create_files       (BtStorage            *self,
                                            GError              **error);
void         bt_storage_create_files_async (BtStorage            *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
gboolean     bt_storage_create_files_finish (BtStorage           *self,
                                             GAsyncResult        *result,
                                             GError             **error);

void         bt_storage_close_files        (BtStorage            *self);

/**
 * BtStorageRead:
 * @BT_STORAGE_READ_OK: every byte was read
 * @BT_STORAGE_READ_MISSING: a file the range covers does not exist or is
 *   shorter than the range; nothing was read
 * @BT_STORAGE_READ_ERROR: reading failed; the #GError says why
 */
typedef enum
{
  BT_STORAGE_READ_OK,
  BT_STORAGE_READ_MISSING,
  BT_STORAGE_READ_ERROR,
} BtStorageRead;

/* Blocking; for worker threads only (bt-verify's full recheck). */
BtStorageRead bt_storage_probe_sync        (BtStorage            *self,
                                            guint64               offset,
                                            guint32               length,
                                            gboolean             *out_has_data,
                                            GError              **error);
BtStorageRead bt_storage_stat_file_sync    (BtStorage            *self,
                                            guint                 file,
                                            guint64              *out_size,
                                            gint64               *out_mtime_usec,
                                            GError              **error);
BtStorageRead bt_storage_read_sync         (BtStorage            *self,
                                            guint64               offset,
                                            guint32               length,
                                            guint8               *buffer,
                                            GError              **error);

G_END_DECLS
