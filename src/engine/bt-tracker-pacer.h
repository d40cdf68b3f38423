/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BtTrackerPacer BtTrackerPacer;

typedef void (*BtTrackerPacerReady) (gpointer user_data);

BtTrackerPacer *bt_tracker_pacer_new    (guint                per_second,
                                         guint                burst);
BtTrackerPacer *bt_tracker_pacer_ref    (BtTrackerPacer      *self);
void            bt_tracker_pacer_unref  (BtTrackerPacer      *self);
guint           bt_tracker_pacer_wait   (BtTrackerPacer      *self,
                                         BtTrackerPacerReady  ready,
                                         gpointer             user_data);
void            bt_tracker_pacer_cancel (BtTrackerPacer      *self,
                                         guint                ticket);
guint           bt_tracker_pacer_get_n_waiting (BtTrackerPacer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtTrackerPacer, bt_tracker_pacer_unref)

G_END_DECLS
