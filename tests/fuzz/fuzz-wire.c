/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for the peer wire codec (bt-wire.c): the handshake and every
 * message, extension messages included, read from a stream the way a
 * connection reads it: in chunks whose sizes the fuzzer chooses.
 *
 * Input layout (all of it is fuzzer-controlled):
 *
 *   byte 0      flags: bit 0 set = the stream starts with a handshake
 *   bytes 1-2   piece count (big-endian), for the length bound and for
 *               checking bitfields the way the peer layer does
 *   bytes 3-10  chunk sizes, used in turn (0 stands for 256)
 *   the rest    the bytes a peer sends
 *
 * Beyond "does not crash", this checks what the peer layer relies on:
 *
 *  - the same stream read in one piece and in chunks gives the same
 *    messages and the same error, at the same offset: framing never
 *    depends on how TCP split the bytes;
 *  - a parse consumes only bytes it was given, says "need more" only when
 *    a message really is incomplete, and refuses a length prefix over the
 *    bound from the 4 prefix bytes alone (nothing is buffered for it);
 *  - writing back a parsed message gives exactly the bytes consumed;
 *  - every error is a BT_ERROR with a readable UTF-8 message;
 *  - bitfields and extension payloads go through the same checks the peer
 *    layer applies (bt_bitfield_new_from_bytes(), bencode with limits).
 */
#define G_LOG_DOMAIN "fuzz-wire"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-bitfield.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-wire.h"
#include "fuzz.h"

#define HEADER_LENGTH 11
#define N_CHUNK_SIZES 8

typedef struct
{
  gboolean       with_handshake;
  guint32        n_pieces;
  guint32        max_length;
  const guint8  *chunk_sizes;
} Params;

/* What a read of the stream produced: every message written back with
 * bt_wire_write_message(), the handshake, and where and how it stopped. */
typedef struct
{
  GByteArray  *messages;
  BtHandshake  handshake;
  gboolean     have_handshake;
  gsize        consumed;
  GQuark       error_domain;
  gint         error_code;
} Transcript;

static void
check_error (const GError *error)
{
  FUZZ_CHECK (error != NULL && error->domain == BT_ERROR);
  FUZZ_CHECK (error->message != NULL && *error->message != '\0');
  FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
}

/* What the peer layer does with a message's contents. */
static void
check_contents (const Params    *params,
                const BtMessage *message)
{
  if (message->payload_length > 0)
    FUZZ_CHECK (message->payload != NULL);
  else
    FUZZ_CHECK (message->payload == NULL);

  FUZZ_CHECK (bt_wire_message_type_to_string (message->type) != NULL);

  switch (message->type)
    {
    case BT_MSG_BITFIELD:
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(BtBitfield) bits = bt_bitfield_new_from_bytes (message->payload,
                                                                 message->payload_length,
                                                                 params->n_pieces, &error);

        if (bits == NULL)
          check_error (error);
        else
          {
            FUZZ_CHECK (message->payload_length == ((gsize) params->n_pieces + 7) / 8);
            FUZZ_CHECK (bt_bitfield_get_size (bits) == params->n_pieces);
            FUZZ_CHECK (bt_bitfield_count (bits) <= params->n_pieces);
          }
      }
      break;

    case BT_MSG_PIECE:
      FUZZ_CHECK (message->length == message->payload_length);
      break;

    case BT_MSG_EXTENDED:
      {
        /* A BEP 10 handshake is a dictionary; a ut_metadata piece is a
         * dictionary followed by raw data, hence the prefix decoder. */
        static const BtBencodeLimits limits = {
          .max_size = BT_WIRE_MAX_EXTENDED_LENGTH,
          .max_depth = 16,
          .max_elements = 4096,
        };
        g_autoptr(GBytes) payload = g_bytes_new_static (message->payload != NULL ? message->payload : (const guint8 *) "",
                                                        message->payload_length);
        g_autoptr(GError) error = NULL;
        gsize used = 0;
        g_autoptr(BtBencode) value = bt_bencode_decode_prefix (payload, &limits, &used, &error);

        if (value == NULL)
          check_error (error);
        else
          FUZZ_CHECK (used > 0 && used <= message->payload_length);
      }
      break;

    default:
      break;
    }
}

/* Records @message and checks it against the bytes it came from. */
static void
record_message (const Params    *params,
                Transcript      *t,
                const guint8    *data,
                gssize           used,
                const BtMessage *message)
{
  g_autoptr(GByteArray) written = g_byte_array_new ();

  FUZZ_CHECK (used >= BT_WIRE_LENGTH_PREFIX);
  FUZZ_CHECK ((guint64) used <= (guint64) BT_WIRE_LENGTH_PREFIX + params->max_length);
  check_contents (params, message);

  bt_wire_write_message (written, message);
  FUZZ_CHECK (written->len == (guint) used);
  FUZZ_CHECK (memcmp (written->data, data, used) == 0);

  g_byte_array_append (t->messages, written->data, written->len);
}

static void
check_handshake_output (const guint8      *data,
                        const BtHandshake *handshake)
{
  g_autoptr(GByteArray) written = g_byte_array_new ();
  g_autofree char *client = NULL;

  bt_wire_write_handshake (written, handshake);
  FUZZ_CHECK (written->len == BT_WIRE_HANDSHAKE_LENGTH);
  FUZZ_CHECK (memcmp (written->data, data, BT_WIRE_HANDSHAKE_LENGTH) == 0);

  /* Shown in the peer list: must be UTF-8 whatever the id. */
  client = bt_wire_peer_id_to_client_name (handshake->peer_id);
  FUZZ_CHECK (client != NULL && g_utf8_validate (client, -1, NULL));
}

/* Reads @stream in chunks (sizes from @params, or all at once when
 * @chunked is FALSE) into @t, as a connection's read loop does: append
 * to a buffer, parse what is complete, keep the rest. */
static void
read_stream (const Params *params,
             const guint8 *stream,
             gsize         stream_length,
             gboolean      chunked,
             Transcript   *t)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  gboolean handshake_done = !params->with_handshake;
  gboolean prefix_done = FALSE;
  gsize fed = 0;
  guint chunk_index = 0;

  t->messages = g_byte_array_new ();

  while (fed < stream_length)
    {
      gsize chunk = stream_length - fed;

      if (chunked)
        {
          guint size = params->chunk_sizes[chunk_index++ % N_CHUNK_SIZES];

          chunk = MIN (chunk, size == 0 ? 256 : size);
        }
      g_byte_array_append (buffer, stream + fed, (guint) chunk);
      fed += chunk;

      for (;;)
        {
          g_autoptr(GError) error = NULL;
          gssize used;

          if (!handshake_done)
            {
              BtHandshake prefix;

              if (!prefix_done)
                {
                  used = bt_wire_parse_handshake_prefix (buffer->data, buffer->len, &prefix, &error);
                  if (used < 0)
                    {
                      check_error (error);
                      t->error_domain = error->domain;
                      t->error_code = error->code;
                      return;
                    }
                  FUZZ_CHECK (error == NULL);
                  if (used == 0)
                    {
                      FUZZ_CHECK (buffer->len < BT_WIRE_HANDSHAKE_PREFIX_LENGTH);
                      break;
                    }
                  FUZZ_CHECK (used == BT_WIRE_HANDSHAKE_PREFIX_LENGTH);
                  prefix_done = TRUE;
                }

              used = bt_wire_parse_handshake (buffer->data, buffer->len, &t->handshake, &error);
              /* The prefix was good, so the rest cannot be wrong. */
              FUZZ_CHECK (used >= 0 && error == NULL);
              if (used == 0)
                {
                  FUZZ_CHECK (buffer->len < BT_WIRE_HANDSHAKE_LENGTH);
                  break;
                }
              FUZZ_CHECK (used == BT_WIRE_HANDSHAKE_LENGTH);
              bt_wire_parse_handshake_prefix (buffer->data, buffer->len, &prefix, NULL);
              FUZZ_CHECK (memcmp (prefix.info_hash, t->handshake.info_hash, 20) == 0);
              FUZZ_CHECK (memcmp (prefix.reserved, t->handshake.reserved, 8) == 0);
              check_handshake_output (buffer->data, &t->handshake);
              t->have_handshake = TRUE;
              handshake_done = TRUE;
            }
          else
            {
              BtMessage message;
              guint32 announced;

              used = bt_wire_parse_message (buffer->data, buffer->len, params->max_length,
                                            &message, &error);
              if (used < 0)
                {
                  check_error (error);
                  /* An oversize prefix is refused from its 4 bytes. */
                  FUZZ_CHECK (bt_wire_peek_length (buffer->data, buffer->len, &announced));
                  if (error->code == BT_ERROR_WIRE_TOO_LARGE)
                    FUZZ_CHECK (announced > params->max_length);
                  else
                    FUZZ_CHECK (error->code == BT_ERROR_WIRE_PROTOCOL
                                && announced <= params->max_length
                                && buffer->len >= BT_WIRE_LENGTH_PREFIX + (gsize) announced);
                  t->error_domain = error->domain;
                  t->error_code = error->code;
                  return;
                }
              FUZZ_CHECK (error == NULL);
              if (used == 0)
                {
                  /* "Need more" only for an incomplete message within the
                   * bound: nothing larger is ever waited for. */
                  if (bt_wire_peek_length (buffer->data, buffer->len, &announced))
                    FUZZ_CHECK (announced <= params->max_length
                                && buffer->len < BT_WIRE_LENGTH_PREFIX + (gsize) announced);
                  break;
                }
              FUZZ_CHECK ((gsize) used <= buffer->len);
              record_message (params, t, buffer->data, used, &message);
            }

          t->consumed += used;
          g_byte_array_remove_range (buffer, 0, (guint) used);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Params params;
  Transcript whole = { 0 };
  Transcript chunked = { 0 };
  const guint8 *stream;
  gsize stream_length;

  fuzz_init_once ();

  if (size < HEADER_LENGTH)
    return 0;

  params.with_handshake = (data[0] & 1) != 0;
  params.n_pieces = ((guint32) data[1] << 8) | data[2];
  params.max_length = bt_wire_max_message_length (params.n_pieces);
  params.chunk_sizes = data + 3;
  stream = data + HEADER_LENGTH;
  stream_length = size - HEADER_LENGTH;

  read_stream (&params, stream, stream_length, FALSE, &whole);
  read_stream (&params, stream, stream_length, TRUE, &chunked);

  FUZZ_CHECK (whole.consumed == chunked.consumed);
  FUZZ_CHECK (whole.consumed <= stream_length);
  FUZZ_CHECK (whole.have_handshake == chunked.have_handshake);
  if (whole.have_handshake)
    FUZZ_CHECK (memcmp (&whole.handshake, &chunked.handshake, sizeof whole.handshake) == 0);
  FUZZ_CHECK (whole.error_domain == chunked.error_domain);
  FUZZ_CHECK (whole.error_code == chunked.error_code);
  FUZZ_CHECK (whole.messages->len == chunked.messages->len);
  FUZZ_CHECK (whole.messages->len == 0
              || memcmp (whole.messages->data, chunked.messages->data, whole.messages->len) == 0);

  g_byte_array_unref (whole.messages);
  g_byte_array_unref (chunked.messages);
  return 0;
}
