/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Peer exchange (BEP 11, "ut_pex"): peers tell each other whom they are
 * connected to. The codec of the message (compact IPv4 and IPv6 lists of
 * added and dropped peers, with a flags byte per added peer), the per-peer
 * state that sends only the difference since the last message, and the
 * torrent's side: what to tell a peer and what to take from it.
 *
 * BEP 11 asks for at most one message a minute with at most 50 added and
 * 50 dropped peers; BEP 27 forbids it for private torrents (the torrent
 * does not call this module for them).
 */
#pragma once

#include <gio/gio.h>

#include "bt-peer.h"

G_BEGIN_DECLS

/**
 * BtPexFlags:
 * @BT_PEX_FLAG_ENCRYPTION: prefers encrypted connections
 * @BT_PEX_FLAG_SEED: is a seed (or uploads only)
 * @BT_PEX_FLAG_UTP: speaks uTP
 * @BT_PEX_FLAG_HOLEPUNCH: supports ut_holepunch
 * @BT_PEX_FLAG_REACHABLE: the sender connected to it, so it accepts
 *   incoming connections
 */
typedef enum
{
  BT_PEX_FLAG_ENCRYPTION = 0x01,
  BT_PEX_FLAG_SEED = 0x02,
  BT_PEX_FLAG_UTP = 0x04,
  BT_PEX_FLAG_HOLEPUNCH = 0x08,
  BT_PEX_FLAG_REACHABLE = 0x10,
} BtPexFlags;

/**
 * BtPexPeer:
 * @address: where the peer listens
 * @flags: BtPexFlags
 */
typedef struct
{
  GInetSocketAddress *address;
  guint8              flags;
} BtPexPeer;

/**
 * BtPexMessage:
 * @added: (element-type BtPexPeer): peers connected to since the last
 *   message, IPv4 and IPv6 together
 * @dropped: (element-type GInetSocketAddress): peers no longer connected
 */
typedef struct
{
  GPtrArray *added;
  GPtrArray *dropped;
} BtPexMessage;

BtPexPeer    *bt_pex_peer_new             (GInetSocketAddress  *address,
                                           guint8               flags);
void          bt_pex_peer_free            (BtPexPeer           *peer);

BtPexMessage *bt_pex_message_new          (void);
void          bt_pex_message_free         (BtPexMessage        *message);
BtPexMessage *bt_pex_parse                (const guint8        *payload,
                                           gsize                length,
                                           GError             **error);
GBytes       *bt_pex_build                (const BtPexMessage  *message);

typedef struct _BtPexState BtPexState;

BtPexState   *bt_pex_state_new            (void);
void          bt_pex_state_free           (BtPexState          *self);
GBytes       *bt_pex_state_update         (BtPexState          *self,
                                           GPtrArray           *current,
                                           gint64               now_us);
gboolean      bt_pex_state_accept         (BtPexState          *self,
                                           gint64               now_us);

GPtrArray    *bt_pex_collect              (GPtrArray           *peers);
void          bt_pex_send                 (BtPeer              *peer,
                                           GPtrArray           *current,
                                           gint64               now_us);
GPtrArray    *bt_pex_receive              (BtPeer              *peer,
                                           const guint8        *payload,
                                           gsize                length,
                                           gint64               now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtPexMessage, bt_pex_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtPexState, bt_pex_state_free)

G_END_DECLS
