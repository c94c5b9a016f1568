/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define POLLEN_WAV_FORMAT_PCM 0x0001
#define POLLEN_WAV_FORMAT_FLOAT 0x0003
#define POLLEN_WAV_FORMAT_EXTENSIBLE 0xFFFE
#define POLLEN_WAV_SIZE_UNKNOWN G_MAXUINT64
/* Sizes a streaming server writes in a WAV header for "as long as it
 * takes" (0x7FFFFFFF and its kin): not a promise of that many bytes. */
#define POLLEN_WAV_PLACEHOLDER_SIZE G_GUINT64_CONSTANT (0x7FFF0000)

/**
 * PollenWavInfo:
 * @rate: samples per second
 * @channels: channel count
 * @bits: bits per sample
 * @format: POLLEN_WAV_FORMAT_PCM, _FLOAT (the sub-format when extensible)
 * @data_offset: where the samples start
 * @data_size: size of the samples, or %POLLEN_WAV_SIZE_UNKNOWN for a
 *   streamed WAV that announces 0 or 0xFFFFFFFF
 */
typedef struct
{
  guint rate;
  guint channels;
  guint bits;
  guint16 format;
  gsize data_offset;
  guint64 data_size;
} PollenWavInfo;

typedef enum
{
  POLLEN_WAV_NEED_MORE,
  POLLEN_WAV_OK,
  POLLEN_WAV_INVALID,
} PollenWavResult;

PollenWavResult pollen_wav_parse_header (const guint8 * data, gsize size,
                                         PollenWavInfo * info,
                                         GError ** error);
GBytes *        pollen_wav_wrap (const guint8 * pcm, gsize size, guint rate,
                                 guint channels);

G_END_DECLS
