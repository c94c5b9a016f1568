/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/base/gstbasesrc.h>

G_BEGIN_DECLS

#define GST_TYPE_POLLEN_SRC (gst_pollen_src_get_type ())
G_DECLARE_FINAL_TYPE (GstPollenSrc, gst_pollen_src, GST, POLLEN_SRC, GstBaseSrc)

typedef enum
{
  GST_POLLEN_SRC_MEDIA_IMAGE,
  GST_POLLEN_SRC_MEDIA_VIDEO,
  GST_POLLEN_SRC_MEDIA_SPEECH,
  GST_POLLEN_SRC_MEDIA_MUSIC,
  GST_POLLEN_SRC_MEDIA_TEXT,
} GstPollenSrcMedia;

typedef enum
{
  GST_POLLEN_SRC_QUALITY_LOW,
  GST_POLLEN_SRC_QUALITY_MEDIUM,
  GST_POLLEN_SRC_QUALITY_HIGH,
  GST_POLLEN_SRC_QUALITY_HD,
} GstPollenSrcQuality;

typedef enum
{
  GST_POLLEN_SRC_RESOLUTION_DEFAULT,
  GST_POLLEN_SRC_RESOLUTION_1K,
  GST_POLLEN_SRC_RESOLUTION_2K,
  GST_POLLEN_SRC_RESOLUTION_360P,
  GST_POLLEN_SRC_RESOLUTION_480P,
  GST_POLLEN_SRC_RESOLUTION_720P,
  GST_POLLEN_SRC_RESOLUTION_768P,
  GST_POLLEN_SRC_RESOLUTION_1080P,
  GST_POLLEN_SRC_RESOLUTION_4K,
} GstPollenSrcResolution;

G_END_DECLS
