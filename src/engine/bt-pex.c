/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-pex"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-pex.h"

struct _BtPexState
{
  GHashTable *sent;          /* address key → GInetSocketAddress we told of */
  gint64      last_sent_us;  /* 0: nothing sent yet */
  gint64      last_received_us;
};

#define PEX_STATE_KEY "bt-pex-state"

static const guint8 ipv4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static const BtBencodeLimits pex_limits = {
  .max_size = BT_WIRE_MAX_EXTENDED_LENGTH,
  .max_depth = BT_PEX_MAX_DEPTH,
  .max_elements = BT_PEX_MAX_ELEMENTS,
};

/* Auxiliary functions */

static char *
address_key (GInetSocketAddress *address)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  return g_strdup_printf ("%s#%u", ip, g_inet_socket_address_get_port (address));
}

/* Appends @address compactly to the IPv4 or IPv6 list: 4 or 16 bytes of
 * address, then the port in network order. Returns which list it went to
 * (4 or 6), 0 for an address neither can hold. */
static int
append_compact (GByteArray         *v4,
                GByteArray         *v6,
                GInetSocketAddress *address)
{
  GInetAddress *ip = g_inet_socket_address_get_address (address);
  const guint8 *bytes = g_inet_address_to_bytes (ip);
  guint16 port = g_inet_socket_address_get_port (address);
  guint8 port_bytes[2] = { port >> 8, port & 0xff };

  if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV4)
    {
      g_byte_array_append (v4, bytes, 4);
      g_byte_array_append (v4, port_bytes, 2);
      return 4;
    }
  if (memcmp (bytes, ipv4_mapped_prefix, 12) == 0)
    {
      g_byte_array_append (v4, bytes + 12, 4);
      g_byte_array_append (v4, port_bytes, 2);
      return 4;
    }
  g_byte_array_append (v6, bytes, 16);
  g_byte_array_append (v6, port_bytes, 2);
  return 6;
}

static void
set_bytes (BtBencode  *dict,
           const char *key,
           GByteArray *bytes)
{
  if (bytes->len > 0)
    bt_bencode_dict_set (dict, key, bt_bencode_new_string_len (bytes->data, bytes->len));
}

/* Reads a compact list: @entry_size is 6 (IPv4) or 18 (IPv6). */
static gboolean
parse_compact (BtBencode   *dict,
               const char  *key,
               gsize        entry_size,
               const char  *flags_key,
               GPtrArray   *out,
               gboolean     with_flags,
               GError     **error)
{
  BtBencode *list = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_STRING);
  BtBencode *flags_value = flags_key != NULL
                           ? bt_bencode_dict_lookup_type (dict, flags_key, BT_BENCODE_STRING)
                           : NULL;
  const guint8 *data;
  const guint8 *flags = NULL;
  gsize length;
  gsize flags_length = 0;

  if (list == NULL)
    return TRUE;
  data = bt_bencode_get_string (list, &length);
  if (length % entry_size != 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The peer exchange list “%s” has %" G_GSIZE_FORMAT " bytes, not a multiple "
                   "of %" G_GSIZE_FORMAT, key, length, entry_size);
      return FALSE;
    }
  if (flags_value != NULL)
    flags = bt_bencode_get_string (flags_value, &flags_length);

  for (gsize i = 0; i < length / entry_size && out->len < BT_PEX_MAX_PARSED; i++)
    {
      const guint8 *entry = data + i * entry_size;
      gsize ip_length = entry_size - 2;
      guint16 port = (guint16) (entry[ip_length] << 8 | entry[ip_length + 1]);
      g_autoptr(GInetAddress) ip = NULL;
      g_autoptr(GSocketAddress) address = NULL;

      /* An IPv4-mapped entry in an IPv6 list is an IPv4 peer: read it as
       * one, so that it is checked and written back as one. */
      if (ip_length == 16 && memcmp (entry, ipv4_mapped_prefix, 12) == 0)
        ip = g_inet_address_new_from_bytes (entry + 12, G_SOCKET_FAMILY_IPV4);
      else
        ip = g_inet_address_new_from_bytes (entry, ip_length == 4 ? G_SOCKET_FAMILY_IPV4
                                                                  : G_SOCKET_FAMILY_IPV6);
      /* Nobody can be dialled there: not worth a slot in the list. */
      if (port == 0 || g_inet_address_get_is_any (ip) || g_inet_address_get_is_multicast (ip))
        continue;
      address = g_inet_socket_address_new (ip, port);
      if (with_flags)
        g_ptr_array_add (out, bt_pex_peer_new (G_INET_SOCKET_ADDRESS (address),
                                               i < flags_length ? flags[i] : 0));
      else
        g_ptr_array_add (out, g_steal_pointer (&address));
    }
  return TRUE;
}

/* Codec */

/**
 * bt_pex_peer_new:
 *
 * Returns: (transfer full): a peer entry holding a reference to @address
 */
BtPexPeer *
bt_pex_peer_new (GInetSocketAddress *address,
                 guint8              flags)
{
  BtPexPeer *peer;

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), NULL);

  peer = g_new0 (BtPexPeer, 1);
  peer->address = g_object_ref (address);
  peer->flags = flags;
  return peer;
}

void
bt_pex_peer_free (BtPexPeer *peer)
{
  if (peer == NULL)
    return;
  g_clear_object (&peer->address);
  g_free (peer);
}

/**
 * bt_pex_message_new:
 *
 * Returns: (transfer full): a message with empty lists
 */
BtPexMessage *
bt_pex_message_new (void)
{
  BtPexMessage *message = g_new0 (BtPexMessage, 1);

  message->added = g_ptr_array_new_with_free_func ((GDestroyNotify) bt_pex_peer_free);
  message->dropped = g_ptr_array_new_with_free_func (g_object_unref);
  return message;
}

void
bt_pex_message_free (BtPexMessage *message)
{
  if (message == NULL)
    return;
  g_ptr_array_unref (message->added);
  g_ptr_array_unref (message->dropped);
  g_free (message);
}

/**
 * bt_pex_parse:
 * @payload: (array length=length): a ut_pex message's payload
 * @error: %BT_ERROR_WIRE_PROTOCOL when it is not a PEX message
 *
 * Reads "added" with "added.f", "added6" with "added6.f", "dropped" and
 * "dropped6". Entries past %BT_PEX_MAX_PARSED per list, and entries with
 * port 0 or an unusable address, are left out; a missing flags byte reads
 * as 0.
 *
 * Returns: (transfer full) (nullable): the message
 */
BtPexMessage *
bt_pex_parse (const guint8  *payload,
              gsize          length,
              GError       **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtBencode) dict = NULL;
  g_autoptr(BtPexMessage) message = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (payload != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = g_bytes_new_static (payload, length);
  dict = bt_bencode_decode (bytes, &pex_limits, &local_error);
  if (dict == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The peer exchange message is not valid bencode: %s", local_error->message);
      return NULL;
    }
  if (!bt_bencode_is_type (dict, BT_BENCODE_DICT))
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                           "The peer exchange message is not a dictionary");
      return NULL;
    }

  message = bt_pex_message_new ();
  if (!parse_compact (dict, "added", 6, "added.f", message->added, TRUE, error)
      || !parse_compact (dict, "added6", 18, "added6.f", message->added, TRUE, error)
      || !parse_compact (dict, "dropped", 6, NULL, message->dropped, FALSE, error)
      || !parse_compact (dict, "dropped6", 18, NULL, message->dropped, FALSE, error))
    return NULL;
  return g_steal_pointer (&message);
}

/**
 * bt_pex_build:
 *
 * Encodes @message, IPv4 and IPv6 addresses in their own lists. Empty
 * lists are left out. The caller keeps to BEP 11's 50 + 50 entries.
 *
 * Returns: (transfer full): the payload
 */
GBytes *
bt_pex_build (const BtPexMessage *message)
{
  g_autoptr(BtBencode) dict = bt_bencode_new_dict ();
  g_autoptr(GByteArray) added = g_byte_array_new ();
  g_autoptr(GByteArray) added_f = g_byte_array_new ();
  g_autoptr(GByteArray) added6 = g_byte_array_new ();
  g_autoptr(GByteArray) added6_f = g_byte_array_new ();
  g_autoptr(GByteArray) dropped = g_byte_array_new ();
  g_autoptr(GByteArray) dropped6 = g_byte_array_new ();

  g_return_val_if_fail (message != NULL, NULL);

  for (guint i = 0; i < message->added->len; i++)
    {
      BtPexPeer *peer = g_ptr_array_index (message->added, i);

      if (append_compact (added, added6, peer->address) == 4)
        g_byte_array_append (added_f, &peer->flags, 1);
      else
        g_byte_array_append (added6_f, &peer->flags, 1);
    }
  for (guint i = 0; i < message->dropped->len; i++)
    append_compact (dropped, dropped6, g_ptr_array_index (message->dropped, i));

  set_bytes (dict, "added", added);
  set_bytes (dict, "added.f", added_f);
  set_bytes (dict, "added6", added6);
  set_bytes (dict, "added6.f", added6_f);
  set_bytes (dict, "dropped", dropped);
  set_bytes (dict, "dropped6", dropped6);
  return bt_bencode_encode (dict);
}

/* Per-peer state */

/**
 * bt_pex_state_new:
 *
 * Returns: (transfer full): what we told one peer: nothing yet
 */
BtPexState *
bt_pex_state_new (void)
{
  BtPexState *self = g_new0 (BtPexState, 1);

  self->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  return self;
}

void
bt_pex_state_free (BtPexState *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->sent);
  g_free (self);
}

/**
 * bt_pex_state_update:
 * @current: (element-type BtPexPeer): the peers we are connected to now,
 *   without the one this state is for
 * @now_us: monotonic time
 *
 * The next message for one peer: the peers of @current it has not been
 * told of, and those it was told of that are gone, at most
 * %BT_PEX_MAX_ADDED and %BT_PEX_MAX_DROPPED (the rest go in later
 * messages). Nothing within %BT_PEX_INTERVAL_S of the previous message,
 * and nothing when nothing changed.
 *
 * Returns: (transfer full) (nullable): the payload to send, or %NULL
 */
GBytes *
bt_pex_state_update (BtPexState *self,
                     GPtrArray  *current,
                     gint64      now_us)
{
  g_autoptr(BtPexMessage) message = NULL;
  g_autoptr(GHashTable) now_keys = NULL;
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (current != NULL, NULL);

  if (self->last_sent_us != 0 && now_us - self->last_sent_us < BT_PEX_INTERVAL_S * G_USEC_PER_SEC)
    return NULL;

  message = bt_pex_message_new ();
  now_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < current->len; i++)
    {
      BtPexPeer *peer = g_ptr_array_index (current, i);
      char *peer_key = address_key (peer->address);

      if (!g_hash_table_contains (self->sent, peer_key)
          && !g_hash_table_contains (now_keys, peer_key)
          && message->added->len < BT_PEX_MAX_ADDED)
        {
          g_ptr_array_add (message->added, bt_pex_peer_new (peer->address, peer->flags));
          g_hash_table_insert (self->sent, g_strdup (peer_key), g_object_ref (peer->address));
        }
      g_hash_table_add (now_keys, peer_key);
    }

  g_hash_table_iter_init (&iter, self->sent);
  while (g_hash_table_iter_next (&iter, &key, &value)
         && message->dropped->len < BT_PEX_MAX_DROPPED)
    {
      if (g_hash_table_contains (now_keys, key))
        continue;
      g_ptr_array_add (message->dropped, g_object_ref (value));
      g_hash_table_iter_remove (&iter);
    }

  if (message->added->len == 0 && message->dropped->len == 0)
    return NULL;
  self->last_sent_us = now_us;
  return bt_pex_build (message);
}

/**
 * bt_pex_state_accept:
 *
 * Returns: whether a message arriving from the peer at @now_us is to be
 *   read: %FALSE within %BT_PEX_MIN_RECEIVE_INTERVAL_S of the last one
 *   read, as BEP 11 allows one a minute
 */
gboolean
bt_pex_state_accept (BtPexState *self,
                     gint64      now_us)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->last_received_us != 0
      && now_us - self->last_received_us < BT_PEX_MIN_RECEIVE_INTERVAL_S * G_USEC_PER_SEC)
    return FALSE;
  self->last_received_us = now_us;
  return TRUE;
}

/* The torrent's side */

/* Where @peer takes connections: the address we dialled, or for one that
 * dialled us, its address with the port of its extended handshake. */
static GInetSocketAddress *
dup_listen_address (BtPeer *peer)
{
  const BtExtensionHandshake *extensions;
  GInetSocketAddress *address = bt_peer_get_address (peer);

  if (!bt_peer_is_incoming (peer))
    return g_object_ref (address);
  extensions = bt_peer_get_extensions (peer);
  if (extensions == NULL || extensions->port == 0)
    return NULL;
  return G_INET_SOCKET_ADDRESS (
    g_inet_socket_address_new (g_inet_socket_address_get_address (address), extensions->port));
}

static BtPexState *
peer_state (BtPeer *peer)
{
  BtPexState *state = g_object_get_data (G_OBJECT (peer), PEX_STATE_KEY);

  if (state == NULL)
    {
      state = bt_pex_state_new ();
      g_object_set_data_full (G_OBJECT (peer), PEX_STATE_KEY, state,
                              (GDestroyNotify) bt_pex_state_free);
    }
  return state;
}

/**
 * bt_pex_collect:
 * @peers: (element-type BtPeer): a torrent's connections
 *
 * Returns: (transfer full) (element-type BtPexPeer): the peers worth
 *   telling others about: handshaked, open, and with a known listening
 *   address; flagged as seeds and as reachable (we dialled them) where so
 */
GPtrArray *
bt_pex_collect (GPtrArray *peers)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) bt_pex_peer_free);

  g_return_val_if_fail (peers != NULL, out);

  for (guint i = 0; i < peers->len; i++)
    {
      BtPeer *peer = g_ptr_array_index (peers, i);
      g_autoptr(GInetSocketAddress) address = NULL;
      const BtBitfield *have;
      guint8 flags = 0;

      if (!bt_peer_is_handshaked (peer) || bt_peer_is_closed (peer))
        continue;
      address = dup_listen_address (peer);
      if (address == NULL)
        continue;
      have = bt_peer_get_have (peer);
      if (bt_bitfield_get_size (have) > 0 && bt_bitfield_is_complete (have))
        flags |= BT_PEX_FLAG_SEED;
      if (!bt_peer_is_incoming (peer))
        flags |= BT_PEX_FLAG_REACHABLE;
      g_ptr_array_add (out, bt_pex_peer_new (address, flags));
    }
  return out;
}

/**
 * bt_pex_send:
 * @current: (element-type BtPexPeer): from bt_pex_collect()
 *
 * Tells @peer what changed among @current (leaving @peer itself out),
 * if it speaks ut_pex and its minute has passed. Call about once a second.
 */
void
bt_pex_send (BtPeer    *peer,
             GPtrArray *current,
             gint64     now_us)
{
  g_autoptr(GPtrArray) others = NULL;
  g_autoptr(GInetSocketAddress) own = NULL;
  g_autofree char *own_key = NULL;
  g_autoptr(GBytes) payload = NULL;

  g_return_if_fail (BT_IS_PEER (peer));
  g_return_if_fail (current != NULL);

  if (bt_peer_is_closed (peer) || !bt_peer_supports_extension (peer, BT_EXTENSION_UT_PEX))
    return;

  own = dup_listen_address (peer);
  own_key = own != NULL ? address_key (own) : NULL;
  others = g_ptr_array_new ();
  for (guint i = 0; i < current->len; i++)
    {
      BtPexPeer *entry = g_ptr_array_index (current, i);
      g_autofree char *key = own_key != NULL ? address_key (entry->address) : NULL;

      if (own_key == NULL || g_strcmp0 (key, own_key) != 0)
        g_ptr_array_add (others, entry);
    }

  payload = bt_pex_state_update (peer_state (peer), others, now_us);
  if (payload != NULL)
    bt_peer_send_extended (peer, BT_EXTENSION_UT_PEX, g_bytes_get_data (payload, NULL),
                           g_bytes_get_size (payload));
}

/**
 * bt_pex_receive:
 * @payload: (array length=length): a ut_pex message from @peer
 *
 * Reads a PEX message. One that comes too soon after the previous is
 * ignored; a malformed one closes @peer.
 *
 * Returns: (transfer full) (nullable) (element-type GInetSocketAddress):
 *   the addresses to add to the torrent's known peers, or %NULL
 */
GPtrArray *
bt_pex_receive (BtPeer       *peer,
                const guint8 *payload,
                gsize         length,
                gint64        now_us)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtPexMessage) message = NULL;
  GPtrArray *out;

  g_return_val_if_fail (BT_IS_PEER (peer), NULL);

  if (!bt_pex_state_accept (peer_state (peer), now_us))
    {
      g_debug ("%s sends peer exchange too often; ignored", bt_peer_get_address_string (peer));
      return NULL;
    }
  message = bt_pex_parse (payload, length, &error);
  if (message == NULL)
    {
      g_prefix_error (&error, "%s: ", bt_peer_get_address_string (peer));
      bt_peer_close (peer, error);
      return NULL;
    }
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < message->added->len; i++)
    g_ptr_array_add (out, g_object_ref (((BtPexPeer *) g_ptr_array_index (message->added, i))->address));
  return out;
}
