/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* POST /v1/chat/completions for pollenchat and pollenvision: the body
 * (system prompt, history, the input as text or text and a picture, only
 * the parameters that were set), and one streamed completion read with
 * PollenChatStream so that each text delta reaches the caller as it
 * arrives. */

#include "pollenchatrequest.h"

#include <string.h>

#define READ_SIZE (16 * 1024)

void
pollen_chat_settings_init (PollenChatSettings * settings)
{
  memset (settings, 0, sizeof (*settings));
  settings->temperature = -1;
  settings->seed = -1;
}

/* ---- history ---- */

typedef struct
{
  gchar *user;
  gchar *assistant;
} Exchange;

struct _PollenChatHistory
{
  guint size;
  GQueue exchanges;             /* Exchange, oldest first */
};

static void
exchange_free (Exchange * exchange)
{
  g_free (exchange->user);
  g_free (exchange->assistant);
  g_free (exchange);
}

/* @size: how many exchanges to keep; 0 keeps none */
PollenChatHistory *
pollen_chat_history_new (guint size)
{
  PollenChatHistory *history = g_new0 (PollenChatHistory, 1);

  history->size = size;
  g_queue_init (&history->exchanges);
  return history;
}

void
pollen_chat_history_free (PollenChatHistory * history)
{
  if (!history)
    return;
  pollen_chat_history_clear (history);
  g_free (history);
}

static void
pollen_chat_history_trim (PollenChatHistory * history)
{
  while (history->exchanges.length > history->size)
    exchange_free (g_queue_pop_head (&history->exchanges));
}

void
pollen_chat_history_set_size (PollenChatHistory * history, guint size)
{
  history->size = size;
  pollen_chat_history_trim (history);
}

/* Remembers one exchange, forgetting the oldest beyond the size. */
void
pollen_chat_history_add (PollenChatHistory * history, const gchar * user,
    const gchar * assistant)
{
  Exchange *exchange = g_new0 (Exchange, 1);

  exchange->user = g_strdup (user);
  exchange->assistant = g_strdup (assistant);
  g_queue_push_tail (&history->exchanges, exchange);
  pollen_chat_history_trim (history);
}

void
pollen_chat_history_clear (PollenChatHistory * history)
{
  g_queue_clear_full (&history->exchanges, (GDestroyNotify) exchange_free);
}

guint
pollen_chat_history_get_length (PollenChatHistory * history)
{
  return history->exchanges.length;
}

/* ---- the body ---- */

/* Returns: (transfer full): @text as a message's content. */
JsonNode *
pollen_chat_content_new_text (const gchar * text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

static JsonObject *
image_part (const gchar * mime_type, GBytes * image, const gchar * detail)
{
  JsonObject *part = json_object_new ();
  JsonObject *url = json_object_new ();
  gsize size;
  gconstpointer data = g_bytes_get_data (image, &size);
  g_autofree gchar *base64 = g_base64_encode (data, size);
  g_autofree gchar *uri = g_strdup_printf ("data:%s;base64,%s",
      mime_type ? mime_type : "image/jpeg", base64);

  json_object_set_string_member (url, "url", uri);
  if (detail)
    json_object_set_string_member (url, "detail", detail);
  json_object_set_string_member (part, "type", "image_url");
  json_object_set_object_member (part, "image_url", url);
  return part;
}

/**
 * pollen_chat_content_new_image:
 * @mime_type: (nullable): the picture's type, %NULL for image/jpeg
 * @image: the encoded picture, sent inline as a data: URI
 * @detail: (nullable): "low", "high" or "auto"; %NULL sends none
 *
 * Returns: (transfer full): the content-part form of a user message:
 * [{type: text, text}, {type: image_url, image_url: {url, detail}}].
 */
JsonNode *
pollen_chat_content_new_image (const gchar * text, const gchar * mime_type,
    GBytes * image, const gchar * detail)
{
  JsonArray *parts = json_array_new ();
  JsonObject *text_part = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_object_set_string_member (text_part, "type", "text");
  json_object_set_string_member (text_part, "text", text);
  json_array_add_object_element (parts, text_part);
  json_array_add_object_element (parts, image_part (mime_type, image,
          detail));
  json_node_take_array (node, parts);
  return node;
}

static void
add_message (JsonArray * messages, const gchar * role, JsonNode * content)
{
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "role", role);
  json_object_set_member (message, "content", content);
  json_array_add_object_element (messages, message);
}

static JsonArray *
build_messages (const PollenChatSettings * settings,
    PollenChatHistory * history, JsonNode * content)
{
  JsonArray *messages = json_array_new ();
  GList *l;

  if (settings->system && *settings->system)
    add_message (messages, "system",
        pollen_chat_content_new_text (settings->system));
  for (l = history ? history->exchanges.head : NULL; l; l = l->next) {
    Exchange *exchange = l->data;

    add_message (messages, "user",
        pollen_chat_content_new_text (exchange->user));
    add_message (messages, "assistant",
        pollen_chat_content_new_text (exchange->assistant));
  }
  add_message (messages, "user", content);
  return messages;
}

/* Numbers the caller did not set stay out of the body, so that the
 * server's (or the model's) defaults apply. */
static void
add_parameters (JsonObject * body, const PollenChatSettings * settings)
{
  if (settings->temperature >= 0)
    json_object_set_double_member (body, "temperature",
        settings->temperature);
  if (settings->seed >= 0)
    json_object_set_int_member (body, "seed", settings->seed);
  if (settings->max_tokens > 0)
    json_object_set_int_member (body, "max_tokens", settings->max_tokens);
  if (settings->json_mode) {
    JsonObject *format = json_object_new ();

    json_object_set_string_member (format, "type", "json_object");
    json_object_set_object_member (body, "response_format", format);
  }
}

/**
 * pollen_chat_request_body:
 * @history: (nullable): earlier exchanges, sent between the system prompt
 *   and the input
 * @content: (transfer full): the user message's content
 *
 * Returns: (transfer full): the JSON body of a streamed completion.
 */
JsonObject *
pollen_chat_request_body (const PollenChatSettings * settings,
    PollenChatHistory * history, JsonNode * content)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "model",
      settings->model && *settings->model ? settings->model :
      POLLEN_CHAT_DEFAULT_MODEL);
  json_object_set_array_member (body, "messages",
      build_messages (settings, history, content));
  json_object_set_boolean_member (body, "stream", TRUE);
  add_parameters (body, settings);
  return body;
}

/**
 * pollen_chat_request_new:
 * @content: (transfer full): the user message's content
 *
 * Returns: (transfer full): POST /v1/chat/completions with the body of
 * pollen_chat_request_body() and the settings' extra-params.
 */
PollenRequest *
pollen_chat_request_new (const PollenChatSettings * settings,
    PollenChatHistory * history, JsonNode * content)
{
  PollenRequest *request = pollen_request_new ("POST",
      "/v1/chat/completions");
  g_autoptr (JsonObject) body =
      pollen_chat_request_body (settings, history, content);

  pollen_request_set_json (request, body);
  pollen_request_add_extra_params (request, settings->extra_params);
  return request;
}

/* ---- one completion ---- */

void
pollen_chat_result_free (PollenChatResult * result)
{
  if (!result)
    return;
  g_free (result->text);
  g_free (result->finish_reason);
  g_free (result->model);
  g_free (result->request_id);
  g_free (result->warning);
  g_free (result);
}

static PollenChatResult *
pollen_chat_result_new (PollenClient * client, PollenChatStream * stream,
    PollenResponse * response)
{
  PollenChatResult *result = g_new0 (PollenChatResult, 1);

  result->text = g_strdup (pollen_chat_stream_get_text (stream));
  result->finish_reason =
      g_strdup (pollen_chat_stream_get_finish_reason (stream));
  result->model = g_strdup (pollen_chat_stream_get_model (stream));
  if (!result->model)
    result->model = g_strdup (response->model_used);
  pollen_chat_stream_get_usage (stream, &result->usage);
  result->request_id = g_strdup (response->request_id);
  result->warning = pollen_chat_stream_dup_warning (stream,
      pollen_client_get_config (client)->api_key);
  return result;
}

/* Keep-alives (comments, non-JSON data) keep a connection busy without
 * a word of the reply: they do not count as the server answering, so a
 * stream of nothing else times out after @timeout seconds as silence
 * would (0: never). */
typedef struct
{
  guint timeout;
  guint64 events;
  gint64 since;                 /* monotonic time of the last real event */
} IdleWatch;

static gboolean
idle_watch_expired (IdleWatch * watch, PollenChatStream * stream,
    PollenResponse * response, GError ** error)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *text = NULL;

  if (pollen_chat_stream_get_events (stream) != watch->events ||
      !watch->since) {
    watch->events = pollen_chat_stream_get_events (stream);
    watch->since = now;
    return FALSE;
  }
  if (!watch->timeout ||
      now - watch->since <= watch->timeout * G_TIME_SPAN_SECOND)
    return FALSE;
  text = g_strdup_printf ("timed out: the server sent nothing but "
      "keep-alives for %u s", watch->timeout);
  g_propagate_error (error, pollen_client_error_new
      (POLLEN_CLIENT_ERROR_TIMEOUT, response->status, NULL, NULL,
          response->request_id, text));
  return TRUE;
}

/* Reading stopped at @cause before the body's end: a reply that had
 * finished is kept, unless the caller cancelled. */
static gboolean
read_stopped (PollenChatStream * stream, GError * cause, GError ** error)
{
  gboolean kept = FALSE;

  if (!g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    kept = pollen_chat_stream_finish_after (stream, cause, error);
  else
    g_propagate_error (error, g_error_copy (cause));
  g_error_free (cause);
  return kept;
}

/* Reads @response through @stream until the reply ends: the end of the
 * body, or [DONE] (a server may keep the connection open after it). A
 * body without a byte (204, or a 200 with nothing) is told as the status
 * it came with. A failure to read on is no failure of a reply that had
 * finished. */
static gboolean
read_stream (PollenResponse * response, PollenChatStream * stream,
    guint timeout, GCancellable * cancellable, GError ** error)
{
  IdleWatch idle = { timeout, 0, 0 };
  gboolean any = FALSE;

  while (!pollen_chat_stream_is_done (stream)) {
    g_autoptr (GError) cause = NULL;
    g_autoptr (GBytes) chunk = pollen_response_read (response, READ_SIZE,
        cancellable, &cause);
    gsize size = 0;
    const gchar *data = chunk ? g_bytes_get_data (chunk, &size) : NULL;

    if (!chunk || idle_watch_expired (&idle, stream, response, &cause))
      return read_stopped (stream, g_steal_pointer (&cause), error);
    if (size == 0 && !any) {
      g_propagate_error (error, pollen_response_empty_body_error (response));
      return FALSE;
    }
    if (size == 0)
      break;
    any = TRUE;
    if (!pollen_chat_stream_feed (stream, data, size, error))
      return FALSE;
  }
  return pollen_chat_stream_finish (stream, error);
}

/**
 * pollen_chat_complete:
 * @request: from pollen_chat_request_new()
 * @func: (nullable): called from this thread with each text delta as it
 *   arrives, before the reply is complete
 *
 * Runs one streamed completion. The client retries what is safe until the
 * answer begins; after that a failure is final (the deltas are out).
 *
 * Returns: (transfer full): the whole reply, or %NULL with @error set:
 * %G_IO_ERROR_CANCELLED, or in the %POLLEN_CLIENT_ERROR domain an HTTP
 * error status, an error sent inside the stream (HTTP, with its status,
 * code and message), a transport failure, or an answer without text
 * (BAD_RESPONSE).
 */
PollenChatResult *
pollen_chat_complete (PollenClient * client, const PollenRequest * request,
    PollenChatDeltaFunc func, gpointer user_data,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (PollenChatStream) stream = NULL;

  response = pollen_client_send (client, request, cancellable, error);
  if (!response)
    return NULL;
  stream = pollen_chat_stream_new (response->content_type,
      response->request_id, func, user_data);
  if (!read_stream (response, stream,
          pollen_client_get_config (client)->timeout, cancellable, error))
    return NULL;
  return pollen_chat_result_new (client, stream, response);
}

/**
 * pollen_chat_result_post_warning:
 * @what: what was asked, for the message ("Answering the text at …")
 *
 * Posts @result's warning, if it has one, as a WARNING message of
 * @element with the answer's request id.
 */
void
pollen_chat_result_post_warning (PollenChatResult * result,
    GstElement * element, const gchar * what)
{
  gchar *text, *debug;

  if (!result->warning)
    return;
  text = g_strdup_printf ("%s: %s", what, result->warning);
  debug = g_strdup_printf ("request-id: %s",
      result->request_id ? result->request_id : "(none)");
  gst_element_message_full (element, GST_MESSAGE_WARNING, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_READ, text, debug, __FILE__, GST_FUNCTION, __LINE__);
}

GType
pollen_chat_output_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {POLLEN_CHAT_OUTPUT_REPLY, "One buffer with the whole reply", "reply"},
    {POLLEN_CHAT_OUTPUT_SENTENCE, "Each sentence as soon as it is complete "
          "(speech can start before the reply is finished)", "sentence"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstPollenChatOutput",
            values));
  return type;
}
