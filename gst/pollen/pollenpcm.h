/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/audio/audio.h>

G_BEGIN_DECLS

GstFlowReturn pollen_pcm_push (GstPad * pad, const GstAudioInfo * info,
                               GstClockTime pts, GBytes * pcm,
                               gboolean discont);
GstFlowReturn pollen_pcm_push_silence (GstPad * pad,
                                       const GstAudioInfo * info,
                                       GstClockTime from, GstClockTime until);

G_END_DECLS
