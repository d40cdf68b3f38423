/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A scripted malicious peer for tests: it listens on loopback, waits for a
 * torrent to dial it, and then misbehaves in one chosen way. It records
 * what the other side did, above all whether it hung up. Runs on the
 * thread-default main context of the thread that creates it.
 */
#pragma once

#include <gio/gio.h>

#include "bt-metainfo.h"

G_BEGIN_DECLS

/**
 * BtEvilBehaviour:
 * @BT_EVIL_WRONG_DATA: a seeder (bitfield, unchoke) that answers every
 *   request with the block's bytes inverted, so every piece fails its hash
 * @BT_EVIL_OVERSIZED_MESSAGE: after the handshake and a full bitfield, a
 *   message announced as 1 GiB long, then an endless trickle of its body
 * @BT_EVIL_BAD_BITFIELD: a bitfield one byte longer than the piece count
 *   allows
 * @BT_EVIL_HAVE_OUT_OF_RANGE: an empty bitfield, then `have` for the piece
 *   one past the last
 * @BT_EVIL_UNREQUESTED_PIECES: a full bitfield, no unchoke (so no request
 *   can be pending), then a stream of `piece` messages nobody asked for
 *   (garbage data, every piece, again and again)
 * @BT_EVIL_WRONG_INFO_HASH: answers the handshake with another torrent's
 *   info-hash
 * @BT_EVIL_REQUEST_FLOOD: a leecher (empty bitfield, interested) that sends
 *   tens of thousands of requests at once
 * @BT_EVIL_STALL: a seeder (full bitfield, unchoke) that never answers a
 *   request nor sends anything else
 * @BT_EVIL_SILENT: accepts the connection and never sends a byte, not even
 *   a handshake (a half-open connection for as long as the dialler waits)
 * @BT_EVIL_IDLE: handshake and an empty bitfield, then nothing: a connected
 *   peer with nothing to give
 */
typedef enum
{
  BT_EVIL_WRONG_DATA,
  BT_EVIL_OVERSIZED_MESSAGE,
  BT_EVIL_BAD_BITFIELD,
  BT_EVIL_HAVE_OUT_OF_RANGE,
  BT_EVIL_UNREQUESTED_PIECES,
  BT_EVIL_WRONG_INFO_HASH,
  BT_EVIL_REQUEST_FLOOD,
  BT_EVIL_STALL,
  BT_EVIL_SILENT,
  BT_EVIL_IDLE,
} BtEvilBehaviour;

typedef struct _BtEvilPeer BtEvilPeer;

/* @payload: the torrent's data in piece order, or NULL for behaviours that
 * send no real data (all but %BT_EVIL_WRONG_DATA, which inverts it). */
BtEvilPeer         *bt_evil_peer_new                  (BtMetainfo      *meta,
                                                       GBytes          *payload,
                                                       BtEvilBehaviour  behaviour);
void                bt_evil_peer_free                 (BtEvilPeer      *self);
GInetSocketAddress *bt_evil_peer_get_address          (BtEvilPeer      *self);

/* Connections accepted so far, open now, and at most at once. */
guint               bt_evil_peer_get_connections      (BtEvilPeer      *self);
guint               bt_evil_peer_get_open             (BtEvilPeer      *self);
guint               bt_evil_peer_get_max_open         (BtEvilPeer      *self);
/* Connections the other side closed (end of stream or reset); the evil
 * peer itself never hangs up. */
guint               bt_evil_peer_get_remote_closes    (BtEvilPeer      *self);
/* Requests received, and the blocks of (wrong) data sent. */
guint               bt_evil_peer_get_requests         (BtEvilPeer      *self);
guint               bt_evil_peer_get_blocks_sent      (BtEvilPeer      *self);

/* Iterates the thread-default main context until the other side closed at
 * least @count connections, or @timeout_s passed. Returns whether it did. */
gboolean            bt_evil_peer_wait_remote_closes   (BtEvilPeer      *self,
                                                       guint            count,
                                                       guint            timeout_s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtEvilPeer, bt_evil_peer_free)

G_END_DECLS
