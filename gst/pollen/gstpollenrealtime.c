/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollenrealtime
 * @title: pollenrealtime
 *
 * Holds a spoken conversation with a realtime model of the Pollinations
 * API (`GET /v1/realtime`, the OpenAI Realtime protocol over a WebSocket)
 * in one element: the audio that comes in (any raw format, converted to
 * 24 kHz mono) is streamed to the model as it arrives, and the model's
 * spoken replies come out on the `src` pad (S16LE, 24 kHz, mono) with
 * their transcripts on `text_src` (UTF-8 text, each piece timed with the
 * audio it belongs to).
 *
 * The server finds the turns (#GstPollenRealtime:vad): when the speaker
 * pauses, the model answers. When the speaker starts talking while a
 * reply plays (#GstPollenRealtime:interrupt), the reply stops at once and
 * the model is told how much of it was heard. Element messages say when
 * speech started and stopped and what each reply cost in tokens.
 *
 * The element is live: a reply's audio is timed at the running time it
 * arrived and pushed no more than #GstPollenRealtime:latency ahead of the
 * moment it plays, so that an interruption leaves little of it downstream;
 * the pipeline does not preroll. Between replies the source pads carry
 * GAP events, or silence with #GstPollenRealtime:continuous. At the end
 * of the input the turn in progress is answered, that reply is played out,
 * and then EOS goes out on both source pads.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -e pulsesrc ! pollenrealtime \
 *     instructions="You are a friendly assistant. Answer in one sentence." \
 *     ! audioconvert ! audioresample ! autoaudiosink
 * gst-launch-1.0 -e pulsesrc ! pollenrealtime name=rt interrupt=false \
 *     instructions="Translate everything you hear into French" \
 *     ! queue ! audioconvert ! audioresample ! autoaudiosink \
 *     rt.text_src ! queue ! fdsink
 * ]|
 */

/* Threads: the sink streaming thread converts the input and queues it on
 * the session in 100 ms appends (it never waits on the network); the
 * session's thread hands over the server's events, which become timed
 * buffers queued on two lanes, one per source pad; each source pad's task
 * pushes its lane's buffers when the clock says they are due, and GAPs
 * between them.
 *
 * Lock order: self->lock, then GST_OBJECT_LOCK (the clock, the base time)
 * or PollenSession's own lock (sends); GST_OBJECT_LOCK alone guards the
 * properties. Nothing is pushed, posted, or waited for on the clock with
 * self->lock held. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenrealtime.h"
#include "gstpollenelements.h"
#include "pollenconvert.h"
#include "pollenjson.h"
#include "pollenrequest.h"
#include "pollensession.h"
#include "pollensettings.h"

#include <gst/audio/audio.h>
#include <gst/base/gstflowcombiner.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_realtime_debug);
#define GST_CAT_DEFAULT gst_pollen_realtime_debug

#define DEFAULT_MODEL "gpt-realtime-2.1"
#define DEFAULT_VOICE "alloy"
#define DEFAULT_VAD GST_POLLEN_REALTIME_VAD_SERVER
#define DEFAULT_SILENCE_DURATION 500
#define DEFAULT_VAD_THRESHOLD 0.5
#define DEFAULT_INTERRUPT TRUE
#define DEFAULT_LATENCY_MS 250
#define DEFAULT_CONTINUOUS FALSE
#define DEFAULT_TIMEOUT 30

#define REALTIME_PATH "/v1/realtime"
#define RATE 24000
#define SAMPLE_BYTES 2          /* S16LE mono */
#define APPEND_BYTES (RATE / 10 * SAMPLE_BYTES) /* 100 ms an append */
#define PIECE_BYTES (RATE / 50 * SAMPLE_BYTES)  /* 20 ms pushed at a time */
#define SILENCE_BYTES (RATE / 10 * SAMPLE_BYTES)
#define MIN_COMMIT_SAMPLES (RATE / 10)  /* the service commits 100 ms or more */
#define FILL_INTERVAL (100 * GST_MSECOND)       /* GAPs this often when idle */
#define MIN_FILL (20 * GST_MSECOND)     /* no fill is shorter */
#define INPUT_HOLE (40 * GST_MSECOND)   /* less is jitter, more is filled */
#define MAX_INPUT_FILL (10 * GST_SECOND)

#define SAMPLES_TO_TIME(n) gst_util_uint64_scale_int ((n), GST_SECOND, RATE)
/* rounded: a time made of whole samples gives them back */
#define TIME_TO_SAMPLES(t) gst_util_uint64_scale_int_round ((t), RATE, GST_SECOND)

enum
{
  PROP_INSTRUCTIONS = POLLEN_PROP_LAST,
  PROP_VOICE,
  PROP_VAD,
  PROP_SILENCE_DURATION,
  PROP_VAD_THRESHOLD,
  PROP_INTERRUPT,
  PROP_LATENCY,
  PROP_CONTINUOUS,
};

/* The element's own settings, copied for a run. */
typedef struct
{
  gchar *instructions;
  gchar *voice;
  GstPollenRealtimeVad vad;
  guint silence_duration_ms;
  gdouble vad_threshold;
  gboolean interrupt;
  guint latency_ms;
  gboolean continuous;
} RealtimeSettings;

/* One reply of the model (a response). Its items on the lanes hold
 * references. Under self->lock. */
typedef struct
{
  gchar *response_id;
  gchar *item_id;               /* of its audio, once known */
  GstClockTime tail;            /* where its next audio goes; NONE before
                                 * the first */
  guint64 samples;              /* of audio received */
  GString *transcript;          /* all of it, for the message */
  GString *text;                /* deltas not on the text lane yet */
  GstClockTime text_pts;        /* where @text starts; NONE before audio */
  guint queued;                 /* its items on the lanes */
  gboolean done;                /* response.done came */
  gboolean dropped;             /* interrupted or flushed: what more comes
                                 * is dropped */
  guint64 pushed_samples;       /* taken by the audio lane's task */
  GstClockTime pushed_end;
} Reply;

typedef struct
{
  Reply *reply;
  GstBuffer *buffer;
} Item;

/* A source pad, its queue and its task. The fields under "task" are only
 * touched by the pad's task, or with it stopped. */
typedef struct
{
  GstPollenRealtime *self;
  GstPad *pad;
  gboolean audio;
  /* under self->lock */
  GQueue items;                 /* Item, in time order */
  gsize offset;                 /* audio: bytes of the head already out */
  GstClockTime position;        /* end of what went out; NONE before */
  GstClockID clock_id;          /* the task's wait */
  gboolean woken;
  /* task */
  gboolean need_start;
  gboolean need_segment;
} Lane;

/* The end of the input, until EOS can go out. */
typedef enum
{
  DRAIN_NONE,
  DRAIN_MARKER,                 /* waiting for the server to have read
                                 * every append (session.updated) */
  DRAIN_REPLY,                  /* waiting for the reply of the last turn */
  DRAIN_DONE,
} DrainStage;

typedef enum
{
  STEP_NONE,                    /* look again */
  STEP_PAUSE,                   /* flushing: the task pauses */
  STEP_END,                     /* EOS, then the task pauses */
  STEP_PUSH,
  STEP_FILL,
  STEP_WAIT,
} StepKind;

/* What a lane's task does next, chosen with the lock, done without. */
typedef struct
{
  StepKind kind;
  GstBuffer *buffer;            /* PUSH */
  GstClockTime fill_from;       /* PUSH (a hole before it), FILL */
  GstClockTime fill_to;
  GstClockID clock_id;          /* WAIT */
  GstMessage *message;          /* posted first */
} Step;

struct _GstPollenRealtime
{
  GstElement parent;
  GstPad *sinkpad;

  /* properties, under GST_OBJECT_LOCK */
  PollenSettings settings;
  RealtimeSettings props;

  /* a run: set while going to PAUSED, then only read */
  PollenSettings snapshot;
  RealtimeSettings run;
  PollenClient *client;
  PollenSession *session;

  /* sink streaming thread */
  PollenConvert *convert;
  GByteArray *pending;          /* converted, not appended yet (< 100 ms) */
  guint64 in_samples;           /* converted since in_origin */

  GMutex lock;
  GCond cond;
  /* under lock */
  Lane lanes[2];                /* audio (src), text (text_src) */
  GstFlowCombiner *flows;
  GQueue replies;               /* Reply, oldest first */
  gboolean flushing;
  gboolean playing;             /* the running time moves */
  GstFlowReturn fatal;          /* why output ended, or GST_FLOW_OK */
  gboolean session_failed;      /* it ended with an error */
  GstSegment in_segment;
  GstClockTime in_origin;       /* running time of the first input sample */
  GstClockTime in_end;          /* running time the input reached */
  guint64 uncommitted;          /* samples appended since the last commit */
  gboolean speaking;            /* the server heard speech start, not stop */
  guint responses_active;
  GstClockTime audio_tail;      /* end of the reply audio queued */
  GstClockTime pipeline_latency;
  guint32 seek_seqnum;
  DrainStage drain;
  gint64 drain_deadline;        /* monotonic */
  gboolean drain_committing;    /* the last turn's commit sent, not
                                 * acknowledged yet */
  gboolean drain_wants_reply;   /* a turn to answer once none is in
                                 * progress */
  gboolean drain_asked;         /* response.create sent, not created yet */
};

#define gst_pollen_realtime_parent_class parent_class
G_DEFINE_TYPE (GstPollenRealtime, gst_pollen_realtime, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollenrealtime, "pollenrealtime",
    GST_RANK_NONE, GST_TYPE_POLLEN_REALTIME, pollen_element_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, layout = (string) interleaved"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, rate = (int) 24000, "
        "channels = (int) 1"));

static GstStaticPadTemplate text_src_template =
GST_STATIC_PAD_TEMPLATE ("text_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

#define GST_TYPE_POLLEN_REALTIME_VAD (gst_pollen_realtime_vad_get_type ())
static GType
gst_pollen_realtime_vad_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_REALTIME_VAD_SERVER, "The server ends a turn at a pause "
          "(server_vad: vad-threshold, silence-duration)", "server"},
    {GST_POLLEN_REALTIME_VAD_SEMANTIC, "The server's model decides when the "
          "speaker has finished (semantic_vad)", "semantic"},
    {GST_POLLEN_REALTIME_VAD_NONE, "No turn detection: the whole input is "
          "one turn, answered at its end", "none"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstPollenRealtimeVad",
            values));
  return type;
}

/* ---- settings ---- */

static void
realtime_settings_clear (RealtimeSettings * settings)
{
  g_clear_pointer (&settings->instructions, g_free);
  g_clear_pointer (&settings->voice, g_free);
}

static void
realtime_settings_copy (RealtimeSettings * dest, const RealtimeSettings * src)
{
  realtime_settings_clear (dest);
  *dest = *src;
  dest->instructions = g_strdup (src->instructions);
  dest->voice = g_strdup (src->voice);
}

static GstClockTime
gst_pollen_realtime_latency (GstPollenRealtime * self)
{
  return self->run.latency_ms * GST_MSECOND;
}

/* ---- the session's setup (session.update) ---- */

static JsonObject *
audio_format_new (void)
{
  JsonObject *format = json_object_new ();

  json_object_set_string_member (format, "type", "audio/pcm");
  json_object_set_int_member (format, "rate", RATE);
  return format;
}

static JsonNode *
turn_detection_new (const RealtimeSettings * run)
{
  JsonObject *vad = json_object_new ();
  JsonNode *node;

  if (run->vad == GST_POLLEN_REALTIME_VAD_NONE) {
    json_object_unref (vad);
    return json_node_new (JSON_NODE_NULL);
  }
  if (run->vad == GST_POLLEN_REALTIME_VAD_SERVER) {
    json_object_set_string_member (vad, "type", "server_vad");
    json_object_set_double_member (vad, "threshold", run->vad_threshold);
    json_object_set_int_member (vad, "silence_duration_ms",
        run->silence_duration_ms);
  } else {
    json_object_set_string_member (vad, "type", "semantic_vad");
  }
  json_object_set_boolean_member (vad, "create_response", TRUE);
  json_object_set_boolean_member (vad, "interrupt_response", run->interrupt);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, vad);
  return node;
}

static JsonObject *
session_audio_new (const RealtimeSettings * run)
{
  JsonObject *audio = json_object_new ();
  JsonObject *input = json_object_new ();
  JsonObject *output = json_object_new ();

  json_object_set_object_member (input, "format", audio_format_new ());
  json_object_set_member (input, "turn_detection", turn_detection_new (run));
  json_object_set_object_member (output, "format", audio_format_new ());
  if (run->voice && *run->voice)
    json_object_set_string_member (output, "voice", run->voice);
  json_object_set_object_member (audio, "input", input);
  json_object_set_object_member (audio, "output", output);
  return audio;
}

/* The GA session.update that sets the session up; extra-params become
 * members of its session. Input transcription is never asked for: the
 * server closes a conversation that asks (1008). */
static JsonObject *
gst_pollen_realtime_setup_new (GstPollenRealtime * self)
{
  JsonObject *event = json_object_new ();
  JsonObject *session = json_object_new ();
  JsonArray *modalities = json_array_new ();

  json_object_set_string_member (session, "type", "realtime");
  json_array_add_string_element (modalities, "audio");
  json_object_set_array_member (session, "output_modalities", modalities);
  json_object_set_object_member (session, "audio",
      session_audio_new (&self->run));
  if (self->run.instructions && *self->run.instructions)
    json_object_set_string_member (session, "instructions",
        self->run.instructions);
  pollen_json_add_structure (session, self->snapshot.extra_params);
  json_object_set_string_member (event, "type", "session.update");
  json_object_set_object_member (event, "session", session);
  return event;
}

static void
gst_pollen_realtime_send_type (GstPollenRealtime * self, const gchar * type)
{
  g_autoptr (JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "type", type);
  pollen_session_send (self->session, event);
}

/* At the end of the input with turn detection: a session.update that
 * turns it off. Its answer (session.updated) comes after the server has
 * read every append before it, so the element then knows whether the
 * speaker was still talking; and no turn ends on its own meanwhile. */
static void
gst_pollen_realtime_send_drain_marker (GstPollenRealtime * self)
{
  g_autoptr (JsonObject) event = json_object_new ();
  JsonObject *session = json_object_new ();
  JsonObject *audio = json_object_new ();
  JsonObject *input = json_object_new ();

  json_object_set_null_member (input, "turn_detection");
  json_object_set_object_member (audio, "input", input);
  json_object_set_string_member (session, "type", "realtime");
  json_object_set_object_member (session, "audio", audio);
  json_object_set_string_member (event, "type", "session.update");
  json_object_set_object_member (event, "session", session);
  pollen_session_send (self->session, event);
}

static void
gst_pollen_realtime_send_truncate (GstPollenRealtime * self,
    const gchar * item_id, guint64 audio_end_ms)
{
  g_autoptr (JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "type", "conversation.item.truncate");
  json_object_set_string_member (event, "item_id", item_id);
  json_object_set_int_member (event, "content_index", 0);
  json_object_set_int_member (event, "audio_end_ms", audio_end_ms);
  pollen_session_send (self->session, event);
}

/* ---- replies ---- */

static Reply *
reply_new (const gchar * response_id)
{
  Reply *reply = g_rc_box_new0 (Reply);

  reply->response_id = g_strdup (response_id);
  reply->tail = reply->text_pts = reply->pushed_end = GST_CLOCK_TIME_NONE;
  reply->transcript = g_string_new (NULL);
  reply->text = g_string_new (NULL);
  return reply;
}

static void
reply_clear (Reply * reply)
{
  g_free (reply->response_id);
  g_free (reply->item_id);
  g_string_free (reply->transcript, TRUE);
  g_string_free (reply->text, TRUE);
}

static void
reply_unref (Reply * reply)
{
  g_rc_box_release_full (reply, (GDestroyNotify) reply_clear);
}

static void
item_free (Item * item)
{
  item->reply->queued--;
  reply_unref (item->reply);
  gst_buffer_unref (item->buffer);
  g_free (item);
}

/* With the lock: the reply with @response_id, or NULL. */
static Reply *
gst_pollen_realtime_find_reply (GstPollenRealtime * self,
    const gchar * response_id)
{
  GList *l;

  for (l = self->replies.tail; l && response_id; l = l->prev) {
    Reply *reply = l->data;

    if (g_strcmp0 (reply->response_id, response_id) == 0)
      return reply;
  }
  return NULL;
}

/* ---- time ---- */

/* With the lock: the running time by the element's clock; NONE without a
 * clock (a harness) or when not PLAYING (a pipeline's base time is only
 * right then): then output is pushed as it comes. */
static GstClockTime
gst_pollen_realtime_now (GstPollenRealtime * self)
{
  return self->playing ? gst_element_get_current_running_time (GST_ELEMENT
      (self)) : GST_CLOCK_TIME_NONE;
}

/* How long after its running time output plays: the pipeline latency
 * (the LATENCY event), at least what the element reports. With the
 * lock. */
static GstClockTime
gst_pollen_realtime_render_delay (GstPollenRealtime * self)
{
  GstClockTime latency = gst_pollen_realtime_latency (self);

  return GST_CLOCK_TIME_IS_VALID (self->pipeline_latency) ?
      MAX (self->pipeline_latency, latency) : latency;
}

/* With the lock: the latest running time that may go out @now: output
 * goes downstream at most `latency` before it plays. */
static GstClockTime
gst_pollen_realtime_push_limit (GstPollenRealtime * self, GstClockTime now)
{
  GstClockTime ahead = gst_pollen_realtime_latency (self);
  GstClockTime delay = gst_pollen_realtime_render_delay (self);

  return now + ahead > delay ? now + ahead - delay : 0;
}

/* The later of two times, NONE counting as no time at all. */
static GstClockTime
later (GstClockTime a, GstClockTime b)
{
  if (!GST_CLOCK_TIME_IS_VALID (a))
    return b;
  if (!GST_CLOCK_TIME_IS_VALID (b))
    return a;
  return MAX (a, b);
}

/* With the lock: the running time of the server's @ms into the input. */
static GstClockTime
gst_pollen_realtime_input_time (GstPollenRealtime * self, gint64 ms)
{
  GstClockTime origin = GST_CLOCK_TIME_IS_VALID (self->in_origin) ?
      self->in_origin : 0;

  return origin + MAX (ms, 0) * GST_MSECOND;
}

/* ---- lanes ---- */

static void
lane_wake (Lane * lane)
{
  lane->woken = TRUE;
  if (lane->clock_id)
    gst_clock_id_unschedule (lane->clock_id);
}

/* With the lock: every lane's task looks again. */
static void
gst_pollen_realtime_wake (GstPollenRealtime * self)
{
  lane_wake (&self->lanes[0]);
  lane_wake (&self->lanes[1]);
  g_cond_broadcast (&self->cond);
}

static Lane *
gst_pollen_realtime_audio_lane (GstPollenRealtime * self)
{
  return &self->lanes[0];
}

static Lane *
gst_pollen_realtime_text_lane (GstPollenRealtime * self)
{
  return &self->lanes[1];
}

/* With the lock: queues @buffer (taken) of @reply on @lane. */
static void
lane_queue (Lane * lane, Reply * reply, GstBuffer * buffer)
{
  Item *item = g_new (Item, 1);

  item->reply = g_rc_box_acquire (reply);
  item->buffer = buffer;
  reply->queued++;
  g_queue_push_tail (&lane->items, item);
  gst_pollen_realtime_wake (lane->self);
}

/* With the lock: takes @reply's items off @lane. */
static void
lane_drop_reply (Lane * lane, Reply * reply)
{
  GList *l = lane->items.head;

  while (l) {
    GList *next = l->next;
    Item *item = l->data;

    if (item->reply == reply) {
      if (l == lane->items.head)
        lane->offset = 0;
      item_free (item);
      g_queue_delete_link (&lane->items, l);
    }
    l = next;
  }
}

static void
lane_clear (Lane * lane)
{
  g_queue_clear_full (&lane->items, (GDestroyNotify) item_free);
  lane->offset = 0;
  lane->position = GST_CLOCK_TIME_NONE;
}

/* With the lock: where the next GAP may end: not past what waits on the
 * lane, nor, on the text lane, past a transcript not timed yet. */
static GstClockTime
lane_fill_bound (Lane * lane)
{
  GstClockTime bound = GST_CLOCK_TIME_NONE;
  Item *head = g_queue_peek_head (&lane->items);
  GList *l;

  if (head)
    bound = GST_BUFFER_PTS (head->buffer);
  for (l = lane->self->replies.head; l && !lane->audio; l = l->next) {
    Reply *reply = l->data;

    if (reply->text->len && GST_CLOCK_TIME_IS_VALID (reply->text_pts))
      bound = MIN (bound, reply->text_pts);
  }
  return bound;
}

/* With the lock: the next piece of the audio lane's head (at most 20 ms),
 * counted as pushed for its reply. */
static GstBuffer *
lane_take_audio (Lane * lane)
{
  Item *item = g_queue_peek_head (&lane->items);
  gsize size = gst_buffer_get_size (item->buffer);
  gsize piece = MIN (PIECE_BYTES, size - lane->offset);
  guint64 first = lane->offset / SAMPLE_BYTES;
  guint64 last = (lane->offset + piece) / SAMPLE_BYTES;
  GstClockTime pts = GST_BUFFER_PTS (item->buffer);
  GstBuffer *buffer = gst_buffer_copy_region (item->buffer,
      GST_BUFFER_COPY_MEMORY, lane->offset, piece);

  GST_BUFFER_PTS (buffer) = pts + SAMPLES_TO_TIME (first);
  GST_BUFFER_DURATION (buffer) = SAMPLES_TO_TIME (last) -
      SAMPLES_TO_TIME (first);
  item->reply->pushed_samples += last - first;
  item->reply->pushed_end = pts + SAMPLES_TO_TIME (last);
  lane->offset += piece;
  if (lane->offset == size) {
    item_free (g_queue_pop_head (&lane->items));
    lane->offset = 0;
  }
  return buffer;
}

static GstBuffer *
lane_take (Lane * lane)
{
  Item *item;
  GstBuffer *buffer;

  if (lane->audio)
    return lane_take_audio (lane);
  item = g_queue_pop_head (&lane->items);
  buffer = gst_buffer_ref (item->buffer);
  item_free (item);
  return buffer;
}

/* ---- a lane's task: choosing (with the lock) ---- */

static GstClockTime
buffer_end (GstBuffer * buffer)
{
  return GST_BUFFER_PTS (buffer) + (GST_BUFFER_DURATION_IS_VALID (buffer) ?
      GST_BUFFER_DURATION (buffer) : 0);
}

/* Whether @pts may go out @now (NONE: no clock, all may). */
static gboolean
lane_is_due (Lane * lane, GstClockTime pts, GstClockTime now)
{
  return !GST_CLOCK_TIME_IS_VALID (now) ||
      pts <= gst_pollen_realtime_push_limit (lane->self, now);
}

/* The drain took longer than timeout: EOS without the reply. */
static GstMessage *
gst_pollen_realtime_drain_expired (GstPollenRealtime * self)
{
  g_autoptr (GError) error = NULL;

  self->drain = DRAIN_DONE;
  error = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
      "No reply came within timeout (%u s) after the end of the input: the "
      "streams end without it. Raise timeout if the model needs longer.",
      self->snapshot.client.timeout);
  return gst_message_new_warning (GST_OBJECT (self), error,
      "pollenrealtime: drain timeout");
}

/* With the lock: whether everything that goes out before EOS is out. */
static gboolean
lane_is_finished (Lane * lane, Step * step)
{
  GstPollenRealtime *self = lane->self;

  if (!g_queue_is_empty (&lane->items))
    return FALSE;
  if (self->drain != DRAIN_DONE && self->drain != DRAIN_NONE &&
      self->snapshot.client.timeout &&
      g_get_monotonic_time () >= self->drain_deadline)
    step->message = gst_pollen_realtime_drain_expired (self);
  return self->drain == DRAIN_DONE;
}

/* With the lock: a clock wait until @running_time, to be unscheduled by a
 * wake. */
static void
lane_wait_until (Lane * lane, GstClockTime running_time, Step * step)
{
  GstElement *element = GST_ELEMENT (lane->self);
  GstClock *clock = gst_element_get_clock (element);

  if (!clock)
    return;
  GST_LOG_OBJECT (lane->pad, "waiting until %" GST_TIME_FORMAT,
      GST_TIME_ARGS (running_time));
  step->kind = STEP_WAIT;
  step->clock_id = gst_clock_new_single_shot_id (clock,
      gst_element_get_base_time (element) + running_time);
  lane->clock_id = gst_clock_id_ref (step->clock_id);
  gst_object_unref (clock);
}

/* With the lock: without a clock, wait to be woken (or for the drain's
 * deadline). */
static void
lane_wait_woken (Lane * lane)
{
  GstPollenRealtime *self = lane->self;

  if (lane->woken)
    return;
  if (self->drain == DRAIN_MARKER || self->drain == DRAIN_REPLY)
    g_cond_wait_until (&self->cond, &self->lock, self->drain_deadline);
  else
    g_cond_wait (&self->cond, &self->lock);
}

/* With the lock: how far a lane with nothing due fills @now. GAP events
 * up to what plays now: a synchronised sink does not wait on them, so the
 * task is free when a reply comes. Silence, which plays, up to what may
 * go out, as reply audio. */
static GstClockTime
lane_idle_limit (Lane * lane, GstClockTime now)
{
  GstPollenRealtime *self = lane->self;
  GstClockTime delay = gst_pollen_realtime_render_delay (self);

  if (lane->audio && self->run.continuous)
    return gst_pollen_realtime_push_limit (self, now);
  return now > delay ? now - delay : 0;
}

/* With the lock: nothing is due: fill up to the idle limit, then wait.
 * Fills are whole samples of at least MIN_FILL: a sink that does not wait
 * for the clock would otherwise spin the task on slivers, each rounded
 * away. */
static void
lane_choose_idle (Lane * lane, GstClockTime now, GstClockTime next_due,
    Step * step)
{
  GstClockTime target;

  if (!GST_CLOCK_TIME_IS_VALID (now)) {
    lane_wait_woken (lane);
    return;
  }
  target = MIN (lane_idle_limit (lane, now), lane_fill_bound (lane));
  if (!GST_CLOCK_TIME_IS_VALID (lane->position))
    lane->position = target;
  if (target >= lane->position + MIN_FILL) {
    step->kind = STEP_FILL;
    step->fill_from = lane->position;
    lane->position += SAMPLES_TO_TIME (TIME_TO_SAMPLES (target -
            lane->position));
    step->fill_to = lane->position;
  } else if (!lane->woken) {
    lane_wait_until (lane, MIN (now + FILL_INTERVAL, next_due), step);
  }
}

static void
lane_choose (Lane * lane, GstClockTime now, Step * step)
{
  GstPollenRealtime *self = lane->self;
  Item *head = g_queue_peek_head (&lane->items);
  GstClockTime pts = GST_CLOCK_TIME_NONE;

  if (self->flushing) {
    step->kind = STEP_PAUSE;
    return;
  }
  if (self->fatal != GST_FLOW_OK || lane_is_finished (lane, step)) {
    step->kind = STEP_END;
    return;
  }
  if (head)
    pts = GST_BUFFER_PTS (head->buffer) + (lane->audio ?
        SAMPLES_TO_TIME (lane->offset / SAMPLE_BYTES) : 0);
  if (head && lane_is_due (lane, pts, now)) {
    step->kind = STEP_PUSH;
    step->buffer = lane_take (lane);
    step->fill_from = lane->position;
    step->fill_to = GST_BUFFER_PTS (step->buffer);
    lane->position = later (lane->position, buffer_end (step->buffer));
    return;
  }
  lane_choose_idle (lane, now, GST_CLOCK_TIME_IS_VALID (pts) ?
      pts + gst_pollen_realtime_render_delay (self) -
      gst_pollen_realtime_latency (self) : GST_CLOCK_TIME_NONE, step);
}

/* ---- a lane's task: doing (without the lock) ---- */

static void
lane_push_sticky (Lane * lane)
{
  GstPollenRealtime *self = lane->self;
  GstSegment segment;

  if (lane->need_start) {
    g_autofree gchar *id = gst_pad_create_stream_id (lane->pad,
        GST_ELEMENT (self), lane->audio ? "audio" : "text");
    GstEvent *start = gst_event_new_stream_start (id);

    if (!lane->audio)
      gst_event_set_stream_flags (start, GST_STREAM_FLAG_SPARSE);
    gst_pad_push_event (lane->pad, start);
    gst_pad_push_event (lane->pad, gst_event_new_caps
        (gst_pad_get_pad_template_caps (lane->pad)));
    lane->need_start = FALSE;
  }
  if (lane->need_segment) {
    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_pad_push_event (lane->pad, gst_event_new_segment (&segment));
    lane->need_segment = FALSE;
  }
}

/* Silence from @from to @to, as GAP-flagged buffers of at most 100 ms. */
static GstFlowReturn
lane_push_silence (Lane * lane, GstClockTime from, GstClockTime to)
{
  guint64 total = TIME_TO_SAMPLES (to - from), done = 0;
  GstFlowReturn ret = GST_FLOW_OK;

  while (done < total && ret == GST_FLOW_OK) {
    guint64 n = MIN (total - done, SILENCE_BYTES / SAMPLE_BYTES);
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, n * SAMPLE_BYTES,
        NULL);

    gst_buffer_memset (buffer, 0, 0, n * SAMPLE_BYTES);
    GST_BUFFER_PTS (buffer) = from + SAMPLES_TO_TIME (done);
    GST_BUFFER_DURATION (buffer) = from + SAMPLES_TO_TIME (done + n) -
        GST_BUFFER_PTS (buffer);
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_GAP);
    ret = gst_pad_push (lane->pad, buffer);
    done += n;
  }
  return ret;
}

/* @from to @to: a GAP event, or silence on a continuous audio lane. Less
 * than a sample is no hole. */
static GstFlowReturn
lane_fill (Lane * lane, GstClockTime from, GstClockTime to)
{
  if (!GST_CLOCK_TIME_IS_VALID (from) || to <= from + GST_SECOND / RATE)
    return GST_FLOW_OK;
  if (lane->audio && lane->self->run.continuous)
    return lane_push_silence (lane, from, to);
  gst_pad_push_event (lane->pad, gst_event_new_gap (from, to - from));
  return GST_FLOW_OK;
}

static GstFlowReturn
lane_push (Lane * lane, GstBuffer * buffer, GstClockTime fill_from,
    GstClockTime fill_to)
{
  GstFlowReturn ret = lane_fill (lane, fill_from, fill_to);

  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return ret;
  }
  GST_LOG_OBJECT (lane->pad, "%" GST_TIME_FORMAT " for %" GST_TIME_FORMAT,
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)),
      GST_TIME_ARGS (GST_BUFFER_DURATION (buffer)));
  return gst_pad_push (lane->pad, buffer);
}

static void
lane_pause (Lane * lane)
{
  gst_pad_pause_task (lane->pad);
}

/* A push's result: a flush pauses the lane; a fatal flow of the element
 * (both pads unlinked, an error downstream) ends both. */
static void
lane_handle_flow (Lane * lane, GstFlowReturn ret)
{
  GstPollenRealtime *self = lane->self;
  GstFlowReturn combined;

  g_mutex_lock (&self->lock);
  combined = gst_flow_combiner_update_pad_flow (self->flows, lane->pad, ret);
  if (combined != GST_FLOW_OK && combined != GST_FLOW_FLUSHING &&
      self->fatal == GST_FLOW_OK) {
    self->fatal = combined;
    gst_pollen_realtime_wake (self);
    if (combined < GST_FLOW_EOS)
      GST_ELEMENT_FLOW_ERROR (self, combined);
  }
  g_mutex_unlock (&self->lock);
  if (ret == GST_FLOW_FLUSHING)
    lane_pause (lane);
}

static void
lane_end (Lane * lane)
{
  GST_DEBUG_OBJECT (lane->pad, "end of stream");
  gst_pad_push_event (lane->pad, gst_event_new_eos ());
  lane_pause (lane);
}

static void
lane_wait (Lane * lane, GstClockID clock_id)
{
  GstPollenRealtime *self = lane->self;

  gst_clock_id_wait (clock_id, NULL);
  g_mutex_lock (&self->lock);
  gst_clock_id_unref (lane->clock_id);
  lane->clock_id = NULL;
  g_mutex_unlock (&self->lock);
  gst_clock_id_unref (clock_id);
}

static void
lane_loop (Lane * lane)
{
  GstPollenRealtime *self = lane->self;
  Step step = { STEP_NONE, };

  g_mutex_lock (&self->lock);
  lane_choose (lane, gst_pollen_realtime_now (self), &step);
  lane->woken = FALSE;
  g_mutex_unlock (&self->lock);
  if (step.message)
    gst_element_post_message (GST_ELEMENT (self), step.message);
  if (step.kind == STEP_PUSH || step.kind == STEP_FILL || step.kind ==
      STEP_END)
    lane_push_sticky (lane);
  switch (step.kind) {
    case STEP_PAUSE:
      lane_pause (lane);
      break;
    case STEP_END:
      lane_end (lane);
      break;
    case STEP_PUSH:
      lane_handle_flow (lane, lane_push (lane, step.buffer, step.fill_from,
              step.fill_to));
      break;
    case STEP_FILL:
      lane_handle_flow (lane, lane_fill (lane, step.fill_from, step.fill_to));
      break;
    case STEP_WAIT:
      lane_wait (lane, step.clock_id);
      break;
    case STEP_NONE:
      break;
  }
}

/* ---- the server's events (the session's thread) ---- */

static void
post_all (GstPollenRealtime * self, GPtrArray * messages)
{
  guint i;

  for (i = 0; i < messages->len; i++)
    gst_element_post_message (GST_ELEMENT (self), messages->pdata[i]);
  g_ptr_array_unref (messages);
}

static guint64
json_count (JsonObject * object, const gchar * name)
{
  gdouble number = 0;

  pollen_json_get_number (object, name, &number);
  return number > 0 ? (guint64) number : 0;
}

/* With the lock: the running time input reached, NONE before any. */
static GstClockTime
gst_pollen_realtime_arrival (GstPollenRealtime * self, GstClockTime now)
{
  return GST_CLOCK_TIME_IS_VALID (now) ? now : self->in_end;
}

/* With the lock: where a reply's next audio goes. Its first audio at the
 * running time it arrived (the input's end without a clock), after
 * earlier replies; the rest right after it, unless it comes so late that
 * it could no longer go out `latency` ahead: then from there. */
static GstClockTime
gst_pollen_realtime_reply_pts (GstPollenRealtime * self, Reply * reply,
    GstClockTime now)
{
  Lane *audio = gst_pollen_realtime_audio_lane (self);

  if (GST_CLOCK_TIME_IS_VALID (reply->tail))
    return GST_CLOCK_TIME_IS_VALID (now) ? MAX (reply->tail,
        gst_pollen_realtime_push_limit (self, now)) : reply->tail;
  return later (later (gst_pollen_realtime_arrival (self, now),
          self->audio_tail), audio->position);
}

/* With the lock: the transcript gathered since the audio last moved on
 * goes on the text lane, from where it started to where the audio is. */
static void
gst_pollen_realtime_seal_text (GstPollenRealtime * self, Reply * reply)
{
  Lane *text = gst_pollen_realtime_text_lane (self);
  GstClockTime pts = reply->text_pts;
  GstBuffer *buffer;

  if (!reply->text->len)
    return;
  if (!GST_CLOCK_TIME_IS_VALID (pts))   /* a reply without audio */
    pts = later (gst_pollen_realtime_arrival (self,
            gst_pollen_realtime_now (self)), text->position);
  buffer = gst_buffer_new_memdup (reply->text->str, reply->text->len);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = GST_CLOCK_TIME_IS_VALID (reply->tail) &&
      reply->tail > pts ? reply->tail - pts : GST_CLOCK_TIME_NONE;
  lane_queue (text, reply, buffer);
  g_string_truncate (reply->text, 0);
  reply->text_pts = GST_CLOCK_TIME_NONE;
}

static void
on_speech (GstPollenRealtime * self, JsonObject * event, gboolean started);

static void
on_speech_started (GstPollenRealtime * self, JsonObject * event)
{
  on_speech (self, event, TRUE);
}

static void
on_speech_stopped (GstPollenRealtime * self, JsonObject * event)
{
  on_speech (self, event, FALSE);
}

/* With the lock: an element message about the speaker, timed on the
 * input: its running time and stream time. */
static GstMessage *
gst_pollen_realtime_speech_message (GstPollenRealtime * self,
    JsonObject * event, gboolean started)
{
  guint64 ms = json_count (event, started ? "audio_start_ms" :
      "audio_end_ms");
  GstClockTime running = gst_pollen_realtime_input_time (self, ms);
  GstClockTime position = gst_segment_position_from_running_time
      (&self->in_segment, GST_FORMAT_TIME, running);
  const gchar *item_id = pollen_json_get_string (event, "item_id");

  return gst_message_new_element (GST_OBJECT (self),
      gst_structure_new (started ? "pollenrealtime-speech-started" :
          "pollenrealtime-speech-stopped",
          "item-id", G_TYPE_STRING, item_id ? item_id : "",
          "audio-ms", G_TYPE_UINT64, ms,
          "running-time", G_TYPE_UINT64, running,
          "stream-time", G_TYPE_UINT64, gst_segment_to_stream_time
          (&self->in_segment, GST_FORMAT_TIME, position), NULL));
}

/* With the lock: whether @reply may still be heard, or more of it is
 * coming. */
static gboolean
gst_pollen_realtime_reply_is_playing (GstPollenRealtime * self,
    Reply * reply, GstClockTime now)
{
  if (reply->dropped)
    return FALSE;
  if (!reply->done || reply->queued)
    return TRUE;
  return GST_CLOCK_TIME_IS_VALID (now) &&
      GST_CLOCK_TIME_IS_VALID (reply->pushed_end) &&
      reply->pushed_end + gst_pollen_realtime_render_delay (self) > now;
}

/* With the lock: the samples of @reply that played by @now: pushed, and
 * their time (plus the pipeline latency) come; without a clock, all that
 * was pushed. */
static guint64
gst_pollen_realtime_played (GstPollenRealtime * self, Reply * reply,
    GstClockTime now)
{
  GstClockTime delay = gst_pollen_realtime_render_delay (self);
  GstClockTime heard;
  guint64 unheard;

  if (!GST_CLOCK_TIME_IS_VALID (now) ||
      !GST_CLOCK_TIME_IS_VALID (reply->pushed_end))
    return reply->pushed_samples;
  heard = now > delay ? now - delay : 0;
  if (reply->pushed_end <= heard)
    return reply->pushed_samples;
  unheard = TIME_TO_SAMPLES (reply->pushed_end - heard);
  return reply->pushed_samples > unheard ? reply->pushed_samples - unheard :
      0;
}

/* With the lock: @reply stops here: nothing more of it goes out, and the
 * model is told how much of it was heard (conversation.item.truncate). */
static void
gst_pollen_realtime_cut_reply (GstPollenRealtime * self, Reply * reply,
    GstClockTime now, GPtrArray * messages)
{
  guint64 played = gst_pollen_realtime_played (self, reply, now);
  guint64 ms = played * 1000 / RATE;

  GST_INFO_OBJECT (self, "reply %s stops after %" G_GUINT64_FORMAT " ms",
      reply->response_id, ms);
  reply->dropped = TRUE;
  g_string_truncate (reply->text, 0);
  lane_drop_reply (gst_pollen_realtime_audio_lane (self), reply);
  lane_drop_reply (gst_pollen_realtime_text_lane (self), reply);
  if (reply->item_id && reply->samples)
    gst_pollen_realtime_send_truncate (self, reply->item_id, ms);
  g_ptr_array_add (messages, gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("pollenrealtime-interrupted",
              "response-id", G_TYPE_STRING, reply->response_id,
              "item-id", G_TYPE_STRING, reply->item_id ? reply->item_id : "",
              "played", G_TYPE_UINT64, SAMPLES_TO_TIME (played),
              "audio-end-ms", G_TYPE_UINT64, ms, NULL)));
}

/* With the lock: every reply that plays stops (barge-in, flush). */
static void
gst_pollen_realtime_interrupt (GstPollenRealtime * self, GstClockTime now,
    GPtrArray * messages)
{
  GList *l;

  for (l = self->replies.head; l; l = l->next) {
    if (gst_pollen_realtime_reply_is_playing (self, l->data, now))
      gst_pollen_realtime_cut_reply (self, l->data, now, messages);
  }
  self->audio_tail = gst_pollen_realtime_audio_lane (self)->position;
  gst_pollen_realtime_wake (self);
}

static void
on_speech (GstPollenRealtime * self, JsonObject * event, gboolean started)
{
  GPtrArray *messages = g_ptr_array_new ();

  g_mutex_lock (&self->lock);
  self->speaking = started;
  g_ptr_array_add (messages, gst_pollen_realtime_speech_message (self, event,
          started));
  if (started && self->run.interrupt)
    gst_pollen_realtime_interrupt (self, gst_pollen_realtime_now (self),
        messages);
  g_mutex_unlock (&self->lock);
  post_all (self, messages);
}

/* With the lock: replies that are over and can no longer be heard are
 * forgotten (their queued items keep them until they are out). */
static void
gst_pollen_realtime_forget_replies (GstPollenRealtime * self,
    GstClockTime now)
{
  GList *l = self->replies.head;

  while (l) {
    GList *next = l->next;
    Reply *reply = l->data;

    if (reply->done && !gst_pollen_realtime_reply_is_playing (self, reply,
            now)) {
      reply_unref (reply);
      g_queue_delete_link (&self->replies, l);
    }
    l = next;
  }
}

/* ---- the end of the input ---- */

/* With the lock: the turn in progress is committed; once the server says
 * it is (input_audio_buffer.committed), it is answered. */
static void
gst_pollen_realtime_commit_turn (GstPollenRealtime * self)
{
  gst_pollen_realtime_send_type (self, "input_audio_buffer.commit");
  self->drain_committing = TRUE;
  self->uncommitted = 0;
  self->speaking = FALSE;
}

/* With the lock: asks for the last turn's reply once no other is in
 * progress, and ends the drain once it is done. */
static void
gst_pollen_realtime_check_drain (GstPollenRealtime * self)
{
  if (self->drain != DRAIN_REPLY || self->responses_active ||
      self->drain_committing || self->drain_asked)
    return;
  if (self->drain_wants_reply) {
    gst_pollen_realtime_send_type (self, "response.create");
    self->drain_wants_reply = FALSE;
    self->drain_asked = TRUE;
    return;
  }
  GST_DEBUG_OBJECT (self, "the last reply is in");
  self->drain = DRAIN_DONE;
  gst_pollen_realtime_wake (self);
}

static void
on_committed (GstPollenRealtime * self, JsonObject * event)
{
  g_mutex_lock (&self->lock);
  if (self->drain_committing) {
    self->drain_committing = FALSE;
    self->drain_wants_reply = TRUE;
    gst_pollen_realtime_check_drain (self);
  }
  g_mutex_unlock (&self->lock);
}

/* The answer to the drain's marker: the server has read all the input. */
static void
on_session_updated (GstPollenRealtime * self, JsonObject * event)
{
  JsonObject *input = pollen_json_get_object (pollen_json_get_object
      (pollen_json_get_object (event, "session"), "audio"), "input");
  JsonNode *vad = input ? json_object_get_member (input, "turn_detection") :
      NULL;

  g_mutex_lock (&self->lock);
  if (self->drain == DRAIN_MARKER && vad && JSON_NODE_HOLDS_NULL (vad)) {
    self->drain = DRAIN_REPLY;
    if (self->speaking)
      gst_pollen_realtime_commit_turn (self);
    gst_pollen_realtime_check_drain (self);
  }
  g_mutex_unlock (&self->lock);
}

/* Sink thread, at EOS: the drain begins. Without turn detection the input
 * is one turn, committed now; with it, the marker says when the server
 * has read everything. */
static void
gst_pollen_realtime_begin_drain (GstPollenRealtime * self)
{
  guint timeout = self->snapshot.client.timeout;

  g_mutex_lock (&self->lock);
  self->drain_deadline = timeout ? g_get_monotonic_time () +
      timeout * G_TIME_SPAN_SECOND : G_MAXINT64;
  if (self->run.vad != GST_POLLEN_REALTIME_VAD_NONE) {
    self->drain = DRAIN_MARKER;
    gst_pollen_realtime_send_drain_marker (self);
  } else {
    self->drain = DRAIN_REPLY;
    if (self->uncommitted >= MIN_COMMIT_SAMPLES)
      gst_pollen_realtime_commit_turn (self);
    gst_pollen_realtime_check_drain (self);
  }
  gst_pollen_realtime_wake (self);
  g_mutex_unlock (&self->lock);
}

/* ---- replies as they come ---- */

static void
on_response_created (GstPollenRealtime * self, JsonObject * event)
{
  const gchar *id = pollen_json_get_string (pollen_json_get_object (event,
          "response"), "id");

  g_mutex_lock (&self->lock);
  gst_pollen_realtime_forget_replies (self, gst_pollen_realtime_now (self));
  g_queue_push_tail (&self->replies, reply_new (id));
  self->responses_active++;
  self->drain_asked = FALSE;
  g_mutex_unlock (&self->lock);
}

static void
on_output_item_added (GstPollenRealtime * self, JsonObject * event)
{
  const gchar *item_id = pollen_json_get_string (pollen_json_get_object
      (event, "item"), "id");
  Reply *reply;

  g_mutex_lock (&self->lock);
  reply = gst_pollen_realtime_find_reply (self,
      pollen_json_get_string (event, "response_id"));
  if (reply && !reply->item_id)
    reply->item_id = g_strdup (item_id);
  g_mutex_unlock (&self->lock);
}

/* The PCM of an audio delta (base64), whole samples. */
static GstBuffer *
audio_delta_decode (GstPollenRealtime * self, JsonObject * event)
{
  const gchar *delta = pollen_json_get_string (event, "delta");
  gsize size = 0;
  guchar *pcm = delta ? g_base64_decode (delta, &size) : NULL;

  if (size % SAMPLE_BYTES)
    GST_WARNING_OBJECT (self, "an audio delta of %" G_GSIZE_FORMAT " bytes: "
        "the last byte is no whole sample", size);
  size -= size % SAMPLE_BYTES;
  if (!size) {
    g_free (pcm);
    return NULL;
  }
  return gst_buffer_new_wrapped (pcm, size);
}

/* With the lock: @buffer (taken) is @reply's next audio. */
static void
gst_pollen_realtime_queue_audio (GstPollenRealtime * self, Reply * reply,
    GstBuffer * buffer)
{
  guint64 samples = gst_buffer_get_size (buffer) / SAMPLE_BYTES;
  GstClockTime pts = gst_pollen_realtime_reply_pts (self, reply,
      gst_pollen_realtime_now (self));

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = SAMPLES_TO_TIME (samples);
  reply->samples += samples;
  reply->tail = pts + SAMPLES_TO_TIME (samples);
  self->audio_tail = later (self->audio_tail, reply->tail);
  if (reply->text->len && !GST_CLOCK_TIME_IS_VALID (reply->text_pts))
    reply->text_pts = pts;
  lane_queue (gst_pollen_realtime_audio_lane (self), reply, buffer);
}

static void
on_audio_delta (GstPollenRealtime * self, JsonObject * event)
{
  const gchar *item_id = pollen_json_get_string (event, "item_id");
  GstBuffer *buffer = audio_delta_decode (self, event);
  Reply *reply;

  if (!buffer)
    return;
  g_mutex_lock (&self->lock);
  reply = gst_pollen_realtime_find_reply (self,
      pollen_json_get_string (event, "response_id"));
  if (reply && !reply->dropped) {
    if (!reply->item_id)
      reply->item_id = g_strdup (item_id);
    gst_pollen_realtime_queue_audio (self, reply, gst_buffer_ref (buffer));
  }
  g_mutex_unlock (&self->lock);
  gst_buffer_unref (buffer);
}

/* A piece of the reply's transcript: it belongs where the reply's audio
 * is when it comes; what comes before the audio moves on is one text. */
static void
on_transcript_delta (GstPollenRealtime * self, JsonObject * event)
{
  const gchar *delta = pollen_json_get_string (event, "delta");
  Reply *reply;

  g_mutex_lock (&self->lock);
  reply = gst_pollen_realtime_find_reply (self,
      pollen_json_get_string (event, "response_id"));
  if (reply && !reply->dropped && delta) {
    g_string_append (reply->transcript, delta);
    if (GST_CLOCK_TIME_IS_VALID (reply->text_pts) &&
        GST_CLOCK_TIME_IS_VALID (reply->tail) &&
        reply->tail > reply->text_pts)
      gst_pollen_realtime_seal_text (self, reply);
    if (!reply->text->len && GST_CLOCK_TIME_IS_VALID (reply->tail))
      reply->text_pts = later (reply->tail,
          gst_pollen_realtime_text_lane (self)->position);
    g_string_append (reply->text, delta);
  }
  g_mutex_unlock (&self->lock);
}

static void
on_transcript_done (GstPollenRealtime * self, JsonObject * event)
{
  Reply *reply;

  g_mutex_lock (&self->lock);
  reply = gst_pollen_realtime_find_reply (self,
      pollen_json_get_string (event, "response_id"));
  if (reply && !reply->dropped)
    gst_pollen_realtime_seal_text (self, reply);
  g_mutex_unlock (&self->lock);
}

/* The reply's usage in tokens, flat, for applications that count cost. */
static void
reply_message_add_usage (GstStructure * s, JsonObject * usage)
{
  JsonObject *in = pollen_json_get_object (usage, "input_token_details");
  JsonObject *out = pollen_json_get_object (usage, "output_token_details");

  gst_structure_set (s,
      "input-tokens", G_TYPE_UINT64, json_count (usage, "input_tokens"),
      "output-tokens", G_TYPE_UINT64, json_count (usage, "output_tokens"),
      "total-tokens", G_TYPE_UINT64, json_count (usage, "total_tokens"),
      "input-text-tokens", G_TYPE_UINT64, json_count (in, "text_tokens"),
      "input-audio-tokens", G_TYPE_UINT64, json_count (in, "audio_tokens"),
      "input-cached-tokens", G_TYPE_UINT64, json_count (in, "cached_tokens"),
      "output-text-tokens", G_TYPE_UINT64, json_count (out, "text_tokens"),
      "output-audio-tokens", G_TYPE_UINT64, json_count (out, "audio_tokens"),
      NULL);
}

/* With the lock: the element message of a finished reply. */
static GstMessage *
gst_pollen_realtime_reply_message (GstPollenRealtime * self,
    JsonObject * response, Reply * reply)
{
  const gchar *id = pollen_json_get_string (response, "id");
  const gchar *status = pollen_json_get_string (response, "status");
  const gchar *reason = pollen_json_get_string (pollen_json_get_object
      (response, "status_details"), "reason");
  GstStructure *s = gst_structure_new ("pollenrealtime-reply",
      "response-id", G_TYPE_STRING, id ? id : "",
      "item-id", G_TYPE_STRING, reply && reply->item_id ? reply->item_id : "",
      "status", G_TYPE_STRING, status ? status : "",
      "reason", G_TYPE_STRING, reason ? reason : "",
      "interrupted", G_TYPE_BOOLEAN, reply && reply->dropped,
      "duration", G_TYPE_UINT64, reply ? SAMPLES_TO_TIME (reply->samples) :
      0,
      "transcript", G_TYPE_STRING, reply ? reply->transcript->str : "",
      NULL);

  reply_message_add_usage (s, pollen_json_get_object (response, "usage"));
  return gst_message_new_element (GST_OBJECT (self), s);
}

static void
on_response_done (GstPollenRealtime * self, JsonObject * event)
{
  JsonObject *response = pollen_json_get_object (event, "response");
  GstMessage *message;
  Reply *reply;

  g_mutex_lock (&self->lock);
  reply = gst_pollen_realtime_find_reply (self,
      pollen_json_get_string (response, "id"));
  if (reply && !reply->dropped)
    gst_pollen_realtime_seal_text (self, reply);
  if (reply)
    reply->done = TRUE;
  if (self->responses_active)
    self->responses_active--;
  message = gst_pollen_realtime_reply_message (self, response, reply);
  gst_pollen_realtime_check_drain (self);
  gst_pollen_realtime_wake (self);
  g_mutex_unlock (&self->lock);
  gst_element_post_message (GST_ELEMENT (self), message);
}

/* ---- the server's errors ---- */

/* With the lock: errors the drain expects, or that a race makes
 * harmless; TRUE when handled. */
static gboolean
gst_pollen_realtime_expected_error (GstPollenRealtime * self,
    const gchar * code)
{
  if (g_strcmp0 (code, "conversation_already_has_active_response") == 0 &&
      self->drain_asked) {
    /* asked again once the reply in progress is done */
    self->drain_asked = FALSE;
    self->drain_wants_reply = TRUE;
    return TRUE;
  }
  if (g_strcmp0 (code, "input_audio_buffer_commit_empty") == 0 &&
      self->drain_committing) {
    self->drain_committing = FALSE;
    gst_pollen_realtime_check_drain (self);
    return TRUE;
  }
  /* a cancel that crossed the reply's end */
  return g_strcmp0 (code, "response_cancel_not_active") == 0;
}

/* An error event: a warning that quotes the server (its key taken out). */
static void
gst_pollen_realtime_warn_server_error (GstPollenRealtime * self,
    JsonObject * error)
{
  const gchar *code = pollen_json_get_string (error, "code");
  const gchar *param = pollen_json_get_string (error, "param");
  const gchar *message = pollen_json_get_string (error, "message");
  GstResourceError kind = g_strcmp0 (pollen_json_get_string (error, "type"),
      "server_error") ? GST_RESOURCE_ERROR_SETTINGS : GST_RESOURCE_ERROR_READ;
  g_autofree gchar *text = g_strdup_printf ("The server refused or failed "
      "an event of the realtime session: %s (%s%s%s); the session goes on.",
      message ? message : "no message", code ? code : "no code",
      param ? ", " : "", param ? param : "");
  g_autofree gchar *shown = pollen_client_redact (self->client, text);

  gst_element_message_full_with_details (GST_ELEMENT (self),
      GST_MESSAGE_WARNING, GST_RESOURCE_ERROR, kind, g_strdup (shown),
      g_strdup_printf ("error event: %s", code ? code : ""), __FILE__,
      GST_FUNCTION, __LINE__, gst_structure_new ("details",
          "api-error-code", G_TYPE_STRING, code ? code : "", NULL));
}

static void
on_error_event (GstPollenRealtime * self, JsonObject * event)
{
  JsonObject *error = pollen_json_get_object (event, "error");
  const gchar *code = pollen_json_get_string (error, "code");
  gboolean expected;

  g_mutex_lock (&self->lock);
  expected = gst_pollen_realtime_expected_error (self, code);
  g_mutex_unlock (&self->lock);
  if (expected)
    GST_INFO_OBJECT (self, "server error %s, expected here", code);
  else
    gst_pollen_realtime_warn_server_error (self, error);
}

/* ---- the session's callbacks ---- */

typedef void (*EventHandler) (GstPollenRealtime * self, JsonObject * event);

static const struct
{
  const gchar *type;
  EventHandler handler;
} event_handlers[] = {
  {"input_audio_buffer.speech_started", on_speech_started},
  {"input_audio_buffer.speech_stopped", on_speech_stopped},
  {"input_audio_buffer.committed", on_committed},
  {"session.updated", on_session_updated},
  {"response.created", on_response_created},
  {"response.output_item.added", on_output_item_added},
  {"response.output_audio.delta", on_audio_delta},
  {"response.output_audio_transcript.delta", on_transcript_delta},
  {"response.output_audio_transcript.done", on_transcript_done},
  {"response.done", on_response_done},
  {"error", on_error_event},
};

static void
on_session_event (PollenSession * session, JsonObject * event,
    gpointer user_data)
{
  GstPollenRealtime *self = user_data;
  const gchar *type = pollen_json_get_string (event, "type");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (event_handlers); i++) {
    if (g_str_equal (type, event_handlers[i].type)) {
      event_handlers[i].handler (self, event);
      return;
    }
  }
  GST_LOG_OBJECT (self, "server event %s", type);
}

/* With the lock: the server's session is a new one: what the old one was
 * doing is gone. */
static void
gst_pollen_realtime_forget_session (GstPollenRealtime * self, gint64 gap_us,
    gsize dropped_bytes)
{
  GList *l;

  for (l = self->replies.head; l; l = l->next)
    ((Reply *) l->data)->done = TRUE;
  self->responses_active = 0;
  self->speaking = FALSE;
  self->uncommitted = 0;
  /* the new session counts from the audio that waited for it */
  if (GST_CLOCK_TIME_IS_VALID (self->in_end))
    self->in_origin = self->in_end - MIN (self->in_end,
        (GstClockTime) gap_us * GST_USECOND) +
        SAMPLES_TO_TIME (dropped_bytes * 3 / 4 / SAMPLE_BYTES);
  if (self->drain == DRAIN_MARKER)
    gst_pollen_realtime_send_drain_marker (self);
  else if (self->drain == DRAIN_REPLY)
    self->drain = DRAIN_DONE;
  gst_pollen_realtime_wake (self);
}

static void
on_session_reconnected (PollenSession * session, gint64 gap_us,
    gsize dropped_bytes, gpointer user_data)
{
  GstPollenRealtime *self = user_data;
  g_autofree gchar *lost = NULL;

  g_mutex_lock (&self->lock);
  gst_pollen_realtime_forget_session (self, gap_us, dropped_bytes);
  g_mutex_unlock (&self->lock);
  /* an append's base64 is 4/3 of its PCM */
  if (dropped_bytes)
    lost = g_strdup_printf ("; about %.1f s of input audio sent meanwhile "
        "was lost", dropped_bytes * 3.0 / 4 / SAMPLE_BYTES / RATE);
  GST_ELEMENT_WARNING (self, RESOURCE, READ, ("The realtime session's "
          "connection dropped and was opened again after %.1f s: the "
          "conversation starts over, without what was said before, and a "
          "reply in progress is lost%s.", gap_us / 1e6, lost ? lost : ""),
      ("reconnected after %" G_GINT64_FORMAT " us", gap_us));
}

static void
on_session_problem (PollenSession * session, const GError * error,
    gpointer user_data)
{
  GstPollenRealtime *self = user_data;

  pollen_element_post_error (GST_ELEMENT (self), self->client,
      GST_MESSAGE_WARNING, "Reading the realtime session", error);
}

/* The session ended by itself: an error that says why, then EOS. */
static void
on_session_ended (PollenSession * session, const GError * error,
    gpointer user_data)
{
  GstPollenRealtime *self = user_data;

  if (!error)
    return;
  g_mutex_lock (&self->lock);
  self->session_failed = TRUE;
  if (self->fatal == GST_FLOW_OK)
    self->fatal = GST_FLOW_ERROR;
  gst_pollen_realtime_wake (self);
  g_mutex_unlock (&self->lock);
  pollen_element_post_error (GST_ELEMENT (self), self->client,
      GST_MESSAGE_ERROR, "The realtime session", error);
}

static const PollenSessionCallbacks session_callbacks = {
  on_session_event, on_session_reconnected, on_session_problem,
  on_session_ended
};

/* ---- the input (the sink streaming thread) ---- */

/* Appends what was converted, in 100 ms messages; @all: the rest too. */
static void
gst_pollen_realtime_send_input (GstPollenRealtime * self, gboolean all)
{
  guint64 appended = 0;

  while (self->pending->len >= APPEND_BYTES || (all && self->pending->len)) {
    gsize size = MIN (self->pending->len, APPEND_BYTES);

    pollen_session_append_audio (self->session, self->pending->data, size);
    g_byte_array_remove_range (self->pending, 0, size);
    appended += size / SAMPLE_BYTES;
  }
  g_mutex_lock (&self->lock);
  self->uncommitted += appended;
  g_mutex_unlock (&self->lock);
}

/* @pcm: the next converted input (24 kHz mono S16LE). */
static void
gst_pollen_realtime_take_input (GstPollenRealtime * self, GBytes * pcm)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (pcm, &size);

  g_byte_array_append (self->pending, data, size);
  self->in_samples += size / SAMPLE_BYTES;
  g_mutex_lock (&self->lock);
  self->in_end = self->in_origin + SAMPLES_TO_TIME (self->in_samples);
  g_mutex_unlock (&self->lock);
  gst_pollen_realtime_send_input (self, FALSE);
}

/* Where input at @running_time goes: the first sets the origin; after a
 * hole (a GAP event, a jump in time) silence fills it, so the server's
 * turn detection hears the pause. */
static void
gst_pollen_realtime_place_input (GstPollenRealtime * self,
    GstClockTime running_time)
{
  GstClockTime end;
  guint64 samples;

  g_mutex_lock (&self->lock);
  if (!GST_CLOCK_TIME_IS_VALID (self->in_origin))
    self->in_origin = self->in_end = GST_CLOCK_TIME_IS_VALID (running_time) ?
        running_time : 0;
  end = self->in_end;
  g_mutex_unlock (&self->lock);
  if (!GST_CLOCK_TIME_IS_VALID (running_time) ||
      running_time <= end + INPUT_HOLE)
    return;
  samples = TIME_TO_SAMPLES (MIN (running_time - end, MAX_INPUT_FILL));
  GST_DEBUG_OBJECT (self, "%" G_GUINT64_FORMAT " samples of silence fill a "
      "hole in the input", samples);
  gst_pollen_realtime_take_input (self,
      g_bytes_new_take (g_malloc0 (samples * SAMPLE_BYTES),
          samples * SAMPLE_BYTES));
}

static GstClockTime
gst_pollen_realtime_input_running_time (GstPollenRealtime * self,
    GstClockTime position)
{
  return gst_segment_to_running_time (&self->in_segment, GST_FORMAT_TIME,
      position);
}

/* Why input is refused, or GST_FLOW_OK. */
static GstFlowReturn
gst_pollen_realtime_input_flow (GstPollenRealtime * self)
{
  GstFlowReturn ret;

  g_mutex_lock (&self->lock);
  ret = self->flushing ? GST_FLOW_FLUSHING : self->fatal;
  g_mutex_unlock (&self->lock);
  if (ret == GST_FLOW_OK && !self->convert) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("audio came before its caps"));
    ret = GST_FLOW_NOT_NEGOTIATED;
  }
  return ret;
}

static GstFlowReturn
gst_pollen_realtime_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (parent);
  GstFlowReturn ret = gst_pollen_realtime_input_flow (self);
  g_autoptr (GBytes) in = NULL;
  g_autoptr (GBytes) out = NULL;
  gpointer data;
  gsize size;

  if (ret == GST_FLOW_OK) {
    gst_pollen_realtime_place_input (self,
        gst_pollen_realtime_input_running_time (self,
            GST_BUFFER_PTS (buffer)));
    gst_buffer_extract_dup (buffer, 0, gst_buffer_get_size (buffer), &data,
        &size);
    in = g_bytes_new_take (data, size);
    out = pollen_convert_push (self->convert, in);
    gst_pollen_realtime_take_input (self, out);
  }
  gst_buffer_unref (buffer);
  return ret;
}

/* A GAP: its time is a pause the server must hear. */
static void
gst_pollen_realtime_input_gap (GstPollenRealtime * self, GstEvent * event)
{
  GstClockTime pts, duration;

  gst_event_parse_gap (event, &pts, &duration);
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (duration))
    gst_pollen_realtime_place_input (self,
        gst_pollen_realtime_input_running_time (self, pts + duration));
}

/* The end of the input: what the converter and the last append hold goes
 * out, then the drain. */
static void
gst_pollen_realtime_input_eos (GstPollenRealtime * self)
{
  if (self->convert) {
    g_autoptr (GBytes) tail = pollen_convert_finish (self->convert);

    gst_pollen_realtime_take_input (self, tail);
  }
  gst_pollen_realtime_send_input (self, TRUE);
  gst_pollen_realtime_begin_drain (self);
}

static gboolean
gst_pollen_realtime_set_input_caps (GstPollenRealtime * self, GstCaps * caps)
{
  GstAudioInfo in, out;
  PollenConvert *convert;

  gst_audio_info_set_format (&out, GST_AUDIO_FORMAT_S16LE, RATE, 1, NULL);
  if (!gst_audio_info_from_caps (&in, caps))
    return FALSE;
  convert = pollen_convert_new (&in, &out);
  if (!convert) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Cannot convert %d channels "
            "of %s to mono: put audioconvert in front of pollenrealtime.",
            GST_AUDIO_INFO_CHANNELS (&in), GST_AUDIO_INFO_NAME (&in)),
        ("no GstAudioConverter for %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (self->convert) {
    g_autoptr (GBytes) tail = pollen_convert_finish (self->convert);

    gst_pollen_realtime_take_input (self, tail);
    pollen_convert_free (self->convert);
  }
  self->convert = convert;
  return TRUE;
}

static void
gst_pollen_realtime_set_segment (GstPollenRealtime * self, GstEvent * event)
{
  GstSegment segment;

  gst_event_copy_segment (event, &segment);
  if (segment.format != GST_FORMAT_TIME) {
    GST_INFO_OBJECT (self, "a %s segment: the input's times are taken from "
        "0", gst_format_get_name (segment.format));
    gst_segment_init (&segment, GST_FORMAT_TIME);
  }
  g_mutex_lock (&self->lock);
  self->in_segment = segment;
  g_mutex_unlock (&self->lock);
}

/* ---- flushing ---- */

static void
gst_pollen_realtime_push_both (GstPollenRealtime * self, GstEvent * event)
{
  gst_pad_push_event (self->lanes[0].pad, gst_event_ref (event));
  gst_pad_push_event (self->lanes[1].pad, gst_event_ref (event));
}

/* FLUSH_START: the replies stop as at a barge-in, the server forgets the
 * input it has not answered, the source pads flush and their tasks
 * pause. */
static void
gst_pollen_realtime_flush_start (GstPollenRealtime * self, GstEvent * event)
{
  GPtrArray *messages = g_ptr_array_new ();

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  gst_pollen_realtime_interrupt (self, gst_pollen_realtime_now (self),
      messages);
  if (self->responses_active)
    gst_pollen_realtime_send_type (self, "response.cancel");
  gst_pollen_realtime_send_type (self, "input_audio_buffer.clear");
  g_mutex_unlock (&self->lock);
  gst_pollen_realtime_push_both (self, event);
  gst_pad_pause_task (self->lanes[0].pad);
  gst_pad_pause_task (self->lanes[1].pad);
  post_all (self, messages);
}

/* With the lock, the tasks stopped: a stream starts (a run, a flush). */
static void
gst_pollen_realtime_reset_stream (GstPollenRealtime * self)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (self->lanes); i++) {
    lane_clear (&self->lanes[i]);
    self->lanes[i].need_segment = TRUE;
  }
  gst_flow_combiner_reset (self->flows);
  self->flushing = FALSE;
  self->fatal = self->session_failed ? GST_FLOW_ERROR : GST_FLOW_OK;
  self->in_origin = self->in_end = GST_CLOCK_TIME_NONE;
  self->uncommitted = 0;
  self->speaking = FALSE;
  self->audio_tail = GST_CLOCK_TIME_NONE;
  self->drain = DRAIN_NONE;
  self->drain_committing = self->drain_wants_reply = self->drain_asked =
      FALSE;
}

static void
gst_pollen_realtime_flush_stop (GstPollenRealtime * self, GstEvent * event)
{
  g_mutex_lock (&self->lock);
  gst_pollen_realtime_reset_stream (self);
  g_mutex_unlock (&self->lock);
  if (self->convert)
    pollen_convert_reset (self->convert);
  g_byte_array_set_size (self->pending, 0);
  self->in_samples = 0;
  gst_pollen_realtime_push_both (self, event);
  gst_pad_start_task (self->lanes[0].pad, (GstTaskFunction) lane_loop,
      &self->lanes[0], NULL);
  gst_pad_start_task (self->lanes[1].pad, (GstTaskFunction) lane_loop,
      &self->lanes[1], NULL);
}

/* Input events: the output streams are the element's own, so none goes
 * on (stream-start, tags …): they end, flush and wait in their own way. */
static gboolean
gst_pollen_realtime_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (parent);
  gboolean ret = TRUE;
  GstCaps *caps;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      gst_event_parse_caps (event, &caps);
      ret = gst_pollen_realtime_set_input_caps (self, caps);
      break;
    case GST_EVENT_SEGMENT:
      gst_pollen_realtime_set_segment (self, event);
      break;
    case GST_EVENT_GAP:
      gst_pollen_realtime_input_gap (self, event);
      break;
    case GST_EVENT_EOS:
      gst_pollen_realtime_input_eos (self);
      break;
    case GST_EVENT_FLUSH_START:
      gst_pollen_realtime_flush_start (self, event);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_pollen_realtime_flush_stop (self, event);
      break;
    default:
      GST_LOG_OBJECT (self, "input event %" GST_PTR_FORMAT " stays here",
          event);
      break;
  }
  gst_event_unref (event);
  return ret;
}

/* ---- the source pads ---- */

static Lane *
gst_pollen_realtime_lane_of (GstPollenRealtime * self, GstPad * pad)
{
  return pad == self->lanes[0].pad ? &self->lanes[0] : &self->lanes[1];
}

static gboolean
gst_pollen_realtime_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (parent);
  Lane *lane = gst_pollen_realtime_lane_of (self, pad);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    lane->need_start = lane->need_segment = TRUE;
    return gst_pad_start_task (pad, (GstTaskFunction) lane_loop, lane, NULL);
  }
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  gst_pollen_realtime_wake (self);
  g_mutex_unlock (&self->lock);
  return gst_pad_stop_task (pad);
}

/* The sinks' LATENCY (when output plays) is kept; a seek goes upstream
 * once, though both source pads get it. */
static gboolean
gst_pollen_realtime_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (parent);
  GstClockTime latency;
  gboolean seen;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_LATENCY:
      gst_event_parse_latency (event, &latency);
      g_mutex_lock (&self->lock);
      self->pipeline_latency = later (self->pipeline_latency, latency);
      gst_pollen_realtime_wake (self);
      g_mutex_unlock (&self->lock);
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_SEEK:
      g_mutex_lock (&self->lock);
      seen = self->seek_seqnum == gst_event_get_seqnum (event);
      self->seek_seqnum = gst_event_get_seqnum (event);
      g_mutex_unlock (&self->lock);
      if (!seen)
        return gst_pad_push_event (self->sinkpad, event);
      gst_event_unref (event);
      return TRUE;
    default:
      return gst_pad_event_default (pad, parent, event);
  }
}

/* Live: output is timed by the clock when it arrives, and goes out
 * `latency` before it plays. Upstream's latency does not delay it. */
static gboolean
gst_pollen_realtime_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (parent);
  guint latency_ms;

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return gst_pad_query_default (pad, parent, query);
  GST_OBJECT_LOCK (self);
  latency_ms = self->props.latency_ms;
  GST_OBJECT_UNLOCK (self);
  gst_query_set_latency (query, TRUE, latency_ms * GST_MSECOND,
      GST_CLOCK_TIME_NONE);
  return TRUE;
}

/* ---- a run ---- */

static PollenRequest *
gst_pollen_realtime_request_new (GstPollenRealtime * self)
{
  PollenRequest *request = pollen_request_new ("GET", REALTIME_PATH);

  pollen_request_add_query (request, "model", self->snapshot.model);
  return request;
}

/* READY→PAUSED: the settings of the run, and the session, opened without
 * waiting (a refusal ends it with an error). */
static gboolean
gst_pollen_realtime_start (GstPollenRealtime * self)
{
  g_autoptr (JsonObject) setup = NULL;

  pollen_settings_snapshot (GST_ELEMENT (self), &self->settings,
      DEFAULT_MODEL, &self->snapshot);
  GST_OBJECT_LOCK (self);
  realtime_settings_copy (&self->run, &self->props);
  GST_OBJECT_UNLOCK (self);
  self->client = pollen_settings_ensure_client (GST_ELEMENT (self),
      &self->snapshot, self->client);
  if (!self->client)
    return FALSE;
  g_mutex_lock (&self->lock);
  self->session_failed = FALSE;
  self->pipeline_latency = GST_CLOCK_TIME_NONE;
  self->seek_seqnum = GST_SEQNUM_INVALID;
  self->responses_active = 0;
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  gst_pollen_realtime_reset_stream (self);
  g_mutex_unlock (&self->lock);
  self->in_samples = 0;
  g_byte_array_set_size (self->pending, 0);
  self->session = pollen_session_start (self->client,
      gst_pollen_realtime_request_new (self), &session_callbacks, self);
  setup = gst_pollen_realtime_setup_new (self);
  pollen_session_set_setup (self->session, setup);
  return TRUE;
}

/* PAUSED→READY, the pads' tasks stopped: the session is closed (its
 * thread joined: no callback comes after), what was left is dropped. */
static void
gst_pollen_realtime_stop (GstPollenRealtime * self)
{
  g_clear_pointer (&self->session, pollen_session_free);
  g_mutex_lock (&self->lock);
  lane_clear (&self->lanes[0]);
  lane_clear (&self->lanes[1]);
  g_queue_clear_full (&self->replies, (GDestroyNotify) reply_unref);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->convert, pollen_convert_free);
}

static void
gst_pollen_realtime_set_playing (GstPollenRealtime * self, gboolean playing)
{
  g_mutex_lock (&self->lock);
  self->playing = playing;
  gst_pollen_realtime_wake (self);
  g_mutex_unlock (&self->lock);
}

static GstStateChangeReturn
gst_pollen_realtime_change_state (GstElement * element,
    GstStateChange transition)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
      !gst_pollen_realtime_start (self))
    return GST_STATE_CHANGE_FAILURE;
  if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED)
    gst_pollen_realtime_set_playing (self, FALSE);
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (ret == GST_STATE_CHANGE_FAILURE)
        gst_pollen_realtime_stop (self);
      /* fall through */
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      if (ret != GST_STATE_CHANGE_FAILURE)
        ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      /* the clock and base time are set: the tasks time what they push
       * from now on */
      gst_pollen_realtime_set_playing (self, TRUE);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_pollen_realtime_stop (self);
      break;
    default:
      break;
  }
  return ret;
}

/* ---- properties ---- */

static void
gst_pollen_realtime_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (object);
  RealtimeSettings *props = &self->props;

  if (pollen_settings_set_property (object, &self->settings, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_INSTRUCTIONS:
      g_free (props->instructions);
      props->instructions = g_value_dup_string (value);
      break;
    case PROP_VOICE:
      g_free (props->voice);
      props->voice = g_value_dup_string (value);
      break;
    case PROP_VAD:
      props->vad = g_value_get_enum (value);
      break;
    case PROP_SILENCE_DURATION:
      props->silence_duration_ms = g_value_get_uint (value);
      break;
    case PROP_VAD_THRESHOLD:
      props->vad_threshold = g_value_get_double (value);
      break;
    case PROP_INTERRUPT:
      props->interrupt = g_value_get_boolean (value);
      break;
    case PROP_LATENCY:
      props->latency_ms = g_value_get_uint (value);
      break;
    case PROP_CONTINUOUS:
      props->continuous = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pollen_realtime_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (object);
  RealtimeSettings *props = &self->props;

  if (pollen_settings_get_property (object, &self->settings, prop_id, value))
    return;
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_INSTRUCTIONS:
      g_value_set_string (value, props->instructions);
      break;
    case PROP_VOICE:
      g_value_set_string (value, props->voice);
      break;
    case PROP_VAD:
      g_value_set_enum (value, props->vad);
      break;
    case PROP_SILENCE_DURATION:
      g_value_set_uint (value, props->silence_duration_ms);
      break;
    case PROP_VAD_THRESHOLD:
      g_value_set_double (value, props->vad_threshold);
      break;
    case PROP_INTERRUPT:
      g_value_set_boolean (value, props->interrupt);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, props->latency_ms);
      break;
    case PROP_CONTINUOUS:
      g_value_set_boolean (value, props->continuous);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_pollen_realtime_install_conversation_properties (GObjectClass * klass)
{
  g_object_class_install_property (klass, PROP_INSTRUCTIONS,
      g_param_spec_string ("instructions", "Instructions",
          "What the model is and does (session 'instructions'), e.g. "
          "\"Translate everything you hear into French\"; unset: the "
          "model's own", NULL, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_VOICE,
      g_param_spec_string ("voice", "Voice",
          "Voice of the replies (session 'audio.output.voice'), default "
          "alloy: alloy, ash, ballad, coral, echo, sage, shimmer, verse, "
          "marin, cedar", DEFAULT_VOICE, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_VAD,
      g_param_spec_enum ("vad", "Turn Detection",
          "How the server finds the end of a turn (session "
          "'audio.input.turn_detection'), default server; none: the whole "
          "input is one turn, answered at EOS", GST_TYPE_POLLEN_REALTIME_VAD,
          DEFAULT_VAD, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_SILENCE_DURATION,
      g_param_spec_uint ("silence-duration", "Silence Duration",
          "With vad=server: milliseconds of silence that end a turn "
          "(silence_duration_ms), default 500", 1, 10000,
          DEFAULT_SILENCE_DURATION, PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_VAD_THRESHOLD,
      g_param_spec_double ("vad-threshold", "VAD Threshold",
          "With vad=server: how loud speech must be, 0 (anything) to 1 "
          "(loud only) (threshold), default 0.5", 0, 1, DEFAULT_VAD_THRESHOLD,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_INTERRUPT,
      g_param_spec_boolean ("interrupt", "Interrupt",
          "Speech during a reply stops it at once and the model is told how "
          "much was heard (interrupt_response); false: replies play to "
          "their end. Default true", DEFAULT_INTERRUPT, PARAM_FLAGS));
}

static void
gst_pollen_realtime_install_output_properties (GObjectClass * klass)
{
  g_object_class_install_property (klass, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "Milliseconds reply audio goes downstream before it plays (what "
          "the LATENCY query answers, and at most what still plays after an "
          "interruption), default 250", 20, 10000, DEFAULT_LATENCY_MS,
          PARAM_FLAGS));
  g_object_class_install_property (klass, PROP_CONTINUOUS,
      g_param_spec_boolean ("continuous", "Continuous",
          "Fill the time between replies with silence (GAP-flagged "
          "buffers), for encoders, muxers and network senders that need an "
          "unbroken stream; false (default): GAP events",
          DEFAULT_CONTINUOUS, PARAM_FLAGS));
}

/* ---- GObject ---- */

static void
gst_pollen_realtime_finalize (GObject * object)
{
  GstPollenRealtime *self = GST_POLLEN_REALTIME (object);

  pollen_settings_clear (&self->settings);
  pollen_settings_clear (&self->snapshot);
  realtime_settings_clear (&self->props);
  realtime_settings_clear (&self->run);
  g_clear_object (&self->client);
  gst_flow_combiner_free (self->flows);
  g_byte_array_unref (self->pending);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstPad *
gst_pollen_realtime_add_src_pad (GstPollenRealtime * self, Lane * lane,
    GstStaticPadTemplate * template, gboolean audio)
{
  GstPad *pad = gst_pad_new_from_static_template (template,
      template->name_template);

  gst_pad_set_event_function (pad, gst_pollen_realtime_src_event);
  gst_pad_set_query_function (pad, gst_pollen_realtime_src_query);
  gst_pad_set_activatemode_function (pad,
      gst_pollen_realtime_src_activate_mode);
  gst_pad_use_fixed_caps (pad);
  gst_element_add_pad (GST_ELEMENT (self), pad);
  gst_flow_combiner_add_pad (self->flows, pad);
  lane->self = self;
  lane->pad = pad;
  lane->audio = audio;
  lane->position = GST_CLOCK_TIME_NONE;
  g_queue_init (&lane->items);
  return pad;
}

static void
gst_pollen_realtime_init (GstPollenRealtime * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->replies);
  self->pending = g_byte_array_new ();
  self->flows = gst_flow_combiner_new ();
  pollen_settings_init (&self->settings, DEFAULT_MODEL, DEFAULT_TIMEOUT);
  self->props.voice = g_strdup (DEFAULT_VOICE);
  self->props.vad = DEFAULT_VAD;
  self->props.silence_duration_ms = DEFAULT_SILENCE_DURATION;
  self->props.vad_threshold = DEFAULT_VAD_THRESHOLD;
  self->props.interrupt = DEFAULT_INTERRUPT;
  self->props.latency_ms = DEFAULT_LATENCY_MS;
  self->props.continuous = DEFAULT_CONTINUOUS;

  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_pollen_realtime_chain);
  gst_pad_set_event_function (self->sinkpad, gst_pollen_realtime_sink_event);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  gst_pollen_realtime_add_src_pad (self, &self->lanes[0], &src_template,
      TRUE);
  gst_pollen_realtime_add_src_pad (self, &self->lanes[1], &text_src_template,
      FALSE);
}

static void
gst_pollen_realtime_class_init (GstPollenRealtimeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_pollen_realtime_set_property;
  gobject_class->get_property = gst_pollen_realtime_get_property;
  gobject_class->finalize = gst_pollen_realtime_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_pollen_realtime_change_state);

  pollen_settings_install_properties (gobject_class, DEFAULT_MODEL,
      "Realtime model (the query's 'model'), default gpt-realtime-2.1; "
      "gpt-realtime-2.1-mini and gpt-realtime-2 are cheaper",
      DEFAULT_TIMEOUT);
  gst_pollen_realtime_install_conversation_properties (gobject_class);
  gst_pollen_realtime_install_output_properties (gobject_class);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class,
      &text_src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations realtime conversation", "Audio/Text/Filter",
      "Holds a spoken conversation with a realtime model of the "
      "Pollinations API: audio in, its spoken replies and their "
      "transcripts out", "gst-pollen contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pollen_realtime_debug, "pollenrealtime", 0,
      "Pollinations realtime conversation");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_REALTIME_VAD, 0);
}
