/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Lifecycle at scale: each element taken NULL → PLAYING → request in flight
 * → NULL 200 times in one process with memory (RSS) and open file
 * descriptors flat, and flushed while a request is in flight. */

#include "pollentest.h"

#include <gst/app/gstappsrc.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CYCLES 200
#define WARM_UP 20
#define FLUSHES 20
#define ANSWER_DELAY_MS 300
/* what glib's and libc's allocators may keep after a warm-up */
#define RSS_SLACK (4 * 1024 * 1024)
#define FD_SLACK 2

typedef struct
{
  const gchar *factory;
  const gchar *path;            /* what the element requests */
  const gchar *caps;            /* of its input, NULL for pollensrc */
  const gchar *properties;      /* set on it, "name=value …" */
} Subject;

static const Subject subjects[] = {
  {"pollensrc", "/image/", NULL, "prompt=cat"},
  {"pollentts", "/v1/audio/speech", "text/x-raw, format=utf8", ""},
  {"pollenstt", "/v1/audio/transcriptions", "audio/x-raw, format=S16LE, "
        "layout=interleaved, rate=16000, channels=1", "chunk-duration=1000"},
  {"pollenvoice", "/v1/audio/voice-isolator", "audio/x-raw, format=S16LE, "
        "layout=interleaved, rate=16000, channels=1", ""},
};

typedef struct
{
  const Subject *subject;
  PollenEmulator *emulator;
  GstElement *pipeline;
  GstElement *element;
  GstElement *appsrc;           /* NULL for pollensrc */
  guint requests;               /* the index of the next request */
} Rig;

/* [appsrc !] element ! fakesink, pointed at a fresh emulator. */
static Rig
rig_new (const Subject * subject)
{
  Rig r = { subject, pollen_test_emulator_new (), gst_pipeline_new (NULL), };
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_auto (GStrv) props = g_strsplit (subject->properties, " ", -1);
  guint i;

  r.element = pollen_test_element_new (subject->factory, r.emulator);
  for (i = 0; props[i] && *props[i]; i++) {
    g_auto (GStrv) kv = g_strsplit (props[i], "=", 2);

    gst_util_set_object_arg (G_OBJECT (r.element), kv[0], kv[1]);
  }
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (r.pipeline), r.element, sink, NULL);
  fail_unless (gst_element_link (r.element, sink));
  if (subject->caps) {
    g_autoptr (GstCaps) caps = gst_caps_from_string (subject->caps);

    r.appsrc = gst_element_factory_make ("appsrc", NULL);
    g_object_set (r.appsrc, "caps", caps, "format", GST_FORMAT_TIME, NULL);
    gst_bin_add (GST_BIN (r.pipeline), r.appsrc);
    fail_unless (gst_element_link (r.appsrc, r.element));
  }
  return r;
}

static void
rig_free (Rig * r)
{
  gst_element_set_state (r->pipeline, GST_STATE_NULL);
  gst_object_unref (r->pipeline);
  pollen_emulator_free (r->emulator);
}

/* What makes the element send a request: text for pollentts, a second of
 * tone then EOS for pollenstt and pollenvoice (so the chunk goes at once);
 * pollensrc asks by itself. */
static void
rig_feed (Rig * r)
{
  GstBuffer *buffer;

  if (!r->appsrc)
    return;
  if (g_str_equal (r->subject->factory, "pollentts")) {
    buffer = gst_buffer_new_memdup ("Hello there.", 12);
  } else {
    gint16 samples[16000];
    guint i;

    for (i = 0; i < G_N_ELEMENTS (samples); i++)
      samples[i] = (gint16) (8000 * sin (2 * G_PI * 440.0 * i / 16000));
    buffer = gst_buffer_new_memdup (samples, sizeof (samples));
  }
  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) = GST_SECOND;
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (r->appsrc),
          buffer), GST_FLOW_OK);
  if (!g_str_equal (r->subject->factory, "pollentts"))
    gst_app_src_end_of_stream (GST_APP_SRC (r->appsrc));
}

/* Scripts @response, starts the pipeline and waits until the element's
 * request reached the emulator. */
static void
rig_start_request (Rig * r, PollenEmulatorResponse * response)
{
  g_autoptr (PollenEmulatorRequest) request = NULL;

  pollen_emulator_push (r->emulator, r->subject->path, response);
  gst_element_set_state (r->pipeline, GST_STATE_PLAYING);
  rig_feed (r);
  request = pollen_emulator_wait_request (r->emulator, r->requests, 5000);
  fail_unless (request != NULL, "%s sent no request (cycle %u)",
      r->subject->factory, r->requests);
  /* the emulator keeps what it received: let it forget, to measure us */
  pollen_emulator_clear_requests (r->emulator);
}

static PollenEmulatorResponse *
delayed_answer (void)
{
  PollenEmulatorResponse *response =
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE", "late");

  response->delay_ms = ANSWER_DELAY_MS;
  return response;
}

static void
rig_cycle (Rig * r)
{
  gint64 start;

  rig_start_request (r, delayed_answer ());
  start = g_get_monotonic_time ();
  fail_unless_equals_int (gst_element_set_state (r->pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless (g_get_monotonic_time () - start < G_TIME_SPAN_SECOND,
      "NULL with a request in flight took too long");
}

/* ---- process resources ---- */

static gsize
rss_bytes (void)
{
  g_autofree gchar *statm = NULL;
  gulong size = 0, resident = 0;

  /* freed memory glibc keeps for later is not ours: give it back first */
  malloc_trim (0);
  fail_unless (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  fail_unless (sscanf (statm, "%lu %lu", &size, &resident) == 2);
  return (gsize) resident * sysconf (_SC_PAGESIZE);
}

static guint
open_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

/* Lets the emulator answer the requests its clients gave up on, so that
 * its side of each connection is closed too before counting. */
static void
settle (void)
{
  g_usleep ((ANSWER_DELAY_MS + 200) * 1000);
}

static void
check_cycles (const Subject * subject)
{
  Rig r = rig_new (subject);
  gsize rss_before, rss_after;
  guint fds_before, fds_after, i;

  for (i = 0; i < WARM_UP; i++)
    rig_cycle (&r);
  settle ();
  rss_before = rss_bytes ();
  fds_before = open_fds ();
  for (i = 0; i < CYCLES; i++)
    rig_cycle (&r);
  settle ();
  rss_after = rss_bytes ();
  fds_after = open_fds ();

  g_print ("%s: %u cycles: RSS %" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT
      " KiB, fds %u -> %u\n", subject->factory, CYCLES, rss_before / 1024,
      rss_after / 1024, fds_before, fds_after);
  /* AddressSanitizer holds freed memory in quarantine, so RSS says nothing
   * there (its leak checker covers that run instead) */
#ifndef POLLEN_TEST_UNDER_ASAN
  fail_unless (rss_after <= rss_before + RSS_SLACK, "RSS grew by %"
      G_GSIZE_FORMAT " KiB", (rss_after - rss_before) / 1024);
#endif
  fail_unless (fds_after <= fds_before + FD_SLACK, "fds grew %u -> %u",
      fds_before, fds_after);
  rig_free (&r);
}

GST_START_TEST (test_cycles)
{
  check_cycles (&subjects[__i__]);
}

GST_END_TEST;

/* ---- flushing with a request in flight ---- */

/* A flushing seek on pollensrc; FLUSH_START/STOP into a filter's sink pad,
 * which is what a flushing seek upstream of it sends. */
static void
rig_flush (Rig * r)
{
  GstPad *sinkpad;

  if (!r->appsrc) {
    fail_unless (gst_element_seek_simple (r->pipeline, GST_FORMAT_BYTES,
            GST_SEEK_FLAG_FLUSH, 0));
    return;
  }
  sinkpad = gst_element_get_static_pad (r->element, "sink");
  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_flush_start ()));
  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_flush_stop (TRUE)));
  gst_object_unref (sinkpad);
}

static void
check_flushes (const Subject * subject)
{
  Rig r = rig_new (subject);
  guint i;

  for (i = 0; i < FLUSHES; i++) {
    PollenEmulatorResponse *hang =
        pollen_emulator_response_new (200, NULL, NULL, 0);
    gint64 start;

    hang->hang = TRUE;
    rig_start_request (&r, hang);
    start = g_get_monotonic_time ();
    rig_flush (&r);
    fail_unless (g_get_monotonic_time () - start < G_TIME_SPAN_SECOND,
        "flush with a request in flight took too long");
    /* the element goes on after the flush: to NULL at once */
    start = g_get_monotonic_time ();
    gst_element_set_state (r.pipeline, GST_STATE_NULL);
    fail_unless (g_get_monotonic_time () - start < G_TIME_SPAN_SECOND);
    /* pollensrc's seek restarts the download: count that request */
    r.requests = pollen_emulator_get_request_count (r.emulator);
  }
  rig_free (&r);
}

GST_START_TEST (test_flush_in_flight)
{
  check_flushes (&subjects[__i__]);
}

GST_END_TEST;

static Suite *
lifecycle_suite (void)
{
  Suite *s = suite_create ("lifecycle");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 90);
  tcase_add_loop_test (tc, test_cycles, 0, G_N_ELEMENTS (subjects));
  tcase_add_loop_test (tc, test_flush_in_flight, 0, G_N_ELEMENTS (subjects));
  suite_add_tcase (s, tc);
  return s;
}

GST_CHECK_MAIN (lifecycle);
