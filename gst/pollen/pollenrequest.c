/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What a request sends: method, path, query and body, escaped so that any
 * text reaches the server byte for byte. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenrequest.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct
{
  gchar *name;
  gchar *value;                 /* a plain field */
  gchar *filename;              /* a file */
  gchar *content_type;
  GBytes *data;
} FormPart;

struct _PollenRequest
{
  gchar *method;
  GString *path;                /* escaped */
  GPtrArray *query;             /* name, value, name, value … (unescaped) */
  JsonObject *json;
  GPtrArray *form;              /* FormPart */
  gsize longest_segment;        /* unescaped bytes: the prompt, for errors */
};

static void
form_part_free (FormPart * part)
{
  g_free (part->name);
  g_free (part->value);
  g_free (part->filename);
  g_free (part->content_type);
  g_clear_pointer (&part->data, g_bytes_unref);
  g_free (part);
}

/**
 * pollen_request_new:
 * @method: "GET" or "POST"
 * @path: the fixed part of the path, already valid in a URL ("/image")
 */
PollenRequest *
pollen_request_new (const gchar * method, const gchar * path)
{
  PollenRequest *request = g_new0 (PollenRequest, 1);

  request->method = g_strdup (method);
  request->path = g_string_new (path);
  request->query = g_ptr_array_new_with_free_func (g_free);
  return request;
}

void
pollen_request_free (PollenRequest * request)
{
  if (!request)
    return;
  g_free (request->method);
  g_string_free (request->path, TRUE);
  g_ptr_array_unref (request->query);
  g_clear_pointer (&request->json, json_object_unref);
  g_clear_pointer (&request->form, g_ptr_array_unref);
  g_free (request);
}

/* Appends "/" and @text escaped so that every byte of it (including / ? # %
 * + and non-ASCII) reaches the server unchanged. */
void
pollen_request_append_path_segment (PollenRequest * request,
    const gchar * text)
{
  g_autofree gchar *escaped = g_uri_escape_string (text, NULL, FALSE);

  request->longest_segment = MAX (request->longest_segment, strlen (text));
  g_string_append_c (request->path, '/');
  g_string_append (request->path, escaped);
}

/* Sets query parameter @name, replacing an earlier value of it. */
void
pollen_request_add_query (PollenRequest * request, const gchar * name,
    const gchar * value)
{
  guint i;

  for (i = 0; i + 1 < request->query->len; i += 2) {
    if (g_str_equal (request->query->pdata[i], name)) {
      g_free (request->query->pdata[i + 1]);
      request->query->pdata[i + 1] = g_strdup (value);
      return;
    }
  }
  g_ptr_array_add (request->query, g_strdup (name));
  g_ptr_array_add (request->query, g_strdup (value));
}

/* Sends @object (a reference is taken) as an application/json body. */
void
pollen_request_set_json (PollenRequest * request, JsonObject * object)
{
  g_clear_pointer (&request->json, json_object_unref);
  request->json = json_object_ref (object);
}

static void
pollen_request_add_form_part (PollenRequest * request, FormPart * part)
{
  if (!request->form)
    request->form = g_ptr_array_new_with_free_func ((GDestroyNotify)
        form_part_free);
  g_ptr_array_add (request->form, part);
}

void
pollen_request_add_form_field (PollenRequest * request, const gchar * name,
    const gchar * value)
{
  FormPart *part = g_new0 (FormPart, 1);

  part->name = g_strdup (name);
  part->value = g_strdup (value);
  pollen_request_add_form_part (request, part);
}

void
pollen_request_add_form_file (PollenRequest * request, const gchar * name,
    const gchar * filename, const gchar * content_type, GBytes * data)
{
  FormPart *part = g_new0 (FormPart, 1);

  part->name = g_strdup (name);
  part->filename = g_strdup (filename);
  part->content_type = g_strdup (content_type);
  part->data = g_bytes_ref (data);
  pollen_request_add_form_part (request, part);
}

/* Drops the plain fields called @name (an extra parameter replaces them,
 * as it replaces a query parameter). */
static void
pollen_request_remove_form_fields (PollenRequest * request,
    const gchar * name)
{
  guint i = 0;

  while (i < request->form->len) {
    FormPart *part = request->form->pdata[i];

    if (!part->filename && g_str_equal (part->name, name))
      g_ptr_array_remove_index (request->form, i);
    else
      i++;
  }
}

/* The text form of a GValue as sent in a query or form field: booleans as
 * true/false, numbers in C locale. */
static gchar *
value_to_text (const GValue * value)
{
  if (G_VALUE_HOLDS_STRING (value))
    return g_value_dup_string (value);
  if (G_VALUE_HOLDS_BOOLEAN (value))
    return g_strdup (g_value_get_boolean (value) ? "true" : "false");
  if (G_VALUE_HOLDS_DOUBLE (value) || G_VALUE_HOLDS_FLOAT (value)) {
    gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
    gdouble d = G_VALUE_HOLDS_DOUBLE (value) ? g_value_get_double (value) :
        g_value_get_float (value);

    return g_strdup (g_ascii_dtostr (buf, sizeof (buf), d));
  }
  if (g_value_type_transformable (G_VALUE_TYPE (value), G_TYPE_STRING)) {
    GValue text = G_VALUE_INIT;
    gchar *result;

    g_value_init (&text, G_TYPE_STRING);
    g_value_transform (value, &text);
    result = g_value_dup_string (&text);
    g_value_unset (&text);
    return result;
  }
  return gst_value_serialize (value);
}

static JsonNode *
value_to_json (const GValue * value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  if (G_VALUE_HOLDS_BOOLEAN (value)) {
    json_node_set_boolean (node, g_value_get_boolean (value));
  } else if (G_VALUE_HOLDS_INT (value)) {
    json_node_set_int (node, g_value_get_int (value));
  } else if (G_VALUE_HOLDS_UINT (value)) {
    json_node_set_int (node, g_value_get_uint (value));
  } else if (G_VALUE_HOLDS_INT64 (value)) {
    json_node_set_int (node, g_value_get_int64 (value));
  } else if (G_VALUE_HOLDS_DOUBLE (value)) {
    json_node_set_double (node, g_value_get_double (value));
  } else {
    g_autofree gchar *text = value_to_text (value);

    json_node_set_string (node, text);
  }
  return node;
}

static gboolean
add_json_member (GQuark field, const GValue * value, gpointer user_data)
{
  json_object_set_member (user_data, g_quark_to_string (field),
      value_to_json (value));
  return TRUE;
}

/**
 * pollen_json_add_structure:
 * @structure: (nullable): extra-params
 *
 * Sets each field of @structure as a member of @object, as the API takes
 * it (booleans and numbers as JSON's own): extra-params in a JSON body or
 * a realtime session's settings.
 */
void
pollen_json_add_structure (JsonObject * object, const GstStructure * structure)
{
  if (structure)
    gst_structure_foreach (structure, add_json_member, object);
}

static gboolean
add_extra_param (GQuark field, const GValue * value, gpointer user_data)
{
  PollenRequest *request = user_data;
  const gchar *name = g_quark_to_string (field);

  if (request->json) {
    add_json_member (field, value, request->json);
  } else {
    g_autofree gchar *text = value_to_text (value);

    if (request->form) {
      pollen_request_remove_form_fields (request, name);
      pollen_request_add_form_field (request, name, text);
    } else
      pollen_request_add_query (request, name, text);
  }
  return TRUE;
}

/**
 * pollen_request_add_extra_params:
 * @extra: (nullable): fields sent as they are
 *
 * Adds the fields of the extra-params property: as JSON members when the
 * request has a JSON body, as form fields when it has a form, else as query
 * parameters. Call it last: its fields override the element's own.
 */
void
pollen_request_add_extra_params (PollenRequest * request,
    const GstStructure * extra)
{
  if (extra)
    gst_structure_foreach (extra, add_extra_param, request);
}

/**
 * pollen_request_build_url:
 * @base: the base URL ("https://gen.pollinations.ai")
 *
 * Returns: (transfer full): @base, the escaped path and the escaped query.
 */
gchar *
pollen_request_build_url (const PollenRequest * request, const gchar * base)
{
  GString *url = g_string_new (base);
  guint i;

  while (url->len > 0 && url->str[url->len - 1] == '/')
    g_string_truncate (url, url->len - 1);
  g_string_append (url, request->path->str);
  for (i = 0; i + 1 < request->query->len; i += 2) {
    g_autofree gchar *name =
        g_uri_escape_string (request->query->pdata[i], NULL, FALSE);
    g_autofree gchar *value =
        g_uri_escape_string (request->query->pdata[i + 1], NULL, FALSE);

    g_string_append_printf (url, "%c%s=%s", i == 0 ? '?' : '&', name, value);
  }
  return g_string_free (url, FALSE);
}

/* "GET /image/…" for log lines and error details (no key is ever in it). */
gchar *
pollen_request_describe (const PollenRequest * request)
{
  return g_strdup_printf ("%s %s", request->method, request->path->str);
}

const gchar *
pollen_request_get_method (const PollenRequest * request)
{
  return request->method;
}

/* Returns: the longest path segment in bytes, unescaped: the prompt, for
 * an error that says which length to cut. */
gsize
pollen_request_get_longest_segment (const PollenRequest * request)
{
  return request->longest_segment;
}

static GBytes *
json_body (JsonObject * object)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  gsize size;
  gchar *data;

  json_node_set_object (root, object);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &size);
  return g_bytes_new_take (data, size);
}

static GBytes *
form_body (GPtrArray * form, gchar ** content_type)
{
  SoupMultipart *multipart = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  SoupMessageHeaders *headers =
      soup_message_headers_new (SOUP_MESSAGE_HEADERS_MULTIPART);
  GBytes *body = NULL;
  guint i;

  for (i = 0; i < form->len; i++) {
    FormPart *part = form->pdata[i];

    if (part->filename)
      soup_multipart_append_form_file (multipart, part->name,
          part->filename, part->content_type, part->data);
    else
      soup_multipart_append_form_string (multipart, part->name, part->value);
  }
  soup_multipart_to_message (multipart, headers, &body);
  *content_type = g_strdup (soup_message_headers_get_one (headers,
          "Content-Type"));
  soup_message_headers_unref (headers);
  soup_multipart_free (multipart);
  return body;
}

/**
 * pollen_request_dup_body:
 * @content_type: (out): the body's Content-Type, with a multipart boundary
 *
 * Returns: (transfer full) (nullable): the JSON or multipart/form-data
 * body, or %NULL for a request without one.
 */
GBytes *
pollen_request_dup_body (const PollenRequest * request, gchar ** content_type)
{
  *content_type = NULL;
  if (request->json) {
    *content_type = g_strdup ("application/json");
    return json_body (request->json);
  }
  return request->form ? form_body (request->form, content_type) : NULL;
}
