/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-app"
#include "config.h"

#include <glib/gi18n.h>

#include "bt-format.h"

char *
bt_format_size (guint64 bytes)
{
  /* IEC units: the sizes people compare with their disk in Files are
   * shown the same way by GNOME. */
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

char *
bt_format_rate (double bytes_per_second)
{
  g_autofree char *size = NULL;

  /* Below half a KiB/s a rate is noise from keep-alives; a blank cell
   * reads faster than "12 bytes/s" in a column of numbers. */
  if (bytes_per_second < 512)
    return g_strdup ("");

  size = g_format_size_full ((guint64) bytes_per_second, G_FORMAT_SIZE_IEC_UNITS);
  /* TRANSLATORS: a transfer rate, e.g. "1.2 MiB/s" */
  return g_strdup_printf (_("%s/s"), size);
}

char *
bt_format_eta (gint64 seconds)
{
  gint64 minutes, hours, days;

  if (seconds < 0)
    return g_strdup ("");
  if (seconds < 60)
    /* TRANSLATORS: time left, in seconds */
    return g_strdup_printf (_("%d s"), (int) seconds);

  minutes = seconds / 60;
  if (minutes < 60)
    /* TRANSLATORS: time left, in minutes */
    return g_strdup_printf (_("%d min"), (int) minutes);

  hours = minutes / 60;
  if (hours < 24)
    /* TRANSLATORS: time left, hours and minutes */
    return g_strdup_printf (_("%d h %02d min"), (int) hours, (int) (minutes % 60));

  days = hours / 24;
  if (days > 999)
    return g_strdup ("∞");
  /* TRANSLATORS: time left, days and hours */
  return g_strdup_printf (_("%d d %d h"), (int) days, (int) (hours % 24));
}

char *
bt_format_ratio (double ratio)
{
  if (ratio < 0)
    return g_strdup ("∞");
  return g_strdup_printf ("%.2f", ratio);
}

char *
bt_format_percent (double fraction)
{
  double percent = CLAMP (fraction, 0.0, 1.0) * 100.0;

  /* Never round 99.95 up to "100%": a torrent that says 100% must be
   * complete. */
  if (percent < 100.0 && percent > 99.9)
    percent = 99.9;
  /* TRANSLATORS: a progress percentage, e.g. "42.5%" */
  return g_strdup_printf (_("%.1f%%"), percent);
}

char *
bt_format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) time = NULL;

  if (unix_time <= 0)
    return g_strdup ("—");
  time = g_date_time_new_from_unix_local (unix_time);
  if (time == NULL)
    return g_strdup ("—");
  /* TRANSLATORS: a date and time, see g_date_time_format() */
  return g_date_time_format (time, _("%x %X"));
}

const char *
bt_format_state_name (BtTorrentState state)
{
  switch (state)
    {
    case BT_TORRENT_STATE_STOPPED:
      return _("Paused");
    case BT_TORRENT_STATE_QUEUED:
      return _("Queued");
    case BT_TORRENT_STATE_FETCHING_METADATA:
      return _("Fetching metadata");
    case BT_TORRENT_STATE_CHECKING:
      return _("Checking");
    case BT_TORRENT_STATE_DOWNLOADING:
      return _("Downloading");
    case BT_TORRENT_STATE_SEEDING:
      return _("Seeding");
    case BT_TORRENT_STATE_ERROR:
      return _("Error");
    default:
      return _("Unknown");
    }
}

char *
bt_format_status (BtTorrentState  state,
                  double          check_progress,
                  const char     *error_message)
{
  if (state == BT_TORRENT_STATE_ERROR && error_message != NULL && *error_message != '\0')
    /* TRANSLATORS: "Error: <message from the engine>" */
    return g_strdup_printf (_("Error: %s"), error_message);

  if (state == BT_TORRENT_STATE_CHECKING)
    {
      g_autofree char *percent = bt_format_percent (check_progress);

      /* TRANSLATORS: "Checking 42.0%" */
      return g_strdup_printf (_("Checking %s"), percent);
    }

  return g_strdup (bt_format_state_name (state));
}

char *
bt_format_time_ago (gint64 when_us,
                    gint64 now_us)
{
  g_autofree char *span = NULL;

  if (when_us <= 0)
    return g_strdup ("");
  /* A clock set back a little must not read "in the future". */
  if (now_us - when_us < G_USEC_PER_SEC)
    return g_strdup (_("just now"));
  span = bt_format_eta ((now_us - when_us) / G_USEC_PER_SEC);
  /* TRANSLATORS: how long ago, e.g. "5 min ago" */
  return g_strdup_printf (_("%s ago"), span);
}

char *
bt_format_time_until (gint64 when_us,
                      gint64 now_us)
{
  g_autofree char *span = NULL;

  if (when_us <= 0)
    return g_strdup ("");
  if (when_us - now_us < G_USEC_PER_SEC)
    return g_strdup (_("now"));
  /* Rounded up: "in 0 s" would be a lie while a second remains. */
  span = bt_format_eta ((when_us - now_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  /* TRANSLATORS: how long until, e.g. "in 25 min" */
  return g_strdup_printf (_("in %s"), span);
}

char *
bt_format_tracker_status (BtTrackerState  state,
                          gint64          last_announce,
                          const char     *warning)
{
  const char *name;

  switch (state)
    {
    case BT_TRACKER_STATE_ANNOUNCING:
      name = _("Announcing…");
      break;
    case BT_TRACKER_STATE_WORKING:
      name = _("Working");
      break;
    case BT_TRACKER_STATE_ERROR:
      name = _("Not working");
      break;
    /* A backup tier is only asked when the ones before it fail. */
    case BT_TRACKER_STATE_IDLE:
    default:
      name = last_announce == 0 ? _("Not contacted yet") : _("Idle");
      break;
    }
  if (warning != NULL && *warning != '\0')
    /* TRANSLATORS: "<tracker status> (<warning the tracker sent>)" */
    return g_strdup_printf (_("%s (%s)"), name, warning);
  return g_strdup (name);
}

char *
bt_format_count (gint64 count)
{
  if (count < 0)
    return g_strdup ("");
  return g_strdup_printf ("%" G_GINT64_FORMAT, count);
}
