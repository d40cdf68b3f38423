/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-magnet"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-magnet.h"

G_DEFINE_BOXED_TYPE (BtMagnet, bt_magnet, bt_magnet_copy, bt_magnet_free)

/* Auxiliary functions */

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* RFC 4648 base32, as some old links spell the info-hash. */
static int
base32_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

static gboolean
decode_hex (const char *text,
            gsize       length,
            guint8     *out)
{
  if (length % 2 != 0)
    return FALSE;
  for (gsize i = 0; i < length; i += 2)
    {
      int hi = hex_value (text[i]), lo = hex_value (text[i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i / 2] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static gboolean
decode_base32_hash (const char *text,
                    guint8     *out)
{
  guint64 bits = 0;
  guint n_bits = 0, n_out = 0;

  for (gsize i = 0; i < 32; i++)
    {
      int v = base32_value (text[i]);

      if (v < 0)
        return FALSE;
      bits = bits << 5 | (guint) v;
      n_bits += 5;
      if (n_bits >= 8)
        {
          n_bits -= 8;
          out[n_out++] = (guint8) (bits >> n_bits);
        }
    }
  return n_out == 20;
}

/* Decodes %XX escapes; with @plus_is_space, '+' too (as browsers encode
 * the spaces of a display name). Refuses bad escapes and NUL. */
static char *
percent_decode (const char *text,
                gsize       length,
                gboolean    plus_is_space,
                GError    **error)
{
  g_autofree char *out = g_malloc (length + 1);
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (c == '%')
        {
          int hi = i + 2 < length ? hex_value (text[i + 1]) : -1;
          int lo = i + 2 < length ? hex_value (text[i + 2]) : -1;

          if (hi < 0 || lo < 0)
            {
              g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                           ("This magnet link has a broken %%-escape; "
                             "copy the whole link again"));
              return NULL;
            }
          c = (char) (hi << 4 | lo);
          i += 2;
          if (c == '\0')
            {
              g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                           ("This magnet link contains a NUL character (%%00)"));
              return NULL;
            }
        }
      else if (c == '+' && plus_is_space)
        c = ' ';
      out[n++] = c;
    }
  out[n] = '\0';
  return g_steal_pointer (&out);
}

/* A name to show: valid UTF-8, control characters as spaces, so it cannot
 * reach a terminal as an escape sequence. */
static char *
clean_text (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (out, ' ');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static gboolean
str_ptr_array_contains (GPtrArray  *array,
                        const char *text)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), text))
      return TRUE;
  return FALSE;
}

/* A URL we can keep: absolute, printable, no spaces. Whether we can talk
 * to it is the announcer's business. */
static gboolean
url_is_acceptable (const char *url)
{
  for (const char *p = url; *p != '\0'; p++)
    if ((guchar) *p <= ' ' || *p == 0x7f)
      return FALSE;
  return g_utf8_validate (url, -1, NULL) && g_uri_is_valid (url, G_URI_FLAGS_NONE, NULL);
}

static gboolean
parse_port (const char *text,
            guint16    *out_port)
{
  guint64 port = 0;

  if (*text == '\0' || strlen (text) > 5)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      port = port * 10 + (guint) (*p - '0');
    }
  if (port == 0 || port > G_MAXUINT16)
    return FALSE;
  *out_port = (guint16) port;
  return TRUE;
}

static gboolean
hostname_is_acceptable (const char *host)
{
  gsize length = strlen (host);

  if (length == 0 || length > 253)
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

/* x.pe: "1.2.3.4:5", "[::1]:5" or "host.example:5". */
static gboolean
add_peer (BtMagnet    *magnet,
          const char  *value,
          GError     **error)
{
  g_autofree char *host = NULL;
  const char *colon;
  guint16 port = 0;

  if (value[0] == '[')
    {
      const char *close = strchr (value, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      host = g_strndup (value + 1, close - value - 1);
      colon = close + 1;
      if (!g_hostname_is_ip_address (host) || strchr (host, ':') == NULL)
        goto bad;
    }
  else
    {
      colon = strrchr (value, ':');
      if (colon == NULL)
        goto bad;
      host = g_strndup (value, colon - value);
      if (strchr (host, ':') != NULL)
        goto bad;
    }
  if (!parse_port (colon + 1, &port))
    goto bad;

  if (magnet->peers->len + magnet->peer_hosts->len >= BT_MAGNET_MAX_PEERS)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_LIMIT,
                   ("This magnet link lists more than %u peers (x.pe)"),
                   (guint) BT_MAGNET_MAX_PEERS);
      return FALSE;
    }

  {
    g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

    if (address != NULL)
      {
        g_ptr_array_add (magnet->peers, g_inet_socket_address_new (address, port));
        return TRUE;
      }
  }
  if (!hostname_is_acceptable (host))
    goto bad;
  g_ptr_array_add (magnet->peer_hosts, g_strdup_printf ("%s:%u", host, port));
  return TRUE;

bad:
  {
    g_autofree char *shown = clean_text (value);

    g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                 ("This magnet link has a peer address that cannot be read: “%s” "
                   "(expected host:port, or [IPv6 address]:port)"), shown);
  }
  return FALSE;
}

/* xt: returns FALSE only on a malformed btih. */
static gboolean
parse_exact_topic (BtMagnet    *magnet,
                   const char  *value,
                   gboolean    *has_v1,
                   GError     **error)
{
  if (g_ascii_strncasecmp (value, "urn:btih:", 9) == 0)
    {
      const char *hash = value + 9;
      gsize length = strlen (hash);
      guint8 digest[20];

      if (!((length == 40 && decode_hex (hash, 40, digest))
            || (length == 32 && decode_base32_hash (hash, digest))))
        {
          g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                       ("The info-hash of this magnet link is damaged: expected 40 hexadecimal "
                         "or 32 base32 characters after “urn:btih:”, found %" G_GSIZE_FORMAT
                         " characters"), length);
          return FALSE;
        }
      if (*has_v1 && memcmp (digest, magnet->info_hash, 20) != 0)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                       ("This magnet link names two different torrents (two urn:btih: "
                         "info-hashes); add them one at a time"));
          return FALSE;
        }
      memcpy (magnet->info_hash, digest, 20);
      *has_v1 = TRUE;
    }
  else if (g_ascii_strncasecmp (value, "urn:btmh:", 9) == 0)
    {
      /* A SHA-256 multihash: "1220" then 64 hex digits. Checked only so
       * that a damaged one is reported as damaged. */
      const char *hash = value + 9;
      guint8 digest[34];

      if (strlen (hash) != 68 || !decode_hex (hash, 68, digest)
          || digest[0] != 0x12 || digest[1] != 0x20)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                       ("The v2 info-hash (urn:btmh:) of this magnet link is damaged"));
          return FALSE;
        }
      magnet->has_v2_hash = TRUE;
    }
  /* Other URNs (ed2k, sha1, ...) are for other networks. */
  return TRUE;
}

/* "tr", "tr.1", "tr.12": a key with an optional numeric suffix. */
static gboolean
key_is (const char *key,
        const char *name)
{
  gsize n = strlen (name);

  if (strncmp (key, name, n) != 0)
    return FALSE;
  if (key[n] == '\0')
    return TRUE;
  if (key[n] != '.' || key[n + 1] == '\0')
    return FALSE;
  for (const char *p = key + n + 1; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static gboolean
parse_param (BtMagnet    *magnet,
             const char  *key,
             const char  *raw_value,
             gsize        raw_length,
             gboolean    *has_v1,
             GError     **error)
{
  g_autofree char *value = NULL;
  gboolean is_name = key_is (key, "dn");

  value = percent_decode (raw_value, raw_length, is_name, error);
  if (value == NULL)
    return FALSE;

  if (key_is (key, "xt"))
    return parse_exact_topic (magnet, value, has_v1, error);

  if (is_name)
    {
      if (magnet->name == NULL && value[0] != '\0')
        {
          if (strlen (value) > BT_MAGNET_MAX_NAME)
            {
              g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_LIMIT,
                           ("The name (dn) in this magnet link is longer than %u bytes"),
                           (guint) BT_MAGNET_MAX_NAME);
              return FALSE;
            }
          magnet->name = clean_text (value);
        }
      return TRUE;
    }

  if (key_is (key, "tr") || key_is (key, "ws"))
    {
      gboolean tracker = key[0] == 't';
      GPtrArray *list = tracker ? magnet->trackers : magnet->web_seeds;
      guint max = tracker ? BT_MAGNET_MAX_TRACKERS : BT_MAGNET_MAX_WEB_SEEDS;

      /* Junk here does not stop the download: the info-hash is enough. */
      if (!url_is_acceptable (value))
        {
          g_debug ("Ignoring the malformed URL in %s of a magnet link", key);
          return TRUE;
        }
      if (str_ptr_array_contains (list, value))
        return TRUE;
      if (list->len >= max)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_LIMIT,
                       tracker ? ("This magnet link lists more than %u trackers (tr)")
                               : ("This magnet link lists more than %u web seeds (ws)"),
                       max);
          return FALSE;
        }
      g_ptr_array_add (list, g_steal_pointer (&value));
      return TRUE;
    }

  if (key_is (key, "x.pe"))
    return add_peer (magnet, value, error);

  if (key_is (key, "xl"))
    {
      guint64 length = 0;

      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &length, NULL))
        {
          g_autofree char *shown = clean_text (value);

          g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                       ("The length (xl) in this magnet link is not a number of bytes: “%s”"),
                       shown);
          return FALSE;
        }
      magnet->length = length;
      return TRUE;
    }

  return TRUE;
}

/* Public API */

/**
 * bt_magnet_new:
 * @info_hash: 20 bytes
 *
 * Returns: (transfer full): a magnet for @info_hash with nothing else.
 */
BtMagnet *
bt_magnet_new (const guint8 *info_hash)
{
  BtMagnet *magnet;

  g_return_val_if_fail (info_hash != NULL, NULL);

  magnet = g_new0 (BtMagnet, 1);
  memcpy (magnet->info_hash, info_hash, 20);
  magnet->trackers = g_ptr_array_new_with_free_func (g_free);
  magnet->web_seeds = g_ptr_array_new_with_free_func (g_free);
  magnet->peers = g_ptr_array_new_with_free_func (g_object_unref);
  magnet->peer_hosts = g_ptr_array_new_with_free_func (g_free);
  return magnet;
}

void
bt_magnet_free (BtMagnet *magnet)
{
  if (magnet == NULL)
    return;
  g_free (magnet->name);
  g_ptr_array_unref (magnet->trackers);
  g_ptr_array_unref (magnet->web_seeds);
  g_ptr_array_unref (magnet->peers);
  g_ptr_array_unref (magnet->peer_hosts);
  g_free (magnet);
}

BtMagnet *
bt_magnet_copy (const BtMagnet *magnet)
{
  BtMagnet *copy;

  g_return_val_if_fail (magnet != NULL, NULL);

  copy = bt_magnet_new (magnet->info_hash);
  copy->name = g_strdup (magnet->name);
  copy->length = magnet->length;
  copy->has_v2_hash = magnet->has_v2_hash;
  for (guint i = 0; i < magnet->trackers->len; i++)
    g_ptr_array_add (copy->trackers, g_strdup (g_ptr_array_index (magnet->trackers, i)));
  for (guint i = 0; i < magnet->web_seeds->len; i++)
    g_ptr_array_add (copy->web_seeds, g_strdup (g_ptr_array_index (magnet->web_seeds, i)));
  for (guint i = 0; i < magnet->peers->len; i++)
    g_ptr_array_add (copy->peers, g_object_ref (g_ptr_array_index (magnet->peers, i)));
  for (guint i = 0; i < magnet->peer_hosts->len; i++)
    g_ptr_array_add (copy->peer_hosts, g_strdup (g_ptr_array_index (magnet->peer_hosts, i)));
  return copy;
}

/**
 * bt_magnet_is_magnet:
 * @text: any text
 *
 * Returns: whether @text starts like a magnet link (to choose between a
 *   path and a link; bt_magnet_parse() says whether it is a good one).
 */
gboolean
bt_magnet_is_magnet (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  return g_ascii_strncasecmp (text, "magnet:", 7) == 0;
}

/**
 * bt_magnet_parse:
 * @uri: a "magnet:?..." link
 * @error: return location for a #GError
 *
 * Reads a magnet link. It must carry a v1 info-hash (xt=urn:btih:, in hex
 * or base32); dn, xl, tr, ws and x.pe are read, other parameters ignored.
 * Malformed tracker and web seed URLs are skipped; any other damage, or
 * more trackers, web seeds or peers than bt-limits.h allows, is an error.
 *
 * Returns: (transfer full): the magnet, or %NULL with @error set.
 */
BtMagnet *
bt_magnet_parse (const char  *uri,
                 GError     **error)
{
  g_autoptr(BtMagnet) magnet = NULL;
  guint8 zero[20] = { 0 };
  gboolean has_v1 = FALSE;
  const char *p;
  gsize length;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  length = strlen (uri);
  if (length > BT_MAGNET_MAX_LENGTH)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_LIMIT,
                   ("This magnet link is %" G_GSIZE_FORMAT " bytes long, more than the "
                     "%u bytes bTorrent reads"), length, (guint) BT_MAGNET_MAX_LENGTH);
      return NULL;
    }
  if (!bt_magnet_is_magnet (uri))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                   ("This is not a magnet link: it does not start with “magnet:”"));
      return NULL;
    }

  magnet = bt_magnet_new (zero);
  p = uri + 7;
  if (*p == '?')
    p++;

  while (*p != '\0')
    {
      const char *end = strchr (p, '&');
      const char *eq;
      g_autofree char *key = NULL;

      if (end == NULL)
        end = p + strlen (p);
      eq = memchr (p, '=', end - p);
      if (eq != NULL && eq > p)
        {
          key = g_ascii_strdown (p, eq - p);
          if (!parse_param (magnet, key, eq + 1, end - eq - 1, &has_v1, error))
            return NULL;
        }
      p = *end == '&' ? end + 1 : end;
    }

  if (!has_v1)
    {
      if (magnet->has_v2_hash)
        g_set_error (error, BT_ERROR, BT_ERROR_METAINFO_UNSUPPORTED,
                     ("This magnet link has only a BitTorrent v2 info-hash (urn:btmh:), "
                       "which bTorrent does not support yet; look for a link with "
                       "xt=urn:btih:…"));
      else
        g_set_error (error, BT_ERROR, BT_ERROR_MAGNET_INVALID,
                     ("This magnet link has no info-hash (xt=urn:btih:…); "
                       "check that the whole link was copied"));
      return NULL;
    }

  return g_steal_pointer (&magnet);
}

static void
append_param (GString    *out,
              const char *key,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_printf (out, "&%s=%s", key, escaped);
}

/**
 * bt_magnet_to_string:
 * @magnet: a magnet
 *
 * Formats @magnet canonically: lowercase hex info-hash first, then dn, xl,
 * tr, ws and x.pe, every value %-escaped except unreserved characters.
 * Parsing the result gives @magnet back.
 *
 * Returns: (transfer full): the link.
 */
char *
bt_magnet_to_string (const BtMagnet *magnet)
{
  GString *out;

  g_return_val_if_fail (magnet != NULL, NULL);

  out = g_string_new ("magnet:?xt=urn:btih:");
  for (guint i = 0; i < 20; i++)
    g_string_append_printf (out, "%02x", magnet->info_hash[i]);
  if (magnet->name != NULL && magnet->name[0] != '\0')
    append_param (out, "dn", magnet->name);
  if (magnet->length > 0)
    g_string_append_printf (out, "&xl=%" G_GUINT64_FORMAT, magnet->length);
  for (guint i = 0; i < magnet->trackers->len; i++)
    append_param (out, "tr", g_ptr_array_index (magnet->trackers, i));
  for (guint i = 0; i < magnet->web_seeds->len; i++)
    append_param (out, "ws", g_ptr_array_index (magnet->web_seeds, i));
  for (guint i = 0; i < magnet->peers->len; i++)
    {
      GInetSocketAddress *peer = g_ptr_array_index (magnet->peers, i);
      GInetAddress *address = g_inet_socket_address_get_address (peer);
      g_autofree char *ip = g_inet_address_to_string (address);
      g_autofree char *text = NULL;

      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        text = g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (peer));
      else
        text = g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (peer));
      append_param (out, "x.pe", text);
    }
  for (guint i = 0; i < magnet->peer_hosts->len; i++)
    append_param (out, "x.pe", g_ptr_array_index (magnet->peer_hosts, i));
  return g_string_free (out, FALSE);
}
