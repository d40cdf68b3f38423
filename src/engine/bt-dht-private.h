/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Knobs and counters of BtDht for the tests only.
 */
#pragma once

#include "bt-dht.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 queries_received;   /* well-formed queries that reached us */
  guint64 queries_dropped;    /* of those, dropped by the rate limits */
  guint64 packets_malformed;  /* datagrams that were not KRPC */
  guint64 packets_oversized;  /* datagrams over BT_DHT_MAX_PACKET */
  guint64 packets_sent;
  guint64 bytes_sent;
  guint64 replies_sent;       /* answers to queries, errors included */
  guint64 reply_bytes_sent;
} BtDhtStats;

void  _bt_dht_get_stats        (BtDht      *self,
                                BtDhtStats *out_stats);
void  _bt_dht_set_timeouts     (BtDht      *self,
                                guint       query_timeout_ms,
                                guint       maintenance_interval_ms);
void  _bt_dht_set_bootstrap_retry (BtDht      *self,
                                   guint       first_ms);
void  _bt_dht_set_bucket_refresh (BtDht      *self,
                                  guint       refresh_ms);
void  _bt_dht_set_rate_limits  (BtDht      *self,
                                guint       per_ip_per_s,
                                guint       global_per_s);
void  _bt_dht_rotate_secret    (BtDht      *self);

G_END_DECLS
