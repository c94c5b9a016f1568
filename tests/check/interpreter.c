/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The live interpreter (pollenstt ! pollenchat output=sentence ! pollentts)
 * from a speech file made with espeak-ng to a WAV, against the emulator:
 * once as a pipeline in this process (the same description as
 * examples/interpreter/run.sh), and once by running that script as a user
 * does (not in sanitizer builds: gst-launch-1.0 cannot load an
 * instrumented plugin). The WAV must have speech, starting no earlier than
 * the first speech of the input.
 *
 * Skipped (77) when espeak-ng is not installed (tools/setup.sh installs
 * it). */

#include "pollentest.h"
#include "pollenwav.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

/* The emulator's transcriber finds sound in frames of 10 ms and -40 dBFS. */
#define FRAME (10 * GST_MSECOND)
#define SOUND_LEVEL 328
#define SYSTEM "Translate into French. Reply with the translation only."

/* a second of silence, then speech */
#define SPEECH_SSML "<speak>, <break time=\"1000ms\"/> Good morning " \
    "everybody. Thank you for coming to the meeting today.</speak>"

typedef struct
{
  GstClockTime duration;
  GstClockTime first_sound;     /* NONE: silence throughout */
} Sound;

/* Where the 16-bit mono or stereo WAV at @path first has sound. */
static Sound
wav_sound (const gchar * path)
{
  g_autofree gchar *data = NULL;
  gsize size, i, frames;
  PollenWavInfo info;
  const gint16 *samples;
  Sound sound = { 0, GST_CLOCK_TIME_NONE };

  fail_unless (g_file_get_contents (path, &data, &size, NULL), "no %s", path);
  fail_unless_equals_int (pollen_wav_parse_header ((const guint8 *) data,
          size, &info, NULL), POLLEN_WAV_OK);
  fail_unless_equals_int (info.bits, 16);
  samples = (const gint16 *) (data + info.data_offset);
  frames = (size - info.data_offset) / 2 / info.channels;
  sound.duration = gst_util_uint64_scale (frames, GST_SECOND, info.rate);
  for (i = 0; i < frames * info.channels; i++) {
    if (ABS (samples[i]) > SOUND_LEVEL) {
      sound.first_sound = gst_util_uint64_scale (i / info.channels,
          GST_SECOND, info.rate);
      break;
    }
  }
  return sound;
}

static void
speak_input (const gchar * path)
{
  const gchar *argv[] = { "espeak-ng", "-m", "-w", path, SPEECH_SSML, NULL };
  g_autoptr (GError) error = NULL;
  gint status;

  fail_unless (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH,
          NULL, NULL, NULL, NULL, &status, &error), "%s", error ?
      error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL));
}

/* The interpreted speech follows the input's timing. */
static void
assert_interpreted (const gchar * input, const gchar * output)
{
  Sound in = wav_sound (input);
  Sound out = wav_sound (output);

  GST_INFO ("input: sound from %" GST_TIME_FORMAT " of %" GST_TIME_FORMAT
      "; output: from %" GST_TIME_FORMAT " of %" GST_TIME_FORMAT,
      GST_TIME_ARGS (in.first_sound), GST_TIME_ARGS (in.duration),
      GST_TIME_ARGS (out.first_sound), GST_TIME_ARGS (out.duration));
  fail_unless (GST_CLOCK_TIME_IS_VALID (in.first_sound));
  fail_unless (in.first_sound >= 900 * GST_MSECOND);
  fail_unless (GST_CLOCK_TIME_IS_VALID (out.first_sound),
      "the interpretation is silent");
  /* no earlier than the input's first speech (to the transcriber's frame) */
  fail_unless (out.first_sound + FRAME >= in.first_sound,
      "speech at %" GST_TIME_FORMAT " before the input's at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (out.first_sound), GST_TIME_ARGS (in.first_sound));
  fail_unless (out.duration > out.first_sound + GST_SECOND);
}

static gchar *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  gchar *dir = g_dir_make_tmp ("pollen-interpreter-XXXXXX", &error);

  fail_unless (dir != NULL, "%s", error ? error->message : "");
  return dir;
}

static void
remove_dir (const gchar * dir, const gchar * const *names)
{
  guint i;

  for (i = 0; names[i]; i++) {
    g_autofree gchar *path = g_build_filename (dir, names[i], NULL);

    g_unlink (path);
  }
  g_rmdir (dir);
}

GST_START_TEST (test_interpreter_pipeline)
{
  const gchar *names[] = { "in.wav", "out.wav", NULL };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *dir = make_dir ();
  g_autofree gchar *in = g_build_filename (dir, names[0], NULL);
  g_autofree gchar *out = g_build_filename (dir, names[1], NULL);
  g_autofree gchar *common = g_strdup_printf ("base-url=%s api-key=%s",
      pollen_emulator_get_url (emulator), POLLEN_TEST_KEY);
  g_autofree gchar *description = NULL;
  g_autoptr (GError) error = NULL;
  GstElement *pipeline;
  GstMessage *message;

  speak_input (in);
  description = g_strdup_printf ("filesrc location=%s ! decodebin "
      "! audioconvert ! audioresample ! pollenstt language-code=en %s "
      "! pollenchat system=\"" SYSTEM "\" output=sentence %s "
      "! pollentts voice=nova %s ! audioconvert ! wavenc "
      "! filesink location=%s", in, common, common, common, out);
  pipeline = gst_parse_launch (description, &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  message = pollen_test_run (pipeline, 60 * GST_SECOND);
  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_EOS);
  gst_message_unref (message);
  gst_object_unref (pipeline);

  assert_interpreted (in, out);
  remove_dir (dir, names);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

#ifdef POLLEN_INTERPRETER_SCRIPT
/* examples/interpreter/run.sh as a user runs it: it speaks its own input
 * and starts the standalone emulator. */
GST_START_TEST (test_interpreter_script)
{
  const gchar *names[] = { "interpreter-input.wav", "interpreted.wav",
    NULL
  };
  const gchar *argv[] = { POLLEN_INTERPRETER_SCRIPT, NULL };
  g_autofree gchar *dir = make_dir ();
  g_autofree gchar *in = g_build_filename (dir, names[0], NULL);
  g_autofree gchar *out = g_build_filename (dir, names[1], NULL);
  g_autofree gchar *output = NULL;
  g_autofree gchar *errors = NULL;
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GError) error = NULL;
  gint status;

  env = g_environ_unsetenv (env, "POLLINATIONS_API_KEY");
  env = g_environ_unsetenv (env, "POLLINATIONS_BASE_URL");
  fail_unless (g_spawn_sync (dir, (gchar **) argv, env, G_SPAWN_DEFAULT,
          NULL, NULL, &output, &errors, &status, &error), "%s",
      error ? error->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s\n%s", output,
      errors);
  fail_unless (strstr (output, "bundled emulator") != NULL, "%s", output);
  assert_interpreted (in, out);
  remove_dir (dir, names);
}

GST_END_TEST;
#endif

static Suite *
interpreter_suite (void)
{
  Suite *s = suite_create ("interpreter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_interpreter_pipeline);
#ifdef POLLEN_INTERPRETER_SCRIPT
  tcase_add_test (tc, test_interpreter_script);
#endif
  return s;
}

int
main (int argc, char **argv)
{
  g_autofree gchar *espeak = g_find_program_in_path ("espeak-ng");

  if (!espeak) {
    g_print ("SKIP: espeak-ng is not installed (tools/setup.sh installs "
        "it)\n");
    return 77;
  }
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (interpreter_suite (), "interpreter",
      __FILE__);
}
