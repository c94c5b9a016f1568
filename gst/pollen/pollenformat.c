/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The `response_format` enum every audio-generating element shares. The
 * nicks are the wire values. */

#include "pollenformat.h"

GType
pollen_audio_format_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {POLLEN_AUDIO_FORMAT_WAV, "WAV", "wav"},
    {POLLEN_AUDIO_FORMAT_PCM, "Raw 16-bit mono PCM", "pcm"},
    {POLLEN_AUDIO_FORMAT_MP3, "MP3", "mp3"},
    {POLLEN_AUDIO_FORMAT_OPUS, "Opus in Ogg", "opus"},
    {POLLEN_AUDIO_FORMAT_AAC, "AAC (often in M4A)", "aac"},
    {POLLEN_AUDIO_FORMAT_FLAC, "FLAC", "flac"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstPollenAudioFormat",
            values));
  return type;
}

const gchar *
pollen_audio_format_nick (PollenAudioFormat format)
{
  GEnumClass *klass = g_type_class_ref (POLLEN_TYPE_AUDIO_FORMAT);
  GEnumValue *value = g_enum_get_value (klass, format);
  const gchar *nick = value ? value->value_nick : "mp3";

  /* the class of a static enum type is never finalised: the nick stays */
  g_type_class_unref (klass);
  return nick;
}

/* What to ask for to get @format: raw PCM has no header, so its rate and
 * channels could only be guessed (the same model name answers 24 or
 * 44.1 kHz depending on the server); a WAV says them, and its samples are
 * the same PCM. */
const gchar *
pollen_audio_format_request_nick (PollenAudioFormat format)
{
  if (format == POLLEN_AUDIO_FORMAT_PCM)
    format = POLLEN_AUDIO_FORMAT_WAV;
  return pollen_audio_format_nick (format);
}
