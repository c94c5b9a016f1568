/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenedit against the emulator: the multipart request, which frames
 * are edited (the interval, scene cuts), the video out (caps, every frame
 * with its timestamps, the latest edit on each), a live video path that a
 * slow server does not hold up, latency, every shape of answer, the
 * failure policy; and the emulator's /v1/images/edits itself. The input
 * is one-colour frames; the emulator's edit is the picture sent with its
 * colours inverted (red becomes cyan) and the prompt written at its top
 * left, so the colour of a frame's bottom right says which frame it is
 * the edit of. */

#include "pollentest.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#define WIDTH 320
#define HEIGHT 240
#define CAPS "video/x-raw, format=RGB, width=320, height=240, " \
    "framerate=25/1, pixel-aspect-ratio=1/1"
#define FRAME (40 * GST_MSECOND)
#define PATH "/v1/images/edits"

typedef PollenTestColour Colour;

static const Colour RED = { "red", {255, 0, 0} };
static const Colour GREEN = { "green", {0, 255, 0} };
static const Colour BLUE = { "blue", {0, 0, 255} };
/* the emulator's edits of them */
static const Colour CYAN = { "cyan", {0, 255, 255} };
static const Colour MAGENTA = { "magenta", {255, 0, 255} };
static const Colour YELLOW = { "yellow", {255, 255, 0} };

/* ---- input ---- */

static PollenTestHarness
harness_new (const gchar * first_property, ...)
{
  PollenTestHarness t;
  va_list args;

  va_start (args, first_property);
  /* recorded input: every frame waits for its edit */
  t = pollen_test_harness_new_valist ("pollenedit", CAPS, FALSE,
      first_property, args);
  va_end (args);
  return t;
}

static GstBuffer *
colour_frame (const Colour * colour, guint width, guint height,
    GstClockTime pts)
{
  return pollen_test_colour_frame (colour, width, height, pts, FRAME);
}

/* Pushes 320x240 frames of @colour every 40 ms from @start until @end. */
static void
push_colour (PollenTestHarness * t, const Colour * colour,
    GstClockTime start, GstClockTime end)
{
  pollen_test_push_colour (t->h, colour, WIDTH, HEIGHT, start, end, FRAME);
}

/* One red frame to a request that fails: the push may already learn that
 * output stopped. */
static void
push_doomed_frame (PollenTestHarness * t)
{
  GstFlowReturn ret = gst_harness_push (t->h, colour_frame (&RED, WIDTH,
          HEIGHT, 0));

  fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_ERROR, "%s",
      gst_flow_get_name (ret));
}


/* ---- output ---- */

/* The frames that came out, each with the caps it came with. */
static GPtrArray *
frames_out (PollenTestRecorder * rec)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
  GstCaps *caps = NULL;
  guint i;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++) {
    GstMiniObject *item = rec->items->pdata[i];

    if (GST_IS_EVENT (item) && GST_EVENT_TYPE (item) == GST_EVENT_CAPS)
      gst_event_parse_caps (GST_EVENT_CAST (item), &caps);
    else if (GST_IS_BUFFER (item))
      g_ptr_array_add (out, gst_sample_new (GST_BUFFER_CAST (item), caps,
              NULL, NULL));
  }
  g_mutex_unlock (&rec->lock);
  return out;
}

/* The mean colour of the bottom right quarter of a raw frame in any
 * format: away from the prompt the emulator writes at the top left. */
static void
corner_colour (GstSample * frame, guint rgb[3])
{
  g_autoptr (GstCaps) caps = gst_caps_from_string ("video/x-raw, "
      "format=RGB");
  g_autoptr (GstSample) converted = NULL;
  GstVideoInfo info;
  GstVideoFrame vf;
  guint64 sum[3] = { 0 }, n = 0;
  gint x, y, c;

  fail_unless (gst_sample_get_caps (frame) != NULL, "a frame without caps");
  converted = gst_video_convert_sample (frame, caps, GST_SECOND * 10, NULL);
  fail_unless (converted != NULL);
  gst_video_info_from_caps (&info, gst_sample_get_caps (converted));
  fail_unless (gst_video_frame_map (&vf, &info,
          gst_sample_get_buffer (converted), GST_MAP_READ));
  for (y = info.height / 2; y < info.height; y++)
    for (x = info.width / 2; x < info.width; x++, n++)
      for (c = 0; c < 3; c++)
        sum[c] += ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&vf, 0))
            [y * GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0) + 3 * x + c];
  gst_video_frame_unmap (&vf);
  for (c = 0; c < 3; c++)
    rgb[c] = sum[c] / n;
}

/* Within 40 levels a component: JPEG and 4:2:0 chroma blur a little. */
static gboolean
colour_is (const guint rgb[3], const Colour * colour)
{
  guint c;

  for (c = 0; c < 3; c++)
    if (ABS ((gint) rgb[c] - colour->rgb[c]) > 40)
      return FALSE;
  return TRUE;
}

static void
assert_colour (GstSample * frame, const Colour * colour, const gchar * what)
{
  guint rgb[3];

  corner_colour (frame, rgb);
  fail_unless (colour_is (rgb, colour), "%s is %u,%u,%u, not %s", what,
      rgb[0], rgb[1], rgb[2], colour->name);
}

/* Output frames [@from, @to) have the times of 40 ms input frames and
 * the colour @colour. */
static void
assert_frames (GPtrArray * frames, guint from, guint to, const Colour * colour)
{
  guint i;

  for (i = from; i < to; i++) {
    GstBuffer *buffer = gst_sample_get_buffer (frames->pdata[i]);
    g_autofree gchar *what = g_strdup_printf ("frame %u", i);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buffer), i * FRAME);
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (buffer), FRAME);
    assert_colour (frames->pdata[i], colour, what);
  }
}

/* ---- the request ---- */

typedef struct
{
  GHashTable *fields;           /* name → value */
  gchar *file_field;
  gchar *file_name;
  gchar *file_type;
  GBytes *file;
} Form;

static void
form_free (Form * form)
{
  g_hash_table_unref (form->fields);
  g_free (form->file_field);
  g_free (form->file_name);
  g_free (form->file_type);
  g_bytes_unref (form->file);
  g_free (form);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Form, form_free)

static void
form_add_part (Form * form, SoupMessageHeaders * headers, GBytes * body)
{
  GHashTable *params = NULL;
  const gchar *name, *filename;

  fail_unless (soup_message_headers_get_content_disposition (headers, NULL,
          &params));
  name = g_hash_table_lookup (params, "name");
  filename = g_hash_table_lookup (params, "filename");
  if (filename) {
    fail_unless (form->file == NULL, "more than one file sent");
    form->file_field = g_strdup (name);
    form->file_name = g_strdup (filename);
    form->file_type = g_strdup (soup_message_headers_get_content_type
        (headers, NULL));
    form->file = g_bytes_ref (body);
  } else {
    g_hash_table_insert (form->fields, g_strdup (name),
        g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body)));
  }
  g_hash_table_unref (params);
}

/* Request @index as the server reads it: a multipart form, parsed by
 * libsoup. */
static Form *
request_form (PollenEmulator * emulator, guint index)
{
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (emulator, index, POLLEN_TEST_MS (10000));
  SoupMessageHeaders *headers =
      soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  SoupMultipart *multipart;
  Form *form = g_new0 (Form, 1);
  gint i;

  fail_unless (request != NULL, "no request %u", index);
  fail_unless_equals_string (request->method, "POST");
  fail_unless_equals_string (request->path, PATH);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  soup_message_headers_replace (headers, "Content-Type",
      pollen_emulator_request_get_header (request, "Content-Type"));
  multipart = soup_multipart_new_from_message (headers, request->body);
  soup_message_headers_unref (headers);
  fail_unless (multipart != NULL, "not a multipart form");
  form->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  for (i = 0; i < soup_multipart_get_length (multipart); i++) {
    SoupMessageHeaders *part;
    GBytes *body;

    fail_unless (soup_multipart_get_part (multipart, i, &part, &body));
    form_add_part (form, part, body);
  }
  soup_multipart_free (multipart);
  fail_unless (form->file != NULL, "no picture sent");
  return form;
}

static const gchar *
field (Form * form, const gchar * name)
{
  return g_hash_table_lookup (form->fields, name);
}

/* An encoded picture decoded by GStreamer: its first frame as RGB. */
static GstSample *
decode_picture (GBytes * picture)
{
  g_autoptr (GstElement) pipeline = gst_parse_launch ("appsrc name=src ! "
      "decodebin ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink",
      NULL);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline),
      "sink");
  GstSample *sample;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (src),
      gst_buffer_new_wrapped_bytes (picture));
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), POLLEN_TEST_WAIT);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (sample != NULL, "the picture does not decode");
  return sample;
}

/* A decoded picture is @width x @height, and @colour unless NULL. */
static void
assert_picture (GstSample * picture, gint width, gint height,
    const Colour * colour)
{
  GstStructure *s = gst_caps_get_structure (gst_sample_get_caps (picture), 0);
  gint w = 0, h = 0;

  gst_structure_get_int (s, "width", &w);
  gst_structure_get_int (s, "height", &h);
  fail_unless_equals_int (w, width);
  fail_unless_equals_int (h, height);
  if (colour)
    assert_colour (picture, colour, "the picture");
}

/* The picture of request @index: a @type of @width x @height in
 * @colour. */
static void
assert_picture_sent (PollenEmulator * emulator, guint index,
    const gchar * type, gint width, gint height, const Colour * colour)
{
  g_autoptr (Form) form = request_form (emulator, index);
  g_autoptr (GstSample) picture = decode_picture (form->file);

  fail_unless_equals_string (form->file_field, "image");
  fail_unless_equals_string (form->file_type, type);
  assert_picture (picture, width, height, colour);
}

GST_START_TEST (test_request_on_the_wire)
{
  PollenTestHarness t = harness_new ("prompt", "Make it snow", "max-size", 64,
      "quality", 3, "resolution", "1k", "safe", "nsfw", NULL);
  g_autoptr (Form) form = NULL;

  push_colour (&t, &RED, 0, FRAME);
  pollen_test_harness_finish (&t);
  form = request_form (t.emulator, 0);
  fail_unless_equals_string (field (form, "prompt"), "Make it snow");
  fail_unless_equals_string (field (form, "model"), "klein");
  /* 320x240 scaled so that the long side is 64, and as large back */
  fail_unless_equals_string (field (form, "size"), "64x48");
  fail_unless_equals_string (field (form, "quality"), "high");
  fail_unless_equals_string (field (form, "resolution"), "1k");
  fail_unless_equals_string (field (form, "safe"), "nsfw");
  fail_unless_equals_int (g_hash_table_size (form->fields), 6);
  fail_unless_equals_string (form->file_name, "frame.jpg");
  assert_picture_sent (t.emulator, 0, "image/jpeg", 64, 48, &RED);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* Defaults (the default prompt, no quality, resolution or safe, a picture
 * smaller than max-size not scaled up); a PNG; size and extra-params sent
 * as they are. */
GST_START_TEST (test_options_on_the_wire)
{
  g_autoptr (GstStructure) extra = gst_structure_new ("p", "seed",
      G_TYPE_INT, 7, NULL);
  PollenTestHarness t = harness_new ("image-format", 1, "size", "512x512",
      "extra-params", extra, NULL);
  g_autoptr (Form) form = NULL;

  push_colour (&t, &BLUE, 0, FRAME);
  pollen_test_harness_finish (&t);
  form = request_form (t.emulator, 0);
  fail_unless (strstr (field (form, "prompt"), "oil painting") != NULL);
  fail_unless_equals_string (field (form, "size"), "512x512");
  fail_unless_equals_string (field (form, "seed"), "7");
  fail_unless (field (form, "quality") == NULL);
  fail_unless (field (form, "resolution") == NULL);
  fail_unless (field (form, "safe") == NULL);
  fail_unless_equals_string (form->file_name, "frame.png");
  assert_picture_sent (t.emulator, 0, "image/png", WIDTH, HEIGHT, &BLUE);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- which frames, and the video out ---- */

/* interval=1: the frames at 0 and 1 s are edited; every frame comes out,
 * with its own times and the input's caps, showing the edit of the frame
 * taken at or before it. */
GST_START_TEST (test_video_out_is_the_latest_edit)
{
  PollenTestHarness t = harness_new ("interval", 1.0, NULL);
  g_autoptr (GPtrArray) frames = NULL;
  g_autoptr (GstCaps) caps = gst_caps_from_string (CAPS);
  guint i;

  push_colour (&t, &RED, 0, GST_SECOND);
  push_colour (&t, &GREEN, GST_SECOND, 2 * GST_SECOND);
  pollen_test_harness_finish (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 2);
  assert_picture_sent (t.emulator, 0, "image/jpeg", WIDTH, HEIGHT, &RED);
  assert_picture_sent (t.emulator, 1, "image/jpeg", WIDTH, HEIGHT, &GREEN);
  frames = frames_out (t.rec);
  fail_unless_equals_int (frames->len, 50);
  for (i = 0; i < frames->len; i++)
    fail_unless (gst_caps_is_equal (gst_sample_get_caps (frames->pdata[i]),
            caps));
  assert_frames (frames, 0, 25, &CYAN);
  assert_frames (frames, 25, 50, &MAGENTA);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* scene-threshold: a static shot is edited once, a cut at once, and a
 * second cut waits for min-interval. */
GST_START_TEST (test_scene_cut)
{
  PollenTestHarness t = harness_new ("interval", 60.0, "scene-threshold",
      0.1, "min-interval", 0.5, NULL);
  g_autoptr (GPtrArray) frames = NULL;

  push_colour (&t, &RED, 0, 2 * GST_SECOND);
  push_colour (&t, &BLUE, 2 * GST_SECOND, 2 * GST_SECOND + 200 * GST_MSECOND);
  push_colour (&t, &GREEN, 2 * GST_SECOND + 200 * GST_MSECOND, 4 * GST_SECOND);
  pollen_test_harness_finish (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 3);
  assert_picture_sent (t.emulator, 1, "image/jpeg", WIDTH, HEIGHT, &BLUE);
  assert_picture_sent (t.emulator, 2, "image/jpeg", WIDTH, HEIGHT, &GREEN);
  frames = frames_out (t.rec);
  fail_unless_equals_int (frames->len, 100);
  assert_frames (frames, 0, 50, &CYAN);
  /* the green from 2.2 s waits for min-interval: edited at 2.52 s */
  assert_frames (frames, 50, 63, &YELLOW);
  assert_frames (frames, 63, 100, &MAGENTA);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* New caps mid-stream: the next frame is edited at once, and the output
 * follows the input's caps. */
GST_START_TEST (test_caps_change)
{
  PollenTestHarness t = harness_new ("interval", 60.0, NULL);
  g_autoptr (GPtrArray) frames = NULL;
  GstClockTime ts;
  GstStructure *s;
  gint width;

  push_colour (&t, &RED, 0, 10 * FRAME);
  gst_harness_set_src_caps_str (t.h, "video/x-raw, format=RGB, width=160, "
      "height=120, framerate=25/1, pixel-aspect-ratio=1/1");
  for (ts = 10 * FRAME; ts < 20 * FRAME; ts += FRAME)
    fail_unless_equals_int (gst_harness_push (t.h, colour_frame (&GREEN, 160,
                120, ts)), GST_FLOW_OK);
  pollen_test_harness_finish (&t);

  fail_unless_equals_int (pollen_emulator_get_request_count (t.emulator), 2);
  assert_picture_sent (t.emulator, 1, "image/jpeg", 160, 120, &GREEN);
  frames = frames_out (t.rec);
  fail_unless_equals_int (frames->len, 20);
  assert_frames (frames, 0, 10, &CYAN);
  assert_frames (frames, 10, 20, &MAGENTA);
  s = gst_caps_get_structure (gst_sample_get_caps (frames->pdata[19]), 0);
  fail_unless (gst_structure_get_int (s, "width", &width));
  fail_unless_equals_int (width, 160);
  fail_unless_equals_int (gst_buffer_get_size (gst_sample_get_buffer
          (frames->pdata[19])), 160 * 120 * 3);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* The caps of the buffers reaching "sink", and the last buffer. */
typedef struct
{
  GstCaps *caps;
  GstSample *last;
  guint count;
} Seen;

static GstPadProbeReturn
see_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Seen *seen = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  gst_caps_replace (&seen->caps, caps);
  if (seen->last)
    gst_sample_unref (seen->last);
  seen->last = gst_sample_new (GST_PAD_PROBE_INFO_BUFFER (info), caps, NULL,
      NULL);
  seen->count++;
  gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

/* Frames in @format straight from a source (no videoconvert): the edit
 * comes out in that same format and size. */
static void
edit_in_format (PollenEmulator * emulator, const gchar * format)
{
  g_autofree gchar *launch = g_strdup_printf ("videotestsrc num-buffers=5 "
      "pattern=red ! video/x-raw,format=%s,width=320,height=240,"
      "framerate=25/1 ! pollenedit name=e ! fakesink name=sink", format);
  g_autoptr (GstElement) pipeline = pollen_test_launch (emulator, launch);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline),
      "sink");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (sink, "sink");
  g_autoptr (GstMessage) end = NULL;
  Seen seen = { NULL, NULL, 0 };
  GstVideoInfo info;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, see_buffer, &seen, NULL);
  end = pollen_test_run (pipeline, 60 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  fail_unless_equals_int (seen.count, 5);
  fail_unless (gst_video_info_from_caps (&info, seen.caps));
  fail_unless_equals_string (gst_video_format_to_string
      (GST_VIDEO_INFO_FORMAT (&info)), format);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), WIDTH);
  fail_unless (gst_buffer_get_size (gst_sample_get_buffer (seen.last)) >=
      GST_VIDEO_INFO_SIZE (&info));
  assert_colour (seen.last, &CYAN, format);
  gst_caps_unref (seen.caps);
  gst_sample_unref (seen.last);
}

GST_START_TEST (test_every_raw_format)
{
  const gchar *formats[] = { "I420", "NV12", "YUY2", "BGRA", "I420_10LE",
    "P010_10LE", "v210", "ARGB64"
  };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    edit_in_format (emulator, formats[i]);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- live ---- */

/* The frames that passed a pad, kept from its streaming thread. */
typedef struct
{
  GMutex lock;
  GPtrArray *frames;            /* GstSample */
} Kept;

static void
kept_init (Kept * kept)
{
  g_mutex_init (&kept->lock);
  kept->frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_sample_unref);
}

static void
kept_clear (Kept * kept)
{
  g_ptr_array_unref (kept->frames);
  g_mutex_clear (&kept->lock);
}

static GstPadProbeReturn
keep_frame (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Kept *kept = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  g_mutex_lock (&kept->lock);
  g_ptr_array_add (kept->frames, gst_sample_new (GST_PAD_PROBE_INFO_BUFFER
          (info), caps, NULL, NULL));
  g_mutex_unlock (&kept->lock);
  gst_caps_unref (caps);
  return GST_PAD_PROBE_OK;
}

/* Waits until the newest frame kept is @colour: as long as the machine
 * takes, within POLLEN_TEST_WAIT. */
static void
wait_for_colour (Kept * kept, const Colour * colour)
{
  gint64 deadline = g_get_monotonic_time () + POLLEN_TEST_WAIT / GST_USECOND;
  guint rgb[3] = { 0 };

  while (g_get_monotonic_time () < deadline) {
    g_autoptr (GstSample) newest = NULL;

    g_mutex_lock (&kept->lock);
    if (kept->frames->len > 0)
      newest = gst_sample_ref (kept->frames->pdata[kept->frames->len - 1]);
    g_mutex_unlock (&kept->lock);
    if (newest) {
      corner_colour (newest, rgb);
      if (colour_is (rgb, colour))
        return;
    }
    g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  }
  fail ("the frames never became %s (the last was %u,%u,%u)", colour->name,
      rgb[0], rgb[1], rgb[2]);
}

/* Sends EOS into the live @pipeline and waits for it at the sinks. */
static void
stop_live (GstElement * pipeline)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) end = NULL;

  fail_unless (gst_element_send_event (pipeline, gst_event_new_eos ()));
  end = gst_bus_timed_pop_filtered (bus, POLLEN_TEST_WAIT, GST_MESSAGE_EOS |
      GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (end != NULL, "no EOS");
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
}

/* Adds a probe on the sink pad of @name in @pipeline. */
static void
probe_sink (GstElement * pipeline, const gchar * name,
    GstPadProbeCallback callback, gpointer data)
{
  g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (pipeline),
      name);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, "sink");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, callback, data, NULL);
}

/* Every frame that went into pollenedit came out, in order, with its
 * times. */
static void
assert_same_times (GPtrArray * in, GPtrArray * out)
{
  guint i;

  fail_unless (in->len > 0);
  fail_unless_equals_int (out->len, in->len);
  for (i = 0; i < in->len; i++) {
    GstBuffer *a = gst_sample_get_buffer (in->pdata[i]);
    GstBuffer *b = gst_sample_get_buffer (out->pdata[i]);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), GST_BUFFER_PTS (a));
    fail_unless_equals_uint64 (GST_BUFFER_DURATION (b),
        GST_BUFFER_DURATION (a));
  }
}

/* A live camera, a tee, and pollenedit straight on a branch (no queue)
 * with a server that takes 1.5 s, until an edit shows: the source never
 * waits for the element, every frame reaches both sinks, each with its
 * own times, and the edited branch shows the camera until the first edit
 * comes (latency 0), then the edit. Due frames are skipped rather than
 * queued. */
GST_START_TEST (test_live_slow_server_never_holds_video)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GstElement) pipeline = pollen_test_launch (emulator,
      "videotestsrc is-live=true pattern=red "
      "! video/x-raw,width=160,height=120,framerate=25/1 ! tee name=t "
      "! queue ! fakesink name=vs sync=true t. ! pollenedit name=e "
      "interval=0.2 ! fakesink name=es sync=true");
  g_autoptr (GstElement) tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  g_autoptr (GstPad) tee_sink = gst_element_get_static_pad (tee, "sink");
  Kept input, edited;
  PollenTestPace pace;
  gint shown = 0;
  guint requests;

  pollen_emulator_set_generation_time (emulator, 1500);
  pollen_test_pace_init (&pace);
  kept_init (&input);
  kept_init (&edited);
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_BUFFER,
      pollen_test_pace_probe, &pace, NULL);
  probe_sink (pipeline, "vs", pollen_test_count_probe, &shown);
  probe_sink (pipeline, "e", keep_frame, &input);
  probe_sink (pipeline, "es", keep_frame, &edited);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  wait_for_colour (&edited, &CYAN);
  stop_live (pipeline);
  fail_unless_equals_int (shown, pace.frames);
  /* 40 ms apart (with room for a busy machine); a chain that waited for
   * the server would show as a 1.5 s gap */
  fail_unless (pace.max_gap < POLLEN_TEST_MS (1000) * 1000,
      "the source waited %" G_GINT64_FORMAT " µs", pace.max_gap);
  fail_unless_equals_int (input.frames->len, pace.frames);
  assert_same_times (input.frames, edited.frames);
  assert_colour (edited.frames->pdata[0], &RED, "the first frame");
  /* a frame was due every 0.2 s, an edit takes 1.5 s, one at a time */
  requests = pollen_emulator_get_request_count (emulator);
  fail_unless (requests >= 1 && requests * 10 < pace.frames,
      "%u requests in %u frames", requests, pace.frames);
  kept_clear (&input);
  kept_clear (&edited);
  pollen_test_pace_clear (&pace);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Live with latency longer than an edit takes (2 s, or more on a slow
 * machine) and a server that takes 0.3 s: every frame waits for its edit,
 * so even the first one shows it, at its own time. */
GST_START_TEST (test_live_latency_waits_for_the_edit)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *launch = g_strdup_printf ("videotestsrc is-live=true "
      "num-buffers=40 pattern=red ! video/x-raw,width=160,height=120,"
      "framerate=25/1 ! pollenedit name=e interval=1 latency=%u "
      "! fakesink name=es sync=true", POLLEN_TEST_MS (2000));
  g_autoptr (GstElement) pipeline = pollen_test_launch (emulator, launch);
  g_autoptr (GstMessage) end = NULL;
  Kept input, edited;
  guint i;

  pollen_emulator_set_generation_time (emulator, 300);
  kept_init (&input);
  kept_init (&edited);
  probe_sink (pipeline, "e", keep_frame, &input);
  probe_sink (pipeline, "es", keep_frame, &edited);
  end = pollen_test_run (pipeline, 30 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);
  fail_unless_equals_int (input.frames->len, 40);
  assert_same_times (input.frames, edited.frames);
  for (i = 0; i < edited.frames->len; i++)
    assert_colour (edited.frames->pdata[i], &CYAN, "a frame");
  /* at 0 s, and at 1 s unless the first edit still ran then */
  i = pollen_emulator_get_request_count (emulator);
  fail_unless (i == 1 || i == 2, "%u requests", i);
  kept_clear (&input);
  kept_clear (&edited);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Pushes a TAG event (a bitrate, as parsers send them) before the 10th
 * buffer. */
static GstPadProbeReturn
tag_midstream (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  gint *count = user_data;

  if (++*count == 10)
    gst_pad_push_event (pad, gst_event_new_tag (gst_tag_list_new
            (GST_TAG_BITRATE, 800000, NULL)));
  return GST_PAD_PROBE_OK;
}

/* A tag mid-stream, while an edit that takes 3 s runs: the frames after
 * it go on at their time (a synchronised sink drops none), the tag after
 * the frames it came before if need be, never the frames after the edit. */
GST_START_TEST (test_live_tag_does_not_hold_frames)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GstElement) pipeline = pollen_test_launch (emulator,
      "videotestsrc is-live=true num-buffers=50 pattern=red "
      "! video/x-raw,width=160,height=120,framerate=25/1 ! identity name=i "
      "! pollenedit interval=10 ! fakesink name=es sync=true qos=true "
      "max-lateness=20000000");
  g_autoptr (GstElement) identity = gst_bin_get_by_name (GST_BIN (pipeline),
      "i");
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "es");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (identity, "src");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) end = NULL;
  GstStructure *stats = NULL;
  guint64 rendered = 0, dropped = 0;
  gint count = 0;

  pollen_emulator_set_generation_time (emulator, POLLEN_TEST_MS (3000));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, tag_midstream, &count,
      NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  end = gst_bus_timed_pop_filtered (bus, 3 * POLLEN_TEST_WAIT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  /* the sink's counts, before NULL resets them */
  g_object_get (sink, "stats", &stats, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (end != NULL && GST_MESSAGE_TYPE (end) == GST_MESSAGE_EOS);
  gst_structure_get_uint64 (stats, "rendered", &rendered);
  gst_structure_get_uint64 (stats, "dropped", &dropped);
  gst_structure_free (stats);
  fail_unless_equals_uint64 (dropped, 0);
  fail_unless_equals_uint64 (rendered, 50);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* latency=300 and a server that takes 1 s: the edit comes after its
 * frame's deadline, and a warning says to raise latency. */
GST_START_TEST (test_live_late_edit_warns)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GstElement) pipeline = pollen_test_launch (emulator,
      "videotestsrc is-live=true num-buffers=50 "
      "! video/x-raw,width=160,height=120,framerate=25/1 "
      "! pollenedit interval=10 latency=300 ! fakesink sync=true");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;

  pollen_emulator_set_generation_time (emulator, 1000);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  warning = gst_bus_timed_pop_filtered (bus, POLLEN_TEST_WAIT,
      GST_MESSAGE_WARNING | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (warning != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (warning), GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "Editing the frame at 0:00:00.0") !=
      NULL, "%s", error->message);
  fail_unless (strstr (error->message, "Raise the latency property (now "
          "300 ms)") != NULL, "%s", error->message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Live, the element reports upstream + latency + 0.2 s (the pace at
 * which its output looks at the waiting frames), also before data. */
GST_START_TEST (test_latency)
{
  PollenTestHarness t = pollen_test_harness_new ("pollenedit", CAPS,
      "latency", 1500, NULL);

  fail_unless_equals_uint64 (pollen_test_query_live_latency (&t,
          30 * GST_MSECOND), 1730 * GST_MSECOND);
  pollen_test_harness_free (&t);
  pollen_test_assert_latency_before_data ("pollenedit", 0, 200 * GST_MSECOND);
}

GST_END_TEST;

/* ---- flush and state changes ---- */

/* A request that never gets an answer (two in flight: the edit and its
 * frame fit, so the push returns). */
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
  PollenTestHarness t = harness_new ("timeout", 30, "max-in-flight", 2,
      NULL);
  gint64 started;

  start_hung_request (&t);
  started = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (t.element, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - started < G_TIME_SPAN_SECOND);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* A flush drops the hung edit and its frame; the next frame is edited. */
GST_START_TEST (test_flush_cancels_and_starts_over)
{
  PollenTestHarness t = harness_new ("timeout", 30, "max-in-flight", 2,
      NULL);
  g_autoptr (GPtrArray) frames = NULL;
  GstSegment segment;

  start_hung_request (&t);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_stop (TRUE)));
  pollen_test_recorder_clear (t.rec);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_segment (&segment)));
  push_colour (&t, &BLUE, 0, FRAME);
  pollen_test_harness_finish (&t);
  frames = frames_out (t.rec);
  fail_unless_equals_int (frames->len, 1);
  assert_frames (frames, 0, 1, &YELLOW);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- failures ---- */

/* A 400 from the server stops the element with its status and message,
 * and EOS goes on. */
GST_START_TEST (test_error_stops)
{
  PollenTestHarness t = harness_new ("model", "no-such-model", NULL);
  g_autoptr (GstMessage) error = NULL;

  push_doomed_frame (&t);
  error = pollen_test_pop_message (t.bus, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "Editing the frame at 0:00:00.000000000 failed: 400 Bad "
      "Request: Invalid model or alias: \"no-such-model\"");
  pollen_test_recorder_wait_eos (t.rec);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* skip-failed: the failed edit is a warning, its frames pass as they are,
 * and the next edit shows. */
GST_START_TEST (test_skip_failed)
{
  PollenTestHarness t = harness_new ("retries", 0, "skip-failed", TRUE,
      "interval", 1.0, NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GPtrArray) frames = NULL;

  pollen_emulator_push (t.emulator, PATH,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "Edits are overloaded"));
  push_colour (&t, &RED, 0, GST_SECOND);
  push_colour (&t, &BLUE, GST_SECOND, 2 * GST_SECOND);
  pollen_test_harness_finish (&t);
  warning = pollen_test_pop_message (t.bus, GST_MESSAGE_WARNING);
  frames = frames_out (t.rec);
  fail_unless_equals_int (frames->len, 50);
  assert_frames (frames, 0, 25, &RED);
  assert_frames (frames, 25, 50, &YELLOW);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* base64 of @size bytes of @data, as an answer's b64_json. */
static gchar *
answer_with (const void *data, gsize size)
{
  g_autofree gchar *b64 = g_base64_encode (data, size);

  return g_strdup_printf ("{\"created\":1,\"data\":[{\"b64_json\":\"%s\"}]}",
      b64);
}

/* The error that @response (taken) to the first edit ends in: @text in its
 * message, never the key. */
static void
assert_answer_refused (PollenEmulatorResponse * response,
    GstResourceError code, const gchar * text)
{
  PollenTestHarness t = harness_new ("max-body-size", (guint64) 4096, NULL);
  g_autoptr (GstMessage) error = NULL;

  pollen_emulator_push (t.emulator, PATH, response);
  push_doomed_frame (&t);
  error = pollen_test_pop_message (t.bus, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, code, 200, NULL, text);
  pollen_test_recorder_wait_eos (t.rec);
  pollen_test_harness_free (&t);
}

/* Every shape of answer that holds no usable picture is an error that
 * says what came instead. */
GST_START_TEST (test_answer_shapes)
{
  /* a PNG signature and IHDR of 100000x100000 */
  static const guint8 huge_png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a,
    0x0a, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0x01, 0x86, 0xa0, 0, 0x01,
    0x86, 0xa0, 8, 2, 0, 0, 0, 0, 0, 0, 0
  };
  static const guint8 broken_jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J',
    'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9
  };
  g_autofree gchar *text = answer_with ("plain text, no picture", 22);
  g_autofree gchar *huge = answer_with (huge_png, sizeof (huge_png));
  g_autofree gchar *broken = answer_with (broken_jpeg, sizeof (broken_jpeg));
  g_autofree gchar *large = g_strnfill (8000, ' ');

  assert_answer_refused (pollen_emulator_response_new (200,
          "application/json", "", 0), GST_RESOURCE_ERROR_FAILED, "empty body");
  assert_answer_refused (pollen_emulator_response_new (200, "text/html",
          "<html>busy</html>", -1), GST_RESOURCE_ERROR_FAILED, "is not JSON");
  assert_answer_refused (pollen_emulator_response_new_json (200,
          "{\"data\":[]}"), GST_RESOURCE_ERROR_FAILED,
      "no picture (no data[0].b64_json): {\"data\":[]}");
  assert_answer_refused (pollen_emulator_response_new_json (200,
          "{\"data\":[{\"url\":\"https://example.com/p.png\"}]}"),
      GST_RESOURCE_ERROR_FAILED, "no picture (no data[0].b64_json)");
  assert_answer_refused (pollen_emulator_response_new_json (200,
          "{\"data\":[{\"b64_json\":\"not base64!\"}]}"),
      GST_RESOURCE_ERROR_FAILED, "a data[0].b64_json that is not base64");
  assert_answer_refused (pollen_emulator_response_new_json (200, text),
      GST_RESOURCE_ERROR_FAILED, "in data[0].b64_json, not a picture: "
      "plain text, no picture");
  assert_answer_refused (pollen_emulator_response_new_json (200, huge),
      GST_RESOURCE_ERROR_FAILED, "is 100000x100000, more than 8192 pixels "
      "on a side");
  assert_answer_refused (pollen_emulator_response_new_json (200, broken),
      GST_RESOURCE_ERROR_FAILED, "Editing the frame at 0:00:00.000000000 "
      "failed: the picture in the server's answer does not decode: ");
  assert_answer_refused (pollen_emulator_response_new_json (200, large),
      GST_RESOURCE_ERROR_SETTINGS, "larger than max-body-size (4096 bytes)");
}

GST_END_TEST;

/* A video model on the route makes a clip, base64 like a picture: an
 * error that says what came instead. */
GST_START_TEST (test_video_model_is_no_picture)
{
  PollenTestHarness t = harness_new ("model", "veo", "max-size", 64, NULL);
  g_autoptr (GstMessage) error = NULL;

  push_doomed_frame (&t);
  error = pollen_test_pop_message (t.bus, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_FAILED, 200, NULL,
      "bytes of video/quicktime in data[0].b64_json, not a picture");
  pollen_test_recorder_wait_eos (t.rec);
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

/* ---- the emulator's /v1/images/edits ---- */

/* A form to the emulator: @fields (name, value … NULL) and, unless NULL,
 * @picture as the file "image". */
static PollenResponse *
post_edit (PollenEmulator * emulator, GBytes * picture, GError ** error,
    const gchar * first_name, ...)
{
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 30);
  g_autoptr (PollenRequest) request = pollen_request_new ("POST", PATH);
  const gchar *name;
  va_list args;

  va_start (args, first_name);
  for (name = first_name; name; name = va_arg (args, const gchar *))
      pollen_request_add_form_field (request, name, va_arg (args,
            const gchar *));
  va_end (args);
  if (picture)
    pollen_request_add_form_file (request, "image", "frame.jpg",
        "image/jpeg", picture);
  return pollen_client_fetch (client, request, NULL, error);
}

static GBytes *
red_jpeg (void)
{
  g_autoptr (GstSample) frame = NULL;
  g_autoptr (GstCaps) caps = gst_caps_from_string (CAPS);
  g_autoptr (GstCaps) jpeg = gst_caps_from_string ("image/jpeg");
  g_autoptr (GstSample) encoded = NULL;
  GstBuffer *buffer = colour_frame (&RED, WIDTH, HEIGHT, 0);
  GstMapInfo map;
  GBytes *bytes;

  frame = gst_sample_new (buffer, caps, NULL, NULL);
  gst_buffer_unref (buffer);
  encoded = gst_video_convert_sample (frame, jpeg, POLLEN_TEST_WAIT, NULL);
  fail_unless (encoded != NULL);
  gst_buffer_map (gst_sample_get_buffer (encoded), &map, GST_MAP_READ);
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (encoded), &map);
  return bytes;
}

/* The picture of an answer, with its revised_prompt. */
static GstSample *
answer_picture (PollenResponse * response, gchar ** revised_prompt)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GBytes) picture = NULL;
  JsonObject *item;
  guchar *data;
  gsize size;

  fail_unless (json_parser_load_from_data (parser, g_bytes_get_data
          (response->body, NULL), g_bytes_get_size (response->body), NULL));
  item = json_array_get_object_element (json_object_get_array_member
      (json_node_get_object (json_parser_get_root (parser)), "data"), 0);
  *revised_prompt = g_strdup (json_object_get_string_member (item,
          "revised_prompt"));
  data = g_base64_decode (json_object_get_string_member (item, "b64_json"),
      &size);
  picture = g_bytes_new_take (data, size);
  return decode_picture (picture);
}

/* An edit model: the picture sent inverted, of the size asked, the prompt
 * as revised_prompt; GPT Image makes its nearest size. */
GST_START_TEST (test_emulator_edits)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) red = red_jpeg ();
  g_autoptr (PollenResponse) klein = post_edit (emulator, red, NULL,
      "prompt", "as an oil painting", "model", "klein", "size", "200x100",
      NULL);
  g_autoptr (PollenResponse) gpt = post_edit (emulator, red, NULL,
      "prompt", "x", "model", "gpt-image", "size", "320x240", NULL);
  g_autoptr (GstSample) picture = NULL;
  g_autoptr (GstSample) gpt_picture = NULL;
  g_autofree gchar *revised = NULL;
  g_autofree gchar *gpt_revised = NULL;

  fail_unless (klein != NULL && gpt != NULL);
  fail_unless_equals_string (klein->model_used,
      "black-forest-labs/flux.2-klein-4b");
  picture = answer_picture (klein, &revised);
  fail_unless_equals_string (revised, "as an oil painting");
  assert_picture (picture, 200, 100, &CYAN);
  fail_unless_equals_string (gpt->model_used, "openai/gpt-image-1-mini");
  gpt_picture = answer_picture (gpt, &gpt_revised);
  assert_picture (gpt_picture, 1536, 1024, &CYAN);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The route's default model, flux, takes no picture: its answer is a
 * picture of the prompt alone, at the model's default size. */
GST_START_TEST (test_emulator_text_only_model_ignores_the_picture)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) red = red_jpeg ();
  g_autoptr (PollenResponse) response = post_edit (emulator, red, NULL,
      "prompt", "a lighthouse", NULL);
  g_autoptr (GstSample) picture = NULL;
  g_autofree gchar *revised = NULL;
  guint rgb[3];

  fail_unless (response != NULL);
  fail_unless_equals_string (response->model_used,
      "black-forest-labs/flux.1-schnell");
  picture = answer_picture (response, &revised);
  assert_picture (picture, 1024, 1024, NULL);
  corner_colour (picture, rgb);
  fail_if (rgb[0] < 40 && rgb[1] > 215 && rgb[2] > 215, "flux edited it");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
assert_refused (PollenEmulator * emulator, GBytes * picture,
    const gchar * message, const gchar * first_name, const gchar * value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PollenResponse) response = post_edit (emulator, picture, &error,
      first_name, value, NULL);

  fail_unless (response == NULL);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 400);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "BAD_REQUEST");
  fail_unless_equals_string (pollen_client_error_get_api_message (error),
      message);
}

/* The server's 400s, in its order: the model, the prompt, the picture. */
GST_START_TEST (test_emulator_refusals)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) red = red_jpeg ();

  assert_refused (emulator, red, "Invalid model or alias: \"nope\". Must be "
      "a valid model name or alias.", "model", "nope");
  assert_refused (emulator, red, "Missing required field: prompt", "model",
      "klein");
  assert_refused (emulator, NULL, "Missing required field: image", "prompt",
      "x");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
pollenedit_suite (void)
{
  Suite *s = suite_create ("pollenedit");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_request_on_the_wire);
  tcase_add_test (tc, test_options_on_the_wire);
  tcase_add_test (tc, test_video_out_is_the_latest_edit);
  tcase_add_test (tc, test_scene_cut);
  tcase_add_test (tc, test_caps_change);
  tcase_add_test (tc, test_every_raw_format);
  tcase_add_test (tc, test_live_slow_server_never_holds_video);
  tcase_add_test (tc, test_live_latency_waits_for_the_edit);
  tcase_add_test (tc, test_live_tag_does_not_hold_frames);
  tcase_add_test (tc, test_live_late_edit_warns);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_stop_during_hung_request);
  tcase_add_test (tc, test_flush_cancels_and_starts_over);
  tcase_add_test (tc, test_error_stops);
  tcase_add_test (tc, test_skip_failed);
  tcase_add_test (tc, test_answer_shapes);
  tcase_add_test (tc, test_video_model_is_no_picture);
  tcase_add_test (tc, test_untimed_video_one_error);
  tcase_add_test (tc, test_emulator_edits);
  tcase_add_test (tc, test_emulator_text_only_model_ignores_the_picture);
  tcase_add_test (tc, test_emulator_refusals);
  return s;
}

GST_CHECK_MAIN (pollenedit);
