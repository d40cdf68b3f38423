/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copyright 2026 The bTorrent authors */

#include "config.h"

#define G_LOG_DOMAIN "bt-app"

#include "bt-window.h"

/*
 * Structures
 */

struct _BtWindow
{
  GtkApplicationWindow parent_instance;

  /* Template widgets */
  GtkHeaderBar  *header_bar;
  GtkMenuButton *primary_menu_button;
  GtkWidget     *empty_state;
  GtkLabel      *empty_title;
  GtkLabel      *empty_description;
};

/*
 * Type definition
 */

G_DEFINE_FINAL_TYPE (BtWindow, bt_window, GTK_TYPE_APPLICATION_WINDOW)

/*
 * class_init / init
 */

static void
bt_window_class_init (BtWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* No dispose() with gtk_widget_dispose_template(): the template's widgets
   * are the window's titlebar and child, which GtkWindow tears down itself.
   * Unparenting them first leaves GtkWindow with dangling pointers (a
   * critical on GTK 4.8 when the window is destroyed). */
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/bt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BtWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, empty_state);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, empty_title);
  gtk_widget_class_bind_template_child (widget_class, BtWindow, empty_description);
}

static void
bt_window_init (BtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/*
 * Public API
 */

/**
 * bt_window_new:
 * @application: the #BtApplication the window belongs to
 *
 * Returns: (transfer none): a new #BtWindow. GTK owns toplevel windows;
 *   close it, or destroy it with gtk_window_destroy()
 */
BtWindow *
bt_window_new (BtApplication *application)
{
  g_return_val_if_fail (BT_IS_APPLICATION (application), NULL);

  return g_object_new (BT_TYPE_WINDOW,
                       "application", application,
                       NULL);
}
