/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * btorrent-cli seeds to real clients on loopback: transmission-daemon and
 * aria2c download from `btorrent-cli seed` through opentracker (over HTTP
 * and UDP), a swarm of our own clients (one seeder, three downloaders that
 * keep seeding) finishes with the downloaders trading among themselves,
 * and a seeder whose data has a bad byte never serves that piece.
 *
 * Our client runs as a user runs it, a GSubprocess of btorrent-cli; the
 * other programs come from tests/support/bt-swarm.h (proved by
 * tests/engine/test-swarm-harness.c). See ../shared/INTEROP.md for why
 * they are started the way they are; two facts shape the order of steps
 * here: Transmission never dials a peer on 127.x, so it must be in the
 * tracker's list before our seeder announces (our seeder dials the peers
 * it is given, and does not ask the tracker again for a minute), while
 * aria2 re-announces every second and dials us, so it may come after.
 */
#define G_LOG_DOMAIN "test-seed-interop"

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bt-bencode.h"
#include "bt-metainfo.h"
#include "bt-swarm.h"
#include "bt-test-util.h"

/* Seconds one download of a few MB may take: the transfer is well under a
 * second on loopback, the rest is start-up and the other client's 10 s
 * choke rounds. */
#define DOWNLOAD_TIMEOUT_S 60

/* Seconds our client may take to check its data and start seeding, and
 * the tracker to list a peer that has started (each announces at once). */
#define START_TIMEOUT_S 30

/* How often a condition we wait for (a line of output, a count at the
 * tracker, a line in aria2's log) is looked at again. None of these can
 * tell us when they change, so they are polled. */
#define POLL_MS 50

/* Seconds a downloader's "completed" may take to reach the tracker: it
 * goes out at once. */
#define COMPLETED_TIMEOUT_S 10

/* Between SIGTERM and SIGKILL for our client: it tells the tracker
 * "stopped" on the way out, which the announcer bounds at 5 s. */
#define CLI_STOP_GRACE_MS 8000

/* The request size of every BitTorrent client. */
#define BLOCK_SIZE (16 * 1024)

/* The swarm case: 24 MiB and a bit in 256 KiB pieces, ~100 pieces: big
 * enough that the seeder cannot hand out every piece to everyone before
 * the downloaders serve one another, small enough to take a second or two
 * on loopback. */
#define SWARM_PAYLOAD_SIZE (24 * 1024 * 1024 + 4321)
#define SWARM_PIECE_LENGTH (256 * 1024)
#define SWARM_DOWNLOADERS 3

/* The swarm case: the seeder may upload less than this many copies of the
 * payload. Three downloaders that only took from the seeder would need
 * three; any less came from the downloaders themselves. */
#define SWARM_MAX_SEEDER_COPIES 3

/* The bad-data case: the piece whose byte is flipped, and where in it. */
#define BAD_PIECE 5
#define BAD_OFFSET_IN_PIECE 777

/* How much of a log goes into the test log on a failure. */
#define LOG_TAIL_BYTES 6000

typedef enum
{
  PAYLOAD_SINGLE,
  PAYLOAD_MULTI,
  PAYLOAD_SWARM,
} PayloadKind;

/* One btorrent-cli process, its output in files so that no pipe can fill
 * up and stall it however much it logs (G_MESSAGES_DEBUG=all in the
 * environment passes on to it, for a look at a failure). */
typedef struct
{
  char        *name;
  GSubprocess *process;
  char        *out_path;
  char        *err_path;
  guint16      port;  /* the port it listens on and announces */
} Cli;

typedef struct
{
  char          *tmp;
  char          *seed_dir;   /* holds the payload under its name */
  char          *source;     /* seed_dir/NAME */
  char          *name;
  char          *torrent;
  char          *info_hash;
  guint32        piece_length;
  guint64        total_size;
  BtTestTracker *tracker;    /* NULL when the test is skipped */
  GPtrArray     *clis;       /* Cli, stopped at teardown */
  GPtrArray     *clients;    /* BtTestClient, stopped at teardown */
  gint64         started_us;
} Fixture;

/* The totals our client prints when it stops. */
typedef struct
{
  guint64 uploaded;
  guint64 downloaded;
} CliTotals;

/* Auxiliary functions: payloads and torrents */

static const char *
cli_path (void)
{
  const char *path = g_getenv ("BTORRENT_CLI");

  g_assert_nonnull (path);
  return path;
}

/* Writes the payload under fixture->seed_dir. Every shape has sizes that
 * are not multiples of the piece length; the multi-file one has nested
 * folders, an empty file, several files inside one piece, and a file of
 * exactly one piece. */
static void
write_payload (Fixture    *fixture,
               PayloadKind kind)
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
    { "z/deeper/still/one-piece.bin", 64 * 1024 },
  };

  switch (kind)
    {
    case PAYLOAD_SINGLE:
      fixture->name = g_strdup ("single.bin");
      fixture->source = g_build_filename (fixture->seed_dir, fixture->name, NULL);
      bt_test_write_random_file (fixture->source, 3 * 1024 * 1024 + 1234, 301);
      fixture->piece_length = 256 * 1024;
      break;

    case PAYLOAD_MULTI:
      fixture->name = g_strdup ("multi");
      fixture->source = g_build_filename (fixture->seed_dir, fixture->name, NULL);
      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        {
          g_autofree char *path = g_build_filename (fixture->source, files[i].path, NULL);

          bt_test_write_random_file (path, files[i].length, 400 + i);
        }
      fixture->piece_length = 64 * 1024;
      break;

    case PAYLOAD_SWARM:
    default:
      fixture->name = g_strdup ("swarm.bin");
      fixture->source = g_build_filename (fixture->seed_dir, fixture->name, NULL);
      bt_test_write_random_file (fixture->source, SWARM_PAYLOAD_SIZE, 501);
      fixture->piece_length = SWARM_PIECE_LENGTH;
      break;
    }
}

/* Writes a payload and a torrent of it that announces to @tracker_url
 * only, and lets the tracker track it. */
static void
make_torrent (Fixture    *fixture,
              PayloadKind kind,
              const char *tracker_url)
{
  const char *urls[] = { tracker_url, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;

  write_payload (fixture, kind);
  fixture->info_hash = bt_test_create_torrent (fixture->source, urls, fixture->piece_length,
                                               fixture->torrent, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->info_hash);

  meta = bt_metainfo_new_from_file (fixture->torrent, &error);
  g_assert_no_error (error);
  fixture->total_size = bt_metainfo_get_total_size (meta);
  g_assert_cmpuint (bt_metainfo_get_piece_length (meta), ==, fixture->piece_length);
  g_assert_cmpuint (fixture->total_size % fixture->piece_length, !=, 0);

  bt_test_tracker_allow (fixture->tracker, fixture->info_hash, &error);
  g_assert_no_error (error);
}

static guint
n_pieces (Fixture *fixture)
{
  return (guint) ((fixture->total_size + fixture->piece_length - 1) / fixture->piece_length);
}

static char *
make_dir (Fixture    *fixture,
          const char *name)
{
  char *dir = g_build_filename (fixture->tmp, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
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

/* Auxiliary functions: the tracker */

/* The tracker's counts of seeders and leechers of the torrent, from a
 * scrape (which, unlike an announce, adds nobody to the swarm). FALSE
 * when it does not say. */
static gboolean
tracker_scrape (Fixture *fixture,
                gint64  *complete,
                gint64  *incomplete)
{
  g_autoptr(GString) url = g_string_new (NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(BtBencode) reply = NULL;
  BtBencode *files;
  BtBencode *stats;
  BtBencode *value;

  g_string_printf (url, "http://127.0.0.1:%u/scrape?info_hash=",
                   bt_test_tracker_get_port (fixture->tracker));
  for (guint i = 0; i < 40; i += 2)
    g_string_append_printf (url, "%%%c%c", fixture->info_hash[i], fixture->info_hash[i + 1]);

  message = soup_message_new ("GET", url->str);
  body = soup_session_send_and_read (session, message, NULL, NULL);
  if (body == NULL || soup_message_get_status (message) != SOUP_STATUS_OK)
    return FALSE;
  reply = bt_bencode_decode (body, NULL, NULL);
  if (reply == NULL)
    return FALSE;
  files = bt_bencode_dict_lookup_type (reply, "files", BT_BENCODE_DICT);
  if (files == NULL || bt_bencode_get_length (files) != 1)
    return FALSE;
  stats = bt_bencode_dict_get_value (files, 0);
  value = bt_bencode_dict_lookup_type (stats, "complete", BT_BENCODE_INTEGER);
  *complete = value != NULL ? bt_bencode_get_integer (value) : -1;
  value = bt_bencode_dict_lookup_type (stats, "incomplete", BT_BENCODE_INTEGER);
  *incomplete = value != NULL ? bt_bencode_get_integer (value) : -1;
  return TRUE;
}

/* Waits up to @timeout_s until the tracker lists exactly @complete
 * seeders and @incomplete leechers (-1: any number); returns whether it
 * does. */
static gboolean
tracker_reaches (Fixture *fixture,
                 gint64   complete,
                 gint64   incomplete,
                 guint    timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  gint64 seeds = -1;
  gint64 leeches = -1;
  gboolean reached;

  for (;;)
    {
      if (!tracker_scrape (fixture, &seeds, &leeches))
        seeds = leeches = -1;
      reached = seeds == complete && (incomplete < 0 || leeches == incomplete);
      if (reached || g_get_monotonic_time () > deadline)
        break;
      g_usleep (POLL_MS * 1000);
    }
  g_test_message ("the tracker lists %" G_GINT64_FORMAT " seeders and %" G_GINT64_FORMAT
                  " leechers%s", seeds, leeches,
                  reached ? "" : " (not what the test waited for)");
  return reached;
}

static void
wait_tracker (Fixture *fixture,
              gint64   complete,
              gint64   incomplete)
{
  g_assert_true (tracker_reaches (fixture, complete, incomplete, START_TIMEOUT_S));
}

/* Auxiliary functions: our client */


static char *
cli_get_out (Cli *cli)
{
  return read_text (cli->out_path);
}

/* Puts what @cli printed into the test log. */
static void
cli_dump (Cli *cli)
{
  g_autofree char *out = read_text (cli->out_path);
  g_autofree char *err = read_text (cli->err_path);

  g_test_message ("%s (%s):\n--- stdout (end) ---\n%s--- stderr (end) ---\n%s", cli->name,
                  g_subprocess_get_identifier (cli->process) != NULL ? "running" : "exited",
                  tail (out), tail (err));
}

/* Starts `btorrent-cli @command @torrent @dir_option @dir --bind 127.0.0.1
 * --port @port` and then @extra (may be %NULL). Our client listens on
 * loopback only, as everything in the tests. The fixture keeps it and
 * stops it at teardown. */
static Cli *
cli_start (Fixture            *fixture,
           const char         *name,
           const char         *command,
           const char         *dir,
           guint16             port,
           const char * const *extra)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cmd = NULL;
  Cli *cli = g_new0 (Cli, 1);

  cli->name = g_strdup (name);
  cli->port = port;
  cli->out_path = g_strdup_printf ("%s/%s-stdout.txt", fixture->tmp, name);
  cli->err_path = g_strdup_printf ("%s/%s-stderr.txt", fixture->tmp, name);

  g_ptr_array_add (argv, g_strdup (cli_path ()));
  g_ptr_array_add (argv, g_strdup (command));
  g_ptr_array_add (argv, g_strdup (fixture->torrent));
  g_ptr_array_add (argv, g_strdup (g_str_equal (command, "seed") ? "-d" : "-o"));
  g_ptr_array_add (argv, g_strdup (dir));
  g_ptr_array_add (argv, g_strdup ("--bind"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("--port"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", port));
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra[i]));
  g_ptr_array_add (argv, NULL);

  cmd = g_strjoinv (" ", (char **) argv->pdata);
  g_test_message ("%s: %s", name, cmd);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_stdout_file_path (launcher, cli->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, cli->err_path);
  bt_test_launcher_tie_to_parent (launcher);
  cli->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                               &error);
  g_assert_no_error (error);
  g_ptr_array_add (fixture->clis, cli);
  return cli;
}

/* Waits up to @timeout_s for @needle in what @cli printed on stdout.
 * Returns FALSE (with its output in the test log) when it exits or the
 * time runs out first. */
static gboolean
cli_wait_output (Cli        *cli,
                 const char *needle,
                 guint       timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *out = cli_get_out (cli);
      gboolean exited;

      if (strstr (out, needle) != NULL)
        return TRUE;
      exited = g_subprocess_get_identifier (cli->process) == NULL;
      if (exited || g_get_monotonic_time () > deadline)
        {
          /* One last look: it may have printed the line and exited. */
          g_free (out);
          out = cli_get_out (cli);
          if (strstr (out, needle) != NULL)
            return TRUE;
          g_test_message ("%s %s before printing “%s”", cli->name,
                          exited ? "exited" : "timed out", needle);
          cli_dump (cli);
          return FALSE;
        }
      g_usleep (POLL_MS * 1000);
    }
}

/* Stops @cli the way Ctrl+C does: SIGTERM, which makes it announce
 * "stopped"; SIGKILL only if it does not exit within the grace period.
 * Returns whether it exited on its own. */
static gboolean
cli_stop (Cli *cli)
{
  gboolean clean = bt_test_stop_process (cli->process, cli->name, CLI_STOP_GRACE_MS);

  if (!clean)
    cli_dump (cli);
  return clean;
}

/* Stops a seeding @cli and asserts that it exits 0, as it does when it
 * was seeding. */
static void
cli_stop_seeding (Cli *cli)
{
  gboolean clean = cli_stop (cli);

  if (!clean || !g_subprocess_get_if_exited (cli->process)
      || g_subprocess_get_exit_status (cli->process) != 0)
    cli_dump (cli);
  g_assert_true (clean);
  g_assert_true (g_subprocess_get_if_exited (cli->process));
  g_assert_cmpint (g_subprocess_get_exit_status (cli->process), ==, 0);
}

static void
cli_free (Cli *cli)
{
  cli_stop (cli);
  g_object_unref (cli->process);
  g_free (cli->name);
  g_free (cli->out_path);
  g_free (cli->err_path);
  g_free (cli);
}

/* What our client says it sent and received, in the line it prints when
 * it stops ("NAME: uploaded N bytes (…), downloaded M bytes (…)"). */
static void
cli_get_totals (Fixture   *fixture,
                Cli       *cli,
                CliTotals *totals)
{
  g_autofree char *out = cli_get_out (cli);
  g_autofree char *pattern = g_strdup_printf ("^%s: uploaded (\\d+) bytes \\(.*\\), "
                                              "downloaded (\\d+) bytes \\(.*\\)$",
                                              fixture->name);
  g_autoptr(GRegex) regex = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *uploaded = NULL;
  g_autofree char *downloaded = NULL;

  g_assert_nonnull (regex);
  if (!g_regex_match (regex, out, 0, &match))
    cli_dump (cli);
  g_assert_true (g_match_info_matches (match));
  uploaded = g_match_info_fetch (match, 1);
  downloaded = g_match_info_fetch (match, 2);
  g_assert_true (g_ascii_string_to_unsigned (uploaded, 10, 0, G_MAXUINT64, &totals->uploaded,
                                             NULL));
  g_assert_true (g_ascii_string_to_unsigned (downloaded, 10, 0, G_MAXUINT64,
                                             &totals->downloaded, NULL));
}

/* Starts `btorrent-cli seed` on the fixture's payload with --port 0, waits
 * until it has checked the data, asserts that all of it verified, and
 * learns the port it picked from what it prints. */
static Cli *
start_seeder (Fixture *fixture)
{
  g_autofree char *expected = g_strdup_printf ("%s: all %u pieces verified; seeding on port ",
                                               fixture->name, n_pieces (fixture));
  g_autofree char *out = NULL;
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *port = NULL;
  Cli *cli = cli_start (fixture, "seeder", "seed", fixture->seed_dir, 0, NULL);
  guint64 number = 0;

  g_assert_true (cli_wait_output (cli, "\n", START_TIMEOUT_S));
  out = cli_get_out (cli);
  if (!g_str_has_prefix (out, expected))
    cli_dump (cli);
  g_assert_true (g_str_has_prefix (out, expected));

  regex = g_regex_new ("seeding on port (\\d+)\\n", 0, 0, NULL);
  g_assert_true (g_regex_match (regex, out, 0, &match));
  port = g_match_info_fetch (match, 1);
  g_assert_true (g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &number, NULL));
  cli->port = (guint16) number;
  g_test_message ("the seeder is checked and listens on port %u", cli->port);
  return cli;
}

/* Stops our seeder and asserts that it exits 0 and that its "stopped"
 * reached the tracker, which then lists one seeder fewer. */
static void
stop_seeder_announced (Fixture *fixture,
                       Cli     *seeder)
{
  gint64 seeds = -1;
  gint64 leeches = -1;

  g_assert_true (tracker_scrape (fixture, &seeds, &leeches));
  g_assert_cmpint (seeds, >=, 1);
  cli_stop_seeding (seeder);
  wait_tracker (fixture, seeds - 1, -1);
}

/* Asserts that a stopped seeder with one downloader says it sent the
 * payload at least once (more when a block went out twice) and received
 * nothing. */
static void
assert_served_payload (Fixture *fixture,
                       Cli     *seeder)
{
  CliTotals totals;

  cli_get_totals (fixture, seeder, &totals);
  g_test_message ("the seeder sent %" G_GUINT64_FORMAT " bytes of a %" G_GUINT64_FORMAT
                  "-byte payload", totals.uploaded, fixture->total_size);
  g_assert_cmpuint (totals.uploaded, >=, fixture->total_size);
  g_assert_cmpuint (totals.downloaded, ==, 0);
}

/* Keeps @client (transfer full) for the teardown and returns it, or
 * returns %NULL when it could not start because the program is missing
 * (the test is then skipped). */
static BtTestClient *
keep_client (Fixture      *fixture,
             BtTestClient *client,
             GError       *error)
{
  g_assert_no_error (error);
  if (client != NULL)
    g_ptr_array_add (fixture->clients, client);
  return client;
}

/* Stops @client now instead of at teardown (Transmission must stop before
 * its files are compared: it may still hold written blocks). */
static void
stop_client (Fixture      *fixture,
             BtTestClient *client)
{
  g_assert_true (g_ptr_array_remove (fixture->clients, client));
}

/* Auxiliary functions: aria2's log */

/* The distinct blocks aria2 received, from its info log ("CUID#7 - From:
 * 127.0.0.1:40000 piece index=3, begin=16384, length=16384" in aria2
 * 1.36), as "INDEX:BEGIN"; a block received twice counts once. */
static GHashTable *
aria2_blocks_received (const char *log)
{
  g_autoptr(GRegex) regex = g_regex_new (" - From: \\S+ piece index=(\\d+), begin=(\\d+),",
                                         G_REGEX_OPTIMIZE, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GHashTable *blocks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_nonnull (regex);
  g_regex_match (regex, log, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *index = g_match_info_fetch (match, 1);
      g_autofree char *begin = g_match_info_fetch (match, 2);

      g_hash_table_add (blocks, g_strdup_printf ("%s:%s", index, begin));
      g_match_info_next (match, NULL);
    }
  return blocks;
}

/* Whether aria2 ever sent a request for, or received a block of, @piece. */
static gboolean
aria2_touched_piece (const char *log,
                     guint       piece)
{
  g_autofree char *request = g_strdup_printf (" request index=%u,", piece);
  g_autofree char *block = g_strdup_printf (" piece index=%u,", piece);

  return strstr (log, request) != NULL || strstr (log, block) != NULL;
}

/* Fixture */

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->started_us = g_get_monotonic_time ();
  fixture->tmp = bt_test_make_tmpdir ();
  fixture->seed_dir = g_build_filename (fixture->tmp, "seed", NULL);
  fixture->torrent = g_build_filename (fixture->tmp, "test.torrent", NULL);
  fixture->clis = g_ptr_array_new ();
  fixture->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) bt_test_client_stop);
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
  /* Our clients and the others before the tracker, so that their
   * "stopped" reaches it; each by its own PID. */
  for (guint i = 0; i < fixture->clis->len; i++)
    cli_free (g_ptr_array_index (fixture->clis, i));
  g_ptr_array_unref (fixture->clis);
  g_ptr_array_unref (fixture->clients);
  g_clear_pointer (&fixture->tracker, bt_test_tracker_stop);

  g_test_message ("the case took %.1f s",
                  (g_get_monotonic_time () - fixture->started_us) / (double) G_USEC_PER_SEC);
  bt_test_remove_tree (fixture->tmp);
  g_free (fixture->tmp);
  g_free (fixture->seed_dir);
  g_free (fixture->source);
  g_free (fixture->name);
  g_free (fixture->torrent);
  g_free (fixture->info_hash);
}

/* Tests */

/* transmission-daemon downloads the multi-file payload from our seeder
 * through the HTTP tracker. Transmission only accepts connections on
 * loopback, so our seeder must dial the leecher the tracker lists. */
static void
test_transmission_http_multi (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *leech_dir = NULL;
  g_autofree char *downloaded = NULL;
  BtTestClient *transmission;
  Cli *seeder;
  gint64 started;

  if (fixture->tracker == NULL)
    return;

  make_torrent (fixture, PAYLOAD_MULTI, bt_test_tracker_get_http_url (fixture->tracker));
  leech_dir = make_dir (fixture, "transmission");
  transmission = keep_client (fixture, bt_test_transmission_leech (fixture->torrent, leech_dir,
                                                                   &error), error);
  if (transmission == NULL)
    return;
  /* Transmission is in the list our seeder gets in its first answer. */
  wait_tracker (fixture, 0, 1);

  seeder = start_seeder (fixture);
  started = g_get_monotonic_time ();
  if (!bt_test_client_wait_complete (transmission, DOWNLOAD_TIMEOUT_S, &error))
    cli_dump (seeder);
  g_assert_no_error (error);
  g_test_message ("Transmission completed %.1f s after our seeder started",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  /* Stopped first, so that Transmission has written everything. */
  stop_client (fixture, transmission);
  downloaded = g_build_filename (leech_dir, fixture->name, NULL);
  g_assert_true (bt_test_files_equal_full (fixture->source, downloaded,
                                           BT_TEST_FILES_EQUAL_ALLOW_MISSING_EMPTY));

  /* Our seeder says "stopped" on the way out: the tracker forgets it.
   * (Transmission's own "stopped" may still be on its way.) */
  stop_seeder_announced (fixture, seeder);
  assert_served_payload (fixture, seeder);
}

/* aria2c downloads @kind from our seeder, which it finds through the
 * tracker at @tracker_url and dials, then byte-identical results; our
 * seeder tells the tracker when it stops. */
static void
aria2_downloads (Fixture    *fixture,
                 PayloadKind kind,
                 gboolean    udp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *leech_dir = NULL;
  g_autofree char *downloaded = NULL;
  g_autofree char *log = NULL;
  g_autoptr(GHashTable) blocks = NULL;
  BtTestAria2Options options = { .seed = FALSE, .udp_tracker = udp };
  BtTestClient *aria2;
  Cli *seeder;

  if (fixture->tracker == NULL)
    return;

  make_torrent (fixture, kind, udp ? bt_test_tracker_get_udp_url (fixture->tracker)
                                   : bt_test_tracker_get_http_url (fixture->tracker));
  seeder = start_seeder (fixture);
  wait_tracker (fixture, 1, 0);

  leech_dir = make_dir (fixture, "aria2");
  aria2 = keep_client (fixture, bt_test_aria2_start (fixture->torrent, leech_dir, &options,
                                                     &error), error);
  if (aria2 == NULL)
    return;
  if (!bt_test_client_wait_complete (aria2, DOWNLOAD_TIMEOUT_S, &error))
    cli_dump (seeder);
  g_assert_no_error (error);

  /* Everything came from us: we are its only peer, and it logs what it
   * received. */
  log = bt_test_client_get_log (aria2);
  blocks = aria2_blocks_received (log);
  g_test_message ("aria2 received %u distinct blocks", g_hash_table_size (blocks));
  g_assert_cmpuint (g_hash_table_size (blocks), >=,
                    (fixture->total_size + BLOCK_SIZE - 1) / BLOCK_SIZE);
  if (udp)
    g_assert_nonnull (strstr (log, "UDPT received ANNOUNCE reply"));

  downloaded = g_build_filename (leech_dir, fixture->name, NULL);
  /* Strict: aria2 creates empty files. */
  g_assert_true (bt_test_files_equal (fixture->source, downloaded));

  /* aria2 has exited and said "stopped"; ours is the last seeder, and
   * says "stopped" on the way out. */
  wait_tracker (fixture, 1, 0);
  stop_seeder_announced (fixture, seeder);
  assert_served_payload (fixture, seeder);
}

static void
test_aria2_udp_single (Fixture       *fixture,
                       gconstpointer  data)
{
  aria2_downloads (fixture, PAYLOAD_SINGLE, TRUE);
}

static void
test_aria2_http_multi (Fixture       *fixture,
                       gconstpointer  data)
{
  aria2_downloads (fixture, PAYLOAD_MULTI, FALSE);
}

/* One `btorrent-cli seed` and three `btorrent-cli download --seed`. All
 * finish byte-identical, and the downloaders trade among themselves: the
 * seeder sends fewer than three copies of the payload, each downloader
 * sends at least a piece, and what all of them sent covers the three
 * copies the downloaders received. The counts are those each prints when
 * it stops; that they add up to at least what was needed is the
 * cross-check. */
static void
test_own_swarm (Fixture       *fixture,
                gconstpointer  data)
{
  const char *seed_arg[] = { "--seed", NULL };
  g_autofree char *complete_line = NULL;
  Cli *downloaders[SWARM_DOWNLOADERS];
  char *dirs[SWARM_DOWNLOADERS];
  Cli *seeder;
  CliTotals totals;
  guint64 seeder_uploaded;
  guint64 all_uploaded;
  guint64 all_downloaded = 0;
  gboolean all_seeding;
  gint64 started;

  if (fixture->tracker == NULL)
    return;

  make_torrent (fixture, PAYLOAD_SWARM, bt_test_tracker_get_http_url (fixture->tracker));

  /* The downloaders first: each finds those before it at the tracker and
   * dials them, so they are connected to one another before the seeder
   * comes and every piece they get from it is news to the other two. */
  for (guint i = 0; i < SWARM_DOWNLOADERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("downloader-%u", i + 1);

      dirs[i] = make_dir (fixture, name);
      downloaders[i] = cli_start (fixture, name, "download", dirs[i], bt_test_free_port (FALSE),
                                  seed_arg);
      wait_tracker (fixture, 0, i + 1);
    }

  started = g_get_monotonic_time ();
  seeder = start_seeder (fixture);
  complete_line = g_strdup_printf ("%s: complete, ", fixture->name);
  for (guint i = 0; i < SWARM_DOWNLOADERS; i++)
    g_assert_true (cli_wait_output (downloaders[i], complete_line, DOWNLOAD_TIMEOUT_S));
  g_test_message ("all %u downloaders complete %.1f s after the seeder started",
                  SWARM_DOWNLOADERS,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  for (guint i = 0; i < SWARM_DOWNLOADERS; i++)
    {
      g_autofree char *downloaded = g_build_filename (dirs[i], fixture->name, NULL);

      g_assert_true (bt_test_files_equal (fixture->source, downloaded));
      g_free (dirs[i]);
    }

  /* Four seeders now: each downloader told the tracker "completed" with
   * nothing left. Asserted last, so that a failure here does not hide
   * the rest. */
  all_seeding = tracker_reaches (fixture, 1 + SWARM_DOWNLOADERS, 0, COMPLETED_TIMEOUT_S);

  cli_stop_seeding (seeder);
  cli_get_totals (fixture, seeder, &totals);
  seeder_uploaded = totals.uploaded;
  all_uploaded = totals.uploaded;
  g_test_message ("the seeder sent %" G_GUINT64_FORMAT " bytes (%.2f copies)", totals.uploaded,
                  totals.uploaded / (double) fixture->total_size);
  g_assert_cmpuint (totals.downloaded, ==, 0);

  for (guint i = 0; i < SWARM_DOWNLOADERS; i++)
    {
      cli_stop_seeding (downloaders[i]);
      cli_get_totals (fixture, downloaders[i], &totals);
      g_test_message ("%s sent %" G_GUINT64_FORMAT " bytes (%.2f copies), received %"
                      G_GUINT64_FORMAT, downloaders[i]->name, totals.uploaded,
                      totals.uploaded / (double) fixture->total_size, totals.downloaded);
      g_assert_cmpuint (totals.downloaded, >=, fixture->total_size);
      g_assert_cmpuint (totals.uploaded, >=, fixture->piece_length);
      all_uploaded += totals.uploaded;
      all_downloaded += totals.downloaded;
    }
  /* Each said "stopped" on the way out. */
  wait_tracker (fixture, 0, 0);

  g_assert_cmpuint (seeder_uploaded, <, SWARM_MAX_SEEDER_COPIES * fixture->total_size);
  /* Every byte received was sent by one of the four (a block queued for
   * a peer that hung up counts as sent, never as received). */
  g_assert_cmpuint (all_uploaded, >=, all_downloaded);

  if (!all_seeding)
    g_test_message ("a downloader's \"completed\" announce did not make it a seeder at "
                    "the tracker: did it report left=0?");
  g_assert_true (all_seeding);
}

/* A seeder whose data has one flipped byte says that not every piece
 * verified, and never offers or sends that piece: aria2 gets every other
 * piece from it, never asks for that one, and what it wrote has no bad
 * piece (a missing one is expected). */
static void
test_bad_data_not_served (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *leech_dir = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *log = NULL;
  g_autofree char *verify_out = NULL;
  g_autofree char *verify_err = NULL;
  g_autofree char *total_line = NULL;
  g_autoptr(GHashTable) blocks = NULL;
  CliTotals totals;
  gsize length = 0;
  guint expected_blocks = 0;
  guint pieces;
  gint64 deadline;
  Cli *seeder;
  BtTestClient *aria2;
  int status;

  if (fixture->tracker == NULL)
    return;

  make_torrent (fixture, PAYLOAD_SINGLE, bt_test_tracker_get_http_url (fixture->tracker));
  pieces = n_pieces (fixture);
  g_assert_cmpuint (pieces, >, BAD_PIECE + 1);

  g_file_get_contents (fixture->source, &contents, &length, &error);
  g_assert_no_error (error);
  contents[(gsize) BAD_PIECE * fixture->piece_length + BAD_OFFSET_IN_PIECE] ^= 0x20;
  g_file_set_contents (fixture->source, contents, length, &error);
  g_assert_no_error (error);

  /* Every block of every other piece is what aria2 can get. */
  for (guint i = 0; i < pieces; i++)
    {
      guint64 size = MIN (fixture->piece_length,
                          fixture->total_size - (guint64) i * fixture->piece_length);

      if (i != BAD_PIECE)
        expected_blocks += (guint) ((size + BLOCK_SIZE - 1) / BLOCK_SIZE);
    }

  seeder = cli_start (fixture, "seeder", "seed", fixture->seed_dir, 0, NULL);
  expected = g_strdup_printf ("%s: only %u of %u pieces are on disk and verified",
                              fixture->name, pieces - 1, pieces);
  g_assert_true (cli_wait_output (seeder, expected, START_TIMEOUT_S));
  {
    g_autofree char *out = cli_get_out (seeder);

    g_assert_null (strstr (out, "pieces verified; seeding on port"));
  }
  /* A partial seed is a leecher to the tracker. */
  wait_tracker (fixture, 0, 1);

  leech_dir = make_dir (fixture, "aria2");
  aria2 = keep_client (fixture, bt_test_aria2_leech (fixture->torrent, leech_dir, FALSE,
                                                     &error), error);
  if (aria2 == NULL)
    return;

  /* aria2 cannot complete: wait until it has every block we can give. */
  deadline = g_get_monotonic_time () + DOWNLOAD_TIMEOUT_S * G_USEC_PER_SEC;
  for (;;)
    {
      g_clear_pointer (&log, g_free);
      g_clear_pointer (&blocks, g_hash_table_unref);
      log = bt_test_client_get_log (aria2);
      blocks = aria2_blocks_received (log);
      if (g_hash_table_size (blocks) >= expected_blocks || g_get_monotonic_time () > deadline)
        break;
      g_usleep (POLL_MS * 1000);
    }
  g_test_message ("aria2 received %u distinct blocks of the %u in good pieces",
                  g_hash_table_size (blocks), expected_blocks);
  if (g_hash_table_size (blocks) < expected_blocks)
    {
      g_test_message ("aria2's log (end):\n%s", tail (log));
      cli_dump (seeder);
    }
  g_assert_cmpuint (g_hash_table_size (blocks), ==, expected_blocks);
  /* Never offered, so never asked for nor sent. */
  g_assert_false (aria2_touched_piece (log, BAD_PIECE));

  /* Stopped, aria2 writes what it holds; then our own checker looks. */
  stop_client (fixture, aria2);
  {
    const char *argv[] = { cli_path (), "verify", fixture->torrent, "-d", leech_dir, NULL };

    status = bt_test_spawn_sync (argv, &verify_out, &verify_err);
  }
  g_test_message ("btorrent-cli verify on aria2's folder (status %d):\n%s%s", status,
                  verify_out, verify_err);
  total_line = g_strdup_printf ("Total: %u good, 0 bad, 1 missing of %u pieces", pieces - 1,
                                pieces);
  g_assert_nonnull (strstr (verify_out, total_line));
  g_assert_cmpint (status, ==, 1);

  /* Still a partial seed: stopped by SIGTERM, it exits by itself, having
   * sent every good piece and received nothing (nobody has the bad one). */
  g_assert_true (cli_stop (seeder));
  g_assert_true (g_subprocess_get_if_exited (seeder->process));
  cli_get_totals (fixture, seeder, &totals);
  g_test_message ("the seeder sent %" G_GUINT64_FORMAT " bytes", totals.uploaded);
  g_assert_cmpuint (totals.uploaded, >=, fixture->total_size - fixture->piece_length);
  g_assert_cmpuint (totals.downloaded, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/interop/seed/transmission-http-multi", Fixture, NULL, fixture_setup,
              test_transmission_http_multi, fixture_teardown);
  g_test_add ("/interop/seed/aria2-udp-single", Fixture, NULL, fixture_setup,
              test_aria2_udp_single, fixture_teardown);
  g_test_add ("/interop/seed/aria2-http-multi", Fixture, NULL, fixture_setup,
              test_aria2_http_multi, fixture_teardown);
  g_test_add ("/interop/seed/own-swarm", Fixture, NULL, fixture_setup, test_own_swarm,
              fixture_teardown);
  g_test_add ("/interop/seed/bad-data-not-served", Fixture, NULL, fixture_setup,
              test_bad_data_not_served, fixture_teardown);

  return g_test_run ();
}
