/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One event of a chat stream is a few hundred bytes; a megabyte without an
 * end is a broken or hostile server, not a long answer. */
#define POLLEN_SSE_MAX_EVENT (1024 * 1024)

/**
 * PollenSseEvent:
 * @event: the event type, "message" when the stream named none
 * @data: the data lines joined with "\n" (NUL-terminated, may hold NULs)
 * @data_size: length of @data in bytes
 * @id: (nullable): the last event id the stream set
 */
typedef struct
{
  gchar *event;
  gchar *data;
  gsize data_size;
  gchar *id;
} PollenSseEvent;

void pollen_sse_event_free (PollenSseEvent * event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenSseEvent, pollen_sse_event_free)

/**
 * PollenSseParser:
 *
 * A text/event-stream parser fed bytes as they arrive, split anywhere:
 * LF, CRLF and CR line ends, comments, multi-line data. Complete events
 * are taken with pollen_sse_parser_pop(). Not thread-safe.
 */
typedef struct _PollenSseParser PollenSseParser;

PollenSseParser * pollen_sse_parser_new (gsize max_event_size);
void              pollen_sse_parser_free (PollenSseParser * parser);
gboolean          pollen_sse_parser_feed (PollenSseParser * parser,
                                          const gchar * data, gsize size,
                                          GError ** error);
void              pollen_sse_parser_finish (PollenSseParser * parser);
PollenSseEvent *  pollen_sse_parser_pop (PollenSseParser * parser);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenSseParser, pollen_sse_parser_free)

G_END_DECLS
