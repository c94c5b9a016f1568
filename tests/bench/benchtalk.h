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

#include "benchspeech.h"

G_BEGIN_DECLS

/**
 * BenchTalkScores:
 * @mouth_to_ear: ms, per utterance: when a synchronised sink rendered the
 *   first audio of its answer less when its sound ended
 * @utterance: ms, per utterance scored: how long its sound lasted
 * @server_to_out: ms, per reply (pollenrealtime only): from the server
 *   sending its first audio to that audio leaving pollenrealtime
 * @server_to_ear: ms, the same to the sink rendering it
 * @latency: the pipeline's latency (the last run's)
 * @utterances: how many utterances were scored
 *
 * What bench_talk_run() measured, added up over runs.
 */
typedef struct
{
  GArray *mouth_to_ear;         /* gdouble */
  GArray *utterance;            /* gdouble */
  GArray *server_to_out;        /* gdouble */
  GArray *server_to_ear;        /* gdouble */
  GstClockTime latency;
  guint utterances;
} BenchTalkScores;

GBytes * bench_talk_speech (guint utterances, GArray * schedule);
void     bench_talk_scores_init (BenchTalkScores * scores);
void     bench_talk_scores_clear (BenchTalkScores * scores);
gboolean bench_talk_run (PollenEmulator * emulator, const gchar * talker,
                         GBytes * speech, GArray * schedule,
                         BenchTalkScores * scores);

G_END_DECLS
