/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-app-error.h"
#include "bt-open.h"
#include "bt-preferences.h"

struct _BtPreferences
{
  GtkWindow      parent_instance;

  GSettings     *settings;
  GCancellable  *cancellable;

  GtkButton     *folder_button;
  GtkLabel      *folder_label;
  GtkSwitch     *start_paused_switch;
  GtkSwitch     *show_add_dialog_switch;
  GtkSpinButton *download_limit_spin;
  GtkSpinButton *upload_limit_spin;
  GtkSpinButton *active_downloads_spin;
  GtkSpinButton *active_seeds_spin;
  GtkSpinButton *seed_ratio_spin;
  GtkSpinButton *seed_idle_spin;
  GtkSpinButton *port_spin;
  GtkSpinButton *max_peers_spin;
  GtkSpinButton *max_peers_torrent_spin;
  GtkSwitch     *dht_switch;
  GtkSwitch     *pex_switch;
  GtkSwitch     *lsd_switch;
};

G_DEFINE_FINAL_TYPE (BtPreferences, bt_preferences, GTK_TYPE_WINDOW)

/*
 * Auxiliary functions
 */

/* The key's empty default means the XDG download folder, which is what
 * the engine uses then; show that folder rather than nothing. */
static char *
download_folder (BtPreferences *self)
{
  g_autofree char *folder = g_settings_get_string (self->settings, "download-folder");
  const char *fallback;

  if (*folder != '\0')
    return g_steal_pointer (&folder);

  fallback = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  return g_strdup (fallback != NULL ? fallback : g_get_home_dir ());
}

static void
update_folder (BtPreferences *self)
{
  g_autofree char *folder = download_folder (self);
  g_autofree char *basename = g_filename_display_basename (folder);
  g_autofree char *display = g_filename_display_name (folder);

  gtk_label_set_label (self->folder_label, basename);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->folder_button), display);
}

/*
 * Signal callbacks
 */

static void
download_folder_changed_cb (GSettings     *settings,
                            const char    *key,
                            BtPreferences *self)
{
  update_folder (self);
}

static void
folder_chosen_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  BtPreferences *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *path = NULL;

  /* Cancelled in dispose: @self may be gone, so touch nothing. */
  folder = bt_choose_folder_finish (result, &error);
  if (folder == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        bt_app_show_error (GTK_WINDOW (self), _("Could not choose a folder"), error);
      return;
    }

  path = g_file_get_path (folder);
  if (path == NULL)
    {
      g_autoptr(GError) local = NULL;

      local = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   _("Torrents can only be saved to a local folder. Choose another one."));
      bt_app_show_error (GTK_WINDOW (self), _("Could not use this folder"), local);
      return;
    }

  g_settings_set_string (self->settings, "download-folder", path);
}

static void
folder_clicked_cb (BtPreferences *self)
{
  g_autofree char *folder = download_folder (self);
  g_autoptr(GFile) initial = g_file_new_for_path (folder);

  bt_choose_folder_async (GTK_WINDOW (self), _("Download Folder"), initial,
                          self->cancellable, folder_chosen_cb, self);
}

static void
preferences_destroy_cb (GtkWidget *widget,
                        GObject   *parent)
{
  g_object_set_data (parent, "bt-preferences", NULL);
}

/*
 * Overrides
 */

static void
bt_preferences_dispose (GObject *object)
{
  BtPreferences *self = BT_PREFERENCES (object);

  /* The folder chooser's callback holds no reference: cancelling tells it
   * not to touch the window. */
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), BT_TYPE_PREFERENCES);

  G_OBJECT_CLASS (bt_preferences_parent_class)->dispose (object);
}

static void
bt_preferences_finalize (GObject *object)
{
  BtPreferences *self = BT_PREFERENCES (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (bt_preferences_parent_class)->finalize (object);
}

static void
bt_preferences_class_init (BtPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_preferences_dispose;
  object_class->finalize = bt_preferences_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/bt-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, folder_button);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, folder_label);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, start_paused_switch);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, show_add_dialog_switch);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, download_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, upload_limit_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, active_downloads_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, active_seeds_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, seed_ratio_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, seed_idle_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, port_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, max_peers_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, max_peers_torrent_spin);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, dht_switch);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, pex_switch);
  gtk_widget_class_bind_template_child (widget_class, BtPreferences, lsd_switch);
  gtk_widget_class_bind_template_callback (widget_class, folder_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bt_preferences_init (BtPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

/*
 * Public API
 */

/**
 * bt_preferences_new:
 * @settings: the io.github.btorrent.BTorrent settings
 *
 * Returns: (transfer floating): the preferences window, not shown
 */
BtPreferences *
bt_preferences_new (GSettings *settings)
{
  BtPreferences *self;
  const struct
  {
    const char *key;
    gpointer    widget;
    const char *property;
  } bindings[] = {
    { "start-paused", NULL, "active" },
    { "show-add-dialog", NULL, "active" },
    { "download-rate-limit", NULL, "value" },
    { "upload-rate-limit", NULL, "value" },
    { "max-active-downloads", NULL, "value" },
    { "max-active-seeds", NULL, "value" },
    { "seed-ratio-limit", NULL, "value" },
    { "seed-idle-limit", NULL, "value" },
    { "listen-port", NULL, "value" },
    { "max-peers-global", NULL, "value" },
    { "max-peers-per-torrent", NULL, "value" },
    { "enable-dht", NULL, "active" },
    { "enable-pex", NULL, "active" },
    { "enable-lsd", NULL, "active" },
  };
  gpointer widgets[G_N_ELEMENTS (bindings)];

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (BT_TYPE_PREFERENCES, NULL);
  self->settings = g_object_ref (settings);

  /* In the order of bindings[]. */
  widgets[0] = self->start_paused_switch;
  widgets[1] = self->show_add_dialog_switch;
  widgets[2] = self->download_limit_spin;
  widgets[3] = self->upload_limit_spin;
  widgets[4] = self->active_downloads_spin;
  widgets[5] = self->active_seeds_spin;
  widgets[6] = self->seed_ratio_spin;
  widgets[7] = self->seed_idle_spin;
  widgets[8] = self->port_spin;
  widgets[9] = self->max_peers_spin;
  widgets[10] = self->max_peers_torrent_spin;
  widgets[11] = self->dht_switch;
  widgets[12] = self->pex_switch;
  widgets[13] = self->lsd_switch;

  /* GSettings maps integer and unsigned keys onto the spin buttons' double
   * "value" and back, refusing values outside the key's type. */
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    g_settings_bind (settings, bindings[i].key, widgets[i], bindings[i].property,
                     G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (settings, "changed::download-folder",
                           G_CALLBACK (download_folder_changed_cb), self, 0);
  update_folder (self);

  return self;
}

/**
 * bt_preferences_present:
 * @parent: (nullable): the window it belongs to
 * @settings: the io.github.btorrent.BTorrent settings
 *
 * Returns: (transfer none): the window, shown
 */
BtPreferences *
bt_preferences_present (GtkWindow *parent,
                        GSettings *settings)
{
  BtPreferences *self = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  /* One preferences window per main window: the action raises it. */
  if (parent != NULL)
    self = g_object_get_data (G_OBJECT (parent), "bt-preferences");

  if (self == NULL)
    {
      self = bt_preferences_new (settings);
      gtk_window_set_transient_for (GTK_WINDOW (self), parent);
      if (parent != NULL)
        {
          gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
          g_object_set_data (G_OBJECT (parent), "bt-preferences", self);
          g_signal_connect_object (self, "destroy", G_CALLBACK (preferences_destroy_cb),
                                   parent, 0);
        }
    }

  gtk_window_present (GTK_WINDOW (self));
  return self;
}
