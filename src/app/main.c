/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copyright 2026 The bTorrent authors */

#include "config.h"

#define G_LOG_DOMAIN "bt-app"

#include <glib/gi18n.h>
#include <locale.h>

#include "bt-application.h"

/* Where the translations are. Normally LOCALEDIR; but a binary that does not
 * sit in the BINDIR it was built for (a `meson install --destdir` staging
 * tree, an install moved to another prefix) looks in ../share/locale next to
 * itself first, so the tree it came with is the one it speaks. */
static char *
bt_app_locale_dir (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bindir = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *localedir = NULL;

  if (exe == NULL)
    return g_strdup (LOCALEDIR);

  bindir = g_path_get_dirname (exe);
  if (g_strcmp0 (bindir, BINDIR) == 0)
    return g_strdup (LOCALEDIR);

  prefix = g_path_get_dirname (bindir);
  localedir = g_build_filename (prefix, "share", "locale", NULL);
  if (g_file_test (localedir, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&localedir);

  return g_strdup (LOCALEDIR);
}

/* Runs before BtApplication's own open handler. One debug line per file or
 * link (G_MESSAGES_DEBUG=bt-app) shows that a double-click or `gio open`
 * reached this process, however it was started; tests/desktop relies on it. */
static void
bt_app_open_cb (GApplication  *application,
                GFile        **files,
                int            n_files,
                const char    *hint,
                gpointer       user_data)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *uri = g_file_get_uri (files[i]);

      g_debug ("open: %s", uri);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BtApplication) app = NULL;
  g_autofree char *locale_dir = NULL;

  setlocale (LC_ALL, "");
  locale_dir = bt_app_locale_dir ();
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = bt_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (app, "open", G_CALLBACK (bt_app_open_cb), NULL);
  /* Shown by `btorrent --help`, before any window exists. */
  g_application_set_option_context_parameter_string (G_APPLICATION (app),
                                                     _("[FILE.torrent|MAGNET-LINK…]"));
  g_application_set_option_context_summary (G_APPLICATION (app),
                                            _("Download and share files over BitTorrent. Open .torrent files and magnet links given on the command line."));

  return g_application_run (G_APPLICATION (app), argc, argv);
}
