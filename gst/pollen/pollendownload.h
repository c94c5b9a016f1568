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
#include "pollenchunks.h"

G_BEGIN_DECLS

/**
 * PollenDownload:
 *
 * One answer's body, downloaded whole in a thread of its own and kept
 * (see #PollenChunks: memory, then a temporary file for what a slow
 * reader has not read yet), while a reader takes any range of it as soon
 * as that range is here. The download never
 * waits for its reader: a reader that stops reading (a prerolled sink, a
 * demuxer that has what it needs for now) neither stalls it nor keeps the
 * connection and the account's generation slot, which go back when the
 * last byte is in.
 *
 * A body cut short is asked for again (the API answers an identical GET
 * from its cache) and read on from where it broke, up to @retries times.
 *
 * Thread-safe: the reader calls from its own thread; the notify function
 * is called from the download's thread.
 */
typedef struct _PollenDownload PollenDownload;

typedef enum
{
  POLLEN_DOWNLOAD_ANSWERED,     /* the answer's headers are here */
  POLLEN_DOWNLOAD_RECEIVED,     /* more of the body is here */
  POLLEN_DOWNLOAD_WHOLE,        /* the last byte is here */
  POLLEN_DOWNLOAD_FAILED,       /* it ended in an error (or was cancelled) */
} PollenDownloadEvent;

/**
 * PollenDownloadNotify:
 *
 * Told, from the download's thread, of each step of the download.
 * %POLLEN_DOWNLOAD_FAILED carries the error; the others %NULL.
 */
typedef void (*PollenDownloadNotify) (PollenDownload * download,
    PollenDownloadEvent event, const GError * error, gpointer user_data);

/**
 * PollenDownloadCheck:
 * @head: the first bytes of the whole body (up to 64 KiB)
 * @tail: its last bytes (up to 64 bytes)
 * @size: the whole body's
 *
 * Asked, from the download's thread, whether a body whose transfer ended
 * normally is whole: a body cut short by bad framing ends like a whole
 * one on the wire, and only its format can tell. It may be asked before
 * pollen_download_start() has returned (a small body on a fast
 * connection).
 *
 * Returns: FALSE with @error set when it is not.
 */
typedef gboolean (*PollenDownloadCheck) (GBytes * head, GBytes * tail,
    guint64 size, const gchar * content_type, gpointer user_data,
    GError ** error);

PollenDownload * pollen_download_start (PollenClient * client,
                                        PollenRequest * request,
                                        guint retries,
                                        PollenPieces * pieces,
                                        gsize memory_limit,
                                        gboolean in_order,
                                        PollenDownloadCheck check,
                                        PollenDownloadNotify notify,
                                        gpointer user_data);
void             pollen_download_free (PollenDownload * download);

const PollenResponse * pollen_download_wait_answer (PollenDownload * download,
                                                    GCancellable * cancellable,
                                                    GError ** error);
gboolean         pollen_download_wait (PollenDownload * download,
                                       guint64 end,
                                       GCancellable * cancellable,
                                       GError ** error);
guint64          pollen_download_get_received (PollenDownload * download);
gint64           pollen_download_get_size (PollenDownload * download);
gint             pollen_download_get_percent (PollenDownload * download);
GstBuffer *      pollen_download_take_range (PollenDownload * download,
                                             guint64 offset, gsize length,
                                             GError ** error);
GBytes *         pollen_download_get_bytes (PollenDownload * download,
                                            guint64 offset, gsize length,
                                            GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenDownload, pollen_download_free)

G_END_DECLS
