/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollen:// URIs, parsed without touching an element: every parameter is
 * checked against the element class's properties before any is set. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenuri.h"
#include "pollensettings.h"

#include <string.h>

/* API query names that differ from the property they set. Any other
 * property of the element is set by its own name. */
static const struct
{
  const gchar *param;
  const gchar *property;
} uri_aliases[] = {
  {"negative_prompt", "negative-prompt"},
  {"reference_images", "reference-images"},
  {"reference_videos", "reference-videos"},
  {"reference_audios", "reference-audios"},
  {"aspect_ratio", "aspect-ratio"}, {"aspectRatio", "aspect-ratio"},
  {"response_format", "response-format"}, {"json", "json-mode"},
  {"skip_failed", "skip-failed"}, {"frame_rate", "frame-rate"},
  {"extra_params", "extra-params"},
};

/* What a URI must not set: the path already says prompt and media, and a
 * URI must neither redirect requests (base-url) nor carry the key, since
 * URIs show up in logs and playbin's current-uri. */
static const gchar *const uri_refused[] = {
  "prompt", "media", "base-url", "base_url", NULL
};

#define KEY_REFUSED "a pollen:// URI must not carry the API key: set the " \
  "api-key property or " POLLEN_API_KEY_ENV

static void
uri_value_clear (PollenUriValue * param)
{
  g_value_unset (&param->value);
}

void
pollen_uri_free (PollenUri * uri)
{
  if (!uri)
    return;
  g_free (uri->prompt);
  g_array_unref (uri->values);
  g_free (uri);
}

/* The writable property of the element itself (not of its base classes)
 * that @name sets, or NULL. */
static GParamSpec *
uri_param_to_pspec (GObjectClass * klass, const gchar * name)
{
  GParamSpec *pspec;
  guint i;

  if (g_strv_contains (uri_refused, name))
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (uri_aliases); i++) {
    if (g_str_equal (name, uri_aliases[i].param))
      name = uri_aliases[i].property;
  }
  pspec = g_object_class_find_property (klass, name);
  if (!pspec || pspec->owner_type != G_OBJECT_CLASS_TYPE (klass) ||
      !(pspec->flags & G_PARAM_WRITABLE))
    return NULL;
  return pspec;
}

/* GStreamer's own rule for a structure name, checked first: its parser
 * raises a critical warning on a bad one instead of failing. */
static gboolean
structure_name_is_valid (const gchar * text)
{
  const gchar *p = text;

  if (!g_ascii_isalpha (*p))
    return FALSE;
  for (p++; *p && *p != ',' && *p != ';' && !g_ascii_isspace (*p); p++) {
    if (!g_ascii_isalnum (*p) && !strchr ("/-_.:+", *p))
      return FALSE;
  }
  return TRUE;
}

/* A structure parsed here rather than by gst_value_deserialize(), which
 * warns on text after the structure: that text is refused instead (found
 * by fuzzing). */
static gboolean
uri_param_to_structure (const gchar * text, GValue * value)
{
  gchar *end = NULL;
  GstStructure *structure = structure_name_is_valid (text) ?
      gst_structure_from_string (text, &end) : NULL;

  if (!structure || *end != '\0') {
    g_clear_pointer (&structure, gst_structure_free);
    return FALSE;
  }
  g_value_take_boxed (value, structure);
  return TRUE;
}

/* Parses @text as a value of @pspec into @value (initialised); FALSE when
 * it is not one or is out of range (rather than the GLib warning
 * g_object_set() would give). */
static gboolean
uri_param_to_value (GParamSpec * pspec, const gchar * text, GValue * value)
{
  if (pspec->value_type == G_TYPE_STRING) {
    g_value_set_string (value, text);
    return TRUE;
  }
  if (pspec->value_type == GST_TYPE_STRUCTURE)
    return uri_param_to_structure (text, value);
  return gst_value_deserialize_with_pspec (value, text, pspec) &&
      !g_param_value_validate (pspec, value);
}

static gboolean
is_key_name (const gchar * name)
{
  return g_str_equal (name, "key") || g_str_equal (name, "api-key");
}

/* One parameter, checked and parsed into @uri's values. */
static gboolean
uri_add_param (PollenUri * uri, GObjectClass * klass, const gchar * name,
    const gchar * text, GError ** error)
{
  GParamSpec *pspec = uri_param_to_pspec (klass, name);
  PollenUriValue param = { pspec, G_VALUE_INIT };

  if (is_key_name (name)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, KEY_REFUSED);
    return FALSE;
  }
  if (!pspec) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "unknown pollen:// parameter '%s'", name);
    return FALSE;
  }
  g_value_init (&param.value, pspec->value_type);
  g_array_append_val (uri->values, param);
  if (!uri_param_to_value (pspec, text, &g_array_index (uri->values,
              PollenUriValue, uri->values->len - 1).value)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "'%s' is not a valid %s (%s)", text, name,
        g_param_spec_get_blurb (pspec));
    return FALSE;
  }
  if (pspec->value_type == GST_TYPE_STRUCTURE &&
      pollen_extra_params_carry_key (gst_value_get_structure (&g_array_index
              (uri->values, PollenUriValue, uri->values->len - 1).value))) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, KEY_REFUSED);
    return FALSE;
  }
  return TRUE;
}

/* GLib's own message for "?model" is a bare "missing '='": name the
 * parameter that has no value instead. */
static gboolean
uri_check_query (const gchar * query, GError ** error)
{
  g_auto (GStrv) pieces = g_strsplit (query, "&", -1);
  guint i;

  for (i = 0; pieces[i]; i++) {
    if (*pieces[i] && !strchr (pieces[i], '=')) {
      g_autofree gchar *name = g_uri_unescape_string (pieces[i], NULL);

      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "pollen:// parameter '%s' has no value: write %s=<value>",
          name ? name : pieces[i], name ? name : pieces[i]);
      return FALSE;
    }
  }
  return TRUE;
}

/* The parameters in the order the URI gives them (a later one of the same
 * name wins when they are applied). */
static gboolean
uri_add_params (PollenUri * uri, GObjectClass * klass, const gchar * query,
    GError ** error)
{
  GUriParamsIter iter;
  GError *bad = NULL;
  gchar *name, *text;

  if (!uri_check_query (query, error))
    return FALSE;
  g_uri_params_iter_init (&iter, query, -1, "&", G_URI_PARAMS_WWW_FORM);
  while (g_uri_params_iter_next (&iter, &name, &text, &bad)) {
    gboolean ok = uri_add_param (uri, klass, name, text, error);

    g_free (name);
    g_free (text);
    if (!ok)
      return FALSE;
  }
  if (bad)
    g_propagate_error (error, bad);
  return bad == NULL;
}

/* The media the URI's host names, by the nicks of the class's "media"
 * property. */
static gboolean
uri_parse_media (GObjectClass * klass, const gchar * host, gint * media)
{
  GParamSpec *pspec = g_object_class_find_property (klass, "media");
  GEnumValue *value = NULL;

  if (host && pspec && G_IS_PARAM_SPEC_ENUM (pspec))
    value = g_enum_get_value_by_nick (G_PARAM_SPEC_ENUM (pspec)->enum_class,
        host);
  if (value)
    *media = value->value;
  return value != NULL;
}

/**
 * pollen_uri_parse:
 * @klass: the class of the element the URI is for: its "media" enum and
 *   its own writable properties are what a URI may set
 *
 * Returns: (transfer full): the parsed URI, or %NULL with @error set
 * (%GST_URI_ERROR_BAD_URI, naming what is wrong).
 */
PollenUri *
pollen_uri_parse (const gchar * text, GObjectClass * klass, GError ** error)
{
  g_autoptr (GUri) parsed = g_uri_parse (text, G_URI_FLAGS_ENCODED_PATH |
      G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr (PollenUri) uri = g_new0 (PollenUri, 1);
  const gchar *path;

  uri->values = g_array_new (FALSE, TRUE, sizeof (PollenUriValue));
  g_array_set_clear_func (uri->values, (GDestroyNotify) uri_value_clear);
  if (!parsed || g_strcmp0 (g_uri_get_scheme (parsed), "pollen") != 0 ||
      !uri_parse_media (klass, g_uri_get_host (parsed), &uri->media)) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "'%s' is not "
        "a pollen://image|video|speech|music|text/<prompt> URI", text);
    return NULL;
  }
  path = g_uri_get_path (parsed);
  uri->prompt = g_uri_unescape_string (path[0] == '/' ? path + 1 : path,
      NULL);
  if (!uri->prompt || !*uri->prompt) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
        "'%s' has no prompt after the media type", text);
    return NULL;
  }
  if (g_uri_get_query (parsed) && !uri_add_params (uri, klass,
          g_uri_get_query (parsed), error))
    return NULL;
  return g_steal_pointer (&uri);
}
