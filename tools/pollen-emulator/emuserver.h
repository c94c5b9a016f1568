/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Private to the emulator: what the default endpoint handlers share with
 * the server core. Handlers run in the emulator's thread. */

#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include "pollenemulator.h"
#include "emuwav.h"

G_BEGIN_DECLS

/* Answers a request no script answered. */
typedef void (*EmuHandler) (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);

void emu_send (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorResponse * response);
/* A message kept paused while its answer is made later (pollenemulator.c) */
typedef struct _EmuHeld EmuHeld;
EmuHeld *emu_hold (PollenEmulator * emulator, SoupServerMessage * msg);
SoupServerMessage *emu_release (EmuHeld * held);
/* An answer made in a worker thread, sent from the emulator's. */
typedef GBytes *(*EmuMakeFunc) (gpointer data, GError ** error);
typedef void (*EmuAnswerFunc) (gpointer data, SoupServerMessage * msg,
    GBytes * body, const GError * error);
void emu_answer_later (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuMakeFunc make, EmuAnswerFunc answer, gpointer data,
    GDestroyNotify free);
void emu_send_bytes (PollenEmulator * emulator, SoupServerMessage * msg,
    guint status, const gchar * content_type, GBytes * body);
void emu_send_error (PollenEmulator * emulator, SoupServerMessage * msg,
    guint status, const gchar * code, const gchar * message);
PollenEmulatorResponse *emu_upstream_error_new (guint status,
    const gchar * code, const gchar * message);
PollenEmulatorResponse *emu_validation_error_new (const gchar * field,
    const gchar * problem);
gboolean emu_check_key (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);
const gchar *emu_request_key (PollenEmulatorRequest * request);
const gchar *emu_authenticate (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request,
    const gchar * missing_message);
gboolean emu_query_uint (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * name, guint min, guint max,
    guint default_value, guint * value);
gint64 emu_query_seed (PollenEmulatorRequest * request);

/* emujson.c: a posted JSON object, read leniently */
JsonNode *emu_json_parse_body (PollenEmulatorRequest * request);
const gchar *emu_json_get_string (JsonObject * object, const gchar * name);
JsonObject *emu_json_get_object (JsonObject * object, const gchar * name);
JsonArray *emu_json_get_array (JsonObject * object, const gchar * name);
gboolean emu_json_get_number (JsonObject * object, const gchar * name,
    gdouble * number);
gboolean emu_json_get_boolean (JsonObject * object, const gchar * name,
    gboolean * value);

/* Placeholder speech or music for @text in @format ("mp3", "wav" …), at
 * the rate the real server uses for @model. */
GBytes *emu_audio_for_text (const gchar * text, const gchar * model,
    gint64 seed, guint duration_s, const gchar * format,
    const gchar ** content_type, GError ** error);
guint emu_speech_rate_for_model (const gchar * model);

/* The model lists (emumodels.c) */
typedef enum
{
  EMU_MODELS_IMAGE,             /* pictures and video: /image/models */
  EMU_MODELS_AUDIO,             /* speech, music, transcription */
  EMU_MODELS_TEXT,
} EmuModelList;

JsonObject *emu_models_find (EmuModelList list, const gchar * name);
gboolean emu_models_check (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuModelList list, const gchar * name, JsonObject ** model);
gboolean emu_models_has_voice (JsonObject * model, const gchar * voice);
gint64 emu_models_get_int (JsonObject * model, const gchar * name,
    gint64 fallback);
gchar *emu_models_resolve_audio (const gchar * name);
gboolean emu_model_is_music (const gchar * model);
void emu_add_media_headers (PollenEmulatorResponse * response,
    PollenEmulatorRequest * request, const gchar * model,
    const gchar * extension);
/* The server's default speech model (DEFAULT_AUDIO_MODEL): not paid-only */
#define EMU_SPEECH_DEFAULT_MODEL "openai/tts-1"
gboolean emu_check_speech_model (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request,
    const gchar * asked, const gchar * voice, JsonObject ** entry);
/* The JSON body of a speech request, read and checked (emuspeech.c): the
 * strings point into @root. */
typedef struct
{
  JsonNode *root;
  const gchar *input;
  const gchar *model;
  const gchar *voice;
  const gchar *format;
  const gchar *instructions;
} EmuSpeechBody;

gboolean emu_speech_body_read (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request,
    EmuSpeechBody * body);
void emu_speech_body_clear (EmuSpeechBody * body);

/* Speech (or music) of @text answered as the real server streams it. */
void emu_send_audio (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * text, const gchar * model,
    const gchar * format, guint duration_s, gint64 seed);

/* The account limits (emulimits.c). */
typedef struct _EmuLimits EmuLimits;

EmuLimits *emu_limits_new (void);
void emu_limits_free (EmuLimits * limits);
void emu_limits_set_free_account (EmuLimits * limits, gboolean free_account);
gboolean emu_limits_get_free_account (EmuLimits * limits);
void emu_limits_set_model_rate (EmuLimits * limits, const gchar * model,
    guint requests, guint window_ms);
gboolean emu_limits_admit_model (EmuLimits * limits,
    PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * model);
gboolean emu_free_account (PollenEmulator * emulator);
gboolean emu_admit_model (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, JsonObject * model);
void emu_limits_set_rate (EmuLimits * limits, guint requests,
    guint window_ms);
guint emu_limits_get_refusals (EmuLimits * limits);
gboolean emu_limits_admit (EmuLimits * limits, PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);

/* Default handlers. */
/* emumodels.c */
void emu_handle_models (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);
void emu_handle_image (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);
void emu_handle_audio (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);
/* The size a picture model makes when asked for @width x @height; what
 * kind of model an entry of the image list is (emugenerate.c). */
void emu_picture_frame (const gchar * model, guint * width, guint * height);
gboolean emu_model_is_video (JsonObject * entry);
gboolean emu_model_is_gpt_image (const gchar * model);
/* emuedit.c */
void emu_handle_image_edit (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_speech (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);
void emu_handle_transcriptions (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
/* emuaccount.c */
void emu_handle_account_key (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_account_profile (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_account_balance (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_account_usage (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_account_usage_daily (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_chat (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);
void emu_handle_text (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);

/* A multipart/form-data body: fields by name (repeated names joined with
 * ","), and the one part that has a filename. */
typedef struct
{
  GHashTable *fields;
  gchar *file_field;
  gchar *file_name;
  gchar *file_type;
  GBytes *file;
} EmuForm;

EmuForm *emu_form_parse (PollenEmulatorRequest * request, GError ** error);
const gchar *emu_form_get (EmuForm * form, const gchar * name);
void emu_form_free (EmuForm * form);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuForm, emu_form_free)

/* The energy of uploaded audio (emutranscribe.c): whether each 10 ms
 * frame of a WAV's first channel has sound in it, runs of sound in it, and
 * the check that an upload is a WAV the emulator reads. */
typedef struct
{
  gsize start;                  /* in frames */
  gsize end;
} EmuRun;

GArray *emu_voiced_frames (const guint8 * data, const EmuWavInfo * info,
    gsize frames_total, guint frame_len);
GArray *emu_find_runs (GArray * voiced, gsize from, gsize to, gsize gap);
gboolean emu_check_wav (PollenEmulator * emulator, SoupServerMessage * msg,
    const gchar * field, GBytes * file, EmuWavInfo * info);

/* Voices cleaned and changed, speech with its timing (emuvoice.c) */
void emu_handle_voice_isolator (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_voice_changer (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_handle_speech_timestamps (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request);
void emu_send_error_details (PollenEmulator * emulator,
    SoupServerMessage * msg, guint status, const gchar * code,
    const gchar * message, JsonNode * details);

/* Realtime sessions: emurealtime.c, and their registry in the core */
void emu_handle_realtime (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request);
void emu_realtime_session (SoupServer * server, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * connection,
    gpointer user_data);
void emu_realtime_end_all (PollenEmulator * emulator, gushort code,
    const gchar * reason);
guint emu_realtime_track (PollenEmulator * emulator, gpointer session);
void emu_realtime_forget (PollenEmulator * emulator, gpointer session);
GPtrArray *emu_realtime_sessions (PollenEmulator * emulator);
void emu_realtime_record (PollenEmulator * emulator, const gchar * type,
    const gchar * text, gsize size);
void emu_realtime_record_sent (PollenEmulator * emulator, const gchar * type,
    const gchar * text);
guint emu_generation_ms (PollenEmulator * emulator);
guint emu_realtime_hold_ms (PollenEmulator * emulator);
guint emu_realtime_lag_ms (PollenEmulator * emulator);

G_END_DECLS
