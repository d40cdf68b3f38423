/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A tracker as the UI shows it. The announcer keeps its trackers in plain
 * structs it reorders (BEP 12 promotes the one that answered); the
 * torrent copies each into one of these, matched by URL, so a row keeps
 * its object and only the properties that changed are notified.
 */
#define G_LOG_DOMAIN "bt-tracker-info"

#include "config.h"

#include "bt-tracker-info-private.h"

struct _BtTrackerInfo
{
  GObject          parent_instance;

  BtTrackerStatus  status;   /* the last snapshot, owned */
};

enum {
  PROP_0,
  PROP_URL,
  PROP_TIER,
  PROP_STATE,
  PROP_LAST_ANNOUNCE,
  PROP_NEXT_ANNOUNCE,
  PROP_LAST_ERROR,
  PROP_WARNING,
  PROP_SEEDERS,
  PROP_LEECHERS,
  PROP_DOWNLOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (BtTrackerState, bt_tracker_state,
                    G_DEFINE_ENUM_VALUE (BT_TRACKER_STATE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (BT_TRACKER_STATE_ANNOUNCING, "announcing"),
                    G_DEFINE_ENUM_VALUE (BT_TRACKER_STATE_WORKING, "working"),
                    G_DEFINE_ENUM_VALUE (BT_TRACKER_STATE_ERROR, "error"))

G_DEFINE_FINAL_TYPE (BtTrackerInfo, bt_tracker_info, G_TYPE_OBJECT)

/* Auxiliary functions */

static void
set_string (BtTrackerInfo  *self,
            char          **field,
            const char     *value,
            guint           prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_int64 (BtTrackerInfo *self,
           gint64        *field,
           gint64         value,
           guint          prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* Overrides */

static void
bt_tracker_info_finalize (GObject *object)
{
  BtTrackerInfo *self = (BtTrackerInfo *) object;

  bt_tracker_status_clear (&self->status);
  G_OBJECT_CLASS (bt_tracker_info_parent_class)->finalize (object);
}

static void
bt_tracker_info_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  BtTrackerInfo *self = BT_TRACKER_INFO (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->status.url);
      break;
    case PROP_TIER:
      g_value_set_uint (value, self->status.tier);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->status.state);
      break;
    case PROP_LAST_ANNOUNCE:
      g_value_set_int64 (value, self->status.last_announce);
      break;
    case PROP_NEXT_ANNOUNCE:
      g_value_set_int64 (value, self->status.next_announce);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->status.last_error);
      break;
    case PROP_WARNING:
      g_value_set_string (value, self->status.warning);
      break;
    case PROP_SEEDERS:
      g_value_set_int64 (value, self->status.seeders);
      break;
    case PROP_LEECHERS:
      g_value_set_int64 (value, self->status.leechers);
      break;
    case PROP_DOWNLOADED:
      g_value_set_int64 (value, self->status.downloaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_tracker_info_class_init (BtTrackerInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = bt_tracker_info_finalize;
  object_class->get_property = bt_tracker_info_get_property;

  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, ro);
  properties[PROP_TIER] = g_param_spec_uint ("tier", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, BT_TYPE_TRACKER_STATE,
                                              BT_TRACKER_STATE_IDLE, ro);
  properties[PROP_LAST_ANNOUNCE] = g_param_spec_int64 ("last-announce", NULL, NULL,
                                                       0, G_MAXINT64, 0, ro);
  properties[PROP_NEXT_ANNOUNCE] = g_param_spec_int64 ("next-announce", NULL, NULL,
                                                       0, G_MAXINT64, 0, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_WARNING] = g_param_spec_string ("warning", NULL, NULL, NULL, ro);
  properties[PROP_SEEDERS] = g_param_spec_int64 ("seeders", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_LEECHERS] = g_param_spec_int64 ("leechers", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_DOWNLOADED] = g_param_spec_int64 ("downloaded", NULL, NULL,
                                                    -1, G_MAXINT64, -1, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bt_tracker_info_init (BtTrackerInfo *self)
{
  self->status.seeders = -1;
  self->status.leechers = -1;
  self->status.downloaded = -1;
}

/* Private API */

BtTrackerInfo *
bt_tracker_info_new (const BtTrackerStatus *status)
{
  BtTrackerInfo *self = g_object_new (BT_TYPE_TRACKER_INFO, NULL);

  self->status.url = g_strdup (status->url);
  bt_tracker_info_update (self, status);
  return self;
}

/* Only what changed is notified: the announcer reports every step of
 * every announce, and most steps change one field. */
void
bt_tracker_info_update (BtTrackerInfo         *self,
                        const BtTrackerStatus *status)
{
  BtTrackerStatus *mine = &self->status;

  g_object_freeze_notify (G_OBJECT (self));
  if (mine->tier != status->tier)
    {
      mine->tier = status->tier;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIER]);
    }
  if (mine->state != status->state)
    {
      mine->state = status->state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  set_int64 (self, &mine->last_announce, status->last_announce, PROP_LAST_ANNOUNCE);
  set_int64 (self, &mine->next_announce, status->next_announce, PROP_NEXT_ANNOUNCE);
  set_string (self, &mine->last_error, status->last_error, PROP_LAST_ERROR);
  set_string (self, &mine->warning, status->warning, PROP_WARNING);
  set_int64 (self, &mine->seeders, status->seeders, PROP_SEEDERS);
  set_int64 (self, &mine->leechers, status->leechers, PROP_LEECHERS);
  set_int64 (self, &mine->downloaded, status->downloaded, PROP_DOWNLOADED);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Public API */

const char *
bt_tracker_info_get_url (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), NULL);
  return self->status.url;
}

guint
bt_tracker_info_get_tier (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), 0);
  return self->status.tier;
}

BtTrackerState
bt_tracker_info_get_state (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), BT_TRACKER_STATE_IDLE);
  return self->status.state;
}

gint64
bt_tracker_info_get_last_announce (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), 0);
  return self->status.last_announce;
}

gint64
bt_tracker_info_get_next_announce (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), 0);
  return self->status.next_announce;
}

const char *
bt_tracker_info_get_last_error (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), NULL);
  return self->status.last_error;
}

const char *
bt_tracker_info_get_warning (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), NULL);
  return self->status.warning;
}

gint64
bt_tracker_info_get_seeders (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), -1);
  return self->status.seeders;
}

gint64
bt_tracker_info_get_leechers (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), -1);
  return self->status.leechers;
}

gint64
bt_tracker_info_get_downloaded (BtTrackerInfo *self)
{
  g_return_val_if_fail (BT_IS_TRACKER_INFO (self), -1);
  return self->status.downloaded;
}
