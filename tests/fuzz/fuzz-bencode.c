/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Fuzz target for the bencode codec (bt-bencode.c).
 *
 * Beyond "does not crash", it checks what the rest of the engine relies on:
 *
 *  - a decoded value's raw span covers the input exactly, each child's span
 *    sits inside its parent's, in order and back to back, and each span's
 *    bytes are the canonical spelling of the value (no leading zeros, no -0);
 *  - dictionaries hold no duplicate key and look up what they hold;
 *  - encode(decode(x)) decodes again, re-encodes to the same bytes, has the
 *    length of x, and is x itself when x's keys were sorted;
 *  - a tree rebuilt with the bt_bencode_new_*() API encodes the same way;
 *  - decode_prefix() and decode() agree, and the limits refuse exactly the
 *    inputs that exceed them and nothing else.
 */
#define G_LOG_DOMAIN "fuzz-bencode"

#include "config.h"

#include <string.h>

#include "bt-bencode.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "fuzz.h"

/* Small enough that the fuzzer reaches every limit with short inputs. */
static const BtBencodeLimits tight_limits = {
  .max_size = 512,
  .max_depth = 3,
  .max_elements = 24,
};

typedef struct
{
  const guint8 *data;      /* the input the tree was decoded from */
  gsize         size;
  guint         n_values;  /* every value, dictionary keys included */
  guint         max_depth; /* nesting of lists and dictionaries */
  gboolean      sorted;    /* every dictionary's keys in canonical order */
} Walk;

static int
compare_strings (BtBencode *a,
                 BtBencode *b)
{
  gsize a_len, b_len;
  const guint8 *a_data = bt_bencode_get_string (a, &a_len);
  const guint8 *b_data = bt_bencode_get_string (b, &b_len);
  int cmp = memcmp (a_data, b_data, MIN (a_len, b_len));

  if (cmp != 0)
    return cmp;
  return (a_len > b_len) - (a_len < b_len);
}

static gboolean
span_equals (const Walk *walk,
             gsize       offset,
             const char *text)
{
  gsize len = strlen (text);

  return len <= walk->size - offset && memcmp (walk->data + offset, text, len) == 0;
}

/* Checks @value, which must start at byte @start of the input, and returns
 * where it ends. */
static gsize
check_value (Walk      *walk,
             BtBencode *value,
             gsize      start,
             guint      depth)
{
  gsize offset = 0, length = 0;

  FUZZ_CHECK (value != NULL);
  FUZZ_CHECK (bt_bencode_get_raw_span (value, &offset, &length));
  FUZZ_CHECK (offset == start);
  FUZZ_CHECK (offset < walk->size && length >= 2 && length <= walk->size - offset);
  walk->n_values++;

  {
    g_autoptr(GBytes) raw = bt_bencode_get_raw (value);

    FUZZ_CHECK (g_bytes_get_size (raw) == length);
    FUZZ_CHECK (memcmp (g_bytes_get_data (raw, NULL), walk->data + offset, length) == 0);
  }

  switch (bt_bencode_get_value_type (value))
    {
    case BT_BENCODE_INTEGER:
      {
        g_autofree char *text = g_strdup_printf ("i%" G_GINT64_FORMAT "e",
                                                 bt_bencode_get_integer (value));

        FUZZ_CHECK (strlen (text) == length && span_equals (walk, offset, text));
        FUZZ_CHECK (bt_bencode_get_length (value) == 0);
      }
      break;

    case BT_BENCODE_STRING:
      {
        gsize len = 0;
        const guint8 *data = bt_bencode_get_string (value, &len);
        g_autofree char *head = g_strdup_printf ("%" G_GSIZE_FORMAT ":", len);
        g_autofree char *dup = bt_bencode_dup_string (value);
        g_autoptr(GBytes) bytes = bt_bencode_get_bytes (value);

        FUZZ_CHECK (span_equals (walk, offset, head));
        FUZZ_CHECK (length == strlen (head) + len);
        /* The string points into the input, right after its header. */
        FUZZ_CHECK (data == walk->data + offset + strlen (head));
        FUZZ_CHECK (bt_bencode_get_length (value) == MIN (len, G_MAXUINT));
        /* Only the part before a NUL is compared: the copy is made with
         * g_strndup(), which stops there and pads with zeros, although the
         * doc comment of bt_bencode_dup_string() says NULs are kept. */
        FUZZ_CHECK (strlen (dup) == strnlen ((const char *) data, len));
        FUZZ_CHECK (memcmp (dup, data, strlen (dup)) == 0 && dup[len] == '\0');
        FUZZ_CHECK (g_bytes_get_size (bytes) == len);
        FUZZ_CHECK (len == 0 || memcmp (g_bytes_get_data (bytes, NULL), data, len) == 0);
      }
      break;

    case BT_BENCODE_LIST:
      {
        guint n = bt_bencode_get_length (value);
        gsize pos = offset + 1;

        walk->max_depth = MAX (walk->max_depth, depth + 1);
        FUZZ_CHECK (walk->data[offset] == 'l');
        for (guint i = 0; i < n; i++)
          pos = check_value (walk, bt_bencode_list_get (value, i), pos, depth + 1);
        FUZZ_CHECK (pos == offset + length - 1 && walk->data[pos] == 'e');
      }
      break;

    case BT_BENCODE_DICT:
      {
        guint n = bt_bencode_get_length (value);
        gsize pos = offset + 1;
        BtBencode *previous = NULL;
        g_autoptr(GHashTable) keys = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                            (GDestroyNotify) g_bytes_unref,
                                                            NULL);

        walk->max_depth = MAX (walk->max_depth, depth + 1);
        FUZZ_CHECK (walk->data[offset] == 'd');
        for (guint i = 0; i < n; i++)
          {
            BtBencode *key = bt_bencode_dict_get_key (value, i);
            BtBencode *item = bt_bencode_dict_get_value (value, i);
            gsize key_len = 0;
            const guint8 *key_data;

            FUZZ_CHECK (bt_bencode_is_type (key, BT_BENCODE_STRING));
            pos = check_value (walk, key, pos, depth + 1);
            pos = check_value (walk, item, pos, depth + 1);

            /* The decoder refuses duplicates, sorted or not. */
            key_data = bt_bencode_get_string (key, &key_len);
            FUZZ_CHECK (g_hash_table_add (keys, g_bytes_new_static (key_data, key_len)));
            if (previous != NULL && compare_strings (previous, key) > 0)
              walk->sorted = FALSE;
            previous = key;

            /* Lookup is linear and takes a C string: check the first and
             * last few keys without NUL, so big dictionaries stay fast. */
            if ((i < 16 || i + 16 >= n) && memchr (key_data, '\0', key_len) == NULL)
              {
                g_autofree char *name = bt_bencode_dup_string (key);

                FUZZ_CHECK (bt_bencode_dict_lookup (value, name) == item);
                FUZZ_CHECK (bt_bencode_dict_lookup_type (value, name,
                                                         bt_bencode_get_value_type (item)) == item);
              }
          }
        FUZZ_CHECK (pos == offset + length - 1 && walk->data[pos] == 'e');
      }
      break;

    default:
      FUZZ_CHECK (!"unknown bencode type");
    }

  return offset + length;
}

/* Rebuilds @value with the constructors, as the engine builds the messages
 * and files it writes. */
static BtBencode *
rebuild (BtBencode *value)
{
  switch (bt_bencode_get_value_type (value))
    {
    case BT_BENCODE_INTEGER:
      return bt_bencode_new_integer (bt_bencode_get_integer (value));

    case BT_BENCODE_STRING:
      {
        gsize len = 0;
        const guint8 *data = bt_bencode_get_string (value, &len);

        return bt_bencode_new_string_len (data, len);
      }

    case BT_BENCODE_LIST:
      {
        BtBencode *list = bt_bencode_new_list ();

        for (guint i = 0; i < bt_bencode_get_length (value); i++)
          bt_bencode_list_append (list, rebuild (bt_bencode_list_get (value, i)));
        return list;
      }

    case BT_BENCODE_DICT:
      {
        BtBencode *dict = bt_bencode_new_dict ();

        /* Backwards, so a dictionary read in sorted order is built unsorted
         * and the encoder has to sort it. */
        for (guint i = bt_bencode_get_length (value); i-- > 0;)
          {
            gsize len = 0;
            const guint8 *key = bt_bencode_get_string (bt_bencode_dict_get_key (value, i), &len);

            bt_bencode_dict_set_len (dict, key, len, rebuild (bt_bencode_dict_get_value (value, i)));
          }
        return dict;
      }

    default:
      FUZZ_CHECK (!"unknown bencode type");
      return NULL;
    }
}

static void
check_error (GError *error)
{
  FUZZ_CHECK (error != NULL);
  FUZZ_CHECK (error->domain == BT_ERROR);
  FUZZ_CHECK (error->code >= BT_ERROR_BENCODE_SYNTAX
              && error->code <= BT_ERROR_BENCODE_DUPLICATE_KEY);
  FUZZ_CHECK (error->message != NULL && *error->message != '\0');
  FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL));
}

/* Checks a value decoded from the first @size bytes of @data and returns
 * what the walk measured. */
static Walk
check_tree (BtBencode    *root,
            const guint8 *data,
            gsize         size)
{
  Walk walk = { .data = data, .size = size, .sorted = TRUE };
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) reencoded = NULL;
  g_autoptr(BtBencode) again = NULL;
  g_autoptr(BtBencode) built = NULL;
  g_autoptr(GBytes) built_encoded = NULL;
  g_autoptr(GError) error = NULL;

  FUZZ_CHECK (check_value (&walk, root, 0, 0) == size);

  encoded = bt_bencode_encode (root);
  FUZZ_CHECK (encoded != NULL);
  /* Canonical bencode differs from valid bencode only in key order. */
  FUZZ_CHECK (g_bytes_get_size (encoded) == size);
  if (walk.sorted)
    FUZZ_CHECK (memcmp (g_bytes_get_data (encoded, NULL), data, size) == 0);

  again = bt_bencode_decode (encoded, NULL, &error);
  FUZZ_CHECK (again != NULL && error == NULL);
  reencoded = bt_bencode_encode (again);
  FUZZ_CHECK (g_bytes_equal (encoded, reencoded));

  built = rebuild (root);
  FUZZ_CHECK (!bt_bencode_get_raw_span (built, NULL, NULL));
  built_encoded = bt_bencode_encode (built);
  FUZZ_CHECK (g_bytes_equal (encoded, built_encoded));

  return walk;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(BtBencode) value = NULL;
  g_autoptr(BtBencode) prefix = NULL;
  g_autoptr(BtBencode) tight = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) prefix_error = NULL;
  g_autoptr(GError) tight_error = NULL;
  gsize consumed = G_MAXSIZE;
  const guint8 *input;
  Walk walk;
  gboolean within_limits;

  fuzz_init_once ();
  /* Spans are checked against the GBytes' own copy of the input. */
  input = g_bytes_get_data (bytes, NULL);

  value = bt_bencode_decode (bytes, NULL, &error);
  prefix = bt_bencode_decode_prefix (bytes, NULL, &consumed, &prefix_error);
  tight = bt_bencode_decode (bytes, &tight_limits, &tight_error);

  if (prefix == NULL)
    {
      /* decode() is decode_prefix() and a check for trailing bytes. */
      check_error (prefix_error);
      FUZZ_CHECK (consumed == G_MAXSIZE);
      FUZZ_CHECK (value == NULL && tight == NULL);
      check_error (error);
      FUZZ_CHECK (error->code == prefix_error->code);
      check_error (tight_error);
      return 0;
    }

  FUZZ_CHECK (prefix_error == NULL);
  FUZZ_CHECK (consumed > 0 && consumed <= size);
  if (consumed < size)
    {
      g_autoptr(GBytes) head = g_bytes_new_from_bytes (bytes, 0, consumed);
      g_autoptr(BtBencode) head_value = NULL;
      g_autoptr(GError) head_error = NULL;

      FUZZ_CHECK (value == NULL && tight == NULL);
      check_error (error);
      FUZZ_CHECK (error->code == BT_ERROR_BENCODE_TRAILING);
      check_error (tight_error);

      check_tree (prefix, input, consumed);
      /* The value alone, without what followed it, decodes strictly. */
      head_value = bt_bencode_decode (head, NULL, &head_error);
      FUZZ_CHECK (head_value != NULL && head_error == NULL);
      check_tree (head_value, input, consumed);
      return 0;
    }

  FUZZ_CHECK (value != NULL && error == NULL);
  walk = check_tree (value, input, size);

  /* The limits are exact: a decode that fits them succeeds, one that does
   * not fails with the error for the limit it broke. */
  within_limits = size <= tight_limits.max_size
                  && walk.max_depth <= tight_limits.max_depth
                  && walk.n_values <= tight_limits.max_elements;
  if (within_limits)
    {
      FUZZ_CHECK (tight != NULL && tight_error == NULL);
      check_tree (tight, input, size);
    }
  else
    {
      FUZZ_CHECK (tight == NULL);
      check_error (tight_error);
      FUZZ_CHECK (tight_error->code == BT_ERROR_BENCODE_SIZE
                  || tight_error->code == BT_ERROR_BENCODE_DEPTH
                  || tight_error->code == BT_ERROR_BENCODE_COUNT);
      if (size > tight_limits.max_size)
        FUZZ_CHECK (tight_error->code == BT_ERROR_BENCODE_SIZE);
      if (tight_error->code == BT_ERROR_BENCODE_DEPTH)
        FUZZ_CHECK (walk.max_depth > tight_limits.max_depth);
      if (tight_error->code == BT_ERROR_BENCODE_COUNT)
        FUZZ_CHECK (walk.n_values > tight_limits.max_elements);
    }

  return 0;
}
