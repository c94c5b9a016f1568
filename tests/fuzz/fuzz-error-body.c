/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The client's reading of error bodies (JSON envelopes, the 429 shapes,
 * anything else) on any bytes. */

#include "fuzztarget.h"
#include "pollenerror.h"

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GBytes *body = g_bytes_new (data, size);
  PollenApiError api = { 0, };

  pollen_api_error_parse (&api, body);
  g_assert (api.retry_after_s >= -1);
  g_assert (!api.message || g_utf8_validate (api.message, -1, NULL));
  pollen_api_error_clear (&api);
  g_bytes_unref (body);
  return 0;
}
