/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright 2026 The bTorrent authors
 */
#define G_LOG_DOMAIN "bt-cli"

#include "config.h"

#include <stdio.h>

#include "bt-cli.h"
#include "bt-metainfo.h"

static void
json_string (GString    *out,
             const char *text)
{
  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }
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
print_json (BtMetainfo *meta)
{
  g_autoptr(GString) out = g_string_new ("{\n  \"name\": ");
  const char * const *warnings = bt_metainfo_get_warnings (meta);
  const char * const *web_seeds = bt_metainfo_get_web_seeds (meta);
  gboolean first = TRUE;

  json_string (out, bt_metainfo_get_name (meta));
  g_string_append_printf (out, ",\n  \"info_hash\": \"%s\"", bt_metainfo_get_info_hash_hex (meta));
  g_string_append_printf (out, ",\n  \"total_size\": %" G_GUINT64_FORMAT,
                          bt_metainfo_get_wanted_size (meta));
  g_string_append_printf (out, ",\n  \"piece_length\": %u", bt_metainfo_get_piece_length (meta));
  g_string_append_printf (out, ",\n  \"piece_count\": %u", bt_metainfo_get_n_pieces (meta));
  g_string_append_printf (out, ",\n  \"private\": %s",
                          bt_metainfo_is_private (meta) ? "true" : "false");
  g_string_append (out, ",\n  \"comment\": ");
  json_string (out, bt_metainfo_get_comment (meta));
  g_string_append (out, ",\n  \"created_by\": ");
  json_string (out, bt_metainfo_get_created_by (meta));
  g_string_append_printf (out, ",\n  \"creation_date\": %" G_GINT64_FORMAT,
                          bt_metainfo_get_creation_date (meta));
  g_string_append (out, ",\n  \"source\": ");
  json_string (out, bt_metainfo_get_source (meta));

  g_string_append (out, ",\n  \"trackers\": [");
  for (guint t = 0; t < bt_metainfo_get_n_tiers (meta); t++)
    {
      const char * const *tier = bt_metainfo_get_tier (meta, t);

      g_string_append (out, t == 0 ? "\n    [" : ",\n    [");
      for (guint i = 0; tier[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          json_string (out, tier[i]);
        }
      g_string_append_c (out, ']');
    }
  g_string_append (out, bt_metainfo_get_n_tiers (meta) > 0 ? "\n  ]" : "]");

  g_string_append (out, ",\n  \"web_seeds\": [");
  for (guint i = 0; web_seeds[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      json_string (out, web_seeds[i]);
    }
  g_string_append_c (out, ']');

  g_string_append (out, ",\n  \"files\": [");
  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      BtMetainfoFileFlags flags = bt_metainfo_get_file_flags (meta, i);

      if (flags & BT_METAINFO_FILE_PAD)
        continue;
      g_string_append (out, first ? "\n    {\"path\": " : ",\n    {\"path\": ");
      first = FALSE;
      json_string (out, bt_metainfo_get_file_path (meta, i));
      g_string_append_printf (out, ", \"size\": %" G_GUINT64_FORMAT,
                              bt_metainfo_get_file_size (meta, i));
      if (flags & BT_METAINFO_FILE_RENAMED)
        {
          g_string_append (out, ", \"original_path\": ");
          json_string (out, bt_metainfo_get_file_original_path (meta, i));
        }
      g_string_append_c (out, '}');
    }
  g_string_append (out, first ? "]" : "\n  ]");

  g_string_append (out, ",\n  \"warnings\": [");
  for (guint i = 0; warnings[i] != NULL; i++)
    {
      g_string_append (out, i == 0 ? "\n    " : ",\n    ");
      json_string (out, warnings[i]);
    }
  g_string_append (out, warnings[0] != NULL ? "\n  ]\n}\n" : "]\n}\n");

  fwrite (out->str, 1, out->len, stdout);
}

static void
print_text (BtMetainfo *meta)
{
  const char * const *warnings = bt_metainfo_get_warnings (meta);
  const char * const *web_seeds = bt_metainfo_get_web_seeds (meta);
  g_autofree char *size = g_format_size (bt_metainfo_get_wanted_size (meta));
  g_autofree char *piece = g_format_size_full (bt_metainfo_get_piece_length (meta),
                                               G_FORMAT_SIZE_IEC_UNITS);
  guint n_files = 0;

  printf ("Name:         %s\n", bt_metainfo_get_name (meta));
  printf ("Info-hash:    %s\n", bt_metainfo_get_info_hash_hex (meta));
  printf ("Total size:   %s (%" G_GUINT64_FORMAT " bytes)\n", size,
          bt_metainfo_get_wanted_size (meta));
  printf ("Pieces:       %u of %s\n", bt_metainfo_get_n_pieces (meta), piece);
  printf ("Private:      %s\n", bt_metainfo_is_private (meta) ? "yes" : "no");
  if (bt_metainfo_get_created_by (meta) != NULL)
    printf ("Created by:   %s\n", bt_metainfo_get_created_by (meta));
  if (bt_metainfo_get_creation_date (meta) > 0)
    {
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc (bt_metainfo_get_creation_date (meta));
      g_autofree char *text = date != NULL ? g_date_time_format_iso8601 (date) : NULL;

      if (text != NULL)
        printf ("Created on:   %s\n", text);
    }
  if (bt_metainfo_get_comment (meta) != NULL)
    printf ("Comment:      %s\n", bt_metainfo_get_comment (meta));
  if (bt_metainfo_get_source (meta) != NULL)
    printf ("Source:       %s\n", bt_metainfo_get_source (meta));

  printf ("\nTrackers:\n");
  if (bt_metainfo_get_n_tiers (meta) == 0)
    printf ("  (none)\n");
  for (guint t = 0; t < bt_metainfo_get_n_tiers (meta); t++)
    {
      const char * const *tier = bt_metainfo_get_tier (meta, t);

      printf ("  Tier %u\n", t + 1);
      for (guint i = 0; tier[i] != NULL; i++)
        printf ("    %s\n", tier[i]);
    }

  if (web_seeds[0] != NULL)
    {
      printf ("\nWeb seeds:\n");
      for (guint i = 0; web_seeds[i] != NULL; i++)
        printf ("  %s\n", web_seeds[i]);
    }

  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    n_files += !(bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD);
  printf ("\nFiles (%u):\n", n_files);
  for (guint i = 0; i < bt_metainfo_get_n_files (meta); i++)
    {
      g_autofree char *file_size = NULL;

      if (bt_metainfo_get_file_flags (meta, i) & BT_METAINFO_FILE_PAD)
        continue;
      file_size = g_format_size (bt_metainfo_get_file_size (meta, i));
      printf ("  %s (%s)\n", bt_metainfo_get_file_path (meta, i), file_size);
    }

  if (warnings[0] != NULL)
    {
      printf ("\nChanged to be safe to save:\n");
      for (guint i = 0; warnings[i] != NULL; i++)
        printf ("  %s\n", warnings[i]);
    }
}

int
bt_cli_info (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(BtMetainfo) meta = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE.torrent" },
    { NULL }
  };

  context = g_option_context_new ("FILE.torrent — show what a torrent holds");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      bt_cli_error ("%s", error->message);
      return 2;
    }
  if (files == NULL || files[0] == NULL || files[1] != NULL)
    {
      bt_cli_error ("info takes exactly one .torrent file");
      return 2;
    }

  meta = bt_metainfo_new_from_file (files[0], &error);
  if (meta == NULL)
    {
      bt_cli_error ("%s: %s", files[0], error->message);
      return 1;
    }

  if (json)
    print_json (meta);
  else
    print_text (meta);
  return 0;
}
