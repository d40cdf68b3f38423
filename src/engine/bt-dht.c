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

#include "bt-dht-internal.h"
#include "bt-error.h"

const char *const bt_dht_default_bootstrap_nodes[] = {
  "router.bittorrent.com:6881",
  "dht.transmissionbt.com:6881",
  "router.utorrent.com:6881",
  NULL,
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

/* Auxiliary functions */

gint64
_bt_dht_now_us (void)
{
  return g_get_monotonic_time ();
}

GSource *
_bt_dht_attach_timeout (BtDht       *self,
                        guint        ms,
                        GSourceFunc  func,
                        gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

void
_bt_dht_destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Addresses no DHT node can have. Loopback only when we are on it. */
gboolean
_bt_dht_address_acceptable (BtDht        *self,
                            const guint8 *ip,
                            guint16       port)
{
  if (port == 0 || ip[0] == 0 || ip[0] >= 224)
    return FALSE;
  if (ip[0] == 127 && !self->loopback)
    return FALSE;
  return TRUE;
}

GSocketAddress *
_bt_dht_make_address (const guint8 *ip,
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

void
_bt_dht_send_message (BtDht               *self,
                      const BtKrpcMessage *message,
                      const guint8        *ip,
                      guint16              port,
                      gboolean             is_reply)
{
  g_autoptr(GBytes) bytes = bt_krpc_encode (message);
  g_autoptr(GSocketAddress) address = _bt_dht_make_address (ip, port);
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

void
_bt_dht_notify_n_nodes (BtDht *self)
{
  guint n = bt_dht_table_get_n_nodes (self->table);

  if (n > 0)
    {
      _bt_dht_destroy_source (&self->bootstrap_retry);
      self->bootstrap_retry_ms = self->bootstrap_retry_first_ms;
    }
  if (n != self->last_n_nodes)
    {
      self->last_n_nodes = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_NODES]);
    }
}

static gboolean
bootstrap_retry_cb (gpointer user_data)
{
  BtDht *self = user_data;

  g_clear_pointer (&self->bootstrap_retry, g_source_unref);
  if (bt_dht_table_get_n_nodes (self->table) == 0 && !self->bootstrapping && self->resolving == 0)
    {
      self->bootstrap_retry_ms = MIN (self->bootstrap_retry_ms * 2, BT_DHT_BOOTSTRAP_RETRY_MAX_S * 1000);
      _bt_dht_bootstrap_from_names (self);
    }
  return G_SOURCE_REMOVE;
}

/* With no node in the table, nothing else would ever bring us into the
 * network: the bootstrap nodes are asked again, sooner at first. */
void
_bt_dht_schedule_bootstrap_retry (BtDht *self)
{
  if (self->bootstrap_nodes == NULL || self->bootstrap_retry != NULL || self->socket == NULL
      || bt_dht_table_get_n_nodes (self->table) > 0)
    return;
  g_debug ("No DHT node yet; bootstrapping again in %u s", self->bootstrap_retry_ms / 1000);
  self->bootstrap_retry = _bt_dht_attach_timeout (self, self->bootstrap_retry_ms, bootstrap_retry_cb, self);
}

/* Outgoing queries */

static void
pending_free (Pending *pending)
{
  _bt_dht_destroy_source (&pending->timeout);
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
      bt_dht_table_failed (self->table, &pending->node, _bt_dht_now_us ());
      _bt_dht_notify_n_nodes (self);
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
    _bt_dht_lookup_step (lookup);
  return G_SOURCE_REMOVE;
}

/* Sends a query to @node; @lookup (nullable) hears of the answer. */
void
_bt_dht_send_query (BtDht            *self,
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
  pending->timeout = _bt_dht_attach_timeout (self, self->query_timeout_ms, pending_timeout_cb, pending);
  g_hash_table_insert (self->pending, GUINT_TO_POINTER (transaction_id), pending);
  if (lookup != NULL)
    lookup->in_flight++;

  _bt_dht_send_message (self, &message, node->ip, node->port, FALSE);
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

void
_bt_dht_ping (BtDht            *self,
              const BtKrpcNode *node,
              gboolean          id_known)
{
  if (g_hash_table_size (self->pending) >= BT_DHT_MAX_LOOKUPS * BT_DHT_LOOKUP_ALPHA * 4
      || pending_to (self, node->ip, node->port))
    return;
  _bt_dht_send_query (self, BT_KRPC_METHOD_PING, node, id_known, NULL, NULL, NULL, 0);
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
      if (bt_dht_table_heard_reply (self->table, &node, _bt_dht_now_us (), &to_ping))
        _bt_dht_ping (self, &to_ping, TRUE);
      _bt_dht_notify_n_nodes (self);
    }

  if (lookup != NULL)
    {
      if (message->kind == BT_KRPC_RESPONSE)
        _bt_dht_lookup_handle_reply (lookup, pending, message);
      else
        {
          for (guint i = 0; i < lookup->candidates->len; i++)
            {
              Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

              if (c->node.port == port && memcmp (c->node.ip, ip, 4) == 0)
                c->state = CANDIDATE_FAILED;
            }
          _bt_dht_lookup_step (lookup);
        }
    }
  pending_free (pending);
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
    _bt_dht_handle_query (self, &message, ip, port);
  else
    handle_response (self, &message, ip, port);
}

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  BtDht *self = user_data;

  /* A callback may drop the last reference to the node. */
  g_object_ref (self);
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
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

/* Maintenance */

static gboolean
maintenance_cb (gpointer user_data)
{
  BtDht *self = user_data;
  gint64 now = _bt_dht_now_us ();
  GHashTableIter iter;
  gpointer value;
  guint stale[2];
  guint n_stale;

  if (now - self->secret_changed >= (gint64) BT_DHT_TOKEN_ROTATION_S * G_USEC_PER_SEC)
    _bt_dht_new_secret (self);

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

  g_hash_table_iter_init (&iter, self->verified);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now / G_USEC_PER_SEC - GPOINTER_TO_INT (value) >= BT_DHT_VERIFY_INTERVAL_S)
      g_hash_table_iter_remove (&iter);

  if (bt_dht_table_get_n_nodes (self->table) == 0)
    {
      /* Lost every node since: back to the bootstrap nodes. */
      if (!self->bootstrapping && self->resolving == 0)
        _bt_dht_schedule_bootstrap_retry (self);
      return G_SOURCE_CONTINUE;
    }

  /* Refresh at most two quiet buckets per round: lookups cost traffic. */
  n_stale = bt_dht_table_stale_buckets (self->table, now,
                                        (gint64) self->bucket_refresh_ms * 1000,
                                        stale, G_N_ELEMENTS (stale));
  for (guint i = 0; i < n_stale && _bt_dht_count_running (self) < BT_DHT_MAX_LOOKUPS / 2; i++)
    {
      guint8 target[BT_KRPC_ID_LENGTH];

      bt_dht_table_random_id (self->table, stale[i], target);
      bt_dht_table_touch_bucket (self->table, stale[i], now);
      _bt_dht_lookup_submit (_bt_dht_lookup_new (self, BT_KRPC_METHOD_FIND_NODE, target));
    }
  return G_SOURCE_CONTINUE;
}

static void
restart_maintenance (BtDht *self)
{
  _bt_dht_destroy_source (&self->maintenance);
  self->maintenance = _bt_dht_attach_timeout (self, self->maintenance_interval_ms, maintenance_cb, self);
}

/* GObject overrides */

static void
bt_dht_dispose (GObject *object)
{
  BtDht *self = BT_DHT (object);

  g_cancellable_cancel (self->cancellable);
  _bt_dht_destroy_source (&self->read_source);
  _bt_dht_destroy_source (&self->maintenance);
  _bt_dht_destroy_source (&self->bootstrap_retry);
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
      _bt_dht_lookup_free (value);
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
  g_clear_pointer (&self->verified, g_hash_table_unref);
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
  self->verified = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->per_ip_rate = BT_DHT_QUERIES_PER_IP_PER_S;
  self->global_rate_limit = BT_DHT_QUERIES_PER_S;
  self->query_timeout_ms = BT_DHT_QUERY_TIMEOUT_MS;
  self->maintenance_interval_ms = BT_DHT_MAINTENANCE_INTERVAL_S * 1000;
  self->bucket_refresh_ms = BT_DHT_BUCKET_REFRESH_S * 1000;
  self->bootstrap_retry_first_ms = BT_DHT_BOOTSTRAP_RETRY_FIRST_S * 1000;
  self->bootstrap_retry_ms = self->bootstrap_retry_first_ms;
  self->next_transaction_id = (guint16) g_random_int_range (0, 65536);
  self->buffer = g_malloc (BT_DHT_MAX_PACKET + 1);
  _bt_dht_new_secret (self);
  _bt_dht_new_secret (self);
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
  _bt_dht_bootstrap_from_names (self);
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

  if (!read_address (G_SOCKET_ADDRESS (address), node.ip, &node.port))
    return;
  /* As for bootstrap nodes: a loopback node given on purpose allows them. */
  if (node.ip[0] == 127)
    self->loopback = TRUE;
  if (!_bt_dht_address_acceptable (self, node.ip, node.port))
    return;
  _bt_dht_ping (self, &node, FALSE);
}

/**
 * bt_dht_save_nodes:
 *
 * Returns: (transfer full): the routing table's nodes that are not bad, in
 *   compact form (26 bytes each, closest to our id first, at most
 *   BT_DHT_MAX_SAVED_NODES), for
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
  n = bt_dht_table_closest (self->table, bt_dht_table_get_own_id (self->table), _bt_dht_now_us (),
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
      _bt_dht_add_seed (self, node.ip, node.port);
      if (!_bt_dht_address_acceptable (self, node.ip, node.port))
        continue;
      _bt_dht_ping (self, &node, TRUE);
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

  lookup = _bt_dht_lookup_new (self, BT_KRPC_METHOD_GET_PEERS, info_hash);
  lookup->announce_port = announce_port;
  lookup->callback = callback;
  lookup->user_data = user_data;
  lookup->destroy = destroy;
  handle = lookup->handle;
  _bt_dht_lookup_submit (lookup);
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
  _bt_dht_lookup_detach (lookup);
  if (lookup->destroy != NULL)
    lookup->destroy (lookup->user_data);
  _bt_dht_lookup_free (lookup);
  _bt_dht_start_waiting_lookups (self);
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
_bt_dht_set_bootstrap_retry (BtDht *self,
                             guint  first_ms)
{
  g_return_if_fail (BT_IS_DHT (self));

  self->bootstrap_retry_first_ms = first_ms;
  self->bootstrap_retry_ms = first_ms;
}

void
_bt_dht_set_bucket_refresh (BtDht *self,
                            guint  refresh_ms)
{
  g_return_if_fail (BT_IS_DHT (self));

  self->bucket_refresh_ms = refresh_ms;
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

  _bt_dht_new_secret (self);
}

