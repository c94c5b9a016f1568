/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Server-Sent Events (the WHATWG "event stream" format), fed bytes exactly
 * as they arrive, so an event or a UTF-8 character may be split anywhere.
 * The chat completion reader on top of it is pollenchatstream.c. */

#include "pollensse.h"
#include "pollenerror.h"

#include <string.h>

/* ---- the event-stream parser ---- */

struct _PollenSseParser
{
  gsize max_size;
  GString *line;                /* the line being read */
  GString *data;                /* data lines of the event, each + "\n" */
  gboolean has_data;
  gchar *event;                 /* event type of the event being read */
  gchar *id;                    /* last event id: it outlives its event */
  gboolean skip_lf;             /* the last line ended in CR: an LF next
                                 * belongs to it (CRLF split across reads) */
  guint bom_size;               /* bytes of a leading BOM read so far */
  gboolean past_bom;            /* the stream's first bytes are behind */
  gboolean failed;
  GQueue ready;                 /* PollenSseEvent */
};

void
pollen_sse_event_free (PollenSseEvent * event)
{
  if (!event)
    return;
  g_free (event->event);
  g_free (event->data);
  g_free (event->id);
  g_free (event);
}

/**
 * pollen_sse_parser_new:
 * @max_event_size: the most bytes one event (its lines together) may take,
 *   e.g. %POLLEN_SSE_MAX_EVENT
 */
PollenSseParser *
pollen_sse_parser_new (gsize max_event_size)
{
  PollenSseParser *parser = g_new0 (PollenSseParser, 1);

  parser->max_size = max_event_size;
  parser->line = g_string_new (NULL);
  parser->data = g_string_new (NULL);
  g_queue_init (&parser->ready);
  return parser;
}

void
pollen_sse_parser_free (PollenSseParser * parser)
{
  if (!parser)
    return;
  g_string_free (parser->line, TRUE);
  g_string_free (parser->data, TRUE);
  g_free (parser->event);
  g_free (parser->id);
  g_queue_clear_full (&parser->ready, (GDestroyNotify) pollen_sse_event_free);
  g_free (parser);
}

/* A blank line ends an event; one without data is dropped (as the spec
 * says), its type forgotten. */
static void
pollen_sse_parser_dispatch (PollenSseParser * parser)
{
  PollenSseEvent *event;

  if (parser->has_data) {
    event = g_new0 (PollenSseEvent, 1);
    /* the last data line's "\n" is no part of the data */
    g_string_truncate (parser->data, parser->data->len - 1);
    event->data_size = parser->data->len;
    event->data = g_memdup2 (parser->data->str, parser->data->len + 1);
    event->event = g_strdup (parser->event ? parser->event : "message");
    event->id = g_strdup (parser->id);
    g_queue_push_tail (&parser->ready, event);
  }
  g_string_truncate (parser->data, 0);
  parser->has_data = FALSE;
  g_clear_pointer (&parser->event, g_free);
}

static void
pollen_sse_parser_field (PollenSseParser * parser, const gchar * name,
    const gchar * value, gsize value_size)
{
  if (g_str_equal (name, "data")) {
    g_string_append_len (parser->data, value, value_size);
    g_string_append_c (parser->data, '\n');
    parser->has_data = TRUE;
  } else if (g_str_equal (name, "event")) {
    g_free (parser->event);
    parser->event = g_strndup (value, value_size);
  } else if (g_str_equal (name, "id") && !memchr (value, '\0', value_size)) {
    g_free (parser->id);
    parser->id = g_strndup (value, value_size);
  }
  /* "retry" and unknown fields mean nothing to a one-shot reader */
}

/* One line without its line end: a blank line, a comment (":" first, the
 * keep-alives of proxies), or "name: value" (one space after the colon
 * is dropped; a line without a colon is a name with an empty value). */
static void
pollen_sse_parser_line (PollenSseParser * parser)
{
  const gchar *line = parser->line->str;
  gsize size = parser->line->len;
  const gchar *colon = memchr (line, ':', size);
  g_autofree gchar *name = NULL;
  const gchar *value = line + size;

  if (size == 0) {
    pollen_sse_parser_dispatch (parser);
    return;
  }
  if (colon == line)
    return;
  if (colon) {
    value = colon + 1;
    if (value < line + size && *value == ' ')
      value++;
  }
  name = g_strndup (line, (colon ? colon : line + size) - line);
  pollen_sse_parser_field (parser, name, value, line + size - value);
}

static gboolean
pollen_sse_parser_fail (PollenSseParser * parser, GError ** error)
{
  parser->failed = TRUE;
  g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_BAD_RESPONSE,
      "the server's event stream sent an event of more than %"
      G_GSIZE_FORMAT " bytes", parser->max_size);
  return FALSE;
}

/* Where the line starting at @data ends: the first CR or LF, or @size. */
static gsize
line_end (const gchar * data, gsize size)
{
  gsize i;

  for (i = 0; i < size; i++) {
    if (data[i] == '\n' || data[i] == '\r')
      break;
  }
  return i;
}

/* Skips the byte order mark a stream may start with (the spec drops it:
 * kept, it would hide the first line's field name), even split across
 * reads. Returns: how many bytes of @data it took. */
static gsize
pollen_sse_parser_skip_bom (PollenSseParser * parser, const gchar * data,
    gsize size)
{
  static const gchar bom[] = "\xef\xbb\xbf";
  gsize i = 0;

  while (!parser->past_bom && i < size) {
    if (data[i] != bom[parser->bom_size]) {
      /* no BOM: what looked like its start is the first line's */
      g_string_append_len (parser->line, bom, parser->bom_size);
      parser->past_bom = TRUE;
      break;
    }
    i++;
    parser->past_bom = ++parser->bom_size == sizeof (bom) - 1;
  }
  return i;
}

/**
 * pollen_sse_parser_feed:
 *
 * Parses the next bytes of the stream; events they complete are queued for
 * pollen_sse_parser_pop().
 *
 * Returns: %FALSE with @error set (%POLLEN_CLIENT_ERROR_BAD_RESPONSE) when
 * an event grows past the size limit; the parser takes nothing more then.
 */
gboolean
pollen_sse_parser_feed (PollenSseParser * parser, const gchar * data,
    gsize size, GError ** error)
{
  gsize i;

  if (parser->failed)
    return pollen_sse_parser_fail (parser, error);
  i = pollen_sse_parser_skip_bom (parser, data, size);
  while (i < size) {
    gsize end;

    if (parser->skip_lf && data[i] == '\n') {
      parser->skip_lf = FALSE;
      i++;
      continue;
    }
    parser->skip_lf = FALSE;
    end = i + line_end (data + i, size - i);
    g_string_append_len (parser->line, data + i, end - i);
    if (parser->line->len + parser->data->len > parser->max_size)
      return pollen_sse_parser_fail (parser, error);
    if (end == size)
      break;
    parser->skip_lf = data[end] == '\r';
    pollen_sse_parser_line (parser);
    g_string_truncate (parser->line, 0);
    i = end + 1;
  }
  return TRUE;
}

/**
 * pollen_sse_parser_finish:
 *
 * Ends the stream. Unlike a browser, an event the server did not close
 * with a blank line is still delivered: a stream cut short should lose as
 * little as possible.
 */
void
pollen_sse_parser_finish (PollenSseParser * parser)
{
  if (parser->failed)
    return;
  if (parser->line->len > 0) {
    pollen_sse_parser_line (parser);
    g_string_truncate (parser->line, 0);
  }
  pollen_sse_parser_dispatch (parser);
}

/* Returns: (transfer full) (nullable): the oldest complete event. */
PollenSseEvent *
pollen_sse_parser_pop (PollenSseParser * parser)
{
  return g_queue_pop_head (&parser->ready);
}
