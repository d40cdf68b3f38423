/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <glib/gi18n.h>

#include "bt-app-error.h"
#include "bt-application.h"
#include "bt-color-scheme.h"
#include "bt-magnet-dialog.h"
#include "bt-open.h"
#include "bt-preferences.h"
#include "bt-remove-dialog.h"
#include "bt-screenshot.h"
#include "bt-session-settings.h"
#include "bt-window.h"

/* How long quitting waits for the session to tell trackers "stopped" and
 * write resume files. Resume data is written atomically as the download
 * goes, so giving up after this loses nothing but the tracker's
 * courtesy. */
#define BT_APP_CLOSE_TIMEOUT_S 10

/*
 * Structures
 */

struct _BtApplication
{
  GtkApplication  parent_instance;

  GSettings      *settings;
  BtSession      *session;
  char           *startup_error;   /* shown once a window exists */

  /* Per torrent: a Tracked, to notice "download finished" and count
   * downloads. Keys hold a reference. */
  GHashTable     *states;
  guint           n_downloading;
  guint           inhibit_cookie;
};

/*
 * Prototypes
 */

static void update_selection_actions (BtApplication *self);

/*
 * Type definition
 */

G_DEFINE_FINAL_TYPE (BtApplication, bt_application, GTK_TYPE_APPLICATION)

/*
 * Auxiliary functions
 */

/* bTorrent has one window: the session is one list of torrents, and a second
 * window would only show the same list again. */
static BtWindow *
find_window (BtApplication *self)
{
  /* Most recently focused first; dialogs such as About are in the list too. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    {
      if (BT_IS_WINDOW (l->data))
        return BT_WINDOW (l->data);
    }
  return NULL;
}

static void
window_selection_changed_cb (BtWindow      *window,
                             BtApplication *self)
{
  update_selection_actions (self);
}

static BtWindow *
ensure_window (BtApplication *self)
{
  BtWindow *window = find_window (self);

  if (window != NULL)
    return window;

  window = bt_window_new (self);
  g_signal_connect_object (window, "selection-changed",
                           G_CALLBACK (window_selection_changed_cb), self, 0);
  if (self->startup_error != NULL)
    bt_window_show_error (window, self->startup_error);
  return window;
}

static void
load_style (void)
{
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display = gdk_display_get_default ();

  if (display == NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, RESOURCE_PREFIX "/style.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static GPtrArray *
selected_torrents (BtApplication *self)
{
  BtWindow *window = find_window (self);

  if (window == NULL)
    return g_ptr_array_new_with_free_func (g_object_unref);
  return bt_window_get_selected_torrents (window);
}

static void
set_action_enabled (BtApplication *self,
                    const char    *name,
                    gboolean       enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);

  if (action != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_selection_actions (BtApplication *self)
{
  g_autoptr(GPtrArray) selected = selected_torrents (self);
  gboolean can_pause = FALSE, can_resume = FALSE, can_reannounce = FALSE;

  for (guint i = 0; i < selected->len; i++)
    {
      BtTorrent *torrent = g_ptr_array_index (selected, i);
      BtTorrentState state = bt_torrent_get_state (torrent);

      if (state == BT_TORRENT_STATE_STOPPED || state == BT_TORRENT_STATE_ERROR)
        can_resume = TRUE;
      else
        can_pause = TRUE;
      if ((state == BT_TORRENT_STATE_DOWNLOADING || state == BT_TORRENT_STATE_SEEDING
           || state == BT_TORRENT_STATE_FETCHING_METADATA)
          && g_list_model_get_n_items (bt_torrent_get_trackers (torrent)) > 0)
        can_reannounce = TRUE;
    }

  set_action_enabled (self, "pause", can_pause);
  set_action_enabled (self, "resume", can_resume);
  set_action_enabled (self, "remove", selected->len > 0);
  set_action_enabled (self, "reannounce", can_reannounce);
}

static gboolean
is_downloading (BtTorrentState state)
{
  return state == BT_TORRENT_STATE_DOWNLOADING || state == BT_TORRENT_STATE_FETCHING_METADATA;
}

static void
update_inhibit (BtApplication *self)
{
  if (self->n_downloading > 0 && self->inhibit_cookie == 0)
    {
      /* A suspended machine drops every connection; a user who walks away
       * from a download expects it finished, as a copy in Files. */
      self->inhibit_cookie =
        gtk_application_inhibit (GTK_APPLICATION (self),
                                 GTK_WINDOW (find_window (self)),
                                 GTK_APPLICATION_INHIBIT_SUSPEND,
                                 _("Downloading torrents"));
    }
  else if (self->n_downloading == 0 && self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (GTK_APPLICATION (self), self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }
}

typedef struct
{
  BtTorrentState state;      /* the last one seen */
  /* Seen downloading with pieces missing since the last completion: only
   * such a torrent finished downloading. One whose data was on disk
   * already passes through "downloading" at 100% after its check, at
   * every start of the app, and is no news. */
  gboolean       incomplete;
} Tracked;

static void
notice_incomplete (Tracked   *tracked,
                   BtTorrent *torrent)
{
  if (tracked->state == BT_TORRENT_STATE_DOWNLOADING && bt_torrent_get_progress (torrent) < 1.0)
    tracked->incomplete = TRUE;
}

static void
torrent_progress_cb (BtTorrent     *torrent,
                     GParamSpec    *pspec,
                     BtApplication *self)
{
  Tracked *tracked = g_hash_table_lookup (self->states, torrent);

  if (tracked != NULL)
    notice_incomplete (tracked, torrent);
}

static void
notify_complete (BtApplication *self,
                 BtTorrent     *torrent)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);
  g_autofree char *body = NULL;
  g_autofree char *folder = bt_application_dup_torrent_folder (torrent);

  /* TRANSLATORS: notification body, the torrent's name */
  body = g_strdup_printf (_("“%s” has finished downloading."), bt_torrent_get_name (torrent));
  notification = g_notification_new (_("Download Complete"));
  g_notification_set_body (notification, body);
  g_notification_set_icon (notification, icon);
  g_notification_add_button_with_target (notification, _("Open Folder"), "app.open-folder",
                                         "s", folder);
  g_notification_set_default_action (notification, "app.activate");
  g_application_send_notification (G_APPLICATION (self),
                                   bt_torrent_get_info_hash_hex (torrent), notification);
}

static void
torrent_state_cb (BtTorrent     *torrent,
                  GParamSpec    *pspec,
                  BtApplication *self)
{
  BtTorrentState old_state, state = bt_torrent_get_state (torrent);
  Tracked *tracked = g_hash_table_lookup (self->states, torrent);

  if (tracked == NULL || tracked->state == state)
    return;
  old_state = tracked->state;
  tracked->state = state;
  notice_incomplete (tracked, torrent);

  if (is_downloading (old_state) && !is_downloading (state))
    self->n_downloading--;
  else if (!is_downloading (old_state) && is_downloading (state))
    self->n_downloading++;

  /* Finished, not just stopped: the engine moves a complete download to
   * seeding (or to stopped by a seed goal of 0, through seeding). */
  if (old_state == BT_TORRENT_STATE_DOWNLOADING && state == BT_TORRENT_STATE_SEEDING
      && tracked->incomplete)
    {
      tracked->incomplete = FALSE;
      notify_complete (self, torrent);
    }

  update_inhibit (self);
  update_selection_actions (self);
}

static void
track_torrent (BtApplication *self,
               BtTorrent     *torrent)
{
  BtTorrentState state = bt_torrent_get_state (torrent);
  Tracked *tracked;

  if (g_hash_table_contains (self->states, torrent))
    return;
  tracked = g_new0 (Tracked, 1);
  tracked->state = state;
  notice_incomplete (tracked, torrent);
  g_hash_table_insert (self->states, g_object_ref (torrent), tracked);
  g_signal_connect_object (torrent, "notify::state", G_CALLBACK (torrent_state_cb), self, 0);
  g_signal_connect_object (torrent, "notify::progress", G_CALLBACK (torrent_progress_cb), self, 0);
  if (is_downloading (state))
    self->n_downloading++;
}

static void
torrents_changed_cb (GListModel    *model,
                     guint          position,
                     guint          removed,
                     guint          added,
                     BtApplication *self)
{
  if (removed > 0)
    {
      /* Which torrents left is not in the signal: keep those still in the
       * list, forget the rest. Removing is rare; the list is short. */
      g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
      GHashTableIter iter;
      gpointer key, value;

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (model, i);

          g_hash_table_add (present, item);
        }

      g_hash_table_iter_init (&iter, self->states);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          if (g_hash_table_contains (present, key))
            continue;
          g_signal_handlers_disconnect_by_func (key, torrent_state_cb, self);
          g_signal_handlers_disconnect_by_func (key, torrent_progress_cb, self);
          if (is_downloading (((Tracked *) value)->state))
            self->n_downloading--;
          g_hash_table_iter_remove (&iter);
        }
    }

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (model, i);

      track_torrent (self, torrent);
    }

  update_inhibit (self);
  update_selection_actions (self);
}

static gboolean
start_session (BtApplication  *self,
               GError        **error)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *state_dir = NULL;
  g_autoptr(GError) local_error = NULL;
  BtSessionConfig config = { 0 };

  bt_session_config_from_settings (&config, self->settings, strings);
  state_dir = g_build_filename (g_get_user_data_dir (), "btorrent", NULL);
  config.state_dir = state_dir;

  self->session = bt_session_new (&config, &local_error);
  if (self->session == NULL && config.port != 0)
    {
      /* Another client holds the port: a random one still downloads;
       * only incoming connections need the configured one. */
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("Port %u is in use (%s); listening on a random port instead."),
                                 config.port, local_error->message);
      g_clear_error (&local_error);
      config.port = 0;
      self->session = bt_session_new (&config, &local_error);
      if (self->session != NULL)
        self->startup_error = g_steal_pointer (&message);
    }
  if (self->session == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  bt_session_bind_settings (self->session, self->settings);

  g_signal_connect_object (bt_session_get_torrents (self->session), "items-changed",
                           G_CALLBACK (torrents_changed_cb), self, 0);

  if (!bt_session_load (self->session, &local_error))
    {
      /* What could be read is there; say what could not. */
      g_free (self->startup_error);
      /* TRANSLATORS: the saved torrents of the last run could not all be read */
      self->startup_error = g_strdup_printf (_("Some torrents could not be restored: %s"),
                                             local_error->message);
    }

  torrents_changed_cb (bt_session_get_torrents (self->session), 0, 0,
                       g_list_model_get_n_items (bt_session_get_torrents (self->session)),
                       self);
  return TRUE;
}

/*
 * Actions
 */

static void
add_action (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  GtkWindow *window = GTK_WINDOW (ensure_window (self));

  if (self->session == NULL)
    bt_window_show_error (BT_WINDOW (window), self->startup_error);
  else
    bt_open_torrent_files (window, self->session, self->settings);
}

static void
add_magnet_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  GtkWindow *window = GTK_WINDOW (ensure_window (self));

  if (self->session == NULL)
    bt_window_show_error (BT_WINDOW (window), self->startup_error);
  else
    bt_magnet_dialog_present (window, self->session, self->settings);
}

static void
pause_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  g_autoptr(GPtrArray) selected = selected_torrents (self);

  for (guint i = 0; i < selected->len; i++)
    bt_session_pause (self->session, g_ptr_array_index (selected, i));
  update_selection_actions (self);
}

/* Each running torrent asks its trackers now, or as soon as they allow. */
static void
reannounce_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  g_autoptr(GPtrArray) selected = selected_torrents (self);

  for (guint i = 0; i < selected->len; i++)
    bt_torrent_reannounce (g_ptr_array_index (selected, i));
}

static void
resume_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  g_autoptr(GPtrArray) selected = selected_torrents (self);

  for (guint i = 0; i < selected->len; i++)
    bt_session_resume (self->session, g_ptr_array_index (selected, i));
  update_selection_actions (self);
}

typedef struct
{
  BtApplication *app;
  GPtrArray     *torrents;
} RemoveData;

static void
remove_chosen_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  RemoveData *data = user_data;
  BtApplication *self = data->app;
  g_autoptr(GError) error = NULL;
  gboolean delete_files = FALSE;

  if (bt_remove_dialog_choose_finish (result, &delete_files, &error) && self->session != NULL)
    {
      for (guint i = 0; i < data->torrents->len; i++)
        {
          BtTorrent *torrent = g_ptr_array_index (data->torrents, i);
          g_autoptr(GError) remove_error = NULL;

          if (!bt_session_remove (self->session, torrent, delete_files, &remove_error))
            {
              g_autofree char *primary = NULL;

              /* TRANSLATORS: the torrent's name */
              primary = g_strdup_printf (_("Could not remove “%s”"), bt_torrent_get_name (torrent));
              bt_app_show_error (GTK_WINDOW (find_window (self)), primary, remove_error);
            }
        }
    }

  g_ptr_array_unref (data->torrents);
  g_object_unref (data->app);
  g_free (data);
}

static void
remove_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  g_autoptr(GPtrArray) selected = selected_torrents (self);
  RemoveData *data;

  if (selected->len == 0 || self->session == NULL)
    return;

  data = g_new0 (RemoveData, 1);
  data->app = g_object_ref (self);
  data->torrents = g_steal_pointer (&selected);
  bt_remove_dialog_choose_async (GTK_WINDOW (ensure_window (self)), data->torrents->len,
                                 bt_torrent_get_name (g_ptr_array_index (data->torrents, 0)),
                                 NULL, remove_chosen_cb, data);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);

  bt_preferences_present (GTK_WINDOW (ensure_window (self)), self->settings);
}

static void
shortcuts_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);

  /* GtkApplicationWindow's own action, present when the resource
   * gtk/help-overlay.ui exists. */
  gtk_widget_activate_action (GTK_WIDGET (ensure_window (self)), "win.show-help-overlay", NULL);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);

  gtk_show_about_dialog (GTK_WINDOW (ensure_window (self)),
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
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
activate_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  g_application_activate (G_APPLICATION (user_data));
}

static void
open_folder_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  BtApplication *self = BT_APPLICATION (user_data);
  g_autoptr(GFile) folder = g_file_new_for_path (g_variant_get_string (parameter, NULL));
  g_autofree char *uri = g_file_get_uri (folder);
  gboolean had_window = find_window (self) != NULL;
  BtWindow *window = ensure_window (self);

  /* Started by a click on a notification after the app had closed: show
   * the window too, rather than run on unseen. */
  if (!had_window)
    gtk_window_present (GTK_WINDOW (window));
  /* gtk_show_uri() goes through the OpenURI portal inside Flatpak. */
  gtk_show_uri (GTK_WINDOW (window), uri, GDK_CURRENT_TIME);
}

static const GActionEntry app_actions[] = {
  { .name = "add", .activate = add_action },
  { .name = "add-magnet", .activate = add_magnet_action },
  { .name = "pause", .activate = pause_action },
  { .name = "resume", .activate = resume_action },
  { .name = "reannounce", .activate = reannounce_action },
  { .name = "remove", .activate = remove_action },
  { .name = "preferences", .activate = preferences_action },
  { .name = "shortcuts", .activate = shortcuts_action },
  { .name = "about", .activate = about_action },
  { .name = "quit", .activate = quit_action },
  { .name = "activate", .activate = activate_action },
  { .name = "open-folder", .activate = open_folder_action, .parameter_type = "s" },
};

/*
 * Overrides
 */

static void
set_accels (GtkApplication *app,
            const char     *action,
            const char     *accel)
{
  gtk_application_set_accels_for_action (app, action, (const char *[]) { accel, NULL });
}

static void
bt_application_startup (GApplication *application)
{
  BtApplication *self = BT_APPLICATION (application);
  GtkApplication *app = GTK_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (bt_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (application), app_actions,
                                   G_N_ELEMENTS (app_actions), application);

  set_accels (app, "app.add", "<Primary>o");
  set_accels (app, "app.add-magnet", "<Primary>u");
  set_accels (app, "app.quit", "<Primary>q");
  set_accels (app, "app.preferences", "<Primary>comma");
  set_accels (app, "win.search", "<Primary>f");
  set_accels (app, "win.show-details", "F9");
  /* window.close is GtkWindow's own action, so every window gets it. */
  set_accels (app, "window.close", "<Primary>w");
  /* Delete (app.remove) is a shortcut of the torrent list, see bt-window.c. */

  load_style ();
  bt_color_scheme_follow ();

  self->settings = g_settings_new (BT_SETTINGS_SCHEMA_ID);
  if (!start_session (self, &error))
    {
      /* TRANSLATORS: the engine could not start, e.g. no network */
      self->startup_error = g_strdup_printf (_("bTorrent could not start its session: %s"),
                                             error->message);
      g_warning ("%s", self->startup_error);
    }

  update_selection_actions (self);
}

static void
bt_application_activate (GApplication *application)
{
  BtApplication *self = BT_APPLICATION (application);

  gtk_window_present (GTK_WINDOW (ensure_window (self)));
  bt_screenshot_schedule_from_env (self);
}

static void
bt_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  BtApplication *self = BT_APPLICATION (application);

  /* The window first: errors and the add dialog need a parent. */
  gtk_window_present (GTK_WINDOW (ensure_window (self)));

  for (int i = 0; i < n_files; i++)
    bt_application_add_file (self, files[i]);

  /* `btorrent FILE` opens instead of activating. */
  bt_screenshot_schedule_from_env (self);
}

static void
session_closed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!bt_session_close_finish (BT_SESSION (source), result, &error))
    g_warning ("Closing the session: %s", error->message);
  *done = TRUE;
}

static gboolean
close_timeout_cb (gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
  return G_SOURCE_REMOVE;
}

static void
bt_application_shutdown (GApplication *application)
{
  bt_application_close_session (BT_APPLICATION (application));

  G_APPLICATION_CLASS (bt_application_parent_class)->shutdown (application);
}

static void
bt_application_dispose (GObject *object)
{
  BtApplication *self = BT_APPLICATION (object);

  if (self->states != NULL)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, self->states);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_signal_handlers_disconnect_by_func (key, torrent_state_cb, self);
          g_signal_handlers_disconnect_by_func (key, torrent_progress_cb, self);
        }
      g_hash_table_remove_all (self->states);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bt_application_parent_class)->dispose (object);
}

static void
bt_application_finalize (GObject *object)
{
  BtApplication *self = BT_APPLICATION (object);

  g_clear_pointer (&self->states, g_hash_table_unref);
  g_free (self->startup_error);

  G_OBJECT_CLASS (bt_application_parent_class)->finalize (object);
}

static void
bt_application_class_init (BtApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = bt_application_dispose;
  object_class->finalize = bt_application_finalize;
  app_class->startup = bt_application_startup;
  app_class->activate = bt_application_activate;
  app_class->open = bt_application_open;
  app_class->shutdown = bt_application_shutdown;
}

static void
bt_application_init (BtApplication *self)
{
  self->states = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
}

/*
 * Public API
 */

/**
 * bt_application_dup_torrent_folder:
 * @torrent: a torrent
 *
 * Where a person finds the torrent's files: its own folder for a torrent
 * of several files (once it exists), else the folder it is saved in.
 *
 * Returns: (transfer full): a path
 */
char *
bt_application_dup_torrent_folder (BtTorrent *torrent)
{
  BtMetainfo *meta;
  g_autofree char *own = NULL;

  g_return_val_if_fail (BT_IS_TORRENT (torrent), NULL);

  meta = bt_torrent_get_metainfo (torrent);
  if (meta != NULL && bt_metainfo_is_multi_file (meta))
    {
      own = g_build_filename (bt_torrent_get_save_path (torrent), bt_metainfo_get_name (meta), NULL);
      if (g_file_test (own, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&own);
    }
  return g_strdup (bt_torrent_get_save_path (torrent));
}

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

  /* The resource path is fixed, not derived from the id, so tests with
   * their own ids still find gtk/help-overlay.ui. */
  return g_object_new (BT_TYPE_APPLICATION,
                       "application-id", application_id,
                       /* CAN_OVERRIDE_APP_ID: `btorrent --gapplication-app-id=ID`
                        * reaches a running instance under another id, which
                        * is how the tests start a second instance. */
                       "flags", flags | G_APPLICATION_HANDLES_OPEN | G_APPLICATION_CAN_OVERRIDE_APP_ID,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}

BtSession *
bt_application_get_session (BtApplication *self)
{
  g_return_val_if_fail (BT_IS_APPLICATION (self), NULL);
  return self->session;
}

GSettings *
bt_application_get_settings (BtApplication *self)
{
  g_return_val_if_fail (BT_IS_APPLICATION (self), NULL);
  return self->settings;
}

/**
 * bt_application_add_file:
 * @self: the application
 * @file: a .torrent file, or a magnet: URI as a #GFile (what
 *   g_file_new_for_commandline_arg() makes of one)
 *
 * Adds @file through the add dialog or directly, as the settings say
 * (bt_open_add_file()); failures show over the window.
 */
void
bt_application_add_file (BtApplication *self,
                         GFile         *file)
{
  GtkWindow *window;

  g_return_if_fail (BT_IS_APPLICATION (self));
  g_return_if_fail (G_IS_FILE (file));

  window = GTK_WINDOW (ensure_window (self));
  if (self->session == NULL)
    bt_window_show_error (BT_WINDOW (window), self->startup_error);
  else
    bt_open_add_file (window, self->session, self->settings, file);
}

/**
 * bt_application_add_magnet:
 * @self: the application
 * @uri: a magnet link
 */
void
bt_application_add_magnet (BtApplication *self,
                           const char    *uri)
{
  GtkWindow *window;

  g_return_if_fail (BT_IS_APPLICATION (self));
  g_return_if_fail (uri != NULL);

  window = GTK_WINDOW (ensure_window (self));
  if (self->session == NULL)
    bt_window_show_error (BT_WINDOW (window), self->startup_error);
  else
    bt_open_add_magnet (window, self->session, self->settings, uri);
}

/**
 * bt_application_show_error:
 * @self: the application
 * @message: (nullable): for a person; %NULL is ignored
 *
 * Shows @message in the window's banner (not a dialog: for conditions
 * that last, such as a session that could not start), opening the
 * window if needed.
 */
void
bt_application_show_error (BtApplication *self,
                           const char    *message)
{
  g_return_if_fail (BT_IS_APPLICATION (self));

  if (message == NULL)
    return;
  g_debug ("Error shown: %s", message);
  bt_window_show_error (ensure_window (self), message);
}

/**
 * bt_application_close_session:
 * @self: the application
 *
 * Closes the session (last resume writes, "stopped" to trackers) and
 * returns when that finished, or after %BT_APP_CLOSE_TIMEOUT_S. Runs the
 * main context meanwhile. GApplication::shutdown calls it; afterwards
 * bt_application_get_session() returns %NULL.
 */
void
bt_application_close_session (BtApplication *self)
{
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(BtSession) session = NULL;
  gboolean done = FALSE;
  guint timeout_id;

  g_return_if_fail (BT_IS_APPLICATION (self));

  if (self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (GTK_APPLICATION (self), self->inhibit_cookie);
      self->inhibit_cookie = 0;
    }

  if (self->session == NULL)
    return;

  session = g_steal_pointer (&self->session);
  g_signal_handlers_disconnect_by_func (bt_session_get_torrents (session),
                                        torrents_changed_cb, self);

  /* By shutdown the main loop has returned, so the application is held
   * by iterating here: the session's last writes and "stopped" announces
   * run on this context. */
  cancellable = g_cancellable_new ();
  g_application_hold (G_APPLICATION (self));
  timeout_id = g_timeout_add_seconds (BT_APP_CLOSE_TIMEOUT_S, close_timeout_cb, cancellable);
  bt_session_close_async (session, cancellable, session_closed_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (timeout_id);
  g_application_release (G_APPLICATION (self));
}

guint
bt_application_get_n_downloading (BtApplication *self)
{
  g_return_val_if_fail (BT_IS_APPLICATION (self), 0);
  return self->n_downloading;
}
