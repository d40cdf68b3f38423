/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * GSettings → BtSession: the initial configuration, then every later
 * change of a key applied to the running session, so the preferences
 * window, `gsettings set` and the daemon all act at once.
 */
#define G_LOG_DOMAIN "bt-session"

#include "config.h"

#include "bt-session-settings.h"

#define KIB 1024

void
bt_session_config_from_settings (BtSessionConfig *config,
                                 GSettings       *settings,
                                 GPtrArray       *strings)
{
  char *folder;
  GStrv nodes;

  g_return_if_fail (config != NULL);
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (strings != NULL);

  config->port = (guint16) g_settings_get_int (settings, "listen-port");
  config->max_peers = (guint) g_settings_get_int (settings, "max-peers-global");
  config->max_peers_per_torrent = (guint) g_settings_get_int (settings, "max-peers-per-torrent");
  config->download_limit = (guint64) g_settings_get_int (settings, "download-rate-limit") * KIB;
  config->upload_limit = (guint64) g_settings_get_int (settings, "upload-rate-limit") * KIB;
  config->seed_ratio = g_settings_get_double (settings, "seed-ratio-limit");
  config->seed_idle_s = g_settings_get_uint (settings, "seed-idle-limit") * 60;
  config->max_active_downloads = (guint) g_settings_get_int (settings, "max-active-downloads");
  config->max_active_seeds = (guint) g_settings_get_int (settings, "max-active-seeds");
  folder = g_settings_get_string (settings, "download-folder");
  g_ptr_array_add (strings, folder);
  config->download_dir = *folder != '\0' ? folder : NULL;
  config->enable_dht = g_settings_get_boolean (settings, "enable-dht");
  config->disable_pex = !g_settings_get_boolean (settings, "enable-pex");
  config->enable_lsd = g_settings_get_boolean (settings, "enable-lsd");
  /* g_free() of each string and of the vector is g_strfreev(). */
  nodes = g_settings_get_strv (settings, "dht-bootstrap-nodes");
  for (guint i = 0; nodes[i] != NULL; i++)
    g_ptr_array_add (strings, nodes[i]);
  g_ptr_array_add (strings, nodes);
  config->dht_bootstrap_nodes = (const char * const *) nodes;
}

static void
changed_cb (GSettings  *settings,
            const char *key,
            BtSession  *session)
{
  g_autoptr(GError) error = NULL;

  if (g_str_equal (key, "listen-port"))
    {
      if (!bt_session_set_port (session, (guint16) g_settings_get_int (settings, key), &error))
        g_warning ("%s", error->message);
    }
  else if (g_str_equal (key, "max-peers-global") || g_str_equal (key, "max-peers-per-torrent"))
    bt_session_set_peer_limits (session, (guint) g_settings_get_int (settings, "max-peers-global"),
                                (guint) g_settings_get_int (settings, "max-peers-per-torrent"));
  else if (g_str_equal (key, "download-rate-limit"))
    bt_session_set_download_limit (session, (guint64) g_settings_get_int (settings, key) * KIB);
  else if (g_str_equal (key, "upload-rate-limit"))
    bt_session_set_upload_limit (session, (guint64) g_settings_get_int (settings, key) * KIB);
  else if (g_str_equal (key, "seed-ratio-limit") || g_str_equal (key, "seed-idle-limit"))
    bt_session_set_seed_goals (session, g_settings_get_double (settings, "seed-ratio-limit"),
                               g_settings_get_uint (settings, "seed-idle-limit") * 60);
  else if (g_str_equal (key, "max-active-downloads") || g_str_equal (key, "max-active-seeds"))
    bt_session_set_queue_limits (session,
                                 (guint) g_settings_get_int (settings, "max-active-downloads"),
                                 (guint) g_settings_get_int (settings, "max-active-seeds"));
  else if (g_str_equal (key, "enable-dht"))
    bt_session_set_dht_enabled (session, g_settings_get_boolean (settings, key));
  else if (g_str_equal (key, "download-folder"))
    {
      g_autofree char *folder = g_settings_get_string (settings, key);

      bt_session_set_download_dir (session, folder);
    }
}

/**
 * bt_session_bind_settings:
 *
 * Applies every later change of @settings to @session, until either goes.
 */
void
bt_session_bind_settings (BtSession *session,
                          GSettings *settings)
{
  g_return_if_fail (BT_IS_SESSION (session));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_signal_connect_object (settings, "changed", G_CALLBACK (changed_cb), session, 0);
}
