/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * BtDht's server side: answering queries, tokens, the announced peers, and
 * the rate limits on incoming queries.
 */
#define G_LOG_DOMAIN "bt-dht"

#include "config.h"

#include <string.h>

#include "bt-dht-internal.h"
#include "bt-sha1.h"

/* Tokens: a hash of a secret and the asker's IP, so nothing is stored per
 * asker and a token is useless from another address. */
static void
make_token (const guint8 *secret,
            const guint8 *ip,
            guint8       *out)
{
  guint8 input[BT_DHT_SECRET_LENGTH + 4];
  guint8 digest[BT_SHA1_LENGTH];

  memcpy (input, secret, BT_DHT_SECRET_LENGTH);
  memcpy (input + BT_DHT_SECRET_LENGTH, ip, 4);
  bt_sha1 (input, sizeof input, digest);
  memcpy (out, digest, BT_DHT_TOKEN_LENGTH);
}

static gboolean
token_valid (BtDht               *self,
             const BtKrpcMessage *message,
             const guint8        *ip)
{
  guint8 expected[BT_DHT_TOKEN_LENGTH];

  if (message->token_length != BT_DHT_TOKEN_LENGTH)
    return FALSE;
  make_token (self->secret, ip, expected);
  if (memcmp (expected, message->token, BT_DHT_TOKEN_LENGTH) == 0)
    return TRUE;
  make_token (self->previous_secret, ip, expected);
  return memcmp (expected, message->token, BT_DHT_TOKEN_LENGTH) == 0;
}

void
_bt_dht_new_secret (BtDht *self)
{
  memcpy (self->previous_secret, self->secret, BT_DHT_SECRET_LENGTH);
  for (guint i = 0; i < BT_DHT_SECRET_LENGTH; i++)
    self->secret[i] = (guint8) g_random_int_range (0, 256);
  self->secret_changed = _bt_dht_now_us ();
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
  _bt_dht_send_message (self, &reply, ip, port, TRUE);
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

/* Records a verification ping to @ip:@port, unless one went there within
 * BT_DHT_VERIFY_INTERVAL_S: then returns TRUE and no ping is due. */
static gboolean
pinged_recently (BtDht        *self,
                 const guint8 *ip,
                 guint16       port,
                 gint64        now)
{
  gint64 key = (gint64) ip[0] << 40 | (gint64) ip[1] << 32 | (gint64) ip[2] << 24
               | (gint64) ip[3] << 16 | port;
  gint seconds = (gint) (now / G_USEC_PER_SEC);
  gpointer when;

  if (g_hash_table_lookup_extended (self->verified, &key, NULL, &when)
      && seconds - GPOINTER_TO_INT (when) < BT_DHT_VERIFY_INTERVAL_S)
    return TRUE;
  /* Forgotten wholesale when full; the maintenance timer drops old ones. */
  if (g_hash_table_size (self->verified) >= BT_DHT_MAX_RATE_ENTRIES)
    g_hash_table_remove_all (self->verified);
  g_hash_table_insert (self->verified, g_memdup2 (&key, sizeof key), GINT_TO_POINTER (seconds));
  return FALSE;
}

void
_bt_dht_handle_query (BtDht               *self,
                      const BtKrpcMessage *query,
                      const guint8        *ip,
                      guint16              port)
{
  gint64 now = _bt_dht_now_us ();
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
  if (!query->read_only && _bt_dht_address_acceptable (self, ip, port)
      && bt_dht_table_wants (self->table, &sender, now)
      && !pinged_recently (self, ip, port, now))
    _bt_dht_ping (self, &sender, TRUE);

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
        reply.token_length = BT_DHT_TOKEN_LENGTH;
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

  _bt_dht_send_message (self, &reply, ip, port, TRUE);
}

