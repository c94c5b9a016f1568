/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollenstt
 * @title: pollenstt
 *
 * Transcribes raw mono audio into timed text with the Pollinations API
 * (`POST /v1/audio/transcriptions`, OpenAI compatible).
 *
 * The audio is cut into chunks of at most #GstPollenStt:chunk-duration,
 * preferably in the middle of a pause found by a simple energy gate
 * (#GstPollenStt:silence-threshold, #GstPollenStt:min-silence) so that words
 * are not cut in half; live, a chunk goes at the first pause after a
 * second or more of speech, without waiting to be full. Each chunk with speech in it is uploaded as an
 * in-memory WAV in a multipart form, less its long pauses
 * (#GstPollenStt:trim-silence: transcription is billed per second); chunks
 * that are all silence make no request and become a GAP event.
 *
 * The element asks for `verbose_json` and pushes one buffer per segment
 * (or per word, see #GstPollenStt:granularity) with PTS = chunk start +
 * segment start (mapped back over the trimmed pauses) and the segment's
 * duration. Where the server only answers
 * `json` it falls back to one buffer per chunk, spanning the chunk. Output
 * is always in time order; holes between texts are filled with GAP events.
 * Each chunk's raw answer is also posted as an element message named
 * `pollenstt-result` (fields `chunk-start`, `chunk-duration`,
 * `response-format`, `result`, `text`, `request-id`).
 *
 * The text's stream tags are upstream's less those that describe the audio
 * (codec, bitrate, encoder …), with the text's language as
 * `language-code`: #GstPollenStt:language-code, else the first language the
 * server detected (none when it says "unknown"), so that a muxer labels the
 * subtitle track.
 *
 * With #GstPollenStt:carry-context the end of the previous transcript is
 * sent as `prompt` (after #GstPollenStt:prompt) so that sentences split
 * across chunks read well.
 *
 * Live: the LATENCY query adds #GstPollenStt:chunk-duration +
 * #GstPollenStt:latency to upstream's minimum; GAP events keep downstream
 * going while a request runs; a result the server answered too late is
 * shifted to the earliest time still possible, with a warning to raise
 * latency, and one held back by downstream keeps its time, with a warning
 * that says raising latency does not help.
 * Recorded: up to #GstPollenStt:max-in-flight chunks are transcribed at
 * once, results go out in time order, and EOS waits for the last one.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 pulsesrc ! audioconvert ! audioresample \
 *     ! pollenstt language-code=en-US ! fakesink dump=true
 * gst-launch-1.0 filesrc location=meeting.ogg ! decodebin ! audioconvert \
 *     ! audioresample ! pollenstt max-in-flight=4 ! fakesink dump=true
 * gst-launch-1.0 videotestsrc is-live=true ! textoverlay name=ov ! autovideosink \
 *     pulsesrc ! audioconvert ! audioresample ! pollenstt chunk-duration=4000 \
 *     latency=2000 ! ov.text_sink
 * ]|
 */

/* A GstPollenFilter: the sink thread cuts chunks and submits them; workers
 * upload them; the src task takes the results in submission order and
 * pushes them.
 *
 * Lock order: GST_OBJECT_LOCK (properties) and self->lock (the context
 * shared by the workers) are leaves, never held together nor while calling
 * into the base or pushing. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollenstt.h"
#include "gstpollenelements.h"
#include "pollenchunker.h"
#include "pollenconvert.h"
#include "pollentranscriber.h"
#include "pollentranscript.h"
#include "pollenwav.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_stt_debug);
#define GST_CAT_DEFAULT gst_pollen_stt_debug

#define DEFAULT_MODEL "whisper-large-v3"
#define DEFAULT_TIMEOUT 60
#define DEFAULT_TEMPERATURE -1.0
#define DEFAULT_CHUNK_DURATION 3000
#define DEFAULT_SILENCE_THRESHOLD -40.0
#define DEFAULT_MIN_SILENCE 300
#define DEFAULT_GRANULARITY GST_POLLEN_STT_GRANULARITY_SEGMENT
#define DEFAULT_CARRY_CONTEXT TRUE
#define DEFAULT_TRIM_SILENCE TRUE
#define DEFAULT_LATENCY 1000
#define REALTIME_PIECE_MS 100   /* audio goes to a session in pieces this long */
#define DEFAULT_MAX_IN_FLIGHT 4

#define TRANSCRIPTIONS_PATH "/v1/audio/transcriptions"
#define MIN_UPLOAD_MS 100       /* whisper refuses shorter audio */
/* live, what a pause must follow to send a chunk before it is full: a
 * second from the first sound, so that clicks and coughs do not make a
 * request each */
#define MIN_UTTERANCE_MS 1000
#define MAX_UPLOAD_BYTES (25 * 1000 * 1000)     /* whisper's file limit */
#define WAV_HEADER_BYTES 44
#define CONTEXT_MAX_CHARS 200   /* whisper reads ~224 prompt tokens */

enum
{
  PROP_LANGUAGE_CODE = POLLEN_FILTER_PROP_LAST,
  PROP_PROMPT,
  PROP_TEMPERATURE,
  PROP_CHUNK_DURATION,
  PROP_SILENCE_THRESHOLD,
  PROP_MIN_SILENCE,
  PROP_GRANULARITY,
  PROP_CARRY_CONTEXT,
  PROP_TRIM_SILENCE,
};

/* The settings a run uses, copied from the properties in READY→PAUSED and
 * read-only while streaming, so every thread may read them unlocked. */
typedef struct
{
  const gchar *model;           /* in the base's snapshot */
  gboolean realtime;            /* a streaming session, not chunks */
  gchar *language;              /* ISO-639-1 part only, or NULL */
  gchar *tag_language;          /* its GST_TAG_LANGUAGE_CODE, or NULL */
  gchar *prompt;
  gdouble temperature;          /* < 0: not sent */
  GstPollenSttGranularity granularity;
  gboolean carry_context;
  guint chunk_ms;
  guint min_silence_ms;
  gdouble silence_threshold;
  gboolean trim_silence;
} Config;


/* Where a stretch of the upload starts in the chunk, in samples. */
typedef struct
{
  gsize upload;
  gsize original;
} Joint;

/* A chunk of audio to transcribe (or silence): a job. */
typedef struct
{
  guint64 index;                /* 1, 2, 3 … */
  GstClockTime start;
  GstClockTime duration;
  guint rate;
  GBytes *pcm;                  /* what is uploaded */
  GArray *joints;               /* of Joint when pauses were cut out, or NULL */
  gboolean has_speech;

  /* the result, written by the worker before the job finishes */
  PollenTranscript *transcript;
  gchar *response_format;
  gchar *raw;
  gchar *request_id;
  GstClockTime sent;            /* running time the request went out */
  GstClockTime answered;        /* running time the answer came, or NONE */

  /* a realtime model: the whole stream is one job, this session */
  PollenTranscriber *stream;    /* a ref */
} Piece;

struct _GstPollenStt
{
  GstPollenFilter parent;

  /* properties, under GST_OBJECT_LOCK; copied into config at READY→PAUSED */
  gchar *language_code;
  gchar *prompt;
  gdouble temperature;
  guint chunk_duration;
  gdouble silence_threshold;
  guint min_silence;
  GstPollenSttGranularity granularity;
  gboolean carry_context;
  gboolean trim_silence;

  /* READY→PAUSED until PAUSED→READY, read-only in between */
  Config config;

  /* realtime: the session, made in start(), run as one job */
  PollenTranscriber *transcriber;

  /* sink pad streaming thread */
  PollenConvert *convert;       /* realtime: to the session's 24 kHz */
  GByteArray *stream_piece;     /* realtime: converted, not sent yet */
  GstClockTime stream_start;    /* realtime: where the converted audio began */
  gboolean stream_live;         /* realtime: upstream is live (asked on the
                                 * sink thread, before the audio goes) */
  guint64 stream_samples;       /* realtime: converted so far */
  gboolean stream_submitted;    /* realtime: its job is running */
  PollenChunker *chunker;       /* the chunk being filled */
  gsize max_frames;             /* the longest chunk */
  GstClockTime next_ts;         /* where the next input sample belongs */
  guint64 chunk_count;

  /* source pad task */
  GstClockTime out_position;    /* downstream was told everything before */
  GstTagList *stream_tags;      /* upstream's, less what describes audio */
  gchar *language;              /* the text's, as tagged, or NULL */
  gboolean tags_sent;           /* the stream tags went out since start */

  /* shared with the workers, under self->lock */
  GMutex lock;
  gchar *context;               /* the end of the latest transcript */
  guint64 context_index;        /* the chunk it came from */
  gboolean json_only;           /* the server refused verbose_json */
};

#define gst_pollen_stt_parent_class parent_class
G_DEFINE_TYPE (GstPollenStt, gst_pollen_stt, GST_TYPE_POLLEN_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollenstt, "pollenstt",
    GST_RANK_NONE, GST_TYPE_POLLEN_STT, pollen_element_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) S16LE, "
        "layout = (string) interleaved, channels = (int) 1, "
        "rate = (int) [ 8000, 48000 ]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

#define GST_TYPE_POLLEN_STT_GRANULARITY (gst_pollen_stt_granularity_get_type ())
static GType
gst_pollen_stt_granularity_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_STT_GRANULARITY_SEGMENT, "One buffer per segment "
          "(phrase or sentence)", "segment"},
    {GST_POLLEN_STT_GRANULARITY_WORD, "One buffer per word", "word"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstPollenSttGranularity", values));
  return type;
}

/* ---- pieces ---- */

static void
piece_free (Piece * piece)
{
  g_clear_pointer (&piece->pcm, g_bytes_unref);
  g_clear_pointer (&piece->joints, g_array_unref);
  g_clear_pointer (&piece->transcript, pollen_transcript_free);
  g_clear_pointer (&piece->stream, pollen_transcriber_unref);
  g_free (piece->response_format);
  g_free (piece->raw);
  g_free (piece->request_id);
  g_free (piece);
}

static Piece *
piece_new (void)
{
  Piece *piece = g_new0 (Piece, 1);

  piece->start = GST_CLOCK_TIME_NONE;
  piece->duration = GST_CLOCK_TIME_NONE;
  piece->sent = GST_CLOCK_TIME_NONE;
  piece->answered = GST_CLOCK_TIME_NONE;
  return piece;
}

/* ---- settings ---- */

/* "en-US", "en_GB", "EN" → "en": the API takes ISO-639-1. */
static gchar *
language_from_code (const gchar * code)
{
  gsize len;

  if (!code || !*code)
    return NULL;
  len = strcspn (code, "-_");
  return len ? g_ascii_strdown (code, len) : NULL;
}

/* A model of GET /v1/realtime: its name says so (scribe-realtime,
 * gpt-realtime-2.1 …). */
static gboolean
is_realtime_model (const gchar * model)
{
  return strstr (model, "realtime") != NULL;
}

/* Of those, a transcription model; the others hold conversations and
 * refuse to transcribe. */
static gboolean
is_transcription_model (const gchar * model)
{
  return strstr (model, "scribe") != NULL;
}

/* The model whose provider takes one request a minute (gpt-transcribe,
 * by any of its names). */
static gboolean
is_one_a_minute_model (const gchar * model)
{
  static const gchar *const names[] = { "gpt-transcribe",
    "gpt-4o-transcribe", "openai/gpt-transcribe", NULL
  };

  return g_strv_contains (names, model);
}

/* More than one request in flight to a model that takes one a minute:
 * every one past the first would come back refused. */
static void
gst_pollen_stt_check_rate (GstPollenStt * self)
{
  guint max_in_flight;

  g_object_get (self, "max-in-flight", &max_in_flight, NULL);
  if (self->config.realtime || max_in_flight < 2 ||
      !is_one_a_minute_model (self->config.model))
    return;
  GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS, ("Model '%s' takes one "
          "request a minute at its provider, and max-in-flight is %u: the "
          "requests past the first will be refused (the provider's 429, as "
          "502 Bad Gateway). Set max-in-flight=1 and a chunk-duration of a "
          "minute, or use whisper.", self->config.model, max_in_flight),
      (NULL));
}

static void
config_clear (Config * config)
{
  config->model = NULL;
  g_clear_pointer (&config->language, g_free);
  g_clear_pointer (&config->tag_language, g_free);
  g_clear_pointer (&config->prompt, g_free);
}

static void
gst_pollen_stt_snapshot_config (GstPollenStt * self)
{
  const PollenSettings *settings =
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self));
  Config *config = &self->config;

  config_clear (config);
  config->model = settings->model;
  config->realtime = is_realtime_model (config->model);

  GST_OBJECT_LOCK (self);
  config->language = language_from_code (self->language_code);
  config->tag_language = pollen_transcript_language_code (config->language);
  config->prompt = self->prompt && *self->prompt ? g_strdup (self->prompt) :
      NULL;
  config->temperature = self->temperature;
  config->granularity = self->granularity;
  config->carry_context = self->carry_context;
  config->chunk_ms = self->chunk_duration;
  config->min_silence_ms = self->min_silence;
  config->silence_threshold = self->silence_threshold;
  config->trim_silence = self->trim_silence;
  GST_OBJECT_UNLOCK (self);
}

/* GstPollenFilter::get_latency: a whole chunk is gathered before the
 * server gets `latency` to answer. */
static GstClockTime
gst_pollen_stt_get_latency (GstPollenFilter * filter)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);
  GstClockTime latency;

  GST_OBJECT_LOCK (self);
  latency = (GstClockTime) self->chunk_duration * GST_MSECOND;
  GST_OBJECT_UNLOCK (self);
  /* a realtime session gathers nothing: words go as they come */
  return self->config.realtime ? 0 : latency;
}

/* ---- the chunker (sink streaming thread) ---- */

static void
gst_pollen_stt_configure_chunker (GstPollenStt * self, guint rate)
{
  const Config *config = &self->config;

  pollen_chunker_configure (self->chunker, rate, 1,
      config->silence_threshold, config->min_silence_ms);
  self->max_frames = MAX (pollen_chunker_frames_for (self->chunker,
          config->chunk_ms), 1);
  /* long chunks at high rates would pass the upload limit */
  self->max_frames = MIN (self->max_frames,
      (MAX_UPLOAD_BYTES - WAV_HEADER_BYTES) / sizeof (gint16));
}

/* ---- trimming pauses: transcription is billed per second uploaded ---- */

/* A chunk being trimmed: what is kept so far and where it came from. */
typedef struct
{
  const gint16 *pcm;
  gsize total;
  gsize pad;                    /* silence kept next to speech, in samples */
  gsize kept_from;              /* start of the stretch being kept */
  GByteArray *out;
  GArray *joints;
} Trim;

/* Uploads samples [@from, @to) of the chunk next. */
static void
trim_keep (Trim * t, gsize from, gsize to)
{
  Joint joint = { t->out->len / sizeof (gint16), from };

  if (to <= from)
    return;
  g_array_append_val (t->joints, joint);
  g_byte_array_append (t->out, (const guint8 *) (t->pcm + from),
      (to - from) * sizeof (gint16));
}

/* Silence over samples [@a, @b): cut out all of it but a pad next to the
 * speech on either side, so that no word is clipped. */
static void
trim_pause (Trim * t, gsize a, gsize b)
{
  gsize lead = a == 0 ? 0 : t->pad;
  gsize tail = b == t->total ? 0 : t->pad;

  if (b - a <= lead + tail)
    return;
  trim_keep (t, t->kept_from, a + lead);
  t->kept_from = b - tail;
}

/* Replaces @piece's audio by the audio without its long pauses, keeping
 * joints to map the server's times back onto the chunk. */
static void
chunk_trim (const PollenChunker * c, Piece * piece)
{
  Trim t = { NULL, 0, pollen_chunker_get_min_silence (c), 0,
    g_byte_array_new (), g_array_new (FALSE, FALSE, sizeof (Joint))
  };
  guint window = pollen_chunker_get_window (c);
  gsize f, run = G_MAXSIZE;

  t.pcm = g_bytes_get_data (piece->pcm, &t.total);
  t.total /= sizeof (gint16);
  for (f = 0; f + window <= t.total; f += window) {
    gboolean silent = pollen_chunker_window_is_silent (c, t.pcm + f);

    if (silent && run == G_MAXSIZE)
      run = f;
    else if (!silent && run != G_MAXSIZE) {
      trim_pause (&t, run, f);
      run = G_MAXSIZE;
    }
  }
  if (run != G_MAXSIZE)
    trim_pause (&t, run, f);
  trim_keep (&t, t.kept_from, t.total);
  g_bytes_unref (piece->pcm);
  piece->pcm = g_byte_array_free_to_bytes (t.out);
  piece->joints = t.joints;
  GST_DEBUG ("uploading %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
      " samples in %u stretches", g_bytes_get_size (piece->pcm) /
      sizeof (gint16), t.total, t.joints->len);
}

/* Takes the chunk out: all of it when @whole, else up to the middle of the
 * latest pause (or all of it when there is no pause or no speech). What is
 * after the cut stays as the start of the next chunk. */
static Piece *
gst_pollen_stt_take_chunk (GstPollenStt * self, gboolean whole)
{
  PollenChunker *c = self->chunker;
  gsize cut = pollen_chunker_get_frames (c);
  gssize first_voiced = pollen_chunker_get_first_voiced (c);
  Piece *piece;

  if (cut == 0)
    return NULL;
  if (!whole && first_voiced >= 0 && pollen_chunker_get_pause (c) > 0)
    cut = pollen_chunker_get_pause (c);

  piece = piece_new ();
  piece->start = pollen_chunker_get_start (c);
  piece->duration = pollen_chunker_time_of (c, cut);
  piece->rate = pollen_chunker_get_rate (c);
  piece->has_speech = first_voiced >= 0 && (gsize) first_voiced < cut;
  piece->pcm = pollen_chunker_take (c, cut);
  if (self->config.trim_silence && piece->has_speech)
    chunk_trim (c, piece);
  return piece;
}

/* ---- submitting (sink streaming thread) ---- */

/* Queues @piece (taking it) behind everything before it; a chunk with
 * speech blocks while max-in-flight requests are pending, silence (no
 * request) takes no slot from them. */
static GstFlowReturn
gst_pollen_stt_submit (GstPollenStt * self, Piece * piece)
{
  piece->index = ++self->chunk_count;
  GST_DEBUG_OBJECT (self, "chunk %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
      ", %" GST_TIME_FORMAT "%s", piece->index, GST_TIME_ARGS (piece->start),
      GST_TIME_ARGS (piece->duration), piece->has_speech ? "" :
      " (silence)");
  /* silence makes no request: it leaves the slots to the speech */
  return gst_pollen_filter_submit_full (GST_POLLEN_FILTER (self), piece,
      piece->has_speech ? POLLEN_JOBS_SLOT : POLLEN_JOBS_NO_SLOT);
}

/* Ends the chunk being filled (DISCONT, caps change, segment, gap, EOS). */
static GstFlowReturn
gst_pollen_stt_finish_chunk (GstPollenStt * self)
{
  Piece *piece = gst_pollen_stt_take_chunk (self, TRUE);

  return piece ? gst_pollen_stt_submit (self, piece) : GST_FLOW_OK;
}

/* Live, a chunk goes as soon as a pause ends what was said in it, not when
 * it is full: its text comes that much sooner, which leaves the elements
 * after this one more of the pipeline's latency. */
static gboolean
gst_pollen_stt_speaker_paused (GstPollenStt * self)
{
  PollenChunker *c = self->chunker;
  gssize first_voiced = pollen_chunker_get_first_voiced (c);

  return first_voiced >= 0 && pollen_chunker_get_pause (c) >= first_voiced +
      (gssize) pollen_chunker_frames_for (c, MIN_UTTERANCE_MS) &&
      gst_pollen_filter_input_is_live (GST_POLLEN_FILTER (self));
}

static GstFlowReturn
gst_pollen_stt_feed (GstPollenStt * self, const gint16 * samples, gsize n)
{
  PollenChunker *c = self->chunker;

  while (n > 0) {
    gsize take = MIN (n, self->max_frames - pollen_chunker_get_frames (c));

    pollen_chunker_append (c, samples, take);
    samples += take;
    n -= take;
    if (pollen_chunker_get_frames (c) >= self->max_frames ||
        gst_pollen_stt_speaker_paused (self)) {
      GstFlowReturn ret = gst_pollen_stt_submit (self,
          gst_pollen_stt_take_chunk (self, FALSE));

      if (ret != GST_FLOW_OK)
        return ret;
    }
  }
  return GST_FLOW_OK;
}

/* Where @buffer's samples belong; a jump in time or a DISCONT flag ends the
 * current chunk, so a chunk is always continuous audio. */
static GstFlowReturn
gst_pollen_stt_place_buffer (GstPollenStt * self, GstBuffer * buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  gboolean jump = pollen_chunker_is_jump (pts, self->next_ts);
  GstFlowReturn ret = GST_FLOW_OK;

  if (jump || GST_BUFFER_IS_DISCONT (buffer)) {
    if (jump)
      GST_DEBUG_OBJECT (self, "timestamp jump %" GST_TIME_FORMAT " → %"
          GST_TIME_FORMAT ": ending the chunk", GST_TIME_ARGS (self->next_ts),
          GST_TIME_ARGS (pts));
    ret = gst_pollen_stt_finish_chunk (self);
  }
  pollen_chunker_start_at (self->chunker, pts, self->next_ts);
  return ret;
}

/* ---- realtime: the stream as one session ---- */

/* With a realtime model the whole stream is one job: the sink thread
 * converts the audio to the session's 24 kHz and appends it in pieces of
 * REALTIME_PIECE_MS (never waiting on the network), a worker runs the
 * session (PollenTranscriber) and emits each delta as it comes, and the
 * src task pushes it at once. EOS commits the last utterance; the job,
 * and so EOS downstream, ends when its transcript came. */

/* Sink thread: the session's job, once audio flows. */
static GstFlowReturn
gst_pollen_stt_start_stream (GstPollenStt * self)
{
  Piece *piece;

  if (self->stream_submitted)
    return GST_FLOW_OK;
  piece = piece_new ();
  piece->stream = pollen_transcriber_ref (self->transcriber);
  piece->has_speech = TRUE;
  self->stream_submitted = TRUE;
  return gst_pollen_stt_submit (self, piece);
}

/* Sends what was converted, from stream time @pts on. */
static void
gst_pollen_stt_send_piece (GstPollenStt * self)
{
  GByteArray *pcm = self->stream_piece;
  gsize samples = pcm->len / 2;
  g_autoptr (GBytes) bytes = NULL;

  if (samples == 0)
    return;
  bytes = g_bytes_new (pcm->data, samples * 2);
  pollen_transcriber_append (self->transcriber, bytes, self->stream_start +
      gst_util_uint64_scale_int (self->stream_samples, GST_SECOND,
          POLLEN_TRANSCRIBER_RATE), self->stream_live);
  self->stream_samples += samples;
  g_byte_array_remove_range (pcm, 0, samples * 2);
}

/* Sink thread: @pcm (the session's format) into pieces that go out. */
static void
gst_pollen_stt_stream_pcm (GstPollenStt * self, GBytes * pcm)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (pcm, &size);
  gsize piece_bytes = POLLEN_TRANSCRIBER_RATE * 2 * REALTIME_PIECE_MS / 1000;

  g_byte_array_append (self->stream_piece, data, size);
  if (self->stream_piece->len >= piece_bytes)
    gst_pollen_stt_send_piece (self);
}

/* Sink thread: where the converted audio's time starts again (the first
 * buffer, a jump in time). */
static void
gst_pollen_stt_restart_stream_time (GstPollenStt * self, GstClockTime pts)
{
  g_autoptr (GBytes) tail = pollen_convert_finish (self->convert);
  GstClockTime upstream_min;

  gst_pollen_stt_stream_pcm (self, tail);
  gst_pollen_stt_send_piece (self);
  gst_pollen_filter_query_upstream (GST_POLLEN_FILTER (self),
      &self->stream_live, &upstream_min);
  self->stream_start = GST_CLOCK_TIME_IS_VALID (pts) ? pts : 0;
  self->stream_samples = 0;
}

static GstFlowReturn
gst_pollen_stt_chain_stream (GstPollenStt * self, GstBuffer * buffer)
{
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  g_autoptr (GBytes) in = NULL;
  g_autoptr (GBytes) out = NULL;
  GstMapInfo map;
  gboolean jump = !GST_CLOCK_TIME_IS_VALID (self->next_ts) ||
      pollen_chunker_is_jump (pts, self->next_ts);

  if (jump)
    gst_pollen_stt_restart_stream_time (self, pts);
  gst_buffer_map (buffer, &map, GST_MAP_READ);
  in = g_bytes_new (map.data, map.size - map.size % 2);
  gst_buffer_unmap (buffer, &map);
  out = pollen_convert_push (self->convert, in);
  gst_pollen_stt_stream_pcm (self, out);
  self->next_ts = (jump ? self->stream_start : self->next_ts) +
      gst_util_uint64_scale_int (g_bytes_get_size (in) / 2, GST_SECOND,
      pollen_chunker_get_rate (self->chunker));
  gst_buffer_unref (buffer);
  return gst_pollen_stt_start_stream (self);
}

/* The end of the stream: what is held goes, and the session commits. */
static void
gst_pollen_stt_finish_stream (GstPollenStt * self)
{
  gst_pollen_stt_restart_stream_time (self, GST_CLOCK_TIME_NONE);
  pollen_transcriber_finish (self->transcriber);
}

/* The session's settings from the element's: the energy gate's level as
 * the server's voice detection (-60 dBFS is 0, -20 is 1), the pause that
 * ends an utterance, the language and the prompt. */
static PollenTranscriber *
gst_pollen_stt_new_transcriber (GstPollenStt * self)
{
  const Config *config = &self->config;
  PollenTranscriberConfig session = {
    .language = config->language,
    .prompt = config->prompt,
    .vad_threshold = CLAMP ((config->silence_threshold + 60) / 40, 0, 1),
    .silence_ms = MAX (config->min_silence_ms, 1),
    .onset_db = config->silence_threshold,
    .timeout_s = gst_pollen_filter_get_settings (GST_POLLEN_FILTER
        (self))->client.timeout,
  };

  return pollen_transcriber_new (&session);
}

/* The sink side starts over (a flush dropped the session's job). */
static void
gst_pollen_stt_reset_stream (GstPollenStt * self)
{
  pollen_transcriber_unref (self->transcriber);
  self->transcriber = gst_pollen_stt_new_transcriber (self);
  self->stream_submitted = FALSE;
  if (self->convert)
    pollen_convert_reset (self->convert);
  g_byte_array_set_size (self->stream_piece, 0);
  self->next_ts = GST_CLOCK_TIME_NONE;
}

static gboolean
gst_pollen_stt_set_stream_caps (GstPollenStt * self, const GstAudioInfo * in)
{
  GstAudioInfo out;

  gst_audio_info_set_format (&out, GST_AUDIO_FORMAT_S16LE,
      POLLEN_TRANSCRIBER_RATE, 1, NULL);
  if (self->convert)
    gst_pollen_stt_restart_stream_time (self, GST_CLOCK_TIME_NONE);
  pollen_convert_free (self->convert);
  self->convert = pollen_convert_new (in, &out);
  self->next_ts = GST_CLOCK_TIME_NONE;
  return self->convert != NULL;
}

static GstFlowReturn
gst_pollen_stt_chain (GstPollenFilter * filter, GstBuffer * buffer)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);
  GstFlowReturn ret;
  GstMapInfo map;
  gsize n;

  if (pollen_chunker_get_rate (self->chunker) == 0) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("audio arrived before caps"));
    ret = GST_FLOW_NOT_NEGOTIATED;
    goto out;
  }
  if (self->config.realtime)
    return gst_pollen_stt_chain_stream (self, buffer);

  ret = gst_pollen_stt_place_buffer (self, buffer);
  if (ret != GST_FLOW_OK)
    goto out;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  n = map.size / sizeof (gint16);
  if (map.size % sizeof (gint16))
    GST_WARNING_OBJECT (self, "dropping a stray byte at the end of a buffer");
  ret = gst_pollen_stt_feed (self, (const gint16 *) map.data, n);
  gst_buffer_unmap (buffer, &map);

  self->next_ts = pollen_chunker_get_end (self->chunker);
out:
  gst_buffer_unref (buffer);
  return ret;
}

/* The (fixed) output caps are not tied to a time: stored on the source
 * pad at once, they go out before whatever it pushes next, and a flush
 * cannot drop them. */
static void
gst_pollen_stt_store_src_caps (GstPollenStt * self)
{
  GstPad *srcpad = gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER (self));
  g_autoptr (GstCaps) text_caps = NULL;
  GstEvent *event;

  if (gst_pad_has_current_caps (srcpad))
    return;
  text_caps = gst_static_pad_template_get_caps (&src_template);
  event = gst_event_new_caps (text_caps);
  gst_pad_store_sticky_event (srcpad, event);
  gst_event_unref (event);
}

static gboolean
gst_pollen_stt_set_caps (GstPollenFilter * filter, GstCaps * caps)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);
  GstAudioInfo info;

  if (!gst_audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("invalid caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (self->config.realtime && !gst_pollen_stt_set_stream_caps (self, &info)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("cannot convert %" GST_PTR_FORMAT " to 24 kHz", caps));
    return FALSE;
  }
  if (GST_AUDIO_INFO_RATE (&info) !=
      (gint) pollen_chunker_get_rate (self->chunker)) {
    /* a chunk is sent at one rate */
    if (gst_pollen_stt_finish_chunk (self) != GST_FLOW_OK)
      return FALSE;
    gst_pollen_stt_configure_chunker (self, GST_AUDIO_INFO_RATE (&info));
    self->next_ts = GST_CLOCK_TIME_NONE;
  }
  gst_pollen_stt_store_src_caps (self);
  return TRUE;
}

/* GstPollenFilter::sink_event: a chunk is continuous audio, so a segment,
 * a gap or EOS ends the one being filled. */
static GstFlowReturn
gst_pollen_stt_sink_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);

  if (self->config.realtime) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
      gst_pollen_stt_finish_stream (self);
    return GST_FLOW_OK;
  }
  if (!pollen_chunker_event_ends_piece (event, &self->next_ts))
    return GST_FLOW_OK;
  return gst_pollen_stt_finish_chunk (self);
}

/* GstPollenFilter::flush: input and output start over. */
static void
gst_pollen_stt_flush (GstPollenFilter * filter)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);

  if (self->chunker)
    pollen_chunker_reset (self->chunker);
  self->next_ts = GST_CLOCK_TIME_NONE;
  self->out_position = GST_CLOCK_TIME_NONE;
  if (self->config.realtime)
    gst_pollen_stt_reset_stream (self);
}

/* ---- the request (worker threads) ---- */

/* The end of @text, at most CONTEXT_MAX_CHARS characters, from a word
 * start. */
static gchar *
context_tail (const gchar * text)
{
  glong chars = g_utf8_strlen (text, -1);
  const gchar *tail = text;
  const gchar *space;

  if (chars <= CONTEXT_MAX_CHARS)
    return g_strstrip (g_strdup (text));
  tail = g_utf8_offset_to_pointer (text, chars - CONTEXT_MAX_CHARS);
  space = strchr (tail, ' ');
  if (space && space[1])
    tail = space + 1;
  return g_strstrip (g_strdup (tail));
}

/* The user's prompt, then the end of the latest earlier transcript. */
static gchar *
gst_pollen_stt_compose_prompt (GstPollenStt * self, const Piece * piece)
{
  const Config *config = &self->config;
  g_autofree gchar *context = NULL;

  if (config->carry_context) {
    g_mutex_lock (&self->lock);
    if (self->context && self->context_index < piece->index)
      context = g_strdup (self->context);
    g_mutex_unlock (&self->lock);
  }
  if (config->prompt && context)
    return g_strconcat (config->prompt, " ", context, NULL);
  if (context)
    return g_steal_pointer (&context);
  return g_strdup (config->prompt);
}

static void
gst_pollen_stt_remember_context (GstPollenStt * self, guint64 index,
    const gchar * text)
{
  if (!self->config.carry_context || !*text)
    return;
  g_mutex_lock (&self->lock);
  if (index > self->context_index) {
    g_free (self->context);
    self->context = context_tail (text);
    self->context_index = index;
  }
  g_mutex_unlock (&self->lock);
}

/* The audio uploaded: the chunk, unless pauses were cut out of it. */
static GstClockTime
piece_upload_duration (const Piece * piece)
{
  if (!piece->joints)
    return piece->duration;
  return gst_util_uint64_scale_int (g_bytes_get_size (piece->pcm) /
      sizeof (gint16), GST_SECOND, piece->rate);
}

/* The chunk as a WAV file; audio shorter than whisper accepts is padded
 * with silence (the times the server returns stay valid). */
static GBytes *
piece_to_wav (const Piece * piece)
{
  gsize size;
  const guint8 *pcm = g_bytes_get_data (piece->pcm, &size);
  gsize min_size = (gsize) piece->rate * MIN_UPLOAD_MS / 1000 *
      sizeof (gint16);
  g_autofree guint8 *padded = NULL;

  if (size >= min_size)
    return pollen_wav_wrap (pcm, size, piece->rate, 1);
  padded = g_malloc0 (min_size);
  memcpy (padded, pcm, size);
  return pollen_wav_wrap (padded, min_size, piece->rate, 1);
}

static PollenRequest *
gst_pollen_stt_build_request (GstPollenStt * self, const Piece * piece,
    const gchar * response_format)
{
  const Config *config = &self->config;
  PollenRequest *request = pollen_request_new ("POST", TRANSCRIPTIONS_PATH);
  g_autoptr (GBytes) wav = piece_to_wav (piece);
  g_autofree gchar *prompt = gst_pollen_stt_compose_prompt (self, piece);

  pollen_request_add_form_file (request, "file", "chunk.wav", "audio/wav",
      wav);
  /* sent explicitly: the reference and the server disagree on defaults */
  pollen_request_add_form_field (request, "model", config->model);
  if (config->language)
    pollen_request_add_form_field (request, "language", config->language);
  if (prompt && *prompt)
    pollen_request_add_form_field (request, "prompt", prompt);
  if (config->temperature >= 0) {
    gchar text[G_ASCII_DTOSTR_BUF_SIZE];

    pollen_request_add_form_field (request, "temperature",
        g_ascii_formatd (text, sizeof (text), "%g", config->temperature));
  }
  pollen_request_add_form_field (request, "response_format", response_format);
  if (config->granularity == GST_POLLEN_STT_GRANULARITY_WORD &&
      g_str_equal (response_format, "verbose_json")) {
    /* OpenAI-style servers only time words when asked to */
    pollen_request_add_form_field (request, "timestamp_granularities[]",
        "word");
    pollen_request_add_form_field (request, "timestamp_granularities[]",
        "segment");
  }
  pollen_request_add_extra_params (request,
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self))->extra_params);
  return request;
}

/* A 400 whose message is about response_format: the model does not do
 * verbose_json ("Unsupported response_format for …: verbose_json.
 * Supported: json, text"). */
static gboolean
is_format_refusal (const GError * error)
{
  const gchar *message = pollen_client_error_get_api_message (error);

  return pollen_client_error_get_http_status (error) == 400 && message &&
      (strstr (message, "response_format") || strstr (message,
          "verbose_json"));
}

/* Where time @t of the upload is in the chunk. An @end at a joint belongs
 * to the stretch before it, so a text over a cut-out pause keeps both its
 * start and its end where they were said. */
static GstClockTime
piece_original_time (const Piece * piece, GstClockTime t, gboolean end)
{
  const Joint *joint = NULL;
  guint i;

  for (i = 0; piece->joints && i < piece->joints->len; i++) {
    const Joint *next = &g_array_index (piece->joints, Joint, i);
    GstClockTime at = gst_util_uint64_scale_int (next->upload, GST_SECOND,
        piece->rate);

    if (at < t || (at == t && !end) || !joint)
      joint = next;
  }
  if (!joint)
    return t;
  return gst_util_uint64_scale_int (joint->original, GST_SECOND, piece->rate)
      + t - MIN (t, gst_util_uint64_scale_int (joint->upload, GST_SECOND,
          piece->rate));
}

static void
piece_map_cues (const Piece * piece, PollenTranscript * transcript)
{
  guint i;

  for (i = 0; i < transcript->cues->len; i++) {
    PollenTranscriptCue *cue = transcript->cues->pdata[i];

    cue->start = piece_original_time (piece, cue->start, FALSE);
    cue->end = MAX (piece_original_time (piece, cue->end, TRUE), cue->start);
  }
}

/* Keeps the answer and what it says, timed on the chunk. */
static gboolean
gst_pollen_stt_take_result (GstPollenStt * self, Piece * piece,
    const PollenResponse * response, GError ** error)
{
  gsize size;
  const gchar *body = g_bytes_get_data (response->body, &size);

  if (!body)                    /* an empty body */
    body = "";
  piece->raw = g_utf8_make_valid (body, size);
  piece->request_id = g_strdup (response->request_id);
  piece->transcript = pollen_transcript_parse (body, size,
      response->content_type, response->status,
      piece_upload_duration (piece),
      self->config.granularity == GST_POLLEN_STT_GRANULARITY_WORD, error);
  if (piece->transcript)
    piece_map_cues (piece, piece->transcript);
  return piece->transcript != NULL;
}

static gboolean
gst_pollen_stt_use_json_only (GstPollenStt * self)
{
  gboolean json_only;

  g_mutex_lock (&self->lock);
  json_only = self->json_only;
  g_mutex_unlock (&self->lock);
  return json_only;
}

/* The server said verbose_json is not for this model: say so once and ask
 * for plain json from now on. */
static void
gst_pollen_stt_fall_back_to_json (GstPollenStt * self, const GError * error)
{
  gboolean first;

  g_mutex_lock (&self->lock);
  first = !self->json_only;
  self->json_only = TRUE;
  g_mutex_unlock (&self->lock);
  if (first)
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("The server does not answer verbose_json for model '%s' (%s); "
            "falling back to json: one text per chunk, timed to the whole "
            "chunk.", self->config.model, error->message), (NULL));
}

/* One request for @piece, asking for @format. */
static PollenResponse *
gst_pollen_stt_fetch (GstPollenStt * self, Piece * piece,
    const gchar * format, GCancellable * cancellable, GError ** error)
{
  g_autoptr (PollenRequest) request =
      gst_pollen_stt_build_request (self, piece, format);

  g_free (piece->response_format);
  piece->response_format = g_strdup (format);
  return pollen_client_fetch (gst_pollen_filter_get_client (GST_POLLEN_FILTER
          (self)), request, cancellable, error);
}

static gboolean
gst_pollen_stt_transcribe (GstPollenStt * self, Piece * piece,
    GCancellable * cancellable, GError ** error)
{
  gboolean json_only = gst_pollen_stt_use_json_only (self);
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GError) refusal = NULL;

  piece->sent = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
  response = gst_pollen_stt_fetch (self, piece, json_only ? "json" :
      "verbose_json", cancellable, &refusal);
  if (!response && !json_only && is_format_refusal (refusal)) {
    gst_pollen_stt_fall_back_to_json (self, refusal);
    g_clear_error (&refusal);
    response = gst_pollen_stt_fetch (self, piece, "json", cancellable,
        &refusal);
  }
  if (!response) {
    g_propagate_error (error, g_steal_pointer (&refusal));
    return FALSE;
  }
  piece->answered = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
  if (!gst_pollen_stt_take_result (self, piece, response, error))
    return FALSE;
  gst_pollen_stt_remember_context (self, piece->index,
      piece->transcript->text);
  GST_DEBUG_OBJECT (self, "chunk %" G_GUINT64_FORMAT ": %u text(s): %s",
      piece->index, piece->transcript->cues->len, piece->transcript->text);
  return TRUE;
}

/* ---- realtime: the session (worker thread) ---- */

/* Worker: a transcription, to go out in order through the src task. */
static void
emit_transcription (PollenTranscription * transcription, gpointer job)
{
  pollen_job_emit (job, transcription);
}

static gboolean
gst_pollen_stt_run_stream (GstPollenStt * self, PollenJob * job,
    Piece * piece, GCancellable * cancellable, GError ** error)
{
  const PollenSettings *settings =
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self));

  return pollen_transcriber_run (piece->stream,
      gst_pollen_filter_get_client (GST_POLLEN_FILTER (self)),
      self->config.model, settings->extra_params, emit_transcription, job,
      cancellable, error);
}

static gboolean
gst_pollen_stt_run_job (GstPollenFilter * filter, PollenJob * job,
    gpointer data, GCancellable * cancellable, GError ** error)
{
  Piece *piece = data;

  if (piece->stream)
    return gst_pollen_stt_run_stream (GST_POLLEN_STT (filter), job, piece,
        cancellable, error);
  if (!piece->has_speech)
    return TRUE;
  return gst_pollen_stt_transcribe (GST_POLLEN_STT (filter), piece,
      cancellable, error);
}

/* ---- tags (source pad task) ---- */

/* Sends the text's stream tags: upstream's less what describes the audio,
 * with the text's language. A stream's tags replace those before, so they
 * go out whole each time. */
static GstFlowReturn
gst_pollen_stt_push_tags (GstPollenStt * self)
{
  GstTagList *tags = self->stream_tags ?
      gst_tag_list_copy (self->stream_tags) : gst_tag_list_new_empty ();

  if (self->language)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_LANGUAGE_CODE,
        self->language, NULL);
  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_STREAM);
  self->tags_sent = TRUE;
  GST_DEBUG_OBJECT (self, "stream tags %" GST_PTR_FORMAT, tags);
  return gst_pollen_filter_push_event (GST_POLLEN_FILTER (self),
      gst_event_new_tag (tags));
}

/* Upstream's stream tags become the text's; its global tags go on (less
 * what describes the audio, in the base). Takes @event. */
static GstFlowReturn
gst_pollen_stt_take_tags (GstPollenStt * self, GstEvent * event)
{
  GstTagList *tags;

  gst_event_parse_tag (event, &tags);
  if (gst_tag_list_get_scope (tags) != GST_TAG_SCOPE_STREAM)
    return GST_POLLEN_FILTER_CLASS (parent_class)->src_event
        (GST_POLLEN_FILTER (self), event);
  gst_clear_tag_list (&self->stream_tags);
  self->stream_tags = gst_pollen_filter_output_tags (tags);
  gst_event_unref (event);
  return gst_pollen_stt_push_tags (self);
}

/* The text's language is language-code when set, else the first one the
 * server detected (whisper's guess on a short chunk may differ from one
 * chunk to the next; the stream keeps one); until then upstream's, the
 * speech's, stays. */
static GstFlowReturn
gst_pollen_stt_detected_language (GstPollenStt * self, const gchar * language)
{
  if (!language || self->language)
    return GST_FLOW_OK;
  GST_INFO_OBJECT (self, "the server detected the language '%s'", language);
  self->language = g_strdup (language);
  return gst_pollen_stt_push_tags (self);
}

/* ---- output (source pad task) ---- */

/* Tells downstream that nothing comes before @until. */
static void
gst_pollen_stt_push_gap_until (GstPollenStt * self, GstClockTime until)
{
  gst_pollen_filter_gap_until (GST_POLLEN_FILTER (self), &self->out_position,
      until);
}

static GstFlowReturn
gst_pollen_stt_push_text (GstPollenStt * self, GstClockTime pts,
    GstClockTime duration, const gchar * text)
{
  GstBuffer *buffer = gst_buffer_new_memdup (text, strlen (text));

  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = duration;
  GST_DEBUG_OBJECT (self, "text at %" GST_TIME_FORMAT " for %" GST_TIME_FORMAT
      ": %s", GST_TIME_ARGS (pts), GST_TIME_ARGS (duration), text);
  self->out_position = MAX (self->out_position, pts + duration);
  return gst_pad_push (gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER
          (self)), buffer);
}

static void
gst_pollen_stt_post_result (GstPollenStt * self, const Piece * piece)
{
  GstStructure *s = gst_structure_new ("pollenstt-result",
      "chunk-start", G_TYPE_UINT64, piece->start,
      "chunk-duration", G_TYPE_UINT64, piece->duration,
      "response-format", G_TYPE_STRING, piece->response_format,
      "result", G_TYPE_STRING, piece->raw,
      "text", G_TYPE_STRING, piece->transcript->text,
      "request-id", G_TYPE_STRING, piece->request_id ? piece->request_id : "",
      NULL);

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* How much later a chunk's texts must go: the server's lateness. Text
 * held back by downstream keeps its time: shifting it would add up, chunk
 * after chunk, in a chain that runs for days, and the element after us
 * (pollentts) places late text itself. */
static GstClockTime
gst_pollen_stt_lateness (GstPollenStt * self, Piece * piece)
{
  PollenLateCause cause = POLLEN_LATE_SERVER;
  PollenTranscriptCue *first;
  GstClockTime late = 0;

  if (piece->transcript && piece->transcript->cues->len > 0) {
    first = piece->transcript->cues->pdata[0];
    late = gst_pollen_filter_check_late (GST_POLLEN_FILTER (self), piece,
        piece->start + first->start, piece->sent, piece->answered, &cause);
  }
  gst_pollen_filter_follow_server (GST_POLLEN_FILTER (self), piece->sent,
      piece->answered, late > 0);
  return cause == POLLEN_LATE_SERVER ? late : 0;
}

/* Pushes a chunk's texts at chunk start + their offsets, in time order,
 * all later by the server's lateness in live mode. */
static GstFlowReturn
gst_pollen_stt_push_chunk (GstPollenStt * self, Piece * piece)
{
  GstClockTime shift;
  GstFlowReturn ret;
  guint i;

  if (piece->transcript)
    gst_pollen_stt_post_result (self, piece);
  if (piece->transcript && (ret = gst_pollen_stt_detected_language (self,
              piece->transcript->language)) != GST_FLOW_OK)
    return ret;
  if (!GST_CLOCK_TIME_IS_VALID (self->out_position))
    self->out_position = piece->start;
  shift = gst_pollen_stt_lateness (self, piece);

  for (i = 0; piece->transcript && i < piece->transcript->cues->len; i++) {
    PollenTranscriptCue *cue = piece->transcript->cues->pdata[i];
    GstClockTime pts = MAX (piece->start + cue->start + shift,
        self->out_position);

    gst_pollen_stt_push_gap_until (self, pts);
    ret = gst_pollen_stt_push_text (self, pts, cue->end - cue->start,
        cue->text);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  gst_pollen_stt_push_gap_until (self, piece->start + piece->duration);
  return GST_FLOW_OK;
}


/* GstPollenFilter::src_event: a segment starts the text timeline (and
 * the text's stream tags follow it once its language is known), a GAP
 * from upstream tells downstream that nothing comes before its end,
 * upstream's stream tags are the text's less what describes the audio. */
static GstFlowReturn
gst_pollen_stt_src_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);
  gboolean segment = GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT;
  GstFlowReturn ret;

  if (gst_pollen_filter_follow_upstream (filter, &self->out_position, event))
    return GST_FLOW_OK;
  if (GST_EVENT_TYPE (event) == GST_EVENT_TAG)
    return gst_pollen_stt_take_tags (self, event);
  ret = GST_POLLEN_FILTER_CLASS (parent_class)->src_event (filter, event);
  if (ret == GST_FLOW_OK && segment && self->language && !self->tags_sent)
    ret = gst_pollen_stt_push_tags (self);
  return ret;
}

static GstFlowReturn
gst_pollen_stt_handle_done (GstPollenFilter * filter, gpointer data)
{
  Piece *piece = data;

  /* a session's words went out as they came */
  if (piece->stream)
    return GST_FLOW_OK;
  return gst_pollen_stt_push_chunk (GST_POLLEN_STT (filter), piece);
}

/* GstPollenFilter::fill: a GAP over a chunk that failed. */
static GstFlowReturn
gst_pollen_stt_fill (GstPollenFilter * filter, gpointer data)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);
  Piece *piece = data;

  if (piece->stream)
    return GST_FLOW_OK;
  if (!GST_CLOCK_TIME_IS_VALID (self->out_position))
    self->out_position = piece->start;
  gst_pollen_stt_push_gap_until (self, piece->start + piece->duration);
  return GST_FLOW_OK;
}

static gchar *
gst_pollen_stt_describe (GstPollenFilter * filter, gpointer data)
{
  Piece *piece = data;

  if (piece->stream)
    return g_strdup ("Transcribing the stream as it is spoken");
  return g_strdup_printf ("Transcribing the audio at %" GST_TIME_FORMAT
      " (%" G_GUINT64_FORMAT " ms)", GST_TIME_ARGS (piece->start),
      piece->duration / GST_MSECOND);
}

/* GstPollenFilter::idle: live, while a request runs, nothing can come any
 * more for what is past the deadline, so tell downstream. */
static GstFlowReturn
gst_pollen_stt_idle (GstPollenFilter * filter)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);
  GstClockTime horizon = gst_pollen_filter_get_horizon (filter);

  if (GST_CLOCK_TIME_IS_VALID (horizon) &&
      GST_CLOCK_TIME_IS_VALID (self->out_position))
    gst_pollen_stt_push_gap_until (self, horizon);
  return GST_FLOW_OK;
}

/* ---- realtime: words out (source pad task) ---- */

/* Src task: an utterance's whole transcript, for applications, as a
 * chunk's raw answer is. */
static void
gst_pollen_stt_post_completed (GstPollenStt * self,
    const PollenTranscription * transcription)
{
  GstStructure *s = gst_structure_new ("pollenstt-result",
      "chunk-start", G_TYPE_UINT64, transcription->pts,
      "chunk-duration", G_TYPE_UINT64, transcription->duration,
      "response-format", G_TYPE_STRING, "realtime",
      "result", G_TYPE_STRING, transcription->event,
      "text", G_TYPE_STRING, transcription->text,
      "request-id", G_TYPE_STRING, transcription->item_id ?
      transcription->item_id : "",
      "matches-deltas", G_TYPE_BOOLEAN, transcription->matches, NULL);

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* Src task: words go out at once, never before what went out already. */
static GstFlowReturn
gst_pollen_stt_push_words (GstPollenStt * self,
    const PollenTranscription * transcription)
{
  GstClockTime end = transcription->pts + transcription->duration;
  GstClockTime pts;

  if (!GST_CLOCK_TIME_IS_VALID (self->out_position))
    self->out_position = transcription->pts;
  pts = MAX (transcription->pts, self->out_position);
  gst_pollen_stt_push_gap_until (self, pts);
  return gst_pollen_stt_push_text (self, pts, MAX (end, pts) - pts,
      transcription->text);
}

static GstFlowReturn
gst_pollen_stt_handle_item (GstPollenFilter * filter, gpointer data,
    gpointer item)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);
  PollenTranscription *transcription = item;

  switch (transcription->kind) {
    case POLLEN_TRANSCRIPTION_DELTA:
      return gst_pollen_stt_push_words (self, transcription);
    case POLLEN_TRANSCRIPTION_COMPLETED:
      gst_pollen_stt_post_completed (self, transcription);
      return GST_FLOW_OK;
    default:
      GST_ELEMENT_WARNING (self, RESOURCE, READ, ("%s", transcription->text),
          (NULL));
      return GST_FLOW_OK;
  }
}

/* ---- states ---- */

static gboolean
gst_pollen_stt_start (GstPollenFilter * filter)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);

  gst_pollen_stt_snapshot_config (self);
  if (self->config.realtime && !is_transcription_model (self->config.model)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s holds spoken "
            "conversations and cannot transcribe: use model=scribe-realtime "
            "for words as they are spoken, or pollenrealtime for a "
            "conversation.", self->config.model), (NULL));
    return FALSE;
  }
  gst_pollen_stt_check_rate (self);
  if (self->config.realtime) {
    self->stream_piece = g_byte_array_new ();
    gst_pollen_stt_reset_stream (self);
  }
  g_free (self->language);
  self->language = g_strdup (self->config.tag_language);
  self->tags_sent = FALSE;
  /* not configured (rate 0) until caps come */
  pollen_chunker_free (self->chunker);
  self->chunker = pollen_chunker_new ();
  self->next_ts = GST_CLOCK_TIME_NONE;
  self->chunk_count = 0;
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->context, g_free);
  self->context_index = 0;
  self->json_only = FALSE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
gst_pollen_stt_stop (GstPollenFilter * filter)
{
  GstPollenStt *self = GST_POLLEN_STT (filter);

  g_clear_pointer (&self->chunker, pollen_chunker_free);
  g_clear_pointer (&self->transcriber, pollen_transcriber_unref);
  g_clear_pointer (&self->convert, pollen_convert_free);
  g_clear_pointer (&self->stream_piece, g_byte_array_unref);
  config_clear (&self->config);
  gst_clear_tag_list (&self->stream_tags);
  g_clear_pointer (&self->language, g_free);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->context, g_free);
  g_mutex_unlock (&self->lock);
}

/* ---- properties ---- */

static void
gst_pollen_stt_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenStt *self = GST_POLLEN_STT (object);

  switch (prop_id) {
    case PROP_LANGUAGE_CODE:
      pollen_property_replace_string (object, &self->language_code, value);
      return;
    case PROP_PROMPT:
      pollen_property_replace_string (object, &self->prompt, value);
      return;
    default:
      break;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_TEMPERATURE:
      self->temperature = g_value_get_double (value);
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
    case PROP_GRANULARITY:
      self->granularity = g_value_get_enum (value);
      break;
    case PROP_CARRY_CONTEXT:
      self->carry_context = g_value_get_boolean (value);
      break;
    case PROP_TRIM_SILENCE:
      self->trim_silence = g_value_get_boolean (value);
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
gst_pollen_stt_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenStt *self = GST_POLLEN_STT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LANGUAGE_CODE:
      g_value_set_string (value, self->language_code);
      break;
    case PROP_PROMPT:
      g_value_set_string (value, self->prompt);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, self->temperature);
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
    case PROP_GRANULARITY:
      g_value_set_enum (value, self->granularity);
      break;
    case PROP_CARRY_CONTEXT:
      g_value_set_boolean (value, self->carry_context);
      break;
    case PROP_TRIM_SILENCE:
      g_value_set_boolean (value, self->trim_silence);
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
gst_pollen_stt_finalize (GObject * object)
{
  GstPollenStt *self = GST_POLLEN_STT (object);

  g_free (self->language_code);
  g_free (self->prompt);
  config_clear (&self->config);
  gst_clear_tag_list (&self->stream_tags);
  g_free (self->language);
  g_free (self->context);
  pollen_chunker_free (self->chunker);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Fixed for a run: copied at READY→PAUSED. */
#define PARAM_FLAGS (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_READY)

static void
gst_pollen_stt_install_properties (GObjectClass * gobject_class)
{
  g_object_class_install_property (gobject_class, PROP_LANGUAGE_CODE,
      g_param_spec_string ("language-code", "Language Code",
          "Language of the speech, as ISO-639-1 (\"en\") or BCP-47 "
          "(\"en-US\", only \"en\" is sent), and the language-code tag of "
          "the text; unset (default) lets the server detect it (the text is "
          "tagged with what it detected)", NULL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "Text that guides the model's style and spelling (names, jargon), "
          "sent as 'prompt' before the carried context; unset by default",
          NULL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Sampling temperature between 0 and 1; -1 (default) does not send "
          "it", -1.0, 1.0, DEFAULT_TEMPERATURE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_CHUNK_DURATION,
      g_param_spec_uint ("chunk-duration", "Chunk Duration",
          "Longest audio chunk sent in one request, in milliseconds (and at "
          "most 25 MB of WAV); chunks are cut earlier at a pause when there "
          "is one, and live at the first pause after speech (default 3000)",
          500, 600000, DEFAULT_CHUNK_DURATION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_SILENCE_THRESHOLD,
      g_param_spec_double ("silence-threshold", "Silence Threshold",
          "Level in dBFS (RMS over 10 ms) below which audio counts as "
          "silence (default -40)", -96.0, 0.0, DEFAULT_SILENCE_THRESHOLD,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MIN_SILENCE,
      g_param_spec_uint ("min-silence", "Minimum Silence",
          "Shortest silence, in milliseconds, that counts as a pause where a "
          "chunk may be cut (default 300)", 10, 10000, DEFAULT_MIN_SILENCE,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_GRANULARITY,
      g_param_spec_enum ("granularity", "Granularity",
          "One output buffer per segment or per word (default segment)",
          GST_TYPE_POLLEN_STT_GRANULARITY, DEFAULT_GRANULARITY, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_CARRY_CONTEXT,
      g_param_spec_boolean ("carry-context", "Carry Context",
          "Send the end of the previous transcript as 'prompt' so that "
          "sentences split across chunks read well (default true)",
          DEFAULT_CARRY_CONTEXT, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TRIM_SILENCE,
      g_param_spec_boolean ("trim-silence", "Trim Silence",
          "Leave pauses longer than twice min-silence out of the upload "
          "(transcription is billed per second), keeping min-silence of "
          "them next to the speech; text times stay those of the input "
          "(default true)", DEFAULT_TRIM_SILENCE, PARAM_FLAGS));
}

static void
gst_pollen_stt_class_init_filter (GstPollenFilterClass * filter_class)
{
  filter_class->default_model = DEFAULT_MODEL;
  filter_class->model_blurb = "Transcription model, sent as the 'model' "
      "field: whisper-large-v3, whisper-1, scribe … (default "
      DEFAULT_MODEL ")";
  filter_class->default_timeout = DEFAULT_TIMEOUT;
  filter_class->default_max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  filter_class->default_latency_ms = DEFAULT_LATENCY;
  filter_class->latency_blurb = "live, the element reports upstream latency "
      "+ chunk-duration + latency, and text that comes later is shifted "
      "with a warning";
  filter_class->untimed_hint = "Put a decoder or parser (decodebin, "
      "wavparse) or a live audio source in front of pollenstt.";
  filter_class->data_free = (GDestroyNotify) piece_free;
  filter_class->item_free = (GDestroyNotify) pollen_transcription_free;

  filter_class->start = GST_DEBUG_FUNCPTR (gst_pollen_stt_start);
  filter_class->stop = GST_DEBUG_FUNCPTR (gst_pollen_stt_stop);
  filter_class->flush = GST_DEBUG_FUNCPTR (gst_pollen_stt_flush);
  filter_class->set_caps = GST_DEBUG_FUNCPTR (gst_pollen_stt_set_caps);
  filter_class->sink_event = GST_DEBUG_FUNCPTR (gst_pollen_stt_sink_event);
  filter_class->chain = GST_DEBUG_FUNCPTR (gst_pollen_stt_chain);
  filter_class->run_job = GST_DEBUG_FUNCPTR (gst_pollen_stt_run_job);
  filter_class->handle_item = GST_DEBUG_FUNCPTR (gst_pollen_stt_handle_item);
  filter_class->handle_done = GST_DEBUG_FUNCPTR (gst_pollen_stt_handle_done);
  filter_class->src_event = GST_DEBUG_FUNCPTR (gst_pollen_stt_src_event);
  filter_class->fill = GST_DEBUG_FUNCPTR (gst_pollen_stt_fill);
  filter_class->idle = GST_DEBUG_FUNCPTR (gst_pollen_stt_idle);
  filter_class->get_latency = GST_DEBUG_FUNCPTR (gst_pollen_stt_get_latency);
  filter_class->describe = GST_DEBUG_FUNCPTR (gst_pollen_stt_describe);
  gst_pollen_filter_class_setup (filter_class);
}

static void
gst_pollen_stt_class_init (GstPollenSttClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_pollen_stt_set_property;
  gobject_class->get_property = gst_pollen_stt_get_property;
  gobject_class->finalize = gst_pollen_stt_finalize;

  gst_pollen_stt_class_init_filter (GST_POLLEN_FILTER_CLASS (klass));
  gst_pollen_stt_install_properties (gobject_class);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations speech to text", "Audio/Text/Filter",
      "Transcribes audio into timed text with the Pollinations API "
      "(/v1/audio/transcriptions)", "gst-pollen contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pollen_stt_debug, "pollenstt", 0,
      "Pollinations speech to text");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_STT_GRANULARITY, 0);
}

static void
gst_pollen_stt_init (GstPollenStt * self)
{
  self->temperature = DEFAULT_TEMPERATURE;
  self->chunk_duration = DEFAULT_CHUNK_DURATION;
  self->silence_threshold = DEFAULT_SILENCE_THRESHOLD;
  self->min_silence = DEFAULT_MIN_SILENCE;
  self->granularity = DEFAULT_GRANULARITY;
  self->carry_context = DEFAULT_CARRY_CONTEXT;
  self->trim_silence = DEFAULT_TRIM_SILENCE;
  g_mutex_init (&self->lock);
}
