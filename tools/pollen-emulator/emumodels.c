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
 * /text/models are lists of rich entries — name, aliases, category, brand,
 * title, description, modalities, capabilities, pricing as decimal strings
 * plus currency, voices for speech, min/max/default/allowed durations for
 * video and music, context_length for text, paid_only (fields the server
 * leaves undefined are absent); /v1/models is the OpenAI shape {object,
 * data: [{id, object, created (milliseconds), owned_by, input_modalities,
 * output_modalities}]} made from the three lists. No key is needed. */

#include "emuserver.h"

#include <string.h>

static const gchar image_models_json[] = "["
    "{\"name\":\"flux\",\"aliases\":[],\"title\":\"Flux Schnell\","
    "\"description\":\"Flux Schnell (emulated)\",\"category\":\"image\","
    "\"brand\":\"black-forest-labs\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":false,"
    "\"pricing\":{\"completionImageTokens\":\"0.00012\",\"currency\":\"pollen\"}},"
    "{\"name\":\"zimage\",\"aliases\":[\"z-image\",\"z-image-turbo\"],"
    "\"title\":\"Z-Image Turbo\",\"description\":\"Z-Image Turbo (emulated)\","
    "\"category\":\"image\",\"brand\":\"tongyi\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":false,"
    "\"pricing\":{\"completionImageTokens\":\"0.0002\",\"currency\":\"pollen\"}},"
    "{\"name\":\"gptimage\",\"aliases\":[\"gpt-image\",\"openai/gpt-image-1-mini\"],"
    "\"title\":\"GPT Image 1 Mini\",\"description\":\"GPT Image (emulated)\","
    "\"category\":\"image\",\"brand\":\"openai\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"image\"],\"paid_only\":true,"
    "\"pricing\":{\"promptTextTokens\":\"0.0000025\","
    "\"promptImageTokens\":\"0.0000025\",\"completionImageTokens\":\"0.000008\","
    "\"currency\":\"pollen\"}},"
    "{\"name\":\"veo\",\"aliases\":[\"video\",\"google/veo-3.1-fast\"],"
    "\"title\":\"Veo 3.1 Fast\",\"description\":\"Veo 3.1 Fast (emulated)\","
    "\"category\":\"video\",\"brand\":\"google\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"video\"],\"paid_only\":true,"
    "\"min_duration\":4,\"max_duration\":8,\"default_duration\":4,\"allowed_durations\":[4,6,8],"
    "\"pricing\":{\"completionVideoSeconds\":\"0.15\",\"currency\":\"pollen\"}},"
    "{\"name\":\"seedance\",\"aliases\":[\"bytedance/seedance-pro-fast\"],"
    "\"title\":\"Seedance Pro Fast\",\"description\":\"Seedance (emulated)\","
    "\"category\":\"video\",\"brand\":\"bytedance\","
    "\"capabilities\":[],\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"video\"],\"paid_only\":true,"
    "\"min_duration\":2,\"max_duration\":10,\"default_duration\":5,\"duration_step\":1,"
    "\"pricing\":{\"completionVideoTokens\":\"0.0000018\",\"currency\":\"pollen\"}}"
    "]";

static const gchar audio_models_json[] = "["
    "{\"name\":\"elevenlabs\",\"aliases\":[\"tts\",\"text-to-speech\",\"eleven\","
    "\"tts-1\",\"tts-1-hd\"],\"title\":\"ElevenLabs v3\","
    "\"description\":\"ElevenLabs text to speech (emulated)\","
    "\"category\":\"speech\",\"brand\":\"elevenlabs\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"audio\"],\"paid_only\":true,"
    "\"voices\":[\"alloy\",\"echo\",\"fable\",\"onyx\",\"nova\",\"shimmer\","
    "\"rachel\",\"domi\",\"bella\",\"elli\",\"charlotte\",\"dorothy\",\"sarah\","
    "\"emily\",\"lily\",\"matilda\",\"adam\",\"antoni\",\"arnold\",\"josh\","
    "\"sam\",\"daniel\",\"charlie\",\"james\",\"fin\",\"callum\",\"liam\","
    "\"george\",\"brian\",\"bill\"],"
    "\"pricing\":{\"completionAudioTokens\":\"0.00018\",\"currency\":\"pollen\"}},"
    "{\"name\":\"openai-audio\",\"aliases\":[\"gpt-4o-mini-tts\"],"
    "\"title\":\"GPT-4o mini TTS\",\"description\":\"OpenAI speech (emulated)\","
    "\"category\":\"speech\",\"brand\":\"openai\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"audio\"],\"paid_only\":true,"
    "\"voices\":[\"alloy\",\"echo\",\"fable\",\"onyx\",\"nova\",\"shimmer\","
    "\"ash\",\"ballad\",\"coral\",\"sage\",\"verse\"],"
    "\"pricing\":{\"promptTextTokens\":\"0.0000006\","
    "\"completionAudioTokens\":\"0.000012\",\"currency\":\"pollen\"}},"
    "{\"name\":\"elevenmusic\",\"aliases\":[\"music\",\"elevenlabs/music\"],"
    "\"title\":\"Eleven Music\",\"description\":\"ElevenLabs music (emulated)\","
    "\"category\":\"music\",\"brand\":\"elevenlabs\","
    "\"capabilities\":[],\"input_modalities\":[\"text\"],"
    "\"output_modalities\":[\"audio\"],\"paid_only\":true,"
    "\"min_duration\":3,\"max_duration\":300,"
    "\"pricing\":{\"completionAudioSeconds\":\"0.005\",\"currency\":\"pollen\"}},"
    "{\"name\":\"whisper\",\"aliases\":[\"whisper-1\",\"whisper-large-v3\","
    "\"openai/whisper-large-v3\"],\"title\":\"Whisper Large v3\","
    "\"description\":\"Speech to text (emulated)\",\"category\":\"transcription\","
    "\"brand\":\"openai\",\"capabilities\":[],"
    "\"input_modalities\":[\"audio\"],\"output_modalities\":[\"text\"],"
    "\"paid_only\":false,"
    "\"pricing\":{\"promptAudioSeconds\":\"0.0000308\",\"currency\":\"pollen\"}},"
    "{\"name\":\"scribe\",\"aliases\":[\"scribe-v2\",\"elevenlabs/scribe-v2\"],"
    "\"title\":\"Scribe v2\",\"description\":\"ElevenLabs speech to text (emulated)\","
    "\"category\":\"transcription\",\"brand\":\"elevenlabs\","
    "\"capabilities\":[],\"input_modalities\":[\"audio\"],"
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

static JsonArray *
emu_models_parse (const gchar * json, JsonParser * parser)
{
  if (!json_parser_load_from_data (parser, json, -1, NULL))
    g_error ("emulator model list is not JSON");
  return json_node_get_array (json_parser_get_root (parser));
}

static void
emu_models_add_openai_entry (JsonArray * array, guint index,
    JsonNode * element, gpointer user_data)
{
  JsonBuilder *builder = user_data;
  JsonObject *model = json_node_get_object (element);
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

/* {object: "list", data: [...]} of every model in the three lists. */
static gchar *
emu_models_openai_list (void)
{
  const gchar *lists[] = { text_models_json, image_models_json,
    audio_models_json
  };
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  guint i;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "object");
  json_builder_add_string_value (builder, "list");
  json_builder_set_member_name (builder, "data");
  json_builder_begin_array (builder);
  for (i = 0; i < G_N_ELEMENTS (lists); i++) {
    g_autoptr (JsonParser) parser = json_parser_new ();

    json_array_foreach_element (emu_models_parse (lists[i], parser),
        emu_models_add_openai_entry, builder);
  }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Returns: (transfer full): the name of the speech or music model that
 * @name is, or an alias of, as the server resolves it; @name itself when
 * the list does not know it. */
gchar *
emu_models_resolve_audio (const gchar * name)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonArray *models = emu_models_parse (audio_models_json, parser);
  guint i, j;

  for (i = 0; name && i < json_array_get_length (models); i++) {
    JsonObject *model = json_array_get_object_element (models, i);
    JsonArray *aliases = json_object_get_array_member (model, "aliases");
    const gchar *canonical = json_object_get_string_member (model, "name");

    if (g_str_equal (canonical, name))
      return g_strdup (canonical);
    for (j = 0; j < json_array_get_length (aliases); j++) {
      if (g_str_equal (json_array_get_string_element (aliases, j), name))
        return g_strdup (canonical);
    }
  }
  return g_strdup (name);
}

void
emu_handle_models (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_autoptr (GBytes) body = NULL;

  if (g_str_equal (request->path, "/image/models"))
    body = g_bytes_new_static (image_models_json, strlen (image_models_json));
  else if (g_str_equal (request->path, "/audio/models"))
    body = g_bytes_new_static (audio_models_json, strlen (audio_models_json));
  else if (g_str_equal (request->path, "/text/models"))
    body = g_bytes_new_static (text_models_json, strlen (text_models_json));
  else {
    gchar *json = emu_models_openai_list ();

    body = g_bytes_new_take (json, strlen (json));
  }

  emu_send_bytes (emulator, msg, 200, "application/json", body);
}
