/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The WAV header parser on any bytes, fed as a body that streams in. */

#include "fuzztarget.h"
#include "pollenwav.h"

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  gsize prefix;

  for (prefix = 0; prefix <= size; prefix += 1 + prefix / 2) {
    PollenWavInfo info = { 0, };
    GError *error = NULL;
    PollenWavResult result = pollen_wav_parse_header (data, prefix, &info,
        &error);

    g_assert ((result == POLLEN_WAV_INVALID) == (error != NULL));
    if (result == POLLEN_WAV_OK)
      g_assert (info.data_offset <= prefix && info.rate > 0 &&
          info.channels > 0);
    g_clear_error (&error);
  }
  return 0;
}
