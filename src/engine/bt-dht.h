/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A Mainline DHT node (BEP 5), IPv4: one UDP socket, a routing table,
 * iterative lookups as a client, the four queries answered as a server.
 * Lives on the thread-default GMainContext of the thread that created it;
 * every callback runs there.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BT_TYPE_DHT (bt_dht_get_type ())

G_DECLARE_FINAL_TYPE (BtDht, bt_dht, BT, DHT, GObject)

/**
 * BtDhtPeersFunc:
 * @dht: the node
 * @peers: (element-type GInetSocketAddress): peers not reported before in
 *   this lookup; may be empty
 * @done: %TRUE on the last call of the lookup
 * @user_data: what bt_dht_get_peers() was given
 *
 * Called with peers as replies arrive, then once with @done. @peers
 * belongs to the caller of the callback: reference what you keep.
 */
typedef void (*BtDhtPeersFunc) (BtDht     *dht,
                                GPtrArray *peers,
                                gboolean   done,
                                gpointer   user_data);

/* The routers used when bt_dht_bootstrap() is given NULL. */
extern const char *const bt_dht_default_bootstrap_nodes[];

BtDht       *bt_dht_new               (const char          *bind_address,
                                       guint16              port,
                                       GError             **error);
guint16      bt_dht_get_port          (BtDht               *self);
const guint8 *bt_dht_get_node_id      (BtDht               *self);
guint        bt_dht_get_n_nodes       (BtDht               *self);

void         bt_dht_bootstrap         (BtDht               *self,
                                       const char * const  *nodes);
void         bt_dht_add_node          (BtDht               *self,
                                       GInetSocketAddress  *address);
GBytes      *bt_dht_save_nodes        (BtDht               *self);
void         bt_dht_add_saved_nodes   (BtDht               *self,
                                       GBytes              *nodes);

guint        bt_dht_get_peers         (BtDht               *self,
                                       const guint8        *info_hash,
                                       guint16              announce_port,
                                       BtDhtPeersFunc       callback,
                                       gpointer             user_data,
                                       GDestroyNotify       destroy);
void         bt_dht_cancel            (BtDht               *self,
                                       guint                handle);

G_END_DECLS
