/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-test-app"
#include "config.h"

#include <gtk/gtk.h>
#include <gdk/x11/gdkx.h>
#include <string.h>
#include <unistd.h>

#include "bt-add-dialog.h"
#include "bt-application.h"
#include "bt-details.h"
#include "bt-fake-tracker.h"
#include "bt-file-tree.h"
#include "bt-format.h"
#include "bt-piece-map.h"
#include "bt-rate-graph.h"
#include "bt-screenshot.h"
#include "bt-session-settings.h"
#include "bt-swarm.h"
#include "bt-test-util.h"
#include "bt-window.h"

/* Generous: Xvfb on a loaded CI machine can take a while to map a window. */
#define WAIT_TIMEOUT_MS 10000

/* Why the UI tests cannot run here, or NULL when they can. */
static const char *missing;
/* The display, saved before g_test_dbus_up() unsets it, for the second
 * instance the remote-open test starts. */
static char *display_name;

/*
 * Fixture
 */

typedef struct
{
  BtApplication *app;
  GSettings     *settings;
  char          *tmp;
  char          *downloads;
} AppFixture;

typedef enum
{
  FIXTURE_NON_UNIQUE = 1 << 0,
  FIXTURE_ADD_DIALOG = 1 << 1,
} FixtureFlags;

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

static char *
app_id_for_test (void)
{
  static guint n_apps;

  /* A fresh id per test, because a registered application stays exported
   * on the (private) bus under its id until the process exits. */
  return g_strdup_printf ("%s.Test%u", APP_ID, ++n_apps);
}

static void
app_fixture_setup (AppFixture    *fixture,
                   gconstpointer  user_data)
{
  FixtureFlags flags = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = NULL;

  if (missing != NULL)
    return;

  fixture->tmp = bt_test_make_tmpdir ();
  fixture->downloads = g_build_filename (fixture->tmp, "downloads", NULL);
  g_mkdir_with_parents (fixture->downloads, 0700);

  /* The memory backend is per process: every test sets what it relies on. */
  fixture->settings = g_settings_new (BT_SETTINGS_SCHEMA_ID);
  g_settings_set_string (fixture->settings, "download-folder", fixture->downloads);
  g_settings_set_int (fixture->settings, "listen-port", 0);
  g_settings_set_boolean (fixture->settings, "show-add-dialog", (flags & FIXTURE_ADD_DIALOG) != 0);
  g_settings_set_boolean (fixture->settings, "start-paused", TRUE);
  g_settings_set_boolean (fixture->settings, "enable-dht", FALSE);
  g_settings_set_boolean (fixture->settings, "enable-lsd", FALSE);
  g_settings_set_boolean (fixture->settings, "enable-pex", FALSE);

  app_id = app_id_for_test ();
  fixture->app = bt_application_new (app_id, (flags & FIXTURE_NON_UNIQUE)
                                             ? G_APPLICATION_NON_UNIQUE
                                             : G_APPLICATION_DEFAULT_FLAGS);
  g_application_register (G_APPLICATION (fixture->app), NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (fixture->app)));
  g_assert_nonnull (bt_application_get_session (fixture->app));
}

static void
app_fixture_teardown (AppFixture    *fixture,
                      gconstpointer  user_data)
{
  g_autofree char *state_dir = NULL;
  g_autoptr(GListModel) toplevels = NULL;

  if (fixture->app == NULL)
    return;

  /* Every toplevel, dialogs included: an add dialog holds the session. */
  toplevels = g_object_ref (gtk_window_get_toplevels ());
  while (g_list_model_get_n_items (toplevels) > 0)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, 0);

      gtk_window_destroy (window);
    }

  /* What GApplication::shutdown does (it runs only from
   * g_application_run()): close the session; this must return. */
  bt_application_close_session (fixture->app);
  g_assert_null (bt_application_get_session (fixture->app));

  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* Not g_assert_finalize_object(): once registered, GApplication exports its
   * actions on the bus and that export holds a reference. */
  g_clear_object (&fixture->app);
  g_clear_object (&fixture->settings);

  state_dir = g_build_filename (g_get_user_data_dir (), "btorrent", NULL);
  bt_test_remove_tree (state_dir);
  bt_test_remove_tree (fixture->tmp);
  g_free (fixture->tmp);
  g_free (fixture->downloads);
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

typedef gboolean (*Condition) (gpointer data);

/* Runs the main loop until @condition holds, or fails the test after
 * @timeout_ms. */
static void
wait_until (Condition   condition,
            gpointer    data,
            guint       timeout_ms,
            const char *what)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);
  if (!condition (data))
    g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (GTK_WIDGET (widget));
}

static GtkWidget *
template_child (gpointer    widget,
                const char *name)
{
  GObject *child;

  child = gtk_widget_get_template_child (GTK_WIDGET (widget), G_OBJECT_TYPE (widget), name);
  g_assert_nonnull (child);

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

static BtWindow *
app_window (AppFixture *fixture)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (fixture->app)); l; l = l->next)
    if (BT_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static GListModel *
session_torrents (AppFixture *fixture)
{
  return bt_session_get_torrents (bt_application_get_session (fixture->app));
}

/* A mapped GtkLabel below @root whose text is @text, or NULL. */
static GtkWidget *
find_mapped_label (GtkWidget  *root,
                   const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      g_strcmp0 (gtk_label_get_label (GTK_LABEL (root)), text) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_mapped_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
count_widgets (GtkWidget *root,
               GType      type)
{
  guint n = G_TYPE_CHECK_INSTANCE_TYPE (root, type) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_widgets (child, type);
  return n;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }
  return NULL;
}

/* A torrent of @n_files small random files in a folder @name, written to
 * @dir/@name.torrent. Returns the .torrent path. */
static char *
make_torrent (const char *dir,
              const char *name,
              guint       n_files)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_build_filename (dir, "source", name, NULL);
  g_autofree char *sub = g_build_filename (source, "sub", NULL);
  g_autofree char *torrent = NULL;
  g_autofree char *hash = NULL;

  g_mkdir_with_parents (sub, 0700);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *file_name = g_strdup_printf ("file-%u.bin", i);
      g_autofree char *path = g_build_filename (i % 2 ? sub : source, file_name, NULL);

      bt_test_write_random_file (path, 20000 + i * 1000, g_str_hash (name) + i);
    }

  torrent = g_strdup_printf ("%s/%s.torrent", dir, name);
  hash = bt_test_create_torrent (source, NULL, 16384, torrent, &error);
  g_assert_no_error (error);
  g_assert_nonnull (hash);
  return g_steal_pointer (&torrent);
}

static gboolean
has_n_torrents (gpointer data)
{
  AppFixture *fixture = data;
  guint want = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (fixture->app), "want"));

  return g_list_model_get_n_items (session_torrents (fixture)) == want;
}

static void
wait_for_n_torrents (AppFixture *fixture,
                     guint       n)
{
  g_object_set_data (G_OBJECT (fixture->app), "want", GUINT_TO_POINTER (n));
  wait_until (has_n_torrents, fixture, WAIT_TIMEOUT_MS, "the torrent to be added");
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_shown (gpointer data)
{
  LabelWait *wait = data;

  return find_mapped_label (wait->root, wait->text) != NULL;
}

static GtkDropTarget *
window_drop_target (BtWindow *window)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

static gboolean
torrent_running (gpointer data)
{
  return bt_torrent_get_state (BT_TORRENT (data)) != BT_TORRENT_STATE_STOPPED;
}

static gboolean
torrent_stopped (gpointer data)
{
  return bt_torrent_get_state (BT_TORRENT (data)) == BT_TORRENT_STATE_STOPPED;
}

static gboolean
model_has_one (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) == 1;
}

/*
 * Tests that need no display
 */

static void
test_format (void)
{
  g_autofree char *eta_s = bt_format_eta (42);
  g_autofree char *eta_m = bt_format_eta (125);
  g_autofree char *eta_h = bt_format_eta (3 * 3600 + 5 * 60);
  g_autofree char *eta_d = bt_format_eta (3 * 86400 + 2 * 3600);
  g_autofree char *eta_unknown = bt_format_eta (-1);
  g_autofree char *pct = bt_format_percent (0.425);
  g_autofree char *pct_almost = bt_format_percent (0.99999);
  g_autofree char *pct_full = bt_format_percent (1.0);
  g_autofree char *rate_idle = bt_format_rate (10);
  g_autofree char *rate = bt_format_rate (2.5 * 1024 * 1024);
  g_autofree char *ratio = bt_format_ratio (1.5);
  g_autofree char *status_err = bt_format_status (BT_TORRENT_STATE_ERROR, 0, "Disk full");
  g_autofree char *status_check = bt_format_status (BT_TORRENT_STATE_CHECKING, 0.5, NULL);

  g_assert_cmpstr (eta_s, ==, "42 s");
  g_assert_cmpstr (eta_m, ==, "2 min");
  g_assert_cmpstr (eta_h, ==, "3 h 05 min");
  g_assert_cmpstr (eta_d, ==, "3 d 2 h");
  g_assert_cmpstr (eta_unknown, ==, "");
  g_assert_cmpstr (pct, ==, "42.5%");
  /* Never "100%" before it is. */
  g_assert_cmpstr (pct_almost, ==, "99.9%");
  g_assert_cmpstr (pct_full, ==, "100.0%");
  g_assert_cmpstr (rate_idle, ==, "");
  g_assert_cmpstr (rate, ==, "2.5\u00a0MiB/s");
  g_assert_cmpstr (ratio, ==, "1.50");
  g_assert_cmpstr (status_err, ==, "Error: Disk full");
  g_assert_cmpstr (status_check, ==, "Checking 50.0%");
  g_assert_cmpstr (bt_format_state_name (BT_TORRENT_STATE_SEEDING), ==, "Seeding");
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
  const char *buttons[] = { "add_button", "magnet_button", "resume_button", "pause_button",
                            "remove_button", "details_button", "search_button",
                            "primary_menu_button" };

  if (!require_display ())
    return;

  window = bt_window_new (fixture->app);
  g_assert_true (gtk_window_get_application (GTK_WINDOW (window)) ==
                 GTK_APPLICATION (fixture->app));

  gtk_window_present (GTK_WINDOW (window));
  wait_until (is_mapped, window, WAIT_TIMEOUT_MS, "the window to map");

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "bTorrent");

  titlebar = gtk_window_get_titlebar (GTK_WINDOW (window));
  g_assert_true (GTK_IS_HEADER_BAR (titlebar));
  menu_button = template_child (window, "primary_menu_button");
  g_assert_true (gtk_menu_button_get_primary (GTK_MENU_BUTTON (menu_button)));
  g_assert_true (gtk_widget_is_ancestor (menu_button, titlebar));

  /* Icon-only buttons carry a name for screen readers and a tooltip. */
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    {
      GtkWidget *button = template_child (window, buttons[i]);

      g_assert_true (gtk_widget_is_ancestor (button, titlebar));
      g_assert_nonnull (gtk_widget_get_tooltip_text (button));
      g_assert_true (gtk_widget_get_mapped (button));
    }

  /* No torrents: the empty state says how to start. */
  title = template_child (window, "empty_title");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (title)), ==, "No Torrents");
  g_assert_true (gtk_widget_get_mapped (title));
  description = template_child (window, "empty_description");
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (description)), ".torrent"));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (description)), "magnet"));
  g_assert_true (gtk_widget_get_mapped (description));
  g_assert_false (gtk_widget_get_mapped (template_child (window, "torrent_view")));

  /* The footer's totals come from the session. */
  g_assert_true (gtk_widget_get_mapped (template_child (window, "active_label")));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (template_child (window, "active_label"))),
                            "0 of 0"));
}

/* The menus' items must point at actions that exist. */
static void
check_menu (AppFixture *fixture,
            BtWindow   *window,
            GMenuModel *menu,
            guint      *n_items)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      g_autofree char *action = NULL;

      if (section != NULL)
        {
          check_menu (fixture, window, section, n_items);
          continue;
        }

      g_assert_true (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action));
      if (g_str_has_prefix (action, "app."))
        g_assert_true (g_action_group_has_action (G_ACTION_GROUP (fixture->app), action + 4));
      else if (g_str_has_prefix (action, "win."))
        g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), action + 4));
      else
        g_assert_not_reached ();
      (*n_items)++;
    }
}

static void
test_window_menu_actions (AppFixture    *fixture,
                          gconstpointer  user_data)
{
  BtWindow *window;
  guint n_items = 0;

  if (!require_display ())
    return;

  window = bt_window_new (fixture->app);
  check_menu (fixture, window,
              gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (template_child (window, "primary_menu_button"))),
              &n_items);
  g_assert_cmpuint (n_items, ==, 4);

  n_items = 0;
  check_menu (fixture, window, G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (window), BT_TYPE_WINDOW,
                                                                            "torrent_menu")),
              &n_items);
  g_assert_cmpuint (n_items, ==, 6);
}

static void
test_app_actions (AppFixture    *fixture,
                  gconstpointer  user_data)
{
  const char *actions[] = { "add", "add-magnet", "pause", "resume", "remove", "preferences",
                            "shortcuts", "about", "quit", "open-folder", "reannounce" };
  GtkApplication *app = GTK_APPLICATION (fixture->app);

  if (!require_display ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    g_assert_nonnull (g_action_map_lookup_action (G_ACTION_MAP (fixture->app), actions[i]));

  g_assert_true (accels_contain (app, "app.add", "<Control>o"));
  g_assert_true (accels_contain (app, "app.add-magnet", "<Control>u"));
  g_assert_true (accels_contain (app, "app.quit", "<Control>q"));
  g_assert_true (accels_contain (app, "win.search", "<Control>f"));
  g_assert_true (accels_contain (app, "win.show-details", "F9"));
  g_assert_true (accels_contain (app, "window.close", "<Control>w"));

  /* Nothing selected: nothing to pause, resume or remove. */
  g_application_activate (G_APPLICATION (fixture->app));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "pause"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "resume"));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "remove"));
}

static void
test_app_about (AppFixture    *fixture,
                gconstpointer  user_data)
{
  GtkWindow *about;

  if (!require_display ())
    return;

  g_application_activate (G_APPLICATION (fixture->app));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "about", NULL);

  about = find_toplevel (GTK_TYPE_ABOUT_DIALOG);
  g_assert_nonnull (about);
  g_assert_cmpstr (gtk_about_dialog_get_program_name (GTK_ABOUT_DIALOG (about)), ==, "bTorrent");
  g_assert_cmpstr (gtk_about_dialog_get_version (GTK_ABOUT_DIALOG (about)), ==, PACKAGE_VERSION);
  g_assert_true (BT_IS_WINDOW (gtk_window_get_transient_for (about)));
}

/* A second activation (the user launches bTorrent again) must not open a
 * second window. */
static void
test_app_single_window (AppFixture    *fixture,
                        gconstpointer  user_data)
{
  GList *windows;

  if (!require_display ())
    return;

  g_application_activate (G_APPLICATION (fixture->app));
  g_application_activate (G_APPLICATION (fixture->app));

  windows = gtk_application_get_windows (GTK_APPLICATION (fixture->app));
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  g_assert_true (BT_IS_WINDOW (windows->data));
}

/* `btorrent FILE.torrent`: the row appears in the model and on screen. */
static void
test_open_torrent_path (AppFixture    *fixture,
                        gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(BtTorrent) torrent = NULL;
  g_autoptr(GPtrArray) selected = NULL;
  BtWindow *window;
  LabelWait wait;

  if (!require_display ())
    return;

  path = make_torrent (fixture->tmp, "Open Me", 3);
  file = g_file_new_for_commandline_arg (path);
  g_application_open (G_APPLICATION (fixture->app), &file, 1, "");

  window = app_window (fixture);
  g_assert_nonnull (window);
  wait_for_n_torrents (fixture, 1);

  torrent = g_list_model_get_item (session_torrents (fixture), 0);
  g_assert_cmpstr (bt_torrent_get_name (torrent), ==, "Open Me");
  g_assert_cmpuint (g_list_model_get_n_items (bt_window_get_visible_torrents (window)), ==, 1);

  wait.root = template_child (window, "torrent_view");
  wait.text = "Open Me";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the torrent's row");
  g_assert_false (gtk_widget_get_mapped (template_child (window, "empty_state")));

  /* A new torrent is selected, so pause/resume/remove apply to it. */
  selected = bt_window_get_selected_torrents (window);
  g_assert_cmpuint (selected->len, ==, 1);
  g_assert_true (g_ptr_array_index (selected, 0) == (gpointer) torrent);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "remove"));

  /* Added paused (the setting): resume is offered, and works. */
  g_assert_cmpint (bt_torrent_get_state (torrent), ==, BT_TORRENT_STATE_STOPPED);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "resume"));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "resume", NULL);
  wait_until (torrent_running, torrent, WAIT_TIMEOUT_MS, "the torrent to start");
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "pause"));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "pause", NULL);
  wait_until (torrent_stopped, torrent, WAIT_TIMEOUT_MS, "the torrent to stop");
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "resume"));
}

static void
test_filter_and_search (AppFixture    *fixture,
                        gconstpointer  user_data)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  GFile *files[2];
  BtWindow *window;
  GListModel *visible;
  g_autoptr(BtTorrent) alpha = NULL;

  if (!require_display ())
    return;

  a = make_torrent (fixture->tmp, "Alpha Linux", 1);
  b = make_torrent (fixture->tmp, "Beta BSD", 1);
  files[0] = g_file_new_for_path (a);
  files[1] = g_file_new_for_path (b);
  g_application_open (G_APPLICATION (fixture->app), files, 2, "");
  g_object_unref (files[0]);
  g_object_unref (files[1]);
  wait_for_n_torrents (fixture, 2);

  window = app_window (fixture);
  visible = bt_window_get_visible_torrents (window);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 2);

  /* Search on name, case-insensitive. */
  gtk_editable_set_text (GTK_EDITABLE (template_child (window, "search_entry")), "alpha");
  g_signal_emit_by_name (template_child (window, "search_entry"), "search-changed");
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 1);
  alpha = g_list_model_get_item (visible, 0);
  g_assert_cmpstr (bt_torrent_get_name (alpha), ==, "Alpha Linux");

  gtk_editable_set_text (GTK_EDITABLE (template_child (window, "search_entry")), "nothing like it");
  g_signal_emit_by_name (template_child (window, "search_entry"), "search-changed");
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (template_child (window, "list_stack"))),
                   ==, "no-results");

  gtk_editable_set_text (GTK_EDITABLE (template_child (window, "search_entry")), "");
  g_signal_emit_by_name (template_child (window, "search_entry"), "search-changed");
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 2);

  /* Both were added paused: "Paused" shows both, "Seeding" none; resuming
   * one takes it out of "Paused" without touching the filter. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (template_child (window, "filter_dropdown")), 3);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 2);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (template_child (window, "filter_dropdown")), 2);
  g_assert_cmpuint (g_list_model_get_n_items (visible), ==, 0);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (template_child (window, "filter_dropdown")), 3);
  bt_session_resume (bt_application_get_session (fixture->app), alpha);
  wait_until (model_has_one, visible, WAIT_TIMEOUT_MS, "the filter to follow the state");
}

/* Dropping a file through the window's GtkDropTarget adds it. */
static void
test_drop_file (AppFixture    *fixture,
                gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(BtTorrent) torrent = NULL;
  GtkDropTarget *target;
  GtkWidget *highlight;
  GSList *list = NULL;
  GValue value = G_VALUE_INIT;
  GValue text = G_VALUE_INIT;
  gboolean handled = FALSE;
  GdkDragAction action = 0;
  BtWindow *window;

  if (!require_display ())
    return;

  g_application_activate (G_APPLICATION (fixture->app));
  window = app_window (fixture);
  wait_until (is_mapped, window, WAIT_TIMEOUT_MS, "the window to map");

  target = window_drop_target (window);
  g_assert_nonnull (target);
  g_assert_cmpint (gtk_drop_target_get_actions (target) & GDK_ACTION_COPY, ==, GDK_ACTION_COPY);

  /* Dragging over shows the highlight; leaving hides it. */
  highlight = template_child (window, "drop_highlight");
  g_assert_false (gtk_widget_get_visible (highlight));
  g_signal_emit_by_name (target, "enter", 10.0, 10.0, &action);
  g_assert_cmpint (action, ==, GDK_ACTION_COPY);
  g_assert_true (gtk_widget_get_visible (highlight));
  g_signal_emit_by_name (target, "leave");
  g_assert_false (gtk_widget_get_visible (highlight));

  path = make_torrent (fixture->tmp, "Dropped", 2);
  list = g_slist_append (list, g_file_new_for_path (path));
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (list));
  g_slist_free_full (list, g_object_unref);

  g_signal_emit_by_name (target, "enter", 10.0, 10.0, &action);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &handled);
  g_value_unset (&value);
  g_assert_true (handled);
  g_assert_false (gtk_widget_get_visible (highlight));

  wait_for_n_torrents (fixture, 1);
  torrent = g_list_model_get_item (session_torrents (fixture), 0);
  g_assert_cmpstr (bt_torrent_get_name (torrent), ==, "Dropped");

  /* Text that holds no link is refused, with a word why. */
  g_value_init (&text, G_TYPE_STRING);
  g_value_set_string (&text, "just some words");
  g_signal_emit_by_name (target, "drop", &text, 10.0, 10.0, &handled);
  g_value_unset (&text);
  g_assert_false (handled);
  g_assert_nonnull (bt_window_get_error (window));
}

/* Dropping text: a file:// URI line and a magnet link. */
static void
test_drop_text (AppFixture    *fixture,
                gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *text = NULL;
  GValue value = G_VALUE_INIT;
  gboolean handled = FALSE;
  gboolean found_magnet = FALSE, found_file = FALSE;
  BtWindow *window;

  if (!require_display ())
    return;

  g_application_activate (G_APPLICATION (fixture->app));
  window = app_window (fixture);

  path = make_torrent (fixture->tmp, "From URI", 1);
  uri = g_filename_to_uri (path, NULL, NULL);
  text = g_strdup_printf ("# text/uri-list\r\n%s\r\n"
                          "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Linked\r\n",
                          uri);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, text);
  g_signal_emit_by_name (window_drop_target (window), "drop", &value, 5.0, 5.0, &handled);
  g_value_unset (&value);
  g_assert_true (handled);

  wait_for_n_torrents (fixture, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (session_torrents (fixture), i);

      if (g_strcmp0 (bt_torrent_get_info_hash_hex (torrent),
                     "0123456789abcdef0123456789abcdef01234567") == 0)
        found_magnet = TRUE;
      if (g_strcmp0 (bt_torrent_get_name (torrent), "From URI") == 0)
        found_file = TRUE;
    }
  g_assert_true (found_magnet);
  g_assert_true (found_file);
}

/* With "show-add-dialog" set, opening a torrent asks first. */
static gboolean
add_dialog_shown (gpointer data)
{
  return find_toplevel (BT_TYPE_ADD_DIALOG) != NULL;
}

static void
test_add_dialog (AppFixture    *fixture,
                 gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  GtkWindow *dialog;

  if (!require_display ())
    return;

  path = make_torrent (fixture->tmp, "Ask First", 2);
  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (fixture->app), &file, 1, "");

  wait_until (add_dialog_shown, NULL, WAIT_TIMEOUT_MS, "the add dialog");
  dialog = find_toplevel (BT_TYPE_ADD_DIALOG);
  g_assert_cmpstr (bt_metainfo_get_name (bt_add_dialog_get_metainfo (BT_ADD_DIALOG (dialog))),
                   ==, "Ask First");
  g_assert_true (BT_IS_WINDOW (gtk_window_get_transient_for (dialog)));
  /* Nothing is added before the person says so. */
  g_assert_cmpuint (g_list_model_get_n_items (session_torrents (fixture)), ==, 0);
}

/* A bad .torrent shows an error and the app goes on. */
static gboolean
error_dialog_shown (gpointer data)
{
  return find_toplevel (GTK_TYPE_MESSAGE_DIALOG) != NULL;
}

static void
test_bad_torrent (AppFixture    *fixture,
                  gconstpointer  user_data)
{
  g_autofree char *bad = g_build_filename (fixture->tmp, "bad.torrent", NULL);
  g_autofree char *good = NULL;
  g_autoptr(GFile) bad_file = NULL;
  g_autoptr(GFile) good_file = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;
  g_autofree char *text = NULL;

  if (!require_display ())
    return;

  g_file_set_contents (bad, "d8:announce3:foo4:infoi42ee", -1, &error);
  g_assert_no_error (error);
  bad_file = g_file_new_for_path (bad);
  g_application_open (G_APPLICATION (fixture->app), &bad_file, 1, "");

  wait_until (error_dialog_shown, NULL, WAIT_TIMEOUT_MS, "the error message");
  dialog = find_toplevel (GTK_TYPE_MESSAGE_DIALOG);
  g_object_get (dialog, "text", &text, NULL);
  g_assert_nonnull (strstr (text, "bad.torrent"));
  g_assert_cmpuint (g_list_model_get_n_items (session_torrents (fixture)), ==, 0);
  gtk_window_destroy (dialog);

  /* Still running: the next good file is added. */
  good = make_torrent (fixture->tmp, "Good After Bad", 1);
  good_file = g_file_new_for_path (good);
  g_application_open (G_APPLICATION (fixture->app), &good_file, 1, "");
  wait_for_n_torrents (fixture, 1);
  g_assert_nonnull (app_window (fixture));
}

/* `btorrent FILE` while bTorrent runs: the file reaches this instance. */
static void
test_remote_open (AppFixture    *fixture,
                  gconstpointer  user_data)
{
  const char *btorrent = g_getenv ("BTORRENT_APP");
  g_autofree char *path = NULL;
  g_autofree char *id_arg = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtTorrent) torrent = NULL;
  gboolean timed_out = FALSE;
  guint timeout_id;

  if (!require_display ())
    return;
  if (btorrent == NULL)
    {
      bt_test_skip_or_fail ("BTORRENT_APP is not set: run through meson test");
      return;
    }

  g_application_activate (G_APPLICATION (fixture->app));
  path = make_torrent (fixture->tmp, "From Second Instance", 2);
  id_arg = g_strdup_printf ("--gapplication-app-id=%s",
                            g_application_get_application_id (G_APPLICATION (fixture->app)));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  if (display_name != NULL)
    g_subprocess_launcher_setenv (launcher, "DISPLAY", display_name, TRUE);
  bt_test_launcher_tie_to_parent (launcher);
  process = g_subprocess_launcher_spawn (launcher, &error, btorrent, id_arg, path, NULL);
  g_assert_no_error (error);

  /* The second instance forwards the file over D-Bus and exits; this
   * one must keep serving its main loop meanwhile. */
  timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);
  while (!timed_out && (g_subprocess_get_identifier (process) != NULL ||
                        g_list_model_get_n_items (session_torrents (fixture)) == 0))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);

  g_assert_false (timed_out);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (session_torrents (fixture)), ==, 1);
  torrent = g_list_model_get_item (session_torrents (fixture), 0);
  g_assert_cmpstr (bt_torrent_get_name (torrent), ==, "From Second Instance");
  /* Still one window: the second call raised the first. */
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (fixture->app))), ==, 1);
}

static void
subprocess_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static void
run_xdotool (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  if (display_name != NULL)
    g_subprocess_launcher_setenv (launcher, "DISPLAY", display_name, TRUE);
  bt_test_launcher_tie_to_parent (launcher);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  /* The app must keep its main loop running meanwhile. */
  g_subprocess_wait_async (process, NULL, subprocess_done_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

/* Presses @key on the X display with xdotool, as a person would: a real
 * key event through XTest into @window, given the input focus first.
 * (Sent to the window directly, with XSendEvent, it would not count: GTK
 * reads keys through XInput 2.) */
static void
press_key (GtkWindow  *window,
           const char *key)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *xid = NULL;

  g_assert_true (GDK_IS_X11_SURFACE (surface));
  xid = g_strdup_printf ("%lu", (gulong) gdk_x11_surface_get_xid (surface));
  run_xdotool ((const char *[]) { "xdotool", "windowfocus", "--sync", xid, NULL });
  run_xdotool ((const char *[]) { "xdotool", "key", key, NULL });
}

static gboolean
has_message_dialog (gpointer data)
{
  return find_toplevel (GTK_TYPE_MESSAGE_DIALOG) != NULL;
}

/* Delete asks to remove the selected torrents wherever the focus is in
 * the window, after a click on a header button too; typing Delete in the
 * search entry edits the text and removes nothing. */
static void
test_delete_key (AppFixture    *fixture,
                 gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autofree char *xdotool = NULL;
  g_autoptr(GFile) file = NULL;
  GtkWidget *entry;
  BtWindow *window;
  LabelWait wait;
  gboolean timed_out = FALSE;

  if (!require_display ())
    return;
  xdotool = bt_test_require_tool ("xdotool");
  if (xdotool == NULL)
    return;

  path = make_torrent (fixture->tmp, "Delete Me", 1);
  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (fixture->app), &file, 1, "");
  wait_for_n_torrents (fixture, 1);
  window = app_window (fixture);
  wait.root = template_child (window, "torrent_view");
  wait.text = "Delete Me";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the torrent's row");
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "remove"));

  /* In the search entry, Delete is the entry's. */
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (template_child (window, "search_bar")), TRUE);
  entry = template_child (window, "search_entry");
  gtk_editable_set_text (GTK_EDITABLE (entry), "Delete Me");
  wait_until (is_mapped, entry, WAIT_TIMEOUT_MS, "the search entry");
  g_assert_true (gtk_widget_grab_focus (entry));
  gtk_editable_set_position (GTK_EDITABLE (entry), 0);
  press_key (GTK_WINDOW (window), "Delete");
  g_timeout_add (500, timeout_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "elete Me");
  g_assert_false (has_message_dialog (NULL));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (template_child (window, "search_bar")), FALSE);

  /* With the focus on a header button, off the list. */
  g_assert_true (gtk_widget_grab_focus (template_child (window, "details_button")));
  press_key (GTK_WINDOW (window), "Delete");
  wait_until (has_message_dialog, NULL, WAIT_TIMEOUT_MS, "the remove dialog");
  g_assert_cmpuint (g_list_model_get_n_items (session_torrents (fixture)), ==, 1);
}

/* The rows of the files view in the order it shows them, by name. With
 * @names NULL, the tree's own order: each folder before its files. */
static void
assert_file_rows (GtkColumnView      *view,
                  const char * const *names,
                  guint               n_names)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (view));
  guint n = g_list_model_get_n_items (model);

  if (names != NULL)
    g_assert_cmpuint (n, ==, n_names);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GtkTreeListRow) row = g_list_model_get_item (model, i);
      g_autoptr(BtFileNode) node = gtk_tree_list_row_get_item (row);

      if (names != NULL)
        g_assert_cmpstr (bt_file_node_get_name (node), ==, names[i]);
      else if (i == 1)
        g_assert_cmpstr (bt_file_node_get_name (node), ==, "sub");
    }
}

/* The details pane: general page, a file tree with folders, the piece map
 * and the trackers of the metainfo. */
static void
test_details (AppFixture    *fixture,
              gconstpointer  user_data)
{
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(BtTorrent) torrent = NULL;
  g_autoptr(GListModel) tree = NULL;
  g_autoptr(BtFileNode) folder = NULL;
  g_autoptr(BtFileNode) first_file = NULL;
  BtWindow *window;
  BtDetails *details;
  GtkColumnView *files_view;
  LabelWait wait;

  if (!require_display ())
    return;

  path = make_torrent (fixture->tmp, "Detailed", 4);
  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (fixture->app), &file, 1, "");
  wait_for_n_torrents (fixture, 1);
  torrent = g_list_model_get_item (session_torrents (fixture), 0);

  window = app_window (fixture);
  bt_window_select_torrent (window, torrent);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-details", NULL);
  details = BT_DETAILS (template_child (window, "details"));
  wait_until (is_mapped, details, WAIT_TIMEOUT_MS, "the details pane");
  g_assert_true (bt_details_get_torrent (details) == torrent);

  /* General: the info-hash on screen. */
  wait.root = GTK_WIDGET (details);
  wait.text = bt_torrent_get_info_hash_hex (torrent);
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the info-hash");

  /* General: its own speed limits, off at first; turned on, they reach
   * the engine, and what the engine is told shows. */
  {
    GtkWidget *limits = template_child (details, "speed_limits");
    GtkCheckButton *down_check = GTK_CHECK_BUTTON (template_child (limits, "download_check"));
    GtkSpinButton *down_spin = GTK_SPIN_BUTTON (template_child (limits, "download_spin"));
    GtkCheckButton *up_check = GTK_CHECK_BUTTON (template_child (limits, "upload_check"));
    GtkSpinButton *up_spin = GTK_SPIN_BUTTON (template_child (limits, "upload_spin"));

    g_assert_true (gtk_widget_get_mapped (limits));
    g_assert_false (gtk_check_button_get_active (down_check));
    g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (down_spin)));
    gtk_spin_button_set_value (down_spin, 250);
    g_assert_cmpuint (bt_torrent_get_download_limit (torrent), ==, 0);
    gtk_check_button_set_active (down_check, TRUE);
    g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (down_spin)));
    g_assert_cmpuint (bt_torrent_get_download_limit (torrent), ==, 250 * 1024);
    gtk_spin_button_set_value (down_spin, 300);
    g_assert_cmpuint (bt_torrent_get_download_limit (torrent), ==, 300 * 1024);
    gtk_check_button_set_active (down_check, FALSE);
    g_assert_cmpuint (bt_torrent_get_download_limit (torrent), ==, 0);

    bt_torrent_set_upload_limit (torrent, 40 * 1024);
    g_assert_true (gtk_check_button_get_active (up_check));
    g_assert_cmpint (gtk_spin_button_get_value_as_int (up_spin), ==, 40);
    g_assert_cmpuint (bt_torrent_get_download_limit (torrent), ==, 0);
    bt_torrent_set_upload_limit (torrent, 0);
    g_assert_false (gtk_check_button_get_active (up_check));
  }

  /* Files: "sub" is a folder holding the odd files, folders first. */
  bt_details_set_page (details, "files");
  files_view = GTK_COLUMN_VIEW (gtk_widget_get_template_child (GTK_WIDGET (details), BT_TYPE_DETAILS,
                                                                "files_view"));
  g_assert_nonnull (gtk_column_view_get_model (files_view));
  tree = bt_file_tree_new (bt_torrent_get_files (torrent));
  /* One top folder, the torrent's name, as on disk. */
  g_assert_cmpuint (g_list_model_get_n_items (tree), ==, 1);
  {
    g_autoptr(BtFileNode) top = g_list_model_get_item (tree, 0);
    g_autoptr(GListModel) level = NULL;

    g_assert_cmpstr (bt_file_node_get_name (top), ==, "Detailed");
    g_assert_cmpuint (bt_file_node_get_size (top), ==, 20000 + 21000 + 22000 + 23000);
    level = bt_file_node_dup_children (top);
    g_assert_cmpuint (g_list_model_get_n_items (level), ==, 3);
    folder = g_list_model_get_item (level, 0);
  }
  g_assert_true (bt_file_node_is_folder (folder));
  g_assert_cmpstr (bt_file_node_get_name (folder), ==, "sub");
  g_assert_cmpuint (bt_file_node_get_size (folder), ==, 21000 + 23000);
  g_assert_true (bt_file_node_get_wanted (folder));
  wait.text = "sub";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the folder row");

  /* Unchecking a folder skips its files in the engine, and the folder
   * follows what the files say. */
  bt_file_node_set_wanted (folder, FALSE);
  g_assert_false (bt_file_node_get_wanted (folder));
  g_assert_cmpuint (bt_torrent_get_wanted_size (torrent), <, bt_torrent_get_total_size (torrent));
  {
    g_autoptr(GListModel) children = bt_file_node_dup_children (folder);
    g_autoptr(BtFileNode) second_file = g_list_model_get_item (children, 1);

    first_file = g_list_model_get_item (children, 0);
    g_assert_cmpint (bt_file_get_priority (bt_file_node_get_file (first_file)), ==, BT_PRIORITY_SKIP);
    g_assert_cmpint (bt_torrent_get_file_priority (torrent, bt_file_get_index (bt_file_node_get_file (second_file))),
                     ==, BT_PRIORITY_SKIP);
  }
  bt_file_node_set_wanted (first_file, TRUE);
  g_assert_true (bt_file_node_get_inconsistent (folder));
  g_assert_false (bt_file_node_get_wanted (folder));

  /* The piece map shows this torrent: nothing is here yet. */
  {
    BtPieceMap *map = BT_PIECE_MAP (gtk_widget_get_template_child (GTK_WIDGET (details), BT_TYPE_DETAILS,
                                                                    "piece_map"));
    double have = -1, in_progress = -1;

    g_assert_true (bt_piece_map_get_torrent (map) == torrent);
    bt_piece_map_get_column (map, 0, 10, &have, &in_progress);
    g_assert_cmpfloat (have, ==, 0.0);
    g_assert_cmpfloat (in_progress, ==, 0.0);
  }

  /* Sorting by a column sorts each folder's rows, folders among files:
   * by size, the 44,000-byte "sub" goes after the 20,000- and
   * 22,000-byte files, and its own files follow it, smallest first. */
  {
    const char *by_size[] = { "Detailed", "file-0.bin", "file-2.bin", "sub",
                              "file-1.bin", "file-3.bin" };
    const char *by_size_down[] = { "Detailed", "sub", "file-3.bin", "file-1.bin",
                                   "file-2.bin", "file-0.bin" };
    GListModel *columns = gtk_column_view_get_columns (files_view);
    g_autoptr(GtkColumnViewColumn) size_column = g_list_model_get_item (columns, 1);

    g_assert_cmpstr (gtk_column_view_column_get_title (size_column), ==, "Size");
    g_assert_nonnull (gtk_column_view_column_get_sorter (size_column));
    assert_file_rows (files_view, NULL, 0);
    gtk_column_view_sort_by_column (files_view, size_column, GTK_SORT_ASCENDING);
    assert_file_rows (files_view, by_size, G_N_ELEMENTS (by_size));
    gtk_column_view_sort_by_column (files_view, size_column, GTK_SORT_DESCENDING);
    assert_file_rows (files_view, by_size_down, G_N_ELEMENTS (by_size_down));
    wait.text = "file-3.bin";
    wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "a sorted file row");
  }

  bt_details_set_page (details, "peers");
  g_assert_cmpstr (bt_details_get_page (details), ==, "peers");
  bt_details_set_page (details, "trackers");
  g_assert_cmpstr (bt_details_get_page (details), ==, "trackers");
  /* No trackers: the page says where peers come from instead. */
  g_assert_cmpuint (g_list_model_get_n_items (bt_torrent_get_trackers (torrent)), ==, 0);
  g_assert_true (is_mapped (gtk_widget_get_template_child (GTK_WIDGET (details), BT_TYPE_DETAILS,
                                                           "trackers_note")));

  /* Nothing selected: the pane forgets the torrent, General included. */
  bt_details_set_page (details, "general");
  wait.text = bt_torrent_get_info_hash_hex (torrent);
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the info-hash again");
  gtk_selection_model_unselect_all (gtk_column_view_get_model (GTK_COLUMN_VIEW (template_child (window, "torrent_view"))));
  g_assert_null (bt_details_get_torrent (details));
  g_assert_null (find_mapped_label (GTK_WIDGET (details), bt_torrent_get_info_hash_hex (torrent)));
  g_assert_null (find_mapped_label (GTK_WIDGET (details), "Detailed"));

  /* F9 again hides it. */
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-details", NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (details)));
}

static gboolean
seconds_ago_shown (gpointer data)
{
  for (int i = 1; i <= 9; i++)
    {
      g_autofree char *text = g_strdup_printf ("%d s ago", i);

      if (find_mapped_label (data, text) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
tracker_working (gpointer data)
{
  return bt_tracker_info_get_state (data) == BT_TRACKER_STATE_WORKING;
}

static gboolean
tracker_failed (gpointer data)
{
  return bt_tracker_info_get_state (data) == BT_TRACKER_STATE_ERROR;
}

/* The Trackers page lists each tracker with what it last answered: a
 * scripted UDP tracker in the second tier that reports 5 seeders and 7
 * leechers, and a dead HTTP tracker in the first whose error shows. */
static void
test_trackers (AppFixture    *fixture,
               gconstpointer  user_data)
{
  g_autoptr(BtFakeUdpTracker) udp = NULL;
  g_autoptr(GSocket) closed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *udp_url = NULL;
  g_autofree char *dead_url = NULL;
  g_autofree char *source = NULL;
  g_autofree char *path = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(BtTorrent) torrent = NULL;
  g_autoptr(BtTrackerInfo) first = NULL;
  g_autoptr(BtTrackerInfo) second = NULL;
  g_autofree char *expected_error = NULL;
  BtWindow *window;
  BtDetails *details;
  GtkColumnView *view;
  LabelWait wait;

  if (!require_display ())
    return;

  udp = bt_fake_udp_tracker_new ();
  bt_fake_udp_tracker_set_answer (udp, 1800, 5, 7, 0, NULL, 0);
  udp_url = bt_fake_udp_tracker_get_url (udp);
  {
    guint16 port;

    closed = bt_test_bind_refusing_port (&port);
    dead_url = g_strdup_printf ("http://127.0.0.1:%u/announce", port);
  }

  source = g_build_filename (fixture->tmp, "source", "Tracked.bin", NULL);
  g_mkdir_with_parents (fixture->tmp, 0700);
  {
    g_autofree char *dir = g_path_get_dirname (source);

    g_mkdir_with_parents (dir, 0700);
  }
  bt_test_write_random_file (source, 50000, 11);
  path = g_build_filename (fixture->tmp, "Tracked.torrent", NULL);
  hash = bt_test_create_torrent (source, (const char *[]) { dead_url, udp_url, NULL }, 16384,
                                 path, &error);
  g_assert_no_error (error);

  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (fixture->app), &file, 1, "");
  wait_for_n_torrents (fixture, 1);
  torrent = g_list_model_get_item (session_torrents (fixture), 0);
  g_assert_cmpuint (g_list_model_get_n_items (bt_torrent_get_trackers (torrent)), ==, 2);
  first = g_list_model_get_item (bt_torrent_get_trackers (torrent), 0);
  second = g_list_model_get_item (bt_torrent_get_trackers (torrent), 1);
  g_assert_cmpstr (bt_tracker_info_get_url (first), ==, dead_url);
  g_assert_cmpstr (bt_tracker_info_get_url (second), ==, udp_url);

  window = app_window (fixture);
  bt_window_select_torrent (window, torrent);
  g_action_group_activate_action (G_ACTION_GROUP (window), "show-details", NULL);
  details = BT_DETAILS (template_child (window, "details"));
  wait_until (is_mapped, details, WAIT_TIMEOUT_MS, "the details pane");
  bt_details_set_page (details, "trackers");
  view = GTK_COLUMN_VIEW (gtk_widget_get_template_child (GTK_WIDGET (details), BT_TYPE_DETAILS,
                                                         "trackers_view"));
  g_assert_false (is_mapped (gtk_widget_get_template_child (GTK_WIDGET (details),
                                                            BT_TYPE_DETAILS, "trackers_note")));

  /* Before a start: both rows, by tier, neither contacted. */
  wait.root = GTK_WIDGET (view);
  wait.text = udp_url;
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the UDP tracker's row");
  wait.text = "Not contacted yet";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "a tracker not contacted yet");

  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "resume", NULL);
  wait_until (tracker_working, second, WAIT_TIMEOUT_MS, "the UDP tracker to answer");
  wait_until (tracker_failed, first, WAIT_TIMEOUT_MS, "the dead tracker to fail");

  wait.text = "Working";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the working status");
  wait.text = "Not working";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the failed status");
  wait.text = "5";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the seeders the tracker reported");
  wait.text = "7";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the leechers the tracker reported");
  expected_error = g_strdup (bt_tracker_info_get_last_error (first));
  g_assert_nonnull (expected_error);
  wait.text = expected_error;
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the dead tracker's error");
  /* The next announce is about the tracker's 30 minutes away; rounded
   * up, it reads 30 min for the first minute. */
  wait.text = "in 30 min";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the next announce");
  wait.text = "just now";
  wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the last announce");
  /* Nothing notifies as time passes; the cell counts on by itself. */
  wait_until (seconds_ago_shown, view, WAIT_TIMEOUT_MS, "the last announce, seconds later");

  /* "Ask Trackers for More Peers": the next announce comes forward from
   * the tracker's 30 minutes to the end of the minimum interval (a
   * minute), which trackers expect clients to keep. */
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (fixture->app), "reannounce"));
  g_assert_cmpint (bt_tracker_info_get_next_announce (second), >, g_get_real_time () + 20 * 60 * G_USEC_PER_SEC);
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "reannounce", NULL);
  g_assert_cmpint (bt_tracker_info_get_next_announce (second), <=, g_get_real_time () + 61 * G_USEC_PER_SEC);
  g_assert_cmpint (bt_tracker_info_get_next_announce (second), >, 0);

  /* Sorted by status, the working tracker comes first. */
  {
    GListModel *columns = gtk_column_view_get_columns (view);
    g_autoptr(GtkColumnViewColumn) status = g_list_model_get_item (columns, 2);
    GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (view));
    g_autoptr(BtTrackerInfo) top = NULL;

    g_assert_cmpstr (gtk_column_view_column_get_title (status), ==, "Status");
    gtk_column_view_sort_by_column (view, status, GTK_SORT_ASCENDING);
    top = g_list_model_get_item (model, 0);
    g_assert_true (top == second);
  }

  /* Editing the list: a bad address is refused with the engine's reason;
   * a good one is added (Enter works like Add); Remove drops the
   * selected row. */
  {
    GtkWidget *editor = template_child (details, "tracker_editor");
    GtkEditable *entry = GTK_EDITABLE (template_child (editor, "url_entry"));
    GtkWidget *add = template_child (editor, "add_button");
    GtkWidget *remove = template_child (editor, "remove_button");
    GtkLabel *reason = GTK_LABEL (template_child (editor, "error_label"));
    GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (view));
    g_autoptr(BtFakeUdpTracker) extra = bt_fake_udp_tracker_new ();
    g_autofree char *extra_url = bt_fake_udp_tracker_get_url (extra);
    GListModel *trackers = bt_torrent_get_trackers (torrent);

    g_assert_true (is_mapped (editor));
    g_assert_false (gtk_widget_get_sensitive (add));
    g_assert_false (gtk_widget_get_sensitive (remove));

    gtk_editable_set_text (entry, "ftp://tracker.example.org/announce");
    g_assert_true (gtk_widget_get_sensitive (add));
    g_signal_emit_by_name (add, "clicked");
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (reason)));
    g_assert_nonnull (strstr (gtk_label_get_text (reason), "not a tracker address"));
    g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 2);

    gtk_editable_set_text (entry, extra_url);
    g_assert_false (gtk_widget_get_visible (GTK_WIDGET (reason)));
    g_signal_emit_by_name (entry, "activate");
    g_assert_cmpstr (gtk_editable_get_text (entry), ==, "");
    g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 3);
    wait.text = extra_url;
    wait_until (label_shown, &wait, WAIT_TIMEOUT_MS, "the added tracker's row");

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (selection)); i++)
      {
        g_autoptr(BtTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (selection), i);

        if (info == first)
          gtk_single_selection_set_selected (selection, i);
      }
    g_assert_true (gtk_widget_get_sensitive (remove));
    g_signal_emit_by_name (remove, "clicked");
    g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 2);
    for (guint i = 0; i < g_list_model_get_n_items (trackers); i++)
      {
        g_autoptr(BtTrackerInfo) info = g_list_model_get_item (trackers, i);

        g_assert_cmpstr (bt_tracker_info_get_url (info), !=, dead_url);
      }
    g_assert_false (gtk_widget_get_sensitive (remove));
  }
}

/* 2,000 torrents: the list binds only the rows in view, and scrolling to
 * the end binds the last ones. */
static gboolean
last_row_shown (gpointer data)
{
  LabelWait *wait = data;

  return find_mapped_label (wait->root, wait->text) != NULL;
}

static void
test_many_rows (AppFixture    *fixture,
                gconstpointer  user_data)
{
  BtSession *session = bt_application_get_session (fixture->app);
  g_autofree char *source = g_build_filename (fixture->tmp, "one.bin", NULL);
  g_autoptr(GBytes) bytes = NULL;
  BtWindow *window;
  GtkWidget *view;
  LabelWait wait;
  guint n_labels;
  gint64 start;
  const guint n = 2000;

  if (!require_display ())
    return;

  /* Distinct info-hashes from one small file: the name differs. */
  bt_test_write_random_file (source, 1000, 7);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("Row %04u", i);
      g_autoptr(BtMetainfo) meta = NULL;
      g_autoptr(GString) torrent = g_string_new (NULL);
      BtAddOptions options = { .flags = BT_ADD_PAUSED | BT_ADD_SKIP_CHECK };
      g_autoptr(GBytes) b = NULL;
      guint8 hash[20] = { 0 };

      /* A hand-made single-file torrent: the cheapest way to 2,000. */
      hash[0] = i & 0xff;
      hash[1] = i >> 8;
      g_string_append_printf (torrent, "d4:infod6:lengthi1000e4:name%u:%s12:piece lengthi16384e6:pieces20:",
                              (guint) strlen (name), name);
      g_string_append_len (torrent, (const char *) hash, 20);
      g_string_append (torrent, "ee");
      b = g_bytes_new (torrent->str, torrent->len);
      meta = bt_metainfo_new_from_bytes (b, &error);
      g_assert_no_error (error);
      g_assert_nonnull (bt_session_add (session, meta, &options, NULL, &error));
      g_assert_no_error (error);
    }
  g_test_message ("Added %u torrents in %.1f s", n, (g_get_monotonic_time () - start) / 1e6);

  /* As after a restart with 2,000 saved torrents. */
  start = g_get_monotonic_time ();
  g_application_activate (G_APPLICATION (fixture->app));
  window = app_window (fixture);
  wait_until (is_mapped, window, WAIT_TIMEOUT_MS, "the window to map");
  g_test_message ("Window up in %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (g_list_model_get_n_items (bt_window_get_visible_torrents (window)), ==, n);

  view = template_child (window, "torrent_view");
  wait.root = view;
  wait.text = "Row 0000";
  /* Sorted by name, so row 0 is on top. */
  {
    g_autoptr(GtkColumnViewColumn) name_column =
      g_list_model_get_item (gtk_column_view_get_columns (GTK_COLUMN_VIEW (view)), 0);

    gtk_column_view_sort_by_column (GTK_COLUMN_VIEW (view), name_column, GTK_SORT_ASCENDING);
  }
  wait_until (last_row_shown, &wait, WAIT_TIMEOUT_MS, "the first row");

  /* Only the rows around the view exist (GTK 4.8 keeps up to about 200),
   * not one per torrent: a label per cell. */
  n_labels = count_widgets (view, GTK_TYPE_LABEL);
  g_test_message ("%u labels for %u rows", n_labels, n);
  g_assert_cmpuint (n_labels, <, 9 * 400);

  /* Selecting the last torrent scrolls it into view, binding its row. */
  start = g_get_monotonic_time ();
  {
    g_autoptr(BtTorrent) last = g_list_model_get_item (session_torrents (fixture), n - 1);

    g_assert_cmpstr (bt_torrent_get_name (last), ==, "Row 1999");
    bt_window_select_torrent (window, last);
  }
  wait.text = "Row 1999";
  wait_until (last_row_shown, &wait, WAIT_TIMEOUT_MS, "the last row");
  g_test_message ("Scrolled to the end in %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpuint (count_widgets (view, GTK_TYPE_LABEL), <, 9 * 400);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static gboolean
is_nonzero (gpointer data)
{
  return *(guint *) data != 0;
}

/* The screenshot hook writes a PNG of the window. */
static void
test_screenshot (AppFixture    *fixture,
                 gconstpointer  user_data)
{
  g_autofree char *png = g_build_filename (fixture->tmp, "shot.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GFile) file = NULL;
  BtWindow *window;

  if (!require_display ())
    return;

  g_application_activate (G_APPLICATION (fixture->app));
  window = app_window (fixture);
  wait_until (is_mapped, window, WAIT_TIMEOUT_MS, "the window to map");
  /* One frame drawn: a fixed number of iterations was not always enough
   * on a loaded machine. */
  {
    GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
    guint painted = 0;
    gulong id = g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (count_cb), &painted);

    gtk_widget_queue_draw (GTK_WIDGET (window));
    wait_until (is_nonzero, &painted, WAIT_TIMEOUT_MS, "a frame of the window");
    g_signal_handler_disconnect (clock, id);
  }

  g_assert_true (bt_screenshot_save (GTK_WIDGET (window), png, &error));
  g_assert_no_error (error);
  file = g_file_new_for_path (png);
  texture = gdk_texture_new_from_file (file, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_cmpint (gdk_texture_get_height (texture), ==, gtk_widget_get_height (GTK_WIDGET (window)));
}

static void
test_rate_graph (AppFixture    *fixture,
                 gconstpointer  user_data)
{
  GtkWidget *graph;

  if (!require_display ())
    return;

  graph = g_object_ref_sink (bt_rate_graph_new ());
  bt_rate_graph_set_source (BT_RATE_GRAPH (graph), G_OBJECT (bt_application_get_session (fixture->app)));
  for (guint i = 0; i < BT_RATE_GRAPH_SAMPLES + 5; i++)
    bt_rate_graph_sample (BT_RATE_GRAPH (graph));
  /* A ring: never more than its size. */
  g_assert_cmpuint (bt_rate_graph_get_n_samples (BT_RATE_GRAPH (graph)), ==, BT_RATE_GRAPH_SAMPLES);
  g_assert_cmpfloat (bt_rate_graph_get_peak (BT_RATE_GRAPH (graph)), ==, 0.0);
  bt_rate_graph_set_source (BT_RATE_GRAPH (graph), NULL);
  g_assert_cmpuint (bt_rate_graph_get_n_samples (BT_RATE_GRAPH (graph)), ==, 0);
  g_object_unref (graph);
}

/* Static on purpose: the bus is stopped but not freed at the end (see
 * main()), and a global keeps it reachable for LeakSanitizer. */
static GTestDBus *bus;

#define ADD_APP_TEST(path, func, flags) \
  g_test_add (path, AppFixture, GUINT_TO_POINTER (flags), app_fixture_setup, func, app_fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dbus_daemon = NULL;
  g_autofree char *home = NULL;
  g_autofree char *data_home = NULL;
  g_autofree char *config_home = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* Saved state and settings go to a fresh folder, not the user's: set
   * before anything asks GLib for them, which caches the answer. */
  /* In memory when possible: the session writes (and syncs) a resume
   * file per torrent, which on a disk makes 2,000 of them slow. */
  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0)
    {
      home = g_strdup ("/dev/shm/bt-test-app-XXXXXX");
      if (g_mkdtemp (home) == NULL)
        g_clear_pointer (&home, g_free);
    }
  if (home == NULL)
    home = bt_test_make_tmpdir ();
  data_home = g_build_filename (home, "data", NULL);
  config_home = g_build_filename (home, "config", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  /* GtkApplication wants a session bus at startup (and warns, which is fatal
   * in a test, without one). A private bus keeps the tests away from the
   * user's session and from any bTorrent running in it. The display is
   * opened first because g_test_dbus_up() unsets DISPLAY. */
  dbus_daemon = g_find_program_in_path ("dbus-daemon");
  display_name = g_strdup (g_getenv ("DISPLAY"));

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

  g_test_add_func ("/app/format", test_format);
  ADD_APP_TEST ("/app/window/template", test_window_template, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/window/menu-actions", test_window_menu_actions, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/application/actions", test_app_actions, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/application/about", test_app_about, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/application/single-window", test_app_single_window, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/open/torrent-path", test_open_torrent_path, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/open/second-instance", test_remote_open, 0);
  ADD_APP_TEST ("/app/open/bad-torrent", test_bad_torrent, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/open/add-dialog", test_add_dialog, FIXTURE_NON_UNIQUE | FIXTURE_ADD_DIALOG);
  ADD_APP_TEST ("/app/drop/file", test_drop_file, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/drop/text", test_drop_text, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/list/filter-search", test_filter_and_search, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/list/2000-rows", test_many_rows, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/details", test_details, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/trackers", test_trackers, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/list/delete-key", test_delete_key, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/widgets/rate-graph", test_rate_graph, FIXTURE_NON_UNIQUE);
  ADD_APP_TEST ("/app/screenshot", test_screenshot, FIXTURE_NON_UNIQUE);

  ret = g_test_run ();

  /* Stop, and do not unref: g_test_dbus_down() (also called from finalize)
   * waits for the bus connection to be finalized, and the registered
   * applications keep it alive (see the fixture teardown). */
  if (bus != NULL)
    g_test_dbus_stop (bus);
  bt_test_remove_tree (home);

  return ret;
}
