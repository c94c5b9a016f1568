/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include "pollenclient.h"

G_BEGIN_DECLS

void pollen_voices_explain (PollenClient * client, const gchar * model,
                            const gchar * voice, GCancellable * cancellable,
                            GError ** error);

G_END_DECLS
