/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* PollenSession, the realtime transport, against the emulator's
 * /v1/realtime: what goes over the wire, every refusal of the handshake
 * with the server's own message, a connection that drops and comes back
 * with what was queued, and the server's closes; and the emulator's
 * transcription, late by its generation time. */

#include "pollentest.h"
#include "pollensession.h"

#include <math.h>
#include <string.h>

/* What the callbacks saw, for the test thread to wait on. */
typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *types;             /* gchar *, the events' types */
  GPtrArray *events;            /* JsonObject */
  guint reconnections;
  gsize dropped_bytes;
  gboolean ended;
  GError *end_error;
} Seen;

static void
seen_init (Seen * seen)
{
  memset (seen, 0, sizeof *seen);
  g_mutex_init (&seen->lock);
  g_cond_init (&seen->cond);
  seen->types = g_ptr_array_new_with_free_func (g_free);
  seen->events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_object_unref);
}

static void
seen_clear (Seen * seen)
{
  g_ptr_array_unref (seen->types);
  g_ptr_array_unref (seen->events);
  g_clear_error (&seen->end_error);
  g_mutex_clear (&seen->lock);
  g_cond_clear (&seen->cond);
}

static void
on_event (PollenSession * session, JsonObject * event, gpointer user_data)
{
  Seen *seen = user_data;

  g_mutex_lock (&seen->lock);
  g_ptr_array_add (seen->types, g_strdup (json_object_get_string_member
          (event, "type")));
  g_ptr_array_add (seen->events, json_object_ref (event));
  g_cond_broadcast (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static void
on_reconnected (PollenSession * session, gint64 gap_us, gsize dropped,
    gpointer user_data)
{
  Seen *seen = user_data;

  g_mutex_lock (&seen->lock);
  seen->reconnections++;
  seen->dropped_bytes += dropped;
  g_cond_broadcast (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static void
on_ended (PollenSession * session, const GError * error, gpointer user_data)
{
  Seen *seen = user_data;

  g_mutex_lock (&seen->lock);
  seen->ended = TRUE;
  seen->end_error = error ? g_error_copy (error) : NULL;
  g_cond_broadcast (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static const PollenSessionCallbacks callbacks = {
  on_event, on_reconnected, NULL, on_ended
};

/* Waits until an event of @type came; returns it (owned by @seen). */
static JsonObject *
seen_wait_event (Seen * seen, const gchar * type)
{
  gint64 end = g_get_monotonic_time () + POLLEN_TEST_MS (10) *
      G_TIME_SPAN_SECOND;
  JsonObject *found = NULL;
  guint i = 0;

  g_mutex_lock (&seen->lock);
  while (!found) {
    for (; i < seen->types->len && !found; i++)
      if (g_str_equal (g_ptr_array_index (seen->types, i), type))
        found = g_ptr_array_index (seen->events, i);
    if (!found && !g_cond_wait_until (&seen->cond, &seen->lock, end))
      break;
  }
  g_mutex_unlock (&seen->lock);
  fail_unless (found != NULL, "no %s event came", type);
  return found;
}

/* With the lock: how many events of @type came. */
static guint
seen_count_locked (Seen * seen, const gchar * type)
{
  guint i, n = 0;

  for (i = 0; i < seen->types->len; i++)
    n += g_str_equal (g_ptr_array_index (seen->types, i), type);
  return n;
}

/* Waits until @n events of @type came; returns the @n-th (owned by
 * @seen). */
static JsonObject *
seen_wait_nth (Seen * seen, const gchar * type, guint n)
{
  gint64 end = g_get_monotonic_time () + POLLEN_TEST_MS (10) *
      G_TIME_SPAN_SECOND;
  JsonObject *found = NULL;
  guint i, k = 0;

  g_mutex_lock (&seen->lock);
  while (seen_count_locked (seen, type) < n &&
      g_cond_wait_until (&seen->cond, &seen->lock, end));
  for (i = 0; i < seen->types->len && !found; i++)
    if (g_str_equal (g_ptr_array_index (seen->types, i), type) && ++k == n)
      found = g_ptr_array_index (seen->events, i);
  g_mutex_unlock (&seen->lock);
  fail_unless (found != NULL, "no event %u of %s came", n, type);
  return found;
}

static guint
seen_count (Seen * seen, const gchar * type)
{
  guint n;

  g_mutex_lock (&seen->lock);
  n = seen_count_locked (seen, type);
  g_mutex_unlock (&seen->lock);
  return n;
}

/* Waits until the session said it reconnected: it says so after the
 * setup went out on the new connection, so the emulator may have that
 * first. */
static void
seen_wait_reconnected (Seen * seen)
{
  gint64 end = g_get_monotonic_time () + POLLEN_TEST_MS (10) *
      G_TIME_SPAN_SECOND;

  g_mutex_lock (&seen->lock);
  while (!seen->reconnections && g_cond_wait_until (&seen->cond, &seen->lock,
          end));
  g_mutex_unlock (&seen->lock);
}

static void
seen_wait_ended (Seen * seen)
{
  gint64 end = g_get_monotonic_time () + POLLEN_TEST_MS (10) *
      G_TIME_SPAN_SECOND;

  g_mutex_lock (&seen->lock);
  while (!seen->ended && g_cond_wait_until (&seen->cond, &seen->lock, end));
  g_mutex_unlock (&seen->lock);
  fail_unless (seen->ended, "the session did not end");
}

static PollenRequest *
realtime_request (const gchar * model)
{
  PollenRequest *request = pollen_request_new ("GET", "/v1/realtime");

  pollen_request_add_query (request, "model", model);
  return request;
}

static PollenSession *
open_session (PollenClient * client, const gchar * model, Seen * seen,
    GError ** error)
{
  return pollen_session_open (client, realtime_request (model), &callbacks,
      seen, NULL, error);
}

/* A conversation: session.created first, a session.update on the wire as
 * the owner sent it, the key only in the Authorization header. */
GST_START_TEST (test_session_on_the_wire)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 10);
  g_autoptr (PollenEmulatorRequest) request = NULL;
  g_autoptr (JsonObject) update = json_object_new ();
  g_autofree gchar *sent = NULL;
  PollenSession *session;
  JsonObject *created;
  Seen seen;

  seen_init (&seen);
  session = open_session (client, "gpt-realtime-2.1", &seen, NULL);
  fail_unless (session != NULL);
  created = seen_wait_event (&seen, "session.created");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (created, "session"), "type"),
      "realtime");

  json_object_set_string_member (update, "type", "session.update");
  pollen_session_set_setup (session, update);
  sent = pollen_emulator_realtime_wait_event (emulator, "session.update",
      POLLEN_TEST_MS (5000));
  fail_unless_equals_string (sent, "{\"type\":\"session.update\"}");
  seen_wait_event (&seen, "session.updated");

  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (request->path, "/v1/realtime");
  fail_unless_equals_string (pollen_emulator_request_get_query (request,
          "model"), "gpt-realtime-2.1");
  fail_unless (pollen_emulator_request_get_query (request, "key") == NULL);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);

  pollen_session_close (session);
  fail_unless (seen.ended && seen.end_error == NULL);
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Audio goes out as input_audio_buffer.append events of base64 PCM. */
GST_START_TEST (test_audio_appended_as_base64)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 10);
  g_autofree gchar *sent = NULL;
  guint8 pcm[] = { 1, 2, 3, 4 };
  PollenSession *session;
  Seen seen;

  seen_init (&seen);
  session = open_session (client, "scribe-realtime", &seen, NULL);
  fail_unless (session != NULL);
  pollen_session_append_audio (session, pcm, sizeof pcm);
  sent = pollen_emulator_realtime_wait_event (emulator,
      "input_audio_buffer.append", POLLEN_TEST_MS (5000));
  fail_unless_equals_string (sent, "{\"type\":\"input_audio_buffer.append\","
      "\"audio\":\"AQIDBA==\"}");
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A refused handshake is an error with the status and the server's own
 * message, not retried: 401 without a key, 400 for an unknown model. */
GST_START_TEST (test_refused_handshake_names_the_server_message)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) keyless =
      pollen_test_client_new (pollen_emulator_get_url (emulator), NULL, 3,
      10);
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 3, 10);
  g_autoptr (GError) unauthorized = NULL;
  g_autoptr (GError) unknown = NULL;
  Seen seen;

  seen_init (&seen);
  fail_if (open_session (keyless, "gpt-realtime-2.1", &seen, &unauthorized));
  fail_unless (g_error_matches (unauthorized, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_HTTP), "%s", unauthorized->message);
  fail_unless_equals_int (pollen_client_error_get_http_status (unauthorized),
      401);
  fail_unless (strstr (unauthorized->message, "401 Unauthorized: "
          "Authentication required"), "%s", unauthorized->message);
  fail_unless_equals_string (pollen_client_error_get_api_code (unauthorized),
      "UNAUTHORIZED");
  /* the refused handshake, and the same request read for its message */
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 2);

  fail_if (open_session (client, "whisper", &seen, &unknown));
  fail_unless_equals_int (pollen_client_error_get_http_status (unknown), 400);
  fail_unless (strstr (unknown->message, "Model 'whisper' not found"),
      "%s", unknown->message);
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (emulator), 0);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A handshake refused with 503 is tried again, as any request is. */
GST_START_TEST (test_transient_refusal_retried)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 1, 10);
  g_autoptr (GError) error = NULL;
  PollenSession *session;
  Seen seen;

  seen_init (&seen);
  pollen_emulator_push (emulator, "/v1/realtime",
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "busy"));
  session = open_session (client, "gpt-realtime-2.1", &seen, &error);
  fail_unless (session != NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 2);
  /* the server counted the session before it said it was created */
  seen_wait_event (&seen, "session.created");
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (emulator), 1);
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A connection that drops is opened again: the setup first, then what was
 * queued meanwhile; the owner hears of the gap. The first connection again
 * is refused (503), so that the audio is appended while the client knows
 * the connection is gone: appended before that, it would go into the dead
 * connection, as it would on a real network. */
GST_START_TEST (test_dropped_connection_comes_back)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 2, 10);
  g_autoptr (JsonObject) update = json_object_new ();
  g_autofree gchar *setup = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *audio = NULL;
  guint8 pcm[] = { 0, 0 };
  PollenSession *session;
  Seen seen;

  seen_init (&seen);
  session = open_session (client, "scribe-realtime", &seen, NULL);
  fail_unless (session != NULL);
  json_object_set_string_member (update, "type", "session.update");
  pollen_session_set_setup (session, update);
  setup = pollen_emulator_realtime_wait_event (emulator, "session.update",
      POLLEN_TEST_MS (5000));
  fail_unless (setup != NULL);

  pollen_emulator_push (emulator, "/v1/realtime",
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "busy"));
  pollen_emulator_realtime_drop (emulator);
  pollen_emulator_request_unref (pollen_emulator_wait_request (emulator, 1,
          POLLEN_TEST_MS (5000)));
  pollen_session_append_audio (session, pcm, sizeof pcm);
  again = pollen_emulator_realtime_wait_event (emulator, "session.update",
      POLLEN_TEST_MS (5000));
  fail_unless (again != NULL, "no setup on the new connection");
  audio = pollen_emulator_realtime_wait_event (emulator,
      "input_audio_buffer.append", POLLEN_TEST_MS (5000));
  fail_unless_equals_string (audio, "{\"type\":\"input_audio_buffer.append\","
      "\"audio\":\"AAA=\"}");
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (emulator), 2);
  seen_wait_reconnected (&seen);
  g_mutex_lock (&seen.lock);
  fail_unless_equals_int (seen.reconnections, 1);
  fail_unless (!seen.ended);
  g_mutex_unlock (&seen.lock);
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A close with the server's verdict ends the session with an error that
 * quotes it; nothing is opened again. */
GST_START_TEST (test_policy_close_is_an_error)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 3, 10);
  g_autoptr (JsonObject) update = json_object_new ();
  g_autoptr (JsonObject) session_object = json_object_new ();
  PollenSession *session;
  Seen seen;

  seen_init (&seen);
  session = open_session (client, "gpt-realtime-2.1", &seen, NULL);
  fail_unless (session != NULL);
  /* asking a conversation for input transcription: the server closes */
  json_object_set_string_member (update, "type", "session.update");
  json_object_set_string_member (session_object, "type", "transcription");
  json_object_set_object_member (update, "session",
      json_object_ref (session_object));
  pollen_session_send (session, update);
  seen_wait_ended (&seen);
  fail_unless (g_error_matches (seen.end_error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_CLOSED), "%s", seen.end_error->message);
  fail_unless_equals_string (pollen_client_error_get_api_code
      (seen.end_error), "1008");
  fail_unless_equals_string (seen.end_error->message, "the server closed "
      "the realtime session: 1008 Realtime input transcription is not "
      "supported yet.");
  fail_unless_equals_int (pollen_emulator_get_realtime_session_count
      (emulator), 1);
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The server's error events reach the owner as events. */
GST_START_TEST (test_error_event_reaches_the_owner)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 10);
  guint8 odd[] = { 1, 2, 3 };
  PollenSession *session;
  JsonObject *error;
  Seen seen;

  seen_init (&seen);
  session = open_session (client, "scribe-realtime", &seen, NULL);
  fail_unless (session != NULL);
  pollen_session_append_audio (session, odd, sizeof odd);
  error = json_object_get_object_member (seen_wait_event (&seen, "error"),
      "error");
  fail_unless_equals_string (json_object_get_string_member (error,
          "message"), "PCM audio chunks must contain complete 16-bit "
      "samples.");
  fail_unless_equals_string (json_object_get_string_member (error, "param"),
      "audio");
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Started without waiting: what the owner sends before the connection is
 * open goes out once it is, the setup first and only once. */
GST_START_TEST (test_started_session_sends_what_was_queued)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 10);
  g_autoptr (JsonObject) update = json_object_new ();
  g_autofree gchar *setup = NULL;
  g_autofree gchar *audio = NULL;
  g_autofree gchar *again = NULL;
  guint8 pcm[] = { 0, 0 };
  PollenSession *session;
  Seen seen;

  seen_init (&seen);
  session = pollen_session_start (client, realtime_request ("scribe-realtime"),
      &callbacks, &seen);
  json_object_set_string_member (update, "type", "session.update");
  pollen_session_set_setup (session, update);
  pollen_session_append_audio (session, pcm, sizeof pcm);
  setup = pollen_emulator_realtime_wait_event (emulator, "session.update",
      POLLEN_TEST_MS (5000));
  fail_unless_equals_string (setup, "{\"type\":\"session.update\"}");
  audio = pollen_emulator_realtime_wait_event (emulator,
      "input_audio_buffer.append", POLLEN_TEST_MS (5000));
  fail_unless (audio != NULL);
  /* the append came after the setup; no second setup before or after it */
  again = pollen_emulator_realtime_wait_event (emulator, "session.update", 0);
  fail_unless (again == NULL, "the setup went twice: %s", again);
  pollen_session_close (session);
  fail_unless (seen.ended && seen.end_error == NULL);
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A started session whose opening is refused ends with the error
 * pollen_session_open() would have returned. */
GST_START_TEST (test_started_session_refused_ends_it)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) keyless =
      pollen_test_client_new (pollen_emulator_get_url (emulator), NULL, 0,
      10);
  PollenSession *session;
  Seen seen;

  seen_init (&seen);
  session = pollen_session_start (keyless,
      realtime_request ("gpt-realtime-2.1"), &callbacks, &seen);
  seen_wait_ended (&seen);
  fail_unless_equals_int (pollen_client_error_get_http_status
      (seen.end_error), 401);
  fail_unless (strstr (seen.end_error->message, "Authentication required"),
      "%s", seen.end_error->message);
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- conversations as the service holds them ---- */

static void
send_text (PollenSession * session, const gchar * json)
{
  g_autoptr (JsonNode) root = json_from_string (json, NULL);

  fail_unless (root != NULL, "%s", json);
  pollen_session_send (session, json_node_get_object (root));
}

/* @ms of a 440 Hz tone at -6 dBFS (speech to the emulator), or silence */
static void
append_audio (PollenSession * session, guint ms, gboolean loud)
{
  gsize n = ms * 24, i;
  g_autofree gint16 *pcm = g_new0 (gint16, n);

  for (i = 0; loud && i < n; i++)
    pcm[i] = GINT16_TO_LE ((gint16) (16000 * sin (2 * G_PI * 440 * i /
                24000.0)));
  pollen_session_append_audio (session, (const guint8 *) pcm, n * 2);
}

static const gchar *
error_code (JsonObject * event)
{
  return json_object_get_string_member (json_object_get_object_member
      (event, "error"), "code");
}

/* A conversation against an emulator of its own, whose replies stop
 * after @hold_ms of audio (0: they do not). */
typedef struct
{
  PollenEmulator *emulator;
  PollenClient *client;
  PollenSession *session;
  Seen seen;
} Talk;

static void
talk_open (Talk * t, guint hold_ms)
{
  t->emulator = pollen_test_emulator_new ();
  pollen_emulator_realtime_hold_replies (t->emulator, hold_ms);
  t->client = pollen_test_client_new (pollen_emulator_get_url (t->emulator),
      POLLEN_TEST_KEY, 0, 10);
  seen_init (&t->seen);
  t->session = open_session (t->client, "gpt-realtime-2.1", &t->seen, NULL);
  fail_unless (t->session != NULL);
}

static void
talk_close (Talk * t)
{
  pollen_session_free (t->session);
  seen_clear (&t->seen);
  g_object_unref (t->client);
  pollen_emulator_free (t->emulator);
}

static const gchar *
response_status (JsonObject * done)
{
  return json_object_get_string_member (json_object_get_object_member (done,
          "response"), "status");
}

/* Without turn detection there are no speech events, and a commit only
 * commits: response.create asks for the answer. */
GST_START_TEST (test_conversation_manual_turn)
{
  Talk t;

  talk_open (&t, 0);
  send_text (t.session, "{\"type\":\"session.update\",\"session\":{\"type\":"
      "\"realtime\",\"audio\":{\"input\":{\"turn_detection\":null}}}}");
  seen_wait_event (&t.seen, "session.updated");
  append_audio (t.session, 500, TRUE);
  append_audio (t.session, 800, FALSE);
  send_text (t.session, "{\"type\":\"input_audio_buffer.commit\"}");
  seen_wait_event (&t.seen, "conversation.item.created");
  send_text (t.session, "{\"type\":\"response.create\"}");
  fail_unless_equals_string (response_status (seen_wait_event (&t.seen,
              "response.done")), "completed");
  fail_unless_equals_int (seen_count (&t.seen, "response.created"), 1);
  fail_unless_equals_int (seen_count (&t.seen,
          "response.output_audio.delta"), 15);
  fail_unless_equals_int (seen_count (&t.seen,
          "input_audio_buffer.speech_started"), 0);
  fail_unless_equals_int (seen_count (&t.seen, "error"), 0);
  talk_close (&t);
}

GST_END_TEST;

/* What the service refuses, with its codes: an unknown voice, a commit of
 * less than 100 ms, a cancel with no response, a truncation of an item it
 * never sent. */
GST_START_TEST (test_conversation_refusals)
{
  JsonObject *error;
  Talk t;

  talk_open (&t, 0);
  send_text (t.session, "{\"type\":\"session.update\",\"session\":{\"type\":"
      "\"realtime\",\"audio\":{\"output\":{\"voice\":\"bob\"}}}}");
  error = json_object_get_object_member (seen_wait_nth (&t.seen, "error", 1),
      "error");
  fail_unless_equals_string (json_object_get_string_member (error, "param"),
      "session.audio.output.voice");
  fail_unless (g_str_has_prefix (json_object_get_string_member (error,
              "message"), "Invalid value: 'bob'. Supported values are: "
          "'alloy'"));
  append_audio (t.session, 40, FALSE);
  send_text (t.session, "{\"type\":\"input_audio_buffer.commit\"}");
  fail_unless_equals_string (error_code (seen_wait_nth (&t.seen, "error", 2)),
      "input_audio_buffer_commit_empty");
  send_text (t.session, "{\"type\":\"response.cancel\"}");
  fail_unless_equals_string (error_code (seen_wait_nth (&t.seen, "error", 3)),
      "response_cancel_not_active");
  send_text (t.session, "{\"type\":\"conversation.item.truncate\","
      "\"item_id\":\"item_x\",\"content_index\":0,\"audio_end_ms\":0}");
  error = json_object_get_object_member (seen_wait_nth (&t.seen, "error", 4),
      "error");
  fail_unless_equals_string (json_object_get_string_member (error,
          "message"), "Item 'item_x' not found.");
  fail_unless_equals_int (seen_count (&t.seen, "session.updated"), 0);
  talk_close (&t);
}

GST_END_TEST;

static void
send_truncate (PollenSession * session, const gchar * item, guint end_ms)
{
  g_autofree gchar *truncate = g_strdup_printf ("{\"type\":"
      "\"conversation.item.truncate\",\"item_id\":\"%s\","
      "\"content_index\":0,\"audio_end_ms\":%u}", item, end_ms);

  send_text (session, truncate);
}

/* A held reply is in progress until speech cancels it; its item is
 * truncated within the audio sent, not past it; a second response.create
 * is refused while it runs. */
GST_START_TEST (test_conversation_held_reply_cancelled_by_speech)
{
  const gchar *item;
  Talk t;

  talk_open (&t, 300);
  append_audio (t.session, 400, TRUE);
  append_audio (t.session, 700, FALSE);
  seen_wait_event (&t.seen, "input_audio_buffer.speech_stopped");
  item = json_object_get_string_member (seen_wait_nth (&t.seen,
          "response.output_audio.delta", 3), "item_id");
  send_text (t.session, "{\"type\":\"response.create\"}");
  fail_unless_equals_string (error_code (seen_wait_nth (&t.seen, "error", 1)),
      "conversation_already_has_active_response");
  send_truncate (t.session, item, 200);
  seen_wait_event (&t.seen, "conversation.item.truncated");
  send_truncate (t.session, item, 400);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (seen_wait_nth (&t.seen, "error", 2),
              "error"), "param"), "audio_end_ms");
  append_audio (t.session, 200, TRUE);
  fail_unless_equals_string (response_status (seen_wait_event (&t.seen,
              "response.done")), "cancelled");
  fail_unless_equals_int (seen_count (&t.seen,
          "response.output_audio.delta"), 3);
  talk_close (&t);
}

GST_END_TEST;

/* With interrupt_response false, speech lets the reply finish, and the
 * turn it made is answered after it. */
GST_START_TEST (test_conversation_without_interruption)
{
  Talk t;

  talk_open (&t, 0);
  send_text (t.session, "{\"type\":\"session.update\",\"session\":{\"type\":"
      "\"realtime\",\"audio\":{\"input\":{\"turn_detection\":{\"type\":"
      "\"server_vad\",\"interrupt_response\":false}}}}}");
  seen_wait_event (&t.seen, "session.updated");
  append_audio (t.session, 400, TRUE);
  append_audio (t.session, 700, FALSE);
  seen_wait_event (&t.seen, "response.output_audio.delta");
  append_audio (t.session, 400, TRUE);
  append_audio (t.session, 700, FALSE);
  fail_unless_equals_string (response_status (seen_wait_nth (&t.seen,
              "response.done", 1)), "completed");
  fail_unless_equals_string (response_status (seen_wait_nth (&t.seen,
              "response.done", 2)), "completed");
  fail_unless_equals_int (seen_count (&t.seen,
          "response.output_audio.delta"), 30);
  talk_close (&t);
}

GST_END_TEST;

/* A handshake that never gets an answer is cut by the cancellable. */
static gpointer
cancel_soon (gpointer cancellable)
{
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  g_cancellable_cancel (cancellable);
  return NULL;
}

GST_START_TEST (test_cancel_while_opening)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 0);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  GThread *canceller;
  Seen seen;

  seen_init (&seen);
  hang->hang = TRUE;
  pollen_emulator_push (emulator, "/v1/realtime", hang);
  canceller = g_thread_new ("canceller", cancel_soon, cancellable);
  fail_if (pollen_session_open (client, realtime_request ("gpt-realtime-2.1"),
          &callbacks, &seen, cancellable, &error));
  fail_unless (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
      "%s", error->message);
  g_thread_join (canceller);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A transcription session says a word the generation time after it heard
 * it (a model's latency), and the emulator keeps what it sent with the
 * time it went. Times are only bounded from below. */
GST_START_TEST (test_words_come_after_generation_time)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 10);
  g_autofree gchar *sent = NULL;
  gint16 pcm[24000 * 300 / 1000];       /* 300 ms of loud sound: a word */
  gint64 appended, received, sent_us = 0;
  PollenSession *session;
  JsonObject *delta;
  Seen seen;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (pcm); i++)
    pcm[i] = GINT16_TO_LE (8000);
  seen_init (&seen);
  pollen_emulator_set_generation_time (emulator, 300);
  session = open_session (client, "scribe-realtime", &seen, NULL);
  fail_unless (session != NULL);
  seen_wait_event (&seen, "session.created");
  appended = g_get_monotonic_time ();
  pollen_session_append_audio (session, (const guint8 *) pcm, sizeof pcm);
  delta = seen_wait_event (&seen,
      "conversation.item.input_audio_transcription.delta");
  received = g_get_monotonic_time ();
  fail_unless_equals_string (json_object_get_string_member (delta, "delta"),
      "alpha");

  sent = pollen_emulator_realtime_wait_sent (emulator,
      "conversation.item.input_audio_transcription.delta", 0, &sent_us);
  fail_unless (sent != NULL && strstr (sent, "\"delta\":\"alpha\""), "%s",
      sent);
  fail_unless (sent_us >= appended + 300 * G_TIME_SPAN_MILLISECOND,
      "the word went %" G_GINT64_FORMAT " ms after its audio",
      (sent_us - appended) / 1000);
  fail_unless (sent_us <= received);
  pollen_session_free (session);
  seen_clear (&seen);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
pollensession_suite (void)
{
  Suite *s = suite_create ("pollensession");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_session_on_the_wire);
  tcase_add_test (tc, test_audio_appended_as_base64);
  tcase_add_test (tc, test_refused_handshake_names_the_server_message);
  tcase_add_test (tc, test_transient_refusal_retried);
  tcase_add_test (tc, test_dropped_connection_comes_back);
  tcase_add_test (tc, test_policy_close_is_an_error);
  tcase_add_test (tc, test_error_event_reaches_the_owner);
  tcase_add_test (tc, test_cancel_while_opening);
  tcase_add_test (tc, test_started_session_sends_what_was_queued);
  tcase_add_test (tc, test_started_session_refused_ends_it);
  tcase_add_test (tc, test_conversation_manual_turn);
  tcase_add_test (tc, test_conversation_refusals);
  tcase_add_test (tc, test_conversation_held_reply_cancelled_by_speech);
  tcase_add_test (tc, test_conversation_without_interruption);
  tcase_add_test (tc, test_words_come_after_generation_time);
  return s;
}

GST_CHECK_MAIN (pollensession);
