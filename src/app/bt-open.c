/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-open"

#include "config.h"

#include <glib/gi18n.h>

#include "bt-add-dialog.h"
#include "bt-app-error.h"
#include "bt-error.h"
#include "bt-limits.h"
#include "bt-magnet.h"
#include "bt-open.h"

/*
 * Choosers
 *
 * Both end in a GTask whose result is a GFile (folder) or a GListModel of
 * GFile (torrents); dismissing is G_IO_ERROR_CANCELLED on every GTK.
 */

static GtkFileFilter *
torrent_filter_new (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Torrent files"));
  gtk_file_filter_add_mime_type (filter, "application/x-bittorrent");
  /* Not every system knows the MIME type; the suffix always works. */
  gtk_file_filter_add_suffix (filter, "torrent");
  return filter;
}

#if GTK_CHECK_VERSION (4, 10, 0)

/* Meson pins GDK_VERSION_MAX_ALLOWED to 4.8, so 4.10 symbols warn. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
return_dialog_error (GTask  *task,
                     GError *error)
{
  if (g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED) ||
      g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_CANCELLED))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "%s", error->message);
      g_error_free (error);
    }
  else
    {
      g_task_return_error (task, error);
    }
}

static void
select_folder_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GFile *folder;

  folder = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (source), result, &error);
  if (folder == NULL)
    return_dialog_error (task, error);
  else
    g_task_return_pointer (task, folder, g_object_unref);
}

static void
open_multiple_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GListModel *files;

  files = gtk_file_dialog_open_multiple_finish (GTK_FILE_DIALOG (source), result, &error);
  if (files == NULL)
    return_dialog_error (task, error);
  else
    g_task_return_pointer (task, files, g_object_unref);
}

G_GNUC_END_IGNORE_DEPRECATIONS

#else /* GTK 4.8 */

typedef struct
{
  GtkFileChooserNative *native;   /* NULL once answered */
  gulong                cancelled_id;
  gboolean              multiple;
} ChooserData;

static void
chooser_data_free (ChooserData *data)
{
  g_assert (data->native == NULL);
  g_free (data);
}

/* Ends the chooser once: on a response or on the cancellable, never from
 * inside the ::cancelled handler (disconnecting there would deadlock).
 * Drops the reference the open chooser held on @task. */
static void
chooser_complete (GTask    *task,
                  int       response)
{
  ChooserData *data = g_task_get_task_data (task);
  g_autoptr(GtkFileChooserNative) native = g_steal_pointer (&data->native);

  if (native == NULL)
    return;

  g_cancellable_disconnect (g_task_get_cancellable (task), data->cancelled_id);
  data->cancelled_id = 0;
  g_signal_handlers_disconnect_by_data (native, task);

  if (response != GTK_RESPONSE_ACCEPT)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "%s", _("No file was chosen"));
  else if (data->multiple)
    g_task_return_pointer (task, gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native)),
                           g_object_unref);
  else
    g_task_return_pointer (task, gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native)),
                           g_object_unref);

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (task);
}

static void
native_response_cb (GtkNativeDialog *native,
                    int              response,
                    gpointer         user_data)
{
  chooser_complete (G_TASK (user_data), response);
}

static gboolean
chooser_cancelled_idle_cb (gpointer user_data)
{
  chooser_complete (G_TASK (user_data), GTK_RESPONSE_CANCEL);
  return G_SOURCE_REMOVE;
}

static void
chooser_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_source_set_callback (idle, chooser_cancelled_idle_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (idle, "[bt] chooser cancelled");
  g_source_attach (idle, g_task_get_context (task));
}

static void
chooser_show (GTask                *task,
              GtkFileChooserNative *native,
              gboolean              multiple)
{
  ChooserData *data = g_new0 (ChooserData, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  data->native = native;
  data->multiple = multiple;
  g_task_set_task_data (task, data, (GDestroyNotify) chooser_data_free);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  /* The open chooser holds a reference on the task, dropped on completion. */
  g_signal_connect (native, "response", G_CALLBACK (native_response_cb), g_object_ref (task));
  if (cancellable != NULL)
    data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (chooser_cancelled_cb),
                                                task, NULL);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

#endif

/**
 * bt_choose_folder_async:
 * @parent: (nullable): the window the chooser is modal to
 * @title: the chooser's title
 * @initial_folder: (nullable): where it opens
 * @cancellable: (nullable): closes the chooser
 * @callback: runs once, on the calling thread's main context
 * @user_data: for @callback
 */
void
bt_choose_folder_async (GtkWindow           *parent,
                        const char          *title,
                        GFile               *initial_folder,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (title != NULL);
  g_return_if_fail (initial_folder == NULL || G_IS_FILE (initial_folder));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_choose_folder_async);
  if (g_task_return_error_if_cancelled (task))
    return;

#if GTK_CHECK_VERSION (4, 10, 0)
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, title);
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_set_accept_label (dialog, _("_Select"));
    if (initial_folder != NULL)
      gtk_file_dialog_set_initial_folder (dialog, initial_folder);
    gtk_file_dialog_select_folder (dialog, parent, cancellable, select_folder_cb,
                                   g_steal_pointer (&task));
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
#else
  {
    GtkFileChooserNative *native;

    native = gtk_file_chooser_native_new (title, parent,
                                          GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                          _("_Select"), _("_Cancel"));
    if (initial_folder != NULL)
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), initial_folder, NULL);
    chooser_show (task, native, FALSE);
  }
#endif
}

/**
 * bt_choose_folder_finish:
 *
 * Returns: (transfer full): the chosen folder, or %NULL with @error set
 */
GFile *
bt_choose_folder_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bt_choose_folder_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bt_choose_torrent_files_async:
 * @parent: (nullable): the window the chooser is modal to
 * @cancellable: (nullable): closes the chooser
 * @callback: runs once, on the calling thread's main context
 * @user_data: for @callback
 */
void
bt_choose_torrent_files_async (GtkWindow           *parent,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GtkFileFilter) torrents = torrent_filter_new ();

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bt_choose_torrent_files_async);
  if (g_task_return_error_if_cancelled (task))
    return;

#if GTK_CHECK_VERSION (4, 10, 0)
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
    g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);

    g_list_store_append (filters, torrents);
    gtk_file_dialog_set_title (dialog, _("Add Torrents"));
    gtk_file_dialog_set_modal (dialog, TRUE);
    gtk_file_dialog_set_accept_label (dialog, _("_Open"));
    gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
    gtk_file_dialog_set_default_filter (dialog, torrents);
    gtk_file_dialog_open_multiple (dialog, parent, cancellable, open_multiple_cb,
                                   g_steal_pointer (&task));
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
#else
  {
    GtkFileChooserNative *native;

    native = gtk_file_chooser_native_new (_("Add Torrents"), parent,
                                          GTK_FILE_CHOOSER_ACTION_OPEN,
                                          _("_Open"), _("_Cancel"));
    gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), torrents);
    gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (native), torrents);
    chooser_show (task, native, TRUE);
  }
#endif
}

/**
 * bt_choose_torrent_files_finish:
 *
 * Returns: (transfer full): a list of #GFile, or %NULL with @error set
 */
GListModel *
bt_choose_torrent_files_finish (GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        bt_choose_torrent_files_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/*
 * Adding
 */

typedef struct
{
  GWeakRef   parent;
  BtSession *session;
  GSettings *settings;
  GFile     *file;
} OpenData;

static OpenData *
open_data_new (GtkWindow *parent,
               BtSession *session,
               GSettings *settings,
               GFile     *file)
{
  OpenData *data = g_new0 (OpenData, 1);

  /* Weak: the window may close while a file is read. */
  g_weak_ref_init (&data->parent, parent);
  data->session = g_object_ref (session);
  data->settings = settings != NULL ? g_object_ref (settings) : NULL;
  data->file = file != NULL ? g_object_ref (file) : NULL;
  return data;
}

static void
open_data_free (OpenData *data)
{
  g_weak_ref_clear (&data->parent);
  g_clear_object (&data->session);
  g_clear_object (&data->settings);
  g_clear_object (&data->file);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenData, open_data_free)

static gboolean
settings_get (GSettings  *settings,
              const char *key,
              gboolean    fallback)
{
  return settings != NULL ? g_settings_get_boolean (settings, key) : fallback;
}

static char *
file_display_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  if (basename != NULL && g_file_is_native (file))
    return g_filename_display_name (basename);

  return g_file_get_parse_name (file);
}

static void
add_metainfo (GtkWindow  *parent,
              BtSession  *session,
              GSettings  *settings,
              BtMetainfo *meta)
{
  g_autoptr(GError) error = NULL;
  BtTorrent *torrent = NULL;
  BtAddOptions options = { 0 };

  /* Adding it again would change nothing; say so rather than show a
   * dialog whose choices would be ignored. */
  if (bt_session_find_torrent (session, bt_metainfo_get_info_hash (meta)) != NULL)
    {
      g_autofree char *primary = NULL;

      primary = g_strdup_printf (_("“%s” is already in the list"), bt_metainfo_get_name (meta));
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS,
                                   _("Its files and progress stay as they are."));
      bt_app_show_error (parent, primary, error);
      return;
    }

  if (settings_get (settings, "show-add-dialog", TRUE))
    {
      bt_add_dialog_present (parent, session, meta, settings);
      return;
    }

  if (settings_get (settings, "start-paused", FALSE))
    options.flags |= BT_ADD_PAUSED;

  torrent = bt_session_add (session, meta, &options, NULL, &error);
  if (torrent == NULL)
    {
      g_autofree char *primary = NULL;

      primary = g_strdup_printf (_("Could not add “%s”"), bt_metainfo_get_name (meta));
      bt_app_show_error (parent, primary, error);
    }
}

static GError *
too_large_error (goffset size)
{
  g_autofree char *text = g_format_size_full ((guint64) size, G_FORMAT_SIZE_IEC_UNITS);

  /* TRANSLATORS: %s is a file size, e.g. "1.5 GiB" */
  return g_error_new (BT_ERROR, BT_ERROR_BENCODE_SIZE,
                      _("At %s it is far too large to be a torrent file."), text);
}

static gboolean
read_more_cb (const char *contents,
              goffset     size,
              gpointer    user_data)
{
  /* Past the largest torrent the parser takes, the rest is not worth
   * reading (nor holding in memory). */
  return size <= BT_BENCODE_MAX_SIZE;
}

static void
load_contents_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GtkWindow) parent = g_weak_ref_get (&data->parent);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (g_file_load_partial_contents_finish (G_FILE (source), result, &contents, &length, NULL,
                                           &error))
    {
      bytes = g_bytes_new_take (contents, length);
      /* It grew past the limit after its size was checked. */
      if (length > BT_BENCODE_MAX_SIZE)
        error = too_large_error (length);
      else
        meta = bt_metainfo_new_from_bytes (bytes, &error);
    }

  if (meta == NULL)
    {
      g_autofree char *name = file_display_name (data->file);
      g_autofree char *primary = NULL;

      primary = g_strdup_printf (_("Could not open “%s”"), name);
      bt_app_show_error (parent, primary, error);
      return;
    }

  add_metainfo (parent, data->session, data->settings, meta);
}

static void
query_info_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (info != NULL)
    {
      GFileType type = g_file_info_get_file_type (info);

      if (type == G_FILE_TYPE_DIRECTORY)
        error = g_error_new_literal (BT_ERROR, BT_ERROR_IO,
                                     _("It is a folder, not a torrent file."));
      else if (type == G_FILE_TYPE_SPECIAL)
        error = g_error_new_literal (BT_ERROR, BT_ERROR_IO,
                                     _("It is a device or a pipe, not a torrent file."));
      else if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE)
               && g_file_info_get_size (info) > BT_BENCODE_MAX_SIZE)
        error = too_large_error (g_file_info_get_size (info));
    }

  if (error != NULL)
    {
      g_autoptr(GtkWindow) parent = g_weak_ref_get (&data->parent);
      g_autofree char *name = file_display_name (data->file);
      g_autofree char *primary = g_strdup_printf (_("Could not open “%s”"), name);

      bt_app_show_error (parent, primary, error);
      return;
    }

  g_file_load_partial_contents_async (G_FILE (source), NULL, read_more_cb, load_contents_cb,
                                      g_steal_pointer (&data));
}

/**
 * bt_open_add_file:
 * @parent: (nullable): where the dialogs and errors appear
 * @session: the session to add to
 * @settings: (nullable): "show-add-dialog" and "start-paused"
 * @file: a .torrent file, or a magnet: URI as a #GFile
 */
void
bt_open_add_file (GtkWindow *parent,
                  BtSession *session,
                  GSettings *settings,
                  GFile     *file)
{
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (BT_IS_SESSION (session));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));
  g_return_if_fail (G_IS_FILE (file));

  if (g_file_has_uri_scheme (file, "magnet"))
    {
      g_autofree char *uri = g_file_get_uri (file);

      bt_open_add_magnet (parent, session, settings, uri);
      return;
    }

  /* A film dropped by mistake, a folder, a FIFO: turned away by what
   * they are before a byte is read. */
  g_file_query_info_async (file,
                           G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, NULL, query_info_cb,
                           open_data_new (parent, session, settings, file));
}

/**
 * bt_open_add_magnet:
 * @parent: (nullable): where errors appear
 * @session: the session to add to
 * @settings: (nullable): "start-paused"
 * @uri: the magnet link as given
 *
 * A magnet link has no file list until its metadata arrives, so there is
 * no add dialog: it is added at once.
 */
void
bt_open_add_magnet (GtkWindow  *parent,
                    BtSession  *session,
                    GSettings  *settings,
                    const char *uri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BtMagnet) magnet = NULL;
  BtTorrent *torrent = NULL;
  BtAddOptions options = { 0 };

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (BT_IS_SESSION (session));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));
  g_return_if_fail (uri != NULL);

  if (settings_get (settings, "start-paused", FALSE))
    options.flags |= BT_ADD_PAUSED;

  /* Parsed here too, so a bad link gets the parser's own message. */
  magnet = bt_magnet_parse (uri, &error);
  if (magnet != NULL)
    torrent = bt_session_add_magnet (session, uri, &options, NULL, &error);

  if (torrent == NULL)
    bt_app_show_error (parent, _("Could not add the magnet link"), error);
}

static void
torrent_files_chosen_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(OpenData) data = user_data;
  g_autoptr(GtkWindow) parent = g_weak_ref_get (&data->parent);
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) files = NULL;

  files = bt_choose_torrent_files_finish (result, &error);
  if (files == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        bt_app_show_error (parent, _("Could not choose torrent files"), error);
      return;
    }

  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);

      bt_open_add_file (parent, data->session, data->settings, file);
    }
}

/**
 * bt_open_torrent_files:
 * @parent: (nullable): the window the chooser is modal to
 * @session: the session to add to
 * @settings: (nullable): as for bt_open_add_file()
 */
void
bt_open_torrent_files (GtkWindow *parent,
                       BtSession *session,
                       GSettings *settings)
{
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (BT_IS_SESSION (session));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  bt_choose_torrent_files_async (parent, NULL, torrent_files_chosen_cb,
                                 open_data_new (parent, session, settings, NULL));
}
