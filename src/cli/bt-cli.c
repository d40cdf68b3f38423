/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <string.h>

#include "bt-cli.h"

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *usage;
} Command;

static const Command commands[] = {
  { "info", bt_cli_info, "info FILE.torrent [--json]" },
  { "create", bt_cli_create,
    "create PATH -o OUT.torrent [-t URL]... [--private] [--piece-size N] [--comment TEXT]"
    " [--source TEXT] [-w URL]..." },
  { "download", bt_cli_download,
    "download FILE.torrent [-o DIR] [--port N] [--bind IP] [--max-peers N] [--seed]"
    " [--seed-ratio R] [--seed-idle MIN] [--upload-limit KIB] [--skip-file PATH]..."
    " [--peer IP:PORT]..." },
  { "seed", bt_cli_seed, "seed FILE.torrent [-d DIR] [--port N] [--bind IP] [--max-peers N]"
    " [--seed-ratio R] [--seed-idle MIN] [--upload-limit KIB]" },
  { "verify", bt_cli_verify, "verify FILE.torrent -d DIR" },
  { "daemon", bt_cli_daemon, "daemon [--port N]" },
  { "add", bt_cli_add, "add FILE.torrent|MAGNET... [--paused] [-o DIR]" },
  { "list", bt_cli_list, "list [--json]" },
  { "pause", bt_cli_pause, "pause HASH...|all" },
  { "resume", bt_cli_resume, "resume HASH...|all" },
  { "remove", bt_cli_remove, "remove HASH... [--delete-data]" },
};

void
bt_cli_error (const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  /* One line, always: scripts read the first line of stderr. */
  for (char *p = message; *p != '\0'; p++)
    if (*p == '\n')
      *p = ' ';
  fprintf (stderr, "btorrent-cli: %s\n", message);
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  btorrent-cli %s\n", commands[i].usage);
  fprintf (out, "\nRun “btorrent-cli COMMAND --help” for the options of a command.\n");
}

int
main (int    argc,
      char **argv)
{
#ifdef __GLIBC__
  /* Piece buffers (up to a few MiB) come and go by the thousand: keep them
   * in the heap for reuse instead of a fresh mmap each, which costs a page
   * fault per 4 KiB; what stays allocated is bounded by the engine's own
   * limits on pieces in flight. */
  mallopt (M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 64 * 1024 * 1024);
#endif
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("btorrent-cli");
  /* Standard output is for results scripts read; logs go to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2)
    {
      print_usage (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("btorrent-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  bt_cli_error ("unknown command “%s”; run “btorrent-cli --help” for the list", argv[1]);
  return 2;
}
