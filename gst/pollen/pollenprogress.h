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
 * PollenProgress:
 *
 * The GstProgress messages of one long operation of an element: START
 * when it begins, CONTINUE "Still …" every two seconds while nothing else
 * is said, CONTINUE with a "percent" field as a download goes, and exactly
 * one end (COMPLETE, ERROR or CANCELED). gst-launch-1.0 keeps a prerolled
 * pipeline from PLAYING until every START has ended, so the end is
 * guaranteed: pollen_progress_free() posts CANCELED if nothing ended it.
 *
 * Thread-safe.
 */
typedef struct _PollenProgress PollenProgress;

PollenProgress * pollen_progress_start (GstElement * element,
                                        const gchar * code,
                                        const gchar * action,
                                        const gchar * still);
void             pollen_progress_stop_ticks (PollenProgress * progress);
void             pollen_progress_percent (PollenProgress * progress,
                                          gint percent);
void             pollen_progress_end (PollenProgress * progress,
                                      GstProgressType type,
                                      const gchar * text);
void             pollen_progress_free (PollenProgress * progress);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenProgress, pollen_progress_free)

G_END_DECLS
