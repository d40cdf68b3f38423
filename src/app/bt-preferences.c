/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-preferences"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-preferences.h"

/* Placeholder while the template is written: the API is final. */
struct _BtPreferences
{
  GtkWindow  parent_instance;
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (BtPreferences, bt_preferences, GTK_TYPE_WINDOW)

static void
bt_preferences_dispose (GObject *object)
{
  g_clear_object (&BT_PREFERENCES (object)->settings);
  G_OBJECT_CLASS (bt_preferences_parent_class)->dispose (object);
}

static void
bt_preferences_class_init (BtPreferencesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bt_preferences_dispose;
}

static void
bt_preferences_init (BtPreferences *self)
{
}

BtPreferences *
bt_preferences_new (GSettings *settings)
{
  BtPreferences *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (BT_TYPE_PREFERENCES, "title", _("Preferences"), NULL);
  self->settings = g_object_ref (settings);
  return self;
}

BtPreferences *
bt_preferences_present (GtkWindow *parent,
                        GSettings *settings)
{
  BtPreferences *self = bt_preferences_new (settings);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}
