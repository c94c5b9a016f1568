/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenrealtime against the emulator's conversations: the session.update
 * each property makes, a turn answered with tone audio and its transcript
 * timed on it, what the clock lets out, barge-in and the truncation the
 * model is told of, the end of the input, refusals, a dropped connection,
 * flushes and stops. Times come from a GstTestClock the test moves, or,
 * without a clock, from the order of things: never from how fast the
 * machine is. */

#include "pollentest.h"

#include <gst/audio/audio.h>
#include <gst/check/gsttestclock.h>
#include <math.h>
#include <string.h>

#define INPUT_CAPS "audio/x-raw, format=S16LE, layout=interleaved, " \
  "rate=48000, channels=2"
#define INPUT_RATE 48000
#define REPLY_BYTES (3 * 24000)  /* the emulator's reply: 1.5 s */

/* The element in a harness on sink → src, a second on text_src, and what
 * came on its bus. */
typedef struct
{
  PollenTestHarness t;
  GstHarness *text;
  PollenTestRecorder *text_rec;
  GPtrArray *messages;          /* GstMessage, in order */
  GstClockTime in_pts;          /* where the next input goes */
} Conversation;

static Conversation
conversation_new (const gchar * first_property, ...)
{
  Conversation c;
  va_list args;

  va_start (args, first_property);
  c.t = pollen_test_harness_new_valist ("pollenrealtime", INPUT_CAPS, TRUE,
      first_property, args);
  va_end (args);
  c.text = gst_harness_new_with_element (c.t.element, NULL, "text_src");
  c.text_rec = pollen_test_recorder_new (c.text->sinkpad);
  c.messages = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_message_unref);
  c.in_pts = 0;
  /* no clock (the harness's test clock is for the tests that move it):
   * output goes as it comes */
  gst_element_set_clock (c.t.element, NULL);
  return c;
}

static void
conversation_free (Conversation * c)
{
  gst_harness_teardown (c->text);
  pollen_test_recorder_free (c->text_rec);
  pollen_test_harness_free (&c->t);
  g_ptr_array_unref (c->messages);
}

/* @ms of input: a 440 Hz tone at -6 dBFS (speech to the emulator) or
 * silence, 48 kHz stereo, in 100 ms pieces. */
static void
push_input (Conversation * c, guint ms, gboolean loud)
{
  guint done;

  for (done = 0; done < ms; done += 100) {
    guint frames = MIN (100, ms - done) * INPUT_RATE / 1000, i;
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, frames * 4, NULL);
    GstMapInfo map;
    gint16 *pcm;

    gst_buffer_map (buffer, &map, GST_MAP_WRITE);
    pcm = (gint16 *) map.data;
    for (i = 0; i < frames; i++)
      pcm[2 * i] = pcm[2 * i + 1] = loud ? (gint16) (16000 * sin (2 * G_PI *
              440 * i / INPUT_RATE)) : 0;
    gst_buffer_unmap (buffer, &map);
    GST_BUFFER_PTS (buffer) = c->in_pts;
    GST_BUFFER_DURATION (buffer) = frames * GST_SECOND / INPUT_RATE;
    c->in_pts += GST_BUFFER_DURATION (buffer);
    fail_unless_equals_int (gst_harness_push (c->t.h, buffer), GST_FLOW_OK);
  }
}

/* The @nth (from 1) message of @type on the bus (for an element message,
 * named @name), waiting for it. */
static GstMessage *
conversation_wait_message (Conversation * c, GstMessageType type,
    const gchar * name, guint nth)
{
  gint64 end = g_get_monotonic_time () + POLLEN_TEST_WAIT / GST_USECOND;
  guint i = 0, n = 0;

  for (;;) {
    GstMessage *message;

    for (; i < c->messages->len; i++) {
      message = c->messages->pdata[i];
      if (GST_MESSAGE_TYPE (message) == type && (!name ||
              gst_message_has_name (message, name)) && ++n == nth)
        return message;
    }
    message = gst_bus_timed_pop (c->t.bus, 20 * GST_MSECOND);
    if (message)
      g_ptr_array_add (c->messages, message);
    else if (g_get_monotonic_time () > end)
      break;
  }
  fail ("no %s message %s came", gst_message_type_get_name (type),
      name ? name : "");
  return NULL;
}

static guint
conversation_count_messages (Conversation * c, GstMessageType type,
    const gchar * name)
{
  GstMessage *message;
  guint i, n = 0;

  while ((message = gst_bus_pop (c->t.bus)))
    g_ptr_array_add (c->messages, message);
  for (i = 0; i < c->messages->len; i++) {
    message = c->messages->pdata[i];
    n += GST_MESSAGE_TYPE (message) == type && (!name ||
        gst_message_has_name (message, name));
  }
  return n;
}

static const GstStructure *
reply_message (Conversation * c, guint nth)
{
  return gst_message_get_structure (conversation_wait_message (c,
          GST_MESSAGE_ELEMENT, "pollenrealtime-reply", nth));
}

/* Buffers one after the other, each where the one before ended. */
static void
assert_contiguous (GPtrArray * pieces)
{
  guint i;

  for (i = 1; i < pieces->len; i++) {
    GstBuffer *before = pieces->pdata[i - 1], *buffer = pieces->pdata[i];

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer),
        GST_BUFFER_PTS (before) + GST_BUFFER_DURATION (before));
  }
}

static gsize
total_size (GPtrArray * pieces)
{
  gsize size = 0;
  guint i;

  for (i = 0; i < pieces->len; i++)
    size += gst_buffer_get_size (pieces->pdata[i]);
  return size;
}

/* Sign changes of the S16LE samples: 880 a second for a 440 Hz tone. */
static guint
zero_crossings (GPtrArray * pieces)
{
  gint16 last = 0;
  guint i, n = 0;

  for (i = 0; i < pieces->len; i++) {
    GstMapInfo map;
    gsize j;

    gst_buffer_map (pieces->pdata[i], &map, GST_MAP_READ);
    for (j = 0; j + 1 < map.size; j += 2) {
      gint16 sample = GST_READ_UINT16_LE (map.data + j);

      n += (sample >= 0) != (last >= 0);
      last = sample;
    }
    gst_buffer_unmap (pieces->pdata[i], &map);
  }
  return n;
}

static gboolean
buffer_is_silent (GstBuffer * buffer)
{
  GstMapInfo map;
  gsize i;
  gboolean silent = TRUE;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  for (i = 0; i < map.size; i++)
    silent &= map.data[i] == 0;
  gst_buffer_unmap (buffer, &map);
  return silent;
}

/* Waits until GAP events (or pieces) on the recorded pad reach @until. */
static void
wait_position (PollenTestRecorder * rec, GstClockTime until)
{
  gint64 deadline = g_get_monotonic_time () + POLLEN_TEST_WAIT / GST_USECOND;
  GstClockTime reached = 0;
  guint i = 0;

  g_mutex_lock (&rec->lock);
  while (reached < until) {
    for (; i < rec->items->len; i++) {
      GstMiniObject *item = rec->items->pdata[i];
      GstClockTime pts, duration;

      if (GST_IS_EVENT (item) && GST_EVENT_TYPE (item) == GST_EVENT_GAP) {
        gst_event_parse_gap (GST_EVENT (item), &pts, &duration);
        reached = MAX (reached, pts + duration);
      } else if (GST_IS_BUFFER (item)) {
        reached = MAX (reached, GST_BUFFER_PTS (item) +
            GST_BUFFER_DURATION (item));
      }
    }
    if (reached < until && !g_cond_wait_until (&rec->cond, &rec->lock,
            deadline))
      break;
  }
  g_mutex_unlock (&rec->lock);
  fail_unless (reached >= until, "the output reached %" GST_TIME_FORMAT
      ", not %" GST_TIME_FORMAT, GST_TIME_ARGS (reached),
      GST_TIME_ARGS (until));
}

static JsonObject *
parse_object (const gchar * text)
{
  g_autoptr (JsonNode) root = json_from_string (text, NULL);

  fail_unless (root && JSON_NODE_HOLDS_OBJECT (root), "not JSON: %s", text);
  return json_object_ref (json_node_get_object (root));
}

static gchar *
wait_client_event (Conversation * c, const gchar * type)
{
  gchar *text = pollen_emulator_realtime_wait_event (c->t.emulator, type,
      POLLEN_TEST_MS (10000));

  fail_unless (text != NULL, "the element sent no %s", type);
  return text;
}

static guint64
structure_uint64 (const GstStructure * s, const gchar * field)
{
  guint64 value = G_MAXUINT64;

  fail_unless (gst_structure_get_uint64 (s, field, &value), "no %s in %"
      GST_PTR_FORMAT, field, s);
  return value;
}

/* ---- the setup ---- */

/* Every property on the wire in the GA session.update, as documented:
 * extra-params as members of the session; no temperature, no input
 * transcription; the key in the Authorization header only. */
GST_START_TEST (test_setup_on_the_wire)
{
  GstStructure *extra = gst_structure_from_string ("params, "
      "max_output_tokens=(int)200, tracing=auto", NULL);
  Conversation c = conversation_new ("instructions", "Be brief",
      "voice", "coral", "silence-duration", 700, "vad-threshold", 0.25,
      "interrupt", FALSE, "extra-params", extra, "model",
      "gpt-realtime-2.1-mini", NULL);
  g_autofree gchar *update = wait_client_event (&c, "session.update");
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (c.t.emulator, 0, 1000);

  fail_unless_equals_string (update, "{\"type\":\"session.update\","
      "\"session\":{\"type\":\"realtime\",\"output_modalities\":[\"audio\"],"
      "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},"
      "\"turn_detection\":{\"type\":\"server_vad\",\"threshold\":0.25,"
      "\"silence_duration_ms\":700,\"create_response\":true,"
      "\"interrupt_response\":false}},\"output\":{\"format\":{\"type\":"
      "\"audio/pcm\",\"rate\":24000},\"voice\":\"coral\"}},"
      "\"instructions\":\"Be brief\",\"max_output_tokens\":200,"
      "\"tracing\":\"auto\"}}");
  fail_unless_equals_string (request->path, "/v1/realtime");
  fail_unless_equals_string (pollen_emulator_request_get_query (request,
          "model"), "gpt-realtime-2.1-mini");
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  fail_if (strstr (request->raw_query, POLLEN_TEST_KEY));
  /* the emulator took it: no warning */
  fail_unless_equals_int (conversation_count_messages (&c,
          GST_MESSAGE_WARNING, NULL), 0);
  gst_structure_free (extra);
  conversation_free (&c);
}

GST_END_TEST;

/* The defaults: the default model and voice, server VAD at 0.5 and 500
 * ms, interruption; no instructions member. Semantic VAD and none. */
GST_START_TEST (test_setup_defaults_and_vad_kinds)
{
  Conversation def = conversation_new (NULL);
  Conversation semantic = conversation_new ("vad", 1, NULL);
  Conversation none = conversation_new ("vad", 2, NULL);
  g_autofree gchar *update = wait_client_event (&def, "session.update");
  g_autofree gchar *semantic_update = wait_client_event (&semantic,
      "session.update");
  g_autofree gchar *none_update = wait_client_event (&none,
      "session.update");
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (def.t.emulator, 0, 1000);

  fail_unless_equals_string (pollen_emulator_request_get_query (request,
          "model"), "gpt-realtime-2.1");
  fail_unless_equals_string (update, "{\"type\":\"session.update\","
      "\"session\":{\"type\":\"realtime\",\"output_modalities\":[\"audio\"],"
      "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},"
      "\"turn_detection\":{\"type\":\"server_vad\",\"threshold\":0.5,"
      "\"silence_duration_ms\":500,\"create_response\":true,"
      "\"interrupt_response\":true}},\"output\":{\"format\":{\"type\":"
      "\"audio/pcm\",\"rate\":24000},\"voice\":\"alloy\"}}}}");
  fail_unless (strstr (semantic_update, "\"turn_detection\":{\"type\":"
          "\"semantic_vad\",\"create_response\":true,\"interrupt_response\":"
          "true}}"), "%s", semantic_update);
  fail_unless (strstr (none_update, "\"turn_detection\":null"), "%s",
      none_update);
  conversation_free (&def);
  conversation_free (&semantic);
  conversation_free (&none);
}

GST_END_TEST;

GST_START_TEST (test_latency_query)
{
  GstElement *element = gst_element_factory_make ("pollenrealtime", NULL);
  const gchar *pads[] = { "src", "text_src" };
  guint i;

  g_object_set (element, "latency", 300, "base-url",
      "http://127.0.0.1:9", "retries", 0, NULL);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);
  for (i = 0; i < G_N_ELEMENTS (pads); i++) {
    GstPad *pad = gst_element_get_static_pad (element, pads[i]);
    GstQuery *query = gst_query_new_latency ();
    GstClockTime min, max;
    gboolean live;

    fail_unless (gst_pad_query (pad, query));
    gst_query_parse_latency (query, &live, &min, &max);
    fail_unless (live);
    fail_unless_equals_uint64 (min, 300 * GST_MSECOND);
    fail_if (GST_CLOCK_TIME_IS_VALID (max));
    gst_query_unref (query);
    gst_object_unref (pad);
  }
  gst_element_set_state (element, GST_STATE_NULL);
  gst_object_unref (element);
}

GST_END_TEST;

/* ---- turns and replies ---- */

/* A speech message's times: the server's ms into the input, and the same
 * as running and stream time of the input (it started at 0). */
static void
assert_speech_message (Conversation * c, const gchar * name, guint64 min_ms,
    guint64 max_ms)
{
  const GstStructure *s = gst_message_get_structure
      (conversation_wait_message (c, GST_MESSAGE_ELEMENT, name, 1));
  guint64 ms = structure_uint64 (s, "audio-ms");

  fail_unless (ms >= min_ms && ms <= max_ms, "%s at %" G_GUINT64_FORMAT
      " ms", name, ms);
  fail_unless_equals_uint64 (structure_uint64 (s, "running-time"),
      ms * GST_MSECOND);
  fail_unless_equals_uint64 (structure_uint64 (s, "stream-time"),
      ms * GST_MSECOND);
}

/* Every text within the reply's audio, in order, together the
 * transcript. */
static void
assert_text_on_audio (GPtrArray * texts, GPtrArray * audio,
    const gchar * transcript)
{
  GstBuffer *start = audio->pdata[0], *end = audio->pdata[audio->len - 1];
  g_autoptr (GString) joined = g_string_new (NULL);
  GstClockTime position = GST_BUFFER_PTS (start);
  guint i;

  for (i = 0; i < texts->len; i++) {
    GstBuffer *text = texts->pdata[i];
    g_autofree gchar *words = pollen_test_buffer_text (text);

    fail_unless (GST_BUFFER_PTS (text) >= position);
    position = GST_BUFFER_PTS (text) + GST_BUFFER_DURATION (text);
    fail_unless (position <= GST_BUFFER_PTS (end) +
        GST_BUFFER_DURATION (end));
    g_string_append (joined, words);
  }
  fail_unless_equals_string (joined->str, transcript);
}

/* Loud audio, then silence: the server ends the turn, the reply comes as
 * 1.5 s of 440 Hz tone (24 kHz mono) and three words, each timed on its
 * half second of it; the reply message has the usage; EOS on both. */
GST_START_TEST (test_turn_gives_reply_and_transcript)
{
  Conversation c = conversation_new (NULL);
  g_autoptr (GPtrArray) audio = NULL;
  g_autoptr (GPtrArray) texts = NULL;
  g_autoptr (GstCaps) caps = NULL;
  const GstStructure *reply;
  guint i;

  push_input (&c, 1000, TRUE);
  push_input (&c, 1000, FALSE);
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (c.t.rec);
  pollen_test_recorder_wait_eos (c.text_rec);

  caps = gst_pad_get_current_caps (c.t.h->sinkpad);
  fail_unless (gst_caps_is_equal (caps, gst_caps_from_string ("audio/x-raw, "
              "format=S16LE, layout=interleaved, rate=24000, channels=1")));
  audio = pollen_test_recorder_get_buffers (c.t.rec);
  texts = pollen_test_recorder_get_buffers (c.text_rec);
  fail_unless_equals_int (total_size (audio), REPLY_BYTES);
  assert_contiguous (audio);
  fail_unless (abs ((gint) zero_crossings (audio) - 1320) <= 4);
  fail_unless_equals_int (texts->len, 3);
  for (i = 0; i < texts->len; i++)
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (texts->pdata[i]),
        500 * GST_MSECOND);

  reply = reply_message (&c, 1);
  fail_unless_equals_string (gst_structure_get_string (reply, "status"),
      "completed");
  assert_text_on_audio (texts, audio, gst_structure_get_string (reply,
          "transcript"));
  fail_unless_equals_uint64 (structure_uint64 (reply, "duration"),
      1500 * GST_MSECOND);
  fail_unless_equals_uint64 (structure_uint64 (reply, "output-tokens"), 33);
  fail_unless_equals_uint64 (structure_uint64 (reply, "output-audio-tokens"),
      30);
  fail_unless_equals_uint64 (structure_uint64 (reply, "total-tokens"),
      structure_uint64 (reply, "input-tokens") + 33);
  assert_speech_message (&c, "pollenrealtime-speech-started", 0, 40);
  assert_speech_message (&c, "pollenrealtime-speech-stopped", 1480, 1520);
  conversation_free (&c);
}

GST_END_TEST;

/* EOS while the speaker still talks: the element turns detection off,
 * commits the turn and asks for its reply, which goes out before EOS. */
GST_START_TEST (test_eos_during_speech_answers_the_turn)
{
  Conversation c = conversation_new (NULL);
  g_autoptr (GPtrArray) audio = NULL;
  g_autofree gchar *setup = NULL;
  g_autofree gchar *marker = NULL;
  g_autofree gchar *commit = NULL;
  g_autofree gchar *create = NULL;

  setup = wait_client_event (&c, "session.update");
  push_input (&c, 1000, TRUE);
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  marker = wait_client_event (&c, "session.update");
  fail_unless (strstr (marker, "\"turn_detection\":null"), "%s", marker);
  commit = wait_client_event (&c, "input_audio_buffer.commit");
  create = wait_client_event (&c, "response.create");
  pollen_test_recorder_wait_eos (c.t.rec);
  pollen_test_recorder_wait_eos (c.text_rec);
  audio = pollen_test_recorder_get_buffers (c.t.rec);
  fail_unless_equals_int (total_size (audio), REPLY_BYTES);
  fail_unless_equals_string (gst_structure_get_string (reply_message (&c, 1),
          "status"), "completed");
  conversation_free (&c);
}

GST_END_TEST;

/* Without turn detection the input is one turn, answered at EOS; no
 * speech events. Less than the 100 ms the service commits is no turn. */
GST_START_TEST (test_manual_turn_at_eos)
{
  Conversation c = conversation_new ("vad", 2, NULL);
  Conversation tiny = conversation_new ("vad", 2, NULL);
  g_autoptr (GPtrArray) audio = NULL;
  g_autofree gchar *commit = NULL;
  g_autofree gchar *no_commit = NULL;
  g_autofree gchar *no_create = NULL;

  push_input (&c, 600, TRUE);
  push_input (&c, 300, FALSE);
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  commit = wait_client_event (&c, "input_audio_buffer.commit");
  pollen_test_recorder_wait_eos (c.t.rec);
  audio = pollen_test_recorder_get_buffers (c.t.rec);
  fail_unless_equals_int (total_size (audio), REPLY_BYTES);
  fail_unless_equals_int (conversation_count_messages (&c,
          GST_MESSAGE_ELEMENT, "pollenrealtime-speech-started"), 0);

  push_input (&tiny, 50, TRUE);
  fail_unless (gst_harness_push_event (tiny.t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (tiny.t.rec);
  pollen_test_recorder_wait_eos (tiny.text_rec);
  no_commit = pollen_emulator_realtime_wait_event (tiny.t.emulator,
      "input_audio_buffer.commit", 0);
  no_create = pollen_emulator_realtime_wait_event (tiny.t.emulator,
      "response.create", 0);
  fail_unless (no_commit == NULL && no_create == NULL);
  fail_unless_equals_int (conversation_count_messages (&tiny,
          GST_MESSAGE_WARNING, NULL), 0);
  conversation_free (&c);
  conversation_free (&tiny);
}

GST_END_TEST;

/* ---- the clock ---- */

static GstTestClock *
conversation_use_testclock (Conversation * c, GstClockTime time)
{
  GstTestClock *clock;

  clock = gst_harness_get_testclock (c->t.h);
  gst_test_clock_set_time (clock, time);
  gst_element_set_clock (c->t.element, GST_CLOCK (clock));
  return clock;
}

/* Moves the test clock to @time and lets every wait up to it end (a
 * GstTestClock ends none by itself), until both source pads' tasks wait
 * for a later time. */
static void
advance_clock (GstTestClock * clock, GstClockTime time)
{
  GstClockID id;

  gst_test_clock_set_time (clock, time);
  for (;;) {
    if ((id = gst_test_clock_process_next_clock_id (clock))) {
      gst_clock_id_unref (id);
      continue;
    }
    fail_unless (gst_test_clock_timed_wait_for_multiple_pending_ids (clock, 2,
            POLLEN_TEST_MS (5000), NULL), "the tasks do not wait");
    if (gst_test_clock_get_next_entry_time (clock) > time)
      break;
  }
}

/* With a clock the reply starts at the running time it came and goes out
 * no earlier than `latency` before it plays: with the clock held, one
 * piece; every second moved, a second of pieces. */
GST_START_TEST (test_reply_paced_by_the_clock)
{
  Conversation c = conversation_new ("latency", 250, NULL);
  GstTestClock *clock = conversation_use_testclock (&c, 10 * GST_SECOND);
  GstBuffer *buffer;
  guint i;

  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  reply_message (&c, 1);        /* all of it is here */
  buffer = gst_harness_pull (c.t.h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), 10 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer), 20 * GST_MSECOND);
  gst_buffer_unref (buffer);
  buffer = gst_harness_pull (c.text);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), 10 * GST_SECOND);
  gst_buffer_unref (buffer);
  /* the next piece and word are not due */
  fail_unless_equals_int (gst_harness_buffers_in_queue (c.t.h), 0);
  fail_unless_equals_int (gst_harness_buffers_in_queue (c.text), 0);

  /* up to 10.5 s: 25 more pieces, and the second word */
  advance_clock (clock, 10500 * GST_MSECOND);
  for (i = 1; i <= 25; i++) {
    buffer = gst_harness_pull (c.t.h);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer),
        10 * GST_SECOND + i * 20 * GST_MSECOND);
    gst_buffer_unref (buffer);
  }
  buffer = gst_harness_pull (c.text);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), 10500 * GST_MSECOND);
  gst_buffer_unref (buffer);
  fail_unless_equals_int (gst_harness_buffers_in_queue (c.t.h), 0);
  fail_unless_equals_int (gst_harness_buffers_in_queue (c.text), 0);

  /* the rest, then GAPs once it has played */
  advance_clock (clock, 12 * GST_SECOND);
  for (i = 26; i < 75; i++)
    gst_buffer_unref (gst_harness_pull (c.t.h));
  gst_buffer_unref (gst_harness_pull (c.text));
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (c.t.rec);
  fail_unless (pollen_test_recorder_count_events (c.t.rec, GST_EVENT_GAP) > 0);
  gst_object_unref (clock);
  conversation_free (&c);
}

GST_END_TEST;

/* In PAUSED a pipeline's clock runs but the element's base time is not
 * set yet: nothing is timed by it (a reply timed then would wait for a
 * running time of hours). Once PLAYING, the reply comes at its running
 * time. */
GST_START_TEST (test_clock_counts_from_playing)
{
  Conversation c = conversation_new (NULL);
  GstClock *clock = gst_test_clock_new_with_start_time (1000 * GST_SECOND);
  GstBuffer *buffer;

  /* a new run, its tasks started in PAUSED with the clock there */
  gst_element_set_state (c.t.element, GST_STATE_READY);
  gst_element_set_clock (c.t.element, clock);
  gst_element_set_state (c.t.element, GST_STATE_PAUSED);
  /* the tasks may look at the clock now: a while for them to do so */
  gst_test_clock_timed_wait_for_multiple_pending_ids (GST_TEST_CLOCK (clock),
      2, 200, NULL);
  gst_element_set_base_time (c.t.element, 999 * GST_SECOND);
  gst_element_set_state (c.t.element, GST_STATE_PLAYING);
  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  buffer = gst_harness_pull (c.t.h);
  fail_unless (buffer != NULL);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), GST_SECOND);
  gst_buffer_unref (buffer);
  buffer = gst_harness_pull (c.text);
  fail_unless (buffer != NULL);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), GST_SECOND);
  gst_buffer_unref (buffer);
  conversation_free (&c);
  gst_object_unref (clock);
}

GST_END_TEST;

/* Barge-in: the speaker talks while a reply (still being made) plays:
 * nothing more of it goes out, the model is told how much was heard —
 * what was pushed and whose time (plus latency) has come — and the
 * service cancels it. */
GST_START_TEST (test_barge_in_truncates_what_was_heard)
{
  Conversation c = conversation_new ("latency", 250, NULL);
  GstTestClock *clock = conversation_use_testclock (&c, 10 * GST_SECOND);
  g_autoptr (JsonObject) truncate = NULL;
  g_autofree gchar *truncate_text = NULL;
  const GstStructure *interrupted, *reply;
  GstBuffer *buffer;
  guint i;

  pollen_emulator_realtime_hold_replies (c.t.emulator, 500);
  push_input (&c, 400, TRUE);
  push_input (&c, 700, FALSE);
  /* the reply starts when it comes, at 10 s; its first word's text, timed
   * once the second word comes, says its first 500 ms are here */
  buffer = gst_harness_pull (c.t.h);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), 10 * GST_SECOND);
  gst_buffer_unref (buffer);
  buffer = gst_harness_pull (c.text);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer), 500 * GST_MSECOND);
  gst_buffer_unref (buffer);
  /* with the clock at 10.3 s, 16 pieces of 20 ms are out */
  advance_clock (clock, 10300 * GST_MSECOND);
  for (i = 1; i < 16; i++)
    gst_buffer_unref (gst_harness_pull (c.t.h));
  push_input (&c, 300, TRUE);

  interrupted = gst_message_get_structure (conversation_wait_message (&c,
          GST_MESSAGE_ELEMENT, "pollenrealtime-interrupted", 1));
  /* pushed up to 10.32 s, heard up to 10.3 - 0.25 s */
  fail_unless_equals_uint64 (structure_uint64 (interrupted, "audio-end-ms"),
      50);
  fail_unless_equals_uint64 (structure_uint64 (interrupted, "played"),
      50 * GST_MSECOND);
  truncate_text = wait_client_event (&c, "conversation.item.truncate");
  truncate = parse_object (truncate_text);
  fail_unless_equals_string (json_object_get_string_member (truncate,
          "item_id"), gst_structure_get_string (interrupted, "item-id"));
  fail_unless_equals_int (json_object_get_int_member (truncate,
          "content_index"), 0);
  fail_unless_equals_int (json_object_get_int_member (truncate,
          "audio_end_ms"), 50);
  reply = reply_message (&c, 1);
  fail_unless_equals_string (gst_structure_get_string (reply, "status"),
      "cancelled");
  fail_unless (g_str_equal (gst_structure_get_string (reply, "item-id"),
          gst_structure_get_string (interrupted, "item-id")));

  /* time goes on: GAPs up to what plays at 12 s, no more of the reply */
  advance_clock (clock, 12 * GST_SECOND);
  wait_position (c.t.rec, 11750 * GST_MSECOND);
  fail_unless_equals_int (gst_harness_buffers_in_queue (c.t.h), 0);
  /* the truncation was within what the service sent: no error event */
  fail_unless_equals_int (conversation_count_messages (&c,
          GST_MESSAGE_WARNING, NULL), 0);
  gst_object_unref (clock);
  conversation_free (&c);
}

GST_END_TEST;

/* With interrupt=false speech lets the reply play on, and its turn is
 * answered after it: the two replies one after the other. */
GST_START_TEST (test_no_interruption_plays_on)
{
  Conversation c = conversation_new ("interrupt", FALSE, NULL);
  g_autoptr (GPtrArray) audio = NULL;
  const GstStructure *later_reply;

  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  conversation_wait_message (&c, GST_MESSAGE_ELEMENT,
      "pollenrealtime-speech-stopped", 1);
  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  later_reply = reply_message (&c, 2);
  fail_unless_equals_string (gst_structure_get_string (later_reply, "status"),
      "completed");
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (c.t.rec);
  audio = pollen_test_recorder_get_buffers (c.t.rec);
  fail_unless_equals_int (total_size (audio), 2 * REPLY_BYTES);
  assert_contiguous (audio);
  fail_unless_equals_int (conversation_count_messages (&c,
          GST_MESSAGE_ELEMENT, "pollenrealtime-interrupted"), 0);
  conversation_free (&c);
}

GST_END_TEST;

/* continuous=true: silence between replies (GAP-flagged pieces), one
 * unbroken stream. */
GST_START_TEST (test_continuous_fills_with_silence)
{
  Conversation c = conversation_new ("continuous", TRUE, "latency", 250,
      NULL);
  GstTestClock *clock = conversation_use_testclock (&c, 10 * GST_SECOND);
  g_autoptr (GPtrArray) audio = NULL;
  GstBuffer *reply = NULL, *last;
  guint i, silent = 0;

  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  reply_message (&c, 1);
  advance_clock (clock, 13 * GST_SECOND);
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (c.t.rec);
  audio = pollen_test_recorder_get_buffers (c.t.rec);
  assert_contiguous (audio);
  for (i = 0; i < audio->len; i++) {
    GstBuffer *buffer = audio->pdata[i];

    if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP)) {
      reply = reply ? reply : buffer;
      continue;
    }
    silent += gst_buffer_get_size (buffer);
    fail_unless (buffer_is_silent (buffer));
  }
  /* the reply from 10 s, silence before and after it up to 13 s */
  fail_unless_equals_int (total_size (audio) - silent, REPLY_BYTES);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (reply), 10 * GST_SECOND);
  fail_unless (silent > 0);
  last = audio->pdata[audio->len - 1];
  fail_unless_equals_uint64 (GST_BUFFER_PTS (last) + GST_BUFFER_DURATION
      (last), 13 * GST_SECOND);
  fail_unless_equals_int (pollen_test_recorder_count_events (c.t.rec,
          GST_EVENT_GAP), 0);
  gst_object_unref (clock);
  conversation_free (&c);
}

GST_END_TEST;

/* continuous=true in a pipeline whose sink does not wait for the clock
 * (as filesink and wavenc do not): the silence is every sample of the
 * time it fills, so a WAV keeps the replies where they were said. */
GST_START_TEST (test_continuous_silence_at_any_pace)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = pollen_test_launch (emulator,
      "audiotestsrc is-live=true wave=silence samplesperbuffer=2400 "
      "num-buffers=10 ! pollenrealtime continuous=true ! "
      "fakesink name=sink sync=false");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  PollenTestRecorder *rec = pollen_test_recorder_new (pad);
  g_autoptr (GPtrArray) audio = NULL;
  GstMessage *end = pollen_test_run_like_launch (pipeline, 10 * GST_SECOND);
  GstBuffer *head, *last;
  GstClockTime span;

  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  audio = pollen_test_recorder_get_buffers (rec);
  fail_unless (audio->len > 0);
  assert_contiguous (audio);
  head = audio->pdata[0];
  last = audio->pdata[audio->len - 1];
  span = GST_BUFFER_PTS (last) + GST_BUFFER_DURATION (last) -
      GST_BUFFER_PTS (head);
  fail_unless (span >= 400 * GST_MSECOND, "%" GST_TIME_FORMAT " filled",
      GST_TIME_ARGS (span));
  /* the bytes are the time they are stamped with, to within a sample */
  fail_unless (ABS ((gint64) total_size (audio) / 2 -
          (gint64) gst_util_uint64_scale (span, 24000, GST_SECOND)) <= 1,
      "%zu bytes for %" GST_TIME_FORMAT, total_size (audio),
      GST_TIME_ARGS (span));
  gst_message_unref (end);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  pollen_test_recorder_free (rec);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- failures ---- */

/* A refused key: an error naming the status and the server's message,
 * never the key; EOS on both pads; input refused from then on. */
GST_START_TEST (test_refused_key_is_an_error)
{
  Conversation c = conversation_new ("api-key", "", NULL);
  GstMessage *error = conversation_wait_message (&c, GST_MESSAGE_ERROR, NULL,
      1);

  pollen_test_assert_error (error, GST_RESOURCE_ERROR_NOT_AUTHORIZED, 401,
      "UNAUTHORIZED", "401 Unauthorized: Authentication required");
  pollen_test_recorder_wait_eos (c.t.rec);
  pollen_test_recorder_wait_eos (c.text_rec);
  fail_unless_equals_int (gst_harness_push (c.t.h,
          gst_buffer_new_allocate (NULL, 400, NULL)), GST_FLOW_ERROR);
  conversation_free (&c);
}

GST_END_TEST;

/* Asking a conversation for input transcription (here through
 * extra-params): the server closes with 1008, an error that quotes it. */
GST_START_TEST (test_policy_close_is_an_error)
{
  GstStructure *extra = gst_structure_from_string ("params, "
      "input_audio_transcription=whisper-1", NULL);
  Conversation c = conversation_new ("extra-params", extra, NULL);
  GstMessage *error = conversation_wait_message (&c, GST_MESSAGE_ERROR, NULL,
      1);

  pollen_test_assert_error (error, GST_RESOURCE_ERROR_SETTINGS, 0, "1008",
      "the server closed the realtime session: 1008 Realtime input "
      "transcription is not supported yet.");
  pollen_test_recorder_wait_eos (c.t.rec);
  gst_structure_free (extra);
  conversation_free (&c);
}

GST_END_TEST;

/* The server's error event (a voice it does not have): a warning quoting
 * it with its code; the session goes on and answers. */
GST_START_TEST (test_error_event_is_a_warning)
{
  Conversation c = conversation_new ("voice", "bob", NULL);
  GstMessage *warning = conversation_wait_message (&c, GST_MESSAGE_WARNING,
      NULL, 1);
  g_autoptr (GError) error = NULL;
  const GstStructure *details = NULL;

  gst_message_parse_warning (warning, &error, NULL);
  gst_message_parse_warning_details (warning, &details);
  fail_unless (strstr (error->message, "Invalid value: 'bob'. Supported "
          "values are: 'alloy'"), "%s", error->message);
  fail_unless (strstr (error->message, "session.audio.output.voice"));
  fail_unless_equals_string (gst_structure_get_string (details,
          "api-error-code"), "invalid_value");
  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  fail_unless_equals_string (gst_structure_get_string (reply_message (&c, 1),
          "status"), "completed");
  conversation_free (&c);
}

GST_END_TEST;

/* A dropped connection is opened again: a warning that says the gap, the
 * setup on the new connection, and the conversation goes on. */
GST_START_TEST (test_reconnection_is_a_warning)
{
  Conversation c = conversation_new ("retries", 2, NULL);
  g_autofree gchar *setup = wait_client_event (&c, "session.update");
  g_autofree gchar *again = NULL;
  g_autoptr (GError) error = NULL;

  pollen_emulator_realtime_drop (c.t.emulator);
  gst_message_parse_warning (conversation_wait_message (&c,
          GST_MESSAGE_WARNING, NULL, 1), &error, NULL);
  fail_unless (strstr (error->message, "The realtime session's connection "
          "dropped and was opened again after "), "%s", error->message);
  again = wait_client_event (&c, "session.update");
  fail_unless_equals_string (again, setup);
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (c.t.emulator), 2);
  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  fail_unless_equals_string (gst_structure_get_string (reply_message (&c, 1),
          "status"), "completed");
  fail_unless_equals_int (conversation_count_messages (&c, GST_MESSAGE_ERROR,
          NULL), 0);
  conversation_free (&c);
}

GST_END_TEST;

static GstPadProbeReturn
count_flush_stop (GstPad * pad, GstPadProbeInfo * info, gpointer counter)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_FLUSH_STOP)
    g_atomic_int_inc ((gint *) counter);
  return GST_PAD_PROBE_OK;
}

/* A flushing seek during a reply: the reply stops (the model is told, the
 * service cancels it, the unanswered input is cleared), the source pads
 * flush, and after it the stream starts over without it. */
GST_START_TEST (test_flush_during_reply)
{
  Conversation c = conversation_new (NULL);
  g_autofree gchar *cancel = NULL;
  g_autofree gchar *clear = NULL;
  g_autoptr (GPtrArray) audio = NULL;
  gint audio_flushes = 0, text_flushes = 0;
  GstSegment segment;

  gst_pad_add_probe (c.t.h->sinkpad, GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      count_flush_stop, &audio_flushes, NULL);
  gst_pad_add_probe (c.text->sinkpad, GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      count_flush_stop, &text_flushes, NULL);
  pollen_emulator_realtime_hold_replies (c.t.emulator, 500);
  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  gst_buffer_unref (gst_harness_pull (c.t.h));
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (c.t.h,
          gst_event_new_flush_stop (TRUE)));
  cancel = wait_client_event (&c, "response.cancel");
  clear = wait_client_event (&c, "input_audio_buffer.clear");
  conversation_wait_message (&c, GST_MESSAGE_ELEMENT,
      "pollenrealtime-interrupted", 1);
  fail_unless_equals_string (gst_structure_get_string (reply_message (&c, 1),
          "status"), "cancelled");
  fail_unless_equals_int (audio_flushes, 1);
  fail_unless_equals_int (text_flushes, 1);

  pollen_test_recorder_clear (c.t.rec);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (c.t.h,
          gst_event_new_segment (&segment)));
  c.in_pts = 0;
  push_input (&c, 200, FALSE);
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (c.t.rec);
  audio = pollen_test_recorder_get_buffers (c.t.rec);
  fail_unless_equals_int (audio->len, 0);
  conversation_free (&c);
}

GST_END_TEST;

/* Going to NULL during a reply returns at once, the session closed. */
GST_START_TEST (test_stop_during_reply)
{
  Conversation c = conversation_new (NULL);
  gint64 start;

  pollen_emulator_realtime_hold_replies (c.t.emulator, 500);
  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  gst_buffer_unref (gst_harness_pull (c.t.h));
  start = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (c.t.element,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - start < POLLEN_TEST_MS (3) *
      G_TIME_SPAN_SECOND);
  conversation_free (&c);
}

GST_END_TEST;

/* A reply that never ends: at EOS the element waits `timeout`, then ends
 * the streams with a warning that says so. */
GST_START_TEST (test_drain_bounded_by_timeout)
{
  Conversation c = conversation_new ("timeout", 1, NULL);
  g_autoptr (GError) error = NULL;

  pollen_emulator_realtime_hold_replies (c.t.emulator, 300);
  push_input (&c, 500, TRUE);
  push_input (&c, 700, FALSE);
  gst_buffer_unref (gst_harness_pull (c.t.h));
  fail_unless (gst_harness_push_event (c.t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (c.t.rec);
  pollen_test_recorder_wait_eos (c.text_rec);
  gst_message_parse_warning (conversation_wait_message (&c,
          GST_MESSAGE_WARNING, NULL, 1), &error, NULL);
  fail_unless (strstr (error->message, "No reply came within timeout (1 s)"),
      "%s", error->message);
  conversation_free (&c);
}

GST_END_TEST;

static Suite *
pollenrealtime_suite (void)
{
  Suite *s = suite_create ("pollenrealtime");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_setup_on_the_wire);
  tcase_add_test (tc, test_setup_defaults_and_vad_kinds);
  tcase_add_test (tc, test_latency_query);
  tcase_add_test (tc, test_turn_gives_reply_and_transcript);
  tcase_add_test (tc, test_eos_during_speech_answers_the_turn);
  tcase_add_test (tc, test_manual_turn_at_eos);
  tcase_add_test (tc, test_reply_paced_by_the_clock);
  tcase_add_test (tc, test_clock_counts_from_playing);
  tcase_add_test (tc, test_barge_in_truncates_what_was_heard);
  tcase_add_test (tc, test_no_interruption_plays_on);
  tcase_add_test (tc, test_continuous_fills_with_silence);
  tcase_add_test (tc, test_continuous_silence_at_any_pace);
  tcase_add_test (tc, test_refused_key_is_an_error);
  tcase_add_test (tc, test_policy_close_is_an_error);
  tcase_add_test (tc, test_error_event_is_a_warning);
  tcase_add_test (tc, test_reconnection_is_a_warning);
  tcase_add_test (tc, test_flush_during_reply);
  tcase_add_test (tc, test_stop_during_reply);
  tcase_add_test (tc, test_drain_bounded_by_timeout);
  return s;
}

GST_CHECK_MAIN (pollenrealtime);
