/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  BT_BENCODE_INTEGER,
  BT_BENCODE_STRING,
  BT_BENCODE_LIST,
  BT_BENCODE_DICT,
} BtBencodeType;

/**
 * BtBencodeLimits:
 * @max_size: the largest input accepted, in bytes
 * @max_depth: the deepest nesting of lists and dictionaries
 * @max_elements: the most values (of any type, keys included) in one input
 *
 * Bounds on what one decode may cost. Pass %NULL to bt_bencode_decode() for
 * the defaults from bt-limits.h.
 */
typedef struct
{
  gsize max_size;
  guint max_depth;
  guint max_elements;
} BtBencodeLimits;

/**
 * BtBencode:
 *
 * One bencoded value: an integer, a byte string, a list or a dictionary.
 * Reference counted; a container owns its children. A decoded value keeps
 * the exact byte span it was read from (see bt_bencode_get_raw()), which is
 * what the info-hash is computed over.
 */
typedef struct _BtBencode BtBencode;

GType          bt_bencode_get_type        (void) G_GNUC_CONST;

BtBencode     *bt_bencode_decode          (GBytes                *bytes,
                                           const BtBencodeLimits *limits,
                                           GError               **error);
BtBencode     *bt_bencode_decode_prefix   (GBytes                *bytes,
                                           const BtBencodeLimits *limits,
                                           gsize                 *consumed,
                                           GError               **error);
GBytes        *bt_bencode_encode          (BtBencode             *value);

BtBencode     *bt_bencode_ref             (BtBencode             *value);
void           bt_bencode_unref           (BtBencode             *value);

BtBencodeType  bt_bencode_get_value_type  (BtBencode             *value);
gboolean       bt_bencode_is_type         (BtBencode             *value,
                                           BtBencodeType          type);
gboolean       bt_bencode_get_raw_span    (BtBencode             *value,
                                           gsize                 *offset,
                                           gsize                 *length);
GBytes        *bt_bencode_get_raw         (BtBencode             *value);

gint64         bt_bencode_get_integer     (BtBencode             *value);
const guint8  *bt_bencode_get_string      (BtBencode             *value,
                                           gsize                 *length);
char          *bt_bencode_dup_string      (BtBencode             *value);
GBytes        *bt_bencode_get_bytes       (BtBencode             *value);

guint          bt_bencode_get_length      (BtBencode             *value);
BtBencode     *bt_bencode_list_get        (BtBencode             *list,
                                           guint                  index);
BtBencode     *bt_bencode_dict_lookup     (BtBencode             *dict,
                                           const char            *key);
BtBencode     *bt_bencode_dict_lookup_type (BtBencode            *dict,
                                            const char           *key,
                                            BtBencodeType         type);
BtBencode     *bt_bencode_dict_get_key    (BtBencode             *dict,
                                           guint                  index);
BtBencode     *bt_bencode_dict_get_value  (BtBencode             *dict,
                                           guint                  index);

BtBencode     *bt_bencode_new_integer     (gint64                 integer);
BtBencode     *bt_bencode_new_string      (const char            *string);
BtBencode     *bt_bencode_new_string_len  (const guint8          *data,
                                           gsize                  length);
BtBencode     *bt_bencode_new_list        (void);
BtBencode     *bt_bencode_new_dict        (void);
void           bt_bencode_list_append     (BtBencode             *list,
                                           BtBencode             *item);
void           bt_bencode_dict_set        (BtBencode             *dict,
                                           const char            *key,
                                           BtBencode             *value);
void           bt_bencode_dict_set_len    (BtBencode             *dict,
                                           const guint8          *key,
                                           gsize                  key_length,
                                           BtBencode             *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BtBencode, bt_bencode_unref)

G_END_DECLS
