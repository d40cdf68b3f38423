/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-add-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-add-dialog.h"

/* Placeholder while the template is written: the API is final. */
struct _BtAddDialog
{
  GtkWindow   parent_instance;
  BtSession  *session;
  BtMetainfo *meta;
  char       *save_path;
};

G_DEFINE_FINAL_TYPE (BtAddDialog, bt_add_dialog, GTK_TYPE_WINDOW)

static void
bt_add_dialog_dispose (GObject *object)
{
  BtAddDialog *self = BT_ADD_DIALOG (object);

  g_clear_object (&self->session);
  g_clear_object (&self->meta);
  g_clear_pointer (&self->save_path, g_free);
  G_OBJECT_CLASS (bt_add_dialog_parent_class)->dispose (object);
}

static void
bt_add_dialog_class_init (BtAddDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = bt_add_dialog_dispose;
  g_signal_new ("torrent-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                0, NULL, NULL, NULL, G_TYPE_NONE, 2, BT_TYPE_TORRENT, G_TYPE_BOOLEAN);
}

static void
bt_add_dialog_init (BtAddDialog *self)
{
}

BtAddDialog *
bt_add_dialog_new (BtSession  *session,
                   BtMetainfo *meta,
                   GSettings  *settings)
{
  BtAddDialog *self;

  g_return_val_if_fail (BT_IS_SESSION (session), NULL);
  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);

  self = g_object_new (BT_TYPE_ADD_DIALOG, "title", _("Add Torrent"), NULL);
  self->session = g_object_ref (session);
  self->meta = g_object_ref (meta);
  return self;
}

BtAddDialog *
bt_add_dialog_present (GtkWindow  *parent,
                       BtSession  *session,
                       BtMetainfo *meta,
                       GSettings  *settings)
{
  BtAddDialog *self = bt_add_dialog_new (session, meta, settings);

  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}

BtMetainfo *
bt_add_dialog_get_metainfo (BtAddDialog *self)
{
  g_return_val_if_fail (BT_IS_ADD_DIALOG (self), NULL);
  return self->meta;
}

const char *
bt_add_dialog_get_save_path (BtAddDialog *self)
{
  g_return_val_if_fail (BT_IS_ADD_DIALOG (self), NULL);
  return self->save_path;
}

void
bt_add_dialog_set_save_path (BtAddDialog *self,
                             const char  *path)
{
  g_return_if_fail (BT_IS_ADD_DIALOG (self));
  g_free (self->save_path);
  self->save_path = g_strdup (path);
}
