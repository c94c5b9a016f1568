/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* soak-live: a live chain held in real time for a long while against the
 * in-process emulator, with faults injected at a chosen rate. Not a test:
 * it prints a line of numbers every --every seconds (requests, faults,
 * warnings, errors, how far the output lags real time, RSS, threads, fds)
 * so that leaks and drift show as trends. See docs/reliability.md, "Soak".
 *
 *   GST_PLUGIN_PATH_1_0=build/gst/pollen build/tests/soak/soak-live \
 *     --minutes 30 --fault-rate 0.1 */

#include <gst/gst.h>
#include <stdio.h>
#include <string.h>
#include "pollenemulator.h"

typedef struct
{
  PollenEmulator *emulator;
  GstElement *pipeline;
  GstElement *sink;
  GRand *rand;
  gdouble fault_rate;           /* faults per second */
  guint faults;
  guint warnings;
  guint errors;
  gint64 started;
  GMainLoop *loop;
} Soak;

/* One fault, scripted for the next request to either endpoint. */
static void
soak_inject (Soak * soak)
{
  PollenEmulatorResponse *response;
  const gchar *path = g_rand_boolean (soak->rand) ?
      "/v1/audio/speech" : "/v1/audio/transcriptions";

  switch (g_rand_int_range (soak->rand, 0, 5)) {
    case 0:
      response = pollen_emulator_response_new_error (500, "internal",
          "soak: injected 500");
      break;
    case 1:
      response = pollen_emulator_response_new_error (429, "rate_limited",
          "soak: injected 429");
      pollen_emulator_response_add_header (response, "Retry-After", "1");
      break;
    case 2:                    /* a reset before any answer */
      response = pollen_emulator_response_new_error (500, "internal", "x");
      response->drop_after = 0;
      break;
    case 3:                    /* a slow server: 2.5 s, then a 503 */
      response = pollen_emulator_response_new_error (503, "busy", "slow");
      response->delay_ms = 2500;
      break;
    default:                   /* a stall: the element's timeout ends it */
      response = pollen_emulator_response_new_error (500, "internal", "x");
      response->hang = TRUE;
      break;
  }
  pollen_emulator_push (soak->emulator, path, response);
  soak->faults++;
}

static gboolean
soak_fault_tick (gpointer user_data)
{
  Soak *soak = user_data;

  /* ticks of 100 ms: a fault with probability rate / 10 */
  if (g_rand_double (soak->rand) < soak->fault_rate / 10)
    soak_inject (soak);
  return G_SOURCE_CONTINUE;
}

static guint
count_dir (const gchar * path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

static glong
rss_kib (void)
{
  g_autofree gchar *status = NULL;
  const gchar *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line ? atol (line + 6) : -1;
}

static GstClockTime
soak_latency (Soak * soak)
{
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min = 0;

  if (gst_element_query (soak->pipeline, query))
    gst_query_parse_latency (query, NULL, &min, NULL);
  gst_query_unref (query);
  return min;
}

/* How much later than promised the sink's latest buffer plays: running
 * time now minus the pipeline latency minus the buffer's running time, the
 * drift a listener would hear (about 0 when it keeps up; up to a buffer's
 * duration plus the gaps between speeches). */
static gdouble
soak_lag_s (Soak * soak)
{
  g_autoptr (GstSample) sample = NULL;
  GstClockTime now = gst_element_get_current_running_time (soak->pipeline);
  GstBuffer *buffer;
  const GstSegment *segment;
  GstClockTime running;

  g_object_get (soak->sink, "last-sample", &sample, NULL);
  if (!sample || !GST_CLOCK_TIME_IS_VALID (now))
    return -1;
  buffer = gst_sample_get_buffer (sample);
  segment = gst_sample_get_segment (sample);
  running = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buffer));
  if (!GST_CLOCK_TIME_IS_VALID (running))
    return -1;
  return ((gdouble) now - (gdouble) soak_latency (soak) -
      (gdouble) running) / GST_SECOND;
}

static gboolean
soak_report (gpointer user_data)
{
  Soak *soak = user_data;

  printf ("%7.0f s  requests %5u  faults %4u  warnings %4u  errors %u  "
      "lag %+6.2f s  rss %6ld KiB  threads %3u  fds %3u\n",
      (g_get_monotonic_time () - soak->started) / 1e6,
      pollen_emulator_get_request_count (soak->emulator), soak->faults,
      soak->warnings, soak->errors, soak_lag_s (soak), rss_kib (),
      count_dir ("/proc/self/task"), count_dir ("/proc/self/fd"));
  fflush (stdout);
  return G_SOURCE_CONTINUE;
}

static gboolean
soak_on_message (GstBus * bus, GstMessage * message, gpointer user_data)
{
  Soak *soak = user_data;
  g_autoptr (GError) error = NULL;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_WARNING:
      soak->warnings++;
      gst_message_parse_warning (message, &error, NULL);
      printf ("  warning from %s: %s\n", GST_MESSAGE_SRC_NAME (message),
          error->message);
      break;
    case GST_MESSAGE_ERROR:
      soak->errors++;
      gst_message_parse_error (message, &error, NULL);
      printf ("  ERROR from %s: %s\n", GST_MESSAGE_SRC_NAME (message),
          error->message);
      g_main_loop_quit (soak->loop);
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (soak->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
soak_quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static GstElement *
soak_pipeline (Soak * soak)
{
  g_autofree gchar *desc = g_strdup_printf ("audiotestsrc is-live=true "
      "wave=sine volume=0.5 samplesperbuffer=1600 ! audio/x-raw,rate=16000,"
      "channels=1,format=S16LE ! pollenstt base-url=%s api-key=sk_soak "
      "chunk-duration=3000 latency=3000 timeout=5 retries=2 skip-failed=true "
      "! pollentts base-url=%s api-key=sk_soak latency=3000 timeout=5 "
      "retries=2 skip-failed=true ! audioconvert ! fakesink name=sink "
      "sync=true", pollen_emulator_get_url (soak->emulator),
      pollen_emulator_get_url (soak->emulator));
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  if (!pipeline)
    g_error ("pipeline: %s", error->message);
  return pipeline;
}

int
main (int argc, char **argv)
{
  gdouble minutes = 10, every = 30;
  Soak soak = { 0 };
  GOptionEntry entries[] = {
    {"minutes", 'm', 0, G_OPTION_ARG_DOUBLE, &minutes,
        "How long to run (default 10)", "M"},
    {"fault-rate", 'f', 0, G_OPTION_ARG_DOUBLE, &soak.fault_rate,
        "Faults injected per second (default 0)", "R"},
    {"every", 'e', 0, G_OPTION_ARG_DOUBLE, &every,
        "Seconds between report lines (default 30)", "S"},
    {NULL}
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- soak test");
  g_autoptr (GError) error = NULL;
  GstBus *bus;

  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_add_group (options, gst_init_get_option_group ());
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);

  soak.emulator = pollen_emulator_new (0, &error);
  if (!soak.emulator)
    g_error ("emulator: %s", error->message);
  soak.rand = g_rand_new ();
  soak.loop = g_main_loop_new (NULL, FALSE);
  soak.pipeline = soak_pipeline (&soak);
  soak.sink = gst_bin_get_by_name (GST_BIN (soak.pipeline), "sink");
  bus = gst_element_get_bus (soak.pipeline);
  gst_bus_add_watch (bus, soak_on_message, &soak);
  g_timeout_add (100, soak_fault_tick, &soak);
  g_timeout_add ((guint) (every * 1000), soak_report, &soak);
  g_timeout_add ((guint) (minutes * 60000), soak_quit, soak.loop);

  soak.started = g_get_monotonic_time ();
  gst_element_set_state (soak.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (soak.loop);
  soak_report (&soak);
  gst_element_set_state (soak.pipeline, GST_STATE_NULL);

  printf ("done: %u requests, %u faults, %u warnings, %u errors\n",
      pollen_emulator_get_request_count (soak.emulator), soak.faults,
      soak.warnings, soak.errors);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (soak.sink);
  gst_object_unref (soak.pipeline);
  pollen_emulator_free (soak.emulator);
  g_rand_free (soak.rand);
  g_main_loop_unref (soak.loop);
  return soak.errors ? 1 : 0;
}
