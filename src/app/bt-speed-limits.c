/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * One torrent's own speed limits, on its General page: a check button to
 * turn each limit on and a spin button for its rate, in KiB/s. They act on
 * the torrent at once (the session keeps them in its resume record) and
 * follow the torrent when its limits change elsewhere. The session's
 * limits in Preferences still apply on top.
 */
#include "config.h"

#include "bt-speed-limits.h"

struct _BtSpeedLimits
{
  GtkWidget       parent_instance;

  GtkWidget      *grid;
  GtkCheckButton *download_check;
  GtkSpinButton  *download_spin;
  GtkCheckButton *upload_check;
  GtkSpinButton  *upload_spin;

  BtTorrent      *torrent;
  gboolean        updating;   /* showing the torrent's values, not the user's */
};

G_DEFINE_FINAL_TYPE (BtSpeedLimits, bt_speed_limits, GTK_TYPE_WIDGET)

static void
show_limit (BtSpeedLimits  *self,
            GtkCheckButton *check,
            GtkSpinButton  *spin,
            guint64         bytes_per_second)
{
  self->updating = TRUE;
  gtk_check_button_set_active (check, bytes_per_second > 0);
  /* Off keeps the last rate in the spin button, ready for next time. */
  if (bytes_per_second > 0)
    gtk_spin_button_set_value (spin, (double) MAX (1, (bytes_per_second + 512) / 1024));
  gtk_widget_set_sensitive (GTK_WIDGET (spin), bytes_per_second > 0);
  self->updating = FALSE;
}

static void
show_torrent (BtSpeedLimits *self)
{
  gboolean has = self->torrent != NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->download_check), has);
  gtk_widget_set_sensitive (GTK_WIDGET (self->upload_check), has);
  show_limit (self, self->download_check, self->download_spin,
              has ? bt_torrent_get_download_limit (self->torrent) : 0);
  show_limit (self, self->upload_check, self->upload_spin,
              has ? bt_torrent_get_upload_limit (self->torrent) : 0);
}

static guint64
chosen_limit (GtkCheckButton *check,
              GtkSpinButton  *spin)
{
  if (!gtk_check_button_get_active (check))
    return 0;
  return (guint64) gtk_spin_button_get_value_as_int (spin) * 1024;
}

static void
apply (BtSpeedLimits *self)
{
  if (self->updating || self->torrent == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->download_spin),
                            gtk_check_button_get_active (self->download_check));
  gtk_widget_set_sensitive (GTK_WIDGET (self->upload_spin),
                            gtk_check_button_get_active (self->upload_check));
  bt_torrent_set_download_limit (self->torrent,
                                 chosen_limit (self->download_check, self->download_spin));
  bt_torrent_set_upload_limit (self->torrent, chosen_limit (self->upload_check, self->upload_spin));
}

static void
limit_notify_cb (BtTorrent     *torrent,
                 GParamSpec    *pspec,
                 BtSpeedLimits *self)
{
  show_torrent (self);
}

static void
bt_speed_limits_dispose (GObject *object)
{
  BtSpeedLimits *self = BT_SPEED_LIMITS (object);

  bt_speed_limits_set_torrent (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), BT_TYPE_SPEED_LIMITS);

  G_OBJECT_CLASS (bt_speed_limits_parent_class)->dispose (object);
}

static void
bt_speed_limits_class_init (BtSpeedLimitsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_speed_limits_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/btorrent/BTorrent/bt-speed-limits.ui");
  /* Bound so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child (widget_class, BtSpeedLimits, grid);
  gtk_widget_class_bind_template_child (widget_class, BtSpeedLimits, download_check);
  gtk_widget_class_bind_template_child (widget_class, BtSpeedLimits, download_spin);
  gtk_widget_class_bind_template_child (widget_class, BtSpeedLimits, upload_check);
  gtk_widget_class_bind_template_child (widget_class, BtSpeedLimits, upload_spin);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
bt_speed_limits_init (BtSpeedLimits *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->download_check, "toggled", G_CALLBACK (apply), self);
  g_signal_connect_swapped (self->upload_check, "toggled", G_CALLBACK (apply), self);
  g_signal_connect_swapped (self->download_spin, "value-changed", G_CALLBACK (apply), self);
  g_signal_connect_swapped (self->upload_spin, "value-changed", G_CALLBACK (apply), self);
  show_torrent (self);
}

GtkWidget *
bt_speed_limits_new (void)
{
  return g_object_new (BT_TYPE_SPEED_LIMITS, NULL);
}

/**
 * bt_speed_limits_set_torrent:
 * @torrent: (nullable): the torrent whose limits to show and change
 */
void
bt_speed_limits_set_torrent (BtSpeedLimits *self,
                             BtTorrent     *torrent)
{
  g_return_if_fail (BT_IS_SPEED_LIMITS (self));
  g_return_if_fail (torrent == NULL || BT_IS_TORRENT (torrent));

  if (self->torrent == torrent)
    return;
  if (self->torrent != NULL)
    g_signal_handlers_disconnect_by_func (self->torrent, limit_notify_cb, self);
  g_set_object (&self->torrent, torrent);
  if (torrent != NULL)
    {
      g_signal_connect_object (torrent, "notify::download-limit", G_CALLBACK (limit_notify_cb),
                               self, 0);
      g_signal_connect_object (torrent, "notify::upload-limit", G_CALLBACK (limit_notify_cb),
                               self, 0);
    }
  show_torrent (self);
}
