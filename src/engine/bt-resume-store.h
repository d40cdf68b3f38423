/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-metainfo.h"
#include "bt-resume.h"

G_BEGIN_DECLS

#define BT_TYPE_RESUME_STORE (bt_resume_store_get_type ())
G_DECLARE_FINAL_TYPE (BtResumeStore, bt_resume_store, BT, RESUME_STORE, GObject)

/**
 * BtResumeStoreItem:
 * @info_hash: the torrent's info-hash, 20 bytes
 * @meta: (nullable): its saved metainfo; %NULL with @meta_error set when
 *   there is none (a magnet whose metadata never came) or it is damaged
 * @meta_error: (nullable): why @meta is %NULL
 * @resume: (nullable): its record, checked against @meta when there is
 *   one; %NULL with @resume_error set when it is missing or damaged: start
 *   the torrent by a recheck
 * @resume_error: (nullable): why @resume is %NULL
 *
 * One torrent read back by bt_resume_store_load_all_async().
 */
typedef struct
{
  GBytes     *info_hash;
  BtMetainfo *meta;
  GError     *meta_error;
  BtResume   *resume;
  GError     *resume_error;
} BtResumeStoreItem;

void           bt_resume_store_item_free         (BtResumeStoreItem   *item);

BtResumeStore *bt_resume_store_new               (const char          *directory);

const char    *bt_resume_store_get_directory     (BtResumeStore       *self);
guint          bt_resume_store_get_interval      (BtResumeStore       *self);
void           bt_resume_store_set_interval      (BtResumeStore       *self,
                                                  guint                interval_ms);

GPtrArray     *bt_resume_store_list              (BtResumeStore       *self,
                                                  GError             **error);
BtMetainfo    *bt_resume_store_load_metainfo     (BtResumeStore       *self,
                                                  const guint8        *info_hash,
                                                  GError             **error);
BtResume      *bt_resume_store_load_resume       (BtResumeStore       *self,
                                                  const guint8        *info_hash,
                                                  BtMetainfo          *meta,
                                                  GError             **error);

void           bt_resume_store_load_all_async    (BtResumeStore       *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GPtrArray     *bt_resume_store_load_all_finish   (BtResumeStore       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

gboolean       bt_resume_store_save_metainfo     (BtResumeStore       *self,
                                                  BtMetainfo          *meta,
                                                  GError             **error);
void           bt_resume_store_schedule_metainfo (BtResumeStore       *self,
                                                  BtMetainfo          *meta);
BtMetainfo    *bt_resume_store_save_info_dict    (BtResumeStore       *self,
                                                  const guint8        *info_hash,
                                                  GBytes              *info_dict,
                                                  const char * const  *trackers,
                                                  GError             **error);

void           bt_resume_store_schedule          (BtResumeStore       *self,
                                                  const guint8        *info_hash,
                                                  const BtResume      *resume);
void           bt_resume_store_schedule_full     (BtResumeStore       *self,
                                                  const guint8        *info_hash,
                                                  const BtResume      *resume,
                                                  BtMetainfo          *meta);
gboolean       bt_resume_store_flush             (BtResumeStore       *self,
                                                  GError             **error);
gboolean       bt_resume_store_remove            (BtResumeStore       *self,
                                                  const guint8        *info_hash,
                                                  GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtResumeStoreItem, bt_resume_store_item_free)

G_END_DECLS
