/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollentts against the emulator: the JSON on the wire, caps and
 * timestamps of the speech, the overflow modes, ordering with several
 * requests in flight, streaming, flush and EOS, gaps, the text clean-up
 * (markup, UTF-8, splitting), failures, latency, a subtitle file through
 * subparse, and the emulator's /v1/audio/speech itself.
 *
 * The emulator speaks a text as tones (emu_media_speech_pcm()), so the
 * samples each text must give are known exactly. */

#include "pollentest.h"
#include "emumedia.h"
#include "emuwav.h"
#include "emuserver.h"
#include "pollenclient.h"
#include "pollenmedia.h"
#include "pollentext.h"
#include "pollenwav.h"

#include <gst/app/app.h>
#include <gst/audio/audio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define SPEECH_PATH "/v1/audio/speech"
/* the default model's rate: tts-1 is an alias whose rate the server
 * decides, so the emulator says it */
#define RATE (emu_speech_rate_for_model ("tts-1"))
#define BPF 2                   /* S16LE mono */

#define MS(ms) POLLEN_TEST_MS (ms)
#define WAIT POLLEN_TEST_WAIT
#define ELAPSED_MS(since) ((g_get_monotonic_time () - (since)) / 1000)

/* ---- recording what comes out, in order (pollentest's recorder) ---- */

typedef PollenTestRecorder Recorder;
#define recorder_new pollen_test_recorder_new
#define recorder_free pollen_test_recorder_free
#define recorder_clear pollen_test_recorder_clear
#define recorder_wait_eos pollen_test_recorder_wait_eos
#define recorder_count_events pollen_test_recorder_count_events

static gboolean
is_speech (GstMiniObject * obj)
{
  return GST_IS_BUFFER (obj) &&
      !GST_BUFFER_FLAG_IS_SET (GST_BUFFER_CAST (obj), GST_BUFFER_FLAG_GAP);
}

/* Waits until @count buffers of speech came out; returns the monotonic
 * time when the first of them was seen, -1 when they did not come. */
static gboolean
recorder_wait_speech (Recorder * rec, guint count)
{
  gint64 deadline = g_get_monotonic_time () + WAIT / GST_USECOND;
  gboolean found = FALSE;

  g_mutex_lock (&rec->lock);
  for (;;) {
    guint i, n = 0;

    for (i = 0; i < rec->items->len; i++)
      n += is_speech (rec->items->pdata[i]);
    if ((found = n >= count))
      break;
    if (!g_cond_wait_until (&rec->cond, &rec->lock, deadline))
      break;
  }
  g_mutex_unlock (&rec->lock);
  return found;
}

/* One speech as it came out: buffers from one with DISCONT (each speech
 * starts with one) up to the next. */
typedef struct
{
  GstClockTime pts;
  GstClockTime end;
  GByteArray *data;
  GstCaps *caps;
  gboolean discont_only_first;
} Speech;

static void
speech_clear (gpointer data)
{
  Speech *speech = data;

  g_byte_array_unref (speech->data);
  gst_clear_caps (&speech->caps);
}

/* The speeches in what came out, and the caps they came with. Call after
 * EOS. */
static GArray *
recorder_speeches (Recorder * rec)
{
  GArray *speeches = g_array_new (FALSE, TRUE, sizeof (Speech));
  GstCaps *caps = NULL;
  Speech *current = NULL;
  guint i;

  g_array_set_clear_func (speeches, speech_clear);
  for (i = 0; i < rec->items->len; i++) {
    GstMiniObject *obj = rec->items->pdata[i];
    GstBuffer *buffer;
    GstMapInfo map;

    if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_CAPS) {
      gst_event_parse_caps (GST_EVENT_CAST (obj), &caps);
      continue;
    }
    if (!is_speech (obj)) {
      if (GST_IS_BUFFER (obj))
        current = NULL;
      continue;
    }
    buffer = GST_BUFFER_CAST (obj);
    if (!current || GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DISCONT)) {
      Speech s = { 0, };

      s.pts = GST_BUFFER_PTS (buffer);
      s.data = g_byte_array_new ();
      s.caps = caps ? gst_caps_ref (caps) : NULL;
      g_array_append_val (speeches, s);
      current = &g_array_index (speeches, Speech, speeches->len - 1);
    }
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    g_byte_array_append (current->data, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
    if (GST_BUFFER_DURATION_IS_VALID (buffer))
      current->end = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);
  }
  return speeches;
}

#define speech_at(speeches, i) (&g_array_index ((speeches), Speech, (i)))

/* Raw buffers, speech and silence, follow each other without a hole from
 * @from on; returns where they end. */
static GstClockTime
recorder_assert_contiguous (Recorder * rec, GstClockTime from)
{
  GstClockTime next = from;
  guint i;

  for (i = 0; i < rec->items->len; i++) {
    GstBuffer *buffer = rec->items->pdata[i];

    if (!GST_IS_BUFFER (buffer))
      continue;
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), next);
    fail_unless (GST_BUFFER_DURATION_IS_VALID (buffer));
    next += GST_BUFFER_DURATION (buffer);
  }
  return next;
}

/* The silence (GAP-flagged buffers) that came out, and that it is all
 * zeros. */
static GstClockTime
recorder_silence (Recorder * rec)
{
  GstClockTime total = 0;
  guint i;

  for (i = 0; i < rec->items->len; i++) {
    GstBuffer *buffer = rec->items->pdata[i];
    GstMapInfo map;
    gsize j;

    if (!GST_IS_BUFFER (buffer) || is_speech (rec->items->pdata[i]))
      continue;
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    for (j = 0; j < map.size; j++)
      fail_unless_equals_int (map.data[j], 0);
    gst_buffer_unmap (buffer, &map);
    total += GST_BUFFER_DURATION (buffer);
  }
  return total;
}

/* ---- pollentts in a harness ---- */

typedef PollenTestHarness Tts;

#define TEXT_CAPS "text/x-raw, format=utf8"

/* pollentts (pointed at a fresh emulator, no retries) with @first_property
 * … set, in a harness fed non-live plain text. */
static Tts
tts_new (const gchar * first_property, ...)
{
  Tts t;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("pollentts", TEXT_CAPS, FALSE,
      first_property, args);
  va_end (args);
  return t;
}

/* The same behind a live source (live from the first segment, when the
 * element asks). */
#define tts_new_live(...) \
  pollen_test_harness_new ("pollentts", TEXT_CAPS, __VA_ARGS__)

#define tts_free pollen_test_harness_free

static void
push_text (Tts * t, const gchar * text, GstClockTime pts,
    GstClockTime duration)
{
  GstBuffer *buffer = *text ? gst_buffer_new_memdup (text, strlen (text)) :
      gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  fail_unless_equals_int (gst_harness_push (t->h, buffer), GST_FLOW_OK);
}

static void
push_eos_and_wait (Tts * t)
{
  fail_unless (gst_harness_push_event (t->h, gst_event_new_eos ()));
  recorder_wait_eos (t->rec);
}

/* The first message of @type on the element's bus, or NULL. */
static GstMessage *
tts_pop_message (Tts * t, GstMessageType type)
{
  return gst_bus_pop_filtered (t->bus, type);
}

/* What the emulator's default handler speaks for @text, as S16LE. */
static GBytes *
expected_pcm (const gchar * text, guint rate)
{
  return emu_media_speech_pcm (text, rate);
}

/* The same, encoded as the emulator answers @format. */
static GBytes *
expected_encoded (const gchar * text, const gchar * format,
    const gchar ** content_type)
{
  g_autoptr (GBytes) pcm = expected_pcm (text, RATE);
  g_autoptr (GError) error = NULL;
  GBytes *encoded = emu_media_encode_audio (pcm, RATE, format, content_type,
      &error);

  fail_unless (encoded != NULL, "%s", error ? error->message : "");
  return encoded;
}

static GstClockTime
pcm_duration (GBytes * pcm, guint rate)
{
  return gst_util_uint64_scale (g_bytes_get_size (pcm) / BPF, GST_SECOND,
      rate);
}

static void
assert_speech_is (Speech * speech, GBytes * pcm)
{
  fail_unless_equals_int (speech->data->len, g_bytes_get_size (pcm));
  fail_unless (memcmp (speech->data->data, g_bytes_get_data (pcm, NULL),
          speech->data->len) == 0, "speech samples differ");
}

static void
assert_raw_caps (GstCaps * caps, gint rate, gint channels)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gint value;

  fail_unless (gst_structure_has_name (s, "audio/x-raw"), "%" GST_PTR_FORMAT,
      caps);
  fail_unless_equals_string (gst_structure_get_string (s, "format"), "S16LE");
  fail_unless_equals_string (gst_structure_get_string (s, "layout"),
      "interleaved");
  fail_unless (gst_structure_get_int (s, "rate", &value));
  fail_unless_equals_int (value, rate);
  fail_unless (gst_structure_get_int (s, "channels", &value));
  fail_unless_equals_int (value, channels);
}

static JsonObject *
request_json (PollenEmulatorRequest * request, JsonParser * parser)
{
  gsize size;
  const gchar *data = g_bytes_get_data (request->body, &size);

  fail_unless (json_parser_load_from_data (parser, data, size, NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

static gchar *
request_input (PollenEmulator * emulator, guint index)
{
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (emulator, index, MS (5000));
  g_autoptr (JsonParser) parser = json_parser_new ();

  fail_unless (request != NULL, "request %u never came", index);
  return g_strdup (json_object_get_string_member (request_json (request,
              parser), "input"));
}

/* A scripted WAV answer speaking @text at @rate. */
static PollenEmulatorResponse *
wav_response (const gchar * text, guint rate)
{
  g_autoptr (GBytes) pcm = expected_pcm (text, rate);
  g_autoptr (GBytes) wav = emu_wav_new (pcm, rate, 1);
  gsize size;
  gconstpointer data = g_bytes_get_data (wav, &size);

  return pollen_emulator_response_new (200, "audio/wav", data, size);
}

/* ---- the request ---- */

GST_START_TEST (test_request_on_the_wire)
{
  g_autoptr (GstStructure) extra =
      gst_structure_from_string ("params, speed=(double)1.25, seed=(int)7",
      NULL);
  Tts t = tts_new ("voice", "nova", "model", "tts-1-hd",
      "instructions", "calm, slow", "extra-params", extra, NULL);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body;

  push_text (&t, "Hello world.", 0, 2 * GST_SECOND);
  push_eos_and_wait (&t);

  request = pollen_emulator_wait_request (t.emulator, 0, MS (1000));
  fail_unless_equals_string (request->method, "POST");
  fail_unless_equals_string (request->path, SPEECH_PATH);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  fail_unless (g_str_has_prefix (pollen_emulator_request_get_header (request,
              "Content-Type"), "application/json"));
  body = request_json (request, parser);
  fail_unless_equals_int (json_object_get_size (body), 7);
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "tts-1-hd");
  fail_unless_equals_string (json_object_get_string_member (body, "input"),
      "Hello world.");
  fail_unless_equals_string (json_object_get_string_member (body, "voice"),
      "nova");
  fail_unless_equals_string (json_object_get_string_member (body,
          "response_format"), "wav");
  fail_unless_equals_string (json_object_get_string_member (body,
          "instructions"), "calm, slow");
  fail_unless_equals_float (json_object_get_double_member (body, "speed"),
      1.25);
  fail_unless_equals_int (json_object_get_int_member (body, "seed"), 7);
  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 1);
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_request_defaults)
{
  Tts t = tts_new ("response-format", 2 /* mp3 */ , NULL);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body;

  push_text (&t, "Hi.", 0, GST_SECOND);
  push_eos_and_wait (&t);

  request = pollen_emulator_wait_request (t.emulator, 0, MS (1000));
  body = request_json (request, parser);
  fail_unless_equals_int (json_object_get_size (body), 4);
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "tts-1");
  fail_unless_equals_string (json_object_get_string_member (body, "voice"),
      "alloy");
  fail_unless_equals_string (json_object_get_string_member (body,
          "response_format"), "mp3");
  fail_if (json_object_has_member (body, "instructions"));
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_properties)
{
  GstElement *tts = gst_element_factory_make ("pollentts", NULL);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (tts),
      "api-key");
  g_autofree gchar *voice = NULL, *model = NULL;
  guint latency, max_in_flight, pcm_rate;
  gboolean skip_failed;
  gint overflow, format;

  fail_unless (pspec != NULL);
  fail_if (pspec->flags & G_PARAM_READABLE, "api-key must be write-only");
  g_object_get (tts, "voice", &voice, "model", &model, "latency", &latency,
      "max-in-flight", &max_in_flight, "pcm-rate", &pcm_rate, "skip-failed",
      &skip_failed, "overflow", &overflow, "response-format", &format, NULL);
  fail_unless_equals_string (voice, "alloy");
  fail_unless_equals_string (model, "tts-1");
  fail_unless_equals_int (latency, 1000);
  fail_unless_equals_int (max_in_flight, 3);
  fail_unless_equals_int (pcm_rate, 0);
  fail_unless (!skip_failed);
  fail_unless_equals_int (overflow, 2);   /* shift */
  fail_unless_equals_int (format, 0);     /* wav */
  gst_util_set_object_arg (G_OBJECT (tts), "overflow", "clip");
  gst_util_set_object_arg (G_OBJECT (tts), "response-format", "opus");
  g_object_get (tts, "overflow", &overflow, "response-format", &format, NULL);
  fail_unless_equals_int (overflow, 0);
  fail_unless_equals_int (format, 3);
  gst_object_unref (tts);
}

GST_END_TEST;

/* ---- caps and timestamps ---- */

static void
check_text_at_five_seconds (const gchar * model, guint rate)
{
  Tts t = tts_new ("model", model, NULL);
  g_autoptr (GBytes) pcm = expected_pcm ("Hello world.", rate);
  g_autoptr (GArray) speeches = NULL;
  Speech *speech;

  push_text (&t, "Hello world.", 5 * GST_SECOND, 3 * GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  speech = speech_at (speeches, 0);
  assert_raw_caps (speech->caps, rate, 1);
  fail_unless_equals_uint64 (speech->pts, 5 * GST_SECOND);
  assert_speech_is (speech, pcm);
  fail_unless_equals_uint64 (speech->end, 5 * GST_SECOND +
      pcm_duration (pcm, rate));
  /* silence before it, and after it up to the end of the text */
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, 0),
      8 * GST_SECOND);
  fail_unless_equals_uint64 (recorder_silence (t.rec),
      8 * GST_SECOND - pcm_duration (pcm, rate));
  tts_free (&t);
}

GST_START_TEST (test_caps_and_first_pts)
{
  check_text_at_five_seconds ("tts-1", 24000);
  check_text_at_five_seconds ("elevenlabs", 44100);
}

GST_END_TEST;

/* A text without PTS follows the speech before it. */
GST_START_TEST (test_text_without_pts_follows)
{
  Tts t = tts_new (NULL);
  g_autoptr (GBytes) first_pcm = expected_pcm ("One.", RATE);
  g_autoptr (GBytes) second_pcm = expected_pcm ("Two.", RATE);
  g_autoptr (GArray) speeches = NULL;

  push_text (&t, "One.", GST_SECOND, GST_CLOCK_TIME_NONE);
  push_text (&t, "Two.", GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 2);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, GST_SECOND);
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts,
      GST_SECOND + pcm_duration (first_pcm, RATE));
  assert_speech_is (speech_at (speeches, 1), second_pcm);
  tts_free (&t);
}

GST_END_TEST;

/* ---- overflow ---- */

#define LONG_TEXT "one two three four five."
#define SHORT_TEXT "six."

static GArray *
run_overflow (const gchar * mode, Recorder ** rec_out, Tts * t)
{
  *t = tts_new (NULL);
  gst_util_set_object_arg (G_OBJECT (t->element), "overflow", mode);
  /* speech of about 1.9 s for 200 ms of text, then a text at 1.5 s */
  push_text (t, LONG_TEXT, GST_SECOND, 200 * GST_MSECOND);
  push_text (t, SHORT_TEXT, 1500 * GST_MSECOND, GST_SECOND);
  push_eos_and_wait (t);
  *rec_out = t->rec;
  return recorder_speeches (t->rec);
}

GST_START_TEST (test_overflow_shift)
{
  g_autoptr (GBytes) first_pcm = expected_pcm (LONG_TEXT, RATE);
  g_autoptr (GBytes) second_pcm = expected_pcm (SHORT_TEXT, RATE);
  g_autoptr (GArray) speeches = NULL;
  Recorder *rec;
  Tts t;

  speeches = run_overflow ("shift", &rec, &t);
  fail_unless_equals_int (speeches->len, 2);
  assert_speech_is (speech_at (speeches, 0), first_pcm);
  assert_speech_is (speech_at (speeches, 1), second_pcm);
  /* the second waits for the first to end */
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts,
      GST_SECOND + pcm_duration (first_pcm, RATE));
  recorder_assert_contiguous (rec, 0);
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_overflow_overlap)
{
  g_autoptr (GBytes) first_pcm = expected_pcm (LONG_TEXT, RATE);
  g_autoptr (GBytes) second_pcm = expected_pcm (SHORT_TEXT, RATE);
  g_autoptr (GArray) speeches = NULL;
  Recorder *rec;
  Tts t;

  speeches = run_overflow ("overlap", &rec, &t);
  fail_unless_equals_int (speeches->len, 2);
  assert_speech_is (speech_at (speeches, 0), first_pcm);
  assert_speech_is (speech_at (speeches, 1), second_pcm);
  /* each at its text's time: they overlap */
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, GST_SECOND);
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts,
      1500 * GST_MSECOND);
  fail_unless (speech_at (speeches, 0)->end > speech_at (speeches, 1)->pts);
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_overflow_clip)
{
  g_autoptr (GBytes) first_pcm = expected_pcm (LONG_TEXT, RATE);
  g_autoptr (GBytes) second_pcm = expected_pcm (SHORT_TEXT, RATE);
  g_autoptr (GBytes) clipped = g_bytes_new_from_bytes (first_pcm, 0,
      RATE / 5 * BPF);
  g_autoptr (GArray) speeches = NULL;
  Recorder *rec;
  Tts t;

  speeches = run_overflow ("clip", &rec, &t);
  fail_unless_equals_int (speeches->len, 2);
  /* cut at the end of its 200 ms */
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, GST_SECOND);
  assert_speech_is (speech_at (speeches, 0), clipped);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->end,
      1200 * GST_MSECOND);
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts,
      1500 * GST_MSECOND);
  assert_speech_is (speech_at (speeches, 1), second_pcm);
  fail_unless_equals_uint64 (recorder_assert_contiguous (rec, 0),
      2500 * GST_MSECOND);
  tts_free (&t);
}

GST_END_TEST;

/* A scripted WAV answer: a @freq Hz tone of @duration at RATE. */
static PollenEmulatorResponse *
tone_response (guint freq, GstClockTime duration)
{
  guint rate = RATE, i;
  guint n = gst_util_uint64_scale (duration, rate, GST_SECOND);
  gint16 *samples = g_new (gint16, n);
  g_autoptr (GBytes) pcm = NULL;
  g_autoptr (GBytes) wav = NULL;
  gsize size;
  gconstpointer data;

  for (i = 0; i < n; i++)
    samples[i] = (gint16) (8000 * sin (2 * G_PI * freq * i / rate));
  pcm = g_bytes_new_take (samples, n * sizeof (gint16));
  wav = emu_wav_new (pcm, rate, 1);
  data = g_bytes_get_data (wav, &size);
  return pollen_emulator_response_new (200, "audio/wav", data, size);
}

#define LAG_TEXTS 30
#define LAG_TEXT (400 * GST_MSECOND)
#define LAG_SPEECH (500 * GST_MSECOND)      /* 25 % longer */

/* Live, every speech 25 % longer than its text, texts back to back: the
 * test clock stands still, so nothing is late and the run is as fast as
 * the emulator. Returns the speeches. */
static GArray *
run_lagging (Tts * t, const gchar * overflow, gint max_lag_ms)
{
  guint i;

  *t = tts_new_live ("max-lag", max_lag_ms, NULL);
  gst_util_set_object_arg (G_OBJECT (t->element), "overflow", overflow);
  for (i = 0; i < LAG_TEXTS; i++)
    pollen_emulator_push (t->emulator, SPEECH_PATH, tone_response (440,
            LAG_SPEECH));
  for (i = 0; i < LAG_TEXTS; i++)
    push_text (t, "Twenty-five per cent longer.", i * LAG_TEXT, LAG_TEXT);
  push_eos_and_wait (t);
  return recorder_speeches (t->rec);
}

/* shift under max-lag: the lag grows by 100 ms a text up to the bound and
 * stays there; speech past it is cut, said for the first cut and summed
 * up for the others (at EOS here, the run being faster than 10 s). */
GST_START_TEST (test_live_shift_lag_bounded)
{
  g_autoptr (GArray) speeches = NULL;
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  Tts t;
  guint i;

  speeches = run_lagging (&t, "shift", 250);
  fail_unless_equals_int (speeches->len, LAG_TEXTS);
  for (i = 0; i < LAG_TEXTS; i++) {
    GstClockTime lag = speech_at (speeches, i)->pts - i * LAG_TEXT;

    fail_unless (lag <= 250 * GST_MSECOND, "text %u: %" GST_TIME_FORMAT
        " late", i, GST_TIME_ARGS (lag));
  }
  fail_unless_equals_uint64 (speech_at (speeches, LAG_TEXTS - 1)->pts -
      (LAG_TEXTS - 1) * LAG_TEXT, 250 * GST_MSECOND);
  recorder_assert_contiguous (t.rec, 0);
  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "its last 50 ms were cut to keep "
          "what follows in time. Raise max-lag"), "%s", error->message);
  g_clear_error (&error);
  gst_clear_message (&warning);
  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "27 more late results in the last "
          "10 s: 0 because the server was slow"), "%s", error->message);
  fail_unless (strstr (error->message, "27 cut to keep what follows in "
          "time"), "%s", error->message);
  gst_clear_message (&warning);
  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_if (warning != NULL, "more than two warnings");
  tts_free (&t);
}

GST_END_TEST;

/* The frequency of a tone in S16LE samples, from its zero crossings. */
static gdouble
tone_frequency (GByteArray * data)
{
  const gint16 *samples = (const gint16 *) data->data;
  guint n = data->len / BPF, crossings = 0, i;

  for (i = 1; i < n; i++)
    if ((samples[i - 1] < 0) != (samples[i] < 0))
      crossings++;
  return crossings / 2.0 / ((gdouble) n / RATE);
}

/* compress: 25 % too long is within max-speed, so every speech fits its
 * text (within a scaletempo stride), starts on time, and keeps its pitch. */
GST_START_TEST (test_live_compress_fits)
{
  g_autoptr (GArray) speeches = NULL;
  g_autoptr (GstMessage) warning = NULL;
  Tts t;
  guint i;

  speeches = run_lagging (&t, "compress", 250);
  fail_unless_equals_int (speeches->len, LAG_TEXTS);
  for (i = 0; i < LAG_TEXTS; i++) {
    Speech *speech = speech_at (speeches, i);
    GstClockTime lag = speech->pts - i * LAG_TEXT;
    gdouble freq = tone_frequency (speech->data);

    fail_unless (lag <= 40 * GST_MSECOND, "text %u: %" GST_TIME_FORMAT
        " late", i, GST_TIME_ARGS (lag));
    fail_unless (speech->end - speech->pts <= LAG_TEXT + 40 * GST_MSECOND &&
        speech->end - speech->pts >= LAG_TEXT - 40 * GST_MSECOND,
        "text %u: %" GST_TIME_FORMAT " of speech", i,
        GST_TIME_ARGS (speech->end - speech->pts));
    fail_unless (freq > 430 && freq < 450, "text %u: %.1f Hz", i, freq);
  }
  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_if (warning != NULL, "unexpected %" GST_PTR_FORMAT, warning);
  tts_free (&t);
}

GST_END_TEST;

/* compress beyond max-speed: the rest is shifted, under max-lag. */
GST_START_TEST (test_live_compress_beyond_max_speed)
{
  g_autoptr (GArray) speeches = NULL;
  Tts t;
  guint i;

  t = tts_new_live ("max-lag", 100, "max-speed", 1.1, NULL);
  gst_util_set_object_arg (G_OBJECT (t.element), "overflow", "compress");
  for (i = 0; i < 10; i++)
    pollen_emulator_push (t.emulator, SPEECH_PATH, tone_response (440,
            LAG_SPEECH));
  for (i = 0; i < 10; i++)
    push_text (&t, "Too long.", i * LAG_TEXT, LAG_TEXT);
  push_eos_and_wait (&t);
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 10);
  for (i = 0; i < 10; i++)
    fail_unless (speech_at (speeches, i)->pts - i * LAG_TEXT <=
        100 * GST_MSECOND);
  tts_free (&t);
}

GST_END_TEST;

/* Not live (a file): shift keeps today's behaviour, every speech whole. */
GST_START_TEST (test_shift_not_live_unbounded)
{
  Tts t = tts_new ("max-lag", 100, NULL);
  g_autoptr (GArray) speeches = NULL;
  guint i;

  for (i = 0; i < 4; i++)
    pollen_emulator_push (t.emulator, SPEECH_PATH, tone_response (440,
            LAG_SPEECH));
  for (i = 0; i < 4; i++)
    push_text (&t, "Longer.", i * LAG_TEXT, LAG_TEXT);
  push_eos_and_wait (&t);
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 4);
  fail_unless_equals_uint64 (speech_at (speeches, 3)->pts, 3 * LAG_SPEECH);
  tts_free (&t);
}

GST_END_TEST;

/* ---- several requests in flight ---- */

GST_START_TEST (test_order_with_later_finishing_first)
{
  const gchar *texts[] = { "alpha.", "bravo.", "charlie." };
  Tts t = tts_new ("max-in-flight", 3, NULL);
  g_autoptr (GArray) speeches = NULL;
  gint64 started = g_get_monotonic_time (), all_sent;
  guint i;

  /* the first answer comes last: 800 ms late */
  for (i = 0; i < 3; i++) {
    PollenEmulatorResponse *response = wav_response (texts[i], RATE);
    g_autoptr (PollenEmulatorRequest) request = NULL;

    response->delay_ms = i == 0 ? MS (800) : 0;
    pollen_emulator_push (t.emulator, SPEECH_PATH, response);
    push_text (&t, texts[i], i * 2 * GST_SECOND, GST_SECOND);
    request = pollen_emulator_wait_request (t.emulator, i, MS (2000));
    fail_unless (request != NULL);
  }
  all_sent = g_get_monotonic_time ();
  /* all three were in flight together */
  fail_unless ((all_sent - started) / 1000 < MS (600));
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 3);
  for (i = 0; i < 3; i++) {
    g_autoptr (GBytes) pcm = expected_pcm (texts[i], RATE);

    assert_speech_is (speech_at (speeches, i), pcm);
    fail_unless_equals_uint64 (speech_at (speeches, i)->pts,
        i * 2 * GST_SECOND);
  }
  recorder_assert_contiguous (t.rec, 0);
  tts_free (&t);
}

GST_END_TEST;

/* The head request's audio goes out while its body still streams in: the
 * time to first audio is bounded by the server's first bytes. */
GST_START_TEST (test_first_audio_before_body_complete)
{
  Tts t = tts_new (NULL);
  PollenEmulatorResponse *response = wav_response ("one two three four "
      "five six seven eight.", RATE);
  gint64 pushed, first_audio, body_time;
  gsize body_size = g_bytes_get_size (response->body);

  /* 100 ms of audio every 100 ms: the body takes almost 3 s to arrive */
  response->chunk_size = RATE / 10 * BPF;
  response->chunk_interval_ms = MS (100);
  body_time = (body_size / response->chunk_size) * MS (100);
  fail_unless (body_time > MS (2500));
  pollen_emulator_push (t.emulator, SPEECH_PATH, response);

  pushed = g_get_monotonic_time ();
  push_text (&t, "one two three four five six seven eight.", 0, GST_SECOND);
  fail_unless (recorder_wait_speech (t.rec, 1));
  first_audio = g_get_monotonic_time ();
  g_print ("pollentts: time to first audio %" G_GINT64_FORMAT " ms; the "
      "body takes %" G_GINT64_FORMAT " ms to stream\n",
      (first_audio - pushed) / 1000, body_time);
  fail_unless ((first_audio - pushed) / 1000 < MS (500),
      "first audio after %" G_GINT64_FORMAT " ms",
      (first_audio - pushed) / 1000);
  /* and stopping in the middle of the body is prompt */
  tts_free (&t);
}

GST_END_TEST;

/* Every format's first audio goes out once its first bytes are in, while
 * the rest of the answer is held: an MP3 from its first frame (typefinding
 * wants several, and deciding after 4 KiB kept half a second of speech
 * back), headerless PCM from its first 40 ms piece. */
GST_START_TEST (test_first_audio_from_first_bytes)
{
  const struct
  {
    const gchar *format;
    gsize first;                /* bytes in before the answer is held */
  } formats[] = {
    {"mp3", 256},               /* one frame at 64 kbit/s and a little */
    {"opus", 256},
    {"aac", 256},
    {"flac", 256},
    {"pcm", RATE / 25 * BPF},   /* one 40 ms piece */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    Tts t = tts_new ("pcm-rate", RATE, NULL);
    const gchar *content_type;
    g_autoptr (GBytes) body = expected_encoded ("Encoded speech, held.",
        formats[i].format, &content_type);
    g_autoptr (GArray) speeches = NULL;
    PollenEmulatorResponse *held = pollen_emulator_response_new (200,
        content_type, NULL, 0);

    held->body = g_bytes_ref (body);
    held->chunk_size = formats[i].first;
    held->chunk_interval_ms = 10 * WAIT / GST_MSECOND;
    pollen_emulator_push (t.emulator, SPEECH_PATH, held);
    push_text (&t, "Encoded speech, held.", 0, 10 * GST_SECOND);

    fail_unless (recorder_wait_speech (t.rec, 1), "%s: no audio out of "
        "the first %" G_GSIZE_FORMAT " bytes", formats[i].format,
        formats[i].first);
    /* the start of the answer, and no more than came (the client may
     * read what came in more than one piece) */
    speeches = recorder_speeches (t.rec);
    fail_unless (speech_at (speeches, 0)->data->len <= formats[i].first);
    fail_unless (memcmp (speech_at (speeches, 0)->data->data,
            g_bytes_get_data (body, NULL),
            speech_at (speeches, 0)->data->len) == 0, "%s: not the start of "
        "the answer", formats[i].format);
    tts_free (&t);
  }
}

GST_END_TEST;

/* An MP3 answer that starts with an ID3v2 tag (the encoder's name, as
 * ffmpeg writes it before the first frame) is MP3: the tag is dropped and
 * the frames go out as audio/mpeg, decodable by any MP3 decoder. */
GST_START_TEST (test_mp3_after_id3_tag)
{
  Tts t = tts_new ("response-format", 2 /* mp3 */ , NULL);
  const gchar *content_type;
  g_autoptr (GBytes) mp3 = expected_encoded ("Tagged speech.", "mp3",
      &content_type);
  g_autoptr (GBytes) body = pollen_test_id3_tagged (mp3);
  g_autoptr (GArray) speeches = NULL;
  PollenEmulatorResponse *response = pollen_emulator_response_new (200,
      content_type, NULL, 0);
  GstStructure *s;

  response->body = g_bytes_ref (body);
  response->chunk_size = 7;     /* the tag split across reads */
  pollen_emulator_push (t.emulator, SPEECH_PATH, response);
  push_text (&t, "Tagged speech.", 0, 5 * GST_SECOND);
  push_eos_and_wait (&t);

  fail_if (tts_pop_message (&t, GST_MESSAGE_ERROR) != NULL);
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  s = gst_caps_get_structure (speech_at (speeches, 0)->caps, 0);
  fail_unless (gst_structure_has_name (s, "audio/mpeg"), "%" GST_PTR_FORMAT,
      speech_at (speeches, 0)->caps);
  assert_speech_is (speech_at (speeches, 0), mp3);
  tts_free (&t);
}

GST_END_TEST;

/* Raw audio goes out in buffers of a steady 40 ms whatever the edges of
 * the HTTP chunks (here 1234 bytes: not even whole frames), the last of a
 * speech shorter. */
GST_START_TEST (test_steady_raw_buffers)
{
  Tts t = tts_new (NULL);
  const gchar *text = "one two three four five.";
  PollenEmulatorResponse *response = wav_response (text, 24000);
  g_autoptr (GBytes) pcm = expected_pcm (text, 24000);
  g_autoptr (GArray) speeches = NULL;
  GPtrArray *pieces = g_ptr_array_new ();
  guint i;

  response->chunk_size = 1234;
  response->chunk_interval_ms = 2;
  pollen_emulator_push (t.emulator, SPEECH_PATH, response);
  push_text (&t, text, 0, 10 * GST_SECOND);
  push_eos_and_wait (&t);

  for (i = 0; i < t.rec->items->len; i++)
    if (is_speech (t.rec->items->pdata[i]))
      g_ptr_array_add (pieces, t.rec->items->pdata[i]);
  fail_unless (pieces->len > 10);
  for (i = 0; i < pieces->len; i++) {
    GstBuffer *buffer = pieces->pdata[i];

    if (i + 1 < pieces->len) {
      fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer),
          40 * GST_MSECOND);
    } else {
      fail_unless (GST_BUFFER_DURATION (buffer) <= 40 * GST_MSECOND);
    }
  }
  speeches = recorder_speeches (t.rec);
  assert_speech_is (speech_at (speeches, 0), pcm);
  g_ptr_array_unref (pieces);
  tts_free (&t);
}

GST_END_TEST;

/* ---- flush and EOS ---- */

GST_START_TEST (test_flush_cancels_requests)
{
  Tts t = tts_new (NULL);
  PollenEmulatorResponse *slow = wav_response ("one two three four five.",
      RATE);
  g_autoptr (GBytes) pcm = expected_pcm ("Fresh.", RATE);
  g_autoptr (GArray) speeches = NULL;
  GstSegment segment;
  gint64 before;

  /* a slow drip: some audio is out when the flush comes */
  slow->chunk_size = 2400;
  slow->chunk_interval_ms = MS (100);
  pollen_emulator_push (t.emulator, SPEECH_PATH, slow);
  push_text (&t, "one two three four five.", 0, GST_SECOND);
  fail_unless (recorder_wait_speech (t.rec, 1));

  before = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_stop (TRUE)));
  fail_unless (ELAPSED_MS (before) < MS (500));
  recorder_clear (t.rec);

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_segment (&segment)));
  push_text (&t, "Fresh.", 3 * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  /* nothing of the flushed speech, the new one at its time */
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  assert_speech_is (speech_at (speeches, 0), pcm);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, 3 * GST_SECOND);
  recorder_assert_contiguous (t.rec, 0);
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_eos_drains)
{
  const gchar *texts[] = { "first.", "second.", "third." };
  Tts t = tts_new ("max-in-flight", 4, NULL);
  gint64 before;
  guint i, last_speech = 0;
  g_autoptr (GArray) speeches = NULL;

  for (i = 0; i < 3; i++) {
    PollenEmulatorResponse *response = wav_response (texts[i], RATE);

    response->delay_ms = MS (300);
    pollen_emulator_push (t.emulator, SPEECH_PATH, response);
  }
  before = g_get_monotonic_time ();
  for (i = 0; i < 3; i++)
    push_text (&t, texts[i], i * GST_SECOND, GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  /* EOS was taken at once but goes out only after the speech */
  fail_unless (ELAPSED_MS (before) < MS (300));
  recorder_wait_eos (t.rec);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 3);
  for (i = 0; i < t.rec->items->len; i++)
    if (is_speech (t.rec->items->pdata[i]))
      last_speech = i;
  fail_unless (GST_IS_EVENT (t.rec->items->pdata[t.rec->items->len - 1]));
  fail_unless (last_speech < t.rec->items->len - 1);
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_state_change_during_hung_request)
{
  Tts t = tts_new (NULL);
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  gint64 before;

  hang->hang = TRUE;
  pollen_emulator_push (t.emulator, SPEECH_PATH, hang);
  push_text (&t, "Never answered.", 0, GST_SECOND);
  request = pollen_emulator_wait_request (t.emulator, 0, MS (2000));
  fail_unless (request != NULL);

  before = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (t.element, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (ELAPSED_MS (before) < MS (1000));
  tts_free (&t);
}

GST_END_TEST;

/* ---- gaps ---- */

GST_START_TEST (test_empty_text_makes_no_request)
{
  Tts t = tts_new (NULL);
  g_autoptr (GBytes) pcm = expected_pcm ("Hi.", RATE);
  g_autoptr (GArray) speeches = NULL;

  push_text (&t, "   \n\t ", GST_SECOND, GST_SECOND);
  push_text (&t, "", 2 * GST_SECOND, GST_SECOND);
  push_text (&t, "Hi.", 4 * GST_SECOND, GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_gap (6 * GST_SECOND,
              GST_SECOND)));
  push_eos_and_wait (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 1);
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, 4 * GST_SECOND);
  /* silence up to the speech, and up to the end of the upstream gap */
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, 0),
      7 * GST_SECOND);
  fail_unless_equals_uint64 (recorder_silence (t.rec),
      7 * GST_SECOND - pcm_duration (pcm, RATE));
  tts_free (&t);
}

GST_END_TEST;

/* In a live pipeline the time up to a speech is filled before its answer
 * comes, so live sinks and mixers keep running. */
GST_START_TEST (test_live_gap_filled_while_waiting)
{
  Tts t = tts_new_live (NULL);
  PollenEmulatorResponse *response = wav_response ("Later.", RATE);
  gint64 before;

  response->delay_ms = MS (1500);
  pollen_emulator_push (t.emulator, SPEECH_PATH, response);
  before = g_get_monotonic_time ();
  push_text (&t, "Later.", 2 * GST_SECOND, GST_SECOND);

  /* 2 s of silence, long before the answer */
  for (;;) {
    GstClockTime end;

    g_mutex_lock (&t.rec->lock);
    end = t.rec->items->len ? 0 : GST_CLOCK_TIME_NONE;
    if (t.rec->items->len) {
      GstMiniObject *last = t.rec->items->pdata[t.rec->items->len - 1];

      if (GST_IS_BUFFER (last))
        end = GST_BUFFER_PTS (last) + GST_BUFFER_DURATION (last);
    }
    g_mutex_unlock (&t.rec->lock);
    if (end == 2 * GST_SECOND)
      break;
    fail_unless (ELAPSED_MS (before) < MS (1000),
        "no silence before the answer came");
    g_usleep (10000);
  }
  fail_unless_equals_uint64 (recorder_silence (t.rec), 2 * GST_SECOND);
  push_eos_and_wait (&t);
  tts_free (&t);
}

GST_END_TEST;

/* A live pipeline does not get the past filled: that silence would only be
 * late. Filling starts at what must play now: the running time of now
 * less the latency (1 s by default). */
GST_START_TEST (test_live_fill_starts_now)
{
  Tts t = tts_new_live (NULL);
  g_autoptr (GBytes) pcm = expected_pcm ("Now.", RATE);
  g_autoptr (GArray) speeches = NULL;
  GstClock *clock;

  clock = gst_element_get_clock (t.element);
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 10 * GST_SECOND);
  gst_object_unref (clock);
  push_text (&t, "Now.", 12 * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, 12 * GST_SECOND);
  /* silence from 9 s, not from 0 s, up to the end of the text */
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec,
          9 * GST_SECOND), 13 * GST_SECOND);
  fail_unless_equals_uint64 (recorder_silence (t.rec), 4 * GST_SECOND -
      pcm_duration (pcm, RATE));
  tts_free (&t);
}

GST_END_TEST;

/* Encoded output cannot carry silence: GAP events fill the time. */
GST_START_TEST (test_gap_events_with_encoded_output)
{
  Tts t = tts_new ("response-format", 2 /* mp3 */ , NULL);
  g_autoptr (GArray) speeches = NULL;
  GstClockTime gap_end = 0;
  guint i;

  push_text (&t, "One.", GST_SECOND, GST_SECOND);
  push_text (&t, "Two.", 5 * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 2);
  fail_unless (gst_structure_has_name (gst_caps_get_structure
          (speech_at (speeches, 0)->caps, 0), "audio/mpeg"));
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, GST_SECOND);
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts, 5 * GST_SECOND);
  fail_unless (recorder_count_events (t.rec, GST_EVENT_GAP) >= 1);
  /* a GAP ends where the second speech starts, before it */
  for (i = 0; i < t.rec->items->len; i++) {
    GstMiniObject *obj = t.rec->items->pdata[i];

    if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_GAP) {
      GstClockTime pts, duration;

      gst_event_parse_gap (GST_EVENT_CAST (obj), &pts, &duration);
      gap_end = pts + duration;
    }
    if (is_speech (obj) && GST_BUFFER_PTS (GST_BUFFER_CAST (obj)) ==
        5 * GST_SECOND)
      break;
  }
  fail_unless_equals_uint64 (gap_end, 5 * GST_SECOND);
  tts_free (&t);
}

GST_END_TEST;

/* ---- the text ---- */

GST_START_TEST (test_markup_stripped)
{
  Tts t = tts_new (NULL);
  g_autofree gchar *input = NULL;

  gst_harness_set_src_caps_str (t.h, "text/x-raw, format=pango-markup");
  push_text (&t, "<i>Hello</i> &amp; <b>good&#32;bye</b>\n"
      "<span foreground=\"red\">a &lt; b</span>", 0, GST_SECOND);
  push_eos_and_wait (&t);
  input = request_input (t.emulator, 0);
  fail_unless_equals_string (input, "Hello & good bye a < b");
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_plain_text_keeps_angle_brackets)
{
  Tts t = tts_new (NULL);
  g_autofree gchar *input = NULL;

  push_text (&t, "  if <i> &amp;\n  then ", 0, GST_SECOND);
  push_eos_and_wait (&t);
  input = request_input (t.emulator, 0);
  fail_unless_equals_string (input, "if <i> &amp; then");
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_invalid_utf8_repaired)
{
  Tts t = tts_new (NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *input = NULL;

  push_text (&t, "Caf\xe9 ok\xff.", 0, GST_SECOND);
  push_eos_and_wait (&t);
  input = request_input (t.emulator, 0);
  fail_unless_equals_string (input, "Caf\xef\xbf\xbd ok\xef\xbf\xbd.");

  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL, "no warning about the invalid UTF-8");
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "not valid UTF-8") != NULL, "%s",
      error->message);
  tts_free (&t);
}

GST_END_TEST;

/* ~25000 characters of sentences: three requests, cut at sentence ends,
 * their audio joined in order without a hole. */
GST_START_TEST (test_long_text_split)
{
  Tts t = tts_new ("max-in-flight", 1, NULL);
  const gchar *parts[] = { "first part.", "second part.", "third part." };
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GString) joined = g_string_new (NULL);
  g_autoptr (GArray) speeches = NULL;
  GstClockTime next = 2 * GST_SECOND;
  guint i;

  for (i = 0; text->len < 25000; i++)
    g_string_append_printf (text, "Sentence number %u is here. ", i);
  for (i = 0; i < 3; i++)
    pollen_emulator_push (t.emulator, SPEECH_PATH, wav_response (parts[i],
            RATE));

  push_text (&t, text->str, 2 * GST_SECOND, 5 * GST_SECOND);
  push_eos_and_wait (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 3);
  for (i = 0; i < 3; i++) {
    g_autofree gchar *input = request_input (t.emulator, i);

    fail_unless (strlen (input) <= 10000);
    fail_unless (g_str_has_suffix (input, "is here."), "cut inside a "
        "sentence: ...%s", input + strlen (input) - 20);
    g_string_append_printf (joined, "%s%s", i ? " " : "", input);
  }
  g_strstrip (text->str);
  fail_unless_equals_string (joined->str, text->str);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 3);
  for (i = 0; i < 3; i++) {
    g_autoptr (GBytes) pcm = expected_pcm (parts[i], RATE);

    assert_speech_is (speech_at (speeches, i), pcm);
    fail_unless_equals_uint64 (speech_at (speeches, i)->pts, next);
    next = speech_at (speeches, i)->end;
  }
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_text_split_rules)
{
  g_autoptr (GPtrArray) sentences = NULL;
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GPtrArray) nothing = NULL;
  g_autoptr (GPtrArray) emoji = NULL;
  g_autoptr (GPtrArray) cjk = NULL;
  g_autoptr (GPtrArray) quoted = NULL;

  sentences = pollen_text_split ("One two. Three four. Five six.", 20);
  fail_unless_equals_int (sentences->len, 2);
  fail_unless_equals_string (sentences->pdata[0], "One two. Three four.");
  fail_unless_equals_string (sentences->pdata[1], "Five six.");

  /* no sentence end that fits: at a space */
  words = pollen_text_split ("alpha beta gamma delta", 12);
  fail_unless_equals_int (words->len, 2);
  fail_unless_equals_string (words->pdata[0], "alpha beta");
  fail_unless_equals_string (words->pdata[1], "gamma delta");

  /* no space either: anywhere, on a character */
  nothing = pollen_text_split ("abcdefghij", 4);
  fail_unless_equals_int (nothing->len, 3);
  fail_unless_equals_string (nothing->pdata[2], "ij");

  /* the server counts UTF-16 units: an emoji is two */
  fail_unless_equals_int (pollen_text_utf16_length ("a\xf0\x9f\x98\x80"), 3);
  emoji = pollen_text_split ("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
      5);
  fail_unless_equals_int (emoji->len, 2);
  fail_unless_equals_string (emoji->pdata[0],
      "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");

  /* 。 ends a sentence without a space */
  cjk = pollen_text_split ("\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82\xe5\x86\x8d"
      "\xe8\xa7\x81\xe3\x80\x82", 4);
  fail_unless_equals_int (cjk->len, 2);
  fail_unless_equals_string (cjk->pdata[0], "\xe4\xbd\xa0\xe5\xa5\xbd"
      "\xe3\x80\x82");

  /* closing quotes stay with their sentence */
  quoted = pollen_text_split ("He said \"stop.\" Then left.", 18);
  fail_unless_equals_string (quoted->pdata[0], "He said \"stop.\"");
  fail_unless_equals_string (quoted->pdata[1], "Then left.");
}

GST_END_TEST;

/* ---- what the server answers ---- */

GST_START_TEST (test_rate_change_renegotiates)
{
  Tts t = tts_new ("max-in-flight", 1, NULL);
  g_autoptr (GBytes) first_pcm = expected_pcm ("low.", 24000);
  g_autoptr (GBytes) second_pcm = expected_pcm ("high.", 44100);
  g_autoptr (GArray) speeches = NULL;

  pollen_emulator_push (t.emulator, SPEECH_PATH, wav_response ("low.",
          24000));
  pollen_emulator_push (t.emulator, SPEECH_PATH, wav_response ("high.",
          44100));
  push_text (&t, "low.", 0, 2 * GST_SECOND);
  push_text (&t, "high.", 2 * GST_SECOND, 2 * GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 2);
  assert_raw_caps (speech_at (speeches, 0)->caps, 24000, 1);
  assert_raw_caps (speech_at (speeches, 1)->caps, 44100, 1);
  assert_speech_is (speech_at (speeches, 0), first_pcm);
  assert_speech_is (speech_at (speeches, 1), second_pcm);
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts, 2 * GST_SECOND);
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, 0),
      4 * GST_SECOND);
  tts_free (&t);
}

GST_END_TEST;

/* One answer body: a WAV speaking @first at @first_rate, @between (a RIFF
 * chunk, or NULL), and a WAV speaking @second at @second_rate. */
static GByteArray *
two_wavs_body (const gchar * first, guint first_rate, GBytes * between,
    const gchar * second, guint second_rate)
{
  g_autoptr (GBytes) pcm1 = expected_pcm (first, first_rate);
  g_autoptr (GBytes) pcm2 = expected_pcm (second, second_rate);
  g_autoptr (GBytes) wav1 = emu_wav_new (pcm1, first_rate, 1);
  g_autoptr (GBytes) wav2 = emu_wav_new (pcm2, second_rate, 1);
  GByteArray *body = g_byte_array_new ();

  g_byte_array_append (body, g_bytes_get_data (wav1, NULL),
      g_bytes_get_size (wav1));
  if (between)
    g_byte_array_append (body, g_bytes_get_data (between, NULL),
        g_bytes_get_size (between));
  g_byte_array_append (body, g_bytes_get_data (wav2, NULL),
      g_bytes_get_size (wav2));
  return body;
}

/* ---- raw output follows downstream ---- */

/* The first channel of @speech as samples in [-1, 1]. */
static GArray *
speech_samples (Speech * speech, GstAudioInfo * info)
{
  const GstAudioFormatInfo *finfo = info->finfo;
  guint frames = speech->data->len / GST_AUDIO_INFO_BPF (info);
  guint channels = GST_AUDIO_INFO_CHANNELS (info);
  gboolean floats = finfo->unpack_format == GST_AUDIO_FORMAT_F64;
  gpointer unpacked = g_malloc (frames * channels * 8);
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (gdouble), frames);
  guint i;

  finfo->unpack_func (finfo, GST_AUDIO_PACK_FLAG_NONE, unpacked,
      speech->data->data, frames * channels);
  for (i = 0; i < frames; i++) {
    gdouble v = floats ? ((gdouble *) unpacked)[i * channels] :
        ((gint32 *) unpacked)[i * channels] / 2147483648.0;

    g_array_append_val (out, v);
  }
  g_free (unpacked);
  return out;
}

static gdouble
rms (const gdouble * v, guint n)
{
  gdouble sum = 0;
  guint i;

  for (i = 0; i < n; i++)
    sum += v[i] * v[i];
  return n ? sqrt (sum / n) : 0;
}

/* The first sample louder than -40 dBFS. */
static guint
first_loud (const gdouble * v, guint n)
{
  guint i = 0;

  while (i < n && ABS (v[i]) < 0.01)
    i++;
  return i;
}

/* @speech is @text's speech at @info's rate: as long, as loud, starting
 * at once (the resampler did not delay it), the same in every channel. */
static void
assert_converted (Speech * speech, GstAudioInfo * info, const gchar * text,
    guint natural_rate)
{
  g_autoptr (GBytes) pcm = expected_pcm (text, natural_rate);
  g_autoptr (GArray) samples = speech_samples (speech, info);
  gsize n = g_bytes_get_size (pcm) / BPF, i;
  const gint16 *s16 = g_bytes_get_data (pcm, NULL);
  gdouble *natural = g_new (gdouble, n), level, expected;
  guint rate = GST_AUDIO_INFO_RATE (info), first;
  GstClockTime onset;

  for (i = 0; i < n; i++)
    natural[i] = GINT16_FROM_LE (s16[i]) / 32768.0;
  fail_unless (ABS ((gint64) samples->len - (gint64) gst_util_uint64_scale
          (n, rate, natural_rate)) <= 2, "%u samples at %u Hz for %"
      G_GSIZE_FORMAT " at %u Hz", samples->len, rate, n, natural_rate);
  level = rms ((gdouble *) samples->data, samples->len);
  expected = rms (natural, n);
  fail_unless (ABS (level - expected) < expected * 0.05,
      "level %f, the speech's %f", level, expected);
  /* the sound starts when the speech's own does: not delayed */
  first = first_loud ((gdouble *) samples->data, samples->len);
  onset = gst_util_uint64_scale (first_loud (natural, n), GST_SECOND,
      natural_rate);
  fail_unless (ABS ((gint64) gst_util_uint64_scale (first, GST_SECOND, rate)
          - (gint64) onset) <= (gint64) (GST_SECOND / rate + 1),
      "sound at sample %u of %u Hz, the speech's at %" GST_TIME_FORMAT,
      first, rate, GST_TIME_ARGS (onset));
  if (GST_AUDIO_INFO_CHANNELS (info) == 2)
    fail_unless (memcmp (speech->data->data, speech->data->data +
            GST_AUDIO_INFO_BPF (info) / 2, GST_AUDIO_INFO_BPF (info) / 2)
        == 0);
  g_free (natural);
}

/* Downstream asks for another rate, format or channel count than the
 * server's: pollentts converts (GstAudioConverter), each speech still on
 * its text's time, the timeline without a hole. */
GST_START_TEST (test_raw_follows_downstream)
{
  const struct
  {
    const gchar *downstream;
    const gchar *format;
    gint rate, channels;
  } cases[] = {
    {"audio/x-raw, rate=48000", "S16LE", 48000, 1},
    {"audio/x-raw, format=F32LE", "F32LE", 0, 1},
    {"audio/x-raw, channels=2", "S16LE", 0, 2},
    {"audio/x-raw, format=S32LE, rate=16000, channels=2", "S32LE", 16000, 2},
  };
  guint c;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    Tts t = tts_new (NULL);
    g_autoptr (GArray) speeches = NULL;
    gint rate = cases[c].rate ? cases[c].rate : (gint) RATE;
    GstAudioInfo info;

    gst_harness_set_sink_caps_str (t.h, cases[c].downstream);
    push_text (&t, "one.", GST_SECOND, 2 * GST_SECOND);
    push_text (&t, "two two.", 3 * GST_SECOND, 3 * GST_SECOND);
    push_eos_and_wait (&t);

    speeches = recorder_speeches (t.rec);
    fail_unless_equals_int (speeches->len, 2);
    fail_unless (gst_audio_info_from_caps (&info,
            speech_at (speeches, 0)->caps));
    fail_unless_equals_string (gst_audio_format_to_string
        (GST_AUDIO_INFO_FORMAT (&info)), cases[c].format);
    fail_unless_equals_int (GST_AUDIO_INFO_RATE (&info), rate);
    fail_unless_equals_int (GST_AUDIO_INFO_CHANNELS (&info),
        cases[c].channels);
    fail_unless (gst_caps_is_equal (speech_at (speeches, 1)->caps,
            speech_at (speeches, 0)->caps));
    fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, GST_SECOND);
    fail_unless_equals_uint64 (speech_at (speeches, 1)->pts,
        3 * GST_SECOND);
    assert_converted (speech_at (speeches, 0), &info, "one.", RATE);
    assert_converted (speech_at (speeches, 1), &info, "two two.", RATE);
    fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, 0),
        6 * GST_SECOND);
    fail_if (tts_pop_message (&t, GST_MESSAGE_ERROR));
    tts_free (&t);
  }
}

GST_END_TEST;

/* Answers at other rates than the one downstream fixed, one of them two
 * WAVs in one body: each is converted, the output caps never change. */
GST_START_TEST (test_rates_converted_to_fixed_caps)
{
  Tts t = tts_new ("max-in-flight", 1, NULL);
  g_autoptr (GByteArray) body = two_wavs_body ("one.", 24000, NULL, "two.",
      16000);
  g_autoptr (GArray) speeches = NULL;
  GstAudioInfo info;
  guint i;

  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new (200, "audio/wav", body->data, body->len));
  pollen_emulator_push (t.emulator, SPEECH_PATH, wav_response ("high.",
          44100));
  gst_harness_set_sink_caps_str (t.h, "audio/x-raw, rate=48000");
  push_text (&t, "one. two.", 0, 3 * GST_SECOND);
  push_text (&t, "high.", 3 * GST_SECOND, 2 * GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 3);
  for (i = 0; i < 3; i++)
    assert_raw_caps (speech_at (speeches, i)->caps, 48000, 1);
  fail_unless (gst_audio_info_from_caps (&info, speech_at (speeches,
              0)->caps));
  assert_converted (speech_at (speeches, 0), &info, "one.", 24000);
  assert_converted (speech_at (speeches, 1), &info, "two.", 16000);
  assert_converted (speech_at (speeches, 2), &info, "high.", 44100);
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts,
      speech_at (speeches, 0)->end);
  fail_unless_equals_uint64 (speech_at (speeches, 2)->pts, 3 * GST_SECOND);
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, 0),
      5 * GST_SECOND);
  fail_unless_equals_int (recorder_count_events (t.rec, GST_EVENT_CAPS), 1);
  tts_free (&t);
}

GST_END_TEST;

/* Some servers stream a WAV per sentence in one body. */
GST_START_TEST (test_wavs_in_one_body)
{
  Tts t = tts_new (NULL);
  g_autoptr (GBytes) first_pcm = expected_pcm ("one.", 24000);
  g_autoptr (GBytes) second_pcm = expected_pcm ("two.", 16000);
  static const guint8 list_chunk[] = { 'L', 'I', 'S', 'T', 3, 0, 0, 0,
    'a', 'b', 'c', 0
  };
  g_autoptr (GBytes) list = g_bytes_new_static (list_chunk,
      sizeof (list_chunk));
  g_autoptr (GByteArray) body = two_wavs_body ("one.", 24000, list, "two.",
      16000);
  g_autoptr (GArray) speeches = NULL;
  PollenEmulatorResponse *response;

  response = pollen_emulator_response_new (200, "audio/wav", body->data,
      body->len);
  response->chunk_size = 1001;  /* odd cuts through headers and samples */
  pollen_emulator_push (t.emulator, SPEECH_PATH, response);
  push_text (&t, "one. two.", GST_SECOND, 3 * GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 2);
  assert_raw_caps (speech_at (speeches, 0)->caps, 24000, 1);
  assert_raw_caps (speech_at (speeches, 1)->caps, 16000, 1);
  assert_speech_is (speech_at (speeches, 0), first_pcm);
  assert_speech_is (speech_at (speeches, 1), second_pcm);
  fail_unless_equals_uint64 (speech_at (speeches, 1)->pts,
      speech_at (speeches, 0)->end);
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, 0),
      4 * GST_SECOND);
  tts_free (&t);
}

GST_END_TEST;

/* Whatever was asked, the bytes decide. */
GST_START_TEST (test_wav_answer_to_mp3_request)
{
  Tts t = tts_new ("response-format", 2 /* mp3 */ , NULL);
  g_autoptr (GBytes) pcm = expected_pcm ("Surprise.", RATE);
  g_autoptr (GBytes) wav = emu_wav_new (pcm, RATE, 1);
  g_autoptr (GArray) speeches = NULL;

  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new (200, "audio/mpeg", g_bytes_get_data (wav,
              NULL), g_bytes_get_size (wav)));
  push_text (&t, "Surprise.", GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  assert_raw_caps (speech_at (speeches, 0)->caps, RATE, 1);
  assert_speech_is (speech_at (speeches, 0), pcm);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, GST_SECOND);
  tts_free (&t);
}

GST_END_TEST;

/* Headerless PCM, should a server answer that, is played at pcm-rate. */
GST_START_TEST (test_pcm_at_pcm_rate)
{
  Tts t = tts_new ("response-format", 1 /* pcm */ , "pcm-rate", 16000, NULL);
  g_autoptr (GBytes) pcm = expected_pcm ("Raw samples here.", 16000);
  g_autoptr (GArray) speeches = NULL;
  g_autoptr (GstMessage) warning = NULL;

  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new (200, "audio/pcm", g_bytes_get_data (pcm,
              NULL), g_bytes_get_size (pcm)));
  push_text (&t, "Raw samples here.", 0, GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  assert_raw_caps (speech_at (speeches, 0)->caps, 16000, 1);
  assert_speech_is (speech_at (speeches, 0), pcm);
  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (warning == NULL, "the rate was set: nothing to warn of");
  tts_free (&t);
}

GST_END_TEST;

/* Without pcm-rate, headerless PCM is played at a guessed rate, and the
 * warning says it is a guess. */
GST_START_TEST (test_headerless_pcm_warns)
{
  Tts t = tts_new ("response-format", 1 /* pcm */ , NULL);
  g_autoptr (GBytes) pcm = expected_pcm ("Raw samples here.", 24000);
  g_autoptr (GArray) speeches = NULL;
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new (200, "audio/pcm", g_bytes_get_data (pcm,
              NULL), g_bytes_get_size (pcm)));
  push_text (&t, "Raw samples here.", 0, GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  assert_raw_caps (speech_at (speeches, 0)->caps, 24000, 1);
  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "a guess") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "pcm-rate") != NULL);
  tts_free (&t);
}

GST_END_TEST;

/* The model's per-user limit met by several requests in flight, for real:
 * each refused one waits it out without spending a retry, every text is
 * spoken in order, and the waits are said on the bus, naming the limit. */
GST_START_TEST (test_model_rate_limit_ridden_out)
{
  const gchar *texts[] = { "One.", "Two.", "Three." };
  Tts t = tts_new ("model", "tts-1", "max-in-flight", 3, "retries", 0,
      "response-format", 1 /* pcm */ , NULL);
  g_autoptr (GArray) speeches = NULL;
  g_autoptr (GString) warnings = g_string_new (NULL);
  GstMessage *message;
  guint i;

  /* one speech per 3 s: the second, asked at once, is refused however
   * fast the machine is */
  pollen_emulator_set_model_rate_limit (t.emulator, "tts-1", 1, 3000);
  for (i = 0; i < G_N_ELEMENTS (texts); i++)
    push_text (&t, texts[i], i * 2 * GST_SECOND, 2 * GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, G_N_ELEMENTS (texts));
  for (i = 0; i < G_N_ELEMENTS (texts); i++) {
    g_autoptr (GBytes) pcm = expected_pcm (texts[i], 24000);

    assert_speech_is (speech_at (speeches, i), pcm);
  }
  while ((message = tts_pop_message (&t, GST_MESSAGE_WARNING |
              GST_MESSAGE_ERROR))) {
    g_autoptr (GError) error = NULL;

    fail_unless (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING);
    gst_message_parse_warning (message, &error, NULL);
    g_string_append_printf (warnings, "%s\n", error->message);
    gst_message_unref (message);
  }
  fail_unless (strstr (warnings->str, "Per-user limit of 1 RPM exceeded for "
          "model openai/tts-1"), "%s", warnings->str);
  tts_free (&t);
}

GST_END_TEST;

/* response-format=pcm is asked as WAV, so the rate comes from its header
 * whatever the model's: 44.1 kHz (elevenlabs) and 24 kHz (tts-1). */
GST_START_TEST (test_pcm_asked_as_wav)
{
  const gchar *models[] = { "elevenlabs", "tts-1" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (models); i++) {
    Tts t = tts_new ("response-format", 1 /* pcm */ , "model", models[i],
        NULL);
    guint rate = emu_speech_rate_for_model (models[i]);
    g_autoptr (GBytes) pcm = expected_pcm ("Right rate.", rate);
    g_autoptr (GArray) speeches = NULL;
    g_autoptr (PollenEmulatorRequest) request = NULL;
    g_autoptr (JsonParser) parser = json_parser_new ();
    g_autoptr (GstMessage) warning = NULL;
    Speech *speech;

    push_text (&t, "Right rate.", 0, 5 * GST_SECOND);
    push_eos_and_wait (&t);

    request = pollen_emulator_wait_request (t.emulator, 0, MS (1000));
    fail_unless_equals_string (json_object_get_string_member (request_json
            (request, parser), "response_format"), "wav");
    speeches = recorder_speeches (t.rec);
    fail_unless_equals_int (speeches->len, 1);
    speech = speech_at (speeches, 0);
    assert_raw_caps (speech->caps, rate, 1);
    assert_speech_is (speech, pcm);
    fail_unless_equals_uint64 (speech->end - speech->pts,
        pcm_duration (pcm, rate));
    warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
    fail_unless (warning == NULL);
    tts_free (&t);
  }
  fail_unless_equals_int (emu_speech_rate_for_model ("tts-1"), 24000);
  fail_unless_equals_int (emu_speech_rate_for_model ("elevenlabs"), 44100);
}

GST_END_TEST;

/* mp3, opus, aac and flac pass through as the server made them. */
GST_START_TEST (test_encoded_formats_pass_through)
{
  const struct
  {
    const gchar *format;
    const gchar *caps;
  } formats[] = {
    {"mp3", "audio/mpeg, mpegversion=(int)1"},
    {"opus", "audio/ogg"},
    {"aac", "video/quicktime"},
    {"flac", "audio/x-flac"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    Tts t = tts_new (NULL);
    g_autoptr (GArray) speeches = NULL;
    g_autoptr (GBytes) expected = NULL;
    g_autoptr (GstCaps) want = gst_caps_from_string (formats[i].caps);
    const gchar *content_type;

    gst_util_set_object_arg (G_OBJECT (t.element), "response-format",
        formats[i].format);
    push_text (&t, "Encoded speech.", 2 * GST_SECOND, GST_SECOND);
    push_eos_and_wait (&t);

    expected = expected_encoded ("Encoded speech.", formats[i].format,
        &content_type);
    speeches = recorder_speeches (t.rec);
    fail_unless_equals_int (speeches->len, 1);
    fail_unless (gst_caps_is_subset (speech_at (speeches, 0)->caps, want),
        "%s gave %" GST_PTR_FORMAT, formats[i].format,
        speech_at (speeches, 0)->caps);
    fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, 2 * GST_SECOND);
    assert_speech_is (speech_at (speeches, 0), expected);
    tts_free (&t);
  }
}

GST_END_TEST;

/* mp3 answers decode through decodebin, each at its text's time. A GAP
 * before the first mp3 buffer used to make mpegaudioparse fix on layer 1
 * caps, and decodebin then plugged an MP1 decoder that refused the
 * stream (not-negotiated). */
GST_START_TEST (test_mp3_through_decodebin)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *path = NULL;
  g_autofree gchar *desc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstMessage) end = NULL;
  GstElement *pipeline, *sink;
  GstPad *pad;
  Recorder *rec;
  GstBuffer *decoded = NULL;
  guint i;

  path = g_build_filename (g_get_tmp_dir (), "pollentts-mp3.srt", NULL);
  fail_unless (g_file_set_contents (path, "1\n00:00:01,000 --> 00:00:02,000\n"
          "One.\n\n2\n00:00:04,000 --> 00:00:05,000\nTwo.\n", -1, NULL));
  desc = g_strdup_printf ("filesrc location=\"%s\" ! subparse ! pollentts "
      "response-format=mp3 base-url=%s api-key=" POLLEN_TEST_KEY " ! decodebin "
      "! audioconvert ! fakesink name=sink sync=false", path,
      pollen_emulator_get_url (emulator));
  pipeline = gst_parse_launch (desc, &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  rec = recorder_new (pad);

  end = pollen_test_run (pipeline, WAIT);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  for (i = 0; i < rec->items->len && !decoded; i++)
    if (GST_IS_BUFFER (rec->items->pdata[i]))
      decoded = rec->items->pdata[i];
  fail_unless (decoded != NULL, "nothing decoded");
  fail_unless_equals_uint64 (GST_BUFFER_PTS (decoded), GST_SECOND);

  recorder_free (rec);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
  g_unlink (path);
}

GST_END_TEST;

/* ---- failures ---- */

static GstMessage *
run_until_message (Tts * t, const gchar * text, GstMessageType type)
{
  GstMessage *message;

  push_text (t, text, 0, GST_SECOND);
  message = gst_bus_timed_pop_filtered (t->bus, WAIT, type);
  fail_unless (message != NULL, "no %s message",
      gst_message_type_get_name (type));
  return message;
}

GST_START_TEST (test_instructions_refused_is_an_error)
{
  Tts t = tts_new ("model", "elevenlabs", "instructions", "whisper", NULL);
  g_autoptr (GstMessage) error = NULL;

  g_object_set (t.element, "skip-failed", TRUE, NULL);
  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  /* 4xx is an error even with skip-failed */
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST",
      "instructions: not supported by model 'elevenlabs/eleven-v3'");
  fail_unless_equals_int (gst_harness_push (t.h, gst_buffer_new ()),
      GST_FLOW_ERROR);
  tts_free (&t);
}

GST_END_TEST;

/* A voice the model does not have: the server's 400 says only that it is
 * invalid; the error also names the model's voices, read from the model
 * list once the request failed. */
GST_START_TEST (test_voice_the_model_lacks_names_its_voices)
{
  Tts t = tts_new ("model", "tts-1", "voice", "rachel", NULL);
  g_autoptr (GstMessage) error = NULL;

  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "400 Bad Request: Invalid voice: rachel; tts-1 has no "
      "voice \"rachel\": its voices are alloy, echo, fable, onyx, nova, "
      "shimmer");
  fail_unless_equals_int (pollen_test_count_requests (t.emulator, "/audio/models"), 1);
  tts_free (&t);
}

GST_END_TEST;

/* The voice is the server's to judge: a custom ElevenLabs voice id that
 * no list names is sent and spoken, and the model list is never asked
 * for while nothing fails. */
GST_START_TEST (test_voice_not_checked_before_sending)
{
  Tts t = tts_new ("model", "elevenlabs", "voice", "21m00Tcm4TlvDq8ikWAM",
      NULL);
  g_autoptr (GArray) speeches = NULL;

  push_text (&t, "Hello.", 0, 2 * GST_SECOND);
  push_eos_and_wait (&t);
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  fail_unless_equals_int (pollen_test_count_requests (t.emulator, "/audio/models"), 0);
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_missing_key_is_an_error)
{
  Tts t = tts_new ("api-key", "", NULL);
  g_autoptr (GstMessage) error = NULL;

  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_NOT_AUTHORIZED, 401,
      "UNAUTHORIZED", "Set the api-key property");
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_server_error_is_an_error)
{
  Tts t = tts_new (NULL);
  g_autoptr (GstMessage) error = NULL;

  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new_error (502, "BAD_GATEWAY",
          "upstream provider failed"));
  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_READ, 502,
      "BAD_GATEWAY", "502 Bad Gateway: upstream provider failed");
  tts_free (&t);
}

GST_END_TEST;

/* Downstream that takes nothing pollentts gives: one error that says what
 * it gives and what to put in between, not a bare "not-negotiated". */
GST_START_TEST (test_not_negotiated_says_what_it_gives)
{
  const struct
  {
    gint response_format;
    const gchar *downstream;
    const gchar *message;
  } cases[] = {
    {0 /* wav */ , "audio/mpeg, mpegversion=(int)1",
        "takes only audio/mpeg, mpegversion=(int)1, but pollentts gives raw "
          "audio: audio/x-raw, interleaved, in any format, rate and channel "
          "count"},
    {0 /* wav */ , "audio/x-raw, layout=non-interleaved",
        "but pollentts gives raw audio"},
    {2 /* mp3 */ , "audio/x-raw",
        "but pollentts gives the server's encoded audio as it is, here "
          "audio/mpeg"},
  };
  guint c;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    Tts t = tts_new ("response-format", cases[c].response_format, NULL);
    g_autoptr (GstMessage) error = NULL;
    g_autoptr (GError) gerror = NULL;

    gst_harness_set_sink_caps_str (t.h, cases[c].downstream);
    error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
    gst_message_parse_error (error, &gerror, NULL);
    fail_unless (g_error_matches (gerror, GST_CORE_ERROR,
            GST_CORE_ERROR_NEGOTIATION), "%s: %s", cases[c].downstream,
        gerror->message);
    fail_unless (strstr (gerror->message, cases[c].message) != NULL,
        "%s", gerror->message);
    recorder_wait_eos (t.rec);
    /* that one error, no "Internal data stream error" after it */
    fail_if (tts_pop_message (&t, GST_MESSAGE_ERROR));
    tts_free (&t);
  }
}

GST_END_TEST;

GST_START_TEST (test_skip_failed_fills_the_text)
{
  Tts t = tts_new ("skip-failed", TRUE, "max-in-flight", 1, NULL);
  g_autoptr (GBytes) pcm = expected_pcm ("Still here.", RATE);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) speeches = NULL;

  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "try later"));
  push_text (&t, "Lost.", GST_SECOND, 2 * GST_SECOND);
  push_text (&t, "Still here.", 4 * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "503 Service Unavailable: try later"),
      "%s", error->message);
  fail_unless (strstr (error->message, "Lost.") != NULL);
  fail_if (tts_pop_message (&t, GST_MESSAGE_ERROR));

  /* the failed text's time is silence; the next one is spoken */
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, 4 * GST_SECOND);
  assert_speech_is (speech_at (speeches, 0), pcm);
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, 0),
      4 * GST_SECOND + pcm_duration (pcm, RATE));
  tts_free (&t);
}

GST_END_TEST;

/* The first piece of a split text without timestamps fails: the next
 * piece still starts at a real time (the segment start). */
GST_START_TEST (test_skip_failed_first_piece)
{
  Tts t = tts_new ("skip-failed", TRUE, "max-in-flight", 1, NULL);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GBytes) second_part = expected_pcm ("second part.", RATE);
  g_autoptr (GArray) speeches = NULL;
  guint i;

  for (i = 0; text->len < 15000; i++)
    g_string_append_printf (text, "Sentence number %u is here. ", i);
  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "try later"));
  pollen_emulator_push (t.emulator, SPEECH_PATH, wav_response ("second part.",
          RATE));
  push_text (&t, text->str, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
  push_eos_and_wait (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 2);
  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts, 0);
  assert_speech_is (speech_at (speeches, 0), second_part);
  tts_free (&t);
}

GST_END_TEST;

/* The connection breaks off mid-body: what arrived went out, and the loss
 * of the rest is an error, not silence. */
GST_START_TEST (test_body_cut_short)
{
  Tts t = tts_new (NULL);
  PollenEmulatorResponse *response = wav_response ("one two three four.",
      RATE);
  g_autoptr (GstMessage) error = NULL;

  response->drop_after = 44 + 9600;     /* header and 200 ms of samples */
  pollen_emulator_push (t.emulator, SPEECH_PATH, response);
  error = run_until_message (&t, "one two three four.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_READ, 0, NULL,
      "Speaking the text at 0:00:00.000000000 (\"one two three four.\")");
  fail_unless (recorder_wait_speech (t.rec, 1));
  tts_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_answer_that_is_not_audio)
{
  Tts t = tts_new (NULL);
  g_autoptr (GstMessage) error = NULL;

  pollen_emulator_push (t.emulator, SPEECH_PATH,
      pollen_emulator_response_new_json (200, "{\"message\":\"queued\"}"));
  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_FAILED, 0, NULL,
      "is not audio");
  tts_free (&t);
}

GST_END_TEST;

/* ---- latency ---- */

GST_START_TEST (test_latency_query)
{
  Tts t = tts_new_live ("latency", 500, NULL);
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min, max;
  gboolean live;

  gst_harness_set_upstream_latency (t.h, 100 * GST_MSECOND);
  fail_unless (gst_pad_peer_query (t.h->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, 600 * GST_MSECOND);
  gst_query_unref (query);

  gst_harness_set_live (t.h, FALSE);
  query = gst_query_new_latency ();
  fail_unless (gst_pad_peer_query (t.h->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_if (live);
  fail_unless_equals_uint64 (min, 100 * GST_MSECOND);
  gst_query_unref (query);
  tts_free (&t);
}

GST_END_TEST;

/* Live: speech that comes after its deadline (text running time + upstream
 * latency + latency) is shifted to now, with a warning. */
GST_START_TEST (test_late_speech_shifted)
{
  Tts t = tts_new_live ("latency", 200, NULL);
  GstClock *clock;
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) speeches = NULL;

  clock = gst_element_get_clock (t.element);
  fail_unless (GST_IS_TEST_CLOCK (clock));
  /* the answer is here when the clock already says 1 s */
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), GST_SECOND);
  gst_object_unref (clock);
  push_text (&t, "Late.", 0, 2 * GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 1);
  fail_unless_equals_uint64 (speech_at (speeches, 0)->pts,
      800 * GST_MSECOND);
  warning = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  /* the text came when its deadline had passed; the server answered at
   * once: the element was held back, which raising latency does not fix */
  fail_unless (strstr (error->message, "went out 800 ms after it was due"),
      "%s", error->message);
  fail_unless (strstr (error->message, "Raising latency does not help"),
      "%s", error->message);
  tts_free (&t);
}

GST_END_TEST;

/* Three late speeches in one interval: one warning for the first, and one
 * that sums up the other two (here at EOS), not one per speech. */
GST_START_TEST (test_late_warnings_summed_up)
{
  /* clip: each speech keeps its text's place, so each is late; latency
   * is ample for the emulator even on a loaded machine, so the lateness is
   * never the server's */
  Tts t = tts_new_live ("latency", 2000, NULL);
  g_autoptr (GstMessage) first = NULL;
  g_autoptr (GstMessage) summary = NULL;
  g_autoptr (GstMessage) more = NULL;
  g_autoptr (GError) error = NULL;
  GstClock *clock;
  guint i;

  gst_util_set_object_arg (G_OBJECT (t.element), "overflow", "clip");
  clock = gst_element_get_clock (t.element);
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 10 * GST_SECOND);
  gst_object_unref (clock);
  for (i = 0; i < 3; i++)
    push_text (&t, "Late.", i * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  first = tts_pop_message (&t, GST_MESSAGE_WARNING);
  summary = tts_pop_message (&t, GST_MESSAGE_WARNING);
  more = tts_pop_message (&t, GST_MESSAGE_WARNING);
  fail_unless (first != NULL && summary != NULL);
  fail_if (more != NULL, "a warning per speech");
  gst_message_parse_warning (summary, &error, NULL);
  fail_unless (strstr (error->message, "2 more late results in the last "
          "10 s: 0 because the server was slow"), "%s", error->message);
  tts_free (&t);
}

GST_END_TEST;

static void
set_clock (Tts * t, GstClockTime time)
{
  GstClock *clock = gst_element_get_clock (t->element);

  fail_unless (GST_IS_TEST_CLOCK (clock));
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), time);
  gst_object_unref (clock);
}

/* Live, a text whose speech could no longer start within max-lag of its
 * end when a worker gets to it is not requested (never paid for), and the
 * warning says so; a text still in time is. */
GST_START_TEST (test_live_stale_text_not_requested)
{
  Tts t = tts_new_live ("latency", 1000, "max-lag", 1000, NULL);
  g_autofree gchar *input = NULL;
  g_autofree gchar *warnings = NULL;

  /* what must play now is at 19 s: a text that ended at 11 s is gone */
  set_clock (&t, 20 * GST_SECOND);
  push_text (&t, "Long gone.", 10 * GST_SECOND, GST_SECOND);
  push_text (&t, "Still in time.", 19500 * GST_MSECOND, GST_SECOND);
  push_eos_and_wait (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 1);
  input = request_input (t.emulator, 0);
  fail_unless_equals_string (input, "Still in time.");
  warnings = pollen_test_pop_warnings (t.bus, NULL);
  fail_unless (strstr (warnings, "(\"Long gone.\"): skipped without a "
          "request: its output could not play in time any more (it would "
          "come 7000 ms after its last moment") != NULL, "%s", warnings);
  tts_free (&t);
}

GST_END_TEST;

/* Live, an answer so late that none of its speech can start within
 * max-lag is dropped, and said to be: not "shifted". */
GST_START_TEST (test_live_too_late_answer_dropped)
{
  Tts t = tts_new_live ("latency", 200, "max-lag", 500, NULL);
  PollenEmulatorResponse *slow = wav_response ("Too late.", RATE);
  g_autoptr (GArray) speeches = NULL;
  g_autofree gchar *warnings = NULL;

  slow->delay_ms = MS (2000);
  pollen_emulator_push (t.emulator, SPEECH_PATH, slow);
  push_text (&t, "Too late.", 0, GST_SECOND);
  pollen_emulator_request_unref (pollen_emulator_wait_request (t.emulator, 0,
          MS (5000)));
  /* the answer comes when the clock says 5 s */
  set_clock (&t, 5 * GST_SECOND);
  push_eos_and_wait (&t);

  speeches = recorder_speeches (t.rec);
  fail_unless_equals_int (speeches->len, 0);
  warnings = pollen_test_pop_warnings (t.bus, NULL);
  fail_unless (strstr (warnings, "the server answered 3300 ms after the "
          "last moment its output could play, so none of it was played")
      != NULL, "%s", warnings);
  fail_if (strstr (warnings, "shifted") != NULL, "%s", warnings);
  tts_free (&t);
}

GST_END_TEST;

/* The end of the latest buffer that came out, or NONE. */
static GstClockTime
recorder_end (Recorder * rec)
{
  GstClockTime end = GST_CLOCK_TIME_NONE;
  guint i;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++) {
    GstMiniObject *item = rec->items->pdata[i];

    if (GST_IS_BUFFER (item))
      end = GST_BUFFER_PTS (item) + GST_BUFFER_DURATION (item);
  }
  g_mutex_unlock (&rec->lock);
  return end;
}

/* Waits until the output reached @end; FALSE when it did not within a
 * few idle ticks. */
static gboolean
recorder_wait_end (Recorder * rec, GstClockTime end)
{
  gint64 until = g_get_monotonic_time () + MS (1000) * 1000;

  while (recorder_end (rec) != end)
    if (g_get_monotonic_time () > until)
      return FALSE;
    else
      g_usleep (10000);
  return TRUE;
}

/* Live, while an answer is awaited the time up to what must play now
 * (the clock less latency) goes out as silence, so a live sink keeps
 * going: the clock is moved on a second at a time, and once the timeline
 * started the silence follows it, with no speech. */
GST_START_TEST (test_live_silence_while_awaiting)
{
  Tts t = tts_new_live ("latency", 2000, NULL);
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  GstClockTime now, start = GST_CLOCK_TIME_NONE;
  guint caught_up = 0;

  hang->hang = TRUE;
  pollen_emulator_push (t.emulator, SPEECH_PATH, hang);
  push_text (&t, "Never answered.", 0, GST_SECOND);
  for (now = 3 * GST_SECOND; caught_up < 3; now += GST_SECOND) {
    fail_unless (now < 20 * GST_SECOND, "the silence never started");
    set_clock (&t, now);
    if (!recorder_wait_end (t.rec, now - 2 * GST_SECOND)) {
      /* the first idle tick only starts the timeline */
      fail_if (GST_CLOCK_TIME_IS_VALID (start), "the silence stopped");
      continue;
    }
    if (!GST_CLOCK_TIME_IS_VALID (start))
      start = now - 3 * GST_SECOND;
    caught_up++;
  }
  now -= GST_SECOND;
  fail_unless_equals_uint64 (recorder_assert_contiguous (t.rec, start),
      now - 2 * GST_SECOND);
  fail_unless_equals_uint64 (recorder_silence (t.rec), now - 2 * GST_SECOND -
      start);
  tts_free (&t);
}

GST_END_TEST;

/* Live texts, one request at a time, answered by the clock: text i at
 * @pts[i] for 1 s; its answer is given when the clock says @answer_at[i]
 * (the emulator holds it @delay_ms, the test sets the clock meanwhile). */
typedef struct
{
  Tts *t;
  const gchar *const *texts;
  const GstClockTime *pts;
  const GstClockTime *answer_at;
  guint n;
} ClockedTexts;

static gpointer
push_clocked_texts (gpointer user_data)
{
  ClockedTexts *c = user_data;
  guint i;

  for (i = 0; i < c->n; i++)
    push_text (c->t, c->texts[i], c->pts[i], GST_SECOND);
  return NULL;
}

static void
answer_by_the_clock (ClockedTexts * c, guint delay_ms)
{
  GThread *pusher;
  guint i;

  for (i = 0; i < c->n; i++) {
    PollenEmulatorResponse *response = wav_response (c->texts[i], RATE);

    response->delay_ms = MS (delay_ms);
    pollen_emulator_push (c->t->emulator, SPEECH_PATH, response);
  }
  pusher = g_thread_new ("push", push_clocked_texts, c);
  for (i = 0; i < c->n; i++) {
    pollen_emulator_request_unref (pollen_emulator_wait_request
        (c->t->emulator, i, MS (5000)));
    set_clock (c->t, c->answer_at[i]);
  }
  g_thread_join (pusher);
}

/* Live, a server that answers three speeches running slower than latency
 * has latency raised to the slowest and 500 ms more, within max-latency,
 * with a warning and a LATENCY message. One request at a time, so that
 * each answer comes when the clock was moved on for it. */
GST_START_TEST (test_live_latency_follows_a_slow_server)
{
  Tts t = tts_new_live ("latency", 500, "max-latency", 5000,
      "max-in-flight", 1, NULL);
  const gchar *const texts[] = { "Slow.", "Slow.", "Slow." };
  const GstClockTime pts[] = { 0, 3 * GST_SECOND, 6 * GST_SECOND };
  /* each answer comes 3 s after its request, by the clock */
  const GstClockTime answer_at[] = { 3 * GST_SECOND, 6 * GST_SECOND,
    9 * GST_SECOND
  };
  ClockedTexts clocked = { &t, texts, pts, answer_at, 3 };
  g_autofree gchar *warnings = NULL;
  guint latency, latency_messages = 0;

  answer_by_the_clock (&clocked, 1000);
  push_eos_and_wait (&t);

  g_object_get (t.element, "latency", &latency, NULL);
  fail_unless_equals_int (latency, 3500);
  warnings = pollen_test_pop_warnings (t.bus, &latency_messages);
  fail_unless_equals_int (latency_messages, 1);
  fail_unless (strstr (warnings, "The server took up to 3000 ms for each of "
          "the last 3 requests, longer than latency (500 ms): latency raised "
          "to 3500 ms (max-latency 5000 ms)") != NULL, "%s", warnings);
  tts_free (&t);
}

GST_END_TEST;

/* Live, one request at a time: the second text's request goes out only
 * when the first is answered (at 1.5 s), and its answer, 1.9 s later,
 * quicker than latency, comes 400 ms after its deadline (3 s). The warning
 * says the request went out late behind the one before it, not that
 * downstream held the element back (it never did). */
GST_START_TEST (test_live_request_late_behind_the_one_before)
{
  Tts t = tts_new_live ("latency", 2000, "max-lag", 10000, "max-in-flight",
      1, NULL);
  const gchar *const texts[] = { "First.", "Second." };
  const GstClockTime pts[] = { 0, GST_SECOND };
  const GstClockTime answer_at[] = { 1500 * GST_MSECOND, 3400 * GST_MSECOND };
  ClockedTexts clocked = { &t, texts, pts, answer_at, 2 };
  g_autofree gchar *warnings = NULL;

  answer_by_the_clock (&clocked, 300);
  push_eos_and_wait (&t);

  warnings = pollen_test_pop_warnings (t.bus, NULL);
  fail_unless (strstr (warnings, "(\"Second.\"): the server answered within "
          "latency, but the request went out late, behind the ones before "
          "it, so the result came 400 ms after its deadline") != NULL, "%s",
      warnings);
  fail_if (strstr (warnings, "downstream") != NULL, "%s", warnings);
  tts_free (&t);
}

GST_END_TEST;

/* A live chain with a synchronised sink: texts every 2 s, answered at
 * once, latency=2000. The src task is held by the sink until each silence
 * buffer's render moment, which is not lateness: no warning, and every
 * speech starts at its text's PTS. */
static void
push_live_texts (GstElement * appsrc, GstElement * pipeline, guint n,
    GArray * pts)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstBuffer *buffer = gst_buffer_new_memdup ("Hi.", 3);
    GstClockTime now = gst_element_get_current_running_time (pipeline);

    GST_BUFFER_PTS (buffer) = now;
    GST_BUFFER_DURATION (buffer) = GST_SECOND;
    g_array_append_val (pts, now);
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc),
            buffer), GST_FLOW_OK);
    g_usleep (2 * G_USEC_PER_SEC);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
}

GST_START_TEST (test_live_sync_sink_in_time)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *desc = g_strdup_printf ("appsrc name=src is-live=true "
      "format=time caps=text/x-raw,format=utf8 ! pollentts latency=2000 "
      "base-url=%s api-key=" POLLEN_TEST_KEY " ! fakesink name=sink "
      "sync=true", pollen_emulator_get_url (emulator));
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  Recorder *rec = recorder_new (pad);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  g_autoptr (GArray) speeches = NULL;
  GstBus *bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GstMessage) end = NULL;
  guint i;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, WAIT) !=
      GST_STATE_CHANGE_FAILURE);
  push_live_texts (src, pipeline, 4, pts);
  end = gst_bus_timed_pop_filtered (bus, WAIT, GST_MESSAGE_EOS |
      GST_MESSAGE_ERROR);
  fail_unless (end && GST_MESSAGE_TYPE (end) == GST_MESSAGE_EOS);
  warning = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_if (warning != NULL, "unexpected %" GST_PTR_FORMAT, warning);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  speeches = recorder_speeches (rec);
  fail_unless_equals_int (speeches->len, 4);
  for (i = 0; i < 4; i++)
    fail_unless_equals_uint64 (speech_at (speeches, i)->pts,
        g_array_index (pts, GstClockTime, i));
  recorder_free (rec);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- a subtitle file ---- */

static const gchar srt[] =
    "1\n00:00:01,000 --> 00:00:02,500\nHello there.\n\n"
    "2\n00:00:04,000 --> 00:00:05,500\n<i>This is a test</i>\nof speech.\n\n"
    "3\n00:00:07,250 --> 00:00:09,000\nGood bye &amp; thanks!\n";
static const GstClockTime srt_starts[] = {
  1 * GST_SECOND, 4 * GST_SECOND, 7250 * GST_MSECOND
};

static gchar *
write_srt_text (const gchar * text)
{
  g_autoptr (GError) error = NULL;
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("pollentts-XXXXXX.srt", &path, &error);

  fail_unless (fd >= 0, "%s", error ? error->message : "");
  close (fd);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static gchar *
write_srt (void)
{
  return write_srt_text (srt);
}

static GstElement *
subtitle_pipeline (PollenEmulator * emulator, const gchar * srt_path,
    const gchar * tail)
{
  g_autofree gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! "
      "subparse ! pollentts name=tts voice=nova base-url=%s api-key="
      POLLEN_TEST_KEY " ! %s", srt_path, pollen_emulator_get_url (emulator),
      tail);
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  return pipeline;
}

GST_START_TEST (test_subtitles_through_subparse)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *path = write_srt ();
  GstElement *pipeline = subtitle_pipeline (emulator, path,
      "fakesink sync=false");
  GstElement *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");
  GstPad *src = gst_element_get_static_pad (tts, "src");
  Recorder *rec = recorder_new (src);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (GArray) speeches = NULL;
  guint i;

  end = pollen_test_run (pipeline, WAIT);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  speeches = recorder_speeches (rec);
  fail_unless_equals_int (speeches->len, 3);
  for (i = 0; i < 3; i++)
    fail_unless_equals_uint64 (speech_at (speeches, i)->pts, srt_starts[i]);
  fail_unless_equals_uint64 (recorder_assert_contiguous (rec, 0),
      9 * GST_SECOND);
  /* subparse's markup did not reach the server */
  for (i = 0; i < 3; i++) {
    g_autofree gchar *input = request_input (emulator, i);

    if (g_str_equal (input, "This is a test of speech."))
      break;
  }
  fail_unless (i < 3, "the second subtitle was not sent as plain text");

  recorder_free (rec);
  gst_object_unref (src);
  gst_object_unref (tts);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
  g_unlink (path);
}

GST_END_TEST;

/* Where the sound starts again after at least 100 ms of silence. */
static GArray *
find_onsets (const gint16 * samples, gsize count, guint rate)
{
  GArray *onsets = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  gsize i, quiet = rate;        /* the start counts as after silence */

  for (i = 0; i < count; i++) {
    if (samples[i] == 0) {
      quiet++;
      continue;
    }
    if (quiet >= rate / 10) {
      GstClockTime t = gst_util_uint64_scale (i, GST_SECOND, rate);

      g_array_append_val (onsets, t);
    }
    quiet = 0;
  }
  return onsets;
}

/* Speech starts within 20 ms after each of the @n @cues. */
static void
assert_onsets (const gint16 * samples, gsize count, guint rate,
    const GstClockTime * cues, guint n)
{
  g_autoptr (GArray) onsets = find_onsets (samples, count, rate);
  guint i;

  fail_unless (onsets->len >= n);
  for (i = 0; i < n; i++) {
    GstClockTime onset = 0;
    guint j;

    /* the first onset that is not well before the cue, within 20 ms */
    for (j = 0; j < onsets->len; j++) {
      onset = g_array_index (onsets, GstClockTime, j);
      if (onset + 20 * GST_MSECOND > cues[i])
        break;
    }
    fail_unless (onset + 20 * GST_MSECOND > cues[i] &&
        onset < cues[i] + 20 * GST_MSECOND,
        "cue %u at %" GST_TIME_FORMAT ", speech at %" GST_TIME_FORMAT,
        i + 1, GST_TIME_ARGS (cues[i]), GST_TIME_ARGS (onset));
  }
}

/* Runs @pipeline to EOS and reads the WAV file it wrote. */
static gchar *
run_to_wav_file (GstElement * pipeline, const gchar * wav_path,
    PollenWavInfo * info)
{
  g_autoptr (GstMessage) end = pollen_test_run (pipeline, WAIT);
  gchar *contents = NULL;
  gsize size;

  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  fail_unless (g_file_get_contents (wav_path, &contents, &size, NULL));
  fail_unless_equals_int (pollen_wav_parse_header ((guint8 *) contents, size,
          info, NULL), POLLEN_WAV_OK);
  return contents;
}

/* The issue's pipeline, as a user runs it: a WAV file whose speech starts
 * at each subtitle's time. */
GST_START_TEST (test_subtitles_to_wav_file)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *path = write_srt ();
  g_autofree gchar *wav_path = g_strdup_printf ("%s.wav", path);
  g_autofree gchar *tail = g_strdup_printf ("audioconvert ! audioresample ! "
      "wavenc ! filesink location=\"%s\"", wav_path);
  GstElement *pipeline = subtitle_pipeline (emulator, path, tail);
  g_autofree gchar *contents = NULL;
  PollenWavInfo info;

  contents = run_to_wav_file (pipeline, wav_path, &info);
  gst_object_unref (pipeline);
  fail_unless_equals_int (info.rate, RATE);
  fail_unless_equals_int (info.channels, 1);
  /* the file covers the whole subtitle timeline */
  fail_unless_equals_uint64 (info.data_size, 9 * RATE * BPF);
  assert_onsets ((const gint16 *) (contents + info.data_offset),
      info.data_size / BPF, info.rate, srt_starts, 3);
  g_unlink (wav_path);
  g_unlink (path);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* MP3 speech decoded and mixed: the first runs past its text, so with
 * overflow=shift the second starts where the first ends (its length is
 * known, not assumed to be its text's), the third at its own time; the file
 * ends at the end of the last text. Every onset within 20 ms of its cue. */
/* The emulator's MP3 for @text decoded alone: where its sound starts (the
 * codec's delay, which depends on the first word), so that a cue is where
 * the speech is heard. */
static GstClockTime
mp3_lead_in (const gchar * text)
{
  const gchar *content_type;
  g_autoptr (GBytes) mp3 = expected_encoded (text, "mp3", &content_type);
  GstElement *pipeline = gst_parse_launch ("appsrc name=src ! decodebin ! "
      "audioconvert ! audio/x-raw, format=S16LE, channels=1 ! "
      "appsink name=sink sync=false", NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_autoptr (GByteArray) pcm = g_byte_array_new ();
  g_autoptr (GArray) onsets = NULL;
  GstSample *sample;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (src), gst_buffer_new_wrapped_bytes
      (mp3));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              5 * GST_SECOND))) {
    GstMapInfo map;

    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    g_byte_array_append (pcm, map.data, map.size);
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  onsets = find_onsets ((const gint16 *) pcm->data, pcm->len / BPF, RATE);
  fail_unless (onsets->len > 0);
  return g_array_index (onsets, GstClockTime, 0);
}

/* How long the emulator's answer for @text in @format plays, checked
 * against its samples. */
static GstClockTime
encoded_length (const gchar * text, const gchar * format)
{
  const gchar *content_type;
  g_autoptr (GBytes) pcm = expected_pcm (text, RATE);
  g_autoptr (GBytes) encoded = expected_encoded (text, format,
      &content_type);
  GstClockTime length = pollen_media_audio_duration (NULL, encoded);
  GstClockTime samples = pcm_duration (pcm, RATE);

  fail_unless (GST_CLOCK_TIME_IS_VALID (length), "%s not decoded", format);
  fail_unless (length + 30 * GST_MSECOND >= samples &&
      length < samples + 100 * GST_MSECOND, "%s: %" GST_TIME_FORMAT " of %"
      GST_TIME_FORMAT, format, GST_TIME_ARGS (length),
      GST_TIME_ARGS (samples));
  return length;
}

/* Encoded speech is timed by decoding it, in every format. */
GST_START_TEST (test_encoded_lengths)
{
  const gchar *formats[] = { "mp3", "opus", "aac", "flac" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    encoded_length ("How long is this?", formats[i]);
}

GST_END_TEST;

static const gchar mp3_srt[] =
    "1\n00:00:00,500 --> 00:00:01,000\nOne two three four five six.\n\n"
    "2\n00:00:01,000 --> 00:00:02,000\nSecond one.\n\n"
    "3\n00:00:05,000 --> 00:00:07,000\nThird.\n";

GST_START_TEST (test_mp3_speech_mixed_on_time)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *path = write_srt_text (mp3_srt);
  g_autofree gchar *wav_path = g_strdup_printf ("%s.wav", path);
  g_autofree gchar *tail = g_strdup_printf ("decodebin ! audioconvert ! "
      "audioresample ! audio/x-raw, format=S16LE, channels=1, rate=%u ! "
      "audiomixer ! wavenc ! filesink location=\"%s\"", RATE, wav_path);
  GstElement *pipeline = subtitle_pipeline (emulator, path, tail);
  const gchar *texts[] = { "One two three four five six.", "Second one.",
    "Third."
  };
  g_autofree gchar *contents = NULL;
  GstClockTime starts[3], cues[3];
  PollenWavInfo info;
  guint i;
  GstElement *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");

  gst_util_set_object_arg (G_OBJECT (tts), "response-format", "mp3");
  gst_object_unref (tts);
  /* each speech plays as long as its decoded MP3, a little longer than
   * its samples (encoder delay and padding) */
  starts[0] = 500 * GST_MSECOND;
  starts[1] = starts[0] + encoded_length (texts[0], "mp3");
  starts[2] = MAX (5 * GST_SECOND, starts[1] + encoded_length (texts[1],
          "mp3"));
  fail_unless (starts[1] > 1100 * GST_MSECOND, "the first speech is short");
  for (i = 0; i < 3; i++)
    cues[i] = starts[i] + mp3_lead_in (texts[i]);

  contents = run_to_wav_file (pipeline, wav_path, &info);
  gst_object_unref (pipeline);
  assert_onsets ((const gint16 *) (contents + info.data_offset),
      info.data_size / BPF, info.rate, cues, 3);
  /* filled up to the end of the last text */
  fail_unless (gst_util_uint64_scale (info.data_size / BPF, GST_SECOND,
          info.rate) + 30 * GST_MSECOND >= 7 * GST_SECOND);
  g_unlink (wav_path);
  g_unlink (path);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- the emulator's /v1/audio/speech ---- */

static PollenResponse *
emulator_speech (PollenEmulator * emulator, const gchar * json,
    GError ** error)
{
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 0);
  g_autoptr (PollenRequest) request = pollen_request_new ("POST",
      SPEECH_PATH);
  g_autoptr (JsonParser) parser = json_parser_new ();

  fail_unless (json_parser_load_from_data (parser, json, -1, NULL));
  pollen_request_set_json (request, json_node_get_object
      (json_parser_get_root (parser)));
  return pollen_client_fetch (client, request, NULL, error);
}

static void
assert_emulator_refuses (PollenEmulator * emulator, const gchar * json,
    const gchar * message_part)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PollenResponse) response = emulator_speech (emulator, json,
      &error);

  fail_unless (response == NULL);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 400);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "BAD_REQUEST");
  fail_unless (strstr (error->message, message_part) != NULL, "%s",
      error->message);
}

GST_START_TEST (test_emulator_speech_validation)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GString) long_input = g_string_new ("{\"input\":\"");
  guint i;

  assert_emulator_refuses (emulator, "{\"input\":\"\"}",
      "at least 1 character");
  assert_emulator_refuses (emulator, "{\"model\":\"tts-1\"}",
      "input: Required");
  for (i = 0; i < 10001; i++)
    g_string_append_c (long_input, 'a');
  g_string_append (long_input, "\"}");
  assert_emulator_refuses (emulator, long_input->str,
      "at most 10000 character");
  assert_emulator_refuses (emulator, "{\"input\":\"hi\","
      "\"response_format\":\"ogg\"}", "received 'ogg'");
  assert_emulator_refuses (emulator, "{\"input\":\"hi\",\"model\":"
      "\"elevenlabs\",\"instructions\":\"warm\"}",
      "instructions: not supported");
  assert_emulator_refuses (emulator, "{\"input\":42}", "input: Expected "
      "string");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
check_emulator_wav (PollenEmulator * emulator, const gchar * model,
    guint rate, gboolean streamed)
{
  g_autofree gchar *json = g_strdup_printf ("{\"input\":\"Hello there.\","
      "\"model\":\"%s\",\"response_format\":\"wav\"}", model);
  g_autoptr (GError) error = NULL;
  g_autoptr (PollenResponse) response = emulator_speech (emulator, json,
      &error);
  g_autoptr (GBytes) pcm = expected_pcm ("Hello there.", rate);
  PollenWavInfo info;
  gsize size;
  const guint8 *data;

  fail_unless (response != NULL, "%s", error ? error->message : "");
  fail_unless_equals_string (response->content_type, "audio/wav");
  data = g_bytes_get_data (response->body, &size);
  fail_unless_equals_int (pollen_wav_parse_header (data, size, &info, NULL),
      POLLEN_WAV_OK);
  fail_unless_equals_int (info.rate, rate);
  fail_unless_equals_int (size - info.data_offset, g_bytes_get_size (pcm));
  if (streamed) {
    /* chunked, and the header does not know the length */
    fail_unless_equals_int (response->content_length, -1);
    fail_unless_equals_uint64 (info.data_size, POLLEN_WAV_SIZE_UNKNOWN);
  } else {
    fail_unless_equals_int (response->content_length, size);
    fail_unless_equals_uint64 (info.data_size, g_bytes_get_size (pcm));
  }
}

GST_START_TEST (test_emulator_speech_audio)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 0);
  g_autoptr (PollenRequest) get = pollen_request_new ("GET", "/audio");
  g_autoptr (PollenResponse) got = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *formats[] = { "mp3", "opus", "aac", "flac", "pcm" };
  guint i;

  check_emulator_wav (emulator, "tts-1", 24000, TRUE);
  check_emulator_wav (emulator, "tts-1-hd", 24000, TRUE);
  check_emulator_wav (emulator, "elevenlabs", 44100, FALSE);
  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_autofree gchar *json = g_strdup_printf ("{\"input\":\"Hi.\","
        "\"response_format\":\"%s\"}", formats[i]);
    g_autoptr (PollenResponse) response = emulator_speech (emulator, json,
        &error);
    const gchar *content_type;
    g_autoptr (GBytes) expected = expected_encoded ("Hi.", formats[i],
        &content_type);

    fail_unless (response != NULL, "%s", error ? error->message : "");
    fail_unless_equals_string (response->content_type, content_type);
    fail_unless (g_bytes_equal (response->body, expected));
  }

  /* GET /audio/{text} streams the same way */
  pollen_request_append_path_segment (get, "Hello there.");
  pollen_request_add_query (get, "model", "tts-1");
  pollen_request_add_query (get, "response_format", "wav");
  got = pollen_client_fetch (client, get, NULL, &error);
  fail_unless (got != NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (got->content_length, -1);
  fail_unless (g_str_has_prefix (g_bytes_get_data (got->body, NULL), "RIFF"));
  fail_unless_equals_int (GST_READ_UINT32_LE ((guint8 *) g_bytes_get_data
          (got->body, NULL) + 24), RATE);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- the policies every GstPollenFilter shares ---- */

/* Untimed text (filesrc or fdsrc without subparse: a BYTES segment): one
 * error that says what to put in front, and the pipeline stops cleanly. */
GST_START_TEST (test_untimed_text_one_error)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *path = write_srt ();
  g_autofree gchar *wav_path = g_strdup_printf ("%s.wav", path);
  g_autofree gchar *desc = g_strdup_printf ("filesrc location=\"%s\" "
      "blocksize=16 ! text/x-raw,format=utf8 ! pollentts name=tts "
      "base-url=%s api-key=" POLLEN_TEST_KEY " ! wavenc ! filesink "
      "location=\"%s\"", path, pollen_emulator_get_url (emulator), wav_path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");
  GstBus *bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  GstMessage *more;
  guint errors = 0;
  gint64 before;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, WAIT, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  fail_unless (GST_MESSAGE_SRC (message) == GST_OBJECT (tts));
  gst_message_parse_error (message, &error, NULL);
  fail_unless (strstr (error->message, "subparse") != NULL, "%s",
      error->message);
  g_usleep (MS (300) * 1000);
  while ((more = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR))) {
    errors += GST_MESSAGE_SRC (more) == GST_OBJECT (tts);
    gst_message_unref (more);
  }
  fail_unless_equals_int (errors, 0);

  before = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (ELAPSED_MS (before) < MS (1000));
  gst_object_unref (bus);
  gst_object_unref (tts);
  gst_object_unref (pipeline);
  g_unlink (wav_path);
  g_unlink (path);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A fatal error is followed by EOS downstream, and upstream is refused. */
GST_START_TEST (test_error_then_eos)
{
  Tts t = tts_new ("api-key", "", NULL);
  g_autoptr (GstMessage) error = NULL;

  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  recorder_wait_eos (t.rec);
  fail_unless_equals_int (gst_harness_push (t.h, gst_buffer_new ()),
      GST_FLOW_ERROR);
  tts_free (&t);
}

GST_END_TEST;

/* In PAUSED, before any data and with nothing upstream that answers, the
 * LATENCY query says what pollentts adds, as live. */
GST_START_TEST (test_latency_before_data)
{
  pollen_test_assert_latency_before_data ("pollentts", 500,
      500 * GST_MSECOND);
}

GST_END_TEST;

/* The common settings are a snapshot taken at READY→PAUSED; voice may
 * change while PLAYING and is used from the next text on. */
GST_START_TEST (test_settings_snapshot)
{
  Tts t = tts_new ("model", "tts-1", NULL);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body;

  g_object_set (t.element, "model", "elevenlabs", "voice", "nova", NULL);
  push_text (&t, "Hello.", 0, GST_SECOND);
  push_eos_and_wait (&t);
  request = pollen_emulator_wait_request (t.emulator, 0, MS (5000));
  fail_unless (request != NULL);
  body = request_json (request, parser);
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "tts-1");
  fail_unless_equals_string (json_object_get_string_member (body, "voice"),
      "nova");
  tts_free (&t);
}

GST_END_TEST;

static Suite *
pollentts_suite (void)
{
  Suite *s = suite_create ("pollentts");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request_on_the_wire);
  tcase_add_test (tc, test_request_defaults);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_caps_and_first_pts);
  tcase_add_test (tc, test_text_without_pts_follows);
  tcase_add_test (tc, test_overflow_shift);
  tcase_add_test (tc, test_overflow_overlap);
  tcase_add_test (tc, test_overflow_clip);
  tcase_add_test (tc, test_order_with_later_finishing_first);
  tcase_add_test (tc, test_first_audio_before_body_complete);
  tcase_add_test (tc, test_first_audio_from_first_bytes);
  tcase_add_test (tc, test_steady_raw_buffers);
  tcase_add_test (tc, test_flush_cancels_requests);
  tcase_add_test (tc, test_eos_drains);
  tcase_add_test (tc, test_state_change_during_hung_request);
  tcase_add_test (tc, test_empty_text_makes_no_request);
  tcase_add_test (tc, test_live_gap_filled_while_waiting);
  tcase_add_test (tc, test_live_fill_starts_now);
  tcase_add_test (tc, test_gap_events_with_encoded_output);
  tcase_add_test (tc, test_markup_stripped);
  tcase_add_test (tc, test_plain_text_keeps_angle_brackets);
  tcase_add_test (tc, test_invalid_utf8_repaired);
  tcase_add_test (tc, test_long_text_split);
  tcase_add_test (tc, test_text_split_rules);
  tcase_add_test (tc, test_rate_change_renegotiates);
  tcase_add_test (tc, test_raw_follows_downstream);
  tcase_add_test (tc, test_rates_converted_to_fixed_caps);
  tcase_add_test (tc, test_not_negotiated_says_what_it_gives);
  tcase_add_test (tc, test_wavs_in_one_body);
  tcase_add_test (tc, test_wav_answer_to_mp3_request);
  tcase_add_test (tc, test_pcm_at_pcm_rate);
  tcase_add_test (tc, test_headerless_pcm_warns);
  tcase_add_test (tc, test_pcm_asked_as_wav);
  tcase_add_test (tc, test_model_rate_limit_ridden_out);
  tcase_add_test (tc, test_encoded_formats_pass_through);
  tcase_add_test (tc, test_mp3_through_decodebin);
  tcase_add_test (tc, test_mp3_after_id3_tag);
  tcase_add_test (tc, test_instructions_refused_is_an_error);
  tcase_add_test (tc, test_voice_the_model_lacks_names_its_voices);
  tcase_add_test (tc, test_voice_not_checked_before_sending);
  tcase_add_test (tc, test_missing_key_is_an_error);
  tcase_add_test (tc, test_server_error_is_an_error);
  tcase_add_test (tc, test_skip_failed_fills_the_text);
  tcase_add_test (tc, test_skip_failed_first_piece);
  tcase_add_test (tc, test_body_cut_short);
  tcase_add_test (tc, test_answer_that_is_not_audio);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_late_speech_shifted);
  tcase_add_test (tc, test_live_sync_sink_in_time);
  tcase_add_test (tc, test_late_warnings_summed_up);
  tcase_add_test (tc, test_live_stale_text_not_requested);
  tcase_add_test (tc, test_live_too_late_answer_dropped);
  tcase_add_test (tc, test_live_silence_while_awaiting);
  tcase_add_test (tc, test_live_latency_follows_a_slow_server);
  tcase_add_test (tc, test_live_request_late_behind_the_one_before);
  tcase_add_test (tc, test_live_shift_lag_bounded);
  tcase_add_test (tc, test_shift_not_live_unbounded);
  tcase_add_test (tc, test_live_compress_fits);
  tcase_add_test (tc, test_live_compress_beyond_max_speed);
  tcase_add_test (tc, test_subtitles_through_subparse);
  tcase_add_test (tc, test_subtitles_to_wav_file);
  tcase_add_test (tc, test_encoded_lengths);
  tcase_add_test (tc, test_mp3_speech_mixed_on_time);
  tcase_add_test (tc, test_emulator_speech_validation);
  tcase_add_test (tc, test_emulator_speech_audio);
  tcase_add_test (tc, test_untimed_text_one_error);
  tcase_add_test (tc, test_error_then_eos);
  tcase_add_test (tc, test_latency_before_data);
  tcase_add_test (tc, test_settings_snapshot);
  return s;
}

GST_CHECK_MAIN (pollentts);
