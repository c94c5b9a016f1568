/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollensrc
 * @title: pollensrc
 *
 * Generates a picture, a video clip, speech or music from a prompt with the
 * Pollinations API (`GET /image/{prompt}`, `GET /audio/{text}`) and outputs
 * the encoded media, with caps found from the bytes.
 *
 * By default it generates once, then sends EOS. The whole body is
 * downloaded first and then served with known size and random access, so
 * demuxers such as qtdemux run in pull mode and seeking works.
 *
 * With #GstPollenSrc:interval > 0 it is a live source: a new generation
 * every interval, each buffer timestamped at its slot, the next one
 * requested ahead of time, a fresh seed per slot unless #GstPollenSrc:seed
 * is set, and a #GstPollenSrc:prompt change used from the next slot on.
 *
 * It also handles `pollen://` URIs: `pollen://image/<prompt>?width=…`,
 * `pollen://video/<prompt>?duration=…`, `pollen://speech/<text>?voice=…`,
 * `pollen://music/<text>?duration=…`; query names are the API's.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 pollensrc prompt="a lighthouse at dusk, oil painting" width=1280 height=720 seed=42 \
 *     ! decodebin ! videoconvert ! pngenc ! filesink location=lighthouse.png
 * gst-launch-1.0 playbin uri="pollen://video/waves%20on%20a%20beach?duration=6"
 * gst-launch-1.0 pollensrc media=speech prompt="Hello from GStreamer" voice=nova \
 *     ! decodebin ! audioconvert ! autoaudiosink
 * gst-launch-1.0 pollensrc prompt="a city skyline at night" interval=10 \
 *     ! decodebin ! videoconvert ! videorate ! video/x-raw,framerate=25/1 ! autovideosink
 * ]|
 */

/* Lock order: GST_OBJECT_LOCK (properties) is never held while taking
 * self->lock (the generator queue), nor the other way round. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollensrc.h"
#include "gstpollenelements.h"
#include "pollenelement.h"
#include "pollenmedia.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_src_debug);
#define GST_CAT_DEFAULT gst_pollen_src_debug

#define DEFAULT_MEDIA GST_POLLEN_SRC_MEDIA_IMAGE
#define DEFAULT_WIDTH 1024
#define DEFAULT_HEIGHT 1024
#define DEFAULT_SEED -1
#define DEFAULT_QUALITY GST_POLLEN_SRC_QUALITY_MEDIUM
#define DEFAULT_VOICE "alloy"
#define DEFAULT_RESPONSE_FORMAT "mp3"
#define DEFAULT_TIMEOUT 600     /* video takes minutes (server-notes.md) */
#define DEFAULT_BLOCKSIZE (1024 * 1024)
#define PROGRESS_PERIOD (2 * GST_SECOND)
#define MIN_INTERVAL 0.01       /* s: slots shorter than this are no slideshow */

enum
{
  PROP_PROMPT = POLLEN_PROP_LAST,
  PROP_MEDIA,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_SEED,
  PROP_ENHANCE,
  PROP_NEGATIVE_PROMPT,
  PROP_SAFE,
  PROP_QUALITY,
  PROP_IMAGE,
  PROP_TRANSPARENT,
  PROP_DURATION,
  PROP_ASPECT_RATIO,
  PROP_AUDIO,
  PROP_VOICE,
  PROP_RESPONSE_FORMAT,
  PROP_INSTRUMENTAL,
  PROP_INTERVAL,
};

/* One generated body, ready to go out. */
typedef struct
{
  GBytes *body;
  GstCaps *caps;
  guint cookie;                 /* prompt generation it was made for */
} Generation;

struct _GstPollenSrc
{
  GstBaseSrc parent;

  /* properties, under GST_OBJECT_LOCK */
  PollenSettings settings;
  gchar *prompt;
  GstPollenSrcMedia media;
  guint width;
  guint height;
  gint seed;
  gboolean enhance;
  gchar *negative_prompt;
  gboolean safe;
  GstPollenSrcQuality quality;
  gchar *image;
  gboolean transparent;
  guint duration;
  gchar *aspect_ratio;
  gboolean audio;
  gchar *voice;
  gchar *response_format;
  gboolean instrumental;
  gdouble interval;
  gint prompt_cookie;           /* atomic: bumped on every prompt change */
  gchar *uri;

  /* streaming state */
  PollenClient *client;
  GCancellable *cancellable;    /* the request create() waits for */
  Generation *once;             /* one-shot: the downloaded body */
  GstCaps *last_caps;
  guint64 next_slot;

  /* interval mode: a generator thread keeps one generation ready ahead */
  GMutex lock;
  GCond cond;
  GThread *generator;
  GCancellable *generator_cancellable;  /* under lock */
  guint generator_cookie;       /* under lock: prompt it is working on */
  GQueue ready;                 /* Generation, under lock */
  GError *generator_error;      /* under lock */
  gboolean stopping;            /* under lock */
  gboolean flushing;            /* under lock */
  GstClockID slot_wait;         /* under lock */
};

static void gst_pollen_src_uri_handler_init (gpointer g_iface,
    gpointer iface_data);

#define gst_pollen_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstPollenSrc, gst_pollen_src, GST_TYPE_BASE_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_pollen_src_uri_handler_init));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollensrc, "pollensrc",
    GST_RANK_PRIMARY, GST_TYPE_POLLEN_SRC, pollen_element_init ());

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- enums ---- */

#define GST_TYPE_POLLEN_SRC_MEDIA (gst_pollen_src_media_get_type ())
static GType
gst_pollen_src_media_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_SRC_MEDIA_IMAGE, "A picture (GET /image/{prompt})", "image"},
    {GST_POLLEN_SRC_MEDIA_VIDEO, "A video clip (GET /image/{prompt} with a "
          "video model)", "video"},
    {GST_POLLEN_SRC_MEDIA_SPEECH, "Speech of the prompt (GET /audio/{text})",
        "speech"},
    {GST_POLLEN_SRC_MEDIA_MUSIC, "Music described by the prompt (GET "
          "/audio/{text} with a music model)", "music"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstPollenSrcMedia",
            values));
  return type;
}

#define GST_TYPE_POLLEN_SRC_QUALITY (gst_pollen_src_quality_get_type ())
static GType
gst_pollen_src_quality_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_SRC_QUALITY_LOW, "Low", "low"},
    {GST_POLLEN_SRC_QUALITY_MEDIUM, "Medium", "medium"},
    {GST_POLLEN_SRC_QUALITY_HIGH, "High", "high"},
    {GST_POLLEN_SRC_QUALITY_HD, "HD", "hd"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstPollenSrcQuality",
            values));
  return type;
}

static const gchar *
enum_nick (GType type, gint value)
{
  GEnumClass *klass = g_type_class_peek (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);

  return enum_value ? enum_value->value_nick : NULL;
}

/* ---- generations ---- */

static void
generation_free (Generation * generation)
{
  g_bytes_unref (generation->body);
  gst_caps_unref (generation->caps);
  g_free (generation);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Generation, generation_free);

/* ---- request building ---- */

static const gchar *
default_model_for (GstPollenSrcMedia media)
{
  switch (media) {
    case GST_POLLEN_SRC_MEDIA_VIDEO:
      return "veo";
    case GST_POLLEN_SRC_MEDIA_SPEECH:
      return "tts-1";
    case GST_POLLEN_SRC_MEDIA_MUSIC:
      return "elevenmusic";
    default:
      return "flux";
  }
}

static const gchar *
media_action (GstPollenSrcMedia media)
{
  switch (media) {
    case GST_POLLEN_SRC_MEDIA_VIDEO:
      return "Generating the video";
    case GST_POLLEN_SRC_MEDIA_SPEECH:
      return "Generating the speech";
    case GST_POLLEN_SRC_MEDIA_MUSIC:
      return "Generating the music";
    default:
      return "Generating the picture";
  }
}

/* What the answer must be: "image", "video" or "audio" media. */
static const gchar *
media_kind (GstPollenSrcMedia media)
{
  switch (media) {
    case GST_POLLEN_SRC_MEDIA_VIDEO:
      return "video";
    case GST_POLLEN_SRC_MEDIA_SPEECH:
    case GST_POLLEN_SRC_MEDIA_MUSIC:
      return "audio";
    default:
      return "image";
  }
}

static void
add_query_bool (PollenRequest * request, const gchar * name, gboolean value)
{
  pollen_request_add_query (request, name, value ? "true" : "false");
}

static void
add_query_uint (PollenRequest * request, const gchar * name, guint64 value)
{
  g_autofree gchar *text = g_strdup_printf ("%" G_GUINT64_FORMAT, value);

  pollen_request_add_query (request, name, text);
}

static void
add_query_if_set (PollenRequest * request, const gchar * name,
    const gchar * value)
{
  if (value && *value)
    pollen_request_add_query (request, name, value);
}

/* GET /image/{prompt}: picture and video parameters. With the object lock. */
static void
gst_pollen_src_add_image_query (GstPollenSrc * self, PollenRequest * request)
{
  add_query_uint (request, "width", self->width);
  add_query_uint (request, "height", self->height);
  add_query_bool (request, "enhance", self->enhance);
  add_query_if_set (request, "negative_prompt", self->negative_prompt);
  add_query_bool (request, "safe", self->safe);
  add_query_if_set (request, "image", self->image);

  if (self->media == GST_POLLEN_SRC_MEDIA_IMAGE) {
    pollen_request_add_query (request, "quality",
        enum_nick (GST_TYPE_POLLEN_SRC_QUALITY, self->quality));
    add_query_bool (request, "transparent", self->transparent);
    return;
  }

  if (self->duration > 0)
    add_query_uint (request, "duration", self->duration);
  /* the reference says aspect_ratio, the server reads aspectRatio */
  add_query_if_set (request, "aspect_ratio", self->aspect_ratio);
  add_query_if_set (request, "aspectRatio", self->aspect_ratio);
  /* the server may default audio to true: always say it */
  add_query_bool (request, "audio", self->audio);
}

/* GET /audio/{text}: speech and music parameters. With the object lock. */
static void
gst_pollen_src_add_audio_query (GstPollenSrc * self, PollenRequest * request)
{
  if (self->media == GST_POLLEN_SRC_MEDIA_SPEECH) {
    pollen_request_add_query (request, "voice", self->voice);
    pollen_request_add_query (request, "response_format",
        self->response_format);
    return;
  }
  pollen_request_add_query (request, "response_format",
      self->response_format);
  if (self->duration > 0)
    add_query_uint (request, "duration", self->duration);
  add_query_bool (request, "instrumental", self->instrumental);
}

/* Builds the request for one generation from a snapshot of the properties.
 * @seed is the seed to send, or -1 for none. */
static PollenRequest *
gst_pollen_src_build_request (GstPollenSrc * self, gint64 seed,
    guint * cookie)
{
  gboolean is_audio;
  PollenRequest *request;

  GST_OBJECT_LOCK (self);
  is_audio = self->media == GST_POLLEN_SRC_MEDIA_SPEECH ||
      self->media == GST_POLLEN_SRC_MEDIA_MUSIC;
  request = pollen_request_new ("GET", is_audio ? "/audio" : "/image");
  pollen_request_append_path_segment (request, self->prompt);

  /* Always sent: the reference and the server disagree on the default. */
  pollen_request_add_query (request, "model", self->settings.model ?
      self->settings.model : default_model_for (self->media));
  if (is_audio)
    gst_pollen_src_add_audio_query (self, request);
  else
    gst_pollen_src_add_image_query (self, request);
  if (seed >= 0)
    add_query_uint (request, "seed", seed);

  pollen_request_add_extra_params (request, self->settings.extra_params);
  if (cookie)
    *cookie = g_atomic_int_get (&self->prompt_cookie);
  GST_OBJECT_UNLOCK (self);
  return request;
}

/* The sample rate raw PCM comes in, which depends on the model. */
static guint
gst_pollen_src_pcm_rate (GstPollenSrc * self)
{
  guint rate;

  GST_OBJECT_LOCK (self);
  rate = pollen_media_speech_rate (self->settings.model ?
      self->settings.model : default_model_for (self->media));
  GST_OBJECT_UNLOCK (self);
  return rate;
}

/* ---- progress messages ---- */

/* What the clock thread's callback needs; freed by the clock entry, since
 * the callback may still run while progress_stop() unschedules it. */
typedef struct
{
  GstElement *element;
  GstClockTime started;
} ProgressTick;

static void
progress_tick_free (gpointer data)
{
  ProgressTick *tick = data;

  gst_object_unref (tick->element);
  g_free (tick);
}

static gboolean
progress_tick (GstClock * clock, GstClockTime time, GstClockID id,
    gpointer user_data)
{
  ProgressTick *tick = user_data;
  g_autofree gchar *text = g_strdup_printf ("Still generating (%"
      G_GUINT64_FORMAT " s)", (time - tick->started) / GST_SECOND);

  gst_element_post_message (tick->element,
      gst_message_new_progress (GST_OBJECT (tick->element),
          GST_PROGRESS_TYPE_CONTINUE, "generate", text));
  return TRUE;
}

/* Posts GstProgress START now and CONTINUE every PROGRESS_PERIOD from the
 * system clock's thread while the caller blocks in a request. Returns the
 * clock entry for progress_stop(). */
static GstClockID
progress_start (GstElement * element, const gchar * action)
{
  GstClock *clock = gst_system_clock_obtain ();
  ProgressTick *tick = g_new0 (ProgressTick, 1);
  g_autofree gchar *text = g_strdup_printf ("%s…", action);
  GstClockID id;

  tick->element = gst_object_ref (element);
  tick->started = gst_clock_get_time (clock);
  gst_element_post_message (element,
      gst_message_new_progress (GST_OBJECT (element), GST_PROGRESS_TYPE_START,
          "generate", text));
  id = gst_clock_new_periodic_id (clock, tick->started + PROGRESS_PERIOD,
      PROGRESS_PERIOD);
  gst_clock_id_wait_async (id, progress_tick, tick, progress_tick_free);
  gst_object_unref (clock);
  return id;
}

static void
progress_stop (GstElement * element, GstClockID id, GstProgressType type,
    const gchar * text)
{
  gst_clock_id_unschedule (id);
  gst_clock_id_unref (id);
  gst_element_post_message (element,
      gst_message_new_progress (GST_OBJECT (element), type, "generate",
          text));
}

/* ---- one generation ---- */

/* Generates once, blocking until the whole body is here. Returns NULL with
 * @error set (G_IO_ERROR_CANCELLED when interrupted). */
static Generation *
gst_pollen_src_generate (GstPollenSrc * self, PollenClient * client,
    gint64 seed, GCancellable * cancellable, GError ** error)
{
  g_autoptr (PollenRequest) request = NULL;
  g_autoptr (PollenResponse) response = NULL;
  g_autofree gchar *what = NULL;
  GstClockID ticker;
  Generation *generation;
  GstCaps *caps;
  GstPollenSrcMedia media;
  guint cookie;

  GST_OBJECT_LOCK (self);
  media = self->media;
  GST_OBJECT_UNLOCK (self);

  request = gst_pollen_src_build_request (self, seed, &cookie);
  what = pollen_request_describe (request);
  GST_DEBUG_OBJECT (self, "requesting %s", what);

  ticker = progress_start (GST_ELEMENT (self), media_action (media));
  response = pollen_client_fetch (client, request, cancellable, error);
  if (!response) {
    gboolean cancelled = g_error_matches (*error, G_IO_ERROR,
        G_IO_ERROR_CANCELLED);

    progress_stop (GST_ELEMENT (self), ticker, cancelled ?
        GST_PROGRESS_TYPE_CANCELED :
        GST_PROGRESS_TYPE_ERROR, (*error)->message);
    return NULL;
  }
  progress_stop (GST_ELEMENT (self), ticker, GST_PROGRESS_TYPE_COMPLETE,
      "Generated");

  caps = pollen_media_expect_caps (GST_OBJECT (self), response->body,
      response->content_type, gst_pollen_src_pcm_rate (self),
      media_kind (media), error);
  GST_INFO_OBJECT (self, "%s: %" G_GSIZE_FORMAT " bytes of %s (request id "
      "%s, model %s), caps %" GST_PTR_FORMAT, what,
      g_bytes_get_size (response->body), response->content_type,
      response->request_id, response->model_used, caps);
  if (!caps)
    return NULL;

  generation = g_new0 (Generation, 1);
  generation->cookie = cookie;
  generation->body = g_bytes_ref (response->body);
  generation->caps = caps;
  return generation;
}

static void
gst_pollen_src_post_failure (GstPollenSrc * self, const GError * error)
{
  GstPollenSrcMedia media;

  GST_OBJECT_LOCK (self);
  media = self->media;
  GST_OBJECT_UNLOCK (self);
  pollen_element_post_error (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      media_action (media), error);
}

static void
gst_pollen_src_update_caps (GstPollenSrc * self, GstCaps * caps)
{
  if (self->last_caps && gst_caps_is_equal (self->last_caps, caps))
    return;
  gst_caps_replace (&self->last_caps, caps);
  gst_base_src_set_caps (GST_BASE_SRC (self), caps);
}

/* ---- one-shot mode ---- */

/* Downloads the body on first use. The size becomes known here, so the
 * segment's duration is set for pull-mode readers. */
static GstFlowReturn
gst_pollen_src_ensure_body (GstPollenSrc * self)
{
  g_autoptr (GError) error = NULL;
  GstBaseSrc *basesrc = GST_BASE_SRC (self);
  gint seed;

  if (self->once)
    return GST_FLOW_OK;

  GST_OBJECT_LOCK (self);
  seed = self->seed;
  GST_OBJECT_UNLOCK (self);

  self->once = gst_pollen_src_generate (self, self->client, seed,
      self->cancellable, &error);
  if (!self->once) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return GST_FLOW_FLUSHING;
    gst_pollen_src_post_failure (self, error);
    return GST_FLOW_ERROR;
  }

  GST_OBJECT_LOCK (self);
  basesrc->segment.duration = g_bytes_get_size (self->once->body);
  GST_OBJECT_UNLOCK (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_duration_changed (GST_OBJECT (self)));
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_pollen_src_create_once (GstPollenSrc * self, guint64 offset, guint length,
    GstBuffer ** buf)
{
  GstFlowReturn ret = gst_pollen_src_ensure_body (self);
  GBytes *range;
  gsize size;
  GstBuffer *buffer;

  if (ret != GST_FLOW_OK)
    return ret;

  size = g_bytes_get_size (self->once->body);
  if (offset >= size)
    return GST_FLOW_EOS;
  length = MIN (length, size - offset);

  if (GST_PAD_MODE (GST_BASE_SRC_PAD (self)) == GST_PAD_MODE_PUSH)
    gst_pollen_src_update_caps (self, self->once->caps);

  range = g_bytes_new_from_bytes (self->once->body, offset, length);
  buffer = gst_buffer_new_wrapped_bytes (range);
  g_bytes_unref (range);
  GST_BUFFER_OFFSET (buffer) = offset;
  GST_BUFFER_OFFSET_END (buffer) = offset + length;
  *buf = buffer;
  return GST_FLOW_OK;
}

/* ---- interval mode ---- */

/* Waits until the ready queue has room; then notes which prompt the next
 * generation is for. Returns FALSE when the generator must stop. */
static gboolean
gst_pollen_src_wait_for_room (GstPollenSrc * self)
{
  gboolean running;
  guint cookie;

  g_mutex_lock (&self->lock);
  while (!self->stopping && g_queue_get_length (&self->ready) > 0)
    g_cond_wait (&self->cond, &self->lock);
  running = !self->stopping;
  g_mutex_unlock (&self->lock);

  cookie = g_atomic_int_get (&self->prompt_cookie);
  g_mutex_lock (&self->lock);
  self->generator_cookie = cookie;
  g_mutex_unlock (&self->lock);
  return running;
}

/* Drops ready generations made for an older prompt. With self->lock. */
static void
gst_pollen_src_drop_stale (GstPollenSrc * self, guint cookie)
{
  GList *l = self->ready.head;

  while (l) {
    GList *next = l->next;
    Generation *generation = l->data;

    if (generation->cookie != cookie) {
      GST_DEBUG_OBJECT (self, "dropping a picture made for an old prompt");
      generation_free (generation);
      g_queue_delete_link (&self->ready, l);
      /* room for the generator, which may be waiting for it */
      g_cond_broadcast (&self->cond);
    }
    l = next;
  }
}

static gint64
gst_pollen_src_slot_seed (GstPollenSrc * self)
{
  gint seed;

  GST_OBJECT_LOCK (self);
  seed = self->seed;
  GST_OBJECT_UNLOCK (self);
  return seed >= 0 ? seed : g_random_int_range (0, G_MAXINT32);
}

/* The generator thread: keeps one generation ready ahead of the slot being
 * played, so a slot is not missed while the next one is generated. */
static gpointer
gst_pollen_src_generator (gpointer user_data)
{
  GstPollenSrc *self = user_data;

  while (gst_pollen_src_wait_for_room (self)) {
    g_autoptr (GError) error = NULL;
    Generation *generation;

    generation = gst_pollen_src_generate (self, self->client,
        gst_pollen_src_slot_seed (self), self->generator_cancellable, &error);

    g_mutex_lock (&self->lock);
    if (generation) {
      g_queue_push_tail (&self->ready, generation);
    } else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      /* a prompt change or a stop: start over with the new settings */
      g_cancellable_reset (self->generator_cancellable);
    } else {
      self->generator_error = g_steal_pointer (&error);
      self->stopping = TRUE;
    }
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  }
  return NULL;
}

static void
gst_pollen_src_start_generator (GstPollenSrc * self)
{
  g_mutex_lock (&self->lock);
  self->stopping = FALSE;
  self->flushing = FALSE;
  self->generator_cancellable = g_cancellable_new ();
  self->generator = g_thread_new ("pollensrc-generator",
      gst_pollen_src_generator, self);
  g_mutex_unlock (&self->lock);
}

static void
gst_pollen_src_stop_generator (GstPollenSrc * self)
{
  GCancellable *cancellable;
  GThread *generator;
  GQueue ready;
  GError *error;

  g_mutex_lock (&self->lock);
  generator = g_steal_pointer (&self->generator);
  self->stopping = TRUE;
  if (self->generator_cancellable)
    g_cancellable_cancel (self->generator_cancellable);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (!generator)
    return;

  g_thread_join (generator);

  /* a prompt change may look at these meanwhile: take them under the lock */
  g_mutex_lock (&self->lock);
  cancellable = g_steal_pointer (&self->generator_cancellable);
  ready = self->ready;
  g_queue_init (&self->ready);
  error = g_steal_pointer (&self->generator_error);
  g_mutex_unlock (&self->lock);

  g_object_unref (cancellable);
  g_queue_clear_full (&ready, (GDestroyNotify) generation_free);
  g_clear_error (&error);
}

/* The running time now, or GST_CLOCK_TIME_NONE without a clock. */
static GstClockTime
gst_pollen_src_running_time (GstPollenSrc * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now;

  if (!clock)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock) - gst_element_get_base_time (GST_ELEMENT
      (self));
  gst_object_unref (clock);
  return now;
}

/* The slot the next buffer goes in: the next one, unless the generation
 * came so late that the slot has passed; then the slot playing now. */
static guint64
gst_pollen_src_next_slot (GstPollenSrc * self, GstClockTime interval)
{
  GstClockTime now = gst_pollen_src_running_time (self);
  guint64 slot = self->next_slot;

  if (GST_CLOCK_TIME_IS_VALID (now) && now > (slot + 1) * interval) {
    guint64 current = now / interval;

    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Generating took longer than the interval: skipped %" G_GUINT64_FORMAT
            " slot(s). Raise the interval or use a faster model.",
            current - slot), (NULL));
    slot = current;
  }
  self->next_slot = slot + 1;
  return slot;
}

/* Waits on the pipeline clock until @slot starts, so a slot's buffer never
 * leaves before its time and nothing is generated faster than the interval
 * asks, whatever the sink does. */
static GstFlowReturn
gst_pollen_src_wait_for_slot (GstPollenSrc * self, GstClockTime start)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockReturn ret;
  GstClockID id;

  if (!clock)
    return GST_FLOW_OK;
  id = gst_clock_new_single_shot_id (clock,
      gst_element_get_base_time (GST_ELEMENT (self)) + start);
  gst_object_unref (clock);

  g_mutex_lock (&self->lock);
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    gst_clock_id_unref (id);
    return GST_FLOW_FLUSHING;
  }
  self->slot_wait = id;
  g_mutex_unlock (&self->lock);

  ret = gst_clock_id_wait (id, NULL);

  g_mutex_lock (&self->lock);
  self->slot_wait = NULL;
  g_mutex_unlock (&self->lock);
  gst_clock_id_unref (id);
  return ret == GST_CLOCK_UNSCHEDULED ? GST_FLOW_FLUSHING : GST_FLOW_OK;
}

static GstFlowReturn
gst_pollen_src_create_live (GstPollenSrc * self, GstBuffer ** buf)
{
  g_autoptr (Generation) generation = NULL;
  GstClockTime interval;
  GstBuffer *buffer;
  guint cookie;
  guint64 slot;

  GST_OBJECT_LOCK (self);
  interval = self->interval * GST_SECOND;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  for (;;) {
    cookie = g_atomic_int_get (&self->prompt_cookie);
    gst_pollen_src_drop_stale (self, cookie);
    if (self->flushing || !g_queue_is_empty (&self->ready) ||
        self->generator_error)
      break;
    g_cond_wait (&self->cond, &self->lock);
  }
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    return GST_FLOW_FLUSHING;
  }
  if (g_queue_is_empty (&self->ready)) {
    g_autoptr (GError) error = g_error_copy (self->generator_error);

    g_mutex_unlock (&self->lock);
    gst_pollen_src_post_failure (self, error);
    return GST_FLOW_ERROR;
  }
  generation = g_queue_pop_head (&self->ready);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  slot = gst_pollen_src_next_slot (self, interval);
  if (gst_pollen_src_wait_for_slot (self, slot * interval) != GST_FLOW_OK)
    return GST_FLOW_FLUSHING;
  gst_pollen_src_update_caps (self, generation->caps);
  buffer = gst_buffer_new_wrapped_bytes (generation->body);
  GST_BUFFER_PTS (buffer) = slot * interval;
  GST_BUFFER_DURATION (buffer) = interval;
  GST_BUFFER_OFFSET (buffer) = slot;
  GST_BUFFER_OFFSET_END (buffer) = slot + 1;
  *buf = buffer;
  return GST_FLOW_OK;
}

/* ---- GstBaseSrc ---- */

static gboolean
is_blank (const gchar * text)
{
  return !text || strspn (text, " \t\r\n") == strlen (text);
}

static gboolean
gst_pollen_src_is_live_mode (GstPollenSrc * self)
{
  gboolean live;

  GST_OBJECT_LOCK (self);
  live = self->interval > 0;
  GST_OBJECT_UNLOCK (self);
  return live;
}

static gboolean
gst_pollen_src_check_interval (GstPollenSrc * self)
{
  gdouble interval;

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  GST_OBJECT_UNLOCK (self);
  if (interval == 0 || interval >= MIN_INTERVAL)
    return TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("The interval is %g s: use 0 to generate once, or at least %g s.",
          interval, MIN_INTERVAL), (NULL));
  return FALSE;
}

static gboolean
gst_pollen_src_start (GstBaseSrc * basesrc)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);
  gboolean empty;

  GST_OBJECT_LOCK (self);
  empty = is_blank (self->prompt);
  GST_OBJECT_UNLOCK (self);
  if (empty) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The prompt is empty: set the prompt property (or use a pollen:// "
            "URI) to what should be generated."), (NULL));
    return FALSE;
  }
  if (!gst_pollen_src_check_interval (self))
    return FALSE;

  self->client = pollen_settings_create_client (GST_ELEMENT (self),
      &self->settings);
  self->cancellable = g_cancellable_new ();
  self->next_slot = 0;
  if (gst_pollen_src_is_live_mode (self))
    gst_pollen_src_start_generator (self);
  return TRUE;
}

static gboolean
gst_pollen_src_stop (GstBaseSrc * basesrc)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  gst_pollen_src_stop_generator (self);
  g_clear_pointer (&self->once, generation_free);
  gst_clear_caps (&self->last_caps);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  return TRUE;
}

static gboolean
gst_pollen_src_unlock (GstBaseSrc * basesrc)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  g_cancellable_cancel (self->cancellable);
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  if (self->slot_wait)
    gst_clock_id_unschedule (self->slot_wait);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_pollen_src_unlock_stop (GstBaseSrc * basesrc)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  g_cancellable_reset (self->cancellable);
  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_pollen_src_is_seekable (GstBaseSrc * basesrc)
{
  return !gst_pollen_src_is_live_mode (GST_POLLEN_SRC (basesrc));
}

static gboolean
gst_pollen_src_get_size (GstBaseSrc * basesrc, guint64 * size)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  if (!self->once)
    return FALSE;
  *size = g_bytes_get_size (self->once->body);
  return TRUE;
}

static gboolean
gst_pollen_src_query (GstBaseSrc * basesrc, GstQuery * query)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_SCHEDULING:
      /* The body is downloaded whole before it is served, so pull mode
       * with random access is always possible in one-shot mode. Said here
       * without starting (and so generating) just to answer. */
      if (gst_pollen_src_is_live_mode (self))
        break;
      gst_query_set_scheduling (query, GST_SCHEDULING_FLAG_SEEKABLE, 1, -1,
          0);
      gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH);
      gst_query_add_scheduling_mode (query, GST_PAD_MODE_PULL);
      return TRUE;
    case GST_QUERY_LATENCY:{
      gdouble interval;

      if (!gst_pollen_src_is_live_mode (self))
        break;
      /* a slot's picture is generated within the slot before it */
      GST_OBJECT_LOCK (self);
      interval = self->interval;
      GST_OBJECT_UNLOCK (self);
      gst_query_set_latency (query, TRUE, interval * GST_SECOND,
          interval * GST_SECOND);
      return TRUE;
    }
    default:
      break;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (basesrc, query);
}

static GstFlowReturn
gst_pollen_src_create (GstBaseSrc * basesrc, guint64 offset, guint length,
    GstBuffer ** buf)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  if (gst_base_src_is_live (basesrc))
    return gst_pollen_src_create_live (self, buf);
  return gst_pollen_src_create_once (self, offset, length, buf);
}

/* ---- properties ---- */

/* A prompt change while PLAYING: drop what was made for the old prompt and
 * interrupt a generation of it, so the next slot uses the new one. */
static void
gst_pollen_src_prompt_changed (GstPollenSrc * self, guint cookie)
{
  g_mutex_lock (&self->lock);
  gst_pollen_src_drop_stale (self, cookie);
  if (self->generator && self->generator_cookie != cookie)
    g_cancellable_cancel (self->generator_cancellable);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
replace_string (GObject * object, gchar ** field, const GValue * value)
{
  GST_OBJECT_LOCK (object);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (object);
}

static void
gst_pollen_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenSrc *self = GST_POLLEN_SRC (object);
  guint cookie;

  if (pollen_settings_set_property (object, &self->settings, prop_id, value))
    return;

  switch (prop_id) {
    case PROP_PROMPT:
      if (is_blank (g_value_get_string (value)) &&
          GST_OBJECT_FLAG_IS_SET (self, GST_BASE_SRC_FLAG_STARTED)) {
        GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
            ("Ignoring an empty prompt while running: the previous prompt "
                "stays."), (NULL));
        break;
      }
      GST_OBJECT_LOCK (self);
      g_free (self->prompt);
      self->prompt = g_value_dup_string (value);
      cookie = g_atomic_int_add (&self->prompt_cookie, 1) + 1;
      GST_OBJECT_UNLOCK (self);
      gst_pollen_src_prompt_changed (self, cookie);
      break;
    case PROP_NEGATIVE_PROMPT:
      replace_string (object, &self->negative_prompt, value);
      break;
    case PROP_IMAGE:
      replace_string (object, &self->image, value);
      break;
    case PROP_ASPECT_RATIO:
      replace_string (object, &self->aspect_ratio, value);
      break;
    case PROP_VOICE:
      replace_string (object, &self->voice, value);
      break;
    case PROP_RESPONSE_FORMAT:
      replace_string (object, &self->response_format, value);
      break;
    case PROP_INTERVAL:
      GST_OBJECT_LOCK (self);
      self->interval = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      gst_base_src_set_live (GST_BASE_SRC (self), self->interval > 0);
      gst_base_src_set_format (GST_BASE_SRC (self), self->interval > 0 ?
          GST_FORMAT_TIME : GST_FORMAT_BYTES);
      break;
    default:
      GST_OBJECT_LOCK (self);
      switch (prop_id) {
        case PROP_MEDIA:
          self->media = g_value_get_enum (value);
          break;
        case PROP_WIDTH:
          self->width = g_value_get_uint (value);
          break;
        case PROP_HEIGHT:
          self->height = g_value_get_uint (value);
          break;
        case PROP_SEED:
          self->seed = g_value_get_int (value);
          break;
        case PROP_ENHANCE:
          self->enhance = g_value_get_boolean (value);
          break;
        case PROP_SAFE:
          self->safe = g_value_get_boolean (value);
          break;
        case PROP_QUALITY:
          self->quality = g_value_get_enum (value);
          break;
        case PROP_TRANSPARENT:
          self->transparent = g_value_get_boolean (value);
          break;
        case PROP_DURATION:
          self->duration = g_value_get_uint (value);
          break;
        case PROP_AUDIO:
          self->audio = g_value_get_boolean (value);
          break;
        case PROP_INSTRUMENTAL:
          self->instrumental = g_value_get_boolean (value);
          break;
        default:
          G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
          break;
      }
      GST_OBJECT_UNLOCK (self);
      break;
  }
}

static void
gst_pollen_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenSrc *self = GST_POLLEN_SRC (object);

  if (pollen_settings_get_property (object, &self->settings, prop_id, value))
    return;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROMPT:
      g_value_set_string (value, self->prompt);
      break;
    case PROP_MEDIA:
      g_value_set_enum (value, self->media);
      break;
    case PROP_WIDTH:
      g_value_set_uint (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_uint (value, self->height);
      break;
    case PROP_SEED:
      g_value_set_int (value, self->seed);
      break;
    case PROP_ENHANCE:
      g_value_set_boolean (value, self->enhance);
      break;
    case PROP_NEGATIVE_PROMPT:
      g_value_set_string (value, self->negative_prompt);
      break;
    case PROP_SAFE:
      g_value_set_boolean (value, self->safe);
      break;
    case PROP_QUALITY:
      g_value_set_enum (value, self->quality);
      break;
    case PROP_IMAGE:
      g_value_set_string (value, self->image);
      break;
    case PROP_TRANSPARENT:
      g_value_set_boolean (value, self->transparent);
      break;
    case PROP_DURATION:
      g_value_set_uint (value, self->duration);
      break;
    case PROP_ASPECT_RATIO:
      g_value_set_string (value, self->aspect_ratio);
      break;
    case PROP_AUDIO:
      g_value_set_boolean (value, self->audio);
      break;
    case PROP_VOICE:
      g_value_set_string (value, self->voice);
      break;
    case PROP_RESPONSE_FORMAT:
      g_value_set_string (value, self->response_format);
      break;
    case PROP_INSTRUMENTAL:
      g_value_set_boolean (value, self->instrumental);
      break;
    case PROP_INTERVAL:
      g_value_set_double (value, self->interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- URI handler ---- */

static GstURIType
gst_pollen_src_uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const gchar *const *
gst_pollen_src_uri_get_protocols (GType type)
{
  static const gchar *protocols[] = { "pollen", NULL };

  return protocols;
}

static gchar *
gst_pollen_src_uri_get_uri (GstURIHandler * handler)
{
  GstPollenSrc *self = GST_POLLEN_SRC (handler);
  gchar *uri;

  GST_OBJECT_LOCK (self);
  uri = g_strdup (self->uri);
  GST_OBJECT_UNLOCK (self);
  return uri;
}

/* The API query parameters a pollen:// URI may carry, and the property
 * each sets. Nothing else: a URI must not redirect requests (base-url) or
 * carry the key, since URIs show up in logs and playbin's current-uri. */
static const struct
{
  const gchar *param;
  const gchar *property;
} uri_params[] = {
  {"model", "model"}, {"width", "width"}, {"height", "height"},
  {"seed", "seed"}, {"enhance", "enhance"},
  {"negative_prompt", "negative-prompt"}, {"safe", "safe"},
  {"quality", "quality"}, {"image", "image"},
  {"transparent", "transparent"}, {"duration", "duration"},
  {"aspect_ratio", "aspect-ratio"}, {"aspectRatio", "aspect-ratio"},
  {"audio", "audio"}, {"voice", "voice"},
  {"response_format", "response-format"}, {"instrumental", "instrumental"},
};

static const gchar *
uri_param_to_property (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (uri_params); i++) {
    if (g_str_equal (name, uri_params[i].param) ||
        g_str_equal (name, uri_params[i].property))
      return uri_params[i].property;
  }
  return NULL;
}

/* Parses @text as a value of @pspec; FALSE when it is not one or is out of
 * range (rather than the GLib warning g_object_set() would give). */
static gboolean
uri_param_to_value (GParamSpec * pspec, const gchar * text, GValue * value)
{
  g_value_init (value, pspec->value_type);
  if (pspec->value_type == G_TYPE_STRING) {
    g_value_set_string (value, text);
    return TRUE;
  }
  if (gst_value_deserialize_with_pspec (value, text, pspec) &&
      !g_param_value_validate (pspec, value))
    return TRUE;
  g_value_unset (value);
  return FALSE;
}

static gboolean
gst_pollen_src_apply_uri_param (GstPollenSrc * self, const gchar * name,
    const gchar * value, GError ** error)
{
  const gchar *property = uri_param_to_property (name);
  GValue parsed = G_VALUE_INIT;
  GParamSpec *pspec;

  if (g_str_equal (name, "key") || g_str_equal (name, "api-key")) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "a pollen:// URI must not carry the API key: set the api-key "
        "property or " POLLEN_API_KEY_ENV);
    return FALSE;
  }
  if (!property) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "unknown pollen:// parameter '%s'", name);
    return FALSE;
  }
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self), property);
  if (!uri_param_to_value (pspec, value, &parsed)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "'%s' is not a valid %s (%s)", value, name,
        g_param_spec_get_blurb (pspec));
    return FALSE;
  }
  g_object_set_property (G_OBJECT (self), property, &parsed);
  g_value_unset (&parsed);
  return TRUE;
}

static gboolean
gst_pollen_src_parse_media (const gchar * name, GstPollenSrcMedia * media)
{
  GEnumClass *klass = g_type_class_ref (GST_TYPE_POLLEN_SRC_MEDIA);
  GEnumValue *value = name ? g_enum_get_value_by_nick (klass, name) : NULL;

  if (value)
    *media = value->value;
  g_type_class_unref (klass);
  return value != NULL;
}

/* GLib's own message for "?model" is a bare "missing '='": name the
 * parameter that has no value instead. */
static GHashTable *
gst_pollen_src_parse_uri_query (const gchar * query, GError ** error)
{
  g_auto (GStrv) pieces = g_strsplit (query, "&", -1);
  guint i;

  for (i = 0; pieces[i]; i++) {
    if (*pieces[i] && !strchr (pieces[i], '=')) {
      g_autofree gchar *name = g_uri_unescape_string (pieces[i], NULL);

      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "pollen:// parameter '%s' has no value: write %s=<value>",
          name ? name : pieces[i], name ? name : pieces[i]);
      return NULL;
    }
  }
  return g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, error);
}

static gboolean
gst_pollen_src_uri_set_uri (GstURIHandler * handler, const gchar * uri,
    GError ** error)
{
  GstPollenSrc *self = GST_POLLEN_SRC (handler);
  g_autoptr (GUri) parsed = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autofree gchar *prompt = NULL;
  const gchar *path;
  GstPollenSrcMedia media;
  GHashTableIter iter;
  gpointer name, value;

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_PATH |
      G_URI_FLAGS_ENCODED_QUERY, NULL);
  if (!parsed || g_strcmp0 (g_uri_get_scheme (parsed), "pollen") != 0 ||
      !gst_pollen_src_parse_media (g_uri_get_host (parsed), &media)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "'%s' is not a pollen://image|video|speech|music/<prompt> URI", uri);
    return FALSE;
  }
  path = g_uri_get_path (parsed);
  prompt = g_uri_unescape_string (path[0] == '/' ? path + 1 : path, NULL);
  if (!prompt || !*prompt) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "'%s' has no prompt after the media type", uri);
    return FALSE;
  }

  g_object_set (self, "media", media, "prompt", prompt, NULL);
  /* video is image generation with a video model */
  if (media == GST_POLLEN_SRC_MEDIA_VIDEO)
    gst_util_set_object_arg (G_OBJECT (self), "model", "veo");

  if (g_uri_get_query (parsed)) {
    params = gst_pollen_src_parse_uri_query (g_uri_get_query (parsed), error);
    if (!params)
      return FALSE;
    g_hash_table_iter_init (&iter, params);
    while (g_hash_table_iter_next (&iter, &name, &value)) {
      if (!gst_pollen_src_apply_uri_param (self, name, value, error))
        return FALSE;
    }
  }

  GST_OBJECT_LOCK (self);
  g_free (self->uri);
  self->uri = g_strdup (uri);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static void
gst_pollen_src_uri_handler_init (gpointer g_iface, gpointer iface_data)
{
  GstURIHandlerInterface *iface = (GstURIHandlerInterface *) g_iface;

  iface->get_type = gst_pollen_src_uri_get_type;
  iface->get_protocols = gst_pollen_src_uri_get_protocols;
  iface->get_uri = gst_pollen_src_uri_get_uri;
  iface->set_uri = gst_pollen_src_uri_set_uri;
}

/* ---- GObject ---- */

static void
gst_pollen_src_finalize (GObject * object)
{
  GstPollenSrc *self = GST_POLLEN_SRC (object);

  pollen_settings_clear (&self->settings);
  g_free (self->prompt);
  g_free (self->negative_prompt);
  g_free (self->image);
  g_free (self->aspect_ratio);
  g_free (self->voice);
  g_free (self->response_format);
  g_free (self->uri);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_pollen_src_init (GstPollenSrc * self)
{
  pollen_settings_init (&self->settings, NULL, DEFAULT_TIMEOUT);
  self->media = DEFAULT_MEDIA;
  self->width = DEFAULT_WIDTH;
  self->height = DEFAULT_HEIGHT;
  self->seed = DEFAULT_SEED;
  self->quality = DEFAULT_QUALITY;
  self->voice = g_strdup (DEFAULT_VOICE);
  self->response_format = g_strdup (DEFAULT_RESPONSE_FORMAT);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->ready);
  gst_base_src_set_blocksize (GST_BASE_SRC (self), DEFAULT_BLOCKSIZE);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_pollen_src_install_properties (GObjectClass * klass)
{
  g_object_class_install_property (klass, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "What to generate: the picture or video description, the text to "
          "speak, or the music description. Required; may change while "
          "PLAYING in interval mode (used from the next slot on)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (klass, PROP_MEDIA,
      g_param_spec_enum ("media", "Media",
          "What to generate; picks the endpoint and the default model",
          GST_TYPE_POLLEN_SRC_MEDIA, DEFAULT_MEDIA, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_WIDTH,
      g_param_spec_uint ("width", "Width",
          "Picture width in pixels (query 'width')", 1, 8192, DEFAULT_WIDTH,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_HEIGHT,
      g_param_spec_uint ("height", "Height",
          "Picture height in pixels (query 'height')", 1, 8192,
          DEFAULT_HEIGHT, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_SEED,
      g_param_spec_int ("seed", "Seed",
          "Seed for reproducible results (query 'seed'); -1 sends none in "
          "one-shot mode and a fresh random seed per slot in interval mode",
          -1, G_MAXINT32, DEFAULT_SEED, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_ENHANCE,
      g_param_spec_boolean ("enhance", "Enhance",
          "Let the AI improve the prompt (query 'enhance')", FALSE,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_NEGATIVE_PROMPT,
      g_param_spec_string ("negative-prompt", "Negative Prompt",
          "What to avoid in the picture (query 'negative_prompt'); unset "
          "uses the server's default", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_SAFE,
      g_param_spec_boolean ("safe", "Safe",
          "Enable the safety content filters (query 'safe')", FALSE,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_QUALITY,
      g_param_spec_enum ("quality", "Quality",
          "Picture quality, gptimage only (query 'quality')",
          GST_TYPE_POLLEN_SRC_QUALITY, DEFAULT_QUALITY, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_IMAGE,
      g_param_spec_string ("image", "Reference Image",
          "Reference image URL(s), comma or pipe separated (query 'image'); "
          "for veo the first and last frame", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_TRANSPARENT,
      g_param_spec_boolean ("transparent", "Transparent",
          "Transparent background, gptimage only (query 'transparent')",
          FALSE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_DURATION,
      g_param_spec_uint ("duration", "Duration",
          "Seconds of video (veo: 4, 6 or 8; seedance: 2-10) or music "
          "(3-300) (query 'duration'); 0 uses the model's default", 0, 300, 0,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_ASPECT_RATIO,
      g_param_spec_string ("aspect-ratio", "Aspect Ratio",
          "Video aspect ratio, 16:9 or 9:16 (sent as 'aspect_ratio' and "
          "'aspectRatio'); unset uses the model's default", NULL,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_AUDIO,
      g_param_spec_boolean ("audio", "Audio",
          "Generate a sound track with the video, veo only (query 'audio', "
          "always sent)", FALSE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_VOICE,
      g_param_spec_string ("voice", "Voice",
          "Speech voice (query 'voice'): alloy, echo, fable, onyx, nova, "
          "shimmer, ash, ballad, coral, sage, verse, rachel, adam, bella …",
          DEFAULT_VOICE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_RESPONSE_FORMAT,
      g_param_spec_string ("response-format", "Response Format",
          "Audio format to ask for (query 'response_format'): mp3, opus, "
          "aac, flac, wav or pcm; the caps follow what actually arrives",
          DEFAULT_RESPONSE_FORMAT, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_INSTRUMENTAL,
      g_param_spec_boolean ("instrumental", "Instrumental",
          "Music without vocals (query 'instrumental')", FALSE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_INTERVAL,
      g_param_spec_double ("interval", "Interval",
          "Seconds between generations; 0 generates once then sends EOS, "
          "0.01 or more makes a live source with one buffer per interval", 0,
          86400, 0,
          PARAM_FLAGS));
}

static void
gst_pollen_src_class_init (GstPollenSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);

  gobject_class->set_property = gst_pollen_src_set_property;
  gobject_class->get_property = gst_pollen_src_get_property;
  gobject_class->finalize = gst_pollen_src_finalize;

  pollen_settings_install_properties (gobject_class, NULL,
      "Model (sent as 'model'); unset uses the media's default: flux "
      "(image), veo (video), tts-1 (speech), elevenmusic (music)",
      DEFAULT_TIMEOUT);
  gst_pollen_src_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations generator source", "Source/Video/Audio/Network",
      "Generates a picture, video clip, speech or music from a prompt with "
      "the Pollinations API", "gst-pollen contributors");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_pollen_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_pollen_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_pollen_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_pollen_src_unlock_stop);
  basesrc_class->is_seekable = GST_DEBUG_FUNCPTR (gst_pollen_src_is_seekable);
  basesrc_class->get_size = GST_DEBUG_FUNCPTR (gst_pollen_src_get_size);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_pollen_src_query);
  basesrc_class->create = GST_DEBUG_FUNCPTR (gst_pollen_src_create);

  GST_DEBUG_CATEGORY_INIT (gst_pollen_src_debug, "pollensrc", 0,
      "Pollinations generator source");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_SRC_MEDIA, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_SRC_QUALITY, 0);
}
