/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The streaming speech decoder: a state machine over the bytes of one
 * answer (detect → WAV header → samples → what follows them, or detect →
 * pass), fed as they arrive. Used by one thread at a time. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenspeech.h"
#include "pollenclient.h"
#include "pollenmedia.h"
#include "pollenwav.h"

#include <gst/audio/audio.h>
#include <gst/tag/tag.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (pollen_speech_debug);
#define GST_CAT_DEFAULT pollen_speech_debug

/* Bytes to see before deciding what an answer that is not WAV is, when
 * its first bytes did not settle it (pollen_media_detect_caps_early()). */
#define DETECT_SIZE 4096
/* Raw audio goes out in pieces of this length whatever the edges of the
 * HTTP chunks, so downstream gets buffers of a steady size rather than
 * slivers (the last piece of an answer is shorter). */
#define RAW_PIECE_MS 40

typedef enum
{
  STAGE_DETECT,                 /* what is it? */
  STAGE_WAV_HEADER,
  STAGE_WAV_DATA,
  STAGE_WAV_TAIL,               /* chunks after the data, or another WAV */
  STAGE_PASS,                   /* raw PCM or encoded audio, as it comes */
} DecodeStage;

typedef enum
{
  STEP_AGAIN,
  STEP_NEED_MORE,
  STEP_FAILED,
} DecodeStep;

struct _PollenSpeech
{
  GstObject *log_object;
  gchar *content_type;
  gchar *request_id;
  guint pcm_rate;
  PollenSpeechFunc func;
  gpointer user_data;

  DecodeStage stage;
  GByteArray *pending;
  gboolean at_end;
  GstCaps *caps;
  guint bpf;                    /* bytes per frame when raw, else 0 */
  gsize piece;                  /* bytes of a raw piece, else 0 */
  guint64 data_left;            /* of the current WAV's samples */
  guint64 skip_left;            /* of a chunk after them */
  gsize emitted;
};

static DecodeStep
speech_fail (PollenSpeech * speech, GError ** error,
    const gchar * format, ...) G_GNUC_PRINTF (3, 4);

static DecodeStep
speech_fail (PollenSpeech * speech, GError ** error,
    const gchar * format, ...)
{
  g_autofree gchar *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server's answer (Content-Type %s, request id %s) %s",
      speech->content_type ? speech->content_type : "none",
      speech->request_id ? speech->request_id : "none", what);
  return STEP_FAILED;
}

static void
speech_drop (PollenSpeech * speech, gsize size)
{
  g_byte_array_remove_range (speech->pending, 0, size);
}

/* Hands the first @size pending bytes on, raw audio piece by piece, and
 * drops them in one go (a whole body may be pending). */
static void
speech_emit (PollenSpeech * speech, gsize size)
{
  gsize piece = speech->piece > 0 ? speech->piece : size;
  gsize done;

  for (done = 0; done < size; done += piece)
    speech->func (speech->caps, g_bytes_new (speech->pending->data + done,
            MIN (piece, size - done)), speech->user_data);
  speech_drop (speech, size);
  speech->emitted += size;
}

static void
speech_set_frames (PollenSpeech * speech, const GstAudioInfo * info)
{
  speech->bpf = GST_AUDIO_INFO_BPF (info);
  speech->piece = (gsize) speech->bpf * MAX (1, gst_util_uint64_scale
      (GST_AUDIO_INFO_RATE (info), RAW_PIECE_MS, 1000));
}

static void
speech_set_raw_caps (PollenSpeech * speech, const GstAudioInfo * info)
{
  gst_clear_caps (&speech->caps);
  speech->caps = gst_audio_info_to_caps (info);
  speech_set_frames (speech, info);
}

/* How much of @avail bytes of raw audio to hand on now: whole pieces, or
 * when no more is coming (@last) all whole frames. */
static gsize
speech_raw_size (PollenSpeech * speech, gsize avail, gboolean last)
{
  if (last)
    return avail - avail % speech->bpf;
  return avail - avail % speech->piece;
}

static GstAudioFormat
wav_audio_format (const PollenWavInfo * wav)
{
  if (wav->format == POLLEN_WAV_FORMAT_PCM)
    switch (wav->bits) {
      case 8:
        return GST_AUDIO_FORMAT_U8;
      case 16:
        return GST_AUDIO_FORMAT_S16LE;
      case 24:
        return GST_AUDIO_FORMAT_S24LE;
      case 32:
        return GST_AUDIO_FORMAT_S32LE;
      default:
        break;
    }
  if (wav->format == POLLEN_WAV_FORMAT_FLOAT)
    switch (wav->bits) {
      case 32:
        return GST_AUDIO_FORMAT_F32LE;
      case 64:
        return GST_AUDIO_FORMAT_F64LE;
      default:
        break;
    }
  return GST_AUDIO_FORMAT_UNKNOWN;
}

static DecodeStep
speech_wav_header (PollenSpeech * speech, GError ** error)
{
  g_autoptr (GError) cause = NULL;
  PollenWavInfo wav = { 0, };
  GstAudioFormat format;
  GstAudioInfo info;

  switch (pollen_wav_parse_header (speech->pending->data, speech->pending->len,
          &wav, &cause)) {
    case POLLEN_WAV_NEED_MORE:
      if (speech->at_end)
        return speech_fail (speech, error, "ended inside its WAV "
            "header (%u bytes)", speech->pending->len);
      return STEP_NEED_MORE;
    case POLLEN_WAV_INVALID:
      return speech_fail (speech, error, "is %s", cause->message);
    case POLLEN_WAV_OK:
      break;
  }

  format = wav_audio_format (&wav);
  if (format == GST_AUDIO_FORMAT_UNKNOWN || wav.channels > 64 ||
      wav.rate > 768000)
    return speech_fail (speech, error, "is a WAV of format 0x%04x, %u "
        "bits, %u channels at %u Hz, which is not PCM this element outputs; "
        "pick another response-format", wav.format, wav.bits, wav.channels,
        wav.rate);

  gst_audio_info_set_format (&info, format, wav.rate, wav.channels, NULL);
  speech_set_raw_caps (speech, &info);
  GST_DEBUG_OBJECT (speech->log_object, "WAV: %" GST_PTR_FORMAT ", %s bytes of "
      "samples", speech->caps, wav.data_size == POLLEN_WAV_SIZE_UNKNOWN ?
      "unknown" : "known");
  speech_drop (speech, wav.data_offset);
  speech->data_left = wav.data_size;
  speech->stage = STAGE_WAV_DATA;
  return STEP_AGAIN;
}

static DecodeStep
speech_wav_data (PollenSpeech * speech)
{
  guint64 avail = speech->pending->len;
  gboolean last = speech->at_end;
  gsize size;

  if (speech->data_left != POLLEN_WAV_SIZE_UNKNOWN &&
      avail >= speech->data_left) {
    avail = speech->data_left;
    last = TRUE;
  }
  size = speech_raw_size (speech, avail, last);

  if (size > 0) {
    speech_emit (speech, size);
    if (speech->data_left != POLLEN_WAV_SIZE_UNKNOWN)
      speech->data_left -= size;
  } else if (speech->data_left != POLLEN_WAV_SIZE_UNKNOWN &&
      speech->data_left < speech->bpf && avail == speech->data_left) {
    /* a data size that is not a whole number of frames */
    speech_drop (speech, avail);
    speech->data_left = 0;
  }

  if (speech->data_left == 0) {
    speech->stage = STAGE_WAV_TAIL;
    return STEP_AGAIN;
  }
  return size > 0 ? STEP_AGAIN : STEP_NEED_MORE;
}

/* After a WAV's samples: skip the chunks that follow (LIST …), and start
 * over when another whole WAV follows, maybe at another rate. */
static DecodeStep
speech_wav_tail (PollenSpeech * speech)
{
  guint32 chunk_size;

  if (speech->skip_left > 0) {
    gsize size = MIN (speech->skip_left, speech->pending->len);

    if (size == 0)
      return STEP_NEED_MORE;
    speech_drop (speech, size);
    speech->skip_left -= size;
    return STEP_AGAIN;
  }
  if (speech->pending->len < 8)
    return STEP_NEED_MORE;
  if (memcmp (speech->pending->data, "RIFF", 4) == 0) {
    GST_DEBUG_OBJECT (speech->log_object,
        "another WAV follows in the same answer");
    speech->stage = STAGE_WAV_HEADER;
    return STEP_AGAIN;
  }
  chunk_size = GST_READ_UINT32_LE (speech->pending->data + 4);
  speech->skip_left = 8 + (guint64) chunk_size + (chunk_size & 1);
  return STEP_AGAIN;
}

static gboolean
caps_are_audio (GstCaps * caps)
{
  const gchar *name = gst_structure_get_name (gst_caps_get_structure (caps,
          0));

  return g_str_has_prefix (name, "audio/") ||
      g_str_equal (name, "application/ogg") ||
      g_str_equal (name, "video/quicktime");
}

/* Audio caps when the first bytes already say what the answer is, so that
 * the first of it goes out at once; NULL while more are needed (what is
 * not audio is judged on DETECT_SIZE bytes, for the error's sake). */
static GstCaps *
speech_detect_early (PollenSpeech * speech, GBytes * head)
{
  GstCaps *caps = pollen_media_detect_caps_early (speech->log_object, head,
      speech->content_type, speech->pcm_rate);

  if (caps && !caps_are_audio (caps))
    gst_clear_caps (&caps);
  return caps;
}

/* An ID3v2 tag before the first MP3 frame (the encoder's name, as ffmpeg
 * writes it) is dropped: what follows is judged, and goes out as MP3 any
 * decoder takes. */
static DecodeStep
speech_skip_id3 (PollenSpeech * speech, GError ** error)
{
  /* a view of the pending bytes, for as long as this call */
  g_autoptr (GstBuffer) header = gst_buffer_new_wrapped_full (0,
      speech->pending->data, GST_TAG_ID3V2_HEADER_SIZE, 0,
      GST_TAG_ID3V2_HEADER_SIZE, NULL, NULL);
  /* never less than the header: a tag that says 0 still goes */
  guint size = MAX (gst_tag_get_id3v2_tag_size (header),
      GST_TAG_ID3V2_HEADER_SIZE);

  if (speech->pending->len < size) {
    if (speech->at_end)
      return speech_fail (speech, error, "ended inside its ID3 tag (%u of "
          "%u bytes)", speech->pending->len, size);
    return STEP_NEED_MORE;
  }
  GST_DEBUG_OBJECT (speech->log_object, "dropping an ID3v2 tag of %u bytes",
      size);
  g_byte_array_remove_range (speech->pending, 0, size);
  return STEP_AGAIN;
}

static DecodeStep
speech_detect (PollenSpeech * speech, GError ** error)
{
  const guint8 *data = speech->pending->data;
  gsize size = speech->pending->len;
  g_autoptr (GBytes) head = NULL;
  GstCaps *caps;
  GstAudioInfo info;

  if (size < 12 && !speech->at_end)
    return STEP_NEED_MORE;
  if (size >= GST_TAG_ID3V2_HEADER_SIZE && memcmp (data, "ID3", 3) == 0)
    return speech_skip_id3 (speech, error);
  if (size >= 12 && memcmp (data, "RIFF", 4) == 0 &&
      memcmp (data + 8, "WAVE", 4) == 0) {
    speech->stage = STAGE_WAV_HEADER;
    return STEP_AGAIN;
  }
  if (size == 0)
    return speech_fail (speech, error, "is empty");

  head = g_bytes_new (data, size);
  if (size >= DETECT_SIZE || speech->at_end)
    caps = pollen_media_detect_caps (speech->log_object, head,
        speech->content_type, speech->pcm_rate);
  else if (!(caps = speech_detect_early (speech, head)))
    return STEP_NEED_MORE;
  if (!caps || !caps_are_audio (caps)) {
    g_autofree gchar *start = g_strndup ((const gchar *) data, MIN (size,
            120));
    g_autofree gchar *printable = g_utf8_make_valid (start, -1);

    gst_clear_caps (&caps);
    return speech_fail (speech, error, "is not audio (%" G_GSIZE_FORMAT
        " bytes starting \"%s\")", size, g_strdelimit (printable, "\r\n",
            ' '));
  }

  speech->caps = caps;
  speech->bpf = 0;
  speech->piece = 0;
  if (gst_structure_has_name (gst_caps_get_structure (caps, 0), "audio/x-raw")
      && gst_audio_info_from_caps (&info, caps))
    speech_set_frames (speech, &info);
  GST_DEBUG_OBJECT (speech->log_object, "answer is %" GST_PTR_FORMAT, caps);
  speech->stage = STAGE_PASS;
  return STEP_AGAIN;
}

static DecodeStep
speech_pass (PollenSpeech * speech)
{
  gsize size = speech->pending->len;

  if (speech->bpf > 0)
    size = speech_raw_size (speech, size, speech->at_end);
  if (size == 0)
    return STEP_NEED_MORE;
  speech_emit (speech, size);
  return STEP_AGAIN;
}

static DecodeStep
speech_step (PollenSpeech * speech, GError ** error)
{
  switch (speech->stage) {
    case STAGE_DETECT:
      return speech_detect (speech, error);
    case STAGE_WAV_HEADER:
      return speech_wav_header (speech, error);
    case STAGE_WAV_DATA:
      return speech_wav_data (speech);
    case STAGE_WAV_TAIL:
      return speech_wav_tail (speech);
    case STAGE_PASS:
      return speech_pass (speech);
  }
  g_assert_not_reached ();
  return STEP_FAILED;
}

static gboolean
speech_run (PollenSpeech * speech, GError ** error)
{
  DecodeStep step;

  while ((step = speech_step (speech, error)) == STEP_AGAIN);
  return step != STEP_FAILED;
}

static void
speech_init_debug (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (pollen_speech_debug, "pollenspeech", 0,
        "gst-pollen speech decoder");
    g_once_init_leave (&initialized, 1);
  }
}

/**
 * pollen_speech_new:
 * @log_object: (nullable): for log lines
 * @content_type: (nullable): the answer's Content-Type, a hint
 * @request_id: (nullable): for error messages
 * @pcm_rate: the rate of headerless PCM, 0 when unknown (then guessed,
 *   with a warning on @log_object)
 * @func: gets the audio
 */
PollenSpeech *
pollen_speech_new (GstObject * log_object, const gchar * content_type,
    const gchar * request_id, guint pcm_rate, PollenSpeechFunc func,
    gpointer user_data)
{
  PollenSpeech *speech = g_new0 (PollenSpeech, 1);

  speech_init_debug ();
  speech->log_object = log_object ? gst_object_ref (log_object) : NULL;
  speech->content_type = g_strdup (content_type);
  speech->request_id = g_strdup (request_id);
  speech->pcm_rate = pcm_rate;
  speech->func = func;
  speech->user_data = user_data;
  speech->stage = STAGE_DETECT;
  speech->pending = g_byte_array_new ();
  return speech;
}

void
pollen_speech_free (PollenSpeech * speech)
{
  if (!speech)
    return;
  g_byte_array_unref (speech->pending);
  gst_clear_caps (&speech->caps);
  gst_clear_object (&speech->log_object);
  g_free (speech->content_type);
  g_free (speech->request_id);
  g_free (speech);
}

/* Feeds the next bytes of the answer; FALSE when they cannot be audio. */
gboolean
pollen_speech_push (PollenSpeech * speech, const guint8 * data, gsize size,
    GError ** error)
{
  g_byte_array_append (speech->pending, data, size);
  return speech_run (speech, error);
}

/* A WAV header that announces its samples' size, and the answer ended
 * before they all came: cut short, where it can be told (a streaming
 * server writes an unknown or placeholder size, which says nothing). */
static gboolean
speech_cut_short (PollenSpeech * speech)
{
  return speech->stage == STAGE_WAV_DATA && speech->data_left > 0 &&
      speech->data_left < POLLEN_WAV_PLACEHOLDER_SIZE;
}

/* The answer ended: what is still pending goes out, or is an error. */
gboolean
pollen_speech_finish (PollenSpeech * speech, GError ** error)
{
  speech->at_end = TRUE;
  if (!speech_run (speech, error))
    return FALSE;
  if (speech_cut_short (speech)) {
    /* like a connection lost mid-body: the answer itself was fine */
    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_NETWORK,
        "the server's answer (request id %s) ended %" G_GUINT64_FORMAT
        " bytes short of the samples its WAV header announces: it was cut "
        "short", speech->request_id ? speech->request_id : "none",
        speech->data_left);
    return FALSE;
  }
  if (speech->pending->len > 0 && speech->stage != STAGE_WAV_TAIL)
    GST_DEBUG_OBJECT (speech->log_object, "dropping %u bytes at the end of the "
        "answer (not a whole frame)", speech->pending->len);
  return TRUE;
}

/* Bytes of audio handed to the callback so far. */
gsize
pollen_speech_get_emitted (PollenSpeech * speech)
{
  return speech->emitted;
}
