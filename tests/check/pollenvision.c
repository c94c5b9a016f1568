/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenvision against the emulator: the request with its JPEG data URI,
 * which frames are described (the interval, scene changes), the times of
 * the text, sentence output, a live video path that a slow server does
 * not delay, the failure policy, and the captions recipe. The input is
 * solid-colour frames; the emulator's reply names the picture's size and
 * colour. */

#include "pollentest.h"

#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <string.h>

#define WIDTH 320
#define HEIGHT 240
#define CAPS "video/x-raw, format=RGB, width=320, height=240, " \
    "framerate=25/1, pixel-aspect-ratio=1/1"
#define FRAME (40 * GST_MSECOND)
#define PATH "/v1/chat/completions"

static const PollenTestColour RED = { "red", {255, 0, 0} };
static const PollenTestColour GREEN = { "green", {0, 255, 0} };
static const PollenTestColour BLUE = { "blue", {0, 0, 255} };

/* ---- input and output ---- */

static PollenTestHarness
harness_new (const gchar * first_property, ...)
{
  PollenTestHarness t;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("pollenvision", CAPS,
      FALSE, first_property, args);
  va_end (args);
  return t;
}

/* Pushes frames of @colour every 40 ms from @start until @end. */
static void
push_colour (PollenTestHarness * t, const PollenTestColour * colour,
    GstClockTime start, GstClockTime end)
{
  pollen_test_push_colour (t->h, colour, WIDTH, HEIGHT, start, end, FRAME);
}

/* The text buffers that came out, in order (refs). */
static GPtrArray *
texts (PollenTestHarness * t)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  guint i;

  g_mutex_lock (&t->rec->lock);
  for (i = 0; i < t->rec->items->len; i++)
    if (GST_IS_BUFFER (t->rec->items->pdata[i]))
      g_ptr_array_add (out, gst_buffer_ref (t->rec->items->pdata[i]));
  g_mutex_unlock (&t->rec->lock);
  return out;
}

static void
assert_text (GstBuffer * buffer, GstClockTime pts, GstClockTime duration,
    const gchar * part)
{
  g_autofree gchar *text = pollen_test_buffer_text (buffer);

  fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), pts);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer), duration);
  fail_unless (strstr (text, part) != NULL, "'%s' not in '%s'", part, text);
}

/* ---- the request ---- */

/* The width and height in a JPEG's start-of-frame segment. */
static gboolean
jpeg_size (const guint8 * data, gsize size, guint * width, guint * height)
{
  gsize i = 2;

  if (size < 4 || data[0] != 0xff || data[1] != 0xd8)
    return FALSE;
  while (i + 9 < size) {
    guint8 marker = data[i + 1];
    gsize length = (data[i + 2] << 8) | data[i + 3];

    if (data[i] != 0xff)
      return FALSE;
    if (marker == 0xc0 || marker == 0xc1 || marker == 0xc2) {
      *height = (data[i + 5] << 8) | data[i + 6];
      *width = (data[i + 7] << 8) | data[i + 8];
      return TRUE;
    }
    i += 2 + length;
  }
  return FALSE;
}

static JsonObject *
request_body (PollenEmulator * emulator, guint index)
{
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (emulator, index, POLLEN_TEST_MS (10000));
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize size;
  const gchar *body;

  fail_unless (request != NULL);
  fail_unless_equals_string (request->method, "POST");
  fail_unless_equals_string (request->path, PATH);
  body = g_bytes_get_data (request->body, &size);
  fail_unless (json_parser_load_from_data (parser, body, size, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root
          (parser)));
}

/* Checks the image part: a JPEG data URI of @width x @height. */
static void
assert_image_part (JsonObject * part, guint width, guint height,
    const gchar * detail)
{
  JsonObject *image_url = json_object_get_object_member (part, "image_url");
  const gchar *url = json_object_get_string_member (image_url, "url");
  const gchar *prefix = "data:image/jpeg;base64,";
  g_autofree guchar *jpeg = NULL;
  gsize size;
  guint w = 0, h = 0;

  fail_unless_equals_string (json_object_get_string_member (part, "type"),
      "image_url");
  fail_unless (g_str_has_prefix (url, prefix), "%.40s", url);
  jpeg = g_base64_decode (url + strlen (prefix), &size);
  fail_unless (jpeg_size (jpeg, size, &w, &h), "not a JPEG");
  fail_unless_equals_int (w, width);
  fail_unless_equals_int (h, height);
  fail_unless_equals_string (json_object_get_string_member_with_default
      (image_url, "detail", NULL), detail);
}

GST_START_TEST (test_request_on_the_wire)
{
  PollenTestHarness t = harness_new ("prompt", "What is on screen?",
      "system", "Answer in five words.", "max-size", 64, "detail", 1, NULL);
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (GPtrArray) out = NULL;
  JsonArray *messages, *content;

  push_colour (&t, &RED, 0, FRAME);
  pollen_test_harness_finish (&t);
  body = request_body (t.emulator, 0);
  fail_unless_equals_string (json_object_get_string_member (body, "model"),
      "openai");
  fail_unless (json_object_get_boolean_member (body, "stream"));
  messages = json_object_get_array_member (body, "messages");
  fail_unless_equals_int (json_array_get_length (messages), 2);
  fail_unless_equals_string (json_object_get_string_member
      (json_array_get_object_element (messages, 0), "content"),
      "Answer in five words.");
  content = json_object_get_array_member (json_array_get_object_element
      (messages, 1), "content");
  fail_unless_equals_int (json_array_get_length (content), 2);
  fail_unless_equals_string (json_object_get_string_member
      (json_array_get_object_element (content, 0), "text"),
      "What is on screen?");
  /* 320x240 scaled so that the long side is 64 */
  assert_image_part (json_array_get_object_element (content, 1), 64, 48,
      "low");

  out = texts (&t);
  fail_unless_equals_int (out->len, 1);
  assert_text (out->pdata[0], 0, 5 * GST_SECOND,
      "64x48 pixels and mostly red");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* Defaults: the default prompt, no system message, detail not sent, and a
 * picture smaller than max-size is not scaled up. */
GST_START_TEST (test_defaults_on_the_wire)
{
  PollenTestHarness t = harness_new ("max-size", 1000, NULL);
  g_autoptr (JsonObject) body = NULL;
  JsonArray *messages, *content;

  push_colour (&t, &BLUE, 0, FRAME);
  pollen_test_harness_finish (&t);
  body = request_body (t.emulator, 0);
  messages = json_object_get_array_member (body, "messages");
  fail_unless_equals_int (json_array_get_length (messages), 1);
  content = json_object_get_array_member (json_array_get_object_element
      (messages, 0), "content");
  fail_unless (strstr (json_object_get_string_member
          (json_array_get_object_element (content, 0), "text"),
          "Describe") != NULL);
  assert_image_part (json_array_get_object_element (content, 1), WIDTH,
      HEIGHT, NULL);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- which frames, and when their text goes out ---- */

/* interval=1: the frames at 0, 1 and 2 s, whatever came between; each
 * text lasts until the next. */
GST_START_TEST (test_interval_picks_frame_at_that_time)
{
  PollenTestHarness t = harness_new ("interval", 1.0, NULL);
  g_autoptr (GPtrArray) out = NULL;

  push_colour (&t, &RED, 0, GST_SECOND);
  push_colour (&t, &GREEN, GST_SECOND, 2 * GST_SECOND);
  push_colour (&t, &BLUE, 2 * GST_SECOND, 2 * GST_SECOND + 500 * GST_MSECOND);
  pollen_test_harness_finish (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 3);
  out = texts (&t);
  fail_unless_equals_int (out->len, 3);
  assert_text (out->pdata[0], 0, GST_SECOND, "mostly red");
  assert_text (out->pdata[1], GST_SECOND, GST_SECOND, "mostly green");
  assert_text (out->pdata[2], 2 * GST_SECOND, GST_SECOND, "mostly blue");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* scene-threshold: a static shot costs nothing, a cut is described at
 * once, and a second cut waits for min-interval. */
GST_START_TEST (test_scene_change)
{
  PollenTestHarness t = harness_new ("interval", 60.0, "scene-threshold",
      0.1, "min-interval", 0.5, NULL);
  g_autoptr (GPtrArray) out = NULL;
  GstClockTime late_cut = 2 * GST_SECOND + 520 * GST_MSECOND;

  push_colour (&t, &RED, 0, 2 * GST_SECOND);
  push_colour (&t, &BLUE, 2 * GST_SECOND, 2 * GST_SECOND + 200 * GST_MSECOND);
  push_colour (&t, &GREEN, 2 * GST_SECOND + 200 * GST_MSECOND,
      4 * GST_SECOND);
  pollen_test_harness_finish (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 3);
  out = texts (&t);
  fail_unless_equals_int (out->len, 3);
  assert_text (out->pdata[0], 0, 2 * GST_SECOND, "mostly red");
  assert_text (out->pdata[1], 2 * GST_SECOND, late_cut - 2 * GST_SECOND,
      "mostly blue");
  assert_text (out->pdata[2], late_cut, 60 * GST_SECOND, "mostly green");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* output=sentence: each sentence its own buffer, all over the frame's
 * span. */
GST_START_TEST (test_sentence_output)
{
  PollenTestHarness t = harness_new ("output", 1, "interval", 2.0, NULL);
  g_autoptr (GPtrArray) out = NULL;
  g_autofree gchar *last = NULL;
  guint i;

  push_colour (&t, &GREEN, 0, FRAME);
  pollen_test_harness_finish (&t);
  out = texts (&t);
  fail_unless (out->len >= 3, "%u sentences", out->len);
  for (i = 0; i < out->len; i++) {
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out->pdata[i]), 0);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (out->pdata[i]),
        2 * GST_SECOND);
  }
  last = pollen_test_buffer_text (out->pdata[out->len - 1]);
  fail_unless_equals_string (last, "That is all.");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- never delaying the video ---- */

/* Scripts a whole (not streamed) reply that comes after @delay_ms. */
static void
push_slow_reply (PollenEmulator * emulator, guint delay_ms)
{
  PollenEmulatorResponse *r = pollen_emulator_response_new_json (200,
      "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
      "\"content\":\"A red wall.\"},\"finish_reason\":\"stop\"}]}");

  r->delay_ms = delay_ms;
  pollen_emulator_push (emulator, PATH, r);
}

/* A live camera, a tee, and pollenvision straight on a branch (no queue)
 * with a server that takes 1.5 s: every frame reaches the video sink, the
 * source never waits for the element, and due frames are skipped rather
 * than queued. */
GST_START_TEST (test_live_slow_server_never_delays_video)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = gst_parse_launch ("videotestsrc is-live=true "
      "num-buffers=75 pattern=red ! video/x-raw,width=160,height=120,"
      "framerate=25/1 ! tee name=t ! queue name=vq ! fakesink name=vs "
      "sync=true t. ! pollenvision name=v interval=0.2 max-in-flight=1 "
      "! fakesink async=false", NULL);
  GstElement *vision = gst_bin_get_by_name (GST_BIN (pipeline), "v");
  GstElement *tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  GstElement *vs = gst_bin_get_by_name (GST_BIN (pipeline), "vs");
  GstPad *tee_sink = gst_element_get_static_pad (tee, "sink");
  GstPad *vs_sink = gst_element_get_static_pad (vs, "sink");
  PollenTestPace pace;
  gint shown = 0;
  guint i;
  g_autoptr (GstMessage) end = NULL;

  for (i = 0; i < 10; i++)
    push_slow_reply (emulator, 1500);
  g_object_set (vision, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, NULL);
  pollen_test_pace_init (&pace);
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      pollen_test_pace_probe, &pace, NULL);
  gst_pad_add_probe (vs_sink, GST_PAD_PROBE_TYPE_BUFFER,
      pollen_test_count_probe, &shown, NULL);

  end = pollen_test_run (pipeline, 20 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  fail_unless_equals_int (shown, 75);
  fail_unless_equals_int (pace.frames, 75);
  /* 40 ms apart (with room for a busy machine); a chain that waited for
   * the server would show as a 1.5 s gap */
  fail_unless (pace.max_gap < POLLEN_TEST_MS (1000) * 1000,
      "the source waited %" G_GINT64_FORMAT " µs", pace.max_gap);
  /* 15 frames were due in 3 s; one request at a time could take 2 or 3 */
  i = pollen_emulator_get_request_count (emulator);
  fail_unless (i >= 1 && i <= 3, "%u requests", i);

  pollen_test_pace_clear (&pace);
  gst_object_unref (tee_sink);
  gst_object_unref (vs_sink);
  gst_object_unref (tee);
  gst_object_unref (vs);
  gst_object_unref (vision);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Live with latency=0 (kept there: max-latency=0): each description comes
 * after its deadline, so it is shifted and a warning says to raise
 * latency. */
GST_START_TEST (test_live_late_description_warns)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = gst_parse_launch ("videotestsrc is-live=true "
      "num-buffers=25 ! video/x-raw,width=160,height=120,framerate=25/1 "
      "! tee name=t ! queue ! fakesink sync=true t. ! pollenvision name=v "
      "interval=0.4 latency=0 max-latency=0 ! fakesink sync=true", NULL);
  GstElement *vision = gst_bin_get_by_name (GST_BIN (pipeline), "v");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;
  guint i, warnings = 0;

  for (i = 0; i < 5; i++)
    push_slow_reply (emulator, 300);
  g_object_set (vision, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((message = gst_bus_timed_pop_filtered (bus, POLLEN_TEST_WAIT,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GstMessageType type = GST_MESSAGE_TYPE (message);
    g_autoptr (GError) error = NULL;

    if (type == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (message, &error, NULL);
      fail_unless (strstr (error->message, "raise the latency property "
              "(now 0 ms)") != NULL, "%s", error->message);
      warnings++;
    }
    gst_message_unref (message);
    fail_if (type == GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (warnings >= 1);

  gst_object_unref (bus);
  gst_object_unref (vision);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The recipes of docs/pollenvision.md put a sink that prerolls (fakesink,
 * async=true) after the element. Live, an empty GAP at the segment's start
 * lets it preroll at once: the pipeline reaches PLAYING while the first
 * description is pending (here never answered), instead of staying PAUSED
 * with the video sink, its queue, the tee and the source waiting for it
 * (bench-pollen (h2): a 1 s stall, 58 of 300 frames lost). */
GST_START_TEST (test_live_text_sink_prerolls_at_once)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = gst_parse_launch ("videotestsrc is-live=true "
      "! video/x-raw,width=160,height=120,framerate=25/1 ! tee name=t "
      "! queue ! fakesink sync=true t. ! pollenvision name=v latency=600000 "
      "! fakesink", NULL);
  GstElement *vision = gst_bin_get_by_name (GST_BIN (pipeline), "v");
  PollenEmulatorResponse *hang = pollen_emulator_response_new_json (200,
      "{}");
  g_autoptr (PollenEmulatorRequest) request = NULL;
  GstState state;

  hang->hang = TRUE;
  pollen_emulator_push (emulator, PATH, hang);
  g_object_set (vision, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless_equals_int (gst_element_get_state (pipeline, &state, NULL,
          POLLEN_TEST_WAIT), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (state, GST_STATE_PLAYING);
  request = pollen_emulator_wait_request (emulator, 0, POLLEN_TEST_MS
      (10000));
  fail_unless (request != NULL);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (vision);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- flush and state changes ---- */

static void
start_hung_request (PollenTestHarness * t)
{
  PollenEmulatorResponse *hang = pollen_emulator_response_new_json (200,
      "{}");
  g_autoptr (PollenEmulatorRequest) request = NULL;

  hang->hang = TRUE;
  pollen_emulator_push (t->emulator, PATH, hang);
  push_colour (t, &RED, 0, FRAME);
  request = pollen_emulator_wait_request (t->emulator, 0,
      POLLEN_TEST_MS (10000));
  fail_unless (request != NULL);
}

GST_START_TEST (test_stop_during_hung_request)
{
  PollenTestHarness t = harness_new ("timeout", 30, NULL);
  gint64 started;

  start_hung_request (&t);
  started = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (t.element, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - started < G_TIME_SPAN_SECOND);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* A flush drops the hung description; the next frame is described. */
GST_START_TEST (test_flush_cancels_and_starts_over)
{
  PollenTestHarness t = harness_new ("timeout", 30, "interval", 1.0, NULL);
  g_autoptr (GPtrArray) out = NULL;
  GstSegment segment;

  start_hung_request (&t);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_stop (TRUE)));
  pollen_test_recorder_clear (t.rec);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_segment (&segment)));
  push_colour (&t, &BLUE, 0, FRAME);
  pollen_test_harness_finish (&t);
  out = texts (&t);
  fail_unless_equals_int (out->len, 1);
  assert_text (out->pdata[0], 0, GST_SECOND, "mostly blue");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- failures ---- */

GST_START_TEST (test_error_stops)
{
  PollenTestHarness t = harness_new ("retries", 0, NULL);
  g_autoptr (GstMessage) error = NULL;

  pollen_emulator_push (t.emulator, PATH,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "Vision is overloaded"));
  push_colour (&t, &RED, 0, FRAME);
  error = pollen_test_pop_message (t.bus, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_READ, 503,
      "SERVICE_UNAVAILABLE", "503 Service Unavailable: Vision is overloaded");
  pollen_test_recorder_wait_eos (t.rec);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* skip-failed: the failed frame's span becomes a GAP with a warning, the
 * next frame is described. */
GST_START_TEST (test_skip_failed)
{
  PollenTestHarness t = harness_new ("retries", 0, "skip-failed", TRUE,
      "interval", 1.0, "max-in-flight", 1, NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GPtrArray) out = NULL;

  pollen_emulator_push (t.emulator, PATH,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "Vision is overloaded"));
  push_colour (&t, &RED, 0, GST_SECOND);
  push_colour (&t, &BLUE, GST_SECOND, GST_SECOND + FRAME);
  pollen_test_harness_finish (&t);
  warning = pollen_test_pop_message (t.bus, GST_MESSAGE_WARNING);
  fail_unless (pollen_test_recorder_count_events (t.rec, GST_EVENT_GAP) >= 1);
  out = texts (&t);
  fail_unless_equals_int (out->len, 1);
  assert_text (out->pdata[0], GST_SECOND, GST_SECOND, "mostly blue");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

GST_START_TEST (test_untimed_video_one_error)
{
  PollenTestHarness t = harness_new (NULL);

  pollen_test_assert_untimed_refused (&t, gst_buffer_new_allocate (NULL,
          WIDTH * HEIGHT * 3, NULL), "Put a decoder");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- the captions recipe (examples/vision-captions/run.sh) ---- */

static GstPadProbeReturn
collect_text (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  g_ptr_array_add (user_data, pollen_test_buffer_text (GST_PAD_PROBE_INFO_BUFFER (info)));
  return GST_PAD_PROBE_OK;
}

/* Runs @pipeline, whose pollenvision is named "v", against @emulator to
 * its end; the captions that came out. */
static GPtrArray *
run_captioning (GstElement * pipeline, PollenEmulator * emulator)
{
  g_autoptr (GstElement) vision = gst_bin_get_by_name (GST_BIN (pipeline),
      "v");
  g_autoptr (GstPad) src = gst_element_get_static_pad (vision, "src");
  GPtrArray *captions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GstMessage) end = NULL;

  g_object_set (vision, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, collect_text, captions,
      NULL);
  end = pollen_test_run (pipeline, 60 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  return captions;
}

/* Three one-colour shots burnt into an AVI with textoverlay: the file is
 * written, and the overlaid text follows each cut. */
GST_START_TEST (test_captions_recipe)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *dir = g_dir_make_tmp ("pollenvision-XXXXXX", NULL);
  g_autofree gchar *avi = g_build_filename (dir, "captions.avi", NULL);
  g_autofree gchar *launch = g_strdup_printf ("concat name=c "
      "! video/x-raw,width=320,height=240,framerate=25/1 ! tee name=t "
      "t. ! queue ! textoverlay name=ov font-desc=\"Sans 10\" wrap-mode=word "
      "! videoconvert ! jpegenc ! avimux ! filesink location=%s "
      "t. ! queue ! pollenvision name=v interval=10 scene-threshold=0.1 "
      "max-size=256 ! ov.text_sink "
      "videotestsrc num-buffers=50 pattern=red ! c. "
      "videotestsrc num-buffers=50 pattern=blue ! c. "
      "videotestsrc num-buffers=50 pattern=green ! c.", avi);
  g_autoptr (GstElement) pipeline = gst_parse_launch (launch, NULL);
  g_autoptr (GPtrArray) captions = NULL;
  GStatBuf st;

  fail_unless (pipeline != NULL, "textoverlay missing? (gstreamer1.0-x)");
  captions = run_captioning (pipeline, emulator);

  fail_unless (g_stat (avi, &st) == 0 && st.st_size > 10000);
  fail_unless_equals_int (captions->len, 3);
  fail_unless (strstr (captions->pdata[0], "mostly red") != NULL);
  fail_unless (strstr (captions->pdata[1], "mostly blue") != NULL);
  fail_unless (strstr (captions->pdata[2], "mostly green") != NULL);

  g_unlink (avi);
  g_rmdir (dir);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- every raw format ---- */

/* Three one-colour shots (red, blue, green, 2 s each) in @format through
 * pollenvision with scene detection; its captions. */
static GPtrArray *
describe_shots (PollenEmulator * emulator, const gchar * format)
{
  g_autofree gchar *launch = g_strdup_printf ("concat name=c "
      "! video/x-raw,format=%s,width=320,height=240,framerate=25/1 "
      "! pollenvision name=v interval=10 scene-threshold=0.1 max-size=256 "
      "! fakesink videotestsrc num-buffers=50 pattern=red ! c. "
      "videotestsrc num-buffers=50 pattern=blue ! c. "
      "videotestsrc num-buffers=50 pattern=green ! c.", format);
  g_autoptr (GstElement) pipeline = gst_parse_launch (launch, NULL);

  return run_captioning (pipeline, emulator);
}

/* Video deeper than 8 bits (10-bit 4:2:0 planar and semi-planar, 10-bit
 * packed 4:2:2, 16-bit RGB) goes in without a videoconvert: each shot is
 * found by scene detection, and the picture sent shows its colour. */
GST_START_TEST (test_deep_formats_described)
{
  const gchar *formats[] = { "I420_10LE", "P010_10LE", "v210", "ARGB64" };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    g_autoptr (GPtrArray) captions = describe_shots (emulator, formats[i]);

    fail_unless_equals_int (captions->len, 3);
    fail_unless (strstr (captions->pdata[0], "256x192 pixels and mostly red") != NULL,
        "%s: %s", formats[i], (gchar *) captions->pdata[0]);
    fail_unless (strstr (captions->pdata[1], "mostly blue") != NULL,
        "%s: %s", formats[i], (gchar *) captions->pdata[1]);
    fail_unless (strstr (captions->pdata[2], "mostly green") != NULL,
        "%s: %s", formats[i], (gchar *) captions->pdata[2]);
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Chat streams end for pollenvision as for pollenchat: a whole reply
 * followed by usage_missing is a description and one warning; a provider
 * failing mid-reply (finish_reason "error") is an error quoting it. */
GST_START_TEST (test_stream_endings)
{
  PollenTestHarness t = harness_new ("model", "emu-usage-missing", NULL);
  g_autoptr (GPtrArray) out = NULL;
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GstMessage) error = NULL;
  g_autoptr (GError) gerror = NULL;

  push_colour (&t, &RED, 0, 200 * GST_MSECOND);
  pollen_test_harness_finish (&t);
  out = texts (&t);
  fail_unless_equals_int (out->len, 1);
  assert_text (out->pdata[0], 0, 5 * GST_SECOND, "mostly red");
  warning = gst_bus_pop_filtered (t.bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL);
  gst_message_parse_warning (warning, &gerror, NULL);
  fail_unless (strstr (gerror->message, "usage_missing") != NULL, "%s",
      gerror->message);
  fail_if (gst_bus_pop_filtered (t.bus, GST_MESSAGE_ERROR));
  pollen_test_harness_free (&t);

  t = harness_new ("model", "emu-finish-error", NULL);
  push_colour (&t, &RED, 0, 200 * GST_MSECOND);
  error = gst_bus_timed_pop_filtered (t.bus, POLLEN_TEST_WAIT,
      GST_MESSAGE_ERROR);
  fail_unless (error != NULL);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_READ, 502, NULL,
      "stopped answering in the middle of the reply");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* What pollenvision says about a frame of @caps (each buffer @size bytes,
 * timed or not): the text of its first ERROR or WARNING, NULL for none
 * (after EOS). */
static gchar *
message_for_input (const gchar * caps, gsize size, gboolean timed)
{
  PollenTestHarness t = pollen_test_harness_new ("pollenvision", caps, NULL);
  GstSegment segment;
  GstClockTime ts;
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  gst_harness_set_live (t.h, FALSE);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_segment (&segment)));
  for (ts = 0; ts < 10 * FRAME; ts += FRAME) {
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);

    gst_buffer_memset (buffer, 0, 0x80, size);
    GST_BUFFER_PTS (buffer) = timed ? ts : GST_CLOCK_TIME_NONE;
    if (gst_harness_push (t.h, buffer) != GST_FLOW_OK)
      break;
  }
  gst_harness_push_event (t.h, gst_event_new_eos ());
  message = gst_bus_timed_pop_filtered (t.bus, POLLEN_TEST_WAIT,
      GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_EOS);
  if (!message)
    message = gst_bus_timed_pop_filtered (t.bus, 0, GST_MESSAGE_ERROR |
        GST_MESSAGE_WARNING);
  pollen_test_harness_free (&t);
  if (message && GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    gst_message_parse_error (message, &error, NULL);
  else if (message && GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING)
    gst_message_parse_warning (message, &error, NULL);
  return error ? g_strdup (error->message) : NULL;
}

/* Frames without timestamps cannot be placed in time: a warning says
 * they were not described, not a silent end without text. */
GST_START_TEST (test_untimed_frames_said)
{
  g_autofree gchar *text = message_for_input (CAPS, WIDTH * HEIGHT * 3,
      FALSE);

  fail_unless (text != NULL, "nothing said");
  fail_unless (strstr (text, "no timestamp") != NULL, "%s", text);
}

GST_END_TEST;

/* Input no picture can be made of: an error that says what is wrong with
 * it. */
GST_START_TEST (test_unusable_frames_said)
{
  g_autofree gchar *empty = message_for_input ("video/x-raw, format=RGB, "
      "width=320, height=240, framerate=25/1", 0, TRUE);
  g_autofree gchar *wide = message_for_input ("video/x-raw, format=RGB, "
      "width=320, height=240, framerate=25/1, "
      "pixel-aspect-ratio=100000/1", 320 * 240 * 3, TRUE);
  g_autofree gchar *tall = message_for_input ("video/x-raw, format=RGB, "
      "width=320, height=240, framerate=25/1, "
      "pixel-aspect-ratio=1/100000", 320 * 240 * 3, TRUE);

  fail_unless (empty && strstr (empty, "holds 0 bytes where a 320x240 RGB "
          "frame takes 230400") != NULL, "%s", empty);
  fail_unless (wide && strstr (wide, "pixel-aspect-ratio 100000/1 makes "
          "its 320x240 frames 32000000x240 on display") != NULL, "%s", wide);
  fail_unless (tall && strstr (tall, "pixel-aspect-ratio 1/100000 makes "
          "its 320x240 frames 0x240 on display") != NULL, "%s", tall);
}

GST_END_TEST;

static Suite *
pollenvision_suite (void)
{
  Suite *s = suite_create ("pollenvision");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request_on_the_wire);
  tcase_add_test (tc, test_defaults_on_the_wire);
  tcase_add_test (tc, test_interval_picks_frame_at_that_time);
  tcase_add_test (tc, test_scene_change);
  tcase_add_test (tc, test_deep_formats_described);
  tcase_add_test (tc, test_sentence_output);
  tcase_add_test (tc, test_live_slow_server_never_delays_video);
  tcase_add_test (tc, test_live_late_description_warns);
  tcase_add_test (tc, test_live_text_sink_prerolls_at_once);
  tcase_add_test (tc, test_stop_during_hung_request);
  tcase_add_test (tc, test_flush_cancels_and_starts_over);
  tcase_add_test (tc, test_error_stops);
  tcase_add_test (tc, test_skip_failed);
  tcase_add_test (tc, test_untimed_video_one_error);
  tcase_add_test (tc, test_captions_recipe);
  tcase_add_test (tc, test_stream_endings);
  tcase_add_test (tc, test_untimed_frames_said);
  tcase_add_test (tc, test_unusable_frames_said);
  return s;
}

GST_CHECK_MAIN (pollenvision);
