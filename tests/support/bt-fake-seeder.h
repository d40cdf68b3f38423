/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A scripted seeder for tests: speaks the peer wire protocol on loopback
 * and serves a payload held in memory, honestly or not.
 */
#pragma once

#include <gio/gio.h>

#include "bt-metainfo.h"

G_BEGIN_DECLS

typedef struct _BtFakeSeeder BtFakeSeeder;

BtFakeSeeder       *bt_fake_seeder_new              (BtMetainfo   *meta,
                                                     GBytes       *payload);
void                bt_fake_seeder_free             (BtFakeSeeder *self);
GInetSocketAddress *bt_fake_seeder_get_address      (BtFakeSeeder *self);

/* Serve every block of @piece with its bytes inverted. */
void                bt_fake_seeder_corrupt_piece    (BtFakeSeeder *self,
                                                     guint32       piece);
/* Handshake and unchoke, then never answer a request. */
void                bt_fake_seeder_set_stall        (BtFakeSeeder *self,
                                                     gboolean      stall);

guint               bt_fake_seeder_get_connections  (BtFakeSeeder *self);
guint64             bt_fake_seeder_get_bytes_served (BtFakeSeeder *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtFakeSeeder, bt_fake_seeder_free)

G_END_DECLS
