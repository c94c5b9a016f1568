/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Time to first audio of pollentts, as ratios against two references
 * measured in the same run on the same answer: the time its first bytes
 * take to arrive, and the time it takes to arrive whole (pollenclient
 * alone). The emulator "thinks" for 300 ms, then drips an answer of about
 * 3 s in pieces of 100 ms of audio every 100 ms. First audio / first bytes
 * near 1 and first audio / whole answer well below 1 mean the element
 * speaks as the first bytes arrive instead of waiting for the body.
 *
 *   meson compile -C build bench-first-audio
 *   build/tests/bench/bench-first-audio [RUNS [FORMAT]]
 *
 * RUNS (1 … 9, default 5): how many times each is measured; bench-pollen
 * (tests/bench/run.sh) passes 1 in its quick mode. FORMAT: the answer's
 * response-format, wav (default), mp3, opus, aac, flac or pcm.
 */

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include "benchread.h"
#include "pollenclient.h"
#include "pollenemulator.h"
#include "emumedia.h"

#define MAX_RUNS 9
#define RATE 24000
#define TEXT "one two three four five six seven eight."

static guint runs = 5;
static const gchar *format = "wav";

static PollenEmulatorResponse *
dripped_answer (void)
{
  g_autoptr (GBytes) pcm = emu_media_speech_pcm (TEXT, RATE);
  g_autoptr (GError) error = NULL;
  const gchar *content_type = NULL;
  GBytes *body = emu_media_encode_audio (pcm, RATE, format, &content_type,
      &error);
  guint64 audio_ms = g_bytes_get_size (pcm) * 1000 / (RATE * 2);
  PollenEmulatorResponse *answer;

  if (!body)
    g_error ("bench-first-audio: %s", error->message);
  answer = pollen_emulator_response_new (200, content_type, NULL, 0);
  answer->body = body;
  /* 100 ms of audio every 100 ms */
  answer->chunk_size = MAX (1, g_bytes_get_size (body) * 100 / audio_ms);
  answer->chunk_interval_ms = 100;
  answer->delay_ms = 300;
  return answer;
}

/* References: the first bytes and the whole answer through the client. */
static void
client_ms (PollenEmulator * emulator, gdouble * first_bytes, gdouble * whole)
{
  g_autoptr (PollenClient) client =
      bench_client_new (emulator);
  g_autoptr (PollenRequest) request =
      pollen_request_new ("POST", "/v1/audio/speech");
  g_autoptr (JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "input", TEXT);
  pollen_request_set_json (request, body);
  pollen_emulator_push (emulator, "/v1/audio/speech", dripped_answer ());
  bench_read_timed (client, request, first_bytes, whole);
}

/* appsrc ! pollentts ! appsink; the run fails when it cannot be built. */
static GstElement *
tts_pipeline (void)
{
  GstElement *pipeline = bench_pipeline_new ("appsrc name=text "
      "format=time caps=text/x-raw,format=utf8 ! pollentts name=tts "
      "! appsink name=out sync=false");

  if (!pipeline)
    exit (1);
  return pipeline;
}

/* Subject: from pushing the text to the first audio out of pollentts. */
static gdouble
first_audio_ms (PollenEmulator * emulator)
{
  g_autoptr (GstElement) pipeline = tts_pipeline ();
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline),
      "text");
  g_autoptr (GstElement) tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline),
      "out");
  g_autoptr (GstSample) sample = NULL;
  GstBuffer *text = gst_buffer_new_memdup (TEXT, sizeof (TEXT) - 1);
  gint64 start;
  gdouble ms;

  g_object_set (tts, "base-url", pollen_emulator_get_url (emulator),
      "api-key", BENCH_KEY, "pcm-rate", RATE, NULL);
  gst_util_set_object_arg (G_OBJECT (tts), "response-format", format);
  pollen_emulator_push (emulator, "/v1/audio/speech", dripped_answer ());
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GST_BUFFER_PTS (text) = 0;
  GST_BUFFER_DURATION (text) = 10 * GST_SECOND;

  start = g_get_monotonic_time ();
  gst_app_src_push_buffer (GST_APP_SRC (src), text);
  /* the first speech, not the silence that may fill time before it */
  do {
    g_clear_pointer (&sample, gst_sample_unref);
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        30 * GST_SECOND);
    g_assert (sample != NULL);
  } while (GST_BUFFER_FLAG_IS_SET (gst_sample_get_buffer (sample),
          GST_BUFFER_FLAG_GAP));
  ms = (g_get_monotonic_time () - start) / 1000.0;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ms;
}

static int
compare (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static gdouble
median (gdouble * values)
{
  qsort (values, runs, sizeof (gdouble), compare);
  return values[runs / 2];
}

int
main (int argc, char **argv)
{
  PollenEmulator *emulator;
  gdouble first_bytes[MAX_RUNS], whole[MAX_RUNS], subject[MAX_RUNS];
  guint i;

  gst_init (&argc, &argv);
  if (argc > 1)
    runs = CLAMP (g_ascii_strtoull (argv[1], NULL, 10), 1, MAX_RUNS);
  if (argc > 2)
    format = argv[2];
  emulator = pollen_emulator_new (0, NULL);
  g_assert (emulator != NULL);
  for (i = 0; i < runs; i++) {
    first_bytes[i] = -1;
    client_ms (emulator, &first_bytes[i], &whole[i]);
    subject[i] = first_audio_ms (emulator);
  }
  g_print ("first bytes (reference):  %6.0f ms, median of %d\n",
      median (first_bytes), runs);
  g_print ("whole answer (reference): %6.0f ms\n", median (whole));
  g_print ("pollentts first audio:    %6.0f ms\n", median (subject));
  g_print ("first audio / first bytes:  %.2f\n",
      median (subject) / median (first_bytes));
  g_print ("first audio / whole answer: %.2f\n",
      median (subject) / median (whole));
  pollen_emulator_free (emulator);
  return 0;
}
