/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Speech with its timing: {audio_base64, alignment: {characters,
 * character_start_times_seconds, character_end_times_seconds}} (the
 * server passes ElevenLabs' answer on). Words are the runs of characters
 * between blanks, from the start of their first character to the end of
 * their last. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenalignment.h"
#include "pollenerror.h"
#include "pollenjson.h"

#include <math.h>

static void
pollen_timed_word_free (PollenTimedWord * word)
{
  g_free (word->text);
  g_free (word);
}

void
pollen_timed_speech_free (PollenTimedSpeech * speech)
{
  if (!speech)
    return;
  g_clear_pointer (&speech->audio, g_bytes_unref);
  g_clear_pointer (&speech->words, g_ptr_array_unref);
  g_free (speech);
}

static void
fail (GError ** error, const gchar * what)
{
  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "is not speech with its timing: %s", what);
}

/* Seconds as a time; NONE for what is no time. */
static GstClockTime
seconds_at (JsonArray * array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);
  gdouble s;

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_DOUBLE &&
          json_node_get_value_type (node) != G_TYPE_INT64))
    return GST_CLOCK_TIME_NONE;
  s = json_node_get_double (node);
  if (!isfinite (s) || s < 0 || s > 24 * 3600)
    return GST_CLOCK_TIME_NONE;
  return (GstClockTime) (s * GST_SECOND + 0.5);
}

static const gchar *
character_at (JsonArray * array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
is_blank (const gchar * character)
{
  return !*character || g_unichar_isspace (g_utf8_get_char_validated
      (character, -1));
}

/* Adds a character to the word being made (*@word, a new one when NULL),
 * or ends the word at a blank. */
static void
take_character (GPtrArray * words, PollenTimedWord ** word,
    const gchar * character, GstClockTime start, GstClockTime end)
{
  gchar *text;

  if (is_blank (character)) {
    *word = NULL;
    return;
  }
  if (!*word) {
    *word = g_new0 (PollenTimedWord, 1);
    (*word)->start = start;
    g_ptr_array_add (words, *word);
  }
  text = g_strconcat ((*word)->text ? (*word)->text : "", character, NULL);
  g_free ((*word)->text);
  (*word)->text = text;
  (*word)->end = MAX (end, (*word)->start);
}

/* The words of @alignment, or NULL with @error set. */
static GPtrArray *
words_from (JsonObject * alignment, GError ** error)
{
  JsonArray *characters = pollen_json_get_array (alignment, "characters");
  JsonArray *starts = pollen_json_get_array (alignment,
      "character_start_times_seconds");
  JsonArray *ends = pollen_json_get_array (alignment,
      "character_end_times_seconds");
  g_autoptr (GPtrArray) words =
      g_ptr_array_new_with_free_func ((GDestroyNotify) pollen_timed_word_free);
  PollenTimedWord *word = NULL;
  guint i, n;

  if (!characters || !starts || !ends) {
    fail (error, "its alignment lacks the characters or their times");
    return NULL;
  }
  n = json_array_get_length (characters);
  if (json_array_get_length (starts) != n || json_array_get_length (ends) != n) {
    fail (error, "its alignment has not as many times as characters");
    return NULL;
  }
  for (i = 0; i < n; i++) {
    const gchar *character = character_at (characters, i);
    GstClockTime start = seconds_at (starts, i), end = seconds_at (ends, i);

    if (!character || !g_utf8_validate (character, -1, NULL) ||
        !GST_CLOCK_TIME_IS_VALID (start) || !GST_CLOCK_TIME_IS_VALID (end)) {
      fail (error, "a character or a time of its alignment is none");
      return NULL;
    }
    take_character (words, &word, character, start, end);
  }
  return g_steal_pointer (&words);
}

/* The speech of audio_base64, or NULL with @error set. */
static GBytes *
audio_from (JsonObject * root, GError ** error)
{
  const gchar *base64 = pollen_json_get_string (root, "audio_base64");
  guchar *audio;
  gsize size = 0;

  if (!base64) {
    fail (error, "it has no audio_base64");
    return NULL;
  }
  audio = g_base64_decode (base64, &size);
  if (size == 0) {
    g_free (audio);
    fail (error, "its audio_base64 is empty");
    return NULL;
  }
  return g_bytes_new_take (audio, size);
}

static PollenTimedSpeech *
timed_speech_from (JsonNode * root, GError ** error)
{
  g_autoptr (PollenTimedSpeech) speech = g_new0 (PollenTimedSpeech, 1);
  JsonObject *alignment;

  if (!JSON_NODE_HOLDS_OBJECT (root)) {
    fail (error, "it is no JSON object");
    return NULL;
  }
  alignment = pollen_json_get_object (json_node_get_object (root),
      "alignment");
  if (!alignment) {
    fail (error, "it has no alignment");
    return NULL;
  }
  if (!(speech->audio = audio_from (json_node_get_object (root), error)) ||
      !(speech->words = words_from (alignment, error)))
    return NULL;
  return g_steal_pointer (&speech);
}

/**
 * pollen_timed_speech_parse:
 * @request_id: (nullable): the answer's, for the message
 *
 * Reads an answer of /v1/audio/speech/with-timestamps.
 *
 * Returns: (transfer full): the speech and its words, or %NULL with @error
 * set (%POLLEN_CLIENT_ERROR_BAD_RESPONSE) when the answer is not that.
 */
PollenTimedSpeech *
pollen_timed_speech_parse (const gchar * data, gsize size,
    const gchar * request_id, GError ** error)
{
  g_autoptr (JsonNode) root = pollen_json_parse (data, size, error);
  PollenTimedSpeech *speech = root ? timed_speech_from (root, error) : NULL;

  if (!speech && root)
    g_prefix_error (error, "the server's answer (request id %s) ",
        request_id ? request_id : "none");
  return speech;
}
