/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Raw audio pushed in buffers of 100 ms, each timed from the count of
 * frames before it, so that rounding never adds up over a long stretch and
 * the last buffer ends exactly where the stretch does. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenpcm.h"

#define PIECE (GST_SECOND / 10)

/* A stretch of @total frames from @from, ending at @end: each buffer from
 * @pcm, or silence flagged GAP when @pcm is NULL. */
static GstFlowReturn
pollen_pcm_push_frames (GstPad * pad, const GstAudioInfo * info,
    GstClockTime from, GstClockTime end, guint64 total, GBytes * pcm,
    gboolean discont)
{
  guint rate = GST_AUDIO_INFO_RATE (info);
  guint bpf = GST_AUDIO_INFO_BPF (info);
  guint64 piece = MAX (1, gst_util_uint64_scale (PIECE, rate, GST_SECOND));
  guint64 done = 0;
  GstFlowReturn ret = GST_FLOW_OK;

  while (done < total && ret == GST_FLOW_OK) {
    guint64 n = MIN (piece, total - done);
    GstBuffer *buffer;

    if (pcm) {
      buffer = gst_buffer_new_wrapped_bytes (pcm);
      gst_buffer_resize (buffer, done * bpf, n * bpf);
    } else {
      GstMapInfo map;

      buffer = gst_buffer_new_allocate (NULL, n * bpf, NULL);
      gst_buffer_map (buffer, &map, GST_MAP_WRITE);
      gst_audio_format_info_fill_silence (info->finfo, map.data, map.size);
      gst_buffer_unmap (buffer, &map);
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_GAP);
    }
    GST_BUFFER_PTS (buffer) = from + gst_util_uint64_scale (done, GST_SECOND,
        rate);
    /* the last one ends where what follows starts, not a rounding off */
    GST_BUFFER_DURATION (buffer) = (done + n == total ? end :
        from + gst_util_uint64_scale (done + n, GST_SECOND, rate)) -
        GST_BUFFER_PTS (buffer);
    if (discont && done == 0)
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    done += n;
    ret = gst_pad_push (pad, buffer);
  }
  return ret;
}

/**
 * pollen_pcm_push:
 * @pcm: whole frames of @info's format
 * @discont: flag the first buffer DISCONT
 *
 * Pushes @pcm from @pts on, in buffers of 100 ms (the buffers share its
 * memory).
 */
GstFlowReturn
pollen_pcm_push (GstPad * pad, const GstAudioInfo * info, GstClockTime pts,
    GBytes * pcm, gboolean discont)
{
  guint64 total = g_bytes_get_size (pcm) / GST_AUDIO_INFO_BPF (info);

  return pollen_pcm_push_frames (pad, info, pts, pts +
      gst_util_uint64_scale (total, GST_SECOND, GST_AUDIO_INFO_RATE (info)),
      total, pcm, discont);
}

/**
 * pollen_pcm_push_silence:
 *
 * Fills [@from, @until) with silence flagged GAP, so that live mixers and
 * sinks keep going and file writers get the pause.
 */
GstFlowReturn
pollen_pcm_push_silence (GstPad * pad, const GstAudioInfo * info,
    GstClockTime from, GstClockTime until)
{
  guint64 total = gst_util_uint64_scale_round (until - from,
      GST_AUDIO_INFO_RATE (info), GST_SECOND);

  return pollen_pcm_push_frames (pad, info, from, until, total, NULL, FALSE);
}
