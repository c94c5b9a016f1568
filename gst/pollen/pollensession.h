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

/**
 * PollenSession:
 *
 * A realtime session: `GET /v1/realtime?model=…` upgraded to a WebSocket
 * that speaks the OpenAI Realtime protocol (JSON events both ways), opened
 * by the client with the settings of its HTTP requests (base URL, key in
 * the Authorization header only, proxy, TLS, extra headers, retries).
 *
 * It runs in a thread of its own, which owns the connection: what the
 * owner sends is queued and written from there, so a streaming thread
 * never waits on the network; the server's events are handed to the
 * owner's callbacks from there. A connection that drops (no close frame,
 * "going away", "try again later") is opened again, up to the client's
 * retries, and what was queued meanwhile (bounded) goes out then, after
 * the setup event; a close with another code ends the session with an
 * error that quotes the server's reason.
 */
typedef struct _PollenSession PollenSession;

/**
 * PollenSessionCallbacks:
 * @event: a server event (an object with a "type")
 * @reconnected: the connection dropped and is back after @gap_us; the
 *   oldest @dropped_bytes of what was queued meanwhile were dropped
 * @problem: something the server sent could not be read (not JSON, not
 *   text); the session goes on
 * @ended: the session is over: @error says why, %NULL after
 *   pollen_session_close()
 *
 * Called from the session's thread, never after pollen_session_free().
 */
typedef struct
{
  void (*event) (PollenSession * session, JsonObject * event,
      gpointer user_data);
  void (*reconnected) (PollenSession * session, gint64 gap_us,
      gsize dropped_bytes, gpointer user_data);
  void (*problem) (PollenSession * session, const GError * error,
      gpointer user_data);
  void (*ended) (PollenSession * session, const GError * error,
      gpointer user_data);
} PollenSessionCallbacks;

PollenSession * pollen_session_open (PollenClient * client,
                                     PollenRequest * request,
                                     const PollenSessionCallbacks * callbacks,
                                     gpointer user_data,
                                     GCancellable * cancellable,
                                     GError ** error);
PollenSession * pollen_session_start (PollenClient * client,
                                      PollenRequest * request,
                                      const PollenSessionCallbacks * callbacks,
                                      gpointer user_data);
void            pollen_session_set_setup (PollenSession * session,
                                          JsonObject * event);
void            pollen_session_send (PollenSession * session,
                                     JsonObject * event);
void            pollen_session_append_audio (PollenSession * session,
                                             const guint8 * pcm, gsize size);
void            pollen_session_close (PollenSession * session);
void            pollen_session_free (PollenSession * session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenSession, pollen_session_free)

G_END_DECLS
