/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for magnet links (bt-magnet.c). The input is the link's text
 * (cut at the first NUL, as a C string would be). Beyond "does not crash":
 *
 *  - a parsed magnet respects the limits, and its name is valid UTF-8
 *    without control characters;
 *  - formatting it and parsing the result gives the same magnet, and
 *    formatting that again gives the same text (the format is canonical);
 *  - a copy formats the same;
 *  - a refused link always says why, in UTF-8, in the BT_ERROR domain.
 */
#define G_LOG_DOMAIN "fuzz-magnet"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-magnet.h"
#include "fuzz.h"

static void
check_same (BtMagnet *a,
            BtMagnet *b)
{
  FUZZ_CHECK (memcmp (a->info_hash, b->info_hash, 20) == 0);
  FUZZ_CHECK (g_strcmp0 (a->name, b->name) == 0);
  FUZZ_CHECK (a->length == b->length);
  FUZZ_CHECK (a->trackers->len == b->trackers->len);
  for (guint i = 0; i < a->trackers->len; i++)
    FUZZ_CHECK (g_str_equal (a->trackers->pdata[i], b->trackers->pdata[i]));
  FUZZ_CHECK (a->web_seeds->len == b->web_seeds->len);
  for (guint i = 0; i < a->web_seeds->len; i++)
    FUZZ_CHECK (g_str_equal (a->web_seeds->pdata[i], b->web_seeds->pdata[i]));
  FUZZ_CHECK (a->peers->len == b->peers->len);
  for (guint i = 0; i < a->peers->len; i++)
    FUZZ_CHECK (g_inet_socket_address_get_port (a->peers->pdata[i])
                == g_inet_socket_address_get_port (b->peers->pdata[i]));
  FUZZ_CHECK (a->peer_hosts->len == b->peer_hosts->len);
  for (guint i = 0; i < a->peer_hosts->len; i++)
    FUZZ_CHECK (g_str_equal (a->peer_hosts->pdata[i], b->peer_hosts->pdata[i]));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) magnet = NULL;

  fuzz_init_once ();

  magnet = bt_magnet_parse (text, &error);
  if (magnet == NULL)
    {
      FUZZ_CHECK (error != NULL && error->domain == BT_ERROR);
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (magnet->trackers->len <= BT_MAGNET_MAX_TRACKERS);
  FUZZ_CHECK (magnet->web_seeds->len <= BT_MAGNET_MAX_WEB_SEEDS);
  FUZZ_CHECK (magnet->peers->len + magnet->peer_hosts->len <= BT_MAGNET_MAX_PEERS);
  if (magnet->name != NULL)
    {
      FUZZ_CHECK (g_utf8_validate (magnet->name, -1, NULL));
      for (const char *p = magnet->name; *p != '\0'; p = g_utf8_next_char (p))
        FUZZ_CHECK (!g_unichar_iscntrl (g_utf8_get_char (p)));
    }

  {
    g_autofree char *uri = bt_magnet_to_string (magnet);
    g_autoptr(BtMagnet) again = bt_magnet_parse (uri, &error);
    g_autofree char *uri2 = NULL;
    g_autoptr(BtMagnet) copy = bt_magnet_copy (magnet);
    g_autofree char *uri3 = bt_magnet_to_string (copy);

    FUZZ_CHECK (error == NULL && again != NULL);
    check_same (magnet, again);
    uri2 = bt_magnet_to_string (again);
    FUZZ_CHECK (g_str_equal (uri, uri2));
    FUZZ_CHECK (g_str_equal (uri, uri3));
  }
  return 0;
}
