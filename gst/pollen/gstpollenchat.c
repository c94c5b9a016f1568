/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollenchat
 * @title: pollenchat
 *
 * Transforms a timed text stream with a language model of the Pollinations
 * API (`POST /v1/chat/completions`, streamed): each text buffer is sent as
 * the user message, after #GstPollenChat:system and the last
 * #GstPollenChat:history-size exchanges, and the reply goes downstream as
 * timed text: translate, summarise, rewrite.
 *
 * With #GstPollenChat:output `reply` (the default) the whole reply is one
 * buffer with the input's PTS and duration. With `sentence` each sentence
 * goes downstream as soon as the stream completes it, so pollentts can
 * start speaking before the reply is finished; the sentences share the
 * input's span in order: the first starts at the input's PTS, each lasts
 * an estimate of its speaking time (65 ms per character), or half of what
 * is left of the span when that would not fit, so none ends past the
 * input's end.
 *
 * Without history up to #GstPollenChat:max-in-flight requests run at once;
 * with history they run one at a time, since each turn needs the reply
 * before it. Results go out in input order. FLUSH and a new STREAM_START
 * forget the history; EOS waits for every reply. Empty text makes no
 * request (a GAP covers its time); pango markup is reduced to its words.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=talk.srt ! subparse \
 *     ! pollenchat system="Translate into French." \
 *     ! pollentts voice=nova ! audioconvert ! wavenc \
 *     ! filesink location=fr.wav
 * gst-launch-1.0 pulsesrc ! audioconvert ! audioresample \
 *     ! pollenstt language-code=en \
 *     ! pollenchat output=sentence \
 *         system="Translate into French. Reply with the translation only." \
 *     ! pollentts voice=nova ! audioconvert ! autoaudiosink
 * gst-launch-1.0 filesrc location=talk.srt ! subparse \
 *     ! pollenchat system="Summarise in five words." history-size=3 \
 *     ! fakesink dump=true
 * ]|
 */

/* A GstPollenFilter: the sink thread turns each text into a job, a worker
 * streams the completion and emits each sentence as it completes (or keeps
 * the whole reply), and the src task timestamps and pushes them in input
 * order. The history is written by the workers, one at a time when it is
 * used (the instance is serial then).
 *
 * Lock order: GST_OBJECT_LOCK (properties) and self->lock (the history)
 * are leaves: never held together, nor while calling into the base, the
 * client or a pad. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenchat.h"
#include "gstpollenelements.h"
#include "pollenchatrequest.h"
#include "pollentext.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_chat_debug);
#define GST_CAT_DEFAULT gst_pollen_chat_debug

#define DEFAULT_SYSTEM NULL
#define DEFAULT_HISTORY_SIZE 0
#define DEFAULT_OUTPUT POLLEN_CHAT_OUTPUT_REPLY
#define DEFAULT_TEMPERATURE -1.0
#define DEFAULT_SEED -1
#define DEFAULT_MAX_TOKENS 0
#define DEFAULT_JSON_MODE FALSE
#define DEFAULT_LATENCY_MS 1000
#define DEFAULT_MAX_IN_FLIGHT 3
#define DEFAULT_TIMEOUT 120
#define MAX_HISTORY_SIZE 100

/* A sentence's estimated speaking time, per character (about 15
 * characters a second). */
#define TIME_PER_CHAR (65 * GST_MSECOND)

enum
{
  PROP_SYSTEM = POLLEN_FILTER_PROP_LAST,
  PROP_HISTORY_SIZE,
  PROP_OUTPUT,
  PROP_TEMPERATURE,
  PROP_SEED,
  PROP_MAX_TOKENS,
  PROP_JSON_MODE,
};

/* One job's data. The sink thread fills it; the worker reads text and
 * epoch and writes reply, sent and answered; the src task reads the times
 * and moves them when the reply is late. */
typedef struct
{
  gchar *text;                  /* the user message; NULL: nothing to ask */
  gchar *preview;               /* its start, for messages */
  GstClockTime pts;
  GstClockTime duration;
  guint epoch;                  /* the history it belongs to */
  gchar *reply;                 /* output=reply: the whole reply */
  GstClockTime sent;            /* running times the request went out */
  GstClockTime answered;        /* and its first sentence or reply came */
  GstClockTime next;            /* src task: where the next sentence starts */
  gboolean checked;             /* src task: its lateness was looked at */
} ChatEntry;

struct _GstPollenChat
{
  GstPollenFilter parent;

  /* properties, under GST_OBJECT_LOCK */
  gchar *system;
  guint history_size;
  PollenChatOutput output;
  gdouble temperature;
  gint seed;
  gint max_tokens;
  gboolean json_mode;

  /* READY→PAUSED until PAUSED→READY: the snapshot, read-only in between */
  gchar *run_system;
  PollenChatSettings run;       /* points into run_system and the base's */
  PollenChatOutput run_output;
  guint run_history_size;

  /* sink thread */
  gboolean input_is_markup;

  /* src task, live: where the span of the latest reply shifted later ends;
   * what follows does not start before it */
  GstClockTime shifted_end;

  /* under self->lock */
  GMutex lock;
  guint epoch;                  /* +1 at each FLUSH and STREAM_START */
  guint history_epoch;          /* the epoch @history belongs to */
  PollenChatHistory *history;
};

#define gst_pollen_chat_parent_class parent_class
G_DEFINE_TYPE (GstPollenChat, gst_pollen_chat, GST_TYPE_POLLEN_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollenchat, "pollenchat",
    GST_RANK_NONE, GST_TYPE_POLLEN_CHAT, pollen_element_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

/* ---- entries ---- */

/* @text: (transfer full) (nullable) */
static ChatEntry *
chat_entry_new (gchar * text, GstClockTime pts, GstClockTime duration,
    guint epoch)
{
  ChatEntry *entry = g_new0 (ChatEntry, 1);

  entry->text = text;
  entry->preview = pollen_text_preview (text ? text : "");
  entry->pts = entry->next = pts;
  entry->duration = duration;
  entry->sent = entry->answered = GST_CLOCK_TIME_NONE;
  entry->epoch = epoch;
  return entry;
}

static void
chat_entry_free (ChatEntry * entry)
{
  g_free (entry->text);
  g_free (entry->preview);
  g_free (entry->reply);
  g_free (entry);
}

/* ---- text in: the sink side ---- */

static guint
gst_pollen_chat_current_epoch (GstPollenChat * self)
{
  guint epoch;

  g_mutex_lock (&self->lock);
  epoch = self->epoch;
  g_mutex_unlock (&self->lock);
  return epoch;
}

static GstFlowReturn
gst_pollen_chat_chain (GstPollenFilter * filter, GstBuffer * buffer)
{
  GstPollenChat *self = GST_POLLEN_CHAT (filter);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstClockTime duration = GST_BUFFER_DURATION (buffer);
  gchar *text = pollen_text_from_buffer (GST_ELEMENT (self), buffer,
      self->input_is_markup);

  gst_buffer_unref (buffer);
  if (!*text) {
    GST_DEBUG_OBJECT (self, "nothing to ask at %" GST_TIME_FORMAT,
        GST_TIME_ARGS (pts));
    g_clear_pointer (&text, g_free);
  } else {
    GST_DEBUG_OBJECT (self, "asking at %" GST_TIME_FORMAT ": \"%s\"",
        GST_TIME_ARGS (pts), text);
  }
  return gst_pollen_filter_submit (filter, chat_entry_new (text, pts,
          duration, gst_pollen_chat_current_epoch (self)));
}

/* Forgets the history: the next text starts a conversation. Texts queued
 * before still see theirs: the first job of the new epoch clears it.
 * Sink thread, or with the task stopped. */
static void
gst_pollen_chat_forget (GstPollenChat * self)
{
  g_mutex_lock (&self->lock);
  self->epoch++;
  g_mutex_unlock (&self->lock);
}

/* GstPollenFilter::sink_event: a new stream is a new conversation. */
static GstFlowReturn
gst_pollen_chat_sink_event (GstPollenFilter * filter, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
    GST_DEBUG_OBJECT (filter, "new stream: history forgotten");
    gst_pollen_chat_forget (GST_POLLEN_CHAT (filter));
  }
  return GST_FLOW_OK;
}

static gchar *
gst_pollen_chat_describe (GstPollenFilter * filter, gpointer data)
{
  ChatEntry *entry = data;

  return g_strdup_printf ("Answering the text at %" GST_TIME_FORMAT
      " (\"%s\")", GST_TIME_ARGS (entry->pts), entry->preview);
}

/* ---- the completion: the workers ---- */

/* The request for @entry, with the history of its epoch. */
static PollenRequest *
gst_pollen_chat_build_request (GstPollenChat * self, ChatEntry * entry)
{
  PollenRequest *request;
  PollenChatHistory *history = NULL;

  g_mutex_lock (&self->lock);
  if (self->history && self->history_epoch != entry->epoch) {
    pollen_chat_history_clear (self->history);
    self->history_epoch = entry->epoch;
  }
  if (self->history)
    history = self->history;
  request = pollen_chat_request_new (&self->run, history,
      pollen_chat_content_new_text (entry->text));
  g_mutex_unlock (&self->lock);
  return request;
}

/* Keeps the exchange of @entry in the history of its epoch; a job of a
 * later epoch (after a FLUSH or STREAM_START) starts from an empty one. */
static void
gst_pollen_chat_remember (GstPollenChat * self, ChatEntry * entry,
    const gchar * reply)
{
  g_mutex_lock (&self->lock);
  if (self->history && self->history_epoch == entry->epoch)
    pollen_chat_history_add (self->history, entry->text, reply);
  g_mutex_unlock (&self->lock);
}

typedef struct
{
  GstPollenFilter *filter;
  ChatEntry *entry;
  PollenJob *job;
  PollenSentences *sentences;
} ChatStream;

/* Takes @sentence: out to the src task; the first says when the answer
 * came. */
static void
chat_stream_emit (ChatStream * stream, gchar * sentence)
{
  if (!GST_CLOCK_TIME_IS_VALID (stream->entry->answered))
    stream->entry->answered = gst_pollen_filter_now (stream->filter);
  pollen_job_emit (stream->job, sentence);
}

/* PollenChatDeltaFunc: each sentence the delta completes goes out. */
static void
gst_pollen_chat_on_delta (const gchar * delta, gpointer user_data)
{
  ChatStream *stream = user_data;
  g_autoptr (GPtrArray) done = pollen_sentences_feed (stream->sentences,
      delta);
  guint i;

  for (i = 0; i < done->len; i++)
    chat_stream_emit (stream, g_strdup (done->pdata[i]));
}

static gboolean
gst_pollen_chat_run_job (GstPollenFilter * filter, PollenJob * job,
    gpointer data, GCancellable * cancellable, GError ** error)
{
  GstPollenChat *self = GST_POLLEN_CHAT (filter);
  ChatEntry *entry = data;
  g_autoptr (PollenRequest) request = NULL;
  g_autoptr (PollenChatResult) result = NULL;
  g_autoptr (PollenSentences) sentences = pollen_sentences_new ();
  ChatStream stream = { filter, entry, job, sentences };
  gboolean by_sentence = self->run_output == POLLEN_CHAT_OUTPUT_SENTENCE;
  gchar *rest;

  if (!entry->text)
    return TRUE;
  request = gst_pollen_chat_build_request (self, entry);
  entry->sent = gst_pollen_filter_now (filter);
  result = pollen_chat_complete (gst_pollen_filter_get_client (filter),
      request, by_sentence ? gst_pollen_chat_on_delta : NULL, &stream,
      cancellable, error);
  if (!result)
    return FALSE;
  if (result->warning) {
    g_autofree gchar *what = gst_pollen_chat_describe (filter, entry);

    pollen_chat_result_post_warning (result, GST_ELEMENT (self), what);
  }
  GST_INFO_OBJECT (self, "\"%s\": reply of %u characters (%s)",
      entry->preview, (guint) g_utf8_strlen (result->text, -1),
      GST_STR_NULL (result->finish_reason));
  if (by_sentence && (rest = pollen_sentences_finish (sentences)))
    chat_stream_emit (&stream, rest);
  gst_pollen_chat_remember (self, entry, result->text);
  if (!by_sentence) {
    entry->answered = gst_pollen_filter_now (filter);
    entry->reply = g_steal_pointer (&result->text);
  }
  return TRUE;
}

/* ---- timed text out: the src task ---- */

static GstFlowReturn
gst_pollen_chat_push_text (GstPollenChat * self, const gchar * text,
    GstClockTime pts, GstClockTime duration)
{
  GstBuffer *buffer = gst_buffer_new_memdup (text, strlen (text));

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  GST_LOG_OBJECT (self, "%" GST_TIME_FORMAT " + %" GST_TIME_FORMAT ": \"%s\"",
      GST_TIME_ARGS (pts), GST_TIME_ARGS (duration), text);
  return gst_pad_push (gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER
          (self)), buffer);
}

/* Where the next sentence of @entry goes: where the one before ended (the
 * first at the input's PTS), for its estimated speaking time, or half of
 * what is left of the input's span when that would not fit. */
static GstClockTime
gst_pollen_chat_sentence_span (ChatEntry * entry, const gchar * sentence,
    GstClockTime * duration)
{
  GstClockTime start = entry->next;
  GstClockTime estimate = g_utf8_strlen (sentence, -1) * TIME_PER_CHAR;

  if (!GST_CLOCK_TIME_IS_VALID (start)) {
    *duration = GST_CLOCK_TIME_NONE;
    return GST_CLOCK_TIME_NONE;
  }
  if (GST_CLOCK_TIME_IS_VALID (entry->duration)) {
    GstClockTime remaining = entry->pts + entry->duration - start;

    if (estimate > remaining)
      estimate = remaining / 2;
  }
  entry->next = start + estimate;
  *duration = estimate;
  return start;
}

/* @entry's output goes @late later, and no earlier than the end of a
 * reply shifted before it: the text stays in time order. */
static void
gst_pollen_chat_shift (GstPollenChat * self, ChatEntry * entry,
    GstClockTime late)
{
  GstClockTime end = self->shifted_end;

  if (!GST_CLOCK_TIME_IS_VALID (entry->pts))
    return;
  if (GST_CLOCK_TIME_IS_VALID (end) && entry->pts + late < end)
    late = end - entry->pts;
  if (late == 0)
    return;
  entry->pts += late;
  entry->next += late;
  self->shifted_end = entry->pts + (GST_CLOCK_TIME_IS_VALID (entry->duration)
      ? entry->duration : 0);
}

/* Before @entry's first output (its reply's when @answered), live: a reply
 * that came after its deadline goes that much later, with a warning; a
 * server that keeps being slow raises the latency (see max-latency). */
static void
gst_pollen_chat_check_late (GstPollenChat * self, ChatEntry * entry,
    gboolean answered)
{
  GstClockTime late = 0;

  if (entry->checked)
    return;
  entry->checked = TRUE;
  if (answered) {
    late = gst_pollen_filter_check_late (GST_POLLEN_FILTER (self), entry,
        entry->pts, entry->sent, entry->answered, NULL);
    gst_pollen_filter_follow_server (GST_POLLEN_FILTER (self), entry->sent,
        entry->answered, late > 0);
  }
  gst_pollen_chat_shift (self, entry, late);
}

static GstFlowReturn
gst_pollen_chat_handle_item (GstPollenFilter * filter, gpointer data,
    gpointer item)
{
  GstClockTime pts, duration;

  gst_pollen_chat_check_late (GST_POLLEN_CHAT (filter), data, TRUE);
  pts = gst_pollen_chat_sentence_span (data, item, &duration);
  return gst_pollen_chat_push_text (GST_POLLEN_CHAT (filter), item, pts,
      duration);
}

/* A GAP from where the output of @entry got to up to its end. */
static GstFlowReturn
gst_pollen_chat_gap (GstPollenChat * self, ChatEntry * entry)
{
  GstClockTime duration = GST_CLOCK_TIME_NONE;

  gst_pollen_chat_check_late (self, entry, FALSE);
  if (!GST_CLOCK_TIME_IS_VALID (entry->next))
    return GST_FLOW_OK;
  if (GST_CLOCK_TIME_IS_VALID (entry->duration))
    duration = entry->pts + entry->duration - entry->next;
  if (duration == 0)
    return GST_FLOW_OK;
  return gst_pollen_filter_push_event (GST_POLLEN_FILTER (self),
      gst_event_new_gap (entry->next, duration));
}

static GstFlowReturn
gst_pollen_chat_handle_done (GstPollenFilter * filter, gpointer data)
{
  GstPollenChat *self = GST_POLLEN_CHAT (filter);
  ChatEntry *entry = data;

  if (!entry->text)
    return gst_pollen_chat_gap (self, entry);
  if (!entry->reply)
    return GST_FLOW_OK;
  gst_pollen_chat_check_late (self, entry, TRUE);
  return gst_pollen_chat_push_text (self, entry->reply, entry->pts,
      entry->duration);
}

/* GstPollenFilter::fill: a GAP over what is left of a failed text's span. */
static GstFlowReturn
gst_pollen_chat_fill (GstPollenFilter * filter, gpointer data)
{
  return gst_pollen_chat_gap (GST_POLLEN_CHAT (filter), data);
}

/* GstPollenFilter::flush: a flushed conversation starts over. */
static void
gst_pollen_chat_flush (GstPollenFilter * filter)
{
  GST_DEBUG_OBJECT (filter, "flushed: history forgotten");
  gst_pollen_chat_forget (GST_POLLEN_CHAT (filter));
  GST_POLLEN_CHAT (filter)->shifted_end = GST_CLOCK_TIME_NONE;
}

/* GstPollenFilter::src_event: a segment starts a new timeline. */
static GstFlowReturn
gst_pollen_chat_src_event (GstPollenFilter * filter, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
    GST_POLLEN_CHAT (filter)->shifted_end = GST_CLOCK_TIME_NONE;
  return GST_POLLEN_FILTER_CLASS (parent_class)->src_event (filter, event);
}

/* ---- caps and states ---- */

/* The (fixed) output caps are stored on the src pad at once: they go out
 * before whatever it pushes next, and a flush cannot drop them. */
static gboolean
gst_pollen_chat_set_caps (GstPollenFilter * filter, GstCaps * caps)
{
  GstPollenChat *self = GST_POLLEN_CHAT (filter);
  GstPad *srcpad = gst_pollen_filter_get_srcpad (filter);
  const gchar *format = gst_structure_get_string (gst_caps_get_structure (caps,
          0), "format");

  self->input_is_markup = g_strcmp0 (format, "pango-markup") == 0;
  if (!gst_pad_has_current_caps (srcpad)) {
    g_autoptr (GstCaps) text_caps =
        gst_static_pad_template_get_caps (&src_template);
    GstEvent *event = gst_event_new_caps (text_caps);

    gst_pad_store_sticky_event (srcpad, event);
    gst_event_unref (event);
  }
  return TRUE;
}

/* GstPollenFilter::start: the snapshot of this run's properties. */
static gboolean
gst_pollen_chat_start (GstPollenFilter * filter)
{
  GstPollenChat *self = GST_POLLEN_CHAT (filter);
  const PollenSettings *settings = gst_pollen_filter_get_settings (filter);

  pollen_chat_settings_init (&self->run);
  GST_OBJECT_LOCK (self);
  self->run_system = g_strdup (self->system);
  self->run_output = self->output;
  self->run_history_size = self->history_size;
  self->run.temperature = self->temperature;
  self->run.seed = self->seed;
  self->run.max_tokens = self->max_tokens;
  self->run.json_mode = self->json_mode;
  GST_OBJECT_UNLOCK (self);
  self->run.system = self->run_system;
  self->run.model = settings->model;
  self->run.extra_params = settings->extra_params;

  self->input_is_markup = FALSE;
  g_mutex_lock (&self->lock);
  self->history = self->run_history_size > 0 ?
      pollen_chat_history_new (self->run_history_size) : NULL;
  self->history_epoch = self->epoch;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
gst_pollen_chat_stop (GstPollenFilter * filter)
{
  GstPollenChat *self = GST_POLLEN_CHAT (filter);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->history, pollen_chat_history_free);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->run_system, g_free);
}

/* ---- properties ---- */

static void
gst_pollen_chat_set_number (GstPollenChat * self, guint prop_id,
    const GValue * value)
{
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HISTORY_SIZE:
      self->history_size = g_value_get_uint (value);
      break;
    case PROP_OUTPUT:
      self->output = g_value_get_enum (value);
      break;
    case PROP_TEMPERATURE:
      self->temperature = g_value_get_double (value);
      break;
    case PROP_SEED:
      self->seed = g_value_get_int (value);
      break;
    case PROP_MAX_TOKENS:
      self->max_tokens = g_value_get_int (value);
      break;
    case PROP_JSON_MODE:
      self->json_mode = g_value_get_boolean (value);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pollen_chat_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenChat *self = GST_POLLEN_CHAT (object);

  if (prop_id < PROP_SYSTEM) {
    G_OBJECT_CLASS (parent_class)->set_property (object, prop_id, value,
        pspec);
  } else if (prop_id == PROP_SYSTEM) {
    pollen_property_replace_string (object, &self->system, value);
  } else if (prop_id <= PROP_JSON_MODE) {
    gst_pollen_chat_set_number (self, prop_id, value);
    /* a turn needs the reply before it: one request at a time */
    if (prop_id == PROP_HISTORY_SIZE)
      gst_pollen_filter_set_serial (GST_POLLEN_FILTER (self),
          g_value_get_uint (value) > 0);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_pollen_chat_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenChat *self = GST_POLLEN_CHAT (object);

  if (prop_id < PROP_SYSTEM) {
    G_OBJECT_CLASS (parent_class)->get_property (object, prop_id, value,
        pspec);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SYSTEM:
      g_value_set_string (value, self->system);
      break;
    case PROP_HISTORY_SIZE:
      g_value_set_uint (value, self->history_size);
      break;
    case PROP_OUTPUT:
      g_value_set_enum (value, self->output);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, self->temperature);
      break;
    case PROP_SEED:
      g_value_set_int (value, self->seed);
      break;
    case PROP_MAX_TOKENS:
      g_value_set_int (value, self->max_tokens);
      break;
    case PROP_JSON_MODE:
      g_value_set_boolean (value, self->json_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- GObject ---- */

static void
gst_pollen_chat_finalize (GObject * object)
{
  GstPollenChat *self = GST_POLLEN_CHAT (object);

  g_free (self->system);
  g_free (self->run_system);
  pollen_chat_history_free (self->history);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_pollen_chat_init (GstPollenChat * self)
{
  self->system = g_strdup (DEFAULT_SYSTEM);
  self->history_size = DEFAULT_HISTORY_SIZE;
  self->output = DEFAULT_OUTPUT;
  self->temperature = DEFAULT_TEMPERATURE;
  self->seed = DEFAULT_SEED;
  self->max_tokens = DEFAULT_MAX_TOKENS;
  self->json_mode = DEFAULT_JSON_MODE;
  self->shifted_end = GST_CLOCK_TIME_NONE;
  g_mutex_init (&self->lock);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_pollen_chat_install_prompt_properties (GObjectClass * klass)
{
  g_object_class_install_property (klass, PROP_SYSTEM,
      g_param_spec_string ("system", "System",
          "System prompt sent before every text (a message with role "
          "'system'), e.g. \"Translate into French.\"; default unset: none "
          "is sent", DEFAULT_SYSTEM, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_HISTORY_SIZE,
      g_param_spec_uint ("history-size", "History Size",
          "How many earlier exchanges (a text and its reply) are sent as "
          "context, default 0 (none); above 0 requests run one at a time, "
          "each after the reply before", 0, MAX_HISTORY_SIZE,
          DEFAULT_HISTORY_SIZE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_OUTPUT,
      g_param_spec_enum ("output", "Output",
          "How the reply goes out, default reply: one buffer with the whole "
          "reply, or sentence: each sentence as soon as it is complete, "
          "sharing the text's time span", POLLEN_TYPE_CHAT_OUTPUT,
          DEFAULT_OUTPUT, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_JSON_MODE,
      g_param_spec_boolean ("json-mode", "JSON Mode",
          "Ask for a JSON object reply (JSON 'response_format': "
          "{\"type\": \"json_object\"}), default false", DEFAULT_JSON_MODE,
          PARAM_FLAGS));
}

static void
gst_pollen_chat_install_number_properties (GObjectClass * klass)
{
  g_object_class_install_property (klass, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Sampling temperature from 0 to 2 (JSON 'temperature'); -1 "
          "(default) sends none: the model's default", -1, 2,
          DEFAULT_TEMPERATURE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_SEED,
      g_param_spec_int ("seed", "Seed",
          "Seed for reproducible replies (JSON 'seed'); -1 (default) sends "
          "none", -1, G_MAXINT32, DEFAULT_SEED, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_MAX_TOKENS,
      g_param_spec_int ("max-tokens", "Max Tokens",
          "Longest reply in tokens (JSON 'max_tokens'); 0 (default) sends "
          "none", 0, G_MAXINT32, DEFAULT_MAX_TOKENS, PARAM_FLAGS));
}

static void
gst_pollen_chat_class_init_filter (GstPollenFilterClass * filter_class)
{
  filter_class->default_model = POLLEN_CHAT_DEFAULT_MODEL;
  filter_class->model_blurb = "Text model (JSON 'model'), default openai; "
      "pollen-info lists the others";
  filter_class->default_timeout = DEFAULT_TIMEOUT;
  filter_class->default_max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  filter_class->default_latency_ms = DEFAULT_LATENCY_MS;
  filter_class->latency_blurb = "live, a reply that comes later is "
      "shifted with a warning";
  filter_class->untimed_hint = "Put subparse (for subtitle files), "
      "pollenstt or another source of timed text in front of pollenchat.";
  filter_class->data_free = (GDestroyNotify) chat_entry_free;
  filter_class->item_free = g_free;

  filter_class->start = GST_DEBUG_FUNCPTR (gst_pollen_chat_start);
  filter_class->stop = GST_DEBUG_FUNCPTR (gst_pollen_chat_stop);
  filter_class->flush = GST_DEBUG_FUNCPTR (gst_pollen_chat_flush);
  filter_class->set_caps = GST_DEBUG_FUNCPTR (gst_pollen_chat_set_caps);
  filter_class->sink_event = GST_DEBUG_FUNCPTR (gst_pollen_chat_sink_event);
  filter_class->chain = GST_DEBUG_FUNCPTR (gst_pollen_chat_chain);
  filter_class->run_job = GST_DEBUG_FUNCPTR (gst_pollen_chat_run_job);
  filter_class->handle_item = GST_DEBUG_FUNCPTR (gst_pollen_chat_handle_item);
  filter_class->handle_done = GST_DEBUG_FUNCPTR (gst_pollen_chat_handle_done);
  filter_class->fill = GST_DEBUG_FUNCPTR (gst_pollen_chat_fill);
  filter_class->src_event = GST_DEBUG_FUNCPTR (gst_pollen_chat_src_event);
  filter_class->describe = GST_DEBUG_FUNCPTR (gst_pollen_chat_describe);
  gst_pollen_filter_class_setup (filter_class);
}

static void
gst_pollen_chat_class_init (GstPollenChatClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_pollen_chat_set_property;
  gobject_class->get_property = gst_pollen_chat_get_property;
  gobject_class->finalize = gst_pollen_chat_finalize;

  gst_pollen_chat_class_init_filter (GST_POLLEN_FILTER_CLASS (klass));
  gst_pollen_chat_install_prompt_properties (gobject_class);
  gst_pollen_chat_install_number_properties (gobject_class);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations chat", "Text/Filter",
      "Transforms timed text with a Pollinations language model (translate, "
      "summarise, rewrite), streaming the reply sentence by sentence",
      "gst-pollen contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pollen_chat_debug, "pollenchat", 0,
      "Pollinations chat");
  gst_type_mark_as_plugin_api (POLLEN_TYPE_CHAT_OUTPUT, 0);
}
