/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * A BtSession on D-Bus, so `btorrent-cli add|list|pause|resume|remove`
 * can drive whichever of the GTK app and `btorrent-cli daemon` is running.
 * Both export the same interface at the same object path under their own
 * well-known name (their GApplication id).
 */
#pragma once

#include <gio/gio.h>

#include "bt-session.h"

G_BEGIN_DECLS

#define BT_SESSION_DBUS_INTERFACE   "io.github.btorrent.Session"
#define BT_SESSION_DBUS_OBJECT_PATH "/io/github/btorrent/BTorrent/Session"

/* The well-known names a client tries, in this order. */
#define BT_SESSION_DBUS_APP_NAME    "io.github.btorrent.BTorrent"
#define BT_SESSION_DBUS_DAEMON_NAME "io.github.btorrent.BTorrent.Daemon"

/* One entry of List(): name, info-hash (40 lower-case hex digits), state
 * (the BtTorrentState nick: "stopped", "queued", "fetching-metadata",
 * "checking", "downloading", "seeding", "error"), progress (0..1 of the
 * wanted bytes), total size, wanted size, bytes left, bytes downloaded,
 * bytes uploaded, download rate, upload rate (bytes/s), connected peers,
 * ratio, error message ("" when none), save path (a file name: bytes). */
#define BT_SESSION_DBUS_ENTRY_TYPE  "(sssdtttttddudsay)"

/* The interface as introspection XML, for clients that want to check a
 * peer against it. */
extern const char bt_session_dbus_xml[];

/*
 * Methods (errors are D-Bus errors carrying the GError's message; BT_ERROR
 * codes round-trip as GDBus "unmapped" errors, so a GDBus client gets the
 * same domain and code back):
 *
 *   Add (s uri_or_path, a{sv} options) -> (s info_hash, b already_there)
 *     uri_or_path: a magnet link, a file:// URI or an absolute path of a
 *     .torrent file the exporting process can read. Options:
 *       "paused"    b   add it stopped
 *       "save-path" ay  (or s) absolute folder for its data; default the
 *                       session's download folder
 *       "metainfo"  ay  the .torrent file's bytes: then uri_or_path only
 *                       names it in errors. Clients send this so neither
 *                       their working folder nor a sandbox around the
 *                       exporting process matters.
 *   List () -> (a BT_SESSION_DBUS_ENTRY_TYPE)
 *   Pause (as info_hashes)
 *   Resume (as info_hashes)
 *   Remove (as info_hashes, b delete_data)
 *   Recheck (as info_hashes)
 *
 * Every method that takes hashes checks all of them before it touches any
 * torrent, so an unknown or malformed hash changes nothing.
 */

/* Exports @session at @object_path (%NULL: BT_SESSION_DBUS_OBJECT_PATH) on
 * @connection. Methods run on the thread-default main context of the
 * caller, which must be the session's. The export holds a reference on
 * @session until bt_session_dbus_unexport(): unexport before closing the
 * session. Returns the registration id, or 0 with @error set. */
guint bt_session_dbus_export   (BtSession        *session,
                                GDBusConnection  *connection,
                                const char       *object_path,
                                GError          **error);
void  bt_session_dbus_unexport (GDBusConnection  *connection,
                                guint             id);

G_END_DECLS
