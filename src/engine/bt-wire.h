/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The peer wire protocol (BEP 3), with the message ids of the fast
 * extension (BEP 6) and the extension protocol (BEP 10), as a pure codec:
 * bytes in, message structs out; message structs in, bytes appended to a
 * GByteArray out. Nothing here touches a socket, a clock or a main loop,
 * so it can be unit-tested and fuzzed on its own.
 *
 * What the codec checks: framing, the protocol string, the length of every
 * fixed-size message, and a caller-given bound on any message's length,
 * checked from the 4-byte length prefix alone. What it does NOT check,
 * because it does not know the torrent: piece indexes against the piece
 * count, begin/length against the piece length, a bitfield's length
 * against the piece count (use bt_bitfield_new_from_bytes()), block sizes
 * of requests, and whether a fast or extended message was negotiated in
 * the handshake's reserved bits. Those are the peer layer's job.
 */
#pragma once

#include <glib.h>

#include "bt-bitfield.h"

G_BEGIN_DECLS

#define BT_WIRE_PROTOCOL_STRING "BitTorrent protocol"
#define BT_WIRE_PROTOCOL_STRING_LENGTH 19

/* pstrlen (1) + pstr (19) + reserved (8) + info_hash (20) + peer_id (20) */
#define BT_WIRE_HANDSHAKE_LENGTH 68

/* Everything up to and including the info-hash: enough for a listener to
 * find the torrent a connection is for before the peer id arrives. */
#define BT_WIRE_HANDSHAKE_PREFIX_LENGTH 48

/* Every message after the handshake starts with a 4-byte big-endian length
 * that counts the bytes after it (the id and the payload). */
#define BT_WIRE_LENGTH_PREFIX 4

/* The block size every client requests and serves (BEP 3 recommends it and
 * most clients refuse larger requests). */
#define BT_BLOCK_SIZE 16384

/* A "piece" message: id (1), index (4), begin (4), then the block. */
#define BT_WIRE_PIECE_HEADER_LENGTH 13

#define BT_WIRE_PEER_ID_LENGTH 20
#define BT_WIRE_INFO_HASH_LENGTH 20

/* Our Azureus-style peer id prefix: client "BT", version 0.1.0.0. */
#define BT_WIRE_PEER_ID_PREFIX "-BT0100-"

/**
 * BtWireReservedBit:
 * @BT_WIRE_RESERVED_EXTENSION: the extension protocol (BEP 10), reserved[5] & 0x10
 * @BT_WIRE_RESERVED_FAST: the fast extension (BEP 6), reserved[7] & 0x04
 * @BT_WIRE_RESERVED_DHT: a DHT node (BEP 5), reserved[7] & 0x01
 *
 * Bits of the handshake's reserved bytes; the value encodes the byte index
 * in its high byte and the mask in its low byte. Use
 * bt_wire_reserved_test() and bt_wire_reserved_set().
 */
typedef enum
{
  BT_WIRE_RESERVED_EXTENSION = (5 << 8) | 0x10,
  BT_WIRE_RESERVED_FAST = (7 << 8) | 0x04,
  BT_WIRE_RESERVED_DHT = (7 << 8) | 0x01,
} BtWireReservedBit;

static inline gboolean
bt_wire_reserved_test (const guint8      reserved[8],
                       BtWireReservedBit bit)
{
  return (reserved[(bit >> 8) & 7] & (bit & 0xff)) != 0;
}

static inline void
bt_wire_reserved_set (guint8            reserved[8],
                      BtWireReservedBit bit)
{
  reserved[(bit >> 8) & 7] |= (guint8) (bit & 0xff);
}

/**
 * BtHandshake:
 * @reserved: the 8 reserved bytes (extension bits)
 * @info_hash: the torrent's SHA1 info-hash
 * @peer_id: the sender's peer id
 */
typedef struct
{
  guint8 reserved[8];
  guint8 info_hash[20];
  guint8 peer_id[20];
} BtHandshake;

typedef enum
{
  BT_MSG_KEEPALIVE = -1,
  BT_MSG_CHOKE = 0,
  BT_MSG_UNCHOKE,
  BT_MSG_INTERESTED,
  BT_MSG_NOT_INTERESTED,
  BT_MSG_HAVE,
  BT_MSG_BITFIELD,
  BT_MSG_REQUEST,
  BT_MSG_PIECE,
  BT_MSG_CANCEL,
  BT_MSG_PORT,
  BT_MSG_SUGGEST = 0x0d,
  BT_MSG_HAVE_ALL,
  BT_MSG_HAVE_NONE,
  BT_MSG_REJECT,
  BT_MSG_ALLOWED_FAST,
  BT_MSG_EXTENDED = 20,
  BT_MSG_UNKNOWN = 255,
} BtMessageType;

/**
 * BtMessage:
 * @type: the message; %BT_MSG_UNKNOWN for an id this codec does not know
 *   (callers ignore those, so newer extensions do not break us)
 * @raw_id: the id byte as received (0 for a keep-alive)
 * @index: piece index (have, request, piece, cancel, suggest, reject,
 *   allowed_fast)
 * @begin: byte offset in the piece (request, piece, cancel, reject)
 * @length: block length (request, cancel, reject; for piece, the length of
 *   the block that follows, same as @payload_length)
 * @port: DHT port (port)
 * @extended_id: extension message id (extended; 0 is the BEP 10 handshake)
 * @payload: bitfield bytes, piece block data, extended payload after the
 *   extension id, or an unknown message's body after its id. Points INTO
 *   the buffer given to bt_wire_parse_message(): valid only until the
 *   caller consumes or changes that buffer. %NULL when there is none.
 * @payload_length: bytes at @payload
 *
 * One peer message. Fields that do not apply to @type are zero.
 */
typedef struct
{
  BtMessageType  type;
  guint8         raw_id;
  guint32        index;
  guint32        begin;
  guint32        length;
  guint16        port;
  guint8         extended_id;
  const guint8  *payload;
  gsize          payload_length;
} BtMessage;

/* Handshake */

void         bt_wire_write_handshake          (GByteArray         *out,
                                               const BtHandshake  *handshake);
gssize       bt_wire_parse_handshake          (const guint8       *data,
                                               gsize               length,
                                               BtHandshake        *out,
                                               GError            **error);
gssize       bt_wire_parse_handshake_prefix   (const guint8       *data,
                                               gsize               length,
                                               BtHandshake        *out,
                                               GError            **error);

/* Messages */

gboolean     bt_wire_peek_length              (const guint8       *data,
                                               gsize               length,
                                               guint32            *message_length);
gssize       bt_wire_parse_message            (const guint8       *data,
                                               gsize               length,
                                               guint32             max_length,
                                               BtMessage          *out,
                                               GError            **error);
guint32      bt_wire_max_message_length       (guint32             n_pieces);
const char  *bt_wire_message_type_to_string   (BtMessageType       type);

void         bt_wire_write_message            (GByteArray         *out,
                                               const BtMessage    *message);
void         bt_wire_write_keepalive          (GByteArray         *out);
void         bt_wire_write_choke              (GByteArray         *out);
void         bt_wire_write_unchoke            (GByteArray         *out);
void         bt_wire_write_interested         (GByteArray         *out);
void         bt_wire_write_not_interested     (GByteArray         *out);
void         bt_wire_write_have               (GByteArray         *out,
                                               guint32             index);
void         bt_wire_write_bitfield           (GByteArray         *out,
                                               const BtBitfield   *bitfield);
void         bt_wire_write_request            (GByteArray         *out,
                                               guint32             index,
                                               guint32             begin,
                                               guint32             length);
void         bt_wire_write_piece_header       (GByteArray         *out,
                                               guint32             index,
                                               guint32             begin,
                                               guint32             block_length);
void         bt_wire_write_piece              (GByteArray         *out,
                                               guint32             index,
                                               guint32             begin,
                                               const guint8       *data,
                                               guint32             block_length);
void         bt_wire_write_cancel             (GByteArray         *out,
                                               guint32             index,
                                               guint32             begin,
                                               guint32             length);
void         bt_wire_write_port               (GByteArray         *out,
                                               guint16             port);
void         bt_wire_write_suggest            (GByteArray         *out,
                                               guint32             index);
void         bt_wire_write_have_all           (GByteArray         *out);
void         bt_wire_write_have_none          (GByteArray         *out);
void         bt_wire_write_reject             (GByteArray         *out,
                                               guint32             index,
                                               guint32             begin,
                                               guint32             length);
void         bt_wire_write_allowed_fast       (GByteArray         *out,
                                               guint32             index);
void         bt_wire_write_extended           (GByteArray         *out,
                                               guint8              extended_id,
                                               const guint8       *payload,
                                               gsize               payload_length);

/* Peer ids */

void         bt_wire_make_peer_id             (guint8              out[20]);
char        *bt_wire_peer_id_to_client_name   (const guint8        peer_id[20]);

G_END_DECLS
