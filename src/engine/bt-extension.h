/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The extension protocol (BEP 10): the registry of the extensions we speak
 * and the extended handshake that tells a peer about them. A pure codec:
 * nothing here touches a socket.
 *
 * BEP 10 lets each side number its extensions as it likes, in the "m"
 * dictionary of its handshake, and a message is sent with the RECEIVER's
 * number. Ours are fixed: the BtExtension value is the id we put in "m",
 * so an incoming extended message's id names the extension directly. The
 * peer's numbers are in BtExtensionHandshake.ids, used when we send.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * BtExtension:
 * @BT_EXTENSION_HANDSHAKE: id 0, the extended handshake itself
 * @BT_EXTENSION_UT_METADATA: metadata exchange (BEP 9)
 * @BT_EXTENSION_UT_PEX: peer exchange (BEP 11)
 * @BT_EXTENSION_N: the number of ids, for arrays indexed by BtExtension
 *
 * The extensions we know, numbered as we announce them in "m".
 */
typedef enum
{
  BT_EXTENSION_HANDSHAKE = 0,
  BT_EXTENSION_UT_METADATA = 1,
  BT_EXTENSION_UT_PEX = 2,
  BT_EXTENSION_N
} BtExtension;

/**
 * BtExtensionHandshake:
 * @ids: for each BtExtension, the id the sender wants it sent with; 0 when
 *   the sender does not speak it (ids[BT_EXTENSION_HANDSHAKE] is unused)
 * @client: (nullable): "v", the sender's software, as valid UTF-8
 * @port: "p", the TCP port the sender listens on; 0 when not given
 * @yourip: (nullable): "yourip", our address as the sender sees it
 * @reqq: "reqq", how many requests the sender queues; 0 when not given
 * @metadata_size: "metadata_size" (BEP 9), the size of the info
 *   dictionary in bytes; 0 when not given
 *
 * One side's extended handshake.
 */
typedef struct
{
  guint8        ids[BT_EXTENSION_N];
  char         *client;
  guint16       port;
  GInetAddress *yourip;
  guint32       reqq;
  gint64        metadata_size;
} BtExtensionHandshake;

const char           *bt_extension_get_name             (BtExtension                 extension);
BtExtension           bt_extension_from_name            (const guint8               *name,
                                                         gsize                       length);

BtExtensionHandshake *bt_extension_handshake_new        (void);
BtExtensionHandshake *bt_extension_handshake_copy       (const BtExtensionHandshake *handshake);
void                  bt_extension_handshake_free       (BtExtensionHandshake       *handshake);
void                  bt_extension_handshake_clear      (BtExtensionHandshake       *handshake);

GBytes               *bt_extension_handshake_build      (const BtExtensionHandshake *handshake);
gboolean              bt_extension_handshake_parse      (const guint8               *payload,
                                                         gsize                       length,
                                                         BtExtensionHandshake       *inout,
                                                         GError                    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtExtensionHandshake, bt_extension_handshake_free)

G_END_DECLS
