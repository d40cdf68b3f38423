/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * btorrent-cli add | list | pause | resume | remove: the session mode's
 * clients. They drive the session of whichever runs, the GTK app or
 * `btorrent-cli daemon`, over io.github.btorrent.Session on the D-Bus
 * session bus (see bt-session-dbus.h).
 *
 * Neither is D-Bus-activated: a script asking for a list must not open a
 * window on someone's desktop, nor start a daemon that then keeps running
 * with nobody having asked for it. So every call carries
 * G_DBUS_CALL_FLAGS_NO_AUTO_START and a clear error says what to start.
 */
#define G_LOG_DOMAIN "bt-cli"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "bt-cli.h"
#include "bt-session-dbus.h"

#define NOT_RUNNING \
  "bTorrent is not running; start it with `btorrent-cli daemon` or open the app"

/* The longest call parses a .torrent of up to BT_BENCODE_MAX_SIZE in the
 * serving process; nothing waits for the disk or the network (checking
 * and deleting data happen after the reply). */
#define CALL_TIMEOUT_MS (60 * 1000)

typedef struct
{
  GDBusConnection *bus;
  char            *owner;  /* the unique name of the process we talk to */
  const char      *label;  /* what it is, for messages */
} Remote;

typedef struct
{
  const char *name;
  const char *info_hash;
  const char *state;
  double      progress;
  guint64     total_size;
  guint64     wanted_size;
  guint64     left;
  guint64     downloaded;
  guint64     uploaded;
  double      download_rate;
  double      upload_rate;
  guint32     peers;
  double      ratio;
  const char *error;
  const char *save_path;
} Entry;

static void
remote_clear (Remote *remote)
{
  g_clear_object (&remote->bus);
  g_clear_pointer (&remote->owner, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Remote, remote_clear)

/* Finds who serves the session: the app first (if a person has it open,
 * that is the session they look at), then the daemon. Asking for the
 * owner, not calling the well-known name, pins every later call of this
 * command to the same process. */
static gboolean
remote_connect (Remote  *remote,
                GError **error)
{
  static const struct
  {
    const char *name;
    const char *label;
  } services[] = {
    { BT_SESSION_DBUS_APP_NAME, "The bTorrent app" },
    { BT_SESSION_DBUS_DAEMON_NAME, "btorrent-cli daemon" },
  };
  g_autoptr(GError) local_error = NULL;

  remote->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (remote->bus == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   NOT_RUNNING " (there is no D-Bus session bus: %s)", local_error->message);
      return FALSE;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autoptr(GVariant) reply = NULL;

      reply = g_dbus_connection_call_sync (remote->bus, "org.freedesktop.DBus",
                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "GetNameOwner", g_variant_new ("(s)", services[i].name),
                                           G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                           CALL_TIMEOUT_MS, NULL, &local_error);
      if (reply != NULL)
        {
          g_variant_get (reply, "(s)", &remote->owner);
          remote->label = services[i].label;
          return TRUE;
        }
      if (!g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
        {
          g_dbus_error_strip_remote_error (local_error);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "Cannot ask the D-Bus session bus who runs bTorrent: %s",
                       local_error->message);
          return FALSE;
        }
      g_clear_error (&local_error);
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, NOT_RUNNING);
  return FALSE;
}

static GVariant *
remote_call (Remote              *remote,
             const char          *method,
             GVariant            *parameters,
             const GVariantType  *reply_type,
             int                  timeout_ms,
             GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (remote->bus, remote->owner, BT_SESSION_DBUS_OBJECT_PATH,
                                       BT_SESSION_DBUS_INTERFACE, method, parameters, reply_type,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout_ms, NULL,
                                       &local_error);
  if (reply != NULL)
    return reply;

  if (g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
      || g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                         NOT_RUNNING " (it quit just now)");
  else if (g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)
           || g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT)
           || g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE))
    /* The app exports the session once it has loaded it, and withdraws
     * it while quitting. */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                 "%s is running but does not take commands right now (starting or quitting?)",
                 remote->label);
  else
    {
      g_dbus_error_strip_remote_error (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return NULL;
}

static GVariant *
remote_list (Remote  *remote,
             GError **error)
{
  return remote_call (remote, "List", NULL, G_VARIANT_TYPE ("(a" BT_SESSION_DBUS_ENTRY_TYPE ")"),
                      CALL_TIMEOUT_MS, error);
}

static void
entry_read (Entry    *entry,
            GVariant *value)
{
  g_variant_get (value, "(&s&s&sdtttttddud&s^&ay)", &entry->name, &entry->info_hash,
                 &entry->state, &entry->progress, &entry->total_size, &entry->wanted_size,
                 &entry->left, &entry->downloaded, &entry->uploaded, &entry->download_rate,
                 &entry->upload_rate, &entry->peers, &entry->ratio, &entry->error,
                 &entry->save_path);
}

/* --- list ----------------------------------------------------------------- */

static void
json_string (GString    *out,
             const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guint8 c = *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

static void
json_double (GString *out,
             double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* JSON numbers have a decimal point whatever the locale. */
  g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, "%.4f", value));
}

static void
print_json (GVariant *entries)
{
  g_autoptr(GString) out = g_string_new ("[");
  gsize n = g_variant_n_children (entries);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (entries, i);
      g_autofree char *save_path = NULL;
      Entry e;

      entry_read (&e, child);
      /* JSON is UTF-8; a file name need not be. */
      save_path = g_filename_display_name (e.save_path);
      g_string_append (out, i == 0 ? "\n  {" : ",\n  {");
      g_string_append (out, "\n    \"name\": ");
      json_string (out, e.name);
      g_string_append_printf (out, ",\n    \"info_hash\": \"%s\"", e.info_hash);
      g_string_append (out, ",\n    \"state\": ");
      json_string (out, e.state);
      g_string_append (out, ",\n    \"progress\": ");
      json_double (out, e.progress);
      g_string_append_printf (out, ",\n    \"total_size\": %" G_GUINT64_FORMAT, e.total_size);
      g_string_append_printf (out, ",\n    \"wanted_size\": %" G_GUINT64_FORMAT, e.wanted_size);
      g_string_append_printf (out, ",\n    \"left\": %" G_GUINT64_FORMAT, e.left);
      g_string_append_printf (out, ",\n    \"downloaded\": %" G_GUINT64_FORMAT, e.downloaded);
      g_string_append_printf (out, ",\n    \"uploaded\": %" G_GUINT64_FORMAT, e.uploaded);
      g_string_append (out, ",\n    \"download_rate\": ");
      json_double (out, e.download_rate);
      g_string_append (out, ",\n    \"upload_rate\": ");
      json_double (out, e.upload_rate);
      g_string_append_printf (out, ",\n    \"peers\": %u", e.peers);
      g_string_append (out, ",\n    \"ratio\": ");
      json_double (out, e.ratio);
      g_string_append (out, ",\n    \"error\": ");
      json_string (out, e.error);
      g_string_append (out, ",\n    \"save_path\": ");
      json_string (out, save_path);
      g_string_append (out, "\n  }");
    }
  g_string_append (out, n > 0 ? "\n]\n" : "]\n");
  fputs (out->str, stdout);
}

static void
print_table (GVariant *entries)
{
  gsize n = g_variant_n_children (entries);

  if (n == 0)
    {
      printf ("No torrents.\n");
      return;
    }
  /* The first 8 digits of the hash are the id: the commands take any
   * prefix that names one torrent. */
  printf ("%-8s  %-11s  %6s  %10s  %10s  %10s  %5s  %5s  %s\n", "ID", "STATE", "DONE", "SIZE",
          "DOWN/s", "UP/s", "PEERS", "RATIO", "NAME");
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (entries, i);
      g_autofree char *size = NULL;
      g_autofree char *down = NULL;
      g_autofree char *up = NULL;
      Entry e;

      entry_read (&e, child);
      size = g_format_size (e.wanted_size);
      down = g_format_size ((guint64) e.download_rate);
      up = g_format_size ((guint64) e.upload_rate);
      /* The one long state name would push every column over. */
      printf ("%.8s  %-11s  %5.1f%%  %10s  %10s  %10s  %5u  %5.2f  %s\n", e.info_hash,
              strcmp (e.state, "fetching-metadata") == 0 ? "metadata" : e.state,
              e.progress * 100, size, down, up, e.peers, e.ratio, e.name);
      if (e.error[0] != '\0')
        printf ("%-8s  error: %s\n", "", e.error);
    }
}

int
bt_cli_list (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) entries = NULL;
  g_auto(Remote) remote = { 0 };
  g_auto(GStrv) rest = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries_options[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new ("— show the torrents of the running session");
  g_option_context_add_main_entries (context, entries_options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (rest != NULL && rest[0] != NULL)
    {
      bt_cli_error ("list takes no arguments");
      return 2;
    }

  if (!remote_connect (&remote, &error) || (reply = remote_list (&remote, &error)) == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  entries = g_variant_get_child_value (reply, 0);
  if (json)
    print_json (entries);
  else
    print_table (entries);
  return 0;
}

/* --- pause, resume, remove ------------------------------------------------- */

static gboolean
is_hex (const char *text)
{
  if (text[0] == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

/* Turns what the person typed (full hashes, unique prefixes, "all") into
 * full hashes, and their names for the confirmation. */
static gboolean
resolve (Remote      *remote,
         char       **args,
         gboolean     allow_all,
         GPtrArray  *hashes,
         GPtrArray  *names,
         GError     **error)
{
  g_autoptr(GVariant) reply = remote_list (remote, error);
  g_autoptr(GVariant) entries = NULL;
  gsize n;

  if (reply == NULL)
    return FALSE;
  entries = g_variant_get_child_value (reply, 0);
  n = g_variant_n_children (entries);

  for (guint a = 0; args[a] != NULL; a++)
    {
      g_autofree char *wanted = g_ascii_strdown (args[a], -1);
      gboolean all = allow_all && strcmp (args[a], "all") == 0;
      guint matches = 0;

      if (!all && !is_hex (wanted))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an info-hash (hexadecimal digits; see `btorrent-cli list`)%s",
                       args[a], allow_all ? " nor “all”" : "");
          return FALSE;
        }
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (entries, i);
          Entry e;

          entry_read (&e, child);
          if (!all && !g_str_has_prefix (e.info_hash, wanted))
            continue;
          matches++;
          if (!all && matches > 1)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "“%s” is the start of several torrents' info-hashes; give more digits",
                           args[a]);
              return FALSE;
            }
          if (!g_ptr_array_find_with_equal_func (hashes, e.info_hash, g_str_equal, NULL))
            {
              g_ptr_array_add (hashes, g_strdup (e.info_hash));
              g_ptr_array_add (names, g_strdup (e.name));
            }
        }
      if (matches == 0 && !all)
        {
          /* A full hash goes to the session anyway, which says so in its
           * own words; a prefix only we can judge. */
          if (strlen (wanted) == 40)
            {
              g_ptr_array_add (hashes, g_strdup (wanted));
              g_ptr_array_add (names, g_strdup (wanted));
            }
          else
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "No torrent in the session has an info-hash starting with %s", wanted);
              return FALSE;
            }
        }
    }
  return TRUE;
}

static int
run_on_hashes (int          argc,
               char       **argv,
               const char  *method,
               const char  *summary,
               const char  *done)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_auto(Remote) remote = { 0 };
  g_auto(GStrv) args = NULL;
  gboolean remove = strcmp (method, "Remove") == 0;
  gboolean delete_data = FALSE;
  GVariant *parameters;
  const GOptionEntry remove_options[] = {
    { "delete-data", 0, 0, G_OPTION_ARG_NONE, &delete_data,
      "Also delete the files it downloaded", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL },
    { NULL }
  };
  const GOptionEntry options[] = {
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new (summary);
  g_option_context_set_description (context,
                                    "A HASH is an info-hash, or its start as long as it names one "
                                    "torrent (`btorrent-cli list` shows the first 8 digits).");
  g_option_context_add_main_entries (context, remove ? remove_options : options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (args == NULL || args[0] == NULL)
    {
      bt_cli_error ("%s needs the info-hash of a torrent (see `btorrent-cli list`)%s", argv[0],
                    remove ? "" : ", or “all”");
      return 2;
    }

  if (!remote_connect (&remote, &error)
      || !resolve (&remote, args, !remove, hashes, names, &error))
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  if (hashes->len == 0)
    {
      printf ("No torrents.\n");
      return 0;
    }

  g_ptr_array_add (hashes, NULL);
  if (remove)
    parameters = g_variant_new ("(^asb)", (char **) hashes->pdata, delete_data);
  else
    parameters = g_variant_new ("(^as)", (char **) hashes->pdata);
  reply = remote_call (&remote, method, parameters, NULL, CALL_TIMEOUT_MS, &error);
  if (reply == NULL)
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  for (guint i = 0; i < names->len; i++)
    printf ("%s %s\n", done, (const char *) g_ptr_array_index (names, i));
  return 0;
}

int
bt_cli_pause (int    argc,
              char **argv)
{
  return run_on_hashes (argc, argv, "Pause", "HASH…|all — stop torrents of the running session",
                        "Paused");
}

int
bt_cli_resume (int    argc,
               char **argv)
{
  return run_on_hashes (argc, argv, "Resume", "HASH…|all — start paused torrents again",
                        "Resumed");
}

int
bt_cli_remove (int    argc,
               char **argv)
{
  return run_on_hashes (argc, argv, "Remove",
                        "HASH… — remove torrents from the running session", "Removed");
}

/* --- add ------------------------------------------------------------------ */

static gboolean
add_one (Remote      *remote,
         const char  *arg,
         const char  *save_path,
         gboolean     paused,
         GError     **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);
  g_autofree char *scheme = g_uri_parse_scheme (arg);
  const char *info_hash;
  gboolean existing;

  if (paused)
    g_variant_dict_insert (options, "paused", "b", TRUE);
  if (save_path != NULL)
    g_variant_dict_insert_value (options, "save-path", g_variant_new_bytestring (save_path));

  if (scheme == NULL || g_ascii_strcasecmp (scheme, "magnet") != 0)
    {
      /* We read the file: the session's process may see another working
       * folder, or none of ours at all from inside a sandbox. */
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (arg);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) local_error = NULL;

      bytes = g_file_load_bytes (file, NULL, NULL, &local_error);
      if (bytes == NULL)
        {
          g_set_error (error, local_error->domain, local_error->code, "%s: %s", arg,
                       local_error->message);
          return FALSE;
        }
      g_variant_dict_insert_value (options, "metainfo",
                                   g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes,
                                                             TRUE));
    }

  reply = remote_call (remote, "Add", g_variant_new ("(s@a{sv})", arg, g_variant_dict_end (options)),
                       G_VARIANT_TYPE ("(sb)"), CALL_TIMEOUT_MS, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(&sb)", &info_hash, &existing);
  printf ("%s %s\n", info_hash, existing ? "already there" : "added");
  return TRUE;
}

int
bt_cli_add (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Remote) remote = { 0 };
  g_auto(GStrv) args = NULL;
  g_autofree char *output = NULL;
  g_autofree char *save_path = NULL;
  gboolean paused = FALSE;
  int status = 0;
  const GOptionEntry options[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Folder to save into (default: the session's download folder)", "DIR" },
    { "paused", 0, 0, G_OPTION_ARG_NONE, &paused, "Add it stopped; `resume` starts it", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, NULL },
    { NULL }
  };

  context = g_option_context_new ("FILE.torrent|MAGNET… — add torrents to the running session");
  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (args == NULL || args[0] == NULL)
    {
      bt_cli_error ("add needs a .torrent file or a magnet link");
      return 2;
    }
  if (output != NULL)
    {
      g_autofree char *cwd = g_get_current_dir ();

      /* Relative to where the person typed it, not to the session. */
      save_path = g_canonicalize_filename (output, cwd);
      /* As `download -o` does; the session itself only takes folders that
       * exist, so that a typo never scatters data in a new place. */
      if (g_mkdir_with_parents (save_path, 0755) != 0)
        {
          int saved_errno = errno;

          bt_cli_error ("%s: cannot create the folder: %s", output, g_strerror (saved_errno));
          return 1;
        }
    }

  if (!remote_connect (&remote, &error))
    {
      bt_cli_error ("%s", error->message);
      return 1;
    }
  for (guint i = 0; args[i] != NULL; i++)
    if (!add_one (&remote, args[i], save_path, paused, &error))
      {
        gboolean lost = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);

        bt_cli_error ("%s", error->message);
        g_clear_error (&error);
        status = 1;
        /* A lost connection fails every one after it the same way. */
        if (lost)
          break;
      }
  return status;
}
