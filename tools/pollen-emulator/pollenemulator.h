/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * PollenEmulator:
 *
 * A local implementation of the Pollinations API on a SoupServer bound to
 * 127.0.0.1, served from its own thread. Tests script responses per path
 * prefix and read back every request; anything not scripted is answered by
 * the default handlers with placeholder media of the sizes and shapes the
 * real models answer (docs/architecture.md, "Tests"): quality-90 JPEGs of
 * the asked size that do not compress away (0.23-0.42 MB at 1024x1024),
 * GPT Image's transparent background as a PNG with alpha (2-4 MB), video
 * models' clips as H.264 in MP4 with moov first (720p at about 5 Mbit/s).
 * Pictures and clips are made in a worker thread, once per process.
 *
 * How bodies travel is set with pollen_emulator_set_chunked() (every body
 * chunked, without Content-Length) and pollen_emulator_set_pace() (bodies
 * at N MB/s, in 10 ms pieces). A scripted answer keeps its shape under
 * both: its delay, its own chunks (@chunk_size) and a hang as they are;
 * a Content-Length header it sets is kept; raw and cut-short (@drop_after)
 * answers are written at once.
 *
 * Chat (POST /v1/chat/completions, GET /text/{prompt}) answers a
 * placeholder reply of several sentences that repeat the system prompt,
 * the number of earlier exchanges and the last one, the input, and for an
 * image_url part (a base64 JPEG data: URI) the picture's "WxH" and dominant
 * colour; max_tokens counts words. Streamed replies drip in small chunks.
 * Special chat models:
 * - "emu-json-only": one JSON chat.completion even for stream: true
 * - "emu-stream-error": two words, then an in-stream error event
 *   ({"error":{"message","type":"server_error","code":502}}), no [DONE]
 * - "emu-empty-stream": a stream with no text at all, then [DONE]
 * - "emu-usage-missing": the whole reply and its finish chunk, then the
 *   gateway's {"error":{"code":"usage_missing",…}} where the usage chunk
 *   and [DONE] would be (text/chat/usage.ts)
 * - "emu-finish-error": the first sentence, then a choice ending with
 *   finish_reason "error" and its "error" (text/streamStart.ts), then
 *   usage_missing
 * - "emu-reasoning", "emu-tool-calls": reasoning_content deltas before and
 *   between the words, or a tool_calls delta before them
 */
typedef struct _PollenEmulator PollenEmulator;

/**
 * PollenEmulatorResponse:
 * @status: HTTP status
 * @body: body bytes, or %NULL
 * @delay_ms: wait this long before answering
 * @chunk_size: when > 0, send the body chunked, this many bytes a chunk
 *   (dripped under a known size instead when a Content-Length header was
 *   added)
 * @chunk_interval_ms: pause between two chunks
 * @drop_after: when >= 0, announce the whole body in Content-Length but
 *   close the connection after this many body bytes
 * @hang: never answer (the connection stays open until the emulator stops)
 * @raw: when set, write exactly these bytes on the connection and close it
 *   (status line and headers included): oversized headers, broken chunk
 *   framing, anything a correct server would not send; with @chunk_size,
 *   dripped that many bytes every @chunk_interval_ms (headers a line a
 *   second)
 * @keep_alive_ms: when > 0, the body does not end: after it an SSE comment
 *   (": keep-alive") goes every this many milliseconds until the client
 *   goes away, as a proxy keeping an idle event stream open does
 *
 * A scripted answer, queued with pollen_emulator_push().
 */
typedef struct
{
  guint status;
  GBytes *body;
  guint delay_ms;
  gsize chunk_size;
  guint chunk_interval_ms;
  gssize drop_after;
  gboolean hang;
  GBytes *raw;
  guint keep_alive_ms;

  /*< private >*/
  GPtrArray *headers;           /* name, value, name, value … */
} PollenEmulatorResponse;

/**
 * PollenEmulatorRequest:
 * @method: "GET", "POST" …
 * @path: the decoded path, byte for byte as the client meant it (libsoup
 *   decodes it; see pollen_test_raw_server_new() for the bytes on the wire)
 * @raw_query: the query as it was on the wire, or %NULL
 * @query: decoded query parameters, name → value
 * @headers: request headers, lower-case name → value
 * @body: request body (may be empty)
 * @client_port: the client's port: two requests with the same one came on
 *   one connection
 *
 * A request as the emulator received it.
 */
typedef struct
{
  gchar *method;
  gchar *path;
  gchar *raw_query;
  GHashTable *query;
  GHashTable *headers;
  GBytes *body;
  guint client_port;

  /*< private >*/
  gint refcount;
} PollenEmulatorRequest;

PollenEmulator * pollen_emulator_new (guint port, GError ** error);
void             pollen_emulator_free (PollenEmulator * emulator);
const gchar *    pollen_emulator_get_url (PollenEmulator * emulator);
guint            pollen_emulator_get_port (PollenEmulator * emulator);

PollenEmulatorResponse * pollen_emulator_response_new (guint status,
                                                       const gchar * content_type,
                                                       gconstpointer body,
                                                       gssize size);
PollenEmulatorResponse * pollen_emulator_response_new_json (guint status,
                                                            const gchar * json);
PollenEmulatorResponse * pollen_emulator_response_new_raw (gconstpointer bytes,
                                                           gssize size);
PollenEmulatorResponse * pollen_emulator_response_new_error (guint status,
                                                             const gchar * code,
                                                             const gchar * message);
PollenEmulatorResponse * pollen_emulator_response_new_upstream_error (guint status,
                                                                      const gchar * code,
                                                                      const gchar * message,
                                                                      guint upstream_status,
                                                                      const gchar * upstream_host,
                                                                      const gchar * upstream_body);
void pollen_emulator_response_add_header (PollenEmulatorResponse * response,
                                          const gchar * name,
                                          const gchar * value);
void pollen_emulator_response_free (PollenEmulatorResponse * response);

void pollen_emulator_push (PollenEmulator * emulator,
                           const gchar * path_prefix,
                           PollenEmulatorResponse * response);
void pollen_emulator_clear_script (PollenEmulator * emulator);

void  pollen_emulator_set_free_account (PollenEmulator * emulator,
                                       gboolean free_account);
void  pollen_emulator_set_rate_limit (PollenEmulator * emulator,
                                     guint requests, guint window_ms);
void  pollen_emulator_set_model_rate_limit (PollenEmulator * emulator,
                                           const gchar * model,
                                           guint requests, guint window_ms);
void  pollen_emulator_set_generation_time (PollenEmulator * emulator,
                                          guint ms);
void  pollen_emulator_set_realtime_lag (PollenEmulator * emulator,
                                        guint ms);
void  pollen_emulator_set_chunked (PollenEmulator * emulator,
                                   gboolean chunked);
void  pollen_emulator_set_pace (PollenEmulator * emulator,
                                gdouble megabytes_per_second);
guint pollen_emulator_get_refusal_count (PollenEmulator * emulator);
gdouble pollen_emulator_get_audio_seconds (PollenEmulator * emulator);

guint                   pollen_emulator_get_request_count (PollenEmulator * emulator);
void                    pollen_emulator_clear_requests (PollenEmulator * emulator);
PollenEmulatorRequest * pollen_emulator_wait_request (PollenEmulator * emulator,
                                                      guint index,
                                                      guint timeout_ms);
PollenEmulatorRequest * pollen_emulator_request_ref (PollenEmulatorRequest * request);
void                    pollen_emulator_request_unref (PollenEmulatorRequest * request);
const gchar *           pollen_emulator_request_get_header (PollenEmulatorRequest * request,
                                                            const gchar * name);
const gchar *           pollen_emulator_request_get_query (PollenEmulatorRequest * request,
                                                           const gchar * name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenEmulatorRequest, pollen_emulator_request_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenEmulatorResponse, pollen_emulator_response_free)

/* Realtime sessions (GET /v1/realtime, /realtime) */
guint    pollen_emulator_get_realtime_session_count (PollenEmulator * emulator);
gchar *  pollen_emulator_realtime_wait_event (PollenEmulator * emulator,
                                              const gchar * type,
                                              guint timeout_ms);
gchar *  pollen_emulator_realtime_wait_sent (PollenEmulator * emulator,
                                             const gchar * type,
                                             guint timeout_ms,
                                             gint64 * sent_us);
void     pollen_emulator_realtime_drop (PollenEmulator * emulator);
void     pollen_emulator_realtime_close (PollenEmulator * emulator,
                                         gushort code, const gchar * reason);
void     pollen_emulator_realtime_hold_replies (PollenEmulator * emulator,
                                                guint after_ms);

G_END_DECLS
