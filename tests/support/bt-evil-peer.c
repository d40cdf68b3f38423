/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-bitfield.h"
#include "bt-evil-peer.h"
#include "bt-wire.h"

/* Flood and trickle sizes: past every bound the engine sets
 * (BT_TORRENT_MAX_PEER_REQUESTS is 16384 queued requests). */
#define FLOOD_REQUESTS 40000
#define OVERSIZED_LENGTH (1024u * 1024 * 1024)
#define TRICKLE_INTERVAL_MS 50

typedef struct
{
  BtEvilPeer        *peer;
  GSocketConnection *connection;
  GCancellable      *cancellable;
  guint8             chunk[65536];
  GByteArray        *inbuf;
  GByteArray        *pending;
  GByteArray        *writing;
  gboolean           handshaked;
  gboolean           closed;
  guint              trickle_id;
  guint32            next_piece;
} Conn;

struct _BtEvilPeer
{
  BtMetainfo         *meta;
  GBytes             *payload;
  BtEvilBehaviour     behaviour;
  GSocketService     *service;
  GInetSocketAddress *address;
  guint8              peer_id[20];
  GPtrArray          *conns;
  guint               connections;
  guint               open;
  guint               max_open;
  guint               remote_closes;
  guint               requests;
  guint               blocks_sent;
  guint               ops_in_flight; /* callbacks still to come */
};

static void conn_read (Conn *conn);
static void conn_flush (Conn *conn);

static void
conn_close (Conn *conn)
{
  if (conn->closed)
    return;
  conn->closed = TRUE;
  conn->peer->open--;
  g_clear_handle_id (&conn->trickle_id, g_source_remove);
  g_cancellable_cancel (conn->cancellable);
  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
}

/* The other side hung up: the event the tests wait for. */
static void
conn_closed_by_remote (Conn *conn)
{
  if (conn->closed)
    return;
  conn->peer->remote_closes++;
  conn_close (conn);
}

static void
conn_free (Conn *conn)
{
  conn_close (conn);
  g_clear_object (&conn->connection);
  g_clear_object (&conn->cancellable);
  g_clear_pointer (&conn->inbuf, g_byte_array_unref);
  g_clear_pointer (&conn->pending, g_byte_array_unref);
  g_clear_pointer (&conn->writing, g_byte_array_unref);
  g_free (conn);
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Conn *conn = user_data;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);

  conn->peer->ops_in_flight--;
  g_clear_pointer (&conn->writing, g_byte_array_unref);
  if (!ok)
    conn_closed_by_remote (conn);
  else
    conn_flush (conn);
}

static void
conn_flush (Conn *conn)
{
  GOutputStream *out;

  if (conn->closed || conn->writing != NULL || conn->pending->len == 0)
    return;
  conn->writing = conn->pending;
  conn->pending = g_byte_array_new ();
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));
  conn->peer->ops_in_flight++;
  g_output_stream_write_all_async (out, conn->writing->data, conn->writing->len,
                                   G_PRIORITY_DEFAULT, conn->cancellable, write_cb, conn);
}

static guint32
n_pieces (BtEvilPeer *self)
{
  return bt_metainfo_get_n_pieces (self->meta);
}

static void
write_full_bitfield (Conn *conn)
{
  g_autoptr(BtBitfield) all = bt_bitfield_new (n_pieces (conn->peer));

  bt_bitfield_set_all (all);
  bt_wire_write_bitfield (conn->pending, all);
}

static void
write_empty_bitfield (Conn *conn)
{
  g_autoptr(BtBitfield) none = bt_bitfield_new (n_pieces (conn->peer));

  bt_wire_write_bitfield (conn->pending, none);
}

/* One block of garbage for a piece nobody asked for, while the socket
 * keeps draining: an unrequested stream must not grow our buffers. */
static gboolean
trickle_cb (gpointer user_data)
{
  Conn *conn = user_data;
  BtEvilPeer *self = conn->peer;

  if (conn->closed)
    {
      conn->trickle_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (conn->writing != NULL || conn->pending->len > 0)
    return G_SOURCE_CONTINUE;

  if (self->behaviour == BT_EVIL_OVERSIZED_MESSAGE)
    {
      guint8 junk[1024];

      memset (junk, 'x', sizeof junk);
      g_byte_array_append (conn->pending, junk, sizeof junk);
    }
  else
    {
      guint32 piece = conn->next_piece++ % n_pieces (self);
      guint32 length = MIN (BT_BLOCK_SIZE, bt_metainfo_get_piece_size (self->meta, piece));
      g_autofree guint8 *junk = g_malloc (length);

      memset (junk, 0xa5, length);
      bt_wire_write_piece (conn->pending, piece, 0, junk, length);
      self->blocks_sent++;
    }
  conn_flush (conn);
  return G_SOURCE_CONTINUE;
}

static void
start_trickle (Conn *conn)
{
  conn->trickle_id = g_timeout_add (TRICKLE_INTERVAL_MS, trickle_cb, conn);
}

/* What the behaviour sends right after its handshake. */
static void
misbehave (Conn *conn)
{
  BtEvilPeer *self = conn->peer;

  switch (self->behaviour)
    {
    case BT_EVIL_WRONG_DATA:
    case BT_EVIL_STALL:
      write_full_bitfield (conn);
      bt_wire_write_unchoke (conn->pending);
      break;

    case BT_EVIL_OVERSIZED_MESSAGE:
      write_full_bitfield (conn);
      {
        guint8 prefix[5] = { OVERSIZED_LENGTH >> 24, (OVERSIZED_LENGTH >> 16) & 0xff,
                             (OVERSIZED_LENGTH >> 8) & 0xff, OVERSIZED_LENGTH & 0xff,
                             BT_MSG_PIECE };

        g_byte_array_append (conn->pending, prefix, sizeof prefix);
      }
      start_trickle (conn);
      break;

    case BT_EVIL_BAD_BITFIELD:
      {
        gsize n_bytes = ((gsize) n_pieces (self) + 7) / 8 + 1;
        g_autofree guint8 *bits = g_malloc0 (n_bytes);
        guint32 length = (guint32) n_bytes + 1;
        guint8 header[5] = { length >> 24, (length >> 16) & 0xff, (length >> 8) & 0xff,
                             length & 0xff, BT_MSG_BITFIELD };

        g_byte_array_append (conn->pending, header, sizeof header);
        g_byte_array_append (conn->pending, bits, (guint) n_bytes);
      }
      break;

    case BT_EVIL_HAVE_OUT_OF_RANGE:
      write_empty_bitfield (conn);
      bt_wire_write_have (conn->pending, n_pieces (self));
      break;

    case BT_EVIL_UNREQUESTED_PIECES:
      /* Never unchokes: no request can be on its way, so every block it
       * sends is one nobody asked for. */
      write_full_bitfield (conn);
      start_trickle (conn);
      break;

    case BT_EVIL_REQUEST_FLOOD:
      write_empty_bitfield (conn);
      bt_wire_write_interested (conn->pending);
      for (guint i = 0; i < FLOOD_REQUESTS; i++)
        bt_wire_write_request (conn->pending, i % n_pieces (self), 0,
                               MIN (BT_BLOCK_SIZE, bt_metainfo_get_piece_size (self->meta, 0)));
      break;

    case BT_EVIL_IDLE:
      write_empty_bitfield (conn);
      break;

    case BT_EVIL_WRONG_INFO_HASH:
    case BT_EVIL_SILENT:
    default:
      break;
    }
}

static void
answer_request (Conn            *conn,
                const BtMessage *message)
{
  BtEvilPeer *self = conn->peer;
  const guint8 *payload;
  g_autofree guint8 *bad = NULL;
  guint64 offset;

  self->requests++;
  if (self->behaviour != BT_EVIL_WRONG_DATA || self->payload == NULL)
    return;
  if (message->index >= n_pieces (self) || message->length == 0 || message->length > BT_BLOCK_SIZE
      || (guint64) message->begin + message->length
         > bt_metainfo_get_piece_size (self->meta, message->index))
    return;

  payload = g_bytes_get_data (self->payload, NULL);
  offset = (guint64) message->index * bt_metainfo_get_piece_length (self->meta) + message->begin;
  bad = g_memdup2 (payload + offset, message->length);
  for (guint32 i = 0; i < message->length; i++)
    bad[i] ^= 0xff;
  bt_wire_write_piece (conn->pending, message->index, message->begin, bad, message->length);
  self->blocks_sent++;
}

static void
process (Conn *conn)
{
  BtEvilPeer *self = conn->peer;
  gsize offset = 0;

  while (!conn->closed)
    {
      const guint8 *data = conn->inbuf->data + offset;
      gsize len = conn->inbuf->len - offset;

      if (!conn->handshaked)
        {
          BtHandshake hs;
          gssize used = bt_wire_parse_handshake (data, len, &hs, NULL);

          if (used <= 0)
            break;
          offset += used;
          conn->handshaked = TRUE;
          if (self->behaviour == BT_EVIL_SILENT)
            continue;

          memset (hs.reserved, 0, sizeof hs.reserved);
          memcpy (hs.peer_id, self->peer_id, 20);
          if (self->behaviour == BT_EVIL_WRONG_INFO_HASH)
            for (guint i = 0; i < 20; i++)
              hs.info_hash[i] ^= 0x5a;
          bt_wire_write_handshake (conn->pending, &hs);
          misbehave (conn);
        }
      else
        {
          BtMessage message;
          gssize used = bt_wire_parse_message (data, len, G_MAXUINT32 - 8, &message, NULL);

          if (used <= 0)
            break;
          offset += used;
          if (message.type == BT_MSG_REQUEST)
            answer_request (conn, &message);
        }
    }

  if (!conn->closed && offset > 0)
    g_byte_array_remove_range (conn->inbuf, 0, offset);
  conn_flush (conn);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Conn *conn = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  conn->peer->ops_in_flight--;
  if (conn->closed)
    return;
  if (n <= 0)
    {
      conn_closed_by_remote (conn);
      return;
    }
  g_byte_array_append (conn->inbuf, conn->chunk, n);
  process (conn);
  if (!conn->closed)
    conn_read (conn);
}

static void
conn_read (Conn *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn->connection));

  conn->peer->ops_in_flight++;
  g_input_stream_read_async (in, conn->chunk, sizeof conn->chunk, G_PRIORITY_DEFAULT,
                             conn->cancellable, read_cb, conn);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  BtEvilPeer *self = user_data;
  Conn *conn = g_new0 (Conn, 1);

  conn->peer = self;
  conn->connection = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  conn->inbuf = g_byte_array_new ();
  conn->pending = g_byte_array_new ();
  g_ptr_array_add (self->conns, conn);
  self->connections++;
  self->open++;
  self->max_open = MAX (self->max_open, self->open);
  conn_read (conn);
  return TRUE;
}

BtEvilPeer *
bt_evil_peer_new (BtMetainfo      *meta,
                  GBytes          *payload,
                  BtEvilBehaviour  behaviour)
{
  BtEvilPeer *self = g_new0 (BtEvilPeer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (payload == NULL
                 || g_bytes_get_size (payload) == bt_metainfo_get_total_size (meta));
  g_assert_true (behaviour != BT_EVIL_WRONG_DATA || payload != NULL);

  self->meta = g_object_ref (meta);
  self->payload = payload != NULL ? g_bytes_ref (payload) : NULL;
  self->behaviour = behaviour;
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  memcpy (self->peer_id, "-EV0001-", 8);
  for (guint i = 8; i < 20; i++)
    self->peer_id[i] = 'a' + g_random_int_range (0, 26);

  self->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), any, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  self->address = G_INET_SOCKET_ADDRESS (g_steal_pointer (&effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return self;
}

void
bt_evil_peer_free (BtEvilPeer *self)
{
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  /* Cancelled reads and writes still call back: let them, before their
   * connections go away. */
  for (guint i = 0; i < self->conns->len; i++)
    conn_close (g_ptr_array_index (self->conns, i));
  while (self->ops_in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_object (&self->address);
  g_clear_pointer (&self->payload, g_bytes_unref);
  g_clear_object (&self->meta);
  g_free (self);
}

GInetSocketAddress *
bt_evil_peer_get_address (BtEvilPeer *self)
{
  return self->address;
}

guint
bt_evil_peer_get_connections (BtEvilPeer *self)
{
  return self->connections;
}

guint
bt_evil_peer_get_open (BtEvilPeer *self)
{
  return self->open;
}

guint
bt_evil_peer_get_max_open (BtEvilPeer *self)
{
  return self->max_open;
}

guint
bt_evil_peer_get_remote_closes (BtEvilPeer *self)
{
  return self->remote_closes;
}

guint
bt_evil_peer_get_requests (BtEvilPeer *self)
{
  return self->requests;
}

guint
bt_evil_peer_get_blocks_sent (BtEvilPeer *self)
{
  return self->blocks_sent;
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
bt_evil_peer_wait_remote_closes (BtEvilPeer *self,
                                 guint       count,
                                 guint       timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, deadline_cb, &timed_out);

  while (self->remote_closes < count && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return self->remote_closes >= count;
}
