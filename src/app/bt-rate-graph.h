/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A small graph of the download and upload rates over the last minutes.
 * It samples two double properties ("download-rate", "upload-rate") of a
 * source object, a BtSession or a BtTorrent, once a second, and keeps
 * BT_RATE_GRAPH_SAMPLES samples.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Five minutes: long enough to see a trend, short enough that a burst of
 * the last seconds is still visible in a graph 200 pixels wide. */
#define BT_RATE_GRAPH_SAMPLES 300

#define BT_TYPE_RATE_GRAPH (bt_rate_graph_get_type ())
G_DECLARE_FINAL_TYPE (BtRateGraph, bt_rate_graph, BT, RATE_GRAPH, GtkWidget)

GtkWidget *bt_rate_graph_new          (void);
/* @source: (nullable): an object with double "download-rate" and
 * "upload-rate" properties. Clears the history. */
void       bt_rate_graph_set_source   (BtRateGraph *self,
                                       GObject     *source);
/* Records one sample now (the timer calls this; tests may too). */
void       bt_rate_graph_sample       (BtRateGraph *self);
guint      bt_rate_graph_get_n_samples (BtRateGraph *self);
/* The highest rate in the history, what the graph's top stands for. */
double     bt_rate_graph_get_peak     (BtRateGraph *self);

G_END_DECLS
