/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-bitfield.h"
#include "bt-error.h"

/* Sizes around byte and 64-bit word boundaries, where off-by-one errors
 * in masks and padding live. */
static const guint32 sizes[] = { 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 129, 200, 1001 };

static guint32
naive_count (const BtBitfield *bf)
{
  guint32 n = 0;

  for (guint32 i = 0; i < bt_bitfield_get_size (bf); i++)
    n += bt_bitfield_get (bf, i) ? 1 : 0;
  return n;
}

static void
assert_spare_bits_zero (const BtBitfield *bf)
{
  gsize len;
  const guint8 *data = bt_bitfield_get_data (bf, &len);
  guint32 n = bt_bitfield_get_size (bf);

  g_assert_cmpuint (len, ==, ((gsize) n + 7) / 8);
  if (n % 8 != 0)
    g_assert_cmphex (data[len - 1] & (0xffu >> (n % 8)), ==, 0);
}

static BtBitfield *
random_bitfield (GRand   *rand,
                 guint32  n,
                 double   density)
{
  BtBitfield *bf = bt_bitfield_new (n);

  for (guint32 i = 0; i < n; i++)
    if (g_rand_double (rand) < density)
      bt_bitfield_set (bf, i);
  return bf;
}

static void
test_new (void)
{
  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(BtBitfield) bf = bt_bitfield_new (sizes[s]);
      gsize len = 0;
      const guint8 *data = bt_bitfield_get_data (bf, &len);

      g_assert_cmpuint (bt_bitfield_get_size (bf), ==, sizes[s]);
      g_assert_cmpuint (len, ==, (sizes[s] + 7) / 8);
      g_assert_cmpuint (bt_bitfield_count (bf), ==, 0);
      g_assert_true (bt_bitfield_is_empty (bf));
      g_assert_false (bt_bitfield_is_complete (bf));
      for (gsize i = 0; i < len; i++)
        g_assert_cmphex (data[i], ==, 0);
      for (guint32 i = 0; i < sizes[s]; i++)
        g_assert_false (bt_bitfield_get (bf, i));
    }
}

static void
test_zero_bits (void)
{
  g_autoptr(BtBitfield) bf = bt_bitfield_new (0);
  g_autoptr(BtBitfield) parsed = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 42;

  g_assert_nonnull (bt_bitfield_get_data (bf, &len));
  g_assert_cmpuint (len, ==, 0);
  g_assert_true (bt_bitfield_is_empty (bf));
  /* Nothing left to get: complete. */
  g_assert_true (bt_bitfield_is_complete (bf));
  bt_bitfield_set_all (bf);
  g_assert_cmpuint (bt_bitfield_count (bf), ==, 0);

  parsed = bt_bitfield_new_from_bytes (NULL, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (bt_bitfield_equal (bf, parsed));
}

static void
test_bit_order (void)
{
  g_autoptr(BtBitfield) bf = bt_bitfield_new (20);
  const guint8 *data;
  gsize len;

  bt_bitfield_set (bf, 0);
  bt_bitfield_set (bf, 9);
  bt_bitfield_set (bf, 15);
  bt_bitfield_set (bf, 19);
  data = bt_bitfield_get_data (bf, &len);
  g_assert_cmpuint (len, ==, 3);
  /* BEP 3: the high bit of the first byte is piece 0. */
  g_assert_cmphex (data[0], ==, 0x80);
  g_assert_cmphex (data[1], ==, 0x41);
  g_assert_cmphex (data[2], ==, 0x10);
  g_assert_true (bt_bitfield_get (bf, 9));
  g_assert_false (bt_bitfield_get (bf, 8));
  g_assert_false (bt_bitfield_get (bf, 10));
}

static void
test_count (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint32 n = sizes[s];
      g_autoptr(BtBitfield) bf = bt_bitfield_new (n);
      g_autofree gboolean *model = g_new0 (gboolean, n);
      guint32 expected = 0;

      for (guint step = 0; step < 4 * n + 20; step++)
        {
          guint32 i = g_rand_int_range (rand, 0, (gint32) n);

          /* Setting a set bit or clearing a clear one must not move the
           * count: that is where an incremental count goes wrong. */
          if (g_rand_boolean (rand))
            {
              bt_bitfield_set (bf, i);
              if (!model[i])
                expected++;
              model[i] = TRUE;
            }
          else
            {
              bt_bitfield_clear (bf, i);
              if (model[i])
                expected--;
              model[i] = FALSE;
            }
          g_assert_cmpuint (bt_bitfield_count (bf), ==, expected);
          g_assert_cmpint (bt_bitfield_get (bf, i), ==, model[i]);
          g_assert_cmpint (bt_bitfield_is_empty (bf), ==, expected == 0);
          g_assert_cmpint (bt_bitfield_is_complete (bf), ==, expected == n);
        }
      g_assert_cmpuint (naive_count (bf), ==, expected);
      assert_spare_bits_zero (bf);

      /* Fill the rest one bit at a time up to complete. */
      for (guint32 i = 0; i < n; i++)
        bt_bitfield_set (bf, i);
      g_assert_cmpuint (bt_bitfield_count (bf), ==, n);
      g_assert_true (bt_bitfield_is_complete (bf));
      assert_spare_bits_zero (bf);
    }
}

static void
test_set_all_clear_all (void)
{
  for (guint32 n = 1; n <= 130; n++)
    {
      g_autoptr(BtBitfield) bf = bt_bitfield_new (n);
      g_autoptr(BtBitfield) parsed = NULL;
      g_autoptr(GError) error = NULL;
      const guint8 *data;
      gsize len;

      bt_bitfield_set_all (bf);
      g_assert_cmpuint (bt_bitfield_count (bf), ==, n);
      g_assert_cmpuint (naive_count (bf), ==, n);
      g_assert_true (bt_bitfield_is_complete (bf));
      g_assert_false (bt_bitfield_is_empty (bf));
      assert_spare_bits_zero (bf);

      /* The wire bytes of a full set must be accepted back. */
      data = bt_bitfield_get_data (bf, &len);
      parsed = bt_bitfield_new_from_bytes (data, len, n, &error);
      g_assert_no_error (error);
      g_assert_true (bt_bitfield_equal (bf, parsed));
      g_assert_cmpuint (bt_bitfield_count (parsed), ==, n);

      bt_bitfield_clear (bf, n - 1);
      g_assert_cmpuint (bt_bitfield_count (bf), ==, n - 1);
      g_assert_false (bt_bitfield_is_complete (bf));

      bt_bitfield_clear_all (bf);
      g_assert_cmpuint (bt_bitfield_count (bf), ==, 0);
      g_assert_cmpuint (naive_count (bf), ==, 0);
      g_assert_true (bt_bitfield_is_empty (bf));
    }
}

static void
test_from_bytes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBitfield) bf = NULL;
  const guint8 good[] = { 0xa5, 0xff, 0xc0 }; /* 18 bits: 6 spare bits, all zero */
  const guint8 *data;
  gsize len;

  bf = bt_bitfield_new_from_bytes (good, sizeof good, 18, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bf);
  g_assert_cmpuint (bt_bitfield_get_size (bf), ==, 18);
  g_assert_cmpuint (bt_bitfield_count (bf), ==, 4 + 8 + 2);
  g_assert_true (bt_bitfield_get (bf, 0));
  g_assert_false (bt_bitfield_get (bf, 1));
  g_assert_true (bt_bitfield_get (bf, 17));
  data = bt_bitfield_get_data (bf, &len);
  g_assert_cmpmem (data, len, good, sizeof good);

  /* The input is copied, not referenced. */
  {
    guint8 scratch[] = { 0xff };
    g_autoptr(BtBitfield) copy = bt_bitfield_new_from_bytes (scratch, 1, 8, &error);

    g_assert_no_error (error);
    scratch[0] = 0;
    g_assert_cmpuint (bt_bitfield_count (copy), ==, 8);
  }
}

static void
assert_from_bytes_fails (const guint8 *data,
                         gsize         len,
                         guint32       n_bits)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBitfield) bf = bt_bitfield_new_from_bytes (data, len, n_bits, &error);

  g_assert_null (bf);
  g_assert_error (error, BT_ERROR, BT_ERROR_BITFIELD_INVALID);
  g_assert_cmpstr (error->message, !=, "");
}

static void
test_from_bytes_invalid (void)
{
  const guint8 zeros[8] = { 0 };
  guint8 buf[3];

  /* Wrong length, both ways. */
  assert_from_bytes_fails (zeros, 2, 18);
  assert_from_bytes_fails (zeros, 4, 18);
  assert_from_bytes_fails (zeros, 0, 1);
  assert_from_bytes_fails (zeros, 1, 0);
  assert_from_bytes_fails (zeros, 1, 9);
  assert_from_bytes_fails (zeros, 2, 8);

  /* Each spare bit on its own is refused. */
  for (guint spare = 0; spare < 6; spare++)
    {
      memset (buf, 0, sizeof buf);
      buf[2] = (guint8) (0x20 >> spare); /* 18 bits: bits 0x3f of byte 2 are spare */
      assert_from_bytes_fails (buf, 3, 18);
    }

  /* With an exact multiple of 8 there are no spare bits. */
  {
    g_autoptr(GError) error = NULL;
    const guint8 full[] = { 0xff, 0xff };
    g_autoptr(BtBitfield) bf = bt_bitfield_new_from_bytes (full, 2, 16, &error);

    g_assert_no_error (error);
    g_assert_true (bt_bitfield_is_complete (bf));
  }

  /* The message says what was wrong. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(BtBitfield) bf = bt_bitfield_new_from_bytes (zeros, 2, 18, &error);

    g_assert_null (bf);
    g_assert_nonnull (strstr (error->message, "18 pieces"));
  }
}

static void
test_copy_equal (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  g_autoptr(BtBitfield) a = random_bitfield (rand, 100, 0.5);
  g_autoptr(BtBitfield) b = bt_bitfield_copy (a);
  g_autoptr(BtBitfield) other_size = bt_bitfield_new (101);
  g_autoptr(BtBitfield) empty_a = bt_bitfield_new (100);
  g_autoptr(BtBitfield) empty_b = bt_bitfield_new (101);
  BtBitfield *boxed;

  g_assert_true (a != b);
  g_assert_true (bt_bitfield_equal (a, b));
  g_assert_cmpuint (bt_bitfield_count (a), ==, bt_bitfield_count (b));

  /* Independent storage. */
  if (bt_bitfield_get (b, 50))
    bt_bitfield_clear (b, 50);
  else
    bt_bitfield_set (b, 50);
  g_assert_false (bt_bitfield_equal (a, b));

  /* Same bits in a different order of operations are equal. */
  if (bt_bitfield_get (b, 50))
    bt_bitfield_clear (b, 50);
  else
    bt_bitfield_set (b, 50);
  g_assert_true (bt_bitfield_equal (a, b));

  /* Sizes differ: never equal, even when both are empty. */
  g_assert_false (bt_bitfield_equal (empty_a, empty_b));
  g_assert_false (bt_bitfield_equal (a, other_size));

  /* The boxed type copies and frees through GType. */
  g_assert_true (G_TYPE_IS_BOXED (BT_TYPE_BITFIELD));
  boxed = g_boxed_copy (BT_TYPE_BITFIELD, a);
  g_assert_true (bt_bitfield_equal (a, boxed));
  g_boxed_free (BT_TYPE_BITFIELD, boxed);
}

static void
test_and_not (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4321);
  static const double densities[] = { 0.0, 0.01, 0.5, 0.99, 1.0 };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (gsize da = 0; da < G_N_ELEMENTS (densities); da++)
      for (gsize db = 0; db < G_N_ELEMENTS (densities); db++)
        {
          guint32 n = sizes[s];
          g_autoptr(BtBitfield) a = random_bitfield (rand, n, densities[da]);
          g_autoptr(BtBitfield) b = random_bitfield (rand, n, densities[db]);
          guint32 expected = 0;

          for (guint32 i = 0; i < n; i++)
            if (bt_bitfield_get (a, i) && !bt_bitfield_get (b, i))
              expected++;

          g_assert_cmpuint (bt_bitfield_count_and_not (a, b), ==, expected);
          g_assert_cmpint (bt_bitfield_has_any_and_not (a, b), ==, expected > 0);

          /* Equal sets (same count, same bits) have nothing to offer each
           * other. */
          {
            g_autoptr(BtBitfield) same = bt_bitfield_copy (a);

            g_assert_cmpuint (bt_bitfield_count_and_not (a, same), ==, 0);
            g_assert_false (bt_bitfield_has_any_and_not (a, same));
            g_assert_false (bt_bitfield_has_any_and_not (a, a));
          }

          /* Same count, different bits: each has one the other lacks. */
          if (n >= 2)
            {
              g_autoptr(BtBitfield) x = bt_bitfield_new (n);
              g_autoptr(BtBitfield) y = bt_bitfield_new (n);

              bt_bitfield_set (x, 0);
              bt_bitfield_set (y, n - 1);
              g_assert_true (bt_bitfield_has_any_and_not (x, y));
              g_assert_true (bt_bitfield_has_any_and_not (y, x));
              bt_bitfield_set (x, n - 1);
              bt_bitfield_set (y, 0);
              g_assert_false (bt_bitfield_has_any_and_not (x, y));
              g_assert_cmpuint (bt_bitfield_count_and_not (y, x), ==, 0);
            }
        }
}

static void
test_interesting (void)
{
  g_autoptr(BtBitfield) ours = bt_bitfield_new (70);
  g_autoptr(BtBitfield) peer = bt_bitfield_new (70);

  /* A peer with nothing is never interesting. */
  g_assert_false (bt_bitfield_has_any_and_not (peer, ours));
  g_assert_cmpuint (bt_bitfield_count_and_not (peer, ours), ==, 0);

  /* The peer has piece 69 (in the second 64-bit word) and we do not. */
  bt_bitfield_set (peer, 69);
  g_assert_true (bt_bitfield_has_any_and_not (peer, ours));
  g_assert_cmpuint (bt_bitfield_count_and_not (peer, ours), ==, 1);
  g_assert_cmpuint (bt_bitfield_count_and_not (ours, peer), ==, 0);

  /* We have more pieces than the peer, but not its one. */
  for (guint32 i = 0; i < 60; i++)
    bt_bitfield_set (ours, i);
  g_assert_true (bt_bitfield_has_any_and_not (peer, ours));
  g_assert_cmpuint (bt_bitfield_count_and_not (ours, peer), ==, 60);

  /* Now we have it too. */
  bt_bitfield_set (ours, 69);
  g_assert_false (bt_bitfield_has_any_and_not (peer, ours));
  g_assert_cmpuint (bt_bitfield_count_and_not (peer, ours), ==, 0);

  /* A seed is interesting to anyone not complete. */
  bt_bitfield_set_all (peer);
  g_assert_true (bt_bitfield_has_any_and_not (peer, ours));
  g_assert_cmpuint (bt_bitfield_count_and_not (peer, ours), ==, 70 - 61);
  bt_bitfield_set_all (ours);
  g_assert_false (bt_bitfield_has_any_and_not (peer, ours));
}

static void
test_out_of_range (void)
{
  g_autoptr(BtBitfield) bf = bt_bitfield_new (10);
  g_autoptr(BtBitfield) other = bt_bitfield_new (11);
  g_autoptr(BtBitfield) before = NULL;

  bt_bitfield_set (bf, 9);
  before = bt_bitfield_copy (bf);

  g_test_expect_message ("bt-bitfield", G_LOG_LEVEL_CRITICAL, "*index < bitfield->n_bits*");
  bt_bitfield_set (bf, 10);
  g_test_assert_expected_messages ();

  g_test_expect_message ("bt-bitfield", G_LOG_LEVEL_CRITICAL, "*index < bitfield->n_bits*");
  bt_bitfield_clear (bf, G_MAXUINT32);
  g_test_assert_expected_messages ();

  g_test_expect_message ("bt-bitfield", G_LOG_LEVEL_CRITICAL, "*index < bitfield->n_bits*");
  g_assert_false (bt_bitfield_get (bf, 10));
  g_test_assert_expected_messages ();

  g_test_expect_message ("bt-bitfield", G_LOG_LEVEL_CRITICAL, "*n_bits == b->n_bits*");
  g_assert_cmpuint (bt_bitfield_count_and_not (bf, other), ==, 0);
  g_test_assert_expected_messages ();

  g_test_expect_message ("bt-bitfield", G_LOG_LEVEL_CRITICAL, "*n_bits == b->n_bits*");
  g_assert_false (bt_bitfield_has_any_and_not (other, bf));
  g_test_assert_expected_messages ();

  /* Nothing changed, the count included. */
  g_assert_true (bt_bitfield_equal (bf, before));
  g_assert_cmpuint (bt_bitfield_count (bf), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/bitfield/new", test_new);
  g_test_add_func ("/engine/bitfield/zero-bits", test_zero_bits);
  g_test_add_func ("/engine/bitfield/bit-order", test_bit_order);
  g_test_add_func ("/engine/bitfield/count", test_count);
  g_test_add_func ("/engine/bitfield/set-all-clear-all", test_set_all_clear_all);
  g_test_add_func ("/engine/bitfield/from-bytes", test_from_bytes);
  g_test_add_func ("/engine/bitfield/from-bytes-invalid", test_from_bytes_invalid);
  g_test_add_func ("/engine/bitfield/copy-equal", test_copy_equal);
  g_test_add_func ("/engine/bitfield/and-not", test_and_not);
  g_test_add_func ("/engine/bitfield/interesting", test_interesting);
  g_test_add_func ("/engine/bitfield/out-of-range", test_out_of_range);

  return g_test_run ();
}
