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

#include "pollenemulator.h"

G_BEGIN_DECLS

/* The speech's rate: PCM16 mono at this many Hz. */
#define BENCH_SPEECH_RATE 24000

/* A word of the live "speech": this much sound, as the emulator's realtime
 * transcription says one word per 300 ms of sound it hears. */
#define BENCH_WORD_MS 300

/**
 * BenchUtterance:
 * @onset: the stream (and running) time its sound begins
 * @duration: of its sound, to the last sample louder than -40 dBFS
 * @words: how many words it has (of tone: BENCH_WORD_MS each, without
 *   pauses)
 */
typedef struct
{
  GstClockTime onset;
  GstClockTime duration;
  guint words;
} BenchUtterance;

/**
 * BenchRhythm:
 * @words: the words of tone of each utterance in turn (0-terminated,
 *   repeated)
 * @pause_ms: the pauses after the utterances (0-terminated, repeated)
 * @sentences: (nullable): when set, the utterances are these sentences
 *   spoken by espeak-ng in turn (NULL-terminated, repeated), not tone
 *
 * A speaker's rhythm.
 */
typedef struct
{
  const guint *words;
  const guint *pause_ms;
  const gchar *const *sentences;
} BenchRhythm;

GBytes *     bench_speech_new (const BenchRhythm * rhythm, guint utterances,
                               GArray * schedule);
GstClockTime bench_utterance_end (const BenchUtterance * utterance);
GstElement * bench_speech_pipeline (PollenEmulator * emulator,
                                    const gchar * rest);
GstClockTime bench_running_time (GstElement * pipeline);
gboolean     bench_speak (GstElement * pipeline, GBytes * speech);
void         bench_add_ms (GArray * values, GstClockTimeDiff diff);

G_END_DECLS
