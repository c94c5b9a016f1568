/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollentts word-timings against the emulator: the request to
 * /v1/audio/speech/with-timestamps, each word on the text_src request pad
 * at the moment it is spoken (following compress), the speech on src the
 * same as without, flushes reaching the words' pad, the failures, and the
 * emulator's endpoint itself.
 *
 * The emulator speaks a text as tones (emu_media_speech_pcm()): a word of
 * n letters is n × 60 ms (at least 120 ms), 80 ms apart, so "Hello big
 * world." is Hello 0–300 ms, big 380–560 ms, world. 640–940 ms, then
 * 400 ms of sentence end. */

#include "pollentest.h"
#include "emumedia.h"
#include "pollenalignment.h"
#include "pollenclient.h"
#include "pollenwav.h"

#include <gst/check/gstharness.h>
#include <string.h>

#define TIMED_PATH "/v1/audio/speech/with-timestamps"
#define TEXT "Hello big world."
#define RATE 44100              /* the ElevenLabs models' */

typedef struct
{
  PollenTestHarness t;
  GstHarness *words;            /* on text_src */
} Fixture;

/* pollentts with @first_property … set, fed plain text (@live or not),
 * and a harness on its text_src request pad. */
static Fixture
fixture_new (gboolean live, const gchar * first_property, ...)
{
  Fixture f;
  va_list args;

  va_start (args, first_property);
  f.t = pollen_test_harness_new_valist ("pollentts",
      "text/x-raw, format=utf8", live, first_property, args);
  va_end (args);
  f.words = gst_harness_new_with_element (f.t.element, NULL, "text_src");
  return f;
}

static void
fixture_free (Fixture * f)
{
  gst_harness_teardown (f->words);
  pollen_test_harness_free (&f->t);
}

static void
push_text (Fixture * f, const gchar * text, GstClockTime pts,
    GstClockTime duration)
{
  GstBuffer *buffer = gst_buffer_new_memdup (text, strlen (text));

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  fail_unless_equals_int (gst_harness_push (f->t.h, buffer), GST_FLOW_OK);
}

static void
finish (Fixture * f)
{
  fail_unless (gst_harness_push_event (f->t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (f->t.rec);
}

typedef struct
{
  const gchar *text;
  GstClockTime pts;
  GstClockTime duration;
} Word;

static void
assert_time (GstClockTime have, GstClockTime want, GstClockTime tolerance)
{
  fail_unless (have + tolerance >= want && have <= want + tolerance,
      "%" GST_TIME_FORMAT " is not %" GST_TIME_FORMAT, GST_TIME_ARGS (have),
      GST_TIME_ARGS (want));
}

/* The words that came out on text_src are @expected (within @tolerance),
 * and a GAP went out before the first. */
static void
assert_words (Fixture * f, const Word * expected, guint n,
    GstClockTime tolerance)
{
  GstEvent *event;
  GstBuffer *buffer;
  gboolean gap = FALSE;
  guint i;

  while ((event = gst_harness_try_pull_event (f->words))) {
    gap |= GST_EVENT_TYPE (event) == GST_EVENT_GAP;
    gst_event_unref (event);
  }
  fail_unless (gap, "no GAP on text_src");
  for (i = 0; i < n; i++) {
    GstMapInfo map;

    buffer = gst_harness_try_pull (f->words);
    fail_unless (buffer != NULL, "word %u (%s) did not come", i,
        expected[i].text);
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    fail_unless (map.size == strlen (expected[i].text) &&
        memcmp (map.data, expected[i].text, map.size) == 0,
        "word %u is not %s", i, expected[i].text);
    gst_buffer_unmap (buffer, &map);
    assert_time (GST_BUFFER_PTS (buffer), expected[i].pts, tolerance);
    assert_time (GST_BUFFER_DURATION (buffer), expected[i].duration,
        tolerance);
    gst_buffer_unref (buffer);
  }
  fail_unless (gst_harness_try_pull (f->words) == NULL, "more words came");
}

/* The speech that came out on src, as one run of samples from its first
 * buffer that is not silence. */
static GBytes *
speech_out (Fixture * f, GstClockTime * pts)
{
  GByteArray *pcm = g_byte_array_new ();
  guint i;

  *pts = GST_CLOCK_TIME_NONE;
  g_mutex_lock (&f->t.rec->lock);
  for (i = 0; i < f->t.rec->items->len; i++) {
    GstBuffer *buffer = f->t.rec->items->pdata[i];
    GstMapInfo map;

    if (!GST_IS_BUFFER (buffer) ||
        GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
      continue;
    if (!GST_CLOCK_TIME_IS_VALID (*pts))
      *pts = GST_BUFFER_PTS (buffer);
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    g_byte_array_append (pcm, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
  }
  g_mutex_unlock (&f->t.rec->lock);
  return g_byte_array_free_to_bytes (pcm);
}

static JsonObject *
request_json (PollenEmulatorRequest * request, JsonParser * parser)
{
  gsize size;
  const gchar *data = g_bytes_get_data (request->body, &size);

  fail_unless (json_parser_load_from_data (parser, data, size, NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

/* ---- tests ---- */

GST_START_TEST (test_word_timings_on_the_wire)
{
  Fixture f = fixture_new (FALSE, "model", "elevenlabs", "voice", "adam",
      "word-timings", TRUE, NULL);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body;

  push_text (&f, TEXT, 0, 2 * GST_SECOND);
  finish (&f);

  request = pollen_emulator_wait_request (f.t.emulator, 0, 5000);
  fail_unless (request != NULL);
  fail_unless_equals_string (request->path, TIMED_PATH);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  body = request_json (request, parser);
  fail_unless_equals_int (json_object_get_size (body), 4);
  fail_unless_equals_string (json_object_get_string_member (body, "input"),
      TEXT);
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "elevenlabs");
  fail_unless_equals_string (json_object_get_string_member (body, "voice"),
      "adam");
  fail_unless_equals_string (json_object_get_string_member (body,
          "response_format"), "wav");
  fixture_free (&f);
}

GST_END_TEST;

/* Each word at the moment it is spoken; the speech on src is what it is
 * without word timings. */
GST_START_TEST (test_words_when_spoken)
{
  Fixture f = fixture_new (FALSE, "model", "elevenlabs", "word-timings",
      TRUE, NULL);
  const Word expected[] = {
    {"Hello", 2000 * GST_MSECOND, 300 * GST_MSECOND},
    {"big", 2380 * GST_MSECOND, 180 * GST_MSECOND},
    {"world.", 2640 * GST_MSECOND, 300 * GST_MSECOND},
  };
  g_autoptr (GBytes) pcm = emu_media_speech_pcm (TEXT, RATE);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) text_caps =
      gst_caps_from_string ("text/x-raw, format=utf8");
  GstClockTime pts;

  push_text (&f, TEXT, 2 * GST_SECOND, 2 * GST_SECOND);
  finish (&f);

  assert_words (&f, expected, G_N_ELEMENTS (expected), 0);
  caps = gst_pad_get_current_caps (f.words->sinkpad);
  fail_unless (caps != NULL && gst_caps_is_equal (caps, text_caps));
  out = speech_out (&f, &pts);
  fail_unless_equals_uint64 (pts, 2 * GST_SECOND);
  fail_unless (g_bytes_equal (out, pcm), "the speech is not the same");
  fixture_free (&f);
}

GST_END_TEST;

/* overflow=compress plays the speech (1.34 s) faster to fit its text
 * (1 s): its words come as fast. */
GST_START_TEST (test_words_follow_compress)
{
  Fixture f = fixture_new (FALSE, "model", "elevenlabs", "word-timings",
      TRUE, NULL);
  gdouble speed = 1.34;
  const Word expected[] = {
    {"Hello", GST_SECOND, 300 * GST_MSECOND / speed},
    {"big", GST_SECOND + 380 * GST_MSECOND / speed,
        (560 * GST_MSECOND / speed) - (380 * GST_MSECOND / speed)},
    {"world.", GST_SECOND + 640 * GST_MSECOND / speed,
        (940 * GST_MSECOND / speed) - (640 * GST_MSECOND / speed)},
  };

  gst_util_set_object_arg (G_OBJECT (f.t.element), "overflow", "compress");
  push_text (&f, TEXT, GST_SECOND, GST_SECOND);
  finish (&f);

  assert_words (&f, expected, G_N_ELEMENTS (expected), 2);
  fixture_free (&f);
}

GST_END_TEST;

/* text_src asked for without word-timings: a warning that says what to
 * set, and no words; the speech goes on. */
GST_START_TEST (test_text_src_without_word_timings)
{
  Fixture f = fixture_new (FALSE, "model", "elevenlabs", NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;

  /* the harness on text_src started the element again: the warning is at
   * start */
  gst_element_set_state (f.t.element, GST_STATE_READY);
  gst_element_set_state (f.t.element, GST_STATE_PLAYING);
  warning = pollen_test_pop_message (f.t.bus, GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "set word-timings=true") != NULL,
      "%s", error->message);
  gst_harness_set_src_caps_str (f.t.h, "text/x-raw, format=utf8");
  push_text (&f, TEXT, 0, 2 * GST_SECOND);
  finish (&f);
  request = pollen_emulator_wait_request (f.t.emulator, 0, 5000);
  fail_unless_equals_string (request->path, "/v1/audio/speech");
  fail_unless (gst_harness_try_pull (f.words) == NULL);
  fixture_free (&f);
}

GST_END_TEST;

/* A model without timings: the server's 400 with its message. */
GST_START_TEST (test_model_without_timings)
{
  Fixture f = fixture_new (FALSE, "model", "openai-audio", "word-timings",
      TRUE, NULL);
  g_autoptr (GstMessage) error = NULL;

  push_text (&f, TEXT, 0, 2 * GST_SECOND);
  error = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "Timestamped speech supports elevenlabs/eleven-v3");
  fixture_free (&f);
}

GST_END_TEST;

/* A 200 that is not speech with timings: an error that says so. */
GST_START_TEST (test_answer_without_alignment)
{
  Fixture f = fixture_new (FALSE, "model", "elevenlabs", "word-timings",
      TRUE, NULL);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (f.t.emulator, TIMED_PATH,
      pollen_emulator_response_new_json (200, "{\"audio_base64\":\"AAAA\"}"));
  push_text (&f, TEXT, 0, 2 * GST_SECOND);
  message = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (strstr (error->message, "is not speech with its timing: it "
          "has no alignment") != NULL, "%s", error->message);
  fixture_free (&f);
}

GST_END_TEST;

/* A flush reaches the words' pad too (the src task that feeds it stops
 * and starts again). */
GST_START_TEST (test_flush_reaches_text_src)
{
  Fixture f = fixture_new (FALSE, "model", "elevenlabs", "word-timings",
      TRUE, NULL);
  GstEvent *event;
  gboolean start = FALSE, stop = FALSE;

  fail_unless (gst_harness_push_event (f.t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f.t.h,
          gst_event_new_flush_stop (TRUE)));
  while ((event = gst_harness_try_pull_event (f.words))) {
    start |= GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_START;
    stop |= GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP;
    gst_event_unref (event);
  }
  fail_unless (start && stop);
  fixture_free (&f);
}

GST_END_TEST;

/* Live, a speech answered too late for any of it to play within max-lag
 * is dropped: none of its words come either (they would be words of
 * speech never heard, at times long past). */
GST_START_TEST (test_dropped_speech_has_no_words)
{
  Fixture f = fixture_new (TRUE, "model", "elevenlabs", "word-timings",
      TRUE, "latency", 200, "max-lag", 500, NULL);
  GstClock *clock = gst_element_get_clock (f.t.element);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  GstBuffer *word;

  pollen_emulator_set_generation_time (f.t.emulator, 2000);
  push_text (&f, TEXT, 0, GST_SECOND);
  pollen_emulator_request_unref (pollen_emulator_wait_request
      (f.t.emulator, 0, 5000));
  /* the answer comes when the clock says 5 s */
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 5 * GST_SECOND);
  gst_object_unref (clock);
  finish (&f);

  warning = pollen_test_pop_message (f.t.bus, GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "so none of it was played") != NULL,
      "%s", error->message);
  word = gst_harness_try_pull (f.words);
  fail_unless (word == NULL, "a word came at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (word ? GST_BUFFER_PTS (word) : 0));
  fixture_free (&f);
}

GST_END_TEST;

/* ---- the emulator's /v1/audio/speech/with-timestamps ---- */

static PollenResponse *
post_timed (PollenClient * client, const gchar * json, GError ** error)
{
  g_autoptr (PollenRequest) request = pollen_request_new ("POST",
      TIMED_PATH);
  g_autoptr (JsonParser) parser = json_parser_new ();

  fail_unless (json_parser_load_from_data (parser, json, -1, NULL));
  pollen_request_set_json (request,
      json_node_get_object (json_parser_get_root (parser)));
  return pollen_client_fetch (client, request, NULL, error);
}

GST_START_TEST (test_emulator_timed_speech)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 0);
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (PollenTimedSpeech) speech = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) pcm = emu_media_speech_pcm (TEXT, RATE);
  PollenWavInfo info;
  gsize size;
  const gchar *body;
  const guint8 *wav;

  response = post_timed (client, "{\"input\":\"" TEXT "\","
      "\"response_format\":\"wav\"}", &error);
  fail_unless (response != NULL, "%s", error ? error->message : "");
  fail_unless_equals_string (response->content_type, "application/json");
  body = g_bytes_get_data (response->body, &size);
  /* the provider's shape, both alignments */
  fail_unless (strstr (body, "\"normalized_alignment\"") != NULL);
  speech = pollen_timed_speech_parse (body, size, NULL, &error);
  fail_unless (speech != NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (speech->words->len, 3);
  /* the speech as /v1/audio/speech says it, at 44.1 kHz */
  wav = g_bytes_get_data (speech->audio, &size);
  fail_unless_equals_int (pollen_wav_parse_header (wav, size, &info, NULL),
      POLLEN_WAV_OK);
  fail_unless_equals_int (info.rate, RATE);
  fail_unless_equals_uint64 (info.data_size, g_bytes_get_size (pcm));
  fail_unless (memcmp (wav + info.data_offset, g_bytes_get_data (pcm, NULL),
          info.data_size) == 0);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
assert_refused (PollenClient * client, const gchar * json,
    const gchar * message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PollenResponse) response = post_timed (client, json, &error);

  fail_unless (response == NULL);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 400);
  fail_unless_equals_string (pollen_client_error_get_api_message (error),
      message);
}

GST_START_TEST (test_emulator_timed_speech_refusals)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 0);

  assert_refused (client, "{\"input\":\"Hi.\",\"model\":\"openai-audio\"}",
      "Timestamped speech supports elevenlabs/eleven-v3, "
      "elevenlabs/eleven-flash-v2.5, and elevenlabs/eleven-multilingual-v2.");
  assert_refused (client, "{\"input\":\"Hi.\",\"response_format\":\"flac\"}",
      "Timestamped speech supports mp3, opus, aac, wav, and pcm output.");
  assert_refused (client, "{\"input\":\"\"}",
      "input: String must contain at least 1 character(s)");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
pollenttswords_suite (void)
{
  Suite *s = suite_create ("pollenttswords");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_word_timings_on_the_wire);
  tcase_add_test (tc, test_words_when_spoken);
  tcase_add_test (tc, test_words_follow_compress);
  tcase_add_test (tc, test_text_src_without_word_timings);
  tcase_add_test (tc, test_model_without_timings);
  tcase_add_test (tc, test_answer_without_alignment);
  tcase_add_test (tc, test_flush_reaches_text_src);
  tcase_add_test (tc, test_dropped_speech_has_no_words);
  tcase_add_test (tc, test_emulator_timed_speech);
  tcase_add_test (tc, test_emulator_timed_speech_refusals);
  return s;
}

GST_CHECK_MAIN (pollenttswords);
