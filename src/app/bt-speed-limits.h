/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gtk/gtk.h>

#include "bt-torrent.h"

G_BEGIN_DECLS

#define BT_TYPE_SPEED_LIMITS (bt_speed_limits_get_type ())
G_DECLARE_FINAL_TYPE (BtSpeedLimits, bt_speed_limits, BT, SPEED_LIMITS, GtkWidget)

GtkWidget *bt_speed_limits_new         (void);
void       bt_speed_limits_set_torrent (BtSpeedLimits *self,
                                        BtTorrent     *torrent);

G_END_DECLS
