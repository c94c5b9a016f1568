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

/* $POLLINATIONS_BASE_URL when set, else the public server. */
static gchar *
default_base_url (void)
{
  const gchar *base_url = g_getenv (POLLEN_BASE_URL_ENV);

  return g_strdup (base_url && *base_url ? base_url :
      POLLEN_DEFAULT_BASE_URL);
}

void
pollen_settings_init (PollenSettings * settings, const gchar * default_model,
    guint default_timeout)
{
  settings->api_key = g_strdup (g_getenv (POLLEN_API_KEY_ENV));
  /* NULL until set: gst-inspect reads an instance and must show the
   * documented default, not this process's environment */
  settings->base_url = NULL;
  settings->model = g_strdup (default_model);
  settings->timeout = default_timeout;
  settings->retries = POLLEN_DEFAULT_RETRIES;
  settings->extra_params = NULL;
  settings->max_body_size = POLLEN_DEFAULT_MAX_BODY_SIZE;
  settings->deadline = 0;
  settings->proxy = NULL;
  settings->extra_headers = NULL;
  settings->ssl_ca_file = NULL;
}

void
pollen_settings_clear (PollenSettings * settings)
{
  g_clear_pointer (&settings->api_key, g_free);
  g_clear_pointer (&settings->base_url, g_free);
  g_clear_pointer (&settings->model, g_free);
  g_clear_pointer (&settings->extra_params, gst_structure_free);
  g_clear_pointer (&settings->proxy, g_free);
  g_clear_pointer (&settings->extra_headers, gst_structure_free);
  g_clear_pointer (&settings->ssl_ca_file, g_free);
}

/* @dest (cleared first) becomes a deep copy of @src. Call it with the
 * lock that guards @src. */
void
pollen_settings_copy (PollenSettings * dest, const PollenSettings * src)
{
  pollen_settings_clear (dest);
  dest->api_key = g_strdup (src->api_key);
  dest->base_url = g_strdup (src->base_url);
  dest->model = g_strdup (src->model);
  dest->timeout = src->timeout;
  dest->retries = src->retries;
  dest->max_body_size = src->max_body_size;
  dest->deadline = src->deadline;
  dest->extra_params = src->extra_params ?
      gst_structure_copy (src->extra_params) : NULL;
  dest->proxy = g_strdup (src->proxy);
  dest->extra_headers = src->extra_headers ?
      gst_structure_copy (src->extra_headers) : NULL;
  dest->ssl_ca_file = g_strdup (src->ssl_ca_file);
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
      g_free (settings->api_key);
      settings->api_key = g_value_dup_string (value);
      break;
    case POLLEN_PROP_BASE_URL:
      g_free (settings->base_url);
      settings->base_url = g_value_dup_string (value);
      break;
    case POLLEN_PROP_MODEL:
      g_free (settings->model);
      settings->model = g_value_dup_string (value);
      break;
    case POLLEN_PROP_TIMEOUT:
      settings->timeout = g_value_get_uint (value);
      break;
    case POLLEN_PROP_RETRIES:
      settings->retries = g_value_get_uint (value);
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
      replace_structure (&settings->extra_headers, value);
      break;
    case POLLEN_PROP_PROXY:
      g_free (settings->proxy);
      settings->proxy = g_value_dup_string (value);
      break;
    case POLLEN_PROP_SSL_CA_FILE:
      g_free (settings->ssl_ca_file);
      settings->ssl_ca_file = g_value_dup_string (value);
      break;
    case POLLEN_PROP_MAX_BODY_SIZE:
      settings->max_body_size = g_value_get_uint64 (value);
      break;
    case POLLEN_PROP_DEADLINE:
      settings->deadline = g_value_get_uint (value);
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
      g_value_set_string (value, settings->base_url ? settings->base_url :
          POLLEN_DEFAULT_BASE_URL);
      break;
    case POLLEN_PROP_MODEL:
      g_value_set_string (value, settings->model);
      break;
    case POLLEN_PROP_TIMEOUT:
      g_value_set_uint (value, settings->timeout);
      break;
    case POLLEN_PROP_RETRIES:
      g_value_set_uint (value, settings->retries);
      break;
    case POLLEN_PROP_EXTRA_PARAMS:
      gst_value_set_structure (value, settings->extra_params);
      break;
    case POLLEN_PROP_MAX_BODY_SIZE:
      g_value_set_uint64 (value, settings->max_body_size);
      break;
    case POLLEN_PROP_DEADLINE:
      g_value_set_uint (value, settings->deadline);
      break;
    case POLLEN_PROP_PROXY:
      g_value_set_string (value, settings->proxy);
      break;
    case POLLEN_PROP_EXTRA_HEADERS:
      gst_value_set_structure (value, settings->extra_headers);
      break;
    case POLLEN_PROP_SSL_CA_FILE:
      g_value_set_string (value, settings->ssl_ca_file);
      break;
  }
  GST_OBJECT_UNLOCK (object);
  return TRUE;
}

static void post_error_with_hint (GstElement * element, GstMessageType type,
    GstResourceError code, const gchar * action, const GError * error,
    const gchar * hint);
static GstResourceError resource_error_for (const GError * error);

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
    guint delay_ms, gpointer user_data)
{
  g_autoptr (GstElement) element = g_weak_ref_get (user_data);
  g_autofree gchar *hint = NULL;

  if (!element)
    return;
  hint = g_strdup_printf ("Retrying in %.1f s (attempt %u of %u).",
      delay_ms / 1000.0, attempt, attempts);
  post_error_with_hint (element, GST_MESSAGE_WARNING,
      resource_error_for (error), "A request", error, hint);
}

/* The element is held weakly: a client may outlive it in a worker. */
static void
pollen_settings_watch_retries (GstElement * element, PollenClient * client)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  g_weak_ref_init (weak, element);
  pollen_client_set_retry_func (client, post_retry, weak, weak_ref_free);
}

/* Proxy, headers and CA file; FALSE with @error set when the CA file
 * cannot be read. Call it with the lock that guards @settings. */
static gboolean
pollen_settings_apply_network (PollenClient * client,
    PollenSettings * settings, GError ** error)
{
  pollen_client_set_proxy (client, settings->proxy);
  pollen_client_set_extra_headers (client, settings->extra_headers);
  return pollen_client_set_ca_file (client, settings->ssl_ca_file, error);
}

/* A client configured from a snapshot of the settings; call it in start().
 * Returns NULL, with an error posted, when the settings cannot work. */
PollenClient *
pollen_settings_create_client (GstElement * element,
    PollenSettings * settings)
{
  g_autofree gchar *fallback = default_base_url ();
  g_autoptr (GError) error = NULL;
  PollenClient *client;

  GST_OBJECT_LOCK (element);
  client = pollen_client_new (settings->base_url && *settings->base_url ?
      settings->base_url : fallback, settings->api_key);
  pollen_client_set_timeout (client, settings->timeout);
  pollen_client_set_retries (client, settings->retries);
  pollen_client_set_max_body_size (client, settings->max_body_size);
  pollen_client_set_deadline (client, settings->deadline);
  pollen_settings_apply_network (client, settings, &error);
  if (!settings->api_key || !*settings->api_key)
    GST_WARNING_OBJECT (element, "no api-key set and " POLLEN_API_KEY_ENV
        " is empty: requests go out without a key");
  GST_OBJECT_UNLOCK (element);

  if (error) {
    post_error_with_hint (element, GST_MESSAGE_ERROR,
        GST_RESOURCE_ERROR_SETTINGS, "Reading ssl-ca-file", error,
        "Set ssl-ca-file to a PEM file of CA certificates, or unset it.");
    g_object_unref (client);
    return NULL;
  }
  pollen_client_set_log_object (client, GST_OBJECT (element));
  pollen_settings_watch_retries (element, client);
  return client;
}

/**
 * pollen_settings_client_id:
 *
 * Returns: (transfer full): what a client made now would be made with
 * (base URL, key, timeout, retries, limits, network settings), to compare
 * with the last one: an element that keeps its client while this stays
 * the same keeps its connections. Holds the key: never log it.
 */
gchar *
pollen_settings_client_id (GstElement * element, PollenSettings * settings)
{
  g_autofree gchar *fallback = default_base_url ();
  g_autofree gchar *headers = NULL;
  gchar *id;

  GST_OBJECT_LOCK (element);
  headers = settings->extra_headers ?
      gst_structure_to_string (settings->extra_headers) : NULL;
  id = g_strdup_printf ("%s\n%s\n%u\n%u\n%" G_GUINT64_FORMAT
      "\n%u\n%s\n%s\n%s",
      settings->base_url && *settings->base_url ? settings->base_url :
      fallback, settings->api_key ? settings->api_key : "", settings->timeout,
      settings->retries, settings->max_body_size, settings->deadline,
      settings->proxy ? settings->proxy : "",
      headers ? headers : "", settings->ssl_ca_file ?
      settings->ssl_ca_file : "");
  GST_OBJECT_UNLOCK (element);
  return id;
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

static GstResourceError
resource_error_for (const GError * error)
{
  if (error->domain != POLLEN_CLIENT_ERROR)
    return GST_RESOURCE_ERROR_FAILED;

  switch (error->code) {
    case POLLEN_CLIENT_ERROR_HTTP:
      if (pollen_client_error_get_http_status (error) / 100 == 3)
        return GST_RESOURCE_ERROR_SETTINGS;     /* a redirect not followed */
      switch (pollen_client_error_get_http_status (error)) {
        case 401:
        case 402:
        case 403:
          return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
        case 404:
          return GST_RESOURCE_ERROR_NOT_FOUND;
        case 400:
        case 413:
        case 414:
        case 422:
        case 431:
          return GST_RESOURCE_ERROR_SETTINGS;
        default:
          return GST_RESOURCE_ERROR_READ;
      }
    case POLLEN_CLIENT_ERROR_CONNECT:
    case POLLEN_CLIENT_ERROR_TLS:
      return GST_RESOURCE_ERROR_OPEN_READ;
    case POLLEN_CLIENT_ERROR_TIMEOUT:
    case POLLEN_CLIENT_ERROR_NETWORK:
      return GST_RESOURCE_ERROR_READ;
    case POLLEN_CLIENT_ERROR_LIMIT:
      return GST_RESOURCE_ERROR_SETTINGS;
    default:
      return GST_RESOURCE_ERROR_FAILED;
  }
}

/* What a person can do about it. */
static const gchar *
hint_for (const GError * error)
{
  if (error->domain != POLLEN_CLIENT_ERROR)
    return NULL;

  switch (error->code) {
    case POLLEN_CLIENT_ERROR_HTTP:
      if (pollen_client_error_get_http_status (error) / 100 == 3)
        return "Set base-url to the server's final address.";
      switch (pollen_client_error_get_http_status (error)) {
        case 401:
          return "Set the api-key property or the " POLLEN_API_KEY_ENV
              " environment variable to a valid key "
              "(keys: https://enter.pollinations.ai).";
        case 402:
          return "Top up the pollen balance or raise the key's budget.";
        case 403:
          return "The key may not use this model or resource: pick another "
              "model or key.";
        case 404:
          return "Check base-url and model.";
        case 400:
          return "Check the element's properties against the API reference.";
        case 414:
        case 431:
          return "The request is too long for the server: shorten the prompt.";
        case 422:
          return "The request was refused by the content policy: change the "
              "prompt.";
        case 429:
          return "Rate limited: send fewer requests or raise retries.";
        default:
          return "The service failed; try again later or raise retries.";
      }
    case POLLEN_CLIENT_ERROR_CONNECT:
      return "Check the network connection, base-url and proxy.";
    case POLLEN_CLIENT_ERROR_TIMEOUT:
      return "Raise the timeout property, or retries.";
    case POLLEN_CLIENT_ERROR_TLS:
      return "Check the system's CA certificates and base-url.";
    case POLLEN_CLIENT_ERROR_NETWORK:
      return "The connection broke; raise retries or check the network.";
    default:
      return NULL;
  }
}

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

  if (client)
    pollen_client_redact_error (client, shown);
  post_error_with_hint (element, type, resource_error_for (shown), action,
      shown, hint_for (shown));
}
