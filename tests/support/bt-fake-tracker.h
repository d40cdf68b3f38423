/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Trackers for tests: scripted HTTP and UDP trackers on loopback whose
 * answers the test chooses, and the real opentracker started on a free
 * loopback port. The scripted trackers run on the thread-default main
 * context of the thread that creates them, so a test drives them by
 * iterating that context.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A scripted HTTP tracker: a SoupServer on 127.0.0.1 and a random port.
 * Each request takes the next scripted reply; once the script runs out, the
 * last reply repeats (so one redirect to itself makes a loop). With no
 * script at all, requests get 500. */
typedef struct _BtFakeHttpTracker BtFakeHttpTracker;

BtFakeHttpTracker *bt_fake_http_tracker_new            (void);
void               bt_fake_http_tracker_free           (BtFakeHttpTracker *self);
char              *bt_fake_http_tracker_get_url        (BtFakeHttpTracker *self,
                                                        const char        *path);

void               bt_fake_http_tracker_reply          (BtFakeHttpTracker *self,
                                                        guint              status,
                                                        const char        *body,
                                                        gssize             length);
void               bt_fake_http_tracker_reply_delayed  (BtFakeHttpTracker *self,
                                                        guint              delay_ms,
                                                        guint              status,
                                                        const char        *body,
                                                        gssize             length);
void               bt_fake_http_tracker_reply_gzip     (BtFakeHttpTracker *self,
                                                        const char        *body,
                                                        gssize             length);
void               bt_fake_http_tracker_reply_redirect (BtFakeHttpTracker *self,
                                                        const char        *location);
void               bt_fake_http_tracker_reply_hang     (BtFakeHttpTracker *self);
/* A 200 whose body never ends: no Content-Length, and @chunk_size bytes
 * every @interval_ms until the client hangs up (0: as fast as it reads). */
void               bt_fake_http_tracker_reply_endless  (BtFakeHttpTracker *self,
                                                        gsize              chunk_size,
                                                        guint              interval_ms);

/* Requests received so far, each as "path?query" with the query exactly as
 * sent (still percent-encoded). */
guint              bt_fake_http_tracker_get_n_requests (BtFakeHttpTracker *self);
const char        *bt_fake_http_tracker_get_request    (BtFakeHttpTracker *self,
                                                        guint              index);
/* The raw (still percent-encoded) value of @name in @request's query, or
 * NULL when absent. */
char              *bt_fake_tracker_query_get           (const char        *request,
                                                        const char        *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtFakeHttpTracker, bt_fake_http_tracker_free)

/* A scripted BEP 15 tracker on a 127.0.0.1 UDP socket. It hands out
 * connection ids, answers announces with the peers and counts it is given,
 * and ignores requests with a connection id it did not issue (as
 * opentracker does). */
typedef struct _BtFakeUdpTracker BtFakeUdpTracker;

/* The last announce received, decoded by the fake itself (independently of
 * the engine's codec). Events are BEP 15 numbers: 0 none, 1 completed,
 * 2 started, 3 stopped. */
typedef struct
{
  guint8   info_hash[20];
  guint8   peer_id[20];
  guint64  downloaded;
  guint64  left;
  guint64  uploaded;
  guint32  event;
  guint32  key;
  gint32   num_want;
  guint16  port;
} BtFakeUdpAnnounce;

BtFakeUdpTracker  *bt_fake_udp_tracker_new             (void);
/* On ::1 for %G_SOCKET_FAMILY_IPV6 (then NULL if IPv6 is off), peers
 * given to bt_fake_udp_tracker_set_answer() in 18-byte entries. */
BtFakeUdpTracker  *bt_fake_udp_tracker_new_for_family  (GSocketFamily      family);
void               bt_fake_udp_tracker_free            (BtFakeUdpTracker  *self);
char              *bt_fake_udp_tracker_get_url         (BtFakeUdpTracker  *self);

/* Ignores the next @count datagrams it receives, of any kind. */
void               bt_fake_udp_tracker_drop_next       (BtFakeUdpTracker  *self,
                                                        guint              count);
/* Answers announces and scrapes with the error action and @message
 * (NULL: answer normally). */
void               bt_fake_udp_tracker_set_error       (BtFakeUdpTracker  *self,
                                                        const char        *message);
/* Before each real answer, sends an error packet with a wrong transaction
 * id, and one with the right transaction id from another socket: a client
 * must ignore both. */
void               bt_fake_udp_tracker_set_decoys      (BtFakeUdpTracker  *self,
                                                        gboolean           decoys);
void               bt_fake_udp_tracker_set_answer      (BtFakeUdpTracker  *self,
                                                        guint32            interval,
                                                        guint32            seeders,
                                                        guint32            leechers,
                                                        guint32            completed,
                                                        const guint8      *compact_peers,
                                                        gsize              length);
/* Forgets every connection id it issued, as a tracker does when they
 * expire or it restarts. */
void               bt_fake_udp_tracker_forget_connections (BtFakeUdpTracker *self);

guint              bt_fake_udp_tracker_get_n_connects  (BtFakeUdpTracker  *self);
guint              bt_fake_udp_tracker_get_n_announces (BtFakeUdpTracker  *self);
guint              bt_fake_udp_tracker_get_n_scrapes   (BtFakeUdpTracker  *self);
guint              bt_fake_udp_tracker_get_n_ignored   (BtFakeUdpTracker  *self);
const BtFakeUdpAnnounce *bt_fake_udp_tracker_get_last_announce (BtFakeUdpTracker *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtFakeUdpTracker, bt_fake_udp_tracker_free)

/* The real opentracker (Debian package), in whitelist mode, serving HTTP
 * and UDP on one free loopback port, with its chroot in a temporary folder.
 * Returns NULL after bt_test_skip_or_fail() when it is not installed. */
typedef struct _BtTestOpentracker BtTestOpentracker;

BtTestOpentracker *bt_test_opentracker_start           (const guint8      *info_hashes,
                                                        guint              n_info_hashes);
void               bt_test_opentracker_stop            (BtTestOpentracker *self);
guint16            bt_test_opentracker_get_port        (BtTestOpentracker *self);
/* "http://127.0.0.1:PORT/announce" or "udp://127.0.0.1:PORT/announce". */
char              *bt_test_opentracker_get_url         (BtTestOpentracker *self,
                                                        const char        *scheme);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtTestOpentracker, bt_test_opentracker_stop)

G_END_DECLS
