/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * Helpers shared by the test programs: temporary folders, external tools,
 * and skips that count as failures in CI.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Skips the current test with @reason, or fails it when CI=true, where
 * every tool the suite needs is installed and a skip hides a regression. */
void      bt_test_skip_or_fail      (const char  *reason);

/* Returns the full path of @tool in PATH, or NULL after calling
 * bt_test_skip_or_fail(). */
char     *bt_test_require_tool      (const char  *tool);

/* A fresh folder under the system temporary folder; removed with its
 * contents by bt_test_remove_tree(). */
char     *bt_test_make_tmpdir       (void);
void      bt_test_remove_tree       (const char  *path);

/* Writes @length pseudo-random bytes (seeded by @seed, so reproducible) to
 * @path, creating parent folders. */
void      bt_test_write_random_file (const char  *path,
                                     gsize        length,
                                     guint32      seed);

/* Runs @argv (NULL-terminated) to completion; asserts that it exits 0 and
 * returns its standard output. */
char     *bt_test_run_tool          (const char * const *argv);

/* Runs @argv; returns its exit status and stores stdout/stderr. */
int       bt_test_spawn_sync        (const char * const *argv,
                                     char              **out_stdout,
                                     char              **out_stderr);

/* Makes every process @launcher spawns die with the test program, so an
 * assertion that aborts a test leaves no client running. */
void      bt_test_launcher_tie_to_parent (GSubprocessLauncher *launcher);

/* Waits up to @timeout_ms (0: not at all) for @process to exit, on a private
 * main context; returns whether it has. */
gboolean  bt_test_wait_for_exit     (GSubprocess *process,
                                     guint        timeout_ms);

/* SIGTERM, then SIGKILL after @grace_ms; aborts if even that fails.
 * Returns whether @process exited on its own (already, or on SIGTERM). */
gboolean  bt_test_stop_process      (GSubprocess *process,
                                     const char  *name,
                                     guint        grace_ms);

/* The path of a file in the source tree's tests/ folder, for fixtures. */
char     *bt_test_source_path       (const char  *first_element,
                                     ...) G_GNUC_NULL_TERMINATED;

/* A TCP socket bound to a free port of 127.0.0.1 and not listening: while
 * it lives, connections to @out_port are refused at once, and nobody else
 * can take the port. For a "dead tracker" URL. */
GSocket  *bt_test_bind_refusing_port (guint16     *out_port);

G_END_DECLS
