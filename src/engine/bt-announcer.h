/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * One torrent's trackers (BEP 12 tiers): which one to announce to, when,
 * with which event, and what each said last.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "bt-tracker.h"
#include "bt-tracker-pacer.h"

G_BEGIN_DECLS

#define BT_TYPE_ANNOUNCER (bt_announcer_get_type ())

G_DECLARE_FINAL_TYPE (BtAnnouncer, bt_announcer, BT, ANNOUNCER, GObject)

typedef enum
{
  BT_TRACKER_STATE_IDLE,        /* not contacted yet */
  BT_TRACKER_STATE_ANNOUNCING,  /* a request is in flight */
  BT_TRACKER_STATE_WORKING,     /* its last answer was a success */
  BT_TRACKER_STATE_ERROR,       /* its last answer was a failure */
} BtTrackerState;

/**
 * BtTrackerStatus:
 * @url: the announce URL
 * @tier: its tier, 0 first
 * @state: see #BtTrackerState
 * @last_announce: wall-clock time (g_get_real_time(), µs) of its last
 *   answer or failure, 0 if never
 * @next_announce: wall-clock time of the next announce planned to it, 0
 *   if none is planned to this one
 * @last_error: (nullable): why its last announce failed, for people
 * @warning: (nullable): the last "warning message" it sent
 * @seeders: seeders it last reported, or -1
 * @leechers: leechers it last reported, or -1
 * @downloaded: completed downloads its last scrape reported, or -1
 *
 * A snapshot of one tracker, for the UI.
 */
typedef struct
{
  char           *url;
  guint           tier;
  BtTrackerState  state;
  gint64          last_announce;
  gint64          next_announce;
  char           *last_error;
  char           *warning;
  gint64          seeders;
  gint64          leechers;
  gint64          downloaded;
} BtTrackerStatus;

/**
 * BtAnnouncerTiming:
 * @min_interval_ms: the floor on the tracker's interval and min interval
 * @retry_first_ms: the wait after a first round where no tracker answered;
 *   doubled after each further failed round
 * @retry_max_ms: the longest such wait
 * @stop_timeout_ms: how long the "stopped" announce may take
 *
 * When the announcer acts. Zero fields take the defaults from bt-limits.h.
 * Tests and benchmarks shorten them.
 */
typedef struct
{
  guint min_interval_ms;
  guint retry_first_ms;
  guint retry_max_ms;
  guint stop_timeout_ms;
} BtAnnouncerTiming;

BtAnnouncer  *bt_announcer_new              (const guint8             *info_hash,
                                             const guint8             *peer_id,
                                             guint16                   port,
                                             SoupSession              *session);
void          bt_announcer_set_pacer        (BtAnnouncer              *self,
                                             BtTrackerPacer           *pacer);
void          bt_announcer_add_tier         (BtAnnouncer              *self,
                                             const char * const       *urls);
gboolean      bt_announcer_add_tracker      (BtAnnouncer              *self,
                                             const char               *url);
gboolean      bt_announcer_remove_tracker   (BtAnnouncer              *self,
                                             const char               *url);
void          bt_announcer_set_port         (BtAnnouncer              *self,
                                             guint16                   port);
void          bt_announcer_set_timing       (BtAnnouncer              *self,
                                             const BtAnnouncerTiming  *timing);
void          bt_announcer_set_stats        (BtAnnouncer              *self,
                                             guint64                   uploaded,
                                             guint64                   downloaded,
                                             guint64                   left);

void          bt_announcer_start            (BtAnnouncer              *self);
void          bt_announcer_complete         (BtAnnouncer              *self);
void          bt_announcer_request_more_peers (BtAnnouncer            *self);
gboolean      bt_announcer_announce_now     (BtAnnouncer              *self);
void          bt_announcer_stop_async       (BtAnnouncer              *self,
                                             GCancellable             *cancellable,
                                             GAsyncReadyCallback       callback,
                                             gpointer                  user_data);
gboolean      bt_announcer_stop_finish      (BtAnnouncer              *self,
                                             GAsyncResult             *result,
                                             GError                  **error);

void          bt_announcer_scrape_async     (BtAnnouncer              *self,
                                             GCancellable             *cancellable,
                                             GAsyncReadyCallback       callback,
                                             gpointer                  user_data);
gboolean      bt_announcer_scrape_finish    (BtAnnouncer              *self,
                                             GAsyncResult             *result,
                                             BtScrapeResult           *out_result,
                                             GError                  **error);

gboolean      bt_announcer_is_running       (BtAnnouncer              *self);
GArray       *bt_announcer_get_trackers     (BtAnnouncer              *self);
void          bt_tracker_status_clear       (BtTrackerStatus          *status);

G_END_DECLS
