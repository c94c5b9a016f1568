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
#include <glib/gstdio.h>

struct _PollenChunks
{
  GPtrArray *memories;          /* GstMemory: the body from its first byte */
  GArray *starts;               /* guint64: where each of them starts */
  guint64 in_memory;            /* bytes the memories hold */
  guint64 size;                 /* bytes appended */
  gsize memory_limit;
  gboolean spill;               /* past the limit: a file, or forget */
  gint fd;                      /* the bytes from in_memory on, or -1 */
  GstMemory *last;              /* the last piece, also when it went to the
                                 * file: a reader in order asks for it next */
  guint64 last_start;
};

PollenChunks *
pollen_chunks_new (gsize memory_limit, gboolean spill)
{
  PollenChunks *chunks = g_new0 (PollenChunks, 1);

  chunks->memories = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_memory_unref);
  chunks->starts = g_array_new (FALSE, FALSE, sizeof (guint64));
  chunks->memory_limit = memory_limit;
  chunks->spill = spill;
  chunks->fd = -1;
  return chunks;
}

void
pollen_chunks_free (PollenChunks * chunks)
{
  if (!chunks)
    return;
  g_ptr_array_unref (chunks->memories);
  g_array_unref (chunks->starts);
  if (chunks->fd >= 0)
    close (chunks->fd);
  if (chunks->last)
    gst_memory_unref (chunks->last);
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

static gboolean
pollen_chunks_write (PollenChunks * chunks, GstMemory * memory, GError ** error)
{
  GstMapInfo map;
  gsize done = 0;
  guint64 at = chunks->size - chunks->in_memory;

  if (!pollen_chunks_open_file (chunks, error))
    return FALSE;
  gst_memory_map (memory, &map, GST_MAP_READ);
  while (done < map.size) {
    gssize n = pwrite (chunks->fd, map.data + done, map.size - done,
        at + done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    done += n;
  }
  gst_memory_unmap (memory, &map);
  if (done < map.size)
    set_io_error (error, "Could not write");
  return done == map.size;
}

/**
 * pollen_chunks_append:
 * @memory: (transfer full): the next bytes of the body
 *
 * Keeps @memory as it is while the memory limit allows, else writes it to
 * the file, or keeps it only until the next piece.
 *
 * Returns: FALSE with @error set when the file could not be written.
 */
gboolean
pollen_chunks_append (PollenChunks * chunks, GstMemory * memory,
    GError ** error)
{
  gsize size = memory->size;

  if (chunks->size == chunks->in_memory &&
      chunks->in_memory + size <= chunks->memory_limit) {
    g_ptr_array_add (chunks->memories, gst_memory_ref (memory));
    g_array_append_val (chunks->starts, chunks->size);
    chunks->in_memory += size;
  } else if (chunks->spill && !pollen_chunks_write (chunks, memory, error)) {
    gst_memory_unref (memory);
    return FALSE;
  }
  if (chunks->last)
    gst_memory_unref (chunks->last);
  chunks->last = memory;
  chunks->last_start = chunks->size;
  chunks->size += size;
  return TRUE;
}

guint64
pollen_chunks_get_size (const PollenChunks * chunks)
{
  return chunks->size;
}

/**
 * pollen_chunks_held_from:
 *
 * Returns: how many bytes from @offset on are held in one stretch: 0 when
 * they were forgotten (or have not come yet).
 */
guint64
pollen_chunks_held_from (const PollenChunks * chunks, guint64 offset)
{
  if (offset >= chunks->size)
    return 0;
  if (chunks->fd >= 0 || (chunks->last && offset >= chunks->last_start))
    return chunks->size - offset;
  if (offset < chunks->in_memory)
    return chunks->in_memory - offset;
  return 0;
}

/**
 * pollen_chunks_forget_from:
 *
 * Drops what is held from @offset on (not less than what memory holds),
 * for a body read again from @offset: the next piece appended starts
 * there.
 */
void
pollen_chunks_forget_from (PollenChunks * chunks, guint64 offset)
{
  g_return_if_fail (offset >= chunks->in_memory && !chunks->spill);
  g_clear_pointer (&chunks->last, gst_memory_unref);
  chunks->size = offset;
}

/* The memory holding @offset (< in_memory). */
static guint
pollen_chunks_find (const PollenChunks * chunks, guint64 offset)
{
  guint low = 0, high = chunks->starts->len - 1;

  while (low < high) {
    guint mid = (low + high + 1) / 2;

    if (g_array_index (chunks->starts, guint64, mid) <= offset)
      low = mid;
    else
      high = mid - 1;
  }
  return low;
}

/* Adds the part of [@offset, @end) that is in memory, shared, not copied.
 * Returns where the file part starts. */
static guint64
pollen_chunks_add_memories (PollenChunks * chunks, GstBuffer * buffer,
    guint64 offset, guint64 end)
{
  guint i;

  if (offset >= chunks->in_memory)
    return offset;
  for (i = pollen_chunks_find (chunks, offset); offset < end &&
      i < chunks->memories->len; i++) {
    GstMemory *memory = g_ptr_array_index (chunks->memories, i);
    guint64 start = g_array_index (chunks->starts, guint64, i);
    gsize piece = MIN (end, start + memory->size) - offset;

    gst_buffer_append_memory (buffer, gst_memory_share (memory,
            offset - start, piece));
    offset += piece;
  }
  return offset;
}

/* Adds [@offset, @end) from the file, read into a new memory. */
static gboolean
pollen_chunks_add_file (PollenChunks * chunks, GstBuffer * buffer,
    guint64 offset, guint64 end, GError ** error)
{
  GstMemory *memory;
  GstMapInfo map;
  gsize done = 0;

  if (chunks->fd < 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "bytes %"
        G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " of the body are no longer "
        "held", offset, end);
    return FALSE;
  }
  memory = gst_allocator_alloc (NULL, end - offset, NULL);

  gst_memory_map (memory, &map, GST_MAP_WRITE);
  while (done < map.size) {
    gssize n = pread (chunks->fd, map.data + done, map.size - done,
        offset - chunks->in_memory + done);

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

/**
 * pollen_chunks_get_range:
 *
 * The bytes [@offset, @offset + @length), which must have been appended.
 * What is in memory is shared, not copied; a range in the last piece is
 * served from it even when that went to the file.
 *
 * Returns: (transfer full): a buffer, or %NULL with @error set when the
 * file could not be read or the bytes were forgotten.
 */
GstBuffer *
pollen_chunks_get_range (PollenChunks * chunks, guint64 offset, gsize length,
    GError ** error)
{
  GstBuffer *buffer = gst_buffer_new ();
  guint64 end = offset + length;

  g_return_val_if_fail (end <= chunks->size, NULL);
  offset = pollen_chunks_add_memories (chunks, buffer, offset, end);
  if (offset < end && chunks->last && offset >= chunks->last_start) {
    gst_buffer_append_memory (buffer, gst_memory_share (chunks->last,
            offset - chunks->last_start, end - offset));
    offset = end;
  }
  if (offset < end && !pollen_chunks_add_file (chunks, buffer, offset, end,
          error))
    g_clear_pointer (&buffer, gst_buffer_unref);
  return buffer;
}

/* ---- recycled pieces ---- */

struct _PollenPieces
{
  gint refcount;
  gsize size;
  guint keep;
  GMutex lock;
  GSList *free_blocks;          /* under lock */
  guint n_free;                 /* under lock */
};

typedef struct
{
  PollenPieces *pieces;
  gpointer data;
} Block;

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
  g_slist_free_full (pieces->free_blocks, g_free);
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
  PollenPieces *pieces = block->pieces;

  g_mutex_lock (&pieces->lock);
  if (pieces->n_free < pieces->keep) {
    pieces->free_blocks = g_slist_prepend (pieces->free_blocks,
        g_steal_pointer (&block->data));
    pieces->n_free++;
  }
  g_mutex_unlock (&pieces->lock);
  g_free (block->data);
  pollen_pieces_unref (pieces);
  g_free (block);
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
  Block *block = g_new (Block, 1);

  g_mutex_lock (&pieces->lock);
  block->data = pieces->free_blocks ? pieces->free_blocks->data : NULL;
  if (block->data) {
    pieces->free_blocks = g_slist_delete_link (pieces->free_blocks,
        pieces->free_blocks);
    pieces->n_free--;
  }
  g_mutex_unlock (&pieces->lock);
  if (!block->data)
    block->data = g_malloc (pieces->size);
  block->pieces = pollen_pieces_ref (pieces);
  return gst_memory_new_wrapped (0, block->data, pieces->size, 0,
      pieces->size, block, block_done);
}
