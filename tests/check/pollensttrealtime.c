/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenstt with a realtime model (scribe-realtime), against the
 * emulator's /v1/realtime: the session's settings on the wire, the audio
 * converted to 24 kHz, each word out as it is heard, timed where its
 * utterance began and in order, the whole transcript as a message, EOS
 * after the last words, the latency of the streaming path, and refusals,
 * drops and closes. */

#include "pollentest.h"

#include <string.h>

#define RATE 16000
#define CAPS_16K "audio/x-raw, format=S16LE, layout=interleaved, " \
    "channels=1, rate=16000"
#define WAIT_MS POLLEN_TEST_MS (10000)

typedef struct
{
  PollenTestHarness t;
  GString *said;                /* every word that came out, joined */
  GArray *pts;                  /* GstClockTime, one per word */
  GArray *ends;
} Fixture;

static Fixture
fixture_from (PollenTestHarness t)
{
  Fixture f;

  f.t = t;
  f.said = g_string_new (NULL);
  f.pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  f.ends = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  return f;
}

/* pollenstt taking 16 kHz audio, with these properties. */
static Fixture
fixture_new (const gchar * first_property, ...)
{
  PollenTestHarness t;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("pollenstt", CAPS_16K,
      TRUE, first_property, args);
  va_end (args);
  return fixture_from (t);
}

static void
fixture_free (Fixture * f)
{
  g_string_free (f->said, TRUE);
  g_array_unref (f->pts);
  g_array_unref (f->ends);
  pollen_test_harness_free (&f->t);
}

/* Pushes parts of tone and silence from 0; returns where they end. */
static GstClockTime
push_parts (Fixture * f, const PollenTestPart * parts, guint n_parts)
{
  g_autoptr (GBytes) audio = pollen_test_audio_new (RATE, parts, n_parts);

  return pollen_test_push_audio (f->t.h, audio, RATE, 0);
}

/* Takes the words that came out so far. */
static void
take_words (Fixture * f)
{
  GstBuffer *buffer;

  while ((buffer = gst_harness_try_pull (f->t.h))) {
    GstMapInfo map;
    GstClockTime pts = GST_BUFFER_PTS (buffer);
    GstClockTime end = pts + GST_BUFFER_DURATION (buffer);

    gst_buffer_map (buffer, &map, GST_MAP_READ);
    g_string_append_len (f->said, (const gchar *) map.data, map.size);
    gst_buffer_unmap (buffer, &map);
    g_array_append_val (f->pts, pts);
    g_array_append_val (f->ends, end);
    gst_buffer_unref (buffer);
  }
}

/* Waits until @n words came out (or fails). */
static void
wait_words (Fixture * f, guint n)
{
  gint64 end = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (f->pts->len < n && g_get_monotonic_time () < end) {
    take_words (f);
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
  fail_unless (f->pts->len >= n, "%u words of %u came: '%s'", f->pts->len,
      n, f->said->str);
}

/* Sends EOS, waits until it came out, and takes what came before it. */
static void
finish (Fixture * f)
{
  GstEvent *event;

  fail_unless (gst_harness_push_event (f->t.h, gst_event_new_eos ()));
  while ((event = gst_harness_pull_event (f->t.h))) {
    gboolean eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;

    gst_event_unref (event);
    if (eos) {
      take_words (f);
      return;
    }
  }
  fail ("no EOS came out");
}

/* The session's settings from the element's: model in the query, the key
 * in the header only, language, prompt, the energy gate's level as the
 * voice detection's threshold and min-silence as its pause. */
GST_START_TEST (test_session_settings_on_the_wire)
{
  Fixture f = fixture_new ("model", "scribe-realtime", "language-code",
      "fr-FR", "prompt", "a cooking show", "silence-threshold", -50.0,
      "min-silence", 400, NULL);
  PollenTestPart part = { 300, TRUE };
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autofree gchar *update = NULL;

  push_parts (&f, &part, 1);
  update = pollen_emulator_realtime_wait_event (f.t.emulator,
      "session.update", WAIT_MS);
  fail_unless (update != NULL);
  fail_unless_equals_string (update, "{\"type\":\"session.update\","
      "\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":"
      "{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},"
      "\"transcription\":{\"model\":\"scribe-realtime\",\"prompt\":"
      "\"a cooking show\",\"languages\":[\"fr\"]},\"turn_detection\":"
      "{\"type\":\"server_vad\",\"threshold\":0.25,"
      "\"silence_duration_ms\":400}}}}}");
  request = pollen_emulator_wait_request (f.t.emulator, 0, 1000);
  fail_unless_equals_string (request->path, "/v1/realtime");
  fail_unless_equals_string (pollen_emulator_request_get_query (request,
          "model"), "scribe-realtime");
  fail_unless (pollen_emulator_request_get_query (request, "key") == NULL);
  fail_unless (g_str_has_prefix (pollen_emulator_request_get_header
          (request, "Authorization"), "Bearer "));
  finish (&f);
  fixture_free (&f);
}

GST_END_TEST;

/* Audio goes as 24 kHz PCM16 in pieces of about 100 ms, whatever the
 * input's rate: a second of 16 kHz input is 48000 bytes on the wire. */
GST_START_TEST (test_audio_sent_at_24k)
{
  Fixture f = fixture_new ("model", "scribe-realtime", NULL);
  PollenTestPart part = { 1000, FALSE };
  gsize total = 0;
  gchar *append;

  push_parts (&f, &part, 1);
  finish (&f);
  while ((append = pollen_emulator_realtime_wait_event (f.t.emulator,
              "input_audio_buffer.append", 0))) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    const gchar *audio;
    gsize size;
    g_autofree guchar *pcm = NULL;

    fail_unless (json_parser_load_from_data (parser, append, -1, NULL));
    audio = json_object_get_string_member (json_node_get_object
        (json_parser_get_root (parser)), "audio");
    pcm = g_base64_decode (audio, &size);
    fail_unless (size <= 4800 + 2 * 24000 / 10, "a piece of %" G_GSIZE_FORMAT
        " bytes", size);
    total += size;
    g_free (append);
  }
  /* the resampler's tail comes out at the end: every sample is sent */
  fail_unless (total >= 47900 && total <= 48100, "%" G_GSIZE_FORMAT " bytes",
      total);
  fixture_free (&f);
}

GST_END_TEST;

/* Words come out as they are heard, each once, in order, from where the
 * utterance began; the whole transcript is a message saying the deltas
 * matched; EOS comes after the last words. */
GST_START_TEST (test_words_as_they_are_heard)
{
  Fixture f = fixture_new ("model", "scribe-realtime", NULL);
  PollenTestPart parts[] = { {200, FALSE}, {1000, TRUE}, {800, FALSE},
  {700, TRUE}, {800, FALSE}
  };
  g_autoptr (GstMessage) result = NULL;
  const GstStructure *s;
  gboolean matches = FALSE;
  guint i;

  push_parts (&f, parts, G_N_ELEMENTS (parts));
  wait_words (&f, 5);
  finish (&f);
  /* a word a 300 ms of speech: 3, then 2 */
  fail_unless_equals_string (f.said->str, "alpha bravo charlie"
      "hotel india");
  fail_unless_equals_int (f.pts->len, 5);
  /* the first word where the first utterance began, the fourth where the
   * second did (10 ms frames) */
  fail_unless (g_array_index (f.pts, GstClockTime, 0) >= 190 * GST_MSECOND
      && g_array_index (f.pts, GstClockTime, 0) <= 210 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (g_array_index (f.pts, GstClockTime,
              0)));
  fail_unless (g_array_index (f.pts, GstClockTime, 3) >= 1990 * GST_MSECOND
      && g_array_index (f.pts, GstClockTime, 3) <= 2010 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (g_array_index (f.pts, GstClockTime,
              3)));
  for (i = 1; i < f.pts->len; i++)
    fail_unless (g_array_index (f.pts, GstClockTime, i) >=
        g_array_index (f.ends, GstClockTime, i - 1));

  result = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ELEMENT);
  fail_unless (result != NULL);
  s = gst_message_get_structure (result);
  fail_unless (gst_structure_has_name (s, "pollenstt-result"));
  fail_unless_equals_string (gst_structure_get_string (s, "text"),
      "alpha bravo charlie");
  fail_unless_equals_string (gst_structure_get_string (s, "response-format"),
      "realtime");
  fail_unless (gst_structure_get_boolean (s, "matches-deltas", &matches));
  fail_unless (matches);
  fixture_free (&f);
}

GST_END_TEST;

/* Live, a word cannot end after the audio that had gone out when it came:
 * audio pushed 100 ms at a time, each piece taken by the server before the
 * next, and no word reaches past what was pushed (a word a 300 ms of
 * speech is faster than a speaker's pace, which must not carry the words
 * ahead of the audio). */
GST_START_TEST (test_live_words_stay_with_the_audio)
{
  Fixture f = fixture_new ("model", "scribe-realtime", NULL);
  PollenTestPart tone = { 100, TRUE };
  g_autoptr (GBytes) piece = pollen_test_audio_new (RATE, &tone, 1);
  GstClockTime pushed = 0;
  guint i, seen = 0;

  for (i = 0; i < 30; i++) {
    g_free (pollen_emulator_realtime_wait_event (f.t.emulator,
            "input_audio_buffer.append", POLLEN_TEST_MS (200)));
    pushed = pollen_test_push_audio (f.t.h, piece, RATE, pushed);
    take_words (&f);
    for (; seen < f.ends->len; seen++)
      fail_unless (g_array_index (f.ends, GstClockTime, seen) <= pushed +
          100 * GST_MSECOND, "word %u ends at %" GST_TIME_FORMAT " with "
          "%" GST_TIME_FORMAT " of audio pushed", seen,
          GST_TIME_ARGS (g_array_index (f.ends, GstClockTime, seen)),
          GST_TIME_ARGS (pushed));
  }
  finish (&f);
  fail_unless (f.ends->len >= 8, "'%s'", f.said->str);
  fail_unless (g_array_index (f.ends, GstClockTime, f.ends->len - 1) <=
      pushed + 100 * GST_MSECOND, "the last word ends at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (g_array_index (f.ends, GstClockTime, f.ends->len - 1)));
  fixture_free (&f);
}

GST_END_TEST;

/* Live, the server sends a word some time after it was said; the words
 * are timed where they were said, not where the audio had got to when
 * they came. The server here sends each word (a 300 ms of tone) once it
 * heard the next word's audio too: 300 ms late. At 24 kHz, the session's
 * rate, every piece goes out as it is pushed. */
GST_START_TEST (test_live_words_timed_where_said)
{
  Fixture f = fixture_from (pollen_test_harness_new ("pollenstt",
          "audio/x-raw, format=S16LE, layout=interleaved, channels=1, "
          "rate=24000", "model", "scribe-realtime", NULL));
  PollenTestPart tone = { 300, TRUE };
  g_autoptr (GBytes) word = pollen_test_audio_new (24000, &tone, 1);
  GstClockTime pushed = 0;
  guint k;

  pollen_emulator_set_realtime_lag (f.t.emulator, 300);
  pushed = pollen_test_push_audio (f.t.h, word, 24000, pushed);
  for (k = 1; k <= 6; k++) {
    pushed = pollen_test_push_audio (f.t.h, word, 24000, pushed);
    wait_words (&f, k);
  }
  for (k = 2; k <= 6; k++) {
    GstClockTime pts = g_array_index (f.pts, GstClockTime, k - 1);
    GstClockTime said = (k - 1) * 300 * GST_MSECOND;

    fail_unless (pts + 100 * GST_MSECOND >= said &&
        pts <= said + 100 * GST_MSECOND, "word %u said at %" GST_TIME_FORMAT
        " is timed at %" GST_TIME_FORMAT, k, GST_TIME_ARGS (said),
        GST_TIME_ARGS (pts));
  }
  finish (&f);
  fixture_free (&f);
}

GST_END_TEST;

/* Speech with no pause after it: EOS commits the last utterance, and its
 * words are out before EOS. */
GST_START_TEST (test_eos_commits_the_last_words)
{
  Fixture f = fixture_new ("model", "scribe-realtime", NULL);
  PollenTestPart part = { 650, TRUE };
  g_autofree gchar *commit = NULL;

  push_parts (&f, &part, 1);
  finish (&f);
  commit = pollen_emulator_realtime_wait_event (f.t.emulator,
      "input_audio_buffer.commit", 0);
  fail_unless (commit != NULL);
  fail_unless_equals_string (f.said->str, "alpha bravo");
  fixture_free (&f);
}

GST_END_TEST;

/* Live, the element adds its latency (1 s unless set) and no chunk. */
GST_START_TEST (test_latency_of_the_streaming_path)
{
  Fixture f = fixture_new ("model", "scribe-realtime", NULL);
  Fixture set = fixture_new ("model", "scribe-realtime", "latency", 400,
      NULL);

  fail_unless_equals_uint64 (pollen_test_query_live_latency (&f.t,
          20 * GST_MSECOND), 1020 * GST_MSECOND);
  fail_unless_equals_uint64 (pollen_test_query_live_latency (&set.t,
          20 * GST_MSECOND), 420 * GST_MSECOND);
  fixture_free (&f);
  fixture_free (&set);
}

GST_END_TEST;

/* A conversation model cannot transcribe: an error at the state change
 * that says which model can. */
GST_START_TEST (test_conversation_model_refused)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *stt = pollen_test_element_new ("pollenstt", emulator);
  GstBus *bus = gst_bus_new ();
  g_autoptr (GstMessage) error = NULL;
  g_autoptr (GError) gerror = NULL;

  gst_element_set_bus (stt, bus);
  g_object_set (stt, "model", "gpt-realtime-2.1", NULL);
  fail_unless_equals_int (gst_element_set_state (stt, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  error = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (error != NULL);
  gst_message_parse_error (error, &gerror, NULL);
  fail_unless (g_error_matches (gerror, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (gerror->message, "model=scribe-realtime"), "%s",
      gerror->message);
  gst_element_set_state (stt, GST_STATE_NULL);
  gst_element_set_bus (stt, NULL);
  gst_object_unref (bus);
  gst_object_unref (stt);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A refused session is an element error with the server's message and
 * details. */
GST_START_TEST (test_refused_session_is_an_error)
{
  Fixture f = fixture_new ("model", "scribe-realtime", "api-key", "nokey",
      "retries", 0, NULL);
  PollenTestPart part = { 300, TRUE };
  g_autoptr (GstMessage) error = NULL;

  push_parts (&f, &part, 1);
  gst_harness_push_event (f.t.h, gst_event_new_eos ());
  error = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ERROR);
  fail_unless (error != NULL);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_NOT_AUTHORIZED, 401,
      "UNAUTHORIZED", "Invalid API key");
  fixture_free (&f);
}

GST_END_TEST;

/* A dropped connection is opened again: a warning says so, and the words
 * go on. */
GST_START_TEST (test_dropped_session_goes_on)
{
  Fixture f = fixture_new ("model", "scribe-realtime", "retries", 2, NULL);
  PollenTestPart speech = { 700, TRUE };
  PollenTestPart rest[] = { {500, FALSE}, {700, TRUE}, {800, FALSE} };
  g_autoptr (GBytes) more = pollen_test_audio_new (RATE, rest,
      G_N_ELEMENTS (rest));
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) gerror = NULL;
  GstClockTime end;

  end = push_parts (&f, &speech, 1);
  wait_words (&f, 2);
  pollen_emulator_realtime_drop (f.t.emulator);
  warning = pollen_test_pop_message (f.t.bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &gerror, NULL);
  fail_unless (strstr (gerror->message, "dropped and was opened again"),
      "%s", gerror->message);
  pollen_test_push_audio (f.t.h, more, RATE, end);
  finish (&f);
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (f.t.emulator), 2);
  fail_unless (f.pts->len >= 4, "'%s'", f.said->str);
  fixture_free (&f);
}

GST_END_TEST;

/* A session the server ends with a reason (a provider failure) is an
 * error that quotes the reason; it is not opened again. */
GST_START_TEST (test_closed_session_is_an_error)
{
  Fixture f = fixture_new ("model", "scribe-realtime", "retries", 2, NULL);
  PollenTestPart speech = { 700, TRUE };
  g_autoptr (GstMessage) error = NULL;
  g_autoptr (GError) gerror = NULL;

  push_parts (&f, &speech, 1);
  wait_words (&f, 1);
  pollen_emulator_realtime_close (f.t.emulator, 1011,
      "provider_error: the transcriber is down");
  error = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ERROR);
  fail_unless (error != NULL, "no error for the closed session");
  gst_message_parse_error (error, &gerror, NULL);
  fail_unless (strstr (gerror->message, "the transcriber is down"), "%s",
      gerror->message);
  fail_unless (strstr (gerror->message, "1011"), "%s", gerror->message);
  fail_if (strstr (gerror->message, POLLEN_TEST_KEY));
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (f.t.emulator), 1);
  fixture_free (&f);
}

GST_END_TEST;

/* A flush ends the session: the next audio opens a new one, whose words
 * come out. */
GST_START_TEST (test_flush_ends_the_session)
{
  Fixture f = fixture_new ("model", "scribe-realtime", NULL);
  PollenTestPart speech = { 700, TRUE };

  push_parts (&f, &speech, 1);
  wait_words (&f, 1);
  fail_unless (gst_harness_push_event (f.t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f.t.h,
          gst_event_new_flush_stop (TRUE)));
  gst_harness_push_event (f.t.h, gst_event_new_segment (&(GstSegment) {
        .format = GST_FORMAT_TIME, .rate = 1.0, .applied_rate = 1.0,
        .stop = GST_CLOCK_TIME_NONE, .duration = GST_CLOCK_TIME_NONE}));
  g_array_set_size (f.pts, 0);
  g_string_truncate (f.said, 0);
  take_words (&f);
  push_parts (&f, &speech, 1);
  finish (&f);
  fail_unless (f.pts->len >= 1, "no words after the flush");
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (f.t.emulator), 2);
  fixture_free (&f);
}

GST_END_TEST;

static Suite *
pollensttrealtime_suite (void)
{
  Suite *s = suite_create ("pollensttrealtime");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_session_settings_on_the_wire);
  tcase_add_test (tc, test_audio_sent_at_24k);
  tcase_add_test (tc, test_words_as_they_are_heard);
  tcase_add_test (tc, test_eos_commits_the_last_words);
  tcase_add_test (tc, test_live_words_stay_with_the_audio);
  tcase_add_test (tc, test_live_words_timed_where_said);
  tcase_add_test (tc, test_latency_of_the_streaming_path);
  tcase_add_test (tc, test_conversation_model_refused);
  tcase_add_test (tc, test_refused_session_is_an_error);
  tcase_add_test (tc, test_dropped_session_goes_on);
  tcase_add_test (tc, test_closed_session_is_an_error);
  tcase_add_test (tc, test_flush_ends_the_session);
  return s;
}

GST_CHECK_MAIN (pollensttrealtime);
