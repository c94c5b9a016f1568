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

/**
 * pollen_json_parse:
 * @data: (array length=size) (nullable): the body
 *
 * Parses a body as JSON. A body nested deeper than %POLLEN_JSON_MAX_DEPTH
 * is refused before json-glib, which recurses once per level, sees it.
 *
 * Returns: (transfer full): the root, or %NULL with @error set
 * (%POLLEN_CLIENT_ERROR_BAD_RESPONSE, quoting the start of the body).
 */
JsonNode *
pollen_json_parse (const gchar * data, gsize size, GError ** error)
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
