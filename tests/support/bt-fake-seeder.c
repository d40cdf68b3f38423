/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-bitfield.h"
#include "bt-fake-seeder.h"
#include "bt-wire.h"

typedef struct
{
  BtFakeSeeder      *seeder;
  GSocketConnection *connection;
  GCancellable      *cancellable;
  guint8             chunk[65536];
  GByteArray        *inbuf;
  GByteArray        *pending;
  GByteArray        *writing;
  gboolean           handshaked;
  gboolean           closed;
} Conn;

struct _BtFakeSeeder
{
  BtMetainfo         *meta;
  GBytes             *payload;
  GSocketService     *service;
  GInetSocketAddress *address;
  guint8              peer_id[20];
  GHashTable         *corrupt;
  GPtrArray          *conns;
  gboolean            stall;
  guint               connections;
  guint64             bytes_served;
  guint               ops_in_flight; /* callbacks still to come */
};

static void conn_read (Conn *conn);

static void
conn_close (Conn *conn)
{
  if (conn->closed)
    return;
  conn->closed = TRUE;
  g_cancellable_cancel (conn->cancellable);
  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
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

static void conn_flush (Conn *conn);

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Conn *conn = user_data;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);

  conn->seeder->ops_in_flight--;
  g_clear_pointer (&conn->writing, g_byte_array_unref);
  if (!ok)
    conn_close (conn);
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
  conn->seeder->ops_in_flight++;
  g_output_stream_write_all_async (out, conn->writing->data, conn->writing->len,
                                   G_PRIORITY_DEFAULT, conn->cancellable, write_cb, conn);
}

static void
serve_request (Conn            *conn,
               const BtMessage *message)
{
  BtFakeSeeder *self = conn->seeder;
  guint32 n_pieces = bt_metainfo_get_n_pieces (self->meta);
  guint64 offset;
  const guint8 *payload = g_bytes_get_data (self->payload, NULL);

  if (self->stall)
    return;
  if (message->index >= n_pieces || message->length == 0 || message->length > BT_BLOCK_SIZE
      || (guint64) message->begin + message->length
         > bt_metainfo_get_piece_size (self->meta, message->index))
    {
      conn_close (conn);
      return;
    }

  offset = (guint64) message->index * bt_metainfo_get_piece_length (self->meta) + message->begin;
  if (g_hash_table_contains (self->corrupt, GUINT_TO_POINTER (message->index)))
    {
      g_autofree guint8 *bad = g_memdup2 (payload + offset, message->length);

      for (guint32 i = 0; i < message->length; i++)
        bad[i] ^= 0xff;
      bt_wire_write_piece (conn->pending, message->index, message->begin, bad, message->length);
    }
  else
    bt_wire_write_piece (conn->pending, message->index, message->begin, payload + offset,
                         message->length);
  self->bytes_served += message->length;
}

static void
process (Conn *conn)
{
  BtFakeSeeder *self = conn->seeder;
  gsize offset = 0;

  while (!conn->closed)
    {
      const guint8 *data = conn->inbuf->data + offset;
      gsize len = conn->inbuf->len - offset;

      if (!conn->handshaked)
        {
          BtHandshake hs;
          gssize used = bt_wire_parse_handshake (data, len, &hs, NULL);

          if (used == 0)
            break;
          if (used < 0 || memcmp (hs.info_hash, bt_metainfo_get_info_hash (self->meta), 20) != 0)
            {
              conn_close (conn);
              break;
            }
          offset += used;
          conn->handshaked = TRUE;

          memset (hs.reserved, 0, sizeof hs.reserved);
          memcpy (hs.peer_id, self->peer_id, 20);
          bt_wire_write_handshake (conn->pending, &hs);
          {
            g_autoptr(BtBitfield) all = bt_bitfield_new (bt_metainfo_get_n_pieces (self->meta));

            bt_bitfield_set_all (all);
            bt_wire_write_bitfield (conn->pending, all);
          }
          bt_wire_write_unchoke (conn->pending);
        }
      else
        {
          BtMessage message;
          gssize used = bt_wire_parse_message (data, len,
                                               bt_wire_max_message_length (bt_metainfo_get_n_pieces (self->meta)),
                                               &message, NULL);

          if (used == 0)
            break;
          if (used < 0)
            {
              conn_close (conn);
              break;
            }
          offset += used;
          if (message.type == BT_MSG_REQUEST)
            serve_request (conn, &message);
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

  conn->seeder->ops_in_flight--;
  if (conn->closed)
    return;
  if (n <= 0)
    {
      conn_close (conn);
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

  conn->seeder->ops_in_flight++;
  g_input_stream_read_async (in, conn->chunk, sizeof conn->chunk, G_PRIORITY_DEFAULT,
                             conn->cancellable, read_cb, conn);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  BtFakeSeeder *self = user_data;
  Conn *conn = g_new0 (Conn, 1);

  conn->seeder = self;
  conn->connection = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  conn->inbuf = g_byte_array_new ();
  conn->pending = g_byte_array_new ();
  g_ptr_array_add (self->conns, conn);
  self->connections++;
  conn_read (conn);
  return TRUE;
}

BtFakeSeeder *
bt_fake_seeder_new (BtMetainfo *meta,
                    GBytes     *payload)
{
  BtFakeSeeder *self = g_new0 (BtFakeSeeder, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_bytes_get_size (payload), ==, bt_metainfo_get_total_size (meta));

  self->meta = g_object_ref (meta);
  self->payload = g_bytes_ref (payload);
  self->corrupt = g_hash_table_new (NULL, NULL);
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  memcpy (self->peer_id, "-FS0001-", 8);
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
bt_fake_seeder_free (BtFakeSeeder *self)
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
  g_clear_pointer (&self->corrupt, g_hash_table_unref);
  g_clear_object (&self->address);
  g_clear_pointer (&self->payload, g_bytes_unref);
  g_clear_object (&self->meta);
  g_free (self);
}

GInetSocketAddress *
bt_fake_seeder_get_address (BtFakeSeeder *self)
{
  return self->address;
}

void
bt_fake_seeder_corrupt_piece (BtFakeSeeder *self,
                              guint32       piece)
{
  g_hash_table_add (self->corrupt, GUINT_TO_POINTER (piece));
}

void
bt_fake_seeder_set_stall (BtFakeSeeder *self,
                          gboolean      stall)
{
  self->stall = stall;
}

guint
bt_fake_seeder_get_connections (BtFakeSeeder *self)
{
  return self->connections;
}

guint64
bt_fake_seeder_get_bytes_served (BtFakeSeeder *self)
{
  return self->bytes_served;
}
