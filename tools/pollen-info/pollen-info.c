/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollen-info: what is not a stream — the models with their voices, prices
 * and duration limits, the key's status, the balance and the usage — asked
 * of the API through the plugin's own client (pollenclient), so it sees the
 * server exactly as the elements do.
 *
 * The key comes from POLLINATIONS_API_KEY and is only ever sent as
 * "Authorization: Bearer"; it is never printed (the client redacts it from
 * error messages even if a server echoes it). */

#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "pollenclient.h"
#include "pollendefaults.h"

#define KEY_PAGE "https://enter.pollinations.ai"

/* exit statuses */
enum
{
  EXIT_OK = 0,
  EXIT_SERVER = 1,              /* the server answered an error */
  EXIT_USAGE = 2,               /* bad command line */
  EXIT_NETWORK = 3,             /* the server could not be reached */
};

typedef struct
{
  PollenClient *client;
  gchar *base_url;
  gboolean have_key;
  gboolean json;
  gint status;                  /* the worst exit status so far */
} Info;

/* ---- errors ---- */

static gint
info_exit_status (const GError * error)
{
  if (error->domain != POLLEN_CLIENT_ERROR)
    return EXIT_SERVER;
  switch (error->code) {
    case POLLEN_CLIENT_ERROR_CONNECT:
    case POLLEN_CLIENT_ERROR_TIMEOUT:
    case POLLEN_CLIENT_ERROR_TLS:
    case POLLEN_CLIENT_ERROR_NETWORK:
      return EXIT_NETWORK;
    default:
      return EXIT_SERVER;
  }
}

/* What to do about @error, or NULL. */
static gchar *
info_error_hint (Info * info, const GError * error)
{
  guint status = pollen_client_error_get_http_status (error);

  if (info_exit_status (error) == EXIT_NETWORK)
    return g_strdup_printf ("check the network connection and --base-url "
        "(%s)", info->base_url);
  if (status == 401 && !info->have_key)
    return g_strdup ("no key was sent: set POLLINATIONS_API_KEY to a key "
        "from " KEY_PAGE);
  if (status == 401)
    return g_strdup ("the key in POLLINATIONS_API_KEY was refused: check it "
        "or make a new one at " KEY_PAGE);
  if (status == 403)
    return g_strdup ("the key lacks the permission named above: add it to "
        "the key at " KEY_PAGE);
  if (status == 402)
    return g_strdup ("the balance or the key's budget is used up: top up "
        "at " KEY_PAGE);
  return NULL;
}

/* Prints "pollen-info: <path>: <error>" and a hint, and remembers the exit
 * status. The client's messages name the HTTP status and the server's own
 * message; what is printed never contains the key (a body quoted by a
 * parser may echo it). */
static void
info_report (Info * info, const gchar * path, const GError * error)
{
  g_autofree gchar *hint = info_error_hint (info, error);
  g_autofree gchar *message = pollen_client_redact (info->client,
      error->message);

  g_printerr ("pollen-info: %s: %s\n", path, message);
  if (hint)
    g_printerr ("pollen-info: %s\n", hint);
  info->status = MAX (info->status, info_exit_status (error));
}

/* ---- requests ---- */

/* GET @path with the query pairs in @query (name, value, …, NULL). */
static PollenRequest *
info_request (const gchar * path, const gchar * const *query)
{
  PollenRequest *request = pollen_request_new ("GET", path);

  for (; query && query[0] && query[1]; query += 2)
    pollen_request_add_query (request, query[0], query[1]);
  return request;
}

static JsonNode *
info_get_json (Info * info, const gchar * path, const gchar * const *query,
    GError ** error)
{
  g_autoptr (PollenRequest) request = info_request (path, query);

  return pollen_client_fetch_json (info->client, request, NULL, error);
}

/* Like info_get_json(), reporting a failure itself. */
static JsonNode *
info_get_json_or_report (Info * info, const gchar * path,
    const gchar * const *query)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = info_get_json (info, path, query, &error);

  if (!node)
    info_report (info, path, error);
  return node;
}

static void
info_print_json (JsonNode * node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autofree gchar *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* ---- lenient JSON reading (shapes change often: ignore what is unknown) ---- */

static JsonObject *
member_object (JsonObject * object, const gchar * name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ?
      json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject * object, const gchar * name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ?
      json_node_get_array (node) : NULL;
}

static gboolean
member_is_null (JsonObject * object, const gchar * name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return !node || JSON_NODE_HOLDS_NULL (node);
}

/* A scalar as text (strings as they are, numbers in the shortest form,
 * booleans as yes/no), or NULL. */
static gchar *
node_text (JsonNode * node)
{
  gchar buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node)) {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.10g",
              json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "yes" : "no");
    default:
      return NULL;
  }
}

/* A scalar member as text (see node_text()), or NULL. */
static gchar *
member_text (JsonObject * object, const gchar * name)
{
  return node_text (object ? json_object_get_member (object, name) : NULL);
}

static gdouble
member_number (JsonObject * object, const gchar * name)
{
  g_autofree gchar *text = member_text (object, name);

  return text ? g_ascii_strtod (text, NULL) : 0;
}

static gboolean
member_true (JsonObject * object, const gchar * name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
      json_node_get_boolean (node);
}

/* The strings of an array joined with @separator, or NULL when empty. */
static gchar *
array_join (JsonArray * array, const gchar * separator)
{
  g_autoptr (GString) joined = g_string_new (NULL);
  guint i;

  for (i = 0; array && i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);

    if (!JSON_NODE_HOLDS_VALUE (node) ||
        json_node_get_value_type (node) != G_TYPE_STRING)
      continue;
    if (joined->len)
      g_string_append (joined, separator);
    g_string_append (joined, json_node_get_string (node));
  }
  return joined->len ? g_string_free (g_steal_pointer (&joined), FALSE) : NULL;
}

static gboolean
array_contains (JsonArray * array, const gchar * text)
{
  guint i;

  for (i = 0; array && i < json_array_get_length (array); i++) {
    JsonNode *node = json_array_get_element (array, i);

    if (JSON_NODE_HOLDS_VALUE (node) &&
        json_node_get_value_type (node) == G_TYPE_STRING &&
        g_strcmp0 (json_node_get_string (node), text) == 0)
      return TRUE;
  }
  return FALSE;
}

/* ---- models ---- */

typedef enum
{
  KIND_ALL,
  KIND_IMAGE,
  KIND_VIDEO,
  KIND_AUDIO,
  KIND_TEXT,
} ModelKind;

static const struct
{
  const gchar *name;
  const gchar *title;
  const gchar *path;
} kinds[] = {
  [KIND_IMAGE] = {"image", "Image models", "/image/models"},
  [KIND_VIDEO] = {"video", "Video models", "/image/models"},
  [KIND_AUDIO] = {"audio", "Audio models (speech, music, transcription)",
      "/audio/models"},
  [KIND_TEXT] = {"text", "Text models", "/text/models"},
};

/* Readable units for the registry's price fields. */
static const gchar *
price_unit (const gchar * field)
{
  static const gchar *units[][2] = {
    {"promptTextTokens", "input text token"},
    {"promptCachedTokens", "cached input token"},
    {"promptAudioTokens", "input audio token"},
    {"promptAudioSeconds", "second of input audio"},
    {"promptImageTokens", "input image token"},
    {"completionTextTokens", "output text token"},
    {"completionReasoningTokens", "reasoning token"},
    {"completionAudioTokens", "output audio token"},
    {"completionAudioSeconds", "second of output audio"},
    {"completionImageTokens", "image token"},
    {"completionVideoSeconds", "second of video"},
    {"completionVideoTokens", "video token"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (units); i++)
    if (g_str_equal (field, units[i][0]))
      return units[i][1];
  return field;
}

/* Prints the ", "-separated @text after @label, wrapped at 78 columns. */
static void
print_wrapped (const gchar * label, const gchar * text)
{
  g_auto (GStrv) words = g_strsplit (text, ", ", -1);
  gsize column = strlen (label);
  guint i;

  g_print ("%s", label);
  for (i = 0; words[i]; i++) {
    gsize width = strlen (words[i]) + (words[i + 1] ? 1 : 0);

    if (i > 0 && column + 1 + width > 78) {
      g_print ("\n%*s", (gint) strlen (label), "");
      column = strlen (label);
    } else if (i > 0) {
      g_print (" ");
      column++;
    }
    g_print ("%s%s", words[i], words[i + 1] ? "," : "");
    column += width;
  }
  g_print ("\n");
}

static void
print_model_prices (JsonObject * model)
{
  JsonObject *pricing = member_object (model, "pricing");
  g_autofree gchar *currency = member_text (pricing, "currency");
  g_autoptr (GString) prices = g_string_new (NULL);
  GList *names, *l;

  if (!pricing)
    return;
  names = json_object_get_members (pricing);
  for (l = names; l; l = l->next) {
    g_autofree gchar *value = NULL;

    if (g_str_equal (l->data, "currency") ||
        !(value = member_text (pricing, l->data)))
      continue;
    g_string_append_printf (prices, "%s%s %s per %s", prices->len ? ", " : "",
        value, currency ? currency : "pollen", price_unit (l->data));
  }
  g_list_free (names);
  if (prices->len)
    print_wrapped ("  price:    ", prices->str);
}

static void
print_model_durations (JsonObject * model)
{
  g_autofree gchar *min = member_text (model, "min_duration");
  g_autofree gchar *max = member_text (model, "max_duration");
  JsonArray *allowed = member_array (model, "allowed_durations");
  g_autoptr (GString) line = g_string_new (NULL);
  gboolean listed = FALSE;
  guint i;

  g_autofree gchar *fallback = member_text (model, "default_duration");

  if (min || max)
    g_string_append_printf (line, "%s to %s s", min ? min : "?",
        max ? max : "?");
  for (i = 0; allowed && i < json_array_get_length (allowed); i++) {
    g_autofree gchar *value = node_text (json_array_get_element (allowed, i));

    if (!value)
      continue;
    g_string_append_printf (line, "%s%s", !listed ? (line->len ?
            "; only " : "only ") : ", ", value);
    listed = TRUE;
  }
  if (listed)
    g_string_append (line, " s");
  if (fallback)
    g_string_append_printf (line, "%sdefault %s s", line->len ? "; " : "",
        fallback);
  if (line->len)
    g_print ("  duration: %s\n", line->str);
}

static void
print_model (JsonObject * model)
{
  g_autofree gchar *name = member_text (model, "name");
  g_autofree gchar *title = member_text (model, "title");
  g_autofree gchar *description = member_text (model, "description");
  g_autofree gchar *aliases = array_join (member_array (model, "aliases"),
      ", ");
  g_autofree gchar *in = array_join (member_array (model, "input_modalities"),
      " + ");
  g_autofree gchar *out =
      array_join (member_array (model, "output_modalities"), " + ");
  g_autofree gchar *voices = array_join (member_array (model, "voices"), ", ");
  g_autofree gchar *resolutions = array_join (member_array (model,
          "resolutions"), ", ");
  g_autofree gchar *can = array_join (member_array (model, "capabilities"),
      ", ");
  g_autofree gchar *context = member_text (model, "context_length");

  if (!name)
    name = member_text (model, "id");
  g_print ("\n%s%s%s\n", name ? name : "(no name)", title ? "  " : "",
      title ? title : "");
  if (description && g_strcmp0 (description, title) != 0)
    g_print ("  %s\n", description);
  if (aliases)
    print_wrapped ("  aliases:  ", aliases);
  if (in || out)
    g_print ("  in/out:   %s -> %s\n", in ? in : "?", out ? out : "?");
  if (voices)
    print_wrapped ("  voices:   ", voices);
  if (resolutions)
    g_print ("  resolutions: %s (the first is the default)\n", resolutions);
  if (can)
    g_print ("  can:      %s\n", can);
  if (context)
    g_print ("  context:  %s tokens\n", context);
  print_model_durations (model);
  print_model_prices (model);
  if (member_true (model, "paid_only") || member_true (model, "paidOnly"))
    g_print ("  paid only (needs pollen bought, not the free tier)\n");
}

/* The entries of a model list: a JSON list, or {data: […]} (/v1/models). */
static JsonArray *
model_list_entries (JsonNode * node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    return json_node_get_array (node);
  if (JSON_NODE_HOLDS_OBJECT (node))
    return member_array (json_node_get_object (node), "data");
  return NULL;
}

static gboolean
model_is_kind (JsonObject * model, ModelKind kind)
{
  gboolean video = array_contains (member_array (model, "output_modalities"),
      "video");

  if (kind == KIND_VIDEO)
    return video;
  if (kind == KIND_IMAGE)
    return !video;
  return TRUE;
}

/* Only the entries of @kind (/image/models holds image and video). */
static JsonNode *
model_list_filter (JsonNode * node, ModelKind kind)
{
  JsonArray *entries = model_list_entries (node);
  g_autoptr (JsonArray) kept = json_array_new ();
  guint i;

  for (i = 0; entries && i < json_array_get_length (entries); i++) {
    JsonNode *element = json_array_get_element (entries, i);

    if (JSON_NODE_HOLDS_OBJECT (element) &&
        model_is_kind (json_node_get_object (element), kind))
      json_array_add_element (kept, json_node_copy (element));
  }
  return json_node_init_array (json_node_alloc (), kept);
}

/* The list of @kind as the server answers it (image and video filtered
 * from /image/models; text from /v1/models where /text/models is
 * missing). */
static JsonNode *
fetch_models (Info * info, ModelKind kind)
{
  const gchar *path = kinds[kind].path;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = info_get_json (info, path, NULL, &error);

  if (!node && kind == KIND_TEXT &&
      pollen_client_error_get_http_status (error) == 404) {
    g_clear_error (&error);
    path = "/v1/models";
    node = info_get_json (info, path, NULL, &error);
  }
  if (!node) {
    info_report (info, path, error);
    return NULL;
  }
  if (kind == KIND_IMAGE || kind == KIND_VIDEO)
    return model_list_filter (node, kind);
  return g_steal_pointer (&node);
}

static void
print_models (ModelKind kind, JsonNode * node)
{
  JsonArray *entries = model_list_entries (node);
  guint i, count = entries ? json_array_get_length (entries) : 0;

  g_print ("%s (%u)\n", kinds[kind].title, count);
  for (i = 0; i < count; i++) {
    JsonNode *element = json_array_get_element (entries, i);

    if (JSON_NODE_HOLDS_OBJECT (element))
      print_model (json_node_get_object (element));
  }
}

static gboolean
parse_kind (const gchar * text, ModelKind * kind)
{
  ModelKind k;

  for (k = KIND_IMAGE; k <= KIND_TEXT; k++) {
    if (g_str_equal (text, kinds[k].name)) {
      *kind = k;
      return TRUE;
    }
  }
  return FALSE;
}

/* The server filters the lists by the account of the key they are asked
 * with: said after them (on stderr with --json, which stays pure JSON). */
static void
print_filtered_note (Info * info)
{
  const gchar *note = "asked with the key in POLLINATIONS_API_KEY: the "
      "server leaves the paid-only models out of the lists of an account "
      "that never bought pollen, so these may lack some";

  if (info->json)
    g_printerr ("pollen-info: note: %s\n", note);
  else
    print_wrapped ("\nNote: ", note);
}

static gint
command_models (Info * info, ModelKind only)
{
  g_autoptr (JsonBuilder) all = json_builder_new ();
  ModelKind kind;
  gboolean first = TRUE;

  json_builder_begin_object (all);
  for (kind = KIND_IMAGE; kind <= KIND_TEXT; kind++) {
    g_autoptr (JsonNode) node = NULL;

    if (only != KIND_ALL && kind != only)
      continue;
    if (!(node = fetch_models (info, kind))) {
      if (info->status == EXIT_NETWORK)
        break;                  /* once is enough to say so */
      continue;
    }
    if (info->json && only != KIND_ALL) {
      info_print_json (node);
    } else if (info->json) {
      json_builder_set_member_name (all, kinds[kind].name);
      json_builder_add_value (all, g_steal_pointer (&node));
    } else {
      g_print ("%s", first ? "" : "\n");
      print_models (kind, node);
      first = FALSE;
    }
  }
  json_builder_end_object (all);
  if (info->json && only == KIND_ALL && info->status == EXIT_OK) {
    g_autoptr (JsonNode) root = json_builder_get_root (all);

    info_print_json (root);
  }
  if (info->have_key && info->status == EXIT_OK)
    print_filtered_note (info);
  return info->status;
}

/* ---- account ---- */

static void
print_key (JsonObject * key)
{
  g_autofree gchar *type = member_text (key, "type");
  g_autofree gchar *name = member_text (key, "name");
  g_autofree gchar *expires = member_text (key, "expiresAt");
  g_autofree gchar *budget = member_text (key, "pollenBudget");
  JsonObject *permissions = member_object (key, "permissions");
  g_autofree gchar *models = array_join (member_array (permissions, "models"),
      ", ");
  g_autofree gchar *account =
      array_join (member_array (permissions, "account"), ", ");

  g_print ("Key\n");
  g_print ("  type:         %s key, %s\n", type ? type : "?",
      member_true (key, "valid") ? "valid" : "NOT valid");
  if (name)
    g_print ("  name:         %s\n", name);
  g_print ("  expires:      %s\n", expires ? expires : "never");
  g_print ("  models:       %s\n", models ? models : "all");
  g_print ("  account:      %s\n", account ? account :
      "none (no profile details, usage or account balance)");
  if (budget)
    g_print ("  budget:       %s pollen left on this key\n", budget);
  else
    g_print ("  budget:       none (spends the account balance)\n");
  g_print ("  rate limited: %s\n", member_true (key, "rateLimitEnabled") ?
      "yes (publishable key)" : "no");
}

static void
print_balance (JsonObject * balance, gboolean key_budget)
{
  g_autofree gchar *total = member_text (balance, "balance");

  g_print ("Balance\n  %s pollen%s\n", total ? total : "?",
      key_budget ? " (the key's own budget)" : "");
  if (!member_is_null (balance, "tierBalance"))
    g_print ("  tier (free, refilled): %g\n",
        member_number (balance, "tierBalance"));
  if (!member_is_null (balance, "packBalance"))
    g_print ("  pack (bought):         %g\n",
        member_number (balance, "packBalance"));
}

static void
print_profile (JsonObject * profile)
{
  static const gchar *fields[][2] = {
    {"tier", "tier:        "},
    {"githubUsername", "GitHub:      "},
    {"name", "name:        "},
    {"email", "email:       "},
    {"createdAt", "created:     "},
    {"nextResetAt", "next refill: "},
  };
  guint i;

  g_print ("Profile\n");
  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    g_autofree gchar *value = member_text (profile, fields[i][0]);

    if (value)
      g_print ("  %s%s\n", fields[i][1], value);
  }
  if (!json_object_has_member (profile, "email"))
    g_print ("  (name and email need the key's account:profile permission)\n");
}

/* Adds @node to the --json object under @name. */
static void
add_json_member (JsonBuilder * builder, const gchar * name, JsonNode * node)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_value (builder, node ? json_node_copy (node) :
      json_node_new (JSON_NODE_NULL));
}

static gint
command_account (Info * info)
{
  g_autoptr (JsonNode) key = info_get_json_or_report (info, "/account/key",
      NULL);
  g_autoptr (JsonNode) balance = NULL;
  g_autoptr (JsonNode) profile = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  JsonObject *key_object;

  if (key && !JSON_NODE_HOLDS_OBJECT (key))
    g_printerr ("pollen-info: /account/key: the server's answer is not a "
        "JSON object\n");
  if (!key || !JSON_NODE_HOLDS_OBJECT (key))
    return MAX (info->status, EXIT_SERVER);
  key_object = json_node_get_object (key);
  balance = info_get_json_or_report (info, "/account/balance", NULL);
  profile = info_get_json_or_report (info, "/account/profile", NULL);

  if (info->json) {
    g_autoptr (JsonNode) root = NULL;

    json_builder_begin_object (builder);
    add_json_member (builder, "key", key);
    add_json_member (builder, "balance", balance);
    add_json_member (builder, "profile", profile);
    json_builder_end_object (builder);
    root = json_builder_get_root (builder);
    info_print_json (root);
    return info->status;
  }
  print_key (key_object);
  if (balance && JSON_NODE_HOLDS_OBJECT (balance))
    print_balance (json_node_get_object (balance),
        !member_is_null (key_object, "pollenBudget"));
  else
    g_print ("Balance\n  not readable (see the error above)\n");
  if (profile && JSON_NODE_HOLDS_OBJECT (profile))
    print_profile (json_node_get_object (profile));
  return info->status;
}

/* ---- usage ---- */

static void
print_usage_row (JsonObject * row, gboolean daily)
{
  const gchar *names[2][5] = {
    {"timestamp", "type", "model", "meter_source", "cost_usd"},
    {"date", "model", "meter_source", "requests", "cost_usd"},
  };
  const gchar *formats[2] = { "%-20s %-15s %-22s %-7s %s\n",
    "%-11s %-22s %-7s %8s  %s\n"
  };
  gchar *v[5];
  guint i;

  for (i = 0; i < 5; i++) {
    v[i] = member_text (row, names[daily][i]);
    if (!v[i])
      v[i] = g_strdup ("-");
  }
  g_print (formats[daily], v[0], v[1], v[2], v[3], v[4]);
  for (i = 0; i < 5; i++)
    g_free (v[i]);
}

static void
print_usage (JsonNode * node, gboolean daily, guint limit)
{
  JsonArray *rows = JSON_NODE_HOLDS_OBJECT (node) ?
      member_array (json_node_get_object (node), "usage") : NULL;
  guint i, count = rows ? MIN (json_array_get_length (rows), limit) : 0;
  gdouble total = 0;
  guint64 requests = 0;

  if (daily)
    g_print ("%-11s %-22s %-7s %8s  %s\n", "date", "model", "source",
        "requests", "cost");
  else
    g_print ("%-20s %-15s %-22s %-7s %s\n", "time (UTC)", "type", "model",
        "source", "cost");
  for (i = 0; i < count; i++) {
    JsonNode *element = json_array_get_element (rows, i);
    JsonObject *row;

    if (!JSON_NODE_HOLDS_OBJECT (element))
      continue;
    row = json_node_get_object (element);
    print_usage_row (row, daily);
    total += member_number (row, "cost_usd");
    requests += daily ? (guint64) CLAMP (member_number (row, "requests"), 0,
        G_MAXUINT32) : 1;
  }
  g_print ("%" G_GUINT64_FORMAT " request%s, %.6g pollen\n", requests,
      requests == 1 ? "" : "s", total);
}

static gint
command_usage (Info * info, gboolean daily, gint limit, gboolean csv)
{
  const gchar *path = daily ? "/account/usage/daily" : "/account/usage";
  g_autofree gchar *limit_text = g_strdup_printf ("%d", limit);
  const gchar *query[] = { "format", csv ? "csv" : "json",
    (daily || limit < 0) ? NULL : "limit", limit_text, NULL
  };
  g_autoptr (PollenRequest) request = info_request (path, query);
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;

  if (csv) {
    response = pollen_client_fetch (info->client, request, NULL, &error);
    if (response)
      g_print ("%.*s\n", (gint) g_bytes_get_size (response->body),
          (const gchar *) g_bytes_get_data (response->body, NULL));
  } else if ((node = pollen_client_fetch_json (info->client, request, NULL,
              &error))) {
    if (info->json)
      info_print_json (node);
    else
      print_usage (node, daily, limit < 0 ? G_MAXUINT : (guint) limit);
  }
  if (error)
    info_report (info, path, error);
  return info->status;
}

/* ---- command line ---- */

static const gchar summary[] =
    "Commands:\n"
    "  models [image|video|audio|text]\n"
    "      The models the API offers: name, aliases, what goes in and out,\n"
    "      voices of the speech models, duration limits of video and music,\n"
    "      prices in pollen, and whether a model is paid only. Without a kind,\n"
    "      every list. Needs no key.\n"
    "  account\n"
    "      The key's type, validity, permissions and budget (/account/key),\n"
    "      the balance (/account/balance: the key's own budget, or the\n"
    "      account's with the account:usage permission) and the profile\n"
    "      (/account/profile: name and email need account:profile).\n"
    "  usage [--daily] [--limit N] [--csv]\n"
    "      Recent requests with model and cost (/account/usage, the newest\n"
    "      100 unless --limit), or per day and model over the last 90 days\n"
    "      (--daily). Needs the key's account:usage permission.";

static const gchar description[] =
    "Environment:\n"
    "  POLLINATIONS_API_KEY   the API key (sent as Authorization: Bearer;\n"
    "                         never printed). Get one at " KEY_PAGE "\n"
    "  POLLINATIONS_BASE_URL  the server when --base-url is not given\n"
    "                         (default " POLLEN_DEFAULT_BASE_URL ")\n"
    "\n"
    "Exit status: 0 done, 1 the server answered an error (401 bad or missing\n"
    "key, 403 missing permission …), 2 bad command line, 3 the server could\n"
    "not be reached. `account` prints what it could read and still exits 1\n"
    "when a part of it was refused.";

typedef struct
{
  gchar *base_url;
  gboolean json;
  gboolean daily;
  gboolean csv;
  gint limit;
  gint timeout;
  gint retries;
} Options;

static gboolean
parse_options (Options * options, gint * argc, gchar *** argv)
{
  GOptionEntry entries[] = {
    {"base-url", 0, 0, G_OPTION_ARG_STRING, &options->base_url,
        "Server to ask (default: $POLLINATIONS_BASE_URL or "
          POLLEN_DEFAULT_BASE_URL ")", "URL"},
    {"json", 0, 0, G_OPTION_ARG_NONE, &options->json,
        "Print the server's JSON, pretty-printed", NULL},
    {"daily", 0, 0, G_OPTION_ARG_NONE, &options->daily,
        "usage: per day and model instead of per request", NULL},
    {"limit", 0, 0, G_OPTION_ARG_INT, &options->limit,
        "usage: at most N records (1-50000; default 100)", "N"},
    {"csv", 0, 0, G_OPTION_ARG_NONE, &options->csv,
        "usage: print the server's CSV export", NULL},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &options->timeout,
        "Seconds to wait for each answer (default 30)", "S"},
    {"retries", 0, 0, G_OPTION_ARG_INT, &options->retries,
        "Retries of a failed request (default 1)", "N"},
    {NULL}
  };
  g_autoptr (GOptionContext) context =
      g_option_context_new ("COMMAND [KIND] - models, key, balance and usage "
      "of the Pollinations API");
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error)) {
    g_printerr ("pollen-info: %s\n", error->message);
    return FALSE;
  }
  return TRUE;
}

static gint
usage_error (const gchar * message)
{
  g_printerr ("pollen-info: %s\nTry 'pollen-info --help'.\n", message);
  return EXIT_USAGE;
}

/* Checks the options that only some commands take. */
static const gchar *
check_command_options (const Options * options, const gchar * command)
{
  gboolean usage = g_str_equal (command, "usage");

  if (!usage && (options->daily || options->csv || options->limit != -1))
    return "--daily, --limit and --csv only go with 'usage'";
  if (usage && options->limit != -1 &&
      (options->limit < 1 || options->limit > 50000))
    return "--limit must be between 1 and 50000";
  if (options->csv && options->json)
    return "--csv and --json do not go together";
  if (options->timeout < 0 || options->retries < 0)
    return "--timeout and --retries cannot be negative";
  return NULL;
}

static gint
run_command (Info * info, const Options * options, gint argc, gchar ** argv)
{
  const gchar *command = argv[1];
  ModelKind kind = KIND_ALL;

  if (g_str_equal (command, "models")) {
    if (argc > 3 || (argc == 3 && !parse_kind (argv[2], &kind)))
      return usage_error ("models takes one of image, video, audio, text");
    return command_models (info, kind);
  }
  if (argc > 2)
    return usage_error ("too many arguments");
  if (g_str_equal (command, "account"))
    return command_account (info);
  return command_usage (info, options->daily, options->limit, options->csv);
}

int
main (int argc, char **argv)
{
  Options options = { NULL, FALSE, FALSE, FALSE, -1, 30, 1 };
  const gchar *key = g_getenv (POLLEN_API_KEY_ENV);
  const gchar *problem;
  Info info = { NULL, };
  gint status;

  setlocale (LC_ALL, "");
  if (!parse_options (&options, &argc, &argv))
    return EXIT_USAGE;
  if (argc < 2)
    return usage_error ("which command: models, account or usage?");
  if (!g_strv_contains ((const gchar *[]) {"models", "account", "usage",
              NULL}, argv[1]))
    return usage_error ("unknown command (models, account or usage)");
  if ((problem = check_command_options (&options, argv[1])))
    return usage_error (problem);

  /* GStreamer only for the client's debug log (GST_DEBUG=pollenclient:6
   * shows the wire, key redacted): no plugin is needed, so no registry */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (NULL, NULL);
  info.base_url = g_strdup (options.base_url ? options.base_url :
      pollen_default_base_url ());
  info.have_key = key && *key;
  info.json = options.json;
  info.client = pollen_client_new (&(PollenClientConfig) {
        .base_url = info.base_url,.api_key = (gchar *) key,
        .timeout = options.timeout,.retries = options.retries}, NULL);

  status = run_command (&info, &options, argc, argv);

  g_object_unref (info.client);
  g_free (info.base_url);
  g_free (options.base_url);
  return status;
}
