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
 * per IP, refused with an enveloped 429 that has no Retry-After; and a
 * publishable key (pk_…) gets one request per PK_INTERVAL_MS, refused
 * with the third shape, {error, message, retryAfterSeconds}.
 *
 * The settings are written by any thread under limits->lock; everything
 * else runs in the emulator's thread. */

#include "emuserver.h"

#define PK_INTERVAL_MS 1250

struct _EmuLimits
{
  GMutex lock;
  guint concurrency;            /* under lock; 0 = unlimited */
  guint rate_requests;          /* under lock; 0 = unlimited */
  guint rate_window_ms;         /* under lock */
  guint refusals;               /* under lock */

  guint running;                /* generations being answered */
  gint64 last_pk_request;       /* monotonic µs */
  GQueue recent;                /* monotonic µs of recent requests */
};

EmuLimits *
emu_limits_new (void)
{
  EmuLimits *limits = g_new0 (EmuLimits, 1);

  g_mutex_init (&limits->lock);
  g_queue_init (&limits->recent);
  return limits;
}

void
emu_limits_free (EmuLimits * limits)
{
  g_queue_clear_full (&limits->recent, g_free);
  g_mutex_clear (&limits->lock);
  g_free (limits);
}

void
emu_limits_set_concurrency (EmuLimits * limits, guint concurrency)
{
  g_mutex_lock (&limits->lock);
  limits->concurrency = concurrency;
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
