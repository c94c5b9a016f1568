/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The streaming speech decoder on any bytes, fed in pieces of several
 * sizes: it fails with an error or hands out audio, raw audio always in
 * whole frames, and the bytes it hands out never exceed what came in. */

#include "fuzztarget.h"
#include "pollenspeech.h"

#include <gst/audio/audio.h>

static void
on_audio (GstCaps * caps, GBytes * data, gpointer user_data)
{
  gsize *total = user_data;
  GstAudioInfo info;

  g_assert (caps != NULL && gst_caps_is_fixed (caps));
  g_assert (g_bytes_get_size (data) > 0);
  if (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "audio/x-raw") && gst_audio_info_from_caps (&info, caps))
    g_assert (g_bytes_get_size (data) % GST_AUDIO_INFO_BPF (&info) == 0);
  *total += g_bytes_get_size (data);
  g_bytes_unref (data);
}

static void
check (const guint8 * data, size_t size, gsize piece,
    const gchar * content_type)
{
  gsize total = 0, offset = 0;
  GError *error = NULL;
  PollenSpeech *speech = pollen_speech_new (NULL, content_type, "req-fuzz",
      24000, on_audio, &total);
  gboolean ok = TRUE;

  while (ok && offset < size) {
    gsize n = MIN (piece, size - offset);

    ok = pollen_speech_push (speech, data + offset, n, &error);
    offset += n;
  }
  if (ok)
    ok = pollen_speech_finish (speech, &error);
  g_assert (ok == (error == NULL));
  g_assert (total <= size);
  g_clear_error (&error);
  pollen_speech_free (speech);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  static gboolean initialized = FALSE;

  if (!initialized) {
    gst_init (NULL, NULL);
    initialized = TRUE;
  }
  check (data, size, 1 + (size ? data[0] % 7 : 0), "audio/wav");
  check (data, size, 4096, NULL);
  check (data, size, 3, "audio/pcm");
  return 0;
}
