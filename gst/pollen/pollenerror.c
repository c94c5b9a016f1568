/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What goes wrong with a request, in one domain: the facts every element
 * reports (HTTP status, the API's code and message, the request id), which
 * failures may be tried again, how a transport failure is named, what the
 * server's error bodies say, what a person can do about each, and the key
 * taken out of every text. Used by the client and by the parsers of what
 * it streams; it knows nothing of either. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenerror.h"
#include "pollenjson.h"
#include "pollendefaults.h"

#include <libsoup/soup.h>
#include <string.h>

/* ---- the domain ---- */

/**
 * pollen_text_make_valid:
 * @text: (nullable): text from the server: a reason phrase, a header, a
 *   message, in whatever bytes it came
 *
 * Every text that goes into a message, an error or a buffer must be UTF-8
 * (GStreamer drops a message string that is not, and gst-launch-1.0 then
 * crashes on it): bytes that are not become U+FFFD, the rest stays.
 *
 * Returns: (transfer full) (nullable): @text as valid UTF-8
 */
gchar *
pollen_text_make_valid (const gchar * text)
{
  return text ? g_utf8_make_valid (text, -1) : NULL;
}

typedef struct
{
  guint http_status;
  gchar *api_code;
  gchar *api_message;
  gchar *request_id;
} PollenClientErrorPrivate;

static void
pollen_client_error_private_init (PollenClientErrorPrivate * priv)
{
}

static void
pollen_client_error_private_copy (const PollenClientErrorPrivate * src,
    PollenClientErrorPrivate * dest)
{
  dest->http_status = src->http_status;
  dest->api_code = g_strdup (src->api_code);
  dest->api_message = g_strdup (src->api_message);
  dest->request_id = g_strdup (src->request_id);
}

static void
pollen_client_error_private_clear (PollenClientErrorPrivate * priv)
{
  g_free (priv->api_code);
  g_free (priv->api_message);
  g_free (priv->request_id);
}

G_DEFINE_EXTENDED_ERROR (PollenClientError, pollen_client_error);

static const PollenClientErrorPrivate *
error_private (const GError * error)
{
  if (!error || error->domain != POLLEN_CLIENT_ERROR)
    return NULL;
  return pollen_client_error_get_private (error);
}

guint
pollen_client_error_get_http_status (const GError * error)
{
  const PollenClientErrorPrivate *priv = error_private (error);

  return priv ? priv->http_status : 0;
}

const gchar *
pollen_client_error_get_api_code (const GError * error)
{
  const PollenClientErrorPrivate *priv = error_private (error);

  return priv ? priv->api_code : NULL;
}

const gchar *
pollen_client_error_get_api_message (const GError * error)
{
  const PollenClientErrorPrivate *priv = error_private (error);

  return priv ? priv->api_message : NULL;
}

const gchar *
pollen_client_error_get_request_id (const GError * error)
{
  const PollenClientErrorPrivate *priv = error_private (error);

  return priv ? priv->request_id : NULL;
}

/**
 * pollen_client_error_new:
 * @http_status: 0 when no status applies
 * @api_code: (nullable): the API's error code
 * @api_message: (nullable): the API's error message
 * @request_id: (nullable): the X-Request-Id of the answer
 *
 * An error in the client's domain with the facts every element reports:
 * made by the client, and by the parsers of what it streams (SSE,
 * transcripts).
 */
GError *
pollen_client_error_new (PollenClientError code, guint http_status,
    const gchar * api_code, const gchar * api_message,
    const gchar * request_id, const gchar * message)
{
  g_autofree gchar *text = pollen_text_make_valid (message);
  GError *error = g_error_new_literal (POLLEN_CLIENT_ERROR, code, text);
  PollenClientErrorPrivate *priv = pollen_client_error_get_private (error);

  priv->http_status = http_status;
  priv->api_code = pollen_text_make_valid (api_code);
  priv->api_message = pollen_text_make_valid (api_message);
  priv->request_id = pollen_text_make_valid (request_id);
  return error;
}

/* Statuses that say "not now" rather than "not like this". */
static gboolean
status_is_transient (guint status)
{
  switch (status) {
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
    case 524:                  /* the CDN gave up on a long generation */
      return TRUE;
    default:
      return FALSE;
  }
}

/**
 * pollen_client_error_is_transient:
 *
 * The one rule for what may be tried again, by the client's retries and by
 * an element's skip-failed policy alike.
 *
 * Returns: %TRUE for a failure a later request may not meet: 429, 500,
 * 502, 503, 504, 524, or a refused, lost or timed-out connection. Other
 * 4xx/5xx answers (the settings are wrong), TLS failures and answers that
 * cannot be understood are not.
 */
gboolean
pollen_client_error_is_transient (const GError * error)
{
  if (error->domain != POLLEN_CLIENT_ERROR)
    return FALSE;
  switch (error->code) {
    case POLLEN_CLIENT_ERROR_HTTP:
      return status_is_transient (pollen_client_error_get_http_status (error));
    case POLLEN_CLIENT_ERROR_CONNECT:
    case POLLEN_CLIENT_ERROR_NETWORK:
    case POLLEN_CLIENT_ERROR_TIMEOUT:
      return TRUE;
    default:
      return FALSE;
  }
}

/* ---- transport failures ---- */

/* libsoup says "Header too big" with a PARTIAL_INPUT code, like a lost
 * connection; only the text tells them apart. */
static gboolean
is_header_too_big (const GError * cause)
{
  return g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) &&
      (g_str_equal (cause->message, "Header too big") ||
      g_str_equal (cause->message, g_dgettext ("libsoup-3.0",
              "Header too big")));
}

/* How each transport failure is named, first match wins. A malformed
 * answer (libsoup's SoupSessionError: a redirect loop, bad framing) is not a
 * lost connection: the same server would answer the same way again. */
static const struct
{
  GQuark (*domain) (void);
  gint code;                    /* -1: any code of the domain */
  PollenClientError client_code;
  const gchar *what;
} transport_errors[] = {
  {g_io_error_quark, G_IO_ERROR_TIMED_OUT, POLLEN_CLIENT_ERROR_TIMEOUT,
      "timed out"},
  {g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED,
      POLLEN_CLIENT_ERROR_CONNECT, "cannot connect"},
  {g_io_error_quark, G_IO_ERROR_HOST_UNREACHABLE, POLLEN_CLIENT_ERROR_CONNECT,
      "cannot connect"},
  {g_io_error_quark, G_IO_ERROR_NETWORK_UNREACHABLE,
      POLLEN_CLIENT_ERROR_CONNECT, "cannot connect"},
  {g_resolver_error_quark, -1, POLLEN_CLIENT_ERROR_CONNECT,
      "cannot resolve host"},
  {g_tls_error_quark, -1, POLLEN_CLIENT_ERROR_TLS, "TLS error"},
  {soup_session_error_quark, -1, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server's answer is not usable HTTP"},
  {g_io_error_quark, G_IO_ERROR_PARTIAL_INPUT, POLLEN_CLIENT_ERROR_NETWORK,
      "connection closed before the whole body arrived"},
  {g_io_error_quark, G_IO_ERROR_CONNECTION_CLOSED, POLLEN_CLIENT_ERROR_NETWORK,
      "connection lost"},
  {g_io_error_quark, G_IO_ERROR_BROKEN_PIPE, POLLEN_CLIENT_ERROR_NETWORK,
      "connection lost"},
};

static const gchar *
transport_what (const GError * cause, PollenClientError * code)
{
  guint i;

  *code = POLLEN_CLIENT_ERROR_BAD_RESPONSE;
  if (is_header_too_big (cause))
    return "the server's response headers are too big";
  for (i = 0; i < G_N_ELEMENTS (transport_errors); i++) {
    if (cause->domain == transport_errors[i].domain () &&
        (transport_errors[i].code < 0 ||
            cause->code == transport_errors[i].code)) {
      *code = transport_errors[i].client_code;
      return transport_errors[i].what;
    }
  }
  *code = POLLEN_CLIENT_ERROR_NETWORK;
  return "network error";
}

/**
 * pollen_client_error_from_transport:
 * @url_host: "host:port", for the message
 *
 * Maps a GIO/TLS/resolver/libsoup error to a client error. Cancellation is
 * passed through unchanged so callers can tell it from a failure.
 */
GError *
pollen_client_error_from_transport (const GError * cause,
    const gchar * url_host, const gchar * request_id)
{
  PollenClientError code;
  const gchar *what;
  g_autofree gchar *message = NULL;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (cause);
  what = transport_what (cause, &code);
  message = g_strdup_printf ("%s (%s): %s", what, url_host, cause->message);
  return pollen_client_error_new (code, 0, NULL, NULL, request_id, message);
}

/* ---- error bodies ---- */

/* A count member, or -1. */
static gint64
object_get_count (JsonObject * object, const gchar * name)
{
  gdouble number;

  if (!pollen_json_get_number (object, name, &number))
    return -1;
  return (gint64) CLAMP (number, -1, G_MAXINT);
}

/* The @index-th member of @array when it is a string, else NULL. */
static const gchar *
array_get_string (JsonArray * array, guint index)
{
  JsonNode *node = array && index < json_array_get_length (array) ?
      json_array_get_element (array, index) : NULL;

  if (!node || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Appends the validation details the gateway puts in error.details (zod's
 * flattened issues): each problem of the request as a whole (formErrors,
 * "Invalid input: expected object, received array"), and the first of
 * each field (fieldErrors, "width: Expected number"). */
static void
append_validation_errors (GString * out, JsonObject * details)
{
  JsonArray *form = pollen_json_get_array (details, "formErrors");
  JsonObject *fields = pollen_json_get_object (details, "fieldErrors");
  GList *members, *l;
  const gchar *problem;
  guint i;

  for (i = 0; form && i < json_array_get_length (form); i++) {
    if ((problem = array_get_string (form, i)))
      g_string_append_printf (out, "; %s", problem);
  }
  if (!fields)
    return;
  members = json_object_get_members (fields);
  for (l = members; l; l = l->next) {
    problem = array_get_string (pollen_json_get_array (fields, l->data), 0);
    if (problem)
      g_string_append_printf (out, "; %s: %s", (gchar *) l->data, problem);
  }
  g_list_free (members);
}

/* What the gateway passes on from a provider that refused it for its own
 * reasons (remapUpstreamStatus in the server's shared/error.ts): the
 * provider's key, quota or routing, not the request's. */
static gboolean
upstream_status_is_operational (gint status)
{
  return status != 400 && status != 413 && status != 415 && status != 422;
}

/* A provider failure (details.upstreamStatus, upstreamHost, upstreamBody).
 * The gateway's message is then the provider's own words, which may well
 * be "invalid API key" about the gateway's key with that provider: they
 * are said to be the provider's, with the start of its body when that
 * adds to them. */
static void
append_upstream (GString * out, JsonObject * details)
{
  const gchar *host = pollen_json_get_string (details, "upstreamHost");
  const gchar *body = pollen_json_get_string (details, "upstreamBody");
  g_autoptr (GString) said = g_string_new ("the model's provider");
  gdouble number;
  gint status;

  if (!pollen_json_get_number (details, "upstreamStatus", &number))
    return;
  status = (gint) number;
  if (host)
    g_string_append_printf (said, " (%s)", host);
  g_string_append_printf (said, " answered %d", status);
  if (upstream_status_is_operational (status))
    g_string_append (said, ", a failure between the server and its "
        "provider, not of this request's key");
  if (body && *body && !strstr (out->str, body)) {
    g_autofree gchar *quote = pollen_body_quote (body, strlen (body), 200);

    g_string_append_printf (said, ": %s", quote);
  }
  if (out->len)
    g_string_append_printf (out, " (%s)", said->str);
  else
    g_string_append (out, said->str);
}

void
pollen_api_error_clear (PollenApiError * api)
{
  g_free (api->code);
  g_free (api->message);
  g_free (api->request_id);
}

/* Reads the three error shapes of today's server (docs/api-notes.md): the
 * envelope {error:{code,message,requestId,details}}, its details being
 * validation problems or a provider's failure, and the two 429 bodies
 * {error:"…",message:"…",retryAfterSeconds:N}. Anything else: the body's
 * first line as text. */
void
pollen_api_error_parse (PollenApiError * api, GBytes * body)
{
  gsize size;
  const gchar *data = g_bytes_get_data (body, &size);
  g_autoptr (JsonNode) root_node = pollen_json_parse (data, size, NULL);
  JsonObject *root, *inner;

  api->retry_after_s = -1;
  if (!root_node || !JSON_NODE_HOLDS_OBJECT (root_node)) {
    g_autofree gchar *text = pollen_body_quote (data, size, 300);

    api->message = *text ? g_steal_pointer (&text) : NULL;
    return;
  }

  root = json_node_get_object (root_node);
  inner = pollen_json_get_object (root, "error");
  if (inner) {
    GString *message = g_string_new (pollen_json_get_string (inner,
            "message"));
    JsonObject *details = pollen_json_get_object (inner, "details");

    append_upstream (message, details);
    append_validation_errors (message, details);
    api->code = g_strdup (pollen_json_get_string (inner, "code"));
    api->request_id = g_strdup (pollen_json_get_string (inner, "requestId"));
    api->message = g_string_free (message, message->len == 0);
  } else {
    api->code = g_strdup (pollen_json_get_string (root, "error"));
    api->retry_after_s = object_get_count (root, "retryAfterSeconds");
  }
  if (!api->message)
    api->message = g_strdup (pollen_json_get_string (root, "message"));
}

/* ---- what to do ---- */

/**
 * pollen_client_error_resource_code:
 *
 * Returns: the GST_RESOURCE_ERROR code an element posts @error with:
 * NOT_AUTHORIZED for 401/402/403, NOT_FOUND for 404, SETTINGS for what the
 * settings decide (400, 422, too long, a limit), OPEN_READ when no
 * connection was made, READ for the rest.
 */
GstResourceError
pollen_client_error_resource_code (const GError * error)
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
    case POLLEN_CLIENT_ERROR_CLOSED:
      /* 1008: the server's policy refused what was sent */
      return g_strcmp0 (pollen_client_error_get_api_code (error), "1008") ?
          GST_RESOURCE_ERROR_READ : GST_RESOURCE_ERROR_SETTINGS;
    default:
      return GST_RESOURCE_ERROR_FAILED;
  }
}

/* Which limit a 429 was, and what lifts it. */
static const gchar *
rate_limit_hint (const GError * error)
{
  const gchar *code = pollen_client_error_get_api_code (error);

  if (g_strcmp0 (code, CONCURRENCY_LIMIT_CODE) == 0)
    return "The account runs one generation at a time: raise timeout, "
        "lower max-in-flight, or buy pollen to lift the limit.";
  if (g_strcmp0 (code, MODEL_RATE_LIMIT_CODE) == 0)
    return "That is the model's per-user limit of requests a minute: "
        "requests wait for it within timeout; ask less often (a longer "
        "interval, a lower max-in-flight), raise timeout, or pick another "
        "model.";
  return "Rate limited: send fewer requests or raise retries.";
}

/**
 * pollen_client_error_hint:
 *
 * Returns: (nullable): what a person can do about @error, one sentence.
 */
const gchar *
pollen_client_error_hint (const GError * error)
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
          return rate_limit_hint (error);
        default:
          return "The server or the model's provider failed, not the key "
              "or the settings: try again later, raise retries, or pick "
              "another model.";
      }
    case POLLEN_CLIENT_ERROR_CONNECT:
      return "Check the network connection, base-url and proxy.";
    case POLLEN_CLIENT_ERROR_TIMEOUT:
      return "Raise the timeout property, or retries.";
    case POLLEN_CLIENT_ERROR_TLS:
      return "Check the system's CA certificates and base-url.";
    case POLLEN_CLIENT_ERROR_NETWORK:
      return "The connection broke; raise retries or check the network.";
    case POLLEN_CLIENT_ERROR_CLOSED:
      return "Check the model and the element's properties against the "
          "server's reason; a session that drops is opened again up to "
          "retries times.";
    default:
      return NULL;
  }
}

/**
 * pollen_client_error_hint_for_key:
 * @api_key: (nullable): the key the request was sent with
 *
 * Like pollen_client_error_hint(), knowing the kind of key: a publishable
 * (pk_…) key no longer spends its owner's pollen, so its 402 is not about
 * the balance.
 *
 * Returns: (nullable): what a person can do about @error, one sentence.
 */
const gchar *
pollen_client_error_hint_for_key (const GError * error, const gchar * api_key)
{
  if (pollen_client_error_get_http_status (error) == 402 && api_key &&
      g_str_has_prefix (api_key, "pk_"))
    return "A publishable (pk_...) key can no longer spend its owner's "
        "pollen: set api-key to a secret (sk_...) key from "
        "https://enter.pollinations.ai/keys.";
  return pollen_client_error_hint (error);
}

/* ---- the key out of every text ---- */

/* @key with every byte written as @format ("\\u%04x", "%%%02X" …). */
static gchar *
escape_every_byte (const gchar * key, const gchar * format)
{
  GString *out = g_string_new (NULL);
  const guchar *c;

  for (c = (const guchar *) key; *c; c++)
    g_string_append_printf (out, format, *c);
  return g_string_free (out, FALSE);
}

/* The forms @key takes where a server or a proxy echoes it: as it is,
 * JSON-escaped (only what must be, or every character as \uXXXX), and
 * URL-encoded (only what must be, or every byte), in either case of hex. */
static GPtrArray *
key_forms (const gchar * key)
{
  static const gchar *const every_byte[] = { "\\u%04x", "\\u%04X",
    "%%%02X", "%%%02x"
  };
  GPtrArray *forms = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_ptr_array_add (forms, g_strdup (key));
  g_ptr_array_add (forms, g_strescape (key, NULL));
  g_ptr_array_add (forms, g_uri_escape_string (key, NULL, FALSE));
  for (i = 0; i < G_N_ELEMENTS (every_byte); i++)
    g_ptr_array_add (forms, escape_every_byte (key, every_byte[i]));
  return forms;
}

/* A quote cut short ends in "…" (pollen_body_quote()), and may cut the
 * key: the start of @form right before a "…" (4 bytes or more) becomes
 * "****", in place. */
static void
redact_cut_key (gchar * text, const gchar * form)
{
  static const gchar cut[] = "…";
  gsize form_size = strlen (form);
  gchar *at;

  for (at = strstr (text, cut); at; at = strstr (at + 1, cut)) {
    gsize n;

    for (n = MIN (form_size - 1, (gsize) (at - text)); n >= 4; n--) {
      if (strncmp (at - n, form, n) == 0) {
        memset (at - n, '*', n);
        break;
      }
    }
  }
}

/**
 * pollen_redact:
 * @key: (nullable): the API key
 *
 * The key must never show in a message or a log line, even where a server
 * or a proxy echoes it: as it is, JSON-escaped, or URL-encoded (see
 * key_forms()), nor its start where a quote was cut inside it. Only the
 * key goes: the text around it ("Bearer token") stays as it was.
 *
 * Returns: (transfer full): @text with every form of @key replaced by
 * "[REDACTED]".
 */
gchar *
pollen_redact (const gchar * text, const gchar * key)
{
  g_autoptr (GPtrArray) forms = NULL;
  gchar *redacted = g_strdup (text);
  guint i;

  if (!key || !*key || !text)
    return redacted;
  forms = key_forms (key);
  for (i = 0; i < forms->len; i++) {
    g_auto (GStrv) parts = NULL;

    redact_cut_key (redacted, forms->pdata[i]);
    if (!strstr (redacted, forms->pdata[i]))
      continue;
    parts = g_strsplit (redacted, forms->pdata[i], -1);
    g_free (redacted);
    redacted = g_strjoinv ("[REDACTED]", parts);
  }
  return redacted;
}

static void
redact_in_place (gchar ** text, const gchar * key)
{
  gchar *redacted;

  if (!*text)
    return;
  redacted = pollen_redact (*text, key);
  g_free (*text);
  *text = redacted;
}

/**
 * pollen_client_error_redact:
 * @error: (nullable): an error, of any domain
 * @key: (nullable): the API key
 *
 * Takes @key out of @error's message and, in the client's domain, out of
 * its API code, API message and request id.
 */
void
pollen_client_error_redact (GError * error, const gchar * key)
{
  PollenClientErrorPrivate *priv;

  if (!error)
    return;
  redact_in_place (&error->message, key);
  if (error->domain != POLLEN_CLIENT_ERROR)
    return;
  priv = pollen_client_error_get_private (error);
  redact_in_place (&priv->api_code, key);
  redact_in_place (&priv->api_message, key);
  redact_in_place (&priv->request_id, key);
}

