/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each subcommand takes its own argv (argv[0] is the subcommand) and
 * returns the process exit status. */
int  bt_cli_info    (int    argc,
                     char **argv);
int  bt_cli_create  (int    argc,
                     char **argv);
int  bt_cli_download (int    argc,
                      char **argv);
int  bt_cli_seed    (int    argc,
                     char **argv);
int  bt_cli_verify  (int    argc,
                     char **argv);

/* Session mode (bt-cli-daemon.c, bt-cli-remote.c). */
int  bt_cli_daemon  (int    argc,
                     char **argv);
int  bt_cli_add     (int    argc,
                     char **argv);
int  bt_cli_list    (int    argc,
                     char **argv);
int  bt_cli_pause   (int    argc,
                     char **argv);
int  bt_cli_resume  (int    argc,
                     char **argv);
int  bt_cli_remove  (int    argc,
                     char **argv);

/* Prints "btorrent-cli: MESSAGE" on one line on stderr. */
void bt_cli_error   (const char *format,
                     ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
