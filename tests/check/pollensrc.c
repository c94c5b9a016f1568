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
 * stopping during a hung request, interval mode (through an outage, with
 * the latency a synchronised sink can meet) and pollen:// URIs. */

#include "pollentest.h"
#include "emumedia.h"
#include "emuwav.h"
#include "emuserver.h"

#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
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
      "enhance", TRUE, "negative-prompt", "blurry, text", "safe", "nsfw,privacy",
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
  assert_query (request, "safe", "nsfw,privacy");
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
  assert_query (request, "quality", "medium");
  assert_query (request, "transparent", "false");
  /* no seed, no safety filters: the server's defaults apply */
  fail_if (pollen_emulator_request_get_query (request, "seed"));
  fail_if (pollen_emulator_request_get_query (request, "safe"));
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
  g_autoptr (GBytes) body = emu_media_video ("x", 1, 64, 48, 1, NULL);

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

/* Today's video parameters, from a pollen:// URI by the API's names:
 * resolution (an enum, unset sends none) and the reference media, each a
 * |-separated list sent as it is. */
GST_START_TEST (test_resolution_and_references_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstElement *src = gst_element_make_from_uri (GST_URI_SRC,
      "pollen://video/waves?model=seedance-2.0&duration=5&resolution=1080p"
      "&reference_images=https://a.example/1.jpg%7Chttps://a.example/2,x.jpg"
      "&reference_videos=https://v.example/m.mp4"
      "&reference_audios=https://s.example/a.mp3%7Chttps://s.example/b.mp3",
      NULL, &error);
  g_autoptr (GBytes) body = emu_media_video ("x", 1, 64, 48, 1, NULL);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (PollenEmulatorRequest) picture = NULL;
  g_autofree gchar *references = NULL;
  Pipeline image = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) image_end = NULL;

  fail_unless (src != NULL, "%s", error ? error->message : "");
  g_object_get (src, "reference-images", &references, NULL);
  fail_unless_equals_string (references,
      "https://a.example/1.jpg|https://a.example/2,x.jpg");
  g_object_set (src, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  push_body (emulator, "/image/", "video/mp4", body);
  end = pollen_test_run (pipeline, 20 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  assert_query (request, "model", "seedance-2.0");
  assert_query (request, "resolution", "1080p");
  assert_query (request, "reference_images",
      "https://a.example/1.jpg|https://a.example/2,x.jpg");
  assert_query (request, "reference_videos", "https://v.example/m.mp4");
  assert_query (request, "reference_audios",
      "https://s.example/a.mp3|https://s.example/b.mp3");
  gst_object_unref (pipeline);

  /* a picture at default sends no resolution and no references */
  g_object_set (image.src, "prompt", "x", "width", 64, "height", 64, NULL);
  image_end = run_to_end (&image);
  fail_unless_equals_int (GST_MESSAGE_TYPE (image_end), GST_MESSAGE_EOS);
  picture = pollen_emulator_wait_request (emulator, 1, 1000);
  fail_if (pollen_emulator_request_get_query (picture, "resolution"));
  fail_if (pollen_emulator_request_get_query (picture, "reference_images"));
  pipeline_free (&image);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A wrong model name or duration fails as it fails for users: the
 * server's 400, as a settings error naming what it refused. */
GST_START_TEST (test_wrong_model_or_duration_is_an_error)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline unknown = pipeline_new_to_end (emulator);
  Pipeline duration = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) unknown_end = NULL;
  g_autoptr (GstMessage) duration_end = NULL;

  g_object_set (unknown.src, "prompt", "waves", "model", "seedance", NULL);
  gst_util_set_object_arg (G_OBJECT (unknown.src), "media", "video");
  unknown_end = run_to_end (&unknown);
  pollen_test_assert_error (unknown_end, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "Invalid model or alias: \"seedance\"");

  g_object_set (duration.src, "prompt", "waves", "duration", 5, NULL);
  gst_util_set_object_arg (G_OBJECT (duration.src), "media", "video");
  duration_end = run_to_end (&duration);
  pollen_test_assert_error (duration_end, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "duration: google/veo-3.1-fast takes 4, 6 or 8 "
      "seconds, not 5");
  /* neither is tried again */
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 2);
  pipeline_free (&unknown);
  pipeline_free (&duration);
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
      "safe", "true", NULL);
  gst_util_set_object_arg (G_OBJECT (speech.src), "response-format", "wav");
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
  /* the reference's boolean still goes out as it was */
  assert_query (speech_request, "safe", "true");
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

static gchar *pop_warnings (GstElement * pipeline);

/* Pulls the one text buffer a one-shot text pipeline makes, then EOS. */
static gchar *
pull_text (Pipeline * p)
{
  g_autoptr (GstSample) sample = NULL;
  GstStructure *caps;
  GstBuffer *buffer;
  GstMapInfo map;
  gchar *text;

  gst_element_set_state (p->pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (p->sink),
      20 * GST_SECOND);
  fail_unless (sample != NULL, "no text");
  caps = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
  fail_unless (gst_structure_has_name (caps, "text/x-raw"));
  fail_unless_equals_string (gst_structure_get_string (caps, "format"),
      "utf8");
  buffer = gst_sample_get_buffer (sample);
  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  text = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  fail_unless (gst_app_sink_try_pull_sample (GST_APP_SINK (p->sink),
          5 * GST_SECOND) == NULL, "more than one text buffer");
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (p->sink)));
  return text;
}

GST_START_TEST (test_text_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  Pipeline defaults = pipeline_new (emulator);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (PollenEmulatorRequest) default_request = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *default_text = NULL;

  g_object_set (p.src, "prompt", "a headline about bees", "system",
      "One line.", "temperature", 0.5, "json-mode", TRUE, "seed", 3,
      "safe", "nsfw", NULL);
  gst_util_set_object_arg (G_OBJECT (p.src), "media", "text");
  text = pull_text (&p);
  fail_unless (*text && g_utf8_validate (text, -1, NULL));

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (request->path, "/text/a headline about bees");
  assert_query (request, "model", "openai");
  assert_query (request, "system", "One line.");
  assert_query (request, "temperature", "0.5");
  assert_query (request, "json", "true");
  assert_query (request, "seed", "3");
  assert_query (request, "safe", "nsfw");
  fail_unless_equals_int (g_hash_table_size (request->query), 6);

  g_object_set (defaults.src, "prompt", "bees", NULL);
  gst_util_set_object_arg (G_OBJECT (defaults.src), "media", "text");
  default_text = pull_text (&defaults);
  default_request = pollen_emulator_wait_request (emulator, 1, 1000);
  assert_query (default_request, "model", "openai");
  assert_query (default_request, "json", "false");
  fail_unless_equals_int (g_hash_table_size (default_request->query), 2);

  pipeline_free (&p);
  pipeline_free (&defaults);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* One-shot text is a subtitle: one buffer at 0 in a time segment, up for
 * duration seconds, or for its reading time (15 characters a second, at
 * least 2 s), then EOS. */
GST_START_TEST (test_text_is_timed)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) short_text = g_bytes_new_static ("Rain.", 5);
  g_autoptr (GBytes) long_text = g_bytes_new_static ("Rain falls on the "
      "roofs of the sleeping town.", 45);
  const struct
  {
    GBytes *text;
    guint duration;
    GstClockTime expected;
  } cases[] = {
    {short_text, 0, 2 * GST_SECOND},
    {long_text, 0, 3 * GST_SECOND},
    {short_text, 7, 7 * GST_SECOND},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    Pipeline p = pipeline_new (emulator);
    g_autoptr (GstSample) sample = NULL;
    GstBuffer *buffer;

    push_body (emulator, "/text/", "text/plain", cases[i].text);
    g_object_set (p.src, "prompt", "rain", "duration", cases[i].duration,
        NULL);
    gst_util_set_object_arg (G_OBJECT (p.src), "media", "text");
    gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (p.sink),
        POLLEN_TEST_WAIT);
    fail_unless (sample != NULL);
    buffer = gst_sample_get_buffer (sample);
    fail_unless_equals_int (gst_sample_get_segment (sample)->format,
        GST_FORMAT_TIME);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), 0);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer),
        cases[i].expected);
    fail_unless (gst_app_sink_try_pull_sample (GST_APP_SINK (p.sink),
            POLLEN_TEST_WAIT) == NULL);
    fail_unless (gst_app_sink_is_eos (GST_APP_SINK (p.sink)));
    pipeline_free (&p);
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_text_not_utf8_is_repaired)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  g_autoptr (GBytes) latin1 = g_bytes_new_static ("caf\xe9 ouvert", 11);
  g_autofree gchar *text = NULL;
  g_autofree gchar *warnings = NULL;

  push_body (emulator, "/text/", "text/plain", latin1);
  g_object_set (p.src, "prompt", "x", NULL);
  gst_util_set_object_arg (G_OBJECT (p.src), "media", "text");
  text = pull_text (&p);
  fail_unless_equals_string (text, "caf\xef\xbf\xbd ouvert");
  warnings = pop_warnings (p.pipeline);
  fail_unless (strstr (warnings, "not valid UTF-8"), "%s", warnings);

  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- tags ---- */

/* What reaches the sink: "T" per tag event, "B" per buffer, and the tag
 * lists. Read once the pipeline stopped. */
typedef struct
{
  GString *order;
  GPtrArray *tags;
} TagLog;

static GstPadProbeReturn
tag_log_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  TagLog *log = user_data;
  GstTagList *tags;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    g_string_append_c (log->order, 'B');
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_TAG) {
    gst_event_parse_tag (GST_PAD_PROBE_INFO_EVENT (info), &tags);
    g_string_append_c (log->order, 'T');
    g_ptr_array_add (log->tags, gst_tag_list_ref (tags));
  }
  return GST_PAD_PROBE_OK;
}

static void
tag_log_attach (TagLog * log, GstElement * sink)
{
  GstPad *pad = gst_element_get_static_pad (sink, "sink");

  log->order = g_string_new (NULL);
  log->tags = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_tag_list_unref);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, tag_log_probe, log, NULL);
  gst_object_unref (pad);
}

static void
tag_log_clear (TagLog * log)
{
  g_string_free (log->order, TRUE);
  g_ptr_array_unref (log->tags);
}

static void
assert_tag_string (GstTagList * tags, const gchar * tag, const gchar * want)
{
  g_autofree gchar *value = NULL;

  fail_unless (gst_tag_list_get_string (tags, tag, &value), "no %s", tag);
  if (want) {
    fail_unless_equals_string (value, want);
  } else {
    fail_unless (*value);
  }
}

GST_START_TEST (test_tags_one_shot)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GBytes) jpeg = make_jpeg ("kite");
  g_autoptr (GstMessage) end = NULL;
  g_autofree gchar *comment = NULL;
  TagLog log;
  GstTagList *tags;
  guint seed;

  tag_log_attach (&log, p.sink);
  push_body (emulator, "/image/", "image/jpeg", jpeg);
  g_object_set (p.src, "prompt", "a red kite", "seed", 42, "model", "zimage",
      NULL);
  end = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  fail_unless_equals_string (log.order->str, "TB");
  tags = g_ptr_array_index (log.tags, 0);
  assert_tag_string (tags, GST_TAG_TITLE, "a red kite");
  assert_tag_string (tags, GST_TAG_ENCODER, "zimage");
  assert_tag_string (tags, "pollen-request-id", NULL);
  fail_unless (gst_tag_list_get_uint (tags, "pollen-seed", &seed));
  fail_unless_equals_int (seed, 42);
  fail_unless (gst_tag_list_get_string (tags, GST_TAG_COMMENT, &comment));
  fail_unless (strstr (comment, "\"a red kite\"") &&
      strstr (comment, "seed 42"), "%s", comment);

  tag_log_clear (&log);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* In pull mode (typefind, as in gst-discoverer) the tags go on the bus. */
GST_START_TEST (test_tags_pull_mode)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = pollen_test_launch (emulator,
      "pollensrc name=src prompt=kite seed=9 ! typefind ! fakesink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstTagList *tags = NULL;
  GstMessage *message;
  gboolean ended = FALSE;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!ended && (message = gst_bus_timed_pop_filtered (bus,
              20 * GST_SECOND, GST_MESSAGE_TAG | GST_MESSAGE_EOS |
              GST_MESSAGE_ERROR))) {
    fail_if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR);
    ended = GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_TAG && !tags)
      gst_message_parse_tag (message, &tags);
    gst_message_unref (message);
  }
  fail_unless (ended && tags != NULL);
  assert_tag_string (tags, GST_TAG_TITLE, "kite");
  assert_tag_string (tags, "pollen-request-id", NULL);

  gst_tag_list_unref (tags);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* One tag event per generation, right before its buffer; a repeated slot
 * sends none. */
GST_START_TEST (test_tags_per_slot)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  g_autoptr (GHashTable) seeds = g_hash_table_new (NULL, NULL);
  TagLog log;
  guint i;

  tag_log_attach (&log, p.sink);
  g_object_set (p.src, "prompt", "tick", "interval", 0.3, NULL);
  gst_util_set_object_arg (G_OBJECT (p.src), "media", "text");
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  for (i = 0; i < 4; i++) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (p.sink), 5 * GST_SECOND);

    fail_unless (sample != NULL);
  }
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  /* the empty first caption has no generation, so no tags */
  fail_unless (g_str_has_prefix (log.order->str, "BTB"), "%s",
      log.order->str);
  fail_if (strstr (log.order->str, "TT"), "%s", log.order->str);
  fail_unless (log.tags->len >= 2, "%s", log.order->str);
  for (i = 0; i < log.tags->len; i++) {
    guint seed;

    fail_unless (gst_tag_list_get_uint (g_ptr_array_index (log.tags, i),
            "pollen-seed", &seed));
    g_hash_table_add (seeds, GUINT_TO_POINTER (seed));
  }
  fail_unless_equals_int (g_hash_table_size (seeds), log.tags->len);

  tag_log_clear (&log);
  pipeline_free (&p);
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
  g_autoptr (GBytes) tagged_mp3 = pollen_test_id3_tagged (mp3);

  check_caps_for (emulator, jpeg, "image/jpeg", "image/jpeg");
  check_caps_for (emulator, png, "image/png", "image/png");
  check_caps_for (emulator, webp, "image/webp", "image/webp");
  check_caps_for (emulator, svg, "image/svg+xml", "image/svg+xml");
  check_caps_for (emulator, mp4, "video/mp4", "video/quicktime");
  check_caps_for (emulator, mp3, "audio/mpeg", "audio/mpeg, mpegversion=1");
  /* an ID3 tag before the frames: what decodebin takes (id3demux) */
  check_caps_for (emulator, tagged_mp3, "audio/mpeg", "application/x-id3");
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

/* Runs a one-shot @properties generation against @body (of
 * @content_type) and returns the error text. */
static gchar *
error_for_body (const gchar * prefix, const gchar * content_type,
    GBytes * body, const gchar * properties)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *line = g_strdup_printf ("pollensrc name=src %s "
      "! fakesink", properties);
  g_autoptr (GstElement) pipeline = gst_parse_launch (line, NULL);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline),
      "src");
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (GError) error = NULL;

  g_object_set (src, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, "retries", 0, NULL);
  push_body (emulator, prefix, content_type, body);
  end = pollen_test_run (pipeline, 20 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_ERROR);
  gst_message_parse_error (end, &error, NULL);
  pollen_emulator_free (emulator);
  return g_strdup (error->message);
}

/* A WAV that ends short of the samples its header announces, with a
 * Content-Length that matches what came: the end of the speech is lost,
 * and the error says so. */
GST_START_TEST (test_speech_wav_short_of_its_header)
{
  g_autoptr (GBytes) pcm = g_bytes_new_take (g_malloc0 (48000), 48000);
  g_autoptr (GBytes) whole = emu_wav_new (pcm, 24000, 1);
  g_autoptr (GBytes) cut = g_bytes_new_from_bytes (whole, 0, 44 + 4800);
  g_autofree gchar *text = error_for_body ("/audio/", "audio/wav", cut,
      "media=speech prompt=hello");

  fail_unless (strstr (text, "WAV the server sent is cut short: 4844 bytes "
          "arrived, 43200 fewer than its header announces"), "%s", text);
}

GST_END_TEST;

/* Bytes that are no picture, labelled image/jpeg: not passed on as one. */
GST_START_TEST (test_random_bytes_not_a_picture)
{
  GRand *rand = g_rand_new_with_seed (22);
  guint8 *junk = g_malloc (4096);
  g_autoptr (GBytes) body = NULL;
  g_autofree gchar *text = NULL;
  guint i;

  for (i = 0; i < 4096; i++)
    junk[i] = g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  body = g_bytes_new_take (junk, 4096);
  text = error_for_body ("/image/", "image/jpeg", body, "prompt=x");
  fail_unless (strstr (text, "4096 bytes of unrecognised media "
          "(Content-Type image/jpeg), not image"), "%s", text);
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

/* The quote of such a body is cut at 120 characters: where the cut falls
 * inside an echoed key, its start goes too. */
GST_START_TEST (test_quote_cut_inside_the_key)
{
  g_autoptr (GString) page = g_string_new ("<!DOCTYPE html><html><body>");
  g_autofree gchar *text = NULL;

  while (page->len < 100)
    g_string_append (page, "padding ");
  g_string_append (page, "key " POLLEN_TEST_KEY " refused</body></html>");
  text = error_for_answer ("image/png", page->str);
  fail_if (strstr (text, "sk_test_") != NULL, "%s", text);
  fail_unless (strstr (text, "key ****") != NULL, "%s", text);
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

/* Speech with a voice the model lacks: the error names the model's
 * voices, as the server's 400 does not. */
GST_START_TEST (test_speech_voice_the_model_lacks)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) end = NULL;

  g_object_set (p.src, "prompt", "Hello", "voice", "bella", NULL);
  gst_util_set_object_arg (G_OBJECT (p.src), "media", "speech");
  end = run_to_end (&p);
  pollen_test_assert_error (end, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "Invalid voice: bella; tts-1 has no voice \"bella\": "
      "its voices are alloy, echo, fable, onyx, nova, shimmer");
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A publishable key can no longer spend its owner's pollen: its 402 says
 * to use a secret key, not to top up. */
GST_START_TEST (test_publishable_key_payment_required)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) end = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_error (402, "PAYMENT_REQUIRED",
          "Insufficient pollen balance to use this model"));
  g_object_set (p.src, "prompt", "x", "api-key", "pk_site_key", NULL);
  end = run_to_end (&p);
  pollen_test_assert_error (end, GST_RESOURCE_ERROR_NOT_AUTHORIZED, 402,
      "PAYMENT_REQUIRED", "publishable (pk_...) key can no longer spend "
      "its owner's pollen: set api-key to a secret (sk_...) key");
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A provider's 401 passed on as 502: the error says the provider failed,
 * and does not send the user to their key. */
GST_START_TEST (test_provider_failure_is_not_about_the_key)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_upstream_error (502, "BAD_GATEWAY",
          "Unauthorized", 401, "api.provider.example", NULL));
  g_object_set (p.src, "prompt", "x", "retries", 0, NULL);
  end = run_to_end (&p);
  pollen_test_assert_error (end, GST_RESOURCE_ERROR_READ, 502,
      "BAD_GATEWAY", "the model's provider (api.provider.example) answered "
      "401, a failure between the server and its provider, not of this "
      "request's key");
  gst_message_parse_error (end, &error, &debug);
  fail_if (strstr (error->message, "api-key"), "%s", error->message);
  fail_unless (strstr (error->message, "pick another model"), "%s",
      error->message);
  pipeline_free (&p);
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
  /* shorter than Retry-After: no time to wait for a turn */
  g_object_set (p.src, "prompt", "x", "timeout", 1, NULL);
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

/* Sets @src up as @settings say and checks that starting is refused with
 * a SETTINGS error naming @what, before any request. */
static void
assert_refused_at_start (const gchar * settings, const gchar * what)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  GstBus *bus = gst_element_get_bus (p.pipeline);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  gchar **pairs = g_strsplit (settings, " ", -1);
  guint i;

  for (i = 0; pairs[i]; i++) {
    gchar **pair = g_strsplit (pairs[i], "=", 2);

    gst_util_set_object_arg (G_OBJECT (p.src), pair[0], pair[1]);
    g_strfreev (pair);
  }
  g_strfreev (pairs);
  fail_unless_equals_int (gst_element_set_state (p.pipeline,
          GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (message != NULL);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (g_error_matches (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (error->message, what), "%s", error->message);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 0);
  gst_object_unref (bus);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_START_TEST (test_frame_rate_needs_pictures_and_slots)
{
  assert_refused_at_start ("prompt=x frame-rate=25/1", "frame-rate");
  assert_refused_at_start ("prompt=x interval=1 media=speech frame-rate=25/1",
      "frame-rate");
}

GST_END_TEST;

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

/* A body of known size that takes a while: CONTINUE messages whose
 * percent moves, by 5 points at least, then COMPLETE at 100. */
GST_START_TEST (test_progress_percent)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  gsize size = g_bytes_get_size (jpeg);
  g_autofree gchar *length = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
  PollenEmulatorResponse *drip = pollen_emulator_response_new (200,
      "image/jpeg", NULL, 0);
  GstBus *bus = gst_element_get_bus (p.pipeline);
  GstMessage *message;
  GstMessageType end = GST_MESSAGE_UNKNOWN;
  gint last = 0, percent = 0;
  guint moves = 0;

  drip->body = g_bytes_ref (jpeg);
  drip->chunk_size = size / 20 + 1;
  drip->chunk_interval_ms = 60;
  pollen_emulator_response_add_header (drip, "Content-Length", length);
  pollen_emulator_push (emulator, "/image/", drip);
  g_object_set (p.src, "prompt", "x", NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);

  while ((message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
              GST_MESSAGE_PROGRESS | GST_MESSAGE_EOS | GST_MESSAGE_ERROR))) {
    GstMessageType type = GST_MESSAGE_TYPE (message);
    GstProgressType progress = GST_PROGRESS_TYPE_ERROR;

    if (type == GST_MESSAGE_PROGRESS) {
      gst_message_parse_progress (message, &progress, NULL, NULL);
      fail_unless (gst_structure_get_int (gst_message_get_structure
              (message), "percent", &percent));
    }
    if (progress == GST_PROGRESS_TYPE_CONTINUE) {
      fail_unless (percent >= last + 5 && percent < 100, "%d after %d",
          percent, last);
      last = percent;
      moves++;
    }
    gst_message_unref (message);
    if (type != GST_MESSAGE_PROGRESS) {
      end = type;
      break;
    }
  }
  fail_unless_equals_int (end, GST_MESSAGE_EOS);
  fail_unless (moves >= 2, "the percent moved %u times", moves);
  fail_unless_equals_int (percent, 100);    /* COMPLETE */

  gst_object_unref (bus);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Played again with the same settings, the element keeps its client and
 * its connection; other settings make a new one. */
GST_START_TEST (test_connection_kept_across_runs)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  guint ports[3];
  guint i;

  g_object_set (p.src, "prompt", "x", NULL);
  for (i = 0; i < G_N_ELEMENTS (ports); i++) {
    g_autoptr (GstMessage) end = NULL;
    g_autoptr (PollenEmulatorRequest) request = NULL;

    if (i == 2)
      g_object_set (p.src, "timeout", 30, NULL);
    push_body (emulator, "/image/", "image/jpeg", jpeg);
    end = run_to_end (&p);
    fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
    request = pollen_emulator_wait_request (emulator, i, 5000);
    ports[i] = request->client_port;
  }
  fail_unless_equals_int (ports[0], ports[1]);
  fail_unless (ports[2] != ports[1]);

  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A limit changed between runs holds in the next run, although the client
 * is kept for the other settings. */
GST_START_TEST (test_limits_changed_between_runs)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  g_autoptr (GstMessage) end_before = NULL;
  g_autoptr (GstMessage) end_after = NULL;
  g_autoptr (GError) error = NULL;

  g_object_set (p.src, "prompt", "x", NULL);
  push_body (emulator, "/image/", "image/jpeg", jpeg);
  end_before = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end_before), GST_MESSAGE_EOS);

  g_object_set (p.src, "max-body-size", (guint64) 100, NULL);
  push_body (emulator, "/image/", "image/jpeg", jpeg);
  end_after = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end_after), GST_MESSAGE_ERROR);
  gst_message_parse_error (end_after, &error, NULL);
  fail_unless (strstr (error->message, "larger than max-body-size (100 "
          "bytes)"), "%s", error->message);

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

/* ---- interval mode through an outage ---- */

/* What @src pushes: buffers, GAP events and the rest. */
static PollenTestRecorder *
recorder_on (GstElement * src)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (src, "src");

  return pollen_test_recorder_new (pad);
}

static gboolean
item_is (PollenTestRecorder * recorder, guint index, GBytes * body)
{
  GstMiniObject *object = pollen_test_recorder_get_output (recorder, index);
  gsize size;
  gconstpointer data = g_bytes_get_data (body, &size);

  return GST_IS_BUFFER (object) &&
      gst_buffer_get_size (GST_BUFFER_CAST (object)) == size &&
      gst_buffer_memcmp (GST_BUFFER_CAST (object), 0, data, size) == 0;
}

static gboolean
item_is_gap (PollenTestRecorder * recorder, guint index, GstClockTime duration)
{
  GstMiniObject *object = pollen_test_recorder_get_output (recorder, index);
  GstClockTime timestamp, gap_duration;

  if (!GST_IS_EVENT (object))
    return FALSE;
  gst_event_parse_gap (GST_EVENT_CAST (object), &timestamp, &gap_duration);
  return gap_duration == duration;
}

static GstClockTime
item_time (PollenTestRecorder * recorder, guint index)
{
  GstMiniObject *object = pollen_test_recorder_get_output (recorder, index);
  GstClockTime timestamp, duration;

  if (GST_IS_BUFFER (object))
    return GST_BUFFER_PTS (object);
  gst_event_parse_gap (GST_EVENT_CAST (object), &timestamp, &duration);
  return timestamp;
}

/* Waits until @body goes out as item @from or one of the @max after it,
 * and returns its index. Every item is one slot after the one before: the
 * stream never skips a slot. How many slots a generation needs depends on
 * the machine's load, which is why the tests do not say. */
static guint
recorder_wait_for (PollenTestRecorder * recorder, GBytes * body, guint from,
    guint max, GstClockTime interval)
{
  guint i;

  for (i = from; i <= from + max; i++) {
    pollen_test_recorder_wait_outputs (recorder, i + 1);
    if (i > 0)
      fail_unless_equals_uint64 (item_time (recorder, i),
          item_time (recorder, i - 1) + interval);
    if (item_is (recorder, i, body))
      return i;
  }
  fail ("the expected content did not come out in %u slots", max + 1);
  return 0;
}

/* The warnings posted so far, one a line; fails on an error. */
static gchar *
pop_warnings (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GString *texts = g_string_new (NULL);
  GstMessage *message;

  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING |
              GST_MESSAGE_ERROR))) {
    g_autoptr (GError) error = NULL;

    fail_if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR);
    gst_message_parse_warning (message, &error, NULL);
    g_string_append_printf (texts, "%s\n", error->message);
    gst_message_unref (message);
  }
  gst_object_unref (bus);
  return g_string_free (texts, FALSE);
}

static guint
count_lines_with (const gchar * texts, const gchar * part)
{
  g_auto (GStrv) lines = g_strsplit (texts, "\n", -1);
  guint i, count = 0;

  for (i = 0; lines[i]; i++)
    count += *lines[i] && strstr (lines[i], part) != NULL;
  return count;
}

static void
push_error (PollenEmulator * emulator, const gchar * prefix, guint status)
{
  pollen_emulator_push (emulator, prefix,
      pollen_emulator_response_new_error (status, "SCRIPTED", "down"));
}

GST_START_TEST (test_skip_failed_repeats_the_last_picture)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  GstClockTime interval = 300 * GST_MSECOND * pollen_test_time_scale ();
  g_autoptr (GBytes) jpeg_a = make_jpeg ("A");
  g_autoptr (GBytes) jpeg_b = make_jpeg ("B");
  g_autofree gchar *warnings = NULL;
  PollenTestRecorder *recorder = recorder_on (p.src);
  guint i, b;

  push_body (emulator, "/image/", "image/jpeg", jpeg_a);
  push_error (emulator, "/image/", 503);
  push_error (emulator, "/image/", 503);
  push_body (emulator, "/image/", "image/jpeg", jpeg_b);
  g_object_set (p.src, "prompt", "x", "skip-failed", TRUE, "interval",
      (gdouble) interval / GST_SECOND, NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  b = recorder_wait_for (recorder, jpeg_b, 0, 8, interval);
  warnings = pop_warnings (p.pipeline);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  /* the server is down for two slots, which show the last picture again */
  fail_unless (b >= 3, "B came out as item %u", b);
  for (i = 0; i < b; i++)
    fail_unless (item_is (recorder, i, jpeg_a), "item %u is not A", i);
  /* a warning per missed slot, naming the error */
  fail_unless_equals_int (count_lines_with (warnings, "503"), 2);
  fail_unless_equals_int (count_lines_with (warnings, "failed"), 2);

  pollen_test_recorder_free (recorder);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A retry is told on the bus: a 503 must not look like a picture still
 * being generated. */
GST_START_TEST (test_retry_posts_a_warning)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  PollenEmulatorResponse *down =
      pollen_emulator_response_new_error (503, "UPSTREAM", "overloaded");
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  g_autoptr (GstSample) sample = NULL;
  g_autoptr (GstBus) bus = gst_element_get_bus (p.pipeline);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  const GstStructure *details = NULL;
  guint status = 0;

  pollen_emulator_response_add_header (down, "Retry-After", "1");
  pollen_emulator_push (emulator, "/image/", down);
  push_body (emulator, "/image/", "image/jpeg", jpeg);
  g_object_set (p.src, "prompt", "x", "retries", 1, NULL);
  /* the bus is flushed in NULL: read it while playing */
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (p.sink),
      20 * GST_SECOND);
  fail_unless (sample != NULL, "no picture after the retry");
  fail_unless (gst_structure_has_name (gst_caps_get_structure
          (gst_sample_get_caps (sample), 0), "image/jpeg"));

  warning = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (warning != NULL, "no warning for the retry");
  fail_unless (GST_MESSAGE_SRC (warning) == GST_OBJECT (p.src));
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "503"), "%s", error->message);
  fail_unless (strstr (error->message, "overloaded"), "%s", error->message);
  fail_unless (strstr (error->message, "attempt 2 of 2"), "%s",
      error->message);
  fail_unless (strstr (error->message, "Retrying in 1.0 s"), "%s",
      error->message);
  gst_message_parse_warning_details (warning, &details);
  fail_unless (gst_structure_get_uint (details, "http-status-code", &status));
  fail_unless_equals_int (status, 503);
  fail_unless_equals_string (gst_structure_get_string (details,
          "api-error-code"), "UPSTREAM");
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A Retry-After of days: one retry waits at most 300 s, and the warning
 * says what the server asked; with a deadline, the request ends at once
 * and its error says why it was not tried again. */
GST_START_TEST (test_retry_after_beyond_the_cap_is_said)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  guint deadline;

  for (deadline = 0; deadline <= 30; deadline += 30) {
    Pipeline p = pipeline_new (emulator);
    PollenEmulatorResponse *down =
        pollen_emulator_response_new_error (503, "UPSTREAM", "overloaded");
    g_autoptr (GstBus) bus = gst_element_get_bus (p.pipeline);
    g_autoptr (GstMessage) message = NULL;
    g_autoptr (GError) error = NULL;
    gint64 before = g_get_monotonic_time ();

    pollen_emulator_response_add_header (down, "Retry-After", "999999");
    pollen_emulator_push (emulator, "/image/", down);
    g_object_set (p.src, "prompt", "x", "retries", 1, "deadline", deadline,
        NULL);
    gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
    message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
        deadline ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING);
    fail_unless (message != NULL);
    if (deadline) {
      gst_message_parse_error (message, &error, NULL);
      fail_unless (strstr (error->message, "overloaded"), "%s",
          error->message);
      fail_unless (strstr (error->message, "not tried again: the server "
              "asked to wait 999999 s, past the deadline"), "%s",
          error->message);
      fail_unless ((g_get_monotonic_time () - before) / 1000 <
          POLLEN_TEST_MS (5000));
    } else {
      gst_message_parse_warning (message, &error, NULL);
      fail_unless (strstr (error->message, "Retrying in 300.0 s"), "%s",
          error->message);
      fail_unless (strstr (error->message, "asked to wait 999999 s "
              "(Retry-After)"), "%s", error->message);
      fail_unless (strstr (error->message, "set the deadline property"),
          "%s", error->message);
    }
    pipeline_free (&p);
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_skip_failed_gaps_for_audio)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  GstClockTime interval = 300 * GST_MSECOND * pollen_test_time_scale ();
  g_autoptr (GBytes) pcm = emu_media_speech_pcm ("hello", 24000);
  g_autoptr (GBytes) wav = emu_wav_new (pcm, 24000, 1);
  g_autofree gchar *warnings = NULL;
  PollenTestRecorder *recorder = recorder_on (p.src);
  guint i, next_clip;

  push_body (emulator, "/audio/", "audio/wav", wav);
  push_error (emulator, "/audio/", 503);
  push_body (emulator, "/audio/", "audio/wav", wav);
  gst_util_set_object_arg (G_OBJECT (p.src), "response-format", "wav");
  g_object_set (p.src, "prompt", "hello", "skip-failed", TRUE, "interval", (gdouble) interval / GST_SECOND,
      NULL);
  gst_util_set_object_arg (G_OBJECT (p.src), "media", "speech");
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  fail_unless_equals_int (recorder_wait_for (recorder, wav, 0, 0, interval),
      0);
  next_clip = recorder_wait_for (recorder, wav, 1, 8, interval);
  warnings = pop_warnings (p.pipeline);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  /* a repeated clip is no filler: the missed slot is a gap */
  fail_unless (next_clip >= 2, "no gap between the clips");
  for (i = 1; i < next_clip; i++)
    fail_unless (item_is_gap (recorder, i, interval), "item %u is no gap", i);
  fail_unless_equals_int (count_lines_with (warnings, "503"), 1);

  pollen_test_recorder_free (recorder);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Raw speech out of pollensrc ! appsink: its caps and how many bytes. */
static GstCaps *
run_for_raw_speech (Pipeline * p, const gchar * text, gsize * size)
{
  GstCaps *caps = NULL;
  GstSample *sample;

  g_object_set (p->src, "prompt", text, NULL);
  gst_util_set_object_arg (G_OBJECT (p->src), "media", "speech");
  gst_util_set_object_arg (G_OBJECT (p->src), "response-format", "pcm");
  gst_element_set_state (p->pipeline, GST_STATE_PLAYING);
  *size = 0;
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (p->sink),
              20 * GST_SECOND))) {
    if (!caps)
      caps = gst_caps_ref (gst_sample_get_caps (sample));
    *size += gst_buffer_get_size (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  fail_unless (caps != NULL, "no output");
  return caps;
}

/* response-format=pcm is asked as wav and comes out raw at the rate of its
 * header, 44.1 kHz (elevenlabs) or 24 kHz (tts-1): right pitch and length,
 * nothing to warn of. */
GST_START_TEST (test_pcm_speech_at_the_right_rate)
{
  const gchar *models[] = { "elevenlabs", "tts-1" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (models); i++) {
    PollenEmulator *emulator = pollen_test_emulator_new ();
    Pipeline p = pipeline_new (emulator);
    guint rate = emu_speech_rate_for_model (models[i]);
    g_autoptr (GBytes) pcm = emu_media_speech_pcm ("Right rate.", rate);
    g_autoptr (GstCaps) want = gst_caps_new_simple ("audio/x-raw", "format",
        G_TYPE_STRING, "S16LE", "rate", G_TYPE_INT, rate, "channels",
        G_TYPE_INT, 1, NULL);
    g_autoptr (GstCaps) caps = NULL;
    g_autoptr (PollenEmulatorRequest) request = NULL;
    g_autofree gchar *warnings = NULL;
    gsize size;

    g_object_set (p.src, "model", models[i], NULL);
    caps = run_for_raw_speech (&p, "Right rate.", &size);
    fail_unless (gst_caps_is_subset (caps, want), "%" GST_PTR_FORMAT, caps);
    /* plays exactly as long as the speech */
    fail_unless_equals_uint64 (size, g_bytes_get_size (pcm));
    request = pollen_emulator_wait_request (emulator, 0, 1000);
    assert_query (request, "response_format", "wav");
    warnings = pop_warnings (p.pipeline);
    fail_unless_equals_string (warnings, "");
    pipeline_free (&p);
    pollen_emulator_free (emulator);
  }
}

GST_END_TEST;

/* Headerless PCM sent anyway plays at a guessed rate, with a warning. */
GST_START_TEST (test_headerless_pcm_speech_warns)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new (emulator);
  g_autoptr (GBytes) pcm = emu_media_speech_pcm ("Guess.", 24000);
  g_autoptr (GstCaps) caps = NULL;
  g_autofree gchar *warnings = NULL;
  gsize size;

  push_body (emulator, "/audio/", "audio/pcm", pcm);
  caps = run_for_raw_speech (&p, "Guess.", &size);
  fail_unless_equals_uint64 (size, g_bytes_get_size (pcm));
  warnings = pop_warnings (p.pipeline);
  fail_unless_equals_int (count_lines_with (warnings, "a guess"), 1);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Without skip-failed a failed slot is an error, as in one-shot mode; with
 * it, answers no later request fixes (4xx) still are. A stream that ends
 * so asks for nothing more (a generation is billed). */
GST_START_TEST (test_failed_slot_is_an_error)
{
  static const struct
  {
    gboolean skip_failed;
    guint status;
    GstResourceError code;
  } cases[] = {
    {FALSE, 503, GST_RESOURCE_ERROR_READ},
    {TRUE, 401, GST_RESOURCE_ERROR_NOT_AUTHORIZED},
  };
  g_autoptr (GBytes) jpeg = make_jpeg ("A");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    PollenEmulator *emulator = pollen_test_emulator_new ();
    Pipeline p = pipeline_new_to_end (emulator);
    PollenTestRecorder *recorder = recorder_on (p.src);
    g_autoptr (GstMessage) end = NULL;

    push_body (emulator, "/image/", "image/jpeg", jpeg);
    push_error (emulator, "/image/", cases[i].status);
    g_object_set (p.src, "prompt", "x", "interval", 0.2, "skip-failed",
        cases[i].skip_failed, NULL);
    end = run_to_end (&p);
    pollen_test_assert_error (end, cases[i].code, cases[i].status,
        "SCRIPTED", "for the slot at 0:00:00.2");
    fail_unless_equals_int (pollen_test_recorder_count_outputs (recorder), 1);
    /* two slots later, still no third request */
    g_usleep (400 * G_TIME_SPAN_MILLISECOND);
    fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 2);
    pollen_test_recorder_free (recorder);
    pipeline_free (&p);
    pollen_emulator_free (emulator);
  }
}

GST_END_TEST;

GST_START_TEST (test_late_generation_repeats_the_last_picture)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  GstClockTime interval = 300 * GST_MSECOND * pollen_test_time_scale ();
  g_autoptr (GBytes) jpeg_a = make_jpeg ("A");
  g_autoptr (GBytes) jpeg_b = make_jpeg ("B");
  PollenEmulatorResponse *slow = pollen_emulator_response_new (200,
      "image/jpeg", NULL, 0);
  g_autofree gchar *warnings = NULL;
  PollenTestRecorder *recorder = recorder_on (p.src);
  guint i, b;

  /* takes longer than two slots */
  slow->body = g_bytes_ref (jpeg_b);
  slow->delay_ms = 2.5 * interval / GST_MSECOND;
  push_body (emulator, "/image/", "image/jpeg", jpeg_a);
  pollen_emulator_push (emulator, "/image/", slow);
  g_object_set (p.src, "prompt", "x", "interval",
      (gdouble) interval / GST_SECOND, NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  b = recorder_wait_for (recorder, jpeg_b, 0, 8, interval);
  warnings = pop_warnings (p.pipeline);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  /* the slot it missed shows A again, with a warning */
  fail_unless (b >= 2, "B came out as item %u", b);
  for (i = 0; i < b; i++)
    fail_unless (item_is (recorder, i, jpeg_a), "item %u is not A", i);
  fail_unless (count_lines_with (warnings, "Nothing new") >= b - 1);
  fail_unless_equals_int (count_lines_with (warnings, ""),
      count_lines_with (warnings, "Nothing new"));

  pollen_test_recorder_free (recorder);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Whether items @a and @b are buffers with the same bytes. */
static gboolean
items_equal (PollenTestRecorder * recorder, guint a, guint b)
{
  GstMiniObject *first = pollen_test_recorder_get_output (recorder, a);
  GstMapInfo map;
  gboolean equal;

  if (!GST_IS_BUFFER (first) ||
      !gst_buffer_map (GST_BUFFER_CAST (first), &map, GST_MAP_READ))
    return FALSE;
  {
    g_autoptr (GBytes) body = g_bytes_new (map.data, map.size);

    equal = item_is (recorder, b, body);
  }
  gst_buffer_unmap (GST_BUFFER_CAST (first), &map);
  return equal;
}

/* The model's per-user limit met in interval mode, for real: the next
 * generation waits it out without spending a retry, the slots it misses
 * show the last picture again with a warning, and what the wait was for
 * is said on the bus. */
GST_START_TEST (test_model_rate_limit_ridden_out_in_interval_mode)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  GstClockTime interval = 300 * GST_MSECOND * pollen_test_time_scale ();
  g_autofree gchar *warnings = NULL;
  PollenTestRecorder *recorder = recorder_on (p.src);
  guint i, repeats;

  /* one picture per 3 s: the next, asked a slot ahead, is refused however
   * fast the machine is */
  pollen_emulator_set_model_rate_limit (emulator, "flux", 1, 3000);
  g_object_set (p.src, "prompt", "x", "model", "flux", "width", 64, "height",
      64, "retries", 0, "interval", (gdouble) interval / GST_SECOND, NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  for (i = 1; i < 24; i++) {
    pollen_test_recorder_wait_outputs (recorder, i + 1);
    fail_unless_equals_uint64 (item_time (recorder, i),
        item_time (recorder, i - 1) + interval);
    if (!items_equal (recorder, 0, i))
      break;
  }
  warnings = pop_warnings (p.pipeline);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  fail_unless (i < 24, "no second picture in 24 slots");
  repeats = i - 1;
  fail_unless (count_lines_with (warnings, "429 Too Many Requests: Per-user "
          "limit of 1 RPM exceeded for model "
          "black-forest-labs/flux.1-schnell") >= 1, "%s", warnings);
  fail_unless (count_lines_with (warnings, "(attempt 1 of 1)") >= 1, "%s",
      warnings);
  fail_unless (count_lines_with (warnings, "Nothing new") >= repeats, "%s",
      warnings);

  pollen_test_recorder_free (recorder);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A prompt change flushes the generation in flight, even one the server
 * never answers, and a generation for the new prompt follows. */
GST_START_TEST (test_prompt_change_flushes_a_hung_generation)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  GstClockTime interval = 300 * GST_MSECOND * pollen_test_time_scale ();
  g_autoptr (GBytes) jpeg_a = make_jpeg ("A");
  g_autoptr (GBytes) jpeg_b = make_jpeg ("B");
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (PollenEmulatorRequest) hung = NULL;
  PollenTestRecorder *recorder = recorder_on (p.src);

  hang->hang = TRUE;
  push_jpegs (emulator, "A", 1, jpeg_a);
  pollen_emulator_push (emulator, "/image/A", hang);
  push_jpegs (emulator, "B", 1, jpeg_b);
  g_object_set (p.src, "prompt", "A", "interval",
      (gdouble) interval / GST_SECOND, NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  fail_unless_equals_int (recorder_wait_for (recorder, jpeg_a, 0, 0,
          interval), 0);
  hung = pollen_emulator_wait_request (emulator, 1, POLLEN_TEST_MS (5000));
  fail_unless (hung != NULL);
  g_object_set (p.src, "prompt", "B", NULL);
  recorder_wait_for (recorder, jpeg_b, 1, 4, interval);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  pollen_test_recorder_free (recorder);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A synchronised sink can meet the latency pollensrc reports: no "please
 * add queues" warning (nor any other) over a few slots. */
GST_START_TEST (test_interval_latency)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GBytes) jpeg = make_jpeg ("A");
  g_autoptr (GstQuery) latency = gst_query_new_latency ();
  g_autofree gchar *warnings = NULL;
  PollenTestRecorder *recorder = recorder_on (p.src);
  GstClockTime min_latency, max_latency;
  gboolean live;

  push_jpegs (emulator, "A", 10, jpeg);
  g_object_set (p.src, "prompt", "A", "interval", 1.0, NULL);
  g_object_set (p.sink, "sync", TRUE, NULL);
  gst_element_set_state (p.pipeline, GST_STATE_PLAYING);
  pollen_test_recorder_wait_outputs (recorder, 3);
  warnings = pop_warnings (p.pipeline);
  fail_unless_equals_string (warnings, "");

  /* a slot may come until it ends; more than two held up skips slots */
  fail_unless (gst_element_query (p.src, latency));
  gst_query_parse_latency (latency, &live, &min_latency, &max_latency);
  fail_unless (live);
  fail_unless_equals_uint64 (min_latency, GST_SECOND);
  fail_unless_equals_uint64 (max_latency, 2 * GST_SECOND);
  gst_element_set_state (p.pipeline, GST_STATE_NULL);

  pollen_test_recorder_free (recorder);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* With num-buffers, interval mode generates no more than the stream can
 * show: the generation made a slot ahead is not asked for after the last
 * buffer (it would be billed and never shown). Pictures one per slot,
 * frames repeating a picture (slots 0, 0, 1, 1, 2), captions after their
 * empty first buffer. The answers come at once; a slow machine that makes
 * one late can only ask for fewer. */
GST_START_TEST (test_interval_generates_no_more_than_shown)
{
  const struct
  {
    const gchar *settings;
    guint most;
  } runs[] = {
    {"interval=0.3 num-buffers=3", 3},
    {"interval=0.3 frame-rate=10/1 num-buffers=7", 3},
    {"media=text interval=0.3 num-buffers=3", 2},
  };
  g_autoptr (GBytes) jpeg = make_jpeg ("A");
  g_autoptr (GBytes) text = g_bytes_new_static ("A caption.", 10);
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (runs); i++) {
    PollenEmulator *emulator = pollen_test_emulator_new ();
    g_autofree gchar *desc = g_strdup_printf ("pollensrc prompt=A "
        "base-url=%s api-key=" POLLEN_TEST_KEY " %s ! fakesink",
        pollen_emulator_get_url (emulator), runs[i].settings);
    GstElement *pipeline = gst_parse_launch (desc, NULL);
    g_autoptr (GstMessage) end = NULL;

    for (k = 0; k < 8; k++) {
      push_body (emulator, "/image/A", "image/jpeg", jpeg);
      push_body (emulator, "/text/A", "text/plain", text);
    }
    end = pollen_test_run (pipeline, 20 * GST_SECOND);
    fail_unless (end && GST_MESSAGE_TYPE (end) == GST_MESSAGE_EOS,
        "%s: no EOS", runs[i].settings);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    fail_unless (pollen_emulator_get_request_count (emulator) <= runs[i].most,
        "%s: %u generations for %u to show", runs[i].settings,
        pollen_emulator_get_request_count (emulator), runs[i].most);
    fail_unless (pollen_emulator_get_request_count (emulator) > 0);
    gst_object_unref (pipeline);
    pollen_emulator_free (emulator);
  }
}

GST_END_TEST;

/* A ticker: pollen://text/ with interval, a new text per slot, each a
 * caption shown from when it comes to the end of its slot, after an empty
 * first buffer that puts the segment downstream; latency 0, so the video
 * it goes over is never held back an interval. */
GST_START_TEST (test_text_per_slot)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GstQuery) latency = gst_query_new_latency ();
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *sink = gst_element_factory_make ("appsink", NULL);
  GstClockTime slot = 300 * GST_MSECOND, min_latency, max_latency, end = 0;
  GstElement *src;
  gboolean live;
  guint i, count;

  src = gst_element_make_from_uri (GST_URI_SRC, "pollen://text/news%20of"
      "%20the%20day?interval=0.3&system=One%20line.&skip-failed=true",
      NULL, &error);
  fail_unless (src != NULL, "%s", error ? error->message : "");
  pollen_test_point_at (src, emulator);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  for (i = 0; i < 4; i++) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 5 * GST_SECOND);
    GstBuffer *buffer;
    GstClockTime pts;

    fail_unless (sample != NULL);
    fail_unless (gst_structure_has_name (gst_caps_get_structure
            (gst_sample_get_caps (sample), 0), "text/x-raw"));
    buffer = gst_sample_get_buffer (sample);
    pts = GST_BUFFER_PTS (buffer);
    if (i == 0) {
      fail_unless_equals_uint64 (pts, 0);
      fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer), 0);
      fail_unless_equals_uint64 (gst_buffer_get_size (buffer), 0);
      continue;
    }
    /* from when it came to the end of a slot after the last one */
    fail_unless (pts >= end, "%" GST_TIME_FORMAT " before %" GST_TIME_FORMAT,
        GST_TIME_ARGS (pts), GST_TIME_ARGS (end));
    end = pts + GST_BUFFER_DURATION (buffer);
    fail_unless_equals_uint64 (end % slot, 0);
    fail_unless (end - pts <= slot);
    fail_unless (gst_buffer_get_size (buffer) > 0);
  }
  fail_unless (gst_element_query (src, latency));
  gst_query_parse_latency (latency, &live, &min_latency, &max_latency);
  fail_unless (live);
  fail_unless_equals_uint64 (min_latency, 0);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  count = pollen_emulator_get_request_count (emulator);
  for (i = 0; i < count; i++) {
    g_autoptr (PollenEmulatorRequest) request =
        pollen_emulator_wait_request (emulator, i, 0);

    fail_unless_equals_string (request->path, "/text/news of the day");
    assert_query (request, "system", "One line.");
    fail_unless (pollen_emulator_request_get_query (request, "seed"));
  }
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- frame-rate: a live video stream ---- */

static gchar *
sample_checksum (GstSample * sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;
  gchar *sum;

  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  sum = g_compute_checksum_for_data (G_CHECKSUM_MD5, map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return sum;
}

/* Sends EOS as gst-launch -e does on Ctrl-C and waits for it to come out;
 * @appsink (or NULL) is drained, since it holds EOS back until then. */
static void
assert_stops_on_eos (GstElement * pipeline, GstElement * appsink)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) end = NULL;
  GstSample *sample;

  fail_unless (gst_element_send_event (pipeline, gst_event_new_eos ()));
  while (appsink && (sample = gst_app_sink_try_pull_sample (GST_APP_SINK
              (appsink), 5 * GST_SECOND)))
    gst_sample_unref (sample);
  end = gst_bus_timed_pop_filtered (bus, POLLEN_TEST_WAIT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (end != NULL, "no EOS");
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  gst_object_unref (bus);
}

/* 10 frames a second, a new picture every 0.4 s: decoded frames have exact
 * timestamps and the picture changes only at the first frame of a slot;
 * EOS ends the stream. On a slow machine the first picture may miss the
 * first slots, whose frames are skipped: the stream then starts at a later
 * slot. */
GST_START_TEST (test_frame_rate_switches_on_slot)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = pollen_test_launch (emulator,
      "pollensrc name=src prompt=city width=64 height=48 interval=0.4 "
      "frame-rate=10/1 skip-failed=true ! jpegdec ! videoconvert "
      "! video/x-raw,format=I420 ! appsink name=sink sync=true");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_autofree gchar *previous = NULL;
  GstClockTime start = GST_CLOCK_TIME_NONE;
  guint i, changes = 0;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (i = 0; i < 16; i++) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 5 * GST_SECOND);
    gchar *sum;
    GstBuffer *buffer;

    fail_unless (sample != NULL, "frame %u did not come", i);
    buffer = gst_sample_get_buffer (sample);
    if (i == 0) {
      start = GST_BUFFER_PTS (buffer);
      fail_unless (start % (400 * GST_MSECOND) == 0);
    }
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer),
        start + i * 100 * GST_MSECOND);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer),
        100 * GST_MSECOND);
    sum = sample_checksum (sample);
    if (previous && !g_str_equal (sum, previous)) {
      fail_unless (i % 4 == 0, "the picture changed at frame %u", i);
      changes++;
    }
    g_free (previous);
    previous = sum;
  }
  /* a fresh seed per slot gives a new picture (unless the machine is so
   * slow that every generation was late) */
  fail_unless (changes >= 1);
  assert_stops_on_eos (pipeline, sink);
  fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)));

  gst_object_unref (sink);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static const gchar *
h264_encoder (void)
{
  static const gchar *const encoders[] = {
    "x264enc key-int-max=5", "openh264enc gop-size=5", NULL
  };
  guint i;

  for (i = 0; encoders[i]; i++) {
    g_autofree gchar *name = g_strndup (encoders[i],
        strcspn (encoders[i], " "));
    GstElementFactory *factory = gst_element_factory_find (name);

    if (factory) {
      gst_object_unref (factory);
      return encoders[i];
    }
  }
  return NULL;
}

static void
remove_dir (const gchar * dir)
{
  GDir *listing = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (listing && (name = g_dir_read_name (listing))) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);

    g_remove (path);
  }
  if (listing)
    g_dir_close (listing);
  g_rmdir (dir);
}

/* The HLS recipe: segments and a playlist that ends on EOS. */
GST_START_TEST (test_frame_rate_into_hls)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *dir = g_dir_make_tmp ("pollensrc-hls-XXXXXX", NULL);
  g_autofree gchar *playlist = g_build_filename (dir, "live.m3u8", NULL);
  g_autofree gchar *segment = g_build_filename (dir, "seg00000.ts", NULL);
  g_autofree gchar *description = NULL;
  g_autofree gchar *text = NULL;
  const gchar *encoder = h264_encoder ();
  GstElement *pipeline;
  GStatBuf st;

  if (!encoder) {
    GST_WARNING ("no H.264 encoder (x264enc, openh264enc): skipped");
    pollen_emulator_free (emulator);
    return;
  }
  description = g_strdup_printf ("pollensrc name=src prompt=city width=64 "
      "height=48 interval=0.5 frame-rate=10/1 skip-failed=true ! jpegdec "
      "! videoconvert ! %s ! h264parse ! hlssink2 target-duration=1 "
      "location=%s/seg%%05d.ts playlist-location=%s", encoder, dir, playlist);
  pipeline = pollen_test_launch (emulator, description);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_usleep (2 * G_USEC_PER_SEC);
  assert_stops_on_eos (pipeline, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless (g_file_get_contents (playlist, &text, NULL, NULL));
  fail_unless (strstr (text, "seg00000.ts") && strstr (text,
          "#EXT-X-ENDLIST"), "%s", text);
  fail_unless (g_stat (segment, &st) == 0 && st.st_size > 0);

  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
  remove_dir (dir);
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
  pollen_test_point_at (src, emulator);
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

    /* unset: the media's default, veo, is what the request sends */
    g_object_get (src, "model", &model, "aspect-ratio", &ratio, "duration",
        &duration, NULL);
    fail_unless (model == NULL, "%s", model);
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
  /* an enum refuses a typo before any request */
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://speech/x?response_format=mp4", &error));
  g_clear_error (&error);
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://image/x?extra-params=p,key=sk_abc", &error));
  fail_unless (strstr (error->message, "must not carry the API key"));
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

/* A URI is applied whole or not at all: a refused one leaves the element
 * as it was, and a new one says the model again (its media's default unless
 * it names one). */
GST_START_TEST (test_uri_applied_whole_or_not_at_all)
{
  GstElement *src = gst_element_factory_make ("pollensrc", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *prompt = NULL;
  g_autofree gchar *model = NULL;
  g_autofree gchar *uri = NULL;
  guint width;
  gint media;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://image/a%20cat?model=gptimage&width=640", &error));
  fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://video/waves?duration=6&width=800&colour=red", &error));
  fail_unless (strstr (error->message, "colour"), "%s", error->message);
  g_object_get (src, "media", &media, "prompt", &prompt, "model", &model,
      "width", &width, NULL);
  fail_unless_equals_int (media, 0);
  fail_unless_equals_string (prompt, "a cat");
  fail_unless_equals_string (model, "gptimage");
  fail_unless_equals_int (width, 640);
  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (src));
  fail_unless_equals_string (uri, "pollen://image/a%20cat?model=gptimage&"
      "width=640");

  g_clear_pointer (&model, g_free);
  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
          "pollen://video/waves", NULL));
  g_object_get (src, "model", &model, NULL);
  fail_unless (model == NULL, "a new URI kept the old model %s", model);
  gst_object_unref (src);
}

GST_END_TEST;

/* A value of @pspec's type other than its default, as URI text. */
static gchar *
non_default_text (GParamSpec * pspec)
{
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);

  if (type == G_TYPE_BOOLEAN)
    return g_strdup (G_PARAM_SPEC_BOOLEAN (pspec)->default_value ?
        "false" : "true");
  if (type == G_TYPE_UINT)
    return g_strdup_printf ("%u", G_PARAM_SPEC_UINT (pspec)->default_value
        + 1);
  if (type == G_TYPE_INT)
    return g_strdup_printf ("%d", G_PARAM_SPEC_INT (pspec)->default_value
        + 1);
  if (type == G_TYPE_UINT64)
    return g_strdup_printf ("%" G_GUINT64_FORMAT,
        G_PARAM_SPEC_UINT64 (pspec)->default_value + 1);
  if (type == G_TYPE_DOUBLE)
    return g_strdup_printf ("%g", G_PARAM_SPEC_DOUBLE (pspec)->default_value
        + 1);
  if (G_TYPE_IS_ENUM (type)) {
    GParamSpecEnum *spec = G_PARAM_SPEC_ENUM (pspec);
    GEnumValue *values = spec->enum_class->values;

    return g_strdup (values[values[0].value == spec->default_value ?
            1 : 0].value_nick);
  }
  if (type == G_TYPE_STRING)
    return g_strdup ("set by uri");
  if (type == GST_TYPE_STRUCTURE)
    return g_strdup ("params, private=true");
  if (type == GST_TYPE_FRACTION)
    return g_strdup ("25/1");
  fail ("no test value for %s", pspec->name);
  return NULL;
}

/* Sets @pspec to a non-default value through a pollen:// URI and checks
 * the property took it. */
static void
check_property_through_uri (GstElement * src, GParamSpec * pspec)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = non_default_text (pspec);
  g_autofree gchar *escaped = g_uri_escape_string (text, NULL, FALSE);
  g_autofree gchar *uri = g_strdup_printf ("pollen://image/x?%s=%s",
      pspec->name, escaped);
  GValue want = G_VALUE_INIT, got = G_VALUE_INIT;

  fail_unless (gst_uri_handler_set_uri (GST_URI_HANDLER (src), uri, &error),
      "%s: %s", uri, error ? error->message : "");
  g_value_init (&want, pspec->value_type);
  g_value_init (&got, pspec->value_type);
  fail_unless (gst_value_deserialize_with_pspec (&want, text, pspec));
  g_object_get_property (G_OBJECT (src), pspec->name, &got);
  fail_unless (gst_value_compare (&want, &got) == GST_VALUE_EQUAL,
      "%s did not take %s", pspec->name, text);
  g_value_unset (&want);
  g_value_unset (&got);
}

/* Every writable pollensrc property but the four a URI must not set can
 * be set through a URI, by its own name. */
GST_START_TEST (test_every_property_through_uri)
{
  static const gchar *const refused[] = { "prompt", "media", "base-url",
    "api-key", NULL
  };
  GstElement *src = gst_element_factory_make ("pollensrc", NULL);
  g_autofree GParamSpec **pspecs = NULL;
  guint i, n, checked = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (src), &n);
  for (i = 0; i < n; i++) {
    g_autofree gchar *uri = NULL;
    g_autoptr (GError) error = NULL;

    if (pspecs[i]->owner_type != G_OBJECT_TYPE (src) ||
        !(pspecs[i]->flags & G_PARAM_WRITABLE))
      continue;
    if (!g_strv_contains (refused, pspecs[i]->name)) {
      check_property_through_uri (src, pspecs[i]);
      checked++;
      continue;
    }
    uri = g_strdup_printf ("pollen://image/x?%s=y", pspecs[i]->name);
    fail_if (gst_uri_handler_set_uri (GST_URI_HANDLER (src), uri, &error));
  }
  fail_unless (checked >= 20, "only %u properties", checked);
  gst_object_unref (src);
}

GST_END_TEST;

/* gst-inspect shows the documented base-url; the environment variable
 * still decides where requests go. */
GST_START_TEST (test_base_url_default_is_the_documented_one)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src, *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GBytes) jpeg = make_jpeg ("x");
  g_autoptr (GstMessage) end = NULL;
  g_autofree gchar *base_url = NULL;

  g_setenv ("POLLINATIONS_BASE_URL", pollen_emulator_get_url (emulator),
      TRUE);
  src = gst_element_factory_make ("pollensrc", NULL);
  g_object_get (src, "base-url", &base_url, NULL);
  fail_unless_equals_string (base_url, "https://gen.pollinations.ai");

  push_body (emulator, "/image/", "image/jpeg", jpeg);
  g_object_set (src, "prompt", "x", "api-key", POLLEN_TEST_KEY, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, sink, NULL);
  fail_unless (gst_element_link (src, sink));
  end = pollen_test_run (pipeline, 20 * GST_SECOND);
  g_setenv ("POLLINATIONS_BASE_URL", "", TRUE);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 1);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
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

/* extra-headers go with every request, but the key's header stays the
 * client's: a structure that would replace it is refused. */
GST_START_TEST (test_extra_headers_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstStructure) headers =
      gst_structure_from_string ("h, X-Team=video, X-Cost-Centre=42", NULL);
  g_autoptr (GstStructure) with_auth =
      gst_structure_from_string ("h, Authorization=\"Bearer other\"", NULL);
  g_autoptr (GstStructure) now = NULL;
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (GBytes) jpeg = make_jpeg ("x");

  push_body (emulator, "/image/", "image/jpeg", jpeg);
  g_object_set (p.src, "prompt", "x", "extra-headers", headers, NULL);
  ASSERT_WARNING (g_object_set (p.src, "extra-headers", with_auth, NULL));
  g_object_get (p.src, "extra-headers", &now, NULL);
  fail_unless (gst_structure_is_equal (now, headers));
  end = run_to_end (&p);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "X-Team"), "video");
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "X-Cost-Centre"), "42");
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A set proxy is used instead of a direct connection: one that does not
 * listen is a connect error, though the server itself is up. */
GST_START_TEST (test_proxy_is_used)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autofree gchar *proxy = pollen_test_unused_url ();
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (GBytes) jpeg = make_jpeg ("x");

  push_body (emulator, "/image/", "image/jpeg", jpeg);
  g_object_set (p.src, "prompt", "x", "proxy", proxy, NULL);
  end = run_to_end (&p);
  pollen_test_assert_error (end, GST_RESOURCE_ERROR_OPEN_READ, 0, NULL,
      "proxy");
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 0);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A CA file that cannot be read fails the start, naming the property,
 * instead of every request failing TLS later. */
GST_START_TEST (test_ssl_ca_file_missing_fails_at_start)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Pipeline p = pipeline_new_to_end (emulator);
  g_autoptr (GstMessage) end = NULL;

  g_object_set (p.src, "prompt", "x", "ssl-ca-file",
      "/nonexistent/gst-pollen-ca.pem", NULL);
  end = run_to_end (&p);
  pollen_test_assert_error (end, GST_RESOURCE_ERROR_SETTINGS, 0, NULL,
      "ssl-ca-file");
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 0);
  pipeline_free (&p);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The key goes only in the Authorization header: extra-params, which may
 * become query parameters, refuses it and keeps what it had. */
GST_START_TEST (test_extra_params_refuse_the_key)
{
  GstElement *src = gst_element_factory_make ("pollensrc", NULL);
  GstStructure *with_key = gst_structure_from_string ("params, key=sk_x, "
      "private=true", NULL);
  GstStructure *plain = gst_structure_from_string ("params, private=true",
      NULL);
  GstStructure *now = NULL;

  g_object_set (src, "extra-params", plain, NULL);
  ASSERT_WARNING (g_object_set (src, "extra-params", with_key, NULL));
  g_object_get (src, "extra-params", &now, NULL);
  fail_unless (gst_structure_is_equal (now, plain));
  gst_structure_free (now);
  gst_structure_free (with_key);
  gst_structure_free (plain);
  gst_object_unref (src);
}

GST_END_TEST;

static gboolean
list_has_pollensrc (GList * factories)
{
  GList *l;

  for (l = factories; l; l = l->next) {
    if (g_str_equal (GST_OBJECT_NAME (l->data), "pollensrc"))
      return TRUE;
  }
  return FALSE;
}

/* autovideosrc/autoaudiosrc take any source of their kind ranked marginal
 * or more: a prompt-driven source must not be one of them. */
GST_START_TEST (test_never_autoplugged_as_a_capture_source)
{
  GList *video = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_SRC | GST_ELEMENT_FACTORY_TYPE_MEDIA_VIDEO,
      GST_RANK_MARGINAL);
  GList *audio = gst_element_factory_list_get_elements
      (GST_ELEMENT_FACTORY_TYPE_SRC | GST_ELEMENT_FACTORY_TYPE_MEDIA_AUDIO,
      GST_RANK_MARGINAL);
  GstElement *auto_src = gst_element_factory_make ("autovideosrc", NULL);
  GstElement *uri_src = gst_element_make_from_uri (GST_URI_SRC,
      "pollen://image/cat", NULL, NULL);
  GstIterator *children;
  GValue child = G_VALUE_INIT;

  fail_if (list_has_pollensrc (video));
  fail_if (list_has_pollensrc (audio));
  /* the URI still finds it */
  fail_unless (uri_src != NULL);
  fail_unless_equals_string (GST_OBJECT_NAME (gst_element_get_factory
          (uri_src)), "pollensrc");

  fail_unless (auto_src != NULL);
  gst_element_set_state (auto_src, GST_STATE_READY);
  children = gst_bin_iterate_elements (GST_BIN (auto_src));
  while (gst_iterator_next (children, &child) == GST_ITERATOR_OK) {
    GstElement *picked = g_value_get_object (&child);

    fail_if (g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (picked)),
            "pollensrc"));
    g_value_reset (&child);
  }
  g_value_unset (&child);
  gst_iterator_free (children);
  gst_element_set_state (auto_src, GST_STATE_NULL);
  gst_object_unref (auto_src);
  gst_object_unref (uri_src);
  gst_plugin_feature_list_free (video);
  gst_plugin_feature_list_free (audio);
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
  tcase_add_test (tc, test_resolution_and_references_on_the_wire);
  tcase_add_test (tc, test_wrong_model_or_duration_is_an_error);
  tcase_add_test (tc, test_speech_and_music_on_the_wire);
  tcase_add_test (tc, test_text_on_the_wire);
  tcase_add_test (tc, test_text_not_utf8_is_repaired);
  tcase_add_test (tc, test_text_is_timed);
  tcase_add_test (tc, test_tags_one_shot);
  tcase_add_test (tc, test_tags_per_slot);
  tcase_add_test (tc, test_tags_pull_mode);
  tcase_add_test (tc, test_caps_for_each_media_type);
  tcase_add_test (tc, test_pcm_speech_at_the_right_rate);
  tcase_add_test (tc, test_headerless_pcm_speech_warns);
  tcase_add_test (tc, test_unrecognised_body_is_an_error);
  tcase_add_test (tc, test_speech_wav_short_of_its_header);
  tcase_add_test (tc, test_random_bytes_not_a_picture);
  tcase_add_test (tc, test_answer_of_the_wrong_kind_is_an_error);
  tcase_add_test (tc, test_quote_cut_inside_the_key);
  tcase_add_test (tc, test_qtdemux_pull_mode_and_seek);
  tcase_add_test (tc, test_client_errors_become_element_errors);
  tcase_add_test (tc, test_publishable_key_payment_required);
  tcase_add_test (tc, test_speech_voice_the_model_lacks);
  tcase_add_test (tc, test_provider_failure_is_not_about_the_key);
  tcase_add_test (tc, test_transient_errors_retried);
  tcase_add_test (tc, test_rate_limit_without_retries_is_an_error);
  tcase_add_test (tc, test_transport_errors);
  tcase_add_test (tc, test_stop_during_hung_request);
  tcase_add_test (tc, test_empty_prompt_refused);
  tcase_add_test (tc, test_tiny_interval_refused);
  tcase_add_test (tc, test_blank_prompt_ignored_while_running);
  tcase_add_test (tc, test_progress_messages);
  tcase_add_test (tc, test_progress_percent);
  tcase_add_test (tc, test_connection_kept_across_runs);
  tcase_add_test (tc, test_limits_changed_between_runs);
  tcase_add_test (tc, test_interval_mode);
  tcase_add_test (tc, test_skip_failed_repeats_the_last_picture);
  tcase_add_test (tc, test_skip_failed_gaps_for_audio);
  tcase_add_test (tc, test_retry_posts_a_warning);
  tcase_add_test (tc, test_retry_after_beyond_the_cap_is_said);
  tcase_add_test (tc, test_extra_headers_on_the_wire);
  tcase_add_test (tc, test_proxy_is_used);
  tcase_add_test (tc, test_ssl_ca_file_missing_fails_at_start);
  tcase_add_test (tc, test_failed_slot_is_an_error);
  tcase_add_test (tc, test_late_generation_repeats_the_last_picture);
  tcase_add_test (tc, test_model_rate_limit_ridden_out_in_interval_mode);
  tcase_add_test (tc, test_prompt_change_flushes_a_hung_generation);
  tcase_add_test (tc, test_interval_latency);
  tcase_add_test (tc, test_interval_generates_no_more_than_shown);
  tcase_add_test (tc, test_uri_handler);
  tcase_add_test (tc, test_uri_applied_whole_or_not_at_all);
  tcase_add_test (tc, test_text_per_slot);
  tcase_add_test (tc, test_frame_rate_switches_on_slot);
  tcase_add_test (tc, test_frame_rate_into_hls);
  tcase_add_test (tc, test_frame_rate_needs_pictures_and_slots);
  tcase_add_test (tc, test_every_property_through_uri);
  tcase_add_test (tc, test_base_url_default_is_the_documented_one);
  tcase_add_test (tc, test_api_key_is_write_only);
  tcase_add_test (tc, test_never_autoplugged_as_a_capture_source);
  tcase_add_test (tc, test_extra_params_refuse_the_key);
  return s;
}

GST_CHECK_MAIN (pollensrc);
