/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-krpc.h"
#include "bt-limits.h"

#define ID1 "abcdefghij0123456789"
#define ID2 "mnopqrstuvwxyz123456"

static void
decode_ok (const char    *text,
           BtKrpcMessage *msg)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bt_krpc_decode ((const guint8 *) text, strlen (text), msg, &error));
  g_assert_no_error (error);
}

static void
assert_encodes_to (const BtKrpcMessage *msg,
                   const char          *expected)
{
  g_autoptr(GBytes) bytes = bt_krpc_encode (msg);

  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   expected, strlen (expected));
}

/* The examples of BEP 5, byte for byte, both ways. */
static void
test_bep5_examples (void)
{
  static const char *ping_q = "d1:ad2:id20:" ID1 "e1:q4:ping1:t2:aa1:y1:qe";
  static const char *ping_r = "d1:rd2:id20:" ID2 "e1:t2:aa1:y1:re";
  static const char *find_q = "d1:ad2:id20:" ID1 "6:target20:" ID2 "e1:q9:find_node1:t2:aa1:y1:qe";
  static const char *get_q = "d1:ad2:id20:" ID1 "9:info_hash20:" ID2 "e1:q9:get_peers1:t2:aa1:y1:qe";
  static const char *get_r = "d1:rd2:id20:" ID1 "5:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee"
                             "1:t2:aa1:y1:re";
  static const char *ann_q = "d1:ad2:id20:" ID1 "12:implied_porti1e9:info_hash20:" ID2
                             "4:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
  static const char *err = "d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee";
  BtKrpcMessage msg;

  decode_ok (ping_q, &msg);
  g_assert_cmpint (msg.kind, ==, BT_KRPC_QUERY);
  g_assert_cmpint (msg.method, ==, BT_KRPC_METHOD_PING);
  g_assert_cmpmem (msg.transaction_id, msg.transaction_id_length, "aa", 2);
  g_assert_cmpmem (msg.id, 20, ID1, 20);
  assert_encodes_to (&msg, ping_q);

  decode_ok (ping_r, &msg);
  g_assert_cmpint (msg.kind, ==, BT_KRPC_RESPONSE);
  g_assert_cmpmem (msg.id, 20, ID2, 20);
  g_assert_cmpuint (msg.n_nodes + msg.n_values + msg.token_length, ==, 0);
  assert_encodes_to (&msg, ping_r);

  decode_ok (find_q, &msg);
  g_assert_cmpint (msg.method, ==, BT_KRPC_METHOD_FIND_NODE);
  g_assert_cmpmem (msg.target, 20, ID2, 20);
  assert_encodes_to (&msg, find_q);

  decode_ok (get_q, &msg);
  g_assert_cmpint (msg.method, ==, BT_KRPC_METHOD_GET_PEERS);
  g_assert_cmpmem (msg.target, 20, ID2, 20);
  assert_encodes_to (&msg, get_q);

  decode_ok (get_r, &msg);
  g_assert_cmpmem (msg.token, msg.token_length, "aoeusnth", 8);
  g_assert_cmpuint (msg.n_values, ==, 2);
  g_assert_cmpmem (msg.values[0].ip, 4, "axje", 4);
  g_assert_cmpuint (msg.values[0].port, ==, ('.' << 8) | 'u');
  g_assert_cmpmem (msg.values[1].ip, 4, "idht", 4);
  assert_encodes_to (&msg, get_r);

  decode_ok (ann_q, &msg);
  g_assert_cmpint (msg.method, ==, BT_KRPC_METHOD_ANNOUNCE_PEER);
  g_assert_true (msg.implied_port);
  g_assert_cmpuint (msg.port, ==, 6881);
  g_assert_cmpmem (msg.token, msg.token_length, "aoeusnth", 8);
  assert_encodes_to (&msg, ann_q);

  decode_ok (err, &msg);
  g_assert_cmpint (msg.kind, ==, BT_KRPC_ERROR);
  g_assert_cmpint (msg.error_code, ==, 201);
  g_assert_cmpstr (msg.error_message, ==, "A Generic Error Ocurred");
  assert_encodes_to (&msg, err);
}

static void
test_nodes_roundtrip (void)
{
  BtKrpcMessage msg, back;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bt_krpc_message_init (&msg, BT_KRPC_RESPONSE, (const guint8 *) "\x00\xff", 2);
  memcpy (msg.id, ID1, 20);
  for (guint i = 0; i < BT_KRPC_MAX_NODES; i++)
    {
      memset (msg.nodes[i].id, (int) i, 20);
      msg.nodes[i].ip[0] = 10;
      msg.nodes[i].ip[3] = (guint8) i;
      msg.nodes[i].port = (guint16) (1000 + i);
    }
  msg.n_nodes = BT_KRPC_MAX_NODES;
  memcpy (msg.token, "tok", 3);
  msg.token_length = 3;

  bytes = bt_krpc_encode (&msg);
  g_assert_cmpuint (g_bytes_get_size (bytes), <=, BT_DHT_MAX_PACKET);
  g_assert_true (bt_krpc_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 &back, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (back.n_nodes, ==, BT_KRPC_MAX_NODES);
  for (guint i = 0; i < back.n_nodes; i++)
    {
      g_assert_cmpmem (back.nodes[i].id, 20, msg.nodes[i].id, 20);
      g_assert_cmpmem (back.nodes[i].ip, 4, msg.nodes[i].ip, 4);
      g_assert_cmpuint (back.nodes[i].port, ==, msg.nodes[i].port);
    }
  g_assert_cmpmem (back.transaction_id, back.transaction_id_length, "\x00\xff", 2);
  g_assert_cmpmem (back.token, back.token_length, "tok", 3);

  /* Compact forms are big-endian. */
  {
    guint8 compact[26];

    bt_krpc_node_to_compact (&msg.nodes[5], compact);
    g_assert_cmpuint (compact[20], ==, 10);
    g_assert_cmpuint (compact[23], ==, 5);
    g_assert_cmpuint (compact[24] << 8 | compact[25], ==, 1005);
  }
}

static void
test_bounds (void)
{
  BtKrpcMessage msg;
  GString *big = g_string_new ("d1:rd2:id20:" ID1 "5:nodes");
  g_autofree char *text = NULL;

  /* More nodes than kept: the first BT_KRPC_MAX_NODES. */
  g_string_append_printf (big, "%u:", 40 * 26);
  for (guint i = 0; i < 40 * 26; i++)
    g_string_append_c (big, (char) ('a' + i % 26));
  g_string_append (big, "e1:t1:x1:y1:re");
  text = g_string_free (big, FALSE);
  decode_ok (text, &msg);
  g_assert_cmpuint (msg.n_nodes, ==, BT_KRPC_MAX_NODES);

  /* IPv6 values are skipped, IPv4 kept. */
  decode_ok ("d1:rd2:id20:" ID1 "6:valuesl18:aaaaaaaaaaaaaaaaaa6:bbbbbbee1:t1:x1:y1:re", &msg);
  g_assert_cmpuint (msg.n_values, ==, 1);
  g_assert_cmpmem (msg.values[0].ip, 4, "bbbb", 4);

  /* Unknown methods and keys decode, so the server can answer 204. */
  decode_ok ("d1:ad2:id20:" ID1 "3:foo3:bare1:q6:vote_x1:t1:x1:v4:LT011:y1:qe", &msg);
  g_assert_cmpint (msg.method, ==, BT_KRPC_METHOD_UNKNOWN);

  /* Read-only nodes (BEP 43). */
  decode_ok ("d1:ad2:id20:" ID1 "e1:q4:ping2:roi1e1:t1:x1:y1:qe", &msg);
  g_assert_true (msg.read_only);

  /* Long error messages are cut and made printable. */
  {
    g_autofree char *long_err = g_strdup_printf ("d1:eli202e300:%0300de1:t1:x1:y1:ee", 7);

    decode_ok (long_err, &msg);
    g_assert_cmpuint (strlen (msg.error_message), ==, BT_KRPC_MAX_ERROR_MESSAGE);
  }
}

static void
test_invalid (void)
{
  static const char *bad[] = {
    "",
    "i42e",
    "le",
    "de",
    "d1:t0:1:y1:qe",                                         /* empty tid */
    "d1:t2:aa1:y1:xe",                                       /* bad kind */
    "d1:t2:aa1:y2:qqe",
    "d1:t2:aa1:y1:qe",                                       /* no method */
    "d1:q4:ping1:t2:aa1:y1:qe",                              /* no args */
    "d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe",   /* short id */
    "d1:ad2:idi5ee1:q4:ping1:t2:aa1:y1:qe",
    "d1:ad2:id20:" ID1 "e1:q9:find_node1:t2:aa1:y1:qe",      /* no target */
    "d1:ad2:id20:" ID1 "6:target3:abce1:q9:find_node1:t2:aa1:y1:qe",
    "d1:ad2:id20:" ID1 "e1:q9:get_peers1:t2:aa1:y1:qe",
    "d1:ad2:id20:" ID1 "9:info_hash20:" ID2 "4:porti6881ee1:q13:announce_peer1:t2:aa1:y1:qe",
    "d1:ad2:id20:" ID1 "9:info_hash20:" ID2 "4:porti0e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe",
    "d1:ad2:id20:" ID1 "9:info_hash20:" ID2 "4:porti70000e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe",
    "d1:rd2:id20:" ID1 "5:nodes25:aaaaaaaaaaaaaaaaaaaaaaaaae1:t2:aa1:y1:re",
    "d1:rd2:id20:" ID1 "5:nodesi1ee1:t2:aa1:y1:re",
    "d1:rd2:id20:" ID1 "6:valuesl5:aaaaaee1:t2:aa1:y1:re",
    "d1:rd2:id20:" ID1 "6:values6:aaaaaae1:t2:aa1:y1:re",
    "d1:rd2:id20:" ID1 "6:valuesli1eee1:t2:aa1:y1:re",
    "d1:rd2:id20:" ID1 "5:token0:e1:t2:aa1:y1:re",
    "d1:rde1:t2:aa1:y1:re",
    "d1:r4:spam1:t2:aa1:y1:re",
    "d1:ele1:t2:aa1:y1:ee",
    "d1:el3:abce1:t2:aa1:y1:ee",
    "d1:rd2:id20:" ID1 "e1:t2:aa1:y1:re trailing",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      BtKrpcMessage msg;

      g_test_message ("%s", bad[i]);
      g_assert_false (bt_krpc_decode ((const guint8 *) bad[i], strlen (bad[i]), &msg, &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == BT_ERROR);
    }

  /* A long transaction id or an oversized datagram. */
  {
    g_autoptr(GError) error = NULL;
    BtKrpcMessage msg;
    g_autofree char *tid = g_strdup_printf ("d1:rd2:id20:" ID1 "e1:t%u:%0*d1:y1:re",
                                            BT_KRPC_MAX_TRANSACTION_ID + 1,
                                            BT_KRPC_MAX_TRANSACTION_ID + 1, 0);
    g_autofree guint8 *huge = g_malloc0 (BT_DHT_MAX_PACKET + 1);

    g_assert_false (bt_krpc_decode ((const guint8 *) tid, strlen (tid), &msg, &error));
    g_assert_error (error, BT_ERROR, BT_ERROR_KRPC_INVALID);
    g_clear_error (&error);
    g_assert_false (bt_krpc_decode (huge, BT_DHT_MAX_PACKET + 1, &msg, &error));
    g_assert_error (error, BT_ERROR, BT_ERROR_BENCODE_SIZE);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/krpc/bep5-examples", test_bep5_examples);
  g_test_add_func ("/engine/krpc/nodes-roundtrip", test_nodes_roundtrip);
  g_test_add_func ("/engine/krpc/bounds", test_bounds);
  g_test_add_func ("/engine/krpc/invalid", test_invalid);

  return g_test_run ();
}
