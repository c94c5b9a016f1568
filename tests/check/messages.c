/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Every text an element lets out, whatever the server sent: each message
 * on the bus (errors, warnings with their debug text and details, retry
 * warnings, progress) and each text buffer is valid UTF-8 and never holds
 * the key, in any form the server echoed it (plain, \u-escaped JSON,
 * URL-encoded, in a header). Each answer shape is run against each of the
 * five elements, and a Latin-1 reason phrase through gst-launch-1.0 and a
 * Python bus handler, where invalid text used to crash. */

#include "pollentest.h"

#include <gst/app/gstappsrc.h>
#include <string.h>
#include <sys/wait.h>

#define WAIT POLLEN_TEST_WAIT

typedef enum
{
  SRC, TTS, STT, CHAT, VISION, N_ELEMENTS
} Element;

static const struct
{
  const gchar *factory;
  const gchar *path;
  const gchar *caps;            /* of the input; NULL for the source */
  gboolean text_out;
} elements[N_ELEMENTS] = {
  {"pollensrc", "/image/", NULL, FALSE},
  {"pollentts", "/v1/audio/speech", "text/x-raw, format=utf8", FALSE},
  {"pollenstt", "/v1/audio/transcriptions", "audio/x-raw, format=S16LE, "
        "layout=interleaved, rate=16000, channels=1", TRUE},
  {"pollenchat", "/v1/chat/completions", "text/x-raw, format=utf8", TRUE},
  {"pollenvision", "/v1/chat/completions", "video/x-raw, format=RGB, "
        "width=64, height=48, framerate=25/1", TRUE},
};

/* The key as a server may echo it: each character \u-escaped, and each
 * byte %-encoded. */
static gchar *
key_json_escaped (void)
{
  GString *out = g_string_new (NULL);
  const gchar *c;

  for (c = POLLEN_TEST_KEY; *c; c++)
    g_string_append_printf (out, "\\u%04x", *c);
  return g_string_free (out, FALSE);
}

static gchar *
key_url_encoded (void)
{
  GString *out = g_string_new (NULL);
  const gchar *c;

  for (c = POLLEN_TEST_KEY; *c; c++)
    g_string_append_printf (out, "%%%02X", *c);
  return g_string_free (out, FALSE);
}

/* ---- running an element ---- */

typedef struct
{
  GPtrArray *texts;             /* every text that came out, in order */
  gboolean ended;               /* EOS or an ERROR */
  guint errors;
  guint warnings;
} Seen;

static void
seen_add (Seen * seen, const gchar * what, const gchar * text)
{
  if (text)
    g_ptr_array_add (seen->texts, g_strdup_printf ("%s: %s", what, text));
}

static void
seen_add_structure (Seen * seen, const gchar * what,
    const GstStructure * structure)
{
  g_autofree gchar *text = structure ? gst_structure_to_string (structure) :
      NULL;

  seen_add (seen, what, text);
}

/* What a bus message says, every string of it. */
static void
seen_add_message (Seen * seen, GstMessage * message)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *debug = NULL;
  const GstStructure *details = NULL;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (message, &error, &debug);
      gst_message_parse_error_details (message, &details);
      seen->errors++;
      seen->ended = TRUE;
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (message, &error, &debug);
      gst_message_parse_warning_details (message, &details);
      seen->warnings++;
      break;
    case GST_MESSAGE_EOS:
      seen->ended = TRUE;
      break;
    default:
      break;
  }
  seen_add (seen, "message", error ? error->message : NULL);
  seen_add (seen, "debug", debug);
  seen_add_structure (seen, "details", details);
  seen_add_structure (seen, "structure",
      gst_message_get_structure (message));
}

static void
on_handoff (GstElement * sink, GstBuffer * buffer, GstPad * pad,
    gpointer user_data)
{
  GstMapInfo map;
  gchar *text;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  text = g_strdup_printf ("buffer: %.*s", (gint) map.size,
      (const gchar *) map.data);
  gst_buffer_unmap (buffer, &map);
  g_ptr_array_add (user_data, text);
}

static GstBuffer *
input_buffer (Element element)
{
  GstBuffer *buffer;
  guint i;

  switch (element) {
    case STT:{
      gint16 samples[16000];

      for (i = 0; i < G_N_ELEMENTS (samples); i++)
        samples[i] = (i / 18) % 2 ? 6000 : -6000;
      buffer = gst_buffer_new_memdup (samples, sizeof (samples));
      break;
    }
    case VISION:
      buffer = gst_buffer_new_allocate (NULL, 64 * 48 * 3, NULL);
      gst_buffer_memset (buffer, 0, 0x80, 64 * 48 * 3);
      break;
    default:
      buffer = gst_buffer_new_memdup ("Hello there.", 12);
      break;
  }
  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) = GST_SECOND;
  return buffer;
}

static GstElement *
pipeline_new (Element element, PollenEmulator * emulator, guint retries,
    GPtrArray * outputs)
{
  g_autofree gchar *launch = elements[element].caps ?
      g_strdup_printf ("appsrc name=in format=time caps=\"%s\" ! %s name=e "
      "! fakesink name=out signal-handoffs=true", elements[element].caps,
      elements[element].factory) :
      g_strdup ("pollensrc name=e prompt=\"a cat\" ! fakesink name=out "
      "signal-handoffs=true");
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  g_autoptr (GstElement) e = gst_bin_get_by_name (GST_BIN (pipeline), "e");
  g_autoptr (GstElement) out = gst_bin_get_by_name (GST_BIN (pipeline),
      "out");

  fail_unless (pipeline != NULL);
  g_object_set (e, "base-url", pollen_emulator_get_url (emulator), "api-key",
      POLLEN_TEST_KEY, "retries", retries, "timeout", 5, NULL);
  if (elements[element].text_out)
    g_signal_connect (out, "handoff", G_CALLBACK (on_handoff), outputs);
  return pipeline;
}

static void
feed (GstElement * pipeline, Element element)
{
  g_autoptr (GstElement) in = NULL;

  if (!elements[element].caps)
    return;
  in = gst_bin_get_by_name (GST_BIN (pipeline), "in");
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (in),
          input_buffer (element)), GST_FLOW_OK);
  fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (in)),
      GST_FLOW_OK);
}

/* Runs @element against @emulator (answers scripted already) to its end;
 * every text it let out goes to @seen. */
static void
run_element (Element element, PollenEmulator * emulator, guint retries,
    Seen * seen)
{
  GstElement *pipeline = pipeline_new (element, emulator, retries,
      seen->texts);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  gint64 end = g_get_monotonic_time () + WAIT / GST_USECOND;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  feed (pipeline, element);
  while (!seen->ended && g_get_monotonic_time () < end) {
    g_autoptr (GstMessage) message = gst_bus_timed_pop (bus,
        50 * GST_MSECOND);

    if (message)
      seen_add_message (seen, message);
  }
  fail_unless (seen->ended, "%s: neither EOS nor an error",
      elements[element].factory);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
}

/* No text of @seen holds the key or bytes that are not UTF-8. */
static void
assert_texts_clean (const Seen * seen, Element element)
{
  g_autofree gchar *escaped = key_json_escaped ();
  g_autofree gchar *encoded = key_url_encoded ();
  guint i;

  for (i = 0; i < seen->texts->len; i++) {
    const gchar *text = seen->texts->pdata[i];

    fail_unless (g_utf8_validate (text, -1, NULL), "%s: not UTF-8: %s",
        elements[element].factory, text);
    fail_if (strstr (text, POLLEN_TEST_KEY) != NULL, "%s: the key in %s",
        elements[element].factory, text);
    fail_if (strstr (text, escaped) != NULL, "%s: the key in %s",
        elements[element].factory, text);
    fail_if (strstr (text, encoded) != NULL, "%s: the key in %s",
        elements[element].factory, text);
  }
}

static Seen
run_shape (Element element, PollenEmulatorResponse * (*make) (void),
    guint retries)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Seen seen = { g_ptr_array_new_with_free_func (g_free), FALSE, 0, 0 };

  pollen_emulator_push (emulator, elements[element].path, make ());
  run_element (element, emulator, retries, &seen);
  assert_texts_clean (&seen, element);
  pollen_emulator_free (emulator);
  return seen;
}

static void
seen_clear (Seen * seen)
{
  g_ptr_array_unref (seen->texts);
}

static gboolean
seen_has (const Seen * seen, const gchar * part)
{
  guint i;

  for (i = 0; i < seen->texts->len; i++)
    if (strstr (seen->texts->pdata[i], part))
      return TRUE;
  return FALSE;
}

/* ---- the answers ---- */

/* A retried 503 whose body echoes the key, \u-escaped, and URL-encoded. */
static PollenEmulatorResponse *
busy_echoing_key (void)
{
  g_autofree gchar *escaped = key_json_escaped ();
  g_autofree gchar *encoded = key_url_encoded ();
  g_autofree gchar *body = g_strdup_printf ("{\"error\":{\"code\":"
      "\"SERVICE_UNAVAILABLE\",\"message\":\"busy for key %s (%s)\"}}",
      escaped, encoded);

  return pollen_emulator_response_new_json (503, body);
}

/* A retried 500 whose X-Request-Id echoes the key. */
static PollenEmulatorResponse *
request_id_echoing_key (void)
{
  PollenEmulatorResponse *response =
      pollen_emulator_response_new_error (500, "INTERNAL_ERROR", "oops");

  pollen_emulator_response_add_header (response, "X-Request-Id",
      "req-" POLLEN_TEST_KEY);
  return response;
}

/* A redirect whose Location holds the key (not followed: another host, or
 * a POST). */
static PollenEmulatorResponse *
redirect_with_key (void)
{
  PollenEmulatorResponse *response = pollen_emulator_response_new (302, NULL,
      NULL, 0);

  pollen_emulator_response_add_header (response, "Location",
      "http://127.0.0.2:9/generate?key=" POLLEN_TEST_KEY);
  return response;
}

/* A reason phrase in Latin-1, as some servers and proxies send. */
static PollenEmulatorResponse *
latin1_reason (void)
{
  static const gchar raw[] = "HTTP/1.1 400 Requ\xea" "te invalide\r\n"
      "Content-Type: text/plain\r\nContent-Length: 13\r\n"
      "Connection: close\r\n\r\nMauvais d\xe9" "but";

  return pollen_emulator_response_new_raw (raw, -1);
}

/* A JSON message with a lone UTF-16 surrogate (valid JSON, no valid
 * text). */
static PollenEmulatorResponse *
lone_surrogate (void)
{
  return pollen_emulator_response_new_json (400, "{\"error\":{\"code\":"
      "\"BAD_REQUEST\",\"message\":\"bad \\ud800 input\"}}");
}

/* ---- the tests ---- */

/* The retry warnings (and the level-2 log line, the same text) never
 * quote the key, however the body echoed it; the request then succeeds. */
GST_START_TEST (test_retry_warning_without_key)
{
  Seen seen = run_shape (__i__, busy_echoing_key, 1);

  fail_unless_equals_int (seen.errors, 0);
  fail_unless (seen.warnings >= 1, "%s: no retry warning",
      elements[__i__].factory);
  fail_unless (seen_has (&seen, "busy for key"), "%s",
      elements[__i__].factory);
  seen_clear (&seen);
}

GST_END_TEST;

GST_START_TEST (test_request_id_without_key)
{
  Seen seen = run_shape (__i__, request_id_echoing_key, 1);

  fail_unless_equals_int (seen.errors, 0);
  fail_unless (seen_has (&seen, "req-[REDACTED]"),
      "%s: the request id is not in the warning's details",
      elements[__i__].factory);
  seen_clear (&seen);
}

GST_END_TEST;

GST_START_TEST (test_redirect_without_key)
{
  Seen seen = run_shape (__i__, redirect_with_key, 0);

  fail_unless_equals_int (seen.errors, 1);
  seen_clear (&seen);
}

GST_END_TEST;

/* Bytes that are not UTF-8 in the reason phrase, and a lone surrogate in
 * the server's message: repaired (U+FFFD), the rest of the text kept. */
GST_START_TEST (test_invalid_text_repaired)
{
  Seen latin1 = run_shape (__i__, latin1_reason, 0);
  Seen surrogate = run_shape (__i__, lone_surrogate, 0);

  fail_unless_equals_int (latin1.errors, 1);
  fail_unless (seen_has (&latin1, "Requ\xef\xbf\xbd" "te invalide"), "%s",
      elements[__i__].factory);
  fail_unless_equals_int (surrogate.errors, 1);
  fail_unless (seen_has (&surrogate, "bad \xef\xbf\xbd input"), "%s",
      elements[__i__].factory);
  seen_clear (&latin1);
  seen_clear (&surrogate);
}

GST_END_TEST;

#ifndef POLLEN_TEST_UNDER_ASAN
/* Runs @argv with the emulator answering a Latin-1 reason phrase;
 * returns what it printed, having checked it exited (1: an error) and
 * did not crash. */
static gchar *
run_program (const gchar * const *argv)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (GStrv) env = g_get_environ ();
  g_autofree gchar *out = NULL;
  g_autofree gchar *err = NULL;
  g_autoptr (GError) error = NULL;
  gint status;

  pollen_emulator_push (emulator, "/image/", latin1_reason ());
  env = g_environ_setenv (env, "POLLINATIONS_BASE_URL",
      pollen_emulator_get_url (emulator), TRUE);
  env = g_environ_setenv (env, "POLLINATIONS_API_KEY", POLLEN_TEST_KEY,
      TRUE);
  fail_unless (g_spawn_sync (NULL, (gchar **) argv, env,
          G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error), "%s",
      error ? error->message : "");
  pollen_emulator_free (emulator);
  fail_if (WIFSIGNALED (status), "%s died of signal %d:\n%s\n%s", argv[0],
      WTERMSIG (status), out, err);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 1,
      "%s: status %d:\n%s\n%s", argv[0], status, out, err);
  return g_strconcat (out, err, NULL);
}

/* gst-launch-1.0 prints the error (the progress message that carried the
 * raw reason used to be dropped by GStreamer, and gst-launch-1.0 then
 * crashed on it). */
GST_START_TEST (test_latin1_reason_gst_launch)
{
  const gchar *argv[] = { "gst-launch-1.0", "pollensrc", "prompt=a cat",
    "retries=0", "!", "fakesink", NULL
  };
  g_autofree gchar *output = run_program (argv);

  fail_unless (strstr (output, "400 Requ\xef\xbf\xbd" "te invalide") != NULL,
      "%s", output);
}

GST_END_TEST;

/* A Python bus handler reads the error's text (it used to raise
 * UnicodeDecodeError). */
GST_START_TEST (test_latin1_reason_python)
{
  const gchar *argv[] = { "/usr/bin/python3", "-c",
    "import sys, gi\n"
        "gi.require_version('Gst', '1.0')\n"
        "from gi.repository import Gst\n"
        "Gst.init(None)\n"
        "p = Gst.parse_launch('pollensrc prompt=cat retries=0 ! fakesink')\n"
        "bus = p.get_bus()\n"
        "p.set_state(Gst.State.PLAYING)\n"
        "m = bus.timed_pop_filtered(30 * Gst.SECOND, Gst.MessageType.ERROR)\n"
        "err, debug = m.parse_error()\n"
        "print('error: ' + err.message)\n"
        "p.set_state(Gst.State.NULL)\n" "sys.exit(1)\n", NULL
  };
  g_autofree gchar *output = run_program (argv);

  fail_unless (strstr (output, "error: ") != NULL, "%s", output);
  fail_unless (strstr (output, "te invalide") != NULL, "%s", output);
}

GST_END_TEST;
#endif

static Suite *
messages_suite (void)
{
  Suite *s = suite_create ("messages");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_retry_warning_without_key, 0, N_ELEMENTS);
  tcase_add_loop_test (tc, test_request_id_without_key, 0, N_ELEMENTS);
  tcase_add_loop_test (tc, test_redirect_without_key, 0, N_ELEMENTS);
  tcase_add_loop_test (tc, test_invalid_text_repaired, 0, N_ELEMENTS);
#ifndef POLLEN_TEST_UNDER_ASAN
  tcase_add_test (tc, test_latin1_reason_gst_launch);
  tcase_add_test (tc, test_latin1_reason_python);
#endif
  return s;
}

GST_CHECK_MAIN (messages);
