/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Default handlers of the GET generation endpoints (the model lists are in
 * emumodels.c): placeholder media made deterministically from the prompt
 * and seed. */

#include "emuserver.h"
#include "emumedia.h"

#include <string.h>

static gboolean
emu_model_is_video (const gchar * model)
{
  return strstr (model, "veo") || strstr (model, "seedance") ||
      strstr (model, "video");
}

gboolean
emu_model_is_music (const gchar * model)
{
  return model && (strstr (model, "music") != NULL);
}

/* The real server answers 44.1 kHz for the ElevenLabs models, whatever
 * alias they are asked by (tts-1 is one), and 24 kHz for the others. */
guint
emu_speech_rate_for_model (const gchar * model)
{
  g_autofree gchar *resolved = emu_models_resolve_audio (model);

  return resolved && g_str_has_prefix (resolved, "eleven") ? 44100 : 24000;
}

/* Headers the real server sends with generated media. */
void
emu_add_media_headers (PollenEmulatorResponse * response,
    PollenEmulatorRequest * request, const gchar * model,
    const gchar * extension)
{
  g_autofree gchar *disposition =
      g_strdup_printf ("inline; filename=\"generated.%s\"", extension);

  pollen_emulator_response_add_header (response, "x-model-used", model);
  pollen_emulator_response_add_header (response, "X-Cache", "MISS");
  pollen_emulator_response_add_header (response, "Content-Disposition",
      disposition);
}

static void
emu_send_media (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * model,
    const gchar * content_type, const gchar * extension, GBytes * body,
    GError * error)
{
  PollenEmulatorResponse *response;

  if (!body) {
    emu_send_error (emulator, msg, 500, "INTERNAL_ERROR", error->message);
    g_error_free (error);
    return;
  }
  response = pollen_emulator_response_new (200, content_type, NULL, 0);
  response->body = body;
  emu_add_media_headers (response, request, model, extension);
  emu_send (emulator, msg, response);
}

/* 16:9 or 9:16 at the emulator's small video size. */
static void
emu_video_size (PollenEmulatorRequest * request, guint * width,
    guint * height)
{
  const gchar *ratio = pollen_emulator_request_get_query (request,
      "aspectRatio");

  if (!ratio)
    ratio = pollen_emulator_request_get_query (request, "aspect_ratio");
  *width = 640;
  *height = 360;
  if (g_strcmp0 (ratio, "9:16") == 0) {
    *width = 360;
    *height = 640;
  }
}

void
emu_handle_image (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  const gchar *prompt = request->path + strlen ("/image/");
  const gchar *model = pollen_emulator_request_get_query (request, "model");
  gint64 seed = emu_query_seed (request);
  GError *error = NULL;
  GBytes *body;
  guint width, height, duration;

  if (!emu_check_key (emulator, msg, request))
    return;
  if (!*prompt) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "prompt: String must contain at least 1 character(s)");
    return;
  }
  if (!model)
    model = "zimage";
  if (!emu_query_uint (emulator, msg, request, "width", 16, 4096, 1024,
          &width) ||
      !emu_query_uint (emulator, msg, request, "height", 16, 4096, 1024,
          &height) ||
      !emu_query_uint (emulator, msg, request, "duration", 1, 10, 4,
          &duration))
    return;

  if (emu_model_is_video (model)) {
    emu_video_size (request, &width, &height);
    body = emu_media_video (prompt, seed, width, height, duration, &error);
    emu_send_media (emulator, msg, request, model, "video/mp4", "mp4", body,
        error);
  } else if (g_strcmp0 (pollen_emulator_request_get_query (request,
              "transparent"), "true") == 0) {
    body = emu_media_image (prompt, seed, width, height, "png", &error);
    emu_send_media (emulator, msg, request, model, "image/png", "png", body,
        error);
  } else {
    body = emu_media_image (prompt, seed, width, height, "jpeg", &error);
    emu_send_media (emulator, msg, request, model, "image/jpeg", "jpg", body,
        error);
  }
}

GBytes *
emu_audio_for_text (const gchar * text, const gchar * model, gint64 seed,
    guint duration_s, const gchar * format, const gchar ** content_type,
    GError ** error)
{
  g_autoptr (GBytes) pcm = NULL;
  guint rate = emu_speech_rate_for_model (model);

  if (emu_model_is_music (model))
    pcm = emu_media_music_pcm (text, seed, duration_s, rate);
  else
    pcm = emu_media_speech_pcm (text, rate);
  return emu_media_encode_audio (pcm, rate, format, content_type, error);
}

static const gchar *const audio_formats[] = {
  "mp3", "opus", "aac", "flac", "wav", "pcm", NULL
};

void
emu_handle_audio (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  const gchar *text = request->path + strlen ("/audio/");
  const gchar *model = pollen_emulator_request_get_query (request, "model");
  const gchar *format = pollen_emulator_request_get_query (request,
      "response_format");
  guint duration;

  if (!emu_check_key (emulator, msg, request))
    return;
  if (!*text) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "text: String must contain at least 1 character(s)");
    return;
  }
  if (!model)
    model = "elevenlabs";
  if (!format)
    format = "mp3";
  if (!g_strv_contains (audio_formats, format)) {
    g_autofree gchar *message = g_strdup_printf ("response_format: Invalid "
        "enum value. Expected 'mp3' | 'opus' | 'aac' | 'flac' | 'wav' | "
        "'pcm', received '%s'", format);

    emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
    return;
  }
  if (!emu_query_uint (emulator, msg, request, "duration", 3, 300, 10,
          &duration))
    return;

  emu_send_audio (emulator, msg, request, text, model, format, duration,
      emu_query_seed (request));
}
