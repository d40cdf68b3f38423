/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Unit tests of the choker with a fake clock and seeded randomness: no
 * sockets, no main loop, peers are plain records.
 */
#include "config.h"

#include <string.h>

#include "bt-choker.h"
#include "bt-limits.h"

#define SEC ((gint64) G_USEC_PER_SEC)
#define MAX_PEERS 32

typedef struct
{
  BtChoker     *choker;
  BtChokerPeer  peers[MAX_PEERS];
  BtChokerPeer *ptrs[MAX_PEERS];
  guint         n;
  gint64        now;
} Swarm;

/* @n interested, choked peers connected ten minutes ago (so not new), a
 * choker with the default policy and @seed. The clock starts far from 0
 * so that "ten minutes ago" is positive. */
static void
swarm_init (Swarm   *sw,
            guint    n,
            guint32  seed)
{
  g_assert_cmpuint (n, <=, MAX_PEERS);
  memset (sw, 0, sizeof *sw);
  sw->choker = bt_choker_new (NULL);
  bt_choker_set_random_seed (sw->choker, seed);
  sw->now = 3600 * SEC;
  sw->n = n;
  for (guint i = 0; i < MAX_PEERS; i++)
    {
      sw->peers[i].peer = GUINT_TO_POINTER (0x1000u + i);
      sw->peers[i].interested = TRUE;
      sw->peers[i].choked = TRUE;
      sw->peers[i].connected_us = sw->now - 600 * SEC;
      sw->ptrs[i] = &sw->peers[i];
    }
}

static void
swarm_clear (Swarm *sw)
{
  g_clear_pointer (&sw->choker, bt_choker_free);
}

static gboolean
swarm_run (Swarm    *sw,
           gboolean  seeding)
{
  return bt_choker_run (sw->choker, sw->ptrs, sw->n, seeding, sw->now, FALSE);
}

/* Advances the fake clock by one interval and runs a round, which must
 * run. */
static void
swarm_round (Swarm    *sw,
             gboolean  seeding)
{
  sw->now += BT_TORRENT_CHOKE_INTERVAL_S * SEC;
  g_assert_true (swarm_run (sw, seeding));
}

static guint
count_unchoked (const Swarm *sw)
{
  guint n = 0;

  for (guint i = 0; i < sw->n; i++)
    n += !sw->peers[i].choked;
  return n;
}

static guint
count_regular (const Swarm *sw)
{
  guint n = 0;

  for (guint i = 0; i < sw->n; i++)
    n += !sw->peers[i].choked && !sw->peers[i].optimistic;
  return n;
}

/* The index of the optimistic holder, or -1; asserts there is at most one
 * and that it is unchoked. */
static int
find_optimistic (const Swarm *sw)
{
  int found = -1;

  for (guint i = 0; i < sw->n; i++)
    if (sw->peers[i].optimistic)
      {
        g_assert_cmpint (found, ==, -1);
        g_assert_false (sw->peers[i].choked);
        found = (int) i;
      }
  return found;
}

static gboolean
is_regular (const Swarm *sw,
            guint        i)
{
  return !sw->peers[i].choked && !sw->peers[i].optimistic;
}

/* Invariants after every round: only interested peers unchoked, at most
 * slots + 1 of them, and exactly that many when enough are interested. */
static void
assert_invariants (const Swarm *sw)
{
  guint interested = 0;
  guint slots = bt_choker_get_slots (sw->choker);

  for (guint i = 0; i < sw->n; i++)
    {
      interested += sw->peers[i].interested;
      if (!sw->peers[i].interested)
        g_assert_true (sw->peers[i].choked);
      g_assert_true (sw->peers[i].choked == (sw->peers[i].unchoked_us == 0));
    }
  g_assert_cmpuint (count_unchoked (sw), ==, MIN (interested, slots + 1));
  g_assert_cmpuint (count_regular (sw), <=, slots);
  (void) find_optimistic (sw);
}

/* Tit-for-tat: the regular slots go to the peers that upload to us
 * fastest, whatever their place in the array. */
static void
test_fastest_uploaders (void)
{
  static const double rates[10] = { 300, 9000, 100, 7000, 500, 8000, 200, 400, 6000, 50 };
  static const guint fastest[4] = { 1, 5, 3, 8 };
  Swarm sw;
  int opt;

  swarm_init (&sw, 10, 1);
  for (guint i = 0; i < 10; i++)
    sw.peers[i].download_rate = rates[i];

  g_assert_true (swarm_run (&sw, FALSE));
  assert_invariants (&sw);
  g_assert_cmpuint (count_unchoked (&sw), ==, BT_TORRENT_UPLOAD_SLOTS + 1);
  for (guint k = 0; k < G_N_ELEMENTS (fastest); k++)
    g_assert_true (is_regular (&sw, fastest[k]));
  opt = find_optimistic (&sw);
  g_assert_cmpint (opt, >=, 0);
  for (guint k = 0; k < G_N_ELEMENTS (fastest); k++)
    g_assert_cmpint (opt, !=, (int) fastest[k]);

  /* The rates turn around: the next round follows them. The optimistic
   * holder keeps its slot for its rounds, so the regular slots go to the
   * fastest of the others. */
  for (guint i = 0; i < 10; i++)
    sw.peers[i].download_rate = 10000 - rates[i];
  swarm_round (&sw, FALSE);
  assert_invariants (&sw);
  g_assert_cmpint (find_optimistic (&sw), ==, opt);
  for (guint i = 0; i < 10; i++)
    {
      guint faster = 0;

      if ((int) i == opt)
        continue;
      for (guint j = 0; j < 10; j++)
        faster += (int) j != opt && sw.peers[j].download_rate > sw.peers[i].download_rate;
      g_assert_true (is_regular (&sw, i) == (faster < BT_TORRENT_UPLOAD_SLOTS));
    }
  swarm_clear (&sw);
}

/* slots + 1 unchoked whenever that many are interested, for several slot
 * settings and swarm sizes, with rates changing every round. */
static void
test_slot_count (void)
{
  static const guint slot_settings[] = { 0, 1, 2, 4, 7 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint s = 0; s < G_N_ELEMENTS (slot_settings); s++)
    for (guint n = 0; n <= 14; n++)
      {
        Swarm sw;

        swarm_init (&sw, n, n * 31 + s);
        bt_choker_set_slots (sw.choker, slot_settings[s]);
        g_assert_cmpuint (bt_choker_get_slots (sw.choker), ==, slot_settings[s]);
        for (guint i = 0; i < n; i++)
          sw.peers[i].interested = i % 3 != 2;
        g_assert_true (swarm_run (&sw, FALSE));
        assert_invariants (&sw);
        for (guint round = 0; round < 8; round++)
          {
            for (guint i = 0; i < n; i++)
              {
                sw.peers[i].download_rate = g_rand_int_range (rand, 0, 3) * 1000.0;
                sw.peers[i].upload_rate = sw.peers[i].choked ? 0 : g_rand_double (rand) * 1e5;
              }
            swarm_round (&sw, round % 2 == 0);
            assert_invariants (&sw);
          }
        swarm_clear (&sw);
      }

  /* A new setting applies from the next round. */
  {
    Swarm sw;

    swarm_init (&sw, 10, 3);
    g_assert_true (swarm_run (&sw, FALSE));
    g_assert_cmpuint (count_unchoked (&sw), ==, BT_TORRENT_UPLOAD_SLOTS + 1);
    bt_choker_set_slots (sw.choker, 2);
    swarm_round (&sw, FALSE);
    g_assert_cmpuint (count_unchoked (&sw), ==, 3);
    g_assert_cmpuint (count_regular (&sw), ==, 2);
    swarm_clear (&sw);
  }
}

/* Uninterested peers are choked and never hold a slot, however fast they
 * are; one that loses interest gives up its slot at the next round and
 * somebody else gets it. */
static void
test_uninterested (void)
{
  Swarm sw;
  guint lost = G_MAXUINT;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  swarm_init (&sw, 12, 2);
  for (guint i = 0; i < 12; i++)
    {
      sw.peers[i].interested = i >= 4;
      sw.peers[i].download_rate = i < 4 ? 1e6 : 1000.0 * i;
      sw.peers[i].upload_rate = i < 4 ? 1e6 : 0;
    }
  /* The first four were unchoked earlier, then lost interest. */
  for (guint i = 0; i < 4; i++)
    bt_choker_peer_set_choked (&sw.peers[i], FALSE, sw.now - 5 * SEC);

  g_assert_true (swarm_run (&sw, FALSE));
  assert_invariants (&sw);
  for (guint i = 0; i < 4; i++)
    g_assert_true (sw.peers[i].choked);
  g_assert_cmpuint (count_unchoked (&sw), ==, BT_TORRENT_UPLOAD_SLOTS + 1);

  for (guint round = 0; round < 30; round++)
    {
      for (guint i = 4; i < 12; i++)
        sw.peers[i].download_rate = g_rand_double (rand) * 1e5;
      swarm_round (&sw, round >= 15);
      assert_invariants (&sw);
      for (guint i = 0; i < 4; i++)
        g_assert_true (sw.peers[i].choked);
    }

  /* A regular holder loses interest: it stays unchoked until the next
   * round (the choker does not run early), then it is choked and its slot
   * goes to a waiting peer. */
  for (guint i = 4; i < 12; i++)
    if (is_regular (&sw, i))
      {
        lost = i;
        break;
      }
  g_assert_cmpuint (lost, <, 12);
  sw.peers[lost].interested = FALSE;
  sw.now += 5 * SEC;
  g_assert_false (swarm_run (&sw, FALSE));
  g_assert_false (sw.peers[lost].choked);
  sw.now += 5 * SEC;
  g_assert_true (swarm_run (&sw, FALSE));
  g_assert_true (sw.peers[lost].choked);
  g_assert_cmpint (sw.peers[lost].choked_us, ==, sw.now);
  g_assert_cmpuint (count_regular (&sw), ==, BT_TORRENT_UPLOAD_SLOTS);
  g_assert_cmpuint (count_unchoked (&sw), ==, BT_TORRENT_UPLOAD_SLOTS + 1);
  assert_invariants (&sw);
  swarm_clear (&sw);
}

/* A round runs at most once per interval unless forced, and a call that
 * does not run changes nothing. */
static void
test_interval (void)
{
  Swarm sw;
  BtChokerPeer before[MAX_PEERS];
  gint64 start;

  swarm_init (&sw, 8, 4);
  for (guint i = 0; i < 8; i++)
    sw.peers[i].download_rate = 1000.0 * (i + 1);
  start = sw.now;
  g_assert_true (swarm_run (&sw, FALSE));
  for (guint i = 4; i < 8; i++)
    g_assert_true (is_regular (&sw, i));

  /* Now the slowest are the fastest: a round would move the slots. */
  for (guint i = 0; i < 8; i++)
    sw.peers[i].download_rate = 1000.0 * (8 - i);
  memcpy (before, sw.peers, sizeof before);
  sw.now = start + 5 * SEC;
  g_assert_false (swarm_run (&sw, FALSE));
  sw.now = start + BT_TORRENT_CHOKE_INTERVAL_S * SEC - 1;
  g_assert_false (swarm_run (&sw, FALSE));
  g_assert_cmpmem (before, sizeof before, sw.peers, sizeof sw.peers);
  g_assert_false (bt_choker_run (sw.choker, sw.ptrs, sw.n, TRUE, sw.now, FALSE));
  g_assert_cmpmem (before, sizeof before, sw.peers, sizeof sw.peers);

  sw.now = start + BT_TORRENT_CHOKE_INTERVAL_S * SEC;
  g_assert_true (swarm_run (&sw, FALSE));
  for (guint i = 0; i < 4; i++)
    g_assert_false (sw.peers[i].choked);

  /* Forced: runs at once, and the interval counts from then. */
  sw.now += 1 * SEC;
  g_assert_false (swarm_run (&sw, FALSE));
  g_assert_true (bt_choker_run (sw.choker, sw.ptrs, sw.n, FALSE, sw.now, TRUE));
  sw.now += BT_TORRENT_CHOKE_INTERVAL_S * SEC - 1;
  g_assert_false (swarm_run (&sw, FALSE));
  sw.now += 1;
  g_assert_true (swarm_run (&sw, FALSE));
  swarm_clear (&sw);
}

/* The optimistic unchoke stays with one peer for three rounds, then moves
 * to another; over many rotations every waiting peer gets it, and the
 * fast peers keep their regular slots throughout. */
static void
test_optimistic_rotation (void)
{
  Swarm sw;
  guint times_picked[10] = { 0 };
  int holder;
  guint held = 0;

  swarm_init (&sw, 10, 5);
  for (guint i = 0; i < 4; i++)
    sw.peers[i].download_rate = 50000.0 + i;

  g_assert_true (swarm_run (&sw, FALSE));
  holder = find_optimistic (&sw);
  g_assert_cmpint (holder, >=, 4);
  times_picked[holder]++;
  held = 1;
  for (guint round = 1; round < 300; round++)
    {
      int now_holder;

      swarm_round (&sw, FALSE);
      assert_invariants (&sw);
      for (guint i = 0; i < 4; i++)
        g_assert_true (is_regular (&sw, i));
      now_holder = find_optimistic (&sw);
      g_assert_cmpint (now_holder, >=, 4);
      if (now_holder == holder)
        {
          held++;
          g_assert_cmpuint (held, <=, BT_TORRENT_OPTIMISTIC_ROUNDS);
        }
      else
        {
          /* Held for exactly its rounds, and choked when it lost the slot. */
          g_assert_cmpuint (held, ==, BT_TORRENT_OPTIMISTIC_ROUNDS);
          g_assert_true (sw.peers[holder].choked);
          holder = now_holder;
          times_picked[holder]++;
          held = 1;
        }
    }
  for (guint i = 4; i < 10; i++)
    {
      g_test_message ("peer %u: optimistic %u times", i, times_picked[i]);
      g_assert_cmpuint (times_picked[i], >, 0);
    }
  swarm_clear (&sw);
}

/* When the optimistic holder loses interest or disconnects, the next
 * round fills the slot at once instead of leaving it empty until the next
 * rotation. */
static void
test_optimistic_refill (void)
{
  Swarm sw;
  int first, second;

  swarm_init (&sw, 8, 6);
  for (guint i = 0; i < 4; i++)
    sw.peers[i].download_rate = 50000.0 + i;
  g_assert_true (swarm_run (&sw, FALSE));
  first = find_optimistic (&sw);
  g_assert_cmpint (first, >=, 4);

  sw.peers[first].interested = FALSE;
  swarm_round (&sw, FALSE);
  assert_invariants (&sw);
  second = find_optimistic (&sw);
  g_assert_cmpint (second, >=, 4);
  g_assert_cmpint (second, !=, first);
  g_assert_cmpuint (count_unchoked (&sw), ==, BT_TORRENT_UPLOAD_SLOTS + 1);

  /* The new holder gets its full three rounds. */
  swarm_round (&sw, FALSE);
  swarm_round (&sw, FALSE);
  g_assert_cmpint (find_optimistic (&sw), ==, second);

  /* It disconnects: the caller drops it from the array (swap in the last
   * peer). */
  sw.peers[second] = sw.peers[sw.n - 1];
  sw.n--;
  swarm_round (&sw, FALSE);
  assert_invariants (&sw);
  g_assert_cmpint (find_optimistic (&sw), >=, 4);
  g_assert_cmpuint (count_unchoked (&sw), ==, BT_TORRENT_UPLOAD_SLOTS + 1);
  swarm_clear (&sw);
}

/* A peer connected less than BT_TORRENT_NEW_PEER_S ago is
 * BT_CHOKER_NEW_PEER_WEIGHT times as likely to get the optimistic unchoke
 * as an older one; once it is old, it is not favoured any more. */
static void
test_new_peer_bias (void)
{
  const guint trials = 3000;
  guint picked[8] = { 0 };
  guint aged[8] = { 0 };
  guint max_old = 0, min_aged = G_MAXUINT;

  for (guint t = 0; t < trials; t++)
    {
      Swarm sw;
      int opt;

      swarm_init (&sw, 8, 1000 + t);
      for (guint i = 0; i < 4; i++)
        sw.peers[i].download_rate = 50000.0 + i;
      sw.peers[4].connected_us = sw.now - 5 * SEC; /* new */
      g_assert_true (swarm_run (&sw, FALSE));
      opt = find_optimistic (&sw);
      g_assert_cmpint (opt, >=, 4);
      picked[opt]++;
      swarm_clear (&sw);

      swarm_init (&sw, 8, 50000 + t);
      for (guint i = 0; i < 4; i++)
        sw.peers[i].download_rate = 50000.0 + i;
      sw.peers[4].connected_us = sw.now - (BT_TORRENT_NEW_PEER_S + 1) * SEC; /* no longer new */
      g_assert_true (swarm_run (&sw, FALSE));
      opt = find_optimistic (&sw);
      g_assert_cmpint (opt, >=, 4);
      aged[opt]++;
      swarm_clear (&sw);
    }

  for (guint i = 5; i < 8; i++)
    max_old = MAX (max_old, picked[i]);
  for (guint i = 5; i < 8; i++)
    min_aged = MIN (min_aged, aged[i]);
  g_test_message ("new peer %u, old peers %u %u %u; aged peer %u, others %u %u %u",
                  picked[4], picked[5], picked[6], picked[7],
                  aged[4], aged[5], aged[6], aged[7]);
  /* Expected 3/6 against 1/6 each. */
  g_assert_cmpuint (picked[4], >=, 2 * max_old);
  /* Expected 1/4 each. */
  g_assert_cmpuint (2 * aged[4], <, 3 * min_aged);
}

/* Seed mode: a peer that has held a slot for BT_TORRENT_SEED_ROTATION_S
 * yields it to one that waits; the fastest of the others keep theirs. */
static void
test_seed_rotation (void)
{
  Swarm sw;
  guint waiting = G_MAXUINT;
  guint former[5];
  guint n_former = 0;
  gint64 start;

  swarm_init (&sw, 6, 8);
  start = sw.now;
  g_assert_true (swarm_run (&sw, TRUE));
  assert_invariants (&sw);
  for (guint i = 0; i < 6; i++)
    {
      if (sw.peers[i].choked)
        waiting = i;
      else
        former[n_former++] = i;
    }
  g_assert_cmpuint (waiting, <, 6);
  g_assert_cmpuint (n_former, ==, 5);
  /* We upload to them at distinct rates; former[0] slowest. */
  for (guint k = 0; k < n_former; k++)
    sw.peers[former[k]].upload_rate = 10000.0 * (k + 1);

  /* Inside their turn the holders keep their slots. */
  while (sw.now + BT_TORRENT_CHOKE_INTERVAL_S * SEC < start + BT_TORRENT_SEED_ROTATION_S * SEC)
    {
      swarm_round (&sw, TRUE);
      assert_invariants (&sw);
      g_assert_true (sw.peers[waiting].choked);
      for (guint k = 0; k < n_former; k++)
        g_assert_false (sw.peers[former[k]].choked);
    }

  /* The turn is over: the waiting peer takes a regular slot, the three
   * fastest of the five former holders keep theirs (a new turn, as
   * nobody else waits), and the two slowest share the optimistic draw. */
  swarm_round (&sw, TRUE);
  g_assert_cmpint (sw.now - start, ==, BT_TORRENT_SEED_ROTATION_S * SEC);
  assert_invariants (&sw);
  g_assert_true (is_regular (&sw, waiting));
  g_assert_cmpint (sw.peers[waiting].unchoked_us, ==, sw.now);
  for (guint k = 2; k < n_former; k++)
    {
      g_assert_true (is_regular (&sw, former[k]));
      g_assert_cmpint (sw.peers[former[k]].unchoked_us, ==, sw.now);
    }
  g_assert_true (sw.peers[former[0]].choked != sw.peers[former[1]].choked);
  swarm_clear (&sw);
}

/* Seed mode with many peers: the slots go round, so every peer is
 * unchoked within two turns and none waits longer than three, for ten
 * minutes. */
static void
test_seed_round_robin (void)
{
  Swarm sw;
  gint64 last_unchoked[12];
  gint64 start;
  gint64 longest_wait = 0;

  swarm_init (&sw, 12, 9);
  start = sw.now;
  for (guint i = 0; i < 12; i++)
    last_unchoked[i] = -1;
  g_assert_true (swarm_run (&sw, TRUE));
  for (guint round = 0; round < 60; round++)
    {
      for (guint i = 0; i < 12; i++)
        {
          if (!sw.peers[i].choked)
            {
              if (last_unchoked[i] >= 0)
                longest_wait = MAX (longest_wait, sw.now - last_unchoked[i]);
              last_unchoked[i] = sw.now;
            }
          /* We upload to the unchoked ones, at different rates. */
          sw.peers[i].upload_rate = sw.peers[i].choked ? 0 : 1000.0 * (i + 1);
        }
      if (sw.now - start == 2 * BT_TORRENT_SEED_ROTATION_S * SEC)
        for (guint i = 0; i < 12; i++)
          g_assert_cmpint (last_unchoked[i], >=, 0);
      swarm_round (&sw, TRUE);
      assert_invariants (&sw);
    }
  g_test_message ("longest wait between unchokes: %" G_GINT64_FORMAT " s", longest_wait / SEC);
  g_assert_cmpint (longest_wait, <=, 3 * BT_TORRENT_SEED_ROTATION_S * SEC);
  swarm_clear (&sw);
}

/* Download mode where nobody gives us anything (equal rates): the slots
 * go round too instead of staying with the first peers; a peer that does
 * give keeps its slot all along. */
static void
test_download_ties_rotate (void)
{
  Swarm sw;
  gboolean served[9] = { FALSE };

  swarm_init (&sw, 9, 10);
  sw.peers[8].download_rate = 5000;
  g_assert_true (swarm_run (&sw, FALSE));
  for (guint round = 0; round < 12; round++)
    {
      assert_invariants (&sw);
      g_assert_true (is_regular (&sw, 8));
      for (guint i = 0; i < 9; i++)
        served[i] |= !sw.peers[i].choked;
      swarm_round (&sw, FALSE);
    }
  for (guint i = 0; i < 9; i++)
    g_assert_true (served[i]);
  swarm_clear (&sw);
}

/* Equal peers are ordered at random, not by their place in the caller's
 * array: over many swarms every peer gets a regular slot in a first round
 * where all are equal. */
static void
test_random_ties (void)
{
  guint regular[10] = { 0 };

  for (guint t = 0; t < 200; t++)
    {
      Swarm sw;

      swarm_init (&sw, 10, 900 + t);
      g_assert_true (swarm_run (&sw, t % 2 == 0));
      for (guint i = 0; i < 10; i++)
        regular[i] += is_regular (&sw, i);
      swarm_clear (&sw);
    }
  for (guint i = 0; i < 10; i++)
    {
      g_test_message ("peer %u: a regular slot in %u of 200 swarms", i, regular[i]);
      g_assert_cmpuint (regular[i], >, 0);
    }
}

/* has_free_slot: room for a newly interested peer while fewer than
 * slots + 1 interested peers are unchoked; uninterested ones take no
 * room. */
static void
test_free_slot (void)
{
  Swarm sw;
  guint newcomer = 9;

  swarm_init (&sw, 10, 12);
  g_assert_true (bt_choker_has_free_slot (sw.choker, sw.ptrs, 0));
  g_assert_true (bt_choker_has_free_slot (sw.choker, sw.ptrs, sw.n));

  /* Four interested unchoked, two uninterested unchoked (they lost
   * interest since the last round): one slot left. */
  for (guint i = 0; i < 10; i++)
    sw.peers[i].interested = i < 4 || i == newcomer;
  for (guint i = 0; i < 6; i++)
    bt_choker_peer_set_choked (&sw.peers[i], FALSE, sw.now);
  g_assert_true (bt_choker_has_free_slot (sw.choker, sw.ptrs, sw.n));

  /* The newcomer takes it at once: now full. */
  bt_choker_peer_set_choked (&sw.peers[newcomer], FALSE, sw.now);
  g_assert_false (bt_choker_has_free_slot (sw.choker, sw.ptrs, sw.n));

  /* After a full round with everyone interested, full again. */
  for (guint i = 0; i < 10; i++)
    sw.peers[i].interested = TRUE;
  g_assert_true (swarm_run (&sw, FALSE));
  g_assert_false (bt_choker_has_free_slot (sw.choker, sw.ptrs, sw.n));
  /* One unchoked peer loses interest: room again. */
  for (guint i = 0; i < 10; i++)
    if (!sw.peers[i].choked)
      {
        sw.peers[i].interested = FALSE;
        break;
      }
  g_assert_true (bt_choker_has_free_slot (sw.choker, sw.ptrs, sw.n));
  swarm_clear (&sw);
}

/* The bookkeeping of bt_choker_peer_set_choked(). */
static void
test_peer_set_choked (void)
{
  BtChokerPeer peer = { .choked = TRUE, .interested = TRUE };

  bt_choker_peer_set_choked (&peer, FALSE, 100);
  g_assert_false (peer.choked);
  g_assert_cmpint (peer.unchoked_us, ==, 100);
  bt_choker_peer_set_choked (&peer, FALSE, 200);
  g_assert_cmpint (peer.unchoked_us, ==, 100);
  peer.optimistic = TRUE;
  bt_choker_peer_set_choked (&peer, TRUE, 300);
  g_assert_true (peer.choked);
  g_assert_false (peer.optimistic);
  g_assert_cmpint (peer.unchoked_us, ==, 0);
  g_assert_cmpint (peer.choked_us, ==, 300);
  bt_choker_peer_set_choked (&peer, TRUE, 400);
  g_assert_cmpint (peer.choked_us, ==, 300);
}

/* The same seed and the same inputs give the same decisions. */
static void
test_reproducible (void)
{
  Swarm a, b;

  swarm_init (&a, 10, 77);
  swarm_init (&b, 10, 77);
  g_assert_true (swarm_run (&a, TRUE));
  g_assert_true (swarm_run (&b, TRUE));
  for (guint round = 0; round < 30; round++)
    {
      g_assert_cmpmem (a.peers, sizeof a.peers, b.peers, sizeof b.peers);
      swarm_round (&a, round % 4 == 0);
      swarm_round (&b, round % 4 == 0);
    }
  swarm_clear (&a);
  swarm_clear (&b);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/choker/fastest-uploaders", test_fastest_uploaders);
  g_test_add_func ("/engine/choker/slot-count", test_slot_count);
  g_test_add_func ("/engine/choker/uninterested", test_uninterested);
  g_test_add_func ("/engine/choker/interval", test_interval);
  g_test_add_func ("/engine/choker/optimistic-rotation", test_optimistic_rotation);
  g_test_add_func ("/engine/choker/optimistic-refill", test_optimistic_refill);
  g_test_add_func ("/engine/choker/new-peer-bias", test_new_peer_bias);
  g_test_add_func ("/engine/choker/seed-rotation", test_seed_rotation);
  g_test_add_func ("/engine/choker/seed-round-robin", test_seed_round_robin);
  g_test_add_func ("/engine/choker/download-ties-rotate", test_download_ties_rotate);
  g_test_add_func ("/engine/choker/random-ties", test_random_ties);
  g_test_add_func ("/engine/choker/free-slot", test_free_slot);
  g_test_add_func ("/engine/choker/peer-set-choked", test_peer_set_choked);
  g_test_add_func ("/engine/choker/reproducible", test_reproducible);

  return g_test_run ();
}
