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

#include "pollenclient.h"
#include "pollenemulator.h"

/* the key every benchmark sends the emulator */
#define BENCH_KEY "sk_bench"

G_BEGIN_DECLS

PollenClient * bench_client_new (PollenEmulator * emulator);
void bench_read_timed (PollenClient * client, const PollenRequest * request,
                       gdouble * first_bytes_ms, gdouble * whole_ms);
GstElement * bench_pipeline_new (const gchar * description);

G_END_DECLS
