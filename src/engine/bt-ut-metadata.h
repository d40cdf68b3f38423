/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Metadata exchange (BEP 9, "ut_metadata"): how a client that has only an
 * info-hash gets the info dictionary from its peers, in 16 KiB pieces.
 *
 * Three parts: the codec of the three messages; an assembler that collects
 * the pieces of a dictionary of announced size and checks the whole
 * against the info-hash; and the serving side, which answers a peer's
 * requests from the info dictionary we have. Private torrents serve their
 * metadata too: BEP 27 forbids only DHT, PEX and LSD for them.
 */
#pragma once

#include <gio/gio.h>

#include "bt-peer.h"

G_BEGIN_DECLS

typedef enum
{
  BT_UT_METADATA_REQUEST = 0,
  BT_UT_METADATA_DATA = 1,
  BT_UT_METADATA_REJECT = 2,
} BtUtMetadataType;

/**
 * BtUtMetadataMessage:
 * @type: request, data or reject
 * @piece: the piece it is about
 * @total_size: data only: the whole dictionary's size, as the sender says
 * @data: data only: the piece's bytes; points into the parsed payload
 * @data_length: bytes at @data
 */
typedef struct
{
  BtUtMetadataType  type;
  guint32           piece;
  gint64            total_size;
  const guint8     *data;
  gsize             data_length;
} BtUtMetadataMessage;

gboolean  bt_ut_metadata_parse            (const guint8        *payload,
                                           gsize                length,
                                           BtUtMetadataMessage *out,
                                           GError             **error);
GBytes   *bt_ut_metadata_build_request    (guint32              piece);
GBytes   *bt_ut_metadata_build_reject     (guint32              piece);
GBytes   *bt_ut_metadata_build_data       (guint32              piece,
                                           gsize                total_size,
                                           const guint8        *data,
                                           gsize                length);
guint32   bt_ut_metadata_count_pieces     (gsize                total_size);

typedef struct _BtUtMetadataAssembler BtUtMetadataAssembler;

BtUtMetadataAssembler *bt_ut_metadata_assembler_new       (const guint8           info_hash[20],
                                                           gint64                 total_size,
                                                           GError               **error);
void                   bt_ut_metadata_assembler_free      (BtUtMetadataAssembler *self);
gsize                  bt_ut_metadata_assembler_get_size  (BtUtMetadataAssembler *self);
guint32                bt_ut_metadata_assembler_get_n_pieces (BtUtMetadataAssembler *self);
gboolean               bt_ut_metadata_assembler_has_piece (BtUtMetadataAssembler *self,
                                                           guint32                piece);
gboolean               bt_ut_metadata_assembler_add_piece (BtUtMetadataAssembler *self,
                                                           guint32                piece,
                                                           const guint8          *data,
                                                           gsize                  length,
                                                           GError               **error);
gboolean               bt_ut_metadata_assembler_is_complete (BtUtMetadataAssembler *self);
GBytes                *bt_ut_metadata_assembler_finish    (BtUtMetadataAssembler *self,
                                                           GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtUtMetadataAssembler, bt_ut_metadata_assembler_free)

GBytes   *bt_ut_metadata_answer           (GBytes              *info,
                                           const BtUtMetadataMessage *request);
gboolean  bt_ut_metadata_serve            (BtPeer              *peer,
                                           GBytes              *info,
                                           const guint8        *payload,
                                           gsize                length);

G_END_DECLS
