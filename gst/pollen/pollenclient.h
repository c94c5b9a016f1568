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
#include "pollenerror.h"
#include "pollenrequest.h"

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

/**
 * PollenResponse:
 * @status: HTTP status (always 2xx for a returned response)
 * @content_type: media type without parameters, or %NULL
 * @content_length: body size announced by the server, or -1 (also for a
 *   compressed body: the Content-Length of gzip counts the compressed bytes,
 *   and the body is read decoded)
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

/**
 * PollenClientConfig:
 * @base_url: where requests go, e.g. "https://gen.pollinations.ai"
 * @api_key: (nullable): sent as "Authorization: Bearer" when set
 * @timeout: seconds to wait for the server while connecting, sending or
 *   waiting for data; 0 waits for ever
 * @retries: how many times a retryable failure is tried again
 * @max_body_size: a larger answer is an error (0: no limit), so that a
 *   runaway answer cannot eat the memory of a process that holds it whole
 * @deadline: seconds a whole request may take, retries and body included
 *   (0: no limit); the idle timeout never fires on a body dripped a byte a
 *   second, this does
 * @proxy: (nullable): a fixed proxy URI; unset follows http_proxy,
 *   https_proxy and no_proxy
 * @extra_headers: (nullable): headers sent with every request, e.g. what a
 *   private gateway asks for; reserved ones
 *   (pollen_client_header_is_reserved()) are left out
 * @ssl_ca_file: (nullable): a PEM file of the CAs to trust instead of the
 *   system's
 *
 * What a client is made with, once: it never changes after.
 */
typedef struct
{
  gchar *base_url;
  gchar *api_key;
  guint timeout;
  guint retries;
  guint64 max_body_size;
  guint deadline;
  gchar *proxy;
  GstStructure *extra_headers;
  gchar *ssl_ca_file;
} PollenClientConfig;

void     pollen_client_config_copy (PollenClientConfig * dest,
                                    const PollenClientConfig * src);
void     pollen_client_config_clear (PollenClientConfig * config);
gboolean pollen_client_config_equal (const PollenClientConfig * a,
                                     const PollenClientConfig * b);

PollenClient *   pollen_client_new (const PollenClientConfig * config,
                                    GError ** error);
const PollenClientConfig * pollen_client_get_config (PollenClient * client);
gboolean         pollen_client_header_is_reserved (const gchar * name);
gchar *          pollen_client_redact (PollenClient * client,
                                       const gchar * text);
void             pollen_client_redact_error (PollenClient * client,
                                             GError * error);
void             pollen_client_set_log_object (PollenClient * client,
                                               GstObject * object);
guint            pollen_client_get_concurrency_limit (PollenClient * client);

/**
 * PollenClientRetryFunc:
 * @error: why the attempt failed
 * @attempt: the attempt that comes next (2 for the first retry; the same
 *   number again after a wait for the model's per-user limit, which is no
 *   retry)
 * @attempts: how many attempts there may be in all
 * @delay_ms: how long the client sleeps before it
 * @note: (nullable): why the sleep is not what the server asked, one
 *   sentence (a Retry-After longer than one retry waits)
 *
 * Told of every retry, from the thread that makes the request.
 */
typedef void (*PollenClientRetryFunc) (const GError * error, guint attempt,
    guint attempts, guint delay_ms, const gchar * note, gpointer user_data);

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
