/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * PollenTranscriptCue:
 * @start: from the start of the transcribed audio
 * @end: at least @start, at most the audio's duration
 * @text: valid UTF-8, stripped, never empty
 */
typedef struct
{
  GstClockTime start;
  GstClockTime end;
  gchar *text;
} PollenTranscriptCue;

/**
 * PollenTranscript:
 * @text: the whole transcript, stripped (may be empty)
 * @cues: #PollenTranscriptCue sorted by start
 * @language: (nullable): the language the server detected, as a
 *   #GST_TAG_LANGUAGE_CODE (see pollen_transcript_language_code()), or
 *   %NULL when it said none ("unknown", or no verbose_json)
 *
 * An answer of /v1/audio/transcriptions (or /translations).
 */
typedef struct
{
  gchar *text;
  GPtrArray *cues;
  gchar *language;
} PollenTranscript;

PollenTranscript * pollen_transcript_parse (const gchar * body, gsize size,
                                            const gchar * content_type,
                                            guint status,
                                            GstClockTime duration,
                                            gboolean words,
                                            GError ** error);
void               pollen_transcript_free (PollenTranscript * transcript);
gchar *            pollen_transcript_language_code (const gchar * language);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenTranscript, pollen_transcript_free)

G_END_DECLS
