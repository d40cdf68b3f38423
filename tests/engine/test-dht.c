/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The DHT: the routing table alone, then a network of BtDht nodes on
 * loopback in one main context, then a hostile client with a raw socket.
 */
#include "config.h"

#include <string.h>

#include "bt-dht-private.h"
#include "bt-dht-table.h"
#include "bt-dht.h"
#include "bt-krpc.h"
#include "bt-limits.h"

#define N_NODES 20

/* Query time-out in the tests: loopback answers in microseconds. */
#define TEST_QUERY_TIMEOUT_MS 300

static const guint8 info_hash[20] = "0123456789abcdefghij";

/* Main loop helpers */

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @cond holds or @timeout_ms passes. */
static gboolean
run_until (gboolean (*cond) (gpointer),
           gpointer   data,
           guint      timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GSource *wake = g_timeout_source_new (20);
  gboolean ok;

  g_source_set_callback (wake, wake_cb, NULL, NULL);
  g_source_attach (wake, NULL);
  while (!(ok = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (wake);
  g_source_unref (wake);
  return ok;
}

/* The routing table */

static void
make_id (guint8 *id,
         guint8  first,
         guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);

  for (guint i = 0; i < 20; i++)
    id[i] = (guint8) g_rand_int_range (rand, 0, 256);
  id[0] = first;
  g_rand_free (rand);
}

static void
test_table (void)
{
  guint8 own[20] = { 0 };
  BtDhtTable *table = bt_dht_table_new (own);
  BtKrpcNode node = { 0 }, ping, closest[BT_DHT_K];
  gint64 now = 1000 * G_USEC_PER_SEC;
  guint8 target[20];

  g_assert_cmpint (bt_dht_bucket_index (own, own), ==, 160);
  node.id[0] = 0x80;
  g_assert_cmpint (bt_dht_bucket_index (own, node.id), ==, 0);
  node.id[0] = 0x01;
  g_assert_cmpint (bt_dht_bucket_index (own, node.id), ==, 7);

  /* Bucket 0 (first bit set) takes K nodes; the next one waits as a
   * replacement and a questionable node is offered for a ping. */
  for (guint i = 0; i < BT_DHT_K; i++)
    {
      make_id (node.id, 0x80 | (guint8) i, i);
      node.ip[0] = 10;
      node.ip[3] = (guint8) i;
      node.port = 1000;
      g_assert_false (bt_dht_table_heard_reply (table, &node, now, &ping));
    }
  g_assert_cmpuint (bt_dht_table_get_n_nodes (table), ==, BT_DHT_K);

  make_id (node.id, 0xc0, 99);
  node.ip[3] = 99;
  g_assert_true (bt_dht_table_wants (table, &node, now) == FALSE);
  /* All good: no ping needed, kept as a replacement. */
  g_assert_false (bt_dht_table_heard_reply (table, &node, now, &ping));
  g_assert_cmpuint (bt_dht_table_get_n_nodes (table), ==, BT_DHT_K);

  /* Twenty minutes later they are questionable: a ping is asked for. */
  now += 20 * 60 * G_USEC_PER_SEC;
  g_assert_true (bt_dht_table_wants (table, &node, now));
  g_assert_true (bt_dht_table_heard_reply (table, &node, now, &ping));

  /* The pinged node fails twice: it goes bad and the replacement
   * takes its place. */
  bt_dht_table_failed (table, &ping, now);
  bt_dht_table_failed (table, &ping, now);
  g_assert_cmpuint (bt_dht_table_get_n_nodes (table), ==, BT_DHT_K);
  g_assert_cmpuint (bt_dht_table_closest (table, node.id, now, closest, 1), ==, 1);
  g_assert_cmpmem (closest[0].id, 20, node.id, 20);

  /* Closest is sorted by XOR distance. */
  memset (target, 0xff, sizeof target);
  g_assert_cmpuint (bt_dht_table_closest (table, target, now, closest, BT_DHT_K), ==, BT_DHT_K);
  for (guint i = 1; i < BT_DHT_K; i++)
    g_assert_cmpint (bt_dht_compare_distance (target, closest[i - 1].id, closest[i].id), <, 0);

  /* Random ids land in the bucket asked for. */
  for (guint b = 0; b < 160; b += 17)
    {
      guint8 id[20];

      bt_dht_table_random_id (table, b, id);
      g_assert_cmpint (bt_dht_bucket_index (own, id), ==, (int) b);
    }

  bt_dht_table_free (table);
}

/* A network of nodes */

static BtDht *
new_node (void)
{
  g_autoptr(GError) error = NULL;
  BtDht *dht = bt_dht_new ("127.0.0.1", 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dht);
  g_assert_cmpuint (bt_dht_get_port (dht), >, 0);
  _bt_dht_set_timeouts (dht, TEST_QUERY_TIMEOUT_MS, 60 * 1000);
  /* Every node shares 127.0.0.1: the per-IP limit would see one flood. */
  _bt_dht_set_rate_limits (dht, 100000, 100000);
  return dht;
}

typedef struct
{
  GPtrArray *peers;  /* of GInetSocketAddress */
  guint      calls;
  gboolean   done;
  gboolean   destroyed;
} Collect;

static void
collect_cb (BtDht     *dht,
            GPtrArray *peers,
            gboolean   done,
            gpointer   user_data)
{
  Collect *collect = user_data;

  g_assert_false (collect->done);
  collect->calls++;
  for (guint i = 0; i < peers->len; i++)
    g_ptr_array_add (collect->peers, g_object_ref (peers->pdata[i]));
  collect->done = done;
}

static void
collect_destroy (gpointer user_data)
{
  Collect *collect = user_data;

  g_assert_false (collect->destroyed);
  collect->destroyed = TRUE;
}

static gboolean
collect_done (gpointer data)
{
  return ((Collect *) data)->done;
}

static gboolean
has_nodes (gpointer data)
{
  return bt_dht_get_n_nodes (data) > 0;
}

static gboolean
has_peer (Collect    *collect,
          guint16     port)
{
  for (guint i = 0; i < collect->peers->len; i++)
    {
      GInetSocketAddress *address = collect->peers->pdata[i];
      g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

      if (g_str_equal (ip, "127.0.0.1") && g_inet_socket_address_get_port (address) == port)
        return TRUE;
    }
  return FALSE;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_network (void)
{
  BtDht *nodes[N_NODES];
  g_autofree char *first = NULL;
  const char *bootstrap[2] = { NULL, NULL };
  Collect announce = { g_ptr_array_new_with_free_func (g_object_unref) };
  Collect search = { g_ptr_array_new_with_free_func (g_object_unref) };
  guint notifies = 0;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < N_NODES; i++)
    nodes[i] = new_node ();
  g_signal_connect (nodes[0], "notify::n-nodes", G_CALLBACK (count_notify_cb), &notifies);
  first = g_strdup_printf ("127.0.0.1:%u", bt_dht_get_port (nodes[0]));
  bootstrap[0] = first;

  /* One after the other, so each later node finds the earlier ones and
   * the earlier ones learn of it when it asks them. */
  for (guint i = 1; i < N_NODES; i++)
    {
      bt_dht_bootstrap (nodes[i], bootstrap);
      g_assert_true (run_until (has_nodes, nodes[i], 5000));
    }
  /* Bootstrap lookups finish within a few round trips. */
  for (guint i = 1; i < N_NODES; i++)
    {
      Collect probe = { g_ptr_array_new_with_free_func (g_object_unref) };

      /* A lookup queued behind the bootstrap runs once it is over. */
      bt_dht_get_peers (nodes[i], info_hash, 0, collect_cb, &probe, NULL);
      g_assert_true (run_until (collect_done, &probe, 5000));
      g_ptr_array_unref (probe.peers);
    }
  g_assert_cmpuint (bt_dht_get_n_nodes (nodes[0]), >=, 8);
  for (guint i = 0; i < N_NODES; i++)
    g_assert_cmpuint (bt_dht_get_n_nodes (nodes[i]), >=, 3);

  /* Node 3 announces port 6881; nobody had peers before. */
  bt_dht_get_peers (nodes[3], info_hash, 6881, collect_cb, &announce, collect_destroy);
  g_assert_true (run_until (collect_done, &announce, 5000));
  g_assert_true (announce.destroyed);
  g_assert_cmpuint (announce.peers->len, ==, 0);
  /* No wait needed: on loopback the announces are in their receivers'
   * socket buffers already, ahead of anything node 17 will send. */
  g_assert_cmpuint (notifies, >, 0);
  g_assert_cmpuint (notifies, <=, 2 * bt_dht_get_n_nodes (nodes[0]) + 2 * N_NODES);

  /* Node 17 finds it. */
  bt_dht_get_peers (nodes[17], info_hash, 0, collect_cb, &search, collect_destroy);
  g_assert_true (run_until (collect_done, &search, 5000));
  g_assert_true (search.destroyed);
  g_assert_true (has_peer (&search, 6881));
  g_assert_cmpuint (search.calls, >=, 2);

  /* Saved nodes bring a new node into the network without a bootstrap. */
  {
    g_autoptr(GBytes) saved = bt_dht_save_nodes (nodes[5]);
    g_autoptr(BtDht) fresh = new_node ();

    g_assert_cmpuint (g_bytes_get_size (saved), >, 0);
    g_assert_cmpuint (g_bytes_get_size (saved) % 26, ==, 0);
    bt_dht_add_saved_nodes (fresh, saved);
    g_assert_true (run_until (has_nodes, fresh, 5000));
  }

  /* Cancelling: the destroy notify runs at once, the callback never. */
  {
    Collect cancelled = { g_ptr_array_new_with_free_func (g_object_unref) };
    guint handle = bt_dht_get_peers (nodes[9], info_hash, 0, collect_cb, &cancelled, collect_destroy);

    g_assert_cmpuint (handle, !=, 0);
    bt_dht_cancel (nodes[9], handle);
    g_assert_true (cancelled.destroyed);
    run_until (collect_done, &cancelled, 300);
    g_assert_cmpuint (cancelled.calls, ==, 0);
    g_ptr_array_unref (cancelled.peers);
  }

  g_test_message ("network test took %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  for (guint i = 0; i < N_NODES; i++)
    g_object_unref (nodes[i]);
  g_ptr_array_unref (announce.peers);
  g_ptr_array_unref (search.peers);
}

/* A callback may drop the last reference to the node. */
static void
unref_on_done_cb (BtDht     *dht,
                  GPtrArray *peers,
                  gboolean   done,
                  gpointer   user_data)
{
  if (done)
    {
      g_object_unref (dht);
      *(gboolean *) user_data = TRUE;
    }
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
test_unref_in_callback (void)
{
  g_autoptr(BtDht) b = new_node ();
  BtDht *a = new_node ();
  g_autoptr(GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, bt_dht_get_port (b));
  GWeakRef weak;
  gboolean done = FALSE;

  g_weak_ref_init (&weak, a);
  bt_dht_add_node (a, G_INET_SOCKET_ADDRESS (address));
  g_assert_true (run_until (has_nodes, a, 5000));
  bt_dht_get_peers (a, info_hash, 6881, unref_on_done_cb, &done, NULL);
  g_assert_true (run_until (flag_set, &done, 5000));
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
  /* b still answers. */
  g_assert_cmpuint (bt_dht_get_n_nodes (b), ==, 1);
}

/* With a fast maintenance timer: quiet buckets are refreshed with lookups,
 * and the node keeps its table. */
typedef struct
{
  BtDht   *dht;
  guint64  packets;
} SentWait;

static gboolean
sent_more (gpointer data)
{
  SentWait *wait = data;
  BtDhtStats stats;

  _bt_dht_get_stats (wait->dht, &stats);
  return stats.packets_sent > wait->packets;
}

static void
test_maintenance (void)
{
  BtDht *nodes[4];
  g_autofree char *first = NULL;
  const char *bootstrap[2] = { NULL, NULL };
  BtDhtStats stats;
  SentWait wait;

  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    nodes[i] = new_node ();
  first = g_strdup_printf ("127.0.0.1:%u", bt_dht_get_port (nodes[0]));
  bootstrap[0] = first;
  for (guint i = 1; i < G_N_ELEMENTS (nodes); i++)
    {
      bt_dht_bootstrap (nodes[i], bootstrap);
      g_assert_true (run_until (has_nodes, nodes[i], 5000));
    }
  {
    Collect probe = { g_ptr_array_new_with_free_func (g_object_unref) };

    bt_dht_get_peers (nodes[3], info_hash, 0, collect_cb, &probe, NULL);
    g_assert_true (run_until (collect_done, &probe, 5000));
    g_ptr_array_unref (probe.peers);
  }

  /* Quiet: nothing is sent while idle. */
  _bt_dht_get_stats (nodes[3], &stats);
  wait.dht = nodes[3];
  wait.packets = stats.packets_sent;
  g_assert_false (run_until (sent_more, &wait, 200));

  /* Buckets quiet for 50 ms count as stale: each round refreshes some
   * with a lookup, which sends queries. */
  _bt_dht_set_bucket_refresh (nodes[3], 50);
  _bt_dht_set_timeouts (nodes[3], TEST_QUERY_TIMEOUT_MS, 20);
  g_assert_true (run_until (sent_more, &wait, 2000));
  wait.packets += 20;
  g_assert_true (run_until (sent_more, &wait, 2000));
  g_assert_cmpuint (bt_dht_get_n_nodes (nodes[3]), >=, 1);

  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    g_object_unref (nodes[i]);
}

/* The bootstrap node comes up after us (a seeder started just before its
 * tracker-less swarm's router, a laptop offline at login): we ask again,
 * backing off, and join once it answers, not minutes later. */
static void
test_bootstrap_late (void)
{
  g_autoptr(BtDht) dht = new_node ();
  g_autoptr(BtDht) late = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  const char *bootstrap[2] = { NULL, NULL };
  BtDhtStats stats;
  guint16 port;

  {
    /* A UDP port with nobody on it, for now. */
    g_autoptr(BtDht) placeholder = new_node ();

    port = bt_dht_get_port (placeholder);
  }
  address = g_strdup_printf ("127.0.0.1:%u", port);
  bootstrap[0] = address;
  _bt_dht_set_bootstrap_retry (dht, 100);
  bt_dht_bootstrap (dht, bootstrap);

  /* Asked at 0, then after 0.1 + 0.2 + 0.4 + 0.8 s of back-off, each ask
   * waiting out its 0.3 s time-out: five or six in 3 s, not a flood. */
  g_assert_false (run_until (has_nodes, dht, 3000));
  _bt_dht_get_stats (dht, &stats);
  g_assert_cmpuint (stats.packets_sent, >=, 3);
  g_assert_cmpuint (stats.packets_sent, <=, 8);

  late = bt_dht_new ("127.0.0.1", port, &error);
  g_assert_no_error (error);
  _bt_dht_set_timeouts (late, TEST_QUERY_TIMEOUT_MS, 60 * 1000);
  /* The next ask is at most 1.6 s of back-off away. */
  g_assert_true (run_until (has_nodes, dht, 5000));
  g_assert_cmpuint (bt_dht_get_n_nodes (dht), ==, 1);
}

/* An offline machine: names that do not resolve are skipped, lookups end. */
static void
test_unresolvable (void)
{
  g_autoptr(BtDht) dht = new_node ();
  const char *bootstrap[] = { "no-such-host.invalid:6881", "bad-entry", "127.0.0.1:1", NULL };
  Collect collect = { g_ptr_array_new_with_free_func (g_object_unref) };

  bt_dht_bootstrap (dht, bootstrap);
  bt_dht_get_peers (dht, info_hash, 0, collect_cb, &collect, NULL);
  g_assert_true (run_until (collect_done, &collect, 10000));
  g_assert_cmpuint (collect.peers->len, ==, 0);
  g_assert_cmpuint (bt_dht_get_n_nodes (dht), ==, 0);
  g_ptr_array_unref (collect.peers);
}

/* A hostile client with a raw socket */

typedef struct
{
  GSocket   *socket;
  GPtrArray *replies;   /* of GBytes */
} Raw;

static Raw *
raw_new (const char *ip)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ip);
  g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (address, 0);
  Raw *raw = g_new0 (Raw, 1);

  raw->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                              G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (raw->socket, bind, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (raw->socket, FALSE);
  raw->replies = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  return raw;
}

static void
raw_free (Raw *raw)
{
  g_object_unref (raw->socket);
  g_ptr_array_unref (raw->replies);
  g_free (raw);
}

static void
raw_send (Raw          *raw,
          BtDht        *dht,
          const void   *data,
          gsize         length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (lo, bt_dht_get_port (dht));

  g_socket_send_to (raw->socket, to, data, length, NULL, &error);
  g_assert_no_error (error);
}

static void
raw_send_message (Raw           *raw,
                  BtDht         *dht,
                  BtKrpcMessage *message)
{
  g_autoptr(GBytes) bytes = bt_krpc_encode (message);

  raw_send (raw, dht, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static gboolean
raw_poll (gpointer data)
{
  Raw *raw = data;
  char buffer[4096];
  gssize n;

  while ((n = g_socket_receive (raw->socket, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_ptr_array_add (raw->replies, g_bytes_new (buffer, n));
  return FALSE;
}

typedef struct
{
  Raw           *raw;
  guint          from;
  BtKrpcMessage *query;
  BtKrpcMessage *reply;
} RawAnswer;

/* Whether an answer to @query arrived (the node may also send queries of
 * its own, such as a ping to verify a stranger). */
static gboolean
raw_answered (gpointer data)
{
  RawAnswer *answer = data;

  raw_poll (answer->raw);
  for (guint i = answer->from; i < answer->raw->replies->len; i++)
    {
      GBytes *bytes = answer->raw->replies->pdata[i];

      g_assert_cmpuint (g_bytes_get_size (bytes), <=, BT_DHT_MAX_PACKET);
      if (bt_krpc_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                          answer->reply, NULL)
          && answer->reply->kind != BT_KRPC_QUERY
          && answer->reply->transaction_id_length == answer->query->transaction_id_length
          && memcmp (answer->reply->transaction_id, answer->query->transaction_id,
                     answer->query->transaction_id_length) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Sends @query and returns the decoded answer. */
static void
raw_query (Raw           *raw,
           BtDht         *dht,
           BtKrpcMessage *query,
           BtKrpcMessage *out_reply)
{
  RawAnswer answer = { raw, raw->replies->len, query, out_reply };

  raw_send_message (raw, dht, query);
  g_assert_true (run_until (raw_answered, &answer, 2000));
}

/* Answers (responses and errors) among what @raw received. */
static guint
raw_count_answers (Raw *raw)
{
  guint n = 0;

  raw_poll (raw);
  for (guint i = 0; i < raw->replies->len; i++)
    {
      GBytes *bytes = raw->replies->pdata[i];
      BtKrpcMessage message;

      if (bt_krpc_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &message, NULL)
          && message.kind != BT_KRPC_QUERY)
        n++;
    }
  return n;
}

typedef struct
{
  BtDht   *dht;
  guint64  n;
} FloodWait;

static gboolean
flood_read (gpointer data)
{
  FloodWait *wait = data;
  BtDhtStats stats;

  _bt_dht_get_stats (wait->dht, &stats);
  return stats.queries_received >= wait->n;
}

static void
make_query (BtKrpcMessage *message,
            BtKrpcMethod   method,
            guint          n)
{
  guint8 tid[4] = { n >> 24, n >> 16, n >> 8, n };

  bt_krpc_message_init (message, BT_KRPC_QUERY, tid, sizeof tid);
  message->method = method;
  memcpy (message->id, "hostile-client-id-01", 20);
  memcpy (message->target, info_hash, 20);
}

static void
test_hostile (void)
{
  g_autoptr(BtDht) dht = new_node ();
  Raw *raw = raw_new ("127.0.0.2");
  Raw *flooder = raw_new ("127.0.0.3");
  Raw *checker = raw_new ("127.0.0.4");
  BtKrpcMessage query, reply;
  BtDhtStats stats;
  guint8 token[BT_KRPC_MAX_TOKEN];
  gsize token_length;
  static const char *garbage[] = {
    "", "x", "d", "de", "le", "i1e", "d1:t2:aa1:y1:qe",
    "d1:ad2:id20:hostile-client-id-01e1:q9:find_node1:t2:aa1:y1:qe",
    "d1:rd2:id20:hostile-client-id-01e1:t2:zz1:y1:re",
    "d1:eli201e1:xe1:t2:aa1:y1:ee",
    "d1:t2:aa1:y1:q1:q4:ping1:ad2:id3:abcee",
    "d1:ad2:id20:hostile-client-id-01e1:q4:ping1:t2:aa1:y1:qextra",
  };

  /* Malformed datagrams: no answer, counted. */
  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    raw_send (raw, dht, garbage[i], strlen (garbage[i]));
  {
    g_autofree guint8 *huge = g_malloc0 (4000);

    memcpy (huge, "d1:ad2:id20:hostile-client-id-01e1:q4:ping1:t2:aa1:y1:qe", 52);
    raw_send (raw, dht, huge, 4000);
  }

  /* Then a real ping is answered: the node is unharmed. */
  make_query (&query, BT_KRPC_METHOD_PING, 1);
  raw_query (raw, dht, &query, &reply);
  g_assert_cmpint (reply.kind, ==, BT_KRPC_RESPONSE);
  g_assert_cmpmem (reply.id, 20, bt_dht_get_node_id (dht), 20);
  g_assert_cmpuint (raw_count_answers (raw), ==, 1);
  _bt_dht_get_stats (dht, &stats);
  /* The response and the error for transactions we never started are
   * dropped quietly, everything else counted as malformed or oversized. */
  g_assert_cmpuint (stats.packets_malformed, ==, G_N_ELEMENTS (garbage) - 2);
  g_assert_cmpuint (stats.packets_oversized, ==, 1);

  /* Unknown methods get error 204. */
  {
    static const char unknown[] = "d1:ad2:id20:hostile-client-id-01e1:q4:vote1:t2:vv1:y1:qe";
    BtKrpcMessage vote = { .transaction_id = "vv", .transaction_id_length = 2 };
    RawAnswer answer = { raw, raw->replies->len, &vote, &reply };

    raw_send (raw, dht, unknown, strlen (unknown));
    g_assert_true (run_until (raw_answered, &answer, 2000));
    g_assert_cmpint (reply.kind, ==, BT_KRPC_ERROR);
    g_assert_cmpint (reply.error_code, ==, BT_KRPC_ERROR_METHOD_UNKNOWN);
  }

  /* announce_peer needs a token from get_peers, for this address. */
  make_query (&query, BT_KRPC_METHOD_ANNOUNCE_PEER, 3);
  query.port = 1234;
  memcpy (query.token, "forged!!", 8);
  query.token_length = 8;
  raw_query (raw, dht, &query, &reply);
  g_assert_cmpint (reply.kind, ==, BT_KRPC_ERROR);
  g_assert_cmpint (reply.error_code, ==, BT_KRPC_ERROR_PROTOCOL);

  make_query (&query, BT_KRPC_METHOD_GET_PEERS, 4);
  raw_query (raw, dht, &query, &reply);
  g_assert_cmpint (reply.kind, ==, BT_KRPC_RESPONSE);
  g_assert_cmpuint (reply.token_length, >, 0);
  g_assert_cmpuint (reply.n_values, ==, 0);
  token_length = reply.token_length;
  memcpy (token, reply.token, token_length);

  /* Fill the store for the hash past its cap from one address. */
  for (guint i = 0; i < BT_DHT_MAX_PEERS_PER_HASH + 20; i++)
    {
      make_query (&query, BT_KRPC_METHOD_ANNOUNCE_PEER, 100 + i);
      query.port = (guint16) (2000 + i);
      memcpy (query.token, token, token_length);
      query.token_length = token_length;
      raw_query (raw, dht, &query, &reply);
      g_assert_cmpint (reply.kind, ==, BT_KRPC_RESPONSE);
    }
  /* The token is no good from another address. */
  make_query (&query, BT_KRPC_METHOD_ANNOUNCE_PEER, 5);
  query.port = 999;
  memcpy (query.token, token, token_length);
  query.token_length = token_length;
  raw_query (checker, dht, &query, &reply);
  g_assert_cmpint (reply.error_code, ==, BT_KRPC_ERROR_PROTOCOL);

  /* Answers stay bounded however many peers are stored. */
  make_query (&query, BT_KRPC_METHOD_GET_PEERS, 6);
  raw_query (raw, dht, &query, &reply);
  g_assert_cmpuint (reply.n_values, ==, BT_DHT_MAX_VALUES_PER_REPLY);

  /* Two secret rotations later the token has expired. */
  _bt_dht_rotate_secret (dht);
  _bt_dht_rotate_secret (dht);
  make_query (&query, BT_KRPC_METHOD_ANNOUNCE_PEER, 7);
  query.port = 998;
  memcpy (query.token, token, token_length);
  query.token_length = token_length;
  raw_query (raw, dht, &query, &reply);
  g_assert_cmpint (reply.error_code, ==, BT_KRPC_ERROR_PROTOCOL);

  /* A flood from one address, with the default limits. */
  _bt_dht_set_rate_limits (dht, BT_DHT_QUERIES_PER_IP_PER_S, BT_DHT_QUERIES_PER_S);
  {
    BtDhtStats before, after;
    g_autoptr(GBytes) bytes = NULL;
    guint64 total = 0;
    guint n_answers;
    gint64 flood_start, flood_us;

    _bt_dht_get_stats (dht, &before);
    flood_start = g_get_monotonic_time ();
    make_query (&query, BT_KRPC_METHOD_FIND_NODE, 8);
    bytes = bt_krpc_encode (&query);
    /* In rounds of 100, each read by the node before the next, so the
     * kernel's socket buffer does not drop any. */
    for (guint round = 0; round < 10; round++)
      {
        FloodWait wait = { dht, before.queries_received + (round + 1) * 100 };

        for (guint i = 0; i < 100; i++)
          raw_send (flooder, dht, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
        g_assert_true (run_until (flood_read, &wait, 2000));
      }
    flood_us = g_get_monotonic_time () - flood_start;
    n_answers = raw_count_answers (flooder);
    _bt_dht_get_stats (dht, &after);
    for (guint i = 0; i < flooder->replies->len; i++)
      total += g_bytes_get_size (flooder->replies->pdata[i]);
    g_test_message ("flood: %" G_GUINT64_FORMAT " queries read in %" G_GINT64_FORMAT
                    " ms, %" G_GUINT64_FORMAT " dropped, %u answered with %" G_GUINT64_FORMAT " bytes",
                    after.queries_received - before.queries_received, flood_us / 1000,
                    after.queries_dropped - before.queries_dropped,
                    n_answers, total);
    /* A burst of twice the per-second rate, and what the rate adds while
     * the flood is read (slower under sanitizers). */
    g_assert_cmpuint (n_answers, <=, 2 * BT_DHT_QUERIES_PER_IP_PER_S + 1
                      + BT_DHT_QUERIES_PER_IP_PER_S * flood_us / G_USEC_PER_SEC);
    g_assert_cmpuint (n_answers, >=, 1);
    /* One ping to verify the stranger, not one per query. */
    g_assert_cmpuint (flooder->replies->len - n_answers, ==, 1);
    g_assert_cmpuint (after.queries_received - before.queries_received, ==, 1000);
    g_assert_cmpuint (after.queries_dropped - before.queries_dropped, ==, 1000 - n_answers);
    /* No answer is much bigger than the query that asked for it: a
     * find_node answer is at most 8 nodes. */
    g_assert_cmpuint (total, <=, (guint64) flooder->replies->len * (g_bytes_get_size (bytes) + 8 * 26 + 20));
  }

  /* Other addresses are still answered during and after the flood. */
  make_query (&query, BT_KRPC_METHOD_PING, 9);
  raw_query (checker, dht, &query, &reply);
  g_assert_cmpint (reply.kind, ==, BT_KRPC_RESPONSE);

  raw_free (raw);
  raw_free (flooder);
  raw_free (checker);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/dht/table", test_table);
  g_test_add_func ("/engine/dht/network", test_network);
  g_test_add_func ("/engine/dht/unref-in-callback", test_unref_in_callback);
  g_test_add_func ("/engine/dht/maintenance", test_maintenance);
  g_test_add_func ("/engine/dht/bootstrap-late", test_bootstrap_late);
  g_test_add_func ("/engine/dht/unresolvable", test_unresolvable);
  g_test_add_func ("/engine/dht/hostile", test_hostile);

  return g_test_run ();
}
