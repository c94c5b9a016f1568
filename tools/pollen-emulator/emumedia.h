/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Placeholder media for the emulator's default handlers. Everything is
 * deterministic: the same arguments give the same bytes, so tests can
 * compare bodies. Pictures and clips are made once per process and kept
 * (up to 256 MiB; a call for one being made waits for it). All functions
 * may be called from any thread at once; gst_init() must have been
 * called. */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* A still picture of @prompt in @format: "jpeg" (quality 90, as the
 * server re-encodes every picture), "png" (RGB) or "png-alpha" (RGBA with a
 * see-through background): a videotestsrc pattern and colours chosen from a
 * hash of @prompt and @seed, with the prompt written over it when the
 * textoverlay element is installed, and noise of a few levels on every
 * pixel so that it weighs what a real picture of its size weighs.
 * @width and @height must be 1 … 8192. */
GBytes *emu_media_image (const gchar * prompt, gint64 seed, guint width,
    guint height, const gchar * format, GError ** error);

/* A clip of @duration_s seconds (at least one frame) at 24 fps, looking
 * like emu_media_image() with its pattern moving: H.264 at about 0.18 bits
 * a pixel (4 Mbit/s at 1280x720) in MP4 with the index (moov) first, as
 * the video models answer. @width and @height must be even. */
GBytes *emu_media_video (const gchar * prompt, gint64 seed, guint width,
    guint height, guint duration_s, GError ** error);

/* "Speech" for @text as S16LE mono PCM at @rate: one tone burst per word
 * (60 ms per letter or digit, 120 ms … 3 s, pitch 200 … 800 Hz from a
 * hash of the word, -12 dBFS, 20 ms fades), 80 ms of silence between words
 * and 400 ms after a word ending a sentence (. ! ?). Text without words
 * gives 200 ms of silence. */
GBytes *emu_media_speech_pcm (const gchar * text, guint rate);

/* A word of emu_media_speech_pcm(): the bytes of @text it was made from
 * ([text_start, text_end)) and its tone's samples ([start, end)). */
typedef struct
{
  gsize text_start;
  gsize text_end;
  gsize start;
  gsize end;
} EmuMediaWord;

/* Where emu_media_speech_pcm() puts each word of @text (valid UTF-8), as
 * an array of EmuMediaWord, and in *@total how long the speech is, in
 * samples at @rate. */
GArray *emu_media_speech_words (const gchar * text, guint rate,
    gsize * total);

/* Samples [start, end). */
typedef struct
{
  gsize start;
  gsize end;
} EmuMediaSpan;

/* A tone of @freq over each of @spans (in order) and silence elsewhere,
 * @total samples of S16LE mono at @rate, like a word of speech: -12 dBFS,
 * 20 ms fades. */
GBytes *emu_media_tones_pcm (const EmuMediaSpan * spans, guint n_spans,
    gdouble freq, gsize total, guint rate);

/* A melody of 250 ms notes chosen from a hash of @prompt and @seed, as
 * S16LE mono PCM at @rate, exactly @duration_s seconds long. */
GBytes *emu_media_music_pcm (const gchar * prompt, gint64 seed,
    guint duration_s, guint rate);

/* S16LE mono @pcm at @rate encoded as @format: "wav", "pcm" (as is), "mp3",
 * "opus" (Ogg, 48 kHz), "flac" or "aac" (in an M4A container, as OpenAI
 * returns it). On success *@content_type is set to a static MIME type
 * (audio/wav, audio/pcm, audio/mpeg, audio/opus, audio/flac, audio/aac),
 * on failure to %NULL. A missing encoder is a %GST_CORE_ERROR_MISSING_PLUGIN
 * error naming the element; empty @pcm is an error except for wav and pcm. */
GBytes *emu_media_encode_audio (GBytes * pcm, guint rate,
    const gchar * format, const gchar ** content_type, GError ** error);

/* "WIDTHxHEIGHT COLOUR" of a JPEG picture: its size and the nearest of
 * black, white, grey, red, green, blue, yellow, cyan, magenta to its
 * average colour. */
gchar *emu_media_describe_image (GBytes * jpeg, GError ** error);

/* The helpers the pictures above are made with, for other made media
 * (emuedit.c): whether an element is installed; a pipeline parsed from
 * @desc; run to its end, an appsrc named "src" fed @input (transfer full,
 * may be NULL), what its element "sink" (an appsink or a filesink) got;
 * @prompt as textoverlay markup cut to what fits a picture. */
gboolean emu_have_element (const gchar * name);
GstElement *emu_pipeline_new (const gchar * desc, GError ** error);
GBytes *emu_pipeline_run (GstElement * pipeline, GstBuffer * input,
    GError ** error);
gchar *emu_overlay_text (const gchar * prompt);

G_END_DECLS
