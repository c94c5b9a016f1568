/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollensrc against the emulator: the request each property makes, the caps
 * of what comes back, pull mode, every failure class as a GStreamer error,
 * stopping during a hung request, interval mode and pollen:// URIs. */

#include "pollentest.h"
#include "emumedia.h"

#include <gst/app/gstappsink.h>
#include <string.h>

/* A 1x1 lossless WebP */
static const guint8 webp_data[] = {
  'R', 'I', 'F', 'F', 0x1a, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L',
  0x0d, 0, 0, 0, 0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88,
  0xfe, 0x07, 0
};

static const gchar svg_data[] =
    "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
    "width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>\n";

typedef struct
{
  GstElement *pipeline;
  GstElement *src;
  GstElement *sink;
} Pipeline;

/* pollensrc ! @sink_factory, pointed at @emulator. */
static Pipeline
pipeline_new_with (PollenEmulator * emulator, const gchar * sink_factory)
{
  Pipeline p;

  p.pipeline = gst_pipeline_new (NULL);
  p.src = pollen_test_element_new ("pollensrc", emulator);
  p.sink = gst_element_factory_make (sink_factory, NULL);
  g_object_set (p.sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (p.pipeline), p.src, p.sink, NULL);
  fail_unless (gst_element_link (p.src, p.sink));
  return p;
}

/* pollensrc ! appsink */
static Pipeline
pipeline_new (PollenEmulator * emulator)
{
  return pipeline_new_with (emulator, "appsink");
}

/* pollensrc ! fakesink, for running to EOS */
static Pipeline
pipeline_new_to_end (PollenEmulator * emulator)
{
  return pipeline_new_with (emulator, "fakesink");
}

static void
pipeline_free (Pipeline * p)
{
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  gst_object_unref (p->pipeline);
}

/* Runs to EOS and returns the caps of what came out. */
static GstCaps *
run_for_caps (Pipeline * p)
{
  g_autoptr (GstSample) sample = NULL;
  GstCaps *caps;

  gst_element_set_state (p->pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (p->sink),
      20 * GST_SECOND);
  fail_unless (sample != NULL, "no output");
  caps = gst_caps_ref (gst_sample_get_caps (sample));
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  return caps;
}

static GstMessage *
run_to_end (Pipeline * p)
{
  return pollen_test_run (p->pipeline, 20 * GST_SECOND);
}

static void
assert_query (PollenEmulatorRequest * request, const gchar * name,
    const gchar * value)
{
  const gchar *sent = pollen_emulator_request_get_query (request, name);

  fail_unless (sent != NULL, "query '%s' was not sent", name);
  fail_unless_equals_string (sent, value);
}

static void
push_body (PollenEmulator * emulator, const gchar * prefix,
    const gchar * content_type, GBytes * body)
{
  PollenEmulatorResponse *answer = pollen_emulator_response_new (200,
      content_type, NULL, 0);

  answer->body = g_bytes_ref (body);
  pollen_emulator_push (emulator, prefix, answer);
}

static GBytes *
make_jpeg (const gchar * prompt)
{
  GError *error = NULL;
  GBytes *jpeg = emu_media_image (prompt, 1, 64, 48, "jpeg", &error);

  fail_unless (jpeg != NULL, "%s", error ? error->message : "");
  return jpeg;
}

GST_START_TEST (test_image_properties_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstStructure) extra =
      gst_structure_from_string ("params, private=true, referrer=test", NULL);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (GBytes) png = NULL;

  png = emu_media_image ("x", 1, 16, 16, "png", NULL);
  push_body (emulator, "/image/", "image/png", png);
  g_object_set (p.src, "prompt", "a lighthouse at dusk, oil painting",
      "model", "gptimage", "width", 1280, "height", 720, "seed", 42,
      "enhance", TRUE, "negative-prompt", "blurry, text", "safe", TRUE,
      "image", "https://a.example/x.jpg|https://b.example/y.png",
      "transparent", TRUE, "extra-params", extra, NULL);
  gst_util_set_object_arg (G_OBJECT (p.src), "quality", "high");

  end = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (request->method, "GET");
  fail_unless_equals_string (request->path,
      "/image/a lighthouse at dusk, oil painting");
  assert_query (request, "model", "gptimage");
  assert_query (request, "width", "1280");
  assert_query (request, "height", "720");
  assert_query (request, "seed", "42");
  assert_query (request, "enhance", "true");
  assert_query (request, "negative_prompt", "blurry, text");
  assert_query (request, "safe", "true");
  assert_query (request, "quality", "high");
  assert_query (request, "image",
      "https://a.example/x.jpg|https://b.example/y.png");
  assert_query (request, "transparent", "true");
  assert_query (request, "private", "true");
  assert_query (request, "referrer", "test");
  fail_unless_equals_int (g_hash_table_size (request->query), 12);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);

  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_image_defaults_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (GBytes) jpeg = make_jpeg ("cat");

  push_body (emulator, "/image/", "image/jpeg", jpeg);
  g_object_set (p.src, "prompt", "cat", NULL);
  end = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  assert_query (request, "model", "flux");
  assert_query (request, "width", "1024");
  assert_query (request, "height", "1024");
  assert_query (request, "enhance", "false");
  assert_query (request, "safe", "false");
  assert_query (request, "quality", "medium");
  assert_query (request, "transparent", "false");
  /* no seed: the server's default applies */
  fail_if (pollen_emulator_request_get_query (request, "seed"));
  fail_if (pollen_emulator_request_get_query (request, "key"));

  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_video_properties_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (GBytes) body = g_bytes_new_static ("not really a video", 18);

  push_body (emulator, "/image/", "video/mp4", body);
  g_object_set (p.src, "prompt", "waves on a beach", "duration", 6,
      "aspect-ratio", "9:16", NULL);
  gst_util_set_object_arg (G_OBJECT (p.src), "media", "video");
  end = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (request->path, "/image/waves on a beach");
  assert_query (request, "model", "veo");
  assert_query (request, "duration", "6");
  assert_query (request, "aspect_ratio", "9:16");
  assert_query (request, "aspectRatio", "9:16");
  assert_query (request, "audio", "false");
  fail_if (pollen_emulator_request_get_query (request, "quality"));

  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_speech_and_music_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline speech = pipeline_new (emulator);
  Pipeline music = pipeline_new (emulator);
  g_autoptr (GstCaps) speech_caps = NULL;
  g_autoptr (GstCaps) music_caps = NULL;
  g_autoptr (PollenEmulatorRequest) speech_request = NULL;
  g_autoptr (PollenEmulatorRequest) music_request = NULL;

  g_object_set (speech.src, "prompt", "Hello from GStreamer", "voice", "nova",
      "response-format", "wav", NULL);
  gst_util_set_object_arg (G_OBJECT (speech.src), "media", "speech");
  speech_caps = run_for_caps (&speech);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (speech_caps,
              0), "audio/x-wav"));

  g_object_set (music.src, "prompt", "calm piano", "duration", 5,
      "instrumental", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (music.src), "media", "music");
  music_caps = run_for_caps (&music);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (music_caps, 0),
          "audio/mpeg"));

  speech_request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (speech_request->path, "/audio/Hello from GStreamer");
  assert_query (speech_request, "model", "tts-1");
  assert_query (speech_request, "voice", "nova");
  assert_query (speech_request, "response_format", "wav");
  music_request = pollen_emulator_wait_request (emulator, 1, 1000);
  fail_unless_equals_string (music_request->path, "/audio/calm piano");
  assert_query (music_request, "model", "elevenmusic");
  assert_query (music_request, "duration", "5");
  assert_query (music_request, "instrumental", "true");
  assert_query (music_request, "response_format", "mp3");

  pipeline_free (&speech);
  pipeline_free (&music);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Caps come from the bytes; the Content-Type only fills in. */
static void
check_caps_for (PollenEmulator * emulator, GBytes * body,
    const gchar * content_type, const gchar * expected)
{
  Pipeline p = pipeline_new (emulator);
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) want = gst_caps_from_string (expected);

  push_body (emulator, "/image/", content_type, body);
  g_object_set (p.src, "prompt", "anything", NULL);
  caps = run_for_caps (&p);
  fail_unless (gst_caps_is_subset (caps, want), "%s with Content-Type %s "
      "gave %" GST_PTR_FORMAT, expected, content_type, caps);
  pipeline_free (&p);
}

static GBytes *
make_audio (const gchar * format)
{
  g_autoptr (GBytes) pcm = emu_media_speech_pcm ("one two", 24000);
  const gchar *content_type;
  GError *error = NULL;
  GBytes *audio = emu_media_encode_audio (pcm, 24000, format, &content_type,
      &error);

  fail_unless (audio != NULL, "%s", error ? error->message : "");
  return audio;
}

GST_START_TEST (test_caps_for_each_media_type)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  g_autoptr (GBytes) png = emu_media_image ("x", 1, 16, 16, "png", NULL);
  g_autoptr (GBytes) webp = g_bytes_new_static (webp_data, sizeof (webp_data));
  g_autoptr (GBytes) svg = g_bytes_new_static (svg_data, strlen (svg_data));
  g_autoptr (GBytes) mp4 = emu_media_video ("x", 1, 64, 48, 1, NULL);
  g_autoptr (GBytes) mp3 = make_audio ("mp3");
  g_autoptr (GBytes) wav = make_audio ("wav");
  g_autoptr (GBytes) opus = make_audio ("opus");
  g_autoptr (GBytes) flac = make_audio ("flac");
  g_autoptr (GBytes) aac = make_audio ("aac");
  g_autoptr (GBytes) pcm = make_audio ("pcm");

  check_caps_for (emulator, jpeg, "image/jpeg", "image/jpeg");
  check_caps_for (emulator, png, "image/png", "image/png");
  check_caps_for (emulator, webp, "image/webp", "image/webp");
  check_caps_for (emulator, svg, "image/svg+xml", "image/svg+xml");
  check_caps_for (emulator, mp4, "video/mp4", "video/quicktime");
  check_caps_for (emulator, mp3, "audio/mpeg", "audio/mpeg, mpegversion=1");
  check_caps_for (emulator, wav, "audio/wav", "audio/x-wav");
  check_caps_for (emulator, opus, "audio/opus", "audio/ogg");
  check_caps_for (emulator, flac, "audio/flac", "audio/x-flac");
  check_caps_for (emulator, aac, "audio/aac", "video/quicktime");
  check_caps_for (emulator, pcm, "audio/pcm", "audio/x-raw, format=S16LE, "
      "channels=1, rate=24000");
  /* a server that answers other bytes than it says */
  check_caps_for (emulator, wav, "audio/mpeg", "audio/x-wav");
  check_caps_for (emulator, jpeg, "image/png", "image/jpeg");

  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_unrecognised_body_is_an_error)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GBytes) junk = g_bytes_new_static ("\x01\x02\x03\x04", 4);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (GError) error = NULL;

  push_body (emulator, "/image/", "application/octet-stream", junk);
  g_object_set (p.src, "prompt", "x", NULL);
  end = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_ERROR);
  gst_message_parse_error (end, &error, NULL);
  fail_unless (strstr (error->message, "unrecognised media"), "%s",
      error->message);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Runs a one-shot picture against @answer and returns the error text. */
static gchar *
error_for_answer (const gchar * content_type, const gchar * body)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (GError) error = NULL;

  push_body (emulator, "/image/", content_type, bytes);
  g_object_set (p.src, "prompt", "x", NULL);
  end = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_ERROR);
  gst_message_parse_error (end, &error, NULL);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
  return g_strdup (error->message);
}

/* What is not a picture must not pass for one, whatever its label: the
 * error quotes the start of what came. Nothing at all is an error too. */
GST_START_TEST (test_answer_of_the_wrong_kind_is_an_error)
{
  g_autofree gchar *html = error_for_answer ("image/png",
      "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>");
  g_autofree gchar *json = error_for_answer ("image/png",
      "{\"error\":{\"code\":\"X\",\"message\":\"quota\"}}");
  g_autofree gchar *empty = error_for_answer ("image/jpeg", "");

  fail_unless (strstr (html, "of text/html (Content-Type image/png), not "
          "image: <!DOCTYPE html><html><body>502 Bad Gateway"), "%s", html);
  fail_unless (strstr (json, "unrecognised media (Content-Type image/png), "
          "not image: {\"error\":{\"code\":\"X\""), "%s", json);
  fail_unless (strstr (empty, "200 OK with an empty body"), "%s", empty);
}

GST_END_TEST;

static void
link_demuxed (GstElement * demux, GstPad * pad, GstElement * sink)
{
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");

  if (!gst_pad_is_linked (sinkpad))
    fail_unless_equals_int (gst_pad_link (pad, sinkpad), GST_PAD_LINK_OK);
  gst_object_unref (sinkpad);
}

GST_START_TEST (test_qtdemux_pull_mode_and_seek)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = pollen_test_element_new ("pollensrc", emulator);
  GstElement *demux = gst_element_factory_make ("qtdemux", NULL);
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  g_autoptr (GBytes) mp4 = emu_media_video ("waves", 1, 64, 48, 3, NULL);
  g_autoptr (GstPad) demux_sink = gst_element_get_static_pad (demux, "sink");
  g_autoptr (GstSample) sample = NULL;
  GstClockTime pts;
  gint64 size = -1;

  fail_unless (mp4 != NULL);
  push_body (emulator, "/image/", "video/mp4", mp4);
  g_object_set (src, "prompt", "waves", NULL);
  gst_util_set_object_arg (G_OBJECT (src), "media", "video");
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, demux, sink, NULL);
  fail_unless (gst_element_link (src, demux));
  g_signal_connect (demux, "pad-added", G_CALLBACK (link_demuxed), sink);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          20 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  fail_unless_equals_int (GST_PAD_MODE (demux_sink), GST_PAD_MODE_PULL);
  fail_unless (gst_element_query_duration (src, GST_FORMAT_BYTES, &size));
  fail_unless_equals_int64 (size, g_bytes_get_size (mp4));

  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, 2 * GST_SECOND));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
      10 * GST_SECOND);
  fail_unless (sample != NULL);
  pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));
  fail_unless (pts >= 2 * GST_SECOND - GST_MSECOND * 100, "after the seek "
      "to 2 s the first frame is at %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
  /* one download for the whole session */
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 1);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

typedef struct
{
  guint status;
  GstResourceError code;
  const gchar *hint;
} ErrorCase;

static const ErrorCase client_errors[] = {
  {400, GST_RESOURCE_ERROR_SETTINGS, "Check the element's properties"},
  {401, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "Set the api-key property"},
  {402, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "pollen balance"},
  {403, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "pick another model or key"},
  {404, GST_RESOURCE_ERROR_NOT_FOUND, "Check base-url and model"},
  {422, GST_RESOURCE_ERROR_SETTINGS, "change the prompt"},
};

GST_START_TEST (test_client_errors_become_element_errors)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (client_errors); i++) {
    const ErrorCase *c = &client_errors[i];
    Pipeline p = pipeline_new_to_end (emulator);
    PollenEmulatorResponse *answer = pollen_emulator_response_new_error
        (c->status, "SCRIPTED", "the server's own words");
    g_autoptr (GstMessage) end = NULL;
    g_autofree gchar *status_text = g_strdup_printf ("%u ", c->status);

    pollen_emulator_response_add_header (answer, "X-Request-Id", "req-42");
    pollen_emulator_push (emulator, "/image/", answer);
    g_object_set (p.src, "prompt", "x", "retries", 3, NULL);
    end = run_to_end (&p);
    pollen_test_assert_error (end, c->code, c->status, "SCRIPTED",
        "the server's own words");
    pollen_test_assert_error (end, c->code, c->status, "SCRIPTED",
        status_text);
    pollen_test_assert_error (end, c->code, c->status, "SCRIPTED", c->hint);
    {
      const GstStructure *details;

      gst_message_parse_error_details (end, &details);
      fail_unless_equals_string (gst_structure_get_string (details,
              "request-id"), "req-42");
    }
    /* never retried */
    fail_unless_equals_int (pollen_emulator_get_request_count (emulator),
        i + 1);
    pipeline_free (&p);
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
push_rate_limit (PollenEmulator * emulator, const gchar * body)
{
  PollenEmulatorResponse *answer = pollen_emulator_response_new_json (429,
      body);

  pollen_emulator_response_add_header (answer, "Retry-After", "1");
  pollen_emulator_push (emulator, "/image/", answer);
}

GST_START_TEST (test_transient_errors_retried)
{
  static const gchar *const rate_limits[] = {
    "{\"status\":429,\"success\":false,\"error\":{\"code\":\"RATE_LIMITED\","
        "\"message\":\"Too many requests\"}}",
    "{\"error\":\"Rate limit exceeded\",\"message\":\"Slow down\","
        "\"retryAfterSeconds\":1}",
    "{\"error\":\"concurrency_limit_exceeded\",\"message\":\"One at a time\"}",
  };
  static const guint statuses[] = { 500, 502, 503, 504 };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  guint i, expected_requests = 0;

  for (i = 0; i < G_N_ELEMENTS (rate_limits) + G_N_ELEMENTS (statuses); i++) {
    Pipeline p = pipeline_new (emulator);
    g_autoptr (GstCaps) caps = NULL;

    if (i < G_N_ELEMENTS (rate_limits))
      push_rate_limit (emulator, rate_limits[i]);
    else
      pollen_emulator_push (emulator, "/image/",
          pollen_emulator_response_new_error (statuses[i -
                  G_N_ELEMENTS (rate_limits)], "UPSTREAM", "try later"));
    push_body (emulator, "/image/", "image/jpeg", jpeg);
    g_object_set (p.src, "prompt", "x", "retries", 1, NULL);
    caps = run_for_caps (&p);
    fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
            "image/jpeg"));
    expected_requests += 2;
    fail_unless_equals_int (pollen_emulator_get_request_count (emulator),
        expected_requests);
    pipeline_free (&p);
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_rate_limit_without_retries_is_an_error)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) end = NULL;

  push_rate_limit (emulator, "{\"error\":\"concurrency_limit_exceeded\","
      "\"message\":\"One at a time\"}");
  g_object_set (p.src, "prompt", "x", NULL);
  end = run_to_end (&p);
  pollen_test_assert_error (end, GST_RESOURCE_ERROR_READ, 429,
      "concurrency_limit_exceeded", "One at a time");
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_transport_errors)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *nowhere = pollen_test_unused_url ();
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  Pipeline refused = pipeline_new_to_end (emulator);
  Pipeline reset = pipeline_new (emulator);
  Pipeline stalled = pipeline_new_to_end (emulator);
  PollenEmulatorResponse *cut = pollen_emulator_response_new (200,
      "image/jpeg", NULL, 0);
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (GstMessage) refused_end = NULL;
  g_autoptr (GstMessage) stalled_end = NULL;
  g_autoptr (GstCaps) caps = NULL;

  g_object_set (refused.src, "prompt", "x", "base-url", nowhere, NULL);
  refused_end = run_to_end (&refused);
  pollen_test_assert_error (refused_end, GST_RESOURCE_ERROR_OPEN_READ, 0,
      NULL, "cannot connect");

  /* reset mid-body, then a whole answer on the retry */
  cut->body = g_bytes_ref (jpeg);
  cut->drop_after = 100;
  pollen_emulator_push (emulator, "/image/", cut);
  push_body (emulator, "/image/", "image/jpeg", jpeg);
  g_object_set (reset.src, "prompt", "x", "retries", 1, NULL);
  caps = run_for_caps (&reset);
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "image/jpeg"));
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 2);

  hang->hang = TRUE;
  pollen_emulator_push (emulator, "/image/", hang);
  g_object_set (stalled.src, "prompt", "x", "timeout", 1, NULL);
  stalled_end = run_to_end (&stalled);
  pollen_test_assert_error (stalled_end, GST_RESOURCE_ERROR_READ, 0, NULL,
      "timed out");
  pollen_test_assert_error (stalled_end, GST_RESOURCE_ERROR_READ, 0, NULL,
      "Raise the timeout property");

  pipeline_free (&refused);
  pipeline_free (&reset);
  pipeline_free (&stalled);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_stop_during_hung_request)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  gint64 start, took;

  hang->hang = TRUE;
  pollen_emulator_push (emulator, "/image/", hang);
  g_object_set (p.src, "prompt", "x", NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  request = pollen_emulator_wait_request (emulator, 0, 5000);
  fail_unless (request != NULL);

  start = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (p.pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  took = (g_get_monotonic_time () - start) / 1000;
  fail_unless (took < 500, "PLAYING to NULL took %" G_GINT64_FORMAT " ms",
      took);

  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_empty_prompt_refused)
{
  static const gchar *const prompts[] = { NULL, "", " \n\t " };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (prompts); i++) {
    Pipeline p = pipeline_new (emulator);
    GstBus *bus = gst_element_get_bus (p.pipeline);
    g_autoptr (GstMessage) message = NULL;
    g_autoptr (GError) error = NULL;

    g_object_set (p.src, "prompt", prompts[i], NULL);
    fail_unless_equals_int (gst_element_set_state (p.pipeline,
            GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (message != NULL);
    gst_message_parse_error (message, &error, NULL);
    fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_SETTINGS));
    fail_unless (strstr (error->message, "prompt is empty"), "%s",
        error->message);
    gst_object_unref (bus);
    pipeline_free (&p);
  }
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 0);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
push_jpegs (PollenEmulator * emulator, const gchar * prompt, guint count,
    GBytes * jpeg)
{
  g_autofree gchar *prefix = g_strdup_printf ("/image/%s", prompt);
  guint i;

  for (i = 0; i < count; i++)
    push_body (emulator, prefix, "image/jpeg", jpeg);
}

GST_START_TEST (test_tiny_interval_refused)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  GstBus *bus = gst_element_get_bus (p.pipeline);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  g_object_set (p.src, "prompt", "x", "interval", 1e-10, NULL);
  fail_unless_equals_int (gst_element_set_state (p.pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (error->message, "interval"), "%s", error->message);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 0);
  gst_object_unref (bus);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_blank_prompt_ignored_while_running)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  g_autoptr (GBytes) jpeg = make_jpeg ("A");
  g_autofree gchar *prompt = NULL;
  guint i, count;

  push_jpegs (emulator, "A", 20, jpeg);
  g_object_set (p.src, "prompt", "A", "interval", 0.2, NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  for (i = 0; i < 4; i++) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (p.sink), 5 * GST_SECOND);

    fail_unless (sample != NULL);
    if (i == 1)
      g_object_set (p.src, "prompt", NULL, NULL);
  }
  g_object_get (p.src, "prompt", &prompt, NULL);
  fail_unless_equals_string (prompt, "A");
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  count = pollen_emulator_get_request_count (emulator);
  for (i = 0; i < count; i++) {
    g_autoptr (PollenEmulatorRequest) request =
        pollen_emulator_wait_request (emulator, i, 0);

    fail_unless_equals_string (request->path, "/image/A");
  }
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_progress_messages)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  PollenEmulatorResponse *slow = pollen_emulator_response_new (200,
      "image/jpeg", NULL, 0);
  GstBus *bus = gst_element_get_bus (p.pipeline);
  GString *seen = g_string_new (NULL);
  GstMessage *message;

  slow->body = g_bytes_ref (jpeg);
  slow->delay_ms = 2300;
  pollen_emulator_push (emulator, "/image/", slow);
  g_object_set (p.src, "prompt", "x", NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);

  while ((message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
              GST_MESSAGE_PROGRESS | GST_MESSAGE_EOS | GST_MESSAGE_ERROR))) {
    GstMessageType type = GST_MESSAGE_TYPE (message);

    if (type == GST_MESSAGE_PROGRESS) {
      GstProgressType progress;

      gst_message_parse_progress (message, &progress, NULL, NULL);
      g_string_append_c (seen, "SCEKX"[progress]);
    }
    gst_message_unref (message);
    if (type != GST_MESSAGE_PROGRESS)
      break;
  }
  /* START, one CONTINUE after 2 s, COMPLETE */
  fail_unless_equals_string (seen->str, "SCE");

  g_string_free (seen, TRUE);
  gst_object_unref (bus);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_interval_mode)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  g_autoptr (GBytes) jpeg_a = make_jpeg ("A");
  g_autoptr (GBytes) jpeg_b = make_jpeg ("B");
  g_autoptr (GstQuery) latency = gst_query_new_latency ();
  GHashTable *seeds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  GstClockTime min_latency, max_latency;
  gboolean live;
  guint i, count;

  push_jpegs (emulator, "A", 20, jpeg_a);
  push_jpegs (emulator, "B", 20, jpeg_b);
  g_object_set (p.src, "prompt", "A", "interval", 0.4, NULL);
  g_object_set (p.sink, "sync", TRUE, NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);

  for (i = 0; i < 3; i++) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (p.sink), 5 * GST_SECOND);
    GstBuffer *buffer;

    fail_unless (sample != NULL);
    buffer = gst_sample_get_buffer (sample);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i * 400 * GST_MSECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer),
        400 * GST_MSECOND);
    fail_unless (gst_buffer_memcmp (buffer, 0, g_bytes_get_data (jpeg_a,
                NULL), g_bytes_get_size (jpeg_a)) == 0);
  }

  fail_unless (gst_element_query (p.src, latency));
  gst_query_parse_latency (latency, &live, &min_latency, &max_latency);
  fail_unless (live);
  fail_unless_equals_uint64 (min_latency, 400 * GST_MSECOND);

  /* The picture already waiting for the next slot still goes out; the one
   * after it is generated for the new prompt. */
  g_object_set (p.src, "prompt", "B", NULL);
  for (i = 0; i < 2; i++) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (p.sink), 5 * GST_SECOND);
    GstBuffer *buffer;

    fail_unless (sample != NULL);
    buffer = gst_sample_get_buffer (sample);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer),
        (3 + i) * 400 * GST_MSECOND);
    if (gst_buffer_memcmp (buffer, 0, g_bytes_get_data (jpeg_b, NULL),
            g_bytes_get_size (jpeg_b)) == 0)
      break;
  }
  fail_unless (i < 2, "two slots after the change still show the old prompt");
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  /* a fresh seed per slot */
  count = pollen_emulator_get_request_count (emulator);
  fail_unless (count >= 4);
  for (i = 0; i < count; i++) {
    g_autoptr (PollenEmulatorRequest) request =
        pollen_emulator_wait_request (emulator, i, 0);
    const gchar *seed = pollen_emulator_request_get_query (request, "seed");

    fail_unless (seed != NULL);
    g_hash_table_add (seeds, g_strdup (seed));
  }
  fail_unless_equals_int (g_hash_table_size (seeds), count);

  g_hash_table_destroy (seeds);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_uri_handler)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstElement *src;
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autofree gchar *uri = NULL;
  gint media;

  src = gst_element_make_from_uri (GST_URI_SRC,
      "pollen://image/a%20cat%2Fdog%3F?width=320&height=200&seed=7"
      "&negative_prompt=x+y&enhance=true", NULL, &error);
  fail_unless (src != NULL, "%s", error ? error->message : "");
  g_object_set (src, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  end = pollen_test_run (pipeline, 20 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (request->path, "/image/a cat/dog?");
  assert_query (request, "width", "320");
  assert_query (request, "height", "200");
  assert_query (request, "seed", "7");
  assert_query (request, "negative_prompt", "x y");
  assert_query (request, "enhance", "true");
  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (src));
  fail_unless (g_str_has_prefix (uri, "pollen://image/a%20cat"));
  gst_object_unref (pipeline);

  src = gst_element_make_from_uri (GST_URI_SRC,
      "pollen://video/waves?duration=6&aspectRatio=9:16", NULL, NULL);
  fail_unless (src != NULL);
  g_object_get (src, "media", &media, NULL);
  fail_unless_equals_int (media, 1);
  {
    g_autofree gchar *model = NULL;
    g_autofree gchar *ratio = NULL;
    guint duration;

    g_object_get (src, "model", &model, "aspect-ratio", &ratio, "duration",
        &duration, NULL);
    fail_unless_equals_string (model, "veo");
    fail_unless_equals_string (ratio, "9:16");
    fail_unless_equals_int (duration, 6);
  }
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://painting/x", &error));
  g_clear_error (&error);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), "pollen://image/",
          &error));
  g_clear_error (&error);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), "pollen://image",
          &error));
  g_clear_error (&error);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://image/x?colour=red", &error));
  fail_unless (strstr (error->message, "colour"));
  g_clear_error (&error);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://image/x?width=0", &error));
  fail_unless (strstr (error->message, "'0' is not a valid width"), "%s",
      error->message);
  g_clear_error (&error);
  /* a parameter without '=' is named, in the GstURIError domain */
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://image/cat?model", &error));
  fail_unless (g_error_matches (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI));
  fail_unless (strstr (error->message, "parameter 'model' has no value"),
      "%s", error->message);
  g_clear_error (&error);
  /* a URI may neither redirect requests nor carry the key */
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://image/x?base-url=http://127.0.0.1:9", &error));
  fail_unless (strstr (error->message, "unknown pollen:// parameter"));
  g_clear_error (&error);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://image/x?key=sk_abc", &error));
  fail_unless (strstr (error->message, "must not carry the API key"));
  gst_object_unref (src);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_api_key_is_write_only)
{
  GstElement *src = gst_element_factory_make ("pollensrc", NULL);
  GParamSpec *pspec =
      g_object_class_find_property (G_OBJECT_GET_CLASS (src), "api-key");

  fail_unless (pspec != NULL);
  fail_if (pspec->flags & G_PARAM_READABLE);
  fail_unless (pspec->flags & G_PARAM_WRITABLE);
  fail_unless (g_param_spec_get_default_value (pspec) == NULL ||
      g_value_get_string (g_param_spec_get_default_value (pspec)) == NULL);
  gst_object_unref (src);
}

GST_END_TEST;

static Suite *
pollensrc_suite (void)
{
  Suite *s = suite_create ("pollensrc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_image_properties_on_the_wire);
  tcase_add_test (tc, test_image_defaults_on_the_wire);
  tcase_add_test (tc, test_video_properties_on_the_wire);
  tcase_add_test (tc, test_speech_and_music_on_the_wire);
  tcase_add_test (tc, test_caps_for_each_media_type);
  tcase_add_test (tc, test_unrecognised_body_is_an_error);
  tcase_add_test (tc, test_answer_of_the_wrong_kind_is_an_error);
  tcase_add_test (tc, test_qtdemux_pull_mode_and_seek);
  tcase_add_test (tc, test_client_errors_become_element_errors);
  tcase_add_test (tc, test_transient_errors_retried);
  tcase_add_test (tc, test_rate_limit_without_retries_is_an_error);
  tcase_add_test (tc, test_transport_errors);
  tcase_add_test (tc, test_stop_during_hung_request);
  tcase_add_test (tc, test_empty_prompt_refused);
  tcase_add_test (tc, test_tiny_interval_refused);
  tcase_add_test (tc, test_blank_prompt_ignored_while_running);
  tcase_add_test (tc, test_progress_messages);
  tcase_add_test (tc, test_interval_mode);
  tcase_add_test (tc, test_uri_handler);
  tcase_add_test (tc, test_api_key_is_write_only);
  return s;
}

GST_CHECK_MAIN (pollensrc);
