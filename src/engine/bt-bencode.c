/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-bencode"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"

struct _BtBencode
{
  gatomicrefcount  ref_count;
  BtBencodeType    type;

  /* Decoded values point into the buffer they came from and keep it alive;
   * built values own their string in @owned and have no source. */
  GBytes          *source;
  gsize            offset;
  gsize            length;

  gint64           integer;
  const guint8    *data;
  gsize            data_length;
  guint8          *owned;

  /* Lists: the items. Dictionaries: key, value, key, value, ... */
  GPtrArray       *items;
};

typedef struct
{
  BtBencode  *container;
  BtBencode  *pending_key;
  BtBencode  *last_key;
  GHashTable *seen_keys; /* only once a dictionary's keys arrive unsorted */
} Frame;

G_DEFINE_BOXED_TYPE (BtBencode, bt_bencode, bt_bencode_ref, bt_bencode_unref)

static const BtBencodeLimits default_limits = {
  .max_size = BT_BENCODE_MAX_SIZE,
  .max_depth = BT_BENCODE_MAX_DEPTH,
  .max_elements = BT_BENCODE_MAX_ELEMENTS,
};

static BtBencode *
bt_bencode_alloc (BtBencodeType type)
{
  BtBencode *self = g_new0 (BtBencode, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->type = type;
  if (type == BT_BENCODE_LIST || type == BT_BENCODE_DICT)
    self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) bt_bencode_unref);
  return self;
}

static int
compare_keys (const guint8 *a,
              gsize         a_len,
              const guint8 *b,
              gsize         b_len)
{
  int cmp = memcmp (a, b, MIN (a_len, b_len));

  if (cmp != 0)
    return cmp;
  return (a_len > b_len) - (a_len < b_len);
}

static guint
key_hash (gconstpointer key)
{
  const BtBencode *k = key;
  guint h = 5381;

  for (gsize i = 0; i < k->data_length; i++)
    h = h * 33 + k->data[i];
  return h;
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  const BtBencode *ka = a;
  const BtBencode *kb = b;

  return compare_keys (ka->data, ka->data_length, kb->data, kb->data_length) == 0;
}

static void
frame_clear (Frame *frame)
{
  g_clear_pointer (&frame->container, bt_bencode_unref);
  g_clear_pointer (&frame->pending_key, bt_bencode_unref);
  g_clear_pointer (&frame->seen_keys, g_hash_table_unref);
  frame->last_key = NULL;
}

/* Reads the decimal digits of an integer or a string length. Leading zeros
 * are not bencode: "0" alone is the only number that starts with 0. */
static gboolean
parse_digits (const guint8 *data,
              gsize         len,
              gsize        *pos,
              guint64       max,
              guint64      *out,
              const char   *what,
              GError      **error)
{
  gsize start = *pos;
  guint64 value = 0;

  while (*pos < len && g_ascii_isdigit (data[*pos]))
    {
      guint digit = data[*pos] - '0';

      if (*pos > start && data[start] == '0')
        {
          g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX,
                       "Invalid bencode at byte %" G_GSIZE_FORMAT ": %s has a leading zero",
                       start, what);
          return FALSE;
        }
      if (value > (max - digit) / 10)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SIZE,
                       "Invalid bencode at byte %" G_GSIZE_FORMAT ": %s is too large",
                       start, what);
          return FALSE;
        }
      value = value * 10 + digit;
      (*pos)++;
    }

  if (*pos == start)
    {
      if (*pos >= len)
        g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_TRUNCATED,
                     "Bencode is truncated: the data ends inside %s", what);
      else
        g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX,
                     "Invalid bencode at byte %" G_GSIZE_FORMAT ": %s has no digits",
                     start, what);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

static gboolean
expect_byte (const guint8 *data,
             gsize         len,
             gsize        *pos,
             guint8        byte,
             const char   *what,
             GError      **error)
{
  if (*pos >= len)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_TRUNCATED,
                   "Bencode is truncated: the data ends inside %s", what);
      return FALSE;
    }
  if (data[*pos] != byte)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX,
                   "Invalid bencode at byte %" G_GSIZE_FORMAT ": expected '%c' in %s",
                   *pos, byte, what);
      return FALSE;
    }
  (*pos)++;
  return TRUE;
}

static BtBencode *
parse_integer (GBytes       *source,
               const guint8 *data,
               gsize         len,
               gsize        *pos,
               GError      **error)
{
  gsize start = *pos;
  gboolean negative = FALSE;
  guint64 magnitude;
  BtBencode *value;

  (*pos)++; /* 'i' */
  if (*pos < len && data[*pos] == '-')
    {
      negative = TRUE;
      (*pos)++;
    }
  if (!parse_digits (data, len, pos,
                     negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64,
                     &magnitude, "an integer", error))
    return NULL;
  if (negative && magnitude == 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX,
                   "Invalid bencode at byte %" G_GSIZE_FORMAT ": -0 is not a valid integer",
                   start);
      return NULL;
    }
  if (!expect_byte (data, len, pos, 'e', "an integer", error))
    return NULL;

  value = bt_bencode_alloc (BT_BENCODE_INTEGER);
  value->source = g_bytes_ref (source);
  value->offset = start;
  value->length = *pos - start;
  if (negative)
    value->integer = magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude;
  else
    value->integer = (gint64) magnitude;
  return value;
}

static BtBencode *
parse_string (GBytes       *source,
              const guint8 *data,
              gsize         len,
              gsize        *pos,
              GError      **error)
{
  gsize start = *pos;
  guint64 str_len;
  BtBencode *value;

  if (!parse_digits (data, len, pos, G_MAXSIZE, &str_len, "a string length", error))
    return NULL;
  if (!expect_byte (data, len, pos, ':', "a string length", error))
    return NULL;
  if (str_len > len - *pos)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_TRUNCATED,
                   "Bencode is truncated: a string at byte %" G_GSIZE_FORMAT
                   " claims %" G_GUINT64_FORMAT " bytes but only %" G_GSIZE_FORMAT " remain",
                   start, str_len, len - *pos);
      return NULL;
    }

  value = bt_bencode_alloc (BT_BENCODE_STRING);
  value->source = g_bytes_ref (source);
  value->offset = start;
  value->data = data + *pos;
  value->data_length = str_len;
  *pos += str_len;
  value->length = *pos - start;
  return value;
}

/* Adds @key to the dictionary being read in @frame, refusing duplicates.
 * Keys should arrive sorted; when they do, comparing with the previous key
 * is enough. Unsorted dictionaries exist in the wild and are accepted, at
 * the cost of a hash set for that one dictionary. */
static gboolean
frame_take_key (Frame      *frame,
                BtBencode  *key,
                GError    **error)
{
  if (frame->last_key != NULL && frame->seen_keys == NULL)
    {
      int cmp = compare_keys (frame->last_key->data, frame->last_key->data_length,
                              key->data, key->data_length);

      if (cmp > 0)
        {
          guint n = frame->container->items->len;

          frame->seen_keys = g_hash_table_new (key_hash, key_equal);
          for (guint i = 0; i < n; i += 2)
            g_hash_table_add (frame->seen_keys, g_ptr_array_index (frame->container->items, i));
        }
      else if (cmp == 0)
        goto duplicate;
    }

  if (frame->seen_keys != NULL)
    {
      if (g_hash_table_contains (frame->seen_keys, key))
        goto duplicate;
      g_hash_table_add (frame->seen_keys, key);
    }

  frame->pending_key = key;
  frame->last_key = key;
  return TRUE;

duplicate:
  {
    g_autofree char *printable = g_strndup ((const char *) key->data, MIN (key->data_length, 64));

    g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_DUPLICATE_KEY,
                 "Invalid bencode at byte %" G_GSIZE_FORMAT ": the key \"%s\" appears twice "
                 "in one dictionary",
                 key->offset, g_utf8_validate (printable, -1, NULL) ? printable : "?");
    bt_bencode_unref (key);
    return FALSE;
  }
}

/**
 * bt_bencode_decode_prefix:
 * @bytes: the input
 * @limits: (nullable): bounds for this decode, or %NULL for the defaults
 * @consumed: (out) (optional): how many bytes the value took
 * @error: return location for a #GError
 *
 * Decodes one value from the start of @bytes and leaves whatever follows it
 * alone (for messages that carry data after a bencoded header, such as
 * ut_metadata). Returns: (transfer full): the value, or %NULL with @error set.
 */
BtBencode *
bt_bencode_decode_prefix (GBytes                *bytes,
                          const BtBencodeLimits *limits,
                          gsize                 *consumed,
                          GError               **error)
{
  g_autoptr(GArray) stack = NULL;
  const guint8 *data;
  gsize len;
  gsize pos = 0;
  guint64 elements = 0;
  BtBencode *root = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (limits == NULL)
    limits = &default_limits;

  data = g_bytes_get_data (bytes, &len);
  if (len > limits->max_size)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SIZE,
                   "The data is too large: %" G_GSIZE_FORMAT " bytes, at most %" G_GSIZE_FORMAT
                   " are accepted",
                   len, limits->max_size);
      return NULL;
    }
  if (len == 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_TRUNCATED, "The data is empty");
      return NULL;
    }

  stack = g_array_new (FALSE, TRUE, sizeof (Frame));
  g_array_set_clear_func (stack, (GDestroyNotify) frame_clear);

  while (root == NULL)
    {
      Frame *top = stack->len > 0 ? &g_array_index (stack, Frame, stack->len - 1) : NULL;
      BtBencode *value = NULL;
      guint8 c;

      if (pos >= len)
        {
          g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_TRUNCATED,
                       "Bencode is truncated: %u list or dictionary is not closed",
                       stack->len);
          return NULL;
        }
      c = data[pos];

      if (top != NULL && c == 'e')
        {
          if (top->pending_key != NULL)
            {
              g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX,
                           "Invalid bencode at byte %" G_GSIZE_FORMAT
                           ": a dictionary key has no value", pos);
              return NULL;
            }
          pos++;
          value = g_steal_pointer (&top->container);
          value->length = pos - value->offset;
          g_array_set_size (stack, stack->len - 1);
          top = stack->len > 0 ? &g_array_index (stack, Frame, stack->len - 1) : NULL;
        }
      else
        {
          if (++elements > limits->max_elements)
            {
              g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_COUNT,
                           "The data holds too many values: more than %u", limits->max_elements);
              return NULL;
            }

          if (top != NULL && top->container->type == BT_BENCODE_DICT
              && top->pending_key == NULL && !g_ascii_isdigit (c))
            {
              g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX,
                           "Invalid bencode at byte %" G_GSIZE_FORMAT
                           ": a dictionary key must be a byte string", pos);
              return NULL;
            }

          if (c == 'i')
            value = parse_integer (bytes, data, len, &pos, error);
          else if (g_ascii_isdigit (c))
            value = parse_string (bytes, data, len, &pos, error);
          else if (c == 'l' || c == 'd')
            {
              Frame frame = { 0 };

              if (stack->len >= limits->max_depth)
                {
                  g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_DEPTH,
                               "Invalid bencode at byte %" G_GSIZE_FORMAT
                               ": lists and dictionaries nest deeper than %u levels",
                               pos, limits->max_depth);
                  return NULL;
                }
              frame.container = bt_bencode_alloc (c == 'l' ? BT_BENCODE_LIST : BT_BENCODE_DICT);
              frame.container->source = g_bytes_ref (bytes);
              frame.container->offset = pos;
              g_array_append_val (stack, frame);
              pos++;
              continue;
            }
          else
            {
              g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_SYNTAX,
                           "Invalid bencode at byte %" G_GSIZE_FORMAT ": unexpected %s0x%02x",
                           pos, g_ascii_isprint (c) ? "character " : "byte ", c);
              return NULL;
            }

          if (value == NULL)
            return NULL;
        }

      if (top == NULL)
        root = value;
      else if (top->container->type == BT_BENCODE_LIST)
        g_ptr_array_add (top->container->items, value);
      else if (top->pending_key == NULL)
        {
          if (!frame_take_key (top, value, error))
            return NULL;
        }
      else
        {
          g_ptr_array_add (top->container->items, g_steal_pointer (&top->pending_key));
          g_ptr_array_add (top->container->items, value);
        }
    }

  if (consumed != NULL)
    *consumed = pos;
  return root;
}

/**
 * bt_bencode_decode:
 * @bytes: the input
 * @limits: (nullable): bounds for this decode, or %NULL for the defaults
 * @error: return location for a #GError
 *
 * Strictly decodes @bytes, which must hold exactly one value.
 *
 * Returns: (transfer full): the value, or %NULL with @error set.
 */
BtBencode *
bt_bencode_decode (GBytes                *bytes,
                   const BtBencodeLimits *limits,
                   GError               **error)
{
  g_autoptr(BtBencode) value = NULL;
  gsize consumed = 0;

  value = bt_bencode_decode_prefix (bytes, limits, &consumed, error);
  if (value == NULL)
    return NULL;
  if (consumed != g_bytes_get_size (bytes))
    {
      g_set_error (error, BT_ERROR, BT_ERROR_BENCODE_TRAILING,
                   "Invalid bencode: %" G_GSIZE_FORMAT " unexpected bytes after the end "
                   "of the data at byte %" G_GSIZE_FORMAT,
                   g_bytes_get_size (bytes) - consumed, consumed);
      return NULL;
    }
  return g_steal_pointer (&value);
}

BtBencode *
bt_bencode_ref (BtBencode *value)
{
  g_return_val_if_fail (value != NULL, NULL);

  g_atomic_ref_count_inc (&value->ref_count);
  return value;
}

void
bt_bencode_unref (BtBencode *value)
{
  g_return_if_fail (value != NULL);

  if (g_atomic_ref_count_dec (&value->ref_count))
    {
      g_clear_pointer (&value->items, g_ptr_array_unref);
      g_clear_pointer (&value->source, g_bytes_unref);
      g_free (value->owned);
      g_free (value);
    }
}

BtBencodeType
bt_bencode_get_value_type (BtBencode *value)
{
  g_return_val_if_fail (value != NULL, BT_BENCODE_INTEGER);
  return value->type;
}

/**
 * bt_bencode_is_type:
 * @value: (nullable): a value
 *
 * Returns: whether @value is not %NULL and of @type; a convenience for
 * checking optional keys.
 */
gboolean
bt_bencode_is_type (BtBencode     *value,
                    BtBencodeType  type)
{
  return value != NULL && value->type == type;
}

/**
 * bt_bencode_get_raw_span:
 *
 * Returns: %TRUE and the byte range @value was decoded from, or %FALSE for a
 * value that was built rather than decoded.
 */
gboolean
bt_bencode_get_raw_span (BtBencode *value,
                         gsize     *offset,
                         gsize     *length)
{
  g_return_val_if_fail (value != NULL, FALSE);

  if (value->source == NULL)
    return FALSE;
  if (offset != NULL)
    *offset = value->offset;
  if (length != NULL)
    *length = value->length;
  return TRUE;
}

/**
 * bt_bencode_get_raw:
 *
 * Returns: (transfer full): the exact bytes @value was decoded from, or
 * for a built value its canonical encoding.
 */
GBytes *
bt_bencode_get_raw (BtBencode *value)
{
  g_return_val_if_fail (value != NULL, NULL);

  if (value->source == NULL)
    return bt_bencode_encode (value);
  return g_bytes_new_from_bytes (value->source, value->offset, value->length);
}

gint64
bt_bencode_get_integer (BtBencode *value)
{
  g_return_val_if_fail (value != NULL, 0);
  g_return_val_if_fail (value->type == BT_BENCODE_INTEGER, 0);
  return value->integer;
}

/**
 * bt_bencode_get_string:
 * @length: (out): the length in bytes
 *
 * Returns: (transfer none): the bytes of the string, not nul-terminated and
 * possibly holding NUL bytes.
 */
const guint8 *
bt_bencode_get_string (BtBencode *value,
                       gsize     *length)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (value->type == BT_BENCODE_STRING, NULL);
  g_return_val_if_fail (length != NULL, NULL);

  *length = value->data_length;
  return value->data;
}

/**
 * bt_bencode_dup_string:
 *
 * Returns: (transfer full): a nul-terminated copy of the string. Embedded
 * NUL bytes are kept, so C string functions see only the part before one.
 */
char *
bt_bencode_dup_string (BtBencode *value)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (value->type == BT_BENCODE_STRING, NULL);

  return g_strndup ((const char *) value->data, value->data_length);
}

/**
 * bt_bencode_get_bytes:
 *
 * Returns: (transfer full): the string's bytes.
 */
GBytes *
bt_bencode_get_bytes (BtBencode *value)
{
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (value->type == BT_BENCODE_STRING, NULL);

  if (value->source != NULL)
    return g_bytes_new_from_bytes (value->source, value->data - (const guint8 *) g_bytes_get_data (value->source, NULL), value->data_length);
  return g_bytes_new (value->data, value->data_length);
}

/**
 * bt_bencode_get_length:
 *
 * Returns: the number of items of a list, of entries of a dictionary, or
 * of bytes of a string.
 */
guint
bt_bencode_get_length (BtBencode *value)
{
  g_return_val_if_fail (value != NULL, 0);

  switch (value->type)
    {
    case BT_BENCODE_LIST:
      return value->items->len;
    case BT_BENCODE_DICT:
      return value->items->len / 2;
    case BT_BENCODE_STRING:
      return (guint) MIN (value->data_length, G_MAXUINT);
    case BT_BENCODE_INTEGER:
    default:
      return 0;
    }
}

/**
 * bt_bencode_list_get:
 *
 * Returns: (transfer none): the item at @index
 */
BtBencode *
bt_bencode_list_get (BtBencode *list,
                     guint      index)
{
  g_return_val_if_fail (list != NULL, NULL);
  g_return_val_if_fail (list->type == BT_BENCODE_LIST, NULL);
  g_return_val_if_fail (index < list->items->len, NULL);

  return g_ptr_array_index (list->items, index);
}

static gssize
dict_find (BtBencode    *dict,
           const guint8 *key,
           gsize         key_length)
{
  for (guint i = 0; i < dict->items->len; i += 2)
    {
      BtBencode *k = g_ptr_array_index (dict->items, i);

      if (k->data_length == key_length && memcmp (k->data, key, key_length) == 0)
        return i;
    }
  return -1;
}

/**
 * bt_bencode_dict_lookup:
 * @dict: (nullable): a dictionary, or %NULL
 *
 * Returns: (transfer none) (nullable): the value for @key, or %NULL when
 * @dict is %NULL, not a dictionary, or has no such key.
 */
BtBencode *
bt_bencode_dict_lookup (BtBencode  *dict,
                        const char *key)
{
  gssize i;

  g_return_val_if_fail (key != NULL, NULL);

  if (dict == NULL || dict->type != BT_BENCODE_DICT)
    return NULL;
  i = dict_find (dict, (const guint8 *) key, strlen (key));
  return i < 0 ? NULL : g_ptr_array_index (dict->items, i + 1);
}

/**
 * bt_bencode_dict_lookup_type:
 *
 * Returns: (transfer none) (nullable): the value for @key if it has @type.
 */
BtBencode *
bt_bencode_dict_lookup_type (BtBencode     *dict,
                             const char    *key,
                             BtBencodeType  type)
{
  BtBencode *value = bt_bencode_dict_lookup (dict, key);

  return bt_bencode_is_type (value, type) ? value : NULL;
}

/**
 * bt_bencode_dict_get_key:
 *
 * Returns: (transfer none): the key (a string value) of entry @index, in
 * the order the dictionary was read or built.
 */
BtBencode *
bt_bencode_dict_get_key (BtBencode *dict,
                         guint      index)
{
  g_return_val_if_fail (dict != NULL, NULL);
  g_return_val_if_fail (dict->type == BT_BENCODE_DICT, NULL);
  g_return_val_if_fail (index < dict->items->len / 2, NULL);

  return g_ptr_array_index (dict->items, index * 2);
}

/**
 * bt_bencode_dict_get_value:
 *
 * Returns: (transfer none): the value of entry @index
 */
BtBencode *
bt_bencode_dict_get_value (BtBencode *dict,
                           guint      index)
{
  g_return_val_if_fail (dict != NULL, NULL);
  g_return_val_if_fail (dict->type == BT_BENCODE_DICT, NULL);
  g_return_val_if_fail (index < dict->items->len / 2, NULL);

  return g_ptr_array_index (dict->items, index * 2 + 1);
}

BtBencode *
bt_bencode_new_integer (gint64 integer)
{
  BtBencode *self = bt_bencode_alloc (BT_BENCODE_INTEGER);

  self->integer = integer;
  return self;
}

BtBencode *
bt_bencode_new_string_len (const guint8 *data,
                           gsize         length)
{
  BtBencode *self;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  self = bt_bencode_alloc (BT_BENCODE_STRING);
  self->owned = g_malloc (MAX (length, 1));
  if (length > 0)
    memcpy (self->owned, data, length);
  self->data = self->owned;
  self->data_length = length;
  return self;
}

BtBencode *
bt_bencode_new_string (const char *string)
{
  g_return_val_if_fail (string != NULL, NULL);
  return bt_bencode_new_string_len ((const guint8 *) string, strlen (string));
}

BtBencode *
bt_bencode_new_list (void)
{
  return bt_bencode_alloc (BT_BENCODE_LIST);
}

BtBencode *
bt_bencode_new_dict (void)
{
  return bt_bencode_alloc (BT_BENCODE_DICT);
}

/**
 * bt_bencode_list_append:
 * @item: (transfer full): the value to append
 */
void
bt_bencode_list_append (BtBencode *list,
                        BtBencode *item)
{
  g_return_if_fail (list != NULL && list->type == BT_BENCODE_LIST);
  g_return_if_fail (item != NULL);

  g_ptr_array_add (list->items, item);
}

/**
 * bt_bencode_dict_set_len:
 * @value: (transfer full): the value for @key, replacing any earlier one
 */
void
bt_bencode_dict_set_len (BtBencode    *dict,
                         const guint8 *key,
                         gsize         key_length,
                         BtBencode    *value)
{
  gssize i;

  g_return_if_fail (dict != NULL && dict->type == BT_BENCODE_DICT);
  g_return_if_fail (key != NULL || key_length == 0);
  g_return_if_fail (value != NULL);

  i = dict_find (dict, key, key_length);
  if (i >= 0)
    {
      bt_bencode_unref (g_ptr_array_index (dict->items, i + 1));
      g_ptr_array_index (dict->items, i + 1) = value;
      return;
    }
  g_ptr_array_add (dict->items, bt_bencode_new_string_len (key, key_length));
  g_ptr_array_add (dict->items, value);
}

/**
 * bt_bencode_dict_set:
 * @value: (transfer full): the value for @key, replacing any earlier one
 */
void
bt_bencode_dict_set (BtBencode  *dict,
                     const char *key,
                     BtBencode  *value)
{
  g_return_if_fail (key != NULL);
  bt_bencode_dict_set_len (dict, (const guint8 *) key, strlen (key), value);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  BtBencode *ka = *(BtBencode * const *) a;
  BtBencode *kb = *(BtBencode * const *) b;

  return compare_keys (ka->data, ka->data_length, kb->data, kb->data_length);
}

static void
encode_value (GByteArray *out,
              BtBencode  *value)
{
  char head[32];
  int n;

  switch (value->type)
    {
    case BT_BENCODE_INTEGER:
      n = g_snprintf (head, sizeof head, "i%" G_GINT64_FORMAT "e", value->integer);
      g_byte_array_append (out, (const guint8 *) head, n);
      break;

    case BT_BENCODE_STRING:
      n = g_snprintf (head, sizeof head, "%" G_GSIZE_FORMAT ":", value->data_length);
      g_byte_array_append (out, (const guint8 *) head, n);
      g_byte_array_append (out, value->data, value->data_length);
      break;

    case BT_BENCODE_LIST:
      g_byte_array_append (out, (const guint8 *) "l", 1);
      for (guint i = 0; i < value->items->len; i++)
        encode_value (out, g_ptr_array_index (value->items, i));
      g_byte_array_append (out, (const guint8 *) "e", 1);
      break;

    case BT_BENCODE_DICT:
      {
        guint n_entries = value->items->len / 2;
        g_autofree BtBencode **entries = g_new (BtBencode *, n_entries * 2 + 1);

        /* Canonical bencode sorts keys as raw byte strings. Sort (key, value)
         * pairs as units: each pair is two adjacent pointers. */
        if (n_entries > 0)
          {
            memcpy (entries, value->items->pdata, sizeof (BtBencode *) * n_entries * 2);
            qsort (entries, n_entries, sizeof (BtBencode *) * 2, compare_entries);
          }

        g_byte_array_append (out, (const guint8 *) "d", 1);
        for (guint i = 0; i < n_entries; i++)
          {
            encode_value (out, entries[i * 2]);
            encode_value (out, entries[i * 2 + 1]);
          }
        g_byte_array_append (out, (const guint8 *) "e", 1);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/**
 * bt_bencode_encode:
 *
 * Writes @value as canonical bencode: dictionary keys sorted as raw byte
 * strings, whatever order they were read or added in.
 *
 * Returns: (transfer full): the encoding
 */
GBytes *
bt_bencode_encode (BtBencode *value)
{
  GByteArray *out;

  g_return_val_if_fail (value != NULL, NULL);

  out = g_byte_array_new ();
  encode_value (out, value);
  return g_byte_array_free_to_bytes (out);
}
