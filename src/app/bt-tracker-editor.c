/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Under the Trackers table: an entry and Add button to add a tracker to
 * the torrent, and Remove for the selected row. The engine says why an
 * address is refused; the reason shows under the entry until it is
 * edited. Edits are kept by the session with the torrent.
 */
#include "config.h"

#include "bt-tracker-editor.h"
#include "bt-tracker-info.h"

struct _BtTrackerEditor
{
  GtkWidget           parent_instance;

  GtkWidget          *box;
  GtkEntry           *url_entry;
  GtkButton          *add_button;
  GtkButton          *remove_button;
  GtkLabel           *error_label;

  BtTorrent          *torrent;
  GtkSingleSelection *selection;
};

G_DEFINE_FINAL_TYPE (BtTrackerEditor, bt_tracker_editor, GTK_TYPE_WIDGET)

static void
show_error (BtTrackerEditor *self,
            const char      *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->url_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");
}

static void
update_buttons (BtTrackerEditor *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));

  gtk_widget_set_sensitive (GTK_WIDGET (self->url_entry), self->torrent != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), self->torrent != NULL && *text != '\0');
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button),
                            self->torrent != NULL && self->selection != NULL
                            && gtk_single_selection_get_selected_item (self->selection) != NULL);
}

static void
add_clicked_cb (BtTrackerEditor *self)
{
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));
  g_autoptr(GError) error = NULL;

  if (self->torrent == NULL || *url == '\0')
    return;
  if (!bt_torrent_add_tracker (self->torrent, url, &error))
    {
      show_error (self, error->message);
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), "");
  show_error (self, NULL);
}

static void
remove_clicked_cb (BtTrackerEditor *self)
{
  BtTrackerInfo *info;
  g_autofree char *url = NULL;

  if (self->torrent == NULL || self->selection == NULL)
    return;
  info = gtk_single_selection_get_selected_item (self->selection);
  if (info == NULL)
    return;
  /* The row goes with it: keep the URL past its removal. */
  url = g_strdup (bt_tracker_info_get_url (info));
  bt_torrent_remove_tracker (self->torrent, url);
  update_buttons (self);
}

static void
text_changed_cb (BtTrackerEditor *self)
{
  show_error (self, NULL);
  update_buttons (self);
}

static void
bt_tracker_editor_dispose (GObject *object)
{
  BtTrackerEditor *self = BT_TRACKER_EDITOR (object);

  bt_tracker_editor_set_selection (self, NULL);
  g_clear_object (&self->torrent);
  gtk_widget_dispose_template (GTK_WIDGET (self), BT_TYPE_TRACKER_EDITOR);

  G_OBJECT_CLASS (bt_tracker_editor_parent_class)->dispose (object);
}

static void
bt_tracker_editor_class_init (BtTrackerEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bt_tracker_editor_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/btorrent/BTorrent/bt-tracker-editor.ui");
  /* The box is bound so that dispose_template() unparents it. */
  gtk_widget_class_bind_template_child (widget_class, BtTrackerEditor, box);
  gtk_widget_class_bind_template_child (widget_class, BtTrackerEditor, url_entry);
  gtk_widget_class_bind_template_child (widget_class, BtTrackerEditor, add_button);
  gtk_widget_class_bind_template_child (widget_class, BtTrackerEditor, remove_button);
  gtk_widget_class_bind_template_child (widget_class, BtTrackerEditor, error_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
bt_tracker_editor_init (BtTrackerEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (add_clicked_cb), self);
  /* Enter in the entry adds too. */
  g_signal_connect_swapped (self->url_entry, "activate", G_CALLBACK (add_clicked_cb), self);
  g_signal_connect_swapped (self->remove_button, "clicked", G_CALLBACK (remove_clicked_cb), self);
  g_signal_connect_swapped (self->url_entry, "changed", G_CALLBACK (text_changed_cb), self);
  update_buttons (self);
}

/**
 * bt_tracker_editor_set_torrent:
 * @torrent: (nullable): the torrent to edit
 */
void
bt_tracker_editor_set_torrent (BtTrackerEditor *self,
                               BtTorrent       *torrent)
{
  g_return_if_fail (BT_IS_TRACKER_EDITOR (self));
  g_return_if_fail (torrent == NULL || BT_IS_TORRENT (torrent));

  if (!g_set_object (&self->torrent, torrent))
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), "");
  show_error (self, NULL);
  update_buttons (self);
}

/**
 * bt_tracker_editor_set_selection:
 * @selection: (nullable): the Trackers table's selection, whose selected
 *   row Remove removes
 */
void
bt_tracker_editor_set_selection (BtTrackerEditor    *self,
                                 GtkSingleSelection *selection)
{
  g_return_if_fail (BT_IS_TRACKER_EDITOR (self));
  g_return_if_fail (selection == NULL || GTK_IS_SINGLE_SELECTION (selection));

  if (self->selection == selection)
    return;
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_func (self->selection, update_buttons, self);
  g_set_object (&self->selection, selection);
  if (selection != NULL)
    g_signal_connect_object (selection, "notify::selected", G_CALLBACK (update_buttons), self,
                             G_CONNECT_SWAPPED);
  update_buttons (self);
}
