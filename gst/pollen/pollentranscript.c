/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Transcription answers: verbose_json ({text, segments:[{start, end, text}],
 * words:[{word, start, end}]}, times in seconds from the start of the
 * upload), plain json ({text}) or text, turned into timed cues. Lenient,
 * since the answer's shape changes with the provider behind the server
 * (docs/api-notes.md): unknown members are ignored and members of the
 * wrong type count as missing. */

#include "pollentranscript.h"

#include <gst/tag/tag.h>
#include <libsoup/soup.h>
#include <string.h>

#include "pollenclient.h"
#include "pollenerror.h"
#include "pollenjson.h"

static void
cue_free (PollenTranscriptCue * cue)
{
  g_free (cue->text);
  g_free (cue);
}

void
pollen_transcript_free (PollenTranscript * transcript)
{
  if (!transcript)
    return;
  g_free (transcript->text);
  g_ptr_array_unref (transcript->cues);
  g_free (transcript->language);
  g_free (transcript);
}

/**
 * pollen_transcript_language_code:
 * @language: (nullable): a language as the API names it: ISO 639-1
 *   ("en"), ISO 639-2 ("eng") or BCP 47 ("en-US", "en_GB"), in any case
 *
 * Returns: (transfer full) (nullable): the code for a
 * #GST_TAG_LANGUAGE_CODE tag, ISO 639-1 where the language has one
 * ("en"), else ISO 639-2; %NULL for what names no language GStreamer
 * knows: "unknown" (what the server says when it detected none), "",
 * a language's name.
 */
gchar *
pollen_transcript_language_code (const gchar * language)
{
  g_autofree gchar *primary = NULL;
  const gchar *code;
  gsize len;

  if (!language)
    return NULL;
  len = strcspn (language, "-_");
  if (len == 0)
    return NULL;
  primary = g_ascii_strdown (language, len);
  code = gst_tag_get_language_code_iso_639_1 (primary);
  if (!code)
    code = gst_tag_get_language_code_iso_639_2T (primary);
  return g_strdup (code);
}

/* Seconds into a time within [0, @limit]; NaN and negatives are 0. */
static GstClockTime
seconds_to_time (gdouble seconds, GstClockTime limit)
{
  if (!(seconds > 0))
    return 0;
  if (seconds * GST_SECOND >= limit)
    return limit;
  return (GstClockTime) (seconds * GST_SECOND + 0.5);
}

static gdouble
member_seconds (JsonObject * object, const gchar * name)
{
  gdouble seconds = 0;

  pollen_json_get_number (object, name, &seconds);
  return seconds;
}

/* Adds a cue unless its text is empty; times clamped into the audio. */
static void
add_cue (PollenTranscript * t, GstClockTime duration, const gchar * text,
    gdouble start_s, gdouble end_s)
{
  g_autofree gchar *clean = NULL;
  PollenTranscriptCue *cue;

  if (!text)
    return;
  clean = g_strstrip (g_utf8_make_valid (text, -1));
  if (!*clean)
    return;
  cue = g_new0 (PollenTranscriptCue, 1);
  cue->start = seconds_to_time (start_s, duration);
  cue->end = MAX (cue->start, seconds_to_time (end_s, duration));
  cue->text = g_steal_pointer (&clean);
  g_ptr_array_add (t->cues, cue);
}

/* Cues from the objects of @array ({start, end, @text_member}). */
static guint
add_timed (PollenTranscript * t, GstClockTime duration, JsonArray * array,
    const gchar * text_member)
{
  guint i, before = t->cues->len;

  for (i = 0; array && i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);
    JsonObject *object;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      continue;
    object = json_node_get_object (node);
    add_cue (t, duration, pollen_json_get_string (object, text_member),
        member_seconds (object, "start"), member_seconds (object, "end"));
  }
  return t->cues->len - before;
}

/* Word cues from the top-level "words", else from each segment's. */
static guint
add_words (PollenTranscript * t, GstClockTime duration, JsonObject * root,
    JsonArray * segments)
{
  guint i;

  if (add_timed (t, duration, pollen_json_get_array (root, "words"),
          "word") > 0)
    return t->cues->len;
  for (i = 0; segments && i < json_array_get_length (segments); i++) {
    JsonNode *node = json_array_get_element (segments, i);

    if (JSON_NODE_HOLDS_OBJECT (node))
      add_timed (t, duration,
          pollen_json_get_array (json_node_get_object (node), "words"),
          "word");
  }
  return t->cues->len;
}

static gint
cue_compare (gconstpointer a, gconstpointer b)
{
  const PollenTranscriptCue *x = *(const PollenTranscriptCue **) a;
  const PollenTranscriptCue *y = *(const PollenTranscriptCue **) b;

  return x->start < y->start ? -1 : x->start > y->start;
}

static gboolean
looks_like_json (const gchar * body, gsize size, const gchar * content_type)
{
  gsize i;

  if (g_strcmp0 (content_type, "application/json") == 0)
    return TRUE;
  for (i = 0; i < size && g_ascii_isspace (body[i]); i++);
  return i < size && body[i] == '{';
}

/* A transcript in plain text comes as text/… (or unlabelled); an HTML page
 * (a proxy's error page answered with 200) or bytes labelled as media are
 * no transcript, and taking them as one would be a silent failure. */
static gboolean
looks_like_text (const gchar * body, gsize size, const gchar * content_type)
{
  gsize i;

  if (content_type && (!g_str_has_prefix (content_type, "text/") ||
          g_str_equal (content_type, "text/html")))
    return FALSE;
  for (i = 0; i < size && g_ascii_isspace (body[i]); i++);
  return i == size || body[i] != '<';
}

/* An error object where the transcription should be, as a proxy or the
 * gateway may send with a success status: the server's words. */
static gboolean
set_error_answer (JsonObject * root, const gchar * body, gsize size,
    guint status, GError ** error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autofree gchar *message = NULL;
  PollenApiError api = { NULL, };

  if (pollen_json_get_string (root, "text") ||
      (!pollen_json_get_object (root, "error") &&
          !pollen_json_get_string (root, "error")))
    return FALSE;
  bytes = g_bytes_new_static (body, size);
  pollen_api_error_parse (&api, bytes);
  message = g_strdup_printf ("the server answered %u %s with an error "
      "instead of a transcription%s%s%s: %s", status,
      soup_status_get_phrase (status), api.code ? " (" : "",
      api.code ? api.code : "", api.code ? ")" : "",
      api.message ? api.message : "no message");
  g_propagate_error (error,
      pollen_client_error_new (POLLEN_CLIENT_ERROR_BAD_RESPONSE, status,
          api.code, api.message, api.request_id, message));
  pollen_api_error_clear (&api);
  return TRUE;
}

/**
 * pollen_transcript_parse:
 * @body: (array length=size): the answer's body
 * @content_type: (nullable): its media type, without parameters
 * @status: the answer's HTTP status, for the error an error object makes
 * @duration: how long the transcribed audio is; cues are clamped into it
 * @words: one cue per word when the answer has word times
 *
 * Turns an answer into cues: its segments (or words), else — an answer
 * without times, plain json or text — one cue spanning the whole audio.
 *
 * Returns: (transfer full): the transcript, or %NULL with @error set
 * (%POLLEN_CLIENT_ERROR_BAD_RESPONSE) when a JSON answer is not an object
 * or is an error object without text, or an answer is neither JSON nor
 * text (an HTML page, media).
 */
PollenTranscript *
pollen_transcript_parse (const gchar * body, gsize size,
    const gchar * content_type, guint status, GstClockTime duration,
    gboolean words, GError ** error)
{
  g_autoptr (PollenTranscript) t = g_new0 (PollenTranscript, 1);
  g_autoptr (JsonNode) root_node = NULL;
  JsonObject *root;
  JsonArray *segments;
  const gchar *text;

  t->cues = g_ptr_array_new_with_free_func ((GDestroyNotify) cue_free);
  if (size == 0)                /* an empty GBytes may hold no pointer */
    body = "";
  if (!looks_like_json (body, size, content_type) &&
      !looks_like_text (body, size, content_type)) {
    g_autofree gchar *start = pollen_body_quote (body, size, 80);

    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
        "the transcription is neither JSON nor text (Content-Type %s): %s",
        content_type ? content_type : "none", start);
    return NULL;
  }
  if (!looks_like_json (body, size, content_type)) {
    t->text = g_strstrip (g_utf8_make_valid (body, size));
    add_cue (t, duration, t->text, 0, G_MAXDOUBLE);
    return g_steal_pointer (&t);
  }
  root_node = pollen_json_parse (body, size, error);
  if (!root_node)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root_node)) {
    g_autofree gchar *start = pollen_body_quote (body, size, 80);

    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
        "the transcription is not a JSON object: %s", start);
    return NULL;
  }
  root = json_node_get_object (root_node);
  if (set_error_answer (root, body, size, status, error))
    return NULL;
  text = pollen_json_get_string (root, "text");
  t->text = g_strstrip (g_utf8_make_valid (text ? text : "", -1));
  t->language = pollen_transcript_language_code (pollen_json_get_string (root,
          "language"));
  segments = pollen_json_get_array (root, "segments");

  if (!(words && add_words (t, duration, root, segments) > 0) &&
      add_timed (t, duration, segments, "text") == 0)
    add_cue (t, duration, t->text, 0, G_MAXDOUBLE);
  g_ptr_array_sort (t->cues, cue_compare);
  return g_steal_pointer (&t);
}
