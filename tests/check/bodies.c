/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollensrc with bodies of the sizes and shapes today's models send,
 * run as gst-launch-1.0 runs a pipeline (PAUSED, then PLAYING once no
 * progress is in progress): pictures of several MB, MP4 video with its
 * index first and last, long audio into a file, with and without
 * Content-Length, in pull and in push mode. */

#include "pollentest.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (64 * 1024)       /* pollensrc's blocksize here: bodies of
                                 * many blocks without encoding many MB */

/* What @description (a gst-launch line without its sink) writes into a
 * file, read back. */
static GBytes *
encode (const gchar * description)
{
  g_autofree gchar *path = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstMessage) end = NULL;
  gchar *data;
  gsize size;
  gint fd = g_file_open_tmp ("pollen-body-XXXXXX", &path, &error);

  fail_unless (fd >= 0, "%s", error ? error->message : "");
  close (fd);
  line = g_strdup_printf ("%s ! filesink location=%s", description, path);
  pipeline = gst_parse_launch (line, &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  end = pollen_test_run (pipeline, 60 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  fail_unless (g_file_get_contents (path, &data, &size, &error), "%s",
      error ? error->message : "");
  g_unlink (path);
  return g_bytes_new_take (data, size);
}

/* A PNG that does not compress: 3 MB, as gptimage-like models send. */
static GBytes *
large_png (void)
{
  return encode ("videotestsrc pattern=snow num-buffers=1 "
      "! video/x-raw,format=RGB,width=1024,height=1024 "
      "! pngenc compression-level=0");
}

/* A two-second H.264 clip in MP4, its index (moov) first or last. */
static GBytes *
h264_mp4 (gboolean faststart)
{
  g_autofree gchar *line = g_strdup_printf ("videotestsrc pattern=snow "
      "num-buffers=50 ! video/x-raw,width=640,height=360,framerate=25/1 "
      "! openh264enc bitrate=4000000 ! h264parse ! mp4mux faststart=%s",
      faststart ? "true" : "false");

  return encode (line);
}

/* Eight seconds of 44.1 kHz stereo WAV: 1.4 MB of "music". */
static GBytes *
long_wav (void)
{
  return encode ("audiotestsrc num-buffers=345 samplesperbuffer=1024 "
      "! audio/x-raw,rate=44100,channels=2,format=S16LE ! wavenc");
}

/* Whether the index (moov) comes before the media (mdat). */
static gboolean
index_first (GBytes * mp4)
{
  gsize size, at = 0;
  const guint8 *data = g_bytes_get_data (mp4, &size);

  while (at + 8 <= size) {
    if (memcmp (data + at + 4, "moov", 4) == 0)
      return TRUE;
    if (memcmp (data + at + 4, "mdat", 4) == 0)
      return FALSE;
    at += GST_READ_UINT32_BE (data + at);
  }
  fail ("no moov or mdat box");
  return FALSE;
}

/* Queues @body as the next answer on @prefix: with its Content-Length, or
 * chunked without one. */
static void
push_answer (PollenEmulator * emulator, const gchar * prefix,
    const gchar * content_type, GBytes * body, gboolean chunked)
{
  PollenEmulatorResponse *answer = pollen_emulator_response_new (200,
      content_type, NULL, 0);

  answer->body = g_bytes_ref (body);
  if (chunked)
    answer->chunk_size = 256 * 1024;
  pollen_emulator_push (emulator, prefix, answer);
}

/* @description with its pollensrc (named src) pointed at @emulator. */
static GstElement *
launch (PollenEmulator * emulator, const gchar * description)
{
  GstElement *pipeline = pollen_test_launch (emulator, description);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");

  g_object_set (src, "blocksize", BLOCK, NULL);
  return pipeline;
}

static void
assert_eos (GstMessage * end, const gchar * what)
{
  g_autoptr (GError) error = NULL;

  if (GST_MESSAGE_TYPE (end) == GST_MESSAGE_ERROR)
    gst_message_parse_error (end, &error, NULL);
  fail_unless (error == NULL, "%s: %s", what, error->message);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
}

/* Runs "pollensrc ! @rest ! filesink" like gst-launch-1.0 and returns what
 * the file holds. */
static GBytes *
run_to_file (PollenEmulator * emulator, const gchar * src_properties,
    const gchar * rest)
{
  g_autofree gchar *path = g_build_filename (g_get_tmp_dir (),
      "pollen-bodies-out", NULL);
  g_autofree gchar *line = g_strdup_printf ("pollensrc name=src %s ! %s "
      "! filesink location=%s", src_properties, rest, path);
  g_autoptr (GstElement) pipeline = launch (emulator, line);
  g_autoptr (GstMessage) end = pollen_test_run_like_launch (pipeline,
      20 * GST_SECOND);
  gchar *data;
  gsize size;

  assert_eos (end, line);
  fail_unless (g_file_get_contents (path, &data, &size, NULL));
  g_unlink (path);
  return g_bytes_new_take (data, size);
}

/* A picture of many blocks arrives whole, byte for byte, whether its size
 * is announced or not: its end is checked on the whole body, not on the
 * first block. */
GST_START_TEST (test_picture_of_several_mb)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) png = large_png ();
  gboolean chunked;

  fail_unless (g_bytes_get_size (png) > 3000000);
  for (chunked = FALSE; chunked <= TRUE; chunked++) {
    g_autoptr (GBytes) out = NULL;

    push_answer (emulator, "/image/", "image/png", png, chunked);
    out = run_to_file (emulator, "prompt=a\\ fox model=gptimage",
        "identity");
    fail_unless (g_bytes_equal (out, png), "%s: %" G_GSIZE_FORMAT " of %"
        G_GSIZE_FORMAT " bytes came out", chunked ? "chunked" :
        "Content-Length", g_bytes_get_size (out), g_bytes_get_size (png));
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The same picture, decoded as the README's quick start does. */
GST_START_TEST (test_picture_of_several_mb_decoded)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) png = large_png ();
  g_autoptr (GBytes) out = NULL;

  push_answer (emulator, "/image/", "image/png", png, FALSE);
  out = run_to_file (emulator, "prompt=a\\ fox model=gptimage",
      "decodebin ! videoconvert ! video/x-raw,format=GRAY8");
  fail_unless_equals_uint64 (g_bytes_get_size (out), 1024 * 1024);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* An H.264 clip in MP4 through qtdemux in pull mode, as playbin reads it:
 * with the index first, qtdemux prerolls on the first samples and then
 * reads no more until PLAYING, which gst-launch-1.0 only sets once the
 * download's progress has ended. Index first and last, with and without
 * Content-Length. */
GST_START_TEST (test_mp4_index_first_and_last)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  gboolean faststart, chunked;

  for (faststart = FALSE; faststart <= TRUE; faststart++) {
    g_autoptr (GBytes) mp4 = h264_mp4 (faststart);

    fail_unless (g_bytes_get_size (mp4) > 8 * BLOCK);
    fail_unless_equals_int (index_first (mp4), faststart);
    for (chunked = FALSE; chunked <= TRUE; chunked++) {
      g_autoptr (GBytes) out = NULL;

      push_answer (emulator, "/image/", "video/mp4", mp4, chunked);
      out = run_to_file (emulator, "media=video prompt=waves",
          "qtdemux ! h264parse ! video/x-h264,stream-format=byte-stream");
      fail_unless (g_bytes_get_size (out) > g_bytes_get_size (mp4) * 9 / 10,
          "index %s, %s: %" G_GSIZE_FORMAT " bytes of H.264 from %"
          G_GSIZE_FORMAT, faststart ? "first" : "last",
          chunked ? "chunked" : "Content-Length", g_bytes_get_size (out),
          g_bytes_get_size (mp4));
    }
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Long audio into a file in push mode: the sink prerolls on the first
 * block and takes the rest only in PLAYING. */
GST_START_TEST (test_long_music_into_a_file)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) wav = long_wav ();
  gboolean chunked;

  for (chunked = FALSE; chunked <= TRUE; chunked++) {
    g_autoptr (GBytes) out = NULL;

    push_answer (emulator, "/audio/", "audio/wav", wav, chunked);
    out = run_to_file (emulator, "media=music prompt=calm\\ piano",
        "identity");
    fail_unless (g_bytes_equal (out, wav), "%s: %" G_GSIZE_FORMAT " of %"
        G_GSIZE_FORMAT " bytes came out", chunked ? "chunked" :
        "Content-Length", g_bytes_get_size (out), g_bytes_get_size (wav));
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The README's playbin line, with a faststart H.264 answer: to EOS. */
GST_START_TEST (test_playbin_video_uri)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) mp4 = h264_mp4 (TRUE);
  g_autoptr (GstElement) playbin = gst_element_factory_make ("playbin",
      NULL);
  g_autoptr (GstMessage) end = NULL;

  push_answer (emulator, "/image/", "video/mp4", mp4, FALSE);
  g_setenv ("POLLINATIONS_BASE_URL", pollen_emulator_get_url (emulator),
      TRUE);
  g_setenv ("POLLINATIONS_API_KEY", POLLEN_TEST_KEY, TRUE);
  g_object_set (playbin, "uri",
      "pollen://video/waves%20on%20a%20beach?duration=6",
      "video-sink", gst_element_factory_make ("fakesink", NULL),
      "audio-sink", gst_element_factory_make ("fakesink", NULL), NULL);
  end = pollen_test_run_like_launch (playbin, 20 * GST_SECOND);
  assert_eos (end, "playbin");
  g_unsetenv ("POLLINATIONS_BASE_URL");
  g_unsetenv ("POLLINATIONS_API_KEY");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* libsoup asks for gzip and decodes it: the body is checked as the
 * decoded bytes (a Content-Length counts the compressed ones). A small
 * picture and a short text grow when compressed, a WAV of silence
 * shrinks to almost nothing: each comes out whole. */
GST_START_TEST (test_gzip_bodies_whole)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) png = encode ("videotestsrc num-buffers=1 "
      "! video/x-raw,width=8,height=8 ! pngenc");
  g_autoptr (GBytes) wav = encode ("audiotestsrc wave=silence "
      "num-buffers=100 ! audio/x-raw,rate=24000,channels=1 ! wavenc");
  g_autoptr (GBytes) text = g_bytes_new_static ("A cat.", 6);
  struct
  {
    const gchar *path, *type, *properties;
    GBytes *body;
  } cases[] = {
    {"/image/", "image/png", "retries=0 prompt=a\\ fox", png},
    {"/audio/", "audio/wav", "retries=0 media=speech prompt=hush", wav},
    {"/text/", "text/plain", "retries=0 media=text prompt=cat", text},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    PollenEmulatorResponse *answer = pollen_test_gzip_answer (cases[i].type,
        cases[i].body);
    g_autoptr (GBytes) out = NULL;

    fail_unless ((g_bytes_get_size (answer->body) > g_bytes_get_size
            (cases[i].body)) == (cases[i].body != wav));
    pollen_emulator_push (emulator, cases[i].path, answer);
    out = run_to_file (emulator, cases[i].properties, "identity");
    fail_unless (g_bytes_equal (out, cases[i].body), "%s: %" G_GSIZE_FORMAT
        " of %" G_GSIZE_FORMAT " bytes came out", cases[i].type,
        g_bytes_get_size (out), g_bytes_get_size (cases[i].body));
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* fakesink's handoff: the first subtitle that reached it. */
static void
keep_first_buffer (GstElement * sink, GstBuffer * buffer, GstPad * pad,
    GstBuffer ** first)
{
  if (!*first)
    *first = gst_buffer_ref (buffer);
}

/* pollen://text as playbin's subtitle over a video file: it reaches the
 * text sink at 0 and the video runs to EOS. */
GST_START_TEST (test_text_uri_as_subtitle)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) mp4 = h264_mp4 (TRUE);
  g_autofree gchar *path = g_build_filename (g_get_tmp_dir (),
      "pollen-bodies-video.mp4", NULL);
  g_autofree gchar *uri = g_filename_to_uri (path, NULL, NULL);
  g_autoptr (GstElement) playbin = gst_element_factory_make ("playbin",
      NULL);
  GstElement *text_sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GstMessage) end = NULL;
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (GstBuffer) text = NULL;
  GstMapInfo map;

  fail_unless (g_file_set_contents (path, g_bytes_get_data (mp4, NULL),
          g_bytes_get_size (mp4), NULL));
  g_setenv ("POLLINATIONS_BASE_URL", pollen_emulator_get_url (emulator),
      TRUE);
  g_setenv ("POLLINATIONS_API_KEY", POLLEN_TEST_KEY, TRUE);
  g_object_set (text_sink, "signal-handoffs", TRUE, NULL);
  g_signal_connect (text_sink, "handoff", G_CALLBACK (keep_first_buffer),
      &text);
  g_object_set (playbin, "uri", uri, "suburi",
      "pollen://text/a%20headline?system=One%20line.",
      "video-sink", gst_element_factory_make ("fakesink", NULL),
      "audio-sink", gst_element_factory_make ("fakesink", NULL),
      "text-sink", text_sink, NULL);
  end = pollen_test_run_like_launch (playbin, 20 * GST_SECOND);
  assert_eos (end, "playbin with suburi");
  fail_unless (text != NULL, "no subtitle reached playbin's text sink");
  fail_unless_equals_uint64 (GST_BUFFER_PTS (text), 0);
  gst_buffer_map (text, &map, GST_MAP_READ);
  fail_unless (g_strstr_len ((gchar *) map.data, map.size, "a headline"));
  gst_buffer_unmap (text, &map);
  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (request->path, "/text/a headline");
  g_unsetenv ("POLLINATIONS_BASE_URL");
  g_unsetenv ("POLLINATIONS_API_KEY");
  g_unlink (path);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
bodies_suite (void)
{
  Suite *s = suite_create ("bodies");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_picture_of_several_mb);
  tcase_add_test (tc, test_picture_of_several_mb_decoded);
  tcase_add_test (tc, test_mp4_index_first_and_last);
  tcase_add_test (tc, test_long_music_into_a_file);
  tcase_add_test (tc, test_gzip_bodies_whole);
  tcase_add_test (tc, test_playbin_video_uri);
  tcase_add_test (tc, test_text_uri_as_subtitle);
  return s;
}

GST_CHECK_MAIN (bodies);
