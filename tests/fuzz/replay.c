/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Runs a fuzz target without libFuzzer, as a test: every file of the
 * corpus folders given, then a fixed number of deterministic mutations of
 * each (bit flips, truncations, byte insertions), so the parsers meet bad
 * input in every CI run. Build with -Dfuzzing=enabled (clang) for real
 * coverage-guided fuzzing. */

#include "fuzztarget.h"

#include <string.h>

#define MUTATIONS 3000

static void
mutate (GRand * rand, GByteArray * data)
{
  guint pos = data->len ? g_rand_int_range (rand, 0, data->len) : 0;
  guint8 byte = g_rand_int_range (rand, 0, 256);

  switch (g_rand_int_range (rand, 0, 4)) {
    case 0:
      if (data->len)
        data->data[pos] ^= 1 << g_rand_int_range (rand, 0, 8);
      break;
    case 1:
      g_byte_array_set_size (data, pos);
      break;
    case 2:
      g_byte_array_set_size (data, data->len + 1);
      memmove (data->data + pos + 1, data->data + pos, data->len - pos - 1);
      data->data[pos] = byte;
      break;
    default:
      if (data->len)
        data->data[pos] = byte;
      break;
  }
}

static void
replay_file (const gchar * path, GRand * rand)
{
  g_autofree gchar *contents = NULL;
  gsize size;
  guint i;

  if (!g_file_get_contents (path, &contents, &size, NULL))
    g_error ("cannot read %s", path);
  LLVMFuzzerTestOneInput ((const guint8 *) contents, size);

  for (i = 0; i < MUTATIONS; i++) {
    GByteArray *data = g_byte_array_new ();
    guint n, steps = g_rand_int_range (rand, 1, 6);

    g_byte_array_append (data, (const guint8 *) contents, size);
    for (n = 0; n < steps; n++)
      mutate (rand, data);
    LLVMFuzzerTestOneInput (data->data, data->len);
    g_byte_array_unref (data);
  }
}

int
main (int argc, char **argv)
{
  GRand *rand = g_rand_new_with_seed (20261121);
  guint files = 0;
  int i;

  LLVMFuzzerInitialize (&argc, &argv);
  for (i = 1; i < argc; i++) {
    g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
    const gchar *name;

    if (!dir)
      g_error ("cannot open corpus %s", argv[i]);
    while ((name = g_dir_read_name (dir))) {
      g_autofree gchar *path = g_build_filename (argv[i], name, NULL);

      replay_file (path, rand);
      files++;
    }
  }
  g_rand_free (rand);
  g_print ("%u corpus files, %u inputs each: no crash\n", files,
      MUTATIONS + 1);
  return files > 0 ? 0 : 1;
}
