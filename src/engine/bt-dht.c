/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * How the node keeps itself honest and cheap:
 *
 *  - Only nodes that answered a query we sent enter the routing table, so
 *    the nodes we give others were verified at their address. A stranger
 *    that queries us is pinged once (if its bucket has room) rather than
 *    trusted.
 *  - Every answer is bounded (8 nodes, or at most BT_DHT_MAX_VALUES_PER_REPLY
 *    peers), incoming queries are rate-limited per IP and in all, and
 *    datagrams that are not KRPC get no answer at all, so we cannot be used
 *    to amplify traffic towards a spoofed address.
 *  - No timer runs while idle except the maintenance timer
 *    (BT_DHT_MAINTENANCE_INTERVAL_S); each outstanding query has its own
 *    time-out source, alive only while the query is.
 */
#define G_LOG_DOMAIN "bt-dht"

#include "config.h"

#include <string.h>

#include "bt-dht-private.h"
#include "bt-dht-table.h"
#include "bt-dht.h"
#include "bt-error.h"
#include "bt-krpc.h"
#include "bt-limits.h"
#include "bt-sha1.h"

#define TOKEN_LENGTH 8
#define SECRET_LENGTH 16

const char *const bt_dht_default_bootstrap_nodes[] = {
  "router.bittorrent.com:6881",
  "dht.transmissionbt.com:6881",
  "router.utorrent.com:6881",
  NULL,
};

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
  gboolean       loopback;

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
  gint64         last_bootstrap;

  GHashTable    *storage;        /* GBytes info-hash → GArray of StoredPeer */
  guint8         secret[SECRET_LENGTH];
  guint8         previous_secret[SECRET_LENGTH];
  gint64         secret_changed;

  GHashTable    *rates;          /* IPv4 as guint → RateBucket */
  RateBucket     global_rate;
  guint          per_ip_rate;
  guint          global_rate_limit;

  guint          query_timeout_ms;
  guint          maintenance_interval_ms;

  BtDhtStats     stats;
  guint8        *buffer;
};

enum
{
  PROP_0,
  PROP_PORT,
  PROP_N_NODES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BtDht, bt_dht, G_TYPE_OBJECT)

static void lookup_step (Lookup *lookup);
static void lookup_finish (Lookup *lookup);
static void start_waiting_lookups (BtDht *self);

/* Auxiliary functions */

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static GSource *
attach_timeout (BtDht       *self,
                guint        ms,
                GSourceFunc  func,
                gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Addresses no DHT node can have. Loopback only when we are on it. */
static gboolean
address_acceptable (BtDht        *self,
                    const guint8 *ip,
                    guint16       port)
{
  if (port == 0 || ip[0] == 0 || ip[0] >= 224)
    return FALSE;
  if (ip[0] == 127 && !self->loopback)
    return FALSE;
  return TRUE;
}

static GSocketAddress *
make_address (const guint8 *ip,
              guint16       port)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_bytes (ip, G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (address, port);
}

static gboolean
read_address (GSocketAddress *address,
              guint8         *out_ip,
              guint16        *out_port)
{
  GInetAddress *inet;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return FALSE;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    return FALSE;
  memcpy (out_ip, g_inet_address_to_bytes (inet), 4);
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  return TRUE;
}

static void
send_message (BtDht               *self,
              const BtKrpcMessage *message,
              const guint8        *ip,
              guint16              port,
              gboolean             is_reply)
{
  g_autoptr(GBytes) bytes = bt_krpc_encode (message);
  g_autoptr(GSocketAddress) address = make_address (ip, port);
  g_autoptr(GError) error = NULL;
  gsize size = g_bytes_get_size (bytes);

  g_assert (size <= BT_DHT_MAX_PACKET);
  /* UDP is lossy anyway: a full send buffer drops the datagram. */
  if (g_socket_send_to (self->socket, address, g_bytes_get_data (bytes, NULL), size,
                        NULL, &error) < 0)
    {
      g_debug ("DHT send failed: %s", error->message);
      return;
    }
  self->stats.packets_sent++;
  self->stats.bytes_sent += size;
  if (is_reply)
    {
      self->stats.replies_sent++;
      self->stats.reply_bytes_sent += size;
    }
}

static void
notify_n_nodes (BtDht *self)
{
  guint n = bt_dht_table_get_n_nodes (self->table);

  if (n != self->last_n_nodes)
    {
      self->last_n_nodes = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_NODES]);
    }
}

/* Tokens: a hash of a secret and the asker's IP, so nothing is stored per
 * asker and a token is useless from another address. */
static void
make_token (const guint8 *secret,
            const guint8 *ip,
            guint8       *out)
{
  guint8 input[SECRET_LENGTH + 4];
  guint8 digest[BT_SHA1_LENGTH];

  memcpy (input, secret, SECRET_LENGTH);
  memcpy (input + SECRET_LENGTH, ip, 4);
  bt_sha1 (input, sizeof input, digest);
  memcpy (out, digest, TOKEN_LENGTH);
}

static gboolean
token_valid (BtDht               *self,
             const BtKrpcMessage *message,
             const guint8        *ip)
{
  guint8 expected[TOKEN_LENGTH];

  if (message->token_length != TOKEN_LENGTH)
    return FALSE;
  make_token (self->secret, ip, expected);
  if (memcmp (expected, message->token, TOKEN_LENGTH) == 0)
    return TRUE;
  make_token (self->previous_secret, ip, expected);
  return memcmp (expected, message->token, TOKEN_LENGTH) == 0;
}

static void
rotate_secret (BtDht *self)
{
  memcpy (self->previous_secret, self->secret, SECRET_LENGTH);
  for (guint i = 0; i < SECRET_LENGTH; i++)
    self->secret[i] = (guint8) g_random_int_range (0, 256);
  self->secret_changed = now_us ();
}

static gboolean
rate_take (RateBucket *bucket,
           guint       per_s,
           gint64      now)
{
  double burst = 2.0 * per_s;

  if (bucket->last == 0)
    bucket->tokens = burst;
  else
    bucket->tokens = MIN (burst, bucket->tokens + (now - bucket->last) * (double) per_s / G_USEC_PER_SEC);
  bucket->last = now;
  if (bucket->tokens < 1.0)
    return FALSE;
  bucket->tokens -= 1.0;
  return TRUE;
}

static gboolean
rate_allows (BtDht        *self,
             const guint8 *ip,
             gint64        now)
{
  guint32 key;
  RateBucket *bucket;

  memcpy (&key, ip, 4);
  bucket = g_hash_table_lookup (self->rates, GUINT_TO_POINTER (key));
  if (bucket == NULL)
    {
      if (g_hash_table_size (self->rates) >= BT_DHT_MAX_RATE_ENTRIES)
        {
          /* Forget addresses quiet for a while; under a spoofed flood from
           * many addresses, forget them all (the global limit still holds). */
          GHashTableIter iter;
          gpointer value;

          g_hash_table_iter_init (&iter, self->rates);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            if (now - ((RateBucket *) value)->last > 2 * G_USEC_PER_SEC)
              g_hash_table_iter_remove (&iter);
          if (g_hash_table_size (self->rates) >= BT_DHT_MAX_RATE_ENTRIES)
            g_hash_table_remove_all (self->rates);
        }
      bucket = g_new0 (RateBucket, 1);
      g_hash_table_insert (self->rates, GUINT_TO_POINTER (key), bucket);
    }
  if (!rate_take (bucket, self->per_ip_rate, now))
    return FALSE;
  return rate_take (&self->global_rate, self->global_rate_limit, now);
}

/* Outgoing queries */

static void
pending_free (Pending *pending)
{
  destroy_source (&pending->timeout);
  g_free (pending);
}

static gboolean
pending_timeout_cb (gpointer user_data)
{
  Pending *pending = user_data;
  BtDht *self = pending->dht;
  Lookup *lookup = pending->lookup;

  if (pending->id_known)
    {
      bt_dht_table_failed (self->table, &pending->node, now_us ());
      notify_n_nodes (self);
    }
  if (lookup != NULL)
    {
      for (guint i = 0; i < lookup->candidates->len; i++)
        {
          Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

          if (c->state == CANDIDATE_ASKED && c->node.port == pending->node.port
              && memcmp (c->node.ip, pending->node.ip, 4) == 0)
            c->state = CANDIDATE_FAILED;
        }
      lookup->in_flight--;
    }
  /* Removing frees @pending and its source; keep the source alive until
   * this callback returns. */
  g_clear_pointer (&pending->timeout, g_source_unref);
  g_hash_table_remove (self->pending, GUINT_TO_POINTER (pending->transaction_id));
  if (lookup != NULL)
    lookup_step (lookup);
  return G_SOURCE_REMOVE;
}

/* Sends a query to @node; @lookup (nullable) hears of the answer. */
static void
send_query (BtDht            *self,
            BtKrpcMethod      method,
            const BtKrpcNode *node,
            gboolean          id_known,
            const guint8     *target,
            Lookup           *lookup,
            const Candidate  *announce_to,
            guint16           announce_port)
{
  BtKrpcMessage message;
  Pending *pending;
  guint8 tid[2];
  guint16 transaction_id;

  /* Skip ids still in use (after 65536 queries, by slow peers). */
  do
    transaction_id = self->next_transaction_id++;
  while (g_hash_table_contains (self->pending, GUINT_TO_POINTER (transaction_id)));
  tid[0] = transaction_id >> 8;
  tid[1] = transaction_id & 0xff;

  bt_krpc_message_init (&message, BT_KRPC_QUERY, tid, 2);
  message.method = method;
  memcpy (message.id, bt_dht_table_get_own_id (self->table), BT_KRPC_ID_LENGTH);
  if (target != NULL)
    memcpy (message.target, target, BT_KRPC_ID_LENGTH);
  if (method == BT_KRPC_METHOD_ANNOUNCE_PEER)
    {
      message.port = announce_port;
      memcpy (message.token, announce_to->token, announce_to->token_length);
      message.token_length = announce_to->token_length;
    }

  pending = g_new0 (Pending, 1);
  pending->dht = self;
  pending->transaction_id = transaction_id;
  pending->node = *node;
  pending->id_known = id_known;
  pending->method = method;
  pending->lookup = lookup;
  pending->timeout = attach_timeout (self, self->query_timeout_ms, pending_timeout_cb, pending);
  g_hash_table_insert (self->pending, GUINT_TO_POINTER (transaction_id), pending);
  if (lookup != NULL)
    lookup->in_flight++;

  send_message (self, &message, node->ip, node->port, FALSE);
}

static gboolean
pending_to (BtDht        *self,
            const guint8 *ip,
            guint16       port)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Pending *p = value;

      if (p->node.port == port && memcmp (p->node.ip, ip, 4) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
ping (BtDht            *self,
      const BtKrpcNode *node,
      gboolean          id_known)
{
  if (g_hash_table_size (self->pending) >= BT_DHT_MAX_LOOKUPS * BT_DHT_LOOKUP_ALPHA * 4
      || pending_to (self, node->ip, node->port))
    return;
  send_query (self, BT_KRPC_METHOD_PING, node, id_known, NULL, NULL, NULL, 0);
}

/* Lookups */

static int
compare_candidates (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  const Candidate *ca = a, *cb = b;
  const guint8 *target = user_data;

  /* Addresses without an id are asked first: that is how we learn one. */
  if (ca->id_known != cb->id_known)
    return ca->id_known ? 1 : -1;
  return bt_dht_compare_distance (target, ca->node.id, cb->node.id);
}

static void
lookup_add_candidate (Lookup           *lookup,
                      const BtKrpcNode *node,
                      gboolean          id_known)
{
  BtDht *self = lookup->dht;
  Candidate candidate = { 0 };

  if (!address_acceptable (self, node->ip, node->port))
    return;
  if (id_known && memcmp (node->id, bt_dht_table_get_own_id (self->table), BT_KRPC_ID_LENGTH) == 0)
    return;
  for (guint i = 0; i < lookup->candidates->len; i++)
    {
      Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

      if ((c->node.port == node->port && memcmp (c->node.ip, node->ip, 4) == 0)
          || (id_known && c->id_known && memcmp (c->node.id, node->id, BT_KRPC_ID_LENGTH) == 0))
        return;
    }
  candidate.node = *node;
  candidate.id_known = id_known;
  candidate.state = CANDIDATE_NEW;
  g_array_append_val (lookup->candidates, candidate);
  g_array_sort_with_data (lookup->candidates, compare_candidates, lookup->target);

  /* Keep the closest; never drop one we are waiting for. */
  while (lookup->candidates->len > BT_DHT_LOOKUP_MAX_CANDIDATES)
    {
      guint last = lookup->candidates->len - 1;

      if (g_array_index (lookup->candidates, Candidate, last).state == CANDIDATE_ASKED)
        break;
      g_array_remove_index (lookup->candidates, last);
    }
}

static void
lookup_free (Lookup *lookup)
{
  destroy_source (&lookup->finish_idle);
  g_array_unref (lookup->candidates);
  g_hash_table_unref (lookup->seen_peers);
  g_free (lookup);
}

/* Stops @lookup's outstanding queries from reporting to it. */
static void
lookup_detach (Lookup *lookup)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, lookup->dht->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Pending *) value)->lookup == lookup)
      ((Pending *) value)->lookup = NULL;
}

static void
lookup_finish (Lookup *lookup)
{
  BtDht *self = lookup->dht;
  g_autoptr(GPtrArray) none = NULL;

  destroy_source (&lookup->finish_idle);
  lookup_detach (lookup);
  g_hash_table_steal (self->lookups, GUINT_TO_POINTER (lookup->handle));

  if (lookup->method == BT_KRPC_METHOD_GET_PEERS && lookup->announce_port != 0)
    {
      guint sent = 0;

      for (guint i = 0; i < lookup->candidates->len && sent < BT_DHT_K; i++)
        {
          Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

          if (c->state == CANDIDATE_REPLIED && c->token_length > 0)
            {
              send_query (self, BT_KRPC_METHOD_ANNOUNCE_PEER, &c->node, TRUE, lookup->target,
                          NULL, c, lookup->announce_port);
              sent++;
            }
        }
      g_debug ("Announced to %u nodes", sent);
    }

  if (lookup->is_bootstrap)
    {
      self->bootstrapping = FALSE;
      g_debug ("Bootstrap done: %u nodes", bt_dht_table_get_n_nodes (self->table));
    }

  if (lookup->callback != NULL)
    {
      g_autoptr(BtDht) hold = g_object_ref (self);

      none = g_ptr_array_new ();
      lookup->callback (self, none, TRUE, lookup->user_data);
    }
  if (lookup->destroy != NULL)
    lookup->destroy (lookup->user_data);
  lookup_free (lookup);

  start_waiting_lookups (self);
}

static gboolean
lookup_finish_cb (gpointer user_data)
{
  Lookup *lookup = user_data;

  lookup_finish (lookup);
  return G_SOURCE_REMOVE;
}

static void
lookup_step (Lookup *lookup)
{
  guint considered = 0;

  for (guint i = 0; i < lookup->candidates->len && considered < BT_DHT_K; i++)
    {
      Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

      if (c->state == CANDIDATE_FAILED)
        continue;
      considered++;
      if (c->state == CANDIDATE_NEW && lookup->in_flight < BT_DHT_LOOKUP_ALPHA
          && lookup->n_queries < BT_DHT_LOOKUP_MAX_QUERIES)
        {
          c->state = CANDIDATE_ASKED;
          lookup->n_queries++;
          send_query (lookup->dht, lookup->method, &c->node, c->id_known, lookup->target,
                      lookup, NULL, 0);
        }
    }
  /* Finished from the main loop, never inside a call from the caller
   * (bt_dht_get_peers() must return its handle before the last callback). */
  if (lookup->in_flight == 0 && lookup->finish_idle == NULL)
    {
      lookup->finish_idle = g_idle_source_new ();
      g_source_set_callback (lookup->finish_idle, lookup_finish_cb, lookup, NULL);
      g_source_attach (lookup->finish_idle, lookup->dht->context);
    }
}

static void
lookup_start (Lookup *lookup)
{
  BtDht *self = lookup->dht;
  BtKrpcNode closest[2 * BT_DHT_K];
  guint n = bt_dht_table_closest (self->table, lookup->target, now_us (), closest,
                                  G_N_ELEMENTS (closest));

  for (guint i = 0; i < n; i++)
    lookup_add_candidate (lookup, &closest[i], TRUE);
  if (lookup->is_bootstrap)
    for (guint i = 0; i < self->seeds->len; i++)
      lookup_add_candidate (lookup, &g_array_index (self->seeds, BtKrpcNode, i), FALSE);
  lookup_step (lookup);
}

static guint
count_running (BtDht *self)
{
  return g_hash_table_size (self->lookups) - self->waiting.length;
}

static void
start_waiting_lookups (BtDht *self)
{
  while (!g_queue_is_empty (&self->waiting) && count_running (self) < BT_DHT_MAX_LOOKUPS
         && !self->bootstrapping && self->resolving == 0)
    lookup_start (g_queue_pop_head (&self->waiting));
}

static Lookup *
lookup_new (BtDht          *self,
            BtKrpcMethod    method,
            const guint8   *target)
{
  Lookup *lookup = g_new0 (Lookup, 1);

  lookup->dht = self;
  lookup->handle = ++self->next_handle;
  if (lookup->handle == 0)
    lookup->handle = ++self->next_handle;
  lookup->method = method;
  memcpy (lookup->target, target, BT_KRPC_ID_LENGTH);
  lookup->candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  lookup->seen_peers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_hash_table_insert (self->lookups, GUINT_TO_POINTER (lookup->handle), lookup);
  return lookup;
}

/* Runs @lookup now, or once bootstrapping is over and a slot is free. */
static void
lookup_submit (Lookup *lookup)
{
  BtDht *self = lookup->dht;

  if (lookup->is_bootstrap
      || (!self->bootstrapping && self->resolving == 0 && count_running (self) < BT_DHT_MAX_LOOKUPS))
    lookup_start (lookup);
  else
    g_queue_push_tail (&self->waiting, lookup);
}

static void
lookup_handle_reply (Lookup              *lookup,
                     const Pending       *pending,
                     const BtKrpcMessage *message)
{
  BtDht *self = lookup->dht;

  for (guint i = 0; i < lookup->candidates->len; i++)
    {
      Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

      if (c->node.port == pending->node.port && memcmp (c->node.ip, pending->node.ip, 4) == 0)
        {
          c->state = CANDIDATE_REPLIED;
          memcpy (c->node.id, message->id, BT_KRPC_ID_LENGTH);
          c->id_known = TRUE;
          memcpy (c->token, message->token, message->token_length);
          c->token_length = message->token_length;
          break;
        }
    }
  g_array_sort_with_data (lookup->candidates, compare_candidates, lookup->target);

  for (guint i = 0; i < message->n_nodes; i++)
    lookup_add_candidate (lookup, &message->nodes[i], TRUE);

  if (lookup->method == BT_KRPC_METHOD_GET_PEERS && message->n_values > 0 && lookup->callback != NULL)
    {
      g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = 0; i < message->n_values; i++)
        {
          const BtKrpcPeer *peer = &message->values[i];
          gint64 key = (gint64) peer->ip[0] << 40 | (gint64) peer->ip[1] << 32
                       | (gint64) peer->ip[2] << 24 | (gint64) peer->ip[3] << 16 | peer->port;

          if (!address_acceptable (self, peer->ip, peer->port)
              || g_hash_table_contains (lookup->seen_peers, &key)
              || g_hash_table_size (lookup->seen_peers) >= BT_DHT_MAX_PEERS_PER_HASH)
            continue;
          g_hash_table_add (lookup->seen_peers, g_memdup2 (&key, sizeof key));
          g_ptr_array_add (peers, make_address (peer->ip, peer->port));
        }
      if (peers->len > 0)
        {
          guint handle = lookup->handle;
          g_autoptr(BtDht) hold = g_object_ref (self);

          lookup->callback (self, peers, FALSE, lookup->user_data);
          /* The callback may have cancelled the lookup. */
          if (g_hash_table_lookup (self->lookups, GUINT_TO_POINTER (handle)) != lookup)
            return;
        }
    }
  lookup_step (lookup);
}

/* Incoming messages */

static void
handle_response (BtDht               *self,
                 const BtKrpcMessage *message,
                 const guint8        *ip,
                 guint16              port)
{
  Pending *pending;
  Lookup *lookup;
  BtKrpcNode node;
  BtKrpcNode to_ping;
  guint16 transaction_id;

  if (message->transaction_id_length != 2)
    return;
  transaction_id = (guint16) (message->transaction_id[0] << 8 | message->transaction_id[1]);
  pending = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (transaction_id));
  /* Only the address we asked may answer. */
  if (pending == NULL || pending->node.port != port || memcmp (pending->node.ip, ip, 4) != 0)
    return;

  lookup = pending->lookup;
  g_hash_table_steal (self->pending, GUINT_TO_POINTER (transaction_id));
  if (lookup != NULL)
    lookup->in_flight--;

  if (message->kind == BT_KRPC_RESPONSE
      && memcmp (message->id, bt_dht_table_get_own_id (self->table), BT_KRPC_ID_LENGTH) != 0)
    {
      memcpy (node.id, message->id, BT_KRPC_ID_LENGTH);
      memcpy (node.ip, ip, 4);
      node.port = port;
      if (bt_dht_table_heard_reply (self->table, &node, now_us (), &to_ping))
        ping (self, &to_ping, TRUE);
      notify_n_nodes (self);
    }

  if (lookup != NULL)
    {
      if (message->kind == BT_KRPC_RESPONSE)
        lookup_handle_reply (lookup, pending, message);
      else
        {
          for (guint i = 0; i < lookup->candidates->len; i++)
            {
              Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

              if (c->node.port == port && memcmp (c->node.ip, ip, 4) == 0)
                c->state = CANDIDATE_FAILED;
            }
          lookup_step (lookup);
        }
    }
  pending_free (pending);
}

static void
reply_error (BtDht               *self,
             const BtKrpcMessage *query,
             const guint8        *ip,
             guint16              port,
             int                  code,
             const char          *text)
{
  BtKrpcMessage reply;

  bt_krpc_message_init (&reply, BT_KRPC_ERROR, query->transaction_id, query->transaction_id_length);
  reply.error_code = code;
  g_strlcpy (reply.error_message, text, sizeof reply.error_message);
  send_message (self, &reply, ip, port, TRUE);
}

static void
store_peer (BtDht        *self,
            const guint8 *info_hash,
            const guint8 *ip,
            guint16       port,
            gint64        now)
{
  g_autoptr(GBytes) key = g_bytes_new (info_hash, BT_KRPC_ID_LENGTH);
  GArray *peers = g_hash_table_lookup (self->storage, key);
  StoredPeer peer = { .port = port, .expires = now + (gint64) BT_DHT_PEER_EXPIRY_S * G_USEC_PER_SEC };

  memcpy (peer.ip, ip, 4);
  if (peers == NULL)
    {
      if (g_hash_table_size (self->storage) >= BT_DHT_MAX_STORED_HASHES)
        return;
      peers = g_array_new (FALSE, FALSE, sizeof (StoredPeer));
      g_hash_table_insert (self->storage, g_steal_pointer (&key), peers);
    }
  for (guint i = 0; i < peers->len; i++)
    {
      StoredPeer *p = &g_array_index (peers, StoredPeer, i);

      if (memcmp (p->ip, ip, 4) == 0 && p->port == port)
        {
          p->expires = peer.expires;
          return;
        }
    }
  if (peers->len >= BT_DHT_MAX_PEERS_PER_HASH)
    g_array_remove_index_fast (peers, g_random_int_range (0, (gint32) peers->len));
  g_array_append_val (peers, peer);
}

static void
handle_query (BtDht               *self,
              const BtKrpcMessage *query,
              const guint8        *ip,
              guint16              port)
{
  gint64 now = now_us ();
  BtKrpcMessage reply;
  BtKrpcNode sender;

  self->stats.queries_received++;
  if (!rate_allows (self, ip, now))
    {
      self->stats.queries_dropped++;
      return;
    }
  if (memcmp (query->id, bt_dht_table_get_own_id (self->table), BT_KRPC_ID_LENGTH) == 0)
    return;

  memcpy (sender.id, query->id, BT_KRPC_ID_LENGTH);
  memcpy (sender.ip, ip, 4);
  sender.port = port;
  bt_dht_table_heard_query (self->table, &sender, now);
  /* A stranger that could fill a gap is verified before it is trusted. */
  if (!query->read_only && address_acceptable (self, ip, port)
      && bt_dht_table_wants (self->table, &sender, now))
    ping (self, &sender, TRUE);

  bt_krpc_message_init (&reply, BT_KRPC_RESPONSE, query->transaction_id, query->transaction_id_length);
  memcpy (reply.id, bt_dht_table_get_own_id (self->table), BT_KRPC_ID_LENGTH);

  switch (query->method)
    {
    case BT_KRPC_METHOD_PING:
      break;

    case BT_KRPC_METHOD_FIND_NODE:
      reply.n_nodes = bt_dht_table_closest (self->table, query->target, now, reply.nodes, BT_DHT_K);
      break;

    case BT_KRPC_METHOD_GET_PEERS:
      {
        g_autoptr(GBytes) key = g_bytes_new (query->target, BT_KRPC_ID_LENGTH);
        GArray *peers = g_hash_table_lookup (self->storage, key);

        make_token (self->secret, ip, reply.token);
        reply.token_length = TOKEN_LENGTH;
        if (peers != NULL && peers->len > 0)
          {
            /* A random window of the stored peers, so every peer gets
             * handed out. */
            guint start = g_random_int_range (0, (gint32) peers->len);

            for (guint i = 0; i < peers->len && reply.n_values < BT_DHT_MAX_VALUES_PER_REPLY; i++)
              {
                StoredPeer *p = &g_array_index (peers, StoredPeer, (start + i) % peers->len);

                if (p->expires <= now)
                  continue;
                memcpy (reply.values[reply.n_values].ip, p->ip, 4);
                reply.values[reply.n_values].port = p->port;
                reply.n_values++;
              }
          }
        if (reply.n_values == 0)
          reply.n_nodes = bt_dht_table_closest (self->table, query->target, now, reply.nodes, BT_DHT_K);
      }
      break;

    case BT_KRPC_METHOD_ANNOUNCE_PEER:
      {
        guint16 peer_port = query->implied_port ? port : query->port;

        if (!token_valid (self, query, ip))
          {
            reply_error (self, query, ip, port, BT_KRPC_ERROR_PROTOCOL, "bad token");
            return;
          }
        store_peer (self, query->target, ip, peer_port, now);
      }
      break;

    case BT_KRPC_METHOD_UNKNOWN:
    default:
      reply_error (self, query, ip, port, BT_KRPC_ERROR_METHOD_UNKNOWN, "Method Unknown");
      return;
    }

  send_message (self, &reply, ip, port, TRUE);
}

static void
handle_datagram (BtDht        *self,
                 const guint8 *data,
                 gsize         length,
                 const guint8 *ip,
                 guint16       port)
{
  BtKrpcMessage message;
  g_autoptr(GError) error = NULL;

  if (port == 0)
    return;
  if (!bt_krpc_decode (data, length, &message, &error))
    {
      /* No answer: an error reply to a forged source would be a reflection. */
      self->stats.packets_malformed++;
      g_debug ("Dropped a DHT datagram: %s", error->message);
      return;
    }
  if (message.kind == BT_KRPC_QUERY)
    handle_query (self, &message, ip, port);
  else
    handle_response (self, &message, ip, port);
}

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  BtDht *self = user_data;
  g_autoptr(BtDht) hold = g_object_ref (self);

  for (guint i = 0; i < BT_DHT_MAX_READS_PER_WAKEUP && self->socket != NULL; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      gssize n;
      guint8 ip[4];
      guint16 port;

      n = g_socket_receive_from (self->socket, &from, (char *) self->buffer,
                                 BT_DHT_MAX_PACKET + 1, NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("DHT receive failed: %s", error->message);
          break;
        }
      if ((gsize) n > BT_DHT_MAX_PACKET)
        {
          self->stats.packets_oversized++;
          continue;
        }
      if (!read_address (from, ip, &port))
        continue;
      handle_datagram (self, self->buffer, (gsize) n, ip, port);
    }
  return G_SOURCE_CONTINUE;
}

/* Bootstrapping */

static void
add_seed (BtDht        *self,
          const guint8 *ip,
          guint16       port)
{
  BtKrpcNode seed = { 0 };

  if (self->seeds->len >= BT_DHT_MAX_SAVED_NODES || !address_acceptable (self, ip, port))
    return;
  for (guint i = 0; i < self->seeds->len; i++)
    {
      BtKrpcNode *s = &g_array_index (self->seeds, BtKrpcNode, i);

      if (s->port == port && memcmp (s->ip, ip, 4) == 0)
        return;
    }
  memcpy (seed.ip, ip, 4);
  seed.port = port;
  g_array_append_val (self->seeds, seed);
}

static void
bootstrap_run (BtDht *self)
{
  Lookup *lookup;

  if (self->resolving > 0 || self->bootstrapping)
    return;
  if (self->seeds->len == 0 && bt_dht_table_get_n_nodes (self->table) == 0)
    {
      g_debug ("Nothing to bootstrap from");
      start_waiting_lookups (self);
      return;
    }
  self->bootstrapping = TRUE;
  self->last_bootstrap = now_us ();
  lookup = lookup_new (self, BT_KRPC_METHOD_FIND_NODE, bt_dht_table_get_own_id (self->table));
  lookup->is_bootstrap = TRUE;
  lookup_submit (lookup);
}

typedef struct
{
  BtDht    *dht;   /* weak: the cancellable stops us when it goes */
  guint16   port;
} Resolve;

static void
resolve_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autofree Resolve *resolve = user_data;
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  BtDht *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = resolve->dht;
  if (addresses == NULL)
    g_debug ("Skipping a DHT bootstrap node: %s", error->message);
  for (GList *l = addresses; l != NULL; l = l->next)
    if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4)
      add_seed (self, g_inet_address_to_bytes (l->data), resolve->port);
  g_resolver_free_addresses (addresses);

  self->resolving--;
  bootstrap_run (self);
}

static void
bootstrap_from_names (BtDht *self)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();

  for (guint i = 0; self->bootstrap_nodes != NULL && self->bootstrap_nodes[i] != NULL; i++)
    {
      const char *entry = self->bootstrap_nodes[i];
      const char *colon = strrchr (entry, ':');
      g_autofree char *host = NULL;
      g_autoptr(GInetAddress) literal = NULL;
      guint64 port = 0;

      if (colon == NULL || colon == entry
          || !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &port, NULL))
        {
          g_debug ("Ignoring the DHT bootstrap node “%s”: expected host:port", entry);
          continue;
        }
      host = g_strndup (entry, colon - entry);
      literal = g_inet_address_new_from_string (host);
      if (literal != NULL)
        {
          if (g_inet_address_get_family (literal) == G_SOCKET_FAMILY_IPV4)
            add_seed (self, g_inet_address_to_bytes (literal), (guint16) port);
          continue;
        }

      {
        Resolve *resolve = g_new0 (Resolve, 1);

        resolve->dht = self;
        resolve->port = (guint16) port;
        self->resolving++;
        g_resolver_lookup_by_name_async (resolver, host, self->cancellable, resolve_cb, resolve);
      }
    }
  bootstrap_run (self);
}

/* Maintenance */

static gboolean
maintenance_cb (gpointer user_data)
{
  BtDht *self = user_data;
  gint64 now = now_us ();
  GHashTableIter iter;
  gpointer value;
  guint stale[2];
  guint n_stale;

  if (now - self->secret_changed >= (gint64) BT_DHT_TOKEN_ROTATION_S * G_USEC_PER_SEC)
    rotate_secret (self);

  g_hash_table_iter_init (&iter, self->storage);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GArray *peers = value;

      for (guint i = peers->len; i-- > 0;)
        if (g_array_index (peers, StoredPeer, i).expires <= now)
          g_array_remove_index_fast (peers, i);
      if (peers->len == 0)
        g_hash_table_iter_remove (&iter);
    }

  g_hash_table_iter_init (&iter, self->rates);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now - ((RateBucket *) value)->last > 10 * G_USEC_PER_SEC)
      g_hash_table_iter_remove (&iter);

  if (bt_dht_table_get_n_nodes (self->table) == 0)
    {
      /* Lost every node (or never had one, e.g. offline at start): try
       * the bootstrap nodes again, now and then. */
      if (self->bootstrap_nodes != NULL && !self->bootstrapping && self->resolving == 0
          && now - self->last_bootstrap >= 5 * 60 * G_USEC_PER_SEC)
        {
          self->last_bootstrap = now;
          bootstrap_from_names (self);
        }
      return G_SOURCE_CONTINUE;
    }

  /* Refresh at most two quiet buckets per round: lookups cost traffic. */
  n_stale = bt_dht_table_stale_buckets (self->table, now,
                                        (gint64) BT_DHT_BUCKET_REFRESH_S * G_USEC_PER_SEC,
                                        stale, G_N_ELEMENTS (stale));
  for (guint i = 0; i < n_stale && count_running (self) < BT_DHT_MAX_LOOKUPS / 2; i++)
    {
      guint8 target[BT_KRPC_ID_LENGTH];

      bt_dht_table_random_id (self->table, stale[i], target);
      bt_dht_table_touch_bucket (self->table, stale[i], now);
      lookup_submit (lookup_new (self, BT_KRPC_METHOD_FIND_NODE, target));
    }
  return G_SOURCE_CONTINUE;
}

static void
restart_maintenance (BtDht *self)
{
  destroy_source (&self->maintenance);
  self->maintenance = attach_timeout (self, self->maintenance_interval_ms, maintenance_cb, self);
}

/* GObject overrides */

static void
bt_dht_dispose (GObject *object)
{
  BtDht *self = BT_DHT (object);

  g_cancellable_cancel (self->cancellable);
  destroy_source (&self->read_source);
  destroy_source (&self->maintenance);
  g_hash_table_remove_all (self->pending);

  /* Lookups end without a last callback: the caller is going away too. */
  g_queue_clear (&self->waiting);
  while (g_hash_table_size (self->lookups) > 0)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->lookups);
      g_hash_table_iter_next (&iter, NULL, &value);
      g_hash_table_iter_steal (&iter);
      if (((Lookup *) value)->destroy != NULL)
        ((Lookup *) value)->destroy (((Lookup *) value)->user_data);
      lookup_free (value);
    }

  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (bt_dht_parent_class)->dispose (object);
}

static void
bt_dht_finalize (GObject *object)
{
  BtDht *self = BT_DHT (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->table, bt_dht_table_free);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->lookups, g_hash_table_unref);
  g_clear_pointer (&self->seeds, g_array_unref);
  g_clear_pointer (&self->bootstrap_nodes, g_strfreev);
  g_clear_pointer (&self->storage, g_hash_table_unref);
  g_clear_pointer (&self->rates, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->buffer);

  G_OBJECT_CLASS (bt_dht_parent_class)->finalize (object);
}

static void
bt_dht_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  BtDht *self = BT_DHT (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_N_NODES:
      g_value_set_uint (value, bt_dht_get_n_nodes (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_dht_class_init (BtDhtClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bt_dht_dispose;
  object_class->finalize = bt_dht_finalize;
  object_class->get_property = bt_dht_get_property;

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_NODES] =
    g_param_spec_uint ("n-nodes", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bt_dht_init (BtDht *self)
{
  guint8 id[BT_KRPC_ID_LENGTH];

  for (guint i = 0; i < BT_KRPC_ID_LENGTH; i++)
    id[i] = (guint8) g_random_int_range (0, 256);
  self->table = bt_dht_table_new (id);
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->pending = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) pending_free);
  self->lookups = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->waiting);
  self->seeds = g_array_new (FALSE, TRUE, sizeof (BtKrpcNode));
  self->storage = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify) g_bytes_unref,
                                         (GDestroyNotify) g_array_unref);
  self->rates = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->per_ip_rate = BT_DHT_QUERIES_PER_IP_PER_S;
  self->global_rate_limit = BT_DHT_QUERIES_PER_S;
  self->query_timeout_ms = BT_DHT_QUERY_TIMEOUT_MS;
  self->maintenance_interval_ms = BT_DHT_MAINTENANCE_INTERVAL_S * 1000;
  self->next_transaction_id = (guint16) g_random_int_range (0, 65536);
  self->buffer = g_malloc (BT_DHT_MAX_PACKET + 1);
  rotate_secret (self);
  rotate_secret (self);
}

/* Public API */

/**
 * bt_dht_new:
 * @bind_address: (nullable): an IPv4 address to listen on, or %NULL for all
 * @port: the UDP port, or 0 for any free one (see bt_dht_get_port())
 * @error: return location for a #GError
 *
 * Creates a DHT node listening on @port, with an empty routing table and a
 * random node id. It does nothing on the network until bootstrapped
 * (bt_dht_bootstrap(), bt_dht_add_saved_nodes(), bt_dht_add_node()) or
 * queried. Runs on the thread-default main context.
 *
 * To follow a new listen port, drop the node and create another (saving
 * and re-adding its nodes keeps the table).
 *
 * Returns: (transfer full): the node, or %NULL with @error set
 *   (%BT_ERROR_IO when the port cannot be bound).
 */
BtDht *
bt_dht_new (const char  *bind_address,
            guint16      port,
            GError     **error)
{
  g_autoptr(BtDht) self = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (bind_address != NULL)
    {
      inet = g_inet_address_new_from_string (bind_address);
      if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_IO,
                       "Cannot start the DHT on “%s”: not an IPv4 address", bind_address);
          return NULL;
        }
    }
  else
    inet = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);

  self = g_object_new (BT_TYPE_DHT, NULL);
  self->loopback = g_inet_address_get_is_loopback (inet);
  self->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &local_error);
  address = g_inet_socket_address_new (inet, port);
  if (self->socket == NULL
      || !g_socket_bind (self->socket, address, FALSE, &local_error)
      || (local = g_socket_get_local_address (self->socket, &local_error)) == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_IO,
                   "Cannot start the DHT on UDP port %u: %s; choose another listening port",
                   port, local_error->message);
      return NULL;
    }
  g_socket_set_blocking (self->socket, FALSE);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

  self->read_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->read_source, G_SOURCE_FUNC (socket_readable_cb), self, NULL);
  g_source_attach (self->read_source, self->context);
  restart_maintenance (self);

  return g_steal_pointer (&self);
}

guint16
bt_dht_get_port (BtDht *self)
{
  g_return_val_if_fail (BT_IS_DHT (self), 0);

  return self->port;
}

/**
 * bt_dht_get_node_id:
 *
 * Returns: (transfer none): the 20-byte node id.
 */
const guint8 *
bt_dht_get_node_id (BtDht *self)
{
  g_return_val_if_fail (BT_IS_DHT (self), NULL);

  return bt_dht_table_get_own_id (self->table);
}

/**
 * bt_dht_get_n_nodes:
 *
 * Returns: the nodes in the routing table (also the "n-nodes" property,
 *   which notifies when it changes).
 */
guint
bt_dht_get_n_nodes (BtDht *self)
{
  g_return_val_if_fail (BT_IS_DHT (self), 0);

  return bt_dht_table_get_n_nodes (self->table);
}

/**
 * bt_dht_bootstrap:
 * @nodes: (nullable) (array zero-terminated=1): "host:port" entries, or
 *   %NULL for bt_dht_default_bootstrap_nodes
 *
 * Joins the network: resolves @nodes asynchronously (names that do not
 * resolve are skipped, so an offline machine just ends up with an empty
 * table) and looks up our own id from them and from any saved nodes.
 * Lookups started meanwhile wait for it. The names are kept, and tried
 * again every few minutes while the table is empty.
 */
void
bt_dht_bootstrap (BtDht              *self,
                  const char * const *nodes)
{
  g_return_if_fail (BT_IS_DHT (self));

  g_strfreev (self->bootstrap_nodes);
  self->bootstrap_nodes = g_strdupv ((char **) (nodes != NULL ? nodes : bt_dht_default_bootstrap_nodes));
  bootstrap_from_names (self);
}

/**
 * bt_dht_add_node:
 * @address: a node's address (IPv4; others are ignored)
 *
 * Pings @address; it enters the routing table if it answers.
 */
void
bt_dht_add_node (BtDht              *self,
                 GInetSocketAddress *address)
{
  BtKrpcNode node = { 0 };

  g_return_if_fail (BT_IS_DHT (self));
  g_return_if_fail (G_IS_INET_SOCKET_ADDRESS (address));

  if (!read_address (G_SOCKET_ADDRESS (address), node.ip, &node.port)
      || !address_acceptable (self, node.ip, node.port))
    return;
  ping (self, &node, FALSE);
}

/**
 * bt_dht_save_nodes:
 *
 * Returns: (transfer full): the good nodes of the routing table in compact
 *   form (26 bytes each, at most BT_DHT_MAX_SAVED_NODES), for
 *   bt_dht_add_saved_nodes() at the next start.
 */
GBytes *
bt_dht_save_nodes (BtDht *self)
{
  g_autofree BtKrpcNode *nodes = NULL;
  g_autofree guint8 *out = NULL;
  guint n;

  g_return_val_if_fail (BT_IS_DHT (self), NULL);

  nodes = g_new (BtKrpcNode, BT_DHT_MAX_SAVED_NODES);
  /* Closest to us first: they are the ones a restarted node needs. */
  n = bt_dht_table_closest (self->table, bt_dht_table_get_own_id (self->table), now_us (),
                            nodes, BT_DHT_MAX_SAVED_NODES);
  out = g_malloc (MAX (n, 1) * BT_KRPC_COMPACT_NODE_LENGTH);
  for (guint i = 0; i < n; i++)
    bt_krpc_node_to_compact (&nodes[i], out + i * BT_KRPC_COMPACT_NODE_LENGTH);
  return g_bytes_new (out, n * BT_KRPC_COMPACT_NODE_LENGTH);
}

/**
 * bt_dht_add_saved_nodes:
 * @nodes: what bt_dht_save_nodes() returned (other data is read as far as
 *   it makes sense: a trailing partial entry is ignored)
 *
 * Pings the saved nodes (they enter the table when they answer) and uses
 * them as starting points for the next bt_dht_bootstrap().
 */
void
bt_dht_add_saved_nodes (BtDht  *self,
                        GBytes *nodes)
{
  gsize size = 0;
  const guint8 *data;

  g_return_if_fail (BT_IS_DHT (self));
  g_return_if_fail (nodes != NULL);

  data = g_bytes_get_data (nodes, &size);
  for (gsize i = 0; i < MIN (size / BT_KRPC_COMPACT_NODE_LENGTH, BT_DHT_MAX_SAVED_NODES); i++)
    {
      BtKrpcNode node;

      bt_krpc_node_from_compact (data + i * BT_KRPC_COMPACT_NODE_LENGTH, &node);
      if (!address_acceptable (self, node.ip, node.port))
        continue;
      add_seed (self, node.ip, node.port);
      ping (self, &node, TRUE);
    }
}

/**
 * bt_dht_get_peers:
 * @info_hash: 20 bytes
 * @announce_port: the TCP port to announce for @info_hash once the lookup
 *   found the closest nodes, or 0 not to announce
 * @callback: called with peers as they arrive, and once with done = %TRUE
 * @user_data: for @callback
 * @destroy: (nullable): called on @user_data after the last callback, on
 *   bt_dht_cancel() or when the node is disposed
 *
 * Starts an iterative get_peers lookup (BEP 5; alpha = 3 queries in
 * flight) and, with @announce_port, announces to the nodes that gave
 * tokens. The DHT does not repeat it: call again to re-announce (every
 * 15 to 30 minutes, as trackers do). Lookups started before the
 * bootstrap is over wait for it; one with no node to ask ends on the next
 * main loop iteration. Callbacks never run inside this call.
 *
 * Returns: a handle for bt_dht_cancel(), never 0.
 */
guint
bt_dht_get_peers (BtDht          *self,
                  const guint8   *info_hash,
                  guint16         announce_port,
                  BtDhtPeersFunc  callback,
                  gpointer        user_data,
                  GDestroyNotify  destroy)
{
  Lookup *lookup;
  guint handle;

  g_return_val_if_fail (BT_IS_DHT (self), 0);
  g_return_val_if_fail (info_hash != NULL, 0);
  g_return_val_if_fail (callback != NULL, 0);

  lookup = lookup_new (self, BT_KRPC_METHOD_GET_PEERS, info_hash);
  lookup->announce_port = announce_port;
  lookup->callback = callback;
  lookup->user_data = user_data;
  lookup->destroy = destroy;
  handle = lookup->handle;
  lookup_submit (lookup);
  return handle;
}

/**
 * bt_dht_cancel:
 * @handle: from bt_dht_get_peers()
 *
 * Stops a lookup: its callback is not called again, its destroy notify is
 * called now. Unknown or finished handles are ignored.
 */
void
bt_dht_cancel (BtDht *self,
               guint  handle)
{
  Lookup *lookup;

  g_return_if_fail (BT_IS_DHT (self));

  lookup = g_hash_table_lookup (self->lookups, GUINT_TO_POINTER (handle));
  if (lookup == NULL)
    return;
  g_hash_table_remove (self->lookups, GUINT_TO_POINTER (handle));
  g_queue_remove (&self->waiting, lookup);
  lookup_detach (lookup);
  if (lookup->destroy != NULL)
    lookup->destroy (lookup->user_data);
  lookup_free (lookup);
  start_waiting_lookups (self);
}

/* Test hooks (bt-dht-private.h) */

void
_bt_dht_get_stats (BtDht      *self,
                   BtDhtStats *out_stats)
{
  g_return_if_fail (BT_IS_DHT (self));

  *out_stats = self->stats;
}

void
_bt_dht_set_timeouts (BtDht *self,
                      guint  query_timeout_ms,
                      guint  maintenance_interval_ms)
{
  g_return_if_fail (BT_IS_DHT (self));

  self->query_timeout_ms = query_timeout_ms;
  self->maintenance_interval_ms = maintenance_interval_ms;
  restart_maintenance (self);
}

void
_bt_dht_set_rate_limits (BtDht *self,
                         guint  per_ip_per_s,
                         guint  global_per_s)
{
  g_return_if_fail (BT_IS_DHT (self));

  self->per_ip_rate = per_ip_per_s;
  self->global_rate_limit = global_per_s;
  self->global_rate.last = 0;
  g_hash_table_remove_all (self->rates);
}

void
_bt_dht_rotate_secret (BtDht *self)
{
  g_return_if_fail (BT_IS_DHT (self));

  rotate_secret (self);
}
