/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * An idle torrent costs nothing: a seed without peers keeps no timer on
 * the main context (thousands of them would wake the process thousands of
 * times a second), yet still notices what it must, such as the end of its
 * seeding idle time.
 */
#include "config.h"

#include "bt-metainfo-create.h"
#include "bt-metainfo.h"
#include "bt-session.h"
#include "bt-test-util.h"
#include "bt-torrent.h"

#define WAIT_S 10

typedef struct
{
  char       *tmpdir;
  char       *download_dir;
  BtMetainfo *meta;
  BtSession  *session;
  guint       poke_id;
} Fixture;

/* Keeps g_main_context_iteration() from blocking for long once the
 * torrent has no timer left to wake the loop. */
static gboolean
poke_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autoptr(GFile) root = NULL;
  g_autoptr(GBytes) torrent = NULL;
  BtMetainfoCreateOptions options = { .piece_length = 16384, .creation_date = -1 };

  fixture->tmpdir = bt_test_make_tmpdir ();
  fixture->download_dir = g_build_filename (fixture->tmpdir, "data", NULL);
  source = g_build_filename (fixture->download_dir, "T", NULL);
  a = g_build_filename (source, "a.bin", NULL);
  b = g_build_filename (source, "b.bin", NULL);
  bt_test_write_random_file (a, 40000, 1);
  bt_test_write_random_file (b, 20000, 2);
  root = g_file_new_for_path (source);
  torrent = bt_metainfo_create (root, &options, NULL, &error);
  g_assert_no_error (error);
  fixture->meta = bt_metainfo_new_from_bytes (torrent, &error);
  g_assert_no_error (error);
  fixture->poke_id = g_timeout_add (100, poke_cb, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_handle_id (&fixture->poke_id, g_source_remove);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->meta);
  bt_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_free (fixture->download_dir);
}

static void
new_session (Fixture *fixture,
             guint    seed_idle_s)
{
  g_autoptr(GError) error = NULL;
  BtSessionConfig config = {
    .bind_address = "127.0.0.1",
    .download_dir = fixture->download_dir,
    .seed_idle_s = seed_idle_s,
  };

  fixture->session = bt_session_new (&config, &error);
  g_assert_no_error (error);
}

/* Whether the main context holds a source whose callback works on
 * @torrent: its tick, or a one-off wake. */
static gboolean
has_timer (BtTorrent *torrent)
{
  return g_main_context_find_source_by_user_data (NULL, torrent) != NULL;
}

/* Iterates until @done says so, at most WAIT_S seconds. */
static gboolean
wait_for (gboolean (*done) (BtTorrent *torrent),
          BtTorrent *torrent)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  while (!done (torrent))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
is_seeding (BtTorrent *torrent)
{
  return bt_torrent_get_state (torrent) == BT_TORRENT_STATE_SEEDING;
}

static gboolean
has_no_timer (BtTorrent *torrent)
{
  return !has_timer (torrent);
}

static BtTorrent *
add_seed (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  BtAddOptions options = { .save_path = fixture->download_dir };
  BtTorrent *torrent = bt_session_add (fixture->session, fixture->meta, &options, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (torrent);
  g_assert_true (wait_for (is_seeding, torrent));
  return torrent;
}

static void
test_seed_sleeps (Fixture       *fixture,
                  gconstpointer  user_data)
{
  BtTorrent *torrent;

  new_session (fixture, 0);
  torrent = add_seed (fixture);

  /* Its first tick runs, then finds nothing to do and stops for good. */
  g_assert_true (has_timer (torrent));
  g_assert_true (wait_for (has_no_timer, torrent));

  /* Something the tick looks at wakes it, until it finds nothing again. */
  bt_torrent_set_seed_goals (torrent, 0, 0);
  g_assert_true (has_timer (torrent));
  g_assert_true (wait_for (has_no_timer, torrent));
  g_assert_cmpint (bt_torrent_get_state (torrent), ==, BT_TORRENT_STATE_SEEDING);
}

static void
goal_cb (BtTorrent *torrent,
         gboolean  *reached)
{
  *reached = TRUE;
}

static gboolean reached_flag;

static gboolean
goal_reached (BtTorrent *torrent)
{
  return reached_flag;
}

/* Without peers there is no tick, but the seeding idle time still ends. */
static void
test_idle_goal (Fixture       *fixture,
                gconstpointer  user_data)
{
  BtTorrent *torrent;
  gint64 start;

  reached_flag = FALSE;
  new_session (fixture, 1);
  torrent = add_seed (fixture);
  g_signal_connect (torrent, "seed-goal-reached", G_CALLBACK (goal_cb), &reached_flag);
  start = g_get_monotonic_time ();
  g_assert_false (reached_flag);
  g_assert_true (wait_for (goal_reached, torrent));
  /* Not at once: the second runs from its first tick. */
  g_assert_cmpint (g_get_monotonic_time () - start, >, G_USEC_PER_SEC / 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/engine/torrent-idle/seed-sleeps", Fixture, NULL, fixture_set_up,
              test_seed_sleeps, fixture_tear_down);
  g_test_add ("/engine/torrent-idle/idle-goal", Fixture, NULL, fixture_set_up,
              test_idle_goal, fixture_tear_down);
  return g_test_run ();
}
