/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * BtDht's iterative lookups (BEP 5, Kademlia): the closest candidates
 * known, alpha queries in flight, done when the K closest have answered;
 * and bootstrapping, a lookup of our own id from the bootstrap nodes.
 */
#define G_LOG_DOMAIN "bt-dht"

#include "config.h"

#include <string.h>

#include "bt-dht-internal.h"

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

  if (!_bt_dht_address_acceptable (self, node->ip, node->port))
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

void
_bt_dht_lookup_free (Lookup *lookup)
{
  _bt_dht_destroy_source (&lookup->finish_idle);
  g_array_unref (lookup->candidates);
  g_hash_table_unref (lookup->seen_peers);
  g_free (lookup);
}

/* Stops @lookup's outstanding queries from reporting to it. */
void
_bt_dht_lookup_detach (Lookup *lookup)
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

  _bt_dht_destroy_source (&lookup->finish_idle);
  _bt_dht_lookup_detach (lookup);
  g_hash_table_steal (self->lookups, GUINT_TO_POINTER (lookup->handle));

  if (lookup->method == BT_KRPC_METHOD_GET_PEERS && lookup->announce_port != 0)
    {
      guint sent = 0;

      for (guint i = 0; i < lookup->candidates->len && sent < BT_DHT_K; i++)
        {
          Candidate *c = &g_array_index (lookup->candidates, Candidate, i);

          if (c->state == CANDIDATE_REPLIED && c->token_length > 0)
            {
              _bt_dht_send_query (self, BT_KRPC_METHOD_ANNOUNCE_PEER, &c->node, TRUE, lookup->target,
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
      _bt_dht_schedule_bootstrap_retry (self);
    }

  /* The callback may drop the last reference to the node. */
  g_object_ref (self);
  if (lookup->callback != NULL)
    {
      none = g_ptr_array_new ();
      lookup->callback (self, none, TRUE, lookup->user_data);
    }
  if (lookup->destroy != NULL)
    lookup->destroy (lookup->user_data);
  _bt_dht_lookup_free (lookup);

  _bt_dht_start_waiting_lookups (self);
  g_object_unref (self);
}

static gboolean
lookup_finish_cb (gpointer user_data)
{
  Lookup *lookup = user_data;

  lookup_finish (lookup);
  return G_SOURCE_REMOVE;
}

void
_bt_dht_lookup_step (Lookup *lookup)
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
          _bt_dht_send_query (lookup->dht, lookup->method, &c->node, c->id_known, lookup->target,
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
  guint n = bt_dht_table_closest (self->table, lookup->target, _bt_dht_now_us (), closest,
                                  G_N_ELEMENTS (closest));

  for (guint i = 0; i < n; i++)
    lookup_add_candidate (lookup, &closest[i], TRUE);
  if (lookup->is_bootstrap)
    for (guint i = 0; i < self->seeds->len; i++)
      lookup_add_candidate (lookup, &g_array_index (self->seeds, BtKrpcNode, i), FALSE);
  _bt_dht_lookup_step (lookup);
}

guint
_bt_dht_count_running (BtDht *self)
{
  return g_hash_table_size (self->lookups) - self->waiting.length;
}

void
_bt_dht_start_waiting_lookups (BtDht *self)
{
  while (!g_queue_is_empty (&self->waiting) && _bt_dht_count_running (self) < BT_DHT_MAX_LOOKUPS
         && !self->bootstrapping && self->resolving == 0)
    lookup_start (g_queue_pop_head (&self->waiting));
}

Lookup *
_bt_dht_lookup_new (BtDht          *self,
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
void
_bt_dht_lookup_submit (Lookup *lookup)
{
  BtDht *self = lookup->dht;

  if (lookup->is_bootstrap
      || (!self->bootstrapping && self->resolving == 0 && _bt_dht_count_running (self) < BT_DHT_MAX_LOOKUPS))
    lookup_start (lookup);
  else
    g_queue_push_tail (&self->waiting, lookup);
}

void
_bt_dht_lookup_handle_reply (Lookup              *lookup,
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

          if (!_bt_dht_address_acceptable (self, peer->ip, peer->port)
              || g_hash_table_contains (lookup->seen_peers, &key)
              || g_hash_table_size (lookup->seen_peers) >= BT_DHT_MAX_PEERS_PER_HASH)
            continue;
          g_hash_table_add (lookup->seen_peers, g_memdup2 (&key, sizeof key));
          g_ptr_array_add (peers, _bt_dht_make_address (peer->ip, peer->port));
        }
      if (peers->len > 0)
        {
          guint handle = lookup->handle;
          gboolean cancelled;

          g_object_ref (self);
          lookup->callback (self, peers, FALSE, lookup->user_data);
          /* The callback may have cancelled the lookup, or disposed of
           * the node, which cancels every lookup. */
          cancelled = g_hash_table_lookup (self->lookups, GUINT_TO_POINTER (handle)) != lookup;
          g_object_unref (self);
          if (cancelled)
            return;
        }
    }
  _bt_dht_lookup_step (lookup);
}

/* Bootstrapping */

void
_bt_dht_add_seed (BtDht        *self,
                  const guint8 *ip,
                  guint16       port)
{
  BtKrpcNode seed = { 0 };

  /* Someone gave us a loopback node on purpose: a test, or nodes on this
   * machine. Only then are loopback addresses from the network accepted. */
  if (ip[0] == 127)
    self->loopback = TRUE;
  if (self->seeds->len >= BT_DHT_MAX_SAVED_NODES || !_bt_dht_address_acceptable (self, ip, port))
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
      _bt_dht_schedule_bootstrap_retry (self);
      _bt_dht_start_waiting_lookups (self);
      return;
    }
  self->bootstrapping = TRUE;
  lookup = _bt_dht_lookup_new (self, BT_KRPC_METHOD_FIND_NODE, bt_dht_table_get_own_id (self->table));
  lookup->is_bootstrap = TRUE;
  _bt_dht_lookup_submit (lookup);
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
      _bt_dht_add_seed (self, g_inet_address_to_bytes (l->data), resolve->port);
  g_resolver_free_addresses (addresses);

  self->resolving--;
  bootstrap_run (self);
}

void
_bt_dht_bootstrap_from_names (BtDht *self)
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
            _bt_dht_add_seed (self, g_inet_address_to_bytes (literal), (guint16) port);
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
