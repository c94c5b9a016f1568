/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Placeholder media: pictures and clips from videotestsrc, speech and music
 * as plain tones, encoded by the stock GStreamer elements. Every pipeline
 * runs on its own bus without a main loop, so any thread may call in. The
 * few muxer fields that would change from run to run (Ogg serial numbers,
 * MP4 timestamps) are overwritten to keep the output deterministic. */

#include "emumedia.h"
#include "emuwav.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/video/video.h>
#include <string.h>

#define EMU_FNV_PRIME G_GUINT64_CONSTANT (0x100000001b3)

#define EMU_MAX_SIDE 8192
#define EMU_FPS 10
#define EMU_OVERLAY_MAX_CHARS 120
#define EMU_OVERLAY_MIN_PT 12
#define EMU_OVERLAY_LINES 24    /* text height: the short side / this */
/* The server re-encodes every picture as a quality-90 JPEG */
#define EMU_JPEG_QUALITY 90
/* ± levels of noise on every colour byte, tuned for the sizes real models
 * answer (a 1024x1024 JPEG of 0.23-0.42 MB, a PNG of 2-4 MB) */
#define EMU_JPEG_NOISE 6
#define EMU_PNG_NOISE 8
#define EMU_VIDEO_FPS 24
#define EMU_VIDEO_SCROLL 4      /* pixels a frame, so that frames differ */
#define EMU_VIDEO_NOISE 6
/* 0.22 bits a pixel at 24 fps: about 5 Mbit/s at 1280x720 */
#define EMU_VIDEO_BITS_PER_PIXEL 22
#define EMU_VIDEO_MIN_BITRATE 64000
/* what the pictures and clips made are kept in, at most */
#define EMU_CACHE_BYTES (256 * 1024 * 1024)

#define EMU_AMPLITUDE 8231.0    /* -12 dBFS of 32767 */
#define EMU_LETTER_MS 60
#define EMU_WORD_MIN_MS 120
#define EMU_WORD_MAX_LETTERS 50 /* 3 s: a pathological token stays short */
#define EMU_WORD_GAP_MS 80
#define EMU_SENTENCE_GAP_MS 400
#define EMU_SPEECH_FADE_MS 20
#define EMU_EMPTY_SPEECH_MS 200
#define EMU_NOTE_MS 250
#define EMU_NOTE_FADE_MS 10
#define EMU_SEMITONE 1.0594630943592953 /* 2^(1/12) */

#define EMU_OGG_SERIAL 0x706f6c6cu  /* "poll" */
/* a stuck pipeline must not block the emulator's thread for ever */
#define EMU_PIPELINE_TIMEOUT (120 * GST_SECOND)

/* ---- hashing ---- */

/* 64-bit FNV-1a of @text followed by the little-endian bytes of @seed. */
static guint64
emu_hash (const gchar * text, gint64 seed)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  guint64 s = (guint64) seed;
  const guchar *p;
  guint i;

  for (p = (const guchar *) text; *p; p++)
    h = (h ^ *p) * EMU_FNV_PRIME;
  for (i = 0; i < 8; i++)
    h = (h ^ ((s >> (8 * i)) & 0xff)) * EMU_FNV_PRIME;
  return h;
}

/* splitmix64: independent values (pattern, colours, notes) from one hash. */
static guint64
emu_mix (guint64 h, guint64 salt)
{
  guint64 z = h + (salt + 1) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* ---- tones (pure C) ---- */

static gsize
emu_ms_to_samples (guint ms, guint rate)
{
  return (gsize) ((guint64) ms * rate / 1000);
}

/* sin and cos of @x from their Taylor series: the emulator is not linked
 * with libm, and a tone needs them only once. Exact to double precision
 * for |x| <= 2π. */
static void
emu_sin_cos (gdouble x, gdouble * s, gdouble * c)
{
  gdouble ts = x, tc = 1.0;
  guint k;

  *s = *c = 0.0;
  for (k = 1; k < 40; k += 2) {
    *s += ts;
    *c += tc;
    ts *= -x * x / ((k + 1) * (k + 2));
    tc *= -x * x / (k * (k + 1));
  }
}

static void
emu_append_silence (GArray * samples, gsize n)
{
  /* the array clears what it grows by */
  g_array_set_size (samples, samples->len + n);
}

/* Appends @n samples of a sine at @freq, with linear fades of @fade samples
 * so that bursts start and stop without clicks. The sine comes from a
 * rotating phasor, exact enough over the few seconds of a tone. */
static void
emu_append_tone (GArray * samples, gdouble freq, guint rate, gsize n,
    gsize fade)
{
  gsize start = samples->len, i;
  gdouble s = 0.0, c = 1.0, ds, dc;

  emu_sin_cos (2.0 * G_PI * freq / rate, &ds, &dc);
  fade = MIN (fade, n / 2);
  g_array_set_size (samples, start + n);
  for (i = 0; i < n; i++) {
    gdouble gain = 1.0, v, next_s;

    if (i < fade)
      gain = (gdouble) i / fade;
    else if (n - i <= fade)
      gain = (gdouble) (n - 1 - i) / fade;
    v = EMU_AMPLITUDE * gain * s;
    g_array_index (samples, gint16, start + i) =
        GINT16_TO_LE ((gint16) (v < 0 ? v - 0.5 : v + 0.5));

    next_s = s * dc + c * ds;
    c = c * dc - s * ds;
    s = next_s;
  }
}

static GArray *
emu_samples_new (void)
{
  return g_array_new (FALSE, TRUE, sizeof (gint16));
}

static GBytes *
emu_samples_free_to_bytes (GArray * samples)
{
  gsize size = samples->len * sizeof (gint16);

  return g_bytes_new_take (g_array_free (samples, FALSE), size);
}

/* Counts the letters and digits of @word and tells whether it ends a
 * sentence: a . ! or ? after its last letter or digit. */
static guint
emu_word_letters (const gchar * word, gboolean * sentence_end)
{
  const gchar *p;
  guint letters = 0;

  *sentence_end = FALSE;
  for (p = word; *p; p = g_utf8_next_char (p)) {
    gunichar ch = g_utf8_get_char (p);

    if (g_unichar_isalnum (ch)) {
      letters++;
      *sentence_end = FALSE;
    } else if (ch == '.' || ch == '!' || ch == '?') {
      *sentence_end = TRUE;
    }
  }
  return letters;
}

/* How long the burst of a word of @letters letters is. */
static gsize
emu_word_samples (guint letters, guint rate)
{
  guint ms = MIN (letters, EMU_WORD_MAX_LETTERS) * EMU_LETTER_MS;

  return emu_ms_to_samples (MAX (ms, EMU_WORD_MIN_MS), rate);
}

/* The next run of non-blanks of @text from *@pos on, moving *@pos past
 * it; FALSE at the end. */
static gboolean
emu_next_token (const gchar * text, gsize * pos, gsize * start, gsize * end)
{
  static const gchar blanks[] = " \t\n\r\f\v";

  *pos += strspn (text + *pos, blanks);
  if (!text[*pos])
    return FALSE;
  *start = *pos;
  *pos += strcspn (text + *pos, blanks);
  *end = *pos;
  return TRUE;
}

GArray *
emu_media_speech_words (const gchar * text, guint rate, gsize * total)
{
  GArray *words = g_array_new (FALSE, FALSE, sizeof (EmuMediaWord));
  gsize pos = 0, at = 0, start, end;
  guint gap_ms = 0;

  while (emu_next_token (text, &pos, &start, &end)) {
    gchar *token = g_strndup (text + start, end - start);
    gboolean sentence_end;
    guint letters = emu_word_letters (token, &sentence_end);

    if (letters > 0) {
      EmuMediaWord word = { start, end, at + emu_ms_to_samples (gap_ms,
            rate), 0
      };

      word.end = word.start + emu_word_samples (letters, rate);
      g_array_append_val (words, word);
      at = word.end;
      gap_ms = EMU_WORD_GAP_MS;
    }
    if (sentence_end && words->len)
      gap_ms = EMU_SENTENCE_GAP_MS;
    g_free (token);
  }
  if (!words->len)
    at = emu_ms_to_samples (EMU_EMPTY_SPEECH_MS, rate);
  else if (gap_ms == EMU_SENTENCE_GAP_MS)
    at += emu_ms_to_samples (gap_ms, rate);
  *total = at;
  return words;
}

GBytes *
emu_media_speech_pcm (const gchar * text, guint rate)
{
  GArray *samples;
  gchar *valid;
  GArray *words;
  gsize total;
  guint i;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (rate > 0, NULL);

  samples = emu_samples_new ();
  valid = g_utf8_make_valid (text, -1);
  words = emu_media_speech_words (valid, rate, &total);
  for (i = 0; i < words->len; i++) {
    EmuMediaWord *word = &g_array_index (words, EmuMediaWord, i);
    gchar *token = g_strndup (valid + word->text_start,
        word->text_end - word->text_start);

    emu_append_silence (samples, word->start - samples->len);
    emu_append_tone (samples, 200 + emu_hash (token, 0) % 601, rate,
        word->end - word->start, emu_ms_to_samples (EMU_SPEECH_FADE_MS,
            rate));
    g_free (token);
  }
  emu_append_silence (samples, total - samples->len);
  g_array_unref (words);
  g_free (valid);
  return emu_samples_free_to_bytes (samples);
}

GBytes *
emu_media_tones_pcm (const EmuMediaSpan * spans, guint n_spans, gdouble freq,
    gsize total, guint rate)
{
  GArray *samples;
  guint i;

  g_return_val_if_fail (rate > 0, NULL);

  samples = emu_samples_new ();
  for (i = 0; i < n_spans && spans[i].start < total; i++) {
    gsize end = MIN (spans[i].end, total);

    if (spans[i].start < samples->len || end <= spans[i].start)
      continue;
    emu_append_silence (samples, spans[i].start - samples->len);
    emu_append_tone (samples, freq, rate, end - spans[i].start,
        emu_ms_to_samples (EMU_SPEECH_FADE_MS, rate));
  }
  emu_append_silence (samples, total - samples->len);
  return emu_samples_free_to_bytes (samples);
}

static gdouble
emu_semitones (guint count)
{
  gdouble factor = 1.0;

  while (count--)
    factor *= EMU_SEMITONE;
  return factor;
}

GBytes *
emu_media_music_pcm (const gchar * prompt, gint64 seed, guint duration_s,
    guint rate)
{
  /* major pentatonic over two octaves: no note sounds wrong */
  static const guint scale[] = { 0, 2, 4, 7, 9, 12, 14, 16, 19, 21 };
  const gint top = G_N_ELEMENTS (scale) - 1;
  GArray *samples;
  guint64 h;
  gsize total, note, fade;
  gdouble root;
  gint degree;
  guint i;

  g_return_val_if_fail (prompt != NULL, NULL);
  g_return_val_if_fail (rate > 0, NULL);

  h = emu_hash (prompt, seed);
  root = 220.0 * emu_semitones (h % 12);
  degree = 2 + (h >> 8) % 5;
  total = (gsize) duration_s * rate;
  note = MAX (emu_ms_to_samples (EMU_NOTE_MS, rate), 1);
  fade = emu_ms_to_samples (EMU_NOTE_FADE_MS, rate);

  samples = emu_samples_new ();
  for (i = 0; samples->len < total; i++) {
    /* a random walk on the scale sounds more like a tune than jumps */
    degree = CLAMP (degree + (gint) (emu_mix (h, i) % 5) - 2, 0, top);
    emu_append_tone (samples, root * emu_semitones (scale[degree]), rate,
        MIN (note, total - samples->len), fade);
  }
  return emu_samples_free_to_bytes (samples);
}

/* ---- running pipelines ---- */

/* Where a pipeline's "sink" puts its output: an appsink fills @data from
 * the streaming thread, a filesink (told apart by its "location") writes
 * the temporary file @path. */
typedef struct
{
  GByteArray *data;
  gchar *path;
} EmuOutput;

gboolean
emu_have_element (const gchar * name)
{
  GstElementFactory *factory = gst_element_factory_find (name);

  if (!factory)
    return FALSE;
  gst_object_unref (factory);
  return TRUE;
}

static GstFlowReturn
emu_output_new_sample (GstElement * appsink, gpointer user_data)
{
  GByteArray *data = user_data;
  GstSample *sample = NULL;
  GstBuffer *buffer;
  GstMapInfo map;

  g_signal_emit_by_name (appsink, "pull-sample", &sample);
  if (!sample)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  if (buffer && gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    g_byte_array_append (data, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* The appsink is driven through its signals, so that the emulator needs no
 * link to libgstapp. */
static gboolean
emu_output_attach (EmuOutput * out, GstElement * sink, GError ** error)
{
  gint fd;

  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "location")) {
    out->data = g_byte_array_new ();
    g_object_set (sink, "emit-signals", TRUE, "sync", FALSE, NULL);
    g_signal_connect (sink, "new-sample",
        G_CALLBACK (emu_output_new_sample), out->data);
    return TRUE;
  }

  fd = g_file_open_tmp ("emumedia-XXXXXX", &out->path, error);
  if (fd < 0)
    return FALSE;
  g_close (fd, NULL);
  g_object_set (sink, "location", out->path, NULL);
  return TRUE;
}

/* Call once the pipeline is stopped. */
static GBytes *
emu_output_take (EmuOutput * out, GError ** error)
{
  GBytes *bytes;
  gchar *contents;
  gsize size;

  if (out->data) {
    bytes = g_byte_array_free_to_bytes (out->data);
    out->data = NULL;
    return bytes;
  }
  if (!g_file_get_contents (out->path, &contents, &size, error))
    return NULL;
  return g_bytes_new_take (contents, size);
}

static void
emu_output_clear (EmuOutput * out)
{
  if (out->data)
    g_byte_array_unref (out->data);
  if (out->path) {
    g_unlink (out->path);
    g_free (out->path);
  }
}

/* Waits for the end of the stream or the first error. */
static gboolean
emu_pipeline_wait (GstElement * pipeline, GstClockTime timeout,
    GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;

  msg = gst_bus_timed_pop_filtered (bus, timeout,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_object_unref (bus);

  if (!msg) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        timeout ? "pipeline did not finish in time" :
        "pipeline did not start");
    return FALSE;
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    gst_message_unref (msg);
    return TRUE;
  }
  gst_message_parse_error (msg, &err, NULL);
  g_prefix_error (&err, "%s: ", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
  g_propagate_error (error, err);
  gst_message_unref (msg);
  return FALSE;
}

/* Plays @pipeline to its end, feeding @input (if any) to the appsrc @src. */
static gboolean
emu_pipeline_play (GstElement * pipeline, GstElement * src,
    GstBuffer * input, GError ** error)
{
  GstStateChangeReturn ret;
  GstFlowReturn flow;

  ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return emu_pipeline_wait (pipeline, 0, error);

  if (src && input)
    g_signal_emit_by_name (src, "push-buffer", input, &flow);
  if (src)
    g_signal_emit_by_name (src, "end-of-stream", &flow);
  return emu_pipeline_wait (pipeline, EMU_PIPELINE_TIMEOUT, error);
}

GstElement *
emu_pipeline_new (const gchar * desc, GError ** error)
{
  GST_DEBUG ("emumedia pipeline: %s", desc);
  return gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS,
      error);
}

/* Runs @pipeline (transfer full) to its end and returns what its element
 * "sink" (an appsink or a filesink) received. An appsrc named "src", if
 * any, gets @input (transfer full, may be %NULL) and then end-of-stream. */
GBytes *
emu_pipeline_run (GstElement * pipeline, GstBuffer * input, GError ** error)
{
  EmuOutput out = { NULL, NULL };
  GstElement *sink, *src;
  GBytes *bytes = NULL;
  gboolean ok;

  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_assert (sink != NULL);

  ok = emu_output_attach (&out, sink, error) &&
      emu_pipeline_play (pipeline, src, input, error);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (ok)
    bytes = emu_output_take (&out, error);

  emu_output_clear (&out);
  gst_clear_buffer (&input);
  gst_clear_object (&src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return bytes;
}

/* ---- making container output deterministic ---- */

typedef void (*EmuFixFunc) (guint8 * data, gsize size);

static GBytes *
emu_bytes_fix (GBytes * bytes, EmuFixFunc fix)
{
  gsize size;
  guint8 *data = g_bytes_unref_to_data (bytes, &size);

  fix (data, size);
  return g_bytes_new_take (data, size);
}

/* The Ogg page checksum: CRC-32 with polynomial 0x04c11db7, not reflected,
 * over the page with its checksum field zeroed. */
static guint32
emu_ogg_crc (const guint8 * data, gsize size)
{
  guint32 crc = 0;
  gsize i;
  guint bit;

  for (i = 0; i < size; i++) {
    crc ^= (guint32) data[i] << 24;
    for (bit = 0; bit < 8; bit++)
      crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u : crc << 1;
  }
  return crc;
}

/* Ogg pages and MP4 boxes sit at any offset: no unaligned loads or stores. */
static void
emu_write_le32 (guint8 * p, guint32 value)
{
  guint i;

  for (i = 0; i < 4; i++)
    p[i] = value >> (8 * i);
}

static guint64
emu_read_be (const guint8 * p, guint bytes)
{
  guint64 value = 0;
  guint i;

  for (i = 0; i < bytes; i++)
    value = (value << 8) | p[i];
  return value;
}

/* oggmux draws the stream serial number at random and has no property for
 * it (a requested pad name does not work for audio_%u pads), so give every
 * page of our single stream a fixed one and redo the checksum. */
static void
emu_ogg_fix_serials (guint8 * data, gsize size)
{
  gsize pos = 0;

  while (size - pos >= 27 && memcmp (data + pos, "OggS", 4) == 0) {
    guint segments = data[pos + 26];
    gsize page = 27 + segments;
    guint i;

    if (page > size - pos)
      return;
    for (i = 0; i < segments; i++)
      page += data[pos + 27 + i];
    if (page > size - pos)
      return;

    emu_write_le32 (data + pos + 14, EMU_OGG_SERIAL);
    emu_write_le32 (data + pos + 22, 0);
    emu_write_le32 (data + pos + 22, emu_ogg_crc (data + pos, page));
    pos += page;
  }
}

static gboolean
emu_box_is (const guint8 * type, const gchar * fourcc)
{
  return memcmp (type, fourcc, 4) == 0;
}

/* @body is a full box: version, flags, then the two times, 64 bits each in
 * version 1 and 32 bits in version 0. */
static void
emu_mp4_clear_header_times (guint8 * body, gsize size)
{
  gsize len = (size > 0 && body[0] == 1) ? 16 : 8;

  if (size >= 4 + len)
    memset (body + 4, 0, len);
}

/* mp4mux stamps the creation and modification times of the movie, track and
 * media headers with the wall clock and has no property to set them; zero
 * them ("unknown") so that the same clip gives the same bytes. */
static void
emu_mp4_clear_times (guint8 * data, gsize size)
{
  gsize pos = 0;

  while (size - pos >= 8) {
    guint64 box = emu_read_be (data + pos, 4);
    const guint8 *type = data + pos + 4;
    gsize header = 8;

    if (box == 1 && size - pos >= 16) {
      box = emu_read_be (data + pos + 8, 8);
      header = 16;
    } else if (box == 0) {
      box = size - pos;
    }
    if (box < header || box > size - pos)
      return;

    if (emu_box_is (type, "moov") || emu_box_is (type, "trak") ||
        emu_box_is (type, "mdia"))
      emu_mp4_clear_times (data + pos + header, box - header);
    else if (emu_box_is (type, "mvhd") || emu_box_is (type, "tkhd") ||
        emu_box_is (type, "mdhd"))
      emu_mp4_clear_header_times (data + pos + header, box - header);
    pos += box;
  }
}

/* ---- texture: noise that keeps pictures from compressing away ---- */

/* What the probe on the "texture" capsfilter adds to every frame. */
typedef struct
{
  guint64 hash;
  guint amplitude;
  guint64 frame;
  GstVideoInfo info;
  gboolean have_info;
} EmuTexture;

/* xorshift64*: fast, and the same numbers on every machine */
static guint64
emu_random (guint64 * state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * G_GUINT64_CONSTANT (0x2545f4914f6cdd1d);
}

/* Adds noise of ±amplitude to every byte of a plane's rows but the alpha
 * ones (at @alpha in each pixel of @pstride bytes, or -1). */
static void
emu_texture_plane (guint8 * data, gint stride, guint row_bytes, guint rows,
    guint pstride, gint alpha, guint amplitude, guint64 * state)
{
  guint span = 2 * amplitude + 1, x, y;

  for (y = 0; y < rows; y++) {
    guint8 *p = data + (gsize) y * stride;
    guint64 bits = 0;

    for (x = 0; x < row_bytes; x++) {
      gint v;

      if (x % 8 == 0)
        bits = emu_random (state);
      if (alpha >= 0 && (gint) (x % pstride) == alpha)
        continue;
      v = p[x] + (gint) (((bits >> (8 * (x % 8))) & 0xff) * span >> 8) -
          (gint) amplitude;
      p[x] = CLAMP (v, 0, 255);
    }
  }
}

static void
emu_texture_frame (EmuTexture * texture, GstVideoFrame * frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  gint alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA (finfo) ?
      (gint) GST_VIDEO_FRAME_COMP_POFFSET (frame, GST_VIDEO_COMP_A) : -1;
  guint64 state = emu_mix (texture->hash, texture->frame) | 1;
  guint plane;

  /* in the formats used here (I420, RGB, RGBA) plane n holds component n */
  for (plane = 0; plane < GST_VIDEO_FRAME_N_PLANES (frame); plane++) {
    guint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, plane);

    emu_texture_plane (GST_VIDEO_FRAME_PLANE_DATA (frame, plane),
        GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane),
        GST_VIDEO_FRAME_COMP_WIDTH (frame, plane) * pstride,
        GST_VIDEO_FRAME_COMP_HEIGHT (frame, plane), pstride,
        GST_VIDEO_FRAME_N_PLANES (frame) == 1 ? alpha : -1,
        texture->amplitude, &state);
  }
}

static GstPadProbeReturn
emu_texture_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  EmuTexture *texture = user_data;
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
      (info));
  GstVideoFrame frame;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!texture->have_info) {
    GstCaps *caps = gst_pad_get_current_caps (pad);

    texture->have_info = caps && gst_video_info_from_caps (&texture->info,
        caps);
    gst_clear_caps (&caps);
  }
  if (texture->have_info && gst_video_frame_map (&frame, &texture->info,
          buffer, GST_MAP_READWRITE)) {
    emu_texture_frame (texture, &frame);
    gst_video_frame_unmap (&frame);
  }
  texture->frame++;
  return GST_PAD_PROBE_OK;
}

/* ---- pictures and clips ---- */

/* Patterns that paint with the foreground and background colours. */
static const gchar *const emu_patterns[] = {
  "gradient", "ball", "pinwheel", "spokes", "bar", "circular", "solid-color",
};

static gboolean
emu_check_size (guint width, guint height, GError ** error)
{
  if (width > 0 && height > 0 && width <= EMU_MAX_SIDE &&
      height <= EMU_MAX_SIDE)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
      "invalid picture size %ux%u", width, height);
  return FALSE;
}

/* The prompt as textoverlay markup, cut to a length that fits a picture. */
gchar *
emu_overlay_text (const gchar * prompt)
{
  gchar *valid = g_utf8_make_valid (prompt, -1);
  gchar *markup;

  if (g_utf8_strlen (valid, -1) > EMU_OVERLAY_MAX_CHARS) {
    gchar *cut = g_utf8_substring (valid, 0, EMU_OVERLAY_MAX_CHARS);

    g_free (valid);
    valid = g_strconcat (cut, "…", NULL);
    g_free (cut);
  }
  markup = g_markup_escape_text (valid, -1);
  g_free (valid);
  return markup;
}

/* Dresses "vsrc" and "overlay" for @prompt and @seed: a dark background
 * (see-through for @transparent) and a bright foreground, so that the
 * white text stays readable. */
static void
emu_picture_style (GstElement * pipeline, const gchar * prompt, gint64 seed,
    gboolean transparent)
{
  guint64 h = emu_hash (prompt, seed);
  const gchar *pattern =
      emu_patterns[emu_mix (h, 0) % G_N_ELEMENTS (emu_patterns)];
  GstElement *vsrc, *overlay;

  vsrc = gst_bin_get_by_name (GST_BIN (pipeline), "vsrc");
  gst_util_set_object_arg (G_OBJECT (vsrc), "pattern", pattern);
  g_object_set (vsrc,
      "foreground-color", (guint) (0xff808080u | (emu_mix (h, 1) & 0xffffff)),
      "background-color", (guint) ((transparent ? 0 : 0xff000000u) |
          (emu_mix (h, 2) & 0x7f7f7f)), NULL);
  gst_object_unref (vsrc);

  overlay = gst_bin_get_by_name (GST_BIN (pipeline), "overlay");
  if (overlay) {
    gchar *text = emu_overlay_text (prompt);

    g_object_set (overlay, "text", text, NULL);
    g_free (text);
    gst_object_unref (overlay);
  }
}

/* How a picture or clip is made: its size, frames, the raw format the
 * encoder takes, the noise added, and the encoder, muxer and "sink". */
typedef struct
{
  guint width;
  guint height;
  guint frames;
  guint fps;
  gint scroll;
  const gchar *format;
  guint amplitude;
  gboolean transparent;
  const gchar *tail;
} EmuPicture;

static gchar *
emu_picture_description (const EmuPicture * picture)
{
  g_autofree gchar *overlay = emu_have_element ("textoverlay") ?
      g_strdup_printf ("textoverlay name=overlay font-desc=\"Sans %u\" "
      "valignment=center shaded-background=true ! ",
      MAX (EMU_OVERLAY_MIN_PT, MIN (picture->width, picture->height) /
          EMU_OVERLAY_LINES)) : g_strdup ("");

  /* AYUV carries the see-through background through textoverlay */
  return g_strdup_printf ("videotestsrc name=vsrc num-buffers=%u "
      "horizontal-speed=%d ! video/x-raw,%swidth=%u,height=%u,"
      "framerate=%u/1,pixel-aspect-ratio=1/1 ! %svideoconvert ! "
      "capsfilter name=texture caps=video/x-raw,format=%s ! %s",
      picture->frames, picture->scroll, picture->transparent ?
      "format=AYUV," : "", picture->width, picture->height, picture->fps,
      overlay, picture->format, picture->tail);
}

/* Renders @picture of @prompt. The text is optional: plugins-base ships
 * textoverlay only when built with pango. */
static GBytes *
emu_picture_render (const gchar * prompt, gint64 seed,
    const EmuPicture * picture, GError ** error)
{
  EmuTexture texture = { emu_mix (emu_hash (prompt, seed), 3),
    picture->amplitude, 0
  };
  g_autofree gchar *desc = emu_picture_description (picture);
  GstElement *pipeline = emu_pipeline_new (desc, error);
  GstElement *filter;
  GstPad *pad;

  if (!pipeline)
    return NULL;
  emu_picture_style (pipeline, prompt, seed, picture->transparent);
  filter = gst_bin_get_by_name (GST_BIN (pipeline), "texture");
  pad = gst_element_get_static_pad (filter, "src");
  if (picture->amplitude > 0)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, emu_texture_probe,
        &texture, NULL);
  gst_object_unref (pad);
  gst_object_unref (filter);
  return emu_pipeline_run (pipeline, NULL, error);
}

static GBytes *
emu_image_make (const gchar * prompt, gint64 seed, guint width, guint height,
    const gchar * format, GError ** error)
{
  EmuPicture picture = { width, height, 1, EMU_FPS, 0 };
  GBytes *image;

  if (g_str_equal (format, "jpeg") || g_str_equal (format, "jpg")) {
    picture.format = "I420";
    picture.amplitude = EMU_JPEG_NOISE;
    picture.tail = "jpegenc quality=" G_STRINGIFY (EMU_JPEG_QUALITY)
        " ! appsink name=sink";
  } else if (g_str_equal (format, "png") || g_str_equal (format, "png-alpha")) {
    picture.transparent = g_str_equal (format, "png-alpha");
    picture.format = picture.transparent ? "RGBA" : "RGB";
    picture.amplitude = EMU_PNG_NOISE;
    picture.tail = "pngenc ! appsink name=sink";
  } else {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "unknown image format \"%s\"", format);
    return NULL;
  }

  image = emu_picture_render (prompt, seed, &picture, error);
  if (!image)
    g_prefix_error (error, "cannot render %s image: ", format);
  return image;
}

/* Bits a second for a clip of @width x @height: what real 720p clips
 * carry (about 4 Mbit/s), scaled by the number of pixels. */
static guint
emu_video_bitrate (guint width, guint height)
{
  return (guint) MAX ((guint64) width * height * EMU_VIDEO_FPS *
      EMU_VIDEO_BITS_PER_PIXEL / 100, EMU_VIDEO_MIN_BITRATE);
}

static GBytes *
emu_video_make (const gchar * prompt, gint64 seed, guint width,
    guint height, guint duration_s, GError ** error)
{
  g_autofree gchar *tail = NULL;
  EmuPicture picture = { width, height, MAX (duration_s * EMU_VIDEO_FPS, 1),
    EMU_VIDEO_FPS, EMU_VIDEO_SCROLL, "I420", EMU_VIDEO_NOISE
  };
  GBytes *clip;

  /* moov first, as the real models send it, so that a client can play
   * while downloading; a key frame every second */
  picture.tail = tail = g_strdup_printf ("openh264enc bitrate=%u "
      "rate-control=bitrate gop-size=%u ! h264parse ! "
      "mp4mux faststart=true ! filesink name=sink",
      emu_video_bitrate (width, height), EMU_VIDEO_FPS);
  clip = emu_picture_render (prompt, seed, &picture, error);
  if (!clip) {
    g_prefix_error (error, "cannot render video: ");
    return NULL;
  }
  return emu_bytes_fix (clip, emu_mp4_clear_times);
}

/* ---- made once: pictures and clips kept by what they are made from ---- */

typedef struct
{
  GBytes *bytes;                /* NULL while it is being made */
} EmuCached;

static GMutex emu_cache_lock;
static GCond emu_cache_cond;
static GHashTable *emu_cache;   /* key → EmuCached, under the lock */
static GQueue emu_cache_order = G_QUEUE_INIT;   /* keys made, oldest first */
static gsize emu_cache_size;

static void
emu_cached_free (EmuCached * cached)
{
  g_clear_pointer (&cached->bytes, g_bytes_unref);
  g_free (cached);
}

/* Keeps @bytes for @key, forgetting the oldest once over the budget.
 * Call with the lock held. */
static void
emu_cache_store (const gchar * key, GBytes * bytes)
{
  EmuCached *cached = g_hash_table_lookup (emu_cache, key);

  cached->bytes = g_bytes_ref (bytes);
  emu_cache_size += g_bytes_get_size (bytes);
  g_queue_push_tail (&emu_cache_order, g_strdup (key));
  while (emu_cache_size > EMU_CACHE_BYTES &&
      g_queue_get_length (&emu_cache_order) > 1) {
    g_autofree gchar *oldest = g_queue_pop_head (&emu_cache_order);

    cached = g_hash_table_lookup (emu_cache, oldest);
    emu_cache_size -= g_bytes_get_size (cached->bytes);
    g_hash_table_remove (emu_cache, oldest);
  }
}

/* Waits while another thread makes @key. Returns what is kept for it, or
 * NULL after marking it as being made here. Call with the lock held. */
static GBytes *
emu_cache_claim (const gchar * key)
{
  EmuCached *cached;

  if (!emu_cache)
    emu_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        (GDestroyNotify) emu_cached_free);
  while ((cached = g_hash_table_lookup (emu_cache, key)) && !cached->bytes)
    g_cond_wait (&emu_cache_cond, &emu_cache_lock);
  if (cached)
    return g_bytes_ref (cached->bytes);
  g_hash_table_insert (emu_cache, g_strdup (key), g_new0 (EmuCached, 1));
  return NULL;
}

/* Settles what emu_cache_claim() marked: keeps @bytes, or forgets the key
 * when making it failed. */
static void
emu_cache_settle (const gchar * key, GBytes * bytes)
{
  g_mutex_lock (&emu_cache_lock);
  if (bytes)
    emu_cache_store (key, bytes);
  else
    g_hash_table_remove (emu_cache, key);
  g_cond_broadcast (&emu_cache_cond);
  g_mutex_unlock (&emu_cache_lock);
}

static GBytes *
emu_cache_lookup (const gchar * key)
{
  GBytes *bytes;

  g_mutex_lock (&emu_cache_lock);
  bytes = emu_cache_claim (key);
  g_mutex_unlock (&emu_cache_lock);
  return bytes;
}

GBytes *
emu_media_image (const gchar * prompt, gint64 seed, guint width,
    guint height, const gchar * format, GError ** error)
{
  g_autofree gchar *key = NULL;
  GBytes *image;

  g_return_val_if_fail (prompt != NULL, NULL);
  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!emu_check_size (width, height, error))
    return NULL;
  key = g_strdup_printf ("%s %ux%u %" G_GINT64_FORMAT " %s", format, width,
      height, seed, prompt);
  if ((image = emu_cache_lookup (key)))
    return image;
  image = emu_image_make (prompt, seed, width, height, format, error);
  emu_cache_settle (key, image);
  return image;
}

GBytes *
emu_media_video (const gchar * prompt, gint64 seed, guint width,
    guint height, guint duration_s, GError ** error)
{
  g_autofree gchar *key = NULL;
  GBytes *clip;

  g_return_val_if_fail (prompt != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!emu_check_size (width, height, error))
    return NULL;
  if (width % 2 || height % 2) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "H.264 in 4:2:0 wants an even video size, not %ux%u", width, height);
    return NULL;
  }
  key = g_strdup_printf ("mp4 %ux%u %us %" G_GINT64_FORMAT " %s", width,
      height, duration_s, seed, prompt);
  if ((clip = emu_cache_lookup (key)))
    return clip;
  clip = emu_video_make (prompt, seed, width, height, duration_s, error);
  emu_cache_settle (key, clip);
  return clip;
}

/* ---- audio encoding ---- */

typedef struct
{
  const gchar *name;
  const gchar *content_type;
  const gchar *convert;         /* steps after audioconvert, each with " !" */
  const gchar *const *encoders; /* alternatives; the first installed wins */
  const gchar *tail;            /* after the encoder: muxer and "sink" */
  EmuFixFunc fix;
} EmuAudioFormat;

/* CBR, so that clients can estimate the duration from the size */
static const gchar *const emu_mp3_encoders[] = {
  "lamemp3enc target=bitrate cbr=true bitrate=64", NULL
};
static const gchar *const emu_opus_encoders[] = { "opusenc", NULL };
/* flacenc warns (fatal under gst-check) when the whole stream fits in one
 * block; the shortest speech, 120 ms, is longer than 576 samples at any
 * rate from 4800 Hz up */
static const gchar *const emu_flac_encoders[] = {
  "flacenc blocksize=576", NULL
};
static const gchar *const emu_aac_encoders[] = {
  "voaacenc", "avenc_aac", NULL
};

static const EmuAudioFormat emu_audio_formats[] = {
  {"wav", "audio/wav", NULL, NULL, NULL, NULL},
  {"pcm", "audio/pcm", NULL, NULL, NULL, NULL},
  {"mp3", "audio/mpeg", "audioresample !", emu_mp3_encoders,
      "appsink name=sink", NULL},
  {"opus", "audio/opus", "audioresample ! audio/x-raw,rate=48000 !",
      emu_opus_encoders, "oggmux ! appsink name=sink", emu_ogg_fix_serials},
  /* flacenc and mp4mux seek back to finish their headers (the FLAC sample
   * count and MD5, the MP4 index): they need a seekable sink */
  {"flac", "audio/flac", "", emu_flac_encoders, "filesink name=sink", NULL},
  {"aac", "audio/aac", "audioresample !", emu_aac_encoders,
      "mp4mux faststart=true ! filesink name=sink", emu_mp4_clear_times},
};

static const EmuAudioFormat *
emu_audio_format_find (const gchar * name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (emu_audio_formats); i++) {
    if (g_str_equal (emu_audio_formats[i].name, name))
      return &emu_audio_formats[i];
  }
  return NULL;
}

/* The first of @format's encoders that is installed, else NULL with an
 * error naming them all. */
static const gchar *
emu_audio_pick_encoder (const EmuAudioFormat * format, GError ** error)
{
  const gchar *const *encoder;
  GString *missing = g_string_new (NULL);

  for (encoder = format->encoders; *encoder; encoder++) {
    /* an entry is the element name, maybe followed by properties */
    gchar *name = g_strndup (*encoder, strcspn (*encoder, " "));
    gboolean found = emu_have_element (name);

    if (!found)
      g_string_append_printf (missing, "%s%s", missing->len ? " or " : "",
          name);
    g_free (name);
    if (found) {
      g_string_free (missing, TRUE);
      return *encoder;
    }
  }

  g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
      "element %s is not installed", missing->str);
  g_string_free (missing, TRUE);
  return NULL;
}

/* @pcm as one buffer, stamped so that encoders and muxers get a clean
 * timeline from zero. */
static GstBuffer *
emu_pcm_buffer (GBytes * pcm, guint rate)
{
  GstBuffer *buffer;
  gsize size = g_bytes_get_size (pcm);

  buffer = gst_buffer_new_wrapped_bytes (pcm);
  GST_BUFFER_PTS (buffer) = 0;
  GST_BUFFER_DURATION (buffer) =
      gst_util_uint64_scale (size / sizeof (gint16), GST_SECOND, rate);
  return buffer;
}

static GBytes *
emu_audio_encode (const EmuAudioFormat * format, GBytes * pcm, guint rate,
    GError ** error)
{
  const gchar *encoder;
  GstElement *pipeline;
  GBytes *out;
  gchar *desc;

  encoder = emu_audio_pick_encoder (format, error);
  if (!encoder)
    return NULL;

  desc = g_strdup_printf ("appsrc name=src format=time "
      "caps=\"audio/x-raw,format=S16LE,layout=interleaved,channels=1,"
      "rate=%u\" ! audioconvert ! %s %s ! %s", rate, format->convert,
      encoder, format->tail);
  pipeline = emu_pipeline_new (desc, error);
  g_free (desc);
  if (!pipeline)
    return NULL;

  out = emu_pipeline_run (pipeline, emu_pcm_buffer (pcm, rate), error);
  if (out && format->fix)
    out = emu_bytes_fix (out, format->fix);
  return out;
}

GBytes *
emu_media_encode_audio (GBytes * pcm, guint rate, const gchar * format,
    const gchar ** content_type, GError ** error)
{
  const EmuAudioFormat *fmt;
  GBytes *out;

  g_return_val_if_fail (pcm != NULL, NULL);
  g_return_val_if_fail (rate > 0, NULL);
  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (content_type)
    *content_type = NULL;
  fmt = emu_audio_format_find (format);
  if (!fmt) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "unknown audio format \"%s\"", format);
    return NULL;
  }
  if (g_bytes_get_size (pcm) % sizeof (gint16) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "S16LE PCM of odd size %" G_GSIZE_FORMAT, g_bytes_get_size (pcm));
    return NULL;
  }

  if (g_str_equal (fmt->name, "wav")) {
    out = emu_wav_new (pcm, rate, 1);
  } else if (g_str_equal (fmt->name, "pcm")) {
    out = g_bytes_ref (pcm);
  } else if (g_bytes_get_size (pcm) == 0) {
    /* encoders and muxers make nothing sensible of an empty stream */
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "no samples");
    out = NULL;
  } else {
    out = emu_audio_encode (fmt, pcm, rate, error);
  }

  if (!out) {
    g_prefix_error (error, "cannot encode %s: ", format);
    return NULL;
  }
  if (content_type)
    *content_type = fmt->content_type;
  return out;
}

/* ---- reading pictures (vision requests) ---- */

/* The frame size from a JPEG's SOF marker, found by walking the marker
 * segments (SOF0 … SOF15, except DHT C4, JPG C8 and DAC CC). */
static gboolean
emu_jpeg_size (const guint8 * data, gsize size, guint * width,
    guint * height)
{
  gsize pos = 2;

  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8)
    return FALSE;
  while (pos + 4 <= size && data[pos] == 0xFF) {
    guint8 marker = data[pos + 1];
    guint length = emu_read_be (data + pos + 2, 2);

    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
        marker != 0xC8 && marker != 0xCC) {
      if (pos + 9 > size)
        return FALSE;
      *height = emu_read_be (data + pos + 5, 2);
      *width = emu_read_be (data + pos + 7, 2);
      return *width > 0 && *height > 0;
    }
    pos += 2 + length;
  }
  return FALSE;
}

static const gchar *
emu_colour_name (const guint rgb[3])
{
  static const struct
  {
    const gchar *name;
    guint r, g, b;
  } colours[] = {
    {"black", 0, 0, 0}, {"white", 255, 255, 255}, {"grey", 128, 128, 128},
    {"red", 255, 0, 0}, {"green", 0, 255, 0}, {"blue", 0, 0, 255},
    {"yellow", 255, 255, 0}, {"cyan", 0, 255, 255}, {"magenta", 255, 0, 255},
  };
  guint i, best = 0, best_distance = G_MAXUINT;

  for (i = 0; i < G_N_ELEMENTS (colours); i++) {
    gint dr = (gint) rgb[0] - colours[i].r, dg = (gint) rgb[1] - colours[i].g,
        db = (gint) rgb[2] - colours[i].b;
    guint distance = dr * dr + dg * dg + db * db;

    if (distance < best_distance) {
      best_distance = distance;
      best = i;
    }
  }
  return colours[best].name;
}

/* Decodes @jpeg scaled to 8x8 RGB and averages it. */
static gboolean
emu_jpeg_average (GBytes * jpeg, guint rgb[3], GError ** error)
{
  GstElement *pipeline;
  g_autoptr (GBytes) pixels = NULL;
  const guint8 *p;
  guint i;

  pipeline = emu_pipeline_new ("appsrc name=src caps=image/jpeg ! jpegdec "
      "! videoconvert ! videoscale ! video/x-raw,format=RGB,width=8,height=8 "
      "! appsink name=sink", error);
  if (!pipeline)
    return FALSE;
  pixels = emu_pipeline_run (pipeline, gst_buffer_new_wrapped_bytes (jpeg),
      error);
  if (!pixels)
    return FALSE;
  if (g_bytes_get_size (pixels) < 8 * 8 * 3) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "jpegdec gave no picture");
    return FALSE;
  }
  p = g_bytes_get_data (pixels, NULL);
  rgb[0] = rgb[1] = rgb[2] = 0;
  for (i = 0; i < 8 * 8 * 3; i++)
    rgb[i % 3] += p[i];
  for (i = 0; i < 3; i++)
    rgb[i] /= 8 * 8;
  return TRUE;
}

/**
 * emu_media_describe_image:
 *
 * Reads a JPEG the way a vision model would for the tests: its size from
 * the header, its dominant colour (the nearest of nine named colours to
 * the average, decoded with jpegdec and scaled to 8x8).
 *
 * Returns: (transfer full): "WIDTHxHEIGHT COLOUR", or %NULL with @error set
 * when @jpeg is not a JPEG that decodes.
 */
gchar *
emu_media_describe_image (GBytes * jpeg, GError ** error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (jpeg, &size);
  guint width, height, rgb[3];

  if (!emu_jpeg_size (data, size, &width, &height)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_WRONG_TYPE,
        "not a JPEG picture");
    return NULL;
  }
  if (!emu_jpeg_average (jpeg, rgb, error))
    return NULL;
  return g_strdup_printf ("%ux%u %s", width, height, emu_colour_name (rgb));
}
