/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenstt against the emulator: the multipart form and WAV on the wire,
 * where chunks are cut, the times of what comes out, ordering with several
 * requests in flight, EOS and flush, latency, the json fallback, the prompt
 * carrying context, and every failure class. The input is tone bursts
 * (440 Hz, -12 dBFS) and digital silence, which the emulator's placeholder
 * recognizer times by their energy. */

#include "pollentest.h"
#include "emuserver.h"
#include "pollenclient.h"
#include "pollenwav.h"

#include <gst/check/gstharness.h>
#include <math.h>
#include <string.h>

#define RATE 16000
#define CAPS_16K "audio/x-raw, format=S16LE, layout=interleaved, " \
    "channels=1, rate=16000"
#define PATH "/v1/audio/transcriptions"
#define WAIT_MS POLLEN_TEST_MS (10000)

/* ---- input ---- */

static GstClockTime
push_parts (GstHarness * h, GstClockTime start, const PollenTestPart * parts,
    guint n_parts)
{
  g_autoptr (GBytes) audio = pollen_test_audio_new (RATE, parts, n_parts);

  return pollen_test_push_audio (h, audio, RATE, start);
}

static GstClockTime
push_tone (GstHarness * h, GstClockTime start, guint ms)
{
  PollenTestPart part = { ms, TRUE };

  return push_parts (h, start, &part, 1);
}

/* ---- the element ---- */

/* pollentest's harness, with the GAPs that came out. */
typedef struct
{
  PollenTestHarness t;
  PollenEmulator *emulator;     /* t's, for short */
  GstHarness *h;
  GstBus *bus;
  GArray *gaps;                 /* [start, end) of each GAP that came out */
} Fixture;

static Fixture
fixture_new_valist (gboolean live, const gchar * first_property, va_list args)
{
  Fixture f;

  f.t = pollen_test_harness_new_valist ("pollenstt", CAPS_16K, live,
      first_property, args);
  f.emulator = f.t.emulator;
  f.h = f.t.h;
  f.bus = f.t.bus;
  f.gaps = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  return f;
}

/* pollenstt with @first_property … set before it starts, in a harness fed
 * 16 kHz mono, live. */
static Fixture
fixture_new (const gchar * first_property, ...)
{
  Fixture f;
  va_list args;

  va_start (args, first_property);
  f = fixture_new_valist (TRUE, first_property, args);
  va_end (args);
  return f;
}

/* The same, fed a recording (not live): chunks are cut when full. */
static Fixture
fixture_new_recorded (const gchar * first_property, ...)
{
  Fixture f;
  va_list args;

  va_start (args, first_property);
  f = fixture_new_valist (FALSE, first_property, args);
  va_end (args);
  return f;
}

static void
fixture_free (Fixture * f)
{
  g_array_unref (f->gaps);
  pollen_test_harness_free (&f->t);
}

/* Notes a GAP event; returns whether @event was EOS. Takes @event. */
static gboolean
note_event (Fixture * f, GstEvent * event)
{
  GstEventType type = GST_EVENT_TYPE (event);

  if (type == GST_EVENT_GAP) {
    GstClockTime ts, duration, end;

    gst_event_parse_gap (event, &ts, &duration);
    end = ts + duration;
    g_array_append_val (f->gaps, ts);
    g_array_append_val (f->gaps, end);
  }
  gst_event_unref (event);
  return type == GST_EVENT_EOS;
}

/* Sends EOS and waits until it came out; every result is out by then. */
static void
finish (Fixture * f)
{
  GstEvent *event;

  fail_unless (gst_harness_push_event (f->h, gst_event_new_eos ()));
  while ((event = gst_harness_pull_event (f->h)))
    if (note_event (f, event))
      return;
  fail ("no EOS came out");
}

typedef struct
{
  GstClockTime pts;
  GstClockTime duration;
  gchar *text;
} Text;

static void
text_clear (Text * text)
{
  g_free (text->text);
}

/* Every buffer that came out, in order. */
static GArray *
pull_texts (Fixture * f)
{
  GArray *texts = g_array_new (FALSE, FALSE, sizeof (Text));
  GstBuffer *buffer;

  g_array_set_clear_func (texts, (GDestroyNotify) text_clear);
  while ((buffer = gst_harness_try_pull (f->h))) {
    GstMapInfo map;
    Text text;

    gst_buffer_map (buffer, &map, GST_MAP_READ);
    text.pts = GST_BUFFER_PTS (buffer);
    text.duration = GST_BUFFER_DURATION (buffer);
    text.text = g_strndup ((const gchar *) map.data, map.size);
    fail_unless (g_utf8_validate (text.text, -1, NULL));
    gst_buffer_unmap (buffer, &map);
    gst_buffer_unref (buffer);
    g_array_append_val (texts, text);
  }
  return texts;
}

#define TEXT(texts, i) (&g_array_index (texts, Text, i))

/* The GAP events that came out so far, as [start, end) pairs. */
static GArray *
pull_gaps (Fixture * f)
{
  GstEvent *event;

  while ((event = gst_harness_try_pull_event (f->h)))
    note_event (f, event);
  return g_array_ref (f->gaps);
}

/* ---- what reached the server ---- */

static EmuForm *
upload_form (PollenEmulator * emulator, guint index)
{
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (emulator, index, WAIT_MS);
  g_autoptr (GError) error = NULL;
  EmuForm *form;

  fail_unless (request != NULL, "request %u never came", index);
  fail_unless_equals_string (request->method, "POST");
  fail_unless_equals_string (request->path, PATH);
  form = emu_form_parse (request, &error);
  fail_unless (form != NULL, "request %u: %s", index, error ?
      error->message : "");
  return form;
}

/* Checks the WAV header of the upload and returns its samples. */
static const gint16 *
upload_samples (EmuForm * form, guint rate, gsize * n_samples)
{
  PollenWavInfo info;
  gsize size;
  const guint8 *data = g_bytes_get_data (form->file, &size);

  fail_unless_equals_int (pollen_wav_parse_header (data, size, &info, NULL),
      POLLEN_WAV_OK);
  fail_unless_equals_int (info.rate, rate);
  fail_unless_equals_int (info.channels, 1);
  fail_unless_equals_int (info.bits, 16);
  fail_unless_equals_int (info.format, POLLEN_WAV_FORMAT_PCM);
  fail_unless_equals_int (info.data_offset, 44);
  fail_unless_equals_uint64 (info.data_offset + info.data_size, size);
  *n_samples = info.data_size / 2;
  return (const gint16 *) (data + info.data_offset);
}

static gsize
upload_sample_count (PollenEmulator * emulator, guint index, guint rate)
{
  g_autoptr (EmuForm) form = upload_form (emulator, index);
  gsize n;

  upload_samples (form, rate, &n);
  return n;
}

static gboolean
is_silent (const gint16 * samples, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (samples[i] != 0)
      return FALSE;
  return TRUE;
}

static GstMessage *
pop_message (Fixture * f, GstMessageType type)
{
  return pollen_test_pop_message (f->bus, type);
}

static const gchar *
placeholder_text (guint n)
{
  static gchar text[128];

  g_snprintf (text, sizeof (text), "Placeholder transcript, segment %u: "
      "word%u (the emulator has no recognizer).", n, n);
  return text;
}

/* ---- tests ---- */

GST_START_TEST (test_form_and_wav_on_the_wire)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "language-code", "en-US",
      "prompt", "Names: Ada Lovelace.", "temperature", 0.25,
      "carry-context", FALSE, NULL);
  g_autoptr (GBytes) audio = NULL;
  g_autoptr (EmuForm) form = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (GstMessage) result = NULL;
  const GstStructure *s;
  const gint16 *samples;
  GstClockTime chunk_start = 0, chunk_duration = 0;
  /* no pause long enough to cut at: one chunk of exactly 1 s */
  PollenTestPart parts[] = { {600, TRUE}, {100, FALSE}, {300, TRUE} };
  gsize n, size;

  audio = pollen_test_audio_new (RATE, parts, G_N_ELEMENTS (parts));
  pollen_test_push_audio (f.h, audio, RATE, 0);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 1);
  request = pollen_emulator_wait_request (f.emulator, 0, WAIT_MS);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  form = upload_form (f.emulator, 0);
  fail_unless_equals_string (form->file_field, "file");
  fail_unless_equals_string (form->file_type, "audio/wav");
  fail_unless (g_str_has_suffix (form->file_name, ".wav"));
  fail_unless_equals_string (emu_form_get (form, "model"), "whisper-large-v3");
  fail_unless_equals_string (emu_form_get (form, "language"), "en");
  fail_unless_equals_string (emu_form_get (form, "prompt"),
      "Names: Ada Lovelace.");
  fail_unless_equals_string (emu_form_get (form, "temperature"), "0.25");
  fail_unless_equals_string (emu_form_get (form, "response_format"),
      "verbose_json");
  fail_unless (emu_form_get (form, "timestamp_granularities[]") == NULL);

  /* the chunk, sample for sample */
  samples = upload_samples (form, RATE, &n);
  fail_unless_equals_uint64 (n, RATE);
  fail_unless (memcmp (samples, g_bytes_get_data (audio, &size), n * 2) == 0);
  fail_unless_equals_uint64 (size, n * 2);

  /* the raw answer, for applications */
  result = pop_message (&f, GST_MESSAGE_ELEMENT);
  s = gst_message_get_structure (result);
  fail_unless (gst_structure_has_name (s, "pollenstt-result"));
  fail_unless (gst_structure_get_uint64 (s, "chunk-start", &chunk_start));
  fail_unless (gst_structure_get_uint64 (s, "chunk-duration",
          &chunk_duration));
  fail_unless_equals_uint64 (chunk_start, 0);
  fail_unless_equals_uint64 (chunk_duration, GST_SECOND);
  fail_unless_equals_string (gst_structure_get_string (s, "response-format"),
      "verbose_json");
  fail_unless (strstr (gst_structure_get_string (s, "result"),
          "\"segments\"") != NULL);
  fail_unless_equals_string (gst_structure_get_string (s, "text"),
      "Placeholder transcript, segment 1: word1 word2 (the emulator has no "
      "recognizer).");
  fail_unless (*gst_structure_get_string (s, "request-id"));

  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_defaults_on_the_wire)
{
  Fixture f = fixture_new ("chunk-duration", 1000, NULL);
  g_autoptr (EmuForm) form = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) text_caps =
      gst_caps_from_string ("text/x-raw, format=utf8");

  push_tone (f.h, 0, 1000);
  finish (&f);

  form = upload_form (f.emulator, 0);
  /* model sent explicitly; nothing sent that was not set */
  fail_unless_equals_string (emu_form_get (form, "model"), "whisper-large-v3");
  fail_unless_equals_string (emu_form_get (form, "response_format"),
      "verbose_json");
  fail_unless (emu_form_get (form, "language") == NULL);
  fail_unless (emu_form_get (form, "prompt") == NULL);
  fail_unless (emu_form_get (form, "temperature") == NULL);

  caps = gst_pad_get_current_caps (f.h->sinkpad);
  fail_unless (caps != NULL);
  fail_unless (gst_caps_is_equal (caps, text_caps));
  fixture_free (&f);
}

GST_END_TEST;

/* extra-params reach the form and replace the element's own fields. */
GST_START_TEST (test_extra_params_on_the_wire)
{
  g_autoptr (GstStructure) extra =
      gst_structure_from_string ("params, temperature=(double)0.5, "
      "diarize=(boolean)true, model=(string)openai/whisper-large-v3", NULL);
  Fixture f = fixture_new ("chunk-duration", 1000, "temperature", 0.25,
      "extra-params", extra, NULL);
  g_autoptr (EmuForm) form = NULL;

  push_tone (f.h, 0, 1000);
  finish (&f);

  form = upload_form (f.emulator, 0);
  fail_unless_equals_string (emu_form_get (form, "temperature"), "0.5");
  fail_unless_equals_string (emu_form_get (form, "diarize"), "true");
  fail_unless_equals_string (emu_form_get (form, "model"),
      "openai/whisper-large-v3");
  fail_unless_equals_int (gst_harness_buffers_received (f.h), 1);
  fixture_free (&f);
}

GST_END_TEST;

/* Tone bursts of 800 ms with 400 ms pauses, 2 s chunks: every cut falls in
 * the middle of a pause, and each segment's PTS is chunk start + segment
 * start, which is where its burst is. */
GST_START_TEST (test_cuts_at_pauses)
{
  /* one at a time, so that requests come in chunk order */
  Fixture f = fixture_new_recorded ("chunk-duration", 2000, "min-silence",
      300, "max-in-flight", 1, NULL);
  PollenTestPart parts[] = { {800, TRUE}, {400, FALSE}, {800, TRUE}, {400, FALSE},
  {800, TRUE}, {400, FALSE}, {800, TRUE}
  };
  /* cut at 1.0 s, 2.2 s, 3.4 s, then the end at 4.4 s */
  const gsize expected_samples[] = { 16000, 19200, 19200, 16000 };
  const GstClockTime start = 5 * GST_SECOND;
  g_autoptr (GArray) texts = NULL;
  guint i;

  push_parts (f.h, start, parts, G_N_ELEMENTS (parts));
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 4);
  for (i = 0; i < 4; i++) {
    g_autoptr (EmuForm) form = upload_form (f.emulator, i);
    const gint16 *samples;
    gsize n;

    samples = upload_samples (form, RATE, &n);
    fail_unless_equals_uint64 (n, expected_samples[i]);
    /* no word cut in half: chunks end and start in silence */
    if (i < 3)
      fail_unless (is_silent (samples + n - RATE / 100, RATE / 100),
          "chunk %u ends inside a burst", i);
    if (i > 0)
      fail_unless (is_silent (samples, RATE / 100),
          "chunk %u starts inside a burst", i);
  }

  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 4);
  for (i = 0; i < 4; i++) {
    fail_unless_equals_uint64 (TEXT (texts, i)->pts,
        start + i * 1200 * GST_MSECOND);
    fail_unless_equals_uint64 (TEXT (texts, i)->duration, 800 * GST_MSECOND);
    fail_unless_equals_string (TEXT (texts, i)->text,
        placeholder_text (1));
  }
  fixture_free (&f);
}

GST_END_TEST;

/* Live, a chunk goes at the first pause after a second of speech, not when
 * full: a burst of 1.2 s and a pause go out before any more audio comes,
 * cut in the pause, half of min-silence after the burst; a click of
 * 200 ms and a pause do not (they go at EOS, with min-silence of the
 * pause after them). */
GST_START_TEST (test_live_chunk_goes_at_first_pause)
{
  Fixture f = fixture_new ("chunk-duration", 10000, "min-silence", 300,
      "max-in-flight", 1, NULL);
  PollenTestPart sentence[] = { {1200, TRUE}, {1000, FALSE} };
  PollenTestPart click[] = { {200, TRUE}, {1000, FALSE} };
  /* 1200 + 150 ms; then min-silence (trim-silence) + 200 + 300 ms */
  const gsize expected_samples[] = { 21600, 12800 };
  GstClockTime end;
  guint i;

  end = push_parts (f.h, 0, sentence, G_N_ELEMENTS (sentence));
  pollen_emulator_request_unref (pollen_emulator_wait_request (f.emulator, 0,
          WAIT_MS));
  push_parts (f.h, end, click, G_N_ELEMENTS (click));
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 2);
  for (i = 0; i < 2; i++) {
    g_autoptr (EmuForm) form = upload_form (f.emulator, i);
    gsize n;

    upload_samples (form, RATE, &n);
    fail_unless_equals_uint64 (n, expected_samples[i]);
  }
  fixture_free (&f);
}

GST_END_TEST;

/* No pause: the chunk is cut at chunk-duration. */
GST_START_TEST (test_cut_at_chunk_duration_without_pause)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 1, NULL);

  push_tone (f.h, 0, 2500);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 3);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 0, RATE), RATE);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 1, RATE), RATE);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 2, RATE),
      RATE / 2);
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_silent_chunks_make_no_request)
{
  Fixture f = fixture_new ("chunk-duration", 1000, NULL);
  PollenTestPart parts[] = { {3000, FALSE}, {1000, TRUE} };
  g_autoptr (GArray) texts = NULL;
  g_autoptr (GArray) gaps = NULL;
  GstClockTime covered = 0;
  guint i;

  push_parts (f.h, 0, parts, G_N_ELEMENTS (parts));
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 1);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 0, RATE), RATE);
  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 1);
  fail_unless_equals_uint64 (TEXT (texts, 0)->pts, 3 * GST_SECOND);

  /* the silence is not lost silently: GAP events cover it */
  gaps = pull_gaps (&f);
  for (i = 0; i + 1 < gaps->len; i += 2) {
    fail_unless_equals_uint64 (g_array_index (gaps, GstClockTime, i),
        covered);
    covered = g_array_index (gaps, GstClockTime, i + 1);
  }
  fail_unless (covered >= 3 * GST_SECOND);
  fixture_free (&f);
}

GST_END_TEST;

/* A tone at -50 dBFS is silence for the default gate (-40 dB) and speech
 * for silence-threshold=-60. */
GST_START_TEST (test_silence_threshold)
{
  const gdouble thresholds[] = { -40.0, -60.0 };
  const guint expected_requests[] = { 0, 1 };
  guint t;

  for (t = 0; t < G_N_ELEMENTS (thresholds); t++) {
    Fixture f = fixture_new ("chunk-duration", 1000, "silence-threshold",
        thresholds[t], NULL);
    PollenTestPart part = { 1000, TRUE };
    g_autoptr (GBytes) loud = pollen_test_audio_new (RATE, &part, 1);
    gsize i, size;
    const gint16 *samples = g_bytes_get_data (loud, &size);
    gint16 *quiet = g_new (gint16, size / 2);
    g_autoptr (GBytes) audio = NULL;

    /* -12 dBFS down to -50 dBFS */
    for (i = 0; i < size / 2; i++)
      quiet[i] = GINT16_TO_LE ((gint16) (GINT16_FROM_LE (samples[i]) *
              pow (10.0, -38.0 / 20.0)));
    audio = g_bytes_new_take (quiet, size);
    pollen_test_push_audio (f.h, audio, RATE, 0);
    finish (&f);
    fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator),
        expected_requests[t]);
    fixture_free (&f);
  }
}

GST_END_TEST;

/* Transcription is billed per second uploaded: a 6 s pause inside a chunk
 * goes up as min-silence on each side, and the texts stay at the bursts. */
GST_START_TEST (test_trims_long_pauses)
{
  Fixture f = fixture_new_recorded ("chunk-duration", 10000, "min-silence",
      300, NULL);
  PollenTestPart parts[] = { {1000, TRUE}, {6000, FALSE}, {1000, TRUE} };
  const GstClockTime start = 3 * GST_SECOND;
  const GstClockTime burst_ms[] = { 0, 7000 };
  g_autoptr (GArray) texts = NULL;
  gsize uploaded;
  guint i;

  push_parts (f.h, start, parts, G_N_ELEMENTS (parts));
  finish (&f);

  /* burst + pad + pad + burst, give or take a 10 ms frame at each cut */
  uploaded = upload_sample_count (f.emulator, 0, RATE);
  fail_unless (uploaded >= RATE * 2.6 - RATE / 25 &&
      uploaded <= RATE * 2.6 + RATE / 25, "uploaded %" G_GSIZE_FORMAT
      " samples", uploaded);
  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 2);
  for (i = 0; i < 2; i++) {
    GstClockTime want = start + burst_ms[i] * GST_MSECOND;
    GstClockTime got = TEXT (texts, i)->pts;

    fail_unless (got + 20 * GST_MSECOND >= want &&
        got <= want + 20 * GST_MSECOND, "text %u at %" GST_TIME_FORMAT, i,
        GST_TIME_ARGS (got));
  }
  fixture_free (&f);
}

GST_END_TEST;

/* Three 300 ms bursts 100 ms apart make one segment of three words. */
GST_START_TEST (test_word_granularity)
{
  Fixture f = fixture_new ("chunk-duration", 2000, "granularity", 1, NULL);
  PollenTestPart parts[] = { {200, FALSE}, {300, TRUE}, {100, FALSE}, {300, TRUE},
  {100, FALSE}, {300, TRUE}, {700, FALSE}
  };
  const GstClockTime start = 10 * GST_SECOND;
  const guint word_starts_ms[] = { 200, 600, 1000 };
  g_autoptr (GArray) texts = NULL;
  g_autoptr (EmuForm) form = NULL;
  guint i;

  push_parts (f.h, start, parts, G_N_ELEMENTS (parts));
  finish (&f);

  form = upload_form (f.emulator, 0);
  fail_unless_equals_string (emu_form_get (form, "timestamp_granularities[]"),
      "word,segment");
  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 3);
  for (i = 0; i < 3; i++) {
    g_autofree gchar *word = g_strdup_printf ("word%u", i + 1);

    fail_unless_equals_uint64 (TEXT (texts, i)->pts,
        start + word_starts_ms[i] * GST_MSECOND);
    fail_unless_equals_uint64 (TEXT (texts, i)->duration, 300 * GST_MSECOND);
    fail_unless_equals_string (TEXT (texts, i)->text, word);
  }
  fixture_free (&f);
}

GST_END_TEST;

static PollenEmulatorResponse *
verbose_answer (const gchar * text, gdouble start, gdouble end, guint delay)
{
  g_autofree gchar *json = g_strdup_printf ("{\"text\":\"%s\",\"task\":"
      "\"transcribe\",\"duration\":1.0,\"segments\":[{\"id\":0,\"start\":%g,"
      "\"end\":%g,\"text\":\" %s\"}]}", text, start, end, text);
  PollenEmulatorResponse *response =
      pollen_emulator_response_new_json (200, json);

  response->delay_ms = delay;
  return response;
}

/* A text over a trimmed pause: its start and end are mapped back each on
 * its own side, so it spans the pause as said. */
GST_START_TEST (test_text_over_a_trimmed_pause)
{
  Fixture f = fixture_new_recorded ("chunk-duration", 10000, "min-silence",
      300, NULL);
  PollenTestPart parts[] = { {1000, TRUE}, {6000, FALSE}, {1000, TRUE} };
  g_autoptr (GArray) texts = NULL;

  /* the upload is 1 s + 0.3 s + 0.3 s + 1 s */
  pollen_emulator_push (f.emulator, PATH, verbose_answer ("both", 0.5, 2.1,
          0));
  push_parts (f.h, 0, parts, G_N_ELEMENTS (parts));
  finish (&f);

  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 1);
  fail_unless_equals_uint64 (TEXT (texts, 0)->pts, 500 * GST_MSECOND);
  fail_unless_equals_uint64 (TEXT (texts, 0)->duration, 7000 * GST_MSECOND);
  fixture_free (&f);
}

GST_END_TEST;

/* The first chunk's answer comes 800 ms after the second's: the texts still
 * go out in time order. */
GST_START_TEST (test_later_chunk_finishing_first)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 3,
      "carry-context", FALSE, NULL);
  g_autoptr (PollenEmulatorRequest) request0 = NULL;
  g_autoptr (PollenEmulatorRequest) request1 = NULL;
  g_autoptr (GArray) texts = NULL;
  g_autoptr (GstMessage) m1 = NULL;
  g_autoptr (GstMessage) m2 = NULL;
  GstClockTime ts;

  pollen_emulator_push (f.emulator, PATH, verbose_answer ("first", 0.1, 0.6,
          800));
  pollen_emulator_push (f.emulator, PATH, verbose_answer ("second", 0.2, 0.7,
          0));
  ts = push_tone (f.h, 0, 1000);
  request0 = pollen_emulator_wait_request (f.emulator, 0, WAIT_MS);
  fail_unless (request0 != NULL);
  push_tone (f.h, ts, 1000);
  request1 = pollen_emulator_wait_request (f.emulator, 1, WAIT_MS);
  fail_unless (request1 != NULL);
  finish (&f);

  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 2);
  fail_unless_equals_string (TEXT (texts, 0)->text, "first");
  fail_unless_equals_uint64 (TEXT (texts, 0)->pts, 100 * GST_MSECOND);
  fail_unless_equals_uint64 (TEXT (texts, 0)->duration, 500 * GST_MSECOND);
  fail_unless_equals_string (TEXT (texts, 1)->text, "second");
  fail_unless_equals_uint64 (TEXT (texts, 1)->pts, 1200 * GST_MSECOND);

  /* the results are posted in time order too */
  m1 = pop_message (&f, GST_MESSAGE_ELEMENT);
  m2 = pop_message (&f, GST_MESSAGE_ELEMENT);
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (m1), "text"), "first");
  fail_unless_equals_string (gst_structure_get_string
      (gst_message_get_structure (m2), "text"), "second");
  fixture_free (&f);
}

GST_END_TEST;

/* A chunk of silence sends no request and takes no max-in-flight slot:
 * with two allowed, the speech after it goes out while the first answer
 * is still awaited (it waited for that answer when the silence held the
 * second slot). */
GST_START_TEST (test_silent_chunk_takes_no_slot)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 2,
      "carry-context", FALSE, NULL);
  const PollenTestPart parts[] = { {1000, FALSE}, {1000, TRUE}, {200, FALSE} };
  g_autoptr (PollenEmulatorRequest) request0 = NULL;
  g_autoptr (PollenEmulatorRequest) request1 = NULL;
  g_autoptr (GArray) texts = NULL;
  gint64 started = g_get_monotonic_time ();
  GstClockTime ts;

  pollen_emulator_push (f.emulator, PATH, verbose_answer ("first", 0.1, 0.6,
          12000));
  pollen_emulator_push (f.emulator, PATH, verbose_answer ("second", 0.2, 0.7,
          0));
  /* the first answer's request is in before the second is made */
  ts = push_tone (f.h, 0, 1000);
  request0 = pollen_emulator_wait_request (f.emulator, 0, WAIT_MS);
  fail_unless (request0 != NULL);
  push_parts (f.h, ts, parts, G_N_ELEMENTS (parts));
  request1 = pollen_emulator_wait_request (f.emulator, 1, WAIT_MS);
  fail_unless (request1 != NULL);
  fail_unless (g_get_monotonic_time () - started < 10 * G_USEC_PER_SEC,
      "the second request waited for the first answer");
  finish (&f);
  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 2);
  fail_unless_equals_string (TEXT (texts, 1)->text, "second");
  fail_unless_equals_uint64 (TEXT (texts, 1)->pts, 2200 * GST_MSECOND);
  fixture_free (&f);
}

GST_END_TEST;

/* EOS sends the last partial chunk and goes out only after every slow
 * result. */
GST_START_TEST (test_eos_drains_every_result)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 4,
      "carry-context", FALSE, NULL);
  g_autoptr (GArray) texts = NULL;
  gint64 started;
  guint i;

  for (i = 0; i < 3; i++)
    pollen_emulator_push (f.emulator, PATH, verbose_answer ("slow", 0.0, 0.5,
            400));
  push_tone (f.h, 0, 2500);
  started = g_get_monotonic_time ();
  finish (&f);

  /* EOS waited for the answers */
  fail_unless (g_get_monotonic_time () - started >= 350 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_int (gst_harness_buffers_received (f.h), 3);
  /* the last partial chunk went too (requests ran at once, in any order) */
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 0, RATE) +
      upload_sample_count (f.emulator, 1, RATE) +
      upload_sample_count (f.emulator, 2, RATE), RATE * 5 / 2);
  texts = pull_texts (&f);
  fail_unless_equals_uint64 (TEXT (texts, 2)->pts, 2 * GST_SECOND);
  fixture_free (&f);
}

GST_END_TEST;

/* Pushes one 1 s chunk whose request the emulator never answers, and waits
 * until that request is in. */
static void
start_hung_request (Fixture * f)
{
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (PollenEmulatorRequest) request = NULL;

  hang->hang = TRUE;
  pollen_emulator_push (f->emulator, PATH, hang);
  push_tone (f->h, 0, 1000);
  request = pollen_emulator_wait_request (f->emulator, 0, WAIT_MS);
  fail_unless (request != NULL);
}

/* FLUSH_START cancels a hung request at once; its text never comes out and
 * the element works again after FLUSH_STOP. */
GST_START_TEST (test_flush_cancels_in_flight_requests)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "timeout", 30, NULL);
  g_autoptr (GArray) texts = NULL;
  GstSegment segment;
  gint64 started;

  start_hung_request (&f);
  started = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (f.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (f.h, gst_event_new_flush_stop (TRUE)));
  fail_unless (g_get_monotonic_time () - started < G_TIME_SPAN_SECOND);

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (f.h, gst_event_new_segment (&segment)));
  push_tone (f.h, 0, 1000);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 2);
  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 1);
  fail_unless_equals_string (TEXT (texts, 0)->text, placeholder_text (1));
  fixture_free (&f);
}

GST_END_TEST;

/* Going to NULL while a request hangs returns at once. */
GST_START_TEST (test_stop_during_hung_request)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "timeout", 30, NULL);
  gint64 started;

  start_hung_request (&f);
  started = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (f.h->element,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - started < G_TIME_SPAN_SECOND);
  fixture_free (&f);
}

GST_END_TEST;

/* A DISCONT buffer or a new rate ends the chunk being filled. */
GST_START_TEST (test_discont_and_caps_change_end_the_chunk)
{
  Fixture f = fixture_new ("chunk-duration", 10000, "max-in-flight", 1,
      NULL);
  g_autoptr (GBytes) tone8k = NULL;
  PollenTestPart part = { 300, TRUE };
  GstClockTime ts;
  GstBuffer *buffer;

  ts = push_tone (f.h, 0, 500);
  /* a discontinuity at the very next timestamp */
  buffer = gst_buffer_new_allocate (NULL, RATE / 10 * 2, NULL);
  gst_buffer_memset (buffer, 0, 0x11, RATE / 10 * 2);
  GST_BUFFER_PTS (buffer) = ts;
  GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  fail_unless_equals_int (gst_harness_push (f.h, buffer), GST_FLOW_OK);
  ts = push_tone (f.h, ts + 100 * GST_MSECOND, 200);
  /* a jump in timestamps */
  ts = push_tone (f.h, ts + 2 * GST_SECOND, 400);
  /* and 8 kHz from now on */
  gst_harness_set_src_caps_str (f.h, "audio/x-raw, format=S16LE, "
      "layout=interleaved, channels=1, rate=8000");
  tone8k = pollen_test_audio_new (8000, &part, 1);
  pollen_test_push_audio (f.h, tone8k, 8000, ts);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 4);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 0, RATE),
      RATE / 2);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 1, RATE),
      RATE * 3 / 10);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 2, RATE),
      RATE * 4 / 10);
  fail_unless_equals_uint64 (upload_sample_count (f.emulator, 3, 8000),
      8000 * 3 / 10);
  fixture_free (&f);
}

GST_END_TEST;

/* In PAUSED, before any data: upstream min + chunk-duration + latency. */
GST_START_TEST (test_latency_query_in_paused)
{
  Fixture f = fixture_new ("chunk-duration", 2000, "latency", 1500, NULL);
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min, max;
  gboolean live;

  gst_harness_set_upstream_latency (f.h, 30 * GST_MSECOND);
  fail_unless_equals_int (gst_element_set_state (f.h->element,
          GST_STATE_PAUSED), GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_pad_peer_query (f.h->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, 3530 * GST_MSECOND);
  fail_unless_equals_uint64 (pollen_emulator_get_request_count (f.emulator),
      0);
  gst_query_unref (query);
  fixture_free (&f);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GstClockTime worst;           /* arrival running time - PTS */
  guint texts;
  guint gaps;
  GstClockTime first_text_pts;
  GstClockTime gap_end_before_text;     /* how far GAPs went before it */
} Arrivals;

static GstPadProbeReturn
note_arrival (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Arrivals *arrivals = user_data;
  GstElement *element = GST_ELEMENT (gst_pad_get_parent (pad));

  g_mutex_lock (&arrivals->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClock *clock = gst_element_get_clock (element);
    GstClockTime now = gst_clock_get_time (clock) -
        gst_element_get_base_time (element);

    /* the segment starts at 0, so PTS is running time */
    if (now > GST_BUFFER_PTS (buffer))
      arrivals->worst = MAX (arrivals->worst, now - GST_BUFFER_PTS (buffer));
    if (arrivals->texts++ == 0)
      arrivals->first_text_pts = GST_BUFFER_PTS (buffer);
    gst_object_unref (clock);
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_GAP) {
    GstClockTime ts, duration;

    gst_event_parse_gap (GST_PAD_PROBE_INFO_EVENT (info), &ts, &duration);
    if (arrivals->texts == 0)
      arrivals->gap_end_before_text = ts + duration;
    arrivals->gaps++;
  }
  g_mutex_unlock (&arrivals->lock);
  gst_object_unref (element);
  return GST_PAD_PROBE_OK;
}

static GstClockTime
upstream_latency (GstElement * pipeline)
{
  GstElement *audiosrc = gst_bin_get_by_name (GST_BIN (pipeline),
      "audiotestsrc0");
  GstPad *pad = gst_element_get_static_pad (audiosrc, "src");
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min = 0;

  fail_unless (gst_pad_query (pad, query));
  gst_query_parse_latency (query, NULL, &min, NULL);
  gst_query_unref (query);
  gst_object_unref (pad);
  gst_object_unref (audiosrc);
  return min;
}

/* audiotestsrc is-live=true ! pollenstt ! fakesink. The sink does not sync:
 * what is measured is when pollenstt lets a text out, not how long a
 * syncing sink holds the one before it. */
static GstElement *
live_pipeline_new (PollenEmulator * emulator, guint chunk_ms, guint latency_ms,
    GstElement ** stt)
{
  g_autofree gchar *description = g_strdup_printf ("audiotestsrc is-live=true "
      "samplesperbuffer=1600 ! " CAPS_16K " ! pollenstt name=stt "
      "chunk-duration=%u latency=%u retries=0 api-key=" POLLEN_TEST_KEY
      " base-url=%s ! fakesink sync=false", chunk_ms, latency_ms,
      pollen_emulator_get_url (emulator));
  GstElement *pipeline = gst_parse_launch (description, NULL);

  fail_unless (pipeline != NULL);
  *stt = gst_bin_get_by_name (GST_BIN (pipeline), "stt");
  return pipeline;
}

/* A live pipeline reports what the properties say, and every text arrives
 * within that latency of its PTS, with GAP events in between. */
GST_START_TEST (test_live_latency_is_kept)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *stt = NULL;
  GstElement *pipeline = live_pipeline_new (emulator, 1000, 1000, &stt);
  GstPad *src = gst_element_get_static_pad (stt, "src");
  GstQuery *query = gst_query_new_latency ();
  GstBus *bus = gst_element_get_bus (pipeline);
  Arrivals arrivals = { 0, };
  GstClockTime min, max, upstream_min;
  gboolean live;
  GstMessage *message;
  guint i;

  /* texts over the first half of each chunk: GAPs fill the rest */
  for (i = 0; i < 3; i++)
    pollen_emulator_push (emulator, PATH, verbose_answer ("hello", 0.0, 0.5,
            300));
  g_mutex_init (&arrivals.lock);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, note_arrival, &arrivals, NULL);

  /* PAUSED, no data yet: pollenstt answers with what it adds, plus
   * audiotestsrc's 64 ms if that has already negotiated (its task may do so
   * in PAUSED, racing this query) */
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  fail_unless (gst_pad_query (src, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless (min == 2 * GST_SECOND || min == 2064 * GST_MSECOND,
      "latency in PAUSED: %" GST_TIME_FORMAT, GST_TIME_ARGS (min));

  /* PLAYING: upstream's latency + chunk-duration + latency */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          GST_CLOCK_TIME_NONE), GST_STATE_CHANGE_SUCCESS);
  upstream_min = upstream_latency (pipeline);
  fail_unless (upstream_min > 0);
  fail_unless (gst_pad_query (src, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, upstream_min + 2 * GST_SECOND);
  gst_query_unref (query);

  message = gst_bus_timed_pop_filtered (bus, 3500 * GST_MSECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_if (message != NULL, "unexpected %" GST_PTR_FORMAT, message);
  gst_element_set_state (pipeline, GST_STATE_NULL);


  g_mutex_lock (&arrivals.lock);
  GST_INFO ("reported latency %" GST_TIME_FORMAT ", %u texts, the latest "
      "%" GST_TIME_FORMAT " after its PTS, %u GAPs", GST_TIME_ARGS (min),
      arrivals.texts, GST_TIME_ARGS (arrivals.worst), arrivals.gaps);
  fail_unless (arrivals.texts >= 2, "only %u texts", arrivals.texts);
  fail_unless (arrivals.worst <= min, "a text came %" GST_TIME_FORMAT
      " after its PTS, more than the %" GST_TIME_FORMAT " reported",
      GST_TIME_ARGS (arrivals.worst), GST_TIME_ARGS (min));
  fail_unless (arrivals.gaps > 0);
  g_mutex_unlock (&arrivals.lock);
  g_mutex_clear (&arrivals.lock);

  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (stt);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
wait_for_texts (Arrivals * arrivals, guint texts)
{
  gint64 end = g_get_monotonic_time () + POLLEN_TEST_MS (2000) * 1000;
  guint seen = 0;

  while (seen < texts && g_get_monotonic_time () < end) {
    g_mutex_lock (&arrivals->lock);
    seen = arrivals->texts;
    g_mutex_unlock (&arrivals->lock);
    g_usleep (10 * G_TIME_SPAN_MILLISECOND);
  }
}

/* The server answers at once, but downstream holds every text for 2.5 s:
 * the warning blames downstream and does not say to raise latency (it
 * used to: "came 41590 ms too late … raise the latency property"), and
 * nothing is shifted. */
GST_START_TEST (test_live_downstream_held_back)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *description = g_strdup_printf ("audiotestsrc "
      "is-live=true samplesperbuffer=1600 ! " CAPS_16K " ! pollenstt "
      "chunk-duration=1000 latency=1000 retries=0 api-key=" POLLEN_TEST_KEY
      " base-url=%s ! identity sleep-time=2500000 ! fakesink sync=false",
      pollen_emulator_get_url (emulator));
  GstElement *pipeline = gst_parse_launch (description, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  g_autoptr (GError) error = NULL;
  GstMessage *message;
  guint i;

  for (i = 0; i < 6; i++)
    pollen_emulator_push (emulator, PATH, verbose_answer ("held", 0.0, 0.5,
            0));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, POLLEN_TEST_MS (8000) *
      GST_MSECOND, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (message != NULL, "no warning");
  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_WARNING);
  gst_message_parse_warning (message, &error, NULL);
  fail_unless (strstr (error->message, "the server answered within "
          "latency") &&
      strstr (error->message, "Raising latency does not help"), "%s",
      error->message);
  fail_if (strstr (error->message, "Raise the latency"), "%s",
      error->message);
  gst_message_unref (message);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* While a slow request runs, GAP events go out up to what is past the
 * deadline; the answer, later than the latency allows, is shifted behind
 * them, with a warning that says to raise latency. */
GST_START_TEST (test_live_late_result_is_shifted_with_warning)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *stt = NULL;
  GstElement *pipeline = live_pipeline_new (emulator, 1000, 100, &stt);
  GstPad *src = gst_element_get_static_pad (stt, "src");
  GstBus *bus = gst_element_get_bus (pipeline);
  Arrivals arrivals = { 0, };
  g_autoptr (GError) error = NULL;
  GstMessage *message;

  pollen_emulator_push (emulator, PATH, verbose_answer ("late", 0.0, 0.5,
          1500));
  g_mutex_init (&arrivals.lock);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, note_arrival, &arrivals, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (message != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_WARNING);
  gst_message_parse_warning (message, &error, NULL);
  fail_unless (strstr (error->message, "Raise the latency property") != NULL,
      "%s", error->message);
  gst_message_unref (message);
  /* the warning goes out as the text is shifted, just before it is pushed */
  wait_for_texts (&arrivals, 1);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_mutex_lock (&arrivals.lock);
  fail_unless (arrivals.gap_end_before_text > 0,
      "no GAP went out while the request ran");
  fail_unless (arrivals.texts > 0);
  /* said at 0, shifted behind the GAPs */
  fail_unless (arrivals.first_text_pts >= arrivals.gap_end_before_text);
  g_mutex_unlock (&arrivals.lock);
  g_mutex_clear (&arrivals.lock);

  gst_object_unref (src);
  gst_object_unref (bus);
  gst_object_unref (stt);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A model without verbose_json: the real 400, then json, one text per
 * chunk spanning it, and a warning saying so. */
/* ---- tags ---- */

/* What an audio decoder upstream says about its stream: the encoding,
 * which the text is not, and the content, which it is. */
static void
push_audio_tags (Fixture * f, const gchar * language)
{
  GstTagList *tags = gst_tag_list_new (GST_TAG_AUDIO_CODEC,
      "MPEG-1 Layer 3 (MP3)", GST_TAG_BITRATE, 128000, GST_TAG_ENCODER,
      "LAME", GST_TAG_TRACK_GAIN, -6.5, GST_TAG_TITLE, "Interview", NULL);

  if (language)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_LANGUAGE_CODE,
        language, NULL);
  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_STREAM);
  fail_unless (gst_harness_push_event (f->h, gst_event_new_tag (tags)));
}

/* The stream tags in force when the first text came out: the latest
 * stream-scope TAG event before it. */
static GstTagList *
stream_tags_at_first_text (Fixture * f)
{
  PollenTestRecorder *rec = f->t.rec;
  GstTagList *found = NULL;
  guint i;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len && !GST_IS_BUFFER (rec->items->pdata[i]);
      i++) {
    GstMiniObject *obj = rec->items->pdata[i];
    GstTagList *tags;

    if (GST_EVENT_TYPE (obj) != GST_EVENT_TAG)
      continue;
    gst_event_parse_tag (GST_EVENT (obj), &tags);
    if (gst_tag_list_get_scope (tags) == GST_TAG_SCOPE_STREAM)
      found = tags;
  }
  fail_unless (i < rec->items->len, "no text came out");
  fail_unless (found != NULL, "no stream tags before the first text");
  found = gst_tag_list_ref (found);
  g_mutex_unlock (&rec->lock);
  return found;
}

static void
assert_no_audio_tags (const GstTagList * tags)
{
  const gchar *audio[] = { GST_TAG_AUDIO_CODEC, GST_TAG_BITRATE,
    GST_TAG_ENCODER, GST_TAG_TRACK_GAIN
  };
  g_autofree gchar *text = gst_tag_list_to_string (tags);
  gchar *title = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (audio); i++)
    fail_unless (gst_tag_list_get_tag_size (tags, audio[i]) == 0,
        "the text is tagged %s: %s", audio[i], text);
  fail_unless (gst_tag_list_get_string (tags, GST_TAG_TITLE, &title));
  fail_unless_equals_string (title, "Interview");
  g_free (title);
}

static void
assert_language (const GstTagList * tags, const gchar * expected)
{
  g_autofree gchar *text = gst_tag_list_to_string (tags);
  gchar *language = NULL;

  if (!expected) {
    fail_if (gst_tag_list_get_string (tags, GST_TAG_LANGUAGE_CODE,
            &language), "the text is tagged language '%s'", language);
    return;
  }
  fail_unless (gst_tag_list_get_string (tags, GST_TAG_LANGUAGE_CODE,
          &language), "no language: %s", text);
  fail_unless_equals_string (language, expected);
  g_free (language);
}

#define FRENCH_ANSWER "{\"text\":\"Bonjour.\",\"task\":\"transcribe\"," \
  "\"language\":\"%s\",\"duration\":0.6,\"segments\":[{\"id\":0," \
  "\"start\":0.0,\"end\":0.6,\"text\":\" Bonjour.\"}]}"

static void
push_answer_in (PollenEmulator * emulator, const gchar * language)
{
  g_autofree gchar *json = g_strdup_printf (FRENCH_ANSWER, language);

  pollen_emulator_push (emulator, PATH,
      pollen_emulator_response_new_json (200, json));
}

/* The language the server detected tags the text, from its first text on;
 * what upstream said about the audio's encoding does not. */
GST_START_TEST (test_text_tagged_with_detected_language)
{
  const gchar *said[] = { "fr", "FR-fr", "fra" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (said); i++) {
    Fixture f = fixture_new ("chunk-duration", 1000, NULL);
    g_autoptr (GstTagList) tags = NULL;

    push_answer_in (f.emulator, said[i]);
    push_audio_tags (&f, NULL);
    push_tone (f.h, 0, 600);
    finish (&f);

    tags = stream_tags_at_first_text (&f);
    assert_language (tags, "fr");
    assert_no_audio_tags (tags);
    fixture_free (&f);
  }
}

GST_END_TEST;

/* language-code tags the text before anything comes out, and the server's
 * guess does not override what the user said. */
GST_START_TEST (test_text_tagged_with_language_code)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "language-code", "en-US",
      NULL);
  g_autoptr (GstTagList) tags = NULL;
  g_autoptr (GstTagList) sticky = NULL;
  g_autoptr (GstEvent) event = NULL;

  push_answer_in (f.emulator, "fr");
  push_tone (f.h, 0, 600);
  finish (&f);

  tags = stream_tags_at_first_text (&f);
  assert_language (tags, "en");
  event = gst_pad_get_sticky_event (f.h->sinkpad, GST_EVENT_TAG, 0);
  fail_unless (event != NULL);
  gst_event_parse_tag (event, &sticky);
  gst_tag_list_ref (sticky);
  assert_language (sticky, "en");
  fixture_free (&f);
}

GST_END_TEST;

/* "unknown" is what the server says when it detected nothing: no language
 * tag of ours, and upstream's (the speech's) stays. */
GST_START_TEST (test_unknown_language_not_tagged)
{
  Fixture f = fixture_new ("chunk-duration", 1000, NULL);
  Fixture g = fixture_new ("chunk-duration", 1000, NULL);
  g_autoptr (GstTagList) tags = NULL;
  g_autoptr (GstTagList) upstream = NULL;

  push_answer_in (f.emulator, "unknown");
  push_audio_tags (&f, NULL);
  push_tone (f.h, 0, 600);
  finish (&f);
  tags = stream_tags_at_first_text (&f);
  assert_language (tags, NULL);
  assert_no_audio_tags (tags);

  push_answer_in (g.emulator, "unknown");
  push_audio_tags (&g, "de");
  push_tone (g.h, 0, 600);
  finish (&g);
  upstream = stream_tags_at_first_text (&g);
  assert_language (upstream, "de");
  fixture_free (&f);
  fixture_free (&g);
}

GST_END_TEST;

GST_START_TEST (test_fallback_to_json)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 1,
      "model", "gpt-4o-mini-transcribe", NULL);
  g_autoptr (GArray) texts = NULL;
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *formats[] = { "verbose_json", "json", "json" };
  guint i;

  push_tone (f.h, 0, 2000);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 3);
  for (i = 0; i < 3; i++) {
    g_autoptr (EmuForm) form = upload_form (f.emulator, i);

    fail_unless_equals_string (emu_form_get (form, "response_format"),
        formats[i]);
  }
  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 2);
  for (i = 0; i < 2; i++) {
    fail_unless_equals_uint64 (TEXT (texts, i)->pts, i * GST_SECOND);
    fail_unless_equals_uint64 (TEXT (texts, i)->duration, GST_SECOND);
    fail_unless_equals_string (TEXT (texts, i)->text, placeholder_text (1));
  }
  warning = pop_message (&f, GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "Unsupported response_format for "
          "gpt-4o-mini-transcribe: verbose_json. Supported: json, text"),
      "%s", error->message);
  fail_unless (strstr (error->message, "falling back to json") != NULL);
  fixture_free (&f);
}

GST_END_TEST;

/* gpt-transcribe takes one request a minute at its provider: chosen with
 * more than one in flight, it is a warning that says so; with one, none. */
GST_START_TEST (test_one_a_minute_model_warns_of_parallel_requests)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 2,
      "model", "gpt-transcribe", NULL);
  Fixture g = fixture_new ("chunk-duration", 1000, "max-in-flight", 1,
      "model", "gpt-transcribe", NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  GstMessage *message;

  push_tone (f.h, 0, 1000);
  finish (&f);
  warning = pop_message (&f, GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "Model 'gpt-transcribe' takes one "
          "request a minute at its provider, and max-in-flight is 2"), "%s",
      error->message);

  push_tone (g.h, 0, 1000);
  finish (&g);
  while ((message = gst_bus_pop_filtered (g.bus, GST_MESSAGE_WARNING))) {
    g_autoptr (GError) other = NULL;

    gst_message_parse_warning (message, &other, NULL);
    fail_if (strstr (other->message, "one request a minute"), "%s",
        other->message);
    gst_message_unref (message);
  }
  fixture_free (&f);
  fixture_free (&g);
}

GST_END_TEST;

/* A server that answers plain json to a verbose_json request. */
GST_START_TEST (test_plain_json_answer_spans_the_chunk)
{
  Fixture f = fixture_new ("chunk-duration", 1000, NULL);
  g_autoptr (GArray) texts = NULL;

  pollen_emulator_push (f.emulator, PATH,
      pollen_emulator_response_new_json (200, "{\"text\":\" Hello world. \"}"));
  push_tone (f.h, 3 * GST_SECOND, 800);
  finish (&f);

  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 1);
  fail_unless_equals_uint64 (TEXT (texts, 0)->pts, 3 * GST_SECOND);
  fail_unless_equals_uint64 (TEXT (texts, 0)->duration, 800 * GST_MSECOND);
  fail_unless_equals_string (TEXT (texts, 0)->text, "Hello world.");
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_prompt_carries_previous_text)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 1,
      "prompt", "Names: Ada.", NULL);
  g_autoptr (EmuForm) form0 = NULL;
  g_autoptr (EmuForm) form1 = NULL;
  g_autoptr (EmuForm) form2 = NULL;
  g_autofree gchar *expected = NULL;
  GString *long_text = g_string_new (NULL);
  g_autofree gchar *json = NULL;
  const gchar *prompt;
  guint i;

  /* the first answer is long: only its end is carried */
  for (i = 0; i < 40; i++)
    g_string_append_printf (long_text, "sentence%02u. ", i);
  json = g_strdup_printf ("{\"text\":\"%s\",\"segments\":[{\"start\":0,"
      "\"end\":1,\"text\":\"%s\"}]}", long_text->str, long_text->str);
  pollen_emulator_push (f.emulator, PATH,
      pollen_emulator_response_new_json (200, json));
  push_tone (f.h, 0, 3000);
  finish (&f);

  form0 = upload_form (f.emulator, 0);
  fail_unless_equals_string (emu_form_get (form0, "prompt"), "Names: Ada.");

  form1 = upload_form (f.emulator, 1);
  prompt = emu_form_get (form1, "prompt");
  fail_unless (g_str_has_prefix (prompt, "Names: Ada. sentence"), "%s",
      prompt);
  fail_unless (g_str_has_suffix (prompt, "sentence39."), "%s", prompt);
  fail_unless (g_utf8_strlen (prompt, -1) <= 12 + 200, "%s", prompt);

  form2 = upload_form (f.emulator, 2);
  expected = g_strdup_printf ("Names: Ada. %s", placeholder_text (1));
  fail_unless_equals_string (emu_form_get (form2, "prompt"), expected);
  g_string_free (long_text, TRUE);
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_no_context_when_disabled)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "max-in-flight", 1,
      "carry-context", FALSE, NULL);
  g_autoptr (EmuForm) form1 = NULL;

  push_tone (f.h, 0, 2000);
  finish (&f);
  form1 = upload_form (f.emulator, 1);
  fail_unless (emu_form_get (form1, "prompt") == NULL);
  fixture_free (&f);
}

GST_END_TEST;

static void
assert_error_for (PollenEmulatorResponse * response, gboolean skip_failed,
    GstResourceError code, guint status, const gchar * api_code,
    const gchar * text_part)
{
  /* without a response: no key at all */
  Fixture f = response ? fixture_new ("chunk-duration", 1000, "skip-failed",
      skip_failed, NULL) : fixture_new ("chunk-duration", 1000, "api-key", "",
      NULL);
  g_autoptr (GstMessage) error = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  if (response)
    pollen_emulator_push (f.emulator, PATH, response);
  push_tone (f.h, 0, 1000);
  error = pop_message (&f, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, code, status, api_code, text_part);
  /* upstream learns of it too */
  while (ret == GST_FLOW_OK && g_get_monotonic_time () < deadline) {
    ret = gst_harness_push (f.h, gst_buffer_new_allocate (NULL, 320, NULL));
    g_usleep (1000);
  }
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  fixture_free (&f);
}

GST_START_TEST (test_errors)
{
  assert_error_for (NULL, FALSE, GST_RESOURCE_ERROR_NOT_AUTHORIZED, 401,
      "UNAUTHORIZED", "401 Unauthorized: Authentication required");
  assert_error_for (pollen_emulator_response_new_error (503,
          "SERVICE_UNAVAILABLE", "Whisper is overloaded"), FALSE,
      GST_RESOURCE_ERROR_READ, 503, "SERVICE_UNAVAILABLE",
      "503 Service Unavailable: Whisper is overloaded");
  /* 4xx are errors even with skip-failed */
  assert_error_for (pollen_emulator_response_new_error (400, "BAD_REQUEST",
          "file: could not decode the audio"), TRUE,
      GST_RESOURCE_ERROR_SETTINGS, 400, "BAD_REQUEST",
      "file: could not decode the audio");
}

GST_END_TEST;

/* skip-failed: a chunk that fails with 503 becomes a warning and a GAP, the
 * next chunk is transcribed. */
GST_START_TEST (test_skip_failed)
{
  Fixture f = fixture_new ("chunk-duration", 1000, "skip-failed", TRUE,
      "max-in-flight", 1, NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  const GstStructure *details = NULL;
  g_autoptr (GArray) texts = NULL;
  g_autoptr (GArray) gaps = NULL;
  guint status = 0;

  pollen_emulator_push (f.emulator, PATH,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "Whisper is overloaded"));
  push_tone (f.h, 0, 2000);
  finish (&f);

  warning = pop_message (&f, GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  gst_message_parse_warning_details (warning, &details);
  fail_unless (strstr (error->message, "503 Service Unavailable: Whisper is "
          "overloaded") != NULL, "%s", error->message);
  fail_unless (strstr (error->message, "skipped") != NULL);
  fail_unless (gst_structure_get_uint (details, "http-status-code", &status));
  fail_unless_equals_int (status, 503);

  gaps = pull_gaps (&f);
  fail_unless (gaps->len >= 2);
  fail_unless_equals_uint64 (g_array_index (gaps, GstClockTime, 0), 0);
  fail_unless_equals_uint64 (g_array_index (gaps, GstClockTime, 1),
      GST_SECOND);
  texts = pull_texts (&f);
  fail_unless_equals_int (texts->len, 1);
  fail_unless_equals_uint64 (TEXT (texts, 0)->pts, GST_SECOND);
  fixture_free (&f);
}

GST_END_TEST;

/* 200 with nothing in it: an error that says so (BAD_RESPONSE), not a
 * crash and not silence. */
GST_START_TEST (test_empty_answer_is_an_error)
{
  Fixture f = fixture_new ("chunk-duration", 1000, NULL);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (f.emulator, PATH,
      pollen_emulator_response_new (200, "application/json", NULL, 0));
  push_tone (f.h, 0, 1000);
  message = pop_message (&f, GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (strstr (error->message, "200 OK with an empty body") != NULL,
      "%s", error->message);
  fixture_free (&f);
}

GST_END_TEST;

/* json-glib recurses once per level: 100 KB of '[' once crashed the
 * process. Now it is a clear error that quotes the start of the answer. */
GST_START_TEST (test_deeply_nested_answer_is_an_error)
{
  Fixture f = fixture_new ("chunk-duration", 1000, NULL);
  g_autofree gchar *nested = g_strnfill (100 * 1024, '[');
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (f.emulator, PATH,
      pollen_emulator_response_new (200, "application/json", nested, -1));
  push_tone (f.h, 0, 1000);
  message = pop_message (&f, GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (strstr (error->message, "nested deeper than 64 levels: [[[")
      != NULL, "%s", error->message);
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_non_time_segment_refused)
{
  Fixture f = fixture_new (NULL);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_BYTES);
  gst_harness_push_event (f.h, gst_event_new_segment (&segment));
  message = pop_message (&f, GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (g_error_matches (error, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FORMAT));
  fail_unless (strstr (error->message, "TIME") != NULL);
  fixture_free (&f);
}

GST_END_TEST;

/* ---- the emulator's endpoint, through the real client ---- */

/* A form like pollenstt's: 1 s of 16 kHz audio with one burst, plus
 * @first_field, value, … (NULL-terminated). */
static PollenRequest *
emulator_request (GBytes * file, const gchar * first_field, ...)
{
  PollenRequest *request = pollen_request_new ("POST", PATH);
  const gchar *name;
  va_list args;

  if (file)
    pollen_request_add_form_file (request, "file", "test.wav", "audio/wav",
        file);
  va_start (args, first_field);
  for (name = first_field; name; name = va_arg (args, const gchar *))
    pollen_request_add_form_field (request, name, va_arg (args,
            const gchar *));
  va_end (args);
  return request;
}

static GBytes *
burst_wav (void)
{
  PollenTestPart parts[] = { {250, FALSE}, {500, TRUE}, {250, FALSE} };
  g_autoptr (GBytes) pcm = pollen_test_audio_new (RATE, parts, G_N_ELEMENTS (parts));
  gsize size;
  const guint8 *data = g_bytes_get_data (pcm, &size);

  return pollen_wav_wrap (data, size, RATE, 1);
}

static PollenClient *
emulator_client (PollenEmulator * emulator)
{
  return pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 0);
}

GST_START_TEST (test_emulator_answers_each_format)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = emulator_client (emulator);
  g_autoptr (GBytes) wav = burst_wav ();
  g_autoptr (PollenRequest) verbose = emulator_request (wav, "model",
      "whisper-large-v3", "response_format", "verbose_json", "language", "en",
      NULL);
  g_autoptr (PollenRequest) json = emulator_request (wav, "response_format",
      "json", NULL);
  g_autoptr (PollenRequest) text = emulator_request (wav, "response_format",
      "text", NULL);
  g_autoptr (PollenRequest) scribe = emulator_request (wav, "model", "scribe",
      "response_format", "verbose_json", NULL);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) plain = NULL;
  g_autoptr (JsonNode) whole = NULL;
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *o, *segment, *word, *usage;
  const gchar *expected =
      "Placeholder transcript, segment 1: word1 (the emulator has no "
      "recognizer).";

  /* verbose_json: segment and word times inside the upload, where the
   * burst is */
  root = pollen_client_fetch_json (client, verbose, NULL, &error);
  fail_unless (root != NULL, "%s", error ? error->message : "");
  o = json_node_get_object (root);
  fail_unless_equals_string (json_object_get_string_member (o, "text"),
      expected);
  fail_unless_equals_string (json_object_get_string_member (o, "language"),
      "en");
  fail_unless (fabs (json_object_get_double_member (o, "duration") - 1.0) <
      1e-9);
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (o, "segments")), 1);
  segment = json_array_get_object_element (json_object_get_array_member (o,
          "segments"), 0);
  fail_unless (fabs (json_object_get_double_member (segment, "start") -
          0.25) < 1e-9);
  fail_unless (fabs (json_object_get_double_member (segment, "end") -
          0.75) < 1e-9);
  word = json_array_get_object_element (json_object_get_array_member (o,
          "words"), 0);
  fail_unless_equals_string (json_object_get_string_member (word, "word"),
      "word1");
  fail_unless (fabs (json_object_get_double_member (word, "start") - 0.25) <
      1e-9);

  /* json: the text and the usage (seconds of audio, as a float) */
  plain = pollen_client_fetch_json (client, json, NULL, NULL);
  fail_unless (plain != NULL);
  o = json_node_get_object (plain);
  fail_unless_equals_int (json_object_get_size (o), 2);
  fail_unless_equals_string (json_object_get_string_member (o, "text"),
      expected);
  usage = json_object_get_object_member (o, "usage");
  fail_unless (fabs (json_object_get_double_member (usage, "seconds") - 1.0)
      < 1e-9);

  /* text */
  response = pollen_client_fetch (client, text, NULL, NULL);
  fail_unless (response != NULL);
  fail_unless_equals_string (response->content_type, "text/plain");
  fail_unless (g_bytes_get_size (response->body) == strlen (expected));
  fail_unless (memcmp (g_bytes_get_data (response->body, NULL), expected,
          strlen (expected)) == 0);

  /* a provider without segments: one over the whole file */
  whole = pollen_client_fetch_json (client, scribe, NULL, NULL);
  fail_unless (whole != NULL);
  segment = json_array_get_object_element (json_object_get_array_member
      (json_node_get_object (whole), "segments"), 0);
  fail_unless (fabs (json_object_get_double_member (segment, "start")) <
      1e-9);
  fail_unless (fabs (json_object_get_double_member (segment, "end") - 1.0) <
      1e-9);

  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
assert_refused (PollenClient * client, PollenRequest * request,
    const gchar * message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PollenResponse) response =
      pollen_client_fetch (client, request, NULL, &error);

  fail_unless (response == NULL);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 400);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "BAD_REQUEST");
  fail_unless (g_str_has_prefix (pollen_client_error_get_api_message (error),
          message), "'%s' does not start with '%s'",
      pollen_client_error_get_api_message (error), message);
  pollen_request_free (request);
}

GST_START_TEST (test_emulator_refuses_bad_uploads)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = emulator_client (emulator);
  g_autoptr (GBytes) wav = burst_wav ();
  g_autoptr (GBytes) not_wav = g_bytes_new_static ("ID3 not a wav", 13);
  g_autoptr (GBytes) cut = g_bytes_new_from_bytes (wav, 0,
      g_bytes_get_size (wav) - 100);
  g_autoptr (GBytes) header_only = g_bytes_new_from_bytes (wav, 0, 30);
  g_autoptr (GBytes) eight_bit = NULL;
  guint8 *bytes = g_memdup2 (g_bytes_get_data (wav, NULL),
      g_bytes_get_size (wav));

  /* the same file, said to hold 8-bit samples */
  bytes[34] = 8;
  eight_bit = g_bytes_new_take (bytes, g_bytes_get_size (wav));

  assert_refused (client, emulator_request (wav, "response_format", "srt",
          NULL), "Unsupported response_format for whisper-large-v3: srt. "
      "Supported: json, text, verbose_json");
  assert_refused (client, emulator_request (wav, "model",
          "gpt-4o-mini-transcribe", "response_format", "verbose_json", NULL),
      "Unsupported response_format for gpt-4o-mini-transcribe: verbose_json. "
      "Supported: json, text");
  assert_refused (client, emulator_request (NULL, "model", "whisper-1",
          NULL), "file: Required");
  assert_refused (client, emulator_request (not_wav, NULL),
      "file: could not decode the audio");
  assert_refused (client, emulator_request (cut, NULL),
      "file: the WAV data chunk announces 32000 bytes but 31900 are present");
  assert_refused (client, emulator_request (header_only, NULL),
      "file: the audio ends inside its WAV header (30 bytes)");
  assert_refused (client, emulator_request (eight_bit, NULL),
      "file: the emulator reads 16-bit PCM WAV only, got format 1 with 8 "
      "bits");
  assert_refused (client, emulator_request (wav, "temperature", "1.5", NULL),
      "temperature: Expected a number between 0 and 1");
  assert_refused (client, emulator_request (wav, "model", "dall-e", NULL),
      "Model 'dall-e' is not a transcription model");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Audio without time (a BYTES segment, e.g. filesrc without a decoder):
 * one error that says what to put in front, EOS, and no more data taken;
 * the same policy as every GstPollenFilter. */
GST_START_TEST (test_untimed_audio_one_error)
{
  Fixture f = fixture_new (NULL);

  pollen_test_assert_untimed_refused (&f.t, gst_buffer_new_allocate (NULL,
          320, NULL), "decodebin");
  fixture_free (&f);
}

GST_END_TEST;

static Suite *
pollenstt_suite (void)
{
  Suite *s = suite_create ("pollenstt");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_form_and_wav_on_the_wire);
  tcase_add_test (tc, test_defaults_on_the_wire);
  tcase_add_test (tc, test_extra_params_on_the_wire);
  tcase_add_test (tc, test_cuts_at_pauses);
  tcase_add_test (tc, test_cut_at_chunk_duration_without_pause);
  tcase_add_test (tc, test_live_chunk_goes_at_first_pause);
  tcase_add_test (tc, test_trims_long_pauses);
  tcase_add_test (tc, test_text_over_a_trimmed_pause);
  tcase_add_test (tc, test_silent_chunks_make_no_request);
  tcase_add_test (tc, test_silence_threshold);
  tcase_add_test (tc, test_word_granularity);
  tcase_add_test (tc, test_later_chunk_finishing_first);
  tcase_add_test (tc, test_silent_chunk_takes_no_slot);
  tcase_add_test (tc, test_eos_drains_every_result);
  tcase_add_test (tc, test_flush_cancels_in_flight_requests);
  tcase_add_test (tc, test_stop_during_hung_request);
  tcase_add_test (tc, test_discont_and_caps_change_end_the_chunk);
  tcase_add_test (tc, test_latency_query_in_paused);
  tcase_add_test (tc, test_live_latency_is_kept);
  tcase_add_test (tc, test_live_late_result_is_shifted_with_warning);
  tcase_add_test (tc, test_live_downstream_held_back);
  tcase_add_test (tc, test_text_tagged_with_detected_language);
  tcase_add_test (tc, test_text_tagged_with_language_code);
  tcase_add_test (tc, test_unknown_language_not_tagged);
  tcase_add_test (tc, test_fallback_to_json);
  tcase_add_test (tc, test_one_a_minute_model_warns_of_parallel_requests);
  tcase_add_test (tc, test_plain_json_answer_spans_the_chunk);
  tcase_add_test (tc, test_prompt_carries_previous_text);
  tcase_add_test (tc, test_no_context_when_disabled);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_skip_failed);
  tcase_add_test (tc, test_non_time_segment_refused);
  tcase_add_test (tc, test_empty_answer_is_an_error);
  tcase_add_test (tc, test_deeply_nested_answer_is_an_error);

  tc = tcase_create ("emulator");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_emulator_answers_each_format);
  tcase_add_test (tc, test_emulator_refuses_bad_uploads);
  tcase_add_test (tc, test_untimed_audio_one_error);
  return s;
}

GST_CHECK_MAIN (pollenstt);
