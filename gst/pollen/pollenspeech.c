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
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (pollen_speech_debug);
#define GST_CAT_DEFAULT pollen_speech_debug

/* Bytes to see before typefinding an answer that is not WAV. */
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
speech_fail (PollenSpeech * dec, GError ** error,
    const gchar * format, ...) G_GNUC_PRINTF (3, 4);

static DecodeStep
speech_fail (PollenSpeech * dec, GError ** error,
    const gchar * format, ...)
{
  g_autofree gchar *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server's answer (Content-Type %s, request id %s) %s",
      dec->content_type ? dec->content_type : "none",
      dec->request_id ? dec->request_id : "none", what);
  return STEP_FAILED;
}

static void
speech_drop (PollenSpeech * dec, gsize size)
{
  g_byte_array_remove_range (dec->pending, 0, size);
}

/* Hands the first @size pending bytes on, raw audio piece by piece, and
 * drops them in one go (a whole body may be pending). */
static void
speech_emit (PollenSpeech * dec, gsize size)
{
  gsize piece = dec->piece > 0 ? dec->piece : size;
  gsize done;

  for (done = 0; done < size; done += piece)
    dec->func (dec->caps, g_bytes_new (dec->pending->data + done,
            MIN (piece, size - done)), dec->user_data);
  speech_drop (dec, size);
  dec->emitted += size;
}

static void
speech_set_frames (PollenSpeech * dec, const GstAudioInfo * info)
{
  dec->bpf = GST_AUDIO_INFO_BPF (info);
  dec->piece = (gsize) dec->bpf * MAX (1, gst_util_uint64_scale
      (GST_AUDIO_INFO_RATE (info), RAW_PIECE_MS, 1000));
}

static void
speech_set_raw_caps (PollenSpeech * dec, const GstAudioInfo * info)
{
  gst_clear_caps (&dec->caps);
  dec->caps = gst_audio_info_to_caps (info);
  speech_set_frames (dec, info);
}

/* How much of @avail bytes of raw audio to hand on now: whole pieces, or
 * when no more is coming (@last) all whole frames. */
static gsize
speech_raw_size (PollenSpeech * dec, gsize avail, gboolean last)
{
  if (last)
    return avail - avail % dec->bpf;
  return avail - avail % dec->piece;
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
speech_wav_header (PollenSpeech * dec, GError ** error)
{
  g_autoptr (GError) cause = NULL;
  PollenWavInfo wav = { 0, };
  GstAudioFormat format;
  GstAudioInfo info;

  switch (pollen_wav_parse_header (dec->pending->data, dec->pending->len,
          &wav, &cause)) {
    case POLLEN_WAV_NEED_MORE:
      if (dec->at_end)
        return speech_fail (dec, error, "ended inside its WAV "
            "header (%u bytes)", dec->pending->len);
      return STEP_NEED_MORE;
    case POLLEN_WAV_INVALID:
      return speech_fail (dec, error, "is %s", cause->message);
    case POLLEN_WAV_OK:
      break;
  }

  format = wav_audio_format (&wav);
  if (format == GST_AUDIO_FORMAT_UNKNOWN || wav.channels > 64 ||
      wav.rate > 768000)
    return speech_fail (dec, error, "is a WAV of format 0x%04x, %u "
        "bits, %u channels at %u Hz, which is not PCM this element outputs; "
        "pick another response-format", wav.format, wav.bits, wav.channels,
        wav.rate);

  gst_audio_info_set_format (&info, format, wav.rate, wav.channels, NULL);
  speech_set_raw_caps (dec, &info);
  GST_DEBUG_OBJECT (dec->log_object, "WAV: %" GST_PTR_FORMAT ", %s bytes of "
      "samples", dec->caps, wav.data_size == POLLEN_WAV_SIZE_UNKNOWN ?
      "unknown" : "known");
  speech_drop (dec, wav.data_offset);
  dec->data_left = wav.data_size;
  dec->stage = STAGE_WAV_DATA;
  return STEP_AGAIN;
}

static DecodeStep
speech_wav_data (PollenSpeech * dec)
{
  guint64 avail = dec->pending->len;
  gboolean last = dec->at_end;
  gsize size;

  if (dec->data_left != POLLEN_WAV_SIZE_UNKNOWN &&
      avail >= dec->data_left) {
    avail = dec->data_left;
    last = TRUE;
  }
  size = speech_raw_size (dec, avail, last);

  if (size > 0) {
    speech_emit (dec, size);
    if (dec->data_left != POLLEN_WAV_SIZE_UNKNOWN)
      dec->data_left -= size;
  } else if (dec->data_left != POLLEN_WAV_SIZE_UNKNOWN &&
      dec->data_left < dec->bpf && avail == dec->data_left) {
    /* a data size that is not a whole number of frames */
    speech_drop (dec, avail);
    dec->data_left = 0;
  }

  if (dec->data_left == 0) {
    dec->stage = STAGE_WAV_TAIL;
    return STEP_AGAIN;
  }
  return size > 0 ? STEP_AGAIN : STEP_NEED_MORE;
}

/* After a WAV's samples: skip the chunks that follow (LIST …), and start
 * over when another whole WAV follows, maybe at another rate. */
static DecodeStep
speech_wav_tail (PollenSpeech * dec)
{
  guint32 chunk_size;

  if (dec->skip_left > 0) {
    gsize size = MIN (dec->skip_left, dec->pending->len);

    if (size == 0)
      return STEP_NEED_MORE;
    speech_drop (dec, size);
    dec->skip_left -= size;
    return STEP_AGAIN;
  }
  if (dec->pending->len < 8)
    return STEP_NEED_MORE;
  if (memcmp (dec->pending->data, "RIFF", 4) == 0) {
    GST_DEBUG_OBJECT (dec->log_object, "another WAV follows in the same answer");
    dec->stage = STAGE_WAV_HEADER;
    return STEP_AGAIN;
  }
  chunk_size = GST_READ_UINT32_LE (dec->pending->data + 4);
  dec->skip_left = 8 + (guint64) chunk_size + (chunk_size & 1);
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

static DecodeStep
speech_detect (PollenSpeech * dec, GError ** error)
{
  const guint8 *data = dec->pending->data;
  gsize size = dec->pending->len;
  g_autoptr (GBytes) head = NULL;
  GstCaps *caps;
  GstAudioInfo info;

  if (size < 12 && !dec->at_end)
    return STEP_NEED_MORE;
  if (size >= 12 && memcmp (data, "RIFF", 4) == 0 &&
      memcmp (data + 8, "WAVE", 4) == 0) {
    dec->stage = STAGE_WAV_HEADER;
    return STEP_AGAIN;
  }
  if (size < DETECT_SIZE && !dec->at_end)
    return STEP_NEED_MORE;
  if (size == 0)
    return speech_fail (dec, error, "is empty");

  head = g_bytes_new (data, size);
  caps = pollen_media_detect_caps (dec->log_object, head,
      dec->content_type, dec->pcm_rate);
  if (!caps || !caps_are_audio (caps)) {
    g_autofree gchar *start = g_strndup ((const gchar *) data, MIN (size,
            120));
    g_autofree gchar *printable = g_utf8_make_valid (start, -1);

    gst_clear_caps (&caps);
    return speech_fail (dec, error, "is not audio (%" G_GSIZE_FORMAT
        " bytes starting \"%s\")", size, g_strdelimit (printable, "\r\n",
            ' '));
  }

  dec->caps = caps;
  dec->bpf = 0;
  dec->piece = 0;
  if (gst_structure_has_name (gst_caps_get_structure (caps, 0), "audio/x-raw")
      && gst_audio_info_from_caps (&info, caps))
    speech_set_frames (dec, &info);
  GST_DEBUG_OBJECT (dec->log_object, "answer is %" GST_PTR_FORMAT, caps);
  dec->stage = STAGE_PASS;
  return STEP_AGAIN;
}

static DecodeStep
speech_pass (PollenSpeech * dec)
{
  gsize size = dec->pending->len;

  if (dec->bpf > 0)
    size = speech_raw_size (dec, size, dec->at_end);
  if (size == 0)
    return STEP_NEED_MORE;
  speech_emit (dec, size);
  return STEP_AGAIN;
}

static DecodeStep
speech_step (PollenSpeech * dec, GError ** error)
{
  switch (dec->stage) {
    case STAGE_DETECT:
      return speech_detect (dec, error);
    case STAGE_WAV_HEADER:
      return speech_wav_header (dec, error);
    case STAGE_WAV_DATA:
      return speech_wav_data (dec);
    case STAGE_WAV_TAIL:
      return speech_wav_tail (dec);
    case STAGE_PASS:
      return speech_pass (dec);
  }
  g_assert_not_reached ();
  return STEP_FAILED;
}

static gboolean
speech_run (PollenSpeech * dec, GError ** error)
{
  DecodeStep step;

  while ((step = speech_step (dec, error)) == STEP_AGAIN);
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
  PollenSpeech *dec = g_new0 (PollenSpeech, 1);

  speech_init_debug ();
  dec->log_object = log_object ? gst_object_ref (log_object) : NULL;
  dec->content_type = g_strdup (content_type);
  dec->request_id = g_strdup (request_id);
  dec->pcm_rate = pcm_rate;
  dec->func = func;
  dec->user_data = user_data;
  dec->stage = STAGE_DETECT;
  dec->pending = g_byte_array_new ();
  return dec;
}

void
pollen_speech_free (PollenSpeech * dec)
{
  if (!dec)
    return;
  g_byte_array_unref (dec->pending);
  gst_clear_caps (&dec->caps);
  gst_clear_object (&dec->log_object);
  g_free (dec->content_type);
  g_free (dec->request_id);
  g_free (dec);
}

/* Feeds the next bytes of the answer; FALSE when they cannot be audio. */
gboolean
pollen_speech_push (PollenSpeech * dec, const guint8 * data, gsize size,
    GError ** error)
{
  g_byte_array_append (dec->pending, data, size);
  return speech_run (dec, error);
}

/* A WAV header that announces its samples' size, and the answer ended
 * before they all came: cut short, where it can be told (a streaming
 * server writes an unknown or placeholder size, which says nothing). */
static gboolean
speech_cut_short (PollenSpeech * dec)
{
  return dec->stage == STAGE_WAV_DATA && dec->data_left > 0 &&
      dec->data_left < POLLEN_WAV_PLACEHOLDER_SIZE;
}

/* The answer ended: what is still pending goes out, or is an error. */
gboolean
pollen_speech_finish (PollenSpeech * dec, GError ** error)
{
  dec->at_end = TRUE;
  if (!speech_run (dec, error))
    return FALSE;
  if (speech_cut_short (dec)) {
    /* like a connection lost mid-body: the answer itself was fine */
    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_NETWORK,
        "the server's answer (request id %s) ended %" G_GUINT64_FORMAT
        " bytes short of the samples its WAV header announces: it was cut "
        "short", dec->request_id ? dec->request_id : "none", dec->data_left);
    return FALSE;
  }
  if (dec->pending->len > 0 && dec->stage != STAGE_WAV_TAIL)
    GST_DEBUG_OBJECT (dec->log_object, "dropping %u bytes at the end of the "
        "answer (not a whole frame)", dec->pending->len);
  return TRUE;
}

/* Bytes of audio handed to the callback so far. */
gsize
pollen_speech_get_emitted (PollenSpeech * dec)
{
  return dec->emitted;
}
