/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Caps for a generated body. The server's Content-Type is only a hint:
 * some models answer WAV whatever was asked, "flac" may be raw PCM, and
 * images come back as JPEG, PNG or SVG (docs/api-notes.md). So the bytes are
 * typefound first and the Content-Type only fills in where typefinding is
 * unsure. */

#include "pollenmedia.h"

#include <string.h>
#include "pollenclient.h"
#include "pollenjson.h"
#include "pollenwav.h"

#include <gst/base/gsttypefindhelper.h>

GST_DEBUG_CATEGORY_STATIC (pollen_media_debug);
#define GST_CAT_DEFAULT pollen_media_debug

typedef struct
{
  const gchar *content_type;
  const gchar *caps;
} ContentTypeCaps;

static const ContentTypeCaps content_type_caps[] = {
  {"image/jpeg", "image/jpeg"},
  {"image/png", "image/png"},
  {"image/webp", "image/webp"},
  {"image/svg+xml", "image/svg+xml"},
  {"image/gif", "image/gif"},
  {"video/mp4", "video/quicktime, variant=(string)iso"},
  {"video/quicktime", "video/quicktime"},
  {"video/webm", "video/webm"},
  {"audio/mpeg", "audio/mpeg, mpegversion=(int)1"},
  {"audio/mp3", "audio/mpeg, mpegversion=(int)1"},
  {"audio/wav", "audio/x-wav"},
  {"audio/x-wav", "audio/x-wav"},
  {"audio/wave", "audio/x-wav"},
  {"audio/ogg", "audio/ogg"},
  {"audio/opus", "audio/ogg"},
  {"audio/flac", "audio/x-flac"},
  {"audio/x-flac", "audio/x-flac"},
  {"audio/aac", "audio/mpeg, mpegversion=(int)4, stream-format=(string)adts"},
  {"audio/mp4", "audio/x-m4a"},
  {"audio/x-m4a", "audio/x-m4a"},
  {"audio/webm", "audio/webm"},
};

static void
pollen_media_init_debug (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (pollen_media_debug, "pollenmedia", 0,
        "gst-pollen media type detection");
    g_once_init_leave (&initialized, 1);
  }
}

/**
 * pollen_media_caps_from_content_type:
 * @pcm_rate: sample rate to assume for raw PCM ("audio/pcm": 16-bit mono)
 *
 * Returns: (transfer full) (nullable): caps for a known media type.
 */
GstCaps *
pollen_media_caps_from_content_type (const gchar * content_type,
    guint pcm_rate)
{
  guint i;

  if (!content_type)
    return NULL;
  if (g_ascii_strcasecmp (content_type, "audio/pcm") == 0 ||
      g_ascii_strcasecmp (content_type, "audio/L16") == 0)
    return gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
        "S16LE", "layout", G_TYPE_STRING, "interleaved", "channels",
        G_TYPE_INT, 1, "rate", G_TYPE_INT, pcm_rate, NULL);

  for (i = 0; i < G_N_ELEMENTS (content_type_caps); i++) {
    if (g_ascii_strcasecmp (content_type, content_type_caps[i].content_type)
        == 0)
      return gst_caps_from_string (content_type_caps[i].caps);
  }
  return NULL;
}

/* An error body sent with a success status starts like JSON, and no media
 * format does. Raw PCM may start with any byte, so it is not judged. */
static gboolean
looks_like_json (const guint8 * bytes, gsize size)
{
  gsize i;

  for (i = 0; i < size && g_ascii_isspace (bytes[i]); i++);
  return i < size && (bytes[i] == '{' || bytes[i] == '[');
}

static gboolean
is_raw_audio (GstCaps * caps)
{
  return gst_structure_has_name (gst_caps_get_structure (caps, 0),
      "audio/x-raw");
}

/* Headerless PCM says nothing of its rate, and the same model name is
 * 24 or 44.1 kHz depending on the server: playing it at a guessed rate
 * may be wrong in pitch and length, so the user hears of it. */
static void
warn_guessed_rate (GstObject * object, const gchar * content_type)
{
  if (!GST_IS_ELEMENT (object))
    return;
  GST_ELEMENT_WARNING (GST_ELEMENT (object), STREAM, FORMAT,
      ("The server answered headerless PCM (%s), which does not say its "
          "sample rate: it is played at %u Hz, a guess. Set pcm-rate to the "
          "model's rate, or ask for wav.", content_type,
          POLLEN_MEDIA_GUESSED_PCM_RATE), (NULL));
}

/* The caps of @data by its bytes alone, when typefinding is sure enough.
 * A WAV is known by its header, as typefinding would know it: the first
 * typefind of a process loads every typefinder (about 4 ms), a wait that
 * the usual answer need not pay. */
static GstCaps *
typefind_bytes (GstObject * object, const guint8 * bytes, gsize size)
{
  GstTypeFindProbability probability = GST_TYPE_FIND_NONE;
  g_autoptr (GstCaps) found = NULL;
  PollenWavInfo wav;

  if (pollen_wav_parse_header (bytes, size, &wav, NULL) == POLLEN_WAV_OK)
    return gst_caps_new_empty_simple ("audio/x-wav");
  if (size > 0)
    found = gst_type_find_helper_for_data (object, bytes, size, &probability);
  return probability >= GST_TYPE_FIND_LIKELY ? g_steal_pointer (&found) :
      NULL;
}

/* Caps from what the bytes surely are (@found) and what the Content-Type
 * says (@hinted): the bytes when typefinding is sure, else the
 * Content-Type, else none. */
static GstCaps *
detect_decide (GstObject * object, const guint8 * bytes, gsize size,
    const gchar * content_type, guint pcm_rate, GstCaps * found,
    GstCaps * hinted)
{
  if (found) {
    if (hinted && !gst_caps_can_intersect (found, hinted))
      GST_INFO_OBJECT (object, "server said %s but the bytes are %"
          GST_PTR_FORMAT ": trusting the bytes", content_type, found);
    return gst_caps_ref (found);
  }
  if (hinted && !(looks_like_json (bytes, size) && !is_raw_audio (hinted))) {
    if (is_raw_audio (hinted) && pcm_rate == 0)
      warn_guessed_rate (object, content_type);
    return gst_caps_ref (hinted);
  }
  return NULL;
}

/* An MPEG audio frame header (MP3 and its kin): the 11-bit sync, then no
 * reserved version, layer, bitrate or sample rate. */
static gboolean
is_mpeg_audio_frame (const guint8 * b, gsize size)
{
  return size >= 4 && b[0] == 0xff && (b[1] & 0xe0) == 0xe0 &&
      ((b[1] >> 3) & 3) != 1 && ((b[1] >> 1) & 3) != 0 &&
      (b[2] >> 4) != 0xf && ((b[2] >> 2) & 3) != 3;
}

/* An ADTS (AAC) frame header: the 12-bit sync, layer 0, a sample rate. */
static gboolean
is_adts_frame (const guint8 * b, gsize size)
{
  return size >= 7 && b[0] == 0xff && (b[1] & 0xf6) == 0xf0 &&
      ((b[2] >> 2) & 0xf) < 13;
}

/* Whether @bytes start as the format the Content-Type names starts. Only
 * the formats with no magic number of their own are here (frames of MPEG
 * audio, raw PCM): the others typefind at once. */
static gboolean
starts_as (GstCaps * hinted, const guint8 * bytes, gsize size)
{
  GstStructure *s = gst_caps_get_structure (hinted, 0);
  gint version = 0;

  if (gst_structure_has_name (s, "audio/x-raw"))
    return !looks_like_json (bytes, size);
  if (!gst_structure_has_name (s, "audio/mpeg") ||
      !gst_structure_get_int (s, "mpegversion", &version))
    return FALSE;
  return version == 1 ? is_mpeg_audio_frame (bytes, size) :
      is_adts_frame (bytes, size);
}

/* The caps of @data; with @early, NULL unless these first bytes of a body
 * still coming settle it: typefinding is sure of them, or they start as
 * the format the Content-Type names starts. */
static GstCaps *
detect (GstObject * object, GBytes * data, const gchar * content_type,
    guint pcm_rate, gboolean early)
{
  g_autoptr (GstCaps) hinted = NULL;
  g_autoptr (GstCaps) found = NULL;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);

  pollen_media_init_debug ();
  hinted = pollen_media_caps_from_content_type (content_type, pcm_rate ?
      pcm_rate : POLLEN_MEDIA_GUESSED_PCM_RATE);
  found = typefind_bytes (object, bytes, size);
  if (early && !found && !(hinted && starts_as (hinted, bytes, size)))
    return NULL;
  return detect_decide (object, bytes, size, content_type, pcm_rate, found,
      hinted);
}

/**
 * pollen_media_detect_caps:
 * @object: (nullable): for log lines
 * @data: the body, or its first bytes
 * @content_type: (nullable): the server's Content-Type
 * @pcm_rate: the rate of headerless PCM, 0 when unknown: then
 *   %POLLEN_MEDIA_GUESSED_PCM_RATE with a warning on @object
 *
 * Returns: (transfer full) (nullable): the caps of @data, or %NULL when
 * neither the bytes nor the Content-Type say what it is.
 */
GstCaps *
pollen_media_detect_caps (GstObject * object, GBytes * data,
    const gchar * content_type, guint pcm_rate)
{
  return detect (object, data, content_type, pcm_rate, FALSE);
}

/**
 * pollen_media_detect_caps_early:
 * @data: the first bytes of a body still coming
 *
 * Like pollen_media_detect_caps(), as soon as these bytes settle what the
 * body is: typefinding is sure of them, or they start as the format the
 * Content-Type names starts (an MP3 from its first frame header, where
 * typefinding wants several frames: half a second of speech).
 *
 * Returns: (transfer full) (nullable): the caps, or %NULL while more bytes
 * are needed to tell.
 */
GstCaps *
pollen_media_detect_caps_early (GstObject * object, GBytes * data,
    const gchar * content_type, guint pcm_rate)
{
  return detect (object, data, content_type, pcm_rate, TRUE);
}

/* application/x-id3: audio after an ID3v2 tag (MP3 as ffmpeg writes it),
 * which decodebin opens with id3demux */
static gboolean
is_media (const gchar * caps_name)
{
  return g_str_has_prefix (caps_name, "image/") ||
      g_str_has_prefix (caps_name, "video/") ||
      g_str_has_prefix (caps_name, "audio/") ||
      g_str_equal (caps_name, "application/x-id3");
}

/* A picture or a clip is known by its bytes (every format the server
 * sends is typefound): one known by its Content-Type alone is not one. */
static gboolean
is_unrecognised_picture (GstObject * object, const gchar * name,
    const gchar * bytes, gsize size)
{
  g_autoptr (GstCaps) found = NULL;

  if (!g_str_has_prefix (name, "image/") && !g_str_has_prefix (name,
          "video/"))
    return FALSE;
  found = typefind_bytes (object, (const guint8 *) bytes, size);
  return found == NULL;
}

/* An answer that is not the media asked for (@name: what it was found
 * to be, if anything), quoting the start of it, @head. */
static void
set_not_media_error (GError ** error, const gchar * head, gsize head_size,
    guint64 size, const gchar * name, const gchar * content_type,
    const gchar * kind)
{
  g_autofree gchar *start = pollen_body_quote (head, head_size, 120);

  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server answered %" G_GUINT64_FORMAT " bytes of %s (Content-Type "
      "%s), not %s: %s", size, name && !is_media (name) ? name :
      "unrecognised media", content_type ? content_type : "none", kind,
      start);
}

/* Whether a picture ends the way a whole one does. */
static gboolean
ends_whole (const gchar * caps_name, const guint8 * tail, gsize size)
{
  gsize i;

  if (g_str_equal (caps_name, "image/png"))
    return size >= 12 && memcmp (tail + size - 8, "IEND", 4) == 0;
  if (!g_str_equal (caps_name, "image/jpeg"))
    return TRUE;
  /* some encoders pad after the end marker */
  for (i = 0; i + 1 < size; i++) {
    if (tail[i] == 0xff && tail[i + 1] == 0xd9)
      return TRUE;
  }
  return FALSE;
}

/* How many bytes of the samples a WAV's header announces are missing from
 * a body of @size bytes whose start is @head; 0 when none are, or when
 * the header promises nothing (a streaming server's placeholder). */
static guint64
wav_missing (GBytes * head, guint64 size)
{
  PollenWavInfo info;
  gsize head_size;
  const guint8 *bytes = g_bytes_get_data (head, &head_size);
  guint64 announced;

  if (pollen_wav_parse_header (bytes, head_size, &info, NULL) !=
      POLLEN_WAV_OK || info.data_size >= POLLEN_WAV_PLACEHOLDER_SIZE)
    return 0;
  announced = info.data_offset + info.data_size;
  return size < announced ? announced - size : 0;
}

/**
 * pollen_media_check_whole:
 * @head: the first bytes of a whole body (what typefinding needs)
 * @tail: its last bytes (64 are enough)
 *
 * A body cut short by bad chunked framing, or by a Content-Length smaller
 * than the data, reaches us as an ordinary end of body, and only the
 * format can tell: a PNG ends with IEND, a JPEG with its end marker, a
 * WAV holds the samples its header announces.
 *
 * Returns: FALSE with @error set (%POLLEN_CLIENT_ERROR_NETWORK) when the
 * body is a picture that does not end as a whole one does, or a WAV
 * shorter than its header says; (%POLLEN_CLIENT_ERROR_BAD_RESPONSE) when
 * only its Content-Type says it is a picture or a clip.
 */
gboolean
pollen_media_check_whole (GstObject * object, GBytes * head, GBytes * tail,
    const gchar * content_type, guint64 size, GError ** error)
{
  g_autoptr (GstCaps) caps = pollen_media_detect_caps (object, head,
      content_type, POLLEN_MEDIA_GUESSED_PCM_RATE);
  const gchar *name = caps ?
      gst_structure_get_name (gst_caps_get_structure (caps, 0)) : NULL;
  gsize tail_size, head_size;
  const guint8 *tail_bytes = g_bytes_get_data (tail, &tail_size);
  const gchar *head_bytes = g_bytes_get_data (head, &head_size);
  guint64 missing = name && g_str_equal (name, "audio/x-wav") ?
      wav_missing (head, size) : 0;

  if (name && is_unrecognised_picture (object, name, head_bytes, head_size)) {
    set_not_media_error (error, head_bytes, head_size, size, NULL,
        content_type, g_str_has_prefix (name, "image/") ? "image" : "video");
    return FALSE;
  }
  if (missing) {
    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_NETWORK,
        "the WAV the server sent is cut short: %" G_GUINT64_FORMAT " bytes "
        "arrived, %" G_GUINT64_FORMAT " fewer than its header announces "
        "(the end of the audio is missing)", size, missing);
    return FALSE;
  }
  if (!name || ends_whole (name, tail_bytes, tail_size))
    return TRUE;
  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_NETWORK,
      "the %s the server sent is cut short (%" G_GUINT64_FORMAT " bytes "
      "arrived and it does not end as a whole one does)", name, size);
  return FALSE;
}

/**
 * pollen_media_expect_caps:
 * @data: the body, or its first bytes
 * @kind: the media kind asked for, "image", "video" or "audio", for the
 *   message
 *
 * Like pollen_media_detect_caps(), for a body that must be media. The kind
 * is not enforced: an MP4 container typefinds as video/quicktime whether
 * it holds a clip or only speech. Whether the body is whole is
 * pollen_media_check_whole()'s question.
 *
 * Returns: (transfer full): the caps, or %NULL with @error set
 * (%POLLEN_CLIENT_ERROR_BAD_RESPONSE, quoting the start of the body) when
 * the body is something else: an HTML page, a JSON error, unknown bytes.
 */
GstCaps *
pollen_media_expect_caps (GstObject * object, GBytes * data,
    const gchar * content_type, guint pcm_rate, const gchar * kind,
    GError ** error)
{
  g_autoptr (GstCaps) caps = pollen_media_detect_caps (object, data,
      content_type, pcm_rate);
  const gchar *name = caps ?
      gst_structure_get_name (gst_caps_get_structure (caps, 0)) : NULL;
  gsize size;
  const gchar *bytes = g_bytes_get_data (data, &size);

  if (name && is_media (name) && !is_unrecognised_picture (object, name,
          bytes, size))
    return g_steal_pointer (&caps);

  set_not_media_error (error, bytes, size, size, name, content_type, kind);
  return NULL;
}

/* a decode that takes longer is stuck (minutes of audio decode in a
 * second) */
#define DECODE_TIMEOUT (60 * GST_SECOND)

static GstPadProbeReturn
add_buffer_duration (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstClockTime *total = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    *total += GST_BUFFER_DURATION (buffer);
  return GST_PAD_PROBE_OK;
}

/* Why the pipeline ended without EOS, as an error about the answer. */
static void
decode_failed (GstMessage * end, GError ** error)
{
  g_autoptr (GError) cause = NULL;

  if (end)
    gst_message_parse_error (end, &cause, NULL);
  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "could not be decoded: %s", cause ? cause->message :
      "the decoder did not finish in time");
}

/* Plays @data through "giostreamsrc ! @chain ! fakesink", with @probe on
 * the fakesink's pad for what comes out. */
static gboolean
decode_run (const gchar * chain, GBytes * data, GstPadProbeCallback probe,
    gpointer user_data, GError ** error)
{
  g_autofree gchar *desc = g_strdup_printf ("giostreamsrc name=src ! %s ! "
      "fakesink name=sink sync=false", chain);
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, error);
  g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes
      (data);
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) end = NULL;

  if (!pipeline)
    return FALSE;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  bus = gst_element_get_bus (pipeline);
  /* a seekable stream, so that an MP4 with its index at the end works */
  g_object_set (src, "stream", stream, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe, user_data, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  end = gst_bus_timed_pop_filtered (bus, DECODE_TIMEOUT, GST_MESSAGE_EOS |
      GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (end && GST_MESSAGE_TYPE (end) == GST_MESSAGE_EOS)
    return TRUE;
  decode_failed (end, error);
  return FALSE;
}

/**
 * pollen_media_audio_duration:
 * @object: (nullable): for log lines
 * @data: a whole encoded answer (mp3, aac, opus, flac …)
 *
 * Encoded audio does not say how long it plays until it is parsed to the
 * end; the timeline after it depends on that. The decoder's trimming of
 * encoder delay and padding counts.
 *
 * Returns: how long @data plays, or %GST_CLOCK_TIME_NONE when it cannot be
 * decoded here.
 */
GstClockTime
pollen_media_audio_duration (GstObject * object, GBytes * data)
{
  g_autoptr (GError) error = NULL;
  GstClockTime total = 0;

  pollen_media_init_debug ();
  if (!decode_run ("decodebin", data, add_buffer_duration, &total, &error) ||
      total == 0) {
    GST_INFO_OBJECT (object, "could not decode %" G_GSIZE_FORMAT " bytes to "
        "time them: %s", g_bytes_get_size (data), error ? error->message :
        "no audio in them");
    return GST_CLOCK_TIME_NONE;
  }
  GST_DEBUG_OBJECT (object, "%" G_GSIZE_FORMAT " bytes play %"
      GST_TIME_FORMAT, g_bytes_get_size (data), GST_TIME_ARGS (total));
  return total;
}

/* What a decode gives: the samples, and their format once known. */
typedef struct
{
  GByteArray *pcm;
  GstCaps *caps;
} Decoded;

static GstPadProbeReturn
add_buffer_samples (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Decoded *decoded = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (!decoded->caps)
    decoded->caps = gst_pad_get_current_caps (pad);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  g_byte_array_append (decoded->pcm, map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

/**
 * pollen_media_decode_audio:
 * @data: a whole answer (mp3, wav, aac, opus, flac …)
 * @info: (out): the format of what is returned: S16LE, interleaved, at
 *   the answer's own rate and channels
 *
 * Decodes a whole audio answer with the installed decoders (decodebin).
 *
 * Returns: (transfer full): the samples, or %NULL with @error set
 * (%POLLEN_CLIENT_ERROR_BAD_RESPONSE) when @data could not be decoded or
 * holds no audio.
 */
GBytes *
pollen_media_decode_audio (GBytes * data, GstAudioInfo * info,
    GError ** error)
{
  Decoded decoded = { g_byte_array_new (), NULL };
  gboolean ok;

  ok = decode_run ("decodebin ! audioconvert ! audio/x-raw,format=S16LE,"
      "layout=interleaved", data, add_buffer_samples, &decoded, error);
  if (ok && (!decoded.caps || !gst_audio_info_from_caps (info, decoded.caps)
          || decoded.pcm->len == 0)) {
    g_set_error_literal (error, POLLEN_CLIENT_ERROR,
        POLLEN_CLIENT_ERROR_BAD_RESPONSE, "decoded to no audio");
    ok = FALSE;
  }
  gst_clear_caps (&decoded.caps);
  if (!ok) {
    g_byte_array_unref (decoded.pcm);
    return NULL;
  }
  return g_byte_array_free_to_bytes (decoded.pcm);
}
