/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Text that arrives in text/x-raw buffers, made fit to send: bytes made
 * valid UTF-8, pango markup (what subparse outputs) reduced to its text,
 * whitespace collapsed, and long text split at sentence ends so that no
 * piece is over the API's input limit. */

#include "pollentext.h"

#include <string.h>

/**
 * pollen_text_from_bytes:
 * @repaired: (out) (optional): set to %TRUE when @data was not valid UTF-8
 *
 * Returns: (transfer full): @data as UTF-8, with invalid sequences and NUL
 * bytes replaced by U+FFFD; NUL bytes at the end (C strings in a buffer)
 * are dropped.
 */
gchar *
pollen_text_from_bytes (const guint8 * data, gsize size, gboolean * repaired)
{
  const gchar *text = (const gchar *) data;
  gboolean valid;

  if (repaired)
    *repaired = FALSE;
  if (!data || size == 0)       /* an empty buffer maps to NULL */
    return g_strdup ("");
  while (size > 0 && text[size - 1] == '\0')
    size--;
  /* g_utf8_validate_len() stops at a NUL: a NUL inside counts as invalid */
  valid = g_utf8_validate_len (text, size, NULL);
  if (repaired)
    *repaired = !valid;
  if (valid)
    return g_strndup (text, size);
  return g_utf8_make_valid (text, size);
}

static const struct
{
  const gchar *name;
  gunichar ch;
} named_entities[] = {
  {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
  {"nbsp", 0xA0},
};

/* Decodes the entity at @p ("&amp;", "&#233;", "&#xE9;"). Returns the
 * number of bytes it takes, or 0 when @p does not start one. */
static gsize
decode_entity (const gchar * p, gunichar * ch)
{
  const gchar *semicolon = strchr (p, ';');
  gsize len;
  guint i;

  if (!semicolon || semicolon - p > 10)
    return 0;
  len = semicolon - p + 1;

  if (p[1] == '#') {
    gboolean hex = p[2] == 'x' || p[2] == 'X';
    const gchar *digits = p + (hex ? 3 : 2);
    gchar *end = NULL;
    guint64 value = g_ascii_strtoull (digits, &end, hex ? 16 : 10);

    if (end != semicolon || end == digits || value == 0 || value > 0x10FFFF ||
        (value >= 0xD800 && value <= 0xDFFF))
      return 0;
    *ch = value;
    return len;
  }
  for (i = 0; i < G_N_ELEMENTS (named_entities); i++) {
    gsize name_len = strlen (named_entities[i].name);

    if (name_len == len - 2 && strncmp (p + 1, named_entities[i].name,
            name_len) == 0) {
      *ch = named_entities[i].ch;
      return len;
    }
  }
  return 0;
}

/* The length of the tag at @p ("<i>", "</span>", "<br/>"), or 0 when the
 * '<' does not open one (a lone "a < b" stays text). */
static gsize
tag_length (const gchar * p)
{
  const gchar *close;

  if (!(g_ascii_isalpha (p[1]) || (p[1] == '/' && g_ascii_isalpha (p[2]))))
    return 0;
  close = strchr (p, '>');
  return close ? (gsize) (close - p + 1) : 0;
}

/**
 * pollen_text_strip_markup:
 * @markup: pango markup, valid UTF-8
 *
 * Returns: (transfer full): the text of @markup without its tags, entities
 * decoded. It is lenient: what does not parse as a tag or an entity is
 * kept as it is.
 */
gchar *
pollen_text_strip_markup (const gchar * markup)
{
  GString *text = g_string_sized_new (strlen (markup));
  const gchar *p = markup;

  while (*p) {
    gunichar ch;
    gsize len;

    if (*p == '<' && (len = tag_length (p)) > 0) {
      /* a tag may style part of a word ("<b>un</b>done"); only a line
       * break separates words */
      if (g_ascii_strncasecmp (p, "<br", 3) == 0)
        g_string_append_c (text, ' ');
      p += len;
    } else if (*p == '&' && (len = decode_entity (p, &ch)) > 0) {
      g_string_append_unichar (text, ch);
      p += len;
    } else {
      g_string_append_c (text, *p);
      p++;
    }
  }
  return g_string_free (text, FALSE);
}

/**
 * pollen_text_normalize_space:
 *
 * Returns: (transfer full): @text with every run of whitespace or control
 * characters turned into one space, and none at either end. Subtitle line
 * breaks are layout, not pauses.
 */
gchar *
pollen_text_normalize_space (const gchar * text)
{
  GString *out = g_string_sized_new (strlen (text));
  gboolean pending_space = FALSE;
  const gchar *p;

  for (p = text; *p; p = g_utf8_next_char (p)) {
    gunichar ch = g_utf8_get_char (p);

    if (g_unichar_isspace (ch) || g_unichar_iscntrl (ch) || ch == 0xA0) {
      pending_space = out->len > 0;
      continue;
    }
    if (pending_space)
      g_string_append_c (out, ' ');
    pending_space = FALSE;
    g_string_append_unichar (out, ch);
  }
  return g_string_free (out, FALSE);
}

/* How much of a text the messages and the debug log quote. */
#define PREVIEW_CHARS 40

/**
 * pollen_text_from_buffer:
 * @element: warned when the text is not valid UTF-8
 * @is_markup: the buffer holds pango markup, whose tags are not words
 *
 * Returns: (transfer full): the words of a text/x-raw @buffer, ready to
 * send: UTF-8, without markup, spaces normalized; "" for a gap.
 */
gchar *
pollen_text_from_buffer (GstElement * element, GstBuffer * buffer,
    gboolean is_markup)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *plain = NULL;
  gboolean repaired = FALSE;
  GstMapInfo map;

  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP) ||
      !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return g_strdup ("");
  text = pollen_text_from_bytes (map.data, map.size, &repaired);
  gst_buffer_unmap (buffer, &map);

  if (repaired)
    GST_ELEMENT_WARNING (element, STREAM, DECODE,
        ("The text at %" GST_TIME_FORMAT " is not valid UTF-8; the invalid "
            "bytes were replaced by U+FFFD. Convert the text to UTF-8 (for "
            "subtitles, set subparse's subtitle-encoding).",
            GST_TIME_ARGS (GST_BUFFER_PTS (buffer))), (NULL));

  if (is_markup)
    plain = pollen_text_strip_markup (text);
  return pollen_text_normalize_space (plain ? plain : text);
}

/**
 * pollen_text_preview:
 *
 * Returns: (transfer full): the first words of @text, for messages.
 */
gchar *
pollen_text_preview (const gchar * text)
{
  if (g_utf8_strlen (text, -1) <= PREVIEW_CHARS)
    return g_strdup (text);
  return g_strdup_printf ("%.*s…", (gint) (g_utf8_offset_to_pointer (text,
              PREVIEW_CHARS) - text), text);
}

static guint
utf16_units (gunichar ch)
{
  return ch > 0xFFFF ? 2 : 1;
}

/**
 * pollen_text_utf16_length:
 *
 * Returns: the length of @text as the server counts it: in UTF-16 code
 * units (JavaScript string length), so an emoji counts two.
 */
gsize
pollen_text_utf16_length (const gchar * text)
{
  gsize units = 0;
  const gchar *p;

  for (p = text; *p; p = g_utf8_next_char (p))
    units += utf16_units (g_utf8_get_char (p));
  return units;
}

static gboolean
is_sentence_end (gunichar ch)
{
  return ch == '.' || ch == '!' || ch == '?' || ch == 0x2026 /* … */ ||
      ch == 0x3002 /* 。 */ || ch == 0xFF01 /* ！ */ || ch == 0xFF1F /* ？ */;
}

/* Scripts that end sentences without a space after them. */
static gboolean
is_wide_sentence_end (gunichar ch)
{
  return ch == 0x3002 || ch == 0xFF01 || ch == 0xFF1F;
}

static gboolean
is_closing (gunichar ch)
{
  return ch == '"' || ch == '\'' || ch == ')' || ch == ']' || ch == 0x201D ||
      ch == 0x2019 || ch == 0xBB || ch == 0x300D /* 」 */;
}

/* If a sentence ends at @p (a terminator, maybe closing quotes, then a
 * space or the end), returns where the next one starts; else NULL. */
static const gchar *
sentence_end_after (const gchar * p)
{
  gunichar ch = g_utf8_get_char (p);
  gboolean wide = is_wide_sentence_end (ch);

  if (!is_sentence_end (ch))
    return NULL;
  p = g_utf8_next_char (p);
  while (*p && is_sentence_end (g_utf8_get_char (p)))
    p = g_utf8_next_char (p);
  while (*p && is_closing (g_utf8_get_char (p)))
    p = g_utf8_next_char (p);
  if (!*p || wide || g_unichar_isspace (g_utf8_get_char (p)))
    return p;
  return NULL;
}

static gsize
units_between (const gchar * start, const gchar * end)
{
  gsize units = 0;

  for (; start < end; start = g_utf8_next_char (start))
    units += utf16_units (g_utf8_get_char (start));
  return units;
}

/* Where to cut @text so that the first piece has at most @max_units:
 * after the last sentence end that fits, else at the last space, else at
 * the last whole character. */
static const gchar *
find_cut (const gchar * text, gsize max_units)
{
  const gchar *last_sentence = NULL, *last_space = NULL;
  const gchar *p = text;
  gsize units = 0;

  while (*p) {
    gunichar ch = g_utf8_get_char (p);
    const gchar *after;

    if (units + utf16_units (ch) > max_units)
      break;
    units += utf16_units (ch);
    if (g_unichar_isspace (ch) && p > text)
      last_space = p;
    after = sentence_end_after (p);
    p = g_utf8_next_char (p);
    if (after && units + units_between (p, after) <= max_units)
      last_sentence = after;
  }
  if (last_sentence)
    return last_sentence;
  if (last_space)
    return last_space;
  return p > text ? p : g_utf8_next_char (text);
}

static void
add_piece (GPtrArray * pieces, const gchar * start, const gchar * end)
{
  gchar *piece = g_strstrip (g_strndup (start, end - start));

  if (*piece)
    g_ptr_array_add (pieces, piece);
  else
    g_free (piece);
}

/**
 * pollen_text_split:
 * @text: valid UTF-8 with its whitespace normalized
 * @max_units: the longest piece, in UTF-16 code units
 *
 * Splits @text into pieces the server accepts, cutting after the last
 * sentence that fits (else at a space, else anywhere).
 *
 * Returns: (transfer full) (element-type utf8): the pieces, in order, none
 * empty.
 */
GPtrArray *
pollen_text_split (const gchar * text, gsize max_units)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  const gchar *rest = text;

  g_return_val_if_fail (max_units > 1, pieces);

  while (pollen_text_utf16_length (rest) > max_units) {
    const gchar *cut = find_cut (rest, max_units);

    add_piece (pieces, rest, cut);
    rest = cut;
    while (*rest && g_unichar_isspace (g_utf8_get_char (rest)))
      rest = g_utf8_next_char (rest);
  }
  add_piece (pieces, rest, rest + strlen (rest));
  return pieces;
}

/* Only the sentence being completed is kept, so scanning it again at each
 * piece stays cheap. */
struct _PollenSentences
{
  GString *pending;             /* text not yet handed out */
};

PollenSentences *
pollen_sentences_new (void)
{
  PollenSentences *sentences = g_new0 (PollenSentences, 1);

  sentences->pending = g_string_new (NULL);
  return sentences;
}

void
pollen_sentences_free (PollenSentences * sentences)
{
  if (!sentences)
    return;
  g_string_free (sentences->pending, TRUE);
  g_free (sentences);
}

/**
 * pollen_sentences_feed:
 * @delta: the next piece of a text arriving in pieces (valid UTF-8)
 *
 * Returns: (transfer full) (element-type utf8): the sentences @delta
 * completed, in order, stripped, none empty. A sentence counts as complete
 * once what follows its end is seen ("Mr." + "Smith" is not cut, nor
 * "3." + "14"), so the last one waits for the next piece or
 * pollen_sentences_finish().
 */
GPtrArray *
pollen_sentences_feed (PollenSentences * sentences, const gchar * delta)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const gchar *start, *p;

  g_string_append (sentences->pending, delta);
  start = p = sentences->pending->str;
  while (*p) {
    const gchar *after = sentence_end_after (p);

    if (after && *after) {
      add_piece (out, start, after);
      start = p = after;
    } else {
      p = g_utf8_next_char (p);
    }
  }
  g_string_erase (sentences->pending, 0, start - sentences->pending->str);
  return out;
}

/**
 * pollen_sentences_finish:
 *
 * Returns: (transfer full) (nullable): what is left, stripped, or %NULL
 * when nothing is; the splitter is empty after.
 */
gchar *
pollen_sentences_finish (PollenSentences * sentences)
{
  gchar *rest = g_strstrip (g_string_free (sentences->pending, FALSE));

  sentences->pending = g_string_new (NULL);
  if (*rest)
    return rest;
  g_free (rest);
  return NULL;
}
