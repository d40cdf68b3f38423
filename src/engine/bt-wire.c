/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-wire"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-wire.h"

/* What each message id must measure, as the value of its length prefix
 * (id byte included). */
typedef struct
{
  guint32  length;
  gboolean at_least; /* variable-size: @length is the minimum */
} MessageShape;

/* Auxiliary functions */

static inline guint32
read_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline guint16
read_u16 (const guint8 *p)
{
  return (guint16) (((guint) p[0] << 8) | p[1]);
}

static inline void
put_u32 (GByteArray *out,
         guint32     value)
{
  guint8 b[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (out, b, sizeof b);
}

static inline void
put_header (GByteArray *out,
            guint32     length,
            guint8      id)
{
  guint8 b[5] = { length >> 24, length >> 16, length >> 8, length, id };

  g_byte_array_append (out, b, sizeof b);
}

static void
put_index_begin_length (GByteArray *out,
                        guint8      id,
                        guint32     index,
                        guint32     begin,
                        guint32     length)
{
  put_header (out, 13, id);
  put_u32 (out, index);
  put_u32 (out, begin);
  put_u32 (out, length);
}

/* Appends @data as readable ASCII: printable characters as they are,
 * everything else (and the backslash) as \xNN, so a hostile peer cannot
 * put control characters or invalid UTF-8 in a log line or a UI label. */
static void
append_escaped (GString      *s,
                const guint8 *data,
                gsize         length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\')
        g_string_append_c (s, (char) data[i]);
      else
        g_string_append_printf (s, "\\x%02x", data[i]);
    }
}

static gboolean
check_protocol_string (const guint8  *data,
                       gsize          length,
                       GError       **error)
{
  gsize n;

  if (length == 0)
    return TRUE;

  if (data[0] != BT_WIRE_PROTOCOL_STRING_LENGTH)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The peer did not send a BitTorrent handshake (protocol "
                   "name length %u, expected %u); it may be an encrypted "
                   "connection or a different protocol",
                   data[0], BT_WIRE_PROTOCOL_STRING_LENGTH);
      return FALSE;
    }

  n = MIN (length - 1, (gsize) BT_WIRE_PROTOCOL_STRING_LENGTH);
  if (memcmp (data + 1, BT_WIRE_PROTOCOL_STRING, n) != 0)
    {
      g_autoptr(GString) name = g_string_new (NULL);

      append_escaped (name, data + 1, n);
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The peer's handshake names the protocol “%s%s”, not "
                   "“" BT_WIRE_PROTOCOL_STRING "”",
                   name->str, n < BT_WIRE_PROTOCOL_STRING_LENGTH ? "…" : "");
      return FALSE;
    }

  return TRUE;
}

static const MessageShape *
message_shape (guint8 id)
{
  static const MessageShape fixed_1 = { 1, FALSE };
  static const MessageShape fixed_3 = { 3, FALSE };
  static const MessageShape fixed_5 = { 5, FALSE };
  static const MessageShape fixed_13 = { 13, FALSE };
  static const MessageShape min_1 = { 1, TRUE };
  static const MessageShape min_2 = { 2, TRUE };
  static const MessageShape min_9 = { 9, TRUE };

  switch (id)
    {
    case BT_MSG_CHOKE:
    case BT_MSG_UNCHOKE:
    case BT_MSG_INTERESTED:
    case BT_MSG_NOT_INTERESTED:
    case BT_MSG_HAVE_ALL:
    case BT_MSG_HAVE_NONE:
      return &fixed_1;
    case BT_MSG_HAVE:
    case BT_MSG_SUGGEST:
    case BT_MSG_ALLOWED_FAST:
      return &fixed_5;
    case BT_MSG_BITFIELD:
      return &min_1;
    case BT_MSG_REQUEST:
    case BT_MSG_CANCEL:
    case BT_MSG_REJECT:
      return &fixed_13;
    case BT_MSG_PIECE:
      return &min_9;
    case BT_MSG_PORT:
      return &fixed_3;
    case BT_MSG_EXTENDED:
      return &min_2;
    default:
      return NULL;
    }
}

/* Public API */

/**
 * bt_wire_write_handshake:
 * @out: the buffer to append the 68 bytes to
 * @handshake: reserved bits, info-hash and our peer id
 */
void
bt_wire_write_handshake (GByteArray        *out,
                         const BtHandshake *handshake)
{
  static const guint8 pstrlen = BT_WIRE_PROTOCOL_STRING_LENGTH;

  g_return_if_fail (out != NULL);
  g_return_if_fail (handshake != NULL);

  g_byte_array_append (out, &pstrlen, 1);
  g_byte_array_append (out, (const guint8 *) BT_WIRE_PROTOCOL_STRING,
                       BT_WIRE_PROTOCOL_STRING_LENGTH);
  g_byte_array_append (out, handshake->reserved, sizeof handshake->reserved);
  g_byte_array_append (out, handshake->info_hash, sizeof handshake->info_hash);
  g_byte_array_append (out, handshake->peer_id, sizeof handshake->peer_id);
}

/**
 * bt_wire_parse_handshake:
 * @data: (array length=length): bytes received so far, starting with the
 *   handshake
 * @length: number of bytes at @data
 * @out: (out caller-allocates): filled on success
 * @error: %BT_ERROR_WIRE_PROTOCOL when the bytes are not a BitTorrent
 *   handshake
 *
 * Parses the 68-byte handshake. A wrong protocol length byte or name is
 * reported as soon as the first wrong byte is present (the first byte
 * alone decides between BitTorrent and, say, an encrypted stream), so a
 * caller need not wait for bytes that will never make sense.
 *
 * Returns: 0 when more bytes are needed (read up to
 *   %BT_WIRE_HANDSHAKE_LENGTH), %BT_WIRE_HANDSHAKE_LENGTH (the bytes
 *   consumed) on success, -1 on error
 */
gssize
bt_wire_parse_handshake (const guint8  *data,
                         gsize          length,
                         BtHandshake   *out,
                         GError       **error)
{
  g_return_val_if_fail (data != NULL || length == 0, -1);
  g_return_val_if_fail (out != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_protocol_string (data, length, error))
    return -1;
  if (length < BT_WIRE_HANDSHAKE_LENGTH)
    return 0;

  memcpy (out->reserved, data + 20, 8);
  memcpy (out->info_hash, data + 28, 20);
  memcpy (out->peer_id, data + 48, 20);
  return BT_WIRE_HANDSHAKE_LENGTH;
}

/**
 * bt_wire_parse_handshake_prefix:
 * @data: (array length=length): bytes received so far
 * @length: number of bytes at @data
 * @out: (out caller-allocates): @reserved and @info_hash filled on
 *   success, @peer_id zeroed
 * @error: %BT_ERROR_WIRE_PROTOCOL as for bt_wire_parse_handshake()
 *
 * The first step of a two-step handshake read: a listener does not know
 * which torrent an incoming connection is for until the info-hash arrives,
 * and some clients wait for our handshake before sending their peer id.
 * Once this succeeds, the caller routes by @info_hash, sends its own
 * handshake, and later calls bt_wire_parse_handshake() on the same buffer
 * once it holds all %BT_WIRE_HANDSHAKE_LENGTH bytes (or reads the 20-byte
 * peer id at offset %BT_WIRE_HANDSHAKE_PREFIX_LENGTH itself).
 *
 * Returns: 0 when more bytes are needed, %BT_WIRE_HANDSHAKE_PREFIX_LENGTH
 *   when the prefix is complete, -1 on error
 */
gssize
bt_wire_parse_handshake_prefix (const guint8  *data,
                                gsize          length,
                                BtHandshake   *out,
                                GError       **error)
{
  g_return_val_if_fail (data != NULL || length == 0, -1);
  g_return_val_if_fail (out != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!check_protocol_string (data, length, error))
    return -1;
  if (length < BT_WIRE_HANDSHAKE_PREFIX_LENGTH)
    return 0;

  memcpy (out->reserved, data + 20, 8);
  memcpy (out->info_hash, data + 28, 20);
  memset (out->peer_id, 0, sizeof out->peer_id);
  return BT_WIRE_HANDSHAKE_PREFIX_LENGTH;
}

/**
 * bt_wire_peek_length:
 * @data: (array length=length): bytes received so far, starting at a
 *   message boundary
 * @length: number of bytes at @data
 * @message_length: (out): the value of the length prefix: the next
 *   message occupies %BT_WIRE_LENGTH_PREFIX + *@message_length bytes
 *
 * Lets the I/O layer read exactly one message at a time. Compare
 * *@message_length against the same bound passed to
 * bt_wire_parse_message() before reading (or just call
 * bt_wire_parse_message() on the 4 bytes: it refuses an oversize prefix
 * without waiting for the body).
 *
 * Returns: %FALSE when fewer than 4 bytes are available
 */
gboolean
bt_wire_peek_length (const guint8 *data,
                     gsize         length,
                     guint32      *message_length)
{
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (message_length != NULL, FALSE);

  if (length < BT_WIRE_LENGTH_PREFIX)
    return FALSE;
  *message_length = read_u32 (data);
  return TRUE;
}

/**
 * bt_wire_max_message_length:
 * @n_pieces: pieces in the torrent (0 when not known yet, e.g. a magnet
 *   before its metadata arrived)
 *
 * The bound to pass to bt_wire_parse_message() for a torrent: the largest
 * of a piece message carrying one %BT_BLOCK_SIZE block, a bitfield for
 * @n_pieces, and %BT_WIRE_MAX_EXTENDED_LENGTH.
 *
 * Returns: a length-prefix value
 */
guint32
bt_wire_max_message_length (guint32 n_pieces)
{
  guint32 piece = 9 + BT_BLOCK_SIZE;
  guint32 bitfield = 1 + (guint32) (((guint64) n_pieces + 7) / 8);
  guint32 extended = BT_WIRE_MAX_EXTENDED_LENGTH;

  return MAX (piece, MAX (bitfield, extended));
}

/**
 * bt_wire_parse_message:
 * @data: (array length=length): bytes received after the handshake,
 *   starting at a message boundary
 * @length: number of bytes at @data
 * @max_length: the largest length prefix accepted (see
 *   bt_wire_max_message_length())
 * @out: (out caller-allocates): the message, filled only when the return
 *   value is positive. Its @payload points into @data.
 * @error: %BT_ERROR_WIRE_TOO_LARGE when the length prefix exceeds
 *   @max_length (decided from the 4 prefix bytes alone, before the body is
 *   waited for); %BT_ERROR_WIRE_PROTOCOL when a known message has the
 *   wrong size. Either way the connection should be dropped.
 *
 * Parses one message. Unknown ids come back as %BT_MSG_UNKNOWN, not as an
 * error, so that peers speaking newer extensions still work.
 *
 * Returns: 0 when more bytes are needed (bt_wire_peek_length() says how
 *   many), the number of bytes consumed (> 0) on success, -1 on error
 */
gssize
bt_wire_parse_message (const guint8  *data,
                       gsize          length,
                       guint32        max_length,
                       BtMessage     *out,
                       GError       **error)
{
  const MessageShape *shape;
  guint32 message_length;
  const guint8 *body;
  guint32 body_length;
  guint8 id;

  g_return_val_if_fail (data != NULL || length == 0, -1);
  g_return_val_if_fail (out != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!bt_wire_peek_length (data, length, &message_length))
    return 0;

  if (message_length > max_length
      || (guint64) message_length + BT_WIRE_LENGTH_PREFIX > (guint64) G_MAXSSIZE)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_TOO_LARGE,
                   "The peer announced a message of %u bytes; at most %u "
                   "are accepted",
                   message_length, max_length);
      return -1;
    }

  if (message_length == 0)
    {
      memset (out, 0, sizeof *out);
      out->type = BT_MSG_KEEPALIVE;
      return BT_WIRE_LENGTH_PREFIX;
    }

  if (length - BT_WIRE_LENGTH_PREFIX < message_length)
    return 0;

  id = data[BT_WIRE_LENGTH_PREFIX];
  body = data + BT_WIRE_LENGTH_PREFIX + 1;
  body_length = message_length - 1;

  shape = message_shape (id);
  if (shape != NULL
      && (shape->at_least ? message_length < shape->length
                          : message_length != shape->length))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The peer sent a malformed “%s” message: its length is %u, "
                   "but it must be %s%u",
                   bt_wire_message_type_to_string ((BtMessageType) id),
                   message_length, shape->at_least ? "at least " : "",
                   shape->length);
      return -1;
    }

  memset (out, 0, sizeof *out);
  out->raw_id = id;
  out->type = shape != NULL ? (BtMessageType) id : BT_MSG_UNKNOWN;

  switch (out->type)
    {
    case BT_MSG_HAVE:
    case BT_MSG_SUGGEST:
    case BT_MSG_ALLOWED_FAST:
      out->index = read_u32 (body);
      break;

    case BT_MSG_REQUEST:
    case BT_MSG_CANCEL:
    case BT_MSG_REJECT:
      out->index = read_u32 (body);
      out->begin = read_u32 (body + 4);
      out->length = read_u32 (body + 8);
      break;

    case BT_MSG_PIECE:
      out->index = read_u32 (body);
      out->begin = read_u32 (body + 4);
      out->length = body_length - 8;
      out->payload = body + 8;
      out->payload_length = body_length - 8;
      break;

    case BT_MSG_PORT:
      out->port = read_u16 (body);
      break;

    case BT_MSG_EXTENDED:
      out->extended_id = body[0];
      out->payload = body + 1;
      out->payload_length = body_length - 1;
      break;

    case BT_MSG_BITFIELD:
    case BT_MSG_UNKNOWN:
      out->payload = body;
      out->payload_length = body_length;
      break;

    case BT_MSG_KEEPALIVE:
    case BT_MSG_CHOKE:
    case BT_MSG_UNCHOKE:
    case BT_MSG_INTERESTED:
    case BT_MSG_NOT_INTERESTED:
    case BT_MSG_HAVE_ALL:
    case BT_MSG_HAVE_NONE:
    default:
      break;
    }

  /* Keep the "payload is NULL when there is none" promise for empty
   * bodies too, so callers need not check both fields. */
  if (out->payload_length == 0)
    out->payload = NULL;

  return (gssize) BT_WIRE_LENGTH_PREFIX + message_length;
}

/**
 * bt_wire_message_type_to_string:
 *
 * Returns: (transfer none): the protocol's name for @type, for logs and
 *   error messages ("have", "allowed_fast", ...)
 */
const char *
bt_wire_message_type_to_string (BtMessageType type)
{
  switch (type)
    {
    case BT_MSG_KEEPALIVE: return "keep-alive";
    case BT_MSG_CHOKE: return "choke";
    case BT_MSG_UNCHOKE: return "unchoke";
    case BT_MSG_INTERESTED: return "interested";
    case BT_MSG_NOT_INTERESTED: return "not interested";
    case BT_MSG_HAVE: return "have";
    case BT_MSG_BITFIELD: return "bitfield";
    case BT_MSG_REQUEST: return "request";
    case BT_MSG_PIECE: return "piece";
    case BT_MSG_CANCEL: return "cancel";
    case BT_MSG_PORT: return "port";
    case BT_MSG_SUGGEST: return "suggest piece";
    case BT_MSG_HAVE_ALL: return "have all";
    case BT_MSG_HAVE_NONE: return "have none";
    case BT_MSG_REJECT: return "reject request";
    case BT_MSG_ALLOWED_FAST: return "allowed fast";
    case BT_MSG_EXTENDED: return "extended";
    case BT_MSG_UNKNOWN:
    default:
      return "unknown";
    }
}

/**
 * bt_wire_write_message:
 * @out: the buffer to append to
 * @message: any message, e.g. one returned by bt_wire_parse_message()
 *
 * Encodes @message from the fields that apply to its type (for
 * %BT_MSG_UNKNOWN, @raw_id and @payload). Writing what
 * bt_wire_parse_message() returned gives back the same bytes.
 */
void
bt_wire_write_message (GByteArray      *out,
                       const BtMessage *message)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (message != NULL);
  g_return_if_fail (message->payload != NULL || message->payload_length == 0);

  switch (message->type)
    {
    case BT_MSG_KEEPALIVE:
      bt_wire_write_keepalive (out);
      break;
    case BT_MSG_CHOKE:
    case BT_MSG_UNCHOKE:
    case BT_MSG_INTERESTED:
    case BT_MSG_NOT_INTERESTED:
    case BT_MSG_HAVE_ALL:
    case BT_MSG_HAVE_NONE:
      put_header (out, 1, (guint8) message->type);
      break;
    case BT_MSG_HAVE:
    case BT_MSG_SUGGEST:
    case BT_MSG_ALLOWED_FAST:
      put_header (out, 5, (guint8) message->type);
      put_u32 (out, message->index);
      break;
    case BT_MSG_REQUEST:
    case BT_MSG_CANCEL:
    case BT_MSG_REJECT:
      put_index_begin_length (out, (guint8) message->type, message->index,
                              message->begin, message->length);
      break;
    case BT_MSG_PIECE:
      g_return_if_fail (message->payload_length <= G_MAXUINT32 - 9);
      bt_wire_write_piece (out, message->index, message->begin,
                           message->payload, (guint32) message->payload_length);
      break;
    case BT_MSG_PORT:
      bt_wire_write_port (out, message->port);
      break;
    case BT_MSG_EXTENDED:
      bt_wire_write_extended (out, message->extended_id, message->payload,
                              message->payload_length);
      break;
    case BT_MSG_BITFIELD:
    case BT_MSG_UNKNOWN:
    default:
      g_return_if_fail (message->payload_length <= G_MAXUINT32 - 1);
      put_header (out, 1 + (guint32) message->payload_length,
                  message->type == BT_MSG_BITFIELD ? BT_MSG_BITFIELD : message->raw_id);
      if (message->payload_length > 0)
        g_byte_array_append (out, message->payload, (guint) message->payload_length);
      break;
    }
}

void
bt_wire_write_keepalive (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_u32 (out, 0);
}

void
bt_wire_write_choke (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_header (out, 1, BT_MSG_CHOKE);
}

void
bt_wire_write_unchoke (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_header (out, 1, BT_MSG_UNCHOKE);
}

void
bt_wire_write_interested (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_header (out, 1, BT_MSG_INTERESTED);
}

void
bt_wire_write_not_interested (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_header (out, 1, BT_MSG_NOT_INTERESTED);
}

void
bt_wire_write_have (GByteArray *out,
                    guint32     index)
{
  g_return_if_fail (out != NULL);

  put_header (out, 5, BT_MSG_HAVE);
  put_u32 (out, index);
}

/**
 * bt_wire_write_bitfield:
 * @out: the buffer to append to
 * @bitfield: the pieces we have
 *
 * BEP 6 peers may be sent bt_wire_write_have_all() or
 * bt_wire_write_have_none() instead; that choice is the caller's.
 */
void
bt_wire_write_bitfield (GByteArray       *out,
                        const BtBitfield *bitfield)
{
  const guint8 *data;
  gsize n_bytes;

  g_return_if_fail (out != NULL);
  g_return_if_fail (bitfield != NULL);

  data = bt_bitfield_get_data (bitfield, &n_bytes);
  /* ceil(2^32 / 8) + 1 always fits the 32-bit prefix. */
  put_header (out, 1 + (guint32) n_bytes, BT_MSG_BITFIELD);
  if (n_bytes > 0)
    g_byte_array_append (out, data, (guint) n_bytes);
}

void
bt_wire_write_request (GByteArray *out,
                       guint32     index,
                       guint32     begin,
                       guint32     length)
{
  g_return_if_fail (out != NULL);

  put_index_begin_length (out, BT_MSG_REQUEST, index, begin, length);
}

/**
 * bt_wire_write_piece_header:
 * @out: the buffer to append the 13-byte header to
 * @index: piece index
 * @begin: offset of the block in the piece
 * @block_length: bytes of block data the caller sends right after
 *
 * Only the header (length prefix, id, index, begin), so the block can be
 * written from its own buffer without being copied into @out.
 */
void
bt_wire_write_piece_header (GByteArray *out,
                            guint32     index,
                            guint32     begin,
                            guint32     block_length)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (block_length <= G_MAXUINT32 - 9);

  put_header (out, 9 + block_length, BT_MSG_PIECE);
  put_u32 (out, index);
  put_u32 (out, begin);
}

/**
 * bt_wire_write_piece:
 * @data: (array length=block_length) (nullable): the block
 *
 * Header and block in one buffer; see bt_wire_write_piece_header() to
 * avoid the copy.
 */
void
bt_wire_write_piece (GByteArray   *out,
                     guint32       index,
                     guint32       begin,
                     const guint8 *data,
                     guint32       block_length)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (data != NULL || block_length == 0);
  g_return_if_fail (block_length <= G_MAXUINT32 - 9);

  bt_wire_write_piece_header (out, index, begin, block_length);
  if (block_length > 0)
    g_byte_array_append (out, data, block_length);
}

void
bt_wire_write_cancel (GByteArray *out,
                      guint32     index,
                      guint32     begin,
                      guint32     length)
{
  g_return_if_fail (out != NULL);

  put_index_begin_length (out, BT_MSG_CANCEL, index, begin, length);
}

void
bt_wire_write_port (GByteArray *out,
                    guint16     port)
{
  guint8 b[2] = { port >> 8, port & 0xff };

  g_return_if_fail (out != NULL);

  put_header (out, 3, BT_MSG_PORT);
  g_byte_array_append (out, b, sizeof b);
}

void
bt_wire_write_suggest (GByteArray *out,
                       guint32     index)
{
  g_return_if_fail (out != NULL);

  put_header (out, 5, BT_MSG_SUGGEST);
  put_u32 (out, index);
}

void
bt_wire_write_have_all (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_header (out, 1, BT_MSG_HAVE_ALL);
}

void
bt_wire_write_have_none (GByteArray *out)
{
  g_return_if_fail (out != NULL);

  put_header (out, 1, BT_MSG_HAVE_NONE);
}

void
bt_wire_write_reject (GByteArray *out,
                      guint32     index,
                      guint32     begin,
                      guint32     length)
{
  g_return_if_fail (out != NULL);

  put_index_begin_length (out, BT_MSG_REJECT, index, begin, length);
}

void
bt_wire_write_allowed_fast (GByteArray *out,
                            guint32     index)
{
  g_return_if_fail (out != NULL);

  put_header (out, 5, BT_MSG_ALLOWED_FAST);
  put_u32 (out, index);
}

/**
 * bt_wire_write_extended:
 * @extended_id: 0 for the BEP 10 handshake, else the id the peer assigned
 *   to the extension in its handshake's "m" dictionary
 * @payload: (array length=payload_length) (nullable): usually bencoded
 */
void
bt_wire_write_extended (GByteArray   *out,
                        guint8        extended_id,
                        const guint8 *payload,
                        gsize         payload_length)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (payload != NULL || payload_length == 0);
  g_return_if_fail (payload_length <= G_MAXUINT32 - 2);

  put_header (out, 2 + (guint32) payload_length, BT_MSG_EXTENDED);
  g_byte_array_append (out, &extended_id, 1);
  if (payload_length > 0)
    g_byte_array_append (out, payload, (guint) payload_length);
}

/* Peer ids */

/**
 * bt_wire_make_peer_id:
 * @out: (out caller-allocates) (array fixed-size=20): the new id
 *
 * An Azureus-style id, %BT_WIRE_PEER_ID_PREFIX followed by 12 random
 * letters and digits. Printable on purpose: trackers and other clients show
 * peer ids, and some mishandle binary ones. 62^12 (about 2^71) values make a
 * collision with another bTorrent in the same swarm negligible, which
 * matters because we recognise connections to ourselves by our id.
 */
void
bt_wire_make_peer_id (guint8 out[20])
{
  static const char alphabet[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const gsize prefix_length = strlen (BT_WIRE_PEER_ID_PREFIX);

  g_return_if_fail (out != NULL);
  G_STATIC_ASSERT (sizeof BT_WIRE_PEER_ID_PREFIX - 1 == 8);

  memcpy (out, BT_WIRE_PEER_ID_PREFIX, prefix_length);
  /* g_random_* uses a generator GLib seeds from /dev/urandom. */
  for (gsize i = prefix_length; i < BT_WIRE_PEER_ID_LENGTH; i++)
    out[i] = (guint8) alphabet[g_random_int_range (0, (gint32) sizeof alphabet - 1)];
}

typedef enum
{
  VERSION_TRANSMISSION, /* its own scheme, see format_transmission() */
  VERSION_THREE,        /* three characters, the fourth is a build tag */
  VERSION_FOUR,         /* four characters, a trailing .0 dropped */
} VersionStyle;

typedef struct
{
  char          code[3];
  const char   *name;
  VersionStyle  style;
} AzureusClient;

/* Azureus-style codes ("-XXvvvv-") of the clients a user is likely to meet,
 * from the clients' own sources and documentation of their peer ids. */
static const AzureusClient azureus_clients[] = {
  { "A2", "aria2", VERSION_FOUR },
  { "AZ", "Azureus", VERSION_FOUR },
  { "BI", "BiglyBT", VERSION_FOUR },
  { "BT", "bTorrent", VERSION_FOUR },
  { "DE", "Deluge", VERSION_THREE },
  { "FD", "Free Download Manager", VERSION_THREE },
  { "KT", "KTorrent", VERSION_THREE },
  { "LT", "libtorrent (Rasterbar)", VERSION_FOUR },
  { "PI", "PicoTorrent", VERSION_FOUR },
  { "TR", "Transmission", VERSION_TRANSMISSION },
  { "UM", "µTorrent Mac", VERSION_THREE },
  { "UT", "µTorrent", VERSION_THREE },
  { "UW", "µTorrent Web", VERSION_THREE },
  { "lt", "libTorrent (rakshasa)", VERSION_FOUR },
  { "qB", "qBittorrent", VERSION_FOUR },
};

/* Azureus-style version characters: 0-9, then A-Z for 10-35 (used as hex
 * by some clients, which agrees), a-z for 36-61. */
static int
version_digit (guint8 c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'Z')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 36;
  return -1;
}

static gboolean
is_digit (guint8 c)
{
  return c >= '0' && c <= '9';
}

/* Transmission: -TR0006- is 0.6, -TR0072- is 0.72, -TR2940- is 2.94 (a
 * trailing Z or X marks a build after that release), and from 4.0 on
 * -TR4050- is 4.0.5. */
static gboolean
format_transmission (GString      *s,
                     const guint8 *v)
{
  gboolean plus;

  for (guint i = 0; i < 3; i++)
    if (!is_digit (v[i]))
      return FALSE;
  plus = v[3] == 'Z' || v[3] == 'X';

  if (v[0] == '0' && v[1] == '0' && is_digit (v[3]))
    {
      if (v[2] == '0')
        g_string_append_printf (s, "0.%c", v[3]);
      else
        g_string_append_printf (s, "0.%c%c", v[2], v[3]);
    }
  else if (v[0] <= '3')
    g_string_append_printf (s, "%c.%c%c%s", v[0], v[1], v[2], plus ? "+" : "");
  else
    g_string_append_printf (s, "%c.%c.%c%s", v[0], v[1], v[2], plus ? "+" : "");
  return TRUE;
}

static gboolean
format_azureus_version (GString      *s,
                        const guint8 *v,
                        VersionStyle  style)
{
  int d[4];

  if (style == VERSION_TRANSMISSION)
    return format_transmission (s, v);

  for (guint i = 0; i < 4; i++)
    d[i] = version_digit (v[i]);
  if (d[0] < 0 || d[1] < 0 || d[2] < 0)
    return FALSE;

  g_string_append_printf (s, "%d.%d.%d", d[0], d[1], d[2]);
  if (style == VERSION_FOUR && d[3] > 0)
    g_string_append_printf (s, ".%d", d[3]);
  return TRUE;
}

/* Dash-separated decimal versions starting at @start: "1-36-0-" (aria2's
 * own form, "A2-1-36-0-...") or "7-2-0--" (BitTorrent mainline,
 * "M7-2-0--..."). Needs three numbers, each followed by a dash. */
static gboolean
format_dashed_version (GString      *s,
                       const guint8 *id,
                       gsize         start)
{
  guint numbers[3];
  gsize i = start;

  for (guint n = 0; n < 3; n++)
    {
      guint value = 0;
      gsize digits = 0;

      while (i < BT_WIRE_PEER_ID_LENGTH && is_digit (id[i]) && digits < 3)
        {
          value = value * 10 + (guint) (id[i] - '0');
          digits++;
          i++;
        }
      if (digits == 0 || i >= BT_WIRE_PEER_ID_LENGTH || id[i] != '-')
        return FALSE;
      i++;
      numbers[n] = value;
    }

  g_string_append_printf (s, "%u.%u.%u", numbers[0], numbers[1], numbers[2]);
  return TRUE;
}

/**
 * bt_wire_peer_id_to_client_name:
 * @peer_id: (array fixed-size=20): a peer id from a handshake
 *
 * Names the client behind a peer id for the peer list: "Transmission 3.00",
 * "qBittorrent 4.2.5", "aria2 1.36.0". Ids we cannot decode give
 * "Unknown (...)" with the id's first bytes, non-printable ones escaped as
 * \xNN. Peer ids are self-reported: this is for display only.
 *
 * Returns: (transfer full): a valid UTF-8 string
 */
char *
bt_wire_peer_id_to_client_name (const guint8 peer_id[20])
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail (peer_id != NULL, NULL);

  /* Azureus style: "-XXvvvv-". */
  if (peer_id[0] == '-' && peer_id[7] == '-')
    {
      for (gsize i = 0; i < G_N_ELEMENTS (azureus_clients); i++)
        {
          const AzureusClient *c = &azureus_clients[i];

          if (peer_id[1] != (guint8) c->code[0] || peer_id[2] != (guint8) c->code[1])
            continue;

          /* Azureus was renamed Vuze with version 4. */
          if (strcmp (c->code, "AZ") == 0 && version_digit (peer_id[3]) >= 4)
            g_string_append (s, "Vuze");
          else
            g_string_append (s, c->name);
          g_string_append_c (s, ' ');
          if (!format_azureus_version (s, peer_id + 3, c->style))
            g_string_truncate (s, s->len - 1);
          return g_string_free (g_steal_pointer (&s), FALSE);
        }
    }

  /* aria2's own form: "A2-1-36-0-" followed by random bytes. */
  if (peer_id[0] == 'A' && peer_id[1] == '2' && peer_id[2] == '-')
    {
      g_string_append (s, "aria2 ");
      if (format_dashed_version (s, peer_id, 3))
        return g_string_free (g_steal_pointer (&s), FALSE);
      g_string_truncate (s, 0);
    }

  /* BitTorrent mainline: "M7-2-0--". */
  if (peer_id[0] == 'M' && is_digit (peer_id[1]))
    {
      g_string_append (s, "BitTorrent ");
      if (format_dashed_version (s, peer_id, 1))
        return g_string_free (g_steal_pointer (&s), FALSE);
      g_string_truncate (s, 0);
    }

  g_string_append (s, "Unknown (");
  append_escaped (s, peer_id, 8);
  g_string_append_c (s, ')');
  return g_string_free (g_steal_pointer (&s), FALSE);
}
