/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * btorrent-cli downloads from real clients on loopback: opentracker as the
 * tracker (over HTTP and UDP), aria2c and transmission-daemon as seeders,
 * alone and together, and a torrent whose first tiers are dead. Each case
 * runs `btorrent-cli download` as a user would, waits for it to exit, and
 * compares what it wrote with the source, byte for byte.
 *
 * The swarm comes from tests/support/bt-swarm.h (proved by
 * tests/engine/test-swarm-harness.c); see ../shared/INTEROP.md for why the
 * real programs are started the way they are.
 */
#define G_LOG_DOMAIN "test-download-interop"

#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bt-bencode.h"
#include "bt-metainfo.h"
#include "bt-swarm.h"
#include "bt-test-util.h"

/* Seconds one download may take. The payloads are a few MB, which take well
 * under a second on loopback; the rest is start-up: both seeders choke in
 * 10 s rounds, so the first unchoke alone can take that long. */
#define DOWNLOAD_TIMEOUT_S 90

/* Seconds the tracker may take to list every seeder: each announces within
 * a second or so of starting. */
#define SEEDERS_TIMEOUT_S 30

/* How often the tracker is asked again while we wait for the seeders. */
#define POLL_MS 100

/* Between SIGTERM and SIGKILL for our client: it tells the tracker
 * "stopped" on the way out, which the announcer bounds at 5 s. */
#define CLI_STOP_GRACE_MS 8000

/* The retransmission wait of our UDP tracker client for the dead-tier case,
 * instead of BEP 15's 15 s: a dead UDP tracker then costs about 1.4 s
 * (three sends, waits doubling from this). */
#define UDP_BASE_TIMEOUT_MS "200"

/* aria2's upload cap when it seeds beside Transmission: the multi-file
 * payload then takes it about 30 s, three of Transmission's choke rounds. */
#define ARIA2_UPLOAD_LIMIT "100K"

/* The request size of every BitTorrent client. */
#define BLOCK_SIZE (16 * 1024)

/* How much of our client's stderr goes into the test log on a failure. */
#define LOG_TAIL_BYTES 6000

typedef enum
{
  PAYLOAD_SINGLE,
  PAYLOAD_MULTI,
} PayloadKind;

typedef struct
{
  char          *tmp;
  char          *seed_dir;    /* holds the payload under its name */
  char          *source;      /* seed_dir/NAME */
  char          *out_dir;     /* where our client saves */
  char          *downloaded;  /* out_dir/NAME */
  char          *torrent;     /* announces to the tracker only */
  char          *info_hash;
  BtTestTracker *tracker;     /* NULL when the test is skipped */
  GPtrArray     *seeders;     /* BtTestClient, stopped at teardown */
  GSubprocess   *cli;         /* our client while it runs */
} Fixture;

/* What one run of our client printed. */
typedef struct
{
  char   *out;
  char   *err;
  double  seconds;
} CliResult;

static void
cli_result_clear (CliResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliResult, cli_result_clear)

/* Auxiliary functions: payloads and torrents */

static const char *
cli_path (void)
{
  const char *path = g_getenv ("BTORRENT_CLI");

  g_assert_nonnull (path);
  return path;
}

/* Writes the payload under fixture->seed_dir and returns its piece length.
 * Both shapes have sizes that are not multiples of the piece length; the
 * multi-file one has nested folders, an empty file, several files inside
 * one piece, and a file of exactly one piece. */
static guint32
write_payload (Fixture    *fixture,
               PayloadKind kind)
{
  if (kind == PAYLOAD_SINGLE)
    {
      fixture->source = g_build_filename (fixture->seed_dir, "single.bin", NULL);
      bt_test_write_random_file (fixture->source, 3 * 1024 * 1024 + 1234, 101);
      return 256 * 1024;
    }
  else
    {
      static const struct
      {
        const char *path;
        gsize       length;
      } files[] = {
        { "top.bin", 777777 },
        { "a/big.bin", 2 * 1024 * 1024 + 12345 },
        { "a/empty.txt", 0 },
        { "a/b/c/small.bin", 100003 },
        { "a/b/tiny-1.txt", 10 },
        { "a/b/tiny-2.txt", 1 },
        { "a/b/tiny-3.txt", 4097 },
        { "z/one-piece.bin", 64 * 1024 },
      };

      fixture->source = g_build_filename (fixture->seed_dir, "multi", NULL);
      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        {
          g_autofree char *path = g_build_filename (fixture->source, files[i].path, NULL);

          bt_test_write_random_file (path, files[i].length, 200 + i);
        }
      return 64 * 1024;
    }
}

/* Writes a payload and a torrent of it that announces to @tracker_url (the
 * tracker's HTTP or UDP URL) only, and lets the tracker track it. */
static void
make_swarm_torrent (Fixture    *fixture,
                    PayloadKind kind,
                    const char *tracker_url)
{
  const char *urls[] = { tracker_url, NULL };
  g_autoptr(GError) error = NULL;
  guint32 piece_length = write_payload (fixture, kind);
  g_autofree char *name = g_path_get_basename (fixture->source);

  fixture->downloaded = g_build_filename (fixture->out_dir, name, NULL);
  fixture->info_hash = bt_test_create_torrent (fixture->source, urls, piece_length,
                                               fixture->torrent, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->info_hash);

  bt_test_tracker_allow (fixture->tracker, fixture->info_hash, &error);
  g_assert_no_error (error);
}

/* Auxiliary functions: the tracker */

/* The number of seeders the tracker counts for the torrent (from a scrape,
 * which, unlike an announce, adds nobody to the swarm), or -1 when it
 * does not say. */
static gint64
tracker_seeders (Fixture *fixture)
{
  g_autoptr(GString) url = g_string_new (NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(BtBencode) reply = NULL;
  BtBencode *files;
  BtBencode *complete;

  g_string_printf (url, "http://127.0.0.1:%u/scrape?info_hash=",
                   bt_test_tracker_get_port (fixture->tracker));
  for (guint i = 0; i < 40; i += 2)
    g_string_append_printf (url, "%%%c%c", fixture->info_hash[i], fixture->info_hash[i + 1]);

  message = soup_message_new ("GET", url->str);
  body = soup_session_send_and_read (session, message, NULL, NULL);
  if (body == NULL || soup_message_get_status (message) != SOUP_STATUS_OK)
    return -1;
  reply = bt_bencode_decode (body, NULL, NULL);
  if (reply == NULL)
    return -1;
  files = bt_bencode_dict_lookup_type (reply, "files", BT_BENCODE_DICT);
  if (files == NULL || bt_bencode_get_length (files) != 1)
    return -1;
  complete = bt_bencode_dict_lookup_type (bt_bencode_dict_get_value (files, 0), "complete",
                                          BT_BENCODE_INTEGER);
  return complete != NULL ? bt_bencode_get_integer (complete) : -1;
}

/* Waits until the tracker lists @n seeders. Our client announces once at
 * start and then not again for a minute (the announcer's floor), so it
 * must find every seeder in its first answer, not in a later one. */
static void
wait_tracker_seeders (Fixture *fixture,
                      gint64   n)
{
  gint64 deadline = g_get_monotonic_time () + SEEDERS_TIMEOUT_S * G_USEC_PER_SEC;
  gint64 seen;

  while ((seen = tracker_seeders (fixture)) < n && g_get_monotonic_time () < deadline)
    g_usleep (POLL_MS * 1000);
  g_test_message ("the tracker lists %" G_GINT64_FORMAT " seeders of %s", seen,
                  fixture->info_hash);
  g_assert_cmpint (seen, >=, n);
}

/* Auxiliary functions: our client */


/* SIGTERM, then SIGKILL after a grace period, to our client only. */
static void
stop_cli (GSubprocess *process)
{
  bt_test_stop_process (process, "btorrent-cli", CLI_STOP_GRACE_MS);
}

static char *
read_text (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static const char *
tail (const char *text)
{
  gsize length = strlen (text);

  return length <= LOG_TAIL_BYTES ? text : text + length - LOG_TAIL_BYTES;
}

/* Runs `btorrent-cli download @torrent -o OUT --port N` with @env (pairs of
 * name and value, %NULL-terminated; may be %NULL) added to its
 * environment, waits for it to exit, and asserts that it exited 0 saying
 * the torrent is complete. Its output goes to files so that no pipe can
 * fill up and stall it, however much it logs. */
static void
run_download (Fixture            *fixture,
              const char         *torrent,
              const char * const *env,
              CliResult          *result)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out_path = g_build_filename (fixture->tmp, "cli-stdout.txt", NULL);
  g_autofree char *err_path = g_build_filename (fixture->tmp, "cli-stderr.txt", NULL);
  /* It announces this port; nothing listens there, since our client does
   * not accept connections yet, so a free one keeps the seeders that
   * dial it from reaching some other program. */
  g_autofree char *port = g_strdup_printf ("%u", bt_test_free_port (FALSE));
  const char *argv[] = {
    cli_path (), "download", torrent, "-o", fixture->out_dir, "--port", port, NULL
  };
  gint64 started;
  gboolean exited;
  gboolean ok;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  bt_test_launcher_tie_to_parent (launcher);
  for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);

  {
    g_autofree char *cmd = g_strjoinv (" ", (char **) argv);
    g_test_message ("running: %s", cmd);
  }

  started = g_get_monotonic_time ();
  g_assert_null (fixture->cli);
  fixture->cli = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);

  exited = bt_test_wait_for_exit (fixture->cli, DOWNLOAD_TIMEOUT_S * 1000);
  result->seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  if (!exited)
    stop_cli (fixture->cli);

  result->out = read_text (out_path);
  result->err = read_text (err_path);
  ok = exited && g_subprocess_get_if_exited (fixture->cli)
       && g_subprocess_get_exit_status (fixture->cli) == 0
       && strstr (result->out, ": complete,") != NULL;
  if (!ok || g_test_verbose ())
    {
      g_autofree char *how = NULL;

      if (g_subprocess_get_if_exited (fixture->cli))
        how = g_strdup_printf ("exit status %d", g_subprocess_get_exit_status (fixture->cli));
      else
        how = g_strdup_printf ("killed by signal %d", g_subprocess_get_term_sig (fixture->cli));
      g_test_message ("btorrent-cli %s after %.1f s (%s)\n--- stdout ---\n%s"
                      "--- stderr (end) ---\n%s",
                      exited ? "exited" : "timed out and was stopped", result->seconds, how,
                      result->out, tail (result->err));
    }
  else
    g_test_message ("btorrent-cli exited 0 after %.1f s: %s", result->seconds, result->out);

  g_assert_true (exited);
  g_assert_true (g_subprocess_get_if_exited (fixture->cli));
  g_assert_cmpint (g_subprocess_get_exit_status (fixture->cli), ==, 0);
  g_assert_nonnull (strstr (result->out, ": complete,"));
  g_clear_object (&fixture->cli);
}

/* Keeps @seeder (transfer full; %NULL when the program is missing and the
 * test skipped) for the teardown, and returns it. */
static BtTestClient *
keep_seeder (Fixture      *fixture,
             BtTestClient *seeder)
{
  if (seeder != NULL)
    g_ptr_array_add (fixture->seeders, seeder);
  return seeder;
}

/* The number of 16 KiB blocks (the last of a piece may be shorter) in
 * @torrent: what a downloader requests. */
static guint
count_blocks (const char *torrent)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = bt_metainfo_new_from_file (torrent, &error);
  guint64 total;
  guint32 piece_length;
  guint n = 0;

  g_assert_no_error (error);
  total = bt_metainfo_get_total_size (meta);
  piece_length = bt_metainfo_get_piece_length (meta);
  for (guint64 offset = 0; offset < total; offset += piece_length)
    n += (guint) ((MIN (piece_length, total - offset) + BLOCK_SIZE - 1) / BLOCK_SIZE);
  return n;
}

/* The number of distinct blocks an aria2c seeder sent, from its info log
 * ("CUID#7 - To: 127.0.0.1:40000 piece index=3, begin=16384, length=16384"
 * in aria2 1.36); a block sent twice, as in endgame, counts once. */
static guint
count_aria2_blocks_sent (const char *log)
{
  g_autoptr(GRegex) regex = g_regex_new (" - To: \\S+ piece index=(\\d+), begin=(\\d+),",
                                         G_REGEX_OPTIMIZE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GHashTable) blocks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_nonnull (regex);
  g_regex_match (regex, log, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *index = g_match_info_fetch (match, 1);
      g_autofree char *begin = g_match_info_fetch (match, 2);

      g_hash_table_add (blocks, g_strdup_printf ("%s:%s", index, begin));
      g_match_info_next (match, NULL);
    }
  return g_hash_table_size (blocks);
}

/* Fixture */

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmp = bt_test_make_tmpdir ();
  fixture->seed_dir = g_build_filename (fixture->tmp, "seed", NULL);
  fixture->out_dir = g_build_filename (fixture->tmp, "out", NULL);
  fixture->torrent = g_build_filename (fixture->tmp, "swarm.torrent", NULL);
  fixture->seeders = g_ptr_array_new ();
  g_assert_cmpint (g_mkdir_with_parents (fixture->seed_dir, 0755), ==, 0);

  /* The tracker first, so the torrent can name its port; the info-hash is
   * allowed once the torrent exists. */
  fixture->tracker = bt_test_tracker_start (NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  /* Our client and the seeders before the tracker, so that their
   * "stopped" reaches it; each by its own PID. */
  stop_cli (fixture->cli);
  g_clear_object (&fixture->cli);
  for (guint i = 0; i < fixture->seeders->len; i++)
    bt_test_client_stop (g_ptr_array_index (fixture->seeders, i));
  g_ptr_array_unref (fixture->seeders);
  g_clear_pointer (&fixture->tracker, bt_test_tracker_stop);

  bt_test_remove_tree (fixture->tmp);
  g_free (fixture->tmp);
  g_free (fixture->seed_dir);
  g_free (fixture->source);
  g_free (fixture->out_dir);
  g_free (fixture->downloaded);
  g_free (fixture->torrent);
  g_free (fixture->info_hash);
}

/* Tests */

/* aria2c seeds a single file whose size is not a multiple of the piece
 * length; the tracker is reached over HTTP. */
static void
test_aria2_http_single (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) result = { 0 };
  BtTestClient *seeder;

  if (fixture->tracker == NULL)
    return;

  make_swarm_torrent (fixture, PAYLOAD_SINGLE, bt_test_tracker_get_http_url (fixture->tracker));
  seeder = bt_test_aria2_seed (fixture->torrent, fixture->seed_dir, FALSE, &error);
  g_assert_no_error (error);
  if (keep_seeder (fixture, seeder) == NULL)
    return;
  wait_tracker_seeders (fixture, 1);

  run_download (fixture, fixture->torrent, NULL, &result);
  g_assert_true (bt_test_files_equal (fixture->source, fixture->downloaded));
}

/* aria2c seeds the multi-file payload; the tracker is reached over UDP
 * (BEP 15) by both, aria2 through its DHT socket. */
static void
test_aria2_udp_multi (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) result = { 0 };
  BtTestClient *seeder;

  if (fixture->tracker == NULL)
    return;

  make_swarm_torrent (fixture, PAYLOAD_MULTI, bt_test_tracker_get_udp_url (fixture->tracker));
  seeder = bt_test_aria2_seed (fixture->torrent, fixture->seed_dir, TRUE, &error);
  g_assert_no_error (error);
  if (keep_seeder (fixture, seeder) == NULL)
    return;
  wait_tracker_seeders (fixture, 1);

  run_download (fixture, fixture->torrent, NULL, &result);
  /* Strict: our client creates the empty file too. */
  g_assert_true (bt_test_files_equal (fixture->source, fixture->downloaded));
}

/* transmission-daemon checks and seeds the multi-file payload over HTTP.
 * It never dials peers on loopback, so this also shows our client dialing
 * the peers the tracker lists. */
static void
test_transmission_http_multi (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) result = { 0 };
  BtTestClient *seeder;

  if (fixture->tracker == NULL)
    return;

  make_swarm_torrent (fixture, PAYLOAD_MULTI, bt_test_tracker_get_http_url (fixture->tracker));
  seeder = bt_test_transmission_seed (fixture->torrent, fixture->seed_dir, &error);
  g_assert_no_error (error);
  if (keep_seeder (fixture, seeder) == NULL)
    return;
  wait_tracker_seeders (fixture, 1);

  run_download (fixture, fixture->torrent, NULL, &result);
  /* Strict even though Transmission never wrote the empty file: it was in
   * the source, and our client must create it. */
  g_assert_true (bt_test_files_equal (fixture->source, fixture->downloaded));
}

/* Both seed the same torrent and our client downloads from both at once.
 * aria2 binds 127.0.0.2: a seeding Transmission refuses an address where
 * it has seen another seed, which would otherwise be 127.0.0.1, ours.
 *
 * Unlimited, aria2 would serve the whole payload in a fraction of a second,
 * long before Transmission's first choke round ends; capped, it would take
 * half a minute alone, so Transmission has to send part of it. aria2 logs
 * every block it sends, so the test can tell that both did. */
static void
test_both_seed_multi (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) result = { 0 };
  const char *aria2_args[] = { "--max-upload-limit=" ARIA2_UPLOAD_LIMIT, NULL };
  BtTestAria2Options aria2 = { .seed = TRUE, .address = "127.0.0.2", .extra_args = aria2_args };
  BtTestClient *seeder;
  BtTestClient *aria2_seeder;
  g_autofree char *aria2_log = NULL;
  guint n_blocks;
  guint from_aria2;

  if (fixture->tracker == NULL)
    return;

  make_swarm_torrent (fixture, PAYLOAD_MULTI, bt_test_tracker_get_http_url (fixture->tracker));
  seeder = bt_test_transmission_seed (fixture->torrent, fixture->seed_dir, &error);
  g_assert_no_error (error);
  if (keep_seeder (fixture, seeder) == NULL)
    return;
  aria2_seeder = bt_test_aria2_start (fixture->torrent, fixture->seed_dir, &aria2, &error);
  g_assert_no_error (error);
  if (keep_seeder (fixture, aria2_seeder) == NULL)
    return;
  wait_tracker_seeders (fixture, 2);

  run_download (fixture, fixture->torrent, NULL, &result);
  g_assert_true (bt_test_files_equal (fixture->source, fixture->downloaded));

  /* aria2 sent some blocks but not all of them: every block is in the
   * verified result, and Transmission is the only other peer. */
  n_blocks = count_blocks (fixture->torrent);
  aria2_log = bt_test_client_get_log (aria2_seeder);
  from_aria2 = count_aria2_blocks_sent (aria2_log);
  g_test_message ("aria2 sent %u of the %u blocks, Transmission the rest", from_aria2, n_blocks);
  g_assert_cmpuint (from_aria2, >, 0);
  g_assert_cmpuint (from_aria2, <, n_blocks);
}

/* A UDP socket on 127.0.0.1 that receives and never answers: a tracker
 * that is up but silent, so only our client's retries and timeout get it
 * past that tier (a closed port is noticed at once, from the ICMP reply). */
static GSocket *
silent_udp_tracker (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                         G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_socket_bind (udp, any_port, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (udp, FALSE);
  return g_steal_pointer (&udp);
}

static guint16
socket_port (GSocket *udp)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (udp, NULL);

  g_assert_nonnull (address);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

/* Drains @udp and returns how many datagrams had arrived. */
static guint
count_datagrams (GSocket *udp)
{
  guint n = 0;

  for (;;)
    {
      guint8 buffer[2048];
      g_autoptr(GError) error = NULL;

      if (g_socket_receive (udp, (char *) buffer, sizeof buffer, NULL, &error) < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          return n;
        }
      n++;
    }
}

/* The torrent our client gets lists three dead tiers before the real
 * tracker: a UDP tracker that never answers, a UDP port where nothing
 * listens, and an HTTP port that is closed. BEP 12 walks the tiers in
 * order, so the download only completes if the announcer fails over. The
 * seeder gets a torrent naming only the real tracker (the info-hash is the
 * same), so that its own failover plays no part. */
static void
test_dead_tiers_failover (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(CliResult) result = { 0 };
  g_autoptr(GSocket) silent = silent_udp_tracker ();
  g_autofree char *silent_udp = g_strdup_printf ("udp://127.0.0.1:%u/announce",
                                                 socket_port (silent));
  g_autofree char *closed_udp = g_strdup_printf ("udp://127.0.0.1:%u/announce",
                                                 bt_test_free_port (TRUE));
  g_autofree char *closed_http = g_strdup_printf ("http://127.0.0.1:%u/announce",
                                                  bt_test_free_port (FALSE));
  g_autofree char *edge_torrent = g_build_filename (fixture->tmp, "dead-tiers.torrent", NULL);
  g_autofree char *edge_hash = NULL;
  g_autofree char *log = NULL;
  const char *urls[5] = { silent_udp, closed_udp, closed_http, NULL, NULL };
  /* Our UDP tracker client retries after 200 ms, not BEP 15's 15 s, and
   * says which trackers it tried. */
  const char *env[] = {
    "BT_UDP_TRACKER_BASE_TIMEOUT_MS", UDP_BASE_TIMEOUT_MS,
    "G_MESSAGES_DEBUG", "bt-announcer",
    NULL
  };
  BtTestClient *seeder;
  guint n_sent;

  if (fixture->tracker == NULL)
    return;

  make_swarm_torrent (fixture, PAYLOAD_SINGLE, bt_test_tracker_get_http_url (fixture->tracker));
  urls[3] = bt_test_tracker_get_http_url (fixture->tracker);
  edge_hash = bt_test_create_torrent (fixture->source, urls, 256 * 1024, edge_torrent, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (edge_hash, ==, fixture->info_hash);

  seeder = bt_test_aria2_seed (fixture->torrent, fixture->seed_dir, FALSE, &error);
  g_assert_no_error (error);
  if (keep_seeder (fixture, seeder) == NULL)
    return;
  wait_tracker_seeders (fixture, 1);

  run_download (fixture, edge_torrent, env, &result);
  g_assert_true (bt_test_files_equal (fixture->source, fixture->downloaded));

  /* The silent tracker heard the first "connect" and its retransmissions
   * (BEP 15), at least one of them. */
  n_sent = count_datagrams (silent);
  g_test_message ("the silent UDP tracker received %u datagrams", n_sent);
  g_assert_cmpuint (n_sent, >=, 2);

  /* It did try the other dead tiers too (the announcer logs each attempt
   * with its URL; GLib writes debug messages to stdout), so the test shows
   * failover, not a tracker list read from the end. */
  log = g_strconcat (result.out, result.err, NULL);
  g_assert_nonnull (strstr (log, closed_udp));
  g_assert_nonnull (strstr (log, closed_http));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/interop/download/aria2-http-single", Fixture, NULL, fixture_setup,
              test_aria2_http_single, fixture_teardown);
  g_test_add ("/interop/download/aria2-udp-multi", Fixture, NULL, fixture_setup,
              test_aria2_udp_multi, fixture_teardown);
  g_test_add ("/interop/download/transmission-http-multi", Fixture, NULL, fixture_setup,
              test_transmission_http_multi, fixture_teardown);
  g_test_add ("/interop/download/both-seed-multi", Fixture, NULL, fixture_setup,
              test_both_seed_multi, fixture_teardown);
  g_test_add ("/interop/download/dead-tiers-failover", Fixture, NULL, fixture_setup,
              test_dead_tiers_failover, fixture_teardown);

  return g_test_run ();
}
