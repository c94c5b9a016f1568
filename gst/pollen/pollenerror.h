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

G_BEGIN_DECLS

#define POLLEN_CLIENT_ERROR (pollen_client_error_quark ())

/* The server's code for "the account runs too much at once" */
#define CONCURRENCY_LIMIT_CODE "concurrency_limit_exceeded"
/* The server's code for "this user asked this model too often this
 * minute" (its per-user, per-model limit) */
#define MODEL_RATE_LIMIT_CODE "community_model_rate_limit"

typedef enum
{
  POLLEN_CLIENT_ERROR_HTTP,            /* the server answered an error status */
  POLLEN_CLIENT_ERROR_CONNECT,         /* refused, unreachable, DNS */
  POLLEN_CLIENT_ERROR_TIMEOUT,         /* no answer within the timeout */
  POLLEN_CLIENT_ERROR_TLS,             /* TLS handshake or certificate */
  POLLEN_CLIENT_ERROR_NETWORK,         /* connection lost or body cut short */
  POLLEN_CLIENT_ERROR_BAD_RESPONSE,    /* the answer could not be understood */
  POLLEN_CLIENT_ERROR_LIMIT,           /* max-body-size, deadline or URL length */
  POLLEN_CLIENT_ERROR_CLOSED,          /* the server ended a realtime session;
                                        * the API code is the close code */
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
GError *      pollen_client_error_from_transport (const GError * cause,
                                                  const gchar * url_host,
                                                  const gchar * request_id);

GstResourceError pollen_client_error_resource_code (const GError * error);
const gchar *    pollen_client_error_hint (const GError * error);
const gchar *    pollen_client_error_hint_for_key (const GError * error,
                                                   const gchar * api_key);

gchar *       pollen_redact (const gchar * text, const gchar * key);
gchar *       pollen_text_make_valid (const gchar * text);
void          pollen_client_error_redact (GError * error, const gchar * key);

/**
 * PollenApiError:
 *
 * What an error body says: the envelope's error.code/message/requestId
 * (message with what error.details adds: the validation formErrors and
 * fieldErrors, or a provider failure's upstreamStatus, upstreamHost and
 * the start of upstreamBody), or the two 429 shapes'
 * error/message/retryAfterSeconds, or a non-JSON body's first line as the
 * message.
 */
typedef struct
{
  gchar *code;
  gchar *message;
  gchar *request_id;
  gint64 retry_after_s;         /* -1 when not given */
} PollenApiError;

void pollen_api_error_parse (PollenApiError * api, GBytes * body);
void pollen_api_error_clear (PollenApiError * api);

G_END_DECLS
