/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-bitfield.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-wire.h"

#define MAX_LENGTH (BT_BLOCK_SIZE + 13)

/* A parsed message with its payload copied out of the parse buffer, so
 * messages parsed from differently-chunked input can be compared after the
 * buffer is gone. */
typedef struct
{
  BtMessage  msg;
  GBytes    *payload;
} OwnedMessage;

static void
owned_message_free (OwnedMessage *m)
{
  g_clear_pointer (&m->payload, g_bytes_unref);
  g_free (m);
}

static OwnedMessage *
owned_message_new (const BtMessage *msg)
{
  OwnedMessage *m = g_new0 (OwnedMessage, 1);

  m->msg = *msg;
  m->msg.payload = NULL;
  m->payload = g_bytes_new (msg->payload, msg->payload_length);
  return m;
}

static void
assert_same_message (const OwnedMessage *a,
                     const OwnedMessage *b)
{
  g_assert_cmpint (a->msg.type, ==, b->msg.type);
  g_assert_cmpuint (a->msg.raw_id, ==, b->msg.raw_id);
  g_assert_cmpuint (a->msg.index, ==, b->msg.index);
  g_assert_cmpuint (a->msg.begin, ==, b->msg.begin);
  g_assert_cmpuint (a->msg.length, ==, b->msg.length);
  g_assert_cmpuint (a->msg.port, ==, b->msg.port);
  g_assert_cmpuint (a->msg.extended_id, ==, b->msg.extended_id);
  g_assert_cmpuint (a->msg.payload_length, ==, b->msg.payload_length);
  g_assert_true (g_bytes_equal (a->payload, b->payload));
}

/* Parses exactly one message from @data and asserts it took all of it. */
static BtMessage
parse_one (const GByteArray *data)
{
  g_autoptr(GError) error = NULL;
  BtMessage msg;
  gssize r;

  memset (&msg, 0xaa, sizeof msg);
  r = bt_wire_parse_message (data->data, data->len, MAX_LENGTH, &msg, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r, ==, (gssize) data->len);

  /* Every shorter prefix of a message means "need more", never an error
   * and never a message. */
  for (gsize i = 0; i < data->len; i++)
    {
      BtMessage partial;

      g_assert_cmpint (bt_wire_parse_message (data->data, i, MAX_LENGTH, &partial, &error), ==, 0);
      g_assert_no_error (error);
    }

  /* Writing the parsed message back gives the same bytes. */
  {
    g_autoptr(GByteArray) again = g_byte_array_new ();

    bt_wire_write_message (again, &msg);
    g_assert_cmpmem (again->data, again->len, data->data, data->len);
  }
  return msg;
}

static void
write_handshake_fixture (GByteArray  *out,
                         BtHandshake *hs)
{
  memset (hs, 0, sizeof *hs);
  bt_wire_reserved_set (hs->reserved, BT_WIRE_RESERVED_EXTENSION);
  bt_wire_reserved_set (hs->reserved, BT_WIRE_RESERVED_FAST);
  for (guint i = 0; i < 20; i++)
    hs->info_hash[i] = (guint8) (0xf0 ^ i);
  memcpy (hs->peer_id, "-TR3000-abcdefghijkl", 20);
  bt_wire_write_handshake (out, hs);
}

static void
test_handshake_roundtrip (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  BtHandshake hs, parsed;

  write_handshake_fixture (out, &hs);
  g_assert_cmpuint (out->len, ==, BT_WIRE_HANDSHAKE_LENGTH);
  g_assert_cmpuint (out->data[0], ==, 19);
  g_assert_cmpmem (out->data + 1, 19, "BitTorrent protocol", 19);
  g_assert_cmphex (out->data[20 + 5], ==, 0x10);
  g_assert_cmphex (out->data[20 + 7], ==, 0x04);

  /* Any prefix: need more. */
  for (gsize i = 0; i < BT_WIRE_HANDSHAKE_LENGTH; i++)
    {
      g_assert_cmpint (bt_wire_parse_handshake (out->data, i, &parsed, &error), ==, 0);
      g_assert_no_error (error);
    }

  memset (&parsed, 0, sizeof parsed);
  g_assert_cmpint (bt_wire_parse_handshake (out->data, out->len, &parsed, &error), ==, 68);
  g_assert_no_error (error);
  g_assert_cmpmem (parsed.reserved, 8, hs.reserved, 8);
  g_assert_cmpmem (parsed.info_hash, 20, hs.info_hash, 20);
  g_assert_cmpmem (parsed.peer_id, 20, hs.peer_id, 20);

  /* Bytes after the handshake (the first message) are not consumed. */
  bt_wire_write_interested (out);
  g_assert_cmpint (bt_wire_parse_handshake (out->data, out->len, &parsed, &error), ==, 68);
  g_assert_no_error (error);
}

static void
test_handshake_reserved (void)
{
  guint8 reserved[8] = { 0 };

  g_assert_false (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_EXTENSION));
  g_assert_false (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_FAST));
  g_assert_false (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_DHT));

  bt_wire_reserved_set (reserved, BT_WIRE_RESERVED_DHT);
  g_assert_cmphex (reserved[7], ==, 0x01);
  g_assert_true (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_DHT));
  g_assert_false (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_FAST));

  bt_wire_reserved_set (reserved, BT_WIRE_RESERVED_FAST);
  g_assert_cmphex (reserved[7], ==, 0x05);
  bt_wire_reserved_set (reserved, BT_WIRE_RESERVED_EXTENSION);
  g_assert_cmphex (reserved[5], ==, 0x10);
  g_assert_true (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_EXTENSION));

  for (guint i = 0; i < 8; i++)
    if (i != 5 && i != 7)
      g_assert_cmphex (reserved[i], ==, 0);

  /* Other bits in the same byte are not mistaken for ours. */
  memset (reserved, 0, sizeof reserved);
  reserved[5] = 0xef;
  reserved[7] = 0xfa;
  g_assert_false (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_EXTENSION));
  g_assert_false (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_FAST));
  g_assert_false (bt_wire_reserved_test (reserved, BT_WIRE_RESERVED_DHT));
}

static void
assert_handshake_rejected_at (const guint8 *data,
                              gsize         len,
                              gsize         first_bad)
{
  BtHandshake hs;

  /* Up to the first wrong byte: need more. From it on: error, with the
   * full and the prefix parser alike. */
  for (gsize i = 0; i <= len; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize r = bt_wire_parse_handshake (data, i, &hs, &error);
      gssize rp;
      g_autoptr(GError) error_prefix = NULL;

      rp = bt_wire_parse_handshake_prefix (data, i, &hs, &error_prefix);
      if (i <= first_bad)
        {
          g_assert_cmpint (r, ==, 0);
          g_assert_no_error (error);
          g_assert_cmpint (rp, ==, 0);
          g_assert_no_error (error_prefix);
        }
      else
        {
          g_assert_cmpint (r, ==, -1);
          g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
          g_assert_cmpstr (error->message, !=, "");
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
          g_assert_cmpint (rp, ==, -1);
          g_assert_error (error_prefix, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
        }
    }
}

static void
test_handshake_bad (void)
{
  static const guint8 bad_lengths[] = { 0, 18, 20, 255, 'G' /* "GET /" */, 0x16 /* TLS */ };
  g_autoptr(GByteArray) good = g_byte_array_new ();
  BtHandshake hs;

  write_handshake_fixture (good, &hs);

  /* A wrong length byte fails on the first byte alone. */
  for (gsize i = 0; i < G_N_ELEMENTS (bad_lengths); i++)
    {
      g_autoptr(GByteArray) bad = g_byte_array_new ();

      g_byte_array_append (bad, good->data, good->len);
      bad->data[0] = bad_lengths[i];
      assert_handshake_rejected_at (bad->data, bad->len, 0);
    }

  /* A wrong protocol name fails at its first wrong byte: "BitTorrent
   * Protocol" (capital P) at offset 12, garbage at offset 1, and a
   * non-printable byte (escaped in the message) at the last one. */
  {
    static const struct { gsize offset; guint8 byte; } cases[] = {
      { 12, 'P' }, { 1, 'X' }, { 19, 0x00 }, { 5, 0xff },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr(GByteArray) bad = g_byte_array_new ();

        g_byte_array_append (bad, good->data, good->len);
        bad->data[cases[i].offset] = cases[i].byte;
        assert_handshake_rejected_at (bad->data, bad->len, cases[i].offset);
      }
  }

  /* The message shows what the peer said, escaped. */
  {
    g_autoptr(GError) error = NULL;
    static const guint8 text[] = "\x13" "BitTorrent\x01protocol";

    g_assert_cmpint (bt_wire_parse_handshake (text, 20, &hs, &error), ==, -1);
    g_assert_nonnull (strstr (error->message, "BitTorrent\\x01protocol"));
  }
}

static void
test_handshake_prefix (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  BtHandshake hs, prefix, full;

  write_handshake_fixture (out, &hs);

  for (gsize i = 0; i < BT_WIRE_HANDSHAKE_PREFIX_LENGTH; i++)
    {
      g_assert_cmpint (bt_wire_parse_handshake_prefix (out->data, i, &prefix, &error), ==, 0);
      g_assert_no_error (error);
    }

  /* 48 bytes route the connection: the info-hash and reserved bits are
   * known, the peer id not yet. */
  memset (&prefix, 0xaa, sizeof prefix);
  g_assert_cmpint (bt_wire_parse_handshake_prefix (out->data, 48, &prefix, &error), ==, 48);
  g_assert_no_error (error);
  g_assert_cmpmem (prefix.info_hash, 20, hs.info_hash, 20);
  g_assert_cmpmem (prefix.reserved, 8, hs.reserved, 8);
  for (guint i = 0; i < 20; i++)
    g_assert_cmpuint (prefix.peer_id[i], ==, 0);

  /* The full parser still needs the peer id... */
  g_assert_cmpint (bt_wire_parse_handshake (out->data, 48, &full, &error), ==, 0);
  g_assert_cmpint (bt_wire_parse_handshake (out->data, 67, &full, &error), ==, 0);
  g_assert_no_error (error);

  /* ...and takes the whole thing once it is there. */
  g_assert_cmpint (bt_wire_parse_handshake_prefix (out->data, out->len, &prefix, &error), ==, 48);
  g_assert_cmpint (bt_wire_parse_handshake (out->data, out->len, &full, &error), ==, 68);
  g_assert_no_error (error);
  g_assert_cmpmem (full.peer_id, 20, hs.peer_id, 20);
  g_assert_cmpmem (full.info_hash, 20, prefix.info_hash, 20);
}

/* Every message kind, written with its own writer, in one stream. Each
 * entry is appended to @stream; @n_messages gets how many. */
static void
build_all_messages (GByteArray *stream,
                    guint      *n_messages)
{
  g_autoptr(BtBitfield) bf = bt_bitfield_new (21);
  guint8 block[BT_BLOCK_SIZE];
  static const guint8 ext_payload[] = "d1:md11:ut_metadatai3eee";

  for (gsize i = 0; i < sizeof block; i++)
    block[i] = (guint8) (i * 7 + 3);
  bt_bitfield_set (bf, 0);
  bt_bitfield_set (bf, 20);

  bt_wire_write_keepalive (stream);
  bt_wire_write_choke (stream);
  bt_wire_write_unchoke (stream);
  bt_wire_write_interested (stream);
  bt_wire_write_not_interested (stream);
  bt_wire_write_have (stream, 0xdeadbeef);
  bt_wire_write_bitfield (stream, bf);
  bt_wire_write_request (stream, 1, 2 * BT_BLOCK_SIZE, BT_BLOCK_SIZE);
  bt_wire_write_piece (stream, 7, BT_BLOCK_SIZE, block, sizeof block);
  bt_wire_write_piece (stream, 8, 0, block, 3);
  bt_wire_write_piece (stream, 9, 0, NULL, 0);
  bt_wire_write_cancel (stream, G_MAXUINT32, G_MAXUINT32, G_MAXUINT32);
  bt_wire_write_port (stream, 6881);
  bt_wire_write_suggest (stream, 42);
  bt_wire_write_have_all (stream);
  bt_wire_write_have_none (stream);
  bt_wire_write_reject (stream, 3, 4, 5);
  bt_wire_write_allowed_fast (stream, 77);
  bt_wire_write_extended (stream, 0, ext_payload, sizeof ext_payload - 1);
  bt_wire_write_extended (stream, 3, NULL, 0);
  bt_wire_write_keepalive (stream);
  /* Unknown ids: BEP 52 hash messages and made-up ones. */
  {
    static const guint8 unknown[] = { 0, 0, 0, 4, 21, 'a', 'b', 'c',
                                      0, 0, 0, 1, 10,
                                      0, 0, 0, 2, 255, 0 };

    g_byte_array_append (stream, unknown, sizeof unknown);
  }
  *n_messages = 24;
}

static void
test_messages_roundtrip (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  BtMessage msg;
  guint8 block[100];

  for (gsize i = 0; i < sizeof block; i++)
    block[i] = (guint8) i;

#define CHECK_SIMPLE(writer, msg_type)            \
  G_STMT_START {                                  \
    g_byte_array_set_size (out, 0);               \
    writer (out);                                 \
    g_assert_cmpuint (out->len, ==, 5);           \
    msg = parse_one (out);                        \
    g_assert_cmpint (msg.type, ==, msg_type);     \
    g_assert_cmpuint (msg.raw_id, ==, msg_type);  \
    g_assert_null (msg.payload);                  \
    g_assert_cmpuint (msg.payload_length, ==, 0); \
  } G_STMT_END

  CHECK_SIMPLE (bt_wire_write_choke, BT_MSG_CHOKE);
  CHECK_SIMPLE (bt_wire_write_unchoke, BT_MSG_UNCHOKE);
  CHECK_SIMPLE (bt_wire_write_interested, BT_MSG_INTERESTED);
  CHECK_SIMPLE (bt_wire_write_not_interested, BT_MSG_NOT_INTERESTED);
  CHECK_SIMPLE (bt_wire_write_have_all, BT_MSG_HAVE_ALL);
  CHECK_SIMPLE (bt_wire_write_have_none, BT_MSG_HAVE_NONE);
#undef CHECK_SIMPLE

  g_byte_array_set_size (out, 0);
  bt_wire_write_keepalive (out);
  g_assert_cmpuint (out->len, ==, 4);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_KEEPALIVE);

  g_byte_array_set_size (out, 0);
  bt_wire_write_have (out, 123456);
  g_assert_cmpmem (out->data, out->len, "\0\0\0\5\4\0\1\xe2\x40", 9);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_HAVE);
  g_assert_cmpuint (msg.index, ==, 123456);

  g_byte_array_set_size (out, 0);
  bt_wire_write_suggest (out, 9);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_SUGGEST);
  g_assert_cmpuint (msg.raw_id, ==, 0x0d);
  g_assert_cmpuint (msg.index, ==, 9);

  g_byte_array_set_size (out, 0);
  bt_wire_write_allowed_fast (out, G_MAXUINT32);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_ALLOWED_FAST);
  g_assert_cmpuint (msg.raw_id, ==, 0x11);
  g_assert_cmpuint (msg.index, ==, G_MAXUINT32);

  g_byte_array_set_size (out, 0);
  bt_wire_write_request (out, 1, 16384, 16384);
  g_assert_cmpmem (out->data, out->len,
                   "\0\0\0\x0d\6\0\0\0\1\0\0\x40\0\0\0\x40\0", 17);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_REQUEST);
  g_assert_cmpuint (msg.index, ==, 1);
  g_assert_cmpuint (msg.begin, ==, 16384);
  g_assert_cmpuint (msg.length, ==, 16384);

  g_byte_array_set_size (out, 0);
  bt_wire_write_cancel (out, 5, 6, 7);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_CANCEL);
  g_assert_cmpuint (msg.index, ==, 5);
  g_assert_cmpuint (msg.begin, ==, 6);
  g_assert_cmpuint (msg.length, ==, 7);

  g_byte_array_set_size (out, 0);
  bt_wire_write_reject (out, 8, 9, 10);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_REJECT);
  g_assert_cmpuint (msg.raw_id, ==, 0x10);
  g_assert_cmpuint (msg.index, ==, 8);
  g_assert_cmpuint (msg.begin, ==, 9);
  g_assert_cmpuint (msg.length, ==, 10);

  g_byte_array_set_size (out, 0);
  bt_wire_write_port (out, 51413);
  g_assert_cmpmem (out->data, out->len, "\0\0\0\3\x09\xc8\xd5", 7);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_PORT);
  g_assert_cmpuint (msg.port, ==, 51413);

  g_byte_array_set_size (out, 0);
  bt_wire_write_piece (out, 3, 32768, block, sizeof block);
  g_assert_cmpuint (out->len, ==, 4 + 9 + sizeof block);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_PIECE);
  g_assert_cmpuint (msg.index, ==, 3);
  g_assert_cmpuint (msg.begin, ==, 32768);
  g_assert_cmpuint (msg.length, ==, sizeof block);
  g_assert_cmpmem (msg.payload, msg.payload_length, block, sizeof block);
  /* The payload points into the input, not a copy. */
  g_assert_true (msg.payload == out->data + 13);

  g_byte_array_set_size (out, 0);
  bt_wire_write_extended (out, 0, (const guint8 *) "de", 2);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_EXTENDED);
  g_assert_cmpuint (msg.extended_id, ==, 0);
  g_assert_cmpmem (msg.payload, msg.payload_length, "de", 2);

  g_byte_array_set_size (out, 0);
  bt_wire_write_extended (out, 200, NULL, 0);
  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_EXTENDED);
  g_assert_cmpuint (msg.extended_id, ==, 200);
  g_assert_null (msg.payload);
  g_assert_cmpuint (msg.payload_length, ==, 0);
}

static void
test_piece_header (void)
{
  g_autoptr(GByteArray) whole = g_byte_array_new ();
  g_autoptr(GByteArray) split = g_byte_array_new ();
  guint8 block[BT_BLOCK_SIZE];

  for (gsize i = 0; i < sizeof block; i++)
    block[i] = (guint8) (i ^ (i >> 8));

  bt_wire_write_piece (whole, 11, 5 * BT_BLOCK_SIZE, block, sizeof block);
  bt_wire_write_piece_header (split, 11, 5 * BT_BLOCK_SIZE, sizeof block);
  g_assert_cmpuint (split->len, ==, BT_WIRE_PIECE_HEADER_LENGTH);
  g_byte_array_append (split, block, sizeof block);
  g_assert_cmpmem (whole->data, whole->len, split->data, split->len);

  /* A full 16 KiB block fits the bound the caller is told to use. */
  {
    BtMessage msg = parse_one (whole);

    g_assert_cmpuint (msg.payload_length, ==, BT_BLOCK_SIZE);
  }
}

static void
test_bitfield_message (void)
{
  g_autoptr(BtBitfield) bf = bt_bitfield_new (1000);
  g_autoptr(BtBitfield) back = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  BtMessage msg;

  for (guint32 i = 0; i < 1000; i += 3)
    bt_bitfield_set (bf, i);
  bt_wire_write_bitfield (out, bf);
  g_assert_cmpuint (out->len, ==, 4 + 1 + 125);

  msg = parse_one (out);
  g_assert_cmpint (msg.type, ==, BT_MSG_BITFIELD);
  g_assert_cmpuint (msg.payload_length, ==, 125);
  back = bt_bitfield_new_from_bytes (msg.payload, msg.payload_length, 1000, &error);
  g_assert_no_error (error);
  g_assert_true (bt_bitfield_equal (bf, back));
}

/* Feeds @stream to the parser in chunks the way the I/O layer would:
 * append what arrived, parse every complete message, drop the consumed
 * bytes. Chunks are random sizes from 1 to @chunk with @rand, else all of
 * size @chunk (0: the whole stream at once). */
static GPtrArray *
parse_stream (const GByteArray *stream,
              GRand            *rand,
              gint32            chunk)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) owned_message_free);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  gsize pos = 0;

  while (pos < stream->len)
    {
      gsize n = rand != NULL ? (gsize) g_rand_int_range (rand, 1, chunk + 1)
                             : chunk > 0 ? (gsize) chunk : stream->len;

      n = MIN (n, stream->len - pos);
      g_byte_array_append (buf, stream->data + pos, (guint) n);
      pos += n;

      for (;;)
        {
          g_autoptr(GError) error = NULL;
          BtMessage msg;
          guint32 msg_len;
          gssize r = bt_wire_parse_message (buf->data, buf->len, MAX_LENGTH, &msg, &error);

          g_assert_no_error (error);
          g_assert_cmpint (r, >=, 0);
          if (r == 0)
            {
              /* The I/O layer can tell how much is missing. */
              if (bt_wire_peek_length (buf->data, buf->len, &msg_len))
                g_assert_cmpuint ((guint64) msg_len + 4, >, buf->len);
              else
                g_assert_cmpuint (buf->len, <, 4);
              break;
            }
          g_assert_true (bt_wire_peek_length (buf->data, buf->len, &msg_len));
          g_assert_cmpint (r, ==, (gssize) msg_len + 4);
          g_ptr_array_add (messages, owned_message_new (&msg));
          g_byte_array_remove_range (buf, 0, (guint) r);
        }
    }
  g_assert_cmpuint (buf->len, ==, 0);
  return messages;
}

static void
test_messages_stream (void)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GPtrArray) whole = NULL;
  g_autoptr(GPtrArray) bytewise = NULL;
  guint n_messages;

  build_all_messages (stream, &n_messages);

  /* All at once, as one buffer. */
  whole = parse_stream (stream, NULL, 0);
  g_assert_cmpuint (whole->len, ==, n_messages);
  {
    OwnedMessage *first = g_ptr_array_index (whole, 0);
    OwnedMessage *last = g_ptr_array_index (whole, whole->len - 1);
    OwnedMessage *unknown = g_ptr_array_index (whole, whole->len - 3);

    g_assert_cmpint (first->msg.type, ==, BT_MSG_KEEPALIVE);
    g_assert_cmpint (last->msg.type, ==, BT_MSG_UNKNOWN);
    g_assert_cmpuint (last->msg.raw_id, ==, 255);
    g_assert_cmpint (unknown->msg.type, ==, BT_MSG_UNKNOWN);
    g_assert_cmpuint (unknown->msg.raw_id, ==, 21);
    g_assert_cmpmem (g_bytes_get_data (unknown->payload, NULL),
                     g_bytes_get_size (unknown->payload), "abc", 3);
  }

  /* One byte at a time: the same messages. */
  bytewise = parse_stream (stream, NULL, 1);
  g_assert_cmpuint (bytewise->len, ==, whole->len);
  for (guint i = 0; i < whole->len; i++)
    assert_same_message (g_ptr_array_index (whole, i), g_ptr_array_index (bytewise, i));

  /* Random chunk sizes, small and large, several seeds. */
  for (guint32 seed = 1; seed <= 20; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(GPtrArray) chunked = parse_stream (stream, rand, seed % 2 ? 7 : 5000);

      g_assert_cmpuint (chunked->len, ==, whole->len);
      for (guint i = 0; i < whole->len; i++)
        assert_same_message (g_ptr_array_index (whole, i), g_ptr_array_index (chunked, i));
    }

  /* And the whole stream in one parse loop over a single buffer. */
  {
    gsize pos = 0;
    guint count = 0;

    while (pos < stream->len)
      {
        g_autoptr(GError) error = NULL;
        BtMessage msg;
        gssize r = bt_wire_parse_message (stream->data + pos, stream->len - pos,
                                          MAX_LENGTH, &msg, &error);

        g_assert_no_error (error);
        g_assert_cmpint (r, >, 0);
        g_assert_cmpint (msg.type, ==, ((OwnedMessage *) g_ptr_array_index (whole, count))->msg.type);
        pos += (gsize) r;
        count++;
      }
    g_assert_cmpuint (count, ==, n_messages);
  }
}

static void
assert_wrong_length (guint8      id,
                     guint32     length,
                     const char *name)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 prefix[4] = { length >> 24, length >> 16, length >> 8, length };
  BtMessage msg;
  gssize r;

  g_byte_array_append (frame, prefix, 4);
  g_byte_array_append (frame, &id, 1);
  g_byte_array_set_size (frame, 4 + length);
  memset (frame->data + 5, 0, length - 1);

  r = bt_wire_parse_message (frame->data, frame->len, MAX_LENGTH, &msg, &error);
  if (r != -1)
    g_error ("message id %u with length %u was accepted", id, length);
  g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
  /* The message names the message, so a log says what the peer broke. */
  if (strstr (error->message, name) == NULL)
    g_error ("“%s” does not name “%s”", error->message, name);
}

static void
test_messages_wrong_length (void)
{
  static const struct
  {
    guint8      id;
    guint32     good;
    gboolean    at_least;
    const char *name;
  } shapes[] = {
    { BT_MSG_CHOKE, 1, FALSE, "choke" },
    { BT_MSG_UNCHOKE, 1, FALSE, "unchoke" },
    { BT_MSG_INTERESTED, 1, FALSE, "interested" },
    { BT_MSG_NOT_INTERESTED, 1, FALSE, "not interested" },
    { BT_MSG_HAVE, 5, FALSE, "have" },
    { BT_MSG_REQUEST, 13, FALSE, "request" },
    { BT_MSG_PIECE, 9, TRUE, "piece" },
    { BT_MSG_CANCEL, 13, FALSE, "cancel" },
    { BT_MSG_PORT, 3, FALSE, "port" },
    { BT_MSG_SUGGEST, 5, FALSE, "suggest" },
    { BT_MSG_HAVE_ALL, 1, FALSE, "have all" },
    { BT_MSG_HAVE_NONE, 1, FALSE, "have none" },
    { BT_MSG_REJECT, 13, FALSE, "reject" },
    { BT_MSG_ALLOWED_FAST, 5, FALSE, "allowed fast" },
    { BT_MSG_EXTENDED, 2, TRUE, "extended" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      guint32 good = shapes[i].good;

      /* Every length below the right one, and for fixed-size messages a
       * few above it. */
      for (guint32 len = 1; len < good; len++)
        assert_wrong_length (shapes[i].id, len, shapes[i].name);
      if (!shapes[i].at_least)
        {
          assert_wrong_length (shapes[i].id, good + 1, shapes[i].name);
          assert_wrong_length (shapes[i].id, good + 4, shapes[i].name);
          assert_wrong_length (shapes[i].id, 100, shapes[i].name);
        }
      else
        {
          /* The minimum and a bit more are fine. */
          for (guint32 len = good; len < good + 3; len++)
            {
              g_autoptr(GByteArray) frame = g_byte_array_new ();
              g_autoptr(GError) error = NULL;
              guint8 prefix[4] = { 0, 0, 0, (guint8) len };
              BtMessage msg;

              g_byte_array_append (frame, prefix, 4);
              g_byte_array_append (frame, &shapes[i].id, 1);
              g_byte_array_set_size (frame, 4 + len);
              memset (frame->data + 5, 0, len - 1);
              g_assert_cmpint (bt_wire_parse_message (frame->data, frame->len, MAX_LENGTH, &msg, &error),
                               ==, 4 + len);
              g_assert_no_error (error);
              g_assert_cmpint (msg.type, ==, shapes[i].id);
            }
        }
    }

  /* A wrong length is only judged once the whole message is in: with the
   * body incomplete the parser just waits. */
  {
    static const guint8 partial[] = { 0, 0, 0, 6, BT_MSG_HAVE, 0, 0 };
    g_autoptr(GError) error = NULL;
    BtMessage msg;

    g_assert_cmpint (bt_wire_parse_message (partial, sizeof partial, MAX_LENGTH, &msg, &error), ==, 0);
    g_assert_no_error (error);
  }
}

static void
test_messages_too_large (void)
{
  static const guint32 lengths[] = { MAX_LENGTH + 1, 1u << 20, G_MAXINT32, G_MAXUINT32 };
  BtMessage msg;

  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 prefix[4] = { lengths[i] >> 24, lengths[i] >> 16, lengths[i] >> 8, lengths[i] };
      guint32 peeked = 0;

      /* Three bytes are not enough to know. */
      g_assert_cmpint (bt_wire_parse_message (prefix, 3, MAX_LENGTH, &msg, &error), ==, 0);
      g_assert_no_error (error);

      /* The 4-byte prefix alone is refused: no waiting for the body. */
      g_assert_cmpint (bt_wire_parse_message (prefix, 4, MAX_LENGTH, &msg, &error), ==, -1);
      g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_TOO_LARGE);
      g_assert_cmpstr (error->message, !=, "");

      g_assert_true (bt_wire_peek_length (prefix, 4, &peeked));
      g_assert_cmpuint (peeked, ==, lengths[i]);
    }

  /* Exactly the bound is fine (and waits for its body). */
  {
    g_autoptr(GError) error = NULL;
    guint8 prefix[5] = { 0, 0, MAX_LENGTH >> 8, MAX_LENGTH & 0xff, BT_MSG_PIECE };

    g_assert_cmpint (bt_wire_parse_message (prefix, 5, MAX_LENGTH, &msg, &error), ==, 0);
    g_assert_no_error (error);
  }

  /* A bound of 0 leaves only keep-alives. */
  {
    g_autoptr(GError) error = NULL;
    static const guint8 keepalive_choke[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0 };

    g_assert_cmpint (bt_wire_parse_message (keepalive_choke, 9, 0, &msg, &error), ==, 4);
    g_assert_cmpint (msg.type, ==, BT_MSG_KEEPALIVE);
    g_assert_cmpint (bt_wire_parse_message (keepalive_choke + 4, 5, 0, &msg, &error), ==, -1);
    g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_TOO_LARGE);
  }
}

static void
test_messages_unknown (void)
{
  static const guint8 ids[] = { 10, 11, 12, 18, 19, 21, 22, 23, 100, 254, 255 };

  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(GByteArray) frame = g_byte_array_new ();
      guint8 body[] = { 0, 0, 0, 4, ids[i], 'x', 'y', 'z' };
      BtMessage msg;

      g_byte_array_append (frame, body, sizeof body);
      msg = parse_one (frame);
      g_assert_cmpint (msg.type, ==, BT_MSG_UNKNOWN);
      g_assert_cmpuint (msg.raw_id, ==, ids[i]);
      g_assert_cmpmem (msg.payload, msg.payload_length, "xyz", 3);
      g_assert_cmpstr (bt_wire_message_type_to_string (msg.type), ==, "unknown");

      /* With no body at all too. */
      g_byte_array_set_size (frame, 0);
      body[3] = 1;
      g_byte_array_append (frame, body, 5);
      msg = parse_one (frame);
      g_assert_cmpint (msg.type, ==, BT_MSG_UNKNOWN);
      g_assert_cmpuint (msg.payload_length, ==, 0);
    }
}

static void
test_max_length (void)
{
  /* The piece message of one block is the floor... */
  g_assert_cmpuint (bt_wire_max_message_length (0), >=, BT_BLOCK_SIZE + 9);
  g_assert_cmpuint (bt_wire_max_message_length (0), >=, BT_WIRE_MAX_EXTENDED_LENGTH);
  /* ...and a big torrent's bitfield raises it. */
  g_assert_cmpuint (bt_wire_max_message_length (8 * 1000 * 1000), ==, 1000 * 1000 + 1);
  g_assert_cmpuint (bt_wire_max_message_length (8 * 1000 * 1000 + 1), ==, 1000 * 1000 + 2);
  g_assert_cmpuint (bt_wire_max_message_length (G_MAXUINT32), ==, (G_MAXUINT32 / 8) + 2);

  /* A real bitfield for such a torrent is accepted under that bound. */
  {
    g_autoptr(BtBitfield) bf = bt_bitfield_new (1000000);
    g_autoptr(GByteArray) out = g_byte_array_new ();
    g_autoptr(GError) error = NULL;
    BtMessage msg;

    bt_wire_write_bitfield (out, bf);
    g_assert_cmpint (bt_wire_parse_message (out->data, out->len,
                                            bt_wire_max_message_length (1000000),
                                            &msg, &error), ==, (gssize) out->len);
    g_assert_no_error (error);
  }
}

static gboolean
is_alnum_ascii (guint8 c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void
test_peer_id_make (void)
{
  guint8 a[20], b[20];
  g_autofree char *name = NULL;

  bt_wire_make_peer_id (a);
  bt_wire_make_peer_id (b);
  g_assert_cmpmem (a, 8, "-BT0100-", 8);
  for (guint i = 8; i < 20; i++)
    {
      g_assert_true (is_alnum_ascii (a[i]));
      g_assert_true (is_alnum_ascii (b[i]));
    }
  /* 62^12 possibilities: two in a row are different. */
  g_assert_true (memcmp (a, b, 20) != 0);

  name = bt_wire_peer_id_to_client_name (a);
  g_assert_cmpstr (name, ==, "bTorrent 0.1.0");
}

static void
test_peer_id_names (void)
{
  static const struct
  {
    const char *id; /* 20 bytes */
    const char *name;
  } cases[] = {
    { "-TR3000-xxxxxxxxxxxx", "Transmission 3.00" },
    { "-TR2940-k2l3m4n5o6p7", "Transmission 2.94" },
    { "-TR294Z-k2l3m4n5o6p7", "Transmission 2.94+" },
    { "-TR0072-k2l3m4n5o6p7", "Transmission 0.72" },
    { "-TR0006-k2l3m4n5o6p7", "Transmission 0.6" },
    { "-TR4050-k2l3m4n5o6p7", "Transmission 4.0.5" },
    { "-qB4250-abcdefghijkl", "qBittorrent 4.2.5" },
    { "-qB41A0-abcdefghijkl", "qBittorrent 4.1.10" },
    { "-DE13F0-abcdefghijkl", "Deluge 1.3.15" },
    { "-DE211s-abcdefghijkl", "Deluge 2.1.1" },
    { "-lt0D60-abcdefghijkl", "libTorrent (rakshasa) 0.13.6" },
    { "-LT1200-abcdefghijkl", "libtorrent (Rasterbar) 1.2.0" },
    { "-LT20A0-abcdefghijkl", "libtorrent (Rasterbar) 2.0.10" },
    { "-UT355W-abcdefghijkl", "µTorrent 3.5.5" },
    { "-AZ5750-abcdefghijkl", "Vuze 5.7.5" },
    { "-AZ2504-abcdefghijkl", "Azureus 2.5.0.4" },
    { "-BI2300-abcdefghijkl", "BiglyBT 2.3.0" },
    { "-BT0100-abcdefghijkl", "bTorrent 0.1.0" },
    { "A2-1-36-0-\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a", "aria2 1.36.0" },
    { "A2-1-9-10-abcdefghij", "aria2 1.9.10" },
    { "M7-2-0--abcdefghijkl", "BitTorrent 7.2.0" },
    /* Known client, garbled version: the name alone. */
    { "-qB\x01\x02\x03\x04-abcdefghijkl", "qBittorrent" },
    { "-TRa000-abcdefghijkl", "Transmission" },
    /* Unknown: escaped. */
    { "-ZZ1234-abcdefghijkl", "Unknown (-ZZ1234-)" },
    { "\x00\x01\\\xff\x7f" "abcdefghijklmno", "Unknown (\\x00\\x01\\x5c\\xff\\x7fabc)" },
    { "A2-x-36-0-abcdefghij", "Unknown (A2-x-36-)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = bt_wire_peer_id_to_client_name ((const guint8 *) cases[i].id);

      g_assert_cmpstr (name, ==, cases[i].name);
      g_assert_true (g_utf8_validate (name, -1, NULL));
    }
}

/* Random bytes never crash the parser or make it read past the input:
 * run under AddressSanitizer this is a small fuzzer. */
static void
test_messages_random_input (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (777);

  for (guint round = 0; round < 20000; round++)
    {
      gsize len = (gsize) g_rand_int_range (rand, 0, 40);
      g_autofree guint8 *data = g_malloc (MAX (len, 1));
      g_autoptr(GError) error = NULL;
      BtMessage msg;
      gssize r;

      for (gsize i = 0; i < len; i++)
        data[i] = (guint8) g_rand_int (rand);
      /* Mostly small lengths, so that bodies are complete. */
      if (len >= 4 && g_rand_boolean (rand))
        {
          data[0] = data[1] = data[2] = 0;
          data[3] = (guint8) g_rand_int_range (rand, 0, 20);
        }

      r = bt_wire_parse_message (data, len, MAX_LENGTH, &msg, &error);
      g_assert_cmpint (r, <=, (gssize) len);
      if (r < 0)
        g_assert_nonnull (error);
      else
        g_assert_no_error (error);
      if (r > 0 && msg.payload != NULL)
        {
          g_assert_true (msg.payload >= data);
          g_assert_true (msg.payload + msg.payload_length <= data + len);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/wire/handshake/roundtrip", test_handshake_roundtrip);
  g_test_add_func ("/engine/wire/handshake/reserved", test_handshake_reserved);
  g_test_add_func ("/engine/wire/handshake/bad", test_handshake_bad);
  g_test_add_func ("/engine/wire/handshake/prefix", test_handshake_prefix);
  g_test_add_func ("/engine/wire/messages/roundtrip", test_messages_roundtrip);
  g_test_add_func ("/engine/wire/messages/piece-header", test_piece_header);
  g_test_add_func ("/engine/wire/messages/bitfield", test_bitfield_message);
  g_test_add_func ("/engine/wire/messages/stream", test_messages_stream);
  g_test_add_func ("/engine/wire/messages/wrong-length", test_messages_wrong_length);
  g_test_add_func ("/engine/wire/messages/too-large", test_messages_too_large);
  g_test_add_func ("/engine/wire/messages/unknown", test_messages_unknown);
  g_test_add_func ("/engine/wire/messages/random-input", test_messages_random_input);
  g_test_add_func ("/engine/wire/max-length", test_max_length);
  g_test_add_func ("/engine/wire/peer-id/make", test_peer_id_make);
  g_test_add_func ("/engine/wire/peer-id/names", test_peer_id_names);

  return g_test_run ();
}
