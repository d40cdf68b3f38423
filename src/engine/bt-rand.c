/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * SplitMix64 (Steele, Lea and Flood, 2014): a counter stepped by the golden
 * ratio and mixed; passes BigCrush, which is more than tie-breaks need.
 */
#include "config.h"

#include "bt-rand.h"

static guint64
next (BtRand *self)
{
  guint64 z;

  self->state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  z = self->state;
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* Seeded from GLib's global generator, itself seeded from /dev/urandom
 * once per process: no system call per torrent. */
void
bt_rand_init (BtRand *self)
{
  self->state = ((guint64) g_random_int () << 32) | g_random_int ();
}

/* The same @seed gives the same choices, for tests. */
void
bt_rand_set_seed (BtRand  *self,
                  guint32  seed)
{
  self->state = seed;
}

guint32
bt_rand_int (BtRand *self)
{
  return (guint32) (next (self) >> 32);
}

/* A number in [@begin, @end), @end > @begin. The multiply maps 32 random
 * bits onto the range; its bias, below range / 2^32, does not matter
 * here. */
guint32
bt_rand_int_range (BtRand  *self,
                   guint32  begin,
                   guint32  end)
{
  g_return_val_if_fail (end > begin, begin);

  return begin + (guint32) (((guint64) bt_rand_int (self) * (end - begin)) >> 32);
}

/* A number in [0, 1). */
double
bt_rand_double (BtRand *self)
{
  return (double) (next (self) >> 11) * (1.0 / 9007199254740992.0);
}
