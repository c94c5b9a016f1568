/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollensse and pollenchatrequest: the event-stream parser on every shape
 * a server sends (split anywhere, CRLF, comments, multi-line data, a line
 * without end), the chat stream reader (deltas, usage, [DONE], keep-alives,
 * errors in the stream, a JSON answer), the request body, and streamed
 * completions against the emulator. */

#include "pollentest.h"
#include "pollenchatrequest.h"
#include "pollenjson.h"
#include "pollenchatstream.h"
#include "pollentext.h"

#include <gst/app/gstappsink.h>
#include <string.h>

#define CHUNK(content) \
  "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\"," \
  "\"model\":\"openai\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" \
  content "\"},\"finish_reason\":null}]}\n\n"

/* A chat stream as the server sends it, keep-alives included. */
static const gchar chat_stream[] =
    ": OPENROUTER PROCESSING\n\n"
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":"
    "\"openai\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"},\"finish_reason\":null}]}\n\n"
    CHUNK ("Bonjour")
    "data: keep-alive\n\n"
    CHUNK (", le monde. ")
    CHUNK ("\\u00c7a va\\n?")
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":"
    "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
    "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,"
    "\"total_tokens\":19}}\n\n"
    "data: [DONE]\n\n";

static const gchar chat_text[] = "Bonjour, le monde. \xc3\x87" "a va\n?";

/* ---- helpers ---- */

/* All events of @text fed in pieces cut at @cuts (sorted offsets), as
 * "event|data|id" lines. */
static gchar *
sse_events (const gchar * text, gsize size, const gsize * cuts, guint n_cuts)
{
  g_autoptr (PollenSseParser) parser = pollen_sse_parser_new (4096);
  GString *out = g_string_new (NULL);
  PollenSseEvent *event;
  gsize start = 0;
  guint i;

  for (i = 0; i <= n_cuts; i++) {
    gsize end = i < n_cuts ? cuts[i] : size;

    fail_unless (pollen_sse_parser_feed (parser, text + start, end - start,
            NULL));
    start = end;
  }
  pollen_sse_parser_finish (parser);
  while ((event = pollen_sse_parser_pop (parser))) {
    g_string_append_printf (out, "%s|%s|%s\n", event->event, event->data,
        event->id ? event->id : "");
    pollen_sse_event_free (event);
  }
  return g_string_free (out, FALSE);
}

static gchar *
sse_whole (const gchar * text)
{
  return sse_events (text, strlen (text), NULL, 0);
}

static void
collect_delta (const gchar * delta, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (delta));
}

/* Reads @text as a chat answer of @content_type in pieces of @piece bytes
 * (0: whole); returns whether it succeeded. */
static gboolean
chat_read (PollenChatStream * stream, const gchar * text, gsize piece,
    GError ** error)
{
  gsize size = strlen (text), pos = 0;

  if (piece == 0)
    piece = MAX (size, 1);
  for (pos = 0; pos < size; pos += piece) {
    if (!pollen_chat_stream_feed (stream, text + pos, MIN (piece,
                size - pos), error))
      return FALSE;
  }
  return pollen_chat_stream_finish (stream, error);
}

static GError *
chat_error (const gchar * content_type, const gchar * text)
{
  g_autoptr (PollenChatStream) stream =
      pollen_chat_stream_new (content_type, "req-1", NULL, NULL);
  GError *error = NULL;

  fail_if (chat_read (stream, text, 0, &error));
  fail_unless (error != NULL);
  fail_unless (error->domain == POLLEN_CLIENT_ERROR);
  return error;
}

/* ---- the event-stream parser ---- */

GST_START_TEST (test_sse_line_ends)
{
  const gchar *expected = "message|a|\nmessage|b|\nmessage|c|\n";
  g_autofree gchar *lf = sse_whole ("data: a\n\ndata: b\n\ndata: c\n\n");
  g_autofree gchar *crlf =
      sse_whole ("data: a\r\n\r\ndata: b\r\n\r\ndata: c\r\n\r\n");
  g_autofree gchar *cr = sse_whole ("data: a\r\rdata: b\r\rdata: c\r\r");
  g_autofree gchar *mixed = sse_whole ("data: a\r\n\ndata: b\n\r\ndata: c\r\r");

  fail_unless_equals_string (lf, expected);
  fail_unless_equals_string (crlf, expected);
  fail_unless_equals_string (cr, expected);
  fail_unless_equals_string (mixed, expected);
}

GST_END_TEST;

/* A leading byte order mark is dropped, wherever the reads split it; the
 * start of one that is not is kept. */
GST_START_TEST (test_sse_leading_bom)
{
  static const gchar stream[] = "\xef\xbb\xbf" "data: a\n\ndata: b\n\n";
  gsize size = strlen (stream), cut;
  g_autofree gchar *whole = sse_whole (stream);
  g_autofree gchar *half = sse_whole ("\xef\xbb" "data: a\n\n");
  g_autofree gchar *inside = sse_whole ("data: a\n\n\xef\xbb\xbf"
      "data: b\n\n");

  fail_unless_equals_string (whole, "message|a|\nmessage|b|\n");
  for (cut = 1; cut < size; cut++) {
    g_autofree gchar *split = sse_events (stream, size, &cut, 1);

    fail_unless_equals_string (split, whole);
  }
  /* not a BOM: the bytes stay in the field name, the event is lost */
  fail_unless_equals_string (half, "");
  /* only the stream's start is looked at */
  fail_unless_equals_string (inside, "message|a|\n");
}

GST_END_TEST;

GST_START_TEST (test_sse_fields)
{
  g_autofree gchar *multi =
      sse_whole ("data: one\ndata:two\ndata\ndata:  three\n\n");
  g_autofree gchar *typed =
      sse_whole ("event: error\nid: 7\ndata: x\n\ndata: y\n\n");
  g_autofree gchar *comments =
      sse_whole (": ping\n\n:\n\nretry: 10\nfoo: bar\n\nevent: lonely\n\n");

  /* joined with \n; one leading space dropped, no more */
  fail_unless_equals_string (multi, "message|one\ntwo\n\n three|\n");
  /* the type is the event's; the id stays */
  fail_unless_equals_string (typed, "error|x|7\nmessage|y|7\n");
  /* comments, unknown fields and events without data give nothing */
  fail_unless_equals_string (comments, "");
}

GST_END_TEST;

/* @stream gives the same events cut in two at every offset, and fed one
 * byte at a time. */
static void
check_every_split (const gchar * stream)
{
  gsize size = strlen (stream), cut, i;
  g_autofree gchar *whole = sse_whole (stream);
  g_autofree gsize *every = g_new (gsize, size);
  g_autofree gchar *bytes = NULL;

  fail_unless (strstr (whole, "[DONE]") != NULL);
  for (cut = 1; cut < size; cut++) {
    g_autofree gchar *split = sse_events (stream, size, &cut, 1);

    fail_unless_equals_string (split, whole);
  }
  for (i = 0; i + 1 < size; i++)
    every[i] = i + 1;
  bytes = sse_events (stream, size, every, size - 1);
  fail_unless_equals_string (bytes, whole);
}

GST_START_TEST (test_sse_split_at_every_offset)
{
  g_auto (GStrv) lines = g_strsplit (chat_stream, "\n", -1);
  g_autofree gchar *crlf = g_strjoinv ("\r\n", lines);

  check_every_split (chat_stream);
  check_every_split (crlf);
}

GST_END_TEST;

GST_START_TEST (test_sse_end_without_blank_line)
{
  g_autofree gchar *unended = sse_whole ("data: a\n\ndata: last");
  g_autofree gchar *unended_line = sse_whole ("data: a\n\ndata: last\n");

  fail_unless_equals_string (unended, "message|a|\nmessage|last|\n");
  fail_unless_equals_string (unended_line, "message|a|\nmessage|last|\n");
}

GST_END_TEST;

GST_START_TEST (test_sse_event_size_bounded)
{
  g_autoptr (PollenSseParser) parser = pollen_sse_parser_new (1024);
  g_autofree gchar *long_line = g_strnfill (600, 'x');
  GError *error = NULL;
  guint i;

  /* an event of many lines counts as a whole */
  fail_unless (pollen_sse_parser_feed (parser, "data: ", 6, NULL));
  fail_unless (pollen_sse_parser_feed (parser, long_line, 600, NULL));
  fail_unless (pollen_sse_parser_feed (parser, "\ndata: ", 7, NULL));
  fail_if (pollen_sse_parser_feed (parser, long_line, 600, &error));
  fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_BAD_RESPONSE));
  g_clear_error (&error);
  /* and the parser stays failed */
  fail_if (pollen_sse_parser_feed (parser, "\n\n", 2, &error));
  g_clear_error (&error);

  /* an endless line at the default limit: an error, not a megabyte more */
  {
    g_autoptr (PollenSseParser) big =
        pollen_sse_parser_new (POLLEN_SSE_MAX_EVENT);
    g_autofree gchar *block = g_strnfill (64 * 1024, 'y');

    for (i = 0; i < 16; i++)
      fail_unless (pollen_sse_parser_feed (big, block, 64 * 1024, NULL));
    fail_if (pollen_sse_parser_feed (big, "y", 1, &error));
    g_clear_error (&error);
  }
}

GST_END_TEST;

/* ---- the chat stream reader ---- */

GST_START_TEST (test_chat_stream_deltas_and_usage)
{
  g_autoptr (GPtrArray) deltas = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PollenChatStream) stream =
      pollen_chat_stream_new ("text/event-stream", NULL, collect_delta,
      deltas);
  PollenChatUsage usage;

  fail_unless (chat_read (stream, chat_stream, 0, NULL));
  /* empty role delta, keep-alives and the usage chunk give no delta */
  fail_unless_equals_int (deltas->len, 3);
  fail_unless_equals_string (deltas->pdata[0], "Bonjour");
  fail_unless_equals_string (deltas->pdata[1], ", le monde. ");
  fail_unless_equals_string (pollen_chat_stream_get_text (stream), chat_text);
  fail_unless_equals_string (pollen_chat_stream_get_finish_reason (stream),
      "stop");
  fail_unless_equals_string (pollen_chat_stream_get_model (stream), "openai");
  fail_unless (pollen_chat_stream_get_usage (stream, &usage));
  fail_unless_equals_int64 (usage.prompt_tokens, 12);
  fail_unless_equals_int64 (usage.completion_tokens, 7);
  fail_unless_equals_int64 (usage.total_tokens, 19);
}

GST_END_TEST;

GST_START_TEST (test_chat_stream_split_anywhere)
{
  gsize size = strlen (chat_stream), piece;

  /* pieces of every size split UTF-8, CRLF and JSON everywhere */
  for (piece = 1; piece < size; piece += (piece < 40 ? 1 : 37)) {
    g_autoptr (GPtrArray) deltas = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (PollenChatStream) stream =
        pollen_chat_stream_new ("text/event-stream", NULL, collect_delta,
        deltas);

    fail_unless (chat_read (stream, chat_stream, piece, NULL));
    fail_unless_equals_int (deltas->len, 3);
    fail_unless_equals_string (pollen_chat_stream_get_text (stream),
        chat_text);
  }
}

GST_END_TEST;

#define FINISH(reason) \
  "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" \
  reason "\"}]}\n\n"

#define USAGE_MISSING \
  "data: {\"error\":{\"message\":\"Chat Completions provider returned " \
  "invalid or omitted terminal usage\",\"type\":\"upstream_error\"," \
  "\"code\":\"usage_missing\"}}\n\n"

/* The warning of a successful read of @text, "" for none. */
static gchar *
chat_warning (const gchar * text, const gchar * expected_text)
{
  g_autoptr (PollenChatStream) stream =
      pollen_chat_stream_new ("text/event-stream", NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  gchar *warning;

  fail_unless (chat_read (stream, text, 7, &error), "%s",
      error ? error->message : "");
  fail_unless_equals_string (pollen_chat_stream_get_text (stream),
      expected_text);
  warning = pollen_chat_stream_dup_warning (stream, NULL);
  return warning ? warning : g_strdup ("");
}

GST_START_TEST (test_chat_stream_without_done)
{
  g_autofree gchar *warning = NULL;
  GError *error;

  /* a finish_reason ends the reply: [DONE] may not come */
  warning = chat_warning (CHUNK ("whole") CHUNK (" reply") FINISH ("stop"),
      "whole reply");
  fail_unless_equals_string (warning, "");

  /* text, then neither: the rest of the reply was cut off */
  error = chat_error ("text/event-stream", CHUNK ("partial")
      CHUNK (" reply"));
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_NETWORK);
  fail_unless (strstr (error->message, "after 13 characters of the reply"),
      "%s", error->message);
  fail_unless (strstr (error->message, "rest of the reply is lost"));
  fail_unless (pollen_client_error_is_transient (error));
  g_error_free (error);

  /* no text at all: an error, with or without [DONE] */
  error = chat_error ("text/event-stream", ": ping\n\ndata: {\"choices\":"
      "[{\"delta\":{\"role\":\"assistant\"}}]}\n\n");
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_BAD_RESPONSE);
  fail_unless (strstr (error->message, "ended before any text"));
  fail_unless_equals_string (pollen_client_error_get_request_id (error),
      "req-1");
  g_error_free (error);
  error = chat_error ("text/event-stream", "data: [DONE]\n\n");
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_BAD_RESPONSE);
  g_error_free (error);
  error = chat_error ("text/event-stream", "");
  g_error_free (error);
}

GST_END_TEST;

/* The server appends usage_missing where [DONE] would be when the
 * provider gave no token counts (text/chat/usage.ts): after a whole reply
 * a success with one warning; after a reply that broke off, or before any
 * text, an error with the server's words. */
GST_START_TEST (test_chat_stream_usage_missing)
{
  g_autofree gchar *warning =
      chat_warning (CHUNK ("Fine.") FINISH ("stop") USAGE_MISSING
      ": keep-alive\n\n" CHUNK ("never read"), "Fine.");
  GError *error;

  fail_unless (strstr (warning, "usage_missing") != NULL, "%s", warning);
  fail_unless (strstr (warning, "reply is complete") != NULL, "%s", warning);

  error = chat_error ("text/event-stream", CHUNK ("Half") USAGE_MISSING);
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_HTTP);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "usage_missing");
  fail_unless (strstr (error->message, "after 4 characters"), "%s",
      error->message);
  fail_unless (strstr (error->message, "omitted terminal usage"));
  g_error_free (error);

  error = chat_error ("text/event-stream", FINISH ("stop") USAGE_MISSING);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "usage_missing");
  fail_unless (strstr (error->message, "omitted terminal usage"));
  g_error_free (error);
}

GST_END_TEST;

/* A provider failing mid-reply ends the choice with finish_reason
 * "error" and says why in choices[].error (text/streamStart.ts). */
GST_START_TEST (test_chat_stream_finish_reason_error)
{
  g_autoptr (GPtrArray) deltas = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PollenChatStream) stream =
      pollen_chat_stream_new ("text/event-stream", "req-2", collect_delta,
      deltas);
  g_autoptr (GError) error = NULL;

  fail_if (chat_read (stream, CHUNK ("One. ") CHUNK ("Two") "data: "
          "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
          "\"error\",\"error\":{\"message\":\"Upstream overloaded\","
          "\"code\":503}}]}\n\n" "data: [DONE]\n\n", 0, &error));
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_HTTP);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 503);
  fail_unless_equals_string (pollen_client_error_get_api_message (error),
      "Upstream overloaded");
  fail_unless (strstr (error->message, "Upstream overloaded"));
  fail_unless (strstr (error->message, "after 8 characters"), "%s",
      error->message);
  /* what came before stays delivered */
  fail_unless_equals_int (deltas->len, 2);
}

GST_END_TEST;

/* Reasoning and tool-call deltas, before and between the text, are no
 * part of the reply and no error. */
GST_START_TEST (test_chat_stream_reasoning_and_tools)
{
  g_autofree gchar *warning = chat_warning ("data: {\"choices\":[{\"delta\":"
      "{\"role\":\"assistant\",\"reasoning_content\":\"Let me think.\"}}]}\n\n"
      CHUNK ("Paris") "data: {\"choices\":[{\"delta\":{\"reasoning_content\":"
      "\"Done thinking.\",\"content\":null}}]}\n\n" "data: {\"choices\":[{"
      "\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":"
      "\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}"
      "\n\n" CHUNK (".") FINISH ("stop") "data: [DONE]\n\n", "Paris.");

  fail_unless_equals_string (warning, "");
}

GST_END_TEST;

/* Nothing of a reply goes without a word: an event that is no JSON (but
 * looks like a chunk) is counted and quoted, bytes that are not UTF-8 and
 * escapes that would cut or spoil the text become U+FFFD. */
GST_START_TEST (test_chat_stream_losses_are_said)
{
  g_autofree gchar *warning = NULL;

  warning = chat_warning (CHUNK ("A") "data: {\"choices\":[{\"delta\":"
      "{\"content\":\"lost words\"}}\n\n" CHUNK ("B") FINISH ("stop")
      "data: [DONE]\n\n", "AB");
  fail_unless (strstr (warning, "1 event(s)") != NULL, "%s", warning);
  fail_unless (strstr (warning, "lost words") != NULL, "%s", warning);
  g_clear_pointer (&warning, g_free);

  warning = chat_warning (CHUNK ("caf\xe9 ") CHUNK ("x\\u0000y ")
      CHUNK ("\\ud800z") FINISH ("stop") "data: [DONE]\n\n",
      "caf\xef\xbf\xbd x\xef\xbf\xbdy \xef\xbf\xbdz");
  fail_unless (strstr (warning, "3 piece(s)") != NULL, "%s", warning);

  /* a keep-alive in data is no loss */
  warning = (g_free (warning), chat_warning ("data: ping\n\n" CHUNK ("C")
          FINISH ("stop") "data: [DONE]\n\n", "C"));
  fail_unless_equals_string (warning, "");
}

GST_END_TEST;

/* Told by the bytes, not the Content-Type: an event stream sent as
 * application/json or text/plain is read as one. */
GST_START_TEST (test_chat_stream_format_from_bytes)
{
  const gchar *types[] = { "application/json", "text/plain", NULL };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    g_autoptr (PollenChatStream) stream =
        pollen_chat_stream_new (types[i], NULL, NULL, NULL);

    fail_unless (chat_read (stream, "\n" CHUNK ("Sniffed.") FINISH ("stop")
            "data: [DONE]\n\n", 1, NULL), "%s", types[i]);
    fail_unless_equals_string (pollen_chat_stream_get_text (stream),
        "Sniffed.");
  }
}

GST_END_TEST;

GST_START_TEST (test_chat_stream_error_event)
{
  GError *error = chat_error ("text/event-stream", CHUNK ("Hel")
      "data: {\"error\":{\"message\":\"provider exploded\",\"type\":"
      "\"server_error\",\"code\":503}}\n\n" CHUNK ("lo"));

  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_HTTP);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 503);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "server_error");
  fail_unless_equals_string (pollen_client_error_get_api_message (error),
      "provider exploded");
  fail_unless (strstr (error->message, "provider exploded"));
  fail_unless (pollen_client_error_is_transient (error));
  g_error_free (error);

  /* a string error, no status: the gateway's 502 */
  error = chat_error ("text/event-stream",
      "data: {\"error\":\"Stream failed\"}\n\n");
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 502);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "Stream failed");
  g_error_free (error);
}

GST_END_TEST;

GST_START_TEST (test_chat_stream_json_answers)
{
  g_autoptr (GPtrArray) deltas = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PollenChatStream) stream =
      pollen_chat_stream_new ("application/json", NULL, collect_delta,
      deltas);
  GError *error;

  /* a whole completion where a stream was asked for */
  fail_unless (chat_read (stream, "{\"object\":\"chat.completion\",\"choices\":"
          "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
          "\"All at once.\"},\"finish_reason\":\"length\"}],\"usage\":"
          "{\"total_tokens\":3}}", 7, NULL));
  fail_unless_equals_int (deltas->len, 1);
  fail_unless_equals_string (deltas->pdata[0], "All at once.");
  fail_unless_equals_string (pollen_chat_stream_get_finish_reason (stream),
      "length");

  /* the gateway's envelope */
  error = chat_error ("application/json", "{\"status\":429,\"success\":false,"
      "\"error\":{\"code\":\"RATE_LIMITED\",\"message\":\"Slow down\"}}");
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 429);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "RATE_LIMITED");
  g_error_free (error);

  /* not JSON, or a reply without text */
  error = chat_error ("application/json", "<html>oops</html>");
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_BAD_RESPONSE);
  g_error_free (error);
  error = chat_error (NULL, "{\"choices\":[{\"message\":{\"content\":\"\"},"
      "\"finish_reason\":\"content_filter\"}]}");
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 422);
  g_error_free (error);
}

GST_END_TEST;

/* ---- the request body ---- */

static gchar *
body_json (const PollenChatSettings * settings, PollenChatHistory * history,
    JsonNode * content)
{
  g_autoptr (JsonObject) body =
      pollen_chat_request_body (settings, history, content);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, body);
  return json_to_string (node, FALSE);
}

GST_START_TEST (test_request_defaults)
{
  PollenChatSettings settings;
  g_autofree gchar *json = NULL;

  pollen_chat_settings_init (&settings);
  json = body_json (&settings, NULL, pollen_chat_content_new_text ("Hi"));
  /* unset numbers are not sent */
  fail_unless_equals_string (json, "{\"model\":\"openai\",\"messages\":"
      "[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}");
}

GST_END_TEST;

GST_START_TEST (test_request_system_history_parameters)
{
  g_autoptr (PollenChatHistory) history = pollen_chat_history_new (2);
  PollenChatSettings settings;
  g_autofree gchar *json = NULL;

  pollen_chat_settings_init (&settings);
  settings.model = "mistral";
  settings.system = "Translate into French.";
  settings.temperature = 0;
  settings.seed = 42;
  settings.max_tokens = 100;
  settings.json_mode = TRUE;
  pollen_chat_history_add (history, "one", "un");
  pollen_chat_history_add (history, "two", "deux");
  pollen_chat_history_add (history, "three", "trois");
  fail_unless_equals_int (pollen_chat_history_get_length (history), 2);

  json = body_json (&settings, history, pollen_chat_content_new_text ("four"));
  fail_unless_equals_string (json, "{\"model\":\"mistral\",\"messages\":["
      "{\"role\":\"system\",\"content\":\"Translate into French.\"},"
      "{\"role\":\"user\",\"content\":\"two\"},"
      "{\"role\":\"assistant\",\"content\":\"deux\"},"
      "{\"role\":\"user\",\"content\":\"three\"},"
      "{\"role\":\"assistant\",\"content\":\"trois\"},"
      "{\"role\":\"user\",\"content\":\"four\"}],\"stream\":true,"
      "\"temperature\":0.0,\"seed\":42,\"max_tokens\":100,"
      "\"response_format\":{\"type\":\"json_object\"}}");

  pollen_chat_history_set_size (history, 0);
  fail_unless_equals_int (pollen_chat_history_get_length (history), 0);
}

GST_END_TEST;

GST_START_TEST (test_request_image_parts)
{
  g_autoptr (GBytes) jpeg = g_bytes_new_static ("\xff\xd8\xff", 3);
  PollenChatSettings settings;
  g_autofree gchar *json = NULL;

  pollen_chat_settings_init (&settings);
  json = body_json (&settings, NULL, pollen_chat_content_new_image
      ("What is on screen?", NULL, jpeg, "low"));
  fail_unless_equals_string (json, "{\"model\":\"openai\",\"messages\":["
      "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
      "\"What is on screen?\"},{\"type\":\"image_url\",\"image_url\":"
      "{\"url\":\"data:image/jpeg;base64,/9j/\",\"detail\":\"low\"}}]}],"
      "\"stream\":true}");
}

GST_END_TEST;

/* ---- against the emulator ---- */

typedef struct
{
  GPtrArray *deltas;
  gint64 first_us;
} Timing;

static void
time_delta (const gchar * delta, gpointer user_data)
{
  Timing *timing = user_data;

  if (timing->deltas->len == 0)
    timing->first_us = g_get_monotonic_time ();
  g_ptr_array_add (timing->deltas, g_strdup (delta));
}

static PollenClient *
client_for (PollenEmulator * emulator)
{
  return pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 10);
}

/* One completion of @input with @settings; returns its error, if any. */
static PollenChatResult *
complete (PollenEmulator * emulator, const PollenChatSettings * settings,
    PollenChatHistory * history, JsonNode * content, Timing * timing,
    GError ** error)
{
  g_autoptr (PollenClient) client = client_for (emulator);
  g_autoptr (PollenRequest) request =
      pollen_chat_request_new (settings, history, content);

  return pollen_chat_complete (client, request, timing ? time_delta : NULL,
      timing, NULL, error);
}

GST_START_TEST (test_complete_streams_before_the_end)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenChatHistory) history = pollen_chat_history_new (4);
  g_autoptr (PollenChatResult) result = NULL;
  g_autoptr (PollenEmulatorRequest) seen = NULL;
  Timing timing = { g_ptr_array_new_with_free_func (g_free), 0 };
  PollenChatSettings settings;
  gint64 end_us;

  pollen_chat_settings_init (&settings);
  settings.system = "Answer in French.";
  settings.seed = 7;
  pollen_chat_history_add (history, "How are you?", "Fine.");
  result = complete (emulator, &settings, history,
      pollen_chat_content_new_text ("Hello there"), &timing, NULL);
  end_us = g_get_monotonic_time ();
  fail_unless (result != NULL);

  /* the reply came word by word, the first long before the last */
  fail_unless (timing.deltas->len > 20);
  fail_unless (end_us - timing.first_us > 100 * G_TIME_SPAN_MILLISECOND,
      "first delta only %" G_GINT64_FORMAT " us before the end",
      end_us - timing.first_us);
  fail_unless (strstr (result->text, "\"Answer in French.\""));
  fail_unless (strstr (result->text, "You said: \"Hello there\""));
  fail_unless (strstr (result->text, "1 earlier exchanges, the last one "
          "about \"How are you?\""));
  fail_unless (strstr (result->text, "seed 7"));
  fail_unless_equals_string (result->finish_reason, "stop");
  fail_unless (result->usage.total_tokens > result->usage.completion_tokens);
  fail_unless (result->request_id != NULL);

  seen = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (pollen_emulator_request_get_header (seen,
          "Content-Type"), "application/json");
  g_ptr_array_unref (timing.deltas);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_complete_parameters_reach_the_model)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GstStructure) extra =
      gst_structure_new ("extra", "model", G_TYPE_STRING, "openai-large",
      NULL);
  g_autoptr (PollenChatResult) result = NULL;
  g_autoptr (JsonNode) reply = NULL;
  PollenChatSettings settings;

  pollen_chat_settings_init (&settings);
  settings.max_tokens = 5;
  result = complete (emulator, &settings, NULL,
      pollen_chat_content_new_text ("cut me short"), NULL, NULL);
  fail_unless_equals_string (result->finish_reason, "length");
  fail_unless_equals_int64 (result->usage.completion_tokens, 5);
  pollen_chat_result_free (g_steal_pointer (&result));

  /* json mode; extra-params override the model */
  settings.max_tokens = 0;
  settings.json_mode = TRUE;
  settings.extra_params = extra;
  result = complete (emulator, &settings, NULL,
      pollen_chat_content_new_text ("as JSON"), NULL, NULL);
  reply = pollen_json_parse (result->text, strlen (result->text), NULL);
  fail_unless (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply));
  fail_unless_equals_string (pollen_json_get_string (json_node_get_object
          (reply), "model"), "openai-large");
  fail_unless_equals_string (result->model, "openai-large");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A solid-colour JPEG of @width x @height. */
static GBytes *
make_jpeg (const gchar * pattern, guint width, guint height)
{
  g_autofree gchar *desc = g_strdup_printf ("videotestsrc pattern=%s "
      "num-buffers=1 ! video/x-raw,width=%u,height=%u ! jpegenc "
      "! appsink name=sink", pattern, width, height);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstSample *sample;
  GstBuffer *buffer;
  GBytes *bytes;
  GstMapInfo map;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  buffer = gst_sample_get_buffer (sample);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return bytes;
}

GST_START_TEST (test_complete_with_image)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) jpeg = make_jpeg ("blue", 96, 64);
  g_autoptr (PollenChatResult) result = NULL;
  PollenChatSettings settings;

  pollen_chat_settings_init (&settings);
  result = complete (emulator, &settings, NULL,
      pollen_chat_content_new_image ("Describe it.", "image/jpeg", jpeg,
          "low"), NULL, NULL);
  fail_unless (result != NULL);
  fail_unless (strstr (result->text, "The image is 96x64 pixels and mostly "
          "blue."), "%s", result->text);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_complete_special_models)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenChatResult) result = NULL;
  Timing timing = { g_ptr_array_new_with_free_func (g_free), 0 };
  PollenChatSettings settings;
  GError *error = NULL;

  pollen_chat_settings_init (&settings);
  settings.model = "emu-json-only";
  result = complete (emulator, &settings, NULL,
      pollen_chat_content_new_text ("Hi"), &timing, NULL);
  fail_unless (result != NULL);
  fail_unless_equals_int (timing.deltas->len, 1);

  /* two words came, then the error: the deltas are out, the call fails */
  settings.model = "emu-stream-error";
  g_ptr_array_set_size (timing.deltas, 0);
  fail_if (complete (emulator, &settings, NULL,
          pollen_chat_content_new_text ("Hi"), &timing, &error));
  fail_unless_equals_int (timing.deltas->len, 2);
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_HTTP);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 502);
  fail_unless (strstr (error->message, "failed in the middle"));
  g_clear_error (&error);

  settings.model = "emu-empty-stream";
  fail_if (complete (emulator, &settings, NULL,
          pollen_chat_content_new_text ("Hi"), NULL, &error));
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_BAD_RESPONSE);
  fail_unless (strstr (error->message, "no text"), "%s", error->message);
  g_clear_error (&error);
  g_ptr_array_unref (timing.deltas);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_complete_http_errors)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  PollenChatSettings settings;
  GError *error = NULL;

  pollen_chat_settings_init (&settings);
  settings.temperature = 3;
  fail_if (complete (emulator, &settings, NULL,
          pollen_chat_content_new_text ("Hi"), NULL, &error));
  fail_unless_equals_int (error->code, POLLEN_CLIENT_ERROR_HTTP);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 400);
  fail_unless (strstr (error->message, "temperature"), "%s", error->message);
  g_clear_error (&error);

  settings.temperature = -1;
  pollen_emulator_push (emulator, "/v1/chat/completions",
      pollen_emulator_response_new_error (402, "PAYMENT_REQUIRED",
          "Insufficient pollen balance"));
  fail_if (complete (emulator, &settings, NULL,
          pollen_chat_content_new_text ("Hi"), NULL, &error));
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 402);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "PAYMENT_REQUIRED");
  g_clear_error (&error);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_text_endpoint)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator);
  g_autoptr (PollenRequest) request = pollen_request_new ("GET", "/text");
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (JsonNode) json = NULL;
  g_autofree gchar *text = NULL;

  pollen_request_append_path_segment (request, "Hello / world?");
  pollen_request_add_query (request, "system", "Be brief");
  pollen_request_add_query (request, "seed", "3");
  response = pollen_client_fetch (client, request, NULL, NULL);
  fail_unless_equals_string (response->content_type, "text/plain");
  text = g_strndup (g_bytes_get_data (response->body, NULL),
      g_bytes_get_size (response->body));
  fail_unless (strstr (text, "\"Be brief\"") && strstr (text,
          "You said: \"Hello / world?\"") && strstr (text, "seed 3"));

  pollen_request_add_query (request, "json", "true");
  json = pollen_client_fetch_json (client, request, NULL, NULL);
  fail_unless_equals_string (pollen_json_get_string (json_node_get_object
          (json), "input"), "Hello / world?");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static void
assert_sentences (GPtrArray * got, const gchar * const *expected)
{
  guint i;

  for (i = 0; expected[i]; i++) {
    fail_unless (i < got->len, "missing '%s'", expected[i]);
    fail_unless_equals_string (g_ptr_array_index (got, i), expected[i]);
  }
  fail_unless_equals_int (got->len, i);
  g_ptr_array_unref (got);
}

/* A streamed reply cut into sentences as soon as each is complete: a
 * terminator counts once what follows it is seen. */
GST_START_TEST (test_sentences_from_pieces)
{
  g_autoptr (PollenSentences) s = pollen_sentences_new ();
  static const gchar *const none[] = { NULL };
  static const gchar *const hello[] = { "Hello world.", NULL };
  static const gchar *const pi[] = { "It is 3.14 now!", NULL };
  static const gchar *const quoted[] = { "He said \"hi.\"", NULL };
  g_autofree gchar *rest = NULL;

  assert_sentences (pollen_sentences_feed (s, "Hello wor"), none);
  assert_sentences (pollen_sentences_feed (s, "ld."), none);
  assert_sentences (pollen_sentences_feed (s, " It is 3."), hello);
  assert_sentences (pollen_sentences_feed (s, "14 now! He said \"hi."),
      pi);
  assert_sentences (pollen_sentences_feed (s, "\" Fine"), quoted);
  rest = pollen_sentences_finish (s);
  fail_unless_equals_string (rest, "Fine");
  fail_unless (pollen_sentences_finish (s) == NULL);
}

GST_END_TEST;

static Suite *
pollensse_suite (void)
{
  Suite *s = suite_create ("pollensse");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sse_line_ends);
  tcase_add_test (tc, test_sse_leading_bom);
  tcase_add_test (tc, test_sentences_from_pieces);
  tcase_add_test (tc, test_sse_fields);
  tcase_add_test (tc, test_sse_split_at_every_offset);
  tcase_add_test (tc, test_sse_end_without_blank_line);
  tcase_add_test (tc, test_sse_event_size_bounded);
  tcase_add_test (tc, test_chat_stream_deltas_and_usage);
  tcase_add_test (tc, test_chat_stream_split_anywhere);
  tcase_add_test (tc, test_chat_stream_without_done);
  tcase_add_test (tc, test_chat_stream_error_event);
  tcase_add_test (tc, test_chat_stream_usage_missing);
  tcase_add_test (tc, test_chat_stream_finish_reason_error);
  tcase_add_test (tc, test_chat_stream_reasoning_and_tools);
  tcase_add_test (tc, test_chat_stream_losses_are_said);
  tcase_add_test (tc, test_chat_stream_format_from_bytes);
  tcase_add_test (tc, test_chat_stream_json_answers);
  tcase_add_test (tc, test_request_defaults);
  tcase_add_test (tc, test_request_system_history_parameters);
  tcase_add_test (tc, test_request_image_parts);
  tcase_add_test (tc, test_complete_streams_before_the_end);
  tcase_add_test (tc, test_complete_parameters_reach_the_model);
  tcase_add_test (tc, test_complete_with_image);
  tcase_add_test (tc, test_complete_special_models);
  tcase_add_test (tc, test_complete_http_errors);
  tcase_add_test (tc, test_text_endpoint);
  return s;
}

GST_CHECK_MAIN (pollensse);
