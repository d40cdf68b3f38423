/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "bt-bitfield.h"
#include "bt-lsd.h"
#include "bt-magnet.h"
#include "bt-metainfo.h"
#include "bt-picker.h"
#include "bt-ratelimit.h"
#include "bt-tracker-info.h"

G_BEGIN_DECLS

#define BT_TYPE_TORRENT (bt_torrent_get_type ())
G_DECLARE_FINAL_TYPE (BtTorrent, bt_torrent, BT, TORRENT, GObject)

/**
 * BtTorrentState:
 * @BT_TORRENT_STATE_STOPPED: not running: paused by the person, or not
 *   started yet
 * @BT_TORRENT_STATE_QUEUED: waiting for a free download or seed slot of
 *   the session's queue
 * @BT_TORRENT_STATE_FETCHING_METADATA: added from a magnet link; getting
 *   the info dictionary from peers (BEP 9)
 * @BT_TORRENT_STATE_CHECKING: hashing what is on disk
 * @BT_TORRENT_STATE_DOWNLOADING: fetching wanted pieces
 * @BT_TORRENT_STATE_SEEDING: every wanted piece is here; uploading
 * @BT_TORRENT_STATE_ERROR: stopped by a fault, see
 *   bt_torrent_get_error_message()
 */
typedef enum
{
  BT_TORRENT_STATE_STOPPED,
  BT_TORRENT_STATE_QUEUED,
  BT_TORRENT_STATE_FETCHING_METADATA,
  BT_TORRENT_STATE_CHECKING,
  BT_TORRENT_STATE_DOWNLOADING,
  BT_TORRENT_STATE_SEEDING,
  BT_TORRENT_STATE_ERROR,
} BtTorrentState;

#define BT_TYPE_TORRENT_STATE (bt_torrent_state_get_type ())
GType bt_torrent_state_get_type (void) G_GNUC_CONST;
#define BT_TYPE_PRIORITY (bt_priority_get_type ())
GType bt_priority_get_type (void) G_GNUC_CONST;

/**
 * BtPeerBudget:
 *
 * Connections allowed across all torrents of a session: the session makes
 * one and hands it to each torrent, which takes a slot per connection.
 */
typedef struct
{
  gatomicrefcount ref_count;
  guint           used;
  guint           max;
} BtPeerBudget;

BtPeerBudget *bt_peer_budget_new   (guint         max);
BtPeerBudget *bt_peer_budget_ref   (BtPeerBudget *budget);
void          bt_peer_budget_unref (BtPeerBudget *budget);

/**
 * BtTorrentConfig:
 * @peer_id: our peer id for this session
 * @port: the port we announce
 * @soup_session: (nullable): shared HTTP session for trackers
 * @tracker_pacer: (nullable): the session's pace for starting announces
 * @max_peers: connections to keep at most (0 for the default)
 * @skip_check: trust that nothing of the torrent is on disk yet (for
 *   tests and benchmarks that start from an empty folder)
 * @budget: (nullable): the session's connection budget
 * @seed_ratio: stop seeding once uploaded / size reaches this; 0: never
 * @seed_idle_s: stop seeding after this long without uploading; 0: never
 * @upload_rate: this torrent's upload limit in bytes/s; 0: none of its own
 * @upload_parent: (nullable): the session's upload bucket, above ours
 * @download_rate: this torrent's download limit in bytes/s; 0: none of
 *   its own
 * @download_parent: (nullable): the session's download bucket, above ours
 * @disable_pex: no peer exchange (BEP 11); private torrents never do it
 * @lsd: (nullable): the session's local discovery (BEP 14), which the
 *   torrent registers with; private torrents never do
 * @disable_lsd: no local discovery for this torrent
 */
typedef struct
{
  guint8       peer_id[20];
  guint16      port;
  SoupSession *soup_session;
  BtTrackerPacer *tracker_pacer;
  guint        max_peers;
  gboolean     skip_check;
  BtPeerBudget *budget;
  double       seed_ratio;
  guint        seed_idle_s;
  guint64      upload_rate;
  BtRateLimit *upload_parent;
  guint64      download_rate;
  BtRateLimit *download_parent;
  gboolean     disable_pex;
  BtLsd       *lsd;
  gboolean     disable_lsd;
} BtTorrentConfig;

BtTorrent      *bt_torrent_new                (BtMetainfo             *meta,
                                               const char             *download_dir,
                                               const BtTorrentConfig  *config,
                                               GError                **error);
BtTorrent      *bt_torrent_new_magnet         (const BtMagnet         *magnet,
                                               const char             *download_dir,
                                               const BtTorrentConfig  *config);
void            bt_torrent_set_metainfo       (BtTorrent              *self,
                                               BtMetainfo             *meta);
const guint8   *bt_torrent_get_info_hash      (BtTorrent              *self);
const BtMagnet *bt_torrent_get_magnet         (BtTorrent              *self);
void            bt_torrent_start              (BtTorrent              *self);
void            bt_torrent_stop_async         (BtTorrent              *self,
                                               GCancellable           *cancellable,
                                               GAsyncReadyCallback     callback,
                                               gpointer                user_data);
gboolean        bt_torrent_stop_finish        (BtTorrent              *self,
                                               GAsyncResult           *result,
                                               GError                **error);
void            bt_torrent_add_peer_address   (BtTorrent              *self,
                                               GInetSocketAddress     *address);
void            bt_torrent_accept_peer        (BtTorrent              *self,
                                               GSocketConnection      *connection,
                                               GBytes                 *received);

void            bt_torrent_set_upload_limit   (BtTorrent              *self,
                                               guint64                 bytes_per_second);
void            bt_torrent_set_download_limit (BtTorrent              *self,
                                               guint64                 bytes_per_second);
void            bt_torrent_set_seed_goals     (BtTorrent              *self,
                                               double                  ratio,
                                               guint                   idle_s);
void            bt_torrent_set_max_peers      (BtTorrent              *self,
                                               guint                   max_peers);

/* Session bookkeeping: what a resume file restores and the queue. */
void            bt_torrent_restore            (BtTorrent              *self,
                                               const BtBitfield       *have,
                                               guint64                 uploaded,
                                               guint64                 downloaded,
                                               gint64                  added_time,
                                               gint64                  completed_time);
void            bt_torrent_set_queued         (BtTorrent              *self,
                                               gboolean                queued);
void            bt_torrent_set_queue_position (BtTorrent              *self,
                                               guint                   position);
guint           bt_torrent_get_queue_position (BtTorrent              *self);
void            bt_torrent_recheck            (BtTorrent              *self);
gboolean        bt_torrent_is_verified        (BtTorrent              *self);
guint64         bt_torrent_get_upload_limit   (BtTorrent              *self);
guint64         bt_torrent_get_download_limit (BtTorrent              *self);
void            bt_torrent_set_port           (BtTorrent              *self,
                                               guint16                 port);
void            bt_torrent_merge_trackers     (BtTorrent              *self,
                                               BtMetainfo             *meta);
void            bt_torrent_set_save_path      (BtTorrent              *self,
                                               const char             *save_path);
void            bt_torrent_fail               (BtTorrent              *self,
                                               const GError           *error);

const char     *bt_torrent_get_name           (BtTorrent              *self);
const char     *bt_torrent_get_info_hash_hex  (BtTorrent              *self);
const char     *bt_torrent_get_save_path      (BtTorrent              *self);
guint64         bt_torrent_get_total_size     (BtTorrent              *self);
guint64         bt_torrent_get_wanted_size    (BtTorrent              *self);
gint64          bt_torrent_get_eta            (BtTorrent              *self);
double          bt_torrent_get_ratio          (BtTorrent              *self);
gint64          bt_torrent_get_added_time     (BtTorrent              *self);
gint64          bt_torrent_get_completed_time (BtTorrent              *self);
BtBitfield     *bt_torrent_dup_pieces_in_progress (BtTorrent          *self);
GListModel     *bt_torrent_get_files          (BtTorrent              *self);
GListModel     *bt_torrent_get_peers          (BtTorrent              *self);
GListModel     *bt_torrent_get_trackers       (BtTorrent              *self);
gboolean        bt_torrent_reannounce         (BtTorrent              *self);
gboolean        bt_torrent_add_tracker        (BtTorrent              *self,
                                               const char             *url,
                                               GError                **error);
gboolean        bt_torrent_remove_tracker     (BtTorrent              *self,
                                               const char             *url);
GPtrArray      *bt_torrent_dup_tracker_tiers  (BtTorrent              *self);
void            bt_torrent_set_tracker_tiers  (BtTorrent              *self,
                                               GPtrArray              *tiers);
void            bt_torrent_set_file_priority  (BtTorrent              *self,
                                               guint                   file,
                                               BtPriority              priority);
BtPriority      bt_torrent_get_file_priority  (BtTorrent              *self,
                                               guint                   file);

BtMetainfo     *bt_torrent_get_metainfo       (BtTorrent              *self);
BtTorrentState  bt_torrent_get_state          (BtTorrent              *self);
const char     *bt_torrent_get_error_message  (BtTorrent              *self);
const BtBitfield *bt_torrent_get_have         (BtTorrent              *self);
double          bt_torrent_get_progress       (BtTorrent              *self);
double          bt_torrent_get_check_progress (BtTorrent              *self);
guint64         bt_torrent_get_downloaded     (BtTorrent              *self);
guint64         bt_torrent_get_uploaded       (BtTorrent              *self);
guint64         bt_torrent_get_left           (BtTorrent              *self);
double          bt_torrent_get_download_rate  (BtTorrent              *self);
double          bt_torrent_get_upload_rate    (BtTorrent              *self);
guint           bt_torrent_get_n_peers        (BtTorrent              *self);
guint           bt_torrent_get_n_known_peers  (BtTorrent              *self);
guint           bt_torrent_get_n_swarm_peers  (BtTorrent              *self);
guint           bt_torrent_get_n_banned       (BtTorrent              *self);

G_END_DECLS
