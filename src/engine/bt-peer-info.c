/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A peer as the UI shows it: a snapshot the torrent refreshes once per
 * tick, so the peer table's rows bind to plain properties and nothing in
 * the UI reaches into a live connection.
 */
#define G_LOG_DOMAIN "bt-peer-info"

#include "config.h"

#include <string.h>

#include "bt-file-private.h"
#include "bt-peer-info.h"

struct _BtPeerInfo
{
  GObject   parent_instance;

  char     *address;
  char     *client;
  char     *flags;
  gboolean  incoming;
  double    progress;
  double    download_rate;
  double    upload_rate;
};

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_CLIENT,
  PROP_FLAGS,
  PROP_INCOMING,
  PROP_PROGRESS,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BtPeerInfo, bt_peer_info, G_TYPE_OBJECT)

/* Azureus-style client codes of the clients people meet most. */
static const struct
{
  const char *code;
  const char *name;
} azureus_clients[] = {
  { "AZ", "Vuze" },
  { "BI", "BiglyBT" },
  { "BT", "bTorrent" },
  { "DE", "Deluge" },
  { "FD", "Free Download Manager" },
  { "KT", "KTorrent" },
  { "LT", "libtorrent" },
  { "lt", "rTorrent" },
  { "qB", "qBittorrent" },
  { "TR", "Transmission" },
  { "TX", "Tixati" },
  { "UT", "µTorrent" },
  { "UM", "µTorrent Mac" },
  { "UW", "µTorrent Web" },
  { "WW", "WebTorrent" },
  { "BC", "BitComet" },
  { "XL", "Xunlei" },
  { "SD", "Thunder" },
  { "PI", "PicoTorrent" },
  { "FW", "FrostWire" },
};

static gboolean
is_version_char (guint8 c)
{
  return g_ascii_isalnum (c) || c == '.';
}

/* "-TR3000-": Transmission writes major, then a two-digit minor. */
static char *
azureus_name (const guint8 *id)
{
  char code[3] = { (char) id[1], (char) id[2], 0 };
  const char *name = NULL;
  GString *version;

  for (guint i = 0; i < G_N_ELEMENTS (azureus_clients); i++)
    if (strcmp (code, azureus_clients[i].code) == 0)
      name = azureus_clients[i].name;
  if (name == NULL)
    return NULL;

  version = g_string_new (NULL);
  if (strcmp (code, "TR") == 0)
    g_string_append_printf (version, "%c.%c%c", id[3], id[4], id[5]);
  else
    {
      guint last = 6;

      /* Trailing zero parts carry nothing: "4250" is 4.2.5. */
      while (last > 4 && id[last] == '0')
        last--;
      for (guint i = 3; i <= last; i++)
        {
          if (i > 3)
            g_string_append_c (version, '.');
          g_string_append_c (version, (char) id[i]);
        }
    }
  {
    g_autofree char *text = g_string_free (version, FALSE);

    return g_strdup_printf ("%s %s", name, text);
  }
}

/* "A2-1-36-0-…" (aria2) and "M7-2-2--…" (Mainline): a letter code, then
 * dash-separated numbers. */
static char *
dashed_name (const guint8 *id)
{
  const char *name;
  GString *version;
  guint i;

  if (id[0] == 'A' && id[1] == '2' && id[2] == '-')
    name = "aria2", i = 3;
  else if (id[0] == 'M' && g_ascii_isdigit (id[1]) && id[2] == '-')
    name = "Mainline", i = 1;
  else
    return NULL;

  version = g_string_new (NULL);
  for (; i < 20 && (g_ascii_isdigit (id[i]) || id[i] == '-'); i++)
    {
      if (id[i] == '-')
        {
          if (i + 1 < 20 && g_ascii_isdigit (id[i + 1]))
            g_string_append_c (version, '.');
          else
            break;
        }
      else
        g_string_append_c (version, (char) id[i]);
    }
  {
    g_autofree char *text = g_string_free (version, FALSE);

    return g_strdup_printf ("%s %s", name, text);
  }
}

/**
 * bt_client_name_from_peer_id:
 *
 * Returns: (transfer full): the client and version a peer id announces,
 *   e.g. "Transmission 3.00", or "Unknown"
 */
char *
bt_client_name_from_peer_id (const guint8 peer_id[20])
{
  char *name = NULL;

  g_return_val_if_fail (peer_id != NULL, NULL);

  if (peer_id[0] == '-' && peer_id[7] == '-' && g_ascii_isalpha (peer_id[1])
      && g_ascii_isalpha (peer_id[2]) && is_version_char (peer_id[3])
      && is_version_char (peer_id[4]) && is_version_char (peer_id[5])
      && is_version_char (peer_id[6]))
    {
      name = azureus_name (peer_id);
      if (name == NULL)
        name = g_strdup_printf ("%c%c %c%c%c%c", peer_id[1], peer_id[2], peer_id[3],
                                peer_id[4], peer_id[5], peer_id[6]);
    }
  else
    name = dashed_name (peer_id);
  return name != NULL ? name : g_strdup ("Unknown");
}

static void
bt_peer_info_finalize (GObject *object)
{
  BtPeerInfo *self = (BtPeerInfo *) object;

  g_free (self->address);
  g_free (self->client);
  g_free (self->flags);
  G_OBJECT_CLASS (bt_peer_info_parent_class)->finalize (object);
}

static void
bt_peer_info_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  BtPeerInfo *self = BT_PEER_INFO (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_CLIENT:
      g_value_set_string (value, self->client);
      break;
    case PROP_FLAGS:
      g_value_set_string (value, self->flags);
      break;
    case PROP_INCOMING:
      g_value_set_boolean (value, self->incoming);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_double (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_double (value, self->upload_rate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_peer_info_class_init (BtPeerInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = bt_peer_info_finalize;
  object_class->get_property = bt_peer_info_get_property;

  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, ro);
  properties[PROP_CLIENT] = g_param_spec_string ("client", NULL, NULL, NULL, ro);
  properties[PROP_FLAGS] = g_param_spec_string ("flags", NULL, NULL, NULL, ro);
  properties[PROP_INCOMING] = g_param_spec_boolean ("incoming", NULL, NULL, FALSE, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_DOWNLOAD_RATE] = g_param_spec_double ("download-rate", NULL, NULL,
                                                        0, G_MAXDOUBLE, 0, ro);
  properties[PROP_UPLOAD_RATE] = g_param_spec_double ("upload-rate", NULL, NULL,
                                                      0, G_MAXDOUBLE, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bt_peer_info_init (BtPeerInfo *self)
{
  self->flags = g_strdup ("");
}

BtPeerInfo *
bt_peer_info_new (GInetSocketAddress *address,
                  const guint8        peer_id[20],
                  const char         *client_name,
                  gboolean            incoming)
{
  BtPeerInfo *self = g_object_new (BT_TYPE_PEER_INFO, NULL);
  GInetAddress *ip = g_inet_socket_address_get_address (address);
  g_autofree char *ip_string = g_inet_address_to_string (ip);

  if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6)
    self->address = g_strdup_printf ("[%s]:%u", ip_string,
                                     g_inet_socket_address_get_port (address));
  else
    self->address = g_strdup_printf ("%s:%u", ip_string,
                                     g_inet_socket_address_get_port (address));
  /* The name a peer gives in its extension handshake beats the guess
   * from its peer id. */
  if (client_name != NULL && *client_name != '\0')
    self->client = g_utf8_make_valid (client_name, MIN (strlen (client_name), 64));
  else
    self->client = bt_client_name_from_peer_id (peer_id);
  self->incoming = incoming;
  return self;
}

/* Rates change every tick; only what changed is notified. */
void
bt_peer_info_update (BtPeerInfo *self,
                     const char *flags,
                     double      progress,
                     double      download_rate,
                     double      upload_rate)
{
  if (g_strcmp0 (self->flags, flags) != 0)
    {
      g_free (self->flags);
      self->flags = g_strdup (flags);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGS]);
    }
  if (self->progress != progress)
    {
      self->progress = progress;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
    }
  if (self->download_rate != download_rate)
    {
      self->download_rate = download_rate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_RATE]);
    }
  if (self->upload_rate != upload_rate)
    {
      self->upload_rate = upload_rate;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_RATE]);
    }
}

const char *
bt_peer_info_get_address (BtPeerInfo *self)
{
  g_return_val_if_fail (BT_IS_PEER_INFO (self), NULL);
  return self->address;
}

const char *
bt_peer_info_get_client (BtPeerInfo *self)
{
  g_return_val_if_fail (BT_IS_PEER_INFO (self), NULL);
  return self->client;
}

const char *
bt_peer_info_get_flags (BtPeerInfo *self)
{
  g_return_val_if_fail (BT_IS_PEER_INFO (self), NULL);
  return self->flags;
}

gboolean
bt_peer_info_get_incoming (BtPeerInfo *self)
{
  g_return_val_if_fail (BT_IS_PEER_INFO (self), FALSE);
  return self->incoming;
}

double
bt_peer_info_get_progress (BtPeerInfo *self)
{
  g_return_val_if_fail (BT_IS_PEER_INFO (self), 0);
  return self->progress;
}

double
bt_peer_info_get_download_rate (BtPeerInfo *self)
{
  g_return_val_if_fail (BT_IS_PEER_INFO (self), 0);
  return self->download_rate;
}

double
bt_peer_info_get_upload_rate (BtPeerInfo *self)
{
  g_return_val_if_fail (BT_IS_PEER_INFO (self), 0);
  return self->upload_rate;
}
