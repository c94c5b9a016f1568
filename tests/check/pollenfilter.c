/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstPollenFilter through a tiny subclass that makes no request: ordering
 * with several jobs in flight, jobs that emit several items, flush during
 * a job, the EOS drain, the failure policy, untimed input, the LATENCY
 * answer in PAUSED, the tags that go on and the progress messages.
 *
 * A job is an input text "<delay ms> <action> <words …>": after the delay
 * (cut short by a flush) "ok" emits one output buffer per word, "flaky"
 * fails like a lost connection (transient), "broken" like an answer that
 * cannot be understood (not transient), "hang" waits until cancelled;
 * "held-ok" and "held-broken" wait until the test releases them
 * (release_held_jobs()), then do as "ok" and "broken". */

#include "pollentest.h"
#include "gstpollenfilter.h"

#include <gst/app/gstappsrc.h>
#include <stdlib.h>
#include <string.h>

#define OWN_LATENCY (50 * GST_MSECOND)

/* ---- the test subclass ---- */

typedef struct
{
  guint delay_ms;
  gchar *action;
  gchar **words;
  GstClockTime pts;
  GstClockTime duration;
} TestJob;

static void
test_job_free (TestJob * job)
{
  g_free (job->action);
  g_strfreev (job->words);
  g_free (job);
}

#define TEST_TYPE_FILTER (test_filter_get_type ())
G_DECLARE_FINAL_TYPE (TestFilter, test_filter, TEST, FILTER, GstPollenFilter);

struct _TestFilter
{
  GstPollenFilter parent;
};

G_DEFINE_TYPE (TestFilter, test_filter, GST_TYPE_POLLEN_FILTER);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("text/x-raw"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("text/x-raw"));

static GstFlowReturn
test_filter_chain (GstPollenFilter * filter, GstBuffer * buffer)
{
  TestJob *job = g_new0 (TestJob, 1);
  GstMapInfo map;
  g_autofree gchar *text = NULL;
  g_auto (GStrv) parts = NULL;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  text = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  parts = g_strsplit (text, " ", 3);
  job->delay_ms = atoi (parts[0]);
  job->action = g_strdup (parts[1]);
  job->words = g_strsplit (parts[2] ? parts[2] : "", " ", -1);
  job->pts = GST_BUFFER_PTS (buffer);
  job->duration = GST_BUFFER_DURATION (buffer);
  gst_buffer_unref (buffer);
  return gst_pollen_filter_submit (filter, job);
}

/* "held-…" jobs wait for this: the test says when they end, not a time. */
static gboolean held_released;

static void
release_held_jobs (gboolean release)
{
  g_atomic_int_set (&held_released, release);
}

static gboolean
test_job_waits (TestJob * job, gint64 end)
{
  if (g_str_has_prefix (job->action, "held-"))
    return !g_atomic_int_get (&held_released);
  return g_str_equal (job->action, "hang") || g_get_monotonic_time () < end;
}

static gboolean
test_filter_run_job (GstPollenFilter * filter, PollenJob * pjob,
    gpointer data, GCancellable * cancellable, GError ** error)
{
  TestJob *job = data;
  gint64 end = g_get_monotonic_time () + job->delay_ms * 1000;
  const gchar *action = g_str_has_prefix (job->action, "held-") ?
      job->action + strlen ("held-") : job->action;
  guint i;

  while (test_job_waits (job, end) &&
      !g_cancellable_is_cancelled (cancellable))
    g_usleep (2000);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (g_str_equal (action, "flaky") || g_str_equal (action, "broken")) {
    g_set_error (error, POLLEN_CLIENT_ERROR, g_str_equal (action,
            "flaky") ? POLLEN_CLIENT_ERROR_NETWORK :
        POLLEN_CLIENT_ERROR_BAD_RESPONSE, "the test job is %s", action);
    return FALSE;
  }
  for (i = 0; job->words[i]; i++)
    pollen_job_emit (pjob, g_strdup (job->words[i]));
  return TRUE;
}

static GstFlowReturn
test_filter_handle_item (GstPollenFilter * filter, gpointer data,
    gpointer item)
{
  TestJob *job = data;
  GstBuffer *buffer = gst_buffer_new_memdup (item, strlen (item));

  GST_BUFFER_PTS (buffer) = job->pts;
  return gst_pad_push (gst_pollen_filter_get_srcpad (filter), buffer);
}

static GstFlowReturn
test_filter_handle_done (GstPollenFilter * filter, gpointer data)
{
  return GST_FLOW_OK;
}

static GstFlowReturn
test_filter_fill (GstPollenFilter * filter, gpointer data)
{
  TestJob *job = data;

  return gst_pollen_filter_push_event (filter, gst_event_new_gap (job->pts,
          job->duration));
}

static gchar *
test_filter_describe (GstPollenFilter * filter, gpointer data)
{
  return g_strdup_printf ("Testing \"%s\"", ((TestJob *) data)->action);
}

static GstClockTime
test_filter_get_latency (GstPollenFilter * filter)
{
  return OWN_LATENCY;
}

static gboolean
test_filter_set_caps (GstPollenFilter * filter, GstCaps * caps)
{
  GstPad *srcpad = gst_pollen_filter_get_srcpad (filter);
  GstEvent *event = gst_event_new_caps (caps);

  gst_pad_store_sticky_event (srcpad, event);
  gst_event_unref (event);
  return TRUE;
}

static void
test_filter_class_init (TestFilterClass * klass)
{
  GstPollenFilterClass *filter_class = GST_POLLEN_FILTER_CLASS (klass);

  filter_class->default_model = "test";
  filter_class->model_blurb = "Model";
  filter_class->default_timeout = 10;
  filter_class->default_max_in_flight = 3;
  filter_class->default_latency_ms = 100;
  filter_class->latency_blurb = "nothing happens";
  filter_class->untimed_hint = "Put a timed source in front.";
  filter_class->data_free = (GDestroyNotify) test_job_free;
  filter_class->item_free = g_free;
  filter_class->set_caps = test_filter_set_caps;
  filter_class->chain = test_filter_chain;
  filter_class->run_job = test_filter_run_job;
  filter_class->handle_item = test_filter_handle_item;
  filter_class->handle_done = test_filter_handle_done;
  filter_class->fill = test_filter_fill;
  filter_class->describe = test_filter_describe;
  filter_class->get_latency = test_filter_get_latency;
  gst_pollen_filter_class_setup (filter_class);
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &sink_template);
  gst_element_class_add_static_pad_template (GST_ELEMENT_CLASS (klass),
      &src_template);
  gst_element_class_set_static_metadata (GST_ELEMENT_CLASS (klass),
      "Test filter", "Filter", "Jobs without requests", "tests");
}

static void
test_filter_init (TestFilter * self)
{
}

/* The same with serial jobs, as a sibling type. */
static void
test_serial_filter_class_init (gpointer klass, gpointer data)
{
  test_filter_class_init (klass);
  GST_POLLEN_FILTER_CLASS (klass)->serial = TRUE;
}

static GType
test_serial_filter_get_type (void)
{
  static GType type = 0;

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_type_register_static_simple
        (GST_TYPE_POLLEN_FILTER, "TestSerialFilter", sizeof (TestFilterClass),
            test_serial_filter_class_init, sizeof (TestFilter), NULL, 0));
  return type;
}

/* ---- helpers ---- */

static PollenTestHarness
filter_new (const gchar * first_property, ...)
{
  PollenTestHarness t;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist ("testfilter", "text/x-raw", FALSE,
      first_property, args);
  va_end (args);
  return t;
}

static void
push_job (PollenTestHarness * t, const gchar * job, GstClockTime pts)
{
  GstBuffer *buffer = gst_buffer_new_memdup (job, strlen (job));

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = GST_SECOND;
  fail_unless_equals_int (gst_harness_push (t->h, buffer), GST_FLOW_OK);
}

/* The words that came out, in order, joined by spaces. */
static gchar *
words_out (PollenTestRecorder * rec)
{
  GString *words = g_string_new (NULL);
  guint i;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++) {
    GstMiniObject *obj = rec->items->pdata[i];
    GstMapInfo map;

    if (!GST_IS_BUFFER (obj))
      continue;
    gst_buffer_map (GST_BUFFER_CAST (obj), &map, GST_MAP_READ);
    g_string_append_printf (words, "%s%.*s", words->len ? " " : "",
        (gint) map.size, (const gchar *) map.data);
    gst_buffer_unmap (GST_BUFFER_CAST (obj), &map);
  }
  g_mutex_unlock (&rec->lock);
  return g_string_free (words, FALSE);
}

static gboolean
last_is_eos (PollenTestRecorder * rec)
{
  GstMiniObject *last = rec->items->pdata[rec->items->len - 1];

  return GST_IS_EVENT (last) && GST_EVENT_TYPE (last) == GST_EVENT_EOS;
}

/* ---- ordering, flush, EOS ---- */

/* Later jobs finish first; the output is still in input order, each job's
 * items together. */
GST_START_TEST (test_order_with_jobs_in_flight)
{
  PollenTestHarness t = filter_new ("max-in-flight", 3, NULL);
  g_autofree gchar *words = NULL;

  push_job (&t, "300 ok a b", 0);
  push_job (&t, "10 ok c", GST_SECOND);
  push_job (&t, "100 ok d e f", 2 * GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  words = words_out (t.rec);
  fail_unless_equals_string (words, "a b c d e f");
  fail_unless (last_is_eos (t.rec));
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* EOS is taken at once and goes out after every job's output. */
GST_START_TEST (test_eos_drains)
{
  PollenTestHarness t = filter_new ("max-in-flight", 4, NULL);
  g_autofree gchar *words = NULL;
  gint64 before = g_get_monotonic_time ();

  push_job (&t, "200 ok one", 0);
  push_job (&t, "200 ok two", GST_SECOND);
  push_job (&t, "200 ok three", 2 * GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  fail_unless (g_get_monotonic_time () - before < POLLEN_TEST_MS (200) *
      1000);
  pollen_test_recorder_wait_eos (t.rec);
  words = words_out (t.rec);
  fail_unless_equals_string (words, "one two three");
  fail_unless (last_is_eos (t.rec));
  /* after EOS the element takes no more data until a flush */
  fail_unless_equals_int (gst_harness_push (t.h,
          gst_buffer_new_memdup ("0 ok x", 6)), GST_FLOW_EOS);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* A flush cancels the job in flight at once and drops its output. */
GST_START_TEST (test_flush_during_job)
{
  PollenTestHarness t = filter_new (NULL);
  g_autofree gchar *words = NULL;
  GstSegment segment;
  gint64 before;

  push_job (&t, "0 hang never", 0);
  g_usleep (50 * 1000);
  before = g_get_monotonic_time ();
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (t.h, gst_event_new_flush_stop (TRUE)));
  fail_unless (g_get_monotonic_time () - before < POLLEN_TEST_MS (500) *
      1000);
  pollen_test_recorder_clear (t.rec);

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_segment (&segment)));
  push_job (&t, "0 ok fresh", GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  words = words_out (t.rec);
  fail_unless_equals_string (words, "fresh");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* A serial subclass runs one job at a time whatever max-in-flight says;
 * the others run together. */
static gint64
time_three_jobs (const gchar * factory)
{
  PollenTestHarness t;
  gint64 before;

  t = pollen_test_harness_new (factory, "text/x-raw", "max-in-flight", 3,
      NULL);
  gst_harness_set_live (t.h, FALSE);
  before = g_get_monotonic_time ();
  push_job (&t, "200 ok a", 0);
  push_job (&t, "200 ok b", GST_SECOND);
  push_job (&t, "200 ok c", 2 * GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  before = g_get_monotonic_time () - before;
  pollen_test_harness_free (&t);
  return before / 1000;
}

GST_START_TEST (test_serial_jobs)
{
  gint64 serial = time_three_jobs ("testserialfilter");
  gint64 concurrent = time_three_jobs ("testfilter");

  fail_unless (serial >= 600, "%" G_GINT64_FORMAT " ms", serial);
  fail_unless (concurrent + 200 < serial, "%" G_GINT64_FORMAT " ms, serial %"
      G_GINT64_FORMAT " ms", concurrent, serial);
}

GST_END_TEST;

/* ---- the failure policy ---- */

/* Fatal: one error with details, then EOS, and upstream is refused. */
static void
check_fatal (const gchar * job, gboolean skip_failed)
{
  PollenTestHarness t = filter_new ("skip-failed", skip_failed, NULL);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  const GstStructure *details = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  gint64 deadline = g_get_monotonic_time () + POLLEN_TEST_MS (5000) * 1000;

  push_job (&t, job, 0);
  message = pollen_test_pop_message (t.bus, GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, NULL);
  gst_message_parse_error_details (message, &details);
  fail_unless (strstr (error->message, "Testing") != NULL, "%s",
      error->message);
  fail_unless (details && gst_structure_has_field (details, "request-id"));
  pollen_test_recorder_wait_eos (t.rec);
  while (ret == GST_FLOW_OK && g_get_monotonic_time () < deadline)
    ret = gst_harness_push (t.h, gst_buffer_new_memdup ("0 ok x", 6));
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  fail_unless_equals_int (pollen_test_count_messages (t.bus,
          GST_MESSAGE_ERROR), 0);
  pollen_test_harness_free (&t);
}

GST_START_TEST (test_failure_is_an_error_then_eos)
{
  check_fatal ("0 flaky", FALSE);
  /* not transient: an error even with skip-failed */
  check_fatal ("0 broken", TRUE);
}

GST_END_TEST;

/* Transient with skip-failed: a warning, the span filled, and the jobs
 * after it go on. */
GST_START_TEST (test_skip_failed_fills)
{
  PollenTestHarness t = filter_new ("skip-failed", TRUE, NULL);
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *words = NULL;
  guint i, gaps = 0;

  push_job (&t, "0 ok before", 0);
  push_job (&t, "0 flaky lost", GST_SECOND);
  push_job (&t, "0 ok after", 2 * GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  warning = pollen_test_pop_message (t.bus, GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "skip-failed") != NULL);
  words = words_out (t.rec);
  fail_unless_equals_string (words, "before after");
  for (i = 0; i < t.rec->items->len; i++) {
    GstMiniObject *obj = t.rec->items->pdata[i];
    GstClockTime ts, duration;

    if (!GST_IS_EVENT (obj) || GST_EVENT_TYPE (obj) != GST_EVENT_GAP)
      continue;
    gst_event_parse_gap (GST_EVENT_CAST (obj), &ts, &duration);
    fail_unless_equals_uint64 (ts, GST_SECOND);
    fail_unless_equals_uint64 (duration, GST_SECOND);
    gaps++;
  }
  fail_unless_equals_int (gaps, 1);
  fail_unless_equals_int (pollen_test_count_messages (t.bus,
          GST_MESSAGE_ERROR), 0);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* Input without time (a BYTES segment): one error that says what to do,
 * EOS, and every later buffer refused. */
GST_START_TEST (test_untimed_input_one_error)
{
  PollenTestHarness t = filter_new (NULL);

  pollen_test_assert_untimed_refused (&t, gst_buffer_new_memdup ("0 ok x",
          6), "Put a timed source in front");
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* ---- latency ---- */

/* Live upstream: its latency + the subclass's + the latency property. */
GST_START_TEST (test_latency_live_upstream)
{
  PollenTestHarness t = filter_new ("latency", 300, NULL);

  fail_unless_equals_uint64 (pollen_test_query_live_latency (&t,
          100 * GST_MSECOND), 400 * GST_MSECOND + OWN_LATENCY);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* In PAUSED, before any data and with nothing upstream that answers, the
 * element says what it adds, as live. */
GST_START_TEST (test_latency_in_paused_without_upstream)
{
  pollen_test_assert_latency_before_data ("testfilter", 200,
      200 * GST_MSECOND + OWN_LATENCY);
}

GST_END_TEST;

/* ---- progress ---- */

/* The type of the next GstProgress message on @bus (code "request"). */
static GstProgressType
next_progress (GstBus * bus)
{
  g_autoptr (GstMessage) message = pollen_test_pop_message (bus,
      GST_MESSAGE_PROGRESS);
  g_autofree gchar *code = NULL;
  g_autofree gchar *text = NULL;
  GstProgressType type;

  gst_message_parse_progress (message, &type, &code, &text);
  fail_unless_equals_string (code, "request");
  return type;
}

/* With @open STARTs taken from @bus already, the progress messages left
 * on it are balanced: no START without its end. */
static void
assert_no_open_progress (GstBus * bus, gint open)
{
  GstMessage *message;

  while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_PROGRESS))) {
    GstProgressType type;

    gst_message_parse_progress (message, &type, NULL, NULL);
    if (type == GST_PROGRESS_TYPE_START)
      open++;
    else if (type != GST_PROGRESS_TYPE_CONTINUE)
      open--;
    fail_unless (open == 0 || open == 1, "%d progress STARTs open", open);
    gst_message_unref (message);
  }
  fail_unless_equals_int (open, 0);
}

/* A request the output waits long for: START, and once it answered,
 * COMPLETE, before its output goes out. */
GST_START_TEST (test_progress_while_waiting_long)
{
  PollenTestHarness t = filter_new (NULL);
  g_autofree gchar *words = NULL;

  release_held_jobs (FALSE);
  push_job (&t, "0 held-ok slow", 0);
  fail_unless_equals_int (next_progress (t.bus), GST_PROGRESS_TYPE_START);
  words = words_out (t.rec);
  fail_unless_equals_string (words, "");
  release_held_jobs (TRUE);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);
  g_free (words);
  words = words_out (t.rec);
  fail_unless_equals_string (words, "slow");
  assert_no_open_progress (t.bus, 1);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

/* Every START ends: ERROR when the request fails, CANCELED on a flush or
 * when the element stops. */
GST_START_TEST (test_progress_always_ends)
{
  const gchar *how[] = { "failure", "flush", "stop" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (how); i++) {
    PollenTestHarness t = filter_new (NULL);
    GstProgressType expected = GST_PROGRESS_TYPE_CANCELED;

    release_held_jobs (FALSE);
    push_job (&t, i == 0 ? "0 held-broken x" : "0 hang x", 0);
    fail_unless_equals_int (next_progress (t.bus), GST_PROGRESS_TYPE_START);
    if (i == 0) {
      release_held_jobs (TRUE);
      expected = GST_PROGRESS_TYPE_ERROR;
    } else if (i == 1) {
      fail_unless (gst_harness_push_event (t.h,
              gst_event_new_flush_start ()));
    } else {
      gst_element_set_state (t.element, GST_STATE_NULL);
    }
    fail_unless_equals_int (next_progress (t.bus), expected);
    assert_no_open_progress (t.bus, 0);
    pollen_test_harness_free (&t);
  }
}

GST_END_TEST;

/* Taken out of its pipeline while a START is open: the pipeline's bus gets
 * its end, or an application waiting for it waits for ever. */
GST_START_TEST (test_progress_ends_when_removed)
{
  g_autoptr (GstElement) pipeline = gst_parse_launch ("appsrc name=in "
      "caps=text/x-raw format=time ! testfilter name=f ! fakesink", NULL);
  g_autoptr (GstElement) filter = gst_bin_get_by_name (GST_BIN (pipeline),
      "f");
  g_autoptr (GstElement) in = gst_bin_get_by_name (GST_BIN (pipeline), "in");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  GstBuffer *buffer = gst_buffer_new_memdup ("0 hang x", 8);

  GST_BUFFER_PTS (buffer) = 0;
  g_object_set (filter, "api-key", POLLEN_TEST_KEY, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gst_app_src_push_buffer (GST_APP_SRC (in), buffer);
  fail_unless_equals_int (next_progress (bus), GST_PROGRESS_TYPE_START);
  fail_unless (gst_bin_remove (GST_BIN (pipeline), filter));
  fail_unless_equals_int (next_progress (bus), GST_PROGRESS_TYPE_CANCELED);
  gst_element_set_state (filter, GST_STATE_NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  assert_no_open_progress (bus, 0);
}

GST_END_TEST;

/* Output that waits for downstream (a prerolled sink) is no wait for the
 * server: no START, so gst-launch-1.0 does not keep the prerolled pipeline
 * out of PLAYING while a later request runs. */
GST_START_TEST (test_no_progress_while_downstream_holds)
{
  g_autoptr (GstElement) pipeline = gst_parse_launch ("appsrc name=in "
      "caps=text/x-raw format=time ! testfilter name=f max-in-flight=2 "
      "! fakesink", NULL);
  g_autoptr (GstElement) in = gst_bin_get_by_name (GST_BIN (pipeline), "in");
  g_autoptr (GstElement) filter = gst_bin_get_by_name (GST_BIN (pipeline),
      "f");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  GstBuffer *quick = gst_buffer_new_memdup ("0 ok a", 6);
  GstBuffer *held = gst_buffer_new_memdup ("0 held-ok b", 11);
  g_autoptr (GstMessage) progress = NULL;

  release_held_jobs (FALSE);
  GST_BUFFER_PTS (quick) = 0;
  GST_BUFFER_PTS (held) = GST_SECOND;
  g_object_set (filter, "api-key", POLLEN_TEST_KEY, NULL);
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  gst_app_src_push_buffer (GST_APP_SRC (in), quick);
  gst_app_src_push_buffer (GST_APP_SRC (in), held);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          POLLEN_TEST_WAIT), GST_STATE_CHANGE_SUCCESS);
  /* the first word holds the sink's preroll while the second is held */
  progress = gst_bus_timed_pop_filtered (bus, 3 * GST_SECOND,
      GST_MESSAGE_PROGRESS);
  fail_if (progress != NULL, "a progress message while prerolled");
  release_held_jobs (TRUE);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  assert_no_open_progress (bus, 0);
}

GST_END_TEST;

/* ---- tags ---- */

/* The output is other media made from the input: a TAG keeps its place
 * and what the content is, and loses what describes the input's
 * encoding and signal. */
GST_START_TEST (test_tags_lose_what_describes_the_input)
{
  PollenTestHarness t = filter_new (NULL);
  GstTagList *tags = gst_tag_list_new (GST_TAG_SUBTITLE_CODEC, "SubRip",
      GST_TAG_BITRATE, 800, GST_TAG_DURATION, 10 * GST_SECOND,
      GST_TAG_TRACK_GAIN, -3.0, GST_TAG_TITLE, "Talk",
      GST_TAG_LANGUAGE_CODE, "fr", NULL);
  GstTagList *out = NULL;
  gchar *value = NULL;
  guint i, after_one = 0;

  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_GLOBAL);
  push_job (&t, "0 ok one", 0);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_tag (tags)));
  push_job (&t, "0 ok two", GST_SECOND);
  fail_unless (gst_harness_push_event (t.h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t.rec);

  g_mutex_lock (&t.rec->lock);
  for (i = 0; i < t.rec->items->len; i++) {
    GstMiniObject *obj = t.rec->items->pdata[i];

    after_one += GST_IS_BUFFER (obj);
    if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_TAG)
      break;
  }
  fail_unless (i < t.rec->items->len, "no TAG came out");
  fail_unless_equals_int (after_one, 1);
  gst_event_parse_tag (GST_EVENT (t.rec->items->pdata[i]), &out);
  fail_unless_equals_int (gst_tag_list_get_scope (out), GST_TAG_SCOPE_GLOBAL);
  fail_unless_equals_int (gst_tag_list_n_tags (out), 2);
  fail_unless (gst_tag_list_get_string (out, GST_TAG_TITLE, &value));
  fail_unless_equals_string (value, "Talk");
  g_free (value);
  fail_unless (gst_tag_list_get_string (out, GST_TAG_LANGUAGE_CODE, &value));
  fail_unless_equals_string (value, "fr");
  g_free (value);
  g_mutex_unlock (&t.rec->lock);
  pollen_test_harness_free (&t);
}

GST_END_TEST;

static Suite *
pollenfilter_suite (void)
{
  Suite *s = suite_create ("pollenfilter");
  TCase *tc = tcase_create ("general");

  gst_element_register (NULL, "testfilter", GST_RANK_NONE, TEST_TYPE_FILTER);
  gst_element_register (NULL, "testserialfilter", GST_RANK_NONE,
      test_serial_filter_get_type ());
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_order_with_jobs_in_flight);
  tcase_add_test (tc, test_eos_drains);
  tcase_add_test (tc, test_flush_during_job);
  tcase_add_test (tc, test_serial_jobs);
  tcase_add_test (tc, test_failure_is_an_error_then_eos);
  tcase_add_test (tc, test_skip_failed_fills);
  tcase_add_test (tc, test_untimed_input_one_error);
  tcase_add_test (tc, test_latency_live_upstream);
  tcase_add_test (tc, test_latency_in_paused_without_upstream);
  tcase_add_test (tc, test_tags_lose_what_describes_the_input);
  tcase_add_test (tc, test_progress_while_waiting_long);
  tcase_add_test (tc, test_progress_always_ends);
  tcase_add_test (tc, test_progress_ends_when_removed);
  tcase_add_test (tc, test_no_progress_while_downstream_holds);
  return s;
}

GST_CHECK_MAIN (pollenfilter);
