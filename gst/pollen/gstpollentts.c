/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pollentts
 * @title: pollentts
 *
 * Speaks a timed text stream with the Pollinations API
 * (`POST /v1/audio/speech`): each text buffer becomes speech that starts at
 * the buffer's timestamp, so subtitles, transcripts and translations are
 * voiced in sync.
 *
 * By default it asks for WAV and outputs raw audio (audio/x-raw, S16LE)
 * parsed while the answer streams in, with the rate and channels of the
 * WAV header; a later answer at another rate renegotiates the caps. When
 * downstream asks for another format, rate or channel count
 * (`pollentts ! audio/x-raw,rate=48000`), the audio is converted with
 * GstAudioConverter, each speech still on its text's time. With
 * #GstPollenTts:response-format mp3, opus, aac or flac it passes the encoded
 * audio through with caps found from the bytes; `pcm` is asked as WAV too
 * (headerless PCM does not say its rate, and a model's rate depends on the
 * server), and headerless PCM a server sends anyway is played at
 * #GstPollenTts:pcm-rate. Whatever was asked, the bytes decide: a WAV answer
 * to an mp3 request still comes out as raw audio.
 *
 * Up to #GstPollenTts:max-in-flight requests run at once; their audio goes
 * out strictly in input order, and the audio of the oldest one goes
 * downstream as its bytes arrive.
 *
 * Timing: speech starts at its text's PTS (or right after the previous
 * speech when the text has none). #GstPollenTts:overflow says what happens
 * when speech is longer than its text's duration. Between texts the element
 * fills the timeline, so live mixers and sinks keep running and file
 * writers get the pauses: with raw output as GAP-flagged silence, with
 * encoded output as GAP events. In a live pipeline #GstPollenTts:latency is
 * added to the latency; speech whose answer comes after its deadline is
 * shifted later with a warning that says whether the server was slow
 * (raise latency) or the element was held back, and
 * #GstPollenTts:max-lag bounds how far shifted speech may lag its text
 * (overflow=shift or compress), so a chain that runs for days keeps real
 * time. overflow=compress plays speech longer than its text faster, pitch
 * kept, up to #GstPollenTts:max-speed.
 *
 * Text in pango markup (what subparse outputs) is reduced to its words;
 * empty text makes no request; invalid UTF-8 is repaired with a warning;
 * text over the server's limit of 10000 characters is split at sentence
 * ends into several requests whose audio is joined in order.
 *
 * Word timings: with #GstPollenTts:word-timings the element asks
 * `POST /v1/audio/speech/with-timestamps` (ElevenLabs models only), whose
 * answer times every character, and pushes each word of the text on the
 * `text_src` request pad (text/x-raw, utf8) at the moment it is spoken:
 * PTS = where its speech starts + the word's start, duration its length,
 * following the speech where it is shifted, sped up or cut, with GAP
 * events between words. The speech on `src` is the same as without.
 * Karaoke subtitles, cues aligned with the spoken word. Put a `queue` on
 * each branch: both pads are fed by one thread.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=talk.srt ! subparse ! pollentts voice=nova \
 *     ! audioconvert ! audioresample ! wavenc ! filesink location=talk.wav
 * gst-launch-1.0 filesrc location=talk.srt ! subparse ! pollentts voice=alloy \
 *     response-format=mp3 ! decodebin ! audioconvert ! autoaudiosink
 * gst-launch-1.0 pulsesrc ! audioconvert ! audioresample ! pollenstt \
 *     ! pollenchat system="Translate into French." \
 *     ! pollentts voice=nova latency=3000 ! audioconvert ! autoaudiosink
 * gst-launch-1.0 filesrc location=talk.srt ! subparse \
 *     ! pollentts name=tts model=elevenlabs word-timings=true \
 *     ! queue ! audioconvert ! autoaudiosink \
 *     tts.text_src ! queue ! fakesink dump=true
 * ]|
 */

/* A GstPollenFilter: the sink thread turns text into jobs, workers make
 * the requests and turn the streamed bytes into audio chunks
 * (pollenspeech), and the src task takes those chunks in input order,
 * timestamps them and pushes them.
 *
 * Lock order: GST_OBJECT_LOCK (properties) is the only lock of this file, a
 * leaf: it is not held while calling into the base or pushing. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpollentts.h"
#include "pollenconvert.h"
#include "pollenstretch.h"
#include "gstpollenelements.h"
#include "pollenalignment.h"
#include "pollenformat.h"
#include "pollenmedia.h"
#include "pollenpcm.h"
#include "pollenspeech.h"
#include "pollenvoices.h"
#include "pollentext.h"
#include "pollentextpad.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_pollen_tts_debug);
#define GST_CAT_DEFAULT gst_pollen_tts_debug

#define DEFAULT_MODEL "tts-1"
#define DEFAULT_VOICE "alloy"
#define DEFAULT_RESPONSE_FORMAT POLLEN_AUDIO_FORMAT_WAV
#define DEFAULT_PCM_RATE 0
#define DEFAULT_OVERFLOW GST_POLLEN_TTS_OVERFLOW_SHIFT
#define DEFAULT_MAX_LAG -1      /* the latency property */
#define DEFAULT_MAX_SPEED 1.5
#define DEFAULT_LATENCY_MS 1000
#define DEFAULT_MAX_IN_FLIGHT 3
#define DEFAULT_TIMEOUT 120
#define DEFAULT_WORD_TIMINGS FALSE

/* The server's limit on "input", in UTF-16 code units. */
#define MAX_INPUT_UNITS 10000
#define SPEECH_PATH "/v1/audio/speech"
#define TIMED_SPEECH_PATH "/v1/audio/speech/with-timestamps"
#define READ_SIZE (16 * 1024)
/* the server's recent answer times kept: the quickest of them is what a
 * request will take at least */
#define ANSWER_TIMES 4

enum
{
  PROP_VOICE = POLLEN_FILTER_PROP_LAST,
  PROP_RESPONSE_FORMAT,
  PROP_PCM_RATE,
  PROP_INSTRUCTIONS,
  PROP_OVERFLOW,
  PROP_MAX_LAG,
  PROP_MAX_SPEED,
  PROP_WORD_TIMINGS,
};

/* What a job is for: a text to speak, or a text with nothing to say (its
 * time is filled). */
typedef enum
{
  ENTRY_SPEECH,
  ENTRY_SILENCE,
} EntryKind;

/* One job's data. The sink thread fills it; workers read request, voice
 * and pcm_rate; the src task reads the rest. */
typedef struct
{
  EntryKind kind;
  PollenRequest *request;
  gchar *voice;                 /* sent in @request */
  guint pcm_rate;
  gchar *preview;               /* the text's start, for messages */
  GstClockTime pts;
  GstClockTime duration;
  gboolean continues;           /* a later piece of a split text */
  gboolean skipped;             /* too late to play: not requested */
  gboolean timed;               /* asked with its words' timing */
  GstClockTime sent;            /* running times the request went out and */
  GstClockTime answered;        /* the answer came: the worker writes them
                                 * before emitting audio */
} TtsEntry;

typedef enum
{
  ITEM_BEGIN,                   /* the request is on its way */
  ITEM_AUDIO,
  ITEM_LENGTH,                  /* how long the encoded answer plays */
  ITEM_SKIPPED,                 /* too late to play: no request was made */
  ITEM_WORDS,                   /* when each word is spoken */
} ItemKind;

/* One piece of a job's output. */
typedef struct
{
  ItemKind kind;
  GstCaps *caps;                /* ITEM_AUDIO: what @data is */
  GBytes *data;
  GstClockTime length;          /* ITEM_LENGTH; ITEM_SKIPPED: how late */
  GPtrArray *words;             /* ITEM_WORDS, of PollenTimedWord */
} TtsItem;

/* A worker's answer being read: the encoded bytes are kept to be timed
 * once they are all here. */
typedef struct
{
  PollenJob *job;
  GByteArray *encoded;
} TtsFetch;

struct _GstPollenTts
{
  GstPollenFilter parent;

  /* properties, under GST_OBJECT_LOCK; they may change while PLAYING and
   * are used from the next text on */
  gchar *voice;
  PollenAudioFormat response_format;
  guint pcm_rate;
  gchar *instructions;
  GstPollenTtsOverflow overflow;
  gint max_lag_ms;
  gdouble max_speed;

  /* under GST_OBJECT_LOCK: written by the workers */
  GstClockTime answer_times[ANSWER_TIMES];      /* 0: none yet */
  guint answer_next;
  /* under GST_OBJECT_LOCK: written by the src task, read by the workers */
  GstClockTime output_end;      /* where what went out ends, or NONE */
  gboolean word_timings;
  GstPad *text_pad;             /* the words' request pad, or NULL */

  /* sink streaming thread */
  gboolean input_is_markup;

  /* src task (or with the task stopped) */
  GstCaps *caps;                /* the output caps */
  GstAudioInfo info;            /* of @caps when raw */
  gboolean raw;
  GstCaps *speech_caps;         /* what the server's audio is */
  PollenConvert *convert;       /* raw speech_caps into caps, or NULL */
  gboolean sent_audio;          /* a buffer went out since activation */
  GstClockTime position;        /* end of what went out, audio or gap */
  GstClockTime text_end;        /* end of the latest text */
  GstClockTime group_end;       /* end of the text being spoken */
  GstPollenTtsOverflow speech_overflow;
  GstClockTime speech_max_lag;  /* live shift: how far past its text's end
                                 * a speech may run */
  gboolean speech_open;         /* from its request until it is done */
  gboolean speech_dropped;      /* answered too late to play any of it */
  GstClockTime speech_cut;      /* how much of it max-lag cut */
  GstClockTime silence_end;     /* end of the silence that went out */
  gdouble speech_max_speed;
  GByteArray *gathered;         /* compress: the speech until it is whole */
  GstClockTime speech_start;    /* where the current rate's samples start */
  guint64 speech_samples;
  gboolean speech_has_audio;
  gboolean speech_discont;
  gboolean speech_length_known; /* encoded: the position is its end */
  GPtrArray *speech_words;      /* the current speech's, or NULL */
  gdouble speech_speed;         /* compress played it this much faster */
  GstClockTime text_position;   /* the words' pad was told up to here */
  gboolean upstream_live;
  GstClockTime upstream_min;
};

#define gst_pollen_tts_parent_class parent_class
G_DEFINE_TYPE (GstPollenTts, gst_pollen_tts, GST_TYPE_POLLEN_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pollentts, "pollentts",
    GST_RANK_NONE, GST_TYPE_POLLEN_TTS, pollen_element_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

/* what the server sends (WAV: S16LE, U8, S24LE, S32LE, F32LE, F64LE) or
 * what it is converted into when downstream asks for other raw audio */
#define RAW_CAPS GST_AUDIO_CAPS_MAKE (GST_AUDIO_FORMATS_ALL) ", " \
    "layout = (string) interleaved"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (RAW_CAPS "; audio/mpeg; audio/ogg; application/ogg; "
        "audio/x-opus; audio/x-flac; audio/x-m4a; "
        "video/quicktime; audio/webm"));

/* each word at the moment it is spoken, with word-timings */
static GstStaticPadTemplate text_src_template =
GST_STATIC_PAD_TEMPLATE ("text_src", GST_PAD_SRC, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("text/x-raw, format = (string) utf8"));

/* ---- enums ---- */

#define GST_TYPE_POLLEN_TTS_OVERFLOW (gst_pollen_tts_overflow_get_type ())
static GType
gst_pollen_tts_overflow_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_POLLEN_TTS_OVERFLOW_CLIP, "Cut the speech at the end of its text",
        "clip"},
    {GST_POLLEN_TTS_OVERFLOW_OVERLAP, "Start each speech at its text's time "
          "even while the previous one runs (buffers overlap)", "overlap"},
    {GST_POLLEN_TTS_OVERFLOW_SHIFT, "Start a speech after the previous one "
          "ended, later than its text if need be", "shift"},
    {GST_POLLEN_TTS_OVERFLOW_COMPRESS, "Play speech longer than its text "
          "faster, pitch kept, up to max-speed; the rest as shift (raw "
          "output)", "compress"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstPollenTtsOverflow",
            values));
  return type;
}

/* ---- entries and items ---- */

static TtsEntry *
tts_entry_new (EntryKind kind, GstClockTime pts, GstClockTime duration)
{
  TtsEntry *entry = g_new0 (TtsEntry, 1);

  entry->kind = kind;
  entry->pts = pts;
  entry->duration = duration;
  entry->sent = GST_CLOCK_TIME_NONE;
  entry->answered = GST_CLOCK_TIME_NONE;
  return entry;
}

static void
tts_entry_free (TtsEntry * entry)
{
  pollen_request_free (entry->request);
  g_free (entry->voice);
  g_free (entry->preview);
  g_free (entry);
}

static TtsItem *
tts_item_new (ItemKind kind, GstCaps * caps, GBytes * data)
{
  TtsItem *item = g_new0 (TtsItem, 1);

  item->kind = kind;
  item->caps = caps ? gst_caps_ref (caps) : NULL;
  item->data = data;
  return item;
}

static void
tts_item_free (TtsItem * item)
{
  gst_clear_caps (&item->caps);
  g_clear_pointer (&item->data, g_bytes_unref);
  g_clear_pointer (&item->words, g_ptr_array_unref);
  g_free (item);
}

/* ---- small helpers ---- */

static GstClockTime
time_max (GstClockTime a, GstClockTime b)
{
  if (!GST_CLOCK_TIME_IS_VALID (a))
    return b;
  if (!GST_CLOCK_TIME_IS_VALID (b))
    return a;
  return MAX (a, b);
}

/* shift, and compress for what does not fit at max-speed: a speech never
 * starts before the one before has ended. */
static gboolean
overflow_shifts (GstPollenTtsOverflow overflow)
{
  return overflow == GST_POLLEN_TTS_OVERFLOW_SHIFT ||
      overflow == GST_POLLEN_TTS_OVERFLOW_COMPRESS;
}

/* Any thread: the overflow policy now, and how far live speech may run
 * past its text's end: max-lag (-1: the latency property, what the element
 * adds to the pipeline's latency) where speech shifts, else nothing. */
static GstPollenTtsOverflow
gst_pollen_tts_read_overflow (GstPollenTts * self, GstClockTime * max_lag)
{
  GstPollenTtsOverflow overflow;
  gint max_lag_ms;

  GST_OBJECT_LOCK (self);
  overflow = self->overflow;
  max_lag_ms = self->max_lag_ms;
  GST_OBJECT_UNLOCK (self);
  *max_lag = max_lag_ms >= 0 ? (GstClockTime) max_lag_ms * GST_MSECOND :
      gst_pollen_filter_get_latency (GST_POLLEN_FILTER (self));
  if (!overflow_shifts (overflow))
    *max_lag = 0;
  return overflow;
}

/* ---- text in: the sink side ---- */

/* @entry's request, which speaks @input with the properties as they are
 * now, and what reading its answer needs (voice, PCM rate, timings). */
static void
gst_pollen_tts_build_request (GstPollenTts * self, const gchar * input,
    TtsEntry * entry)
{
  const PollenSettings *settings =
      gst_pollen_filter_get_settings (GST_POLLEN_FILTER (self));
  PollenRequest *request;
  g_autoptr (JsonObject) body = json_object_new ();

  GST_OBJECT_LOCK (self);
  entry->timed = self->word_timings;
  request = pollen_request_new ("POST", entry->timed ? TIMED_SPEECH_PATH :
      SPEECH_PATH);
  json_object_set_string_member (body, "model", settings->model);
  json_object_set_string_member (body, "input", input);
  entry->voice = g_strdup (self->voice ? self->voice : DEFAULT_VOICE);
  json_object_set_string_member (body, "voice", entry->voice);
  json_object_set_string_member (body, "response_format",
      pollen_audio_format_request_nick (self->response_format));
  if (self->instructions && *self->instructions)
    json_object_set_string_member (body, "instructions", self->instructions);
  pollen_request_set_json (request, body);
  pollen_request_add_extra_params (request, settings->extra_params);
  entry->pcm_rate = self->pcm_rate;
  GST_OBJECT_UNLOCK (self);
  entry->request = request;
}

/* One job per piece the server accepts; the pieces after the first carry
 * no timestamp of their own: they follow the piece before. */
static GstFlowReturn
gst_pollen_tts_submit_text (GstPollenTts * self, const gchar * text,
    GstClockTime pts, GstClockTime duration)
{
  g_autoptr (GPtrArray) pieces = pollen_text_split (text, MAX_INPUT_UNITS);
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  if (pieces->len > 1)
    GST_INFO_OBJECT (self, "text at %" GST_TIME_FORMAT " is over %u "
        "characters: sent as %u requests", GST_TIME_ARGS (pts),
        MAX_INPUT_UNITS, pieces->len);

  for (i = 0; i < pieces->len && ret == GST_FLOW_OK; i++) {
    const gchar *piece = pieces->pdata[i];
    TtsEntry *entry = tts_entry_new (ENTRY_SPEECH, pts, duration);

    entry->continues = i > 0;
    entry->preview = pollen_text_preview (piece);
    gst_pollen_tts_build_request (self, piece, entry);
    GST_DEBUG_OBJECT (self, "speaking at %" GST_TIME_FORMAT ": \"%s\"",
        GST_TIME_ARGS (pts), entry->preview);
    ret = gst_pollen_filter_submit (GST_POLLEN_FILTER (self), entry);
  }
  return ret;
}

static GstFlowReturn
gst_pollen_tts_chain (GstPollenFilter * filter, GstBuffer * buffer)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstClockTime duration = GST_BUFFER_DURATION (buffer);
  g_autofree gchar *text = NULL;

  text = pollen_text_from_buffer (GST_ELEMENT (self), buffer,
      self->input_is_markup);
  gst_buffer_unref (buffer);

  if (*text)
    return gst_pollen_tts_submit_text (self, text, pts, duration);

  GST_DEBUG_OBJECT (self, "nothing to say at %" GST_TIME_FORMAT,
      GST_TIME_ARGS (pts));
  return gst_pollen_filter_submit (filter, tts_entry_new (ENTRY_SILENCE, pts,
          duration));
}

/* ---- bytes in, audio chunks out: the workers ---- */

static void
gst_pollen_tts_emit_audio (GstCaps * caps, GBytes * data, gpointer user_data)
{
  TtsFetch *fetch = user_data;

  if (!gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "audio/x-raw"))
    g_byte_array_append (fetch->encoded, g_bytes_get_data (data, NULL),
        g_bytes_get_size (data));
  pollen_job_emit (fetch->job, tts_item_new (ITEM_AUDIO, caps, data));
}

/* Encoded speech says how long it plays only once decoded to the end; the
 * src task needs it so that what follows starts after it. */
static void
gst_pollen_tts_emit_length (GstPollenTts * self, TtsFetch * fetch)
{
  g_autoptr (GBytes) encoded = NULL;
  TtsItem *item;

  if (fetch->encoded->len == 0)
    return;
  encoded = g_bytes_new (fetch->encoded->data, fetch->encoded->len);
  item = tts_item_new (ITEM_LENGTH, NULL, NULL);
  item->length = pollen_media_audio_duration (GST_OBJECT (self), encoded);
  pollen_job_emit (fetch->job, item);
}

/* Worker: how long a request took until its answer came. */
static void
gst_pollen_tts_note_answer_time (GstPollenTts * self, TtsEntry * entry)
{
  if (!GST_CLOCK_TIME_IS_VALID (entry->sent) ||
      !GST_CLOCK_TIME_IS_VALID (entry->answered) ||
      entry->answered < entry->sent)
    return;
  GST_OBJECT_LOCK (self);
  self->answer_times[self->answer_next] = MAX (entry->answered - entry->sent,
      1);
  self->answer_next = (self->answer_next + 1) % ANSWER_TIMES;
  GST_OBJECT_UNLOCK (self);
}

/* Makes the request of @entry and emits its audio as it streams in. */
static gboolean
gst_pollen_tts_fetch_speech (GstPollenTts * self, PollenJob * job,
    TtsEntry * entry, GCancellable * cancellable, GError ** error)
{
  PollenClient *client =
      gst_pollen_filter_get_client (GST_POLLEN_FILTER (self));
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (PollenSpeech) speech = NULL;
  g_autoptr (GByteArray) encoded = g_byte_array_new ();
  TtsFetch fetch = { job, encoded };
  gboolean ok = TRUE;
  gint64 started = g_get_monotonic_time ();

  entry->sent = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
  response = pollen_client_send (client, entry->request, cancellable, error);
  if (!response) {
    pollen_voices_explain (client, gst_pollen_filter_get_settings
        (GST_POLLEN_FILTER (self))->model, entry->voice, cancellable, error);
    return FALSE;
  }
  entry->answered = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
  gst_pollen_tts_note_answer_time (self, entry);
  GST_INFO_OBJECT (self, "\"%s\": %s answer after %" G_GINT64_FORMAT " ms "
      "(request id %s, model %s)", entry->preview, response->content_type,
      (g_get_monotonic_time () - started) / 1000, response->request_id,
      response->model_used);

  speech = pollen_speech_new (GST_OBJECT (self), response->content_type,
      response->request_id, entry->pcm_rate, gst_pollen_tts_emit_audio,
      &fetch);
  while (ok) {
    g_autoptr (GBytes) bytes = pollen_response_read (response, READ_SIZE,
        cancellable, error);

    if (!bytes)
      ok = FALSE;
    else if (g_bytes_get_size (bytes) == 0)
      break;
    else
      ok = pollen_speech_push (speech, g_bytes_get_data (bytes, NULL),
          g_bytes_get_size (bytes), error);
  }
  if (ok)
    ok = pollen_speech_finish (speech, error);
  if (ok)
    gst_pollen_tts_emit_length (self, &fetch);
  GST_DEBUG_OBJECT (self, "\"%s\": %" G_GSIZE_FORMAT " bytes of audio in %"
      G_GINT64_FORMAT " ms", entry->preview,
      pollen_speech_get_emitted (speech),
      (g_get_monotonic_time () - started) / 1000);
  return ok;
}

/* Any thread: the least a request takes, by the quickest of the recent
 * answers (0 before any). */
static GstClockTime
gst_pollen_tts_least_answer_time (GstPollenTts * self)
{
  GstClockTime least = GST_CLOCK_TIME_NONE;
  guint i;

  GST_OBJECT_LOCK (self);
  for (i = 0; i < ANSWER_TIMES; i++)
    if (self->answer_times[i])
      least = MIN (least, self->answer_times[i]);
  GST_OBJECT_UNLOCK (self);
  return GST_CLOCK_TIME_IS_VALID (least) ? least : 0;
}

/* Any thread: where what went out ends (a speech that shifts starts there
 * at the earliest), or NONE. */
static GstClockTime
gst_pollen_tts_output_end (GstPollenTts * self)
{
  GstClockTime end;

  GST_OBJECT_LOCK (self);
  end = self->output_end;
  GST_OBJECT_UNLOCK (self);
  return end;
}

/* Src task: tells the workers where the output got to. */
static void
gst_pollen_tts_share_position (GstPollenTts * self)
{
  GST_OBJECT_LOCK (self);
  self->output_end = self->position;
  GST_OBJECT_UNLOCK (self);
}

/* Worker: by how much @entry's speech would miss the last moment it could
 * start (its text's end, plus max-lag where speech may run on), were it
 * asked for now and answered as quickly as the quickest recent answer; 0
 * while it may still play. Live only: a request queued behind slow ones,
 * or a text that came late, would be paid for and then dropped; so would
 * a speech that, shifted after the speech out before it, could only start
 * past its last moment. A server slower than latency is latency's to
 * cover (max-latency): the answer is assumed no slower than that, so a
 * fresh text, which has latency to spare, is always asked for, and a
 * server that turned quick again shows it. */
static GstClockTime
gst_pollen_tts_too_late_by (GstPollenTts * self, TtsEntry * entry)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  GstClockTime horizon = gst_pollen_filter_get_horizon (filter);
  GstClockTime max_lag, last, answered;

  if (!GST_CLOCK_TIME_IS_VALID (horizon) ||
      !GST_CLOCK_TIME_IS_VALID (entry->pts) ||
      !GST_CLOCK_TIME_IS_VALID (entry->duration))
    return 0;
  if (overflow_shifts (gst_pollen_tts_read_overflow (self, &max_lag)))
    horizon = time_max (horizon, gst_pollen_tts_output_end (self));
  last = entry->pts + entry->duration + max_lag;
  answered = horizon + MIN (gst_pollen_tts_least_answer_time (self),
      gst_pollen_filter_get_latency (filter));
  return answered > last ? answered - last : 0;
}

/* Word timings: the answer is JSON with the speech in base64; its words
 * go out first, then its audio as from any answer. */
static gboolean
gst_pollen_tts_fetch_timed_speech (GstPollenTts * self, PollenJob * job,
    TtsEntry * entry, GCancellable * cancellable, GError ** error)
{
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (PollenTimedSpeech) timed = NULL;
  g_autoptr (PollenSpeech) speech = NULL;
  g_autoptr (GByteArray) encoded = g_byte_array_new ();
  TtsFetch fetch = { job, encoded };
  TtsItem *words;
  gsize size;
  const gchar *body;

  entry->sent = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
  response = pollen_client_fetch (gst_pollen_filter_get_client
      (GST_POLLEN_FILTER (self)), entry->request, cancellable, error);
  if (!response)
    return FALSE;
  entry->answered = gst_pollen_filter_now (GST_POLLEN_FILTER (self));
  gst_pollen_tts_note_answer_time (self, entry);
  body = g_bytes_get_data (response->body, &size);
  timed = pollen_timed_speech_parse (body ? body : "", size,
      response->request_id, error);
  if (!timed)
    return FALSE;
  words = tts_item_new (ITEM_WORDS, NULL, NULL);
  words->words = g_ptr_array_ref (timed->words);
  pollen_job_emit (job, words);
  speech = pollen_speech_new (GST_OBJECT (self), NULL, response->request_id,
      entry->pcm_rate, gst_pollen_tts_emit_audio, &fetch);
  if (!pollen_speech_push (speech, g_bytes_get_data (timed->audio, NULL),
          g_bytes_get_size (timed->audio), error) ||
      !pollen_speech_finish (speech, error))
    return FALSE;
  gst_pollen_tts_emit_length (self, &fetch);
  return TRUE;
}

static gboolean
gst_pollen_tts_run_job (GstPollenFilter * filter, PollenJob * job,
    gpointer data, GCancellable * cancellable, GError ** error)
{
  TtsEntry *entry = data;
  GstClockTime late;
  TtsItem *skipped;

  if (entry->kind != ENTRY_SPEECH)
    return TRUE;
  if ((late = gst_pollen_tts_too_late_by (GST_POLLEN_TTS (filter), entry))) {
    entry->skipped = TRUE;
    skipped = tts_item_new (ITEM_SKIPPED, NULL, NULL);
    skipped->length = late;
    pollen_job_emit (job, skipped);
    return TRUE;
  }
  /* lets the src task fill the time up to this speech while it waits */
  pollen_job_emit (job, tts_item_new (ITEM_BEGIN, NULL, NULL));
  if (entry->timed)
    return gst_pollen_tts_fetch_timed_speech (GST_POLLEN_TTS (filter), job,
        entry, cancellable, error);
  return gst_pollen_tts_fetch_speech (GST_POLLEN_TTS (filter), job, entry,
      cancellable, error);
}

/* ---- audio out: the src task ---- */

static void
gst_pollen_tts_reset_output (GstPollenTts * self)
{
  self->position = GST_CLOCK_TIME_NONE;
  self->text_position = GST_CLOCK_TIME_NONE;
  self->text_end = GST_CLOCK_TIME_NONE;
  self->group_end = GST_CLOCK_TIME_NONE;
  self->speech_start = GST_CLOCK_TIME_NONE;
  self->speech_samples = 0;
  self->speech_has_audio = FALSE;
  self->speech_open = FALSE;
  self->silence_end = GST_CLOCK_TIME_NONE;
  gst_pollen_tts_share_position (self);
}

static gboolean
caps_are_raw (GstCaps * caps)
{
  return gst_structure_has_name (gst_caps_get_structure (caps, 0),
      "audio/x-raw");
}

/* Raw audio as close to @speech as what @peer (downstream's raw caps)
 * allows: its first choice, with the rate, channels and format nearest to
 * the speech's. */
static GstCaps *
fixate_raw_caps (GstCaps * peer, GstCaps * speech)
{
  const GstStructure *have = gst_caps_get_structure (speech, 0);
  GstCaps *caps = gst_caps_copy_nth (peer, 0);
  GstStructure *want = gst_caps_get_structure (caps, 0);
  const gchar *format = gst_structure_get_string (have, "format");
  gint rate = 0, channels = 0;

  gst_structure_get_int (have, "rate", &rate);
  gst_structure_get_int (have, "channels", &channels);
  gst_structure_fixate_field_nearest_int (want, "rate", rate);
  gst_structure_fixate_field_nearest_int (want, "channels", channels);
  if (format)
    gst_structure_fixate_field_string (want, "format", format);
  return gst_caps_fixate (caps);
}

/* The raw caps to output @speech as: the speech's own when downstream
 * takes them, else the current output caps when it still takes those (no
 * renegotiation in the middle of a stream), else what it asks for nearest
 * to them. NULL when downstream takes no raw audio at all. */
static GstCaps *
gst_pollen_tts_choose_raw_caps (GstPollenTts * self, GstCaps * speech)
{
  static GstStaticCaps raw_caps = GST_STATIC_CAPS (RAW_CAPS);
  GstPad *srcpad = gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER (self));
  g_autoptr (GstCaps) raw = gst_static_caps_get (&raw_caps);
  g_autoptr (GstCaps) answer = gst_pad_peer_query_caps (srcpad, raw);
  /* a peer may answer without applying the filter: in its order */
  g_autoptr (GstCaps) peer = gst_caps_intersect_full (answer, raw,
      GST_CAPS_INTERSECT_FIRST);

  if (gst_caps_is_empty (peer))
    return NULL;
  if (gst_caps_can_intersect (peer, speech))
    return gst_caps_ref (speech);
  if (self->caps && self->raw && gst_caps_can_intersect (peer, self->caps))
    return gst_caps_ref (self->caps);
  return fixate_raw_caps (peer, speech);
}

/* Downstream takes nothing pollentts can give for @speech: one error that
 * says what it gives and what to do, instead of a bare "not-negotiated". */
static GstFlowReturn
gst_pollen_tts_not_negotiated (GstPollenTts * self, GstCaps * speech)
{
  GstPad *srcpad = gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER (self));
  g_autoptr (GstCaps) peer = gst_pad_peer_query_caps (srcpad, NULL);
  g_autofree gchar *wanted = gst_caps_to_string (peer);
  g_autofree gchar *given = gst_caps_to_string (speech);

  if (caps_are_raw (speech))
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Downstream of pollentts "
            "takes only %s, but pollentts gives raw audio: audio/x-raw, "
            "interleaved, in any format, rate and channel count (it "
            "converts). Put an encoder after it (lamemp3enc, opusenc …), or "
            "use a response-format whose encoded audio downstream takes.",
            wanted), ("the speech is %s", given));
  else
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Downstream of pollentts "
            "takes only %s, but pollentts gives the server's encoded audio "
            "as it is, here %s. Put decodebin (and audioconvert) after it, "
            "or use response-format=wav for raw audio.", wanted, given),
        (NULL));
  return GST_FLOW_ERROR;
}

/* The converter from @speech to the output caps, when they differ. */
static GstFlowReturn
gst_pollen_tts_set_converter (GstPollenTts * self, GstCaps * speech)
{
  GstAudioInfo in;

  g_clear_pointer (&self->convert, pollen_convert_free);
  if (!self->raw || gst_caps_is_equal (speech, self->caps))
    return GST_FLOW_OK;
  if (gst_audio_info_from_caps (&in, speech))
    self->convert = pollen_convert_new (&in, &self->info);
  if (!self->convert)
    return gst_pollen_tts_not_negotiated (self, speech);
  GST_INFO_OBJECT (self, "converting %" GST_PTR_FORMAT " to %"
      GST_PTR_FORMAT, speech, self->caps);
  return GST_FLOW_OK;
}

/* Sends @caps downstream when they differ from the current ones. */
static GstFlowReturn
gst_pollen_tts_push_caps (GstPollenTts * self, GstCaps * caps)
{
  GstFlowReturn ret;

  if (self->caps && gst_caps_is_equal (self->caps, caps))
    return GST_FLOW_OK;
  /* caps are sticky: a refused CAPS event would only show at the push */
  if (!gst_pad_peer_query_accept_caps (gst_pollen_filter_get_srcpad
          (GST_POLLEN_FILTER (self)), caps))
    return GST_FLOW_NOT_NEGOTIATED;
  ret = gst_pollen_filter_set_src_caps (GST_POLLEN_FILTER (self), caps);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_caps_replace (&self->caps, caps);
  self->raw = caps_are_raw (caps) && gst_audio_info_from_caps (&self->info,
      caps);
  return GST_FLOW_OK;
}

/* The server's audio is now @speech: the output follows it, raw audio
 * converted to what downstream asks for when it asks for other raw audio. */
static GstFlowReturn
gst_pollen_tts_set_caps (GstPollenTts * self, GstCaps * speech)
{
  g_autoptr (GstCaps) out = NULL;
  GstFlowReturn ret;

  if (self->speech_caps && gst_caps_is_equal (self->speech_caps, speech))
    return GST_FLOW_OK;
  out = caps_are_raw (speech) ? gst_pollen_tts_choose_raw_caps (self,
      speech) : gst_caps_ref (speech);
  if (!out)
    return gst_pollen_tts_not_negotiated (self, speech);
  ret = gst_pollen_tts_push_caps (self, out);
  if (ret == GST_FLOW_NOT_NEGOTIATED)
    return gst_pollen_tts_not_negotiated (self, speech);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_caps_replace (&self->speech_caps, speech);
  return gst_pollen_tts_set_converter (self, speech);
}

/* Raw caps to fill time with before any speech said what the audio is
 * (the first speech renegotiates when it differs). NULL for encoded
 * formats. */
static GstCaps *
gst_pollen_tts_guess_caps (GstPollenTts * self)
{
  GstAudioInfo info;
  gboolean raw;
  guint rate;

  GST_OBJECT_LOCK (self);
  raw = self->response_format == POLLEN_AUDIO_FORMAT_WAV ||
      self->response_format == POLLEN_AUDIO_FORMAT_PCM;
  rate = self->pcm_rate ? self->pcm_rate : POLLEN_MEDIA_GUESSED_PCM_RATE;
  GST_OBJECT_UNLOCK (self);
  if (!raw)
    return NULL;
  gst_audio_info_set_format (&info, GST_AUDIO_FORMAT_S16LE, rate, 1, NULL);
  return gst_audio_info_to_caps (&info);
}

/* ---- words out: the text_src pad (src task) ---- */

/* The words' pad, when one was asked for (a ref). */
static GstPad *
gst_pollen_tts_get_text_pad (GstPollenTts * self)
{
  GstPad *pad;

  GST_OBJECT_LOCK (self);
  pad = self->text_pad ? gst_object_ref (self->text_pad) : NULL;
  GST_OBJECT_UNLOCK (self);
  return pad;
}

/* The words' pad learns that no word comes before @until. */
static GstFlowReturn
gst_pollen_tts_words_gap (GstPollenTts * self, GstClockTime until)
{
  g_autoptr (GstPad) pad = gst_pollen_tts_get_text_pad (self);

  if (!pad)
    return GST_FLOW_OK;
  return pollen_text_pad_gap (pad, gst_pollen_filter_get_segment
      (GST_POLLEN_FILTER (self)), &self->text_position, until);
}

/* A SEGMENT or EOS goes to the words' pad too. */
static GstFlowReturn
gst_pollen_tts_words_event (GstPollenTts * self, GstEvent * event)
{
  g_autoptr (GstPad) pad = gst_pollen_tts_get_text_pad (self);

  if (!pad)
    return GST_FLOW_OK;
  return pollen_text_pad_push_event (pad, gst_pollen_filter_get_segment
      (GST_POLLEN_FILTER (self)), gst_event_ref (event));
}

/* Fills the time from what went out last up to @until, so downstream keeps
 * going and file writers get the pause: GAP-flagged silence for raw audio,
 * a GAP event for encoded audio. Before the first speech the caps are only
 * guessed, so that is done only when @now_or_never (live pipelines, EOS);
 * otherwise the fill waits for the first speech's real caps. */
/* Where filling starts when nothing went out yet: the segment start, or in
 * a live pipeline what must play now (the past is late anyway). */
static GstClockTime
gst_pollen_tts_fill_origin (GstPollenTts * self)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  const GstSegment *segment = gst_pollen_filter_get_segment (filter);

  if (!self->upstream_live)
    return segment->start;
  return time_max (segment->start, gst_pollen_filter_get_horizon (filter));
}

static GstFlowReturn
gst_pollen_tts_fill (GstPollenTts * self, GstClockTime until,
    gboolean now_or_never)
{
  GstClockTime from = GST_CLOCK_TIME_IS_VALID (self->position) ?
      self->position : gst_pollen_tts_fill_origin (self);
  GstFlowReturn ret;

  if (!GST_CLOCK_TIME_IS_VALID (until) || until <= from)
    return GST_FLOW_OK;

  if (!self->caps) {
    g_autoptr (GstCaps) guess = NULL;

    if (!now_or_never || !(guess = gst_pollen_tts_guess_caps (self)))
      return GST_FLOW_OK;
    if ((ret = gst_pollen_tts_set_caps (self, guess)) != GST_FLOW_OK)
      return ret;
  }

  /* a GAP before any data makes a parser (GstBaseParse) settle for
   * default caps (mpegaudioparse: layer 1) that the real stream then
   * contradicts; the first buffer's timestamp says as much */
  if (!self->raw && !self->sent_audio)
    return GST_FLOW_OK;

  GST_LOG_OBJECT (self, "filling %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT,
      GST_TIME_ARGS (from), GST_TIME_ARGS (until));
  if (self->raw) {
    self->silence_end = until;
    ret = pollen_pcm_push_silence (gst_pollen_filter_get_srcpad
        (GST_POLLEN_FILTER (self)), &self->info, from, until);
  } else
    ret = gst_pollen_filter_push_event (GST_POLLEN_FILTER (self),
        gst_event_new_gap (from, until - from));
  if (ret == GST_FLOW_OK) {
    self->position = until;
    ret = gst_pollen_tts_words_gap (self, until);
  }
  return ret;
}

/* Asks upstream whether it is live and with what latency; the deadline of
 * a speech depends on it. */
static void
gst_pollen_tts_query_upstream (GstPollenTts * self)
{
  gst_pollen_filter_query_upstream (GST_POLLEN_FILTER (self),
      &self->upstream_live, &self->upstream_min);
}

/* The overflow policy and its bound for the next speech. */
static void
gst_pollen_tts_snapshot_overflow (GstPollenTts * self)
{
  self->speech_overflow = gst_pollen_tts_read_overflow (self,
      &self->speech_max_lag);
  GST_OBJECT_LOCK (self);
  self->speech_max_speed = self->max_speed;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_pollen_tts_shifts (GstPollenTts * self)
{
  return overflow_shifts (self->speech_overflow);
}

/* A speech's request went out: work out where it starts and fill the time
 * up to there. */
static GstFlowReturn
gst_pollen_tts_begin_speech (GstPollenTts * self, TtsEntry * entry)
{
  GstClockTime start;

  gst_pollen_tts_snapshot_overflow (self);
  if (entry->continues) {
    start = self->position;
  } else {
    start = GST_CLOCK_TIME_IS_VALID (entry->pts) ? entry->pts :
        time_max (self->position,
        gst_pollen_filter_get_segment (GST_POLLEN_FILTER (self))->start);
    self->group_end = GST_CLOCK_TIME_IS_VALID (entry->duration) ?
        start + entry->duration : GST_CLOCK_TIME_NONE;
    self->text_end = time_max (self->text_end, self->group_end);
  }
  if ((entry->continues || gst_pollen_tts_shifts (self)) &&
      GST_CLOCK_TIME_IS_VALID (self->position) && start < self->position)
    start = self->position;
  /* a later piece when nothing at all went out before it */
  if (!GST_CLOCK_TIME_IS_VALID (start))
    start = gst_pollen_filter_get_segment (GST_POLLEN_FILTER (self))->start;

  self->speech_start = start;
  self->speech_samples = 0;
  self->speech_has_audio = FALSE;
  self->speech_length_known = FALSE;
  self->speech_open = TRUE;
  self->speech_dropped = FALSE;
  self->speech_cut = 0;
  self->speech_speed = 1.0;
  gst_pollen_tts_query_upstream (self);
  GST_DEBUG_OBJECT (self, "\"%s\" to start at %" GST_TIME_FORMAT,
      entry->preview, GST_TIME_ARGS (start));
  return gst_pollen_tts_fill (self, start, self->upstream_live);
}

/* Where the current speech must end, or NONE: in clip mode at its text's
 * end; live in shift mode max-lag after it, so that the next text's
 * speech starts at most max-lag late and the lag never grows past it. */
static GstClockTime
gst_pollen_tts_speech_limit (GstPollenTts * self)
{
  if (!GST_CLOCK_TIME_IS_VALID (self->group_end))
    return GST_CLOCK_TIME_NONE;
  if (self->speech_overflow == GST_POLLEN_TTS_OVERFLOW_CLIP)
    return self->group_end;
  if (gst_pollen_tts_shifts (self) && self->upstream_live)
    return self->group_end + self->speech_max_lag;
  return GST_CLOCK_TIME_NONE;
}

/* Live: how long after the deadline of the speech's start its answer
 * came (0 when in time). */
static GstClockTime
gst_pollen_tts_answer_late_by (GstPollenTts * self, TtsEntry * entry)
{
  GstPollenFilter *filter = GST_POLLEN_FILTER (self);
  GstClockTime deadline = gst_pollen_filter_get_deadline (filter,
      self->speech_start);
  GstClockTime now = gst_pollen_filter_now (filter);

  if (!GST_CLOCK_TIME_IS_VALID (deadline) || !GST_CLOCK_TIME_IS_VALID (now)
      || !GST_CLOCK_TIME_IS_VALID (entry->answered) ||
      entry->answered <= deadline || now <= deadline)
    return 0;
  return now - deadline;
}

/* In a live pipeline, speech whose answer came after its deadline would
 * be dropped by the sink: it goes that much later (the base warns), the
 * lag bounded by max-lag; an answer so late that none of it can play
 * within max-lag is dropped, and said as such (raw output; encoded output
 * cannot be cut). Speech that came in time keeps its place even when
 * downstream held us back: moving it would not make downstream faster. It
 * never starts inside the silence that went out while it was awaited.
 * Returns how long after its deadline the answer came (0 in time). */
static GstClockTime
gst_pollen_tts_place_speech (GstPollenTts * self, TtsEntry * entry,
    gboolean raw)
{
  GstClockTime limit, late;

  limit = gst_pollen_tts_speech_limit (self);
  late = gst_pollen_tts_answer_late_by (self, entry);
  if (raw && late && GST_CLOCK_TIME_IS_VALID (limit) &&
      self->speech_start + late >= limit) {
    self->speech_dropped = TRUE;
    gst_pollen_filter_report_late (GST_POLLEN_FILTER (self), entry,
        POLLEN_LATE_DROPPED, self->speech_start + late - limit);
    return late;
  }
  self->speech_start += gst_pollen_filter_check_late (GST_POLLEN_FILTER
      (self), entry, self->speech_start, entry->sent, entry->answered, NULL);
  self->speech_start = time_max (self->speech_start, self->silence_end);
  return late;
}

/* Live: the speech placed by the latency the pipeline runs with; then a
 * server that keeps being slow raises it, for the speeches to come. */
static void
gst_pollen_tts_check_deadline (GstPollenTts * self, TtsEntry * entry,
    gboolean raw)
{
  GstClockTime late;

  if (!self->upstream_live || !GST_CLOCK_TIME_IS_VALID (self->speech_start))
    return;
  late = gst_pollen_tts_place_speech (self, entry, raw);
  gst_pollen_filter_follow_server (GST_POLLEN_FILTER (self), entry->sent,
      entry->answered, late > 0);
}

/* The part of @size bytes of samples at @pts that lies before the speech's
 * limit. */
static gsize
gst_pollen_tts_clip (GstPollenTts * self, GstClockTime pts, gsize size)
{
  guint rate = GST_AUDIO_INFO_RATE (&self->info);
  guint bpf = GST_AUDIO_INFO_BPF (&self->info);
  GstClockTime limit = gst_pollen_tts_speech_limit (self);
  guint64 room;

  if (!GST_CLOCK_TIME_IS_VALID (limit))
    return size;
  room = pts >= limit ? 0 :
      gst_util_uint64_scale (limit - pts, rate, GST_SECOND);
  if (room * bpf >= size)
    return size;
  /* clip mode cuts by design; shift only to keep max-lag */
  if (gst_pollen_tts_shifts (self))
    self->speech_cut += gst_util_uint64_scale (size / bpf - room, GST_SECOND,
        rate);
  return room * bpf;
}

static GstFlowReturn
gst_pollen_tts_push_raw (GstPollenTts * self, GBytes * data)
{
  guint rate = GST_AUDIO_INFO_RATE (&self->info);
  guint bpf = GST_AUDIO_INFO_BPF (&self->info);
  gsize size = g_bytes_get_size (data);
  guint64 samples = size / bpf;
  GstClockTime pts, end;
  GstBuffer *buffer;
  gsize keep;

  pts = self->speech_start + gst_util_uint64_scale (self->speech_samples,
      GST_SECOND, rate);
  self->speech_samples += samples;
  keep = gst_pollen_tts_clip (self, pts, size);
  if (keep == 0) {
    GST_LOG_OBJECT (self, "clipped %" G_GSIZE_FORMAT " bytes after the end "
        "of the text", size);
    return GST_FLOW_OK;
  }
  end = self->speech_start + gst_util_uint64_scale (self->speech_samples -
      (size - keep) / bpf, GST_SECOND, rate);

  /* wrapping takes a reference of its own */
  buffer = gst_buffer_new_wrapped_bytes (data);
  if (keep < size)
    gst_buffer_resize (buffer, 0, keep);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = end - pts;
  /* each answer is audio of its own: its first buffer is a discont */
  if (self->speech_discont)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  self->speech_discont = FALSE;
  self->position = time_max (self->position, end);
  self->sent_audio = TRUE;
  return gst_pad_push (gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER
          (self)), buffer);
}

/* compress needs the whole speech to know how much faster to play it; a
 * text without a duration has nothing to fit. */
static gboolean
gst_pollen_tts_compresses (GstPollenTts * self)
{
  return self->speech_overflow == GST_POLLEN_TTS_OVERFLOW_COMPRESS &&
      GST_CLOCK_TIME_IS_VALID (self->group_end);
}

static GstFlowReturn
gst_pollen_tts_gather (GstPollenTts * self, GBytes * data)
{
  gsize size;
  gconstpointer bytes = g_bytes_get_data (data, &size);

  if (!self->gathered)
    self->gathered = g_byte_array_new ();
  g_byte_array_append (self->gathered, bytes, size);
  return GST_FLOW_OK;
}

/* How much faster the gathered speech must play to end with its text, at
 * most max-speed; 1 when it fits. */
static gdouble
gst_pollen_tts_speed (GstPollenTts * self, gsize size)
{
  GstClockTime length = gst_util_uint64_scale (size /
      GST_AUDIO_INFO_BPF (&self->info), GST_SECOND,
      GST_AUDIO_INFO_RATE (&self->info));
  GstClockTime room = self->group_end > self->speech_start ?
      self->group_end - self->speech_start : 0;

  if (length <= room)
    return 1.0;
  if (room == 0)
    return self->speech_max_speed;
  return MIN ((gdouble) length / room, self->speech_max_speed);
}

/* compress: the gathered speech, faster if it is longer than its text; what
 * still runs past the text follows shift (and max-lag, live). */
static GstFlowReturn
gst_pollen_tts_push_gathered (GstPollenTts * self)
{
  g_autoptr (GBytes) pcm = NULL;
  g_autoptr (GBytes) faster = NULL;
  g_autoptr (GError) error = NULL;
  gdouble speed;

  if (!self->gathered)
    return GST_FLOW_OK;
  pcm = g_byte_array_free_to_bytes (g_steal_pointer (&self->gathered));
  speed = gst_pollen_tts_speed (self, g_bytes_get_size (pcm));
  if (speed > 1.0 && !(faster = pollen_stretch_speed_up (&self->info, pcm,
              speed, &error)))
    GST_ELEMENT_WARNING (self, CORE, MISSING_PLUGIN, ("%s; the speech is "
            "played as it is.", error->message), (NULL));
  self->speech_speed = faster ? speed : 1.0;
  GST_DEBUG_OBJECT (self, "compressed %.3f times", self->speech_speed);
  return gst_pollen_tts_push_raw (self, faster ? faster : pcm);
}

/* Encoded audio: only where a speech starts is known, so its first buffer
 * carries the time and DISCONT (each answer is a stream of its own) and the
 * rest follow untimed. A later piece of a split text follows the piece
 * before, untimed. */
static GstFlowReturn
gst_pollen_tts_push_encoded (GstPollenTts * self, TtsEntry * entry,
    GBytes * data)
{
  GstBuffer *buffer = gst_buffer_new_wrapped_bytes (data);

  if (self->speech_discont) {
    if (!entry->continues) {
      GST_BUFFER_PTS (buffer) = self->speech_start;
      self->position = time_max (self->position, self->speech_start);
    }
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    self->speech_discont = FALSE;
  }
  self->sent_audio = TRUE;
  return gst_pad_push (gst_pollen_filter_get_srcpad (GST_POLLEN_FILTER
          (self)), buffer);
}

/* Raw audio in the output's format: kept whole for compress, else
 * pushed. */
static GstFlowReturn
gst_pollen_tts_take_raw (GstPollenTts * self, GBytes * data)
{
  if (g_bytes_get_size (data) == 0)
    return GST_FLOW_OK;
  if (gst_pollen_tts_compresses (self))
    return gst_pollen_tts_gather (self, data);
  return gst_pollen_tts_push_raw (self, data);
}

/* The server's raw audio, converted when downstream asked for other raw
 * audio. */
static GstFlowReturn
gst_pollen_tts_take_speech (GstPollenTts * self, GBytes * data)
{
  g_autoptr (GBytes) converted = self->convert ?
      pollen_convert_push (self->convert, data) : g_bytes_ref (data);

  return gst_pollen_tts_take_raw (self, converted);
}

/* The end of the audio at one rate (a speech's, or a WAV's within it):
 * what the resampler held back, then compress's gathered speech. */
static GstFlowReturn
gst_pollen_tts_end_audio (GstPollenTts * self)
{
  GstFlowReturn ret;

  if (self->convert) {
    g_autoptr (GBytes) tail = pollen_convert_finish (self->convert);

    if ((ret = gst_pollen_tts_take_raw (self, tail)) != GST_FLOW_OK)
      return ret;
  }
  return gst_pollen_tts_push_gathered (self);
}

static GstFlowReturn
gst_pollen_tts_push_audio (GstPollenTts * self, TtsEntry * entry,
    TtsItem * item)
{
  GstFlowReturn ret;

  if (!self->speech_has_audio) {
    self->speech_has_audio = TRUE;
    self->speech_discont = TRUE;
    gst_pollen_tts_check_deadline (self, entry, caps_are_raw (item->caps));
    /* with the real caps now known, a fill that waited for them */
    if ((ret = gst_pollen_tts_set_caps (self, item->caps)) != GST_FLOW_OK)
      return ret;
    if ((ret = gst_pollen_tts_fill (self, self->speech_start, TRUE)) !=
        GST_FLOW_OK)
      return ret;
  }
  if (self->speech_dropped)
    return GST_FLOW_OK;

  if (!gst_caps_is_equal (self->speech_caps, item->caps)) {
    /* what came at the old rate goes first */
    if ((ret = gst_pollen_tts_end_audio (self)) != GST_FLOW_OK)
      return ret;
    /* another WAV at another rate within the answer: its samples count
     * from where the ones before ended */
    if (self->raw)
      self->speech_start += gst_util_uint64_scale (self->speech_samples,
          GST_SECOND, GST_AUDIO_INFO_RATE (&self->info));
    self->speech_samples = 0;
    self->speech_discont = TRUE;
    if ((ret = gst_pollen_tts_set_caps (self, item->caps)) != GST_FLOW_OK)
      return ret;
  }

  if (self->raw)
    return gst_pollen_tts_take_speech (self, item->data);
  return gst_pollen_tts_push_encoded (self, entry, item->data);
}

/* Encoded speech ends where its length says: what follows (a GAP, the next
 * speech with overflow=shift) starts there, not before. */
static GstFlowReturn
gst_pollen_tts_end_encoded (GstPollenTts * self, GstClockTime length)
{
  if (self->raw || !self->speech_has_audio ||
      !GST_CLOCK_TIME_IS_VALID (self->speech_start) ||
      !GST_CLOCK_TIME_IS_VALID (length))
    return GST_FLOW_OK;
  GST_DEBUG_OBJECT (self, "the speech at %" GST_TIME_FORMAT " plays %"
      GST_TIME_FORMAT, GST_TIME_ARGS (self->speech_start),
      GST_TIME_ARGS (length));
  self->position = time_max (self->position, self->speech_start + length);
  self->speech_length_known = TRUE;
  return GST_FLOW_OK;
}

/* A text too late to play: no request was made; its time is filled by
 * the idle ticks. */
static GstFlowReturn
gst_pollen_tts_skipped (GstPollenTts * self, TtsEntry * entry,
    GstClockTime late)
{
  self->text_end = time_max (self->text_end, entry->pts + entry->duration);
  gst_pollen_filter_report_late (GST_POLLEN_FILTER (self), entry,
      POLLEN_LATE_SKIPPED, late);
  return GST_FLOW_OK;
}

/* The current speech's words, pushed when it is done. */
static GstFlowReturn
gst_pollen_tts_keep_words (GstPollenTts * self, GPtrArray * words)
{
  g_clear_pointer (&self->speech_words, g_ptr_array_unref);
  self->speech_words = g_ptr_array_ref (words);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_pollen_tts_take_item (GstPollenTts * self, TtsEntry * entry,
    TtsItem * item)
{
  switch (item->kind) {
    case ITEM_BEGIN:
      return gst_pollen_tts_begin_speech (self, entry);
    case ITEM_SKIPPED:
      return gst_pollen_tts_skipped (self, entry, item->length);
    case ITEM_LENGTH:
      return gst_pollen_tts_end_encoded (self, item->length);
    case ITEM_WORDS:
      return gst_pollen_tts_keep_words (self, item->words);
    default:
      return gst_pollen_tts_push_audio (self, entry, item);
  }
}

static GstFlowReturn
gst_pollen_tts_handle_item (GstPollenFilter * filter, gpointer data,
    gpointer item)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);
  GstFlowReturn ret = gst_pollen_tts_take_item (self, data, item);

  gst_pollen_tts_share_position (self);
  return ret;
}

/* A text with nothing to say: its time is filled. */
static GstFlowReturn
gst_pollen_tts_handle_silence (GstPollenTts * self, TtsEntry * entry)
{
  GstClockTime start = GST_CLOCK_TIME_IS_VALID (entry->pts) ? entry->pts :
      time_max (self->position,
      gst_pollen_filter_get_segment (GST_POLLEN_FILTER (self))->start);

  if (!GST_CLOCK_TIME_IS_VALID (entry->duration))
    return GST_FLOW_OK;
  gst_pollen_tts_query_upstream (self);
  self->text_end = time_max (self->text_end, start + entry->duration);
  return gst_pollen_tts_fill (self, start + entry->duration,
      self->upstream_live);
}

static GstFlowReturn
gst_pollen_tts_handle_gap (GstPollenTts * self, GstEvent * event)
{
  GstClockTime pts, duration;

  gst_event_parse_gap (event, &pts, &duration);
  if (GST_CLOCK_TIME_IS_VALID (duration))
    pts += duration;
  self->text_end = time_max (self->text_end, pts);
  /* not live: no caps are guessed for a gap before the first speech (a
   * file writer cannot take the rate changing after it), the first
   * speech fills the time before it at its own rate */
  return gst_pollen_tts_fill (self, pts, self->upstream_live);
}

/* GstPollenFilter::src_event: a new segment starts the timeline over, a
 * GAP and EOS are filled up to (the file ends where the last text ends). */
static GstFlowReturn
gst_pollen_tts_src_event (GstPollenFilter * filter, GstEvent * event)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);
  GstFlowReturn ret = GST_FLOW_OK;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:
      gst_pollen_tts_reset_output (self);
      ret = gst_pollen_tts_words_event (self, event);
      break;
    case GST_EVENT_GAP:
      ret = gst_pollen_tts_handle_gap (self, event);
      break;
    case GST_EVENT_EOS:
      ret = gst_pollen_tts_fill (self, self->text_end, TRUE);
      if (ret == GST_FLOW_OK)
        ret = gst_pollen_tts_words_event (self, event);
      break;
    default:
      break;
  }
  if (ret != GST_FLOW_OK) {
    gst_event_unref (event);
    return ret;
  }
  return GST_POLLEN_FILTER_CLASS (parent_class)->src_event (filter, event);
}

/* GstPollenFilter::idle: live, while nothing can be played (an answer is
 * awaited, or no text came), the time up to what must play now is filled
 * with silence, so that a live sink keeps going; speech that comes later
 * starts after it. Not inside a speech that is streaming in. */
static GstFlowReturn
gst_pollen_tts_idle (GstPollenFilter * filter)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);
  GstClockTime horizon = gst_pollen_filter_get_horizon (filter);
  GstFlowReturn ret;

  if (!self->upstream_live || !GST_CLOCK_TIME_IS_VALID (horizon) ||
      (self->speech_open && self->speech_has_audio))
    return GST_FLOW_OK;
  /* the timeline starts where filling does (see fill_origin) */
  if (!GST_CLOCK_TIME_IS_VALID (self->position))
    self->position = gst_pollen_tts_fill_origin (self);
  ret = gst_pollen_tts_fill (self, horizon, TRUE);
  gst_pollen_tts_share_position (self);
  return ret;
}

/* GstPollenFilter::fill: a failed text's time. */
static GstFlowReturn
gst_pollen_tts_fill_failed (GstPollenFilter * filter, gpointer data)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);

  /* what the resampler holds of the failed speech is not played */
  if (self->convert)
    pollen_convert_reset (self->convert);
  self->speech_open = FALSE;
  return gst_pollen_tts_fill (self, self->group_end, TRUE);
}

static gchar *
gst_pollen_tts_describe (GstPollenFilter * filter, gpointer data)
{
  TtsEntry *entry = data;

  return g_strdup_printf ("Speaking the text at %" GST_TIME_FORMAT
      " (\"%s\")", GST_TIME_ARGS (entry->pts), entry->preview);
}

/* Each word of the speech that went out, at the moment it is spoken: from
 * where the speech started, as fast as it played (compress), none past
 * where raw speech was cut. */
static GstFlowReturn
gst_pollen_tts_push_words (GstPollenTts * self)
{
  g_autoptr (GstPad) pad = gst_pollen_tts_get_text_pad (self);
  g_autoptr (GPtrArray) words = g_steal_pointer (&self->speech_words);
  GstClockTime limit = self->raw ? gst_pollen_tts_speech_limit (self) :
      GST_CLOCK_TIME_NONE;
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  if (!pad || !words || self->speech_dropped ||
      !GST_CLOCK_TIME_IS_VALID (self->speech_start))
    return GST_FLOW_OK;
  for (i = 0; i < words->len && ret == GST_FLOW_OK; i++) {
    PollenTimedWord *word = words->pdata[i];
    GstClockTime start = self->speech_start + word->start /
        self->speech_speed;
    GstClockTime end = self->speech_start + word->end / self->speech_speed;

    if (GST_CLOCK_TIME_IS_VALID (limit) && start >= limit)
      break;
    if (GST_CLOCK_TIME_IS_VALID (limit))
      end = MIN (end, limit);
    /* in time order, whatever the server's times say */
    if (GST_CLOCK_TIME_IS_VALID (self->text_position))
      start = MAX (start, self->text_position);
    end = MAX (end, start);
    ret = pollen_text_pad_push (pad, gst_pollen_filter_get_segment
        (GST_POLLEN_FILTER (self)), &self->text_position, word->text, start,
        end - start);
  }
  return ret;
}

static GstFlowReturn
gst_pollen_tts_handle_done (GstPollenFilter * filter, gpointer data)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);
  TtsEntry *entry = data;
  GstFlowReturn ret;

  if (entry->kind == ENTRY_SILENCE)
    return gst_pollen_tts_handle_silence (self, entry);
  if (entry->skipped)
    return GST_FLOW_OK;
  self->speech_open = FALSE;
  if ((ret = gst_pollen_tts_end_audio (self)) != GST_FLOW_OK ||
      (ret = gst_pollen_tts_push_words (self)) != GST_FLOW_OK)
    return ret;
  if (self->speech_cut)
    gst_pollen_filter_report_late (filter, entry, POLLEN_LATE_CUT,
        self->speech_cut);
  /* encoded speech that could not be timed: assume it fit its text */
  if (self->caps && !self->raw && !self->speech_length_known)
    self->position = time_max (self->position, self->group_end);
  gst_pollen_tts_share_position (self);
  return GST_FLOW_OK;
}

/* GstPollenFilter::flush: the output starts over. */
static void
gst_pollen_tts_flush (GstPollenFilter * filter)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);

  gst_clear_caps (&self->caps);
  gst_clear_caps (&self->speech_caps);
  g_clear_pointer (&self->convert, pollen_convert_free);
  self->sent_audio = FALSE;
  g_clear_pointer (&self->gathered, g_byte_array_unref);
  g_clear_pointer (&self->speech_words, g_ptr_array_unref);
  gst_pollen_tts_reset_output (self);
}

/* ---- the sink side ---- */

static gboolean
gst_pollen_tts_set_input_caps (GstPollenFilter * filter, GstCaps * caps)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);
  const gchar *format = gst_structure_get_string (gst_caps_get_structure (caps,
          0), "format");

  self->input_is_markup = g_strcmp0 (format, "pango-markup") == 0;
  GST_DEBUG_OBJECT (self, "input is %s", self->input_is_markup ?
      "pango markup" : "plain text");
  return TRUE;
}

static gboolean
gst_pollen_tts_start (GstPollenFilter * filter)
{
  GstPollenTts *self = GST_POLLEN_TTS (filter);
  gboolean idle_pad;

  self->input_is_markup = FALSE;
  GST_OBJECT_LOCK (self);
  idle_pad = self->text_pad && !self->word_timings;
  GST_OBJECT_UNLOCK (self);
  if (idle_pad)
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("text_src is linked but "
            "word-timings is false, so no word will come on it: set "
            "word-timings=true (with an ElevenLabs model, e.g. "
            "model=elevenlabs)."), (NULL));
  return TRUE;
}

/* ---- the words' request pad ---- */

static GstPad *
gst_pollen_tts_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstPollenTts *self = GST_POLLEN_TTS (element);
  gboolean taken;
  GstPad *pad;

  GST_OBJECT_LOCK (self);
  taken = self->text_pad != NULL;
  GST_OBJECT_UNLOCK (self);
  if (taken) {
    GST_WARNING_OBJECT (self, "there is one text_src pad, asked for already");
    return NULL;
  }
  pad = pollen_text_pad_new (element, templ);
  GST_OBJECT_LOCK (self);
  self->text_pad = gst_object_ref (pad);
  GST_OBJECT_UNLOCK (self);
  return pad;
}

static void
gst_pollen_tts_release_pad (GstElement * element, GstPad * pad)
{
  GstPollenTts *self = GST_POLLEN_TTS (element);

  GST_OBJECT_LOCK (self);
  if (self->text_pad == pad)
    gst_object_unref (g_steal_pointer (&self->text_pad));
  GST_OBJECT_UNLOCK (self);
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

/* ---- properties ---- */

static void
gst_pollen_tts_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPollenTts *self = GST_POLLEN_TTS (object);

  switch (prop_id) {
    case PROP_VOICE:
      pollen_property_replace_string (object, &self->voice, value);
      return;
    case PROP_INSTRUCTIONS:
      pollen_property_replace_string (object, &self->instructions, value);
      return;
    case PROP_RESPONSE_FORMAT:
    case PROP_PCM_RATE:
    case PROP_OVERFLOW:
    case PROP_MAX_LAG:
    case PROP_MAX_SPEED:
    case PROP_WORD_TIMINGS:
      break;
    default:
      G_OBJECT_CLASS (parent_class)->set_property (object, prop_id, value,
          pspec);
      return;
  }

  GST_OBJECT_LOCK (self);
  if (prop_id == PROP_RESPONSE_FORMAT)
    self->response_format = g_value_get_enum (value);
  else if (prop_id == PROP_PCM_RATE)
    self->pcm_rate = g_value_get_uint (value);
  else if (prop_id == PROP_MAX_LAG)
    self->max_lag_ms = g_value_get_int (value);
  else if (prop_id == PROP_MAX_SPEED)
    self->max_speed = g_value_get_double (value);
  else if (prop_id == PROP_WORD_TIMINGS)
    self->word_timings = g_value_get_boolean (value);
  else
    self->overflow = g_value_get_enum (value);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pollen_tts_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPollenTts *self = GST_POLLEN_TTS (object);

  if (prop_id < PROP_VOICE) {
    G_OBJECT_CLASS (parent_class)->get_property (object, prop_id, value,
        pspec);
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VOICE:
      g_value_set_string (value, self->voice);
      break;
    case PROP_RESPONSE_FORMAT:
      g_value_set_enum (value, self->response_format);
      break;
    case PROP_PCM_RATE:
      g_value_set_uint (value, self->pcm_rate);
      break;
    case PROP_INSTRUCTIONS:
      g_value_set_string (value, self->instructions);
      break;
    case PROP_OVERFLOW:
      g_value_set_enum (value, self->overflow);
      break;
    case PROP_MAX_LAG:
      g_value_set_int (value, self->max_lag_ms);
      break;
    case PROP_MAX_SPEED:
      g_value_set_double (value, self->max_speed);
      break;
    case PROP_WORD_TIMINGS:
      g_value_set_boolean (value, self->word_timings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- GObject ---- */

static void
gst_pollen_tts_finalize (GObject * object)
{
  GstPollenTts *self = GST_POLLEN_TTS (object);

  g_free (self->voice);
  g_free (self->instructions);
  gst_clear_caps (&self->caps);
  gst_clear_caps (&self->speech_caps);
  pollen_convert_free (self->convert);
  g_clear_pointer (&self->speech_words, g_ptr_array_unref);
  gst_clear_object (&self->text_pad);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_pollen_tts_init (GstPollenTts * self)
{
  self->voice = g_strdup (DEFAULT_VOICE);
  self->response_format = DEFAULT_RESPONSE_FORMAT;
  self->pcm_rate = DEFAULT_PCM_RATE;
  self->overflow = DEFAULT_OVERFLOW;
  self->max_lag_ms = DEFAULT_MAX_LAG;
  self->max_speed = DEFAULT_MAX_SPEED;
  self->word_timings = DEFAULT_WORD_TIMINGS;
  self->speech_speed = 1.0;
  gst_pollen_tts_reset_output (self);
}

#define PARAM_FLAGS_PLAYING (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | \
    GST_PARAM_MUTABLE_PLAYING)

static void
gst_pollen_tts_install_properties (GObjectClass * klass)
{
  g_object_class_install_property (klass, PROP_VOICE,
      g_param_spec_string ("voice", "Voice",
          "Voice (JSON 'voice'), default alloy, one of the model's own: "
          "tts-1 (the default, OpenAI TTS) has alloy, echo, fable, onyx, "
          "nova, shimmer; elevenlabs (ElevenLabs v3, paid-only) those and "
          "ash, ballad, coral, sage, verse, rachel, domi, bella, elli, "
          "charlotte, dorothy, sarah, emily, lily, matilda, adam, antoni, "
          "arnold, josh, sam, daniel, charlie, james, fin, callum, liam, "
          "george, brian, bill, or a custom voice id; `pollen-info models "
          "audio` lists them. A voice the model lacks is an error naming "
          "its voices. May change while PLAYING: used from the next text on",
          DEFAULT_VOICE, PARAM_FLAGS_PLAYING));
  g_object_class_install_property (klass, PROP_RESPONSE_FORMAT,
      g_param_spec_enum ("response-format", "Response Format",
          "Audio format to ask for (JSON 'response_format'), default wav: "
          "wav and pcm come out as raw audio (pcm is asked as wav, whose "
          "header gives the rate; converted to the format, rate and "
          "channels downstream asks for), the others encoded; what actually "
          "arrives decides the caps. May change while PLAYING: "
          "used from the next text on", POLLEN_TYPE_AUDIO_FORMAT,
          DEFAULT_RESPONSE_FORMAT, PARAM_FLAGS_PLAYING));
  g_object_class_install_property (klass, PROP_PCM_RATE,
      g_param_spec_uint ("pcm-rate", "PCM Rate",
          "Sample rate in Hz of headerless 16-bit mono PCM, should a server "
          "answer that (pcm is asked as wav, whose header says the rate); "
          "0 (default): unknown, played at 24000 with a warning. May change "
          "while PLAYING: used from the next text on", 0, 768000,
          DEFAULT_PCM_RATE, PARAM_FLAGS_PLAYING));
  g_object_class_install_property (klass, PROP_INSTRUCTIONS,
      g_param_spec_string ("instructions", "Instructions",
          "How to speak, e.g. \"calm, slow\" (JSON 'instructions', sent only "
          "when set; only some models take it, the others answer 400). "
          "Default unset. May change while PLAYING: used from the next text "
          "on", NULL, PARAM_FLAGS_PLAYING));
  g_object_class_install_property (klass, PROP_OVERFLOW,
      g_param_spec_enum ("overflow", "Overflow",
          "What to do when speech is longer than its text's duration "
          "(clip: raw output only), default shift. May change while "
          "PLAYING: used from the next speech on", GST_TYPE_POLLEN_TTS_OVERFLOW,
          DEFAULT_OVERFLOW, PARAM_FLAGS_PLAYING));
  g_object_class_install_property (klass, PROP_MAX_LAG,
      g_param_spec_int ("max-lag", "Max Lag",
          "Live, with overflow=shift or compress and raw output: "
          "milliseconds speech may run past its text's end (so the next "
          "speech starts at most that late); what would run further is cut, "
          "a speech that cannot start by then is dropped, and a text whose "
          "speech could no longer start by then is not requested, each told "
          "in the late warnings. -1 (default): the latency property. May "
          "change while PLAYING: used from the next speech on", -1, 600000,
          DEFAULT_MAX_LAG, PARAM_FLAGS_PLAYING));
  g_object_class_install_property (klass, PROP_MAX_SPEED,
      g_param_spec_double ("max-speed", "Max Speed",
          "With overflow=compress: how much faster than spoken speech may "
          "be played (pitch kept) to fit its text, default 1.5; what still "
          "does not fit is shifted. May change while PLAYING: used from the "
          "next speech on", 1.0, 4.0, DEFAULT_MAX_SPEED,
          PARAM_FLAGS_PLAYING));
  g_object_class_install_property (klass, PROP_WORD_TIMINGS,
      g_param_spec_boolean ("word-timings", "Word Timings",
          "Ask for the timing of each word (/v1/audio/speech/with-timestamps, "
          "ElevenLabs models only: elevenlabs, elevenflash, "
          "eleven-multilingual-v2) and push each word on the text_src "
          "request pad at the moment it is spoken; the speech on src is the "
          "same. Default false. May change while PLAYING: used from the next "
          "text on", DEFAULT_WORD_TIMINGS, PARAM_FLAGS_PLAYING));
}

static void
gst_pollen_tts_class_init_filter (GstPollenFilterClass * filter_class)
{
  filter_class->default_model = DEFAULT_MODEL;
  filter_class->model_blurb = "Speech model (JSON 'model'), default tts-1 "
      "(OpenAI TTS, not paid-only, 24 kHz); elevenlabs is ElevenLabs v3 "
      "(paid-only, 44.1 kHz); raw audio takes the rate from the WAV "
      "header, whatever the model";
  filter_class->default_timeout = DEFAULT_TIMEOUT;
  filter_class->default_max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  filter_class->default_latency_ms = DEFAULT_LATENCY_MS;
  filter_class->latency_blurb = "speech that comes later is shifted with a "
      "warning";
  filter_class->untimed_hint = "Put subparse (for subtitle files) or "
      "another source of timed text in front of pollentts.";
  filter_class->data_free = (GDestroyNotify) tts_entry_free;
  filter_class->item_free = (GDestroyNotify) tts_item_free;

  filter_class->start = GST_DEBUG_FUNCPTR (gst_pollen_tts_start);
  filter_class->flush = GST_DEBUG_FUNCPTR (gst_pollen_tts_flush);
  filter_class->set_caps = GST_DEBUG_FUNCPTR (gst_pollen_tts_set_input_caps);
  filter_class->chain = GST_DEBUG_FUNCPTR (gst_pollen_tts_chain);
  filter_class->run_job = GST_DEBUG_FUNCPTR (gst_pollen_tts_run_job);
  filter_class->handle_item = GST_DEBUG_FUNCPTR (gst_pollen_tts_handle_item);
  filter_class->handle_done = GST_DEBUG_FUNCPTR (gst_pollen_tts_handle_done);
  filter_class->src_event = GST_DEBUG_FUNCPTR (gst_pollen_tts_src_event);
  filter_class->fill = GST_DEBUG_FUNCPTR (gst_pollen_tts_fill_failed);
  filter_class->idle = GST_DEBUG_FUNCPTR (gst_pollen_tts_idle);
  filter_class->describe = GST_DEBUG_FUNCPTR (gst_pollen_tts_describe);
  gst_pollen_filter_class_setup (filter_class);
}

static void
gst_pollen_tts_class_init (GstPollenTtsClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_pollen_tts_set_property;
  gobject_class->get_property = gst_pollen_tts_get_property;
  gobject_class->finalize = gst_pollen_tts_finalize;

  gst_pollen_tts_class_init_filter (GST_POLLEN_FILTER_CLASS (klass));
  gst_pollen_tts_install_properties (gobject_class);
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class,
      &text_src_template);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_pollen_tts_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_pollen_tts_release_pad);
  gst_element_class_set_static_metadata (element_class,
      "Pollinations text to speech", "Audio/Text/Filter",
      "Speaks timed text with the Pollinations API, in sync with the text's "
      "timestamps", "gst-pollen contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pollen_tts_debug, "pollentts", 0,
      "Pollinations text to speech");
  gst_type_mark_as_plugin_api (GST_TYPE_POLLEN_TTS_OVERFLOW, 0);
  gst_type_mark_as_plugin_api (POLLEN_TYPE_AUDIO_FORMAT, 0);
}
