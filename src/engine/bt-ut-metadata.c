/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-ut-metadata"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-sha1.h"
#include "bt-ut-metadata.h"

struct _BtUtMetadataAssembler
{
  guint8   info_hash[20];
  guint8  *data;
  gsize    size;
  guint32  n_pieces;
  guint32  n_received;
  guint8  *received; /* one byte per piece: simpler than bits, at most 1024 */
};

static const BtBencodeLimits header_limits = {
  .max_size = BT_WIRE_MAX_EXTENDED_LENGTH,
  .max_depth = BT_UT_METADATA_MAX_DEPTH,
  .max_elements = BT_UT_METADATA_MAX_ELEMENTS,
};

/* Codec */

/**
 * bt_ut_metadata_count_pieces:
 *
 * Returns: how many BEP 9 pieces a dictionary of @total_size bytes has
 */
guint32
bt_ut_metadata_count_pieces (gsize total_size)
{
  return (guint32) ((total_size + BT_UT_METADATA_PIECE_SIZE - 1) / BT_UT_METADATA_PIECE_SIZE);
}

/**
 * bt_ut_metadata_parse:
 * @payload: (array length=length): an extended message's payload after its id
 * @out: (out caller-allocates): the message; its @data points into @payload
 * @error: %BT_ERROR_WIRE_PROTOCOL when it is not a ut_metadata message
 *
 * Reads one message: a bencoded dictionary with "msg_type" and "piece"
 * (and for data "total_size"), followed, for data only, by the piece's
 * bytes. A request or reject with bytes after its dictionary is refused.
 *
 * Returns: whether @out was filled
 */
gboolean
bt_ut_metadata_parse (const guint8         *payload,
                      gsize                 length,
                      BtUtMetadataMessage  *out,
                      GError              **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtBencode) dict = NULL;
  g_autoptr(GError) local_error = NULL;
  BtBencode *type;
  BtBencode *piece;
  BtBencode *total_size;
  gsize consumed = 0;

  g_return_val_if_fail (payload != NULL || length == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);
  bytes = g_bytes_new_static (payload, length);
  dict = bt_bencode_decode_prefix (bytes, &header_limits, &consumed, &local_error);
  if (dict == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The metadata message is not valid bencode: %s", local_error->message);
      return FALSE;
    }
  if (!bt_bencode_is_type (dict, BT_BENCODE_DICT))
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                           "The metadata message is not a dictionary");
      return FALSE;
    }

  type = bt_bencode_dict_lookup_type (dict, "msg_type", BT_BENCODE_INTEGER);
  piece = bt_bencode_dict_lookup_type (dict, "piece", BT_BENCODE_INTEGER);
  if (type == NULL || piece == NULL)
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                           "The metadata message lacks its type or piece");
      return FALSE;
    }
  if (bt_bencode_get_integer (piece) < 0
      || bt_bencode_get_integer (piece) >= bt_ut_metadata_count_pieces (BT_UT_METADATA_MAX_SIZE))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The metadata message names piece %" G_GINT64_FORMAT ", which cannot exist",
                   bt_bencode_get_integer (piece));
      return FALSE;
    }
  out->piece = (guint32) bt_bencode_get_integer (piece);

  switch (bt_bencode_get_integer (type))
    {
    case BT_UT_METADATA_REQUEST:
    case BT_UT_METADATA_REJECT:
      out->type = (BtUtMetadataType) bt_bencode_get_integer (type);
      if (consumed != length)
        {
          g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                               "A metadata request or reject carries data");
          return FALSE;
        }
      return TRUE;

    case BT_UT_METADATA_DATA:
      out->type = BT_UT_METADATA_DATA;
      total_size = bt_bencode_dict_lookup_type (dict, "total_size", BT_BENCODE_INTEGER);
      if (total_size == NULL || bt_bencode_get_integer (total_size) <= 0)
        {
          g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                               "A metadata piece does not say the metadata's size");
          return FALSE;
        }
      out->total_size = bt_bencode_get_integer (total_size);
      out->data = payload + consumed;
      out->data_length = length - consumed;
      return TRUE;

    default:
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "Unknown metadata message type %" G_GINT64_FORMAT,
                   bt_bencode_get_integer (type));
      return FALSE;
    }
}

static GBytes *
build (BtUtMetadataType  type,
       guint32           piece,
       gsize             total_size,
       const guint8     *data,
       gsize             length)
{
  g_autoptr(BtBencode) dict = bt_bencode_new_dict ();
  g_autoptr(GBytes) header = NULL;
  GByteArray *out;

  bt_bencode_dict_set (dict, "msg_type", bt_bencode_new_integer (type));
  bt_bencode_dict_set (dict, "piece", bt_bencode_new_integer (piece));
  if (type == BT_UT_METADATA_DATA)
    bt_bencode_dict_set (dict, "total_size", bt_bencode_new_integer ((gint64) total_size));
  header = bt_bencode_encode (dict);
  out = g_byte_array_sized_new (g_bytes_get_size (header) + length);
  g_byte_array_append (out, g_bytes_get_data (header, NULL), g_bytes_get_size (header));
  if (length > 0)
    g_byte_array_append (out, data, length);
  return g_byte_array_free_to_bytes (out);
}

/**
 * bt_ut_metadata_build_request:
 *
 * Returns: (transfer full): the payload of a request for @piece
 */
GBytes *
bt_ut_metadata_build_request (guint32 piece)
{
  return build (BT_UT_METADATA_REQUEST, piece, 0, NULL, 0);
}

/**
 * bt_ut_metadata_build_reject:
 *
 * Returns: (transfer full): the payload of a reject of @piece
 */
GBytes *
bt_ut_metadata_build_reject (guint32 piece)
{
  return build (BT_UT_METADATA_REJECT, piece, 0, NULL, 0);
}

/**
 * bt_ut_metadata_build_data:
 * @data: (array length=length): the piece's bytes
 *
 * Returns: (transfer full): the payload of a data message
 */
GBytes *
bt_ut_metadata_build_data (guint32       piece,
                           gsize         total_size,
                           const guint8 *data,
                           gsize         length)
{
  g_return_val_if_fail (data != NULL || length == 0, NULL);
  return build (BT_UT_METADATA_DATA, piece, total_size, data, length);
}

/* Assembler */

/**
 * bt_ut_metadata_assembler_new:
 * @info_hash: what the whole must hash to
 * @total_size: the size peers announce ("metadata_size")
 * @error: %BT_ERROR_WIRE_PROTOCOL when @total_size is 0 or over
 *   %BT_UT_METADATA_MAX_SIZE
 *
 * Returns: (transfer full) (nullable): an empty assembler
 */
BtUtMetadataAssembler *
bt_ut_metadata_assembler_new (const guint8   info_hash[20],
                              gint64         total_size,
                              GError       **error)
{
  BtUtMetadataAssembler *self;

  g_return_val_if_fail (info_hash != NULL, NULL);

  if (total_size <= 0 || total_size > BT_UT_METADATA_MAX_SIZE)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "A peer announced metadata of %" G_GINT64_FORMAT " bytes; between 1 and %d "
                   "are accepted", total_size, BT_UT_METADATA_MAX_SIZE);
      return NULL;
    }
  self = g_new0 (BtUtMetadataAssembler, 1);
  memcpy (self->info_hash, info_hash, 20);
  self->size = (gsize) total_size;
  self->n_pieces = bt_ut_metadata_count_pieces (self->size);
  self->data = g_malloc (self->size);
  self->received = g_malloc0 (self->n_pieces);
  return self;
}

void
bt_ut_metadata_assembler_free (BtUtMetadataAssembler *self)
{
  if (self == NULL)
    return;
  g_free (self->data);
  g_free (self->received);
  g_free (self);
}

gsize
bt_ut_metadata_assembler_get_size (BtUtMetadataAssembler *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

guint32
bt_ut_metadata_assembler_get_n_pieces (BtUtMetadataAssembler *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_pieces;
}

gboolean
bt_ut_metadata_assembler_has_piece (BtUtMetadataAssembler *self,
                                    guint32                piece)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return piece < self->n_pieces && self->received[piece];
}

static gsize
piece_length (BtUtMetadataAssembler *self,
              guint32                piece)
{
  if (piece + 1 < self->n_pieces)
    return BT_UT_METADATA_PIECE_SIZE;
  return self->size - (gsize) piece * BT_UT_METADATA_PIECE_SIZE;
}

/**
 * bt_ut_metadata_assembler_add_piece:
 * @data: (array length=length): the piece's bytes
 * @error: %BT_ERROR_WIRE_PROTOCOL when @piece does not exist or @length is
 *   not its size (16 KiB, the last piece the rest)
 *
 * Stores one piece; a piece received twice keeps its first copy.
 *
 * Returns: whether the piece fits
 */
gboolean
bt_ut_metadata_assembler_add_piece (BtUtMetadataAssembler  *self,
                                    guint32                 piece,
                                    const guint8           *data,
                                    gsize                   length,
                                    GError                **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (piece >= self->n_pieces)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "Metadata piece %u does not exist: there are %u", piece, self->n_pieces);
      return FALSE;
    }
  if (length != piece_length (self, piece))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "Metadata piece %u has %" G_GSIZE_FORMAT " bytes instead of %" G_GSIZE_FORMAT,
                   piece, length, piece_length (self, piece));
      return FALSE;
    }
  if (self->received[piece])
    return TRUE;
  memcpy (self->data + (gsize) piece * BT_UT_METADATA_PIECE_SIZE, data, length);
  self->received[piece] = TRUE;
  self->n_received++;
  return TRUE;
}

gboolean
bt_ut_metadata_assembler_is_complete (BtUtMetadataAssembler *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->n_received == self->n_pieces;
}

/**
 * bt_ut_metadata_assembler_finish:
 * @error: %BT_ERROR_HASH_MISMATCH when the pieces do not hash to the
 *   info-hash; the assembler is then emptied, to start over
 *
 * Call once bt_ut_metadata_assembler_is_complete().
 *
 * Returns: (transfer full) (nullable): the info dictionary's bytes
 */
GBytes *
bt_ut_metadata_assembler_finish (BtUtMetadataAssembler  *self,
                                 GError                **error)
{
  guint8 digest[BT_SHA1_LENGTH];

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (bt_ut_metadata_assembler_is_complete (self), NULL);

  bt_sha1 (self->data, self->size, digest);
  if (memcmp (digest, self->info_hash, 20) != 0)
    {
      memset (self->received, 0, self->n_pieces);
      self->n_received = 0;
      g_set_error_literal (error, BT_ERROR, BT_ERROR_HASH_MISMATCH,
                           "The metadata received does not match the info-hash");
      return NULL;
    }
  return g_bytes_new (self->data, self->size);
}

/* Serving */

/**
 * bt_ut_metadata_answer:
 * @info: (nullable): the info dictionary's bytes; %NULL when we have none
 *   yet
 * @request: a request message
 *
 * Returns: (transfer full): the payload that answers @request: the piece,
 *   or a reject when we have no metadata or the piece does not exist
 */
GBytes *
bt_ut_metadata_answer (GBytes                    *info,
                       const BtUtMetadataMessage *request)
{
  gsize size;
  const guint8 *data;
  guint64 offset;

  g_return_val_if_fail (request != NULL, NULL);

  if (info == NULL)
    return bt_ut_metadata_build_reject (request->piece);
  data = g_bytes_get_data (info, &size);
  offset = (guint64) request->piece * BT_UT_METADATA_PIECE_SIZE;
  if (offset >= size)
    return bt_ut_metadata_build_reject (request->piece);
  return bt_ut_metadata_build_data (request->piece, size, data + offset,
                                    MIN (size - offset, BT_UT_METADATA_PIECE_SIZE));
}

/**
 * bt_ut_metadata_serve:
 * @peer: who sent the message
 * @info: (nullable): our info dictionary's bytes
 * @payload: (array length=length): a ut_metadata message's payload
 *
 * The torrent's side of BEP 9: answers a request from @info, or rejects
 * it when the peer's send queue is already long (each answer is 16 KiB
 * for a request of 30 bytes). Data and rejects are ignored: a torrent
 * with metadata never asks. A malformed message closes @peer.
 *
 * Returns: whether @peer is still open
 */
gboolean
bt_ut_metadata_serve (BtPeer       *peer,
                      GBytes       *info,
                      const guint8 *payload,
                      gsize         length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) answer = NULL;
  BtUtMetadataMessage message;

  g_return_val_if_fail (BT_IS_PEER (peer), FALSE);

  if (!bt_ut_metadata_parse (payload, length, &message, &error))
    {
      g_prefix_error (&error, "%s: ", bt_peer_get_address_string (peer));
      bt_peer_close (peer, error);
      return FALSE;
    }
  if (message.type != BT_UT_METADATA_REQUEST)
    return TRUE;

  if (bt_peer_get_send_queue_size (peer) > BT_UT_METADATA_MAX_SEND_BUFFER)
    answer = bt_ut_metadata_build_reject (message.piece);
  else
    answer = bt_ut_metadata_answer (info, &message);
  bt_peer_send_extended (peer, BT_EXTENSION_UT_METADATA, g_bytes_get_data (answer, NULL),
                         g_bytes_get_size (answer));
  return TRUE;
}
