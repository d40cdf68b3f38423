/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#include "config.h"

#include <nettle/sha1.h>

#include "bt-sha1.h"

void
bt_sha1 (const void *data,
         gsize       length,
         guint8     *digest)
{
  struct sha1_ctx ctx;
  const guint8 *p = data;

  sha1_init (&ctx);
  /* nettle takes size_t; feed in chunks anyway so nothing depends on it. */
  while (length > 0)
    {
      gsize chunk = MIN (length, (gsize) 1 << 30);

      sha1_update (&ctx, chunk, p);
      p += chunk;
      length -= chunk;
    }
  sha1_digest (&ctx, SHA1_DIGEST_SIZE, digest);
}

/**
 * bt_hex_encode:
 *
 * Returns: (transfer full): lower-case hexadecimal of @data
 */
char *
bt_hex_encode (const guint8 *data,
               gsize         length)
{
  static const char digits[] = "0123456789abcdef";
  char *out = g_malloc (length * 2 + 1);

  for (gsize i = 0; i < length; i++)
    {
      out[i * 2] = digits[data[i] >> 4];
      out[i * 2 + 1] = digits[data[i] & 0xf];
    }
  out[length * 2] = '\0';
  return out;
}
