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
 * PollenChunker:
 *
 * Raw audio (S16LE, interleaved) gathered to be uploaded in pieces, with a
 * simple energy gate over 10 ms windows (the mean square of every sample
 * of a window against a level in dBFS) that knows where speech starts and
 * where the pauses are, so that a piece can end in a pause rather than in
 * the middle of a word. The element decides where to cut (pollenstt: at
 * the latest pause once a chunk is full; pollenvoice: at the first pause
 * past the server's minimum length); what follows the cut stays as the
 * start of the next piece, its gate worked out again. Used by one thread.
 */
typedef struct _PollenChunker PollenChunker;

PollenChunker * pollen_chunker_new (void);
void            pollen_chunker_free (PollenChunker * chunker);
void            pollen_chunker_configure (PollenChunker * chunker, guint rate,
                                          guint channels,
                                          gdouble silence_threshold_db,
                                          guint min_silence_ms);
void            pollen_chunker_reset (PollenChunker * chunker);

guint           pollen_chunker_get_rate (const PollenChunker * chunker);
guint           pollen_chunker_get_channels (const PollenChunker * chunker);
gsize           pollen_chunker_frames_for (const PollenChunker * chunker,
                                           guint ms);
GstClockTime    pollen_chunker_time_of (const PollenChunker * chunker,
                                        gsize frames);

GstClockTime    pollen_chunker_get_start (const PollenChunker * chunker);
GstClockTime    pollen_chunker_get_end (const PollenChunker * chunker);
gsize           pollen_chunker_get_frames (const PollenChunker * chunker);
void            pollen_chunker_append (PollenChunker * chunker,
                                       const gint16 * samples, gsize frames);

gssize          pollen_chunker_get_first_voiced (const PollenChunker * chunker);
gssize          pollen_chunker_get_pause (const PollenChunker * chunker);
gssize          pollen_chunker_get_silence_start (const PollenChunker * chunker);
gsize           pollen_chunker_get_min_silence (const PollenChunker * chunker);

GBytes *        pollen_chunker_take (PollenChunker * chunker, gsize frames);

guint           pollen_chunker_get_window (const PollenChunker * chunker);
gboolean        pollen_chunker_window_is_silent (const PollenChunker * chunker,
                                                 const gint16 * window);

gboolean        pollen_chunker_is_jump (GstClockTime pts, GstClockTime next);
void            pollen_chunker_start_at (PollenChunker * chunker,
                                         GstClockTime pts, GstClockTime next);
gboolean        pollen_chunker_event_ends_piece (GstEvent * event,
                                                 GstClockTime * next);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenChunker, pollen_chunker_free)

G_END_DECLS
