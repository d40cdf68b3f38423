/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <gio/gio.h>

#include "bt-metainfo.h"

G_BEGIN_DECLS

/* Blocking: run them on a worker. Both walk the torrent's paths one folder
 * at a time without following links, so they touch nothing outside
 * @save_path and nothing that is not the torrent's. */
gboolean bt_session_files_delete (BtMetainfo  *meta,
                                  const char  *save_path,
                                  GError     **error);
gboolean bt_session_files_move   (BtMetainfo  *meta,
                                  const char  *from,
                                  const char  *to,
                                  GError     **error);
/* Whether any of the torrent's files with data is where it should be. */
gboolean bt_session_files_any_present (BtMetainfo *meta,
                                       const char *save_path);

G_END_DECLS
