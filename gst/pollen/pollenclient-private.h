/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* What the client gives its other kind of connection, the WebSocket of a
 * realtime session (pollensession.c): elements use pollenclient.h only. */

#pragma once

#include <libsoup/soup.h>
#include "pollenclient.h"

G_BEGIN_DECLS

/* the client's debug category, "pollenclient": the wire at TRACE,
 * sessions included (a function, not a shared global: the tests link the
 * plugin's code twice) */
GstDebugCategory *        pollen_client_debug_category (void);

SoupWebsocketConnection * pollen_client_connect_websocket (PollenClient * client,
                                                           const PollenRequest * request,
                                                           GCancellable * cancellable,
                                                           GError ** error);
GstObject *               pollen_client_get_log_object (PollenClient * client);

G_END_DECLS
