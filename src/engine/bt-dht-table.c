/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-dht-table"

#include "config.h"

#include <string.h>

#include "bt-dht-table.h"
#include "bt-limits.h"

typedef struct
{
  BtDhtTableNode  nodes[BT_DHT_K];
  guint           n_nodes;
  /* Nodes that answered while the bucket was full, newest last: they take
   * the place of nodes that go bad. */
  BtKrpcNode      replacements[BT_DHT_K];
  guint           n_replacements;
  gint64          last_changed;
} Bucket;

struct _BtDhtTable
{
  guint8  own_id[BT_KRPC_ID_LENGTH];
  Bucket  buckets[BT_DHT_N_BUCKETS];
  guint   n_nodes;
};

/* Auxiliary functions */

static gboolean
same_address (const BtKrpcNode *a,
              const BtKrpcNode *b)
{
  return memcmp (a->ip, b->ip, 4) == 0 && a->port == b->port;
}

static Bucket *
bucket_for (BtDhtTable   *table,
            const guint8 *id)
{
  int index = bt_dht_bucket_index (table->own_id, id);

  return index < BT_DHT_N_BUCKETS ? &table->buckets[index] : NULL;
}

static BtDhtTableNode *
bucket_find (Bucket           *bucket,
             const BtKrpcNode *node)
{
  for (guint i = 0; i < bucket->n_nodes; i++)
    if (memcmp (bucket->nodes[i].node.id, node->id, BT_KRPC_ID_LENGTH) == 0)
      return &bucket->nodes[i];
  return NULL;
}

static void
bucket_remove_replacement (Bucket           *bucket,
                           const BtKrpcNode *node)
{
  for (guint i = 0; i < bucket->n_replacements; i++)
    if (memcmp (bucket->replacements[i].id, node->id, BT_KRPC_ID_LENGTH) == 0
        || same_address (&bucket->replacements[i], node))
      {
        memmove (&bucket->replacements[i], &bucket->replacements[i + 1],
                 (bucket->n_replacements - i - 1) * sizeof (BtKrpcNode));
        bucket->n_replacements--;
        return;
      }
}

static void
bucket_add_replacement (Bucket           *bucket,
                        const BtKrpcNode *node)
{
  bucket_remove_replacement (bucket, node);
  if (bucket->n_replacements == BT_DHT_K)
    {
      memmove (&bucket->replacements[0], &bucket->replacements[1],
               (BT_DHT_K - 1) * sizeof (BtKrpcNode));
      bucket->n_replacements--;
    }
  bucket->replacements[bucket->n_replacements++] = *node;
}

/* Public API */

BtDhtTable *
bt_dht_table_new (const guint8 *own_id)
{
  BtDhtTable *table;

  g_return_val_if_fail (own_id != NULL, NULL);

  table = g_new0 (BtDhtTable, 1);
  memcpy (table->own_id, own_id, BT_KRPC_ID_LENGTH);
  return table;
}

void
bt_dht_table_free (BtDhtTable *table)
{
  g_free (table);
}

const guint8 *
bt_dht_table_get_own_id (BtDhtTable *table)
{
  return table->own_id;
}

guint
bt_dht_table_get_n_nodes (BtDhtTable *table)
{
  return table->n_nodes;
}

/* The number of leading bits @a and @b share: 160 when equal. */
int
bt_dht_bucket_index (const guint8 *a,
                     const guint8 *b)
{
  for (int i = 0; i < BT_KRPC_ID_LENGTH; i++)
    {
      guint8 x = a[i] ^ b[i];

      if (x != 0)
        {
          int bit = 0;

          while ((x & 0x80) == 0)
            {
              x <<= 1;
              bit++;
            }
          return i * 8 + bit;
        }
    }
  return BT_DHT_N_BUCKETS;
}

/* <0 when @a is closer to @target than @b (XOR metric). */
int
bt_dht_compare_distance (const guint8 *target,
                         const guint8 *a,
                         const guint8 *b)
{
  for (int i = 0; i < BT_KRPC_ID_LENGTH; i++)
    {
      guint8 da = a[i] ^ target[i], db = b[i] ^ target[i];

      if (da != db)
        return da < db ? -1 : 1;
    }
  return 0;
}

/* BEP 5: good if it answered within 15 minutes, or answered once and
 * queried us within 15 minutes; bad after several missed queries. */
BtDhtNodeStatus
bt_dht_table_node_status (const BtDhtTableNode *node,
                          gint64                now)
{
  gint64 window = (gint64) BT_DHT_NODE_GOOD_S * G_USEC_PER_SEC;

  if (node->failures >= BT_DHT_NODE_MAX_FAILURES)
    return BT_DHT_NODE_BAD;
  if (node->last_reply > 0
      && (now - node->last_reply < window || now - node->last_query < window))
    return BT_DHT_NODE_GOOD;
  return BT_DHT_NODE_QUESTIONABLE;
}

/**
 * bt_dht_table_heard_reply:
 * @out_ping: (out): set when the bucket is full and holds a questionable
 *   node: the node to ping, whose failure makes room
 *
 * @node answered one of our queries. Adds it (or refreshes it) when there
 * is room or a bad node to replace; otherwise keeps it as a replacement.
 *
 * Returns: whether @out_ping was set.
 */
gboolean
bt_dht_table_heard_reply (BtDhtTable       *table,
                          const BtKrpcNode *node,
                          gint64            now,
                          BtKrpcNode       *out_ping)
{
  Bucket *bucket = bucket_for (table, node->id);
  BtDhtTableNode *known;
  BtDhtTableNode *oldest_questionable = NULL;

  if (bucket == NULL)
    return FALSE;

  known = bucket_find (bucket, node);
  if (known != NULL)
    {
      /* Same id at a new address: trust the address that just answered. */
      known->node = *node;
      known->last_reply = now;
      known->failures = 0;
      bucket->last_changed = now;
      return FALSE;
    }

  for (guint i = 0; i < bucket->n_nodes; i++)
    {
      BtDhtTableNode *n = &bucket->nodes[i];
      BtDhtNodeStatus status = bt_dht_table_node_status (n, now);

      /* One address, one node: a node that changed its id replaces itself. */
      if (same_address (&n->node, node) || status == BT_DHT_NODE_BAD)
        {
          n->node = *node;
          n->last_reply = now;
          n->last_query = 0;
          n->failures = 0;
          bucket->last_changed = now;
          bucket_remove_replacement (bucket, node);
          return FALSE;
        }
      if (status == BT_DHT_NODE_QUESTIONABLE
          && (oldest_questionable == NULL || n->last_reply < oldest_questionable->last_reply))
        oldest_questionable = n;
    }

  if (bucket->n_nodes < BT_DHT_K)
    {
      BtDhtTableNode *n = &bucket->nodes[bucket->n_nodes++];

      memset (n, 0, sizeof *n);
      n->node = *node;
      n->last_reply = now;
      bucket->last_changed = now;
      table->n_nodes++;
      bucket_remove_replacement (bucket, node);
      return FALSE;
    }

  bucket_add_replacement (bucket, node);
  if (oldest_questionable != NULL && out_ping != NULL)
    {
      *out_ping = oldest_questionable->node;
      return TRUE;
    }
  return FALSE;
}

/* @node queried us: that keeps a known node good (BEP 5). */
void
bt_dht_table_heard_query (BtDhtTable       *table,
                          const BtKrpcNode *node,
                          gint64            now)
{
  Bucket *bucket = bucket_for (table, node->id);
  BtDhtTableNode *known;

  if (bucket == NULL)
    return;
  known = bucket_find (bucket, node);
  if (known != NULL && same_address (&known->node, node))
    known->last_query = now;
}

/* Whether a node with @node's id, once verified, would enter the table:
 * not known yet and its bucket has room or a node that is not good. */
gboolean
bt_dht_table_wants (BtDhtTable       *table,
                    const BtKrpcNode *node,
                    gint64            now)
{
  Bucket *bucket = bucket_for (table, node->id);

  if (bucket == NULL || bucket_find (bucket, node) != NULL)
    return FALSE;
  if (bucket->n_nodes < BT_DHT_K)
    return TRUE;
  for (guint i = 0; i < bucket->n_nodes; i++)
    if (bt_dht_table_node_status (&bucket->nodes[i], now) != BT_DHT_NODE_GOOD)
      return TRUE;
  return FALSE;
}

/* A query to @node timed out. A node that goes bad is replaced by the
 * newest replacement, or dropped. */
void
bt_dht_table_failed (BtDhtTable       *table,
                     const BtKrpcNode *node,
                     gint64            now)
{
  Bucket *bucket = bucket_for (table, node->id);
  BtDhtTableNode *known;

  if (bucket == NULL)
    return;
  known = bucket_find (bucket, node);
  if (known == NULL || !same_address (&known->node, node))
    return;
  known->failures++;
  if (bt_dht_table_node_status (known, now) != BT_DHT_NODE_BAD)
    return;

  if (bucket->n_replacements > 0)
    {
      /* Replacements answered us when they were cached; they are as
       * verified as any node. */
      known->node = bucket->replacements[--bucket->n_replacements];
      known->last_reply = now;
      known->last_query = 0;
      known->failures = 0;
    }
  else
    {
      *known = bucket->nodes[--bucket->n_nodes];
      table->n_nodes--;
    }
  bucket->last_changed = now;
}

typedef struct
{
  const guint8 *target;
} SortContext;

static int
compare_nodes (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const SortContext *ctx = user_data;

  return bt_dht_compare_distance (ctx->target, ((const BtKrpcNode *) a)->id,
                                  ((const BtKrpcNode *) b)->id);
}

/* The @max nodes closest to @target that are not bad, closest first. */
guint
bt_dht_table_closest (BtDhtTable   *table,
                      const guint8 *target,
                      gint64        now,
                      BtKrpcNode   *out_nodes,
                      guint         max)
{
  g_autoptr(GArray) all = g_array_sized_new (FALSE, FALSE, sizeof (BtKrpcNode), table->n_nodes);
  SortContext ctx = { target };
  guint n;

  for (guint b = 0; b < BT_DHT_N_BUCKETS; b++)
    for (guint i = 0; i < table->buckets[b].n_nodes; i++)
      if (bt_dht_table_node_status (&table->buckets[b].nodes[i], now) != BT_DHT_NODE_BAD)
        g_array_append_val (all, table->buckets[b].nodes[i].node);
  g_array_sort_with_data (all, compare_nodes, &ctx);
  n = MIN (max, all->len);
  if (n > 0)
    memcpy (out_nodes, all->data, n * sizeof (BtKrpcNode));
  return n;
}

/* Buckets nobody changed for @max_age µs, up to one past the deepest
 * non-empty one (deeper buckets are empty by nature), oldest first. */
guint
bt_dht_table_stale_buckets (BtDhtTable *table,
                            gint64      now,
                            gint64      max_age,
                            guint      *out_indices,
                            guint       max)
{
  guint deepest = 0, n = 0;

  for (guint b = 0; b < BT_DHT_N_BUCKETS; b++)
    if (table->buckets[b].n_nodes > 0)
      deepest = b;
  for (guint b = 0; b <= MIN (deepest + 1, BT_DHT_N_BUCKETS - 1) && n < max; b++)
    if (now - table->buckets[b].last_changed >= max_age)
      out_indices[n++] = b;
  return n;
}

void
bt_dht_table_touch_bucket (BtDhtTable *table,
                           guint       index,
                           gint64      now)
{
  g_return_if_fail (index < BT_DHT_N_BUCKETS);
  table->buckets[index].last_changed = now;
}

/* A random id that falls in bucket @index. */
void
bt_dht_table_random_id (BtDhtTable *table,
                        guint       index,
                        guint8     *out_id)
{
  g_return_if_fail (index < BT_DHT_N_BUCKETS);

  for (guint i = 0; i < BT_KRPC_ID_LENGTH; i++)
    out_id[i] = (guint8) g_random_int_range (0, 256);
  /* Copy our first @index bits, then flip the next one. */
  for (guint bit = 0; bit <= index; bit++)
    {
      guint8 mask = 0x80 >> (bit % 8);
      guint8 own = table->own_id[bit / 8] & mask;

      if (bit == index)
        own ^= mask;
      out_id[bit / 8] = (out_id[bit / 8] & ~mask) | own;
    }
}
