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

/**
 * PollenUriValue:
 * @pspec: the property a URI parameter sets
 * @value: its value, parsed and in range
 */
typedef struct
{
  GParamSpec *pspec;
  GValue value;
} PollenUriValue;

/**
 * PollenUri:
 * @media: the value of the element's "media" enum the host names
 * @prompt: the path, unescaped
 * @values: (element-type PollenUriValue): the parameters, in order
 *
 * A `pollen://<media>/<prompt>?<param>=<value>&…` URI, parsed and checked
 * whole, so that an element applies it all or nothing.
 */
typedef struct
{
  gint media;
  gchar *prompt;
  GArray *values;
} PollenUri;

PollenUri * pollen_uri_parse (const gchar * uri, GObjectClass * klass,
                              GError ** error);
void        pollen_uri_free (PollenUri * uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenUri, pollen_uri_free)

G_END_DECLS
