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
#include "pollenjobs.h"
#include "pollensettings.h"

G_BEGIN_DECLS

#define GST_TYPE_POLLEN_FILTER (gst_pollen_filter_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstPollenFilter, gst_pollen_filter, GST,
    POLLEN_FILTER, GstElement)

/* The base's properties; a subclass numbers its own from
 * POLLEN_FILTER_PROP_LAST on. */
enum
{
  POLLEN_FILTER_PROP_MAX_IN_FLIGHT = POLLEN_PROP_LAST,
  POLLEN_FILTER_PROP_LATENCY,
  POLLEN_FILTER_PROP_MAX_LATENCY,
  POLLEN_FILTER_PROP_SKIP_FAILED,
  POLLEN_FILTER_PROP_LAST
};

/* Why a result is late (see gst_pollen_filter_check_late()), or what
 * lateness cost it (gst_pollen_filter_report_late()). */
typedef enum
{
  POLLEN_LATE_SERVER,           /* the answer came after the deadline and
                                 * took the server longer than latency */
  POLLEN_LATE_DOWNSTREAM,       /* downstream held the element back */
  POLLEN_LATE_QUEUED,           /* the answer came after the deadline, in
                                 * time for a request that went out late,
                                 * behind the ones before it */
  POLLEN_LATE_SKIPPED,          /* not requested: its output could no
                                 * longer play in time */
  POLLEN_LATE_DROPPED,          /* answered too late to play any of it */
  POLLEN_LATE_CUT,              /* its end was cut to keep what follows in
                                 * time */
  POLLEN_LATE_N
} PollenLateCause;

/**
 * GstPollenFilterClass:
 *
 * The base of every element that turns timed input into requests and the
 * answers into timed output. It owns the "sink" and "src" pads (made from
 * the pad templates the subclass adds), the job queue, the src pad task,
 * flushing, the order of serialized events among the results, the EOS
 * drain, the LATENCY query, the failure policy, and the properties
 * api-key, base-url, model, timeout, retries, extra-params, max-in-flight,
 * latency and skip-failed.
 *
 * Threads: the sink pad's streaming thread ("sink thread") runs set_caps,
 * sink_event and chain, and blocks in gst_pollen_filter_submit() while
 * max-in-flight jobs are pending; PollenJobs' workers run run_job; the src
 * pad's task ("src task") runs handle_item, handle_done, src_event, fill,
 * idle and describe, one call at a time, in submission order; start and
 * stop run in the application thread, with the element's state lock.
 *
 * Locks: no vfunc is called with the object lock or a lock of the base
 * or of PollenJobs held; the sink vfuncs run with the sink pad's stream
 * lock, the src vfuncs with the src pad's, run_job with none. A vfunc may
 * take the object lock to read properties, as long as it calls nothing
 * else while holding it.
 *
 * Settings: the common properties and max-in-flight are copied at
 * READY→PAUSED (gst_pollen_filter_get_settings()); latency and skip-failed
 * may change while PLAYING and are read when used. A subclass copies its
 * own fixed properties in @start; those that may change while PLAYING say
 * so in their blurb.
 *
 * Policies, the same for every subclass:
 * - Input must be timed: a segment in another format than TIME posts one
 *   error that says what to put in front (@untimed_hint), sends EOS on and
 *   refuses all further input with %GST_FLOW_ERROR. Data before any
 *   segment gets a default TIME segment.
 * - A job that fails after the client's retries posts an error with
 *   details, then EOS goes downstream and the task pauses with
 *   %GST_FLOW_ERROR, which chain returns from then on. With skip-failed
 *   and a transient failure (429, 5xx, network) it posts a warning and
 *   @fill covers the job's span instead.
 * - A rejected submit (flushing, or output stopped) returns why output
 *   stopped (%GST_FLOW_ERROR, %GST_FLOW_EOS, %GST_FLOW_NOT_LINKED …), or
 *   %GST_FLOW_FLUSHING.
 * - A serialized event pushed downstream counts as delivered unless the
 *   src pad is flushing; downstream refusing it is only logged.
 * - LATENCY: upstream's answer, when live plus @get_latency plus the
 *   latency property. When upstream does not answer (a live source without
 *   caps yet, in PAUSED) the answer is live with min = own latency, so the
 *   pipeline can configure itself before data flows.
 * - Deadlines (live only): output at a stream time must leave the element
 *   by its running time + the pipeline latency (the LATENCY event, else
 *   what the element reports) - what downstream itself needs of it (its
 *   latency and its sink's processing deadline, asked downstream when the
 *   LATENCY event comes). gst_pollen_filter_check_late() tells a slow
 *   server (the answer came after the deadline and took longer than
 *   latency: shift, raise latency) from a request that went out late
 *   behind the ones before it (the answer came late although the server
 *   took less than latency: raise max-in-flight) and from downstream
 *   holding the element back (no shift, raising latency does not help),
 *   warns at once for the
 *   first late result and sums up the others in one warning per 10 s;
 *   what lateness cost (a result skipped without a request, dropped, or
 *   cut) is told the same way (gst_pollen_filter_report_late()).
 * - After EOS went out the task pauses and chain returns %GST_FLOW_EOS
 *   until a FLUSH_STOP. FLUSH_START and FLUSH_STOP go to every src pad,
 *   a subclass's request pads too (the src task feeds them).
 * - Progress: the src task waiting 2 s for the oldest job posts a
 *   GstProgress START (code "request"), CONTINUE every 2 s, and when the
 *   wait ends COMPLETE, ERROR or CANCELED, in every path (flush, stop, the
 *   element leaving its pipeline): gst-launch-1.0 keeps a prerolled
 *   pipeline out of PLAYING while a START is open.
 */
struct _GstPollenFilterClass
{
  GstElementClass parent_class;

  /* set in class_init, before gst_pollen_filter_class_setup() */
  const gchar *default_model;
  const gchar *model_blurb;
  guint default_timeout;
  guint default_max_in_flight;
  guint default_latency_ms;
  const gchar *latency_blurb;   /* what the latency is for, one sentence */
  const gchar *untimed_hint;    /* what to put in front of untimed input */
  gboolean serial;              /* one job at a time, each after the one
                                 * before finished: for a job that needs the
                                 * previous result (a chat's history) */
  gboolean nonblocking;         /* serialized events never wait: they
                                 * queue past max-in-flight; a subclass that
                                 * must not block checks
                                 * gst_pollen_filter_get_pending() before
                                 * it submits (pollenvision, a tee branch) */
  GDestroyNotify data_free;     /* frees what chain submits */
  GDestroyNotify item_free;     /* frees what run_job emits */

  /**
   * start: (optional)
   * Application thread, in READY→PAUSED, after the settings snapshot and
   * the client exist: copy the subclass's fixed properties.
   */
  gboolean (*start) (GstPollenFilter * filter);
  /**
   * stop: (optional)
   * Application thread, in PAUSED→READY, with the task stopped and every
   * worker finished.
   */
  void (*stop) (GstPollenFilter * filter);
  /**
   * flush: (optional)
   * Forget the streaming state, input and output. Sink thread at
   * FLUSH_STOP, or the application thread when the src pad activates; the
   * src task is not running.
   */
  void (*flush) (GstPollenFilter * filter);
  /**
   * set_caps: (optional)
   * Sink thread: the input caps. Returns %FALSE to refuse them.
   */
  gboolean (*set_caps) (GstPollenFilter * filter, GstCaps * caps);
  /**
   * sink_event: (optional)
   * Sink thread, for each serialized event (SEGMENT, GAP, EOS, …) before
   * the base queues it behind the jobs submitted so far: a subclass that
   * gathers input submits what it holds here. Also called for
   * STREAM_START, which the base then stores at once (its return is
   * ignored): a subclass forgets what belonged to the stream before.
   * Does not take @event.
   */
  GstFlowReturn (*sink_event) (GstPollenFilter * filter, GstEvent * event);
  /**
   * chain:
   * Sink thread: turn @buffer (transfer full) into jobs with
   * gst_pollen_filter_submit(), and return its result.
   */
  GstFlowReturn (*chain) (GstPollenFilter * filter, GstBuffer * buffer);
  /**
   * run_job:
   * A worker thread, up to max-in-flight at once: make the request for
   * @data, emitting output with pollen_job_emit() while it runs (sentences
   * from a stream, audio as it arrives) or storing the result in @data
   * for handle_done. Blocking calls take @cancellable, cancelled by flush
   * and PAUSED→READY. Jobs run concurrently (max-in-flight) unless the
   * class is @serial: then a job starts only once the one before finished,
   * so it may read what that one left (a chat's history). Returns %FALSE
   * with @error set when the job failed.
   */
  gboolean (*run_job) (GstPollenFilter * filter, PollenJob * job,
      gpointer data, GCancellable * cancellable, GError ** error);
  /**
   * handle_item: (optional)
   * Src task: the next item a job emitted, in order; the base frees @item
   * after. Pushes output.
   */
  GstFlowReturn (*handle_item) (GstPollenFilter * filter, gpointer data,
      gpointer item);
  /**
   * handle_done:
   * Src task: the job of @data finished, after all its items.
   */
  GstFlowReturn (*handle_done) (GstPollenFilter * filter, gpointer data);
  /**
   * src_event:
   * Src task: a serialized event (transfer full) at its place among the
   * results. The default stores a SEGMENT (see
   * gst_pollen_filter_get_segment()) and sends it once the src pad has
   * caps, takes out of a TAG what describes the input's media (see
   * gst_pollen_filter_output_tags()), and pushes the others; an override
   * updates its output state and chains up. After EOS the task pauses.
   */
  GstFlowReturn (*src_event) (GstPollenFilter * filter, GstEvent * event);
  /**
   * fill:
   * Src task: the job of @data failed and skip-failed let it pass: cover
   * its span (silence, a GAP).
   */
  GstFlowReturn (*fill) (GstPollenFilter * filter, gpointer data);
  /**
   * idle: (optional)
   * Src task, every 100 ms while upstream is live and no result comes:
   * tell downstream what time has passed (a GAP).
   */
  GstFlowReturn (*idle) (GstPollenFilter * filter);
  /**
   * get_latency: (optional)
   * Any thread: what the subclass adds to the latency besides the latency
   * property (pollenstt: a whole chunk). Takes the object lock only.
   */
  GstClockTime (*get_latency) (GstPollenFilter * filter);
  /**
   * describe:
   * Src task: what the job of @data was doing, for messages ("Speaking the
   * text at 0:00:01.000000000 (\"Hello\")").
   */
  gchar *(*describe) (GstPollenFilter * filter, gpointer data);
};

void               gst_pollen_filter_class_setup (GstPollenFilterClass * klass);

GstPad *           gst_pollen_filter_get_sinkpad (GstPollenFilter * filter);
GstPad *           gst_pollen_filter_get_srcpad (GstPollenFilter * filter);
const PollenSettings * gst_pollen_filter_get_settings (GstPollenFilter * filter);
PollenClient *     gst_pollen_filter_get_client (GstPollenFilter * filter);
GstClockTime       gst_pollen_filter_get_latency (GstPollenFilter * filter);

void               gst_pollen_filter_set_serial (GstPollenFilter * filter,
                                                 gboolean serial);

GstFlowReturn      gst_pollen_filter_submit (GstPollenFilter * filter,
                                             gpointer data);
GstFlowReturn      gst_pollen_filter_submit_full (GstPollenFilter * filter,
                                                  gpointer data,
                                                  PollenJobsSlot how);
guint              gst_pollen_filter_get_pending (GstPollenFilter * filter);
GstFlowReturn      gst_pollen_filter_get_flow (GstPollenFilter * filter);

const GstSegment * gst_pollen_filter_get_segment (GstPollenFilter * filter);
GstTagList *       gst_pollen_filter_output_tags (const GstTagList * input);
GstFlowReturn      gst_pollen_filter_push_event (GstPollenFilter * filter,
                                                 GstEvent * event);
void               gst_pollen_filter_gap_until (GstPollenFilter * filter,
                                                GstClockTime * told,
                                                GstClockTime until);
gboolean           gst_pollen_filter_follow_upstream (GstPollenFilter * filter,
                                                      GstClockTime * told,
                                                      GstEvent * event);
GstFlowReturn      gst_pollen_filter_set_src_caps (GstPollenFilter * filter,
                                                   GstCaps * caps);
gboolean           gst_pollen_filter_input_is_live (GstPollenFilter * filter);
void               gst_pollen_filter_query_upstream (GstPollenFilter * filter,
                                                     gboolean * live,
                                                     GstClockTime * min);
gboolean           gst_pollen_filter_is_live (GstPollenFilter * filter);
GstClockTime       gst_pollen_filter_get_upstream_min (GstPollenFilter * filter);
GstClockTime       gst_pollen_filter_get_pipeline_latency (GstPollenFilter * filter);
GstClockTime       gst_pollen_filter_now (GstPollenFilter * filter);
GstClockTime       gst_pollen_filter_get_budget (GstPollenFilter * filter);
GstClockTime       gst_pollen_filter_get_horizon (GstPollenFilter * filter);
GstClockTime       gst_pollen_filter_get_deadline (GstPollenFilter * filter,
                                                   GstClockTime pts);
void               gst_pollen_filter_report_late (GstPollenFilter * filter,
                                                  gpointer data,
                                                  PollenLateCause cause,
                                                  GstClockTime amount);
void               gst_pollen_filter_follow_server (GstPollenFilter * filter,
                                                    GstClockTime sent,
                                                    GstClockTime answered,
                                                    gboolean late);
GstClockTime       gst_pollen_filter_check_late (GstPollenFilter * filter,
                                                 gpointer data,
                                                 GstClockTime pts,
                                                 GstClockTime sent,
                                                 GstClockTime answered,
                                                 PollenLateCause * cause);

G_END_DECLS
