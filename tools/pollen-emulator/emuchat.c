/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The default handlers of POST /v1/chat/completions and GET /text/{prompt}.
 *
 * There is no language model: the reply is a few sentences that repeat
 * what the request said (system prompt, how many earlier exchanges and the
 * last of them, the input, the picture's size and dominant colour), so a
 * test sees every part of a request reach the "model". A streamed reply is
 * SSE in the real chunk shapes (a keep-alive comment, a role chunk, one
 * chunk per word, a finish chunk, a usage chunk with empty choices,
 * [DONE]) dripped a few bytes at a time, so that streaming is observable.
 *
 * Special models (named in pollenemulator.h):
 *   emu-json-only     answers one JSON chat.completion even to stream: true
 *   emu-stream-error  streams two words, then an error event, no [DONE]
 *   emu-empty-stream  streams a role chunk, a finish chunk and [DONE]:
 *                     no text at all
 *   emu-usage-missing the whole reply and its finish chunk, then the error
 *                     the server puts where [DONE] was when the provider
 *                     gave no usage (text/chat/usage.ts): code
 *                     usage_missing, no usage chunk, no [DONE]
 *   emu-finish-error  the first sentence, then a chunk whose choice ends with
 *                     finish_reason "error" and says why in its "error"
 *                     (a provider failing mid-reply, text/streamStart.ts),
 *                     then usage_missing as above
 *   emu-reasoning     reasoning_content deltas before the reply and one
 *                     between its words, as reasoning models stream them
 *   emu-tool-calls    a tool_calls delta before the reply */

#include "emuserver.h"
#include "emumedia.h"

#include <string.h>

#define EMU_CHAT_DEFAULT_MODEL "openai"
#define EMU_CHAT_JSON_ONLY_MODEL "emu-json-only"
#define EMU_CHAT_STREAM_ERROR_MODEL "emu-stream-error"
#define EMU_CHAT_EMPTY_STREAM_MODEL "emu-empty-stream"

/* How a streamed reply goes, by model name. */
typedef enum
{
  EMU_STREAM_WHOLE,
  EMU_STREAM_ERROR,
  EMU_STREAM_EMPTY,
  EMU_STREAM_USAGE_MISSING,
  EMU_STREAM_FINISH_ERROR,
  EMU_STREAM_REASONING,
  EMU_STREAM_TOOL_CALLS,
} EmuStreamShape;

static const struct
{
  const gchar *model;
  EmuStreamShape shape;
} emu_stream_models[] = {
  {EMU_CHAT_STREAM_ERROR_MODEL, EMU_STREAM_ERROR},
  {EMU_CHAT_EMPTY_STREAM_MODEL, EMU_STREAM_EMPTY},
  {"emu-usage-missing", EMU_STREAM_USAGE_MISSING},
  {"emu-finish-error", EMU_STREAM_FINISH_ERROR},
  {"emu-reasoning", EMU_STREAM_REASONING},
  {"emu-tool-calls", EMU_STREAM_TOOL_CALLS},
};
/* about 12 words a chunk of 64 bytes … a reply of 60 words streams over
 * some 400 ms */
#define EMU_CHAT_DRIP_BYTES 64
#define EMU_CHAT_DRIP_MS 3

/* What the request asked, as the reply repeats it. */
typedef struct
{
  gchar *model;
  gchar *system;                /* nullable */
  guint exchanges;              /* assistant messages before the input */
  gchar *previous;              /* the user message before the input */
  gchar *input;
  gchar *image;                 /* "WxH colour", nullable */
  gint64 seed;
  gint64 max_tokens;            /* 0: no limit */
  gboolean json;
  gboolean stream;
  gint64 prompt_words;
} EmuChat;

static void
emu_chat_clear (EmuChat * chat)
{
  g_free (chat->model);
  g_free (chat->system);
  g_free (chat->previous);
  g_free (chat->input);
  g_free (chat->image);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EmuChat, emu_chat_clear)

static guint
emu_count_words (const gchar * text)
{
  g_auto (GStrv) words = g_strsplit_set (text ? text : "", " \t\n", -1);
  guint i, n = 0;

  for (i = 0; words[i]; i++)
    n += *words[i] != '\0';
  return n;
}

/* ---- the reply ---- */

static void
emu_chat_sentences (const EmuChat * chat, GString * reply)
{
  if (chat->system)
    g_string_append_printf (reply, "Following the system prompt \"%s\". ",
        chat->system);
  else
    g_string_append (reply, "There is no system prompt. ");
  g_string_append_printf (reply, "You said: \"%s\". ", chat->input);
  if (chat->exchanges > 0)
    g_string_append_printf (reply, "We had %u earlier exchanges, the last "
        "one about \"%s\". ", chat->exchanges,
        chat->previous ? chat->previous : "");
  else
    g_string_append (reply, "This is the start of our conversation. ");
  if (chat->image) {
    g_auto (GStrv) parts = g_strsplit (chat->image, " ", 2);

    g_string_append_printf (reply, "The image is %s pixels and mostly %s. ",
        parts[0], parts[1] ? parts[1] : "");
  }
  g_string_append_printf (reply, "This reply comes from model %s with "
      "seed %" G_GINT64_FORMAT ". That is all.", chat->model, chat->seed);
}

static void
emu_json_add (JsonBuilder * b, const gchar * name, const gchar * value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static gchar *
emu_chat_json_reply (const EmuChat * chat)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  emu_json_add (b, "system", chat->system);
  emu_json_add (b, "input", chat->input);
  json_builder_set_member_name (b, "exchanges");
  json_builder_add_int_value (b, chat->exchanges);
  emu_json_add (b, "previous", chat->previous);
  emu_json_add (b, "image", chat->image);
  emu_json_add (b, "model", chat->model);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* The reply as a list of word deltas (each with its following space);
 * max_tokens counts words here, cutting the reply short ("length"). */
static GPtrArray *
emu_chat_reply_words (const EmuChat * chat, gboolean * cut)
{
  g_autoptr (GString) reply = g_string_new (NULL);
  g_autofree gchar *json = chat->json ? emu_chat_json_reply (chat) : NULL;
  g_auto (GStrv) words = NULL;
  GPtrArray *deltas = g_ptr_array_new_with_free_func (g_free);
  guint i;

  if (json)
    g_string_append (reply, json);
  else
    emu_chat_sentences (chat, reply);
  words = g_strsplit (reply->str, " ", -1);
  *cut = FALSE;
  for (i = 0; words[i]; i++) {
    if (chat->max_tokens > 0 && i >= chat->max_tokens) {
      *cut = TRUE;
      break;
    }
    g_ptr_array_add (deltas, g_strconcat (words[i], words[i + 1] ? " " : "",
            NULL));
  }
  return deltas;
}

/* ---- reading the request ---- */

/* A picture sent inline, as pollenvision sends it: a base64 JPEG in a
 * data: URI. */
static gchar *
emu_chat_image (JsonObject * part, GError ** error)
{
  const gchar *url = emu_json_get_string (emu_json_get_object (part,
          "image_url"), "url");
  const gchar *comma = url ? strstr (url, ";base64,") : NULL;
  g_autoptr (GBytes) jpeg = NULL;
  guchar *data;
  gsize size;

  if (!url || !g_str_has_prefix (url, "data:") || !comma) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "image_url.url: the emulator reads base64 data: URIs only");
    return NULL;
  }
  data = g_base64_decode (comma + strlen (";base64,"), &size);
  jpeg = g_bytes_new_take (data, size);
  return emu_media_describe_image (jpeg, error);
}

/* Adds the text parts of @parts to @text; the first image_url part is
 * described in *@image. */
static gboolean
emu_chat_parts (JsonArray * parts, GString * text, gchar ** image,
    GError ** error)
{
  guint i;

  for (i = 0; i < json_array_get_length (parts); i++) {
    JsonNode *node = json_array_get_element (parts, i);
    JsonObject *part = JSON_NODE_HOLDS_OBJECT (node) ?
        json_node_get_object (node) : NULL;
    const gchar *type = emu_json_get_string (part, "type");

    if (g_strcmp0 (type, "text") == 0) {
      const gchar *part_text = emu_json_get_string (part, "text");

      g_string_append (text, part_text ? part_text : "");
    } else if (g_strcmp0 (type, "image_url") == 0 && !*image) {
      *image = emu_chat_image (part, error);
      if (!*image)
        return FALSE;
    }
  }
  return TRUE;
}

/* The text of a message's content: a string, or an array of parts. */
static gchar *
emu_chat_content (JsonObject * message, gchar ** image, GError ** error)
{
  JsonNode *content = json_object_get_member (message, "content");
  g_autoptr (GString) text = g_string_new (NULL);
  gchar *unused = NULL;

  if (content && JSON_NODE_HOLDS_VALUE (content) &&
      json_node_get_value_type (content) == G_TYPE_STRING)
    return json_node_dup_string (content);
  if (!content || !JSON_NODE_HOLDS_ARRAY (content)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "messages: content must be a string or an array of parts");
    return NULL;
  }
  if (!emu_chat_parts (json_node_get_array (content), text,
          image ? image : &unused, error))
    return NULL;
  g_free (unused);
  return g_strdup (text->str);
}

/* One message before the input: system prompts add up, assistant
 * messages count the exchanges, the user message is remembered. */
static gboolean
emu_chat_earlier (EmuChat * chat, JsonObject * message, GError ** error)
{
  const gchar *role = emu_json_get_string (message, "role");
  g_autofree gchar *text = emu_chat_content (message, NULL, error);

  if (!text)
    return FALSE;
  chat->prompt_words += emu_count_words (text);
  if (g_strcmp0 (role, "system") == 0) {
    gchar *joined = chat->system ? g_strjoin ("\n", chat->system, text,
        NULL) : g_strdup (text);

    g_free (chat->system);
    chat->system = joined;
  } else if (g_strcmp0 (role, "assistant") == 0) {
    chat->exchanges++;
  } else if (g_strcmp0 (role, "user") == 0) {
    g_free (chat->previous);
    chat->previous = g_steal_pointer (&text);
  }
  return TRUE;
}

static gboolean
emu_chat_messages (EmuChat * chat, JsonArray * messages, GError ** error)
{
  guint i, last = json_array_get_length (messages) - 1;
  JsonObject *message;

  for (i = 0; i <= last; i++) {
    JsonNode *node = json_array_get_element (messages, i);

    message = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) :
        NULL;
    if (!message || !emu_json_get_string (message, "role")) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "messages.%u: Expected an object with a role", i);
      return FALSE;
    }
    if (i < last && !emu_chat_earlier (chat, message, error))
      return FALSE;
  }
  chat->input = emu_chat_content (message, &chat->image, error);
  chat->prompt_words += emu_count_words (chat->input);
  return chat->input != NULL;
}

static gboolean
emu_chat_temperature_ok (gdouble temperature, GError ** error)
{
  if (temperature >= 0 && temperature <= 2)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
      "temperature: Number must be between 0 and 2");
  return FALSE;
}

/* The numbers and switches of the body. */
static gboolean
emu_chat_parameters (EmuChat * chat, JsonObject * body, GError ** error)
{
  JsonObject *format = emu_json_get_object (body, "response_format");
  const gchar *model = emu_json_get_string (body, "model");
  gdouble number;

  chat->model = g_strdup (model ? model : EMU_CHAT_DEFAULT_MODEL);
  chat->stream = json_object_get_boolean_member_with_default (body,
      "stream", FALSE);
  chat->json = g_strcmp0 (emu_json_get_string (format, "type"),
      "json_object") == 0;
  if (emu_json_get_number (body, "seed", &number))
    chat->seed = number;
  if (emu_json_get_number (body, "max_tokens", &number))
    chat->max_tokens = MAX (number, 1);
  return !emu_json_get_number (body, "temperature", &number) ||
      emu_chat_temperature_ok (number, error);
}

static gboolean
emu_chat_parse (EmuChat * chat, PollenEmulatorRequest * request,
    GError ** error)
{
  g_autoptr (JsonNode) root = emu_json_parse_body (request);
  JsonObject *body;
  JsonArray *messages;

  if (!root) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Invalid JSON body: expected an object");
    return FALSE;
  }
  body = json_node_get_object (root);
  messages = emu_json_get_array (body, "messages");
  if (!messages || json_array_get_length (messages) == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "messages: Required");
    return FALSE;
  }
  return emu_chat_parameters (chat, body, error) &&
      emu_chat_messages (chat, messages, error);
}

/* ---- answering ---- */

/* The members every completion object and chunk starts with. */
static JsonObject *
emu_chat_object (const EmuChat * chat, const gchar * type)
{
  JsonObject *object = json_object_new ();
  g_autofree gchar *id = g_strdup_printf ("chatcmpl-emu%08x",
      g_str_hash (chat->input));

  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "object", type);
  json_object_set_int_member (object, "created",
      g_get_real_time () / G_USEC_PER_SEC);
  json_object_set_string_member (object, "model", chat->model);
  return object;
}

/* {role?, content?} */
static JsonObject *
emu_chat_delta (const gchar * role, const gchar * content)
{
  JsonObject *delta = json_object_new ();

  if (role)
    json_object_set_string_member (delta, "role", role);
  if (content)
    json_object_set_string_member (delta, "content", content);
  return delta;
}

/* [{index, delta|message: @delta (taken), finish_reason}] */
static JsonArray *
emu_chat_choices (const gchar * member, JsonObject * delta,
    const gchar * finish_reason)
{
  JsonObject *choice = json_object_new ();
  JsonArray *choices = json_array_new ();

  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, member, delta);
  if (finish_reason)
    json_object_set_string_member (choice, "finish_reason", finish_reason);
  else
    json_object_set_null_member (choice, "finish_reason");
  json_array_add_object_element (choices, choice);
  return choices;
}

static JsonObject *
emu_chat_usage (const EmuChat * chat, guint reply_words)
{
  JsonObject *usage = json_object_new ();

  json_object_set_int_member (usage, "prompt_tokens", chat->prompt_words);
  json_object_set_int_member (usage, "completion_tokens", reply_words);
  json_object_set_int_member (usage, "total_tokens",
      chat->prompt_words + reply_words);
  return usage;
}

/* Appends "data: @object\n\n" and frees @object. */
static void
emu_sse_append (GString * out, JsonObject * object)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree gchar *json = NULL;

  json_node_take_object (node, object);
  json = json_to_string (node, FALSE);
  g_string_append_printf (out, "data: %s\n\n", json);
}

/* A chunk of @delta (taken), not yet written. */
static JsonObject *
emu_sse_chunk_new (const EmuChat * chat, JsonObject * delta,
    const gchar * finish_reason)
{
  JsonObject *chunk = emu_chat_object (chat, "chat.completion.chunk");

  json_object_set_array_member (chunk, "choices",
      emu_chat_choices ("delta", delta, finish_reason));
  json_object_set_null_member (chunk, "usage");
  return chunk;
}

static void
emu_sse_delta (GString * out, const EmuChat * chat, JsonObject * delta)
{
  emu_sse_append (out, emu_sse_chunk_new (chat, delta, NULL));
}

static void
emu_sse_chunk (GString * out, const EmuChat * chat, const gchar * role,
    const gchar * content, const gchar * finish_reason)
{
  emu_sse_append (out, emu_sse_chunk_new (chat, emu_chat_delta (role,
              content), finish_reason));
}

/* The error event a provider sends when it fails after the stream began
 * (the shape the gateway's stream checks read: message, type, code). */
static void
emu_sse_error (GString * out)
{
  g_string_append (out, "data: {\"error\":{\"message\":\"The model's "
      "provider failed in the middle of the reply\",\"type\":\"server_error\","
      "\"code\":502}}\n\n");
}

/* What the gateway puts where [DONE] was when the provider sent no usage
 * (chatUsageErrorEvent, text/chat/usage.ts); the stream ends there. */
static void
emu_sse_usage_missing (GString * out)
{
  g_string_append (out, "data: {\"error\":{\"message\":\"Chat Completions "
      "provider returned invalid or omitted terminal usage\",\"type\":"
      "\"upstream_error\",\"code\":\"usage_missing\"}}\n\n");
}

/* A choice that ends with finish_reason "error" and says why. */
static void
emu_sse_finish_error (GString * out, const EmuChat * chat)
{
  JsonObject *chunk = emu_sse_chunk_new (chat, emu_chat_delta (NULL, ""),
      "error");
  JsonObject *choice =
      json_array_get_object_element (json_object_get_array_member (chunk,
          "choices"), 0);
  JsonObject *error = json_object_new ();

  json_object_set_string_member (error, "message", "The model's provider "
      "stopped answering in the middle of the reply");
  json_object_set_int_member (error, "code", 502);
  json_object_set_object_member (choice, "error", error);
  emu_sse_append (out, chunk);
}

static void
emu_sse_reasoning (GString * out, const EmuChat * chat, const gchar * text)
{
  JsonObject *delta = json_object_new ();

  json_object_set_string_member (delta, "reasoning_content", text);
  emu_sse_delta (out, chat, delta);
}

static void
emu_sse_tool_call (GString * out, const EmuChat * chat)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *delta = json_object_new ();

  json_parser_load_from_data (parser, "[{\"index\":0,\"id\":\"call_emu\","
      "\"type\":\"function\",\"function\":{\"name\":\"lookup\","
      "\"arguments\":\"{}\"}}]", -1, NULL);
  json_object_set_member (delta, "tool_calls",
      json_node_copy (json_parser_get_root (parser)));
  emu_sse_delta (out, chat, delta);
}

static EmuStreamShape
emu_stream_shape (const gchar * model)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (emu_stream_models); i++)
    if (g_str_equal (model, emu_stream_models[i].model))
      return emu_stream_models[i].shape;
  return EMU_STREAM_WHOLE;
}

/* The words of the reply, and what the shape puts before and between
 * them. Returns FALSE where the stream ends early. */
static gboolean
emu_sse_words (GString * out, const EmuChat * chat, GPtrArray * words,
    EmuStreamShape shape)
{
  guint i;

  if (shape == EMU_STREAM_REASONING)
    emu_sse_reasoning (out, chat, "The user wants a reply. ");
  if (shape == EMU_STREAM_TOOL_CALLS)
    emu_sse_tool_call (out, chat);
  for (i = 0; i < words->len && shape != EMU_STREAM_EMPTY; i++) {
    if (i == 2 && shape == EMU_STREAM_ERROR) {
      emu_sse_error (out);
      return FALSE;
    }
    if (i > 0 && shape == EMU_STREAM_FINISH_ERROR &&
        g_str_has_suffix (words->pdata[i - 1], ". ")) {
      emu_sse_finish_error (out, chat);
      emu_sse_usage_missing (out);
      return FALSE;
    }
    if (i == 1 && shape == EMU_STREAM_REASONING)
      emu_sse_reasoning (out, chat, "Keep it short.");
    emu_sse_chunk (out, chat, NULL, words->pdata[i], NULL);
  }
  return TRUE;
}

/* The usage chunk (empty choices) and [DONE], or what the gateway puts
 * there when the provider gave no usage. */
static void
emu_sse_end (GString * out, const EmuChat * chat, guint reply_words,
    EmuStreamShape shape)
{
  JsonObject *last;

  if (shape == EMU_STREAM_USAGE_MISSING) {
    emu_sse_usage_missing (out);
    return;
  }
  last = emu_chat_object (chat, "chat.completion.chunk");
  json_object_set_array_member (last, "choices", json_array_new ());
  json_object_set_object_member (last, "usage", emu_chat_usage (chat,
          reply_words));
  emu_sse_append (out, last);
  g_string_append (out, "data: [DONE]\n\n");
}

static GBytes *
emu_chat_sse_body (const EmuChat * chat, GPtrArray * words, gboolean cut)
{
  GString *out = g_string_new (": keep-alive\n\n");
  EmuStreamShape shape = emu_stream_shape (chat->model);

  emu_sse_chunk (out, chat, "assistant", "", NULL);
  if (!emu_sse_words (out, chat, words, shape))
    return g_string_free_to_bytes (out);
  emu_sse_chunk (out, chat, NULL, NULL, cut ? "length" : "stop");
  emu_sse_end (out, chat, shape == EMU_STREAM_EMPTY ? 0 : words->len, shape);
  return g_string_free_to_bytes (out);
}

static gchar *
emu_join_words (GPtrArray * words)
{
  GString *text = g_string_new (NULL);
  guint i;

  for (i = 0; i < words->len; i++)
    g_string_append (text, words->pdata[i]);
  return g_string_free (text, FALSE);
}

static GBytes *
emu_chat_json_body (const EmuChat * chat, GPtrArray * words, gboolean cut)
{
  JsonObject *completion = emu_chat_object (chat, "chat.completion");
  g_autofree gchar *text = emu_join_words (words);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  gchar *json;

  json_object_set_array_member (completion, "choices",
      emu_chat_choices ("message", emu_chat_delta ("assistant", text),
          cut ? "length" : "stop"));
  json_object_set_object_member (completion, "usage", emu_chat_usage (chat,
          words->len));
  json_node_take_object (node, completion);
  json = json_to_string (node, FALSE);
  return g_bytes_new_take (json, strlen (json));
}

/* The gateway echoes the client's X-Request-Id (or makes one). */
static void
emu_chat_headers (PollenEmulatorResponse * response,
    PollenEmulatorRequest * request, const gchar * model)
{
  const gchar *request_id = pollen_emulator_request_get_header (request,
      "X-Request-Id");
  g_autofree gchar *generated_id = g_uuid_string_random ();

  pollen_emulator_response_add_header (response, "X-Request-Id",
      request_id ? request_id : generated_id);
  pollen_emulator_response_add_header (response, "x-model-used", model);
}

static void
emu_chat_answer (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const EmuChat * chat)
{
  gboolean cut;
  g_autoptr (GPtrArray) words = emu_chat_reply_words (chat, &cut);
  gboolean sse = chat->stream &&
      !g_str_equal (chat->model, EMU_CHAT_JSON_ONLY_MODEL);
  PollenEmulatorResponse *response = pollen_emulator_response_new (200,
      sse ? "text/event-stream; charset=utf-8" : "application/json", NULL, 0);

  emu_chat_headers (response, request, chat->model);
  if (sse) {
    pollen_emulator_response_add_header (response, "Cache-Control",
        "no-cache");
    response->body = emu_chat_sse_body (chat, words, cut);
    response->chunk_size = EMU_CHAT_DRIP_BYTES;
    response->chunk_interval_ms = EMU_CHAT_DRIP_MS;
  } else {
    response->body = emu_chat_json_body (chat, words, cut);
  }
  emu_send (emulator, msg, response);
}

/**
 * emu_handle_chat:
 *
 * POST /v1/chat/completions: checks the key and the body (messages,
 * temperature 0–2), then answers the placeholder reply, streamed or whole.
 */
void
emu_handle_chat (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_auto (EmuChat) chat = { NULL, };
  g_autoptr (GError) error = NULL;

  if (!emu_check_key (emulator, msg, request))
    return;
  if (!emu_chat_parse (&chat, request, &error)) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", error->message);
    return;
  }
  emu_chat_answer (emulator, msg, request, &chat);
}

/* Reads the query of GET /text/{prompt} into @chat. */
static gboolean
emu_text_parse (EmuChat * chat, PollenEmulatorRequest * request,
    GError ** error)
{
  const gchar *model = pollen_emulator_request_get_query (request, "model");
  const gchar *system = pollen_emulator_request_get_query (request, "system");
  const gchar *temperature =
      pollen_emulator_request_get_query (request, "temperature");

  chat->input = g_strdup (request->path + strlen ("/text/"));
  chat->model = g_strdup (model ? model : EMU_CHAT_DEFAULT_MODEL);
  chat->system = system && *system ? g_strdup (system) : NULL;
  chat->seed = emu_query_seed (request);
  chat->json = g_strcmp0 (pollen_emulator_request_get_query (request,
          "json"), "true") == 0;
  if (!*chat->input) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "prompt: Required");
    return FALSE;
  }
  return !temperature ||
      emu_chat_temperature_ok (g_ascii_strtod (temperature, NULL), error);
}

/**
 * emu_handle_text:
 *
 * GET /text/{prompt}: the same reply as a chat without history, as plain
 * text, or as JSON text with json=true.
 */
void
emu_handle_text (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_auto (EmuChat) chat = { NULL, };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) words = NULL;
  g_autoptr (GBytes) body = NULL;
  gchar *text;
  gboolean cut;

  if (!emu_check_key (emulator, msg, request))
    return;
  if (!emu_text_parse (&chat, request, &error)) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", error->message);
    return;
  }
  words = emu_chat_reply_words (&chat, &cut);
  text = emu_join_words (words);
  body = g_bytes_new_take (text, strlen (text));
  emu_send_bytes (emulator, msg, 200, chat.json ? "application/json" :
      "text/plain; charset=utf-8", body);
}
