/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include "gstpollenfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_POLLEN_EDIT (gst_pollen_edit_get_type ())
G_DECLARE_FINAL_TYPE (GstPollenEdit, gst_pollen_edit, GST, POLLEN_EDIT,
    GstPollenFilter)

typedef enum
{
  GST_POLLEN_EDIT_IMAGE_FORMAT_JPEG,
  GST_POLLEN_EDIT_IMAGE_FORMAT_PNG,
} GstPollenEditImageFormat;

typedef enum
{
  GST_POLLEN_EDIT_QUALITY_AUTO,
  GST_POLLEN_EDIT_QUALITY_LOW,
  GST_POLLEN_EDIT_QUALITY_MEDIUM,
  GST_POLLEN_EDIT_QUALITY_HIGH,
} GstPollenEditQuality;

G_END_DECLS
