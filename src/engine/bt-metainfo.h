/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-bencode.h"

G_BEGIN_DECLS

#define BT_INFO_HASH_LENGTH 20
#define BT_PIECE_HASH_LENGTH 20

#define BT_TYPE_METAINFO (bt_metainfo_get_type ())
G_DECLARE_FINAL_TYPE (BtMetainfo, bt_metainfo, BT, METAINFO, GObject)

/**
 * BtMetainfoFileFlags:
 * @BT_METAINFO_FILE_PAD: a BEP 47 pad file: occupies bytes of the piece
 *   space (all zeros) but is never written to disk
 * @BT_METAINFO_FILE_EXECUTABLE: BEP 47 attribute x
 * @BT_METAINFO_FILE_HIDDEN: BEP 47 attribute h
 * @BT_METAINFO_FILE_RENAMED: the path as written differs from the path in
 *   the torrent (sanitized, shortened or disambiguated); see
 *   bt_metainfo_get_warnings()
 */
typedef enum
{
  BT_METAINFO_FILE_NONE       = 0,
  BT_METAINFO_FILE_PAD        = 1 << 0,
  BT_METAINFO_FILE_EXECUTABLE = 1 << 1,
  BT_METAINFO_FILE_HIDDEN     = 1 << 2,
  BT_METAINFO_FILE_RENAMED    = 1 << 3,
} BtMetainfoFileFlags;

BtMetainfo          *bt_metainfo_new_from_bytes      (GBytes      *bytes,
                                                      GError     **error);
BtMetainfo          *bt_metainfo_new_from_info_dict  (GBytes      *info_dict,
                                                      const char * const *trackers,
                                                      GError     **error);
BtMetainfo          *bt_metainfo_new_from_file       (const char  *path,
                                                      GError     **error);

GBytes              *bt_metainfo_get_bytes           (BtMetainfo  *self);
GBytes              *bt_metainfo_get_info_bytes      (BtMetainfo  *self);
const guint8        *bt_metainfo_get_info_hash       (BtMetainfo  *self);
const char          *bt_metainfo_get_info_hash_hex   (BtMetainfo  *self);

const char          *bt_metainfo_get_name            (BtMetainfo  *self);
gboolean             bt_metainfo_is_multi_file       (BtMetainfo  *self);
gboolean             bt_metainfo_is_private          (BtMetainfo  *self);
const char          *bt_metainfo_get_comment         (BtMetainfo  *self);
const char          *bt_metainfo_get_created_by      (BtMetainfo  *self);
gint64               bt_metainfo_get_creation_date   (BtMetainfo  *self);
const char          *bt_metainfo_get_source          (BtMetainfo  *self);

guint64              bt_metainfo_get_total_size      (BtMetainfo  *self);
guint64              bt_metainfo_get_wanted_size     (BtMetainfo  *self);
guint32              bt_metainfo_get_piece_length    (BtMetainfo  *self);
guint32              bt_metainfo_get_n_pieces        (BtMetainfo  *self);
guint32              bt_metainfo_get_piece_size      (BtMetainfo  *self,
                                                      guint32      piece);
const guint8        *bt_metainfo_get_piece_hash      (BtMetainfo  *self,
                                                      guint32      piece);

guint                bt_metainfo_get_n_files         (BtMetainfo  *self);
const char          *bt_metainfo_get_file_path       (BtMetainfo  *self,
                                                      guint        index);
const char          *bt_metainfo_get_file_original_path (BtMetainfo *self,
                                                         guint       index);
guint64              bt_metainfo_get_file_size       (BtMetainfo  *self,
                                                      guint        index);
guint64              bt_metainfo_get_file_offset     (BtMetainfo  *self,
                                                      guint        index);
BtMetainfoFileFlags  bt_metainfo_get_file_flags      (BtMetainfo  *self,
                                                      guint        index);

guint                bt_metainfo_get_n_tiers         (BtMetainfo  *self);
const char * const  *bt_metainfo_get_tier            (BtMetainfo  *self,
                                                      guint        tier);
const char * const  *bt_metainfo_get_web_seeds       (BtMetainfo  *self);
const char * const  *bt_metainfo_get_warnings        (BtMetainfo  *self);

G_END_DECLS
