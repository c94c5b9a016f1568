/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Live captions, timed word by word: live speech (benchspeech.c) through
 * pollenstt into a synchronised sink, and for each word how long after
 * its sound ended the text holding it left pollenstt and was rendered
 * (bench-pollen step (i)).
 *
 * A word is BENCH_WORD_MS of tone, so the words of the input are the
 * realtime emulator's words, and the chunked emulator answers one text per
 * utterance.
 *
 * Lock order: none. The probe on pollenstt's source pad and the sink's
 * handoff each fill their own array; they are read after EOS. */

#include "benchlive.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define DELTA "conversation.item.input_audio_transcription.delta"

/* a speaker's rhythm: utterances of so many words, pauses between them */
static const guint utterance_words[] = { 5, 3, 8, 4, 6, 3, 7, 0 };
static const guint pause_ms[] = { 620, 880, 540, 1160, 740, 0 };
static const BenchRhythm captions_rhythm = { utterance_words, pause_ms, NULL };

typedef struct
{
  gchar *text;
  GstClockTime pts;
  GstClockTime left;            /* running time it left pollenstt */
  gint64 left_us;               /* monotonic, the same moment */
} Caption;

typedef struct
{
  GstElement *pipeline;
  GArray *out;                  /* Caption, as they left pollenstt */
  GArray *shown;                /* GstClockTime, as the sink rendered them */
} Live;

/* ---- the speech ---- */

/**
 * bench_live_speech:
 * @schedule: (element-type BenchUtterance): gets the utterances
 *
 * Returns: (transfer full): @utterances utterances at a speaker's rhythm
 * (bench_speech_new()).
 */
GBytes *
bench_live_speech (guint utterances, GArray * schedule)
{
  return bench_speech_new (&captions_rhythm, utterances, schedule);
}

/* ---- what comes out ---- */

static GstPadProbeReturn
caption_left (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Live *live = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  Caption caption;
  GstMapInfo map;

  if (gst_buffer_get_size (buffer) == 0)
    return GST_PAD_PROBE_OK;
  caption.pts = GST_BUFFER_PTS (buffer);
  caption.left = bench_running_time (live->pipeline);
  caption.left_us = g_get_monotonic_time ();
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  caption.text = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  g_array_append_val (live->out, caption);
  return GST_PAD_PROBE_OK;
}

static void
caption_shown (GstElement * sink, GstBuffer * buffer, GstPad * pad,
    gpointer user_data)
{
  Live *live = user_data;
  GstClockTime now;

  if (gst_buffer_get_size (buffer) == 0)
    return;
  now = bench_running_time (live->pipeline);
  g_array_append_val (live->shown, now);
}

static void
caption_clear (Caption * caption)
{
  g_free (caption->text);
}

/* ---- scores ---- */

void
bench_live_scores_init (BenchLiveScores * scores)
{
  memset (scores, 0, sizeof *scores);
  scores->behind_out = g_array_new (FALSE, FALSE, sizeof (gdouble));
  scores->behind_shown = g_array_new (FALSE, FALSE, sizeof (gdouble));
  scores->server_to_out = g_array_new (FALSE, FALSE, sizeof (gdouble));
  scores->pts_late = g_array_new (FALSE, FALSE, sizeof (gdouble));
}

void
bench_live_scores_clear (BenchLiveScores * scores)
{
  g_array_unref (scores->behind_out);
  g_array_unref (scores->behind_shown);
  g_array_unref (scores->server_to_out);
  g_array_unref (scores->pts_late);
}

/* Word @k of @utterance, carried by text @n. */
static void
score_word (BenchLiveScores * scores, const Live * live, guint n,
    const BenchUtterance * utterance, guint k)
{
  GstClockTime end = utterance->onset + (k + 1) * BENCH_WORD_MS *
      GST_MSECOND;
  const Caption *caption = &g_array_index (live->out, Caption, n);

  bench_add_ms (scores->behind_out, GST_CLOCK_DIFF (end, caption->left));

  bench_add_ms (scores->behind_shown, GST_CLOCK_DIFF (end,
          g_array_index (live->shown, GstClockTime, n)));
  if (k == 0 && caption->left < bench_utterance_end (utterance))
    scores->early++;
}

/* The words of a delta the server sent, or NULL. */
static gchar *
sent_delta (PollenEmulator * emulator, gint64 * sent_us)
{
  g_autofree gchar *event = pollen_emulator_realtime_wait_sent (emulator,
      DELTA, 0, sent_us);
  g_autoptr (JsonNode) node = event ? json_from_string (event, NULL) : NULL;

  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default
      (json_node_get_object (node), "delta", ""));
}

/* Realtime: a text per word, the n-th the n-th delta the server sent, word
 * for word (an utterance's first without a space before it). */
static gboolean
score_realtime (BenchLiveScores * scores, const Live * live,
    GArray * schedule, PollenEmulator * emulator)
{
  guint u, k, n = 0;

  for (u = 0; u < schedule->len; u++) {
    const BenchUtterance *utterance = &g_array_index (schedule,
        BenchUtterance, u);

    for (k = 0; k < utterance->words; k++, n++) {
      gint64 sent_us = 0;
      g_autofree gchar *delta = sent_delta (emulator, &sent_us);
      const gchar *text = n < live->out->len ?
          g_array_index (live->out, Caption, n).text : "(none)";

      if (!delta || g_strcmp0 (delta, text) != 0 || (k == 0) == (*delta ==
              ' ')) {
        g_printerr ("bench-pollen: word %u of utterance %u: the server sent "
            "'%s', pollenstt gave '%s'\n", k + 1, u + 1, delta ? delta :
            "(nothing)", text);
        return FALSE;
      }
      score_word (scores, live, n, utterance, k);
      bench_add_ms (scores->server_to_out, (g_array_index (live->out, Caption,
                  n).left_us - sent_us) * GST_USECOND);
      bench_add_ms (scores->pts_late, GST_CLOCK_DIFF (utterance->onset + k *
              BENCH_WORD_MS * GST_MSECOND, g_array_index (live->out, Caption,
                  n).pts));
    }
  }
  return n == live->out->len;
}

/* Chunked: a text per utterance, carrying all of its words. */
static gboolean
score_chunked (BenchLiveScores * scores, const Live * live,
    GArray * schedule)
{
  guint u, k;

  if (live->out->len != schedule->len) {
    g_printerr ("bench-pollen: %u texts for %u utterances\n", live->out->len,
        schedule->len);
    return FALSE;
  }
  for (u = 0; u < schedule->len; u++)
    for (k = 0; k < g_array_index (schedule, BenchUtterance, u).words; k++)
      score_word (scores, live, u, &g_array_index (schedule, BenchUtterance,
              u), k);
  return TRUE;
}

/**
 * bench_live_run:
 * @settings: pollenstt's properties, "model=scribe-realtime" or
 *   "chunk-duration=3000 latency=2000" …
 * @speech: from bench_live_speech(), with its @schedule
 *
 * Runs @speech live through pollenstt against @emulator and adds each
 * word's figures to @scores (realtime when pollenstt opened a session).
 *
 * Returns: FALSE, with why printed, when the pipeline failed or what came
 * out does not match what was said.
 */
gboolean
bench_live_run (PollenEmulator * emulator, const gchar * settings,
    GBytes * speech, GArray * schedule, BenchLiveScores * scores)
{
  g_autofree gchar *rest = g_strdup_printf ("pollenstt name=stt %s ! queue "
      "max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! fakesink "
      "name=screen sync=true signal-handoffs=true", settings);
  Live live = { bench_speech_pipeline (emulator, rest), NULL, NULL };
  GstElement *stt, *screen;
  GstPad *pad;
  guint sessions = pollen_emulator_get_realtime_session_count (emulator);
  gboolean ok;

  if (!live.pipeline)
    return FALSE;
  live.out = g_array_new (FALSE, FALSE, sizeof (Caption));
  live.shown = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  stt = gst_bin_get_by_name (GST_BIN (live.pipeline), "stt");
  screen = gst_bin_get_by_name (GST_BIN (live.pipeline), "screen");
  pad = gst_element_get_static_pad (stt, "src");
  g_array_set_clear_func (live.out, (GDestroyNotify) caption_clear);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, caption_left, &live,
      NULL);
  g_signal_connect (screen, "handoff", G_CALLBACK (caption_shown), &live);
  /* live: the clock runs from here; the sink prerolls on what comes */
  gst_element_set_state (live.pipeline, GST_STATE_PLAYING);
  ok = bench_speak (live.pipeline, speech);
  gst_element_set_state (live.pipeline, GST_STATE_NULL);
  if (ok && live.shown->len != live.out->len) {
    g_printerr ("bench-pollen: %u texts left pollenstt, the sink rendered "
        "%u\n", live.out->len, live.shown->len);
    ok = FALSE;
  }
  if (ok && pollen_emulator_get_realtime_session_count (emulator) > sessions)
    ok = score_realtime (scores, &live, schedule, emulator);
  else if (ok)
    ok = score_chunked (scores, &live, schedule);
  scores->utterances += schedule->len;
  gst_object_unref (pad);
  gst_object_unref (screen);
  gst_object_unref (stt);
  gst_object_unref (live.pipeline);
  g_array_unref (live.out);
  g_array_unref (live.shown);
  return ok;
}
