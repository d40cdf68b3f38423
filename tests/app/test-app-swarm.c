/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The app end to end on a loopback swarm: opentracker and a seeding
 * transmission-daemon (tests/support/bt-swarm.h); the app opens the
 * .torrent as `btorrent FILE` would, downloads it through its session,
 * and the window shows it: the row's progress bar reaches 100% and the
 * peer table lists the seeder.
 */
#define G_LOG_DOMAIN "bt-test-app-swarm"
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "bt-application.h"
#include "bt-bencode.h"
#include "bt-details.h"
#include "bt-peer-info.h"
#include "bt-session-settings.h"
#include "bt-swarm.h"
#include "bt-test-util.h"
#include "bt-window.h"

/* Transmission unchokes in 10 s rounds, and both sides announce first;
 * a 1.5 MiB download then takes a few seconds on loopback. */
#define DOWNLOAD_TIMEOUT_MS 90000
#define WAIT_TIMEOUT_MS 10000
/* transmission-daemon announces within a second or two of seeding. */
#define SEEDER_TIMEOUT_S 30

static const char *missing;

typedef struct
{
  char          *tmp;
  char          *seed_dir;
  char          *downloads;
  char          *source;
  char          *torrent_path;
  BtTestTracker *tracker;
  BtTestClient  *seeder;
  BtApplication *app;
  GSettings     *settings;

  BtTorrent     *torrent;
  char          *seeder_suffix;   /* ":PORT" of the seeder's address */
  gboolean       seeder_in_model;
  gboolean       seeder_on_screen;
} Swarm;

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A mapped GtkLabel below @root whose text ends with @suffix. */
static GtkWidget *
find_label_suffix (GtkWidget  *root,
                   const char *suffix)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      g_str_has_suffix (gtk_label_get_label (GTK_LABEL (root)), suffix))
    return root;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_label_suffix (c, suffix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkProgressBar *
find_full_progress_bar (GtkWidget *root)
{
  if (GTK_IS_PROGRESS_BAR (root) && gtk_widget_get_mapped (root) &&
      gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (root)) == 1.0)
    return GTK_PROGRESS_BAR (root);

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkProgressBar *found = find_full_progress_bar (c);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The seeders the tracker lists for @hash, from a scrape; -1 on failure. */
static gint64
tracker_seeders (BtTestTracker *tracker,
                 const char    *hash)
{
  g_autoptr(GString) url = g_string_new (NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(BtBencode) reply = NULL;
  BtBencode *files;
  BtBencode *complete;

  g_string_printf (url, "http://127.0.0.1:%u/scrape?info_hash=", bt_test_tracker_get_port (tracker));
  for (guint i = 0; i < 40; i += 2)
    g_string_append_printf (url, "%%%c%c", hash[i], hash[i + 1]);

  message = soup_message_new ("GET", url->str);
  body = soup_session_send_and_read (session, message, NULL, NULL);
  if (body == NULL || soup_message_get_status (message) != SOUP_STATUS_OK)
    return -1;
  reply = bt_bencode_decode (body, NULL, NULL);
  if (reply == NULL)
    return -1;
  files = bt_bencode_dict_lookup_type (reply, "files", BT_BENCODE_DICT);
  if (files == NULL || bt_bencode_get_length (files) != 1)
    return -1;
  complete = bt_bencode_dict_lookup_type (bt_bencode_dict_get_value (files, 0), "complete",
                                          BT_BENCODE_INTEGER);
  return complete != NULL ? bt_bencode_get_integer (complete) : -1;
}

static BtWindow *
app_window (Swarm *swarm)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (swarm->app)); l; l = l->next)
    if (BT_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
peers_changed_cb (GListModel *peers,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Swarm      *swarm)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BtPeerInfo) peer = g_list_model_get_item (peers, i);

      if (g_str_has_suffix (bt_peer_info_get_address (peer), swarm->seeder_suffix))
        swarm->seeder_in_model = TRUE;
    }
}

/* Writes a multi-file payload: nested folders, a file smaller than a
 * piece, sizes that are not multiples of the piece length. */
static void
write_payload (Swarm *swarm)
{
  static const struct
  {
    const char *path;
    gsize       length;
  } files[] = {
    { "readme.txt", 4321 },
    { "media/video.bin", 1024 * 1024 + 777 },
    { "media/extra/notes.bin", 300001 },
    { "zz/last.bin", 65536 },
  };

  swarm->source = g_build_filename (swarm->seed_dir, "App Swarm", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (swarm->source, files[i].path, NULL);

      bt_test_write_random_file (path, files[i].length, 900 + i);
    }
}

/*
 * A desktop notification server on the private bus: GNotification talks
 * to org.freedesktop.Notifications there, and the test reads what the
 * app sent.
 */

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "      <arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'>"
  "      <arg type='u' direction='in'/>"
  "    </method>"
  "    <method name='GetCapabilities'>"
  "      <arg type='as' direction='out'/>"
  "    </method>"
  "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
  "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
  "  </interface>"
  "</node>";

/* What the last Notify said. */
static char *notified_summary;
static char *notified_actions;
static guint n_notified;

static void
notifications_method_cb (GDBusConnection       *connection,
                         const char            *sender,
                         const char            *path,
                         const char            *interface,
                         const char            *method,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  if (g_str_equal (method, "Notify"))
    {
      const char *summary;
      g_autofree const char **actions = NULL;

      g_variant_get_child (parameters, 3, "&s", &summary);
      g_variant_get_child (parameters, 5, "^a&s", &actions);
      g_free (notified_summary);
      g_free (notified_actions);
      notified_summary = g_strdup (summary);
      notified_actions = g_strjoinv ("|", (char **) actions);
      n_notified++;
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", 1));
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const char *caps[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", caps));
    }
  else
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static void
start_notification_server (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_method_cb, NULL, NULL, { 0 } };
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  /* Kept for the whole run: the name goes with the connection. */
  static GDBusConnection *connection;
  g_autoptr(GVariant) reply = NULL;

  connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);

  g_assert_nonnull (connection);
  g_dbus_connection_register_object (connection, "/org/freedesktop/Notifications",
                                     info->interfaces[0], &vtable, NULL, NULL, NULL);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.Notifications", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_assert_nonnull (reply);
}

static void
test_download (void)
{
  Swarm swarm = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *downloaded = NULL;
  g_autoptr(GFile) file = NULL;
  const char *urls[2] = { NULL, NULL };
  BtWindow *window;
  BtDetails *details;
  GtkWidget *view;
  GtkWidget *peers_view;
  GtkProgressBar *bar = NULL;
  gboolean timed_out = FALSE;
  guint timeout_id;
  gint64 start;

  if (missing != NULL)
    {
      bt_test_skip_or_fail (missing);
      return;
    }

  swarm.tmp = bt_test_make_tmpdir ();
  swarm.seed_dir = g_build_filename (swarm.tmp, "seed", NULL);
  swarm.downloads = g_build_filename (swarm.tmp, "downloads", NULL);
  swarm.torrent_path = g_build_filename (swarm.tmp, "swarm.torrent", NULL);
  g_mkdir_with_parents (swarm.seed_dir, 0755);
  g_mkdir_with_parents (swarm.downloads, 0755);

  swarm.tracker = bt_test_tracker_start (NULL, &error);
  g_assert_no_error (error);
  if (swarm.tracker == NULL)
    goto out;     /* skipped: no opentracker */

  write_payload (&swarm);
  urls[0] = bt_test_tracker_get_http_url (swarm.tracker);
  hash = bt_test_create_torrent (swarm.source, urls, 64 * 1024, swarm.torrent_path, &error);
  g_assert_no_error (error);
  bt_test_tracker_allow (swarm.tracker, hash, &error);
  g_assert_no_error (error);

  swarm.seeder = bt_test_transmission_seed (swarm.torrent_path, swarm.seed_dir, &error);
  g_assert_no_error (error);
  if (swarm.seeder == NULL)
    goto out;     /* skipped: no transmission-daemon */
  swarm.seeder_suffix = g_strdup_printf (":%u", bt_test_client_get_port (swarm.seeder));

  /* Our session announces once at start and not again for a minute, so
   * the tracker must know the seeder before the app asks it. */
  {
    gint64 deadline = g_get_monotonic_time () + SEEDER_TIMEOUT_S * G_USEC_PER_SEC;

    while (tracker_seeders (swarm.tracker, hash) < 1 && g_get_monotonic_time () < deadline)
      g_usleep (100 * 1000);
    g_assert_cmpint (tracker_seeders (swarm.tracker, hash), >=, 1);
  }

  swarm.settings = g_settings_new (BT_SETTINGS_SCHEMA_ID);
  g_settings_set_string (swarm.settings, "download-folder", swarm.downloads);
  g_settings_set_int (swarm.settings, "listen-port", 0);
  g_settings_set_boolean (swarm.settings, "show-add-dialog", FALSE);
  g_settings_set_boolean (swarm.settings, "start-paused", FALSE);
  g_settings_set_boolean (swarm.settings, "enable-dht", FALSE);
  g_settings_set_boolean (swarm.settings, "enable-lsd", FALSE);
  g_settings_set_boolean (swarm.settings, "enable-pex", FALSE);

  swarm.app = bt_application_new (APP_ID ".SwarmTest", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (swarm.app), NULL, &error);
  g_assert_no_error (error);

  /* As `btorrent swarm.torrent`. */
  file = g_file_new_for_path (swarm.torrent_path);
  g_application_open (G_APPLICATION (swarm.app), &file, 1, "");
  window = app_window (&swarm);
  g_assert_nonnull (window);

  /* Wait for the row, then open the peer table on it. */
  timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);
  while (!timed_out &&
         g_list_model_get_n_items (bt_session_get_torrents (bt_application_get_session (swarm.app))) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);

  swarm.torrent = g_list_model_get_item (bt_session_get_torrents (bt_application_get_session (swarm.app)), 0);
  g_assert_cmpstr (bt_torrent_get_info_hash_hex (swarm.torrent), ==, hash);
  g_signal_connect (bt_torrent_get_peers (swarm.torrent), "items-changed",
                    G_CALLBACK (peers_changed_cb), &swarm);

  bt_window_select_torrent (window, swarm.torrent);
  bt_window_show_details (window, "peers");
  details = BT_DETAILS (gtk_widget_get_template_child (GTK_WIDGET (window), BT_TYPE_WINDOW, "details"));
  g_assert_true (bt_details_get_torrent (details) == swarm.torrent);
  peers_view = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (details), BT_TYPE_DETAILS, "peers_view"));
  view = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), BT_TYPE_WINDOW, "torrent_view"));

  /* Download, watching the peer table for the seeder on the way. */
  start = g_get_monotonic_time ();
  timed_out = FALSE;
  timeout_id = g_timeout_add (DOWNLOAD_TIMEOUT_MS, timeout_cb, &timed_out);
  while (!timed_out &&
         !(bt_torrent_get_progress (swarm.torrent) == 1.0 &&
           bt_torrent_get_state (swarm.torrent) == BT_TORRENT_STATE_SEEDING &&
           (bar = find_full_progress_bar (view)) != NULL))
    {
      g_main_context_iteration (NULL, TRUE);
      if (!swarm.seeder_on_screen && find_label_suffix (peers_view, swarm.seeder_suffix) != NULL)
        swarm.seeder_on_screen = TRUE;
    }
  if (timed_out)
    {
      g_autofree char *log = bt_test_client_get_log (swarm.seeder);

      g_test_message ("transmission-daemon's log:\n%s", log);
      g_error ("Not complete after %d s: progress %.3f, state %d, %u peers",
               DOWNLOAD_TIMEOUT_MS / 1000, bt_torrent_get_progress (swarm.torrent),
               bt_torrent_get_state (swarm.torrent), bt_torrent_get_n_peers (swarm.torrent));
    }
  g_source_remove (timeout_id);
  g_test_message ("Downloaded in %.1f s", (g_get_monotonic_time () - start) / 1e6);

  /* The row's bar says so, in numbers too. */
  g_assert_nonnull (bar);
  g_assert_cmpstr (gtk_progress_bar_get_text (bar), ==, "100.0%");
  /* The peer table showed the seeder (the model's item, and its row). */
  g_assert_true (swarm.seeder_in_model);
  g_assert_true (swarm.seeder_on_screen);

  /* The Trackers page: opentracker answered, and reported the seeder
   * (transmission-daemon, and by now us). */
  {
    GListModel *trackers = bt_torrent_get_trackers (swarm.torrent);
    g_autoptr(BtTrackerInfo) info = NULL;
    GtkWidget *trackers_view = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (details),
                                                                          BT_TYPE_DETAILS,
                                                                          "trackers_view"));

    g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 1);
    info = g_list_model_get_item (trackers, 0);
    g_assert_cmpstr (bt_tracker_info_get_url (info), ==, urls[0]);

    /* "completed" may still be on its way. */
    bt_window_show_details (window, "trackers");
    timed_out = FALSE;
    timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);
    while (!timed_out && (bt_tracker_info_get_state (info) != BT_TRACKER_STATE_WORKING
                          || find_label_suffix (trackers_view, urls[0]) == NULL
                          || find_label_suffix (trackers_view, "Working") == NULL))
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (timed_out);
    g_source_remove (timeout_id);
    g_assert_cmpint (bt_tracker_info_get_seeders (info), >=, 1);
    g_assert_cmpint (bt_tracker_info_get_last_announce (info), >, 0);
    g_assert_null (bt_tracker_info_get_last_error (info));
  }

  /* The desktop heard of it, with a way to the folder. */
  timed_out = FALSE;
  timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);
  while (!timed_out && notified_summary == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
  g_assert_cmpstr (notified_summary, ==, "Download Complete");
  g_assert_nonnull (strstr (notified_actions, "Open Folder"));
  g_test_message ("Notification actions: %s", notified_actions);
  /* It opens the torrent's own folder, not the whole download folder. */
  g_assert_nonnull (strstr (notified_actions, "/App Swarm"));
  /* While downloading, suspend was inhibited; now it is not. */
  g_assert_cmpuint (bt_application_get_n_downloading (swarm.app), ==, 0);

  /* Nothing pending on the disk once the session is closed. */
  bt_application_close_session (swarm.app);
  downloaded = g_build_filename (swarm.downloads, "App Swarm", NULL);
  g_assert_true (bt_test_files_equal_full (swarm.source, downloaded,
                                           BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY));

  /* The app again, on the same saved session: the torrent comes back
   * complete and seeds, and that is no news for the desktop. */
  {
    g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());
    guint notified_before = n_notified;

    while (g_list_model_get_n_items (toplevels) > 0)
      {
        g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, 0);

        gtk_window_destroy (w);
      }
    g_clear_object (&swarm.torrent);
    g_clear_object (&swarm.app);

    swarm.app = bt_application_new (APP_ID ".SwarmTestAgain", G_APPLICATION_NON_UNIQUE);
    g_application_register (G_APPLICATION (swarm.app), NULL, &error);
    g_assert_no_error (error);
    g_application_activate (G_APPLICATION (swarm.app));

    timed_out = FALSE;
    timeout_id = g_timeout_add (WAIT_TIMEOUT_MS, timeout_cb, &timed_out);
    while (!timed_out && swarm.torrent == NULL)
      {
        GListModel *torrents = bt_session_get_torrents (bt_application_get_session (swarm.app));

        if (g_list_model_get_n_items (torrents) > 0)
          {
            g_autoptr(BtTorrent) restored = g_list_model_get_item (torrents, 0);

            if (bt_torrent_get_state (restored) == BT_TORRENT_STATE_SEEDING)
              swarm.torrent = g_steal_pointer (&restored);
          }
        g_main_context_iteration (NULL, TRUE);
      }
    g_assert_false (timed_out);
    g_source_remove (timeout_id);
    g_assert_cmpstr (bt_torrent_get_info_hash_hex (swarm.torrent), ==, hash);

    /* A notification goes out over D-Bus: give it time to arrive. */
    timed_out = FALSE;
    g_timeout_add (2000, timeout_cb, &timed_out);
    while (!timed_out)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (n_notified, ==, notified_before);
    bt_application_close_session (swarm.app);
  }

out:
  if (swarm.app != NULL)
    {
      g_autoptr(GListModel) toplevels = g_object_ref (gtk_window_get_toplevels ());

      while (g_list_model_get_n_items (toplevels) > 0)
        {
          g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, 0);

          gtk_window_destroy (w);
        }
      bt_application_close_session (swarm.app);
    }
  if (swarm.torrent != NULL)
    g_signal_handlers_disconnect_by_func (bt_torrent_get_peers (swarm.torrent), peers_changed_cb, &swarm);
  g_clear_object (&swarm.torrent);
  g_clear_object (&swarm.app);
  g_clear_object (&swarm.settings);
  g_clear_pointer (&swarm.seeder, bt_test_client_stop);
  g_clear_pointer (&swarm.tracker, bt_test_tracker_stop);
  bt_test_remove_tree (swarm.tmp);
  g_free (swarm.tmp);
  g_free (swarm.seed_dir);
  g_free (swarm.downloads);
  g_free (swarm.source);
  g_free (swarm.torrent_path);
  g_free (swarm.seeder_suffix);
}

static GTestDBus *bus;

int
main (int   argc,
      char *argv[])
{
  g_autofree char *home = NULL;
  g_autofree char *data_home = NULL;
  g_autofree char *dbus_daemon = g_find_program_in_path ("dbus-daemon");
  int ret;

  g_test_init (&argc, &argv, NULL);

  home = bt_test_make_tmpdir ();
  data_home = g_build_filename (home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", FALSE);

  if (!gtk_init_check ())
    missing = "no display: run under xvfb-run";
  else if (dbus_daemon == NULL)
    missing = "dbus-daemon not found: install dbus-daemon";
  else
    {
      bus = g_test_dbus_new (G_TEST_DBUS_NONE);
      g_test_dbus_up (bus);
      start_notification_server ();
    }

  g_test_add_func ("/app/swarm/download", test_download);

  ret = g_test_run ();

  if (bus != NULL)
    g_test_dbus_stop (bus);
  bt_test_remove_tree (home);
  return ret;
}
