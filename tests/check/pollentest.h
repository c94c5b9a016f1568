/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The fixture every gst-check test shares: the emulator, elements pointed
 * at it, an element in a harness with its own bus and a recorder of what
 * comes out, running a pipeline to its end, checking error messages, and
 * wall-clock bounds that stretch with CK_TIMEOUT_MULTIPLIER. */

#pragma once

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "pollenemulator.h"
#include "pollenclient.h"

G_BEGIN_DECLS

#define POLLEN_TEST_KEY "sk_test_0123456789secret"

/* Wall-clock bounds stretch with check's CK_TIMEOUT_MULTIPLIER, so that
 * the same tests hold under valgrind (run it with a multiplier of 10). */
guint            pollen_test_time_scale (void);
#define POLLEN_TEST_MS(ms) ((ms) * pollen_test_time_scale ())
#define POLLEN_TEST_WAIT (POLLEN_TEST_MS (10) * GST_SECOND)
/* Defined in an AddressSanitizer build (gcc or clang). */
#if defined(__SANITIZE_ADDRESS__)
#define POLLEN_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POLLEN_TEST_UNDER_ASAN 1
#endif
#endif

PollenEmulator * pollen_test_emulator_new (void);
PollenClient *   pollen_test_client_new (const gchar * base_url,
                                         const gchar * key, guint retries,
                                         guint timeout);
GstElement *     pollen_test_element_new (const gchar * factory,
                                          PollenEmulator * emulator);
void             pollen_test_point_at (GstElement * element,
                                       PollenEmulator * emulator);
GstElement *     pollen_test_launch (PollenEmulator * emulator,
                                     const gchar * description);
GstMessage *     pollen_test_run (GstElement * pipeline,
                                  GstClockTime timeout);
GstMessage *     pollen_test_run_like_launch (GstElement * pipeline,
                                              GstClockTime timeout);
void             pollen_test_assert_error (GstMessage * message,
                                           GstResourceError code,
                                           guint http_status,
                                           const gchar * api_code,
                                           const gchar * text_part);
gchar *          pollen_test_unused_url (void);
PollenEmulatorResponse * pollen_test_gzip_answer (const gchar * content_type,
                                                  GBytes * body);
guint            pollen_test_count_requests (PollenEmulator * emulator,
                                             const gchar * path);

/* Test audio: S16LE mono, a 440 Hz tone at -12 dBFS or silence per part,
 * pushed in 100 ms buffers. */
typedef struct
{
  guint ms;
  gboolean tone;
} PollenTestPart;

GBytes *         pollen_test_audio_new (guint rate, const PollenTestPart * parts,
                                        guint n_parts);
GBytes *         pollen_test_id3_tagged (GBytes * audio);
GstClockTime     pollen_test_push_audio (GstHarness * h, GBytes * audio,
                                         guint rate, GstClockTime start);

/* Records what comes out of a pad, buffers and downstream events, in
 * order. */
typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *items;             /* GstBuffer and GstEvent, in order */
  gboolean eos;
  GstPad *pad;                  /* its probe goes with the recorder */
  gulong probe;
} PollenTestRecorder;

PollenTestRecorder * pollen_test_recorder_new (GstPad * pad);
void                 pollen_test_recorder_free (PollenTestRecorder * rec);
void                 pollen_test_recorder_clear (PollenTestRecorder * rec);
void                 pollen_test_recorder_wait_eos (PollenTestRecorder * rec);
guint                pollen_test_recorder_count_events (PollenTestRecorder * rec,
                                                        GstEventType type);
/* The outputs are the buffers and GAP events, what a stream's slots are
 * made of; an output stays alive until the recorder is cleared or freed. */
void                 pollen_test_recorder_wait_outputs (PollenTestRecorder * rec,
                                                        guint count);
GstMiniObject *      pollen_test_recorder_get_output (PollenTestRecorder * rec,
                                                      guint index);
guint                pollen_test_recorder_count_outputs (PollenTestRecorder * rec);
GPtrArray *          pollen_test_recorder_get_buffers (PollenTestRecorder * rec);
gchar *              pollen_test_buffer_text (GstBuffer * buffer);

/* Test video: RGB frames of one colour. */
typedef struct
{
  const gchar *name;
  guint8 rgb[3];
} PollenTestColour;

GstBuffer *      pollen_test_colour_frame (const PollenTestColour * colour,
                                           guint width, guint height,
                                           GstClockTime pts,
                                           GstClockTime duration);
void             pollen_test_push_colour (GstHarness * h,
                                          const PollenTestColour * colour,
                                          guint width, guint height,
                                          GstClockTime start,
                                          GstClockTime end,
                                          GstClockTime period);

/* How a live source keeps its pace: pollen_test_pace_probe() on the pad
 * its frames leave by counts them and keeps the longest time between two;
 * pollen_test_count_probe() counts the buffers of a pad into a gint. */
typedef struct
{
  GMutex lock;
  gint64 last;
  gint64 max_gap;               /* µs */
  guint frames;
} PollenTestPace;

void              pollen_test_pace_init (PollenTestPace * pace);
void              pollen_test_pace_clear (PollenTestPace * pace);
GstPadProbeReturn pollen_test_pace_probe (GstPad * pad,
                                          GstPadProbeInfo * info,
                                          gpointer pace);
GstPadProbeReturn pollen_test_count_probe (GstPad * pad,
                                           GstPadProbeInfo * info,
                                           gpointer count);

/* An element made by pollen_test_element_new() in a harness, with its own
 * bus and a recorder on the harness's sink pad. */
typedef struct
{
  PollenEmulator *emulator;
  GstElement *element;
  GstHarness *h;
  PollenTestRecorder *rec;
  GstBus *bus;
} PollenTestHarness;

PollenTestHarness pollen_test_harness_new (const gchar * factory,
                                           const gchar * src_caps,
                                           const gchar * first_property, ...);
PollenTestHarness pollen_test_harness_new_valist (const gchar * factory,
                                                  const gchar * src_caps,
                                                  gboolean live,
                                                  const gchar * first_property,
                                                  va_list args);
void              pollen_test_harness_free (PollenTestHarness * t);
void              pollen_test_harness_finish (PollenTestHarness * t);
GstMessage *      pollen_test_pop_message (GstBus * bus, GstMessageType type);
gchar *           pollen_test_pop_warnings (GstBus * bus,
                                            guint * latency_messages);
guint             pollen_test_count_messages (GstBus * bus,
                                              GstMessageType type);

/* The policies every GstPollenFilter shares, checked on any of them. */
void pollen_test_assert_latency_before_data (const gchar * factory,
                                             guint latency_ms,
                                             GstClockTime expected_min);
GstClockTime pollen_test_query_live_latency (PollenTestHarness * t,
                                             GstClockTime upstream);
void pollen_test_assert_untimed_refused (PollenTestHarness * t,
                                         GstBuffer * buffer,
                                         const gchar * hint);

/* A one-connection HTTP server that records the request head exactly as it
 * came over the socket, for checking bytes on the wire; and that can hold
 * back the rest of a body until the test lets it go. */
typedef struct _PollenTestRawServer PollenTestRawServer;

PollenTestRawServer * pollen_test_raw_server_new (const gchar * response);
PollenTestRawServer * pollen_test_raw_server_new_held (const gchar * first,
                                                       const gchar * rest);
gboolean              pollen_test_raw_server_release (PollenTestRawServer * server);
const gchar *         pollen_test_raw_server_get_url (PollenTestRawServer * server);
gchar *               pollen_test_raw_server_get_request_line (PollenTestRawServer * server);
void                  pollen_test_raw_server_free (PollenTestRawServer * server);

G_END_DECLS
