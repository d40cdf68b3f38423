/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * What the files of BtDht share: bt-dht.c (the object, its socket, queries
 * out, bootstrap and maintenance), bt-dht-lookup.c (iterative lookups) and
 * bt-dht-server.c (answering queries). Not for use outside them.
 */
#pragma once

#include <gio/gio.h>

#include "bt-dht-private.h"
#include "bt-dht-table.h"
#include "bt-dht.h"
#include "bt-krpc.h"
#include "bt-limits.h"

G_BEGIN_DECLS

#define BT_DHT_TOKEN_LENGTH 8
#define BT_DHT_SECRET_LENGTH 16

typedef struct _Lookup Lookup;

typedef enum
{
  CANDIDATE_NEW,
  CANDIDATE_ASKED,
  CANDIDATE_REPLIED,
  CANDIDATE_FAILED,
} CandidateState;

typedef struct
{
  BtKrpcNode      node;
  gboolean        id_known;     /* bootstrap addresses come without one */
  CandidateState  state;
  guint8          token[BT_KRPC_MAX_TOKEN];
  gsize           token_length;
} Candidate;

struct _Lookup
{
  BtDht           *dht;
  guint            handle;
  BtKrpcMethod     method;       /* find_node or get_peers */
  guint8           target[BT_KRPC_ID_LENGTH];
  guint16          announce_port;
  gboolean         is_bootstrap;
  GArray          *candidates;   /* of Candidate, closest first */
  guint            in_flight;
  guint            n_queries;
  GHashTable      *seen_peers;   /* compact peers as guint64 */
  BtDhtPeersFunc   callback;
  gpointer         user_data;
  GDestroyNotify   destroy;
  GSource         *finish_idle;  /* set once nothing is left to wait for */
};

typedef struct
{
  BtDht         *dht;
  guint16        transaction_id;
  BtKrpcNode     node;           /* id zero when unknown */
  gboolean       id_known;
  BtKrpcMethod   method;
  Lookup        *lookup;         /* nullable, not owned */
  GSource       *timeout;
} Pending;

typedef struct
{
  guint8   ip[4];
  guint16  port;
  gint64   expires;
} StoredPeer;

typedef struct
{
  double   tokens;
  gint64   last;
} RateBucket;

struct _BtDht
{
  GObject        parent_instance;

  GMainContext  *context;
  GSocket       *socket;
  GSource       *read_source;
  GSource       *maintenance;
  GCancellable  *cancellable;
  guint16        port;
  gboolean       loopback;       /* accept 127.x: bound there, or given one */

  BtDhtTable    *table;
  guint          last_n_nodes;

  GHashTable    *pending;        /* transaction id → Pending */
  guint16        next_transaction_id;
  GHashTable    *lookups;        /* handle → Lookup */
  GQueue         waiting;        /* Lookups waiting for the table or a slot */
  guint          next_handle;

  /* Bootstrapping: names still resolving, addresses gathered. */
  guint          resolving;
  gboolean       bootstrapping;
  GArray        *seeds;          /* of BtKrpcNode, id unknown */
  GStrv          bootstrap_nodes;
  GSource       *bootstrap_retry; /* pending while the table is empty */
  guint          bootstrap_retry_ms;
  guint          bootstrap_retry_first_ms;

  GHashTable    *storage;        /* GBytes info-hash → GArray of StoredPeer */
  guint8         secret[BT_DHT_SECRET_LENGTH];
  guint8         previous_secret[BT_DHT_SECRET_LENGTH];
  gint64         secret_changed;

  GHashTable    *verified;       /* stranger's ip:port as gint64 → when pinged, s */
  GHashTable    *rates;          /* IPv4 as guint → RateBucket */
  RateBucket     global_rate;
  guint          per_ip_rate;
  guint          global_rate_limit;

  guint          query_timeout_ms;
  guint          maintenance_interval_ms;
  guint          bucket_refresh_ms;

  BtDhtStats     stats;
  guint8        *buffer;
};


/* bt-dht.c */
gint64           _bt_dht_now_us                (void);
GSource         *_bt_dht_attach_timeout        (BtDht               *self,
                                                guint                ms,
                                                GSourceFunc          func,
                                                gpointer             data);
void             _bt_dht_destroy_source        (GSource            **source);
gboolean         _bt_dht_address_acceptable    (BtDht               *self,
                                                const guint8        *ip,
                                                guint16              port);
GSocketAddress  *_bt_dht_make_address          (const guint8        *ip,
                                                guint16              port);
void             _bt_dht_send_message          (BtDht               *self,
                                                const BtKrpcMessage *message,
                                                const guint8        *ip,
                                                guint16              port,
                                                gboolean             is_reply);
void             _bt_dht_notify_n_nodes        (BtDht               *self);
void             _bt_dht_send_query            (BtDht               *self,
                                                BtKrpcMethod         method,
                                                const BtKrpcNode    *node,
                                                gboolean             id_known,
                                                const guint8        *target,
                                                Lookup              *lookup,
                                                const Candidate     *announce_to,
                                                guint16              announce_port);
void             _bt_dht_ping                  (BtDht               *self,
                                                const BtKrpcNode    *node,
                                                gboolean             id_known);

/* bt-dht-lookup.c */
Lookup          *_bt_dht_lookup_new            (BtDht               *self,
                                                BtKrpcMethod         method,
                                                const guint8        *target);
void             _bt_dht_lookup_submit         (Lookup              *lookup);
void             _bt_dht_lookup_step           (Lookup              *lookup);
void             _bt_dht_lookup_handle_reply   (Lookup              *lookup,
                                                const Pending       *pending,
                                                const BtKrpcMessage *message);
void             _bt_dht_lookup_detach         (Lookup              *lookup);
void             _bt_dht_lookup_free           (Lookup              *lookup);
guint            _bt_dht_count_running         (BtDht               *self);
void             _bt_dht_start_waiting_lookups (BtDht               *self);
void             _bt_dht_add_seed              (BtDht               *self,
                                                const guint8        *ip,
                                                guint16              port);
void             _bt_dht_bootstrap_from_names  (BtDht               *self);
void             _bt_dht_schedule_bootstrap_retry (BtDht            *self);

/* bt-dht-server.c */
void             _bt_dht_new_secret            (BtDht               *self);
void             _bt_dht_handle_query          (BtDht               *self,
                                                const BtKrpcMessage *query,
                                                const guint8        *ip,
                                                guint16              port);

G_END_DECLS
