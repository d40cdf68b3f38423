/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-magnet-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-app-error.h"
#include "bt-magnet-dialog.h"
#include "bt-magnet.h"

struct _BtMagnetDialog
{
  GtkWindow     parent_instance;

  BtSession    *session;
  GCancellable *cancellable;
  gboolean      start_paused;
  gboolean      edited;       /* typed into before the clipboard answered */

  GtkEntry     *uri_entry;
  GtkLabel     *status_label;
  GtkButton    *add_button;
};

enum
{
  TORRENT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BtMagnetDialog, bt_magnet_dialog, GTK_TYPE_WINDOW)

/*
 * Auxiliary functions
 */

/* What was typed or pasted, without the white space that copying from a
 * web page or a chat tends to add around it. */
static char *
entry_uri (BtMagnetDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->uri_entry));

  return g_strstrip (g_strdup (text));
}

static void
set_status (BtMagnetDialog *self,
            const char     *text,
            gboolean        is_error)
{
  gtk_label_set_label (self->status_label, text);
  if (is_error)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->uri_entry), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->uri_entry), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
    }
}

static void
validate (BtMagnetDialog *self)
{
  g_autofree char *uri = entry_uri (self);
  g_autoptr(BtMagnet) magnet = NULL;
  g_autoptr(GError) error = NULL;

  if (*uri == '\0')
    {
      set_status (self, _("Paste a link that starts with “magnet:?”"), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), FALSE);
      return;
    }

  magnet = bt_magnet_parse (uri, &error);
  if (magnet == NULL)
    {
      set_status (self, error->message, TRUE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), FALSE);
      return;
    }

  if (magnet->name != NULL)
    set_status (self, magnet->name, FALSE);
  else
    set_status (self, _("The name and files arrive from peers once it is added"), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), TRUE);
}

/*
 * Signal callbacks
 */

static void
uri_changed_cb (BtMagnetDialog *self)
{
  self->edited = TRUE;
  validate (self);
}

static void
clipboard_text_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  BtMagnetDialog *self = user_data;
  g_autoptr(BtMagnet) magnet = NULL;
  g_autofree char *text = NULL;

  /* Cancelled in dispose (then @self may be gone), an empty clipboard or
   * an image: nothing to fill in, and nothing worth telling anyone. */
  text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  if (text == NULL || self->edited)
    return;

  g_strstrip (text);
  magnet = bt_magnet_parse (text, NULL);
  if (magnet == NULL)
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->uri_entry), text);
  gtk_editable_select_region (GTK_EDITABLE (self->uri_entry), 0, -1);
  /* Filled in for the person, not by them: a later paste may replace it. */
  self->edited = FALSE;
}

static void
add_clicked_cb (BtMagnetDialog *self)
{
  g_autofree char *uri = entry_uri (self);
  g_autoptr(GError) error = NULL;
  BtTorrent *torrent;  /* owned by the session */
  BtAddOptions options = { 0 };
  gboolean existing = FALSE;

  if (self->start_paused)
    options.flags |= BT_ADD_PAUSED;

  torrent = bt_session_add_magnet (self->session, uri, &options, &existing, &error);
  if (torrent == NULL)
    {
      bt_app_show_error (GTK_WINDOW (self), _("Could not add the magnet link"), error);
      return;
    }

  g_signal_emit (self, signals[TORRENT_ADDED], 0, torrent, existing);
  gtk_window_destroy (GTK_WINDOW (self));
}

/*
 * Overrides
 */

static void
bt_magnet_dialog_dispose (GObject *object)
{
  BtMagnetDialog *self = BT_MAGNET_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), BT_TYPE_MAGNET_DIALOG);

  G_OBJECT_CLASS (bt_magnet_dialog_parent_class)->dispose (object);
}

static void
bt_magnet_dialog_finalize (GObject *object)
{
  BtMagnetDialog *self = BT_MAGNET_DIALOG (object);

  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (bt_magnet_dialog_parent_class)->finalize (object);
}

static void
bt_magnet_dialog_class_init (BtMagnetDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_magnet_dialog_dispose;
  object_class->finalize = bt_magnet_dialog_finalize;

  /**
   * BtMagnetDialog::torrent-added:
   * @torrent: the torrent in the session
   * @existing: it was there already (same info-hash); nothing was added
   */
  signals[TORRENT_ADDED] =
    g_signal_new ("torrent-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, BT_TYPE_TORRENT, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/bt-magnet-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BtMagnetDialog, uri_entry);
  gtk_widget_class_bind_template_child (widget_class, BtMagnetDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, BtMagnetDialog, add_button);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, uri_changed_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bt_magnet_dialog_init (BtMagnetDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
}

/*
 * Public API
 */

/**
 * bt_magnet_dialog_new:
 * @session: where Add puts the torrent
 * @settings: (nullable): "start-paused" adds it paused
 *
 * Starts reading the clipboard at once; a valid magnet link there fills
 * the entry unless something was typed first.
 *
 * Returns: (transfer floating): a new dialog, not shown
 */
BtMagnetDialog *
bt_magnet_dialog_new (BtSession *session,
                      GSettings *settings)
{
  BtMagnetDialog *self;
  GdkClipboard *clipboard;

  g_return_val_if_fail (BT_IS_SESSION (session), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (BT_TYPE_MAGNET_DIALOG, NULL);
  self->session = g_object_ref (session);
  self->start_paused = settings != NULL && g_settings_get_boolean (settings, "start-paused");
  self->edited = FALSE;

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  /* No reference: dispose cancels the read instead. */
  gdk_clipboard_read_text_async (clipboard, self->cancellable, clipboard_text_cb, self);

  return self;
}

/**
 * bt_magnet_dialog_present:
 * @parent: (nullable): the window it is modal to
 *
 * Returns: (transfer none): the dialog, shown; it destroys itself when it
 *   closes
 */
BtMagnetDialog *
bt_magnet_dialog_present (GtkWindow *parent,
                          BtSession *session,
                          GSettings *settings)
{
  BtMagnetDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = bt_magnet_dialog_new (session, settings);
  g_return_val_if_fail (self != NULL, NULL);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  if (parent != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

/**
 * bt_magnet_dialog_get_uri:
 *
 * Returns: the text in the entry, as typed (Add ignores white space
 * around it)
 */
const char *
bt_magnet_dialog_get_uri (BtMagnetDialog *self)
{
  g_return_val_if_fail (BT_IS_MAGNET_DIALOG (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->uri_entry));
}

void
bt_magnet_dialog_set_uri (BtMagnetDialog *self,
                          const char     *uri)
{
  g_return_if_fail (BT_IS_MAGNET_DIALOG (self));
  g_return_if_fail (uri != NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->uri_entry), uri);
}
