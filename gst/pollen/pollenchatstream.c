/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The reader of a streamed chat completion (docs/api-notes.md: chunks, a
 * usage chunk with empty choices, [DONE], non-JSON keep-alives, errors sent
 * inside the stream), on the event-stream parser of pollensse.c. Fed bytes
 * exactly as they arrive, so an event or a UTF-8 character may be split
 * anywhere. */

#include "pollenchatstream.h"
#include "pollenclient.h"
#include "pollenjson.h"

#include <string.h>

typedef enum
{
  FORMAT_UNKNOWN,               /* no byte that tells yet */
  FORMAT_SSE,
  FORMAT_JSON,
} ChatFormat;

/* The server appends this error to a stream whose provider gave no token
 * counts, after a reply that may be whole (text/chat/usage.ts). */
#define USAGE_MISSING_CODE "usage_missing"
/* how much of an event that could not be read a warning quotes, from how
 * much of it kept (the key is taken out before it is cut) */
#define LOST_QUOTE_CHARS 60
#define LOST_KEPT_BYTES 4096

struct _PollenChatStream
{
  gboolean declared_sse;        /* the Content-Type said text/event-stream */
  ChatFormat format;
  PollenSseParser *parser;
  GByteArray *body;             /* a JSON answer, or bytes before the format
                                 * is known */
  gchar *request_id;
  PollenChatDeltaFunc func;
  gpointer user_data;

  GString *text;
  gchar *finish_reason;
  gchar *model;
  PollenChatUsage usage;
  gboolean has_usage;
  gboolean done;                /* [DONE], or the end the server appended */
  guint64 events;               /* events that were not keep-alives */
  guint repaired;               /* characters replaced by U+FFFD */
  guint lost;                   /* events that could not be read */
  gchar *first_lost;            /* the start of the first of them, valid
                                 * UTF-8 */
  GPtrArray *warnings;          /* what a person should hear, in order */
  GError *error;                /* the first failure, kept */
};

/**
 * pollen_chat_stream_new:
 * @content_type: (nullable): the answer's media type; the answer's first
 *   bytes decide (an event stream, or one JSON body), this only when they
 *   do not
 * @request_id: (nullable): the X-Request-Id, put into errors
 * @func: (nullable): called with each text delta as it arrives
 */
PollenChatStream *
pollen_chat_stream_new (const gchar * content_type, const gchar * request_id,
    PollenChatDeltaFunc func, gpointer user_data)
{
  PollenChatStream *stream = g_new0 (PollenChatStream, 1);

  stream->declared_sse = content_type &&
      g_ascii_strcasecmp (content_type, "text/event-stream") == 0;
  stream->body = g_byte_array_new ();
  stream->request_id = g_strdup (request_id);
  stream->func = func;
  stream->user_data = user_data;
  stream->text = g_string_new (NULL);
  stream->warnings = g_ptr_array_new_with_free_func (g_free);
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
  g_byte_array_unref (stream->body);
  g_free (stream->request_id);
  g_string_free (stream->text, TRUE);
  g_free (stream->finish_reason);
  g_free (stream->model);
  g_free (stream->first_lost);
  g_ptr_array_unref (stream->warnings);
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

static void
pollen_chat_stream_warn (PollenChatStream * stream, gchar * warning)
{
  g_ptr_array_add (stream->warnings, warning);
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

/* How far the reply got, for a failure after text came: in sentence mode
 * what went out stays out, so a person should know how much it was. */
static gchar *
pollen_chat_stream_progress_note (PollenChatStream * stream)
{
  if (stream->text->len == 0)
    return g_strdup ("");
  return g_strdup_printf (" after %ld characters of the reply",
      g_utf8_strlen (stream->text->str, stream->text->len));
}

static GError *
pollen_chat_stream_error (PollenChatStream * stream, guint status,
    const gchar * code, const gchar * message)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *note = pollen_chat_stream_progress_note (stream);

  if (!message || !*message)
    message = code ? code : "no message";
  text = g_strdup_printf ("the server failed during the reply%s (%u%s%s): %s",
      note, status, code ? " " : "", code ? code : "", message);
  return pollen_client_error_new (POLLEN_CLIENT_ERROR_HTTP, status, code,
      message, stream->request_id, text);
}

/* The code of an error object: "code" (a string), else "type". */
static const gchar *
error_object_code (JsonObject * inner)
{
  const gchar *code = pollen_json_get_string (inner, "code");

  return code ? code : pollen_json_get_string (inner, "type");
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
    code = error_object_code (inner);
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
 * are read in order (what some providers answer, streamed or not). Only
 * "content" is the reply: "reasoning_content" (a reasoning model's
 * thoughts) and "tool_calls" never are. */
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

/* finish_reason "error": the provider failed in the middle of the reply,
 * and the choice says why in its "error" (text/streamStart.ts). */
static void
pollen_chat_stream_choice_failed (PollenChatStream * stream,
    JsonObject * choice)
{
  JsonObject *inner = pollen_json_get_object (choice, "error");

  pollen_chat_stream_set_error (stream, pollen_chat_stream_error (stream,
          error_object_status (choice, inner), error_object_code (inner),
          inner ? pollen_json_get_string (inner, "message") :
          "the choice ended with finish_reason \"error\""));
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
  JsonObject *choice;
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
  choice = json_node_get_object (first);
  pollen_chat_stream_add_content (stream, pollen_json_get_object (choice,
          part));
  reason = pollen_json_get_string (choice, "finish_reason");
  if (g_strcmp0 (reason, "error") == 0)
    pollen_chat_stream_choice_failed (stream, choice);
  else if (reason) {
    g_free (stream->finish_reason);
    stream->finish_reason = g_strdup (reason);
  }
}

/* The server's "usage_missing" after a whole reply (one that said how it
 * finished) ends it well: the text is all there, only the token counts
 * are not. Before that it is the end of a reply that broke off. */
static gboolean
pollen_chat_stream_usage_missing (PollenChatStream * stream,
    JsonObject * root)
{
  JsonObject *inner = pollen_json_get_object (root, "error");
  const gchar *message = pollen_json_get_string (inner, "message");

  if (g_strcmp0 (error_object_code (inner), USAGE_MISSING_CODE) != 0 ||
      !stream->finish_reason || stream->text->len == 0)
    return FALSE;
  pollen_chat_stream_warn (stream, g_strdup_printf ("The server ended the "
          "stream with an error after the whole reply (%s: %s); the reply "
          "is complete, only its token counts are missing.",
          USAGE_MISSING_CODE, message ? message : "no message"));
  stream->done = TRUE;
  return TRUE;
}

/* Data that is not JSON is a keep-alive, unless it looks like a chunk
 * ("{" or "[" first): then a piece of the reply could not be read. */
static void
pollen_chat_stream_unreadable (PollenChatStream * stream,
    const PollenSseEvent * event, const gchar * trimmed)
{
  if (g_str_equal (event->event, "error")) {
    pollen_chat_stream_set_error (stream,
        pollen_chat_stream_error (stream, 502, NULL, trimmed));
    return;
  }
  if (trimmed[0] != '{' && trimmed[0] != '[')
    return;
  stream->events++;
  if (stream->lost++ == 0)
    stream->first_lost = g_utf8_make_valid (event->data,
        MIN (event->data_size, LOST_KEPT_BYTES));
}

/* One SSE event. */
static void
pollen_chat_stream_event (PollenChatStream * stream, PollenSseEvent * event)
{
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *trimmed = g_strstrip (g_strdup (event->data));
  JsonObject *object;
  guint repaired = 0;

  if (stream->done || stream->error)
    return;
  if (g_str_equal (trimmed, "[DONE]")) {
    stream->done = TRUE;
    return;
  }
  root = pollen_json_parse_repairing (event->data, event->data_size,
      &repaired, NULL);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root)) {
    pollen_chat_stream_unreadable (stream, event, trimmed);
    return;
  }
  stream->events++;
  stream->repaired += repaired;
  object = json_node_get_object (root);
  if (has_error (object) || g_str_equal (event->event, "error")) {
    if (!pollen_chat_stream_usage_missing (stream, object))
      pollen_chat_stream_set_error (stream,
          pollen_chat_stream_error_object (stream, object));
  } else {
    pollen_chat_stream_read_object (stream, object, "delta");
  }
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

/* The format the bytes at the start of @data show, past a byte order
 * mark and blanks: "{" or "[" is JSON, an SSE field or comment an event
 * stream. FORMAT_UNKNOWN when they show neither, with *@enough set once
 * enough bytes came that more would not tell either. */
static ChatFormat
sniff_format (const gchar * data, gsize size, gboolean * enough)
{
  static const gchar *const fields[] = { "data:", "event:", "id:", "retry:",
    ":"
  };
  gsize i = 0;
  guint f;

  if (size >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < size && g_ascii_isspace (data[i]))
    i++;
  if (i < size && (data[i] == '{' || data[i] == '['))
    return FORMAT_JSON;
  for (f = 0; f < G_N_ELEMENTS (fields); f++) {
    gsize length = strlen (fields[f]);

    if (size - i >= length && memcmp (data + i, fields[f], length) == 0)
      return FORMAT_SSE;
  }
  *enough = size - i >= strlen ("retry:");
  return FORMAT_UNKNOWN;
}

/* The body so far decides how it is read (a server's Content-Type is not
 * always right; docs/reliability.md), the Content-Type only when the
 * bytes do not; once decided, the bytes held until then are read so. */
static void
pollen_chat_stream_choose_format (PollenChatStream * stream, gboolean ended)
{
  GError *parse_error = NULL;
  gboolean enough = FALSE;
  ChatFormat format = sniff_format ((const gchar *) stream->body->data,
      stream->body->len, &enough);

  if (format == FORMAT_UNKNOWN && !enough && !ended)
    return;
  if (format == FORMAT_UNKNOWN)
    format = stream->declared_sse ? FORMAT_SSE : FORMAT_JSON;
  stream->format = format;
  if (format != FORMAT_SSE)
    return;
  stream->parser = pollen_sse_parser_new (POLLEN_SSE_MAX_EVENT);
  if (!pollen_sse_parser_feed (stream->parser, (const gchar *)
          stream->body->data, stream->body->len, &parse_error))
    pollen_chat_stream_set_error (stream, parse_error);
  g_byte_array_set_size (stream->body, 0);
}

/* Bytes held whole: a JSON answer, or the start that does not yet tell. */
static void
pollen_chat_stream_hold (PollenChatStream * stream, const gchar * data,
    gsize size)
{
  if (stream->body->len + size > POLLEN_SSE_MAX_EVENT)
    pollen_chat_stream_set_error (stream,
        g_error_new (POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
            "the server's answer is larger than %d bytes",
            POLLEN_SSE_MAX_EVENT));
  else
    g_byte_array_append (stream->body, (const guint8 *) data, size);
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
  if (stream->format != FORMAT_SSE) {
    pollen_chat_stream_hold (stream, data, size);
    if (stream->format == FORMAT_UNKNOWN)
      pollen_chat_stream_choose_format (stream, FALSE);
  } else if (!pollen_sse_parser_feed (stream->parser, data, size,
          &parse_error)) {
    pollen_chat_stream_set_error (stream, parse_error);
  }
  if (stream->format == FORMAT_SSE)
    pollen_chat_stream_drain (stream);
  return !pollen_chat_stream_failed (stream, error);
}

/* A whole JSON answer: a chat.completion, or an error object. */
static void
pollen_chat_stream_read_body (PollenChatStream * stream)
{
  GError *parse_error = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  guint repaired = 0;

  root = pollen_json_parse_repairing ((const gchar *) stream->body->data,
      stream->body->len, &repaired, &parse_error);
  if (!root) {
    pollen_chat_stream_set_error (stream, parse_error);
    return;
  }
  stream->repaired += repaired;
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
      NULL, stream->request_id, stream->format == FORMAT_SSE &&
      !stream->done ? "the chat stream ended before any text arrived" :
      "the server's reply holds no text");
}

/* A stream that ends with neither [DONE] nor a finish reason was cut
 * off: the rest of the reply is lost. Like a connection lost mid-body,
 * it may not happen again. */
static GError *
pollen_chat_stream_cut_error (PollenChatStream * stream)
{
  g_autofree gchar *note = pollen_chat_stream_progress_note (stream);
  g_autofree gchar *text = g_strdup_printf ("the chat stream ended%s "
      "without a finish_reason or [DONE]: the rest of the reply is lost",
      note);

  return pollen_client_error_new (POLLEN_CLIENT_ERROR_NETWORK, 0, NULL, NULL,
      stream->request_id, text);
}

/* What the reader mended, said once at the end (what it could not read
 * is said by pollen_chat_stream_dup_warning(), which knows the key). */
static void
pollen_chat_stream_warn_losses (PollenChatStream * stream)
{
  if (stream->repaired > 0)
    pollen_chat_stream_warn (stream, g_strdup_printf ("The reply held %u "
            "piece(s) of text that were not valid UTF-8 (or NUL characters): "
            "each was replaced by U+FFFD.", stream->repaired));
}

/* Once the whole answer is read: the checks of its end. */
static void
pollen_chat_stream_check_end (PollenChatStream * stream)
{
  if (stream->error)
    return;
  if (stream->text->len == 0)
    pollen_chat_stream_set_error (stream,
        pollen_chat_stream_empty_error (stream));
  else if (stream->format == FORMAT_SSE && !stream->done &&
      !stream->finish_reason)
    pollen_chat_stream_set_error (stream,
        pollen_chat_stream_cut_error (stream));
  else
    pollen_chat_stream_warn_losses (stream);
}

/**
 * pollen_chat_stream_finish:
 *
 * Ends the answer: the body has been read to its end (or the reader stops
 * once pollen_chat_stream_is_done() says there is nothing more to read).
 * A stream without [DONE] is whole when the reply said how it finished
 * (a finish_reason).
 *
 * Returns: %FALSE with @error set when the answer failed, brought no
 * text (%POLLEN_CLIENT_ERROR_BAD_RESPONSE, or HTTP 422 for a reply the
 * content filter withheld), or ended before the reply did
 * (%POLLEN_CLIENT_ERROR_NETWORK).
 */
gboolean
pollen_chat_stream_finish (PollenChatStream * stream, GError ** error)
{
  if (pollen_chat_stream_failed (stream, error))
    return FALSE;
  if (stream->format == FORMAT_UNKNOWN)
    pollen_chat_stream_choose_format (stream, TRUE);
  if (stream->format == FORMAT_SSE) {
    pollen_sse_parser_finish (stream->parser);
    pollen_chat_stream_drain (stream);
  } else {
    pollen_chat_stream_read_body (stream);
  }
  pollen_chat_stream_check_end (stream);
  return !pollen_chat_stream_failed (stream, error);
}

/**
 * pollen_chat_stream_finish_after:
 * @cause: why reading stopped before the end of the body (a timeout, the
 *   deadline, a lost connection)
 *
 * Ends an answer whose body could not be read to its end. A reply that
 * had finished (a finish_reason came) is kept, with a warning that names
 * @cause: a whole reply is never thrown away for what came after it.
 *
 * Returns: %FALSE with @error set (@cause) when the reply had not
 * finished.
 */
gboolean
pollen_chat_stream_finish_after (PollenChatStream * stream,
    const GError * cause, GError ** error)
{
  if (!stream->error && stream->finish_reason && stream->text->len > 0) {
    pollen_chat_stream_warn (stream, g_strdup_printf ("The stream did not "
            "end after the whole reply (%s); the reply is complete.",
            cause->message));
    stream->done = TRUE;
    return pollen_chat_stream_finish (stream, error);
  }
  if (!pollen_chat_stream_failed (stream, error))
    g_propagate_error (error, g_error_copy (cause));
  return FALSE;
}

/* Whether the answer has ended although its body may go on: [DONE], or
 * the end the server appends after a whole reply. Nothing after it is
 * part of the reply, so the reader stops there: a server may keep the
 * connection open with keep-alives. */
gboolean
pollen_chat_stream_is_done (PollenChatStream * stream)
{
  return stream->done || stream->error;
}

/* How many events were more than keep-alives: while it grows, the server
 * is answering. */
guint64
pollen_chat_stream_get_events (PollenChatStream * stream)
{
  return stream->events;
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

/* The events that could not be read, quoting the start of the first
 * without @key: the key goes before the quote is cut, or a cut key would
 * not be found. */
static gchar *
pollen_chat_stream_lost_text (PollenChatStream * stream, const gchar * key)
{
  g_autofree gchar *clean = pollen_redact (stream->first_lost, key);
  g_autofree gchar *quote = pollen_body_quote (clean, strlen (clean),
      LOST_QUOTE_CHARS);

  return g_strdup_printf ("%u event(s) of the stream could not be read as "
      "JSON, so their text is missing from the reply (the first: %s).",
      stream->lost, quote);
}

/**
 * pollen_chat_stream_dup_warning:
 * @key: (nullable): the API key, taken out of everything the warning
 *   quotes
 *
 * Returns: (transfer full) (nullable): after a successful finish, what a
 * person should hear although the reply is there (the reply ended
 * oddly, or pieces of it were mended or lost), one sentence each.
 */
gchar *
pollen_chat_stream_dup_warning (PollenChatStream * stream, const gchar * key)
{
  g_autoptr (GString) warning = g_string_new (NULL);
  guint i;

  for (i = 0; i < stream->warnings->len; i++)
    g_string_append_printf (warning, "%s%s", i ? " " : "",
        (gchar *) stream->warnings->pdata[i]);
  if (stream->lost > 0) {
    g_autofree gchar *lost = pollen_chat_stream_lost_text (stream, key);

    g_string_append_printf (warning, "%s%s", warning->len ? " " : "", lost);
  }
  /* the server's own words may echo the key too */
  return warning->len ? pollen_redact (warning->str, key) : NULL;
}
