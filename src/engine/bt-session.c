/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The session owns what torrents share: our peer id, the HTTP session for
 * trackers, and the listening socket, whose connections it routes to a
 * torrent by the info-hash at the start of their handshake.
 */
#define G_LOG_DOMAIN "bt-session"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-ratelimit.h"
#include "bt-session.h"
#include "bt-wire.h"

/* An accepted connection whose handshake has not told us its torrent yet.
 * It belongs to its own read chain; the session only counts it. */
typedef struct
{
  GWeakRef           session;
  GSocketConnection *connection;
  GCancellable      *cancellable;
  guint8             buffer[BT_WIRE_HANDSHAKE_PREFIX_LENGTH];
  gsize              received;
  guint              timeout_id;
} Pending;

struct _BtSession
{
  GObject          parent_instance;

  BtSessionConfig  config;
  char            *bind_address;
  guint8           peer_id[20];
  SoupSession     *soup_session;
  GSocketService  *service;
  guint16          port;
  GListStore      *torrents;
  BtPeerBudget    *budget;
  BtRateLimit     *upload_limit;
  guint            n_pending;
  GCancellable    *cancellable;
};

G_DEFINE_FINAL_TYPE (BtSession, bt_session, G_TYPE_OBJECT)

static void pending_read (Pending *pending);

/* Auxiliary functions */

static void
pending_finish (Pending   *pending,
                BtSession *session,
                gboolean   close)
{
  if (close)
    g_io_stream_close (G_IO_STREAM (pending->connection), NULL, NULL);
  if (session != NULL)
    session->n_pending--;
  g_clear_handle_id (&pending->timeout_id, g_source_remove);
  g_weak_ref_clear (&pending->session);
  g_clear_object (&pending->cancellable);
  g_clear_object (&pending->connection);
  g_free (pending);
}

static void
pending_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(BtSession) self = g_weak_ref_get (&pending->session);
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  BtHandshake handshake;
  BtTorrent *torrent;

  if (self == NULL || n <= 0 || g_cancellable_is_cancelled (pending->cancellable))
    {
      pending_finish (pending, self, TRUE);
      return;
    }

  pending->received += n;
  if (pending->received < BT_WIRE_HANDSHAKE_PREFIX_LENGTH)
    {
      pending_read (pending);
      return;
    }

  torrent = NULL;
  if (bt_wire_parse_handshake_prefix (pending->buffer, pending->received, &handshake, NULL) > 0)
    torrent = bt_session_find_torrent (self, handshake.info_hash);

  /* Not one of ours, or not BitTorrent: close without a word, as the
   * protocol asks. */
  if (torrent == NULL)
    {
      pending_finish (pending, self, TRUE);
      return;
    }

  {
    g_autoptr(GBytes) received = g_bytes_new (pending->buffer, pending->received);

    bt_torrent_accept_peer (torrent, pending->connection, received);
  }
  pending_finish (pending, self, FALSE);
}

static void
pending_read (Pending *pending)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (pending->connection));

  g_input_stream_read_async (input, pending->buffer + pending->received,
                             BT_WIRE_HANDSHAKE_PREFIX_LENGTH - pending->received,
                             G_PRIORITY_DEFAULT, pending->cancellable, pending_read_cb, pending);
}

static gboolean
pending_timeout_cb (gpointer user_data)
{
  Pending *pending = user_data;

  pending->timeout_id = 0;
  g_cancellable_cancel (pending->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  BtSession *self = user_data;
  Pending *pending;

  if (self->n_pending >= BT_SESSION_MAX_PENDING)
    return FALSE; /* the service closes it */

  pending = g_new0 (Pending, 1);
  g_weak_ref_init (&pending->session, self);
  pending->connection = g_object_ref (connection);
  pending->cancellable = g_cancellable_new ();
  pending->timeout_id = g_timeout_add_seconds (BT_PEER_HANDSHAKE_TIMEOUT_S, pending_timeout_cb,
                                               pending);
  g_signal_connect_object (self->cancellable, "cancelled",
                           G_CALLBACK (g_cancellable_cancel), pending->cancellable,
                           G_CONNECT_SWAPPED);
  self->n_pending++;
  pending_read (pending);
  return TRUE;
}

/* GObject overrides */

static void
bt_session_dispose (GObject *object)
{
  BtSession *self = (BtSession *) object;

  g_cancellable_cancel (self->cancellable);
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  if (self->torrents != NULL)
    g_list_store_remove_all (self->torrents);

  G_OBJECT_CLASS (bt_session_parent_class)->dispose (object);
}

static void
bt_session_finalize (GObject *object)
{
  BtSession *self = (BtSession *) object;

  g_clear_object (&self->torrents);
  g_clear_pointer (&self->budget, bt_peer_budget_unref);
  g_clear_pointer (&self->upload_limit, bt_rate_limit_unref);
  g_clear_object (&self->soup_session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->bind_address, g_free);

  G_OBJECT_CLASS (bt_session_parent_class)->finalize (object);
}

static void
bt_session_class_init (BtSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bt_session_dispose;
  object_class->finalize = bt_session_finalize;
}

static void
bt_session_init (BtSession *self)
{
  self->torrents = g_list_store_new (BT_TYPE_TORRENT);
  self->cancellable = g_cancellable_new ();
  bt_wire_make_peer_id (self->peer_id);
}

static gboolean
listen_on (BtSession  *self,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  guint16 port = self->config.port;

  self->service = g_socket_service_new ();

  if (self->bind_address != NULL)
    {
      g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (self->bind_address);
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      if (ip == NULL)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_IO, "“%s” is not an IP address",
                       self->bind_address);
          return FALSE;
        }
      address = g_inet_socket_address_new (ip, port);
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                          &effective, &local_error))
        goto failed;
      self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (port == 0)
    {
      self->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (self->service), NULL,
                                                        &local_error);
      if (self->port == 0)
        goto failed;
    }
  else
    {
      if (!g_socket_listener_add_inet_port (G_SOCKET_LISTENER (self->service), port, NULL,
                                            &local_error))
        goto failed;
      self->port = port;
    }

  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return TRUE;

failed:
  g_set_error (error, BT_ERROR, BT_ERROR_IO, "Cannot listen for peers on port %u: %s",
               port, local_error->message);
  return FALSE;
}

/* Public API */

/**
 * bt_session_new:
 *
 * Returns: (transfer full): a session listening for peers, or %NULL when
 *   the port cannot be used
 */
BtSession *
bt_session_new (const BtSessionConfig  *config,
                GError                **error)
{
  g_autoptr(BtSession) self = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_object_new (BT_TYPE_SESSION, NULL);
  self->config = *config;
  self->bind_address = g_strdup (config->bind_address);
  self->config.bind_address = self->bind_address;
  self->budget = bt_peer_budget_new (config->max_peers > 0 ? config->max_peers
                                                           : BT_SESSION_MAX_PEERS);
  self->upload_limit = bt_rate_limit_new (config->upload_limit, NULL);
  self->soup_session = soup_session_new_with_options ("user-agent", "bTorrent/" PACKAGE_VERSION,
                                                      NULL);
  if (!listen_on (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

guint16
bt_session_get_port (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), 0);
  return self->port;
}

const guint8 *
bt_session_get_peer_id (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  return self->peer_id;
}

/**
 * bt_session_set_upload_limit:
 * @bytes_per_second: for all torrents together; 0 for no limit
 */
void
bt_session_set_upload_limit (BtSession *self,
                             guint64    bytes_per_second)
{
  g_return_if_fail (BT_IS_SESSION (self));
  bt_rate_limit_set_rate (self->upload_limit, bytes_per_second, g_get_monotonic_time ());
}

/**
 * bt_session_get_torrents:
 *
 * Returns: (transfer none): the torrents, a list model of #BtTorrent
 */
GListModel *
bt_session_get_torrents (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->torrents);
}

/**
 * bt_session_find_torrent:
 *
 * Returns: (transfer none) (nullable): the torrent with @info_hash
 */
BtTorrent *
bt_session_find_torrent (BtSession    *self,
                         const guint8 *info_hash)
{
  guint n;

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->torrents));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (G_LIST_MODEL (self->torrents), i);

      if (memcmp (bt_metainfo_get_info_hash (bt_torrent_get_metainfo (torrent)), info_hash,
                  BT_INFO_HASH_LENGTH) == 0)
        return torrent;
    }
  return NULL;
}

/**
 * bt_session_add_torrent:
 * @skip_check: start without looking for data already on disk
 *
 * Adds a stopped torrent; bt_torrent_start() starts it. A torrent that is
 * already in the session is returned as it is.
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
BtTorrent *
bt_session_add_torrent (BtSession   *self,
                        BtMetainfo  *meta,
                        const char  *download_dir,
                        gboolean     skip_check,
                        GError     **error)
{
  BtTorrentConfig config = { { 0 } };
  g_autoptr(BtTorrent) torrent = NULL;
  BtTorrent *existing;

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);

  existing = bt_session_find_torrent (self, bt_metainfo_get_info_hash (meta));
  if (existing != NULL)
    return existing;

  memcpy (config.peer_id, self->peer_id, 20);
  config.port = self->port;
  config.soup_session = self->soup_session;
  config.max_peers = self->config.max_peers_per_torrent;
  config.skip_check = skip_check;
  config.budget = self->budget;
  config.upload_parent = self->upload_limit;
  config.seed_ratio = self->config.seed_ratio;
  config.seed_idle_s = self->config.seed_idle_s;
  torrent = bt_torrent_new (meta, download_dir, &config, error);
  if (torrent == NULL)
    return NULL;
  g_list_store_append (self->torrents, torrent);
  return torrent;
}
