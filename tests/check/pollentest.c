/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "pollentest.h"

#include <string.h>

PollenEmulator *
pollen_test_emulator_new (void)
{
  g_autoptr (GError) error = NULL;
  PollenEmulator *emulator = pollen_emulator_new (0, &error);

  fail_unless (emulator != NULL, "emulator did not start: %s",
      error ? error->message : "?");
  return emulator;
}

/* @factory pointed at @emulator with a test key and no retries (tests that
 * want retries set them). */
GstElement *
pollen_test_element_new (const gchar * factory, PollenEmulator * emulator)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  fail_unless (element != NULL, "no element %s", factory);
  g_object_set (element, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, "retries", 0, NULL);
  return element;
}

/**
 * pollen_test_run:
 *
 * Sets @pipeline to PLAYING and waits for EOS or an error.
 *
 * Returns: (transfer full): the EOS or ERROR message; fails the test when
 * neither came within @timeout. The pipeline is left in NULL.
 */
GstMessage *
pollen_test_run (GstElement * pipeline, GstClockTime timeout)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, timeout,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "pipeline neither ended nor failed in time");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return message;
}

/* Checks what a person and an application see of a failure: the code, the
 * details, a part of the text, and that the key is nowhere in it. */
void
pollen_test_assert_error (GstMessage * message, GstResourceError code,
    guint http_status, const gchar * api_code, const gchar * text_part)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;
  const GstStructure *details = NULL;
  guint status = G_MAXUINT;

  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, &debug);
  gst_message_parse_error_details (message, &details);

  fail_unless (error->domain == GST_RESOURCE_ERROR, "domain %s: %s",
      g_quark_to_string (error->domain), error->message);
  fail_unless_equals_int (error->code, code);
  fail_unless (details != NULL, "no details on '%s'", error->message);
  fail_unless (gst_structure_get_uint (details, "http-status-code", &status));
  fail_unless_equals_int (status, http_status);
  if (api_code)
    fail_unless_equals_string (gst_structure_get_string (details,
            "api-error-code"), api_code);
  fail_unless (gst_structure_has_field (details, "request-id"));
  if (text_part)
    fail_unless (strstr (error->message, text_part) != NULL,
        "'%s' not in '%s'", text_part, error->message);
  fail_if (strstr (error->message, POLLEN_TEST_KEY) != NULL);
  fail_if (debug && strstr (debug, POLLEN_TEST_KEY) != NULL);
}

/* A URL on 127.0.0.1 where nothing listens. */
gchar *
pollen_test_unused_url (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4,
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  fail_unless (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  /* the socket closes when it goes out of scope: the port is free again */
  return g_strdup_printf ("http://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}
