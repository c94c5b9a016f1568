/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Reading the JSON bodies clients post: the body as an object, and its
 * members read leniently (a member of another type counts as missing, so
 * that a wrong body is answered with a 400, never a critical). */

#include "emuserver.h"

/* Returns: (transfer full) (nullable): @request's body when it is a JSON
 * object. */
JsonNode *
emu_json_parse_body (PollenEmulatorRequest * request)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize size;
  const gchar *data = g_bytes_get_data (request->body, &size);

  if (size == 0 || !json_parser_load_from_data (parser, data, size, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_parser_steal_root (parser);
}

static JsonNode *
emu_json_member (JsonObject * object, const gchar * name)
{
  return object ? json_object_get_member (object, name) : NULL;
}

const gchar *
emu_json_get_string (JsonObject * object, const gchar * name)
{
  JsonNode *node = emu_json_member (object, name);

  return node && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING ?
      json_node_get_string (node) : NULL;
}

JsonObject *
emu_json_get_object (JsonObject * object, const gchar * name)
{
  JsonNode *node = emu_json_member (object, name);

  return node && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

JsonArray *
emu_json_get_array (JsonObject * object, const gchar * name)
{
  JsonNode *node = emu_json_member (object, name);

  return node && JSON_NODE_HOLDS_ARRAY (node) ?
      json_node_get_array (node) : NULL;
}

/* Returns: whether member @name is a number (integer or not). */
gboolean
emu_json_get_number (JsonObject * object, const gchar * name,
    gdouble * number)
{
  JsonNode *node = emu_json_member (object, name);
  GType type = node && JSON_NODE_HOLDS_VALUE (node) ?
      json_node_get_value_type (node) : G_TYPE_INVALID;

  if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
    return FALSE;
  *number = json_node_get_double (node);
  return TRUE;
}

/* Returns: whether member @name is a boolean. */
gboolean
emu_json_get_boolean (JsonObject * object, const gchar * name,
    gboolean * value)
{
  JsonNode *node = emu_json_member (object, name);

  if (!node || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *value = json_node_get_boolean (node);
  return TRUE;
}
