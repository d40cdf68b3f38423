/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * What a user's desktop sees after `meson install`: the build is installed
 * once with `meson install --destdir` into a temporary folder, and the real
 * desktop tools look at the result with XDG_DATA_DIRS pointing into it and
 * every other XDG folder private to the test. The launch test needs a
 * display, so meson runs this program under xvfb-run.
 */
#define G_LOG_DOMAIN "bt-test-desktop"
#include "config.h"

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bt-test-util.h"

/* How long the app may take to start under Xvfb, answer and quit; generous
 * because a sanitizer build of a GTK app starts many times slower. */
#define APP_TIMEOUT_MS 90000

static struct
{
  char *tmpdir;     /* everything below is inside it */
  char *destdir;
  char *prefix;     /* destdir + the configured prefix */
  char *datadir;    /* prefix/share */
  char *home;       /* HOME and the private XDG folders */
  gboolean installed;
  gboolean caches_ready;
} inst;

/*
 * Auxiliary functions
 */

static const char *
app_id (void)
{
  const char *id = g_getenv ("BT_APP_ID");

  g_assert_nonnull (id);
  return id;
}

/* The environment of a desktop session whose only application is the one
 * we installed: system folders are left out, so no other torrent client on
 * the machine can answer for us. */
static char **
desktop_environ (void)
{
  char **env = g_get_environ ();
  g_autofree char *path = NULL;
  g_autofree char *data_home = g_build_filename (inst.home, ".local", "share", NULL);
  g_autofree char *config_home = g_build_filename (inst.home, ".config", NULL);
  g_autofree char *cache_home = g_build_filename (inst.home, ".cache", NULL);
  g_autofree char *config_dirs = g_build_filename (inst.home, "etc-xdg", NULL);
  g_autofree char *bindir = g_build_filename (inst.prefix, "bin", NULL);
  const char *system_path;
  static const char * const unset[] = {
    /* xdg-mime asks the running desktop's own tool when it knows which
     * desktop this is; the test wants the freedesktop.org lookup. */
    "XDG_CURRENT_DESKTOP", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION",
    "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID",
    "GSETTINGS_SCHEMA_DIR", "DBUS_SESSION_BUS_ADDRESS",
    "LANGUAGE", "LC_ALL", "LC_MESSAGES", "G_DEBUG",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (unset); i++)
    env = g_environ_unsetenv (env, unset[i]);

  system_path = g_environ_getenv (env, "PATH");
  path = g_strdup_printf ("%s:%s", bindir, system_path != NULL ? system_path : "/usr/bin:/bin");
  env = g_environ_setenv (env, "PATH", path, TRUE);
  env = g_environ_setenv (env, "HOME", inst.home, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_DIRS", inst.datadir, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", data_home, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config_home, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_DIRS", config_dirs, TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache_home, TRUE);
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  /* In a sanitizer build the installed tools and the app are sanitized
   * too. Leaks at exit are tests/app's business; here the full stacks
   * that leak suppressions need would only make the app crawl. */
  if (g_environ_getenv (env, "ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan = g_strconcat (g_environ_getenv (env, "ASAN_OPTIONS"),
                                           ":detect_leaks=0:fast_unwind_on_malloc=1", NULL);

      env = g_environ_setenv (env, "ASAN_OPTIONS", asan, TRUE);
    }
  /* The keyfile written by write_settings(): a launched app must not open
   * sockets beyond loopback. */
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
  return env;
}

/* Runs @argv in @env; returns the exit status, stdout and stderr. */
static int
run_in (char              **env,
        const char * const *argv,
        char              **out,
        char              **err)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, env,
                G_SPAWN_SEARCH_PATH | G_SPAWN_SEARCH_PATH_FROM_ENVP,
                NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

/* Runs @argv in @env and asserts that it succeeds; returns its stdout. */
static char *
run_ok (char              **env,
        const char * const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = run_in (env, argv, &out, &err);

  if (status != 0)
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **) argv);

      g_error ("'%s' exited with %d:\n%s%s", cmd, status, out, err);
    }
  return g_steal_pointer (&out);
}

static char *
installed_path (const char *first,
                ...) G_GNUC_NULL_TERMINATED;

static char *
installed_path (const char *first,
                ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, inst.prefix);
  g_ptr_array_add (parts, (gpointer) first);
  va_start (args, first);
  for (const char *p = va_arg (args, const char *); p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

/* `meson install --destdir`, once for all tests. Returns FALSE (after a
 * skip or failure) when it cannot run. */
static gboolean
ensure_installed (void)
{
  const char *meson = g_getenv ("BT_MESON");
  const char *build_root = g_getenv ("BT_BUILD_ROOT");
  const char *configured_prefix = g_getenv ("BT_PREFIX");

  if (inst.installed)
    return TRUE;

  g_assert_nonnull (build_root);
  g_assert_nonnull (configured_prefix);
  g_assert_true (g_path_is_absolute (configured_prefix));
  if (meson == NULL || !g_file_test (meson, G_FILE_TEST_IS_EXECUTABLE))
    {
      bt_test_skip_or_fail ("meson was not found to install the build");
      return FALSE;
    }

  inst.tmpdir = bt_test_make_tmpdir ();
  inst.destdir = g_build_filename (inst.tmpdir, "destdir", NULL);
  inst.prefix = g_build_filename (inst.destdir, configured_prefix, NULL);
  inst.datadir = g_build_filename (inst.prefix, "share", NULL);
  inst.home = g_build_filename (inst.tmpdir, "home", NULL);
  g_assert_cmpint (g_mkdir_with_parents (inst.home, 0700), ==, 0);

  {
    /* --no-rebuild: meson test has built everything, and a second ninja
     * in the same build folder would race the other tests' builds. */
    const char *argv[] = { meson, "install", "-C", build_root, "--destdir", inst.destdir,
                           "--no-rebuild", "--quiet", NULL };
    g_auto(GStrv) env = g_get_environ ();
    g_autofree char *out = NULL;

    env = g_environ_unsetenv (env, "DESTDIR");
    out = run_ok (env, argv);
  }

  inst.installed = TRUE;
  return TRUE;
}

static char *
app_file (const char *suffix)
{
  return g_strdup_printf ("%s%s", app_id (), suffix);
}

/* What gnome.post_install() does on a real install (meson skips it under
 * DESTDIR), plus a MIME database made by update-mime-database from the
 * system's shared-mime-info definitions, so the test sees no other app. */
static gboolean
ensure_caches (void)
{
  g_autofree char *update_desktop = NULL;
  g_autofree char *update_mime = NULL;
  g_autofree char *compile_schemas = NULL;
  g_autofree char *applications = NULL;
  g_autofree char *schemas = NULL;
  g_autofree char *mime_dir = NULL;
  g_autofree char *packages = NULL;
  g_autofree char *definitions = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  gsize length;

  if (inst.caches_ready)
    return TRUE;
  if (!ensure_installed ())
    return FALSE;

  update_desktop = bt_test_require_tool ("update-desktop-database");
  update_mime = bt_test_require_tool ("update-mime-database");
  compile_schemas = bt_test_require_tool ("glib-compile-schemas");
  if (update_desktop == NULL || update_mime == NULL || compile_schemas == NULL)
    return FALSE;

  definitions = g_strdup ("/usr/share/mime/packages/freedesktop.org.xml");
  if (!g_file_test (definitions, G_FILE_TEST_IS_REGULAR))
    {
      bt_test_skip_or_fail ("shared-mime-info is not installed (no freedesktop.org.xml)");
      return FALSE;
    }

  env = desktop_environ ();
  /* Writing the database fsyncs every file unless told not to; that alone
   * takes seconds on a busy disk. */
  env = g_environ_setenv (env, "PKGSYSTEM_ENABLE_FSYNC", "0", TRUE);

  applications = g_build_filename (inst.datadir, "applications", NULL);
  schemas = g_build_filename (inst.datadir, "glib-2.0", "schemas", NULL);
  g_free (run_ok (env, (const char *[]) { update_desktop, "-q", applications, NULL }));
  g_free (run_ok (env, (const char *[]) { compile_schemas, schemas, NULL }));

  mime_dir = g_build_filename (inst.home, ".local", "share", "mime", NULL);
  packages = g_build_filename (mime_dir, "packages", NULL);
  g_assert_cmpint (g_mkdir_with_parents (packages, 0755), ==, 0);
  g_file_get_contents (definitions, &contents, &length, &error);
  g_assert_no_error (error);
  copy = g_build_filename (packages, "freedesktop.org.xml", NULL);
  g_file_set_contents (copy, contents, length, &error);
  g_assert_no_error (error);
  g_free (run_ok (env, (const char *[]) { update_mime, mime_dir, NULL }));

  inst.caches_ready = TRUE;
  return TRUE;
}

/* The key file GSETTINGS_BACKEND=keyfile reads: a launched app adds
 * torrents paused, asks nothing, and stays off the DHT, LSD and PEX. */
static void
write_settings (void)
{
  g_autofree char *dir = g_build_filename (inst.home, ".config", "glib-2.0", "settings", NULL);
  g_autofree char *file = g_build_filename (dir, "keyfile", NULL);
  g_autofree char *downloads = g_build_filename (inst.home, "Downloads", NULL);
  g_autofree char *path = g_strdelimit (g_strdup (app_id ()), ".", '/');
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (downloads, 0700), ==, 0);
  contents = g_strdup_printf ("[%s]\n"
                              "download-folder='%s'\n"
                              "listen-port=0\n"
                              "start-paused=true\n"
                              "show-add-dialog=false\n"
                              "enable-dht=false\n"
                              "enable-pex=false\n"
                              "enable-lsd=false\n",
                              path, downloads);
  g_file_set_contents (file, contents, -1, &error);
  g_assert_no_error (error);
}

/* A small valid single-file torrent whose only tracker is a closed
 * loopback port. */
static char *
write_torrent (void)
{
  g_autofree char *path = g_build_filename (inst.tmpdir, "some file.torrent", NULL);
  g_autoptr(GString) t = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  const char *announce = "http://127.0.0.1:9/announce";
  guint8 pieces[20];

  for (gsize i = 0; i < sizeof pieces; i++)
    pieces[i] = (guint8) (i * 37 + 11);

  g_string_append_printf (t, "d8:announce%zu:%s4:infod"
                             "6:lengthi1000e4:name8:some.bin12:piece lengthi16384e6:pieces%zu:",
                          strlen (announce), announce, sizeof pieces);
  g_string_append_len (t, (const char *) pieces, sizeof pieces);
  g_string_append (t, "ee");
  g_file_set_contents (path, t->str, t->len, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&path);
}

/*
 * Tests
 */

static void
test_files (void)
{
  g_autofree char *desktop = app_file (".desktop");
  g_autofree char *metainfo = app_file (".metainfo.xml");
  g_autofree char *schema = app_file (".gschema.xml");
  g_autofree char *service = app_file (".service");
  g_autofree char *icon = app_file (".svg");
  g_autofree char *symbolic = app_file ("-symbolic.svg");

  if (!ensure_installed ())
    return;

  {
    char *expected[] = {
      installed_path ("bin", "btorrent", NULL),
      installed_path ("bin", "btorrent-cli", NULL),
      installed_path ("share", "applications", desktop, NULL),
      installed_path ("share", "metainfo", metainfo, NULL),
      installed_path ("share", "glib-2.0", "schemas", schema, NULL),
      installed_path ("share", "dbus-1", "services", service, NULL),
      installed_path ("share", "icons", "hicolor", "scalable", "apps", icon, NULL),
      installed_path ("share", "icons", "hicolor", "symbolic", "apps", symbolic, NULL),
      installed_path ("share", "locale", "de", "LC_MESSAGES", "btorrent.mo", NULL),
      installed_path ("share", "locale", "ru", "LC_MESSAGES", "btorrent.mo", NULL),
    };

    for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        if (!g_file_test (expected[i], G_FILE_TEST_IS_REGULAR))
          g_error ("meson install did not install %s", expected[i]);
        g_free (expected[i]);
      }
  }
}

static void
test_desktop_file_validate (void)
{
  g_autofree char *tool = bt_test_require_tool ("desktop-file-validate");
  g_autofree char *name = app_file (".desktop");
  g_autofree char *file = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  g_auto(GStrv) mime_types = NULL;
  g_autofree char *exec = NULL;
  int status;

  if (tool == NULL || !ensure_installed ())
    return;

  file = installed_path ("share", "applications", name, NULL);
  env = desktop_environ ();
  status = run_in (env, (const char *[]) { tool, file, NULL }, &out, &err);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpint (status, ==, 0);

  /* What the issue asks for, read back from the installed file. */
  g_key_file_load_from_file (keyfile, file, G_KEY_FILE_KEEP_TRANSLATIONS, &error);
  g_assert_no_error (error);
  exec = g_key_file_get_string (keyfile, "Desktop Entry", "Exec", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (exec, ==, "btorrent %U");
  g_assert_true (g_key_file_get_boolean (keyfile, "Desktop Entry", "DBusActivatable", &error));
  g_assert_no_error (error);
  mime_types = g_key_file_get_string_list (keyfile, "Desktop Entry", "MimeType", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) mime_types, "application/x-bittorrent"));
  g_assert_true (g_strv_contains ((const char * const *) mime_types, "x-scheme-handler/magnet"));

  /* Translated through po/: a missing merge would leave only English. */
  {
    g_autofree char *ru = g_key_file_get_locale_string (keyfile, "Desktop Entry", "Comment", "ru", NULL);
    g_autofree char *en = g_key_file_get_string (keyfile, "Desktop Entry", "Comment", NULL);

    g_assert_nonnull (ru);
    g_assert_cmpstr (ru, !=, en);
  }
}

typedef struct
{
  char *root;
  char *width;
  char *height;
  GHashTable *fills;  /* every fill= colour but "none" and gradients */
} SvgInfo;

static void
svg_start_element (GMarkupParseContext  *context,
                   const char           *element,
                   const char          **names,
                   const char          **values,
                   gpointer              user_data,
                   GError              **error)
{
  SvgInfo *info = user_data;

  if (info->root == NULL)
    {
      info->root = g_strdup (element);
      for (gsize i = 0; names[i] != NULL; i++)
        {
          if (g_str_equal (names[i], "width"))
            info->width = g_strdup (values[i]);
          else if (g_str_equal (names[i], "height"))
            info->height = g_strdup (values[i]);
        }
    }
  for (gsize i = 0; names[i] != NULL; i++)
    {
      if ((g_str_equal (names[i], "fill") || g_str_equal (names[i], "stroke"))
          && !g_str_equal (values[i], "none") && !g_str_has_prefix (values[i], "url("))
        g_hash_table_add (info->fills, g_ascii_strdown (values[i], -1));
    }
}

static void
svg_info_load (SvgInfo    *info,
               const char *path)
{
  static const GMarkupParser parser = { .start_element = svg_start_element };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  info->fills = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  /* Image loaders sniff the first bytes for "<svg"; a long comment before
   * the root element makes them reject the file. */
  g_assert_nonnull (g_strstr_len (contents, MIN (length, 256), "<svg"));
  context = g_markup_parse_context_new (&parser, G_MARKUP_IGNORE_QUALIFIED, info, NULL);
  g_markup_parse_context_parse (context, contents, length, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
}

static void
svg_info_clear (SvgInfo *info)
{
  g_clear_pointer (&info->root, g_free);
  g_clear_pointer (&info->width, g_free);
  g_clear_pointer (&info->height, g_free);
  g_clear_pointer (&info->fills, g_hash_table_unref);
}

/* The desktop file's Icon= names the installed icons: a full-colour SVG
 * at the 128 px design size and a symbolic one in a single colour on the
 * 16 px grid, which GTK recolours. */
static void
test_icons (void)
{
  g_autofree char *desktop_name = app_file (".desktop");
  g_autofree char *icon_name = app_file (".svg");
  g_autofree char *symbolic_name = app_file ("-symbolic.svg");
  g_autofree char *desktop = NULL;
  g_autofree char *icon = NULL;
  g_autofree char *symbolic = NULL;
  g_autofree char *icon_key = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  SvgInfo full = { 0 }, mono = { 0 };

  if (!ensure_installed ())
    return;

  desktop = installed_path ("share", "applications", desktop_name, NULL);
  g_key_file_load_from_file (keyfile, desktop, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  icon_key = g_key_file_get_string (keyfile, "Desktop Entry", "Icon", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (icon_key, ==, app_id ());

  icon = installed_path ("share", "icons", "hicolor", "scalable", "apps", icon_name, NULL);
  symbolic = installed_path ("share", "icons", "hicolor", "symbolic", "apps", symbolic_name, NULL);

  svg_info_load (&full, icon);
  g_assert_cmpstr (full.root, ==, "svg");
  g_assert_cmpstr (full.width, ==, "128");
  g_assert_cmpstr (full.height, ==, "128");
  g_assert_cmpuint (g_hash_table_size (full.fills), >, 1);

  svg_info_load (&mono, symbolic);
  g_assert_cmpstr (mono.root, ==, "svg");
  g_assert_cmpstr (mono.width, ==, "16");
  g_assert_cmpstr (mono.height, ==, "16");
  g_assert_cmpuint (g_hash_table_size (mono.fills), ==, 1);

  svg_info_clear (&full);
  svg_info_clear (&mono);
}

static void
test_appstream_validate (void)
{
  g_autofree char *tool = bt_test_require_tool ("appstreamcli");
  g_autofree char *name = app_file (".metainfo.xml");
  g_autofree char *file = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) env = NULL;
  int status;

  if (tool == NULL || !ensure_installed ())
    return;

  file = installed_path ("share", "metainfo", name, NULL);
  env = desktop_environ ();
  status = run_in (env, (const char *[]) { tool, "validate", "--no-net", "--no-color", file, NULL },
                   &out, &err);
  if (status != 0)
    g_error ("appstreamcli validate --no-net failed:\n%s%s", out, err);

  /* The installed file is the merged one: the German summary is there. */
  {
    g_autofree char *contents = NULL;
    g_autoptr(GError) error = NULL;

    g_file_get_contents (file, &contents, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (strstr (contents, "<summary xml:lang=\"de\">"));
    g_assert_nonnull (strstr (contents, "<mediatype>application/x-bittorrent</mediatype>"));
    g_assert_nonnull (strstr (contents, "https://"));
  }
}

static void
test_schemas (void)
{
  g_autofree char *tool = bt_test_require_tool ("glib-compile-schemas");
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) env = NULL;
  int status;

  if (tool == NULL || !ensure_installed ())
    return;

  dir = installed_path ("share", "glib-2.0", "schemas", NULL);
  env = desktop_environ ();
  status = run_in (env, (const char *[]) { tool, "--strict", "--dry-run", dir, NULL }, &out, &err);
  if (status != 0)
    g_error ("glib-compile-schemas --strict failed:\n%s%s", out, err);
}

/* The bus starts the binary from the service file, so its Exec must be the
 * installed binary, in the prefix the build was configured for. */
static void
test_dbus_service (void)
{
  g_autofree char *name = app_file (".service");
  g_autofree char *file = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *bus_name = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *binary = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (!ensure_installed ())
    return;

  file = installed_path ("share", "dbus-1", "services", name, NULL);
  g_key_file_load_from_file (keyfile, file, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  bus_name = g_key_file_get_string (keyfile, "D-BUS Service", "Name", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bus_name, ==, app_id ());

  exec = g_key_file_get_string (keyfile, "D-BUS Service", "Exec", &error);
  g_assert_no_error (error);
  expected = g_build_filename (g_getenv ("BT_PREFIX"), "bin", "btorrent", NULL);
  g_assert_true (g_str_has_prefix (exec, expected));
  g_assert_cmpstr (exec + strlen (expected), ==, " --gapplication-service");

  binary = installed_path ("bin", "btorrent", NULL);
  g_assert_true (g_file_test (binary, G_FILE_TEST_IS_EXECUTABLE));
}

static void
test_mime_default (void)
{
  g_autofree char *xdg_mime = bt_test_require_tool ("xdg-mime");
  g_autofree char *desktop = app_file (".desktop\n");
  static const char * const types[] = { "application/x-bittorrent", "x-scheme-handler/magnet" };
  g_auto(GStrv) env = NULL;

  if (xdg_mime == NULL || !ensure_caches ())
    return;

  env = desktop_environ ();
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *out = run_ok (env, (const char *[]) { xdg_mime, "query", "default", types[i], NULL });

      g_test_message ("xdg-mime query default %s: %s", types[i], out);
      g_assert_cmpstr (out, ==, desktop);
    }

  /* And the type a .torrent file gets from the MIME database built above,
   * the other half of a double-click. */
  {
    g_autofree char *torrent = write_torrent ();
    g_autofree char *out = run_ok (env, (const char *[]) { "gio", "info", "-a", "standard::content-type",
                                                           torrent, NULL });
    g_autofree char *info = NULL;

    g_assert_nonnull (strstr (out, "standard::content-type: application/x-bittorrent"));
    /* The installed CLI, found first in PATH, reads it: the file the launch
     * test opens is a real torrent. */
    info = run_ok (env, (const char *[]) { "btorrent-cli", "info", torrent, NULL });
    g_assert_nonnull (strstr (info, "some.bin"));
  }
}

/* A private session bus whose only service folder holds the installed
 * service file, with Exec moved into the destdir (the only change). */
typedef struct
{
  GSubprocess *daemon;
  char        *address;
  char        *stdout_path;  /* the activated app's stdout goes here too */
  char        *stderr_path;
} PrivateBus;

static void
private_bus_start (PrivateBus *bus,
                   char      **env)
{
  g_autofree char *name = app_file (".service");
  g_autofree char *installed = installed_path ("share", "dbus-1", "services", name, NULL);
  g_autofree char *service_dir = g_build_filename (inst.tmpdir, "bus-services", NULL);
  g_autofree char *service = g_build_filename (service_dir, name, NULL);
  g_autofree char *config = g_build_filename (inst.tmpdir, "bus.conf", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *old_exec = NULL;
  g_autofree char *new_exec = NULL;
  g_autofree char *config_text = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GInputStream) pipe_in = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = NULL;
  int fds[2];

  g_file_get_contents (installed, &contents, NULL, &error);
  g_assert_no_error (error);
  old_exec = g_strdup_printf ("Exec=%s/", g_getenv ("BT_PREFIX"));
  new_exec = g_strdup_printf ("Exec=%s/", inst.prefix);
  g_assert_nonnull (strstr (contents, old_exec));
  parts = g_strsplit (contents, old_exec, 2);
  g_free (contents);
  contents = g_strjoinv (new_exec, parts);
  g_assert_cmpint (g_mkdir_with_parents (service_dir, 0700), ==, 0);
  g_file_set_contents (service, contents, -1, &error);
  g_assert_no_error (error);

  config_text = g_markup_printf_escaped ("<busconfig>\n"
                                         "  <type>session</type>\n"
                                         "  <listen>unix:dir=%s</listen>\n"
                                         "  <servicedir>%s</servicedir>\n"
                                         "  <policy context=\"default\">\n"
                                         "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                                         "    <allow eavesdrop=\"true\"/>\n"
                                         "    <allow own=\"*\"/>\n"
                                         "  </policy>\n"
                                         "</busconfig>\n",
                                         inst.tmpdir, service_dir);
  g_file_set_contents (config, config_text, -1, &error);
  g_assert_no_error (error);

  bus->stdout_path = g_build_filename (inst.tmpdir, "bus.out", NULL);
  bus->stderr_path = g_build_filename (inst.tmpdir, "bus.err", NULL);

  g_assert_true (g_unix_open_pipe (fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_stdout_file_path (launcher, bus->stdout_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, bus->stderr_path);
  g_subprocess_launcher_take_fd (launcher, fds[1], 3);
  bt_test_launcher_tie_to_parent (launcher);
  bus->daemon = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--nofork",
                                             "--print-address=3", "--config-file", config, NULL);
  g_assert_no_error (error);
  /* Only the child holds the write end now, so the read below ends at
   * its first line or when it dies. */
  g_clear_object (&launcher);

  pipe_in = g_unix_input_stream_new (fds[0], TRUE);
  lines = g_data_input_stream_new (pipe_in);
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL)
    {
      g_autofree char *err = NULL;

      g_file_get_contents (bus->stderr_path, &err, NULL, NULL);
      g_error ("dbus-daemon did not start: %s", err);
    }
  bus->address = g_steal_pointer (&line);
}

static void
private_bus_stop (PrivateBus *bus)
{
  if (bus->daemon != NULL)
    bt_test_stop_process (bus->daemon, "dbus-daemon", 2000);
  g_clear_object (&bus->daemon);
  g_clear_pointer (&bus->address, g_free);
  g_clear_pointer (&bus->stdout_path, g_free);
  g_clear_pointer (&bus->stderr_path, g_free);
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Quits the app through its own app.quit action, as the desktop would, and
 * waits until it has left the bus. Returns whether it did. */
static gboolean
quit_app (GDBusConnection *connection)
{
  g_autofree char *path = g_strdup_printf ("/%s", app_id ());
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean vanished = FALSE;
  gboolean timed_out = FALSE;
  guint watch, timeout;

  g_strdelimit (path, ".", '/');
  reply = g_dbus_connection_call_sync (connection, app_id (), path,
                                       "org.freedesktop.Application", "ActivateAction",
                                       g_variant_new ("(sava{sv})", "quit", NULL, NULL),
                                       NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, APP_TIMEOUT_MS,
                                       NULL, &error);
  g_assert_no_error (error);

  watch = g_bus_watch_name_on_connection (connection, app_id (), G_BUS_NAME_WATCHER_FLAGS_NONE,
                                          NULL, name_vanished_cb, &vanished, NULL);
  timeout = g_timeout_add (APP_TIMEOUT_MS, timeout_cb, &timed_out);
  while (!vanished && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_bus_unwatch_name (watch);
  if (!timed_out)
    g_source_remove (timeout);
  return vanished;
}

static void
test_gio_open (void)
{
  g_autofree char *gio = bt_test_require_tool ("gio");
  g_autofree char *dbus_daemon = bt_test_require_tool ("dbus-daemon");
  g_autofree char *torrent = NULL;
  g_autofree char *torrent_uri = NULL;
  g_autofree char *app_log = NULL;
  g_autofree char *bus_log = NULL;
  g_autofree char *owner = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  PrivateBus bus = { 0 };
  const char *magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=test";

  if (gio == NULL || dbus_daemon == NULL || !ensure_caches ())
    return;
  if (g_getenv ("DISPLAY") == NULL)
    {
      bt_test_skip_or_fail ("no display: run under xvfb-run");
      return;
    }

  write_settings ();
  torrent = write_torrent ();
  torrent_uri = g_filename_to_uri (torrent, NULL, &error);
  g_assert_no_error (error);

  /* The bus hands its environment to what it activates: this is the app's
   * environment too. G_MESSAGES_DEBUG=bt-app makes main.c log each file
   * it is asked to open. */
  env = desktop_environ ();
  env = g_environ_setenv (env, "G_MESSAGES_DEBUG", "bt-app", TRUE);
  env = g_environ_setenv (env, "GDK_BACKEND", "x11", TRUE);
  env = g_environ_setenv (env, "NO_AT_BRIDGE", "1", TRUE);
  env = g_environ_setenv (env, "GTK_A11Y", "none", TRUE);
  private_bus_start (&bus, env);
  env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", bus.address, TRUE);

  connection = g_dbus_connection_new_for_address_sync (bus.address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                       | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);

  /* With DBusActivatable=true and a session bus, gio does not run Exec: it
   * calls org.freedesktop.Application.Open on the app id, and the bus
   * starts the binary from the service file. */
  for (gsize i = 0; i < 2; i++)
    {
      const char *target = i == 0 ? torrent : magnet;
      gint64 start = g_get_monotonic_time ();

      g_free (run_ok (env, (const char *[]) { gio, "open", target, NULL }));
      g_test_message ("gio open %s: %" G_GINT64_FORMAT " ms", target,
                      (g_get_monotonic_time () - start) / 1000);
    }

  {
    g_autoptr(GVariant) reply = NULL;

    reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "GetNameOwner",
                                         g_variant_new ("(s)", app_id ()), G_VARIANT_TYPE ("(s)"),
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    g_assert_no_error (error);
    g_variant_get (reply, "(s)", &owner);
    g_test_message ("%s is owned by %s", app_id (), owner);
  }

  /* The app handles messages in order: once it has quit, both opens were
   * handled and logged. */
  g_assert_true (quit_app (connection));

  g_file_get_contents (bus.stdout_path, &app_log, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (bus.stderr_path, &bus_log, NULL, NULL);
  g_test_message ("app output:\n%s\nbus output:\n%s", app_log, bus_log);

  if (strstr (app_log, torrent_uri) == NULL)
    g_error ("the app never logged %s; output:\n%s\nbus:\n%s", torrent_uri, app_log, bus_log);
  if (strstr (app_log, magnet) == NULL)
    g_error ("the app never logged %s; output:\n%s\nbus:\n%s", magnet, app_log, bus_log);

  g_dbus_connection_close_sync (connection, NULL, NULL);
  private_bus_stop (&bus);
}

/* The processes running @binary, found by /proc/PID/exe: the app that gio
 * spawned is not our child, but its binary lives in our temporary prefix,
 * so nothing else on the machine can match. */
static GArray *
find_processes (const char *binary)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  const char *name;

  if (proc == NULL)
    return pids;
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *exe_link = NULL;
      g_autofree char *exe = NULL;
      GPid pid;

      if (!g_ascii_isdigit (name[0]))
        continue;
      exe_link = g_build_filename ("/proc", name, "exe", NULL);
      exe = g_file_read_link (exe_link, NULL);
      if (g_strcmp0 (exe, binary) != 0)
        continue;
      pid = (GPid) g_ascii_strtoll (name, NULL, 10);
      g_array_append_val (pids, pid);
    }
  return pids;
}

/* Polls @path until it contains @needle or @timeout_ms pass: the app
 * writes its log on its own schedule, and a file has no change signal
 * that is simpler than this. */
static gboolean
wait_for_text (const char *path,
               const char *needle,
               guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  do
    {
      g_autofree char *contents = NULL;

      if (g_file_get_contents (path, &contents, NULL, NULL) && strstr (contents, needle) != NULL)
        return TRUE;
      g_usleep (50 * 1000);
    }
  while (g_get_monotonic_time () < deadline);
  return FALSE;
}

/* Without a session bus, DBusActivatable cannot be used: gio runs the
 * desktop file's Exec= (`btorrent %U`, found in PATH) with the file. */
static void
test_gio_open_without_bus (void)
{
  g_autofree char *gio = bt_test_require_tool ("gio");
  g_autofree char *binary = NULL;
  g_autofree char *torrent = NULL;
  g_autofree char *torrent_uri = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) gio_process = NULL;
  g_autoptr(GArray) pids = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  gboolean logged;

  if (gio == NULL || !ensure_caches ())
    return;
  if (g_getenv ("DISPLAY") == NULL)
    {
      bt_test_skip_or_fail ("no display: run under xvfb-run");
      return;
    }

  write_settings ();
  binary = installed_path ("bin", "btorrent", NULL);
  torrent = write_torrent ();
  torrent_uri = g_filename_to_uri (torrent, NULL, &error);
  g_assert_no_error (error);
  log_path = g_build_filename (inst.tmpdir, "no-bus.out", NULL);

  env = desktop_environ ();
  env = g_environ_setenv (env, "G_MESSAGES_DEBUG", "bt-app", TRUE);
  env = g_environ_setenv (env, "GDK_BACKEND", "x11", TRUE);
  env = g_environ_setenv (env, "NO_AT_BRIDGE", "1", TRUE);
  env = g_environ_setenv (env, "GTK_A11Y", "none", TRUE);
  /* A bus address that cannot connect: GLib neither finds a bus nor
   * starts one (it would through X11 autolaunch if the variable were
   * unset). */
  env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/btorrent-test-bus", TRUE);

  /* The app inherits gio's stdout and outlives it: a file, not a pipe
   * that would stay open. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_environ (launcher, env);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, "/dev/null");
  gio_process = g_subprocess_launcher_spawn (launcher, &error, gio, "open", torrent, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (gio_process, NULL, &error);
  g_assert_no_error (error);

  logged = wait_for_text (log_path, torrent_uri, APP_TIMEOUT_MS);

  /* Whatever happened, end the app we caused to run. */
  pids = find_processes (binary);
  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, GPid, i), SIGTERM);
  for (guint i = 0; i < pids->len; i++)
    {
      GPid pid = g_array_index (pids, GPid, i);
      gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      while (kill (pid, 0) == 0 && g_get_monotonic_time () < deadline)
        g_usleep (20 * 1000);
      if (kill (pid, 0) == 0)
        kill (pid, SIGKILL);
    }

  g_file_get_contents (log_path, &log, NULL, NULL);
  g_test_message ("app output without a bus:\n%s", log);
  if (!logged)
    g_error ("gio open without a bus did not run %s with %s; output:\n%s", binary, torrent_uri, log);
  g_assert_cmpuint (pids->len, ==, 1);
}

/* `btorrent --help` in English, Russian and German. The translated lines
 * are looked up with gettext(1) in the installed catalogues rather than
 * written here, so the test follows the translations. */
static void
test_translations (void)
{
  g_autofree char *gettext = bt_test_require_tool ("gettext");
  g_autofree char *binary = NULL;
  g_autofree char *english = NULL;
  g_autofree char *localedir = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) env = NULL;
  const char *summary = NULL;
  static const char * const languages[] = { "ru", "de" };

  if (gettext == NULL || !ensure_installed ())
    return;

  binary = installed_path ("bin", "btorrent", NULL);
  localedir = installed_path ("share", "locale", NULL);
  env = desktop_environ ();
  english = run_ok (env, (const char *[]) { binary, "--help", NULL });

  /* Usage:, the usage line, an empty line, then our summary. */
  lines = g_strsplit (english, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 4);
  g_assert_cmpstr (lines[2], ==, "");
  summary = lines[3];
  g_assert_cmpstr (summary, !=, "");

  for (gsize i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      g_auto(GStrv) lang_env = g_environ_setenv (g_strdupv (env), "LANGUAGE", languages[i], TRUE);
      g_auto(GStrv) lookup_env = g_environ_setenv (g_strdupv (lang_env), "TEXTDOMAINDIR", localedir, TRUE);
      g_autofree char *translated = run_ok (lookup_env, (const char *[]) { gettext, "-d", "btorrent",
                                                                           summary, NULL });
      g_autofree char *help = run_ok (lang_env, (const char *[]) { binary, "--help", NULL });

      g_test_message ("LANGUAGE=%s btorrent --help:\n%s", languages[i], help);
      if (g_strcmp0 (translated, summary) == 0)
        g_error ("no %s translation of \"%s\" in %s", languages[i], summary, localedir);
      if (strstr (help, translated) == NULL)
        g_error ("LANGUAGE=%s btorrent --help does not show \"%s\":\n%s", languages[i], translated, help);
      g_assert_null (strstr (help, summary));
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/desktop/install/files", test_files);
  g_test_add_func ("/desktop/install/desktop-file-validate", test_desktop_file_validate);
  g_test_add_func ("/desktop/install/appstream-validate", test_appstream_validate);
  g_test_add_func ("/desktop/install/icons", test_icons);
  g_test_add_func ("/desktop/install/schemas-strict", test_schemas);
  g_test_add_func ("/desktop/install/dbus-service", test_dbus_service);
  g_test_add_func ("/desktop/install/mime-default", test_mime_default);
  g_test_add_func ("/desktop/install/gio-open", test_gio_open);
  g_test_add_func ("/desktop/install/gio-open-without-bus", test_gio_open_without_bus);
  g_test_add_func ("/desktop/install/translations", test_translations);

  status = g_test_run ();

  if (inst.tmpdir != NULL)
    bt_test_remove_tree (inst.tmpdir);
  g_free (inst.tmpdir);
  g_free (inst.destdir);
  g_free (inst.prefix);
  g_free (inst.datadir);
  g_free (inst.home);
  return status;
}
