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

GstPad *      pollen_text_pad_new (GstElement * element, GstPadTemplate * templ);
GstFlowReturn pollen_text_pad_push_event (GstPad * pad,
                                          const GstSegment * segment,
                                          GstEvent * event);
GstFlowReturn pollen_text_pad_push (GstPad * pad, const GstSegment * segment,
                                    GstClockTime * position,
                                    const gchar * text, GstClockTime pts,
                                    GstClockTime duration);
GstFlowReturn pollen_text_pad_gap (GstPad * pad, const GstSegment * segment,
                                   GstClockTime * position,
                                   GstClockTime until);

G_END_DECLS
