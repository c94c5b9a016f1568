/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenchat against the emulator: the JSON on the wire (system, history
 * turns, parameters set and unset), the reply and its time, sentences
 * pushed while the stream runs and their times inside the input's span,
 * order with several requests in flight, one at a time with history, the
 * history forgotten at FLUSH and STREAM_START, failures (HTTP and in the
 * stream) with and without skip-failed, markup input, and the base's
 * policies.
 *
 * The emulator's reply repeats the request: "There is no system prompt.
 * You said: "<input>". This is the start of our conversation. …". */

#include "pollentest.h"
#include "pollenchatrequest.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define CHAT_PATH "/v1/chat/completions"

#define MS(ms) POLLEN_TEST_MS (ms)
#define WAIT POLLEN_TEST_WAIT
#define ELAPSED_MS(since) ((g_get_monotonic_time () - (since)) / 1000)

typedef PollenTestHarness Chat;

/* pollenchat (pointed at a fresh emulator, no retries) with
 * @first_property … set, in a harness fed non-live plain text. */
static Chat
chat_new_with_caps (const gchar * caps, const gchar * first_property, ...)
{
  Chat t;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("pollenchat", caps,
      FALSE, first_property, args);
  va_end (args);
  return t;
}

#define chat_new(...) \
  chat_new_with_caps ("text/x-raw, format=utf8", __VA_ARGS__)
#define chat_free pollen_test_harness_free

static void
push_text (Chat * t, const gchar * text, GstClockTime pts,
    GstClockTime duration)
{
  GstBuffer *buffer = *text ? gst_buffer_new_memdup (text, strlen (text)) :
      gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  fail_unless_equals_int (gst_harness_push (t->h, buffer), GST_FLOW_OK);
}

static void
push_eos_and_wait (Chat * t)
{
  fail_unless (gst_harness_push_event (t->h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t->rec);
}

static void
push_segment (Chat * t)
{
  GstSegment segment;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_segment (&segment)));
}

static guint
recorder_count_buffers (PollenTestRecorder * rec)
{
  g_autoptr (GPtrArray) outs = pollen_test_recorder_get_buffers (rec);

  return outs->len;
}

/* Waits until @count outs came out. */
static gboolean
recorder_wait_buffers (PollenTestRecorder * rec, guint count)
{
  gint64 deadline = g_get_monotonic_time () + WAIT / GST_USECOND;
  gboolean found = FALSE;

  g_mutex_lock (&rec->lock);
  for (;;) {
    guint i, n = 0;

    for (i = 0; i < rec->items->len; i++)
      n += GST_IS_BUFFER (rec->items->pdata[i]);
    if ((found = n >= count))
      break;
    if (!g_cond_wait_until (&rec->cond, &rec->lock, deadline))
      break;
  }
  g_mutex_unlock (&rec->lock);
  return found;
}

/* The GAP events that came out, in order (borrowed). */
static GPtrArray *
recorder_gaps (PollenTestRecorder * rec)
{
  GPtrArray *gaps = g_ptr_array_new ();
  guint i;

  for (i = 0; i < rec->items->len; i++) {
    GstMiniObject *obj = rec->items->pdata[i];

    if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_GAP)
      g_ptr_array_add (gaps, obj);
  }
  return gaps;
}

static void
assert_gap (GstEvent * gap, GstClockTime pts, GstClockTime duration)
{
  GstClockTime gap_pts, gap_duration;

  gst_event_parse_gap (gap, &gap_pts, &gap_duration);
  fail_unless_equals_uint64 (gap_pts, pts);
  fail_unless_equals_uint64 (gap_duration, duration);
}

/* The body of request @index. */
static JsonObject *
request_body (Chat * t, guint index, JsonParser * parser)
{
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (t->emulator, index, MS (5000));
  gsize size;
  const gchar *data;

  fail_unless (request != NULL, "request %u never came", index);
  fail_unless_equals_string (request->path, CHAT_PATH);
  data = g_bytes_get_data (request->body, &size);
  fail_unless (json_parser_load_from_data (parser, data, size, NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

/* Message @i of @body is @role saying @content. */
static void
assert_message (JsonObject * body, guint i, const gchar * role,
    const gchar * content)
{
  JsonArray *messages = json_object_get_array_member (body, "messages");
  JsonObject *message;

  fail_unless (i < json_array_get_length (messages), "no message %u", i);
  message = json_array_get_object_element (messages, i);
  fail_unless_equals_string (json_object_get_string_member (message, "role"),
      role);
  fail_unless_equals_string (json_object_get_string_member (message,
          "content"), content);
}

static guint
message_count (JsonObject * body)
{
  return json_array_get_length (json_object_get_array_member (body,
          "messages"));
}

/* What the emulator says to @input with no system prompt and no history,
 * up to where it names the model. */
static gchar *
expected_reply_start (const gchar * input)
{
  return g_strdup_printf ("There is no system prompt. You said: \"%s\". "
      "This is the start of our conversation. ", input);
}

/* "Hello." in, EOS, and the emulator's whole reply out as one buffer,
 * whatever else the stream held (@what names the case in a failure);
 * returns the reply. */
static gchar *
assert_whole_reply (Chat * t, const gchar * what)
{
  g_autofree gchar *start = expected_reply_start ("Hello.");
  g_autoptr (GPtrArray) outs = NULL;
  gchar *text;

  push_text (t, "Hello.", 0, GST_SECOND);
  push_eos_and_wait (t);
  outs = pollen_test_recorder_get_buffers (t->rec);
  fail_unless_equals_int (outs->len, 1);
  text = pollen_test_buffer_text (outs->pdata[0]);
  fail_unless (g_str_has_prefix (text, start), "%s: %s", what, text);
  fail_unless (g_str_has_suffix (text, "That is all."), "%s: %s", what,
      text);
  return text;
}

/* ---- the request ---- */

GST_START_TEST (test_request_on_the_wire)
{
  g_autoptr (GstStructure) extra =
      gst_structure_from_string ("params, user=(string)tester", NULL);
  Chat t = chat_new ("system", "Translate into French.", "model", "mistral",
      "temperature", 0.25, "seed", 42, "max-tokens", 200, "json-mode", TRUE,
      "extra-params", extra, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) outs = NULL;
  g_autoptr (JsonParser) reply_parser = json_parser_new ();
  g_autofree gchar *reply = NULL;
  JsonObject *body;

  push_text (&t, "Good morning.", 0, GST_SECOND);
  push_eos_and_wait (&t);

  body = request_body (&t, 0, parser);
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "mistral");
  fail_unless (json_object_get_boolean_member (body, "stream"));
  fail_unless_equals_int (message_count (body), 2);
  assert_message (body, 0, "system", "Translate into French.");
  assert_message (body, 1, "user", "Good morning.");
  fail_unless (json_object_get_double_member (body, "temperature") == 0.25);
  fail_unless_equals_int (json_object_get_int_member (body, "seed"), 42);
  fail_unless_equals_int (json_object_get_int_member (body, "max_tokens"),
      200);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (body, "response_format"), "type"),
      "json_object");
  fail_unless_equals_string (json_object_get_string_member (body, "user"),
      "tester");

  /* json-mode: the reply is a JSON object */
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 1);
  reply = pollen_test_buffer_text (outs->pdata[0]);
  fail_unless (json_parser_load_from_data (reply_parser, reply, -1, NULL),
      "%s", reply);
  chat_free (&t);
}

GST_END_TEST;

/* Unset numbers and switches stay off the wire; no system message. */
GST_START_TEST (test_request_defaults)
{
  Chat t = chat_new (NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body;

  push_text (&t, "Hello.", 0, GST_SECOND);
  push_eos_and_wait (&t);

  body = request_body (&t, 0, parser);
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "openai");
  fail_unless (json_object_get_boolean_member (body, "stream"));
  fail_unless_equals_int (message_count (body), 1);
  assert_message (body, 0, "user", "Hello.");
  fail_if (json_object_has_member (body, "temperature"));
  fail_if (json_object_has_member (body, "seed"));
  fail_if (json_object_has_member (body, "max_tokens"));
  fail_if (json_object_has_member (body, "response_format"));
  chat_free (&t);
}

GST_END_TEST;

/* history-size=2: each request carries the last two exchanges, with the
 * replies as they went out. */
GST_START_TEST (test_history_turns)
{
  const gchar *texts[] = { "One.", "Two.", "Three.", "Four." };
  Chat t = chat_new ("system", "Be brief.", "history-size", 2, NULL);
  g_autoptr (GPtrArray) outs = NULL;
  gchar *replies[4];
  guint i;

  for (i = 0; i < 4; i++)
    push_text (&t, texts[i], i * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 4);
  for (i = 0; i < 4; i++)
    replies[i] = pollen_test_buffer_text (outs->pdata[i]);

  for (i = 0; i < 4; i++) {
    g_autoptr (JsonParser) parser = json_parser_new ();
    JsonObject *body = request_body (&t, i, parser);
    guint turns = MIN (i, 2), oldest = i - turns, j;

    fail_unless_equals_int (message_count (body), 2 + 2 * turns);
    assert_message (body, 0, "system", "Be brief.");
    for (j = 0; j < turns; j++) {
      assert_message (body, 1 + 2 * j, "user", texts[oldest + j]);
      assert_message (body, 2 + 2 * j, "assistant", replies[oldest + j]);
    }
    assert_message (body, 1 + 2 * turns, "user", texts[i]);
  }
  for (i = 0; i < 4; i++)
    g_free (replies[i]);
  chat_free (&t);
}

GST_END_TEST;

static void
assert_no_history (Chat * t, guint index, const gchar * text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body = request_body (t, index, parser);

  fail_unless_equals_int (message_count (body), 1);
  assert_message (body, 0, "user", text);
}

GST_START_TEST (test_history_reset_on_flush)
{
  Chat t = chat_new ("history-size", 3, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body;

  push_text (&t, "Before.", 0, GST_SECOND);
  fail_unless (recorder_wait_buffers (t.rec, 1));
  push_text (&t, "Still before.", GST_SECOND, GST_SECOND);
  fail_unless (recorder_wait_buffers (t.rec, 2));
  body = request_body (&t, 1, parser);
  fail_unless_equals_int (message_count (body), 3);

  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_stop (TRUE)));
  push_segment (&t);
  push_text (&t, "After.", 0, GST_SECOND);
  push_eos_and_wait (&t);
  assert_no_history (&t, 2, "After.");
  chat_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_history_reset_on_stream_start)
{
  Chat t = chat_new ("history-size", 3, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *body;

  push_text (&t, "First stream.", 0, GST_SECOND);
  push_text (&t, "Still the first.", GST_SECOND, GST_SECOND);
  fail_unless (gst_harness_push_event (t.h,
          gst_event_new_stream_start ("second")));
  push_segment (&t);
  push_text (&t, "Second stream.", 0, GST_SECOND);
  push_eos_and_wait (&t);

  body = request_body (&t, 1, parser);
  fail_unless_equals_int (message_count (body), 3);
  assert_no_history (&t, 2, "Second stream.");
  fail_unless_equals_int (recorder_count_buffers (t.rec), 3);
  chat_free (&t);
}

GST_END_TEST;

/* ---- output and timing ---- */

GST_START_TEST (test_reply_carries_input_time)
{
  Chat t = chat_new (NULL);
  g_autoptr (GPtrArray) outs = NULL;
  g_autofree gchar *reply = NULL;
  g_autofree gchar *start = expected_reply_start ("Hello there.");
  GstCaps *caps;

  push_text (&t, "Hello there.", 3 * GST_SECOND, 2 * GST_SECOND);
  push_eos_and_wait (&t);

  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 1);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (outs->pdata[0]),
      3 * GST_SECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (outs->pdata[0]),
      2 * GST_SECOND);
  reply = pollen_test_buffer_text (outs->pdata[0]);
  fail_unless (g_str_has_prefix (reply, start), "%s", reply);
  fail_unless (g_str_has_suffix (reply, "That is all."), "%s", reply);

  caps = gst_pad_get_current_caps (t.h->sinkpad);
  fail_unless (caps != NULL);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "text/x-raw"));
  fail_unless_equals_string (gst_structure_get_string
      (gst_caps_get_structure (caps, 0), "format"), "utf8");
  gst_caps_unref (caps);
  chat_free (&t);
}

GST_END_TEST;

/* An SSE event carrying @content as a delta. */
static void
sse_append_delta (GString * body, const gchar * content)
{
  g_string_append_printf (body, "data: {\"choices\":[{\"index\":0,\"delta\":"
      "{\"content\":\"%s\"},\"finish_reason\":null}]}\n\n", content);
}

/* A scripted stream: "First sentence. " at once, the rest @interval_ms
 * apart. */
static PollenEmulatorResponse *
slow_stream (guint interval_ms)
{
  g_autoptr (GString) body = g_string_new (NULL);
  PollenEmulatorResponse *response;
  gsize first;

  sse_append_delta (body, "First sentence. ");
  first = body->len;
  sse_append_delta (body, "Second ");
  sse_append_delta (body, "sentence.");
  g_string_append (body, "data: {\"choices\":[{\"index\":0,\"delta\":{},"
      "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
  response = pollen_emulator_response_new (200, "text/event-stream",
      body->str, body->len);
  response->chunk_size = first;
  response->chunk_interval_ms = interval_ms;
  return response;
}

GST_START_TEST (test_first_sentence_before_stream_ends)
{
  Chat t = chat_new ("output", POLLEN_CHAT_OUTPUT_SENTENCE, NULL);
  g_autoptr (GPtrArray) outs = NULL;
  g_autofree gchar *first_text = NULL;
  g_autofree gchar *second_text = NULL;
  gint64 before;

  /* the second sentence needs two more pieces: 3 s later */
  pollen_emulator_push (t.emulator, CHAT_PATH, slow_stream (1500));
  before = g_get_monotonic_time ();
  push_text (&t, "Go.", 0, 10 * GST_SECOND);
  fail_unless (recorder_wait_buffers (t.rec, 1));
  /* the rest of the stream is still on its way */
  fail_unless_equals_int (recorder_count_buffers (t.rec), 1);
  fail_unless (ELAPSED_MS (before) < 1500, "%" G_GINT64_FORMAT " ms",
      ELAPSED_MS (before));
  GST_INFO ("first sentence out after %" G_GINT64_FORMAT " ms",
      ELAPSED_MS (before));

  push_eos_and_wait (&t);
  fail_unless (ELAPSED_MS (before) >= 3000);
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 2);
  first_text = pollen_test_buffer_text (outs->pdata[0]);
  second_text = pollen_test_buffer_text (outs->pdata[1]);
  fail_unless_equals_string (first_text, "First sentence.");
  fail_unless_equals_string (second_text, "Second sentence.");
  chat_free (&t);
}

GST_END_TEST;

/* Sentences of one input: in order, the first at its PTS, none past its
 * end, together the whole reply. */
static void
assert_sentences_in_span (GPtrArray * outs, guint from, guint to,
    GstClockTime pts, GstClockTime duration, const gchar * input)
{
  g_autoptr (GString) joined = g_string_new (NULL);
  g_autofree gchar *start = expected_reply_start (input);
  GstClockTime next = pts;
  guint i;

  fail_unless (to - from >= 4, "only %u sentences", to - from);
  for (i = from; i < to; i++) {
    GstBuffer *buffer = outs->pdata[i];
    g_autofree gchar *text = pollen_test_buffer_text (buffer);

    if (i == from)
      fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), pts);
    fail_unless (GST_BUFFER_PTS (buffer) >= next);
    fail_unless (GST_BUFFER_DURATION_IS_VALID (buffer));
    next = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);
    fail_unless (next <= pts + duration);
    fail_unless (GST_BUFFER_PTS (buffer) < pts + duration);
    g_string_append_printf (joined, "%s%s", joined->len ? " " : "", text);
  }
  fail_unless (g_str_has_prefix (joined->str, start), "%s", joined->str);
  fail_unless (g_str_has_suffix (joined->str, "That is all."));
}

GST_START_TEST (test_sentence_timing_inside_span)
{
  Chat t = chat_new ("output", POLLEN_CHAT_OUTPUT_SENTENCE, NULL);
  g_autoptr (GPtrArray) outs = NULL;
  guint i, split = 0;

  /* a long span (the estimates fit) and a short one (they do not) */
  push_text (&t, "A long span.", GST_SECOND, 30 * GST_SECOND);
  push_text (&t, "A short one.", 40 * GST_SECOND, 500 * GST_MSECOND);
  push_eos_and_wait (&t);

  outs = pollen_test_recorder_get_buffers (t.rec);
  for (i = 0; i < outs->len; i++)
    if (GST_BUFFER_PTS (outs->pdata[i]) >= 40 * GST_SECOND && !split)
      split = i;
  fail_unless (split > 0);
  assert_sentences_in_span (outs, 0, split, GST_SECOND, 30 * GST_SECOND,
      "A long span.");
  assert_sentences_in_span (outs, split, outs->len, 40 * GST_SECOND,
      500 * GST_MSECOND, "A short one.");
  chat_free (&t);
}

GST_END_TEST;

/* Without history, max-in-flight requests run at once; the replies still
 * go out in input order. */
GST_START_TEST (test_order_with_several_in_flight)
{
  const gchar *texts[] = { "Alpha.", "Bravo.", "Charlie." };
  Chat t = chat_new ("max-in-flight", 3, NULL);
  g_autoptr (GPtrArray) outs = NULL;
  g_autoptr (PollenEmulatorRequest) third = NULL;
  guint i;

  /* each answer takes a second: the third request arriving before any
   * reply went out means they run at once */
  pollen_emulator_set_generation_time (t.emulator, 1000);
  for (i = 0; i < 3; i++)
    push_text (&t, texts[i], i * GST_SECOND, GST_SECOND);
  third = pollen_emulator_wait_request (t.emulator, 2, MS (5000));
  fail_unless (third != NULL);
  fail_unless_equals_int (recorder_count_buffers (t.rec), 0);
  push_eos_and_wait (&t);

  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 3);
  for (i = 0; i < 3; i++) {
    g_autofree gchar *reply = pollen_test_buffer_text (outs->pdata[i]);
    g_autofree gchar *start = expected_reply_start (texts[i]);

    fail_unless (g_str_has_prefix (reply, start), "%s", reply);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (outs->pdata[i]),
        i * GST_SECOND);
  }
  chat_free (&t);
}

GST_END_TEST;

/* With history, a turn waits for the reply before it. */
GST_START_TEST (test_history_runs_one_at_a_time)
{
  Chat t = chat_new ("max-in-flight", 3, "history-size", 1, NULL);
  gint64 before;
  guint i;

  pollen_emulator_set_generation_time (t.emulator, 300);
  before = g_get_monotonic_time ();
  for (i = 0; i < 3; i++)
    push_text (&t, "Again.", i * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);
  fail_unless (ELAPSED_MS (before) >= 900, "%" G_GINT64_FORMAT " ms",
      ELAPSED_MS (before));
  fail_unless_equals_int (recorder_count_buffers (t.rec), 3);
  chat_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_empty_text_makes_no_request)
{
  Chat t = chat_new (NULL);
  g_autoptr (GPtrArray) outs = NULL;
  g_autoptr (GPtrArray) gaps = NULL;

  push_text (&t, "", 0, GST_SECOND);
  push_text (&t, " \n\t ", GST_SECOND, GST_SECOND);
  push_text (&t, "Real.", 2 * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 1);
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 1);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (outs->pdata[0]),
      2 * GST_SECOND);
  /* the time of the empty texts is covered */
  gaps = recorder_gaps (t.rec);
  fail_unless_equals_int (gaps->len, 2);
  assert_gap (gaps->pdata[0], 0, GST_SECOND);
  assert_gap (gaps->pdata[1], GST_SECOND, GST_SECOND);
  chat_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_markup_input)
{
  Chat t = chat_new_with_caps ("text/x-raw, format=pango-markup", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();

  push_text (&t, "<i>Fish</i> &amp; <b>chips</b>,<br/>please.", 0,
      GST_SECOND);
  push_eos_and_wait (&t);
  assert_message (request_body (&t, 0, parser), 0, "user",
      "Fish & chips, please.");
  fail_unless_equals_int (recorder_count_buffers (t.rec), 1);
  chat_free (&t);
}

GST_END_TEST;

/* ---- failures ---- */

static GstMessage *
run_until_message (Chat * t, const gchar * text, GstMessageType type)
{
  GstMessage *message;

  push_text (t, text, 0, GST_SECOND);
  message = gst_bus_timed_pop_filtered (t->bus, WAIT, type);
  fail_unless (message != NULL, "no %s message",
      gst_message_type_get_name (type));
  return message;
}

GST_START_TEST (test_http_error_is_an_error)
{
  Chat t = chat_new (NULL);
  g_autoptr (GstMessage) error = NULL;

  pollen_emulator_push (t.emulator, CHAT_PATH,
      pollen_emulator_response_new_error (500, "INTERNAL_ERROR",
          "the model fell over"));
  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_READ, 500,
      "INTERNAL_ERROR", "the model fell over");
  fail_unless (strstr (GST_MESSAGE_SRC_NAME (error), "pollenchat") != NULL);
  pollen_test_recorder_wait_eos (t.rec);
  fail_unless_equals_int (gst_harness_push (t.h, gst_buffer_new ()),
      GST_FLOW_ERROR);
  chat_free (&t);
}

GST_END_TEST;

/* A 4xx is an error even with skip-failed. */
GST_START_TEST (test_bad_request_is_an_error)
{
  Chat t = chat_new ("temperature", 1.5, "skip-failed", TRUE, NULL);
  g_autoptr (GstMessage) error = NULL;

  pollen_emulator_push (t.emulator, CHAT_PATH,
      pollen_emulator_response_new_error (400, "BAD_REQUEST",
          "temperature: too hot"));
  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "temperature: too hot");
  chat_free (&t);
}

GST_END_TEST;

/* The provider fails after the stream began (an error event inside). */
GST_START_TEST (test_stream_error_is_an_error)
{
  Chat t = chat_new ("model", "emu-stream-error", "output",
      POLLEN_CHAT_OUTPUT_SENTENCE, NULL);
  g_autoptr (GstMessage) error = NULL;
  g_autoptr (GError) gerror = NULL;
  g_autofree gchar *debug = NULL;

  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  gst_message_parse_error (error, &gerror, &debug);
  fail_unless (gerror->domain == GST_RESOURCE_ERROR);
  fail_unless (strstr (gerror->message, "failed in the middle of the reply"),
      "%s", gerror->message);
  fail_unless (strstr (gerror->message, "Hello.") != NULL, "%s",
      gerror->message);
  pollen_test_recorder_wait_eos (t.rec);
  fail_unless_equals_int (recorder_count_buffers (t.rec), 0);
  chat_free (&t);
}

GST_END_TEST;

/* skip-failed: a warning, a GAP over the failed text's span, and the
 * next text is answered. */
GST_START_TEST (test_skip_failed_gap)
{
  Chat t = chat_new ("skip-failed", TRUE, "max-in-flight", 1, NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) outs = NULL;
  g_autoptr (GPtrArray) gaps = NULL;

  pollen_emulator_push (t.emulator, CHAT_PATH,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "try later"));
  push_text (&t, "Lost.", GST_SECOND, 2 * GST_SECOND);
  push_text (&t, "Kept.", 4 * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  warning = gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "try later") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "skip-failed") != NULL);
  fail_if (gst_bus_pop_filtered (t.bus, GST_MESSAGE_ERROR));

  gaps = recorder_gaps (t.rec);
  fail_unless_equals_int (gaps->len, 1);
  assert_gap (gaps->pdata[0], GST_SECOND, 2 * GST_SECOND);
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 1);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (outs->pdata[0]),
      4 * GST_SECOND);
  chat_free (&t);
}

GST_END_TEST;

/* An in-stream failure with skip-failed: the sentences already out stay,
 * a GAP covers the rest of the span. */
GST_START_TEST (test_skip_failed_stream_error)
{
  Chat t = chat_new ("skip-failed", TRUE, "output",
      POLLEN_CHAT_OUTPUT_SENTENCE, NULL);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GPtrArray) outs = NULL;
  g_autoptr (GPtrArray) gaps = NULL;
  GstClockTime gap_pts, gap_duration;
  g_autofree gchar *text = NULL;

  sse_append_delta (body, "Made it. ");
  sse_append_delta (body, "Did not");
  g_string_append (body, "data: {\"error\":{\"message\":\"provider down\","
      "\"type\":\"server_error\",\"code\":502}}\n\n");
  pollen_emulator_push (t.emulator, CHAT_PATH,
      pollen_emulator_response_new (200, "text/event-stream", body->str,
          body->len));
  push_text (&t, "Go.", 0, 10 * GST_SECOND);
  push_eos_and_wait (&t);

  fail_unless (gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING) != NULL);
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 1);
  text = pollen_test_buffer_text (outs->pdata[0]);
  fail_unless_equals_string (text, "Made it.");
  gaps = recorder_gaps (t.rec);
  fail_unless_equals_int (gaps->len, 1);
  gst_event_parse_gap (gaps->pdata[0], &gap_pts, &gap_duration);
  fail_unless_equals_uint64 (gap_pts, GST_BUFFER_PTS (outs->pdata[0]) +
      GST_BUFFER_DURATION (outs->pdata[0]));
  fail_unless_equals_uint64 (gap_pts + gap_duration, 10 * GST_SECOND);
  chat_free (&t);
}

GST_END_TEST;

/* The server's usage_missing after a whole reply (emu-usage-missing
 * ends the stream as text/chat/usage.ts does): the reply, one warning. */
GST_START_TEST (test_usage_missing_after_whole_reply)
{
  Chat t = chat_new ("model", "emu-usage-missing", NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;

  g_free (assert_whole_reply (&t, "emu-usage-missing"));
  warning = gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "usage_missing") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "Hello.") != NULL, "%s",
      error->message);
  fail_if (gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING));
  fail_if (gst_bus_pop_filtered (t.bus, GST_MESSAGE_ERROR));
  chat_free (&t);
}

GST_END_TEST;

/* The same event before any text: an error with the server's words. */
GST_START_TEST (test_usage_missing_before_text_is_an_error)
{
  Chat t = chat_new (NULL);
  g_autoptr (GstMessage) error = NULL;

  pollen_emulator_push (t.emulator, CHAT_PATH,
      pollen_emulator_response_new (200, "text/event-stream",
          "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
          "data: {\"error\":{\"message\":\"Chat Completions provider "
          "returned invalid or omitted terminal usage\",\"type\":"
          "\"upstream_error\",\"code\":\"usage_missing\"}}\n\n", -1));
  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_READ, 502,
      "usage_missing", "omitted terminal usage");
  chat_free (&t);
}

GST_END_TEST;

/* A provider failing mid-reply (emu-finish-error: finish_reason "error"
 * and choices[].error after the first sentence): an error quoting the
 * server, and in sentence mode the sentence already out stays out. */
GST_START_TEST (test_finish_reason_error_is_an_error)
{
  Chat t = chat_new ("model", "emu-finish-error", "output",
      POLLEN_CHAT_OUTPUT_SENTENCE, NULL);
  g_autoptr (GstMessage) error = NULL;
  g_autoptr (GPtrArray) outs = NULL;
  g_autofree gchar *text = NULL;

  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_READ, 502, NULL,
      "stopped answering in the middle of the reply");
  pollen_test_recorder_wait_eos (t.rec);
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 1);
  text = pollen_test_buffer_text (outs->pdata[0]);
  fail_unless_equals_string (text, "There is no system prompt.");
  chat_free (&t);
}

GST_END_TEST;

/* Reasoning and tool-call deltas (emu-reasoning, emu-tool-calls) are no
 * part of the reply and no error. */
GST_START_TEST (test_reasoning_and_tool_calls_not_in_reply)
{
  const gchar *models[] = { "emu-reasoning", "emu-tool-calls" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (models); i++) {
    Chat t = chat_new ("model", models[i], NULL);
    g_autofree gchar *text = assert_whole_reply (&t, models[i]);

    fail_if (strstr (text, "The user wants") != NULL, "%s", text);
    fail_if (strstr (text, "Keep it short") != NULL, "%s", text);
    fail_if (strstr (text, "lookup") != NULL, "%s", text);
    fail_unless_equals_int (pollen_test_count_messages (t.bus,
            GST_MESSAGE_WARNING | GST_MESSAGE_ERROR), 0);
    chat_free (&t);
  }
}

GST_END_TEST;

GST_START_TEST (test_empty_stream_is_an_error)
{
  Chat t = chat_new ("model", "emu-empty-stream", NULL);
  g_autoptr (GstMessage) error = NULL;

  g_autoptr (GError) gerror = NULL;

  error = run_until_message (&t, "Hello.", GST_MESSAGE_ERROR);
  gst_message_parse_error (error, &gerror, NULL);
  fail_unless (g_error_matches (gerror, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_FAILED), "%s", gerror->message);
  pollen_test_recorder_wait_eos (t.rec);
  fail_unless_equals_int (recorder_count_buffers (t.rec), 0);
  chat_free (&t);
}

GST_END_TEST;

/* A server that answers one JSON completion although streaming was asked:
 * the sentences still come, at the input's time. */
GST_START_TEST (test_json_answer_to_stream_request)
{
  Chat t = chat_new ("model", "emu-json-only", "output",
      POLLEN_CHAT_OUTPUT_SENTENCE, NULL);
  g_autoptr (GPtrArray) outs = NULL;

  push_text (&t, "Whole.", 2 * GST_SECOND, 20 * GST_SECOND);
  push_eos_and_wait (&t);
  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless (outs->len >= 4);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (outs->pdata[0]), 2 * GST_SECOND);
  chat_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_state_change_during_hung_request)
{
  Chat t = chat_new (NULL);
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  gint64 before;

  hang->hang = TRUE;
  pollen_emulator_push (t.emulator, CHAT_PATH, hang);
  push_text (&t, "Never answered.", 0, GST_SECOND);
  request = pollen_emulator_wait_request (t.emulator, 0, MS (2000));
  fail_unless (request != NULL);

  before = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (t.element, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (ELAPSED_MS (before) < MS (1000));
  chat_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_untimed_text_one_error)
{
  Chat t = chat_new (NULL);

  pollen_test_assert_untimed_refused (&t, gst_buffer_new_memdup ("Hi.", 3),
      "subparse");
  chat_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_latency_before_data)
{
  pollen_test_assert_latency_before_data ("pollenchat", 700,
      700 * GST_MSECOND);
}

GST_END_TEST;

/* ---- live: late replies ---- */

/* A whole reply of @text, held @delay_ms before it is sent. */
static PollenEmulatorResponse *
held_reply (const gchar * text, guint delay_ms)
{
  g_autoptr (GString) body = g_string_new (NULL);
  PollenEmulatorResponse *response;

  sse_append_delta (body, text);
  g_string_append (body, "data: {\"choices\":[{\"index\":0,\"delta\":{},"
      "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
  response = pollen_emulator_response_new (200, "text/event-stream",
      body->str, body->len);
  response->delay_ms = delay_ms;
  return response;
}

static gpointer
push_three_texts (gpointer user_data)
{
  Chat *t = user_data;
  guint i;

  for (i = 0; i < 3; i++)
    push_text (t, "Slow.", i * 3 * GST_SECOND, GST_SECOND);
  return NULL;
}

/* Texts at 0, 3 and 6 s, each for 1 s, pushed one at a time; request i
 * answered when the clock says @answer_at[i]: the emulator holds each
 * answer 300 ms while the test moves the clock on. */
static void
answer_three_by_the_clock (Chat * t, const GstClockTime * answer_at)
{
  GstClock *clock = gst_element_get_clock (t->element);
  GThread *pusher;
  guint i;

  for (i = 0; i < 3; i++)
    pollen_emulator_push (t->emulator, CHAT_PATH, held_reply ("Slow.",
            MS (300)));
  pusher = g_thread_new ("push", push_three_texts, t);
  for (i = 0; i < 3; i++) {
    pollen_emulator_request_unref (pollen_emulator_wait_request (t->emulator,
            i, MS (5000)));
    gst_test_clock_set_time (GST_TEST_CLOCK (clock), answer_at[i]);
  }
  g_thread_join (pusher);
  push_eos_and_wait (t);
  gst_object_unref (clock);
}

/* Live, latency=500, one request at a time: texts at 0, 3 and 6 s, each
 * answered 3 s after its request by the clock. The first two replies come
 * 2.5 s after their deadline and go out that much later, with a warning;
 * so does the third, judged by the latency the pipeline still runs with
 * (its sink renders it before the application takes the new one), and
 * its slow answer, the third in a row, then raises latency to 3500 ms (the
 * slowest and 500 ms more), with a warning and a LATENCY message. The
 * next run starts from 500 ms again. */
GST_START_TEST (test_live_late_reply_shifted_and_latency_follows)
{
  Chat t = pollen_test_harness_new ("pollenchat", "text/x-raw, format=utf8",
      "latency", 500, "max-in-flight", 1, NULL);
  const GstClockTime answer_at[] = { 3 * GST_SECOND, 6 * GST_SECOND,
    9 * GST_SECOND
  };
  const GstClockTime shifted[] = { 2500 * GST_MSECOND, 5500 * GST_MSECOND,
    8500 * GST_MSECOND
  };
  g_autoptr (GPtrArray) outs = NULL;
  g_autofree gchar *warnings = NULL;
  guint i, latency, latency_messages = 0;

  answer_three_by_the_clock (&t, answer_at);

  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 3);
  for (i = 0; i < 3; i++)
    fail_unless_equals_uint64 (GST_BUFFER_PTS (outs->pdata[i]), shifted[i]);
  g_object_get (t.element, "latency", &latency, NULL);
  fail_unless_equals_int (latency, 3500);
  warnings = pollen_test_pop_warnings (t.bus, &latency_messages);
  fail_unless_equals_int (latency_messages, 1);
  fail_unless (strstr (warnings, "the server answered 2500 ms after the "
          "deadline, so the output was shifted that much later") != NULL,
      "%s", warnings);
  fail_unless (strstr (warnings, "The server took up to 3000 ms for each of "
          "the last 3 requests, longer than latency (500 ms): latency raised "
          "to 3500 ms (max-latency 10000 ms)") != NULL, "%s", warnings);
  /* the next run starts from the latency set */
  gst_element_set_state (t.element, GST_STATE_NULL);
  gst_element_set_state (t.element, GST_STATE_PAUSED);
  g_object_get (t.element, "latency", &latency, NULL);
  fail_unless_equals_int (latency, 500);
  chat_free (&t);
}

GST_END_TEST;

/* Live, latency=500, one request at a time: a text at 0 s for 2 s whose
 * reply comes when the clock is at 2 s, 1.5 s after its deadline, goes
 * out at 1.5 s for its 2 s; the text after it, at 2 s, answered at once
 * (in time for its own deadline), must not start inside that shifted
 * reply: it starts where that one ends. */
GST_START_TEST (test_live_late_reply_does_not_overlap_the_next)
{
  Chat t = pollen_test_harness_new ("pollenchat", "text/x-raw, format=utf8",
      "latency", 500, "max-in-flight", 1, NULL);
  GstClock *clock = gst_element_get_clock (t.element);
  g_autoptr (GPtrArray) outs = NULL;
  GstBuffer *earlier, *later;

  pollen_emulator_push (t.emulator, CHAT_PATH, held_reply ("Late.",
          MS (300)));
  pollen_emulator_push (t.emulator, CHAT_PATH, held_reply ("On time.", 0));
  push_text (&t, "Slow.", 0, 2 * GST_SECOND);
  pollen_emulator_request_unref (pollen_emulator_wait_request (t.emulator,
          0, MS (5000)));
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 2 * GST_SECOND);
  push_text (&t, "Quick.", 2 * GST_SECOND, GST_SECOND);
  push_eos_and_wait (&t);

  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 2);
  earlier = outs->pdata[0];
  later = outs->pdata[1];
  fail_unless_equals_uint64 (GST_BUFFER_PTS (earlier), 1500 * GST_MSECOND);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (earlier), 2 * GST_SECOND);
  fail_unless (GST_BUFFER_PTS (later) >= GST_BUFFER_PTS (earlier) +
      GST_BUFFER_DURATION (earlier), "the reply at %" GST_TIME_FORMAT
      " starts inside the one before, at %" GST_TIME_FORMAT " for %"
      GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS (later)),
      GST_TIME_ARGS (GST_BUFFER_PTS (earlier)),
      GST_TIME_ARGS (GST_BUFFER_DURATION (earlier)));
  gst_object_unref (clock);
  chat_free (&t);
}

GST_END_TEST;

/* The same slow server (each answer 3 s after its request), but in a
 * pipeline whose latency is 3 s (what the elements before left): every
 * reply is in time, keeps its place, and latency stays 500, with no
 * warning. */
GST_START_TEST (test_live_slow_answers_in_time_keep_the_latency)
{
  Chat t = pollen_test_harness_new ("pollenchat", "text/x-raw, format=utf8",
      "latency", 500, "max-in-flight", 1, NULL);
  const GstClockTime answer_at[] = { 2 * GST_SECOND, 5 * GST_SECOND,
    8 * GST_SECOND
  };
  g_autoptr (GPtrArray) outs = NULL;
  g_autofree gchar *warnings = NULL;
  guint i, latency, latency_messages = 0;

  fail_unless (gst_harness_push_upstream_event (t.h,
          gst_event_new_latency (3 * GST_SECOND)));
  answer_three_by_the_clock (&t, answer_at);

  outs = pollen_test_recorder_get_buffers (t.rec);
  fail_unless_equals_int (outs->len, 3);
  for (i = 0; i < 3; i++)
    fail_unless_equals_uint64 (GST_BUFFER_PTS (outs->pdata[i]),
        i * 3 * GST_SECOND);
  g_object_get (t.element, "latency", &latency, NULL);
  fail_unless_equals_int (latency, 500);
  warnings = pollen_test_pop_warnings (t.bus, &latency_messages);
  fail_unless_equals_int (latency_messages, 0);
  fail_unless_equals_string (warnings, "");
  chat_free (&t);
}

GST_END_TEST;

static Suite *
pollenchat_suite (void)
{
  Suite *s = suite_create ("pollenchat");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request_on_the_wire);
  tcase_add_test (tc, test_request_defaults);
  tcase_add_test (tc, test_history_turns);
  tcase_add_test (tc, test_history_reset_on_flush);
  tcase_add_test (tc, test_history_reset_on_stream_start);
  tcase_add_test (tc, test_reply_carries_input_time);
  tcase_add_test (tc, test_first_sentence_before_stream_ends);
  tcase_add_test (tc, test_sentence_timing_inside_span);
  tcase_add_test (tc, test_order_with_several_in_flight);
  tcase_add_test (tc, test_history_runs_one_at_a_time);
  tcase_add_test (tc, test_empty_text_makes_no_request);
  tcase_add_test (tc, test_markup_input);
  tcase_add_test (tc, test_http_error_is_an_error);
  tcase_add_test (tc, test_bad_request_is_an_error);
  tcase_add_test (tc, test_stream_error_is_an_error);
  tcase_add_test (tc, test_skip_failed_gap);
  tcase_add_test (tc, test_skip_failed_stream_error);
  tcase_add_test (tc, test_empty_stream_is_an_error);
  tcase_add_test (tc, test_usage_missing_after_whole_reply);
  tcase_add_test (tc, test_usage_missing_before_text_is_an_error);
  tcase_add_test (tc, test_finish_reason_error_is_an_error);
  tcase_add_test (tc, test_reasoning_and_tool_calls_not_in_reply);
  tcase_add_test (tc, test_json_answer_to_stream_request);
  tcase_add_test (tc, test_state_change_during_hung_request);
  tcase_add_test (tc, test_untimed_text_one_error);
  tcase_add_test (tc, test_latency_before_data);
  tcase_add_test (tc, test_live_late_reply_shifted_and_latency_follows);
  tcase_add_test (tc, test_live_late_reply_does_not_overlap_the_next);
  tcase_add_test (tc, test_live_slow_answers_in_time_keep_the_latency);
  return s;
}

GST_CHECK_MAIN (pollenchat);
