/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenelements.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (pollensrc, plugin);
  ret |= GST_ELEMENT_REGISTER (pollentts, plugin);
  ret |= GST_ELEMENT_REGISTER (pollenstt, plugin);
  ret |= GST_ELEMENT_REGISTER (pollenchat, plugin);
  ret |= GST_ELEMENT_REGISTER (pollenvision, plugin);
  ret |= GST_ELEMENT_REGISTER (pollenvoice, plugin);
  ret |= GST_ELEMENT_REGISTER (pollenrealtime, plugin);
  ret |= GST_ELEMENT_REGISTER (pollenedit, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, pollen,
    "Pollinations generation API (gen.pollinations.ai): pictures, video, "
    "speech, music, transcription, chat", plugin_init, PACKAGE_VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
