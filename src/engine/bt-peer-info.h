/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * BtPeerInfo:
 *
 * What the UI shows of one connected peer, an item of
 * bt_torrent_get_peers(). A snapshot the torrent refreshes once per tick,
 * so a peer table binds to it without touching the connection itself.
 * Properties (read-only): "address" (string, "1.2.3.4:6881" or
 * "[::1]:6881"), "client" (string, the client name and version decoded
 * from the peer id, e.g. "Transmission 3.00", or "Unknown"), "flags"
 * (string of letters, see below), "incoming" (boolean), "progress"
 * (double, the share of pieces the peer has), "download-rate" and
 * "upload-rate" (double, bytes/s we get from it and send to it).
 *
 * Flags: 'D' we download from it (it unchoked us and we are interested),
 * 'd' we would but it chokes us, 'U' we upload to it, 'u' it is
 * interested but we choke it, 'I' incoming connection, 'S' snubbed, 'E'
 * encrypted (never set yet: no MSE), 'X' learned through peer exchange.
 */
#define BT_TYPE_PEER_INFO (bt_peer_info_get_type ())
G_DECLARE_FINAL_TYPE (BtPeerInfo, bt_peer_info, BT, PEER_INFO, GObject)

const char *bt_peer_info_get_address       (BtPeerInfo *self);
const char *bt_peer_info_get_client        (BtPeerInfo *self);
const char *bt_peer_info_get_flags         (BtPeerInfo *self);
gboolean    bt_peer_info_get_incoming      (BtPeerInfo *self);
double      bt_peer_info_get_progress      (BtPeerInfo *self);
double      bt_peer_info_get_download_rate (BtPeerInfo *self);
double      bt_peer_info_get_upload_rate   (BtPeerInfo *self);

/* The client name a peer id encodes (Azureus style "-TR3000-" or Shadow
 * style "M7-2-2--"), or "Unknown". */
char       *bt_client_name_from_peer_id    (const guint8 peer_id[20]);

G_END_DECLS
