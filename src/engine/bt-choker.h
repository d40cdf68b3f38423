/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BtChokerPeer:
 * @peer: the caller's opaque pointer; the choker never looks at it
 * @interested: the peer is interested in us (input)
 * @choked: we choke it (in/out: the choker updates it)
 * @optimistic: it holds the optimistic unchoke (in/out)
 * @download_rate: bytes/s it sends us (input)
 * @upload_rate: bytes/s we send it (input)
 * @connected_us: when it connected, monotonic µs (input)
 * @unchoked_us: when its current turn in a slot began, 0 while choked
 *   (in/out)
 * @choked_us: when we last choked it, 0 if never (in/out); the peer that
 *   waited longest gets the next free turn
 *
 * What the choker knows of one connection. The caller keeps one per peer
 * (embedding it in its own per-peer state is the intended use: the in/out
 * fields are the choker's memory between rounds), refreshes the input
 * fields before each round, and sends "choke"/"unchoke" where @choked
 * changed. A new peer starts zeroed except @peer, @connected_us and
 * @choked = %TRUE. A caller that chokes or unchokes a peer itself (on
 * "not interested", or for a free slot) does so with
 * bt_choker_peer_set_choked() so the bookkeeping stays right.
 */
typedef struct
{
  gpointer peer;
  gboolean interested;
  gboolean choked;
  gboolean optimistic;
  double   download_rate;
  double   upload_rate;
  gint64   connected_us;
  gint64   unchoked_us;
  gint64   choked_us;
} BtChokerPeer;

/**
 * BtChokerConfig:
 * @slots: regular unchoke slots; one optimistic unchoke comes on top
 * @interval_s: seconds between choke rounds
 * @optimistic_rounds: rounds the optimistic unchoke is held before it is
 *   re-picked
 * @new_peer_s: a peer connected for less than this is "new" and more
 *   likely to get the optimistic unchoke
 * @seed_rotation_s: a turn in a slot lasts this long before the peer
 *   yields to one that waits (seed mode, and ties in download mode)
 *
 * bt_choker_config_init() fills in the defaults from bt-limits.h.
 */
typedef struct
{
  guint slots;
  guint interval_s;
  guint optimistic_rounds;
  guint new_peer_s;
  guint seed_rotation_s;
} BtChokerConfig;

/**
 * BtChoker:
 *
 * Decides whom we upload to (BEP 3's choking): every round the interested
 * peers that upload to us fastest get the regular slots while we
 * download (tit-for-tat); while seeding the slots go round so that every
 * downloader progresses, faster ones first; one more slot, the
 * optimistic unchoke, goes to a random waiting peer (new peers three
 * times as likely) and is re-picked every few rounds. Uninterested peers
 * are always choked.
 *
 * Pure: no I/O, no timers, no main loop; time comes in as an argument and
 * randomness from an internal GRand the caller may seed. Peers are the
 * caller's BtChokerPeer records. One owner, one thread.
 */
typedef struct _BtChoker BtChoker;

void      bt_choker_config_init      (BtChokerConfig        *config);

BtChoker *bt_choker_new              (const BtChokerConfig  *config);
void      bt_choker_free             (BtChoker              *self);

void      bt_choker_set_random_seed  (BtChoker              *self,
                                      guint32                seed);
void      bt_choker_set_slots        (BtChoker              *self,
                                      guint                  slots);
guint     bt_choker_get_slots        (BtChoker              *self);

gboolean  bt_choker_run              (BtChoker              *self,
                                      BtChokerPeer * const  *peers,
                                      guint                  n_peers,
                                      gboolean               seeding,
                                      gint64                 now_us,
                                      gboolean               force);
gboolean  bt_choker_has_free_slot    (BtChoker              *self,
                                      BtChokerPeer * const  *peers,
                                      guint                  n_peers);

void      bt_choker_peer_set_choked  (BtChokerPeer          *peer,
                                      gboolean               choked,
                                      gint64                 now_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtChoker, bt_choker_free)

G_END_DECLS
