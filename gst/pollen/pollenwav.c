/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* RIFF/WAVE headers: parsed incrementally from a body that is still
 * streaming in (pollentts), and written for uploads (pollenstt). */

#include "pollenwav.h"

#include <gio/gio.h>
#include <string.h>

#define RIFF_HEADER 12
#define CHUNK_HEADER 8
#define FMT_MIN 16
/* Far more than any real header: a body that has not reached its data
 * chunk by then is not a WAV worth waiting for. */
#define MAX_HEADER (64 * 1024)

static PollenWavResult
wav_invalid (GError ** error, const gchar * why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
      "not a usable WAV: %s", why);
  return POLLEN_WAV_INVALID;
}

/* Headers sit at any offset: read them byte-wise, never through casts. */
static guint16
get_le16 (const guint8 * p)
{
  return p[0] | (p[1] << 8);
}

static guint32
get_le32 (const guint8 * p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

/* Reads the fmt chunk's body. */
static PollenWavResult
wav_parse_fmt (const guint8 * fmt, guint32 size, PollenWavInfo * info,
    GError ** error)
{
  if (size < FMT_MIN)
    return wav_invalid (error, "fmt chunk too short");

  info->format = get_le16 (fmt);
  info->channels = get_le16 (fmt + 2);
  info->rate = get_le32 (fmt + 4);
  info->bits = get_le16 (fmt + 14);
  /* WAVE_FORMAT_EXTENSIBLE keeps the real format in its sub-format GUID */
  if (info->format == POLLEN_WAV_FORMAT_EXTENSIBLE && size >= 26)
    info->format = get_le16 (fmt + 24);

  if (info->channels == 0 || info->rate == 0 || info->bits == 0)
    return wav_invalid (error, "zero channels, rate or sample size");
  return POLLEN_WAV_OK;
}

/**
 * pollen_wav_parse_header:
 * @data: the first @size bytes of the body received so far
 *
 * Returns: %POLLEN_WAV_OK with @info filled once everything up to the data
 * chunk is in @data; %POLLEN_WAV_NEED_MORE until then;
 * %POLLEN_WAV_INVALID with @error set when @data is not a PCM WAV.
 */
PollenWavResult
pollen_wav_parse_header (const guint8 * data, gsize size,
    PollenWavInfo * info, GError ** error)
{
  gboolean have_fmt = FALSE;
  gsize offset = RIFF_HEADER;

  if (size >= 4 && memcmp (data, "RIFF", 4) != 0)
    return wav_invalid (error, "no RIFF header");
  if (size >= RIFF_HEADER && memcmp (data + 8, "WAVE", 4) != 0)
    return wav_invalid (error, "RIFF but not WAVE");

  while (offset + CHUNK_HEADER <= size) {
    const guint8 *chunk = data + offset;
    guint32 chunk_size = get_le32 (chunk + 4);

    if (memcmp (chunk, "data", 4) == 0) {
      if (!have_fmt)
        return wav_invalid (error, "data before fmt");
      info->data_offset = offset + CHUNK_HEADER;
      info->data_size = (chunk_size == 0 || chunk_size == G_MAXUINT32) ?
          POLLEN_WAV_SIZE_UNKNOWN : chunk_size;
      return POLLEN_WAV_OK;
    }
    if (offset + CHUNK_HEADER + chunk_size > size)
      break;
    if (memcmp (chunk, "fmt ", 4) == 0) {
      if (wav_parse_fmt (chunk + CHUNK_HEADER, chunk_size, info, error) !=
          POLLEN_WAV_OK)
        return POLLEN_WAV_INVALID;
      have_fmt = TRUE;
    }
    /* chunks are padded to an even size */
    offset += CHUNK_HEADER + chunk_size + (chunk_size & 1);
  }

  if (size > MAX_HEADER)
    return wav_invalid (error, "no data chunk in the first 64 KiB");
  return POLLEN_WAV_NEED_MORE;
}

static void
put_le32 (guint8 * p, guint32 value)
{
  value = GUINT32_TO_LE (value);
  memcpy (p, &value, 4);
}

static void
put_le16 (guint8 * p, guint16 value)
{
  value = GUINT16_TO_LE (value);
  memcpy (p, &value, 2);
}

/**
 * pollen_wav_wrap:
 * @pcm: S16LE interleaved samples
 *
 * Returns: (transfer full): a canonical 44-byte-header WAV file of @pcm.
 */
GBytes *
pollen_wav_wrap (const guint8 * pcm, gsize size, guint rate, guint channels)
{
  guint8 *wav = g_malloc (44 + size);

  memcpy (wav, "RIFF", 4);
  put_le32 (wav + 4, 36 + size);
  memcpy (wav + 8, "WAVEfmt ", 8);
  put_le32 (wav + 16, 16);
  put_le16 (wav + 20, POLLEN_WAV_FORMAT_PCM);
  put_le16 (wav + 22, channels);
  put_le32 (wav + 24, rate);
  put_le32 (wav + 28, rate * channels * 2);
  put_le16 (wav + 32, channels * 2);
  put_le16 (wav + 34, 16);
  memcpy (wav + 36, "data", 4);
  put_le32 (wav + 40, size);
  if (size > 0)
    memcpy (wav + 44, pcm, size);
  return g_bytes_new_take (wav, 44 + size);
}
