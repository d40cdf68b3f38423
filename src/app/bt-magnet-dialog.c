/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-magnet-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-magnet-dialog.h"

/* Placeholder while the template is written: the API is final. */
struct _BtMagnetDialog
{
  GtkWindow  parent_instance;
  BtSession *session;
  char      *uri;
};

G_DEFINE_FINAL_TYPE (BtMagnetDialog, bt_magnet_dialog, GTK_TYPE_WINDOW)

static void
bt_magnet_dialog_dispose (GObject *object)
{
  BtMagnetDialog *self = BT_MAGNET_DIALOG (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->uri, g_free);
  G_OBJECT_CLASS (bt_magnet_dialog_parent_class)->dispose (object);
}

static void
bt_magnet_dialog_class_init (BtMagnetDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bt_magnet_dialog_dispose;
  g_signal_new ("torrent-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 2, BT_TYPE_TORRENT, G_TYPE_BOOLEAN);
}

static void
bt_magnet_dialog_init (BtMagnetDialog *self)
{
}

BtMagnetDialog *
bt_magnet_dialog_new (BtSession *session,
                      GSettings *settings)
{
  BtMagnetDialog *self;

  g_return_val_if_fail (BT_IS_SESSION (session), NULL);

  self = g_object_new (BT_TYPE_MAGNET_DIALOG, "title", _("Add Magnet Link"), NULL);
  self->session = g_object_ref (session);
  return self;
}

BtMagnetDialog *
bt_magnet_dialog_present (GtkWindow *parent,
                          BtSession *session,
                          GSettings *settings)
{
  BtMagnetDialog *self = bt_magnet_dialog_new (session, settings);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

const char *
bt_magnet_dialog_get_uri (BtMagnetDialog *self)
{
  g_return_val_if_fail (BT_IS_MAGNET_DIALOG (self), NULL);
  return self->uri != NULL ? self->uri : "";
}

void
bt_magnet_dialog_set_uri (BtMagnetDialog *self,
                          const char     *uri)
{
  g_return_if_fail (BT_IS_MAGNET_DIALOG (self));
  g_free (self->uri);
  self->uri = g_strdup (uri);
}
