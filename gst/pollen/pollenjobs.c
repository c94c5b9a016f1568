/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Ordered concurrent jobs: the filters' way to keep several requests in
 * flight while their results go downstream in input order.
 *
 * One lock (jobs->lock) guards the queue and every job's state; a job is
 * reference counted because a worker may still run it after a flush took it
 * off the queue. */

#include "pollenjobs.h"

#define MAX_SLOTLESS 32         /* jobs without a slot queued at most */

struct _PollenJob
{
  gint refcount;
  PollenJobs *jobs;
  gpointer data;
  GCancellable *cancellable;

  /* under jobs->lock */
  GQueue items;
  gboolean finished;
  gboolean holds_slot;
  GError *error;                /* set when it failed */
};

struct _PollenJobs
{
  PollenJobFunc func;
  gpointer user_data;
  GDestroyNotify data_free;
  GDestroyNotify item_free;
  guint max_in_flight;
  GThreadPool *pool;

  GMutex lock;
  GCond cond;
  GQueue queue;                 /* PollenJob, in submission order */
  guint held;                   /* jobs in the queue holding a slot */
  PollenJob *lent;              /* the job last reported done or failed */
  gboolean flushing;
};

static void
pollen_job_unref (PollenJob * job)
{
  PollenJobs *jobs = job->jobs;

  if (!g_atomic_int_dec_and_test (&job->refcount))
    return;
  if (jobs->data_free)
    jobs->data_free (job->data);
  g_queue_clear_full (&job->items, jobs->item_free);
  g_clear_error (&job->error);
  g_object_unref (job->cancellable);
  g_free (job);
}

static void
pollen_jobs_run (gpointer job_ptr, gpointer jobs_ptr)
{
  PollenJob *job = job_ptr;
  PollenJobs *jobs = jobs_ptr;
  GError *error = NULL;
  gboolean ok = FALSE;

  if (!g_cancellable_set_error_if_cancelled (job->cancellable, &error))
    ok = jobs->func (job, job->data, jobs->user_data, job->cancellable,
        &error);
  if (!ok && !error)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "job failed without saying why");

  g_mutex_lock (&jobs->lock);
  job->finished = TRUE;
  job->error = ok ? NULL : error;
  if (ok)
    g_clear_error (&error);
  g_cond_broadcast (&jobs->cond);
  g_mutex_unlock (&jobs->lock);
  pollen_job_unref (job);
}

/**
 * pollen_jobs_new:
 * @max_in_flight: how many jobs that make a request may run or wait for
 *   the consumer at once
 * @func: runs one job in a worker thread
 * @data_free: (nullable): frees a job's data
 * @item_free: (nullable): frees an emitted item nobody consumed
 */
PollenJobs *
pollen_jobs_new (guint max_in_flight, PollenJobFunc func, gpointer user_data,
    GDestroyNotify data_free, GDestroyNotify item_free)
{
  PollenJobs *jobs = g_new0 (PollenJobs, 1);

  jobs->func = func;
  jobs->user_data = user_data;
  jobs->data_free = data_free;
  jobs->item_free = item_free;
  jobs->max_in_flight = MAX (1, max_in_flight);
  g_mutex_init (&jobs->lock);
  g_cond_init (&jobs->cond);
  g_queue_init (&jobs->queue);
  jobs->pool = g_thread_pool_new (pollen_jobs_run, jobs,
      jobs->max_in_flight, FALSE, NULL);
  return jobs;
}

/* Waits for every worker, so nothing runs once this returns. */
void
pollen_jobs_free (PollenJobs * jobs)
{
  if (!jobs)
    return;
  pollen_jobs_set_flushing (jobs, TRUE);
  g_thread_pool_free (jobs->pool, FALSE, TRUE);
  g_clear_pointer (&jobs->lent, pollen_job_unref);
  g_mutex_clear (&jobs->lock);
  g_cond_clear (&jobs->cond);
  g_free (jobs);
}

/**
 * pollen_jobs_submit:
 * @data: (transfer full): the job's input
 *
 * Queues a job, blocking while max-in-flight jobs are running or waiting
 * for the consumer.
 *
 * Returns: %FALSE (and frees @data) when flushing.
 */
gboolean
pollen_jobs_submit (PollenJobs * jobs, gpointer data)
{
  return pollen_jobs_submit_full (jobs, data, POLLEN_JOBS_SLOT);
}

/* With jobs->lock: whether a job submitted @how must wait. A job without a
 * slot waits only behind a long queue, so memory stays bounded when the
 * consumer is held up. */
static gboolean
pollen_jobs_is_full (PollenJobs * jobs, PollenJobsSlot how)
{
  switch (how) {
    case POLLEN_JOBS_SLOT:
      return jobs->held >= jobs->max_in_flight;
    case POLLEN_JOBS_NO_SLOT:
      return jobs->queue.length >= jobs->max_in_flight + MAX_SLOTLESS;
    default:
      return FALSE;
  }
}

/**
 * pollen_jobs_submit_full:
 * @how: %POLLEN_JOBS_SLOT (pollen_jobs_submit()): the job makes a request
 *   and waits for one of the max-in-flight slots; %POLLEN_JOBS_NO_SLOT:
 *   it makes none (an event, silence) and takes no slot;
 *   %POLLEN_JOBS_AT_ONCE: queued at once, without a slot (a caller that
 *   counts its requests with pollen_jobs_get_pending() itself, or one that
 *   must not block)
 */
gboolean
pollen_jobs_submit_full (PollenJobs * jobs, gpointer data,
    PollenJobsSlot how)
{
  PollenJob *job;

  g_mutex_lock (&jobs->lock);
  while (!jobs->flushing && pollen_jobs_is_full (jobs, how))
    g_cond_wait (&jobs->cond, &jobs->lock);
  if (jobs->flushing) {
    g_mutex_unlock (&jobs->lock);
    if (jobs->data_free)
      jobs->data_free (data);
    return FALSE;
  }

  job = g_new0 (PollenJob, 1);
  job->refcount = 2;            /* the queue's and the worker's */
  job->jobs = jobs;
  job->data = data;
  job->cancellable = g_cancellable_new ();
  job->holds_slot = how == POLLEN_JOBS_SLOT;
  jobs->held += job->holds_slot;
  g_queue_init (&job->items);
  g_queue_push_tail (&jobs->queue, job);
  g_cond_broadcast (&jobs->cond);
  g_mutex_unlock (&jobs->lock);

  g_thread_pool_push (jobs->pool, job, NULL);
  return TRUE;
}

/**
 * pollen_job_emit:
 * @item: (transfer full): a piece of the job's output
 *
 * Called by a running job; the consumer gets its items in this order.
 */
void
pollen_job_emit (PollenJob * job, gpointer item)
{
  PollenJobs *jobs = job->jobs;

  g_mutex_lock (&jobs->lock);
  if (g_cancellable_is_cancelled (job->cancellable)) {
    g_mutex_unlock (&jobs->lock);
    if (jobs->item_free)
      jobs->item_free (item);
    return;
  }
  g_queue_push_tail (&job->items, item);
  g_cond_broadcast (&jobs->cond);
  g_mutex_unlock (&jobs->lock);
}

/* With jobs->lock. */
static PollenJobsNext
pollen_jobs_next_locked (PollenJobs * jobs, gint64 end_time, gpointer * data,
    gpointer * item, GError ** error)
{
  gboolean timed_out = FALSE;

  g_clear_pointer (&jobs->lent, pollen_job_unref);
  for (;;) {
    PollenJob *head = g_queue_peek_head (&jobs->queue);

    if (jobs->flushing)
      return POLLEN_JOBS_FLUSHING;
    if (head && !g_queue_is_empty (&head->items)) {
      *data = head->data;
      *item = g_queue_pop_head (&head->items);
      return POLLEN_JOBS_ITEM;
    }
    if (head && head->finished) {
      jobs->lent = g_queue_pop_head (&jobs->queue);
      jobs->held -= head->holds_slot;
      *data = head->data;
      if (head->error)
        g_propagate_error (error, g_error_copy (head->error));
      g_cond_broadcast (&jobs->cond);   /* room for pollen_jobs_submit() */
      return head->error ? POLLEN_JOBS_JOB_FAILED : POLLEN_JOBS_JOB_DONE;
    }
    if (timed_out)
      return POLLEN_JOBS_TIMEOUT;
    if (end_time < 0)
      g_cond_wait (&jobs->cond, &jobs->lock);
    else
      timed_out = !g_cond_wait_until (&jobs->cond, &jobs->lock, end_time);
  }
}

/**
 * pollen_jobs_next:
 * @end_time: g_get_monotonic_time() at which to give up waiting, or -1 to
 *   wait for as long as it takes
 * @data: (out) (transfer none): the head job's data
 * @item: (out) (transfer full): with %POLLEN_JOBS_ITEM, the item
 * @error: with %POLLEN_JOBS_JOB_FAILED, why
 *
 * For the one consumer: the next output in submission order, waiting for
 * a job to be submitted when none is pending. Returns %POLLEN_JOBS_TIMEOUT
 * when nothing came by @end_time, so a live consumer can do something else
 * (send a GAP event) while a request is running. After
 * %POLLEN_JOBS_JOB_DONE or %POLLEN_JOBS_JOB_FAILED, *@data stays valid until
 * the next call.
 */
PollenJobsNext
pollen_jobs_next (PollenJobs * jobs, gint64 end_time, gpointer * data,
    gpointer * item, GError ** error)
{
  PollenJobsNext next;

  g_mutex_lock (&jobs->lock);
  next = pollen_jobs_next_locked (jobs, end_time, data, item, error);
  g_mutex_unlock (&jobs->lock);
  return next;
}

/**
 * pollen_jobs_set_flushing:
 *
 * %TRUE cancels every job, drops them with their output and wakes every
 * waiter; %FALSE lets new jobs in again.
 */
void
pollen_jobs_set_flushing (PollenJobs * jobs, gboolean flushing)
{
  GQueue dropped = G_QUEUE_INIT;
  PollenJob *job;

  g_mutex_lock (&jobs->lock);
  jobs->flushing = flushing;
  if (flushing) {
    dropped = jobs->queue;
    g_queue_init (&jobs->queue);
    jobs->held = 0;
  }
  g_cond_broadcast (&jobs->cond);
  g_mutex_unlock (&jobs->lock);

  /* outside the lock: cancelling runs libsoup's handlers and freeing runs
   * the element's data_free, either of which may call back in here */
  while ((job = g_queue_pop_head (&dropped))) {
    g_cancellable_cancel (job->cancellable);
    pollen_job_unref (job);
  }
}

/**
 * pollen_jobs_get_pending:
 *
 * Returns: how many jobs run or wait for the consumer now.
 */
guint
pollen_jobs_get_pending (PollenJobs * jobs)
{
  guint pending;

  g_mutex_lock (&jobs->lock);
  pending = jobs->queue.length;
  g_mutex_unlock (&jobs->lock);
  return pending;
}
