/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * PollenAudioFormat:
 *
 * The audio formats the API answers in (`response_format`), shared by every
 * element that asks for audio so that gst-inspect shows one list and a
 * typo is refused when the property is set, before any request.
 */
typedef enum
{
  POLLEN_AUDIO_FORMAT_WAV,
  POLLEN_AUDIO_FORMAT_PCM,
  POLLEN_AUDIO_FORMAT_MP3,
  POLLEN_AUDIO_FORMAT_OPUS,
  POLLEN_AUDIO_FORMAT_AAC,
  POLLEN_AUDIO_FORMAT_FLAC,
} PollenAudioFormat;

#define POLLEN_TYPE_AUDIO_FORMAT (pollen_audio_format_get_type ())
GType         pollen_audio_format_get_type (void);
const gchar * pollen_audio_format_nick     (PollenAudioFormat format);
const gchar * pollen_audio_format_request_nick (PollenAudioFormat format);

G_END_DECLS
