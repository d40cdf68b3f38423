/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A magnet link's metadata from a real client: transmission-daemon seeds
 * a torrent (no tracker, no DHT, no PEX), our BtMetadataFetcher dials it
 * with only the info-hash and its address (what "xt" and "x.pe" give),
 * gets the info dictionary over ut_metadata (BEP 9), and a torrent made
 * from those bytes then downloads the data from it.
 */
#include "config.h"

#include <string.h>

#include "bt-metadata-fetch.h"
#include "bt-metainfo.h"
#include "bt-session.h"
#include "bt-swarm.h"
#include "bt-test-util.h"
#include "bt-torrent.h"
#include "bt-wire.h"

/* Small pieces, so the info dictionary spans two ut_metadata pieces:
 * 1,600 hashes of 20 bytes. */
#define PIECE_LENGTH (16 * 1024)
#define PAYLOAD_SIZE (1600 * PIECE_LENGTH - 777)
#define TIMEOUT_S 60

typedef struct
{
  gboolean  done;
  GBytes   *info;
  GError   *error;
} FetchResult;

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  FetchResult *out = user_data;

  out->info = bt_metadata_fetcher_fetch_finish (BT_METADATA_FETCHER (source), result, &out->error);
  out->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_transmission_metadata (void)
{
  g_autofree char *tmpdir = bt_test_make_tmpdir ();
  g_autofree char *seed_dir = g_build_filename (tmpdir, "seed", NULL);
  g_autofree char *download_dir = g_build_filename (tmpdir, "download", NULL);
  g_autofree char *source = g_build_filename (seed_dir, "payload.bin", NULL);
  g_autofree char *downloaded = g_build_filename (download_dir, "payload.bin", NULL);
  g_autofree char *torrent_path = g_build_filename (tmpdir, "payload.torrent", NULL);
  g_autofree char *hash_hex = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMetainfo) original = NULL;
  g_autoptr(BtMetainfo) fetched = NULL;
  g_autoptr(BtMetadataFetcher) fetcher = NULL;
  g_autoptr(GInetSocketAddress) seeder_address = NULL;
  g_autoptr(GByteArray) wrapped = g_byte_array_new ();
  g_autoptr(GBytes) wrapped_bytes = NULL;
  g_autoptr(BtSession) session = NULL;
  g_autoptr(BtTestClient) seeder = NULL;
  BtSessionConfig config = { .bind_address = "127.0.0.1" };
  FetchResult result = { 0 };
  BtTorrent *torrent;
  gboolean timed_out = FALSE;
  guint timeout_id;
  guint8 peer_id[20];

  bt_test_write_random_file (source, PAYLOAD_SIZE, 23);
  g_assert_cmpint (g_mkdir_with_parents (download_dir, 0700), ==, 0);
  hash_hex = bt_test_create_torrent (source, NULL, PIECE_LENGTH, torrent_path, &error);
  g_assert_no_error (error);
  original = bt_metainfo_new_from_file (torrent_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bt_metainfo_get_info_hash_hex (original), ==, hash_hex);
  g_assert_cmpuint (g_bytes_get_size (bt_metainfo_get_info_bytes (original)), >, 16384);

  seeder = bt_test_transmission_seed (torrent_path, seed_dir, &error);
  g_assert_no_error (error);
  if (seeder == NULL)
    {
      bt_test_remove_tree (tmpdir);
      return; /* skipped */
    }
  seeder_address = G_INET_SOCKET_ADDRESS (
    g_inet_socket_address_new_from_string (bt_test_client_get_address (seeder),
                                           bt_test_client_get_port (seeder)));

  /* The metadata, from the info-hash and one address. */
  bt_wire_make_peer_id (peer_id);
  fetcher = bt_metadata_fetcher_new (bt_metainfo_get_info_hash (original), peer_id, 0);
  bt_metadata_fetcher_add_peer (fetcher, seeder_address);
  timeout_id = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, &timed_out);
  bt_metadata_fetcher_fetch_async (fetcher, NULL, fetched_cb, &result);
  while (!result.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_assert_no_error (result.error);
  g_assert_true (g_bytes_equal (result.info, bt_metainfo_get_info_bytes (original)));

  /* A torrent from those bytes downloads the data from the same peer. */
  g_byte_array_append (wrapped, (const guint8 *) "d4:info", 7);
  g_byte_array_append (wrapped, g_bytes_get_data (result.info, NULL),
                       g_bytes_get_size (result.info));
  g_byte_array_append (wrapped, (const guint8 *) "e", 1);
  wrapped_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&wrapped));
  g_clear_pointer (&result.info, g_bytes_unref);
  fetched = bt_metainfo_new_from_bytes (wrapped_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bt_metainfo_get_info_hash_hex (fetched), ==, hash_hex);

  session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  torrent = bt_session_add_torrent (session, fetched, download_dir, TRUE, &error);
  g_assert_no_error (error);
  bt_torrent_start (torrent);
  bt_torrent_add_peer_address (torrent, seeder_address);
  while (!timed_out && bt_torrent_get_state (torrent) != BT_TORRENT_STATE_SEEDING
         && bt_torrent_get_state (torrent) != BT_TORRENT_STATE_ERROR)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (bt_torrent_get_state (torrent), ==, BT_TORRENT_STATE_SEEDING);
  g_source_remove (timeout_id);
  g_assert_true (bt_test_files_equal (source, downloaded));

  g_clear_object (&session);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&seeder, bt_test_client_stop);
  bt_test_remove_tree (tmpdir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/interop/magnet/transmission-metadata", test_transmission_metadata);

  return g_test_run ();
}
