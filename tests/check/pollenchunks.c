/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* PollenChunks, the store pollensrc keeps a body in, with a small memory
 * limit: ranges across pieces, memory and file, and PollenPieces handing
 * memories back. */

#include <gst/check/gstcheck.h>
#include "pollenchunks.h"

#include <string.h>

#define PIECE 10
#define LIMIT 25                /* two pieces in the head */
#define TAIL 15                 /* one unread piece past it in memory */

/* Appends @n pieces of PIECE bytes, byte i of the body being i. */
static void
append_pieces (PollenChunks * chunks, PollenPieces * pieces, guint n)
{
  guint i, j;

  for (i = 0; i < n; i++) {
    guint64 start = pollen_chunks_get_size (chunks);
    GstMemory *memory = pollen_pieces_take (pieces);
    GstMapInfo map;

    gst_memory_map (memory, &map, GST_MAP_WRITE);
    for (j = 0; j < PIECE; j++)
      map.data[j] = (guint8) (start + j);
    gst_memory_unmap (memory, &map);
    fail_unless (pollen_chunks_append (chunks, memory, NULL));
  }
}

static void
assert_bytes (GstBuffer * buffer, guint64 offset, gsize length)
{
  GstMapInfo map;
  gsize i;

  gst_buffer_map (buffer, &map, GST_MAP_READ);
  fail_unless_equals_uint64 (map.size, length);
  for (i = 0; i < length; i++)
    fail_unless_equals_int (map.data[i], (guint8) (offset + i));
  gst_buffer_unmap (buffer, &map);
}

/* A look at [@offset, @offset + @length): the body's bytes. */
static void
assert_range (PollenChunks * chunks, guint64 offset, gsize length)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstBuffer) buffer = pollen_chunks_get_range (chunks, offset,
      length, &error);

  fail_unless (buffer != NULL, "%s", error ? error->message : "");
  assert_bytes (buffer, offset, length);
}

/* The reader takes [@offset, @offset + @length): the body's bytes. */
static void
take_range (PollenChunks * chunks, guint64 offset, gsize length)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstBuffer) buffer = pollen_chunks_take_range (chunks, offset,
      length, &error);

  fail_unless (buffer != NULL, "%s", error ? error->message : "");
  assert_bytes (buffer, offset, length);
}

GST_START_TEST (test_spilled_body_reads_anywhere)
{
  PollenPieces *pieces = pollen_pieces_new (PIECE, 2);
  g_autoptr (PollenChunks) chunks = pollen_chunks_new (LIMIT, TAIL, FALSE);

  append_pieces (chunks, pieces, 6);
  fail_unless_equals_uint64 (pollen_chunks_get_size (chunks), 60);
  assert_range (chunks, 0, 60);
  assert_range (chunks, 5, 10);         /* across two memories */
  assert_range (chunks, 15, 20);        /* memory, then the file */
  assert_range (chunks, 33, 4);         /* the file */
  assert_range (chunks, 52, 8);         /* the last piece */
  take_range (chunks, 20, 40);          /* nothing let go */
  assert_range (chunks, 20, 40);
  pollen_pieces_unref (pieces);
}

GST_END_TEST;

/* A reader in order lets go of what it took past the head: a reader that
 * keeps up costs no file; going back past the head is an error that says
 * why. */
GST_START_TEST (test_reader_in_order_lets_go)
{
  PollenPieces *pieces = pollen_pieces_new (PIECE, 2);
  g_autoptr (PollenChunks) chunks = pollen_chunks_new (LIMIT, TAIL, TRUE);
  g_autoptr (GError) error = NULL;
  GstBuffer *gone;
  guint i;

  for (i = 0; i < 8; i++) {
    append_pieces (chunks, pieces, 1);
    take_range (chunks, i * PIECE, PIECE);
  }
  assert_range (chunks, 0, 20);         /* the head stays */
  gone = pollen_chunks_get_range (chunks, 40, 5, &error);
  fail_unless (gone == NULL);
  fail_unless (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  fail_unless (strstr (error->message, "no longer held") != NULL, "%s",
      error->message);
  pollen_pieces_unref (pieces);
}

GST_END_TEST;

/* A reader that falls behind: what it has not read yet past the tail
 * limit goes to the file and comes back from it. */
GST_START_TEST (test_slow_reader_reads_from_the_file)
{
  PollenPieces *pieces = pollen_pieces_new (PIECE, 2);
  g_autoptr (PollenChunks) chunks = pollen_chunks_new (LIMIT, TAIL, TRUE);
  guint i;

  append_pieces (chunks, pieces, 9);
  for (i = 0; i < 9; i++)
    take_range (chunks, i * PIECE, PIECE);
  assert_range (chunks, 0, 20);
  pollen_pieces_unref (pieces);
}

GST_END_TEST;

GST_START_TEST (test_pieces_come_back)
{
  PollenPieces *pieces = pollen_pieces_new (PIECE, 2);
  GstMemory *first = pollen_pieces_take (pieces);
  GstMemory *shared = gst_memory_share (first, 2, 3);
  GstMapInfo map;
  gpointer data;

  gst_memory_map (first, &map, GST_MAP_READ);
  data = map.data;
  gst_memory_unmap (first, &map);
  gst_memory_unref (first);
  /* still in use through the shared part: not handed out again */
  first = pollen_pieces_take (pieces);
  gst_memory_map (first, &map, GST_MAP_READ);
  fail_unless (map.data != data);
  gst_memory_unmap (first, &map);
  gst_memory_unref (first);
  /* its last user let go: the same block, warm, for the next piece (the
   * last one back is the first out) */
  gst_memory_unref (shared);
  first = pollen_pieces_take (pieces);
  gst_memory_map (first, &map, GST_MAP_READ);
  fail_unless (map.data == data);
  gst_memory_unmap (first, &map);
  gst_memory_unref (first);
  pollen_pieces_unref (pieces);
}

GST_END_TEST;

/* Fills @n memories of @pieces, each with its own byte, and checks them
 * all afterwards: none shares bytes with another. */
static void
assert_pieces_apart (gsize size, guint n)
{
  PollenPieces *pieces = pollen_pieces_new (size, 2);
  GstMemory *memories[8];
  GstMapInfo map;
  guint i;
  gsize j;

  for (i = 0; i < n; i++) {
    memories[i] = pollen_pieces_take (pieces);
    gst_memory_map (memories[i], &map, GST_MAP_WRITE);
    fail_unless_equals_uint64 (map.size, size);
    memset (map.data, 'a' + i, size);
    gst_memory_unmap (memories[i], &map);
  }
  for (i = 0; i < n; i++) {
    gst_memory_map (memories[i], &map, GST_MAP_READ);
    for (j = 0; j < size && map.data[j] == 'a' + i; j++);
    fail_unless (j == size, "memory %u of %" G_GSIZE_FORMAT " bytes was "
        "written over at byte %" G_GSIZE_FORMAT, i, size, j);
    gst_memory_unmap (memories[i], &map);
  }
  for (i = 0; i < n; i++)
    gst_memory_unref (memories[i]);
  pollen_pieces_unref (pieces);
}

/* Memories are cut several from one block of 2 MiB, or one each when
 * bigger or when 2 MiB is not a whole number of them: never overlapping. */
GST_START_TEST (test_pieces_never_overlap)
{
  assert_pieces_apart (PIECE, 8);
  assert_pieces_apart (1024 * 1024, 5);
  assert_pieces_apart (1536 * 1024, 3);
  assert_pieces_apart (3 * 1024 * 1024, 3);
}

GST_END_TEST;

static Suite *
pollenchunks_suite (void)
{
  Suite *s = suite_create ("pollenchunks");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_spilled_body_reads_anywhere);
  tcase_add_test (tc, test_reader_in_order_lets_go);
  tcase_add_test (tc, test_slow_reader_reads_from_the_file);
  tcase_add_test (tc, test_pieces_come_back);
  tcase_add_test (tc, test_pieces_never_overlap);
  return s;
}

GST_CHECK_MAIN (pollenchunks);
