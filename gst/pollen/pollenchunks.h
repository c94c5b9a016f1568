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
#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * PollenChunks:
 *
 * A body kept as it arrives, for random access without copying it: the
 * pieces stay the memories they were read into. The first ones (the head,
 * where demuxers go back to) stay in memory; past it, pieces not read yet
 * stay in memory up to a limit and the oldest go to an unlinked temporary
 * file beyond it, so a body of any size costs a bounded amount of memory
 * and a reader that keeps up costs no file at all. A reader in order
 * (push mode) lets go of what it took past the head. Not thread-safe:
 * PollenDownload locks around it.
 */
typedef struct _PollenChunks PollenChunks;

PollenChunks * pollen_chunks_new (gsize head_limit, gsize tail_limit,
                                  gboolean release_taken);
void           pollen_chunks_free (PollenChunks * chunks);
gboolean       pollen_chunks_append (PollenChunks * chunks, GstMemory * memory,
                                     GError ** error);
guint64        pollen_chunks_get_size (const PollenChunks * chunks);
GstBuffer *    pollen_chunks_get_range (PollenChunks * chunks, guint64 offset,
                                        gsize length, GError ** error);
GstBuffer *    pollen_chunks_take_range (PollenChunks * chunks,
                                         guint64 offset, gsize length,
                                         GError ** error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenChunks, pollen_chunks_free)

/**
 * PollenPieces:
 *
 * Memories of one size to read pieces of a body into, handed back when
 * the last user (the store or a buffer downstream) lets go and kept for
 * the next piece, up to a few: fresh pages for every piece cost more than
 * the copy itself (a page fault each, and an unmapping when freed).
 * Thread-safe.
 */
typedef struct _PollenPieces PollenPieces;

PollenPieces * pollen_pieces_new (gsize size, guint keep);
PollenPieces * pollen_pieces_ref (PollenPieces * pieces);
void           pollen_pieces_unref (PollenPieces * pieces);
gsize          pollen_pieces_get_size (const PollenPieces * pieces);
GstMemory *    pollen_pieces_take (PollenPieces * pieces);

G_END_DECLS
