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
 * PollenSpeech:
 *
 * A streaming decoder for the body of one speech answer, whatever it turns
 * out to be: a WAV (or several in a row, maybe at other rates) becomes raw
 * audio, headerless PCM is raw audio at the given rate (or a guessed one,
 * with a warning), anything else is passed on encoded with the caps its
 * bytes have. Raw audio comes out in whole frames, in pieces of a steady
 * length (40 ms; the last of an answer or of a WAV in it shorter). An empty
 * answer, or one that is not audio, is an error in the %POLLEN_CLIENT_ERROR
 * domain.
 */
typedef struct _PollenSpeech PollenSpeech;

/**
 * PollenSpeechFunc:
 * @caps: (transfer none): what @data is
 * @data: (transfer full): the next piece of audio
 *
 * Called from pollen_speech_push() and pollen_speech_finish(), in the
 * thread that calls them.
 */
typedef void (*PollenSpeechFunc) (GstCaps * caps, GBytes * data,
                                  gpointer user_data);

PollenSpeech * pollen_speech_new (GstObject * log_object,
                                  const gchar * content_type,
                                  const gchar * request_id, guint pcm_rate,
                                  PollenSpeechFunc func, gpointer user_data);
gboolean       pollen_speech_push (PollenSpeech * speech, const guint8 * data,
                                   gsize size, GError ** error);
gboolean       pollen_speech_finish (PollenSpeech * speech, GError ** error);
gsize          pollen_speech_get_emitted (PollenSpeech * speech);
void           pollen_speech_free (PollenSpeech * speech);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenSpeech, pollen_speech_free)

G_END_DECLS
