/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A torrent's tracker list model (bt_torrent_get_trackers()): one row per
 * tracker with what it last answered, kept in place while the announcer
 * reorders its tiers, grown when trackers are merged in.
 */
#include "config.h"

#include "bt-error.h"
#include "bt-fake-tracker.h"
#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-session.h"
#include "bt-test-util.h"
#include "bt-torrent.h"

#define WAIT_S 20

typedef struct
{
  char              *tmpdir;
  char              *download_dir;
  BtFakeUdpTracker  *udp;
  BtFakeHttpTracker *http;
  char              *udp_url;
  char              *http_url;
  char              *dead_url;
  GSocket           *refusing;   /* holds the dead URL's port */
  BtSession         *session;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  BtSessionConfig config = { .bind_address = "127.0.0.1" };

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->download_dir = g_build_filename (fixture->tmpdir, "data", NULL);
  g_mkdir_with_parents (fixture->download_dir, 0700);

  fixture->udp = bt_fake_udp_tracker_new ();
  bt_fake_udp_tracker_set_answer (fixture->udp, 1800, 5, 7, 0, NULL, 0);
  fixture->udp_url = bt_fake_udp_tracker_get_url (fixture->udp);
  fixture->http = bt_fake_http_tracker_new ();
  fixture->http_url = bt_fake_http_tracker_get_url (fixture->http, "/announce");
  {
    guint16 port;

    fixture->refusing = bt_test_bind_refusing_port (&port);
    fixture->dead_url = g_strdup_printf ("http://127.0.0.1:%u/announce", port);
  }

  config.download_dir = fixture->download_dir;
  fixture->session = bt_session_new (&config, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->session);
  g_clear_pointer (&fixture->udp, bt_fake_udp_tracker_free);
  g_clear_pointer (&fixture->http, bt_fake_http_tracker_free);
  g_clear_object (&fixture->refusing);
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->download_dir);
  g_free (fixture->udp_url);
  g_free (fixture->http_url);
  g_free (fixture->dead_url);
}

/* A torrent of one file whose data is not on disk, so it downloads (and
 * announces) from the start. */
static BtMetainfo *
make_metainfo (Fixture  *fixture,
               char   ***tiers)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source_dir = g_build_filename (fixture->tmpdir, "source", NULL);
  g_autofree char *source = g_build_filename (source_dir, "payload.bin", NULL);
  g_autoptr(GFile) root = g_file_new_for_path (source);
  g_autoptr(GBytes) bytes = NULL;
  BtMetainfoCreateOptions options = {
    .piece_length = 16384,
    .creation_date = -1,
    .trackers = tiers,
  };
  BtMetainfo *meta;

  bt_test_write_random_file (source, 50000, 7);
  bytes = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  meta = bt_metainfo_new_from_bytes (bytes, &error);
  g_assert_no_error (error);
  return meta;
}

static BtTrackerInfo *
find_tracker (GListModel *trackers,
              const char *url)
{
  for (guint i = 0; i < g_list_model_get_n_items (trackers); i++)
    {
      g_autoptr(BtTrackerInfo) info = g_list_model_get_item (trackers, i);

      if (g_str_equal (bt_tracker_info_get_url (info), url))
        return info; /* the model keeps it alive */
    }
  return NULL;
}

static gboolean
wait_for_state (BtTrackerInfo  *info,
                BtTrackerState  state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (bt_tracker_info_get_state (info) != state)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GHashTable *counts = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  guint *n_removed = user_data;

  *n_removed += removed;
}

/* Tier 1 is dead, tier 2 answers: both rows show it, with the counts,
 * times and error people need to tell them apart. */
static void
test_status (Fixture       *fixture,
             gconstpointer  user_data)
{
  char *tier1[] = { fixture->dead_url, NULL };
  char *tier2[] = { fixture->udp_url, NULL };
  char **tiers[] = { tier1, tier2, NULL };
  g_autoptr(BtMetainfo) meta = make_metainfo (fixture, tiers);
  g_autoptr(GError) error = NULL;
  BtAddOptions options = { .save_path = fixture->download_dir };
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  BtTorrent *torrent;
  GListModel *trackers;
  BtTrackerInfo *dead;
  BtTrackerInfo *udp;
  gint64 before = g_get_real_time ();

  torrent = bt_session_add (fixture->session, meta, &options, NULL, &error);
  g_assert_no_error (error);
  trackers = bt_torrent_get_trackers (torrent);
  g_assert_true (g_type_is_a (g_list_model_get_item_type (trackers), BT_TYPE_TRACKER_INFO));

  /* Both rows exist as soon as the torrent does, before any announce. */
  g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 2);
  dead = find_tracker (trackers, fixture->dead_url);
  udp = find_tracker (trackers, fixture->udp_url);
  g_assert_nonnull (dead);
  g_assert_nonnull (udp);
  g_assert_cmpuint (bt_tracker_info_get_tier (dead), ==, 0);
  g_assert_cmpuint (bt_tracker_info_get_tier (udp), ==, 1);
  g_signal_connect (udp, "notify", G_CALLBACK (count_notify_cb), counts);

  g_assert_true (wait_for_state (udp, BT_TRACKER_STATE_WORKING));

  g_assert_cmpint (bt_tracker_info_get_state (dead), ==, BT_TRACKER_STATE_ERROR);
  g_assert_nonnull (bt_tracker_info_get_last_error (dead));
  g_assert_cmpstr (bt_tracker_info_get_last_error (dead), !=, "");
  g_assert_cmpint (bt_tracker_info_get_last_announce (dead), >=, before);
  g_assert_cmpint (bt_tracker_info_get_seeders (dead), ==, -1);
  g_assert_cmpint (bt_tracker_info_get_leechers (dead), ==, -1);

  g_assert_null (bt_tracker_info_get_last_error (udp));
  g_assert_cmpint (bt_tracker_info_get_seeders (udp), ==, 5);
  g_assert_cmpint (bt_tracker_info_get_leechers (udp), ==, 7);
  g_assert_cmpint (bt_tracker_info_get_last_announce (udp), >=, before);
  g_assert_cmpint (bt_tracker_info_get_last_announce (udp), <=, g_get_real_time ());
  /* The next announce is planned for the one that answered, about the
   * tracker's interval from now. */
  g_assert_cmpint (bt_tracker_info_get_next_announce (udp), >,
                   g_get_real_time () + 1700 * G_USEC_PER_SEC);
  g_assert_cmpint (bt_tracker_info_get_next_announce (udp), <=,
                   g_get_real_time () + 1800 * G_USEC_PER_SEC);
  g_assert_cmpint (bt_tracker_info_get_next_announce (dead), ==, 0);
  /* The swarm is as large as the tracker counts it: nobody answered our
   * connections, but of the 5 + 7 peers it counts, 11 are not us. */
  g_assert_cmpuint (bt_torrent_get_n_swarm_peers (torrent), ==, 11);
  g_assert_cmpuint (bt_torrent_get_n_known_peers (torrent), <, 11);

  /* Properties notify as they change, each at most once per change. */
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "seeders")), ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "leechers")), ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "url")), ==, 0);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "state")), >=, 1);

  /* Pausing tells the tracker "stopped": no announce is planned then. */
  bt_session_pause (fixture->session, torrent);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

    while (bt_fake_udp_tracker_get_last_announce (fixture->udp)->event != 3
           || bt_tracker_info_get_state (udp) != BT_TRACKER_STATE_IDLE)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, TRUE);
      }
  }
  g_assert_cmpint (bt_tracker_info_get_next_announce (udp), ==, 0);
  g_assert_cmpint (bt_tracker_info_get_next_announce (dead), ==, 0);
}

/* The announcer moves the tracker that answers to the front of its tier;
 * the model's rows stay where they are. Trackers merged in from a second
 * add arrive as new rows at the end. */
static void
test_stable_rows (Fixture       *fixture,
                  gconstpointer  user_data)
{
  char *tier1[] = { fixture->dead_url, fixture->udp_url, NULL };
  char **tiers[] = { tier1, NULL };
  char *more_tier[] = { fixture->udp_url, fixture->http_url, NULL };
  char **more_tiers[] = { more_tier, NULL };
  g_autoptr(BtMetainfo) meta = make_metainfo (fixture, tiers);
  g_autoptr(BtMetainfo) more = NULL;
  g_autoptr(GError) error = NULL;
  BtAddOptions options = { .save_path = fixture->download_dir };
  BtTorrent *torrent;
  BtTorrent *again;
  GListModel *trackers;
  g_autoptr(BtTrackerInfo) first = NULL;
  g_autoptr(BtTrackerInfo) second = NULL;
  guint n_removed = 0;

  torrent = bt_session_add (fixture->session, meta, &options, NULL, &error);
  g_assert_no_error (error);
  trackers = bt_torrent_get_trackers (torrent);
  g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 2);
  first = g_list_model_get_item (trackers, 0);
  second = g_list_model_get_item (trackers, 1);
  g_signal_connect (trackers, "items-changed", G_CALLBACK (items_changed_cb), &n_removed);

  g_assert_true (wait_for_state (find_tracker (trackers, fixture->udp_url),
                                 BT_TRACKER_STATE_WORKING));
  g_assert_true (g_list_model_get_item (trackers, 0) == first);
  g_object_unref (first);
  g_assert_true (g_list_model_get_item (trackers, 1) == second);
  g_object_unref (second);
  g_assert_cmpuint (n_removed, ==, 0);

  /* The same torrent with one tracker it knows and one it does not. The
   * same file gives the same info-hash. */
  more = make_metainfo (fixture, more_tiers);
  g_assert_cmpmem (bt_metainfo_get_info_hash (more), 20, bt_metainfo_get_info_hash (meta), 20);
  again = bt_session_add (fixture->session, more, &options, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (again == torrent);
  g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 3);
  g_assert_cmpuint (n_removed, ==, 0);
  {
    g_autoptr(BtTrackerInfo) added = g_list_model_get_item (trackers, 2);

    g_assert_cmpstr (bt_tracker_info_get_url (added), ==, fixture->http_url);
    g_assert_cmpuint (bt_tracker_info_get_tier (added), ==, 1);
  }
}

/* Trackers list us among the peers. Once a connection shows that address
 * to be our own, it no longer counts as a peer in the swarm. */
static void
test_self_not_counted (Fixture       *fixture,
                       gconstpointer  user_data)
{
  char *tier[] = { fixture->udp_url, NULL };
  char **tiers[] = { tier, NULL };
  g_autoptr(BtMetainfo) meta = make_metainfo (fixture, tiers);
  g_autoptr(GError) error = NULL;
  BtAddOptions options = { .save_path = fixture->download_dir };
  guint16 port = bt_session_get_port (fixture->session);
  const guint8 us[6] = { 127, 0, 0, 1, port >> 8, port & 0xff };
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  g_autoptr(BtTrackerInfo) info = NULL;
  BtTorrent *torrent;
  gboolean listed = FALSE;

  g_assert_cmpuint (port, !=, 0);
  bt_fake_udp_tracker_set_answer (fixture->udp, 1800, 0, 1, 0, us, sizeof us);
  torrent = bt_session_add (fixture->session, meta, &options, NULL, &error);
  g_assert_no_error (error);
  info = g_list_model_get_item (bt_torrent_get_trackers (torrent), 0);
  g_assert_true (wait_for_state (info, BT_TRACKER_STATE_WORKING));

  /* Listed first (the address is new), then found to be us. */
  while (!listed || bt_torrent_get_n_known_peers (torrent) != 0
         || bt_torrent_get_n_peers (torrent) != 0)
    {
      listed |= bt_torrent_get_n_known_peers (torrent) == 1;
      if (g_get_monotonic_time () > deadline)
        g_error ("known %u, connected %u", bt_torrent_get_n_known_peers (torrent),
                 bt_torrent_get_n_peers (torrent));
      g_main_context_iteration (NULL, TRUE);
    }
  /* The tracker counts one leecher: us. Nobody else is there. */
  g_assert_cmpuint (bt_torrent_get_n_swarm_peers (torrent), ==, 0);
}

/* A torrent without trackers has an empty list, not a missing one. */
static void
test_trackerless (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(BtMetainfo) meta = make_metainfo (fixture, NULL);
  g_autoptr(GError) error = NULL;
  BtAddOptions options = { .save_path = fixture->download_dir };
  BtTorrent *torrent = bt_session_add (fixture->session, meta, &options, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bt_torrent_get_trackers (torrent));
  g_assert_cmpuint (g_list_model_get_n_items (bt_torrent_get_trackers (torrent)), ==, 0);
}

/* The person adds and removes trackers on a running trackerless torrent:
 * bad addresses are refused with a reason, a new tracker is asked at
 * once, rows come and go, and the edited list is there to save. */
static void
test_edit (Fixture       *fixture,
           gconstpointer  user_data)
{
  g_autoptr(BtMetainfo) meta = make_metainfo (fixture, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tiers = NULL;
  BtAddOptions options = { .save_path = fixture->download_dir };
  BtTorrent *torrent = bt_session_add (fixture->session, meta, &options, NULL, &error);
  GListModel *trackers = bt_torrent_get_trackers (torrent);
  const char *bad[] = { "", "tracker.example.org", "ftp://tracker.example.org/announce",
                        "http:///announce", "udp://", "not a url at all" };
  guint n_removed = 0;

  g_assert_no_error (error);
  g_assert_null (bt_torrent_dup_tracker_tiers (torrent));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (bt_torrent_add_tracker (torrent, bad[i], &error));
      g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED);
      g_clear_error (&error);
    }
  {
    g_autofree char *huge = g_strnfill (3000, 'a');
    g_autofree char *url = g_strconcat ("http://", huge, "/announce", NULL);

    g_assert_false (bt_torrent_add_tracker (torrent, url, &error));
    g_assert_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED);
    g_clear_error (&error);
  }
  g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 0);
  g_assert_null (bt_torrent_dup_tracker_tiers (torrent));

  /* Added while it downloads: asked at once, and working. */
  g_assert_true (bt_torrent_add_tracker (torrent, fixture->udp_url, &error));
  g_assert_no_error (error);
  g_assert_false (bt_torrent_add_tracker (torrent, fixture->udp_url, &error));
  g_assert_error (error, BT_ERROR, BT_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_true (bt_torrent_add_tracker (torrent, fixture->dead_url, &error));
  g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 2);
  g_assert_true (wait_for_state (find_tracker (trackers, fixture->udp_url),
                                 BT_TRACKER_STATE_WORKING));
  g_assert_cmpuint (bt_fake_udp_tracker_get_n_announces (fixture->udp), >=, 1);

  tiers = bt_torrent_dup_tracker_tiers (torrent);
  g_assert_cmpuint (tiers->len, ==, 2);
  g_assert_cmpstr (((char **) g_ptr_array_index (tiers, 0))[0], ==, fixture->udp_url);
  g_assert_cmpstr (((char **) g_ptr_array_index (tiers, 1))[0], ==, fixture->dead_url);
  g_clear_pointer (&tiers, g_ptr_array_unref);

  /* Removed: its row goes, the other stays. */
  g_signal_connect (trackers, "items-changed", G_CALLBACK (items_changed_cb), &n_removed);
  g_assert_true (bt_torrent_remove_tracker (torrent, fixture->udp_url));
  g_assert_false (bt_torrent_remove_tracker (torrent, fixture->udp_url));
  g_assert_cmpuint (n_removed, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 1);
  g_assert_null (find_tracker (trackers, fixture->udp_url));
  g_assert_nonnull (find_tracker (trackers, fixture->dead_url));
  g_signal_handlers_disconnect_by_data (trackers, &n_removed);

  /* Brought back as saved: the list replaces the torrent's own. */
  {
    g_autoptr(GPtrArray) saved = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
    const char *tier[] = { fixture->http_url, NULL };

    g_ptr_array_add (saved, g_strdupv ((char **) tier));
    bt_torrent_set_tracker_tiers (torrent, saved);
    g_assert_cmpuint (g_list_model_get_n_items (trackers), ==, 1);
    g_assert_nonnull (find_tracker (trackers, fixture->http_url));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/engine/torrent-trackers/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("status", test_status);
  ADD ("stable-rows", test_stable_rows);
  ADD ("trackerless", test_trackerless);
  ADD ("self-not-counted", test_self_not_counted);
  ADD ("edit", test_edit);
#undef ADD

  return g_test_run ();
}
