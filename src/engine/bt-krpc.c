/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-krpc"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-krpc.h"

static const BtBencodeLimits krpc_limits = {
  .max_size = BT_DHT_MAX_PACKET,
  .max_depth = BT_KRPC_MAX_DEPTH,
  .max_elements = BT_KRPC_MAX_ELEMENTS,
};

/* Compact forms */

void
bt_krpc_node_to_compact (const BtKrpcNode *node,
                         guint8           *out)
{
  memcpy (out, node->id, BT_KRPC_ID_LENGTH);
  memcpy (out + 20, node->ip, 4);
  out[24] = node->port >> 8;
  out[25] = node->port & 0xff;
}

void
bt_krpc_node_from_compact (const guint8 *data,
                           BtKrpcNode   *out_node)
{
  memcpy (out_node->id, data, BT_KRPC_ID_LENGTH);
  memcpy (out_node->ip, data + 20, 4);
  out_node->port = (guint16) (data[24] << 8 | data[25]);
}

void
bt_krpc_peer_to_compact (const BtKrpcPeer *peer,
                         guint8           *out)
{
  memcpy (out, peer->ip, 4);
  out[4] = peer->port >> 8;
  out[5] = peer->port & 0xff;
}

void
bt_krpc_peer_from_compact (const guint8 *data,
                           BtKrpcPeer   *out_peer)
{
  memcpy (out_peer->ip, data, 4);
  out_peer->port = (guint16) (data[4] << 8 | data[5]);
}

const char *
bt_krpc_method_to_string (BtKrpcMethod method)
{
  switch (method)
    {
    case BT_KRPC_METHOD_PING:
      return "ping";
    case BT_KRPC_METHOD_FIND_NODE:
      return "find_node";
    case BT_KRPC_METHOD_GET_PEERS:
      return "get_peers";
    case BT_KRPC_METHOD_ANNOUNCE_PEER:
      return "announce_peer";
    case BT_KRPC_METHOD_UNKNOWN:
    default:
      return NULL;
    }
}

/* Decoding */

static gboolean
fail (GError    **error,
      const char *what)
{
  g_set_error (error, BT_ERROR, BT_ERROR_KRPC_INVALID,
               "Malformed DHT message: %s", what);
  return FALSE;
}

/* A string of exactly @length bytes under @key, copied to @out. */
static gboolean
get_fixed (BtBencode  *dict,
           const char *key,
           guint8     *out,
           gsize       length)
{
  BtBencode *value = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_STRING);
  const guint8 *data;
  gsize len = 0;

  if (value == NULL)
    return FALSE;
  data = bt_bencode_get_string (value, &len);
  if (len != length)
    return FALSE;
  memcpy (out, data, length);
  return TRUE;
}

/* An optional string of 1 to @max bytes. Returns FALSE if present and bad. */
static gboolean
get_opaque (BtBencode  *dict,
            const char *key,
            guint8     *out,
            gsize       max,
            gsize      *out_length)
{
  BtBencode *value = bt_bencode_dict_lookup (dict, key);
  const guint8 *data;
  gsize len = 0;

  *out_length = 0;
  if (value == NULL)
    return TRUE;
  if (!bt_bencode_is_type (value, BT_BENCODE_STRING))
    return FALSE;
  data = bt_bencode_get_string (value, &len);
  if (len == 0 || len > max)
    return FALSE;
  memcpy (out, data, len);
  *out_length = len;
  return TRUE;
}

static gboolean
decode_query (BtBencode      *root,
              BtKrpcMessage  *msg,
              GError        **error)
{
  BtBencode *method = bt_bencode_dict_lookup_type (root, "q", BT_BENCODE_STRING);
  BtBencode *args = bt_bencode_dict_lookup_type (root, "a", BT_BENCODE_DICT);
  BtBencode *ro;
  const guint8 *name;
  gsize name_len = 0;

  if (method == NULL)
    return fail (error, "a query without a method name");
  if (args == NULL)
    return fail (error, "a query without arguments");
  if (!get_fixed (args, "id", msg->id, BT_KRPC_ID_LENGTH))
    return fail (error, "a query without a 20-byte node id");

  ro = bt_bencode_dict_lookup_type (root, "ro", BT_BENCODE_INTEGER);
  msg->read_only = ro != NULL && bt_bencode_get_integer (ro) == 1;

  name = bt_bencode_get_string (method, &name_len);
  msg->method = BT_KRPC_METHOD_UNKNOWN;
  for (BtKrpcMethod m = BT_KRPC_METHOD_PING; m <= BT_KRPC_METHOD_ANNOUNCE_PEER; m++)
    {
      const char *text = bt_krpc_method_to_string (m);

      if (strlen (text) == name_len && memcmp (text, name, name_len) == 0)
        msg->method = m;
    }

  switch (msg->method)
    {
    case BT_KRPC_METHOD_PING:
    case BT_KRPC_METHOD_UNKNOWN:
      return TRUE;

    case BT_KRPC_METHOD_FIND_NODE:
      if (!get_fixed (args, "target", msg->target, BT_KRPC_ID_LENGTH))
        return fail (error, "find_node without a 20-byte target");
      return TRUE;

    case BT_KRPC_METHOD_GET_PEERS:
      if (!get_fixed (args, "info_hash", msg->target, BT_KRPC_ID_LENGTH))
        return fail (error, "get_peers without a 20-byte info_hash");
      return TRUE;

    case BT_KRPC_METHOD_ANNOUNCE_PEER:
      {
        BtBencode *port = bt_bencode_dict_lookup_type (args, "port", BT_BENCODE_INTEGER);
        BtBencode *implied = bt_bencode_dict_lookup_type (args, "implied_port",
                                                          BT_BENCODE_INTEGER);

        if (!get_fixed (args, "info_hash", msg->target, BT_KRPC_ID_LENGTH))
          return fail (error, "announce_peer without a 20-byte info_hash");
        if (!get_opaque (args, "token", msg->token, BT_KRPC_MAX_TOKEN, &msg->token_length)
            || msg->token_length == 0)
          return fail (error, "announce_peer without a token");
        msg->implied_port = implied != NULL && bt_bencode_get_integer (implied) != 0;
        if (port != NULL && bt_bencode_get_integer (port) > 0
            && bt_bencode_get_integer (port) <= G_MAXUINT16)
          msg->port = (guint16) bt_bencode_get_integer (port);
        else if (!msg->implied_port)
          return fail (error, "announce_peer without a valid port");
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

static gboolean
decode_response (BtBencode      *root,
                 BtKrpcMessage  *msg,
                 GError        **error)
{
  BtBencode *r = bt_bencode_dict_lookup_type (root, "r", BT_BENCODE_DICT);
  BtBencode *nodes, *values;

  if (r == NULL)
    return fail (error, "a response without a body");
  if (!get_fixed (r, "id", msg->id, BT_KRPC_ID_LENGTH))
    return fail (error, "a response without a 20-byte node id");
  if (!get_opaque (r, "token", msg->token, BT_KRPC_MAX_TOKEN, &msg->token_length))
    return fail (error, "a response with a bad token");

  nodes = bt_bencode_dict_lookup (r, "nodes");
  if (nodes != NULL)
    {
      const guint8 *data;
      gsize len = 0;

      if (!bt_bencode_is_type (nodes, BT_BENCODE_STRING))
        return fail (error, "nodes is not a string");
      data = bt_bencode_get_string (nodes, &len);
      if (len % BT_KRPC_COMPACT_NODE_LENGTH != 0)
        return fail (error, "nodes is not a whole number of 26-byte entries");
      for (gsize i = 0; i < len / BT_KRPC_COMPACT_NODE_LENGTH && msg->n_nodes < BT_KRPC_MAX_NODES; i++)
        bt_krpc_node_from_compact (data + i * BT_KRPC_COMPACT_NODE_LENGTH,
                                   &msg->nodes[msg->n_nodes++]);
    }

  values = bt_bencode_dict_lookup (r, "values");
  if (values != NULL)
    {
      if (!bt_bencode_is_type (values, BT_BENCODE_LIST))
        return fail (error, "values is not a list");
      for (guint i = 0; i < bt_bencode_get_length (values); i++)
        {
          BtBencode *value = bt_bencode_list_get (values, i);
          const guint8 *data;
          gsize len = 0;

          if (!bt_bencode_is_type (value, BT_BENCODE_STRING))
            return fail (error, "a peer in values is not a string");
          data = bt_bencode_get_string (value, &len);
          /* IPv6 peers (18 bytes, BEP 32) are skipped: this node is IPv4. */
          if (len == 18)
            continue;
          if (len != BT_KRPC_COMPACT_PEER_LENGTH)
            return fail (error, "a peer in values is not 6 bytes long");
          if (msg->n_values < BT_KRPC_MAX_VALUES)
            bt_krpc_peer_from_compact (data, &msg->values[msg->n_values++]);
        }
    }
  return TRUE;
}

static gboolean
decode_error (BtBencode      *root,
              BtKrpcMessage  *msg,
              GError        **error)
{
  BtBencode *e = bt_bencode_dict_lookup_type (root, "e", BT_BENCODE_LIST);
  BtBencode *code, *text;

  if (e == NULL || bt_bencode_get_length (e) < 1)
    return fail (error, "an error without a code");
  code = bt_bencode_list_get (e, 0);
  if (!bt_bencode_is_type (code, BT_BENCODE_INTEGER))
    return fail (error, "an error code that is not a number");
  msg->error_code = bt_bencode_get_integer (code);
  if (bt_bencode_get_length (e) >= 2)
    {
      text = bt_bencode_list_get (e, 1);
      if (bt_bencode_is_type (text, BT_BENCODE_STRING))
        {
          gsize len = 0;
          const guint8 *data = bt_bencode_get_string (text, &len);
          gsize n = 0;

          /* For logs: printable ASCII only. */
          for (gsize i = 0; i < len && n < BT_KRPC_MAX_ERROR_MESSAGE; i++)
            msg->error_message[n++] = data[i] >= 0x20 && data[i] < 0x7f ? (char) data[i] : '?';
          msg->error_message[n] = '\0';
        }
    }
  return TRUE;
}

/**
 * bt_krpc_decode:
 * @data: a datagram
 * @length: its length
 * @out_message: (out caller-allocates): the message
 * @error: return location for a #GError
 *
 * Decodes and checks one KRPC message: every field the message kind needs
 * is present with the right type and length. Unknown keys are ignored, as
 * BEP 5 asks; unknown query methods decode with %BT_KRPC_METHOD_UNKNOWN.
 *
 * Returns: %TRUE, or %FALSE with @error (%BT_ERROR_KRPC_INVALID, or a
 *   bencode error) set and @out_message unspecified.
 */
gboolean
bt_krpc_decode (const guint8   *data,
                gsize           length,
                BtKrpcMessage  *out_message,
                GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtBencode) root = NULL;
  BtBencode *y;
  const guint8 *kind;
  gsize kind_len = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (out_message != NULL, FALSE);

  memset (out_message, 0, sizeof *out_message);
  bytes = g_bytes_new_static (data, length);
  root = bt_bencode_decode (bytes, &krpc_limits, error);
  if (root == NULL)
    return FALSE;
  if (!bt_bencode_is_type (root, BT_BENCODE_DICT))
    return fail (error, "not a dictionary");
  if (!get_opaque (root, "t", out_message->transaction_id, BT_KRPC_MAX_TRANSACTION_ID,
                   &out_message->transaction_id_length)
      || out_message->transaction_id_length == 0)
    return fail (error, "no transaction id");

  y = bt_bencode_dict_lookup_type (root, "y", BT_BENCODE_STRING);
  if (y == NULL)
    return fail (error, "no message type");
  kind = bt_bencode_get_string (y, &kind_len);
  if (kind_len != 1)
    return fail (error, "unknown message type");

  switch (kind[0])
    {
    case 'q':
      out_message->kind = BT_KRPC_QUERY;
      return decode_query (root, out_message, error);
    case 'r':
      out_message->kind = BT_KRPC_RESPONSE;
      return decode_response (root, out_message, error);
    case 'e':
      out_message->kind = BT_KRPC_ERROR;
      return decode_error (root, out_message, error);
    default:
      return fail (error, "unknown message type");
    }
}

/* Encoding */

void
bt_krpc_message_init (BtKrpcMessage *message,
                      BtKrpcKind     kind,
                      const guint8  *transaction_id,
                      gsize          transaction_id_length)
{
  g_return_if_fail (message != NULL);
  g_return_if_fail (transaction_id_length > 0 && transaction_id_length <= BT_KRPC_MAX_TRANSACTION_ID);

  memset (message, 0, sizeof *message);
  message->kind = kind;
  memcpy (message->transaction_id, transaction_id, transaction_id_length);
  message->transaction_id_length = transaction_id_length;
}

static void
set_bytes (BtBencode    *dict,
           const char   *key,
           const guint8 *data,
           gsize         length)
{
  bt_bencode_dict_set (dict, key, bt_bencode_new_string_len (data, length));
}

/**
 * bt_krpc_encode:
 * @message: a message, as bt_krpc_message_init() started it
 *
 * Encodes @message. Queries carry the arguments of their method; responses
 * carry id, and token, nodes and values when set; errors their code and
 * message.
 *
 * Returns: (transfer full): the datagram.
 */
GBytes *
bt_krpc_encode (const BtKrpcMessage *message)
{
  g_autoptr(BtBencode) root = NULL;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (message->transaction_id_length > 0, NULL);
  g_return_val_if_fail (message->n_nodes <= BT_KRPC_MAX_NODES, NULL);
  g_return_val_if_fail (message->n_values <= BT_KRPC_MAX_VALUES, NULL);

  root = bt_bencode_new_dict ();
  set_bytes (root, "t", message->transaction_id, message->transaction_id_length);

  switch (message->kind)
    {
    case BT_KRPC_QUERY:
      {
        BtBencode *args = bt_bencode_new_dict ();
        const char *name = bt_krpc_method_to_string (message->method);

        g_return_val_if_fail (name != NULL, NULL);
        bt_bencode_dict_set (root, "y", bt_bencode_new_string ("q"));
        bt_bencode_dict_set (root, "q", bt_bencode_new_string (name));
        set_bytes (args, "id", message->id, BT_KRPC_ID_LENGTH);
        if (message->method == BT_KRPC_METHOD_FIND_NODE)
          set_bytes (args, "target", message->target, BT_KRPC_ID_LENGTH);
        else if (message->method == BT_KRPC_METHOD_GET_PEERS
                 || message->method == BT_KRPC_METHOD_ANNOUNCE_PEER)
          set_bytes (args, "info_hash", message->target, BT_KRPC_ID_LENGTH);
        if (message->method == BT_KRPC_METHOD_ANNOUNCE_PEER)
          {
            bt_bencode_dict_set (args, "port", bt_bencode_new_integer (message->port));
            bt_bencode_dict_set (args, "implied_port",
                                 bt_bencode_new_integer (message->implied_port ? 1 : 0));
            set_bytes (args, "token", message->token, message->token_length);
          }
        bt_bencode_dict_set (root, "a", args);
        if (message->read_only)
          bt_bencode_dict_set (root, "ro", bt_bencode_new_integer (1));
      }
      break;

    case BT_KRPC_RESPONSE:
      {
        BtBencode *r = bt_bencode_new_dict ();

        bt_bencode_dict_set (root, "y", bt_bencode_new_string ("r"));
        set_bytes (r, "id", message->id, BT_KRPC_ID_LENGTH);
        if (message->token_length > 0)
          set_bytes (r, "token", message->token, message->token_length);
        if (message->n_nodes > 0)
          {
            guint8 compact[BT_KRPC_MAX_NODES * BT_KRPC_COMPACT_NODE_LENGTH];

            for (guint i = 0; i < message->n_nodes; i++)
              bt_krpc_node_to_compact (&message->nodes[i],
                                       compact + i * BT_KRPC_COMPACT_NODE_LENGTH);
            set_bytes (r, "nodes", compact, message->n_nodes * BT_KRPC_COMPACT_NODE_LENGTH);
          }
        if (message->n_values > 0)
          {
            BtBencode *values = bt_bencode_new_list ();

            for (guint i = 0; i < message->n_values; i++)
              {
                guint8 compact[BT_KRPC_COMPACT_PEER_LENGTH];

                bt_krpc_peer_to_compact (&message->values[i], compact);
                bt_bencode_list_append (values, bt_bencode_new_string_len (compact, sizeof compact));
              }
            bt_bencode_dict_set (r, "values", values);
          }
        bt_bencode_dict_set (root, "r", r);
      }
      break;

    case BT_KRPC_ERROR:
      {
        BtBencode *e = bt_bencode_new_list ();

        bt_bencode_dict_set (root, "y", bt_bencode_new_string ("e"));
        bt_bencode_list_append (e, bt_bencode_new_integer (message->error_code));
        bt_bencode_list_append (e, bt_bencode_new_string (message->error_message));
        bt_bencode_dict_set (root, "e", e);
      }
      break;

    default:
      g_return_val_if_reached (NULL);
    }

  return bt_bencode_encode (root);
}
