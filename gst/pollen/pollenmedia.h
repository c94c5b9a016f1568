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

GstCaps * pollen_media_caps_from_content_type (const gchar * content_type,
                                               guint pcm_rate);
GstCaps * pollen_media_expect_caps (GstObject * object, GBytes * data,
                                    const gchar * content_type,
                                    guint pcm_rate, const gchar * kind,
                                    GError ** error);
gboolean  pollen_media_check_whole (GstObject * object, GBytes * head,
                                    GBytes * tail,
                                    const gchar * content_type, guint64 size,
                                    GError ** error);
GstCaps * pollen_media_detect_caps (GstObject * object, GBytes * data,
                                    const gchar * content_type,
                                    guint pcm_rate);
GstCaps * pollen_media_detect_caps_early (GstObject * object, GBytes * data,
                                          const gchar * content_type,
                                          guint pcm_rate);

GstClockTime pollen_media_audio_duration (GstObject * object, GBytes * data);
GBytes *     pollen_media_decode_audio (GBytes * data, GstAudioInfo * info,
                                        GError ** error);

/* The rate headerless PCM is taken to have when nobody said (a guess,
 * with a warning). */
#define POLLEN_MEDIA_GUESSED_PCM_RATE 24000

G_END_DECLS
