/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Real BitTorrent programs on loopback for interop tests and benchmarks:
 * opentracker as the tracker, aria2c and transmission-daemon as seeders and
 * leechers. See ../shared/INTEROP.md for why they are started the way they
 * are.
 *
 * Every program runs as a GSubprocess in its own temporary profile folder,
 * on free ports, bound to loopback, with its output in a log file there.
 * Stopping one sends SIGTERM, then SIGKILL after a grace period, to that
 * PID only; and each child asks the kernel to kill it when the test program
 * dies, so a crashed or timed-out test leaves no seeder running.
 *
 * All functions are blocking and are meant for the test's main thread,
 * between the steps of a test (not from inside a running main loop that
 * must keep serving the engine: a helper that waits, waits on its own
 * private GMainContext).
 *
 * When a tool is missing, the starting functions call
 * bt_test_skip_or_fail() and return %NULL *without* setting @error, so a
 * test reads:
 *
 *   tracker = bt_test_tracker_start (hashes, &error);
 *   g_assert_no_error (error);
 *   if (tracker == NULL)
 *     return;     // skipped
 *
 * Errors are in G_IO_ERROR and carry the end of the program's log.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long a stopped program gets between SIGTERM and SIGKILL: both
 * clients tell the tracker "stopped" on the way out, which on loopback
 * takes milliseconds unless the tracker is already gone. */
#define BT_TEST_STOP_GRACE_MS 5000

/* Returns a port on which 127.0.0.1 accepts a TCP bind, and a UDP bind too
 * when @udp_and_tcp is set. The port is closed again before returning, so
 * another process can in principle take it first; ports come from the
 * kernel's ephemeral range, which makes that rare. */
guint16      bt_test_free_port             (gboolean             udp_and_tcp);

/* Writes a .torrent of @source (a file or folder) to @torrent_path, with
 * each of @announce_urls (may be %NULL) as its own tier and the given
 * @piece_length (0: chosen for the size). Returns the info-hash in lower
 * case hex, (transfer full), or %NULL with @error set. The info-hash does
 * not depend on the announce URLs, so the same @source gives the same hash
 * whatever tracker the torrent names. */
char        *bt_test_create_torrent        (const char          *source,
                                            const char * const  *announce_urls,
                                            guint32              piece_length,
                                            const char          *torrent_path,
                                            GError             **error);

/* Compares two folder trees: the same regular files at the same relative
 * paths with the same bytes (other kinds of entries and empty folders are
 * not compared). On a mismatch it says what differs with g_test_message()
 * and returns FALSE. @a and @b may also both be regular files. */
gboolean     bt_test_files_equal           (const char          *a,
                                            const char          *b);

typedef enum
{
  BT_TEST_FILES_EQUAL_DEFAULT             = 0,
  /* An empty file in one tree may be missing from the other: Transmission
   * does not create zero-length files. */
  BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY = 1 << 0,
} BtTestFilesEqualFlags;

gboolean     bt_test_files_equal_full      (const char           *a,
                                            const char           *b,
                                            BtTestFilesEqualFlags flags);

/* --- opentracker ---------------------------------------------------------- */

typedef struct _BtTestTracker BtTestTracker;

/* Starts opentracker on 127.0.0.1, HTTP and UDP on one free port, tracking
 * only the info-hashes in @info_hashes_hex (40 hex digits each; %NULL or
 * empty for none yet, see bt_test_tracker_allow()). Returns once it answers
 * announces for every listed hash. (transfer full): free with
 * bt_test_tracker_stop(). */
BtTestTracker *bt_test_tracker_start       (const char * const  *info_hashes_hex,
                                            GError             **error);

/* Adds @info_hash_hex to the whitelist of a running tracker (opentracker
 * rereads it on SIGHUP) and returns once the tracker accepts it. This lets a
 * test start the tracker first and then make a torrent that names it. */
gboolean     bt_test_tracker_allow         (BtTestTracker       *tracker,
                                            const char          *info_hash_hex,
                                            GError             **error);

/* "http://127.0.0.1:PORT/announce" and "udp://127.0.0.1:PORT/announce". */
const char  *bt_test_tracker_get_http_url  (BtTestTracker       *tracker);
const char  *bt_test_tracker_get_udp_url   (BtTestTracker       *tracker);
guint16      bt_test_tracker_get_port      (BtTestTracker       *tracker);
GPid         bt_test_tracker_get_pid       (BtTestTracker       *tracker);

/* Stops the tracker (SIGTERM, then SIGKILL), removes its profile folder
 * and frees @tracker. %NULL is ignored. */
void         bt_test_tracker_stop          (BtTestTracker       *tracker);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtTestTracker, bt_test_tracker_stop)

/* --- clients -------------------------------------------------------------- */

typedef struct _BtTestClient BtTestClient;

/**
 * BtTestAria2Options:
 * @seed: %TRUE to seed the data already in the folder (without checking
 *   it) until stopped; %FALSE to download into the folder and exit 0 once
 *   complete (see bt_test_client_wait_complete())
 * @udp_tracker: the torrent announces to a udp:// tracker; aria2 speaks UDP
 *   trackers only through its DHT socket, so this turns DHT on (on its own
 *   free port, with no bootstrap node, so it talks to nobody else)
 * @address: (nullable): the loopback address aria2 binds to, for its
 *   listening socket, its outgoing connections and its announces; %NULL
 *   for 127.0.0.1. A distinct address (127.0.0.2, ...) matters when
 *   Transmission seeds: a seeding transmission-daemon refuses every later
 *   connection from an address it has once seen a seed at (its peers are
 *   keyed by address, not address and port), so an aria2 seeder on
 *   127.0.0.1 would lock every other client on 127.0.0.1 out of it.
 * @extra_args: (nullable): more aria2c options, appended last
 */
typedef struct
{
  gboolean            seed;
  gboolean            udp_tracker;
  const char         *address;
  const char * const *extra_args;
} BtTestAria2Options;

/* Starts aria2c on @torrent with its data in @dir (the folder that holds,
 * or will hold, the torrent's name), listening on a free port; returns
 * once it accepts connections. It re-announces every second, so it learns
 * quickly about peers that arrive later, and (when seeding) dials them.
 * (transfer full): free with bt_test_client_stop(). */
BtTestClient *bt_test_aria2_start          (const char               *torrent,
                                            const char               *dir,
                                            const BtTestAria2Options *options,
                                            GError                  **error);

/* Shorthands for bt_test_aria2_start() on 127.0.0.1. */
BtTestClient *bt_test_aria2_seed           (const char          *torrent,
                                            const char          *data_dir,
                                            gboolean             udp_tracker,
                                            GError             **error);
BtTestClient *bt_test_aria2_leech          (const char          *torrent,
                                            const char          *download_dir,
                                            gboolean             udp_tracker,
                                            GError             **error);

/* Starts transmission-daemon (HTTP trackers only; no DHT, LPD, PEX, uTP or
 * port forwarding; no speed, ratio or idle limits) with a fresh config
 * folder and free peer and RPC ports, and adds @torrent with its data in
 * @data_dir. Returns once the data is verified and it seeds. Transmission
 * never dials peers on 127.x, so others must dial it; and while seeding it
 * refuses an address where it has seen another seed (see
 * BtTestAria2Options.address). (transfer full) */
BtTestClient *bt_test_transmission_seed    (const char          *torrent,
                                            const char          *data_dir,
                                            GError             **error);

/* The same, downloading into @download_dir; returns once the torrent is
 * added and running. It only receives connections, so a seeder has to
 * learn about it from the tracker and dial it (aria2 seeders started here
 * do). It does not create zero-length files. */
BtTestClient *bt_test_transmission_leech   (const char          *torrent,
                                            const char          *download_dir,
                                            GError             **error);

/* Waits up to @timeout_s seconds until @client holds the whole torrent: an
 * aria2 downloader has exited with status 0 (its data is then on disk);
 * transmission reports 100% verified (stop it before comparing files: it
 * may still hold written blocks in its cache). A seeder is complete from
 * the start. Returns FALSE with @error set (with the end of its log) on
 * a timeout, an error exit or a stopped torrent. */
gboolean     bt_test_client_wait_complete  (BtTestClient        *client,
                                            guint                timeout_s,
                                            GError             **error);

/* The peer (TCP) port and address the client listens on. */
guint16      bt_test_client_get_port       (BtTestClient        *client);
const char  *bt_test_client_get_address    (BtTestClient        *client);
GPid         bt_test_client_get_pid        (BtTestClient        *client);

/* The client's output so far, for diagnostics. (transfer full) */
char        *bt_test_client_get_log        (BtTestClient        *client);

/* Stops the client (SIGTERM, then SIGKILL after BT_TEST_STOP_GRACE_MS),
 * removes its profile folder (not the data folder, which is the caller's)
 * and frees @client. %NULL is ignored. */
void         bt_test_client_stop           (BtTestClient        *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtTestClient, bt_test_client_stop)

G_END_DECLS
