/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollenvision
 * @title: pollenvision
 *
 * Describes what is on screen with the Pollinations API (`POST
 * /v1/chat/completions` with an `image_url` part, OpenAI compatible) and
 * pushes the descriptions as timed text.
 *
 * Every #GstPollenVision:interval seconds of stream time the element takes
 * the frame at that time, and with #GstPollenVision:scene-threshold also a
 * frame whose picture changed that much since the last one described (at
 * most once per #GstPollenVision:min-interval). A worker thread scales it
 * so that its long side is at most #GstPollenVision:max-size pixels, encodes
 * it as JPEG and sends it as a data URI next to #GstPollenVision:prompt.
 * The reply goes out with the frame's PTS, lasting until the next
 * description or one interval.
 *
 * The streaming thread only keeps a reference to the sampled frame; the
 * frames in between cost nothing (a 16x16 luma thumbnail each when scene
 * detection is on). With a live source the element never waits: while
 * max-in-flight descriptions are pending, due frames are skipped and the
 * next frame after one finishes is taken instead, so it can hang off a
 * `tee` without delaying the video. With recorded input it waits instead,
 * so that every interval is described.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! tee name=t ! queue ! autovideosink \
 *     t. ! pollenvision interval=10 ! fakesink dump=true
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! videoconvert \
 *     ! tee name=t ! queue max-size-buffers=0 max-size-time=20000000000 \
 *     max-size-bytes=0 ! textoverlay name=ov ! videoconvert ! autovideosink \
 *     t. ! queue ! pollenvision interval=3 scene-threshold=0.2 ! ov.text_sink
 * ]|
 */

/* A GstPollenFilter: the sink thread picks frames and submits them;
 * workers encode and describe them; the src task pushes the descriptions
 * in order.
 *
 * Lock order: GST_OBJECT_LOCK (properties) and self->lock (the times of the
 * submitted frames) are leaves, never held together nor while calling into
 * the base or pushing. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenvision.h"
#include "gstpollenelements.h"
#include "pollenchatrequest.h"
#include "pollenframes.h"
#include "pollentext.h"

#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_vision_debug);
#define GST_CAT_DEFAULT gst_pollen_vision_debug

#define DEFAULT_MODEL POLLEN_CHAT_DEFAULT_MODEL
#define DEFAULT_TIMEOUT 60
#define DEFAULT_PROMPT "Describe what is in this picture in one or two " \
  "short sentences."
#define DEFAULT_DETAIL GST_POLLEN_VISION_DETAIL_AUTO
#define DEFAULT_OUTPUT POLLEN_CHAT_OUTPUT_REPLY
#define DEFAULT_LATENCY 5000
#define DEFAULT_MAX_IN_FLIGHT 2

/* the widest (or tallest) picture a model is asked to see: far past any
 * screen, short of a frame whose pixel-aspect-ratio makes it a line */
#define MAX_ASPECT 32

static const PollenFrameSettings default_frames = {
  .interval = 5.0,
  .scene_threshold = 0.0,
  .min_interval = 1.0,
  .max_size = 512,
};

enum
{
  PROP_PROMPT = POLLEN_FILTER_PROP_LAST,
  PROP_SYSTEM,
  PROP_DETAIL,
  PROP_OUTPUT,
  PROP_FRAMES,                  /* POLLEN_FRAME_N_PROPS from here */
};

/* The settings a run uses, copied from the properties in READY→PAUSED and
 * read-only while streaming, so every thread may read them unlocked. */
typedef struct
{
  const gchar *model;           /* in the base's snapshot */
  gchar *prompt;
  gchar *system;
  PollenFrameSettings frames;
  GstClockTime interval;
  GstPollenVisionDetail detail;
  PollenChatOutput output;
  guint max_in_flight;
} Config;

/* A sampled frame to describe: a job. */
typedef struct
{
  GstSample *sample;            /* the frame, referenced, not copied */
  GstClockTime pts;
  gboolean scene;               /* taken for a scene change */
  gchar *text;                  /* the reply (output=reply), by the worker */
  GstClockTime sent;            /* running times the request went out, */
  GstClockTime answered;        /* and its first sentence or reply came */
} Frame;

/* What the worker's delta callback needs (output=sentence). */
typedef struct
{
  GstPollenFilter *filter;
  Frame *frame;
  PollenJob *job;
  PollenSentences *sentences;
} Delta;

struct _GstPollenVision
{
  GstPollenFilter parent;

  /* properties, under GST_OBJECT_LOCK; copied into config at READY→PAUSED */
  gchar *prompt;
  gchar *system;
  PollenFrameSettings frames;
  GstPollenVisionDetail detail;
  PollenChatOutput output;

  /* READY→PAUSED until PAUSED→READY, read-only in between */
  Config config;

  /* sink pad streaming thread */
  PollenFramePicker *picker;
  gboolean live;                /* never wait in submit */
  gboolean warned_untimed;      /* a frame without a PTS was said */
  gboolean warned_short;        /* a frame too small for its caps was said */

  /* source pad task */
  GstClockTime out_position;    /* downstream was told everything before */
  const Frame *span_frame;      /* the frame whose span is open, or NULL */
  GstClockTime span_start;
  GstClockTime span_end;
  gboolean span_has_text;

  /* under self->lock: the PTS of each submitted frame not yet pushed */
  GMutex lock;
  GArray *sampled;
};

#define gst_pollen_vision_parent_class parent_class
G_DEFINE_TYPE (GstPollenVision, gst_pollen_vision, GST_TYPE_POLLEN_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollenvision, "pollenvision",
    GST_RANK_NONE, GST_TYPE_POLLEN_VISION, pollen_element_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (GST_VIDEO_FORMATS_ALL)));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8"));

#define GST_TYPE_POLLEN_VISION_DETAIL (gst_pollen_vision_detail_get_type ())
static GType
gst_pollen_vision_detail_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_VISION_DETAIL_AUTO, "The model decides (not sent)", "auto"},
    {GST_POLLEN_VISION_DETAIL_LOW, "A low-resolution look, cheaper", "low"},
    {GST_POLLEN_VISION_DETAIL_HIGH, "A high-resolution look", "high"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstPollenVisionDetail", values));
  return type;
}

/* ---- frames ---- */

static Frame *
frame_new (GstBuffer * buffer, GstCaps * caps, gboolean scene)
{
  Frame *frame = g_new0 (Frame, 1);

  frame->sample = gst_sample_new (buffer, caps, NULL, NULL);
  frame->pts = GST_BUFFER_PTS (buffer);
  frame->scene = scene;
  frame->sent = frame->answered = GST_CLOCK_TIME_NONE;
  return frame;
}

static void
frame_free (Frame * frame)
{
  gst_sample_unref (frame->sample);
  g_free (frame->text);
  g_free (frame);
}

static void
config_clear (Config * config)
{
  g_clear_pointer (&config->prompt, g_free);
  g_clear_pointer (&config->system, g_free);
}

static void
gst_pollen_vision_snapshot_config (GstPollenVision * self)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  Config *config = &self->config;

  config_clear (config);
  config->model = gst_pollen_filter_get_settings (filter)->model;
  g_object_get (self, "max-in-flight", &config->max_in_flight, NULL);
  GST_OBJECT_LOCK (self);
  config->prompt = g_strdup (self->prompt);
  config->system = g_strdup (self->system);
  config->frames = self->frames;
  config->detail = self->detail;
  config->output = self->output;
  GST_OBJECT_UNLOCK (self);
  config->interval = pollen_frame_seconds_to_time (config->frames.interval);
  pollen_frame_picker_configure (self->picker, &config->frames);
}

/* ---- the sink side: which frames to describe ---- */

/* Takes @buffer: submits its frame and starts the next interval. */
static GstFlowReturn
gst_pollen_vision_take (GstPollenVision * self, GstBuffer * buffer,
    gboolean scene)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  Frame *frame;

  pollen_frame_picker_take (self->picker, buffer);
  frame = frame_new (buffer, pollen_frame_picker_get_caps (self->picker),
      scene);
  gst_buffer_unref (buffer);

  GST_DEBUG_OBJECT (self, "describing the frame at %" GST_TIME_FORMAT "%s",
      GST_TIME_ARGS (pts), scene ? " (scene change)" : "");
  g_mutex_lock (&self->lock);
  g_array_append_val (self->sampled, pts);
  g_mutex_unlock (&self->lock);
  return gst_pollen_filter_submit (GST_POLLEN_FILTER (self), frame);
}

/* GstPollenFilter::chain: keeps a reference to a due frame and drops the
 * others. Live, it never waits: while max-in-flight descriptions are
 * pending a due frame is skipped, and the next one is taken instead. */
/* Sink thread: whether @buffer can be described at all, saying once
 * (a warning) why the frames that cannot are not. */
static gboolean
gst_pollen_vision_frame_usable (GstPollenVision * self, GstBuffer * buffer)
{
  const GstVideoInfo *info = pollen_frame_picker_get_info (self->picker);
  gsize size = gst_buffer_get_size (buffer);

  if (!GST_BUFFER_PTS_IS_VALID (buffer)) {
    if (!self->warned_untimed)
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("A frame has no "
              "timestamp: a description is placed at the time of its "
              "frame, so frames without one are not described. Put a "
              "parser or decoder that timestamps the video in front."),
          (NULL));
    self->warned_untimed = TRUE;
    return FALSE;
  }
  if (size >= GST_VIDEO_INFO_SIZE (info))
    return TRUE;
  if (!self->warned_short)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("The frame at %"
            GST_TIME_FORMAT " holds %" G_GSIZE_FORMAT " bytes where a %dx%d "
            "%s frame takes %" G_GSIZE_FORMAT ": such frames are not "
            "described.", GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), size,
            GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info),
            GST_VIDEO_INFO_NAME (info), GST_VIDEO_INFO_SIZE (info)), (NULL));
  self->warned_short = TRUE;
  return FALSE;
}

static GstFlowReturn
gst_pollen_vision_chain (GstPollenFilter * filter, GstBuffer * buffer)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);
  PollenFramePick pick = POLLEN_FRAME_SKIP;

  if (pollen_frame_picker_get_caps (self->picker) &&
      gst_pollen_vision_frame_usable (self, buffer))
    pick = pollen_frame_picker_pick (self->picker, buffer);
  if (pick == POLLEN_FRAME_SKIP) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  if (self->live &&
      gst_pollen_filter_get_pending (filter) >= self->config.max_in_flight) {
    GST_LOG_OBJECT (self, "busy: skipping the frame at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  return gst_pollen_vision_take (self, buffer, pick == POLLEN_FRAME_SCENE);
}

static void
gst_pollen_vision_store_src_caps (GstPollenVision * self)
{
  GstPad *srcpad = gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER (self));
  g_autoptr (GstCaps) text_caps = NULL;
  GstEvent *event;

  if (gst_pad_has_current_caps (srcpad))
    return;
  text_caps = gst_static_pad_template_get_caps (&src_template);
  event = gst_event_new_caps (text_caps);
  gst_pad_store_sticky_event (srcpad, event);
  gst_event_unref (event);
}

/* The picture a frame of @info makes on display is one a model can see:
 * not a line, however the pixel-aspect-ratio stretches it. */
static gboolean
gst_pollen_vision_check_aspect (GstPollenVision * self,
    const GstVideoInfo * info)
{
  gdouble width = (gdouble) GST_VIDEO_INFO_WIDTH (info) *
      MAX (GST_VIDEO_INFO_PAR_N (info), 1) / MAX (GST_VIDEO_INFO_PAR_D (info),
      1);
  gdouble height = GST_VIDEO_INFO_HEIGHT (info);

  if (width <= height * MAX_ASPECT && height <= width * MAX_ASPECT)
    return TRUE;
  GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("The video's pixel-aspect-ratio "
          "%d/%d makes its %dx%d frames %.0fx%.0f on display, more than %d "
          "times wider than high or higher than wide: no picture a model can "
          "describe. Fix the pixel-aspect-ratio in the caps.",
          GST_VIDEO_INFO_PAR_N (info), GST_VIDEO_INFO_PAR_D (info),
          GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info), width,
          height, MAX_ASPECT), (NULL));
  return FALSE;
}

static gboolean
gst_pollen_vision_set_caps (GstPollenFilter * filter, GstCaps * caps)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, caps)) {
    g_autofree gchar *text = gst_caps_to_string (caps);

    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("The video caps %s describe "
            "no frame pollenvision can read (a raw format, a width and a "
            "height above 0).", text), (NULL));
    return FALSE;
  }
  if (!gst_pollen_vision_check_aspect (self, &info))
    return FALSE;
  self->warned_short = FALSE;
  /* new caps: the next frame is described at once */
  if (!pollen_frame_picker_set_caps (self->picker, caps))
    return FALSE;
  gst_pollen_vision_store_src_caps (self);
  return TRUE;
}

/* GstPollenFilter::sink_event: a segment says whether upstream is live,
 * that is whether chain may wait. */
static GstFlowReturn
gst_pollen_vision_sink_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);
  GstClockTime min;

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    gst_pollen_filter_query_upstream (filter, &self->live, &min);
    pollen_frame_picker_restart (self->picker);
    GST_DEBUG_OBJECT (self, "upstream is %slive", self->live ? "" : "not ");
  }
  return GST_FLOW_OK;
}

/* ---- the worker: encode and ask ---- */

static PollenRequest *
gst_pollen_vision_request_new (GstPollenVision * self, GBytes * jpeg)
{
  const Config *config = &self->config;
  PollenChatSettings chat;
  GEnumValue *detail = g_enum_get_value (g_type_class_peek
      (GST_TYPE_POLLEN_VISION_DETAIL), config->detail);

  pollen_chat_settings_init (&chat);
  chat.model = config->model;
  chat.system = config->system;
  chat.extra_params =
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self))->extra_params;
  return pollen_chat_request_new (&chat, NULL,
      pollen_chat_content_new_image (config->prompt, "image/jpeg", jpeg,
          config->detail == GST_POLLEN_VISION_DETAIL_AUTO ? NULL :
          detail->value_nick));
}

static gchar *
gst_pollen_vision_describe (GstPollenFilter * filter, gpointer data)
{
  Frame *frame = data;

  return g_strdup_printf ("Describing the frame at %" GST_TIME_FORMAT "%s",
      GST_TIME_ARGS (frame->pts), frame->scene ? " (a scene change)" : "");
}

/* Worker: takes @sentence, out to the src task; the first says when the
 * answer came. */
static void
delta_emit (Delta * delta, gchar * sentence)
{
  if (!GST_CLOCK_TIME_IS_VALID (delta->frame->answered))
    delta->frame->answered = gst_pollen_filter_now (delta->filter);
  pollen_job_emit (delta->job, sentence);
}

/* Worker, output=sentence: each complete sentence goes out at once. */
static void
gst_pollen_vision_on_delta (const gchar * text, gpointer user_data)
{
  Delta *delta = user_data;
  GPtrArray *done = pollen_sentences_feed (delta->sentences, text);
  guint i;

  for (i = 0; i < done->len; i++)
    delta_emit (delta, g_strdup (done->pdata[i]));
  g_ptr_array_unref (done);
}

static gboolean
gst_pollen_vision_ask (GstPollenVision * self, PollenJob * job, Frame * frame,
    PollenRequest * request, GCancellable * cancellable, GError ** error)
{
  PollenClient *client = gst_pollen_filter_get_client (GST_POLLEN_FILTER
      (self));
  g_autoptr (PollenSentences) sentences = pollen_sentences_new ();
  Delta delta = { GST_POLLEN_FILTER (self), frame, job, sentences };
  gboolean by_sentence = self->config.output == POLLEN_CHAT_OUTPUT_SENTENCE;
  g_autoptr (PollenChatResult) result = NULL;
  gchar *rest;

  frame->sent = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
  result = pollen_chat_complete (client, request, by_sentence ?
      gst_pollen_vision_on_delta : NULL, &delta, cancellable, error);
  if (!result)
    return FALSE;
  if (result->warning) {
    g_autofree gchar *what = gst_pollen_vision_describe (GST_POLLEN_FILTER
        (self), frame);

    pollen_chat_result_post_warning (result, GST_ELEMENT (self), what);
  }
  if (!by_sentence) {
    frame->answered = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
    frame->text = g_strstrip (g_strdup (result->text));
    return TRUE;
  }
  rest = pollen_sentences_finish (sentences);
  if (rest && *rest)
    delta_emit (&delta, rest);
  else
    g_free (rest);
  return TRUE;
}

static gboolean
gst_pollen_vision_run_job (GstPollenFilter * filter, PollenJob * job,
    gpointer data, GCancellable * cancellable, GError ** error)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);
  Frame *frame = data;
  gint width, height;
  g_autoptr (GBytes) jpeg = pollen_frame_encode (GST_OBJECT (self),
      frame->sample, self->config.frames.max_size, "image/jpeg", &width,
      &height, error);
  PollenRequest *request;
  gboolean ok;

  if (!jpeg)
    return FALSE;
  request = gst_pollen_vision_request_new (self, jpeg);
  ok = gst_pollen_vision_ask (self, job, frame, request, cancellable, error);
  pollen_request_free (request);
  return ok;
}

/* ---- the src side: timed text ---- */

/* The PTS of the frame submitted after the one at @pts, or NONE. */
static GstClockTime
gst_pollen_vision_next_sample (GstPollenVision * self, GstClockTime pts)
{
  GstClockTime next = GST_CLOCK_TIME_NONE;
  guint n = 0;

  g_mutex_lock (&self->lock);
  while (n < self->sampled->len &&
      g_array_index (self->sampled, GstClockTime, n) <= pts)
    n++;
  g_array_remove_range (self->sampled, 0, n);
  if (self->sampled->len > 0)
    next = g_array_index (self->sampled, GstClockTime, 0);
  g_mutex_unlock (&self->lock);
  return next;
}

/* Tells downstream that nothing comes before @until. */
static void
gst_pollen_vision_push_gap_until (GstPollenVision * self, GstClockTime until)
{
  gst_pollen_filter_gap_until (GST_POLLEN_FILTER (self), &self->out_position,
      until);
}

/* Downstream was already told that nothing comes before out_position (the
 * text before lasted longer, or live, a GAP at the deadline): @frame's
 * text starts there, with a warning when live. */
static void
gst_pollen_vision_shift_span (GstPollenVision * self, const Frame * frame)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  GstClockTime late_by = self->out_position - self->span_start;

  GST_DEBUG_OBJECT (self, "the text for %" GST_TIME_FORMAT " is %"
      GST_TIME_FORMAT " late", GST_TIME_ARGS (frame->pts),
      GST_TIME_ARGS (late_by));
  self->span_start = self->out_position;
  self->span_end = MAX (self->span_end, self->span_start + GST_MSECOND);
  if (gst_pollen_filter_is_live (filter))
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The description of the frame at %" GST_TIME_FORMAT " came %"
            G_GUINT64_FORMAT " ms too late and was shifted; raise the "
            "latency property (now %u ms).", GST_TIME_ARGS (frame->pts),
            late_by / GST_MSECOND, (guint) (gst_pollen_filter_get_latency
                (filter) / GST_MSECOND)), (NULL));
}

/* The span of @frame's text: from its PTS (or where the text before ended)
 * until the next frame's, at most one interval. */
static void
gst_pollen_vision_open_span (GstPollenVision * self, const Frame * frame)
{
  GstClockTime next = gst_pollen_vision_next_sample (self, frame->pts);
  gboolean late;

  if (self->span_frame == frame)
    return;
  self->span_frame = frame;
  self->span_has_text = FALSE;
  self->span_start = frame->pts;
  self->span_end = frame->pts + self->config.interval;
  if (GST_CLOCK_TIME_IS_VALID (next))
    self->span_end = MIN (self->span_end, next);
  late = GST_CLOCK_TIME_IS_VALID (self->out_position) &&
      self->span_start < self->out_position;
  if (late)
    gst_pollen_vision_shift_span (self, frame);
  gst_pollen_filter_follow_server (GST_POLLEN_FILTER (self), frame->sent,
      frame->answered, late);
  gst_pollen_vision_push_gap_until (self, self->span_start);
}

static GstFlowReturn
gst_pollen_vision_push_text (GstPollenVision * self, const Frame * frame,
    const gchar * text)
{
  GstBuffer *buffer;

  gst_pollen_vision_open_span (self, frame);
  buffer = gst_buffer_new_memdup (text, strlen (text));
  GST_BUFFER_PTS (buffer) = self->span_start;
  GST_BUFFER_DURATION (buffer) = self->span_end - self->span_start;
  GST_DEBUG_OBJECT (self, "text at %" GST_TIME_FORMAT " for %"
      GST_TIME_FORMAT ": %s", GST_TIME_ARGS (self->span_start),
      GST_TIME_ARGS (self->span_end - self->span_start), text);
  self->out_position = self->span_end;
  self->span_has_text = TRUE;
  return gst_pad_push (gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER
          (self)), buffer);
}

/* Closes @frame's span: downstream hears nothing more before its end (a
 * GAP when it had no text: an empty reply, or a failure skipped). */
static void
gst_pollen_vision_close_span (GstPollenVision * self, const Frame * frame)
{
  gst_pollen_vision_open_span (self, frame);
  if (!self->span_has_text)
    gst_pollen_vision_push_gap_until (self, self->span_end);
  self->span_frame = NULL;
}

static GstFlowReturn
gst_pollen_vision_handle_item (GstPollenFilter * filter, gpointer data,
    gpointer item)
{
  return gst_pollen_vision_push_text (GST_POLLEN_VISION (filter), data, item);
}

static GstFlowReturn
gst_pollen_vision_handle_done (GstPollenFilter * filter, gpointer data)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);
  Frame *frame = data;
  GstFlowReturn ret = GST_FLOW_OK;

  if (frame->text && *frame->text)
    ret = gst_pollen_vision_push_text (self, frame, frame->text);
  gst_pollen_vision_close_span (self, frame);
  return ret;
}

/* GstPollenFilter::fill: a GAP over a frame whose description failed. */
static GstFlowReturn
gst_pollen_vision_fill (GstPollenFilter * filter, gpointer data)
{
  gst_pollen_vision_close_span (GST_POLLEN_VISION (filter), data);
  return GST_FLOW_OK;
}

/* GstPollenFilter::src_event: a segment starts the text timeline, a GAP
 * from upstream tells downstream that nothing comes before its end. */
static GstFlowReturn
gst_pollen_vision_src_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);
  GstClockTime start = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret;

  if (gst_pollen_filter_follow_upstream (filter, &self->out_position, event))
    return GST_FLOW_OK;
  /* live, the timeline starts at the segment's start */
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT &&
      gst_pollen_filter_is_live (filter))
    start = self->out_position;
  ret = GST_POLLEN_FILTER_CLASS (parent_class)->src_event (filter, event);
  /* an empty GAP there lets a sink downstream preroll now: waiting for the
   * first description would keep a live pipeline PAUSED, and the video
   * branches of a tee with it */
  if (ret == GST_FLOW_OK && GST_CLOCK_TIME_IS_VALID (start))
    ret = gst_pollen_filter_push_event (filter, gst_event_new_gap (start, 0));
  return ret;
}

/* GstPollenFilter::idle: live, while a description runs, nothing can come
 * any more for what is past upstream latency + latency, so tell
 * downstream (textoverlay waits for text otherwise). */
static GstFlowReturn
gst_pollen_vision_idle (GstPollenFilter * filter)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);
  GstClockTime now, deadline;

  if (!gst_pollen_filter_is_live (filter) ||
      !GST_CLOCK_TIME_IS_VALID (self->out_position))
    return GST_FLOW_OK;
  now = gst_element_get_current_running_time (GST_ELEMENT (self));
  deadline = gst_pollen_filter_get_upstream_min (filter) +
      gst_pollen_filter_get_latency (filter);
  if (!GST_CLOCK_TIME_IS_VALID (now) || now <= deadline)
    return GST_FLOW_OK;
  gst_pollen_vision_push_gap_until (self,
      gst_segment_position_from_running_time (gst_pollen_filter_get_segment
          (filter), GST_FORMAT_TIME, now - deadline));
  return GST_FLOW_OK;
}

/* ---- states ---- */

/* GstPollenFilter::flush, and the state a run starts from. */
static void
gst_pollen_vision_flush (GstPollenFilter * filter)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);

  pollen_frame_picker_forget (self->picker);
  self->out_position = GST_CLOCK_TIME_NONE;
  self->span_frame = NULL;
  g_mutex_lock (&self->lock);
  g_array_set_size (self->sampled, 0);
  g_mutex_unlock (&self->lock);
}

static gboolean
gst_pollen_vision_start (GstPollenFilter * filter)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);

  gst_pollen_vision_snapshot_config (self);
  gst_pollen_vision_flush (filter);
  self->live = FALSE;
  self->warned_untimed = FALSE;
  return TRUE;
}

static void
gst_pollen_vision_stop (GstPollenFilter * filter)
{
  GstPollenVision *self = GST_POLLEN_VISION (filter);

  config_clear (&self->config);
}

static void
gst_pollen_vision_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenVision *self = GST_POLLEN_VISION (object);

  switch (prop_id) {
    case PROP_PROMPT:
      pollen_property_replace_string (object, &self->prompt, value);
      return;
    case PROP_SYSTEM:
      pollen_property_replace_string (object, &self->system, value);
      return;
    default:
      break;
  }

  if (pollen_frame_settings_set_property (object, &self->frames,
          PROP_FRAMES, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_DETAIL:
      self->detail = g_value_get_enum (value);
      break;
    case PROP_OUTPUT:
      self->output = g_value_get_enum (value);
      break;
    default:
      /* the base's, or not a property at all: the base says which */
      GST_OBJECT_UNLOCK (self);
      G_OBJECT_CLASS (parent_class)->set_property (object, prop_id, value,
          pspec);
      return;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pollen_vision_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenVision *self = GST_POLLEN_VISION (object);

  if (pollen_frame_settings_get_property (object, &self->frames,
          PROP_FRAMES, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROMPT:
      g_value_set_string (value, self->prompt);
      break;
    case PROP_SYSTEM:
      g_value_set_string (value, self->system);
      break;
    case PROP_DETAIL:
      g_value_set_enum (value, self->detail);
      break;
    case PROP_OUTPUT:
      g_value_set_enum (value, self->output);
      break;
    default:
      GST_OBJECT_UNLOCK (self);
      G_OBJECT_CLASS (parent_class)->get_property (object, prop_id, value,
          pspec);
      return;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pollen_vision_finalize (GObject * object)
{
  GstPollenVision *self = GST_POLLEN_VISION (object);

  g_free (self->prompt);
  g_free (self->system);
  config_clear (&self->config);
  pollen_frame_picker_free (self->picker);
  g_array_unref (self->sampled);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Fixed for a run: copied at READY→PAUSED. */
#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_pollen_vision_install_text_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "What to ask about each frame, sent as the text part next to the "
          "picture (default \"" DEFAULT_PROMPT "\")", DEFAULT_PROMPT,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SYSTEM,
      g_param_spec_string ("system", "System",
          "System prompt sent before each frame; unset (default) sends none",
          NULL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DETAIL,
      g_param_spec_enum ("detail", "Detail",
          "How closely the model looks, sent as image_url.detail except for "
          "auto (default auto)", GST_TYPE_POLLEN_VISION_DETAIL,
          DEFAULT_DETAIL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_OUTPUT,
      g_param_spec_enum ("output", "Output",
          "One buffer per description, or each sentence as soon as it is "
          "complete (default reply)", POLLEN_TYPE_CHAT_OUTPUT,
          DEFAULT_OUTPUT, PARAM_FLAGS));
}

static void
gst_pollen_vision_class_init_filter (GstPollenFilterClass * filter_class)
{
  filter_class->default_model = DEFAULT_MODEL;
  filter_class->model_blurb = "Vision-capable chat model, sent as the "
      "'model' field: openai, openai-large, gemini … (default "
      DEFAULT_MODEL ")";
  filter_class->default_timeout = DEFAULT_TIMEOUT;
  filter_class->default_max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  filter_class->default_latency_ms = DEFAULT_LATENCY;
  filter_class->latency_blurb = "live, the element reports upstream latency "
      "+ latency, and tells downstream with GAP events that no text comes "
      "for what is older";
  filter_class->untimed_hint = "Put a decoder (decodebin) or a live video "
      "source in front of pollenvision.";
  filter_class->nonblocking = TRUE;
  filter_class->data_free = (GDestroyNotify) frame_free;
  filter_class->item_free = g_free;

  filter_class->start = GST_DEBUG_FUNCPTR (gst_pollen_vision_start);
  filter_class->stop = GST_DEBUG_FUNCPTR (gst_pollen_vision_stop);
  filter_class->flush = GST_DEBUG_FUNCPTR (gst_pollen_vision_flush);
  filter_class->set_caps = GST_DEBUG_FUNCPTR (gst_pollen_vision_set_caps);
  filter_class->sink_event = GST_DEBUG_FUNCPTR (gst_pollen_vision_sink_event);
  filter_class->chain = GST_DEBUG_FUNCPTR (gst_pollen_vision_chain);
  filter_class->run_job = GST_DEBUG_FUNCPTR (gst_pollen_vision_run_job);
  filter_class->handle_item = GST_DEBUG_FUNCPTR (gst_pollen_vision_handle_item);
  filter_class->handle_done = GST_DEBUG_FUNCPTR (gst_pollen_vision_handle_done);
  filter_class->src_event = GST_DEBUG_FUNCPTR (gst_pollen_vision_src_event);
  filter_class->fill = GST_DEBUG_FUNCPTR (gst_pollen_vision_fill);
  filter_class->idle = GST_DEBUG_FUNCPTR (gst_pollen_vision_idle);
  filter_class->describe = GST_DEBUG_FUNCPTR (gst_pollen_vision_describe);
  gst_pollen_filter_class_setup (filter_class);
}

static void
gst_pollen_vision_class_init (GstPollenVisionClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_pollen_vision_set_property;
  gobject_class->get_property = gst_pollen_vision_get_property;
  gobject_class->finalize = gst_pollen_vision_finalize;

  gst_pollen_vision_class_init_filter (GST_POLLEN_FILTER_CLASS (klass));
  gst_pollen_vision_install_text_properties (gobject_class);
  pollen_frame_settings_install_properties (gobject_class, PROP_FRAMES,
      &default_frames, "described");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations vision", "Video/Text/Filter",
      "Describes what is on screen as timed text with the Pollinations API "
      "(/v1/chat/completions)", "gst-pollen contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pollen_vision_debug, "pollenvision", 0,
      "Pollinations vision");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_VISION_DETAIL, 0);
  gst_type_mark_as_plugin_api (POLLEN_TYPE_CHAT_OUTPUT, 0);
}

static void
gst_pollen_vision_init (GstPollenVision * self)
{
  self->prompt = g_strdup (DEFAULT_PROMPT);
  self->frames = default_frames;
  self->detail = DEFAULT_DETAIL;
  self->output = DEFAULT_OUTPUT;
  self->picker = pollen_frame_picker_new (GST_OBJECT (self));
  self->out_position = GST_CLOCK_TIME_NONE;
  g_mutex_init (&self->lock);
  self->sampled = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
}
