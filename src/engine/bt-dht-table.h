/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The DHT routing table (BEP 5): 160 buckets of BT_DHT_K nodes, bucket i
 * holding the nodes whose id shares exactly i leading bits with ours (what
 * the split-bucket tree of the BEP converges to). Pure: no I/O, the caller
 * passes the time (monotonic µs) and sends the pings it is asked for.
 *
 * Only nodes that answered one of our queries enter it, so every node we
 * hand to others was verified at its address.
 */
#pragma once

#include <glib.h>

#include "bt-krpc.h"

G_BEGIN_DECLS

#define BT_DHT_N_BUCKETS 160

typedef enum
{
  BT_DHT_NODE_GOOD,
  BT_DHT_NODE_QUESTIONABLE,
  BT_DHT_NODE_BAD,
} BtDhtNodeStatus;

typedef struct
{
  BtKrpcNode  node;
  gint64      last_reply;  /* when it last answered us, monotonic µs */
  gint64      last_query;  /* when it last queried us */
  guint       failures;    /* queries it missed in a row */
} BtDhtTableNode;

typedef struct _BtDhtTable BtDhtTable;

BtDhtTable       *bt_dht_table_new              (const guint8       *own_id);
void              bt_dht_table_free             (BtDhtTable         *table);

const guint8     *bt_dht_table_get_own_id       (BtDhtTable         *table);
guint             bt_dht_table_get_n_nodes      (BtDhtTable         *table);
int               bt_dht_bucket_index           (const guint8       *a,
                                                 const guint8       *b);
int               bt_dht_compare_distance       (const guint8       *target,
                                                 const guint8       *a,
                                                 const guint8       *b);
BtDhtNodeStatus   bt_dht_table_node_status      (const BtDhtTableNode *node,
                                                 gint64              now);

gboolean          bt_dht_table_heard_reply      (BtDhtTable         *table,
                                                 const BtKrpcNode   *node,
                                                 gint64              now,
                                                 BtKrpcNode         *out_ping);
void              bt_dht_table_heard_query      (BtDhtTable         *table,
                                                 const BtKrpcNode   *node,
                                                 gint64              now);
gboolean          bt_dht_table_wants            (BtDhtTable         *table,
                                                 const BtKrpcNode   *node,
                                                 gint64              now);
void              bt_dht_table_failed           (BtDhtTable         *table,
                                                 const BtKrpcNode   *node,
                                                 gint64              now);
guint             bt_dht_table_closest          (BtDhtTable         *table,
                                                 const guint8       *target,
                                                 gint64              now,
                                                 BtKrpcNode         *out_nodes,
                                                 guint               max);
guint             bt_dht_table_stale_buckets    (BtDhtTable         *table,
                                                 gint64              now,
                                                 gint64              max_age,
                                                 guint              *out_indices,
                                                 guint               max);
void              bt_dht_table_touch_bucket     (BtDhtTable         *table,
                                                 guint               index,
                                                 gint64              now);
void              bt_dht_table_random_id        (BtDhtTable         *table,
                                                 guint               index,
                                                 guint8             *out_id);

G_END_DECLS
