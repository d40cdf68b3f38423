/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for UDP tracker datagrams (BEP 15, bt-tracker-udp.c): any
 * reply a tracker, or anyone who can send us a datagram, may send.
 *
 * The first input byte picks the tracker's address family (bit 0 set:
 * IPv6, 18-byte peer entries); the rest is the datagram, at most
 * BT_UDP_TRACKER_MAX_PACKET bytes as the socket reads it.
 *
 * Beyond "does not crash", this checks:
 *
 *  - a refusal is a BT_ERROR_TRACKER_PROTOCOL with a readable message and
 *    leaves nothing to free;
 *  - the action and transaction id are the datagram's first 8 bytes;
 *  - announce replies carry at most BT_TRACKER_MAX_PEERS_PER_RESPONSE
 *    dialable peers of the tracker's family, and no more than the datagram
 *    holds; counts are -1 (unknown) or more;
 *  - an error reply's message is bounded UTF-8 without control characters.
 */
#define G_LOG_DOMAIN "fuzz-tracker-udp"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-tracker-udp.h"
#include "fuzz.h"

static guint32
read_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
check_peers (GPtrArray     *peers,
             GSocketFamily  family,
             gsize          length)
{
  gsize entry = family == G_SOCKET_FAMILY_IPV4 ? 6 : 18;

  FUZZ_CHECK (peers != NULL);
  FUZZ_CHECK (peers->len <= BT_TRACKER_MAX_PEERS_PER_RESPONSE);
  FUZZ_CHECK (peers->len <= (length - 20) / entry);
  for (guint i = 0; i < peers->len; i++)
    {
      GInetSocketAddress *peer = g_ptr_array_index (peers, i);
      GInetAddress *address;

      FUZZ_CHECK (G_IS_INET_SOCKET_ADDRESS (peer));
      address = g_inet_socket_address_get_address (peer);
      FUZZ_CHECK (g_inet_socket_address_get_port (peer) != 0);
      FUZZ_CHECK (!g_inet_address_get_is_any (address));
      FUZZ_CHECK (g_inet_address_get_family (address) == family);
    }
}

static void
check_message (const char *text)
{
  FUZZ_CHECK (text != NULL);
  FUZZ_CHECK (g_utf8_validate (text, -1, NULL));
  /* Invalid bytes become U+FFFD: 3 bytes for 1. */
  FUZZ_CHECK (strlen (text) <= 3 * BT_TRACKER_MAX_MESSAGE);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    FUZZ_CHECK (!g_unichar_iscntrl (g_utf8_get_char (p)));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  BtUdpTrackerPacket packet;
  GSocketFamily family;
  const guint8 *datagram;
  gsize length;

  fuzz_init_once ();

  if (size < 1)
    return 0;
  family = (data[0] & 1) ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
  datagram = data + 1;
  length = MIN (size - 1, (gsize) BT_UDP_TRACKER_MAX_PACKET);

  if (!bt_tracker_udp_parse_packet (datagram, length, family, &packet, &error))
    {
      FUZZ_CHECK (error != NULL && error->domain == BT_ERROR
                  && error->code == BT_ERROR_TRACKER_PROTOCOL);
      FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL) && *error->message != '\0');
      FUZZ_CHECK (packet.announce == NULL && packet.message == NULL);
      return 0;
    }

  FUZZ_CHECK (error == NULL);
  FUZZ_CHECK (length >= 8);
  FUZZ_CHECK ((guint32) packet.action == read_u32 (datagram));
  FUZZ_CHECK (packet.transaction_id == read_u32 (datagram + 4));

  switch (packet.action)
    {
    case BT_UDP_TRACKER_ACTION_CONNECT:
      FUZZ_CHECK (length >= 16);
      break;
    case BT_UDP_TRACKER_ACTION_ANNOUNCE:
      FUZZ_CHECK (length >= 20 && packet.announce != NULL);
      check_peers (packet.announce->peers, family, length);
      FUZZ_CHECK (packet.announce->complete >= -1 && packet.announce->incomplete >= -1);
      break;
    case BT_UDP_TRACKER_ACTION_SCRAPE:
      FUZZ_CHECK (length >= 20);
      FUZZ_CHECK (packet.scrape.complete >= -1 && packet.scrape.incomplete >= -1
                  && packet.scrape.downloaded >= -1);
      break;
    case BT_UDP_TRACKER_ACTION_ERROR:
      check_message (packet.message);
      break;
    default:
      FUZZ_CHECK (!"unknown action accepted");
    }

  bt_udp_tracker_packet_clear (&packet);
  return 0;
}
