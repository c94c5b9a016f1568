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
 * PollenJobs:
 *
 * Jobs (requests) run in worker threads, up to max-in-flight at once (a
 * job that makes no request does not count), with
 * their output handed to one consumer strictly in submission order. A job
 * emits output pieces while it runs, so the consumer gets the head job's
 * output as it is produced and a later job's output as soon as it becomes
 * the head.
 */
typedef struct _PollenJobs PollenJobs;
typedef struct _PollenJob PollenJob;

typedef gboolean (*PollenJobFunc) (PollenJob * job, gpointer data,
                                   gpointer user_data,
                                   GCancellable * cancellable,
                                   GError ** error);

typedef enum
{
  POLLEN_JOBS_ITEM,
  POLLEN_JOBS_JOB_DONE,
  POLLEN_JOBS_JOB_FAILED,
  POLLEN_JOBS_FLUSHING,
  POLLEN_JOBS_TIMEOUT,
} PollenJobsNext;

typedef enum
{
  POLLEN_JOBS_SLOT,
  POLLEN_JOBS_NO_SLOT,
  POLLEN_JOBS_AT_ONCE,
} PollenJobsSlot;

PollenJobs *   pollen_jobs_new (guint max_in_flight, PollenJobFunc func,
                                gpointer user_data, GDestroyNotify data_free,
                                GDestroyNotify item_free);
void           pollen_jobs_free (PollenJobs * jobs);
gboolean       pollen_jobs_submit (PollenJobs * jobs, gpointer data);
gboolean       pollen_jobs_submit_full (PollenJobs * jobs, gpointer data,
                                        PollenJobsSlot how);
guint          pollen_jobs_get_pending (PollenJobs * jobs);
PollenJobsNext pollen_jobs_next (PollenJobs * jobs, gint64 end_time,
                                 gpointer * data, gpointer * item,
                                 GError ** error);
void           pollen_jobs_set_flushing (PollenJobs * jobs,
                                         gboolean flushing);

void           pollen_job_emit (PollenJob * job, gpointer item);

G_END_DECLS
