/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * btorrent-cli daemon: the app's session without the app. It loads the
 * torrents from the same state folder, applies the same GSettings live,
 * keeps downloading and seeding until SIGINT or SIGTERM, and serves
 * io.github.btorrent.Session on the session bus under its own
 * GApplication id, for `btorrent-cli add|list|pause|resume|remove`.
 */
#define G_LOG_DOMAIN "bt-cli"

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "bt-cli.h"
#include "bt-session-dbus.h"
#include "bt-session-settings.h"
#include "bt-session.h"
#include "bt-torrent.h"

#define BT_TYPE_CLI_DAEMON (bt_cli_daemon_get_type ())
G_DECLARE_FINAL_TYPE (BtCliDaemon, bt_cli_daemon, BT, CLI_DAEMON, GApplication)

struct _BtCliDaemon
{
  GApplication     parent_instance;

  BtSession       *session;
  GDBusConnection *connection;
  guint            export_id;
  gboolean         closing;
  int              status;
};

G_DEFINE_FINAL_TYPE (BtCliDaemon, bt_cli_daemon, G_TYPE_APPLICATION)

/* Auxiliary functions */

static void
unexport (BtCliDaemon *self)
{
  if (self->connection != NULL)
    {
      bt_session_dbus_unexport (self->connection, self->export_id);
      g_signal_handlers_disconnect_by_data (self->connection, self);
    }
  self->export_id = 0;
  g_clear_object (&self->connection);
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BtCliDaemon) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bt_session_close_finish (BT_SESSION (source), result, &error))
    {
      bt_cli_error ("the session did not close cleanly: %s", error->message);
      self->status = 1;
    }
  else
    fprintf (stderr, "btorrent-cli: stopped\n");
  g_application_release (G_APPLICATION (self));
}

/* Withdraws from D-Bus first, so no command lands on a session that is
 * going away, then lets the session write its resume files and tell the
 * trackers. */
static void
shut_down (BtCliDaemon *self,
           const char  *why)
{
  if (self->closing)
    return;
  self->closing = TRUE;
  fprintf (stderr, "btorrent-cli: %s; stopping (saving state, telling the trackers)…\n", why);
  unexport (self);
  bt_session_close_async (self->session, NULL, closed_cb, g_object_ref (self));
}

/* Signal callbacks */

static gboolean
unix_signal_cb (gpointer user_data)
{
  BtCliDaemon *self = user_data;

  /* A second signal means "now": what is not saved yet is what the
   * engine would also lose in a crash, which it is built to survive. */
  if (self->closing)
    {
      bt_cli_error ("stopped again while stopping; quitting at once");
      exit (1);
    }
  shut_down (self, "asked to stop");
  return G_SOURCE_CONTINUE;
}

static void
connection_closed_cb (GDBusConnection *connection,
                      gboolean         remote_peer_vanished,
                      GError          *error,
                      gpointer         user_data)
{
  shut_down (user_data, "lost the D-Bus session bus");
}

static void
completed_cb (BtTorrent *torrent,
              gpointer   user_data)
{
  printf ("%.8s complete: %s\n", bt_torrent_get_info_hash_hex (torrent),
          bt_torrent_get_name (torrent));
  fflush (stdout);
}

static void
watch_torrent (BtCliDaemon *self,
               BtTorrent   *torrent)
{
  g_signal_connect_object (torrent, "completed", G_CALLBACK (completed_cb), self, 0);
}

static void
torrents_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  BtCliDaemon *self = user_data;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (model, i);

      printf ("%.8s added: %s\n", bt_torrent_get_info_hash_hex (torrent),
              bt_torrent_get_name (torrent));
      watch_torrent (self, torrent);
    }
  fflush (stdout);
}

/* GApplication overrides */

static gboolean
bt_cli_daemon_dbus_register (GApplication     *application,
                             GDBusConnection  *connection,
                             const char       *object_path,
                             GError          **error)
{
  BtCliDaemon *self = BT_CLI_DAEMON (application);

  if (!G_APPLICATION_CLASS (bt_cli_daemon_parent_class)->dbus_register (application, connection,
                                                                        object_path, error))
    return FALSE;

  /* Before the name is ours, so the first client finds the object. */
  self->export_id = bt_session_dbus_export (self->session, connection, NULL, error);
  if (self->export_id == 0)
    return FALSE;
  self->connection = g_object_ref (connection);

  /* GDBus would _exit() when the bus goes (logout): close the session
   * properly instead, as for SIGTERM. */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_signal_connect (connection, "closed", G_CALLBACK (connection_closed_cb), self);
  return TRUE;
}

static void
bt_cli_daemon_dbus_unregister (GApplication    *application,
                               GDBusConnection *connection,
                               const char      *object_path)
{
  unexport (BT_CLI_DAEMON (application));

  G_APPLICATION_CLASS (bt_cli_daemon_parent_class)->dbus_unregister (application, connection,
                                                                     object_path);
}

static void
bt_cli_daemon_activate (GApplication *application)
{
  /* Nothing to show: a daemon runs while it is held. */
}

static void
bt_cli_daemon_dispose (GObject *object)
{
  BtCliDaemon *self = BT_CLI_DAEMON (object);

  unexport (self);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (bt_session_get_torrents (self->session), self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (bt_cli_daemon_parent_class)->dispose (object);
}

static void
bt_cli_daemon_class_init (BtCliDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = bt_cli_daemon_dispose;
  application_class->dbus_register = bt_cli_daemon_dbus_register;
  application_class->dbus_unregister = bt_cli_daemon_dbus_unregister;
  application_class->activate = bt_cli_daemon_activate;
}

static void
bt_cli_daemon_init (BtCliDaemon *self)
{
}

/* The command */

static GSettings *
open_settings (GError **error)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* g_settings_new() aborts on a missing schema; say what to do instead. */
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BT_SETTINGS_SCHEMA_ID, TRUE);
  if (schema == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "The settings schema %s is not installed; install bTorrent, or point "
                   "GSETTINGS_SCHEMA_DIR at a folder with its compiled schema",
                   BT_SETTINGS_SCHEMA_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
close_now_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  bt_session_close_finish (BT_SESSION (source), result, NULL);
  *done = TRUE;
}

/* For the paths that fail after loading: whatever loading changed is
 * written back before we exit. */
static void
close_session_sync (BtSession *session)
{
  gboolean done = FALSE;

  bt_session_close_async (session, NULL, close_now_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

int
bt_cli_daemon (int    argc,
               char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BtSession) session = NULL;
  g_autoptr(BtCliDaemon) self = NULL;
  g_autofree char *state_dir = NULL;
  g_auto(GStrv) rest = NULL;
  BtSessionConfig config = { 0 };
  GListModel *torrents;
  guint signal_ids[2];
  int port = -1;
  const GOptionEntry options[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port,
      "Listen for peers on this port instead of the one in the settings (0: any)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new ("— run the session headless: download and seed everything in it");
  g_option_context_set_description (context,
                                    "Uses the app's torrents, state folder and settings; "
                                    "`btorrent-cli add|list|pause|resume|remove` control it. "
                                    "SIGINT or SIGTERM stop it cleanly.");
  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (rest != NULL && rest[0] != NULL)
    {
      bt_cli_error ("daemon takes no arguments");
      return 2;
    }
  if (port > 65535)
    {
      bt_cli_error ("--port must be 0-65535");
      return 2;
    }

  settings = open_settings (&error);
  if (settings == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  bt_session_config_from_settings (&config, settings, strings);
  if (port >= 0)
    config.port = (guint16) port;
  if (config.state_dir == NULL)
    {
      /* The app's folder: one session, whichever front end runs it. */
      state_dir = g_build_filename (g_get_user_data_dir (), "btorrent", NULL);
      config.state_dir = state_dir;
    }

  session = bt_session_new (&config, &error);
  if (session == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  /* The state folder's lock is taken here: a running app or another daemon
   * on the same folder makes this fail, before we touch the bus. */
  if (!bt_session_load (session, &error))
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  /* With --port, a later change of the port setting still moves it: the
   * option picks where to start, as a command line does. */
  bt_session_bind_settings (session, settings);

  self = g_object_new (BT_TYPE_CLI_DAEMON,
                       "application-id", BT_SESSION_DBUS_DAEMON_NAME,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);
  self->session = g_object_ref (session);
  if (!g_application_register (G_APPLICATION (self), NULL, &error))
    {
      bt_cli_error ("cannot offer the session on the D-Bus session bus (%s); run it inside "
                    "`dbus-run-session` on a machine without a desktop session",
                    error->message);
      g_clear_object (&self);
      close_session_sync (session);
      return 1;
    }
  if (g_application_get_is_remote (G_APPLICATION (self)))
    {
      bt_cli_error ("another btorrent-cli daemon already runs on this D-Bus session bus");
      g_clear_object (&self);
      close_session_sync (session);
      return 1;
    }

  torrents = bt_session_get_torrents (session);
  for (guint i = 0; i < g_list_model_get_n_items (torrents); i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);

      watch_torrent (self, torrent);
    }
  g_signal_connect (torrents, "items-changed", G_CALLBACK (torrents_changed_cb), self);

  printf ("btorrent-cli daemon: %u torrents from %s; listening for peers on port %u\n",
          g_list_model_get_n_items (torrents), config.state_dir,
          0u + bt_session_get_port (session));
  fflush (stdout);

  signal_ids[0] = g_unix_signal_add (SIGINT, unix_signal_cb, self);
  signal_ids[1] = g_unix_signal_add (SIGTERM, unix_signal_cb, self);
  g_application_hold (G_APPLICATION (self));
  g_application_run (G_APPLICATION (self), 0, NULL);
  g_source_remove (signal_ids[0]);
  g_source_remove (signal_ids[1]);

  return self->status;
}
