/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-extension"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-extension.h"
#include "bt-limits.h"

/* Names as BEP 9 and BEP 11 spell them; index is the BtExtension. */
static const char * const extension_names[BT_EXTENSION_N] = {
  [BT_EXTENSION_HANDSHAKE] = NULL,
  [BT_EXTENSION_UT_METADATA] = "ut_metadata",
  [BT_EXTENSION_UT_PEX] = "ut_pex",
};

static const BtBencodeLimits handshake_limits = {
  .max_size = BT_WIRE_MAX_EXTENDED_LENGTH,
  .max_depth = BT_EXTENSION_MAX_DEPTH,
  .max_elements = BT_EXTENSION_MAX_ELEMENTS,
};

/**
 * bt_extension_get_name:
 *
 * Returns: (nullable): the name @extension has in "m", %NULL for
 *   %BT_EXTENSION_HANDSHAKE
 */
const char *
bt_extension_get_name (BtExtension extension)
{
  g_return_val_if_fail (extension < BT_EXTENSION_N, NULL);
  return extension_names[extension];
}

/**
 * bt_extension_from_name:
 *
 * Returns: the extension a key of "m" names, or %BT_EXTENSION_HANDSHAKE
 *   for one we do not speak
 */
BtExtension
bt_extension_from_name (const guint8 *name,
                        gsize         length)
{
  for (guint i = 1; i < BT_EXTENSION_N; i++)
    if (strlen (extension_names[i]) == length && memcmp (extension_names[i], name, length) == 0)
      return i;
  return BT_EXTENSION_HANDSHAKE;
}

BtExtensionHandshake *
bt_extension_handshake_new (void)
{
  return g_new0 (BtExtensionHandshake, 1);
}

BtExtensionHandshake *
bt_extension_handshake_copy (const BtExtensionHandshake *handshake)
{
  BtExtensionHandshake *copy;

  g_return_val_if_fail (handshake != NULL, NULL);

  copy = g_memdup2 (handshake, sizeof *handshake);
  copy->client = g_strdup (handshake->client);
  if (handshake->yourip != NULL)
    g_object_ref (handshake->yourip);
  return copy;
}

/**
 * bt_extension_handshake_clear:
 *
 * Frees what @handshake points to and zeroes it, for one on the stack.
 */
void
bt_extension_handshake_clear (BtExtensionHandshake *handshake)
{
  g_return_if_fail (handshake != NULL);

  g_free (handshake->client);
  g_clear_object (&handshake->yourip);
  memset (handshake, 0, sizeof *handshake);
}

void
bt_extension_handshake_free (BtExtensionHandshake *handshake)
{
  if (handshake == NULL)
    return;
  bt_extension_handshake_clear (handshake);
  g_free (handshake);
}

/**
 * bt_extension_handshake_build:
 *
 * Encodes @handshake as the payload of extended message 0. Only fields that
 * are set are written; "m" is always there, since BEP 10 requires it.
 *
 * Returns: (transfer full): the bencoded dictionary
 */
GBytes *
bt_extension_handshake_build (const BtExtensionHandshake *handshake)
{
  g_autoptr(BtBencode) dict = bt_bencode_new_dict ();
  BtBencode *m = bt_bencode_new_dict ();

  g_return_val_if_fail (handshake != NULL, NULL);

  for (guint i = 1; i < BT_EXTENSION_N; i++)
    if (handshake->ids[i] != 0)
      bt_bencode_dict_set (m, extension_names[i], bt_bencode_new_integer (handshake->ids[i]));
  bt_bencode_dict_set (dict, "m", m);
  if (handshake->metadata_size > 0)
    bt_bencode_dict_set (dict, "metadata_size", bt_bencode_new_integer (handshake->metadata_size));
  if (handshake->port != 0)
    bt_bencode_dict_set (dict, "p", bt_bencode_new_integer (handshake->port));
  if (handshake->reqq != 0)
    bt_bencode_dict_set (dict, "reqq", bt_bencode_new_integer (handshake->reqq));
  if (handshake->client != NULL)
    bt_bencode_dict_set (dict, "v", bt_bencode_new_string (handshake->client));
  if (handshake->yourip != NULL)
    {
      static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
      const guint8 *ip = g_inet_address_to_bytes (handshake->yourip);
      gsize ip_length = g_inet_address_get_native_size (handshake->yourip);

      /* An IPv4-mapped IPv6 address (a dual-stack socket) is an IPv4
       * peer, which BEP 10 gives 4 bytes. */
      if (ip_length == 16 && memcmp (ip, mapped, 12) == 0)
        {
          ip += 12;
          ip_length = 4;
        }
      bt_bencode_dict_set (dict, "yourip", bt_bencode_new_string_len (ip, ip_length));
    }
  return bt_bencode_encode (dict);
}

static gboolean
lookup_integer (BtBencode  *dict,
                const char *key,
                gint64      min,
                gint64      max,
                gint64     *out)
{
  BtBencode *value = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_INTEGER);

  if (value == NULL)
    return FALSE;
  *out = bt_bencode_get_integer (value);
  return *out >= min && *out <= max;
}

/**
 * bt_extension_handshake_parse:
 * @payload: (array length=length): extended message 0's payload
 * @inout: what we knew of the peer's handshake; updated in place
 * @error: %BT_ERROR_WIRE_PROTOCOL when @payload is not a bencoded
 *   dictionary
 *
 * Reads a peer's extended handshake. BEP 10 allows a handshake to be sent
 * again later: keys it carries replace what @inout held, an "m" entry of 0
 * turns that extension off, and what it leaves out stays. Values of the
 * wrong type or out of range are ignored rather than fatal: clients add
 * keys of their own, and a strange "reqq" is no reason to drop a peer.
 *
 * Returns: whether @payload was understood; @inout is unchanged if not
 */
gboolean
bt_extension_handshake_parse (const guint8          *payload,
                              gsize                  length,
                              BtExtensionHandshake  *inout,
                              GError               **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtBencode) dict = NULL;
  g_autoptr(GError) local_error = NULL;
  BtBencode *m;
  BtBencode *value;
  gint64 integer;

  g_return_val_if_fail (payload != NULL || length == 0, FALSE);
  g_return_val_if_fail (inout != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  bytes = g_bytes_new_static (payload, length);
  dict = bt_bencode_decode (bytes, &handshake_limits, &local_error);
  if (dict == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                   "The extension handshake is not valid bencode: %s", local_error->message);
      return FALSE;
    }
  if (!bt_bencode_is_type (dict, BT_BENCODE_DICT))
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                           "The extension handshake is not a dictionary");
      return FALSE;
    }

  m = bt_bencode_dict_lookup_type (dict, "m", BT_BENCODE_DICT);
  if (m != NULL)
    {
      for (guint i = 0; i < bt_bencode_get_length (m); i++)
        {
          gsize name_length;
          const guint8 *name = bt_bencode_get_string (bt_bencode_dict_get_key (m, i), &name_length);
          BtExtension extension = bt_extension_from_name (name, name_length);
          BtBencode *id = bt_bencode_dict_get_value (m, i);

          if (extension == BT_EXTENSION_HANDSHAKE || !bt_bencode_is_type (id, BT_BENCODE_INTEGER))
            continue;
          integer = bt_bencode_get_integer (id);
          /* Ids travel in one byte; anything else cannot be used. */
          inout->ids[extension] = integer > 0 && integer <= 255 ? (guint8) integer : 0;
        }
    }

  if (lookup_integer (dict, "p", 1, G_MAXUINT16, &integer))
    inout->port = (guint16) integer;
  if (lookup_integer (dict, "reqq", 1, G_MAXUINT32, &integer))
    inout->reqq = (guint32) integer;
  if (lookup_integer (dict, "metadata_size", 1, G_MAXINT64, &integer))
    inout->metadata_size = integer;

  value = bt_bencode_dict_lookup_type (dict, "v", BT_BENCODE_STRING);
  if (value != NULL)
    {
      gsize client_length;
      const char *client = (const char *) bt_bencode_get_string (value, &client_length);

      g_free (inout->client);
      client_length = MIN (client_length, BT_EXTENSION_MAX_CLIENT_LENGTH);
      inout->client = g_utf8_make_valid (client, client_length);
    }

  value = bt_bencode_dict_lookup_type (dict, "yourip", BT_BENCODE_STRING);
  if (value != NULL)
    {
      gsize ip_length;
      const guint8 *ip = bt_bencode_get_string (value, &ip_length);

      if (ip_length == 4 || ip_length == 16)
        {
          g_clear_object (&inout->yourip);
          inout->yourip = g_inet_address_new_from_bytes (ip, ip_length == 4 ? G_SOCKET_FAMILY_IPV4
                                                                            : G_SOCKET_FAMILY_IPV6);
        }
    }
  return TRUE;
}
