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

/* Whether the model of @entry makes video. */
gboolean
emu_model_is_video (JsonObject * entry)
{
  return g_strcmp0 (json_object_get_string_member (entry, "category"),
      "video") == 0;
}

/* The GPT Image models, the only ones that make a transparent
 * background. */
gboolean
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

/* In a worker thread. */
static GBytes *
emu_generation_make (gpointer data, GError ** error)
{
  EmuGeneration *job = data;

  if (job->duration_s)
    return emu_media_video (job->prompt, job->seed, job->width, job->height,
        job->duration_s, error);
  return emu_media_image (job->prompt, job->seed, job->width, job->height,
      job->format, error);
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
emu_generation_answer (gpointer data, SoupServerMessage * msg, GBytes * body,
    const GError * error)
{
  EmuGeneration *job = data;
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

/* Makes the picture or clip @job describes off the emulator thread (a clip
 * takes seconds to encode), then answers @msg. Takes @job. */
static void
emu_generate (EmuGeneration * job, SoupServerMessage * msg)
{
  emu_answer_later (job->emulator, msg, emu_generation_make,
      emu_generation_answer, job, (GDestroyNotify) emu_generation_free);
}

/* ---- what the server makes ---- */

/* The lines of a video resolution tier, or 0. */
static guint
emu_resolution_lines (const gchar * resolution)
{
  static const struct
  {
    const gchar *name;
    guint lines;
  } tiers[] = {
    {"360p", 360}, {"480p", 480}, {"720p", 720}, {"768p", 768},
    {"1080p", 1080}, {"2k", 1440}, {"4k", 2160},
  };
  guint i;

  for (i = 0; resolution && i < G_N_ELEMENTS (tiers); i++) {
    if (g_str_equal (resolution, tiers[i].name))
      return tiers[i].lines;
  }
  return 0;
}

/* The clip's lines: the resolution asked for, else the model's first
 * (its default), else 720p; 1080p for the 1080p aliases and 480p for the
 * 480p models, which name it. */
static guint
emu_video_lines (PollenEmulatorRequest * request, JsonObject * entry,
    const gchar * asked)
{
  guint lines = emu_resolution_lines (pollen_emulator_request_get_query
      (request, "resolution"));
  JsonArray *offered = json_object_has_member (entry, "resolutions") ?
      json_object_get_array_member (entry, "resolutions") : NULL;
  const gchar *base = emu_model_base (json_object_get_string_member (entry,
          "name"));

  if (lines)
    return lines;
  if (strstr (asked, "1080"))
    return 1080;
  if (offered && json_array_get_length (offered) > 0)
    return emu_resolution_lines (json_array_get_string_element (offered, 0));
  return strstr (base, "2.2") ? 480 : 720;
}

/* The clip's frame, as the server's calculateVideoResolution() picks it:
 * width and height only choose landscape (wider than square) or portrait;
 * without them aspectRatio 9:16 is portrait and anything else landscape;
 * 16:9 at the resolution tier (emu_video_lines()). */
static void
emu_video_frame (PollenEmulatorRequest * request, JsonObject * entry,
    const gchar * asked, guint * width, guint * height)
{
  const gchar *w = pollen_emulator_request_get_query (request, "width");
  const gchar *h = pollen_emulator_request_get_query (request, "height");
  const gchar *ratio = pollen_emulator_request_get_query (request,
      "aspectRatio");
  guint lines = emu_video_lines (request, entry, asked);
  gboolean portrait;

  if (w && h)
    portrait = g_ascii_strtoull (w, NULL, 10) <= g_ascii_strtoull (h, NULL,
        10);
  else
    portrait = g_strcmp0 (ratio, "9:16") == 0;
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
void
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

/* The route's check of duration (schemas/image.ts): an integer 1-120, and
 * above 30 only for nova-reel (by any of its names). */
static gboolean
emu_is_nova_reel (const gchar * asked)
{
  g_autoptr (JsonObject) model = emu_models_find (EMU_MODELS_IMAGE, asked);

  return model && strstr (json_object_get_string_member (model, "name"),
      "nova-reel");
}

static gboolean
emu_check_route_duration (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * asked, guint * duration)
{
  if (!emu_query_uint (emulator, msg, request, "duration", 1, 120, 0,
          duration))
    return FALSE;
  if (*duration <= 30 || emu_is_nova_reel (asked))
    return TRUE;
  emu_send (emulator, msg, emu_validation_error_new ("duration",
          "Duration above 30 seconds is only supported by nova-reel."));
  return FALSE;
}

/* What durations @entry lists, in words: "4, 6 or 8 seconds", "2 to 10
 * seconds", "6 to 120 seconds in steps of 6". */
static gchar *
emu_durations_text (JsonObject * entry)
{
  JsonArray *allowed = json_object_has_member (entry, "allowed_durations") ?
      json_object_get_array_member (entry, "allowed_durations") : NULL;
  gint64 min = emu_models_get_int (entry, "min_duration", 1);
  gint64 max = emu_models_get_int (entry, "max_duration", 120);
  gint64 step = emu_models_get_int (entry, "duration_step", 1);
  GString *text = g_string_new (NULL);
  guint i, n = allowed ? json_array_get_length (allowed) : 0;

  for (i = 0; i < n; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i == 0 ? "" :
        i + 1 == n ? " or " : ", ", json_array_get_int_element (allowed, i));
  if (!n)
    g_string_append_printf (text, "%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
        min, max);
  g_string_append (text, " seconds");
  if (!n && step > 1)
    g_string_append_printf (text, " in steps of %" G_GINT64_FORMAT, step);
  return g_string_free (text, FALSE);
}

static gboolean
emu_model_takes_duration (JsonObject * entry, gint64 duration)
{
  JsonArray *allowed = json_object_has_member (entry, "allowed_durations") ?
      json_object_get_array_member (entry, "allowed_durations") : NULL;
  gint64 min = emu_models_get_int (entry, "min_duration", 1);
  gint64 step = emu_models_get_int (entry, "duration_step", 1);
  guint i;

  for (i = 0; allowed && i < json_array_get_length (allowed); i++) {
    if (json_array_get_int_element (allowed, i) == duration)
      return TRUE;
  }
  return !allowed && duration >= min && (duration - min) % step == 0 &&
      duration <= emu_models_get_int (entry, "max_duration", 120);
}

/* A video model's own durations (min/max/allowed in its registry entry):
 * another is refused as a validation error of duration, before anything
 * is made or billed. The wording is the emulator's. 0 (none asked) is the
 * model's default. */
static gboolean
emu_video_duration (PollenEmulator * emulator, SoupServerMessage * msg,
    JsonObject * entry, guint * duration)
{
  g_autofree gchar *takes = NULL;
  g_autofree gchar *problem = NULL;

  if (*duration == 0)
    *duration = emu_models_get_int (entry, "default_duration", 4);
  if (emu_model_takes_duration (entry, *duration))
    return TRUE;
  takes = emu_durations_text (entry);
  problem = g_strdup_printf ("%s takes %s, not %u",
      json_object_get_string_member (entry, "name"), takes, *duration);
  emu_send (emulator, msg, emu_validation_error_new ("duration", problem));
  return FALSE;
}

/* The checks of a picture or clip request in the server's order: the key,
 * the route's validators, the model's resolution, then the model's own
 * limits. */
static gboolean
emu_check_image (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * asked, guint * width,
    guint * height, guint * duration, JsonObject ** entry)
{
  const gchar *prompt = request->path + strlen ("/image/");

  if (!emu_check_key (emulator, msg, request))
    return FALSE;
  if (!*prompt) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "prompt: String must contain at least 1 character(s)");
    return FALSE;
  }
  return emu_query_uint (emulator, msg, request, "width", 16, 4096, 1024,
      width) &&
      emu_query_uint (emulator, msg, request, "height", 16, 4096, 1024,
      height) &&
      emu_check_route_duration (emulator, msg, request, asked, duration) &&
      emu_models_check (emulator, msg, EMU_MODELS_IMAGE, asked, entry);
}

void
emu_handle_image (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  const gchar *asked = pollen_emulator_request_get_query (request, "model");
  g_autoptr (JsonObject) entry = NULL;
  EmuGeneration *job;
  guint width, height, duration = 0;

  if (!asked)
    asked = "zimage";
  if (!emu_check_image (emulator, msg, request, asked, &width, &height,
          &duration, &entry) ||
      (emu_model_is_video (entry) &&
          !emu_video_duration (emulator, msg, entry, &duration)) ||
      !emu_admit_model (emulator, msg, request, entry))
    return;

  if (!emu_model_is_video (entry))
    duration = 0;
  job = g_new0 (EmuGeneration, 1);
  job->emulator = emulator;
  job->request = pollen_emulator_request_ref (request);
  job->model = g_strdup (json_object_get_string_member (entry, "name"));
  job->prompt = g_strdup (request->path + strlen ("/image/"));
  job->seed = emu_query_seed (request);
  job->duration_s = duration;
  if (duration) {
    emu_video_frame (request, entry, asked, &width, &height);
  } else {
    job->format = emu_picture_format (request, job->model);
    emu_picture_frame (job->model, &width, &height);
  }
  job->width = width;
  job->height = height;
  emu_generate (job, msg);
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
  const gchar *voice = pollen_emulator_request_get_query (request, "voice");
  g_autoptr (JsonObject) entry = NULL;
  guint duration;

  if (!emu_check_key (emulator, msg, request))
    return;
  if (!*text) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "text: String must contain at least 1 character(s)");
    return;
  }
  if (!model)
    model = EMU_SPEECH_DEFAULT_MODEL;
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
          &duration) ||
      !emu_check_speech_model (emulator, msg, request, model,
          voice ? voice : "alloy", &entry))
    return;

  emu_send_audio (emulator, msg, request, text,
      json_object_get_string_member (entry, "name"), format, duration,
      emu_query_seed (request));
}
