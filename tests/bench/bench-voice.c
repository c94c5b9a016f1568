/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The latency pollenvoice adds to a live pipeline: a live source, ticks
 * (a short beep every second: speech with pauses) or a sine (speech
 * without a pause: pieces of chunk-duration), through pollenvoice, the
 * emulator taking SERVER_MS for each answer. For each buffer of voice that
 * leaves pollenvoice, how long after its own time it left (running time
 * then − its running time): the most is a piece's first buffer (the whole
 * piece gathered, then the server's answer), the least its last (the
 * answer after the piece's end). Against what pollenvoice reports in the
 * LATENCY query (chunk-duration + latency), which a synchronised sink adds
 * to the render moment: voice that leaves before then plays on time. The
 * sink here does not wait, so that each buffer leaves when it is ready.
 *
 *   meson compile -C build bench-voice
 *   GST_PLUGIN_PATH=build/gst/pollen build/tests/bench/bench-voice [SECONDS]
 *
 * SECONDS (10 … 600, default 40): how long each configuration runs.
 */

#include <gst/gst.h>

#include "benchread.h"
#include "pollenemulator.h"

#define SERVER_MS 1000

typedef struct
{
  const gchar *wave;            /* ticks: pauses every second; sine: none */
  const gchar *name;
  guint chunk_ms;
  guint latency_ms;
} Config;

static const Config configs[] = {
  {"ticks", "defaults", 10000, 5000},
  {"ticks", "chunk-duration=5000 latency=2000", 5000, 2000},
  {"sine", "chunk-duration=5000 latency=2000", 5000, 2000},
};

/* What left pollenvoice: each voice buffer's lag behind its own time. */
typedef struct
{
  GstElement *pipeline;
  GArray *lags;                 /* GstClockTime, per voice buffer */
} Run;

static GstPadProbeReturn
note_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Run *run = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime now = gst_element_get_current_running_time (run->pipeline);
  GstClockTime lag;

  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP) ||
      !GST_CLOCK_TIME_IS_VALID (now))
    return GST_PAD_PROBE_OK;
  /* the live source's segment starts at 0: PTS is running time */
  lag = now > GST_BUFFER_PTS (buffer) ? now - GST_BUFFER_PTS (buffer) : 0;
  g_array_append_val (run->lags, lag);
  return GST_PAD_PROBE_OK;
}

static gint
compare_times (gconstpointer a, gconstpointer b)
{
  GstClockTime x = *(const GstClockTime *) a, y = *(const GstClockTime *) b;

  return x < y ? -1 : x > y;
}

static GstElement *
voice_pipeline (PollenEmulator * emulator, const Config * config)
{
  g_autofree gchar *desc = g_strdup_printf ("audiotestsrc is-live=true "
      "wave=%s samplesperbuffer=480 "
      "! audio/x-raw,format=S16LE,rate=48000,channels=1 "
      "! pollenvoice name=voice chunk-duration=%u latency=%u base-url=%s "
      "api-key=" BENCH_KEY " ! fakesink sync=false", config->wave,
      config->chunk_ms,
      config->latency_ms, pollen_emulator_get_url (emulator));
  GstElement *pipeline = bench_pipeline_new (desc);

  if (!pipeline)
    g_error ("bench-voice: %s: the pipeline could not be built",
        config->name);
  return pipeline;
}

/* Runs @config for @seconds; fails the run when the pipeline fails. */
static void
measure (PollenEmulator * emulator, const Config * config, guint seconds)
{
  Run run = { voice_pipeline (emulator, config),
    g_array_new (FALSE, FALSE, sizeof (GstClockTime))
  };
  g_autoptr (GstElement) voice = gst_bin_get_by_name (GST_BIN (run.pipeline),
      "voice");
  g_autoptr (GstPad) src = gst_element_get_static_pad (voice, "src");
  g_autoptr (GstBus) bus = gst_element_get_bus (run.pipeline);
  g_autoptr (GstMessage) error = NULL;
  GstQuery *query = gst_query_new_latency ();
  GstClockTime reported = GST_CLOCK_TIME_NONE, min, max;
  gboolean live;

  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, note_buffer, &run,
      NULL);
  gst_element_set_state (run.pipeline, GST_STATE_PLAYING);
  error = gst_bus_timed_pop_filtered (bus, seconds * GST_SECOND,
      GST_MESSAGE_ERROR);
  if (error)
    g_error ("bench-voice: %s: the pipeline failed", config->name);
  if (gst_pad_query (src, query))
    gst_query_parse_latency (query, &live, &reported, NULL);
  gst_query_unref (query);
  gst_element_set_state (run.pipeline, GST_STATE_NULL);
  if (run.lags->len == 0)
    g_error ("bench-voice: %s: no voice came out in %u s", config->name,
        seconds);

  g_array_sort (run.lags, compare_times);
  min = g_array_index (run.lags, GstClockTime, 0);
  max = g_array_index (run.lags, GstClockTime, run.lags->len - 1);
  g_print ("| %s, %s | %" G_GUINT64_FORMAT " ms | %" G_GUINT64_FORMAT
      " ms | %" G_GUINT64_FORMAT " ms | %s |\n", config->wave, config->name,
      reported / GST_MSECOND, min / GST_MSECOND, max / GST_MSECOND,
      max <= reported ? "every piece in time" : "late pieces");
  g_array_unref (run.lags);
  gst_object_unref (run.pipeline);
}

int
main (int argc, char **argv)
{
  PollenEmulator *emulator;
  guint64 seconds = 40;
  guint i;

  gst_init (&argc, &argv);
  if (argc > 1 && !g_ascii_string_to_unsigned (argv[1], 10, 10, 600,
          &seconds, NULL))
    g_error ("usage: bench-voice [SECONDS (10 … 600)]");
  emulator = pollen_emulator_new (0, NULL);
  pollen_emulator_set_generation_time (emulator, SERVER_MS);
  g_print ("pollenvoice on live audio, the server taking %d ms, %"
      G_GUINT64_FORMAT " s each\n\n", SERVER_MS, seconds);
  g_print ("| source, pollenvoice | reported latency | voice out after its time, "
      "least | most | verdict |\n|---|---|---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (configs); i++)
    measure (emulator, &configs[i], seconds);
  pollen_emulator_free (emulator);
  return 0;
}
