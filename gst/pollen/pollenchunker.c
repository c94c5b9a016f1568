/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The energy gate works on the samples as they are appended: each window
 * of 10 ms that ends says whether it is silent, which moves the start of
 * the current silence, the first voiced window and the middle of the
 * latest pause long enough to cut in. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenchunker.h"

#include <math.h>

#define WINDOWS_PER_SECOND 100  /* 10 ms windows */
/* Audio stamped further than this from where the audio before ended does
 * not follow it. */
#define JUMP_TOLERANCE (40 * GST_MSECOND)

struct _PollenChunker
{
  guint rate;
  guint channels;
  GByteArray *pcm;
  GstClockTime start;           /* time of its first frame */
  gsize min_silence;            /* frames */
  gdouble silent_energy;        /* mean square below which a window is
                                 * silent */
  guint window;                 /* frames */
  guint window_fill;
  gdouble window_energy;
  gboolean in_silence;
  gsize silence_start;
  gssize pause;                 /* middle of the latest long pause, or -1 */
  gssize first_voiced;          /* start of the first voiced window, or -1 */
};

PollenChunker *
pollen_chunker_new (void)
{
  PollenChunker *chunker = g_new0 (PollenChunker, 1);

  chunker->pcm = g_byte_array_new ();
  chunker->channels = 1;
  chunker->window = 1;
  pollen_chunker_reset (chunker);
  return chunker;
}

void
pollen_chunker_free (PollenChunker * chunker)
{
  if (!chunker)
    return;
  g_byte_array_unref (chunker->pcm);
  g_free (chunker);
}

/* Forgets the audio and where it was. */
void
pollen_chunker_reset (PollenChunker * chunker)
{
  g_byte_array_set_size (chunker->pcm, 0);
  chunker->start = GST_CLOCK_TIME_NONE;
  chunker->window_fill = 0;
  chunker->window_energy = 0;
  chunker->in_silence = FALSE;
  chunker->silence_start = 0;
  chunker->pause = -1;
  chunker->first_voiced = -1;
}

/**
 * pollen_chunker_configure:
 * @silence_threshold_db: the RMS level of a window, in dBFS, below which it
 *   is silence
 * @min_silence_ms: the shortest silence that is a pause a piece may end in
 *
 * Sets the format of the audio to come; what was gathered is forgotten.
 */
void
pollen_chunker_configure (PollenChunker * chunker, guint rate, guint channels,
    gdouble silence_threshold_db, guint min_silence_ms)
{
  gdouble amplitude = 32768.0 * pow (10.0, silence_threshold_db / 20.0);

  chunker->rate = rate;
  chunker->channels = MAX (channels, 1);
  chunker->min_silence = pollen_chunker_frames_for (chunker, min_silence_ms);
  chunker->window = MAX (rate / WINDOWS_PER_SECOND, 1);
  chunker->silent_energy = amplitude * amplitude;
  pollen_chunker_reset (chunker);
}

/* 0 until configured. */
guint
pollen_chunker_get_rate (const PollenChunker * chunker)
{
  return chunker->rate;
}

guint
pollen_chunker_get_channels (const PollenChunker * chunker)
{
  return chunker->channels;
}

/* How many frames @ms milliseconds are. */
gsize
pollen_chunker_frames_for (const PollenChunker * chunker, guint ms)
{
  return (guint64) chunker->rate * ms / 1000;
}

GstClockTime
pollen_chunker_time_of (const PollenChunker * chunker, gsize frames)
{
  return gst_util_uint64_scale_int (frames, GST_SECOND, chunker->rate);
}

GstClockTime
pollen_chunker_get_start (const PollenChunker * chunker)
{
  return chunker->start;
}

/* Where the next frame belongs. */
GstClockTime
pollen_chunker_get_end (const PollenChunker * chunker)
{
  return chunker->start + pollen_chunker_time_of (chunker,
      pollen_chunker_get_frames (chunker));
}

gsize
pollen_chunker_get_frames (const PollenChunker * chunker)
{
  return chunker->pcm->len / (sizeof (gint16) * chunker->channels);
}

/* One window has ended at frame @end: remember where speech starts and
 * where the latest pause of at least min-silence has its middle. */
static void
pollen_chunker_end_window (PollenChunker * chunker, gsize end)
{
  gsize window_start = end - chunker->window;
  gboolean silent = chunker->window_energy / (chunker->window *
      chunker->channels) < chunker->silent_energy;

  if (!silent) {
    chunker->in_silence = FALSE;
    if (chunker->first_voiced < 0)
      chunker->first_voiced = window_start;
    return;
  }
  if (!chunker->in_silence) {
    chunker->in_silence = TRUE;
    chunker->silence_start = window_start;
  }
  if (end - chunker->silence_start >= chunker->min_silence)
    chunker->pause = chunker->silence_start + (end - chunker->silence_start)
        / 2;
}

/* Appends @frames frames of interleaved samples. */
void
pollen_chunker_append (PollenChunker * chunker, const gint16 * samples,
    gsize frames)
{
  gsize first = pollen_chunker_get_frames (chunker);
  guint channels = chunker->channels;
  gsize i;
  guint c;

  g_byte_array_append (chunker->pcm, (const guint8 *) samples,
      frames * channels * sizeof (gint16));
  for (i = 0; i < frames; i++) {
    for (c = 0; c < channels; c++) {
      gdouble s = GINT16_FROM_LE (samples[i * channels + c]);

      chunker->window_energy += s * s;
    }
    if (++chunker->window_fill == chunker->window) {
      pollen_chunker_end_window (chunker, first + i + 1);
      chunker->window_fill = 0;
      chunker->window_energy = 0;
    }
  }
}

/* The first frame of the first voiced window, or -1 while all is
 * silence. */
gssize
pollen_chunker_get_first_voiced (const PollenChunker * chunker)
{
  return chunker->first_voiced;
}

/* The middle of the latest pause of at least min-silence, or -1. */
gssize
pollen_chunker_get_pause (const PollenChunker * chunker)
{
  return chunker->pause;
}

/* Where the silence the gated audio ends in starts, or -1 when it ends
 * in sound (or nothing was gated yet). */
gssize
pollen_chunker_get_silence_start (const PollenChunker * chunker)
{
  return chunker->in_silence ? (gssize) chunker->silence_start : -1;
}

gsize
pollen_chunker_get_min_silence (const PollenChunker * chunker)
{
  return chunker->min_silence;
}

/**
 * pollen_chunker_take:
 * @frames: how many of the first frames to take, at most all of them
 *
 * Takes the first @frames frames out; the rest stays as the start of the
 * next piece, which starts that much later.
 *
 * Returns: (transfer full): the frames taken
 */
GBytes *
pollen_chunker_take (PollenChunker * chunker, gsize frames)
{
  gsize bpf = sizeof (gint16) * chunker->channels;
  gsize total = pollen_chunker_get_frames (chunker);
  GstClockTime rest_start;
  g_autoptr (GByteArray) rest = g_byte_array_new ();
  GBytes *taken;

  frames = MIN (frames, total);
  taken = g_bytes_new (chunker->pcm->data, frames * bpf);
  g_byte_array_append (rest, chunker->pcm->data + frames * bpf,
      (total - frames) * bpf);
  rest_start = chunker->start + pollen_chunker_time_of (chunker, frames);
  pollen_chunker_reset (chunker);
  chunker->start = rest_start;
  pollen_chunker_append (chunker, (const gint16 *) rest->data,
      total - frames);
  return taken;
}

/* Frames in a window of the gate. */
guint
pollen_chunker_get_window (const PollenChunker * chunker)
{
  return chunker->window;
}

/* Whether a whole window of samples starting at @window is silent. */
gboolean
pollen_chunker_window_is_silent (const PollenChunker * chunker,
    const gint16 * window)
{
  gsize n = (gsize) chunker->window * chunker->channels;
  gdouble energy = 0;
  gsize i;

  for (i = 0; i < n; i++) {
    gdouble s = GINT16_FROM_LE (window[i]);

    energy += s * s;
  }
  return energy / n < chunker->silent_energy;
}

/* ---- where the audio belongs ---- */

/**
 * pollen_chunker_is_jump:
 * @next: where the audio before ended
 *
 * Returns: whether audio stamped @pts is a jump in time from @next (both
 * valid, more than 40 ms apart): it does not continue what was gathered.
 */
gboolean
pollen_chunker_is_jump (GstClockTime pts, GstClockTime next)
{
  return GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (next) &&
      (pts > next + JUMP_TOLERANCE || pts + JUMP_TOLERANCE < next);
}

/* When nothing is gathered: the audio to come starts at @pts, else at
 * @next, where the audio before ended, else at 0. */
void
pollen_chunker_start_at (PollenChunker * chunker, GstClockTime pts,
    GstClockTime next)
{
  if (pollen_chunker_get_frames (chunker) > 0)
    return;
  chunker->start = GST_CLOCK_TIME_IS_VALID (pts) ? pts :
      GST_CLOCK_TIME_IS_VALID (next) ? next : 0;
}

/**
 * pollen_chunker_event_ends_piece:
 * @next: (inout): where the next audio belongs
 *
 * A piece is continuous audio: a SEGMENT (after which the next audio
 * belongs nowhere known), a GAP (after which it belongs at its end) and
 * EOS end the piece being gathered.
 *
 * Returns: whether @event ends the piece
 */
gboolean
pollen_chunker_event_ends_piece (GstEvent * event, GstClockTime * next)
{
  GstClockTime timestamp, duration;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:
      *next = GST_CLOCK_TIME_NONE;
      return TRUE;
    case GST_EVENT_GAP:
      gst_event_parse_gap (event, &timestamp, &duration);
      if (GST_CLOCK_TIME_IS_VALID (timestamp) &&
          GST_CLOCK_TIME_IS_VALID (duration))
        *next = timestamp + duration;
      return TRUE;
    case GST_EVENT_EOS:
      return TRUE;
    default:
      return FALSE;
  }
}
