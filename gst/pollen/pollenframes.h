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

/**
 * PollenFrameSettings:
 * @interval: seconds of stream time between two frames taken
 * @scene_threshold: a frame whose picture changed more than this since the
 *   last one taken is taken too (mean luma difference, 0–1; 0 = off)
 * @min_interval: seconds a scene change waits after the last frame taken
 * @max_size: the long side, in pixels, of the picture sent
 *
 * The properties of an element that sends video frames to the server
 * (pollenvision, pollenedit): which frames, and how large they go out.
 * The element embeds one under its object lock and copies it at
 * READY→PAUSED.
 */
typedef struct
{
  gdouble interval;
  gdouble scene_threshold;
  gdouble min_interval;
  guint max_size;
} PollenFrameSettings;

/* Their ids, counted from the element's @first_prop_id. */
enum
{
  POLLEN_FRAME_PROP_INTERVAL,
  POLLEN_FRAME_PROP_SCENE_THRESHOLD,
  POLLEN_FRAME_PROP_MIN_INTERVAL,
  POLLEN_FRAME_PROP_MAX_SIZE,
  POLLEN_FRAME_N_PROPS
};

void     pollen_frame_settings_install_properties (GObjectClass * klass,
                                                   guint first_prop_id,
                                                   const PollenFrameSettings * defaults,
                                                   const gchar * taken);
gboolean pollen_frame_settings_set_property (GObject * object,
                                             PollenFrameSettings * settings,
                                             guint first_prop_id,
                                             guint prop_id,
                                             const GValue * value);
gboolean pollen_frame_settings_get_property (GObject * object,
                                             PollenFrameSettings * settings,
                                             guint first_prop_id,
                                             guint prop_id,
                                             GValue * value);

/* Why a frame is taken. */
typedef enum
{
  POLLEN_FRAME_SKIP,
  POLLEN_FRAME_INTERVAL,
  POLLEN_FRAME_SCENE,
} PollenFramePick;

/**
 * PollenFramePicker:
 *
 * Which frames of a video stream go to the server: the first one, then
 * the first at or after each interval since the last one taken, and with
 * a scene threshold a frame whose 16x16 luma thumbnail differs that much
 * from the last one taken (at most once per min-interval). Cheap enough
 * for every frame in the streaming thread: a frame costs nothing, or 16
 * lines unpacked by the video library when scene detection is on (any raw
 * format and depth). Used by one streaming thread; not locked.
 */
typedef struct _PollenFramePicker PollenFramePicker;

PollenFramePicker * pollen_frame_picker_new (GstObject * owner);
void                pollen_frame_picker_free (PollenFramePicker * picker);
void                pollen_frame_picker_configure (PollenFramePicker * picker,
                                                   const PollenFrameSettings * settings);
gboolean            pollen_frame_picker_set_caps (PollenFramePicker * picker,
                                                  GstCaps * caps);
GstCaps *           pollen_frame_picker_get_caps (PollenFramePicker * picker);
void                pollen_frame_picker_restart (PollenFramePicker * picker);
void                pollen_frame_picker_forget (PollenFramePicker * picker);
PollenFramePick     pollen_frame_picker_pick (PollenFramePicker * picker,
                                              GstBuffer * buffer);
void                pollen_frame_picker_take (PollenFramePicker * picker,
                                              GstBuffer * buffer);

GstClockTime        pollen_frame_seconds_to_time (gdouble seconds);

GBytes *            pollen_frame_encode (GstObject * owner, GstSample * frame,
                                         guint max_size,
                                         const gchar * media_type,
                                         gint * width, gint * height,
                                         GError ** error);

GstBuffer *         pollen_frame_decode (GstObject * owner, GBytes * picture,
                                         GstCaps * frame_caps,
                                         GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenFramePicker, pollen_frame_picker_free)

G_END_DECLS
