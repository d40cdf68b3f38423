/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 *
 * What every fuzz target shares: the libFuzzer entry point and a check that
 * aborts. The same target is linked either with libFuzzer (-Dfuzzing=true,
 * clang) or with fuzz-main.c, which replays the committed corpus under any
 * compiler as a regression test.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

/* Defined by each fuzz target, called by libFuzzer or fuzz-main.c once per
 * input. Returns 0; a broken invariant aborts. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Not g_assert(): that compiles to nothing under G_DISABLE_ASSERT, and an
 * invariant a fuzzer checks must never be skipped. abort() is what libFuzzer
 * and the sanitizers turn into a crash report with a stack. */
#define FUZZ_CHECK(expr)                                                      \
  G_STMT_START                                                                \
  {                                                                           \
    if (G_UNLIKELY (!(expr)))                                                 \
      {                                                                       \
        fprintf (stderr, "%s:%d: %s: invariant failed: %s\n",                 \
                 __FILE__, __LINE__, G_STRFUNC, #expr);                       \
        abort ();                                                             \
      }                                                                       \
  }                                                                           \
  G_STMT_END

/* A critical or a warning from the engine means it was called against its
 * contract or hit an impossible state: for a fuzzer, a finding. */
static inline void
fuzz_init_once (void)
{
  static gboolean done;

  if (G_LIKELY (done))
    return;
  done = TRUE;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

G_END_DECLS
