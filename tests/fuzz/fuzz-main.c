/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * The driver a fuzz target is linked with when it is not built for
 * libFuzzer: it feeds every file named on the command line, and every file
 * in every folder named there (recursively, in name order, skipping hidden
 * files), to LLVMFuzzerTestOneInput(). `meson test` runs it over the
 * committed corpus, so each input a fuzzer once crashed on stays a
 * regression test under any compiler.
 *
 * Usage: fuzz-NAME FILE-OR-FOLDER...
 */
#define G_LOG_DOMAIN "fuzz-main"

#include "config.h"

#include <string.h>

#include "fuzz.h"

static gboolean
run_file (const char *path,
          guint      *n_inputs)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("fuzz-main: %s\n", error->message);
      return FALSE;
    }

  /* Say which input runs before running it: if it crashes, this is the
   * last line of the log. */
  g_print ("input %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
  fflush (stdout);

  /* A copy of exactly @length bytes, so AddressSanitizer sees a read past
   * the end (g_file_get_contents() adds a NUL after the data). */
  {
    g_autofree guint8 *copy = g_memdup2 (contents, length);

    LLVMFuzzerTestOneInput (copy, length);
  }
  (*n_inputs)++;
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
run_path (const char *path,
          guint      *n_inputs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;
  gboolean ok = TRUE;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return run_file (path, n_inputs);

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      g_printerr ("fuzz-main: %s\n", error->message);
      return FALSE;
    }

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);

      ok &= run_path (child, n_inputs);
    }
  return ok;
}

int
main (int   argc,
      char *argv[])
{
  guint n_inputs = 0;
  gboolean ok = TRUE;

  if (argc < 2)
    {
      g_printerr ("Usage: %s FILE-OR-FOLDER...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    ok &= run_path (argv[i], &n_inputs);

  if (!ok)
    return 1;
  /* An empty corpus means a misplaced folder, not a passing test. */
  if (n_inputs == 0)
    {
      g_printerr ("fuzz-main: no input files found\n");
      return 1;
    }
  g_print ("%u inputs ran without a finding\n", n_inputs);
  return 0;
}
