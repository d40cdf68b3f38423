/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copyright 2026 The bTorrent authors */

#pragma once

#include <gtk/gtk.h>

#include "bt-application.h"

G_BEGIN_DECLS

#define BT_TYPE_WINDOW (bt_window_get_type ())

G_DECLARE_FINAL_TYPE (BtWindow, bt_window, BT, WINDOW, GtkApplicationWindow)

BtWindow *bt_window_new (BtApplication *application);

G_END_DECLS
