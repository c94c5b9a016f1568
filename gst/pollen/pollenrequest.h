/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * PollenRequest:
 *
 * What to send: method, path, query, and an optional JSON or
 * multipart/form-data body. Path segments and query values are escaped by
 * the client so that any text reaches the server byte for byte.
 */
typedef struct _PollenRequest PollenRequest;

PollenRequest * pollen_request_new (const gchar * method, const gchar * path);
void            pollen_request_free (PollenRequest * request);
void            pollen_request_append_path_segment (PollenRequest * request,
                                                    const gchar * text);
void            pollen_request_add_query (PollenRequest * request,
                                          const gchar * name,
                                          const gchar * value);
void            pollen_request_set_json (PollenRequest * request,
                                         JsonObject * object);
void            pollen_request_add_form_field (PollenRequest * request,
                                               const gchar * name,
                                               const gchar * value);
void            pollen_request_add_form_file (PollenRequest * request,
                                              const gchar * name,
                                              const gchar * filename,
                                              const gchar * content_type,
                                              GBytes * data);
void            pollen_request_add_extra_params (PollenRequest * request,
                                                 const GstStructure * extra);
gchar *         pollen_request_describe (const PollenRequest * request);
const gchar *   pollen_request_get_method (const PollenRequest * request);
gsize           pollen_request_get_longest_segment (const PollenRequest * request);
gchar *         pollen_request_build_url (const PollenRequest * request,
                                          const gchar * base);
GBytes *        pollen_request_dup_body (const PollenRequest * request,
                                         gchar ** content_type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenRequest, pollen_request_free)

void            pollen_json_add_structure (JsonObject * object,
                                           const GstStructure * structure);

G_END_DECLS
