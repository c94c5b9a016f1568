/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include "pollensse.h"

G_BEGIN_DECLS

/**
 * PollenChatUsage:
 *
 * Token counts of the usage chunk; -1 for a count the server did not give.
 */
typedef struct
{
  gint64 prompt_tokens;
  gint64 completion_tokens;
  gint64 total_tokens;
} PollenChatUsage;

/* Called with each non-empty text delta, in order, as it arrives. */
typedef void (*PollenChatDeltaFunc) (const gchar * delta, gpointer user_data);

/**
 * PollenChatStream:
 *
 * Reads the answer of POST /v1/chat/completions: an SSE stream of
 * chat.completion.chunk events, or one JSON chat.completion or error body
 * (told apart by the first bytes, the Content-Type only where they do
 * not tell). Errors are in the %POLLEN_CLIENT_ERROR domain.
 */
typedef struct _PollenChatStream PollenChatStream;

PollenChatStream * pollen_chat_stream_new (const gchar * content_type,
                                           const gchar * request_id,
                                           PollenChatDeltaFunc func,
                                           gpointer user_data);
void               pollen_chat_stream_free (PollenChatStream * stream);
gboolean           pollen_chat_stream_feed (PollenChatStream * stream,
                                            const gchar * data, gsize size,
                                            GError ** error);
gboolean           pollen_chat_stream_finish (PollenChatStream * stream,
                                              GError ** error);
gboolean           pollen_chat_stream_finish_after (PollenChatStream * stream,
                                                    const GError * cause,
                                                    GError ** error);
gboolean           pollen_chat_stream_is_done (PollenChatStream * stream);
guint64            pollen_chat_stream_get_events (PollenChatStream * stream);
const gchar *      pollen_chat_stream_get_text (PollenChatStream * stream);
const gchar *      pollen_chat_stream_get_finish_reason (PollenChatStream * stream);
const gchar *      pollen_chat_stream_get_model (PollenChatStream * stream);
gboolean           pollen_chat_stream_get_usage (PollenChatStream * stream,
                                                 PollenChatUsage * usage);
gchar *            pollen_chat_stream_dup_warning (PollenChatStream * stream,
                                                   const gchar * key);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenChatStream, pollen_chat_stream_free)

G_END_DECLS
