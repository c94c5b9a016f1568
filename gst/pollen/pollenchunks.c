/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pollenchunks.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <glib/gstdio.h>

/* Where a piece's bytes are. */
typedef enum
{
  IN_MEMORY,
  IN_FILE,                      /* at the file offset of its start */
  RELEASED,                     /* taken by an in-order reader, let go */
} PieceState;

typedef struct
{
  guint64 start;
  gsize size;
  PieceState state;
  GstMemory *memory;            /* IN_MEMORY only */
} Piece;

struct _PollenChunks
{
  GArray *pieces;               /* Piece, in order, from the first byte */
  guint64 size;                 /* bytes appended */
  gsize head_limit;             /* the first bytes, kept in memory */
  gsize tail_limit;             /* then unread pieces kept in memory */
  gsize tail_in_memory;
  guint next_spill;             /* the first tail piece that may be in
                                 * memory */
  gboolean release_taken;
  gint fd;                      /* the spilled pieces, or -1 */
};

static void
piece_clear (Piece * piece)
{
  g_clear_pointer (&piece->memory, gst_memory_unref);
}

/**
 * pollen_chunks_new:
 * @head_limit: the first bytes of a body stay in memory up to this
 * @tail_limit: past the head, pieces not yet read stay in memory up to
 *   this; the oldest go to the file beyond it
 * @release_taken: let go of a piece past the head once a reader took all
 *   of it (a reader in order, as push mode is), rather than keep it
 */
PollenChunks *
pollen_chunks_new (gsize head_limit, gsize tail_limit, gboolean release_taken)
{
  PollenChunks *chunks = g_new0 (PollenChunks, 1);

  chunks->pieces = g_array_new (FALSE, TRUE, sizeof (Piece));
  g_array_set_clear_func (chunks->pieces, (GDestroyNotify) piece_clear);
  chunks->head_limit = head_limit;
  chunks->tail_limit = tail_limit;
  chunks->release_taken = release_taken;
  chunks->fd = -1;
  return chunks;
}

void
pollen_chunks_free (PollenChunks * chunks)
{
  if (!chunks)
    return;
  g_array_unref (chunks->pieces);
  if (chunks->fd >= 0)
    close (chunks->fd);
  g_free (chunks);
}

static void
set_io_error (GError ** error, const gchar * what)
{
  gint saved = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
      "%s the temporary file for a large body: %s", what, g_strerror (saved));
}

/* The file is unlinked at once: it goes away with the descriptor, even
 * when the process does not end well. */
static gboolean
pollen_chunks_open_file (PollenChunks * chunks, GError ** error)
{
  g_autofree gchar *name = NULL;

  if (chunks->fd >= 0)
    return TRUE;
  chunks->fd = g_file_open_tmp ("gst-pollen-body-XXXXXX", &name, error);
  if (chunks->fd < 0)
    return FALSE;
  g_unlink (name);
  return TRUE;
}

/* Writes an in-memory piece to the file, at its own offset (the head and
 * what was released leave holes, which cost nothing). */
static gboolean
pollen_chunks_spill (PollenChunks * chunks, Piece * piece, GError ** error)
{
  GstMapInfo map;
  gsize done = 0;

  if (!pollen_chunks_open_file (chunks, error))
    return FALSE;
  gst_memory_map (piece->memory, &map, GST_MAP_READ);
  while (done < map.size) {
    gssize n = pwrite (chunks->fd, map.data + done, map.size - done,
        piece->start + done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    done += n;
  }
  gst_memory_unmap (piece->memory, &map);
  if (done < map.size) {
    set_io_error (error, "Could not write");
    return FALSE;
  }
  chunks->tail_in_memory -= piece->size;
  piece->state = IN_FILE;
  piece_clear (piece);
  return TRUE;
}

/* Past the tail limit, the oldest unread pieces go to the file. */
static gboolean
pollen_chunks_keep_tail_small (PollenChunks * chunks, GError ** error)
{
  while (chunks->tail_in_memory > chunks->tail_limit) {
    Piece *piece = &g_array_index (chunks->pieces, Piece, chunks->next_spill);

    chunks->next_spill++;
    if (piece->state == IN_MEMORY && !pollen_chunks_spill (chunks, piece,
            error))
      return FALSE;
  }
  return TRUE;
}

/**
 * pollen_chunks_append:
 * @memory: (transfer full): the next bytes of the body
 *
 * Keeps @memory as it is; past the tail limit the oldest pieces not yet
 * read go to the file.
 *
 * Returns: FALSE with @error set when the file could not be written.
 */
gboolean
pollen_chunks_append (PollenChunks * chunks, GstMemory * memory,
    GError ** error)
{
  Piece piece = { chunks->size, memory->size, IN_MEMORY, memory };

  g_array_append_val (chunks->pieces, piece);
  chunks->size += piece.size;
  if (piece.start + piece.size <= chunks->head_limit) {
    chunks->next_spill = chunks->pieces->len;
    return TRUE;
  }
  chunks->tail_in_memory += piece.size;
  return pollen_chunks_keep_tail_small (chunks, error);
}

guint64
pollen_chunks_get_size (const PollenChunks * chunks)
{
  return chunks->size;
}

/* The index of the piece holding @offset (< size). */
static guint
pollen_chunks_find (const PollenChunks * chunks, guint64 offset)
{
  guint low = 0, high = chunks->pieces->len - 1;

  while (low < high) {
    guint mid = (low + high + 1) / 2;

    if (g_array_index (chunks->pieces, Piece, mid).start <= offset)
      low = mid;
    else
      high = mid - 1;
  }
  return low;
}

/* Adds [@offset, @end) of a spilled piece, read into a new memory. */
static gboolean
pollen_chunks_add_file (PollenChunks * chunks, GstBuffer * buffer,
    guint64 offset, guint64 end, GError ** error)
{
  GstMemory *memory = gst_allocator_alloc (NULL, end - offset, NULL);
  GstMapInfo map;
  gsize done = 0;

  gst_memory_map (memory, &map, GST_MAP_WRITE);
  while (done < map.size) {
    gssize n = pread (chunks->fd, map.data + done, map.size - done,
        offset + done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += n;
  }
  gst_memory_unmap (memory, &map);
  if (done < map.size) {
    set_io_error (error, "Could not read");
    gst_memory_unref (memory);
    return FALSE;
  }
  gst_buffer_append_memory (buffer, memory);
  return TRUE;
}

/* Adds [@offset, @end) of @piece to @buffer: shared when in memory. */
static gboolean
pollen_chunks_add_piece (PollenChunks * chunks, GstBuffer * buffer,
    const Piece * piece, guint64 offset, guint64 end, GError ** error)
{
  switch (piece->state) {
    case IN_MEMORY:
      gst_buffer_append_memory (buffer, gst_memory_share (piece->memory,
              offset - piece->start, end - offset));
      return TRUE;
    case IN_FILE:
      return pollen_chunks_add_file (chunks, buffer, offset, end, error);
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "bytes %"
          G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " of the body are no longer "
          "held: a reader in order (push mode) keeps only the first %"
          G_GSIZE_FORMAT " bytes and what it has not read yet", offset, end,
          chunks->head_limit);
      return FALSE;
  }
}

/* A reader in order took all of @piece: past the head, it is let go. */
static void
pollen_chunks_taken (PollenChunks * chunks, Piece * piece, guint64 offset,
    guint64 end)
{
  if (!chunks->release_taken || piece->state != IN_MEMORY ||
      piece->start + piece->size <= chunks->head_limit ||
      offset > piece->start || end < piece->start + piece->size)
    return;
  chunks->tail_in_memory -= piece->size;
  piece->state = RELEASED;
  piece_clear (piece);
}

static GstBuffer *
pollen_chunks_collect (PollenChunks * chunks, guint64 offset, gsize length,
    gboolean take, GError ** error)
{
  GstBuffer *buffer = gst_buffer_new ();
  guint64 end = offset + length;
  guint i;

  g_return_val_if_fail (end <= chunks->size, NULL);
  for (i = length ? pollen_chunks_find (chunks, offset) : 0; offset < end;
      i++) {
    Piece *piece = &g_array_index (chunks->pieces, Piece, i);
    guint64 stop = MIN (end, piece->start + piece->size);

    if (!pollen_chunks_add_piece (chunks, buffer, piece, offset, stop,
            error)) {
      gst_buffer_unref (buffer);
      return NULL;
    }
    if (take)
      pollen_chunks_taken (chunks, piece, offset, stop);
    offset = stop;
  }
  return buffer;
}

/**
 * pollen_chunks_get_range:
 *
 * The bytes [@offset, @offset + @length), which must have been appended,
 * for a look at them: nothing is let go. What is in memory is shared, not
 * copied.
 *
 * Returns: (transfer full): a buffer, or %NULL with @error set when the
 * file could not be read or the bytes were let go.
 */
GstBuffer *
pollen_chunks_get_range (PollenChunks * chunks, guint64 offset, gsize length,
    GError ** error)
{
  return pollen_chunks_collect (chunks, offset, length, FALSE, error);
}

/**
 * pollen_chunks_take_range:
 *
 * Like pollen_chunks_get_range(), for the reader: with release_taken,
 * what it took in whole pieces past the head is let go.
 */
GstBuffer *
pollen_chunks_take_range (PollenChunks * chunks, guint64 offset,
    gsize length, GError ** error)
{
  return pollen_chunks_collect (chunks, offset, length, TRUE, error);
}

/* ---- recycled pieces ---- */

/* Blocks are carved from slabs of 2 MiB (or of one block, when a block is
 * bigger), aligned for transparent huge pages: a fresh body, and above
 * all the head a download keeps, is faulted in 2 MiB at a time rather
 * than 4 KiB, which on a fast connection costs as much as reading it. */
#define SLAB_SIZE (2 * 1024 * 1024)

typedef struct
{
  gint refcount;                /* its blocks alive, in use or kept, and
                                 * the carving */
  gpointer data;
} Slab;

typedef struct
{
  PollenPieces *pieces;         /* while in use */
  Slab *slab;
  gpointer data;
} Block;

struct _PollenPieces
{
  gint refcount;
  gsize size;
  guint keep;
  GMutex lock;
  GSList *free_blocks;          /* Block, under lock */
  guint n_free;                 /* under lock */
  Slab *carving;                /* under lock: new blocks come from it */
  gsize carved;                 /* under lock: the part handed out */
};

static Slab *
slab_new (gsize size)
{
  Slab *slab = g_new (Slab, 1);

  slab->refcount = 1;
  slab->data = g_aligned_alloc (1, size, SLAB_SIZE);
#ifdef MADV_HUGEPAGE
  if (size >= SLAB_SIZE)
    madvise (slab->data, size - size % SLAB_SIZE, MADV_HUGEPAGE);
#endif
  return slab;
}

static Slab *
slab_ref (Slab * slab)
{
  g_atomic_int_inc (&slab->refcount);
  return slab;
}

static void
slab_unref (Slab * slab)
{
  if (!g_atomic_int_dec_and_test (&slab->refcount))
    return;
  g_aligned_free (slab->data);
  g_free (slab);
}

static void
block_free (Block * block)
{
  slab_unref (block->slab);
  g_free (block);
}

PollenPieces *
pollen_pieces_new (gsize size, guint keep)
{
  PollenPieces *pieces = g_new0 (PollenPieces, 1);

  pieces->refcount = 1;
  pieces->size = size;
  pieces->keep = keep;
  g_mutex_init (&pieces->lock);
  return pieces;
}

PollenPieces *
pollen_pieces_ref (PollenPieces * pieces)
{
  g_atomic_int_inc (&pieces->refcount);
  return pieces;
}

void
pollen_pieces_unref (PollenPieces * pieces)
{
  if (!pieces || !g_atomic_int_dec_and_test (&pieces->refcount))
    return;
  g_slist_free_full (pieces->free_blocks, (GDestroyNotify) block_free);
  g_clear_pointer (&pieces->carving, slab_unref);
  g_mutex_clear (&pieces->lock);
  g_free (pieces);
}

gsize
pollen_pieces_get_size (const PollenPieces * pieces)
{
  return pieces->size;
}

/* The memory's last user let go: its block is kept for the next piece,
 * unless enough are kept already. */
static void
block_done (gpointer user_data)
{
  Block *block = user_data;
  PollenPieces *pieces = g_steal_pointer (&block->pieces);

  g_mutex_lock (&pieces->lock);
  if (pieces->n_free < pieces->keep) {
    pieces->free_blocks = g_slist_prepend (pieces->free_blocks,
        g_steal_pointer (&block));
    pieces->n_free++;
  }
  g_mutex_unlock (&pieces->lock);
  g_clear_pointer (&block, block_free);
  pollen_pieces_unref (pieces);
}

/* With the lock: a new block, the next part of the slab being carved. */
static Block *
pollen_pieces_carve (PollenPieces * pieces)
{
  gsize slab_size = MAX (pieces->size, SLAB_SIZE - SLAB_SIZE % pieces->size);
  Block *block = g_new (Block, 1);

  if (!pieces->carving) {
    pieces->carving = slab_new (slab_size);
    pieces->carved = 0;
  }
  block->slab = slab_ref (pieces->carving);
  block->data = (guint8 *) pieces->carving->data + pieces->carved;
  pieces->carved += pieces->size;
  if (pieces->carved + pieces->size > slab_size)
    g_clear_pointer (&pieces->carving, slab_unref);
  return block;
}

/**
 * pollen_pieces_take:
 *
 * Returns: (transfer full): a writable memory of the pieces' size, one
 * that came back when there is one.
 */
GstMemory *
pollen_pieces_take (PollenPieces * pieces)
{
  Block *block;

  g_mutex_lock (&pieces->lock);
  block = pieces->free_blocks ? pieces->free_blocks->data : NULL;
  if (block) {
    pieces->free_blocks = g_slist_delete_link (pieces->free_blocks,
        pieces->free_blocks);
    pieces->n_free--;
  } else {
    block = pollen_pieces_carve (pieces);
  }
  g_mutex_unlock (&pieces->lock);
  block->pieces = pollen_pieces_ref (pieces);
  return gst_memory_new_wrapped (0, block->data, pieces->size, 0,
      pieces->size, block, block_done);
}
