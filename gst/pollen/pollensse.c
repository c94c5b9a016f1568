/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Server-Sent Events (the WHATWG "event stream" format) and, on top of it,
 * the reader of a streamed chat completion (docs/api-notes.md: chunks, a
 * usage chunk with empty choices, [DONE], non-JSON keep-alives, errors sent
 * inside the stream). Both are fed bytes exactly as they arrive, so an
 * event or a UTF-8 character may be split anywhere. */

#include "pollensse.h"
#include "pollenclient.h"
#include "pollenjson.h"

#include <string.h>

/* ---- the event-stream parser ---- */

struct _PollenSseParser
{
  gsize max_size;
  GString *line;                /* the line being read */
  GString *data;                /* data lines of the event, each + "\n" */
  gboolean has_data;
  gchar *event;                 /* event type of the event being read */
  gchar *id;                    /* last event id: it outlives its event */
  gboolean skip_lf;             /* the last line ended in CR: an LF next
                                 * belongs to it (CRLF split across reads) */
  guint bom_size;               /* bytes of a leading BOM read so far */
  gboolean past_bom;            /* the stream's first bytes are behind */
  gboolean failed;
  GQueue ready;                 /* PollenSseEvent */
};

void
pollen_sse_event_free (PollenSseEvent * event)
{
  if (!event)
    return;
  g_free (event->event);
  g_free (event->data);
  g_free (event->id);
  g_free (event);
}

/**
 * pollen_sse_parser_new:
 * @max_event_size: the most bytes one event (its lines together) may take,
 *   e.g. %POLLEN_SSE_MAX_EVENT
 */
PollenSseParser *
pollen_sse_parser_new (gsize max_event_size)
{
  PollenSseParser *parser = g_new0 (PollenSseParser, 1);

  parser->max_size = max_event_size;
  parser->line = g_string_new (NULL);
  parser->data = g_string_new (NULL);
  g_queue_init (&parser->ready);
  return parser;
}

void
pollen_sse_parser_free (PollenSseParser * parser)
{
  if (!parser)
    return;
  g_string_free (parser->line, TRUE);
  g_string_free (parser->data, TRUE);
  g_free (parser->event);
  g_free (parser->id);
  g_queue_clear_full (&parser->ready, (GDestroyNotify) pollen_sse_event_free);
  g_free (parser);
}

/* A blank line ends an event; one without data is dropped (as the spec
 * says), its type forgotten. */
static void
pollen_sse_parser_dispatch (PollenSseParser * parser)
{
  PollenSseEvent *event;

  if (parser->has_data) {
    event = g_new0 (PollenSseEvent, 1);
    /* the last data line's "\n" is no part of the data */
    g_string_truncate (parser->data, parser->data->len - 1);
    event->data_size = parser->data->len;
    event->data = g_memdup2 (parser->data->str, parser->data->len + 1);
    event->event = g_strdup (parser->event ? parser->event : "message");
    event->id = g_strdup (parser->id);
    g_queue_push_tail (&parser->ready, event);
  }
  g_string_truncate (parser->data, 0);
  parser->has_data = FALSE;
  g_clear_pointer (&parser->event, g_free);
}

static void
pollen_sse_parser_field (PollenSseParser * parser, const gchar * name,
    const gchar * value, gsize value_size)
{
  if (g_str_equal (name, "data")) {
    g_string_append_len (parser->data, value, value_size);
    g_string_append_c (parser->data, '\n');
    parser->has_data = TRUE;
  } else if (g_str_equal (name, "event")) {
    g_free (parser->event);
    parser->event = g_strndup (value, value_size);
  } else if (g_str_equal (name, "id") && !memchr (value, '\0', value_size)) {
    g_free (parser->id);
    parser->id = g_strndup (value, value_size);
  }
  /* "retry" and unknown fields mean nothing to a one-shot reader */
}

/* One line without its line end: a blank line, a comment (":" first, the
 * keep-alives of proxies), or "name: value" (one space after the colon
 * is dropped; a line without a colon is a name with an empty value). */
static void
pollen_sse_parser_line (PollenSseParser * parser)
{
  const gchar *line = parser->line->str;
  gsize size = parser->line->len;
  const gchar *colon = memchr (line, ':', size);
  g_autofree gchar *name = NULL;
  const gchar *value = line + size;

  if (size == 0) {
    pollen_sse_parser_dispatch (parser);
    return;
  }
  if (colon == line)
    return;
  if (colon) {
    value = colon + 1;
    if (value < line + size && *value == ' ')
      value++;
  }
  name = g_strndup (line, (colon ? colon : line + size) - line);
  pollen_sse_parser_field (parser, name, value, line + size - value);
}

static gboolean
pollen_sse_parser_fail (PollenSseParser * parser, GError ** error)
{
  parser->failed = TRUE;
  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server's event stream sent an event of more than %"
      G_GSIZE_FORMAT " bytes", parser->max_size);
  return FALSE;
}

/* Where the line starting at @data ends: the first CR or LF, or @size. */
static gsize
line_end (const gchar * data, gsize size)
{
  gsize i;

  for (i = 0; i < size; i++) {
    if (data[i] == '\n' || data[i] == '\r')
      break;
  }
  return i;
}

/* Skips the byte order mark a stream may start with (the spec drops it:
 * kept, it would hide the first line's field name), even split across
 * reads. Returns: how many bytes of @data it took. */
static gsize
pollen_sse_parser_skip_bom (PollenSseParser * parser, const gchar * data,
    gsize size)
{
  static const gchar bom[] = "\xef\xbb\xbf";
  gsize i = 0;

  while (!parser->past_bom && i < size) {
    if (data[i] != bom[parser->bom_size]) {
      /* no BOM: what looked like its start is the first line's */
      g_string_append_len (parser->line, bom, parser->bom_size);
      parser->past_bom = TRUE;
      break;
    }
    i++;
    parser->past_bom = ++parser->bom_size == sizeof (bom) - 1;
  }
  return i;
}

/**
 * pollen_sse_parser_feed:
 *
 * Parses the next bytes of the stream; events they complete are queued for
 * pollen_sse_parser_pop().
 *
 * Returns: %FALSE with @error set (%POLLEN_CLIENT_ERROR_BAD_RESPONSE) when
 * an event grows past the size limit; the parser takes nothing more then.
 */
gboolean
pollen_sse_parser_feed (PollenSseParser * parser, const gchar * data,
    gsize size, GError ** error)
{
  gsize i;

  if (parser->failed)
    return pollen_sse_parser_fail (parser, error);
  i = pollen_sse_parser_skip_bom (parser, data, size);
  while (i < size) {
    gsize end;

    if (parser->skip_lf && data[i] == '\n') {
      parser->skip_lf = FALSE;
      i++;
      continue;
    }
    parser->skip_lf = FALSE;
    end = i + line_end (data + i, size - i);
    g_string_append_len (parser->line, data + i, end - i);
    if (parser->line->len + parser->data->len > parser->max_size)
      return pollen_sse_parser_fail (parser, error);
    if (end == size)
      break;
    parser->skip_lf = data[end] == '\r';
    pollen_sse_parser_line (parser);
    g_string_truncate (parser->line, 0);
    i = end + 1;
  }
  return TRUE;
}

/**
 * pollen_sse_parser_finish:
 *
 * Ends the stream. Unlike a browser, an event the server did not close
 * with a blank line is still delivered: a stream cut short should lose as
 * little as possible.
 */
void
pollen_sse_parser_finish (PollenSseParser * parser)
{
  if (parser->failed)
    return;
  if (parser->line->len > 0) {
    pollen_sse_parser_line (parser);
    g_string_truncate (parser->line, 0);
  }
  pollen_sse_parser_dispatch (parser);
}

/* Returns: (transfer full) (nullable): the oldest complete event. */
PollenSseEvent *
pollen_sse_parser_pop (PollenSseParser * parser)
{
  return g_queue_pop_head (&parser->ready);
}

/* ---- the chat completion reader ---- */

struct _PollenChatStream
{
  gboolean is_sse;
  PollenSseParser *parser;
  GByteArray *body;             /* a JSON answer, whole */
  gchar *request_id;
  PollenChatDeltaFunc func;
  gpointer user_data;

  GString *text;
  gchar *finish_reason;
  gchar *model;
  PollenChatUsage usage;
  gboolean has_usage;
  gboolean done;                /* [DONE] seen */
  GError *error;                /* the first failure, kept */
};

/**
 * pollen_chat_stream_new:
 * @content_type: (nullable): the answer's media type; text/event-stream is
 *   read as SSE, anything else as one JSON body
 * @request_id: (nullable): the X-Request-Id, put into errors
 * @func: (nullable): called with each text delta as it arrives
 */
PollenChatStream *
pollen_chat_stream_new (const gchar * content_type, const gchar * request_id,
    PollenChatDeltaFunc func, gpointer user_data)
{
  PollenChatStream *stream = g_new0 (PollenChatStream, 1);

  stream->is_sse = content_type &&
      g_ascii_strcasecmp (content_type, "text/event-stream") == 0;
  if (stream->is_sse)
    stream->parser = pollen_sse_parser_new (POLLEN_SSE_MAX_EVENT);
  else
    stream->body = g_byte_array_new ();
  stream->request_id = g_strdup (request_id);
  stream->func = func;
  stream->user_data = user_data;
  stream->text = g_string_new (NULL);
  stream->usage.prompt_tokens = stream->usage.completion_tokens =
      stream->usage.total_tokens = -1;
  return stream;
}

void
pollen_chat_stream_free (PollenChatStream * stream)
{
  if (!stream)
    return;
  pollen_sse_parser_free (stream->parser);
  if (stream->body)
    g_byte_array_unref (stream->body);
  g_free (stream->request_id);
  g_string_free (stream->text, TRUE);
  g_free (stream->finish_reason);
  g_free (stream->model);
  g_clear_error (&stream->error);
  g_free (stream);
}

static void
pollen_chat_stream_set_error (PollenChatStream * stream, GError * error)
{
  if (stream->error)
    g_error_free (error);
  else
    stream->error = error;
}

static gboolean
pollen_chat_stream_failed (PollenChatStream * stream, GError ** error)
{
  if (!stream->error)
    return FALSE;
  g_propagate_error (error, g_error_copy (stream->error));
  return TRUE;
}

/* The HTTP status an error object stands for: its own "status" or a
 * numeric "code", else the 502 the gateway maps provider failures to. */
static guint
error_object_status (JsonObject * root, JsonObject * inner)
{
  gdouble number;

  if (pollen_json_get_number (inner, "status", &number) ||
      pollen_json_get_number (inner, "code", &number) ||
      pollen_json_get_number (root, "status", &number)) {
    if (number >= 400 && number <= 599)
      return (guint) number;
  }
  return 502;
}

static GError *
pollen_chat_stream_error (PollenChatStream * stream, guint status,
    const gchar * code, const gchar * message)
{
  g_autofree gchar *text = NULL;

  if (!message || !*message)
    message = code ? code : "no message";
  text = g_strdup_printf ("the server failed during the reply (%u%s%s): %s",
      status, code ? " " : "", code ? code : "", message);
  return pollen_client_error_new (POLLEN_CLIENT_ERROR_HTTP, status, code,
      message, stream->request_id, text);
}

/* {"error":{"message","code"|"type","status"}} (OpenAI and the gateway's
 * envelope) or {"error":"text","message":"…"}. */
static GError *
pollen_chat_stream_error_object (PollenChatStream * stream, JsonObject * root)
{
  JsonObject *inner = pollen_json_get_object (root, "error");
  const gchar *code = NULL, *message = NULL;
  guint status = error_object_status (root, inner);

  if (inner) {
    code = pollen_json_get_string (inner, "code");
    if (!code)
      code = pollen_json_get_string (inner, "type");
    message = pollen_json_get_string (inner, "message");
  } else {
    code = pollen_json_get_string (root, "error");
  }
  if (!message)
    message = pollen_json_get_string (root, "message");
  return pollen_chat_stream_error (stream, status, code, message);
}

/* An error object or text; "error": null is no error. */
static gboolean
has_error (JsonObject * object)
{
  return pollen_json_get_object (object, "error") ||
      pollen_json_get_string (object, "error");
}

static void
pollen_chat_stream_add_text (PollenChatStream * stream, const gchar * delta)
{
  if (!delta || !*delta)
    return;
  g_string_append (stream->text, delta);
  if (stream->func)
    stream->func (delta, stream->user_data);
}

/* A token count as the server wrote it, kept within what a gint64 holds
 * (a double out of its range does not convert; found by fuzzing). */
static void
read_token_count (JsonObject * usage, const gchar * name, gint64 * count)
{
  gdouble n;

  if (pollen_json_get_number (usage, name, &n))
    *count = (gint64) CLAMP (n, 0, (gdouble) G_MAXINT32);
}

static void
pollen_chat_stream_read_usage (PollenChatStream * stream, JsonObject * usage)
{
  if (!usage)
    return;
  stream->has_usage = TRUE;
  read_token_count (usage, "prompt_tokens", &stream->usage.prompt_tokens);
  read_token_count (usage, "completion_tokens",
      &stream->usage.completion_tokens);
  read_token_count (usage, "total_tokens", &stream->usage.total_tokens);
}

/* A message's content: a string, or an array of parts whose "text" parts
 * are read in order (what some providers answer, streamed or not). */
static void
pollen_chat_stream_add_content (PollenChatStream * stream, JsonObject * message)
{
  JsonArray *parts = pollen_json_get_array (message, "content");
  guint i;

  if (!parts) {
    pollen_chat_stream_add_text (stream, pollen_json_get_string (message,
            "content"));
    return;
  }
  for (i = 0; i < json_array_get_length (parts); i++) {
    JsonNode *part = json_array_get_element (parts, i);
    JsonObject *object;

    if (!JSON_NODE_HOLDS_OBJECT (part))
      continue;
    object = json_node_get_object (part);
    if (g_strcmp0 (pollen_json_get_string (object, "type"), "text") == 0)
      pollen_chat_stream_add_text (stream, pollen_json_get_string (object,
              "text"));
  }
}

/* What every answer object carries, streamed chunk or whole completion:
 * the model, the usage, and the first choice's text (in "delta" or
 * "message") and finish reason. Only choice 0 is read: we never ask for
 * more than one. */
static void
pollen_chat_stream_read_object (PollenChatStream * stream, JsonObject * root,
    const gchar * part)
{
  JsonArray *choices = pollen_json_get_array (root, "choices");
  JsonNode *first;
  const gchar *model = pollen_json_get_string (root, "model");
  const gchar *reason;

  if (model && !stream->model)
    stream->model = g_strdup (model);
  pollen_chat_stream_read_usage (stream, pollen_json_get_object (root,
          "usage"));
  if (!choices || json_array_get_length (choices) == 0)
    return;
  first = json_array_get_element (choices, 0);
  if (!JSON_NODE_HOLDS_OBJECT (first))
    return;
  pollen_chat_stream_add_content (stream,
      pollen_json_get_object (json_node_get_object (first), part));
  reason = pollen_json_get_string (json_node_get_object (first),
      "finish_reason");
  if (reason) {
    g_free (stream->finish_reason);
    stream->finish_reason = g_strdup (reason);
  }
}

/* One SSE event. Data that is not a JSON object is a keep-alive, unless
 * the event's type is "error": then it is the server's message. */
static void
pollen_chat_stream_event (PollenChatStream * stream, PollenSseEvent * event)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *trimmed = g_strstrip (g_strdup (event->data));
  JsonObject *object;

  if (stream->done || stream->error)
    return;
  if (g_str_equal (trimmed, "[DONE]")) {
    stream->done = TRUE;
    return;
  }
  root = pollen_json_parse (event->data, event->data_size, NULL);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    if (g_str_equal (event->event, "error"))
      pollen_chat_stream_set_error (stream,
          pollen_chat_stream_error (stream, 502, NULL, trimmed));
    return;
  }
  object = json_node_get_object (root);
  if (has_error (object) || g_str_equal (event->event, "error"))
    pollen_chat_stream_set_error (stream,
        pollen_chat_stream_error_object (stream, object));
  else
    pollen_chat_stream_read_object (stream, object, "delta");
}

static void
pollen_chat_stream_drain (PollenChatStream * stream)
{
  PollenSseEvent *event;

  while ((event = pollen_sse_parser_pop (stream->parser))) {
    pollen_chat_stream_event (stream, event);
    pollen_sse_event_free (event);
  }
}

/**
 * pollen_chat_stream_feed:
 *
 * Reads the next bytes of the answer, calling the delta function for each
 * text delta they complete.
 *
 * Returns: %FALSE with @error set once the answer failed: an error sent in
 * the stream (%POLLEN_CLIENT_ERROR_HTTP, with its status, code and
 * message), or an event or body too large (%POLLEN_CLIENT_ERROR_BAD_RESPONSE).
 */
gboolean
pollen_chat_stream_feed (PollenChatStream * stream, const gchar * data,
    gsize size, GError ** error)
{
  GError *parse_error = NULL;

  if (pollen_chat_stream_failed (stream, error))
    return FALSE;
  if (!stream->is_sse) {
    if (stream->body->len + size > POLLEN_SSE_MAX_EVENT)
      pollen_chat_stream_set_error (stream,
          g_error_new (POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
              "the server's answer is larger than %d bytes",
              POLLEN_SSE_MAX_EVENT));
    else
      g_byte_array_append (stream->body, (const guint8 *) data, size);
  } else if (!pollen_sse_parser_feed (stream->parser, data, size,
          &parse_error)) {
    pollen_chat_stream_set_error (stream, parse_error);
  }
  if (stream->is_sse)
    pollen_chat_stream_drain (stream);
  return !pollen_chat_stream_failed (stream, error);
}

/* A whole JSON answer: a chat.completion, or an error object. */
static void
pollen_chat_stream_read_body (PollenChatStream * stream)
{
  GError *parse_error = NULL;
  g_autoptr (JsonNode) root = pollen_json_parse ((const gchar *)
      stream->body->data, stream->body->len, &parse_error);
  JsonObject *object;

  if (!root) {
    pollen_chat_stream_set_error (stream, parse_error);
    return;
  }
  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (object && has_error (object))
    pollen_chat_stream_set_error (stream,
        pollen_chat_stream_error_object (stream, object));
  else if (object)
    pollen_chat_stream_read_object (stream, object, "message");
}

/* An answer without text is no answer; a content filter says so. */
static GError *
pollen_chat_stream_empty_error (PollenChatStream * stream)
{
  if (g_strcmp0 (stream->finish_reason, "content_filter") == 0)
    return pollen_client_error_new (POLLEN_CLIENT_ERROR_HTTP, 422,
        "content_filter", "content_filter", stream->request_id,
        "the server's content filter withheld the reply");
  return pollen_client_error_new (POLLEN_CLIENT_ERROR_BAD_RESPONSE, 0, NULL,
      NULL, stream->request_id, stream->is_sse && !stream->done ?
      "the chat stream ended before any text arrived" :
      "the server's reply holds no text");
}

/**
 * pollen_chat_stream_finish:
 *
 * Ends the answer: the body has been read to its end. A stream without
 * [DONE] that did bring text is accepted (the text is all there is).
 *
 * Returns: %FALSE with @error set when the answer failed or brought no
 * text (%POLLEN_CLIENT_ERROR_BAD_RESPONSE, or HTTP 422 for a reply the
 * content filter withheld).
 */
gboolean
pollen_chat_stream_finish (PollenChatStream * stream, GError ** error)
{
  if (pollen_chat_stream_failed (stream, error))
    return FALSE;
  if (stream->is_sse) {
    pollen_sse_parser_finish (stream->parser);
    pollen_chat_stream_drain (stream);
  } else {
    pollen_chat_stream_read_body (stream);
  }
  if (!stream->error && stream->text->len == 0)
    pollen_chat_stream_set_error (stream,
        pollen_chat_stream_empty_error (stream));
  return !pollen_chat_stream_failed (stream, error);
}

/* The text so far (all of it after a successful finish). */
const gchar *
pollen_chat_stream_get_text (PollenChatStream * stream)
{
  return stream->text->str;
}

/* Returns: (nullable): "stop", "length", "content_filter" … */
const gchar *
pollen_chat_stream_get_finish_reason (PollenChatStream * stream)
{
  return stream->finish_reason;
}

/* Returns: (nullable): the model the answer says it came from. */
const gchar *
pollen_chat_stream_get_model (PollenChatStream * stream)
{
  return stream->model;
}

/* Returns: whether a usage object arrived; its counts go to @usage. */
gboolean
pollen_chat_stream_get_usage (PollenChatStream * stream,
    PollenChatUsage * usage)
{
  *usage = stream->usage;
  return stream->has_usage;
}
