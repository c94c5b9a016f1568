/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

gchar *     pollen_text_from_bytes (const guint8 * data, gsize size,
                                    gboolean * repaired);
gchar *     pollen_text_strip_markup (const gchar * markup);
gchar *     pollen_text_normalize_space (const gchar * text);
gsize       pollen_text_utf16_length (const gchar * text);
GPtrArray * pollen_text_split (const gchar * text, gsize max_units);
gchar *     pollen_text_from_buffer (GstElement * element, GstBuffer * buffer,
                                     gboolean is_markup);
gchar *     pollen_text_preview (const gchar * text);

/* Cuts a text that arrives in pieces (a streamed reply) into sentences as
 * soon as each is complete. */
typedef struct _PollenSentences PollenSentences;

PollenSentences * pollen_sentences_new (void);
void              pollen_sentences_free (PollenSentences * sentences);
GPtrArray *       pollen_sentences_feed (PollenSentences * sentences,
                                         const gchar * delta);
gchar *           pollen_sentences_finish (PollenSentences * sentences);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PollenSentences, pollen_sentences_free)

G_END_DECLS
