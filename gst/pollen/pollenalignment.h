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
 * PollenTimedWord:
 * @text: the word as the input has it (with its punctuation)
 * @start: when it starts, from the start of the speech
 * @end: when it ends
 */
typedef struct
{
  gchar *text;
  GstClockTime start;
  GstClockTime end;
} PollenTimedWord;

/**
 * PollenTimedSpeech:
 * @audio: the speech, as the server encoded it (audio_base64)
 * @words: (element-type PollenTimedWord): the words of the input, in
 *   order, timed from the characters' alignment
 *
 * An answer of `POST /v1/audio/speech/with-timestamps`.
 */
typedef struct
{
  GBytes *audio;
  GPtrArray *words;
} PollenTimedSpeech;

PollenTimedSpeech * pollen_timed_speech_parse (const gchar * data, gsize size,
                                               const gchar * request_id,
                                               GError ** error);
void                pollen_timed_speech_free (PollenTimedSpeech * speech);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenTimedSpeech, pollen_timed_speech_free)

G_END_DECLS
