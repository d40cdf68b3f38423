/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * UDP trackers (BEP 15). The packet codec (bt_tracker_udp_build_*,
 * bt_tracker_udp_parse_packet) owns no socket, so it can be tested and
 * fuzzed alone; the client around it is GSocket I/O on the caller's
 * thread-default main context.
 */
#pragma once

#include <gio/gio.h>

#include "bt-tracker.h"

G_BEGIN_DECLS

/* The "protocol id" of a connect request. */
#define BT_UDP_TRACKER_PROTOCOL_ID G_GUINT64_CONSTANT (0x41727101980)

#define BT_UDP_TRACKER_CONNECT_SIZE 16
#define BT_UDP_TRACKER_ANNOUNCE_SIZE 98
#define BT_UDP_TRACKER_SCRAPE_SIZE 36

typedef enum
{
  BT_UDP_TRACKER_ACTION_CONNECT = 0,
  BT_UDP_TRACKER_ACTION_ANNOUNCE = 1,
  BT_UDP_TRACKER_ACTION_SCRAPE = 2,
  BT_UDP_TRACKER_ACTION_ERROR = 3,
} BtUdpTrackerAction;

/**
 * BtUdpTrackerPacket:
 * @action: what the packet answers
 * @transaction_id: the transaction id it echoes
 * @connection_id: for %BT_UDP_TRACKER_ACTION_CONNECT
 * @announce: (nullable): for %BT_UDP_TRACKER_ACTION_ANNOUNCE: interval,
 *   seeders (complete), leechers (incomplete) and peers
 * @scrape: for %BT_UDP_TRACKER_ACTION_SCRAPE: the first torrent's counts
 * @message: (nullable): for %BT_UDP_TRACKER_ACTION_ERROR: the tracker's text,
 *   cleaned as bt_tracker_message_from_bytes() does
 *
 * A tracker's reply. Free its contents with bt_udp_tracker_packet_clear().
 */
typedef struct
{
  BtUdpTrackerAction   action;
  guint32              transaction_id;
  guint64              connection_id;
  BtAnnounceResponse  *announce;
  BtScrapeResult       scrape;
  char                *message;
} BtUdpTrackerPacket;

void                 bt_udp_tracker_packet_clear      (BtUdpTrackerPacket       *packet);

void                 bt_tracker_udp_build_connect     (guint8                   *buffer,
                                                       guint32                   transaction_id);
void                 bt_tracker_udp_build_announce    (guint8                   *buffer,
                                                       guint64                   connection_id,
                                                       guint32                   transaction_id,
                                                       const BtAnnounceRequest  *request);
void                 bt_tracker_udp_build_scrape      (guint8                   *buffer,
                                                       guint64                   connection_id,
                                                       guint32                   transaction_id,
                                                       const guint8             *info_hash);
gboolean             bt_tracker_udp_parse_packet      (const guint8             *data,
                                                       gsize                     length,
                                                       GSocketFamily             family,
                                                       BtUdpTrackerPacket       *out_packet,
                                                       GError                  **error);

void                 bt_tracker_udp_announce_async    (const char               *url,
                                                       const BtAnnounceRequest  *request,
                                                       GCancellable             *cancellable,
                                                       GAsyncReadyCallback       callback,
                                                       gpointer                  user_data);
BtAnnounceResponse  *bt_tracker_udp_announce_finish   (GAsyncResult             *result,
                                                       GError                  **error);

void                 bt_tracker_udp_scrape_async      (const char               *url,
                                                       const guint8             *info_hash,
                                                       GCancellable             *cancellable,
                                                       GAsyncReadyCallback       callback,
                                                       gpointer                  user_data);
gboolean             bt_tracker_udp_scrape_finish     (GAsyncResult             *result,
                                                       BtScrapeResult           *out_result,
                                                       GError                  **error);

void                 bt_tracker_udp_set_base_timeout        (guint timeout_ms);
void                 bt_tracker_udp_set_connection_lifetime (guint lifetime_ms);
void                 bt_tracker_udp_forget_connections      (void);

G_END_DECLS
