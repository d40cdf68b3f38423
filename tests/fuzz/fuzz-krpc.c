/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for the KRPC codec (bt-krpc.c): the input is one datagram as
 * a DHT node receives it. Beyond "does not crash":
 *
 *  - a decoded message has what its kind needs (a transaction id, a node
 *    id for queries and responses) within the bounds of bt-limits.h, and
 *    a printable error message;
 *  - a message we can encode (any but an unknown query method) encodes to
 *    a datagram that decodes to the same message and re-encodes to the
 *    same bytes;
 *  - a refused datagram always says why, in the BT_ERROR domain.
 */
#define G_LOG_DOMAIN "fuzz-krpc"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-krpc.h"
#include "bt-limits.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  BtKrpcMessage message, again;

  fuzz_init_once ();

  if (!bt_krpc_decode (data, size, &message, &error))
    {
      FUZZ_CHECK (error != NULL && error->domain == BT_ERROR);
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (size <= BT_DHT_MAX_PACKET);
  FUZZ_CHECK (message.transaction_id_length >= 1
              && message.transaction_id_length <= BT_KRPC_MAX_TRANSACTION_ID);
  FUZZ_CHECK (message.token_length <= BT_KRPC_MAX_TOKEN);
  FUZZ_CHECK (message.n_nodes <= BT_KRPC_MAX_NODES);
  FUZZ_CHECK (message.n_values <= BT_KRPC_MAX_VALUES);
  FUZZ_CHECK (strlen (message.error_message) <= BT_KRPC_MAX_ERROR_MESSAGE);
  for (const char *p = message.error_message; *p != '\0'; p++)
    FUZZ_CHECK (*p >= 0x20 && *p < 0x7f);
  if (message.kind == BT_KRPC_QUERY && message.method == BT_KRPC_METHOD_ANNOUNCE_PEER)
    FUZZ_CHECK (message.token_length > 0 && (message.port > 0 || message.implied_port));

  if (message.kind == BT_KRPC_QUERY && message.method == BT_KRPC_METHOD_UNKNOWN)
    return 0;

  {
    g_autoptr(GBytes) bytes = bt_krpc_encode (&message);
    g_autoptr(GBytes) bytes2 = NULL;
    gsize length = 0;
    const guint8 *encoded = g_bytes_get_data (bytes, &length);

    /* Our encoding adds keys the input may have left out (implied_port),
     * so it can outgrow the packet limit by a few bytes: not comparable. */
    if (length > BT_DHT_MAX_PACKET)
      return 0;
    FUZZ_CHECK (bt_krpc_decode (encoded, length, &again, &error));
    FUZZ_CHECK (memcmp (&message, &again, sizeof message) == 0);
    bytes2 = bt_krpc_encode (&again);
    FUZZ_CHECK (g_bytes_equal (bytes, bytes2));
  }
  return 0;
}
