/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-announcer.h"

G_BEGIN_DECLS

#define BT_TYPE_TRACKER_STATE (bt_tracker_state_get_type ())
GType bt_tracker_state_get_type (void) G_GNUC_CONST;

/**
 * BtTrackerInfo:
 *
 * What the UI shows of one tracker, an item of bt_torrent_get_trackers():
 * a snapshot the torrent refreshes whenever its announcer reports a
 * change, so a tracker table binds to plain properties.
 *
 * Properties (read-only): "url" (string), "tier" (guint, 0 first),
 * "state" (#BtTrackerState), "last-announce" and "next-announce" (gint64,
 * wall-clock µs as g_get_real_time() counts, 0 for never or not planned),
 * "last-error" and "warning" (nullable strings, for people), "seeders",
 * "leechers" and "downloaded" (gint64, what the tracker last reported, -1
 * while unknown).
 */
#define BT_TYPE_TRACKER_INFO (bt_tracker_info_get_type ())
G_DECLARE_FINAL_TYPE (BtTrackerInfo, bt_tracker_info, BT, TRACKER_INFO, GObject)

const char     *bt_tracker_info_get_url           (BtTrackerInfo *self);
guint           bt_tracker_info_get_tier          (BtTrackerInfo *self);
BtTrackerState  bt_tracker_info_get_state         (BtTrackerInfo *self);
gint64          bt_tracker_info_get_last_announce (BtTrackerInfo *self);
gint64          bt_tracker_info_get_next_announce (BtTrackerInfo *self);
const char     *bt_tracker_info_get_last_error    (BtTrackerInfo *self);
const char     *bt_tracker_info_get_warning       (BtTrackerInfo *self);
gint64          bt_tracker_info_get_seeders       (BtTrackerInfo *self);
gint64          bt_tracker_info_get_leechers      (BtTrackerInfo *self);
gint64          bt_tracker_info_get_downloaded    (BtTrackerInfo *self);

G_END_DECLS
