/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copyright 2026 The bTorrent authors */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define BT_TYPE_APPLICATION (bt_application_get_type ())

G_DECLARE_FINAL_TYPE (BtApplication, bt_application, BT, APPLICATION, GtkApplication)

BtApplication *bt_application_new (const char        *application_id,
                                   GApplicationFlags  flags);

G_END_DECLS
