/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollensrc's pollen:// URI handler on any string. */

#include "fuzztarget.h"
#include "gstpollenelements.h"

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  static GstElement *src = NULL;
  gchar *uri = g_strndup ((const gchar *) data, size);
  GError *error = NULL;

  if (!src) {
    gst_init (NULL, NULL);
    /* registered from this binary: no plugin loading to go wrong */
    GST_ELEMENT_REGISTER (pollensrc, NULL);
    src = gst_element_factory_make ("pollensrc", NULL);
    g_assert (src != NULL);
  }
  if (!gst_uri_handler_set_uri (GST_URI_HANDLER (src), uri, &error))
    g_assert (error != NULL);
  g_clear_error (&error);
  g_free (uri);
  return 0;
}
