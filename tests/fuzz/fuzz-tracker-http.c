/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for HTTP tracker replies (bt-tracker-http.c): the body of an
 * announce reply and of a scrape reply, after content decoding, exactly as
 * the network gives it.
 *
 * Beyond "does not crash", this checks what the announcer and the torrent
 * rely on:
 *
 *  - a refusal is a BT_ERROR (tracker failure or protocol) with a readable
 *    UTF-8 message;
 *  - at most BT_TRACKER_MAX_PEERS_PER_RESPONSE peers, each an address that
 *    can be dialled: an IPv4 or IPv6 literal, not the unspecified address,
 *    port not 0;
 *  - the warning and tracker id are bounded UTF-8 text without control
 *    characters (they reach logs, the UI and, for the id, the next URL);
 *  - counts are -1 (not sent) or non-negative;
 *  - the scrape of the torrent asked about gives non-negative counts or -1.
 */
#define G_LOG_DOMAIN "fuzz-tracker-http"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-tracker-http.h"
#include "fuzz.h"

/* The info-hash the scrape asks about: the seeds list it. */
#define SCRAPE_INFO_HASH "aaaaaaaaaaaaaaaaaaaa"

static void
check_error (const GError *error)
{
  FUZZ_CHECK (error != NULL && error->domain == BT_ERROR);
  FUZZ_CHECK (error->code == BT_ERROR_TRACKER_FAILURE || error->code == BT_ERROR_TRACKER_PROTOCOL);
  FUZZ_CHECK (error->message != NULL && *error->message != '\0');
  FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
}

/* Text from a tracker: UTF-8, bounded, no C0 or C1 control character
 * (terminal escapes start with ESC or CSI, U+009B). */
static void
check_text (const char *text,
            gsize       max_bytes)
{
  if (text == NULL)
    return;
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  FUZZ_CHECK (strlen (text) <= max_bytes);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    FUZZ_CHECK (!g_unichar_iscntrl (g_utf8_get_char (p)));
}

static void
check_peers (GPtrArray *peers)
{
  FUZZ_CHECK (peers != NULL);
  FUZZ_CHECK (peers->len <= BT_TRACKER_MAX_PEERS_PER_RESPONSE);
  for (guint i = 0; i < peers->len; i++)
    {
      GInetSocketAddress *peer = g_ptr_array_index (peers, i);
      GInetAddress *address;

      FUZZ_CHECK (G_IS_INET_SOCKET_ADDRESS (peer));
      address = g_inet_socket_address_get_address (peer);
      FUZZ_CHECK (g_inet_socket_address_get_port (peer) != 0);
      FUZZ_CHECK (!g_inet_address_get_is_any (address));
      FUZZ_CHECK (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4
                  || g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6);
    }
}

static void
check_announce (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtAnnounceResponse) response = bt_tracker_http_parse_response (body, &error);

  if (response == NULL)
    {
      check_error (error);
      return;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (g_bytes_get_size (body) <= BT_TRACKER_HTTP_MAX_RESPONSE);
  check_peers (response->peers);
  /* Warnings may grow by U+FFFD replacements of invalid bytes (3 for 1). */
  check_text (response->warning, 3 * BT_TRACKER_MAX_MESSAGE);
  if (response->tracker_id != NULL)
    {
      FUZZ_CHECK (*response->tracker_id != '\0');
      FUZZ_CHECK (strlen (response->tracker_id) <= BT_TRACKER_MAX_MESSAGE);
    }
  FUZZ_CHECK (response->complete >= -1);
  FUZZ_CHECK (response->incomplete >= -1);
}

static void
check_scrape (GBytes *body)
{
  g_autoptr(GError) error = NULL;
  BtScrapeResult result = { -2, -2, -2 };

  if (!bt_tracker_http_parse_scrape (body, (const guint8 *) SCRAPE_INFO_HASH, &result, &error))
    {
      check_error (error);
      return;
    }
  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (result.complete >= -1 && result.incomplete >= -1 && result.downloaded >= -1);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) body = NULL;

  fuzz_init_once ();

  body = g_bytes_new (data, size);
  check_announce (body);
  check_scrape (body);
  return 0;
}
