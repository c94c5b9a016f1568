/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The default handler of POST /v1/audio/speech, and the streamed audio
 * answer it shares with GET /audio/{text}. Like the real server it checks
 * the JSON body (input 1–10000 characters, response_format, instructions
 * only for the models that take them) and streams TTS audio chunked, WAV
 * with the "unknown" sizes a streamed WAV carries; WAV from the ElevenLabs
 * models comes whole, with Content-Length, as the real server does. */

#include "emuserver.h"

#include <gst/gst.h>
#include <string.h>

#define EMU_SPEECH_DEFAULT_FORMAT "mp3"
#define EMU_SPEECH_MAX_INPUT 10000
#define EMU_MUSIC_DEFAULT_S 10
/* Faster than real time, as the real server streams: 100 ms of 24 kHz
 * mono every 5 ms. */
#define EMU_SPEECH_CHUNK 4800
#define EMU_SPEECH_CHUNK_MS 5

static const gchar *const speech_formats[] = {
  "mp3", "opus", "aac", "flac", "wav", "pcm", NULL
};

/* Only the OpenAI-style models take "instructions"; the ElevenLabs ones
 * answer 400, as on the real server. */
static gboolean
emu_model_takes_instructions (const gchar * model)
{
  return !g_str_has_prefix (model, "eleven");
}

/* The voices of ElevenLabs are presets by name or custom voice ids, which
 * are long (the server refuses only a name shorter than 8 characters that
 * is not a preset). */
static gboolean
emu_is_custom_voice (JsonObject * model, const gchar * voice)
{
  return g_str_has_prefix (json_object_get_string_member (model, "name"),
      "elevenlabs/") && strlen (voice) >= 8;
}

/**
 * emu_check_speech_model:
 * @asked: the model asked for
 * @entry: (out) (transfer full): its entry in the audio list
 *
 * The checks a speech or music request meets once its body or query is
 * valid, in the server's order: the model's name, its per-user limit, and
 * the voice, which must be one of the model's own (ElevenLabs also takes a
 * custom voice id). A voice another model has fails with a 400 that does
 * not list the voices: ElevenLabs' own words; for the others the wording
 * is the emulator's (the stored source does not show it).
 *
 * Returns: %TRUE, else %FALSE with @msg answered.
 */
gboolean
emu_check_speech_model (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * asked, const gchar * voice,
    JsonObject ** entry)
{
  g_autofree gchar *message = NULL;

  if (!emu_models_check (emulator, msg, EMU_MODELS_AUDIO, asked, entry) ||
      !emu_admit_model (emulator, msg, request, *entry))
    return FALSE;
  if (emu_models_has_voice (*entry, voice) ||
      emu_is_custom_voice (*entry, voice))
    return TRUE;
  if (g_str_has_prefix (json_object_get_string_member (*entry, "name"),
          "elevenlabs/"))
    message = g_strdup_printf ("Invalid voice: %s. Use a preset name or "
        "valid ElevenLabs voice ID.", voice);
  else
    message = g_strdup_printf ("Invalid voice: %s", voice);
  emu_send (emulator, msg, emu_upstream_error_new (400, "BAD_REQUEST",
          message));
  return FALSE;
}

/* The length the server's validation sees: UTF-16 code units. */
static glong
emu_utf16_length (const gchar * text)
{
  glong units = 0;
  const gchar *p;

  for (p = text; *p; p = g_utf8_next_char (p))
    units += g_utf8_get_char (p) > 0xFFFF ? 2 : 1;
  return units;
}

/* A streamed WAV's header goes out before its length is known: RIFF and
 * data sizes of 0xFFFFFFFF. */
static GBytes *
emu_wav_unsized (GBytes * wav)
{
  gsize size;
  guint8 *data = g_bytes_unref_to_data (wav, &size);

  if (size >= 44) {
    GST_WRITE_UINT32_LE (data + 4, G_MAXUINT32);
    GST_WRITE_UINT32_LE (data + 40, G_MAXUINT32);
  }
  return g_bytes_new_take (data, size);
}

/**
 * emu_send_audio:
 * @format: one of mp3, opus, aac, flac, wav, pcm
 *
 * Answers with speech of @text (or music, for a music model) in @format,
 * streamed the way the real server streams it.
 */
void
emu_send_audio (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * text, const gchar * model,
    const gchar * format, guint duration_s, gint64 seed)
{
  const gchar *content_type = NULL;
  g_autoptr (GError) error = NULL;
  PollenEmulatorResponse *response;
  gboolean wav = g_str_equal (format, "wav");
  gdouble seconds = 0;
  GBytes *body;

  body = emu_audio_for_text (text, model, seed, duration_s, format,
      &content_type, &seconds, &error);
  if (!body) {
    emu_send_error (emulator, msg, 500, "INTERNAL_ERROR", error->message);
    return;
  }
  emu_count_audio (emulator, seconds);

  response = pollen_emulator_response_new (200, content_type, NULL, 0);
  emu_add_media_headers (response, request, model, format);
  if (wav && g_str_has_prefix (model, "eleven")) {
    response->body = body;
  } else {
    response->body = wav ? emu_wav_unsized (body) : body;
    response->chunk_size = EMU_SPEECH_CHUNK;
    response->chunk_interval_ms = EMU_SPEECH_CHUNK_MS;
  }
  emu_send (emulator, msg, response);
}

static gboolean
emu_bad_request (PollenEmulator * emulator, SoupServerMessage * msg,
    const gchar * format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
emu_bad_request (PollenEmulator * emulator, SoupServerMessage * msg,
    const gchar * format, ...)
{
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
  return FALSE;
}

/* Reads an optional string member; answers 400 when it is not a string. */
static gboolean
emu_json_string (PollenEmulator * emulator, SoupServerMessage * msg,
    JsonObject * body, const gchar * name, const gchar ** value)
{
  JsonNode *node = json_object_get_member (body, name);

  if (!node || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return emu_bad_request (emulator, msg, "%s: Expected string", name);
  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
emu_check_input (PollenEmulator * emulator, SoupServerMessage * msg,
    const gchar * input)
{
  glong length;

  if (!input)
    return emu_bad_request (emulator, msg, "input: Required");
  length = emu_utf16_length (input);
  if (length < 1)
    return emu_bad_request (emulator, msg,
        "input: String must contain at least 1 character(s)");
  if (length > EMU_SPEECH_MAX_INPUT)
    return emu_bad_request (emulator, msg,
        "input: String must contain at most %d character(s)",
        EMU_SPEECH_MAX_INPUT);
  return TRUE;
}

static gboolean
emu_check_format (PollenEmulator * emulator, SoupServerMessage * msg,
    const gchar * format)
{
  if (g_strv_contains (speech_formats, format))
    return TRUE;
  return emu_bad_request (emulator, msg, "response_format: Invalid enum "
      "value. Expected 'mp3' | 'opus' | 'aac' | 'flac' | 'wav' | 'pcm', "
      "received '%s'", format);
}

static gboolean
emu_music_duration (PollenEmulator * emulator, SoupServerMessage * msg,
    JsonObject * body, guint * duration_s)
{
  JsonNode *node = json_object_get_member (body, "duration");
  gint64 value;

  *duration_s = EMU_MUSIC_DEFAULT_S;
  if (!node)
    return TRUE;
  value = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : -1;
  if (value < 3 || value > 300)
    return emu_bad_request (emulator, msg,
        "duration: Expected a number between 3 and 300");
  *duration_s = value;
  return TRUE;
}

/**
 * emu_speech_body_read:
 *
 * Reads and checks the JSON body of a speech request as the server's
 * schema does (input 1–10000 characters, the strings, response_format),
 * with the server's defaults; answers 400 and returns FALSE when it does
 * not pass. @body->root holds the parsed body; clear it with
 * emu_speech_body_clear().
 */
gboolean
emu_speech_body_read (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, EmuSpeechBody * body)
{
  JsonObject *object;

  memset (body, 0, sizeof (EmuSpeechBody));
  body->model = EMU_SPEECH_DEFAULT_MODEL;
  body->voice = "alloy";
  body->format = EMU_SPEECH_DEFAULT_FORMAT;
  if (!(body->root = emu_json_parse_body (request)))
    return emu_bad_request (emulator, msg, "Invalid JSON body: expected an "
        "object with input, model, voice, response_format");
  object = json_node_get_object (body->root);
  return emu_json_string (emulator, msg, object, "input", &body->input) &&
      emu_json_string (emulator, msg, object, "model", &body->model) &&
      emu_json_string (emulator, msg, object, "voice", &body->voice) &&
      emu_json_string (emulator, msg, object, "response_format",
      &body->format) &&
      emu_json_string (emulator, msg, object, "instructions",
      &body->instructions) && emu_check_input (emulator, msg, body->input) &&
      emu_check_format (emulator, msg, body->format);
}

void
emu_speech_body_clear (EmuSpeechBody * body)
{
  g_clear_pointer (&body->root, json_node_unref);
}

void
emu_handle_speech (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  EmuSpeechBody body;
  g_autoptr (JsonObject) entry = NULL;
  guint duration_s = 0;

  if (!emu_check_key (emulator, msg, request))
    return;
  if (!emu_speech_body_read (emulator, msg, request, &body))
    goto out;
  if (!emu_check_speech_model (emulator, msg, request, body.model,
          body.voice, &entry))
    goto out;
  body.model = json_object_get_string_member (entry, "name");
  if (body.instructions && !emu_model_takes_instructions (body.model)) {
    emu_bad_request (emulator, msg, "instructions: not supported by model "
        "'%s'", body.model);
    goto out;
  }
  if (emu_model_is_music (body.model) && !emu_music_duration (emulator, msg,
          json_node_get_object (body.root), &duration_s))
    goto out;

  emu_send_audio (emulator, msg, request, body.input, body.model,
      body.format, duration_s, 0);
out:
  emu_speech_body_clear (&body);
}
