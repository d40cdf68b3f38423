/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"

static BtBencode *
decode_str (const char  *text,
            GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  return bt_bencode_decode (bytes, NULL, error);
}

static void
assert_invalid (const char *text,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBencode) value = decode_str (text, &error);

  if (value != NULL)
    g_error ("“%s” decoded but must be refused", text);
  g_assert_error (error, BT_ERROR, code);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

static void
assert_roundtrip (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBencode) value = decode_str (text, &error);
  g_autoptr(GBytes) encoded = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (value);
  encoded = bt_bencode_encode (value);
  g_assert_cmpmem (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded),
                   text, strlen (text));
}

static void
test_integers (void)
{
  g_autoptr(BtBencode) v = NULL;
  g_autoptr(GError) error = NULL;

  v = decode_str ("i42e", &error);
  g_assert_no_error (error);
  g_assert_cmpint (bt_bencode_get_value_type (v), ==, BT_BENCODE_INTEGER);
  g_assert_cmpint (bt_bencode_get_integer (v), ==, 42);
  g_clear_pointer (&v, bt_bencode_unref);

  v = decode_str ("i-17e", &error);
  g_assert_cmpint (bt_bencode_get_integer (v), ==, -17);
  g_clear_pointer (&v, bt_bencode_unref);

  v = decode_str ("i0e", &error);
  g_assert_cmpint (bt_bencode_get_integer (v), ==, 0);
  g_clear_pointer (&v, bt_bencode_unref);

  v = decode_str ("i9223372036854775807e", &error);
  g_assert_cmpint (bt_bencode_get_integer (v), ==, G_MAXINT64);
  g_clear_pointer (&v, bt_bencode_unref);

  v = decode_str ("i-9223372036854775808e", &error);
  g_assert_no_error (error);
  g_assert_cmpint (bt_bencode_get_integer (v), ==, G_MININT64);

  assert_invalid ("i03e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i00e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i-0e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i-03e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("ie", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i-e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i+1e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i1.5e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i 1e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("i9223372036854775808e", BT_ERROR_BENCODE_SIZE);
  assert_invalid ("i-9223372036854775809e", BT_ERROR_BENCODE_SIZE);
  assert_invalid ("i99999999999999999999999e", BT_ERROR_BENCODE_SIZE);
  assert_invalid ("i12", BT_ERROR_BENCODE_TRUNCATED);
  assert_invalid ("i", BT_ERROR_BENCODE_TRUNCATED);
}

static void
test_strings (void)
{
  g_autoptr(BtBencode) v = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize len;

  v = decode_str ("4:spam", &error);
  g_assert_no_error (error);
  data = bt_bencode_get_string (v, &len);
  g_assert_cmpmem (data, len, "spam", 4);
  g_clear_pointer (&v, bt_bencode_unref);

  v = decode_str ("0:", &error);
  g_assert_no_error (error);
  bt_bencode_get_string (v, &len);
  g_assert_cmpuint (len, ==, 0);
  g_clear_pointer (&v, bt_bencode_unref);

  /* Binary content, NUL bytes included, is kept byte for byte. */
  {
    static const char binary[] = "5:a\0b\xff" "c";
    g_autoptr(GBytes) bytes = g_bytes_new (binary, sizeof binary - 1);

    v = bt_bencode_decode (bytes, NULL, &error);
    g_assert_no_error (error);
    data = bt_bencode_get_string (v, &len);
    g_assert_cmpmem (data, len, "a\0b\xff" "c", 5);
  }

  assert_invalid ("04:spam", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("00:", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("5:spam", BT_ERROR_BENCODE_TRUNCATED);
  assert_invalid ("4spam", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("4", BT_ERROR_BENCODE_TRUNCATED);
  assert_invalid ("-1:a", BT_ERROR_BENCODE_SYNTAX);
  /* A length that cannot fit in memory, let alone in the input. */
  assert_invalid ("99999999999999999999999999:a", BT_ERROR_BENCODE_SIZE);
  assert_invalid ("18446744073709551615:a", BT_ERROR_BENCODE_TRUNCATED);
}

static void
test_lists_and_dicts (void)
{
  g_autoptr(BtBencode) v = NULL;
  g_autoptr(GError) error = NULL;
  BtBencode *item;

  v = decode_str ("l4:spami42ee", &error);
  g_assert_no_error (error);
  g_assert_cmpint (bt_bencode_get_value_type (v), ==, BT_BENCODE_LIST);
  g_assert_cmpuint (bt_bencode_get_length (v), ==, 2);
  item = bt_bencode_list_get (v, 1);
  g_assert_cmpint (bt_bencode_get_integer (item), ==, 42);
  g_clear_pointer (&v, bt_bencode_unref);

  v = decode_str ("d3:bar4:spam3:fooi42ee", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bt_bencode_get_length (v), ==, 2);
  g_assert_cmpint (bt_bencode_get_integer (bt_bencode_dict_lookup (v, "foo")), ==, 42);
  g_assert_null (bt_bencode_dict_lookup (v, "baz"));
  g_assert_nonnull (bt_bencode_dict_lookup_type (v, "bar", BT_BENCODE_STRING));
  g_assert_null (bt_bencode_dict_lookup_type (v, "bar", BT_BENCODE_INTEGER));
  g_clear_pointer (&v, bt_bencode_unref);

  assert_roundtrip ("le");
  assert_roundtrip ("de");
  assert_roundtrip ("d1:ad1:bl1:ci-1eee1:z0:e");
  assert_roundtrip ("lli1eeli2eee");

  assert_invalid ("l", BT_ERROR_BENCODE_TRUNCATED);
  assert_invalid ("l4:spam", BT_ERROR_BENCODE_TRUNCATED);
  assert_invalid ("d3:foo", BT_ERROR_BENCODE_TRUNCATED);
  assert_invalid ("d3:fooe", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("di1ei2ee", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("dle1:ae", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("d1:ai1e1:ai2ee", BT_ERROR_BENCODE_DUPLICATE_KEY);
  assert_invalid ("d1:bi1e1:ai2e1:bi3ee", BT_ERROR_BENCODE_DUPLICATE_KEY);
  assert_invalid ("e", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("x", BT_ERROR_BENCODE_SYNTAX);
  assert_invalid ("", BT_ERROR_BENCODE_TRUNCATED);
}

static void
test_unsorted_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBencode) v = decode_str ("d1:bi1e1:ai2ee", &error);
  g_autoptr(GBytes) encoded = NULL;

  /* Unsorted keys are not canonical but are found in real torrents; they
   * are read, and re-encoding sorts them. */
  g_assert_no_error (error);
  g_assert_cmpint (bt_bencode_get_integer (bt_bencode_dict_lookup (v, "a")), ==, 2);
  encoded = bt_bencode_encode (v);
  g_assert_cmpmem (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded),
                   "d1:ai2e1:bi1ee", 14);
}

static void
test_trailing (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("i1ei2e", 6);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBencode) prefix = NULL;
  gsize consumed = 0;

  assert_invalid ("i1ei2e", BT_ERROR_BENCODE_TRAILING);
  assert_invalid ("de\n", BT_ERROR_BENCODE_TRAILING);
  assert_invalid ("4:spamx", BT_ERROR_BENCODE_TRAILING);

  prefix = bt_bencode_decode_prefix (bytes, NULL, &consumed, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, 3);
  g_assert_cmpint (bt_bencode_get_integer (prefix), ==, 1);
}

static void
test_raw_spans (void)
{
  const char *text = "d4:infod1:bi1e1:ai2ee4:spam3:egge";
  g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBencode) root = bt_bencode_decode (bytes, NULL, &error);
  g_autoptr(GBytes) raw = NULL;
  BtBencode *info;
  gsize offset, length;

  g_assert_no_error (error);
  info = bt_bencode_dict_lookup (root, "info");
  g_assert_true (bt_bencode_get_raw_span (info, &offset, &length));
  g_assert_cmpuint (offset, ==, 7);
  g_assert_cmpuint (length, ==, 14);
  raw = bt_bencode_get_raw (info);
  /* The raw bytes, unsorted as written, never a re-encoding. */
  g_assert_cmpmem (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), "d1:bi1e1:ai2ee", 14);

  g_assert_true (bt_bencode_get_raw_span (root, &offset, &length));
  g_assert_cmpuint (offset, ==, 0);
  g_assert_cmpuint (length, ==, strlen (text));
}

static void
test_limits (void)
{
  BtBencodeLimits limits = { .max_size = 64, .max_depth = 3, .max_elements = 5 };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBencode) v = NULL;
  g_autoptr(GBytes) ok = g_bytes_new_static ("llleee", 6);
  g_autoptr(GBytes) deep = g_bytes_new_static ("lllleeee", 8);
  g_autoptr(GBytes) many = g_bytes_new_static ("li1ei2ei3ei4ei5ee", 17);
  g_autoptr(GBytes) big = g_bytes_new_take (g_strnfill (65, 'x'), 65);
  GString *nested = g_string_new (NULL);
  g_autoptr(GBytes) very_deep = NULL;

  v = bt_bencode_decode (ok, &limits, &error);
  g_assert_no_error (error);
  g_clear_pointer (&v, bt_bencode_unref);

  v = bt_bencode_decode (deep, &limits, &error);
  g_assert_null (v);
  g_assert_error (error, BT_ERROR, BT_ERROR_BENCODE_DEPTH);
  g_clear_error (&error);

  v = bt_bencode_decode (many, &limits, &error);
  g_assert_null (v);
  g_assert_error (error, BT_ERROR, BT_ERROR_BENCODE_COUNT);
  g_clear_error (&error);

  v = bt_bencode_decode (big, &limits, &error);
  g_assert_null (v);
  g_assert_error (error, BT_ERROR, BT_ERROR_BENCODE_SIZE);
  g_clear_error (&error);

  /* A million nested lists: refused by depth with the default limits, and
   * neither the decoder nor freeing recurses on the C stack. */
  for (int i = 0; i < 1000000; i++)
    g_string_append_c (nested, 'l');
  for (int i = 0; i < 1000000; i++)
    g_string_append_c (nested, 'e');
  very_deep = g_string_free_to_bytes (nested);
  v = bt_bencode_decode (very_deep, NULL, &error);
  g_assert_null (v);
  g_assert_error (error, BT_ERROR, BT_ERROR_BENCODE_DEPTH);
}

static void
test_default_depth_accepts_real_nesting (void)
{
  GString *nested = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtBencode) v = NULL;

  for (int i = 0; i < BT_BENCODE_MAX_DEPTH; i++)
    g_string_append_c (nested, 'l');
  for (int i = 0; i < BT_BENCODE_MAX_DEPTH; i++)
    g_string_append_c (nested, 'e');
  bytes = g_string_free_to_bytes (nested);
  v = bt_bencode_decode (bytes, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (v);
}

static void
test_truncated_everywhere (void)
{
  const char *text = "d8:announce9:http://x/4:infod6:lengthi5e4:name1:a12:piece lengthi16384e"
                     "6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
  gsize len = strlen (text);

  /* Every strict prefix of a valid value is refused as truncated. */
  for (gsize i = 0; i < len; i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (text, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(BtBencode) v = bt_bencode_decode (bytes, NULL, &error);

      g_assert_null (v);
      g_assert_error (error, BT_ERROR, BT_ERROR_BENCODE_TRUNCATED);
    }
  assert_roundtrip (text);
}

static void
test_builder (void)
{
  g_autoptr(BtBencode) dict = bt_bencode_new_dict ();
  g_autoptr(BtBencode) list = bt_bencode_new_list ();
  g_autoptr(GBytes) encoded = NULL;
  static const guint8 binary_key[] = { 'k', 0, 0xff };

  bt_bencode_list_append (list, bt_bencode_new_integer (-5));
  bt_bencode_list_append (list, bt_bencode_new_string (""));
  bt_bencode_dict_set (dict, "zeta", bt_bencode_new_integer (1));
  bt_bencode_dict_set (dict, "alpha", bt_bencode_ref (list));
  bt_bencode_dict_set (dict, "zeta", bt_bencode_new_integer (2)); /* replaces */
  bt_bencode_dict_set_len (dict, binary_key, sizeof binary_key, bt_bencode_new_string ("b"));
  bt_bencode_dict_set (dict, "", bt_bencode_new_string ("empty key"));

  g_assert_cmpuint (bt_bencode_get_length (dict), ==, 4);
  encoded = bt_bencode_encode (dict);
  /* Keys sorted as raw bytes: "" < "alpha" < "k\0\xff" < "zeta". */
  g_assert_cmpmem (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded),
                   "d0:9:empty key5:alphali-5e0:e3:k\0\xff" "1:b4:zetai2ee", 47);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/bencode/integers", test_integers);
  g_test_add_func ("/engine/bencode/strings", test_strings);
  g_test_add_func ("/engine/bencode/lists-and-dicts", test_lists_and_dicts);
  g_test_add_func ("/engine/bencode/unsorted-keys", test_unsorted_keys);
  g_test_add_func ("/engine/bencode/trailing", test_trailing);
  g_test_add_func ("/engine/bencode/raw-spans", test_raw_spans);
  g_test_add_func ("/engine/bencode/limits", test_limits);
  g_test_add_func ("/engine/bencode/default-depth", test_default_depth_accepts_real_nesting);
  g_test_add_func ("/engine/bencode/truncated-everywhere", test_truncated_everywhere);
  g_test_add_func ("/engine/bencode/builder", test_builder);

  return g_test_run ();
}
