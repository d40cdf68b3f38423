/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Proves the loopback swarm helpers (tests/support/bt-swarm.h) against the
 * real programs alone, without our engine: opentracker's whitelist, aria2c
 * and transmission-daemon seeding to and downloading from each other over
 * HTTP and UDP trackers, and the tree comparison the download tests rely
 * on. If these fail, an interop failure of our client means nothing.
 */
#define G_LOG_DOMAIN "test-swarm-harness"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "bt-swarm.h"
#include "bt-test-util.h"

/* Small pieces, so a few MB make dozens of them, and sizes that are not
 * multiples of the piece length. */
#define PIECE_LENGTH (64 * 1024)

/* Seconds a download of the test payload may take. Both clients choke in
 * 10 s rounds, so Transmission's first unchoke alone can take that long. */
#define DOWNLOAD_TIMEOUT_S 60

typedef struct
{
  char          *tmp;
  char          *seed_dir;  /* holds payload/, the torrent's content */
  char          *payload;
  char          *torrent;
  char          *info_hash;
  BtTestTracker *tracker;
} Swarm;

/* Auxiliary functions */

static void
write_payload (const char *payload)
{
  g_autofree char *top = g_build_filename (payload, "top.bin", NULL);
  g_autofree char *big = g_build_filename (payload, "a", "big.bin", NULL);
  g_autofree char *small = g_build_filename (payload, "a", "b", "c", "small.bin", NULL);
  g_autofree char *empty = g_build_filename (payload, "a", "empty.txt", NULL);
  g_autofree char *last = g_build_filename (payload, "z", "one-piece.bin", NULL);

  bt_test_write_random_file (top, 777777, 1);
  bt_test_write_random_file (big, 2 * 1024 * 1024 + 12345, 2);
  bt_test_write_random_file (small, 100003, 3);
  bt_test_write_random_file (empty, 0, 4);
  bt_test_write_random_file (last, PIECE_LENGTH, 5);
}

/* A tracker, a payload with nested folders and an empty file, and a torrent
 * of it announcing over HTTP or UDP. Returns FALSE when the test is
 * skipped (no opentracker). */
static gboolean
swarm_setup (Swarm   *swarm,
             gboolean udp)
{
  g_autoptr(GError) error = NULL;
  const char *urls[2] = { NULL, NULL };

  memset (swarm, 0, sizeof *swarm);
  swarm->tmp = bt_test_make_tmpdir ();
  swarm->seed_dir = g_build_filename (swarm->tmp, "seed", NULL);
  swarm->payload = g_build_filename (swarm->seed_dir, "payload", NULL);
  swarm->torrent = g_build_filename (swarm->tmp, "payload.torrent", NULL);
  write_payload (swarm->payload);

  /* The tracker first, so the torrent can name its port; the hash is
   * allowed once the torrent exists. */
  swarm->tracker = bt_test_tracker_start (NULL, &error);
  g_assert_no_error (error);
  if (swarm->tracker == NULL)
    return FALSE;

  urls[0] = udp ? bt_test_tracker_get_udp_url (swarm->tracker)
                : bt_test_tracker_get_http_url (swarm->tracker);
  swarm->info_hash = bt_test_create_torrent (swarm->payload, urls, PIECE_LENGTH, swarm->torrent,
                                             &error);
  g_assert_no_error (error);
  g_assert_nonnull (swarm->info_hash);

  bt_test_tracker_allow (swarm->tracker, swarm->info_hash, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
swarm_teardown (Swarm *swarm)
{
  g_clear_pointer (&swarm->tracker, bt_test_tracker_stop);
  bt_test_remove_tree (swarm->tmp);
  g_free (swarm->tmp);
  g_free (swarm->seed_dir);
  g_free (swarm->payload);
  g_free (swarm->torrent);
  g_free (swarm->info_hash);
}

static char *
leech_dir (Swarm      *swarm,
           const char *name)
{
  char *dir = g_build_filename (swarm->tmp, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

static gboolean
process_is_gone (GPid pid)
{
  return kill (pid, 0) != 0 && errno == ESRCH;
}

/* GETs @path from the tracker with libsoup, a client that is not ours. */
static char *
tracker_get (BtTestTracker *tracker,
             const char    *path)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s",
                                          bt_test_tracker_get_port (tracker), path);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static char *
announce_path (const char *hex,
               const char *event)
{
  g_autoptr(GString) path = g_string_new ("/announce?info_hash=");

  for (guint i = 0; i < 40; i += 2)
    g_string_append_printf (path, "%%%c%c", hex[i], hex[i + 1]);
  g_string_append (path, "&peer_id=-BT0000-harnesstest1&port=7&uploaded=0&downloaded=0"
                         "&left=0&numwant=0&compact=1");
  if (event != NULL)
    g_string_append_printf (path, "&event=%s", event);
  return g_string_free (g_steal_pointer (&path), FALSE);
}

/* Announces @hex and says whether the tracker accepted it. */
static gboolean
tracker_accepts (BtTestTracker *tracker,
                 const char    *hex)
{
  g_autofree char *path = announce_path (hex, NULL);
  g_autofree char *stop_path = announce_path (hex, "stopped");
  g_autofree char *body = tracker_get (tracker, path);
  g_autofree char *stopped = tracker_get (tracker, stop_path);

  if (strstr (body, "failure reason") != NULL)
    return FALSE;
  g_assert_nonnull (strstr (body, "8:interval"));
  return TRUE;
}

/* Tests */

static void
test_free_port (void)
{
  guint16 a = bt_test_free_port (TRUE);
  guint16 b = bt_test_free_port (TRUE);
  guint16 c = bt_test_free_port (FALSE);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, a);
  g_autoptr(GSocket) tcp = NULL;
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GError) error = NULL;

  /* Never the same port twice, even though each is closed again. */
  g_assert_cmpuint (a, !=, 0);
  g_assert_cmpuint (a, !=, b);
  g_assert_cmpuint (c, !=, a);
  g_assert_cmpuint (c, !=, b);

  tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (tcp, address, FALSE, &error);
  g_assert_no_error (error);
  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                      &error);
  g_assert_no_error (error);
  g_socket_bind (udp, address, FALSE, &error);
  g_assert_no_error (error);
}

static void
test_files_equal (void)
{
  g_autofree char *tmp = bt_test_make_tmpdir ();
  g_autofree char *a = g_build_filename (tmp, "a", NULL);
  g_autofree char *b = g_build_filename (tmp, "b", NULL);
  g_autofree char *a_file = g_build_filename (a, "x", "y", "file.bin", NULL);
  g_autofree char *b_file = g_build_filename (b, "x", "y", "file.bin", NULL);
  g_autofree char *a_empty = g_build_filename (a, "empty", NULL);
  g_autofree char *b_empty = g_build_filename (b, "empty", NULL);
  g_autofree char *b_extra = g_build_filename (b, "x", "extra", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  bt_test_write_random_file (a_file, 200000, 7);
  bt_test_write_random_file (b_file, 200000, 7);
  bt_test_write_random_file (a_empty, 0, 0);
  bt_test_write_random_file (b_empty, 0, 0);
  g_assert_true (bt_test_files_equal (a, b));
  g_assert_true (bt_test_files_equal (a_file, b_file));

  /* One byte changed in the middle. */
  g_file_get_contents (b_file, &contents, &length, &error);
  g_assert_no_error (error);
  contents[123456] ^= 0x01;
  g_file_set_contents (b_file, contents, length, &error);
  g_assert_no_error (error);
  g_assert_false (bt_test_files_equal (a, b));
  g_assert_false (bt_test_files_equal (a_file, b_file));
  contents[123456] ^= 0x01;

  /* One byte short. */
  g_file_set_contents (b_file, contents, length - 1, &error);
  g_assert_no_error (error);
  g_assert_false (bt_test_files_equal (a, b));
  g_file_set_contents (b_file, contents, length, &error);
  g_assert_no_error (error);
  g_assert_true (bt_test_files_equal (a, b));

  /* A file only one side has. */
  bt_test_write_random_file (b_extra, 10, 8);
  g_assert_false (bt_test_files_equal (a, b));
  g_assert_false (bt_test_files_equal (b, a));
  g_assert_cmpint (g_unlink (b_extra), ==, 0);

  /* A missing empty file, as Transmission leaves it. */
  g_assert_cmpint (g_unlink (b_empty), ==, 0);
  g_assert_false (bt_test_files_equal (a, b));
  g_assert_true (bt_test_files_equal_full (a, b, BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY));
  g_assert_true (bt_test_files_equal_full (b, a, BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY));

  /* A folder is not a file. */
  g_assert_false (bt_test_files_equal (a, b_file));

  bt_test_remove_tree (tmp);
}

static void
test_tracker (void)
{
  const char *allowed = "0123456789abcdef0123456789abcdef01234567";
  const char *later = "89ABCDEF0123456789ABCDEF0123456789ABCDEF";
  const char *hashes[] = { allowed, NULL };
  g_autoptr(GError) error = NULL;
  BtTestTracker *tracker;
  g_autofree char *http = NULL;
  g_autofree char *udp = NULL;
  GPid pid;

  tracker = bt_test_tracker_start (hashes, &error);
  g_assert_no_error (error);
  if (tracker == NULL)
    return;

  http = g_strdup_printf ("http://127.0.0.1:%u/announce", bt_test_tracker_get_port (tracker));
  udp = g_strdup_printf ("udp://127.0.0.1:%u/announce", bt_test_tracker_get_port (tracker));
  g_assert_cmpstr (bt_test_tracker_get_http_url (tracker), ==, http);
  g_assert_cmpstr (bt_test_tracker_get_udp_url (tracker), ==, udp);

  /* Only whitelisted hashes are tracked; upper case hex is accepted. */
  g_assert_true (tracker_accepts (tracker, allowed));
  g_assert_false (tracker_accepts (tracker, later));
  bt_test_tracker_allow (tracker, later, &error);
  g_assert_no_error (error);
  g_assert_true (tracker_accepts (tracker, later));
  g_assert_true (tracker_accepts (tracker, allowed));

  pid = bt_test_tracker_get_pid (tracker);
  g_assert_cmpint (pid, >, 0);
  g_assert_false (process_is_gone (pid));
  bt_test_tracker_stop (tracker);
  g_assert_true (process_is_gone (pid));
}

/* aria2c seeds; a second aria2c and a transmission-daemon download at the
 * same time over the HTTP tracker. Transmission only accepts connections
 * on loopback, so this also shows the aria2 seeder dialing a leecher it
 * learns about from the tracker. */
static void
test_aria2_seeds_http (void)
{
  Swarm swarm;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtTestClient) seeder = NULL;
  g_autoptr(BtTestClient) aria2 = NULL;
  g_autoptr(BtTestClient) transmission = NULL;
  g_autofree char *aria2_dir = NULL;
  g_autofree char *transmission_dir = NULL;
  g_autofree char *aria2_payload = NULL;
  g_autofree char *transmission_payload = NULL;
  g_autofree char *empty = NULL;
  GPid seeder_pid;

  if (!swarm_setup (&swarm, FALSE))
    goto out;

  seeder = bt_test_aria2_seed (swarm.torrent, swarm.seed_dir, FALSE, &error);
  g_assert_no_error (error);
  if (seeder == NULL)
    goto out;
  g_assert_cmpuint (bt_test_client_get_port (seeder), !=, 0);
  g_assert_cmpstr (bt_test_client_get_address (seeder), ==, "127.0.0.1");

  aria2_dir = leech_dir (&swarm, "aria2");
  transmission_dir = leech_dir (&swarm, "transmission");
  aria2 = bt_test_aria2_leech (swarm.torrent, aria2_dir, FALSE, &error);
  g_assert_no_error (error);
  if (aria2 == NULL)
    goto out;
  transmission = bt_test_transmission_leech (swarm.torrent, transmission_dir, &error);
  g_assert_no_error (error);
  if (transmission == NULL)
    goto out;

  bt_test_client_wait_complete (aria2, DOWNLOAD_TIMEOUT_S, &error);
  g_assert_no_error (error);
  bt_test_client_wait_complete (transmission, DOWNLOAD_TIMEOUT_S, &error);
  g_assert_no_error (error);
  /* A seeder is complete from the start, and still running. */
  bt_test_client_wait_complete (seeder, 1, &error);
  g_assert_no_error (error);

  /* Stopped first, so Transmission has written everything it holds. */
  g_clear_pointer (&transmission, bt_test_client_stop);
  seeder_pid = bt_test_client_get_pid (seeder);
  g_clear_pointer (&seeder, bt_test_client_stop);
  g_assert_true (process_is_gone (seeder_pid));

  aria2_payload = g_build_filename (aria2_dir, "payload", NULL);
  transmission_payload = g_build_filename (transmission_dir, "payload", NULL);
  g_assert_true (bt_test_files_equal (swarm.payload, aria2_payload));
  g_assert_true (bt_test_files_equal_full (swarm.payload, transmission_payload,
                                           BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY));
  /* aria2 creates empty files, which is what the strict compare needs. */
  empty = g_build_filename (aria2_payload, "a", "empty.txt", NULL);
  g_assert_true (g_file_test (empty, G_FILE_TEST_IS_REGULAR));

out:
  g_clear_pointer (&aria2, bt_test_client_stop);
  g_clear_pointer (&transmission, bt_test_client_stop);
  g_clear_pointer (&seeder, bt_test_client_stop);
  swarm_teardown (&swarm);
}

/* transmission-daemon verifies and seeds; aria2c dials it and downloads. */
static void
test_transmission_seeds (void)
{
  Swarm swarm;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtTestClient) seeder = NULL;
  g_autoptr(BtTestClient) aria2 = NULL;
  g_autofree char *aria2_dir = NULL;
  g_autofree char *aria2_payload = NULL;
  g_autofree char *log = NULL;

  if (!swarm_setup (&swarm, FALSE))
    goto out;

  seeder = bt_test_transmission_seed (swarm.torrent, swarm.seed_dir, &error);
  g_assert_no_error (error);
  if (seeder == NULL)
    goto out;
  g_assert_cmpuint (bt_test_client_get_port (seeder), !=, 0);
  bt_test_client_wait_complete (seeder, 1, &error);
  g_assert_no_error (error);

  aria2_dir = leech_dir (&swarm, "aria2");
  aria2 = bt_test_aria2_leech (swarm.torrent, aria2_dir, FALSE, &error);
  g_assert_no_error (error);
  if (aria2 == NULL)
    goto out;
  bt_test_client_wait_complete (aria2, DOWNLOAD_TIMEOUT_S, &error);
  g_assert_no_error (error);

  /* The data came from Transmission: aria2 logs the peer it got it from. */
  log = bt_test_client_get_log (aria2);
  {
    g_autofree char *peer = g_strdup_printf ("127.0.0.1:%u", bt_test_client_get_port (seeder));

    g_assert_nonnull (strstr (log, peer));
  }

  aria2_payload = g_build_filename (aria2_dir, "payload", NULL);
  g_assert_true (bt_test_files_equal (swarm.payload, aria2_payload));

out:
  g_clear_pointer (&aria2, bt_test_client_stop);
  g_clear_pointer (&seeder, bt_test_client_stop);
  swarm_teardown (&swarm);
}

/* The same between two aria2c over a udp:// tracker (BEP 15), which aria2
 * reaches through its DHT socket. */
static void
test_aria2_seeds_udp (void)
{
  Swarm swarm;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtTestClient) seeder = NULL;
  g_autoptr(BtTestClient) aria2 = NULL;
  g_autofree char *aria2_dir = NULL;
  g_autofree char *aria2_payload = NULL;
  g_autofree char *log = NULL;
  GPid pid;

  if (!swarm_setup (&swarm, TRUE))
    goto out;

  seeder = bt_test_aria2_seed (swarm.torrent, swarm.seed_dir, TRUE, &error);
  g_assert_no_error (error);
  if (seeder == NULL)
    goto out;

  aria2_dir = leech_dir (&swarm, "aria2");
  aria2 = bt_test_aria2_leech (swarm.torrent, aria2_dir, TRUE, &error);
  g_assert_no_error (error);
  if (aria2 == NULL)
    goto out;
  bt_test_client_wait_complete (aria2, DOWNLOAD_TIMEOUT_S, &error);
  g_assert_no_error (error);

  /* It found the seeder through the UDP tracker, not some other way. */
  log = bt_test_client_get_log (aria2);
  g_assert_nonnull (strstr (log, "UDPT received ANNOUNCE reply"));

  aria2_payload = g_build_filename (aria2_dir, "payload", NULL);
  g_assert_true (bt_test_files_equal (swarm.payload, aria2_payload));

  /* A downloader that has exited stops at once; a seeder goes by PID. */
  g_clear_pointer (&aria2, bt_test_client_stop);
  pid = bt_test_client_get_pid (seeder);
  g_assert_false (process_is_gone (pid));
  g_clear_pointer (&seeder, bt_test_client_stop);
  g_assert_true (process_is_gone (pid));

out:
  g_clear_pointer (&aria2, bt_test_client_stop);
  g_clear_pointer (&seeder, bt_test_client_stop);
  swarm_teardown (&swarm);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/harness/free-port", test_free_port);
  g_test_add_func ("/interop/harness/files-equal", test_files_equal);
  g_test_add_func ("/interop/harness/tracker", test_tracker);
  g_test_add_func ("/interop/harness/aria2-seeds-http", test_aria2_seeds_http);
  g_test_add_func ("/interop/harness/transmission-seeds", test_transmission_seeds);
  g_test_add_func ("/interop/harness/aria2-seeds-udp", test_aria2_seeds_udp);

  return g_test_run ();
}
