/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-peer"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-extension.h"
#include "bt-limits.h"
#include "bt-peer.h"

struct _BtPeer
{
  GObject                 parent_instance;

  GInetSocketAddress     *address;
  char                   *address_string;
  guint8                  info_hash[20];
  guint8                  our_peer_id[20];
  guint8                  peer_id[20];
  char                   *client_name;
  guint32                 n_pieces;
  guint32                 max_message_length;

  const BtPeerCallbacks  *callbacks;
  gpointer                user_data;

  GSocketClient          *client;
  GSocketConnection      *connection;
  GInputStream           *input;
  GOutputStream          *output;
  GCancellable           *cancellable;

  gsize                   read_offset;  /* where the read in flight writes in inbuf */
  GByteArray             *inbuf;
  GByteArray             *pending;
  GByteArray             *writing;

  BtBitfield             *have;
  GHashTable             *requests;  /* (piece << 32 | begin) → length */
  BtExtensionHandshake   *local_extensions; /* (nullable) what we announce */
  BtExtensionHandshake   *peer_extensions;  /* (nullable) until its handshake */

  gint64                  started_us;
  gint64                  last_received_us;
  gint64                  last_sent_us;
  gint64                  last_block_us;
  gint64                  last_tick_us;

  guint64                 downloaded;
  guint64                 uploaded;
  guint64                 window_down;
  guint64                 window_up;
  double                  download_rate;
  double                  upload_rate;
  guint                   pipeline_depth;
  guint                   hash_failures;

  guint                   incoming : 1;
  guint                   handshaked : 1;
  guint                   got_first_message : 1;
  guint                   supports_fast : 1;
  guint                   supports_extensions : 1;
  guint                   am_choking : 1;
  guint                   am_interested : 1;
  guint                   peer_choking : 1;
  guint                   peer_interested : 1;
  guint                   snubbed : 1;
  guint                   closed : 1;
};

G_DEFINE_FINAL_TYPE (BtPeer, bt_peer, G_TYPE_OBJECT)

static void bt_peer_read_more (BtPeer *self);
static void bt_peer_flush     (BtPeer *self);
static void send_handshake    (BtPeer *self);
static void send_extended_handshake (BtPeer *self);

/* Auxiliary functions */

static guint64
request_key (guint32 piece,
             guint32 begin)
{
  return ((guint64) piece << 32) | begin;
}

static void
fail (BtPeer     *self,
      BtError     code,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static void
fail (BtPeer     *self,
      BtError     code,
      const char *format,
      ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (BT_ERROR, code, format, args);
  va_end (args);
  bt_peer_close (self, error);
}

typedef struct
{
  BtPeer *peer;
  GError *error;
} ClosedNotice;

static gboolean
notify_closed_cb (gpointer data)
{
  ClosedNotice *notice = data;

  if (notice->peer->callbacks->closed != NULL)
    notice->peer->callbacks->closed (notice->peer, notice->error, notice->peer->user_data);
  g_clear_error (&notice->error);
  g_object_unref (notice->peer);
  g_free (notice);
  return G_SOURCE_REMOVE;
}

static void
queue_bytes (BtPeer       *self,
             GByteArray   *bytes)
{
  if (self->closed)
    return;
  g_byte_array_append (self->pending, bytes->data, bytes->len);
  bt_peer_flush (self);
}

/* Updates our view of the peer from one message before the owner sees it,
 * and refuses what the protocol forbids. Returns FALSE when the peer was
 * closed. */
static gboolean
apply_message (BtPeer          *self,
               const BtMessage *message)
{
  self->got_first_message = TRUE;

  /* Without metadata (a magnet being fetched) the piece count is unknown:
   * piece-related messages cannot be checked, and the owner ignores them. */
  if (self->n_pieces == 0)
    {
      switch (message->type)
        {
        case BT_MSG_HAVE:
        case BT_MSG_BITFIELD:
        case BT_MSG_HAVE_ALL:
        case BT_MSG_HAVE_NONE:
        case BT_MSG_REQUEST:
        case BT_MSG_CANCEL:
        case BT_MSG_REJECT:
        case BT_MSG_SUGGEST:
        case BT_MSG_ALLOWED_FAST:
        case BT_MSG_PIECE:
          return TRUE;
        default:
          break;
        }
    }

  switch (message->type)
    {
    case BT_MSG_CHOKE:
      self->peer_choking = TRUE;
      break;

    case BT_MSG_UNCHOKE:
      self->peer_choking = FALSE;
      break;

    case BT_MSG_INTERESTED:
      self->peer_interested = TRUE;
      break;

    case BT_MSG_NOT_INTERESTED:
      self->peer_interested = FALSE;
      break;

    case BT_MSG_HAVE:
      if (message->index >= self->n_pieces)
        {
          fail (self, BT_ERROR_WIRE_PROTOCOL, "%s announced piece %u, but the torrent has %u",
                self->address_string, message->index, self->n_pieces);
          return FALSE;
        }
      bt_bitfield_set (self->have, message->index);
      break;

    case BT_MSG_BITFIELD:
      {
        g_autoptr(GError) error = NULL;
        BtBitfield *have;

        /* BEP 3 puts the bitfield first, but aria2 sends have-none first and
         * a bitfield later; the newest one simply replaces what we knew. */
        have = bt_bitfield_new_from_bytes (message->payload, message->payload_length,
                                           self->n_pieces, &error);
        if (have == NULL)
          {
            fail (self, BT_ERROR_BITFIELD_INVALID, "%s: %s", self->address_string, error->message);
            return FALSE;
          }
        bt_bitfield_free (self->have);
        self->have = have;
      }
      break;

    case BT_MSG_HAVE_ALL:
    case BT_MSG_HAVE_NONE:
      if (!self->supports_fast)
        {
          fail (self, BT_ERROR_WIRE_PROTOCOL, "%s sent %s out of place", self->address_string,
                bt_wire_message_type_to_string (message->type));
          return FALSE;
        }
      if (message->type == BT_MSG_HAVE_ALL)
        bt_bitfield_set_all (self->have);
      else
        bt_bitfield_clear_all (self->have);
      break;

    case BT_MSG_PIECE:
      self->downloaded += message->payload_length;
      self->window_down += message->payload_length;
      self->last_block_us = g_get_monotonic_time ();
      self->snubbed = FALSE;
      break;

    case BT_MSG_REQUEST:
    case BT_MSG_CANCEL:
    case BT_MSG_REJECT:
    case BT_MSG_SUGGEST:
    case BT_MSG_ALLOWED_FAST:
      if (message->index >= self->n_pieces)
        {
          fail (self, BT_ERROR_WIRE_PROTOCOL, "%s named piece %u, but the torrent has %u",
                self->address_string, message->index, self->n_pieces);
          return FALSE;
        }
      break;

    case BT_MSG_EXTENDED:
      if (message->extended_id == BT_EXTENSION_HANDSHAKE)
        {
          g_autoptr(GError) error = NULL;

          if (!self->supports_extensions)
            {
              fail (self, BT_ERROR_WIRE_PROTOCOL,
                    "%s sent an extension handshake without announcing the extension protocol",
                    self->address_string);
              return FALSE;
            }
          if (self->peer_extensions == NULL)
            self->peer_extensions = bt_extension_handshake_new ();
          if (!bt_extension_handshake_parse (message->payload, message->payload_length,
                                             self->peer_extensions, &error))
            {
              fail (self, BT_ERROR_WIRE_PROTOCOL, "%s: %s", self->address_string, error->message);
              return FALSE;
            }
        }
      break;

    case BT_MSG_KEEPALIVE:
    case BT_MSG_PORT:
    case BT_MSG_UNKNOWN:
    default:
      break;
    }
  return TRUE;
}

static void
process_input (BtPeer *self)
{
  gsize offset = 0;

  g_object_ref (self);

  while (!self->closed)
    {
      const guint8 *data = self->inbuf->data + offset;
      gsize available = self->inbuf->len - offset;
      g_autoptr(GError) error = NULL;

      if (!self->handshaked)
        {
          BtHandshake handshake;
          gssize used = bt_wire_parse_handshake (data, available, &handshake, &error);

          if (used < 0)
            {
              fail (self, BT_ERROR_WIRE_PROTOCOL, "%s: %s", self->address_string, error->message);
              break;
            }
          if (used == 0)
            break;
          offset += used;

          if (memcmp (handshake.info_hash, self->info_hash, 20) != 0)
            {
              fail (self, BT_ERROR_WIRE_PROTOCOL, "%s answered for another torrent",
                    self->address_string);
              break;
            }
          if (self->incoming)
            send_handshake (self);
          memcpy (self->peer_id, handshake.peer_id, 20);
          self->client_name = bt_wire_peer_id_to_client_name (handshake.peer_id);
          self->supports_fast = bt_wire_reserved_test (handshake.reserved, BT_WIRE_RESERVED_FAST);
          self->handshaked = TRUE;
          self->supports_extensions = bt_wire_reserved_test (handshake.reserved,
                                                             BT_WIRE_RESERVED_EXTENSION);
          if (self->supports_extensions)
            send_extended_handshake (self);
          self->last_received_us = g_get_monotonic_time ();
          if (self->callbacks->handshake != NULL)
            self->callbacks->handshake (self, self->user_data);
          continue;
        }
      else
        {
          BtMessage message;
          gssize used = bt_wire_parse_message (data, available, self->max_message_length,
                                               &message, &error);

          if (used < 0)
            {
              fail (self, error->code, "%s: %s", self->address_string, error->message);
              break;
            }
          if (used == 0)
            break;

          self->last_received_us = g_get_monotonic_time ();
          if (apply_message (self, &message) && self->callbacks->message != NULL)
            self->callbacks->message (self, &message, self->user_data);
          offset += used;
        }
    }

  if (!self->closed && offset > 0)
    g_byte_array_remove_range (self->inbuf, 0, offset);

  g_object_unref (self);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(BtPeer) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (self->closed)
    return;
  if (n < 0)
    {
      fail (self, BT_ERROR_IO, "%s: %s", self->address_string, error->message);
      return;
    }
  if (n == 0)
    {
      fail (self, BT_ERROR_IO, "%s closed the connection", self->address_string);
      return;
    }

  g_byte_array_set_size (self->inbuf, self->read_offset + n);
  process_input (self);
  if (!self->closed)
    bt_peer_read_more (self);
}

static void
bt_peer_read_more (BtPeer *self)
{
  /* Read straight into the input buffer: no copy between the socket and
   * the parser. Nothing else touches inbuf while the read is in flight. */
  self->read_offset = self->inbuf->len;
  g_byte_array_set_size (self->inbuf, self->read_offset + BT_PEER_READ_CHUNK);
  g_input_stream_read_async (self->input, self->inbuf->data + self->read_offset, BT_PEER_READ_CHUNK,
                             G_PRIORITY_DEFAULT, self->cancellable, read_cb,
                             g_object_ref (self));
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BtPeer) self = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  g_clear_pointer (&self->writing, g_byte_array_unref);
  if (self->closed)
    return;
  if (error != NULL)
    {
      fail (self, BT_ERROR_IO, "%s: %s", self->address_string, error->message);
      return;
    }
  if (self->pending->len == 0 && self->callbacks->drained != NULL)
    self->callbacks->drained (self, self->user_data);
  bt_peer_flush (self);
}

static void
bt_peer_flush (BtPeer *self)
{
  if (self->closed || self->writing != NULL || self->output == NULL || self->pending->len == 0)
    return;

  self->writing = g_steal_pointer (&self->pending);
  self->pending = g_byte_array_new ();
  self->last_sent_us = g_get_monotonic_time ();
  g_output_stream_write_all_async (self->output, self->writing->data, self->writing->len,
                                   G_PRIORITY_DEFAULT, self->cancellable, write_cb,
                                   g_object_ref (self));
}

/* BEP 10's handshake: the extensions the owner asked us to announce
 * (bt_peer_set_extensions()), and what it tells about us even without
 * any: "reqq" bounds how many requests the peer keeps queued with us
 * (Transmission otherwise pipelines thousands), "v" names us, "yourip"
 * tells the peer how it reached us. */
static void
send_extended_handshake (BtPeer *self)
{
  BtExtensionHandshake ours = { { 0 } };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  GInetAddress *ip = g_inet_socket_address_get_address (self->address);

  if (self->local_extensions != NULL)
    {
      memcpy (ours.ids, self->local_extensions->ids, sizeof ours.ids);
      ours.port = self->local_extensions->port;
      ours.metadata_size = self->local_extensions->metadata_size;
    }
  ours.reqq = BT_PEER_ADVERTISED_REQQ;
  ours.client = g_strdup ("bTorrent " PACKAGE_VERSION);
  if (!g_inet_address_get_is_any (ip))
    ours.yourip = g_object_ref (ip);
  payload = bt_extension_handshake_build (&ours);
  bt_extension_handshake_clear (&ours);
  bt_wire_write_extended (out, BT_EXTENSION_HANDSHAKE, g_bytes_get_data (payload, NULL),
                          g_bytes_get_size (payload));
  queue_bytes (self, out);
}

static void
send_handshake (BtPeer *self)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  BtHandshake handshake = { { 0 } };

  bt_wire_reserved_set (handshake.reserved, BT_WIRE_RESERVED_FAST);
  bt_wire_reserved_set (handshake.reserved, BT_WIRE_RESERVED_EXTENSION);
  memcpy (handshake.info_hash, self->info_hash, 20);
  memcpy (handshake.peer_id, self->our_peer_id, 20);
  bt_wire_write_handshake (out, &handshake);
  queue_bytes (self, out);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(BtPeer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  GSocket *socket;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (self->closed)
    return;
  if (connection == NULL)
    {
      fail (self, BT_ERROR_IO, "Could not connect to %s: %s", self->address_string,
            error->message);
      return;
    }

  /* Requests are small and latency-bound: send them at once. The client's
   * time-out was for connecting: GIO would keep it on the socket and end
   * a quiet but healthy connection; bt_peer_tick() handles idleness. */
  socket = g_socket_connection_get_socket (connection);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_socket_set_timeout (socket, 0);

  self->connection = g_steal_pointer (&connection);
  self->input = g_io_stream_get_input_stream (G_IO_STREAM (self->connection));
  self->output = g_io_stream_get_output_stream (G_IO_STREAM (self->connection));

  send_handshake (self);
  bt_peer_read_more (self);
}

/* GObject overrides */

static void
bt_peer_finalize (GObject *object)
{
  BtPeer *self = (BtPeer *) object;

  g_clear_object (&self->address);
  g_clear_pointer (&self->address_string, g_free);
  g_clear_pointer (&self->client_name, g_free);
  g_clear_object (&self->client);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->inbuf, g_byte_array_unref);
  g_clear_pointer (&self->pending, g_byte_array_unref);
  g_clear_pointer (&self->writing, g_byte_array_unref);
  g_clear_pointer (&self->have, bt_bitfield_free);
  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_clear_pointer (&self->local_extensions, bt_extension_handshake_free);
  g_clear_pointer (&self->peer_extensions, bt_extension_handshake_free);

  G_OBJECT_CLASS (bt_peer_parent_class)->finalize (object);
}

static void
bt_peer_class_init (BtPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = bt_peer_finalize;
}

static void
bt_peer_init (BtPeer *self)
{
  self->cancellable = g_cancellable_new ();
  self->inbuf = g_byte_array_new ();
  self->pending = g_byte_array_new ();
  self->requests = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->am_choking = TRUE;
  self->peer_choking = TRUE;
  self->pipeline_depth = BT_PEER_INITIAL_PIPELINE;
}

/* Public API */

/**
 * bt_peer_new_outgoing:
 * @callbacks: (not nullable): must outlive the peer
 *
 * Returns: (transfer full): a peer that dials @address once
 *   bt_peer_start() is called
 */
BtPeer *
bt_peer_new_outgoing (GInetSocketAddress    *address,
                      const guint8           info_hash[20],
                      const guint8           our_peer_id[20],
                      guint32                n_pieces,
                      const BtPeerCallbacks *callbacks,
                      gpointer               user_data)
{
  BtPeer *self;
  g_autofree char *ip = NULL;

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), NULL);
  g_return_val_if_fail (callbacks != NULL, NULL);

  self = g_object_new (BT_TYPE_PEER, NULL);
  self->address = g_object_ref (address);
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));
  if (g_inet_socket_address_get_address (address) != NULL
      && g_inet_address_get_family (g_inet_socket_address_get_address (address)) == G_SOCKET_FAMILY_IPV6)
    self->address_string = g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (address));
  else
    self->address_string = g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (address));
  memcpy (self->info_hash, info_hash, 20);
  memcpy (self->our_peer_id, our_peer_id, 20);
  self->n_pieces = n_pieces;
  self->max_message_length = n_pieces > 0 ? bt_wire_max_message_length (n_pieces)
                                           : BT_METADATA_FETCH_MAX_MESSAGE;
  self->have = bt_bitfield_new (n_pieces);
  self->callbacks = callbacks;
  self->user_data = user_data;
  return self;
}

/**
 * bt_peer_new_incoming:
 * @connection: an accepted connection
 * @received: (nullable): bytes already read from it (the start of the
 *   peer's handshake, read to find the torrent)
 *
 * Returns: (transfer full): a peer that answers the handshake once
 *   bt_peer_start() is called
 */
BtPeer *
bt_peer_new_incoming (GSocketConnection     *connection,
                      GBytes                *received,
                      const guint8           info_hash[20],
                      const guint8           our_peer_id[20],
                      guint32                n_pieces,
                      const BtPeerCallbacks *callbacks,
                      gpointer               user_data)
{
  g_autoptr(GSocketAddress) remote = NULL;
  BtPeer *self;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);

  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    {
      g_clear_object (&remote);
      remote = g_inet_socket_address_new_from_string ("0.0.0.0", 0);
    }
  self = bt_peer_new_outgoing (G_INET_SOCKET_ADDRESS (remote), info_hash, our_peer_id, n_pieces,
                               callbacks, user_data);
  self->incoming = TRUE;
  self->connection = g_object_ref (connection);
  self->input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  self->output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  if (received != NULL)
    g_byte_array_append (self->inbuf, g_bytes_get_data (received, NULL),
                         g_bytes_get_size (received));
  return self;
}

gboolean
bt_peer_is_incoming (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  return self->incoming;
}

/**
 * bt_peer_start:
 *
 * Dials the peer and sends our handshake; the outcome arrives through the
 * callbacks on the thread-default main context.
 */
void
bt_peer_start (BtPeer *self)
{
  g_return_if_fail (BT_IS_PEER (self));
  g_return_if_fail (self->client == NULL && self->started_us == 0);

  self->started_us = g_get_monotonic_time ();
  self->last_received_us = self->started_us;
  self->last_tick_us = self->started_us;

  if (self->incoming)
    {
      GSocket *socket = g_socket_connection_get_socket (self->connection);

      g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      /* Their handshake came first; ours answers it once it is checked,
       * in process_input(). */
      process_input (self);
      if (!self->closed)
        bt_peer_read_more (self);
      return;
    }

  self->client = g_socket_client_new ();
  g_socket_client_set_timeout (self->client, BT_PEER_CONNECT_TIMEOUT_S);
  g_socket_client_connect_async (self->client, G_SOCKET_CONNECTABLE (self->address),
                                 self->cancellable, connect_cb, g_object_ref (self));
}

/**
 * bt_peer_close:
 * @reason: (nullable): why, for the log and the owner
 *
 * Ends the connection. The closed callback follows from the main loop,
 * once; calling this again does nothing.
 */
void
bt_peer_close (BtPeer       *self,
               const GError *reason)
{
  ClosedNotice *notice;

  g_return_if_fail (BT_IS_PEER (self));

  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  if (self->connection != NULL)
    g_io_stream_close_async (G_IO_STREAM (self->connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  if (reason != NULL)
    g_debug ("Closing %s: %s", self->address_string, reason->message);

  notice = g_new0 (ClosedNotice, 1);
  notice->peer = g_object_ref (self);
  notice->error = reason != NULL ? g_error_copy (reason) : NULL;
  g_idle_add (notify_closed_cb, notice);
}

/**
 * bt_peer_detach:
 *
 * The owner is going away: no callback is called from now on. Used with
 * bt_peer_close(), whose closed notification would otherwise arrive after
 * the owner is gone.
 */
void
bt_peer_detach (BtPeer *self)
{
  static const BtPeerCallbacks none = { 0 };

  g_return_if_fail (BT_IS_PEER (self));
  self->callbacks = &none;
  self->user_data = NULL;
}

gboolean
bt_peer_is_closed (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), TRUE);
  return self->closed;
}

/**
 * bt_peer_get_address:
 *
 * Returns: (transfer none): where the peer is
 */
GInetSocketAddress *
bt_peer_get_address (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), NULL);
  return self->address;
}

const char *
bt_peer_get_address_string (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), NULL);
  return self->address_string;
}

const guint8 *
bt_peer_get_peer_id (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), NULL);
  return self->peer_id;
}

/**
 * bt_peer_get_client_name:
 *
 * Returns: (nullable): the peer's software as its peer id tells, once the
 *   handshake arrived
 */
const char *
bt_peer_get_client_name (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), NULL);
  return self->client_name;
}

gboolean
bt_peer_is_handshaked (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  return self->handshaked;
}

gboolean
bt_peer_supports_fast (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  return self->supports_fast;
}

/**
 * bt_peer_get_have:
 *
 * Returns: (transfer none): the pieces the peer says it has
 */
const BtBitfield *
bt_peer_get_have (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), NULL);
  return self->have;
}

gboolean
bt_peer_get_am_choking (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), TRUE);
  return self->am_choking;
}

gboolean
bt_peer_get_am_interested (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  return self->am_interested;
}

gboolean
bt_peer_get_peer_choking (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), TRUE);
  return self->peer_choking;
}

gboolean
bt_peer_get_peer_interested (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  return self->peer_interested;
}

/**
 * bt_peer_send_bitfield:
 *
 * Sends what we have as the first message: a bitfield, or with the fast
 * extension have-all/have-none, which BEP 6 asks for instead of an empty
 * or full bitfield.
 */
void
bt_peer_send_bitfield (BtPeer           *self,
                       const BtBitfield *have)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_return_if_fail (BT_IS_PEER (self));

  if (self->supports_fast && bt_bitfield_is_empty (have))
    bt_wire_write_have_none (out);
  else if (self->supports_fast && bt_bitfield_is_complete (have))
    bt_wire_write_have_all (out);
  else if (!bt_bitfield_is_empty (have))
    bt_wire_write_bitfield (out, have);
  queue_bytes (self, out);
}

void
bt_peer_send_have (BtPeer  *self,
                   guint32  piece)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_return_if_fail (BT_IS_PEER (self));

  bt_wire_write_have (out, piece);
  queue_bytes (self, out);
}

void
bt_peer_set_interested (BtPeer   *self,
                        gboolean  interested)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_return_if_fail (BT_IS_PEER (self));

  if (!!interested == self->am_interested)
    return;
  self->am_interested = !!interested;
  if (interested)
    bt_wire_write_interested (out);
  else
    bt_wire_write_not_interested (out);
  queue_bytes (self, out);
}

void
bt_peer_set_choking (BtPeer   *self,
                     gboolean  choking)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_return_if_fail (BT_IS_PEER (self));

  if (!!choking == self->am_choking)
    return;
  self->am_choking = !!choking;
  if (choking)
    bt_wire_write_choke (out);
  else
    bt_wire_write_unchoke (out);
  queue_bytes (self, out);
}

void
bt_peer_send_request (BtPeer  *self,
                      guint32  piece,
                      guint32  begin,
                      guint32  length)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint64 *key;

  g_return_if_fail (BT_IS_PEER (self));

  key = g_new (guint64, 1);
  *key = request_key (piece, begin);
  if (g_hash_table_size (self->requests) == 0)
    self->last_block_us = g_get_monotonic_time ();
  g_hash_table_insert (self->requests, key, GUINT_TO_POINTER (length));
  bt_wire_write_request (out, piece, begin, length);
  queue_bytes (self, out);
}

/**
 * bt_peer_send_piece:
 *
 * Sends one block we serve, and counts it as uploaded.
 */
void
bt_peer_send_piece (BtPeer       *self,
                    guint32       piece,
                    guint32       begin,
                    const guint8 *data,
                    guint32       length)
{
  g_return_if_fail (BT_IS_PEER (self));

  if (self->closed)
    return;
  bt_wire_write_piece (self->pending, piece, begin, data, length);
  self->uploaded += length;
  self->window_up += length;
  bt_peer_flush (self);
}

void
bt_peer_send_reject (BtPeer  *self,
                     guint32  piece,
                     guint32  begin,
                     guint32  length)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_return_if_fail (BT_IS_PEER (self));

  if (!self->supports_fast)
    return;
  bt_wire_write_reject (out, piece, begin, length);
  queue_bytes (self, out);
}

/**
 * bt_peer_get_send_queue_size:
 *
 * Returns: bytes waiting to be written to the socket; the owner stops
 *   feeding a peer whose queue is long
 */
gsize
bt_peer_get_send_queue_size (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return self->pending->len + (self->writing != NULL ? self->writing->len : 0);
}

void
bt_peer_send_cancel (BtPeer  *self,
                     guint32  piece,
                     guint32  begin,
                     guint32  length)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint64 key = request_key (piece, begin);

  g_return_if_fail (BT_IS_PEER (self));

  if (!g_hash_table_remove (self->requests, &key))
    return;
  bt_wire_write_cancel (out, piece, begin, length);
  queue_bytes (self, out);
}

guint
bt_peer_get_n_requests (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return g_hash_table_size (self->requests);
}

/**
 * bt_peer_take_request:
 *
 * Returns: whether we had asked this peer for exactly this block; the
 *   request is settled either way
 */
gboolean
bt_peer_take_request (BtPeer  *self,
                      guint32  piece,
                      guint32  begin,
                      guint32  length)
{
  guint64 key = request_key (piece, begin);
  gpointer value;

  g_return_val_if_fail (BT_IS_PEER (self), FALSE);

  if (!g_hash_table_lookup_extended (self->requests, &key, NULL, &value))
    return FALSE;
  g_hash_table_remove (self->requests, &key);
  return GPOINTER_TO_UINT (value) == length;
}

/**
 * bt_peer_forget_requests:
 *
 * Drops our record of outstanding requests: after a choke without the fast
 * extension the peer has dropped them too.
 */
void
bt_peer_forget_requests (BtPeer *self)
{
  g_return_if_fail (BT_IS_PEER (self));
  g_hash_table_remove_all (self->requests);
}

/**
 * bt_peer_get_pipeline_depth:
 *
 * Returns: how many block requests to keep outstanding with this peer:
 *   enough to cover its measured rate for BT_PEER_REQUEST_QUEUE_TIME_MS
 */
guint
bt_peer_get_pipeline_depth (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return self->snubbed ? 1 : self->pipeline_depth;
}

/**
 * bt_peer_tick:
 *
 * Called about once a second by the owner: updates rates and the request
 * pipeline, sends keep-alives, and closes the connection on time-outs.
 */
void
bt_peer_tick (BtPeer *self,
              gint64  now_us)
{
  double seconds;

  g_return_if_fail (BT_IS_PEER (self));

  if (self->closed)
    return;

  seconds = (now_us - self->last_tick_us) / (double) G_USEC_PER_SEC;
  if (seconds > 0.2)
    {
      /* A short moving average: reacts within a few seconds, which is what
       * the pipeline depth and the choker need. */
      self->download_rate = 0.5 * self->download_rate + 0.5 * (self->window_down / seconds);
      self->upload_rate = 0.5 * self->upload_rate + 0.5 * (self->window_up / seconds);
      self->window_down = 0;
      self->window_up = 0;
      self->last_tick_us = now_us;
      self->pipeline_depth = CLAMP ((guint) (self->download_rate * BT_PEER_REQUEST_QUEUE_TIME_MS
                                             / 1000 / BT_BLOCK_SIZE),
                                    BT_PEER_MIN_PIPELINE, BT_PEER_MAX_PIPELINE);
      if (self->download_rate < 1 && self->downloaded == 0)
        self->pipeline_depth = BT_PEER_INITIAL_PIPELINE;
    }

  if (!self->handshaked)
    {
      if (now_us - self->started_us > BT_PEER_HANDSHAKE_TIMEOUT_S * G_USEC_PER_SEC)
        fail (self, BT_ERROR_IO,
              "%s did not complete the handshake in time", self->address_string);
      return;
    }

  if (now_us - self->last_received_us > BT_PEER_IDLE_TIMEOUT_S * G_USEC_PER_SEC)
    {
      fail (self, BT_ERROR_IO, "%s has been silent for too long", self->address_string);
      return;
    }

  if (g_hash_table_size (self->requests) > 0 && !self->peer_choking
      && now_us - self->last_block_us > BT_PEER_SNUB_TIMEOUT_S * G_USEC_PER_SEC)
    self->snubbed = TRUE;

  if (now_us - self->last_sent_us > BT_PEER_KEEPALIVE_INTERVAL_S * G_USEC_PER_SEC)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();

      bt_wire_write_keepalive (out);
      queue_bytes (self, out);
    }
}

guint64
bt_peer_get_downloaded (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return self->downloaded;
}

guint64
bt_peer_get_uploaded (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return self->uploaded;
}

double
bt_peer_get_download_rate (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return self->download_rate;
}

double
bt_peer_get_upload_rate (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return self->upload_rate;
}

/**
 * bt_peer_is_snubbed:
 *
 * Returns: whether the peer has sat on our requests for longer than
 *   BT_PEER_SNUB_TIMEOUT_S while unchoking us
 */
gboolean
bt_peer_is_snubbed (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  return self->snubbed;
}

guint
bt_peer_get_hash_failures (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), 0);
  return self->hash_failures;
}

void
bt_peer_add_hash_failure (BtPeer *self)
{
  g_return_if_fail (BT_IS_PEER (self));
  self->hash_failures++;
}

/**
 * bt_peer_set_extensions:
 * @ours: the extensions to announce: @ours->ids (the BtExtension value as
 *   the id, see bt-extension.h), @ours->port and @ours->metadata_size; the
 *   peer fills in "v", "reqq" and "yourip" itself
 *
 * Chooses what our extended handshake announces. Call before
 * bt_peer_start(); without it the handshake announces no extension.
 */
void
bt_peer_set_extensions (BtPeer                     *self,
                        const BtExtensionHandshake *ours)
{
  g_return_if_fail (BT_IS_PEER (self));
  g_return_if_fail (ours != NULL);

  g_clear_pointer (&self->local_extensions, bt_extension_handshake_free);
  self->local_extensions = bt_extension_handshake_copy (ours);
}

/**
 * bt_peer_get_extensions:
 *
 * Returns: (nullable) (transfer none): the peer's extended handshake, the
 *   latest one merged over the earlier ones; %NULL until one arrived
 */
const BtExtensionHandshake *
bt_peer_get_extensions (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), NULL);
  return self->peer_extensions;
}

/**
 * bt_peer_supports_extension:
 *
 * Returns: whether both we announced @extension and the peer did
 */
gboolean
bt_peer_supports_extension (BtPeer      *self,
                            BtExtension  extension)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  g_return_val_if_fail (extension > BT_EXTENSION_HANDSHAKE && extension < BT_EXTENSION_N, FALSE);

  return self->peer_extensions != NULL && self->peer_extensions->ids[extension] != 0
         && self->local_extensions != NULL && self->local_extensions->ids[extension] != 0;
}

/**
 * bt_peer_send_extended:
 * @payload: (array length=length): the message after the extension id
 *
 * Sends an extension message with the id the peer chose for @extension.
 *
 * Returns: whether it was sent; %FALSE when the peer does not speak
 *   @extension (see bt_peer_supports_extension()) or is closed
 */
gboolean
bt_peer_send_extended (BtPeer       *self,
                       BtExtension   extension,
                       const guint8 *payload,
                       gsize         length)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  g_return_val_if_fail (payload != NULL || length == 0, FALSE);

  if (self->closed || !bt_peer_supports_extension (self, extension))
    return FALSE;
  bt_wire_write_extended (out, self->peer_extensions->ids[extension], payload, length);
  queue_bytes (self, out);
  return TRUE;
}

/**
 * bt_peer_supports_extensions:
 *
 * Returns: whether the peer's handshake announced the extension protocol
 *   (BEP 10), so that its extended handshake is worth waiting for
 */
gboolean
bt_peer_supports_extensions (BtPeer *self)
{
  g_return_val_if_fail (BT_IS_PEER (self), FALSE);
  return self->supports_extensions;
}
