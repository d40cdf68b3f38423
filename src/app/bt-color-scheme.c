/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include "bt-color-scheme.h"

#define PORTAL_NAMESPACE "org.freedesktop.appearance"
#define GNOME_INTERFACE_SCHEMA "org.gnome.desktop.interface"

/* Kept for the lifetime of the process: they deliver the changes. */
static GDBusProxy *portal;
static GSettings *interface_settings;

static void
apply (gboolean dark)
{
  GtkSettings *settings = gtk_settings_get_default ();

  if (settings != NULL)
    g_object_set (settings, "gtk-application-prefer-dark-theme", dark, NULL);
}

static void
apply_portal_value (GVariant *value)
{
  /* 0 no preference, 1 prefer dark, 2 prefer light */
  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    apply (g_variant_get_uint32 (value) == 1);
}

static void
interface_changed_cb (GSettings  *settings,
                      const char *key,
                      gpointer    user_data)
{
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");

  apply (g_strcmp0 (scheme, "prefer-dark") == 0);
}

static void
follow_gsettings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL || interface_settings != NULL)
    return;
  schema = g_settings_schema_source_lookup (source, GNOME_INTERFACE_SCHEMA, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "color-scheme"))
    return;

  interface_settings = g_settings_new (GNOME_INTERFACE_SCHEMA);
  g_signal_connect (interface_settings, "changed::color-scheme",
                    G_CALLBACK (interface_changed_cb), NULL);
  interface_changed_cb (interface_settings, "color-scheme", NULL);
}

static void
portal_signal_cb (GDBusProxy *proxy,
                  const char *sender,
                  const char *signal,
                  GVariant   *parameters,
                  gpointer    user_data)
{
  const char *ns, *key;
  g_autoptr(GVariant) value = NULL;

  if (g_strcmp0 (signal, "SettingChanged") != 0 ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ssv)")))
    return;

  g_variant_get (parameters, "(&s&sv)", &ns, &key, &value);
  if (g_str_equal (ns, PORTAL_NAMESPACE) && g_str_equal (key, "color-scheme"))
    apply_portal_value (value);
}

static void
portal_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) outer = NULL;
  g_autoptr(GVariant) inner = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  if (reply == NULL)
    {
      /* No portal (or an old one): GNOME's own key is the next best. */
      g_debug ("No color scheme from the settings portal: %s", error->message);
      g_clear_object (&portal);
      follow_gsettings ();
      return;
    }

  /* Read() wraps the value in one variant more than the spec suggests. */
  g_variant_get (reply, "(v)", &outer);
  inner = g_variant_is_of_type (outer, G_VARIANT_TYPE_VARIANT)
          ? g_variant_get_variant (outer) : g_variant_ref (outer);
  apply_portal_value (inner);
  g_signal_connect (portal, "g-signal", G_CALLBACK (portal_signal_cb), NULL);
}

static void
portal_proxy_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  portal = g_dbus_proxy_new_for_bus_finish (result, &error);
  if (portal == NULL)
    {
      follow_gsettings ();
      return;
    }

  g_dbus_proxy_call (portal, "Read",
                     g_variant_new ("(ss)", PORTAL_NAMESPACE, "color-scheme"),
                     G_DBUS_CALL_FLAGS_NONE, 2000, NULL, portal_read_cb, NULL);
}

/**
 * bt_color_scheme_follow:
 *
 * Starts following the desktop's color scheme. Asynchronous: the window
 * may show light for the first frame, the same as libadwaita without a
 * portal cache. Call once, from the main thread, after gtk_init().
 */
void
bt_color_scheme_follow (void)
{
  static gboolean started;

  if (started)
    return;
  started = TRUE;

  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
                            NULL,
                            "org.freedesktop.portal.Desktop",
                            "/org/freedesktop/portal/desktop",
                            "org.freedesktop.portal.Settings",
                            NULL, portal_proxy_cb, NULL);
}
