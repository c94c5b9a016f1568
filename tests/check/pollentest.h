/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Helpers shared by the gst-check tests: the emulator, elements pointed at
 * it, running a pipeline to its end, and checking error messages. */

#pragma once

#include <gst/check/gstcheck.h>
#include "pollenemulator.h"

G_BEGIN_DECLS

#define POLLEN_TEST_KEY "sk_test_0123456789secret"

/* Defined in an AddressSanitizer build (gcc or clang). */
#if defined(__SANITIZE_ADDRESS__)
#define POLLEN_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POLLEN_TEST_UNDER_ASAN 1
#endif
#endif

PollenEmulator * pollen_test_emulator_new (void);
GstElement *     pollen_test_element_new (const gchar * factory,
                                          PollenEmulator * emulator);
GstMessage *     pollen_test_run (GstElement * pipeline,
                                  GstClockTime timeout);
void             pollen_test_assert_error (GstMessage * message,
                                           GstResourceError code,
                                           guint http_status,
                                           const gchar * api_code,
                                           const gchar * text_part);
gchar *          pollen_test_unused_url (void);

/* A one-connection HTTP server that records the request head exactly as it
 * came over the socket, for checking bytes on the wire. */
typedef struct _PollenTestRawServer PollenTestRawServer;

PollenTestRawServer * pollen_test_raw_server_new (const gchar * response);
const gchar *         pollen_test_raw_server_get_url (PollenTestRawServer * server);
gchar *               pollen_test_raw_server_get_request_line (PollenTestRawServer * server);
void                  pollen_test_raw_server_free (PollenTestRawServer * server);

G_END_DECLS
