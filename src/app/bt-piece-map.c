/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <glib/gi18n.h>

#include "bt-piece-map.h"

/* Tall enough to read as a bar, short enough to sit above the tabs. */
#define PIECE_MAP_HEIGHT 18

struct _BtPieceMap
{
  GtkWidget   parent_instance;

  BtTorrent  *torrent;
  BtBitfield *in_progress;   /* refreshed with each redraw request */
};

G_DEFINE_FINAL_TYPE (BtPieceMap, bt_piece_map, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_TORRENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/*
 * Auxiliary functions
 */

static void
refresh (BtPieceMap *self)
{
  g_clear_pointer (&self->in_progress, bt_bitfield_free);
  if (self->torrent != NULL)
    self->in_progress = bt_torrent_dup_pieces_in_progress (self->torrent);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
torrent_notify_cb (BtTorrent  *torrent,
                   GParamSpec *pspec,
                   BtPieceMap *self)
{
  refresh (self);
}

static void
count_range (const BtBitfield *bits,
             guint32           first,
             guint32           end,
             guint            *count)
{
  *count = 0;
  if (bits == NULL)
    return;
  end = MIN (end, bt_bitfield_get_size (bits));
  for (guint32 i = first; i < end; i++)
    if (bt_bitfield_get (bits, i))
      (*count)++;
}

/*
 * Overrides
 */

static void
bt_piece_map_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 32;
      *natural = 200;
    }
  else
    {
      *minimum = *natural = PIECE_MAP_HEIGHT;
    }
}

static void
bt_piece_map_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  BtPieceMap *self = BT_PIECE_MAP (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA fg;
  GdkRGBA trough;
  /* GNOME's blue accent, and the same lighter for pieces on their way. */
  const GdkRGBA have_color = { 0.21, 0.52, 0.89, 1.0 };
  const GdkRGBA partial_color = { 0.60, 0.76, 0.95, 1.0 };

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  trough = fg;
  trough.alpha = 0.12;

  gtk_snapshot_append_color (snapshot, &trough,
                             &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (self->torrent == NULL || bt_torrent_get_have (self->torrent) == NULL || width <= 0)
    return;

  for (int x = 0; x < width; x++)
    {
      double have, partial;

      bt_piece_map_get_column (self, (guint) x, (guint) width, &have, &partial);
      if (have > 0)
        {
          GdkRGBA c = have_color;

          /* A column of many pieces fades with how many are missing. */
          c.alpha = 0.25 + 0.75 * have;
          gtk_snapshot_append_color (snapshot, &c, &GRAPHENE_RECT_INIT (x, 0, 1, height));
        }
      else if (partial > 0)
        {
          gtk_snapshot_append_color (snapshot, &partial_color,
                                     &GRAPHENE_RECT_INIT (x, 0, 1, height));
        }
    }
}

static void
bt_piece_map_dispose (GObject *object)
{
  BtPieceMap *self = BT_PIECE_MAP (object);

  bt_piece_map_set_torrent (self, NULL);

  G_OBJECT_CLASS (bt_piece_map_parent_class)->dispose (object);
}

static void
bt_piece_map_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_TORRENT:
      g_value_set_object (value, BT_PIECE_MAP (object)->torrent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_piece_map_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_TORRENT:
      bt_piece_map_set_torrent (BT_PIECE_MAP (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_piece_map_class_init (BtPieceMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_piece_map_dispose;
  object_class->get_property = bt_piece_map_get_property;
  object_class->set_property = bt_piece_map_set_property;
  widget_class->measure = bt_piece_map_measure;
  widget_class->snapshot = bt_piece_map_snapshot;

  properties[PROP_TORRENT] =
    g_param_spec_object ("torrent", NULL, NULL, BT_TYPE_TORRENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "piecemap");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
bt_piece_map_init (BtPieceMap *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pieces"),
                                  -1);
}

/*
 * Public API
 */

GtkWidget *
bt_piece_map_new (void)
{
  return g_object_new (BT_TYPE_PIECE_MAP, NULL);
}

/**
 * bt_piece_map_set_torrent:
 * @self: a piece map
 * @torrent: (nullable): the torrent to show
 */
void
bt_piece_map_set_torrent (BtPieceMap *self,
                          BtTorrent  *torrent)
{
  g_return_if_fail (BT_IS_PIECE_MAP (self));
  g_return_if_fail (torrent == NULL || BT_IS_TORRENT (torrent));

  if (self->torrent == torrent)
    return;

  if (self->torrent != NULL)
    g_signal_handlers_disconnect_by_func (self->torrent, torrent_notify_cb, self);
  g_set_object (&self->torrent, torrent);
  if (torrent != NULL)
    {
      g_signal_connect_object (torrent, "notify::progress",
                               G_CALLBACK (torrent_notify_cb), self, 0);
      g_signal_connect_object (torrent, "notify::state",
                               G_CALLBACK (torrent_notify_cb), self, 0);
    }

  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TORRENT]);
}

BtTorrent *
bt_piece_map_get_torrent (BtPieceMap *self)
{
  g_return_val_if_fail (BT_IS_PIECE_MAP (self), NULL);
  return self->torrent;
}

void
bt_piece_map_get_column (BtPieceMap *self,
                         guint       column,
                         guint       n_columns,
                         double     *have,
                         double     *in_progress)
{
  const BtBitfield *bits;
  guint32 n_pieces, first, end;
  guint n_have, n_partial;

  g_return_if_fail (BT_IS_PIECE_MAP (self));
  g_return_if_fail (column < n_columns);

  *have = *in_progress = 0;
  if (self->torrent == NULL || (bits = bt_torrent_get_have (self->torrent)) == NULL)
    return;

  n_pieces = bt_bitfield_get_size (bits);
  if (n_pieces == 0)
    return;

  /* Columns split the pieces evenly; with fewer pieces than columns a
   * piece spans several columns. */
  first = (guint32) ((guint64) column * n_pieces / n_columns);
  end = (guint32) ((guint64) (column + 1) * n_pieces / n_columns);
  if (end <= first)
    end = first + 1;

  count_range (bits, first, end, &n_have);
  count_range (self->in_progress, first, end, &n_partial);
  *have = (double) n_have / (end - first);
  *in_progress = (double) n_partial / (end - first);
}
