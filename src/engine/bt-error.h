/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BT_ERROR (bt_error_quark ())

/**
 * BtError:
 *
 * Every failure the engine reports to a caller is a GError in the
 * BT_ERROR domain with one of these codes and a message a person can act on.
 */
typedef enum
{
  BT_ERROR_FAILED,
  BT_ERROR_BENCODE_SYNTAX,      /* not bencode: bad byte, leading zero, -0, ... */
  BT_ERROR_BENCODE_TRUNCATED,   /* input ended inside a value */
  BT_ERROR_BENCODE_TRAILING,    /* bytes after the top-level value */
  BT_ERROR_BENCODE_DEPTH,       /* nesting deeper than the limit */
  BT_ERROR_BENCODE_COUNT,       /* more elements than the limit */
  BT_ERROR_BENCODE_SIZE,        /* input or a string larger than the limit */
  BT_ERROR_BENCODE_DUPLICATE_KEY,
  BT_ERROR_METAINFO_INVALID,    /* a required key is missing or of the wrong type */
  BT_ERROR_METAINFO_NO_NAME,
  BT_ERROR_METAINFO_NO_FILES,
  BT_ERROR_METAINFO_BAD_SIZE,   /* negative or overflowing length */
  BT_ERROR_METAINFO_BAD_PIECES, /* piece length or piece hash list inconsistent */
  BT_ERROR_METAINFO_BAD_PATH,   /* a path no safe reading exists for */
  BT_ERROR_METAINFO_LIMIT,      /* more files, trackers, ... than we accept */
  BT_ERROR_METAINFO_UNSUPPORTED,
  BT_ERROR_CREATE_EMPTY,        /* nothing to put in a new torrent */
  BT_ERROR_CREATE_INVALID,      /* bad options for a new torrent */
  BT_ERROR_IO,
  BT_ERROR_WIRE_PROTOCOL,       /* a peer broke the peer wire protocol */
  BT_ERROR_WIRE_TOO_LARGE,      /* a peer message longer than we accept */
  BT_ERROR_BITFIELD_INVALID,    /* wrong length or spare bits set */
  BT_ERROR_TRACKER_FAILURE,     /* the tracker answered with a "failure reason" */
  BT_ERROR_TRACKER_PROTOCOL,    /* the tracker's answer is not understood */
  BT_ERROR_TRACKER_TIMEOUT,     /* the tracker did not answer in time */
  BT_ERROR_TRACKER_UNSUPPORTED, /* a tracker URL scheme we cannot talk to */
  BT_ERROR_HASH_MISMATCH,       /* a piece's data does not match its SHA1 */
  BT_ERROR_STORAGE_UNSAFE,      /* a path would leave the download folder */
  BT_ERROR_NO_SPACE,            /* the disk is full */
  BT_ERROR_CANCELLED,
  BT_ERROR_MAGNET_INVALID,      /* a magnet link we cannot read */
  BT_ERROR_KRPC_INVALID,        /* a DHT (KRPC) message we cannot read */
  BT_ERROR_RESUME_INVALID,      /* a fast-resume file is damaged or does not fit its torrent */
} BtError;

GQuark bt_error_quark (void);

G_END_DECLS
