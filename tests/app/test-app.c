/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copyright 2026 The bTorrent authors */

#include "config.h"

#define G_LOG_DOMAIN "bt-test-app"

#include <gtk/gtk.h>
#include <string.h>

#include "bt-application.h"
#include "bt-window.h"

/* Generous: Xvfb on a loaded CI machine can take a while to map a window. */
#define WAIT_TIMEOUT_MS 5000

/* Why the UI tests cannot run here, or NULL when they can. */
static const char *missing;

/*
 * Fixture
 */

typedef struct
{
  BtApplication *app;
} AppFixture;

static gboolean
require_display (void)
{
  if (missing == NULL)
    return TRUE;

  /* A skipped UI test in CI would hide a template that fails on GTK 4.8. */
  if (g_strcmp0 (g_getenv ("CI"), "true") == 0)
    g_test_fail_printf ("%s (CI=true, so this is a failure, not a skip)", missing);
  else
    g_test_skip (missing);

  return FALSE;
}

static void
app_fixture_setup (AppFixture    *fixture,
                   gconstpointer  user_data)
{
  static guint n_apps;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = NULL;

  if (missing != NULL)
    return;

  /* NON_UNIQUE: no D-Bus name, so tests never talk to a running bTorrent.
   * A fresh id per test, because a registered application stays exported on
   * the (private) bus under its id until the process exits. */
  app_id = g_strdup_printf ("%s.Test%u", APP_ID, ++n_apps);
  fixture->app = bt_application_new (app_id, G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (fixture->app), NULL, &error);
  g_assert_no_error (error);
}

static void
app_fixture_teardown (AppFixture    *fixture,
                      gconstpointer  user_data)
{
  GList *windows;

  if (fixture->app == NULL)
    return;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (fixture->app))))
    gtk_window_destroy (GTK_WINDOW (windows->data));

  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* Not g_assert_finalize_object(): once registered, GApplication exports its
   * actions on the bus and that export holds a reference until shutdown,
   * which only g_application_run() reaches. */
  g_clear_object (&fixture->app);
}

/*
 * Helpers
 */

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for_mapped (GtkWidget *widget)
{
  gboolean timed_out = FALSE;
  guint timeout_id;

  timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);

  while (!gtk_widget_get_mapped (widget) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);

  g_assert_true (gtk_widget_get_mapped (widget));
}

static GtkWidget *
template_child (gpointer    widget,
                const char *name)
{
  GObject *child;

  child = gtk_widget_get_template_child (GTK_WIDGET (widget), BT_TYPE_WINDOW, name);
  g_assert_nonnull (child);
  g_assert_true (GTK_IS_WIDGET (child));

  return GTK_WIDGET (child);
}

static gboolean
accels_contain (GtkApplication *app,
                const char     *action,
                const char     *accel)
{
  g_auto(GStrv) accels = gtk_application_get_accels_for_action (app, action);
  guint want_key;
  GdkModifierType want_mods;

  g_assert_true (gtk_accelerator_parse (accel, &want_key, &want_mods));

  for (guint i = 0; accels[i] != NULL; i++)
    {
      guint key;
      GdkModifierType mods;

      if (gtk_accelerator_parse (accels[i], &key, &mods) &&
          key == want_key && mods == want_mods)
        return TRUE;
    }

  return FALSE;
}

/*
 * Tests
 */

static void
test_window_template (AppFixture    *fixture,
                      gconstpointer  user_data)
{
  BtWindow *window;
  GtkWidget *titlebar;
  GtkWidget *menu_button;
  GtkWidget *title;
  GtkWidget *description;
  GMenuModel *menu;
  int width, height;

  if (!require_display ())
    return;

  window = bt_window_new (fixture->app);
  g_assert_true (BT_IS_WINDOW (window));
  g_assert_true (gtk_window_get_application (GTK_WINDOW (window)) ==
                 GTK_APPLICATION (fixture->app));

  gtk_window_present (GTK_WINDOW (window));
  wait_for_mapped (GTK_WIDGET (window));

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "bTorrent");
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 600);

  titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  g_assert_true (GTK_IS_HEADER_BAR (titlebar));
  g_assert_true (titlebar == template_child (window, "header_bar"));

  menu_button = template_child (window, "primary_menu_button");
  g_assert_true (GTK_IS_MENU_BUTTON (menu_button));
  g_assert_true (gtk_menu_button_get_primary (GTK_MENU_BUTTON (menu_button)));
  g_assert_cmpstr (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (menu_button)),
                   ==, "open-menu-symbolic");
  g_assert_true (gtk_widget_is_ancestor (menu_button, titlebar));

  menu = gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button));
  g_assert_nonnull (menu);

  title = template_child (window, "empty_title");
  g_assert_true (GTK_IS_LABEL (title));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (title)), ==, "No Torrents");
  g_assert_true (gtk_widget_has_css_class (title, "title-1"));
  g_assert_true (gtk_widget_get_mapped (title));

  description = template_child (window, "empty_description");
  g_assert_true (GTK_IS_LABEL (description));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (description)), ".torrent"));
  g_assert_true (gtk_widget_get_mapped (description));

  g_assert_true (gtk_widget_is_ancestor (title, template_child (window, "empty_state")));
}

/* The primary menu's items must point at actions that exist. */
static void
test_window_menu_actions (AppFixture    *fixture,
                          gconstpointer  user_data)
{
  BtWindow *window;
  GMenuModel *menu;
  guint n_items = 0;

  if (!require_display ())
    return;

  window = bt_window_new (fixture->app);
  menu = gtk_menu_button_get_menu_model (
      GTK_MENU_BUTTON (template_child (window, "primary_menu_button")));

  for (int s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      g_autoptr(GMenuModel) section = NULL;

      section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);
      g_assert_nonnull (section);

      for (int i = 0; i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *action = NULL;
          g_autofree char *label = NULL;

          g_assert_true (g_menu_model_get_item_attribute (section, i,
                                                          G_MENU_ATTRIBUTE_ACTION,
                                                          "s", &action));
          g_assert_true (g_menu_model_get_item_attribute (section, i,
                                                          G_MENU_ATTRIBUTE_LABEL,
                                                          "s", &label));
          g_assert_true (g_str_has_prefix (action, "app."));
          g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fixture->app),
                                                    action + strlen ("app.")));
          n_items++;
        }
    }

  g_assert_cmpuint (n_items, ==, 2);
}

static void
test_app_actions (AppFixture    *fixture,
                  gconstpointer  user_data)
{
  GActionMap *map;

  if (!require_display ())
    return;

  map = G_ACTION_MAP (fixture->app);
  g_assert_nonnull (g_action_map_lookup_action (map, "quit"));
  g_assert_nonnull (g_action_map_lookup_action (map, "about"));

  g_assert_true (accels_contain (GTK_APPLICATION (fixture->app), "app.quit", "<Control>q"));
  g_assert_true (accels_contain (GTK_APPLICATION (fixture->app), "window.close", "<Control>w"));
}

static void
test_app_about (AppFixture    *fixture,
                gconstpointer  user_data)
{
  GtkWindow *about = NULL;
  g_autoptr(GListModel) toplevels = NULL;

  if (!require_display ())
    return;

  g_application_activate (G_APPLICATION (fixture->app));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "about", NULL);

  toplevels = g_object_ref (gtk_window_get_toplevels ());
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (GTK_IS_ABOUT_DIALOG (toplevel))
        about = toplevel;
    }

  g_assert_nonnull (about);
  g_assert_cmpstr (gtk_about_dialog_get_program_name (GTK_ABOUT_DIALOG (about)), ==, "bTorrent");
  g_assert_cmpstr (gtk_about_dialog_get_version (GTK_ABOUT_DIALOG (about)), ==, PACKAGE_VERSION);
  g_assert_cmpint (gtk_about_dialog_get_license_type (GTK_ABOUT_DIALOG (about)), ==, GTK_LICENSE_GPL_3_0);
  g_assert_true (BT_IS_WINDOW (gtk_window_get_transient_for (about)));

  gtk_window_destroy (about);
}

/* A second activation (the user launches bTorrent again) must not open a
 * second window. */
static void
test_app_single_window (AppFixture    *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GFile) file = NULL;
  GList *windows;

  if (!require_display ())
    return;

  g_application_activate (G_APPLICATION (fixture->app));
  g_application_activate (G_APPLICATION (fixture->app));

  file = g_file_new_for_uri ("magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567");
  g_application_open (G_APPLICATION (fixture->app), &file, 1, "");

  windows = gtk_application_get_windows (GTK_APPLICATION (fixture->app));
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  g_assert_true (BT_IS_WINDOW (windows->data));
}

/* Static on purpose: the bus is stopped but not freed at the end (see
 * main()), and a global keeps it reachable for LeakSanitizer. */
static GTestDBus *bus;

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dbus_daemon = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* GtkApplication wants a session bus at startup (and warns, which is fatal
   * in a test, without one). A private bus keeps the tests away from the
   * user's session and from any bTorrent running in it. The display is
   * opened first because g_test_dbus_up() unsets DISPLAY. */
  dbus_daemon = g_find_program_in_path ("dbus-daemon");

  /* The private bus has no org.a11y.Bus, and GTK warns about that. */
  g_setenv ("GTK_A11Y", "none", FALSE);

  if (!gtk_init_check ())
    {
      missing = "no display: run under xvfb-run";
    }
  else if (dbus_daemon == NULL)
    {
      missing = "dbus-daemon not found: install dbus-daemon";
    }
  else
    {
      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (bus);
    }

  g_test_add ("/app/window/template", AppFixture, NULL,
              app_fixture_setup, test_window_template, app_fixture_teardown);
  g_test_add ("/app/window/menu-actions", AppFixture, NULL,
              app_fixture_setup, test_window_menu_actions, app_fixture_teardown);
  g_test_add ("/app/application/actions", AppFixture, NULL,
              app_fixture_setup, test_app_actions, app_fixture_teardown);
  g_test_add ("/app/application/about", AppFixture, NULL,
              app_fixture_setup, test_app_about, app_fixture_teardown);
  g_test_add ("/app/application/single-window", AppFixture, NULL,
              app_fixture_setup, test_app_single_window, app_fixture_teardown);

  ret = g_test_run ();

  /* Stop, and do not unref: g_test_dbus_down() (also called from finalize)
   * waits for the bus connection to be finalized, and the registered
   * applications keep it alive (see the fixture teardown). */
  if (bus != NULL)
    g_test_dbus_stop (bus);

  return ret;
}
