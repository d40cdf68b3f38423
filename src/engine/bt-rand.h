/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A small pseudo-random generator for choices that need to be fair, not
 * secret (piece tie-breaks, optimistic unchokes). Eight bytes of state,
 * where a GRand holds 2.5 KiB: every torrent has two. */
typedef struct
{
  guint64 state;
} BtRand;

void     bt_rand_init      (BtRand  *self);
void     bt_rand_set_seed  (BtRand  *self,
                            guint32  seed);
guint32  bt_rand_int       (BtRand  *self);
guint32  bt_rand_int_range (BtRand  *self,
                            guint32  begin,
                            guint32  end);
double   bt_rand_double    (BtRand  *self);

G_END_DECLS
