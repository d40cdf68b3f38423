/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A torrent's file as the UI sees it. The torrent refreshes "done" when
 * pieces land; the priority goes back to the torrent, which owns it.
 */
#define G_LOG_DOMAIN "bt-file"

#include "config.h"

#include "bt-file-private.h"
#include "bt-torrent.h"

struct _BtFile
{
  GObject     parent_instance;

  GWeakRef    torrent;
  guint       index;
  char       *path;
  guint64     size;
  guint64     done;
  BtPriority  priority;
};

enum {
  PROP_0,
  PROP_INDEX,
  PROP_PATH,
  PROP_SIZE,
  PROP_DONE,
  PROP_PROGRESS,
  PROP_PRIORITY,
  PROP_WANTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BtFile, bt_file, G_TYPE_OBJECT)

static void
bt_file_finalize (GObject *object)
{
  BtFile *self = (BtFile *) object;

  g_weak_ref_clear (&self->torrent);
  g_free (self->path);
  G_OBJECT_CLASS (bt_file_parent_class)->finalize (object);
}

static void
bt_file_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  BtFile *self = BT_FILE (object);

  switch (prop_id)
    {
    case PROP_INDEX:
      g_value_set_uint (value, self->index);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_DONE:
      g_value_set_uint64 (value, self->done);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, bt_file_get_progress (self));
      break;
    case PROP_PRIORITY:
      g_value_set_enum (value, self->priority);
      break;
    case PROP_WANTED:
      g_value_set_boolean (value, bt_file_get_wanted (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_file_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  BtFile *self = BT_FILE (object);

  switch (prop_id)
    {
    case PROP_PRIORITY:
      bt_file_set_priority (self, g_value_get_enum (value));
      break;
    case PROP_WANTED:
      bt_file_set_wanted (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_file_class_init (BtFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = bt_file_finalize;
  object_class->get_property = bt_file_get_property;
  object_class->set_property = bt_file_set_property;

  properties[PROP_INDEX] = g_param_spec_uint ("index", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, ro);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_DONE] = g_param_spec_uint64 ("done", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_PRIORITY] = g_param_spec_enum ("priority", NULL, NULL, BT_TYPE_PRIORITY,
                                                 BT_PRIORITY_NORMAL, rw);
  properties[PROP_WANTED] = g_param_spec_boolean ("wanted", NULL, NULL, TRUE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bt_file_init (BtFile *self)
{
  g_weak_ref_init (&self->torrent, NULL);
  self->priority = BT_PRIORITY_NORMAL;
}

BtFile *
bt_file_new (BtTorrent  *torrent,
             guint       index,
             const char *path,
             guint64     size,
             BtPriority  priority)
{
  BtFile *self = g_object_new (BT_TYPE_FILE, NULL);

  g_weak_ref_set (&self->torrent, torrent);
  self->index = index;
  self->path = g_strdup (path);
  self->size = size;
  self->priority = priority;
  return self;
}

void
bt_file_update_done (BtFile  *self,
                     guint64  done)
{
  if (self->done == done)
    return;
  self->done = done;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

void
bt_file_update_priority (BtFile     *self,
                         BtPriority  priority)
{
  gboolean was_wanted = bt_file_get_wanted (self);

  if (self->priority == priority)
    return;
  self->priority = priority;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
  if (was_wanted != bt_file_get_wanted (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WANTED]);
}

guint
bt_file_get_index (BtFile *self)
{
  g_return_val_if_fail (BT_IS_FILE (self), 0);
  return self->index;
}

const char *
bt_file_get_path (BtFile *self)
{
  g_return_val_if_fail (BT_IS_FILE (self), NULL);
  return self->path;
}

guint64
bt_file_get_size (BtFile *self)
{
  g_return_val_if_fail (BT_IS_FILE (self), 0);
  return self->size;
}

guint64
bt_file_get_done (BtFile *self)
{
  g_return_val_if_fail (BT_IS_FILE (self), 0);
  return self->done;
}

double
bt_file_get_progress (BtFile *self)
{
  g_return_val_if_fail (BT_IS_FILE (self), 0);
  return self->size > 0 ? (double) self->done / self->size : 1.0;
}

BtPriority
bt_file_get_priority (BtFile *self)
{
  g_return_val_if_fail (BT_IS_FILE (self), BT_PRIORITY_NORMAL);
  return self->priority;
}

/**
 * bt_file_set_priority:
 *
 * Changes what the torrent downloads: the torrent takes the new priority
 * and reports it back through the "priority" property.
 */
void
bt_file_set_priority (BtFile     *self,
                      BtPriority  priority)
{
  g_autoptr(BtTorrent) torrent = NULL;

  g_return_if_fail (BT_IS_FILE (self));
  g_return_if_fail (priority <= BT_PRIORITY_HIGH);

  torrent = g_weak_ref_get (&self->torrent);
  if (torrent != NULL)
    bt_torrent_set_file_priority (torrent, self->index, priority);
  else
    bt_file_update_priority (self, priority);
}

gboolean
bt_file_get_wanted (BtFile *self)
{
  g_return_val_if_fail (BT_IS_FILE (self), FALSE);
  return self->priority != BT_PRIORITY_SKIP;
}

void
bt_file_set_wanted (BtFile   *self,
                    gboolean  wanted)
{
  g_return_if_fail (BT_IS_FILE (self));

  if (wanted == bt_file_get_wanted (self))
    return;
  bt_file_set_priority (self, wanted ? BT_PRIORITY_NORMAL : BT_PRIORITY_SKIP);
}
