/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Answers a real HTTP server can give that the fault matrix (faults.c)
 * does not: odd but valid event streams and chat completions for
 * pollenchat and pollenvision, a server that sends its head and then
 * stalls, status codes without a body or a Location, and errors that echo
 * the key back. Each case is what a user should observe. */

#include "pollentest.h"
#include "pollensse.h"

#include <stdlib.h>
#include <string.h>

#define CHAT_PATH "/v1/chat/completions"
#define WAIT POLLEN_TEST_WAIT
#define ELAPSED_MS(since) ((g_get_monotonic_time () - (since)) / 1000)

/* ---- pollenchat ---- */

static PollenTestHarness
chat_new (const gchar * first_property, ...)
{
  PollenTestHarness t;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("pollenchat",
      "text/x-raw, format=utf8", FALSE, first_property, args);
  va_end (args);
  return t;
}

static void
push_text (PollenTestHarness * t, const gchar * text)
{
  GstBuffer *buffer = gst_buffer_new_memdup (text, strlen (text));

  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) = GST_SECOND;
  fail_unless_equals_int (gst_harness_push (t->h, buffer), GST_FLOW_OK);
}

/* All text buffers that came out, joined with "|". */
static gchar *
recorded_text (PollenTestRecorder * rec)
{
  GString *out = g_string_new (NULL);
  guint i;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++) {
    GstMapInfo map;

    if (!GST_IS_BUFFER (rec->items->pdata[i]))
      continue;
    fail_unless (gst_buffer_map (rec->items->pdata[i], &map, GST_MAP_READ));
    g_string_append_printf (out, "%s%.*s", out->len ? "|" : "",
        (gint) map.size, (const gchar *) map.data);
    gst_buffer_unmap (rec->items->pdata[i], &map);
  }
  g_mutex_unlock (&rec->lock);
  return g_string_free (out, FALSE);
}

/* pollenchat's whole reply to "Hi." when the server answers @response. */
static gchar *
chat_reply (PollenEmulatorResponse * response)
{
  PollenTestHarness t = chat_new (NULL);
  gchar *text;

  pollen_emulator_push (t.emulator, CHAT_PATH, response);
  push_text (&t, "Hi.");
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  fail_unless_equals_int (pollen_test_count_messages (t.bus,
          GST_MESSAGE_ERROR), 0);
  text = recorded_text (t.rec);
  pollen_test_harness_free (&t);
  return text;
}

/* The error pollenchat posts when the server answers @response. */
static GstMessage *
chat_error (PollenEmulatorResponse * response, const gchar * first_property,
    ...)
{
  PollenTestHarness t;
  GstMessage *message;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("pollenchat",
      "text/x-raw, format=utf8", FALSE, first_property, args);
  va_end (args);
  pollen_emulator_push (t.emulator, CHAT_PATH, response);
  push_text (&t, "Hi.");
  message = gst_bus_timed_pop_filtered (t.bus, WAIT, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error");
  pollen_test_harness_free (&t);
  return message;
}

static PollenEmulatorResponse *
sse (const gchar * body)
{
  return pollen_emulator_response_new (200, "text/event-stream", body, -1);
}

static gchar *
error_text (GstMessage * message)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;

  gst_message_parse_error (message, &error, &debug);
  return g_strdup_printf ("%s\n%s", error->message, debug ? debug : "");
}

/* CR-only line ends, "data:" without its space, comments between. */
GST_START_TEST (test_chat_sse_cr_only_no_space_comments)
{
  g_autofree gchar *text =
      chat_reply (sse (": hello\r" "data:{\"choices\":[{\"delta\":"
          "{\"content\":\"One \"}}]}\r\r" ":keep-alive\r\r"
          "data:{\"choices\":[{\"delta\":{\"content\":\"two.\"}}]}\r\r"
          "data:[DONE]\r\r"));

  fail_unless_equals_string (text, "One two.");
}

GST_END_TEST;

/* A byte order mark before the first line (the spec drops it), in a
 * chunk of its own. */
GST_START_TEST (test_chat_sse_leading_bom)
{
  PollenEmulatorResponse *r = sse ("\xef\xbb\xbf" "data: {\"choices\":"
      "[{\"delta\":{\"content\":\"One \"}}]}\n\n" "data: {\"choices\":"
      "[{\"delta\":{\"content\":\"two.\"}}]}\n\n" "data: [DONE]\n\n");
  g_autofree gchar *text = NULL;

  r->chunk_size = 2;
  text = chat_reply (r);
  fail_unless_equals_string (text, "One two.");
}

GST_END_TEST;

/* Every event in its own chunk of one byte, a UTF-8 character split. */
GST_START_TEST (test_chat_sse_one_byte_chunks)
{
  PollenEmulatorResponse *r = sse ("data: {\"choices\":[{\"delta\":"
      "{\"content\":\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x9e.\"}}]}\r\n\r\n"
      "data: [DONE]\r\n\r\n");
  g_autofree gchar *text = NULL;

  r->chunk_size = 1;
  text = chat_reply (r);
  fail_unless_equals_string (text, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x9e.");
}

GST_END_TEST;

/* A stream with text that ends without [DONE] nor finish_reason was cut
 * off: an error that says so, not a reply that passes for whole. */
GST_START_TEST (test_chat_sse_no_done)
{
  g_autoptr (GstMessage) message =
      chat_error (sse ("data: {\"choices\":[{\"delta\":"
          "{\"content\":\"Cut here\"}}]}\n\n"), NULL);
  g_autofree gchar *text = error_text (message);

  fail_unless (strstr (text, "rest of the reply is lost") != NULL, "%s",
      text);
  fail_unless (strstr (text, "after 8 characters") != NULL, "%s", text);
}

GST_END_TEST;

#define REPLY_CHUNKS \
  "data: {\"choices\":[{\"delta\":{\"content\":\"Whole \"}}]}\n\n" \
  "data: {\"choices\":[{\"delta\":{\"content\":\"reply.\"}," \
  "\"finish_reason\":\"stop\"}]}\n\n"

/* The reply, [DONE], then only keep-alives on a connection that stays
 * open: the reply ends at [DONE], at once, deadline or not. */
GST_START_TEST (test_chat_sse_done_then_keep_alives)
{
  const gchar *deadlines[] = { "0", "3" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (deadlines); i++) {
    PollenTestHarness t = chat_new ("deadline", atoi (deadlines[i]),
        "timeout", 30, NULL);
    PollenEmulatorResponse *r = sse (REPLY_CHUNKS "data: [DONE]\n\n");
    g_autofree gchar *text = NULL;
    gint64 before = g_get_monotonic_time ();

    r->keep_alive_ms = 100;
    pollen_emulator_push (t.emulator, CHAT_PATH, r);
    push_text (&t, "Hi.");
    fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
    pollen_test_recorder_wait_eos (t.rec);
    fail_unless (ELAPSED_MS (before) < POLLEN_TEST_MS (2500),
        "deadline %s: %" G_GINT64_FORMAT " ms", deadlines[i],
        ELAPSED_MS (before));
    fail_unless_equals_int (pollen_test_count_messages (t.bus,
            GST_MESSAGE_ERROR), 0);
    text = recorded_text (t.rec);
    fail_unless_equals_string (text, "Whole reply.");
    pollen_test_harness_free (&t);
  }
}

GST_END_TEST;

/* An open stream holds the account's one generation slot: once [DONE]
 * came, the reply is over and the slot free for the next request. */
GST_START_TEST (test_chat_sse_done_frees_the_slot)
{
  PollenTestHarness t = chat_new ("max-in-flight", 2, "timeout", 4, NULL);
  PollenEmulatorResponse *r = sse (REPLY_CHUNKS "data: [DONE]\n\n");
  g_autofree gchar *text = NULL;

  pollen_emulator_set_free_account (t.emulator, TRUE);
  r->keep_alive_ms = 100;
  pollen_emulator_push (t.emulator, CHAT_PATH, r);
  push_text (&t, "First.");
  pollen_emulator_request_unref (pollen_emulator_wait_request (t.emulator, 0,
          POLLEN_TEST_MS (5000)));
  push_text (&t, "Second.");
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  fail_unless_equals_int (pollen_test_count_messages (t.bus,
          GST_MESSAGE_ERROR), 0);
  text = recorded_text (t.rec);
  fail_unless (g_str_has_prefix (text, "Whole reply.|"), "%s", text);
  fail_unless (strstr (text, "You said: \"Second.\"") != NULL, "%s", text);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* Keep-alives are no answer: a stream of nothing else times out. */
GST_START_TEST (test_chat_sse_keep_alives_only_time_out)
{
  PollenEmulatorResponse *r = sse ("data: {\"choices\":[{\"delta\":"
      "{\"role\":\"assistant\"}}]}\n\n");
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;
  gint64 before = g_get_monotonic_time ();

  r->keep_alive_ms = 200;
  message = chat_error (r, "timeout", 1, NULL);
  text = error_text (message);
  fail_unless (ELAPSED_MS (before) < POLLEN_TEST_MS (6000));
  fail_unless (strstr (text, "keep-alives") != NULL, "%s", text);
}

GST_END_TEST;

/* A whole reply (it said how it finished) whose stream then stalls in
 * keep-alives without [DONE]: kept, with a warning, when the timeout and
 * the deadline end the wait. */
GST_START_TEST (test_chat_sse_whole_reply_then_stall_kept)
{
  const gchar *limits[] = { "timeout", "deadline" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (limits); i++) {
    PollenTestHarness t = chat_new (limits[i], 2, NULL);
    PollenEmulatorResponse *r = sse (REPLY_CHUNKS);
    g_autoptr (GstMessage) warning = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree gchar *text = NULL;

    r->keep_alive_ms = 100;
    pollen_emulator_push (t.emulator, CHAT_PATH, r);
    push_text (&t, "Hi.");
    fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
    pollen_test_recorder_wait_eos (t.rec);
    text = recorded_text (t.rec);
    fail_unless_equals_string (text, "Whole reply.");
    warning = gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING);
    fail_unless (warning != NULL, "%s: no warning", limits[i]);
    gst_message_parse_warning (warning, &error, NULL);
    fail_unless (strstr (error->message, "reply is complete") != NULL, "%s",
        error->message);
    fail_unless_equals_int (pollen_test_count_messages (t.bus,
            GST_MESSAGE_ERROR), 0);
    pollen_test_harness_free (&t);
  }
}

GST_END_TEST;

/* An event stream sent with another Content-Type: the bytes tell. */
GST_START_TEST (test_chat_sse_wrong_content_type)
{
  g_autofree gchar *text =
      chat_reply (pollen_emulator_response_new (200, "application/json",
          REPLY_CHUNKS "data: [DONE]\n\n", -1));

  fail_unless_equals_string (text, "Whole reply.");
}

GST_END_TEST;

/* A chunk that is no JSON among good ones: the reply goes out, and a
 * warning says what is missing from it (quoting it, without the key). */
GST_START_TEST (test_chat_sse_broken_chunk_is_said)
{
  PollenTestHarness t = chat_new (NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;

  pollen_emulator_push (t.emulator, CHAT_PATH,
      sse ("data: {\"choices\":[{\"delta\":{\"content\":\"Kept \"}}]}\n\n"
          "data: {\"choices\":[{\"delta\":{\"content\":\"lost "
          POLLEN_TEST_KEY "\"}]}\n\n"
          "data: {\"choices\":[{\"delta\":{\"content\":\"end.\"},"
          "\"finish_reason\":\"stop\"}]}\n\n" "data: [DONE]\n\n"));
  push_text (&t, "Hi.");
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  text = recorded_text (t.rec);
  fail_unless_equals_string (text, "Kept end.");
  warning = gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "could not be read") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "lost [REDACTED]") != NULL, "%s",
      error->message);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* content: null and choices: [] chunks among the text. */
GST_START_TEST (test_chat_sse_null_and_empty_choices)
{
  g_autofree gchar *text =
      chat_reply (sse ("data: {\"choices\":[]}\n\n"
          "data: {\"choices\":[{\"delta\":{\"content\":null}}]}\n\n"
          "data: {\"choices\":[{\"delta\":{\"content\":\"Yes.\"}}]}\n\n"
          "data: {\"choices\":null}\n\n" "data: [DONE]\n\n"));

  fail_unless_equals_string (text, "Yes.");
}

GST_END_TEST;

/* A whole JSON completion whose content is an array of parts. */
GST_START_TEST (test_chat_json_content_parts)
{
  g_autofree gchar *text = chat_reply (pollen_emulator_response_new_json (200,
          "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
          "[{\"type\":\"text\",\"text\":\"Part one. \"},{\"type\":"
          "\"image_url\",\"image_url\":{\"url\":\"x\"}},{\"type\":\"text\","
          "\"text\":\"Part two.\"}]},\"finish_reason\":\"stop\"}]}"));

  fail_unless_equals_string (text, "Part one. Part two.");
}

GST_END_TEST;

/* The same in streamed deltas. */
GST_START_TEST (test_chat_sse_content_parts)
{
  g_autofree gchar *text =
      chat_reply (sse ("data: {\"choices\":[{\"delta\":{\"content\":"
          "[{\"type\":\"text\",\"text\":\"In parts.\"}]}}]}\n\n"
          "data: [DONE]\n\n"));

  fail_unless_equals_string (text, "In parts.");
}

GST_END_TEST;

/* "event: error" with a plain-text message: the server's words, not "no
 * text". */
GST_START_TEST (test_chat_sse_error_event_plain_text)
{
  g_autoptr (GstMessage) message =
      chat_error (sse ("event: error\ndata: upstream provider timed out\n\n"),
      NULL);
  g_autofree gchar *text = error_text (message);

  fail_unless (strstr (text, "upstream provider timed out") != NULL, "%s",
      text);
}

GST_END_TEST;

/* An error inside the stream that echoes the key: the key stays out of
 * the message. */
GST_START_TEST (test_chat_sse_error_echoes_key)
{
  g_autoptr (GstMessage) message =
      chat_error (sse ("data: {\"choices\":[{\"delta\":{\"content\":\"A\"}}]}"
          "\n\ndata: {\"error\":{\"message\":\"key " POLLEN_TEST_KEY
          " over budget\",\"code\":402}}\n\n"), NULL);
  g_autofree gchar *text = error_text (message);

  fail_unless (strstr (text, "over budget") != NULL, "%s", text);
  fail_if (strstr (text, POLLEN_TEST_KEY) != NULL, "%s", text);
}

GST_END_TEST;

/* The same in a whole JSON answer with a 200. */
GST_START_TEST (test_chat_json_error_echoes_key)
{
  g_autoptr (GstMessage) message =
      chat_error (pollen_emulator_response_new_json (200,
          "{\"error\":{\"message\":\"Bearer " POLLEN_TEST_KEY
          " rejected\",\"code\":401}}"), NULL);
  g_autofree gchar *text = error_text (message);

  fail_unless (strstr (text, "rejected") != NULL, "%s", text);
  fail_if (strstr (text, POLLEN_TEST_KEY) != NULL, "%s", text);
}

GST_END_TEST;

/* One endless line without a newline: an error, and soon. */
GST_START_TEST (test_chat_sse_endless_line)
{
  g_autofree gchar *big = g_strnfill (POLLEN_SSE_MAX_EVENT + 4096, 'x');
  g_autofree gchar *body = g_strconcat ("data: ", big, NULL);
  PollenEmulatorResponse *r = sse (body);
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;

  r->chunk_size = 65536;
  message = chat_error (r, NULL);
  text = error_text (message);
  fail_unless (strstr (text, "bytes") != NULL, "%s", text);
}

GST_END_TEST;

/* The head, a first event, then nothing: timeout ends it. */
GST_START_TEST (test_chat_stall_after_head)
{
  static const gchar first[] =
      "data: {\"choices\":[{\"delta\":{\"content\":\"Wait\"}}]}\n\n";
  g_autofree gchar *body = g_strconcat (first, first, NULL);
  PollenEmulatorResponse *r = sse (body);
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;
  gint64 before = g_get_monotonic_time ();

  r->chunk_size = strlen (first);
  r->chunk_interval_ms = 60000;
  message = chat_error (r, "timeout", 1, NULL);
  text = error_text (message);
  fail_unless (ELAPSED_MS (before) < POLLEN_TEST_MS (6000));
  fail_unless (strstr (text, "timed out") != NULL, "%s", text);
}

GST_END_TEST;

/* Content-Length larger than the stream, then the connection closes. */
GST_START_TEST (test_chat_sse_content_length_long)
{
  PollenEmulatorResponse *r =
      sse ("data: {\"choices\":[{\"delta\":{\"content\":\"Partial.\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"Rest.\"}}]}\n\n");
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;

  r->drop_after = 50;
  message = chat_error (r, NULL);
  text = error_text (message);
  fail_unless (strstr (text, "connection") != NULL, "%s", text);
}

GST_END_TEST;

/* 204 No Content and a 3xx without Location name their status. */
GST_START_TEST (test_chat_no_content_and_bare_redirect)
{
  guint statuses[] = { 204, 205, 302 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    g_autoptr (GstMessage) message =
        chat_error (pollen_emulator_response_new (statuses[i], NULL, NULL, 0),
        NULL);
    g_autofree gchar *text = error_text (message);
    g_autofree gchar *status = g_strdup_printf ("%u", statuses[i]);

    fail_unless (strstr (text, status) != NULL, "%s", text);
  }
}

GST_END_TEST;

/* A proxy's page with a 200 where the completion should be: the error
 * shows what came. */
GST_START_TEST (test_chat_html_200)
{
  g_autoptr (GstMessage) message =
      chat_error (pollen_emulator_response_new (200, "text/html",
          "<!DOCTYPE html><html>Cloudflare says hello</html>", -1), NULL);
  g_autofree gchar *text = error_text (message);

  fail_unless (strstr (text, "<!DOCTYPE html>") != NULL, "%s", text);
}

GST_END_TEST;

/* One generation at a time: the chat waits its turn, even with
 * retries=0. */
GST_START_TEST (test_chat_concurrency_429_waits)
{
  PollenEmulatorResponse *busy = pollen_emulator_response_new (429,
      "application/json", "{\"error\":\"concurrency_limit_exceeded\","
      "\"message\":\"one at a time\"}", -1);
  PollenTestHarness t = chat_new (NULL);
  g_autofree gchar *text = NULL;

  pollen_emulator_response_add_header (busy, "Retry-After", "1");
  pollen_emulator_push (t.emulator, CHAT_PATH, busy);
  pollen_emulator_push (t.emulator, CHAT_PATH,
      sse ("data: {\"choices\":[{\"delta\":{\"content\":\"Served.\"}}]}"
          "\n\ndata: [DONE]\n\n"));
  push_text (&t, "Hi.");
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  fail_unless_equals_int (pollen_test_count_messages (t.bus,
          GST_MESSAGE_ERROR), 0);
  text = recorded_text (t.rec);
  fail_unless_equals_string (text, "Served.");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- pollenvision ---- */

#define VISION_CAPS "video/x-raw, format=RGB, width=64, height=48, " \
    "framerate=25/1, pixel-aspect-ratio=1/1"

static PollenTestHarness
vision_run (PollenEmulatorResponse * response, const gchar * first_property,
    ...)
{
  PollenTestHarness t;
  GstSegment segment;
  GstBuffer *frame;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("pollenvision", VISION_CAPS, FALSE,
      first_property, args);
  va_end (args);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_segment (&segment)));
  pollen_emulator_push (t.emulator, CHAT_PATH, response);
  frame = gst_buffer_new_allocate (NULL, 64 * 48 * 3, NULL);
  gst_buffer_memset (frame, 0, 0x80, 64 * 48 * 3);
  GST_BUFFER_PTS (frame) = 0;
  GST_BUFFER_DURATION (frame) = 40 * GST_MSECOND;
  fail_unless_equals_int (gst_harness_push (t.h, frame), GST_FLOW_OK);
  return t;
}

GST_START_TEST (test_vision_content_parts)
{
  PollenTestHarness t = vision_run (pollen_emulator_response_new_json (200,
          "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\","
          "\"text\":\"A grey wall.\"}]}}]}"), NULL);
  g_autofree gchar *text = NULL;

  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  fail_unless_equals_int (pollen_test_count_messages (t.bus,
          GST_MESSAGE_ERROR), 0);
  text = recorded_text (t.rec);
  fail_unless_equals_string (text, "A grey wall.");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_vision_stall_after_head)
{
  static const gchar body[] = "{\"choices\":[{\"message\":{\"content\":"
      "\"Never finished.\"}}]}";
  PollenEmulatorResponse *r = pollen_emulator_response_new_json (200, body);
  PollenTestHarness t;
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;
  gint64 before = g_get_monotonic_time ();

  r->chunk_size = 10;
  r->chunk_interval_ms = 60000;
  t = vision_run (r, "timeout", 1, NULL);
  message = gst_bus_timed_pop_filtered (t.bus, WAIT, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  text = error_text (message);
  fail_unless (ELAPSED_MS (before) < POLLEN_TEST_MS (6000));
  fail_unless (strstr (text, "timed out") != NULL, "%s", text);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- pollensrc ---- */

static GstMessage *
src_run (PollenEmulator * emulator, guint timeout)
{
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = pollen_test_element_new ("pollensrc", emulator);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstMessage *message;

  g_object_set (src, "prompt", "a cat", "timeout", timeout, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  message = pollen_test_run (pipeline, 20 * GST_SECOND);
  gst_object_unref (pipeline);
  return message;
}

GST_START_TEST (test_src_no_content_and_bare_redirect)
{
  guint statuses[] = { 204, 205, 302, 303, 304 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    PollenEmulator *emulator = pollen_test_emulator_new ();
    g_autoptr (GstMessage) message = NULL;
    g_autofree gchar *text = NULL;
    g_autofree gchar *status = g_strdup_printf ("%u", statuses[i]);

    pollen_emulator_push (emulator, "/image/",
        pollen_emulator_response_new (statuses[i], NULL, NULL, 0));
    message = src_run (emulator, 10);
    fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_ERROR);
    text = error_text (message);
    fail_unless (strstr (text, status) != NULL, "%s", text);
    pollen_emulator_free (emulator);
  }
}

GST_END_TEST;

GST_START_TEST (test_src_stall_after_head)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  PollenEmulatorResponse *r = pollen_emulator_response_new (200, "image/png",
      "\x89PNG\r\n\x1a\n0123456789abcdef0123456789", 34);
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;
  gint64 before = g_get_monotonic_time ();

  r->chunk_size = 10;
  r->chunk_interval_ms = 60000;
  pollen_emulator_push (emulator, "/image/", r);
  message = src_run (emulator, 1);
  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_ERROR);
  text = error_text (message);
  fail_unless (ELAPSED_MS (before) < POLLEN_TEST_MS (6000));
  fail_unless (strstr (text, "timed out") != NULL, "%s", text);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A media type with parameters is still an event stream. */
GST_START_TEST (test_chat_sse_content_type_parameters)
{
  g_autofree gchar *text = chat_reply (pollen_emulator_response_new (200,
          "text/event-stream; charset=utf-8",
          "data: {\"choices\":[{\"delta\":{\"content\":\"Typed.\"}}]}\n\n"
          "data: [DONE]\n\n", -1));

  fail_unless_equals_string (text, "Typed.");
}

GST_END_TEST;

/* ---- pollentts ---- */

#define TTS_PATH "/v1/audio/speech"

static GstMessage *
tts_error (PollenEmulatorResponse * response, guint timeout)
{
  PollenTestHarness t = pollen_test_harness_new ("pollentts",
      "text/x-raw, format=utf8", "timeout", timeout, NULL);
  GstMessage *message;

  pollen_emulator_push (t.emulator, TTS_PATH, response);
  push_text (&t, "Hello.");
  message = gst_bus_timed_pop_filtered (t.bus, WAIT, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error");
  pollen_test_harness_free (&t);
  return message;
}

/* An error object with a 200: the server's message, not "not audio". */
GST_START_TEST (test_tts_json_error_200)
{
  g_autoptr (GstMessage) message =
      tts_error (pollen_emulator_response_new_json (200,
          "{\"error\":{\"message\":\"Voice nova is not available to "
          POLLEN_TEST_KEY "\",\"code\":\"BAD_VOICE\"}}"), 10);
  g_autofree gchar *text = error_text (message);

  fail_unless (strstr (text, "Voice nova is not available") != NULL, "%s",
      text);
  fail_if (strstr (text, POLLEN_TEST_KEY) != NULL, "%s", text);
}

GST_END_TEST;

GST_START_TEST (test_tts_stall_after_head)
{
  PollenEmulatorResponse *r = pollen_emulator_response_new (200, "audio/mpeg",
      "\xff\xfb\x90\x00 0123456789abcdef0123456789abcdef", 37);
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;
  gint64 before = g_get_monotonic_time ();

  r->chunk_size = 8;
  r->chunk_interval_ms = 60000;
  message = tts_error (r, 1);
  text = error_text (message);
  fail_unless (ELAPSED_MS (before) < POLLEN_TEST_MS (6000));
  fail_unless (strstr (text, "timed out") != NULL, "%s", text);
}

GST_END_TEST;

/* ---- pollenstt and pollensrc ---- */

static const gchar json_error[] = "{\"error\":{\"message\":"
    "\"Audio file is too short for key " POLLEN_TEST_KEY "\",\"code\":"
    "\"BAD_INPUT\"}}";

/* An error object with a 200 to a transcription: the server's message,
 * not an empty transcript taken for a success. */
GST_START_TEST (test_stt_json_error_200)
{
  PollenTestHarness t = pollen_test_harness_new ("pollenstt",
      "audio/x-raw, format=S16LE, layout=interleaved, rate=16000, "
      "channels=1", NULL);
  gint16 samples[16000];
  GstBuffer *buffer;
  GstMessage *message;
  const GstStructure *details = NULL;
  g_autofree gchar *text = NULL;
  guint i, status = 0;

  for (i = 0; i < G_N_ELEMENTS (samples); i++)
    samples[i] = (i / 20) % 2 ? 8000 : -8000;
  buffer = gst_buffer_new_memdup (samples, sizeof (samples));
  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) = GST_SECOND;
  pollen_emulator_push (t.emulator, "/v1/audio/transcriptions",
      pollen_emulator_response_new_json (200, json_error));
  fail_unless_equals_int (gst_harness_push (t.h, buffer), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  message = gst_bus_timed_pop_filtered (t.bus, WAIT, GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "no error");
  text = error_text (message);
  fail_unless (strstr (text, "Audio file is too short") != NULL, "%s", text);
  fail_unless (strstr (text, "answered 200 OK with an error") != NULL, "%s",
      text);
  fail_if (strstr (text, POLLEN_TEST_KEY) != NULL, "%s", text);
  gst_message_parse_error_details (message, &details);
  fail_unless (details && gst_structure_get_uint (details,
          "http-status-code", &status));
  fail_unless_equals_int (status, 200);
  gst_message_unref (message);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_src_json_error_200)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GstMessage) message = NULL;
  g_autofree gchar *text = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_json (200, json_error));
  message = src_run (emulator, 10);
  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_ERROR);
  text = error_text (message);
  fail_unless (strstr (text, "Audio file is too short") != NULL, "%s", text);
  fail_if (strstr (text, POLLEN_TEST_KEY) != NULL, "%s", text);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
adversarial_suite (void)
{
  Suite *s = suite_create ("adversarial");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_chat_sse_cr_only_no_space_comments);
  tcase_add_test (tc, test_chat_sse_one_byte_chunks);
  tcase_add_test (tc, test_chat_sse_leading_bom);
  tcase_add_test (tc, test_chat_sse_no_done);
  tcase_add_test (tc, test_chat_sse_done_then_keep_alives);
  tcase_add_test (tc, test_chat_sse_done_frees_the_slot);
  tcase_add_test (tc, test_chat_sse_keep_alives_only_time_out);
  tcase_add_test (tc, test_chat_sse_whole_reply_then_stall_kept);
  tcase_add_test (tc, test_chat_sse_wrong_content_type);
  tcase_add_test (tc, test_chat_sse_broken_chunk_is_said);
  tcase_add_test (tc, test_chat_sse_null_and_empty_choices);
  tcase_add_test (tc, test_chat_json_content_parts);
  tcase_add_test (tc, test_chat_sse_content_parts);
  tcase_add_test (tc, test_chat_sse_error_event_plain_text);
  tcase_add_test (tc, test_chat_sse_error_echoes_key);
  tcase_add_test (tc, test_chat_json_error_echoes_key);
  tcase_add_test (tc, test_chat_sse_endless_line);
  tcase_add_test (tc, test_chat_stall_after_head);
  tcase_add_test (tc, test_chat_sse_content_length_long);
  tcase_add_test (tc, test_chat_no_content_and_bare_redirect);
  tcase_add_test (tc, test_chat_html_200);
  tcase_add_test (tc, test_chat_concurrency_429_waits);
  tcase_add_test (tc, test_vision_content_parts);
  tcase_add_test (tc, test_vision_stall_after_head);
  tcase_add_test (tc, test_src_no_content_and_bare_redirect);
  tcase_add_test (tc, test_src_stall_after_head);
  tcase_add_test (tc, test_chat_sse_content_type_parameters);
  tcase_add_test (tc, test_tts_json_error_200);
  tcase_add_test (tc, test_tts_stall_after_head);
  tcase_add_test (tc, test_stt_json_error_200);
  tcase_add_test (tc, test_src_json_error_200);
  return s;
}

GST_CHECK_MAIN (adversarial);
