/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A pad of timed text (text/x-raw, utf8) beside an element's main output,
 * on the same timeline: pollentts's words. It may be asked for at any
 * time, so before anything goes out on it, it gets what a stream needs
 * first (STREAM_START, CAPS, the segment of the main output). Downstream
 * not linked is no failure: the main output goes on without it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollentextpad.h"

#include <string.h>

/**
 * pollen_text_pad_new:
 *
 * Returns: (transfer none): a new pad of @templ (fixed caps) added to
 * @element, active when @element is running.
 */
GstPad *
pollen_text_pad_new (GstElement * element, GstPadTemplate * templ)
{
  GstPad *pad = gst_pad_new_from_template (templ,
      GST_PAD_TEMPLATE_NAME_TEMPLATE (templ));

  gst_pad_use_fixed_caps (pad);
  gst_element_add_pad (element, pad);
  return pad;
}

/* What a stream needs before its data: a stream of its own, its caps,
 * the main output's segment. */
static void
pollen_text_pad_prepare (GstPad * pad, const GstSegment * segment)
{
  g_autoptr (GstEvent) started = gst_pad_get_sticky_event (pad,
      GST_EVENT_STREAM_START, 0);
  g_autoptr (GstEvent) segmented = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstElement) parent = NULL;
  g_autofree gchar *id = NULL;

  if (!started) {
    parent = gst_pad_get_parent_element (pad);
    id = gst_pad_create_stream_id (pad, parent, GST_PAD_NAME (pad));
    gst_pad_push_event (pad, gst_event_new_stream_start (id));
    caps = gst_pad_get_pad_template_caps (pad);
    gst_pad_push_event (pad, gst_event_new_caps (caps));
  }
  segmented = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (!segmented && segment)
    gst_pad_push_event (pad, gst_event_new_segment (segment));
}

/* A flow that stops the element: a text pad nobody linked is not one. */
static GstFlowReturn
pollen_text_pad_flow (GstFlowReturn ret)
{
  return ret == GST_FLOW_NOT_LINKED ? GST_FLOW_OK : ret;
}

/* Pushes @event (taken), after what the stream needs first. */
GstFlowReturn
pollen_text_pad_push_event (GstPad * pad, const GstSegment * segment,
    GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
    segment = NULL;
  pollen_text_pad_prepare (pad, segment);
  if (!gst_pad_push_event (pad, event) && GST_PAD_IS_FLUSHING (pad))
    return GST_FLOW_FLUSHING;
  return GST_FLOW_OK;
}

/**
 * pollen_text_pad_gap:
 * @position: (inout): up to where the pad's timeline was told, NONE when
 *   nothing was: then from the start of @segment
 *
 * Tells downstream that no text comes before @until, with a GAP from
 * *@position.
 */
GstFlowReturn
pollen_text_pad_gap (GstPad * pad, const GstSegment * segment,
    GstClockTime * position, GstClockTime until)
{
  GstClockTime from = GST_CLOCK_TIME_IS_VALID (*position) ? *position :
      segment ? segment->start : GST_CLOCK_TIME_NONE;

  if (!GST_CLOCK_TIME_IS_VALID (until))
    return GST_FLOW_OK;
  *position = GST_CLOCK_TIME_IS_VALID (from) ? MAX (from, until) : until;
  if (!GST_CLOCK_TIME_IS_VALID (from) || until <= from)
    return GST_FLOW_OK;
  return pollen_text_pad_push_event (pad, segment, gst_event_new_gap (from,
          until - from));
}

/* Pushes @text at @pts for @duration, the time before it told as a GAP. */
GstFlowReturn
pollen_text_pad_push (GstPad * pad, const GstSegment * segment,
    GstClockTime * position, const gchar * text, GstClockTime pts,
    GstClockTime duration)
{
  GstBuffer *buffer;
  GstFlowReturn ret;

  pollen_text_pad_prepare (pad, segment);
  if ((ret = pollen_text_pad_gap (pad, segment, position, pts)) !=
      GST_FLOW_OK)
    return ret;
  buffer = gst_buffer_new_memdup (text, strlen (text));
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  *position = MAX (*position, pts + duration);
  return pollen_text_pad_flow (gst_pad_push (pad, buffer));
}
