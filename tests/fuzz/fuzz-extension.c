/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for the extension protocol payloads a peer sends: the
 * extended handshake (bt-extension), ut_metadata messages (bt-ut-metadata)
 * and ut_pex messages (bt-pex).
 *
 * Input layout: byte 0 picks the parser (0: handshake, 1: ut_metadata,
 * 2: ut_pex, anything else: all three); the rest is the payload.
 *
 * Beyond "does not crash", whatever parses must survive a round trip:
 * built again and parsed again it gives the same fields; a ut_metadata
 * data message fed to an assembler is accepted or refused with a BT_ERROR;
 * a PEX message never yields more than the bound.
 */
#define G_LOG_DOMAIN "fuzz-extension"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-extension.h"
#include "bt-limits.h"
#include "bt-pex.h"
#include "bt-ut-metadata.h"
#include "fuzz.h"

static void
check_error (const GError *error)
{
  FUZZ_CHECK (error != NULL);
  FUZZ_CHECK (error->domain == BT_ERROR);
  FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
}

static void
fuzz_handshake (const guint8 *data,
                gsize         size)
{
  BtExtensionHandshake first = { { 0 } };
  BtExtensionHandshake second = { { 0 } };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) built = NULL;

  if (!bt_extension_handshake_parse (data, size, &first, &error))
    {
      check_error (error);
      return;
    }
  FUZZ_CHECK (first.client == NULL || g_utf8_validate (first.client, -1, NULL));
  FUZZ_CHECK (first.client == NULL || strlen (first.client) <= 4 * BT_EXTENSION_MAX_CLIENT_LENGTH);
  FUZZ_CHECK (first.metadata_size >= 0);

  built = bt_extension_handshake_build (&first);
  FUZZ_CHECK (bt_extension_handshake_parse (g_bytes_get_data (built, NULL),
                                            g_bytes_get_size (built), &second, NULL));
  FUZZ_CHECK (memcmp (first.ids, second.ids, sizeof first.ids) == 0);
  FUZZ_CHECK (first.port == second.port);
  FUZZ_CHECK (first.reqq == second.reqq);
  FUZZ_CHECK (first.metadata_size == second.metadata_size);
  FUZZ_CHECK ((first.yourip == NULL) == (second.yourip == NULL));
  bt_extension_handshake_clear (&first);
  bt_extension_handshake_clear (&second);
}

static void
fuzz_ut_metadata (const guint8 *data,
                  gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) built = NULL;
  BtUtMetadataMessage message;
  BtUtMetadataMessage again;

  if (!bt_ut_metadata_parse (data, size, &message, &error))
    {
      check_error (error);
      return;
    }
  FUZZ_CHECK (message.piece < bt_ut_metadata_count_pieces (BT_UT_METADATA_MAX_SIZE));

  switch (message.type)
    {
    case BT_UT_METADATA_REQUEST:
      built = bt_ut_metadata_build_request (message.piece);
      break;
    case BT_UT_METADATA_REJECT:
      built = bt_ut_metadata_build_reject (message.piece);
      break;
    case BT_UT_METADATA_DATA:
      {
        g_autoptr(BtUtMetadataAssembler) assembler = NULL;
        guint8 hash[20] = { 0 };

        FUZZ_CHECK (message.total_size > 0);
        FUZZ_CHECK (message.data + message.data_length == data + size);
        built = bt_ut_metadata_build_data (message.piece, message.total_size, message.data,
                                           message.data_length);
        assembler = bt_ut_metadata_assembler_new (hash, message.total_size, &error);
        if (assembler == NULL)
          {
            check_error (error);
            break;
          }
        if (!bt_ut_metadata_assembler_add_piece (assembler, message.piece, message.data,
                                                 message.data_length, &error))
          check_error (error);
        else if (bt_ut_metadata_assembler_is_complete (assembler))
          {
            g_autoptr(GBytes) info = bt_ut_metadata_assembler_finish (assembler, &error);

            /* A zero hash: only a SHA1 preimage would match. */
            FUZZ_CHECK (info == NULL);
            check_error (error);
          }
      }
      break;
    default:
      FUZZ_CHECK (FALSE);
    }

  FUZZ_CHECK (bt_ut_metadata_parse (g_bytes_get_data (built, NULL), g_bytes_get_size (built),
                                    &again, NULL));
  FUZZ_CHECK (again.type == message.type);
  FUZZ_CHECK (again.piece == message.piece);
  FUZZ_CHECK (again.total_size == message.total_size);
  FUZZ_CHECK (again.data_length == message.data_length);
  FUZZ_CHECK (message.data_length == 0 || memcmp (again.data, message.data, message.data_length) == 0);
}

static void
fuzz_pex (const guint8 *data,
          gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtPexMessage) message = bt_pex_parse (data, size, &error);
  g_autoptr(BtPexMessage) again = NULL;
  g_autoptr(GBytes) built = NULL;

  if (message == NULL)
    {
      check_error (error);
      return;
    }
  /* Each of the two families is bounded on its own. */
  FUZZ_CHECK (message->added->len <= 2 * BT_PEX_MAX_PARSED);
  FUZZ_CHECK (message->dropped->len <= 2 * BT_PEX_MAX_PARSED);

  built = bt_pex_build (message);
  again = bt_pex_parse (g_bytes_get_data (built, NULL), g_bytes_get_size (built), NULL);
  FUZZ_CHECK (again != NULL);
  FUZZ_CHECK (again->added->len == message->added->len);
  FUZZ_CHECK (again->dropped->len == message->dropped->len);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_init_once ();

  if (size < 1)
    return 0;
  switch (data[0])
    {
    case 0:
      fuzz_handshake (data + 1, size - 1);
      break;
    case 1:
      fuzz_ut_metadata (data + 1, size - 1);
      break;
    case 2:
      fuzz_pex (data + 1, size - 1);
      break;
    default:
      fuzz_handshake (data + 1, size - 1);
      fuzz_ut_metadata (data + 1, size - 1);
      fuzz_pex (data + 1, size - 1);
      break;
    }
  return 0;
}
