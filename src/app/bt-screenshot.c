/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <string.h>

#include "bt-screenshot.h"
#include "bt-window.h"

/* Time for the pane to open, its models to fill and the rates to move
 * between choosing a page and taking it. The shot itself is taken from
 * the first frame drawn after this (see after_paint_cb()). */
#define SCREENSHOT_SETTLE_MS 2000

/* A shot whose frames never come (the window unmapped, the X server
 * gone) fails after this long instead of stalling the plan. */
#define SCREENSHOT_FRAME_TIMEOUT_MS 10000

/* Frames to try before giving up on a window that draws nothing. Each
 * try waits for the next frame, so a few are plenty. */
#define SCREENSHOT_MAX_FRAMES 10

/* How often, and how long at most, the plan looks at the torrent's
 * progress when BTORRENT_SCREENSHOT_PROGRESS asks it to wait. A peer
 * may keep us choked for its whole rechoke period (10 s in
 * Transmission) before the first byte comes. */
#define SCREENSHOT_PROGRESS_POLL_MS   100
#define SCREENSHOT_PROGRESS_TIMEOUT_S 60

typedef struct
{
  BtApplication *app;
  GStrv          shots;
  guint          next;
  char          *select;
  double         progress;
  gint64         progress_deadline;

  /* While waiting for a frame to take the current shot from. */
  GdkFrameClock *clock;
  gulong         after_paint_id;
  guint          timeout_id;
  guint          n_frames;
} Plan;

static gboolean prepare_cb (gpointer user_data);

static void
plan_free (Plan *plan)
{
  g_assert (plan->clock == NULL);
  g_assert (plan->timeout_id == 0);

  g_application_release (G_APPLICATION (plan->app));
  g_object_unref (plan->app);
  g_strfreev (plan->shots);
  g_free (plan->select);
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

/* The torrent a details page is shown for: the one named by
 * BTORRENT_SCREENSHOT_TORRENT when the list shows it, else the first. The
 * list is in the order torrents were added, and torrents handed over
 * together are added as each one loads, so "first" alone is not
 * repeatable. */
static BtTorrent *
pick_torrent (Plan     *plan,
              BtWindow *window)
{
  GListModel *visible = bt_window_get_visible_torrents (window);
  guint n = g_list_model_get_n_items (visible);

  for (guint i = 0; plan->select != NULL && i < n; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (visible, i);

      if (g_strcmp0 (bt_torrent_get_name (torrent), plan->select) == 0)
        return g_steal_pointer (&torrent);
    }
  if (plan->select != NULL)
    g_warning ("Screenshot: no torrent named “%s” in the list; taking the first", plan->select);
  return n > 0 ? g_list_model_get_item (visible, 0) : NULL;
}

/* Renders @node, the picture of a @width × @height widget in @native, to
 * the PNG at @path. */
static gboolean
save_node (GtkNative      *native,
           GskRenderNode  *node,
           int             width,
           int             height,
           const char     *path,
           GError        **error)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  GskRenderer *renderer = gtk_native_get_renderer (native);

  if (renderer == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window has no renderer");
      return FALSE;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (parent != NULL)
    g_mkdir_with_parents (g_file_peek_path (parent), 0755);

  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write %s", path);
      return FALSE;
    }
  return TRUE;
}

/* The picture @widget drew in its last frame, or NULL when it has none:
 * a queued redraw drops a widget's cached picture until the next frame,
 * and GtkWidgetPaintable then gives an empty one. (transfer full) */
static GskRenderNode *
widget_node (GtkWidget *widget,
             int        width,
             int        height)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  return gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
}

static void
stop_waiting (Plan *plan)
{
  if (plan->clock != NULL)
    {
      g_clear_signal_handler (&plan->after_paint_id, plan->clock);
      g_clear_object (&plan->clock);
    }
  g_clear_handle_id (&plan->timeout_id, g_source_remove);
  plan->n_frames = 0;
}

/* Logs how the current shot went and moves on to the next one, or ends
 * the plan after the last. */
static void
finish_shot (Plan   *plan,
             GError *error)
{
  g_autofree char *page = NULL;
  g_autofree char *path = NULL;

  stop_waiting (plan);
  split_shot (plan->shots[plan->next], &page, &path);
  if (error != NULL)
    g_warning ("Screenshot %s failed: %s", path, error->message);
  else
    g_message ("Screenshot written to %s", path);

  plan->next++;
  if (plan->shots[plan->next] != NULL)
    {
      g_idle_add (prepare_cb, plan);
      return;
    }

  if (g_strcmp0 (g_getenv ("BTORRENT_SCREENSHOT_KEEP"), "1") != 0)
    g_application_quit (G_APPLICATION (plan->app));
  plan_free (plan);
}

static gboolean
frame_timeout_cb (gpointer user_data)
{
  Plan *plan = user_data;
  g_autoptr(GError) error = NULL;

  plan->timeout_id = 0;
  g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "the window drew no frame in %u ms", SCREENSHOT_FRAME_TIMEOUT_MS);
  finish_shot (plan, error);
  return G_SOURCE_REMOVE;
}

/* Right after a frame is painted, the window's cached picture is the one
 * on screen and nothing can have dropped it yet: a timer that fires on the
 * same tick as the rate graph's or the tracker cells' one-second redraws
 * would find it gone. */
static void
after_paint_cb (GdkFrameClock *clock,
                Plan          *plan)
{
  BtWindow *window = find_window (plan->app);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *page = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the window is gone");
      finish_shot (plan, error);
      return;
    }

  width = gtk_widget_get_width (GTK_WIDGET (window));
  height = gtk_widget_get_height (GTK_WIDGET (window));
  node = widget_node (GTK_WIDGET (window), width, height);
  if (node == NULL)
    {
      if (++plan->n_frames < SCREENSHOT_MAX_FRAMES)
        {
          /* Something asked for a redraw during this frame; take the
           * next one. */
          gtk_widget_queue_draw (GTK_WIDGET (window));
          return;
        }
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the window drew nothing in %u frames", plan->n_frames);
      finish_shot (plan, error);
      return;
    }

  split_shot (plan->shots[plan->next], &page, &path);
  save_node (GTK_NATIVE (window), node, width, height, path, &error);
  finish_shot (plan, error);
}

static gboolean
settled_cb (gpointer user_data)
{
  Plan *plan = user_data;
  BtWindow *window = find_window (plan->app);
  GdkFrameClock *clock = NULL;
  g_autoptr(GError) error = NULL;

  plan->timeout_id = 0;
  if (window != NULL)
    clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  if (clock == NULL)
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           window == NULL ? "the window is gone" : "the window is not shown");
      finish_shot (plan, error);
      return G_SOURCE_REMOVE;
    }

  plan->clock = g_object_ref (clock);
  plan->after_paint_id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), plan);
  plan->timeout_id = g_timeout_add (SCREENSHOT_FRAME_TIMEOUT_MS, frame_timeout_cb, plan);
  /* A still window paints no frames: ask for one. */
  gtk_widget_queue_draw (GTK_WIDGET (window));
  return G_SOURCE_REMOVE;
}

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
      g_autoptr(BtTorrent) torrent = pick_torrent (plan, window);

      if (torrent != NULL)
        bt_window_select_torrent (window, torrent);
      bt_window_show_details (window, page);
    }

  plan->timeout_id = g_timeout_add (SCREENSHOT_SETTLE_MS, settled_cb, plan);
  return G_SOURCE_REMOVE;
}

/* Holds the first shot until the torrent is as far along as the caller
 * asked, so a screenshot of a download shows one under way, however long
 * its peers took to start sending. */
static gboolean
progress_cb (gpointer user_data)
{
  Plan *plan = user_data;
  BtWindow *window = find_window (plan->app);
  g_autoptr(BtTorrent) torrent = window != NULL ? pick_torrent (plan, window) : NULL;
  double progress = torrent != NULL ? bt_torrent_get_progress (torrent) : 0.0;

  if (progress < plan->progress && g_get_monotonic_time () < plan->progress_deadline)
    return G_SOURCE_CONTINUE;

  if (progress < plan->progress)
    g_warning ("Screenshot: the torrent is only %.0f%% done after %u s; taking the shots anyway",
               progress * 100, SCREENSHOT_PROGRESS_TIMEOUT_S);
  plan->timeout_id = 0;
  prepare_cb (plan);
  return G_SOURCE_REMOVE;
}

static gboolean
start_cb (gpointer user_data)
{
  Plan *plan = user_data;

  plan->timeout_id = 0;
  if (plan->progress > 0)
    {
      plan->progress_deadline = g_get_monotonic_time ()
                                + SCREENSHOT_PROGRESS_TIMEOUT_S * G_USEC_PER_SEC;
      plan->timeout_id = g_timeout_add (SCREENSHOT_PROGRESS_POLL_MS, progress_cb, plan);
      return G_SOURCE_REMOVE;
    }
  return prepare_cb (plan);
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
  const char *select = g_getenv ("BTORRENT_SCREENSHOT_TORRENT");
  const char *progress_env = g_getenv ("BTORRENT_SCREENSHOT_PROGRESS");
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
  plan->select = select != NULL && *select != '\0' ? g_strdup (select) : NULL;
  if (progress_env != NULL)
    plan->progress = CLAMP (g_ascii_strtod (progress_env, NULL), 0.0, 1.0);
  if (plan->shots[0] == NULL)
    {
      g_strfreev (plan->shots);
      g_object_unref (plan->app);
      g_free (plan->select);
      g_free (plan);
      return;
    }
  /* Keep running even if the window is closed before the last shot. */
  g_application_hold (G_APPLICATION (app));
  plan->timeout_id = g_timeout_add_seconds (delay_s, start_cb, plan);
}

/**
 * bt_screenshot_save:
 * @widget: a realized widget
 * @path: the PNG to write
 * @error: return location for a #GError
 *
 * Renders @widget with its toplevel's renderer, so the picture is what
 * the screen shows (GL or cairo alike). It uses what @widget drew in its
 * last frame, so call it when no redraw is pending, e.g. from the frame
 * clock's #GdkFrameClock::after-paint; otherwise it may fail with "the
 * window drew nothing".
 *
 * Returns: %TRUE on success
 */
gboolean
bt_screenshot_save (GtkWidget   *widget,
                    const char  *path,
                    GError     **error)
{
  g_autoptr(GskRenderNode) node = NULL;
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

  node = widget_node (widget, width, height);
  if (node == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }

  return save_node (gtk_widget_get_native (widget), node, width, height, path, error);
}
