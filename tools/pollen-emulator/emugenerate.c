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

#include <math.h>
#include <string.h>

/* The model's own name, without its publisher ("google/veo-3.1-fast" is
 * "veo-3.1-fast"). */
static const gchar *
emu_model_base (const gchar * model)
{
  const gchar *slash = strrchr (model, '/');

  return slash ? slash + 1 : model;
}

/* The video models of the server's registry (shared/registry/image.ts) and
 * their aliases. */
static gboolean
emu_model_is_video (const gchar * model)
{
  static const gchar *const prefixes[] = { "veo", "seedance", "wan",
    "grok-video", "grok-imagine-video", "happyhorse", "p-video",
    "pruna-video", "nova-reel", "amazon-nova-reel", "video", NULL
  };
  const gchar *base = emu_model_base (model);
  guint i;

  if (strstr (base, "image") || strstr (base, "img"))
    return FALSE;
  for (i = 0; prefixes[i]; i++) {
    if (g_str_has_prefix (base, prefixes[i]))
      return TRUE;
  }
  return FALSE;
}

/* The GPT Image models, the only ones that make a transparent
 * background. */
static gboolean
emu_model_is_gpt_image (const gchar * model)
{
  const gchar *base = emu_model_base (model);

  return g_str_has_prefix (base, "gptimage") ||
      g_str_has_prefix (base, "gpt-image");
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

/* ---- pictures and clips, made in a worker thread ---- */

typedef struct
{
  PollenEmulator *emulator;
  EmuHeld *held;
  PollenEmulatorRequest *request;
  gchar *model;
  gchar *prompt;
  gint64 seed;
  guint width;
  guint height;
  guint duration_s;             /* 0 for a picture */
  const gchar *format;          /* a picture's: "jpeg" or "png-alpha" */
} EmuGeneration;

static void
emu_generation_free (EmuGeneration * generation)
{
  pollen_emulator_request_unref (generation->request);
  g_free (generation->model);
  g_free (generation->prompt);
  g_free (generation);
}

static void
emu_generation_run (GTask * task, gpointer source, gpointer data,
    GCancellable * cancellable)
{
  EmuGeneration *job = data;
  GError *error = NULL;
  GBytes *body = job->duration_s ?
      emu_media_video (job->prompt, job->seed, job->width, job->height,
      job->duration_s, &error) :
      emu_media_image (job->prompt, job->seed, job->width, job->height,
      job->format, &error);

  if (body)
    g_task_return_pointer (task, body, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

/* The MIME type and file extension of what @job makes. */
static void
emu_generation_type (EmuGeneration * job, const gchar ** content_type,
    const gchar ** extension)
{
  if (job->duration_s) {
    *content_type = "video/mp4";
    *extension = "mp4";
  } else if (g_str_equal (job->format, "jpeg")) {
    *content_type = "image/jpeg";
    *extension = "jpeg";
  } else {
    *content_type = "image/png";
    *extension = "png";
  }
}

/* The answer, as the server's mediaHeaders() dresses it. */
static void
emu_generation_answer (EmuGeneration * job, SoupServerMessage * msg,
    GBytes * body, GError * error)
{
  const gchar *content_type, *extension;
  PollenEmulatorResponse *response;

  if (!body) {
    emu_send_error (job->emulator, msg, 500, "INTERNAL_ERROR",
        error->message);
    return;
  }
  emu_generation_type (job, &content_type, &extension);
  response = pollen_emulator_response_new (200, content_type, NULL, 0);
  response->body = g_bytes_ref (body);
  emu_add_media_headers (response, job->request, job->model, extension);
  emu_send (job->emulator, msg, response);
}

/* Back in the emulator thread: answers, unless the client went away. */
static void
emu_generation_done (GObject * source, GAsyncResult * result, gpointer data)
{
  EmuGeneration *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = g_task_propagate_pointer (G_TASK (result),
      &error);
  g_autoptr (SoupServerMessage) msg = emu_release (job->held);

  if (msg)
    emu_generation_answer (job, msg, body, error);
  emu_generation_free (job);
}

/* Makes the picture or clip @job describes off the emulator thread (a clip
 * takes seconds to encode), then answers @msg. Takes @job. */
static void
emu_generate (EmuGeneration * job, SoupServerMessage * msg)
{
  GTask *task = g_task_new (NULL, NULL, emu_generation_done, job);

  job->held = emu_hold (job->emulator, msg);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, emu_generation_run);
  g_object_unref (task);
}

/* ---- what the server makes ---- */

/* The clip's frame, as the server's calculateVideoResolution() picks it:
 * width and height, when both are given, choose landscape (wider than
 * square) or portrait; else aspectRatio 9:16 is portrait and anything
 * else landscape; 16:9 at the model's resolution (720p; 1080p for the
 * 1080p models or resolution=1080p; 480p for wan-fast or
 * resolution=480p). */
static void
emu_video_frame (PollenEmulatorRequest * request, const gchar * model,
    guint * width, guint * height)
{
  const gchar *w = pollen_emulator_request_get_query (request, "width");
  const gchar *h = pollen_emulator_request_get_query (request, "height");
  const gchar *ratio = pollen_emulator_request_get_query (request,
      "aspectRatio");
  const gchar *resolution = pollen_emulator_request_get_query (request,
      "resolution");
  const gchar *base = emu_model_base (model);
  gboolean portrait;
  guint lines = 720;

  if (!ratio)
    ratio = pollen_emulator_request_get_query (request, "aspect_ratio");
  if (w && h)
    portrait = g_ascii_strtoull (w, NULL, 10) <= g_ascii_strtoull (h, NULL,
        10);
  else
    portrait = g_strcmp0 (ratio, "9:16") == 0;
  if (strstr (base, "1080") || g_strcmp0 (resolution, "1080p") == 0)
    lines = 1080;
  else if (g_str_has_prefix (base, "wan-fast") || strstr (base, "2.2") ||
      g_strcmp0 (resolution, "480p") == 0)
    lines = 480;
  /* the long side, rounded to even for 4:2:0 */
  *width = (lines * 16 / 9 + 1) & ~1u;
  *height = lines;
  if (portrait) {
    *height = *width;
    *width = lines;
  }
}

/* GPT Image makes 1024x1024, 1536x1024 or 1024x1536, the nearest to the
 * asked aspect (a tie goes to the first); the others make what is asked. */
static void
emu_picture_frame (const gchar * model, guint * width, guint * height)
{
  static const guint sizes[][2] = { {1536, 1024}, {1024, 1536}, {1024, 1024} };
  gdouble ratio = (gdouble) *width / *height, best = G_MAXDOUBLE;
  guint i, pick = 0;

  if (!emu_model_is_gpt_image (model))
    return;
  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gdouble distance = fabs ((gdouble) sizes[i][0] / sizes[i][1] - ratio);

    if (distance < best) {
      best = distance;
      pick = i;
    }
  }
  *width = sizes[pick][0];
  *height = sizes[pick][1];
}

/* The server re-encodes every picture as a JPEG; GPT Image's transparent
 * background comes as the PNG it makes (see the emulator's README entry:
 * today's server turns even that into a JPEG). */
static const gchar *
emu_picture_format (PollenEmulatorRequest * request, const gchar * model)
{
  gboolean transparent = g_strcmp0 (pollen_emulator_request_get_query
      (request, "transparent"), "true") == 0;

  return transparent && emu_model_is_gpt_image (model) ? "png-alpha" : "jpeg";
}

void
emu_handle_image (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  const gchar *prompt = request->path + strlen ("/image/");
  const gchar *model = pollen_emulator_request_get_query (request, "model");
  EmuGeneration *job;
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

  job = g_new0 (EmuGeneration, 1);
  job->emulator = emulator;
  job->request = pollen_emulator_request_ref (request);
  job->model = g_strdup (model);
  job->prompt = g_strdup (prompt);
  job->seed = emu_query_seed (request);
  if (emu_model_is_video (model)) {
    job->duration_s = duration;
    emu_video_frame (request, model, &width, &height);
  } else {
    job->format = emu_picture_format (request, model);
    emu_picture_frame (model, &width, &height);
  }
  job->width = width;
  job->height = height;
  emu_generate (job, msg);
}

GBytes *
emu_audio_for_text (const gchar * text, const gchar * model, gint64 seed,
    guint duration_s, const gchar * format, const gchar ** content_type,
    gdouble * seconds, GError ** error)
{
  g_autoptr (GBytes) pcm = NULL;
  guint rate = emu_speech_rate_for_model (model);

  if (emu_model_is_music (model))
    pcm = emu_media_music_pcm (text, seed, duration_s, rate);
  else
    pcm = emu_media_speech_pcm (text, rate);
  *seconds = g_bytes_get_size (pcm) / 2.0 / rate;
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
