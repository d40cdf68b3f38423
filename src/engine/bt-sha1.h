/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BT_SHA1_LENGTH 20

/* One-shot SHA1 (nettle) of a buffer into @digest (20 bytes). */
void  bt_sha1             (const void *data,
                           gsize       length,
                           guint8     *digest);
char *bt_hex_encode       (const guint8 *data,
                           gsize         length);

G_END_DECLS
