/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The account limits of today's server, as real conditions rather than
 * scripts: a free account (never bought pollen) runs one generation at a
 * time and is refused more with 429 concurrency_limit_exceeded and
 * Retry-After: 1; every client is limited to so many requests per window
 * per IP, refused with an enveloped 429 that has no Retry-After; a
 * publishable key (pk_…) gets one request per PK_INTERVAL_MS, refused
 * with the third shape, {error, message, retryAfterSeconds}; and a model
 * may take only so many requests a minute from one user (perUserRpm in
 * the server's registry: 60 on flux, zimage and klein), refused with an
 * enveloped 429 community_model_rate_limit and a Retry-After
 * (utils/model-rate-limit.ts, durable-objects/CommunityModelRateLimiter.ts).
 *
 * The settings are written by any thread under limits->lock; everything
 * else runs in the emulator's thread. */

#include "emuserver.h"

#include <math.h>

#define PK_INTERVAL_MS 1250

/* One user's token bucket for one model, as the server keeps it: it
 * holds up to the limit, refills the limit every window, and a request
 * takes a token. */
typedef struct
{
  gdouble tokens;
  gint64 updated;               /* monotonic µs */
} ModelBucket;

/* A model's per-user limit: @requests every @window_ms. */
typedef struct
{
  guint requests;
  guint window_ms;
} ModelRate;

struct _EmuLimits
{
  GMutex lock;
  gboolean free_account;        /* under lock */
  guint concurrency;            /* under lock; 0 = unlimited */
  GHashTable *model_rates;      /* canonical model → ModelRate, under lock */
  guint rate_requests;          /* under lock; 0 = unlimited */
  guint rate_window_ms;         /* under lock */
  guint refusals;               /* under lock */

  guint running;                /* generations being answered */
  gint64 last_pk_request;       /* monotonic µs */
  GQueue recent;                /* monotonic µs of recent requests */
  GHashTable *buckets;          /* "key model" → ModelBucket */
};

EmuLimits *
emu_limits_new (void)
{
  EmuLimits *limits = g_new0 (EmuLimits, 1);

  g_mutex_init (&limits->lock);
  g_queue_init (&limits->recent);
  limits->model_rates = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, g_free);
  limits->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  return limits;
}

void
emu_limits_free (EmuLimits * limits)
{
  g_queue_clear_full (&limits->recent, g_free);
  g_hash_table_unref (limits->model_rates);
  g_hash_table_unref (limits->buckets);
  g_mutex_clear (&limits->lock);
  g_free (limits);
}

/* An account that never bought pollen: one generation at a time, and
 * model lists without the paid-only models. */
void
emu_limits_set_free_account (EmuLimits * limits, gboolean free_account)
{
  g_mutex_lock (&limits->lock);
  limits->free_account = free_account;
  limits->concurrency = free_account ? 1 : 0;
  g_mutex_unlock (&limits->lock);
}

gboolean
emu_limits_get_free_account (EmuLimits * limits)
{
  gboolean free_account;

  g_mutex_lock (&limits->lock);
  free_account = limits->free_account;
  g_mutex_unlock (&limits->lock);
  return free_account;
}

/* @requests every @window_ms for each user of @model (a canonical name);
 * 0 requests lifts the limit. */
void
emu_limits_set_model_rate (EmuLimits * limits, const gchar * model,
    guint requests, guint window_ms)
{
  ModelRate *rate = g_new0 (ModelRate, 1);

  rate->requests = requests;
  rate->window_ms = MAX (window_ms, 1);
  g_mutex_lock (&limits->lock);
  if (requests)
    g_hash_table_replace (limits->model_rates, g_strdup (model), rate);
  else {
    g_hash_table_remove (limits->model_rates, model);
    g_free (rate);
  }
  g_mutex_unlock (&limits->lock);
}

void
emu_limits_set_rate (EmuLimits * limits, guint requests, guint window_ms)
{
  g_mutex_lock (&limits->lock);
  limits->rate_requests = requests;
  limits->rate_window_ms = window_ms;
  g_mutex_unlock (&limits->lock);
}

guint
emu_limits_get_refusals (EmuLimits * limits)
{
  guint refusals;

  g_mutex_lock (&limits->lock);
  refusals = limits->refusals;
  g_mutex_unlock (&limits->lock);
  return refusals;
}

/* Takes a token from @bucket, refilled at @rate since it was last used;
 * returns 0, or when it has none the seconds until it has one (at least
 * 1, as the server's Retry-After). */
static guint
model_bucket_take (ModelBucket * bucket, const ModelRate * rate)
{
  gint64 now = g_get_monotonic_time ();
  gdouble per_us = (gdouble) rate->requests / (rate->window_ms * 1000.0);

  bucket->tokens = MIN (rate->requests, bucket->tokens +
      (now - bucket->updated) * per_us);
  bucket->updated = now;
  if (bucket->tokens >= 1) {
    bucket->tokens -= 1;
    return 0;
  }
  return MAX (1, (guint) ceil ((1 - bucket->tokens) / per_us / 1e6));
}

/* Seconds until @key may ask @model again, 0 when it may now (and the
 * request is counted). Runs in the emulator thread. */
static guint
model_rate_wait (EmuLimits * limits, const gchar * key, const gchar * model,
    ModelRate * rate)
{
  g_autofree gchar *id = g_strdup_printf ("%s %s", key ? key : "", model);
  ModelBucket *bucket = g_hash_table_lookup (limits->buckets, id);

  if (!bucket) {
    bucket = g_new0 (ModelBucket, 1);
    bucket->tokens = rate->requests;
    bucket->updated = g_get_monotonic_time ();
    g_hash_table_insert (limits->buckets, g_steal_pointer (&id), bucket);
  }
  return model_bucket_take (bucket, rate);
}

/* The server's refusal: an UpstreamError with its own code, and the
 * seconds until the next token as Retry-After. */
static void
refuse_model_rate (PollenEmulator * emulator, SoupServerMessage * msg,
    const gchar * model, guint requests, guint wait_s)
{
  g_autofree gchar *message = g_strdup_printf ("Per-user limit of %u RPM "
      "exceeded for model %s", requests, model);
  g_autofree gchar *seconds = g_strdup_printf ("%u", wait_s);
  PollenEmulatorResponse *answer = emu_upstream_error_new (429,
      "community_model_rate_limit", message);

  pollen_emulator_response_add_header (answer, "Retry-After", seconds);
  emu_send (emulator, msg, answer);
}

/**
 * emu_limits_admit_model:
 * @model: the canonical name of the model asked for
 *
 * The per-user, per-model limit, checked once the request is otherwise
 * good, as the server checks it just before the provider is called.
 *
 * Returns: %TRUE when @request may be answered; otherwise it has been
 * refused with the server's 429 (community_model_rate_limit).
 */
gboolean
emu_limits_admit_model (EmuLimits * limits, PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request,
    const gchar * model)
{
  ModelRate rate = { 0, };
  ModelRate *limited;
  guint wait_s;

  g_mutex_lock (&limits->lock);
  if ((limited = g_hash_table_lookup (limits->model_rates, model)))
    rate = *limited;
  g_mutex_unlock (&limits->lock);
  if (!rate.requests || !(wait_s = model_rate_wait (limits,
              emu_request_key (request), model, &rate)))
    return TRUE;
  refuse_model_rate (emulator, msg, model, rate.requests, wait_s);
  return FALSE;
}

/* Model lists and account pages are not generations. */
static gboolean
is_generation (PollenEmulatorRequest * request)
{
  return !g_str_has_suffix (request->path, "/models") &&
      !g_str_has_prefix (request->path, "/account");
}

/* Counts this request in the window; TRUE when it is one too many. */
static gboolean
over_rate (EmuLimits * limits, guint requests, guint window_ms)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *stamp;

  if (requests == 0)
    return FALSE;
  while ((stamp = g_queue_peek_head (&limits->recent)) &&
      now - *stamp > (gint64) window_ms * 1000)
    g_free (g_queue_pop_head (&limits->recent));
  if (g_queue_get_length (&limits->recent) >= requests)
    return TRUE;
  g_queue_push_tail (&limits->recent, g_memdup2 (&now, sizeof (now)));
  return FALSE;
}

static gboolean
is_publishable_key (PollenEmulatorRequest * request)
{
  const gchar *key = emu_request_key (request);

  return key && g_str_has_prefix (key, "pk_");
}

/* The frontend-key limit: its own body shape, a fractional
 * retryAfterSeconds and a Retry-After of its ceiling. */
static gboolean
refuse_publishable_key (EmuLimits * limits, PollenEmulator * emulator,
    SoupServerMessage * msg)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait_us = limits->last_pk_request + PK_INTERVAL_MS * 1000 - now;
  g_autofree gchar *body = NULL;
  g_autofree gchar *ceiling = NULL;
  gchar seconds[G_ASCII_DTOSTR_BUF_SIZE];
  PollenEmulatorResponse *answer;

  if (limits->last_pk_request == 0 || wait_us <= 0) {
    limits->last_pk_request = now;
    return FALSE;
  }
  g_ascii_formatd (seconds, sizeof (seconds), "%.2f", wait_us / 1e6);
  body = g_strdup_printf ("{\"error\":\"Rate limit exceeded\",\"message\":"
      "\"Rate limit exceeded. Retry after %ss. Use secret keys (sk_*) for "
      "unlimited requests.\",\"retryAfterSeconds\":%s}", seconds, seconds);
  ceiling = g_strdup_printf ("%" G_GINT64_FORMAT, (wait_us + 999999) / 1000000);
  answer = pollen_emulator_response_new_json (429, body);
  pollen_emulator_response_add_header (answer, "Retry-After", ceiling);
  emu_send (emulator, msg, answer);
  return TRUE;
}

static void
refuse_concurrency (PollenEmulator * emulator, SoupServerMessage * msg)
{
  PollenEmulatorResponse *answer = pollen_emulator_response_new_json (429,
      "{\"error\":\"concurrency_limit_exceeded\",\"message\":\"Another "
      "generation is still running on this account. Add credits for "
      "concurrent requests, or retry when it finishes.\"}");

  pollen_emulator_response_add_header (answer, "Retry-After", "1");
  emu_send (emulator, msg, answer);
}

static void
generation_finished (SoupServerMessage * msg, EmuLimits * limits)
{
  limits->running--;
}

/**
 * emu_limits_admit:
 *
 * Returns: %TRUE when @request may be answered; otherwise it has been
 * refused with the server's 429.
 */
gboolean
emu_limits_admit (EmuLimits * limits, PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request)
{
  guint concurrency, rate_requests, rate_window_ms;

  g_mutex_lock (&limits->lock);
  concurrency = limits->concurrency;
  rate_requests = limits->rate_requests;
  rate_window_ms = limits->rate_window_ms;
  g_mutex_unlock (&limits->lock);

  if (over_rate (limits, rate_requests, rate_window_ms)) {
    emu_send_error (emulator, msg, 429, "RATE_LIMITED",
        "Too many requests from this IP. Please slow down.");
    return FALSE;
  }
  if (!is_generation (request))
    return TRUE;
  if (is_publishable_key (request) &&
      refuse_publishable_key (limits, emulator, msg))
    return FALSE;
  if (concurrency && limits->running >= concurrency) {
    g_mutex_lock (&limits->lock);
    limits->refusals++;
    g_mutex_unlock (&limits->lock);
    refuse_concurrency (emulator, msg);
    return FALSE;
  }
  limits->running++;
  g_signal_connect (msg, "finished", G_CALLBACK (generation_finished), limits);
  return TRUE;
}
