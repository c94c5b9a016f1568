/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Voices cleaned and changed, and speech with its timing, as the real
 * server answers them (gen.pollinations.ai/src/routes/audio.ts):
 *
 * POST /v1/audio/voice-isolator: a multipart form with the file `audio`
 * (at most 50 MiB: 413; an audio or video Content-Type: 400), model
 * eleven-voice-isolator or an alias. The provider refuses audio shorter
 * than 4.6 s with a 400 the server passes on, its body as the message (the
 * provider's words here are the emulator's). The answer is MP3 at
 * 44.1 kHz mono, streamed: the upload's first channel with every 10 ms
 * below -40 dBFS silenced (what "isolated" means here), where it was.
 *
 * POST /v1/audio/voice-changer: the same form with `voice` (a preset name
 * or an ID of 8 characters or more, default alloy) and `response_format`
 * (mp3 default, opus, aac, wav, pcm), model eleven-voice-changer or an
 * alias. The answer says "the same words in another voice": a tone over
 * each word of the upload (its runs of sound, as the transcription
 * emulator finds them), where the word was, at a pitch of 100–399 Hz
 * from the voice's name, 44.1 kHz mono; WAV whole with Content-Length (the
 * server buffers it to fix its header), the others streamed.
 *
 * POST /v1/audio/speech/with-timestamps: the speech JSON body; the
 * ElevenLabs models only, any format but flac; the answer is JSON
 * {audio_base64, alignment, normalized_alignment}: the emulator's speech
 * of the input, and for each character of it its start and end in
 * seconds (a word's letters share its tone evenly, blanks span the pause
 * between words).
 *
 * The uploads are read as 16-bit PCM WAV only (what the plugin sends). */

#include "emuserver.h"
#include "emumedia.h"

#include <string.h>

#define EMU_VOICE_MAX_UPLOAD (50 * 1024 * 1024)
#define EMU_VOICE_MIN_MS 4600
#define EMU_VOICE_RATE 44100    /* the provider's mp3_44100_128, wav_44100 */
#define EMU_VOICE_FRAME_MS 10
#define EMU_VOICE_WORD_GAP 5    /* frames of silence that end a word */
#define EMU_VOICE_CHUNK 16384
#define EMU_VOICE_CHUNK_MS 2
#define EMU_PROVIDER_HOST "api.elevenlabs.io"

/* A model of these endpoints: its name and aliases (shared/registry). */
typedef struct
{
  const gchar *name;
  const gchar *aliases[4];
} EmuVoiceModel;

static const EmuVoiceModel isolator_models[] = {
  {"eleven-voice-isolator", {"voice-isolator", "audio-cleanup",
              "elevenlabs/voice-isolator", NULL}},
};

static const EmuVoiceModel changer_models[] = {
  {"eleven-voice-changer", {"voice-changer", "speech-to-speech",
              "elevenlabs/eleven-multilingual-sts-v2", NULL}},
};

/* Named as the model lists name them; the lists resolve eleven-v3's
 * aliases, the others are listed here. */
static const EmuVoiceModel timestamp_models[] = {
  {"elevenlabs/eleven-v3", {NULL}},
  {"elevenlabs/eleven-flash-v2.5", {"elevenflash", "tts-flash",
              "eleven-flash", "flash"}},
  {"elevenlabs/eleven-multilingual-v2", {"eleven-multilingual-v2",
              "multilingual-v2", "eleven-v2", "tts-multilingual"}},
};

/* The server's presets (shared/registry/audio.ts VOICE_MAPPING). */
static const gchar *const preset_voices[] = {
  "alloy", "echo", "fable", "onyx", "nova", "shimmer", "ash", "ballad",
  "coral", "sage", "verse", "rachel", "domi", "bella", "elli", "charlotte",
  "dorothy", "sarah", "emily", "lily", "matilda", "adam", "antoni", "arnold",
  "josh", "sam", "daniel", "charlie", "james", "fin", "callum", "liam",
  "george", "brian", "bill", NULL
};

static const gchar *const changer_formats[] = {
  "mp3", "opus", "aac", "wav", "pcm", NULL
};

/* The canonical name of @name among @models, or NULL. The speech list's
 * aliases (tts-1 …) are known through emu_models_resolve_audio(). */
static const gchar *
emu_voice_model_find (const EmuVoiceModel * models, guint n,
    const gchar * name)
{
  g_autofree gchar *resolved = emu_models_resolve_audio (name);
  guint i, j;

  for (i = 0; i < n; i++) {
    if (g_str_equal (models[i].name, resolved))
      return models[i].name;
    for (j = 0; j < G_N_ELEMENTS (models[i].aliases) &&
        models[i].aliases[j]; j++)
      if (g_str_equal (models[i].aliases[j], name))
        return models[i].name;
  }
  return NULL;
}

/* ---- the upload ---- */

/* The form of a voice request with its model and its audio file, checked
 * in the server's order (the key, the model, the form, the file); answers
 * the error and returns NULL when it does not pass. */
static EmuForm *
emu_voice_form (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const EmuVoiceModel * model,
    const gchar * path)
{
  g_autoptr (EmuForm) form = NULL;
  const gchar *name;
  g_autofree gchar *message = NULL;

  if (!emu_check_key (emulator, msg, request))
    return NULL;
  form = emu_form_parse (request, NULL);
  name = form ? emu_form_get (form, "model") : NULL;
  if (name && *name && !emu_voice_model_find (model, 1, name)) {
    message = g_strdup_printf ("Model \"%s\" cannot be used on %s. Use %s.",
        name, path, model->name);
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
  } else if (!form) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "Invalid multipart form data");
  } else if (!form->file || g_strcmp0 (form->file_field, "audio") != 0) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "Missing required audio file.");
  } else {
    return g_steal_pointer (&form);
  }
  return NULL;
}

/* The provider's own checks of the file (@service's @what): its size, then
 * its type (one of @types); answers the error and returns FALSE when it
 * does not pass. */
static gboolean
emu_voice_check_file (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuForm * form, const gchar * service, const gchar * what,
    const gchar * const *types)
{
  g_autofree gchar *message = NULL;
  const gchar *type = form->file_type;
  guint i;

  if (g_bytes_get_size (form->file) > EMU_VOICE_MAX_UPLOAD) {
    message = g_strdup_printf ("%s %s must be 50 MB or smaller.", service,
        what);
    emu_send_error (emulator, msg, 413, "PAYLOAD_TOO_LARGE", message);
    return FALSE;
  }
  for (i = 0; type && types[i] && !g_str_has_prefix (type, types[i]); i++);
  if (!type || !*type || types[i])
    return TRUE;
  message = g_strdup_printf ("%s requires an %s file.", service,
      types[1] ? "audio or video" : "audio");
  emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
  return FALSE;
}

/* What the server answers when the provider refused the upload: its
 * status kept (400), its body as the message. */
static void
emu_voice_provider_refused (PollenEmulator * emulator,
    SoupServerMessage * msg, const gchar * status, const gchar * detail)
{
  g_autofree gchar *body = g_strdup_printf ("{\"detail\":{\"status\":\"%s\","
      "\"message\":\"%s\"}}", status, detail);
  JsonObject *details = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (details, "name", "UpstreamError");
  json_object_set_int_member (details, "upstreamStatus", 400);
  json_object_set_string_member (details, "upstreamHost", EMU_PROVIDER_HOST);
  json_object_set_string_member (details, "upstreamBody", body);
  json_node_take_object (node, details);
  emu_send_error_details (emulator, msg, 400, "BAD_REQUEST", body, node);
}

/* Whether each 10 ms of the upload's first channel has sound in it. */
static GArray *
emu_voice_frames (GBytes * wav, const EmuWavInfo * info)
{
  guint frame_len = MAX (info->rate * EMU_VOICE_FRAME_MS / 1000, 1);

  return emu_voiced_frames ((const guint8 *) g_bytes_get_data (wav, NULL) +
      info->data_offset, info, info->data_size / (info->channels * 2) /
      frame_len, frame_len);
}

/* The sample of the upload's first channel at @t seconds, linearly
 * between its neighbours. */
static gdouble
emu_voice_sample_at (const guint8 * data, const EmuWavInfo * info,
    gsize frames, gdouble t)
{
  gdouble pos = t * info->rate;
  gsize i = (gsize) pos;
  gdouble frac = pos - i;
  const guint8 *a, *b;

  if (i + 1 >= frames)
    return 0;
  a = data + i * info->channels * 2;
  b = a + info->channels * 2;
  return (1 - frac) * (gint16) (a[0] | (a[1] << 8)) +
      frac * (gint16) (b[0] | (b[1] << 8));
}

/* The upload's first channel at 44.1 kHz, silent where @voiced says
 * there is no sound. */
static GBytes *
emu_voice_isolate (GBytes * wav, const EmuWavInfo * info, GArray * voiced)
{
  const guint8 *data = (const guint8 *) g_bytes_get_data (wav, NULL) +
      info->data_offset;
  gsize frames = info->data_size / (info->channels * 2);
  gsize total = (guint64) frames * EMU_VOICE_RATE / info->rate;
  gint16 *out = g_new0 (gint16, MAX (total, 1));
  gsize i;

  for (i = 0; i < total; i++) {
    gsize frame = i * 1000 / EMU_VOICE_RATE / EMU_VOICE_FRAME_MS;

    if (frame < voiced->len && g_array_index (voiced, gboolean, frame))
      out[i] = GINT16_TO_LE ((gint16) emu_voice_sample_at (data, info,
              frames, (gdouble) i / EMU_VOICE_RATE));
  }
  return g_bytes_new_take (out, total * sizeof (gint16));
}

/* A tone at the voice's pitch over each word of the upload, where the
 * word was. */
static GBytes *
emu_voice_change (const EmuWavInfo * info, GArray * voiced,
    const gchar * voice)
{
  g_autoptr (GArray) runs = emu_find_runs (voiced, 0, voiced->len,
      EMU_VOICE_WORD_GAP);
  g_autoptr (GArray) spans = g_array_new (FALSE, FALSE,
      sizeof (EmuMediaSpan));
  gsize per_frame = EMU_VOICE_RATE * EMU_VOICE_FRAME_MS / 1000;
  gsize total = (guint64) info->data_size / (info->channels * 2) *
      EMU_VOICE_RATE / info->rate;
  guint i;

  for (i = 0; i < runs->len; i++) {
    EmuRun *run = &g_array_index (runs, EmuRun, i);
    EmuMediaSpan span = { run->start * per_frame, run->end * per_frame };

    g_array_append_val (spans, span);
  }
  return emu_media_tones_pcm ((const EmuMediaSpan *) spans->data, spans->len,
      100 + g_str_hash (voice) % 300, total, EMU_VOICE_RATE);
}

/* ---- the answer ---- */

/* @pcm (44.1 kHz mono) encoded as @format and sent as the server sends
 * it: WAV whole, the rest streamed. */
static void
emu_voice_send (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * model, GBytes * pcm,
    const gchar * format)
{
  const gchar *content_type = NULL;
  g_autoptr (GError) error = NULL;
  PollenEmulatorResponse *response;
  GBytes *body = emu_media_encode_audio (pcm, EMU_VOICE_RATE, format,
      &content_type, &error);

  if (!body) {
    emu_send_error (emulator, msg, 500, "INTERNAL_ERROR", error->message);
    return;
  }
  response = pollen_emulator_response_new (200, content_type, NULL, 0);
  response->body = body;
  emu_add_media_headers (response, request, model, format);
  if (!g_str_equal (format, "wav")) {
    response->chunk_size = EMU_VOICE_CHUNK;
    response->chunk_interval_ms = EMU_VOICE_CHUNK_MS;
  }
  emu_send (emulator, msg, response);
}

void
emu_handle_voice_isolator (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  static const gchar *const types[] = { "audio/", "video/", NULL };
  g_autoptr (EmuForm) form = NULL;
  g_autoptr (GArray) voiced = NULL;
  g_autoptr (GBytes) pcm = NULL;
  EmuWavInfo info;

  form = emu_voice_form (emulator, msg, request, isolator_models,
      "/v1/audio/voice-isolator");
  if (!form || !emu_voice_check_file (emulator, msg, form,
          "Voice Isolator", "input", types) ||
      !emu_check_wav (emulator, msg, "audio", form->file, &info))
    return;
  if (info.data_size / (info.channels * 2) * 1000 <
      (guint64) EMU_VOICE_MIN_MS * info.rate) {
    emu_voice_provider_refused (emulator, msg, "audio_too_short",
        "Audio must be at least 4.6 seconds long.");
    return;
  }
  voiced = emu_voice_frames (form->file, &info);
  pcm = emu_voice_isolate (form->file, &info, voiced);
  emu_voice_send (emulator, msg, request, isolator_models[0].name, pcm,
      "mp3");
}

/* The voice of @form, its default when none; answers 400 and returns NULL
 * when it is neither a preset nor an ID. */
static const gchar *
emu_voice_voice (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuForm * form)
{
  const gchar *voice = emu_form_get (form, "voice");
  g_autofree gchar *message = NULL;

  if (!voice || !*voice)
    return "alloy";
  if (g_strv_contains (preset_voices, voice) || strlen (voice) >= 8)
    return voice;
  message = g_strdup_printf ("Invalid voice: %s. Use a preset name or valid "
      "ElevenLabs voice ID.", voice);
  emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
  return NULL;
}

static const gchar *
emu_voice_format (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuForm * form)
{
  const gchar *format = emu_form_get (form, "response_format");

  if (!format || !*format)
    return "mp3";
  if (g_strv_contains (changer_formats, format))
    return format;
  emu_send_error (emulator, msg, 400, "BAD_REQUEST",
      "response_format must be mp3, opus, aac, wav, or pcm.");
  return NULL;
}

void
emu_handle_voice_changer (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  static const gchar *const types[] = { "audio/", NULL };
  g_autoptr (EmuForm) form = NULL;
  g_autoptr (GArray) voiced = NULL;
  g_autoptr (GBytes) pcm = NULL;
  const gchar *format, *voice;
  EmuWavInfo info;

  form = emu_voice_form (emulator, msg, request, changer_models,
      "/v1/audio/voice-changer");
  if (!form || !(format = emu_voice_format (emulator, msg, form)) ||
      !emu_voice_check_file (emulator, msg, form, "Voice Changer", "audio",
          types) || !(voice = emu_voice_voice (emulator, msg, form)) ||
      !emu_check_wav (emulator, msg, "audio", form->file, &info))
    return;
  voiced = emu_voice_frames (form->file, &info);
  pcm = emu_voice_change (&info, voiced, voice);
  emu_voice_send (emulator, msg, request, changer_models[0].name, pcm,
      format);
}

/* ---- speech with its timing ---- */

typedef struct
{
  JsonArray *characters;
  JsonArray *starts;
  JsonArray *ends;
} EmuAlignment;

static void
emu_alignment_add (EmuAlignment * a, const gchar * ch, gsize len,
    gsize start, gsize end)
{
  g_autofree gchar *character = g_strndup (ch, len);

  json_array_add_string_element (a->characters, character);
  /* the provider's 3 decimals */
  json_array_add_double_element (a->starts,
      (gdouble) ((start * 1000 + EMU_VOICE_RATE / 2) / EMU_VOICE_RATE) /
      1000);
  json_array_add_double_element (a->ends,
      (gdouble) ((end * 1000 + EMU_VOICE_RATE / 2) / EMU_VOICE_RATE) / 1000);
}

/* The span of the character at byte @at of @text: a letter's share of its
 * word's tone, a mark in a word the point after the letter before it,
 * a blank the pause between words. @prev is where the character before
 * ended. */
static EmuMediaSpan
emu_alignment_span (const gchar * text, gsize at, GArray * words,
    gsize total, gsize prev)
{
  EmuMediaSpan span = { prev, total };
  guint i;

  for (i = 0; i < words->len; i++) {
    EmuMediaWord *w = &g_array_index (words, EmuMediaWord, i);
    const gchar *p;
    gsize letters = 0, index = 0;

    if (at < w->text_start) {
      span.end = w->start;
      return span;
    }
    if (at >= w->text_end)
      continue;
    for (p = text + w->text_start; p < text + w->text_end;
        p = g_utf8_next_char (p)) {
      gboolean letter = g_unichar_isalnum (g_utf8_get_char (p));

      index += letter && p < text + at;
      letters += letter;
    }
    if (!g_unichar_isalnum (g_utf8_get_char (text + at))) {
      span.end = prev;
      return span;
    }
    span.start = w->start + (w->end - w->start) * index / letters;
    span.end = w->start + (w->end - w->start) * (index + 1) / letters;
    return span;
  }
  return span;
}

static JsonNode *
emu_alignment_new (const gchar * text)
{
  gsize total, prev = 0;
  g_autoptr (GArray) words = emu_media_speech_words (text, EMU_VOICE_RATE,
      &total);
  EmuAlignment a = { json_array_new (), json_array_new (), json_array_new () };
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  const gchar *p;

  for (p = text; *p; p = g_utf8_next_char (p)) {
    EmuMediaSpan span = emu_alignment_span (text, p - text, words, total,
        prev);

    emu_alignment_add (&a, p, g_utf8_next_char (p) - p, span.start,
        span.end);
    prev = span.end;
  }
  json_object_set_array_member (object, "characters", a.characters);
  json_object_set_array_member (object, "character_start_times_seconds",
      a.starts);
  json_object_set_array_member (object, "character_end_times_seconds",
      a.ends);
  json_node_take_object (node, object);
  return node;
}

/* {audio_base64, alignment, normalized_alignment} for @input; its audio
 * counted. */
static GBytes *
emu_timed_speech (PollenEmulator * emulator, const gchar * input,
    const gchar * model, const gchar * format, GError ** error)
{
  const gchar *content_type;
  gdouble seconds = 0;
  g_autoptr (GBytes) audio = emu_audio_for_text (input, model, 0, 0, format,
      &content_type, &seconds, error);
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  JsonObject *object;
  JsonNode *alignment;
  gchar *base64, *json;
  gsize size;

  if (!audio)
    return NULL;
  emu_count_audio (emulator, seconds);
  object = json_object_new ();
  base64 = g_base64_encode (g_bytes_get_data (audio, NULL),
      g_bytes_get_size (audio));
  json_object_set_string_member (object, "audio_base64", base64);
  g_free (base64);
  alignment = emu_alignment_new (input);
  json_object_set_member (object, "normalized_alignment",
      json_node_copy (alignment));
  json_object_set_member (object, "alignment", alignment);
  json_node_take_object (root, object);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, &size);
  return g_bytes_new_take (json, size);
}

void
emu_handle_speech_timestamps (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request)
{
  EmuSpeechBody body;
  const gchar *model;
  g_autoptr (GError) error = NULL;
  GBytes *json;
  PollenEmulatorResponse *response;

  if (!emu_check_key (emulator, msg, request))
    return;
  if (!emu_speech_body_read (emulator, msg, request, &body))
    goto out;
  model = emu_voice_model_find (timestamp_models,
      G_N_ELEMENTS (timestamp_models), json_object_has_member
      (json_node_get_object (body.root), "model") ? body.model :
      "elevenlabs/eleven-v3");
  if (!model) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", "Timestamped speech "
        "supports elevenlabs/eleven-v3, elevenlabs/eleven-flash-v2.5, and "
        "elevenlabs/eleven-multilingual-v2.");
  } else if (g_str_equal (body.format, "flac")) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", "Timestamped speech "
        "supports mp3, opus, aac, wav, and pcm output.");
  } else if (!(json = emu_timed_speech (emulator, body.input, model,
              body.format, &error))) {
    emu_send_error (emulator, msg, 500, "INTERNAL_ERROR", error->message);
  } else {
    response = pollen_emulator_response_new (200, "application/json", NULL,
        0);
    response->body = json;
    pollen_emulator_response_add_header (response, "x-model-used", model);
    pollen_emulator_response_add_header (response,
        "x-pollinations-response-format", "audio-with-timestamps");
    emu_send (emulator, msg, response);
  }
out:
  emu_speech_body_clear (&body);
}
