/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * One swarm: the torrent owns its storage, piece picker, announcer and
 * peer connections, and moves data between them on the main context.
 * Hashing and disk I/O happen on the storage's workers.
 */
#define G_LOG_DOMAIN "bt-torrent"

#include "config.h"

#include <string.h>

#include "bt-announcer.h"
#include "bt-choker.h"
#include "bt-error.h"
#include "bt-file-private.h"
#include "bt-limits.h"
#include "bt-magnet.h"
#include "bt-metadata-fetch.h"
#include "bt-peer.h"
#include "bt-pex.h"
#include "bt-picker.h"
#include "bt-ratelimit.h"
#include "bt-storage.h"
#include "bt-torrent.h"
#include "bt-tracker-info-private.h"
#include "bt-ut-metadata.h"
#include "bt-verify.h"

typedef struct
{
  GInetSocketAddress *address;
  gint64              next_attempt_us;
  guint               failures;
  guint               connected : 1;
  guint               banned : 1;
  guint               is_self : 1;
  guint               seed : 1;   /* had everything when we met it as a seed */
  guint               from_pex : 1; /* first heard of through peer exchange */
} KnownPeer;

typedef struct
{
  guint32  piece;
  guint8  *data;
  guint32  size;
} PieceBuffer;

/* What the torrent keeps per connection for uploading and choking. */
typedef struct
{
  GQueue       requests;         /* BtBlock*, in the order asked */
  guint        refused;          /* requests refused since the last unchoke */
  BtChokerPeer choke;            /* the choker's view of the peer */
  gboolean     waiting_for_read; /* its next block's piece is being read */
  guint        unrequested;      /* blocks it sent that nobody asked for */
  guint        useful;           /* blocks it sent that we had asked for */
  gboolean     from_pex;         /* we dialled it because a peer named it */
} PeerState;

typedef struct
{
  GBytes *data;
  gint64  last_used_us;
} CachedPiece;

struct _BtTorrent
{
  GObject           parent_instance;

  BtMetainfo       *meta;
  char             *download_dir;
  BtTorrentConfig   config;
  BtTorrentState    state;
  char             *error_message;

  BtStorage        *storage;
  BtPicker         *picker;
  BtAnnouncer      *announcer;
  BtBitfield       *have;
  GCancellable     *cancellable;

  GHashTable       *known;      /* address string → KnownPeer */
  GHashTable       *banned_ids; /* peer ids of banned peers, for incoming ones */
  GPtrArray        *peers;      /* BtPeer, connecting or connected */
  GHashTable       *buffers;    /* piece → PieceBuffer */
  guint             committing; /* pieces on their way to disk */
  GHashTable       *peer_states; /* BtPeer → PeerState */
  GHashTable       *read_cache;  /* piece → CachedPiece */
  gsize             read_cache_bytes;
  GHashTable       *reading;     /* pieces being read for uploads */
  BtChoker         *choker;
  BtRateLimit      *upload_limit;  /* ours, below the session's */
  guint             upload_timer_id;
  guint             serve_cursor;

  guint             tick_id;
  gboolean          tick_periodic; /* tick_id ticks every second, not a one-off wake */
  double            check_progress;
  guint64           downloaded;
  guint64           uploaded;
  guint64           wasted;
  double            download_rate;
  double            upload_rate;
  guint             n_banned;
  gboolean          completed_announced;
  gboolean          creating_files;
  guint64           wanted_size; /* bytes of pieces not skipped */
  gint64            last_upload_us;
  guint64           last_uploaded;
  gboolean          goal_reached;

  /* A torrent added from a magnet link has no metainfo (meta is NULL,
   * and with it picker, have and file_done) until the fetcher got it. */
  guint8             info_hash[BT_INFO_HASH_LENGTH];
  char              *info_hash_hex;
  BtMagnet          *magnet;
  BtMetadataFetcher *fetcher;
  GCancellable      *fetch_cancellable;
  guint              fetch_retry_id;

  /* What the session and the UI see. */
  BtRateLimit      *download_limit; /* ours, below the session's */
  guint             download_timer_id;
  gboolean          queued;
  gboolean          restored;    /* have came from a resume file: no check */
  guint             queue_position;
  gint64            added_time;
  gint64            completed_time;
  GListStore       *files;       /* BtFile, pad files left out */
  guint64          *file_done;   /* bytes verified per metainfo file */
  gboolean          files_dirty;
  GListStore       *peer_list;   /* BtPeerInfo of handshaked peers */
  GListStore       *tracker_list; /* BtTrackerInfo, in the order first seen */
  GHashTable       *tracker_infos; /* URL → BtTrackerInfo in tracker_list */
  gboolean          trackers_edited; /* by the person: saved with the torrent */
  GHashTable       *peer_infos;  /* BtPeer → BtPeerInfo */
  /* Last values notified, so a tick notifies only what changed. */
  double            shown_progress;
  double            shown_down;
  double            shown_up;
  guint64           shown_downloaded;
  guint64           shown_uploaded;
  guint             shown_peers;
  guint             shown_known;
  guint             shown_swarm;
  gint64            shown_eta;

  /* The largest swarm a tracker reported (seeders + leechers), without
   * us. */
  guint             tracker_swarm;
  /* Known addresses that turned out to be our own (trackers list us). */
  guint             n_known_self;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_CHECK_PROGRESS,
  PROP_NAME,
  PROP_INFO_HASH,
  PROP_SAVE_PATH,
  PROP_TOTAL_SIZE,
  PROP_SIZE,
  PROP_ERROR_MESSAGE,
  PROP_DOWNLOADED,
  PROP_UPLOADED,
  PROP_DOWNLOAD_RATE,
  PROP_UPLOAD_RATE,
  PROP_ETA,
  PROP_RATIO,
  PROP_N_PEERS,
  PROP_N_KNOWN_PEERS,
  PROP_N_SWARM_PEERS,
  PROP_QUEUE_POSITION,
  PROP_ADDED_TIME,
  PROP_COMPLETED_TIME,
  PROP_UPLOAD_LIMIT,
  PROP_DOWNLOAD_LIMIT,
  N_PROPS
};

enum {
  COMPLETED,
  SEED_GOAL_REACHED,
  METADATA_RECEIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (BtTorrent, bt_torrent, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (BtTorrentState, bt_torrent_state,
  G_DEFINE_ENUM_VALUE (BT_TORRENT_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (BT_TORRENT_STATE_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (BT_TORRENT_STATE_FETCHING_METADATA, "fetching-metadata"),
  G_DEFINE_ENUM_VALUE (BT_TORRENT_STATE_CHECKING, "checking"),
  G_DEFINE_ENUM_VALUE (BT_TORRENT_STATE_DOWNLOADING, "downloading"),
  G_DEFINE_ENUM_VALUE (BT_TORRENT_STATE_SEEDING, "seeding"),
  G_DEFINE_ENUM_VALUE (BT_TORRENT_STATE_ERROR, "error"))

G_DEFINE_ENUM_TYPE (BtPriority, bt_priority,
  G_DEFINE_ENUM_VALUE (BT_PRIORITY_SKIP, "skip"),
  G_DEFINE_ENUM_VALUE (BT_PRIORITY_LOW, "low"),
  G_DEFINE_ENUM_VALUE (BT_PRIORITY_NORMAL, "normal"),
  G_DEFINE_ENUM_VALUE (BT_PRIORITY_HIGH, "high"))

static void peer_handshake_cb (BtPeer *peer, gpointer user_data);
static void peer_message_cb   (BtPeer *peer, const BtMessage *message, gpointer user_data);
static void peer_closed_cb    (BtPeer *peer, const GError *error, gpointer user_data);
static void peer_drained_cb   (BtPeer *peer, gpointer user_data);
static gboolean close_if_both_seeds (BtTorrent *self, BtPeer *peer);
static void run_choker (BtTorrent *self, gboolean force);
static void update_files (BtTorrent *self);
static void start_fetching (BtTorrent *self);
static void update_peer_infos (BtTorrent *self);
static void update_peer_info (BtTorrent *self, BtPeer *peer, BtPeerInfo *info);
static void add_peer_address (BtTorrent          *self,
                              GInetSocketAddress *address,
                              gboolean            from_pex);
static void wake_tick (BtTorrent *self);

static const BtPeerCallbacks peer_callbacks = {
  .handshake = peer_handshake_cb,
  .message = peer_message_cb,
  .closed = peer_closed_cb,
  .drained = peer_drained_cb,
};

/* Auxiliary functions */

BtPeerBudget *
bt_peer_budget_new (guint max)
{
  BtPeerBudget *budget = g_new0 (BtPeerBudget, 1);

  g_atomic_ref_count_init (&budget->ref_count);
  budget->max = max;
  return budget;
}

BtPeerBudget *
bt_peer_budget_ref (BtPeerBudget *budget)
{
  g_atomic_ref_count_inc (&budget->ref_count);
  return budget;
}

void
bt_peer_budget_unref (BtPeerBudget *budget)
{
  if (g_atomic_ref_count_dec (&budget->ref_count))
    g_free (budget);
}

static gboolean
budget_allows (BtTorrent *self)
{
  BtPeerBudget *budget = self->config.budget;

  return budget == NULL || budget->max == 0 || budget->used < budget->max;
}

static void
add_peer (BtTorrent *self,
          BtPeer    *peer)
{
  g_ptr_array_add (self->peers, peer);
  if (self->config.budget != NULL)
    self->config.budget->used++;
  wake_tick (self);
}

static void
known_peer_free (KnownPeer *known)
{
  g_clear_object (&known->address);
  g_free (known);
}

static void
piece_buffer_free (PieceBuffer *buffer)
{
  g_free (buffer->data);
  g_free (buffer);
}

static guint
peer_id_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, (const guint8 *) key + 16, sizeof h); /* the random part */
  return h;
}

static gboolean
peer_id_equal (gconstpointer a,
               gconstpointer b)
{
  return memcmp (a, b, 20) == 0;
}

static char *
address_key (GInetSocketAddress *address)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  return g_strdup_printf ("%s#%u", ip, g_inet_socket_address_get_port (address));
}

/* Notifies the properties that changed since the last call: the tick
 * calls it once a second, so the UI sees a bounded rate whatever the
 * traffic, and idle torrents notify nothing. */
static void
notify_changes (BtTorrent *self)
{
  GObject *object = G_OBJECT (self);
  double progress = bt_torrent_get_progress (self);
  guint n_peers = bt_torrent_get_n_peers (self);
  guint n_known = bt_torrent_get_n_known_peers (self);
  gint64 eta = bt_torrent_get_eta (self);

  g_object_freeze_notify (object);
  if (progress != self->shown_progress)
    {
      self->shown_progress = progress;
      g_object_notify_by_pspec (object, properties[PROP_PROGRESS]);
    }
  if (self->download_rate != self->shown_down)
    {
      self->shown_down = self->download_rate;
      g_object_notify_by_pspec (object, properties[PROP_DOWNLOAD_RATE]);
    }
  if (self->upload_rate != self->shown_up)
    {
      self->shown_up = self->upload_rate;
      g_object_notify_by_pspec (object, properties[PROP_UPLOAD_RATE]);
    }
  if (self->downloaded != self->shown_downloaded)
    {
      self->shown_downloaded = self->downloaded;
      g_object_notify_by_pspec (object, properties[PROP_DOWNLOADED]);
    }
  if (self->uploaded != self->shown_uploaded)
    {
      self->shown_uploaded = self->uploaded;
      g_object_notify_by_pspec (object, properties[PROP_UPLOADED]);
      g_object_notify_by_pspec (object, properties[PROP_RATIO]);
    }
  if (n_peers != self->shown_peers)
    {
      self->shown_peers = n_peers;
      g_object_notify_by_pspec (object, properties[PROP_N_PEERS]);
    }
  if (n_known != self->shown_known)
    {
      self->shown_known = n_known;
      g_object_notify_by_pspec (object, properties[PROP_N_KNOWN_PEERS]);
    }
  if (bt_torrent_get_n_swarm_peers (self) != self->shown_swarm)
    {
      self->shown_swarm = bt_torrent_get_n_swarm_peers (self);
      g_object_notify_by_pspec (object, properties[PROP_N_SWARM_PEERS]);
    }
  if (eta != self->shown_eta)
    {
      self->shown_eta = eta;
      g_object_notify_by_pspec (object, properties[PROP_ETA]);
    }
  update_files (self);
  update_peer_infos (self);
  g_object_thaw_notify (object);
}

static void
set_state (BtTorrent      *self,
           BtTorrentState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_error (BtTorrent    *self,
           const GError *error)
{
  g_free (self->error_message);
  self->error_message = g_strdup (error->message);
  /* A state the UI shows, not a fault of ours: a message, not a warning. */
  g_message ("%s: %s", bt_torrent_get_name (self), error->message);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->upload_timer_id, g_source_remove);
  g_clear_handle_id (&self->download_timer_id, g_source_remove);
  set_state (self, BT_TORRENT_STATE_ERROR);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  if (self->announcer != NULL)
    bt_announcer_stop_async (self->announcer, NULL, NULL, NULL);
  for (guint i = 0; i < self->peers->len; i++)
    bt_peer_close (g_ptr_array_index (self->peers, i), NULL);
}

static KnownPeer *
lookup_known (BtTorrent *self,
              BtPeer    *peer)
{
  g_autofree char *key = address_key (bt_peer_get_address (peer));

  return g_hash_table_lookup (self->known, key);
}

static void
update_wanted_size (BtTorrent *self)
{
  guint32 n = bt_metainfo_get_n_pieces (self->meta);

  self->wanted_size = 0;
  for (guint32 i = 0; i < n; i++)
    if (bt_picker_get_piece_priority (self->picker, i) != BT_PRIORITY_SKIP)
      self->wanted_size += bt_metainfo_get_piece_size (self->meta, i);
}

/* Adds a verified piece's bytes to the files it overlaps. */
static void
account_piece (BtTorrent *self,
               guint32    piece)
{
  guint64 start = (guint64) piece * bt_metainfo_get_piece_length (self->meta);
  guint64 end = start + bt_metainfo_get_piece_size (self->meta, piece);
  guint n_files = bt_metainfo_get_n_files (self->meta);
  guint lo = 0;
  guint hi = n_files;

  /* The first file that ends after the piece starts. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (bt_metainfo_get_file_offset (self->meta, mid) + bt_metainfo_get_file_size (self->meta, mid)
          <= start)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint i = lo; i < n_files; i++)
    {
      guint64 file_start = bt_metainfo_get_file_offset (self->meta, i);
      guint64 file_end = file_start + bt_metainfo_get_file_size (self->meta, i);

      if (file_start >= end)
        break;
      self->file_done[i] += MIN (end, file_end) - MAX (start, file_start);
    }
  self->files_dirty = TRUE;
}

static void
recount_files (BtTorrent *self)
{
  guint32 n = bt_metainfo_get_n_pieces (self->meta);

  memset (self->file_done, 0, sizeof (guint64) * bt_metainfo_get_n_files (self->meta));
  for (guint32 i = 0; i < n; i++)
    if (bt_bitfield_get (self->have, i))
      account_piece (self, i);
}

static void
update_files (BtTorrent *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->files));

  if (!self->files_dirty)
    return;
  self->files_dirty = FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtFile) file = g_list_model_get_item (G_LIST_MODEL (self->files), i);

      bt_file_update_done (file, self->file_done[bt_file_get_index (file)]);
    }
}

static void
update_interest (BtTorrent *self,
                 BtPeer    *peer)
{
  gboolean interesting;

  if (!bt_peer_is_handshaked (peer) || bt_peer_is_closed (peer))
    return;
  interesting = self->state == BT_TORRENT_STATE_DOWNLOADING
                && bt_picker_is_interesting (self->picker, bt_peer_get_have (peer));
  bt_peer_set_interested (peer, interesting);
}

static gboolean download_timer_cb (gpointer user_data);

/* A peer sends what we ask for, so the download limit is kept by asking:
 * each request spends its block's bytes from the bucket, and when it is
 * empty the torrent waits for tokens before asking again. Lowers @depth
 * to what the bucket pays for; FALSE when it pays for nothing now. */
static gboolean
download_tokens_allow (BtTorrent *self,
                       guint     *depth,
                       guint      outstanding)
{
  gint64 now = g_get_monotonic_time ();
  guint64 available;
  guint affordable;

  available = bt_rate_limit_available (self->download_limit,
                                       (guint64) (*depth - outstanding) * BT_BLOCK_SIZE, now);
  affordable = available / BT_BLOCK_SIZE;
  if (affordable >= *depth - outstanding)
    return TRUE;
  if (affordable == 0)
    {
      if (self->download_timer_id == 0)
        {
          gint64 delay = bt_rate_limit_delay_for (self->download_limit, BT_BLOCK_SIZE, now);

          self->download_timer_id = g_timeout_add (MAX (1, (guint) (delay / 1000)),
                                                   download_timer_cb, self);
        }
      return FALSE;
    }
  *depth = outstanding + affordable;
  return TRUE;
}

static void fill_all_requests (BtTorrent *self);

static gboolean
download_timer_cb (gpointer user_data)
{
  BtTorrent *self = user_data;

  self->download_timer_id = 0;
  fill_all_requests (self);
  return G_SOURCE_REMOVE;
}

static void
fill_requests (BtTorrent *self,
               BtPeer    *peer)
{
  BtBlock blocks[BT_PEER_MAX_PIPELINE];
  guint depth;
  guint outstanding;
  guint n;

  if (self->state != BT_TORRENT_STATE_DOWNLOADING || bt_peer_is_closed (peer)
      || !bt_peer_is_handshaked (peer) || bt_peer_get_peer_choking (peer)
      || !bt_peer_get_am_interested (peer))
    return;

  /* The network can outrun the disk: while too much verified-but-unwritten
   * data waits for the workers, ask for nothing more, so memory stays
   * bounded whatever the disk's speed. */
  if ((guint64) self->committing * bt_metainfo_get_piece_length (self->meta)
      >= BT_TORRENT_MAX_UNWRITTEN_BYTES)
    return;

  depth = MIN (bt_peer_get_pipeline_depth (peer), BT_PEER_MAX_PIPELINE);
  outstanding = bt_peer_get_n_requests (peer);
  if (outstanding >= depth)
    return;

  if (!download_tokens_allow (self, &depth, outstanding))
    return;

  n = bt_picker_pick (self->picker, peer, bt_peer_get_have (peer), depth - outstanding, blocks);
  for (guint i = 0; i < n; i++)
    {
      bt_rate_limit_consume (self->download_limit, blocks[i].length, g_get_monotonic_time ());
      bt_peer_send_request (peer, blocks[i].piece, blocks[i].begin, blocks[i].length);
    }

  if (n == 0 && outstanding == 0)
    update_interest (self, peer);
}

static void
fill_all_requests (BtTorrent *self)
{
  for (guint i = 0; i < self->peers->len; i++)
    fill_requests (self, g_ptr_array_index (self->peers, i));
}

static void
ban_peer (BtTorrent  *self,
          BtPeer     *peer,
          const char *why)
{
  KnownPeer *known = lookup_known (self, peer);
  g_autoptr(GError) error = g_error_new (BT_ERROR, BT_ERROR_HASH_MISMATCH, "%s is banned: %s",
                                         bt_peer_get_address_string (peer), why);

  if (known != NULL)
    known->banned = TRUE;
  if (!g_hash_table_contains (self->banned_ids, bt_peer_get_peer_id (peer)))
    {
      g_hash_table_add (self->banned_ids, g_memdup2 (bt_peer_get_peer_id (peer), 20));
      self->n_banned++;
    }
  g_message ("%s", error->message);
  bt_peer_close (peer, error);
}

static void
files_created_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(BtTorrent) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bt_storage_create_files_finish (BT_STORAGE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error);
      return;
    }
  if (self->state != BT_TORRENT_STATE_DOWNLOADING)
    return;

  set_state (self, BT_TORRENT_STATE_SEEDING);
  if (self->completed_time == 0)
    {
      self->completed_time = g_get_real_time () / G_USEC_PER_SEC;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETED_TIME]);
    }
  notify_changes (self);
  for (guint i = 0; i < self->peers->len; i++)
    {
      BtPeer *peer = g_ptr_array_index (self->peers, i);

      if (!close_if_both_seeds (self, peer))
        update_interest (self, peer);
    }
  run_choker (self, TRUE);
  if (!self->completed_announced && self->announcer != NULL)
    {
      self->completed_announced = TRUE;
      /* Fresh figures: trackers count us as a seed by "left" = 0. */
      bt_announcer_set_stats (self->announcer, self->uploaded, self->downloaded,
                              bt_torrent_get_left (self));
      bt_announcer_complete (self->announcer);
    }
  g_signal_emit (self, signals[COMPLETED], 0);
}

static void
check_completion (BtTorrent *self)
{
  if (self->state != BT_TORRENT_STATE_DOWNLOADING || !bt_picker_is_complete (self->picker)
      || self->committing > 0 || self->creating_files)
    return;

  /* Empty files and folders that hold no piece data still belong to the
   * torrent; make them (on a worker) now that everything else is there. */
  self->creating_files = TRUE;
  bt_storage_create_files_async (self->storage, self->cancellable, files_created_cb,
                                 g_object_ref (self));
}

typedef struct
{
  BtTorrent    *torrent;
  GCancellable *run;      /* the run that wrote it: each start makes a new one */
  guint32       piece;
} CommitData;

static void
commit_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CommitData *data = user_data;
  g_autoptr(BtTorrent) self = data->torrent;
  g_autoptr(GCancellable) run = data->run;
  guint32 piece = data->piece;
  g_autoptr(GError) error = NULL;

  g_free (data);
  self->committing--;
  fill_all_requests (self);

  if (bt_storage_commit_piece_finish (BT_STORAGE (source), result, &error))
    {
      bt_picker_piece_passed (self->picker, piece);
      bt_bitfield_set (self->have, piece);
      account_piece (self, piece);
      for (guint i = 0; i < self->peers->len; i++)
        {
          BtPeer *peer = g_ptr_array_index (self->peers, i);

          /* No HAVE to a peer that already has the piece: it cannot want it. */
          if (bt_peer_is_handshaked (peer) && !bt_bitfield_get (bt_peer_get_have (peer), piece))
            bt_peer_send_have (peer, piece);
          update_interest (self, peer);
        }
      /* The tick notifies progress, at a rate the UI can follow. */
      check_completion (self);
      return;
    }

  if (g_error_matches (error, BT_ERROR, BT_ERROR_HASH_MISMATCH))
    {
      g_autoptr(GPtrArray) contributors = g_ptr_array_new ();

      g_message ("Piece %u failed its hash check; fetching it again", piece);
      self->wasted += bt_metainfo_get_piece_size (self->meta, piece);
      bt_picker_piece_failed (self->picker, piece, contributors);
      for (guint i = 0; i < contributors->len; i++)
        {
          BtPeer *peer = g_ptr_array_index (contributors, i);

          if (g_ptr_array_find (self->peers, peer, NULL) && !bt_peer_is_closed (peer))
            {
              /* Only a peer that alone sent a bad piece is certainly to
               * blame; the picker keeps pieces with one peer where it can,
               * so a liar soon is the sole contributor of one. */
              if (contributors->len == 1)
                bt_peer_add_hash_failure (peer);
              if (bt_peer_get_hash_failures (peer) >= BT_PEER_MAX_HASH_FAILURES)
                ban_peer (self, peer, "it sent data that failed hash checks");
            }
        }
      fill_all_requests (self);
      return;
    }

  /* Not written (a full disk, a vanished folder): the piece goes back to
   * the pool, so a resume fetches it again. Its peers are not to blame. */
  {
    g_autoptr(GPtrArray) contributors = g_ptr_array_new ();

    bt_picker_piece_failed (self->picker, piece, contributors);
  }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* A write of the run that failed already (the disk filled up), ending
   * after the person made room and resumed: the new run must not fail
   * for it. */
  if (run != self->cancellable)
    return;

  set_error (self, error);
}

/* Returns whether the piece now has every block. */
static gboolean
block_received (BtTorrent       *self,
                BtPeer          *peer,
                const BtMessage *message)
{
  guint32 piece = message->index;
  guint32 length = (guint32) message->payload_length;
  g_autoptr(GPtrArray) cancel_from = g_ptr_array_new ();
  PieceBuffer *buffer;
  gboolean complete;

  /* Not asked of this peer, cancelled, or already had from another peer in
   * endgame: useless. */
  if (!bt_peer_take_request (peer, piece, message->begin, length)
      || !bt_picker_block_was_requested (self->picker, peer, piece, message->begin, length))
    {
      PeerState *state = g_hash_table_lookup (self->peer_states, peer);

      self->wasted += length;
      /* Some arrive after a cancel (at most a pipeline's worth, and only
       * from a peer that also sent what we asked for); more garbage than
       * data wastes our bandwidth on purpose. */
      if (state != NULL && ++state->unrequested > BT_PEER_MAX_UNREQUESTED_BLOCKS
          && (state->unrequested > state->useful || state->unrequested > BT_PEER_MAX_PIPELINE))
        {
          g_autoptr(GError) error = g_error_new (BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                                                 "%s sent too many blocks nobody asked for",
                                                 bt_peer_get_address_string (peer));

          g_message ("%s", error->message);
          bt_peer_close (peer, error);
        }
      return FALSE;
    }
  self->downloaded += length;
  {
    PeerState *state = g_hash_table_lookup (self->peer_states, peer);

    if (state != NULL)
      state->useful++;
  }

  buffer = g_hash_table_lookup (self->buffers, GUINT_TO_POINTER (piece));
  if (buffer == NULL)
    {
      buffer = g_new0 (PieceBuffer, 1);
      buffer->piece = piece;
      buffer->size = bt_metainfo_get_piece_size (self->meta, piece);
      buffer->data = g_malloc (buffer->size);
      g_hash_table_insert (self->buffers, GUINT_TO_POINTER (piece), buffer);
    }
  g_assert ((guint64) message->begin + length <= buffer->size);
  memcpy (buffer->data + message->begin, message->payload, length);

  complete = bt_picker_block_received (self->picker, peer, piece, message->begin, length,
                                       cancel_from);
  for (guint i = 0; i < cancel_from->len; i++)
    bt_peer_send_cancel (g_ptr_array_index (cancel_from, i), piece, message->begin, length);
  return complete;
}

static void
maybe_commit (BtTorrent *self,
              guint32    piece,
              gboolean   complete)
{
  PieceBuffer *buffer;
  GBytes *bytes;
  CommitData *data;

  if (!complete)
    return;
  buffer = g_hash_table_lookup (self->buffers, GUINT_TO_POINTER (piece));
  if (buffer == NULL)
    return;

  g_hash_table_steal (self->buffers, GUINT_TO_POINTER (piece));
  bytes = g_bytes_new_take (g_steal_pointer (&buffer->data), buffer->size);
  piece_buffer_free (buffer);

  data = g_new0 (CommitData, 1);
  data->torrent = g_object_ref (self);
  data->run = g_object_ref (self->cancellable);
  data->piece = piece;
  self->committing++;
  bt_storage_commit_piece_async (self->storage, piece, bytes, self->cancellable, commit_cb, data);
  g_bytes_unref (bytes);
}

static void
peer_state_free (PeerState *state)
{
  g_queue_clear_full (&state->requests, g_free);
  g_free (state);
}

static void
cached_piece_free (CachedPiece *cached)
{
  g_bytes_unref (cached->data);
  g_free (cached);
}

static PeerState *
get_peer_state (BtTorrent *self,
                BtPeer    *peer)
{
  return g_hash_table_lookup (self->peer_states, peer);
}

static void serve_requests (BtTorrent *self, BtPeer *peer);

/* A small cache of whole pieces read for uploading: peers ask for the
 * blocks of a piece one after another, and several peers want the same
 * rare piece, so each piece is read from disk once. */
static void
cache_insert (BtTorrent *self,
              guint32    piece,
              GBytes    *data)
{
  CachedPiece *cached = g_new0 (CachedPiece, 1);

  while (self->read_cache_bytes + g_bytes_get_size (data) > BT_TORRENT_READ_CACHE_BYTES
         && g_hash_table_size (self->read_cache) > 0)
    {
      GHashTableIter iter;
      gpointer key, value;
      gpointer oldest_key = NULL;
      gint64 oldest = G_MAXINT64;

      g_hash_table_iter_init (&iter, self->read_cache);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (((CachedPiece *) value)->last_used_us < oldest)
          {
            oldest = ((CachedPiece *) value)->last_used_us;
            oldest_key = key;
          }
      self->read_cache_bytes -= g_bytes_get_size (((CachedPiece *) g_hash_table_lookup (self->read_cache, oldest_key))->data);
      g_hash_table_remove (self->read_cache, oldest_key);
    }

  cached->data = g_bytes_ref (data);
  cached->last_used_us = g_get_monotonic_time ();
  self->read_cache_bytes += g_bytes_get_size (data);
  g_hash_table_replace (self->read_cache, GUINT_TO_POINTER (piece), cached);
}

typedef struct
{
  BtTorrent *torrent;
  guint32    piece;
} ReadData;

static void
read_piece_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ReadData *data = user_data;
  g_autoptr(BtTorrent) self = data->torrent;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint32 piece = data->piece;
  GHashTableIter iter;
  gpointer key, value;

  g_free (data);
  g_hash_table_remove (self->reading, GUINT_TO_POINTER (piece));
  bytes = bt_storage_read_block_finish (BT_STORAGE (source), result, &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The data we claimed to have is gone (deleted or truncated behind
       * our back): stop offering it rather than serving garbage. */
      set_error (self, error);
      return;
    }
  cache_insert (self, piece, bytes);

  g_hash_table_iter_init (&iter, self->peer_states);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      PeerState *state = value;

      if (state->waiting_for_read)
        {
          state->waiting_for_read = FALSE;
          serve_requests (self, key);
        }
    }
}

typedef enum
{
  SERVE_SENT,
  SERVE_WAITING, /* for a disk read, tokens, or the socket */
  SERVE_NOTHING,
} ServeResult;

static gboolean upload_timer_cb (gpointer user_data);

/* Sends the peer's next queued block if its socket keeps up and the upload
 * limits allow; a piece not in the cache is read first, on a worker. */
static ServeResult
serve_one (BtTorrent *self,
           BtPeer    *peer)
{
  PeerState *state = get_peer_state (self, peer);
  BtBlock *block;
  CachedPiece *cached;
  gint64 now;
  guint64 cost;

  if (state == NULL || bt_peer_is_closed (peer) || g_queue_is_empty (&state->requests))
    return SERVE_NOTHING;
  if (bt_peer_get_send_queue_size (peer) >= BT_TORRENT_PEER_SEND_BUFFER)
    return SERVE_WAITING; /* the drained callback comes back */

  block = g_queue_peek_head (&state->requests);
  cached = g_hash_table_lookup (self->read_cache, GUINT_TO_POINTER (block->piece));
  if (cached == NULL)
    {
      state->waiting_for_read = TRUE;
      if (!g_hash_table_contains (self->reading, GUINT_TO_POINTER (block->piece)))
        {
          ReadData *data = g_new0 (ReadData, 1);

          data->torrent = g_object_ref (self);
          data->piece = block->piece;
          g_hash_table_add (self->reading, GUINT_TO_POINTER (block->piece));
          bt_storage_read_block_async (self->storage, block->piece, 0,
                                       bt_metainfo_get_piece_size (self->meta, block->piece),
                                       self->cancellable, read_piece_cb, data);
        }
      return SERVE_WAITING;
    }

  /* The whole message counts against the limits, header included. */
  now = g_get_monotonic_time ();
  cost = BT_WIRE_PIECE_HEADER_LENGTH + block->length;
  if (bt_rate_limit_available (self->upload_limit, cost, now) < cost)
    {
      if (self->upload_timer_id == 0)
        self->upload_timer_id = g_timeout_add ((guint) ((bt_rate_limit_delay_for (self->upload_limit,
                                                                                   cost, now)
                                                          + 999) / 1000),
                                               upload_timer_cb, self);
      return SERVE_WAITING;
    }

  cached->last_used_us = now;
  bt_peer_send_piece (peer, block->piece, block->begin,
                      (const guint8 *) g_bytes_get_data (cached->data, NULL) + block->begin,
                      block->length);
  bt_rate_limit_consume (self->upload_limit, cost, now);
  self->uploaded += block->length;
  g_free (g_queue_pop_head (&state->requests));
  /* Caught up with the peer: past refusals were our bottleneck, not a
   * flood. */
  if (g_queue_is_empty (&state->requests))
    state->refused = 0;
  return SERVE_SENT;
}

static void
serve_requests (BtTorrent *self,
                BtPeer    *peer)
{
  while (serve_one (self, peer) == SERVE_SENT)
    ;
}

/* Tokens are back: serve the waiting peers one block each in turn, starting
 * after the one served first last time, so that under a limit no peer takes
 * the whole rate. */
static gboolean
upload_timer_cb (gpointer user_data)
{
  BtTorrent *self = user_data;
  gboolean progress = TRUE;

  self->upload_timer_id = 0;
  while (progress && self->peers->len > 0)
    {
      guint n = self->peers->len;
      guint first = self->serve_cursor % n;

      progress = FALSE;
      for (guint i = 0; i < n && i < self->peers->len; i++)
        {
          BtPeer *peer = g_ptr_array_index (self->peers, (first + i) % self->peers->len);

          if (serve_one (self, peer) == SERVE_SENT)
            progress = TRUE;
        }
      self->serve_cursor = first + 1;
      if (self->upload_timer_id != 0)
        break; /* out of tokens again; the timer comes back */
    }
  return G_SOURCE_REMOVE;
}

static void
handle_request (BtTorrent       *self,
                BtPeer          *peer,
                const BtMessage *message)
{
  PeerState *state = get_peer_state (self, peer);
  BtBlock *block;

  if (state == NULL)
    return;

  /* A malformed request ends the connection whatever our state. */
  if (message->length == 0 || message->length > BT_TORRENT_MAX_REQUEST_LENGTH)
    {
      g_autoptr(GError) error = g_error_new (BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                                             "%s asked for a block of %u bytes; blocks are "
                                             "1 to %u bytes",
                                             bt_peer_get_address_string (peer), message->length,
                                             BT_TORRENT_MAX_REQUEST_LENGTH);
      bt_peer_close (peer, error);
      return;
    }
  if ((guint64) message->begin + message->length
      > bt_metainfo_get_piece_size (self->meta, message->index))
    {
      g_autoptr(GError) error = g_error_new (BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                                             "%s asked for a block outside piece %u",
                                             bt_peer_get_address_string (peer), message->index);
      bt_peer_close (peer, error);
      return;
    }

  /* Requests while choked are dropped (BEP 3), or rejected with the fast
   * extension so the peer can ask elsewhere at once. Refusals are counted:
   * a peer that keeps asking regardless is flooding us all the same. */
  if (bt_peer_get_am_choking (peer) || !bt_bitfield_get (self->have, message->index))
    {
      if (++state->refused > BT_TORRENT_MAX_PEER_REQUESTS)
        {
          g_autoptr(GError) error = g_error_new (BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                                                 "%s floods us with requests we refused",
                                                 bt_peer_get_address_string (peer));
          bt_peer_close (peer, error);
          return;
        }
      bt_peer_send_reject (peer, message->index, message->begin, message->length);
      return;
    }
  /* Over the cap a request is refused, not queued: a client that pipelines
   * deeply (Transmission does) simply asks again. Only a peer that keeps
   * asking far beyond the cap is flooding us and is dropped. */
  if (g_queue_get_length (&state->requests) >= BT_TORRENT_MAX_PEER_REQUESTS)
    {
      if (++state->refused > BT_TORRENT_MAX_PEER_REQUESTS / 2)
        {
          g_autoptr(GError) error = g_error_new (BT_ERROR, BT_ERROR_WIRE_PROTOCOL,
                                                 "%s floods us with requests",
                                                 bt_peer_get_address_string (peer));
          bt_peer_close (peer, error);
          return;
        }
      bt_peer_send_reject (peer, message->index, message->begin, message->length);
      return;
    }

  block = g_new (BtBlock, 1);
  block->piece = message->index;
  block->begin = message->begin;
  block->length = message->length;
  g_queue_push_tail (&state->requests, block);
  serve_requests (self, peer);
}

static void
handle_cancel (BtTorrent       *self,
               BtPeer          *peer,
               const BtMessage *message)
{
  PeerState *state = get_peer_state (self, peer);

  if (state == NULL)
    return;
  for (GList *l = state->requests.head; l != NULL; l = l->next)
    {
      BtBlock *block = l->data;

      if (block->piece == message->index && block->begin == message->begin
          && block->length == message->length)
        {
          /* BEP 6: with the fast extension every request is answered, a
           * cancelled one by a reject. */
          bt_peer_send_reject (peer, block->piece, block->begin, block->length);
          g_free (block);
          g_queue_delete_link (&state->requests, l);
          return;
        }
    }
}

static void
apply_choke (BtTorrent *self,
             BtPeer    *peer,
             PeerState *state)
{
  if (bt_peer_get_am_choking (peer) == state->choke.choked)
    return;
  bt_peer_set_choking (peer, state->choke.choked);
  if (state->choke.choked)
    {
      BtBlock *block;

      /* A choke cancels what the peer asked for (BEP 3); with the fast
       * extension each of those requests is rejected explicitly (BEP 6). */
      while ((block = g_queue_pop_head (&state->requests)) != NULL)
        {
          bt_peer_send_reject (peer, block->piece, block->begin, block->length);
          g_free (block);
        }
    }
  else
    state->refused = 0;
}

static void
set_peer_choked (BtTorrent *self,
                 BtPeer    *peer,
                 gboolean   choked)
{
  PeerState *state = get_peer_state (self, peer);

  if (state == NULL)
    return;
  bt_choker_peer_set_choked (&state->choke, choked, g_get_monotonic_time ());
  apply_choke (self, peer, state);
}

/* The choker's view of every live connection, refreshed. */
static GPtrArray *
choker_peers (BtTorrent *self)
{
  GPtrArray *list = g_ptr_array_sized_new (self->peers->len);

  for (guint i = 0; i < self->peers->len; i++)
    {
      BtPeer *peer = g_ptr_array_index (self->peers, i);
      PeerState *state = get_peer_state (self, peer);

      if (state == NULL || bt_peer_is_closed (peer))
        continue;
      state->choke.interested = bt_peer_get_peer_interested (peer);
      state->choke.download_rate = bt_peer_get_download_rate (peer);
      state->choke.upload_rate = bt_peer_get_upload_rate (peer);
      g_ptr_array_add (list, &state->choke);
    }
  return list;
}

/* Tit-for-tat while downloading, turns while seeding, and one optimistic
 * unchoke: see bt-choker.c. The choker keeps its own 10 s rhythm. */
static void
run_choker (BtTorrent *self,
            gboolean   force)
{
  g_autoptr(GPtrArray) list = NULL;
  gboolean seeding = self->state == BT_TORRENT_STATE_SEEDING;

  if (self->state != BT_TORRENT_STATE_DOWNLOADING && !seeding)
    return;
  list = choker_peers (self);
  if (!bt_choker_run (self->choker, (BtChokerPeer * const *) list->pdata, list->len, seeding,
                      g_get_monotonic_time (), force))
    return;
  for (guint i = 0; i < list->len; i++)
    {
      BtChokerPeer *cp = g_ptr_array_index (list, i);

      apply_choke (self, cp->peer, get_peer_state (self, cp->peer));
    }
}

/* Extensions (BEP 10): metadata for magnet peers (BEP 9), and peer
 * exchange (BEP 11) unless the torrent is private (BEP 27) or it is off. */
static gboolean
pex_allowed (BtTorrent *self)
{
  return !self->config.disable_pex && !bt_metainfo_is_private (self->meta);
}

static void
configure_extensions (BtTorrent *self,
                      BtPeer    *peer)
{
  BtExtensionHandshake ours = { { 0 } };

  ours.ids[BT_EXTENSION_UT_METADATA] = BT_EXTENSION_UT_METADATA;
  if (pex_allowed (self))
    ours.ids[BT_EXTENSION_UT_PEX] = BT_EXTENSION_UT_PEX;
  ours.port = self->config.port;
  ours.metadata_size = g_bytes_get_size (bt_metainfo_get_info_bytes (self->meta));
  bt_peer_set_extensions (peer, &ours);
}

static void
handle_extended (BtTorrent       *self,
                 BtPeer          *peer,
                 const BtMessage *message)
{
  switch (message->extended_id)
    {
    case BT_EXTENSION_UT_METADATA:
      bt_ut_metadata_serve (peer, bt_metainfo_get_info_bytes (self->meta), message->payload,
                            message->payload_length);
      break;

    case BT_EXTENSION_UT_PEX:
      if (pex_allowed (self))
        {
          g_autoptr(GPtrArray) added = bt_pex_receive (peer, message->payload,
                                                       message->payload_length,
                                                       g_get_monotonic_time ());

          for (guint i = 0; added != NULL && i < added->len; i++)
            add_peer_address (self, g_ptr_array_index (added, i), TRUE);
        }
      break;

    default:
      break;
    }
}

static void
send_pex (BtTorrent *self,
          gint64     now)
{
  g_autoptr(GPtrArray) current = NULL;

  if (!pex_allowed (self))
    return;
  current = bt_pex_collect (self->peers);
  for (guint i = 0; i < self->peers->len; i++)
    bt_pex_send (g_ptr_array_index (self->peers, i), current, now);
}

/* Local service discovery (BEP 14) through the session's BtLsd, unless
 * the torrent is private (BEP 27) or it is off. */
static void
lsd_peer_found_cb (BtLsd              *lsd,
                   GBytes             *info_hash,
                   GInetSocketAddress *address,
                   gpointer            user_data)
{
  BtTorrent *self = user_data;

  if (self->meta != NULL
      && memcmp (g_bytes_get_data (info_hash, NULL), bt_metainfo_get_info_hash (self->meta), 20) == 0)
    bt_torrent_add_peer_address (self, address);
}

static void
start_lsd (BtTorrent *self)
{
  BtLsd *lsd = self->config.lsd;

  if (lsd == NULL || self->config.disable_lsd || bt_metainfo_is_private (self->meta)
      || g_signal_handler_find (lsd, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                lsd_peer_found_cb, self) != 0)
    return;
  g_signal_connect_object (lsd, "peer-found", G_CALLBACK (lsd_peer_found_cb), self, 0);
  bt_lsd_add_torrent (lsd, bt_metainfo_get_info_hash (self->meta), self->config.port);
}

static void
peer_handshake_cb (BtPeer   *peer,
                   gpointer  user_data)
{
  BtTorrent *self = user_data;
  KnownPeer *known = lookup_known (self, peer);

  /* Trackers list us to ourselves; on loopback every peer shares an
   * address, so recognise ourselves by peer id and never by address. */
  if (memcmp (bt_peer_get_peer_id (peer), self->config.peer_id, 20) == 0)
    {
      if (known != NULL && !known->is_self)
        {
          known->is_self = TRUE;
          self->n_known_self++;
        }
      bt_peer_close (peer, NULL);
      return;
    }

  if (g_hash_table_contains (self->banned_ids, bt_peer_get_peer_id (peer)))
    {
      bt_peer_close (peer, NULL);
      return;
    }

  for (guint i = 0; i < self->peers->len; i++)
    {
      BtPeer *other = g_ptr_array_index (self->peers, i);

      if (other != peer && bt_peer_is_handshaked (other) && !bt_peer_is_closed (other)
          && memcmp (bt_peer_get_peer_id (other), bt_peer_get_peer_id (peer), 20) == 0)
        {
          /* Both ends dialled at once (as two peers that learn of each
           * other through PEX do): both must drop the same connection, or
           * both go. Keep the one dialled by the lower peer id. */
          if (bt_peer_is_incoming (peer) != bt_peer_is_incoming (other)
              && (memcmp (bt_peer_get_peer_id (peer), self->config.peer_id, 20) < 0)
                 == bt_peer_is_incoming (peer))
            {
              bt_peer_close (other, NULL);
              break;
            }
          bt_peer_close (peer, NULL);
          return;
        }
    }

  if (known != NULL)
    {
      known->failures = 0;
      known->connected = TRUE;
    }
  {
    PeerState *state = g_new0 (PeerState, 1);

    state->choke.peer = peer;
    state->choke.choked = TRUE;
    state->choke.connected_us = g_get_monotonic_time ();
    state->from_pex = known != NULL && known->from_pex && !bt_peer_is_incoming (peer);
    g_hash_table_insert (self->peer_states, peer, state);
  }
  bt_picker_add_peer (self->picker, peer, bt_peer_get_have (peer));
  bt_peer_send_bitfield (peer, self->have);

  {
    g_autoptr(BtPeerInfo) info = bt_peer_info_new (bt_peer_get_address (peer),
                                                   bt_peer_get_peer_id (peer),
                                                   bt_peer_get_client_name (peer),
                                                   bt_peer_is_incoming (peer));

    /* Filled at once: a short connection may end before the next tick. */
    update_peer_info (self, peer, info);
    g_hash_table_insert (self->peer_infos, peer, g_object_ref (info));
    g_list_store_append (self->peer_list, info);
  }
}

static void
forget_peer_info (BtTorrent *self,
                  BtPeer    *peer)
{
  BtPeerInfo *info = g_hash_table_lookup (self->peer_infos, peer);
  guint position;

  if (info == NULL)
    return;
  if (g_list_store_find (self->peer_list, info, &position))
    g_list_store_remove (self->peer_list, position);
  g_hash_table_remove (self->peer_infos, peer);
}

static void
update_peer_info (BtTorrent  *self,
                  BtPeer     *peer,
                  BtPeerInfo *info)
{
  const BtBitfield *have = bt_peer_get_have (peer);
  guint32 n = bt_bitfield_get_size (have);
  PeerState *state = g_hash_table_lookup (self->peer_states, peer);
  char flags[8];
  guint f = 0;

  if (bt_peer_get_am_interested (peer))
    flags[f++] = bt_peer_get_peer_choking (peer) ? 'd' : 'D';
  if (bt_peer_get_peer_interested (peer))
    flags[f++] = bt_peer_get_am_choking (peer) ? 'u' : 'U';
  if (bt_peer_is_incoming (peer))
    flags[f++] = 'I';
  if (bt_peer_is_snubbed (peer))
    flags[f++] = 'S';
  if (state != NULL && state->from_pex)
    flags[f++] = 'X';
  flags[f] = '\0';
  bt_peer_info_update (info, flags, n > 0 ? (double) bt_bitfield_count (have) / n : 0,
                       bt_peer_get_download_rate (peer), bt_peer_get_upload_rate (peer));
}

static void
update_peer_infos (BtTorrent *self)
{
  GHashTableIter iter;
  BtPeer *peer;
  BtPeerInfo *info;

  g_hash_table_iter_init (&iter, self->peer_infos);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, (gpointer *) &info))
    update_peer_info (self, peer, info);
}

/* Two seeds have nothing to say to each other. */
static gboolean
close_if_both_seeds (BtTorrent *self,
                     BtPeer    *peer)
{
  if (self->state == BT_TORRENT_STATE_SEEDING && bt_bitfield_is_complete (bt_peer_get_have (peer)))
    {
      KnownPeer *known = lookup_known (self, peer);

      /* Not dialled again while we seed: two seeds have nothing to trade,
       * and redialling every few seconds would keep each idle seed of a
       * large session busy. */
      if (known != NULL)
        known->seed = TRUE;
      bt_peer_close (peer, NULL);
      return TRUE;
    }
  return FALSE;
}

static void
peer_message_cb (BtPeer          *peer,
                 const BtMessage *message,
                 gpointer         user_data)
{
  BtTorrent *self = user_data;

  switch (message->type)
    {
    case BT_MSG_BITFIELD:
    case BT_MSG_HAVE_ALL:
    case BT_MSG_HAVE_NONE:
      /* The picker counted an empty set at the handshake; replace it. */
      bt_picker_add_peer (self->picker, peer, bt_peer_get_have (peer));
      if (close_if_both_seeds (self, peer))
        break;
      update_interest (self, peer);
      fill_requests (self, peer);
      break;

    case BT_MSG_HAVE:
      bt_picker_peer_has (self->picker, peer, message->index);
      if (close_if_both_seeds (self, peer))
        break;
      update_interest (self, peer);
      fill_requests (self, peer);
      break;

    case BT_MSG_UNCHOKE:
      fill_requests (self, peer);
      break;

    case BT_MSG_CHOKE:
      /* Without the fast extension a choke drops every request in flight. */
      if (!bt_peer_supports_fast (peer))
        {
          bt_picker_return_requests (self->picker, peer);
          bt_peer_forget_requests (peer);
          fill_all_requests (self);
        }
      break;

    case BT_MSG_REJECT:
      if (bt_peer_take_request (peer, message->index, message->begin, message->length))
        {
          bt_picker_cancel_block (self->picker, peer, message->index, message->begin);
          fill_all_requests (self);
        }
      break;

    case BT_MSG_PIECE:
      maybe_commit (self, message->index, block_received (self, peer, message));
      fill_requests (self, peer);
      break;

    case BT_MSG_REQUEST:
      handle_request (self, peer, message);
      break;

    case BT_MSG_CANCEL:
      handle_cancel (self, peer, message);
      break;

    case BT_MSG_INTERESTED:
      /* A free slot goes to a newly interested peer at once rather than
       * at the next choke round, ten seconds away. */
      {
        g_autoptr(GPtrArray) list = choker_peers (self);

        if (bt_choker_has_free_slot (self->choker, (BtChokerPeer * const *) list->pdata, list->len))
          set_peer_choked (self, peer, FALSE);
      }
      break;

    case BT_MSG_NOT_INTERESTED:
      set_peer_choked (self, peer, TRUE);
      break;

    case BT_MSG_EXTENDED:
      handle_extended (self, peer, message);
      break;

    default:
      break;
    }
}

static void
peer_closed_cb (BtPeer       *peer,
                const GError *error,
                gpointer      user_data)
{
  BtTorrent *self = user_data;
  KnownPeer *known = lookup_known (self, peer);

  if (known != NULL)
    {
      known->connected = FALSE;
      if (!bt_peer_is_handshaked (peer))
        known->failures++;
      /* Back off from addresses that keep failing. */
      known->next_attempt_us = g_get_monotonic_time ()
                               + (gint64) MIN (known->failures + 1, 10) * BT_TORRENT_RETRY_BASE_S
                                 * G_USEC_PER_SEC;
    }
  bt_picker_remove_peer (self->picker, peer);
  forget_peer_info (self, peer);
  g_hash_table_remove (self->peer_states, peer);
  if (g_ptr_array_remove (self->peers, peer) && self->config.budget != NULL)
    self->config.budget->used--;
  fill_all_requests (self);
}

static void
peer_drained_cb (BtPeer   *peer,
                 gpointer  user_data)
{
  serve_requests (user_data, peer);
}

static guint
count_half_open (BtTorrent *self)
{
  guint n = 0;

  for (guint i = 0; i < self->peers->len; i++)
    n += !bt_peer_is_handshaked (g_ptr_array_index (self->peers, i));
  return n;
}

static void
connect_more_peers (BtTorrent *self)
{
  guint max_peers = self->config.max_peers > 0 ? self->config.max_peers : BT_TORRENT_MAX_PEERS;
  gint64 now = g_get_monotonic_time ();
  guint half_open = count_half_open (self);
  GHashTableIter iter;
  KnownPeer *known;

  /* Seeds dial too: a leecher behind a NAT, or a client that does not dial
   * some addresses (Transmission and loopback), is only reached this way. */
  if (self->state != BT_TORRENT_STATE_DOWNLOADING && self->state != BT_TORRENT_STATE_SEEDING)
    return;

  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &known))
    {
      BtPeer *peer;

      if (self->peers->len >= max_peers || half_open >= BT_TORRENT_MAX_HALF_OPEN
          || !budget_allows (self))
        break;
      if (known->connected || known->banned || known->is_self || known->next_attempt_us > now
          || (known->seed && self->state == BT_TORRENT_STATE_SEEDING))
        continue;

      known->connected = TRUE;
      known->next_attempt_us = G_MAXINT64;
      peer = bt_peer_new_outgoing (known->address, bt_metainfo_get_info_hash (self->meta),
                                   self->config.peer_id, bt_metainfo_get_n_pieces (self->meta),
                                   &peer_callbacks, self);
      configure_extensions (self, peer);
      add_peer (self, peer);
      half_open++;
      bt_peer_start (peer);
    }
}

static void
check_seed_goal (BtTorrent *self,
                 gint64     now)
{
  guint64 size = bt_metainfo_get_total_size (self->meta);

  if (self->uploaded != self->last_uploaded || self->last_upload_us == 0)
    {
      self->last_uploaded = self->uploaded;
      self->last_upload_us = now;
    }
  if (self->state != BT_TORRENT_STATE_SEEDING || self->goal_reached)
    return;

  if ((self->config.seed_ratio > 0 && size > 0
       && (double) self->uploaded / size >= self->config.seed_ratio)
      || (self->config.seed_idle_s > 0
          && now - self->last_upload_us >= (gint64) self->config.seed_idle_s * G_USEC_PER_SEC))
    {
      self->goal_reached = TRUE;
      g_signal_emit (self, signals[SEED_GOAL_REACHED], 0);
    }
}

/* Whether the torrent has work every second: peers to tick (rates,
 * time-outs, choking, PEX), a download that asks its trackers for more
 * peers, pieces on their way to disk whose progress is still to show. A
 * seed without peers has none: in a session of thousands of torrents, a
 * tick each would wake the process thousands of times a second for
 * nothing. */
static gboolean
tick_needed (BtTorrent *self)
{
  if (self->state != BT_TORRENT_STATE_DOWNLOADING && self->state != BT_TORRENT_STATE_SEEDING)
    return FALSE;
  /* creating_files stays set once a download completed: it only counts
   * while the torrent is still a download. */
  return self->peers->len > 0 || self->committing > 0
         || (self->state == BT_TORRENT_STATE_DOWNLOADING
             && (self->creating_files || self->announcer != NULL));
}

/* When an idle torrent must look again (monotonic µs, 0 for never): the
 * next redial of a known address, and the end of the seeding idle time. */
static gint64
next_wake_us (BtTorrent *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wake = G_MAXINT64;
  GHashTableIter iter;
  KnownPeer *known;

  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &known))
    if (!known->connected && !known->banned && !known->is_self
        && !(known->seed && self->state == BT_TORRENT_STATE_SEEDING))
      wake = MIN (wake, MAX (known->next_attempt_us, now));
  if (self->state == BT_TORRENT_STATE_SEEDING && !self->goal_reached
      && self->config.seed_idle_s > 0)
    wake = MIN (wake, self->last_upload_us + (gint64) self->config.seed_idle_s * G_USEC_PER_SEC);
  return wake == G_MAXINT64 ? 0 : wake;
}

static gboolean tick_cb (gpointer user_data);

/* A tick within a second and every second after, until one finds
 * nothing to do: something changed that the tick looks at. */
static void
wake_tick (BtTorrent *self)
{
  if (self->tick_id != 0 && self->tick_periodic)
    return;
  if (self->state != BT_TORRENT_STATE_DOWNLOADING && self->state != BT_TORRENT_STATE_SEEDING)
    return;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  self->tick_id = g_timeout_add_seconds (BT_TORRENT_TICK_S, tick_cb, self);
  self->tick_periodic = TRUE;
}

/* No tick until next_wake_us(); in whole seconds, so that GLib wakes the
 * process once for the idle torrents that are due together. */
static void
sleep_tick (BtTorrent *self)
{
  gint64 wake = next_wake_us (self);
  gint64 delay_s;

  g_assert (self->tick_id == 0);
  if (wake == 0)
    return;
  delay_s = (wake - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  self->tick_id = g_timeout_add_seconds ((guint) CLAMP (delay_s, 1, G_MAXUINT / 1000),
                                         tick_cb, self);
  self->tick_periodic = FALSE;
}

static gboolean
tick_cb (gpointer user_data)
{
  BtTorrent *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) peers = g_ptr_array_new_full (self->peers->len, g_object_unref);
  double down = 0;
  double up = 0;

  /* Ticking may close peers, which removes them from self->peers. */
  for (guint i = 0; i < self->peers->len; i++)
    g_ptr_array_add (peers, g_object_ref (g_ptr_array_index (self->peers, i)));
  for (guint i = 0; i < peers->len; i++)
    {
      BtPeer *peer = g_ptr_array_index (peers, i);
      gboolean was_snubbed = bt_peer_is_snubbed (peer);

      bt_peer_tick (peer, now);
      if (bt_peer_is_closed (peer))
        continue;
      /* A snubbing peer's blocks go back to the pool for the others. */
      if (!was_snubbed && bt_peer_is_snubbed (peer))
        {
          bt_picker_return_requests (self->picker, peer);
          bt_peer_forget_requests (peer);
        }
      down += bt_peer_get_download_rate (peer);
      up += bt_peer_get_upload_rate (peer);
    }
  self->download_rate = down;
  self->upload_rate = up;

  if (self->announcer != NULL)
    bt_announcer_set_stats (self->announcer, self->uploaded, self->downloaded,
                            bt_torrent_get_left (self));

  check_seed_goal (self, now);

  run_choker (self, FALSE);
  for (guint i = 0; i < peers->len; i++)
    serve_requests (self, g_ptr_array_index (peers, i));

  connect_more_peers (self);
  send_pex (self, now);
  /* Short of peers: ask the trackers early (they keep to min interval). */
  if (self->announcer != NULL && self->state == BT_TORRENT_STATE_DOWNLOADING
      && self->peers->len < BT_TORRENT_WANT_MORE_PEERS)
    bt_announcer_request_more_peers (self->announcer);
  fill_all_requests (self);
  notify_changes (self);

  /* This source goes on while it is the periodic tick and there is work;
   * a stop, or a wake_tick() above, may have replaced it already. */
  if (self->tick_id == g_source_get_id (g_main_current_source ()))
    {
      if (self->tick_periodic && tick_needed (self))
        return G_SOURCE_CONTINUE;
      self->tick_id = 0;
    }
  if (self->tick_id == 0
      && (self->state == BT_TORRENT_STATE_DOWNLOADING || self->state == BT_TORRENT_STATE_SEEDING))
    sleep_tick (self);
  return G_SOURCE_REMOVE;
}

static void
peers_found_cb (BtAnnouncer *announcer,
                GPtrArray   *addresses,
                gpointer     user_data)
{
  BtTorrent *self = user_data;

  for (guint i = 0; i < addresses->len; i++)
    bt_torrent_add_peer_address (self, g_ptr_array_index (addresses, i));
  connect_more_peers (self);
}

/* The announcer reorders its trackers as BEP 12 asks; the list keeps each
 * tracker's row where it first appeared, so a table sorted by the user
 * does not jump at every announce. */
static void
trackers_changed_cb (BtAnnouncer *announcer,
                     gpointer     user_data)
{
  BtTorrent *self = user_data;
  g_autoptr(GArray) statuses = bt_announcer_get_trackers (announcer);
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < statuses->len; i++)
    {
      const BtTrackerStatus *status = &g_array_index (statuses, BtTrackerStatus, i);
      BtTrackerInfo *info = g_hash_table_lookup (self->tracker_infos, status->url);

      if (info != NULL)
        {
          bt_tracker_info_update (info, status);
          continue;
        }
      info = bt_tracker_info_new (status);
      g_hash_table_insert (self->tracker_infos, (gpointer) bt_tracker_info_get_url (info), info);
      g_ptr_array_add (fresh, info);
    }
  {
    guint swarm = 0;

    for (guint i = 0; i < statuses->len; i++)
      {
        const BtTrackerStatus *status = &g_array_index (statuses, BtTrackerStatus, i);
        gint64 n = MAX (status->seeders, 0) + MAX (status->leechers, 0);

        /* A tracker that took our announce counts us too. */
        if (status->state == BT_TRACKER_STATE_WORKING && n > 0)
          n--;

        swarm = MAX (swarm, (guint) MIN (n, (gint64) G_MAXUINT));
      }
    self->tracker_swarm = swarm;
    /* Announces happen between ticks, and an idle torrent has none. */
    if (bt_torrent_get_n_swarm_peers (self) != self->shown_swarm)
      {
        self->shown_swarm = bt_torrent_get_n_swarm_peers (self);
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SWARM_PEERS]);
      }
  }

  /* Removed ones (by the person) leave; the rest keep their places. */
  if (g_hash_table_size (self->tracker_infos) > statuses->len)
    {
      g_autoptr(GHashTable) current = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < statuses->len; i++)
        g_hash_table_add (current, (gpointer) g_array_index (statuses, BtTrackerStatus, i).url);
      for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->tracker_list)); i-- > 0;)
        {
          g_autoptr(BtTrackerInfo) info = g_list_model_get_item (G_LIST_MODEL (self->tracker_list), i);

          if (g_hash_table_contains (current, bt_tracker_info_get_url (info)))
            continue;
          g_hash_table_remove (self->tracker_infos, bt_tracker_info_get_url (info));
          g_list_store_remove (self->tracker_list, i);
        }
    }

  /* New rows (a second add of the torrent, a magnet's metadata, the
   * person) go to the end in one change. */
  if (fresh->len > 0)
    g_list_store_splice (self->tracker_list,
                         g_list_model_get_n_items (G_LIST_MODEL (self->tracker_list)),
                         0, fresh->pdata, fresh->len);
}

static void
ensure_announcer (BtTorrent *self)
{
  if (self->announcer != NULL)
    return;

  self->announcer = bt_announcer_new (self->info_hash, self->config.peer_id,
                                      self->config.port, self->config.soup_session);
  bt_announcer_set_pacer (self->announcer, self->config.tracker_pacer);
  g_signal_connect_object (self->announcer, "peers-found",
                           G_CALLBACK (peers_found_cb), self, 0);
  g_signal_connect_object (self->announcer, "trackers-changed",
                           G_CALLBACK (trackers_changed_cb), self, 0);
}

static void
begin_download (BtTorrent *self)
{
  bt_picker_set_have (self->picker, self->have);
  set_state (self, BT_TORRENT_STATE_DOWNLOADING);
  notify_changes (self);

  if (self->announcer != NULL)
    {
      bt_announcer_set_stats (self->announcer, self->uploaded, self->downloaded,
                              bt_torrent_get_left (self));
      bt_announcer_start (self->announcer);
    }
  /* The first tick runs whatever happens: it notifies the start's
   * figures, then keeps ticking only while there is work. */
  wake_tick (self);

  if (bt_picker_is_complete (self->picker))
    {
      /* Everything was on disk already: announce as a seed from the start. */
      self->completed_announced = TRUE;
      check_completion (self);
    }
  else
    connect_more_peers (self);
}

static void
check_progress_cb (guint64  done,
                   guint64  total,
                   gpointer user_data)
{
  BtTorrent *self = user_data;

  self->check_progress = total > 0 ? (double) done / total : 1.0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECK_PROGRESS]);
}

static void
check_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BtTorrent) self = user_data;
  g_autoptr(GError) error = NULL;
  BtBitfield *have;

  have = bt_verify_check_finish (result, &error);
  if (have == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self, error);
      return;
    }
  bt_bitfield_free (self->have);
  self->have = have;
  self->restored = TRUE; /* checked: the next start trusts it */
  recount_files (self);
  begin_download (self);
}

/* GObject overrides */

static void
bt_torrent_dispose (GObject *object)
{
  BtTorrent *self = (BtTorrent *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->upload_timer_id, g_source_remove);
  g_clear_handle_id (&self->download_timer_id, g_source_remove);
  g_clear_handle_id (&self->fetch_retry_id, g_source_remove);
  if (self->fetch_cancellable != NULL)
    g_cancellable_cancel (self->fetch_cancellable);
  g_clear_object (&self->fetcher);
  if (self->peers != NULL)
    {
      /* The peers' closed notifications would arrive after we are gone. */
      for (guint i = 0; i < self->peers->len; i++)
        {
          bt_peer_detach (g_ptr_array_index (self->peers, i));
          bt_peer_close (g_ptr_array_index (self->peers, i), NULL);
        }
      if (self->config.budget != NULL)
        self->config.budget->used -= MIN (self->config.budget->used, self->peers->len);
      g_ptr_array_set_size (self->peers, 0);
    }
  g_clear_object (&self->announcer);
  if (self->config.lsd != NULL && self->meta != NULL)
    bt_lsd_remove_torrent (self->config.lsd, bt_metainfo_get_info_hash (self->meta));

  G_OBJECT_CLASS (bt_torrent_parent_class)->dispose (object);
}

static void
bt_torrent_finalize (GObject *object)
{
  BtTorrent *self = (BtTorrent *) object;

  g_clear_object (&self->meta);
  g_clear_pointer (&self->download_dir, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_object (&self->storage);
  g_clear_object (&self->picker);
  g_clear_pointer (&self->have, bt_bitfield_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config.soup_session);
  g_clear_pointer (&self->config.tracker_pacer, bt_tracker_pacer_unref);
  g_clear_object (&self->config.lsd);
  g_clear_pointer (&self->config.budget, bt_peer_budget_unref);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_clear_pointer (&self->buffers, g_hash_table_unref);
  g_clear_pointer (&self->peer_states, g_hash_table_unref);
  g_clear_pointer (&self->banned_ids, g_hash_table_unref);
  g_clear_pointer (&self->choker, bt_choker_free);
  g_clear_pointer (&self->upload_limit, bt_rate_limit_unref);
  g_clear_pointer (&self->read_cache, g_hash_table_unref);
  g_clear_pointer (&self->reading, g_hash_table_unref);
  g_clear_pointer (&self->download_limit, bt_rate_limit_unref);
  g_clear_pointer (&self->magnet, bt_magnet_free);
  g_clear_pointer (&self->info_hash_hex, g_free);
  g_clear_object (&self->fetch_cancellable);
  g_clear_object (&self->files);
  g_clear_pointer (&self->file_done, g_free);
  g_clear_object (&self->peer_list);
  g_clear_object (&self->tracker_list);
  g_clear_pointer (&self->tracker_infos, g_hash_table_unref);
  g_clear_pointer (&self->peer_infos, g_hash_table_unref);

  G_OBJECT_CLASS (bt_torrent_parent_class)->finalize (object);
}

static void
bt_torrent_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  BtTorrent *self = BT_TORRENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, bt_torrent_get_progress (self));
      break;
    case PROP_CHECK_PROGRESS:
      g_value_set_double (value, self->check_progress);
      break;
    case PROP_NAME:
      g_value_set_string (value, bt_torrent_get_name (self));
      break;
    case PROP_INFO_HASH:
      g_value_set_string (value, bt_torrent_get_info_hash_hex (self));
      break;
    case PROP_SAVE_PATH:
      g_value_set_string (value, self->download_dir);
      break;
    case PROP_TOTAL_SIZE:
      g_value_set_uint64 (value, bt_torrent_get_total_size (self));
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->wanted_size);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_DOWNLOADED:
      g_value_set_uint64 (value, self->downloaded);
      break;
    case PROP_UPLOADED:
      g_value_set_uint64 (value, self->uploaded);
      break;
    case PROP_DOWNLOAD_RATE:
      g_value_set_double (value, self->download_rate);
      break;
    case PROP_UPLOAD_RATE:
      g_value_set_double (value, self->upload_rate);
      break;
    case PROP_ETA:
      g_value_set_int64 (value, bt_torrent_get_eta (self));
      break;
    case PROP_RATIO:
      g_value_set_double (value, bt_torrent_get_ratio (self));
      break;
    case PROP_N_PEERS:
      g_value_set_uint (value, bt_torrent_get_n_peers (self));
      break;
    case PROP_N_KNOWN_PEERS:
      g_value_set_uint (value, bt_torrent_get_n_known_peers (self));
      break;
    case PROP_N_SWARM_PEERS:
      g_value_set_uint (value, bt_torrent_get_n_swarm_peers (self));
      break;
    case PROP_QUEUE_POSITION:
      g_value_set_uint (value, self->queue_position);
      break;
    case PROP_UPLOAD_LIMIT:
      g_value_set_uint64 (value, bt_torrent_get_upload_limit (self));
      break;
    case PROP_DOWNLOAD_LIMIT:
      g_value_set_uint64 (value, bt_torrent_get_download_limit (self));
      break;
    case PROP_ADDED_TIME:
      g_value_set_int64 (value, self->added_time);
      break;
    case PROP_COMPLETED_TIME:
      g_value_set_int64 (value, self->completed_time);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bt_torrent_class_init (BtTorrentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = bt_torrent_dispose;
  object_class->finalize = bt_torrent_finalize;
  object_class->get_property = bt_torrent_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, BT_TYPE_TORRENT_STATE, BT_TORRENT_STATE_STOPPED, ro);
  properties[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_CHECK_PROGRESS] = g_param_spec_double ("check-progress", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_INFO_HASH] = g_param_spec_string ("info-hash", NULL, NULL, NULL, ro);
  properties[PROP_SAVE_PATH] = g_param_spec_string ("save-path", NULL, NULL, NULL, ro);
  properties[PROP_TOTAL_SIZE] =
    g_param_spec_uint64 ("total-size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, ro);
  properties[PROP_DOWNLOADED] =
    g_param_spec_uint64 ("downloaded", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_UPLOADED] = g_param_spec_uint64 ("uploaded", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_DOWNLOAD_RATE] =
    g_param_spec_double ("download-rate", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_UPLOAD_RATE] =
    g_param_spec_double ("upload-rate", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_RATIO] = g_param_spec_double ("ratio", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_N_PEERS] = g_param_spec_uint ("n-peers", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_KNOWN_PEERS] =
    g_param_spec_uint ("n-known-peers", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * BtTorrent:n-swarm-peers:
   *
   * How many other peers the swarm has, as far as we can tell: the
   * addresses we know, or the seeders and leechers a tracker counts (less
   * us), whichever is more.
   */
  properties[PROP_N_SWARM_PEERS] =
    g_param_spec_uint ("n-swarm-peers", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_QUEUE_POSITION] =
    g_param_spec_uint ("queue-position", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_ADDED_TIME] = g_param_spec_int64 ("added-time", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_COMPLETED_TIME] =
    g_param_spec_int64 ("completed-time", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /* BtTorrent:upload-limit and BtTorrent:download-limit: its own limits
   * in bytes/s, 0 for none (see bt_torrent_set_upload_limit()). */
  properties[PROP_UPLOAD_LIMIT] =
    g_param_spec_uint64 ("upload-limit", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_DOWNLOAD_LIMIT] =
    g_param_spec_uint64 ("download-limit", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BtTorrent::completed:
   *
   * Every wanted piece is verified and on disk.
   */
  signals[COMPLETED] = g_signal_new ("completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * BtTorrent::seed-goal-reached:
   *
   * Seeding met its goal (ratio or idle time); the owner stops the torrent.
   */
  signals[SEED_GOAL_REACHED] = g_signal_new ("seed-goal-reached", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);

  /**
   * BtTorrent::metadata-received:
   * @info_dict: the info dictionary's bytes, checked against the info-hash
   *
   * A torrent added from a magnet link got its metadata from peers. The
   * owner makes a #BtMetainfo of it (keeping it for the next run) and
   * hands it over with bt_torrent_set_metainfo(); until then the torrent
   * waits.
   */
  signals[METADATA_RECEIVED] = g_signal_new ("metadata-received", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 1, G_TYPE_BYTES);
}

static void
bt_torrent_init (BtTorrent *self)
{
  self->cancellable = g_cancellable_new ();
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) known_peer_free);
  self->peers = g_ptr_array_new_with_free_func (g_object_unref);
  self->buffers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) piece_buffer_free);
  self->banned_ids = g_hash_table_new_full (peer_id_hash, peer_id_equal, g_free, NULL);
  self->peer_states = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) peer_state_free);
  self->read_cache = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) cached_piece_free);
  self->reading = g_hash_table_new (NULL, NULL);
  self->choker = bt_choker_new (NULL);
  self->files = g_list_store_new (BT_TYPE_FILE);
  self->peer_list = g_list_store_new (BT_TYPE_PEER_INFO);
  self->tracker_list = g_list_store_new (BT_TYPE_TRACKER_INFO);
  self->tracker_infos = g_hash_table_new (g_str_hash, g_str_equal);
  self->peer_infos = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->shown_eta = -1;
}

/* Public API */

static BtTorrent *torrent_new_common (const guint8 *info_hash, const char *download_dir,
                                     const BtTorrentConfig *config);
static void attach_metainfo (BtTorrent *self, BtMetainfo *meta);

/**
 * bt_torrent_new:
 * @download_dir: the folder the torrent's files go in
 *
 * Returns: (transfer full): a stopped torrent, or %NULL when the folder
 *   cannot be used
 */
BtTorrent *
bt_torrent_new (BtMetainfo             *meta,
                const char             *download_dir,
                const BtTorrentConfig  *config,
                GError                **error)
{
  g_autoptr(BtTorrent) self = NULL;

  g_return_val_if_fail (BT_IS_METAINFO (meta), NULL);
  g_return_val_if_fail (download_dir != NULL, NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = torrent_new_common (bt_metainfo_get_info_hash (meta), download_dir, config);
  attach_metainfo (self, meta);
  return g_steal_pointer (&self);
}

static BtTorrent *
torrent_new_common (const guint8          *info_hash,
                    const char            *download_dir,
                    const BtTorrentConfig *config)
{
  BtTorrent *self = g_object_new (BT_TYPE_TORRENT, NULL);

  memcpy (self->info_hash, info_hash, BT_INFO_HASH_LENGTH);
  self->info_hash_hex = g_malloc (2 * BT_INFO_HASH_LENGTH + 1);
  for (guint i = 0; i < BT_INFO_HASH_LENGTH; i++)
    g_snprintf (self->info_hash_hex + 2 * i, 3, "%02x", info_hash[i]);
  self->download_dir = g_strdup (download_dir);
  self->config = *config;
  if (self->config.budget != NULL)
    bt_peer_budget_ref (self->config.budget);
  if (self->config.lsd != NULL)
    g_object_ref (self->config.lsd);
  if (self->config.soup_session != NULL)
    g_object_ref (self->config.soup_session);
  if (self->config.tracker_pacer != NULL)
    bt_tracker_pacer_ref (self->config.tracker_pacer);
  else
    self->config.soup_session = soup_session_new ();

  /* The folder is opened at the start, not here: a folder that is gone
   * (an unplugged disk) must not lose a torrent restored from the session;
   * it waits in the error state instead, see bt_torrent_start(). */
  self->upload_limit = bt_rate_limit_new (config->upload_rate, config->upload_parent);
  self->config.upload_parent = NULL; /* held by our bucket from now on */
  self->download_limit = bt_rate_limit_new (config->download_rate, config->download_parent);
  self->config.download_parent = NULL;
  self->added_time = g_get_real_time () / G_USEC_PER_SEC;
  return self;
}

/* Everything that needs the metainfo: at creation, or when a magnet's
 * metadata arrived. */
static void
attach_metainfo (BtTorrent  *self,
                 BtMetainfo *meta)
{
  self->meta = g_object_ref (meta);
  self->picker = bt_picker_new (meta);
  self->have = bt_bitfield_new (bt_metainfo_get_n_pieces (meta));
  update_wanted_size (self);
  self->file_done = g_new0 (guint64, MAX (1, bt_metainfo_get_n_files (meta)));
  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      g_autoptr(BtFile) file = NULL;

      if (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD)
        continue;
      file = bt_file_new (self, i, bt_metainfo_get_file_path (meta, i),
                          bt_metainfo_get_file_size (meta, i), BT_PRIORITY_NORMAL);
      g_list_store_append (self->files, file);
    }

  /* A magnet's announcer runs already, with the link's trackers (which
   * are the ones its saved metainfo lists). */
  if (self->announcer == NULL && bt_metainfo_get_n_tiers (meta) > 0)
    {
      ensure_announcer (self);
      for (guint i = 0; i < bt_metainfo_get_n_tiers (meta); i++)
        bt_announcer_add_tier (self->announcer, bt_metainfo_get_tier (meta, i));
    }
  start_lsd (self);
}

/**
 * bt_torrent_start:
 *
 * Checks what is already on disk, then announces and downloads. Progress
 * and the outcome are reported through properties and signals.
 */
void
bt_torrent_start (BtTorrent *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (BT_IS_TORRENT (self));

  if (self->state != BT_TORRENT_STATE_STOPPED && self->state != BT_TORRENT_STATE_QUEUED
      && self->state != BT_TORRENT_STATE_ERROR)
    return;

  self->queued = FALSE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->error_message != NULL)
    {
      g_clear_pointer (&self->error_message, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  if (self->meta == NULL)
    {
      start_fetching (self);
      return;
    }
  /* Opened at every start: the folder may have come back (a disk plugged
   * in again) or gone since. */
  g_clear_object (&self->storage);
  self->storage = bt_storage_new (self->meta, self->download_dir, &error);
  if (self->storage == NULL)
    {
      set_error (self, error);
      return;
    }
  /* Pieces of a buffer whose peers left halfway are asked for again. */
  g_hash_table_remove_all (self->buffers);
  /* A (re)start dials the known peers at once, whatever back-off the last
   * run left them with. */
  {
    GHashTableIter iter;
    KnownPeer *known;

    g_hash_table_iter_init (&iter, self->known);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &known))
      if (!known->connected)
        known->next_attempt_us = 0;
  }
  self->creating_files = FALSE;
  self->goal_reached = FALSE;
  self->last_upload_us = 0;

  if (self->config.skip_check || self->restored)
    {
      begin_download (self);
      return;
    }

  set_state (self, BT_TORRENT_STATE_CHECKING);
  bt_verify_check_async (self->storage, self->cancellable, check_progress_cb, self, NULL,
                         check_cb, g_object_ref (self));
}

static void fetch_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
fetch_again (BtTorrent *self)
{
  g_clear_object (&self->fetch_cancellable);
  self->fetch_cancellable = g_cancellable_new ();
  bt_metadata_fetcher_fetch_async (self->fetcher, self->fetch_cancellable, fetch_cb,
                                   g_object_ref (self));
}

static gboolean
fetch_retry_cb (gpointer user_data)
{
  BtTorrent *self = user_data;

  self->fetch_retry_id = 0;
  if (self->state == BT_TORRENT_STATE_FETCHING_METADATA)
    fetch_again (self);
  return G_SOURCE_REMOVE;
}

static void
fetch_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BtTorrent) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) info = NULL;

  info = bt_metadata_fetcher_fetch_finish (BT_METADATA_FETCHER (source), result, &error);
  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || self->state != BT_TORRENT_STATE_FETCHING_METADATA)
        return;
      /* No peer had it yet: a magnet's swarm may take long to find, so
       * keep trying while trackers and the DHT bring new peers. */
      g_message ("%s: no metadata yet (%s); trying again", bt_torrent_get_name (self),
                 error->message);
      self->fetch_retry_id = g_timeout_add_seconds (BT_TORRENT_METADATA_RETRY_S, fetch_retry_cb,
                                                    self);
      return;
    }
  if (self->state != BT_TORRENT_STATE_FETCHING_METADATA)
    return;
  g_signal_emit (self, signals[METADATA_RECEIVED], 0, info);
}

/* A magnet's start: ask the link's peers and trackers (and the session's
 * DHT, through bt_torrent_add_peer_address()) for the metadata. */
static void
start_fetching (BtTorrent *self)
{
  GHashTableIter iter;
  KnownPeer *known;

  set_state (self, BT_TORRENT_STATE_FETCHING_METADATA);
  if (self->fetcher == NULL)
    self->fetcher = bt_metadata_fetcher_new (self->info_hash, self->config.peer_id,
                                             self->config.port);
  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &known))
    bt_metadata_fetcher_add_peer (self->fetcher, known->address);
  if (self->announcer != NULL)
    bt_announcer_start (self->announcer);
  fetch_again (self);
}

static void
stop_announce_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;

  /* "stopped" is best effort: a dead tracker must not hold up quitting. */
  bt_announcer_stop_finish (BT_ANNOUNCER (source), result, NULL);
  g_task_return_boolean (task, TRUE);
}

/**
 * bt_torrent_stop_async:
 *
 * Closes every connection and tells the trackers we left.
 */
void
bt_torrent_stop_async (BtTorrent           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (BT_IS_TORRENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_torrent_stop_async);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->upload_timer_id, g_source_remove);
  g_clear_handle_id (&self->download_timer_id, g_source_remove);
  /* A check that is cut short leaves nothing to trust. */
  if (self->state == BT_TORRENT_STATE_CHECKING)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->fetch_retry_id, g_source_remove);
  if (self->fetch_cancellable != NULL)
    g_cancellable_cancel (self->fetch_cancellable);
  for (guint i = 0; i < self->peers->len; i++)
    bt_peer_close (g_ptr_array_index (self->peers, i), NULL);
  if (self->state != BT_TORRENT_STATE_ERROR)
    set_state (self, self->queued ? BT_TORRENT_STATE_QUEUED : BT_TORRENT_STATE_STOPPED);
  self->download_rate = 0;
  self->upload_rate = 0;
  notify_changes (self);

  if (self->announcer != NULL)
    {
      bt_announcer_set_stats (self->announcer, self->uploaded, self->downloaded,
                              bt_torrent_get_left (self));
      bt_announcer_stop_async (self->announcer, cancellable, stop_announce_cb,
                               g_steal_pointer (&task));
    }
  else
    g_task_return_boolean (task, TRUE);
}

gboolean
bt_torrent_stop_finish (BtTorrent     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bt_torrent_add_peer_address:
 *
 * Remembers a peer to connect to (from a tracker, peer exchange, or the
 * user), and dials it when there is room.
 */
void
bt_torrent_add_peer_address (BtTorrent          *self,
                             GInetSocketAddress *address)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (G_IS_INET_SOCKET_ADDRESS (address));

  add_peer_address (self, address, FALSE);
}

static void
add_peer_address (BtTorrent          *self,
                  GInetSocketAddress *address,
                  gboolean            from_pex)
{
  g_autofree char *key = NULL;
  KnownPeer *known;

  if (g_inet_socket_address_get_port (address) == 0)
    return;
  key = address_key (address);
  if (g_hash_table_contains (self->known, key))
    return;
  if (g_hash_table_size (self->known) >= BT_TORRENT_MAX_KNOWN_PEERS)
    return;

  known = g_new0 (KnownPeer, 1);
  known->address = g_object_ref (address);
  known->from_pex = from_pex;
  g_hash_table_insert (self->known, g_steal_pointer (&key), known);
  if (self->meta == NULL)
    {
      if (self->fetcher != NULL && self->state == BT_TORRENT_STATE_FETCHING_METADATA)
        bt_metadata_fetcher_add_peer (self->fetcher, address);
      return;
    }
  connect_more_peers (self);
  wake_tick (self); /* to show it, and to dial it later when it cannot be now */
}

/**
 * bt_torrent_accept_peer:
 * @connection: a connection a peer opened to us
 * @received: the bytes of its handshake read so far
 *
 * Takes over an incoming connection the session routed to this torrent.
 */
void
bt_torrent_accept_peer (BtTorrent         *self,
                        GSocketConnection *connection,
                        GBytes            *received)
{
  guint max_peers;
  BtPeer *peer;

  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (G_IS_SOCKET_CONNECTION (connection));

  max_peers = self->config.max_peers > 0 ? self->config.max_peers : BT_TORRENT_MAX_PEERS;
  if ((self->state != BT_TORRENT_STATE_DOWNLOADING && self->state != BT_TORRENT_STATE_SEEDING)
      || self->peers->len >= max_peers || !budget_allows (self))
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return;
    }

  peer = bt_peer_new_incoming (connection, received, bt_metainfo_get_info_hash (self->meta),
                               self->config.peer_id, bt_metainfo_get_n_pieces (self->meta),
                               &peer_callbacks, self);
  configure_extensions (self, peer);
  add_peer (self, peer);
  bt_peer_start (peer);
}

/**
 * bt_torrent_set_upload_limit:
 * @bytes_per_second: 0 for no limit of its own (the session's still applies)
 */
void
bt_torrent_set_upload_limit (BtTorrent *self,
                             guint64    bytes_per_second)
{
  g_return_if_fail (BT_IS_TORRENT (self));

  if (bt_rate_limit_get_rate (self->upload_limit) == bytes_per_second)
    return;
  bt_rate_limit_set_rate (self->upload_limit, bytes_per_second, g_get_monotonic_time ());
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_LIMIT]);
}

/**
 * bt_torrent_set_file_priority:
 * @priority: %BT_PRIORITY_SKIP not to download the file
 *
 * Sets how much a file is wanted. A skipped file's pieces that it shares
 * with a wanted file still come (and their bytes land in the skipped file);
 * the rest are never requested.
 */
void
bt_torrent_set_file_priority (BtTorrent  *self,
                              guint       file,
                              BtPriority  priority)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (self->meta != NULL);
  g_return_if_fail (file < bt_metainfo_get_n_files (self->meta));

  bt_picker_set_file_priority (self->picker, file, priority);
  update_wanted_size (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->files)); i++)
    {
      g_autoptr(BtFile) item = g_list_model_get_item (G_LIST_MODEL (self->files), i);

      if (bt_file_get_index (item) == file)
        bt_file_update_priority (item, priority);
    }
  if (self->state == BT_TORRENT_STATE_SEEDING && !bt_picker_is_complete (self->picker))
    {
      self->creating_files = FALSE;
      set_state (self, BT_TORRENT_STATE_DOWNLOADING);
    }
  for (guint i = 0; i < self->peers->len; i++)
    update_interest (self, g_ptr_array_index (self->peers, i));
  notify_changes (self);
  check_completion (self);
  fill_all_requests (self);
  wake_tick (self); /* a seed may have become a download */
}

BtPriority
bt_torrent_get_file_priority (BtTorrent *self,
                              guint      file)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), BT_PRIORITY_SKIP);
  g_return_val_if_fail (self->meta != NULL, BT_PRIORITY_NORMAL);
  g_return_val_if_fail (file < bt_metainfo_get_n_files (self->meta), BT_PRIORITY_SKIP);
  return bt_picker_get_file_priority (self->picker, file);
}

/**
 * bt_torrent_get_metainfo:
 *
 * Returns: (transfer none): the torrent's metadata
 */
BtMetainfo *
bt_torrent_get_metainfo (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return self->meta;
}

BtTorrentState
bt_torrent_get_state (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), BT_TORRENT_STATE_ERROR);
  return self->state;
}

/**
 * bt_torrent_get_error_message:
 *
 * Returns: (nullable): why the torrent is in the error state
 */
const char *
bt_torrent_get_error_message (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return self->error_message;
}

/**
 * bt_torrent_get_have:
 *
 * Returns: (transfer none): the verified pieces
 */
const BtBitfield *
bt_torrent_get_have (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return self->have;
}

/**
 * bt_torrent_get_progress:
 *
 * Returns: the share of wanted data verified, from 0 to 1
 */
double
bt_torrent_get_progress (BtTorrent *self)
{
  guint64 total;

  g_return_val_if_fail (BT_IS_TORRENT (self), 0);

  if (self->meta == NULL)
    return 0;
  /* Over what is wanted: a torrent with skipped files is complete when
   * the files the person chose are. */
  total = self->wanted_size;
  if (total == 0)
    return 1.0;
  return 1.0 - (double) bt_torrent_get_left (self) / total;
}

double
bt_torrent_get_check_progress (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->check_progress;
}

guint64
bt_torrent_get_downloaded (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->downloaded;
}

guint64
bt_torrent_get_uploaded (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->uploaded;
}

/**
 * bt_torrent_get_left:
 *
 * Returns: bytes of wanted pieces not verified yet (what trackers call
 *   "left")
 */
guint64
bt_torrent_get_left (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  if (self->picker == NULL)
    return self->magnet != NULL ? self->magnet->length : 0;
  return bt_picker_get_wanted_left (self->picker);
}

double
bt_torrent_get_download_rate (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->download_rate;
}

double
bt_torrent_get_upload_rate (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->upload_rate;
}

/**
 * bt_torrent_get_n_peers:
 *
 * Returns: connected peers (handshake done)
 */
guint
bt_torrent_get_n_peers (BtTorrent *self)
{
  guint n = 0;

  g_return_val_if_fail (BT_IS_TORRENT (self), 0);

  for (guint i = 0; i < self->peers->len; i++)
    n += bt_peer_is_handshaked (g_ptr_array_index (self->peers, i));
  return n;
}

guint
bt_torrent_get_n_known_peers (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return g_hash_table_size (self->known) - self->n_known_self;
}

guint
bt_torrent_get_n_swarm_peers (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return MAX (bt_torrent_get_n_known_peers (self), self->tracker_swarm);
}

guint
bt_torrent_get_n_banned (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->n_banned;
}

/**
 * bt_torrent_set_download_limit:
 * @bytes_per_second: 0 for no limit of its own (the session's still applies)
 */
void
bt_torrent_set_download_limit (BtTorrent *self,
                               guint64    bytes_per_second)
{
  g_return_if_fail (BT_IS_TORRENT (self));

  if (bt_rate_limit_get_rate (self->download_limit) == bytes_per_second)
    return;
  bt_rate_limit_set_rate (self->download_limit, bytes_per_second, g_get_monotonic_time ());
  g_clear_handle_id (&self->download_timer_id, g_source_remove);
  fill_all_requests (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_LIMIT]);
}

/**
 * bt_torrent_set_seed_goals:
 * @ratio: stop seeding at this upload ratio; 0 never
 * @idle_s: stop seeding after this long without uploading; 0 never
 */
void
bt_torrent_set_seed_goals (BtTorrent *self,
                           double     ratio,
                           guint      idle_s)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  self->config.seed_ratio = MAX (ratio, 0);
  self->config.seed_idle_s = idle_s;
  self->goal_reached = FALSE;
  wake_tick (self); /* an idle seed may meet the new goal already */
}

void
bt_torrent_set_max_peers (BtTorrent *self,
                          guint      max_peers)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  self->config.max_peers = max_peers;
  connect_more_peers (self);
}

/**
 * bt_torrent_restore:
 * @have: (nullable): the pieces a resume file vouches for; %NULL to check
 *   the data at the next start
 *
 * Restores what the session saved, before the first bt_torrent_start().
 * With @have the start skips the hash check: the session passes it only
 * when the files on disk are as the resume file left them.
 */
void
bt_torrent_restore (BtTorrent        *self,
                    const BtBitfield *have,
                    guint64           uploaded,
                    guint64           downloaded,
                    gint64            added_time,
                    gint64            completed_time)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (have == NULL
                    || (self->meta != NULL
                        && bt_bitfield_get_size (have) == bt_metainfo_get_n_pieces (self->meta)));

  if (have != NULL)
    {
      bt_bitfield_free (self->have);
      self->have = bt_bitfield_copy (have);
      self->restored = TRUE;
      bt_picker_set_have (self->picker, self->have);
      recount_files (self);
      update_files (self);
    }
  self->uploaded = uploaded;
  self->downloaded = downloaded;
  self->last_uploaded = uploaded;
  if (added_time > 0)
    self->added_time = added_time;
  self->completed_time = MAX (completed_time, 0);
  notify_changes (self);
}

/**
 * bt_torrent_recheck:
 *
 * Forgets which pieces are verified, so that the next start hashes the
 * data on disk again. The caller stops the torrent first.
 */
void
bt_torrent_recheck (BtTorrent *self)
{
  g_return_if_fail (BT_IS_TORRENT (self));

  self->restored = FALSE;
  self->completed_announced = FALSE;
}

/**
 * bt_torrent_set_queued:
 *
 * Marks a stopped torrent as waiting in the session's queue (or not): the
 * state a stop leaves it in, and what the UI shows.
 */
void
bt_torrent_set_queued (BtTorrent *self,
                       gboolean   queued)
{
  g_return_if_fail (BT_IS_TORRENT (self));

  self->queued = queued;
  if (self->state == BT_TORRENT_STATE_STOPPED && queued)
    set_state (self, BT_TORRENT_STATE_QUEUED);
  else if (self->state == BT_TORRENT_STATE_QUEUED && !queued)
    set_state (self, BT_TORRENT_STATE_STOPPED);
}

void
bt_torrent_set_queue_position (BtTorrent *self,
                               guint      position)
{
  g_return_if_fail (BT_IS_TORRENT (self));

  if (self->queue_position == position)
    return;
  self->queue_position = position;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_POSITION]);
}

guint
bt_torrent_get_queue_position (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->queue_position;
}

/**
 * bt_torrent_fail:
 *
 * Puts the torrent into the error state with @error's message, e.g. when
 * the session finds its data folder gone.
 */
void
bt_torrent_fail (BtTorrent    *self,
                 const GError *error)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (error != NULL);
  set_error (self, error);
}

/**
 * bt_torrent_get_name:
 *
 * Returns: the torrent's name; for a magnet still fetching its metadata,
 *   the link's display name or else its info-hash
 */
const char *
bt_torrent_get_name (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  if (self->meta != NULL)
    return bt_metainfo_get_name (self->meta);
  if (self->magnet != NULL && self->magnet->name != NULL)
    return self->magnet->name;
  return self->info_hash_hex;
}

const char *
bt_torrent_get_info_hash_hex (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return self->info_hash_hex;
}

const guint8 *
bt_torrent_get_info_hash (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return self->info_hash;
}

/**
 * bt_torrent_get_magnet:
 *
 * Returns: (transfer none) (nullable): the magnet link the torrent was
 *   added from, if it was
 */
const BtMagnet *
bt_torrent_get_magnet (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return self->magnet;
}

/**
 * bt_torrent_get_save_path:
 *
 * Returns: the folder the torrent's files are in (a filename, not
 *   necessarily UTF-8)
 */
const char *
bt_torrent_get_save_path (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return self->download_dir;
}

/* Session use: after the files moved. The caller stops the torrent. */
void
bt_torrent_set_save_path (BtTorrent  *self,
                          const char *save_path)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (save_path != NULL);

  g_free (self->download_dir);
  self->download_dir = g_strdup (save_path);
  g_clear_object (&self->storage);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SAVE_PATH]);
}

guint64
bt_torrent_get_total_size (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  if (self->meta == NULL)
    return self->magnet != NULL ? self->magnet->length : 0;
  return bt_metainfo_get_total_size (self->meta);
}

guint64
bt_torrent_get_wanted_size (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->wanted_size;
}

/**
 * bt_torrent_get_eta:
 *
 * Returns: seconds until the download completes at the current rate, -1
 *   when unknown (not downloading, or nothing arrives)
 */
gint64
bt_torrent_get_eta (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), -1);

  if (self->state != BT_TORRENT_STATE_DOWNLOADING || self->download_rate < 1)
    return -1;
  return (gint64) (bt_torrent_get_left (self) / self->download_rate);
}

/**
 * bt_torrent_get_ratio:
 *
 * Returns: bytes uploaded over the torrent's size (as seeding goals count
 *   it)
 */
double
bt_torrent_get_ratio (BtTorrent *self)
{
  guint64 size;

  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  size = bt_torrent_get_total_size (self);
  return size > 0 ? (double) self->uploaded / size : 0;
}

gint64
bt_torrent_get_added_time (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->added_time;
}

gint64
bt_torrent_get_completed_time (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return self->completed_time;
}

/**
 * bt_torrent_dup_pieces_in_progress:
 *
 * Returns: (transfer full): the pieces partly downloaded (some blocks
 *   here) or waiting for the disk, for a piece map
 */
BtBitfield *
bt_torrent_dup_pieces_in_progress (BtTorrent *self)
{
  BtBitfield *pieces;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);

  pieces = bt_bitfield_new (self->meta != NULL ? bt_metainfo_get_n_pieces (self->meta) : 0);
  g_hash_table_iter_init (&iter, self->buffers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    bt_bitfield_set (pieces, GPOINTER_TO_UINT (key));
  return pieces;
}

/**
 * bt_torrent_get_files:
 *
 * Returns: (transfer none): a #GListModel of #BtFile, one per file in the
 *   torrent's order, pad files left out
 */
GListModel *
bt_torrent_get_files (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return G_LIST_MODEL (self->files);
}

/**
 * bt_torrent_get_peers:
 *
 * Returns: (transfer none): a #GListModel of #BtPeerInfo, one per
 *   connected peer (handshake done)
 */
GListModel *
bt_torrent_get_peers (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return G_LIST_MODEL (self->peer_list);
}

/**
 * bt_torrent_reannounce:
 *
 * Asks the trackers for more peers now (as soon as their minimum interval
 * allows), for a running torrent; see bt_announcer_announce_now().
 *
 * Returns: %TRUE when an announce is under way or planned, %FALSE when
 *   the torrent is not running or has no trackers
 */
gboolean
bt_torrent_reannounce (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), FALSE);

  if (self->announcer == NULL)
    return FALSE;
  return bt_announcer_announce_now (self->announcer);
}

/**
 * bt_torrent_get_trackers:
 *
 * Every tracker the torrent announces to, from its metainfo or magnet
 * link and any merged in later, with what each last answered. Rows are
 * added as trackers are, never reordered; their properties change as
 * announces go out and come back.
 *
 * Returns: (transfer none): a #GListModel of #BtTrackerInfo
 */
GListModel *
bt_torrent_get_trackers (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);
  return G_LIST_MODEL (self->tracker_list);
}

/**
 * bt_torrent_is_verified:
 *
 * Returns: whether the have-set is known good: the torrent checked its
 *   data, or a matching resume file vouched for it, or it started from
 *   nothing (skip_check)
 */
gboolean
bt_torrent_is_verified (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), FALSE);
  return self->restored || (self->config.skip_check && self->state != BT_TORRENT_STATE_STOPPED);
}

guint64
bt_torrent_get_upload_limit (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return bt_rate_limit_get_rate (self->upload_limit);
}

guint64
bt_torrent_get_download_limit (BtTorrent *self)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), 0);
  return bt_rate_limit_get_rate (self->download_limit);
}

/**
 * bt_torrent_set_port:
 *
 * The listening port to announce from the next announce on.
 */
void
bt_torrent_set_port (BtTorrent *self,
                     guint16    port)
{
  g_return_if_fail (BT_IS_TORRENT (self));

  self->config.port = port;
  if (self->announcer != NULL)
    bt_announcer_set_port (self->announcer, port);
}

/**
 * bt_torrent_merge_trackers:
 *
 * Adds the trackers of another copy of the same torrent (added again, or
 * from a magnet link) that this one does not know, as new tiers.
 */
void
bt_torrent_merge_trackers (BtTorrent  *self,
                           BtMetainfo *meta)
{
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_new = 0;

  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (BT_IS_METAINFO (meta));

  for (guint t = 0; self->meta != NULL && t < bt_metainfo_get_n_tiers (self->meta); t++)
    for (const char * const *url = bt_metainfo_get_tier (self->meta, t); *url != NULL; url++)
      g_hash_table_add (known, (gpointer) *url);
  for (guint i = 0; self->magnet != NULL && self->magnet->trackers != NULL
                    && i < self->magnet->trackers->len; i++)
    g_hash_table_add (known, g_ptr_array_index (self->magnet->trackers, i));

  for (guint t = 0; t < bt_metainfo_get_n_tiers (meta); t++)
    {
      g_autoptr(GPtrArray) fresh = g_ptr_array_new ();

      for (const char * const *url = bt_metainfo_get_tier (meta, t); *url != NULL; url++)
        if (!g_hash_table_contains (known, *url))
          g_ptr_array_add (fresh, (gpointer) *url);
      if (fresh->len == 0)
        continue;
      g_ptr_array_add (fresh, NULL);
      ensure_announcer (self);
      bt_announcer_add_tier (self->announcer, (const char * const *) fresh->pdata);
      n_new += fresh->len - 1;
    }
  if (n_new == 0)
    return;
  g_message ("%s: %u more trackers", bt_torrent_get_name (self), n_new);
  if (self->state == BT_TORRENT_STATE_DOWNLOADING || self->state == BT_TORRENT_STATE_SEEDING)
    bt_announcer_start (self->announcer); /* no-op when running already */
}

/* What a person may add: an announce URL we can speak to, at a host. */
static gboolean
check_tracker_url (const char  *url,
                   GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (strlen (url) > BT_TORRENT_MAX_TRACKER_URL)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED,
                   "A tracker address is at most %d characters long", BT_TORRENT_MAX_TRACKER_URL);
      return FALSE;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0'
      || !(g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0
           || g_ascii_strcasecmp (scheme, "udp") == 0))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_TRACKER_UNSUPPORTED,
                   "“%s” is not a tracker address: it should look like "
                   "https://tracker.example.org/announce or udp://tracker.example.org:6969",
                   url);
      return FALSE;
    }
  return TRUE;
}

/**
 * bt_torrent_add_tracker:
 * @url: an http, https or udp announce URL
 *
 * Adds a tracker of the person's choice, as a tier of its own after the
 * others (BEP 12), and asks it for peers at once when no other tracker
 * works. The torrent's tracker list then counts as edited (see
 * bt_torrent_dup_tracker_tiers()).
 *
 * Returns: %FALSE with @error set when @url is not a tracker address, or
 *   the torrent has it already
 */
gboolean
bt_torrent_add_tracker (BtTorrent   *self,
                        const char  *url,
                        GError     **error)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_tracker_url (url, error))
    return FALSE;
  ensure_announcer (self);
  if (!bt_announcer_add_tracker (self->announcer, url))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_FAILED,
                   g_hash_table_contains (self->tracker_infos, url)
                   ? "The torrent has the tracker “%s” already"
                   : "The torrent cannot take more trackers than “%s”", url);
      return FALSE;
    }
  self->trackers_edited = TRUE;
  if (self->state == BT_TORRENT_STATE_DOWNLOADING || self->state == BT_TORRENT_STATE_SEEDING
      || self->state == BT_TORRENT_STATE_FETCHING_METADATA)
    {
      bt_announcer_set_stats (self->announcer, self->uploaded, self->downloaded,
                              bt_torrent_get_left (self));
      bt_announcer_start (self->announcer); /* no-op when running already */
    }
  return TRUE;
}

/**
 * bt_torrent_remove_tracker:
 * @url: one of the torrent's trackers
 *
 * Stops using that tracker, whoever listed it. The tracker list then
 * counts as edited.
 *
 * Returns: %FALSE when the torrent has no such tracker
 */
gboolean
bt_torrent_remove_tracker (BtTorrent  *self,
                           const char *url)
{
  g_return_val_if_fail (BT_IS_TORRENT (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  if (self->announcer == NULL || !bt_announcer_remove_tracker (self->announcer, url))
    return FALSE;
  self->trackers_edited = TRUE;
  return TRUE;
}

/**
 * bt_torrent_dup_tracker_tiers:
 *
 * The torrent's trackers by tier, in BEP 12 order, when the person edited
 * them; the session saves them so that a restart keeps the edit.
 *
 * Returns: (transfer full) (nullable) (element-type GStrv): the tiers, or
 *   %NULL when the trackers are those of the torrent as added
 */
GPtrArray *
bt_torrent_dup_tracker_tiers (BtTorrent *self)
{
  g_autoptr(GArray) statuses = NULL;
  GPtrArray *tiers;

  g_return_val_if_fail (BT_IS_TORRENT (self), NULL);

  if (!self->trackers_edited)
    return NULL;
  tiers = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (self->announcer == NULL)
    return tiers;
  statuses = bt_announcer_get_trackers (self->announcer);
  for (guint i = 0; i < statuses->len;)
    {
      guint tier = g_array_index (statuses, BtTrackerStatus, i).tier;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (; i < statuses->len && g_array_index (statuses, BtTrackerStatus, i).tier == tier; i++)
        g_strv_builder_add (builder, g_array_index (statuses, BtTrackerStatus, i).url);
      g_ptr_array_add (tiers, g_strv_builder_end (builder));
    }
  return tiers;
}

/**
 * bt_torrent_set_tracker_tiers:
 * @tiers: (element-type GStrv): what bt_torrent_dup_tracker_tiers() gave
 *   before, or an empty array for none
 *
 * Replaces the torrent's trackers with an edited list, when it is brought
 * back from its resume record; call before starting it.
 */
void
bt_torrent_set_tracker_tiers (BtTorrent *self,
                              GPtrArray *tiers)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (tiers != NULL);

  if (self->announcer != NULL)
    {
      g_autoptr(GArray) statuses = bt_announcer_get_trackers (self->announcer);

      for (guint i = 0; i < statuses->len; i++)
        bt_announcer_remove_tracker (self->announcer, g_array_index (statuses, BtTrackerStatus, i).url);
    }
  for (guint i = 0; i < tiers->len; i++)
    {
      ensure_announcer (self);
      bt_announcer_add_tier (self->announcer, g_ptr_array_index (tiers, i));
    }
  self->trackers_edited = TRUE;
}

/**
 * bt_torrent_new_magnet:
 * @magnet: the parsed link; copied
 *
 * A torrent that first fetches its metadata from peers (BEP 9): its start
 * goes to %BT_TORRENT_STATE_FETCHING_METADATA, then
 * #BtTorrent::metadata-received asks the owner for the metainfo.
 *
 * Returns: (transfer full): a stopped torrent
 */
BtTorrent *
bt_torrent_new_magnet (const BtMagnet        *magnet,
                       const char            *download_dir,
                       const BtTorrentConfig *config)
{
  BtTorrent *self;

  g_return_val_if_fail (magnet != NULL, NULL);
  g_return_val_if_fail (download_dir != NULL, NULL);
  g_return_val_if_fail (config != NULL, NULL);

  self = torrent_new_common (magnet->info_hash, download_dir, config);
  self->magnet = bt_magnet_copy (magnet);
  self->file_done = g_new0 (guint64, 1);
  if (magnet->trackers != NULL && magnet->trackers->len > 0)
    {
      ensure_announcer (self);
      /* A link's trackers have no tiers: each is its own (BEP 12). */
      for (guint i = 0; i < magnet->trackers->len; i++)
        {
          const char *tier[] = { g_ptr_array_index (magnet->trackers, i), NULL };

          bt_announcer_add_tier (self->announcer, tier);
        }
    }
  if (magnet->peers != NULL)
    for (guint i = 0; i < magnet->peers->len; i++)
      bt_torrent_add_peer_address (self, g_ptr_array_index (magnet->peers, i));
  return self;
}

/**
 * bt_torrent_set_metainfo:
 * @meta: the metainfo made of what #BtTorrent::metadata-received gave
 *
 * Completes a magnet: the torrent becomes a normal one and, if it was
 * fetching, goes on to check its folder and download.
 */
void
bt_torrent_set_metainfo (BtTorrent  *self,
                         BtMetainfo *meta)
{
  g_return_if_fail (BT_IS_TORRENT (self));
  g_return_if_fail (BT_IS_METAINFO (meta));
  g_return_if_fail (self->meta == NULL);
  g_return_if_fail (memcmp (bt_metainfo_get_info_hash (meta), self->info_hash,
                            BT_INFO_HASH_LENGTH) == 0);

  g_clear_pointer (&self->file_done, g_free);
  attach_metainfo (self, meta);
  g_clear_handle_id (&self->fetch_retry_id, g_source_remove);
  if (self->fetch_cancellable != NULL)
    g_cancellable_cancel (self->fetch_cancellable);
  g_clear_object (&self->fetcher);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_SIZE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
  if (self->state == BT_TORRENT_STATE_FETCHING_METADATA)
    {
      set_state (self, BT_TORRENT_STATE_STOPPED);
      bt_torrent_start (self);
    }
}
