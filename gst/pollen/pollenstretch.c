/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Speech played faster with its pitch kept, for pollentts's
 * overflow=compress. The time-stretch is GStreamer's own scaletempo
 * (WSOLA, gst-plugins-good, already needed): a segment with rate = speed
 * makes it drop whole pitch periods. It runs synchronously in the calling
 * thread between two private pads, as GstHarness does, so no pipeline,
 * clock or thread is involved. Thread-safe: nothing is shared. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenstretch.h"

static GstFlowReturn
stretch_collect (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GByteArray *out = gst_pad_get_element_private (pad);
  GstMapInfo map;

  if (gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
  }
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

/* Stream start, caps and the segment whose rate scaletempo applies. */
static gboolean
stretch_start (GstPad * src, const GstAudioInfo * info, gdouble speed)
{
  g_autoptr (GstCaps) caps = gst_audio_info_to_caps (info);
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  segment.rate = speed;
  return gst_pad_push_event (src, gst_event_new_stream_start ("stretch")) &&
      gst_pad_push_event (src, gst_event_new_caps (caps)) &&
      gst_pad_push_event (src, gst_event_new_segment (&segment));
}

static gboolean
stretch_run (GstPad * src, const GstAudioInfo * info, GBytes * pcm,
    gdouble speed)
{
  GstBuffer *buffer = gst_buffer_new_wrapped_bytes (pcm);

  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (g_bytes_get_size
      (pcm) / GST_AUDIO_INFO_BPF (info), GST_SECOND,
      GST_AUDIO_INFO_RATE (info));
  if (!stretch_start (src, info, speed)) {
    gst_buffer_unref (buffer);
    return FALSE;
  }
  return gst_pad_push (src, buffer) == GST_FLOW_OK &&
      gst_pad_push_event (src, gst_event_new_eos ());
}

/* Links @element between two fresh pads; @out collects what comes out. */
static GstPad *
stretch_link (GstElement * element, GstPad ** sink, GByteArray * out)
{
  GstPad *src = gst_pad_new ("src", GST_PAD_SRC);
  g_autoptr (GstPad) element_sink = gst_element_get_static_pad (element,
      "sink");
  g_autoptr (GstPad) element_src = gst_element_get_static_pad (element,
      "src");

  *sink = gst_pad_new ("sink", GST_PAD_SINK);
  gst_pad_set_element_private (*sink, out);
  gst_pad_set_chain_function (*sink, GST_DEBUG_FUNCPTR (stretch_collect));
  gst_pad_link (src, element_sink);
  gst_pad_link (element_src, *sink);
  gst_pad_set_active (src, TRUE);
  gst_pad_set_active (*sink, TRUE);
  return src;
}

/**
 * pollen_stretch_speed_up:
 * @info: what @pcm is (S16LE, F32LE or F64LE, interleaved)
 * @speed: how much faster, > 1
 *
 * Returns: (transfer full): @pcm played @speed times faster at the same
 * pitch (about size / @speed bytes), or %NULL with @error set when
 * scaletempo is missing or refused it.
 */
GBytes *
pollen_stretch_speed_up (const GstAudioInfo * info, GBytes * pcm,
    gdouble speed, GError ** error)
{
  GstElement *element = gst_element_factory_make ("scaletempo", NULL);
  GByteArray *out = g_byte_array_new ();
  GstPad *src, *sink;
  gboolean ok;

  if (!element) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "scaletempo is missing: install gstreamer1.0-plugins-good");
    g_byte_array_unref (out);
    return NULL;
  }
  src = stretch_link (element, &sink, out);
  gst_element_set_state (element, GST_STATE_PLAYING);
  ok = stretch_run (src, info, g_bytes_ref (pcm), speed);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_pad_set_active (src, FALSE);
  gst_pad_set_active (sink, FALSE);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (element);
  if (!ok) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "scaletempo refused the speech");
    g_byte_array_unref (out);
    return NULL;
  }
  return g_byte_array_free_to_bytes (out);
}
