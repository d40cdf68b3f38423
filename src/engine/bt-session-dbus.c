/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-session-dbus"

#include "config.h"

#include <string.h>

#include "bt-error.h"
#include "bt-session-dbus.h"
#include "bt-torrent.h"

const char bt_session_dbus_xml[] =
  "<node>"
  "  <interface name='" BT_SESSION_DBUS_INTERFACE "'>"
  "    <method name='Add'>"
  "      <arg type='s' name='uri_or_path' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='s' name='info_hash' direction='out'/>"
  "      <arg type='b' name='already_there' direction='out'/>"
  "    </method>"
  "    <method name='List'>"
  "      <arg type='a" BT_SESSION_DBUS_ENTRY_TYPE "' name='torrents' direction='out'/>"
  "    </method>"
  "    <method name='Pause'>"
  "      <arg type='as' name='info_hashes' direction='in'/>"
  "    </method>"
  "    <method name='Resume'>"
  "      <arg type='as' name='info_hashes' direction='in'/>"
  "    </method>"
  "    <method name='Remove'>"
  "      <arg type='as' name='info_hashes' direction='in'/>"
  "      <arg type='b' name='delete_data' direction='in'/>"
  "    </method>"
  "    <method name='Recheck'>"
  "      <arg type='as' name='info_hashes' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* Auxiliary functions */

static GDBusInterfaceInfo *
interface_info (void)
{
  static GDBusNodeInfo *node;
  static gsize parsed;

  if (g_once_init_enter (&parsed))
    {
      g_autoptr(GError) error = NULL;

      node = g_dbus_node_info_new_for_xml (bt_session_dbus_xml, &error);
      /* The XML is a constant of this file: failing to parse is a bug. */
      g_assert_no_error (error);
      g_once_init_leave (&parsed, 1);
    }
  return node->interfaces[0];
}

static gboolean
is_hex_hash (const char *text)
{
  if (strlen (text) != 40)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

/* Looks every hash up before anything is done to any torrent, so one typo
 * in a list changes nothing. Returns a new array of the torrents (the
 * session keeps them alive) or %NULL with @error set. */
static GPtrArray *
lookup_all (BtSession           *session,
            const char * const  *hashes,
            GError             **error)
{
  g_autoptr(GPtrArray) torrents = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; hashes[i] != NULL; i++)
    {
      g_autofree char *lower = NULL;
      BtTorrent *torrent;

      if (!is_hex_hash (hashes[i]))
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "“%s” is not an info-hash (40 hexadecimal digits)", hashes[i]);
          return NULL;
        }
      lower = g_ascii_strdown (hashes[i], -1);
      torrent = bt_session_find_torrent_by_hex (session, lower);
      if (torrent == NULL)
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "No torrent with info-hash %s in the session", lower);
          return NULL;
        }
      if (!g_ptr_array_find (torrents, torrent, NULL))
        g_ptr_array_add (torrents, g_object_ref (torrent));
    }
  return g_steal_pointer (&torrents);
}

/* "save-path" as a bytestring (file names need not be UTF-8) or a string. */
static gboolean
get_save_path (GVariantDict  *options,
               char         **out_path,
               GError       **error)
{
  g_autoptr(GVariant) value = g_variant_dict_lookup_value (options, "save-path", NULL);
  const char *path;

  *out_path = NULL;
  if (value == NULL)
    return TRUE;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING)
      || g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    path = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ? g_variant_get_string (value, NULL)
                                                               : g_variant_get_bytestring (value);
  else
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "The “save-path” option must be a string or a bytestring, not “%s”",
                   g_variant_get_type_string (value));
      return FALSE;
    }
  /* Relative to what? The caller's working folder is not ours. */
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "The folder “%s” is not an absolute path", path);
      return FALSE;
    }
  *out_path = g_strdup (path);
  return TRUE;
}

static gboolean
get_boolean (GVariantDict  *options,
             const char    *key,
             gboolean      *out_value,
             GError       **error)
{
  g_autoptr(GVariant) value = g_variant_dict_lookup_value (options, key, NULL);

  *out_value = FALSE;
  if (value == NULL)
    return TRUE;
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "The “%s” option must be a boolean, not “%s”", key,
                   g_variant_get_type_string (value));
      return FALSE;
    }
  *out_value = g_variant_get_boolean (value);
  return TRUE;
}

static BtTorrent *
add_from_metainfo_bytes (BtSession           *session,
                         const char          *name,
                         GVariant            *bytes,
                         const BtAddOptions  *add_options,
                         gboolean            *existing,
                         GError             **error)
{
  g_autoptr(GBytes) data = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_variant_is_of_type (bytes, G_VARIANT_TYPE_BYTESTRING))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "The “metainfo” option must be a byte array, not “%s”",
                   g_variant_get_type_string (bytes));
      return NULL;
    }
  data = g_variant_get_data_as_bytes (bytes);
  meta = bt_metainfo_new_from_bytes (data, &local_error);
  if (meta == NULL)
    {
      /* Name the file: the caller may be adding several. */
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", name,
                   local_error->message);
      return NULL;
    }
  return bt_session_add (session, meta, add_options, existing, error);
}

static BtTorrent *
add_from_location (BtSession           *session,
                   const char          *location,
                   const BtAddOptions  *add_options,
                   gboolean            *existing,
                   GError             **error)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *scheme = g_uri_parse_scheme (location);

  if (scheme != NULL && g_ascii_strcasecmp (scheme, "magnet") == 0)
    return bt_session_add_magnet (session, location, add_options, existing, error);
  if (scheme != NULL && g_ascii_strcasecmp (scheme, "file") == 0)
    file = g_file_new_for_uri (location);
  else if (g_path_is_absolute (location))
    file = g_file_new_for_path (location);
  else
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "“%s” is neither a magnet link, a file:// URI nor an absolute path "
                   "of a .torrent file", location);
      return NULL;
    }
  return bt_session_add_file (session, file, add_options, existing, error);
}

static void
handle_add (BtSession             *session,
            GVariant              *parameters,
            GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) options_variant = NULL;
  g_autoptr(GVariantDict) options = NULL;
  g_autoptr(GVariant) metainfo = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *save_path = NULL;
  const char *location;
  gboolean paused;
  gboolean existing = FALSE;
  BtAddOptions add_options = { 0 };
  BtTorrent *torrent;

  g_variant_get (parameters, "(&s@a{sv})", &location, &options_variant);
  options = g_variant_dict_new (options_variant);
  if (!get_save_path (options, &save_path, &error)
      || !get_boolean (options, "paused", &paused, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  add_options.save_path = save_path;
  add_options.flags = paused ? BT_ADD_PAUSED : BT_ADD_NONE;

  metainfo = g_variant_dict_lookup_value (options, "metainfo", NULL);
  if (metainfo != NULL)
    torrent = add_from_metainfo_bytes (session, location, metainfo, &add_options, &existing,
                                       &error);
  else
    torrent = add_from_location (session, location, &add_options, &existing, &error);
  if (torrent == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (invocation,
                                         g_variant_new ("(sb)",
                                                        bt_torrent_get_info_hash_hex (torrent),
                                                        existing));
}

static const char *
state_nick (BtTorrentState state)
{
  GEnumClass *klass = g_type_class_ref (BT_TYPE_TORRENT_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  /* The class stays alive: the type is static and we hold a reference
   * until here; nicks are static strings. */
  g_type_class_unref (klass);
  return value != NULL ? value->value_nick : "unknown";
}

static void
handle_list (BtSession             *session,
             GDBusMethodInvocation *invocation)
{
  GListModel *torrents = bt_session_get_torrents (session);
  guint n = g_list_model_get_n_items (torrents);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("(a" BT_SESSION_DBUS_ENTRY_TYPE ")"));
  g_variant_builder_open (&builder, G_VARIANT_TYPE ("a" BT_SESSION_DBUS_ENTRY_TYPE));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BtTorrent) torrent = g_list_model_get_item (torrents, i);
      const char *name = bt_torrent_get_name (torrent);
      const char *message = bt_torrent_get_error_message (torrent);
      const char *save_path = bt_torrent_get_save_path (torrent);
      BtTorrentState state = bt_torrent_get_state (torrent);
      g_autofree char *utf8_name = NULL;

      /* D-Bus strings must be UTF-8; names from the wire are checked by
       * the metainfo parser, but do not let one bad name fail the list. */
      if (name == NULL || !g_utf8_validate (name, -1, NULL))
        name = utf8_name = name != NULL ? g_utf8_make_valid (name, -1) : g_strdup ("");
      /* The entry type with ^ay: the save path is a C string of bytes. */
      g_variant_builder_add (&builder, "(sssdtttttdduds^ay)",
                             name,
                             bt_torrent_get_info_hash_hex (torrent),
                             state_nick (state),
                             bt_torrent_get_progress (torrent),
                             bt_torrent_get_total_size (torrent),
                             bt_torrent_get_wanted_size (torrent),
                             bt_torrent_get_left (torrent),
                             bt_torrent_get_downloaded (torrent),
                             bt_torrent_get_uploaded (torrent),
                             bt_torrent_get_download_rate (torrent),
                             bt_torrent_get_upload_rate (torrent),
                             bt_torrent_get_n_peers (torrent),
                             bt_torrent_get_ratio (torrent),
                             state == BT_TORRENT_STATE_ERROR && message != NULL ? message : "",
                             save_path != NULL ? save_path : "");
    }
  g_variant_builder_close (&builder);
  g_dbus_method_invocation_return_value (invocation, g_variant_builder_end (&builder));
}

static void
handle_hashes (BtSession             *session,
               const char            *method,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation)
{
  g_autofree const char **hashes = NULL;
  g_autoptr(GPtrArray) torrents = NULL;
  g_autoptr(GError) error = NULL;
  gboolean delete_data = FALSE;

  if (g_strcmp0 (method, "Remove") == 0)
    g_variant_get (parameters, "(^a&sb)", &hashes, &delete_data);
  else
    g_variant_get (parameters, "(^a&s)", &hashes);

  torrents = lookup_all (session, hashes, &error);
  if (torrents == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  for (guint i = 0; i < torrents->len; i++)
    {
      BtTorrent *torrent = g_ptr_array_index (torrents, i);

      if (g_strcmp0 (method, "Pause") == 0)
        bt_session_pause (session, torrent);
      else if (g_strcmp0 (method, "Resume") == 0)
        bt_session_resume (session, torrent);
      else if (g_strcmp0 (method, "Recheck") == 0)
        {
          if (!bt_session_recheck (session, torrent, &error))
            break;
        }
      else if (!bt_session_remove (session, torrent, delete_data, &error))
        break;
    }
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static const char *
reference_key (char  *buffer,
               guint  id)
{
  g_snprintf (buffer, 64, "bt-session-dbus-%u", id);
  return buffer;
}

/* Signal callbacks */

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  BtSession *session = user_data;

  /* GDBus has checked the arguments against the introspection data. */
  if (g_strcmp0 (method_name, "Add") == 0)
    handle_add (session, parameters, invocation);
  else if (g_strcmp0 (method_name, "List") == 0)
    handle_list (session, invocation);
  else
    handle_hashes (session, method_name, parameters, invocation);
}

static const GDBusInterfaceVTable vtable = {
  .method_call = method_call_cb,
};

/* Public API */

/**
 * bt_session_dbus_export:
 * @session: the session to serve
 * @connection: the bus (the app's and the daemon's GApplication connection)
 * @object_path: (nullable): where; %NULL for BT_SESSION_DBUS_OBJECT_PATH
 * @error: return location for a #GError
 *
 * Returns: the id for bt_session_dbus_unexport(), or 0 with @error set
 */
guint
bt_session_dbus_export (BtSession        *session,
                        GDBusConnection  *connection,
                        const char       *object_path,
                        GError          **error)
{
  char key[64];
  guint id;

  g_return_val_if_fail (BT_IS_SESSION (session), 0);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  /* No user_data_free_func: whether GDBus calls it when registering fails
   * changed between GLib versions. The reference lives on the connection
   * instead, keyed by the id, until unexport (or the connection's end). */
  id = g_dbus_connection_register_object (connection,
                                          object_path != NULL ? object_path
                                                              : BT_SESSION_DBUS_OBJECT_PATH,
                                          interface_info (), &vtable, session, NULL, error);
  if (id != 0)
    g_object_set_data_full (G_OBJECT (connection), reference_key (key, id),
                            g_object_ref (session), g_object_unref);
  return id;
}

/**
 * bt_session_dbus_unexport:
 * @connection: the connection passed to bt_session_dbus_export()
 * @id: its return value; 0 is ignored
 *
 * Stops serving and drops the export's reference on the session.
 */
void
bt_session_dbus_unexport (GDBusConnection *connection,
                          guint            id)
{
  char key[64];

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));

  if (id == 0)
    return;
  /* Unregistering first: a call being dispatched holds no reference of
   * its own, and after this no new one starts. */
  g_dbus_connection_unregister_object (connection, id);
  g_object_set_data (G_OBJECT (connection), reference_key (key, id), NULL);
}
