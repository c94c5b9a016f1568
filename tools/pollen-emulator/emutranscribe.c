/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* POST /v1/audio/transcriptions: checks the multipart form like the real
 * server (a file, the fields, response_format per model), decodes the WAV
 * and answers a placeholder transcript.
 *
 * There is no recognizer: the audio is split by its own energy into speech
 * runs (one segment per run, one word per burst inside it) and every text
 * says that it is a placeholder. So the times are real — inside the
 * uploaded duration, where the sound is — and the words are not. */

#include "emuserver.h"
#include "emuwav.h"

#include <math.h>
#include <string.h>

#define EMU_FRAME_MS 10
#define EMU_VOICE_DB -40.0      /* RMS over a frame above which it is sound */
#define EMU_SEGMENT_GAP_MS 250  /* a pause this long ends a segment */
#define EMU_WORD_GAP_MS 50      /* a pause this long ends a word */
#define EMU_MIN_RUN_MS 30       /* shorter sounds are clicks */

typedef struct
{
  const gchar *name;
  const gchar *alias;
  const gchar *const *formats;
  gboolean one_segment;         /* providers without segments */
} EmuSttModel;

static const gchar *const whisper_formats[] = {
  "json", "text", "verbose_json", NULL
};

static const gchar *const plain_formats[] = { "json", "text", NULL };

static const gchar *const json_formats[] = { "json", NULL };

static const EmuSttModel stt_models[] = {
  {"whisper-large-v3", "openai/whisper-large-v3", whisper_formats, FALSE},
  {"whisper-1", "openai/whisper-1", whisper_formats, FALSE},
  {"scribe", "elevenlabs/scribe", whisper_formats, TRUE},
  /* like OpenAI's gpt-4o transcribers: no times at all */
  {"gpt-4o-mini-transcribe", "openai/gpt-4o-mini-transcribe", plain_formats,
      FALSE},
  /* json only (routes/transcription-response.ts) */
  {"gpt-transcribe", "openai/gpt-transcribe", json_formats, TRUE},
};

/* ---- the form ---- */

void
emu_form_free (EmuForm * form)
{
  if (!form)
    return;
  g_hash_table_unref (form->fields);
  g_clear_pointer (&form->file, g_bytes_unref);
  g_free (form->file_field);
  g_free (form->file_name);
  g_free (form->file_type);
  g_free (form);
}

static void
emu_form_add_field (EmuForm * form, const gchar * name, GBytes * body)
{
  gsize size;
  const gchar *data = g_bytes_get_data (body, &size);
  const gchar *old = g_hash_table_lookup (form->fields, name);
  gchar *value = g_strndup (data, size);

  /* a repeated name (timestamp_granularities[]) keeps every value */
  if (old) {
    gchar *both = g_strconcat (old, ",", value, NULL);

    g_free (value);
    value = both;
  }
  g_hash_table_insert (form->fields, g_strdup (name), value);
}

/**
 * emu_form_parse:
 *
 * Reads a multipart/form-data body with libsoup. Fields go into
 * @fields (name → value); the part with a filename is the file.
 *
 * Returns: (transfer full): the form, or %NULL with @error set when the body
 * is not multipart/form-data.
 */
EmuForm *
emu_form_parse (PollenEmulatorRequest * request, GError ** error)
{
  const gchar *content_type = pollen_emulator_request_get_header (request,
      "Content-Type");
  SoupMessageHeaders *headers;
  SoupMultipart *multipart;
  EmuForm *form;
  gint i;

  if (!content_type || !g_str_has_prefix (content_type,
          "multipart/form-data")) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Content-Type must be multipart/form-data, got %s",
        content_type ? content_type : "none");
    return NULL;
  }
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_replace (headers, "Content-Type", content_type);
  multipart = soup_multipart_new_from_message (headers, request->body);
  soup_message_headers_unref (headers);
  if (!multipart) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "the multipart/form-data body could not be parsed");
    return NULL;
  }

  form = g_new0 (EmuForm, 1);
  form->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  for (i = 0; i < soup_multipart_get_length (multipart); i++) {
    SoupMessageHeaders *part_headers;
    GBytes *body;
    GHashTable *params = NULL;
    const gchar *name, *filename;

    if (!soup_multipart_get_part (multipart, i, &part_headers, &body) ||
        !soup_message_headers_get_content_disposition (part_headers, NULL,
            &params))
      continue;
    name = g_hash_table_lookup (params, "name");
    filename = g_hash_table_lookup (params, "filename");
    if (name && filename && !form->file) {
      form->file_field = g_strdup (name);
      form->file_name = g_strdup (filename);
      form->file_type = g_strdup (soup_message_headers_get_content_type
          (part_headers, NULL));
      form->file = g_bytes_ref (body);
    } else if (name) {
      emu_form_add_field (form, name, body);
    }
    g_hash_table_destroy (params);
  }
  soup_multipart_free (multipart);
  return form;
}

const gchar *
emu_form_get (EmuForm * form, const gchar * name)
{
  return g_hash_table_lookup (form->fields, name);
}

/* ---- the audio ---- */

/* Whether each 10 ms frame of the first channel has sound in it. */
GArray *
emu_voiced_frames (const guint8 * data, const EmuWavInfo * info,
    gsize frames_total, guint frame_len)
{
  GArray *voiced = g_array_sized_new (FALSE, TRUE, sizeof (gboolean),
      frames_total);
  gdouble threshold = 32768.0 * pow (10.0, EMU_VOICE_DB / 20.0);
  gsize f, i;

  threshold *= threshold;
  for (f = 0; f < frames_total; f++) {
    gdouble energy = 0;
    gboolean is_voiced;

    for (i = 0; i < frame_len; i++) {
      const guint8 *p = data + ((f * frame_len + i) * info->channels) * 2;
      gdouble s = (gint16) (p[0] | (p[1] << 8));

      energy += s * s;
    }
    is_voiced = energy / frame_len > threshold;
    g_array_append_val (voiced, is_voiced);
  }
  return voiced;
}

/* Runs of sound in @voiced[@from, @to) that are separated by at least
 * @gap silent frames; runs shorter than EMU_MIN_RUN_MS are dropped. */
GArray *
emu_find_runs (GArray * voiced, gsize from, gsize to, gsize gap)
{
  GArray *runs = g_array_new (FALSE, FALSE, sizeof (EmuRun));
  gsize min_run = EMU_MIN_RUN_MS / EMU_FRAME_MS;
  gsize f, silent = 0;
  EmuRun run = { 0, 0 };
  gboolean open = FALSE;

  for (f = from; f < to; f++) {
    if (g_array_index (voiced, gboolean, f)) {
      if (!open) {
        run.start = f;
        open = TRUE;
      }
      run.end = f + 1;
      silent = 0;
    } else if (open && ++silent >= gap) {
      if (run.end - run.start >= min_run)
        g_array_append_val (runs, run);
      open = FALSE;
    }
  }
  if (open && run.end - run.start >= min_run)
    g_array_append_val (runs, run);
  return runs;
}

/* ---- the answer ---- */

static gdouble
emu_seconds (gsize frames)
{
  return round (frames * EMU_FRAME_MS / 10.0) / 100.0;
}

static void
emu_add_timed (JsonBuilder * builder, const gchar * key, const gchar * text,
    gdouble start, gdouble end)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, key);
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "start");
  json_builder_add_double_value (builder, start);
  json_builder_set_member_name (builder, "end");
  json_builder_add_double_value (builder, end);
  json_builder_end_object (builder);
}

typedef struct
{
  GString *text;
  JsonBuilder *words;
  JsonBuilder *segments;
  guint word_count;
  guint segment_count;
} EmuTranscript;

static void
emu_transcript_add_segment (EmuTranscript * t, GArray * voiced,
    const EmuRun * run)
{
  g_autoptr (GArray) words = emu_find_runs (voiced, run->start, run->end,
      EMU_WORD_GAP_MS / EMU_FRAME_MS);
  g_autoptr (GString) text = g_string_new (NULL);
  gdouble start = emu_seconds (run->start), end = emu_seconds (run->end);
  guint i;

  t->segment_count++;
  g_string_printf (text, "Placeholder transcript, segment %u:",
      t->segment_count);
  for (i = 0; i < words->len; i++) {
    EmuRun *w = &g_array_index (words, EmuRun, i);
    g_autofree gchar *word = g_strdup_printf ("word%u", ++t->word_count);

    g_string_append_printf (text, " %s", word);
    emu_add_timed (t->words, "word", word, emu_seconds (w->start),
        emu_seconds (w->end));
  }
  g_string_append (text, " (the emulator has no recognizer).");

  json_builder_begin_object (t->segments);
  json_builder_set_member_name (t->segments, "id");
  json_builder_add_int_value (t->segments, t->segment_count - 1);
  json_builder_set_member_name (t->segments, "seek");
  json_builder_add_int_value (t->segments, 0);
  json_builder_set_member_name (t->segments, "start");
  json_builder_add_double_value (t->segments, start);
  json_builder_set_member_name (t->segments, "end");
  json_builder_add_double_value (t->segments, end);
  json_builder_set_member_name (t->segments, "text");
  json_builder_add_string_value (t->segments, text->str);
  json_builder_set_member_name (t->segments, "no_speech_prob");
  json_builder_add_double_value (t->segments, 0.0);
  json_builder_end_object (t->segments);

  if (t->text->len)
    g_string_append_c (t->text, ' ');
  g_string_append (t->text, text->str);
}

static JsonNode *
emu_builder_steal (JsonBuilder * builder)
{
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

/* The verbose_json shape the real server answers: with @one_segment, a provider
 * that gives no segments: one segment over the whole file. */
static JsonNode *
emu_transcribe (GArray * voiced, gdouble duration, const gchar * language,
    gboolean one_segment)
{
  g_autoptr (GArray) runs = emu_find_runs (voiced, 0, voiced->len,
      EMU_SEGMENT_GAP_MS / EMU_FRAME_MS);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  EmuTranscript t = { g_string_new (NULL), json_builder_new (),
    json_builder_new (), 0, 0
  };
  JsonNode *words, *segments;
  guint i;

  json_builder_begin_array (t.words);
  json_builder_begin_array (t.segments);
  for (i = 0; i < runs->len; i++)
    emu_transcript_add_segment (&t, voiced, &g_array_index (runs, EmuRun, i));
  words = emu_builder_steal (t.words);
  segments = emu_builder_steal (t.segments);
  if (one_segment) {
    g_autoptr (JsonBuilder) whole = json_builder_new ();

    json_node_unref (segments);
    json_builder_begin_array (whole);
    if (t.text->len)
      emu_add_timed (whole, "text", t.text->str, 0, duration);
    segments = emu_builder_steal (whole);
  }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, t.text->str);
  json_builder_set_member_name (builder, "task");
  json_builder_add_string_value (builder, "transcribe");
  json_builder_set_member_name (builder, "language");
  /* no detector here: what the client named, else "unknown" as the
   * server says when detection fails */
  json_builder_add_string_value (builder, language ? language : "unknown");
  json_builder_set_member_name (builder, "duration");
  json_builder_add_double_value (builder, duration);
  json_builder_set_member_name (builder, "words");
  json_builder_add_value (builder, words);
  json_builder_set_member_name (builder, "segments");
  json_builder_add_value (builder, segments);
  json_builder_set_member_name (builder, "usage");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "duration");
  json_builder_set_member_name (builder, "seconds");
  json_builder_add_double_value (builder, duration);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  g_string_free (t.text, TRUE);
  g_object_unref (t.words);
  g_object_unref (t.segments);
  return json_builder_get_root (builder);
}

static GBytes *
emu_node_to_bytes (JsonNode * node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  gsize size;
  gchar *data;

  json_generator_set_root (generator, node);
  data = json_generator_to_data (generator, &size);
  return g_bytes_new_take (data, size);
}

/* The body for @format from the verbose_json @verbose. */
static GBytes *
emu_format_answer (JsonNode * verbose, const gchar * format,
    const gchar ** content_type)
{
  JsonObject *root = json_node_get_object (verbose);
  const gchar *text = json_object_get_string_member (root, "text");

  if (g_str_equal (format, "text")) {
    *content_type = "text/plain; charset=utf-8";
    return g_bytes_new (text, strlen (text));
  }
  *content_type = "application/json";
  if (g_str_equal (format, "verbose_json"))
    return emu_node_to_bytes (verbose);
  {
    /* json: the text and the usage, as today's server answers it */
    g_autoptr (JsonNode) json = json_node_new (JSON_NODE_OBJECT);
    JsonObject *object = json_object_new ();

    json_object_set_string_member (object, "text", text);
    json_object_set_member (object, "usage",
        json_node_copy (json_object_get_member (root, "usage")));
    json_node_take_object (json, object);
    return emu_node_to_bytes (json);
  }
}

/* ---- checking the request ---- */

static const EmuSttModel *
emu_stt_model_find (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (stt_models); i++)
    if (g_str_equal (name, stt_models[i].name) ||
        g_str_equal (name, stt_models[i].alias))
      return &stt_models[i];
  return NULL;
}

static gboolean
emu_check_fields (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuForm * form, const EmuSttModel ** model, const gchar ** format)
{
  const gchar *model_name = emu_form_get (form, "model");
  const gchar *temperature = emu_form_get (form, "temperature");
  g_autofree gchar *message = NULL;

  if (!model_name)
    model_name = "whisper-large-v3";
  *model = emu_stt_model_find (model_name);
  *format = emu_form_get (form, "response_format");
  if (!*format)
    *format = "json";

  if (!form->file) {
    message = g_strdup ("file: Required (a multipart part with a filename)");
  } else if (!*model) {
    message = g_strdup_printf ("Model '%s' is not a transcription model. "
        "Available: whisper-large-v3, whisper-1, scribe, "
        "gpt-4o-mini-transcribe, gpt-transcribe", model_name);
  } else if (!g_strv_contains ((*model)->formats, *format)) {
    g_autofree gchar *supported = g_strjoinv (", ",
        (gchar **) (*model)->formats);

    /* the real server's wording (transcription-response.ts) */
    message = g_strdup_printf ("Unsupported response_format for %s: %s. "
        "Supported: %s", (*model)->name, *format, supported);
  } else if (temperature) {
    gchar *end = NULL;
    gdouble t = g_ascii_strtod (temperature, &end);

    if (end == temperature || *end || t < 0 || t > 1)
      message = g_strdup_printf ("temperature: Expected a number between 0 "
          "and 1, received '%s'", temperature);
  }
  if (message) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
    return FALSE;
  }
  return TRUE;
}

/* Checks that the file of the form field @field is a WAV with 16-bit PCM
 * that holds all the data its header announces; answers 400 when not. */
gboolean
emu_check_wav (PollenEmulator * emulator, SoupServerMessage * msg,
    const gchar * field, GBytes * file, EmuWavInfo * info)
{
  gsize size = g_bytes_get_size (file);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *message = NULL;

  if (!emu_wav_read (file, info, &error))
    message = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) ?
        g_strdup_printf ("%s: %s", field, error->message) :
        g_strdup_printf ("%s: could not decode the audio: %s (the "
        "emulator reads 16-bit PCM WAV only)", field, error->message);
  else if (info->format != EMU_WAV_FORMAT_PCM || info->bits != 16)
    message = g_strdup_printf ("%s: the emulator reads 16-bit PCM WAV "
        "only, got format %u with %u bits", field, info->format, info->bits);
  else if (info->data_offset + info->data_size > size)
    message = g_strdup_printf ("%s: the WAV data chunk announces %"
        G_GUINT64_FORMAT " bytes but %" G_GSIZE_FORMAT " are present", field,
        info->data_size, size - info->data_offset);
  if (message) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
    return FALSE;
  }
  return TRUE;
}

static void
emu_send_transcript (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const EmuSttModel * model,
    GBytes * body, const gchar * content_type)
{
  PollenEmulatorResponse *response =
      pollen_emulator_response_new (200, content_type, NULL, 0);

  response->body = body;
  pollen_emulator_response_add_header (response, "x-model-used", model->name);
  emu_send (emulator, msg, response);
}

void
emu_handle_transcriptions (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_autoptr (GError) error = NULL;
  EmuForm *form;
  const EmuSttModel *model;
  const gchar *format, *content_type = NULL;
  EmuWavInfo info;
  g_autoptr (GArray) voiced = NULL;
  g_autoptr (JsonNode) verbose = NULL;
  GBytes *body;
  gsize frames, frame_len;

  if (!emu_check_key (emulator, msg, request))
    return;
  form = emu_form_parse (request, &error);
  if (!form) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST", error->message);
    return;
  }
  if (!emu_check_fields (emulator, msg, form, &model, &format) ||
      !emu_check_wav (emulator, msg, "file", form->file, &info)) {
    emu_form_free (form);
    return;
  }

  frame_len = MAX (info.rate * EMU_FRAME_MS / 1000, 1);
  frames = info.data_size / (info.channels * 2) / frame_len;
  voiced = emu_voiced_frames ((const guint8 *) g_bytes_get_data (form->file,
          NULL) + info.data_offset, &info, frames, frame_len);
  verbose = emu_transcribe (voiced,
      (gdouble) (info.data_size / (info.channels * 2)) / info.rate,
      emu_form_get (form, "language"), model->one_segment);
  body = emu_format_answer (verbose, format, &content_type);
  emu_send_transcript (emulator, msg, request, model, body, content_type);
  emu_form_free (form);
}
