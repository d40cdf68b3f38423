/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "bt-fake-tracker.h"
#include "bt-test-util.h"

/* Scripted HTTP tracker
 *
 * A small HTTP/1.1 server on a GSocketService rather than a SoupServer:
 * libsoup 3.2's server leaks every accepted socket, which would make each
 * sanitizer run of the tracker tests fail on a leak that is not ours. It
 * reads one request per connection, answers with "Connection: close" and
 * closes. */

typedef enum
{
  REPLY_BODY,
  REPLY_GZIP,
  REPLY_REDIRECT,
  REPLY_HANG,
  REPLY_ENDLESS,
} ReplyKind;

typedef struct
{
  ReplyKind  kind;
  guint      status;
  GBytes    *body;
  char      *location;
  guint      delay_ms;   /* REPLY_ENDLESS: between chunks */
  gsize      chunk_size; /* REPLY_ENDLESS */
} Reply;

typedef struct
{
  BtFakeHttpTracker *tracker;
  GSocketConnection *connection;
  GCancellable      *cancellable;
  GByteArray        *request;
  guint8             buffer[4096];
  GBytes            *response;
  GSource           *delay;
  gboolean           pending;   /* a read or write is in flight */
  GBytes            *chunk;     /* REPLY_ENDLESS: what is sent, again and again */
  guint              interval_ms;
  gboolean           headers_sent;
} HttpConn;

struct _BtFakeHttpTracker
{
  GSocketService *service;
  guint16         port;
  GPtrArray      *script;     /* Reply */
  guint           next;
  GPtrArray      *requests;   /* char * */
  GPtrArray      *conns;      /* HttpConn, in flight or hanging */
};

/* The largest request head the fake reads; announces are far smaller. */
#define FAKE_HTTP_MAX_REQUEST (64 * 1024)

static void
reply_free (gpointer data)
{
  Reply *reply = data;

  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply->location);
  g_free (reply);
}

/* Ends a connection: called once, when its exchange is over or when the
 * tracker goes away. */
static void
http_conn_free (HttpConn *conn)
{
  if (conn->delay != NULL)
    {
      g_source_destroy (conn->delay);
      g_source_unref (conn->delay);
    }
  g_cancellable_cancel (conn->cancellable);
  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_object_unref (conn->connection);
  g_object_unref (conn->cancellable);
  g_byte_array_unref (conn->request);
  g_clear_pointer (&conn->response, g_bytes_unref);
  g_clear_pointer (&conn->chunk, g_bytes_unref);
  g_free (conn);
}

static void
http_conn_done (HttpConn *conn)
{
  if (conn->tracker != NULL)
    g_ptr_array_remove (conn->tracker->conns, conn);
  else
    http_conn_free (conn);
}

static GBytes *
gzip_bytes (const char *data,
            gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) stream = g_converter_output_stream_new (memory, G_CONVERTER (compressor));

  g_output_stream_write_all (stream, data, length, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (stream, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static GBytes *
build_response (Reply *reply)
{
  GString *out = g_string_new (NULL);
  gsize body_length = reply->body != NULL ? g_bytes_get_size (reply->body) : 0;

  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", reply->status,
                          reply->status == 200 ? "OK" : "Scripted");
  g_string_append (out, "Server: bt-fake-tracker\r\nConnection: close\r\n"
                        "Content-Type: text/plain\r\n");
  /* An endless body has no length: it runs until the connection closes. */
  if (reply->kind != REPLY_ENDLESS)
    g_string_append_printf (out, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_length);
  if (reply->kind == REPLY_GZIP)
    g_string_append (out, "Content-Encoding: gzip\r\n");
  if (reply->kind == REPLY_REDIRECT)
    g_string_append_printf (out, "Location: %s\r\n", reply->location);
  g_string_append (out, "\r\n");
  if (body_length > 0)
    g_string_append_len (out, g_bytes_get_data (reply->body, NULL), (gssize) body_length);
  return g_string_free_to_bytes (out);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  HttpConn *conn = user_data;

  /* The client may have gone already; either way the exchange is over. */
  conn->pending = FALSE;
  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  http_conn_done (conn);
}

static void send_chunk (HttpConn *conn);

static gboolean
chunk_delay_cb (gpointer user_data)
{
  HttpConn *conn = user_data;

  g_clear_pointer (&conn->delay, g_source_unref);
  send_chunk (conn);
  return G_SOURCE_REMOVE;
}

static void
chunk_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  HttpConn *conn = user_data;

  conn->pending = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL)
      || conn->tracker == NULL)
    {
      /* The client gave up, as it should. */
      http_conn_done (conn);
      return;
    }
  conn->delay = g_timeout_source_new (conn->interval_ms);
  g_source_set_callback (conn->delay, chunk_delay_cb, conn, NULL);
  g_source_attach (conn->delay, g_main_context_get_thread_default ());
}

/* The headers first (conn->response), then conn->chunk forever. */
static void
send_chunk (HttpConn *conn)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));
  GBytes *data = conn->headers_sent ? conn->chunk : conn->response;

  conn->headers_sent = TRUE;
  conn->pending = TRUE;
  g_output_stream_write_all_async (out, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                   G_PRIORITY_DEFAULT, conn->cancellable, chunk_written_cb, conn);
}

static void
send_response (HttpConn *conn)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));

  conn->pending = TRUE;
  g_output_stream_write_all_async (out, g_bytes_get_data (conn->response, NULL),
                                   g_bytes_get_size (conn->response), G_PRIORITY_DEFAULT,
                                   conn->cancellable, written_cb, conn);
}

static gboolean
delay_cb (gpointer user_data)
{
  HttpConn *conn = user_data;

  g_clear_pointer (&conn->delay, g_source_unref);
  send_response (conn);
  return G_SOURCE_REMOVE;
}

static void
handle_request (HttpConn   *conn,
                const char *head)
{
  BtFakeHttpTracker *self = conn->tracker;
  g_auto(GStrv) parts = NULL;
  const char *line_end = strstr (head, "\r\n");
  g_autofree char *line = g_strndup (head, (gsize) (line_end - head));
  Reply *reply;
  static Reply no_script = { REPLY_BODY, 500, NULL, NULL, 0 };

  parts = g_strsplit (line, " ", 3);
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_ptr_array_add (self->requests, strchr (parts[1], '?') != NULL
                                   ? g_strdup (parts[1]) : g_strconcat (parts[1], "?", NULL));

  reply = self->script->len > 0
    ? g_ptr_array_index (self->script, MIN (self->next, self->script->len - 1))
    : &no_script;
  self->next++;

  if (reply->kind == REPLY_HANG)
    return;

  conn->response = build_response (reply);
  if (reply->kind == REPLY_ENDLESS)
    {
      guint8 *junk = g_malloc (reply->chunk_size);

      /* Looks like the start of a reply that never closes. */
      memset (junk, '9', reply->chunk_size);
      conn->chunk = g_bytes_new_take (junk, reply->chunk_size);
      conn->interval_ms = reply->delay_ms;
      send_chunk (conn);
      return;
    }
  if (reply->delay_ms > 0)
    {
      conn->delay = g_timeout_source_new (reply->delay_ms);
      g_source_set_callback (conn->delay, delay_cb, conn, NULL);
      g_source_attach (conn->delay, g_main_context_get_thread_default ());
    }
  else
    send_response (conn);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  HttpConn *conn = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  const guint8 *end;

  conn->pending = FALSE;
  if (n <= 0 || conn->tracker == NULL)
    {
      http_conn_done (conn);
      return;
    }

  g_byte_array_append (conn->request, conn->buffer, (guint) n);
  end = memmem (conn->request->data, conn->request->len, "\r\n\r\n", 4);
  if (end != NULL)
    {
      g_byte_array_append (conn->request, (const guint8 *) "", 1);
      handle_request (conn, (const char *) conn->request->data);
      return;
    }
  if (conn->request->len > FAKE_HTTP_MAX_REQUEST)
    {
      http_conn_done (conn);
      return;
    }

  conn->pending = TRUE;
  g_input_stream_read_async (G_INPUT_STREAM (source), conn->buffer, sizeof conn->buffer,
                             G_PRIORITY_DEFAULT, conn->cancellable, read_cb, conn);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  BtFakeHttpTracker *self = user_data;
  HttpConn *conn = g_new0 (HttpConn, 1);

  conn->tracker = self;
  conn->connection = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  conn->request = g_byte_array_new ();
  g_ptr_array_add (self->conns, conn);

  conn->pending = TRUE;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             conn->buffer, sizeof conn->buffer, G_PRIORITY_DEFAULT,
                             conn->cancellable, read_cb, conn);
  return TRUE;
}

BtFakeHttpTracker *
bt_fake_http_tracker_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  BtFakeHttpTracker *self = g_new0 (BtFakeHttpTracker, 1);

  self->script = g_ptr_array_new_with_free_func (reply_free);
  self->requests = g_ptr_array_new_with_free_func (g_free);
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) http_conn_free);

  self->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return self;
}

void
bt_fake_http_tracker_free (BtFakeHttpTracker *self)
{
  if (self == NULL)
    return;

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_object_unref (self->service);

  /* Connections with a read or write in flight end in its callback, which
   * finds no tracker; the others (hanging, delayed) end now. */
  g_ptr_array_set_free_func (self->conns, NULL);
  for (guint i = 0; i < self->conns->len; i++)
    {
      HttpConn *conn = g_ptr_array_index (self->conns, i);

      conn->tracker = NULL;
      if (conn->pending)
        g_cancellable_cancel (conn->cancellable);
      else
        http_conn_free (conn);
    }
  g_ptr_array_unref (self->conns);
  g_ptr_array_unref (self->script);
  g_ptr_array_unref (self->requests);
  g_free (self);
}

char *
bt_fake_http_tracker_get_url (BtFakeHttpTracker *self,
                              const char        *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->port, path);
}

static void
push (BtFakeHttpTracker *self,
      ReplyKind          kind,
      guint              delay_ms,
      guint              status,
      const char        *body,
      gssize             length,
      const char        *location)
{
  Reply *reply = g_new0 (Reply, 1);

  if (length < 0 && body != NULL)
    length = (gssize) strlen (body);
  reply->kind = kind;
  reply->delay_ms = delay_ms;
  reply->status = status;
  if (kind == REPLY_GZIP)
    reply->body = gzip_bytes (body, (gsize) length);
  else
    reply->body = g_bytes_new (body, body != NULL ? (gsize) length : 0);
  reply->location = g_strdup (location);
  g_ptr_array_add (self->script, reply);
}

void
bt_fake_http_tracker_reply (BtFakeHttpTracker *self,
                            guint              status,
                            const char        *body,
                            gssize             length)
{
  push (self, REPLY_BODY, 0, status, body, length, NULL);
}

void
bt_fake_http_tracker_reply_delayed (BtFakeHttpTracker *self,
                                    guint              delay_ms,
                                    guint              status,
                                    const char        *body,
                                    gssize             length)
{
  push (self, REPLY_BODY, delay_ms, status, body, length, NULL);
}

void
bt_fake_http_tracker_reply_gzip (BtFakeHttpTracker *self,
                                 const char        *body,
                                 gssize             length)
{
  push (self, REPLY_GZIP, 0, 200, body, length, NULL);
}

void
bt_fake_http_tracker_reply_redirect (BtFakeHttpTracker *self,
                                     const char        *location)
{
  push (self, REPLY_REDIRECT, 0, 302, NULL, 0, location);
}

void
bt_fake_http_tracker_reply_endless (BtFakeHttpTracker *self,
                                    gsize              chunk_size,
                                    guint              interval_ms)
{
  Reply *reply = g_new0 (Reply, 1);

  g_return_if_fail (chunk_size > 0);
  reply->kind = REPLY_ENDLESS;
  reply->status = 200;
  reply->chunk_size = chunk_size;
  reply->delay_ms = interval_ms;
  g_ptr_array_add (self->script, reply);
}

void
bt_fake_http_tracker_reply_hang (BtFakeHttpTracker *self)
{
  push (self, REPLY_HANG, 0, 0, NULL, 0, NULL);
}

guint
bt_fake_http_tracker_get_n_requests (BtFakeHttpTracker *self)
{
  return self->requests->len;
}

const char *
bt_fake_http_tracker_get_request (BtFakeHttpTracker *self,
                                  guint              index)
{
  g_assert_cmpuint (index, <, self->requests->len);
  return g_ptr_array_index (self->requests, index);
}

char *
bt_fake_tracker_query_get (const char *request,
                           const char *name)
{
  const char *query = strchr (request, '?');
  g_auto(GStrv) params = NULL;
  gsize name_length = strlen (name);

  if (query == NULL)
    return NULL;
  params = g_strsplit (query + 1, "&", -1);
  for (guint i = 0; params[i] != NULL; i++)
    if (strncmp (params[i], name, name_length) == 0 && params[i][name_length] == '=')
      return g_strdup (params[i] + name_length + 1);
  return NULL;
}

/* Scripted UDP tracker */

#define UDP_PROTOCOL_ID G_GUINT64_CONSTANT (0x41727101980)

struct _BtFakeUdpTracker
{
  GSocketFamily       family;
  GSocket            *socket;
  GSocket            *decoy_socket;
  GSource            *source;
  guint16             port;

  guint               drop;
  char               *error_message;
  gboolean            decoys;
  guint32             interval;
  guint32             seeders;
  guint32             leechers;
  guint32             completed;
  GBytes             *peers;

  GArray             *connection_ids;
  guint               n_connects;
  guint               n_announces;
  guint               n_scrapes;
  guint               n_ignored;
  BtFakeUdpAnnounce   last;
};

static guint32
rd32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint64
rd64 (const guint8 *p)
{
  return (guint64) rd32 (p) << 32 | rd32 (p + 4);
}

static void
wr32 (GByteArray *out,
      guint32     v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (out, b, 4);
}

static void
udp_send (GSocket        *socket,
          GSocketAddress *to,
          GByteArray     *packet)
{
  g_autoptr(GError) error = NULL;

  g_socket_send_to (socket, to, (const char *) packet->data, packet->len, NULL, &error);
  g_assert_no_error (error);
}

static void
udp_send_error (GSocket        *socket,
                GSocketAddress *to,
                guint32         txid,
                const char     *message)
{
  g_autoptr(GByteArray) packet = g_byte_array_new ();

  wr32 (packet, 3);
  wr32 (packet, txid);
  g_byte_array_append (packet, (const guint8 *) message, strlen (message));
  udp_send (socket, to, packet);
}

static void
udp_send_decoys (BtFakeUdpTracker *self,
                 GSocketAddress   *to,
                 guint32           txid)
{
  if (!self->decoys)
    return;
  udp_send_error (self->socket, to, txid ^ 0x5a5a5a5a, "decoy: wrong transaction id");
  udp_send_error (self->decoy_socket, to, txid, "decoy: wrong sender");
}

static gboolean
known_connection (BtFakeUdpTracker *self,
                  guint64           id)
{
  for (guint i = 0; i < self->connection_ids->len; i++)
    if (g_array_index (self->connection_ids, guint64, i) == id)
      return TRUE;
  return FALSE;
}

static void
udp_handle (BtFakeUdpTracker *self,
            const guint8     *data,
            gsize             length,
            GSocketAddress   *from)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint64 connection_id;
  guint32 action;
  guint32 txid;

  if (length < 16)
    {
      self->n_ignored++;
      return;
    }
  connection_id = rd64 (data);
  action = rd32 (data + 8);
  txid = rd32 (data + 12);

  if (action == 0 && connection_id == UDP_PROTOCOL_ID)
    {
      guint64 id = ((guint64) g_random_int () << 32) | g_random_int ();

      self->n_connects++;
      g_array_append_val (self->connection_ids, id);
      udp_send_decoys (self, from, txid);
      wr32 (out, 0);
      wr32 (out, txid);
      wr32 (out, (guint32) (id >> 32));
      wr32 (out, (guint32) id);
      udp_send (self->socket, from, out);
      return;
    }

  if (!known_connection (self, connection_id)
      || (action == 1 && length < 98) || (action == 2 && length < 36)
      || (action != 1 && action != 2))
    {
      self->n_ignored++;
      return;
    }

  if (action == 1)
    {
      self->n_announces++;
      memcpy (self->last.info_hash, data + 16, 20);
      memcpy (self->last.peer_id, data + 36, 20);
      self->last.downloaded = rd64 (data + 56);
      self->last.left = rd64 (data + 64);
      self->last.uploaded = rd64 (data + 72);
      self->last.event = rd32 (data + 80);
      self->last.key = rd32 (data + 88);
      self->last.num_want = (gint32) rd32 (data + 92);
      self->last.port = (guint16) (data[96] << 8 | data[97]);
    }
  else
    self->n_scrapes++;

  udp_send_decoys (self, from, txid);
  if (self->error_message != NULL)
    {
      udp_send_error (self->socket, from, txid, self->error_message);
      return;
    }

  wr32 (out, action);
  wr32 (out, txid);
  if (action == 1)
    {
      wr32 (out, self->interval);
      wr32 (out, self->leechers);
      wr32 (out, self->seeders);
      if (self->peers != NULL)
        g_byte_array_append (out, g_bytes_get_data (self->peers, NULL),
                             g_bytes_get_size (self->peers));
    }
  else
    {
      wr32 (out, self->seeders);
      wr32 (out, self->completed);
      wr32 (out, self->leechers);
    }
  udp_send (self->socket, from, out);
}

static gboolean
udp_readable_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  BtFakeUdpTracker *self = user_data;

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      guint8 buffer[2048];
      gssize received;

      received = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer,
                                        NULL, &error);
      if (received < 0)
        {
          /* Nothing more queued, or an error a test tracker can ignore. */
          break;
        }
      if (self->drop > 0)
        {
          self->drop--;
          continue;
        }
      udp_handle (self, buffer, (gsize) received, from);
    }
  return G_SOURCE_CONTINUE;
}

/* A UDP socket on the loopback address of @family, or NULL when that
 * family is not available (IPv6 disabled). */
static GSocket *
udp_socket_on_loopback (GSocketFamily  family,
                        guint16       *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (family);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  if (socket == NULL || !g_socket_bind (socket, any_port, FALSE, &error))
    {
      g_assert_true (family == G_SOCKET_FAMILY_IPV6);
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);
  if (port != NULL)
    {
      bound = g_socket_get_local_address (socket, &error);
      g_assert_no_error (error);
      *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }
  return g_steal_pointer (&socket);
}

BtFakeUdpTracker *
bt_fake_udp_tracker_new (void)
{
  return bt_fake_udp_tracker_new_for_family (G_SOCKET_FAMILY_IPV4);
}

BtFakeUdpTracker *
bt_fake_udp_tracker_new_for_family (GSocketFamily family)
{
  BtFakeUdpTracker *self;
  GSocket *socket;
  guint16 port;

  socket = udp_socket_on_loopback (family, &port);
  if (socket == NULL)
    return NULL;

  self = g_new0 (BtFakeUdpTracker, 1);
  self->family = family;
  self->socket = socket;
  self->port = port;
  self->decoy_socket = udp_socket_on_loopback (family, NULL);
  self->connection_ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->interval = 1800;

  self->source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->source, (GSourceFunc) (void (*) (void)) udp_readable_cb,
                         self, NULL);
  g_source_attach (self->source, g_main_context_get_thread_default ());
  return self;
}

void
bt_fake_udp_tracker_free (BtFakeUdpTracker *self)
{
  if (self == NULL)
    return;

  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_object_unref (self->socket);
  g_object_unref (self->decoy_socket);
  g_array_unref (self->connection_ids);
  g_clear_pointer (&self->peers, g_bytes_unref);
  g_free (self->error_message);
  g_free (self);
}

char *
bt_fake_udp_tracker_get_url (BtFakeUdpTracker *self)
{
  if (self->family == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("udp://[::1]:%u/announce", self->port);
  return g_strdup_printf ("udp://127.0.0.1:%u/announce", self->port);
}

void
bt_fake_udp_tracker_drop_next (BtFakeUdpTracker *self,
                               guint             count)
{
  self->drop = count;
}

void
bt_fake_udp_tracker_set_error (BtFakeUdpTracker *self,
                               const char       *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
}

void
bt_fake_udp_tracker_set_decoys (BtFakeUdpTracker *self,
                                gboolean          decoys)
{
  self->decoys = decoys;
}

void
bt_fake_udp_tracker_set_answer (BtFakeUdpTracker *self,
                                guint32           interval,
                                guint32           seeders,
                                guint32           leechers,
                                guint32           completed,
                                const guint8     *compact_peers,
                                gsize             length)
{
  self->interval = interval;
  self->seeders = seeders;
  self->leechers = leechers;
  self->completed = completed;
  g_clear_pointer (&self->peers, g_bytes_unref);
  self->peers = g_bytes_new (compact_peers, length);
}

void
bt_fake_udp_tracker_forget_connections (BtFakeUdpTracker *self)
{
  g_array_set_size (self->connection_ids, 0);
}

guint
bt_fake_udp_tracker_get_n_connects (BtFakeUdpTracker *self)
{
  return self->n_connects;
}

guint
bt_fake_udp_tracker_get_n_announces (BtFakeUdpTracker *self)
{
  return self->n_announces;
}

guint
bt_fake_udp_tracker_get_n_scrapes (BtFakeUdpTracker *self)
{
  return self->n_scrapes;
}

guint
bt_fake_udp_tracker_get_n_ignored (BtFakeUdpTracker *self)
{
  return self->n_ignored;
}

const BtFakeUdpAnnounce *
bt_fake_udp_tracker_get_last_announce (BtFakeUdpTracker *self)
{
  return &self->last;
}

/* opentracker */

struct _BtTestOpentracker
{
  GSubprocess *process;
  pid_t        pid;
  char        *dir;
  guint16      port;
};

/* A failed assertion aborts the test without its teardown, and meson kills
 * a test that times out; an opentracker left behind would hold its port
 * and, as "nobody" after its setuid, it ignores the parent-death signal.
 * So the test process kills the trackers it started on its way down. */
#define MAX_TRACKER_PROCESSES 16
static volatile sig_atomic_t tracker_pids[MAX_TRACKER_PROCESSES];

static void
kill_trackers_on_signal (int signum)
{
  for (guint i = 0; i < MAX_TRACKER_PROCESSES; i++)
    if (tracker_pids[i] > 0)
      kill ((pid_t) tracker_pids[i], SIGKILL);
  /* SA_RESETHAND restored the default action: die as intended. */
  raise (signum);
}

static void
track_pid (pid_t pid)
{
  static gsize handlers_installed;

  if (g_once_init_enter (&handlers_installed))
    {
      static const int signals[] = { SIGABRT, SIGTERM, SIGINT };
      struct sigaction action = { 0 };

      action.sa_handler = kill_trackers_on_signal;
      action.sa_flags = SA_RESETHAND;
      sigemptyset (&action.sa_mask);
      for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
        sigaction (signals[i], &action, NULL);
      g_once_init_leave (&handlers_installed, 1);
    }

  for (guint i = 0; i < MAX_TRACKER_PROCESSES; i++)
    if (tracker_pids[i] == 0)
      {
        tracker_pids[i] = pid;
        return;
      }
  g_error ("More than %u opentrackers at once", MAX_TRACKER_PROCESSES);
}

static void
untrack_pid (pid_t pid)
{
  for (guint i = 0; i < MAX_TRACKER_PROCESSES; i++)
    if (tracker_pids[i] == pid)
      tracker_pids[i] = 0;
}

/* A port free for both TCP and UDP on loopback right now. Another process
 * could take it before opentracker binds it; on a test machine that race
 * is remote, and the start-up check below would catch it. */
static guint16
free_port (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_autoptr(GSocket) udp = NULL;
      g_autoptr(GSocket) tcp = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      guint16 port;

      udp = udp_socket_on_loopback (G_SOCKET_FAMILY_IPV4, &port);
      tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      address = g_inet_socket_address_new (loopback, port);
      if (tcp != NULL && g_socket_bind (tcp, address, TRUE, NULL))
        return port;
    }
  g_error ("No free loopback port for opentracker");
}

static gboolean
port_accepts (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocket) socket = NULL;

  /* A bare socket: a GSocketClient would load GIO's proxy modules. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         NULL);
  return socket != NULL && g_socket_connect (socket, address, NULL, NULL);
}

/* opentracker loads its whitelist on a thread of its own, after it starts
 * listening: ask it (with a "stopped" announce, which adds no peer) until
 * it stops refusing the hash. */
static gboolean
hash_accepted (guint16       port,
               const guint8 *info_hash)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GString) request = g_string_new ("GET /announce?info_hash=");
  g_autoptr(GString) reply = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  for (guint b = 0; b < 20; b++)
    g_string_append_printf (request, "%%%02X", info_hash[b]);
  g_string_append (request, "&peer_id=-TS0001-000000000000&port=1&uploaded=0&downloaded=0"
                            "&left=0&compact=1&numwant=0&event=stopped HTTP/1.0\r\n\r\n");

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         NULL);
  if (socket == NULL || !g_socket_connect (socket, address, NULL, NULL))
    return FALSE;
  g_socket_set_timeout (socket, 2);
  for (gsize sent = 0; sent < request->len; sent += n)
    {
      n = g_socket_send (socket, request->str + sent, request->len - sent, NULL, NULL);
      if (n <= 0)
        return FALSE;
    }
  while ((n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (reply, buffer, n);
  return reply->len > 0 && strstr (reply->str, "failure reason") == NULL
         && strstr (reply->str, "not authorized") == NULL;
}

BtTestOpentracker *
bt_test_opentracker_start (const guint8 *info_hashes,
                           guint         n_info_hashes)
{
  g_autofree char *tool = bt_test_require_tool ("opentracker");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) whitelist = g_string_new (NULL);
  g_autofree char *whitelist_path = NULL;
  g_autofree char *port_text = NULL;
  BtTestOpentracker *self;
  gint64 deadline;

  if (tool == NULL)
    return NULL;

  self = g_new0 (BtTestOpentracker, 1);

  /* Run as root, opentracker chroots to its -d folder and drops to
   * "nobody", who must be able to read the folder and the whitelist. */
  self->dir = bt_test_make_tmpdir ();
  g_assert_cmpint (g_chmod (self->dir, 0755), ==, 0);
  for (guint i = 0; i < n_info_hashes; i++)
    {
      for (guint b = 0; b < 20; b++)
        g_string_append_printf (whitelist, "%02x", info_hashes[i * 20 + b]);
      g_string_append_c (whitelist, '\n');
    }
  whitelist_path = g_build_filename (self->dir, "whitelist", NULL);
  g_file_set_contents (whitelist_path, whitelist->str, (gssize) whitelist->len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (whitelist_path, 0644), ==, 0);

  self->port = free_port ();
  port_text = g_strdup_printf ("%u", self->port);
  /* Silenced: a tracker holding the test's output pipes would keep a
   * reader of that output waiting. */
  self->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                    | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                    tool, "-i", "127.0.0.1", "-p", port_text, "-P", port_text,
                                    "-d", self->dir, "-w", "whitelist", NULL);
  g_assert_no_error (error);
  self->pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (self->process), NULL, 10);
  track_pid (self->pid);

  /* It forks nothing and binds at once; wait until it accepts. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!port_accepts (self->port))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("opentracker did not start listening on port %u", self->port);
      g_usleep (20 * 1000);
    }
  while (n_info_hashes > 0 && !hash_accepted (self->port, info_hashes))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("opentracker on port %u did not load its whitelist", self->port);
      g_usleep (20 * 1000);
    }
  return self;
}

void
bt_test_opentracker_stop (BtTestOpentracker *self)
{
  if (self == NULL)
    return;

  g_subprocess_force_exit (self->process);
  g_subprocess_wait (self->process, NULL, NULL);
  untrack_pid (self->pid);
  g_object_unref (self->process);
  bt_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self);
}

guint16
bt_test_opentracker_get_port (BtTestOpentracker *self)
{
  return self->port;
}

char *
bt_test_opentracker_get_url (BtTestOpentracker *self,
                             const char        *scheme)
{
  return g_strdup_printf ("%s://127.0.0.1:%u/announce", scheme, self->port);
}
