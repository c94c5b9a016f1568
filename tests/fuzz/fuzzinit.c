/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#include "fuzztarget.h"

/* A GLib critical or warning is a bug the fuzzer must report. */
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* criticals anywhere are bugs; warnings are bugs only in gst-pollen's own
   * code (the default domain): GStreamer may rightly warn about the text a
   * user gives it (a 0.10-style caps name in extra-params, say) */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_log_set_fatal_mask (NULL, G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}
