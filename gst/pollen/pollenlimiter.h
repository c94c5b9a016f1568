/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PollenLimiter:
 *
 * How many requests one account may run at once, shared by every client of
 * the process that talks to the same base URL with the same key. An
 * account that never bought pollen runs one generation at a time and
 * refuses more with 429 concurrency_limit_exceeded: the limiter learns
 * that limit from the refusals, makes the other requests wait their turn
 * instead of failing, and probes one higher again after a run of
 * successes. Until the first refusal it does not limit at all.
 *
 * Thread-safe; a waiting pollen_limiter_acquire() wakes at once when its
 * cancellable fires.
 */
typedef struct _PollenLimiter PollenLimiter;

typedef enum
{
  POLLEN_LIMITER_DONE,          /* the request ran (whatever it answered) */
  POLLEN_LIMITER_REFUSED,       /* 429 concurrency_limit_exceeded */
} PollenLimiterOutcome;

PollenLimiter * pollen_limiter_get (const gchar * base_url,
                                    const gchar * api_key);
PollenLimiter * pollen_limiter_ref (PollenLimiter * limiter);
void            pollen_limiter_unref (PollenLimiter * limiter);
gboolean        pollen_limiter_acquire (PollenLimiter * limiter,
                                        gint64 end_time,
                                        GCancellable * cancellable,
                                        GError ** error);
void            pollen_limiter_release (PollenLimiter * limiter,
                                        PollenLimiterOutcome outcome);
guint           pollen_limiter_get_limit (PollenLimiter * limiter);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenLimiter, pollen_limiter_unref)

G_END_DECLS
