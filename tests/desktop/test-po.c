/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The translations are whole: po/POTFILES.in names every file with a
 * translatable string, and every language in po/LINGUAS translates every
 * string the sources have today (not just the ones its .po file knows).
 */
#define G_LOG_DOMAIN "bt-test-po"
#include "config.h"

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <string.h>

#include "bt-test-util.h"

/* Folders whose files can carry translatable strings; the build folders
 * and tests are not translated. */
static const char * const source_dirs[] = { "src", "ui", "data" };

/* Keywords as meson's i18n.gettext(preset: 'glib') passes them, plus the
 * printf flags that let msgfmt --check compare format strings. */
static const char * const xgettext_args[] = {
  "--from-code=UTF-8", "--add-comments",
  "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
  "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
  "--keyword=ngettext:1,2",
  "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
  "--flag=g_dngettext:2:pass-c-format", "--flag=ngettext:1:c-format",
  "--flag=g_strdup_printf:1:c-format", "--flag=g_string_printf:2:c-format",
  "--flag=g_string_append_printf:2:c-format", "--flag=g_error_new:3:c-format",
  "--flag=g_set_error:4:c-format", "--flag=g_markup_printf_escaped:1:c-format",
  "--flag=g_printerr:1:c-format", "--flag=g_print:1:c-format",
  "--flag=g_snprintf:3:c-format",
};

static const char *
source_root (void)
{
  const char *root = g_getenv ("BT_SOURCE_ROOT");

  g_assert_nonnull (root);
  return root;
}

static char *
read_source_file (const char *relative)
{
  g_autofree char *path = g_build_filename (source_root (), relative, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* The non-comment lines of a po/ list file (POTFILES.in, LINGUAS). */
static GPtrArray *
read_list (const char *relative)
{
  g_autofree char *contents = read_source_file (relative);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  GPtrArray *list = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line != '\0' && *line != '#')
        g_ptr_array_add (list, g_strdup (line));
    }
  return list;
}

static gboolean
list_contains (GPtrArray  *list,
               const char *item)
{
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (g_ptr_array_index (list, i), item) == 0)
      return TRUE;
  return FALSE;
}

/* Whether @relative holds a string xgettext would extract. */
static gboolean
has_translatable_strings (const char *relative,
                          GRegex     *c_call)
{
  g_autofree char *contents = NULL;

  /* These formats are translated through gettext's ITS rules as a whole. */
  if (g_str_has_suffix (relative, ".desktop.in")
      || g_str_has_suffix (relative, ".metainfo.xml.in")
      || g_str_has_suffix (relative, ".gschema.xml"))
    return TRUE;

  if (g_str_has_suffix (relative, ".ui"))
    {
      contents = read_source_file (relative);
      return strstr (contents, "translatable=\"yes\"") != NULL;
    }

  if (g_str_has_suffix (relative, ".c") || g_str_has_suffix (relative, ".h"))
    {
      contents = read_source_file (relative);
      return g_regex_match (c_call, contents, 0, NULL);
    }

  return FALSE;
}

static void
collect_files (const char *relative_dir,
               GPtrArray  *out)
{
  g_autofree char *dir_path = g_build_filename (source_root (), relative_dir, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *relative = g_strconcat (relative_dir, "/", name, NULL);
      g_autofree char *path = g_build_filename (source_root (), relative, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_files (relative, out);
      else
        g_ptr_array_add (out, g_steal_pointer (&relative));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The msgid lines of msgattrib's output, without the header entry. */
static char *
msgid_lines (const char *po_text)
{
  g_auto(GStrv) lines = g_strsplit (po_text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      if (g_str_equal (lines[i], "msgid \"\""))
        continue;
      if (g_str_has_prefix (lines[i], "msgid ") || g_str_has_prefix (lines[i], "msgctxt ")
          || g_str_has_prefix (lines[i], "msgid_plural "))
        g_string_append_printf (out, "  %s\n", lines[i]);
    }
  return g_string_free (out, FALSE);
}

static void
test_potfiles_complete (void)
{
  g_autoptr(GPtrArray) potfiles = read_list ("po/POTFILES.in");
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autoptr(GRegex) c_call = NULL;
  g_autoptr(GError) error = NULL;
  guint with_strings = 0;

  /* _("…"), N_ ("…"), C_ ("ctx", "…"), ngettext ("…", …): a marker call
   * whose first argument is a string literal. */
  c_call = g_regex_new ("(^|[^A-Za-z0-9_])(_|N_|C_|NC_|Q_|ngettext|g_dngettext|g_dpgettext2)"
                        "\\s*\\(\\s*\"", G_REGEX_MULTILINE, 0, &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (source_dirs); i++)
    collect_files (source_dirs[i], files);
  g_assert_cmpuint (files->len, >, 0);
  g_ptr_array_sort (files, compare_strings);

  for (guint i = 0; i < files->len; i++)
    {
      const char *file = g_ptr_array_index (files, i);

      if (!has_translatable_strings (file, c_call))
        continue;
      with_strings++;
      if (!list_contains (potfiles, file))
        g_string_append_printf (missing, "  %s\n", file);
    }

  /* The app's window and its main.c have strings: finding none means the
   * scan is broken, not that the list is complete. */
  g_assert_cmpuint (with_strings, >=, 4);

  if (missing->len > 0)
    g_error ("files with translatable strings are missing from po/POTFILES.in "
             "(add them, sorted):\n%s", missing->str);
}

static void
test_potfiles_exist (void)
{
  g_autoptr(GPtrArray) potfiles = read_list ("po/POTFILES.in");

  g_assert_cmpuint (potfiles->len, >, 0);
  for (guint i = 0; i < potfiles->len; i++)
    {
      g_autofree char *path = g_build_filename (source_root (), g_ptr_array_index (potfiles, i), NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_error ("po/POTFILES.in names %s, which does not exist",
                 (const char *) g_ptr_array_index (potfiles, i));
    }
}

/* LINGUAS and the .po files in po/ name the same languages, and Russian
 * and German are among them. */
static void
test_linguas (void)
{
  g_autoptr(GPtrArray) linguas = read_list ("po/LINGUAS");
  g_autofree char *po_dir = g_build_filename (source_root (), "po", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint po_files = 0;

  g_assert_true (list_contains (linguas, "ru"));
  g_assert_true (list_contains (linguas, "de"));

  dir = g_dir_open (po_dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *lang = NULL;

      if (!g_str_has_suffix (name, ".po"))
        continue;
      po_files++;
      lang = g_strndup (name, strlen (name) - 3);
      if (!list_contains (linguas, lang))
        g_error ("po/%s is not listed in po/LINGUAS", name);
    }
  for (guint i = 0; i < linguas->len; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.po", (const char *) g_ptr_array_index (linguas, i));
      g_autofree char *path = g_build_filename (po_dir, file, NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_error ("po/LINGUAS lists %s but po/%s does not exist",
                 (const char *) g_ptr_array_index (linguas, i), file);
    }
  g_assert_cmpuint (po_files, ==, linguas->len);
}

/* Every msgid the sources have now is translated, not fuzzy, and keeps its
 * printf arguments: the .po file is merged with a template extracted
 * afresh, so a string added to the code without a translation fails here. */
static void
test_translations_complete (void)
{
  g_autofree char *xgettext = bt_test_require_tool ("xgettext");
  g_autofree char *msgmerge = bt_test_require_tool ("msgmerge");
  g_autofree char *msgfmt = bt_test_require_tool ("msgfmt");
  g_autofree char *msgattrib = bt_test_require_tool ("msgattrib");
  g_autoptr(GPtrArray) linguas = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *pot = NULL;
  g_autofree char *potfiles = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);

  if (xgettext == NULL || msgmerge == NULL || msgfmt == NULL || msgattrib == NULL)
    return;

  tmpdir = bt_test_make_tmpdir ();
  pot = g_build_filename (tmpdir, "btorrent.pot", NULL);
  potfiles = g_build_filename (source_root (), "po", "POTFILES.in", NULL);

  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, xgettext);
  for (gsize i = 0; i < G_N_ELEMENTS (xgettext_args); i++)
    g_ptr_array_add (argv, (gpointer) xgettext_args[i]);
  g_ptr_array_add (argv, (gpointer) "--directory");
  g_ptr_array_add (argv, (gpointer) source_root ());
  g_ptr_array_add (argv, (gpointer) "--files-from");
  g_ptr_array_add (argv, potfiles);
  g_ptr_array_add (argv, (gpointer) "--output");
  g_ptr_array_add (argv, pot);
  g_ptr_array_add (argv, NULL);
  out = bt_test_run_tool ((const char * const *) argv->pdata);

  linguas = read_list ("po/LINGUAS");
  g_assert_cmpuint (linguas->len, >, 0);
  for (guint i = 0; i < linguas->len; i++)
    {
      const char *lang = g_ptr_array_index (linguas, i);
      g_autofree char *po_name = g_strdup_printf ("%s.po", lang);
      g_autofree char *po = g_build_filename (source_root (), "po", po_name, NULL);
      g_autofree char *merged = g_build_filename (tmpdir, po_name, NULL);
      g_autofree char *stats = NULL;
      g_autofree char *merge_out = NULL;
      g_autofree char *untranslated = NULL;
      g_autofree char *fuzzy = NULL;
      g_autofree char *committed_stats = NULL;
      int status;

      /* The .po file as committed: valid, formats consistent, no fuzzy. */
      status = bt_test_spawn_sync ((const char *[]) { msgfmt, "--check", "--statistics",
                                                      "--output-file=/dev/null", po, NULL },
                                   NULL, &committed_stats);
      if (status != 0)
        g_string_append_printf (problems, "po/%s does not compile:\n%s\n", po_name, committed_stats);

      merge_out = bt_test_run_tool ((const char *[]) { msgmerge, "--quiet", "--no-fuzzy-matching",
                                                       "--output-file", merged, po, pot, NULL });

      status = bt_test_spawn_sync ((const char *[]) { msgfmt, "--check", "--statistics",
                                                      "--output-file=/dev/null", merged, NULL },
                                   NULL, &stats);
      g_test_message ("%s: %s", lang, stats);
      if (status != 0)
        g_string_append_printf (problems, "po/%s fails msgfmt --check:\n%s\n", po_name, stats);

      untranslated = bt_test_run_tool ((const char *[]) { msgattrib, "--untranslated", "--no-obsolete",
                                                          "--no-wrap", merged, NULL });
      fuzzy = bt_test_run_tool ((const char *[]) { msgattrib, "--only-fuzzy", "--no-obsolete",
                                                   "--no-wrap", merged, NULL });
      /* msgattrib prints the header entry with whatever it selects. */
      if (strstr (untranslated, "\n#:") != NULL)
        {
          g_autofree char *ids = msgid_lines (untranslated);

          g_string_append_printf (problems, "po/%s lacks translations for:\n%s", po_name, ids);
        }
      if (strstr (fuzzy, "\n#:") != NULL)
        {
          g_autofree char *ids = msgid_lines (fuzzy);

          g_string_append_printf (problems, "po/%s has fuzzy translations for:\n%s", po_name, ids);
        }
      if (strstr (stats, "untranslated") != NULL || strstr (stats, "fuzzy") != NULL)
        g_string_append_printf (problems, "po/%s: %s", po_name, stats);
    }

  bt_test_remove_tree (tmpdir);

  if (problems->len > 0)
    g_error ("translations are incomplete; run `meson compile -C BUILD btorrent-update-po` "
             "and translate what it adds:\n%s", problems->str);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/desktop/po/potfiles-complete", test_potfiles_complete);
  g_test_add_func ("/desktop/po/potfiles-exist", test_potfiles_exist);
  g_test_add_func ("/desktop/po/linguas", test_linguas);
  g_test_add_func ("/desktop/po/translations-complete", test_translations_complete);

  return g_test_run ();
}
