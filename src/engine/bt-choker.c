/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The choker: who gets our upload slots. A round sorts the interested
 * peers into one order and gives the first `slots` of them the regular
 * slots; the optimistic slot is drawn from the rest.
 *
 * The order, most deserving first:
 *
 *   1. download mode only: the rate at which the peer sends us data
 *      (tit-for-tat: those who give get);
 *   2. its turn: a peer inside its turn (a slot held for less than
 *      seed_rotation_s), then peers that wait, then peers whose turn is
 *      over;
 *   3. inside a turn, or past it: the rate at which we send to it (seed
 *      mode's "fastest upload"); among waiting peers: the one choked
 *      longest ago, never-served peers first;
 *   4. a random number, so equal peers do not depend on the caller's
 *      array order.
 *
 * In seed mode 2 and 3 make the slots go round: every downloader gets a
 * turn, and the fastest keep theirs until the turn ends. In download mode
 * they only break ties of rate, which happen when several peers give us
 * nothing (they have nothing we want, or choke us): then the slots go
 * round too, instead of staying with whichever peers came first.
 *
 * A peer whose turn is over but that keeps its slot (nobody waits)
 * starts a new turn, so it yields to the next peer that arrives only
 * after a full turn.
 */
#define G_LOG_DOMAIN "bt-choker"

#include "config.h"

#include "bt-choker.h"
#include "bt-limits.h"
#include "bt-rand.h"

typedef enum
{
  TURN_RUNNING = 0,
  TURN_WAITING = 1,
  TURN_OVER    = 2,
} Turn;

typedef struct
{
  BtChokerPeer *peer;
  double        rate;        /* download mode: bytes/s it sends us; else 0 */
  Turn          turn;
  double        upload_rate; /* bytes/s we send it */
  gint64        choked_us;
  guint32       tie;
} Candidate;

struct _BtChoker
{
  BtChokerConfig config;
  BtRand         rand;
  gboolean       ran;           /* a round has run: last_round_us is valid */
  gint64         last_round_us;
  guint          optimistic_held; /* rounds the optimistic holder has had */
};

/* Auxiliary functions */

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *ca = a;
  const Candidate *cb = b;

  if (ca->rate != cb->rate)
    return ca->rate > cb->rate ? -1 : 1;
  if (ca->turn != cb->turn)
    return ca->turn < cb->turn ? -1 : 1;
  if (ca->turn == TURN_WAITING)
    {
      if (ca->choked_us != cb->choked_us)
        return ca->choked_us < cb->choked_us ? -1 : 1;
    }
  else if (ca->upload_rate != cb->upload_rate)
    return ca->upload_rate > cb->upload_rate ? -1 : 1;
  return (ca->tie > cb->tie) - (ca->tie < cb->tie);
}

static gboolean
is_new_peer (BtChoker           *self,
             const BtChokerPeer *peer,
             gint64              now_us)
{
  return now_us - peer->connected_us < (gint64) self->config.new_peer_s * G_USEC_PER_SEC;
}

/* Draws the optimistic unchoke among @candidates[first..], new peers
 * BT_CHOKER_NEW_PEER_WEIGHT times as likely. @previous, the peer that
 * held it until now, is left out unless it is the only one, so the slot
 * really moves. Returns NULL when there is nobody to pick. */
static Candidate *
draw_optimistic (BtChoker     *self,
                 GArray       *candidates,
                 guint         first,
                 BtChokerPeer *previous,
                 gint64        now_us)
{
  guint64 total = 0;
  guint64 pick;

  for (guint i = first; i < candidates->len; i++)
    {
      Candidate *c = &g_array_index (candidates, Candidate, i);

      if (c->peer != previous)
        total += is_new_peer (self, c->peer, now_us) ? BT_CHOKER_NEW_PEER_WEIGHT : 1;
    }
  if (total == 0)
    return first < candidates->len ? &g_array_index (candidates, Candidate, first) : NULL;

  /* total is at most n_peers * weight, far below 2^31. */
  pick = bt_rand_int_range (&self->rand, 0, (guint32) total);
  for (guint i = first; i < candidates->len; i++)
    {
      Candidate *c = &g_array_index (candidates, Candidate, i);
      guint weight;

      if (c->peer == previous)
        continue;
      weight = is_new_peer (self, c->peer, now_us) ? BT_CHOKER_NEW_PEER_WEIGHT : 1;
      if (pick < weight)
        return c;
      pick -= weight;
    }
  g_assert_not_reached ();
  return NULL;
}

/* Public API */

/**
 * bt_choker_config_init:
 * @config: (out caller-allocates): filled with the defaults
 *
 * The defaults from bt-limits.h: 4 slots, 10 s rounds, the optimistic
 * unchoke re-picked every 3 rounds, peers new for 60 s, 30 s turns.
 */
void
bt_choker_config_init (BtChokerConfig *config)
{
  g_return_if_fail (config != NULL);

  config->slots = BT_TORRENT_UPLOAD_SLOTS;
  config->interval_s = BT_TORRENT_CHOKE_INTERVAL_S;
  config->optimistic_rounds = BT_TORRENT_OPTIMISTIC_ROUNDS;
  config->new_peer_s = BT_TORRENT_NEW_PEER_S;
  config->seed_rotation_s = BT_TORRENT_SEED_ROTATION_S;
}

/**
 * bt_choker_new:
 * @config: (nullable): the policy, or %NULL for bt_choker_config_init()'s
 *   defaults; copied
 *
 * Returns: (transfer full): a choker whose first round runs whenever
 *   bt_choker_run() is first called. Randomly seeded.
 */
BtChoker *
bt_choker_new (const BtChokerConfig *config)
{
  BtChoker *self;

  g_return_val_if_fail (config == NULL || config->interval_s > 0, NULL);
  g_return_val_if_fail (config == NULL || config->optimistic_rounds > 0, NULL);
  g_return_val_if_fail (config == NULL || config->slots <= BT_CHOKER_MAX_SLOTS, NULL);

  self = g_new0 (BtChoker, 1);
  if (config != NULL)
    self->config = *config;
  else
    bt_choker_config_init (&self->config);
  bt_rand_init (&self->rand);
  return self;
}

void
bt_choker_free (BtChoker *self)
{
  if (self == NULL)
    return;
  g_free (self);
}

/**
 * bt_choker_set_random_seed:
 *
 * Makes the optimistic draws and tie-breaks reproducible, for tests.
 */
void
bt_choker_set_random_seed (BtChoker *self,
                           guint32   seed)
{
  g_return_if_fail (self != NULL);

  bt_rand_set_seed (&self->rand, seed);
}

/**
 * bt_choker_set_slots:
 *
 * Changes the number of regular slots (a setting); applies from the next
 * round.
 */
void
bt_choker_set_slots (BtChoker *self,
                     guint     slots)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (slots <= BT_CHOKER_MAX_SLOTS);

  self->config.slots = slots;
}

guint
bt_choker_get_slots (BtChoker *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->config.slots;
}

/**
 * bt_choker_peer_set_choked:
 * @peer: a peer record
 * @choked: whether we choke it from now on
 * @now_us: the monotonic time, µs
 *
 * Chokes or unchokes @peer and keeps the choker's bookkeeping (turn start,
 * when it was choked, the optimistic flag) right. Does nothing when
 * @peer is already in that state. For callers that change a peer's state
 * between rounds; bt_choker_run() uses it too.
 */
void
bt_choker_peer_set_choked (BtChokerPeer *peer,
                           gboolean      choked,
                           gint64        now_us)
{
  g_return_if_fail (peer != NULL);

  if (peer->choked == !!choked)
    return;
  peer->choked = !!choked;
  if (choked)
    {
      peer->unchoked_us = 0;
      peer->choked_us = now_us;
      peer->optimistic = FALSE;
    }
  else
    peer->unchoked_us = now_us;
}

/**
 * bt_choker_run:
 * @self: a choker
 * @peers: (array length=n_peers): the torrent's connected peers
 * @n_peers: how many
 * @seeding: %TRUE when we have every piece: slots go round by turns
 *   instead of by how fast the peers give to us
 * @now_us: the monotonic time, µs
 * @force: run even if the interval since the last round has not passed
 *   (the torrent just switched to seeding, a setting changed)
 *
 * Runs one choke round: updates @choked, @optimistic, @unchoked_us and
 * @choked_us of every peer in place. The caller then sends "unchoke" to
 * each peer whose @choked went from %TRUE to %FALSE and "choke" (dropping
 * its queued requests) to each that went the other way. At most
 * `slots` + 1 interested peers are unchoked afterwards, and no
 * uninterested one.
 *
 * Returns: %TRUE if the round ran; %FALSE, with nothing changed, when it
 *   is less than the interval since the last round and @force is %FALSE.
 */
gboolean
bt_choker_run (BtChoker            *self,
               BtChokerPeer * const *peers,
               guint                 n_peers,
               gboolean              seeding,
               gint64                now_us,
               gboolean              force)
{
  g_autoptr(GArray) candidates = NULL;
  gint64 turn_us;
  BtChokerPeer *holder = NULL;   /* keeps the optimistic slot this round */
  BtChokerPeer *previous = NULL; /* held it until this round */
  guint n_regular;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (peers != NULL || n_peers == 0, FALSE);

  if (!force && self->ran
      && now_us - self->last_round_us < (gint64) self->config.interval_s * G_USEC_PER_SEC)
    return FALSE;
  for (guint i = 0; i < n_peers; i++)
    g_return_val_if_fail (peers[i] != NULL, FALSE);
  self->ran = TRUE;
  self->last_round_us = now_us;
  turn_us = (gint64) self->config.seed_rotation_s * G_USEC_PER_SEC;

  /* Uninterested peers get nothing from a slot: choke them, which also
   * takes back a slot from one that lost interest since the last round.
   * The optimistic holder keeps its slot for its rounds, unless it lost
   * interest or the caller choked it. */
  for (guint i = 0; i < n_peers; i++)
    {
      BtChokerPeer *p = peers[i];

      if (!p->interested || p->choked)
        {
          bt_choker_peer_set_choked (p, TRUE, now_us);
          p->optimistic = FALSE;
        }
      if (p->optimistic)
        {
          if (previous == NULL)
            previous = p;
          else
            p->optimistic = FALSE; /* the caller's records disagree: one only */
        }
    }
  if (previous != NULL && self->optimistic_held < self->config.optimistic_rounds)
    {
      holder = previous;
      self->optimistic_held++;
    }

  candidates = g_array_sized_new (FALSE, FALSE, sizeof (Candidate), n_peers);
  for (guint i = 0; i < n_peers; i++)
    {
      BtChokerPeer *p = peers[i];
      Candidate c = { p, 0, TURN_WAITING, p->upload_rate, p->choked_us, 0 };

      if (!p->interested || p == holder)
        continue;
      if (!seeding)
        c.rate = p->download_rate;
      if (!p->choked)
        c.turn = now_us - p->unchoked_us < turn_us ? TURN_RUNNING : TURN_OVER;
      c.tie = bt_rand_int (&self->rand);
      g_array_append_val (candidates, c);
    }
  g_array_sort (candidates, compare_candidates);

  n_regular = MIN (self->config.slots, candidates->len);
  for (guint i = 0; i < n_regular; i++)
    {
      Candidate *c = &g_array_index (candidates, Candidate, i);

      if (c->turn == TURN_OVER)
        c->peer->unchoked_us = now_us; /* nobody waits for its slot: a new turn */
      bt_choker_peer_set_choked (c->peer, FALSE, now_us);
      c->peer->optimistic = FALSE;
    }

  if (holder == NULL)
    {
      Candidate *drawn = draw_optimistic (self, candidates, n_regular, previous, now_us);

      if (previous != NULL)
        previous->optimistic = FALSE;
      if (drawn != NULL)
        {
          bt_choker_peer_set_choked (drawn->peer, FALSE, now_us);
          drawn->peer->optimistic = TRUE;
          holder = drawn->peer;
        }
      self->optimistic_held = drawn != NULL ? 1 : 0;
    }

  for (guint i = n_regular; i < candidates->len; i++)
    {
      Candidate *c = &g_array_index (candidates, Candidate, i);

      if (c->peer != holder)
        bt_choker_peer_set_choked (c->peer, TRUE, now_us);
    }

  g_debug ("choke round (%s): %u regular slots, %s optimistic unchoke",
           seeding ? "seeding" : "downloading", n_regular, holder != NULL ? "an" : "no");
  return TRUE;
}

/**
 * bt_choker_has_free_slot:
 * @self: a choker
 * @peers: (array length=n_peers): the torrent's connected peers
 * @n_peers: how many
 *
 * Whether fewer than `slots` + 1 interested peers are unchoked, so that a
 * peer that just became interested may be unchoked at once (with
 * bt_choker_peer_set_choked()) instead of waiting up to a whole interval
 * for the next round. The next round ranks it like any other.
 */
gboolean
bt_choker_has_free_slot (BtChoker            *self,
                         BtChokerPeer * const *peers,
                         guint                 n_peers)
{
  guint unchoked = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (peers != NULL || n_peers == 0, FALSE);

  for (guint i = 0; i < n_peers; i++)
    unchoked += peers[i]->interested && !peers[i]->choked;
  return unchoked < self->config.slots + 1;
}
