/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-tracker"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-limits.h"
#include "bt-tracker.h"
#include "bt-tracker-http.h"
#include "bt-tracker-udp.h"

G_DEFINE_BOXED_TYPE (BtAnnounceResponse, bt_announce_response,
                     bt_announce_response_ref, bt_announce_response_unref)

/**
 * bt_announce_response_new:
 *
 * Returns: (transfer full): an empty response: no intervals, unknown counts,
 *   no peers
 */
BtAnnounceResponse *
bt_announce_response_new (void)
{
  BtAnnounceResponse *self = g_new0 (BtAnnounceResponse, 1);

  self->ref = 1;
  self->complete = -1;
  self->incomplete = -1;
  self->peers = g_ptr_array_new_with_free_func (g_object_unref);
  return self;
}

BtAnnounceResponse *
bt_announce_response_ref (BtAnnounceResponse *response)
{
  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (response->ref > 0, NULL);

  g_atomic_int_inc (&response->ref);
  return response;
}

void
bt_announce_response_unref (BtAnnounceResponse *response)
{
  g_return_if_fail (response != NULL);
  g_return_if_fail (response->ref > 0);

  if (!g_atomic_int_dec_and_test (&response->ref))
    return;

  g_free (response->tracker_id);
  g_free (response->warning);
  g_ptr_array_unref (response->peers);
  g_free (response);
}

/**
 * bt_announce_event_to_string:
 *
 * Returns: (nullable): the HTTP "event" value, or %NULL for
 *   %BT_ANNOUNCE_EVENT_NONE, which is sent as no event at all
 */
const char *
bt_announce_event_to_string (BtAnnounceEvent event)
{
  switch (event)
    {
    case BT_ANNOUNCE_EVENT_STARTED:
      return "started";
    case BT_ANNOUNCE_EVENT_COMPLETED:
      return "completed";
    case BT_ANNOUNCE_EVENT_STOPPED:
      return "stopped";
    case BT_ANNOUNCE_EVENT_NONE:
    default:
      return NULL;
    }
}

/**
 * bt_tracker_message_from_bytes:
 * @data: text a tracker sent: a failure reason, a warning, an error
 * @length: bytes in @data
 *
 * Trackers send free text in any encoding. What reaches the UI and the logs
 * is valid UTF-8 without control characters, and bounded in size.
 *
 * Returns: (transfer full): the cleaned text
 */
char *
bt_tracker_message_from_bytes (const guint8 *data,
                               gsize         length)
{
  g_autofree char *valid = NULL;
  GString *text;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  /* C1 controls too: U+009B is a CSI to many terminals. */
  valid = g_utf8_make_valid ((const char *) data, MIN (length, BT_TRACKER_MAX_MESSAGE));
  text = g_string_sized_new (strlen (valid));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        g_string_append_c (text, ' ');
      else
        g_string_append_len (text, p, g_utf8_next_char (p) - p);
    }
  return g_strstrip (g_string_free (text, FALSE));
}

/**
 * bt_tracker_append_compact_peers:
 * @peers: an array of #GInetSocketAddress to append to
 * @data: compact peer entries: 4 (IPv4) or 16 (IPv6) address bytes then a
 *   2-byte port, all in network order (BEP 23, BEP 7)
 * @length: bytes in @data; a tail shorter than one entry is ignored
 * @family: %G_SOCKET_FAMILY_IPV4 or %G_SOCKET_FAMILY_IPV6
 * @max_peers: stop once @peers holds this many
 *
 * Entries with port 0 or the unspecified address cannot be dialled and are
 * skipped.
 *
 * Returns: how many addresses were appended
 */
guint
bt_tracker_append_compact_peers (GPtrArray     *peers,
                                 const guint8  *data,
                                 gsize          length,
                                 GSocketFamily  family,
                                 guint          max_peers)
{
  gsize addr_len;
  gsize entry_len;
  guint added = 0;

  g_return_val_if_fail (peers != NULL, 0);
  g_return_val_if_fail (data != NULL || length == 0, 0);
  g_return_val_if_fail (family == G_SOCKET_FAMILY_IPV4 || family == G_SOCKET_FAMILY_IPV6, 0);

  addr_len = family == G_SOCKET_FAMILY_IPV4 ? 4 : 16;
  entry_len = addr_len + 2;

  for (gsize off = 0; off + entry_len <= length && peers->len < max_peers; off += entry_len)
    {
      const guint8 *entry = data + off;
      guint16 port = (guint16) (entry[addr_len] << 8 | entry[addr_len + 1]);
      g_autoptr(GInetAddress) address = NULL;

      if (port == 0)
        continue;
      address = g_inet_address_new_from_bytes (entry, family);
      if (g_inet_address_get_is_any (address))
        continue;
      g_ptr_array_add (peers, g_inet_socket_address_new (address, port));
      added++;
    }

  return added;
}

static char *
url_scheme (const char *url)
{
  char *scheme = g_uri_parse_scheme (url);

  if (scheme != NULL)
    {
      char *lower = g_ascii_strdown (scheme, -1);

      g_free (scheme);
      return lower;
    }
  return NULL;
}

static void
report_unsupported (const char          *url,
                    gpointer             source_tag,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED,
                           "The tracker address “%s” is not an http://, https:// or "
                           "udp:// URL; bTorrent cannot talk to it", url);
}

/**
 * bt_tracker_announce_async:
 * @url: the tracker's announce URL: http://, https:// or udp://
 * @request: what to announce; copied, see #BtAnnounceRequest
 * @session: (nullable): the session for HTTP trackers; %NULL makes one for
 *   this request. UDP trackers do not use it
 * @cancellable: (nullable): stops the request with %G_IO_ERROR_CANCELLED
 *
 * Announces to one tracker. @callback runs on the thread-default main
 * context of the calling thread; get the answer with
 * bt_tracker_announce_finish(). Other schemes fail with
 * %BT_ERROR_TRACKER_UNSUPPORTED.
 */
void
bt_tracker_announce_async (const char               *url,
                           const BtAnnounceRequest  *request,
                           SoupSession              *session,
                           GCancellable             *cancellable,
                           GAsyncReadyCallback       callback,
                           gpointer                  user_data)
{
  g_autofree char *scheme = NULL;

  g_return_if_fail (url != NULL);
  g_return_if_fail (request != NULL);
  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  scheme = url_scheme (url);
  if (g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0)
    bt_tracker_http_announce_async (url, request, session, cancellable, callback, user_data);
  else if (g_strcmp0 (scheme, "udp") == 0)
    bt_tracker_udp_announce_async (url, request, cancellable, callback, user_data);
  else
    report_unsupported (url, bt_tracker_announce_async, callback, user_data);
}

/**
 * bt_tracker_announce_finish:
 *
 * Returns: (transfer full): the tracker's answer, or %NULL with @error set:
 *   %BT_ERROR_TRACKER_FAILURE when the tracker refused (its reason is in the
 *   message), %BT_ERROR_TRACKER_PROTOCOL for an answer we do not
 *   understand, %BT_ERROR_TRACKER_TIMEOUT, %BT_ERROR_TRACKER_UNSUPPORTED,
 *   %BT_ERROR_IO when the tracker cannot be reached, or
 *   %G_IO_ERROR_CANCELLED
 */
BtAnnounceResponse *
bt_tracker_announce_finish (GAsyncResult  *result,
                            GError       **error)
{
  gpointer tag;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tag = g_task_get_source_tag (G_TASK (result));
  if (tag == bt_tracker_http_announce_async)
    return bt_tracker_http_announce_finish (result, error);
  if (tag == bt_tracker_udp_announce_async)
    return bt_tracker_udp_announce_finish (result, error);
  g_return_val_if_fail (tag == bt_tracker_announce_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bt_tracker_scrape_async:
 * @url: the tracker's announce URL; the scrape URL is derived from it
 * @info_hash: the torrent to ask about (20 bytes)
 * @session: (nullable): as for bt_tracker_announce_async()
 * @cancellable: (nullable): stops the request with %G_IO_ERROR_CANCELLED
 *
 * Asks one tracker for a torrent's seeder, leecher and download counts.
 * HTTP trackers whose announce path does not end in a component starting
 * with "announce" have no scrape URL by convention and fail with
 * %BT_ERROR_TRACKER_UNSUPPORTED. @callback runs on the thread-default main
 * context of the calling thread.
 */
void
bt_tracker_scrape_async (const char          *url,
                         const guint8        *info_hash,
                         SoupSession         *session,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autofree char *scheme = NULL;

  g_return_if_fail (url != NULL);
  g_return_if_fail (info_hash != NULL);
  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  scheme = url_scheme (url);
  if (g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0)
    bt_tracker_http_scrape_async (url, info_hash, session, cancellable, callback, user_data);
  else if (g_strcmp0 (scheme, "udp") == 0)
    bt_tracker_udp_scrape_async (url, info_hash, cancellable, callback, user_data);
  else
    report_unsupported (url, bt_tracker_scrape_async, callback, user_data);
}

/**
 * bt_tracker_scrape_finish:
 * @out_result: (out): the counts, filled on success
 *
 * Returns: %TRUE on success, or %FALSE with @error set (codes as for
 *   bt_tracker_announce_finish())
 */
gboolean
bt_tracker_scrape_finish (GAsyncResult    *result,
                          BtScrapeResult  *out_result,
                          GError         **error)
{
  gpointer tag;
  g_autofree BtScrapeResult *scrape = NULL;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  tag = g_task_get_source_tag (G_TASK (result));
  if (tag == bt_tracker_http_scrape_async)
    return bt_tracker_http_scrape_finish (result, out_result, error);
  if (tag == bt_tracker_udp_scrape_async)
    return bt_tracker_udp_scrape_finish (result, out_result, error);
  g_return_val_if_fail (tag == bt_tracker_scrape_async, FALSE);

  scrape = g_task_propagate_pointer (G_TASK (result), error);
  if (scrape == NULL)
    return FALSE;
  *out_result = *scrape;
  return TRUE;
}
