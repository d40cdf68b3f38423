/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copyright 2026 The bTorrent authors */

#include "config.h"

#define G_LOG_DOMAIN "bt-app"

#include <glib/gi18n.h>
#include <locale.h>

#include "bt-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BtApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = bt_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
