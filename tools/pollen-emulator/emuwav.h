/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* WAV as the emulator writes (speech, music) and reads (uploads) it. The
 * emulator keeps its own, apart from the plugin's pollenwav, so that a
 * mistake made the same way in both cannot pass unseen. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EMU_WAV_FORMAT_PCM 0x0001
#define EMU_WAV_FORMAT_EXTENSIBLE 0xFFFE

/**
 * EmuWavInfo:
 * @format: the format tag (the sub-format's, for WAVE_FORMAT_EXTENSIBLE)
 * @data_offset: where the samples start
 * @data_size: the size the data chunk announces, or for a streamed WAV
 *   (announcing 0 or 0xFFFFFFFF) the size of the rest of the file
 */
typedef struct
{
  guint rate;
  guint channels;
  guint bits;
  guint format;
  gsize data_offset;
  guint64 data_size;
} EmuWavInfo;

GBytes *emu_wav_new (GBytes * pcm, guint rate, guint channels);
gboolean emu_wav_read (GBytes * wav, EmuWavInfo * info, GError ** error);

G_END_DECLS
