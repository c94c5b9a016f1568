/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollenedit
 * @title: pollenedit
 *
 * Edits video frames with the Pollinations API (`POST /v1/images/edits`,
 * OpenAI compatible) and puts out video: the latest edited picture,
 * decoded, scaled to the input's size and converted to its format, at the
 * input's frame rate and timestamps, so that it goes straight into a
 * mixer or an encoder.
 *
 * Every #GstPollenEdit:interval seconds of stream time the element takes
 * the frame at that time, and with #GstPollenEdit:scene-threshold also a
 * frame whose picture changed that much since the last one taken (at most
 * once per #GstPollenEdit:min-interval). A worker thread scales it so that
 * its long side is at most #GstPollenEdit:max-size pixels, encodes it as
 * JPEG or PNG and sends it with #GstPollenEdit:prompt; the picture that
 * comes back is decoded into a frame of the input's caps and replaces
 * every frame until the next one. Before the first edit, frames pass
 * through as they are.
 *
 * Recorded input: every frame waits for the edit of the frame taken at or
 * before it, so the output is the same on every run. Live input: the
 * element never waits in its chain function (a due frame is skipped while
 * max-in-flight edits are pending), and each frame waits at most
 * #GstPollenFilter:latency for its edit, then goes out with the latest
 * picture there is; with latency 0 (the default) frames go on at once and
 * each edit shows from when it comes.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src ! videoconvert ! pollenedit interval=5 \
 *     prompt="Repaint this as an oil painting" ! videoconvert ! autovideosink
 * gst-launch-1.0 filesrc location=clip.mp4 ! decodebin ! videoconvert \
 *     ! pollenedit interval=2 scene-threshold=0.2 ! x264enc ! mp4mux \
 *     ! filesink location=painted.mp4
 * ]|
 */

/* A GstPollenFilter: the sink thread picks the frames to edit
 * (PollenFramePicker) and submits them; workers encode, send and decode,
 * and put each result in self->results at once; every input frame goes
 * out through the src task in order, with the newest picture of the edits
 * up to the one submitted before it.
 *
 * Recorded, every frame is a job too (one that makes no request), so the
 * job queue holds it behind the edit it shows. Live, frames wait in
 * self->waiting instead: a frame may leave before an edit submitted ahead
 * of it has come, which the job queue would not allow. The src task looks
 * at them at each idle tick (100 ms) and whenever the base hands it
 * something; while frames are due it keeps pushing them (into a
 * synchronised sink that is real time), and it stops when the next edit
 * is done, so that the base takes it out of the job queue. Serialized
 * events still travel through the job queue, behind the edits: a SEGMENT
 * or EOS is a barrier (each frame carries how many came before it and
 * waits for the src task to pass them), the others (TAG, GAP …) may be
 * overtaken by live frames, which would otherwise wait for an edit to
 * finish behind a bitrate tag.
 *
 * Lock order: GST_OBJECT_LOCK (properties) and self->lock (the waiting
 * frames and the results) are leaves, never held together nor while
 * calling into the base or pushing. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenedit.h"
#include "gstpollenelements.h"
#include "pollenframes.h"
#include "pollenjson.h"
#include "pollenmedia.h"

#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_edit_debug);
#define GST_CAT_DEFAULT gst_pollen_edit_debug

#define DEFAULT_MODEL "klein"
#define DEFAULT_TIMEOUT 120
#define DEFAULT_PROMPT "Repaint this picture as an oil painting."
#define DEFAULT_IMAGE_FORMAT GST_POLLEN_EDIT_IMAGE_FORMAT_JPEG
#define DEFAULT_QUALITY GST_POLLEN_EDIT_QUALITY_AUTO
#define DEFAULT_LATENCY 0
#define DEFAULT_MAX_IN_FLIGHT 1

#define EDITS_PATH "/v1/images/edits"
/* live, a frame waits for the src task, which looks at the waiting frames
 * at least every idle tick (100 ms): reported on top of the latency
 * property, so that a frame still leaves in time */
#define PACING (200 * GST_MSECOND)
/* a larger picture from the server is refused before it is decoded: twice
 * the 4K the largest models make, 256 MiB decoded */
#define MAX_PICTURE_SIDE 8192

static const PollenFrameSettings default_frames = {
  .interval = 5.0,
  .scene_threshold = 0.0,
  .min_interval = 1.0,
  .max_size = 1024,
};

enum
{
  PROP_PROMPT = POLLEN_FILTER_PROP_LAST,
  PROP_IMAGE_FORMAT,
  PROP_SIZE,
  PROP_QUALITY,
  PROP_RESOLUTION,
  PROP_SAFE,
  PROP_FRAMES,                  /* POLLEN_FRAME_N_PROPS from here */
};

/* The settings a run uses, copied from the properties in READY→PAUSED and
 * read-only while streaming, so every thread may read them unlocked. */
typedef struct
{
  const gchar *model;           /* in the base's snapshot */
  gchar *prompt;
  GstPollenEditImageFormat image_format;
  gchar *size;
  GstPollenEditQuality quality;
  gchar *resolution;
  gchar *safe;
  PollenFrameSettings frames;
  guint max_in_flight;
} Config;

/* What a job is: the first member of both. */
typedef enum
{
  JOB_FRAME,
  JOB_EDIT,
} JobKind;

#define JOB_KIND(data) (*(const JobKind *) (data))

/* An input frame on its way out. */
typedef struct
{
  JobKind kind;                 /* JOB_FRAME */
  GstBuffer *buffer;
  GstCaps *caps;
  guint64 follows;              /* the edit it shows: the last one submitted
                                 * before it, or 0 */
  guint64 epoch;                /* barrier events before it */
} Frame;

/* A frame sent to the server, and the picture that comes back. */
typedef struct
{
  JobKind kind;                 /* JOB_EDIT */
  guint64 number;               /* 1, 2 … in submission order */
  guint generation;             /* of the stream it belongs to */
  GstSample *frame;             /* referenced, not copied */
  gboolean scene;               /* taken for a scene change */
  GstClockTime sent;            /* running times, by the worker */
  GstClockTime answered;
  gboolean edited;              /* it came back, by the worker */
} Edit;

/* An edit done: its picture in the frame's caps, or NULL when it failed. */
typedef struct
{
  guint64 number;
  GstBuffer *picture;
  GstCaps *caps;
} Result;

#define RESULT(link) ((Result *) (link)->data)

struct _GstPollenEdit
{
  GstPollenFilter parent;

  /* properties, under GST_OBJECT_LOCK; copied into config at READY→PAUSED */
  gchar *prompt;
  GstPollenEditImageFormat image_format;
  gchar *size;
  GstPollenEditQuality quality;
  gchar *resolution;
  gchar *safe;
  PollenFrameSettings frames;

  /* READY→PAUSED until PAUSED→READY, read-only in between */
  Config config;

  /* sink pad streaming thread */
  PollenFramePicker *picker;
  gboolean live;                /* never wait in chain */
  gboolean saw_segment;
  guint64 submitted;            /* edits */
  guint64 in_epoch;             /* barrier events queued */

  /* source pad task */
  GstCaps *out_caps;
  guint64 handled;              /* the last edit the base handed over */
  guint64 out_epoch;            /* barrier events passed */

  /* under self->lock */
  GMutex lock;
  GQueue waiting;               /* live frames to go out, in order */
  GQueue results;               /* Result, by number */
  guint generation;             /* a flush starts a new one */
  guint running;                /* edits submitted and not done */
};

#define gst_pollen_edit_parent_class parent_class
G_DEFINE_TYPE (GstPollenEdit, gst_pollen_edit, GST_TYPE_POLLEN_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollenedit, "pollenedit",
    GST_RANK_NONE, GST_TYPE_POLLEN_EDIT, pollen_element_init ());

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE (GST_VIDEO_FORMATS_ALL)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VIDEO_CAPS));

#define GST_TYPE_POLLEN_EDIT_IMAGE_FORMAT \
  (gst_pollen_edit_image_format_get_type ())
static GType
gst_pollen_edit_image_format_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_EDIT_IMAGE_FORMAT_JPEG, "JPEG (smaller)", "jpeg"},
    {GST_POLLEN_EDIT_IMAGE_FORMAT_PNG, "PNG (lossless)", "png"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstPollenEditImageFormat", values));
  return type;
}

#define GST_TYPE_POLLEN_EDIT_QUALITY (gst_pollen_edit_quality_get_type ())
static GType
gst_pollen_edit_quality_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_EDIT_QUALITY_AUTO, "The server's default (not sent)", "auto"},
    {GST_POLLEN_EDIT_QUALITY_LOW, "Low", "low"},
    {GST_POLLEN_EDIT_QUALITY_MEDIUM, "Medium", "medium"},
    {GST_POLLEN_EDIT_QUALITY_HIGH, "High", "high"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstPollenEditQuality", values));
  return type;
}

/* ---- jobs ---- */

static Frame *
frame_new (GstBuffer * buffer, GstCaps * caps, guint64 follows, guint64 epoch)
{
  Frame *frame = g_new0 (Frame, 1);

  frame->kind = JOB_FRAME;
  frame->buffer = buffer;
  frame->caps = gst_caps_ref (caps);
  frame->follows = follows;
  frame->epoch = epoch;
  return frame;
}

static void
frame_free (Frame * frame)
{
  gst_buffer_unref (frame->buffer);
  gst_caps_unref (frame->caps);
  g_free (frame);
}

static void
edit_free (Edit * edit)
{
  gst_sample_unref (edit->frame);
  g_free (edit);
}

static void
result_free (Result * result)
{
  gst_clear_buffer (&result->picture);
  gst_caps_unref (result->caps);
  g_free (result);
}

static void
job_free (gpointer data)
{
  if (JOB_KIND (data) == JOB_FRAME)
    frame_free (data);
  else
    edit_free (data);
}

static GstClockTime
edit_pts (const Edit * edit)
{
  return GST_BUFFER_PTS (gst_sample_get_buffer (edit->frame));
}

static void
config_clear (Config * config)
{
  g_clear_pointer (&config->prompt, g_free);
  g_clear_pointer (&config->size, g_free);
  g_clear_pointer (&config->resolution, g_free);
  g_clear_pointer (&config->safe, g_free);
}

static void
gst_pollen_edit_snapshot_config (GstPollenEdit * self)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  Config *config = &self->config;

  config_clear (config);
  config->model = gst_pollen_filter_get_settings (filter)->model;
  g_object_get (self, "max-in-flight", &config->max_in_flight, NULL);
  GST_OBJECT_LOCK (self);
  config->prompt = g_strdup (self->prompt);
  config->image_format = self->image_format;
  config->size = g_strdup (self->size);
  config->quality = self->quality;
  config->resolution = g_strdup (self->resolution);
  config->safe = g_strdup (self->safe);
  config->frames = self->frames;
  GST_OBJECT_UNLOCK (self);
  pollen_frame_picker_configure (self->picker, &config->frames);
}

/* ---- the sink side: which frames to edit, every frame on ---- */

/* Live, an edit is asked for only while fewer than max-in-flight run: a
 * due frame is skipped rather than waited for. */
static gboolean
gst_pollen_edit_has_room (GstPollenEdit * self, GstBuffer * buffer)
{
  guint running;

  g_mutex_lock (&self->lock);
  running = self->running;
  g_mutex_unlock (&self->lock);
  if (!self->live || running < self->config.max_in_flight)
    return TRUE;
  GST_LOG_OBJECT (self, "busy: not editing the frame at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  return FALSE;
}

static GstFlowReturn
gst_pollen_edit_submit_edit (GstPollenEdit * self, GstBuffer * buffer,
    gboolean scene)
{
  Edit *edit = g_new0 (Edit, 1);

  pollen_frame_picker_take (self->picker, buffer);
  edit->kind = JOB_EDIT;
  edit->number = ++self->submitted;
  g_mutex_lock (&self->lock);
  edit->generation = self->generation;
  self->running++;
  g_mutex_unlock (&self->lock);
  edit->frame = gst_sample_new (buffer,
      pollen_frame_picker_get_caps (self->picker), NULL, NULL);
  edit->scene = scene;
  edit->sent = GST_CLOCK_TIME_NONE;
  edit->answered = GST_CLOCK_TIME_NONE;
  GST_DEBUG_OBJECT (self, "editing the frame at %" GST_TIME_FORMAT "%s",
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), scene ? " (scene change)" : "");
  /* live, it was counted: frames and events pending do not hold it */
  return gst_pollen_filter_submit_full (GST_POLLEN_FILTER (self), edit,
      self->live ? POLLEN_JOBS_AT_ONCE : POLLEN_JOBS_SLOT);
}

/* Takes @buffer: on to the output, recorded as a job behind the edit it
 * shows, live into the waiting frames. */
static GstFlowReturn
gst_pollen_edit_pass_on (GstPollenEdit * self, GstBuffer * buffer)
{
  GstCaps *caps = pollen_frame_picker_get_caps (self->picker);
  Frame *frame;

  if (!caps) {
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  frame = frame_new (buffer, caps, self->submitted, self->in_epoch);
  if (!self->live)
    return gst_pollen_filter_submit (GST_POLLEN_FILTER (self), frame);
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->waiting, frame);
  g_mutex_unlock (&self->lock);
  return gst_pollen_filter_get_flow (GST_POLLEN_FILTER (self));
}

/* GstPollenFilter::chain: a due frame is submitted for an edit, and every
 * frame goes on to the output. */
static GstFlowReturn
gst_pollen_edit_chain (GstPollenFilter * filter, GstBuffer * buffer)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (filter);
  PollenFramePick pick = pollen_frame_picker_pick (self->picker, buffer);
  GstFlowReturn ret = GST_FLOW_OK;

  /* input without a segment got a default one from the base: it counts
   * among the barriers before this frame */
  if (!self->saw_segment) {
    self->saw_segment = TRUE;
    self->in_epoch++;
  }
  if (pick != POLLEN_FRAME_SKIP && gst_pollen_edit_has_room (self, buffer))
    ret = gst_pollen_edit_submit_edit (self, buffer,
        pick == POLLEN_FRAME_SCENE);
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return ret;
  }
  return gst_pollen_edit_pass_on (self, buffer);
}

/* GstPollenFilter::set_caps: the next frame is edited at once. */
static gboolean
gst_pollen_edit_set_caps (GstPollenFilter * filter, GstCaps * caps)
{
  return pollen_frame_picker_set_caps (GST_POLLEN_EDIT (filter)->picker, caps);
}

/* A serialized event that no frame may overtake: what the frames' times
 * mean, and their end. */
static gboolean
is_barrier (GstEvent * event)
{
  return GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT ||
      GST_EVENT_TYPE (event) == GST_EVENT_EOS;
}

/* GstPollenFilter::sink_event: a barrier counts for the frames after it;
 * a segment says whether upstream is live, that is whether chain may
 * wait. */
static GstFlowReturn
gst_pollen_edit_sink_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (filter);
  GstClockTime min;

  if (is_barrier (event))
    self->in_epoch++;
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    self->saw_segment = TRUE;
    gst_pollen_filter_query_upstream (filter, &self->live, &min);
    pollen_frame_picker_restart (self->picker);
    GST_DEBUG_OBJECT (self, "upstream is %slive", self->live ? "" : "not ");
  }
  return GST_FLOW_OK;
}

/* ---- the worker: encode, ask, decode ---- */

static const gchar *
upload_type (const Config * config)
{
  return config->image_format == GST_POLLEN_EDIT_IMAGE_FORMAT_PNG ?
      "image/png" : "image/jpeg";
}

/* The optional fields, sent only when set. */
static void
gst_pollen_edit_add_options (GstPollenEdit * self, PollenRequest * request)
{
  const Config *config = &self->config;

  if (config->quality != GST_POLLEN_EDIT_QUALITY_AUTO)
    pollen_request_add_form_field (request, "quality",
        pollen_enum_get_nick (GST_TYPE_POLLEN_EDIT_QUALITY, config->quality));
  if (config->resolution)
    pollen_request_add_form_field (request, "resolution", config->resolution);
  if (config->safe)
    pollen_request_add_form_field (request, "safe", config->safe);
}

static PollenRequest *
gst_pollen_edit_request_new (GstPollenEdit * self, const Edit * edit,
    GError ** error)
{
  const Config *config = &self->config;
  const gchar *type = upload_type (config);
  gint width, height;
  g_autoptr (GBytes) upload = pollen_frame_encode (GST_OBJECT (self),
      edit->frame, config->frames.max_size, type, &width, &height, error);
  g_autofree gchar *size = NULL;
  PollenRequest *request;

  if (!upload)
    return NULL;
  /* unset: the picture back is as large as the one sent */
  size = config->size ? g_strdup (config->size) :
      g_strdup_printf ("%dx%d", width, height);
  request = pollen_request_new ("POST", EDITS_PATH);
  pollen_request_add_form_field (request, "prompt", config->prompt);
  /* sent explicitly: the route's own default (flux) takes no picture */
  pollen_request_add_form_field (request, "model", config->model);
  pollen_request_add_form_field (request, "size", size);
  gst_pollen_edit_add_options (self, request);
  pollen_request_add_form_file (request, "image", g_str_equal (type,
          "image/png") ? "frame.png" : "frame.jpg", type, upload);
  pollen_request_add_extra_params (request,
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self))->extra_params);
  return request;
}

/* The server's base64, padded: anything else is no picture. */
static gboolean
is_base64 (const gchar * text)
{
  gsize digits = strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      "abcdefghijklmnopqrstuvwxyz0123456789+/");
  gsize padding = strspn (text + digits, "=");

  return digits > 0 && padding <= 2 && text[digits + padding] == '\0' &&
      (digits + padding) % 4 == 0;
}

/* data[0].b64_json of an answer, or NULL. */
static const gchar *
answer_b64 (JsonNode * root)
{
  JsonArray *items = JSON_NODE_HOLDS_OBJECT (root) ? pollen_json_get_array
      (json_node_get_object (root), "data") : NULL;

  if (!items || json_array_get_length (items) == 0 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (items, 0)))
    return NULL;
  return pollen_json_get_string (json_array_get_object_element (items, 0),
      "b64_json");
}

/* The picture in an answer {data: [{b64_json}]}, or NULL with @problem
 * saying what the answer is instead. */
static GBytes *
picture_from_answer (GBytes * body, GError ** problem)
{
  gsize size;
  const gchar *data = g_bytes_get_data (body, &size);
  g_autoptr (JsonNode) root = pollen_json_parse (data, size, problem);
  g_autofree gchar *start = NULL;
  const gchar *b64;
  guchar *bytes;
  gsize length;

  if (!root)
    return NULL;
  b64 = answer_b64 (root);
  start = pollen_body_quote (data, size, 80);
  if (!b64 || !is_base64 (b64)) {
    g_set_error (problem, POLLEN_CLIENT_ERROR,
        POLLEN_CLIENT_ERROR_BAD_RESPONSE, "the server's answer has %s: %s",
        b64 ? "a data[0].b64_json that is not base64" :
        "no picture (no data[0].b64_json)", start);
    return NULL;
  }
  bytes = g_base64_decode (b64, &length);
  return g_bytes_new_take (bytes, length);
}

/* The picture's size from its header: JPEG's as typefinding reads it,
 * PNG's IHDR. */
static gboolean
picture_size (GstCaps * caps, GBytes * picture, guint * width, guint * height)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gsize size;
  const guint8 *data = g_bytes_get_data (picture, &size);
  gint w, h;

  if (gst_structure_get_int (s, "width", &w) &&
      gst_structure_get_int (s, "height", &h)) {
    *width = w;
    *height = h;
    return TRUE;
  }
  if (!gst_structure_has_name (s, "image/png") || size < 24 ||
      memcmp (data + 12, "IHDR", 4) != 0)
    return FALSE;
  *width = GST_READ_UINT32_BE (data + 16);
  *height = GST_READ_UINT32_BE (data + 20);
  return TRUE;
}

/* Whether @picture is a picture that may be decoded, or @problem. */
static gboolean
picture_is_usable (GstPollenEdit * self, GBytes * picture, GError ** problem)
{
  g_autoptr (GstCaps) caps = pollen_media_detect_caps (GST_OBJECT (self),
      picture, NULL, 0);
  const gchar *name = caps ?
      gst_structure_get_name (gst_caps_get_structure (caps, 0)) : NULL;
  gsize size;
  const gchar *data = g_bytes_get_data (picture, &size);
  g_autofree gchar *start = NULL;
  guint width, height;

  if (name && g_str_has_prefix (name, "image/")) {
    if (!picture_size (caps, picture, &width, &height) ||
        (width <= MAX_PICTURE_SIDE && height <= MAX_PICTURE_SIDE))
      return TRUE;
    g_set_error (problem, POLLEN_CLIENT_ERROR,
        POLLEN_CLIENT_ERROR_BAD_RESPONSE, "the picture in the server's "
        "answer is %ux%u, more than %u pixels on a side: it was not decoded",
        width, height, MAX_PICTURE_SIDE);
    return FALSE;
  }
  start = pollen_body_quote (data, size, 80);
  g_set_error (problem, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server's answer holds %" G_GSIZE_FORMAT " bytes of %s in "
      "data[0].b64_json, not a picture: %s", size, name ? name :
      "unrecognised data", start);
  return FALSE;
}

/* Worker: the picture in @response, decoded into a frame of @frame_caps;
 * an answer without one is an error with what the client's errors carry
 * (the status, the request id). */
static GstBuffer *
gst_pollen_edit_take_picture (GstPollenEdit * self,
    PollenResponse * response, GstCaps * frame_caps, GError ** error)
{
  g_autoptr (GError) problem = NULL;
  g_autoptr (GBytes) picture = picture_from_answer (response->body, &problem);
  GstBuffer *frame = NULL;

  if (picture && picture_is_usable (self, picture, &problem)) {
    frame = pollen_frame_decode (GST_OBJECT (self), picture, frame_caps,
        &problem);
    if (!frame)
      g_prefix_error (&problem, "the picture in the server's answer does "
          "not decode: ");
  }
  if (frame)
    return frame;
  g_propagate_error (error,
      pollen_client_error_new (POLLEN_CLIENT_ERROR_BAD_RESPONSE,
          response->status, NULL, NULL, response->request_id,
          problem->message));
  return NULL;
}

/* The edit's picture, or NULL with @error set. */
static GstBuffer *
gst_pollen_edit_make (GstPollenEdit * self, Edit * edit,
    GCancellable * cancellable, GError ** error)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  g_autoptr (PollenRequest) request = NULL;
  g_autoptr (PollenResponse) response = NULL;

  request = gst_pollen_edit_request_new (self, edit, error);
  if (!request)
    return NULL;
  edit->sent = gst_pollen_filter_now (filter);
  response = pollen_client_fetch (gst_pollen_filter_get_client (filter),
      request, cancellable, error);
  edit->answered = gst_pollen_filter_now (filter);
  if (!response)
    return NULL;
  return gst_pollen_edit_take_picture (self, response,
      gst_sample_get_caps (edit->frame), error);
}

/* Worker: the result goes where the frames see it at once, in order of
 * the edits, and the edit no longer runs; one of a stream a flush ended is
 * dropped. Takes @picture. */
static void
gst_pollen_edit_publish (GstPollenEdit * self, const Edit * edit,
    GstBuffer * picture)
{
  Result *result = g_new0 (Result, 1);
  GList *after;

  result->number = edit->number;
  result->picture = picture;
  result->caps = gst_caps_ref (gst_sample_get_caps (edit->frame));
  g_mutex_lock (&self->lock);
  if (edit->generation != self->generation) {
    g_mutex_unlock (&self->lock);
    result_free (result);
    return;
  }
  self->running--;
  for (after = self->results.tail; after &&
      RESULT (after)->number > result->number; after = after->prev);
  if (after)
    g_queue_insert_after (&self->results, after, result);
  else
    g_queue_push_head (&self->results, result);
  g_mutex_unlock (&self->lock);
}

static gboolean
gst_pollen_edit_run_job (GstPollenFilter * filter, PollenJob * job,
    gpointer data, GCancellable * cancellable, GError ** error)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (filter);
  Edit *edit = data;
  GstBuffer *picture;

  /* a frame passing through asks nothing */
  if (JOB_KIND (data) == JOB_FRAME)
    return TRUE;
  picture = gst_pollen_edit_make (self, edit, cancellable, error);
  edit->edited = picture != NULL;
  gst_pollen_edit_publish (self, edit, picture);
  return edit->edited;
}

/* ---- the src side: video ---- */

/* Whether edit @number is done. */
static gboolean
gst_pollen_edit_came (GstPollenEdit * self, guint64 number)
{
  GList *l;

  g_mutex_lock (&self->lock);
  for (l = self->results.head; l && RESULT (l)->number < number; l = l->next);
  g_mutex_unlock (&self->lock);
  return l && RESULT (l)->number == number;
}

/* With self->lock: the newest result with a picture among the edits up to
 * @number. The results before it are dropped once the base handed them
 * over: the frames from here on follow @number or later. */
static Result *
gst_pollen_edit_latest_locked (GstPollenEdit * self, guint64 number)
{
  GList *l, *best = NULL;

  for (l = self->results.head; l && RESULT (l)->number <= number; l = l->next)
    if (RESULT (l)->picture)
      best = l;
  while (best && self->results.head != best &&
      RESULT (self->results.head)->number <= self->handled)
    result_free (g_queue_pop_head (&self->results));
  return best ? best->data : NULL;
}

/* The picture for @frame, or NULL: the newest edit up to the one it
 * follows, in its caps. */
static GstBuffer *
gst_pollen_edit_picture_for (GstPollenEdit * self, const Frame * frame)
{
  GstBuffer *picture = NULL;
  Result *result;

  g_mutex_lock (&self->lock);
  result = gst_pollen_edit_latest_locked (self, frame->follows);
  if (result && gst_caps_is_equal (result->caps, frame->caps))
    picture = gst_buffer_ref (result->picture);
  g_mutex_unlock (&self->lock);
  return picture;
}

/* What goes out for @frame: its picture, with the frame's times and
 * flags; before any, the frame itself. */
static GstBuffer *
gst_pollen_edit_output (GstPollenEdit * self, const Frame * frame)
{
  GstBuffer *picture = gst_pollen_edit_picture_for (self, frame);
  GstBuffer *out;

  if (!picture)
    return gst_buffer_ref (frame->buffer);
  /* the picture's memory is shared, not copied */
  out = gst_buffer_copy (picture);
  gst_buffer_unref (picture);
  gst_buffer_copy_into (out, frame->buffer, GST_BUFFER_COPY_FLAGS |
      GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  return out;
}

static GstFlowReturn
gst_pollen_edit_push_frame (GstPollenEdit * self, const Frame * frame)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  GstFlowReturn ret;

  if (!self->out_caps || !gst_caps_is_equal (self->out_caps, frame->caps)) {
    ret = gst_pollen_filter_set_src_caps (filter, frame->caps);
    if (ret != GST_FLOW_OK)
      return ret;
    gst_caps_replace (&self->out_caps, frame->caps);
  }
  return gst_pad_push (gst_pollen_filter_get_srcpad (filter),
      gst_pollen_edit_output (self, frame));
}

/* Whether @frame may go: its edit is done, or its time is up (live, it
 * waits at most latency for it). */
static gboolean
gst_pollen_edit_is_due (GstPollenEdit * self, const Frame * frame)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  GstClockTime deadline, now;

  if (frame->follows == 0 || frame->follows <= self->handled ||
      gst_pollen_edit_came (self, frame->follows))
    return TRUE;
  deadline = gst_pollen_filter_get_deadline (filter,
      GST_BUFFER_PTS (frame->buffer));
  now = gst_pollen_filter_now (filter);
  return !GST_CLOCK_TIME_IS_VALID (deadline) ||
      !GST_CLOCK_TIME_IS_VALID (now) || now + PACING >= deadline;
}

/* The first waiting frame, taken when it may go now (with @all: when no
 * event is to pass before it), else NULL. Only the src task takes frames,
 * so the head stays while it looks. */
static Frame *
gst_pollen_edit_next_waiting (GstPollenEdit * self, gboolean all)
{
  Frame *head;

  g_mutex_lock (&self->lock);
  head = g_queue_peek_head (&self->waiting);
  g_mutex_unlock (&self->lock);
  if (!head || head->epoch != self->out_epoch ||
      !(all || gst_pollen_edit_is_due (self, head)))
    return NULL;
  g_mutex_lock (&self->lock);
  g_queue_pop_head (&self->waiting);
  g_mutex_unlock (&self->lock);
  return head;
}

/* Live: pushes the waiting frames that may go, in order, until the next
 * edit is done (the base hands it over then); with @all every one before
 * the next event. */
static GstFlowReturn
gst_pollen_edit_push_waiting (GstPollenEdit * self, gboolean all)
{
  GstFlowReturn ret = GST_FLOW_OK;
  Frame *frame;

  while (ret == GST_FLOW_OK && (all ||
          !gst_pollen_edit_came (self, self->handled + 1)) &&
      (frame = gst_pollen_edit_next_waiting (self, all))) {
    ret = gst_pollen_edit_push_frame (self, frame);
    frame_free (frame);
  }
  return ret;
}

/* Live, frames wait up to latency for their edit: an edit later than its
 * frame's deadline shows from a later frame, and a warning says to raise
 * latency. With latency 0 no frame waits, and every edit shows from when
 * it comes: there is nothing to warn about. */
static void
gst_pollen_edit_check_late (GstPollenEdit * self, Edit * edit)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  GstClockTime late;

  if (!gst_pollen_filter_is_live (filter) ||
      gst_pollen_filter_get_latency (filter) == 0)
    return;
  late = gst_pollen_filter_check_late (filter, edit, edit_pts (edit),
      edit->sent, edit->answered, NULL);
  gst_pollen_filter_follow_server (filter, edit->sent, edit->answered,
      late > 0);
}

/* The base hands over an edit done (with its picture) or skipped
 * (without); its result is with the frames already. */
static GstFlowReturn
gst_pollen_edit_settle (GstPollenEdit * self, Edit * edit)
{
  self->handled = edit->number;
  if (edit->edited)
    gst_pollen_edit_check_late (self, edit);
  return gst_pollen_edit_push_waiting (self, FALSE);
}

static GstFlowReturn
gst_pollen_edit_handle_done (GstPollenFilter * filter, gpointer data)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (filter);

  if (JOB_KIND (data) == JOB_FRAME)
    return gst_pollen_edit_push_frame (self, data);
  return gst_pollen_edit_settle (self, data);
}

/* GstPollenFilter::fill: an edit that failed, skipped by skip-failed; its
 * frames keep the picture before. */
static GstFlowReturn
gst_pollen_edit_fill (GstPollenFilter * filter, gpointer data)
{
  return gst_pollen_edit_settle (GST_POLLEN_EDIT (filter), data);
}

/* GstPollenFilter::src_event: the frames before a barrier go first. */
static GstFlowReturn
gst_pollen_edit_src_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (filter);
  GstFlowReturn ret = GST_FLOW_OK;

  if (is_barrier (event)) {
    ret = gst_pollen_edit_push_waiting (self, TRUE);
    self->out_epoch++;
  }
  if (ret != GST_FLOW_OK) {
    gst_event_unref (event);
    return ret;
  }
  return GST_POLLEN_FILTER_CLASS (parent_class)->src_event (filter, event);
}

/* GstPollenFilter::idle: live, the frames whose time is up go. */
static GstFlowReturn
gst_pollen_edit_idle (GstPollenFilter * filter)
{
  return gst_pollen_edit_push_waiting (GST_POLLEN_EDIT (filter), FALSE);
}

/* GstPollenFilter::get_latency */
static GstClockTime
gst_pollen_edit_get_latency (GstPollenFilter * filter)
{
  return PACING;
}

static gchar *
gst_pollen_edit_describe (GstPollenFilter * filter, gpointer data)
{
  const Edit *edit = data;

  if (JOB_KIND (data) == JOB_FRAME)
    return g_strdup ("Passing a frame on");
  return g_strdup_printf ("Editing the frame at %" GST_TIME_FORMAT "%s",
      GST_TIME_ARGS (edit_pts (edit)), edit->scene ? " (a scene change)" : "");
}

/* ---- states ---- */

/* Forgets the stream: frames, edits and the picture. */
static void
gst_pollen_edit_reset (GstPollenEdit * self)
{
  pollen_frame_picker_forget (self->picker);
  self->submitted = 0;
  self->in_epoch = 0;
  self->handled = 0;
  self->out_epoch = 0;
  gst_caps_replace (&self->out_caps, NULL);
  g_mutex_lock (&self->lock);
  g_queue_clear_full (&self->waiting, (GDestroyNotify) frame_free);
  g_queue_clear_full (&self->results, (GDestroyNotify) result_free);
  self->generation++;
  self->running = 0;
  g_mutex_unlock (&self->lock);
}

/* GstPollenFilter::flush, and the state a run starts from. */
static void
gst_pollen_edit_flush (GstPollenFilter * filter)
{
  gst_pollen_edit_reset (GST_POLLEN_EDIT (filter));
}

static gboolean
gst_pollen_edit_start (GstPollenFilter * filter)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (filter);

  gst_pollen_edit_snapshot_config (self);
  self->live = FALSE;
  self->saw_segment = FALSE;
  return TRUE;
}

static void
gst_pollen_edit_stop (GstPollenFilter * filter)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (filter);

  gst_pollen_edit_reset (self);
  config_clear (&self->config);
}

/* ---- properties ---- */

static gboolean
gst_pollen_edit_set_string (GstPollenEdit * self, guint prop_id,
    const GValue * value)
{
  gchar **field;

  switch (prop_id) {
    case PROP_PROMPT:
      field = &self->prompt;
      break;
    case PROP_SIZE:
      field = &self->size;
      break;
    case PROP_RESOLUTION:
      field = &self->resolution;
      break;
    case PROP_SAFE:
      field = &self->safe;
      break;
    default:
      return FALSE;
  }
  pollen_property_replace_string (G_OBJECT (self), field, value);
  return TRUE;
}

static void
gst_pollen_edit_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (object);

  if (gst_pollen_edit_set_string (self, prop_id, value))
    return;
  if (pollen_frame_settings_set_property (object, &self->frames,
          PROP_FRAMES, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_IMAGE_FORMAT:
      self->image_format = g_value_get_enum (value);
      break;
    case PROP_QUALITY:
      self->quality = g_value_get_enum (value);
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
gst_pollen_edit_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (object);

  if (pollen_frame_settings_get_property (object, &self->frames,
          PROP_FRAMES, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROMPT:
      g_value_set_string (value, self->prompt);
      break;
    case PROP_IMAGE_FORMAT:
      g_value_set_enum (value, self->image_format);
      break;
    case PROP_SIZE:
      g_value_set_string (value, self->size);
      break;
    case PROP_QUALITY:
      g_value_set_enum (value, self->quality);
      break;
    case PROP_RESOLUTION:
      g_value_set_string (value, self->resolution);
      break;
    case PROP_SAFE:
      g_value_set_string (value, self->safe);
      break;
    default:
      GST_OBJECT_UNLOCK (self);
      G_OBJECT_CLASS (parent_class)->get_property (object, prop_id, value,
          pspec);
      return;
  }
  GST_OBJECT_UNLOCK (self);
}

/* The caps queries reach across: the output is in the input's caps, so
 * what downstream takes is what upstream may send. */
static void
gst_pollen_edit_constructed (GObject * object)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (object);

  G_OBJECT_CLASS (parent_class)->constructed (object);
  GST_PAD_SET_PROXY_CAPS (gst_pollen_filter_get_sinkpad (filter));
  GST_PAD_SET_PROXY_CAPS (gst_pollen_filter_get_srcpad (filter));
}

static void
gst_pollen_edit_finalize (GObject * object)
{
  GstPollenEdit *self = GST_POLLEN_EDIT (object);

  gst_pollen_edit_reset (self);
  g_free (self->prompt);
  g_free (self->size);
  g_free (self->resolution);
  g_free (self->safe);
  config_clear (&self->config);
  pollen_frame_picker_free (self->picker);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Fixed for a run: copied at READY→PAUSED. */
#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_pollen_edit_install_request_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "What to do to each frame, sent as 'prompt' (default \""
          DEFAULT_PROMPT "\")", DEFAULT_PROMPT, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_IMAGE_FORMAT,
      g_param_spec_enum ("image-format", "Image Format",
          "How the frame is sent as 'image' (default jpeg)",
          GST_TYPE_POLLEN_EDIT_IMAGE_FORMAT, DEFAULT_IMAGE_FORMAT,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SIZE,
      g_param_spec_string ("size", "Size",
          "Size of the edited picture, sent as 'size' (\"WIDTHxHEIGHT\"); "
          "unset (default) asks for the size of the picture sent", NULL,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_QUALITY,
      g_param_spec_enum ("quality", "Quality",
          "Picture quality, sent as 'quality' except for auto (default auto)",
          GST_TYPE_POLLEN_EDIT_QUALITY, DEFAULT_QUALITY, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_RESOLUTION,
      g_param_spec_string ("resolution", "Resolution",
          "Resolution class of the edited picture, sent as 'resolution' "
          "(1k, 2k, 4k …); unset (default) sends none", NULL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SAFE,
      g_param_spec_string ("safe", "Safety Filters",
          "Safety filters run over the prompt, sent as 'safe': a "
          "comma-separated list (nsfw, privacy, secrets …), true or false; "
          "unset (default) sends none", NULL, PARAM_FLAGS));
}

static void
gst_pollen_edit_class_init_filter (GstPollenFilterClass * filter_class)
{
  filter_class->default_model = DEFAULT_MODEL;
  filter_class->model_blurb = "Picture model that edits a picture, sent as "
      "'model': klein, kontext, gptimage, nanobanana …; one that takes no "
      "picture (flux, zimage) ignores the frame (default " DEFAULT_MODEL ")";
  filter_class->default_timeout = DEFAULT_TIMEOUT;
  filter_class->default_max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  filter_class->default_latency_ms = DEFAULT_LATENCY;
  filter_class->latency_blurb = "live, each frame waits this long at most "
      "for the edit of the frame taken before it, and the element reports "
      "upstream latency + latency + 200 ms; 0 lets frames go on at once, "
      "each edit showing from when it comes";
  filter_class->untimed_hint = "Put a decoder (decodebin) or a live video "
      "source in front of pollenedit.";
  filter_class->nonblocking = TRUE;
  filter_class->data_free = job_free;

  filter_class->start = GST_DEBUG_FUNCPTR (gst_pollen_edit_start);
  filter_class->stop = GST_DEBUG_FUNCPTR (gst_pollen_edit_stop);
  filter_class->flush = GST_DEBUG_FUNCPTR (gst_pollen_edit_flush);
  filter_class->set_caps = GST_DEBUG_FUNCPTR (gst_pollen_edit_set_caps);
  filter_class->sink_event = GST_DEBUG_FUNCPTR (gst_pollen_edit_sink_event);
  filter_class->chain = GST_DEBUG_FUNCPTR (gst_pollen_edit_chain);
  filter_class->run_job = GST_DEBUG_FUNCPTR (gst_pollen_edit_run_job);
  filter_class->handle_done = GST_DEBUG_FUNCPTR (gst_pollen_edit_handle_done);
  filter_class->src_event = GST_DEBUG_FUNCPTR (gst_pollen_edit_src_event);
  filter_class->fill = GST_DEBUG_FUNCPTR (gst_pollen_edit_fill);
  filter_class->idle = GST_DEBUG_FUNCPTR (gst_pollen_edit_idle);
  filter_class->get_latency = GST_DEBUG_FUNCPTR (gst_pollen_edit_get_latency);
  filter_class->describe = GST_DEBUG_FUNCPTR (gst_pollen_edit_describe);
  gst_pollen_filter_class_setup (filter_class);
}

static void
gst_pollen_edit_class_init (GstPollenEditClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_pollen_edit_set_property;
  gobject_class->get_property = gst_pollen_edit_get_property;
  gobject_class->constructed = gst_pollen_edit_constructed;
  gobject_class->finalize = gst_pollen_edit_finalize;

  gst_pollen_edit_class_init_filter (GST_POLLEN_FILTER_CLASS (klass));
  gst_pollen_edit_install_request_properties (gobject_class);
  pollen_frame_settings_install_properties (gobject_class, PROP_FRAMES,
      &default_frames, "edited");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations edit", "Video/Filter",
      "Edits video frames with the Pollinations API (/v1/images/edits) and "
      "puts out the latest edited picture as video, at the input's size, "
      "format and frame rate", "gst-pollen contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pollen_edit_debug, "pollenedit", 0,
      "Pollinations edit");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_EDIT_IMAGE_FORMAT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_EDIT_QUALITY, 0);
}

static void
gst_pollen_edit_init (GstPollenEdit * self)
{
  self->prompt = g_strdup (DEFAULT_PROMPT);
  self->image_format = DEFAULT_IMAGE_FORMAT;
  self->quality = DEFAULT_QUALITY;
  self->frames = default_frames;
  self->picker = pollen_frame_picker_new (GST_OBJECT (self));
  g_mutex_init (&self->lock);
  g_queue_init (&self->waiting);
  g_queue_init (&self->results);
}
