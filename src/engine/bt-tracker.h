/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * What every tracker protocol shares: the announce request and response,
 * scrape results, the compact peer format, and one entry point that picks
 * the HTTP or the UDP client from the URL's scheme.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum
{
  BT_ANNOUNCE_EVENT_NONE,
  BT_ANNOUNCE_EVENT_STARTED,
  BT_ANNOUNCE_EVENT_COMPLETED,
  BT_ANNOUNCE_EVENT_STOPPED,
} BtAnnounceEvent;

/**
 * BtAnnounceRequest:
 * @info_hash: the torrent's SHA1 info-hash
 * @peer_id: our peer id
 * @port: the port we accept peer connections on
 * @uploaded: payload bytes sent since the "started" event
 * @downloaded: verified payload bytes received since "started"
 * @left: bytes still missing (0 when seeding)
 * @event: the event to report, or %BT_ANNOUNCE_EVENT_NONE for a regular
 *   announce
 * @numwant: peers wanted; negative lets the tracker choose
 * @key: a random number fixed for the session, so the tracker can tell us
 *   apart from another client behind the same address
 * @tracker_id: (nullable): the "tracker id" this tracker sent last time
 *
 * The clients copy what they need when a request starts, so the struct may
 * live on the caller's stack.
 */
typedef struct
{
  guint8           info_hash[20];
  guint8           peer_id[20];
  guint16          port;
  guint64          uploaded;
  guint64          downloaded;
  guint64          left;
  BtAnnounceEvent  event;
  gint             numwant;
  guint32          key;
  const char      *tracker_id;
} BtAnnounceRequest;

/**
 * BtAnnounceResponse:
 * @interval: seconds the tracker asks us to wait before the next announce;
 *   0 when it did not say
 * @min_interval: seconds we must wait at least; 0 when it did not say
 * @tracker_id: (nullable): to send back in later announces
 * @warning: (nullable): a "warning message" to show next to the tracker;
 *   valid UTF-8
 * @complete: seeders the tracker knows of, or -1
 * @incomplete: leechers the tracker knows of, or -1
 * @peers: #GInetSocketAddress of IPv4 and IPv6 peers; never %NULL
 *
 * An answer to an announce. Reference counted, immutable once returned by a
 * client, so it may be shared.
 */
typedef struct
{
  gint        ref;
  guint       interval;
  guint       min_interval;
  char       *tracker_id;
  char       *warning;
  gint64      complete;
  gint64      incomplete;
  GPtrArray  *peers;
} BtAnnounceResponse;

/**
 * BtScrapeResult:
 * @complete: seeders, or -1 when the tracker did not say
 * @incomplete: leechers, or -1
 * @downloaded: completed downloads the tracker has counted, or -1
 */
typedef struct
{
  gint64 complete;
  gint64 incomplete;
  gint64 downloaded;
} BtScrapeResult;

#define BT_TYPE_ANNOUNCE_RESPONSE (bt_announce_response_get_type ())

GType                bt_announce_response_get_type (void) G_GNUC_CONST;
BtAnnounceResponse  *bt_announce_response_new      (void);
BtAnnounceResponse  *bt_announce_response_ref      (BtAnnounceResponse *response);
void                 bt_announce_response_unref    (BtAnnounceResponse *response);

const char          *bt_announce_event_to_string   (BtAnnounceEvent     event);
char                *bt_tracker_message_from_bytes (const guint8       *data,
                                                    gsize               length);

guint                bt_tracker_append_compact_peers (GPtrArray     *peers,
                                                      const guint8  *data,
                                                      gsize          length,
                                                      GSocketFamily  family,
                                                      guint          max_peers);

void                 bt_tracker_announce_async     (const char               *url,
                                                    const BtAnnounceRequest  *request,
                                                    SoupSession              *session,
                                                    GCancellable             *cancellable,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data);
BtAnnounceResponse  *bt_tracker_announce_finish    (GAsyncResult             *result,
                                                    GError                  **error);

void                 bt_tracker_scrape_async       (const char               *url,
                                                    const guint8             *info_hash,
                                                    SoupSession              *session,
                                                    GCancellable             *cancellable,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data);
gboolean             bt_tracker_scrape_finish      (GAsyncResult             *result,
                                                    BtScrapeResult           *out_result,
                                                    GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtAnnounceResponse, bt_announce_response_unref)

G_END_DECLS
