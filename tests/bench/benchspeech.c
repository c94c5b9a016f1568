/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Live speech, spoken into a pipeline as a microphone gives it: what
 * bench-pollen's live steps share ((i) live captions, (j) mouth-to-ear);
 * (d) takes the speech alone, as a recording.
 *
 * The speech is utterances between silent pauses: for (i) a 440 Hz tone
 * at the level every emulator endpoint finds speech by, a word being
 * BENCH_WORD_MS of it, so its words are the realtime emulator's words; for
 * (d) and (j) sentences spoken by espeak-ng, cut to their sound (the first
 * to the last sample above -40 dBFS, the level both emulator transcribers
 * find sound by). It goes into `appsrc name=mic is-live=true` in BUFFER_MS
 * buffers, each pushed once the pipeline's clock has passed its last
 * sample, stamped with the running time it was spoken (the source starts
 * at 0 when the pipeline does), so stream time is running time. */

#include "benchspeech.h"
#include "benchread.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define RATE BENCH_SPEECH_RATE
#define BUFFER_MS 20            /* a microphone's buffers */
#define LEAD_MS 1000            /* silence before the first word */
#define TAIL_MS 1000            /* and after the last */
#define AMPLITUDE 8000          /* -12 dBFS: speech to every energy gate */
#define SOUND_LEVEL 328         /* -40 dBFS: where sound begins */
#define SPEECH_CAPS "audio/x-raw,format=S16LE,layout=interleaved," \
  "channels=1,rate=" G_STRINGIFY (BENCH_SPEECH_RATE)

/* ---- an utterance's sound ---- */

static GBytes *
tone_new (guint ms)
{
  gsize n = (gsize) RATE * ms / 1000, i;
  gint16 *samples = g_new (gint16, n);

  for (i = 0; i < n; i++)
    samples[i] = GINT16_TO_LE ((gint16) (AMPLITUDE * sin (2 * G_PI * 440 *
                i / RATE)));
  return g_bytes_new_take (samples, n * 2);
}

/* @pcm (PCM16) from its first to its last sample louder than SOUND_LEVEL;
 * NULL when it is silent. */
static GBytes *
sound_of (GBytes * pcm)
{
  gsize n = g_bytes_get_size (pcm) / 2, first = 0, last = n;
  const gint16 *samples = g_bytes_get_data (pcm, NULL);

  while (first < n && ABS (GINT16_FROM_LE (samples[first])) <= SOUND_LEVEL)
    first++;
  while (last > first && ABS (GINT16_FROM_LE (samples[last - 1])) <=
      SOUND_LEVEL)
    last--;
  return last > first ? g_bytes_new_from_bytes (pcm, first * 2,
      (last - first) * 2) : NULL;
}

/* The WAV file at @path as SPEECH_CAPS, or NULL with why printed. */
static GBytes *
decode_wav (const gchar * path)
{
  g_autofree gchar *description = g_strdup_printf ("filesrc location=\"%s\" "
      "! wavparse ! audioconvert ! audioresample ! " SPEECH_CAPS " ! appsink "
      "name=out sync=false", path);
  g_autoptr (GstElement) pipeline = bench_pipeline_new (description);
  g_autoptr (GstElement) out = pipeline ? gst_bin_get_by_name (GST_BIN
      (pipeline), "out") : NULL;
  g_autoptr (GByteArray) pcm = g_byte_array_new ();
  GstSample *sample;
  gboolean whole;

  if (!out)
    return NULL;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* an error stops the stream without EOS: the wait ends it */
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (out),
              10 * GST_SECOND))) {
    GstMapInfo map;

    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    g_byte_array_append (pcm, map.data, map.size);
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
  }
  whole = gst_app_sink_is_eos (GST_APP_SINK (out));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (!whole) {
    g_printerr ("bench-pollen: cannot decode espeak-ng's %s\n", path);
    return NULL;
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&pcm));
}

static gboolean
espeak (const gchar * text, const gchar * path, GError ** error)
{
  const gchar *argv[] = { "espeak-ng", "-v", "en-us", "-w", path, text, NULL };
  gint status;

  return g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH,
      NULL, NULL, NULL, NULL, &status, error) &&
      g_spawn_check_wait_status (status, error);
}

/* @text spoken by espeak-ng (American English), cut to its sound; NULL,
 * with why printed, when espeak-ng could not say it. */
static GBytes *
say (const gchar * text)
{
  g_autofree gchar *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) pcm = NULL;
  GBytes *sound = NULL;
  gint fd = g_file_open_tmp ("bench-speech-XXXXXX.wav", &path, &error);

  if (fd >= 0) {
    close (fd);
    if (espeak (text, path, &error))
      pcm = decode_wav (path);
    g_unlink (path);
  }
  if (error)
    g_printerr ("bench-pollen: espeak-ng (Debian package espeak-ng): %s\n",
        error->message);
  else if (pcm && !(sound = sound_of (pcm)))
    g_printerr ("bench-pollen: espeak-ng said \"%s\" in silence\n", text);
  return sound;
}

/* ---- the speech ---- */

/* The @n-th of the 0-terminated @values, repeated. */
static guint
rhythm_nth (const guint * values, guint n)
{
  guint count = 0;

  while (values[count])
    count++;
  return values[n % count];
}

/* The sound of utterance @u of @rhythm, and its *@words; NULL, with why
 * printed, when it could not be made. */
static GBytes *
utterance_sound (const BenchRhythm * rhythm, guint u, guint * words)
{
  const gchar *sentence;
  g_auto (GStrv) split = NULL;

  if (!rhythm->sentences) {
    *words = rhythm_nth (rhythm->words, u);
    return tone_new (*words * BENCH_WORD_MS);
  }
  sentence = rhythm->sentences[u % g_strv_length ((GStrv) rhythm->sentences)];
  split = g_strsplit (sentence, " ", -1);
  *words = g_strv_length (split);
  return say (sentence);
}

static GstClockTime
samples_time (gsize bytes)
{
  return gst_util_uint64_scale_int (bytes / 2, GST_SECOND, RATE);
}

static void
append_silence (GByteArray * pcm, guint ms)
{
  gsize at = pcm->len, size = (gsize) RATE * ms / 1000 * 2;

  g_byte_array_set_size (pcm, at + size);
  memset (pcm->data + at, 0, size);
}

/**
 * bench_speech_new:
 * @schedule: (element-type BenchUtterance): gets the utterances
 *
 * Returns: (transfer full): @utterances utterances at @rhythm, PCM16 mono
 * at 24 kHz, between LEAD_MS and TAIL_MS of silence; NULL, with why
 * printed, when espeak-ng could not say a sentence.
 */
GBytes *
bench_speech_new (const BenchRhythm * rhythm, guint utterances,
    GArray * schedule)
{
  g_autoptr (GByteArray) pcm = g_byte_array_new ();
  guint u;

  append_silence (pcm, LEAD_MS);
  for (u = 0; u < utterances; u++) {
    BenchUtterance utterance = { samples_time (pcm->len), 0, 0 };
    g_autoptr (GBytes) sound = utterance_sound (rhythm, u, &utterance.words);

    if (!sound)
      return NULL;
    utterance.duration = samples_time (g_bytes_get_size (sound));
    g_array_append_val (schedule, utterance);
    g_byte_array_append (pcm, g_bytes_get_data (sound, NULL),
        g_bytes_get_size (sound));
    append_silence (pcm, u + 1 < utterances ?
        rhythm_nth (rhythm->pause_ms, u) : TAIL_MS);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&pcm));
}

/* The stream (and running) time @utterance's sound ends. */
GstClockTime
bench_utterance_end (const BenchUtterance * utterance)
{
  return utterance->onset + utterance->duration;
}

/* ---- the pipeline ---- */

/* Points every element of @pipeline that talks to the server at
 * @emulator. */
static void
point_at (GstElement * pipeline, PollenEmulator * emulator)
{
  g_autoptr (GstIterator) elements = gst_bin_iterate_elements (GST_BIN
      (pipeline));
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (elements, &item) == GST_ITERATOR_OK) {
    GObject *element = g_value_get_object (&item);

    if (g_object_class_find_property (G_OBJECT_GET_CLASS (element),
            "base-url"))
      g_object_set (element, "base-url", pollen_emulator_get_url (emulator),
          "api-key", BENCH_KEY, NULL);
    g_value_reset (&item);
  }
  g_value_unset (&item);
}

/**
 * bench_speech_pipeline:
 * @rest: what follows the live source, "pollenstt ! fakesink" …
 *
 * Returns: (transfer full): `appsrc name=mic … ! @rest`, each element that
 * talks to a server pointed at @emulator.
 */
GstElement *
bench_speech_pipeline (PollenEmulator * emulator, const gchar * rest)
{
  g_autofree gchar *description = g_strdup_printf ("appsrc name=mic "
      "is-live=true format=time min-latency=%" G_GUINT64_FORMAT " caps="
      SPEECH_CAPS " ! %s", BUFFER_MS * GST_MSECOND, rest);
  GstElement *pipeline = bench_pipeline_new (description);

  if (!pipeline)
    return NULL;
  point_at (pipeline, emulator);
  return pipeline;
}

/* ---- speaking ---- */

GstClockTime
bench_running_time (GstElement * pipeline)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (pipeline);

  return gst_clock_get_time (clock) - gst_element_get_base_time (pipeline);
}

/* Takes the next EOS or error on @bus, waiting up to @timeout: FALSE,
 * with why printed, on an error; *@eos says whether EOS came. */
static gboolean
bus_ok (GstBus * bus, GstClockTime timeout, gboolean * eos)
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

/**
 * bench_speak:
 * @pipeline: from bench_speech_pipeline(), PLAYING
 *
 * Pushes @speech into the pipeline's source as a microphone does:
 * BUFFER_MS at a time, each when the pipeline's clock has passed its last
 * sample; then EOS, and waits for it at the sinks.
 *
 * Returns: FALSE, with why printed, when the pipeline failed.
 */
gboolean
bench_speak (GstElement * pipeline, GBytes * speech)
{
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline),
      "mic");
  g_autoptr (GstClock) clock = gst_element_get_clock (pipeline);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  GstClockTime base = gst_element_get_base_time (pipeline);
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
        !bus_ok (bus, 0, &eos) || eos)
      return FALSE;
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  return bus_ok (bus, 60 * GST_SECOND, &eos) && eos;
}

/* Appends @diff to @values in ms: a score of the live steps. */
void
bench_add_ms (GArray * values, GstClockTimeDiff diff)
{
  gdouble ms = diff / 1e6;

  g_array_append_val (values, ms);
}
