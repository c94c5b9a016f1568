/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * PollenClient:
 *
 * The one HTTP client every gst-pollen element uses. It owns a SoupSession,
 * the base URL and the API key, and turns every failure into a #GError in the
 * %POLLEN_CLIENT_ERROR domain (or %G_IO_ERROR_CANCELLED when cancelled).
 *
 * All calls block and may be made from any thread; pass a #GCancellable to
 * interrupt a request or a back-off sleep at once.
 */
#define POLLEN_TYPE_CLIENT (pollen_client_get_type ())
G_DECLARE_FINAL_TYPE (PollenClient, pollen_client, POLLEN, CLIENT, GObject)

#define POLLEN_CLIENT_ERROR (pollen_client_error_quark ())

typedef enum
{
  POLLEN_CLIENT_ERROR_HTTP,            /* the server answered an error status */
  POLLEN_CLIENT_ERROR_CONNECT,         /* refused, unreachable, DNS */
  POLLEN_CLIENT_ERROR_TIMEOUT,         /* no answer within the timeout */
  POLLEN_CLIENT_ERROR_TLS,             /* TLS handshake or certificate */
  POLLEN_CLIENT_ERROR_NETWORK,         /* connection lost or body cut short */
  POLLEN_CLIENT_ERROR_BAD_RESPONSE,    /* the answer could not be understood */
  POLLEN_CLIENT_ERROR_LIMIT,           /* max-body-size, deadline or URL length */
} PollenClientError;

GQuark        pollen_client_error_quark (void);

/* Extra facts carried by every POLLEN_CLIENT_ERROR. */
guint         pollen_client_error_get_http_status (const GError * error);
const gchar * pollen_client_error_get_api_code    (const GError * error);
const gchar * pollen_client_error_get_api_message (const GError * error);
const gchar * pollen_client_error_get_request_id  (const GError * error);
gboolean      pollen_client_error_is_transient    (const GError * error);
GError *      pollen_client_error_new (PollenClientError code,
                                       guint http_status,
                                       const gchar * api_code,
                                       const gchar * api_message,
                                       const gchar * request_id,
                                       const gchar * message);

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenRequest, pollen_request_free)

/**
 * PollenResponse:
 * @status: HTTP status (always 2xx for a returned response)
 * @content_type: media type without parameters, or %NULL
 * @content_length: body size announced by the server, or -1
 * @request_id: the X-Request-Id of the answer, or %NULL
 * @model_used: the x-model-used header, or %NULL
 * @body: the whole body (pollen_client_fetch()), or %NULL
 *
 * A successful answer. From pollen_client_send() the body is read with
 * pollen_response_read().
 */
typedef struct _PollenResponse PollenResponse;
struct _PollenResponse
{
  guint status;
  gchar *content_type;
  gint64 content_length;
  gchar *request_id;
  gchar *model_used;
  GBytes *body;

  /*< private >*/
  GInputStream *stream;
  gpointer message;
  guint64 received;
  gpointer limiter;
  guint64 max_body_size;        /* 0 = unlimited */
  gint64 deadline_us;           /* monotonic; 0 = none */
};

void     pollen_response_free (PollenResponse * response);
GBytes * pollen_response_read (PollenResponse * response, gsize max_size,
                               GCancellable * cancellable, GError ** error);
gssize   pollen_response_read_into (PollenResponse * response,
                                    gpointer buffer, gsize size,
                                    GCancellable * cancellable,
                                    GError ** error);
GError * pollen_response_empty_body_error (PollenResponse * response);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenResponse, pollen_response_free)

PollenClient *   pollen_client_new (const gchar * base_url,
                                    const gchar * api_key);
void             pollen_client_set_timeout (PollenClient * client,
                                            guint seconds);
void             pollen_client_set_retries (PollenClient * client,
                                            guint retries);
void             pollen_client_set_max_body_size (PollenClient * client,
                                                  guint64 bytes);
void             pollen_client_set_deadline (PollenClient * client,
                                             guint seconds);
void             pollen_client_set_proxy (PollenClient * client,
                                          const gchar * proxy);
void             pollen_client_set_extra_headers (PollenClient * client,
                                                  const GstStructure * headers);
gboolean         pollen_client_set_ca_file (PollenClient * client,
                                            const gchar * path,
                                            GError ** error);
gboolean         pollen_client_header_is_reserved (const gchar * name);
void             pollen_client_redact_error (PollenClient * client,
                                             GError * error);
void             pollen_client_set_log_object (PollenClient * client,
                                               GstObject * object);
guint            pollen_client_get_concurrency_limit (PollenClient * client);

/**
 * PollenClientRetryFunc:
 * @error: why the attempt failed
 * @attempt: the attempt that comes next (2 for the first retry)
 * @attempts: how many attempts there may be in all
 * @delay_ms: how long the client sleeps before it
 *
 * Told of every retry, from the thread that makes the request.
 */
typedef void (*PollenClientRetryFunc) (const GError * error, guint attempt,
    guint attempts, guint delay_ms, gpointer user_data);

void             pollen_client_set_retry_func (PollenClient * client,
                                               PollenClientRetryFunc func,
                                               gpointer user_data,
                                               GDestroyNotify notify);

PollenResponse * pollen_client_send (PollenClient * client,
                                     const PollenRequest * request,
                                     GCancellable * cancellable,
                                     GError ** error);
PollenResponse * pollen_client_fetch (PollenClient * client,
                                      const PollenRequest * request,
                                      GCancellable * cancellable,
                                      GError ** error);
JsonNode *       pollen_client_fetch_json (PollenClient * client,
                                           const PollenRequest * request,
                                           GCancellable * cancellable,
                                           GError ** error);

G_END_DECLS
