/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Transcription answers (verbose_json, json, text) on any bytes: every cue
 * stays inside the audio, in order, with valid non-empty text. */

#include "fuzztarget.h"
#include "pollentranscript.h"

#define DURATION (3 * GST_SECOND)

static void
check (const guint8 * data, size_t size, const gchar * content_type,
    gboolean words)
{
  GError *error = NULL;
  PollenTranscript *t = pollen_transcript_parse ((const gchar *) data, size,
      content_type, 200, DURATION, words, &error);
  guint i;

  g_assert ((t == NULL) == (error != NULL));
  g_clear_error (&error);
  if (!t)
    return;
  g_assert (g_utf8_validate (t->text, -1, NULL));
  for (i = 0; i < t->cues->len; i++) {
    PollenTranscriptCue *cue = t->cues->pdata[i];

    g_assert (cue->start <= cue->end && cue->end <= DURATION);
    g_assert (*cue->text && g_utf8_validate (cue->text, -1, NULL));
    if (i > 0)
      g_assert (((PollenTranscriptCue *) t->cues->pdata[i - 1])->start <=
          cue->start);
  }
  pollen_transcript_free (t);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  check (data, size, "application/json", FALSE);
  check (data, size, "application/json", TRUE);
  check (data, size, "text/plain", FALSE);
  return 0;
}
