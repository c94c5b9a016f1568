/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "pollentest.h"

#include <math.h>

#include <string.h>

PollenEmulator *
pollen_test_emulator_new (void)
{
  g_autoptr (GError) error = NULL;
  PollenEmulator *emulator = pollen_emulator_new (0, &error);

  fail_unless (emulator != NULL, "emulator did not start: %s",
      error ? error->message : "?");
  return emulator;
}

/* @element (made from a URI or a launch line) pointed at @emulator with
 * the test key. */
void
pollen_test_point_at (GstElement * element, PollenEmulator * emulator)
{
  g_object_set (element, "base-url", pollen_emulator_get_url (emulator),
      "api-key", POLLEN_TEST_KEY, NULL);
}

/* @factory pointed at @emulator with a test key and no retries (tests that
 * want retries set them). */
GstElement *
pollen_test_element_new (const gchar * factory, PollenEmulator * emulator)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  fail_unless (element != NULL, "no element %s", factory);
  pollen_test_point_at (element, emulator);
  g_object_set (element, "retries", 0, NULL);
  return element;
}

static void
point_if_pollen (const GValue * item, gpointer emulator)
{
  GstElement *element = g_value_get_object (item);
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory && g_str_has_prefix (GST_OBJECT_NAME (factory), "pollen"))
    pollen_test_point_at (element, emulator);
}

/* A gst-launch-1.0 @description whose pollen elements all talk to
 * @emulator with the test key. */
GstElement *
pollen_test_launch (PollenEmulator * emulator, const gchar * description)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstIterator *elements;

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  elements = gst_bin_iterate_recurse (GST_BIN (pipeline));
  gst_iterator_foreach (elements, point_if_pollen, emulator);
  gst_iterator_free (elements);
  return pipeline;
}

/**
 * pollen_test_run:
 *
 * Sets @pipeline to PLAYING and waits for EOS or an error.
 *
 * Returns: (transfer full): the EOS or ERROR message; fails the test when
 * neither came within @timeout (scaled). The pipeline is left in NULL.
 */
GstMessage *
pollen_test_run (GstElement * pipeline, GstClockTime timeout)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *message;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, timeout *
      pollen_test_time_scale (),
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (message != NULL, "pipeline neither ended nor failed in time");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return message;
}

/* A client of @base_url with @key (NULL: none), @retries and @timeout
 * seconds, everything else unset. */
PollenClient *
pollen_test_client_new (const gchar * base_url, const gchar * key,
    guint retries, guint timeout)
{
  PollenClientConfig config = { 0, };
  PollenClient *client;

  config.base_url = (gchar *) base_url;
  config.api_key = (gchar *) key;
  config.retries = retries;
  config.timeout = timeout;
  client = pollen_client_new (&config, NULL);
  fail_unless (client != NULL);
  return client;
}

/* ---- test audio ---- */

/**
 * pollen_test_id3_tagged:
 *
 * Returns: @audio after an ID3v2.4 tag as ffmpeg writes one before an MP3's
 * first frame (a TSSE frame with the encoder's name, 33 bytes in all).
 */
GBytes *
pollen_test_id3_tagged (GBytes * audio)
{
  static const guint8 tag[] = { 'I', 'D', '3', 4, 0, 0, 0, 0, 0, 23,
    'T', 'S', 'S', 'E', 0, 0, 0, 13, 0, 0, 3,
    'L', 'a', 'v', 'f', '6', '0', '.', '3', '.', '1', '0', '0'
  };
  GByteArray *tagged = g_byte_array_new ();

  g_byte_array_append (tagged, tag, sizeof (tag));
  g_byte_array_append (tagged, g_bytes_get_data (audio, NULL),
      g_bytes_get_size (audio));
  return g_byte_array_free_to_bytes (tagged);
}

#define TEST_BUFFER_MS 100

/* S16LE mono at @rate: a 440 Hz tone at -12 dBFS or silence per part. */
GBytes *
pollen_test_audio_new (guint rate, const PollenTestPart * parts,
    guint n_parts)
{
  GByteArray *pcm = g_byte_array_new ();
  guint64 t = 0;
  guint i, j;

  for (i = 0; i < n_parts; i++) {
    guint n = (guint64) rate * parts[i].ms / 1000;

    for (j = 0; j < n; j++, t++) {
      gint16 s = parts[i].tone ?
          (gint16) (8231.0 * sin (2 * G_PI * 440.0 * t / rate)) : 0;

      s = GINT16_TO_LE (s);
      g_byte_array_append (pcm, (const guint8 *) &s, sizeof (s));
    }
  }
  return g_byte_array_free_to_bytes (pcm);
}

/* Pushes @audio as TEST_BUFFER_MS buffers timed from @start; returns where
 * it ends. */
GstClockTime
pollen_test_push_audio (GstHarness * h, GBytes * audio, guint rate,
    GstClockTime start)
{
  gsize size, offset = 0, step = (gsize) rate * TEST_BUFFER_MS / 1000 * 2;
  const guint8 *data = g_bytes_get_data (audio, &size);
  GstClockTime ts = start;

  while (offset < size) {
    gsize n = MIN (step, size - offset);
    GstBuffer *buffer = gst_buffer_new_memdup (data + offset, n);
    GstClockTime duration = gst_util_uint64_scale (n / 2, GST_SECOND, rate);

    GST_BUFFER_PTS (buffer) = ts;
    GST_BUFFER_DURATION (buffer) = duration;
    fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_OK);
    ts += duration;
    offset += n;
  }
  return ts;
}

/* gst-launch-1.0's own rule, from its bus handler: a prerolled pipeline
 * goes to PLAYING only once no GstProgress is in progress (a START or
 * CONTINUE not yet followed by COMPLETE, CANCELED or ERROR). */
static void
launch_track_progress (GstMessage * message, gboolean * in_progress)
{
  GstProgressType type;

  gst_message_parse_progress (message, &type, NULL, NULL);
  *in_progress = type == GST_PROGRESS_TYPE_START ||
      type == GST_PROGRESS_TYPE_CONTINUE;
}

/**
 * pollen_test_run_like_launch:
 *
 * Runs @pipeline as gst-launch-1.0 does: PAUSED first, PLAYING once it has
 * prerolled (or is live) and no progress is in progress. Fails the test,
 * saying where it waited, when neither EOS nor an error comes in time.
 *
 * Returns: (transfer full): the EOS or ERROR message.
 */
GstMessage *
pollen_test_run_like_launch (GstElement * pipeline, GstClockTime timeout)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 end = g_get_monotonic_time () + timeout *
      pollen_test_time_scale () / GST_USECOND;
  gboolean prerolled, in_progress = FALSE, playing = FALSE;
  GstMessage *message = NULL;

  prerolled = gst_element_set_state (pipeline, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_NO_PREROLL;
  while (g_get_monotonic_time () < end) {
    if (prerolled && !in_progress && !playing)
      playing = gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
          GST_STATE_CHANGE_FAILURE;
    message = gst_bus_timed_pop_filtered (bus, 100 * GST_MSECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE |
        GST_MESSAGE_PROGRESS);
    if (!message)
      continue;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS ||
        GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
      break;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ASYNC_DONE)
      prerolled = TRUE;
    else
      launch_track_progress (message, &in_progress);
    gst_clear_message (&message);
  }
  fail_unless (message != NULL, "neither EOS nor an error in time: %s",
      !prerolled ? "not prerolled" : in_progress ?
      "prerolled, waiting for progress to finish" : "PLAYING");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return message;
}

/* Checks what a person and an application see of a failure: the code, the
 * details, a part of the text, and that the key is nowhere in it. */
void
pollen_test_assert_error (GstMessage * message, GstResourceError code,
    guint http_status, const gchar * api_code, const gchar * text_part)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;
  const GstStructure *details = NULL;
  guint status = G_MAXUINT;

  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, &debug);
  gst_message_parse_error_details (message, &details);

  fail_unless (error->domain == GST_RESOURCE_ERROR, "domain %s: %s",
      g_quark_to_string (error->domain), error->message);
  fail_unless_equals_int (error->code, code);
  fail_unless (details != NULL, "no details on '%s'", error->message);
  fail_unless (gst_structure_get_uint (details, "http-status-code", &status));
  fail_unless_equals_int (status, http_status);
  if (api_code)
    fail_unless_equals_string (gst_structure_get_string (details,
            "api-error-code"), api_code);
  fail_unless (gst_structure_has_field (details, "request-id"));
  if (text_part)
    fail_unless (strstr (error->message, text_part) != NULL,
        "'%s' not in '%s'", text_part, error->message);
  fail_if (strstr (error->message, POLLEN_TEST_KEY) != NULL);
  fail_if (debug && strstr (debug, POLLEN_TEST_KEY) != NULL);
}

guint
pollen_test_time_scale (void)
{
  const gchar *multiplier = g_getenv ("CK_TIMEOUT_MULTIPLIER");
  guint64 scale = 1;

  if (multiplier)
    g_ascii_string_to_unsigned (multiplier, 10, 1, 100, &scale, NULL);
  return scale;
}

/* ---- the recorder ---- */

static GstPadProbeReturn
recorder_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  PollenTestRecorder *rec = user_data;
  GstMiniObject *obj = GST_PAD_PROBE_INFO_DATA (info);

  g_mutex_lock (&rec->lock);
  g_ptr_array_add (rec->items, gst_mini_object_ref (obj));
  if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_EOS)
    rec->eos = TRUE;
  g_cond_broadcast (&rec->cond);
  g_mutex_unlock (&rec->lock);
  return GST_PAD_PROBE_OK;
}

PollenTestRecorder *
pollen_test_recorder_new (GstPad * pad)
{
  PollenTestRecorder *rec = g_new0 (PollenTestRecorder, 1);

  g_mutex_init (&rec->lock);
  g_cond_init (&rec->cond);
  rec->items = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_mini_object_unref);
  rec->pad = gst_object_ref (pad);
  rec->probe = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, recorder_probe, rec, NULL);
  return rec;
}

/* The probe goes first: a pad that outlives its recorder (a pipeline
 * freed after it) must not call back into freed memory. */
void
pollen_test_recorder_free (PollenTestRecorder * rec)
{
  gst_pad_remove_probe (rec->pad, rec->probe);
  gst_object_unref (rec->pad);
  g_ptr_array_unref (rec->items);
  g_mutex_clear (&rec->lock);
  g_cond_clear (&rec->cond);
  g_free (rec);
}

void
pollen_test_recorder_clear (PollenTestRecorder * rec)
{
  g_mutex_lock (&rec->lock);
  g_ptr_array_set_size (rec->items, 0);
  rec->eos = FALSE;
  g_mutex_unlock (&rec->lock);
}

/* Fails the test when no EOS came out within POLLEN_TEST_WAIT. */
void
pollen_test_recorder_wait_eos (PollenTestRecorder * rec)
{
  gint64 deadline = g_get_monotonic_time () + POLLEN_TEST_WAIT / GST_USECOND;

  g_mutex_lock (&rec->lock);
  while (!rec->eos && g_cond_wait_until (&rec->cond, &rec->lock, deadline));
  fail_unless (rec->eos, "no EOS came out");
  g_mutex_unlock (&rec->lock);
}

guint
pollen_test_recorder_count_events (PollenTestRecorder * rec,
    GstEventType type)
{
  guint i, n = 0;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++) {
    GstMiniObject *obj = rec->items->pdata[i];

    n += GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == type;
  }
  g_mutex_unlock (&rec->lock);
  return n;
}

static gboolean
is_output (GstMiniObject * object)
{
  return GST_IS_BUFFER (object) ||
      GST_EVENT_TYPE (GST_EVENT_CAST (object)) == GST_EVENT_GAP;
}

/* The index in rec->items of output @index, or -1. Called locked. */
static gint
output_position (PollenTestRecorder * rec, guint index)
{
  guint i;

  for (i = 0; i < rec->items->len; i++)
    if (is_output (rec->items->pdata[i]) && index-- == 0)
      return i;
  return -1;
}

/* Fails the test when fewer than @count outputs came within
 * POLLEN_TEST_WAIT. */
void
pollen_test_recorder_wait_outputs (PollenTestRecorder * rec, guint count)
{
  gint64 deadline = g_get_monotonic_time () + POLLEN_TEST_WAIT / GST_USECOND;
  gboolean in_time = TRUE;
  gboolean there;

  g_mutex_lock (&rec->lock);
  while (!(there = count == 0 || output_position (rec, count - 1) >= 0) &&
      in_time)
    in_time = g_cond_wait_until (&rec->cond, &rec->lock, deadline);
  g_mutex_unlock (&rec->lock);
  fail_unless (there, "fewer than %u outputs came", count);
}

guint
pollen_test_recorder_count_outputs (PollenTestRecorder * rec)
{
  guint i, n = 0;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++)
    n += is_output (rec->items->pdata[i]);
  g_mutex_unlock (&rec->lock);
  return n;
}

GstMiniObject *
pollen_test_recorder_get_output (PollenTestRecorder * rec, guint index)
{
  GstMiniObject *object;
  gint position;

  g_mutex_lock (&rec->lock);
  position = output_position (rec, index);
  object = position >= 0 ? rec->items->pdata[position] : NULL;
  g_mutex_unlock (&rec->lock);
  fail_unless (object != NULL, "no output %u", index);
  return object;
}

/* The buffers that came out, in order (borrowed: they stay alive until
 * the recorder is cleared or freed). */
GPtrArray *
pollen_test_recorder_get_buffers (PollenTestRecorder * rec)
{
  GPtrArray *found = g_ptr_array_new ();
  guint i;

  g_mutex_lock (&rec->lock);
  for (i = 0; i < rec->items->len; i++)
    if (GST_IS_BUFFER (rec->items->pdata[i]))
      g_ptr_array_add (found, rec->items->pdata[i]);
  g_mutex_unlock (&rec->lock);
  return found;
}

/* A text buffer's bytes as a string. */
gchar *
pollen_test_buffer_text (GstBuffer * buffer)
{
  GstMapInfo map;
  gchar *text;

  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  text = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return text;
}

/* ---- test video ---- */

/* A @width x @height RGB frame of @colour. */
GstBuffer *
pollen_test_colour_frame (const PollenTestColour * colour, guint width,
    guint height, GstClockTime pts, GstClockTime duration)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, width * height * 3,
      NULL);
  GstMapInfo map;
  guint i;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (i = 0; i < width * height; i++)
    memcpy (map.data + 3 * i, colour->rgb, 3);
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  return buffer;
}

/* Pushes frames of @colour every @period from @start until @end. */
void
pollen_test_push_colour (GstHarness * h, const PollenTestColour * colour,
    guint width, guint height, GstClockTime start, GstClockTime end,
    GstClockTime period)
{
  GstClockTime ts;

  for (ts = start; ts < end; ts += period)
    fail_unless_equals_int (gst_harness_push (h, pollen_test_colour_frame
            (colour, width, height, ts, period)), GST_FLOW_OK);
}

/* ---- a live source's pace ---- */

void
pollen_test_pace_init (PollenTestPace * pace)
{
  memset (pace, 0, sizeof (*pace));
  g_mutex_init (&pace->lock);
}

void
pollen_test_pace_clear (PollenTestPace * pace)
{
  g_mutex_clear (&pace->lock);
}

GstPadProbeReturn
pollen_test_pace_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer user_data)
{
  PollenTestPace *pace = user_data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&pace->lock);
  if (pace->last)
    pace->max_gap = MAX (pace->max_gap, now - pace->last);
  pace->last = now;
  pace->frames++;
  g_mutex_unlock (&pace->lock);
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn
pollen_test_count_probe (GstPad * pad, GstPadProbeInfo * info,
    gpointer count)
{
  g_atomic_int_inc ((gint *) count);
  return GST_PAD_PROBE_OK;
}

/* ---- an element in a harness ---- */

/**
 * pollen_test_harness_new_valist:
 * @src_caps: the caps the harness feeds
 * @live: how the harness answers LATENCY queries, from before the first
 *   segment (an element asks at each segment)
 *
 * @factory pointed at a fresh emulator, with @first_property … set before
 * it starts.
 */
PollenTestHarness
pollen_test_harness_new_valist (const gchar * factory,
    const gchar * src_caps, gboolean live, const gchar * first_property,
    va_list args)
{
  PollenTestHarness t;

  t.emulator = pollen_test_emulator_new ();
  t.element = gst_object_ref_sink (pollen_test_element_new (factory,
          t.emulator));
  if (first_property)
    g_object_set_valist (G_OBJECT (t.element), first_property, args);
  t.bus = gst_bus_new ();
  gst_element_set_bus (t.element, t.bus);

  t.h = gst_harness_new_with_element (t.element, "sink", "src");
  t.rec = pollen_test_recorder_new (t.h->sinkpad);
  /* before the caps, which send the segment at which the element asks */
  gst_harness_set_live (t.h, live);
  gst_harness_set_src_caps_str (t.h, src_caps);
  return t;
}

PollenTestHarness
pollen_test_harness_new (const gchar * factory, const gchar * src_caps,
    const gchar * first_property, ...)
{
  PollenTestHarness t;
  va_list args;

  va_start (args, first_property);
  t = pollen_test_harness_new_valist (factory, src_caps, TRUE,
      first_property, args);
  va_end (args);
  return t;
}

/* EOS in, and out within POLLEN_TEST_WAIT. */
void
pollen_test_harness_finish (PollenTestHarness * t)
{
  fail_unless (gst_harness_push_event (t->h, gst_event_new_eos ()));
  pollen_test_recorder_wait_eos (t->rec);
}

void
pollen_test_harness_free (PollenTestHarness * t)
{
  gst_harness_teardown (t->h);
  gst_element_set_bus (t->element, NULL);
  gst_bus_set_flushing (t->bus, TRUE);
  gst_object_unref (t->element);
  gst_object_unref (t->bus);
  pollen_test_recorder_free (t->rec);
  pollen_emulator_free (t->emulator);
}

/* The next message of @type on @bus; fails the test when none comes within
 * 5 s (scaled). */
GstMessage *
pollen_test_pop_message (GstBus * bus, GstMessageType type)
{
  GstMessage *message = gst_bus_timed_pop_filtered (bus,
      POLLEN_TEST_MS (5) * GST_SECOND, type);

  fail_unless (message != NULL, "no %s message", gst_message_type_get_name
      (type));
  return message;
}

/* Pops the messages on @bus and counts those of @type. */
guint
pollen_test_count_messages (GstBus * bus, GstMessageType type)
{
  GstMessage *message;
  guint n = 0;

  while ((message = gst_bus_pop (bus))) {
    n += (GST_MESSAGE_TYPE (message) & type) != 0;
    gst_message_unref (message);
  }
  return n;
}

/**
 * pollen_test_pop_warnings:
 * @latency_messages: (out) (optional): incremented for each LATENCY
 *   message
 *
 * Returns: (transfer full): the warnings on @bus so far, one a line; the
 * other messages are dropped.
 */
gchar *
pollen_test_pop_warnings (GstBus * bus, guint * latency_messages)
{
  GString *texts = g_string_new (NULL);
  GstMessage *message;

  while ((message = gst_bus_pop (bus))) {
    g_autoptr (GError) error = NULL;

    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (message, &error, NULL);
      g_string_append_printf (texts, "%s\n", error->message);
    } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_LATENCY &&
        latency_messages) {
      (*latency_messages)++;
    }
    gst_message_unref (message);
  }
  return g_string_free (texts, FALSE);
}

/* ---- the policies of GstPollenFilter ---- */

/**
 * pollen_test_assert_latency_before_data:
 *
 * In PAUSED, before any data and with nothing upstream that answers, the
 * LATENCY query of @factory (with @latency_ms) answers live with
 * @expected_min and no maximum.
 */
void
pollen_test_assert_latency_before_data (const gchar * factory,
    guint latency_ms, GstClockTime expected_min)
{
  GstElement *element = gst_element_factory_make (factory, NULL);
  GstPad *srcpad = gst_element_get_static_pad (element, "src");
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min, max;
  gboolean live;

  g_object_set (element, "latency", latency_ms, NULL);
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_PAUSED),
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_pad_query (srcpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  fail_unless_equals_uint64 (min, expected_min);
  fail_if (GST_CLOCK_TIME_IS_VALID (max));
  gst_query_unref (query);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_object_unref (srcpad);
  gst_object_unref (element);
}

/* Behind a live upstream with @upstream latency: the minimum the element
 * answers (it must answer live). */
GstClockTime
pollen_test_query_live_latency (PollenTestHarness * t, GstClockTime upstream)
{
  GstQuery *query = gst_query_new_latency ();
  GstClockTime min, max;
  gboolean live;

  gst_harness_set_live (t->h, TRUE);
  gst_harness_set_upstream_latency (t->h, upstream);
  fail_unless (gst_pad_peer_query (t->h->sinkpad, query));
  gst_query_parse_latency (query, &live, &min, &max);
  fail_unless (live);
  gst_query_unref (query);
  return min;
}

/**
 * pollen_test_assert_untimed_refused:
 * @buffer: (transfer full): input pushed (copies of it) after the segment
 * @hint: a part of the error's text: what to put in front
 *
 * Input without time (a BYTES segment): one STREAM FORMAT error that says
 * what to do, EOS out, and every later buffer refused with
 * %GST_FLOW_ERROR, without a second error.
 */
void
pollen_test_assert_untimed_refused (PollenTestHarness * t,
    GstBuffer * buffer, const gchar * hint)
{
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  GstSegment segment;
  guint i;

  gst_segment_init (&segment, GST_FORMAT_BYTES);
  /* refused, though a sticky event counts as sent once stored */
  gst_harness_push_event (t->h, gst_event_new_segment (&segment));
  message = pollen_test_pop_message (t->bus, GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (g_error_matches (error, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FORMAT));
  fail_unless (strstr (error->message, hint) != NULL, "%s", error->message);
  pollen_test_recorder_wait_eos (t->rec);
  for (i = 0; i < 5; i++)
    fail_unless_equals_int (gst_harness_push (t->h, gst_buffer_copy (buffer)),
        GST_FLOW_ERROR);
  /* another untimed segment: still no second error */
  gst_harness_push_event (t->h, gst_event_new_segment (&segment));
  fail_unless_equals_int (pollen_test_count_messages (t->bus,
          GST_MESSAGE_ERROR), 0);
  gst_buffer_unref (buffer);
}

/* @body as a 200 with Content-Encoding: gzip, compressed: its
 * Content-Length counts the compressed bytes, as a real server's does. */
PollenEmulatorResponse *
pollen_test_gzip_answer (const gchar * content_type, GBytes * body)
{
  g_autoptr (GZlibCompressor) gzip =
      g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr (GInputStream) plain = g_memory_input_stream_new_from_bytes (body);
  g_autoptr (GInputStream) packed = g_converter_input_stream_new (plain,
      G_CONVERTER (gzip));
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  PollenEmulatorResponse *response =
      pollen_emulator_response_new (200, content_type, NULL, 0);

  fail_unless (g_output_stream_splice (out, packed,
          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL) >= 0);
  response->body = g_memory_output_stream_steal_as_bytes
      (G_MEMORY_OUTPUT_STREAM (out));
  pollen_emulator_response_add_header (response, "Content-Encoding", "gzip");
  return response;
}

/* How many of the requests @emulator received so far went to @path. */
guint
pollen_test_count_requests (PollenEmulator * emulator, const gchar * path)
{
  guint i, n = 0, total = pollen_emulator_get_request_count (emulator);

  for (i = 0; i < total; i++) {
    g_autoptr (PollenEmulatorRequest) request =
        pollen_emulator_wait_request (emulator, i, 0);

    n += g_str_equal (request->path, path);
  }
  return n;
}

/* A URL on 127.0.0.1 where nothing listens. */
gchar *
pollen_test_unused_url (void)
{
  g_autoptr (GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4,
      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  fail_unless (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  /* the socket closes when it goes out of scope: the port is free again */
  return g_strdup_printf ("http://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

struct _PollenTestRawServer
{
  GSocket *socket;
  gchar *url;
  gchar *response;
  GThread *thread;
  GString *head;                /* complete once the thread ends */

  /* a response in two parts: the rest waits for a release */
  gchar *rest;
  GMutex lock;
  GCond cond;
  gboolean released;
  gboolean rest_sent;
};

/* The rest goes once the test released it, or after POLLEN_TEST_WAIT
 * anyway, so that a client waiting for the whole body does not hang the
 * test: the test sees that in rest_sent. */
static void
raw_server_send_rest (PollenTestRawServer * server, GSocket * connection)
{
  gint64 end = g_get_monotonic_time () +
      POLLEN_TEST_WAIT / GST_USECOND;

  g_mutex_lock (&server->lock);
  while (!server->released && g_cond_wait_until (&server->cond,
          &server->lock, end));
  server->rest_sent = TRUE;
  g_mutex_unlock (&server->lock);
  g_socket_send (connection, server->rest, strlen (server->rest), NULL,
      NULL);
}

static gpointer
raw_server_serve (gpointer user_data)
{
  PollenTestRawServer *server = user_data;
  g_autoptr (GSocket) connection = g_socket_accept (server->socket, NULL,
      NULL);
  gchar buf[4096];
  gssize n;

  if (!connection)
    return NULL;
  g_socket_set_timeout (connection, 10);
  while (!strstr (server->head->str, "\r\n\r\n") &&
      (n = g_socket_receive (connection, buf, sizeof (buf), NULL, NULL)) > 0)
    g_string_append_len (server->head, buf, n);
  g_socket_send (connection, server->response, strlen (server->response),
      NULL, NULL);
  if (server->rest)
    raw_server_send_rest (server, connection);
  g_socket_close (connection, NULL);
  return NULL;
}

/* Serves the first connection: @response, then @rest (or nothing) once
 * released. */
static PollenTestRawServer *
raw_server_new (const gchar * response, const gchar * rest)
{
  PollenTestRawServer *server = g_new0 (PollenTestRawServer, 1);
  g_autoptr (GInetAddress) loopback =
      g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  server->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
      G_SOCKET_PROTOCOL_TCP, NULL);
  g_socket_set_timeout (server->socket, 10);
  fail_unless (g_socket_bind (server->socket, any, TRUE, NULL));
  fail_unless (g_socket_listen (server->socket, NULL));
  bound = g_socket_get_local_address (server->socket, NULL);
  server->url = g_strdup_printf ("http://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  server->response = g_strdup (response);
  server->rest = g_strdup (rest);
  server->head = g_string_new (NULL);
  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->thread = g_thread_new ("raw-server", raw_server_serve, server);
  return server;
}

/* Answers the first connection with @response (a whole HTTP response). */
PollenTestRawServer *
pollen_test_raw_server_new (const gchar * response)
{
  return raw_server_new (response, NULL);
}

/* Answers the first connection with @first (the head and the start of a
 * body), and sends @rest only once pollen_test_raw_server_release() is
 * called: the order of what a client sees, not a time, says whether it
 * reads a body as it arrives. */
PollenTestRawServer *
pollen_test_raw_server_new_held (const gchar * first, const gchar * rest)
{
  return raw_server_new (first, rest);
}

/* Lets the rest go; returns whether it had been sent already (the wait
 * for the release ran out). */
gboolean
pollen_test_raw_server_release (PollenTestRawServer * server)
{
  gboolean sent;

  g_mutex_lock (&server->lock);
  sent = server->rest_sent;
  server->released = TRUE;
  g_cond_signal (&server->cond);
  g_mutex_unlock (&server->lock);
  return sent;
}

const gchar *
pollen_test_raw_server_get_url (PollenTestRawServer * server)
{
  return server->url;
}

/* Waits for the request and returns its first line, as sent. */
gchar *
pollen_test_raw_server_get_request_line (PollenTestRawServer * server)
{
  const gchar *end;

  if (server->thread)
    g_thread_join (g_steal_pointer (&server->thread));
  end = strstr (server->head->str, "\r\n");
  fail_unless (end != NULL, "no request arrived");
  return g_strndup (server->head->str, end - server->head->str);
}

void
pollen_test_raw_server_free (PollenTestRawServer * server)
{
  if (server->thread)
    g_thread_join (server->thread);
  g_object_unref (server->socket);
  g_string_free (server->head, TRUE);
  g_free (server->response);
  g_free (server->rest);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server->url);
  g_free (server);
}
