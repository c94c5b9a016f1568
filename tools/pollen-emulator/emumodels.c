/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The model lists, in today's server shapes (shared/registry/model-info.ts
 * on the server; docs/api-notes.md): /image/models, /audio/models and
 * /text/models are lists of rich entries — name (today's canonical id),
 * aliases (the old short names among them), category, brand, title,
 * description, modalities, capabilities, pricing as decimal strings plus
 * currency, voices for speech (each model its own), resolutions and
 * min/max/default/allowed durations for video, durations for music,
 * context_length for text, paid_only (fields the server leaves undefined
 * are absent); /v1/models is the OpenAI shape {object, data: [{id, object,
 * created (milliseconds), owned_by, input_modalities, output_modalities}]}
 * made from the three lists. No key is needed; with one, an account that
 * never bought pollen does not see the paid-only models.
 *
 * The generation handlers resolve model names through these lists, so a
 * name the server does not know fails here as it fails there. */

#include "emuserver.h"

#include <string.h>

/* Today's registry (shared/registry/image.ts): canonical ids with the old
 * short names as aliases. "resolutions" is the registry's own list, the
 * first being the default. */
static const gchar image_models_json[] = "["
    "{\"name\":\"black-forest-labs/flux.1-schnell\",\"aliases\":[\"flux\"],"
    "\"title\":\"FLUX.1 Schnell\",\"description\":\"Fast, high-quality "
    "images at a tiny cost (emulated)\",\"category\":\"image\","
    "\"brand\":\"black-forest-labs\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":false,"
    "\"pricing\":{\"completionImageTokens\":\"0.00012\",\"currency\":\"pollen\"}},"
    "{\"name\":\"tongyi-mai/z-image-turbo\",\"aliases\":[\"z-image\","
    "\"z-image-turbo\",\"zimage\"],"
    "\"title\":\"Z-Image Turbo\",\"description\":\"Z-Image Turbo (emulated)\","
    "\"category\":\"image\",\"brand\":\"tongyi\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":false,"
    "\"pricing\":{\"completionImageTokens\":\"0.0002\",\"currency\":\"pollen\"}},"
    "{\"name\":\"black-forest-labs/flux.2-klein-4b\",\"aliases\":[\"flux-klein\","
    "\"klein\"],\"title\":\"FLUX.2 Klein 4B\","
    "\"description\":\"FLUX.2 Klein (emulated)\",\"category\":\"image\","
    "\"brand\":\"black-forest-labs\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":false,"
    "\"pricing\":{\"completionImageTokens\":\"0.005\",\"currency\":\"pollen\"}},"
    "{\"name\":\"openai/gpt-image-1-mini\",\"aliases\":[\"gpt-image\","
    "\"gpt-image-1-mini\",\"gptimage\"],"
    "\"title\":\"GPT Image 1 Mini\",\"description\":\"GPT Image (emulated)\","
    "\"category\":\"image\",\"brand\":\"openai\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":false,"
    "\"pricing\":{\"promptTextTokens\":\"0.0000025\","
    "\"promptImageTokens\":\"0.0000025\",\"completionImageTokens\":\"0.000008\","
    "\"currency\":\"pollen\"}},"
    "{\"name\":\"openai/gpt-image-2\",\"aliases\":[\"gpt-image-2\"],"
    "\"title\":\"GPT Image 2\",\"description\":\"GPT Image 2 (emulated)\","
    "\"category\":\"image\",\"brand\":\"openai\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":false,"
    "\"pricing\":{\"completionImageTokens\":\"0.00003\",\"currency\":\"pollen\"}},"
    "{\"name\":\"google/veo-3.1-fast\",\"aliases\":[\"veo-3.1-fast\","
    "\"veo-720p\",\"video\",\"veo-1080p\",\"veo-3.1-fast-1080p\",\"veo-1080\","
    "\"veo\"],\"title\":\"Veo 3.1 Fast\",\"description\":\"Veo 3.1 Fast "
    "(emulated)\",\"category\":\"video\",\"brand\":\"google\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"video\"],\"paid_only\":true,"
    "\"resolutions\":[\"720p\",\"1080p\"],"
    "\"min_duration\":4,\"max_duration\":8,\"default_duration\":4,"
    "\"allowed_durations\":[4,6,8],"
    "\"pricing\":{\"completionVideoSeconds\":\"0.15\",\"currency\":\"pollen\"}},"
    "{\"name\":\"bytedance/seedance-1-pro-fast\",\"aliases\":[\"seedance-pro\"],"
    "\"title\":\"Seedance 1.0 Pro Fast\",\"description\":\"Seedance Pro "
    "(emulated)\",\"category\":\"video\",\"brand\":\"bytedance\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"video\"],\"paid_only\":true,"
    "\"resolutions\":[\"720p\",\"480p\",\"1080p\"],"
    "\"min_duration\":2,\"max_duration\":10,\"default_duration\":5,"
    "\"pricing\":{\"completionVideoSeconds\":\"0.025\",\"currency\":\"pollen\"}},"
    "{\"name\":\"bytedance/seedance-2.0\",\"aliases\":[\"seedance-2\","
    "\"seedance-2.0\"],\"title\":\"Seedance 2.0\",\"description\":"
    "\"Seedance 2.0 (emulated)\",\"category\":\"video\",\"brand\":\"bytedance\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\",\"video\","
    "\"audio\"],\"output_modalities\":[\"video\",\"audio\"],\"paid_only\":true,"
    "\"min_duration\":4,\"max_duration\":15,\"default_duration\":5,"
    "\"pricing\":{\"completionVideoSeconds\":\"0.18\",\"currency\":\"pollen\"}},"
    "{\"name\":\"alibaba/wan-2.6\",\"aliases\":[\"wan2.6\",\"wan-i2v\",\"wan\"],"
    "\"title\":\"Wan 2.6\",\"description\":\"Wan 2.6 (emulated)\","
    "\"category\":\"video\",\"brand\":\"alibaba\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"video\"],\"paid_only\":true,"
    "\"min_duration\":5,\"max_duration\":15,\"default_duration\":5,"
    "\"allowed_durations\":[5,10,15],"
    "\"pricing\":{\"completionVideoSeconds\":\"0.1\",\"currency\":\"pollen\"}},"
    "{\"name\":\"alibaba/wan-2.2-fast\",\"aliases\":[\"wan2.2\",\"wan-2.2\","
    "\"wan-fast\"],\"title\":\"Wan 2.2\",\"description\":\"Wan 2.2, 480p "
    "(emulated)\",\"category\":\"video\",\"brand\":\"alibaba\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"video\"],\"paid_only\":true,"
    "\"min_duration\":5,\"max_duration\":5,\"default_duration\":5,"
    "\"pricing\":{\"completionVideoSeconds\":\"0.01\",\"currency\":\"pollen\"}},"
    "{\"name\":\"amazon/nova-reel-v1\",\"aliases\":[\"amazon-nova-reel\","
    "\"nova-reel\"],\"title\":\"Nova Reel\",\"description\":\"Nova Reel "
    "(emulated)\",\"category\":\"video\",\"brand\":\"amazon\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"video\"],\"paid_only\":false,"
    "\"min_duration\":6,\"max_duration\":120,\"default_duration\":6,"
    "\"duration_step\":6,"
    "\"pricing\":{\"completionVideoSeconds\":\"0.08\",\"currency\":\"pollen\"}}"
    "]";

/* shared/registry/audio.ts: each speech model with its own voices. */
static const gchar audio_models_json[] = "["
    "{\"name\":\"openai/tts-1\",\"aliases\":[\"tts-1\"],\"title\":\"OpenAI TTS\","
    "\"description\":\"Low-latency speech synthesis with six voices "
    "(emulated)\",\"category\":\"speech\",\"brand\":\"openai\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"audio\"],\"paid_only\":false,"
    "\"voices\":[\"alloy\",\"echo\",\"fable\",\"onyx\",\"nova\",\"shimmer\"],"
    "\"pricing\":{\"completionAudioTokens\":\"0.000015\",\"currency\":\"pollen\"}},"
    "{\"name\":\"openai/tts-1-hd\",\"aliases\":[\"tts-1-hd\"],"
    "\"title\":\"OpenAI TTS HD\",\"description\":\"Higher-quality speech "
    "synthesis with six voices (emulated)\",\"category\":\"speech\","
    "\"brand\":\"openai\",\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"audio\"],\"paid_only\":false,"
    "\"voices\":[\"alloy\",\"echo\",\"fable\",\"onyx\",\"nova\",\"shimmer\"],"
    "\"pricing\":{\"completionAudioTokens\":\"0.00003\",\"currency\":\"pollen\"}},"
    "{\"name\":\"elevenlabs/eleven-v3\",\"aliases\":[\"tts\",\"text-to-speech\","
    "\"eleven\",\"elevenlabs\"],\"title\":\"ElevenLabs v3 TTS\","
    "\"description\":\"ElevenLabs text to speech, 44.1 kHz (emulated)\","
    "\"category\":\"speech\",\"brand\":\"elevenlabs\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"audio\"],\"paid_only\":true,"
    "\"voices\":[\"alloy\",\"echo\",\"fable\",\"onyx\",\"nova\",\"shimmer\","
    "\"ash\",\"ballad\",\"coral\",\"sage\",\"verse\","
    "\"rachel\",\"domi\",\"bella\",\"elli\",\"charlotte\",\"dorothy\",\"sarah\","
    "\"emily\",\"lily\",\"matilda\",\"adam\",\"antoni\",\"arnold\",\"josh\","
    "\"sam\",\"daniel\",\"charlie\",\"james\",\"fin\",\"callum\",\"liam\","
    "\"george\",\"brian\",\"bill\"],"
    "\"pricing\":{\"completionAudioTokens\":\"0.00018\",\"currency\":\"pollen\"}},"
    "{\"name\":\"elevenlabs/music-v2\",\"aliases\":[\"music\",\"elevenmusic\"],"
    "\"title\":\"ElevenLabs Music\",\"description\":\"ElevenLabs music "
    "(emulated)\",\"category\":\"music\",\"brand\":\"elevenlabs\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"audio\"],"
    "\"output_modalities\":[\"audio\"],\"paid_only\":true,"
    "\"min_duration\":3,\"max_duration\":300,"
    "\"pricing\":{\"completionAudioSeconds\":\"0.005\",\"currency\":\"pollen\"}},"
    "{\"name\":\"openai/whisper-large-v3\",\"aliases\":[\"whisper-1\","
    "\"whisper-large-v3\",\"whisper\"],\"title\":\"Whisper Large V3\","
    "\"description\":\"Speech to text (emulated)\",\"category\":\"transcription\","
    "\"brand\":\"openai\",\"capabilities\":[],"
    "\"input_modalities\":[\"audio\"],\"output_modalities\":[\"text\"],"
    "\"paid_only\":false,"
    "\"pricing\":{\"promptAudioSeconds\":\"0.0000308\",\"currency\":\"pollen\"}},"
    "{\"name\":\"openai/gpt-transcribe\",\"aliases\":[\"gpt-transcribe\","
    "\"gpt-4o-transcribe\"],\"title\":\"GPT Transcribe\","
    "\"description\":\"Speech to text, json only, one request a minute "
    "upstream (emulated)\",\"category\":\"transcription\",\"brand\":\"openai\","
    "\"capabilities\":[],\"input_modalities\":[\"audio\"],"
    "\"output_modalities\":[\"text\"],\"paid_only\":false,"
    "\"pricing\":{\"promptAudioSeconds\":\"0.000075\",\"currency\":\"pollen\"}},"
    "{\"name\":\"elevenlabs/scribe-v2\",\"aliases\":[\"scribe_v2\",\"scribe-v2\","
    "\"scribe\"],\"title\":\"Scribe v2\",\"description\":\"ElevenLabs speech "
    "to text (emulated)\",\"category\":\"transcription\","
    "\"brand\":\"elevenlabs\",\"capabilities\":[],\"input_modalities\":[\"audio\"],"
    "\"output_modalities\":[\"text\"],\"paid_only\":true,"
    "\"pricing\":{\"promptAudioSeconds\":\"0.0001\",\"currency\":\"pollen\"}}"
    "]";

static const gchar text_models_json[] = "["
    "{\"name\":\"openai\",\"aliases\":[\"gpt-5-nano\",\"openai/gpt-5-nano\"],"
    "\"title\":\"GPT-5 Nano\",\"description\":\"OpenAI GPT-5 Nano (emulated)\","
    "\"category\":\"text\",\"brand\":\"openai\","
    "\"capabilities\":[\"tool_calling\",\"reasoning\"],\"tools\":true,"
    "\"reasoning\":true,\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"text\"],\"context_length\":400000,"
    "\"paid_only\":false,"
    "\"pricing\":{\"promptTextTokens\":\"0.00000005\","
    "\"promptCachedTokens\":\"0.000000005\",\"completionTextTokens\":\"0.0000004\","
    "\"currency\":\"pollen\"}},"
    "{\"name\":\"mistral\",\"aliases\":[\"mistral-small\"],"
    "\"title\":\"Mistral Small 3.2\",\"description\":\"Mistral Small (emulated)\","
    "\"category\":\"text\",\"brand\":\"mistralai\","
    "\"capabilities\":[\"tool_calling\"],\"tools\":true,\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"text\"],\"context_length\":128000,"
    "\"paid_only\":false,"
    "\"pricing\":{\"promptTextTokens\":\"0.0000001\","
    "\"completionTextTokens\":\"0.0000003\",\"currency\":\"pollen\"}},"
    "{\"name\":\"openai-audio\",\"aliases\":[\"gpt-4o-mini-audio\"],"
    "\"title\":\"GPT-4o mini Audio\",\"description\":\"Text and audio in and out (emulated)\","
    "\"category\":\"text\",\"brand\":\"openai\","
    "\"capabilities\":[\"tool_calling\"],"
    "\"input_modalities\":[\"text\",\"image\",\"audio\"],"
    "\"output_modalities\":[\"audio\",\"text\"],\"context_length\":128000,"
    "\"paid_only\":true,"
    "\"voices\":[\"alloy\",\"echo\",\"fable\",\"onyx\",\"nova\",\"shimmer\"],"
    "\"pricing\":{\"promptTextTokens\":\"0.00000015\","
    "\"completionTextTokens\":\"0.0000006\",\"completionAudioTokens\":\"0.00002\","
    "\"currency\":\"pollen\"}}"
    "]";

/* 2025-01-01T00:00:00Z, in milliseconds like the real list */
#define EMU_MODELS_CREATED_MS G_GINT64_CONSTANT (1735689600000)

static const gchar *const lists[] = {
  [EMU_MODELS_IMAGE] = image_models_json,
  [EMU_MODELS_AUDIO] = audio_models_json,
  [EMU_MODELS_TEXT] = text_models_json,
};

/* What the server calls each list's endpoint in its messages
 * (ENDPOINT_LABEL in middleware/model.ts) */
static const gchar *const labels[] = {
  [EMU_MODELS_IMAGE] = "image",
  [EMU_MODELS_AUDIO] = "audio",
  [EMU_MODELS_TEXT] = "text",
};

static JsonArray *
emu_models_parse (EmuModelList list, JsonParser * parser)
{
  if (!json_parser_load_from_data (parser, lists[list], -1, NULL))
    g_error ("emulator model list is not JSON");
  return json_node_get_array (json_parser_get_root (parser));
}

static gboolean
emu_model_is_called (JsonObject * model, const gchar * name)
{
  JsonArray *aliases = json_object_get_array_member (model, "aliases");
  guint i;

  if (g_str_equal (json_object_get_string_member (model, "name"), name))
    return TRUE;
  for (i = 0; i < json_array_get_length (aliases); i++) {
    if (g_str_equal (json_array_get_string_element (aliases, i), name))
      return TRUE;
  }
  return FALSE;
}

/**
 * emu_models_find:
 *
 * Names are matched exactly, as the server does since its ids have
 * capitals.
 *
 * Returns: (transfer full) (nullable): the entry of @list that @name is,
 * or is an alias of.
 */
JsonObject *
emu_models_find (EmuModelList list, const gchar * name)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *models = emu_models_parse (list, parser);
  guint i;

  for (i = 0; name && i < json_array_get_length (models); i++) {
    JsonObject *model = json_array_get_object_element (models, i);

    if (emu_model_is_called (model, name))
      return json_object_ref (model);
  }
  return NULL;
}

/* Returns: (transfer full): the name of the speech or music model that
 * @name is, or an alias of, as the server resolves it; @name itself when
 * the list does not know it. */
gchar *
emu_models_resolve_audio (const gchar * name)
{
  g_autoptr (JsonObject) model = emu_models_find (EMU_MODELS_AUDIO, name);

  return g_strdup (model ? json_object_get_string_member (model, "name") :
      name);
}

/**
 * emu_models_check:
 * @model: (out) (transfer full): the model's entry
 *
 * Resolves @name in @list as the server's resolveModel() does, or answers
 * its 400 in the server's own words: for a model of another list,
 * resolveModel()'s; for a name no list knows, the registry's
 * resolveModelName() (shared/registry/registry.ts @0047731e).
 *
 * Returns: %TRUE with *@model set, else %FALSE with @msg answered.
 */
gboolean
emu_models_check (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuModelList list, const gchar * name, JsonObject ** model)
{
  g_autofree gchar *message = NULL;
  guint other;

  if ((*model = emu_models_find (list, name)))
    return TRUE;
  for (other = 0; other < G_N_ELEMENTS (lists); other++) {
    g_autoptr (JsonObject) elsewhere = emu_models_find (other, name);

    if (elsewhere) {
      message = g_strdup_printf ("Model \"%s\" is a %s model and cannot be "
          "used on the %s endpoint. Use the %s endpoint instead.", name,
          labels[other], labels[list], labels[other]);
      break;
    }
  }
  if (!message)
    message = g_strdup_printf ("Invalid model or alias: \"%s\". Must be a "
        "valid model name or alias.", name);
  emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
  return FALSE;
}

/* Whether @voice is one of the voices @model lists (a model that lists
 * none takes any). */
gboolean
emu_models_has_voice (JsonObject * model, const gchar * voice)
{
  JsonArray *voices = json_object_has_member (model, "voices") ?
      json_object_get_array_member (model, "voices") : NULL;
  guint i;

  for (i = 0; voices && i < json_array_get_length (voices); i++) {
    if (g_str_equal (json_array_get_string_element (voices, i), voice))
      return TRUE;
  }
  return voices == NULL;
}

/* An integer member of @model, or @fallback. */
gint64
emu_models_get_int (JsonObject * model, const gchar * name, gint64 fallback)
{
  return json_object_has_member (model, name) ?
      json_object_get_int_member (model, name) : fallback;
}

static void
emu_models_add_openai_entry (JsonBuilder * builder, JsonObject * model)
{
  const gchar *modalities[] = { "input_modalities", "output_modalities" };
  guint i;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder,
      json_object_get_string_member (model, "name"));
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "model");
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, EMU_MODELS_CREATED_MS);
  json_builder_set_member_name (builder, "owned_by");
  json_builder_add_string_value (builder,
      json_object_get_string_member (model, "brand"));
  for (i = 0; i < G_N_ELEMENTS (modalities); i++) {
    json_builder_set_member_name (builder, modalities[i]);
    json_builder_add_value (builder,
        json_node_copy (json_object_get_member (model, modalities[i])));
  }
  json_builder_end_object (builder);
}

/* Adds the entries of @list an account sees to the array being built:
 * every entry, or only those not paid-only. As the rich entries
 * themselves, or in the OpenAI shape. */
static void
emu_models_add_entries (JsonBuilder * builder, EmuModelList list,
    gboolean paid_only_too, gboolean openai)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *models = emu_models_parse (list, parser);
  guint i;

  for (i = 0; i < json_array_get_length (models); i++) {
    JsonObject *model = json_array_get_object_element (models, i);

    if (!paid_only_too && json_object_get_boolean_member (model, "paid_only"))
      continue;
    if (openai)
      emu_models_add_openai_entry (builder, model);
    else
      json_builder_add_value (builder,
          json_node_copy (json_array_get_element (models, i)));
  }
}

static gchar *
emu_models_to_json (JsonBuilder * builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* One list as a JSON array. */
static gchar *
emu_models_list (EmuModelList list, gboolean paid_only_too)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  emu_models_add_entries (builder, list, paid_only_too, FALSE);
  json_builder_end_array (builder);
  return emu_models_to_json (builder);
}

/* {object: "list", data: [...]} of every model in the three lists. */
static gchar *
emu_models_openai_list (gboolean paid_only_too)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  const EmuModelList order[] = { EMU_MODELS_TEXT, EMU_MODELS_IMAGE,
    EMU_MODELS_AUDIO
  };
  guint i;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "list");
  json_builder_set_member_name (builder, "data");
  json_builder_begin_array (builder);
  for (i = 0; i < G_N_ELEMENTS (order); i++)
    emu_models_add_entries (builder, order[i], paid_only_too, TRUE);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return emu_models_to_json (builder);
}

/* The lists are filtered per account: an account that never bought pollen
 * (--free-account) does not see the paid-only models. Only a request with
 * a key says whose account it is. */
void
emu_handle_models (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  gboolean paid_only_too = !emu_request_key (request) ||
      !emu_free_account (emulator);
  g_autoptr (GBytes) body = NULL;
  gchar *json;

  if (g_str_equal (request->path, "/image/models"))
    json = emu_models_list (EMU_MODELS_IMAGE, paid_only_too);
  else if (g_str_equal (request->path, "/audio/models"))
    json = emu_models_list (EMU_MODELS_AUDIO, paid_only_too);
  else if (g_str_equal (request->path, "/text/models"))
    json = emu_models_list (EMU_MODELS_TEXT, paid_only_too);
  else
    json = emu_models_openai_list (paid_only_too);

  body = g_bytes_new_take (json, strlen (json));
  emu_send_bytes (emulator, msg, 200, "application/json", body);
}
