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

struct _PollenTestRawServer
{
  GSocket *socket;
  gchar *url;
  gchar *response;
  GThread *thread;
  GString *head;                /* complete once the thread ends */
};

static gpointer
raw_server_serve (gpointer user_data)
{
  PollenTestRawServer *server = user_data;
  g_autoptr (GSocket) connection = g_socket_accept (server->socket, NULL,
      NULL);
  gchar buf[4096];
  gssize n;

  if (!connection)
    return NULL;
  g_socket_set_timeout (connection, 10);
  while (!strstr (server->head->str, "\r\n\r\n") &&
      (n = g_socket_receive (connection, buf, sizeof (buf), NULL, NULL)) > 0)
    g_string_append_len (server->head, buf, n);
  g_socket_send (connection, server->response, strlen (server->response),
      NULL, NULL);
  g_socket_close (connection, NULL);
  return NULL;
}

/* Answers the first connection with @response (a whole HTTP response). */
PollenTestRawServer *
pollen_test_raw_server_new (const gchar * response)
{
  PollenTestRawServer *server = g_new0 (PollenTestRawServer, 1);
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  server->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  g_socket_set_timeout (server->socket, 10);
  fail_unless (g_socket_bind (server->socket, any, TRUE, NULL));
  fail_unless (g_socket_listen (server->socket, NULL));
  bound = g_socket_get_local_address (server->socket, NULL);
  server->url = g_strdup_printf ("http://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  server->response = g_strdup (response);
  server->head = g_string_new (NULL);
  server->thread = g_thread_new ("raw-server", raw_server_serve, server);
  return server;
}

const gchar *
pollen_test_raw_server_get_url (PollenTestRawServer * server)
{
  return server->url;
}

/* Waits for the request and returns its first line, as sent. */
gchar *
pollen_test_raw_server_get_request_line (PollenTestRawServer * server)
{
  const gchar *end;

  if (server->thread)
    g_thread_join (g_steal_pointer (&server->thread));
  end = strstr (server->head->str, "\r\n");
  fail_unless (end != NULL, "no request arrived");
  return g_strndup (server->head->str, end - server->head->str);
}

void
pollen_test_raw_server_free (PollenTestRawServer * server)
{
  if (server->thread)
    g_thread_join (server->thread);
  g_object_unref (server->socket);
  g_string_free (server->head, TRUE);
  g_free (server->response);
  g_free (server->url);
  g_free (server);
}
