/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-progress"

#include "config.h"

#include "bt-limits.h"
#include "bt-progress.h"

struct _BtProgress
{
  gatomicrefcount  ref_count;
  GMainContext    *context;
  BtProgressFunc   func;
  gpointer         data;
  GDestroyNotify   data_free;

  GMutex           mutex;
  guint64          done;
  guint64          total;
  gint64           last_report;
};

typedef struct
{
  BtProgress *progress;
  guint64     done;
  guint64     total;
} Report;

static BtProgress *
bt_progress_ref (BtProgress *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
bt_progress_unref (BtProgress *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (self->data_free != NULL)
    self->data_free (self->data);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

static gboolean
report_dispatch (gpointer user_data)
{
  Report *report = user_data;

  report->progress->func (report->done, report->total, report->progress->data);
  return G_SOURCE_REMOVE;
}

static void
report_free (gpointer user_data)
{
  Report *report = user_data;

  bt_progress_unref (report->progress);
  g_free (report);
}

/* An idle source attached to the caller's context, never
 * g_main_context_invoke(): that calls the function right away on the
 * current thread when it can acquire the context, which a worker thread can
 * for the global default context while the main loop is between iterations.
 * Sources of one priority dispatch in the order they were attached, so
 * reports arrive in order. Called with the mutex held. */
static void
post (BtProgress *self,
      guint64     done)
{
  g_autoptr(GSource) source = NULL;
  Report *report;

  if (self->func == NULL)
    return;
  source = g_idle_source_new ();
  report = g_new0 (Report, 1);
  report->progress = bt_progress_ref (self);
  report->done = done;
  report->total = self->total;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, report_dispatch, report, report_free);
  g_source_set_static_name (source, "[bt] progress");
  g_source_attach (source, self->context);
}

/**
 * bt_progress_new:
 * @func: (nullable): called on @context with the bytes done and in all
 * @data_free: (nullable): frees @data on @context once every report ran
 *
 * Returns: (transfer full): a reporter; give it up with
 *   bt_progress_release()
 */
BtProgress *
bt_progress_new (GMainContext   *context,
                 BtProgressFunc  func,
                 gpointer        data,
                 GDestroyNotify  data_free)
{
  BtProgress *self = g_new0 (BtProgress, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->context = g_main_context_ref (context);
  self->func = func;
  self->data = data;
  self->data_free = data_free;
  g_mutex_init (&self->mutex);
  return self;
}

/* Any thread. */
void
bt_progress_start (BtProgress *self,
                   guint64     total)
{
  g_mutex_lock (&self->mutex);
  self->done = 0;
  self->total = total;
  g_mutex_unlock (&self->mutex);
}

/**
 * bt_progress_add:
 *
 * Counts @done more bytes, from any thread; a report goes out at most every
 * BT_PROGRESS_INTERVAL_USEC.
 */
void
bt_progress_add (BtProgress *self,
                 guint64     done)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->mutex);
  self->done += done;
  if (self->done < self->total
      && (self->last_report == 0 || now - self->last_report >= BT_PROGRESS_INTERVAL_USEC))
    {
      self->last_report = now;
      post (self, self->done);
    }
  g_mutex_unlock (&self->mutex);
}

/* The final report: done == total. */
void
bt_progress_finish (BtProgress *self)
{
  g_mutex_lock (&self->mutex);
  post (self, self->total);
  g_mutex_unlock (&self->mutex);
}

static gboolean
release_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/**
 * bt_progress_release:
 *
 * Drops the owner's reference through the caller's context, wherever it is
 * called from (often a worker freeing a GTask's data), so that data_free
 * runs there, after every report queued before it.
 */
void
bt_progress_release (BtProgress *self)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, release_cb, self, (GDestroyNotify) bt_progress_unref);
  g_source_set_static_name (source, "[bt] release progress");
  g_source_attach (source, self->context);
}
