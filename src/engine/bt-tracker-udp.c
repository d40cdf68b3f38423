/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-tracker-udp"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-tracker-udp.h"

/* One announce or scrape: resolve, connect (or reuse a cached connection
 * id), send the request, retransmit on the BEP 15 schedule. */
typedef struct
{
  char               *tracker_url;  /* udp://host:port, for messages */
  char               *host;
  guint16             port;
  gboolean            is_scrape;
  BtAnnounceRequest   request;      /* tracker_id points to @tracker_id */
  char               *tracker_id;
  guint8              info_hash[20];

  GCancellable       *cancellable;
  GSocketAddress     *address;
  char               *cache_key;
  GSocket            *socket;
  GSource            *read_source;
  GSource            *timer;
  guint8             *buffer;       /* BT_UDP_TRACKER_MAX_PACKET bytes */

  gboolean            connecting;   /* waiting for a connect reply */
  gboolean            cached_id;    /* @connection_id came from the cache */
  guint64             connection_id;
  gint64              connection_expires;
  guint32             transaction_id;
  guint               retries;
  guint               sends;
} UdpOp;

typedef struct
{
  guint64 connection_id;
  gint64  expires;      /* monotonic µs */
} CachedConnection;

/* Connection ids are per tracker address, not per torrent, so every
 * torrent announcing to one tracker shares them: a process-wide cache. */
static GMutex cache_lock;
static GHashTable *connection_cache;

/* 0 means the default from bt-limits.h; changed by tests only. */
static guint base_timeout_override_ms;
static guint connection_lifetime_override_ms;

static void udp_op_send_next (GTask *task);

/* The codec */

static void
put_u16 (guint8  *p,
         guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static void
put_u32 (guint8  *p,
         guint32  v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
}

static void
put_u64 (guint8  *p,
         guint64  v)
{
  put_u32 (p, (guint32) (v >> 32));
  put_u32 (p + 4, (guint32) v);
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint64
get_u64 (const guint8 *p)
{
  return (guint64) get_u32 (p) << 32 | get_u32 (p + 4);
}

static gint64
count_from_u32 (guint32 v)
{
  /* The fields are unsigned 32-bit, but trackers that have nothing to say
   * sometimes send -1; report that as unknown. */
  return v == G_MAXUINT32 ? -1 : (gint64) v;
}

/**
 * bt_udp_tracker_packet_clear:
 *
 * Frees what @packet holds and zeroes it; it may be reused.
 */
void
bt_udp_tracker_packet_clear (BtUdpTrackerPacket *packet)
{
  g_return_if_fail (packet != NULL);

  g_clear_pointer (&packet->announce, bt_announce_response_unref);
  g_clear_pointer (&packet->message, g_free);
  memset (packet, 0, sizeof *packet);
}

/**
 * bt_tracker_udp_build_connect:
 * @buffer: (out caller-allocates): %BT_UDP_TRACKER_CONNECT_SIZE bytes
 */
void
bt_tracker_udp_build_connect (guint8  *buffer,
                              guint32  transaction_id)
{
  g_return_if_fail (buffer != NULL);

  put_u64 (buffer, BT_UDP_TRACKER_PROTOCOL_ID);
  put_u32 (buffer + 8, BT_UDP_TRACKER_ACTION_CONNECT);
  put_u32 (buffer + 12, transaction_id);
}

/**
 * bt_tracker_udp_build_announce:
 * @buffer: (out caller-allocates): %BT_UDP_TRACKER_ANNOUNCE_SIZE bytes
 *
 * @request's tracker_id has no place in a UDP announce and is ignored.
 */
void
bt_tracker_udp_build_announce (guint8                  *buffer,
                               guint64                  connection_id,
                               guint32                  transaction_id,
                               const BtAnnounceRequest *request)
{
  guint32 event;

  g_return_if_fail (buffer != NULL);
  g_return_if_fail (request != NULL);

  /* BEP 15 numbers the events differently from their order in HTTP. */
  switch (request->event)
    {
    case BT_ANNOUNCE_EVENT_COMPLETED:
      event = 1;
      break;
    case BT_ANNOUNCE_EVENT_STARTED:
      event = 2;
      break;
    case BT_ANNOUNCE_EVENT_STOPPED:
      event = 3;
      break;
    case BT_ANNOUNCE_EVENT_NONE:
    default:
      event = 0;
      break;
    }

  put_u64 (buffer, connection_id);
  put_u32 (buffer + 8, BT_UDP_TRACKER_ACTION_ANNOUNCE);
  put_u32 (buffer + 12, transaction_id);
  memcpy (buffer + 16, request->info_hash, 20);
  memcpy (buffer + 36, request->peer_id, 20);
  put_u64 (buffer + 56, request->downloaded);
  put_u64 (buffer + 64, request->left);
  put_u64 (buffer + 72, request->uploaded);
  put_u32 (buffer + 80, event);
  put_u32 (buffer + 84, 0); /* IP address: 0 = the sender's */
  put_u32 (buffer + 88, request->key);
  put_u32 (buffer + 92, request->numwant < 0 ? G_MAXUINT32 : (guint32) request->numwant);
  put_u16 (buffer + 96, request->port);
}

/**
 * bt_tracker_udp_build_scrape:
 * @buffer: (out caller-allocates): %BT_UDP_TRACKER_SCRAPE_SIZE bytes
 * @info_hash: 20 bytes
 */
void
bt_tracker_udp_build_scrape (guint8       *buffer,
                             guint64       connection_id,
                             guint32       transaction_id,
                             const guint8 *info_hash)
{
  g_return_if_fail (buffer != NULL);
  g_return_if_fail (info_hash != NULL);

  put_u64 (buffer, connection_id);
  put_u32 (buffer + 8, BT_UDP_TRACKER_ACTION_SCRAPE);
  put_u32 (buffer + 12, transaction_id);
  memcpy (buffer + 16, info_hash, 20);
}

/**
 * bt_tracker_udp_parse_packet:
 * @data: a datagram from a tracker
 * @length: its size
 * @family: the tracker's address family; an IPv6 tracker lists peers in
 *   18-byte entries, an IPv4 one in 6-byte entries
 * @out_packet: (out caller-allocates): the reply; clear it with
 *   bt_udp_tracker_packet_clear() after a success
 *
 * Reads any reply a tracker may send. Bytes after a complete reply's fixed
 * part are peers (announce) or more torrents (scrape); a trailing partial
 * entry is ignored. Does not check the transaction id: the caller knows
 * which one it expects.
 *
 * Returns: %TRUE on success, or %FALSE with %BT_ERROR_TRACKER_PROTOCOL
 */
gboolean
bt_tracker_udp_parse_packet (const guint8        *data,
                             gsize                length,
                             GSocketFamily        family,
                             BtUdpTrackerPacket  *out_packet,
                             GError             **error)
{
  guint32 action;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6, FALSE);
  g_return_val_if_fail (out_packet != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out_packet, 0, sizeof *out_packet);

  if (length < 8)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                   "The UDP tracker sent a %" G_GSIZE_FORMAT "-byte packet, too short "
                   "for any reply", length);
      return FALSE;
    }

  action = get_u32 (data);
  out_packet->transaction_id = get_u32 (data + 4);

  switch (action)
    {
    case BT_UDP_TRACKER_ACTION_CONNECT:
      if (length < 16)
        break;
      out_packet->action = action;
      out_packet->connection_id = get_u64 (data + 8);
      return TRUE;

    case BT_UDP_TRACKER_ACTION_ANNOUNCE:
      if (length < 20)
        {
          /* opentracker answers so for a torrent it does not track. */
          g_set_error_literal (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                               "The UDP tracker sent an empty announce reply; "
                               "it may not track this torrent");
          return FALSE;
        }
      out_packet->action = action;
      out_packet->announce = bt_announce_response_new ();
      out_packet->announce->interval = get_u32 (data + 8);
      out_packet->announce->incomplete = count_from_u32 (get_u32 (data + 12));
      out_packet->announce->complete = count_from_u32 (get_u32 (data + 16));
      bt_tracker_append_compact_peers (out_packet->announce->peers, data + 20, length - 20,
                                       family, BT_TRACKER_MAX_PEERS_PER_RESPONSE);
      return TRUE;

    case BT_UDP_TRACKER_ACTION_SCRAPE:
      if (length < 20)
        break;
      out_packet->action = action;
      out_packet->scrape.complete = count_from_u32 (get_u32 (data + 8));
      out_packet->scrape.downloaded = count_from_u32 (get_u32 (data + 12));
      out_packet->scrape.incomplete = count_from_u32 (get_u32 (data + 16));
      return TRUE;

    case BT_UDP_TRACKER_ACTION_ERROR:
      out_packet->action = action;
      out_packet->message = bt_tracker_message_from_bytes (data + 8, length - 8);
      return TRUE;

    default:
      g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                   "The UDP tracker sent a reply with unknown action %u", action);
      return FALSE;
    }

  g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
               "The UDP tracker sent a truncated reply (%" G_GSIZE_FORMAT " bytes, action %u)",
               length, action);
  return FALSE;
}

/* Settings and the connection cache */

static guint
base_timeout_ms (void)
{
  static gsize env_init;
  static guint env_value;
  guint override = g_atomic_int_get (&base_timeout_override_ms);

  if (override != 0)
    return override;

  if (g_once_init_enter (&env_init))
    {
      const char *text = g_getenv ("BT_UDP_TRACKER_BASE_TIMEOUT_MS");
      guint64 value = 0;

      if (text != NULL && g_ascii_string_to_unsigned (text, 10, 1, 3600 * 1000, &value, NULL))
        env_value = (guint) value;
      g_once_init_leave (&env_init, 1);
    }
  return env_value != 0 ? env_value : BT_UDP_TRACKER_BASE_TIMEOUT_MS;
}

static gint64
connection_lifetime_us (void)
{
  guint override = g_atomic_int_get (&connection_lifetime_override_ms);

  return (gint64) (override != 0 ? override : BT_UDP_TRACKER_CONNECTION_LIFETIME_MS) * 1000;
}

/**
 * bt_tracker_udp_set_base_timeout:
 * @timeout_ms: the wait before the first retransmission, doubled after
 *   each; 0 restores the BEP's 15 s
 *
 * For tests. The environment variable `BT_UDP_TRACKER_BASE_TIMEOUT_MS` sets
 * the same for a whole process (the CLI in interop tests); a value set here
 * takes precedence.
 */
void
bt_tracker_udp_set_base_timeout (guint timeout_ms)
{
  g_atomic_int_set (&base_timeout_override_ms, timeout_ms);
}

/**
 * bt_tracker_udp_set_connection_lifetime:
 * @lifetime_ms: how long a connection id is reused; 0 restores the BEP's
 *   one minute
 *
 * For tests of connection id expiry.
 */
void
bt_tracker_udp_set_connection_lifetime (guint lifetime_ms)
{
  g_atomic_int_set (&connection_lifetime_override_ms, lifetime_ms);
}

/**
 * bt_tracker_udp_forget_connections:
 *
 * Drops every cached connection id, so the next request to each tracker
 * starts with a connect.
 */
void
bt_tracker_udp_forget_connections (void)
{
  g_mutex_lock (&cache_lock);
  g_clear_pointer (&connection_cache, g_hash_table_unref);
  g_mutex_unlock (&cache_lock);
}

static gboolean
cache_lookup (const char *key,
              guint64    *connection_id,
              gint64     *expires)
{
  CachedConnection *entry = NULL;
  gboolean found = FALSE;

  g_mutex_lock (&cache_lock);
  if (connection_cache != NULL)
    entry = g_hash_table_lookup (connection_cache, key);
  if (entry != NULL && entry->expires > g_get_monotonic_time ())
    {
      *connection_id = entry->connection_id;
      *expires = entry->expires;
      found = TRUE;
    }
  g_mutex_unlock (&cache_lock);
  return found;
}

static gboolean
remove_expired (gpointer key,
                gpointer value,
                gpointer user_data)
{
  CachedConnection *entry = value;
  gint64 *now = user_data;

  return entry->expires <= *now;
}

static void
cache_store (const char *key,
             guint64     connection_id,
             gint64      expires)
{
  CachedConnection *entry;

  g_mutex_lock (&cache_lock);
  if (connection_cache == NULL)
    connection_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_hash_table_size (connection_cache) >= BT_UDP_TRACKER_MAX_CACHED_CONNECTIONS)
    {
      gint64 now = g_get_monotonic_time ();

      g_hash_table_foreach_remove (connection_cache, remove_expired, &now);
      if (g_hash_table_size (connection_cache) >= BT_UDP_TRACKER_MAX_CACHED_CONNECTIONS)
        g_hash_table_remove_all (connection_cache);
    }
  entry = g_new (CachedConnection, 1);
  entry->connection_id = connection_id;
  entry->expires = expires;
  g_hash_table_replace (connection_cache, g_strdup (key), entry);
  g_mutex_unlock (&cache_lock);
}

static void
cache_forget (const char *key)
{
  g_mutex_lock (&cache_lock);
  if (connection_cache != NULL)
    g_hash_table_remove (connection_cache, key);
  g_mutex_unlock (&cache_lock);
}

/* The client */

static void
udp_op_stop_io (UdpOp *op)
{
  if (op->timer != NULL)
    {
      g_source_destroy (op->timer);
      g_clear_pointer (&op->timer, g_source_unref);
    }
  if (op->read_source != NULL)
    {
      g_source_destroy (op->read_source);
      g_clear_pointer (&op->read_source, g_source_unref);
    }
  if (op->socket != NULL)
    {
      g_socket_close (op->socket, NULL);
      g_clear_object (&op->socket);
    }
}

static void
udp_op_free (gpointer data)
{
  UdpOp *op = data;

  udp_op_stop_io (op);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->address);
  g_free (op->buffer);
  g_free (op->cache_key);
  g_free (op->tracker_id);
  g_free (op->host);
  g_free (op->tracker_url);
  g_free (op);
}

/* Every end of an operation goes through here: the sources hold references
 * to the task, so they go before the task returns. */
static void
udp_op_return_error (GTask  *task,
                     GError *error)
{
  G_GNUC_UNUSED g_autoptr(GTask) keep = g_object_ref (task);

  udp_op_stop_io (g_task_get_task_data (task));
  g_task_return_error (task, error);
}

static void
udp_op_return_new_error (GTask      *task,
                         BtError     code,
                         const char *format,
                         ...) G_GNUC_PRINTF (3, 4);

static void
udp_op_return_new_error (GTask      *task,
                         BtError     code,
                         const char *format,
                         ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (BT_ERROR, code, format, args);
  va_end (args);
  udp_op_return_error (task, error);
}

static void
udp_op_return_packet (GTask              *task,
                      BtUdpTrackerPacket *packet)
{
  G_GNUC_UNUSED g_autoptr(GTask) keep = g_object_ref (task);
  UdpOp *op = g_task_get_task_data (task);

  udp_op_stop_io (op);
  if (op->is_scrape)
    g_task_return_pointer (task, g_memdup2 (&packet->scrape, sizeof packet->scrape), g_free);
  else
    g_task_return_pointer (task, g_steal_pointer (&packet->announce),
                           (GDestroyNotify) bt_announce_response_unref);
}

static void
udp_op_arm_timer (GTask *task);

static gboolean
timer_cb (gpointer user_data)
{
  GTask *task = user_data;
  UdpOp *op = g_task_get_task_data (task);
  gint64 now = g_get_monotonic_time ();

  g_clear_pointer (&op->timer, g_source_unref);

  if (++op->retries > BT_UDP_TRACKER_MAX_RETRIES)
    {
      udp_op_return_new_error (task, BT_ERROR_TRACKER_TIMEOUT,
                               "The tracker %s did not answer (%u tries)",
                               op->tracker_url, op->sends);
      return G_SOURCE_REMOVE;
    }

  /* A connection id from the cache may have been lost by a tracker that
   * restarted, and one that expired while we waited must not be used. */
  if (!op->connecting && (op->cached_id || op->connection_expires <= now))
    {
      cache_forget (op->cache_key);
      op->connecting = TRUE;
      op->cached_id = FALSE;
      op->transaction_id = g_random_int ();
    }

  g_debug ("Retransmitting to %s (retry %u)", op->tracker_url, op->retries);
  udp_op_send_next (task);
  return G_SOURCE_REMOVE;
}

static void
udp_op_arm_timer (GTask *task)
{
  UdpOp *op = g_task_get_task_data (task);
  guint64 delay = (guint64) base_timeout_ms () << op->retries;

  if (op->timer != NULL)
    {
      g_source_destroy (op->timer);
      g_source_unref (op->timer);
    }
  op->timer = g_timeout_source_new ((guint) MIN (delay, G_MAXUINT));
  g_source_set_name (op->timer, "[bt-tracker-udp] retransmit");
  g_source_set_callback (op->timer, timer_cb, g_object_ref (task), g_object_unref);
  g_source_attach (op->timer, g_task_get_context (task));
}

/* Sends the packet the op is waiting for an answer to (a connect, or the
 * announce or scrape itself) and starts its timer. */
static void
udp_op_send_next (GTask *task)
{
  UdpOp *op = g_task_get_task_data (task);
  guint8 packet[MAX (BT_UDP_TRACKER_ANNOUNCE_SIZE, BT_UDP_TRACKER_SCRAPE_SIZE)];
  gsize length;
  g_autoptr(GError) error = NULL;

  if (op->connecting)
    {
      bt_tracker_udp_build_connect (packet, op->transaction_id);
      length = BT_UDP_TRACKER_CONNECT_SIZE;
    }
  else if (op->is_scrape)
    {
      bt_tracker_udp_build_scrape (packet, op->connection_id, op->transaction_id, op->info_hash);
      length = BT_UDP_TRACKER_SCRAPE_SIZE;
    }
  else
    {
      bt_tracker_udp_build_announce (packet, op->connection_id, op->transaction_id,
                                     &op->request);
      length = BT_UDP_TRACKER_ANNOUNCE_SIZE;
    }

  op->sends++;
  if (g_socket_send (op->socket, (const char *) packet, length, NULL, &error) < 0
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      /* A full send buffer is a lost packet, retried on time-out; anything
       * else (no route, refused) will not get better by waiting. */
      udp_op_return_new_error (task, BT_ERROR_IO, "Could not reach the tracker %s: %s",
                               op->tracker_url, error->message);
      return;
    }

  udp_op_arm_timer (task);
}

/* Returns TRUE when the op has ended. */
static gboolean
udp_op_handle_packet (GTask        *task,
                      const guint8 *data,
                      gsize         length)
{
  UdpOp *op = g_task_get_task_data (task);
  GSocketFamily family = g_socket_address_get_family (op->address);
  g_autoptr(GError) error = NULL;
  BtUdpTrackerPacket packet;
  gboolean done = FALSE;

  /* Anyone can send us datagrams; only an echo of the random transaction
   * id shows that this one answers our request. */
  if (length < 8 || get_u32 (data + 4) != op->transaction_id)
    {
      g_debug ("Ignoring a packet from %s that answers no request of ours", op->tracker_url);
      return FALSE;
    }

  if (!bt_tracker_udp_parse_packet (data, length, family, &packet, &error))
    {
      g_prefix_error (&error, "%s: ", op->tracker_url);
      udp_op_return_error (task, g_steal_pointer (&error));
      return TRUE;
    }

  if (packet.action == BT_UDP_TRACKER_ACTION_ERROR)
    {
      udp_op_return_new_error (task, BT_ERROR_TRACKER_FAILURE, "The tracker refused: %s",
                               *packet.message != '\0' ? packet.message : "no reason given");
      done = TRUE;
    }
  else if (op->connecting && packet.action == BT_UDP_TRACKER_ACTION_CONNECT)
    {
      op->connecting = FALSE;
      op->cached_id = FALSE;
      op->connection_id = packet.connection_id;
      op->connection_expires = g_get_monotonic_time () + connection_lifetime_us ();
      cache_store (op->cache_key, op->connection_id, op->connection_expires);
      /* A new request: a new transaction id, and BEP 15's n starts over. */
      op->transaction_id = g_random_int ();
      op->retries = 0;
      udp_op_send_next (task);
      done = g_task_get_completed (task) || g_task_had_error (task);
    }
  else if (!op->connecting
           && packet.action == (op->is_scrape ? BT_UDP_TRACKER_ACTION_SCRAPE
                                              : BT_UDP_TRACKER_ACTION_ANNOUNCE))
    {
      udp_op_return_packet (task, &packet);
      done = TRUE;
    }
  else
    g_debug ("Ignoring a reply with action %u from %s", packet.action, op->tracker_url);

  bt_udp_tracker_packet_clear (&packet);
  return done;
}

static gboolean
socket_readable_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  GTask *task = user_data;
  UdpOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_cancellable_set_error_if_cancelled (op->cancellable, &error))
    {
      udp_op_return_error (task, error);
      return G_SOURCE_REMOVE;
    }

  /* Drain what is queued, but bound the work one wake-up may do, so a
   * flood of datagrams cannot starve the main loop. */
  for (guint i = 0; i < 64; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      gssize received;

      received = g_socket_receive_from (socket, &from, (char *) op->buffer,
                                        BT_UDP_TRACKER_MAX_PACKET, NULL, &error);
      if (received < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_clear_error (&error);
              return G_SOURCE_CONTINUE;
            }
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
            {
              g_clear_error (&error);
              udp_op_return_new_error (task, BT_ERROR_IO,
                                       "Could not reach the tracker %s: nothing answers "
                                       "on that port", op->tracker_url);
              return G_SOURCE_REMOVE;
            }
          udp_op_return_new_error (task, BT_ERROR_IO, "Could not reach the tracker %s: %s",
                                   op->tracker_url, error->message);
          g_clear_error (&error);
          return G_SOURCE_REMOVE;
        }

      /* The socket is connected, so the kernel already drops datagrams from
       * other addresses; check anyway, it costs nothing. */
      if (from == NULL || !G_IS_INET_SOCKET_ADDRESS (from)
          || !g_inet_address_equal (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from)),
                                    g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (op->address)))
          || g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (from)) != op->port)
        continue;

      if (udp_op_handle_packet (task, op->buffer, (gsize) received))
        return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
udp_op_begin (GTask *task)
{
  UdpOp *op = g_task_get_task_data (task);
  GInetAddress *inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (op->address));
  g_autoptr(GError) error = NULL;
  g_autofree char *address_text = g_inet_address_to_string (inet);

  op->cache_key = g_strdup_printf ("[%s]:%u", address_text, op->port);
  op->socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                             G_SOCKET_PROTOCOL_UDP, &error);
  /* Connecting a datagram socket only fixes its peer: the kernel then
   * filters other senders and reports "port unreachable" as an error, so
   * a tracker that is down fails at once instead of after every retry. */
  if (op->socket == NULL || !g_socket_connect (op->socket, op->address, NULL, &error))
    {
      udp_op_return_new_error (task, BT_ERROR_IO, "Could not reach the tracker %s: %s",
                               op->tracker_url, error->message);
      return;
    }
  g_socket_set_blocking (op->socket, FALSE);

  op->buffer = g_malloc (BT_UDP_TRACKER_MAX_PACKET);
  op->read_source = g_socket_create_source (op->socket, G_IO_IN, op->cancellable);
  g_source_set_name (op->read_source, "[bt-tracker-udp] read");
  g_source_set_callback (op->read_source, (GSourceFunc) (void (*) (void)) socket_readable_cb,
                         g_object_ref (task), g_object_unref);
  g_source_attach (op->read_source, g_task_get_context (task));

  op->connecting = !cache_lookup (op->cache_key, &op->connection_id, &op->connection_expires);
  op->cached_id = !op->connecting;
  op->transaction_id = g_random_int ();
  udp_op_send_next (task);
}

static void
resolve_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  UdpOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        udp_op_return_error (task, g_steal_pointer (&error));
      else
        udp_op_return_new_error (task, BT_ERROR_IO, "Could not find the tracker %s: %s",
                                 op->tracker_url, error->message);
      return;
    }

  op->address = g_inet_socket_address_new (addresses->data, op->port);
  g_resolver_free_addresses (addresses);
  udp_op_begin (task);
}

static void
udp_op_start (const char              *url,
              const BtAnnounceRequest *request,
              const guint8            *info_hash,
              GCancellable            *cancellable,
              gpointer                 source_tag,
              GAsyncReadyCallback      callback,
              gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *scheme = NULL;
  UdpOp *op;
  gint port = -1;

  op = g_new0 (UdpOp, 1);
  op->is_scrape = request == NULL;
  if (request != NULL)
    {
      op->request = *request;
      op->tracker_id = g_strdup (request->tracker_id);
      op->request.tracker_id = op->tracker_id;
    }
  else
    memcpy (op->info_hash, info_hash, sizeof op->info_hash);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, op->is_scrape ? "[bt-tracker-udp] scrape" : "[bt-tracker-udp] announce");
  g_task_set_task_data (task, op, udp_op_free);

  if (!g_uri_split_network (url, G_URI_FLAGS_NONE, &scheme, &op->host, &port, &error)
      || g_ascii_strcasecmp (scheme, "udp") != 0 || op->host == NULL || *op->host == '\0'
      || port <= 0 || port > G_MAXUINT16)
    {
      op->tracker_url = g_strdup (url);
      udp_op_return_new_error (task, BT_ERROR_TRACKER_UNSUPPORTED,
                               "The tracker address %s is not a valid udp://host:port URL",
                               url);
      return;
    }
  op->port = (guint16) port;
  op->tracker_url = strchr (op->host, ':') != NULL
    ? g_strdup_printf ("udp://[%s]:%u", op->host, op->port)
    : g_strdup_printf ("udp://%s:%u", op->host, op->port);

  if (g_hostname_is_ip_address (op->host))
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (op->host);

      if (inet != NULL)
        {
          op->address = g_inet_socket_address_new (inet, op->port);
          udp_op_begin (task);
          return;
        }
    }

  g_resolver_lookup_by_name_async (g_resolver_get_default (), op->host, cancellable,
                                   resolve_cb, g_steal_pointer (&task));
}

/**
 * bt_tracker_udp_announce_async:
 * @url: a udp://host:port announce URL
 * @request: what to announce; copied
 * @cancellable: (nullable): stops the request with %G_IO_ERROR_CANCELLED
 *
 * Announces per BEP 15: resolves the host, gets a connection id (or reuses
 * one cached for that tracker address), sends the announce, and
 * retransmits after 15 × 2ⁿ seconds (see bt_tracker_udp_set_base_timeout()),
 * giving up with %BT_ERROR_TRACKER_TIMEOUT after
 * %BT_UDP_TRACKER_MAX_RETRIES retransmissions. An IPv6 tracker's peers
 * are IPv6. @callback runs on the thread-default main context of the
 * calling thread.
 */
void
bt_tracker_udp_announce_async (const char              *url,
                               const BtAnnounceRequest *request,
                               GCancellable            *cancellable,
                               GAsyncReadyCallback      callback,
                               gpointer                 user_data)
{
  g_return_if_fail (url != NULL);
  g_return_if_fail (request != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  udp_op_start (url, request, NULL, cancellable, bt_tracker_udp_announce_async,
                callback, user_data);
}

/**
 * bt_tracker_udp_announce_finish:
 *
 * Returns: (transfer full): the answer (min_interval, tracker_id and warning
 *   are never set over UDP), or %NULL with @error set (see
 *   bt_tracker_announce_finish())
 */
BtAnnounceResponse *
bt_tracker_udp_announce_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_tracker_udp_announce_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bt_tracker_udp_scrape_async:
 * @url: a udp://host:port announce URL
 * @info_hash: the torrent to ask about (20 bytes)
 * @cancellable: (nullable): stops the request with %G_IO_ERROR_CANCELLED
 *
 * Scrapes one torrent (action 2) with the same connection handling and
 * retries as an announce.
 */
void
bt_tracker_udp_scrape_async (const char          *url,
                             const guint8        *info_hash,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (url != NULL);
  g_return_if_fail (info_hash != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  udp_op_start (url, NULL, info_hash, cancellable, bt_tracker_udp_scrape_async,
                callback, user_data);
}

/**
 * bt_tracker_udp_scrape_finish:
 * @out_result: (out): the counts, filled on success
 *
 * Returns: %TRUE on success, or %FALSE with @error set
 */
gboolean
bt_tracker_udp_scrape_finish (GAsyncResult    *result,
                              BtScrapeResult  *out_result,
                              GError         **error)
{
  g_autofree BtScrapeResult *scrape = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_tracker_udp_scrape_async,
                        FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  scrape = g_task_propagate_pointer (G_TASK (result), error);
  if (scrape == NULL)
    return FALSE;
  *out_result = *scrape;
  return TRUE;
}
