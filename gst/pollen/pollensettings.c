/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What every gst-pollen element shares: the common properties (api-key,
 * base-url, model, timeout, retries, extra-params, max-body-size, deadline,
 * proxy, extra-headers, ssl-ca-file),
 * the client made from
 * them, and the mapping of client errors to GStreamer error messages. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollensettings.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (pollen_element_debug);
#define GST_CAT_DEFAULT pollen_element_debug

void
pollen_element_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (pollen_element_debug, "pollen", 0,
        "gst-pollen shared element code");
    /* the client's class registers the pollenclient debug category: made
     * here, gst-inspect-1.0 --gst-debug-help lists it before any request */
    g_type_class_unref (g_type_class_ref (POLLEN_TYPE_CLIENT));
    g_once_init_leave (&initialized, 1);
  }
}

/* What souphttpsrc users expect to set for a corporate network. */
static void
pollen_settings_install_network_properties (GObjectClass * klass)
{
  g_object_class_install_property (klass, POLLEN_PROP_PROXY,
      g_param_spec_string ("proxy", "Proxy",
          "HTTP proxy URI every request goes through (e.g. "
          "http://proxy:3128); when unset, the http_proxy, https_proxy and "
          "no_proxy environment variables", NULL, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_EXTRA_HEADERS,
      g_param_spec_boxed ("extra-headers", "Extra Headers",
          "HTTP headers added to every request, e.g. "
          "\"headers, X-Team=video\"; they cannot replace Authorization, "
          "X-Request-Id, Content-Type or Content-Length", GST_TYPE_STRUCTURE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_SSL_CA_FILE,
      g_param_spec_string ("ssl-ca-file", "SSL CA File",
          "PEM file of the certificate authorities to trust instead of the "
          "system's, for a gateway with a private certificate", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

void
pollen_settings_install_properties (GObjectClass * klass,
    const gchar * default_model, const gchar * model_blurb,
    guint default_timeout)
{
  g_object_class_install_property (klass, POLLEN_PROP_API_KEY,
      g_param_spec_string ("api-key", "API Key",
          "Pollinations API key (sk_… or pk_…), sent only as "
          "'Authorization: Bearer'. Write-only; when unset, the "
          POLLEN_API_KEY_ENV " environment variable is used",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_BASE_URL,
      g_param_spec_string ("base-url", "Base URL",
          "Server every request goes to (base-url + path); when unset, the "
          POLLEN_BASE_URL_ENV " environment variable or "
          POLLEN_DEFAULT_BASE_URL, POLLEN_DEFAULT_BASE_URL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_MODEL,
      g_param_spec_string ("model", "Model", model_blurb, default_model,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Seconds to wait for the server on one request (0 = wait for ever)",
          0, 24 * 3600, default_timeout,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_RETRIES,
      g_param_spec_uint ("retries", "Retries",
          "How many times a request that failed with 429, 5xx, a lost "
          "connection or a timeout is tried again, with exponential back-off "
          "and Retry-After honoured", 0, 20, POLLEN_DEFAULT_RETRIES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_EXTRA_PARAMS,
      g_param_spec_boxed ("extra-params", "Extra Parameters",
          "Extra API parameters sent as they are (query parameters, JSON "
          "members or form fields), e.g. \"params, private=true\"; they "
          "override the element's own", GST_TYPE_STRUCTURE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_MAX_BODY_SIZE,
      g_param_spec_uint64 ("max-body-size", "Maximum Body Size",
          "Bytes an answer may have; a larger one is an error instead of "
          "filling memory (0 = unlimited)", 0, G_MAXUINT64,
          POLLEN_DEFAULT_MAX_BODY_SIZE, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, POLLEN_PROP_DEADLINE,
      g_param_spec_uint ("deadline", "Deadline",
          "Seconds one request may take in all, retries and a slowly dripped "
          "body included, where timeout only bounds a silence (0 = none)",
          0, 24 * 3600, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  pollen_settings_install_network_properties (klass);
}

void
pollen_settings_init (PollenSettings * settings, const gchar * default_model,
    guint default_timeout)
{
  PollenClientConfig *client = &settings->client;

  memset (settings, 0, sizeof *settings);
  client->api_key = g_strdup (g_getenv (POLLEN_API_KEY_ENV));
  /* base_url stays NULL until set: gst-inspect reads an instance and must
   * show the documented default, not this process's environment */
  client->timeout = default_timeout;
  client->retries = POLLEN_DEFAULT_RETRIES;
  client->max_body_size = POLLEN_DEFAULT_MAX_BODY_SIZE;
  settings->model = g_strdup (default_model);
}

void
pollen_settings_clear (PollenSettings * settings)
{
  pollen_client_config_clear (&settings->client);
  g_clear_pointer (&settings->model, g_free);
  g_clear_pointer (&settings->extra_params, gst_structure_free);
}

/**
 * pollen_settings_snapshot:
 * @default_model: (nullable): the model when none is set (or it is empty)
 * @snapshot: (out caller-allocates): cleared first, then a deep copy of
 *   @settings with the defaults applied: the model, and the base URL
 *   ($POLLINATIONS_BASE_URL when set, else the public server)
 *
 * What a run goes by, taken once in start() under @element's object lock
 * (which guards @settings); the snapshot needs no lock, and a run reads
 * its model and base URL from it without a default of its own.
 */
void
pollen_settings_snapshot (GstElement * element,
    const PollenSettings * settings, const gchar * default_model,
    PollenSettings * snapshot)
{
  pollen_settings_clear (snapshot);
  GST_OBJECT_LOCK (element);
  pollen_client_config_copy (&snapshot->client, &settings->client);
  snapshot->model = g_strdup (settings->model && *settings->model ?
      settings->model : default_model);
  snapshot->extra_params = settings->extra_params ?
      gst_structure_copy (settings->extra_params) : NULL;
  GST_OBJECT_UNLOCK (element);
  if (!snapshot->client.base_url || !*snapshot->client.base_url) {
    g_free (snapshot->client.base_url);
    snapshot->client.base_url = g_strdup (pollen_default_base_url ());
  }
}

/* Whether extra-params would send a key in the request's URL. */
gboolean
pollen_extra_params_carry_key (const GstStructure * extra)
{
  return extra && (gst_structure_has_field (extra, "key") ||
      gst_structure_has_field (extra, "api-key"));
}

/* The first field of @headers the client keeps for itself, or NULL. */
static const gchar *
reserved_header (const GstStructure * headers)
{
  guint i;

  for (i = 0; headers && i < (guint) gst_structure_n_fields (headers); i++)
    if (pollen_client_header_is_reserved (gst_structure_nth_field_name
            (headers, i)))
      return gst_structure_nth_field_name (headers, i);
  return NULL;
}

/* Sets @field to a copy of @value's structure, or NULL. */
static void
replace_structure (GstStructure ** field, const GValue * value)
{
  const GstStructure *structure = gst_value_get_structure (value);

  g_clear_pointer (field, gst_structure_free);
  if (structure)
    *field = gst_structure_copy (structure);
}

/* Returns TRUE when @prop_id is a common property (and sets it). */
gboolean
pollen_settings_set_property (GObject * object, PollenSettings * settings,
    guint prop_id, const GValue * value)
{
  if (prop_id == POLLEN_PROP_0 || prop_id >= POLLEN_PROP_LAST)
    return FALSE;

  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case POLLEN_PROP_API_KEY:
      g_free (settings->client.api_key);
      settings->client.api_key = g_value_dup_string (value);
      break;
    case POLLEN_PROP_BASE_URL:
      g_free (settings->client.base_url);
      settings->client.base_url = g_value_dup_string (value);
      break;
    case POLLEN_PROP_MODEL:
      g_free (settings->model);
      settings->model = g_value_dup_string (value);
      break;
    case POLLEN_PROP_TIMEOUT:
      settings->client.timeout = g_value_get_uint (value);
      break;
    case POLLEN_PROP_RETRIES:
      settings->client.retries = g_value_get_uint (value);
      break;
    case POLLEN_PROP_EXTRA_PARAMS:
      if (pollen_extra_params_carry_key (gst_value_get_structure (value))) {
        g_warning ("%s: extra-params must not carry the API key (it would "
            "travel in the URL); set the api-key property or "
            POLLEN_API_KEY_ENV " instead", GST_OBJECT_NAME (object));
        break;
      }
      replace_structure (&settings->extra_params, value);
      break;
    case POLLEN_PROP_EXTRA_HEADERS:
      if (reserved_header (gst_value_get_structure (value))) {
        g_warning ("%s: extra-headers must not set %s (the element sends "
            "it)", GST_OBJECT_NAME (object),
            reserved_header (gst_value_get_structure (value)));
        break;
      }
      replace_structure (&settings->client.extra_headers, value);
      break;
    case POLLEN_PROP_PROXY:
      g_free (settings->client.proxy);
      settings->client.proxy = g_value_dup_string (value);
      break;
    case POLLEN_PROP_SSL_CA_FILE:
      g_free (settings->client.ssl_ca_file);
      settings->client.ssl_ca_file = g_value_dup_string (value);
      break;
    case POLLEN_PROP_MAX_BODY_SIZE:
      settings->client.max_body_size = g_value_get_uint64 (value);
      break;
    case POLLEN_PROP_DEADLINE:
      settings->client.deadline = g_value_get_uint (value);
      break;
  }
  GST_OBJECT_UNLOCK (object);
  return TRUE;
}

gboolean
pollen_settings_get_property (GObject * object, PollenSettings * settings,
    guint prop_id, GValue * value)
{
  if (prop_id == POLLEN_PROP_0 || prop_id >= POLLEN_PROP_LAST ||
      prop_id == POLLEN_PROP_API_KEY)
    return FALSE;

  GST_OBJECT_LOCK (object);
  switch (prop_id) {
    case POLLEN_PROP_BASE_URL:
      g_value_set_string (value, settings->client.base_url ? settings->client.base_url :
          POLLEN_DEFAULT_BASE_URL);
      break;
    case POLLEN_PROP_MODEL:
      g_value_set_string (value, settings->model);
      break;
    case POLLEN_PROP_TIMEOUT:
      g_value_set_uint (value, settings->client.timeout);
      break;
    case POLLEN_PROP_RETRIES:
      g_value_set_uint (value, settings->client.retries);
      break;
    case POLLEN_PROP_EXTRA_PARAMS:
      gst_value_set_structure (value, settings->extra_params);
      break;
    case POLLEN_PROP_MAX_BODY_SIZE:
      g_value_set_uint64 (value, settings->client.max_body_size);
      break;
    case POLLEN_PROP_DEADLINE:
      g_value_set_uint (value, settings->client.deadline);
      break;
    case POLLEN_PROP_PROXY:
      g_value_set_string (value, settings->client.proxy);
      break;
    case POLLEN_PROP_EXTRA_HEADERS:
      gst_value_set_structure (value, settings->client.extra_headers);
      break;
    case POLLEN_PROP_SSL_CA_FILE:
      g_value_set_string (value, settings->client.ssl_ca_file);
      break;
  }
  GST_OBJECT_UNLOCK (object);
  return TRUE;
}

static void post_error_with_hint (GstElement * element, GstMessageType type,
    GstResourceError code, const gchar * action, const GError * error,
    const gchar * hint);

static void
weak_ref_free (gpointer weak)
{
  g_weak_ref_clear (weak);
  g_free (weak);
}

/* A retry is posted as a WARNING: a request that takes long because the
 * server failed must not look like one still generating. */
static void
post_retry (const GError * error, guint attempt, guint attempts,
    guint delay_ms, const gchar * note, gpointer user_data)
{
  g_autoptr (GstElement) element = g_weak_ref_get (user_data);
  g_autofree gchar *hint = NULL;

  if (!element)
    return;
  hint = g_strdup_printf ("Retrying in %.1f s (attempt %u of %u).%s%s",
      delay_ms / 1000.0, attempt, attempts, note ? " " : "", note ? note : "");
  post_error_with_hint (element, GST_MESSAGE_WARNING,
      pollen_client_error_resource_code (error), "A request", error, hint);
}

/* The element is held weakly: a client may outlive it in a worker. */
static void
pollen_settings_watch_retries (GstElement * element, PollenClient * client)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  g_weak_ref_init (weak, element);
  pollen_client_set_retry_func (client, post_retry, weak, weak_ref_free);
}

/**
 * pollen_settings_ensure_client:
 * @snapshot: a run's settings (pollen_settings_snapshot())
 * @current: (transfer full) (nullable): the client of the last run
 *
 * The client for a run: @current while it was made with the same
 * settings (so an element played again keeps its connections, as
 * souphttpsrc does), else a new one. No lock is held while it is made.
 *
 * Returns: (transfer full) (nullable): the client, or %NULL with an error
 * posted when the settings cannot work (an unreadable ssl-ca-file).
 */
PollenClient *
pollen_settings_ensure_client (GstElement * element,
    const PollenSettings * snapshot, PollenClient * current)
{
  g_autoptr (GError) error = NULL;
  PollenClient *client;

  if (current && pollen_client_config_equal (pollen_client_get_config
          (current), &snapshot->client))
    return current;
  g_clear_object (&current);
  client = pollen_client_new (&snapshot->client, &error);
  if (!client) {
    post_error_with_hint (element, GST_MESSAGE_ERROR,
        GST_RESOURCE_ERROR_SETTINGS, "Reading ssl-ca-file", error,
        "Set ssl-ca-file to a PEM file of CA certificates, or unset it.");
    return NULL;
  }
  if (!snapshot->client.api_key || !*snapshot->client.api_key)
    GST_WARNING_OBJECT (element, "no api-key set and " POLLEN_API_KEY_ENV
        " is empty: requests go out without a key");
  pollen_client_set_log_object (client, GST_OBJECT (element));
  pollen_settings_watch_retries (element, client);
  return client;
}

GstStructure *
pollen_settings_dup_extra_params (GstElement * element,
    PollenSettings * settings)
{
  GstStructure *extra = NULL;

  GST_OBJECT_LOCK (element);
  if (settings->extra_params)
    extra = gst_structure_copy (settings->extra_params);
  GST_OBJECT_UNLOCK (element);
  return extra;
}

gchar *
pollen_settings_dup_model (GstElement * element, PollenSettings * settings)
{
  gchar *model;

  GST_OBJECT_LOCK (element);
  model = g_strdup (settings->model);
  GST_OBJECT_UNLOCK (element);
  return model;
}

/* ---- property helpers ---- */

/* Sets a string property's field under the object lock. */
void
pollen_property_replace_string (GObject * object, gchar ** field,
    const GValue * value)
{
  GST_OBJECT_LOCK (object);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (object);
}

/* The nick of @value in the enum @type, or NULL. */
const gchar *
pollen_enum_get_nick (GType type, gint value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *enum_value = g_enum_get_value (klass, value);
  const gchar *nick = enum_value ? enum_value->value_nick : NULL;

  g_type_class_unref (klass);
  return nick;
}

/* ---- errors ---- */

/* Posts @error as a GST_RESOURCE_ERROR message of @code whose text names
 * the HTTP status and the server's message and ends with @hint, with the
 * details http-status-code, api-error-code and request-id. */
static void
post_error_with_hint (GstElement * element, GstMessageType type,
    GstResourceError code, const gchar * action, const GError * error,
    const gchar * hint)
{
  const gchar *api_code = pollen_client_error_get_api_code (error);
  const gchar *request_id = pollen_client_error_get_request_id (error);
  GstStructure *details;
  gchar *text, *debug;

  /* the server's message may already end a sentence */
  text = g_strdup_printf ("%s failed: %s%s%s%s", action, error->message,
      g_str_has_suffix (error->message, ".") ? "" : ".", hint ? " " : "",
      hint ? hint : "");
  debug = g_strdup_printf ("api-error-code: %s, request-id: %s",
      api_code ? api_code : "(none)", request_id ? request_id : "(none)");
  details = gst_make_element_message_details ("http-status-code", G_TYPE_UINT,
      pollen_client_error_get_http_status (error),
      "api-error-code", G_TYPE_STRING, api_code ? api_code : "",
      "request-id", G_TYPE_STRING, request_id ? request_id : "", NULL);

  gst_element_message_full_with_details (element, type, GST_RESOURCE_ERROR,
      code, text, debug, __FILE__, GST_FUNCTION,
      __LINE__, details);
}

/**
 * pollen_element_post_error:
 * @client: (nullable): the client the failed request went through
 * @type: %GST_MESSAGE_ERROR or %GST_MESSAGE_WARNING
 * @action: what failed, for the message ("Generating the picture")
 * @error: the error, the client's or a parser's of what it received
 *
 * Posts @error as a GST_RESOURCE_ERROR message that says what to do, with
 * the details http-status-code, api-error-code and request-id. @client's
 * key is taken out first: a body quoted in a parser's error (an answer
 * that is not what was asked for) may echo it.
 */
void
pollen_element_post_error (GstElement * element, PollenClient * client,
    GstMessageType type, const gchar * action, const GError * error)
{
  g_autoptr (GError) shown = g_error_copy (error);
  const gchar *key = client ? pollen_client_get_config (client)->api_key :
      NULL;

  if (client)
    pollen_client_redact_error (client, shown);
  post_error_with_hint (element, type, pollen_client_error_resource_code (shown), action,
      shown, pollen_client_error_hint_for_key (shown, key));
}
