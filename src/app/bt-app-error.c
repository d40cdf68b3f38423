/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app-error"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-app-error.h"

#if !GTK_CHECK_VERSION (4, 10, 0)
static void
message_response_cb (GtkDialog *dialog,
                     int        response,
                     gpointer   user_data)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
}
#endif

/**
 * bt_app_show_error:
 * @parent: (nullable): the window the failure belongs to
 * @primary: what failed, as a short sentence
 * @error: (nullable): why; its message is shown below @primary
 *
 * Shows a modal message over @parent and returns at once.
 */
void
bt_app_show_error (GtkWindow    *parent,
                   const char   *primary,
                   const GError *error)
{
  const char *detail = error != NULL ? error->message : NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (primary != NULL);

  g_debug ("%s: %s", primary, detail != NULL ? detail : "(no details)");

#if GTK_CHECK_VERSION (4, 10, 0)
  /* Meson pins GDK_VERSION_MAX_ALLOWED to 4.8, so 4.10 symbols warn. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    g_autoptr(GtkAlertDialog) alert = gtk_alert_dialog_new ("%s", primary);

    if (detail != NULL)
      gtk_alert_dialog_set_detail (alert, detail);
    gtk_alert_dialog_set_modal (alert, TRUE);
    gtk_alert_dialog_show (alert, parent);
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
#else
  {
    GtkWidget *dialog;

    dialog = gtk_message_dialog_new (parent,
                                     GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                     GTK_MESSAGE_ERROR,
                                     GTK_BUTTONS_CLOSE,
                                     "%s", primary);
    if (detail != NULL)
      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
    gtk_window_set_title (GTK_WINDOW (dialog), _("Error"));
    g_signal_connect (dialog, "response", G_CALLBACK (message_response_cb), NULL);
    gtk_window_present (GTK_WINDOW (dialog));
  }
#endif
}
