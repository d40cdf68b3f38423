/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-dht.h"
#include "bt-metainfo.h"
#include "bt-torrent.h"

G_BEGIN_DECLS

#define BT_TYPE_SESSION (bt_session_get_type ())
G_DECLARE_FINAL_TYPE (BtSession, bt_session, BT, SESSION, GObject)

/**
 * BtSessionConfig:
 * @port: the TCP port to listen on for peers; 0 picks a free one
 * @bind_address: (nullable): an IP address to listen on, %NULL for all
 *   (IPv4 and IPv6)
 * @max_peers_per_torrent: connections per torrent, 0 for the default
 * @max_peers: connections across all torrents, 0 for the default
 * @seed_ratio: stop seeding at this upload ratio, 0 never
 * @seed_idle_s: stop seeding after this long without uploading, 0 never
 * @upload_limit: bytes/s uploaded by all torrents together, 0 no limit
 * @download_limit: bytes/s downloaded by all torrents together, 0 no limit
 * @state_dir: (nullable): where torrents and their resume files are kept
 *   (`$XDG_DATA_HOME/btorrent` in the app); %NULL keeps nothing
 * @download_dir: (nullable): the default folder for added torrents; %NULL
 *   for the XDG download folder
 * @max_active_downloads: downloads running at once, the rest queued; 0
 *   for no limit
 * @max_active_seeds: seeds running at once, the rest queued; 0 for no
 *   limit
 * @enable_dht: find peers through the Mainline DHT (BEP 5) on the UDP
 *   port of the listening port's number; never for private torrents
 * @dht_bootstrap_nodes: (nullable) (array zero-terminated=1): "host:port"
 *   nodes the DHT asks first; %NULL for the well-known routers
 * @disable_pex: do not exchange peers with peers (BEP 11), which is on
 *   by default; never for private torrents
 * @enable_lsd: look for peers on the local network (BEP 14); never for
 *   private torrents
 * @resume_interval_ms: how often at most a changing torrent's resume file
 *   is written; 0 for the default (%BT_RESUME_WRITE_INTERVAL_MS)
 */
typedef struct
{
  guint16     port;
  const char *bind_address;
  guint       max_peers_per_torrent;
  guint       max_peers;
  double      seed_ratio;
  guint       seed_idle_s;
  guint64     upload_limit;
  guint64     download_limit;
  const char *state_dir;
  const char *download_dir;
  guint       max_active_downloads;
  guint       max_active_seeds;
  gboolean    enable_dht;
  const char * const *dht_bootstrap_nodes;
  guint       resume_interval_ms;
  gboolean    disable_pex;
  gboolean    enable_lsd;
} BtSessionConfig;

/**
 * BtAddFlags:
 * @BT_ADD_PAUSED: add it stopped; bt_session_resume() starts it
 * @BT_ADD_SKIP_CHECK: trust that none of its data is on disk yet (tests
 *   and benchmarks that start from an empty folder)
 */
typedef enum
{
  BT_ADD_NONE       = 0,
  BT_ADD_PAUSED     = 1 << 0,
  BT_ADD_SKIP_CHECK = 1 << 1,
} BtAddFlags;

/**
 * BtAddOptions:
 * @save_path: (nullable): the folder its files go in; %NULL for the
 *   session's download folder
 * @flags: #BtAddFlags
 * @priorities: (nullable) (array length=n_priorities): a priority per
 *   file, from the add dialog
 * @n_priorities: 0, or the torrent's file count
 */
typedef struct
{
  const char       *save_path;
  BtAddFlags        flags;
  const BtPriority *priorities;
  guint             n_priorities;
} BtAddOptions;

BtSession    *bt_session_new            (const BtSessionConfig  *config,
                                         GError                **error);
gboolean      bt_session_load           (BtSession              *self,
                                         GError                **error);
void          bt_session_close_async    (BtSession              *self,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
gboolean      bt_session_close_finish   (BtSession              *self,
                                         GAsyncResult           *result,
                                         GError                **error);

guint16       bt_session_get_port       (BtSession              *self);
const guint8 *bt_session_get_peer_id    (BtSession              *self);
GListModel   *bt_session_get_torrents   (BtSession              *self);
BtTorrent    *bt_session_find_torrent   (BtSession              *self,
                                         const guint8           *info_hash);
BtTorrent    *bt_session_find_torrent_by_hex (BtSession         *self,
                                         const char             *info_hash_hex);

BtTorrent    *bt_session_add            (BtSession              *self,
                                         BtMetainfo             *meta,
                                         const BtAddOptions     *options,
                                         gboolean               *out_existing,
                                         GError                **error);
BtTorrent    *bt_session_add_file       (BtSession              *self,
                                         GFile                  *file,
                                         const BtAddOptions     *options,
                                         gboolean               *out_existing,
                                         GError                **error);
BtTorrent    *bt_session_add_magnet     (BtSession              *self,
                                         const char             *uri,
                                         const BtAddOptions     *options,
                                         gboolean               *out_existing,
                                         GError                **error);
BtTorrent    *bt_session_add_torrent    (BtSession              *self,
                                         BtMetainfo             *meta,
                                         const char             *download_dir,
                                         gboolean                skip_check,
                                         GError                **error);
BtTorrent    *bt_session_add_magnet_torrent (BtSession          *self,
                                         const BtMagnet         *magnet,
                                         const char             *download_dir,
                                         GError                **error);
gboolean      bt_session_remove         (BtSession              *self,
                                         BtTorrent              *torrent,
                                         gboolean                delete_data,
                                         GError                **error);
void          bt_session_pause          (BtSession              *self,
                                         BtTorrent              *torrent);
void          bt_session_resume         (BtSession              *self,
                                         BtTorrent              *torrent);
gboolean      bt_session_recheck        (BtSession              *self,
                                         BtTorrent              *torrent,
                                         GError                **error);
void          bt_session_move_async     (BtSession              *self,
                                         BtTorrent              *torrent,
                                         const char             *new_save_path,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
gboolean      bt_session_move_finish    (BtSession              *self,
                                         GAsyncResult           *result,
                                         GError                **error);
void          bt_session_queue_move     (BtSession              *self,
                                         BtTorrent              *torrent,
                                         int                     delta);

void          bt_session_set_upload_limit   (BtSession          *self,
                                             guint64             bytes_per_second);
void          bt_session_set_download_limit (BtSession          *self,
                                             guint64             bytes_per_second);
void          bt_session_set_seed_goals     (BtSession          *self,
                                             double              ratio,
                                             guint               idle_s);
void          bt_session_set_queue_limits   (BtSession          *self,
                                             guint               max_active_downloads,
                                             guint               max_active_seeds);
void          bt_session_set_peer_limits    (BtSession          *self,
                                             guint               max_peers,
                                             guint               max_peers_per_torrent);
void          bt_session_set_download_dir   (BtSession          *self,
                                             const char         *download_dir);
const char   *bt_session_get_download_dir   (BtSession          *self);
gboolean      bt_session_set_port           (BtSession          *self,
                                             guint16             port,
                                             GError            **error);
void          bt_session_set_dht_enabled    (BtSession          *self,
                                             gboolean            enabled);
BtDht        *bt_session_get_dht            (BtSession          *self);
double        bt_session_get_download_rate  (BtSession          *self);
double        bt_session_get_upload_rate    (BtSession          *self);
guint         bt_session_get_n_active       (BtSession          *self);

G_END_DECLS
