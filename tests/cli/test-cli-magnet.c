/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Trackerless swarms of our own engines: `btorrent-cli download` starts
 * from a bare magnet link and gets the metadata (BEP 9) and then the data
 * from a `btorrent-cli seed`, once told the seeder's address (x.pe), once
 * finding it only through the DHT from one bootstrap node.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "bt-metainfo.h"
#include "bt-swarm.h"
#include "bt-test-util.h"

typedef struct
{
  char       *tmpdir;
  char       *source_dir;
  char       *torrent;
  char       *hex;
  char       *payload_path;
} Fixture;

static const char *
cli (void)
{
  const char *path = g_getenv ("BTORRENT_CLI");

  g_assert_nonnull (path);
  return path;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autofree char *out = NULL;

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->source_dir = g_build_filename (fixture->tmpdir, "seed", NULL);
  fixture->payload_path = g_build_filename (fixture->source_dir, "Album", "track.bin", NULL);
  fixture->torrent = g_build_filename (fixture->tmpdir, "album.torrent", NULL);
  bt_test_write_random_file (fixture->payload_path, 3 * 1024 * 1024 + 17, 5);
  {
    g_autofree char *second = g_build_filename (fixture->source_dir, "Album", "notes.txt", NULL);
    g_autofree char *folder = g_build_filename (fixture->source_dir, "Album", NULL);
    const char *argv[] = { cli (), "create", "-o", fixture->torrent, folder, NULL };

    bt_test_write_random_file (second, 1000, 6);
    g_free (bt_test_run_tool (argv));
  }
  meta = bt_metainfo_new_from_file (fixture->torrent, &error);
  g_assert_no_error (error);
  fixture->hex = g_strdup (bt_metainfo_get_info_hash_hex (meta));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->source_dir);
  g_free (fixture->torrent);
  g_free (fixture->hex);
  g_free (fixture->payload_path);
}

static GSubprocess *
spawn (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  GSubprocess *process;

  bt_test_launcher_tie_to_parent (launcher);
  /* The CLI's progress goes to our stderr: our stdout is the TAP stream,
   * where its lines would read as garbled test results. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

/* Waits until something accepts TCP connections on 127.0.0.1:@port. */
static gboolean
wait_for_listener (guint16 port,
                   guint   timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  do
    {
      g_autoptr(GSocketConnection) connection =
        g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

      if (connection != NULL)
        return TRUE;
      g_usleep (100 * 1000);
    }
  while (g_get_monotonic_time () < deadline);
  return FALSE;
}

/* Downloads @magnet into a fresh folder and checks every byte. */
static void
download_and_check (Fixture            *fixture,
                    const char         *magnet,
                    const char * const *extra)
{
  g_autofree char *dest = g_build_filename (fixture->tmpdir, "dest", NULL);
  g_autofree char *got = g_build_filename (dest, "Album", "track.bin", NULL);
  g_autofree char *want_contents = NULL;
  g_autofree char *got_contents = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) downloader = NULL;
  gsize want_len;
  gsize got_len;

  g_ptr_array_add (argv, (gpointer) cli ());
  g_ptr_array_add (argv, "download");
  g_ptr_array_add (argv, "--bind=127.0.0.1");
  g_ptr_array_add (argv, "--port=0");
  g_ptr_array_add (argv, "-o");
  g_ptr_array_add (argv, dest);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra[i]);
  g_ptr_array_add (argv, (gpointer) magnet);
  g_ptr_array_add (argv, NULL);
  downloader = spawn ((const char * const *) argv->pdata);
  g_assert_true (bt_test_wait_for_exit (downloader, 90000));
  g_assert_cmpint (g_subprocess_get_exit_status (downloader), ==, 0);

  g_assert_true (g_file_get_contents (fixture->payload_path, &want_contents, &want_len, NULL));
  g_assert_true (g_file_get_contents (got, &got_contents, &got_len, NULL));
  g_assert_cmpmem (got_contents, got_len, want_contents, want_len);
}

static void
test_magnet_with_peer (Fixture       *fixture,
                       gconstpointer  data)
{
  guint16 port = bt_test_free_port (FALSE);
  g_autofree char *port_arg = g_strdup_printf ("--port=%u", port);
  g_autofree char *magnet = g_strdup_printf ("magnet:?xt=urn:btih:%s&x.pe=127.0.0.1:%u",
                                             fixture->hex, port);
  const char *seed_argv[] = { cli (), "seed", "--bind=127.0.0.1", port_arg, "-d",
                              fixture->source_dir, fixture->torrent, NULL };
  g_autoptr(GSubprocess) seeder = spawn (seed_argv);

  download_and_check (fixture, magnet, NULL);
  bt_test_stop_process (seeder, "seeder", 5000);
}

static void
test_magnet_through_dht (Fixture       *fixture,
                         gconstpointer  data)
{
  guint16 router_port = bt_test_free_port (TRUE);
  guint16 seed_port = bt_test_free_port (TRUE);
  g_autofree char *router_arg = g_strdup_printf ("--port=%u", router_port);
  g_autofree char *seed_arg = g_strdup_printf ("--port=%u", seed_port);
  g_autofree char *bootstrap = g_strdup_printf ("--dht-bootstrap=127.0.0.1:%u", router_port);
  g_autofree char *other_dir = g_build_filename (fixture->tmpdir, "other", NULL);
  g_autofree char *other_file = g_build_filename (other_dir, "other.bin", NULL);
  g_autofree char *other_torrent = g_build_filename (fixture->tmpdir, "other.torrent", NULL);
  g_autofree char *magnet = g_strdup_printf ("magnet:?xt=urn:btih:%s", fixture->hex);
  const char *create_argv[] = { cli (), "create", "-o", other_torrent, other_file, NULL };
  const char *extra[] = { bootstrap, NULL };
  g_autoptr(GSubprocess) router = NULL;
  g_autoptr(GSubprocess) seeder = NULL;

  /* A DHT node that knows nothing of our torrent: the bootstrap node of
   * the other two, as router.bittorrent.com is on the Internet. */
  bt_test_write_random_file (other_file, 1000, 9);
  g_free (bt_test_run_tool (create_argv));
  /* The seeder first, and the router only once the seeder's first DHT
   * announce has gone nowhere (its bootstrap node was not up): the seeder
   * must announce again as soon as it joins late, not a quarter of an
   * hour later. Nothing outside shows that first announce, so a wait
   * longer than its bootstrap query's time-out stands for it. */
  {
    const char *argv[] = { cli (), "seed", "--bind=127.0.0.1", seed_arg, bootstrap, "-d",
                           fixture->source_dir, fixture->torrent, NULL };

    seeder = spawn (argv);
  }
  g_assert_true (wait_for_listener (seed_port, 30000));
  g_usleep (4 * G_USEC_PER_SEC);
  {
    /* Told of the seeder's node, so that it never looks up the public
     * routers. */
    g_autofree char *self_only = g_strdup_printf ("--dht-bootstrap=127.0.0.1:%u", seed_port);
    const char *argv[] = { cli (), "seed", "--bind=127.0.0.1", router_arg, self_only, "-d",
                           other_dir, other_torrent, NULL };

    router = spawn (argv);
  }
  download_and_check (fixture, magnet, extra);
  bt_test_stop_process (seeder, "seeder", 5000);
  bt_test_stop_process (router, "router", 5000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli/magnet/x.pe", Fixture, NULL, fixture_setup, test_magnet_with_peer,
              fixture_teardown);
  g_test_add ("/cli/magnet/dht-only", Fixture, NULL, fixture_setup, test_magnet_through_dht,
              fixture_teardown);
  return g_test_run ();
}
