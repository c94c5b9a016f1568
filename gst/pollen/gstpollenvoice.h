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

#define GST_TYPE_POLLEN_VOICE (gst_pollen_voice_get_type ())
G_DECLARE_FINAL_TYPE (GstPollenVoice, gst_pollen_voice, GST, POLLEN_VOICE,
    GstPollenFilter)

typedef enum
{
  GST_POLLEN_VOICE_MODE_ISOLATE,
  GST_POLLEN_VOICE_MODE_CONVERT,
} GstPollenVoiceMode;

G_END_DECLS
