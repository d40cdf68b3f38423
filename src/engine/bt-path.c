/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-path"

#include "config.h"

#include <string.h>

#include "bt-limits.h"
#include "bt-path.h"

/* An extension longer than this is treated as part of the name when a name
 * is shortened or numbered, so "x.tar.gz" keeps ".gz" but a name that merely
 * contains a dot is cut as a whole. */
#define MAX_EXTENSION_LENGTH 16

/**
 * bt_path_make_utf8:
 *
 * Torrents from old or Windows clients carry names in legacy encodings. The
 * bytes that are not UTF-8 become "%XX", so every name can be shown and
 * written, and two different byte strings stay different names.
 *
 * Returns: (transfer full): valid UTF-8 without NUL bytes
 */
char *
bt_path_make_utf8 (const guint8 *data,
                   gsize         length)
{
  GString *out = g_string_sized_new (length + 1);
  gsize i = 0;

  while (i < length)
    {
      const char *p = (const char *) data + i;
      gunichar c = g_utf8_get_char_validated (p, length - i);

      if (c == (gunichar) -1 || c == (gunichar) -2 || c == 0)
        {
          g_string_append_printf (out, "%%%02X", data[i]);
          i++;
        }
      else
        {
          const char *next = g_utf8_next_char (p);

          g_string_append_len (out, p, next - p);
          i += next - p;
        }
    }
  return g_string_free (out, FALSE);
}

/* Finds where the extension starts, or the end of @name when it has none
 * worth keeping. */
static gsize
extension_start (const char *name,
                 gsize       length)
{
  const char *dot = g_strrstr_len (name, length, ".");

  if (dot == NULL || dot == name || (gsize) (name + length - dot) > MAX_EXTENSION_LENGTH)
    return length;
  return dot - name;
}

/* Cuts @name to at most @max bytes on a character boundary, keeping its
 * extension. */
static void
shorten (GString *name,
         gsize    max)
{
  gsize ext = extension_start (name->str, name->len);
  gsize ext_len = name->len - ext;
  gsize keep;
  const char *end;

  if (name->len <= max)
    return;
  if (ext_len >= max)
    {
      ext_len = 0;
      ext = name->len;
    }

  keep = max - ext_len;
  /* Step back to the start of a UTF-8 character. */
  end = name->str + keep;
  while (end > name->str && (*(const guint8 *) end & 0xC0) == 0x80)
    end--;
  keep = end - name->str;

  if (ext_len > 0)
    memmove (name->str + keep, name->str + ext, ext_len);
  g_string_truncate (name, keep + ext_len);
}

/**
 * bt_path_sanitize_component:
 *
 * Makes one element of a torrent's path safe to use as a single file or
 * folder name on Linux: valid UTF-8 (see bt_path_make_utf8()), leading
 * slashes dropped (an absolute path becomes relative), any other "/" and
 * control characters replaced by "_", at most NAME_MAX bytes. A component
 * that is empty, "." or ".." has no safe reading and comes back empty: the
 * caller drops it.
 *
 * Returns: (transfer full): the safe name, possibly empty
 */
char *
bt_path_sanitize_component (const guint8 *data,
                            gsize         length)
{
  g_autofree char *utf8 = bt_path_make_utf8 (data, length);
  GString *name = g_string_new (NULL);
  const char *p = utf8;

  while (*p == '/')
    p++;
  for (; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* C0, DEL and C1 controls: U+009B alone starts a terminal escape
       * sequence, and names end up on terminals. */
      if (c == '/' || g_unichar_iscntrl (c))
        g_string_append_c (name, '_');
      else
        g_string_append_len (name, p, g_utf8_next_char (p) - p);
    }

  if (strcmp (name->str, ".") == 0 || strcmp (name->str, "..") == 0)
    g_string_truncate (name, 0);

  shorten (name, BT_METAINFO_MAX_COMPONENT);
  return g_string_free (name, FALSE);
}

/**
 * bt_path_add_counter:
 *
 * Numbers the last component of @path to tell it apart from another file
 * of the same name: "dir/name.ext" becomes "dir/name.1.ext".
 *
 * Returns: (transfer full) (nullable): the numbered path, or %NULL when
 *   no numbered name fits the path length limit
 */
char *
bt_path_add_counter (const char *path,
                     guint       counter)
{
  const char *slash = strrchr (path, '/');
  const char *base = slash != NULL ? slash + 1 : path;
  gsize base_len = strlen (base);
  gsize ext = extension_start (base, base_len);
  g_autofree char *suffix = g_strdup_printf (".%u", counter);
  GString *name = g_string_new_len (base, ext);

  gsize dir_len = base - path;
  gsize budget = MIN (BT_METAINFO_MAX_COMPONENT,
                      BT_METAINFO_MAX_PATH_LENGTH > dir_len ? BT_METAINFO_MAX_PATH_LENGTH - dir_len : 0);
  gsize ext_len = base_len - ext;

  /* Keep room for the number within NAME_MAX and within the whole path's
   * limit, so numbering never makes a path too long to create: drop the
   * extension if need be, and give up when not even "x.N" fits. */
  if (budget < strlen (suffix) + ext_len + 1)
    {
      g_string_append (name, base + ext);
      ext_len = 0;
      ext = base_len;
    }
  if (budget < strlen (suffix) + 1)
    {
      g_string_free (name, TRUE);
      return NULL;
    }
  shorten (name, budget - strlen (suffix) - ext_len);
  g_string_append (name, suffix);
  g_string_append (name, base + ext);
  g_string_prepend_len (name, path, base - path);
  return g_string_free (name, FALSE);
}

/**
 * bt_path_is_safe_relative:
 *
 * Returns: whether @path, joined to a folder, can only name something inside
 * that folder: relative, no empty, "." or ".." components, valid UTF-8 and
 * no control characters.
 */
gboolean
bt_path_is_safe_relative (const char *path)
{
  g_auto(GStrv) parts = NULL;

  if (path == NULL || *path == '\0' || *path == '/')
    return FALSE;
  if (!g_utf8_validate (path, -1, NULL))
    return FALSE;
  for (const char *p = path; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;

  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0 || strcmp (parts[i], "..") == 0)
        return FALSE;
      if (strlen (parts[i]) > BT_METAINFO_MAX_COMPONENT)
        return FALSE;
    }
  return TRUE;
}
