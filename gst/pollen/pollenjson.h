/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Deeper than any answer of the API (about 6 levels), far shallower than
 * what json-glib's recursive parser survives on a thread's stack. */
#define POLLEN_JSON_MAX_DEPTH 64

JsonNode *    pollen_json_parse (const gchar * data, gsize size,
                                 GError ** error);
JsonNode *    pollen_json_parse_repairing (const gchar * data, gsize size,
                                           guint * repaired, GError ** error);

const gchar * pollen_json_get_string (JsonObject * object, const gchar * name);
JsonObject *  pollen_json_get_object (JsonObject * object, const gchar * name);
JsonArray *   pollen_json_get_array (JsonObject * object, const gchar * name);
gboolean      pollen_json_get_number (JsonObject * object, const gchar * name,
                                      gdouble * number);

gchar *       pollen_body_quote (const gchar * data, gsize size,
                                 guint max_chars);

G_END_DECLS
