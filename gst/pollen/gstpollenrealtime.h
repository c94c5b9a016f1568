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

#define GST_TYPE_POLLEN_REALTIME (gst_pollen_realtime_get_type ())
G_DECLARE_FINAL_TYPE (GstPollenRealtime, gst_pollen_realtime, GST,
    POLLEN_REALTIME, GstElement)

/**
 * GstPollenRealtimeVad:
 * @GST_POLLEN_REALTIME_VAD_SERVER: the server finds the end of a turn in
 *   a pause (server_vad, with vad-threshold and silence-duration)
 * @GST_POLLEN_REALTIME_VAD_SEMANTIC: the server's model decides when the
 *   speaker has finished (semantic_vad)
 * @GST_POLLEN_REALTIME_VAD_NONE: no turn detection: the whole input is
 *   one turn, answered at its end (EOS)
 *
 * How the turns of the conversation are found.
 */
typedef enum
{
  GST_POLLEN_REALTIME_VAD_SERVER,
  GST_POLLEN_REALTIME_VAD_SEMANTIC,
  GST_POLLEN_REALTIME_VAD_NONE,
} GstPollenRealtimeVad;

G_END_DECLS
