/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollenvoice
 * @title: pollenvoice
 *
 * Cleans or changes the voice in raw audio with the Pollinations API.
 * With #GstPollenVoice:mode isolate (the default) it keeps the speech and
 * removes music, noise and ambience (`POST /v1/audio/voice-isolator`);
 * with mode convert it says the same words, with the same timing and
 * delivery, in another voice, #GstPollenVoice:voice
 * (`POST /v1/audio/voice-changer`).
 *
 * Raw audio in (S16LE, mono or stereo, 8–48 kHz), raw audio out in the
 * same format, rate and channels, each piece at the time of the audio it
 * replaces. The audio is cut into pieces like pollenstt cuts it: in a
 * pause found by an energy gate (#GstPollenVoice:silence-threshold,
 * #GstPollenVoice:min-silence), so that no word is cut in half. A piece
 * is never shorter than 4.6 s, the voice isolator's minimum (used for
 * both modes): it gathers audio until the first pause after 4.6 s, and
 * ends at the latest pause before #GstPollenVoice:chunk-duration (or
 * there, when the speech has no pause). A piece that must end sooner (the
 * end of the stream, a jump in time, new caps) is padded with silence for
 * the upload and its answer cut back to its length. Each piece is uploaded
 * as an in-memory WAV in a multipart form (field `audio`); the answer
 * (MP3 from the isolator, WAV asked of the changer) is decoded, its MP3
 * encoder delay taken off when the decoder left it in, and converted to
 * the input's rate and channels.
 *
 * Stretches without speech make no request (the API bills every second
 * sent) and come out as silence, flagged GAP, as long as they were: a
 * file writer keeps the pauses, a live mixer keeps going.
 *
 * Up to #GstPollenFilter:max-in-flight pieces are sent at once, their
 * audio goes out in order, and EOS waits for the last one. Live, the
 * element adds #GstPollenVoice:chunk-duration + #GstPollenFilter:latency
 * to the pipeline's latency; a piece the server answered too late is
 * shifted later with a warning to raise latency, and the lag is taken
 * back in the next stretch of silence.
 *
 * A piece that fails is an error; with #GstPollenFilter:skip-failed and a
 * transient failure it comes out as silence with a warning, never as the
 * original audio (with mode convert that would give the voice away).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=interview.wav ! decodebin ! audioconvert \
 *     ! audioresample ! pollenvoice ! audioconvert ! wavenc \
 *     ! filesink location=clean.wav
 * gst-launch-1.0 filesrc location=witness.wav ! decodebin ! audioconvert \
 *     ! audioresample ! pollenvoice mode=convert voice=adam \
 *     ! audioconvert ! autoaudiosink
 * ]|
 */

/* A GstPollenFilter: the sink thread cuts pieces and submits them; workers
 * upload them and decode the answers; the src task pushes the audio in
 * submission order.
 *
 * Lock order: GST_OBJECT_LOCK (properties) is the only lock of this file,
 * a leaf: not held while calling into the base or pushing. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenvoice.h"
#include "gstpollenelements.h"
#include "pollenchunker.h"
#include "pollenconvert.h"
#include "pollenmedia.h"
#include "pollenpcm.h"
#include "pollenwav.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_voice_debug);
#define GST_CAT_DEFAULT gst_pollen_voice_debug

#define DEFAULT_MODE GST_POLLEN_VOICE_MODE_ISOLATE
#define DEFAULT_VOICE "alloy"
#define DEFAULT_CHUNK_DURATION 10000
#define DEFAULT_SILENCE_THRESHOLD -40.0
#define DEFAULT_MIN_SILENCE 300
#define DEFAULT_TIMEOUT 120
#define DEFAULT_LATENCY 5000
#define DEFAULT_MAX_IN_FLIGHT 2

#define ISOLATE_MODEL "eleven-voice-isolator"
#define CONVERT_MODEL "eleven-voice-changer"
#define ISOLATE_PATH "/v1/audio/voice-isolator"
#define CONVERT_PATH "/v1/audio/voice-changer"
#define MIN_PIECE_MS 4600       /* the voice isolator refuses shorter audio */
#define MAX_UPLOAD_BYTES (50 * 1024 * 1024)     /* the server's limit */
#define WAV_HEADER_BYTES 44
/* Silence kept before speech, so that a soft onset below the gate is not
 * cut (min-silence when shorter); half of it is kept after the speech. */
#define LEAD_IN_MS 300
/* An MP3 decoder that finds no encoder delay in the stream gives LAME's
 * 576 frames of it and its own 529 first. */
#define MP3_PRIMING_FRAMES 1105
/* An answer this much longer or shorter than the audio sent is said. */
#define LENGTH_TOLERANCE (250 * GST_MSECOND)

enum
{
  PROP_MODE = POLLEN_FILTER_PROP_LAST,
  PROP_VOICE,
  PROP_CHUNK_DURATION,
  PROP_SILENCE_THRESHOLD,
  PROP_MIN_SILENCE,
};

/* The settings a run uses, copied from the properties in READY→PAUSED and
 * read-only while streaming, so every thread may read them unlocked. */
typedef struct
{
  GstPollenVoiceMode mode;
  const gchar *model;           /* the base's snapshot's, or the mode's */
  gchar *voice;
  guint chunk_ms;
  gdouble silence_threshold;
  guint min_silence_ms;
} Config;

/* A piece of the input: a job. */
typedef struct
{
  guint64 index;                /* 1, 2, 3 … */
  GstClockTime start;
  GstClockTime duration;
  GstAudioInfo info;
  GBytes *pcm;                  /* the input, @info's format */
  gboolean has_speech;

  /* the result, written by the worker before the job finishes */
  GBytes *output;               /* as many frames as @pcm, @info's format */
  GstClockTime sent;            /* running time the request went out */
  GstClockTime answered;        /* running time the answer came, or NONE */
} VoicePiece;

struct _GstPollenVoice
{
  GstPollenFilter parent;

  /* properties, under GST_OBJECT_LOCK; copied into config at READY→PAUSED */
  GstPollenVoiceMode mode;
  gchar *voice;
  guint chunk_duration;
  gdouble silence_threshold;
  guint min_silence;

  /* READY→PAUSED until PAUSED→READY, read-only in between */
  Config config;

  /* sink pad streaming thread */
  PollenChunker *chunker;       /* the piece being gathered */
  GstAudioInfo in_info;         /* of the input, once caps came */
  gsize min_frames;             /* the shortest piece with speech */
  gsize max_frames;             /* the longest piece */
  gsize lead_in;                /* frames of silence kept before speech */
  GstClockTime next_ts;         /* where the next input frame belongs */
  guint64 piece_count;

  /* source pad task */
  GstAudioInfo out_info;        /* of the output caps, once sent */
  gboolean have_out_caps;
  GstClockTime out_position;    /* everything before went out */
};

#define gst_pollen_voice_parent_class parent_class
G_DEFINE_TYPE (GstPollenVoice, gst_pollen_voice, GST_TYPE_POLLEN_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollenvoice, "pollenvoice",
    GST_RANK_NONE, GST_TYPE_POLLEN_VOICE, pollen_element_init ());

#define AUDIO_CAPS "audio/x-raw, format = (string) S16LE, " \
    "layout = (string) interleaved, channels = (int) [ 1, 2 ], " \
    "rate = (int) [ 8000, 48000 ]"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (AUDIO_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (AUDIO_CAPS));

#define GST_TYPE_POLLEN_VOICE_MODE (gst_pollen_voice_mode_get_type ())
static GType
gst_pollen_voice_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_VOICE_MODE_ISOLATE, "Keep the speech, remove music, noise "
          "and ambience (/v1/audio/voice-isolator)", "isolate"},
    {GST_POLLEN_VOICE_MODE_CONVERT, "The same words in another voice "
          "(/v1/audio/voice-changer)", "convert"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstPollenVoiceMode", values));
  return type;
}

/* ---- pieces ---- */

static VoicePiece *
voice_piece_new (void)
{
  VoicePiece *piece = g_new0 (VoicePiece, 1);

  piece->sent = GST_CLOCK_TIME_NONE;
  piece->answered = GST_CLOCK_TIME_NONE;
  return piece;
}

static void
voice_piece_free (VoicePiece * piece)
{
  g_clear_pointer (&piece->pcm, g_bytes_unref);
  g_clear_pointer (&piece->output, g_bytes_unref);
  g_free (piece);
}

static gsize
voice_piece_frames (const VoicePiece * piece)
{
  return g_bytes_get_size (piece->pcm) / GST_AUDIO_INFO_BPF (&piece->info);
}

/* ---- settings ---- */

static gboolean
gst_pollen_voice_isolates (GstPollenVoice * self)
{
  return self->config.mode == GST_POLLEN_VOICE_MODE_ISOLATE;
}

static void
config_clear (Config * config)
{
  config->model = NULL;
  g_clear_pointer (&config->voice, g_free);
}

static void
gst_pollen_voice_snapshot_config (GstPollenVoice * self)
{
  const PollenSettings *settings =
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self));
  Config *config = &self->config;

  config_clear (config);
  GST_OBJECT_LOCK (self);
  config->mode = self->mode;
  config->voice = g_strdup (self->voice && *self->voice ? self->voice :
      DEFAULT_VOICE);
  config->chunk_ms = self->chunk_duration;
  config->silence_threshold = self->silence_threshold;
  config->min_silence_ms = self->min_silence;
  GST_OBJECT_UNLOCK (self);
  /* the model property is unset unless given: each mode has its own */
  config->model = settings->model ? settings->model :
      config->mode == GST_POLLEN_VOICE_MODE_ISOLATE ? ISOLATE_MODEL :
      CONVERT_MODEL;
}

/* GstPollenFilter::get_latency: a whole piece is gathered before the
 * server gets `latency` to answer. */
static GstClockTime
gst_pollen_voice_get_latency (GstPollenFilter * filter)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);
  GstClockTime latency;

  GST_OBJECT_LOCK (self);
  latency = (GstClockTime) MAX (self->chunk_duration, MIN_PIECE_MS) *
      GST_MSECOND;
  GST_OBJECT_UNLOCK (self);
  return latency;
}

/* ---- cutting (sink streaming thread) ---- */

/* The piece being gathered with the input's format. */
static void
gst_pollen_voice_configure_chunker (GstPollenVoice * self)
{
  const Config *config = &self->config;
  guint bpf = GST_AUDIO_INFO_BPF (&self->in_info);
  PollenChunker *c = self->chunker;

  pollen_chunker_configure (c, GST_AUDIO_INFO_RATE (&self->in_info),
      GST_AUDIO_INFO_CHANNELS (&self->in_info), config->silence_threshold,
      config->min_silence_ms);
  self->min_frames = pollen_chunker_frames_for (c, MIN_PIECE_MS);
  self->lead_in = pollen_chunker_frames_for (c, MIN (LEAD_IN_MS,
          config->min_silence_ms));
  self->max_frames = MAX (pollen_chunker_frames_for (c, config->chunk_ms),
      self->min_frames);
  /* and its WAV within the server's limit */
  self->max_frames = MIN (self->max_frames,
      (MAX_UPLOAD_BYTES - WAV_HEADER_BYTES) / bpf);
}

/* Where the gathered audio is cut now, or 0 to gather more. Silence
 * before speech goes as a piece of its own (no request) once the speech
 * starts, or once it is chunk-duration long, but for the lead-in kept with
 * the speech. A piece with speech ends in the first pause (min-silence)
 * after the minimum length (half the lead-in kept after the speech, the
 * rest of the pause goes as silence), else at chunk-duration: in the
 * latest pause past the minimum, else there. */
static gsize
gst_pollen_voice_find_cut (GstPollenVoice * self)
{
  PollenChunker *c = self->chunker;
  gsize frames = pollen_chunker_get_frames (c);
  gssize voiced = pollen_chunker_get_first_voiced (c);
  gssize silence = pollen_chunker_get_silence_start (c);
  gssize pause;

  if (voiced < 0)
    return frames >= self->max_frames ? frames - self->lead_in : 0;
  if ((gsize) voiced > self->lead_in)
    return voiced - self->lead_in;
  if (silence >= 0 && frames - silence >= pollen_chunker_get_min_silence (c)
      && frames >= self->min_frames)
    return MAX (silence + self->lead_in / 2, self->min_frames);
  if (frames < self->max_frames)
    return 0;
  pause = pollen_chunker_get_pause (c);
  return pause >= (gssize) self->min_frames ? (gsize) pause : frames;
}

/* Takes the first @frames frames out as a piece. */
static VoicePiece *
gst_pollen_voice_take (GstPollenVoice * self, gsize frames)
{
  PollenChunker *c = self->chunker;
  gssize voiced = pollen_chunker_get_first_voiced (c);
  VoicePiece *piece = voice_piece_new ();

  piece->start = pollen_chunker_get_start (c);
  piece->duration = pollen_chunker_time_of (c, frames);
  piece->info = self->in_info;
  piece->has_speech = voiced >= 0 && (gsize) voiced < frames;
  piece->pcm = pollen_chunker_take (c, frames);
  return piece;
}

/* Queues @piece (taking it) behind everything before it; blocks while
 * max-in-flight pieces are pending. */
static GstFlowReturn
gst_pollen_voice_submit (GstPollenVoice * self, VoicePiece * piece)
{
  piece->index = ++self->piece_count;
  GST_DEBUG_OBJECT (self, "piece %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
      ", %" GST_TIME_FORMAT "%s", piece->index, GST_TIME_ARGS (piece->start),
      GST_TIME_ARGS (piece->duration), piece->has_speech ? "" :
      " (silence)");
  return gst_pollen_filter_submit (GST_POLLEN_FILTER (self), piece);
}

/* Ends the piece being gathered (a jump in time, DISCONT, caps, segment,
 * gap, EOS). */
static GstFlowReturn
gst_pollen_voice_finish_piece (GstPollenVoice * self)
{
  gsize frames = self->chunker ? pollen_chunker_get_frames (self->chunker) :
      0;

  if (frames == 0)
    return GST_FLOW_OK;
  return gst_pollen_voice_submit (self, gst_pollen_voice_take (self, frames));
}

/* Appends @frames frames a window at a time, cutting where the gate
 * says. */
static GstFlowReturn
gst_pollen_voice_feed (GstPollenVoice * self, const gint16 * samples,
    gsize frames)
{
  PollenChunker *c = self->chunker;
  guint window = pollen_chunker_get_window (c);
  guint channels = pollen_chunker_get_channels (c);

  while (frames > 0) {
    gsize n = MIN (frames, window);
    gsize cut;

    pollen_chunker_append (c, samples, n);
    samples += n * channels;
    frames -= n;
    cut = gst_pollen_voice_find_cut (self);
    if (cut > 0) {
      GstFlowReturn ret = gst_pollen_voice_submit (self,
          gst_pollen_voice_take (self, cut));

      if (ret != GST_FLOW_OK)
        return ret;
    }
  }
  return GST_FLOW_OK;
}

/* Where @buffer's frames belong; a jump in time or a DISCONT flag ends the
 * current piece, so that a piece is always continuous audio. */
static GstFlowReturn
gst_pollen_voice_place_buffer (GstPollenVoice * self, GstBuffer * buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstFlowReturn ret = GST_FLOW_OK;

  if (pollen_chunker_is_jump (pts, self->next_ts) ||
      GST_BUFFER_IS_DISCONT (buffer))
    ret = gst_pollen_voice_finish_piece (self);
  pollen_chunker_start_at (self->chunker, pts, self->next_ts);
  return ret;
}

static GstFlowReturn
gst_pollen_voice_chain (GstPollenFilter * filter, GstBuffer * buffer)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);
  guint bpf = GST_AUDIO_INFO_BPF (&self->in_info);
  GstFlowReturn ret;
  GstMapInfo map;

  if (pollen_chunker_get_rate (self->chunker) == 0) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("audio arrived before caps"));
    gst_buffer_unref (buffer);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  ret = gst_pollen_voice_place_buffer (self, buffer);
  if (ret == GST_FLOW_OK) {
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    if (map.size % bpf)
      GST_WARNING_OBJECT (self, "dropping a partial frame at the end of a "
          "buffer");
    ret = gst_pollen_voice_feed (self, (const gint16 *) map.data,
        map.size / bpf);
    gst_buffer_unmap (buffer, &map);
    self->next_ts = pollen_chunker_get_end (self->chunker);
  }
  gst_buffer_unref (buffer);
  return ret;
}

static gboolean
gst_pollen_voice_set_caps (GstPollenFilter * filter, GstCaps * caps)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);
  GstAudioInfo info;

  if (!gst_audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("invalid caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (pollen_chunker_get_rate (self->chunker) != 0 &&
      gst_audio_info_is_equal (&info, &self->in_info))
    return TRUE;
  /* a piece is one format: what came before goes as it is */
  if (gst_pollen_voice_finish_piece (self) != GST_FLOW_OK)
    return FALSE;
  self->in_info = info;
  gst_pollen_voice_configure_chunker (self);
  self->next_ts = GST_CLOCK_TIME_NONE;
  return TRUE;
}

/* GstPollenFilter::sink_event: a piece is continuous audio, so a segment,
 * a gap or EOS ends the one being gathered. */
static GstFlowReturn
gst_pollen_voice_sink_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);

  if (!pollen_chunker_event_ends_piece (event, &self->next_ts))
    return GST_FLOW_OK;
  return gst_pollen_voice_finish_piece (self);
}

/* ---- the request (worker threads) ---- */

/* The piece as a WAV file, padded with silence up to the server's
 * minimum. */
static GBytes *
gst_pollen_voice_upload (GstPollenVoice * self, const VoicePiece * piece)
{
  guint bpf = GST_AUDIO_INFO_BPF (&piece->info);
  gsize size;
  const guint8 *pcm = g_bytes_get_data (piece->pcm, &size);
  gsize min_size = gst_util_uint64_scale_int_ceil (MIN_PIECE_MS,
      GST_AUDIO_INFO_RATE (&piece->info), 1000) * bpf;
  g_autofree guint8 *padded = NULL;

  if (size >= min_size)
    return pollen_wav_wrap (pcm, size, GST_AUDIO_INFO_RATE (&piece->info),
        GST_AUDIO_INFO_CHANNELS (&piece->info));
  GST_DEBUG_OBJECT (self, "piece %" G_GUINT64_FORMAT " padded from %"
      G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT " frames", piece->index,
      size / bpf, min_size / bpf);
  padded = g_malloc0 (min_size);
  memcpy (padded, pcm, size);
  return pollen_wav_wrap (padded, min_size,
      GST_AUDIO_INFO_RATE (&piece->info),
      GST_AUDIO_INFO_CHANNELS (&piece->info));
}

static PollenRequest *
gst_pollen_voice_build_request (GstPollenVoice * self, GBytes * wav)
{
  const Config *config = &self->config;
  gboolean isolate = gst_pollen_voice_isolates (self);
  PollenRequest *request = pollen_request_new ("POST", isolate ?
      ISOLATE_PATH : CONVERT_PATH);

  pollen_request_add_form_file (request, "audio", "audio.wav", "audio/wav",
      wav);
  pollen_request_add_form_field (request, "model", config->model);
  if (!isolate) {
    pollen_request_add_form_field (request, "voice", config->voice);
    /* lossless, and no encoder delay to take off */
    pollen_request_add_form_field (request, "response_format", "wav");
  }
  pollen_request_add_extra_params (request,
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self))->extra_params);
  return request;
}

/* The frames of @pcm (@bpf bytes each) from @skip on, exactly @frames of
 * them: cut, or padded with silence (zeros, S16LE). */
static GBytes *
fit_frames (GBytes * pcm, gsize bpf, gsize skip, gsize frames)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (pcm, &size);
  gsize have = size / bpf > skip ? size / bpf - skip : 0;
  guint8 *out = g_malloc0 (MAX (frames * bpf, 1));

  memcpy (out, data + skip * bpf, MIN (have, frames) * bpf);
  return g_bytes_new_take (out, frames * bpf);
}

/* Frames of the decoded answer to drop at its start: an MP3 decoder that
 * did not find the encoder delay in the stream left it in, along with its
 * own, and the answer is then that much longer than what was sent. (An
 * answer after an ID3 tag is taken for MP3: the server's only tagged
 * format.) */
static gsize
mp3_priming (GstCaps * caps, gsize decoded, gsize expected)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gint layer = 0;

  if (!gst_structure_has_name (s, "application/x-id3") &&
      (!gst_structure_has_name (s, "audio/mpeg") ||
          !gst_structure_get_int (s, "layer", &layer) || layer != 3))
    return 0;
  return decoded >= expected + MP3_PRIMING_FRAMES ? MP3_PRIMING_FRAMES : 0;
}

/* @pcm (@from's format) in @to's. */
static GBytes *
convert_whole (GBytes * pcm, const GstAudioInfo * from,
    const GstAudioInfo * to)
{
  g_autoptr (PollenConvert) convert = pollen_convert_new (from, to);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) tail = NULL;
  GByteArray *all;

  if (!convert)
    return NULL;
  body = pollen_convert_push (convert, pcm);
  tail = pollen_convert_finish (convert);
  all = g_byte_array_sized_new (g_bytes_get_size (body) +
      g_bytes_get_size (tail));
  g_byte_array_append (all, g_bytes_get_data (body, NULL),
      g_bytes_get_size (body));
  g_byte_array_append (all, g_bytes_get_data (tail, NULL),
      g_bytes_get_size (tail));
  return g_byte_array_free_to_bytes (all);
}

/* An answer much longer or shorter than what was sent: the output keeps
 * the input's timing, which is said. */
static void
gst_pollen_voice_check_length (GstPollenVoice * self,
    const VoicePiece * piece, const PollenResponse * response,
    GstClockTime sent_length, GstClockTime answer_length)
{
  GstClockTime diff = sent_length > answer_length ?
      sent_length - answer_length : answer_length - sent_length;

  if (diff <= LENGTH_TOLERANCE)
    return;
  GST_ELEMENT_WARNING (self, STREAM, DECODE, ("The server answered %.2f s "
          "of audio for the %.2f s sent at %" GST_TIME_FORMAT " (request id "
          "%s); the output keeps the input's timing, so %s.",
          (gdouble) answer_length / GST_SECOND,
          (gdouble) sent_length / GST_SECOND, GST_TIME_ARGS (piece->start),
          response->request_id ? response->request_id : "none",
          answer_length < sent_length ? "the rest of the piece is silence" :
          "the end of the answer is cut"), (NULL));
}

/* The answer (MP3, WAV …) decoded, less the priming of an MP3 decoder,
 * in its own rate and channels (@native); its length against the
 * @sent_frames of the upload is checked. */
static GBytes *
gst_pollen_voice_decode (GstPollenVoice * self, const VoicePiece * piece,
    gsize sent_frames, const PollenResponse * response, GstAudioInfo * native,
    GError ** error)
{
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GBytes) decoded = NULL;
  guint in_rate = GST_AUDIO_INFO_RATE (&piece->info);
  gsize frames, skip;

  caps = pollen_media_expect_caps (GST_OBJECT (self), response->body,
      response->content_type, 0, "audio", error);
  if (!caps || !(decoded = pollen_media_decode_audio (response->body, native,
              error)))
    return NULL;
  frames = g_bytes_get_size (decoded) / GST_AUDIO_INFO_BPF (native);
  skip = mp3_priming (caps, frames, gst_util_uint64_scale_int (sent_frames,
          GST_AUDIO_INFO_RATE (native), in_rate));
  gst_pollen_voice_check_length (self, piece, response,
      gst_util_uint64_scale_int (sent_frames, GST_SECOND, in_rate),
      gst_util_uint64_scale_int (frames - skip, GST_SECOND,
          GST_AUDIO_INFO_RATE (native)));
  return fit_frames (decoded, GST_AUDIO_INFO_BPF (native), skip,
      frames - skip);
}

/* The answer as the piece's audio: in the input's format, exactly as
 * long as the piece. */
static GBytes *
gst_pollen_voice_take_answer (GstPollenVoice * self, VoicePiece * piece,
    gsize sent_frames, const PollenResponse * response, GError ** error)
{
  g_autoptr (GBytes) decoded = NULL;
  g_autoptr (GBytes) converted = NULL;
  GstAudioInfo native;

  decoded = gst_pollen_voice_decode (self, piece, sent_frames, response,
      &native, error);
  if (!decoded)
    return NULL;
  converted = convert_whole (decoded, &native, &piece->info);
  if (!converted) {
    g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
        "has %d channels, which cannot be mixed into the input's %d",
        GST_AUDIO_INFO_CHANNELS (&native),
        GST_AUDIO_INFO_CHANNELS (&piece->info));
    return NULL;
  }
  return fit_frames (converted, GST_AUDIO_INFO_BPF (&piece->info), 0,
      voice_piece_frames (piece));
}

/* An answer that is no audio, or that cannot be decoded, says which
 * answer it was. */
static void
prefix_answer_error (GError ** error, const PollenResponse * response)
{
  if (error && *error && !g_str_has_prefix ((*error)->message, "the server"))
    g_prefix_error (error, "the server's answer (Content-Type %s, request "
        "id %s) ", response->content_type ? response->content_type : "none",
        response->request_id ? response->request_id : "none");
}

static gboolean
gst_pollen_voice_run_job (GstPollenFilter * filter, PollenJob * job,
    gpointer data, GCancellable * cancellable, GError ** error)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);
  VoicePiece *piece = data;
  g_autoptr (GBytes) wav = NULL;
  g_autoptr (PollenRequest) request = NULL;
  g_autoptr (PollenResponse) response = NULL;

  if (!piece->has_speech)
    return TRUE;
  wav = gst_pollen_voice_upload (self, piece);
  request = gst_pollen_voice_build_request (self, wav);
  piece->sent = gst_pollen_filter_now (filter);
  response = pollen_client_fetch (gst_pollen_filter_get_client (filter),
      request, cancellable, error);
  if (!response)
    return FALSE;
  piece->answered = gst_pollen_filter_now (filter);
  piece->output = gst_pollen_voice_take_answer (self, piece,
      (g_bytes_get_size (wav) - WAV_HEADER_BYTES) /
      GST_AUDIO_INFO_BPF (&piece->info), response, error);
  prefix_answer_error (error, response);
  return piece->output != NULL;
}

/* ---- output (source pad task) ---- */

/* The output is the input's format: caps go out before the first piece
 * and when a piece is in another format. */
static GstFlowReturn
gst_pollen_voice_set_out_caps (GstPollenVoice * self,
    const GstAudioInfo * info)
{
  g_autoptr (GstCaps) caps = NULL;
  GstFlowReturn ret;

  if (self->have_out_caps && gst_audio_info_is_equal (info, &self->out_info))
    return GST_FLOW_OK;
  caps = gst_audio_info_to_caps (info);
  ret = gst_pollen_filter_set_src_caps (GST_POLLEN_FILTER (self), caps);
  if (ret == GST_FLOW_OK) {
    self->out_info = *info;
    self->have_out_caps = TRUE;
  }
  return ret;
}

/* Silence from where the output is up to @until. */
static GstFlowReturn
gst_pollen_voice_fill (GstPollenVoice * self, GstClockTime until)
{
  GstFlowReturn ret;

  if (!GST_CLOCK_TIME_IS_VALID (self->out_position) ||
      !GST_CLOCK_TIME_IS_VALID (until) || until <= self->out_position ||
      !self->have_out_caps)
    return GST_FLOW_OK;
  ret = pollen_pcm_push_silence (gst_pollen_filter_get_srcpad
      (GST_POLLEN_FILTER (self)), &self->out_info, self->out_position, until);
  self->out_position = until;
  return ret;
}

/* Live, how much later the piece must go: the server's lateness. Output
 * held back by downstream keeps its time. */
static GstClockTime
gst_pollen_voice_lateness (GstPollenVoice * self, VoicePiece * piece)
{
  PollenLateCause cause = POLLEN_LATE_SERVER;
  GstClockTime late;

  late = gst_pollen_filter_check_late (GST_POLLEN_FILTER (self), piece,
      piece->start, piece->sent, piece->answered, &cause);
  gst_pollen_filter_follow_server (GST_POLLEN_FILTER (self), piece->sent,
      piece->answered, late > 0);
  return cause == POLLEN_LATE_SERVER ? late : 0;
}

/* Pushes a piece's voice at its time (later by the server's lateness,
 * never before what went out), the silence before it filled. */
static GstFlowReturn
gst_pollen_voice_push_piece (GstPollenVoice * self, VoicePiece * piece)
{
  GstClockTime pts = piece->start + gst_pollen_voice_lateness (self, piece);
  GstFlowReturn ret;

  if (GST_CLOCK_TIME_IS_VALID (self->out_position)) {
    if ((ret = gst_pollen_voice_fill (self, pts)) != GST_FLOW_OK)
      return ret;
    pts = MAX (pts, self->out_position);
  }
  self->out_position = pts + gst_util_uint64_scale_int (voice_piece_frames
      (piece), GST_SECOND, GST_AUDIO_INFO_RATE (&piece->info));
  return pollen_pcm_push (gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER
          (self)), &piece->info, pts, piece->output, pts != piece->start);
}

static GstFlowReturn
gst_pollen_voice_handle_done (GstPollenFilter * filter, gpointer data)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);
  VoicePiece *piece = data;
  GstFlowReturn ret = gst_pollen_voice_set_out_caps (self, &piece->info);

  if (ret != GST_FLOW_OK)
    return ret;
  if (!GST_CLOCK_TIME_IS_VALID (self->out_position) && !piece->output)
    self->out_position = piece->start;
  if (piece->output)
    return gst_pollen_voice_push_piece (self, piece);
  /* silence, as long as it was, less a lag a late piece left */
  return gst_pollen_voice_fill (self, piece->start + piece->duration);
}

/* GstPollenFilter::fill: a piece that failed is silence (never the
 * original voice: with mode=convert that would give it away). */
static GstFlowReturn
gst_pollen_voice_fill_failed (GstPollenFilter * filter, gpointer data)
{
  VoicePiece *piece = data;

  g_clear_pointer (&piece->output, g_bytes_unref);
  return gst_pollen_voice_handle_done (filter, piece);
}

/* GstPollenFilter::idle: live, while a request runs, nothing can come any
 * more for what is past the deadline: a GAP up to there keeps live mixers
 * and sinks going (a late piece goes after it). */
static GstFlowReturn
gst_pollen_voice_idle (GstPollenFilter * filter)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);
  GstClockTime horizon = gst_pollen_filter_get_horizon (filter);

  if (GST_CLOCK_TIME_IS_VALID (horizon) &&
      GST_CLOCK_TIME_IS_VALID (self->out_position))
    gst_pollen_filter_gap_until (filter, &self->out_position, horizon);
  return GST_FLOW_OK;
}

/* GstPollenFilter::src_event: a segment starts the timeline over (live at
 * its start, else at the first piece), a GAP from upstream tells
 * downstream that nothing comes before its end. */
static GstFlowReturn
gst_pollen_voice_src_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);

  if (gst_pollen_filter_follow_upstream (filter, &self->out_position, event))
    return GST_FLOW_OK;
  return GST_POLLEN_FILTER_CLASS (parent_class)->src_event (filter, event);
}

static gchar *
gst_pollen_voice_describe (GstPollenFilter * filter, gpointer data)
{
  VoicePiece *piece = data;

  return g_strdup_printf ("%s the voice in the audio at %" GST_TIME_FORMAT
      " (%.1f s)", gst_pollen_voice_isolates (GST_POLLEN_VOICE (filter)) ?
      "Isolating" : "Changing", GST_TIME_ARGS (piece->start),
      (gdouble) piece->duration / GST_SECOND);
}

/* ---- states ---- */

/* GstPollenFilter::flush: input and output start over. */
static void
gst_pollen_voice_flush (GstPollenFilter * filter)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);

  if (self->chunker)
    pollen_chunker_reset (self->chunker);
  self->next_ts = GST_CLOCK_TIME_NONE;
  self->out_position = GST_CLOCK_TIME_NONE;
  self->have_out_caps = FALSE;
}

static gboolean
gst_pollen_voice_start (GstPollenFilter * filter)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);

  gst_pollen_voice_snapshot_config (self);
  /* not configured (rate 0) until caps come */
  pollen_chunker_free (self->chunker);
  self->chunker = pollen_chunker_new ();
  self->next_ts = GST_CLOCK_TIME_NONE;
  self->piece_count = 0;
  return TRUE;
}

static void
gst_pollen_voice_stop (GstPollenFilter * filter)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (filter);

  g_clear_pointer (&self->chunker, pollen_chunker_free);
  config_clear (&self->config);
}

/* ---- properties ---- */

static void
gst_pollen_voice_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (object);

  if (prop_id == PROP_VOICE) {
    pollen_property_replace_string (object, &self->voice, value);
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_CHUNK_DURATION:
      self->chunk_duration = g_value_get_uint (value);
      break;
    case PROP_SILENCE_THRESHOLD:
      self->silence_threshold = g_value_get_double (value);
      break;
    case PROP_MIN_SILENCE:
      self->min_silence = g_value_get_uint (value);
      break;
    default:
      /* the base's, or not a property at all: the base says which */
      GST_OBJECT_UNLOCK (self);
      G_OBJECT_CLASS (parent_class)->set_property (object, prop_id, value,
          pspec);
      return;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pollen_voice_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_VOICE:
      g_value_set_string (value, self->voice);
      break;
    case PROP_CHUNK_DURATION:
      g_value_set_uint (value, self->chunk_duration);
      break;
    case PROP_SILENCE_THRESHOLD:
      g_value_set_double (value, self->silence_threshold);
      break;
    case PROP_MIN_SILENCE:
      g_value_set_uint (value, self->min_silence);
      break;
    default:
      /* the base's, or not a property at all: the base says which */
      GST_OBJECT_UNLOCK (self);
      G_OBJECT_CLASS (parent_class)->get_property (object, prop_id, value,
          pspec);
      return;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pollen_voice_finalize (GObject * object)
{
  GstPollenVoice *self = GST_POLLEN_VOICE (object);

  g_free (self->voice);
  config_clear (&self->config);
  pollen_chunker_free (self->chunker);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Fixed for a run: copied at READY→PAUSED. */
#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_pollen_voice_install_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "isolate: keep the speech, remove music, noise and ambience; "
          "convert: the same words in another voice (default isolate)",
          GST_TYPE_POLLEN_VOICE_MODE, DEFAULT_MODE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_VOICE,
      g_param_spec_string ("voice", "Voice",
          "With mode=convert, the voice to speak in, sent as 'voice': a "
          "preset (alloy, echo, fable, onyx, nova, shimmer, rachel, adam, "
          "bella …) or an ElevenLabs voice ID (default alloy)",
          DEFAULT_VOICE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_CHUNK_DURATION,
      g_param_spec_uint ("chunk-duration", "Chunk Duration",
          "Longest piece of audio sent in one request, in milliseconds (and "
          "at most 50 MB of WAV); pieces end earlier, in the first pause "
          "after 4.6 s, the server's minimum (default 10000)",
          MIN_PIECE_MS, 300000, DEFAULT_CHUNK_DURATION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SILENCE_THRESHOLD,
      g_param_spec_double ("silence-threshold", "Silence Threshold",
          "Level in dBFS (RMS over 10 ms) below which audio counts as "
          "silence: silence makes no request and comes out as silence; raise "
          "it above the noise floor of noisy audio (default -40)", -96.0,
          0.0, DEFAULT_SILENCE_THRESHOLD, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MIN_SILENCE,
      g_param_spec_uint ("min-silence", "Minimum Silence",
          "Shortest silence, in milliseconds, that counts as a pause where a "
          "piece may end (default 300)", 10, 10000, DEFAULT_MIN_SILENCE,
          PARAM_FLAGS));
}

static void
gst_pollen_voice_class_init_filter (GstPollenFilterClass * filter_class)
{
  /* each mode has its own: see gst_pollen_voice_snapshot_config() */
  filter_class->default_model = NULL;
  filter_class->model_blurb = "Model, sent as the 'model' field; unset "
      "(default) uses the mode's: " ISOLATE_MODEL " for isolate, "
      CONVERT_MODEL " for convert";
  filter_class->default_timeout = DEFAULT_TIMEOUT;
  filter_class->default_max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  filter_class->default_latency_ms = DEFAULT_LATENCY;
  filter_class->latency_blurb = "live, the element reports upstream latency "
      "+ chunk-duration + latency, and audio that comes later is shifted "
      "with a warning";
  filter_class->untimed_hint = "Put a decoder or parser (decodebin, "
      "wavparse) or a live audio source in front of pollenvoice.";
  filter_class->data_free = (GDestroyNotify) voice_piece_free;

  filter_class->start = GST_DEBUG_FUNCPTR (gst_pollen_voice_start);
  filter_class->stop = GST_DEBUG_FUNCPTR (gst_pollen_voice_stop);
  filter_class->flush = GST_DEBUG_FUNCPTR (gst_pollen_voice_flush);
  filter_class->set_caps = GST_DEBUG_FUNCPTR (gst_pollen_voice_set_caps);
  filter_class->sink_event = GST_DEBUG_FUNCPTR (gst_pollen_voice_sink_event);
  filter_class->chain = GST_DEBUG_FUNCPTR (gst_pollen_voice_chain);
  filter_class->run_job = GST_DEBUG_FUNCPTR (gst_pollen_voice_run_job);
  filter_class->handle_done = GST_DEBUG_FUNCPTR (gst_pollen_voice_handle_done);
  filter_class->src_event = GST_DEBUG_FUNCPTR (gst_pollen_voice_src_event);
  filter_class->fill = GST_DEBUG_FUNCPTR (gst_pollen_voice_fill_failed);
  filter_class->idle = GST_DEBUG_FUNCPTR (gst_pollen_voice_idle);
  filter_class->get_latency = GST_DEBUG_FUNCPTR (gst_pollen_voice_get_latency);
  filter_class->describe = GST_DEBUG_FUNCPTR (gst_pollen_voice_describe);
  gst_pollen_filter_class_setup (filter_class);
}

static void
gst_pollen_voice_class_init (GstPollenVoiceClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_pollen_voice_set_property;
  gobject_class->get_property = gst_pollen_voice_get_property;
  gobject_class->finalize = gst_pollen_voice_finalize;

  gst_pollen_voice_class_init_filter (GST_POLLEN_FILTER_CLASS (klass));
  gst_pollen_voice_install_properties (gobject_class);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations voice isolator and changer", "Audio/Filter",
      "Keeps the speech and removes the noise, or says the same words in "
      "another voice, with the Pollinations API (/v1/audio/voice-isolator, "
      "/v1/audio/voice-changer)", "gst-pollen contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pollen_voice_debug, "pollenvoice", 0,
      "Pollinations voice isolator and changer");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_VOICE_MODE, 0);
}

static void
gst_pollen_voice_init (GstPollenVoice * self)
{
  self->mode = DEFAULT_MODE;
  self->voice = g_strdup (DEFAULT_VOICE);
  self->chunk_duration = DEFAULT_CHUNK_DURATION;
  self->silence_threshold = DEFAULT_SILENCE_THRESHOLD;
  self->min_silence = DEFAULT_MIN_SILENCE;
  self->next_ts = GST_CLOCK_TIME_NONE;
  self->out_position = GST_CLOCK_TIME_NONE;
}
