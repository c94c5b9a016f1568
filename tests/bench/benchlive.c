/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Live captions, timed word by word: "speech" from a live source, as a
 * microphone gives it, through pollenstt into a synchronised sink, and
 * for each word how long after its sound ended the text holding it left
 * pollenstt and was rendered (bench-pollen step (i)).
 *
 * The speech is utterances of a 440 Hz tone between silent pauses, the
 * level both emulator transcriptions find speech by; a word is
 * BENCH_WORD_MS of tone, so the words of the input are the realtime
 * emulator's words, and the chunked emulator answers one text per
 * utterance. Stream time is running time here (the source starts at 0
 * when the pipeline does), so the sound of a word is "spoken" at the
 * running time its samples have.
 *
 * Lock order: none. The probe on pollenstt's source pad and the sink's
 * handoff each fill their own array; they are read after EOS. */

#include "benchlive.h"
#include "benchread.h"

#include <gst/app/gstappsrc.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define RATE 24000
#define BUFFER_MS 20            /* a microphone's buffers */
#define LEAD_MS 1000            /* silence before the first word */
#define TAIL_MS 1000            /* and after the last */
#define AMPLITUDE 8000          /* -12 dBFS: speech to every energy gate */
#define DELTA "conversation.item.input_audio_transcription.delta"

/* a speaker's rhythm: utterances of so many words, pauses between them */
static const guint utterance_words[] = { 5, 3, 8, 4, 6, 3, 7 };
static const guint pause_ms[] = { 620, 880, 540, 1160, 740 };

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

static void
append_samples (GByteArray * pcm, guint ms, gboolean tone)
{
  gsize n = (gsize) RATE * ms / 1000, i;
  gsize first = pcm->len / 2;

  g_byte_array_set_size (pcm, pcm->len + n * 2);
  for (i = 0; i < n; i++) {
    gint16 sample = tone ? (gint16) (AMPLITUDE * sin (2 * G_PI * 440 *
            (first + i) / RATE)) : 0;

    GST_WRITE_UINT16_LE (pcm->data + (first + i) * 2, (guint16) sample);
  }
}

/**
 * bench_live_speech:
 * @schedule: (element-type BenchUtterance): gets the utterances
 *
 * Returns: (transfer full): @utterances utterances at a speaker's rhythm,
 * PCM16 mono at 24 kHz, between LEAD_MS and TAIL_MS of silence.
 */
GBytes *
bench_live_speech (guint utterances, GArray * schedule)
{
  GByteArray *pcm = g_byte_array_new ();
  guint u;

  append_samples (pcm, LEAD_MS, FALSE);
  for (u = 0; u < utterances; u++) {
    BenchUtterance utterance = {
      gst_util_uint64_scale_int (pcm->len / 2, GST_SECOND, RATE),
      utterance_words[u % G_N_ELEMENTS (utterance_words)]
    };

    g_array_append_val (schedule, utterance);
    append_samples (pcm, utterance.words * BENCH_WORD_MS, TRUE);
    append_samples (pcm, u + 1 < utterances ?
        pause_ms[u % G_N_ELEMENTS (pause_ms)] : TAIL_MS, FALSE);
  }
  return g_byte_array_free_to_bytes (pcm);
}

/* ---- what comes out ---- */

static GstClockTime
running_time (GstElement * pipeline)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (pipeline);

  return gst_clock_get_time (clock) - gst_element_get_base_time (pipeline);
}

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
  caption.left = running_time (live->pipeline);
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
  now = running_time (live->pipeline);
  g_array_append_val (live->shown, now);
}

static void
caption_clear (Caption * caption)
{
  g_free (caption->text);
}

/* ---- the run ---- */

/* Takes the next EOS or error on @bus, waiting up to @timeout: FALSE,
 * with why printed, on an error; *@eos says whether EOS came. */
static gboolean
live_bus_ok (GstBus * bus, GstClockTime timeout, gboolean * eos)
{
  g_autoptr (GstMessage) message = gst_bus_timed_pop_filtered (bus, timeout,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_autoptr (GError) error = NULL;

  if (message && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (message, &error, NULL);
    g_printerr ("bench-pollen: %s\n", error->message);
    return FALSE;
  }
  *eos = message != NULL;
  return TRUE;
}

/* Pushes @speech as a microphone does: BUFFER_MS at a time, each when the
 * pipeline's clock has passed its last sample; then EOS, and waits for it
 * at the sink. FALSE when the pipeline failed. */
static gboolean
live_speak (Live * live, GstElement * src, GBytes * speech)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (live->pipeline);
  g_autoptr (GstBus) bus = gst_element_get_bus (live->pipeline);
  GstClockTime base = gst_element_get_base_time (live->pipeline);
  gsize piece = RATE * 2 * BUFFER_MS / 1000, at = 0;
  gboolean eos = FALSE;
  guint64 k;

  for (k = 0; at + piece <= g_bytes_get_size (speech); k++, at += piece) {
    GstClockID id = gst_clock_new_single_shot_id (clock, base + (k + 1) *
        BUFFER_MS * GST_MSECOND);
    g_autoptr (GBytes) bytes = g_bytes_new_from_bytes (speech, at, piece);
    GstBuffer *buffer = gst_buffer_new_wrapped_bytes (bytes);

    gst_clock_id_wait (id, NULL);
    gst_clock_id_unref (id);
    GST_BUFFER_PTS (buffer) = k * BUFFER_MS * GST_MSECOND;
    GST_BUFFER_DURATION (buffer) = BUFFER_MS * GST_MSECOND;
    if (gst_app_src_push_buffer (GST_APP_SRC (src), buffer) != GST_FLOW_OK ||
        !live_bus_ok (bus, 0, &eos) || eos)
      return FALSE;
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  return live_bus_ok (bus, 60 * GST_SECOND, &eos) && eos;
}

static GstElement *
live_pipeline (PollenEmulator * emulator, const gchar * settings)
{
  g_autofree gchar *description = g_strdup_printf ("appsrc name=mic "
      "is-live=true format=time min-latency=%" G_GUINT64_FORMAT " caps="
      "audio/x-raw,format=S16LE,layout=interleaved,channels=1,rate=%u "
      "! pollenstt name=stt base-url=%s api-key=sk_bench %s ! queue "
      "max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! fakesink "
      "name=screen sync=true signal-handoffs=true", BUFFER_MS * GST_MSECOND,
      RATE, pollen_emulator_get_url (emulator), settings);

  return bench_pipeline_new (description);
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

static void
add_ms (GArray * values, GstClockTimeDiff diff)
{
  gdouble ms = diff / 1e6;

  g_array_append_val (values, ms);
}

/* Word @k of @utterance, carried by text @n. */
static void
score_word (BenchLiveScores * scores, const Live * live, guint n,
    const BenchUtterance * utterance, guint k)
{
  GstClockTime end = utterance->onset + (k + 1) * BENCH_WORD_MS *
      GST_MSECOND;
  const Caption *caption = &g_array_index (live->out, Caption, n);

  add_ms (scores->behind_out, GST_CLOCK_DIFF (end, caption->left));

  add_ms (scores->behind_shown, GST_CLOCK_DIFF (end,
          g_array_index (live->shown, GstClockTime, n)));
  if (k == 0 && caption->left < utterance->onset + utterance->words *
      BENCH_WORD_MS * GST_MSECOND)
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
      add_ms (scores->server_to_out, (g_array_index (live->out, Caption,
                  n).left_us - sent_us) * GST_USECOND);
      add_ms (scores->pts_late, GST_CLOCK_DIFF (utterance->onset + k *
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

/* Runs @speech through @pipeline (taken) and scores what came out. */
static gboolean
live_run (GstElement * pipeline, PollenEmulator * emulator, GBytes * speech,
    GArray * schedule, BenchLiveScores * scores)
{
  Live live = { pipeline,
    g_array_new (FALSE, FALSE, sizeof (Caption)),
    g_array_new (FALSE, FALSE, sizeof (GstClockTime))
  };
  GstElement *stt = gst_bin_get_by_name (GST_BIN (live.pipeline), "stt");
  GstElement *src = gst_bin_get_by_name (GST_BIN (live.pipeline), "mic");
  GstElement *screen = gst_bin_get_by_name (GST_BIN (live.pipeline),
      "screen");
  GstPad *pad = gst_element_get_static_pad (stt, "src");
  guint sessions = pollen_emulator_get_realtime_session_count (emulator);
  gboolean ok;

  g_array_set_clear_func (live.out, (GDestroyNotify) caption_clear);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, caption_left, &live,
      NULL);
  g_signal_connect (screen, "handoff", G_CALLBACK (caption_shown), &live);
  /* live: the clock runs from here; the sink prerolls on what comes */
  gst_element_set_state (live.pipeline, GST_STATE_PLAYING);
  ok = live_speak (&live, src, speech);
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
  gst_object_unref (src);
  gst_object_unref (stt);
  gst_object_unref (live.pipeline);
  g_array_unref (live.out);
  g_array_unref (live.shown);
  return ok;
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
  GstElement *pipeline = live_pipeline (emulator, settings);

  return pipeline && live_run (pipeline, emulator, speech, schedule, scores);
}
