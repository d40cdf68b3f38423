/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * HTTP(S) trackers (BEP 3, BEP 23 compact peers, BEP 7 peers6, BEP 48
 * scrape) over libsoup 3. The URL builders and reply parsers are pure
 * functions, so they can be tested and fuzzed without a network.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "bt-tracker.h"

G_BEGIN_DECLS

char                *bt_tracker_http_build_announce_url (const char               *announce,
                                                         const BtAnnounceRequest  *request);
char                *bt_tracker_http_build_scrape_url   (const char               *announce,
                                                         const guint8             *info_hash,
                                                         GError                  **error);
BtAnnounceResponse  *bt_tracker_http_parse_response     (GBytes                   *body,
                                                         GError                  **error);
gboolean             bt_tracker_http_parse_scrape       (GBytes                   *body,
                                                         const guint8             *info_hash,
                                                         BtScrapeResult           *out_result,
                                                         GError                  **error);

void                 bt_tracker_http_announce_async     (const char               *url,
                                                         const BtAnnounceRequest  *request,
                                                         SoupSession              *session,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
BtAnnounceResponse  *bt_tracker_http_announce_finish    (GAsyncResult             *result,
                                                         GError                  **error);

void                 bt_tracker_http_scrape_async       (const char               *url,
                                                         const guint8             *info_hash,
                                                         SoupSession              *session,
                                                         GCancellable             *cancellable,
                                                         GAsyncReadyCallback       callback,
                                                         gpointer                  user_data);
gboolean             bt_tracker_http_scrape_finish      (GAsyncResult             *result,
                                                         BtScrapeResult           *out_result,
                                                         GError                  **error);

void                 bt_tracker_http_set_timeout        (guint                     timeout_ms);

G_END_DECLS
