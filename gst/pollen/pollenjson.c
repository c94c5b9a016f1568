/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Reading what a server answers: JSON parsed only when it cannot exhaust
 * the stack, members read leniently (a member of the wrong type counts as
 * missing), and any body quoted safely in a message. */

#include "pollenjson.h"
#include "pollenerror.h"

#include <string.h>

/* The deepest nesting of arrays and objects in @data, stopping early once
 * it passes @limit. Brackets inside strings do not count. */
static guint
json_nesting_depth (const gchar * data, gsize size, guint limit)
{
  gboolean in_string = FALSE, escaped = FALSE;
  guint depth = 0, deepest = 0;
  gsize i;

  for (i = 0; i < size && deepest <= limit; i++) {
    gchar c = data[i];

    if (in_string) {
      if (escaped)
        escaped = FALSE;
      else if (c == '\\')
        escaped = TRUE;
      else if (c == '"')
        in_string = FALSE;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '[' || c == '{') {
      /* MAX() evaluates its arguments twice: no ++ inside it */
      depth++;
      deepest = MAX (deepest, depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      depth--;
    }
  }
  return deepest;
}

static void
set_bad_response (GError ** error, const gchar * what, const gchar * data,
    gsize size)
{
  g_autofree gchar *start = pollen_body_quote (data, size, 80);

  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server's answer %s%s%s", what, *start ? ": " : "", start);
}

/* The value of the four hex digits at @hex, or -1. */
static gint
hex4 (const gchar * hex, gsize left)
{
  gint value = 0;
  guint i;

  if (left < 4)
    return -1;
  for (i = 0; i < 4; i++) {
    gint digit = g_ascii_xdigit_value (hex[i]);

    if (digit < 0)
      return -1;
    value = value * 16 + digit;
  }
  return value;
}

/* Whether the \u escape at @data (*@length bytes: "\uXXXX", a surrogate
 * pair "\uXXXX\uXXXX", or a "\u" without four hex digits) decodes to
 * whole, valid UTF-8. json-glib ends a string at \u0000 (losing its rest),
 * makes UTF-16 surrogates that are not a pair into invalid UTF-8, and
 * reads a \u without its digits into garbage instead of refusing it. */
static gboolean
json_escape_ok (const gchar * data, gsize left, gsize * length)
{
  gint unit = hex4 (data + 2, left - 2), low;

  *length = unit < 0 ? 2 : 6;
  if (unit <= 0 || (unit >= 0xdc00 && unit <= 0xdfff))
    return FALSE;
  if (unit < 0xd800 || unit > 0xdbff)
    return TRUE;
  low = left >= 12 && data[6] == '\\' && data[7] == 'u' ?
      hex4 (data + 8, left - 8) : -1;
  if (low < 0xdc00 || low > 0xdfff)
    return FALSE;
  *length = 12;
  return TRUE;
}

/* @data with each \u escape json_escape_ok() refuses replaced by \ufffd,
 * or %NULL when none is; *@repaired counts the replacements. */
static GString *
json_repair_escapes (const gchar * data, gsize size, guint * repaired)
{
  GString *out = NULL;
  gboolean in_string = FALSE;
  gsize i = 0, copied = 0;

  while (i < size) {
    gsize length = 2;

    if (data[i] == '"')
      in_string = !in_string;
    if (!in_string || data[i] != '\\' || i + 1 >= size) {
      i++;
      continue;
    }
    if (data[i + 1] == 'u' && !json_escape_ok (data + i, size - i, &length)) {
      if (!out)
        out = g_string_sized_new (size);
      g_string_append_len (out, data + copied, i - copied);
      g_string_append (out, "\\ufffd");
      copied = i + length;
      (*repaired)++;
    }
    i += length;
  }
  if (out)
    g_string_append_len (out, data + copied, size - copied);
  return out;
}

static JsonNode *
json_parse_checked (const gchar * data, gsize size, GError ** error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_autofree gchar *what = NULL;

  if (size == 0) {
    set_bad_response (error, "is empty", "", 0);
    return NULL;
  }
  if (json_nesting_depth (data, size, POLLEN_JSON_MAX_DEPTH) >
      POLLEN_JSON_MAX_DEPTH) {
    what = g_strdup_printf ("is JSON nested deeper than %d levels",
        POLLEN_JSON_MAX_DEPTH);
    set_bad_response (error, what, data, size);
    return NULL;
  }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, size, &parse_error) ||
      !json_parser_get_root (parser)) {
    what = g_strdup_printf ("is not JSON (%s)", parse_error ?
        parse_error->message : "no value");
    set_bad_response (error, what, data, size);
    return NULL;
  }
  return json_parser_steal_root (parser);
}

/**
 * pollen_json_parse_repairing:
 * @data: (array length=size) (nullable): the body
 * @repaired: (out) (optional): how many characters were replaced
 *
 * Parses a body as JSON, so that every string in it is whole, valid UTF-8:
 * \u0000 and lone UTF-16 surrogates become U+FFFD, as do bytes that are
 * not UTF-8 (json-glib refuses those) when @repaired is given. A body
 * nested deeper than %POLLEN_JSON_MAX_DEPTH is refused before json-glib,
 * which recurses once per level, sees it.
 *
 * Returns: (transfer full): the root, or %NULL with @error set
 * (%POLLEN_CLIENT_ERROR_BAD_RESPONSE, quoting the start of the body).
 */
JsonNode *
pollen_json_parse_repairing (const gchar * data, gsize size,
    guint * repaired, GError ** error)
{
  g_autofree gchar *valid = NULL;
  g_autoptr (GString) escaped = NULL;
  guint count = 0;

  if (repaired && size > 0 && !g_utf8_validate (data, size, NULL)) {
    valid = g_utf8_make_valid (data, size);
    count++;
    data = valid;
    size = strlen (valid);
  }
  escaped = json_repair_escapes (data ? data : "", size, &count);
  if (repaired)
    *repaired = count;
  if (escaped)
    return json_parse_checked (escaped->str, escaped->len, error);
  return json_parse_checked (data, size, error);
}

/**
 * pollen_json_parse:
 *
 * pollen_json_parse_repairing() without the repair of bytes that are not
 * UTF-8: such a body is refused.
 */
JsonNode *
pollen_json_parse (const gchar * data, gsize size, GError ** error)
{
  return pollen_json_parse_repairing (data, size, NULL, error);
}

static JsonNode *
get_member (JsonObject * object, const gchar * name)
{
  return object ? json_object_get_member (object, name) : NULL;
}

/* Returns: (nullable): the string member @name of @object. */
const gchar *
pollen_json_get_string (JsonObject * object, const gchar * name)
{
  JsonNode *node = get_member (object, name);

  if (!node || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Returns: (nullable): the object member @name of @object. */
JsonObject *
pollen_json_get_object (JsonObject * object, const gchar * name)
{
  JsonNode *node = get_member (object, name);

  return node && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

/* Returns: (nullable): the array member @name of @object. */
JsonArray *
pollen_json_get_array (JsonObject * object, const gchar * name)
{
  JsonNode *node = get_member (object, name);

  return node && JSON_NODE_HOLDS_ARRAY (node) ?
      json_node_get_array (node) : NULL;
}

/* Returns: whether @object has a number member @name, stored in @number. */
gboolean
pollen_json_get_number (JsonObject * object, const gchar * name,
    gdouble * number)
{
  JsonNode *node = get_member (object, name);

  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node)) {
    case G_TYPE_DOUBLE:
    case G_TYPE_INT64:
      *number = json_node_get_double (node);
      return TRUE;
    default:
      return FALSE;
  }
}

/**
 * pollen_body_quote:
 * @data: (array length=size) (nullable): a body, of any bytes
 * @max_chars: quote at most this many characters
 *
 * Returns: (transfer full): the start of @data as one line of valid UTF-8
 * for a message: line breaks and NUL bytes become spaces, and "…" marks a
 * body that goes on.
 */
gchar *
pollen_body_quote (const gchar * data, gsize size, guint max_chars)
{
  g_autofree gchar *valid = NULL;
  g_autofree gchar *start = NULL;
  gsize head = MIN (size, (gsize) max_chars * 4);
  glong length;
  gsize i;

  if (size == 0)
    return g_strdup ("");
  valid = g_utf8_make_valid (data, head);
  for (i = 0; valid[i]; i++) {
    if (valid[i] == '\r' || valid[i] == '\n' || valid[i] == '\t')
      valid[i] = ' ';
  }
  /* g_utf8_make_valid turns NUL bytes into U+FFFD, so @valid is whole */
  g_strstrip (valid);
  length = g_utf8_strlen (valid, -1);
  if (length <= (glong) max_chars && head == size)
    return g_steal_pointer (&valid);
  start = g_utf8_substring (valid, 0, MIN (length, (glong) max_chars));
  return g_strconcat (start, "…", NULL);
}
