/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What every benchmark shares: the reference several of them compare an
 * element with (an answer read by pollenclient alone), and how they build
 * their pipelines. */

#include "benchread.h"

/* A client of @emulator as the elements make one: its defaults. */
PollenClient *
bench_client_new (PollenEmulator * emulator)
{
  PollenClientConfig config = { 0, };

  config.base_url = (gchar *) pollen_emulator_get_url (emulator);
  config.api_key = (gchar *) BENCH_KEY;
  return pollen_client_new (&config, NULL);
}

/* Sends @request and reads the answer to its end; the milliseconds from
 * sending to its first bytes and to its end. */
void
bench_read_timed (PollenClient * client, const PollenRequest * request,
    gdouble * first_bytes_ms, gdouble * whole_ms)
{
  g_autoptr (PollenResponse) response = NULL;
  gint64 start = g_get_monotonic_time ();

  *first_bytes_ms = -1;
  response = pollen_client_send (client, request, NULL, NULL);
  g_assert (response != NULL);
  for (;;) {
    g_autoptr (GBytes) bytes = pollen_response_read (response, 65536, NULL,
        NULL);

    g_assert (bytes != NULL);
    if (*first_bytes_ms < 0)
      *first_bytes_ms = (g_get_monotonic_time () - start) / 1000.0;
    if (g_bytes_get_size (bytes) == 0)
      break;
  }
  *whole_ms = (g_get_monotonic_time () - start) / 1000.0;
}

/* @description as a pipeline, or NULL with why printed: an element that is
 * missing (no plugin) or a property it does not have fails it, where
 * gst_parse_launch() alone would build what it could of the rest. */
GstElement *
bench_pipeline_new (const gchar * description)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch_full (description, NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &error);

  if (!pipeline)
    g_printerr ("bench: cannot build \"%s\": %s\n", description,
        error->message);
  return pipeline;
}
