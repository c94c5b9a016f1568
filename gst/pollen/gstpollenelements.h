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

GST_ELEMENT_REGISTER_DECLARE (pollensrc);
GST_ELEMENT_REGISTER_DECLARE (pollentts);
GST_ELEMENT_REGISTER_DECLARE (pollenstt);
GST_ELEMENT_REGISTER_DECLARE (pollenchat);
GST_ELEMENT_REGISTER_DECLARE (pollenvision);
GST_ELEMENT_REGISTER_DECLARE (pollenvoice);
GST_ELEMENT_REGISTER_DECLARE (pollenrealtime);
GST_ELEMENT_REGISTER_DECLARE (pollenedit);

G_END_DECLS
