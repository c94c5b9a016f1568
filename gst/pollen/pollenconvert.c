/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Raw audio converted in pieces by GstAudioConverter, the way the
 * audioresample element uses it: each piece gives what the converter says
 * it gives (get_out_frames), and a stream's end pushes the resampler's
 * latency worth of silence through to get the held-back tail. */

#include "pollenconvert.h"

struct _PollenConvert
{
  GstAudioConverter *converter;
  GstAudioInfo in;
  GstAudioInfo out;
};

/**
 * pollen_convert_new:
 *
 * Returns: (transfer full) (nullable): a converter from @in to @out, or
 * %NULL when GstAudioConverter cannot convert between them (channel
 * layouts it cannot mix).
 */
PollenConvert *
pollen_convert_new (const GstAudioInfo * in, const GstAudioInfo * out)
{
  PollenConvert *convert;
  GstAudioInfo in_copy = *in, out_copy = *out;
  GstAudioConverter *converter =
      gst_audio_converter_new (GST_AUDIO_CONVERTER_FLAG_NONE, &in_copy,
      &out_copy, NULL);

  if (!converter)
    return NULL;
  convert = g_new0 (PollenConvert, 1);
  convert->converter = converter;
  convert->in = *in;
  convert->out = *out;
  return convert;
}

/* @in_frames frames of @in (NULL: silence) through the converter. */
static GBytes *
pollen_convert_frames (PollenConvert * convert, gconstpointer in,
    gsize in_frames)
{
  gsize out_frames = gst_audio_converter_get_out_frames (convert->converter,
      in_frames);
  gsize size = out_frames * GST_AUDIO_INFO_BPF (&convert->out);
  gpointer out = g_malloc (MAX (size, 1));
  gpointer ins[1] = { (gpointer) in }, outs[1] = { out };

  gst_audio_converter_samples (convert->converter,
      GST_AUDIO_CONVERTER_FLAG_NONE, in ? ins : NULL, in_frames, outs,
      out_frames);
  return g_bytes_new_take (out, size);
}

/**
 * pollen_convert_push:
 * @in: whole frames of the input
 *
 * Returns: (transfer full): what the converter gives for them; less than
 * their length while the resampler fills up at a stream's start.
 */
GBytes *
pollen_convert_push (PollenConvert * convert, GBytes * in)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (in, &size);

  return pollen_convert_frames (convert, data,
      size / GST_AUDIO_INFO_BPF (&convert->in));
}

/**
 * pollen_convert_finish:
 *
 * The end of a stream: what the resampler still holds, then the converter
 * starts over for the next stream.
 *
 * Returns: (transfer full): the tail (empty without resampling)
 */
GBytes *
pollen_convert_finish (PollenConvert * convert)
{
  gsize latency = gst_audio_converter_get_max_latency (convert->converter);
  GBytes *tail = latency ? pollen_convert_frames (convert, NULL, latency) :
      g_bytes_new (NULL, 0);

  pollen_convert_reset (convert);
  return tail;
}

/* A stream that ends without its tail: the converter starts over. */
void
pollen_convert_reset (PollenConvert * convert)
{
  gst_audio_converter_reset (convert->converter);
}

void
pollen_convert_free (PollenConvert * convert)
{
  if (!convert)
    return;
  gst_audio_converter_free (convert->converter);
  g_free (convert);
}
