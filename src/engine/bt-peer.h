/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-bitfield.h"
#include "bt-extension.h"
#include "bt-wire.h"

G_BEGIN_DECLS

#define BT_TYPE_PEER (bt_peer_get_type ())
G_DECLARE_FINAL_TYPE (BtPeer, bt_peer, BT, PEER, GObject)

/**
 * BtPeerCallbacks:
 * @handshake: the peer's handshake arrived and matched our info-hash; the
 *   owner checks the peer id (a connection to ourselves, a duplicate) and
 *   may close the peer from here
 * @message: one message after the handshake. The peer has already updated
 *   its own view of choke/interest/have state; @message's payload is valid
 *   only during the call
 * @closed: the connection ended; called exactly once, never from inside
 *   bt_peer_close()'s caller's stack frame
 * @drained: (nullable): everything queued was written; the owner may send
 *   more (uploads are fed this way, not all at once)
 *
 * How a connection reports to its owner (the torrent). Plain callbacks
 * rather than signals: they fire for every message on the hot path.
 */
typedef struct
{
  void (*handshake) (BtPeer *peer, gpointer user_data);
  void (*message)   (BtPeer *peer, const BtMessage *message, gpointer user_data);
  void (*closed)    (BtPeer *peer, const GError *error, gpointer user_data);
  void (*drained)   (BtPeer *peer, gpointer user_data);
} BtPeerCallbacks;

BtPeer             *bt_peer_new_outgoing      (GInetSocketAddress    *address,
                                               const guint8           info_hash[20],
                                               const guint8           our_peer_id[20],
                                               guint32                n_pieces,
                                               const BtPeerCallbacks *callbacks,
                                               gpointer               user_data);
BtPeer             *bt_peer_new_incoming      (GSocketConnection     *connection,
                                               GBytes                *received,
                                               const guint8           info_hash[20],
                                               const guint8           our_peer_id[20],
                                               guint32                n_pieces,
                                               const BtPeerCallbacks *callbacks,
                                               gpointer               user_data);
void                bt_peer_start             (BtPeer                *self);
gboolean            bt_peer_is_incoming       (BtPeer                *self);
void                bt_peer_close             (BtPeer                *self,
                                               const GError          *reason);
gboolean            bt_peer_is_closed         (BtPeer                *self);
void                bt_peer_detach            (BtPeer                *self);

GInetSocketAddress *bt_peer_get_address       (BtPeer                *self);
const char         *bt_peer_get_address_string (BtPeer               *self);
const guint8       *bt_peer_get_peer_id       (BtPeer                *self);
const char         *bt_peer_get_client_name   (BtPeer                *self);
gboolean            bt_peer_is_handshaked     (BtPeer                *self);
gboolean            bt_peer_supports_fast     (BtPeer                *self);
const BtBitfield   *bt_peer_get_have          (BtPeer                *self);

gboolean            bt_peer_get_am_choking    (BtPeer                *self);
gboolean            bt_peer_get_am_interested (BtPeer                *self);
gboolean            bt_peer_get_peer_choking  (BtPeer                *self);
gboolean            bt_peer_get_peer_interested (BtPeer              *self);

void                bt_peer_send_bitfield     (BtPeer                *self,
                                               const BtBitfield      *have);
void                bt_peer_send_have         (BtPeer                *self,
                                               guint32                piece);
void                bt_peer_set_interested    (BtPeer                *self,
                                               gboolean               interested);
void                bt_peer_set_choking       (BtPeer                *self,
                                               gboolean               choking);
void                bt_peer_send_request      (BtPeer                *self,
                                               guint32                piece,
                                               guint32                begin,
                                               guint32                length);
void                bt_peer_send_piece        (BtPeer                *self,
                                               guint32                piece,
                                               guint32                begin,
                                               const guint8          *data,
                                               guint32                length);
void                bt_peer_send_reject       (BtPeer                *self,
                                               guint32                piece,
                                               guint32                begin,
                                               guint32                length);
gsize               bt_peer_get_send_queue_size (BtPeer              *self);
void                bt_peer_send_cancel       (BtPeer                *self,
                                               guint32                piece,
                                               guint32                begin,
                                               guint32                length);

guint               bt_peer_get_n_requests    (BtPeer                *self);
gboolean            bt_peer_take_request      (BtPeer                *self,
                                               guint32                piece,
                                               guint32                begin,
                                               guint32                length);
void                bt_peer_forget_requests   (BtPeer                *self);
guint               bt_peer_get_pipeline_depth (BtPeer               *self);

void                bt_peer_tick              (BtPeer                *self,
                                               gint64                 now_us);
guint64             bt_peer_get_downloaded    (BtPeer                *self);
guint64             bt_peer_get_uploaded      (BtPeer                *self);
double              bt_peer_get_download_rate (BtPeer                *self);
double              bt_peer_get_upload_rate   (BtPeer                *self);
gboolean            bt_peer_is_snubbed        (BtPeer                *self);
guint               bt_peer_get_hash_failures (BtPeer                *self);
void                bt_peer_add_hash_failure  (BtPeer                *self);

void                bt_peer_set_extensions    (BtPeer                *self,
                                               const BtExtensionHandshake *ours);
const BtExtensionHandshake *bt_peer_get_extensions (BtPeer           *self);
gboolean            bt_peer_supports_extensions (BtPeer              *self);
gboolean            bt_peer_supports_extension (BtPeer               *self,
                                               BtExtension            extension);
gboolean            bt_peer_send_extended     (BtPeer                *self,
                                               BtExtension            extension,
                                               const guint8          *payload,
                                               gsize                  length);

G_END_DECLS
