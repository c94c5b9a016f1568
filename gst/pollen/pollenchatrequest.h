/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include "pollenclient.h"
#include "pollenchatstream.h"

G_BEGIN_DECLS

#define POLLEN_CHAT_DEFAULT_MODEL "openai"

/**
 * PollenChatOutput:
 * @POLLEN_CHAT_OUTPUT_REPLY: one buffer with the whole reply
 * @POLLEN_CHAT_OUTPUT_SENTENCE: each sentence as soon as it is complete
 *
 * How an element that asks a chat model (pollenchat, pollenvision) pushes
 * the reply: the `output` property of both.
 */
typedef enum
{
  POLLEN_CHAT_OUTPUT_REPLY,
  POLLEN_CHAT_OUTPUT_SENTENCE,
} PollenChatOutput;

#define POLLEN_TYPE_CHAT_OUTPUT (pollen_chat_output_get_type ())
GType pollen_chat_output_get_type (void);

/**
 * PollenChatSettings:
 * @model: (nullable): %NULL for %POLLEN_CHAT_DEFAULT_MODEL
 * @system: (nullable): the system prompt; %NULL or "" sends none
 * @temperature: sent when >= 0
 * @seed: sent when >= 0
 * @max_tokens: sent when > 0
 * @json_mode: ask for a JSON object reply (response_format json_object)
 * @extra_params: (nullable): members added to the body as they are, last
 *
 * What one completion asks for. Nothing is copied: the strings must live
 * until the request is built. pollen_chat_settings_init() leaves every
 * number unset.
 */
typedef struct
{
  const gchar *model;
  const gchar *system;
  gdouble temperature;
  gint64 seed;
  gint max_tokens;
  gboolean json_mode;
  const GstStructure *extra_params;
} PollenChatSettings;

void pollen_chat_settings_init (PollenChatSettings * settings);

/**
 * PollenChatHistory:
 *
 * The last exchanges (a user text and the assistant's reply) of a
 * conversation, at most the size it was given, oldest first. Not
 * thread-safe: its owner locks.
 */
typedef struct _PollenChatHistory PollenChatHistory;

PollenChatHistory * pollen_chat_history_new (guint size);
void                pollen_chat_history_free (PollenChatHistory * history);
void                pollen_chat_history_set_size (PollenChatHistory * history,
                                                  guint size);
void                pollen_chat_history_add (PollenChatHistory * history,
                                             const gchar * user,
                                             const gchar * assistant);
void                pollen_chat_history_clear (PollenChatHistory * history);
guint               pollen_chat_history_get_length (PollenChatHistory * history);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenChatHistory, pollen_chat_history_free)

/* The user message's content: plain text, or text and a picture. */
JsonNode *      pollen_chat_content_new_text (const gchar * text);
JsonNode *      pollen_chat_content_new_image (const gchar * text,
                                               const gchar * mime_type,
                                               GBytes * image,
                                               const gchar * detail);

JsonObject *    pollen_chat_request_body (const PollenChatSettings * settings,
                                          PollenChatHistory * history,
                                          JsonNode * content);
PollenRequest * pollen_chat_request_new (const PollenChatSettings * settings,
                                         PollenChatHistory * history,
                                         JsonNode * content);

/**
 * PollenChatResult:
 * @text: the whole reply
 * @finish_reason: (nullable): "stop", "length" …
 * @model: (nullable): the model the answer names
 * @usage: token counts (-1 where not given)
 * @request_id: (nullable): the answer's X-Request-Id
 * @warning: (nullable): what a person should hear although the reply is
 *   there: an odd end of the stream, text mended or lost
 */
typedef struct
{
  gchar *text;
  gchar *finish_reason;
  gchar *model;
  PollenChatUsage usage;
  gchar *request_id;
  gchar *warning;
} PollenChatResult;

void               pollen_chat_result_free (PollenChatResult * result);
PollenChatResult * pollen_chat_complete (PollenClient * client,
                                         const PollenRequest * request,
                                         PollenChatDeltaFunc func,
                                         gpointer user_data,
                                         GCancellable * cancellable,
                                         GError ** error);

void               pollen_chat_result_post_warning (PollenChatResult * result,
                                                    GstElement * element,
                                                    const gchar * what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenChatResult, pollen_chat_result_free)

G_END_DECLS
