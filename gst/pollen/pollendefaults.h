/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

/* What a user meets everywhere, elements and pollen-info alike: the
 * server and the environment variables that point at it and hold the
 * key. */
#define POLLEN_DEFAULT_BASE_URL "https://gen.pollinations.ai"
#define POLLEN_API_KEY_ENV "POLLINATIONS_API_KEY"
#define POLLEN_BASE_URL_ENV "POLLINATIONS_BASE_URL"

/* The server when none is set: $POLLINATIONS_BASE_URL when set, else the
 * public one. */
static inline const gchar *
pollen_default_base_url (void)
{
  const gchar *env = g_getenv (POLLEN_BASE_URL_ENV);

  return env && *env ? env : POLLEN_DEFAULT_BASE_URL;
}
