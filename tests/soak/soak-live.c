/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* soak-live: a live chain held in real time for a long while against the
 * in-process emulator, with faults injected at a chosen rate or share of
 * the requests. Not a test: it prints a line of numbers every --every
 * seconds (requests, faults, warnings, errors, how far the output lags
 * real time, speech out against speech the server made, RSS, threads,
 * fds) so that leaks and drift show as trends. See docs/reliability.md,
 * "Soak".
 *
 *   GST_PLUGIN_PATH_1_0=build/gst/pollen build/tests/soak/soak-live \
 *     --minutes 10 --chain interpreter --fault-share 0.15 */

#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <stdio.h>
#include <string.h>
#include "pollenemulator.h"

/* What runs against the emulator. */
typedef enum
{
  CHAIN_INTERPRETER,            /* stt ! chat ! tts */
  CHAIN_STT_TTS,                /* stt ! tts */
  CHAIN_TTS,                    /* a text every TEXT_EVERY ! tts */
} Chain;

static const gchar *const chain_names[] = { "interpreter", "stt-tts", "tts" };

/* the tts chain: a text this often, lasting as long */
#define TEXT_EVERY (1500 * GST_MSECOND)

typedef struct
{
  PollenEmulator *emulator;
  GstElement *pipeline;
  GstElement *sink;
  GRand *rand;
  gdouble fault_rate;           /* faults per second */
  gdouble fault_share;          /* or: faults per request */
  Chain chain;
  gint reply_words;             /* the chat's max-tokens, 0: none */
  guint faults;
  GstClockTime speech_out;      /* audio (not silence) the sink got */
  guint warnings;
  guint errors;
  gint64 started;
  GMainLoop *loop;
} Soak;

static const gchar *const soak_paths[] = {
  "/v1/audio/transcriptions", "/v1/audio/speech", "/v1/chat/completions"
};

/* One fault, scripted for the next request to one of the endpoints. */
static void
soak_inject (Soak * soak)
{
  PollenEmulatorResponse *response;
  const gchar *path = soak->chain == CHAIN_TTS ? "/v1/audio/speech" :
      soak_paths[g_rand_int_range (soak->rand, 0,
          soak->chain == CHAIN_INTERPRETER ? 3 : 2)];

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
  /* or as many as make the share of the requests so far */
  while (soak->faults < soak->fault_share *
      pollen_emulator_get_request_count (soak->emulator))
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
      "lag %+6.2f s  latency %5.2f s  speech out %7.1f of %7.1f s  "
      "rss %6ld KiB  threads %3u  fds %3u\n",
      (g_get_monotonic_time () - soak->started) / 1e6,
      pollen_emulator_get_request_count (soak->emulator), soak->faults,
      soak->warnings, soak->errors, soak_lag_s (soak),
      (gdouble) soak_latency (soak) / GST_SECOND,
      (gdouble) soak->speech_out / GST_SECOND,
      pollen_emulator_get_audio_seconds (soak->emulator), rss_kib (),
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
    case GST_MESSAGE_LATENCY:
      /* as gst-launch-1.0 does: pollentts raised its latency */
      gst_bin_recalculate_latency (GST_BIN (soak->pipeline));
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

/* Speech (not the GAP-flagged silence between) reaching the sink. */
static GstPadProbeReturn
soak_count_speech (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Soak *soak = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP) &&
      GST_BUFFER_DURATION_IS_VALID (buffer))
    soak->speech_out += GST_BUFFER_DURATION (buffer);
  return GST_PAD_PROBE_OK;
}

/* The tts chain's text: one every TEXT_EVERY of running time, timed as
 * it comes, as a live transcriber would send it. */
static gboolean
soak_push_text (gpointer user_data)
{
  Soak *soak = user_data;
  g_autoptr (GstElement) texts = gst_bin_get_by_name (GST_BIN
      (soak->pipeline), "texts");
  GstClockTime now = gst_element_get_current_running_time (soak->pipeline);
  static const gchar text[] = "A short sentence to say.";
  GstBuffer *buffer;

  if (!GST_CLOCK_TIME_IS_VALID (now))
    return G_SOURCE_CONTINUE;
  buffer = gst_buffer_new_memdup (text, sizeof (text) - 1);
  GST_BUFFER_PTS (buffer) = now;
  GST_BUFFER_DURATION (buffer) = TEXT_EVERY;
  gst_app_src_push_buffer (GST_APP_SRC (texts), buffer);
  return G_SOURCE_CONTINUE;
}

/* The stt ! chat ! tts and stt ! tts chains: the settings of the live
 * interpreter recipe, with faults covered by skip-failed. */
static gchar *
soak_transcribing_chain (Soak * soak, const gchar * url)
{
  g_autofree gchar *common = g_strdup_printf ("base-url=%s api-key=sk_soak "
      "timeout=5 retries=2 skip-failed=true latency=3000", url);
  g_autofree gchar *chat = soak->chain == CHAIN_INTERPRETER ?
      g_strdup_printf ("pollenchat output=sentence system=\"Translate into "
      "French.\" max-tokens=%d %s !", soak->reply_words, common) :
      g_strdup ("");

  return g_strdup_printf ("audiotestsrc is-live=true wave=sine volume=0.5 "
      "samplesperbuffer=1600 ! audio/x-raw,rate=16000,channels=1,"
      "format=S16LE ! pollenstt chunk-duration=3000 %s ! %s pollentts %s "
      "! audioconvert ! fakesink name=sink sync=true", common, chat, common);
}

static GstElement *
soak_pipeline (Soak * soak)
{
  const gchar *url = pollen_emulator_get_url (soak->emulator);
  /* the tts chain: pollentts's defaults, a text at a time; appsrc
   * answers with its max-latency only when min-latency is set */
  g_autofree gchar *desc = soak->chain == CHAIN_TTS ?
      g_strdup_printf ("appsrc name=texts is-live=true format=time "
      "min-latency=0 max-latency=60000000000 "
      "caps=text/x-raw,format=utf8 ! pollentts base-url=%s "
      "api-key=sk_soak ! audioconvert ! fakesink name=sink sync=true", url) :
      soak_transcribing_chain (soak, url);
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  if (!pipeline)
    g_error ("pipeline: %s", error->message);
  return pipeline;
}

static Chain
chain_from_name (const gchar * name)
{
  guint i;

  for (i = 0; name && i < G_N_ELEMENTS (chain_names); i++)
    if (g_str_equal (name, chain_names[i]))
      return i;
  if (name)
    g_error ("--chain: interpreter, stt-tts or tts, not %s", name);
  return CHAIN_INTERPRETER;
}

int
main (int argc, char **argv)
{
  gdouble minutes = 10, every = 30;
  g_autofree gchar *chain = NULL;
  gint generation_ms = 0;
  Soak soak = { 0 };
  GOptionEntry entries[] = {
    {"minutes", 'm', 0, G_OPTION_ARG_DOUBLE, &minutes,
        "How long to run (default 10)", "M"},
    {"fault-rate", 'f', 0, G_OPTION_ARG_DOUBLE, &soak.fault_rate,
        "Faults injected per second (default 0)", "R"},
    {"fault-share", 's', 0, G_OPTION_ARG_DOUBLE, &soak.fault_share,
        "Faults injected per request, e.g. 0.15 (default 0)", "F"},
    {"chain", 'c', 0, G_OPTION_ARG_STRING, &chain,
        "interpreter (stt ! chat ! tts, the default), stt-tts, or tts (a "
        "text every 1.5 s into pollentts with its defaults)", "C"},
    {"generation-ms", 'g', 0, G_OPTION_ARG_INT, &generation_ms,
        "How long the emulator takes for each answer (default 0)", "MS"},
    {"reply-words", 'w', 0, G_OPTION_ARG_INT, &soak.reply_words,
        "Interpreter: the chat's max-tokens, words to the emulator (default "
        "0: its whole reply, five sentences, some 15 s of speech for each "
        "3 s of audio; 8 is about a translation of 3 s)", "N"},
    {"every", 'e', 0, G_OPTION_ARG_DOUBLE, &every,
        "Seconds between report lines (default 30)", "S"},
    {NULL}
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- soak test");
  g_autoptr (GError) error = NULL;
  GstPad *sinkpad;
  GstBus *bus;

  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_add_group (options, gst_init_get_option_group ());
  if (!g_option_context_parse (options, &argc, &argv, &error))
    g_error ("%s", error->message);
  soak.chain = chain_from_name (chain);

  soak.emulator = pollen_emulator_new (0, &error);
  if (!soak.emulator)
    g_error ("emulator: %s", error->message);
  pollen_emulator_set_generation_time (soak.emulator, MAX (generation_ms, 0));
  soak.rand = g_rand_new ();
  soak.loop = g_main_loop_new (NULL, FALSE);
  soak.pipeline = soak_pipeline (&soak);
  soak.sink = gst_bin_get_by_name (GST_BIN (soak.pipeline), "sink");
  sinkpad = gst_element_get_static_pad (soak.sink, "sink");
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, soak_count_speech,
      &soak, NULL);
  gst_object_unref (sinkpad);
  bus = gst_element_get_bus (soak.pipeline);
  gst_bus_add_watch (bus, soak_on_message, &soak);
  g_timeout_add (100, soak_fault_tick, &soak);
  if (soak.chain == CHAIN_TTS)
    g_timeout_add (TEXT_EVERY / GST_MSECOND, soak_push_text, &soak);
  g_timeout_add ((guint) (every * 1000), soak_report, &soak);
  g_timeout_add ((guint) (minutes * 60000), soak_quit, soak.loop);

  soak.started = g_get_monotonic_time ();
  gst_element_set_state (soak.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (soak.loop);
  soak_report (&soak);
  gst_element_set_state (soak.pipeline, GST_STATE_NULL);

  printf ("done: %u requests, %u faults, %u warnings, %u errors, %.1f s of "
      "speech out of %.1f s made\n",
      pollen_emulator_get_request_count (soak.emulator), soak.faults,
      soak.warnings, soak.errors, (gdouble) soak.speech_out / GST_SECOND,
      pollen_emulator_get_audio_seconds (soak.emulator));
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (soak.sink);
  gst_object_unref (soak.pipeline);
  pollen_emulator_free (soak.emulator);
  g_rand_free (soak.rand);
  g_main_loop_unref (soak.loop);
  return soak.errors ? 1 : 0;
}
