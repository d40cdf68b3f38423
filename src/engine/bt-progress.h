/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Progress of work on worker threads, reported on the caller's main
 * context at a bounded rate.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*BtProgressFunc) (guint64  done,
                                guint64  total,
                                gpointer user_data);

typedef struct _BtProgress BtProgress;

BtProgress *bt_progress_new     (GMainContext   *context,
                                 BtProgressFunc  func,
                                 gpointer        data,
                                 GDestroyNotify  data_free);
void        bt_progress_start   (BtProgress     *self,
                                 guint64         total);
void        bt_progress_add     (BtProgress     *self,
                                 guint64         done);
void        bt_progress_finish  (BtProgress     *self);
void        bt_progress_release (BtProgress     *self);

G_END_DECLS
