/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include "gstpollenfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_POLLEN_TTS (gst_pollen_tts_get_type ())
G_DECLARE_FINAL_TYPE (GstPollenTts, gst_pollen_tts, GST, POLLEN_TTS,
    GstPollenFilter)

/**
 * GstPollenTtsOverflow:
 * @GST_POLLEN_TTS_OVERFLOW_CLIP: cut the speech at the end of its text
 * @GST_POLLEN_TTS_OVERFLOW_OVERLAP: start each speech at its text's time,
 *   even while the previous one is still running
 * @GST_POLLEN_TTS_OVERFLOW_SHIFT: start a speech only after the previous
 *   one ended, later than its text if need be
 * @GST_POLLEN_TTS_OVERFLOW_COMPRESS: play speech longer than its text
 *   faster, pitch kept, up to max-speed; the rest as shift
 *
 * What to do when speech runs longer than its text's duration.
 */
typedef enum
{
  GST_POLLEN_TTS_OVERFLOW_CLIP,
  GST_POLLEN_TTS_OVERFLOW_OVERLAP,
  GST_POLLEN_TTS_OVERFLOW_SHIFT,
  GST_POLLEN_TTS_OVERFLOW_COMPRESS,
} GstPollenTtsOverflow;

G_END_DECLS
