/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Mouth-to-ear: sentences of live speech (benchspeech.c) through an
 * element (pollenrealtime) or a chain (pollenstt ! pollenchat !
 * pollentts) that answers them aloud, into a synchronised sink, and for
 * each sentence how long after its sound ended the sink rendered the
 * first audio of its answer (bench-pollen step (j)); for pollenrealtime
 * also how long after the server sent a reply's first audio it left the
 * element and was rendered.
 *
 * An answer starts with a buffer that is no continuation of the audio
 * before it: pollentts flags each of its answers DISCONT, and replies of
 * pollenrealtime come after a hole in time. The answer to a sentence is
 * the first that starts at or after the sentence began and before the
 * next one began: pollentts speaks a translation from where its text
 * began, pollenrealtime from when the reply came. It must follow silence,
 * or it could be the end of the answer before, shifted late.
 *
 * Lock order: none. The probe on the talker's source pad and the sink's
 * handoff each fill their own array; they are read after EOS. */

#include "benchtalk.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define HOLE (200 * GST_MSECOND)        /* less is inside one reply */
/* how early a transcript may start against the sound */
#define SLACK (100 * GST_MSECOND)
#define AUDIO_DELTA "response.output_audio.delta"

/* what a station announcer says: sentences of 1.5–3 s without commas (a
 * pause inside would end a turn), pauses longer than what pollentts may
 * run past its text (max-lag: its latency, 2 s at most in the chains
 * here), so that each answer starts after silence */
static const gchar *const sentences[] = {
  "Good morning and welcome to the central station",
  "The next train to the airport leaves at half past nine",
  "Please keep your luggage with you at all times",
  "We are sorry for the delay caused by a signal failure this morning",
  "Tickets are sold by the machines on every platform",
  "The cafe on platform two is now open",
  "Passengers for the harbour should change at the next stop",
  "Thank you for travelling with us today",
  NULL
};
static const guint pause_ms[] = { 2600, 3000, 2400, 2800, 0 };
static const BenchRhythm talk_rhythm = { NULL, pause_ms, sentences };

typedef struct
{
  GstClockTime pts;
  gboolean after_silence;       /* no audio right before it */
  GstClockTime running;         /* when it was seen */
  gint64 seen_us;               /* monotonic, the same moment */
} Start;

/* The starts of answers seen at one place. */
typedef struct
{
  GstElement *pipeline;
  GstClockTime end;             /* of the audio seen so far */
  GArray *starts;               /* Start */
} Starts;

typedef struct
{
  Starts out;                   /* leaving the talker */
  Starts ear;                   /* rendered by the sink */
} Talk;

/**
 * bench_talk_speech:
 * @schedule: (element-type BenchUtterance): gets the sentences
 *
 * Returns: (transfer full): @utterances sentences spoken by espeak-ng with
 * pauses between them (bench_speech_new()), or NULL with why printed.
 */
GBytes *
bench_talk_speech (guint utterances, GArray * schedule)
{
  return bench_speech_new (&talk_rhythm, utterances, schedule);
}

/* ---- what comes out ---- */

static void
starts_init (Starts * starts, GstElement * pipeline)
{
  starts->pipeline = pipeline;
  starts->end = GST_CLOCK_TIME_NONE;
  starts->starts = g_array_new (FALSE, FALSE, sizeof (Start));
}

/* Notes @buffer when it starts an answer: the first audio, a DISCONT, or
 * audio after a HOLE. */
static void
starts_see (Starts * starts, GstBuffer * buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstClockTime before = starts->end;
  Start start;

  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP) ||
      !GST_CLOCK_TIME_IS_VALID (pts) || gst_buffer_get_size (buffer) == 0)
    return;
  starts->end = pts + (GST_BUFFER_DURATION_IS_VALID (buffer) ?
      GST_BUFFER_DURATION (buffer) : 0);
  if (GST_CLOCK_TIME_IS_VALID (before) && !GST_BUFFER_IS_DISCONT (buffer) &&
      pts < before + HOLE)
    return;
  start.pts = pts;
  start.after_silence = !GST_CLOCK_TIME_IS_VALID (before) ||
      pts > before + GST_MSECOND;
  start.running = bench_running_time (starts->pipeline);
  start.seen_us = g_get_monotonic_time ();
  g_array_append_val (starts->starts, start);
}

static GstPadProbeReturn
answer_left (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Talk *talk = user_data;

  starts_see (&talk->out, GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

static void
answer_heard (GstElement * sink, GstBuffer * buffer, GstPad * pad,
    gpointer user_data)
{
  Talk *talk = user_data;

  starts_see (&talk->ear, buffer);
}

/* Watches the answers leave the element named "talker" and reach the sink
 * named "ear". */
static void
talk_watch (Talk * talk, GstElement * pipeline)
{
  g_autoptr (GstElement) talker = gst_bin_get_by_name (GST_BIN (pipeline),
      "talker");
  g_autoptr (GstElement) ear = gst_bin_get_by_name (GST_BIN (pipeline),
      "ear");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (talker, "src");

  starts_init (&talk->out, pipeline);
  starts_init (&talk->ear, pipeline);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, answer_left, talk,
      NULL);
  g_signal_connect (ear, "handoff", G_CALLBACK (answer_heard), talk);
}

static void
talk_clear (Talk * talk)
{
  g_array_unref (talk->out.starts);
  g_array_unref (talk->ear.starts);
}

/* The pipeline's latency: a synchronised sink renders at PTS + that. */
static GstClockTime
pipeline_latency (GstElement * pipeline)
{
  g_autoptr (GstQuery) query = gst_query_new_latency ();
  GstClockTime min = GST_CLOCK_TIME_NONE;

  if (gst_element_query (pipeline, query))
    gst_query_parse_latency (query, NULL, &min, NULL);
  return min;
}

/* ---- scores ---- */

void
bench_talk_scores_init (BenchTalkScores * scores)
{
  memset (scores, 0, sizeof *scores);
  scores->mouth_to_ear = g_array_new (FALSE, FALSE, sizeof (gdouble));
  scores->utterance = g_array_new (FALSE, FALSE, sizeof (gdouble));
  scores->server_to_out = g_array_new (FALSE, FALSE, sizeof (gdouble));
  scores->server_to_ear = g_array_new (FALSE, FALSE, sizeof (gdouble));
  scores->latency = GST_CLOCK_TIME_NONE;
}

void
bench_talk_scores_clear (BenchTalkScores * scores)
{
  g_array_unref (scores->mouth_to_ear);
  g_array_unref (scores->utterance);
  g_array_unref (scores->server_to_out);
  g_array_unref (scores->server_to_ear);
}

/* The start of the answer to sentence @u of @schedule: the first at or
 * after it began, before the next one began; NULL when none. */
static const Start *
answer_to (GArray * starts, GArray * schedule, guint u)
{
  GstClockTime from = g_array_index (schedule, BenchUtterance, u).onset -
      SLACK;
  GstClockTime to = u + 1 < schedule->len ? g_array_index (schedule,
      BenchUtterance, u + 1).onset - SLACK : GST_CLOCK_TIME_NONE;
  guint i;

  for (i = 0; i < starts->len; i++) {
    const Start *start = &g_array_index (starts, Start, i);

    if (start->pts >= from)
      return start->pts < to ? start : NULL;
  }
  return NULL;
}

static gboolean
score_mouth_to_ear (BenchTalkScores * scores, const Talk * talk,
    GArray * schedule)
{
  guint u;

  for (u = 0; u < schedule->len; u++) {
    const BenchUtterance *sentence = &g_array_index (schedule,
        BenchUtterance, u);
    const Start *start = answer_to (talk->ear.starts, schedule, u);

    if (!start || !start->after_silence) {
      g_printerr ("bench-pollen: sentence %u (%.2f s): %s\n", u + 1,
          (gdouble) sentence->onset / GST_SECOND, !start ? "no answer "
          "started after it began and before the next one" : "its answer "
          "runs on from the one before (an answer longer than the pause)");
      return FALSE;
    }
    bench_add_ms (scores->mouth_to_ear, GST_CLOCK_DIFF (bench_utterance_end
            (sentence), start->running));
    bench_add_ms (scores->utterance, sentence->duration);
  }
  return TRUE;
}

/* When the server sent the first audio of each of its replies. */
static GArray *
first_audio_sent (PollenEmulator * emulator)
{
  GArray *sent = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree gchar *last = NULL;
  gchar *event;
  gint64 sent_us;

  while ((event = pollen_emulator_realtime_wait_sent (emulator, AUDIO_DELTA,
              0, &sent_us))) {
    g_autoptr (JsonNode) node = json_from_string (event, NULL);
    const gchar *response = node && JSON_NODE_HOLDS_OBJECT (node) ?
        json_object_get_string_member_with_default (json_node_get_object
        (node), "response_id", "") : "";

    if (g_strcmp0 (response, last) != 0) {
      g_array_append_val (sent, sent_us);
      g_free (last);
      last = g_strdup (response);
    }
    g_free (event);
  }
  return sent;
}

/* pollenrealtime: one reply a sentence, timed from the server sending
 * its first audio. */
static gboolean
score_realtime (BenchTalkScores * scores, const Talk * talk,
    GArray * schedule, PollenEmulator * emulator)
{
  g_autoptr (GArray) sent = first_audio_sent (emulator);
  guint k;

  if (sent->len != schedule->len || talk->out.starts->len != sent->len ||
      talk->ear.starts->len != sent->len) {
    g_printerr ("bench-pollen: %u sentences, the server sent %u replies, "
        "%u left pollenrealtime, the sink rendered %u\n", schedule->len,
        sent->len, talk->out.starts->len, talk->ear.starts->len);
    return FALSE;
  }
  for (k = 0; k < sent->len; k++) {
    gint64 sent_us = g_array_index (sent, gint64, k);

    bench_add_ms (scores->server_to_out, (g_array_index (talk->out.starts,
                Start, k).seen_us - sent_us) * GST_USECOND);
    bench_add_ms (scores->server_to_ear, (g_array_index (talk->ear.starts,
                Start, k).seen_us - sent_us) * GST_USECOND);
  }
  return TRUE;
}

/**
 * bench_talk_run:
 * @talker: what answers, its last element named "talker":
 *   "pollenrealtime name=talker …", "pollenstt ! … ! pollentts
 *   name=talker"
 * @speech: from bench_talk_speech(), with its @schedule
 *
 * Runs @speech live through @talker against @emulator into a synchronised
 * sink and adds each sentence's figures to @scores (pollenrealtime's when
 * a realtime session was opened).
 *
 * Returns: FALSE, with why printed, when the pipeline failed or its
 * answers do not match the sentences.
 */
gboolean
bench_talk_run (PollenEmulator * emulator, const gchar * talker,
    GBytes * speech, GArray * schedule, BenchTalkScores * scores)
{
  g_autofree gchar *rest = g_strdup_printf ("%s ! fakesink name=ear "
      "sync=true signal-handoffs=true", talker);
  GstElement *pipeline = bench_speech_pipeline (emulator, rest);
  guint sessions = pollen_emulator_get_realtime_session_count (emulator);
  Talk talk;
  gboolean ok;

  if (!pipeline)
    return FALSE;
  talk_watch (&talk, pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  ok = bench_speak (pipeline, speech);
  if (ok)
    scores->latency = pipeline_latency (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  ok = ok && score_mouth_to_ear (scores, &talk, schedule);
  if (ok && pollen_emulator_get_realtime_session_count (emulator) > sessions)
    ok = score_realtime (scores, &talk, schedule, emulator);
  scores->utterances += schedule->len;
  talk_clear (&talk);
  gst_object_unref (pipeline);
  return ok;
}
