/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * BtMetadataFetcher against our own engine on loopback: a BtSession that
 * has the .torrent serves the info dictionary (BEP 9), the fetcher gets it
 * and checks it against the info-hash.
 */
#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-metadata-fetch.h"
#include "bt-metainfo.h"
#include "bt-session.h"
#include "bt-test-util.h"
#include "bt-torrent.h"
#include "bt-wire.h"

/* Enough pieces that the info dictionary spans several 16 KiB metadata
 * pieces, the last one partial: 2100 hashes are 42,000 bytes. */
#define N_PIECES 2100
#define PIECE_LENGTH (16 * 1024)

#define TIMEOUT_S 15

typedef struct
{
  char       *tmpdir;
  BtMetainfo *meta;
  BtSession  *session;
  guint16     port;
} Fixture;

typedef struct
{
  gboolean  done;
  GBytes   *info;
  GError   *error;
} FetchResult;

/* A torrent of made-up piece hashes: the fetch needs only its metadata,
 * and the serving torrent starts with nothing on disk. */
static BtMetainfo *
make_metainfo (guint32 seed)
{
  g_autoptr(BtBencode) torrent = bt_bencode_new_dict ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *hashes = g_malloc (N_PIECES * 20);
  g_autofree char *name = g_strdup_printf ("payload-%u.bin", seed);
  GRand *rand = g_rand_new_with_seed (seed);
  BtBencode *info = bt_bencode_new_dict ();
  BtMetainfo *meta;

  for (guint i = 0; i < N_PIECES * 20; i++)
    hashes[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  bt_bencode_dict_set (info, "length", bt_bencode_new_integer ((gint64) N_PIECES * PIECE_LENGTH));
  bt_bencode_dict_set (info, "name", bt_bencode_new_string (name));
  bt_bencode_dict_set (info, "piece length", bt_bencode_new_integer (PIECE_LENGTH));
  bt_bencode_dict_set (info, "pieces", bt_bencode_new_string_len (hashes, N_PIECES * 20));
  bt_bencode_dict_set (torrent, "info", info);
  bytes = bt_bencode_encode (torrent);
  meta = bt_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return meta;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  BtSessionConfig config = { 0 };
  BtTorrent *torrent;

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->meta = make_metainfo (1);
  g_assert_cmpuint (g_bytes_get_size (bt_metainfo_get_info_bytes (fixture->meta)), >,
                    2 * BT_UT_METADATA_PIECE_SIZE);

  config.bind_address = "127.0.0.1";
  fixture->session = bt_session_new (&config, &error);
  g_assert_no_error (error);
  fixture->port = bt_session_get_port (fixture->session);
  torrent = bt_session_add_torrent (fixture->session, fixture->meta, fixture->tmpdir, TRUE, &error);
  g_assert_no_error (error);
  bt_torrent_start (torrent);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->meta);
  /* Closed connections finish on the main loop. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

static GInetSocketAddress *
loopback (guint16 port)
{
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("127.0.0.1", port));
}

/* A port nothing listens on: bound and closed again. */
static guint16
dead_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

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
run_fetch (BtMetadataFetcher *fetcher,
           GCancellable      *cancellable,
           FetchResult       *out)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, &timed_out);

  bt_metadata_fetcher_fetch_async (fetcher, cancellable, fetched_cb, out);
  while (!out->done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout_id);
}

static void
fetcher_peer_id (guint8 out[20])
{
  bt_wire_make_peer_id (out);
}

/* The fetched bytes are the info dictionary: they hash to the info-hash,
 * and wrapped as a .torrent they parse to the same torrent. */
static void
test_from_session (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(BtMetadataFetcher) fetcher = NULL;
  g_autoptr(GInetSocketAddress) address = loopback (fixture->port);
  g_autoptr(GByteArray) wrapped = g_byte_array_new ();
  g_autoptr(GBytes) wrapped_bytes = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;
  FetchResult result = { 0 };
  guint8 peer_id[20];

  fetcher_peer_id (peer_id);
  fetcher = bt_metadata_fetcher_new (bt_metainfo_get_info_hash (fixture->meta), peer_id, 0);
  bt_metadata_fetcher_add_peer (fetcher, address);
  run_fetch (fetcher, NULL, &result);

  g_assert_no_error (result.error);
  g_assert_nonnull (result.info);
  g_assert_true (g_bytes_equal (result.info, bt_metainfo_get_info_bytes (fixture->meta)));

  g_byte_array_append (wrapped, (const guint8 *) "d4:info", 7);
  g_byte_array_append (wrapped, g_bytes_get_data (result.info, NULL),
                       g_bytes_get_size (result.info));
  g_byte_array_append (wrapped, (const guint8 *) "e", 1);
  wrapped_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&wrapped));
  meta = bt_metainfo_new_from_bytes (wrapped_bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (bt_metainfo_get_info_hash (meta), 20,
                   bt_metainfo_get_info_hash (fixture->meta), 20);
  g_assert_cmpuint (bt_metainfo_get_n_pieces (meta), ==, N_PIECES);
  g_bytes_unref (result.info);
}

/* Dead addresses and a peer for another torrent cost a connection each
 * and no more; the one good peer still delivers. */
static void
test_bad_peers_first (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(BtMetadataFetcher) fetcher = NULL;
  g_autoptr(GInetSocketAddress) dead = loopback (dead_port ());
  g_autoptr(GInetSocketAddress) good = loopback (fixture->port);
  FetchResult result = { 0 };
  guint8 peer_id[20];

  fetcher_peer_id (peer_id);
  fetcher = bt_metadata_fetcher_new (bt_metainfo_get_info_hash (fixture->meta), peer_id, 0);
  bt_metadata_fetcher_add_peer (fetcher, dead);
  bt_metadata_fetcher_add_peer (fetcher, dead); /* known already: ignored */
  bt_metadata_fetcher_add_peer (fetcher, good);
  run_fetch (fetcher, NULL, &result);

  g_assert_no_error (result.error);
  g_assert_true (g_bytes_equal (result.info, bt_metainfo_get_info_bytes (fixture->meta)));
  g_assert_cmpuint (bt_metadata_fetcher_get_n_peers (fetcher), ==, 0);
  g_bytes_unref (result.info);
}

/* A session that does not have the torrent answers no handshake for it:
 * with no one else to ask, the fetch gives up after its idle time. */
static void
test_nobody_has_it (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(BtMetadataFetcher) fetcher = NULL;
  g_autoptr(BtMetainfo) other = make_metainfo (2);
  g_autoptr(GInetSocketAddress) address = loopback (fixture->port);
  g_autoptr(GInetSocketAddress) dead = loopback (dead_port ());
  FetchResult result = { 0 };
  guint8 peer_id[20];

  fetcher_peer_id (peer_id);
  fetcher = bt_metadata_fetcher_new (bt_metainfo_get_info_hash (other), peer_id, 0);
  bt_metadata_fetcher_set_idle_timeout (fetcher, 1);
  bt_metadata_fetcher_add_peer (fetcher, address);
  bt_metadata_fetcher_add_peer (fetcher, dead);
  run_fetch (fetcher, NULL, &result);

  g_assert_error (result.error, BT_ERROR, BT_ERROR_FAILED);
  g_assert_null (result.info);
  g_assert_nonnull (strstr (result.error->message, "2 peers"));
  g_error_free (result.error);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* Cancelling ends a fetch that would otherwise wait for peers. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(BtMetadataFetcher) fetcher = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  FetchResult result = { 0 };
  guint8 peer_id[20];

  fetcher_peer_id (peer_id);
  fetcher = bt_metadata_fetcher_new (bt_metainfo_get_info_hash (fixture->meta), peer_id, 0);
  g_timeout_add (100, cancel_cb, cancellable);
  run_fetch (fetcher, cancellable, &result);

  g_assert_error (result.error, BT_ERROR, BT_ERROR_CANCELLED);
  g_assert_null (result.info);
  g_error_free (result.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/metadata-fetch/from-session", Fixture, NULL, fixture_setup,
              test_from_session, fixture_teardown);
  g_test_add ("/engine/metadata-fetch/bad-peers-first", Fixture, NULL, fixture_setup,
              test_bad_peers_first, fixture_teardown);
  g_test_add ("/engine/metadata-fetch/nobody-has-it", Fixture, NULL, fixture_setup,
              test_nobody_has_it, fixture_teardown);
  g_test_add ("/engine/metadata-fetch/cancel", Fixture, NULL, fixture_setup, test_cancel,
              fixture_teardown);

  return g_test_run ();
}
