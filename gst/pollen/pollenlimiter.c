/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* One limiter per (base URL, key) in the process.
 *
 * Lock order: limiters_lock, then a limiter's lock; the cancellable's
 * handler takes only the limiter's lock and is never connected or
 * disconnected with it held. */

#include "pollenlimiter.h"

#include <gst/gst.h>

GST_DEBUG_CATEGORY_STATIC (pollen_limiter_debug);
#define GST_CAT_DEFAULT pollen_limiter_debug

#define UNLIMITED G_MAXUINT
/* successes in a row, per allowed request, before trying one more */
#define PROBE_AFTER_PER_SLOT 8

struct _PollenLimiter
{
  gchar *key;                   /* in limiters, immutable */
  gint refcount;                /* under limiters_lock */

  GMutex lock;
  GCond changed;
  guint limit;                  /* under lock */
  guint running;                /* under lock */
  guint successes;              /* under lock: in a row at this limit */
};

static GMutex limiters_lock;
static GHashTable *limiters;    /* key → PollenLimiter, under limiters_lock */

static gchar *
limiter_key (const gchar * base_url, const gchar * api_key)
{
  return g_strdup_printf ("%s\n%s", base_url, api_key ? api_key : "");
}

/* Returns: (transfer full): the limiter of this base URL and key, made
 * on first use. */
PollenLimiter *
pollen_limiter_get (const gchar * base_url, const gchar * api_key)
{
  g_autofree gchar *key = limiter_key (base_url, api_key);
  PollenLimiter *limiter;

  g_mutex_lock (&limiters_lock);
  if (!limiters) {
    limiters = g_hash_table_new (g_str_hash, g_str_equal);
    GST_DEBUG_CATEGORY_INIT (pollen_limiter_debug, "pollenlimiter", 0,
        "gst-pollen account concurrency limiter");
  }
  limiter = g_hash_table_lookup (limiters, key);
  if (!limiter) {
    limiter = g_new0 (PollenLimiter, 1);
    limiter->key = g_steal_pointer (&key);
    limiter->limit = UNLIMITED;
    g_mutex_init (&limiter->lock);
    g_cond_init (&limiter->changed);
    g_hash_table_insert (limiters, limiter->key, limiter);
  }
  limiter->refcount++;
  g_mutex_unlock (&limiters_lock);
  return limiter;
}

PollenLimiter *
pollen_limiter_ref (PollenLimiter * limiter)
{
  g_mutex_lock (&limiters_lock);
  limiter->refcount++;
  g_mutex_unlock (&limiters_lock);
  return limiter;
}

void
pollen_limiter_unref (PollenLimiter * limiter)
{
  gboolean last;

  g_mutex_lock (&limiters_lock);
  last = --limiter->refcount == 0;
  if (last)
    g_hash_table_remove (limiters, limiter->key);
  g_mutex_unlock (&limiters_lock);
  if (!last)
    return;
  g_mutex_clear (&limiter->lock);
  g_cond_clear (&limiter->changed);
  g_free (limiter->key);
  g_free (limiter);
}

static void
wake_waiters (GCancellable * cancellable, PollenLimiter * limiter)
{
  g_mutex_lock (&limiter->lock);
  g_cond_broadcast (&limiter->changed);
  g_mutex_unlock (&limiter->lock);
}

/* Waits, with the lock held, until a request may start or @end_time
 * (monotonic, 0 = never) passes. */
static gboolean
wait_for_slot (PollenLimiter * limiter, gint64 end_time,
    GCancellable * cancellable)
{
  while (limiter->running >= limiter->limit &&
      !g_cancellable_is_cancelled (cancellable)) {
    if (!end_time)
      g_cond_wait (&limiter->changed, &limiter->lock);
    else if (!g_cond_wait_until (&limiter->changed, &limiter->lock, end_time))
      return limiter->running < limiter->limit;
  }
  return limiter->running < limiter->limit;
}

/**
 * pollen_limiter_acquire:
 * @end_time: give up at this monotonic time; 0 waits as long as it takes
 *
 * Waits until the account may run one more request, and counts it as
 * running until pollen_limiter_release().
 *
 * Returns: %TRUE when the request may start; %FALSE with @error set
 * (%G_IO_ERROR_CANCELLED, or %G_IO_ERROR_TIMED_OUT when the wait outlasted
 * @end_time, naming the limit).
 */
gboolean
pollen_limiter_acquire (PollenLimiter * limiter, gint64 end_time,
    GCancellable * cancellable, GError ** error)
{
  gulong handler = 0;
  gboolean ready;
  guint limit;

  if (cancellable)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_waiters),
        limiter, NULL);
  g_mutex_lock (&limiter->lock);
  ready = wait_for_slot (limiter, end_time, cancellable) &&
      !g_cancellable_is_cancelled (cancellable);
  if (ready)
    limiter->running++;
  limit = limiter->limit;
  g_mutex_unlock (&limiter->lock);
  g_cancellable_disconnect (cancellable, handler);

  if (ready || g_cancellable_set_error_if_cancelled (cancellable, error))
    return ready;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the account runs "
      "%u generation%s at a time and the others did not finish within the "
      "timeout", limit, limit == 1 ? "" : "s");
  return FALSE;
}

/* A refusal means the server allows what else is running now: learn that,
 * never below one. Called with the lock held, after this request left. */
static void
learn_limit (PollenLimiter * limiter)
{
  guint limit = MAX (1, limiter->running);

  if (limit < limiter->limit)
    GST_INFO ("the account runs at most %u request%s at a time", limit,
        limit == 1 ? "" : "s");
  limiter->limit = MIN (limiter->limit, limit);
  limiter->successes = 0;
}

/* After a run of successes at the learned limit, allow one more: the
 * account may have bought pollen, or another program stopped using it. */
static void
maybe_probe (PollenLimiter * limiter)
{
  if (limiter->limit == UNLIMITED ||
      ++limiter->successes < PROBE_AFTER_PER_SLOT * limiter->limit)
    return;
  limiter->limit++;
  limiter->successes = 0;
  GST_DEBUG ("probing %u requests at a time", limiter->limit);
}

/**
 * pollen_limiter_release:
 *
 * Ends a request counted by pollen_limiter_acquire() and lets a waiting
 * one start.
 */
void
pollen_limiter_release (PollenLimiter * limiter, PollenLimiterOutcome outcome)
{
  g_mutex_lock (&limiter->lock);
  g_assert (limiter->running > 0);
  limiter->running--;
  if (outcome == POLLEN_LIMITER_REFUSED)
    learn_limit (limiter);
  else
    maybe_probe (limiter);
  g_cond_broadcast (&limiter->changed);
  g_mutex_unlock (&limiter->lock);
}

/* Returns: how many requests may run at once now (G_MAXUINT: no limit
 * learned). */
guint
pollen_limiter_get_limit (PollenLimiter * limiter)
{
  guint limit;

  g_mutex_lock (&limiter->lock);
  limit = limiter->limit;
  g_mutex_unlock (&limiter->lock);
  return limit;
}
