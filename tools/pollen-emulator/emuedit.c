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
 * GPT Image models. A model that takes no picture (flux, zimage …) makes
 * a picture of the prompt alone, as the real ones do: the upload is
 * ignored. Only multipart bodies are taken (the server also takes JSON
 * with picture URLs), and a URL in `image` is not fetched. */

#include "emuserver.h"
#include "emumedia.h"

#include <gst/video/video.h>
#include <string.h>

#define EMU_EDIT_DEFAULT_MODEL "flux"   /* the route's default */
#define EMU_EDIT_DEFAULT_SIDE 1024      /* a model's side without size */
#define EMU_EDIT_MIN_SIDE 16
#define EMU_EDIT_MAX_SIDE 4096
#define EMU_EDIT_OVERLAY_PT 12

/* The picture models of the server's registry (shared/registry/image.ts):
 * name, aliases (space-separated), and whether it takes a picture. */
typedef struct
{
  const gchar *name;
  const gchar *aliases;
  gboolean takes_image;
} EmuImageModel;

static const EmuImageModel emu_image_models[] = {
  {"dreamshaper", "sana", FALSE},
  {"kontext", "", TRUE},
  {"nanobanana", "", TRUE},
  {"nanobanana-2", "nanobanana2", TRUE},
  {"nanobanana-2-lite", "nanobanana2lite nanobanana-lite", TRUE},
  {"nanobanana-pro", "", TRUE},
  {"seedream5", "", TRUE},
  {"seedream5-pro", "seedream-5-pro seedream-pro-5", TRUE},
  {"seedream", "", TRUE},
  {"seedream-pro", "", TRUE},
  {"ideogram-v4-turbo", "", FALSE},
  {"ideogram-v4-balanced", "", FALSE},
  {"ideogram-v4-quality", "", FALSE},
  {"gptimage", "gpt-image gpt-image-1-mini", TRUE},
  {"gptimage-large", "gpt-image-1.5 gpt-image-large", TRUE},
  {"gpt-image-2", "", TRUE},
  {"flux", "", FALSE},
  {"zimage", "z-image z-image-turbo", FALSE},
  {"wan-image", "wan2.7-image wan-img", TRUE},
  {"wan-image-pro", "wan2.7-image-pro wan-img-pro", TRUE},
  {"qwen-image", "qwen-image-plus qwen-image-2512 qwen-image-edit "
        "qwen-image-edit-plus", TRUE},
  {"grok-imagine", "grok-imagine-image", TRUE},
  {"grok-imagine-pro", "grok-aurora aurora grok-imagine-image-quality "
        "grok-imagine-image-pro", TRUE},
  {"klein", "flux-klein", TRUE},
  {"p-image", "pruna-image pruna", FALSE},
  {"p-image-edit", "pruna-edit pruna-image-edit", TRUE},
  {"nova-canvas", "amazon-nova-canvas", TRUE},
};

/* An edit being made. */
typedef struct
{
  PollenEmulator *emulator;
  const EmuImageModel *model;
  gchar *prompt;
  GBytes *image;                /* the picture sent */
  guint width;
  guint height;
} EmuEdit;

/* The model @name (or its alias; a publisher prefix ignored), or NULL. */
static const EmuImageModel *
emu_edit_find_model (const gchar * name)
{
  const gchar *slash = strrchr (name, '/');
  const gchar *base = slash ? slash + 1 : name;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (emu_image_models); i++) {
    g_auto (GStrv) aliases = g_strsplit (emu_image_models[i].aliases, " ", -1);

    if (g_str_equal (base, emu_image_models[i].name) ||
        g_strv_contains ((const gchar * const *) aliases, base))
      return &emu_image_models[i];
  }
  return NULL;
}

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
 * of it (GPT Image picks its nearest size). */
static void
emu_edit_size (const gchar * size, const EmuImageModel * model,
    guint * width, guint * height)
{
  g_auto (GStrv) sides = g_strsplit (size ? size : "", "x", 2);

  *width = emu_edit_side (sides[0]);
  *height = sides[0] ? emu_edit_side (sides[1]) : EMU_EDIT_DEFAULT_SIDE;
  emu_picture_frame (model->name, width, height);
}

static gboolean
emu_edit_is_gpt_image (const EmuImageModel * model)
{
  return g_str_has_prefix (model->name, "gptimage") ||
      g_str_has_prefix (model->name, "gpt-image");
}

static void
emu_edit_free (EmuEdit * edit)
{
  g_free (edit->prompt);
  g_clear_pointer (&edit->image, g_bytes_unref);
  g_free (edit);
}

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
      overlay, emu_edit_is_gpt_image (edit->model) ? "pngenc" :
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

  if (edit->model->takes_image)
    return emu_edit_render (edit, error);
  return emu_media_image (edit->prompt, 0, edit->width, edit->height,
      "jpeg", error);
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
  pollen_emulator_response_add_header (response, "x-model-used",
      edit->model->name);
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

/* The model asked for, or NULL with the 400 of the server's resolveModel
 * sent. */
static const EmuImageModel *
emu_edit_take_model (PollenEmulator * emulator, SoupServerMessage * msg,
    EmuForm * form)
{
  const gchar *name = emu_form_get (form, "model");
  const EmuImageModel *model;
  g_autofree gchar *message = NULL;

  if (!name || !*name)
    name = EMU_EDIT_DEFAULT_MODEL;
  model = emu_edit_find_model (name);
  if (model)
    return model;
  message = g_strdup_printf ("Invalid model or alias: \"%s\". Must be a "
      "valid model name or alias.", name);
  emu_send_error (emulator, msg, 400, "BAD_REQUEST", message);
  return NULL;
}

/* Checks the form in the server's order, then makes the edit off the
 * emulator's thread and answers. */
void
emu_handle_image_edit (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_autoptr (EmuForm) form = NULL;
  EmuEdit edit = { emulator };
  const gchar *prompt;

  if (!emu_check_key (emulator, msg, request))
    return;
  form = emu_form_parse (request, NULL);
  if (!form) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "Invalid multipart form data");
    return;
  }
  if (!(edit.model = emu_edit_take_model (emulator, msg, form)))
    return;
  prompt = emu_form_get (form, "prompt");
  if (!prompt || !*prompt) {
    emu_send_error (emulator, msg, 400, "BAD_REQUEST",
        "Missing required field: prompt");
    return;
  }
  if (!(edit.image = emu_edit_take_image (emulator, msg, form)))
    return;
  emu_edit_size (emu_form_get (form, "size"), edit.model, &edit.width,
      &edit.height);
  edit.prompt = g_strdup (prompt);
  emu_answer_later (emulator, msg, emu_edit_make, emu_edit_answer,
      g_memdup2 (&edit, sizeof (edit)), (GDestroyNotify) emu_edit_free);
}
