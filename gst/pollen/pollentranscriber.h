/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include "pollenclient.h"

G_BEGIN_DECLS

/* The input every realtime session takes: PCM16 mono at 24 kHz. */
#define POLLEN_TRANSCRIBER_RATE 24000

/**
 * PollenTranscriberConfig:
 * @language: (nullable): ISO 639-1, the first of the session's languages
 * @prompt: (nullable): what the speech is about
 * @vad_threshold: the server's voice detection, 0–1
 * @silence_ms: the pause that ends an utterance
 * @onset_db: the level (dBFS) above which a 10 ms frame is speech, for
 *   where an utterance starts
 * @timeout_s: how long the last transcript is waited for at the end
 */
typedef struct
{
  const gchar *language;
  const gchar *prompt;
  gdouble vad_threshold;
  guint silence_ms;
  gdouble onset_db;
  guint timeout_s;
} PollenTranscriberConfig;

typedef enum
{
  POLLEN_TRANSCRIPTION_DELTA,   /* words the server just heard */
  POLLEN_TRANSCRIPTION_COMPLETED,       /* an utterance's whole transcript */
  POLLEN_TRANSCRIPTION_WARNING, /* something to tell the user; the session
                                 * goes on */
} PollenTranscriptionKind;

/**
 * PollenTranscription:
 * @text: the words (DELTA), the transcript (COMPLETED), or the warning
 * @pts: where the words are in the stream (DELTA: from the end of the
 *   words before them or the utterance's start, to the audio sent when
 *   they came; COMPLETED: the utterance)
 * @duration: how long they span
 * @item_id: the utterance's id in the session
 * @event: COMPLETED: the server's event, as JSON
 * @matches: COMPLETED: the deltas said the same, word for word
 *
 * What the session makes of the server's events, handed to the owner in
 * the order they came.
 */
typedef struct
{
  PollenTranscriptionKind kind;
  gchar *text;
  GstClockTime pts;
  GstClockTime duration;
  gchar *item_id;
  gchar *event;
  gboolean matches;
} PollenTranscription;

void pollen_transcription_free (PollenTranscription * transcription);

typedef void (*PollenTranscriptionFunc) (PollenTranscription * transcription,
    gpointer user_data);

/**
 * PollenTranscriber:
 *
 * A realtime transcription (`GET /v1/realtime?model=scribe-realtime`):
 * audio in as it comes, words out as the server hears them. The owner's
 * streaming thread appends audio with its stream time and never waits on
 * the network; a worker runs the session (pollen_transcriber_run()), which
 * opens it, sends what came meanwhile and hands every delta to the owner
 * at once, timed at the audio it belongs to, until
 * pollen_transcriber_finish() asked for the end and the last transcript
 * came (or the timeout passed). Reference counted: a flushing owner lets
 * go of a session its cancelled worker may still be leaving.
 */
typedef struct _PollenTranscriber PollenTranscriber;

PollenTranscriber * pollen_transcriber_new (const PollenTranscriberConfig * config);
PollenTranscriber * pollen_transcriber_ref (PollenTranscriber * transcriber);
void      pollen_transcriber_unref (PollenTranscriber * transcriber);
void      pollen_transcriber_append (PollenTranscriber * transcriber,
                                     GBytes * pcm, GstClockTime pts,
                                     gboolean live);
void      pollen_transcriber_finish (PollenTranscriber * transcriber);
gboolean  pollen_transcriber_run (PollenTranscriber * transcriber,
                                  PollenClient * client, const gchar * model,
                                  const GstStructure * extra,
                                  PollenTranscriptionFunc emit,
                                  gpointer user_data,
                                  GCancellable * cancellable,
                                  GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenTranscriber, pollen_transcriber_unref)

G_END_DECLS
