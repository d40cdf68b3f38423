/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Magnet links (BEP 9): "magnet:?xt=urn:btih:HASH&dn=NAME&tr=URL&...".
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BT_TYPE_MAGNET (bt_magnet_get_type ())

/**
 * BtMagnet:
 * @info_hash: the v1 info-hash (xt=urn:btih:), always set
 * @name: (nullable): the display name (dn), valid UTF-8 without control
 *   characters
 * @length: the exact length (xl) in bytes, 0 when the link does not say
 * @trackers: (element-type utf8): tracker URLs (tr, tr.1, ...), in link
 *   order, without duplicates; never %NULL
 * @web_seeds: (element-type utf8): web seed URLs (ws); never %NULL
 * @peers: (element-type GInetSocketAddress): peers (x.pe) given as IP
 *   literals; never %NULL
 * @peer_hosts: (element-type utf8): peers (x.pe) given as "hostname:port",
 *   to be resolved by the caller; never %NULL
 * @has_v2_hash: the link also carries a v2 info-hash (xt=urn:btmh:), which
 *   is ignored
 *
 * What a magnet link says. A plain struct: fields may be read and changed
 * directly; the arrays own their elements.
 */
typedef struct
{
  guint8      info_hash[20];
  char       *name;
  guint64     length;
  GPtrArray  *trackers;
  GPtrArray  *web_seeds;
  GPtrArray  *peers;
  GPtrArray  *peer_hosts;
  gboolean    has_v2_hash;
} BtMagnet;

GType      bt_magnet_get_type   (void) G_GNUC_CONST;

BtMagnet  *bt_magnet_new        (const guint8   *info_hash);
BtMagnet  *bt_magnet_parse      (const char     *uri,
                                 GError        **error);
char      *bt_magnet_to_string  (const BtMagnet *magnet);
BtMagnet  *bt_magnet_copy       (const BtMagnet *magnet);
void       bt_magnet_free       (BtMagnet       *magnet);

gboolean   bt_magnet_is_magnet  (const char     *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtMagnet, bt_magnet_free)

G_END_DECLS
