/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The fast-resume record of one torrent and its bencoded file format.
 */
#pragma once

#include <glib.h>

#include "bt-bitfield.h"
#include "bt-metainfo.h"
#include "bt-picker.h"

G_BEGIN_DECLS

/* The format bt_resume_to_bytes() writes. Files of a newer format are
 * refused; keys this version does not know are ignored, so a later version
 * adds keys without bumping it. */
#define BT_RESUME_FORMAT_VERSION 1

/**
 * BtResumeFile:
 * @size: the file's size on disk when the record was made; 0 when the file
 *   was missing (or is a pad file)
 * @mtime: its modification time, seconds since the epoch (0 when missing)
 * @mtime_nsec: the nanoseconds of @mtime, below 1000000000
 * @priority: the person's download priority for the file
 */
typedef struct
{
  guint64    size;
  gint64     mtime;
  guint32    mtime_nsec;
  BtPriority priority;
} BtResumeFile;

/**
 * BtResume:
 * @version: the format version the record was read in (or will be written
 *   in: %BT_RESUME_FORMAT_VERSION)
 * @info_hash: the torrent's info-hash
 * @have: (nullable): the verified pieces; its size is the piece count.
 *   %NULL only for a magnet whose metadata has not arrived yet
 * @files: (array length=n_files): one entry per file of the metainfo, pad
 *   files included, in metainfo order; set the count with
 *   bt_resume_set_n_files()
 * @n_files: entries in @files; 0 for a magnet without metadata
 * @paused: the person paused the torrent
 * @queue_position: its place in the session's queue, 0 first
 * @uploaded: payload bytes sent, over the torrent's whole life
 * @downloaded: payload bytes received, over the torrent's whole life
 * @seconds_active: seconds spent running (downloading or seeding)
 * @seconds_seeding: seconds spent seeding
 * @time_added: when the torrent was added, unix seconds
 * @time_completed: when it completed, unix seconds; 0 when it has not
 * @save_path: the download folder (a file system path: bytes, not
 *   necessarily UTF-8), absolute
 * @name: the torrent's display name, UTF-8
 * @magnet_uri: (nullable): the magnet link it was added from, kept while
 *   the metadata is missing (and after, if the caller wants)
 * @error: (nullable): the message of the error state it was in, UTF-8
 * @upload_limit: the torrent's own upload limit in bytes/s, 0 for none
 * @download_limit: its own download limit in bytes/s, 0 for none
 * @trackers: (nullable) (element-type GStrv): the trackers by tier when
 *   the person edited them; %NULL for those of the torrent as added
 *
 * A plain struct: fill the fields directly; the strings and @have belong
 * to the record and are freed by bt_resume_free().
 */
typedef struct
{
  guint         version;
  guint8        info_hash[BT_INFO_HASH_LENGTH];
  BtBitfield   *have;
  BtResumeFile *files;
  guint         n_files;
  gboolean      paused;
  guint         queue_position;
  guint64       uploaded;
  guint64       downloaded;
  guint64       seconds_active;
  guint64       seconds_seeding;
  gint64        time_added;
  gint64        time_completed;
  char         *save_path;
  char         *name;
  char         *magnet_uri;
  char         *error;
  guint64       upload_limit;
  guint64       download_limit;
  GPtrArray    *trackers;
} BtResume;

BtResume *bt_resume_new                    (const guint8      *info_hash);
BtResume *bt_resume_copy                   (const BtResume    *self);
void      bt_resume_free                   (BtResume          *self);

void      bt_resume_set_n_files            (BtResume          *self,
                                            guint              n_files);

GBytes   *bt_resume_to_bytes               (const BtResume    *self);
BtResume *bt_resume_new_from_bytes         (GBytes            *bytes,
                                            BtMetainfo        *meta,
                                            GError           **error);
gboolean  bt_resume_check_metainfo         (const BtResume    *self,
                                            BtMetainfo        *meta,
                                            GError           **error);

gboolean  bt_resume_files_unchanged        (const BtResume    *self,
                                            BtMetainfo        *meta,
                                            const char        *save_path,
                                            GError           **error);
gboolean  bt_resume_update_files_from_disk (BtResume          *self,
                                            BtMetainfo        *meta,
                                            const char        *save_path,
                                            GError           **error);
gboolean  bt_resume_sync_files             (BtMetainfo        *meta,
                                            const char        *save_path,
                                            GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtResume, bt_resume_free)

G_END_DECLS
