/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The extended handshake (BEP 10): what we build, what we read from
 * others, and what we refuse.
 */
#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-extension.h"
#include "bt-limits.h"

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BtExtensionHandshake, bt_extension_handshake_clear)

static gboolean
parse_string (const char           *text,
              BtExtensionHandshake *inout,
              GError              **error)
{
  return bt_extension_handshake_parse ((const guint8 *) text, strlen (text), inout, error);
}

static void
test_registry (void)
{
  g_assert_cmpstr (bt_extension_get_name (BT_EXTENSION_UT_METADATA), ==, "ut_metadata");
  g_assert_cmpstr (bt_extension_get_name (BT_EXTENSION_UT_PEX), ==, "ut_pex");
  g_assert_null (bt_extension_get_name (BT_EXTENSION_HANDSHAKE));
  g_assert_cmpint (bt_extension_from_name ((const guint8 *) "ut_pex", 6), ==, BT_EXTENSION_UT_PEX);
  g_assert_cmpint (bt_extension_from_name ((const guint8 *) "ut_metadata", 11), ==,
                   BT_EXTENSION_UT_METADATA);
  /* Prefixes and unknown names are not ours. */
  g_assert_cmpint (bt_extension_from_name ((const guint8 *) "ut_pe", 5), ==, BT_EXTENSION_HANDSHAKE);
  g_assert_cmpint (bt_extension_from_name ((const guint8 *) "lt_donthave", 11), ==,
                   BT_EXTENSION_HANDSHAKE);
}

/* What we build is canonical bencode (sorted keys) and reads back the same. */
static void
test_roundtrip (void)
{
  g_autoptr(BtExtensionHandshake) ours = bt_extension_handshake_new ();
  g_autoptr(BtExtensionHandshake) back = bt_extension_handshake_new ();
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *ip = NULL;
  gsize length;

  ours->ids[BT_EXTENSION_UT_METADATA] = 3;
  ours->ids[BT_EXTENSION_UT_PEX] = 1;
  ours->client = g_strdup ("bTorrent 1.0");
  ours->port = 6881;
  ours->reqq = 250;
  ours->metadata_size = 31337;
  ours->yourip = g_inet_address_new_from_string ("10.1.2.3");
  payload = bt_extension_handshake_build (ours);
  text = g_strndup (g_bytes_get_data (payload, &length), g_bytes_get_size (payload));
  g_assert_cmpstr (text, ==,
                   "d1:md11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei31337e1:pi6881e"
                   "4:reqqi250e1:v12:bTorrent 1.06:yourip4:\x0a\x01\x02\x03" "e");

  g_assert_true (bt_extension_handshake_parse (g_bytes_get_data (payload, NULL), length, back,
                                               &error));
  g_assert_no_error (error);
  g_assert_cmpmem (back->ids, sizeof back->ids, ours->ids, sizeof ours->ids);
  g_assert_cmpstr (back->client, ==, "bTorrent 1.0");
  g_assert_cmpuint (back->port, ==, 6881);
  g_assert_cmpuint (back->reqq, ==, 250);
  g_assert_cmpint (back->metadata_size, ==, 31337);
  ip = g_inet_address_to_string (back->yourip);
  g_assert_cmpstr (ip, ==, "10.1.2.3");
}

/* "yourip" is 4 bytes for IPv4 (also when our socket saw an IPv4-mapped
 * IPv6 address) and 16 for IPv6. */
static void
test_yourip (void)
{
  const struct { const char *ip; const char *expected; gsize bytes; } cases[] = {
    { "192.0.2.7", "192.0.2.7", 4 },
    { "::ffff:192.0.2.7", "192.0.2.7", 4 },
    { "2001:db8::1", "2001:db8::1", 16 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(BtExtensionHandshake) ours = { { 0 } };
      g_auto(BtExtensionHandshake) back = { { 0 } };
      g_autoptr(GBytes) payload = NULL;
      g_autoptr(BtBencode) dict = NULL;
      g_autofree char *text = NULL;
      gsize length;

      ours.yourip = g_inet_address_new_from_string (cases[i].ip);
      payload = bt_extension_handshake_build (&ours);
      dict = bt_bencode_decode (payload, NULL, NULL);
      g_assert_nonnull (dict);
      bt_bencode_get_string (bt_bencode_dict_lookup (dict, "yourip"), &length);
      g_assert_cmpuint (length, ==, cases[i].bytes);
      g_assert_true (bt_extension_handshake_parse (g_bytes_get_data (payload, NULL),
                                                   g_bytes_get_size (payload), &back, NULL));
      text = g_inet_address_to_string (back.yourip);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

/* A later handshake updates what it names and leaves the rest (BEP 10);
 * an id of 0 turns an extension off. */
static void
test_merge (void)
{
  g_auto(BtExtensionHandshake) theirs = { { 0 } };
  g_autoptr(GError) error = NULL;

  g_assert_true (parse_string ("d1:md6:ut_pexi7e11:ut_metadatai9ee1:pi51413e1:v4:Tr/3e", &theirs,
                               &error));
  g_assert_no_error (error);
  g_assert_cmpuint (theirs.ids[BT_EXTENSION_UT_PEX], ==, 7);
  g_assert_cmpuint (theirs.ids[BT_EXTENSION_UT_METADATA], ==, 9);
  g_assert_cmpuint (theirs.port, ==, 51413);

  g_assert_true (parse_string ("d1:md6:ut_pexi0eee", &theirs, &error));
  g_assert_cmpuint (theirs.ids[BT_EXTENSION_UT_PEX], ==, 0);
  g_assert_cmpuint (theirs.ids[BT_EXTENSION_UT_METADATA], ==, 9);
  g_assert_cmpuint (theirs.port, ==, 51413);
  g_assert_cmpstr (theirs.client, ==, "Tr/3");
}

/* Odd values are ignored, not fatal: other clients' keys, ids that do not
 * fit a byte, negative sizes, a "yourip" of the wrong length, a client
 * name that is not UTF-8 or far too long. */
static void
test_lenient (void)
{
  g_auto(BtExtensionHandshake) theirs = { { 0 } };
  g_autoptr(GError) error = NULL;
  g_autofree char *long_name = g_strnfill (1000, 'x');
  g_autofree char *text = NULL;

  g_assert_true (parse_string ("d1:md6:ut_pexi300e11:ut_metadatai-1e11:lt_donthavei7ee"
                               "13:metadata_sizei-5e1:pi70000e4:reqq3:abc6:yourip3:abc"
                               "1:v3:\xff\xfe" "a12:complete_agoi1ee",
                               &theirs, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (theirs.ids[BT_EXTENSION_UT_PEX], ==, 0);
  g_assert_cmpuint (theirs.ids[BT_EXTENSION_UT_METADATA], ==, 0);
  g_assert_cmpint (theirs.metadata_size, ==, 0);
  g_assert_cmpuint (theirs.port, ==, 0);
  g_assert_cmpuint (theirs.reqq, ==, 0);
  g_assert_null (theirs.yourip);
  g_assert_true (g_utf8_validate (theirs.client, -1, NULL));
  g_assert_nonnull (strstr (theirs.client, "a"));

  text = g_strdup_printf ("d1:v1000:%se", long_name);
  g_assert_true (parse_string (text, &theirs, &error));
  g_assert_cmpuint (strlen (theirs.client), ==, BT_EXTENSION_MAX_CLIENT_LENGTH);
}

/* Not a dictionary, or not bencode at all: the peer is broken, and what
 * we knew stays. An "m" of the wrong type is only ignored. */
static void
test_bad (void)
{
  const struct { const char *text; gboolean ok; } cases[] = {
    { "", FALSE },
    { "le", FALSE },
    { "i1e", FALSE },
    { "d1:m", FALSE },
    { "x", FALSE },
    { "d1:md6:ut_pexi1eeee", FALSE }, /* one "e" too many */
    { "d1:mdee", TRUE },
    { "d1:mli1eee", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(BtExtensionHandshake) theirs = { { 0 } };
      g_autoptr(GError) error = NULL;

      theirs.port = 1234;
      theirs.ids[BT_EXTENSION_UT_PEX] = 5;
      g_assert_cmpint (parse_string (cases[i].text, &theirs, &error), ==, cases[i].ok);
      if (!cases[i].ok)
        g_assert_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL);
      else
        g_assert_no_error (error);
      g_assert_cmpuint (theirs.port, ==, 1234);
      g_assert_cmpuint (theirs.ids[BT_EXTENSION_UT_PEX], ==, 5);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/extension/registry", test_registry);
  g_test_add_func ("/engine/extension/roundtrip", test_roundtrip);
  g_test_add_func ("/engine/extension/yourip", test_yourip);
  g_test_add_func ("/engine/extension/merge", test_merge);
  g_test_add_func ("/engine/extension/lenient", test_lenient);
  g_test_add_func ("/engine/extension/bad", test_bad);

  return g_test_run ();
}
