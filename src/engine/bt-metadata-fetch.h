/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fetching a torrent's info dictionary from its swarm (BEP 9), for a
 * magnet link: dial the peers we are given, keep those whose extended
 * handshake offers ut_metadata with a size, ask them for the 16 KiB
 * pieces, and check the whole against the info-hash.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BT_TYPE_METADATA_FETCHER (bt_metadata_fetcher_get_type ())
G_DECLARE_FINAL_TYPE (BtMetadataFetcher, bt_metadata_fetcher, BT, METADATA_FETCHER, GObject)

BtMetadataFetcher *bt_metadata_fetcher_new              (const guint8         info_hash[20],
                                                         const guint8         peer_id[20],
                                                         guint16              port);
void               bt_metadata_fetcher_set_idle_timeout (BtMetadataFetcher   *self,
                                                         guint                seconds);
void               bt_metadata_fetcher_add_peer         (BtMetadataFetcher   *self,
                                                         GInetSocketAddress  *address);
guint              bt_metadata_fetcher_get_n_peers      (BtMetadataFetcher   *self);
void               bt_metadata_fetcher_fetch_async      (BtMetadataFetcher   *self,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
GBytes            *bt_metadata_fetcher_fetch_finish     (BtMetadataFetcher   *self,
                                                         GAsyncResult        *result,
                                                         GError             **error);

G_END_DECLS
