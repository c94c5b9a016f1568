/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* A chain of elements on an account that never bought pollen: the server
 * runs one generation at a time and refuses the rest. The elements share
 * what they learn of that limit and queue instead of failing. */

#include "pollentest.h"

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

static guint
count_requests (PollenEmulator * emulator, const gchar * path)
{
  guint i, n = 0, total = pollen_emulator_get_request_count (emulator);

  for (i = 0; i < total; i++) {
    g_autoptr (PollenEmulatorRequest) request =
        pollen_emulator_wait_request (emulator, i, 0);

    n += g_str_equal (request->path, path);
  }
  return n;
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
  transcriptions = count_requests (emulator, "/v1/audio/transcriptions");
  speeches = count_requests (emulator, "/v1/audio/speech");
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

static Suite *
freeaccount_suite (void)
{
  Suite *s = suite_create ("freeaccount");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_chain_on_a_free_account);
  return s;
}

GST_CHECK_MAIN (freeaccount);
