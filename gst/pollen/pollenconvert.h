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

/**
 * PollenConvert:
 *
 * Raw audio from one format, rate and channel layout into another, in
 * pieces, with GStreamer's GstAudioConverter (its resampler for the rate).
 * Output sample n is at the time of input sample n × out rate / in rate:
 * the resampler holds back its latency rather than delaying, so times stay
 * those of the input, and pollen_convert_finish() gives the held-back tail
 * at the end of a stream.
 */
typedef struct _PollenConvert PollenConvert;

PollenConvert * pollen_convert_new (const GstAudioInfo * in,
                                    const GstAudioInfo * out);
GBytes *        pollen_convert_push (PollenConvert * convert, GBytes * in);
GBytes *        pollen_convert_finish (PollenConvert * convert);
void            pollen_convert_reset (PollenConvert * convert);
void            pollen_convert_free (PollenConvert * convert);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenConvert, pollen_convert_free)

G_END_DECLS
