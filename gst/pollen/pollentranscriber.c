/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Lock order: self->lock comes before the session's own lock (appends
 * are queued on the session with it held, so that the session cannot go
 * meanwhile); it is never held while calling the client or the owner, and
 * the session's callbacks take it with nothing else held. Three threads meet here: the owner's
 * (append, finish), the session's (its callbacks) and the worker's (run),
 * which alone makes sense of the events, in the order they came. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollentranscriber.h"
#include "pollenjson.h"
#include "pollensession.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (pollen_transcriber_debug);
#define GST_CAT_DEFAULT pollen_transcriber_debug

#define REALTIME_PATH "/v1/realtime"
#define FRAME (POLLEN_TRANSCRIBER_RATE / 100)   /* 10 ms, for onsets */
#define MIN_SPAN (100 * GST_MSECOND)    /* words that came with no new audio */
/* recorded audio goes faster than it plays: its words are timed at a
 * speaker's pace from where the utterance began */
#define CHARACTERS_PER_SECOND 15
/* live words reach to the audio they came with, unless that is further
 * than audio sent faster than it plays would put it */
#define MAX_SPAN (2 * GST_SECOND)
#define BYTES_PER_SECOND (POLLEN_TRANSCRIBER_RATE * 2)

/* Something the session thread passed on: an event, with how far the
 * audio sent had got when it came; or a reconnection. */
typedef struct
{
  JsonObject *event;            /* or NULL for a reconnection */
  GstClockTime heard_until;     /* NONE for recorded audio */
  gint64 gap_us;
  gsize dropped;
} Arrival;

struct _PollenTranscriber
{
  gint refcount;                /* the owner's, and its running job's */

  /* set in new(), then only read */
  PollenTranscriberConfig config;
  gchar *language;
  gchar *prompt;

  GMutex lock;
  GCond changed;
  /* under lock */
  PollenSession *session;       /* once open: appends go to it */
  GQueue waiting;               /* GBytes appended before it opened */
  GstClockTime sent_end;        /* where the audio appended so far ends */
  gboolean live;                /* the audio comes as it is spoken */
  GArray *onsets;               /* GstClockTime: where utterances began,
                                 * in order, not yet taken */
  GQueue arrivals;              /* Arrival */
  gboolean finishing;
  gboolean ended;
  GError *end_error;

  /* the appending thread: the energy gate for onsets */
  gdouble frame_energy;
  guint frame_fill;
  guint silent_frames;
  gboolean voiced;

  /* the worker */
  GstClockTime delay;           /* live: how long the server takes to send a
                                 * word once it was said, NONE until known */
  GstClockTime last_end;
  gchar *item_id;               /* the utterance the deltas are of */
  GString *said;                /* its deltas so far */
  GstClockTime item_start;
  gboolean commit_sent;
  gboolean committed;
};

static void
arrival_free (Arrival * arrival)
{
  g_clear_pointer (&arrival->event, json_object_unref);
  g_free (arrival);
}

void
pollen_transcription_free (PollenTranscription * transcription)
{
  if (!transcription)
    return;
  g_free (transcription->text);
  g_free (transcription->item_id);
  g_free (transcription->event);
  g_free (transcription);
}

PollenTranscriber *
pollen_transcriber_new (const PollenTranscriberConfig * config)
{
  PollenTranscriber *self = g_new0 (PollenTranscriber, 1);
  static gsize debug = 0;

  self->refcount = 1;
  if (g_once_init_enter (&debug)) {
    GST_DEBUG_CATEGORY_INIT (pollen_transcriber_debug, "pollentranscriber",
        0, "gst-pollen realtime transcription sessions");
    g_once_init_leave (&debug, 1);
  }
  self->config = *config;
  self->delay = GST_CLOCK_TIME_NONE;
  self->language = g_strdup (config->language);
  self->prompt = g_strdup (config->prompt);
  self->config.language = self->language;
  self->config.prompt = self->prompt;
  g_mutex_init (&self->lock);
  g_cond_init (&self->changed);
  g_queue_init (&self->waiting);
  g_queue_init (&self->arrivals);
  self->sent_end = GST_CLOCK_TIME_NONE;
  self->onsets = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  self->voiced = FALSE;
  self->silent_frames = G_MAXUINT / 2;  /* the stream starts after silence */
  self->last_end = 0;
  self->said = g_string_new (NULL);
  return self;
}

PollenTranscriber *
pollen_transcriber_ref (PollenTranscriber * self)
{
  g_atomic_int_inc (&self->refcount);
  return self;
}

void
pollen_transcriber_unref (PollenTranscriber * self)
{
  if (!self || !g_atomic_int_dec_and_test (&self->refcount))
    return;
  g_queue_clear_full (&self->waiting, (GDestroyNotify) g_bytes_unref);
  g_queue_clear_full (&self->arrivals, (GDestroyNotify) arrival_free);
  g_clear_error (&self->end_error);
  g_array_unref (self->onsets);
  g_free (self->language);
  g_free (self->prompt);
  g_free (self->item_id);
  g_string_free (self->said, TRUE);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->changed);
  g_free (self);
}

/* ---- the owner's side ---- */

/* The energy gate: an utterance begins at the first loud frame after at
 * least silence_ms of quiet ones. Returns its start, or NONE. */
static GstClockTime
pollen_transcriber_gate (PollenTranscriber * self, const guint8 * pcm,
    gsize samples, GstClockTime pts)
{
  GstClockTime onset = GST_CLOCK_TIME_NONE;
  guint quiet_frames = self->config.silence_ms / 10;
  gsize i;

  for (i = 0; i < samples; i++) {
    gint16 sample = (gint16) (pcm[2 * i] | (pcm[2 * i + 1] << 8));
    gdouble rms;

    self->frame_energy += (gdouble) sample * sample;
    if (++self->frame_fill < FRAME)
      continue;
    rms = sqrt (self->frame_energy / FRAME) / 32768.0;
    if (20 * log10 (MAX (rms, 1e-9)) > self->config.onset_db) {
      if (self->silent_frames >= quiet_frames)
        onset = pts + gst_util_uint64_scale_int (i + 1 - FRAME, GST_SECOND,
            POLLEN_TRANSCRIBER_RATE);
      self->silent_frames = 0;
    } else {
      self->silent_frames++;
    }
    self->frame_energy = 0;
    self->frame_fill = 0;
  }
  return onset;
}

/**
 * pollen_transcriber_append:
 * @pcm: PCM16 mono at %POLLEN_TRANSCRIBER_RATE
 * @pts: the stream time of its first sample
 * @live: the audio comes as it is spoken, so that words are timed at the
 *   audio sent when they come; recorded audio goes faster than it plays,
 *   and its words are timed at a speaker's pace from where the utterance
 *   began
 *
 * Sends @pcm (queued until the session is open). Never waits on the
 * network.
 */
void
pollen_transcriber_append (PollenTranscriber * self, GBytes * pcm,
    GstClockTime pts, gboolean live)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (pcm, &size);
  GstClockTime onset = pollen_transcriber_gate (self, data, size / 2, pts);

  g_mutex_lock (&self->lock);
  self->live = live;
  self->sent_end = pts + gst_util_uint64_scale_int (size / 2, GST_SECOND,
      POLLEN_TRANSCRIBER_RATE);
  if (GST_CLOCK_TIME_IS_VALID (onset))
    g_array_append_val (self->onsets, onset);
  /* the session only queues it (its thread writes it), so under the lock,
   * which keeps the session from going meanwhile */
  if (self->session)
    pollen_session_append_audio (self->session, data, size);
  else
    g_queue_push_tail (&self->waiting, g_bytes_ref (pcm));
  g_mutex_unlock (&self->lock);
}

/* The end of the stream: the last utterance is committed and its
 * transcript waited for, then pollen_transcriber_run() returns. */
void
pollen_transcriber_finish (PollenTranscriber * self)
{
  g_mutex_lock (&self->lock);
  self->finishing = TRUE;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
}

/* ---- the session's side ---- */

static void
pollen_transcriber_arrive (PollenTranscriber * self, Arrival * arrival)
{
  g_mutex_lock (&self->lock);
  arrival->heard_until = self->live ? self->sent_end : GST_CLOCK_TIME_NONE;
  g_queue_push_tail (&self->arrivals, arrival);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
}

static void
on_event (PollenSession * session, JsonObject * event, gpointer user_data)
{
  Arrival *arrival = g_new0 (Arrival, 1);

  arrival->event = json_object_ref (event);
  pollen_transcriber_arrive (user_data, arrival);
}

static void
on_reconnected (PollenSession * session, gint64 gap_us, gsize dropped,
    gpointer user_data)
{
  Arrival *arrival = g_new0 (Arrival, 1);

  arrival->gap_us = gap_us;
  arrival->dropped = dropped;
  pollen_transcriber_arrive (user_data, arrival);
}

static void
on_ended (PollenSession * session, const GError * error, gpointer user_data)
{
  PollenTranscriber *self = user_data;

  g_mutex_lock (&self->lock);
  self->ended = TRUE;
  if (error && !self->end_error)
    self->end_error = g_error_copy (error);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
}

static const PollenSessionCallbacks callbacks = {
  on_event, on_reconnected, NULL, on_ended
};

/* ---- the worker: events into transcriptions ---- */

static void
pollen_transcriber_emit (PollenTranscriber * self,
    PollenTranscriptionKind kind, gchar * text, GstClockTime pts,
    GstClockTime end, PollenTranscriptionFunc emit, gpointer user_data)
{
  PollenTranscription *transcription = g_new0 (PollenTranscription, 1);

  transcription->kind = kind;
  transcription->text = text;
  transcription->pts = pts;
  transcription->duration = GST_CLOCK_TIME_IS_VALID (pts) ? end - pts :
      GST_CLOCK_TIME_NONE;
  transcription->item_id = g_strdup (self->item_id);
  emit (transcription, user_data);
}

/* Where the next utterance began: the first onset the gate heard after
 * what was said already (recorded audio is all sent long before its words
 * come back, so the latest onset would be the last utterance's). */
static GstClockTime
pollen_transcriber_take_onset (PollenTranscriber * self)
{
  GstClockTime start = self->last_end;
  guint i;

  g_mutex_lock (&self->lock);
  for (i = 0; i < self->onsets->len; i++) {
    GstClockTime onset = g_array_index (self->onsets, GstClockTime, i);

    if (onset >= self->last_end) {
      start = onset;
      i++;
      break;
    }
  }
  g_array_remove_range (self->onsets, 0, i);
  g_mutex_unlock (&self->lock);
  return start;
}

/* A new utterance: it starts where the gate heard it begin, never before
 * what was said already. */
static void
pollen_transcriber_begin_item (PollenTranscriber * self,
    const gchar * item_id)
{
  g_free (self->item_id);
  self->item_id = g_strdup (item_id);
  g_string_truncate (self->said, 0);
  self->item_start = pollen_transcriber_take_onset (self);
}

/* How long a speaker takes to say @delta. */
static GstClockTime
paced_span (const gchar * delta)
{
  return MAX (MIN_SPAN, g_utf8_strlen (delta, -1) * GST_SECOND /
      CHARACTERS_PER_SECOND);
}

/* Live, the first words of an utterance tell how long the server takes:
 * they came when the audio sent had reached @heard_until, and were said
 * from @pts (the utterance's onset) at a speaker's pace. A running
 * average, so that one odd utterance does not move every word after it. */
static void
pollen_transcriber_learn_delay (PollenTranscriber * self, GstClockTime pts,
    const gchar * delta, GstClockTime heard_until)
{
  GstClockTime said_end = pts + paced_span (delta);
  GstClockTime delay = heard_until > said_end ? heard_until - said_end : 0;

  delay = MIN (delay, MAX_SPAN);
  self->delay = GST_CLOCK_TIME_IS_VALID (self->delay) ?
      (3 * self->delay + delay) / 4 : delay;
  GST_LOG ("the server sends a word %" GST_TIME_FORMAT " after it is said",
      GST_TIME_ARGS (self->delay));
}

/* Where live words end: at the audio sent when they came less the
 * server's delay (@said_until), for they were said in it (words that came
 * with no new audio get MIN_SPAN); only when that reaches further than
 * MAX_SPAN past their start do they keep a speaker's pace. Recorded audio
 * is sent faster than it plays: there the speaker's pace alone times
 * them. */
static GstClockTime
delta_end (GstClockTime pts, const gchar * delta, GstClockTime said_until)
{
  GstClockTime paced = pts + paced_span (delta);

  if (!GST_CLOCK_TIME_IS_VALID (said_until))
    return paced;
  if (said_until <= pts)
    return pts + MIN_SPAN;
  if (said_until - pts <= MAX_SPAN)
    return said_until;
  return MIN (paced, said_until);
}

/* Words heard: from where the words before them end (or the utterance
 * began), to delta_end(). */
static void
pollen_transcriber_delta (PollenTranscriber * self, const Arrival * arrival,
    PollenTranscriptionFunc emit, gpointer user_data)
{
  const gchar *item_id = pollen_json_get_string (arrival->event, "item_id");
  const gchar *delta = pollen_json_get_string (arrival->event, "delta");
  GstClockTime pts, end, said_until;

  if (!delta || !*delta)
    return;
  if (g_strcmp0 (item_id, self->item_id) != 0 || !self->said->len)
    pollen_transcriber_begin_item (self, item_id);
  pts = self->said->len ? self->last_end : self->item_start;
  said_until = arrival->heard_until;
  if (GST_CLOCK_TIME_IS_VALID (said_until)) {
    if (!self->said->len || !GST_CLOCK_TIME_IS_VALID (self->delay))
      pollen_transcriber_learn_delay (self, pts, delta, said_until);
    said_until -= MIN (said_until, self->delay);
  }
  end = delta_end (pts, delta, said_until);
  GST_LOG ("\"%s\" came with the audio sent to %" GST_TIME_FORMAT
      ": %" GST_TIME_FORMAT " to %" GST_TIME_FORMAT, delta,
      GST_TIME_ARGS (arrival->heard_until), GST_TIME_ARGS (pts),
      GST_TIME_ARGS (end));
  g_string_append (self->said, delta);
  self->last_end = end;
  pollen_transcriber_emit (self, POLLEN_TRANSCRIPTION_DELTA,
      g_strdup (delta), pts, end, emit, user_data);
}

static gchar *
event_to_json (JsonObject * event)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (root, event);
  return json_to_string (root, FALSE);
}

/* An utterance's whole transcript: whether the deltas said the same, and
 * the event as it came, for the owner's message. */
static void
pollen_transcriber_completed (PollenTranscriber * self,
    const Arrival * arrival, PollenTranscriptionFunc emit,
    gpointer user_data)
{
  const gchar *item_id = pollen_json_get_string (arrival->event, "item_id");
  const gchar *transcript = pollen_json_get_string (arrival->event,
      "transcript");
  PollenTranscription *transcription = g_new0 (PollenTranscription, 1);

  if (g_strcmp0 (item_id, self->item_id) != 0)
    pollen_transcriber_begin_item (self, item_id);
  transcription->kind = POLLEN_TRANSCRIPTION_COMPLETED;
  transcription->text = g_strdup (transcript ? transcript : "");
  transcription->pts = self->item_start;
  transcription->duration = MAX (self->last_end, self->item_start) -
      self->item_start;
  transcription->item_id = g_strdup (item_id);
  transcription->event = event_to_json (arrival->event);
  transcription->matches = g_strcmp0 (transcript, self->said->str) == 0;
  g_string_truncate (self->said, 0);
  g_clear_pointer (&self->item_id, g_free);
  emit (transcription, user_data);
}

static void
pollen_transcriber_warn (PollenTranscriber * self, gchar * text,
    PollenTranscriptionFunc emit, gpointer user_data)
{
  pollen_transcriber_emit (self, POLLEN_TRANSCRIPTION_WARNING, text,
      GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, emit, user_data);
}

/* The server's error events (bad audio, a refused update): warnings; a
 * failure that ends the session ends it with its close. */
static void
pollen_transcriber_error_event (PollenTranscriber * self,
    const Arrival * arrival, PollenTranscriptionFunc emit, gpointer user_data)
{
  JsonObject *error = pollen_json_get_object (arrival->event, "error");
  const gchar *message = pollen_json_get_string (error, "message");
  const gchar *code = pollen_json_get_string (error, "code");

  pollen_transcriber_warn (self, g_strdup_printf ("The realtime session "
          "refused what was sent (%s): %s", code ? code : "error",
          message ? message : "no message"), emit, user_data);
}

static void
pollen_transcriber_reconnected (PollenTranscriber * self,
    const Arrival * arrival, PollenTranscriptionFunc emit, gpointer user_data)
{
  pollen_transcriber_warn (self, g_strdup_printf ("The realtime session's "
          "connection dropped and was opened again after %.1f s; %.1f s of "
          "audio sent meanwhile %s.", arrival->gap_us / 1e6,
          (gdouble) arrival->dropped / BYTES_PER_SECOND, arrival->dropped ?
          "were lost (too much waited)" : "went out then"), emit, user_data);
}

static void
pollen_transcriber_handle (PollenTranscriber * self, Arrival * arrival,
    PollenTranscriptionFunc emit, gpointer user_data)
{
  const gchar *type = arrival->event ?
      pollen_json_get_string (arrival->event, "type") : NULL;

  if (!arrival->event)
    pollen_transcriber_reconnected (self, arrival, emit, user_data);
  else if (g_str_has_suffix (type, "input_audio_transcription.delta"))
    pollen_transcriber_delta (self, arrival, emit, user_data);
  else if (g_str_has_suffix (type, "input_audio_transcription.completed"))
    pollen_transcriber_completed (self, arrival, emit, user_data);
  else if (g_str_equal (type, "input_audio_buffer.committed"))
    self->committed = self->commit_sent;
  else if (g_str_equal (type, "error"))
    pollen_transcriber_error_event (self, arrival, emit, user_data);
  else
    GST_DEBUG ("%s", type);
}

/* ---- the worker: the session ---- */

static JsonObject *
setup_event (PollenTranscriber * self, const gchar * model,
    const GstStructure * extra)
{
  JsonObject *event = json_object_new ();
  JsonObject *session = json_object_new ();
  JsonObject *input, *format, *transcription, *vad, *audio;

  json_object_set_string_member (event, "type", "session.update");
  json_object_set_string_member (session, "type", "transcription");
  format = json_object_new ();
  json_object_set_string_member (format, "type", "audio/pcm");
  json_object_set_int_member (format, "rate", POLLEN_TRANSCRIBER_RATE);
  transcription = json_object_new ();
  json_object_set_string_member (transcription, "model", model);
  if (self->prompt && *self->prompt)
    json_object_set_string_member (transcription, "prompt", self->prompt);
  if (self->language) {
    JsonArray *languages = json_array_new ();

    json_array_add_string_element (languages, self->language);
    json_object_set_array_member (transcription, "languages", languages);
  }
  vad = json_object_new ();
  json_object_set_string_member (vad, "type", "server_vad");
  json_object_set_double_member (vad, "threshold", self->config.vad_threshold);
  json_object_set_int_member (vad, "silence_duration_ms",
      self->config.silence_ms);
  input = json_object_new ();
  json_object_set_object_member (input, "format", format);
  json_object_set_object_member (input, "transcription", transcription);
  json_object_set_object_member (input, "turn_detection", vad);
  audio = json_object_new ();
  json_object_set_object_member (audio, "input", input);
  json_object_set_object_member (session, "audio", audio);
  pollen_json_add_structure (session, extra);
  json_object_set_object_member (event, "session", session);
  return event;
}

static PollenRequest *
session_request (const gchar * model)
{
  PollenRequest *request = pollen_request_new ("GET", REALTIME_PATH);

  pollen_request_add_query (request, "model", model);
  return request;
}

/* The session is open: what came meanwhile goes out, in order, and from
 * now on appends go straight to it. */
static void
pollen_transcriber_attach (PollenTranscriber * self, PollenSession * session)
{
  GBytes *pcm;

  g_mutex_lock (&self->lock);
  while ((pcm = g_queue_pop_head (&self->waiting))) {
    gsize size;
    const guint8 *data = g_bytes_get_data (pcm, &size);

    pollen_session_append_audio (session, data, size);
    g_bytes_unref (pcm);
  }
  self->session = session;
  g_mutex_unlock (&self->lock);
}

static void
pollen_transcriber_detach (PollenTranscriber * self)
{
  g_mutex_lock (&self->lock);
  self->session = NULL;
  g_mutex_unlock (&self->lock);
}

static void
wake (GCancellable * cancellable, PollenTranscriber * self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
}

/* With the lock: whether the worker has something to do. */
static gboolean
has_news (PollenTranscriber * self, GCancellable * cancellable)
{
  return self->arrivals.length || self->ended ||
      (self->finishing && !self->commit_sent) ||
      g_cancellable_is_cancelled (cancellable);
}

/* Waits for news, until @end_us (0: none); takes the arrivals. */
static void
pollen_transcriber_wait (PollenTranscriber * self, gint64 end_us,
    GCancellable * cancellable, GQueue * arrivals, gboolean * finishing)
{
  g_mutex_lock (&self->lock);
  while (!has_news (self, cancellable)) {
    if (!end_us)
      g_cond_wait (&self->changed, &self->lock);
    else if (!g_cond_wait_until (&self->changed, &self->lock, end_us))
      break;
  }
  *arrivals = self->arrivals;
  g_queue_init (&self->arrivals);
  *finishing = self->finishing;
  g_mutex_unlock (&self->lock);
}

/* At the end, the last utterance is committed by hand: its transcript
 * comes then (or the committed event, when nothing was left to say). */
static gint64
pollen_transcriber_commit (PollenTranscriber * self, PollenSession * session)
{
  g_autoptr (JsonObject) commit = json_object_new ();

  json_object_set_string_member (commit, "type", "input_audio_buffer.commit");
  pollen_session_send (session, commit);
  self->commit_sent = TRUE;
  return g_get_monotonic_time () + self->config.timeout_s *
      G_TIME_SPAN_SECOND;
}

static gboolean
pollen_transcriber_said_all (PollenTranscriber * self)
{
  return self->committed && self->said->len == 0;
}

/* The session ended on its own, or was cancelled: why, or NULL. */
static gboolean
pollen_transcriber_failed (PollenTranscriber * self,
    GCancellable * cancellable, GError ** error)
{
  gboolean failed;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return TRUE;
  g_mutex_lock (&self->lock);
  failed = self->ended;
  if (failed)
    g_propagate_error (error, self->end_error ? g_steal_pointer
        (&self->end_error) : pollen_client_error_new
        (POLLEN_CLIENT_ERROR_CLOSED, 0, NULL, NULL, NULL,
            "the realtime session ended"));
  g_mutex_unlock (&self->lock);
  return failed;
}

/* Handles what comes until the end was asked for and the last transcript
 * came (or the timeout passed), the session failed, or @cancellable. */
static gboolean
pollen_transcriber_serve (PollenTranscriber * self, PollenSession * session,
    PollenTranscriptionFunc emit, gpointer user_data,
    GCancellable * cancellable, GError ** error)
{
  gint64 end_us = 0;

  for (;;) {
    GQueue arrivals;
    Arrival *arrival;
    gboolean finishing;

    pollen_transcriber_wait (self, end_us, cancellable, &arrivals,
        &finishing);
    while ((arrival = g_queue_pop_head (&arrivals))) {
      pollen_transcriber_handle (self, arrival, emit, user_data);
      arrival_free (arrival);
    }
    if (pollen_transcriber_failed (self, cancellable, error))
      return FALSE;
    if (finishing && !self->commit_sent)
      end_us = pollen_transcriber_commit (self, session);
    if (self->commit_sent && pollen_transcriber_said_all (self))
      return TRUE;
    if (end_us && g_get_monotonic_time () >= end_us) {
      pollen_transcriber_warn (self, g_strdup_printf ("The last words' "
              "transcript did not come within %u s (timeout): what came "
              "stands.", self->config.timeout_s), emit, user_data);
      return TRUE;
    }
  }
}

/**
 * pollen_transcriber_run:
 * @model: a realtime transcription model (scribe-realtime)
 * @extra: (nullable): members added to the session's settings
 * @emit: told of each transcription, in order, from this thread
 *
 * Runs the session, in a worker: opens it (retrying as the client does),
 * sets it up, sends the audio appended so far and from then on, and hands
 * each delta to @emit as it comes, until pollen_transcriber_finish() and
 * the last transcript.
 *
 * Returns: FALSE with @error set when the session could not be opened or
 * ended with an error (the server's close reason), or
 * %G_IO_ERROR_CANCELLED.
 */
gboolean
pollen_transcriber_run (PollenTranscriber * self, PollenClient * client,
    const gchar * model, const GstStructure * extra,
    PollenTranscriptionFunc emit, gpointer user_data,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (JsonObject) setup = setup_event (self, model, extra);
  PollenSession *session;
  gulong handler;
  gboolean ok;

  session = pollen_session_open (client, session_request (model), &callbacks,
      self, cancellable, error);
  if (!session)
    return FALSE;
  pollen_session_set_setup (session, setup);
  pollen_transcriber_attach (self, session);
  handler = g_cancellable_connect (cancellable, G_CALLBACK (wake), self,
      NULL);
  ok = pollen_transcriber_serve (self, session, emit, user_data, cancellable,
      error);
  g_cancellable_disconnect (cancellable, handler);
  pollen_transcriber_detach (self);
  pollen_session_free (session);
  return ok;
}
