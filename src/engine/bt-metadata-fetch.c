/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Peers are dialled with an unknown piece count (bt-peer then ignores
 * their piece messages) and told we have nothing. The pieces are spread
 * over the peers that offer them, a few at a time each; a peer that
 * rejects, stalls or hands out pieces that fail the hash check is dropped
 * (and, for the hash, not dialled again).
 */
#define G_LOG_DOMAIN "bt-metadata-fetch"

#include "config.h"

#include <string.h>

#include "bt-bitfield.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metadata-fetch.h"
#include "bt-peer.h"
#include "bt-pex.h"
#include "bt-ut-metadata.h"

/* How long a connected peer has to send its extended handshake: the
 * handshake follows the peer's at once, a few seconds is generous. */
#define EXTENSION_HANDSHAKE_TIMEOUT_S 10

typedef struct
{
  GInetSocketAddress *address;
  guint               tried : 1;
  guint               banned : 1;
} Candidate;

typedef struct
{
  BtPeer  *peer;
  char    *key;            /* its candidate's key */
  GArray  *requested;      /* guint32 pieces asked of it, not yet answered */
  gint64   connected_us;   /* when its handshake arrived; 0 before */
  gint64   last_answer_us; /* last data, or when the first request went */
} Conn;

struct _BtMetadataFetcher
{
  GObject                 parent_instance;

  guint8                  info_hash[20];
  guint8                  peer_id[20];
  guint16                 port;
  guint                   idle_timeout_s;

  GHashTable             *candidates;  /* address key → Candidate */
  GQueue                  untried;     /* address keys (owned), in arrival order */
  GHashTable             *conns;       /* BtPeer → Conn */

  BtUtMetadataAssembler  *assembler;
  Conn                  **asked;       /* per piece: whom it was first asked of, or NULL */
  char                  **sources;     /* per piece: key of the candidate that sent it */

  GTask                  *task;
  GSource                *cancel_source;
  GSource                *tick_source;
  gint64                  idle_since_us;
};

G_DEFINE_FINAL_TYPE (BtMetadataFetcher, bt_metadata_fetcher, G_TYPE_OBJECT)

static void peer_handshake_cb (BtPeer *peer, gpointer user_data);
static void peer_message_cb   (BtPeer *peer, const BtMessage *message, gpointer user_data);
static void peer_closed_cb    (BtPeer *peer, const GError *error, gpointer user_data);

static const BtPeerCallbacks peer_callbacks = {
  .handshake = peer_handshake_cb,
  .message = peer_message_cb,
  .closed = peer_closed_cb,
};

/* Auxiliary functions */

static char *
address_key (GInetSocketAddress *address)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  return g_strdup_printf ("%s#%u", ip, g_inet_socket_address_get_port (address));
}

static void
candidate_free (Candidate *candidate)
{
  g_clear_object (&candidate->address);
  g_free (candidate);
}

static void
conn_free (Conn *conn)
{
  g_clear_object (&conn->peer);
  g_free (conn->key);
  g_array_unref (conn->requested);
  g_free (conn);
}

static void
free_pieces (BtMetadataFetcher *self)
{
  guint32 n;

  if (self->assembler == NULL)
    return;
  n = bt_ut_metadata_assembler_get_n_pieces (self->assembler);
  for (guint32 i = 0; i < n; i++)
    g_free (self->sources[i]);
  g_clear_pointer (&self->sources, g_free);
  g_clear_pointer (&self->asked, g_free);
  g_clear_pointer (&self->assembler, bt_ut_metadata_assembler_free);
}

/* Closes every connection without hearing from it again. */
static void
drop_all_peers (BtMetadataFetcher *self)
{
  GHashTableIter iter;
  Conn *conn;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    {
      bt_peer_detach (conn->peer);
      bt_peer_close (conn->peer, NULL);
    }
  g_hash_table_remove_all (self->conns);
}

static void
clear_sources (BtMetadataFetcher *self)
{
  if (self->tick_source != NULL)
    {
      g_source_destroy (self->tick_source);
      g_clear_pointer (&self->tick_source, g_source_unref);
    }
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }
}

static void
finish (BtMetadataFetcher *self,
        GBytes            *info,
        GError            *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (task == NULL)
    return;
  clear_sources (self);
  drop_all_peers (self);
  free_pieces (self);
  if (info != NULL)
    g_task_return_pointer (task, g_bytes_ref (info), (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

static void
connect_more (BtMetadataFetcher *self)
{
  while (self->task != NULL && g_hash_table_size (self->conns) < BT_METADATA_FETCH_MAX_PEERS
         && !g_queue_is_empty (&self->untried))
    {
      g_autofree char *key = g_queue_pop_head (&self->untried);
      Candidate *candidate = g_hash_table_lookup (self->candidates, key);
      BtExtensionHandshake ours = { { 0 } };
      Conn *conn;

      if (candidate == NULL || candidate->tried || candidate->banned)
        continue;
      candidate->tried = TRUE;

      conn = g_new0 (Conn, 1);
      conn->key = g_steal_pointer (&key);
      conn->requested = g_array_new (FALSE, FALSE, sizeof (guint32));
      conn->peer = bt_peer_new_outgoing (candidate->address, self->info_hash, self->peer_id, 0,
                                         &peer_callbacks, self);
      ours.ids[BT_EXTENSION_UT_METADATA] = BT_EXTENSION_UT_METADATA;
      ours.ids[BT_EXTENSION_UT_PEX] = BT_EXTENSION_UT_PEX;
      ours.port = self->port;
      bt_peer_set_extensions (conn->peer, &ours);
      g_hash_table_insert (self->conns, conn->peer, conn);
      bt_peer_start (conn->peer);
    }
}

/* Forgets what @conn was asked, so others may be asked instead. */
static void
release_requests (BtMetadataFetcher *self,
                  Conn              *conn)
{
  if (self->assembler != NULL)
    {
      guint32 n = bt_ut_metadata_assembler_get_n_pieces (self->assembler);

      for (guint32 i = 0; i < n; i++)
        if (self->asked[i] == conn)
          self->asked[i] = NULL;
    }
  g_array_set_size (conn->requested, 0);
}

static gboolean
conn_has_request (Conn    *conn,
                  guint32  piece,
                  gboolean remove)
{
  for (guint i = 0; i < conn->requested->len; i++)
    if (g_array_index (conn->requested, guint32, i) == piece)
      {
        if (remove)
          g_array_remove_index_fast (conn->requested, i);
        return TRUE;
      }
  return FALSE;
}

static void
send_request (BtMetadataFetcher *self,
              Conn              *conn,
              guint32            piece)
{
  g_autoptr(GBytes) payload = bt_ut_metadata_build_request (piece);

  if (conn->requested->len == 0)
    conn->last_answer_us = g_get_monotonic_time ();
  g_array_append_val (conn->requested, piece);
  if (self->asked[piece] == NULL)
    self->asked[piece] = conn;
  bt_peer_send_extended (conn->peer, BT_EXTENSION_UT_METADATA, g_bytes_get_data (payload, NULL),
                         g_bytes_get_size (payload));
}

/* Asks @conn for pieces nobody was asked for; when there are none left
 * and it is idle, for one already asked of a slower peer. */
static void
request_more (BtMetadataFetcher *self,
              Conn              *conn)
{
  guint32 n;

  if (self->assembler == NULL || bt_peer_is_closed (conn->peer)
      || !bt_peer_supports_extension (conn->peer, BT_EXTENSION_UT_METADATA))
    return;
  n = bt_ut_metadata_assembler_get_n_pieces (self->assembler);
  for (guint32 i = 0; i < n && conn->requested->len < BT_UT_METADATA_MAX_OUTSTANDING; i++)
    if (!bt_ut_metadata_assembler_has_piece (self->assembler, i) && self->asked[i] == NULL)
      send_request (self, conn, i);
  for (guint32 i = 0; i < n && conn->requested->len == 0; i++)
    if (!bt_ut_metadata_assembler_has_piece (self->assembler, i))
      send_request (self, conn, i);
}

static void
request_all (BtMetadataFetcher *self)
{
  GHashTableIter iter;
  Conn *conn;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
    request_more (self, conn);
}

static void
close_conn (Conn       *conn,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
close_conn (Conn       *conn,
            const char *format,
            ...)
{
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (BT_ERROR, BT_ERROR_WIRE_PROTOCOL, format, args);
  va_end (args);
  bt_peer_close (conn->peer, error);
}

/* All pieces are in: check them. On a mismatch every peer that sent a
 * piece is dropped and not dialled again (we cannot tell which lied), and
 * the pieces are asked again of the others. */
static void
complete (BtMetadataFetcher *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) info = NULL;
  guint32 n = bt_ut_metadata_assembler_get_n_pieces (self->assembler);

  info = bt_ut_metadata_assembler_finish (self->assembler, &error);
  if (info != NULL)
    {
      finish (self, info, NULL);
      return;
    }

  g_debug ("%s", error->message);
  for (guint32 i = 0; i < n; i++)
    {
      Candidate *candidate = g_hash_table_lookup (self->candidates, self->sources[i]);
      GHashTableIter iter;
      Conn *conn;

      if (candidate != NULL)
        candidate->banned = TRUE;
      g_hash_table_iter_init (&iter, self->conns);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &conn))
        if (g_strcmp0 (conn->key, self->sources[i]) == 0)
          close_conn (conn, "%s sent metadata that does not match the info-hash", conn->key);
      g_clear_pointer (&self->sources[i], g_free);
      self->asked[i] = NULL;
    }
  request_all (self);
}

static void
handle_metadata (BtMetadataFetcher *self,
                 Conn              *conn,
                 const BtMessage   *message)
{
  g_autoptr(GError) error = NULL;
  BtUtMetadataMessage parsed;

  if (!bt_ut_metadata_parse (message->payload, message->payload_length, &parsed, &error))
    {
      g_prefix_error (&error, "%s: ", bt_peer_get_address_string (conn->peer));
      bt_peer_close (conn->peer, error);
      return;
    }

  switch (parsed.type)
    {
    case BT_UT_METADATA_REQUEST:
      {
        /* We have nothing to give yet. */
        g_autoptr(GBytes) reject = bt_ut_metadata_build_reject (parsed.piece);

        bt_peer_send_extended (conn->peer, BT_EXTENSION_UT_METADATA,
                               g_bytes_get_data (reject, NULL), g_bytes_get_size (reject));
      }
      break;

    case BT_UT_METADATA_REJECT:
      if (conn_has_request (conn, parsed.piece, FALSE))
        close_conn (conn, "%s refused to send metadata", bt_peer_get_address_string (conn->peer));
      break;

    case BT_UT_METADATA_DATA:
      if (!conn_has_request (conn, parsed.piece, TRUE))
        break; /* not asked, or asked twice and already here */
      if (self->assembler == NULL
          || parsed.total_size != (gint64) bt_ut_metadata_assembler_get_size (self->assembler))
        {
          close_conn (conn, "%s sent metadata of another size than it announced",
                      bt_peer_get_address_string (conn->peer));
          return;
        }
      conn->last_answer_us = g_get_monotonic_time ();
      if (self->asked[parsed.piece] == conn)
        self->asked[parsed.piece] = NULL;
      if (!bt_ut_metadata_assembler_has_piece (self->assembler, parsed.piece))
        {
          if (!bt_ut_metadata_assembler_add_piece (self->assembler, parsed.piece, parsed.data,
                                                   parsed.data_length, &error))
            {
              g_prefix_error (&error, "%s: ", bt_peer_get_address_string (conn->peer));
              bt_peer_close (conn->peer, error);
              return;
            }
          g_free (self->sources[parsed.piece]);
          self->sources[parsed.piece] = g_strdup (conn->key);
        }
      if (bt_ut_metadata_assembler_is_complete (self->assembler))
        complete (self);
      else
        request_more (self, conn);
      break;
    }
}

static void
handle_extension_handshake (BtMetadataFetcher *self,
                            Conn              *conn)
{
  const BtExtensionHandshake *theirs = bt_peer_get_extensions (conn->peer);
  g_autoptr(GError) error = NULL;

  if (!bt_peer_supports_extension (conn->peer, BT_EXTENSION_UT_METADATA)
      || theirs->metadata_size <= 0)
    {
      /* It may still tell us of other peers; BEP 11 peers send within a
       * minute, longer than is worth holding a slot for. */
      close_conn (conn, "%s does not offer the metadata", bt_peer_get_address_string (conn->peer));
      return;
    }
  if (self->assembler == NULL)
    {
      guint32 n;

      self->assembler = bt_ut_metadata_assembler_new (self->info_hash, theirs->metadata_size,
                                                      &error);
      if (self->assembler == NULL)
        {
          g_prefix_error (&error, "%s: ", bt_peer_get_address_string (conn->peer));
          bt_peer_close (conn->peer, error);
          return;
        }
      n = bt_ut_metadata_assembler_get_n_pieces (self->assembler);
      self->asked = g_new0 (Conn *, n);
      self->sources = g_new0 (char *, n);
    }
  else if ((gsize) theirs->metadata_size != bt_ut_metadata_assembler_get_size (self->assembler))
    {
      /* The first size heard wins; a peer announcing another is wrong or
       * the first one was, and the hash check settles which. */
      close_conn (conn, "%s announced metadata of %" G_GINT64_FORMAT " bytes, others %"
                  G_GSIZE_FORMAT, bt_peer_get_address_string (conn->peer), theirs->metadata_size,
                  bt_ut_metadata_assembler_get_size (self->assembler));
      return;
    }
  request_more (self, conn);
}

/* Signal callbacks */

static void
peer_handshake_cb (BtPeer   *peer,
                   gpointer  user_data)
{
  BtMetadataFetcher *self = user_data;
  Conn *conn = g_hash_table_lookup (self->conns, peer);
  g_autoptr(BtBitfield) nothing = bt_bitfield_new (0);

  g_assert (conn != NULL);
  if (memcmp (bt_peer_get_peer_id (peer), self->peer_id, 20) == 0)
    {
      bt_peer_close (peer, NULL);
      return;
    }
  if (!bt_peer_supports_extensions (peer))
    {
      close_conn (conn, "%s does not speak the extension protocol, so cannot send metadata",
                  bt_peer_get_address_string (peer));
      return;
    }
  conn->connected_us = g_get_monotonic_time ();
  /* BEP 6 wants a have message first; have-none is the truth. */
  bt_peer_send_bitfield (peer, nothing);
}

static void
peer_message_cb (BtPeer          *peer,
                 const BtMessage *message,
                 gpointer         user_data)
{
  BtMetadataFetcher *self = user_data;
  Conn *conn = g_hash_table_lookup (self->conns, peer);

  if (conn == NULL || message->type != BT_MSG_EXTENDED)
    return;

  switch (message->extended_id)
    {
    case BT_EXTENSION_HANDSHAKE:
      handle_extension_handshake (self, conn);
      break;

    case BT_EXTENSION_UT_METADATA:
      handle_metadata (self, conn, message);
      break;

    case BT_EXTENSION_UT_PEX:
      {
        g_autoptr(GPtrArray) added = bt_pex_receive (peer, message->payload,
                                                     message->payload_length,
                                                     g_get_monotonic_time ());

        for (guint i = 0; added != NULL && i < added->len; i++)
          bt_metadata_fetcher_add_peer (self, g_ptr_array_index (added, i));
      }
      break;

    default:
      break;
    }
}

static void
peer_closed_cb (BtPeer       *peer,
                const GError *error,
                gpointer      user_data)
{
  BtMetadataFetcher *self = user_data;
  Conn *conn = g_hash_table_lookup (self->conns, peer);

  if (conn == NULL)
    return;
  if (error != NULL)
    g_debug ("%s", error->message);
  release_requests (self, conn);
  g_hash_table_remove (self->conns, peer);
  request_all (self);
  connect_more (self);
}

static gboolean
tick_cb (gpointer user_data)
{
  BtMetadataFetcher *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GList) conns = g_hash_table_get_values (self->conns);

  /* Closing a peer only schedules its removal, so the list stays valid. */
  for (GList *l = conns; l != NULL; l = l->next)
    {
      Conn *conn = l->data;
      BtPeer *peer = conn->peer;

      bt_peer_tick (peer, now);
      if (bt_peer_is_closed (peer))
        continue;
      if (conn->connected_us != 0 && bt_peer_get_extensions (peer) == NULL
          && now - conn->connected_us > EXTENSION_HANDSHAKE_TIMEOUT_S * G_USEC_PER_SEC)
        close_conn (conn, "%s did not send its extension handshake", bt_peer_get_address_string (peer));
      else if (conn->requested->len > 0
               && now - conn->last_answer_us > BT_UT_METADATA_REQUEST_TIMEOUT_S * G_USEC_PER_SEC)
        close_conn (conn, "%s did not answer metadata requests in time",
                    bt_peer_get_address_string (peer));
    }

  connect_more (self);
  if (g_hash_table_size (self->conns) > 0 || !g_queue_is_empty (&self->untried))
    self->idle_since_us = 0;
  else if (self->idle_since_us == 0)
    self->idle_since_us = now;
  else if (now - self->idle_since_us >= (gint64) self->idle_timeout_s * G_USEC_PER_SEC)
    {
      finish (self, NULL,
              g_error_new (BT_ERROR, BT_ERROR_FAILED,
                           "None of the %u peers tried could send the torrent’s metadata; "
                           "try again later or with a link that lists more peers",
                           g_hash_table_size (self->candidates)));
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  BtMetadataFetcher *self = user_data;

  finish (self, NULL, g_error_new_literal (BT_ERROR, BT_ERROR_CANCELLED,
                                           "Fetching the metadata was cancelled"));
  return G_SOURCE_REMOVE;
}

/* GObject overrides */

static void
bt_metadata_fetcher_dispose (GObject *object)
{
  BtMetadataFetcher *self = (BtMetadataFetcher *) object;

  g_assert (self->task == NULL); /* the task holds a reference to us */
  clear_sources (self);
  drop_all_peers (self);

  G_OBJECT_CLASS (bt_metadata_fetcher_parent_class)->dispose (object);
}

static void
bt_metadata_fetcher_finalize (GObject *object)
{
  BtMetadataFetcher *self = (BtMetadataFetcher *) object;

  free_pieces (self);
  g_hash_table_unref (self->conns);
  g_hash_table_unref (self->candidates);
  g_queue_clear_full (&self->untried, g_free);

  G_OBJECT_CLASS (bt_metadata_fetcher_parent_class)->finalize (object);
}

static void
bt_metadata_fetcher_class_init (BtMetadataFetcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bt_metadata_fetcher_dispose;
  object_class->finalize = bt_metadata_fetcher_finalize;
}

static void
bt_metadata_fetcher_init (BtMetadataFetcher *self)
{
  self->candidates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) candidate_free);
  self->conns = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) conn_free);
  g_queue_init (&self->untried);
  self->idle_timeout_s = BT_METADATA_FETCH_IDLE_TIMEOUT_S;
}

/* Public API */

/**
 * bt_metadata_fetcher_new:
 * @info_hash: the torrent's info-hash
 * @peer_id: our peer id
 * @port: (nullable): the port we listen on, told to peers; 0 for none
 *
 * Returns: (transfer full): a fetcher with no peers yet
 */
BtMetadataFetcher *
bt_metadata_fetcher_new (const guint8 info_hash[20],
                         const guint8 peer_id[20],
                         guint16      port)
{
  BtMetadataFetcher *self;

  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (peer_id != NULL, NULL);

  self = g_object_new (BT_TYPE_METADATA_FETCHER, NULL);
  memcpy (self->info_hash, info_hash, 20);
  memcpy (self->peer_id, peer_id, 20);
  self->port = port;
  return self;
}

/**
 * bt_metadata_fetcher_set_idle_timeout:
 *
 * How long a fetch waits, with no connection open and no address left to
 * try, for bt_metadata_fetcher_add_peer() before it fails
 * (%BT_METADATA_FETCH_IDLE_TIMEOUT_S by default).
 */
void
bt_metadata_fetcher_set_idle_timeout (BtMetadataFetcher *self,
                                      guint              seconds)
{
  g_return_if_fail (BT_IS_METADATA_FETCHER (self));
  self->idle_timeout_s = seconds;
}

/**
 * bt_metadata_fetcher_add_peer:
 *
 * Adds a peer to ask (from the magnet link's x.pe, a tracker, the DHT),
 * before or during the fetch. Addresses already known are ignored.
 */
void
bt_metadata_fetcher_add_peer (BtMetadataFetcher  *self,
                              GInetSocketAddress *address)
{
  g_autofree char *key = NULL;
  Candidate *candidate;

  g_return_if_fail (BT_IS_METADATA_FETCHER (self));
  g_return_if_fail (G_IS_INET_SOCKET_ADDRESS (address));

  if (g_inet_socket_address_get_port (address) == 0
      || g_hash_table_size (self->candidates) >= BT_TORRENT_MAX_KNOWN_PEERS)
    return;
  key = address_key (address);
  if (g_hash_table_contains (self->candidates, key))
    return;
  candidate = g_new0 (Candidate, 1);
  candidate->address = g_object_ref (address);
  g_hash_table_insert (self->candidates, g_strdup (key), candidate);
  g_queue_push_tail (&self->untried, g_steal_pointer (&key));
  connect_more (self);
}

/**
 * bt_metadata_fetcher_get_n_peers:
 *
 * Returns: connections open or being opened
 */
guint
bt_metadata_fetcher_get_n_peers (BtMetadataFetcher *self)
{
  g_return_val_if_fail (BT_IS_METADATA_FETCHER (self), 0);
  return g_hash_table_size (self->conns);
}

/**
 * bt_metadata_fetcher_fetch_async:
 *
 * Starts fetching; once per fetcher. The callback runs on the
 * thread-default main context of the caller, as do the connections.
 */
void
bt_metadata_fetcher_fetch_async (BtMetadataFetcher   *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (BT_IS_METADATA_FETCHER (self));
  g_return_if_fail (self->task == NULL && self->tick_source == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, bt_metadata_fetcher_fetch_async);
  /* Our own BT_ERROR_CANCELLED, as every engine error is in BT_ERROR. */
  g_task_set_check_cancellable (self->task, FALSE);
  if (cancellable != NULL)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          finish (self, NULL, g_error_new_literal (BT_ERROR, BT_ERROR_CANCELLED,
                                                   "Fetching the metadata was cancelled"));
          return;
        }
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (cancelled_cb), self, NULL);
      g_source_attach (self->cancel_source, g_main_context_get_thread_default ());
    }
  self->tick_source = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->tick_source, tick_cb, self, NULL);
  g_source_attach (self->tick_source, g_main_context_get_thread_default ());
  connect_more (self);
}

/**
 * bt_metadata_fetcher_fetch_finish:
 * @error: %BT_ERROR_CANCELLED, or %BT_ERROR_FAILED when no peer could
 *   send metadata matching the info-hash
 *
 * Returns: (transfer full): the info dictionary's bytes, whose SHA1 is
 *   the info-hash
 */
GBytes *
bt_metadata_fetcher_fetch_finish (BtMetadataFetcher  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
