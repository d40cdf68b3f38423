/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copyright 2026 The bTorrent authors */

#include "config.h"

#define G_LOG_DOMAIN "bt-app"

#include <glib/gi18n.h>

#include "bt-application.h"
#include "bt-window.h"

/*
 * Structures
 */

struct _BtApplication
{
  GtkApplication parent_instance;
};

/*
 * Prototypes
 */

static void bt_application_about_action (GSimpleAction *action,
                                         GVariant      *parameter,
                                         gpointer       user_data);
static void bt_application_quit_action  (GSimpleAction *action,
                                         GVariant      *parameter,
                                         gpointer       user_data);

/*
 * Type definition
 */

G_DEFINE_FINAL_TYPE (BtApplication, bt_application, GTK_TYPE_APPLICATION)

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = bt_application_about_action },
  { .name = "quit", .activate = bt_application_quit_action },
};

/*
 * Auxiliary functions
 */

/* bTorrent has one window: the session is one list of torrents, and a second
 * window would only show the same list again. */
static BtWindow *
bt_application_ensure_window (BtApplication *self)
{
  /* Most recently focused first; dialogs such as About are in the list too. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    {
      if (BT_IS_WINDOW (l->data))
        return BT_WINDOW (l->data);
    }

  return bt_window_new (self);
}

static void
bt_application_load_style (void)
{
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display;

  display = gdk_display_get_default ();
  if (display == NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, RESOURCE_PREFIX "/style.css");
  gtk_style_context_add_provider_for_display (display,
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/*
 * Actions
 */

static void
bt_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  GtkWindow *parent;

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));

  gtk_show_about_dialog (parent,
                         "program-name", "bTorrent",
                         "version", PACKAGE_VERSION,
                         "logo-icon-name", APP_ID,
                         "comments", _("Download and share files with BitTorrent"),
                         "website", "https://github.com/btorrent/btorrent",
                         "copyright", "© 2026 The bTorrent authors",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
bt_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

/*
 * Overrides
 */

static void
bt_application_startup (GApplication *application)
{
  GtkApplication *gtk_application = GTK_APPLICATION (application);

  G_APPLICATION_CLASS (bt_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application),
                                   app_actions,
                                   G_N_ELEMENTS (app_actions),
                                   application);

  gtk_application_set_accels_for_action (gtk_application, "app.quit",
                                         (const char *[]) { "<Primary>q", NULL });
  /* window.close is GtkWindow's own action, so every window gets it. */
  gtk_application_set_accels_for_action (gtk_application, "window.close",
                                         (const char *[]) { "<Primary>w", NULL });

  bt_application_load_style ();
}

static void
bt_application_activate (GApplication *application)
{
  BtApplication *self = BT_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (bt_application_ensure_window (self)));
}

static void
bt_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  BtApplication *self = BT_APPLICATION (application);

  /* Adding torrents arrives with the engine; until then, bring up the window
   * so a double-click on a .torrent or a magnet link is not silently lost. */
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      g_debug ("Asked to open %s", uri);
    }

  gtk_window_present (GTK_WINDOW (bt_application_ensure_window (self)));
}

/*
 * class_init / init
 */

static void
bt_application_class_init (BtApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = bt_application_startup;
  app_class->activate = bt_application_activate;
  app_class->open = bt_application_open;
}

static void
bt_application_init (BtApplication *self)
{
}

/*
 * Public API
 */

/**
 * bt_application_new:
 * @application_id: the D-Bus application id, normally %APP_ID
 * @flags: #GApplicationFlags; %G_APPLICATION_HANDLES_OPEN is always added,
 *   because .torrent files and magnet links arrive as #GApplication::open
 *
 * Returns: (transfer full): a new #BtApplication
 */
BtApplication *
bt_application_new (const char        *application_id,
                    GApplicationFlags  flags)
{
  g_return_val_if_fail (application_id != NULL, NULL);
  g_return_val_if_fail (g_application_id_is_valid (application_id), NULL);

  return g_object_new (BT_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", flags | G_APPLICATION_HANDLES_OPEN,
                       NULL);
}
