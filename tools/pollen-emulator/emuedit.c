/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* POST /v1/images/edits as the server's routes/images.ts answers it: a
 * multipart form with `prompt` and the picture in `image` (or `image[]`),
 * `model` (default flux), `size` "WxH", `quality`, `safe`, `resolution`;
 * the answer {created, data: [{b64_json, revised_prompt}], usage}.
 *
 * The edit is deterministic, so that a test sees which frame was edited
 * with which prompt: the picture sent, scaled to the size the model makes,
 * its colours inverted (red becomes cyan), the prompt written at its top
 * left when textoverlay is installed; a JPEG (quality 90), a PNG from the
 * GPT Image models. The model is resolved in the emulator's model lists
 * (emumodels.c), as every generation's is. A model that takes no picture
 * (flux, zimage …) makes a picture of the prompt alone, as the real ones
 * do: the upload is ignored; a video model makes a one-second clip, which
 * the route answers base64 like a picture. Only multipart bodies are
 * taken (the server also takes JSON with picture URLs), and a URL in
 * `image` is not fetched. */

#include "emuserver.h"
#include "emumedia.h"

#include <gst/video/video.h>
#include <string.h>

#define EMU_EDIT_DEFAULT_MODEL "flux"   /* the route's default */
#define EMU_EDIT_DEFAULT_SIDE 1024      /* a model's side without size */
#define EMU_EDIT_MIN_SIDE 16
#define EMU_EDIT_MAX_SIDE 4096
#define EMU_EDIT_OVERLAY_PT 12

/* What a model makes of an edit. */
typedef enum
{
  EMU_EDIT_PICTURE,             /* the picture sent, edited */
  EMU_EDIT_PROMPT_ONLY,         /* a picture of the prompt: no picture in */
  EMU_EDIT_CLIP,                /* a video model's clip */
} EmuEditKind;

/* An edit being made. */
typedef struct
{
  PollenEmulator *emulator;
  gchar *model;                 /* the canonical id */
  EmuEditKind kind;
  gchar *prompt;
  GBytes *image;                /* the picture sent */
  guint width;
  guint height;
} EmuEdit;

/* One side of `size`: parseInt's number, the model's default when there
 * is none, kept within what the emulator's GET /image/ takes. */
static guint
emu_edit_side (const gchar * text)
{
  gchar *end = NULL;
  gint64 value;

  if (!text)
    return EMU_EDIT_DEFAULT_SIDE;
  value = g_ascii_strtoll (text, &end, 10);
  if (end == text)
    return EMU_EDIT_DEFAULT_SIDE;
  return (guint) CLAMP (value, EMU_EDIT_MIN_SIDE, EMU_EDIT_MAX_SIDE);
}

/* The size the server reads from `size` ("WxH"), and what the model makes
 * of it (GPT Image picks its nearest size; a clip's sides are even). */
static void
emu_edit_size (const gchar * size, EmuEdit * edit)
{
  g_auto (GStrv) sides = g_strsplit (size ? size : "", "x", 2);

  edit->width = emu_edit_side (sides[0]);
  edit->height = sides[0] ? emu_edit_side (sides[1]) : EMU_EDIT_DEFAULT_SIDE;
  emu_picture_frame (edit->model, &edit->width, &edit->height);
  if (edit->kind == EMU_EDIT_CLIP) {
    edit->width &= ~1u;
    edit->height &= ~1u;
  }
}

/* Whether @entry's @member (a list of modalities) holds @modality. */
static gboolean
emu_edit_has_modality (JsonObject * entry, const gchar * member,
    const gchar * modality)
{
  JsonArray *list = emu_json_get_array (entry, member);
  guint i;

  for (i = 0; list && i < json_array_get_length (list); i++)
    if (g_strcmp0 (json_array_get_string_element (list, i), modality) == 0)
      return TRUE;
  return FALSE;
}

static EmuEditKind
emu_edit_kind (JsonObject * entry)
{
  if (emu_model_is_video (entry))
    return EMU_EDIT_CLIP;
  if (emu_edit_has_modality (entry, "input_modalities", "image"))
    return EMU_EDIT_PICTURE;
  return EMU_EDIT_PROMPT_ONLY;
}

static void
emu_edit_free (EmuEdit * edit)
{
  g_free (edit->model);
  g_free (edit->prompt);
  g_clear_pointer (&edit->image, g_bytes_unref);
  g_free (edit);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmuEdit, emu_edit_free);

/* ---- the picture, made in a worker thread ---- */

static GstPadProbeReturn
emu_edit_invert (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER
      (info));
  GstMapInfo map;
  gsize i;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  /* RGBx: rows of 4-byte pixels, never padded; the fourth is no colour */
  if (gst_buffer_map (buffer, &map, GST_MAP_READWRITE)) {
    for (i = 0; i < map.size; i++)
      if (i % 4 != 3)
        map.data[i] = 255 - map.data[i];
    gst_buffer_unmap (buffer, &map);
  }
  return GST_PAD_PROBE_OK;
}

static gchar *
emu_edit_description (const EmuEdit * edit)
{
  g_autofree gchar *overlay = emu_have_element ("textoverlay") ?
      g_strdup_printf ("textoverlay name=overlay font-desc=\"Sans %u\" "
      "valignment=top halignment=left shaded-background=true ! ",
      EMU_EDIT_OVERLAY_PT) : g_strdup ("");

  return g_strdup_printf ("appsrc name=src ! decodebin ! videoconvert ! "
      "videoscale add-borders=false ! video/x-raw,format=RGBx,width=%u,"
      "height=%u,pixel-aspect-ratio=1/1 ! identity name=invert ! "
      "%svideoconvert ! %s ! appsink name=sink", edit->width, edit->height,
      overlay, emu_model_is_gpt_image (edit->model) ? "pngenc" :
      "jpegenc quality=90");
}

/* The picture sent, inverted and captioned with the prompt. */
static GBytes *
emu_edit_render (const EmuEdit * edit, GError ** error)
{
  g_autofree gchar *desc = emu_edit_description (edit);
  GstElement *pipeline = emu_pipeline_new (desc, error);
  GstElement *element;
  GstPad *pad;

  if (!pipeline)
    return NULL;
  element = gst_bin_get_by_name (GST_BIN (pipeline), "invert");
  pad = gst_element_get_static_pad (element, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, emu_edit_invert, NULL,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (element);
  element = gst_bin_get_by_name (GST_BIN (pipeline), "overlay");
  if (element) {
    g_autofree gchar *text = emu_overlay_text (edit->prompt);

    g_object_set (element, "text", text, NULL);
    gst_object_unref (element);
  }
  return emu_pipeline_run (pipeline,
      gst_buffer_new_wrapped_bytes (edit->image), error);
}

/* In a worker thread. */
static GBytes *
emu_edit_make (gpointer data, GError ** error)
{
  EmuEdit *edit = data;

  switch (edit->kind) {
    case EMU_EDIT_PICTURE:
      return emu_edit_render (edit, error);
    case EMU_EDIT_PROMPT_ONLY:
      return emu_media_image (edit->prompt, 0, edit->width, edit->height,
          "jpeg", error);
    default:
      return emu_media_video (edit->prompt, 0, edit->width, edit->height, 1,
          error);
  }
}

/* ---- the answer ---- */

static gchar *
emu_edit_answer_json (const EmuEdit * edit, GBytes * picture)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *b64 = g_base64_encode (g_bytes_get_data (picture, NULL),
      g_bytes_get_size (picture));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "created");
  json_builder_add_int_value (builder, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "b64_json");
  json_builder_add_string_value (builder, b64);
  json_builder_set_member_name (builder, "revised_prompt");
  json_builder_add_string_value (builder, edit->prompt);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "usage");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "total_tokens");
  json_builder_add_int_value (builder, 1);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
emu_edit_answer (gpointer data, SoupServerMessage * msg, GBytes * picture,
    const GError * error)
{
  EmuEdit *edit = data;
  g_autofree gchar *json = NULL;
  PollenEmulatorResponse *response;

  if (!picture) {
    g_autofree gchar *message = g_strdup_printf ("Invalid image request: "
        "the image could not be decoded (%s)", error->message);

    emu_send_error (edit->emulator, msg, 400, "BAD_REQUEST", message);
    return;
  }
  json = emu_edit_answer_json (edit, picture);
  response = pollen_emulator_response_new_json (200, json);
  pollen_emulator_response_add_header (response, "x-model-used", edit->model);
  pollen_emulator_response_add_header (response,
      "x-usage-completion-image-tokens", "1");
  emu_send (edit->emulator, msg, response);
}

/* ---- the request ---- */

/* The upload, or NULL with the answer sent: the server's messages when
 * there is none, and a URL is not fetched here. */
static GBytes *
emu_edit_take_image (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuForm * form)
{
  const gchar *url = emu_form_get (form, "image");
  g_autofree gchar *message = NULL;

  if (form->file && (g_str_equal (form->file_field, "image") ||
          g_str_equal (form->file_field, "image[]")))
    return g_bytes_ref (form->file);
  if (!url)
    url = emu_form_get (form, "image[]");
  if (!url) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "Missing required field: image");
    return NULL;
  }
  message = g_strdup_printf ("Invalid image request: Failed to fetch image "
      "%s: the emulator fetches no URLs", url);
  emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
  return NULL;
}

/* The model asked for, resolved as every generation's, and let through
 * the per-user limit; else FALSE with the answer sent. */
static gboolean
emu_edit_take_model (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, EmuForm * form, EmuEdit * edit)
{
  const gchar *name = emu_form_get (form, "model");
  g_autoptr (JsonObject) entry = NULL;

  if (!name || !*name)
    name = EMU_EDIT_DEFAULT_MODEL;
  if (!emu_models_check (emulator, msg, EMU_MODELS_IMAGE, name, &entry) ||
      !emu_admit_model (emulator, msg, request, entry))
    return FALSE;
  edit->model = g_strdup (json_object_get_string_member (entry, "name"));
  edit->kind = emu_edit_kind (entry);
  return TRUE;
}

/* Checks the form in the server's order, then makes the edit off the
 * emulator's thread and answers. */
void
emu_handle_image_edit (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_autoptr (EmuForm) form = NULL;
  g_autoptr (EmuEdit) edit = g_new0 (EmuEdit, 1);
  const gchar *prompt;

  if (!emu_check_key (emulator, msg, request))
    return;
  form = emu_form_parse (request, NULL);
  if (!form) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "Invalid multipart form data");
    return;
  }
  if (!emu_edit_take_model (emulator, msg, request, form, edit))
    return;
  prompt = emu_form_get (form, "prompt");
  if (!prompt || !*prompt) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "Missing required field: prompt");
    return;
  }
  if (!(edit->image = emu_edit_take_image (emulator, msg, form)))
    return;
  emu_edit_size (emu_form_get (form, "size"), edit);
  edit->emulator = emulator;
  edit->prompt = g_strdup (prompt);
  emu_answer_later (emulator, msg, emu_edit_make, emu_edit_answer,
      g_steal_pointer (&edit), (GDestroyNotify) emu_edit_free);
}
