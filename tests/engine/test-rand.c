/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The engine's small generator: repeatable from a seed, in range, and
 * even enough for fair tie-breaks.
 */
#include "config.h"

#include "bt-rand.h"

static void
test_seed (void)
{
  BtRand a;
  BtRand b;
  BtRand c;
  guint same = 0;

  bt_rand_set_seed (&a, 42);
  bt_rand_set_seed (&b, 42);
  bt_rand_set_seed (&c, 43);
  for (guint i = 0; i < 1000; i++)
    {
      guint32 x = bt_rand_int (&a);

      g_assert_cmpuint (x, ==, bt_rand_int (&b));
      same += x == bt_rand_int (&c);
    }
  g_assert_cmpuint (same, <, 5);

  /* Unseeded generators differ from each other. */
  bt_rand_init (&a);
  bt_rand_init (&b);
  g_assert_false (bt_rand_int (&a) == bt_rand_int (&b) && bt_rand_int (&a) == bt_rand_int (&b));
}

static void
test_ranges (void)
{
  BtRand rand;
  guint counts[7] = { 0 };
  const guint n = 70000;

  bt_rand_set_seed (&rand, 7);
  for (guint i = 0; i < n; i++)
    {
      guint32 x = bt_rand_int_range (&rand, 10, 17);
      double d = bt_rand_double (&rand);

      g_assert_cmpuint (x, >=, 10);
      g_assert_cmpuint (x, <, 17);
      g_assert_cmpfloat (d, >=, 0.0);
      g_assert_cmpfloat (d, <, 1.0);
      counts[x - 10]++;
    }
  /* 10,000 expected in each; five standard deviations is about 480. */
  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      g_assert_cmpuint (counts[i], >, 9500);
      g_assert_cmpuint (counts[i], <, 10500);
    }
  g_assert_cmpuint (bt_rand_int_range (&rand, 5, 6), ==, 5);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/rand/seed", test_seed);
  g_test_add_func ("/engine/rand/ranges", test_ranges);
  return g_test_run ();
}
