/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* bench-pollen: every benchmark of issue 13 (and issue 18's live
 * captions and mouth-to-ear) against the in-process emulator, printed as
 * one table of ratios against an alternative measured in the same run
 * (runs interleaved, medians), with the machine it ran on.
 * tests/bench/run.sh builds it, runs it and plots what it writes.
 *
 *   bench-pollen [--quick] [--only LETTERS] [--out DIR]
 *
 * Elements that are compared with another program (souphttpsrc, curl) run
 * in child processes — this program again, as `bench-pollen child COUNT
 * PIPELINE` — so that the figures of each (its CPU time, its peak RSS)
 * hold that program alone and not the emulator serving it. pollenstt's
 * 10 hours run in one too (`child-stt-rss`), because the emulator keeps
 * every request it was sent. The others run here. Method, targets and
 * results: docs/performance.md.
 *
 * Lock order: none; the handoff counters are only read after EOS. */

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/base/gstbasesink.h>
#include <libsoup/soup.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchlive.h"
#include "benchread.h"
#include "benchspeech.h"
#include "benchtalk.h"
#include "pollenclient.h"
#include "pollenemulator.h"
#include "emumedia.h"
#include "emuwav.h"

#define STT_RATE 16000
#define MAX_RUNS 9
#define MAX_PAIRS 51            /* (b)'s pairs, the most of any figure */
#define MB (1024.0 * 1024.0)
#define LIVE_SERVER_MS 300      /* (i) both servers' time to answer */
#define TALK_SERVER_MS 500      /* (j) every server's time to answer */
#define TALK_PAUSE_MS 300       /* (j) a sentence's end: min-silence */

typedef struct
{
  gboolean quick;
  guint runs;                   /* repetitions of the short measurements */
  guint fetches;                /* (a) pictures per run */
  guint fetch_runs;             /* (a) runs: its wall time is the noisiest */
  guint big_pairs[3];           /* (b) pairs at 2, 20 and 200 MB */
  guint generation_ms;          /* (d) and the pollentts curve */
  guint speech_s;               /* (d) seconds of speech */
  guint tts_texts;              /* pollentts curve: texts queued at once */
  guint slots;                  /* (e) */
  guint rss_minutes;            /* (f) minutes of audio */
  guint rss_every;              /* (f) an RSS figure every … minutes */
  guint wait_s;                 /* (g) */
  guint sentences;              /* (h1) sentences in the reply */
  guint sentence_ms;            /* (h1) between two of them */
  guint frames;                 /* (h2) video frames at 30 fps */
  guint vision_ms;              /* (h2) the server's time an answer */
  guint utterances;             /* (i) spoken live in each run */
  guint live_rounds;            /* (i) runs of each pollenstt */
  guint sentences_spoken;       /* (j) spoken live in each run */
  guint talk_rounds;            /* (j) runs of each talker */
  gchar *out_dir;
} Config;

typedef struct
{
  gchar *figure;
  gchar *subject;
  gchar *reference;
  gchar *ratio;
  gchar *target;
  gchar *verdict;
} Row;

typedef struct
{
  GPid pid;
  gint out_fd;
  gint64 start;
  gdouble wall_ms;              /* spawn to exit */
  gdouble cpu_ms;               /* user + system, whole process */
  gchar *output;
} Process;

static const guint in_flight[] = { 1, 2, 4, 8 };

static GPtrArray *rows;
static gchar *self_exe;
static const gchar *current_step = "start-up";

/* A step that cannot go on fails the whole run, naming the step; why it
 * failed was printed where it happened. No abort: a run that lost a step
 * has no table worth reading. */
static void
require (gboolean ok, const gchar * what)
{
  if (ok)
    return;
  g_printerr ("bench-pollen: FAILED: step %s: %s\n", current_step, what);
  exit (1);
}

/* Whether @step ("(a)" … "(j)") is among @only; it becomes the current
 * step when it is. */
static gboolean
step_selected (const gchar * only, const gchar * step)
{
  if (!strchr (only, step[1]))
    return FALSE;
  current_step = step;
  return TRUE;
}

/* ---- figures ---- */

static void
row_free (Row * row)
{
  g_free (row->figure);
  g_free (row->subject);
  g_free (row->reference);
  g_free (row->ratio);
  g_free (row->target);
  g_free (row->verdict);
  g_free (row);
}

/* Adds a line to the table; takes @subject, @reference and @verdict. */
static void
add_row (const gchar * figure, gchar * subject, gchar * reference,
    gdouble ratio, const gchar * target, gchar * verdict)
{
  Row *row = g_new0 (Row, 1);

  row->figure = g_strdup (figure);
  row->subject = subject;
  row->reference = reference;
  row->ratio = isnan (ratio) ? g_strdup ("-") : g_strdup_printf ("%.2f",
      ratio);
  row->target = g_strdup (target);
  row->verdict = verdict;
  g_ptr_array_add (rows, row);
  g_print ("  %s: %s | %s | %s | %s | %s\n", row->figure, row->subject,
      row->reference, row->ratio, row->target, row->verdict);
}

/* "met", or by how much @value is over @limit (in @unit, or in % when
 * @unit is NULL). */
static gchar *
verdict_at_most (gdouble value, gdouble limit, const gchar * unit)
{
  if (value <= limit)
    return g_strdup ("met");
  if (unit)
    return g_strdup_printf ("missed by %.1f %s", value - limit, unit);
  return g_strdup_printf ("missed by %.1f%%", (value / limit - 1) * 100);
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

static gdouble
median (gdouble * values, guint n)
{
  gdouble sorted[MAX_PAIRS];

  memcpy (sorted, values, n * sizeof (gdouble));
  qsort (sorted, n, sizeof (gdouble), compare_doubles);
  return sorted[n / 2];
}

/* The run by run ratios of @a to @b (measured in turn), sorted. */
static void
sorted_ratios (const gdouble * a, const gdouble * b, guint n,
    gdouble * ratios)
{
  guint i;

  for (i = 0; i < n; i++)
    ratios[i] = a[i] / b[i];
  qsort (ratios, n, sizeof (gdouble), compare_doubles);
}

/* Run by run ratios of @a to @b (measured in turn): returns the median,
 * the smallest in *@lo and the largest in *@hi. */
static gdouble
pair_ratio (const gdouble * a, const gdouble * b, guint n, gdouble * lo,
    gdouble * hi)
{
  gdouble ratios[MAX_PAIRS];

  sorted_ratios (a, b, n, ratios);
  *lo = ratios[0];
  *hi = ratios[n - 1];
  return ratios[n / 2];
}

/* The rank k (from 1) of the k-th smallest and k-th largest of @n values
 * that bound a 95 % confidence interval for their median, whatever their
 * distribution (how many fall below the median is binomial, n and 1/2);
 * 0 when @n is too few for one (under 6). */
static guint
median_interval_rank (guint n)
{
  gdouble p = pow (0.5, n), below = 0;
  guint k;

  for (k = 0; k < n; k++) {
    below += p;                 /* P(fewer than k + 1 below) */
    if (below > 0.025)
      return k;
    p = p * (n - k) / (k + 1);
  }
  return 0;
}

/* Adds a row whose ratio is the median of the run by run ratios of @a to
 * @b, with their range; the verdict is taken on that median. */
static void
add_pair_row (const gchar * figure, gchar * subject, gchar * reference,
    const gdouble * a, const gdouble * b, guint n, const gchar * target,
    gdouble limit)
{
  gdouble lo, hi, ratio = pair_ratio (a, b, n, &lo, &hi);
  gchar *verdict = isnan (limit) ? g_strdup ("(information)") :
      verdict_at_most (ratio, limit, NULL);
  Row *row;

  add_row (figure, subject, reference, ratio, target, verdict);
  row = rows->pdata[rows->len - 1];
  if (n > 1) {
    g_free (row->ratio);
    row->ratio = g_strdup_printf ("%.2f (%.2f-%.2f)", ratio, lo, hi);
  }
}

static gdouble
cpu_ms (const struct rusage *usage)
{
  return usage->ru_utime.tv_sec * 1000.0 + usage->ru_utime.tv_usec / 1000.0 +
      usage->ru_stime.tv_sec * 1000.0 + usage->ru_stime.tv_usec / 1000.0;
}

static gdouble
since_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* A figure of /proc/self/status in MB: "VmRSS:" now, "VmHWM:" the peak. */
static gdouble
status_mb (const gchar * field)
{
  g_autofree gchar *status = NULL;
  const gchar *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, field);
  return line ? g_ascii_strtod (line + strlen (field), NULL) / 1024.0 : 0;
}

/* ---- child processes ---- */

static gboolean
process_spawn (gchar ** argv, Process * process)
{
  g_autoptr (GError) error = NULL;

  memset (process, 0, sizeof (Process));
  process->start = g_get_monotonic_time ();
  if (!g_spawn_async_with_pipes (NULL, argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
          &process->pid, NULL, &process->out_fd, NULL, &error)) {
    g_printerr ("bench-pollen: cannot start %s: %s\n", argv[0],
        error->message);
    return FALSE;
  }
  return TRUE;
}

/* Reads what @process prints until it exits, then takes its figures. */
static gboolean
process_wait (Process * process)
{
  GString *output = g_string_new (NULL);
  struct rusage usage;
  gchar buffer[4096];
  gssize n;
  int status;

  while ((n = read (process->out_fd, buffer, sizeof (buffer))) > 0)
    g_string_append_len (output, buffer, n);
  close (process->out_fd);
  if (wait4 (process->pid, &status, 0, &usage) < 0)
    status = -1;
  process->wall_ms = since_ms (process->start);
  process->cpu_ms = cpu_ms (&usage);
  process->output = g_string_free (output, FALSE);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    g_printerr ("bench-pollen: a child failed (status %d)\n", status);
    return FALSE;
  }
  return TRUE;
}

static gboolean
process_run (gchar ** argv, Process * process)
{
  return process_spawn (argv, process) && process_wait (process);
}

/* Runs `bench-pollen child COUNT PIPELINE`; *@run_cpu_ms and *@run_wall_ms
 * get what the child measured around its runs (without its start-up),
 * *@peak_mb its peak RSS. (Not wait4's ru_maxrss: Linux carries the
 * parent's RSS at spawn time into it, and this parent holds big bodies.) */
static gboolean
child_pipeline (guint count, const gchar * description, Process * process,
    gdouble * run_cpu_ms, gdouble * run_wall_ms, gdouble * peak_mb)
{
  g_autofree gchar *count_text = g_strdup_printf ("%u", count);
  gchar *argv[] = { self_exe, (gchar *) "child", count_text,
    (gchar *) description, NULL
  };
  gboolean ok = process_run (argv, process);

  if (ok && sscanf (process->output, "%lf %lf %lf", run_cpu_ms, run_wall_ms,
          peak_mb) != 3)
    ok = FALSE;
  g_free (process->output);
  return ok;
}

/* ---- pipelines ---- */

/* Sets @pipeline PLAYING and waits for EOS; then sets it to @after.
 * Counts WARNING messages into *@warnings when not NULL. */
static gboolean
run_to_eos (GstElement * pipeline, GstState after, guint * warnings)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  gboolean ok = FALSE;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    g_autoptr (GstMessage) message = gst_bus_timed_pop_filtered (bus,
        30 * 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    g_autoptr (GError) error = NULL;

    if (!message)
      break;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
      ok = TRUE;
      break;
    }
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (message, &error, NULL);
      g_printerr ("bench-pollen: %s\n", error->message);
      break;
    }
    gst_message_parse_warning (message, &error, NULL);
    g_printerr ("bench-pollen: warning from %s: %s\n",
        GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message);
    if (warnings)
      (*warnings)++;
  }
  gst_element_set_state (pipeline, after);
  return ok;
}

/* @description as a pipeline; one that cannot be built fails the step. */
static GstElement *
pipeline_new (const gchar * description)
{
  GstElement *pipeline = bench_pipeline_new (description);

  require (pipeline != NULL, "a pipeline could not be built");
  return pipeline;
}

static GstElement *
pipeline_get (GstElement * pipeline, const gchar * name)
{
  return gst_bin_get_by_name (GST_BIN (pipeline), name);
}

/* A @width × @height PNG of noise, stored: it does not compress, so its
 * size is about 3 × width × height bytes. */
static GBytes *
noise_png (guint width, guint height)
{
  g_autofree gchar *description = g_strdup_printf ("videotestsrc "
      "pattern=snow num-buffers=1 ! video/x-raw,format=RGB,width=%u,"
      "height=%u ! pngenc compression-level=0 ! appsink name=out", width,
      height);
  g_autoptr (GstElement) pipeline = pipeline_new (description);
  g_autoptr (GstElement) sink = pipeline_get (pipeline, "out");
  g_autoptr (GstSample) sample = NULL;
  GstMapInfo map;
  GBytes *png;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  require (sample != NULL, "videotestsrc ! pngenc made no picture");
  gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
  png = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return png;
}

/* Queues @count answers of @body at @prefix, each after @delay_ms. */
static void
script_answers (PollenEmulator * emulator, const gchar * prefix,
    const gchar * content_type, GBytes * body, guint count, guint delay_ms)
{
  guint i;

  for (i = 0; i < count; i++) {
    PollenEmulatorResponse *answer =
        pollen_emulator_response_new (200, content_type, NULL, 0);

    answer->body = g_bytes_ref (body);
    answer->delay_ms = delay_ms;
    pollen_emulator_push (emulator, prefix, answer);
  }
}

/* ---- (a) a 2 MB picture ×N ---- */

static void
bench_fetch (Config * config, PollenEmulator * emulator)
{
  const gchar *url = pollen_emulator_get_url (emulator);
  g_autoptr (GBytes) png = noise_png (816, 856);
  g_autofree gchar *pollen = g_strdup_printf ("pollensrc base-url=%s "
      "api-key=" BENCH_KEY " prompt=bench seed=1 ! fakesink", url);
  g_autofree gchar *soup = g_strdup_printf ("souphttpsrc "
      "location=%s/image/bench?seed=1 ! fakesink", url);
  g_autofree gchar *figure = NULL;
  GPtrArray *curl = g_ptr_array_new_with_free_func (g_free);
  gdouble wall[3][MAX_RUNS], cpu[3][MAX_RUNS], run_cpu, run_wall, peak;
  gdouble m_wall[3], m_cpu[3];
  Process process;
  guint run, i;

  g_ptr_array_add (curl, g_strdup ("curl"));
  g_ptr_array_add (curl, g_strdup ("-sSf"));
  for (i = 0; i < config->fetches; i++) {
    g_ptr_array_add (curl, g_strdup ("-o"));
    g_ptr_array_add (curl, g_strdup ("/dev/null"));
    g_ptr_array_add (curl, g_strdup_printf ("%s/image/bench?seed=1", url));
  }
  g_ptr_array_add (curl, NULL);

  g_print ("(a) a %.1f MB picture x%u: pollensrc, souphttpsrc, curl "
      "(%u runs)\n", g_bytes_get_size (png) / MB, config->fetches,
      config->fetch_runs);
  for (run = 0; run < config->fetch_runs; run++) {
    script_answers (emulator, "/image/", "image/png", png, config->fetches, 0);
    require (child_pipeline (config->fetches, pollen, &process, &run_cpu,
            &run_wall, &peak), "the pollensrc pipeline failed");
    cpu[0][run] = run_cpu;
    wall[0][run] = run_wall;
    script_answers (emulator, "/image/", "image/png", png, config->fetches, 0);
    require (child_pipeline (config->fetches, soup, &process, &run_cpu,
            &run_wall, &peak), "the souphttpsrc pipeline failed");
    cpu[1][run] = run_cpu;
    wall[1][run] = run_wall;
    script_answers (emulator, "/image/", "image/png", png, config->fetches, 0);
    require (process_run ((gchar **) curl->pdata, &process), "curl failed");
    g_free (process.output);
    cpu[2][run] = process.cpu_ms;
    wall[2][run] = process.wall_ms;
  }
  g_ptr_array_unref (curl);
  pollen_emulator_clear_script (emulator);

  for (i = 0; i < 3; i++) {
    m_wall[i] = median (wall[i], config->fetch_runs);
    m_cpu[i] = median (cpu[i], config->fetch_runs);
  }
  figure = g_strdup_printf ("(a) %.0f MB picture x%u, wall",
      g_bytes_get_size (png) / MB, config->fetches);
  add_pair_row (figure, g_strdup_printf ("%.0f ms", m_wall[0]),
      g_strdup_printf ("souphttpsrc %.0f ms", m_wall[1]), wall[0], wall[1],
      config->fetch_runs, "<= 1.00", 1.0);
  add_pair_row ("(a) same, CPU", g_strdup_printf ("%.0f ms", m_cpu[0]),
      g_strdup_printf ("souphttpsrc %.0f ms", m_cpu[1]), cpu[0], cpu[1],
      config->fetch_runs, "<= 1.00", 1.0);
  add_pair_row ("(a) same, wall vs curl", g_strdup_printf ("%.0f ms",
          m_wall[0]), g_strdup_printf ("curl %.0f ms", m_wall[2]), wall[0],
      wall[2], config->fetch_runs, "-", NAN);
  add_pair_row ("(a) same, CPU vs curl", g_strdup_printf ("%.0f ms",
          m_cpu[0]), g_strdup_printf ("curl %.0f ms", m_cpu[2]), cpu[0],
      cpu[2], config->fetch_runs, "-", NAN);
}

/* ---- (b) big answers: 2, 20 and 200 MB ---- */

/* Whether the median ratio is within @limit, settled by its 95 %
 * confidence interval [@lo, @hi]: met when all of it is, missed when the
 * median is not, else unsettled (more pairs, or a quieter machine). */
static gchar *
verdict_interval (gdouble ratio, gdouble lo, gdouble hi, gdouble limit)
{
  if (hi <= limit)
    return g_strdup ("met");
  if (ratio > limit)
    return verdict_at_most (ratio, limit, NULL);
  return g_strdup_printf ("unsettled: its 95%% interval %.2f-%.2f spans "
      "%.2f", lo, hi, limit);
}

/* A row for the median of the pair by pair ratios of @a to @b, with its
 * 95 % confidence interval (when @n allows one) and their whole range;
 * the verdict is taken on the interval. */
static void
add_interval_row (const gchar * figure, gchar * subject, gchar * reference,
    const gdouble * a, const gdouble * b, guint n, gdouble limit)
{
  gdouble ratios[MAX_PAIRS];
  guint k = median_interval_rank (n);
  gdouble ratio, lo, hi;
  g_autofree gchar *target = g_strdup_printf ("<= %.2f", limit);
  Row *row;

  sorted_ratios (a, b, n, ratios);
  ratio = ratios[n / 2];
  lo = k ? ratios[k - 1] : ratios[0];
  hi = k ? ratios[n - k] : ratios[n - 1];
  add_row (figure, subject, reference, ratio, target,
      k ? verdict_interval (ratio, lo, hi, limit) :
      verdict_at_most (ratio, limit, NULL));
  row = rows->pdata[rows->len - 1];
  g_free (row->ratio);
  row->ratio = k ? g_strdup_printf ("%.2f (95%% %.2f-%.2f; all %.2f-%.2f)",
      ratio, lo, hi, ratios[0], ratios[n - 1]) :
      g_strdup_printf ("%.2f (%.2f-%.2f)", ratio, ratios[0], ratios[n - 1]);
}

typedef struct
{
  gdouble wall[2][MAX_PAIRS];
  gdouble cpu[2][MAX_PAIRS];
  gdouble rss[2][MAX_PAIRS];
} BigRuns;

/* Runs @pollen and @soup in turn, @pairs times, each on its own copy of
 * @wav: the order alternates, so that what the machine does meanwhile
 * falls on both. */
static void
big_pairs (PollenEmulator * emulator, GBytes * wav, const gchar * pollen,
    const gchar * soup, guint pairs, BigRuns * runs)
{
  const gchar *pipelines[2] = { pollen, soup };
  Process process;
  guint pair, k;

  for (pair = 0; pair < pairs; pair++)
    for (k = 0; k < 2; k++) {
      guint i = (pair + k) % 2;

      script_answers (emulator, "/audio/", "audio/wav", wav, 1, 0);
      require (child_pipeline (1, pipelines[i], &process, &runs->cpu[i][pair],
              &runs->wall[i][pair], &runs->rss[i][pair]),
          i == 0 ? "the pollensrc pipeline failed" :
          "the souphttpsrc pipeline failed");
    }
}

/* One size: its wall and CPU rows, and its peak RSS row when @rss_row. */
static void
bench_big_size (PollenEmulator * emulator, gsize size, guint pairs,
    gboolean rss_row)
{
  const gchar *url = pollen_emulator_get_url (emulator);
  g_autoptr (GBytes) silence = g_bytes_new_take (g_malloc0 (size), size);
  g_autoptr (GBytes) wav = emu_wav_new (silence, 24000, 1);
  g_autofree gchar *pollen = g_strdup_printf ("pollensrc base-url=%s "
      "api-key=" BENCH_KEY " media=music response-format=wav prompt=bench "
      "! fakesink", url);
  g_autofree gchar *soup = g_strdup_printf ("souphttpsrc "
      "location=%s/audio/bench ! fakesink", url);
  g_autofree gchar *figure = NULL;
  gdouble m_wall[2], m_rss[2], m_cpu[2];
  gdouble mb = g_bytes_get_size (wav) / MB;
  BigRuns runs;
  guint i;

  g_print ("(b) a %.0f MB answer: pollensrc, souphttpsrc (%u pairs)\n", mb,
      pairs);
  big_pairs (emulator, wav, pollen, soup, pairs, &runs);
  for (i = 0; i < 2; i++) {
    m_wall[i] = median (runs.wall[i], pairs);
    m_rss[i] = median (runs.rss[i], pairs);
    m_cpu[i] = median (runs.cpu[i], pairs);
  }
  if (rss_row) {
    figure = g_strdup_printf ("(b) %.0f MB answer, peak RSS", mb);
    add_row (figure, g_strdup_printf ("%.0f MB", m_rss[0]),
        g_strdup_printf ("souphttpsrc %.0f MB", m_rss[1]),
        m_rss[0] / m_rss[1], "<= ref + 32 MB",
        verdict_at_most (m_rss[0], m_rss[1] + 32, "MB"));
    g_free (figure);
  }
  figure = g_strdup_printf ("(b) %.0f MB answer, wall (%u pairs)", mb, pairs);
  add_interval_row (figure, g_strdup_printf ("%.1f ms", m_wall[0]),
      g_strdup_printf ("souphttpsrc %.1f ms", m_wall[1]), runs.wall[0],
      runs.wall[1], pairs, 1.1);
  g_free (figure);
  figure = g_strdup_printf ("(b) %.0f MB answer, CPU", mb);
  add_pair_row (figure, g_strdup_printf ("%.1f ms", m_cpu[0]),
      g_strdup_printf ("souphttpsrc %.1f ms", m_cpu[1]), runs.cpu[0],
      runs.cpu[1], pairs, "-", NAN);
}

static void
bench_big (Config * config, PollenEmulator * emulator)
{
  static const guint sizes_mb[] = { 2, 20, 200 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes_mb); i++)
    bench_big_size (emulator, sizes_mb[i] * 1024 * 1024,
        config->big_pairs[i], i == G_N_ELEMENTS (sizes_mb) - 1);
}

/* ---- (c) pollentts first audio: bench-first-audio ---- */

static gdouble
output_ms (const gchar * output, const gchar * label)
{
  const gchar *line = strstr (output, label);

  return line ? g_ascii_strtod (line + strlen (label), NULL) : NAN;
}

/* bench-first-audio with answers in @format: a row for its first audio
 * against its first bytes, and for WAV one against the whole body. */
static void
first_audio_rows (Config * config, const gchar * format)
{
  g_autofree gchar *dir = g_path_get_dirname (self_exe);
  g_autofree gchar *program = g_build_filename (dir, "bench-first-audio",
      NULL);
  g_autofree gchar *runs = g_strdup_printf ("%u", config->runs);
  g_autofree gchar *figure = g_strdup_printf ("(c) first audio - first "
      "bytes, %s", format);
  gchar *argv[] = { program, runs, (gchar *) format, NULL };
  gdouble first_bytes, whole, first_audio;
  Process process;

  require (process_run (argv, &process), "bench-first-audio failed");
  first_bytes = output_ms (process.output, "first bytes (reference):");
  whole = output_ms (process.output, "whole answer (reference):");
  first_audio = output_ms (process.output, "pollentts first audio:");
  g_free (process.output);

  add_row (figure, g_strdup_printf ("%.0f ms", first_audio - first_bytes),
      g_strdup_printf ("first bytes %.0f ms", first_bytes),
      first_audio / first_bytes, "< 20 ms",
      verdict_at_most (first_audio - first_bytes, 19.999, "ms"));
  if (g_str_equal (format, "wav"))
    add_row ("(c) first audio / whole body, wav",
        g_strdup_printf ("%.0f ms", first_audio),
        g_strdup_printf ("whole body %.0f ms", whole), first_audio / whole,
        "< 0.10", verdict_at_most (first_audio / whole, 0.0999, NULL));
}

static void
bench_first_audio (Config * config)
{
  static const gchar *const formats[] = { "wav", "mp3", "opus", "aac",
    "flac", "pcm"
  };
  /* a smoke run: the WAV path and the one typefinding alone was slow on */
  guint i, n = config->quick ? 2 : G_N_ELEMENTS (formats);

  g_print ("(c) pollentts first audio (bench-first-audio, %u runs), "
      "answers dripped 100 ms of audio every 100 ms\n", config->runs);
  for (i = 0; i < n; i++)
    first_audio_rows (config, formats[i]);
}

/* ---- references: one request through pollenclient alone ---- */

/* The median time of @runs requests on one warm connection. */
static gdouble
client_request_ms (PollenEmulator * emulator, PollenRequest * request,
    guint runs)
{
  g_autoptr (PollenClient) client =
      bench_client_new (emulator);
  gdouble times[MAX_RUNS + 1];
  guint i;

  for (i = 0; i <= runs; i++) {
    g_autoptr (PollenResponse) response = NULL;
    g_autoptr (GError) error = NULL;
    gint64 start = g_get_monotonic_time ();

    response = pollen_client_fetch (client, request, NULL, &error);
    if (!response)
      g_printerr ("bench-pollen: %s\n", error->message);
    require (response != NULL, "the reference request failed");
    times[i] = since_ms (start);
  }
  /* the first one opened the connection */
  return median (times + 1, runs);
}

static gdouble
speech_request_ms (PollenEmulator * emulator, guint runs)
{
  g_autoptr (PollenRequest) request =
      pollen_request_new ("POST", "/v1/audio/speech");
  g_autoptr (JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "input", "Sentence number one.");
  json_object_set_string_member (body, "response_format", "wav");
  pollen_request_set_json (request, body);
  return client_request_ms (emulator, request, runs);
}

static gdouble
transcription_request_ms (PollenEmulator * emulator, GBytes * pcm,
    guint rate, guint runs)
{
  g_autoptr (PollenRequest) request =
      pollen_request_new ("POST", "/v1/audio/transcriptions");
  g_autoptr (GBytes) chunk = g_bytes_new_from_bytes (pcm, 0,
      MIN (g_bytes_get_size (pcm), 10 * rate * 2));
  g_autoptr (GBytes) wav = emu_wav_new (chunk, rate, 1);

  pollen_request_add_form_file (request, "file", "chunk.wav", "audio/wav",
      wav);
  pollen_request_add_form_field (request, "model", "whisper-large-v3");
  pollen_request_add_form_field (request, "response_format", "verbose_json");
  return client_request_ms (emulator, request, runs);
}

/* ---- the pollentts curve: texts queued at once ---- */

/* Mean time from queueing @texts texts to the first audio of each. */
static gdouble
tts_mean_first_audio_ms (PollenEmulator * emulator, guint texts,
    guint max_in_flight)
{
  g_autoptr (GstElement) pipeline = pipeline_new ("appsrc name=text "
      "format=time caps=text/x-raw,format=utf8 ! pollentts name=tts "
      "! appsink name=out sync=false");
  g_autoptr (GstElement) src = pipeline_get (pipeline, "text");
  g_autoptr (GstElement) tts = pipeline_get (pipeline, "tts");
  g_autoptr (GstElement) sink = pipeline_get (pipeline, "out");
  gdouble first[64], sum = 0;
  gint64 start;
  guint i;

  g_object_set (tts, "base-url", pollen_emulator_get_url (emulator),
      "api-key", BENCH_KEY, "max-in-flight", max_in_flight, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  start = g_get_monotonic_time ();
  for (i = 0; i < texts; i++) {
    g_autofree gchar *text = g_strdup_printf ("Sentence number %u.", i + 1);
    GstBuffer *buffer = gst_buffer_new_memdup (text, strlen (text));

    GST_BUFFER_PTS (buffer) = i * 5 * GST_SECOND;
    GST_BUFFER_DURATION (buffer) = 5 * GST_SECOND;
    gst_app_src_push_buffer (GST_APP_SRC (src), buffer);
    first[i] = -1;
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  for (;;) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 60 * GST_SECOND);
    GstBuffer *buffer;
    guint k;

    if (!sample)
      break;
    buffer = gst_sample_get_buffer (sample);
    k = GST_BUFFER_PTS (buffer) / (5 * GST_SECOND);
    if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP) && k < texts &&
        first[k] < 0)
      first[k] = since_ms (start);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  for (i = 0; i < texts; i++) {
    require (first[i] >= 0, "a text's speech never came out of pollentts");
    sum += first[i];
  }
  return sum / texts;
}

/* What the mean would be if each text waited only for the requests before
 * it: text k is answered after ceil((k + 1) / max_in_flight) requests. */
static gdouble
tts_ideal_ms (guint texts, guint max_in_flight, gdouble request_ms)
{
  gdouble sum = 0;
  guint k;

  for (k = 0; k < texts; k++)
    sum += ((k + max_in_flight) / max_in_flight) * request_ms;
  return sum / texts;
}

/* ---- (d) pollenstt on recorded speech ---- */

/* a talk read aloud: sentences of 1.4–6.4 s, some with commas (espeak-ng
 * pauses there), and the pauses of a reader between them */
static const gchar *const reading[] = {
  "The river starts high in the mountains, where the snow melts in spring",
  "It runs fast through narrow valleys",
  "Further down, the water slows, the valley opens, and the first villages "
      "appear on its banks",
  "Farmers have used it for centuries",
  "In dry summers the level drops so low that the old stone bridges show "
      "their foundations",
  "Boats carry wood, grain and salt to the towns downstream",
  "Where two rivers meet, a city grew",
  "Its market was once the largest in the region, and traders came from "
      "far away to sell cloth, spices and tools",
  "Today the harbour is quiet",
  "The river reaches the sea through a wide delta full of birds",
  NULL
};
static const guint reading_pause_ms[] = { 700, 450, 1100, 600, 900, 0 };
static const BenchRhythm reading_rhythm = { NULL, reading_pause_ms, reading };

/* The talk read once by espeak-ng (BENCH_SPEECH_RATE), looped by whoever
 * pushes it. */
static GBytes *
reading_pcm (void)
{
  g_autoptr (GArray) schedule = g_array_new (FALSE, FALSE,
      sizeof (BenchUtterance));
  GBytes *pcm = bench_speech_new (&reading_rhythm,
      g_strv_length ((GStrv) reading), schedule);

  require (pcm != NULL, "cannot make the speech with espeak-ng");
  return pcm;
}

/* About @seconds of emulator "speech" (tone bursts) at STT_RATE,
 * sentences with pauses: (f)'s hours of audio. */
static GBytes *
speech_pcm (guint seconds)
{
  GString *text = g_string_new (NULL);
  g_autoptr (GBytes) once = NULL;
  GByteArray *pcm = g_byte_array_new ();
  gsize want = (gsize) seconds * STT_RATE * 2;
  guint i;

  for (i = 0; i < 40; i++)
    g_string_append_printf (text, "This is sentence %u of the benchmark, "
        "spoken slowly and clearly. ", i + 1);
  once = emu_media_speech_pcm (text->str, STT_RATE);
  g_string_free (text, TRUE);
  while (pcm->len < want)
    g_byte_array_append (pcm, g_bytes_get_data (once, NULL),
        MIN (g_bytes_get_size (once), want - pcm->len));
  return g_byte_array_free_to_bytes (pcm);
}

static GstElement *
stt_pipeline (const gchar * url, guint rate, guint max_in_flight,
    const gchar * chunk_duration)
{
  g_autofree gchar *description = g_strdup_printf ("appsrc name=audio "
      "format=time block=true max-bytes=%u caps=audio/x-raw,format=S16LE,"
      "layout=interleaved,channels=1,rate=%u ! pollenstt name=stt "
      "%s ! fakesink", rate * 4, rate, chunk_duration);
  GstElement *pipeline = pipeline_new (description);
  g_autoptr (GstElement) stt = pipeline_get (pipeline, "stt");

  g_object_set (stt, "base-url", url, "api-key", BENCH_KEY, "max-in-flight",
      max_in_flight, NULL);
  return pipeline;
}

/* Pushes second @second of @pcm (mono at @rate, looped, its last partial
 * second left out) into @src. */
static GstFlowReturn
push_second (GstElement * src, GBytes * pcm, guint rate, guint64 second)
{
  gsize seconds = g_bytes_get_size (pcm) / (rate * 2);
  GBytes *slice = g_bytes_new_from_bytes (pcm,
      (second % seconds) * rate * 2, rate * 2);
  GstBuffer *buffer = gst_buffer_new_wrapped_bytes (slice);

  g_bytes_unref (slice);
  GST_BUFFER_PTS (buffer) = second * GST_SECOND;
  GST_BUFFER_DURATION (buffer) = GST_SECOND;
  return gst_app_src_push_buffer (GST_APP_SRC (src), buffer);
}

/* The wall time of @seconds of @pcm (BENCH_SPEECH_RATE, looped) through
 * pollenstt, and the *@requests it made. */
static gdouble
stt_wall_ms (PollenEmulator * emulator, GBytes * pcm, guint seconds,
    guint max_in_flight, guint * requests)
{
  g_autoptr (GstElement) pipeline = stt_pipeline (pollen_emulator_get_url
      (emulator), BENCH_SPEECH_RATE, max_in_flight, "chunk-duration=10000");
  g_autoptr (GstElement) src = pipeline_get (pipeline, "audio");
  guint before = pollen_emulator_get_request_count (emulator);
  guint64 second;
  gint64 start;
  gboolean ok;

  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  start = g_get_monotonic_time ();
  /* PLAYING first: appsrc blocks once it holds max-bytes */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* a pipeline that failed takes no more: its error is on the bus */
  for (second = 0; second < seconds; second++)
    if (push_second (src, pcm, BENCH_SPEECH_RATE, second) != GST_FLOW_OK)
      break;
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  ok = run_to_eos (pipeline, GST_STATE_NULL, NULL);
  require (ok, "the pollenstt pipeline did not reach EOS");
  *requests = pollen_emulator_get_request_count (emulator) - before;
  return since_ms (start);
}

/* pollentts and pollenstt against max-in-flight; writes the curve for the
 * plot into OUT/max-in-flight.dat. */
static void
bench_in_flight (Config * config)
{
  g_autoptr (GBytes) pcm = reading_pcm ();
  g_autofree gchar *path = g_build_filename (config->out_dir,
      "max-in-flight.dat", NULL);
  GString *curve = g_string_new ("# max-in-flight, pollentts mean first "
      "audio (s), its ideal, pollenstt wall (s), its ideal\n");
  PollenEmulator *emulator = pollen_emulator_new (0, NULL);
  guint i, requests, runs = MAX (3, config->runs);
  gdouble tts_ref, stt_ref, tts_ms, stt_ms;

  require (emulator != NULL, "cannot start the emulator");
  pollen_emulator_set_generation_time (emulator, config->generation_ms);
  tts_ref = speech_request_ms (emulator, runs);
  stt_ref = transcription_request_ms (emulator, pcm, BENCH_SPEECH_RATE,
      runs);
  g_print ("(d) pollenstt, %u s of speech (a %.0f s talk read by espeak-ng, "
      "looped), %u ms a request (one request of 10 s alone: %.0f ms); "
      "pollentts, %u texts at once (one alone: %.0f ms)\n", config->speech_s,
      g_bytes_get_size (pcm) / (BENCH_SPEECH_RATE * 2.0),
      config->generation_ms, stt_ref, config->tts_texts, tts_ref);

  for (i = 0; i < G_N_ELEMENTS (in_flight); i++) {
    guint m = in_flight[i];
    gdouble stt_ideal, tts_ideal;
    g_autofree gchar *figure = NULL;

    stt_ms = stt_wall_ms (emulator, pcm, config->speech_s, m, &requests);
    stt_ideal = (gdouble) requests / m * stt_ref;
    tts_ms = tts_mean_first_audio_ms (emulator, config->tts_texts, m);
    tts_ideal = tts_ideal_ms (config->tts_texts, m,
        tts_ref);
    figure = g_strdup_printf ("(d) pollenstt max-in-flight=%u, wall", m);
    add_row (figure, g_strdup_printf ("%.1f s (%u req)", stt_ms / 1000,
            requests), g_strdup_printf ("req/%u x %.0f ms = %.1f s", m,
            stt_ref, stt_ideal / 1000),
        stt_ms / stt_ideal, "<= 1.20", verdict_at_most (stt_ms / stt_ideal,
            1.2, NULL));
    g_free (figure);
    figure = g_strdup_printf ("pollentts max-in-flight=%u, mean first "
        "audio", m);
    add_row (figure, g_strdup_printf ("%.2f s", tts_ms / 1000),
        g_strdup_printf ("ideal %.2f s", tts_ideal / 1000),
        tts_ms / tts_ideal, "- (plot)", g_strdup ("(information)"));
    g_string_append_printf (curve, "%u %.3f %.3f %.3f %.3f\n", m,
        tts_ms / 1000, tts_ideal / 1000, stt_ms / 1000, stt_ideal / 1000);
  }
  if (!g_file_set_contents (path, curve->str, -1, NULL))
    g_printerr ("bench-pollen: cannot write %s\n", path);
  g_string_free (curve, TRUE);
  pollen_emulator_free (emulator);
}

/* ---- (e) pollensrc interval=1 against an 800 ms server ---- */

typedef struct
{
  GstClockTime latency;
  guint buffers;
  guint late;                   /* rendered more than 20 ms after its time */
  GstClockTimeDiff max_late;
  guint64 slots_seen;           /* bit k: a buffer for slot k (k < 64) */
  guint off_slot;               /* PTS not on a slot of its own */
} Slots;

static void
on_handoff (GstElement * sink, GstBuffer * buffer, GstPad * pad,
    gpointer user_data)
{
  Slots *slots = user_data;
  g_autoptr (GstClock) clock = gst_element_get_clock (sink);
  GstClockTime now = gst_clock_get_time (clock);
  GstClockTimeDiff late = GST_CLOCK_DIFF (gst_element_get_base_time (sink) +
      GST_BUFFER_PTS (buffer) + slots->latency, now);
  guint64 k = GST_BUFFER_PTS (buffer) / GST_SECOND;

  slots->buffers++;
  slots->max_late = MAX (slots->max_late, late);
  if (late > 20 * GST_MSECOND)
    slots->late++;
  if (GST_BUFFER_PTS (buffer) % GST_SECOND != 0 || k >= 64 ||
      (slots->slots_seen & (G_GUINT64_CONSTANT (1) << k)))
    slots->off_slot++;
  else
    slots->slots_seen |= G_GUINT64_CONSTANT (1) << k;
}

static void
bench_slots (Config * config)
{
  g_autofree gchar *description = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) sink = NULL;
  PollenEmulator *emulator = pollen_emulator_new (0, NULL);
  Slots slots = { GST_SECOND, 0, 0, 0, 0, 0 };
  guint warnings = 0, missed, generated;

  require (emulator != NULL, "cannot start the emulator");
  pollen_emulator_set_generation_time (emulator, 800);
  description = g_strdup_printf ("pollensrc base-url=%s api-key=" BENCH_KEY
      " prompt=slot width=320 height=240 interval=1 num-buffers=%u "
      "! fakesink name=sink sync=true signal-handoffs=true",
      pollen_emulator_get_url (emulator), config->slots);
  pipeline = pipeline_new (description);
  sink = pipeline_get (pipeline, "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), &slots);

  g_print ("(e) pollensrc interval=1, 800 ms a picture, %u slots\n",
      config->slots);
  require (run_to_eos (pipeline, GST_STATE_NULL, &warnings),
      "the interval pipeline did not reach EOS");
  missed = config->slots - MIN (config->slots,
      (guint) __builtin_popcountll (slots.slots_seen));
  add_row ("(e) interval=1, slots missed",
      g_strdup_printf ("%u of %u", missed, config->slots),
      g_strdup_printf ("%u buffers, %u late > 20 ms, worst %+.0f ms",
          slots.buffers, slots.late, slots.max_late / 1e6), NAN, "0",
      missed == 0 &&
      slots.off_slot == 0 ? g_strdup ("met") : g_strdup_printf ("missed "
          "by %u slots", missed + slots.off_slot));
  add_row ("(e) same, WARNING messages", g_strdup_printf ("%u", warnings),
      g_strdup ("fakesink sync=true"), NAN, "0", warnings == 0 ?
      g_strdup ("met") : g_strdup_printf ("missed by %u", warnings));
  /* a picture made past the last slot is billed and never shown */
  generated = pollen_emulator_get_request_count (emulator);
  add_row ("(e) same, pictures generated", g_strdup_printf ("%u",
          generated), g_strdup_printf ("%u slots", config->slots), NAN,
      "= slots", generated == config->slots ? g_strdup ("met") :
      g_strdup_printf ("missed by %d", (gint) generated -
          (gint) config->slots));
  pollen_emulator_free (emulator);
}

/* ---- (f) pollenstt RSS over hours of audio ---- */

static void
bench_rss (Config * config, PollenEmulator * emulator)
{
  g_autofree gchar *minutes = g_strdup_printf ("%u", config->rss_minutes);
  g_autofree gchar *every = g_strdup_printf ("%u", config->rss_every);
  gchar *argv[] = { self_exe, (gchar *) "child-stt-rss",
    (gchar *) pollen_emulator_get_url (emulator), minutes, every, NULL
  };
  g_auto (GStrv) lines = NULL;
  GString *series = g_string_new (NULL);
  gdouble first = 0, last = 0, minute, mb;
  guint i, before = pollen_emulator_get_request_count (emulator);
  Process process;

  g_print ("(f) pollenstt, %u min of speech as fast as it goes\n",
      config->rss_minutes);
  require (process_run (argv, &process), "the pollenstt RSS run failed");
  g_print ("  %u requests in %.0f s\n",
      pollen_emulator_get_request_count (emulator) - before,
      process.wall_ms / 1000);
  lines = g_strsplit (process.output, "\n", -1);
  g_free (process.output);
  for (i = 0; lines[i]; i++) {
    if (sscanf (lines[i], "%lf %lf", &minute, &mb) != 2)
      continue;
    if (first == 0)
      first = mb;
    last = mb;
    g_string_append_printf (series, "%s%.0f min %.1f",
        series->len ? ", " : "", minute, mb);
  }
  g_print ("  RSS (MB) by minutes of audio: %s\n", series->str);
  add_row (config->quick ? "(f) pollenstt RSS, end vs first figure" :
      "(f) pollenstt RSS, 10 h vs 1 h of audio",
      g_strdup_printf ("%.1f MB", last), g_strdup_printf ("%.1f MB "
          "(%.0f s to run)", first, process.wall_ms / 1000), last / first,
      "<= 1.05", verdict_at_most (last / first, 1.05, NULL));
  g_string_free (series, TRUE);
}

/* ---- (g) CPU while waiting for one answer ---- */

/* Runs both children side by side, each waiting @delay_ms for its answer;
 * their CPU and wall milliseconds go into @cpu and @wall. */
static void
wait_side_by_side (PollenEmulator * emulator, GBytes * png, guint delay_ms,
    gchar ** argvs[2], gdouble cpu[2], gdouble wall[2])
{
  Process children[2];
  gdouble peak;
  guint i;

  script_answers (emulator, "/image/", "image/png", png, 2, delay_ms);
  for (i = 0; i < 2; i++)
    require (process_spawn (argvs[i], &children[i]), "cannot start a child");
  for (i = 0; i < 2; i++) {
    require (process_wait (&children[i]), "a waiting pipeline failed");
    require (sscanf (children[i].output, "%lf %lf %lf", &cpu[i], &wall[i],
            &peak) == 3, "a waiting pipeline printed no figures");
    g_free (children[i].output);
  }
}

/* The CPU of a run that waits, less that of the same run without the wait,
 * is what waiting costs; the whole run is an upper bound. */
static void
bench_wait (Config * config, PollenEmulator * emulator)
{
  const gchar *url = pollen_emulator_get_url (emulator);
  g_autoptr (GBytes) png = noise_png (32, 32);
  g_autofree gchar *count = g_strdup ("1");
  g_autofree gchar *pollen = g_strdup_printf ("pollensrc base-url=%s "
      "api-key=" BENCH_KEY " prompt=wait ! fakesink", url);
  g_autofree gchar *soup = g_strdup_printf ("souphttpsrc timeout=0 "
      "location=%s/image/wait ! fakesink", url);
  gchar *pollen_argv[] = { self_exe, (gchar *) "child", count, pollen, NULL };
  gchar *soup_argv[] = { self_exe, (gchar *) "child", count, soup, NULL };
  gchar **argvs[2] = { pollen_argv, soup_argv };
  g_autofree gchar *figure = NULL;
  gdouble cpu[2], wall[2], base_cpu[2], base_wall[2], waiting[2];

  g_print ("(g) CPU while waiting %u s for one answer: pollensrc and "
      "souphttpsrc side by side, then the same without the wait\n",
      config->wait_s);
  wait_side_by_side (emulator, png, config->wait_s * 1000, argvs, cpu, wall);
  wait_side_by_side (emulator, png, 0, argvs, base_cpu, base_wall);
  waiting[0] = MAX (0, cpu[0] - base_cpu[0]);
  waiting[1] = MAX (0, cpu[1] - base_cpu[1]);

  figure = g_strdup_printf ("(g) CPU while waiting %u s", config->wait_s);
  add_row (figure, g_strdup_printf ("%.1f ms (%.1f - %.1f without wait)",
          waiting[0], cpu[0], base_cpu[0]), g_strdup_printf ("souphttpsrc "
          "%.1f ms", waiting[1]), waiting[1] > 0 ? waiting[0] / waiting[1] :
      NAN, "< 50 ms", verdict_at_most (waiting[0], 49.999, "ms"));
  add_row ("(g) same, whole run (start, wait, fetch)",
      g_strdup_printf ("%.1f ms (wall %.1f s)", cpu[0], wall[0] / 1000),
      g_strdup_printf ("souphttpsrc %.1f ms", cpu[1]), cpu[0] / cpu[1],
      "< 50 ms", verdict_at_most (cpu[0], 49.999, "ms"));
}

/* ---- (h) pollenchat's first sentence; pollenvision on a live tee ---- */

/* A streamed chat reply of @sentences sentences, an SSE event each, every
 * event (and the end, padded with a comment) the same size, so that the
 * emulator drips one every @interval_ms, the first after @interval_ms. */
static PollenEmulatorResponse *
sentence_stream (guint sentences, guint interval_ms)
{
  const gchar *end = "data: {\"choices\":[{\"index\":0,\"delta\":{},"
      "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
  GString *body = g_string_new (NULL);
  PollenEmulatorResponse *response;
  gsize event = 0;
  guint i;

  for (i = 0; i < sentences; i++) {
    g_string_append_printf (body, "data: {\"choices\":[{\"index\":0,"
        "\"delta\":{\"content\":\"Sentence %02u of the reply, long enough "
        "to be spoken. \"},\"finish_reason\":null}]}\n\n", i + 1);
    if (!event)
      event = body->len;
  }
  g_assert (strlen (end) + 4 <= event);
  g_string_append (body, ":");
  for (i = strlen (end) + 3; i < event; i++)
    g_string_append_c (body, ' ');
  g_string_append_printf (body, "\n\n%s", end);

  response = pollen_emulator_response_new (200, "text/event-stream", NULL, 0);
  response->body = g_string_free_to_bytes (body);
  response->delay_ms = interval_ms;
  response->chunk_size = event;
  response->chunk_interval_ms = interval_ms;
  return response;
}

/* Reference: the same stream read by pollenclient alone; its first bytes
 * (the first sentence) and the end of the body, in ms from sending. */
static void
chat_client_ms (PollenEmulator * emulator, Config * config,
    gdouble * first_bytes, gdouble * whole)
{
  g_autoptr (PollenClient) client =
      bench_client_new (emulator);
  g_autoptr (PollenRequest) request =
      pollen_request_new ("POST", "/v1/chat/completions");
  g_autoptr (JsonObject) body = json_object_new ();

  json_object_set_boolean_member (body, "stream", TRUE);
  pollen_request_set_json (request, body);
  pollen_emulator_push (emulator, "/v1/chat/completions",
      sentence_stream (config->sentences, config->sentence_ms));
  bench_read_timed (client, request, first_bytes, whole);
}

/* Subject: from pushing a text into pollenchat output=sentence to its
 * first and its last sentence out. */
static void
chat_sentences_ms (PollenEmulator * emulator, Config * config,
    gdouble * first, gdouble * last)
{
  g_autoptr (GstElement) pipeline = pipeline_new ("appsrc name=text "
      "format=time caps=text/x-raw,format=utf8 ! pollenchat name=chat "
      "output=sentence ! appsink name=out sync=false");
  g_autoptr (GstElement) src = pipeline_get (pipeline, "text");
  g_autoptr (GstElement) chat = pipeline_get (pipeline, "chat");
  g_autoptr (GstElement) sink = pipeline_get (pipeline, "out");
  GstBuffer *text = gst_buffer_new_memdup ("Go.", 3);
  guint sentences = 0;
  gint64 start;

  g_object_set (chat, "base-url", pollen_emulator_get_url (emulator),
      "api-key", BENCH_KEY, NULL);
  pollen_emulator_push (emulator, "/v1/chat/completions",
      sentence_stream (config->sentences, config->sentence_ms));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  GST_BUFFER_PTS (text) = 0;
  GST_BUFFER_DURATION (text) = 60 * GST_SECOND;
  start = g_get_monotonic_time ();
  gst_app_src_push_buffer (GST_APP_SRC (src), text);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  for (;;) {
    g_autoptr (GstSample) sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);

    if (!sample)
      break;
    *last = since_ms (start);
    if (sentences++ == 0)
      *first = *last;
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  require (sentences == config->sentences,
      "pollenchat did not give every sentence");
}

static void
bench_first_sentence (Config * config, PollenEmulator * emulator)
{
  gdouble first[MAX_RUNS], last[MAX_RUNS], first_bytes[MAX_RUNS];
  gdouble whole[MAX_RUNS], m_first, m_last, m_bytes, m_whole;
  guint run;

  g_print ("(h1) pollenchat output=sentence, %u sentences %u ms apart "
      "(%u runs)\n", config->sentences, config->sentence_ms, config->runs);
  for (run = 0; run < config->runs; run++) {
    chat_client_ms (emulator, config, &first_bytes[run], &whole[run]);
    chat_sentences_ms (emulator, config, &first[run], &last[run]);
  }
  m_first = median (first, config->runs);
  m_last = median (last, config->runs);
  m_bytes = median (first_bytes, config->runs);
  m_whole = median (whole, config->runs);

  add_row ("(h1) pollenchat first sentence - first bytes",
      g_strdup_printf ("%.0f ms", m_first - m_bytes),
      g_strdup_printf ("first bytes %.0f ms", m_bytes), m_first / m_bytes,
      "< 20 ms", verdict_at_most (m_first - m_bytes, 19.999, "ms"));
  add_pair_row ("(h1) first sentence / whole reply",
      g_strdup_printf ("%.0f ms", m_first), g_strdup_printf ("whole body "
          "%.0f ms", m_whole), first, whole, config->runs, "<= 0.20", 0.2);
  add_pair_row ("(h1) last sentence / whole reply",
      g_strdup_printf ("%.0f ms", m_last), g_strdup_printf ("whole body "
          "%.0f ms", m_whole), last, whole, config->runs, "-", NAN);
}

typedef struct
{
  gint64 last;                  /* monotonic µs of the last frame */
  gint64 max_gap;
} Pace;

/* On the tee's sink pad: how long the source waited between two frames. */
static GstPadProbeReturn
pace_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Pace *pace = user_data;
  gint64 now = g_get_monotonic_time ();

  if (pace->last)
    pace->max_gap = MAX (pace->max_gap, now - pace->last);
  pace->last = now;
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  guint64 rendered;
  guint64 dropped;              /* late by more than max-lateness */
  gdouble max_gap_ms;           /* the source's longest wait */
  gdouble latency_ms;           /* the video sink's: the video's delay */
  guint warnings;
  guint64 branch_rendered;      /* a video sink "branch" on the other */
  guint64 branch_dropped;       /* branch, when there is one */
} VideoRun;

/* What the video sink @name of @pipeline rendered and dropped late. */
static void
sink_stats (GstElement * pipeline, const gchar * name, guint64 * rendered,
    guint64 * dropped)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline),
      name);
  GstStructure *stats = NULL;

  if (!sink)
    return;
  g_object_get (sink, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "rendered", rendered);
  gst_structure_get_uint64 (stats, "dropped", dropped);
  gst_structure_free (stats);
}

/* A live 30 fps source through a tee, one branch through @video_queue to
 * a synchronised video sink (20 ms max-lateness, as video sinks have), the
 * other to @branch. */
static VideoRun
tee_video_run (Config * config, const gchar * video_queue,
    const gchar * branch)
{
  g_autofree gchar *description = g_strdup_printf ("videotestsrc "
      "is-live=true num-buffers=%u ! video/x-raw,width=320,height=240,"
      "framerate=30/1 ! tee name=t ! %s ! fakesink name=video sync=true "
      "qos=true max-lateness=20000000 t. ! %s", config->frames, video_queue,
      branch);
  g_autoptr (GstElement) pipeline = pipeline_new (description);
  g_autoptr (GstElement) tee = pipeline_get (pipeline, "t");
  g_autoptr (GstElement) video = pipeline_get (pipeline, "video");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (tee, "sink");
  VideoRun result = { 0 };
  Pace pace = { 0 };

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, pace_probe, &pace,
      NULL);
  require (run_to_eos (pipeline, GST_STATE_PLAYING, &result.warnings),
      "the live tee pipeline did not reach EOS");
  result.latency_ms = gst_base_sink_get_latency (GST_BASE_SINK (video)) /
      1e6;
  sink_stats (pipeline, "video", &result.rendered, &result.dropped);
  sink_stats (pipeline, "branch", &result.branch_rendered,
      &result.branch_dropped);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  result.max_gap_ms = pace.max_gap / 1000.0;
  return result;
}

/* The worst of @n runs: a frame lost once is lost. */
static VideoRun
worst_run (const VideoRun * runs, guint n)
{
  VideoRun worst = runs[0];
  guint i;

  for (i = 1; i < n; i++)
    if (runs[i].rendered < worst.rendered)
      worst = runs[i];
  return worst;
}

/* "N of M, D dropped late, W warnings" */
static gchar *
frames_shown (const VideoRun * run, guint frames)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT " of %u, %" G_GUINT64_FORMAT
      " dropped late, %u warnings", run->rendered, frames, run->dropped,
      run->warnings);
}

/* "met", or how many of @frames did not show. */
static gchar *
verdict_all_shown (guint64 rendered, guint frames)
{
  if (rendered == frames)
    return g_strdup ("met");
  return g_strdup_printf ("missed by %" G_GUINT64_FORMAT " frames",
      frames - rendered);
}

/* The recipe of docs/pollenvision.md (pollenvision straight on a tee
 * branch, its text into a fakesink; the video behind a queue), the same
 * with that fakesink async=false (as test_live_slow_server_never_delays_video
 * has it), and the pipeline without pollenvision, in turn; the server takes
 * vision_ms an answer. */
static void
bench_vision (Config * config)
{
  PollenEmulator *emulator = pollen_emulator_new (0, NULL);
  gchar *branches[3];
  VideoRun runs[3][MAX_RUNS], worst[3];
  gdouble gaps[3][MAX_RUNS], m_gap[3];
  gchar *shown[3];
  g_autofree gchar *figure = NULL;
  guint run, i, requests;

  require (emulator != NULL, "cannot start the emulator");
  pollen_emulator_set_generation_time (emulator, config->vision_ms);
  branches[0] = g_strdup_printf ("pollenvision base-url=%s api-key=" BENCH_KEY
      " interval=1 ! fakesink", pollen_emulator_get_url (emulator));
  branches[1] = g_strdup_printf ("%s async=false", branches[0]);
  branches[2] = g_strdup ("fakesink");
  g_print ("(h2) pollenvision interval=1 on a tee, live 30 fps, %u frames, "
      "%u ms an answer (%u runs)\n", config->frames, config->vision_ms,
      config->runs);
  for (run = 0; run < config->runs; run++) {
    for (i = 0; i < 3; i++) {
      runs[i][run] = tee_video_run (config, "queue", branches[i]);
      gaps[i][run] = runs[i][run].max_gap_ms;
    }
  }
  requests = pollen_emulator_get_request_count (emulator);
  pollen_emulator_free (emulator);
  for (i = 0; i < 3; i++) {
    worst[i] = worst_run (runs[i], config->runs);
    m_gap[i] = median (gaps[i], config->runs);
    g_free (branches[i]);
  }

  for (i = 0; i < 3; i++)
    shown[i] = frames_shown (&worst[i], config->frames);
  figure = g_strdup_printf ("(h2) pollenvision on a tee, video frames "
      "shown (worst of %u)", config->runs);
  add_row (figure, g_strdup_printf ("%s; %u requests in all", shown[0],
          requests), g_strdup_printf ("without: %s", shown[2]),
      (gdouble) worst[0].rendered / worst[2].rendered, "all",
      verdict_all_shown (worst[0].rendered, config->frames));
  add_row ("(h2) same, longest wait of the source (median)",
      g_strdup_printf ("%.0f ms", m_gap[0]), g_strdup_printf ("without %.0f "
          "ms", m_gap[2]), m_gap[0] / m_gap[2], "< 100 ms",
      verdict_at_most (m_gap[0], 99.999, "ms"));
  add_row ("(h2) same, text fakesink async=false, frames shown",
      g_strdup_printf ("%s; source waited %.0f ms", shown[1], m_gap[1]),
      g_strdup_printf ("without: %s", shown[2]),
      (gdouble) worst[1].rendered / worst[2].rendered, "all",
      verdict_all_shown (worst[1].rendered, config->frames));
  add_row ("(h2) same, video sink latency",
      g_strdup_printf ("%.0f ms (async=false %.0f ms)", worst[0].latency_ms,
          worst[1].latency_ms), g_strdup_printf ("without %.0f ms",
          worst[2].latency_ms), NAN, "-", g_strdup ("(information)"));
  for (i = 0; i < 3; i++)
    g_free (shown[i]);
}

/* The recipe of docs/recipes.md in the bench's shape: pollenedit straight
 * on a tee branch into a second synchronised video sink ("branch"), the
 * camera's video behind a queue, and the pipeline without pollenedit, in
 * turn; the server takes vision_ms an edit. */
static void
bench_edit (Config * config)
{
  PollenEmulator *emulator = pollen_emulator_new (0, NULL);
  gchar *branches[2];
  VideoRun runs[2][MAX_RUNS], worst[2];
  gdouble gaps[2][MAX_RUNS], m_gap[2];
  g_autofree gchar *shown = NULL;
  g_autofree gchar *without = NULL;
  guint64 edited = G_MAXUINT64, edited_late = 0;
  guint run, i, requests;

  require (emulator != NULL, "cannot start the emulator");
  pollen_emulator_set_generation_time (emulator, config->vision_ms);
  branches[0] = g_strdup_printf ("pollenedit base-url=%s api-key=" BENCH_KEY
      " interval=1 ! fakesink name=branch sync=true qos=true "
      "max-lateness=20000000", pollen_emulator_get_url (emulator));
  branches[1] = g_strdup ("fakesink");
  g_print ("(h3) pollenedit interval=1 on a tee, live 30 fps, %u frames, "
      "%u ms an edit (%u runs)\n", config->frames, config->vision_ms,
      config->runs);
  for (run = 0; run < config->runs; run++) {
    for (i = 0; i < 2; i++) {
      runs[i][run] = tee_video_run (config, "queue", branches[i]);
      gaps[i][run] = runs[i][run].max_gap_ms;
    }
    edited = MIN (edited, runs[0][run].branch_rendered);
    edited_late = MAX (edited_late, runs[0][run].branch_dropped);
  }
  requests = pollen_emulator_get_request_count (emulator);
  pollen_emulator_free (emulator);
  for (i = 0; i < 2; i++) {
    worst[i] = worst_run (runs[i], config->runs);
    m_gap[i] = median (gaps[i], config->runs);
    g_free (branches[i]);
  }

  shown = frames_shown (&worst[0], config->frames);
  without = frames_shown (&worst[1], config->frames);
  add_row ("(h3) pollenedit on a tee, camera frames shown (worst)",
      g_strdup_printf ("%s; %u requests in all", shown, requests),
      g_strdup_printf ("without: %s", without),
      (gdouble) worst[0].rendered / worst[1].rendered, "all",
      verdict_all_shown (worst[0].rendered, config->frames));
  add_row ("(h3) same, edited frames shown (worst)",
      g_strdup_printf ("%" G_GUINT64_FORMAT " of %u, up to %" G_GUINT64_FORMAT
          " dropped late", edited, config->frames, edited_late),
      g_strdup ("-"), (gdouble) edited / config->frames, "all",
      verdict_all_shown (edited, config->frames));
  add_row ("(h3) same, longest wait of the source (median)",
      g_strdup_printf ("%.0f ms", m_gap[0]), g_strdup_printf ("without %.0f "
          "ms", m_gap[1]), m_gap[0] / m_gap[1], "< 100 ms",
      verdict_at_most (m_gap[0], 99.999, "ms"));
  add_row ("(h3) same, video sink latency",
      g_strdup_printf ("%.0f ms", worst[0].latency_ms),
      g_strdup_printf ("without %.0f ms", worst[1].latency_ms), NAN, "-",
      g_strdup ("(information)"));
}

/* The audio-description recipes of docs/pollenvision.md, each run once
 * (longer than (h2): the video waits for the speech): the one it had
 * (the default queue on the video), in sync (a queue that holds the
 * pipeline's latency; a leaky one before pollenvision) and for a live
 * monitor (the speech not synchronised); both servers take vision_ms. */
static void
bench_audio_description (Config * config)
{
  static const struct
  {
    const gchar *name;
    const gchar *video_queue;
    const gchar *description_queue;
    const gchar *audio_sync;
  } recipes[] = {
    {"before", "queue", "", "true"},
    {"in sync", "queue max-size-buffers=0 max-size-bytes=0 "
          "max-size-time=10000000000", "queue leaky=downstream "
          "max-size-buffers=1 !", "true"},
    {"live monitor", "queue", "queue leaky=downstream max-size-buffers=1 !",
        "false"},
  };
  PollenEmulator *emulator = pollen_emulator_new (0, NULL);
  guint i;

  require (emulator != NULL, "cannot start the emulator");
  pollen_emulator_set_generation_time (emulator, config->vision_ms);
  g_print ("(h4) the audio-description recipe, pollenvision interval=4 ! "
      "pollentts, live 30 fps, %u frames, %u ms an answer\n",
      config->frames, config->vision_ms);
  for (i = 0; i < G_N_ELEMENTS (recipes); i++) {
    g_autofree gchar *branch = g_strdup_printf ("%s pollenvision base-url=%s "
        "api-key=" BENCH_KEY " interval=4 ! pollentts base-url=%s api-key="
        BENCH_KEY " ! audioconvert ! fakesink sync=%s",
        recipes[i].description_queue, pollen_emulator_get_url (emulator),
        pollen_emulator_get_url (emulator), recipes[i].audio_sync);
    VideoRun run = tee_video_run (config, recipes[i].video_queue, branch);
    g_autofree gchar *figure = g_strdup_printf ("(h4) audio description, "
        "%s: video delay", recipes[i].name);
    g_autofree gchar *shown = frames_shown (&run, config->frames);

    add_row (figure, g_strdup_printf ("%.2f s", run.latency_ms / 1000),
        g_strdup_printf ("source waited %.0f ms at most; %s", run.max_gap_ms,
            shown), NAN, "-", g_strdup ("(information)"));
  }
  pollen_emulator_free (emulator);
}

/* ---- (i) live captions: realtime pollenstt against chunked ---- */

typedef struct
{
  const gchar *name;
  const gchar *settings;        /* pollenstt's */
} LiveMode;

static const LiveMode live_modes[] = {
  {"realtime", "model=scribe-realtime"},
  {"chunked", ""},              /* chunk-duration=3000 latency=1000 */
  {"former defaults", "chunk-duration=5000 latency=3000"},
};

/* The @p quantile (nearest rank) of @values. */
static gdouble
quantile (GArray * values, gdouble p)
{
  g_autoptr (GArray) sorted = g_array_copy (values);
  guint rank;

  g_array_sort (sorted, compare_doubles);
  rank = (guint) ceil (p * sorted->len);
  return g_array_index (sorted, gdouble, MAX (rank, 1) - 1);
}

/* "@label 0.62 s (p90 0.80 s)" of @values in ms */
static gchar *
spread_s (const gchar * label, GArray * values)
{
  return g_strdup_printf ("%s %.2f s (p90 %.2f s)", label,
      quantile (values, 0.5) / 1000, quantile (values, 0.9) / 1000);
}

/* A row of words behind speech, realtime against the chunked @mode. */
static void
add_behind_row (const gchar * figure, BenchLiveScores * scores, guint mode,
    gboolean shown, const gchar * target, gchar * verdict)
{
  GArray *realtime = shown ? scores[0].behind_shown : scores[0].behind_out;
  GArray *chunked = shown ? scores[mode].behind_shown :
      scores[mode].behind_out;

  add_row (figure, spread_s ("realtime", realtime),
      spread_s (live_modes[mode].name, chunked), quantile (realtime, 0.5) /
      quantile (chunked, 0.5), target, verdict);
}

static void
add_live_rows (BenchLiveScores * scores)
{
  BenchLiveScores *realtime = &scores[0];
  gdouble shown_p90 = quantile (realtime->behind_shown, 0.9) / 1000;
  gdouble server_p90 = quantile (realtime->server_to_out, 0.9);
  guint missed = realtime->utterances - realtime->early;

  add_behind_row ("(i) words behind speech leaving pollenstt, median",
      scores, 1, FALSE, "-", g_strdup ("(information)"));
  add_behind_row ("(i) same, against chunk-duration=5000 latency=3000",
      scores, 2, FALSE, "-", g_strdup ("(information)"));
  add_behind_row ("(i) words behind speech on a synchronised sink, median",
      scores, 1, TRUE, "< 1 s (p90)", verdict_at_most (shown_p90, 0.99999,
          "s"));
  add_behind_row ("(i) same, against chunk-duration=5000 latency=3000",
      scores, 2, TRUE, "-", g_strdup ("(information)"));
  add_row ("(i) realtime: server sends a word - it leaves pollenstt",
      g_strdup_printf ("median %.1f ms, p90 %.1f ms, max %.1f ms",
          quantile (realtime->server_to_out, 0.5), server_p90,
          quantile (realtime->server_to_out, 1.0)),
      g_strdup_printf ("%u words", realtime->server_to_out->len), NAN,
      "< 50 ms (p90)", verdict_at_most (server_p90, 49.999, "ms"));
  add_row ("(i) realtime: a word's PTS - the start of its sound",
      spread_s ("realtime", realtime->pts_late), g_strdup ("-"), NAN, "-",
      g_strdup ("(information)"));
  add_row ("(i) first word out while its utterance is spoken",
      g_strdup_printf ("realtime %u of %u", realtime->early,
          realtime->utterances), g_strdup_printf ("chunked %u, %s %u of %u",
          scores[1].early, live_modes[2].name, scores[2].early,
          scores[1].utterances), NAN, "all", missed ? g_strdup_printf
      ("missed by %u utterances", missed) : g_strdup ("met"));
}

/* The same live speech through each pollenstt in turn, the server taking
 * LIVE_SERVER_MS to answer a chunk or to say a word it heard. */
static void
bench_live_captions (Config * config)
{
  PollenEmulator *emulator = pollen_emulator_new (0, NULL);
  g_autoptr (GArray) schedule = g_array_new (FALSE, FALSE,
      sizeof (BenchUtterance));
  g_autoptr (GBytes) speech = bench_live_speech (config->utterances,
      schedule);
  BenchLiveScores scores[G_N_ELEMENTS (live_modes)];
  guint round, i;

  require (emulator != NULL, "cannot start the emulator");
  pollen_emulator_set_generation_time (emulator, LIVE_SERVER_MS);
  g_print ("(i) live captions: speech of %u utterances (%.1f s) spoken "
      "live through realtime and chunked pollenstt, %u ms a server answer "
      "(%u rounds)\n",
      config->utterances, g_bytes_get_size (speech) / 48000.0,
      LIVE_SERVER_MS, config->live_rounds);
  for (i = 0; i < G_N_ELEMENTS (live_modes); i++)
    bench_live_scores_init (&scores[i]);
  for (round = 0; round < config->live_rounds; round++)
    for (i = 0; i < G_N_ELEMENTS (live_modes); i++)
      require (bench_live_run (emulator, live_modes[i].settings, speech,
              schedule, &scores[i]), "a live captions pipeline failed");
  pollen_emulator_free (emulator);
  add_live_rows (scores);
  for (i = 0; i < G_N_ELEMENTS (live_modes); i++)
    bench_live_scores_clear (&scores[i]);
}

/* ---- (j) mouth-to-ear: pollenrealtime against stt ! chat ! tts ---- */

typedef struct
{
  const gchar *name;
  const gchar *talker;          /* its last element named "talker" */
} TalkMode;

/* the live interpreter of docs/recipes.md after pollenstt */
#define TRANSLATE_AND_SPEAK_AFTER(chat, tts) "pollenchat " chat " " \
  "system=\"Translate into French. Reply with the translation only.\" " \
  "output=sentence ! pollentts name=talker voice=nova " tts
#define TRANSLATE_AND_SPEAK TRANSLATE_AND_SPEAK_AFTER ("", "")

static const TalkMode talk_modes[] = {
  {"pollenrealtime", "pollenrealtime name=talker interrupt=false "
        "instructions=\"Translate everything you hear into French\""},
  {"stt ! chat ! tts", "pollenstt language-code=en ! " TRANSLATE_AND_SPEAK},
  /* the defaults before issue 24: a chain latency of 13.04 s */
  {"former defaults", "pollenstt language-code=en chunk-duration=5000 "
        "latency=3000 ! " TRANSLATE_AND_SPEAK_AFTER ("latency=3000",
            "latency=2000")},
};

/* "median 12.3 ms, p90 …, max …" of @values in ms */
static gchar *
spread_ms (GArray * values)
{
  return g_strdup_printf ("median %.1f ms, p90 %.1f ms, max %.1f ms",
      quantile (values, 0.5), quantile (values, 0.9), quantile (values,
          1.0));
}

/* The chain's time from each sentence's start to its answer's first audio
 * over the ideal: the sentence, the pause that ends it (pollenstt's
 * min-silence) and the three servers' time. */
static GArray *
over_ideal (const BenchTalkScores * scores)
{
  GArray *ratios = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint i;

  for (i = 0; i < scores->mouth_to_ear->len; i++) {
    gdouble said = g_array_index (scores->utterance, gdouble, i);
    gdouble heard = said + g_array_index (scores->mouth_to_ear, gdouble, i);
    gdouble ratio = heard / (said + TALK_PAUSE_MS + 3 * TALK_SERVER_MS);

    g_array_append_val (ratios, ratio);
  }
  return ratios;
}

/* "@label 1.41 (p90 1.62)" of @ratios */
static gchar *
spread_ratio (const gchar * label, GArray * ratios)
{
  return g_strdup_printf ("%s %.2f (p90 %.2f)", label, quantile (ratios,
          0.5), quantile (ratios, 0.9));
}

static void
add_ideal_row (BenchTalkScores * scores)
{
  g_autoptr (GArray) now = over_ideal (&scores[1]);
  g_autoptr (GArray) before = over_ideal (&scores[2]);

  add_row ("(j) stt ! chat ! tts, a sentence's start - its answer's first "
      "audio, over the ideal (the sentence + " G_STRINGIFY (TALK_PAUSE_MS)
      " ms pause + 3 servers), median", spread_ratio ("defaults", now),
      spread_ratio ("former defaults", before), NAN, "<= 1.5",
      verdict_at_most (quantile (now, 0.5), 1.5, NULL));
}

static gdouble
latency_ms (const BenchTalkScores * scores)
{
  return GST_CLOCK_TIME_IS_VALID (scores->latency) ?
      scores->latency / 1e6 : NAN;
}

static void
add_talk_rows (BenchTalkScores * scores)
{
  BenchTalkScores *realtime = &scores[0];
  gdouble ear_p90 = quantile (realtime->mouth_to_ear, 0.9) / 1000;
  gdouble out_p90 = quantile (realtime->server_to_out, 0.9);
  gdouble heard_p90 = quantile (realtime->server_to_ear, 0.9);
  gdouble latency = latency_ms (realtime);
  guint mode;

  for (mode = 1; mode < G_N_ELEMENTS (talk_modes); mode++)
    add_row (mode == 1 ? "(j) mouth-to-ear: a sentence's end - its "
        "answer's first audio on a synchronised sink, median" :
        "(j) same, against the former defaults (pollenstt "
        "chunk-duration=5000 latency=3000, pollenchat latency=3000, "
        "pollentts latency=2000)",
        spread_s (talk_modes[0].name, realtime->mouth_to_ear),
        spread_s (talk_modes[mode].name, scores[mode].mouth_to_ear),
        quantile (realtime->mouth_to_ear, 0.5) /
        quantile (scores[mode].mouth_to_ear, 0.5), mode == 1 ?
        "<= 1.5 s (p90)" : "-", mode == 1 ? verdict_at_most (ear_p90, 1.5,
            "s") : g_strdup ("(information)"));
  add_ideal_row (scores);
  add_row ("(j) pollenrealtime: server sends a reply's first audio - it "
      "leaves the element", spread_ms (realtime->server_to_out),
      g_strdup_printf ("%u replies", realtime->server_to_out->len), NAN,
      "< 100 ms (p90)", verdict_at_most (out_p90, 99.999, "ms"));
  add_row ("(j) same - the sink renders it", spread_ms
      (realtime->server_to_ear), g_strdup_printf ("pipeline latency %.0f ms",
          latency), NAN, "< 100 ms + latency (p90)",
      verdict_at_most (heard_p90, 99.999 + latency, "ms"));
  add_row ("(j) the pipelines' latency", g_strdup_printf ("%s %.0f ms",
          talk_modes[0].name, latency), g_strdup_printf ("%s %.2f s, %s "
          "%.2f s", talk_modes[1].name, latency_ms (&scores[1]) / 1000,
          talk_modes[2].name, latency_ms (&scores[2]) / 1000), NAN, "-",
      g_strdup ("(information)"));
}

/* The same live sentences answered by pollenrealtime and by the chain in
 * turn, every server taking TALK_SERVER_MS to answer: a transcription, a
 * chat reply's first bytes, a speech's first bytes, a realtime reply's
 * first audio after the turn ended. */
static void
bench_mouth_to_ear (Config * config)
{
  PollenEmulator *emulator = pollen_emulator_new (0, NULL);
  g_autoptr (GArray) schedule = g_array_new (FALSE, FALSE,
      sizeof (BenchUtterance));
  g_autoptr (GBytes) speech = bench_talk_speech (config->sentences_spoken,
      schedule);
  BenchTalkScores scores[G_N_ELEMENTS (talk_modes)];
  guint round, i;

  require (emulator != NULL, "cannot start the emulator");
  require (speech != NULL, "cannot make the speech with espeak-ng");
  pollen_emulator_set_generation_time (emulator, TALK_SERVER_MS);
  g_print ("(j) mouth-to-ear: %u sentences (%.1f s, espeak-ng) spoken live "
      "into pollenrealtime and into pollenstt ! pollenchat ! pollentts, %u "
      "ms a server answer (%u rounds)\n", config->sentences_spoken,
      g_bytes_get_size (speech) / 48000.0, TALK_SERVER_MS,
      config->talk_rounds);
  for (i = 0; i < G_N_ELEMENTS (talk_modes); i++)
    bench_talk_scores_init (&scores[i]);
  for (round = 0; round < config->talk_rounds; round++)
    for (i = 0; i < G_N_ELEMENTS (talk_modes); i++)
      require (bench_talk_run (emulator, talk_modes[i].talker, speech,
              schedule, &scores[i]), "a mouth-to-ear pipeline failed");
  pollen_emulator_free (emulator);
  add_talk_rows (scores);
  for (i = 0; i < G_N_ELEMENTS (talk_modes); i++)
    bench_talk_scores_clear (&scores[i]);
}

/* ---- child modes ---- */

/* bench-pollen child COUNT PIPELINE: runs PIPELINE to EOS COUNT times
 * (READY between runs, so elements keep what they keep across runs), then
 * prints the CPU and wall milliseconds of those runs. */
static int
child_run (guint count, const gchar * description)
{
  g_autoptr (GstElement) pipeline = bench_pipeline_new (description);
  struct rusage before, after;
  gint64 start;
  guint i;

  if (!pipeline)
    return 1;
  getrusage (RUSAGE_SELF, &before);
  start = g_get_monotonic_time ();
  for (i = 0; i < count; i++)
    if (!run_to_eos (pipeline, GST_STATE_READY, NULL))
      return 1;
  getrusage (RUSAGE_SELF, &after);
  g_print ("%.2f %.2f %.1f\n", cpu_ms (&after) - cpu_ms (&before),
      since_ms (start), status_mb ("VmHWM:"));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return 0;
}

/* Drops what waits on @bus, as an application's bus watch would; FALSE
 * on an error. */
static gboolean
drain_bus (GstBus * bus)
{
  gboolean ok = TRUE;

  for (;;) {
    g_autoptr (GstMessage) message = gst_bus_pop (bus);

    if (!message)
      return ok;
    if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
      ok = FALSE;
  }
}

/* bench-pollen child-stt-rss URL MINUTES EVERY: MINUTES of speech through
 * pollenstt (default settings) as fast as it goes; prints "minute RSS-MB"
 * every EVERY minutes of audio pushed and at the end. The bus is drained
 * as it goes: pollenstt posts a message per chunk. */
static int
child_stt_rss (const gchar * url, guint minutes, guint every)
{
  g_autoptr (GstElement) pipeline = stt_pipeline (url, STT_RATE, 4, "");
  g_autoptr (GstElement) src = pipeline_get (pipeline, "audio");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GBytes) pcm = speech_pcm (60);
  guint64 second;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (second = 0; second < minutes * 60; second++) {
    if (push_second (src, pcm, STT_RATE, second) != GST_FLOW_OK ||
        !drain_bus (bus))
      return 1;
    if ((second + 1) % (every * 60) == 0)
      g_print ("%" G_GUINT64_FORMAT " %.1f\n", (second + 1) / 60,
          status_mb ("VmRSS:"));
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  if (!run_to_eos (pipeline, GST_STATE_NULL, NULL))
    return 1;
  g_print ("%u %.1f\n", minutes, status_mb ("VmRSS:"));
  return 0;
}

/* ---- the machine ---- */

static gchar *
proc_field (const gchar * file, const gchar * name)
{
  g_autofree gchar *contents = NULL;
  const gchar *line;

  if (!g_file_get_contents (file, &contents, NULL, NULL) ||
      !(line = strstr (contents, name)))
    return g_strdup ("?");
  line = strchr (line, ':');
  line = line ? line + 1 : "?";
  while (*line == ' ' || *line == '\t')
    line++;
  return g_strndup (line, strcspn (line, "\n"));
}

static void
print_machine (void)
{
  g_autofree gchar *model = proc_field ("/proc/cpuinfo", "model name");
  g_autofree gchar *memory = proc_field ("/proc/meminfo", "MemTotal");
  g_autofree gchar *gst = gst_version_string ();
  g_autofree gchar *load = NULL;

  g_file_get_contents ("/proc/loadavg", &load, NULL, NULL);
  g_print ("machine: %u processors (nproc), %s, memory %s, %s, libsoup "
      "%u.%u.%u, load average %.14s\n", g_get_num_processors (), model,
      memory, gst, soup_get_major_version (), soup_get_minor_version (),
      soup_get_micro_version (), load ? load : "?");
}

static void
print_table (void)
{
  const gchar *head[] = { "figure", "gst-pollen", "reference (same run)",
    "ratio", "target", "verdict"
  };
  guint i, j;

  g_print ("\n| %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|\n",
      head[0], head[1], head[2], head[3], head[4], head[5]);
  for (i = 0; i < rows->len; i++) {
    Row *row = rows->pdata[i];
    const gchar *cells[] = { row->figure, row->subject, row->reference,
      row->ratio, row->target, row->verdict
    };

    for (j = 0; j < G_N_ELEMENTS (cells); j++)
      g_print ("| %s ", cells[j]);
    g_print ("|\n");
  }
}

static void
config_init (Config * config, gboolean quick, const gchar * out_dir)
{
  config->quick = quick;
  config->runs = quick ? 1 : 5;
  config->fetches = quick ? 20 : 100;
  config->fetch_runs = quick ? 1 : MAX_RUNS;
  config->big_pairs[0] = quick ? 21 : 51;
  config->big_pairs[1] = quick ? 21 : 51;
  config->big_pairs[2] = quick ? 15 : 41;
  config->generation_ms = quick ? 300 : 1000;
  config->speech_s = quick ? 120 : 600;
  config->tts_texts = 8;
  config->slots = quick ? 5 : 60;
  config->rss_minutes = quick ? 20 : 600;
  config->rss_every = quick ? 5 : 60;
  config->wait_s = quick ? 3 : 30;
  config->sentences = quick ? 5 : 10;
  config->sentence_ms = 100;
  config->frames = quick ? 60 : 300;
  config->vision_ms = 1500;
  config->utterances = quick ? 2 : 14;
  config->live_rounds = quick ? 1 : 3;
  config->sentences_spoken = quick ? 2 : 8;
  config->talk_rounds = quick ? 1 : 3;
  config->out_dir = g_strdup (out_dir ? out_dir : ".");
}

int
main (int argc, char **argv)
{
  gboolean quick = FALSE;
  g_autofree gchar *out_dir = NULL;
  g_autofree gchar *only = NULL;
  GOptionEntry entries[] = {
    {"quick", 0, 0, G_OPTION_ARG_NONE, &quick,
        "Smoke run: fewer and smaller of everything (about a minute)", NULL},
    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir,
        "Write max-in-flight.dat for the plot here (default: .)", "DIR"},
    {"only", 0, 0, G_OPTION_ARG_STRING, &only,
        "Run only these benchmarks, e.g. \"bf\" (default: abcdefghij)",
        "LETTERS"},
    {NULL}
  };
  g_autoptr (GOptionContext) options = NULL;
  g_autoptr (GError) error = NULL;
  PollenEmulator *emulator;
  Config config;

  gst_init (&argc, &argv);
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (argc == 4 && g_str_equal (argv[1], "child"))
    return child_run (g_ascii_strtoull (argv[2], NULL, 10), argv[3]);
  if (argc == 5 && g_str_equal (argv[1], "child-stt-rss"))
    return child_stt_rss (argv[2], g_ascii_strtoull (argv[3], NULL, 10),
        g_ascii_strtoull (argv[4], NULL, 10));

  options = g_option_context_new ("- gst-pollen benchmarks against the "
      "emulator");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error)) {
    g_printerr ("bench-pollen: %s\n", error->message);
    return 2;
  }
  config_init (&config, quick, out_dir);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  print_machine ();

  emulator = pollen_emulator_new (0, NULL);
  require (emulator != NULL, "cannot start the emulator");
  if (!only)
    only = g_strdup ("abcdefghij");
  if (step_selected (only, "(a)"))
    bench_fetch (&config, emulator);
  if (step_selected (only, "(b)"))
    bench_big (&config, emulator);
  if (step_selected (only, "(c)"))
    bench_first_audio (&config);
  if (step_selected (only, "(d)"))
    bench_in_flight (&config);
  if (step_selected (only, "(e)"))
    bench_slots (&config);
  if (step_selected (only, "(g)"))
    bench_wait (&config, emulator);
  if (step_selected (only, "(h)")) {
    bench_first_sentence (&config, emulator);
    bench_vision (&config);
    bench_edit (&config);
    bench_audio_description (&config);
  }
  if (step_selected (only, "(i)"))
    bench_live_captions (&config);
  if (step_selected (only, "(j)"))
    bench_mouth_to_ear (&config);
  if (step_selected (only, "(f)"))
    bench_rss (&config, emulator);
  pollen_emulator_free (emulator);

  print_table ();
  print_machine ();
  g_ptr_array_unref (rows);
  g_free (config.out_dir);
  g_free (self_exe);
  return 0;
}
