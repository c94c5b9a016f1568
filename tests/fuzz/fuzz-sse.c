/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The event-stream parser and the chat stream reader on any bytes: the
 * events do not depend on where the bytes were split, the size bound
 * holds, and a chat answer either fails with an error or gives valid
 * UTF-8 text that its deltas add up to. */

#include "fuzztarget.h"
#include "pollenclient.h"
#include "pollenchatstream.h"

#include <string.h>

#define MAX_EVENT 512

/* Every event of @data fed in two pieces cut at @cut, as one string. */
static gchar *
sse_events (const guint8 * data, size_t size, size_t cut, gboolean * ok)
{
  PollenSseParser *parser = pollen_sse_parser_new (MAX_EVENT);
  GString *out = g_string_new (NULL);
  PollenSseEvent *event;

  *ok = pollen_sse_parser_feed (parser, (const gchar *) data, cut, NULL) &&
      pollen_sse_parser_feed (parser, (const gchar *) data + cut, size - cut,
      NULL);
  pollen_sse_parser_finish (parser);
  while ((event = pollen_sse_parser_pop (parser))) {
    g_assert (event->data_size <= MAX_EVENT && event->event);
    g_string_append_printf (out, "%s\n%s\n%" G_GSIZE_FORMAT "\n", event->event,
        event->id ? event->id : "-", event->data_size);
    g_string_append_len (out, event->data, event->data_size);
    pollen_sse_event_free (event);
  }
  pollen_sse_parser_free (parser);
  return g_string_free (out, FALSE);
}

static void
check_split (const guint8 * data, size_t size)
{
  gboolean whole_ok, split_ok;
  size_t cut = size ? data[0] % (size + 1) : 0;
  gchar *whole = sse_events (data, size, size, &whole_ok);
  gchar *split = sse_events (data, size, cut, &split_ok);

  /* a failed parser may have queued less; a good one the same events */
  g_assert (whole_ok == split_ok);
  if (whole_ok)
    g_assert_cmpstr (whole, ==, split);
  g_free (whole);
  g_free (split);
}

static void
add_delta (const gchar * delta, gpointer user_data)
{
  g_assert (*delta && g_utf8_validate (delta, -1, NULL));
  g_string_append (user_data, delta);
}

static void
check_chat (const guint8 * data, size_t size, const gchar * content_type)
{
  GString *deltas = g_string_new (NULL);
  PollenChatStream *stream =
      pollen_chat_stream_new (content_type, NULL, add_delta, deltas);
  size_t half = size / 2;
  GError *error = NULL;
  gboolean ok;

  ok = pollen_chat_stream_feed (stream, (const gchar *) data, half, &error) &&
      pollen_chat_stream_feed (stream, (const gchar *) data + half,
      size - half, &error) && pollen_chat_stream_finish (stream, &error);
  g_assert (ok == (error == NULL));
  g_assert (!error || error->domain == POLLEN_CLIENT_ERROR);
  if (ok) {
    g_assert (*pollen_chat_stream_get_text (stream));
    g_assert_cmpstr (pollen_chat_stream_get_text (stream), ==, deltas->str);
  }
  g_clear_error (&error);
  pollen_chat_stream_free (stream);
  g_string_free (deltas, TRUE);
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  check_split (data, size);
  check_chat (data, size, "text/event-stream");
  check_chat (data, size, "application/json");
  return 0;
}
