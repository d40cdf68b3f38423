/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * What the session does to a torrent's files as a whole: delete them when
 * the person removes the torrent with its data, and move them to another
 * folder. Like storage, every path is walked with openat and O_NOFOLLOW,
 * so a link planted in the tree never leads outside the folder.
 */
#define G_LOG_DOMAIN "bt-session"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bt-error.h"
#include "bt-session-files.h"

static gboolean
is_pad (BtMetainfo *meta,
        guint       index)
{
  return (bt_metainfo_get_file_flags (meta, index) & BT_METAINFO_FILE_PAD) != 0;
}

/* Opens the folder that holds @path's last component, below @root_fd,
 * creating the folders on the way when @create. Returns -1 with errno. */
static int
open_parent (int          root_fd,
             const char  *path,
             gboolean     create,
             const char **out_name)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);
  int fd = dup (root_fd);

  for (guint i = 0; fd >= 0 && i + 1 < n; i++)
    {
      int next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

      if (next < 0 && errno == ENOENT && create)
        {
          if (mkdirat (fd, parts[i], 0755) == 0 || errno == EEXIST)
            next = openat (fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
      close (fd);
      fd = next;
    }
  *out_name = strrchr (path, '/') != NULL ? strrchr (path, '/') + 1 : path;
  return fd;
}

static gint
by_length_descending (gconstpointer a,
                      gconstpointer b)
{
  gsize la = strlen (*(const char * const *) a);
  gsize lb = strlen (*(const char * const *) b);

  return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Removes the folders of the torrent's paths that are now empty, deepest
 * first; a folder that still holds anything stays. */
static void
remove_empty_folders (BtMetainfo *meta,
                      int         root_fd)
{
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      g_autofree char *folder = g_path_get_dirname (bt_metainfo_get_file_path (meta, i));

      while (strcmp (folder, ".") != 0 && !g_hash_table_contains (seen, folder))
        {
          char *parent = g_path_get_dirname (folder);

          g_hash_table_add (seen, folder);
          g_ptr_array_add (folders, g_steal_pointer (&folder));
          folder = parent;
        }
    }
  /* A longer path may be inside a shorter one, never the reverse: remove
   * the longest first. */
  g_ptr_array_sort (folders, by_length_descending);
  for (guint i = 0; i < folders->len; i++)
    {
      const char *folder = g_ptr_array_index (folders, i);
      const char *name;
      int fd = open_parent (root_fd, folder, FALSE, &name);

      if (fd >= 0)
        {
          unlinkat (fd, name, AT_REMOVEDIR);
          close (fd);
        }
    }
}

static int
open_root (const char  *save_path,
           GError     **error)
{
  int fd = open (save_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    {
      int saved_errno = errno;
      g_autofree char *display = g_filename_display_name (save_path);

      g_set_error (error, BT_ERROR, BT_ERROR_IO, "Cannot open the folder “%s”: %s", display,
                   g_strerror (saved_errno));
    }
  return fd;
}

gboolean
bt_session_files_delete (BtMetainfo  *meta,
                         const char  *save_path,
                         GError     **error)
{
  int root_fd;
  int failed_errno = 0;
  const char *failed_path = NULL;

  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (save_path != NULL, FALSE);

  root_fd = open_root (save_path, error);
  if (root_fd < 0)
    return FALSE;

  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      const char *path = bt_metainfo_get_file_path (meta, i);
      const char *name;
      int fd;

      if (is_pad (meta, i))
        continue;
      fd = open_parent (root_fd, path, FALSE, &name);
      if (fd < 0)
        continue; /* its folder is gone already */
      if (unlinkat (fd, name, 0) != 0 && errno != ENOENT && failed_errno == 0)
        {
          failed_errno = errno;
          failed_path = path;
        }
      close (fd);
    }
  remove_empty_folders (meta, root_fd);
  close (root_fd);

  if (failed_errno != 0)
    {
      g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not delete “%s”: %s", failed_path,
                   g_strerror (failed_errno));
      return FALSE;
    }
  return TRUE;
}

/* rename() cannot cross file systems: copy, then delete the original. */
static gboolean
copy_across (int          from_fd,
             const char  *from_name,
             int          to_fd,
             const char  *to_name,
             GError     **error)
{
  int in = openat (from_fd, from_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int out = -1;
  gboolean ok = FALSE;
  static const gsize chunk = 1 << 20;
  g_autofree guint8 *buffer = NULL;

  if (in < 0)
    goto failed;
  out = openat (to_fd, to_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0)
    goto failed;
  buffer = g_malloc (chunk);
  for (;;)
    {
      gssize n = read (in, buffer, chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto failed;
      if (n == 0)
        break;
      for (gssize done = 0; done < n;)
        {
          gssize w = write (out, buffer + done, n - done);

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            goto failed;
          done += w;
        }
    }
  if (fsync (out) != 0)
    goto failed;
  ok = unlinkat (from_fd, from_name, 0) == 0;
  if (!ok)
    goto failed;
  close (in);
  close (out);
  return TRUE;

failed:
  {
    int saved_errno = errno;

    g_set_error (error, BT_ERROR, saved_errno == ENOSPC ? BT_ERROR_NO_SPACE : BT_ERROR_IO,
                 "Could not copy “%s”: %s", to_name, g_strerror (saved_errno));
  }
  if (in >= 0)
    close (in);
  if (out >= 0)
    {
      close (out);
      if (!ok)
        unlinkat (to_fd, to_name, 0); /* the partial copy; the original stays */
    }
  return FALSE;
}

gboolean
bt_session_files_move (BtMetainfo  *meta,
                       const char  *from,
                       const char  *to,
                       GError     **error)
{
  int from_root;
  int to_root;
  gboolean ok = TRUE;

  g_return_val_if_fail (BT_IS_METAINFO (meta), FALSE);
  g_return_val_if_fail (from != NULL && to != NULL, FALSE);

  from_root = open_root (from, error);
  if (from_root < 0)
    return FALSE;
  to_root = open_root (to, error);
  if (to_root < 0)
    {
      close (from_root);
      return FALSE;
    }

  for (guint i = 0; ok && i < bt_metainfo_get_n_files (meta); i++)
    {
      const char *path = bt_metainfo_get_file_path (meta, i);
      const char *name;
      const char *to_name;
      int from_fd;
      int to_fd;
      struct stat st;

      if (is_pad (meta, i))
        continue;
      from_fd = open_parent (from_root, path, FALSE, &name);
      if (from_fd < 0)
        continue;
      if (fstatat (from_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG (st.st_mode))
        {
          close (from_fd); /* not there (never written), or not ours to move */
          continue;
        }
      to_fd = open_parent (to_root, path, TRUE, &to_name);
      if (to_fd < 0)
        {
          int saved_errno = errno;

          g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not make the folder for “%s”: %s",
                       path, g_strerror (saved_errno));
          ok = FALSE;
        }
      /* Never overwrite a file of the same name that is not ours. */
      else if (fstatat (to_fd, to_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        {
          g_autofree char *display = g_filename_display_name (to);

          g_set_error (error, BT_ERROR, BT_ERROR_IO, "“%s” already exists in “%s”", path,
                       display);
          ok = FALSE;
        }
      else if (renameat (from_fd, name, to_fd, to_name) != 0)
        {
          if (errno == EXDEV)
            ok = copy_across (from_fd, name, to_fd, to_name, error);
          else
            {
              int saved_errno = errno;

              g_set_error (error, BT_ERROR, BT_ERROR_IO, "Could not move “%s”: %s", path,
                           g_strerror (saved_errno));
              ok = FALSE;
            }
        }
      if (to_fd >= 0)
        close (to_fd);
      close (from_fd);
    }
  if (ok)
    remove_empty_folders (meta, from_root);
  close (from_root);
  close (to_root);
  return ok;
}

gboolean
bt_session_files_any_present (BtMetainfo *meta,
                              const char *save_path)
{
  int root_fd = open (save_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean found = FALSE;

  if (root_fd < 0)
    return FALSE;
  for (guint i = 0; !found && i < bt_metainfo_get_n_files (meta); i++)
    {
      const char *name;
      int fd;
      struct stat st;

      if (is_pad (meta, i) || bt_metainfo_get_file_size (meta, i) == 0)
        continue;
      fd = open_parent (root_fd, bt_metainfo_get_file_path (meta, i), FALSE, &name);
      if (fd < 0)
        continue;
      found = fstatat (fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode);
      close (fd);
    }
  close (root_fd);
  return found;
}
