/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollen-emulator: the local API emulator as a program. Prints its URL on
 * the first line of standard output, then serves until SIGINT or SIGTERM. */

#include <gst/gst.h>
#include <glib-unix.h>
#include <stdio.h>

#include "pollenemulator.h"

#define EMU_DESCRIPTION \
  "Serves the Pollinations API (gen.pollinations.ai) on 127.0.0.1 with\n" \
  "deterministic placeholder media of the sizes and shapes the real models\n" \
  "answer (the same request gives the same bytes):\n" \
  "  GET /image/{prompt}  a JPEG (quality 90) of the asked size, the prompt\n" \
  "                       written on a pattern with noise: 0.23-0.42 MB at\n" \
  "                       1024x1024, 3-5 MB at 4096x4096; GPT Image models\n" \
  "                       at 1024x1024, 1536x1024 or 1024x1536, and with\n" \
  "                       transparent=true a PNG with alpha (2-4 MB);\n" \
  "                       video models (veo, seedance-pro, seedance-2.0,\n" \
  "                       wan, nova-reel, ...): H.264 in MP4 with the index\n" \
  "                       (moov) first, 24 fps, about 5 Mbit/s at 720p (2.4\n" \
  "                       MB for 4 s), at the model's first resolution or\n" \
  "                       the resolution asked, landscape or portrait as\n" \
  "                       the server picks it; a duration the model does\n" \
  "                       not take is refused\n" \
  "  GET /audio/{text}, POST /v1/audio/speech  tone \"speech\" and music in\n" \
  "                       mp3, opus, aac, flac, wav, pcm; tts-1 (24 kHz)\n" \
  "                       with its six voices, elevenlabs (44.1 kHz)\n" \
  "                       with its own\n" \
  "  POST /v1/audio/transcriptions  a placeholder transcript timed on the\n" \
  "                       upload's sound\n" \
  "  POST /v1/chat/completions, GET /text/{prompt}  a placeholder reply\n" \
  "  GET /v1/realtime     WebSocket sessions (OpenAI Realtime): scribe-realtime\n" \
  "                       transcribes placeholder words; other models hold a\n" \
  "                       conversation, each turn answered with 1.5 s of a\n" \
  "                       440 Hz tone and a three-word transcript\n" \
  "  POST /v1/images/edits  the picture sent at the asked size, its colours\n" \
  "                       inverted, the prompt written on it\n" \
  "  model lists, /account/*, and the server's error envelopes and limits;\n" \
  "  a model name the server does not know is refused with its 400\n" \
  "Any sk_... or pk_... key is accepted. The first line printed is the URL."

static gboolean
on_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gint port = 0, generation_ms = 0, rate_limit = 0;
  gdouble pace = 0;
  gboolean free_account = FALSE, chunked = FALSE, model_rate_limit = FALSE;
  GOptionEntry entries[] = {
    {"port", 'p', 0, G_OPTION_ARG_INT, &port,
        "TCP port on 127.0.0.1 to listen on (default: any free port)", "PORT"},
    {"free-account", 0, 0, G_OPTION_ARG_NONE, &free_account,
          "Behave as for an account that never bought pollen: one "
          "generation at a time, more refused with 429 "
          "concurrency_limit_exceeded, and model lists asked with a key "
          "without the paid-only models", NULL},
    {"generation-ms", 0, 0, G_OPTION_ARG_INT, &generation_ms,
        "Take this long to answer each generation, and to say each word "
          "a realtime transcription hears (default: 0)", "MS"},
    {"rate-limit", 0, 0, G_OPTION_ARG_INT, &rate_limit,
          "Refuse more than N requests per 10 s with the per-IP 429 "
          "(default: no limit)", "N"},
    {"model-rate-limit", 0, 0, G_OPTION_ARG_NONE, &model_rate_limit,
          "Limit each key to 60 requests a minute on flux, zimage and klein "
          "as the server does, refused with 429 community_model_rate_limit "
          "and Retry-After", NULL},
    {"chunked", 0, 0, G_OPTION_ARG_NONE, &chunked,
        "Send every body chunked, without Content-Length", NULL},
    {"pace", 0, 0, G_OPTION_ARG_DOUBLE, &pace,
          "Send bodies at MBPS megabytes (10^6 bytes) a second, like a "
          "network (default: at once)", "MBPS"},
    {NULL}
  };
  g_autoptr (GOptionContext) options =
      g_option_context_new ("- local emulator of the Pollinations API");
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  PollenEmulator *emulator;

  g_option_context_set_description (options, EMU_DESCRIPTION);
  g_option_context_add_main_entries (options, entries, NULL);
  g_option_context_add_group (options, gst_init_get_option_group ());
  if (!g_option_context_parse (options, &argc, &argv, &error)) {
    g_printerr ("pollen-emulator: %s\n", error->message);
    return 2;
  }
  if (port < 0 || port > 65535) {
    g_printerr ("pollen-emulator: --port must be between 0 and 65535\n");
    return 2;
  }
  if (pace < 0) {
    g_printerr ("pollen-emulator: --pace must be 0 (at once) or more\n");
    return 2;
  }

  emulator = pollen_emulator_new (port, &error);
  if (!emulator) {
    g_printerr ("pollen-emulator: cannot listen on 127.0.0.1:%d: %s\n", port,
        error->message);
    return 1;
  }
  pollen_emulator_set_free_account (emulator, free_account);
  pollen_emulator_set_generation_time (emulator, MAX (0, generation_ms));
  pollen_emulator_set_rate_limit (emulator, MAX (0, rate_limit), 10000);
  if (model_rate_limit)
    pollen_emulator_set_model_rate_limit (emulator, NULL, 60, 60000);
  pollen_emulator_set_chunked (emulator, chunked);
  pollen_emulator_set_pace (emulator, pace);
  g_print ("%s\n", pollen_emulator_get_url (emulator));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);

  pollen_emulator_free (emulator);
  return 0;
}
