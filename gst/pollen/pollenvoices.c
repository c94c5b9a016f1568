/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Which voices a speech model has, said when the server refuses a voice.
 *
 * Each speech model has voices of its own (tts-1 the six of OpenAI,
 * ElevenLabs its presets and any custom voice id), and the server's
 * refusal does not list them ("Invalid voice: x. Use a preset name or
 * valid ElevenLabs voice ID."). The element does not check the voice
 * itself before sending: a custom ElevenLabs id or a voice the server adds
 * tomorrow must work, and what the server says stays the truth. Only when
 * a request failed is the model's entry read from GET /audio/models (once
 * per client: the list is kept on it) and, when the voice is not among
 * the voices listed there, the error says which they are.
 *
 * Lock order: voices_lock only, held while the list is fetched (a rare,
 * failing path). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenvoices.h"
#include "pollenjson.h"

#include <string.h>

#define MODELS_PATH "/audio/models"

static GMutex voices_lock;

/* What a client learned of /audio/models: the list, or NULL when it could
 * not be read (not asked again). */
typedef struct
{
  JsonNode *list;
} Voices;

static void
voices_free (Voices * voices)
{
  g_clear_pointer (&voices->list, json_node_unref);
  g_free (voices);
}

static GQuark
voices_quark (void)
{
  return g_quark_from_static_string ("pollen-voices");
}

/* Statuses a refused voice comes with: the gateway's own 400, a provider's
 * 400 or 422 passed on, a provider's 404 (an unknown voice id) as 502. */
static gboolean
may_be_refused_voice (const GError * error)
{
  switch (pollen_client_error_get_http_status (error)) {
    case 400:
    case 404:
    case 422:
    case 502:
      return error->domain == POLLEN_CLIENT_ERROR &&
          error->code == POLLEN_CLIENT_ERROR_HTTP;
    default:
      return FALSE;
  }
}

/* Returns: (transfer full) (nullable): @client's /audio/models, asked for
 * the first time it is needed. */
static JsonNode *
voices_model_list (PollenClient * client, GCancellable * cancellable)
{
  Voices *voices;
  JsonNode *list;

  g_mutex_lock (&voices_lock);
  voices = g_object_get_qdata (G_OBJECT (client), voices_quark ());
  if (!voices) {
    g_autoptr (PollenRequest) request = pollen_request_new ("GET",
        MODELS_PATH);

    voices = g_new0 (Voices, 1);
    voices->list = pollen_client_fetch_json (client, request, cancellable,
        NULL);
    g_object_set_qdata_full (G_OBJECT (client), voices_quark (), voices,
        (GDestroyNotify) voices_free);
  }
  list = voices->list ? json_node_ref (voices->list) : NULL;
  g_mutex_unlock (&voices_lock);
  return list;
}

static gboolean
strings_contain (JsonArray * array, const gchar * text)
{
  guint i;

  for (i = 0; array && i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);

    if (JSON_NODE_HOLDS_VALUE (node) &&
        json_node_get_value_type (node) == G_TYPE_STRING &&
        g_str_equal (json_node_get_string (node), text))
      return TRUE;
  }
  return FALSE;
}

/* The entry of @list that @model is, or is an alias of. */
static JsonObject *
find_model (JsonNode * list, const gchar * model)
{
  JsonArray *entries = JSON_NODE_HOLDS_ARRAY (list) ?
      json_node_get_array (list) : NULL;
  guint i;

  for (i = 0; entries && i < json_array_get_length (entries); i++) {
    JsonNode *node = json_array_get_element (entries, i);
    JsonObject *entry;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    entry = json_node_get_object (node);
    if (g_strcmp0 (pollen_json_get_string (entry, "name"), model) == 0 ||
        strings_contain (pollen_json_get_array (entry, "aliases"), model))
      return entry;
  }
  return NULL;
}

/* ", "-joined strings of @array. */
static gchar *
join_strings (JsonArray * array)
{
  g_autoptr (GString) text = g_string_new (NULL);
  guint i;

  for (i = 0; i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);

    if (JSON_NODE_HOLDS_VALUE (node) &&
        json_node_get_value_type (node) == G_TYPE_STRING)
      g_string_append_printf (text, "%s%s", text->len ? ", " : "",
          json_node_get_string (node));
  }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* @error with "<what>" added to its message, all else kept. */
static GError *
error_with (const GError * error, const gchar * what)
{
  g_autofree gchar *text = g_strdup_printf ("%s; %s", error->message, what);

  return pollen_client_error_new (error->code,
      pollen_client_error_get_http_status (error),
      pollen_client_error_get_api_code (error),
      pollen_client_error_get_api_message (error),
      pollen_client_error_get_request_id (error), text);
}

/**
 * pollen_voices_explain:
 * @model: the model the speech request was sent with
 * @voice: the voice it was sent with
 * @error: (inout): why it failed
 *
 * When *@error may be a refused voice and the model's entry in the
 * server's /audio/models lists voices that @voice is not among, replaces
 * *@error by the same error whose message also names the model's voices
 * ("…; tts-1 has no voice "rachel": its voices are alloy, echo, …").
 * Otherwise leaves it as it is.
 */
void
pollen_voices_explain (PollenClient * client, const gchar * model,
    const gchar * voice, GCancellable * cancellable, GError ** error)
{
  g_autoptr (JsonNode) list = NULL;
  g_autofree gchar *known = NULL;
  g_autofree gchar *what = NULL;
  JsonObject *entry;
  JsonArray *voices;
  GError *explained;

  if (!error || !*error || !model || !voice || !may_be_refused_voice (*error))
    return;
  list = voices_model_list (client, cancellable);
  entry = list ? find_model (list, model) : NULL;
  voices = entry ? pollen_json_get_array (entry, "voices") : NULL;
  if (!voices || json_array_get_length (voices) == 0 ||
      strings_contain (voices, voice))
    return;
  known = join_strings (voices);
  what = g_strdup_printf ("%s has no voice \"%s\": its voices are %s", model,
      voice, known);
  explained = error_with (*error, what);
  g_error_free (*error);
  *error = explained;
}
