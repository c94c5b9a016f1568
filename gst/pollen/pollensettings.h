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
#include "pollenclient.h"
#include "pollendefaults.h"

G_BEGIN_DECLS

#define POLLEN_DEFAULT_RETRIES 3
/* room for minutes of WAV speech, a large picture or a video clip */
#define POLLEN_DEFAULT_MAX_BODY_SIZE (256 * 1024 * 1024)

/* The properties every element has. An element numbers its own properties
 * from POLLEN_PROP_LAST on. */
enum
{
  POLLEN_PROP_0,
  POLLEN_PROP_API_KEY,
  POLLEN_PROP_BASE_URL,
  POLLEN_PROP_MODEL,
  POLLEN_PROP_TIMEOUT,
  POLLEN_PROP_RETRIES,
  POLLEN_PROP_EXTRA_PARAMS,
  POLLEN_PROP_MAX_BODY_SIZE,
  POLLEN_PROP_DEADLINE,
  POLLEN_PROP_PROXY,
  POLLEN_PROP_EXTRA_HEADERS,
  POLLEN_PROP_SSL_CA_FILE,
  POLLEN_PROP_LAST
};

/**
 * PollenSettings:
 *
 * The values of the common properties: what the client is made with, the
 * model and the extra parameters. An element embeds one in its instance
 * struct, read and written under the element's object lock, and takes a
 * snapshot of it for each run.
 */
typedef struct
{
  PollenClientConfig client;
  gchar *model;
  GstStructure *extra_params;
} PollenSettings;

void pollen_element_init (void);

void     pollen_settings_install_properties (GObjectClass * klass,
                                             const gchar * default_model,
                                             const gchar * model_blurb,
                                             guint default_timeout);
void     pollen_settings_init (PollenSettings * settings,
                               const gchar * default_model,
                               guint default_timeout);
void     pollen_settings_clear (PollenSettings * settings);
void     pollen_settings_snapshot (GstElement * element,
                                   const PollenSettings * settings,
                                   const gchar * default_model,
                                   PollenSettings * snapshot);
gboolean pollen_settings_set_property (GObject * object,
                                       PollenSettings * settings,
                                       guint prop_id, const GValue * value);
gboolean pollen_settings_get_property (GObject * object,
                                       PollenSettings * settings,
                                       guint prop_id, GValue * value);
PollenClient * pollen_settings_ensure_client (GstElement * element,
                                              const PollenSettings * snapshot,
                                              PollenClient * current);
GstStructure * pollen_settings_dup_extra_params (GstElement * element,
                                                 PollenSettings * settings);
gchar *  pollen_settings_dup_model (GstElement * element,
                                    PollenSettings * settings);

void          pollen_property_replace_string (GObject * object,
                                              gchar ** field,
                                              const GValue * value);
const gchar * pollen_enum_get_nick (GType type, gint value);

void pollen_element_post_error (GstElement * element, PollenClient * client,
                                GstMessageType type, const gchar * action,
                                const GError * error);

gboolean pollen_extra_params_carry_key (const GstStructure * extra);

G_END_DECLS
