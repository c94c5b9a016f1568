/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenvoice against the emulator: the multipart form and WAV on the
 * wire, where pieces are cut (in pauses, never shorter than 4.6 s, padded
 * at the end), silence that makes no request, the voice back in place
 * (onsets where the input's were, the input's rate and channels, MP3's
 * encoder delay taken off), order with several requests in flight,
 * latency, and the failures. The input is tone bursts (440 Hz, -12 dBFS)
 * with silence or quiet noise (-50 dBFS) between them; the emulator's
 * isolator silences every 10 ms below -40 dBFS, its changer puts a tone of
 * the voice's pitch over each word. */

#include "pollentest.h"
#include "emuserver.h"
#include "emumedia.h"
#include "pollenclient.h"
#include "pollenwav.h"

#include <gst/audio/audio.h>
#include <gst/check/gstharness.h>
#include <math.h>
#include <string.h>

#define RATE 16000
#define CAPS_16K "audio/x-raw, format=S16LE, layout=interleaved, " \
    "channels=1, rate=16000"
#define CAPS_48K_STEREO "audio/x-raw, format=S16LE, layout=interleaved, " \
    "channels=2, rate=48000, channel-mask=(bitmask)0x3"
#define ISOLATOR "/v1/audio/voice-isolator"
#define CHANGER "/v1/audio/voice-changer"
#define WAIT_MS POLLEN_TEST_MS (10000)
#define MIN_FRAMES(rate) ((rate) * 46 / 10)     /* 4.6 s */
#define WINDOW_MS 10
#define LOUD_RMS 2000.0         /* a tone at -12 dBFS has 5820 */
#define QUIET_RMS 40.0          /* -58 dBFS */

/* ---- input ---- */

typedef enum
{
  SILENCE,
  NOISE,                        /* -50 dBFS */
  TONE,                         /* 440 Hz, -12 dBFS */
} Kind;

typedef struct
{
  guint ms;
  Kind kind;
} Part;

/* @parts as S16LE at @rate, the same in each of @channels. */
static GBytes *
audio_new (guint rate, guint channels, const Part * parts, guint n_parts)
{
  GByteArray *pcm = g_byte_array_new ();
  guint32 lcg = 12345;
  guint64 t = 0;
  guint i, j, c;

  for (i = 0; i < n_parts; i++) {
    guint n = (guint64) rate * parts[i].ms / 1000;

    for (j = 0; j < n; j++, t++) {
      gint16 s = 0;

      lcg = lcg * 1664525 + 1013904223;
      if (parts[i].kind == TONE)
        s = (gint16) (8231.0 * sin (2 * G_PI * 440.0 * t / rate));
      else if (parts[i].kind == NOISE)
        s = (gint16) ((gint32) (lcg >> 16) % 171);
      s = GINT16_TO_LE (s);
      for (c = 0; c < channels; c++)
        g_byte_array_append (pcm, (const guint8 *) &s, sizeof (s));
    }
  }
  return g_byte_array_free_to_bytes (pcm);
}

/* Pushes @audio in 100 ms buffers timed from @start; returns where it
 * ends. */
static GstClockTime
push_audio (GstHarness * h, GBytes * audio, guint rate, guint channels,
    GstClockTime start)
{
  gsize size, offset = 0, bpf = 2 * channels, step = rate / 10 * bpf;
  const guint8 *data = g_bytes_get_data (audio, &size);
  guint64 done = 0;

  while (offset < size) {
    gsize n = MIN (step, size - offset);
    GstBuffer *buffer = gst_buffer_new_memdup (data + offset, n);

    GST_BUFFER_PTS (buffer) = start + gst_util_uint64_scale (done,
        GST_SECOND, rate);
    done += n / bpf;
    GST_BUFFER_DURATION (buffer) = start + gst_util_uint64_scale (done,
        GST_SECOND, rate) - GST_BUFFER_PTS (buffer);
    fail_unless_equals_int (gst_harness_push (h, buffer), GST_FLOW_OK);
    offset += n;
  }
  return start + gst_util_uint64_scale (done, GST_SECOND, rate);
}

static GstClockTime
push_parts (GstHarness * h, GstClockTime start, const Part * parts,
    guint n_parts)
{
  g_autoptr (GBytes) audio = audio_new (RATE, 1, parts, n_parts);

  return push_audio (h, audio, RATE, 1, start);
}

/* ---- the element ---- */

typedef struct
{
  PollenTestHarness t;
  PollenEmulator *emulator;     /* t's, for short */
  GstHarness *h;
  guint gaps;                   /* GAP events that came out */
} Fixture;

static Fixture
fixture_new (const gchar * caps, const gchar * first_property, ...)
{
  Fixture f;
  va_list args;

  va_start (args, first_property);
  f.t = pollen_test_harness_new_valist ("pollenvoice", caps,
      FALSE, first_property, args);
  va_end (args);
  f.emulator = f.t.emulator;
  f.h = f.t.h;
  f.gaps = 0;
  return f;
}

static void
fixture_free (Fixture * f)
{
  pollen_test_harness_free (&f->t);
}

/* Sends EOS and waits until it came out: every piece is out by then. */
static void
finish (Fixture * f)
{
  GstEvent *event;

  fail_unless (gst_harness_push_event (f->h, gst_event_new_eos ()));
  while ((event = gst_harness_pull_event (f->h))) {
    GstEventType type = GST_EVENT_TYPE (event);

    f->gaps += type == GST_EVENT_GAP;
    gst_event_unref (event);
    if (type == GST_EVENT_EOS)
      return;
  }
  fail ("no EOS came out");
}

/* What came out: the audio, checked to be one timeline without holes or
 * overlaps from @start, with the frames that were flagged GAP. */
typedef struct
{
  GByteArray *pcm;
  GArray *gap;                  /* gboolean per frame */
  guint channels;
} Output;

static void
output_clear (Output * out)
{
  g_byte_array_unref (out->pcm);
  g_array_unref (out->gap);
}

static void
output_add (Output * out, GstBuffer * buffer, guint rate,
    GstClockTime * next)
{
  gboolean gap = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP);
  gsize frames = gst_buffer_get_size (buffer) / (2 * out->channels);
  GstMapInfo map;
  gsize i;

  fail_unless (GST_CLOCK_TIME_IS_VALID (GST_BUFFER_PTS (buffer)));
  /* each buffer starts where the one before ended, to the frame */
  fail_unless (GST_CLOCK_DIFF (*next, GST_BUFFER_PTS (buffer)) <=
      (GstClockTimeDiff) GST_SECOND / rate &&
      GST_CLOCK_DIFF (GST_BUFFER_PTS (buffer), *next) <=
      (GstClockTimeDiff) GST_SECOND / rate, "buffer at %" GST_TIME_FORMAT
      ", the output was at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (GST_BUFFER_PTS (buffer)), GST_TIME_ARGS (*next));
  *next = GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_byte_array_append (out->pcm, map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  for (i = 0; i < frames; i++)
    g_array_append_val (out->gap, gap);
}

static Output
pull_output (Fixture * f, guint rate, guint channels, GstClockTime start)
{
  Output out = { g_byte_array_new (), g_array_new (FALSE, FALSE,
        sizeof (gboolean)), channels
  };
  GstClockTime next = start;
  GstBuffer *buffer;

  while ((buffer = gst_harness_try_pull (f->h))) {
    output_add (&out, buffer, rate, &next);
    gst_buffer_unref (buffer);
  }
  return out;
}

static gsize
output_frames (const Output * out)
{
  return out->pcm->len / (2 * out->channels);
}

/* RMS of channel @c over [@from, @to) frames. */
static gdouble
output_rms (const Output * out, guint c, gsize from, gsize to)
{
  const gint16 *s = (const gint16 *) out->pcm->data;
  gdouble energy = 0;
  gsize i;

  to = MIN (to, output_frames (out));
  for (i = from; i < to; i++) {
    gdouble v = GINT16_FROM_LE (s[i * out->channels + c]);

    energy += v * v;
  }
  return to > from ? sqrt (energy / (to - from)) : 0;
}

/* Where sound starts and stops in channel @c: the first frame of each run
 * of loud 10 ms windows, and the end of it, alternately. */
static GArray *
output_edges (const Output * out, guint c, guint rate)
{
  GArray *edges = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize window = rate * WINDOW_MS / 1000, f;
  gboolean loud = FALSE;

  for (f = 0; f + window <= output_frames (out); f += window) {
    gboolean now = output_rms (out, c, f, f + window) > LOUD_RMS;

    if (now != loud)
      g_array_append_val (edges, f);
    loud = now;
  }
  return edges;
}

/* The tone's frequency over [@from, @to): zero crossings counted. */
static gdouble
output_frequency (const Output * out, guint c, guint rate, gsize from,
    gsize to)
{
  const gint16 *s = (const gint16 *) out->pcm->data;
  guint crossings = 0;
  gsize i;

  for (i = from + 1; i < to; i++)
    crossings += (GINT16_FROM_LE (s[(i - 1) * out->channels + c]) < 0) !=
        (GINT16_FROM_LE (s[i * out->channels + c]) < 0);
  return crossings / 2.0 * rate / (to - from);
}

static void
assert_edges (GArray * edges, const gdouble * seconds, guint n, guint rate,
    gdouble tolerance)
{
  guint i;

  fail_unless_equals_int (edges->len, n);
  for (i = 0; i < n; i++) {
    gdouble at = (gdouble) g_array_index (edges, gsize, i) / rate;

    fail_unless (fabs (at - seconds[i]) <= tolerance, "edge %u at %.3f s, "
        "the input's at %.3f s", i, at, seconds[i]);
  }
}

/* ---- what reached the server ---- */

static EmuForm *
upload_form (PollenEmulator * emulator, guint index, const gchar * path)
{
  g_autoptr (PollenEmulatorRequest) request =
      pollen_emulator_wait_request (emulator, index, WAIT_MS);
  g_autoptr (GError) error = NULL;
  EmuForm *form;

  fail_unless (request != NULL, "request %u never came", index);
  fail_unless_equals_string (request->method, "POST");
  fail_unless_equals_string (request->path, path);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  form = emu_form_parse (request, &error);
  fail_unless (form != NULL, "request %u: %s", index, error ?
      error->message : "");
  return form;
}

/* Checks the upload's WAV header and returns its samples (as bytes: in a
 * multipart body they need not be aligned). */
static const guint8 *
upload_samples (EmuForm * form, guint rate, guint channels, gsize * frames)
{
  PollenWavInfo info;
  gsize size;
  const guint8 *data = g_bytes_get_data (form->file, &size);

  fail_unless_equals_string (form->file_field, "audio");
  fail_unless_equals_string (form->file_type, "audio/wav");
  fail_unless (g_str_has_suffix (form->file_name, ".wav"));
  fail_unless_equals_int (pollen_wav_parse_header (data, size, &info, NULL),
      POLLEN_WAV_OK);
  fail_unless_equals_int (info.rate, rate);
  fail_unless_equals_int (info.channels, channels);
  fail_unless_equals_int (info.bits, 16);
  fail_unless_equals_int (info.format, POLLEN_WAV_FORMAT_PCM);
  fail_unless_equals_uint64 (info.data_offset + info.data_size, size);
  *frames = info.data_size / (2 * channels);
  return data + info.data_offset;
}

static gsize
upload_frames (PollenEmulator * emulator, guint index)
{
  g_autoptr (EmuForm) form = upload_form (emulator, index, ISOLATOR);
  gsize frames;

  upload_samples (form, RATE, 1, &frames);
  return frames;
}

/* Whether @n samples (bytes from @samples on) are all zero. */
static gboolean
is_silent (const guint8 * samples, gsize n)
{
  gsize i;

  for (i = 0; i < n * 2; i++)
    if (samples[i] != 0)
      return FALSE;
  return TRUE;
}

/* ---- the request ---- */

GST_START_TEST (test_isolate_on_the_wire)
{
  Fixture f = fixture_new (CAPS_16K, NULL);
  Part parts[] = { {5000, TONE} };
  g_autoptr (GBytes) audio = audio_new (RATE, 1, parts, 1);
  g_autoptr (EmuForm) form = NULL;
  const guint8 *samples;
  gsize frames, size;

  push_audio (f.h, audio, RATE, 1, 0);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 1);
  form = upload_form (f.emulator, 0, ISOLATOR);
  fail_unless_equals_string (emu_form_get (form, "model"),
      "eleven-voice-isolator");
  /* what only the changer takes is not sent */
  fail_unless (emu_form_get (form, "voice") == NULL);
  fail_unless (emu_form_get (form, "response_format") == NULL);
  /* the piece, sample for sample */
  samples = upload_samples (form, RATE, 1, &frames);
  fail_unless_equals_uint64 (frames, 5 * RATE);
  g_bytes_get_data (audio, &size);
  fail_unless (memcmp (samples, g_bytes_get_data (audio, NULL), size) == 0);
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_convert_on_the_wire)
{
  Fixture f = fixture_new (CAPS_48K_STEREO, "mode", 1, "voice", "adam",
      "model", "voice-changer", NULL);
  Part parts[] = { {5000, TONE} };
  g_autoptr (GBytes) audio = audio_new (48000, 2, parts, 1);
  g_autoptr (EmuForm) form = NULL;
  const guint8 *samples;
  gsize frames, size;

  push_audio (f.h, audio, 48000, 2, 0);
  finish (&f);

  form = upload_form (f.emulator, 0, CHANGER);
  fail_unless_equals_string (emu_form_get (form, "model"), "voice-changer");
  fail_unless_equals_string (emu_form_get (form, "voice"), "adam");
  /* lossless, no encoder delay */
  fail_unless_equals_string (emu_form_get (form, "response_format"), "wav");
  /* the input's rate and channels */
  samples = upload_samples (form, 48000, 2, &frames);
  fail_unless_equals_uint64 (frames, 5 * 48000);
  g_bytes_get_data (audio, &size);
  fail_unless (memcmp (samples, g_bytes_get_data (audio, NULL), size) == 0);
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_extra_params_on_the_wire)
{
  g_autoptr (GstStructure) extra =
      gst_structure_from_string ("params, model=(string)audio-cleanup, "
      "file_format=(string)other", NULL);
  Fixture f = fixture_new (CAPS_16K, "extra-params", extra, NULL);
  Part parts[] = { {5000, TONE} };
  g_autoptr (EmuForm) form = NULL;

  push_parts (f.h, 0, parts, 1);
  finish (&f);

  form = upload_form (f.emulator, 0, ISOLATOR);
  fail_unless_equals_string (emu_form_get (form, "model"), "audio-cleanup");
  fail_unless_equals_string (emu_form_get (form, "file_format"), "other");
  fixture_free (&f);
}

GST_END_TEST;

/* ---- where pieces are cut ---- */

/* 3 s bursts with 500 ms pauses: the pause at 3 s is before the
 * minimum, so the first piece ends in the one at 6.5 s (at 6.65 s, half of
 * min-silence after the speech); the silence up to min-silence before the
 * next burst goes without a request, and the last piece, 3.3 s from
 * 6.7 s, ends with the stream and is padded to 4.6 s for the upload. */
GST_START_TEST (test_cut_in_first_pause_after_minimum)
{
  Fixture f = fixture_new (CAPS_16K, "max-in-flight", 1, NULL);
  Part parts[] = { {3000, TONE}, {500, SILENCE}, {3000, TONE},
  {500, SILENCE}, {3000, TONE}
  };
  g_autoptr (GBytes) audio = audio_new (RATE, 1, parts, G_N_ELEMENTS (parts));
  const guint8 *input = g_bytes_get_data (audio, NULL);
  g_autoptr (EmuForm) form1 = NULL;
  g_autoptr (EmuForm) form2 = NULL;
  Output out;
  const guint8 *samples;
  gsize frames;

  push_audio (f.h, audio, RATE, 1, 0);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 2);
  form1 = upload_form (f.emulator, 0, ISOLATOR);
  samples = upload_samples (form1, RATE, 1, &frames);
  fail_unless_equals_uint64 (frames, 106400);
  fail_unless (is_silent (samples + (frames - RATE / 10) * 2, RATE / 10),
      "the piece does not end in a pause");
  form2 = upload_form (f.emulator, 1, ISOLATOR);
  samples = upload_samples (form2, RATE, 1, &frames);
  fail_unless_equals_uint64 (frames, MIN_FRAMES (RATE));
  fail_unless (memcmp (samples, input + 107200 * 2, 52800 * 2) == 0);
  fail_unless (is_silent (samples + 52800 * 2, frames - 52800));

  /* the output is as long as the input: the padding is not played */
  out = pull_output (&f, RATE, 1, 0);
  fail_unless_equals_uint64 (output_frames (&out), 160000);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* Speech without a pause is cut at chunk-duration. */
GST_START_TEST (test_cut_at_chunk_duration_without_pause)
{
  Fixture f = fixture_new (CAPS_16K, "chunk-duration", 5000,
      "max-in-flight", 1, NULL);
  Part parts[] = { {12000, TONE} };

  push_parts (f.h, 0, parts, 1);
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 3);
  fail_unless_equals_uint64 (upload_frames (f.emulator, 0), 5 * RATE);
  fail_unless_equals_uint64 (upload_frames (f.emulator, 1), 5 * RATE);
  fail_unless_equals_uint64 (upload_frames (f.emulator, 2),
      MIN_FRAMES (RATE));
  fixture_free (&f);
}

GST_END_TEST;

/* Stretches without speech make no request: they come out as silence
 * flagged GAP, as long as they were. */
GST_START_TEST (test_silence_makes_no_request)
{
  Fixture f = fixture_new (CAPS_16K, NULL);
  Part parts[] = { {2000, SILENCE}, {5000, TONE}, {10000, SILENCE},
  {5000, TONE}
  };
  Output out;
  gsize i;

  push_parts (f.h, 0, parts, G_N_ELEMENTS (parts));
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 2);
  /* each upload holds its speech and little else */
  for (i = 0; i < 2; i++) {
    gsize frames = upload_frames (f.emulator, i);

    fail_unless (frames >= 5 * RATE && frames <= 5.7 * RATE, "piece %"
        G_GSIZE_FORMAT ": %" G_GSIZE_FORMAT " frames", i, frames);
  }
  out = pull_output (&f, RATE, 1, 0);
  fail_unless_equals_uint64 (output_frames (&out), 22 * RATE);
  for (i = 0; i < (gsize) 1.5 * RATE; i++)
    fail_unless (g_array_index (out.gap, gboolean, i), "frame %" G_GSIZE_FORMAT
        " not GAP", i);
  for (i = 7.5 * RATE; i < 16.5 * RATE; i++)
    fail_unless (g_array_index (out.gap, gboolean, i), "frame %" G_GSIZE_FORMAT
        " not GAP", i);
  fail_unless (output_rms (&out, 0, 0, 1.5 * RATE) == 0);
  fail_unless (output_rms (&out, 0, 7.5 * RATE, 16.5 * RATE) == 0);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* A min-silence longer than chunk-duration: long silence still goes as
 * silence without a request, as long as it was, with a lead-in of 300 ms
 * kept before the speech, which is sent in one piece. */
GST_START_TEST (test_min_silence_over_chunk_duration)
{
  Fixture f = fixture_new (CAPS_16K, "chunk-duration", 5000, "min-silence",
      6000, NULL);
  Part parts[] = { {12000, SILENCE}, {4000, TONE} };
  Output out;

  push_parts (f.h, 0, parts, G_N_ELEMENTS (parts));
  finish (&f);

  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 1);
  out = pull_output (&f, RATE, 1, 0);
  fail_unless_equals_uint64 (output_frames (&out), 16 * RATE);
  /* no request for it: silence to the sample, then the lead-in */
  fail_unless (output_rms (&out, 0, 0, 11.7 * RATE) == 0);
  fail_unless (g_array_index (out.gap, gboolean, (gsize) (11.6 * RATE)));
  fail_unless (output_rms (&out, 0, 11.7 * RATE, 11.95 * RATE) < QUIET_RMS);
  fail_unless (output_rms (&out, 0, 12 * RATE, 16 * RATE) > LOUD_RMS);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* A stream shorter than the server's minimum: the upload is padded to
 * 4.6 s, the output is as long as the input. */
GST_START_TEST (test_short_stream_padded)
{
  Fixture f = fixture_new (CAPS_16K, NULL);
  Part parts[] = { {2000, TONE} };
  g_autoptr (EmuForm) form = NULL;
  Output out;
  const guint8 *samples;
  gsize frames;

  push_parts (f.h, 0, parts, 1);
  finish (&f);

  form = upload_form (f.emulator, 0, ISOLATOR);
  samples = upload_samples (form, RATE, 1, &frames);
  fail_unless_equals_uint64 (frames, MIN_FRAMES (RATE));
  fail_unless (!is_silent (samples, 2 * RATE));
  fail_unless (is_silent (samples + 2 * RATE * 2, frames - 2 * RATE));
  out = pull_output (&f, RATE, 1, 0);
  fail_unless_equals_uint64 (output_frames (&out), 2 * RATE);
  fail_unless (output_rms (&out, 0, 0, 2 * RATE) > LOUD_RMS);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* ---- the voice back in place ---- */

/* Noise between the words: the isolated speech comes out at the input's
 * times (MP3's encoder delay taken off), the noise is gone, and the caps
 * are the input's. */
GST_START_TEST (test_isolated_voice_in_place)
{
  Fixture f = fixture_new (CAPS_16K, NULL);
  Part parts[] = { {1000, NOISE}, {2000, TONE}, {500, NOISE}, {2500, TONE},
  {1000, NOISE}, {1500, TONE}, {500, NOISE}
  };
  const gdouble edges[] = { 1.0, 3.0, 3.5, 6.0, 7.0, 8.5 };
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) expected = gst_caps_from_string (CAPS_16K);
  g_autoptr (GArray) found = NULL;
  Output out;

  push_parts (f.h, 10 * GST_SECOND, parts, G_N_ELEMENTS (parts));
  finish (&f);

  caps = gst_pad_get_current_caps (f.h->sinkpad);
  fail_unless (caps != NULL && gst_caps_is_equal (caps, expected),
      "caps %" GST_PTR_FORMAT, caps);
  out = pull_output (&f, RATE, 1, 10 * GST_SECOND);
  fail_unless_equals_uint64 (output_frames (&out), 9 * RATE);
  found = output_edges (&out, 0, RATE);
  assert_edges (found, edges, G_N_ELEMENTS (edges), RATE, 0.015);
  /* the noise in the pauses is gone */
  fail_unless (output_rms (&out, 0, 0, 0.95 * RATE) < QUIET_RMS);
  fail_unless (output_rms (&out, 0, 3.05 * RATE, 3.45 * RATE) < QUIET_RMS);
  fail_unless (output_rms (&out, 0, 6.05 * RATE, 6.95 * RATE) < QUIET_RMS);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* 48 kHz stereo in, the changed voice out at 48 kHz in both channels
 * (the server answers 44.1 kHz mono), each word where it was, at the
 * voice's pitch rather than the input's 440 Hz. */
GST_START_TEST (test_changed_voice_keeps_rate_and_channels)
{
  Fixture f = fixture_new (CAPS_48K_STEREO, "mode", 1, "voice", "adam",
      NULL);
  Part parts[] = { {500, SILENCE}, {1000, TONE}, {400, SILENCE},
  {1200, TONE}, {400, SILENCE}, {2000, TONE}, {600, SILENCE}
  };
  const gdouble edges[] = { 0.5, 1.5, 1.9, 3.1, 3.5, 5.5 };
  g_autoptr (GBytes) audio = audio_new (48000, 2, parts,
      G_N_ELEMENTS (parts));
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstCaps) expected = gst_caps_from_string (CAPS_48K_STEREO);
  Output out;
  guint c;

  push_audio (f.h, audio, 48000, 2, 0);
  finish (&f);

  caps = gst_pad_get_current_caps (f.h->sinkpad);
  fail_unless (caps != NULL && gst_caps_is_equal (caps, expected),
      "caps %" GST_PTR_FORMAT, caps);
  out = pull_output (&f, 48000, 2, 0);
  fail_unless_equals_uint64 (output_frames (&out), 6.1 * 48000);
  for (c = 0; c < 2; c++) {
    g_autoptr (GArray) found = output_edges (&out, c, 48000);
    gdouble pitch = output_frequency (&out, c, 48000, 3.7 * 48000,
        5.3 * 48000);

    assert_edges (found, edges, G_N_ELEMENTS (edges), 48000, 0.03);
    fail_unless (pitch >= 100 && pitch < 400, "channel %u at %.0f Hz", c,
        pitch);
  }
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* ---- order and concurrency ---- */

/* An answer of @seconds of a 1000 Hz tone, as MP3 at 44.1 kHz. */
static PollenEmulatorResponse *
tone_answer (gdouble seconds, guint delay_ms)
{
  gsize total = seconds * 44100;
  EmuMediaSpan span = { 0, total };
  g_autoptr (GBytes) pcm = emu_media_tones_pcm (&span, 1, 1000, total,
      44100);
  g_autoptr (GError) error = NULL;
  const gchar *type = NULL;
  g_autoptr (GBytes) mp3 = emu_media_encode_audio (pcm, 44100, "mp3", &type,
      &error);
  PollenEmulatorResponse *response;

  fail_unless (mp3 != NULL, "%s", error ? error->message : "");
  response = pollen_emulator_response_new (200, type,
      g_bytes_get_data (mp3, NULL), g_bytes_get_size (mp3));
  response->delay_ms = delay_ms;
  return response;
}

/* An isolated voice after an ID3 tag (MP3 as ffmpeg writes it) is
 * decoded like an untagged one: in place, its encoder delay taken off. */
GST_START_TEST (test_answer_after_id3_tag)
{
  Fixture f = fixture_new (CAPS_16K, NULL);
  Part piece[] = { {5000, TONE}, {1000, SILENCE} };
  PollenEmulatorResponse *response = tone_answer (5.15, 0);
  GBytes *tagged = pollen_test_id3_tagged (response->body);
  const gdouble edges[] = { 0.0, 5.15 };
  g_autoptr (GArray) found = NULL;
  Output out;

  g_bytes_unref (response->body);
  response->body = tagged;
  pollen_emulator_push (f.emulator, ISOLATOR, response);
  push_parts (f.h, 0, piece, G_N_ELEMENTS (piece));
  finish (&f);

  fail_if (gst_bus_pop_filtered (f.t.bus, GST_MESSAGE_WARNING |
          GST_MESSAGE_ERROR));
  out = pull_output (&f, RATE, 1, 0);
  fail_unless_equals_uint64 (output_frames (&out), 6 * RATE);
  fail_unless (fabs (output_frequency (&out, 0, RATE, 0, 4 * RATE) -
          1000) < 20);
  found = output_edges (&out, 0, RATE);
  assert_edges (found, edges, G_N_ELEMENTS (edges), RATE, 0.015);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* The first piece's answer comes a second late: the second piece is
 * sent meanwhile, and the output is still in input order. */
GST_START_TEST (test_later_piece_finishing_first)
{
  Fixture f = fixture_new (CAPS_16K, "max-in-flight", 2, NULL);
  Part piece1[] = { {5000, TONE}, {1000, SILENCE} };
  Part piece2[] = { {5000, TONE} };
  g_autoptr (PollenEmulatorRequest) request = NULL;
  Output out;
  GstClockTime end;

  /* the first piece is 5.15 s: it ends 150 ms into the pause */
  pollen_emulator_push (f.emulator, ISOLATOR, tone_answer (5.15, 1000));
  end = push_parts (f.h, 0, piece1, G_N_ELEMENTS (piece1));
  request = pollen_emulator_wait_request (f.emulator, 0, WAIT_MS);
  fail_unless (request != NULL);
  push_parts (f.h, end, piece2, 1);
  finish (&f);

  out = pull_output (&f, RATE, 1, 0);
  fail_unless_equals_uint64 (output_frames (&out), 11 * RATE);
  /* the delayed answer first, where its piece was; the input's 440 Hz
   * after the pause */
  fail_unless (fabs (output_frequency (&out, 0, RATE, RATE, 4 * RATE) -
          1000) < 20);
  fail_unless (output_rms (&out, 0, 5.2 * RATE, 5.95 * RATE) < QUIET_RMS);
  fail_unless (fabs (output_frequency (&out, 0, RATE, 7 * RATE, 10 * RATE) -
          440) < 20);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* Two requests in flight at once: the second reached the server before
 * the first was answered. */
GST_START_TEST (test_two_in_flight)
{
  Fixture f = fixture_new (CAPS_16K, "max-in-flight", 2, "chunk-duration",
      5000, NULL);
  Part parts[] = { {12000, TONE} };
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (PollenEmulatorRequest) request = NULL;

  hang->hang = TRUE;
  pollen_emulator_push (f.emulator, ISOLATOR, hang);
  push_parts (f.h, 0, parts, G_N_ELEMENTS (parts));
  request = pollen_emulator_wait_request (f.emulator, 1, WAIT_MS);
  fail_unless (request != NULL, "the second piece waited for the first");
  fail_unless_equals_int (gst_harness_buffers_received (f.h), 0);
  fixture_free (&f);
}

GST_END_TEST;

/* ---- latency ---- */

GST_START_TEST (test_latency)
{
  Fixture f = fixture_new (CAPS_16K, "chunk-duration", 6000, "latency",
      3000, NULL);

  /* before any data, in PAUSED: own latency only (chunk-duration is the
   * subclass's share, 10 s by default) */
  pollen_test_assert_latency_before_data ("pollenvoice", 2000,
      12 * GST_SECOND);
  fail_unless_equals_uint64 (pollen_test_query_live_latency (&f.t,
          20 * GST_MSECOND), 20 * GST_MSECOND + 9 * GST_SECOND);
  fixture_free (&f);
}

GST_END_TEST;

/* Live, a server slower than latency: GAP events keep downstream going
 * while the request runs, and the piece goes out after them, later than
 * its time, with the warning that says to raise latency. */
typedef struct
{
  GMutex lock;
  GstClockTime first_voice;     /* PTS of the first buffer not GAP */
  GstClockTime gap_end;         /* end of the GAP events before it */
} Arrivals;

static GstPadProbeReturn
note_arrival (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Arrivals *a = user_data;
  GstClockTime ts, duration;

  g_mutex_lock (&a->lock);
  if (GST_CLOCK_TIME_IS_VALID (a->first_voice)) {
    /* after the first voice: nothing more to note */
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

    if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP))
      a->first_voice = GST_BUFFER_PTS (buffer);
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_GAP) {
    gst_event_parse_gap (GST_PAD_PROBE_INFO_EVENT (info), &ts, &duration);
    a->gap_end = ts + duration;
  }
  g_mutex_unlock (&a->lock);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_live_late_piece_shifted)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autofree gchar *description = g_strdup_printf ("audiotestsrc "
      "is-live=true samplesperbuffer=1600 ! " CAPS_16K " ! pollenvoice "
      "name=voice chunk-duration=4600 latency=100 retries=0 api-key="
      POLLEN_TEST_KEY " base-url=%s ! fakesink sync=false",
      pollen_emulator_get_url (emulator));
  g_autoptr (GstElement) pipeline = gst_parse_launch (description, NULL);
  g_autoptr (GstElement) voice = gst_bin_get_by_name (GST_BIN (pipeline),
      "voice");
  g_autoptr (GstPad) src = gst_element_get_static_pad (voice, "src");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  Arrivals arrivals = { {0}, GST_CLOCK_TIME_NONE, 0 };
  gint64 deadline = g_get_monotonic_time () + POLLEN_TEST_MS (20) *
      G_TIME_SPAN_SECOND;

  pollen_emulator_set_generation_time (emulator, 1500);
  g_mutex_init (&arrivals.lock);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, note_arrival, &arrivals, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  message = gst_bus_timed_pop_filtered (bus, POLLEN_TEST_MS (20) *
      GST_SECOND, GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  fail_unless (message != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (message), GST_MESSAGE_WARNING);
  gst_message_parse_warning (message, &error, NULL);
  fail_unless (strstr (error->message, "Raise the latency property") !=
      NULL, "%s", error->message);
  /* the warning goes out as the piece is shifted, just before it */
  while (g_get_monotonic_time () < deadline) {
    gboolean out;

    g_mutex_lock (&arrivals.lock);
    out = GST_CLOCK_TIME_IS_VALID (arrivals.first_voice);
    g_mutex_unlock (&arrivals.lock);
    if (out)
      break;
    g_usleep (10000);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* said at 0, shifted behind the GAPs that went out meanwhile */
  fail_unless (GST_CLOCK_TIME_IS_VALID (arrivals.first_voice));
  fail_unless (arrivals.gap_end > 0, "no GAP went out while the request "
      "ran");
  fail_unless (arrivals.first_voice >= arrivals.gap_end, "voice at %"
      GST_TIME_FORMAT ", before the GAP's end %" GST_TIME_FORMAT,
      GST_TIME_ARGS (arrivals.first_voice), GST_TIME_ARGS (arrivals.gap_end));
  g_mutex_clear (&arrivals.lock);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- failures ---- */

static void
assert_error_for (PollenEmulatorResponse * response, const gchar * property,
    const gchar * value, GstResourceError code, guint status,
    const gchar * api_code, const gchar * text_part)
{
  Fixture f = response ? fixture_new (CAPS_16K, NULL) :
      fixture_new (CAPS_16K, "api-key", "", NULL);
  Part parts[] = { {5000, TONE} };
  g_autoptr (GstMessage) error = NULL;

  if (property)
    gst_util_set_object_arg (G_OBJECT (f.t.element), property, value);
  if (response)
    pollen_emulator_push (f.emulator, ISOLATOR, response);
  push_parts (f.h, 0, parts, 1);
  /* refused once the error stopped the output */
  gst_harness_push_event (f.h, gst_event_new_eos ());
  error = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, code, status, api_code, text_part);
  fixture_free (&f);
}

GST_START_TEST (test_errors)
{
  assert_error_for (NULL, NULL, NULL, GST_RESOURCE_ERROR_NOT_AUTHORIZED, 401,
      "UNAUTHORIZED", "401 Unauthorized: Authentication required");
  /* the server's own refusal: the voice, with what to do */
  assert_error_for (pollen_emulator_response_new_error (503,
          "SERVICE_UNAVAILABLE", "ElevenLabs is overloaded"), "retries", "0",
      GST_RESOURCE_ERROR_READ, 503, "SERVICE_UNAVAILABLE",
      "503 Service Unavailable: ElevenLabs is overloaded");
  assert_error_for (pollen_emulator_response_new_error (402,
          "PAYMENT_REQUIRED", "Insufficient pollen balance"), NULL, NULL,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, 402, "PAYMENT_REQUIRED",
      "Insufficient pollen balance");
}

GST_END_TEST;

/* A voice the server does not know: its 400, with its message, as a
 * settings error. */
GST_START_TEST (test_unknown_voice)
{
  Fixture f = fixture_new (CAPS_16K, "mode", 1, "voice", "zed", NULL);
  Part parts[] = { {5000, TONE} };
  g_autoptr (GstMessage) error = NULL;

  push_parts (f.h, 0, parts, 1);
  /* refused once the error stopped the output */
  gst_harness_push_event (f.h, gst_event_new_eos ());
  error = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ERROR);
  pollen_test_assert_error (error, GST_RESOURCE_ERROR_SETTINGS, 400,
      "BAD_REQUEST", "Invalid voice: zed. Use a preset name or valid "
      "ElevenLabs voice ID.");
  fixture_free (&f);
}

GST_END_TEST;

/* skip-failed: a piece that fails with 503 is silence as long as it was,
 * with a warning; the next piece is processed. */
GST_START_TEST (test_skip_failed_is_silence)
{
  Fixture f = fixture_new (CAPS_16K, "skip-failed", TRUE, "retries", 0,
      "max-in-flight", 1, NULL);
  Part parts[] = { {5000, TONE}, {1000, SILENCE}, {5000, TONE} };
  g_autoptr (GstMessage) warning = NULL;
  g_autoptr (GError) error = NULL;
  Output out;

  pollen_emulator_push (f.emulator, ISOLATOR,
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE",
          "ElevenLabs is overloaded"));
  push_parts (f.h, 0, parts, G_N_ELEMENTS (parts));
  finish (&f);

  warning = pollen_test_pop_message (f.t.bus, GST_MESSAGE_WARNING);
  gst_message_parse_warning (warning, &error, NULL);
  fail_unless (strstr (error->message, "503 Service Unavailable: ElevenLabs "
          "is overloaded") != NULL, "%s", error->message);
  out = pull_output (&f, RATE, 1, 0);
  fail_unless_equals_uint64 (output_frames (&out), 11 * RATE);
  /* silence, never the original voice */
  fail_unless (output_rms (&out, 0, 0, 5 * RATE) == 0);
  fail_unless (output_rms (&out, 0, 6.5 * RATE, 10.5 * RATE) > LOUD_RMS);
  output_clear (&out);
  fixture_free (&f);
}

GST_END_TEST;

/* A 200 that is no audio: an error that quotes it, not silence. */
GST_START_TEST (test_answer_not_audio)
{
  Fixture f = fixture_new (CAPS_16K, NULL);
  Part parts[] = { {5000, TONE} };
  const gchar *page = "<html><body>Maintenance</body></html>";
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (f.emulator, ISOLATOR,
      pollen_emulator_response_new (200, "text/html", page, -1));
  push_parts (f.h, 0, parts, 1);
  /* refused once the error stopped the output */
  gst_harness_push_event (f.h, gst_event_new_eos ());
  message = pollen_test_pop_message (f.t.bus, GST_MESSAGE_ERROR);
  gst_message_parse_error (message, &error, NULL);
  fail_unless (strstr (error->message, "text/html") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "Maintenance") != NULL, "%s",
      error->message);
  fixture_free (&f);
}

GST_END_TEST;

GST_START_TEST (test_untimed_audio_one_error)
{
  Fixture f = fixture_new (CAPS_16K, NULL);

  pollen_test_assert_untimed_refused (&f.t, gst_buffer_new_allocate (NULL,
          320, NULL), "decodebin");
  fixture_free (&f);
}

GST_END_TEST;

/* An upstream GAP goes on as a GAP. */
GST_START_TEST (test_gap_goes_on)
{
  Fixture f = fixture_new (CAPS_16K, NULL);
  Part parts[] = { {1000, SILENCE} };
  GstClockTime end = push_parts (f.h, 0, parts, 1);

  fail_unless (gst_harness_push_event (f.h, gst_event_new_gap (end,
              3 * GST_SECOND)));
  finish (&f);
  fail_unless (f.gaps >= 1);
  fail_unless_equals_int (pollen_emulator_get_request_count (f.emulator), 0);
  fixture_free (&f);
}

GST_END_TEST;

/* ---- the emulator, as the server ---- */

static PollenRequest *
voice_request (const gchar * path, GBytes * file, const gchar * type,
    const gchar * first_field, ...)
{
  PollenRequest *request = pollen_request_new ("POST", path);
  const gchar *name;
  va_list args;

  if (file)
    pollen_request_add_form_file (request, "audio", "a.wav", type, file);
  va_start (args, first_field);
  for (name = first_field; name; name = va_arg (args, const gchar *))
    pollen_request_add_form_field (request, name, va_arg (args,
            const gchar *));
  va_end (args);
  return request;
}

static GBytes *
tone_wav (guint ms)
{
  Part part = { ms, TONE };
  g_autoptr (GBytes) pcm = audio_new (RATE, 1, &part, 1);
  gsize size;
  const guint8 *data = g_bytes_get_data (pcm, &size);

  return pollen_wav_wrap (data, size, RATE, 1);
}

static void
assert_refused (PollenClient * client, PollenRequest * request,
    guint status, const gchar * message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PollenResponse) response =
      pollen_client_fetch (client, request, NULL, &error);

  fail_unless (response == NULL);
  fail_unless_equals_int (pollen_client_error_get_http_status (error),
      status);
  fail_unless (strstr (pollen_client_error_get_api_message (error),
          message) != NULL, "'%s' does not have '%s'",
      pollen_client_error_get_api_message (error), message);
  pollen_request_free (request);
}

GST_START_TEST (test_emulator_refuses_what_the_server_refuses)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 0);
  g_autoptr (GBytes) wav = tone_wav (5000);
  g_autoptr (GBytes) short_wav = tone_wav (4500);
  g_autoptr (GBytes) huge = g_bytes_new_take (g_malloc0 (50 * 1024 * 1024 +
          1), 50 * 1024 * 1024 + 1);

  assert_refused (client, voice_request (ISOLATOR, short_wav, "audio/wav",
          NULL), 400, "at least 4.6 seconds");
  assert_refused (client, voice_request (ISOLATOR, huge, "audio/wav", NULL),
      413, "Voice Isolator input must be 50 MB or smaller.");
  assert_refused (client, voice_request (ISOLATOR, wav, "text/plain", NULL),
      400, "Voice Isolator requires an audio or video file.");
  assert_refused (client, voice_request (ISOLATOR, NULL, NULL, "model",
          "eleven-voice-isolator", NULL), 400, "Missing required audio file.");
  assert_refused (client, voice_request (ISOLATOR, wav, "audio/wav", "model",
          "whisper", NULL), 400, "cannot be used on /v1/audio/voice-isolator");
  assert_refused (client, voice_request (CHANGER, wav, "video/mp4", NULL),
      400, "Voice Changer requires an audio file.");
  assert_refused (client, voice_request (CHANGER, wav, "audio/wav",
          "response_format", "flac", NULL), 400,
      "response_format must be mp3, opus, aac, wav, or pcm.");
  assert_refused (client, voice_request (CHANGER, wav, "audio/wav", "voice",
          "zed", NULL), 400, "Invalid voice: zed.");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_emulator_answers)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 0);
  g_autoptr (GBytes) wav = tone_wav (5000);
  g_autoptr (PollenRequest) isolate = voice_request (ISOLATOR, wav,
      "audio/wav", NULL);
  g_autoptr (PollenRequest) change = voice_request (CHANGER, wav,
      "audio/wav", "voice", "nova", "response_format", "wav", NULL);
  g_autoptr (PollenResponse) mp3 = NULL;
  g_autoptr (PollenResponse) changed = NULL;
  g_autoptr (GError) error = NULL;
  PollenWavInfo info;
  gsize size;
  const guint8 *data;

  mp3 = pollen_client_fetch (client, isolate, NULL, &error);
  fail_unless (mp3 != NULL, "%s", error ? error->message : "");
  fail_unless_equals_string (mp3->content_type, "audio/mpeg");
  fail_unless_equals_int (mp3->content_length, -1);     /* streamed */
  changed = pollen_client_fetch (client, change, NULL, &error);
  fail_unless (changed != NULL, "%s", error ? error->message : "");
  fail_unless_equals_string (changed->content_type, "audio/wav");
  data = g_bytes_get_data (changed->body, &size);
  fail_unless_equals_int64 (changed->content_length, size);
  fail_unless_equals_int (pollen_wav_parse_header (data, size, &info, NULL),
      POLLEN_WAV_OK);
  fail_unless_equals_int (info.rate, 44100);
  fail_unless_equals_int (info.channels, 1);
  fail_unless_equals_uint64 (info.data_size, 5 * 44100 * 2);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
pollenvoice_suite (void)
{
  Suite *s = suite_create ("pollenvoice");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_isolate_on_the_wire);
  tcase_add_test (tc, test_convert_on_the_wire);
  tcase_add_test (tc, test_extra_params_on_the_wire);
  tcase_add_test (tc, test_cut_in_first_pause_after_minimum);
  tcase_add_test (tc, test_cut_at_chunk_duration_without_pause);
  tcase_add_test (tc, test_silence_makes_no_request);
  tcase_add_test (tc, test_min_silence_over_chunk_duration);
  tcase_add_test (tc, test_short_stream_padded);
  tcase_add_test (tc, test_isolated_voice_in_place);
  tcase_add_test (tc, test_changed_voice_keeps_rate_and_channels);
  tcase_add_test (tc, test_later_piece_finishing_first);
  tcase_add_test (tc, test_answer_after_id3_tag);
  tcase_add_test (tc, test_two_in_flight);
  tcase_add_test (tc, test_latency);
  tcase_add_test (tc, test_live_late_piece_shifted);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_unknown_voice);
  tcase_add_test (tc, test_skip_failed_is_silence);
  tcase_add_test (tc, test_answer_not_audio);
  tcase_add_test (tc, test_untimed_audio_one_error);
  tcase_add_test (tc, test_gap_goes_on);
  tcase_add_test (tc, test_emulator_refuses_what_the_server_refuses);
  tcase_add_test (tc, test_emulator_answers);
  return s;
}

GST_CHECK_MAIN (pollenvoice);
