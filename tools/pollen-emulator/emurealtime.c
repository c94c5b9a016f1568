/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GET /v1/realtime (and /realtime) as today's server answers it
 * (gen.pollinations.ai/src/routes/realtime.ts): the checks before the
 * upgrade, then a WebSocket speaking the OpenAI Realtime protocol, either
 * a transcription session (scribe-realtime: deltas while the speaker
 * talks, the whole transcript at the end of an utterance) or a
 * conversation (every other model: each turn answered with a tone "reply"
 * and its transcript). Speech is found by energy in 20 ms frames; the
 * words are made up, deterministically, one per WORD_MS of speech; with a
 * generation time a transcription's words (and its commits and
 * transcripts, in order) come that long after the audio that made them,
 * as a model's latency. Every event a session sends is recorded with its
 * time (pollen_emulator_realtime_wait_sent()). Runs in the emulator
 * thread.
 *
 * A conversation is the OpenAI Realtime GA service, which the server
 * proxies unchanged: with turn detection the service says when speech
 * starts and stops, commits the turn and answers it (create_response),
 * and speech during a reply cancels it (interrupt_response); without it
 * (turn_detection null) there are no speech events, and a commit only
 * commits: response.create asks for the answer. It refuses what the
 * service refuses: a commit of less than 100 ms, a second response while
 * one is in progress, a cancel with none, an unknown voice, a truncation
 * of an item it did not send or past its audio. */

#include "emuserver.h"

#include <math.h>
#include <string.h>

#define RATE 24000
#define FRAME (RATE / 50)       /* 20 ms */
#define WORD_MS 300             /* of speech, a word */
#define REPLY_WORD_MS 500       /* of a reply's audio, a word */
#define REPLY_CHUNK_MS 100      /* a reply goes out in deltas of this, */
#define REPLY_PACE_MS 50        /* one this often: twice as fast as it plays */
#define MIN_COMMIT_MS 100
#define SCRIBE "scribe-realtime"
#define TRANSCRIPTION_REFUSED "Realtime input transcription is not " \
  "supported yet."
#define VOICES_REFUSED "Supported values are: 'alloy', 'ash', 'ballad', " \
  "'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', and 'cedar'."

static const gchar *const voices[] = {
  "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse",
  "marin", "cedar", NULL
};

static const gchar *const vocabulary[] = {
  "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
  "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
};

typedef struct
{
  PollenEmulator *emulator;
  SoupWebsocketConnection *connection;
  gboolean transcription;       /* scribe-realtime, else a conversation */
  gchar *id;
  guint counter;                /* for ids */
  /* settings (session.update) */
  gboolean vad;
  gboolean semantic;            /* semantic_vad, else server_vad */
  gdouble threshold;            /* 0–1 */
  guint silence_ms;
  gboolean create_response;     /* a turn the VAD ends is answered */
  gboolean interrupt_response;  /* speech cancels a reply */
  gboolean pcmu;
  gboolean audio_came;          /* format, languages, turn detection fixed */
  gchar *voice;
  /* the energy gate over the input */
  guint64 samples;              /* of input so far */
  gdouble frame_energy;
  guint frame_fill;
  gboolean speaking;
  guint64 speech_start;         /* sample */
  guint silent_frames;
  guint voiced_frames;          /* of this utterance */
  guint64 uncommitted;          /* samples since the last commit */
  /* the utterance */
  guint utterance;
  gchar *item_id;
  GString *transcript;
  GQueue heard;                 /* Heard: what the model still thinks over */
  GSource *heard_timer;         /* for the first of them */
  /* a conversation's reply: in progress while response_id is set */
  GSource *reply;               /* its next step; NULL while held */
  gchar *response_id;
  gchar *reply_item_id;
  guint reply_chunks_left;
  guint reply_words_sent;
  guint reply_words;
  guint reply_hold_chunks;      /* held after this many chunks (0: never) */
  gboolean turn_waiting;        /* a turn ended during the reply */
  GHashTable *items;            /* reply item id → ms of audio sent */
} Session;

/* An event the session made of what it heard, sent at @due once the
 * input reached @due_sample. */
typedef struct
{
  gint64 due;                   /* monotonic µs */
  guint64 due_sample;
  JsonObject *event;
} Heard;

/* ---- sending ---- */

static gchar *
session_new_id (Session * s, const gchar * prefix)
{
  return g_strdup_printf ("%s_%s_%u", prefix, s->id, ++s->counter);
}

/* Sends @event (taken), with an event_id. */
static void
session_send (Session * s, JsonObject * event)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autofree gchar *event_id = session_new_id (s, "event");
  g_autofree gchar *text = NULL;

  json_object_set_string_member (event, "event_id", event_id);
  json_node_take_object (root, event);
  text = json_to_string (root, FALSE);
  if (soup_websocket_connection_get_state (s->connection) !=
      SOUP_WEBSOCKET_STATE_OPEN)
    return;
  emu_realtime_record_sent (s->emulator, json_object_get_string_member
      (event, "type"), text);
  soup_websocket_connection_send_text (s->connection, text);
}

static void heard_arm (Session * s);

/* What is due of what the session heard goes, in order. */
static gboolean
heard_tick (gpointer data)
{
  Session *s = data;
  Heard *heard;

  while ((heard = g_queue_peek_head (&s->heard)) &&
      heard->due <= g_get_monotonic_time () &&
      heard->due_sample <= s->samples) {
    g_queue_pop_head (&s->heard);
    session_send (s, heard->event);
    g_free (heard);
  }
  g_clear_pointer (&s->heard_timer, g_source_unref);
  heard_arm (s);
  return G_SOURCE_REMOVE;
}

/* What waits for more input waits for the input, not for a timer. */
static void
heard_arm (Session * s)
{
  Heard *heard = g_queue_peek_head (&s->heard);

  if (!heard || s->heard_timer || heard->due_sample > s->samples)
    return;
  s->heard_timer = g_timeout_source_new (MAX (0, (heard->due -
              g_get_monotonic_time ()) / 1000));
  g_source_set_callback (s->heard_timer, heard_tick, s, NULL);
  g_source_attach (s->heard_timer, g_main_context_get_thread_default ());
}

/* The end of the input: nothing waits for more of it. */
static void
heard_end_of_input (Session * s)
{
  GList *l;

  for (l = s->heard.head; l; l = l->next)
    ((Heard *) l->data)->due_sample = 0;
  heard_arm (s);
}

static void
heard_clear (Session * s)
{
  Heard *heard;

  if (s->heard_timer)
    g_source_destroy (s->heard_timer);
  g_clear_pointer (&s->heard_timer, g_source_unref);
  while ((heard = g_queue_pop_head (&s->heard))) {
    json_object_unref (heard->event);
    g_free (heard);
  }
}

/* Sends @event (taken), made of what the session heard: a transcription's
 * after the generation time and once the lag's audio came too, behind the
 * others. */
static void
session_send_heard (Session * s, JsonObject * event)
{
  guint delay_ms = s->transcription ? emu_generation_ms (s->emulator) : 0;
  guint lag_ms = s->transcription ? emu_realtime_lag_ms (s->emulator) : 0;
  Heard *heard;

  if (!delay_ms && !lag_ms && g_queue_is_empty (&s->heard)) {
    session_send (s, event);
    return;
  }
  heard = g_new (Heard, 1);
  heard->due = g_get_monotonic_time () + delay_ms * G_TIME_SPAN_MILLISECOND;
  heard->due_sample = s->samples + (guint64) lag_ms * RATE / 1000;
  heard->event = event;
  g_queue_push_tail (&s->heard, heard);
  heard_arm (s);
}

static JsonObject *
event_new (const gchar * type)
{
  JsonObject *event = json_object_new ();

  json_object_set_string_member (event, "type", type);
  return event;
}

/* The server's error event: invalid_request_error, or server_error for a
 * provider's failure. */
static void
session_send_error (Session * s, const gchar * code, const gchar * message,
    const gchar * param)
{
  JsonObject *event = event_new ("error");
  JsonObject *error = json_object_new ();

  json_object_set_string_member (error, "type",
      g_str_equal (code, "provider_error") ? "server_error" :
      "invalid_request_error");
  json_object_set_string_member (error, "code", code);
  json_object_set_string_member (error, "message", message);
  if (param)
    json_object_set_string_member (error, "param", param);
  json_object_set_object_member (event, "error", error);
  session_send (s, event);
}

/* The session's turn detection, as session.created and .updated say it */
static JsonNode *
turn_detection (Session * s)
{
  JsonObject *vad;
  JsonNode *node;

  if (!s->vad)
    return json_node_new (JSON_NODE_NULL);
  vad = json_object_new ();
  json_object_set_string_member (vad, "type", s->semantic ? "semantic_vad" :
      "server_vad");
  if (!s->semantic) {
    json_object_set_double_member (vad, "threshold", s->threshold);
    json_object_set_int_member (vad, "silence_duration_ms", s->silence_ms);
  }
  if (!s->transcription) {
    json_object_set_boolean_member (vad, "create_response",
        s->create_response);
    json_object_set_boolean_member (vad, "interrupt_response",
        s->interrupt_response);
  }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, vad);
  return node;
}

static JsonObject *
output_description (Session * s)
{
  JsonObject *output = json_object_new ();
  JsonObject *format = json_object_new ();

  json_object_set_string_member (format, "type", "audio/pcm");
  json_object_set_int_member (format, "rate", RATE);
  json_object_set_object_member (output, "format", format);
  json_object_set_string_member (output, "voice", s->voice ? s->voice :
      "alloy");
  return output;
}

static JsonObject *
session_description (Session * s)
{
  JsonObject *session = json_object_new ();
  JsonObject *audio = json_object_new ();
  JsonObject *input = json_object_new ();
  JsonObject *format = json_object_new ();

  json_object_set_string_member (session, "id", s->id);
  json_object_set_string_member (session, "object", "realtime.session");
  json_object_set_string_member (session, "type", s->transcription ?
      "transcription" : "realtime");
  json_object_set_string_member (format, "type", s->pcmu ? "audio/pcmu" :
      "audio/pcm");
  if (!s->pcmu)
    json_object_set_int_member (format, "rate", RATE);
  json_object_set_object_member (input, "format", format);
  json_object_set_member (input, "turn_detection", turn_detection (s));
  json_object_set_object_member (audio, "input", input);
  if (!s->transcription)
    json_object_set_object_member (audio, "output", output_description (s));
  json_object_set_object_member (session, "audio", audio);
  return session;
}

static void
session_send_described (Session * s, const gchar * type)
{
  JsonObject *event = event_new (type);

  json_object_set_object_member (event, "session", session_description (s));
  session_send (s, event);
}

/* ---- recording what clients send ---- */

static void
session_record (Session * s, const gchar * type, const gchar * text,
    gsize size)
{
  emu_realtime_record (s->emulator, type, text, size);
}

/* ---- transcription ---- */

static const gchar *
next_word (Session * s)
{
  guint n = s->transcript->len ? 1 : 0;
  const gchar *space;

  for (space = s->transcript->str; (space = strchr (space, ' ')); space++)
    n++;
  return vocabulary[(s->utterance * 7 + n) % G_N_ELEMENTS (vocabulary)];
}

/* A word heard: one delta, append-only. */
static void
transcription_word (Session * s)
{
  const gchar *word = next_word (s);
  g_autofree gchar *delta = g_strdup_printf ("%s%s",
      s->transcript->len ? " " : "", word);
  JsonObject *event =
      event_new ("conversation.item.input_audio_transcription.delta");

  g_string_append (s->transcript, delta);
  json_object_set_string_member (event, "item_id", s->item_id);
  json_object_set_int_member (event, "content_index", 0);
  json_object_set_string_member (event, "delta", delta);
  session_send_heard (s, event);
}

/* The utterance's whole transcript, then a new item for the next one. */
static void
transcription_complete (Session * s)
{
  JsonObject *event;

  if (!s->transcript->len)
    return;
  event = event_new ("conversation.item.input_audio_transcription."
      "completed");
  json_object_set_string_member (event, "item_id", s->item_id);
  json_object_set_int_member (event, "content_index", 0);
  json_object_set_string_member (event, "transcript", s->transcript->str);
  session_send_heard (s, event);
  g_string_truncate (s->transcript, 0);
  s->utterance++;
  g_free (s->item_id);
  s->item_id = session_new_id (s, "item");
}

/* ---- a conversation's reply ---- */

static void reply_stop (Session * s);

/* A tone: the reply's audio, deterministic, base64. */
static gchar *
reply_audio (Session * s)
{
  gsize n = REPLY_CHUNK_MS * RATE / 1000, i;
  g_autofree gint16 *pcm = g_new (gint16, n);
  guint64 at = (guint64) (s->reply_words * REPLY_WORD_MS / REPLY_CHUNK_MS -
      s->reply_chunks_left) * n;

  for (i = 0; i < n; i++)
    pcm[i] = GINT16_TO_LE ((gint16) (8000 * sin (2 * G_PI * 440 *
                (at + i) / RATE)));
  return g_base64_encode ((const guchar *) pcm, n * sizeof (gint16));
}

static JsonObject *
reply_event (Session * s, const gchar * type)
{
  JsonObject *event = event_new (type);

  json_object_set_string_member (event, "response_id", s->response_id);
  json_object_set_string_member (event, "item_id", s->reply_item_id);
  json_object_set_int_member (event, "output_index", 0);
  json_object_set_int_member (event, "content_index", 0);
  return event;
}

static void
reply_send_word (Session * s)
{
  JsonObject *event = reply_event (s,
      "response.output_audio_transcript.delta");
  g_autofree gchar *delta = g_strdup_printf ("%s%s",
      s->reply_words_sent ? " " : "",
      vocabulary[(s->utterance + s->reply_words_sent) %
          G_N_ELEMENTS (vocabulary)]);

  json_object_set_string_member (event, "delta", delta);
  session_send (s, event);
  s->reply_words_sent++;
}

static JsonObject *
reply_usage (Session * s)
{
  JsonObject *usage = json_object_new ();
  JsonObject *in = json_object_new ();
  JsonObject *out = json_object_new ();
  guint in_audio = 10 * (guint) (s->samples / RATE + 1);
  guint out_audio = 10 * s->reply_words;

  json_object_set_int_member (in, "audio_tokens", in_audio);
  json_object_set_int_member (in, "text_tokens", 20);
  json_object_set_int_member (out, "audio_tokens", out_audio);
  json_object_set_int_member (out, "text_tokens", s->reply_words);
  json_object_set_int_member (usage, "input_tokens", in_audio + 20);
  json_object_set_int_member (usage, "output_tokens", out_audio +
      s->reply_words);
  json_object_set_int_member (usage, "total_tokens", in_audio + 20 +
      out_audio + s->reply_words);
  json_object_set_object_member (usage, "input_token_details", in);
  json_object_set_object_member (usage, "output_token_details", out);
  return usage;
}

static void reply_start (Session * s);

/* The reply ends; a turn that ended meanwhile is answered now. */
static void
reply_done (Session * s, const gchar * status)
{
  JsonObject *event = event_new ("response.done");
  JsonObject *response = json_object_new ();

  json_object_set_string_member (response, "id", s->response_id);
  json_object_set_string_member (response, "object", "realtime.response");
  json_object_set_string_member (response, "status", status);
  json_object_set_object_member (response, "usage", reply_usage (s));
  json_object_set_object_member (event, "response", response);
  session_send (s, event);
  reply_stop (s);
  if (s->turn_waiting) {
    s->turn_waiting = FALSE;
    reply_start (s);
  }
}

/* Every REPLY_PACE_MS a chunk of the reply's audio, its words as the audio
 * reaches them, and at the end the transcript and response.done. */
static gboolean
reply_tick (gpointer data)
{
  Session *s = data;
  JsonObject *event;
  g_autofree gchar *audio = NULL;
  guint chunks_per_word = REPLY_WORD_MS / REPLY_CHUNK_MS;
  guint done = s->reply_words * chunks_per_word - s->reply_chunks_left;

  if (done % chunks_per_word == 0)
    reply_send_word (s);
  audio = reply_audio (s);
  event = reply_event (s, "response.output_audio.delta");
  json_object_set_string_member (event, "delta", audio);
  session_send (s, event);
  g_hash_table_insert (s->items, g_strdup (s->reply_item_id),
      GUINT_TO_POINTER ((done + 1) * REPLY_CHUNK_MS));
  if (--s->reply_chunks_left > 0 && done + 1 != s->reply_hold_chunks)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&s->reply, g_source_unref);
  if (s->reply_chunks_left > 0) {
    /* held: in progress until cancelled; its transcript, as the
     * service's, runs ahead of its audio */
    if ((done + 1) % chunks_per_word == 0)
      reply_send_word (s);
    return G_SOURCE_REMOVE;
  }
  session_send (s, reply_event (s, "response.output_audio.done"));
  session_send (s, reply_event (s, "response.output_audio_transcript.done"));
  reply_done (s, "completed");
  return G_SOURCE_REMOVE;
}

static gboolean
reply_begin (gpointer data)
{
  Session *s = data;
  GSource *source = g_timeout_source_new (REPLY_PACE_MS);

  g_source_unref (s->reply);
  s->reply = source;
  g_source_set_callback (source, reply_tick, s, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return G_SOURCE_REMOVE;
}

/* A turn is answered: response.created now, the reply after the
 * emulator's generation time. */
static void
reply_start (Session * s)
{
  JsonObject *event = event_new ("response.created");
  JsonObject *response = json_object_new ();
  guint generation_ms = emu_generation_ms (s->emulator);

  s->response_id = session_new_id (s, "resp");
  s->reply_item_id = session_new_id (s, "item");
  s->reply_words = 3;
  s->reply_words_sent = 0;
  s->reply_chunks_left = s->reply_words * REPLY_WORD_MS / REPLY_CHUNK_MS;
  s->reply_hold_chunks = emu_realtime_hold_ms (s->emulator) /
      REPLY_CHUNK_MS;
  json_object_set_string_member (response, "id", s->response_id);
  json_object_set_string_member (response, "status", "in_progress");
  json_object_set_object_member (event, "response", response);
  session_send (s, event);
  s->reply = g_timeout_source_new (generation_ms);
  g_source_set_callback (s->reply, reply_begin, s, NULL);
  g_source_attach (s->reply, g_main_context_get_thread_default ());
}

static void
reply_stop (Session * s)
{
  if (s->reply) {
    g_source_destroy (s->reply);
    g_source_unref (s->reply);
    s->reply = NULL;
  }
  g_clear_pointer (&s->response_id, g_free);
  g_clear_pointer (&s->reply_item_id, g_free);
}

static gboolean
reply_in_progress (Session * s)
{
  return s->response_id != NULL;
}

/* response.create: refused while a reply is in progress. */
static void
reply_create (Session * s)
{
  g_autofree gchar *message = NULL;

  if (!reply_in_progress (s)) {
    reply_start (s);
    return;
  }
  message = g_strdup_printf ("Conversation already has an active response "
      "in progress: %s. Wait until the response is finished before "
      "creating a new one.", s->response_id);
  session_send_error (s, "conversation_already_has_active_response",
      message, NULL);
}

/* response.cancel */
static void
reply_cancel (Session * s)
{
  if (reply_in_progress (s))
    reply_done (s, "cancelled");
  else
    session_send_error (s, "response_cancel_not_active",
        "Cancellation failed: no active response found", NULL);
}

/* Speech during a reply cancels it, as the service does unless told
 * otherwise (interrupt_response). */
static void
reply_interrupt (Session * s)
{
  if (reply_in_progress (s) && s->interrupt_response)
    reply_done (s, "cancelled");
}

/* ---- the energy gate ---- */

/* The end of a turn: by the client's commit, or by the voice detection.
 * A transcription session says committed only to a client's commit (the
 * server's proxy of Scribe sends the transcript alone otherwise). In a
 * conversation the input so far becomes a user item; a turn the voice
 * detection ended is answered (create_response), after the reply in
 * progress when there is one. */
static void
turn_committed (Session * s, gboolean by_client)
{
  JsonObject *event;

  if (by_client || !s->transcription) {
    event = event_new ("input_audio_buffer.committed");
    json_object_set_string_member (event, "item_id", s->item_id);
    session_send_heard (s, event);
  }
  s->uncommitted = 0;
  if (s->transcription) {
    transcription_complete (s);
    return;
  }
  event = event_new ("conversation.item.created");
  json_object_set_string_member (event, "item_id", s->item_id);
  session_send (s, event);
  s->utterance++;
  g_free (s->item_id);
  s->item_id = session_new_id (s, "item");
  if (by_client || !s->create_response)
    return;
  if (reply_in_progress (s))
    s->turn_waiting = TRUE;
  else
    reply_start (s);
}

static void
speech_event (Session * s, const gchar * type, const gchar * member,
    guint64 sample)
{
  JsonObject *event;

  /* no turn detection, no speech events */
  if (s->transcription || !s->vad)
    return;
  event = event_new (type);
  json_object_set_int_member (event, member, sample * 1000 / RATE);
  json_object_set_string_member (event, "item_id", s->item_id);
  session_send (s, event);
}

static void
gate_voiced (Session * s)
{
  s->silent_frames = 0;
  if (!s->speaking) {
    s->speaking = TRUE;
    s->speech_start = s->samples;
    s->voiced_frames = 0;
    speech_event (s, "input_audio_buffer.speech_started", "audio_start_ms",
        s->samples);
    if (s->vad)
      reply_interrupt (s);
  }
  if (++s->voiced_frames % (WORD_MS / 20) == 0 && s->transcription)
    transcription_word (s);
}

static void
gate_silent (Session * s)
{
  if (!s->speaking || ++s->silent_frames * 20 < s->silence_ms)
    return;
  s->speaking = FALSE;
  speech_event (s, "input_audio_buffer.speech_stopped", "audio_end_ms",
      s->samples);
  if (s->vad)
    turn_committed (s, FALSE);
}

/* The frame's level against the threshold: 0 is -60 dBFS, 1 is -20. */
static void
gate_frame (Session * s)
{
  gdouble rms = sqrt (s->frame_energy / FRAME) / 32768.0;
  gdouble db = 20 * log10 (MAX (rms, 1e-9));

  if (db > -60 + 40 * s->threshold)
    gate_voiced (s);
  else
    gate_silent (s);
  s->frame_energy = 0;
  s->frame_fill = 0;
}

static void
gate_feed (Session * s, const guint8 * data, gsize size)
{
  gsize i;

  for (i = 0; i + 1 < size; i += 2) {
    gint16 sample = (gint16) (data[i] | (data[i + 1] << 8));

    s->frame_energy += (gdouble) sample * sample;
    s->samples++;
    s->uncommitted++;
    if (++s->frame_fill == FRAME)
      gate_frame (s);
  }
}

/* ---- client events ---- */

/* The server's check, before GLib's lenient decoder sees it. */
static gboolean
is_base64 (const gchar * text)
{
  gsize length = strlen (text), i, padding = 0;

  if (length % 4)
    return FALSE;
  for (i = 0; i < length; i++) {
    if (text[i] == '=' && i >= length - 2)
      padding++;
    else if (padding || !(g_ascii_isalnum (text[i]) || text[i] == '+' ||
            text[i] == '/'))
      return FALSE;
  }
  return TRUE;
}

static void
on_append (Session * s, JsonObject * event)
{
  const gchar *audio = emu_json_get_string (event, "audio");
  g_autofree guint8 *pcm = NULL;
  gsize size;

  if (!audio) {
    session_send_error (s, "invalid_value",
        "input_audio_buffer.append requires audio.", "audio");
    return;
  }
  if (!is_base64 (audio)) {
    session_send_error (s, "invalid_value",
        "input_audio_buffer.append audio is invalid base64.", "audio");
    return;
  }
  pcm = g_base64_decode (audio, &size);
  if (size % 2 && !s->pcmu) {
    session_send_error (s, "invalid_value",
        "PCM audio chunks must contain complete 16-bit samples.", "audio");
    return;
  }
  s->audio_came = TRUE;
  gate_feed (s, pcm, size);
  heard_arm (s);
}

static void
on_commit (Session * s)
{
  g_autofree gchar *message = NULL;

  if (!s->transcription && s->uncommitted * 1000 < MIN_COMMIT_MS * RATE) {
    message = g_strdup_printf ("Error committing input audio buffer: buffer "
        "too small. Expected at least %ums of audio, but buffer only has "
        "%.2fms of audio.", MIN_COMMIT_MS, s->uncommitted * 1000.0 / RATE);
    session_send_error (s, "input_audio_buffer_commit_empty", message, NULL);
    return;
  }
  if (s->speaking) {
    s->speaking = FALSE;
    speech_event (s, "input_audio_buffer.speech_stopped", "audio_end_ms",
        s->samples);
  }
  turn_committed (s, TRUE);
  heard_end_of_input (s);
}

/* input_audio_buffer.clear: what was not committed is forgotten. */
static void
on_clear (Session * s)
{
  s->uncommitted = 0;
  s->speaking = FALSE;
  s->frame_energy = 0;
  s->frame_fill = 0;
  session_send (s, event_new ("input_audio_buffer.cleared"));
}

/* A conversation refuses input transcription by closing: 1008. */
static gboolean
asks_for_transcription (const gchar * type, JsonObject * event)
{
  JsonObject *session = emu_json_get_object (event, "session");
  JsonObject *input = emu_json_get_object (emu_json_get_object (session,
          "audio"), "input");
  JsonNode *old = session ? json_object_get_member (session,
      "input_audio_transcription") : NULL;
  JsonNode *new = input ? json_object_get_member (input, "transcription") :
      NULL;

  return g_str_has_prefix (type, "transcription_session.") ||
      g_strcmp0 (emu_json_get_string (session, "type"), "transcription") == 0
      || (old && !JSON_NODE_HOLDS_NULL (old)) ||
      (new && !JSON_NODE_HOLDS_NULL (new));
}

/* turn_detection: null (manual) or server_vad/semantic_vad with a
 * threshold in 0–1 and a positive silence; NULL when it is fine. */
static const gchar *
read_turn_detection (Session * s, JsonObject * input)
{
  JsonNode *node = input ? json_object_get_member (input, "turn_detection") :
      NULL;
  JsonObject *vad;
  gdouble threshold, silence;

  if (!node)
    return NULL;
  if (JSON_NODE_HOLDS_NULL (node)) {
    s->vad = FALSE;
    return NULL;
  }
  vad = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  if (!vad || !g_strv_contains ((const gchar *[]) {"server_vad",
              s->transcription ? NULL : "semantic_vad", NULL},
          emu_json_get_string (vad, "type") ? emu_json_get_string (vad,
              "type") : ""))
    return "turn_detection.type is not supported.";
  s->semantic = g_str_equal (emu_json_get_string (vad, "type"),
      "semantic_vad");
  s->create_response = s->interrupt_response = TRUE;
  emu_json_get_boolean (vad, "create_response", &s->create_response);
  emu_json_get_boolean (vad, "interrupt_response", &s->interrupt_response);
  if (emu_json_get_number (vad, "threshold", &threshold)) {
    if (threshold < 0 || threshold > 1)
      return "turn_detection.threshold must be between 0 and 1.";
    s->threshold = threshold;
  }
  if (emu_json_get_number (vad, "silence_duration_ms", &silence)) {
    if (silence <= 0)
      return "turn_detection.silence_duration_ms must be positive.";
    s->silence_ms = silence;
  }
  s->vad = TRUE;
  return NULL;
}

/* What scribe-realtime takes: PCM at 24 kHz or PCMU, nothing else. */
static const gchar *
read_format (Session * s, JsonObject * input)
{
  JsonObject *format = emu_json_get_object (input, "format");
  gdouble rate = 0;

  if (!format)
    return NULL;
  emu_json_get_number (format, "rate", &rate);
  if (g_strcmp0 (emu_json_get_string (format, "type"), "audio/pcmu") == 0)
    s->pcmu = TRUE;
  else if (g_strcmp0 (emu_json_get_string (format, "type"), "audio/pcm") ==
      0 && rate == RATE)
    s->pcmu = FALSE;
  else if (s->transcription)
    return "scribe-realtime supports OpenAI PCM at 24000 Hz and PCMU audio.";
  return NULL;
}

/* A conversation's voice: one of the service's. */
static gboolean
read_voice (Session * s, JsonObject * audio)
{
  const gchar *voice = emu_json_get_string (emu_json_get_object (audio,
          "output"), "voice");
  g_autofree gchar *message = NULL;

  if (!voice)
    return TRUE;
  if (!g_strv_contains (voices, voice)) {
    message = g_strdup_printf ("Invalid value: '%s'. " VOICES_REFUSED,
        voice);
    session_send_error (s, "invalid_value", message,
        "session.audio.output.voice");
    return FALSE;
  }
  g_free (s->voice);
  s->voice = g_strdup (voice);
  return TRUE;
}

static void
on_session_update (Session * s, JsonObject * event)
{
  JsonObject *session = emu_json_get_object (event, "session");
  JsonObject *audio = emu_json_get_object (session, "audio");
  JsonObject *input = emu_json_get_object (audio, "input");
  const gchar *problem;

  if (s->transcription && s->audio_came && input &&
      (json_object_has_member (input, "format") ||
          json_object_has_member (input, "turn_detection"))) {
    session_send_error (s, "invalid_value", "Scribe audio format, languages, "
        "and turn detection cannot change after streaming starts.",
        "session.audio.input");
    return;
  }
  if (!s->transcription && !read_voice (s, audio))
    return;
  problem = read_format (s, input);
  if (!problem)
    problem = read_turn_detection (s, input);
  if (problem) {
    session_send_error (s, "invalid_value", problem, "session.audio.input");
    return;
  }
  session_send_described (s, "session.updated");
}

/* What a truncation asks is wrong, or NULL: an item of a reply this
 * session sent, cut within the audio it got. */
static gchar *
truncate_problem (Session * s, const gchar * item_id, gboolean has_end,
    gdouble end_ms)
{
  gpointer sent_ms;

  if (!item_id || !g_hash_table_lookup_extended (s->items, item_id, NULL,
          &sent_ms))
    return g_strdup_printf ("Item '%s' not found.", item_id ? item_id : "");
  if (!has_end || end_ms < 0)
    return g_strdup ("audio_end_ms must be a non-negative integer.");
  if (end_ms > GPOINTER_TO_UINT (sent_ms))
    return g_strdup_printf ("audio_end_ms %.0f is longer than the item's "
        "%u ms of audio.", end_ms, GPOINTER_TO_UINT (sent_ms));
  return NULL;
}

static void
on_truncate (Session * s, JsonObject * event)
{
  const gchar *item_id = emu_json_get_string (event, "item_id");
  gdouble end_ms = 0;
  gboolean has_end = emu_json_get_number (event, "audio_end_ms", &end_ms);
  g_autofree gchar *problem = truncate_problem (s, item_id, has_end, end_ms);
  JsonObject *truncated;

  if (problem) {
    session_send_error (s, "invalid_value", problem, "audio_end_ms");
    return;
  }
  truncated = event_new ("conversation.item.truncated");
  json_object_set_string_member (truncated, "item_id", item_id);
  json_object_set_int_member (truncated, "content_index", 0);
  json_object_set_int_member (truncated, "audio_end_ms", end_ms);
  session_send (s, truncated);
}

static gboolean
session_handle (Session * s, const gchar * type, JsonObject * event)
{
  if (g_str_equal (type, "session.update"))
    on_session_update (s, event);
  else if (g_str_equal (type, "input_audio_buffer.append"))
    on_append (s, event);
  else if (g_str_equal (type, "input_audio_buffer.commit"))
    on_commit (s);
  else if (!s->transcription &&
      g_str_equal (type, "input_audio_buffer.clear"))
    on_clear (s);
  else if (!s->transcription && g_str_equal (type, "response.create"))
    reply_create (s);
  else if (!s->transcription && g_str_equal (type, "response.cancel"))
    reply_cancel (s);
  else if (!s->transcription &&
      g_str_equal (type, "conversation.item.truncate"))
    on_truncate (s, event);
  else
    return FALSE;
  return TRUE;
}

static void
on_message (SoupWebsocketConnection * connection, gint kind, GBytes * message,
    Session * s)
{
  gsize size;
  const gchar *text = g_bytes_get_data (message, &size);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *event = NULL;
  const gchar *type = NULL;
  g_autofree gchar *unsupported = NULL;

  if (json_parser_load_from_data (parser, text, size, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
    event = json_node_get_object (json_parser_get_root (parser));
    type = emu_json_get_string (event, "type");
  }
  session_record (s, type ? type : "", text, size);
  if (!type) {
    session_send_error (s, "invalid_value",
        "Expected an OpenAI Realtime JSON event.", NULL);
  } else if (!s->transcription && asks_for_transcription (type, event)) {
    soup_websocket_connection_close (connection,
        SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, TRANSCRIPTION_REFUSED);
  } else if (!session_handle (s, type, event)) {
    unsupported = g_strdup_printf ("Unsupported client event: %s.", type);
    session_send_error (s, "invalid_event", unsupported, "type");
  }
}

/* ---- sessions ---- */

static void
session_free (Session * s)
{
  reply_stop (s);
  heard_clear (s);
  emu_realtime_forget (s->emulator, s);
  g_object_unref (s->connection);
  g_free (s->id);
  g_free (s->voice);
  g_free (s->item_id);
  g_string_free (s->transcript, TRUE);
  g_hash_table_unref (s->items);
  g_free (s);
}

static void
on_closed (SoupWebsocketConnection * connection, Session * s)
{
  g_signal_handlers_disconnect_by_data (connection, s);
  session_free (s);
}

/* The model after the upgrade: scribe-realtime (or an alias of it) makes a
 * transcription session. */
static gboolean
is_scribe (const gchar * model)
{
  return model && (g_str_equal (model, SCRIBE) ||
      g_str_equal (model, "elevenlabs/scribe-v2-realtime"));
}

/* soup_server_add_websocket_handler()'s callback: the upgrade went
 * through. */
void
emu_realtime_session (SoupServer * server, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * connection,
    gpointer user_data)
{
  Session *s = g_new0 (Session, 1);
  g_autoptr (GHashTable) query = g_uri_parse_params (g_uri_get_query
      (soup_server_message_get_uri (msg)) ? g_uri_get_query
      (soup_server_message_get_uri (msg)) : "", -1, "&",
      G_URI_PARAMS_WWW_FORM, NULL);

  s->emulator = user_data;
  s->connection = g_object_ref (connection);
  s->transcription = is_scribe (query ? g_hash_table_lookup (query, "model") :
      NULL);
  s->id = g_strdup_printf ("sess%u", emu_realtime_track (s->emulator, s));
  s->vad = !s->transcription;   /* scribe commits by hand by default */
  s->threshold = 0.5;
  s->silence_ms = 500;
  s->create_response = s->interrupt_response = TRUE;
  s->items = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->transcript = g_string_new (NULL);
  s->item_id = session_new_id (s, "item");
  soup_websocket_connection_set_max_incoming_payload_size (connection,
      16 * 1024 * 1024);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), s);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), s);
  session_send_described (s, "session.created");
}

/* The checks the server makes before it upgrades: the upgrade header
 * (426), the key (401) and the model (400); a passing request is left
 * without a status, so that libsoup upgrades it. */
void
emu_handle_realtime (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  const gchar *upgrade = pollen_emulator_request_get_header (request,
      "Upgrade");
  const gchar *model = pollen_emulator_request_get_query (request, "model");
  g_autofree gchar *unknown = NULL;

  if (!upgrade || g_ascii_strcasecmp (upgrade, "websocket") != 0) {
    g_autoptr (GBytes) text = g_bytes_new_static ("Expected Upgrade: "
        "websocket", 27);

    emu_send_bytes (emulator, msg, 426, "text/plain", text);
    return;
  }
  if (!emu_check_key (emulator, msg, request))
    return;
  if (model && !is_scribe (model) && !g_str_has_prefix (model,
          "gpt-realtime") && !g_str_has_prefix (model, "openai/gpt-realtime")) {
    unknown = g_strdup_printf ("Model '%s' not found for realtime", model);
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", unknown);
  }
}

/* Ends every open session: closed with @code and @reason, or with 0 its
 * connection is lost, without a close frame. Emulator thread. */
void
emu_realtime_end_all (PollenEmulator * emulator, gushort code,
    const gchar * reason)
{
  g_autoptr (GPtrArray) sessions =
      g_ptr_array_copy (emu_realtime_sessions (emulator), NULL, NULL);
  guint i;

  for (i = 0; i < sessions->len; i++) {
    Session *s = g_ptr_array_index (sessions, i);

    reply_stop (s);
    heard_clear (s);
    if (code) {
      /* freed when the close is done (on_closed) */
      soup_websocket_connection_close (s->connection, code, reason);
      continue;
    }
    g_signal_handlers_disconnect_by_data (s->connection, s);
    g_io_stream_close (soup_websocket_connection_get_io_stream
        (s->connection), NULL, NULL);
    session_free (s);
  }
}
