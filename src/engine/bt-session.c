/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The session owns what torrents share: our peer id, the HTTP session for
 * trackers, the listening socket (whose connections it routes to a torrent
 * by the info-hash at the start of their handshake), the global limits,
 * the queue that decides which torrents run, and the resume store that
 * brings them all back after a restart or a crash.
 */
#define G_LOG_DOMAIN "bt-session"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bt-dht.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-lsd.h"
#include "bt-magnet.h"
#include "bt-ratelimit.h"
#include "bt-resume-store.h"
#include "bt-session.h"
#include "bt-session-files.h"
#include "bt-sha1.h"
#include "bt-wire.h"

/* An accepted connection whose handshake has not told us its torrent yet.
 * It belongs to its own read chain; the session only counts it. */
typedef struct
{
  GWeakRef           session;
  GSocketConnection *connection;
  GCancellable      *cancellable;
  guint8             buffer[BT_WIRE_HANDSHAKE_PREFIX_LENGTH];
  gsize              received;
  guint              timeout_id;
} Pending;

/* What the session keeps per torrent beside the torrent itself. */
typedef struct
{
  BtSession *session;
  BtTorrent *torrent;
  gboolean   retry;     /* resumed from the error state: try again */
  gboolean   paused;    /* by the person: the queue leaves it alone */
  gboolean   managed;   /* the queue starts and stops it (not legacy adds) */
  gboolean   stopping;  /* a stop is on its way */
  gboolean   dirty;     /* its resume record is out of date */
  guint64    saved_uploaded;
  guint64    saved_downloaded;
  guint8     saved_digest[BT_SHA1_LENGTH]; /* of the last record saved */
  gboolean   has_saved_digest;
  guint      dht_lookup;      /* a DHT lookup in flight, or 0 */
  gint64     next_dht_us;     /* when to ask the DHT next */
} Entry;

struct _BtSession
{
  GObject          parent_instance;

  BtSessionConfig  config;
  char            *bind_address;
  char            *state_dir;
  char            *download_dir;
  guint8           peer_id[20];
  SoupSession     *soup_session;
  BtTrackerPacer  *tracker_pacer;
  GSocketService  *service;
  guint16          port;
  GListStore      *torrents;
  GPtrArray       *queue;        /* Entry*, in queue order; owns them */
  GHashTable      *entries;      /* BtTorrent* → Entry* */
  BtPeerBudget    *budget;
  BtRateLimit     *upload_limit;
  BtRateLimit     *download_limit;
  BtResumeStore   *store;
  BtDht           *dht;
  BtLsd           *lsd;
  GStrv            dht_bootstrap;
  gboolean         dht_has_nodes;
  int              lock_fd;
  guint            n_pending;
  GCancellable    *cancellable;
  guint            tick_id;
  gboolean         closing;
  gboolean         queue_scheduled;
  double           download_rate;
  double           upload_rate;
  guint            n_active;
};

enum {
  PROP_0,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_N_ACTIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (BtSession, bt_session, G_TYPE_OBJECT)

static void pending_read (Pending *pending);

/* Auxiliary functions */

static void
pending_finish (Pending   *pending,
                BtSession *session,
                gboolean   close)
{
  if (close)
    g_io_stream_close (G_IO_STREAM (pending->connection), NULL, NULL);
  if (session != NULL)
    session->n_pending--;
  g_clear_handle_id (&pending->timeout_id, g_source_remove);
  g_weak_ref_clear (&pending->session);
  g_clear_object (&pending->cancellable);
  g_clear_object (&pending->connection);
  g_free (pending);
}

static void
pending_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(BtSession) self = g_weak_ref_get (&pending->session);
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  BtHandshake handshake;
  BtTorrent *torrent;

  if (self == NULL || n <= 0 || g_cancellable_is_cancelled (pending->cancellable))
    {
      pending_finish (pending, self, TRUE);
      return;
    }

  pending->received += n;
  if (pending->received < BT_WIRE_HANDSHAKE_PREFIX_LENGTH)
    {
      pending_read (pending);
      return;
    }

  torrent = NULL;
  if (bt_wire_parse_handshake_prefix (pending->buffer, pending->received, &handshake, NULL) > 0)
    torrent = bt_session_find_torrent (self, handshake.info_hash);

  /* Not one of ours, or not BitTorrent: close without a word, as the
   * protocol asks. */
  if (torrent == NULL)
    {
      pending_finish (pending, self, TRUE);
      return;
    }

  {
    g_autoptr(GBytes) received = g_bytes_new (pending->buffer, pending->received);

    bt_torrent_accept_peer (torrent, pending->connection, received);
  }
  pending_finish (pending, self, FALSE);
}

static void
pending_read (Pending *pending)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (pending->connection));

  g_input_stream_read_async (input, pending->buffer + pending->received,
                             BT_WIRE_HANDSHAKE_PREFIX_LENGTH - pending->received,
                             G_PRIORITY_DEFAULT, pending->cancellable, pending_read_cb, pending);
}

static gboolean
pending_timeout_cb (gpointer user_data)
{
  Pending *pending = user_data;

  pending->timeout_id = 0;
  g_cancellable_cancel (pending->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  BtSession *self = user_data;
  Pending *pending;

  if (self->n_pending >= BT_SESSION_MAX_PENDING)
    return FALSE; /* the service closes it */

  pending = g_new0 (Pending, 1);
  g_weak_ref_init (&pending->session, self);
  pending->connection = g_object_ref (connection);
  pending->cancellable = g_cancellable_new ();
  pending->timeout_id = g_timeout_add_seconds (BT_PEER_HANDSHAKE_TIMEOUT_S, pending_timeout_cb,
                                               pending);
  g_signal_connect_object (self->cancellable, "cancelled",
                           G_CALLBACK (g_cancellable_cancel), pending->cancellable,
                           G_CONNECT_SWAPPED);
  self->n_pending++;
  pending_read (pending);
  return TRUE;
}

/* Entries and the queue */

static gboolean
state_is_running (BtTorrentState state)
{
  return state == BT_TORRENT_STATE_CHECKING || state == BT_TORRENT_STATE_DOWNLOADING
         || state == BT_TORRENT_STATE_SEEDING || state == BT_TORRENT_STATE_FETCHING_METADATA;
}

static Entry *
lookup_entry (BtSession *self,
              BtTorrent *torrent)
{
  return g_hash_table_lookup (self->entries, torrent);
}

static void
entry_free (Entry *entry)
{
  if (entry->dht_lookup != 0 && entry->session->dht != NULL)
    bt_dht_cancel (entry->session->dht, entry->dht_lookup);
  g_signal_handlers_disconnect_by_data (entry->torrent, entry);
  g_signal_handlers_disconnect_by_data (bt_torrent_get_trackers (entry->torrent), entry);
  g_object_unref (entry->torrent);
  g_free (entry);
}

static void
renumber_queue (BtSession *self,
                guint      from,
                guint      to)
{
  for (guint i = from; i < MIN (to, self->queue->len); i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);

      if (bt_torrent_get_queue_position (entry->torrent) != i)
        {
          bt_torrent_set_queue_position (entry->torrent, i);
          entry->dirty = TRUE;
        }
    }
}

/* The record a resume file keeps for @entry. */
static BtResume *
make_resume (BtSession *self,
             Entry     *entry,
             gboolean  *trusted)
{
  BtTorrent *torrent = entry->torrent;
  BtMetainfo *meta = bt_torrent_get_metainfo (torrent);
  BtResume *resume = bt_resume_new (bt_torrent_get_info_hash (torrent));
  guint n_files = meta != NULL ? bt_metainfo_get_n_files (meta) : 0;

  (void) self;
  if (bt_torrent_get_magnet (torrent) != NULL)
    resume->magnet_uri = bt_magnet_to_string (bt_torrent_get_magnet (torrent));
  /* Only pieces the torrent verified itself (or a matching resume file
   * vouched for) are worth keeping; before that, the record's file times
   * stay zero so that data found on disk next time is checked. */
  *trusted = meta != NULL && bt_torrent_is_verified (torrent);
  if (meta != NULL)
    resume->have = bt_bitfield_copy (bt_torrent_get_have (torrent));
  bt_resume_set_n_files (resume, n_files);
  for (guint i = 0; i < n_files; i++)
    resume->files[i].priority = bt_torrent_get_file_priority (torrent, i);
  resume->paused = entry->paused;
  resume->queue_position = bt_torrent_get_queue_position (torrent);
  resume->uploaded = bt_torrent_get_uploaded (torrent);
  resume->downloaded = bt_torrent_get_downloaded (torrent);
  resume->time_added = bt_torrent_get_added_time (torrent);
  resume->time_completed = bt_torrent_get_completed_time (torrent);
  resume->upload_limit = bt_torrent_get_upload_limit (torrent);
  resume->download_limit = bt_torrent_get_download_limit (torrent);
  resume->trackers = bt_torrent_dup_tracker_tiers (torrent);
  resume->save_path = g_strdup (bt_torrent_get_save_path (torrent));
  resume->name = g_strdup (bt_torrent_get_name (torrent));
  if (bt_torrent_get_state (torrent) == BT_TORRENT_STATE_ERROR)
    resume->error = g_strdup (bt_torrent_get_error_message (torrent));
  return resume;
}

/* What a record says, but for the sizes and times of its files: those
 * are read from the disk when it is written, and change only when the
 * torrent writes data, which changes its pieces too. */
static void
resume_digest (const BtResume *resume,
               gboolean        trusted,
               guint8         *out_digest)
{
  g_autoptr(BtResume) plain = bt_resume_copy (resume);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  gsize length = BT_SHA1_LENGTH;
  guint8 flag = trusted ? 1 : 0;

  for (guint i = 0; i < plain->n_files; i++)
    {
      plain->files[i].size = 0;
      plain->files[i].mtime = 0;
      plain->files[i].mtime_nsec = 0;
    }
  bytes = bt_resume_to_bytes (plain);
  g_checksum_update (checksum, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_checksum_update (checksum, &flag, 1);
  g_checksum_get_digest (checksum, out_digest, &length);
}

static void
save_entry (BtSession *self,
            Entry     *entry)
{
  g_autoptr(BtResume) resume = NULL;
  gboolean trusted;

  entry->dirty = FALSE;
  if (self->store == NULL || !entry->managed)
    return;
  resume = make_resume (self, entry, &trusted);
  entry->saved_uploaded = resume->uploaded;
  entry->saved_downloaded = resume->downloaded;
  {
    guint8 digest[BT_SHA1_LENGTH];

    /* Every start of a seed changes its state twice and would rewrite
     * the same record, syncing its files first: with thousands of
     * torrents, seconds of disk work for nothing. */
    resume_digest (resume, trusted, digest);
    if (entry->has_saved_digest && memcmp (digest, entry->saved_digest, sizeof digest) == 0)
      return;
    memcpy (entry->saved_digest, digest, sizeof digest);
    entry->has_saved_digest = TRUE;
  }
  if (trusted && bt_torrent_get_metainfo (entry->torrent) != NULL)
    bt_resume_store_schedule_full (self->store, resume->info_hash, resume,
                                   bt_torrent_get_metainfo (entry->torrent));
  else
    bt_resume_store_schedule (self->store, resume->info_hash, resume);
}

static void schedule_queue (BtSession *self);

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(BtSession) self = user_data;
  BtTorrent *torrent = BT_TORRENT (source);
  Entry *entry;

  bt_torrent_stop_finish (torrent, result, NULL);
  entry = lookup_entry (self, torrent);
  if (entry == NULL)
    return; /* removed meanwhile */
  entry->stopping = FALSE;
  save_entry (self, entry);
  schedule_queue (self);
}

static void
stop_entry (BtSession *self,
            Entry     *entry,
            gboolean   queued)
{
  bt_torrent_set_queued (entry->torrent, queued);
  if (!state_is_running (bt_torrent_get_state (entry->torrent)) || entry->stopping)
    return;
  entry->stopping = TRUE;
  bt_torrent_stop_async (entry->torrent, NULL, stopped_cb, g_object_ref (self));
}

/* Whether the torrent would seed when running: everything wanted is
 * verified. A torrent never checked is a download until its check says
 * otherwise. */
static gboolean
entry_is_seed (Entry *entry)
{
  return bt_torrent_get_metainfo (entry->torrent) != NULL
         && bt_torrent_is_verified (entry->torrent) && bt_torrent_get_left (entry->torrent) == 0;
}

/* Gives the download and seed slots to the first torrents in queue order
 * that want one, starts those that got one and queues the rest. */
static gboolean
run_queue (gpointer user_data)
{
  BtSession *self = user_data;
  guint n_downloads = 0;
  guint n_seeds = 0;

  self->queue_scheduled = FALSE;
  if (self->closing)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < self->queue->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);
      BtTorrentState state = bt_torrent_get_state (entry->torrent);
      gboolean seed = entry_is_seed (entry);
      guint *count = seed ? &n_seeds : &n_downloads;
      guint limit = seed ? self->config.max_active_seeds : self->config.max_active_downloads;

      if (!entry->managed || entry->stopping)
        continue;
      if (entry->paused)
        {
          /* A recheck asked for while paused runs, then stops. */
          if (state == BT_TORRENT_STATE_CHECKING)
            continue;
          if (state_is_running (state))
            stop_entry (self, entry, FALSE);
          bt_torrent_set_queued (entry->torrent, FALSE);
          continue;
        }
      if (state == BT_TORRENT_STATE_ERROR && !entry->retry)
        continue;

      if (limit == 0 || *count < limit)
        {
          (*count)++;
          if (!state_is_running (state))
            {
              entry->retry = FALSE;
              bt_torrent_start (entry->torrent);
            }
        }
      else
        stop_entry (self, entry, TRUE);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_queue (BtSession *self)
{
  if (self->queue_scheduled || self->closing)
    return;
  self->queue_scheduled = TRUE;
  g_idle_add_full (G_PRIORITY_DEFAULT, run_queue, g_object_ref (self), g_object_unref);
}

static void
torrent_state_cb (BtTorrent  *torrent,
                  GParamSpec *pspec,
                  Entry      *entry)
{
  BtSession *self = entry->session;

  entry->dirty = TRUE;
  /* A recheck of a paused torrent ends in the stopped state. */
  if (entry->paused && bt_torrent_get_state (torrent) != BT_TORRENT_STATE_CHECKING
      && state_is_running (bt_torrent_get_state (torrent)))
    stop_entry (self, entry, FALSE);
  if (!state_is_running (bt_torrent_get_state (torrent)) || entry_is_seed (entry))
    save_entry (self, entry);
  schedule_queue (self);
}

static void
torrent_changed_cb (BtTorrent  *torrent,
                    GParamSpec *pspec,
                    Entry      *entry)
{
  entry->dirty = TRUE;
}

/* Trackers added or removed (by the person, or merged in). */
static void
trackers_changed_cb (GListModel *trackers,
                     guint       position,
                     guint       removed,
                     guint       added,
                     Entry      *entry)
{
  entry->dirty = TRUE;
}

static void
torrent_completed_cb (BtTorrent *torrent,
                      Entry     *entry)
{
  save_entry (entry->session, entry);
  schedule_queue (entry->session);
}

/* Seeding met its goal: the torrent stops and stays stopped until the
 * person starts it again, as in other clients. */
static void
torrent_goal_cb (BtTorrent *torrent,
                 Entry     *entry)
{
  g_message ("%s: seeding goal reached; stopping", bt_torrent_get_name (torrent));
  entry->paused = TRUE;
  stop_entry (entry->session, entry, FALSE);
}

/* A magnet's metadata arrived: keep it as a torrent file (so a restart
 * does not fetch it again) and let the torrent go on. */
static void
torrent_metadata_cb (BtTorrent *torrent,
                     GBytes    *info_dict,
                     Entry     *entry)
{
  BtSession *self = entry->session;
  const BtMagnet *magnet = bt_torrent_get_magnet (torrent);
  g_autoptr(GPtrArray) trackers = g_ptr_array_new ();
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;

  if (magnet != NULL && magnet->trackers != NULL)
    for (guint i = 0; i < magnet->trackers->len; i++)
      g_ptr_array_add (trackers, g_ptr_array_index (magnet->trackers, i));
  g_ptr_array_add (trackers, NULL);

  if (self->store != NULL)
    meta = bt_resume_store_save_info_dict (self->store, bt_torrent_get_info_hash (torrent),
                                           info_dict, (const char * const *) trackers->pdata,
                                           &error);
  else
    meta = bt_metainfo_new_from_info_dict (info_dict, (const char * const *) trackers->pdata,
                                           &error);
  if (meta == NULL)
    {
      bt_torrent_fail (torrent, error);
      return;
    }
  g_message ("%s: got the metadata", bt_metainfo_get_name (meta));
  bt_torrent_set_metainfo (torrent, meta);
  entry->dirty = TRUE;
  save_entry (self, entry);
}

static void
fill_torrent_config (BtSession       *self,
                     BtTorrentConfig *config,
                     gboolean         skip_check)
{
  memset (config, 0, sizeof *config);
  memcpy (config->peer_id, self->peer_id, 20);
  config->port = self->port;
  config->soup_session = self->soup_session;
  config->tracker_pacer = self->tracker_pacer;
  config->max_peers = self->config.max_peers_per_torrent;
  config->skip_check = skip_check;
  config->budget = self->budget;
  config->upload_parent = self->upload_limit;
  config->download_parent = self->download_limit;
  config->seed_ratio = self->config.seed_ratio;
  config->seed_idle_s = self->config.seed_idle_s;
  /* Torrents take these when they are made: a changed setting applies to
   * torrents added or restored after it. */
  config->disable_pex = self->config.disable_pex;
  config->lsd = self->lsd;
}

static BtTorrent *
create_torrent (BtSession   *self,
                BtMetainfo  *meta,
                const char  *save_path,
                gboolean     skip_check,
                GError     **error)
{
  BtTorrentConfig config;

  fill_torrent_config (self, &config, skip_check);
  return bt_torrent_new (meta, save_path, &config, error);
}

static Entry *
insert_entry (BtSession *self,
              BtTorrent *torrent,
              gboolean   managed,
              gboolean   paused)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->session = self;
  entry->torrent = g_object_ref (torrent);
  entry->managed = managed;
  entry->paused = paused;
  g_hash_table_insert (self->entries, torrent, entry);
  g_ptr_array_add (self->queue, entry);
  bt_torrent_set_queue_position (torrent, self->queue->len - 1);
  if (managed)
    {
      g_signal_connect (torrent, "notify::state", G_CALLBACK (torrent_state_cb), entry);
      g_signal_connect (torrent, "notify::size", G_CALLBACK (torrent_changed_cb), entry);
      g_signal_connect (torrent, "notify::save-path", G_CALLBACK (torrent_changed_cb), entry);
      g_signal_connect (torrent, "notify::upload-limit", G_CALLBACK (torrent_changed_cb), entry);
      g_signal_connect (torrent, "notify::download-limit", G_CALLBACK (torrent_changed_cb), entry);
      g_signal_connect (bt_torrent_get_trackers (torrent), "items-changed",
                        G_CALLBACK (trackers_changed_cb), entry);
      g_signal_connect (torrent, "completed", G_CALLBACK (torrent_completed_cb), entry);
      g_signal_connect (torrent, "seed-goal-reached", G_CALLBACK (torrent_goal_cb), entry);
    }
  g_signal_connect (torrent, "metadata-received", G_CALLBACK (torrent_metadata_cb), entry);
  g_list_store_append (self->torrents, torrent);
  return entry;
}

static void
dht_peers_cb (BtDht     *dht,
              GPtrArray *peers,
              gboolean   done,
              gpointer   user_data)
{
  BtTorrent *torrent = user_data;
  BtSession *self = g_object_get_data (G_OBJECT (dht), "bt-session");
  Entry *entry = self != NULL ? lookup_entry (self, torrent) : NULL;

  if (entry == NULL)
    return;
  for (guint i = 0; i < peers->len; i++)
    bt_torrent_add_peer_address (torrent, g_ptr_array_index (peers, i));
  if (done)
    entry->dht_lookup = 0;
}

/* Asks the DHT for a running public torrent's peers, and announces it
 * there: at once when it starts, then every few minutes while it looks
 * for metadata or downloads, every quarter hour while it seeds. */
static void
dht_lookup (BtSession *self,
            Entry     *entry,
            gint64     now)
{
  BtMetainfo *meta = bt_torrent_get_metainfo (entry->torrent);
  BtTorrentState state = bt_torrent_get_state (entry->torrent);

  if (self->dht == NULL || entry->dht_lookup != 0 || now < entry->next_dht_us)
    return;
  if (meta != NULL && bt_metainfo_is_private (meta))
    return; /* BEP 27: trackers only */
  /* A torrent with no peer at all (a magnet waiting for its metadata, a
   * swarm whose only seed announced a moment later) asks again soon. */
  entry->next_dht_us = now + (gint64) (state == BT_TORRENT_STATE_SEEDING
                                       ? BT_SESSION_DHT_SEED_INTERVAL_S
                                       : bt_torrent_get_n_peers (entry->torrent) == 0
                                       ? BT_SESSION_DHT_RETRY_S
                                       : BT_SESSION_DHT_INTERVAL_S) * G_USEC_PER_SEC;
  entry->dht_lookup = bt_dht_get_peers (self->dht, bt_torrent_get_info_hash (entry->torrent),
                                        self->port, dht_peers_cb,
                                        g_object_ref (entry->torrent), g_object_unref);
}

/* The DHT just found its first node (bootstrapped late: offline at
 * start, or the bootstrap node was not up yet). A lookup that ran before
 * reached nobody, and a seed's would not come again for a quarter hour,
 * so every torrent not asking right now asks at once. */
static void
dht_n_nodes_cb (BtDht      *dht,
                GParamSpec *pspec,
                gpointer    user_data)
{
  BtSession *self = user_data;
  gboolean has_nodes = bt_dht_get_n_nodes (dht) > 0;

  if (has_nodes && !self->dht_has_nodes)
    for (guint i = 0; i < self->queue->len; i++)
      {
        Entry *entry = g_ptr_array_index (self->queue, i);

        if (entry->dht_lookup == 0)
          entry->next_dht_us = 0;
      }
  self->dht_has_nodes = has_nodes;
}

/* Once a second: the totals the UI shows, and the resume records of the
 * torrents whose figures moved (the store writes each at most every few
 * seconds). Idle torrents cost nothing here beyond a comparison. */
static gboolean
session_tick_cb (gpointer user_data)
{
  BtSession *self = user_data;
  double down = 0;
  double up = 0;
  guint active = 0;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->queue->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);
      BtTorrent *torrent = entry->torrent;

      if (!state_is_running (bt_torrent_get_state (torrent)))
        {
          if (entry->dirty)
            save_entry (self, entry);
          entry->next_dht_us = 0; /* ask at once when it runs again */
          continue;
        }
      active++;
      if (bt_torrent_get_state (torrent) != BT_TORRENT_STATE_CHECKING)
        dht_lookup (self, entry, now);
      down += bt_torrent_get_download_rate (torrent);
      up += bt_torrent_get_upload_rate (torrent);
      if (entry->dirty || bt_torrent_get_downloaded (torrent) != entry->saved_downloaded
          || bt_torrent_get_uploaded (torrent) != entry->saved_uploaded)
        save_entry (self, entry);
    }
  if (down != self->download_rate)
    {
      self->download_rate = down;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_RATE]);
    }
  if (up != self->upload_rate)
    {
      self->upload_rate = up;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_RATE]);
    }
  if (active != self->n_active)
    {
      self->n_active = active;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
    }
  return G_SOURCE_CONTINUE;
}

/* GObject overrides */

static void
bt_session_dispose (GObject *object)
{
  BtSession *self = (BtSession *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  if (self->queue != NULL)
    g_ptr_array_set_size (self->queue, 0);
  if (self->entries != NULL)
    g_hash_table_remove_all (self->entries);
  if (self->torrents != NULL)
    g_list_store_remove_all (self->torrents);
  g_clear_object (&self->store);
  g_clear_object (&self->dht);
  g_clear_object (&self->lsd);

  G_OBJECT_CLASS (bt_session_parent_class)->dispose (object);
}

static void
bt_session_finalize (GObject *object)
{
  BtSession *self = (BtSession *) object;

  g_clear_object (&self->torrents);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->budget, bt_peer_budget_unref);
  g_clear_pointer (&self->upload_limit, bt_rate_limit_unref);
  g_clear_pointer (&self->download_limit, bt_rate_limit_unref);
  g_clear_object (&self->soup_session);
  g_clear_pointer (&self->tracker_pacer, bt_tracker_pacer_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->bind_address, g_free);
  g_clear_pointer (&self->state_dir, g_free);
  g_clear_pointer (&self->download_dir, g_free);
  g_clear_pointer (&self->dht_bootstrap, g_strfreev);
  if (self->lock_fd >= 0)
    close (self->lock_fd); /* releases the lock */

  G_OBJECT_CLASS (bt_session_parent_class)->finalize (object);
}

static void
bt_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  BtSession *self = BT_SESSION (object);

  switch (prop_id)
    {
    case PROP_DOWNLOAD_RATE:
      g_value_set_double (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_double (value, self->upload_rate);
      break;
    case PROP_N_ACTIVE:
      g_value_set_uint (value, self->n_active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_session_class_init (BtSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = bt_session_dispose;
  object_class->finalize = bt_session_finalize;
  object_class->get_property = bt_session_get_property;

  properties[PROP_DOWNLOAD_RATE] =
    g_param_spec_double ("download-rate", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_UPLOAD_RATE] =
    g_param_spec_double ("upload-rate", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_N_ACTIVE] = g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bt_session_init (BtSession *self)
{
  self->torrents = g_list_store_new (BT_TYPE_TORRENT);
  self->queue = g_ptr_array_new ();
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) entry_free);
  self->cancellable = g_cancellable_new ();
  self->lock_fd = -1;
  bt_wire_make_peer_id (self->peer_id);
}

static gboolean
listen_on (BtSession  *self,
           GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  guint16 port = self->config.port;

  self->service = g_socket_service_new ();

  if (self->bind_address != NULL)
    {
      g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (self->bind_address);
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      if (ip == NULL)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_IO, "“%s” is not an IP address",
                       self->bind_address);
          return FALSE;
        }
      address = g_inet_socket_address_new (ip, port);
      if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                          &effective, &local_error))
        goto failed;
      self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (port == 0)
    {
      self->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (self->service), NULL,
                                                        &local_error);
      if (self->port == 0)
        goto failed;
    }
  else
    {
      if (!g_socket_listener_add_inet_port (G_SOCKET_LISTENER (self->service), port, NULL,
                                            &local_error))
        goto failed;
      self->port = port;
    }

  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return TRUE;

failed:
  g_set_error (error, BT_ERROR, BT_ERROR_IO, "Cannot listen for peers on port %u: %s",
               port, local_error->message);
  return FALSE;
}

/* Raises the soft limit of open files towards the hard one (see
 * BT_SESSION_MAX_FDS): without it, a session of a few thousand torrents
 * puts the ones past the first thousand in the error state with “Too many
 * open files”. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;
  rlim_t wanted;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return;
  wanted = limit.rlim_max == RLIM_INFINITY ? BT_SESSION_MAX_FDS
                                           : MIN (limit.rlim_max, BT_SESSION_MAX_FDS);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted)
    {
      limit.rlim_cur = wanted;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_debug ("Cannot raise the limit of open files: %s", g_strerror (errno));
    }
}

/* Public API */

static void start_dht (BtSession *self);

/**
 * bt_session_new:
 *
 * Returns: (transfer full): a session listening for peers, or %NULL when
 *   the port cannot be used. With a state folder, bt_session_load() brings
 *   back its torrents.
 */
BtSession *
bt_session_new (const BtSessionConfig  *config,
                GError                **error)
{
  g_autoptr(BtSession) self = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  raise_fd_limit ();
  self = g_object_new (BT_TYPE_SESSION, NULL);
  self->config = *config;
  self->bind_address = g_strdup (config->bind_address);
  self->config.bind_address = self->bind_address;
  self->state_dir = g_strdup (config->state_dir);
  self->config.state_dir = self->state_dir;
  bt_session_set_download_dir (self, config->download_dir);
  self->budget = bt_peer_budget_new (config->max_peers > 0 ? config->max_peers
                                                           : BT_SESSION_MAX_PEERS);
  self->upload_limit = bt_rate_limit_new (config->upload_limit, NULL);
  self->download_limit = bt_rate_limit_new (config->download_limit, NULL);
  self->soup_session = soup_session_new_with_options ("user-agent", "bTorrent/" PACKAGE_VERSION,
                                                      NULL);
  self->tracker_pacer = bt_tracker_pacer_new (BT_SESSION_ANNOUNCES_PER_S, BT_SESSION_ANNOUNCE_BURST);
  if (!listen_on (self, error))
    return NULL;
  self->config.dht_bootstrap_nodes = NULL;
  if (config->dht_bootstrap_nodes != NULL)
    self->dht_bootstrap = g_strdupv ((char **) config->dht_bootstrap_nodes);
  if (config->enable_dht)
    start_dht (self);
  if (config->enable_lsd)
    {
      g_autoptr(GError) lsd_error = NULL;

      /* Not fatal: trackers and the DHT still work without it. */
      self->lsd = bt_lsd_new (NULL, &lsd_error);
      if (self->lsd == NULL)
        g_warning ("Local peer discovery is off: %s", lsd_error->message);
    }
  self->tick_id = g_timeout_add_seconds (1, session_tick_cb, self);
  return g_steal_pointer (&self);
}

static char *
dht_nodes_path (BtSession *self)
{
  return self->state_dir != NULL ? g_build_filename (self->state_dir, "dht-nodes", NULL) : NULL;
}

/* The DHT listens on the UDP port of the listening port's number, as
 * clients expect. Failing to get it is not fatal: trackers still work. */
static void
start_dht (BtSession *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = dht_nodes_path (self);
  g_autofree char *contents = NULL;
  gsize length;

  self->dht = bt_dht_new (self->bind_address, self->port, &error);
  if (self->dht == NULL)
    {
      g_warning ("The DHT is off: %s", error->message);
      return;
    }
  g_object_set_data (G_OBJECT (self->dht), "bt-session", self);
  self->dht_has_nodes = FALSE;
  g_signal_connect_object (self->dht, "notify::n-nodes", G_CALLBACK (dht_n_nodes_cb), self, 0);
  if (path != NULL && g_file_get_contents (path, &contents, &length, NULL))
    {
      g_autoptr(GBytes) nodes = g_bytes_new_take (g_steal_pointer (&contents), length);

      bt_dht_add_saved_nodes (self->dht, nodes);
    }
  bt_dht_bootstrap (self->dht, (const char * const *) self->dht_bootstrap);
}

static void
save_dht_nodes (BtSession *self)
{
  g_autofree char *path = dht_nodes_path (self);
  g_autoptr(GBytes) nodes = NULL;
  g_autoptr(GError) error = NULL;

  if (self->dht == NULL || path == NULL || self->lock_fd < 0)
    return;
  nodes = bt_dht_save_nodes (self->dht);
  if (!g_file_set_contents (path, g_bytes_get_data (nodes, NULL), g_bytes_get_size (nodes),
                            &error))
    g_warning ("Cannot keep the DHT's nodes: %s", error->message);
}

/**
 * bt_session_set_dht_enabled:
 *
 * Turns the DHT on (bootstrapping from the saved nodes and the configured
 * routers) or off.
 */
void
bt_session_set_dht_enabled (BtSession *self,
                            gboolean   enabled)
{
  g_return_if_fail (BT_IS_SESSION (self));

  if (enabled == (self->dht != NULL))
    return;
  for (guint i = 0; i < self->queue->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);

      if (entry->dht_lookup != 0 && self->dht != NULL)
        bt_dht_cancel (self->dht, entry->dht_lookup);
      entry->dht_lookup = 0;
      entry->next_dht_us = 0;
    }
  if (enabled)
    start_dht (self);
  else
    {
      save_dht_nodes (self);
      g_clear_object (&self->dht);
    }
}

/**
 * bt_session_get_dht:
 *
 * Returns: (transfer none) (nullable): the DHT node, when it is on
 */
BtDht *
bt_session_get_dht (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  return self->dht;
}

static gboolean
take_lock (BtSession  *self,
           GError    **error)
{
  g_autofree char *path = g_build_filename (self->state_dir, "lock", NULL);
  g_autofree char *display = g_filename_display_name (self->state_dir);

  self->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->lock_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, BT_ERROR, BT_ERROR_IO, "Cannot use the state folder “%s”: %s",
                   display, g_strerror (saved_errno));
      return FALSE;
    }
  /* Two sessions on one state folder would overwrite each other's
   * records: the app and the daemon, or two daemons, must not both run. */
  if (flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
      g_set_error (error, BT_ERROR, BT_ERROR_IO,
                   "Another bTorrent (the app or btorrent-cli daemon) is already using “%s”",
                   display);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  BtMetainfo *meta;
  BtResume   *resume;
} Saved;

static void
saved_free (Saved *saved)
{
  g_clear_object (&saved->meta);
  g_clear_pointer (&saved->resume, bt_resume_free);
  g_free (saved);
}

static gint
by_queue_position (gconstpointer a,
                   gconstpointer b)
{
  const Saved *sa = *(const Saved * const *) a;
  const Saved *sb = *(const Saved * const *) b;
  guint pa = sa->resume != NULL ? sa->resume->queue_position : G_MAXUINT;
  guint pb = sb->resume != NULL ? sb->resume->queue_position : G_MAXUINT;

  return pa < pb ? -1 : pa > pb;
}

/* Brings one saved torrent back as it was; when its files changed behind
 * our back it is checked again, and when its folder or files are gone it
 * waits in the error state rather than downloading anew. */
static void
restore_limits (BtTorrent      *torrent,
                const BtResume *resume)
{
  bt_torrent_set_upload_limit (torrent, resume->upload_limit);
  bt_torrent_set_download_limit (torrent, resume->download_limit);
  if (resume->trackers != NULL)
    bt_torrent_set_tracker_tiers (torrent, resume->trackers);
}

static void
restore_torrent (BtSession *self,
                 Saved     *saved)
{
  BtResume *resume = saved->resume;
  const char *save_path = resume != NULL && resume->save_path != NULL ? resume->save_path
                                                                      : self->download_dir;
  g_autoptr(BtTorrent) torrent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *display = g_filename_display_name (save_path);
  Entry *entry;

  if (saved->meta == NULL)
    {
      g_autoptr(BtMagnet) magnet = bt_magnet_parse (resume->magnet_uri, &error);
      BtTorrentConfig config;

      if (magnet == NULL)
        {
          g_warning ("Cannot restore a magnet link: %s", error->message);
          return;
        }
      fill_torrent_config (self, &config, FALSE);
      torrent = bt_torrent_new_magnet (magnet, save_path, &config);
      bt_torrent_restore (torrent, NULL, resume->uploaded, resume->downloaded,
                          resume->time_added, resume->time_completed);
      restore_limits (torrent, resume);
      insert_entry (self, torrent, TRUE, resume->paused);
      return;
    }

  torrent = create_torrent (self, saved->meta, save_path, FALSE, &error);
  if (torrent == NULL)
    {
      g_warning ("Cannot restore “%s”: %s", bt_metainfo_get_name (saved->meta), error->message);
      return;
    }
  if (resume != NULL)
    restore_limits (torrent, resume);
  entry = insert_entry (self, torrent, TRUE, resume != NULL && resume->paused);
  if (resume == NULL)
    return; /* no usable record: checked at its start */

  for (guint i = 0; i < resume->n_files; i++)
    if (resume->files[i].priority != BT_PRIORITY_NORMAL)
      bt_torrent_set_file_priority (torrent, i, resume->files[i].priority);

  if (!g_file_test (save_path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GError) missing = g_error_new (BT_ERROR, BT_ERROR_IO,
                                               "The folder “%s” is missing. If it is on a disk "
                                               "that is not plugged in, plug it in and resume "
                                               "the torrent.", display);

      bt_torrent_restore (torrent, NULL, resume->uploaded, resume->downloaded,
                          resume->time_added, resume->time_completed);
      bt_torrent_fail (torrent, missing);
      return;
    }
  if (resume->have != NULL && bt_bitfield_count (resume->have) > 0
      && !bt_session_files_any_present (saved->meta, save_path))
    {
      g_autoptr(GError) missing = g_error_new (BT_ERROR, BT_ERROR_IO,
                                               "The files of “%s” are missing from “%s”. "
                                               "Resume it to download them again.",
                                               bt_metainfo_get_name (saved->meta), display);

      bt_torrent_restore (torrent, NULL, resume->uploaded, resume->downloaded,
                          resume->time_added, resume->time_completed);
      bt_torrent_fail (torrent, missing);
      return;
    }

  if (resume->have != NULL
      && bt_resume_files_unchanged (resume, saved->meta, save_path, NULL))
    {
      bt_torrent_restore (torrent, resume->have, resume->uploaded, resume->downloaded,
                          resume->time_added, resume->time_completed);
      /* The record on disk is up to date, file times included. */
      resume_digest (resume, TRUE, entry->saved_digest);
      entry->has_saved_digest = TRUE;
    }
  else
    {
      g_message ("%s: its files changed since the last run; checking them",
                 bt_metainfo_get_name (saved->meta));
      bt_torrent_restore (torrent, NULL, resume->uploaded, resume->downloaded,
                          resume->time_added, resume->time_completed);
      entry->dirty = TRUE;
    }
}

/**
 * bt_session_load:
 *
 * Takes the state folder for this session (only one session may use it)
 * and brings back every torrent saved there, in queue order, paused ones
 * paused. Torrents that cannot be read are skipped with a warning. A
 * session without a state folder has nothing to load.
 *
 * Returns: %FALSE with @error set when the folder is in use or unusable
 */
gboolean
bt_session_load (BtSession  *self,
                 GError    **error)
{
  g_autoptr(GPtrArray) hashes = NULL;
  g_autoptr(GPtrArray) saved = NULL;

  g_return_val_if_fail (BT_IS_SESSION (self), FALSE);
  g_return_val_if_fail (self->store == NULL, FALSE);

  if (self->state_dir == NULL)
    return TRUE;
  if (g_mkdir_with_parents (self->state_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (self->state_dir);

      g_set_error (error, BT_ERROR, BT_ERROR_IO, "Cannot make the state folder “%s”: %s",
                   display, g_strerror (saved_errno));
      return FALSE;
    }
  if (!take_lock (self, error))
    return FALSE;

  self->store = bt_resume_store_new (self->state_dir);
  if (self->config.resume_interval_ms > 0)
    bt_resume_store_set_interval (self->store, self->config.resume_interval_ms);
  hashes = bt_resume_store_list (self->store, error);
  if (hashes == NULL)
    return FALSE;

  saved = g_ptr_array_new_with_free_func ((GDestroyNotify) saved_free);
  for (guint i = 0; i < hashes->len; i++)
    {
      const guint8 *hash = g_bytes_get_data (g_ptr_array_index (hashes, i), NULL);
      g_autoptr(GError) local_error = NULL;
      Saved *item = g_new0 (Saved, 1);

      item->meta = bt_resume_store_load_metainfo (self->store, hash, &local_error);
      if (item->meta == NULL)
        {
          g_autoptr(GError) resume_error = NULL;

          /* A magnet whose metadata never came has only its record. */
          item->resume = bt_resume_store_load_resume (self->store, hash, NULL, &resume_error);
          if (item->resume == NULL || item->resume->magnet_uri == NULL)
            {
              g_warning ("Skipping a saved torrent: %s", local_error->message);
              saved_free (item);
              continue;
            }
          g_ptr_array_add (saved, item);
          continue;
        }
      item->resume = bt_resume_store_load_resume (self->store, hash, item->meta, &local_error);
      if (item->resume == NULL)
        g_warning ("%s: %s; its data will be checked", bt_metainfo_get_name (item->meta),
                   local_error->message);
      g_ptr_array_add (saved, item);
    }
  g_ptr_array_sort (saved, by_queue_position);
  for (guint i = 0; i < saved->len; i++)
    restore_torrent (self, g_ptr_array_index (saved, i));
  schedule_queue (self);
  return TRUE;
}

typedef struct
{
  guint    pending;
  GError  *error;
} CloseData;

static void
close_data_free (CloseData *data)
{
  g_clear_error (&data->error);
  g_free (data);
}

static void
close_finish_if_done (GTask *task)
{
  BtSession *self = g_task_get_source_object (task);
  CloseData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (--data->pending > 0)
    return;
  for (guint i = 0; i < self->queue->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);

      if (entry->dirty || bt_torrent_get_uploaded (entry->torrent) != entry->saved_uploaded
          || bt_torrent_get_downloaded (entry->torrent) != entry->saved_downloaded)
        save_entry (self, entry);
    }
  save_dht_nodes (self);
  if (self->store != NULL && !bt_resume_store_flush (self->store, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
close_stopped_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BtSession *self = g_task_get_source_object (task);
  Entry *entry = lookup_entry (self, BT_TORRENT (source));

  bt_torrent_stop_finish (BT_TORRENT (source), result, NULL);
  if (entry != NULL)
    {
      entry->stopping = FALSE;
      entry->dirty = TRUE;
    }
  close_finish_if_done (task);
}

/**
 * bt_session_close_async:
 *
 * Stops every torrent (telling trackers, within their short stop
 * timeout), stops listening and writes every resume record. Call it
 * before quitting; the session is of no further use after.
 */
void
bt_session_close_async (BtSession           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CloseData *data;

  g_return_if_fail (BT_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_session_close_async);
  data = g_new0 (CloseData, 1);
  data->pending = 1;
  g_task_set_task_data (task, data, (GDestroyNotify) close_data_free);

  self->closing = TRUE;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->service != NULL)
    g_socket_service_stop (self->service);

  for (guint i = 0; i < self->queue->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);

      if (!state_is_running (bt_torrent_get_state (entry->torrent)))
        continue;
      data->pending++;
      entry->stopping = TRUE;
      /* Keep its place: a torrent that ran runs again at the next start. */
      bt_torrent_stop_async (entry->torrent, cancellable, close_stopped_cb,
                             g_object_ref (task));
    }
  close_finish_if_done (task);
}

gboolean
bt_session_close_finish (BtSession     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

guint16
bt_session_get_port (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), 0);
  return self->port;
}

const guint8 *
bt_session_get_peer_id (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  return self->peer_id;
}

/**
 * bt_session_get_torrents:
 *
 * Returns: (transfer none): the torrents, a list model of #BtTorrent in
 *   the order they were added
 */
GListModel *
bt_session_get_torrents (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  return G_LIST_MODEL (self->torrents);
}

/**
 * bt_session_find_torrent:
 *
 * Returns: (transfer none) (nullable): the torrent with @info_hash
 */
BtTorrent *
bt_session_find_torrent (BtSession    *self,
                         const guint8 *info_hash)
{
  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (info_hash != NULL, NULL);

  for (guint i = 0; i < self->queue->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);

      if (memcmp (bt_torrent_get_info_hash (entry->torrent), info_hash, BT_INFO_HASH_LENGTH) == 0)
        return entry->torrent;
    }
  return NULL;
}

/**
 * bt_session_find_torrent_by_hex:
 * @info_hash_hex: 40 hex digits, either case
 *
 * Returns: (transfer none) (nullable): the torrent with that info-hash
 */
BtTorrent *
bt_session_find_torrent_by_hex (BtSession  *self,
                                const char *info_hash_hex)
{
  guint8 hash[BT_INFO_HASH_LENGTH];

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (info_hash_hex != NULL, NULL);

  if (strlen (info_hash_hex) != 2 * BT_INFO_HASH_LENGTH)
    return NULL;
  for (guint i = 0; i < BT_INFO_HASH_LENGTH; i++)
    {
      int hi = g_ascii_xdigit_value (info_hash_hex[2 * i]);
      int lo = g_ascii_xdigit_value (info_hash_hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return NULL;
      hash[i] = (guint8) (hi << 4 | lo);
    }
  return bt_session_find_torrent (self, hash);
}

/* The folder a torrent is added to must exist: a typo or an unplugged
 * disk is reported, never papered over by making the folder. */
static gboolean
check_download_folder (const char  *path,
                       GError     **error)
{
  g_autofree char *display = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;
  display = g_filename_display_name (path);
  g_set_error (error, BT_ERROR, BT_ERROR_IO, "The download folder “%s” does not exist", display);
  return FALSE;
}

/**
 * bt_session_add:
 * @options: (nullable): where and how; %NULL for the defaults
 * @out_existing: (out) (optional): set to whether the torrent was in the
 *   session already (then it is returned as it is)
 *
 * Adds a torrent to the session, saves it to the state folder, and starts
 * it when the queue has room (unless @options ask for it paused).
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set (the
 *   folder does not exist, the state folder cannot be written)
 */
BtTorrent *
bt_session_add (BtSession           *self,
                BtMetainfo          *meta,
                const BtAddOptions  *options,
                gboolean            *out_existing,
                GError             **error)
{
  static const BtAddOptions defaults = { 0 };
  g_autoptr(BtTorrent) torrent = NULL;
  g_autofree char *canonical = NULL;
  const char *save_path;
  BtTorrent *existing;
  Entry *entry;

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);

  if (options == NULL)
    options = &defaults;
  if (out_existing != NULL)
    *out_existing = FALSE;

  existing = bt_session_find_torrent (self, bt_metainfo_get_info_hash (meta));
  if (existing != NULL)
    {
      bt_torrent_merge_trackers (existing, meta);
      if (out_existing != NULL)
        *out_existing = TRUE;
      return existing;
    }

  /* Kept absolute: the resume record outlives the working folder. */
  save_path = canonical = g_canonicalize_filename (options->save_path != NULL ? options->save_path
                                                                            : self->download_dir,
                                                   NULL);
  if (!check_download_folder (save_path, error))
    return NULL;
  g_return_val_if_fail (options->n_priorities == 0
                        || options->n_priorities == bt_metainfo_get_n_files (meta), NULL);

  torrent = create_torrent (self, meta, save_path, (options->flags & BT_ADD_SKIP_CHECK) != 0,
                            error);
  if (torrent == NULL)
    return NULL;
  for (guint i = 0; i < options->n_priorities; i++)
    if (options->priorities[i] != BT_PRIORITY_NORMAL)
      bt_torrent_set_file_priority (torrent, i, options->priorities[i]);

  /* The copy is what brings the torrent back after a restart: without it
   * the add fails rather than losing the torrent later. */
  if (self->store != NULL && !bt_resume_store_save_metainfo (self->store, meta, error))
    return NULL;

  entry = insert_entry (self, torrent, TRUE, (options->flags & BT_ADD_PAUSED) != 0);
  save_entry (self, entry);
  schedule_queue (self);
  return torrent;
}

/**
 * bt_session_add_file:
 *
 * Reads a `.torrent` file and adds it, as bt_session_add() does.
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set (the
 *   file cannot be read or is not a valid torrent)
 */
BtTorrent *
bt_session_add_file (BtSession           *self,
                     GFile               *file,
                     const BtAddOptions  *options,
                     gboolean            *out_existing,
                     GError             **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  name = g_file_get_parse_name (file);
  path = g_file_get_path (file);
  if (path != NULL)
    meta = bt_metainfo_new_from_file (path, &local_error);
  else
    {
      /* Not a local file (a file manager's network location): read it
       * whole, but not without bound. */
      bytes = g_file_load_bytes (file, NULL, NULL, &local_error);
      if (bytes != NULL && g_bytes_get_size (bytes) > BT_BENCODE_MAX_SIZE)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SIZE,
                       "“%s” is too large to be a torrent file", name);
          return NULL;
        }
      if (bytes != NULL)
        meta = bt_metainfo_new_from_bytes (bytes, &local_error);
    }
  if (meta == NULL)
    {
      g_set_error (error, local_error->domain, local_error->code,
                   "“%s” cannot be added: %s", name, local_error->message);
      return NULL;
    }
  return bt_session_add (self, meta, options, out_existing, error);
}

/**
 * bt_session_add_magnet:
 *
 * Adds a torrent from a magnet link.
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
BtTorrent *
bt_session_add_magnet (BtSession           *self,
                       const char          *uri,
                       const BtAddOptions  *options,
                       gboolean            *out_existing,
                       GError             **error)
{
  static const BtAddOptions defaults = { 0 };
  g_autoptr(BtMagnet) magnet = NULL;
  g_autoptr(BtTorrent) torrent = NULL;
  g_autofree char *canonical = NULL;
  BtTorrentConfig config;
  const char *save_path;
  BtTorrent *existing;
  Entry *entry;

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);

  if (options == NULL)
    options = &defaults;
  if (out_existing != NULL)
    *out_existing = FALSE;

  magnet = bt_magnet_parse (uri, error);
  if (magnet == NULL)
    return NULL;
  existing = bt_session_find_torrent (self, magnet->info_hash);
  if (existing != NULL)
    {
      if (out_existing != NULL)
        *out_existing = TRUE;
      if (magnet->peers != NULL)
        for (guint i = 0; i < magnet->peers->len; i++)
          bt_torrent_add_peer_address (existing, g_ptr_array_index (magnet->peers, i));
      return existing;
    }

  save_path = canonical = g_canonicalize_filename (options->save_path != NULL ? options->save_path
                                                                            : self->download_dir,
                                                   NULL);
  if (!check_download_folder (save_path, error))
    return NULL;
  fill_torrent_config (self, &config, FALSE);
  torrent = bt_torrent_new_magnet (magnet, save_path, &config);
  entry = insert_entry (self, torrent, TRUE, (options->flags & BT_ADD_PAUSED) != 0);
  save_entry (self, entry);
  schedule_queue (self);
  return torrent;
}

/**
 * bt_session_add_torrent:
 * @skip_check: start without looking for data already on disk
 *
 * Adds a stopped torrent the caller runs itself with bt_torrent_start():
 * outside the queue and never saved, for `btorrent-cli download` and
 * tests. A torrent that is already in the session is returned as it is.
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
BtTorrent *
bt_session_add_torrent (BtSession   *self,
                        BtMetainfo  *meta,
                        const char  *download_dir,
                        gboolean     skip_check,
                        GError     **error)
{
  g_autoptr(BtTorrent) torrent = NULL;
  BtTorrent *existing;

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);
  g_return_val_if_fail (download_dir != NULL, NULL);

  existing = bt_session_find_torrent (self, bt_metainfo_get_info_hash (meta));
  if (existing != NULL)
    return existing;
  if (!check_download_folder (download_dir, error))
    return NULL;

  torrent = create_torrent (self, meta, download_dir, skip_check, error);
  if (torrent == NULL)
    return NULL;
  insert_entry (self, torrent, FALSE, FALSE);
  return torrent;
}

/**
 * bt_session_add_magnet_torrent:
 *
 * Like bt_session_add_torrent() for a magnet link: a stopped torrent the
 * caller runs itself, outside the queue and never saved.
 *
 * Returns: (transfer none): the torrent, or %NULL with @error set
 */
BtTorrent *
bt_session_add_magnet_torrent (BtSession       *self,
                               const BtMagnet  *magnet,
                               const char      *download_dir,
                               GError         **error)
{
  g_autoptr(BtTorrent) torrent = NULL;
  BtTorrentConfig config;
  BtTorrent *existing;

  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  g_return_val_if_fail (magnet != NULL, NULL);
  g_return_val_if_fail (download_dir != NULL, NULL);

  existing = bt_session_find_torrent (self, magnet->info_hash);
  if (existing != NULL)
    return existing;
  if (!check_download_folder (download_dir, error))
    return NULL;
  fill_torrent_config (self, &config, FALSE);
  torrent = bt_torrent_new_magnet (magnet, download_dir, &config);
  insert_entry (self, torrent, FALSE, FALSE);
  return torrent;
}

typedef struct
{
  BtMetainfo *meta;
  char       *save_path;
} DeleteData;

static void
delete_data_free (DeleteData *data)
{
  g_clear_object (&data->meta);
  g_free (data->save_path);
  g_free (data);
}

static void
delete_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DeleteData *data = task_data;
  g_autoptr(GError) error = NULL;

  if (!bt_session_files_delete (data->meta, data->save_path, &error))
    g_warning ("%s: %s", bt_metainfo_get_name (data->meta), error->message);
  g_task_return_boolean (task, TRUE);
}

/* The files go once the torrent stopped, so no write of it lands after. */
static void
removed_stopped_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  DeleteData *data = user_data;

  bt_torrent_stop_finish (BT_TORRENT (source), result, NULL);
  if (data != NULL)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, NULL, NULL);

      g_task_set_task_data (task, data, (GDestroyNotify) delete_data_free);
      g_task_run_in_thread (task, delete_thread);
    }
}

/**
 * bt_session_remove:
 * @delete_data: also delete the torrent's files (only its own files, and
 *   the folders they leave empty)
 *
 * Stops a torrent and forgets it, with its saved state.
 *
 * Returns: %FALSE with @error set when the torrent is not in the session
 */
gboolean
bt_session_remove (BtSession  *self,
                   BtTorrent  *torrent,
                   gboolean    delete_data,
                   GError    **error)
{
  g_autoptr(BtTorrent) keep = NULL;
  DeleteData *data = NULL;
  Entry *entry;
  guint position;

  g_return_val_if_fail (BT_IS_SESSION (self), FALSE);
  g_return_val_if_fail (BT_IS_TORRENT (torrent), FALSE);

  entry = lookup_entry (self, torrent);
  if (entry == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_IO, "“%s” is not in the list",
                   bt_torrent_get_name (torrent));
      return FALSE;
    }
  keep = g_object_ref (torrent);
  if (delete_data && bt_torrent_get_metainfo (torrent) != NULL)
    {
      data = g_new0 (DeleteData, 1);
      data->meta = g_object_ref (bt_torrent_get_metainfo (torrent));
      data->save_path = g_strdup (bt_torrent_get_save_path (torrent));
    }

  position = bt_torrent_get_queue_position (torrent);
  g_ptr_array_remove (self->queue, entry);
  g_hash_table_remove (self->entries, torrent);
  renumber_queue (self, position, self->queue->len);
  if (g_list_store_find (self->torrents, torrent, &position))
    g_list_store_remove (self->torrents, position);
  if (self->store != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      if (!bt_resume_store_remove (self->store, bt_torrent_get_info_hash (torrent), &local_error))
        g_warning ("%s", local_error->message);
    }

  bt_torrent_stop_async (torrent, NULL, removed_stopped_cb, data);
  schedule_queue (self);
  return TRUE;
}

/**
 * bt_session_pause:
 *
 * Stops a torrent until bt_session_resume(); the queue leaves it alone.
 */
void
bt_session_pause (BtSession *self,
                  BtTorrent *torrent)
{
  Entry *entry;

  g_return_if_fail (BT_IS_SESSION (self));
  g_return_if_fail (BT_IS_TORRENT (torrent));

  entry = lookup_entry (self, torrent);
  g_return_if_fail (entry != NULL);

  entry->paused = TRUE;
  entry->dirty = TRUE;
  stop_entry (self, entry, FALSE);
  save_entry (self, entry);
}

/**
 * bt_session_resume:
 *
 * Lets a paused torrent (or one in the error state, to try again) run
 * when the queue has room.
 */
void
bt_session_resume (BtSession *self,
                   BtTorrent *torrent)
{
  Entry *entry;

  g_return_if_fail (BT_IS_SESSION (self));
  g_return_if_fail (BT_IS_TORRENT (torrent));

  entry = lookup_entry (self, torrent);
  g_return_if_fail (entry != NULL);

  entry->paused = FALSE;
  entry->managed = TRUE;
  entry->retry = bt_torrent_get_state (torrent) == BT_TORRENT_STATE_ERROR;
  save_entry (self, entry);
  schedule_queue (self);
}

static void
recheck_stopped_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(BtSession) self = user_data;
  BtTorrent *torrent = BT_TORRENT (source);
  Entry *entry;

  bt_torrent_stop_finish (torrent, result, NULL);
  entry = lookup_entry (self, torrent);
  if (entry == NULL)
    return;
  entry->stopping = FALSE;
  bt_torrent_recheck (torrent);
  bt_torrent_start (torrent);
}

/**
 * bt_session_recheck:
 *
 * Hashes the torrent's data on disk again now, whatever its state; a
 * paused torrent is stopped again after the check.
 *
 * Returns: %FALSE with @error set when the torrent is not in the session
 */
gboolean
bt_session_recheck (BtSession  *self,
                    BtTorrent  *torrent,
                    GError    **error)
{
  Entry *entry;

  g_return_val_if_fail (BT_IS_SESSION (self), FALSE);
  g_return_val_if_fail (BT_IS_TORRENT (torrent), FALSE);

  entry = lookup_entry (self, torrent);
  if (entry == NULL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_IO, "“%s” is not in the list",
                   bt_torrent_get_name (torrent));
      return FALSE;
    }
  entry->dirty = TRUE;
  if (state_is_running (bt_torrent_get_state (torrent)))
    {
      entry->stopping = TRUE;
      bt_torrent_stop_async (torrent, NULL, recheck_stopped_cb, g_object_ref (self));
    }
  else
    {
      bt_torrent_recheck (torrent);
      bt_torrent_start (torrent);
    }
  return TRUE;
}

typedef struct
{
  BtTorrent  *torrent;
  BtMetainfo *meta;
  char       *from;
  char       *to;
  gboolean    was_stopping;
} MoveData;

static void
move_data_free (MoveData *data)
{
  g_clear_object (&data->torrent);
  g_clear_object (&data->meta);
  g_free (data->from);
  g_free (data->to);
  g_free (data);
}

static void
move_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  MoveData *data = task_data;
  GError *error = NULL;

  if (bt_session_files_move (data->meta, data->from, data->to, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
move_stopped_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  MoveData *data = g_task_get_task_data (task);
  BtSession *self = g_task_get_source_object (task);
  Entry *entry;

  bt_torrent_stop_finish (BT_TORRENT (source), result, NULL);
  entry = lookup_entry (self, data->torrent);
  if (entry != NULL)
    entry->stopping = TRUE; /* the queue keeps off it until the move ends */
  g_task_run_in_thread (task, move_thread);
}

/**
 * bt_session_move_async:
 * @new_save_path: an existing folder
 *
 * Stops the torrent, moves its files (renaming, or copying across file
 * systems; a file of the same name already there is never overwritten),
 * and lets the queue start it again from the new folder.
 */
void
bt_session_move_async (BtSession           *self,
                       BtTorrent           *torrent,
                       const char          *new_save_path,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  MoveData *data;
  Entry *entry;

  g_return_if_fail (BT_IS_SESSION (self));
  g_return_if_fail (BT_IS_TORRENT (torrent));
  g_return_if_fail (new_save_path != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_session_move_async);
  entry = lookup_entry (self, torrent);
  if (entry == NULL)
    {
      g_task_return_new_error (task, BT_ERROR, BT_ERROR_IO, "“%s” is not in the list",
                               bt_torrent_get_name (torrent));
      return;
    }
  if (!g_file_test (new_save_path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *display = g_filename_display_name (new_save_path);

      g_task_return_new_error (task, BT_ERROR, BT_ERROR_IO, "The folder “%s” does not exist",
                               display);
      return;
    }
  data = g_new0 (MoveData, 1);
  data->torrent = g_object_ref (torrent);
  data->meta = g_object_ref (bt_torrent_get_metainfo (torrent));
  data->from = g_strdup (bt_torrent_get_save_path (torrent));
  data->to = g_canonicalize_filename (new_save_path, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) move_data_free);

  entry->stopping = TRUE;
  bt_torrent_stop_async (torrent, NULL, move_stopped_cb, g_steal_pointer (&task));
}

/**
 * bt_session_move_finish:
 *
 * Returns: %FALSE with @error set when a file could not be moved; the
 *   torrent then stays in its old folder (files already moved stay moved,
 *   and its next start checks what is where)
 */
gboolean
bt_session_move_finish (BtSession     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  GTask *task = G_TASK (result);
  MoveData *data;
  Entry *entry;
  gboolean ok;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  data = g_task_get_task_data (task);
  ok = g_task_propagate_boolean (task, error);
  if (data == NULL)
    return ok;
  entry = lookup_entry (self, data->torrent);
  if (entry == NULL)
    return ok;
  entry->stopping = FALSE;
  if (ok)
    bt_torrent_set_save_path (data->torrent, data->to);
  else
    bt_torrent_recheck (data->torrent);
  save_entry (self, entry);
  schedule_queue (self);
  return ok;
}

/**
 * bt_session_queue_move:
 * @delta: places to move: negative towards the front (runs sooner),
 *   positive towards the back; G_MININT / G_MAXINT for the ends
 */
void
bt_session_queue_move (BtSession *self,
                       BtTorrent *torrent,
                       int        delta)
{
  Entry *entry;
  guint from;
  guint to;

  g_return_if_fail (BT_IS_SESSION (self));
  g_return_if_fail (BT_IS_TORRENT (torrent));

  entry = lookup_entry (self, torrent);
  g_return_if_fail (entry != NULL);

  from = bt_torrent_get_queue_position (torrent);
  if (delta < 0)
    to = (guint) MAX ((gint64) from + delta, 0);
  else
    to = (guint) MIN ((gint64) from + delta, (gint64) self->queue->len - 1);
  if (to == from)
    return;
  g_ptr_array_remove_index (self->queue, from);
  g_ptr_array_insert (self->queue, to, entry);
  renumber_queue (self, MIN (from, to), MAX (from, to) + 1);
  schedule_queue (self);
}

/**
 * bt_session_set_upload_limit:
 * @bytes_per_second: for all torrents together; 0 for no limit
 */
void
bt_session_set_upload_limit (BtSession *self,
                             guint64    bytes_per_second)
{
  g_return_if_fail (BT_IS_SESSION (self));
  self->config.upload_limit = bytes_per_second;
  bt_rate_limit_set_rate (self->upload_limit, bytes_per_second, g_get_monotonic_time ());
}

/**
 * bt_session_set_download_limit:
 * @bytes_per_second: for all torrents together; 0 for no limit
 */
void
bt_session_set_download_limit (BtSession *self,
                               guint64    bytes_per_second)
{
  g_return_if_fail (BT_IS_SESSION (self));
  self->config.download_limit = bytes_per_second;
  bt_rate_limit_set_rate (self->download_limit, bytes_per_second, g_get_monotonic_time ());
  /* A raised limit lets waiting torrents ask at once. */
  for (guint i = 0; i < self->queue->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->queue, i);

      if (bt_torrent_get_state (entry->torrent) == BT_TORRENT_STATE_DOWNLOADING)
        bt_torrent_set_download_limit (entry->torrent, bt_torrent_get_download_limit (entry->torrent));
    }
}

/**
 * bt_session_set_seed_goals:
 * @ratio: stop seeding at this ratio; 0 never
 * @idle_s: stop seeding after this long without uploading; 0 never
 */
void
bt_session_set_seed_goals (BtSession *self,
                           double     ratio,
                           guint      idle_s)
{
  g_return_if_fail (BT_IS_SESSION (self));

  self->config.seed_ratio = ratio;
  self->config.seed_idle_s = idle_s;
  for (guint i = 0; i < self->queue->len; i++)
    bt_torrent_set_seed_goals (((Entry *) g_ptr_array_index (self->queue, i))->torrent, ratio,
                               idle_s);
}

/**
 * bt_session_set_queue_limits:
 *
 * How many downloads and seeds run at once (0: no limit); the others wait.
 */
void
bt_session_set_queue_limits (BtSession *self,
                             guint      max_active_downloads,
                             guint      max_active_seeds)
{
  g_return_if_fail (BT_IS_SESSION (self));

  self->config.max_active_downloads = max_active_downloads;
  self->config.max_active_seeds = max_active_seeds;
  schedule_queue (self);
}

/**
 * bt_session_set_peer_limits:
 *
 * Connections in all and per torrent (0: the default); existing
 * connections over a lowered limit stay until they end.
 */
void
bt_session_set_peer_limits (BtSession *self,
                            guint      max_peers,
                            guint      max_peers_per_torrent)
{
  g_return_if_fail (BT_IS_SESSION (self));

  self->config.max_peers = max_peers;
  self->config.max_peers_per_torrent = max_peers_per_torrent;
  self->budget->max = max_peers > 0 ? max_peers : BT_SESSION_MAX_PEERS;
  for (guint i = 0; i < self->queue->len; i++)
    bt_torrent_set_max_peers (((Entry *) g_ptr_array_index (self->queue, i))->torrent,
                              max_peers_per_torrent);
}

/**
 * bt_session_set_download_dir:
 * @download_dir: (nullable): the default folder of added torrents; %NULL
 *   or "" for the XDG download folder
 */
void
bt_session_set_download_dir (BtSession  *self,
                             const char *download_dir)
{
  g_return_if_fail (BT_IS_SESSION (self));

  g_free (self->download_dir);
  if (download_dir != NULL && *download_dir != '\0')
    self->download_dir = g_canonicalize_filename (download_dir, NULL);
  else if (g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD) != NULL)
    self->download_dir = g_strdup (g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD));
  else
    self->download_dir = g_build_filename (g_get_home_dir (), "Downloads", NULL);
  self->config.download_dir = self->download_dir;
}

const char *
bt_session_get_download_dir (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), NULL);
  return self->download_dir;
}

/**
 * bt_session_set_port:
 * @port: 0 for any free port
 *
 * Listens on another port; the torrents announce it from their next
 * announce on.
 *
 * Returns: %FALSE with @error set when the port cannot be used; the old
 *   one then stays
 */
gboolean
bt_session_set_port (BtSession  *self,
                     guint16     port,
                     GError    **error)
{
  GSocketService *old;
  guint16 old_port;

  g_return_val_if_fail (BT_IS_SESSION (self), FALSE);

  if (port != 0 && port == self->port)
    return TRUE;
  old = g_steal_pointer (&self->service);
  old_port = self->config.port;
  self->config.port = port;
  if (!listen_on (self, error))
    {
      g_clear_object (&self->service);
      self->service = old;
      self->config.port = old_port;
      return FALSE;
    }
  g_socket_service_stop (old);
  g_socket_listener_close (G_SOCKET_LISTENER (old));
  g_signal_handlers_disconnect_by_data (old, self);
  g_object_unref (old);
  for (guint i = 0; i < self->queue->len; i++)
    bt_torrent_set_port (((Entry *) g_ptr_array_index (self->queue, i))->torrent, self->port);
  /* The DHT follows the listening port: a new node keeps the old one's
   * contacts. */
  if (self->dht != NULL)
    {
      bt_session_set_dht_enabled (self, FALSE);
      bt_session_set_dht_enabled (self, TRUE);
    }
  return TRUE;
}

double
bt_session_get_download_rate (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), 0);
  return self->download_rate;
}

double
bt_session_get_upload_rate (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), 0);
  return self->upload_rate;
}

/**
 * bt_session_get_n_active:
 *
 * Returns: torrents running now (checking, downloading or seeding)
 */
guint
bt_session_get_n_active (BtSession *self)
{
  g_return_val_if_fail (BT_IS_SESSION (self), 0);
  return self->n_active;
}
