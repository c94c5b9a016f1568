/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The one HTTP client of gst-pollen (DESIGN.md §3). Nothing outside this
 * file knows about libsoup.
 *
 * Every call is blocking; libsoup ≥ 3.2 allows the sync API from any thread,
 * so elements call it from their streaming or worker threads and interrupt
 * it with a GCancellable. The client itself holds no lock: its settings are
 * fixed before the first request. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenclient.h"
#include "pollenclient-private.h"
#include "pollenjson.h"
#include "pollenlimiter.h"
#include "pollenrequest.h"

#include <libsoup/soup.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (pollen_client_debug);
#define GST_CAT_DEFAULT pollen_client_debug

#define MAX_ERROR_BODY (64 * 1024)
#define READ_CHUNK (64 * 1024)
#define BACKOFF_BASE_MS 500
#define BACKOFF_MAX_MS 30000
#define RETRY_AFTER_MAX_S 300
#define WIRE_LOG_BODY_BYTES 1024
#define MAX_REDIRECTS 5
/* a TLS handshake takes well under a second; one that has not finished in
 * this time is talking to something that does not speak TLS */
#define TLS_HANDSHAKE_TIMEOUT_S 10
/* above this a URL is at risk with proxies and CDNs (8 KiB is common) */
#define LONG_URL 8192

struct _PollenClient
{
  GObject parent;

  PollenClientConfig config;    /* fixed at construction */
  SoupSession *session;
  PollenLimiter *limiter;       /* shared with every client of the account */
  GstObject *log_object;        /* weak: the element that owns the client */
  PollenClientRetryFunc retry_func;
  gpointer retry_data;
  GDestroyNotify retry_notify;
};

G_DEFINE_TYPE (PollenClient, pollen_client, G_TYPE_OBJECT);

/* ---- the client ---- */

static void
pollen_client_finalize (GObject * object)
{
  PollenClient *self = POLLEN_CLIENT (object);

  g_object_unref (self->session);
  pollen_client_config_clear (&self->config);
  pollen_limiter_unref (self->limiter);
  g_clear_weak_pointer (&self->log_object);
  pollen_client_set_retry_func (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (pollen_client_parent_class)->finalize (object);
}

static void
pollen_client_class_init (PollenClientClass * klass)
{
  G_OBJECT_CLASS (klass)->finalize = pollen_client_finalize;

  GST_DEBUG_CATEGORY_INIT (pollen_client_debug, "pollenclient", 0,
      "gst-pollen HTTP client (TRACE logs the wire, key redacted)");
}

static void
pollen_client_init (PollenClient * self)
{
}

/**
 * pollen_client_redact:
 *
 * Returns: (transfer full): @text without the client's key, in any of the
 * forms it may take (see pollen_redact()).
 */
gchar *
pollen_client_redact (PollenClient * self, const gchar * text)
{
  return pollen_redact (text, self->config.api_key);
}

GstDebugCategory *
pollen_client_debug_category (void)
{
  return pollen_client_debug;
}

/* The element debug lines are logged against, or NULL. */
GstObject *
pollen_client_get_log_object (PollenClient * self)
{
  return self->log_object;
}

/**
 * pollen_client_redact_error:
 * @error: (nullable): an error made from what the server sent, outside
 *   the client (the errors of a streamed body's parser)
 *
 * Takes the key out of @error, as the client does for its own errors.
 */
void
pollen_client_redact_error (PollenClient * self, GError * error)
{
  pollen_client_error_redact (error, self->config.api_key);
}

/* A body line as a person can read it: text as it is, anything else
 * (audio, pictures) as its size. */
static gchar *
wire_log_line (const gchar * data)
{
  gsize length = strlen (data);

  if (g_utf8_validate (data, length, NULL))
    return g_strdup (data);
  return g_strdup_printf ("[%" G_GSIZE_FORMAT " bytes of binary data]",
      length);
}

/* SoupLogger prints one line at a time; the key never reaches the log. */
static void
wire_log_printer (SoupLogger * logger, SoupLoggerLogLevel level,
    char direction, const char *data, gpointer user_data)
{
  PollenClient *self = user_data;
  g_autofree gchar *line = wire_log_line (data);
  g_autofree gchar *redacted = pollen_redact (line, self->config.api_key);

  GST_CAT_TRACE_OBJECT (pollen_client_debug, self->log_object, "%c %s",
      direction, redacted);
}

/* At TRACE: request and response headers, and the start of each body
 * (JSON and form fields as text, media bytes summarised). */
static void
pollen_client_add_wire_log (PollenClient * self)
{
  SoupLogger *logger;

  if (gst_debug_category_get_threshold (pollen_client_debug) < GST_LEVEL_TRACE)
    return;
  logger = soup_logger_new (SOUP_LOGGER_LOG_BODY);
  soup_logger_set_max_body_size (logger, WIRE_LOG_BODY_BYTES);
  soup_logger_set_printer (logger, wire_log_printer, self, NULL);
  soup_session_add_feature (self->session, SOUP_SESSION_FEATURE (logger));
  g_object_unref (logger);
}

/* ---- the configuration ---- */

/* @dest (cleared first) becomes a deep copy of @src. */
void
pollen_client_config_copy (PollenClientConfig * dest,
    const PollenClientConfig * src)
{
  pollen_client_config_clear (dest);
  *dest = *src;
  dest->base_url = g_strdup (src->base_url);
  dest->api_key = g_strdup (src->api_key);
  dest->proxy = g_strdup (src->proxy);
  dest->extra_headers = src->extra_headers ?
      gst_structure_copy (src->extra_headers) : NULL;
  dest->ssl_ca_file = g_strdup (src->ssl_ca_file);
}

void
pollen_client_config_clear (PollenClientConfig * config)
{
  g_clear_pointer (&config->base_url, g_free);
  g_clear_pointer (&config->api_key, g_free);
  g_clear_pointer (&config->proxy, g_free);
  g_clear_pointer (&config->extra_headers, gst_structure_free);
  g_clear_pointer (&config->ssl_ca_file, g_free);
}

static gboolean
structures_equal (const GstStructure * a, const GstStructure * b)
{
  return a == b || (a && b && gst_structure_is_equal (a, b));
}

/* Unset and empty strings mean the same: nothing set. */
static gboolean
texts_equal (const gchar * a, const gchar * b)
{
  return g_strcmp0 (a && *a ? a : NULL, b && *b ? b : NULL) == 0;
}

/**
 * pollen_client_config_equal:
 *
 * Returns: whether a client made from @a would be the same as one made
 * from @b: an element that keeps its client while this holds keeps its
 * connections.
 */
gboolean
pollen_client_config_equal (const PollenClientConfig * a,
    const PollenClientConfig * b)
{
  return texts_equal (a->base_url, b->base_url) &&
      texts_equal (a->api_key, b->api_key) && a->timeout == b->timeout &&
      a->retries == b->retries && a->max_body_size == b->max_body_size &&
      a->deadline == b->deadline && texts_equal (a->proxy, b->proxy) &&
      structures_equal (a->extra_headers, b->extra_headers) &&
      texts_equal (a->ssl_ca_file, b->ssl_ca_file);
}

/* ---- the client ---- */

/* A fixed proxy URI ("http://host:3128"); unset keeps libsoup's default
 * resolver, which follows http_proxy, https_proxy and no_proxy. */
static void
pollen_client_use_proxy (PollenClient * self, const gchar * proxy)
{
  g_autoptr (GProxyResolver) resolver = NULL;

  if (!proxy || !*proxy)
    return;
  resolver = g_simple_proxy_resolver_new (proxy, NULL);
  soup_session_set_proxy_resolver (self->session, resolver);
}

/* Trust the CAs in the PEM file at @path (instead of the system's), for a
 * gateway with a private certificate. */
static gboolean
pollen_client_use_ca_file (PollenClient * self, const gchar * path,
    GError ** error)
{
  g_autoptr (GTlsDatabase) database = NULL;

  if (!path || !*path)
    return TRUE;
  database = g_tls_file_database_new (path, error);
  if (!database)
    return FALSE;
  soup_session_set_tls_database (self->session, database);
  return TRUE;
}

/**
 * pollen_client_new:
 * @config: what the client is made with; copied
 *
 * Returns: (transfer full): a client, or %NULL with @error set when
 * @config's ssl-ca-file cannot be read.
 */
PollenClient *
pollen_client_new (const PollenClientConfig * config, GError ** error)
{
  g_autoptr (PollenClient) self = g_object_new (POLLEN_TYPE_CLIENT, NULL);

  pollen_client_config_copy (&self->config, config);
  if (self->config.api_key && !*self->config.api_key)
    g_clear_pointer (&self->config.api_key, g_free);
  self->limiter = pollen_limiter_get (config->base_url,
      self->config.api_key);
  /* several filters keep more than two requests in flight */
  self->session = soup_session_new_with_options ("user-agent",
      "gst-pollen/" PACKAGE_VERSION, "max-conns-per-host", 16, "max-conns",
      32, "timeout", config->timeout, NULL);
  pollen_client_use_proxy (self, config->proxy);
  if (!pollen_client_use_ca_file (self, config->ssl_ca_file, error))
    return NULL;
  pollen_client_add_wire_log (self);
  return g_steal_pointer (&self);
}

/* Returns: (transfer none): what the client was made with. */
const PollenClientConfig *
pollen_client_get_config (PollenClient * client)
{
  return &client->config;
}

/* The headers the client owns: an extra header must not replace the key,
 * the id that ties a request to the server's logs, or the body's framing. */
gboolean
pollen_client_header_is_reserved (const gchar * name)
{
  static const gchar *const reserved[] = { "Authorization", "X-Request-Id",
    "Content-Type", "Content-Length"
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (g_ascii_strcasecmp (name, reserved[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The element that debug lines are logged against. */
void
pollen_client_set_log_object (PollenClient * client, GstObject * object)
{
  g_set_weak_pointer (&client->log_object, object);
}

/* @func hears of each retry, so that the element can tell the application
 * why a request is slow (a debug line is seen by nobody). */
void
pollen_client_set_retry_func (PollenClient * client,
    PollenClientRetryFunc func, gpointer user_data, GDestroyNotify notify)
{
  if (client->retry_notify)
    client->retry_notify (client->retry_data);
  client->retry_func = func;
  client->retry_data = user_data;
  client->retry_notify = notify;
}

/* How many requests the account may run at once, as learned from the
 * server's refusals (G_MAXUINT: no limit seen). */
guint
pollen_client_get_concurrency_limit (PollenClient * client)
{
  return pollen_limiter_get_limit (client->limiter);
}

/* The body as valid UTF-8 (NUL bytes too become U+FFFD) with the key
 * taken out, before anything quotes or cuts it. */
static GBytes *
pollen_client_redact_body (PollenClient * self, GBytes * body)
{
  gsize size;
  const gchar *data = g_bytes_get_data (body, &size);
  /* an empty GBytes may hold no pointer at all */
  g_autofree gchar *text = g_utf8_make_valid (size ? data : "", size);
  gchar *redacted = pollen_redact (text, self->config.api_key);

  return g_bytes_new_take (redacted, strlen (redacted));
}

/* An attempt that failed, and whether and when it may be tried again. */
typedef struct
{
  GError *error;
  gboolean retryable;
  guint delay_ms;               /* from Retry-After, 0 = use back-off */
  gint64 asked_s;               /* the Retry-After the server asked, or -1 */
} Failure;

#define FAILURE_INIT { NULL, FALSE, 0, -1 }

/* ---- the deadline of a request ---- */

#define DEADLINE_TEXT "did not arrive within the deadline: raise the " \
  "deadline property (seconds, 0 = none)"

/* A thread that runs nothing but deadline timers: a blocking send cannot
 * look at the clock while headers or an error body drip in, so a timer
 * cancels it. It lives as long as the process. */
static gpointer
deadline_thread (gpointer context)
{
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

static GMainContext *
deadline_context (void)
{
  static gsize context = 0;

  if (g_once_init_enter (&context)) {
    GMainContext *made = g_main_context_new ();

    g_thread_unref (g_thread_new ("pollen-deadline", deadline_thread, made));
    g_once_init_leave (&context, (gsize) made);
  }
  return (GMainContext *) context;
}

/* What one attempt waits on: the caller's cancellable, and a timer at the
 * deadline. */
typedef struct
{
  GCancellable *cancellable;    /* NULL: no deadline, the caller's is used */
  GCancellable *parent;
  gulong handler;
  GSource *timer;
} DeadlineWatch;

static void
cancel_child (GCancellable * parent, GCancellable * child)
{
  g_cancellable_cancel (child);
}

static gboolean
deadline_passed (gpointer child)
{
  g_cancellable_cancel (child);
  return G_SOURCE_REMOVE;
}

/* Returns: (transfer none): what the attempt is to be cancelled by. */
static GCancellable *
deadline_watch_start (DeadlineWatch * watch, GCancellable * parent,
    gint64 deadline_us)
{
  gint64 left_ms = (deadline_us - g_get_monotonic_time ()) / 1000;

  memset (watch, 0, sizeof (*watch));
  if (!deadline_us)
    return parent;
  watch->cancellable = g_cancellable_new ();
  watch->parent = parent;
  if (parent)
    watch->handler = g_cancellable_connect (parent, G_CALLBACK (cancel_child),
        g_object_ref (watch->cancellable), g_object_unref);
  watch->timer = g_timeout_source_new (CLAMP (left_ms, 0, G_MAXUINT));
  g_source_set_callback (watch->timer, deadline_passed,
      g_object_ref (watch->cancellable), g_object_unref);
  g_source_attach (watch->timer, deadline_context ());
  return watch->cancellable;
}

/* Returns: whether the deadline cut the attempt short. */
static gboolean
deadline_watch_stop (DeadlineWatch * watch)
{
  gboolean cut;

  if (!watch->cancellable)
    return FALSE;
  g_source_destroy (watch->timer);
  g_source_unref (watch->timer);
  if (watch->parent)
    g_cancellable_disconnect (watch->parent, watch->handler);
  cut = g_cancellable_is_cancelled (watch->cancellable) &&
      !g_cancellable_is_cancelled (watch->parent);
  g_object_unref (watch->cancellable);
  return cut;
}

/* An attempt the deadline cut: headers that never ended, an error body
 * still coming (its status and what came of it are kept in the text). */
static void
deadline_failure (Failure * failure)
{
  GError *cut = failure->error;
  guint status = pollen_client_error_get_http_status (cut);
  g_autofree gchar *text = status ?
      g_strdup_printf ("%s…: the error body " DEADLINE_TEXT, cut->message) :
      g_strdup ("the answer " DEADLINE_TEXT);

  failure->error = pollen_client_error_new (POLLEN_CLIENT_ERROR_LIMIT, status,
      pollen_client_error_get_api_code (cut), NULL,
      pollen_client_error_get_request_id (cut), text);
  failure->retryable = FALSE;
  g_error_free (cut);
}

/* ---- one attempt ---- */

static gint64
parse_retry_after (SoupMessage * msg, gint64 from_body)
{
  const gchar *header =
      soup_message_headers_get_one (soup_message_get_response_headers (msg),
      "Retry-After");
  guint64 seconds;

  if (header) {
    g_autoptr (GDateTime) date = NULL;

    if (g_ascii_string_to_unsigned (header, 10, 0, G_MAXINT, &seconds, NULL))
      return seconds;
    date = soup_date_time_new_from_http_string (header);
    if (date) {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

      return MAX (0, g_date_time_difference (date, now) / G_TIME_SPAN_SECOND);
    }
  }
  return from_body;
}

static GBytes *
read_error_body (GInputStream * stream, GCancellable * cancellable)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buf[4096];
  gssize n;

  while (data->len < MAX_ERROR_BODY &&
      (n = g_input_stream_read (stream, buf, sizeof (buf), cancellable,
              NULL)) > 0)
    g_byte_array_append (data, buf, n);
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/* HTTP/2 has no reason phrase and libsoup knows no phrase for some codes
 * this API uses. */
static const gchar *
status_phrase (SoupMessage * msg)
{
  static const struct
  {
    guint status;
    const gchar *phrase;
  } phrases[] = {
    {402, "Payment Required"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {524, "A Timeout Occurred"},
  };
  guint status = soup_message_get_status (msg);
  const gchar *reason = soup_message_get_reason_phrase (msg);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (phrases); i++) {
    if (phrases[i].status == status)
      return phrases[i].phrase;
  }
  if (reason && *reason)
    return reason;
  return soup_status_get_phrase (status);
}

static const gchar *
response_request_id (SoupMessage * msg)
{
  return soup_message_headers_get_one (soup_message_get_response_headers
      (msg), "X-Request-Id");
}

static gsize
url_length (SoupMessage * msg)
{
  g_autofree gchar *url = g_uri_to_string (soup_message_get_uri (msg));

  return strlen (url);
}

/* Said after a 414/431, and after a reset while a long URL was sent: which
 * length to cut. The server's own message names its limit when it has one. */
static gchar *
url_too_long_hint (guint status, SoupMessage * msg,
    const PollenRequest * request)
{
  if ((status != 414 && status != 431 && status != 0) ||
      pollen_request_get_longest_segment (request) == 0)
    return g_strdup ("");
  return g_strdup_printf ("; the URL was %" G_GSIZE_FORMAT " bytes with a "
      "prompt of %" G_GSIZE_FORMAT " bytes: shorten the prompt",
      url_length (msg), pollen_request_get_longest_segment (request));
}

/* Turns an error status into a Failure that names the status, the API's
 * code and message, and the request id. */
static void
pollen_client_http_failure (PollenClient * self,
    const PollenRequest * request, SoupMessage * msg, GInputStream * stream,
    GCancellable * cancellable, Failure * failure)
{
  g_autoptr (GBytes) raw = read_error_body (stream, cancellable);
  g_autoptr (GBytes) body = pollen_client_redact_body (self, raw);
  guint status = soup_message_get_status (msg);
  const gchar *reason = status_phrase (msg);
  PollenApiError api = { 0, };
  g_autofree gchar *text = NULL;
  g_autofree gchar *hint = url_too_long_hint (status, msg, request);
  const gchar *request_id;
  gint64 retry_after;

  pollen_api_error_parse (&api, body);
  request_id = response_request_id (msg);
  if (!request_id)
    request_id = api.request_id;
  text = g_strdup_printf ("%u %s%s%s%s", status, reason,
      api.message ? ": " : "", api.message ? api.message : "", hint);
  failure->error = pollen_client_error_new (POLLEN_CLIENT_ERROR_HTTP, status,
      api.code, api.message, request_id, text);
  failure->retryable = pollen_client_error_is_transient (failure->error);
  retry_after = parse_retry_after (msg, api.retry_after_s);
  if (retry_after >= 0)
    failure->delay_ms = MIN (retry_after, RETRY_AFTER_MAX_S) * 1000;
  failure->asked_s = retry_after;
  pollen_api_error_clear (&api);
}

static gchar *
url_host (SoupMessage * msg)
{
  GUri *uri = soup_message_get_uri (msg);

  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
}

/* ---- TLS handshake watch ---- */

/* An https:// base-url pointing at a plain-HTTP server: that server waits
 * for a request line that never comes, so the handshake would wait for the
 * whole idle timeout and then be retried (40 minutes with the defaults).
 * The handshake gets a short timeout of its own, and a failure during it is
 * named a TLS error, which is not retried. */
#define TLS_HANDSHAKING "pollen-tls-handshaking"

static GSocket *
tls_base_socket (GIOStream * connection)
{
  g_autoptr (GIOStream) base = NULL;

  if (!G_IS_TLS_CONNECTION (connection))
    return NULL;
  g_object_get (connection, "base-io-stream", &base, NULL);
  return G_IS_SOCKET_CONNECTION (base) ?
      g_socket_connection_get_socket (G_SOCKET_CONNECTION (base)) : NULL;
}

static void
on_network_event (SoupMessage * msg, GSocketClientEvent event,
    GIOStream * connection, PollenClient * self)
{
  gboolean handshaking = event == G_SOCKET_CLIENT_TLS_HANDSHAKING;
  guint timeout = self->config.timeout;
  GSocket *socket;

  if (!handshaking && event != G_SOCKET_CLIENT_TLS_HANDSHAKED)
    return;
  g_object_set_data (G_OBJECT (msg), TLS_HANDSHAKING,
      GINT_TO_POINTER (handshaking));
  if (handshaking)
    timeout = timeout ? MIN (timeout, TLS_HANDSHAKE_TIMEOUT_S) :
        TLS_HANDSHAKE_TIMEOUT_S;
  socket = tls_base_socket (connection);
  if (socket)
    g_socket_set_timeout (socket, timeout);
}

/* A send that failed during the TLS handshake, whatever the socket said. */
static GError *
tls_handshake_error (SoupMessage * msg, const GError * cause,
    const gchar * request_id)
{
  g_autofree gchar *host = url_host (msg);
  g_autofree gchar *text = g_strdup_printf ("TLS error (%s): the TLS "
      "handshake did not complete (%s); is base-url https:// pointing at a "
      "server that speaks plain http://?", host, cause->message);

  return pollen_client_error_new (POLLEN_CLIENT_ERROR_TLS, 0, NULL, NULL,
      request_id, text);
}

/* ---- sending, redirects ---- */

/* A failure before any answer came. A reset while a long URL went out is
 * most likely a server or proxy refusing its length: sending it again
 * would meet the same refusal. */
static void
pollen_client_send_failure (SoupMessage * msg, const PollenRequest * request,
    const GError * cause, Failure * failure)
{
  const gchar *sent_id =
      soup_message_headers_get_one (soup_message_get_request_headers (msg),
      "X-Request-Id");
  g_autofree gchar *host = url_host (msg);

  if (g_object_get_data (G_OBJECT (msg), TLS_HANDSHAKING) &&
      !g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    failure->error = tls_handshake_error (msg, cause, sent_id);
  else
    failure->error = pollen_client_error_from_transport (cause, host, sent_id);
  if (failure->error->domain == POLLEN_CLIENT_ERROR &&
      failure->error->code == POLLEN_CLIENT_ERROR_NETWORK &&
      url_length (msg) > LONG_URL) {
    g_autofree gchar *hint = url_too_long_hint (0, msg, request);
    g_autofree gchar *text = g_strconcat (failure->error->message, hint, NULL);

    g_clear_error (&failure->error);
    failure->error = pollen_client_error_new (POLLEN_CLIENT_ERROR_LIMIT, 0,
        NULL, NULL, sent_id, text);
  }
  /* no answer has begun: safe to send again, POST included (the server
   * starts nothing it bills before the request is whole) */
  failure->retryable = pollen_client_error_is_transient (failure->error);
}

/* From https:// to plain http:// on the same host: not another host, but
 * the key would go unencrypted. */
static gboolean
is_downgrade (GUri * from, GUri * to)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (from), "https") == 0 &&
      g_ascii_strcasecmp (g_uri_get_scheme (to), "http") == 0 &&
      g_ascii_strcasecmp (g_uri_get_host (from), g_uri_get_host (to)) == 0;
}

static gboolean
same_origin (GUri * a, GUri * b)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0
      && g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0
      && g_uri_get_port (a) == g_uri_get_port (b);
}

/* Where a 3xx answer sends the request, or %NULL with @failure set. Only a
 * GET is followed (a redirected POST would lose its body or be sent where
 * nobody meant it), only to the same scheme, host and port (the key must
 * not go to another host, nor in plain http), and at most MAX_REDIRECTS
 * times. */
static gchar *
pollen_client_redirect_target (SoupMessage * msg, guint hops,
    Failure * failure)
{
  GUri *from = soup_message_get_uri (msg);
  const gchar *location =
      soup_message_headers_get_one (soup_message_get_response_headers (msg),
      "Location");
  g_autoptr (GUri) to = location ? g_uri_parse_relative (from, location,
      SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  guint status = soup_message_get_status (msg);
  g_autofree gchar *text = NULL;
  g_autofree gchar *message = NULL;

  if (!to)
    text = g_strdup ("the redirect has no valid Location");
  else if (!g_str_equal (soup_message_get_method (msg), "GET"))
    text = g_strdup_printf ("a %s request is not redirected (to %s): set "
        "base-url to the final address", soup_message_get_method (msg),
        location);
  else if (is_downgrade (from, to))
    text = g_strdup_printf ("the server redirected from https:// to plain "
        "http:// (%s); the key is not sent unencrypted: set base-url to it if "
        "you trust the network", location);
  else if (!same_origin (from, to))
    text = g_strdup_printf ("the server redirected to another host (%s); "
        "the key is not sent there: set base-url to it if you trust it",
        g_uri_get_host (to));
  else if (hops >= MAX_REDIRECTS)
    text = g_strdup_printf ("too many redirects (%u, a loop?), the last to %s",
        hops, location);
  if (!text)
    return g_uri_to_string (to);
  message = g_strdup_printf ("%u %s: %s", status, status_phrase (msg), text);
  failure->error = pollen_client_error_new (POLLEN_CLIENT_ERROR_HTTP, status,
      NULL, NULL, response_request_id (msg), message);
  return NULL;
}

/* Sends once. On success returns the body stream and keeps @msg for the
 * caller; on a redirect to follow sets *@redirect; on failure fills
 * @failure. */
static GInputStream *
pollen_client_attempt (PollenClient * self, const PollenRequest * request,
    SoupMessage * msg, guint hops, gchar ** redirect,
    GCancellable * cancellable, Failure * failure)
{
  g_autoptr (GError) error = NULL;
  GInputStream *stream;
  guint status;

  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event),
      self);
  stream = soup_session_send (self->session, msg, cancellable, &error);
  if (!stream) {
    pollen_client_send_failure (msg, request, error, failure);
    return NULL;
  }
  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return stream;
  if (SOUP_STATUS_IS_REDIRECTION (status) && status != 304)
    *redirect = pollen_client_redirect_target (msg, hops, failure);
  else
    pollen_client_http_failure (self, request, msg, stream, cancellable,
        failure);
  g_object_unref (stream);
  return NULL;
}

/* Sleeps @ms, waking at once when @cancellable fires. */
static gboolean
pollen_client_sleep (guint ms, GCancellable * cancellable, GError ** error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  GPollFD pollfd;
  gboolean pollable;

  pollable = cancellable && g_cancellable_make_pollfd (cancellable, &pollfd);
  while (!g_cancellable_is_cancelled (cancellable)) {
    gint64 left = deadline - g_get_monotonic_time ();

    if (left <= 0)
      break;
    if (pollable)
      g_poll (&pollfd, 1, (left + 999) / 1000);
    else
      g_usleep (left);
  }
  if (pollable)
    g_cancellable_release_fd (cancellable);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Exponential back-off with ±25 % jitter, so that many clients do not
 * retry in step. */
static guint
backoff_ms (guint attempt)
{
  guint ms = MIN (BACKOFF_MAX_MS, BACKOFF_BASE_MS << MIN (attempt, 10));

  return ms * g_random_double_range (0.75, 1.25);
}

/* A message for @url, which is base-url + the request's path and query, or
 * a redirect's target on the same host. Redirects are followed by
 * pollen_client_send_once(), not by libsoup: see
 * pollen_client_redirect_target(). */
/* A field of extra-headers as a header: strings as they are, other
 * values as GStreamer writes them. */
static gboolean
add_extra_header (GQuark field, const GValue * value, gpointer user_data)
{
  const gchar *name = g_quark_to_string (field);
  g_autofree gchar *text = G_VALUE_HOLDS_STRING (value) ?
      g_value_dup_string (value) : gst_value_serialize (value);

  if (text && !pollen_client_header_is_reserved (name))
    soup_message_headers_replace (user_data, name, text);
  return TRUE;
}

static void
pollen_client_attach_body (const PollenRequest * request, SoupMessage * msg)
{
  g_autofree gchar *content_type = NULL;
  g_autoptr (GBytes) body = pollen_request_dup_body (request, &content_type);

  if (body)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
}

static SoupMessage *
pollen_client_build_message (PollenClient * self,
    const PollenRequest * request, const gchar * url, GError ** error)
{
  g_autofree gchar *request_id = g_uuid_string_random ();
  g_autoptr (GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  SoupMessageHeaders *headers;
  SoupMessage *msg;

  if (!uri || !g_uri_get_host (uri) ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
          g_strcmp0 (g_uri_get_scheme (uri), "https") != 0)) {
    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_CONNECT,
        "base-url '%s' is not an http:// or https:// URL", self->config.base_url);
    return NULL;
  }

  msg = soup_message_new_from_uri (pollen_request_get_method (request), uri);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (msg);
  if (self->config.extra_headers)
    gst_structure_foreach (self->config.extra_headers, add_extra_header, headers);
  if (self->config.api_key) {
    g_autofree gchar *bearer = g_strdup_printf ("Bearer %s", self->config.api_key);

    soup_message_headers_replace (headers, "Authorization", bearer);
  }
  soup_message_headers_replace (headers, "X-Request-Id", request_id);
  pollen_client_attach_body (request, msg);
  return msg;
}

/* One attempt, following same-host redirects of a GET. Returns the body
 * stream and sets *@msg_out, or %NULL with @failure (or @error, for a
 * base-url that is no URL) set. */
static GInputStream *
pollen_client_send_once (PollenClient * self, const PollenRequest * request,
    SoupMessage ** msg_out, GCancellable * cancellable, Failure * failure,
    GError ** error)
{
  g_autofree gchar *url = pollen_request_build_url (request, self->config.base_url);
  guint hops;

  for (hops = 0;; hops++) {
    g_autoptr (SoupMessage) msg = NULL;
    g_autofree gchar *redirect = NULL;
    GInputStream *stream;

    msg = pollen_client_build_message (self, request, url, error);
    if (!msg)
      return NULL;
    stream = pollen_client_attempt (self, request, msg, hops, &redirect,
        cancellable, failure);
    if (stream)
      *msg_out = g_steal_pointer (&msg);
    if (!redirect)
      return stream;
    g_free (url);
    url = g_steal_pointer (&redirect);
  }
}

/* libsoup asks for gzip and decodes it: then Content-Length counts the
 * compressed bytes, and says nothing of how many the body holds. */
static gboolean
is_content_encoded (SoupMessageHeaders * headers)
{
  const gchar *coding = soup_message_headers_get_one (headers,
      "Content-Encoding");

  return coding && g_ascii_strcasecmp (coding, "identity") != 0;
}

/* A header's text as it may be shown: valid UTF-8, without the key. */
static gchar *
pollen_client_header_text (PollenClient * self, const gchar * value)
{
  g_autofree gchar *valid = pollen_text_make_valid (value);

  return valid ? pollen_redact (valid, self->config.api_key) : NULL;
}

/* The response holds the account's slot taken for it until it is freed:
 * the server counts a generation as running until its body has gone. */
static PollenResponse *
pollen_response_new (PollenClient * self, SoupMessage * msg,
    GInputStream * stream, gint64 deadline_us)
{
  PollenResponse *response = g_new0 (PollenResponse, 1);
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  response->status = soup_message_get_status (msg);
  response->content_type =
      g_strdup (soup_message_headers_get_content_type (headers, NULL));
  response->content_length = soup_message_headers_get_content_length (headers);
  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH
      || is_content_encoded (headers))
    response->content_length = -1;
  response->request_id = pollen_client_header_text (self,
      response_request_id (msg));
  response->model_used = pollen_client_header_text (self,
      soup_message_headers_get_one (headers, "x-model-used"));
  response->stream = stream;
  response->message = msg;
  response->limiter = pollen_limiter_ref (self->limiter);
  response->max_body_size = self->config.max_body_size;
  response->deadline_us = deadline_us;
  return response;
}

void
pollen_response_free (PollenResponse * response)
{
  if (!response)
    return;
  g_free (response->content_type);
  g_free (response->request_id);
  g_free (response->model_used);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_object (&response->stream);
  g_clear_object (&response->message);
  if (response->limiter) {
    pollen_limiter_release (response->limiter, POLLEN_LIMITER_DONE);
    pollen_limiter_unref (response->limiter);
  }
  g_free (response);
}

/* The answer outgrew max-body-size or the deadline passed: an error that
 * names the limit and the property to raise. */
static gboolean
pollen_response_check_limits (PollenResponse * response, GError ** error)
{
  g_autofree gchar *text = NULL;

  if (response->max_body_size &&
      (response->received > response->max_body_size ||
          response->content_length > (gint64) response->max_body_size))
    text = g_strdup_printf ("the answer is larger than max-body-size (%"
        G_GUINT64_FORMAT " bytes): raise max-body-size (0 = unlimited)",
        response->max_body_size);
  else if (response->deadline_us &&
      g_get_monotonic_time () > response->deadline_us)
    text = g_strdup ("the answer " DEADLINE_TEXT);
  if (!text)
    return TRUE;
  g_propagate_error (error, pollen_client_error_new (POLLEN_CLIENT_ERROR_LIMIT,
          response->status, NULL, NULL, response->request_id, text));
  return FALSE;
}

/* Counts @n bytes just read (-1: the read failed with *@cause). FALSE with
 * @error set when the read failed or the body ended short of its
 * Content-Length. */
static gboolean
pollen_response_count (PollenResponse * response, gssize n, GError ** cause,
    GError ** error)
{
  g_autofree gchar *host = NULL;

  if (n >= 0) {
    response->received += n;
    if (!pollen_response_check_limits (response, error))
      return FALSE;
    /* a server that closes early is not always reported by libsoup */
    if (n > 0 || response->content_length < 0 ||
        response->received >= (guint64) response->content_length)
      return TRUE;
    g_set_error (cause, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
        "got %" G_GUINT64_FORMAT " of %" G_GINT64_FORMAT " bytes",
        response->received, response->content_length);
  }
  host = url_host (response->message);
  g_propagate_error (error, pollen_client_error_from_transport (*cause, host,
          response->request_id));
  return FALSE;
}

/**
 * pollen_response_read:
 * @max_size: read at most this many bytes
 *
 * Reads the next bytes of a streamed body as they arrive.
 *
 * Returns: (transfer full): the bytes, empty at the end of the body, or
 * %NULL with @error set (%POLLEN_CLIENT_ERROR_LIMIT past max-body-size or
 * the deadline).
 */
GBytes *
pollen_response_read (PollenResponse * response, gsize max_size,
    GCancellable * cancellable, GError ** error)
{
  g_autoptr (GError) cause = NULL;
  GBytes *bytes;

  if (!pollen_response_check_limits (response, error))
    return NULL;
  bytes = g_input_stream_read_bytes (response->stream, max_size, cancellable,
      &cause);
  if (pollen_response_count (response,
          bytes ? (gssize) g_bytes_get_size (bytes) : -1,
          &cause, error))
    return bytes;
  g_clear_pointer (&bytes, g_bytes_unref);
  return NULL;
}

/**
 * pollen_response_read_into:
 * @buffer: where the bytes go
 * @size: room in @buffer
 *
 * Like pollen_response_read(), into the caller's memory, so that a large
 * body can be kept in pieces of the caller's size without another copy.
 *
 * Returns: how many bytes were read, 0 at the end of the body, or -1 with
 * @error set.
 */
gssize
pollen_response_read_into (PollenResponse * response, gpointer buffer,
    gsize size, GCancellable * cancellable, GError ** error)
{
  g_autoptr (GError) cause = NULL;
  gssize n;

  if (!pollen_response_check_limits (response, error))
    return -1;
  n = g_input_stream_read (response->stream, buffer, size, cancellable,
      &cause);
  return pollen_response_count (response, n, &cause, error) ? n : -1;
}


/* Said with a retry whose Retry-After was longer than one retry waits:
 * without it, a wait of days would look like one of minutes. */
static gchar *
retry_after_note (PollenClient * self, const Failure * failure)
{
  if (failure->asked_s <= RETRY_AFTER_MAX_S)
    return NULL;
  return g_strdup_printf ("The server asked to wait %" G_GINT64_FORMAT
      " s (Retry-After); a retry waits at most %u s%s.", failure->asked_s,
      RETRY_AFTER_MAX_S, self->config.deadline ? ", and all of them end at "
      "the deadline" : ": set the deadline property to bound the whole "
      "wait");
}

static void
pollen_client_log_failure (PollenClient * self, const PollenRequest * request,
    const Failure * failure, guint attempt, guint delay_ms)
{
  g_autofree gchar *what = pollen_request_describe (request);
  g_autofree gchar *note = retry_after_note (self, failure);

  GST_CAT_WARNING_OBJECT (pollen_client_debug, self->log_object,
      "%s failed (attempt %u of %u): %s; retrying in %u ms%s%s", what,
      attempt + 1, self->config.retries + 1, failure->error->message,
      delay_ms, note ? ". " : "", note ? note : "");
  if (self->retry_func)
    self->retry_func (failure->error, attempt + 2, self->config.retries + 1,
        delay_ms, note, self->retry_data);
}

/* The next attempt would start past the deadline: @failure is final, and
 * says why it was not tried again. */
static void
failure_past_deadline (Failure * failure)
{
  gchar *text;

  if (!failure->retryable)
    return;
  failure->retryable = FALSE;
  if (failure->asked_s >= 0)
    text = g_strdup_printf ("%s (not tried again: the server asked to wait %"
        G_GINT64_FORMAT " s, past the deadline)", failure->error->message,
        failure->asked_s);
  else
    text = g_strdup_printf ("%s (not tried again: the next attempt would "
        "start past the deadline)", failure->error->message);
  g_free (failure->error->message);
  failure->error->message = text;
}

/* After a failed attempt: either the failure is final (FALSE, @error set)
 * or the back-off has been slept and the caller tries again (TRUE). */
static gboolean
pollen_client_retry_or_fail (PollenClient * self,
    const PollenRequest * request, Failure * failure, guint attempt,
    GCancellable * cancellable, GError ** error)
{
  guint delay_ms;

  /* the one place every failure passes: the key goes before anything
   * (a retry warning, a log line, the caller) sees it */
  pollen_client_redact_error (self, failure->error);
  if (!failure->retryable || attempt >= self->config.retries ||
      g_cancellable_is_cancelled (cancellable)) {
    g_propagate_error (error, failure->error);
    return FALSE;
  }
  delay_ms = failure->delay_ms ? failure->delay_ms : backoff_ms (attempt);
  pollen_client_log_failure (self, request, failure, attempt, delay_ms);
  g_error_free (failure->error);
  return pollen_client_sleep (delay_ms, cancellable, error);
}

static gboolean
is_concurrency_refusal (const GError * error)
{
  return error && pollen_client_error_get_http_status (error) == 429 &&
      g_strcmp0 (pollen_client_error_get_api_code (error),
      CONCURRENCY_LIMIT_CODE) == 0;
}

/* The account's turn did not come within the timeout: the refusal the
 * server would have given, as the server words it, with a hint of its
 * own (pollen_client_error_hint()). */
static void
pollen_client_turn_not_come (Failure * failure)
{
  GError *waited = failure->error;
  g_autofree gchar *text = NULL;

  if (!g_error_matches (waited, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return;
  text = g_strdup_printf ("429 Too Many Requests: %s", waited->message);
  failure->error = pollen_client_error_new (POLLEN_CLIENT_ERROR_HTTP, 429,
      CONCURRENCY_LIMIT_CODE, waited->message, NULL, text);
  g_error_free (waited);
}

/* One attempt inside the account's concurrency limit. Returns the stream
 * of a successful answer, holding the slot; otherwise the slot is given
 * back and @failure (or @error) filled. */
static GInputStream *
pollen_client_send_limited (PollenClient * self,
    const PollenRequest * request, SoupMessage ** msg_out, gint64 end_time,
    GCancellable * cancellable, Failure * failure, GError ** error)
{
  GInputStream *stream;

  if (!pollen_limiter_acquire (self->limiter, end_time, cancellable,
          &failure->error)) {
    pollen_client_turn_not_come (failure);
    return NULL;
  }
  stream = pollen_client_send_once (self, request, msg_out, cancellable,
      failure, error);
  if (!stream)
    pollen_limiter_release (self->limiter,
        is_concurrency_refusal (failure->error) ? POLLEN_LIMITER_REFUSED :
        POLLEN_LIMITER_DONE);
  return stream;
}

/* The server's per-user, per-model limit counts requests a minute: with no
 * Retry-After, a whole window. */
#define MODEL_RATE_WINDOW_MS 60000

static gboolean
is_model_rate_refusal (const GError * error)
{
  return error && pollen_client_error_get_http_status (error) == 429 &&
      g_strcmp0 (pollen_client_error_get_api_code (error),
      MODEL_RATE_LIMIT_CODE) == 0;
}

/* How long a limit that said "not yet" wants to be left alone. */
static guint
turn_delay_ms (const Failure * failure)
{
  if (is_model_rate_refusal (failure->error))
    return failure->delay_ms ? failure->delay_ms : MODEL_RATE_WINDOW_MS;
  return MAX (failure->delay_ms, BACKOFF_BASE_MS);
}

/* Says why a request waits: quietly for the account's turn (the limiter
 * has learned the limit); on the bus for the model's per-user limit, by
 * the retry func as the attempt that comes next, so that a slot that comes
 * late says why. */
static void
pollen_client_tell_wait (PollenClient * self, const Failure * failure,
    guint attempt, guint delay_ms)
{
  pollen_client_redact_error (self, failure->error);
  if (!is_model_rate_refusal (failure->error)) {
    GST_CAT_DEBUG_OBJECT (pollen_client_debug, self->log_object,
        "the account runs %u request(s) at a time: waiting for a turn",
        pollen_limiter_get_limit (self->limiter));
    return;
  }
  GST_CAT_WARNING_OBJECT (pollen_client_debug, self->log_object,
      "%s; waiting %u ms for the model's per-user limit",
      failure->error->message, delay_ms);
  if (self->retry_func)
    self->retry_func (failure->error, attempt + 1, self->config.retries + 1,
        delay_ms, NULL, self->retry_data);
}

/* A refusal by a limit that only says "not yet" (the account's
 * concurrency, the model's per-user rate) is not a failure of this
 * request: it waits its turn within the timeout and spends no retry. */
static gboolean
pollen_client_wait_turn (PollenClient * self, Failure * failure,
    guint attempt, gint64 end_time, GCancellable * cancellable)
{
  guint delay_ms = turn_delay_ms (failure);

  if ((!is_concurrency_refusal (failure->error) &&
          !is_model_rate_refusal (failure->error)) ||
      (end_time && g_get_monotonic_time () + delay_ms * 1000 > end_time))
    return FALSE;
  pollen_client_tell_wait (self, failure, attempt, delay_ms);
  g_clear_error (&failure->error);
  return pollen_client_sleep (delay_ms, cancellable, &failure->error);
}

/* The monotonic time a request started now must be done by, or 0. */
static gint64
pollen_client_deadline (PollenClient * self)
{
  return self->config.deadline ? g_get_monotonic_time () +
      self->config.deadline * G_TIME_SPAN_SECOND : 0;
}

/* Sends until the headers of a successful answer arrive, counting attempts
 * in *@attempt so that a caller's own retries share the same budget, and
 * trying no more once @deadline_us has passed. */
static PollenResponse *
pollen_client_send_counted (PollenClient * self,
    const PollenRequest * request, guint * attempt, gint64 deadline_us,
    GCancellable * cancellable, GError ** error)
{
  gint64 end_time = self->config.timeout ?
      g_get_monotonic_time () + self->config.timeout * G_TIME_SPAN_SECOND : 0;

  for (;;) {
    Failure failure = FAILURE_INIT;
    SoupMessage *msg = NULL;
    GInputStream *stream;
    DeadlineWatch watch;

    stream = pollen_client_send_limited (self, request, &msg, end_time,
        deadline_watch_start (&watch, cancellable, deadline_us), &failure,
        error);
    if (deadline_watch_stop (&watch) && failure.error)
      deadline_failure (&failure);
    if (stream)
      return pollen_response_new (self, msg, stream, deadline_us);
    if (!failure.error)
      return NULL;
    if (pollen_client_wait_turn (self, &failure, *attempt, end_time,
            cancellable))
      continue;
    if (deadline_us && g_get_monotonic_time () + failure.delay_ms * 1000 >
        deadline_us)
      failure_past_deadline (&failure);
    if (!pollen_client_retry_or_fail (self, request, &failure, *attempt,
            cancellable, error))
      return NULL;
    (*attempt)++;
  }
}

/**
 * pollen_client_send:
 *
 * Sends @request and waits for the response headers, retrying what is safe
 * to retry (429, 5xx, and refused, lost or timed-out connections before an
 * answer began) up to the configured number of times.
 *
 * Returns: (transfer full): the response, whose body is read with
 * pollen_response_read(), or %NULL with @error set.
 */
PollenResponse *
pollen_client_send (PollenClient * client, const PollenRequest * request,
    GCancellable * cancellable, GError ** error)
{
  guint attempt = 0;

  return pollen_client_send_counted (client, request, &attempt,
      pollen_client_deadline (client), cancellable, error);
}

/* ---- WebSocket sessions ---- */

static void
on_websocket_connected (GObject * source, GAsyncResult * result,
    gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* libsoup 3's handshake gives no way to read the body of a refusal, where
 * the server says why. A refusal of the settings (401, 402, 403, 400 …) is
 * final, so the same request once more, as a plain HTTP request with the
 * same handshake headers, is refused the same way and read as any refusal
 * is; a refusal that may pass on its own (429, 5xx) is retried on its
 * status and headers alone (Retry-After), lest the probe be upgraded. */
static void
pollen_client_websocket_refused (PollenClient * self,
    const PollenRequest * request, const gchar * url, SoupMessage * refused,
    GCancellable * cancellable, Failure * failure)
{
  guint status = soup_message_get_status (refused);
  g_autoptr (SoupMessage) probe = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GInputStream) empty = g_memory_input_stream_new ();

  if (status >= 400 && status < 500 && status != 429) {
    probe = pollen_client_build_message (self, request, url, NULL);
    soup_websocket_client_prepare_handshake (probe, NULL, NULL, NULL);
    stream = soup_session_send (self->session, probe, cancellable, NULL);
  }
  if (stream && soup_message_get_status (probe) == status)
    pollen_client_http_failure (self, request, probe, stream, cancellable,
        failure);
  else
    pollen_client_http_failure (self, request, refused, empty, cancellable,
        failure);
}

/* One handshake, in the calling thread's default context, which the
 * connection then belongs to. */
static SoupWebsocketConnection *
pollen_client_websocket_once (PollenClient * self,
    const PollenRequest * request, GCancellable * cancellable,
    Failure * failure, GError ** error)
{
  g_autofree gchar *url = pollen_request_build_url (request,
      self->config.base_url);
  g_autoptr (SoupMessage) msg = pollen_client_build_message (self, request,
      url, error);
  GMainContext *context = g_main_context_ref_thread_default ();
  GAsyncResult *result = NULL;
  SoupWebsocketConnection *connection = NULL;
  g_autoptr (GError) cause = NULL;

  if (msg) {
    g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event),
        self);
    soup_session_websocket_connect_async (self->session, msg, NULL, NULL,
        G_PRIORITY_DEFAULT, cancellable, on_websocket_connected, &result);
    while (!result)
      g_main_context_iteration (context, TRUE);
    connection = soup_session_websocket_connect_finish (self->session, result,
        &cause);
    g_object_unref (result);
  }
  g_main_context_unref (context);
  if (connection || !msg)
    return connection;
  if (g_error_matches (cause, SOUP_WEBSOCKET_ERROR,
          SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET) &&
      soup_message_get_status (msg) >= 300)
    pollen_client_websocket_refused (self, request, url, msg, cancellable,
        failure);
  else
    pollen_client_send_failure (msg, request, cause, failure);
  return NULL;
}

/**
 * pollen_client_connect_websocket:
 * @request: a GET whose path and query say where (base-url + path; the
 *   http and https schemes stand for ws and wss)
 *
 * Opens a WebSocket with the client's key, headers, proxy, TLS and
 * timeout, retrying what is safe to retry as pollen_client_send() does; a
 * refused handshake is an error that names the status and the server's
 * message. The connection belongs to the calling thread's default main
 * context: its signals are emitted there.
 *
 * Returns: (transfer full): the open connection, or %NULL with @error set.
 */
SoupWebsocketConnection *
pollen_client_connect_websocket (PollenClient * self,
    const PollenRequest * request, GCancellable * cancellable,
    GError ** error)
{
  guint attempt;

  for (attempt = 0;; attempt++) {
    Failure failure = FAILURE_INIT;
    SoupWebsocketConnection *connection =
        pollen_client_websocket_once (self, request, cancellable, &failure,
        error);

    if (connection || !failure.error)
      return connection;
    if (!pollen_client_retry_or_fail (self, request, &failure, attempt,
            cancellable, error))
      return NULL;
  }
}

static GBytes *
read_whole_body (PollenResponse * response, GCancellable * cancellable,
    GError ** error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();

  for (;;) {
    g_autoptr (GBytes) chunk = pollen_response_read (response, READ_CHUNK,
        cancellable, error);
    gsize size;
    gconstpointer bytes;

    if (!chunk)
      return NULL;
    bytes = g_bytes_get_data (chunk, &size);
    if (size == 0)
      break;
    g_byte_array_append (data, bytes, size);
  }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/* A success status with nothing behind it is no success. */
static void
pollen_client_empty_body_error (PollenResponse * response, GError ** error)
{
  g_autofree gchar *message =
      g_strdup_printf ("the server answered %u %s with an empty body",
      response->status, soup_message_get_reason_phrase (response->message));

  g_propagate_error (error,
      pollen_client_error_new (POLLEN_CLIENT_ERROR_BAD_RESPONSE,
          response->status, NULL, NULL, response->request_id, message));
}

/**
 * pollen_response_empty_body_error:
 *
 * Returns: (transfer full): the error for a success status with nothing
 * behind it, for a caller that reads the body itself.
 */
GError *
pollen_response_empty_body_error (PollenResponse * response)
{
  GError *error = NULL;

  pollen_client_empty_body_error (response, &error);
  return error;
}

/**
 * pollen_client_fetch:
 *
 * Like pollen_client_send(), then reads the whole body into
 * @response->body. A GET whose body is cut short is tried again (the API
 * answers an identical GET from its cache). An empty body is an error
 * (%POLLEN_CLIENT_ERROR_BAD_RESPONSE): no call of this API answers nothing.
 */
PollenResponse *
pollen_client_fetch (PollenClient * client, const PollenRequest * request,
    GCancellable * cancellable, GError ** error)
{
  gboolean is_get = g_str_equal (pollen_request_get_method (request), "GET");
  gint64 deadline_us = pollen_client_deadline (client);
  guint attempt;

  for (attempt = 0;; attempt++) {
    g_autoptr (PollenResponse) response = NULL;
    Failure failure = FAILURE_INIT;

    response = pollen_client_send_counted (client, request, &attempt,
        deadline_us, cancellable, error);
    if (!response)
      return NULL;
    response->body = read_whole_body (response, cancellable, &failure.error);
    if (response->body && g_bytes_get_size (response->body) > 0)
      return g_steal_pointer (&response);
    if (response->body) {
      pollen_client_empty_body_error (response, error);
      return NULL;
    }

    /* part of the answer came: only a GET may be sent again */
    failure.retryable = is_get &&
        pollen_client_error_is_transient (failure.error);
    if (!pollen_client_retry_or_fail (client, request, &failure, attempt,
            cancellable, error))
      return NULL;
  }
}

/* A body that is not JSON, quoted without the key: the key goes before
 * the quote is cut (a cut key would not be found), so the quote is made
 * again from the body without it. */
static void
pollen_client_not_json_error (PollenClient * self, PollenResponse * response,
    const GError * parse_error, GError ** error)
{
  g_autoptr (GBytes) clean = pollen_client_redact_body (self, response->body);
  g_autoptr (GError) quoted = NULL;
  JsonNode *root = pollen_json_parse (g_bytes_get_data (clean, NULL),
      g_bytes_get_size (clean), &quoted);
  g_autofree gchar *text = NULL;

  /* parsed again only for the parser's message on the clean body */
  g_clear_pointer (&root, json_node_unref);
  text = pollen_client_redact (self, quoted ? quoted->message :
      parse_error->message);
  g_propagate_error (error,
      pollen_client_error_new (POLLEN_CLIENT_ERROR_BAD_RESPONSE,
          response->status, NULL, NULL, response->request_id, text));
}

/**
 * pollen_client_fetch_json:
 *
 * Returns: (transfer full): the parsed body of a successful answer, or
 * %NULL with @error set (%POLLEN_CLIENT_ERROR_BAD_RESPONSE when the body is
 * not JSON).
 */
JsonNode *
pollen_client_fetch_json (PollenClient * client,
    const PollenRequest * request, GCancellable * cancellable,
    GError ** error)
{
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GError) parse_error = NULL;
  JsonNode *root;
  gsize size;
  const gchar *data;

  response = pollen_client_fetch (client, request, cancellable, error);
  if (!response)
    return NULL;
  data = g_bytes_get_data (response->body, &size);
  root = pollen_json_parse (data, size, &parse_error);
  if (!root)
    pollen_client_not_json_error (client, response, parse_error, error);
  return root;
}
