/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Lock order: self->lock is taken alone, never while calling the client,
 * libsoup or a callback. The connection and the fields marked "session
 * thread" are only touched from the session's thread. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollensession.h"
#include "pollenclient-private.h"
#include "pollenjson.h"

#include <string.h>

#define GST_CAT_DEFAULT (pollen_client_debug_category ())

/* what may wait while the connection is down: 80 s of 24 kHz speech */
#define MAX_QUEUED_BYTES (8 * 1024 * 1024)
/* the server's close frame after ours */
#define CLOSE_WAIT_MS 2000
/* one event; an audio delta is far smaller */
#define MAX_EVENT_BYTES (16 * 1024 * 1024)
#define WIRE_LOG_CHARS 1024

typedef struct
{
  gchar *text;
  gsize size;
  gboolean audio;               /* may be dropped when too much waits */
  gboolean setup;               /* the setup: a new connection sends it
                                 * first, so it needs no copy of this */
} Outgoing;

struct _PollenSession
{
  /* set in open(), then only read */
  PollenClient *client;
  PollenRequest *request;
  PollenSessionCallbacks callbacks;
  gpointer user_data;
  GMainContext *context;
  GThread *thread;
  GCancellable *open_cancellable;       /* the opener's, while it waits */
  GCancellable *cancellable;    /* a reconnection's; cancelled by close */
  gboolean started;             /* pollen_session_start(): nobody waits for
                                 * the opening, its failure ends the session */

  GMutex lock;
  GCond opened;
  /* under lock */
  gboolean open_done;
  GError *open_error;
  GQueue outbox;                /* Outgoing */
  gsize queued_bytes;
  gsize dropped_bytes;          /* since the last reconnection */
  gchar *setup;                 /* sent first on every connection */
  gboolean closing;

  /* session thread */
  SoupWebsocketConnection *connection;
  gboolean dropped;             /* the connection closed */
  gboolean close_sent;
  gboolean ended;
  GError *connection_error;     /* what libsoup said before it closed */
};

static void
outgoing_free (Outgoing * outgoing)
{
  g_free (outgoing->text);
  g_free (outgoing);
}

/* ---- the wire log ---- */

/* At TRACE, what went over the socket, the key redacted and audio (base64
 * in an append or a delta) shown as its length. */
static void
pollen_session_log (PollenSession * self, gchar direction,
    const gchar * type, const gchar * text, gsize size, gboolean audio)
{
  g_autofree gchar *shown = NULL;
  g_autofree gchar *redacted = NULL;

  if (gst_debug_category_get_threshold (GST_CAT_DEFAULT) < GST_LEVEL_TRACE)
    return;
  if (audio)
    shown = g_strdup_printf ("%s (%" G_GSIZE_FORMAT " bytes, audio elided)",
        type, size);
  else
    shown = g_utf8_make_valid (text, MIN (size, WIRE_LOG_CHARS));
  redacted = pollen_client_redact (self->client, shown);
  GST_CAT_TRACE_OBJECT (GST_CAT_DEFAULT, pollen_client_get_log_object
      (self->client), "%c ws %s", direction, redacted);
}

/* ---- the session thread: the server's side ---- */

static gboolean
is_audio_event (const gchar * type)
{
  return g_str_has_suffix (type, "audio.delta") ||
      g_str_equal (type, "input_audio_buffer.append");
}

static void
pollen_session_problem (PollenSession * self, const gchar * what,
    const gchar * text, gsize size)
{
  g_autofree gchar *quoted = pollen_body_quote (text, size, 120);
  g_autofree gchar *message = g_strdup_printf ("the server sent %s in the "
      "realtime session: %s", what, quoted);
  g_autoptr (GError) error = pollen_client_error_new
      (POLLEN_CLIENT_ERROR_BAD_RESPONSE, 0, NULL, NULL, NULL, message);

  pollen_client_redact_error (self->client, error);
  if (self->callbacks.problem)
    self->callbacks.problem (self, error, self->user_data);
}

static void
on_message (SoupWebsocketConnection * connection, gint kind, GBytes * message,
    PollenSession * self)
{
  gsize size;
  const gchar *text = g_bytes_get_data (message, &size);
  g_autoptr (JsonNode) root = NULL;
  const gchar *type = NULL;

  if (kind != SOUP_WEBSOCKET_DATA_TEXT) {
    pollen_session_problem (self, "a binary message", text, size);
    return;
  }
  root = pollen_json_parse (text, size, NULL);
  if (root && JSON_NODE_HOLDS_OBJECT (root))
    type = pollen_json_get_string (json_node_get_object (root), "type");
  if (!type) {
    pollen_session_problem (self, "an event that is no JSON object with a "
        "type", text, size);
    return;
  }
  pollen_session_log (self, '<', type, text, size, is_audio_event (type));
  self->callbacks.event (self, json_node_get_object (root), self->user_data);
}

static void
on_closed (SoupWebsocketConnection * connection, PollenSession * self)
{
  self->dropped = TRUE;
}

static void
on_error (SoupWebsocketConnection * connection, GError * error,
    PollenSession * self)
{
  if (!self->connection_error)
    self->connection_error = g_error_copy (error);
}

static void
pollen_session_attach (PollenSession * self,
    SoupWebsocketConnection * connection)
{
  self->connection = connection;
  self->dropped = FALSE;
  g_clear_error (&self->connection_error);
  soup_websocket_connection_set_max_incoming_payload_size (connection,
      MAX_EVENT_BYTES);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), self);
}

static void
pollen_session_detach (PollenSession * self)
{
  if (!self->connection)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  if (soup_websocket_connection_get_state (self->connection) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection,
        SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  g_clear_object (&self->connection);
}

/* ---- the session thread: the owner's side ---- */

static void
pollen_session_write (PollenSession * self, const gchar * text, gsize size,
    gboolean audio)
{
  pollen_session_log (self, '>', audio ? "input_audio_buffer.append" : "",
      text, size, audio);
  soup_websocket_connection_send_text (self->connection, text);
}

/* Writes what the owner queued, the setup first on a new connection. */
static void
pollen_session_flush (PollenSession * self)
{
  GQueue pending = G_QUEUE_INIT;
  Outgoing *outgoing;

  /* a connection that went may not have said so yet: what is queued
   * stays for the next one */
  if (!self->connection || self->dropped ||
      soup_websocket_connection_get_state (self->connection) !=
      SOUP_WEBSOCKET_STATE_OPEN)
    return;
  g_mutex_lock (&self->lock);
  pending = self->outbox;
  g_queue_init (&self->outbox);
  self->queued_bytes = 0;
  g_mutex_unlock (&self->lock);
  while ((outgoing = g_queue_pop_head (&pending))) {
    pollen_session_write (self, outgoing->text, outgoing->size,
        outgoing->audio);
    outgoing_free (outgoing);
  }
}

/* With the lock: the setups queued for the connection that went, which
 * the new one sends first anyway. */
static void
pollen_session_unqueue_setups (PollenSession * self)
{
  GList *l = self->outbox.head;

  while (l) {
    GList *next = l->next;
    Outgoing *outgoing = l->data;

    if (outgoing->setup) {
      self->queued_bytes -= outgoing->size;
      g_queue_delete_link (&self->outbox, l);
      outgoing_free (outgoing);
    }
    l = next;
  }
}

static void
pollen_session_send_setup (PollenSession * self)
{
  g_autofree gchar *setup = NULL;

  g_mutex_lock (&self->lock);
  setup = g_strdup (self->setup);
  pollen_session_unqueue_setups (self);
  g_mutex_unlock (&self->lock);
  if (setup)
    pollen_session_write (self, setup, strlen (setup), FALSE);
}

static gboolean
pollen_session_connect (PollenSession * self, GCancellable * cancellable,
    GError ** error)
{
  SoupWebsocketConnection *connection =
      pollen_client_connect_websocket (self->client, self->request,
      cancellable, error);

  if (!connection)
    return FALSE;
  pollen_session_attach (self, connection);
  pollen_session_send_setup (self);
  return TRUE;
}

/* ---- the session thread: drops and ends ---- */

/* Closes that say "the connection went, not the session": no close frame,
 * going away, a server restarting or busy. Any other is the server's
 * verdict on this session. */
static gboolean
close_is_transient (gushort code)
{
  switch (code) {
    case 0:
    case SOUP_WEBSOCKET_CLOSE_NO_STATUS:
    case SOUP_WEBSOCKET_CLOSE_ABNORMAL:
    case SOUP_WEBSOCKET_CLOSE_GOING_AWAY:
    case 1012:                 /* service restart */
    case 1013:                 /* try again later */
    case 1014:                 /* bad gateway */
      return TRUE;
    default:
      return FALSE;
  }
}

/* Why the server closed the session, as an error that quotes it. */
static GError *
pollen_session_close_error (PollenSession * self)
{
  gushort code = soup_websocket_connection_get_close_code (self->connection);
  const gchar *reason =
      soup_websocket_connection_get_close_data (self->connection);
  g_autofree gchar *code_text = g_strdup_printf ("%u", code);
  g_autofree gchar *message = NULL;
  GError *error;

  if (close_is_transient (code))
    message = g_strdup_printf ("the realtime session's connection was lost "
        "(%s) and could not be opened again",
        self->connection_error ? self->connection_error->message :
        "no close frame");
  else
    message = g_strdup_printf ("the server closed the realtime session: %u%s"
        "%s", code, reason && *reason ? " " : "", reason ? reason : "");
  error = pollen_client_error_new (POLLEN_CLIENT_ERROR_CLOSED, 0, code_text,
      reason, NULL, message);
  pollen_client_redact_error (self->client, error);
  return error;
}

static void
pollen_session_end (PollenSession * self, const GError * error)
{
  self->ended = TRUE;
  if (self->callbacks.ended)
    self->callbacks.ended (self, error, self->user_data);
}

/* The connection dropped while the session should go on: opened again,
 * what was queued meanwhile then goes out after the setup. */
static gboolean
pollen_session_reconnect (PollenSession * self, GError ** error)
{
  gint64 dropped_at = g_get_monotonic_time ();
  gsize dropped_bytes;

  GST_CAT_WARNING_OBJECT (GST_CAT_DEFAULT, pollen_client_get_log_object
      (self->client), "the realtime session's connection dropped: opening "
      "it again");
  pollen_session_detach (self);
  if (!pollen_session_connect (self, self->cancellable, error))
    return FALSE;
  g_mutex_lock (&self->lock);
  dropped_bytes = self->dropped_bytes;
  self->dropped_bytes = 0;
  g_mutex_unlock (&self->lock);
  if (self->callbacks.reconnected)
    self->callbacks.reconnected (self, g_get_monotonic_time () - dropped_at,
        dropped_bytes, self->user_data);
  return TRUE;
}

static gboolean
pollen_session_is_closing (PollenSession * self)
{
  gboolean closing;

  g_mutex_lock (&self->lock);
  closing = self->closing;
  g_mutex_unlock (&self->lock);
  return closing;
}

static void
pollen_session_after_drop (PollenSession * self)
{
  g_autoptr (GError) error = NULL;
  gushort code = soup_websocket_connection_get_close_code (self->connection);

  if (pollen_session_is_closing (self)) {
    pollen_session_end (self, NULL);
    return;
  }
  if (!close_is_transient (code)) {
    error = pollen_session_close_error (self);
    pollen_session_end (self, error);
    return;
  }
  if (!pollen_session_reconnect (self, &error))
    pollen_session_end (self, error);
}

static gboolean
close_waited (gpointer data)
{
  PollenSession *self = data;

  self->dropped = TRUE;
  return G_SOURCE_REMOVE;
}

/* The owner closes: what it queued goes out first (a last commit), then
 * the close frame; the server's answer is waited for, briefly. */
static void
pollen_session_send_close (PollenSession * self)
{
  GSource *timeout;

  pollen_session_flush (self);
  soup_websocket_connection_close (self->connection,
      SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  self->close_sent = TRUE;
  timeout = g_timeout_source_new (CLOSE_WAIT_MS);
  g_source_set_callback (timeout, close_waited, self, NULL);
  g_source_attach (timeout, self->context);
  g_source_unref (timeout);
}

static void
pollen_session_serve (PollenSession * self)
{
  while (!self->ended) {
    if (self->dropped)
      pollen_session_after_drop (self);
    else if (pollen_session_is_closing (self) && !self->close_sent)
      pollen_session_send_close (self);
    else {
      pollen_session_flush (self);
      g_main_context_iteration (self->context, TRUE);
    }
  }
}

static void
pollen_session_opened (PollenSession * self, const GError * error)
{
  g_mutex_lock (&self->lock);
  self->open_done = TRUE;
  self->open_error = error ? g_error_copy (error) : NULL;
  g_cond_broadcast (&self->opened);
  g_mutex_unlock (&self->lock);
}

static gpointer
pollen_session_run (gpointer data)
{
  PollenSession *self = data;
  g_autoptr (GError) error = NULL;
  gboolean connected;

  g_main_context_push_thread_default (self->context);
  connected = pollen_session_connect (self, self->open_cancellable, &error);
  pollen_session_opened (self, error);
  if (connected)
    pollen_session_serve (self);
  else if (self->started)
    pollen_session_end (self, pollen_session_is_closing (self) ? NULL : error);
  pollen_session_detach (self);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ---- the owner's side ---- */

static void
pollen_session_clear (PollenSession * self)
{
  g_object_unref (self->client);
  pollen_request_free (self->request);
  g_main_context_unref (self->context);
  g_object_unref (self->cancellable);
  g_clear_error (&self->open_error);
  g_clear_error (&self->connection_error);
  g_queue_clear_full (&self->outbox, (GDestroyNotify) outgoing_free);
  g_free (self->setup);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->opened);
  g_free (self);
}

/**
 * pollen_session_open:
 * @request: (transfer full): the GET that opens it, e.g. /v1/realtime
 *   with the model in its query
 * @callbacks: copied; @callbacks->event is required
 * @cancellable: (nullable): interrupts the opening
 *
 * Opens a session and waits until it is open.
 *
 * Returns: (transfer full): the session, or %NULL with @error set when it
 * could not be opened: the status and the server's message for a refused
 * handshake (401, 402, 403, 426, …), or the transport failure.
 */
static PollenSession *
pollen_session_new (PollenClient * client, PollenRequest * request,
    const PollenSessionCallbacks * callbacks, gpointer user_data)
{
  PollenSession *self = g_new0 (PollenSession, 1);

  self->client = g_object_ref (client);
  self->request = request;
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->context = g_main_context_new ();
  self->cancellable = g_cancellable_new ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->opened);
  g_queue_init (&self->outbox);
  return self;
}

PollenSession *
pollen_session_open (PollenClient * client, PollenRequest * request,
    const PollenSessionCallbacks * callbacks, gpointer user_data,
    GCancellable * cancellable, GError ** error)
{
  PollenSession *self = pollen_session_new (client, request, callbacks,
      user_data);

  self->open_cancellable = cancellable;
  self->thread = g_thread_new ("pollensession", pollen_session_run, self);

  g_mutex_lock (&self->lock);
  while (!self->open_done)
    g_cond_wait (&self->opened, &self->lock);
  g_mutex_unlock (&self->lock);
  if (!self->open_error)
    return self;
  g_thread_join (self->thread);
  g_propagate_error (error, g_steal_pointer (&self->open_error));
  pollen_session_clear (self);
  return NULL;
}

/**
 * pollen_session_start:
 * @request: (transfer full): as for pollen_session_open()
 * @callbacks: copied; @callbacks->event is required
 *
 * Opens a session without waiting: what is sent meanwhile is queued, and
 * an opening that fails ends the session (@callbacks->ended with the
 * error pollen_session_open() would have returned). For an owner whose
 * threads must not wait on the network, such as an element's state
 * change.
 *
 * Returns: (transfer full): the session
 */
PollenSession *
pollen_session_start (PollenClient * client, PollenRequest * request,
    const PollenSessionCallbacks * callbacks, gpointer user_data)
{
  PollenSession *self = pollen_session_new (client, request, callbacks,
      user_data);

  self->started = TRUE;
  self->open_cancellable = self->cancellable;
  self->thread = g_thread_new ("pollensession", pollen_session_run, self);
  return self;
}

/* With the lock: past the bound, the oldest audio goes (counted), never
 * the events that say what to do. */
static void
pollen_session_bound_queue (PollenSession * self)
{
  GList *l = self->outbox.head;

  while (l && self->queued_bytes > MAX_QUEUED_BYTES) {
    GList *next = l->next;
    Outgoing *outgoing = l->data;

    if (outgoing->audio) {
      self->queued_bytes -= outgoing->size;
      self->dropped_bytes += outgoing->size;
      g_queue_delete_link (&self->outbox, l);
      outgoing_free (outgoing);
    }
    l = next;
  }
}

static void
pollen_session_queue (PollenSession * self, gchar * text, gboolean audio,
    gboolean setup)
{
  Outgoing *outgoing = g_new (Outgoing, 1);

  outgoing->text = text;
  outgoing->size = strlen (text);
  outgoing->audio = audio;
  outgoing->setup = setup;
  g_mutex_lock (&self->lock);
  g_queue_push_tail (&self->outbox, outgoing);
  self->queued_bytes += outgoing->size;
  pollen_session_bound_queue (self);
  g_mutex_unlock (&self->lock);
  g_main_context_wakeup (self->context);
}

static gchar *
event_to_text (JsonObject * event)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (root, event);
  return json_to_string (root, FALSE);
}

/**
 * pollen_session_set_setup:
 * @event: (transfer none): e.g. a session.update
 *
 * Sends @event now and first again on every new connection, so that a
 * session opened again is set up as the first one was.
 */
void
pollen_session_set_setup (PollenSession * self, JsonObject * event)
{
  gchar *text = event_to_text (event);

  g_mutex_lock (&self->lock);
  g_free (self->setup);
  self->setup = g_strdup (text);
  g_mutex_unlock (&self->lock);
  pollen_session_queue (self, text, FALSE, TRUE);
}

/* Queues @event (not taken) to go out from the session's thread. */
void
pollen_session_send (PollenSession * self, JsonObject * event)
{
  pollen_session_queue (self, event_to_text (event), FALSE, FALSE);
}

/**
 * pollen_session_append_audio:
 * @pcm: the next bytes of the input audio, in the session's format
 *
 * Queues an input_audio_buffer.append of @pcm, base64 as the protocol
 * wants it.
 */
void
pollen_session_append_audio (PollenSession * self, const guint8 * pcm,
    gsize size)
{
  g_autofree gchar *audio = g_base64_encode (pcm, size);

  pollen_session_queue (self, g_strdup_printf ("{\"type\":"
          "\"input_audio_buffer.append\",\"audio\":\"%s\"}", audio), TRUE,
      FALSE);
}

/**
 * pollen_session_close:
 *
 * Ends the session: what was queued goes out, then a normal close, and
 * the server's answer is waited for (two seconds at most). The ended
 * callback has been called with no error when this returns.
 */
void
pollen_session_close (PollenSession * self)
{
  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  g_mutex_unlock (&self->lock);
  g_cancellable_cancel (self->cancellable);
  g_main_context_wakeup (self->context);
  g_thread_join (self->thread);
  self->thread = NULL;
}

void
pollen_session_free (PollenSession * self)
{
  if (!self)
    return;
  if (self->thread)
    pollen_session_close (self);
  pollen_session_clear (self);
}
