/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The limits of today's server, met for real rather than scripted: an
 * account that never bought pollen runs one generation at a time, a
 * publishable key is rate limited, and so is an IP. */

#include "pollentest.h"
#include "pollenclient.h"

#include <string.h>

/* Ten seconds of half-second beeps, one a second: ten "sentences". */
#define BEEPS "audiotestsrc wave=ticks tick-interval=1000000000 freq=440 " \
  "sine-periods-per-tick=220 samplesperbuffer=1600 num-buffers=100 " \
  "! audio/x-raw,format=S16LE,rate=16000,channels=1 "

static GstElement *
chain_new (PollenEmulator * emulator)
{
  g_autofree gchar *description = g_strdup_printf (BEEPS
      "! pollenstt name=stt max-in-flight=4 chunk-duration=2000 "
      "base-url=%s api-key=" POLLEN_TEST_KEY " retries=0 "
      "! pollentts name=tts max-in-flight=3 "
      "base-url=%s api-key=" POLLEN_TEST_KEY " retries=0 "
      "! fakesink", pollen_emulator_get_url (emulator),
      pollen_emulator_get_url (emulator));
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  return pipeline;
}

GST_START_TEST (test_chain_on_a_free_account)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GstElement *pipeline = chain_new (emulator);
  g_autoptr (GstMessage) end = NULL;
  guint transcriptions, speeches, refused;

  pollen_emulator_set_free_account (emulator, TRUE);
  pollen_emulator_set_generation_time (emulator, 100);
  end = pollen_test_run (pipeline, 120 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (end), GST_MESSAGE_EOS);

  refused = pollen_emulator_get_refusal_count (emulator);
  transcriptions = pollen_test_count_requests (emulator, "/v1/audio/transcriptions");
  speeches = pollen_test_count_requests (emulator, "/v1/audio/speech");
  GST_INFO ("%u transcriptions, %u speeches, %u refused", transcriptions,
      speeches, refused);
  fail_unless (transcriptions - refused >= 5, "%u transcriptions",
      transcriptions);
  fail_unless (speeches >= 5, "%u speeches", speeches);
  /* the first burst teaches the limit; after that only the slow probes
   * for a higher one are refused */
  fail_unless (refused <= 3 + (transcriptions + speeches) / 8,
      "%u of %u requests refused", refused, transcriptions + speeches);
  gst_object_unref (pipeline);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static GError *
fetch_picture (PollenClient * client)
{
  g_autoptr (PollenRequest) request = pollen_request_new ("GET", "/image");
  g_autoptr (PollenResponse) response = NULL;
  GError *error = NULL;

  pollen_request_append_path_segment (request, "cat");
  pollen_request_add_query (request, "width", "16");
  pollen_request_add_query (request, "height", "16");
  response = pollen_client_fetch (client, request, NULL, &error);
  fail_unless ((response != NULL) == (error == NULL));
  return error;
}

/* A publishable key: the second request at once is refused with
 * retryAfterSeconds, and the client's retry waits that long. */
GST_START_TEST (test_publishable_key_rate_limit)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), "pk_browser_key", 1, 0);
  g_autoptr (GError) earlier = NULL;
  g_autoptr (GError) later = NULL;
  gint64 start;

  earlier = fetch_picture (client);
  fail_unless (earlier == NULL, "%s", earlier->message);
  start = g_get_monotonic_time ();
  later = fetch_picture (client);
  fail_unless (later == NULL, "%s", later->message);
  fail_unless (g_get_monotonic_time () - start >= 1000 * 1000);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 3);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

typedef struct
{
  guint calls;
  guint attempt;
  gchar *message;
} Waits;

static void
count_wait (const GError * error, guint attempt, guint attempts,
    guint delay_ms, const gchar * note, gpointer user_data)
{
  Waits *waits = user_data;

  waits->calls++;
  waits->attempt = attempt;
  g_free (waits->message);
  waits->message = g_strdup (error->message);
}

/* The model's per-user limit: each refusal waits its Retry-After and does
 * not spend a retry, so with none every picture still comes; each wait is
 * told, naming the limit. One picture per 3 s: the second, asked at once,
 * is refused however fast the machine is. */
GST_START_TEST (test_model_rate_limit_ridden_out)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 10);
  Waits waits = { 0, };
  gint64 start = g_get_monotonic_time ();
  guint i;

  pollen_client_set_retry_func (client, count_wait, &waits, NULL);
  pollen_emulator_set_model_rate_limit (emulator, NULL, 1, 3000);
  for (i = 0; i < 3; i++) {
    g_autoptr (GError) error = fetch_picture (client);

    fail_unless (error == NULL, "%s", error->message);
  }
  /* the refusals were waited out: three pictures take two windows */
  fail_unless (g_get_monotonic_time () - start >= 6 * G_TIME_SPAN_SECOND);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator),
      3 + waits.calls);
  fail_unless (waits.calls >= 1, "%u waits", waits.calls);
  fail_unless_equals_int (waits.attempt, 1);
  fail_unless (strstr (waits.message, "429 Too Many Requests: Per-user limit "
          "of 1 RPM exceeded for model tongyi-mai/z-image-turbo"), "%s",
      waits.message);
  g_free (waits.message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The per-IP limit has no Retry-After: without retries it is an error that
 * says so. */
GST_START_TEST (test_per_ip_rate_limit)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 0);
  g_autoptr (GError) error = NULL;
  guint i;

  pollen_emulator_set_rate_limit (emulator, 3, 10000);
  for (i = 0; i < 3; i++) {
    g_autoptr (GError) ok = fetch_picture (client);

    fail_unless (ok == NULL, "%s", ok->message);
  }
  error = fetch_picture (client);
  fail_unless (error != NULL);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 429);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "RATE_LIMITED");
  fail_unless (strstr (error->message, "Too many requests from this IP"),
      "%s", error->message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
accountlimits_suite (void)
{
  Suite *s = suite_create ("accountlimits");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_chain_on_a_free_account);
  tcase_add_test (tc, test_publishable_key_rate_limit);
  tcase_add_test (tc, test_per_ip_rate_limit);
  tcase_add_test (tc, test_model_rate_limit_ridden_out);
  return s;
}

GST_CHECK_MAIN (accountlimits);
