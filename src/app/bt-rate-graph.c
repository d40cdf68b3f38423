/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <glib/gi18n.h>

#include "bt-rate-graph.h"

/* The scale never drops below 16 KiB/s, so an idle session draws flat
 * lines instead of magnifying keep-alive noise to full height. */
#define RATE_GRAPH_MIN_SCALE (16.0 * 1024.0)

struct _BtRateGraph
{
  GtkWidget  parent_instance;

  GObject   *source;
  guint      timer_id;

  /* Ring buffers, oldest at head. */
  double     down[BT_RATE_GRAPH_SAMPLES];
  double     up[BT_RATE_GRAPH_SAMPLES];
  guint      head;
  guint      n_samples;
};

G_DEFINE_FINAL_TYPE (BtRateGraph, bt_rate_graph, GTK_TYPE_WIDGET)

static gboolean
sample_cb (gpointer user_data)
{
  bt_rate_graph_sample (BT_RATE_GRAPH (user_data));
  return G_SOURCE_CONTINUE;
}

static void
draw_series (cairo_t      *cr,
             BtRateGraph  *self,
             const double *series,
             double        scale,
             int           width,
             int           height,
             gboolean      fill)
{
  double step = (double) width / (BT_RATE_GRAPH_SAMPLES - 1);
  /* Newest sample at the right edge, older ones to the left. */
  double x0 = width - (self->n_samples - 1) * step;

  if (self->n_samples < 2)
    return;

  cairo_new_path (cr);
  for (guint i = 0; i < self->n_samples; i++)
    {
      double v = series[(self->head + i) % BT_RATE_GRAPH_SAMPLES];
      double x = x0 + i * step;
      double y = height - 1 - (height - 2) * MIN (v / scale, 1.0);

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }

  if (fill)
    {
      cairo_line_to (cr, width, height);
      cairo_line_to (cr, x0, height);
      cairo_close_path (cr);
      cairo_fill (cr);
    }
  else
    {
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
}

static void
bt_rate_graph_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  BtRateGraph *self = BT_RATE_GRAPH (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double scale = MAX (bt_rate_graph_get_peak (self), RATE_GRAPH_MIN_SCALE);
  cairo_t *cr;
  GdkRGBA fg;

  if (width <= 0 || height <= 0)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.06);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);

  /* Download as a filled blue area, upload as a green line on top: the
   * colours of the footer's arrows. */
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.55);
  draw_series (cr, self, self->down, scale, width, height, TRUE);
  cairo_set_source_rgba (cr, 0.18, 0.76, 0.49, 1.0);
  draw_series (cr, self, self->up, scale, width, height, FALSE);

  cairo_destroy (cr);
}

static void
bt_rate_graph_measure (GtkWidget      *widget,
                       GtkOrientation  orientation,
                       int             for_size,
                       int            *minimum,
                       int            *natural,
                       int            *minimum_baseline,
                       int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 60;
      *natural = 160;
    }
  else
    {
      *minimum = 16;
      *natural = 24;
    }
}

static void
bt_rate_graph_dispose (GObject *object)
{
  bt_rate_graph_set_source (BT_RATE_GRAPH (object), NULL);

  G_OBJECT_CLASS (bt_rate_graph_parent_class)->dispose (object);
}

static void
bt_rate_graph_class_init (BtRateGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_rate_graph_dispose;
  widget_class->snapshot = bt_rate_graph_snapshot;
  widget_class->measure = bt_rate_graph_measure;

  gtk_widget_class_set_css_name (widget_class, "rategraph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bt_rate_graph_init (BtRateGraph *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Transfer rates over the last five minutes"),
                                  -1);
}

GtkWidget *
bt_rate_graph_new (void)
{
  return g_object_new (BT_TYPE_RATE_GRAPH, NULL);
}

void
bt_rate_graph_set_source (BtRateGraph *self,
                          GObject     *source)
{
  g_return_if_fail (BT_IS_RATE_GRAPH (self));
  g_return_if_fail (source == NULL || G_IS_OBJECT (source));

  if (self->source == source)
    return;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_set_object (&self->source, source);
  self->head = 0;
  self->n_samples = 0;

  /* One timer for the graph, not per row: rates are sampled even when
   * they do not change, so the history scrolls at a steady pace. */
  if (source != NULL)
    self->timer_id = g_timeout_add_seconds (1, sample_cb, self);

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
bt_rate_graph_sample (BtRateGraph *self)
{
  double down = 0, up = 0;
  guint slot;

  g_return_if_fail (BT_IS_RATE_GRAPH (self));

  if (self->source == NULL)
    return;

  g_object_get (self->source, "download-rate", &down, "upload-rate", &up, NULL);

  if (self->n_samples < BT_RATE_GRAPH_SAMPLES)
    {
      slot = (self->head + self->n_samples) % BT_RATE_GRAPH_SAMPLES;
      self->n_samples++;
    }
  else
    {
      slot = self->head;
      self->head = (self->head + 1) % BT_RATE_GRAPH_SAMPLES;
    }
  self->down[slot] = down;
  self->up[slot] = up;

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
bt_rate_graph_get_n_samples (BtRateGraph *self)
{
  g_return_val_if_fail (BT_IS_RATE_GRAPH (self), 0);
  return self->n_samples;
}

double
bt_rate_graph_get_peak (BtRateGraph *self)
{
  double peak = 0;

  g_return_val_if_fail (BT_IS_RATE_GRAPH (self), 0);

  for (guint i = 0; i < self->n_samples; i++)
    {
      guint slot = (self->head + i) % BT_RATE_GRAPH_SAMPLES;

      peak = MAX (peak, MAX (self->down[slot], self->up[slot]));
    }
  return peak;
}
