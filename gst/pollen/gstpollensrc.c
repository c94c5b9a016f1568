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
 * Generates a picture, a video clip, speech, music or text from a prompt
 * with the Pollinations API (`GET /image/{prompt}`, `GET /audio/{text}`,
 * `GET /text/{prompt}`) and outputs the encoded media, with caps found from
 * the bytes, or the text as one text/x-raw buffer.
 *
 * By default it generates once, then sends EOS. The body downloads whole
 * in a thread of its own and is served as it arrives, with its size known
 * from Content-Length and random access, so demuxers such as qtdemux run
 * in pull mode and seeking works, a large answer goes downstream while it
 * downloads, and a reader that pauses (a prerolled sink) never stalls it.
 * GstProgress CONTINUE messages carry its percent. Text is one buffer
 * timed as a subtitle (playbin's suburi takes `pollen://text/…`).
 *
 * With #GstPollenSrc:interval > 0 it is a live source: a new generation
 * every interval, each buffer timestamped at its slot, the next one
 * requested a slot ahead, a fresh seed per slot unless #GstPollenSrc:seed
 * is set, and a #GstPollenSrc:prompt change used from the next slot on. A
 * slot whose generation is late, or failed and #GstPollenSrc:skip-failed
 * is set, shows the last picture again (a GAP event for speech and music)
 * with a warning, so the stream rides out a slow or unreachable server.
 * Its latency is one interval, since a slot's generation may come until
 * the slot ends, and at most two. With #GstPollenSrc:frame-rate the slot's
 * picture is repeated at that rate, so the stream is live video whose
 * picture changes exactly at each slot.
 *
 * It also handles `pollen://` URIs: `pollen://image/<prompt>?width=…`,
 * `pollen://video/<prompt>?duration=…`, `pollen://speech/<text>?voice=…`,
 * `pollen://music/<text>?duration=…`, `pollen://text/<prompt>?system=…`;
 * every property can be set there by name, query names are the API's.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 pollensrc prompt="a lighthouse at dusk, oil painting" width=1280 height=720 seed=42 \
 *     ! decodebin ! videoconvert ! pngenc ! filesink location=lighthouse.png
 * gst-launch-1.0 playbin uri="pollen://video/waves%20on%20a%20beach?duration=6"
 * gst-launch-1.0 pollensrc media=speech prompt="Hello from GStreamer" voice=nova \
 *     ! decodebin ! audioconvert ! autoaudiosink
 * gst-launch-1.0 -e pollensrc prompt="a city skyline at night" interval=10 frame-rate=25/1 \
 *     skip-failed=true ! jpegdec ! videoconvert ! autovideosink
 * gst-launch-1.0 pollensrc media=text prompt="a haiku about rain" ! fdsink
 * ]|
 */

/* Lock order: GST_OBJECT_LOCK (properties) is never held while taking
 * self->lock, nor the other way round. self->lock is held around
 * pollen_jobs_submit() and pollen_jobs_set_flushing(), so it comes before
 * the PollenJobs' own lock; the jobs' workers never take self->lock. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollensrc.h"
#include "gstpollenelements.h"
#include "pollensettings.h"
#include "pollenchunks.h"
#include "pollendownload.h"
#include "pollenformat.h"
#include "pollenjobs.h"
#include "pollenmedia.h"
#include "pollenprogress.h"
#include "pollenspeech.h"
#include "pollentext.h"
#include "pollenuri.h"
#include "pollenvoices.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_src_debug);
#define GST_CAT_DEFAULT gst_pollen_src_debug

#define DEFAULT_MEDIA GST_POLLEN_SRC_MEDIA_IMAGE
#define DEFAULT_WIDTH 1024
#define DEFAULT_HEIGHT 1024
#define DEFAULT_SEED -1
#define DEFAULT_QUALITY GST_POLLEN_SRC_QUALITY_MEDIUM
#define DEFAULT_VOICE "alloy"
#define DEFAULT_RESPONSE_FORMAT POLLEN_AUDIO_FORMAT_MP3
#define DEFAULT_TIMEOUT 600     /* video takes minutes */
#define DEFAULT_BLOCKSIZE (1024 * 1024)
/* a one-shot body past this goes to a file (pictures and clips stay well
 * below it): what the memory of a large answer costs */
#define MEMORY_LIMIT (32 * 1024 * 1024)
#define PIECES_KEPT 4           /* what stays allocated between bodies */
#define MIN_INTERVAL 0.01       /* s: slots shorter than this are no slideshow */
#define DEFAULT_SKIP_FAILED FALSE
#define DEFAULT_TEMPERATURE -1.0        /* not sent */
/* one-shot text stays up as long as it takes to read, at least this */
#define READING_CHARACTERS_PER_SECOND 15
#define MIN_TEXT_DURATION (2 * GST_SECOND)

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
  PROP_REFERENCE_IMAGES,
  PROP_REFERENCE_VIDEOS,
  PROP_REFERENCE_AUDIOS,
  PROP_RESOLUTION,
  PROP_TRANSPARENT,
  PROP_DURATION,
  PROP_ASPECT_RATIO,
  PROP_AUDIO,
  PROP_VOICE,
  PROP_RESPONSE_FORMAT,
  PROP_INSTRUMENTAL,
  PROP_INTERVAL,
  PROP_SKIP_FAILED,
  PROP_SYSTEM,
  PROP_TEMPERATURE,
  PROP_JSON_MODE,
  PROP_FRAME_RATE,
};

/* Custom tags: what makes a generation reproducible and traceable. */
#define POLLEN_TAG_SEED "pollen-seed"
#define POLLEN_TAG_REQUEST_ID "pollen-request-id"

/* One generated body, ready to go out. */
typedef struct
{
  GBytes *body;
  GstCaps *caps;
  GstTagList *tags;             /* NULL once sent: one tag event each */
} Generation;

/* One-shot mode: a body served as it arrives. */
typedef struct
{
  GstPollenSrc *element;        /* not a ref: the element frees this */
  PollenDownload *download;
  PollenProgress *progress;     /* ended by the download's notify */
  GstCaps *caps;
  GstTagList *tags;             /* NULL once sent */
  gboolean failed;              /* its error is on the bus */
} Download;

/* Interval mode: one slot's job for PollenJobs; the worker fills it in. */
typedef struct
{
  Generation *generation;
} SlotJob;

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
  gchar *safe;
  GstPollenSrcQuality quality;
  gchar *image;
  gchar *reference_images;
  gchar *reference_videos;
  gchar *reference_audios;
  GstPollenSrcResolution resolution;
  gboolean transparent;
  guint duration;
  gchar *aspect_ratio;
  gboolean audio;
  gchar *voice;
  PollenAudioFormat response_format;
  gboolean instrumental;
  gdouble interval;
  gboolean skip_failed;
  gchar *system;
  gdouble temperature;
  gboolean json_mode;
  gint fps_n, fps_d;
  gchar *uri;

  /* streaming state */
  PollenSettings run;           /* the common settings, for this run */
  PollenClient *client;         /* kept across runs while made with the
                                 * same settings */
  GCancellable *cancellable;    /* the request create() waits for */
  Generation *once;             /* one-shot text: the whole answer */
  gboolean text_sent;
  Download *download;           /* one-shot media */
  PollenPieces *pieces;         /* what a body is read into, kept across
                                 * runs for their warm pages */
  GstCaps *last_caps;
  Generation *last;             /* interval mode: the last one that went out */
  guint64 next_slot;
  guint64 buffers_made;         /* interval mode: create()'s buffers so far */
  /* frame-rate mode, snapshot in start() */
  gint frame_n, frame_d;
  guint64 next_frame;
  guint64 frame_slot;           /* the slot self->last is shown in */
  /* caption mode */
  gboolean caption_started;
  GstClockTime caption_pos;

  /* interval mode: one generation in flight, a slot ahead */
  GMutex lock;
  PollenJobs *jobs;             /* set in start(), freed in stop(), under lock;
                                 * create() reads it without: it runs between */
  gboolean flushing;            /* under lock: between unlock and unlock_stop */
  GstClockID slot_wait;         /* under lock */
};

static void gst_pollen_src_uri_handler_init (gpointer g_iface,
    gpointer iface_data);

#define gst_pollen_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstPollenSrc, gst_pollen_src, GST_TYPE_BASE_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_pollen_src_uri_handler_init));
/* Rank none: a source that needs a prompt must never be auto-plugged by
 * autovideosrc or autoaudiosrc; pollen:// URIs find it without a rank. */
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollensrc, "pollensrc",
    GST_RANK_NONE, GST_TYPE_POLLEN_SRC, pollen_element_init ());

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
    {GST_POLLEN_SRC_MEDIA_TEXT, "Text answering the prompt, as one UTF-8 "
          "text buffer (GET /text/{prompt})", "text"},
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

#define GST_TYPE_POLLEN_SRC_RESOLUTION (gst_pollen_src_resolution_get_type ())
static GType
gst_pollen_src_resolution_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_SRC_RESOLUTION_DEFAULT, "The model's default, its first "
          "advertised resolution (not sent)", "default"},
    {GST_POLLEN_SRC_RESOLUTION_1K, "1K", "1k"},
    {GST_POLLEN_SRC_RESOLUTION_2K, "2K", "2k"},
    {GST_POLLEN_SRC_RESOLUTION_360P, "360p", "360p"},
    {GST_POLLEN_SRC_RESOLUTION_480P, "480p", "480p"},
    {GST_POLLEN_SRC_RESOLUTION_720P, "720p", "720p"},
    {GST_POLLEN_SRC_RESOLUTION_768P, "768p", "768p"},
    {GST_POLLEN_SRC_RESOLUTION_1080P, "1080p", "1080p"},
    {GST_POLLEN_SRC_RESOLUTION_4K, "4K", "4k"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static
        ("GstPollenSrcResolution", values));
  return type;
}

/* ---- generations ---- */

static void
generation_free (Generation * generation)
{
  g_bytes_unref (generation->body);
  gst_caps_unref (generation->caps);
  if (generation->tags)
    gst_tag_list_unref (generation->tags);
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
    case GST_POLLEN_SRC_MEDIA_TEXT:
      return "openai";
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
    case GST_POLLEN_SRC_MEDIA_TEXT:
      return "Generating the text";
    default:
      return "Generating the picture";
  }
}

/* What the answer must be: "image", "video", "audio" or "text". */
static const gchar *
media_kind (GstPollenSrcMedia media)
{
  switch (media) {
    case GST_POLLEN_SRC_MEDIA_VIDEO:
      return "video";
    case GST_POLLEN_SRC_MEDIA_SPEECH:
    case GST_POLLEN_SRC_MEDIA_MUSIC:
      return "audio";
    case GST_POLLEN_SRC_MEDIA_TEXT:
      return "text";
    default:
      return "image";
  }
}

/* The path a media's request goes to. */
static const gchar *
media_endpoint (GstPollenSrcMedia media)
{
  switch (media) {
    case GST_POLLEN_SRC_MEDIA_SPEECH:
    case GST_POLLEN_SRC_MEDIA_MUSIC:
      return "/audio";
    case GST_POLLEN_SRC_MEDIA_TEXT:
      return "/text";
    default:
      return "/image";
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
  /* gone from today's schema, so ignored; kept for older servers */
  add_query_bool (request, "enhance", self->enhance);
  add_query_if_set (request, "negative_prompt", self->negative_prompt);
  add_query_if_set (request, "image", self->image);
  if (self->resolution != GST_POLLEN_SRC_RESOLUTION_DEFAULT)
    pollen_request_add_query (request, "resolution",
        pollen_enum_get_nick (GST_TYPE_POLLEN_SRC_RESOLUTION,
            self->resolution));

  if (self->media == GST_POLLEN_SRC_MEDIA_IMAGE) {
    pollen_request_add_query (request, "quality",
        pollen_enum_get_nick (GST_TYPE_POLLEN_SRC_QUALITY,
            self->quality));
    add_query_bool (request, "transparent", self->transparent);
    return;
  }

  if (self->duration > 0)
    add_query_uint (request, "duration", self->duration);
  add_query_if_set (request, "reference_images", self->reference_images);
  add_query_if_set (request, "reference_videos", self->reference_videos);
  add_query_if_set (request, "reference_audios", self->reference_audios);
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
  pollen_request_add_query (request, "response_format",
      pollen_audio_format_request_nick (self->response_format));
  if (self->media == GST_POLLEN_SRC_MEDIA_SPEECH) {
    pollen_request_add_query (request, "voice", self->voice);
    return;
  }
  if (self->duration > 0)
    add_query_uint (request, "duration", self->duration);
  add_query_bool (request, "instrumental", self->instrumental);
}

/* GET /text/{prompt}. With the object lock. */
static void
gst_pollen_src_add_text_query (GstPollenSrc * self, PollenRequest * request)
{
  gchar temperature[G_ASCII_DTOSTR_BUF_SIZE];

  add_query_if_set (request, "system", self->system);
  /* with a dot whatever the locale */
  if (self->temperature >= 0)
    pollen_request_add_query (request, "temperature",
        g_ascii_formatd (temperature, sizeof temperature, "%g",
            self->temperature));
  /* the server's name for the JSON switch (the SDK's var_json is dropped) */
  add_query_bool (request, "json", self->json_mode);
}

/* What a generation was asked with, as tags. With the object lock. */
static GstTagList *
gst_pollen_src_request_tags (GstPollenSrc * self, const gchar * model,
    gint64 seed)
{
  GstTagList *tags = gst_tag_list_new (GST_TAG_TITLE, self->prompt,
      GST_TAG_ENCODER, model, NULL);

  if (seed >= 0)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, POLLEN_TAG_SEED,
        (guint) seed, NULL);
  return tags;
}

/* Builds the request for one generation from a snapshot of the properties,
 * and its tags (*@tags). @seed is the seed to send, or -1 for none. */
static PollenRequest *
gst_pollen_src_build_request (GstPollenSrc * self, gint64 seed,
    GstTagList ** tags)
{
  PollenRequest *request;
  const gchar *model;

  GST_OBJECT_LOCK (self);
  request = pollen_request_new ("GET", media_endpoint (self->media));
  pollen_request_append_path_segment (request, self->prompt);

  /* Always sent: the reference and the server disagree on the default. */
  model = self->run.model;
  pollen_request_add_query (request, "model", model);
  *tags = gst_pollen_src_request_tags (self, model, seed);
  if (self->media == GST_POLLEN_SRC_MEDIA_TEXT)
    gst_pollen_src_add_text_query (self, request);
  else if (g_str_equal (media_endpoint (self->media), "/audio"))
    gst_pollen_src_add_audio_query (self, request);
  else
    gst_pollen_src_add_image_query (self, request);
  if (seed >= 0)
    add_query_uint (request, "seed", seed);
  /* every endpoint reads it; unset leaves the server's default (off) */
  add_query_if_set (request, "safe", self->safe);

  pollen_request_add_extra_params (request, self->run.extra_params);
  GST_OBJECT_UNLOCK (self);
  return request;
}

/* ---- one generation ---- */

/* Adds what the server said (the model that answered, the request id) to
 * the request's @tags, and a summary a person reads in gst-discoverer. */
static GstTagList *
gst_pollen_src_answer_tags (GstTagList * tags,
    const PollenResponse * response)
{
  const gchar *prompt = NULL, *model = NULL;
  guint seed;
  g_autoptr (GString) comment = g_string_new (NULL);

  if (response->model_used && *response->model_used)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_ENCODER,
        response->model_used, NULL);
  if (response->request_id && *response->request_id)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, POLLEN_TAG_REQUEST_ID,
        response->request_id, NULL);

  gst_tag_list_peek_string_index (tags, GST_TAG_TITLE, 0, &prompt);
  gst_tag_list_peek_string_index (tags, GST_TAG_ENCODER, 0, &model);
  g_string_printf (comment, "Generated with Pollinations by %s from \"%s\"",
      model, prompt);
  if (gst_tag_list_get_uint (tags, POLLEN_TAG_SEED, &seed))
    g_string_append_printf (comment, ", seed %u", seed);
  if (response->request_id && *response->request_id)
    g_string_append_printf (comment, ", request id %s", response->request_id);
  gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_COMMENT,
      comment->str, NULL);
  return tags;
}

/* Sends a generation's tags (*@pending, then NULL) downstream with its
 * first buffer, and only then: a slot that shows the last picture again is
 * the same generation.
 * GstBaseSrc's send_event queues them to go after caps and segment; it is
 * called directly, since gst_element_send_event() takes the state lock,
 * which an EOS or a state change holds while waiting for this streaming
 * thread. In pull mode no event goes out from here (typefind or a demuxer
 * drives the stream), so they go on the bus, where gst-discoverer reads
 * them. */
static void
gst_pollen_src_send_tags (GstPollenSrc * self, GstTagList ** pending)
{
  GstTagList *tags = g_steal_pointer (pending);

  if (!tags)
    return;
  if (GST_PAD_MODE (GST_BASE_SRC_PAD (self)) == GST_PAD_MODE_PULL) {
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_tag (GST_OBJECT (self), tags));
    return;
  }
  GST_ELEMENT_CLASS (parent_class)->send_event (GST_ELEMENT (self),
      gst_event_new_tag (tags));
}

static void
gst_pollen_src_register_tags (void)
{
  gst_tag_register_static (POLLEN_TAG_SEED, GST_TAG_FLAG_META, G_TYPE_UINT,
      "pollen seed", "seed the Pollinations generation used; the same "
      "prompt, model and seed give the same result", NULL);
  gst_tag_register_static (POLLEN_TAG_REQUEST_ID, GST_TAG_FLAG_META,
      G_TYPE_STRING, "pollen request id", "X-Request-Id of the Pollinations "
      "answer, for support requests", NULL);
}

/* A text answer as one UTF-8 text buffer: bytes that are not UTF-8 are
 * repaired with a warning rather than failing a ticker over one glyph. */
static Generation *
gst_pollen_src_text_generation (GstPollenSrc * self, GBytes * body)
{
  Generation *generation = g_new0 (Generation, 1);
  gboolean repaired;
  gsize size;
  const guint8 *data = g_bytes_get_data (body, &size);
  gchar *text = pollen_text_from_bytes (data, size, &repaired);

  if (repaired)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("The generated text is not "
            "valid UTF-8: the invalid bytes were replaced with U+FFFD."),
        (NULL));
  generation->body = g_bytes_new_take (text, strlen (text));
  generation->caps = gst_caps_new_simple ("text/x-raw", "format",
      G_TYPE_STRING, "utf8", NULL);
  return generation;
}

/* Raw audio out of a whole answer, for response-format=pcm. */
typedef struct
{
  GByteArray *samples;
  GstCaps *caps;
} PcmAnswer;

static void
pcm_answer_collect (GstCaps * caps, GBytes * data, gpointer user_data)
{
  PcmAnswer *pcm = user_data;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);

  if (!pcm->caps)
    pcm->caps = gst_caps_ref (caps);
  /* one stream of known size has one rate: a later WAV at another is
   * dropped rather than played at the wrong speed */
  if (gst_caps_is_equal (caps, pcm->caps))
    g_byte_array_append (pcm->samples, bytes, size);
  else
    GST_WARNING ("dropped %" G_GSIZE_FORMAT " bytes of %"
        GST_PTR_FORMAT, size, caps);
  g_bytes_unref (data);
}

static gboolean
gst_pollen_src_wants_pcm (GstPollenSrc * self)
{
  gboolean pcm;

  GST_OBJECT_LOCK (self);
  pcm = self->response_format == POLLEN_AUDIO_FORMAT_PCM &&
      (self->media == GST_POLLEN_SRC_MEDIA_SPEECH ||
      self->media == GST_POLLEN_SRC_MEDIA_MUSIC);
  GST_OBJECT_UNLOCK (self);
  return pcm;
}

/* response-format=pcm was asked as WAV: its samples go out as raw audio
 * with the rate and channels of its header (the speech decoder's work). */
static Generation *
gst_pollen_src_pcm_generation (GstPollenSrc * self, PollenResponse * response,
    GError ** error)
{
  PcmAnswer pcm = { g_byte_array_new (), NULL };
  g_autoptr (PollenSpeech) speech = pollen_speech_new (GST_OBJECT (self),
      response->content_type, response->request_id, 0, pcm_answer_collect,
      &pcm);
  Generation *generation = NULL;
  gsize size;
  const guint8 *data = g_bytes_get_data (response->body, &size);
  gboolean ok;

  ok = pollen_speech_push (speech, data, size, error) &&
      pollen_speech_finish (speech, error);
  if (ok && !pcm.caps) {
    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
        "the server's answer (request id %s) holds no audio",
        response->request_id ? response->request_id : "none");
    ok = FALSE;
  }
  if (ok) {
    generation = g_new0 (Generation, 1);
    generation->caps = g_steal_pointer (&pcm.caps);
    generation->body = g_byte_array_free_to_bytes (g_steal_pointer
        (&pcm.samples));
  }
  if (pcm.samples)
    g_byte_array_unref (pcm.samples);
  gst_clear_caps (&pcm.caps);
  return generation;
}

/* Whether a whole answer ends as a whole one of its format does. */
static gboolean
gst_pollen_src_check_body (GstPollenSrc * self, PollenResponse * response,
    GError ** error)
{
  gsize size = g_bytes_get_size (response->body);
  gsize tail = MIN (size, 64);
  g_autoptr (GBytes) end = g_bytes_new_from_bytes (response->body,
      size - tail, tail);

  return pollen_media_check_whole (GST_OBJECT (self), response->body, end,
      response->content_type, size, error);
}

/* The answer as what goes out: text, or media with caps from its bytes.
 * NULL with @error set when the body is not what @media asked for. */
static Generation *
gst_pollen_src_to_generation (GstPollenSrc * self, PollenResponse * response,
    GstPollenSrcMedia media, GError ** error)
{
  Generation *generation;
  GstCaps *caps;

  if (media == GST_POLLEN_SRC_MEDIA_TEXT)
    return gst_pollen_src_text_generation (self, response->body);

  if (gst_pollen_src_wants_pcm (self))
    return gst_pollen_src_pcm_generation (self, response, error);
  caps = pollen_media_expect_caps (GST_OBJECT (self), response->body,
      response->content_type, 0, media_kind (media), error);
  if (!caps || !gst_pollen_src_check_body (self, response, error)) {
    gst_clear_caps (&caps);
    return NULL;
  }
  generation = g_new0 (Generation, 1);
  generation->body = g_bytes_ref (response->body);
  generation->caps = caps;
  return generation;
}

/* The progress of a request that failed: its text without the key. */
static void
gst_pollen_src_progress_failed (GstPollenSrc * self, PollenProgress * progress,
    const GError * error)
{
  g_autoptr (GError) redacted = g_error_copy (error);
  gboolean cancelled = g_error_matches (error, G_IO_ERROR,
      G_IO_ERROR_CANCELLED);

  pollen_client_redact_error (self->client, redacted);
  pollen_progress_end (progress, cancelled ? GST_PROGRESS_TYPE_CANCELED :
      GST_PROGRESS_TYPE_ERROR, redacted->message);
}

/* Generates once, blocking until the whole body is here. Returns NULL with
 * @error set (G_IO_ERROR_CANCELLED when interrupted). */
static Generation *
gst_pollen_src_generate (GstPollenSrc * self, PollenClient * client,
    gint64 seed, GCancellable * cancellable, GError ** error)
{
  g_autoptr (PollenRequest) request = NULL;
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GstTagList) tags = NULL;
  g_autofree gchar *what = NULL;
  g_autoptr (PollenProgress) progress = NULL;
  GstPollenSrcMedia media;
  Generation *generation;

  GST_OBJECT_LOCK (self);
  media = self->media;
  GST_OBJECT_UNLOCK (self);

  request = gst_pollen_src_build_request (self, seed, &tags);
  what = pollen_request_describe (request);
  GST_DEBUG_OBJECT (self, "requesting %s", what);

  progress = pollen_progress_start (GST_ELEMENT (self), "generate",
      media_action (media), "Still generating");
  response = pollen_client_fetch (client, request, cancellable, error);
  if (!response) {
    gst_pollen_src_progress_failed (self, progress, *error);
    return NULL;
  }
  pollen_progress_end (progress, GST_PROGRESS_TYPE_COMPLETE, "Generated");

  GST_INFO_OBJECT (self, "%s: %" G_GSIZE_FORMAT " bytes of %s (request id "
      "%s, model %s)", what, g_bytes_get_size (response->body),
      response->content_type, response->request_id, response->model_used);
  generation = gst_pollen_src_to_generation (self, response, media, error);
  if (generation)
    generation->tags = gst_pollen_src_answer_tags (g_steal_pointer (&tags),
        response);
  return generation;
}

/* @error as it is posted: for speech, with the model's voices named when
 * the voice may be what the server refused. */
static GError *
gst_pollen_src_explain (GstPollenSrc * self, const GError * error)
{
  GError *explained = g_error_copy (error);
  g_autofree gchar *model = NULL;
  g_autofree gchar *voice = NULL;
  gboolean speech;

  GST_OBJECT_LOCK (self);
  speech = self->media == GST_POLLEN_SRC_MEDIA_SPEECH;
  model = g_strdup (self->run.model);
  voice = g_strdup (self->voice);
  GST_OBJECT_UNLOCK (self);
  if (speech)
    pollen_voices_explain (self->client, model, voice, self->cancellable,
        &explained);
  return explained;
}

static void
gst_pollen_src_post_failure (GstPollenSrc * self, const GError * error)
{
  g_autoptr (GError) explained = gst_pollen_src_explain (self, error);
  GstPollenSrcMedia media;

  GST_OBJECT_LOCK (self);
  media = self->media;
  GST_OBJECT_UNLOCK (self);
  pollen_element_post_error (GST_ELEMENT (self), self->client,
      GST_MESSAGE_ERROR, media_action (media), explained);
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

/* The size is known here, so the segment's duration is set for pull-mode
 * readers. */
static void
gst_pollen_src_set_duration (GstPollenSrc * self, guint64 size)
{
  GST_OBJECT_LOCK (self);
  GST_BASE_SRC (self)->segment.duration = size;
  GST_OBJECT_UNLOCK (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_duration_changed (GST_OBJECT (self)));
}

static gboolean
gst_pollen_src_is_text (GstPollenSrc * self)
{
  gboolean text;

  GST_OBJECT_LOCK (self);
  text = self->media == GST_POLLEN_SRC_MEDIA_TEXT;
  GST_OBJECT_UNLOCK (self);
  return text;
}

/* Text or raw speech: the whole answer on first use, to go out in one
 * buffer. */
static GstFlowReturn
gst_pollen_src_ensure_whole (GstPollenSrc * self)
{
  g_autoptr (GError) error = NULL;
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

  /* text is timed: its length in bytes is no duration */
  if (!gst_pollen_src_is_text (self))
    gst_pollen_src_set_duration (self, g_bytes_get_size (self->once->body));
  return GST_FLOW_OK;
}

/* Text, and raw audio decoded from a WAV answer, go out whole in one
 * buffer rather than as the body arrives. */
static gboolean
gst_pollen_src_is_whole_answer (GstPollenSrc * self)
{
  return gst_pollen_src_is_text (self) || gst_pollen_src_wants_pcm (self);
}

/* How long a text stays up: #GstPollenSrc:duration seconds when set, else
 * the time it takes to read it at a subtitler's pace. */
static GstClockTime
gst_pollen_src_text_duration (GstPollenSrc * self, GBytes * text)
{
  guint duration;
  glong characters;

  GST_OBJECT_LOCK (self);
  duration = self->duration;
  GST_OBJECT_UNLOCK (self);
  if (duration)
    return duration * GST_SECOND;
  characters = g_utf8_strlen (g_bytes_get_data (text, NULL),
      g_bytes_get_size (text));
  return MAX (MIN_TEXT_DURATION, characters * GST_SECOND /
      READING_CHARACTERS_PER_SECOND);
}

/* Text goes out as one buffer timed from 0: a subtitle, as playbin's
 * suburi, textoverlay and a muxer's text pad take it. */
static GstFlowReturn
gst_pollen_src_create_text (GstPollenSrc * self, GstBuffer ** buf)
{
  if (self->text_sent)
    return GST_FLOW_EOS;
  gst_pollen_src_update_caps (self, self->once->caps);
  gst_pollen_src_send_tags (self, &self->once->tags);
  *buf = gst_buffer_new_wrapped_bytes (self->once->body);
  GST_BUFFER_PTS (*buf) = 0;
  GST_BUFFER_DURATION (*buf) = gst_pollen_src_text_duration (self,
      self->once->body);
  self->text_sent = TRUE;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_pollen_src_create_whole (GstPollenSrc * self, guint64 offset,
    GstBuffer ** buf)
{
  GstFlowReturn ret = gst_pollen_src_ensure_whole (self);
  guint length;
  GBytes *range;
  gsize size;
  GstBuffer *buffer;

  if (ret != GST_FLOW_OK)
    return ret;
  if (gst_pollen_src_is_text (self))
    return gst_pollen_src_create_text (self, buf);

  size = g_bytes_get_size (self->once->body);
  if (offset >= size)
    return GST_FLOW_EOS;
  length = size - offset;

  if (GST_PAD_MODE (GST_BASE_SRC_PAD (self)) == GST_PAD_MODE_PUSH)
    gst_pollen_src_update_caps (self, self->once->caps);
  gst_pollen_src_send_tags (self, &self->once->tags);

  range = g_bytes_new_from_bytes (self->once->body, offset, length);
  buffer = gst_buffer_new_wrapped_bytes (range);
  g_bytes_unref (range);
  GST_BUFFER_OFFSET (buffer) = offset;
  GST_BUFFER_OFFSET_END (buffer) = offset + length;
  *buf = buffer;
  return GST_FLOW_OK;
}

/* ---- one-shot media: the body as it arrives ---- */

/* One-shot media is downloaded whole by a PollenDownload in its own
 * thread, and served from it as it arrives: a reader that stops reading
 * (a sink prerolled while gst-launch-1.0 waits for the progress to end, a
 * demuxer that read the index at the start of an MP4) does not stall the
 * download, and so the progress always ends. */

static void
download_free (Download * download)
{
  /* first: its thread may still post through the progress */
  pollen_download_free (download->download);
  pollen_progress_free (download->progress);
  gst_clear_caps (&download->caps);
  if (download->tags)
    gst_tag_list_unref (download->tags);
  g_free (download);
}

/* A PollenDownloadCheck: a picture cut short is an error. (Not through
 * download->download, which a small body can end before it is set.) */
static gboolean
gst_pollen_src_check_whole (GBytes * head, GBytes * tail, guint64 size,
    const gchar * content_type, gpointer user_data, GError ** error)
{
  Download *download = user_data;

  return pollen_media_check_whole (GST_OBJECT (download->element), head,
      tail, content_type, size, error);
}

/* A PollenDownloadNotify, from the download's thread: the progress, and the
 * size for pull-mode readers once it is known. */
static void
gst_pollen_src_download_notify (PollenDownload * download,
    PollenDownloadEvent event, const GError * error, gpointer user_data)
{
  GstPollenSrc *self = ((Download *) user_data)->element;
  PollenProgress *progress = ((Download *) user_data)->progress;
  gint64 size = pollen_download_get_size (download);

  switch (event) {
    case POLLEN_DOWNLOAD_ANSWERED:
      if (size < 0)
        break;
      pollen_progress_stop_ticks (progress);
      gst_pollen_src_set_duration (self, size);
      break;
    case POLLEN_DOWNLOAD_RECEIVED:
      pollen_progress_percent (progress,
          pollen_download_get_percent (download));
      break;
    case POLLEN_DOWNLOAD_WHOLE:
      GST_INFO_OBJECT (self, "the whole body is here: %" G_GINT64_FORMAT
          " bytes", size);
      gst_pollen_src_set_duration (self, size);
      pollen_progress_end (progress, GST_PROGRESS_TYPE_COMPLETE, "Generated");
      break;
    case POLLEN_DOWNLOAD_FAILED:
      gst_pollen_src_progress_failed (self, progress, error);
      break;
  }
}

/* Ends a one-shot run with @error (taken): on the bus, once, unless the
 * element is flushing. */
static GstFlowReturn
gst_pollen_src_download_failed (GstPollenSrc * self, GError * error)
{
  GstFlowReturn ret = GST_FLOW_FLUSHING;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    if (!self->download->failed)
      gst_pollen_src_post_failure (self, error);
    self->download->failed = TRUE;
    ret = GST_FLOW_ERROR;
  }
  g_error_free (error);
  return ret;
}

/* Caps from the first block, which holds what typefinding needs. */
static GstFlowReturn
gst_pollen_src_find_caps (GstPollenSrc * self, GstPollenSrcMedia media,
    const gchar * content_type)
{
  PollenDownload *download = self->download->download;
  guint blocksize = gst_base_src_get_blocksize (GST_BASE_SRC (self));
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  if (!pollen_download_wait (download, blocksize, self->cancellable, &error))
    return gst_pollen_src_download_failed (self, g_steal_pointer (&error));
  bytes = pollen_download_get_bytes (download, 0,
      MIN (pollen_download_get_received (download), blocksize), &error);
  if (!bytes)
    return gst_pollen_src_download_failed (self, g_steal_pointer (&error));
  self->download->caps = pollen_media_expect_caps (GST_OBJECT (self), bytes,
      content_type, 0, media_kind (media), &error);
  if (!self->download->caps)
    return gst_pollen_src_download_failed (self, g_steal_pointer (&error));
  return GST_FLOW_OK;
}

/* Pieces of blocksize, made again only when that changes. */
static void
gst_pollen_src_ensure_pieces (GstPollenSrc * self)
{
  guint blocksize = gst_base_src_get_blocksize (GST_BASE_SRC (self));

  if (self->pieces && pollen_pieces_get_size (self->pieces) == blocksize)
    return;
  pollen_pieces_unref (self->pieces);
  self->pieces = pollen_pieces_new (blocksize, PIECES_KEPT);
}

/* Starts the download on first use and waits for its headers and first
 * block. */
static GstFlowReturn
gst_pollen_src_open_download (GstPollenSrc * self)
{
  g_autoptr (GError) error = NULL;
  const PollenResponse *answer;
  PollenRequest *request;
  GstPollenSrcMedia media;
  Download *download;
  gint seed;
  guint retries;

  if (self->download)
    return self->download->failed ? GST_FLOW_ERROR : GST_FLOW_OK;
  GST_OBJECT_LOCK (self);
  seed = self->seed;
  media = self->media;
  retries = self->run.client.retries;
  GST_OBJECT_UNLOCK (self);

  gst_pollen_src_ensure_pieces (self);
  download = self->download = g_new0 (Download, 1);
  download->element = self;
  request = gst_pollen_src_build_request (self, seed, &download->tags);
  download->progress = pollen_progress_start (GST_ELEMENT (self), "generate",
      media_action (media), "Still generating");
  download->download = pollen_download_start (self->client, request, retries,
      self->pieces, MEMORY_LIMIT,
      GST_PAD_MODE (GST_BASE_SRC_PAD (self)) == GST_PAD_MODE_PUSH,
      gst_pollen_src_check_whole,
      gst_pollen_src_download_notify, download);
  answer = pollen_download_wait_answer (download->download,
      self->cancellable, &error);
  if (!answer)
    return gst_pollen_src_download_failed (self, g_steal_pointer (&error));
  download->tags = gst_pollen_src_answer_tags (download->tags, answer);
  return gst_pollen_src_find_caps (self, media, answer->content_type);
}

/* Waits until [@offset, @offset + *@length) can be served. Pull mode
 * waits for all of it (and for the whole of a body of unknown size:
 * readers there need its size); push mode for its first byte, and serves
 * what is here from there on, which may be less. */
static GstFlowReturn
gst_pollen_src_make_ready (GstPollenSrc * self, gboolean pull, guint64 offset,
    guint length)
{
  PollenDownload *download = self->download->download;
  g_autoptr (GError) error = NULL;
  guint64 end = offset + (pull ? length : 1);

  if (pull && pollen_download_get_size (download) < 0)
    end = G_MAXUINT64;
  if (!pollen_download_wait (download, end, self->cancellable, &error))
    return gst_pollen_src_download_failed (self, g_steal_pointer (&error));
  return GST_FLOW_OK;
}

/* Serves [@offset, @offset + @length) once it is here. */
static GstFlowReturn
gst_pollen_src_create_streamed (GstPollenSrc * self, guint64 offset,
    guint length, GstBuffer ** buf)
{
  g_autoptr (GError) error = NULL;
  gboolean pull = GST_PAD_MODE (GST_BASE_SRC_PAD (self)) == GST_PAD_MODE_PULL;
  GstFlowReturn ret = gst_pollen_src_open_download (self);
  guint64 received;

  if (ret == GST_FLOW_OK)
    ret = gst_pollen_src_make_ready (self, pull, offset, length);
  if (ret != GST_FLOW_OK)
    return ret;
  received = pollen_download_get_received (self->download->download);
  if (offset >= received)
    return GST_FLOW_EOS;
  if (!pull)
    gst_pollen_src_update_caps (self, self->download->caps);
  gst_pollen_src_send_tags (self, &self->download->tags);
  *buf = pollen_download_take_range (self->download->download, offset,
      MIN (length, received - offset), &error);
  if (!*buf) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("%s", error->message), (NULL));
    return GST_FLOW_ERROR;
  }
  GST_BUFFER_OFFSET (*buf) = offset;
  GST_BUFFER_OFFSET_END (*buf) = offset + gst_buffer_get_size (*buf);
  return GST_FLOW_OK;
}

/* ---- interval mode ---- */

/* Interval mode runs one generation at a time on PollenJobs, a slot ahead:
 * as soon as create() takes a slot's generation it submits the next one.
 * Only the streaming thread submits, and only once the queue is empty, so
 * a submit never blocks. A prompt change or unlock() flushes the jobs;
 * create() then starts over with a fresh submit. */

static void
slot_job_free (SlotJob * job)
{
  g_clear_pointer (&job->generation, generation_free);
  g_free (job);
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

/* A PollenJobFunc, in a worker thread: one slot's generation, with the
 * properties (the prompt in particular) as they are now. */
static gboolean
gst_pollen_src_run_job (PollenJob * job, gpointer data, gpointer user_data,
    GCancellable * cancellable, GError ** error)
{
  GstPollenSrc *self = user_data;
  SlotJob *slot_job = data;

  slot_job->generation = gst_pollen_src_generate (self, self->client,
      gst_pollen_src_slot_seed (self), cancellable, error);
  return slot_job->generation != NULL;
}

/* With self->lock. */
static void
gst_pollen_src_submit (GstPollenSrc * self)
{
  pollen_jobs_submit (self->jobs, g_new0 (SlotJob, 1));
}

/* The jobs said FLUSHING: either the element is flushing, or a prompt
 * change dropped the pending generation; then a new one is submitted.
 * Returns FALSE when the element is flushing. */
static gboolean
gst_pollen_src_restart_jobs (GstPollenSrc * self)
{
  gboolean flushing;

  g_mutex_lock (&self->lock);
  flushing = self->flushing;
  if (!flushing) {
    pollen_jobs_set_flushing (self->jobs, FALSE);
    gst_pollen_src_submit (self);
  }
  g_mutex_unlock (&self->lock);
  return !flushing;
}

/* When frame @frame starts, with frame-rate set. */
static GstClockTime
gst_pollen_src_frame_time (GstPollenSrc * self, guint64 frame)
{
  return gst_util_uint64_scale (frame, self->frame_d * GST_SECOND,
      self->frame_n);
}

/* Whether a buffer after the one being made can show a new generation.
 * With num-buffers the stream ends at its last buffer, and a generation
 * made for a slot after it would be billed and never shown. With
 * frame-rate, the buffers left may all be frames of the current slot. */
static gboolean
gst_pollen_src_more_to_show (GstPollenSrc * self)
{
  gint num_buffers;
  guint64 after;
  GstClockTime interval;

  GST_OBJECT_LOCK (self);
  num_buffers = GST_BASE_SRC (self)->num_buffers;
  interval = self->interval * GST_SECOND;
  GST_OBJECT_UNLOCK (self);
  if (num_buffers < 0)
    return TRUE;
  if (self->buffers_made + 1 >= (guint64) num_buffers)
    return FALSE;
  after = num_buffers - self->buffers_made - 1;
  return self->frame_n == 0 ||
      gst_pollen_src_frame_time (self, self->next_frame + after) / interval >
      gst_pollen_src_frame_time (self, self->next_frame) / interval;
}

/* The generation for after the one just taken (or skipped), if the stream
 * goes on to show it. */
static void
gst_pollen_src_submit_next (GstPollenSrc * self)
{
  if (!gst_pollen_src_more_to_show (self))
    return;
  g_mutex_lock (&self->lock);
  gst_pollen_src_submit (self);
  g_mutex_unlock (&self->lock);
}

/* Waits until @end_time (monotonic) for the next generation, and submits
 * the one after it as soon as it is here. GST_FLOW_OK with *@generation
 * NULL means none came: *@error says why (the caller submits the next
 * one only if the stream goes on: a stream that ends in an error must not
 * start a generation that is billed and never shown), or is NULL when it
 * is still being generated. */
static GstFlowReturn
gst_pollen_src_next_generation (GstPollenSrc * self, gint64 end_time,
    Generation ** generation, GError ** error)
{
  gpointer data, item;

  for (;;) {
    switch (pollen_jobs_next (self->jobs, end_time, &data, &item,
            error)) {
      case POLLEN_JOBS_JOB_DONE:
        *generation = g_steal_pointer (&((SlotJob *) data)->generation);
        gst_pollen_src_submit_next (self);
        return GST_FLOW_OK;
      case POLLEN_JOBS_JOB_FAILED:
        return GST_FLOW_OK;
      case POLLEN_JOBS_FLUSHING:
        if (!gst_pollen_src_restart_jobs (self))
          return GST_FLOW_FLUSHING;
        break;
      default:                 /* TIMEOUT: still generating */
        return GST_FLOW_OK;
    }
  }
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

/* When the running time is @time, as a g_get_monotonic_time() value (now
 * without a clock). */
static gint64
gst_pollen_src_monotonic_at (GstPollenSrc * self, GstClockTime time)
{
  GstClockTime now = gst_pollen_src_running_time (self);
  GstClockTimeDiff left = 0;

  if (GST_CLOCK_TIME_IS_VALID (now))
    left = GST_CLOCK_DIFF (now, time);
  return g_get_monotonic_time () + MAX (left, 0) / GST_USECOND;
}

/* When @slot ends, as a g_get_monotonic_time() value. */
static gint64
gst_pollen_src_slot_end (GstPollenSrc * self, guint64 slot,
    GstClockTime interval)
{
  return gst_pollen_src_monotonic_at (self, (slot + 1) * interval);
}

/* The slot the next buffer goes in: the next one, unless the stream fell
 * so far behind (a slow downstream) that it has passed; then the slot
 * playing now. */
static guint64
gst_pollen_src_next_slot (GstPollenSrc * self, GstClockTime interval)
{
  GstClockTime now = gst_pollen_src_running_time (self);
  guint64 slot = self->next_slot;

  if (GST_CLOCK_TIME_IS_VALID (now) && now > (slot + 1) * interval) {
    guint64 current = now / interval;

    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("The stream fell behind the clock: skipped %" G_GUINT64_FORMAT
            " slot(s). Is something downstream blocking?", current - slot),
        (NULL));
    slot = current;
  }
  self->next_slot = slot + 1;
  return slot;
}

/* Says why @slot has nothing new: a warning, or an error (then returns
 * FALSE) for a failure skip-failed does not cover. */
static gboolean
gst_pollen_src_missed_slot (GstPollenSrc * self, GstClockTime start,
    const GError * error)
{
  g_autofree gchar *action = NULL;
  g_autoptr (GError) explained = NULL;
  GstPollenSrcMedia media;
  gboolean skip;

  if (!error) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ, ("Nothing new for the slot "
            "at %" GST_TIME_FORMAT ": generating takes longer than the "
            "interval. Raise the interval or use a faster model.",
            GST_TIME_ARGS (start)), (NULL));
    return TRUE;
  }
  GST_OBJECT_LOCK (self);
  skip = self->skip_failed && pollen_client_error_is_transient (error);
  media = self->media;
  GST_OBJECT_UNLOCK (self);
  action = g_strdup_printf ("%s for the slot at %" GST_TIME_FORMAT,
      media_action (media), GST_TIME_ARGS (start));
  explained = gst_pollen_src_explain (self, error);
  pollen_element_post_error (GST_ELEMENT (self), self->client,
      skip ? GST_MESSAGE_WARNING : GST_MESSAGE_ERROR, action, explained);
  return skip;
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

static gboolean
gst_pollen_src_is_audio (GstPollenSrc * self)
{
  gboolean audio;

  GST_OBJECT_LOCK (self);
  audio = self->media == GST_POLLEN_SRC_MEDIA_SPEECH ||
      self->media == GST_POLLEN_SRC_MEDIA_MUSIC;
  GST_OBJECT_UNLOCK (self);
  return audio;
}

/* What @slot shows: its new generation, or else the last one again;
 * NULL for audio (a repeated clip is no filler) or before the first. */
static GstFlowReturn
gst_pollen_src_fill_slot (GstPollenSrc * self, guint64 slot,
    GstClockTime interval, Generation ** shown)
{
  g_autoptr (GError) error = NULL;
  Generation *generation = NULL;
  GstFlowReturn ret;

  ret = gst_pollen_src_next_generation (self,
      gst_pollen_src_slot_end (self, slot, interval), &generation, &error);
  if (ret != GST_FLOW_OK)
    return ret;
  if (generation) {
    g_clear_pointer (&self->last, generation_free);
    *shown = self->last = generation;
    return GST_FLOW_OK;
  }
  if (!gst_pollen_src_missed_slot (self, slot * interval, error))
    return GST_FLOW_ERROR;
  if (error)                    /* skipped: on to the next slot's */
    gst_pollen_src_submit_next (self);
  *shown = gst_pollen_src_is_audio (self) ? NULL : self->last;
  return GST_FLOW_OK;
}

/* A slot with nothing to show: a GAP event keeps live mixers and sinks
 * going, once a first buffer took caps and a segment downstream. */
static void
gst_pollen_src_push_gap (GstPollenSrc * self, guint64 slot,
    GstClockTime interval)
{
  GstPad *pad = GST_BASE_SRC_PAD (self);
  GstEvent *segment = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);

  if (!segment)
    return;
  gst_event_unref (segment);
  gst_pad_push_event (pad, gst_event_new_gap (slot * interval, interval));
}

static GstClockTime
gst_pollen_src_get_interval (GstPollenSrc * self)
{
  GstClockTime interval;

  GST_OBJECT_LOCK (self);
  interval = self->interval * GST_SECOND;
  GST_OBJECT_UNLOCK (self);
  return interval;
}

/* ---- frame-rate mode ---- */

/* With frame-rate set, interval mode repeats the slot's picture as one
 * buffer per frame with exact timestamps: a steady stream for decoders,
 * encoders and muxers that changes picture exactly at the slot boundary
 * (videorate would switch half an interval early, at the nearest
 * timestamp). Each buffer is the whole encoded picture, shared, not
 * copied. */

/* Makes sure the slot of the next frame has its picture: its first frame
 * waits for the slot's generation (or the last picture again). A slot with
 * nothing to show, before the first picture, gets a GAP and its frames are
 * skipped. Returns the next frame's time in *@pts. */
static GstFlowReturn
gst_pollen_src_enter_frame_slot (GstPollenSrc * self, GstClockTime interval,
    GstClockTime * pts)
{
  Generation *shown = NULL;
  GstFlowReturn ret;
  guint64 slot;

  for (;;) {
    *pts = gst_pollen_src_frame_time (self, self->next_frame);
    slot = *pts / interval;
    if (slot == self->frame_slot)
      return GST_FLOW_OK;
    ret = gst_pollen_src_fill_slot (self, slot, interval, &shown);
    if (ret != GST_FLOW_OK)
      return ret;
    if (shown) {
      self->frame_slot = slot;
      return GST_FLOW_OK;
    }
    ret = gst_pollen_src_wait_for_slot (self, slot * interval);
    if (ret != GST_FLOW_OK)
      return ret;
    gst_pollen_src_push_gap (self, slot, interval);
    self->next_frame = gst_util_uint64_scale_ceil ((slot + 1) * interval,
        self->frame_n, self->frame_d * GST_SECOND);
  }
}

static GstFlowReturn
gst_pollen_src_create_frame (GstPollenSrc * self, GstBuffer ** buf)
{
  GstClockTime interval = gst_pollen_src_get_interval (self);
  g_autoptr (GstCaps) caps = NULL;
  GstClockTime pts;
  GstFlowReturn ret;

  ret = gst_pollen_src_enter_frame_slot (self, interval, &pts);
  if (ret == GST_FLOW_OK)
    ret = gst_pollen_src_wait_for_slot (self, pts);
  if (ret != GST_FLOW_OK)
    return ret;

  /* the rate in the caps carries over to the decoded video */
  caps = gst_caps_copy (self->last->caps);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, self->frame_n,
      self->frame_d, NULL);
  gst_pollen_src_update_caps (self, caps);
  gst_pollen_src_send_tags (self, &self->last->tags);
  *buf = gst_buffer_new_wrapped_bytes (self->last->body);
  GST_BUFFER_PTS (*buf) = pts;
  GST_BUFFER_DURATION (*buf) =
      gst_pollen_src_frame_time (self, self->next_frame + 1) - pts;
  GST_BUFFER_OFFSET (*buf) = self->next_frame;
  GST_BUFFER_OFFSET_END (*buf) = ++self->next_frame;
  return GST_FLOW_OK;
}

/* frame-rate needs pictures, and slots to repeat them in. */
static gboolean
gst_pollen_src_check_frame_rate (GstPollenSrc * self)
{
  gboolean ok;

  GST_OBJECT_LOCK (self);
  self->frame_n = self->fps_n;
  self->frame_d = self->fps_d;
  ok = self->frame_n == 0 || (self->interval > 0 &&
      self->media == GST_POLLEN_SRC_MEDIA_IMAGE);
  GST_OBJECT_UNLOCK (self);
  self->next_frame = 0;
  self->frame_slot = G_MAXUINT64;
  if (!ok)
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("frame-rate repeats "
            "pictures between generations: it needs interval > 0 and "
            "media=image. Set frame-rate=0/1 otherwise."), (NULL));
  return ok;
}

/* ---- captions: text in interval mode ---- */

/* A caption (a text per slot) goes over live video, which must never wait
 * for it: it is shown from when it comes to the end of its slot, GAP
 * events tell the overlay there is nothing to wait for while it is being
 * made, and an empty first buffer puts the segment they need downstream.
 * self->caption_pos is where the captions downstream end. */

#define CAPTION_GAP_STEP (100 * GST_MSECOND)

static GstBuffer *
gst_pollen_src_caption_buffer (GBytes * text, GstClockTime pts,
    GstClockTime end)
{
  GstBuffer *buffer = text ? gst_buffer_new_wrapped_bytes (text) :
      gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = end - pts;
  return buffer;
}

/* The overlay may go on to @until: nothing is shown before that. */
static void
gst_pollen_src_caption_gap (GstPollenSrc * self, GstClockTime until)
{
  if (until <= self->caption_pos)
    return;
  gst_pad_push_event (GST_BASE_SRC_PAD (self),
      gst_event_new_gap (self->caption_pos, until - self->caption_pos));
  self->caption_pos = until;
}

/* Waits up to CAPTION_GAP_STEP for the slot's text, saying GAP meanwhile.
 * *@generation stays NULL while it is being made; the slot ends with
 * *@missed set, *@error saying why when it failed. */
static GstFlowReturn
gst_pollen_src_caption_step (GstPollenSrc * self, GstClockTime slot_end,
    Generation ** generation, gboolean * missed, GError ** error)
{
  GstClockTime now = gst_pollen_src_running_time (self);
  GstClockTime step_end = GST_CLOCK_TIME_IS_VALID (now) ?
      MIN (now + CAPTION_GAP_STEP, slot_end) : slot_end;
  GstFlowReturn ret;

  gst_pollen_src_caption_gap (self, MIN (step_end, slot_end));
  ret = gst_pollen_src_next_generation (self,
      gst_pollen_src_monotonic_at (self, step_end), generation, error);
  now = gst_pollen_src_running_time (self);
  *missed = !*generation && (*error || !GST_CLOCK_TIME_IS_VALID (now) ||
      now >= slot_end);
  return ret;
}

static GstFlowReturn
gst_pollen_src_create_caption (GstPollenSrc * self, GstBuffer ** buf)
{
  GstClockTime interval = gst_pollen_src_get_interval (self);
  g_autoptr (GstCaps) caps = gst_caps_new_simple ("text/x-raw", "format",
      G_TYPE_STRING, "utf8", NULL);

  gst_pollen_src_update_caps (self, caps);
  if (!self->caption_started) {
    self->caption_started = TRUE;
    *buf = gst_pollen_src_caption_buffer (NULL, 0, 0);
    return GST_FLOW_OK;
  }
  for (;;) {
    guint64 slot = self->caption_pos / interval;
    GstClockTime slot_end = (slot + 1) * interval;
    g_autoptr (GError) error = NULL;
    Generation *generation = NULL;
    gboolean missed;
    GstFlowReturn ret = gst_pollen_src_caption_step (self, slot_end,
        &generation, &missed, &error);
    GstClockTime now = gst_pollen_src_running_time (self);

    if (ret != GST_FLOW_OK)
      return ret;
    if (generation) {
      GstClockTime pts = GST_CLOCK_TIME_IS_VALID (now) ?
          CLAMP (now, self->caption_pos, slot_end) : self->caption_pos;

      g_clear_pointer (&self->last, generation_free);
      self->last = generation;
      gst_pollen_src_send_tags (self, &generation->tags);
      *buf = gst_pollen_src_caption_buffer (g_bytes_ref (generation->body),
          pts, slot_end);
      self->caption_pos = slot_end;
      return GST_FLOW_OK;
    }
    if (!missed)
      continue;
    if (!gst_pollen_src_missed_slot (self, slot * interval, error))
      return GST_FLOW_ERROR;
    if (error)                  /* skipped: on to the next slot's */
      gst_pollen_src_submit_next (self);
    gst_pollen_src_caption_gap (self, slot_end);
  }
}

/* ---- live create() ---- */

static GstFlowReturn
gst_pollen_src_create_live (GstPollenSrc * self, GstBuffer ** buf)
{
  GstClockTime interval = gst_pollen_src_get_interval (self);
  Generation *shown = NULL;
  GstFlowReturn ret;
  guint64 slot;

  if (self->frame_n > 0)
    return gst_pollen_src_create_frame (self, buf);
  if (gst_pollen_src_is_text (self))
    return gst_pollen_src_create_caption (self, buf);

  do {
    slot = gst_pollen_src_next_slot (self, interval);
    ret = gst_pollen_src_fill_slot (self, slot, interval, &shown);
    if (ret == GST_FLOW_OK)
      ret = gst_pollen_src_wait_for_slot (self, slot * interval);
    if (ret != GST_FLOW_OK)
      return ret;
    if (!shown)
      gst_pollen_src_push_gap (self, slot, interval);
  } while (!shown);

  gst_pollen_src_update_caps (self, shown->caps);
  gst_pollen_src_send_tags (self, &shown->tags);
  *buf = gst_buffer_new_wrapped_bytes (shown->body);
  GST_BUFFER_PTS (*buf) = slot * interval;
  GST_BUFFER_DURATION (*buf) = interval;
  GST_BUFFER_OFFSET (*buf) = slot;
  GST_BUFFER_OFFSET_END (*buf) = slot + 1;
  return GST_FLOW_OK;
}

static void
gst_pollen_src_start_jobs (GstPollenSrc * self)
{
  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  self->jobs = pollen_jobs_new (1, gst_pollen_src_run_job, self,
      (GDestroyNotify) slot_job_free, NULL);
  gst_pollen_src_submit (self);
  g_mutex_unlock (&self->lock);
}

/* Cancels the generation in flight and waits for its worker. */
static void
gst_pollen_src_stop_jobs (GstPollenSrc * self)
{
  PollenJobs *jobs;

  g_mutex_lock (&self->lock);
  jobs = g_steal_pointer (&self->jobs);
  g_mutex_unlock (&self->lock);
  pollen_jobs_free (jobs);
  g_clear_pointer (&self->last, generation_free);
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

/* The client, and so its connections, stay from one run to the next while
 * the settings it was made with stay the same: an application that plays
 * the element again reuses the connection, as souphttpsrc does. */
static gboolean
gst_pollen_src_ensure_client (GstPollenSrc * self)
{
  GstPollenSrcMedia media;

  GST_OBJECT_LOCK (self);
  media = self->media;
  GST_OBJECT_UNLOCK (self);
  pollen_settings_snapshot (GST_ELEMENT (self), &self->settings,
      default_model_for (media), &self->run);
  self->client = pollen_settings_ensure_client (GST_ELEMENT (self),
      &self->run, self->client);
  return self->client != NULL;
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
  if (!gst_pollen_src_check_interval (self) ||
      !gst_pollen_src_check_frame_rate (self))
    return FALSE;

  if (!gst_pollen_src_ensure_client (self))
    return FALSE;
  self->cancellable = g_cancellable_new ();
  self->next_slot = 0;
  self->buffers_made = 0;
  self->caption_started = FALSE;
  self->caption_pos = 0;
  if (gst_pollen_src_is_live_mode (self))
    gst_pollen_src_start_jobs (self);
  return TRUE;
}

static gboolean
gst_pollen_src_stop (GstBaseSrc * basesrc)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  gst_pollen_src_stop_jobs (self);
  g_clear_pointer (&self->once, generation_free);
  self->text_sent = FALSE;
  g_clear_pointer (&self->download, download_free);
  gst_clear_caps (&self->last_caps);
  g_clear_object (&self->cancellable);
  return TRUE;
}

static gboolean
gst_pollen_src_unlock (GstBaseSrc * basesrc)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  g_cancellable_cancel (self->cancellable);
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  if (self->jobs)
    pollen_jobs_set_flushing (self->jobs, TRUE);
  if (self->slot_wait)
    gst_clock_id_unschedule (self->slot_wait);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
gst_pollen_src_unlock_stop (GstBaseSrc * basesrc)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  g_cancellable_reset (self->cancellable);
  /* the jobs stay flushed: create() starts them over */
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

  if (self->once) {
    *size = g_bytes_get_size (self->once->body);
    return TRUE;
  }
  if (!self->download || !self->download->download ||
      pollen_download_get_size (self->download->download) < 0)
    return FALSE;
  *size = pollen_download_get_size (self->download->download);
  return TRUE;
}

static gboolean
gst_pollen_src_query (GstBaseSrc * basesrc, GstQuery * query)
{
  GstPollenSrc *self = GST_POLLEN_SRC (basesrc);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_SCHEDULING:
      /* The body is kept whole as it downloads, so pull mode with random
       * access is always possible in one-shot mode. Said here without
       * starting (and so generating) just to answer. */
      if (gst_pollen_src_is_live_mode (self))
        break;
      gst_query_set_scheduling (query, GST_SCHEDULING_FLAG_SEEKABLE, 1, -1,
          0);
      gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH);
      if (!gst_pollen_src_is_whole_answer (self))
        gst_query_add_scheduling_mode (query, GST_PAD_MODE_PULL);
      return TRUE;
    case GST_QUERY_LATENCY:{
      gdouble interval;

      if (!gst_pollen_src_is_live_mode (self))
        break;
      /* A slot's generation may come until the slot ends: a sink needs
       * one interval to show every slot on time (min); a caption goes out
       * when it comes, so it needs none. Held up for more than two, the
       * stream falls behind and skips slots (max). */
      GST_OBJECT_LOCK (self);
      interval = self->interval;
      GST_OBJECT_UNLOCK (self);
      gst_query_set_latency (query, TRUE, gst_pollen_src_is_text (self) ? 0 :
          interval * GST_SECOND, 2 * interval * GST_SECOND);
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
  GstFlowReturn ret;

  if (gst_base_src_is_live (basesrc)) {
    ret = gst_pollen_src_create_live (self, buf);
    if (ret == GST_FLOW_OK)
      self->buffers_made++;
    return ret;
  }
  if (gst_pollen_src_is_whole_answer (self))
    return gst_pollen_src_create_whole (self, offset, buf);
  return gst_pollen_src_create_streamed (self, offset, length, buf);
}

/* ---- properties ---- */

/* A prompt change while PLAYING: flush the generation in flight, made for
 * the old prompt; create() submits a new one, so the next slot that is not
 * already waiting for its time uses the new prompt. */
static void
gst_pollen_src_prompt_changed (GstPollenSrc * self)
{
  g_mutex_lock (&self->lock);
  if (self->jobs)
    pollen_jobs_set_flushing (self->jobs, TRUE);
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

/* Interval mode is live, in time; one-shot text is timed too (a
 * subtitle); the rest is bytes, which demuxers may pull. */
static void
gst_pollen_src_update_format (GstPollenSrc * self)
{
  gboolean live, text;

  GST_OBJECT_LOCK (self);
  live = self->interval > 0;
  text = self->media == GST_POLLEN_SRC_MEDIA_TEXT;
  GST_OBJECT_UNLOCK (self);
  gst_base_src_set_live (GST_BASE_SRC (self), live);
  gst_base_src_set_format (GST_BASE_SRC (self), live || text ?
      GST_FORMAT_TIME : GST_FORMAT_BYTES);
}

static void
gst_pollen_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenSrc *self = GST_POLLEN_SRC (object);

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
      GST_OBJECT_UNLOCK (self);
      gst_pollen_src_prompt_changed (self);
      break;
    case PROP_NEGATIVE_PROMPT:
      replace_string (object, &self->negative_prompt, value);
      break;
    case PROP_IMAGE:
      replace_string (object, &self->image, value);
      break;
    case PROP_REFERENCE_IMAGES:
      replace_string (object, &self->reference_images, value);
      break;
    case PROP_REFERENCE_VIDEOS:
      replace_string (object, &self->reference_videos, value);
      break;
    case PROP_REFERENCE_AUDIOS:
      replace_string (object, &self->reference_audios, value);
      break;
    case PROP_SAFE:
      replace_string (object, &self->safe, value);
      break;
    case PROP_SYSTEM:
      replace_string (object, &self->system, value);
      break;
    case PROP_ASPECT_RATIO:
      replace_string (object, &self->aspect_ratio, value);
      break;
    case PROP_VOICE:
      replace_string (object, &self->voice, value);
      break;
    case PROP_INTERVAL:
      GST_OBJECT_LOCK (self);
      self->interval = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      gst_pollen_src_update_format (self);
      break;
    case PROP_MEDIA:
      GST_OBJECT_LOCK (self);
      self->media = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      gst_pollen_src_update_format (self);
      break;
    default:
      GST_OBJECT_LOCK (self);
      switch (prop_id) {
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
        case PROP_QUALITY:
          self->quality = g_value_get_enum (value);
          break;
        case PROP_RESOLUTION:
          self->resolution = g_value_get_enum (value);
          break;
        case PROP_RESPONSE_FORMAT:
          self->response_format = g_value_get_enum (value);
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
        case PROP_SKIP_FAILED:
          self->skip_failed = g_value_get_boolean (value);
          break;
        case PROP_TEMPERATURE:
          self->temperature = g_value_get_double (value);
          break;
        case PROP_JSON_MODE:
          self->json_mode = g_value_get_boolean (value);
          break;
        case PROP_FRAME_RATE:
          self->fps_n = gst_value_get_fraction_numerator (value);
          self->fps_d = gst_value_get_fraction_denominator (value);
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
      g_value_set_string (value, self->safe);
      break;
    case PROP_QUALITY:
      g_value_set_enum (value, self->quality);
      break;
    case PROP_IMAGE:
      g_value_set_string (value, self->image);
      break;
    case PROP_REFERENCE_IMAGES:
      g_value_set_string (value, self->reference_images);
      break;
    case PROP_REFERENCE_VIDEOS:
      g_value_set_string (value, self->reference_videos);
      break;
    case PROP_REFERENCE_AUDIOS:
      g_value_set_string (value, self->reference_audios);
      break;
    case PROP_RESOLUTION:
      g_value_set_enum (value, self->resolution);
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
      g_value_set_enum (value, self->response_format);
      break;
    case PROP_INSTRUMENTAL:
      g_value_set_boolean (value, self->instrumental);
      break;
    case PROP_INTERVAL:
      g_value_set_double (value, self->interval);
      break;
    case PROP_SKIP_FAILED:
      g_value_set_boolean (value, self->skip_failed);
      break;
    case PROP_SYSTEM:
      g_value_set_string (value, self->system);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, self->temperature);
      break;
    case PROP_JSON_MODE:
      g_value_set_boolean (value, self->json_mode);
      break;
    case PROP_FRAME_RATE:
      gst_value_set_fraction (value, self->fps_n, self->fps_d);
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

/* The URI says what to generate, all of it or nothing: media, prompt, the
 * model (the media's default unless it says one) and its parameters. */
static gboolean
gst_pollen_src_uri_set_uri (GstURIHandler * handler, const gchar * uri,
    GError ** error)
{
  GstPollenSrc *self = GST_POLLEN_SRC (handler);
  g_autoptr (PollenUri) parsed = pollen_uri_parse (uri,
      G_OBJECT_GET_CLASS (self), error);
  guint i;

  if (!parsed)
    return FALSE;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self, "media", parsed->media, "prompt", parsed->prompt,
      "model", NULL, NULL);
  for (i = 0; i < parsed->values->len; i++) {
    PollenUriValue *param = &g_array_index (parsed->values, PollenUriValue,
        i);

    g_object_set_property (G_OBJECT (self), param->pspec->name,
        &param->value);
  }
  GST_OBJECT_LOCK (self);
  g_free (self->uri);
  self->uri = g_strdup (uri);
  GST_OBJECT_UNLOCK (self);
  g_object_thaw_notify (G_OBJECT (self));
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
  pollen_settings_clear (&self->run);
  g_clear_object (&self->client);
  pollen_pieces_unref (self->pieces);
  g_free (self->prompt);
  g_free (self->negative_prompt);
  g_free (self->image);
  g_free (self->reference_images);
  g_free (self->reference_videos);
  g_free (self->reference_audios);
  g_free (self->safe);
  g_free (self->system);
  g_free (self->aspect_ratio);
  g_free (self->voice);
  g_free (self->uri);
  g_mutex_clear (&self->lock);

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
  self->response_format = DEFAULT_RESPONSE_FORMAT;
  self->skip_failed = DEFAULT_SKIP_FAILED;
  self->temperature = DEFAULT_TEMPERATURE;
  self->fps_d = 1;
  g_mutex_init (&self->lock);
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
          "speak, the music description, or what to write. Required; may "
          "change while PLAYING in interval mode (used from the next slot "
          "on)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (klass, PROP_MEDIA,
      g_param_spec_enum ("media", "Media",
          "What to generate; picks the endpoint and the default model",
          GST_TYPE_POLLEN_SRC_MEDIA, DEFAULT_MEDIA, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_WIDTH,
      g_param_spec_uint ("width", "Width",
          "Picture width in pixels (query 'width'); for video models width "
          "and height only choose the aspect ratio: the size is the "
          "resolution tier (see resolution)", 1, 8192, DEFAULT_WIDTH,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_HEIGHT,
      g_param_spec_uint ("height", "Height",
          "Picture height in pixels (query 'height'); for video models width "
          "and height only choose the aspect ratio: the size is the "
          "resolution tier (see resolution)", 1, 8192, DEFAULT_HEIGHT,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_RESOLUTION,
      g_param_spec_enum ("resolution", "Resolution",
          "Resolution tier of the models that offer some (query "
          "'resolution'; `pollen-info models video` lists them): for video "
          "it is the size, so without it a 1920x1080 veo request comes back "
          "at 720p; default sends none and the model's first is used",
          GST_TYPE_POLLEN_SRC_RESOLUTION, GST_POLLEN_SRC_RESOLUTION_DEFAULT,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_SEED,
      g_param_spec_int ("seed", "Seed",
          "Seed for reproducible results (query 'seed'); -1 sends none in "
          "one-shot mode and a fresh random seed per slot in interval mode",
          -1, G_MAXINT32, DEFAULT_SEED, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_ENHANCE,
      g_param_spec_boolean ("enhance", "Enhance",
          "Let the AI improve the prompt (query 'enhance'); today's server "
          "ignores it (gone from its schema), kept for old pipelines", FALSE,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_NEGATIVE_PROMPT,
      g_param_spec_string ("negative-prompt", "Negative Prompt",
          "What to avoid in the picture (query 'negative_prompt'); today's "
          "server ignores it (gone from its schema), kept for old "
          "pipelines; unset sends none", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_SAFE,
      g_param_spec_string ("safe", "Safety Filters",
          "Safety filters run over the prompt, a comma-separated list of "
          "privacy, secrets, sexual, violence, shield, or nsfw (= sexual,"
          "violence), true (= privacy,secrets), false (query 'safe'); unset "
          "sends none", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_QUALITY,
      g_param_spec_enum ("quality", "Quality",
          "Picture quality, gptimage only (query 'quality')",
          GST_TYPE_POLLEN_SRC_QUALITY, DEFAULT_QUALITY, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_IMAGE,
      g_param_spec_string ("image", "Reference Image",
          "Reference image URL(s), comma or pipe separated (query 'image'); "
          "for video models the first and last frame", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_REFERENCE_IMAGES,
      g_param_spec_string ("reference-images", "Reference Images",
          "Video models that take them (seedance-2.0, wan-2.7, ...): public "
          "image URLs that guide the look, separated by | (query "
          "'reference_images'); unset sends none", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_REFERENCE_VIDEOS,
      g_param_spec_string ("reference-videos", "Reference Videos",
          "Video models that take them: public video URLs that guide motion "
          "or style, separated by | (query 'reference_videos'); unset sends "
          "none", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_REFERENCE_AUDIOS,
      g_param_spec_string ("reference-audios", "Reference Audios",
          "Video models that take them: public audio URLs that drive the "
          "clip, separated by | (query 'reference_audios'); unset sends "
          "none", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_TRANSPARENT,
      g_param_spec_boolean ("transparent", "Transparent",
          "Transparent background, gptimage only (query 'transparent')",
          FALSE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_DURATION,
      g_param_spec_uint ("duration", "Duration",
          "Seconds of video, as the model takes them (veo: 4, 6 or 8; "
          "seedance-pro: 2-10; seedance-2.0: 4-15; over 30 only nova-reel; "
          "`pollen-info models video` lists each), or of music (3-300) "
          "(query 'duration'); 0 uses the model's default. For text, how "
          "long it is shown (not sent); 0 is its reading time, 15 "
          "characters a second, at least 2 s", 0, 300, 0,
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
          "Speech voice (query 'voice'), one of the model's own: tts-1 (the "
          "default, OpenAI TTS) has alloy, echo, fable, onyx, nova, "
          "shimmer; elevenlabs (ElevenLabs v3, paid-only) those and ash, "
          "ballad, coral, sage, verse, rachel, domi, bella, ... or a custom "
          "voice id; `pollen-info models audio` lists them. A voice the "
          "model lacks is an error naming its voices",
          DEFAULT_VOICE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_RESPONSE_FORMAT,
      g_param_spec_enum ("response-format", "Response Format",
          "Audio format to ask for, speech and music (query "
          "'response_format'); the caps follow what actually arrives",
          POLLEN_TYPE_AUDIO_FORMAT, DEFAULT_RESPONSE_FORMAT, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_INSTRUMENTAL,
      g_param_spec_boolean ("instrumental", "Instrumental",
          "Music without vocals (query 'instrumental')", FALSE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_INTERVAL,
      g_param_spec_double ("interval", "Interval",
          "Seconds between generations; 0 generates once then sends EOS, "
          "0.01 or more makes a live source with one buffer per interval", 0,
          86400, 0,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_SKIP_FAILED,
      g_param_spec_boolean ("skip-failed", "Skip Failed",
          "Interval mode, when a generation still fails after its retries "
          "(5xx, 429, network): post a warning and show the last picture "
          "again in that slot (a gap for speech and music) instead of an "
          "error; 4xx answers are always errors",
          DEFAULT_SKIP_FAILED, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (klass, PROP_SYSTEM,
      g_param_spec_string ("system", "System Prompt",
          "How the model should answer, text only (query 'system'), e.g. "
          "\"One headline of at most ten words.\"", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Sampling randomness from 0 to 2, text only (query "
          "'temperature'); a negative value sends none", -1, 2,
          DEFAULT_TEMPERATURE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_JSON_MODE,
      g_param_spec_boolean ("json-mode", "JSON Mode",
          "Ask for the text as JSON, text only (query 'json')", FALSE,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_FRAME_RATE,
      gst_param_spec_fraction ("frame-rate", "Frame Rate",
          "Interval mode, pictures only: repeat the slot's picture at this "
          "rate in frames per second, with exact timestamps, so it changes "
          "exactly at each slot (a live video stream); 0/1 sends one buffer "
          "per slot", 0, 1, 1000, 1, 0, 1, PARAM_FLAGS));
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
      "(image), veo (video), tts-1 (speech: OpenAI TTS, not paid-only; "
      "elevenlabs is ElevenLabs v3, paid-only), elevenmusic (music), "
      "openai (text)",
      DEFAULT_TIMEOUT);
  gst_pollen_src_install_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations generator source", "Audio/Video/Image/Text/Source",
      "Generates a picture, video clip, speech, music or text from a prompt "
      "with the Pollinations API", "gst-pollen contributors");

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
  gst_pollen_src_register_tags ();
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_SRC_MEDIA, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_SRC_QUALITY, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_SRC_RESOLUTION, 0);
  gst_type_mark_as_plugin_api (POLLEN_TYPE_AUDIO_FORMAT, 0);
}
