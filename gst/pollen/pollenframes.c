/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Video frames going to the server, for every element that sends them
 * (pollenvision, pollenedit): their properties, which frames are taken
 * (the interval and scene cuts), and a frame scaled and encoded as the
 * picture sent; and a picture back into a frame. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenframes.h"

#include <gio/gio.h>
#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC (pollen_frames_debug);
#define GST_CAT_DEFAULT pollen_frames_debug

#define THUMB_SIDE 16           /* scene detection: a 16x16 luma thumbnail */
#define CODEC_TIMEOUT (10 * GST_SECOND)

struct _PollenFramePicker
{
  GstObject *owner;             /* for log lines; not a reference */
  GstClockTime interval;
  gdouble scene_threshold;
  GstClockTime min_interval;

  GstVideoInfo info;
  GstCaps *caps;                /* NULL until set_caps */
  guint8 *line;                 /* one line unpacked, for thumbnails */
  GstClockTime next_due;        /* the next interval frame, or NONE */
  GstClockTime last_taken;      /* the latest frame taken, or NONE */
  guint8 thumb[THUMB_SIDE * THUMB_SIDE];        /* of last_taken */
};

static void
pollen_frames_init_debug (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (pollen_frames_debug, "pollenframes", 0,
        "gst-pollen video frames sent to the server");
    g_once_init_leave (&initialized, 1);
  }
}

GstClockTime
pollen_frame_seconds_to_time (gdouble seconds)
{
  return (GstClockTime) (seconds * GST_SECOND + 0.5);
}

/* ---- the properties ---- */

/* Fixed for a run; the blurb is made here, so GObject keeps a copy. */
#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_NAME | \
    G_PARAM_STATIC_NICK | GST_PARAM_MUTABLE_READY)

static void
install_double (GObjectClass * klass, guint prop_id, const gchar * name,
    const gchar * nick, gchar * blurb, gdouble min, gdouble max,
    gdouble default_value)
{
  g_object_class_install_property (klass, prop_id, g_param_spec_double (name,
          nick, blurb, min, max, default_value, PARAM_FLAGS));
  g_free (blurb);
}

static void
install_max_size (GObjectClass * klass, guint prop_id, guint default_value)
{
  g_autofree gchar *blurb = g_strdup_printf ("Longest side in pixels of the "
      "picture sent, scaled down with its aspect kept, never up (default "
      "%u)", default_value);

  g_object_class_install_property (klass, prop_id, g_param_spec_uint
      ("max-size", "Maximum Size", blurb, 16, 4096, default_value,
          PARAM_FLAGS));
}

/**
 * pollen_frame_settings_install_properties:
 * @defaults: the element's defaults
 * @taken: what happens to a frame taken, for the blurbs ("described")
 *
 * Installs interval, scene-threshold, min-interval and max-size with the
 * ids @first_prop_id + POLLEN_FRAME_PROP_*.
 */
void
pollen_frame_settings_install_properties (GObjectClass * klass,
    guint first_prop_id, const PollenFrameSettings * defaults,
    const gchar * taken)
{
  install_double (klass, first_prop_id + POLLEN_FRAME_PROP_INTERVAL,
      "interval", "Interval", g_strdup_printf ("Seconds of stream time "
          "between two %s frames (default %g)", taken, defaults->interval),
      0.1, 3600.0, defaults->interval);
  install_double (klass, first_prop_id + POLLEN_FRAME_PROP_SCENE_THRESHOLD,
      "scene-threshold", "Scene Threshold", g_strdup_printf ("Also take a "
          "frame whose picture differs from the last one %s by more than "
          "this mean luma difference, 0 (same) to 1 (black to white); 0 "
          "(default) turns scene detection off", taken), 0.0, 1.0,
      defaults->scene_threshold);
  install_double (klass, first_prop_id + POLLEN_FRAME_PROP_MIN_INTERVAL,
      "min-interval", "Minimum Interval", g_strdup_printf ("Seconds of "
          "stream time a scene change waits after the last %s frame "
          "(default %g)", taken, defaults->min_interval), 0.0, 3600.0,
      defaults->min_interval);
  install_max_size (klass, first_prop_id + POLLEN_FRAME_PROP_MAX_SIZE,
      defaults->max_size);
}

/* Where property @index lives in @settings. */
static gpointer
settings_field (PollenFrameSettings * settings, guint index)
{
  switch (index) {
    case POLLEN_FRAME_PROP_INTERVAL:
      return &settings->interval;
    case POLLEN_FRAME_PROP_SCENE_THRESHOLD:
      return &settings->scene_threshold;
    case POLLEN_FRAME_PROP_MIN_INTERVAL:
      return &settings->min_interval;
    default:
      return &settings->max_size;
  }
}

/**
 * pollen_frame_settings_set_property:
 * @object: the element, whose object lock guards @settings
 *
 * Returns: %FALSE when @prop_id is not one of these.
 */
gboolean
pollen_frame_settings_set_property (GObject * object,
    PollenFrameSettings * settings, guint first_prop_id, guint prop_id,
    const GValue * value)
{
  guint index = prop_id - first_prop_id;

  if (prop_id < first_prop_id || index >= POLLEN_FRAME_N_PROPS)
    return FALSE;
  GST_OBJECT_LOCK (object);
  if (index == POLLEN_FRAME_PROP_MAX_SIZE)
    settings->max_size = g_value_get_uint (value);
  else
    *(gdouble *) settings_field (settings, index) = g_value_get_double (value);
  GST_OBJECT_UNLOCK (object);
  return TRUE;
}

/* As pollen_frame_settings_set_property(), the other way. */
gboolean
pollen_frame_settings_get_property (GObject * object,
    PollenFrameSettings * settings, guint first_prop_id, guint prop_id,
    GValue * value)
{
  guint index = prop_id - first_prop_id;

  if (prop_id < first_prop_id || index >= POLLEN_FRAME_N_PROPS)
    return FALSE;
  GST_OBJECT_LOCK (object);
  if (index == POLLEN_FRAME_PROP_MAX_SIZE)
    g_value_set_uint (value, settings->max_size);
  else
    g_value_set_double (value, *(gdouble *) settings_field (settings, index));
  GST_OBJECT_UNLOCK (object);
  return TRUE;
}

/* ---- which frames ---- */

PollenFramePicker *
pollen_frame_picker_new (GstObject * owner)
{
  PollenFramePicker *picker = g_new0 (PollenFramePicker, 1);

  pollen_frames_init_debug ();
  picker->owner = owner;
  pollen_frame_picker_forget (picker);
  return picker;
}

void
pollen_frame_picker_free (PollenFramePicker * picker)
{
  if (!picker)
    return;
  gst_caps_replace (&picker->caps, NULL);
  g_free (picker->line);
  g_free (picker);
}

void
pollen_frame_picker_configure (PollenFramePicker * picker,
    const PollenFrameSettings * settings)
{
  picker->interval = pollen_frame_seconds_to_time (settings->interval);
  picker->scene_threshold = settings->scene_threshold;
  picker->min_interval = pollen_frame_seconds_to_time (settings->min_interval);
}

/* New caps: the next frame is taken at once. */
gboolean
pollen_frame_picker_set_caps (PollenFramePicker * picker, GstCaps * caps)
{
  if (!gst_video_info_from_caps (&picker->info, caps)) {
    GST_WARNING_OBJECT (picker->owner, "unusable caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
  gst_caps_replace (&picker->caps, caps);
  /* the widest unpacked pixel: 4 components of 16 bits */
  g_free (picker->line);
  picker->line = g_malloc (GST_VIDEO_INFO_WIDTH (&picker->info) * 8);
  pollen_frame_picker_restart (picker);
  return TRUE;
}

/* The caps of the frames, or NULL before any. */
GstCaps *
pollen_frame_picker_get_caps (PollenFramePicker * picker)
{
  return picker->caps;
}

/* The next frame is taken at once (a new segment). */
void
pollen_frame_picker_restart (PollenFramePicker * picker)
{
  picker->next_due = GST_CLOCK_TIME_NONE;
}

/* Forgets every frame taken (a flush, a new run). */
void
pollen_frame_picker_forget (PollenFramePicker * picker)
{
  picker->next_due = GST_CLOCK_TIME_NONE;
  picker->last_taken = GST_CLOCK_TIME_NONE;
}

/* The luma, in 8 bits, of pixel @x of a line unpacked by the format's
 * unpack function: AYUV or ARGB, 8 or 16 bits a component (the unpack
 * format of formats deeper than 8 bits). */
static guint8
unpacked_luma (const GstVideoFormatInfo * finfo, const guint8 * line, guint x)
{
  GstVideoFormat unpacked = finfo->unpack_format;
  gboolean wide = unpacked == GST_VIDEO_FORMAT_AYUV64 ||
      unpacked == GST_VIDEO_FORMAT_ARGB64;
  guint c[3], i;

  for (i = 0; i < 3; i++)
    c[i] = wide ? ((const guint16 *) line)[4 * x + 1 + i] >> 8 :
        line[4 * x + 1 + i];
  if (!GST_VIDEO_FORMAT_INFO_IS_RGB (finfo))
    return c[0];
  return (77 * c[0] + 150 * c[1] + 29 * c[2]) >> 8;
}

/* A THUMB_SIDE² luma thumbnail of @buffer by point sampling: THUMB_SIDE
 * lines unpacked by the video library (any raw format, any depth). */
static gboolean
pollen_frame_picker_thumbnail (PollenFramePicker * picker, GstBuffer * buffer,
    guint8 * thumb)
{
  const GstVideoFormatInfo *finfo = picker->info.finfo;
  GstVideoFrame vf;
  guint w = GST_VIDEO_INFO_WIDTH (&picker->info);
  guint h = GST_VIDEO_INFO_HEIGHT (&picker->info);
  guint i, j;

  if (!gst_video_frame_map (&vf, &picker->info, buffer, GST_MAP_READ))
    return FALSE;
  for (j = 0; j < THUMB_SIDE; j++) {
    finfo->unpack_func (finfo, GST_VIDEO_PACK_FLAG_NONE, picker->line,
        vf.data, vf.info.stride, 0, (2 * j + 1) * h / (2 * THUMB_SIDE), w);
    for (i = 0; i < THUMB_SIDE; i++)
      thumb[j * THUMB_SIDE + i] = unpacked_luma (finfo, picker->line,
          (2 * i + 1) * w / (2 * THUMB_SIDE));
  }
  gst_video_frame_unmap (&vf);
  return TRUE;
}

/* The mean absolute luma difference of @buffer to the last frame taken,
 * 0 (the same) to 1 (black to white). */
static gdouble
pollen_frame_picker_change (PollenFramePicker * picker, GstBuffer * buffer)
{
  guint8 thumb[THUMB_SIDE * THUMB_SIDE];
  guint64 sum = 0;
  guint i;

  if (!pollen_frame_picker_thumbnail (picker, buffer, thumb))
    return 0.0;
  for (i = 0; i < G_N_ELEMENTS (thumb); i++)
    sum += ABS ((gint) thumb[i] - (gint) picker->thumb[i]);
  return sum / (255.0 * G_N_ELEMENTS (thumb));
}

/**
 * pollen_frame_picker_pick:
 *
 * Whether @buffer is to be taken: the interval is up, or its picture
 * changed by more than the scene threshold. A frame without a timestamp,
 * or before any caps, never is. Call pollen_frame_picker_take() when it
 * is taken.
 */
PollenFramePick
pollen_frame_picker_pick (PollenFramePicker * picker, GstBuffer * buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  gdouble change;

  if (!picker->caps || !GST_CLOCK_TIME_IS_VALID (pts))
    return POLLEN_FRAME_SKIP;
  if (!GST_CLOCK_TIME_IS_VALID (picker->next_due) || pts >= picker->next_due)
    return POLLEN_FRAME_INTERVAL;
  if (picker->scene_threshold <= 0.0 ||
      pts < picker->last_taken + picker->min_interval)
    return POLLEN_FRAME_SKIP;
  change = pollen_frame_picker_change (picker, buffer);
  if (change <= picker->scene_threshold)
    return POLLEN_FRAME_SKIP;
  GST_DEBUG_OBJECT (picker->owner, "scene change %.3f at %" GST_TIME_FORMAT,
      change, GST_TIME_ARGS (pts));
  return POLLEN_FRAME_SCENE;
}

/* @buffer is taken: the next interval counts from it. */
void
pollen_frame_picker_take (PollenFramePicker * picker, GstBuffer * buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  if (picker->scene_threshold > 0.0)
    pollen_frame_picker_thumbnail (picker, buffer, picker->thumb);
  picker->last_taken = pts;
  picker->next_due = pts + picker->interval;
}

/* ---- the picture sent ---- */

/* The size to send: the display size, its long side at most @max_size. */
static void
scaled_size (const GstVideoInfo * info, guint max_size, gint * width,
    gint * height)
{
  gint par_n = MAX (GST_VIDEO_INFO_PAR_N (info), 1);
  gint par_d = MAX (GST_VIDEO_INFO_PAR_D (info), 1);
  gint w = gst_util_uint64_scale_int_round (GST_VIDEO_INFO_WIDTH (info),
      par_n, par_d);
  gint h = GST_VIDEO_INFO_HEIGHT (info);
  gint longest = MAX (w, h);

  *width = w;
  *height = h;
  if (longest <= (gint) max_size)
    return;
  *width = MAX (1, gst_util_uint64_scale_int_round (w, max_size, longest));
  *height = MAX (1, gst_util_uint64_scale_int_round (h, max_size, longest));
}

/* The encoder gst_video_convert_sample() uses for @media_type. */
static const gchar *
encoder_name (const gchar * media_type)
{
  return g_str_equal (media_type, "image/png") ? "pngenc" : "jpegenc";
}

/**
 * pollen_frame_encode:
 * @owner: (nullable): for log lines
 * @frame: a raw video frame and its caps
 * @media_type: "image/jpeg" or "image/png"
 * @width: (out): the width of the picture
 * @height: (out): its height
 *
 * Any thread: @frame at its display aspect (pixel-aspect-ratio applied),
 * its long side scaled down to @max_size (never up), encoded by
 * GStreamer's own converter (videoconvert, videoscale, jpegenc or pngenc).
 *
 * Returns: (transfer full): the picture, or %NULL with @error set.
 */
GBytes *
pollen_frame_encode (GstObject * owner, GstSample * frame, guint max_size,
    const gchar * media_type, gint * width, gint * height, GError ** error)
{
  GstVideoInfo info;
  GstMapInfo map;
  GBytes *bytes;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstSample) picture = NULL;

  pollen_frames_init_debug ();
  gst_video_info_from_caps (&info, gst_sample_get_caps (frame));
  scaled_size (&info, max_size, width, height);
  caps = gst_caps_new_simple (media_type, "width", G_TYPE_INT, *width,
      "height", G_TYPE_INT, *height, "pixel-aspect-ratio", GST_TYPE_FRACTION,
      1, 1, NULL);
  picture = gst_video_convert_sample (frame, caps, CODEC_TIMEOUT, error);
  if (!picture || !gst_buffer_map (gst_sample_get_buffer (picture), &map,
          GST_MAP_READ)) {
    if (error && !*error)
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "Could not encode the frame as %s (is %s installed?)", media_type,
          encoder_name (media_type));
    return NULL;
  }
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (picture), &map);
  GST_LOG_OBJECT (owner, "frame at %" GST_TIME_FORMAT ": %dx%d %s, %"
      G_GSIZE_FORMAT " bytes", GST_TIME_ARGS (GST_BUFFER_PTS
          (gst_sample_get_buffer (frame))), *width, *height, media_type,
      g_bytes_get_size (bytes));
  return bytes;
}

/* ---- a picture back into a frame ---- */

/* @frame_caps as one progressive still: the format, size, aspect and
 * colours of the frames, without a rate or fields. */
static GstCaps *
still_caps (GstCaps * frame_caps)
{
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, frame_caps))
    return gst_caps_ref (frame_caps);
  GST_VIDEO_INFO_INTERLACE_MODE (&info) = GST_VIDEO_INTERLACE_MODE_PROGRESSIVE;
  GST_VIDEO_INFO_FPS_N (&info) = 0;
  GST_VIDEO_INFO_FPS_D (&info) = 1;
  return gst_video_info_to_caps (&info);
}

static GstPadProbeReturn
keep_first_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer **kept = user_data;

  if (!*kept)
    *kept = gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info));
  return GST_PAD_PROBE_OK;
}

/* Plays @pipeline, whose "src" reads @picture, to its end. */
static gboolean
play_to_end (GstElement * pipeline, GBytes * picture, GError ** error)
{
  g_autoptr (GInputStream) stream =
      g_memory_input_stream_new_from_bytes (picture);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) end = NULL;

  g_object_set (src, "stream", stream, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  end = gst_bus_timed_pop_filtered (bus, CODEC_TIMEOUT, GST_MESSAGE_EOS |
      GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (end && GST_MESSAGE_TYPE (end) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (end, error, NULL);
    return FALSE;
  }
  if (!end)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "decoding the picture took longer than %u s",
        (guint) (CODEC_TIMEOUT / GST_SECOND));
  return end != NULL;
}

/**
 * pollen_frame_decode:
 * @owner: (nullable): for log lines
 * @picture: an encoded picture (JPEG, PNG, or what else a decoder is
 *   installed for)
 * @frame_caps: raw video caps of the frames it is to replace
 *
 * Any thread: @picture decoded by GStreamer's decoders (decodebin) and
 * made a frame of @frame_caps (their format, size, pixel-aspect-ratio and
 * colours) by videoconvert and videoscale; a picture of another display
 * aspect gets black borders rather than being stretched.
 *
 * Returns: (transfer full): the frame, or %NULL with @error set.
 */
GstBuffer *
pollen_frame_decode (GstObject * owner, GBytes * picture,
    GstCaps * frame_caps, GError ** error)
{
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) filter = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstCaps) caps = still_caps (frame_caps);
  GstBuffer *frame = NULL;

  pollen_frames_init_debug ();
  pipeline = gst_parse_launch ("giostreamsrc name=src ! decodebin ! "
      "videoconvert ! videoscale ! capsfilter name=filter ! "
      "fakesink name=sink sync=false", error);
  if (!pipeline)
    return NULL;
  filter = gst_bin_get_by_name (GST_BIN (pipeline), "filter");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  g_object_set (filter, "caps", caps, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, keep_first_buffer,
      &frame, NULL);
  if (!play_to_end (pipeline, picture, error)) {
    gst_clear_buffer (&frame);
    return NULL;
  }
  if (!frame)
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "the picture decoded to no frame at all");
  GST_LOG_OBJECT (owner, "%" G_GSIZE_FORMAT " bytes decoded into %"
      GST_PTR_FORMAT, g_bytes_get_size (picture), caps);
  return frame;
}
