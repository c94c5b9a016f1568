/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Speech with its timing (/v1/audio/speech/with-timestamps) on any bytes:
 * an error or audio and words, each word non-empty valid UTF-8 without a
 * blank, ending no earlier than it starts. */

#include "fuzztarget.h"
#include "pollenalignment.h"

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GError *error = NULL;
  PollenTimedSpeech *speech = pollen_timed_speech_parse ((const gchar *) data,
      size, "fuzz", &error);
  guint i;

  g_assert ((speech == NULL) == (error != NULL));
  g_clear_error (&error);
  if (!speech)
    return 0;
  g_assert (g_bytes_get_size (speech->audio) > 0);
  for (i = 0; i < speech->words->len; i++) {
    PollenTimedWord *word = speech->words->pdata[i];
    const gchar *p;

    g_assert (*word->text && g_utf8_validate (word->text, -1, NULL));
    for (p = word->text; *p; p = g_utf8_next_char (p))
      g_assert (!g_unichar_isspace (g_utf8_get_char (p)));
    g_assert (word->start <= word->end);
  }
  pollen_timed_speech_free (speech);
  return 0;
}
