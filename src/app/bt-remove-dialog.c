/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * GtkAlertDialog (4.10) has no room for a checkbox, so this is a
 * GtkMessageDialog on every GTK version: deprecated in 4.10, but
 * present throughout GTK 4, and the build pins the 4.8 API.
 */
#define G_LOG_DOMAIN "bt-remove-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-remove-dialog.h"

typedef struct
{
  GtkWidget *dialog;        /* NULL once answered */
  GtkWidget *delete_check;
  gulong     cancelled_id;
  gboolean   delete_files;
} RemoveData;

static void
remove_data_free (RemoveData *data)
{
  g_assert (data->dialog == NULL);
  g_free (data);
}

/* Ends the question once, whichever comes first: an answer, the dialog
 * going away with its parent, or the cancellable. Drops the reference the
 * open dialog held on @task. */
static void
complete (GTask    *task,
          gboolean  remove,
          gboolean  cancelled,
          gboolean  destroy_dialog)
{
  RemoveData *data = g_task_get_task_data (task);
  GtkWidget *dialog = g_steal_pointer (&data->dialog);

  if (dialog == NULL)
    return;

  /* Never called from inside the ::cancelled handler (that goes through
   * an idle), where disconnecting would deadlock. */
  g_cancellable_disconnect (g_task_get_cancellable (task), data->cancelled_id);
  data->cancelled_id = 0;

  data->delete_files = remove &&
                       gtk_check_button_get_active (GTK_CHECK_BUTTON (data->delete_check));
  g_signal_handlers_disconnect_by_data (dialog, task);
  if (destroy_dialog)
    gtk_window_destroy (GTK_WINDOW (dialog));

  if (cancelled)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "%s", _("The question was withdrawn"));
  else
    g_task_return_boolean (task, remove);

  g_object_unref (task);
}

static void
dialog_response_cb (GtkDialog *dialog,
                    int        response,
                    gpointer   user_data)
{
  complete (G_TASK (user_data), response == GTK_RESPONSE_ACCEPT, FALSE, TRUE);
}

/* GTK_DIALOG_DESTROY_WITH_PARENT: the window went, so did the question. */
static void
dialog_destroy_cb (GtkWidget *dialog,
                   gpointer   user_data)
{
  complete (G_TASK (user_data), FALSE, FALSE, FALSE);
}

static gboolean
cancelled_idle_cb (gpointer user_data)
{
  complete (G_TASK (user_data), FALSE, TRUE, TRUE);
  return G_SOURCE_REMOVE;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GSource) idle = g_idle_source_new ();

  /* Cancellation may come from any thread, and even on ours it must not
   * complete from inside this handler; the dialog lives on the task's
   * context. */
  g_source_set_callback (idle, cancelled_idle_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (idle, "[bt] remove dialog cancelled");
  g_source_attach (idle, g_task_get_context (task));
}

/**
 * bt_remove_dialog_choose_async:
 * @parent: (nullable): the window the torrents are in
 * @n_torrents: how many torrents would go, at least 1
 * @name: (nullable): the torrent's name when there is one
 * @cancellable: (nullable): withdraws the question
 * @callback: runs once with the answer
 * @user_data: for @callback
 */
void
bt_remove_dialog_choose_async (GtkWindow           *parent,
                               guint                n_torrents,
                               const char          *name,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *primary = NULL;
  RemoveData *data;
  GtkWidget *area;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (n_torrents > 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_remove_dialog_choose_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (n_torrents == 1 && name != NULL)
    primary = g_strdup_printf (_("Remove “%s”?"), name);
  else
    primary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Remove %u torrent?",
                                            "Remove %u torrents?",
                                            n_torrents),
                               n_torrents);

  data = g_new0 (RemoveData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) remove_data_free);

  data->dialog = gtk_message_dialog_new (parent,
                                         GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                         GTK_MESSAGE_QUESTION,
                                         GTK_BUTTONS_NONE,
                                         "%s", primary);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (data->dialog),
                                            "%s",
                                            g_dngettext (GETTEXT_PACKAGE,
                                                         "It stops downloading and seeding and leaves the list.",
                                                         "They stop downloading and seeding and leave the list.",
                                                         n_torrents));
  gtk_window_set_title (GTK_WINDOW (data->dialog), _("Remove Torrents"));

  data->delete_check = gtk_check_button_new_with_mnemonic (_("Also _delete the downloaded files"));
  gtk_widget_set_halign (data->delete_check, GTK_ALIGN_CENTER);
  area = gtk_message_dialog_get_message_area (GTK_MESSAGE_DIALOG (data->dialog));
  gtk_box_append (GTK_BOX (area), data->delete_check);

  gtk_dialog_add_button (GTK_DIALOG (data->dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  gtk_widget_add_css_class (gtk_dialog_add_button (GTK_DIALOG (data->dialog),
                                                   _("_Remove"), GTK_RESPONSE_ACCEPT),
                            "destructive-action");
  /* Enter must not delete anything. */
  gtk_dialog_set_default_response (GTK_DIALOG (data->dialog), GTK_RESPONSE_CANCEL);

  /* The open dialog holds a reference on the task, dropped by complete(). */
  g_object_ref (task);
  g_signal_connect (data->dialog, "response", G_CALLBACK (dialog_response_cb), task);
  g_signal_connect (data->dialog, "destroy", G_CALLBACK (dialog_destroy_cb), task);
  if (cancellable != NULL)
    data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb),
                                                task, NULL);

  gtk_window_present (GTK_WINDOW (data->dialog));
}

gboolean
bt_remove_dialog_choose_finish (GAsyncResult  *result,
                                gboolean      *out_delete_files,
                                GError       **error)
{
  RemoveData *data;
  gboolean remove;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        bt_remove_dialog_choose_async, FALSE);

  remove = g_task_propagate_boolean (G_TASK (result), error);
  data = g_task_get_task_data (G_TASK (result));
  if (out_delete_files != NULL)
    *out_delete_files = remove && data != NULL && data->delete_files;

  return remove;
}
