/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <string.h>

#include "bt-screenshot.h"
#include "bt-window.h"

/* Time for the pane to open, its models to fill and a frame to draw
 * between choosing a page and taking it. */
#define SCREENSHOT_SETTLE_MS 2000

typedef struct
{
  BtApplication *app;
  GStrv          shots;
  guint          next;
} Plan;

static void
plan_free (Plan *plan)
{
  g_application_release (G_APPLICATION (plan->app));
  g_object_unref (plan->app);
  g_strfreev (plan->shots);
  g_free (plan);
}

static BtWindow *
find_window (BtApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (BT_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
split_shot (const char  *shot,
            char       **page,
            char       **path)
{
  const char *eq = strchr (shot, '=');

  *page = eq ? g_strndup (shot, eq - shot) : NULL;
  *path = g_strdup (eq ? eq + 1 : shot);
}

static gboolean take_cb (gpointer user_data);

static gboolean
prepare_cb (gpointer user_data)
{
  Plan *plan = user_data;
  BtWindow *window = find_window (plan->app);
  g_autofree char *page = NULL;
  g_autofree char *path = NULL;

  split_shot (plan->shots[plan->next], &page, &path);
  if (window != NULL && page != NULL)
    {
      GListModel *visible = bt_window_get_visible_torrents (window);
      g_autoptr(GPtrArray) selected = bt_window_get_selected_torrents (window);

      if (selected->len == 0 && g_list_model_get_n_items (visible) > 0)
        {
          g_autoptr(BtTorrent) first = g_list_model_get_item (visible, 0);

          bt_window_select_torrent (window, first);
        }
      bt_window_show_details (window, page);
    }

  g_timeout_add (SCREENSHOT_SETTLE_MS, take_cb, plan);
  return G_SOURCE_REMOVE;
}

static gboolean
take_cb (gpointer user_data)
{
  Plan *plan = user_data;
  BtWindow *window = find_window (plan->app);
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;
  g_autofree char *path = NULL;

  split_shot (plan->shots[plan->next], &page, &path);
  if (window == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the window is gone");
  if (error != NULL || !bt_screenshot_save (GTK_WIDGET (window), path, &error))
    {
      g_warning ("Screenshot %s failed: %s", path, error->message);
    }
  else
    {
      g_message ("Screenshot written to %s", path);
    }

  plan->next++;
  if (plan->shots[plan->next] != NULL)
    {
      g_idle_add (prepare_cb, plan);
      return G_SOURCE_REMOVE;
    }

  if (g_strcmp0 (g_getenv ("BTORRENT_SCREENSHOT_KEEP"), "1") != 0)
    g_application_quit (G_APPLICATION (plan->app));
  plan_free (plan);
  return G_SOURCE_REMOVE;
}

/**
 * bt_screenshot_schedule_from_env:
 * @app: the application, with its window open
 *
 * Reads the BTORRENT_SCREENSHOT variables (see bt-screenshot.h) once per
 * process and plans the shots on the main loop.
 */
void
bt_screenshot_schedule_from_env (BtApplication *app)
{
  static gboolean scheduled;
  const char *spec = g_getenv ("BTORRENT_SCREENSHOT");
  const char *delay_env = g_getenv ("BTORRENT_SCREENSHOT_DELAY");
  guint delay_s = 5;
  Plan *plan;

  g_return_if_fail (BT_IS_APPLICATION (app));

  if (scheduled || spec == NULL || *spec == '\0')
    return;
  scheduled = TRUE;

  if (delay_env != NULL)
    delay_s = (guint) g_ascii_strtoull (delay_env, NULL, 10);

  plan = g_new0 (Plan, 1);
  plan->app = g_object_ref (app);
  plan->shots = g_strsplit (spec, ",", -1);
  if (plan->shots[0] == NULL)
    {
      g_strfreev (plan->shots);
      g_object_unref (plan->app);
      g_free (plan);
      return;
    }
  /* Keep running even if the window is closed before the last shot. */
  g_application_hold (G_APPLICATION (app));
  g_timeout_add_seconds (delay_s, prepare_cb, plan);
}

/**
 * bt_screenshot_save:
 * @widget: a realized widget
 * @path: the PNG to write
 * @error: return location for a #GError
 *
 * Renders @widget with its toplevel's renderer, so the picture is what
 * the screen shows (GL or cairo alike).
 *
 * Returns: %TRUE on success
 */
gboolean
bt_screenshot_save (GtkWidget   *widget,
                    const char  *path,
                    GError     **error)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) parent = NULL;
  GskRenderer *renderer;
  int width, height;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  if (!gtk_widget_get_realized (widget) || width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the window is not shown yet (%d×%d)", width, height);
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  file = g_file_new_for_path (path);
  parent = g_file_get_parent (file);
  if (parent != NULL)
    g_mkdir_with_parents (g_file_peek_path (parent), 0755);

  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write %s", path);
      return FALSE;
    }
  return TRUE;
}
