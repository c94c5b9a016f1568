/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstPollenFilter: the element glue every request-per-input filter shares
 * (sink chain → PollenJobs → src pad task). The vfunc contract is in
 * gstpollenfilter.h.
 *
 * Threads: the sink streaming thread submits jobs and serialized events
 * (as jobs that make no request, so they keep their place); workers run
 * the jobs; the src task takes the results in order and pushes them.
 *
 * Lock order: the pads' stream locks, then GST_OBJECT_LOCK (properties)
 * or priv->lock (srcresult, pipeline latency), which are leaves: neither is
 * held while taking the other, nor while calling into PollenJobs, a vfunc
 * or a pad. PollenJobs' own lock is taken only inside pollenjobs.c. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenfilter.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_filter_debug);
#define GST_CAT_DEFAULT gst_pollen_filter_debug

#define IDLE_TICK_US (100 * G_TIME_SPAN_MILLISECOND)
/* late results after the first of an interval are counted and summed up in
 * one warning at its end, so a slow stretch is not a warning per buffer */
#define LATE_INTERVAL_US (10 * G_TIME_SPAN_SECOND)
/* a synchronised sink's push returns a thread wake-up after the render
 * moment, more on a loaded machine: that is keeping up, not lateness */
#define HELD_TOLERANCE (100 * GST_MSECOND)
/* the output waiting this long for the server posts GstProgress START,
 * then CONTINUE as often, as pollensrc does while it generates */
#define PROGRESS_DELAY_US (2 * G_TIME_SPAN_SECOND)
/* Live: answers this many times running slower than latency, and late,
 * make it rise (max-latency), to the slowest of them and this margin
 * more. */
#define SLOW_RUN 3
#define LATENCY_MARGIN (500 * GST_MSECOND)
#define DEFAULT_MAX_LATENCY_MS 10000
#define PROGRESS_CODE "request"

/* What goes through the job queue: the subclass's data, or a serialized
 * event that keeps its place among the results. */
typedef struct
{
  gpointer data;
  GDestroyNotify data_free;
  GstEvent *event;
  GstClockTime submitted;       /* running times it came, before any wait */
  GstClockTime started;         /* for room, and a worker took it */
  gboolean held_upstream;       /* it came as the chain before it ended a
                                 * wait for room: it waited upstream */
} FilterJob;

typedef struct
{
  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under GST_OBJECT_LOCK */
  PollenSettings settings;
  guint max_in_flight;
  guint latency_ms;             /* as raised by max-latency */
  guint chosen_latency_ms;      /* as set, or the default: each run's start */
  guint max_latency_ms;
  gboolean skip_failed;
  gboolean serial;              /* gst_pollen_filter_set_serial() */

  /* READY→PAUSED until PAUSED→READY; read-only in between */
  PollenSettings run_settings;
  PollenClient *client;
  PollenJobs *jobs;

  /* sink thread */
  gboolean have_segment;
  gboolean refused_untimed;
  GstClockTime room_came;       /* the last submit waited for room (or
                                 * came in a burst after one) until then,
                                 * or NONE */

  /* src task (or with the task stopped) */
  GstSegment segment;
  gboolean segment_pending;     /* it waits for caps */
  gboolean live;
  GstClockTime upstream_min;
  gint64 late_window;           /* monotonic start of the interval, or 0 */
  guint late_count[POLLEN_LATE_N];      /* after the first, in the interval */
  GstClockTime late_max[POLLEN_LATE_N];
  gint64 waiting_since;         /* monotonic, the output waits since; or 0 */
  gint64 progress_due;          /* when the next START or CONTINUE is due */
  guint slow_run;               /* late answers running slower than latency */
  GstClockTime slow_max;        /* the slowest of them */
  gboolean job_waited;          /* the job handled went out late, behind
                                 * the ones before it (fjob_queued()) */

  gboolean progress_open;       /* a START went out, its end not yet */
  GstBus *progress_bus;         /* where it went */

  /* under priv->lock */
  GMutex lock;
  GstFlowReturn srcresult;
  GstClockTime pipeline_latency;        /* from the LATENCY event, or NONE */
  GstClockTime downstream_latency;      /* downstream's share of it */
  GstSegment shared_segment;    /* the input's latest segment, whether */
  gboolean shared_live;         /* upstream is live, and its latency: for */
  GstClockTime shared_upstream_min;     /* the threads but the src task */
} GstPollenFilterPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstPollenFilter, gst_pollen_filter,
    GST_TYPE_ELEMENT);

#define PRIV(filter) ((GstPollenFilterPrivate *) \
    gst_pollen_filter_get_instance_private (filter))

static void gst_pollen_filter_loop (GstPollenFilter * self);
static void gst_pollen_filter_flush_late (GstPollenFilter * self,
    gboolean force);

/* ---- jobs ---- */

static FilterJob *
filter_job_new (GstPollenFilter * self, gpointer data, GstEvent * event)
{
  FilterJob *job = g_new0 (FilterJob, 1);

  job->data = data;
  job->data_free = GST_POLLEN_FILTER_GET_CLASS (self)->data_free;
  job->event = event;
  job->submitted = gst_pollen_filter_now (self);
  job->started = GST_CLOCK_TIME_NONE;
  return job;
}

/* Whether @job's request went out late behind the ones before it: it
 * waited in the element (for room in chain, max-in-flight, then for a
 * worker), or upstream while the chain before it waited for room. */
static gboolean
fjob_queued (FilterJob * job)
{
  return job->held_upstream || (GST_CLOCK_TIME_IS_VALID (job->submitted) &&
      GST_CLOCK_TIME_IS_VALID (job->started) &&
      job->started > job->submitted + HELD_TOLERANCE);
}

static void
filter_job_free (FilterJob * job)
{
  if (job->data && job->data_free)
    job->data_free (job->data);
  gst_clear_event (&job->event);
  g_free (job);
}

static gboolean
gst_pollen_filter_run_job (PollenJob * job, gpointer data,
    gpointer user_data, GCancellable * cancellable, GError ** error)
{
  GstPollenFilter *self = user_data;
  FilterJob *fjob = data;

  if (fjob->event)
    return TRUE;
  fjob->started = gst_pollen_filter_now (self);
  return GST_POLLEN_FILTER_GET_CLASS (self)->run_job (self, job, fjob->data,
      cancellable, error);
}

/* ---- srcresult ---- */

static GstFlowReturn
gst_pollen_filter_get_srcresult (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstFlowReturn ret;

  g_mutex_lock (&priv->lock);
  ret = priv->srcresult;
  g_mutex_unlock (&priv->lock);
  return ret;
}

/**
 * gst_pollen_filter_get_flow:
 *
 * Any thread: %GST_FLOW_OK while output goes on, else why it stopped
 * (%GST_FLOW_ERROR, %GST_FLOW_EOS, %GST_FLOW_FLUSHING …): what chain
 * returns for input that a subclass keeps instead of submitting it.
 */
GstFlowReturn
gst_pollen_filter_get_flow (GstPollenFilter * filter)
{
  return gst_pollen_filter_get_srcresult (filter);
}

/* An error stays until a flush or a new activation says otherwise. */
static void
gst_pollen_filter_set_srcresult (GstPollenFilter * self, GstFlowReturn ret)
{
  GstPollenFilterPrivate *priv = PRIV (self);

  g_mutex_lock (&priv->lock);
  if (priv->srcresult != GST_FLOW_ERROR || ret == GST_FLOW_OK ||
      ret == GST_FLOW_FLUSHING)
    priv->srcresult = ret;
  g_mutex_unlock (&priv->lock);
}

/* ---- the sink side ---- */

/* Takes @fjob, queued as @how says (waiting for a slot or not). */
static GstFlowReturn
gst_pollen_filter_queue_full (GstPollenFilter * self, FilterJob * fjob,
    PollenJobsSlot how)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstFlowReturn ret = gst_pollen_filter_get_srcresult (self);

  if (ret != GST_FLOW_OK) {
    filter_job_free (fjob);
    return ret;
  }
  if (pollen_jobs_submit_full (priv->jobs, fjob, how))
    return GST_FLOW_OK;
  ret = gst_pollen_filter_get_srcresult (self);
  return ret == GST_FLOW_OK ? GST_FLOW_FLUSHING : ret;
}

/**
 * gst_pollen_filter_get_pending:
 *
 * Any thread: how many jobs and events run or wait for the src task now;
 * a subclass that must not block submits only while this is below
 * max-in-flight.
 */
guint
gst_pollen_filter_get_pending (GstPollenFilter * filter)
{
  return pollen_jobs_get_pending (PRIV (filter)->jobs);
}

/**
 * gst_pollen_filter_submit:
 * @data: (transfer full): a job for run_job
 *
 * Sink thread: queues a job behind everything submitted before, blocking
 * while max-in-flight jobs are pending.
 *
 * Returns: %GST_FLOW_OK, or why output stopped (then @data is freed).
 */
GstFlowReturn
gst_pollen_filter_submit (GstPollenFilter * filter, gpointer data)
{
  return gst_pollen_filter_submit_full (filter, data, POLLEN_JOBS_SLOT);
}

/**
 * gst_pollen_filter_submit_full:
 * @data: (transfer full): a job for run_job
 * @how: whether it waits for one of the max-in-flight slots
 *   (%POLLEN_JOBS_SLOT, as gst_pollen_filter_submit()), takes none
 *   (%POLLEN_JOBS_NO_SLOT: a job that makes no request, such as a chunk of
 *   silence) or is queued at once, past max-in-flight
 *   (%POLLEN_JOBS_AT_ONCE: for a subclass that must not block and counts
 *   its requests in flight itself, such as pollenedit when live)
 *
 * Sink thread: queues a job behind everything submitted before.
 *
 * Returns: %GST_FLOW_OK, or why output stopped (then @data is freed).
 */
GstFlowReturn
gst_pollen_filter_submit_full (GstPollenFilter * filter, gpointer data,
    PollenJobsSlot how)
{
  GstPollenFilterPrivate *priv = PRIV (filter);
  FilterJob *fjob = filter_job_new (filter, data, NULL);
  GstClockTime submitted = fjob->submitted, now;
  GstFlowReturn ret;
  gboolean held;

  fjob->held_upstream = GST_CLOCK_TIME_IS_VALID (priv->room_came) &&
      GST_CLOCK_TIME_IS_VALID (submitted) &&
      submitted <= priv->room_came + HELD_TOLERANCE;
  held = fjob->held_upstream;
  ret = gst_pollen_filter_queue_full (filter, fjob, how);
  now = gst_pollen_filter_now (filter);
  /* what upstream held comes in a burst: all of it was held */
  priv->room_came = GST_CLOCK_TIME_IS_VALID (submitted) &&
      GST_CLOCK_TIME_IS_VALID (now) && (held ||
      now > submitted + HELD_TOLERANCE) ? now : GST_CLOCK_TIME_NONE;
  return ret;
}

/* Sink thread: the timeline of the input as it comes, for the threads
 * that ask how late it is now (gst_pollen_filter_get_horizon()): a worker
 * may look before the src task reached the segment. */
static void
gst_pollen_filter_share_timeline (GstPollenFilter * self,
    const GstSegment * segment)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  gboolean live;
  GstClockTime min;

  gst_pollen_filter_query_upstream (self, &live, &min);
  g_mutex_lock (&priv->lock);
  gst_segment_copy_into (segment, &priv->shared_segment);
  priv->shared_live = live;
  priv->shared_upstream_min = min;
  g_mutex_unlock (&priv->lock);
}

static GstFlowReturn
gst_pollen_filter_queue_event (GstPollenFilter * self, GstEvent * event)
{
  /* an event takes no slot */
  return gst_pollen_filter_queue_full (self, filter_job_new (self, NULL,
          event), GST_POLLEN_FILTER_GET_CLASS (self)->nonblocking ?
      POLLEN_JOBS_AT_ONCE : POLLEN_JOBS_NO_SLOT);
}

static GstFlowReturn
gst_pollen_filter_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (parent);
  GstPollenFilterPrivate *priv = PRIV (self);
  GstFlowReturn ret = gst_pollen_filter_get_srcresult (self);

  if (ret == GST_FLOW_OK && !priv->have_segment) {
    GstSegment segment;

    /* upstream sent no segment: say what the timestamps mean ourselves */
    GST_DEBUG_OBJECT (self, "data before a segment: assuming TIME");
    gst_segment_init (&segment, GST_FORMAT_TIME);
    priv->have_segment = TRUE;
    gst_pollen_filter_share_timeline (self, &segment);
    ret = gst_pollen_filter_queue_event (self,
        gst_event_new_segment (&segment));
  }
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buffer);
    return ret;
  }
  return GST_POLLEN_FILTER_GET_CLASS (self)->chain (self, buffer);
}

/* Untimed input (a BYTES segment from filesrc or fdsrc) cannot be placed
 * in time: one error that says what to do, EOS on, and every later buffer
 * refused. */
static gboolean
gst_pollen_filter_refuse_untimed (GstPollenFilter * self,
    const GstSegment * segment)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);

  if (priv->refused_untimed)
    return FALSE;
  priv->refused_untimed = TRUE;
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      ("%s needs timed input (a TIME segment) but got a %s segment. %s",
          GST_OBJECT_NAME (gst_element_get_factory (GST_ELEMENT (self))),
          gst_format_get_name (segment->format), klass->untimed_hint),
      (NULL));
  gst_pollen_filter_queue_event (self, gst_event_new_eos ());
  gst_pollen_filter_set_srcresult (self, GST_FLOW_ERROR);
  return FALSE;
}

static gboolean
gst_pollen_filter_sink_serialized (GstPollenFilter * self, GstEvent * event)
{
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);
  GstFlowReturn ret = GST_FLOW_OK;

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    const GstSegment *segment;

    gst_event_parse_segment (event, &segment);
    if (segment->format != GST_FORMAT_TIME) {
      gst_event_unref (event);
      return gst_pollen_filter_refuse_untimed (self, segment);
    }
    PRIV (self)->have_segment = TRUE;
    gst_pollen_filter_share_timeline (self, segment);
  }
  if (klass->sink_event)
    ret = klass->sink_event (self, event);
  if (ret == GST_FLOW_OK)
    return gst_pollen_filter_queue_event (self, event) == GST_FLOW_OK;
  gst_event_unref (event);
  return FALSE;
}

static gboolean
gst_pollen_filter_flush_start (GstPollenFilter * self, GstEvent * event)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  gboolean ret;

  gst_pollen_filter_set_srcresult (self, GST_FLOW_FLUSHING);
  pollen_jobs_set_flushing (priv->jobs, TRUE);
  /* to every src pad: a subclass's request pads are fed by the task too */
  ret = gst_pad_event_default (priv->sinkpad, GST_OBJECT (self), event);
  gst_pad_pause_task (priv->srcpad);
  GST_DEBUG_OBJECT (self, "flushed: jobs in flight cancelled");
  return ret;
}

static gboolean
gst_pollen_filter_start_task (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);

  priv->segment_pending = FALSE;
  priv->live = FALSE;
  priv->upstream_min = 0;
  priv->late_window = 0;
  priv->waiting_since = 0;
  priv->slow_run = 0;
  priv->slow_max = 0;
  if (klass->flush)
    klass->flush (self);
  gst_pollen_filter_set_srcresult (self, GST_FLOW_OK);
  pollen_jobs_set_flushing (priv->jobs, FALSE);
  return gst_pad_start_task (priv->srcpad,
      (GstTaskFunction) gst_pollen_filter_loop, self, NULL);
}

static gboolean
gst_pollen_filter_flush_stop (GstPollenFilter * self, GstEvent * event)
{
  gboolean ret = gst_pad_event_default (PRIV (self)->sinkpad,
      GST_OBJECT (self), event);

  return gst_pollen_filter_start_task (self) && ret;
}

static gboolean
gst_pollen_filter_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (parent);
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);

  GST_LOG_OBJECT (self, "sink event %" GST_PTR_FORMAT, event);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      return gst_pollen_filter_flush_start (self, event);
    case GST_EVENT_FLUSH_STOP:
      return gst_pollen_filter_flush_stop (self, event);
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok = TRUE;

      gst_event_parse_caps (event, &caps);
      if (klass->set_caps)
        ok = klass->set_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_STREAM_START:
      /* a subclass forgets what belonged to the stream before (a chat's
       * history) */
      if (klass->sink_event)
        klass->sink_event (self, event);
      /* not tied to a time: stored at once, it goes before anything */
      gst_pad_store_sticky_event (PRIV (self)->srcpad, event);
      gst_event_unref (event);
      return TRUE;
    default:
      if (GST_EVENT_IS_SERIALIZED (event))
        return gst_pollen_filter_sink_serialized (self, event);
      return gst_pad_event_default (pad, parent, event);
  }
}

/* ---- the src side ---- */

/**
 * gst_pollen_filter_push_event:
 * @event: (transfer full)
 *
 * Src task: pushes @event; %GST_FLOW_FLUSHING when the pad is flushing,
 * else %GST_FLOW_OK (downstream refusing an event is only logged).
 */
GstFlowReturn
gst_pollen_filter_push_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPad *srcpad = PRIV (filter)->srcpad;
  GstEventType type = GST_EVENT_TYPE (event);

  if (gst_pad_push_event (srcpad, event))
    return GST_FLOW_OK;
  if (GST_PAD_IS_FLUSHING (srcpad))
    return GST_FLOW_FLUSHING;
  GST_DEBUG_OBJECT (filter, "downstream refused a %s event",
      gst_event_type_get_name (type));
  return GST_FLOW_OK;
}

/**
 * gst_pollen_filter_gap_until:
 * @told: (inout): the subclass's record of the time up to which downstream
 *   knows what comes (GST_CLOCK_TIME_NONE: nothing was said yet)
 *
 * Src task: tells downstream that nothing comes before @until, with a GAP
 * from *@told; the first call only records where the timeline starts.
 */
void
gst_pollen_filter_gap_until (GstPollenFilter * filter, GstClockTime * told,
    GstClockTime until)
{
  GstClockTime from = *told;

  if (!GST_CLOCK_TIME_IS_VALID (until))
    return;
  if (!GST_CLOCK_TIME_IS_VALID (from) || until <= from) {
    if (!GST_CLOCK_TIME_IS_VALID (from))
      *told = until;
    return;
  }
  GST_LOG_OBJECT (filter, "gap %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT,
      GST_TIME_ARGS (from), GST_TIME_ARGS (until));
  gst_pollen_filter_push_event (filter, gst_event_new_gap (from,
          until - from));
  *told = until;
}

/**
 * gst_pollen_filter_follow_upstream:
 * @told: (inout): as for gst_pollen_filter_gap_until()
 *
 * Src task, for a subclass whose output is timed text: a SEGMENT starts
 * the timeline (live, GAPs may start at its start; else at the first
 * output, which may start before the segment does), and a GAP from
 * upstream becomes a GAP up to its end.
 *
 * Returns: %TRUE when @event (a GAP) was taken; else the subclass passes
 * it on.
 */
gboolean
gst_pollen_filter_follow_upstream (GstPollenFilter * filter,
    GstClockTime * told, GstEvent * event)
{
  GstClockTime start, duration;
  const GstSegment *segment;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:
      gst_event_parse_segment (event, &segment);
      *told = gst_pollen_filter_is_live (filter) ? segment->start :
          GST_CLOCK_TIME_NONE;
      return FALSE;
    case GST_EVENT_GAP:
      gst_event_parse_gap (event, &start, &duration);
      gst_event_unref (event);
      if (!GST_CLOCK_TIME_IS_VALID (*told))
        *told = start;
      if (GST_CLOCK_TIME_IS_VALID (duration))
        gst_pollen_filter_gap_until (filter, told, start + duration);
      return TRUE;
    default:
      return FALSE;
  }
}

static GstFlowReturn
gst_pollen_filter_push_segment (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);

  priv->segment_pending = FALSE;
  return gst_pollen_filter_push_event (self,
      gst_event_new_segment (&priv->segment));
}

/**
 * gst_pollen_filter_set_src_caps:
 *
 * Src task: sends @caps downstream, then the segment that waited for caps.
 */
GstFlowReturn
gst_pollen_filter_set_src_caps (GstPollenFilter * filter, GstCaps * caps)
{
  GstPollenFilterPrivate *priv = PRIV (filter);

  GST_INFO_OBJECT (filter, "output caps %" GST_PTR_FORMAT, caps);
  if (!gst_pad_push_event (priv->srcpad, gst_event_new_caps (caps)))
    return GST_PAD_IS_FLUSHING (priv->srcpad) ? GST_FLOW_FLUSHING :
        GST_FLOW_NOT_NEGOTIATED;
  if (priv->segment_pending)
    return gst_pollen_filter_push_segment (filter);
  return GST_FLOW_OK;
}

/**
 * gst_pollen_filter_query_upstream:
 * @live: (out): whether upstream is live
 * @min: (out): upstream's minimum latency
 *
 * Any thread but a worker: asks upstream; not live when it does not answer.
 */
void
gst_pollen_filter_query_upstream (GstPollenFilter * filter, gboolean * live,
    GstClockTime * min)
{
  GstQuery *query = gst_query_new_latency ();

  *live = FALSE;
  *min = 0;
  if (gst_pad_peer_query (PRIV (filter)->sinkpad, query))
    gst_query_parse_latency (query, live, min, NULL);
  gst_query_unref (query);
}

/**
 * gst_pollen_filter_input_is_live:
 *
 * Any thread: whether upstream was live at the latest segment that came
 * in (the sink thread's view; the src task's is
 * gst_pollen_filter_is_live()).
 */
gboolean
gst_pollen_filter_input_is_live (GstPollenFilter * filter)
{
  GstPollenFilterPrivate *priv = PRIV (filter);
  gboolean live;

  g_mutex_lock (&priv->lock);
  live = priv->shared_live;
  g_mutex_unlock (&priv->lock);
  return live;
}

/* Meta tags about the sound or the picture: what the output of a filter,
 * which makes other media from them, is not. */
static const gchar *const signal_tags[] = {
  GST_TAG_TRACK_GAIN, GST_TAG_TRACK_PEAK, GST_TAG_ALBUM_GAIN,
  GST_TAG_ALBUM_PEAK, GST_TAG_REFERENCE_LEVEL, GST_TAG_BEATS_PER_MINUTE,
  GST_TAG_IMAGE_ORIENTATION, NULL
};

static gboolean
tag_describes_input (const gchar * tag)
{
  GstTagFlag flag = gst_tag_get_flag (tag);

  return flag == GST_TAG_FLAG_ENCODED || flag == GST_TAG_FLAG_DECODED ||
      g_strv_contains (signal_tags, tag);
}

/**
 * gst_pollen_filter_output_tags:
 *
 * Any thread: upstream's @input tags (same scope) less those that
 * describe the input's media, since the output is other media made from
 * it: the encoding (codec, bitrates, encoder, container: tags flagged
 * %GST_TAG_FLAG_ENCODED), the decoded stream (%GST_TAG_FLAG_DECODED: the
 * duration) and the signal (ReplayGain, tempo, picture orientation). What
 * the content is (title, artist, language …) stays.
 *
 * Returns: (transfer full): the tags for the output
 */
GstTagList *
gst_pollen_filter_output_tags (const GstTagList * input)
{
  GstTagList *output = gst_tag_list_copy (input);
  gint i;

  for (i = 0; i < gst_tag_list_n_tags (input); i++) {
    const gchar *tag = gst_tag_list_nth_tag_name (input, i);

    if (tag_describes_input (tag))
      gst_tag_list_remove_tag (output, tag);
  }
  return output;
}

/* Upstream's tags with what describes the input's media taken out. */
static GstEvent *
gst_pollen_filter_output_tag_event (GstEvent * event)
{
  GstTagList *tags;

  gst_event_parse_tag (event, &tags);
  tags = gst_pollen_filter_output_tags (tags);
  gst_event_unref (event);
  return gst_event_new_tag (tags);
}

static GstFlowReturn
gst_pollen_filter_real_src_event (GstPollenFilter * self, GstEvent * event)
{
  GstPollenFilterPrivate *priv = PRIV (self);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_TAG:
      event = gst_pollen_filter_output_tag_event (event);
      break;
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &priv->segment);
      gst_event_unref (event);
      if (gst_pad_has_current_caps (priv->srcpad))
        return gst_pollen_filter_push_segment (self);
      priv->segment_pending = TRUE;
      return GST_FLOW_OK;
    case GST_EVENT_EOS:
      GST_DEBUG_OBJECT (self, "every result is out: EOS");
      if (priv->segment_pending)
        gst_pollen_filter_push_segment (self);
      /* the summary of late results belongs before the end of the stream,
       * where an application that stops at EOS still sees it */
      gst_pollen_filter_flush_late (self, TRUE);
      break;
    default:
      break;
  }
  return gst_pollen_filter_push_event (self, event);
}

/* A serialized event at its place: upstream's liveness is known once data
 * flows, so it is asked at each segment. */
static GstFlowReturn
gst_pollen_filter_output_event (GstPollenFilter * self, GstEvent * event)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstEventType type = GST_EVENT_TYPE (event);
  GstFlowReturn ret;

  if (type == GST_EVENT_SEGMENT)
    gst_pollen_filter_query_upstream (self, &priv->live, &priv->upstream_min);
  ret = GST_POLLEN_FILTER_GET_CLASS (self)->src_event (self, event);
  if (ret == GST_FLOW_OK && type == GST_EVENT_EOS)
    return GST_FLOW_EOS;
  return ret;
}

/* ---- progress: the output waiting for the server ---- */

/* The START went to @bus, which the element has left since (out of its
 * pipeline, or into another): its end goes there all the same. */
static void
gst_pollen_filter_end_progress_on (GstPollenFilter * self, GstBus * bus)
{
  if (bus)
    gst_bus_post (bus, gst_message_new_progress (GST_OBJECT (self),
            GST_PROGRESS_TYPE_CANCELED, PROGRESS_CODE,
            "Moved out of its pipeline"));
}

/* Src task, or with the task stopped: a START, CONTINUE or the end of what
 * a START began. Every START is ended (COMPLETE, ERROR or CANCELED) on the
 * bus it went to, in every path: gst-launch-1.0 keeps a prerolled pipeline
 * out of PLAYING while one is open. */
static void
gst_pollen_filter_post_progress (GstPollenFilter * self, GstProgressType type,
    const gchar * text)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  g_autoptr (GstBus) bus = gst_element_get_bus (GST_ELEMENT (self));
  gboolean opens = type == GST_PROGRESS_TYPE_START ||
      type == GST_PROGRESS_TYPE_CONTINUE;

  if (priv->progress_open && bus != priv->progress_bus) {
    gst_pollen_filter_end_progress_on (self, priv->progress_bus);
    priv->progress_open = FALSE;
  }
  if (!opens && !priv->progress_open)
    return;
  if (!priv->progress_open) {
    type = GST_PROGRESS_TYPE_START;
    gst_object_replace ((GstObject **) & priv->progress_bus,
        (GstObject *) bus);
  }
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_progress (GST_OBJECT (self), type, PROGRESS_CODE,
          text));
  priv->progress_open = opens;
  if (!opens)
    gst_clear_object (&priv->progress_bus);
}

/* Src task: nothing came from the jobs by the time it waited for. Only a
 * job in flight is the server's doing; waiting for input is not. */
static void
gst_pollen_filter_progress_tick (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  gint64 now = g_get_monotonic_time ();
  g_autofree gchar *text = NULL;

  if (now < priv->progress_due)
    return;
  priv->progress_due = now + PROGRESS_DELAY_US;
  if (pollen_jobs_get_pending (priv->jobs) == 0) {
    priv->waiting_since = now;
    return;
  }
  text = g_strdup_printf ("Waiting for the server (%" G_GINT64_FORMAT " s)",
      (now - priv->waiting_since) / G_TIME_SPAN_SECOND);
  gst_pollen_filter_post_progress (self, GST_PROGRESS_TYPE_CONTINUE, text);
}

/* Src task: the jobs gave @next, the wait is over. */
static void
gst_pollen_filter_progress_end (GstPollenFilter * self, PollenJobsNext next)
{
  PRIV (self)->waiting_since = 0;
  if (next == POLLEN_JOBS_JOB_FAILED)
    gst_pollen_filter_post_progress (self, GST_PROGRESS_TYPE_ERROR,
        "The request failed");
  else if (next == POLLEN_JOBS_FLUSHING)
    gst_pollen_filter_post_progress (self, GST_PROGRESS_TYPE_CANCELED,
        "Cancelled");
  else
    gst_pollen_filter_post_progress (self, GST_PROGRESS_TYPE_COMPLETE,
        "The server answered");
}

/* Src task: when to stop waiting for the jobs: the next progress message
 * (counted from when the wait began) or, live, the next idle tick. */
static gint64
gst_pollen_filter_wait_end (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  gint64 now = g_get_monotonic_time ();

  if (!priv->waiting_since) {
    priv->waiting_since = now;
    priv->progress_due = now + PROGRESS_DELAY_US;
  }
  if (priv->live && GST_POLLEN_FILTER_GET_CLASS (self)->idle)
    return MIN (priv->progress_due, now + IDLE_TICK_US);
  return priv->progress_due;
}

/* A job failed after its retries. Errors that are not transient (4xx)
 * mean the settings are wrong, which no later job fixes: always an error;
 * transient ones too unless skip-failed, which fills the job's span. */
static GstFlowReturn
gst_pollen_filter_handle_failure (GstPollenFilter * self, gpointer data,
    const GError * error)
{
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);
  g_autofree gchar *what = NULL;
  g_autofree gchar *action = NULL;
  gboolean skip;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return GST_FLOW_FLUSHING;

  GST_OBJECT_LOCK (self);
  skip = PRIV (self)->skip_failed && pollen_client_error_is_transient (error);
  GST_OBJECT_UNLOCK (self);

  what = klass->describe (self, data);
  if (!skip) {
    /* upstream sees the failure as soon as the message is out */
    gst_pollen_filter_set_srcresult (self, GST_FLOW_ERROR);
    pollen_element_post_error (GST_ELEMENT (self), PRIV (self)->client,
        GST_MESSAGE_ERROR, what, error);
    return GST_FLOW_ERROR;
  }
  action = g_strdup_printf ("%s (skipped as skip-failed is set)", what);
  pollen_element_post_error (GST_ELEMENT (self), PRIV (self)->client,
      GST_MESSAGE_WARNING, action, error);
  return klass->fill (self, data);
}

/* The task stops; the sink side learns why from srcresult. A fatal flow
 * was reported (a failed job posted its own error), and EOS goes on so
 * that downstream finishes. */
static void
gst_pollen_filter_pause (GstPollenFilter * self, GstFlowReturn ret)
{
  GstPollenFilterPrivate *priv = PRIV (self);

  GST_DEBUG_OBJECT (self, "pausing task: %s", gst_flow_get_name (ret));
  /* an idle tick may have left a wait open */
  gst_pollen_filter_post_progress (self, GST_PROGRESS_TYPE_CANCELED,
      "Stopped");
  gst_pollen_filter_set_srcresult (self, ret);
  /* a chain waiting for room must not wait for ever */
  if (ret != GST_FLOW_FLUSHING)
    pollen_jobs_set_flushing (priv->jobs, TRUE);
  if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS) {
    if (ret != GST_FLOW_ERROR)
      GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_pad_push_event (priv->srcpad, gst_event_new_eos ());
  }
  gst_pad_pause_task (priv->srcpad);
}

static GstFlowReturn
gst_pollen_filter_handle_next (GstPollenFilter * self, PollenJobsNext next,
    FilterJob * fjob, gpointer item, const GError * error)
{
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);
  GstFlowReturn ret = GST_FLOW_OK;

  if (fjob) {
    PRIV (self)->job_waited = fjob_queued (fjob);
    GST_LOG_OBJECT (self, "job came at %" GST_TIME_FORMAT ", started at %"
        GST_TIME_FORMAT "%s", GST_TIME_ARGS (fjob->submitted),
        GST_TIME_ARGS (fjob->started), fjob->held_upstream ?
        ", held upstream" : "");
  }
  switch (next) {
    case POLLEN_JOBS_ITEM:
      ret = klass->handle_item (self, fjob->data, item);
      klass->item_free (item);
      break;
    case POLLEN_JOBS_JOB_DONE:
      if (fjob->event)
        return gst_pollen_filter_output_event (self,
            gst_event_ref (fjob->event));
      return klass->handle_done (self, fjob->data);
    case POLLEN_JOBS_JOB_FAILED:
      return gst_pollen_filter_handle_failure (self, fjob->data, error);
    case POLLEN_JOBS_TIMEOUT:
      return PRIV (self)->live && klass->idle ? klass->idle (self) :
          GST_FLOW_OK;
    case POLLEN_JOBS_FLUSHING:
      return GST_FLOW_FLUSHING;
  }
  return ret;
}

static void
gst_pollen_filter_loop (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  g_autoptr (GError) error = NULL;
  gpointer data = NULL, item = NULL;
  PollenJobsNext next;
  GstFlowReturn ret;

  next = pollen_jobs_next (priv->jobs, gst_pollen_filter_wait_end (self),
      &data, &item, &error);
  if (next == POLLEN_JOBS_TIMEOUT)
    gst_pollen_filter_progress_tick (self);
  else
    gst_pollen_filter_progress_end (self, next);
  ret = gst_pollen_filter_handle_next (self, next, data, item, error);
  gst_pollen_filter_flush_late (self, ret != GST_FLOW_OK);
  if (ret != GST_FLOW_OK)
    gst_pollen_filter_pause (self, ret);
}

static gboolean
gst_pollen_filter_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (parent);
  GstPollenFilterPrivate *priv = PRIV (self);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    gst_segment_init (&priv->segment, GST_FORMAT_TIME);
    return gst_pollen_filter_start_task (self);
  }
  gst_pollen_filter_set_srcresult (self, GST_FLOW_FLUSHING);
  pollen_jobs_set_flushing (priv->jobs, TRUE);
  return gst_pad_stop_task (pad);
}

/* Upstream latency, when live plus ours; see the header for the policy
 * when upstream does not answer. */
static gboolean
gst_pollen_filter_query_latency (GstPollenFilter * self, GstQuery * query)
{
  GstClockTime min = 0, max = GST_CLOCK_TIME_NONE;
  GstClockTime own = gst_pollen_filter_get_latency (self);
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);
  gboolean live = TRUE;

  if (gst_pad_peer_query (PRIV (self)->sinkpad, query))
    gst_query_parse_latency (query, &live, &min, &max);
  if (live) {
    if (klass->get_latency)
      own += klass->get_latency (self);
    min += own;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += own;
  }
  GST_DEBUG_OBJECT (self, "latency: live %d, min %" GST_TIME_FORMAT
      ", max %" GST_TIME_FORMAT, live, GST_TIME_ARGS (min),
      GST_TIME_ARGS (max));
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

static gboolean
gst_pollen_filter_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    return gst_pollen_filter_query_latency (GST_POLLEN_FILTER (parent),
        query);
  return gst_pad_query_default (pad, parent, query);
}

/* What downstream adds to our latency (its elements' latency and its
 * sink's processing deadline): downstream's answer less ours. */
static GstClockTime
gst_pollen_filter_query_downstream (GstPollenFilter * self)
{
  GstPad *srcpad = PRIV (self)->srcpad;
  GstQuery *query = gst_query_new_latency ();
  GstClockTime ours = 0, theirs = 0;
  gboolean live;

  if (gst_pad_query (srcpad, query))
    gst_query_parse_latency (query, &live, &ours, NULL);
  if (gst_pad_peer_query (srcpad, query))
    gst_query_parse_latency (query, &live, &theirs, NULL);
  gst_query_unref (query);
  return theirs > ours ? theirs - ours : 0;
}

/* The LATENCY event comes from the sinks (the application thread, in the
 * bin's latency distribution), before or while data flows. */
static gboolean
gst_pollen_filter_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (parent);
  GstPollenFilterPrivate *priv = PRIV (self);

  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    GstClockTime latency, downstream;

    gst_event_parse_latency (event, &latency);
    downstream = gst_pollen_filter_query_downstream (self);
    GST_DEBUG_OBJECT (self, "pipeline latency %" GST_TIME_FORMAT
        ", downstream's share %" GST_TIME_FORMAT, GST_TIME_ARGS (latency),
        GST_TIME_ARGS (downstream));
    g_mutex_lock (&priv->lock);
    priv->pipeline_latency = latency;
    priv->downstream_latency = downstream;
    g_mutex_unlock (&priv->lock);
  }
  return gst_pad_event_default (pad, parent, event);
}

/* ---- getters ---- */

GstPad *
gst_pollen_filter_get_sinkpad (GstPollenFilter * filter)
{
  return PRIV (filter)->sinkpad;
}

GstPad *
gst_pollen_filter_get_srcpad (GstPollenFilter * filter)
{
  return PRIV (filter)->srcpad;
}

/* The snapshot of the common properties taken at READY→PAUSED: read-only
 * until PAUSED→READY, from any thread, without a lock. */
const PollenSettings *
gst_pollen_filter_get_settings (GstPollenFilter * filter)
{
  return &PRIV (filter)->run_settings;
}

/* READY→PAUSED until PAUSED→READY. */
PollenClient *
gst_pollen_filter_get_client (GstPollenFilter * filter)
{
  return PRIV (filter)->client;
}

/**
 * gst_pollen_filter_set_serial:
 *
 * Any thread, without the object lock: whether this instance runs one job
 * at a time, each after the one before finished, like a class that sets
 * @serial (pollenchat with history). Used from the next READY→PAUSED.
 */
void
gst_pollen_filter_set_serial (GstPollenFilter * filter, gboolean serial)
{
  GST_OBJECT_LOCK (filter);
  PRIV (filter)->serial = serial;
  GST_OBJECT_UNLOCK (filter);
}

/* Src task: the latency becomes @latency for the rest of the run, and
 * the pipeline is asked to take it. */
static void
gst_pollen_filter_raise_latency (GstPollenFilter * self, GstClockTime latency)
{
  GST_OBJECT_LOCK (self);
  PRIV (self)->latency_ms = latency / GST_MSECOND;
  GST_OBJECT_UNLOCK (self);
  g_object_notify (G_OBJECT (self), "latency");
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_latency (GST_OBJECT (self)));
}

/* The latency property, read now (it may change while PLAYING). */
GstClockTime
gst_pollen_filter_get_latency (GstPollenFilter * filter)
{
  guint latency_ms;

  GST_OBJECT_LOCK (filter);
  latency_ms = PRIV (filter)->latency_ms;
  GST_OBJECT_UNLOCK (filter);
  return latency_ms * GST_MSECOND;
}

/* Src task: the output segment. */
const GstSegment *
gst_pollen_filter_get_segment (GstPollenFilter * filter)
{
  return &PRIV (filter)->segment;
}

/* Src task: whether upstream was live at the latest segment. */
gboolean
gst_pollen_filter_is_live (GstPollenFilter * filter)
{
  return PRIV (filter)->live;
}

/* Src task: upstream's minimum latency at the latest segment. */
GstClockTime
gst_pollen_filter_get_upstream_min (GstPollenFilter * filter)
{
  return PRIV (filter)->upstream_min;
}

/* Any thread: the latency the pipeline configured, or NONE before. */
GstClockTime
gst_pollen_filter_get_pipeline_latency (GstPollenFilter * filter)
{
  GstPollenFilterPrivate *priv = PRIV (filter);
  GstClockTime latency;

  g_mutex_lock (&priv->lock);
  latency = priv->pipeline_latency;
  g_mutex_unlock (&priv->lock);
  return latency;
}

/* ---- deadlines ---- */

/* Any thread: the pipeline's running time now, or NONE without a clock.
 * A worker notes when an answer came with it. */
GstClockTime
gst_pollen_filter_now (GstPollenFilter * filter)
{
  return gst_element_get_current_running_time (GST_ELEMENT (filter));
}

/* What this element reports on top of upstream's latency. */
static GstClockTime
gst_pollen_filter_own_latency (GstPollenFilter * self)
{
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);
  GstClockTime own = gst_pollen_filter_get_latency (self);

  return own + (klass->get_latency ? klass->get_latency (self) : 0);
}

/* The budget (see gst_pollen_filter_get_budget()), with priv->lock held:
 * what is reported is upstream's @upstream_min and the element's @own. */
static GstClockTime
gst_pollen_filter_budget_locked (GstPollenFilter * self,
    GstClockTime upstream_min, GstClockTime own)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstClockTime reported = upstream_min + own;
  GstClockTime latency = priv->pipeline_latency;
  GstClockTime downstream = priv->downstream_latency;

  /* a pipeline without a synchronised sink configures 0 */
  if (!GST_CLOCK_TIME_IS_VALID (latency) || latency < reported + downstream)
    return reported;
  return latency - downstream;
}

/**
 * gst_pollen_filter_get_budget:
 *
 * Src task: how long after its running time output may leave the element:
 * the pipeline latency less downstream's share of it, and never less than
 * what the element reports (upstream's + its own).
 */
GstClockTime
gst_pollen_filter_get_budget (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstClockTime own = gst_pollen_filter_own_latency (self);
  GstClockTime budget;

  g_mutex_lock (&priv->lock);
  budget = gst_pollen_filter_budget_locked (self, priv->upstream_min, own);
  g_mutex_unlock (&priv->lock);
  return budget;
}

/**
 * gst_pollen_filter_get_horizon:
 *
 * Any thread: the deadline read backwards, the stream time whose output
 * must leave the element now to play on time. Output before it is late
 * already; a worker may skip a request whose output could only come after
 * it.
 *
 * Returns: that stream time, or NONE when upstream is not live (or the
 * pipeline has not run for a budget yet).
 */
GstClockTime
gst_pollen_filter_get_horizon (GstPollenFilter * filter)
{
  GstPollenFilterPrivate *priv = PRIV (filter);
  GstClockTime now = gst_pollen_filter_now (filter);
  GstClockTime own = gst_pollen_filter_own_latency (filter);
  GstClockTime budget, horizon = GST_CLOCK_TIME_NONE;

  g_mutex_lock (&priv->lock);
  budget = gst_pollen_filter_budget_locked (filter,
      priv->shared_upstream_min, own);
  if (priv->shared_live && GST_CLOCK_TIME_IS_VALID (now) && now > budget)
    horizon = gst_segment_position_from_running_time (&priv->shared_segment,
        GST_FORMAT_TIME, now - budget);
  g_mutex_unlock (&priv->lock);
  return horizon;
}

/**
 * gst_pollen_filter_get_deadline:
 *
 * Src task: the running time by which output at stream time @pts must
 * leave the element to play on time, or NONE when upstream is not live.
 */
GstClockTime
gst_pollen_filter_get_deadline (GstPollenFilter * filter, GstClockTime pts)
{
  GstPollenFilterPrivate *priv = PRIV (filter);
  GstClockTime running;

  if (!priv->live || !GST_CLOCK_TIME_IS_VALID (pts))
    return GST_CLOCK_TIME_NONE;
  running = gst_segment_to_running_time (&priv->segment, GST_FORMAT_TIME, pts);
  if (!GST_CLOCK_TIME_IS_VALID (running))
    return GST_CLOCK_TIME_NONE;
  return running + gst_pollen_filter_get_budget (filter);
}

/**
 * gst_pollen_filter_follow_server:
 * @sent: the running time a request went out
 * @answered: the running time its answer came (its first part)
 * @late: whether its output missed its deadline
 *
 * Src task, live, at each answer, after its lateness was looked at
 * (gst_pollen_filter_check_late()): the answer that makes the latency rise
 * is judged by the latency the pipeline still runs with, as its sink
 * renders it before the application handles the LATENCY message. Answers
 * that keep taking longer than latency and coming too late raise it (an
 * answer slower than latency but in time, on what the elements before
 * left of the pipeline's latency, costs nothing) (up to
 * max-latency), once for a run of SLOW_RUN, to the slowest of them and a
 * margin, and the pipeline is told (gst-launch-1.0 redistributes the
 * latency; an application does on GST_MESSAGE_LATENCY, with
 * gst_bin_recalculate_latency()): a server that is always that slow then
 * gets its output played whole and in time, later, instead of late.
 */
void
gst_pollen_filter_follow_server (GstPollenFilter * filter, GstClockTime sent,
    GstClockTime answered, gboolean late)
{
  GstPollenFilterPrivate *priv = PRIV (filter);
  GstClockTime latency = gst_pollen_filter_get_latency (filter), took, raised;
  guint max_ms;

  if (!priv->live || !GST_CLOCK_TIME_IS_VALID (sent) ||
      !GST_CLOCK_TIME_IS_VALID (answered) || answered < sent)
    return;
  took = answered - sent;
  priv->slow_run = took > latency && late ? priv->slow_run + 1 : 0;
  priv->slow_max = priv->slow_run ? MAX (priv->slow_max, took) : 0;
  GST_OBJECT_LOCK (filter);
  max_ms = priv->max_latency_ms;
  GST_OBJECT_UNLOCK (filter);
  raised = MIN (gst_util_uint64_scale_ceil (priv->slow_max + LATENCY_MARGIN,
          1, 100 * GST_MSECOND) * 100 * GST_MSECOND,
      (GstClockTime) max_ms * GST_MSECOND);
  if (priv->slow_run < SLOW_RUN || raised <= latency)
    return;
  GST_ELEMENT_WARNING (filter, STREAM, FAILED, ("The server took up to %"
          G_GUINT64_FORMAT " ms for each of the last %u requests, longer "
          "than latency (%" G_GUINT64_FORMAT " ms): latency raised to %"
          G_GUINT64_FORMAT " ms (max-latency %u ms), so that the output "
          "plays whole and in time, later. Set latency that high from the "
          "start, or max-latency=0 to keep it.", priv->slow_max / GST_MSECOND,
          priv->slow_run, latency / GST_MSECOND, raised / GST_MSECOND,
          max_ms), (NULL));
  priv->slow_run = 0;
  priv->slow_max = 0;
  gst_pollen_filter_raise_latency (filter, raised);
}

/* What a late result of @cause, @ms late, means and what to do. */
static gchar *
late_text (GstPollenFilter * self, PollenLateCause cause, guint64 ms)
{
  guint latency_ms = gst_pollen_filter_get_latency (self) / GST_MSECOND;

  switch (cause) {
    case POLLEN_LATE_SERVER:
      return g_strdup_printf ("the server answered %" G_GUINT64_FORMAT " ms "
          "after the deadline, so the output was shifted that much later. "
          "Raise the latency property (now %u ms).", ms, latency_ms);
    case POLLEN_LATE_DOWNSTREAM:
      return g_strdup_printf ("the server answered within latency, but "
          "downstream held the element back: the output went out %"
          G_GUINT64_FORMAT " ms after it was due. Raising latency does not "
          "help: downstream does not keep up with real time (a busy "
          "machine, or a slow element after %s).", ms,
          GST_OBJECT_NAME (self));
    case POLLEN_LATE_QUEUED:
      return g_strdup_printf ("the server answered within latency, but the "
          "request went out late, behind the ones before it, so the result "
          "came %" G_GUINT64_FORMAT " ms after its deadline. The input comes "
          "faster than the server answers it: raise max-in-flight.", ms);
    case POLLEN_LATE_SKIPPED:
      return g_strdup_printf ("skipped without a request: its output could "
          "not play in time any more (it would come %" G_GUINT64_FORMAT " ms "
          "after its last moment, the server being as quick as lately), as "
          "the requests before it took too long. Raise latency (now %u ms) "
          "or max-in-flight.", ms, latency_ms);
    case POLLEN_LATE_DROPPED:
      return g_strdup_printf ("the server answered %" G_GUINT64_FORMAT " ms "
          "after the last moment its output could play, so none of it was "
          "played. Raise the latency property (now %u ms).", ms, latency_ms);
    default:
      return g_strdup_printf ("the output ran past its time and max-lag, so "
          "its last %" G_GUINT64_FORMAT " ms were cut to keep what follows "
          "in time. Raise max-lag, or give the input more time.", ms);
  }
}

static void
gst_pollen_filter_warn_late (GstPollenFilter * self, gpointer data,
    PollenLateCause cause, GstClockTime late)
{
  g_autofree gchar *what =
      GST_POLLEN_FILTER_GET_CLASS (self)->describe (self, data);
  g_autofree gchar *text = late_text (self, cause, late / GST_MSECOND);

  GST_ELEMENT_WARNING (self, STREAM, FAILED, ("%s: %s", what, text), (NULL));
}

/* ", 2 skipped without a request (too late to play)" for the causes
 * after the server's and downstream's, those that happened. */
static void
append_losses (GString * text, const guint * count)
{
  static const gchar *const losses[POLLEN_LATE_N] = {
    [POLLEN_LATE_QUEUED] = "because their requests went out late, behind "
        "the ones before (raise max-in-flight)",
    [POLLEN_LATE_SKIPPED] = "skipped without a request (too late to play)",
    [POLLEN_LATE_DROPPED] = "answered too late to play any of it",
    [POLLEN_LATE_CUT] = "cut to keep what follows in time",
  };
  guint cause;

  for (cause = POLLEN_LATE_QUEUED; cause < POLLEN_LATE_N; cause++)
    if (count[cause] > 0)
      g_string_append_printf (text, ", %u %s", count[cause], losses[cause]);
}

/* Src task: one warning per late result at most every interval; the rest
 * are summed up when the interval ends. */
static void
gst_pollen_filter_flush_late (GstPollenFilter * self, gboolean force)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  guint *count = priv->late_count;
  guint total = 0, cause;
  GString *text;

  if (!priv->late_window || (!force &&
          g_get_monotonic_time () - priv->late_window < LATE_INTERVAL_US))
    return;
  for (cause = 0; cause < POLLEN_LATE_N; cause++)
    total += count[cause];
  if (total > 0) {
    text = g_string_new (NULL);
    g_string_append_printf (text, "%u more late results in the last %u s: "
        "%u because the server was slow (up to %" G_GUINT64_FORMAT " ms "
        "late: raise latency), %u because downstream held the element back "
        "(up to %" G_GUINT64_FORMAT " ms: raising latency does not help)",
        total, (guint) (LATE_INTERVAL_US / G_TIME_SPAN_SECOND),
        count[POLLEN_LATE_SERVER],
        priv->late_max[POLLEN_LATE_SERVER] / GST_MSECOND,
        count[POLLEN_LATE_DOWNSTREAM],
        priv->late_max[POLLEN_LATE_DOWNSTREAM] / GST_MSECOND);
    append_losses (text, count);
    g_string_append_c (text, '.');
    GST_ELEMENT_WARNING (self, STREAM, FAILED, ("%s", text->str), (NULL));
    g_string_free (text, TRUE);
  }
  priv->late_window = 0;
  memset (priv->late_count, 0, sizeof (priv->late_count));
  memset (priv->late_max, 0, sizeof (priv->late_max));
}

/**
 * gst_pollen_filter_report_late:
 * @data: the job's data, for the message
 * @amount: how late, or how much was cut
 *
 * Src task: tells of a late result, or of what lateness cost it, by the
 * class's policy: the first of an interval at once, the others summed up
 * in one warning when it ends (and at EOS).
 */
void
gst_pollen_filter_report_late (GstPollenFilter * self, gpointer data,
    PollenLateCause cause, GstClockTime amount)
{
  GstPollenFilterPrivate *priv = PRIV (self);

  GST_INFO_OBJECT (self, "late (%d) by %" GST_TIME_FORMAT, cause,
      GST_TIME_ARGS (amount));
  gst_pollen_filter_flush_late (self, FALSE);
  if (!priv->late_window) {
    priv->late_window = g_get_monotonic_time ();
    gst_pollen_filter_warn_late (self, data, cause, amount);
    return;
  }
  priv->late_count[cause]++;
  priv->late_max[cause] = MAX (priv->late_max[cause], amount);
}

/* The server was slow when its answer came after the deadline and it took
 * longer than the latency property gives it. An answer after the deadline
 * to a request that went out late (the element was held back, its sink
 * thread blocked) is not the server's doing. */
static gboolean
gst_pollen_filter_server_was_slow (GstPollenFilter * self,
    GstClockTime deadline, GstClockTime sent, GstClockTime answered)
{
  if (!GST_CLOCK_TIME_IS_VALID (answered) || answered <= deadline)
    return FALSE;
  return !GST_CLOCK_TIME_IS_VALID (sent) || answered < sent ||
      answered - sent > gst_pollen_filter_get_latency (self);
}

/* Why output due at @deadline goes out late: the server was slow; or its
 * answer came after the deadline, in time for its request, which waited
 * in the element for room and a worker (the ones before it holding every
 * slot of max-in-flight, the input coming faster than the server answers
 * it); else the element was held back (the input came late, or downstream
 * held the src task). */
static PollenLateCause
gst_pollen_filter_late_cause (GstPollenFilter * self, GstClockTime deadline,
    GstClockTime sent, GstClockTime answered)
{
  if (gst_pollen_filter_server_was_slow (self, deadline, sent, answered))
    return POLLEN_LATE_SERVER;
  if (GST_CLOCK_TIME_IS_VALID (answered) && answered > deadline &&
      PRIV (self)->job_waited)
    return POLLEN_LATE_QUEUED;
  return POLLEN_LATE_DOWNSTREAM;
}

/**
 * gst_pollen_filter_check_late:
 * @data: the job's data, for the message
 * @pts: where the output starts, in stream time
 * @sent: the running time its request went out (a worker took it with
 *   gst_pollen_filter_now()), or NONE
 * @answered: the running time the server's answer came, or NONE
 * @cause: (out) (optional): why it is late, when it is
 *
 * Src task, live only, before pushing a result (and before
 * gst_pollen_filter_follow_server()): whether it is late, and why. An answer after the deadline that took the server longer than the
 * latency property is the server's lateness; one that took it less but
 * came after the deadline all the same, pushed as it came, is its
 * request's, which went out late behind the ones before it
 * (%POLLEN_LATE_QUEUED); otherwise output pushed only after its own render
 * moment (running time + pipeline latency) was held back by downstream.
 * Warns (see the class's policy).
 *
 * Returns: how far past its deadline the answer is now when it came after
 * the deadline (the output cannot play at its time: shift it, or keep the
 * timestamps honest when @cause is %POLLEN_LATE_DOWNSTREAM and shifting
 * would only make the lag grow), else 0: an answer in time keeps its
 * place even when downstream held the element back.
 */
GstClockTime
gst_pollen_filter_check_late (GstPollenFilter * filter, gpointer data,
    GstClockTime pts, GstClockTime sent, GstClockTime answered,
    PollenLateCause * cause)
{
  GstClockTime deadline = gst_pollen_filter_get_deadline (filter, pts);
  GstClockTime now = gst_pollen_filter_now (filter);
  GstClockTime latency = gst_pollen_filter_get_pipeline_latency (filter);
  GstClockTime due = deadline;
  PollenLateCause why;

  if (!GST_CLOCK_TIME_IS_VALID (deadline) || !GST_CLOCK_TIME_IS_VALID (now)
      || now <= deadline)
    return 0;
  why = gst_pollen_filter_late_cause (filter, deadline, sent, answered);
  if (cause)
    *cause = why;
  if (why != POLLEN_LATE_DOWNSTREAM) {
    gst_pollen_filter_report_late (filter, data, why, now - deadline);
    return now - deadline;
  }
  /* a synchronised sink returns from a push no later than the render
   * moment of what was pushed when it keeps up */
  if (GST_CLOCK_TIME_IS_VALID (latency))
    due = gst_segment_to_running_time (&PRIV (filter)->segment,
        GST_FORMAT_TIME, pts) + latency;
  if (now > due + HELD_TOLERANCE)
    gst_pollen_filter_report_late (filter, data, POLLEN_LATE_DOWNSTREAM,
        now - due);
  return GST_CLOCK_TIME_IS_VALID (answered) && answered > deadline ?
      now - deadline : 0;
}

/* ---- states ---- */

static gboolean
gst_pollen_filter_start (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);
  guint max_in_flight;

  pollen_settings_snapshot (GST_ELEMENT (self), &priv->settings,
      klass->default_model, &priv->run_settings);
  GST_OBJECT_LOCK (self);
  max_in_flight = klass->serial || priv->serial ? 1 : priv->max_in_flight;
  /* a latency raised by a slow server starts afresh */
  priv->latency_ms = priv->chosen_latency_ms;
  GST_OBJECT_UNLOCK (self);

  priv->client = pollen_settings_ensure_client (GST_ELEMENT (self),
      &priv->run_settings, NULL);
  if (!priv->client)
    return FALSE;
  priv->jobs = pollen_jobs_new (max_in_flight, gst_pollen_filter_run_job,
      self, (GDestroyNotify) filter_job_free, klass->item_free);
  priv->have_segment = FALSE;
  priv->refused_untimed = FALSE;
  priv->room_came = GST_CLOCK_TIME_NONE;
  g_mutex_lock (&priv->lock);
  priv->pipeline_latency = GST_CLOCK_TIME_NONE;
  priv->downstream_latency = 0;
  priv->shared_live = FALSE;
  g_mutex_unlock (&priv->lock);
  return klass->start ? klass->start (self) : TRUE;
}

static void
gst_pollen_filter_stop (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);

  /* waits for the workers: nothing uses the client after this */
  g_clear_pointer (&priv->jobs, pollen_jobs_free);
  gst_pollen_filter_post_progress (self, GST_PROGRESS_TYPE_CANCELED,
      "Stopped");
  if (klass->stop)
    klass->stop (self);
  g_clear_object (&priv->client);
  pollen_settings_clear (&priv->run_settings);
}

static GstStateChangeReturn
gst_pollen_filter_change_state (GstElement * element,
    GstStateChange transition)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
      !gst_pollen_filter_start (self)) {
    gst_pollen_filter_stop (self);
    return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    /* unblocks a chain waiting in submit */
    gst_pollen_filter_set_srcresult (self, GST_FLOW_FLUSHING);
    pollen_jobs_set_flushing (PRIV (self)->jobs, TRUE);
  }

  ret = GST_ELEMENT_CLASS (gst_pollen_filter_parent_class)->change_state
      (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY ||
      (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
          ret == GST_STATE_CHANGE_FAILURE))
    gst_pollen_filter_stop (self);
  return ret;
}

/* ---- properties ---- */

static void
gst_pollen_filter_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (object);
  GstPollenFilterPrivate *priv = PRIV (self);

  if (pollen_settings_set_property (object, &priv->settings, prop_id, value))
    return;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case POLLEN_FILTER_PROP_MAX_IN_FLIGHT:
      priv->max_in_flight = g_value_get_uint (value);
      break;
    case POLLEN_FILTER_PROP_LATENCY:
      priv->latency_ms = priv->chosen_latency_ms = g_value_get_uint (value);
      break;
    case POLLEN_FILTER_PROP_MAX_LATENCY:
      priv->max_latency_ms = g_value_get_uint (value);
      break;
    case POLLEN_FILTER_PROP_SKIP_FAILED:
      priv->skip_failed = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

  if (prop_id == POLLEN_FILTER_PROP_LATENCY)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

static void
gst_pollen_filter_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (object);
  GstPollenFilterPrivate *priv = PRIV (self);

  if (pollen_settings_get_property (object, &priv->settings, prop_id, value))
    return;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case POLLEN_FILTER_PROP_MAX_IN_FLIGHT:
      g_value_set_uint (value, priv->max_in_flight);
      break;
    case POLLEN_FILTER_PROP_LATENCY:
      g_value_set_uint (value, priv->latency_ms);
      break;
    case POLLEN_FILTER_PROP_MAX_LATENCY:
      g_value_set_uint (value, priv->max_latency_ms);
      break;
    case POLLEN_FILTER_PROP_SKIP_FAILED:
      g_value_set_boolean (value, priv->skip_failed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* A blurb made at class_init; it lives as long as the process. */
static const gchar *
intern_printf (const gchar * format, ...) G_GNUC_PRINTF (1, 2);

static const gchar *
intern_printf (const gchar * format, ...)
{
  g_autofree gchar *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  return g_intern_string (text);
}

/* The common properties and max-in-flight, latency and skip-failed, with
 * the defaults the subclass set in @klass. */
static void
gst_pollen_filter_class_install_properties (GstPollenFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  pollen_settings_install_properties (gobject_class, klass->default_model,
      klass->model_blurb, klass->default_timeout);
  g_object_class_install_property (gobject_class,
      POLLEN_FILTER_PROP_MAX_IN_FLIGHT,
      g_param_spec_uint ("max-in-flight", "Max In Flight",
          intern_printf ("How many requests may run at "
                  "once; the output still goes out in input order "
                  "(default %u)", klass->default_max_in_flight), 1, 32,
          klass->default_max_in_flight, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, POLLEN_FILTER_PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          intern_printf ("Milliseconds a request may take, "
                  "added to the pipeline latency when upstream is live "
                  "(default %u): %s. A server slower than it raises it, "
                  "see max-latency. May change while PLAYING",
                  klass->default_latency_ms, klass->latency_blurb),
          0, 600000, klass->default_latency_ms, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class,
      POLLEN_FILTER_PROP_MAX_LATENCY,
      g_param_spec_uint ("max-latency", "Max Latency",
          "Live: when the server answers " G_STRINGIFY (SLOW_RUN) " requests "
          "running slower than latency and too late for their deadline, "
          "latency is raised (with a warning and a LATENCY message) to the slowest of them and 500 ms more, "
          "up to this many milliseconds (default "
          G_STRINGIFY (DEFAULT_MAX_LATENCY_MS) "); 0 never raises it. Each "
          "run starts again from the latency set. May change while PLAYING",
          0, 600000, DEFAULT_MAX_LATENCY_MS, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class,
      POLLEN_FILTER_PROP_SKIP_FAILED,
      g_param_spec_boolean ("skip-failed", "Skip Failed",
          "When a request still fails after its retries with 429, 5xx or a "
          "network error: FALSE (default) posts an error; TRUE posts a "
          "warning and fills that input's time. Other 4xx answers are "
          "always errors. May change while PLAYING", FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
}

/**
 * gst_pollen_filter_class_setup:
 *
 * Call in class_init once the class fields (defaults, hints, free
 * functions) are set: installs the base's properties with those defaults.
 * The subclass adds its "sink" and "src" pad templates and its metadata
 * itself. A subclass with properties of its own sets set_property and
 * get_property first and chains up to the base's for the others.
 */
void
gst_pollen_filter_class_setup (GstPollenFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  /* GObject does not inherit these, and the properties are the subclass's:
   * one without properties of its own gets the base's */
  if (!gobject_class->set_property) {
    gobject_class->set_property = gst_pollen_filter_set_property;
    gobject_class->get_property = gst_pollen_filter_get_property;
  }
  gst_pollen_filter_class_install_properties (klass);
}

/* ---- GObject ---- */

/* The pads, from the subclass's templates: the class is only complete
 * here, not in the base's instance init. */
static void
gst_pollen_filter_add_pads (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);

  priv->sinkpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (klass, "sink"), "sink");
  gst_pad_set_chain_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_pollen_filter_chain));
  gst_pad_set_event_function (priv->sinkpad,
      GST_DEBUG_FUNCPTR (gst_pollen_filter_sink_event));
  GST_PAD_SET_ACCEPT_TEMPLATE (priv->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), priv->sinkpad);

  priv->srcpad = gst_pad_new_from_template
      (gst_element_class_get_pad_template (klass, "src"), "src");
  gst_pad_set_activatemode_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_pollen_filter_src_activate_mode));
  gst_pad_set_query_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_pollen_filter_src_query));
  gst_pad_set_event_function (priv->srcpad,
      GST_DEBUG_FUNCPTR (gst_pollen_filter_src_event));
  gst_pad_use_fixed_caps (priv->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), priv->srcpad);
}

static void
gst_pollen_filter_constructed (GObject * object)
{
  GstPollenFilter *self = GST_POLLEN_FILTER (object);
  GstPollenFilterPrivate *priv = PRIV (self);
  GstPollenFilterClass *klass = GST_POLLEN_FILTER_GET_CLASS (self);

  G_OBJECT_CLASS (gst_pollen_filter_parent_class)->constructed (object);

  gst_pollen_filter_add_pads (self);
  pollen_settings_init (&priv->settings, klass->default_model,
      klass->default_timeout);
  priv->max_in_flight = klass->default_max_in_flight;
  priv->latency_ms = priv->chosen_latency_ms = klass->default_latency_ms;
  priv->max_latency_ms = DEFAULT_MAX_LATENCY_MS;
}

static void
gst_pollen_filter_finalize (GObject * object)
{
  GstPollenFilterPrivate *priv = PRIV (GST_POLLEN_FILTER (object));

  pollen_settings_clear (&priv->settings);
  pollen_settings_clear (&priv->run_settings);
  g_mutex_clear (&priv->lock);
  gst_clear_object (&priv->progress_bus);

  G_OBJECT_CLASS (gst_pollen_filter_parent_class)->finalize (object);
}

static void
gst_pollen_filter_init (GstPollenFilter * self)
{
  GstPollenFilterPrivate *priv = PRIV (self);

  g_mutex_init (&priv->lock);
  priv->srcresult = GST_FLOW_FLUSHING;
  priv->pipeline_latency = GST_CLOCK_TIME_NONE;
  gst_segment_init (&priv->segment, GST_FORMAT_TIME);
  gst_segment_init (&priv->shared_segment, GST_FORMAT_TIME);
}

static void
gst_pollen_filter_class_init (GstPollenFilterClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->constructed = gst_pollen_filter_constructed;
  gobject_class->set_property = gst_pollen_filter_set_property;
  gobject_class->get_property = gst_pollen_filter_get_property;
  gobject_class->finalize = gst_pollen_filter_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_pollen_filter_change_state);
  klass->src_event = GST_DEBUG_FUNCPTR (gst_pollen_filter_real_src_event);

  GST_DEBUG_CATEGORY_INIT (gst_pollen_filter_debug, "pollenfilter", 0,
      "gst-pollen filter base");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_FILTER, 0);
}
