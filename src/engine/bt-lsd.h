/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Local service discovery (BEP 14): BT-SEARCH announces over UDP multicast
 * (239.192.152.143:6771 by default) find peers of the same torrents on the
 * LAN. One BtLsd serves a session: torrents register their info-hash, it
 * announces each at BEP 14's pace, and reports peers it hears of through
 * the "peer-found" signal. A cookie in our announces lets us ignore our
 * own. BEP 27: private torrents must not register.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BT_TYPE_LSD (bt_lsd_get_type ())
G_DECLARE_FINAL_TYPE (BtLsd, bt_lsd, BT, LSD, GObject)

/**
 * BtLsdConfig:
 * @group: (nullable): the IPv4 multicast group; %NULL for BEP 14's
 * @port: the UDP port; 0 for BEP 14's 6771
 * @interface_address: (nullable): the IPv4 address of the interface to
 *   use ("127.0.0.1" keeps it on loopback, for tests); %NULL for the
 *   system's choice
 */
typedef struct
{
  const char *group;
  guint16     port;
  const char *interface_address;
} BtLsdConfig;

BtLsd     *bt_lsd_new               (const BtLsdConfig  *config,
                                     GError            **error);
void       bt_lsd_add_torrent       (BtLsd              *self,
                                     const guint8        info_hash[20],
                                     guint16             listen_port);
void       bt_lsd_remove_torrent    (BtLsd              *self,
                                     const guint8        info_hash[20]);

GBytes    *bt_lsd_build_announce    (const char         *host,
                                     guint16             listen_port,
                                     const guint8       *info_hashes,
                                     guint               n_info_hashes,
                                     const char         *cookie);
gboolean   bt_lsd_parse_announce    (const guint8       *data,
                                     gsize               length,
                                     guint16            *listen_port,
                                     GArray            **info_hashes,
                                     char              **cookie,
                                     GError            **error);

G_END_DECLS
