/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include "bt-error.h"

G_DEFINE_QUARK (bt-error-quark, bt_error)
