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

/* A word of the live "speech": this much sound, as the emulator's realtime
 * transcription says one word per 300 ms of sound it hears. */
#define BENCH_WORD_MS 300

/**
 * BenchUtterance:
 * @onset: the stream (and running) time its first word begins
 * @words: how many words it has, BENCH_WORD_MS each, without pauses
 */
typedef struct
{
  GstClockTime onset;
  guint words;
} BenchUtterance;

/**
 * BenchLiveScores:
 * @behind_out: ms, per word: when the text holding it left pollenstt less
 *   when the word's sound ended
 * @behind_shown: ms, per word: the same for when a synchronised sink
 *   rendered that text
 * @server_to_out: ms, per word (realtime only): from the server sending
 *   its delta to the text leaving pollenstt
 * @pts_late: ms, per word (realtime only): its text's PTS less when the
 *   word's sound began
 * @utterances: how many utterances were scored
 * @early: how many of them had their first word out before their sound
 *   ended
 *
 * What bench_live_run() measured, added up over runs.
 */
typedef struct
{
  GArray *behind_out;           /* gdouble */
  GArray *behind_shown;         /* gdouble */
  GArray *server_to_out;        /* gdouble */
  GArray *pts_late;             /* gdouble */
  guint utterances;
  guint early;
} BenchLiveScores;

GBytes * bench_live_speech (guint utterances, GArray * schedule);
void     bench_live_scores_init (BenchLiveScores * scores);
void     bench_live_scores_clear (BenchLiveScores * scores);
gboolean bench_live_run (PollenEmulator * emulator, const gchar * settings,
                         GBytes * speech, GArray * schedule,
                         BenchLiveScores * scores);

G_END_DECLS
