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

G_END_DECLS
