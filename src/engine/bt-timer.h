/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* At or above this delay a timer need not be exact to the millisecond. */
#define BT_TIMER_COARSE_FROM_MS 2000

GSource *bt_timer_source_new (guint delay_ms);

G_END_DECLS
