/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The emulator's core: a SoupServer in its own thread and main context,
 * a script of canned answers per path prefix, a record of every request,
 * and the routing of unscripted requests to the default handlers.
 *
 * Lock order: emulator->lock only; it is never held while libsoup runs. */

#include "emuserver.h"

#include <string.h>

typedef struct
{
  gchar *prefix;
  PollenEmulatorResponse *response;
} ScriptEntry;

struct _PollenEmulator
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  guint port;
  gchar *url;
  GError *start_error;

  GMutex lock;
  GCond cond;
  gboolean ready;
  GQueue script;                /* ScriptEntry, under lock */
  GPtrArray *requests;          /* PollenEmulatorRequest, under lock */
  guint generation_ms;          /* under lock */
  gdouble audio_seconds;        /* audio answered; under lock */
  guint realtime_lag_ms;        /* under lock */
  gboolean chunked;             /* under lock */
  guint64 pace;                 /* bytes a second (0: at once), under lock */
  guint jobs;                   /* held messages (emu_hold()); emulator thread */
  GPtrArray *sessions;          /* realtime sessions, emulator thread */
  guint sessions_opened;        /* under lock */
  GQueue client_events;         /* RealtimeEvent, under lock */
  GQueue sent_events;           /* RealtimeEvent, under lock */
  guint reply_hold_ms;          /* under lock */

  EmuLimits *limits;
};

/* A realtime event a client sent, or one a session sent it, kept for
 * tests. */
typedef struct
{
  gchar *type;
  gchar *text;
  gint64 time;                  /* monotonic µs it came or went */
} RealtimeEvent;

typedef struct
{
  const gchar *method;
  const gchar *prefix;
  gboolean exact;
  EmuHandler handler;
} Route;

static const Route routes[] = {
  {"GET", "/image/models", TRUE, emu_handle_models},
  {"GET", "/audio/models", TRUE, emu_handle_models},
  {"GET", "/v1/models", TRUE, emu_handle_models},
  {"GET", "/text/models", TRUE, emu_handle_models},
  {"GET", "/image/", FALSE, emu_handle_image},
  {"GET", "/audio/", FALSE, emu_handle_audio},
  {"POST", "/v1/audio/speech", TRUE, emu_handle_speech},
  {"POST", "/v1/audio/transcriptions", TRUE, emu_handle_transcriptions},
  {"POST", "/v1/audio/speech/with-timestamps", TRUE,
      emu_handle_speech_timestamps},
  {"POST", "/v1/audio/voice-isolator", TRUE, emu_handle_voice_isolator},
  {"POST", "/v1/audio/voice-changer", TRUE, emu_handle_voice_changer},
  {"POST", "/v1/images/edits", TRUE, emu_handle_image_edit},
  {"GET", "/account/key", TRUE, emu_handle_account_key},
  {"GET", "/account/profile", TRUE, emu_handle_account_profile},
  {"GET", "/account/balance", TRUE, emu_handle_account_balance},
  {"GET", "/account/usage", TRUE, emu_handle_account_usage},
  {"GET", "/account/usage/daily", TRUE, emu_handle_account_usage_daily},
  {"POST", "/v1/chat/completions", TRUE, emu_handle_chat},
  {"GET", "/text/", FALSE, emu_handle_text},
  {"GET", "/v1/realtime", TRUE, emu_handle_realtime},
  {"GET", "/realtime", TRUE, emu_handle_realtime},
};

/* ---- scripted responses ---- */

PollenEmulatorResponse *
pollen_emulator_response_new (guint status, const gchar * content_type,
    gconstpointer body, gssize size)
{
  PollenEmulatorResponse *response = g_new0 (PollenEmulatorResponse, 1);

  response->status = status;
  response->drop_after = -1;
  response->headers = g_ptr_array_new_with_free_func (g_free);
  if (body) {
    if (size < 0)
      size = strlen (body);
    response->body = g_bytes_new (body, size);
  }
  if (content_type)
    pollen_emulator_response_add_header (response, "Content-Type",
        content_type);
  return response;
}

/* An answer written byte for byte: @size -1 for a NUL-terminated string. */
PollenEmulatorResponse *
pollen_emulator_response_new_raw (gconstpointer bytes, gssize size)
{
  PollenEmulatorResponse *response =
      pollen_emulator_response_new (0, NULL, NULL, 0);

  response->raw = g_bytes_new (bytes, size < 0 ? strlen (bytes) : (gsize) size);
  return response;
}

PollenEmulatorResponse *
pollen_emulator_response_new_json (guint status, const gchar * json)
{
  return pollen_emulator_response_new (status, "application/json", json, -1);
}

/* The envelope the real gateway wraps its errors in (shared/error.ts in
 * the server's source), with @details (taken) when there are some. */
static gchar *
emu_error_envelope (guint status, const gchar * code, const gchar * message,
    JsonNode * details)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *timestamp = g_date_time_format_iso8601 (now);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "success");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "timestamp");
  json_builder_add_string_value (builder, timestamp);
  if (details) {
    json_builder_set_member_name (builder, "details");
    json_builder_add_value (builder, details);
  }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

PollenEmulatorResponse *
pollen_emulator_response_new_error (guint status, const gchar * code,
    const gchar * message)
{
  g_autofree gchar *json = emu_error_envelope (status, code, message, NULL);

  return pollen_emulator_response_new_json (status, json);
}

/* The details of an UpstreamError: its name, and what the provider
 * answered when there was one (@upstream_status 0: none). */
static JsonNode *
emu_upstream_details (guint upstream_status, const gchar * upstream_host,
    const gchar * upstream_body)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "UpstreamError");
  if (upstream_status) {
    json_builder_set_member_name (builder, "upstreamStatus");
    json_builder_add_int_value (builder, upstream_status);
  }
  if (upstream_host) {
    json_builder_set_member_name (builder, "upstreamHost");
    json_builder_add_string_value (builder, upstream_host);
  }
  if (upstream_body) {
    json_builder_set_member_name (builder, "upstreamBody");
    json_builder_add_string_value (builder, upstream_body);
  }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * pollen_emulator_response_new_upstream_error:
 * @upstream_status: what the provider answered
 * @upstream_host: (nullable): the provider's host
 * @upstream_body: (nullable): the provider's body
 *
 * A provider failure as the gateway passes it on (UpstreamError in the
 * server's shared/error.ts): @status is the gateway's (a provider's 401,
 * 402, 403, 404, 409, 429 or 524 becomes 502), @message usually the
 * provider's own words, and details {name, upstreamStatus, upstreamHost,
 * upstreamBody}.
 */
PollenEmulatorResponse *
pollen_emulator_response_new_upstream_error (guint status,
    const gchar * code, const gchar * message, guint upstream_status,
    const gchar * upstream_host, const gchar * upstream_body)
{
  g_autofree gchar *json = emu_error_envelope (status, code, message,
      emu_upstream_details (upstream_status, upstream_host, upstream_body));

  return pollen_emulator_response_new_json (status, json);
}

/* A handler's own refusal as the server's UpstreamError makes it, with no
 * provider behind it: details {name} only. */
PollenEmulatorResponse *
emu_upstream_error_new (guint status, const gchar * code,
    const gchar * message)
{
  return pollen_emulator_response_new_upstream_error (status, code, message,
      0, NULL, NULL);
}

/* A validation failure as the server's validator reports it: one
 * message for the request, the problem per field in details. */
PollenEmulatorResponse *
emu_validation_error_new (const gchar * field, const gchar * problem)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree gchar *json = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "ValidationError");
  json_builder_set_member_name (builder, "formErrors");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "fieldErrors");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, field);
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, problem);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  json = emu_error_envelope (400, "BAD_REQUEST",
      "Query parameter validation failed", json_builder_get_root (builder));
  return pollen_emulator_response_new_json (400, json);
}

void
pollen_emulator_response_add_header (PollenEmulatorResponse * response,
    const gchar * name, const gchar * value)
{
  g_ptr_array_add (response->headers, g_strdup (name));
  g_ptr_array_add (response->headers, g_strdup (value));
}

void
pollen_emulator_response_free (PollenEmulatorResponse * response)
{
  if (!response)
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->raw, g_bytes_unref);
  g_ptr_array_unref (response->headers);
  g_free (response);
}

static void
script_entry_free (ScriptEntry * entry)
{
  g_free (entry->prefix);
  pollen_emulator_response_free (entry->response);
  g_free (entry);
}

void
pollen_emulator_push (PollenEmulator * emulator, const gchar * path_prefix,
    PollenEmulatorResponse * response)
{
  ScriptEntry *entry = g_new0 (ScriptEntry, 1);

  entry->prefix = g_strdup (path_prefix);
  entry->response = response;
  g_mutex_lock (&emulator->lock);
  g_queue_push_tail (&emulator->script, entry);
  g_mutex_unlock (&emulator->lock);
}

void
pollen_emulator_clear_script (PollenEmulator * emulator)
{
  g_mutex_lock (&emulator->lock);
  g_queue_clear_full (&emulator->script, (GDestroyNotify) script_entry_free);
  g_mutex_unlock (&emulator->lock);
}

/* Takes the first scripted answer whose prefix matches @path. */
static PollenEmulatorResponse *
emu_take_scripted (PollenEmulator * emulator, const gchar * path)
{
  PollenEmulatorResponse *response = NULL;
  GList *l;

  g_mutex_lock (&emulator->lock);
  for (l = emulator->script.head; l; l = l->next) {
    ScriptEntry *entry = l->data;

    if (g_str_has_prefix (path, entry->prefix)) {
      response = g_steal_pointer (&entry->response);
      g_queue_delete_link (&emulator->script, l);
      script_entry_free (entry);
      break;
    }
  }
  g_mutex_unlock (&emulator->lock);
  return response;
}

/* ---- recorded requests ---- */

PollenEmulatorRequest *
pollen_emulator_request_ref (PollenEmulatorRequest * request)
{
  g_atomic_int_inc (&request->refcount);
  return request;
}

void
pollen_emulator_request_unref (PollenEmulatorRequest * request)
{
  if (!request || !g_atomic_int_dec_and_test (&request->refcount))
    return;
  g_free (request->method);
  g_free (request->path);
  g_free (request->raw_query);
  g_hash_table_unref (request->query);
  g_hash_table_unref (request->headers);
  g_bytes_unref (request->body);
  g_free (request);
}

const gchar *
pollen_emulator_request_get_header (PollenEmulatorRequest * request,
    const gchar * name)
{
  g_autofree gchar *lower = g_ascii_strdown (name, -1);

  return g_hash_table_lookup (request->headers, lower);
}

const gchar *
pollen_emulator_request_get_query (PollenEmulatorRequest * request,
    const gchar * name)
{
  return g_hash_table_lookup (request->query, name);
}

static void
collect_header (const char *name, const char *value, gpointer user_data)
{
  g_hash_table_insert (user_data, g_ascii_strdown (name, -1),
      g_strdup (value));
}

static PollenEmulatorRequest *
emu_request_new (SoupServerMessage * msg)
{
  PollenEmulatorRequest *request = g_new0 (PollenEmulatorRequest, 1);
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GBytes *flat = soup_message_body_flatten (body);
  const gchar *raw_query = g_uri_get_query (uri);

  request->refcount = 1;
  request->method = g_strdup (soup_server_message_get_method (msg));
  request->path = g_strdup (g_uri_get_path (uri));
  request->raw_query = g_strdup (raw_query);
  /* Like the real server (URLSearchParams), '+' in a query means a space. */
  request->query = raw_query ?
      g_uri_parse_params (raw_query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL) :
      NULL;
  if (!request->query)
    request->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        g_free);
  request->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  soup_message_headers_foreach (soup_server_message_get_request_headers (msg),
      collect_header, request->headers);
  request->body = flat;
  request->client_port = g_inet_socket_address_get_port
      (G_INET_SOCKET_ADDRESS (soup_server_message_get_remote_address (msg)));
  return request;
}

static void
emu_record (PollenEmulator * emulator, PollenEmulatorRequest * request)
{
  g_mutex_lock (&emulator->lock);
  g_ptr_array_add (emulator->requests, pollen_emulator_request_ref (request));
  g_cond_broadcast (&emulator->cond);
  g_mutex_unlock (&emulator->lock);
}

guint
pollen_emulator_get_request_count (PollenEmulator * emulator)
{
  guint count;

  g_mutex_lock (&emulator->lock);
  count = emulator->requests->len;
  g_mutex_unlock (&emulator->lock);
  return count;
}

/* Forgets the requests received so far (the next one is index 0 again), so
 * that long runs do not keep every request and its body. */
void
pollen_emulator_clear_requests (PollenEmulator * emulator)
{
  g_mutex_lock (&emulator->lock);
  g_ptr_array_set_size (emulator->requests, 0);
  g_mutex_unlock (&emulator->lock);
}

/**
 * pollen_emulator_wait_request:
 * @index: 0 for the first request the emulator received, 1 for the next …
 *
 * Returns: (transfer full) (nullable): the request, or %NULL when it did not
 * arrive within @timeout_ms.
 */
PollenEmulatorRequest *
pollen_emulator_wait_request (PollenEmulator * emulator, guint index,
    guint timeout_ms)
{
  PollenEmulatorRequest *request = NULL;
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&emulator->lock);
  while (emulator->requests->len <= index) {
    if (!g_cond_wait_until (&emulator->cond, &emulator->lock, deadline))
      break;
  }
  if (emulator->requests->len > index)
    request = pollen_emulator_request_ref (emulator->requests->pdata[index]);
  g_mutex_unlock (&emulator->lock);
  return request;
}

/* ---- sending answers ---- */

/* How often a paced body gets its next piece */
#define EMU_PACE_TICK_MS 10

typedef struct
{
  PollenEmulator *emulator;
  SoupServerMessage *msg;
  PollenEmulatorResponse *response;
  gboolean chunked;
  guint64 pace;
  gint64 start_us;
  gsize sent;
  gint64 next_keep_alive_us;
  gboolean finished;
} Reply;

static void
reply_free (Reply * reply)
{
  g_signal_handlers_disconnect_by_data (reply->msg, reply);
  pollen_emulator_response_free (reply->response);
  g_object_unref (reply->msg);
  g_free (reply);
}

static void
reply_on_finished (SoupServerMessage * msg, Reply * reply)
{
  reply->finished = TRUE;
}

static void
emu_set_headers (SoupServerMessage * msg, PollenEmulatorResponse * response)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const gchar *request_id =
      soup_message_headers_get_one (soup_server_message_get_request_headers
      (msg), "X-Request-Id");
  g_autofree gchar *generated_id = g_uuid_string_random ();
  guint i;

  /* like the server's requestId middleware: every answer, errors too,
   * echoes the client's id or makes one; the error body carries none */
  soup_message_headers_replace (headers, "X-Request-Id",
      request_id ? request_id : generated_id);
  for (i = 0; i + 1 < response->headers->len; i += 2)
    soup_message_headers_replace (headers, response->headers->pdata[i],
        response->headers->pdata[i + 1]);
}

/* Writes a response by hand on the stolen connection and closes it after
 * drop_after body bytes, as a server that dies mid-body would. */
static void
emu_send_truncated (SoupServerMessage * msg, PollenEmulatorResponse * response)
{
  g_autoptr (GIOStream) io = soup_server_message_steal_connection (msg);
  g_autoptr (GString) head = g_string_new (NULL);
  GOutputStream *out = g_io_stream_get_output_stream (io);
  gsize body_size = response->body ? g_bytes_get_size (response->body) : 0;
  gsize cut = MIN ((gsize) response->drop_after, body_size);
  guint i;

  g_string_append_printf (head, "HTTP/1.1 %u %s\r\n", response->status,
      soup_status_get_phrase (response->status));
  for (i = 0; i + 1 < response->headers->len; i += 2)
    g_string_append_printf (head, "%s: %s\r\n",
        (gchar *) response->headers->pdata[i],
        (gchar *) response->headers->pdata[i + 1]);
  g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\n"
      "Connection: close\r\n\r\n", body_size);

  g_output_stream_write_all (out, head->str, head->len, NULL, NULL, NULL);
  if (cut > 0)
    g_output_stream_write_all (out, g_bytes_get_data (response->body, NULL),
        cut, NULL, NULL, NULL);
  g_io_stream_close (io, NULL, NULL);
}

/* Raw bytes dripped on a stolen connection, then closed. */
typedef struct
{
  GIOStream *io;
  GBytes *raw;
  gsize chunk_size;
  gsize sent;
} RawDrip;

static void
raw_drip_free (RawDrip * drip)
{
  g_io_stream_close (drip->io, NULL, NULL);
  g_object_unref (drip->io);
  g_bytes_unref (drip->raw);
  g_free (drip);
}

static gboolean
raw_drip_next (gpointer user_data)
{
  RawDrip *drip = user_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (drip->raw, &size);
  gsize n = MIN (drip->chunk_size, size - drip->sent);

  if (n > 0 && !g_output_stream_write_all (g_io_stream_get_output_stream
          (drip->io), data + drip->sent, n, NULL, NULL, NULL))
    return G_SOURCE_REMOVE;
  drip->sent += n;
  return drip->sent < size ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Writes response->raw as it is on the stolen connection and closes it:
 * at once, or dripped in chunk_size pieces. */
static void
emu_send_raw (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorResponse * response)
{
  RawDrip *drip = g_new0 (RawDrip, 1);
  GSource *source;

  drip->io = soup_server_message_steal_connection (msg);
  drip->raw = g_bytes_ref (response->raw);
  drip->chunk_size = response->chunk_size > 0 ? response->chunk_size :
      G_MAXSIZE;
  if (raw_drip_next (drip) == G_SOURCE_REMOVE) {
    raw_drip_free (drip);
    return;
  }
  source = g_timeout_source_new (response->chunk_interval_ms);
  g_source_set_callback (source, raw_drip_next, drip,
      (GDestroyNotify) raw_drip_free);
  g_source_attach (source, emulator->context);
  g_source_unref (source);
}

/* The body's framing: the script's Content-Length when it set one, else
 * chunked when @chunked, else a Content-Length. */
static void
reply_set_framing (Reply * reply, gboolean chunked)
{
  SoupMessageHeaders *headers =
      soup_server_message_get_response_headers (reply->msg);

  if (!reply->response->body)
    reply->response->body = g_bytes_new (NULL, 0);
  if (soup_message_headers_get_one (headers, "Content-Length"))
    return;
  if (chunked)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  else
    soup_message_headers_set_content_length (headers,
        g_bytes_get_size (reply->response->body));
}

/* How many bytes of the body go now: the script's chunk, or what the pace
 * allows since the first byte (so that late ticks catch up). */
static gsize
reply_next_size (Reply * reply, gsize left)
{
  guint64 due;

  if (reply->response->chunk_size > 0)
    return MIN (reply->response->chunk_size, left);
  if (reply->pace == 0)
    return left;
  due = (guint64) (g_get_monotonic_time () - reply->start_us) * reply->pace /
      G_USEC_PER_SEC;
  return due > reply->sent ? MIN (due - reply->sent, left) : 0;
}

/* After the whole body of a reply that keeps the stream open: a comment
 * every keep_alive_ms. Returns whether there is more to send. */
static gboolean
reply_keep_alive (Reply * reply, SoupMessageBody * body)
{
  static const gchar comment[] = ": keep-alive\n\n";
  gint64 now = g_get_monotonic_time ();

  if (!reply->next_keep_alive_us)
    reply->next_keep_alive_us = now;
  if (now >= reply->next_keep_alive_us) {
    soup_message_body_append (body, SOUP_MEMORY_STATIC, comment,
        sizeof (comment) - 1);
    soup_server_message_unpause (reply->msg);
    reply->next_keep_alive_us = now +
        reply->response->keep_alive_ms * G_TIME_SPAN_MILLISECOND;
  }
  return TRUE;
}

static gboolean
reply_send_next_chunk (gpointer user_data)
{
  Reply *reply = user_data;
  SoupMessageBody *body;
  gsize size = g_bytes_get_size (reply->response->body);
  gsize n;

  if (reply->finished)
    return G_SOURCE_REMOVE;

  body = soup_server_message_get_response_body (reply->msg);
  if (reply->sent >= size && reply->response->keep_alive_ms)
    return reply_keep_alive (reply, body);
  n = reply_next_size (reply, size - reply->sent);
  if (n > 0) {
    GBytes *chunk = g_bytes_new_from_bytes (reply->response->body,
        reply->sent, n);

    soup_message_body_append_bytes (body, chunk);
    g_bytes_unref (chunk);
    reply->sent += n;
  }
  if (reply->sent >= size && !reply->response->keep_alive_ms)
    soup_message_body_complete (body);
  if (n > 0 || reply->sent >= size)
    soup_server_message_unpause (reply->msg);
  return reply->sent < size || reply->response->keep_alive_ms ?
      G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Starts an answer whose body goes out piece by piece: the script's chunks
 * (chunked unless the script set a Content-Length), or paced (chunked only
 * when the emulator sends every body so). Returns TRUE when a timer now
 * owns @reply to send the rest. */
static gboolean
emu_send_dripped (Reply * reply)
{
  SoupServerMessage *msg = reply->msg;
  PollenEmulatorResponse *response = reply->response;
  GSource *source;

  reply_set_framing (reply, response->chunk_size > 0 || reply->chunked ||
      response->keep_alive_ms);
  soup_server_message_set_status (msg, response->status, NULL);

  reply->start_us = g_get_monotonic_time ();
  if (reply_send_next_chunk (reply) == G_SOURCE_REMOVE)
    return FALSE;

  source = g_timeout_source_new (response->chunk_size > 0 ?
      response->chunk_interval_ms : EMU_PACE_TICK_MS);
  g_source_set_callback (source, reply_send_next_chunk, reply,
      (GDestroyNotify) reply_free);
  g_source_attach (source, reply->emulator->context);
  g_source_unref (source);
  return TRUE;
}

/* Sends @reply now: status, headers, and the body all at once, dripped,
 * or cut short. Raw and cut-short answers are written at once whatever the
 * pace: they are about framing, not speed. Takes ownership of @reply. */
static void
reply_send_now (Reply * reply)
{
  SoupServerMessage *msg = reply->msg;
  PollenEmulatorResponse *response = reply->response;

  if (reply->finished) {
    reply_free (reply);
    return;
  }

  if (response->raw || response->drop_after >= 0) {
    if (response->raw)
      emu_send_raw (reply->emulator, msg, response);
    else
      emu_send_truncated (msg, response);
    reply_free (reply);
    return;
  }

  emu_set_headers (msg, response);
  if (response->chunk_size > 0 || reply->pace > 0 || response->keep_alive_ms) {
    if (!emu_send_dripped (reply))
      reply_free (reply);
    return;
  }

  reply_set_framing (reply, reply->chunked);
  soup_server_message_set_status (msg, response->status, NULL);
  if (g_bytes_get_size (response->body) > 0)
    soup_message_body_append_bytes (soup_server_message_get_response_body
        (msg), response->body);
  soup_message_body_complete (soup_server_message_get_response_body (msg));
  soup_server_message_unpause (msg);
  reply_free (reply);
}

static gboolean
reply_send_delayed (gpointer user_data)
{
  reply_send_now (user_data);
  return G_SOURCE_REMOVE;
}

/**
 * emu_send:
 *
 * Answers @msg with @response (taking ownership of it), honouring its
 * delay, chunking, truncation or hang, and the emulator's chunked and pace
 * settings. Runs in the emulator thread.
 */
void
emu_send (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorResponse * response)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->emulator = emulator;
  reply->msg = g_object_ref (msg);
  reply->response = response;
  g_mutex_lock (&emulator->lock);
  reply->chunked = emulator->chunked;
  reply->pace = emulator->pace;
  g_mutex_unlock (&emulator->lock);
  g_signal_connect (msg, "finished", G_CALLBACK (reply_on_finished), reply);

  soup_server_message_pause (msg);
  if (response->hang) {
    /* Kept paused until the client goes away or the emulator stops. */
    reply_free (reply);
    return;
  }
  if (response->delay_ms > 0) {
    GSource *source = g_timeout_source_new (response->delay_ms);

    g_source_set_callback (source, reply_send_delayed, reply, NULL);
    g_source_attach (source, emulator->context);
    g_source_unref (source);
    return;
  }
  reply_send_now (reply);
}

void
emu_send_bytes (PollenEmulator * emulator, SoupServerMessage * msg,
    guint status, const gchar * content_type, GBytes * body)
{
  PollenEmulatorResponse *response =
      pollen_emulator_response_new (status, content_type, NULL, 0);

  response->body = body ? g_bytes_ref (body) : NULL;
  emu_send (emulator, msg, response);
}

void
emu_send_error (PollenEmulator * emulator, SoupServerMessage * msg,
    guint status, const gchar * code, const gchar * message)
{
  emu_send (emulator, msg,
      pollen_emulator_response_new_error (status, code, message));
}

/* An error with @details (taken) in its envelope, as the server sends a
 * provider's failure: {name, upstreamStatus, upstreamHost, upstreamBody}. */
void
emu_send_error_details (PollenEmulator * emulator, SoupServerMessage * msg,
    guint status, const gchar * code, const gchar * message,
    JsonNode * details)
{
  g_autofree gchar *json = emu_error_envelope (status, code, message,
      details);

  emu_send (emulator, msg, pollen_emulator_response_new_json (status, json));
}

/* ---- helpers for the default handlers ---- */

/* The key of @request as the gateway reads it: a Bearer token, X-API-Key
 * or ?key=; %NULL when there is none. */
const gchar *
emu_request_key (PollenEmulatorRequest * request)
{
  const gchar *auth = pollen_emulator_request_get_header (request,
      "Authorization");
  const gchar *key = pollen_emulator_request_get_header (request, "X-API-Key");

  if (auth && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    key = auth + 7;
  if (!key)
    key = pollen_emulator_request_get_query (request, "key");
  return key && *key ? key : NULL;
}

/* Returns the request's key, or answers 401 and returns %NULL: with
 * @missing_message when there is no key, with the server's invalid-key
 * message when it is not an sk_… or pk_… key. */
const gchar *
emu_authenticate (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * missing_message)
{
  const gchar *key = emu_request_key (request);

  if (!key) {
    emu_send_error (emulator, msg, 401, "UNAUTHORIZED", missing_message);
    return NULL;
  }
  if (!g_str_has_prefix (key, "sk_") && !g_str_has_prefix (key, "pk_")) {
    emu_send_error (emulator, msg, 401, "UNAUTHORIZED", "Invalid API key. "
        "The provided key was not recognized; it may be expired, revoked, "
        "or mistyped. Manage keys at https://enter.pollinations.ai/keys");
    return NULL;
  }
  return key;
}

/* A generation endpoint's key check. */
gboolean
emu_check_key (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  return emu_authenticate (emulator, msg, request, "Authentication "
      "required. Please provide an API key via Authorization header (Bearer "
      "token) or ?key= query parameter.") != NULL;
}

/* Reads an integer query parameter; answers 400 in the validation shape,
 * with the validator's wording, and returns FALSE when it is not a number
 * within [min, max]. */
gboolean
emu_query_uint (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * name, guint min, guint max,
    guint default_value, guint * value)
{
  const gchar *text = pollen_emulator_request_get_query (request, name);
  g_autofree gchar *problem = NULL;
  gchar *end = NULL;
  gint64 number;

  if (!text) {
    *value = default_value;
    return TRUE;
  }
  number = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end)
    problem = g_strdup ("Invalid input: expected number, received NaN");
  else if (number > max)
    problem = g_strdup_printf ("Too big: expected number to be <=%u", max);
  else if (number < min)
    problem = g_strdup_printf ("Too small: expected number to be >=%u", min);
  if (problem) {
    emu_send (emulator, msg, emu_validation_error_new (name, problem));
    return FALSE;
  }
  *value = number;
  return TRUE;
}

gint64
emu_query_seed (PollenEmulatorRequest * request)
{
  const gchar *text = pollen_emulator_request_get_query (request, "seed");

  return text ? g_ascii_strtoll (text, NULL, 10) : 0;
}

/* ---- routing ---- */

static const Route *
emu_find_route (PollenEmulatorRequest * request)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (routes); i++) {
    const Route *route = &routes[i];

    if (g_strcmp0 (route->method, request->method) != 0)
      continue;
    if (route->exact ? g_str_equal (request->path, route->prefix) :
        g_str_has_prefix (request->path, route->prefix))
      return route;
  }
  return NULL;
}

/* Answers @request: the script first, then the default handlers. */
static void
emu_dispatch (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  PollenEmulatorResponse *scripted;
  const Route *route;

  scripted = emu_take_scripted (emulator, request->path);
  if (scripted) {
    emu_send (emulator, msg, scripted);
  } else if ((route = emu_find_route (request))) {
    route->handler (emulator, msg, request);
  } else {
    g_autofree gchar *message = g_strdup_printf ("No route for %s %s",
        request->method, request->path);

    emu_send_error (emulator, msg, 404, "NOT_FOUND", message);
  }
}

/* ---- answers made later ---- */

struct _EmuHeld
{
  PollenEmulator *emulator;
  SoupServerMessage *msg;
  gboolean gone;
};

static void
held_on_gone (SoupServerMessage * msg, EmuHeld * held)
{
  held->gone = TRUE;
}

/**
 * emu_hold:
 *
 * Keeps @msg paused until emu_release(), for an answer made later or in
 * another thread; pollen_emulator_free() waits for every held message.
 * Runs in the emulator thread.
 */
EmuHeld *
emu_hold (PollenEmulator * emulator, SoupServerMessage * msg)
{
  EmuHeld *held = g_new0 (EmuHeld, 1);

  held->emulator = emulator;
  held->msg = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (held_on_gone), held);
  /* a paused message is not finished when its connection closes */
  g_signal_connect (msg, "disconnected", G_CALLBACK (held_on_gone), held);
  soup_server_message_pause (msg);
  emulator->jobs++;
  return held;
}

/**
 * emu_release:
 *
 * Frees @held. Runs in the emulator thread.
 *
 * Returns: (transfer full) (nullable): the message, unpaused, to be
 * answered; %NULL when its client went away meanwhile.
 */
SoupServerMessage *
emu_release (EmuHeld * held)
{
  SoupServerMessage *msg = held->msg;
  PollenEmulator *emulator = held->emulator;

  g_signal_handlers_disconnect_by_data (msg, held);
  if (held->gone)
    g_clear_object (&msg);
  else
    soup_server_message_unpause (msg);
  g_free (held);
  emulator->jobs--;
  return msg;
}

/* An answer made off the emulator thread (emu_answer_later()). */
typedef struct
{
  EmuHeld *held;
  EmuMakeFunc make;
  EmuAnswerFunc answer;
  gpointer data;
  GDestroyNotify free;
} Later;

static void
emu_later_run (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  Later *later = data;
  GError *error = NULL;
  GBytes *body = later->make (later->data, &error);

  if (body)
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

/* Back in the emulator thread: answers, unless the client went away. */
static void
emu_later_done (GObject * source, GAsyncResult * result, gpointer user_data)
{
  Later *later = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = g_task_propagate_pointer (G_TASK (result),
      &error);
  g_autoptr (SoupServerMessage) msg = emu_release (later->held);

  if (msg)
    later->answer (later->data, msg, body, error);
  later->free (later->data);
  g_free (later);
}

/**
 * emu_answer_later:
 * @make: runs in a worker thread: the body, or %NULL with an error
 * @answer: runs back in the emulator thread, unless the client went away
 *   meanwhile: sends the answer (the body, or %NULL and the error)
 * @data: (transfer full): for both, freed with @free
 *
 * For an answer that takes time to make (a picture, a clip): @msg waits,
 * and the emulator goes on answering others.
 */
void
emu_answer_later (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuMakeFunc make, EmuAnswerFunc answer, gpointer data,
    GDestroyNotify free)
{
  Later *later = g_new0 (Later, 1);
  GTask *task = g_task_new (NULL, NULL, emu_later_done, later);

  later->held = emu_hold (emulator, msg);
  later->make = make;
  later->answer = answer;
  later->data = data;
  later->free = free;
  g_task_set_task_data (task, later, NULL);
  g_task_run_in_thread (task, emu_later_run);
  g_object_unref (task);
}

typedef struct
{
  PollenEmulator *emulator;
  EmuHeld *held;
  PollenEmulatorRequest *request;
} Deferred;

static gboolean
emu_dispatch_deferred (gpointer user_data)
{
  Deferred *deferred = user_data;
  SoupServerMessage *msg = emu_release (deferred->held);

  if (msg) {
    emu_dispatch (deferred->emulator, msg, deferred->request);
    g_object_unref (msg);
  }
  pollen_emulator_request_unref (deferred->request);
  g_free (deferred);
  return G_SOURCE_REMOVE;
}

/* Generating takes time on the real server: long enough for clients to
 * overlap, so that the account limits can be met for real. */
static void
emu_dispatch_after (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, guint delay_ms)
{
  Deferred *deferred = g_new0 (Deferred, 1);
  GSource *source = g_timeout_source_new (delay_ms);

  deferred->emulator = emulator;
  deferred->held = emu_hold (emulator, msg);
  deferred->request = pollen_emulator_request_ref (request);
  g_source_set_callback (source, emu_dispatch_deferred, deferred, NULL);
  g_source_attach (source, emulator->context);
  g_source_unref (source);
}

static void
emu_handle (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  PollenEmulator *emulator = user_data;
  PollenEmulatorRequest *request = emu_request_new (msg);
  guint generation_ms;

  emu_record (emulator, request);
  generation_ms = emu_generation_ms (emulator);

  if (emu_limits_admit (emulator->limits, emulator, msg, request)) {
    /* a realtime handshake is answered at once: libsoup upgrades it when
     * the handler leaves it without a status */
    if (generation_ms && !g_str_has_suffix (request->path, "/models") &&
        !g_str_has_suffix (request->path, "/realtime"))
      emu_dispatch_after (emulator, msg, request, generation_ms);
    else
      emu_dispatch (emulator, msg, request);
  }
  pollen_emulator_request_unref (request);
}

/**
 * pollen_emulator_set_free_account:
 *
 * Behaves like today's server for an account that never bought pollen:
 * one generation at a time, more refused with 429
 * concurrency_limit_exceeded and Retry-After: 1; and model lists asked
 * with a key leave out the paid-only models.
 */
void
pollen_emulator_set_free_account (PollenEmulator * emulator,
    gboolean free_account)
{
  emu_limits_set_free_account (emulator->limits, free_account);
}

gboolean
emu_free_account (PollenEmulator * emulator)
{
  return emu_limits_get_free_account (emulator->limits);
}

/* The models the server's registry limits per user (perUserRpm). */
static const gchar *const per_user_limited_models[] = {
  "flux", "zimage", "klein"
};

static void
emu_set_model_rate (PollenEmulator * emulator, const gchar * name,
    guint requests, guint window_ms)
{
  guint list;

  for (list = EMU_MODELS_IMAGE; list <= EMU_MODELS_TEXT; list++) {
    g_autoptr (JsonObject) model = emu_models_find (list, name);

    if (model) {
      emu_limits_set_model_rate (emulator->limits,
          json_object_get_string_member (model, "name"), requests,
          window_ms);
      return;
    }
  }
  g_critical ("the emulator knows no model %s", name);
}

/**
 * pollen_emulator_set_model_rate_limit:
 * @model: (nullable): a model name or alias; %NULL for the models the
 *   server limits (flux, zimage, klein)
 * @requests: how many requests one key may send the model per window (the
 *   server: 60 a minute); 0 lifts the limit
 *
 * The server's per-user, per-model limit: past it, 429
 * community_model_rate_limit with a Retry-After of the seconds until the
 * next request is allowed.
 */
void
pollen_emulator_set_model_rate_limit (PollenEmulator * emulator,
    const gchar * model, guint requests, guint window_ms)
{
  guint i;

  if (model) {
    emu_set_model_rate (emulator, model, requests, window_ms);
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (per_user_limited_models); i++)
    emu_set_model_rate (emulator, per_user_limited_models[i], requests,
        window_ms);
}

/* The per-user, per-model limit for @model (its entry in a model list). */
gboolean
emu_admit_model (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, JsonObject * model)
{
  return emu_limits_admit_model (emulator->limits, emulator, msg, request,
      json_object_get_string_member (model, "name"));
}

/**
 * pollen_emulator_set_rate_limit:
 * @requests: how many requests a window may hold (0 = no limit)
 *
 * The per-IP limit: past it, 429 RATE_LIMITED with no Retry-After.
 */
void
pollen_emulator_set_rate_limit (PollenEmulator * emulator, guint requests,
    guint window_ms)
{
  emu_limits_set_rate (emulator->limits, requests, window_ms);
}

/* How many requests the free-account limit refused. */
guint
pollen_emulator_get_refusal_count (PollenEmulator * emulator)
{
  return emu_limits_get_refusals (emulator->limits);
}

/* A timing setting (under the lock), set or read. */
static void
emu_set_ms (PollenEmulator * emulator, guint * setting, guint ms)
{
  g_mutex_lock (&emulator->lock);
  *setting = ms;
  g_mutex_unlock (&emulator->lock);
}

static guint
emu_get_ms (PollenEmulator * emulator, const guint * setting)
{
  guint ms;

  g_mutex_lock (&emulator->lock);
  ms = *setting;
  g_mutex_unlock (&emulator->lock);
  return ms;
}

/* Every generation (not model lists) takes @ms before it is answered. */
void
pollen_emulator_set_generation_time (PollenEmulator * emulator, guint ms)
{
  emu_set_ms (emulator, &emulator->generation_ms, ms);
}

/* A transcription session sends what it heard only once @ms more audio
 * came after it (or a commit), as a recognizer that needs what follows a
 * word to be sure of it: its words come that much audio late. */
void
pollen_emulator_set_realtime_lag (PollenEmulator * emulator, guint ms)
{
  emu_set_ms (emulator, &emulator->realtime_lag_ms, ms);
}

/**
 * pollen_emulator_set_chunked:
 *
 * Sends every body chunked, without Content-Length (as a CDN may), except
 * where a scripted answer sets its own Content-Length or is raw or cut
 * short.
 */
void
pollen_emulator_set_chunked (PollenEmulator * emulator, gboolean chunked)
{
  g_mutex_lock (&emulator->lock);
  emulator->chunked = chunked;
  g_mutex_unlock (&emulator->lock);
}

/**
 * pollen_emulator_set_pace:
 * @megabytes_per_second: 10^6 bytes a second; 0 sends bodies at once
 *
 * Sends every body at this rate, like a network would, in pieces every
 * 10 ms; a scripted answer's own chunks (chunk_size) keep their timing,
 * and raw and cut-short answers are written at once.
 */
void
pollen_emulator_set_pace (PollenEmulator * emulator,
    gdouble megabytes_per_second)
{
  g_mutex_lock (&emulator->lock);
  emulator->pace = megabytes_per_second > 0 ?
      (guint64) (megabytes_per_second * 1e6) : 0;
  g_mutex_unlock (&emulator->lock);
}

/* ---- realtime sessions ---- */

static void
realtime_event_free (RealtimeEvent * event)
{
  g_free (event->type);
  g_free (event->text);
  g_free (event);
}

/* The handshake's checks run as every route does (the script first, then
 * emu_handle_realtime()); the upgrade itself goes to emurealtime.c. */
static void
emu_add_realtime_handlers (PollenEmulator * emulator)
{
  const gchar *paths[] = { "/v1/realtime", "/realtime" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (paths); i++) {
    soup_server_add_handler (emulator->server, paths[i], emu_handle,
        emulator, NULL);
    soup_server_add_websocket_handler (emulator->server, paths[i], NULL,
        NULL, emu_realtime_session, emulator, NULL);
  }
}

/* A new session (emulator thread). Returns its number. */
guint
emu_realtime_track (PollenEmulator * emulator, gpointer session)
{
  guint number;

  g_ptr_array_add (emulator->sessions, session);
  g_mutex_lock (&emulator->lock);
  number = ++emulator->sessions_opened;
  g_mutex_unlock (&emulator->lock);
  return number;
}

void
emu_realtime_forget (PollenEmulator * emulator, gpointer session)
{
  g_ptr_array_remove (emulator->sessions, session);
}

/* Emulator thread only. */
GPtrArray *
emu_realtime_sessions (PollenEmulator * emulator)
{
  return emulator->sessions;
}

static void
emu_realtime_keep (PollenEmulator * emulator, GQueue * events,
    const gchar * type, const gchar * text, gsize size)
{
  RealtimeEvent *event = g_new (RealtimeEvent, 1);

  event->type = g_strdup (type);
  event->text = g_strndup (text, size);
  event->time = g_get_monotonic_time ();
  g_mutex_lock (&emulator->lock);
  g_queue_push_tail (events, event);
  g_cond_broadcast (&emulator->cond);
  g_mutex_unlock (&emulator->lock);
}

void
emu_realtime_record (PollenEmulator * emulator, const gchar * type,
    const gchar * text, gsize size)
{
  emu_realtime_keep (emulator, &emulator->client_events, type, text, size);
}

/* An event a session sends, as it goes. */
void
emu_realtime_record_sent (PollenEmulator * emulator, const gchar * type,
    const gchar * text)
{
  emu_realtime_keep (emulator, &emulator->sent_events, type, text,
      strlen (text));
}

guint
emu_generation_ms (PollenEmulator * emulator)
{
  return emu_get_ms (emulator, &emulator->generation_ms);
}

/* Emulator thread: @seconds more of audio answered. */
void
emu_count_audio (PollenEmulator * emulator, gdouble seconds)
{
  g_mutex_lock (&emulator->lock);
  emulator->audio_seconds += seconds;
  g_mutex_unlock (&emulator->lock);
}

/**
 * pollen_emulator_get_audio_seconds:
 *
 * Returns: how many seconds of speech and music the default handlers
 * answered so far (what a soak compares the audio that came out with).
 */
gdouble
pollen_emulator_get_audio_seconds (PollenEmulator * emulator)
{
  gdouble seconds;

  g_mutex_lock (&emulator->lock);
  seconds = emulator->audio_seconds;
  g_mutex_unlock (&emulator->lock);
  return seconds;
}

guint
emu_realtime_lag_ms (PollenEmulator * emulator)
{
  return emu_get_ms (emulator, &emulator->realtime_lag_ms);
}

guint
emu_realtime_hold_ms (PollenEmulator * emulator)
{
  return emu_get_ms (emulator, &emulator->reply_hold_ms);
}

/**
 * pollen_emulator_realtime_hold_replies:
 * @after_ms: 0: replies stream to their end
 *
 * Every conversation reply started from now on stops after @after_ms of
 * its audio, as a model that generates slower than it speaks, until it is
 * cancelled (speech, response.cancel) or its session ends: a reply that
 * is still in progress whatever the machine's speed. When @after_ms ends
 * a word, the next word's transcript delta still comes: a client that
 * has it has all the audio before it.
 */
void
pollen_emulator_realtime_hold_replies (PollenEmulator * emulator,
    guint after_ms)
{
  emu_set_ms (emulator, &emulator->reply_hold_ms, after_ms);
}

/* How many realtime sessions were opened (upgraded) so far. */
guint
pollen_emulator_get_realtime_session_count (PollenEmulator * emulator)
{
  guint count;

  g_mutex_lock (&emulator->lock);
  count = emulator->sessions_opened;
  g_mutex_unlock (&emulator->lock);
  return count;
}

/* With the lock: the first event of @type in @events not taken yet,
 * taken; its time in *@time. */
static gchar *
emu_take_event (GQueue * events, const gchar * type, gint64 * time)
{
  GList *l;

  for (l = events->head; l; l = l->next) {
    RealtimeEvent *event = l->data;
    gchar *text;

    if (!g_str_equal (event->type, type))
      continue;
    text = g_steal_pointer (&event->text);
    if (time)
      *time = event->time;
    g_queue_delete_link (events, l);
    realtime_event_free (event);
    return text;
  }
  return NULL;
}

static gchar *
emu_wait_event (PollenEmulator * emulator, GQueue * events,
    const gchar * type, guint timeout_ms, gint64 * time)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gchar *text;

  g_mutex_lock (&emulator->lock);
  while (!(text = emu_take_event (events, type, time)) &&
      g_cond_wait_until (&emulator->cond, &emulator->lock, end));
  if (!text)
    text = emu_take_event (events, type, time);
  g_mutex_unlock (&emulator->lock);
  return text;
}

/**
 * pollen_emulator_realtime_wait_event:
 * @type: a client event type ("session.update", "input_audio_buffer.commit"
 *   …; "" for a message that was no JSON event)
 *
 * Returns: (transfer full) (nullable): the JSON text of the first event of
 * @type a client sent that no earlier call took, waiting up to
 * @timeout_ms (× the check timeout multiplier is the caller's business).
 */
gchar *
pollen_emulator_realtime_wait_event (PollenEmulator * emulator,
    const gchar * type, guint timeout_ms)
{
  return emu_wait_event (emulator, &emulator->client_events, type,
      timeout_ms, NULL);
}

/**
 * pollen_emulator_realtime_wait_sent:
 * @type: a server event type
 *   ("conversation.item.input_audio_transcription.delta" …)
 * @sent_us: (out) (optional): g_get_monotonic_time() when it was sent
 *
 * Returns: (transfer full) (nullable): the JSON text of the first event of
 * @type a session sent that no earlier call took, waiting up to
 * @timeout_ms; for timing what goes out against what a client makes of it.
 */
gchar *
pollen_emulator_realtime_wait_sent (PollenEmulator * emulator,
    const gchar * type, guint timeout_ms, gint64 * sent_us)
{
  return emu_wait_event (emulator, &emulator->sent_events, type, timeout_ms,
      sent_us);
}

typedef struct
{
  PollenEmulator *emulator;
  gushort code;
  const gchar *reason;
  gboolean done;                /* under the emulator's lock */
} EndAll;

static gboolean
emu_end_all_now (gpointer data)
{
  EndAll *end = data;
  PollenEmulator *emulator = end->emulator;

  emu_realtime_end_all (emulator, end->code, end->reason);
  g_mutex_lock (&emulator->lock);
  end->done = TRUE;
  g_cond_broadcast (&emulator->cond);
  g_mutex_unlock (&emulator->lock);
  return G_SOURCE_REMOVE;
}

/* Ends every session in the emulator thread, and returns once it did: a
 * test's next step (audio appended) then goes to the next connection, not
 * to the one about to go. */
static void
emu_end_all (PollenEmulator * emulator, gushort code, const gchar * reason)
{
  EndAll end = { emulator, code, reason, FALSE };

  g_main_context_invoke (emulator->context, emu_end_all_now, &end);
  g_mutex_lock (&emulator->lock);
  while (!end.done)
    g_cond_wait (&emulator->cond, &emulator->lock);
  g_mutex_unlock (&emulator->lock);
}

/* Every open realtime session loses its connection, with no close frame,
 * as when a network or a server goes away; when this returns, they have. */
void
pollen_emulator_realtime_drop (PollenEmulator * emulator)
{
  emu_end_all (emulator, 0, NULL);
}

/* Every open realtime session is closed by the server with @code and
 * @reason, as the real one closes with 1008 or 1011; when this returns,
 * they are. */
void
pollen_emulator_realtime_close (PollenEmulator * emulator, gushort code,
    const gchar * reason)
{
  emu_end_all (emulator, code, reason);
}

/* ---- lifecycle ---- */

static gboolean
emu_listen (PollenEmulator * emulator, guint port)
{
  g_autoptr (GSList) listeners = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address =
      g_inet_socket_address_new (loopback, port);

  emulator->server = soup_server_new ("server-header", "pollen-emulator ",
      NULL);
  soup_server_add_handler (emulator->server, NULL, emu_handle, emulator,
      NULL);
  emu_add_realtime_handlers (emulator);
  if (!soup_server_listen (emulator->server, address, 0,
          &emulator->start_error))
    return FALSE;

  /* the port, from the socket (soup_server_get_uris() leaks in 3.2) */
  listeners = soup_server_get_listeners (emulator->server);
  bound = g_socket_get_local_address (listeners->data, NULL);
  emulator->port =
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  emulator->url = g_strdup_printf ("http://127.0.0.1:%u", emulator->port);
  return TRUE;
}

/* Lets the answers still being made come back (emu_release()). Only once
 * the server is disconnected, when no request can start another one: a
 * request read just before the quit used to start a picture in a worker
 * thread that was still running after pollen_emulator_free() returned. */
static void
emu_wait_for_jobs (PollenEmulator * emulator)
{
  while (emulator->jobs > 0)
    g_main_context_iteration (emulator->context, TRUE);
}

static gpointer
emu_thread (gpointer user_data)
{
  PollenEmulator *emulator = user_data;
  gboolean listening;

  g_main_context_push_thread_default (emulator->context);
  listening = emu_listen (emulator, emulator->port);

  g_mutex_lock (&emulator->lock);
  emulator->ready = TRUE;
  g_cond_broadcast (&emulator->cond);
  g_mutex_unlock (&emulator->lock);

  if (listening)
    g_main_loop_run (emulator->loop);

  emu_realtime_end_all (emulator, 0, NULL);
  if (emulator->server)
    soup_server_disconnect (emulator->server);
  emu_wait_for_jobs (emulator);
  g_clear_object (&emulator->server);
  /* let libsoup finish closing connections */
  while (g_main_context_iteration (emulator->context, FALSE));
  g_main_context_pop_thread_default (emulator->context);
  return NULL;
}

/**
 * pollen_emulator_new:
 * @port: TCP port on 127.0.0.1, or 0 for any free one
 *
 * Starts the emulator in a thread of its own.
 */
PollenEmulator *
pollen_emulator_new (guint port, GError ** error)
{
  PollenEmulator *emulator = g_new0 (PollenEmulator, 1);

  g_mutex_init (&emulator->lock);
  g_cond_init (&emulator->cond);
  g_queue_init (&emulator->script);
  emulator->requests = g_ptr_array_new_with_free_func ((GDestroyNotify)
      pollen_emulator_request_unref);
  emulator->limits = emu_limits_new ();
  emulator->sessions = g_ptr_array_new ();
  g_queue_init (&emulator->client_events);
  g_queue_init (&emulator->sent_events);
  emulator->context = g_main_context_new ();
  emulator->loop = g_main_loop_new (emulator->context, FALSE);
  emulator->port = port;
  emulator->thread = g_thread_new ("pollen-emulator", emu_thread, emulator);

  g_mutex_lock (&emulator->lock);
  while (!emulator->ready)
    g_cond_wait (&emulator->cond, &emulator->lock);
  g_mutex_unlock (&emulator->lock);

  if (emulator->start_error) {
    g_propagate_error (error, g_steal_pointer (&emulator->start_error));
    pollen_emulator_free (emulator);
    return NULL;
  }
  return emulator;
}

static gboolean
emu_quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
pollen_emulator_free (PollenEmulator * emulator)
{
  if (!emulator)
    return;
  g_main_context_invoke (emulator->context, emu_quit, emulator->loop);
  g_thread_join (emulator->thread);
  g_main_loop_unref (emulator->loop);
  g_main_context_unref (emulator->context);
  g_queue_clear_full (&emulator->script, (GDestroyNotify) script_entry_free);
  g_ptr_array_unref (emulator->requests);
  g_ptr_array_unref (emulator->sessions);
  g_queue_clear_full (&emulator->client_events, (GDestroyNotify)
      realtime_event_free);
  g_queue_clear_full (&emulator->sent_events, (GDestroyNotify)
      realtime_event_free);
  emu_limits_free (emulator->limits);
  g_clear_error (&emulator->start_error);
  g_mutex_clear (&emulator->lock);
  g_cond_clear (&emulator->cond);
  g_free (emulator->url);
  g_free (emulator);
}

const gchar *
pollen_emulator_get_url (PollenEmulator * emulator)
{
  return emulator->url;
}

guint
pollen_emulator_get_port (PollenEmulator * emulator)
{
  return emulator->port;
}
