/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * What only the torrent calls on its tracker snapshots.
 */
#pragma once

#include "bt-tracker-info.h"

G_BEGIN_DECLS

BtTrackerInfo *bt_tracker_info_new    (const BtTrackerStatus *status);
void           bt_tracker_info_update (BtTrackerInfo         *self,
                                       const BtTrackerStatus *status);

G_END_DECLS
