/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * KRPC, the message format of the Mainline DHT (BEP 5), as a pure codec:
 * a datagram in, a BtKrpcMessage out, and back. No sockets, no clock, no
 * allocation in the message itself (fixed, bounded arrays), so it can be
 * fuzzed alone and a message can live on the stack.
 */
#pragma once

#include <glib.h>

#include "bt-limits.h"

G_BEGIN_DECLS

#define BT_KRPC_ID_LENGTH 20
#define BT_KRPC_COMPACT_NODE_LENGTH 26 /* id, IPv4 address, port */
#define BT_KRPC_COMPACT_PEER_LENGTH 6  /* IPv4 address, port */

/* BEP 5 error codes. */
#define BT_KRPC_ERROR_GENERIC 201
#define BT_KRPC_ERROR_SERVER 202
#define BT_KRPC_ERROR_PROTOCOL 203
#define BT_KRPC_ERROR_METHOD_UNKNOWN 204

typedef enum
{
  BT_KRPC_QUERY,
  BT_KRPC_RESPONSE,
  BT_KRPC_ERROR,
} BtKrpcKind;

typedef enum
{
  BT_KRPC_METHOD_UNKNOWN,
  BT_KRPC_METHOD_PING,
  BT_KRPC_METHOD_FIND_NODE,
  BT_KRPC_METHOD_GET_PEERS,
  BT_KRPC_METHOD_ANNOUNCE_PEER,
} BtKrpcMethod;

/**
 * BtKrpcNode:
 * @id: the node's id
 * @ip: its IPv4 address, network order
 * @port: its UDP port, host order
 *
 * One entry of a compact node list (26 bytes on the wire).
 */
typedef struct
{
  guint8   id[BT_KRPC_ID_LENGTH];
  guint8   ip[4];
  guint16  port;
} BtKrpcNode;

/**
 * BtKrpcPeer:
 * @ip: IPv4 address, network order
 * @port: TCP port, host order
 *
 * One compact peer (6 bytes on the wire).
 */
typedef struct
{
  guint8   ip[4];
  guint16  port;
} BtKrpcPeer;

/**
 * BtKrpcMessage:
 * @kind: query, response or error
 * @transaction_id: the "t" string, @transaction_id_length bytes (1 or more)
 * @method: for a query, the method; %BT_KRPC_METHOD_UNKNOWN for a method we
 *   do not know (answer it with error 204)
 * @id: the sender's node id (queries and responses)
 * @target: find_node's target, or get_peers' and announce_peer's info-hash
 * @port: announce_peer's port
 * @implied_port: announce_peer says to use the UDP source port
 * @token: announce_peer's token (queries) or get_peers' token (responses),
 *   @token_length bytes, 0 when absent
 * @nodes: a response's compact IPv4 nodes (the first %BT_KRPC_MAX_NODES)
 * @values: a response's compact IPv4 peers (the first %BT_KRPC_MAX_VALUES)
 * @read_only: the sender is read-only (BEP 43): do not add it to the table
 * @error_code: an error's code
 * @error_message: an error's text, NUL-terminated, maybe cut short
 *
 * One KRPC message. Plain data: nothing to free.
 */
typedef struct
{
  BtKrpcKind    kind;
  guint8        transaction_id[BT_KRPC_MAX_TRANSACTION_ID];
  gsize         transaction_id_length;

  BtKrpcMethod  method;
  guint8        id[BT_KRPC_ID_LENGTH];
  guint8        target[BT_KRPC_ID_LENGTH];
  guint16       port;
  gboolean      implied_port;
  guint8        token[BT_KRPC_MAX_TOKEN];
  gsize         token_length;
  gboolean      read_only;

  BtKrpcNode    nodes[BT_KRPC_MAX_NODES];
  guint         n_nodes;
  BtKrpcPeer    values[BT_KRPC_MAX_VALUES];
  guint         n_values;

  gint64        error_code;
  char          error_message[BT_KRPC_MAX_ERROR_MESSAGE + 1];
} BtKrpcMessage;

gboolean     bt_krpc_decode              (const guint8         *data,
                                          gsize                 length,
                                          BtKrpcMessage        *out_message,
                                          GError              **error);
GBytes      *bt_krpc_encode              (const BtKrpcMessage  *message);

void         bt_krpc_message_init        (BtKrpcMessage        *message,
                                          BtKrpcKind            kind,
                                          const guint8         *transaction_id,
                                          gsize                 transaction_id_length);

const char  *bt_krpc_method_to_string    (BtKrpcMethod          method);

void         bt_krpc_node_to_compact     (const BtKrpcNode     *node,
                                          guint8               *out);
void         bt_krpc_node_from_compact   (const guint8         *data,
                                          BtKrpcNode           *out_node);
void         bt_krpc_peer_to_compact     (const BtKrpcPeer     *peer,
                                          guint8               *out);
void         bt_krpc_peer_from_compact   (const guint8         *data,
                                          BtKrpcPeer           *out_peer);

G_END_DECLS
