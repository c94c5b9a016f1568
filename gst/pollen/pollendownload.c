/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Lock order: self->lock is the only lock here; the notify function and
 * the client are called without it. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollendownload.h"

GST_DEBUG_CATEGORY_STATIC (pollen_download_debug);
#define GST_CAT_DEFAULT pollen_download_debug

#define HEAD_SIZE (64 * 1024)   /* what a format check sees of the start */
/* pieces not read yet kept in memory past the head: a reader that keeps up
 * never makes the download write its file */
#define UNREAD_IN_MEMORY (4 * 1024 * 1024)
#define TAIL_SIZE 64            /* and of the end: some encoders pad */

struct _PollenDownload
{
  /* set in start(), then only read */
  PollenClient *client;
  PollenRequest *request;
  guint retries;
  PollenPieces *pieces;
  PollenDownloadCheck check;
  PollenDownloadNotify notify;
  gpointer user_data;
  GCancellable *cancellable;    /* the download's own, cancelled by free() */
  GThread *thread;

  GMutex lock;
  GCond changed;                /* with lock: more bytes, or the end */
  /* under lock */
  PollenChunks *chunks;
  guint64 arrived;              /* what came, the piece being read too */
  PollenResponse *answer;       /* its headers only, once answered */
  gboolean whole;               /* all of it is here */
  gboolean ended;               /* and the notify function was told */
  GError *error;                /* how it failed, once it ended so */
};

static void
pollen_download_init_debug (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized)) {
    GST_DEBUG_CATEGORY_INIT (pollen_download_debug, "pollendownload", 0,
        "gst-pollen background body downloads");
    g_once_init_leave (&initialized, 1);
  }
}

static void
pollen_download_notify (PollenDownload * self, PollenDownloadEvent event,
    const GError * error)
{
  if (self->notify)
    self->notify (self, event, error, self->user_data);
}

/* ---- the download's thread ---- */

/* What the reader may know of an answer: its headers, without the stream
 * (and so without the account's slot, which the stream holds). */
static PollenResponse *
response_headers (const PollenResponse * response)
{
  PollenResponse *headers = g_new0 (PollenResponse, 1);

  headers->status = response->status;
  headers->content_type = g_strdup (response->content_type);
  headers->content_length = response->content_length;
  headers->request_id = g_strdup (response->request_id);
  headers->model_used = g_strdup (response->model_used);
  return headers;
}

static void
pollen_download_answered (PollenDownload * self, PollenResponse * response)
{
  g_mutex_lock (&self->lock);
  self->answer = response_headers (response);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
  pollen_download_notify (self, POLLEN_DOWNLOAD_ANSWERED, NULL);
}

/* How much the next piece holds: a piece's worth, or what is left of a
 * body of known size; at its end, one byte, so that libsoup reads the end
 * itself and puts the connection back for the next request. */
static gsize
pollen_download_piece_size (PollenDownload * self, PollenResponse * response)
{
  gsize size = pollen_pieces_get_size (self->pieces);

  if (response->content_length >= 0)
    size = MIN ((guint64) response->content_length - response->received,
        size);
  return MAX (size, 1);
}

static gboolean
pollen_download_append (PollenDownload * self, GstMemory * memory,
    GError ** error)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = pollen_chunks_append (self->chunks, memory, error);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
  return ok;
}

/* @n more bytes came from the network: the percent moves before a whole
 * piece is here. */
static void
pollen_download_arrived (PollenDownload * self, gsize n)
{
  g_mutex_lock (&self->lock);
  self->arrived += n;
  g_mutex_unlock (&self->lock);
  pollen_download_notify (self, POLLEN_DOWNLOAD_RECEIVED, NULL);
}

/* Reads the next piece of the body into a memory of its own, which is
 * kept: what goes downstream shares it. Returns the bytes read, 0 at the
 * end of the body, -1 with @error set. */
static gssize
pollen_download_read_piece (PollenDownload * self, PollenResponse * response,
    GError ** error)
{
  gsize size = pollen_download_piece_size (self, response);
  GstMemory *memory = pollen_pieces_take (self->pieces);
  GstMapInfo map;
  gsize filled = 0;
  gssize n = 1;

  gst_memory_map (memory, &map, GST_MAP_WRITE);
  while (filled < size && n > 0) {
    n = pollen_response_read_into (response, map.data + filled,
        size - filled, self->cancellable, error);
    filled += MAX (n, 0);
    if (n > 0)
      pollen_download_arrived (self, n);
  }
  gst_memory_unmap (memory, &map);
  if (n < 0 || filled == 0) {
    gst_memory_unref (memory);
    return n < 0 ? -1 : 0;
  }
  gst_memory_resize (memory, 0, filled);
  return pollen_download_append (self, memory, error) ? (gssize) filled : -1;
}

/* Reads and drops the first @size bytes of a body asked for again. */
static gboolean
pollen_download_skip (PollenDownload * self, PollenResponse * response,
    guint64 size, GError ** error)
{
  g_autofree guint8 *scratch = g_malloc (64 * 1024);

  while (response->received < size) {
    gssize n = pollen_response_read_into (response, scratch,
        MIN (64 * 1024, size - response->received), self->cancellable,
        error);

    if (n == 0)
      g_set_error (error, POLLEN_CLIENT_ERROR, POLLEN_CLIENT_ERROR_NETWORK,
          "the body asked for again is shorter than what came before");
    if (n <= 0)
      return FALSE;
  }
  return TRUE;
}

/* A body cut short is asked for again, and what is here already is
 * skipped: what a reader took stays valid. */
static gboolean
pollen_download_resume (PollenDownload * self, PollenResponse ** response,
    guint * resumes, GError ** error)
{
  guint64 have = pollen_download_get_received (self);

  if (!pollen_client_error_is_transient (*error) ||
      (*resumes)++ >= self->retries)
    return FALSE;
  GST_WARNING ("the body was cut short after %" G_GUINT64_FORMAT " bytes "
      "(%s): asking again", have, (*error)->message);
  g_mutex_lock (&self->lock);
  self->arrived = have;         /* the piece it broke in comes again */
  g_mutex_unlock (&self->lock);
  g_clear_error (error);
  g_clear_pointer (response, pollen_response_free);
  *response = pollen_client_send (self->client, self->request,
      self->cancellable, error);
  return *response && pollen_download_skip (self, *response, have, error);
}

/* Whether the body that ended normally is whole, as far as its format
 * can tell. */
static gboolean
pollen_download_check_end (PollenDownload * self, PollenResponse * response,
    GError ** error)
{
  guint64 size = pollen_download_get_received (self);
  g_autoptr (GBytes) head_bytes = NULL;
  g_autoptr (GBytes) tail_bytes = NULL;

  if (size == 0) {
    g_propagate_error (error, pollen_response_empty_body_error (response));
    return FALSE;
  }
  if (!self->check)
    return TRUE;
  head_bytes = pollen_download_get_bytes (self, 0, MIN (size, HEAD_SIZE),
      error);
  tail_bytes = head_bytes ? pollen_download_get_bytes (self,
      size - MIN (size, TAIL_SIZE), MIN (size, TAIL_SIZE), error) : NULL;
  if (!tail_bytes)
    return FALSE;
  return self->check (head_bytes, tail_bytes, size, response->content_type,
      self->user_data, error);
}

/* Reads the body to its end, asking again where it is cut short. Takes
 * *@response; the account's slot goes back with it. */
static gboolean
pollen_download_read_body (PollenDownload * self, PollenResponse * response,
    GError ** error)
{
  guint resumes = 0;
  gssize n;
  gboolean ok;

  do {
    n = pollen_download_read_piece (self, response, error);
    if (n < 0 && !pollen_download_resume (self, &response, &resumes, error))
      break;
  } while (n != 0);
  ok = n == 0 && pollen_download_check_end (self, response, error);
  pollen_response_free (response);
  return ok;
}

/* The notify function hears of the end before a reader does, so that an
 * element's progress has ended before its EOS. */
static void
pollen_download_end (PollenDownload * self, GError * error)
{
  g_mutex_lock (&self->lock);
  self->whole = error == NULL;
  g_mutex_unlock (&self->lock);
  pollen_download_notify (self, error ? POLLEN_DOWNLOAD_FAILED :
      POLLEN_DOWNLOAD_WHOLE, error);
  g_mutex_lock (&self->lock);
  self->ended = TRUE;
  self->error = error;
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
}

static gpointer
pollen_download_run (gpointer data)
{
  PollenDownload *self = data;
  GError *error = NULL;
  PollenResponse *response;

  response = pollen_client_send (self->client, self->request,
      self->cancellable, &error);
  if (response) {
    pollen_download_answered (self, response);
    pollen_download_read_body (self, response, &error);
  }
  if (error)
    GST_DEBUG ("the download ended: %s", error->message);
  pollen_download_end (self, error);
  return NULL;
}

/* ---- the reader's side ---- */

/**
 * pollen_download_start:
 * @request: (transfer full): what to ask for
 * @pieces: what the body is read into; its size is the size of a piece
 * @memory_limit: the first bytes of the body, kept in memory
 * @in_order: the reader reads in order (push mode): past @memory_limit,
 *   what it took is let go
 * @check: (nullable): tells whether a body that ended is whole
 * @notify: (nullable): told of each step, from the download's thread
 *
 * Sends @request and downloads its answer in a thread of its own.
 *
 * Returns: (transfer full): the download, already under way.
 */
PollenDownload *
pollen_download_start (PollenClient * client, PollenRequest * request,
    guint retries, PollenPieces * pieces, gsize memory_limit,
    gboolean in_order, PollenDownloadCheck check, PollenDownloadNotify notify,
    gpointer user_data)
{
  PollenDownload *self = g_new0 (PollenDownload, 1);

  pollen_download_init_debug ();
  self->client = g_object_ref (client);
  self->request = request;
  self->retries = retries;
  self->pieces = pollen_pieces_ref (pieces);
  self->check = check;
  self->notify = notify;
  self->user_data = user_data;
  self->cancellable = g_cancellable_new ();
  self->chunks = pollen_chunks_new (memory_limit, UNREAD_IN_MEMORY,
      in_order);
  g_mutex_init (&self->lock);
  g_cond_init (&self->changed);
  self->thread = g_thread_new ("pollendownload", pollen_download_run, self);
  return self;
}

/**
 * pollen_download_free:
 *
 * Cancels the download if it is still under way and waits for its thread:
 * the notify function is not called after this returns.
 */
void
pollen_download_free (PollenDownload * self)
{
  if (!self)
    return;
  g_cancellable_cancel (self->cancellable);
  g_thread_join (self->thread);
  g_object_unref (self->client);
  pollen_request_free (self->request);
  pollen_pieces_unref (self->pieces);
  g_object_unref (self->cancellable);
  pollen_chunks_free (self->chunks);
  pollen_response_free (self->answer);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->changed);
  g_free (self);
}

static void
wake_readers (GCancellable * cancellable, PollenDownload * self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->changed);
  g_mutex_unlock (&self->lock);
}

/* With the lock: why a reader that waited got nothing more. */
static gboolean
pollen_download_wait_failed (PollenDownload * self,
    GCancellable * cancellable, GError ** error)
{
  if (!g_cancellable_set_error_if_cancelled (cancellable, error))
    g_propagate_error (error, g_error_copy (self->error));
  return FALSE;
}

/* Waits until @ready says so, the download failed or @cancellable is
 * cancelled. */
static gboolean
pollen_download_wait_until (PollenDownload * self,
    gboolean (*ready) (PollenDownload * self, guint64 end), guint64 end,
    GCancellable * cancellable, GError ** error)
{
  gulong handler = 0;
  gboolean ok;

  if (cancellable)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_readers),
        self, NULL);
  g_mutex_lock (&self->lock);
  while (!ready (self, end) && !self->error &&
      !g_cancellable_is_cancelled (cancellable))
    g_cond_wait (&self->changed, &self->lock);
  ok = ready (self, end) ||
      pollen_download_wait_failed (self, cancellable, error);
  g_mutex_unlock (&self->lock);
  if (handler)
    g_cancellable_disconnect (cancellable, handler);
  return ok;
}

static gboolean
is_answered (PollenDownload * self, guint64 end)
{
  return self->answer != NULL;
}

/**
 * pollen_download_wait_answer:
 *
 * Waits for the answer's headers (the server sends them once it has
 * generated).
 *
 * Returns: (transfer none): the answer's headers (no body), or %NULL with
 * @error set when the request failed or @cancellable was cancelled.
 */
const PollenResponse *
pollen_download_wait_answer (PollenDownload * self,
    GCancellable * cancellable, GError ** error)
{
  if (!pollen_download_wait_until (self, is_answered, 0, cancellable, error))
    return NULL;
  return self->answer;
}

static gboolean
holds (PollenDownload * self, guint64 end)
{
  return pollen_chunks_get_size (self->chunks) >= end ||
      (self->ended && self->whole);
}

/**
 * pollen_download_wait:
 *
 * Waits until the body holds @end bytes or is whole (then it may hold
 * fewer: see pollen_download_get_size()).
 *
 * Returns: FALSE with @error set when the download failed before that, or
 * %G_IO_ERROR_CANCELLED when @cancellable was cancelled.
 */
gboolean
pollen_download_wait (PollenDownload * self, guint64 end,
    GCancellable * cancellable, GError ** error)
{
  return pollen_download_wait_until (self, holds, end, cancellable, error);
}

/* Returns: how many bytes of the body are here. */
guint64
pollen_download_get_received (PollenDownload * self)
{
  guint64 received;

  g_mutex_lock (&self->lock);
  received = pollen_chunks_get_size (self->chunks);
  g_mutex_unlock (&self->lock);
  return received;
}

/**
 * pollen_download_get_size:
 *
 * Returns: the body's size: its Content-Length, or what arrived once it is
 * whole; -1 while it is not known.
 */
gint64
pollen_download_get_size (PollenDownload * self)
{
  gint64 size = -1;

  g_mutex_lock (&self->lock);
  if (self->whole)
    size = pollen_chunks_get_size (self->chunks);
  else if (self->answer)
    size = self->answer->content_length;
  g_mutex_unlock (&self->lock);
  return size;
}

/* Returns: how much of a body of known size is here, in percent, or -1. */
gint
pollen_download_get_percent (PollenDownload * self)
{
  gint percent = -1;

  g_mutex_lock (&self->lock);
  if (self->answer && self->answer->content_length > 0)
    percent = self->arrived * 100 / self->answer->content_length;
  g_mutex_unlock (&self->lock);
  return percent;
}

/**
 * pollen_download_take_range:
 *
 * The bytes [@offset, @offset + @length) for the reader, which must be
 * here (see pollen_download_wait()). What is in memory is shared, not
 * copied.
 *
 * Returns: (transfer full): a buffer, or %NULL with @error set when the
 * temporary file could not be read, or an in-order reader went back to
 * what it let go.
 */
GstBuffer *
pollen_download_take_range (PollenDownload * self, guint64 offset,
    gsize length, GError ** error)
{
  GstBuffer *buffer;

  g_mutex_lock (&self->lock);
  buffer = pollen_chunks_take_range (self->chunks, offset, length, error);
  g_mutex_unlock (&self->lock);
  return buffer;
}

/**
 * pollen_download_get_bytes:
 *
 * A look at the bytes [@offset, @offset + @length) (typefinding, a
 * format's end), not for going downstream: a copy in one piece, and
 * nothing is let go.
 *
 * Returns: (transfer full): the bytes, or %NULL with @error set.
 */
GBytes *
pollen_download_get_bytes (PollenDownload * self, guint64 offset,
    gsize length, GError ** error)
{
  g_autoptr (GstBuffer) buffer = NULL;
  gpointer data;
  gsize size;

  g_mutex_lock (&self->lock);
  buffer = pollen_chunks_get_range (self->chunks, offset, length, error);
  g_mutex_unlock (&self->lock);
  if (!buffer)
    return NULL;
  gst_buffer_extract_dup (buffer, 0, length, &data, &size);
  return g_bytes_new_take (data, size);
}
