/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-lsd"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-lsd.h"
#include "bt-sha1.h"

typedef struct
{
  guint8  info_hash[20];
  guint16 listen_port;
  gint64  next_announce_us;
} Entry;

struct _BtLsd
{
  GObject             parent_instance;

  GSocket            *socket;
  GInetSocketAddress *destination;
  char               *host;          /* "group:port", for the Host header */
  char                cookie[17];
  GHashTable         *torrents;      /* info-hash hex → Entry */
  GSource            *receive_source;
  GSource            *timer_source;
  gint64              window_start_us;
  guint               window_count;
};

enum {
  PEER_FOUND,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BtLsd, bt_lsd, G_TYPE_OBJECT)

#define REQUEST_LINE "BT-SEARCH * HTTP/1.1"

/* Codec */

/**
 * bt_lsd_build_announce:
 * @host: "group:port" for the Host header
 * @info_hashes: (array length=n_info_hashes): 20 bytes each
 * @cookie: (nullable): ours, to recognise our own announces
 *
 * Returns: (transfer full): a BT-SEARCH datagram as BEP 14 writes it
 */
GBytes *
bt_lsd_build_announce (const char   *host,
                       guint16       listen_port,
                       const guint8 *info_hashes,
                       guint         n_info_hashes,
                       const char   *cookie)
{
  GString *out = g_string_new (REQUEST_LINE "\r\n");

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (info_hashes != NULL || n_info_hashes == 0, NULL);

  g_string_append_printf (out, "Host: %s\r\nPort: %u\r\n", host, listen_port);
  for (guint i = 0; i < n_info_hashes; i++)
    {
      g_autofree char *hex = bt_hex_encode (info_hashes + 20 * i, 20);

      g_string_append_printf (out, "Infohash: %s\r\n", hex);
    }
  if (cookie != NULL)
    g_string_append_printf (out, "cookie: %s\r\n", cookie);
  g_string_append (out, "\r\n\r\n");
  return g_string_free_to_bytes (out);
}

static gboolean
parse_hex_hash (const char *text,
                gsize       length,
                guint8      out[20])
{
  if (length != 40)
    return FALSE;
  for (guint i = 0; i < 20; i++)
    {
      int hi = g_ascii_xdigit_value (text[2 * i]);
      int lo = g_ascii_xdigit_value (text[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

/**
 * bt_lsd_parse_announce:
 * @listen_port: (out): the announcer's TCP port
 * @info_hashes: (out) (transfer full): 20-byte elements, at most
 *   %BT_LSD_MAX_INFOHASHES_PER_MESSAGE
 * @cookie: (out) (transfer full) (nullable): the cookie, if any
 * @error: %BT_ERROR_WIRE_PROTOCOL for anything that is not a BT-SEARCH
 *   with a port and at least one info-hash
 *
 * Reads one datagram. Header names are matched without regard to case;
 * lines may end in CRLF or LF; unknown headers are ignored.
 */
gboolean
bt_lsd_parse_announce (const guint8  *data,
                       gsize          length,
                       guint16       *listen_port,
                       GArray       **info_hashes,
                       char         **cookie,
                       GError       **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) hashes = g_array_new (FALSE, FALSE, 20);
  g_autofree char *found_cookie = NULL;
  guint64 port = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (listen_port != NULL && info_hashes != NULL && cookie != NULL, FALSE);

  if (length > BT_LSD_MAX_DATAGRAM || memchr (data, '\0', length) != NULL)
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                           "A local discovery message is too long or not text");
      return FALSE;
    }
  text = g_strndup ((const char *) data, length);
  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL || g_strcmp0 (g_strchomp (lines[0]), REQUEST_LINE) != 0)
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                           "Not a BT-SEARCH local discovery message");
      return FALSE;
    }
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *colon = strchr (line, ':');
      char *value;

      if (colon == NULL)
        continue;
      *colon = '\0';
      value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (line, "Port") == 0)
        {
          if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT16, &port, NULL))
            port = 0;
        }
      else if (g_ascii_strcasecmp (line, "Infohash") == 0)
        {
          guint8 hash[20];

          if (hashes->len < BT_LSD_MAX_INFOHASHES_PER_MESSAGE
              && parse_hex_hash (value, strlen (value), hash))
            g_array_append_vals (hashes, hash, 1);
        }
      else if (g_ascii_strcasecmp (line, "cookie") == 0 && found_cookie == NULL)
        found_cookie = g_strdup (value);
    }
  if (port == 0 || hashes->len == 0)
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                           "A local discovery message lacks a valid port or info-hash");
      return FALSE;
    }
  *listen_port = (guint16) port;
  *info_hashes = g_steal_pointer (&hashes);
  *cookie = g_steal_pointer (&found_cookie);
  return TRUE;
}

/* Auxiliary functions */

static void
announce (BtLsd *self,
          Entry *entry,
          gint64 now)
{
  g_autoptr(GBytes) datagram = bt_lsd_build_announce (self->host, entry->listen_port,
                                                      entry->info_hash, 1, self->cookie);
  g_autoptr(GError) error = NULL;

  entry->next_announce_us = now + (gint64) BT_LSD_ANNOUNCE_INTERVAL_S * G_USEC_PER_SEC;
  if (g_socket_send_to (self->socket, G_SOCKET_ADDRESS (self->destination),
                        g_bytes_get_data (datagram, NULL), g_bytes_get_size (datagram), NULL,
                        &error) < 0)
    g_debug ("Local discovery announce not sent: %s", error->message);
}

static gboolean
timer_cb (gpointer user_data)
{
  BtLsd *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Entry *entry;

  g_hash_table_iter_init (&iter, self->torrents);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->next_announce_us <= now)
      announce (self, entry, now);
  return G_SOURCE_CONTINUE;
}

static void
handle_datagram (BtLsd          *self,
                 const guint8   *data,
                 gsize           length,
                 GSocketAddress *from)
{
  g_autoptr(GArray) hashes = NULL;
  g_autofree char *cookie = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (from))
    return;
  if (!bt_lsd_parse_announce (data, length, &port, &hashes, &cookie, &error))
    {
      g_debug ("%s", error->message);
      return;
    }
  if (g_strcmp0 (cookie, self->cookie) == 0)
    return;

  for (guint i = 0; i < hashes->len; i++)
    {
      const guint8 *hash = &g_array_index (hashes, guint8, 20 * i);
      g_autofree char *hex = bt_hex_encode (hash, 20);
      g_autoptr(GBytes) hash_bytes = NULL;
      g_autoptr(GSocketAddress) peer = NULL;

      if (!g_hash_table_contains (self->torrents, hex))
        continue;
      hash_bytes = g_bytes_new (hash, 20);
      peer = g_inet_socket_address_new (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (from)), port);
      g_signal_emit (self, signals[PEER_FOUND], 0, hash_bytes, peer);
    }
}

static gboolean
receive_cb (GSocket      *socket,
            GIOCondition  condition,
            gpointer      user_data)
{
  BtLsd *self = user_data;
  guint8 buffer[BT_LSD_MAX_DATAGRAM + 1];
  gint64 now = g_get_monotonic_time ();

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;
      gssize n = g_socket_receive_from (socket, &from, (char *) buffer, sizeof buffer, NULL, NULL);

      if (n < 0)
        break;
      /* A flood from the LAN is read and dropped: each message can make
       * every torrent dial a peer. */
      if (now - self->window_start_us >= G_USEC_PER_SEC)
        {
          self->window_start_us = now;
          self->window_count = 0;
        }
      if (++self->window_count > BT_LSD_MAX_RECEIVED_PER_S)
        continue;
      handle_datagram (self, buffer, (gsize) n, from);
    }
  return G_SOURCE_CONTINUE;
}

/* GObject overrides */

static void
bt_lsd_dispose (GObject *object)
{
  BtLsd *self = (BtLsd *) object;

  if (self->receive_source != NULL)
    {
      g_source_destroy (self->receive_source);
      g_clear_pointer (&self->receive_source, g_source_unref);
    }
  if (self->timer_source != NULL)
    {
      g_source_destroy (self->timer_source);
      g_clear_pointer (&self->timer_source, g_source_unref);
    }
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (bt_lsd_parent_class)->dispose (object);
}

static void
bt_lsd_finalize (GObject *object)
{
  BtLsd *self = (BtLsd *) object;

  g_clear_object (&self->destination);
  g_free (self->host);
  g_hash_table_unref (self->torrents);

  G_OBJECT_CLASS (bt_lsd_parent_class)->finalize (object);
}

static void
bt_lsd_class_init (BtLsdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bt_lsd_dispose;
  object_class->finalize = bt_lsd_finalize;

  /**
   * BtLsd::peer-found:
   * @info_hash: (type GBytes): the 20-byte info-hash of a registered torrent
   * @address: where the peer listens
   *
   * Someone else on the LAN announced a torrent we registered.
   */
  signals[PEER_FOUND] = g_signal_new ("peer-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BYTES,
                                      G_TYPE_INET_SOCKET_ADDRESS);
}

static void
bt_lsd_init (BtLsd *self)
{
  self->torrents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_snprintf (self->cookie, sizeof self->cookie, "%08x%08x", g_random_int (), g_random_int ());
}

/* Public API */

/**
 * bt_lsd_new:
 * @config: (nullable): where to listen and send; %NULL for BEP 14's
 *   defaults
 * @error: %BT_ERROR_IO when the socket cannot be set up
 *
 * Returns: (transfer full) (nullable): a discovery service on the
 *   thread-default main context, announcing nothing yet
 */
BtLsd *
bt_lsd_new (const BtLsdConfig  *config,
            GError            **error)
{
  static const BtLsdConfig defaults = { 0 };
  g_autoptr(BtLsd) self = g_object_new (BT_TYPE_LSD, NULL);
  g_autoptr(GInetAddress) group = NULL;
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bind_address = NULL;
  g_autoptr(GError) local_error = NULL;
  struct ip_mreq membership = { 0 };
  struct in_addr interface = { .s_addr = htonl (INADDR_ANY) };
  const char *group_string;
  guint16 port;
  int fd;

  if (config == NULL)
    config = &defaults;
  group_string = config->group != NULL ? config->group : BT_LSD_GROUP;
  port = config->port != 0 ? config->port : BT_LSD_PORT;
  group = g_inet_address_new_from_string (group_string);
  if (group == NULL || g_inet_address_get_family (group) != G_SOCKET_FAMILY_IPV4
      || !g_inet_address_get_is_multicast (group)
      || (config->interface_address != NULL
          && inet_pton (AF_INET, config->interface_address, &interface) != 1))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_FAILED,
                   "Local discovery needs an IPv4 multicast group and interface address, not "
                   "“%s” and “%s”", group_string,
                   config->interface_address != NULL ? config->interface_address : "");
      return NULL;
    }

  self->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, &local_error);
  if (self->socket == NULL)
    goto fail;
  g_socket_set_blocking (self->socket, FALSE);
  bind_address = g_inet_socket_address_new (any, port);
  /* Other clients on this machine listen on the same port. */
  if (!g_socket_bind (self->socket, bind_address, TRUE, &local_error))
    goto fail;

  fd = g_socket_get_fd (self->socket);
  memcpy (&membership.imr_multiaddr, g_inet_address_to_bytes (group), 4);
  membership.imr_interface = interface;
  if (setsockopt (fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &membership, sizeof membership) != 0
      || setsockopt (fd, IPPROTO_IP, IP_MULTICAST_IF, &interface, sizeof interface) != 0)
    {
      int saved = errno;

      g_set_error (&local_error, G_IO_ERROR, g_io_error_from_errno (saved), "%s",
                   g_strerror (saved));
      goto fail;
    }
  /* Same-host clients hear us; the LAN and no further. */
  g_socket_set_multicast_loopback (self->socket, TRUE);
  g_socket_set_multicast_ttl (self->socket, 1);

  self->destination = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (group, port));
  self->host = g_strdup_printf ("%s:%u", group_string, port);

  self->receive_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->receive_source, G_SOURCE_FUNC (receive_cb), self, NULL);
  g_source_attach (self->receive_source, g_main_context_get_thread_default ());
  self->timer_source = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->timer_source, timer_cb, self, NULL);
  g_source_attach (self->timer_source, g_main_context_get_thread_default ());
  return g_steal_pointer (&self);

fail:
  g_set_error (error, BT_ERROR, BT_ERROR_IO,
               "Could not set up local peer discovery on %s port %u: %s", group_string, port,
               local_error->message);
  return NULL;
}

/**
 * bt_lsd_add_torrent:
 * @listen_port: the TCP port peers reach us on for it
 *
 * Announces @info_hash now and every %BT_LSD_ANNOUNCE_INTERVAL_S, and
 * reports peers announcing it. Adding it again only updates the port
 * (and announces no sooner than %BT_LSD_MIN_ANNOUNCE_INTERVAL_S after the
 * last announce).
 */
void
bt_lsd_add_torrent (BtLsd        *self,
                    const guint8  info_hash[20],
                    guint16       listen_port)
{
  g_autofree char *hex = NULL;
  gint64 now = g_get_monotonic_time ();
  Entry *entry;

  g_return_if_fail (BT_IS_LSD (self));
  g_return_if_fail (info_hash != NULL);

  hex = bt_hex_encode (info_hash, 20);
  entry = g_hash_table_lookup (self->torrents, hex);
  if (entry != NULL)
    {
      gint64 last = entry->next_announce_us - (gint64) BT_LSD_ANNOUNCE_INTERVAL_S * G_USEC_PER_SEC;

      entry->listen_port = listen_port;
      entry->next_announce_us = last + (gint64) BT_LSD_MIN_ANNOUNCE_INTERVAL_S * G_USEC_PER_SEC;
      return;
    }
  entry = g_new0 (Entry, 1);
  memcpy (entry->info_hash, info_hash, 20);
  entry->listen_port = listen_port;
  g_hash_table_insert (self->torrents, g_steal_pointer (&hex), entry);
  announce (self, entry, now);
}

void
bt_lsd_remove_torrent (BtLsd        *self,
                       const guint8  info_hash[20])
{
  g_autofree char *hex = NULL;

  g_return_if_fail (BT_IS_LSD (self));
  g_return_if_fail (info_hash != NULL);

  hex = bt_hex_encode (info_hash, 20);
  g_hash_table_remove (self->torrents, hex);
}
