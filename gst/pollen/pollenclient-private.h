/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenclient's parsers, visible to the fuzz targets; elements use
 * pollenclient.h only. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What an error body says: the envelope's error.code/message/requestId
 * (message with the validation fieldErrors appended), or the two 429
 * shapes' error/message/retryAfterSeconds, or a non-JSON body's first
 * line as the message. */
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
