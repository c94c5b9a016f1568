/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* WAV files, whole: a canonical 44-byte header in front of S16LE samples,
 * and the header of an uploaded file read chunk by chunk. */

#include "emuwav.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>

#define EMU_WAV_HEADER 44
#define EMU_WAV_RIFF_HEADER 12
#define EMU_WAV_CHUNK_HEADER 8
#define EMU_WAV_FMT_MIN 16
#define EMU_WAV_FMT_EXTENSIBLE 26       /* up to the sub-format's tag */

/**
 * emu_wav_new:
 * @pcm: S16LE interleaved samples
 *
 * Returns: (transfer full): @pcm behind a canonical 44-byte WAV header.
 */
GBytes *
emu_wav_new (GBytes * pcm, guint rate, guint channels)
{
  gsize size;
  const guint8 *samples = g_bytes_get_data (pcm, &size);
  guint8 *wav = g_malloc (EMU_WAV_HEADER + size);

  memcpy (wav, "RIFF", 4);
  GST_WRITE_UINT32_LE (wav + 4, EMU_WAV_HEADER - 8 + size);
  memcpy (wav + 8, "WAVEfmt ", 8);
  GST_WRITE_UINT32_LE (wav + 16, EMU_WAV_FMT_MIN);
  GST_WRITE_UINT16_LE (wav + 20, EMU_WAV_FORMAT_PCM);
  GST_WRITE_UINT16_LE (wav + 22, channels);
  GST_WRITE_UINT32_LE (wav + 24, rate);
  GST_WRITE_UINT32_LE (wav + 28, rate * channels * 2);
  GST_WRITE_UINT16_LE (wav + 32, channels * 2);
  GST_WRITE_UINT16_LE (wav + 34, 16);
  memcpy (wav + 36, "data", 4);
  GST_WRITE_UINT32_LE (wav + 40, size);
  if (size > 0)
    memcpy (wav + EMU_WAV_HEADER, samples, size);
  return g_bytes_new_take (wav, EMU_WAV_HEADER + size);
}

static gboolean
emu_wav_invalid (GError ** error, const gchar * why)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", why);
  return FALSE;
}

static gboolean
emu_wav_partial (GError ** error, gsize size)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
      "the audio ends inside its WAV header (%" G_GSIZE_FORMAT " bytes)",
      size);
  return FALSE;
}

/* Little-endian fields sit at any offset: read them a byte at a time. */
static guint
emu_wav_le (const guint8 * p, guint bytes)
{
  guint value = 0;

  while (bytes--)
    value = (value << 8) | p[bytes];
  return value;
}

/* The fmt chunk's body: format, channels, rate, (byte rate, block align),
 * bits; WAVE_FORMAT_EXTENSIBLE names the real format in its sub-format. */
static gboolean
emu_wav_read_fmt (const guint8 * fmt, gsize size, EmuWavInfo * info,
    GError ** error)
{
  if (size < EMU_WAV_FMT_MIN)
    return emu_wav_invalid (error, "fmt chunk too short");
  info->format = emu_wav_le (fmt, 2);
  info->channels = emu_wav_le (fmt + 2, 2);
  info->rate = emu_wav_le (fmt + 4, 4);
  info->bits = emu_wav_le (fmt + 14, 2);
  if (info->format == EMU_WAV_FORMAT_EXTENSIBLE &&
      size >= EMU_WAV_FMT_EXTENSIBLE)
    info->format = emu_wav_le (fmt + 24, 2);
  if (info->channels == 0 || info->rate == 0 || info->bits == 0)
    return emu_wav_invalid (error, "zero channels, rate or sample size");
  return TRUE;
}

/* Reads the chunks from @pos (after "RIFF size WAVE") up to the data
 * chunk. */
static gboolean
emu_wav_read_chunks (const guint8 * data, gsize size, gsize pos,
    EmuWavInfo * info, GError ** error)
{
  gboolean have_fmt = FALSE;

  while (size - pos >= EMU_WAV_CHUNK_HEADER) {
    const guint8 *chunk = data + pos;
    gsize length = emu_wav_le (chunk + 4, 4);

    pos += EMU_WAV_CHUNK_HEADER;
    if (memcmp (chunk, "data", 4) == 0) {
      if (!have_fmt)
        return emu_wav_invalid (error, "data chunk before the fmt chunk");
      info->data_offset = pos;
      info->data_size = (length == 0 || length == G_MAXUINT32) ?
          size - pos : length;
      return TRUE;
    }
    if (length > size - pos)
      break;
    if (memcmp (chunk, "fmt ", 4) == 0) {
      if (!emu_wav_read_fmt (data + pos, length, info, error))
        return FALSE;
      have_fmt = TRUE;
    }
    /* chunks are padded to an even size */
    pos += MIN (length + (length & 1), size - pos);
  }
  return emu_wav_partial (error, size);
}

/**
 * emu_wav_read:
 *
 * Reads the header of the whole WAV file @wav.
 *
 * Returns: %TRUE with @info filled; %FALSE with @error set when @wav is
 * not a WAV file (%G_IO_ERROR_INVALID_DATA) or ends before its data chunk
 * (%G_IO_ERROR_PARTIAL_INPUT).
 */
gboolean
emu_wav_read (GBytes * wav, EmuWavInfo * info, GError ** error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (wav, &size);

  if (size >= 4 && memcmp (data, "RIFF", 4) != 0)
    return emu_wav_invalid (error, "no RIFF header");
  if (size >= EMU_WAV_RIFF_HEADER && memcmp (data + 8, "WAVE", 4) != 0)
    return emu_wav_invalid (error, "a RIFF file but not WAVE");
  if (size < EMU_WAV_RIFF_HEADER)
    return emu_wav_partial (error, size);
  return emu_wav_read_chunks (data, size, EMU_WAV_RIFF_HEADER, info, error);
}
