/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Lock order: self->lock is taken alone; messages are posted with it held,
 * so that no CONTINUE can follow the end. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenprogress.h"

#define TICK_PERIOD (2 * GST_SECOND)
/* a download's percent goes out after this many points, and this often at
 * most, so that a fast local download does not flood the bus */
#define PERCENT_STEP 5
#define PERCENT_PERIOD (250 * G_TIME_SPAN_MILLISECOND)

struct _PollenProgress
{
  gint refcount;                /* the owner's, and the ticks' */
  GstElement *element;
  gchar *code;
  gchar *still;
  GstClockTime started;         /* system clock */

  GMutex lock;
  /* under lock */
  GstClockID ticks;
  gboolean ended;
  gint posted_percent;
  gint64 posted_at;             /* monotonic, µs */
};

static PollenProgress *
pollen_progress_ref (PollenProgress * self)
{
  g_atomic_int_inc (&self->refcount);
  return self;
}

static void
pollen_progress_unref (gpointer data)
{
  PollenProgress *self = data;

  if (!g_atomic_int_dec_and_test (&self->refcount))
    return;
  gst_object_unref (self->element);
  g_free (self->code);
  g_free (self->still);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* With the lock. */
static void
pollen_progress_post (PollenProgress * self, GstProgressType type,
    const gchar * text, gint percent)
{
  GstMessage *message = gst_message_new_progress (GST_OBJECT (self->element),
      type, self->code, text);

  if (percent >= 0)
    gst_structure_set (gst_message_writable_structure (message), "percent",
        G_TYPE_INT, percent, NULL);
  gst_element_post_message (self->element, message);
}

/* From the system clock's thread. */
static gboolean
pollen_progress_tick (GstClock * clock, GstClockTime time, GstClockID id,
    gpointer user_data)
{
  PollenProgress *self = user_data;
  g_autofree gchar *text = g_strdup_printf ("%s (%" G_GUINT64_FORMAT " s)",
      self->still, (time - self->started) / GST_SECOND);

  g_mutex_lock (&self->lock);
  if (!self->ended && self->ticks == id)
    pollen_progress_post (self, GST_PROGRESS_TYPE_CONTINUE, text, -1);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/**
 * pollen_progress_start:
 * @code: the messages' code, e.g. "generate"
 * @action: what START says, e.g. "Generating the picture" ("…" is added)
 * @still: what the ticks say, e.g. "Still generating" (the seconds are
 *   added)
 *
 * Posts START now and the ticks from the system clock's thread.
 */
PollenProgress *
pollen_progress_start (GstElement * element, const gchar * code,
    const gchar * action, const gchar * still)
{
  PollenProgress *self = g_new0 (PollenProgress, 1);
  GstClock *clock = gst_system_clock_obtain ();
  g_autofree gchar *text = g_strdup_printf ("%s…", action);

  self->refcount = 1;
  self->element = gst_object_ref (element);
  self->code = g_strdup (code);
  self->still = g_strdup (still);
  self->started = gst_clock_get_time (clock);
  self->posted_at = g_get_monotonic_time ();
  g_mutex_init (&self->lock);

  g_mutex_lock (&self->lock);
  pollen_progress_post (self, GST_PROGRESS_TYPE_START, text, -1);
  self->ticks = gst_clock_new_periodic_id (clock,
      self->started + TICK_PERIOD, TICK_PERIOD);
  gst_clock_id_wait_async (self->ticks, pollen_progress_tick,
      pollen_progress_ref (self), pollen_progress_unref);
  g_mutex_unlock (&self->lock);
  gst_object_unref (clock);
  return self;
}

/* With the lock. */
static void
pollen_progress_clear_ticks (PollenProgress * self)
{
  if (!self->ticks)
    return;
  gst_clock_id_unschedule (self->ticks);
  gst_clock_id_unref (self->ticks);
  self->ticks = NULL;
}

/**
 * pollen_progress_stop_ticks:
 *
 * Ends the "Still …" ticks: from here on something else (the percent)
 * says how it goes.
 */
void
pollen_progress_stop_ticks (PollenProgress * self)
{
  g_mutex_lock (&self->lock);
  pollen_progress_clear_ticks (self);
  g_mutex_unlock (&self->lock);
}

/**
 * pollen_progress_percent:
 *
 * A CONTINUE "Downloading (N %)" with a "percent" field, every
 * PERCENT_STEP points and PERCENT_PERIOD at most; 100 is left to the end.
 */
void
pollen_progress_percent (PollenProgress * self, gint percent)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *text = NULL;

  g_mutex_lock (&self->lock);
  if (!self->ended && percent < 100 &&
      percent >= self->posted_percent + PERCENT_STEP &&
      now >= self->posted_at + PERCENT_PERIOD) {
    self->posted_percent = percent;
    self->posted_at = now;
    text = g_strdup_printf ("Downloading (%d %%)", percent);
    pollen_progress_post (self, GST_PROGRESS_TYPE_CONTINUE, text, percent);
  }
  g_mutex_unlock (&self->lock);
}

/**
 * pollen_progress_end:
 * @type: COMPLETE, ERROR or CANCELED
 *
 * Posts the end, once: later calls do nothing.
 */
void
pollen_progress_end (PollenProgress * self, GstProgressType type,
    const gchar * text)
{
  g_mutex_lock (&self->lock);
  pollen_progress_clear_ticks (self);
  if (!self->ended)
    pollen_progress_post (self, type, text, -1);
  self->ended = TRUE;
  g_mutex_unlock (&self->lock);
}

/**
 * pollen_progress_free:
 *
 * Ends the operation as CANCELED if nothing ended it.
 */
void
pollen_progress_free (PollenProgress * self)
{
  if (!self)
    return;
  pollen_progress_end (self, GST_PROGRESS_TYPE_CANCELED, "Stopped");
  pollen_progress_unref (self);
}
