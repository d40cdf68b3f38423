/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-tracker-http"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-tracker-http.h"
#include "bt-timer.h"

typedef struct
{
  SoupSession     *session;
  char            *url;           /* the URL being fetched, after redirects */
  char            *tracker_url;   /* the URL the caller gave, for messages */
  gboolean         is_scrape;
  guint8           info_hash[20];
  guint            redirects;

  /* Cancelled by the caller's cancellable or by the time-out; they are told
   * apart by @timed_out. */
  GCancellable    *cancellable;
  GCancellable    *caller_cancellable;
  gulong           caller_cancelled_id;
  GSource         *timeout_source;
  guint            timeout_ms;
  gboolean         timed_out;

  guint            status;
  GInputStream    *stream;
  GByteArray      *body;
} HttpOp;

static const BtBencodeLimits tracker_limits = {
  .max_size = BT_TRACKER_HTTP_MAX_RESPONSE,
  .max_depth = BT_TRACKER_BENCODE_MAX_DEPTH,
  .max_elements = BT_TRACKER_BENCODE_MAX_ELEMENTS,
};

/* 0 means BT_TRACKER_HTTP_TIMEOUT_MS; changed only by tests. */
static guint http_timeout_override_ms;

static void http_op_send (GTask *task);

/* Auxiliary functions */

static void
append_escaped (GString      *out,
                const guint8 *data,
                gsize         length)
{
  static const char hex[] = "0123456789ABCDEF";

  /* Byte-wise: info_hash and peer_id are binary, and trackers compare the
   * decoded bytes, so only RFC 3986 unreserved characters go unescaped. */
  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      if (g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~')
        g_string_append_c (out, (char) c);
      else
        {
          g_string_append_c (out, '%');
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 0xf]);
        }
    }
}

/* Copies @url without its fragment, which is never sent, and ends it with
 * the separator that the first appended parameter needs. */
static GString *
start_query (const char *url)
{
  GString *out = g_string_new_len (url, strcspn (url, "#"));

  if (strchr (out->str, '?') == NULL)
    g_string_append_c (out, '?');
  else if (out->str[out->len - 1] != '?' && out->str[out->len - 1] != '&')
    g_string_append_c (out, '&');
  return out;
}

static char *
message_from_value (BtBencode *value)
{
  const guint8 *data;
  gsize length;

  data = bt_bencode_get_string (value, &length);
  return bt_tracker_message_from_bytes (data, length);
}

static gint64
dict_get_count (BtBencode  *dict,
                const char *key)
{
  BtBencode *value = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_INTEGER);

  if (value == NULL || bt_bencode_get_integer (value) < 0)
    return -1;
  return bt_bencode_get_integer (value);
}

static guint
dict_get_seconds (BtBencode  *dict,
                  const char *key)
{
  BtBencode *value = bt_bencode_dict_lookup_type (dict, key, BT_BENCODE_INTEGER);

  if (value == NULL)
    return 0;
  return (guint) CLAMP (bt_bencode_get_integer (value), 0, G_MAXUINT);
}

/* Decodes a tracker reply and checks the parts every reply shares: a
 * dictionary, and no "failure reason". */
static BtBencode *
decode_reply (GBytes  *body,
              GError **error)
{
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(GError) local_error = NULL;
  BtBencode *failure;

  if (g_bytes_get_size (body) > BT_TRACKER_HTTP_MAX_RESPONSE)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                   "The tracker's answer is larger than %u KiB; it is not a tracker reply",
                   BT_TRACKER_HTTP_MAX_RESPONSE / 1024);
      return NULL;
    }

  root = bt_bencode_decode (body, &tracker_limits, &local_error);
  if (root == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                   "The tracker's answer is not a tracker reply: %s", local_error->message);
      return NULL;
    }
  if (!bt_bencode_is_type (root, BT_BENCODE_DICT))
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                           "The tracker's answer is not a dictionary, so it is not a tracker reply");
      return NULL;
    }

  failure = bt_bencode_dict_lookup_type (root, "failure reason", BT_BENCODE_STRING);
  if (failure != NULL)
    {
      g_autofree char *reason = message_from_value (failure);

      g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE,
                   "The tracker refused: %s", *reason != '\0' ? reason : "no reason given");
      return NULL;
    }

  return g_steal_pointer (&root);
}

static void
append_dict_peers (GPtrArray *peers,
                   BtBencode *list)
{
  guint n = bt_bencode_get_length (list);

  for (guint i = 0; i < n && peers->len < BT_TRACKER_MAX_PEERS_PER_RESPONSE; i++)
    {
      BtBencode *entry = bt_bencode_list_get (list, i);
      BtBencode *ip;
      BtBencode *port;
      const guint8 *ip_data;
      gsize ip_length;
      gint64 port_number;
      g_autofree char *ip_text = NULL;
      g_autoptr(GInetAddress) address = NULL;

      if (!bt_bencode_is_type (entry, BT_BENCODE_DICT))
        continue;
      ip = bt_bencode_dict_lookup_type (entry, "ip", BT_BENCODE_STRING);
      port = bt_bencode_dict_lookup_type (entry, "port", BT_BENCODE_INTEGER);
      if (ip == NULL || port == NULL)
        continue;

      port_number = bt_bencode_get_integer (port);
      if (port_number <= 0 || port_number > G_MAXUINT16)
        continue;

      /* Only address literals: resolving a host name a tracker hands us
       * would let it make us query any DNS name, one lookup per peer. */
      ip_data = bt_bencode_get_string (ip, &ip_length);
      if (ip_length == 0 || ip_length > 45 || memchr (ip_data, '\0', ip_length) != NULL)
        continue;
      ip_text = g_strndup ((const char *) ip_data, ip_length);
      address = g_inet_address_new_from_string (ip_text);
      if (address == NULL || g_inet_address_get_is_any (address))
        continue;

      g_ptr_array_add (peers, g_inet_socket_address_new (address, (guint16) port_number));
    }
}

/* Public pure functions */

/**
 * bt_tracker_http_build_announce_url:
 * @announce: the tracker's announce URL; any query it has is kept
 * @request: what to announce
 *
 * Returns: (transfer full): the URL to GET
 */
char *
bt_tracker_http_build_announce_url (const char              *announce,
                                    const BtAnnounceRequest *request)
{
  GString *out;
  const char *event;

  g_return_val_if_fail (announce != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  out = start_query (announce);
  g_string_append (out, "info_hash=");
  append_escaped (out, request->info_hash, sizeof request->info_hash);
  g_string_append (out, "&peer_id=");
  append_escaped (out, request->peer_id, sizeof request->peer_id);
  g_string_append_printf (out,
                          "&port=%u&uploaded=%" G_GUINT64_FORMAT
                          "&downloaded=%" G_GUINT64_FORMAT
                          "&left=%" G_GUINT64_FORMAT
                          "&compact=1&no_peer_id=1",
                          request->port, request->uploaded, request->downloaded,
                          request->left);
  if (request->numwant >= 0)
    g_string_append_printf (out, "&numwant=%d", request->numwant);
  g_string_append_printf (out, "&key=%08" G_GINT32_MODIFIER "X", request->key);
  event = bt_announce_event_to_string (request->event);
  if (event != NULL)
    g_string_append_printf (out, "&event=%s", event);
  if (request->tracker_id != NULL)
    {
      g_string_append (out, "&trackerid=");
      append_escaped (out, (const guint8 *) request->tracker_id, strlen (request->tracker_id));
    }

  return g_string_free (out, FALSE);
}

/**
 * bt_tracker_http_build_scrape_url:
 * @announce: the tracker's announce URL
 * @info_hash: the torrent to ask about (20 bytes)
 *
 * By convention a tracker's scrape URL is its announce URL with "announce"
 * at the start of the last path component replaced by "scrape"; trackers
 * whose announce URL has no such component do not support scrape.
 *
 * Returns: (transfer full): the URL to GET, or %NULL with
 *   %BT_ERROR_TRACKER_UNSUPPORTED
 */
char *
bt_tracker_http_build_scrape_url (const char    *announce,
                                  const guint8  *info_hash,
                                  GError       **error)
{
  const char *authority;
  const char *path;
  gsize path_end;
  const char *last;
  GString *base;
  g_autoptr(GString) out = NULL;

  g_return_val_if_fail (announce != NULL, NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  authority = strstr (announce, "://");
  path = authority != NULL ? strchr (authority + 3, '/') : NULL;
  if (path != NULL)
    {
      path_end = strcspn (path, "?#");
      last = g_strrstr_len (path, path_end, "/") + 1;
      if ((gsize) (path + path_end - last) >= strlen ("announce")
          && strncmp (last, "announce", strlen ("announce")) == 0)
        {
          base = g_string_new_len (announce, last - announce);
          g_string_append (base, "scrape");
          g_string_append (base, last + strlen ("announce"));
          out = start_query (base->str);
          g_string_free (base, TRUE);
          g_string_append (out, "info_hash=");
          append_escaped (out, info_hash, 20);
          return g_string_free (g_steal_pointer (&out), FALSE);
        }
    }

  g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED,
               "The tracker %s does not support scrape: its address does not end in "
               "“announce”", announce);
  return NULL;
}

/**
 * bt_tracker_http_parse_response:
 * @body: the reply's body, after any content decoding
 *
 * Reads an announce reply: a bencoded dictionary with "interval",
 * "min interval", "tracker id", "complete", "incomplete", "warning message"
 * and peers as a compact string (BEP 23), a list of dictionaries with "ip"
 * and "port", and "peers6" (BEP 7). Peers with port 0 or a host name
 * instead of an address are dropped; at most
 * %BT_TRACKER_MAX_PEERS_PER_RESPONSE are kept.
 *
 * Returns: (transfer full): the response, or %NULL with
 *   %BT_ERROR_TRACKER_FAILURE (the tracker's "failure reason" is in the
 *   message) or %BT_ERROR_TRACKER_PROTOCOL
 */
BtAnnounceResponse *
bt_tracker_http_parse_response (GBytes  *body,
                                GError **error)
{
  g_autoptr(BtBencode) root = NULL;
  g_autoptr(BtAnnounceResponse) response = NULL;
  BtBencode *value;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = decode_reply (body, error);
  if (root == NULL)
    return NULL;

  response = bt_announce_response_new ();
  response->interval = dict_get_seconds (root, "interval");
  response->min_interval = dict_get_seconds (root, "min interval");
  response->complete = dict_get_count (root, "complete");
  response->incomplete = dict_get_count (root, "incomplete");

  value = bt_bencode_dict_lookup_type (root, "warning message", BT_BENCODE_STRING);
  if (value != NULL)
    response->warning = message_from_value (value);

  /* Sent back verbatim in a URL, so keep it only when it is plain text. */
  value = bt_bencode_dict_lookup_type (root, "tracker id", BT_BENCODE_STRING);
  if (value != NULL)
    {
      gsize length;
      const guint8 *data = bt_bencode_get_string (value, &length);

      if (length > 0 && length <= BT_TRACKER_MAX_MESSAGE
          && memchr (data, '\0', length) == NULL)
        response->tracker_id = g_strndup ((const char *) data, length);
    }

  value = bt_bencode_dict_lookup (root, "peers");
  if (value != NULL && bt_bencode_is_type (value, BT_BENCODE_STRING))
    {
      gsize length;
      const guint8 *data = bt_bencode_get_string (value, &length);

      bt_tracker_append_compact_peers (response->peers, data, length,
                                       G_SOCKET_FAMILY_IPV4,
                                       BT_TRACKER_MAX_PEERS_PER_RESPONSE);
    }
  else if (value != NULL && bt_bencode_is_type (value, BT_BENCODE_LIST))
    append_dict_peers (response->peers, value);

  value = bt_bencode_dict_lookup_type (root, "peers6", BT_BENCODE_STRING);
  if (value != NULL)
    {
      gsize length;
      const guint8 *data = bt_bencode_get_string (value, &length);

      bt_tracker_append_compact_peers (response->peers, data, length,
                                       G_SOCKET_FAMILY_IPV6,
                                       BT_TRACKER_MAX_PEERS_PER_RESPONSE);
    }

  return g_steal_pointer (&response);
}

/**
 * bt_tracker_http_parse_scrape:
 * @body: the reply's body
 * @info_hash: the torrent asked about (20 bytes)
 * @out_result: (out): its counts
 *
 * Returns: %TRUE when the reply lists @info_hash, or %FALSE with
 *   %BT_ERROR_TRACKER_FAILURE or %BT_ERROR_TRACKER_PROTOCOL
 */
gboolean
bt_tracker_http_parse_scrape (GBytes          *body,
                              const guint8    *info_hash,
                              BtScrapeResult  *out_result,
                              GError         **error)
{
  g_autoptr(BtBencode) root = NULL;
  BtBencode *files;

  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (info_hash != NULL, FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  root = decode_reply (body, error);
  if (root == NULL)
    return FALSE;

  files = bt_bencode_dict_lookup_type (root, "files", BT_BENCODE_DICT);
  if (files == NULL)
    {
      g_set_error_literal (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                           "The tracker's scrape reply has no “files” dictionary");
      return FALSE;
    }

  /* Keys are binary info-hashes and may hold NUL bytes, so compare them
   * as byte strings instead of looking them up as C strings. */
  for (guint i = 0; i < bt_bencode_get_length (files); i++)
    {
      gsize length;
      const guint8 *key = bt_bencode_get_string (bt_bencode_dict_get_key (files, i), &length);
      BtBencode *stats = bt_bencode_dict_get_value (files, i);

      if (length != 20 || memcmp (key, info_hash, 20) != 0)
        continue;
      if (!bt_bencode_is_type (stats, BT_BENCODE_DICT))
        break;

      out_result->complete = dict_get_count (stats, "complete");
      out_result->incomplete = dict_get_count (stats, "incomplete");
      out_result->downloaded = dict_get_count (stats, "downloaded");
      return TRUE;
    }

  g_set_error_literal (error, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                       "The tracker's scrape reply does not list this torrent");
  return FALSE;
}

/**
 * bt_tracker_http_set_timeout:
 * @timeout_ms: the time allowed for a whole request, redirects and body
 *   included; 0 restores %BT_TRACKER_HTTP_TIMEOUT_MS
 *
 * For tests, which cannot wait 30 seconds for a tracker that hangs. Applies
 * to requests started afterwards.
 */
void
bt_tracker_http_set_timeout (guint timeout_ms)
{
  g_atomic_int_set (&http_timeout_override_ms, timeout_ms);
}

/* The client */

static void
http_op_free (gpointer data)
{
  HttpOp *op = data;

  if (op->timeout_source != NULL)
    {
      g_source_destroy (op->timeout_source);
      g_source_unref (op->timeout_source);
    }
  if (op->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (op->caller_cancellable, op->caller_cancelled_id);
      g_object_unref (op->caller_cancellable);
    }
  g_clear_object (&op->cancellable);
  g_clear_object (&op->stream);
  g_clear_pointer (&op->body, g_byte_array_unref);
  g_clear_object (&op->session);
  g_free (op->url);
  g_free (op->tracker_url);
  g_free (op);
}

static char *
url_for_messages (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  /* The query holds the passkey of private trackers: keep it out of error
   * messages that end up in the UI and in bug reports. */
  if (uri == NULL)
    return g_strdup (url);
  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL,
                     g_uri_get_host (uri), g_uri_get_port (uri), g_uri_get_path (uri),
                     NULL, NULL);
}

static void
http_op_return_error (GTask  *task,
                      GError *error)
{
  HttpOp *op = g_task_get_task_data (task);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && op->timed_out)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_TIMEOUT,
                               "The tracker %s did not answer within %u seconds",
                               op->tracker_url, (op->timeout_ms + 999) / 1000);
      g_error_free (error);
    }
  else if (error->domain != BT_ERROR && error->domain != G_IO_ERROR)
    {
      /* Soup, TLS and resolver errors: the tracker could not be reached. */
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_IO,
                               "Could not reach the tracker %s: %s",
                               op->tracker_url, error->message);
      g_error_free (error);
    }
  else if (error->domain == G_IO_ERROR && error->code != G_IO_ERROR_CANCELLED)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_IO,
                               "Could not reach the tracker %s: %s",
                               op->tracker_url, error->message);
      g_error_free (error);
    }
  else
    g_task_return_error (task, error);
}

static void
http_op_complete (GTask *task)
{
  HttpOp *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&op->body));
  g_autoptr(GError) error = NULL;

  if (op->status != SOUP_STATUS_OK)
    {
      g_autoptr(BtAnnounceResponse) ignored = NULL;

      /* Some trackers refuse with an error status and a bencoded reason;
       * the reason helps the person more than the status does. */
      ignored = bt_tracker_http_parse_response (body, &error);
      if (g_error_matches (error, BT_ERROR, BT_ERROR_TRACKER_FAILURE))
        {
          http_op_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                               "The tracker %s answered HTTP %u %s", op->tracker_url,
                               op->status, soup_status_get_phrase (op->status));
      return;
    }

  if (op->is_scrape)
    {
      BtScrapeResult result;

      if (!bt_tracker_http_parse_scrape (body, op->info_hash, &result, &error))
        http_op_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, g_memdup2 (&result, sizeof result), g_free);
    }
  else
    {
      BtAnnounceResponse *response = bt_tracker_http_parse_response (body, &error);

      if (response == NULL)
        http_op_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, response, (GDestroyNotify) bt_announce_response_unref);
    }
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttpOp *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  gsize room;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      http_op_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_bytes_get_size (chunk) == 0)
    {
      http_op_complete (task);
      return;
    }

  g_byte_array_append (op->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  if (op->body->len > BT_TRACKER_HTTP_MAX_RESPONSE)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                               "The answer of the tracker %s is larger than %u KiB; "
                               "it is not a tracker reply",
                               op->tracker_url, BT_TRACKER_HTTP_MAX_RESPONSE / 1024);
      return;
    }

  /* Ask for one byte past the limit so that an oversized body shows. */
  room = BT_TRACKER_HTTP_MAX_RESPONSE + 1 - op->body->len;
  g_input_stream_read_bytes_async (op->stream, MIN (room, 16 * 1024), G_PRIORITY_DEFAULT,
                                   op->cancellable, read_cb, g_steal_pointer (&task));
}

static gboolean
follow_redirect (GTask       *task,
                 SoupMessage *msg)
{
  HttpOp *op = g_task_get_task_data (task);
  const char *location;
  g_autoptr(GUri) target = NULL;
  g_autoptr(GError) error = NULL;
  const char *scheme;

  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (location == NULL)
    return FALSE;

  if (++op->redirects > BT_TRACKER_HTTP_MAX_REDIRECTS)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                               "The tracker %s redirected more than %u times",
                               op->tracker_url, BT_TRACKER_HTTP_MAX_REDIRECTS);
      return TRUE;
    }

  target = g_uri_parse_relative (soup_message_get_uri (msg), location,
                                 SOUP_HTTP_URI_FLAGS, &error);
  scheme = target != NULL ? g_uri_get_scheme (target) : NULL;
  if (target == NULL
      || (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                               "The tracker %s redirected to an address that is not "
                               "http:// or https://", op->tracker_url);
      return TRUE;
    }

  g_free (op->url);
  op->url = g_uri_to_string (target);
  g_clear_object (&op->stream);
  g_debug ("Following redirect %u of %s", op->redirects, op->tracker_url);
  http_op_send (g_object_ref (task));
  return TRUE;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HttpOp *op = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;

  op->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (op->stream == NULL)
    {
      http_op_return_error (task, g_steal_pointer (&error));
      return;
    }

  op->status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_REDIRECTION (op->status) && follow_redirect (task, msg))
    return;

  headers = soup_message_get_response_headers (msg);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (headers) > BT_TRACKER_HTTP_MAX_RESPONSE)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_PROTOCOL,
                               "The answer of the tracker %s is larger than %u KiB; "
                               "it is not a tracker reply",
                               op->tracker_url, BT_TRACKER_HTTP_MAX_RESPONSE / 1024);
      return;
    }

  op->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (op->stream, 16 * 1024, G_PRIORITY_DEFAULT,
                                   op->cancellable, read_cb, g_steal_pointer (&task));
}

static void
http_op_send (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  HttpOp *op = g_task_get_task_data (task);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GUri) uri = NULL;

  uri = g_uri_parse (op->url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0'
      && (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0
          || g_strcmp0 (g_uri_get_scheme (uri), "https") == 0))
    msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  if (msg == NULL)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED,
                               "The tracker address %s is not a valid URL", op->tracker_url);
      return;
    }

  /* Redirects are followed here, not by libsoup, so that their number is
   * ours to bound and each target's scheme is checked. */
  soup_message_set_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "User-Agent", "bTorrent/" PACKAGE_VERSION);

  soup_session_send_async (op->session, msg, G_PRIORITY_DEFAULT, op->cancellable,
                           send_cb, g_steal_pointer (&task));
}

static gboolean
timeout_cb (gpointer user_data)
{
  HttpOp *op = user_data;

  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancellable);
  g_clear_pointer (&op->timeout_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller,
                     gpointer      user_data)
{
  GCancellable *ours = user_data;

  g_cancellable_cancel (ours);
}

static void
http_op_start (const char          *url,
               gboolean             is_scrape,
               const guint8        *info_hash,
               char                *request_url,
               SoupSession         *session,
               GCancellable        *cancellable,
               gpointer             source_tag,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HttpOp *op;

  op = g_new0 (HttpOp, 1);
  op->session = session != NULL ? g_object_ref (session) : soup_session_new ();
  op->url = request_url;
  op->tracker_url = url_for_messages (url);
  op->is_scrape = is_scrape;
  if (info_hash != NULL)
    memcpy (op->info_hash, info_hash, sizeof op->info_hash);
  op->cancellable = g_cancellable_new ();

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, is_scrape ? "[bt-tracker-http] scrape" : "[bt-tracker-http] announce");
  g_task_set_task_data (task, op, http_op_free);

  if (cancellable != NULL)
    {
      op->caller_cancellable = g_object_ref (cancellable);
      op->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                       G_CALLBACK (caller_cancelled_cb),
                                                       g_object_ref (op->cancellable),
                                                       g_object_unref);
    }

  op->timeout_ms = g_atomic_int_get (&http_timeout_override_ms);
  if (op->timeout_ms == 0)
    op->timeout_ms = BT_TRACKER_HTTP_TIMEOUT_MS;
  op->timeout_source = bt_timer_source_new (op->timeout_ms);
  g_source_set_name (op->timeout_source, "[bt-tracker-http] timeout");
  g_source_set_callback (op->timeout_source, timeout_cb, op, NULL);
  g_source_attach (op->timeout_source, g_task_get_context (task));

  http_op_send (g_steal_pointer (&task));
}

/**
 * bt_tracker_http_announce_async:
 * @url: an http:// or https:// announce URL
 * @request: what to announce; copied
 * @session: (nullable): the session to send with; %NULL makes one for this
 *   request. A User-Agent set on the session replaces ours
 * @cancellable: (nullable): stops the request with %G_IO_ERROR_CANCELLED
 *
 * GETs the announce URL, follows up to %BT_TRACKER_HTTP_MAX_REDIRECTS
 * redirects, reads at most %BT_TRACKER_HTTP_MAX_RESPONSE bytes (gzip is
 * decoded by the session's content decoder, on by default in libsoup 3),
 * and gives up after %BT_TRACKER_HTTP_TIMEOUT_MS with
 * %BT_ERROR_TRACKER_TIMEOUT. @callback runs on the thread-default main
 * context of the calling thread.
 */
void
bt_tracker_http_announce_async (const char              *url,
                                const BtAnnounceRequest *request,
                                SoupSession             *session,
                                GCancellable            *cancellable,
                                GAsyncReadyCallback      callback,
                                gpointer                 user_data)
{
  g_return_if_fail (url != NULL);
  g_return_if_fail (request != NULL);
  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  http_op_start (url, FALSE, NULL, bt_tracker_http_build_announce_url (url, request),
                 session, cancellable, bt_tracker_http_announce_async, callback, user_data);
}

/**
 * bt_tracker_http_announce_finish:
 *
 * Returns: (transfer full): the tracker's answer, or %NULL with @error set
 *   (see bt_tracker_announce_finish())
 */
BtAnnounceResponse *
bt_tracker_http_announce_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_tracker_http_announce_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bt_tracker_http_scrape_async:
 * @url: an http:// or https:// announce URL; see
 *   bt_tracker_http_build_scrape_url()
 * @info_hash: the torrent to ask about (20 bytes)
 * @session: (nullable): as for bt_tracker_http_announce_async()
 * @cancellable: (nullable): stops the request with %G_IO_ERROR_CANCELLED
 *
 * Asks the tracker for one torrent's counts, with the same bounds as an
 * announce. @callback runs on the thread-default main context of the calling
 * thread.
 */
void
bt_tracker_http_scrape_async (const char          *url,
                              const guint8        *info_hash,
                              SoupSession         *session,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  char *scrape_url;

  g_return_if_fail (url != NULL);
  g_return_if_fail (info_hash != NULL);
  g_return_if_fail (session == NULL || SOUP_IS_SESSION (session));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  scrape_url = bt_tracker_http_build_scrape_url (url, info_hash, &error);
  if (scrape_url == NULL)
    {
      g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

      g_task_set_source_tag (task, bt_tracker_http_scrape_async);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  http_op_start (url, TRUE, info_hash, scrape_url, session, cancellable,
                 bt_tracker_http_scrape_async, callback, user_data);
}

/**
 * bt_tracker_http_scrape_finish:
 * @out_result: (out): the counts, filled on success
 *
 * Returns: %TRUE on success, or %FALSE with @error set
 */
gboolean
bt_tracker_http_scrape_finish (GAsyncResult    *result,
                               BtScrapeResult  *out_result,
                               GError         **error)
{
  g_autofree BtScrapeResult *scrape = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_tracker_http_scrape_async,
                        FALSE);
  g_return_val_if_fail (out_result != NULL, FALSE);

  scrape = g_task_propagate_pointer (G_TASK (result), error);
  if (scrape == NULL)
    return FALSE;
  *out_result = *scrape;
  return TRUE;
}
