/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The account endpoints as today's server has them
 * (enter.pollinations.ai/src/routes/account.ts and account-permissions.ts):
 *
 *   GET /account/key          the key's type, validity, permissions, budget;
 *                             needs a key, no permission
 *   GET /account/profile      always tier, GitHub name, next refill; name and
 *                             email only with `account:profile`
 *   GET /account/balance      a key with a budget sees its budget; otherwise
 *                             `account:usage` is needed (403 without)
 *   GET /account/usage        per-request records, `limit` 1–50000 (default
 *                             100), `format` json or csv; `account:usage`
 *   GET /account/usage/daily  per day and model, `format` json or csv;
 *                             `account:usage`
 *
 * Errors use the gateway's envelope (401 UNAUTHORIZED, 403 FORBIDDEN,
 * 400 BAD_REQUEST) with the server's messages.
 *
 * The emulator has no key store: what a key may do is read from the key.
 * `sk_…` is a secret key and `pk_…` a publishable one; anything else is an
 * invalid key. Every valid key has the `profile` and `usage` account
 * permissions unless its text says otherwise:
 *   contains "noaccount"  no account permission at all
 *   contains "usageonly"  `usage` only (no name or email in the profile)
 *   contains "budget"     a pollen budget of 5 on the key
 */

#include "emuserver.h"

#include <string.h>

#define EMU_ACCOUNT_BALANCE 12.75
#define EMU_KEY_BUDGET 5.0

typedef struct
{
  gboolean publishable;
  gboolean profile;             /* account:profile */
  gboolean usage;               /* account:usage */
  gboolean has_budget;
} EmuKey;

/* ---- keys ---- */

/* Fills @key from the request's key, or answers 401 (with @missing_message
 * when there is no key at all) and returns FALSE. */
static gboolean
emu_account_auth (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request, const gchar * missing_message,
    EmuKey * key)
{
  const gchar *raw = emu_authenticate (emulator, msg, request,
      missing_message);

  if (!raw)
    return FALSE;
  key->publishable = g_str_has_prefix (raw, "pk_");
  key->usage = strstr (raw, "noaccount") == NULL;
  key->profile = key->usage && strstr (raw, "usageonly") == NULL;
  key->has_budget = strstr (raw, "budget") != NULL;
  return TRUE;
}

/* The server's message when a session or key is needed and none came. */
#define EMU_SIGN_IN_MESSAGE \
  "Please sign in first and provide session cookie or x-api-key header."
#define EMU_USAGE_SIGN_IN_MESSAGE \
  "Authentication required to view usage history"
#define EMU_NO_USAGE_MESSAGE \
  "API key does not have 'account:usage' permission"

/* ---- helpers ---- */

static void
emu_account_send_json (PollenEmulator * emulator, SoupServerMessage * msg,
    JsonBuilder * builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  gchar *json;
  g_autoptr (GBytes) body = NULL;

  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);
  body = g_bytes_new_take (json, strlen (json));
  emu_send_bytes (emulator, msg, 200, "application/json", body);
}

static void
emu_account_send_csv (PollenEmulator * emulator, SoupServerMessage * msg,
    GString * csv, const gchar * file_prefix)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *day = g_date_time_format (now, "%Y-%m-%d");
  g_autofree gchar *disposition =
      g_strdup_printf ("attachment; filename=\"%s-%s.csv\"", file_prefix, day);
  PollenEmulatorResponse *response =
      pollen_emulator_response_new (200, "text/csv", csv->str, csv->len);

  pollen_emulator_response_add_header (response, "Content-Disposition",
      disposition);
  emu_send (emulator, msg, response);
}

static void
emu_add_string (JsonBuilder * builder, const gchar * name,
    const gchar * value)
{
  json_builder_set_member_name (builder, name);
  if (value)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
emu_add_double (JsonBuilder * builder, const gchar * name, gdouble value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

static void
emu_add_int (JsonBuilder * builder, const gchar * name, gint64 value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* "json" or "csv" from the query; answers 400 and returns NULL otherwise. */
static const gchar *
emu_account_format (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  const gchar *format = pollen_emulator_request_get_query (request, "format");

  if (!format || g_str_equal (format, "json"))
    return "json";
  if (g_str_equal (format, "csv"))
    return "csv";
  emu_send_error (emulator, msg, 400, "BAD_REQUEST",
      "format: Invalid option: expected one of \"json\"|\"csv\"");
  return NULL;
}

/* ---- /account/key ---- */

void
emu_handle_account_key (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  EmuKey key;

  if (!emu_account_auth (emulator, msg, request,
          "API key required. This endpoint validates API keys.", &key))
    return;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "valid");
  json_builder_add_boolean_value (builder, TRUE);
  emu_add_string (builder, "type", key.publishable ? "publishable" : "secret");
  emu_add_string (builder, "name", "emulator key");
  emu_add_string (builder, "expiresAt", NULL);
  json_builder_set_member_name (builder, "expiresIn");
  json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "permissions");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "models");
  json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "account");
  if (key.usage) {
    json_builder_begin_array (builder);
    if (key.profile)
      json_builder_add_string_value (builder, "profile");
    json_builder_add_string_value (builder, "usage");
    json_builder_end_array (builder);
  } else {
    json_builder_add_null_value (builder);
  }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "pollenBudget");
  if (key.has_budget)
    json_builder_add_double_value (builder, EMU_KEY_BUDGET);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "rateLimitEnabled");
  json_builder_add_boolean_value (builder, key.publishable);
  emu_add_string (builder, "userId", "emulated-user-0001");
  emu_add_string (builder, "keyId", "emulated-key-0001");
  emu_add_string (builder, "byopClientKeyId", NULL);
  json_builder_end_object (builder);

  emu_account_send_json (emulator, msg, builder);
}

/* ---- /account/profile ---- */

/* The top of the next UTC hour: the tier refill runs hourly. */
static gchar *
emu_account_next_reset (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) hour = g_date_time_new_utc (g_date_time_get_year (now),
      g_date_time_get_month (now), g_date_time_get_day_of_month (now),
      g_date_time_get_hour (now), 0, 0);
  g_autoptr (GDateTime) next = g_date_time_add_hours (hour, 1);

  return g_date_time_format (next, "%Y-%m-%dT%H:%M:%S.000Z");
}

void
emu_handle_account_profile (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree gchar *next_reset = emu_account_next_reset ();
  EmuKey key;

  if (!emu_account_auth (emulator, msg, request, EMU_SIGN_IN_MESSAGE, &key))
    return;

  json_builder_begin_object (builder);
  emu_add_string (builder, "githubUsername", "emulated-user");
  emu_add_string (builder, "image", NULL);
  emu_add_string (builder, "tier", "seed");
  emu_add_string (builder, "nextResetAt", next_reset);
  json_builder_set_member_name (builder, "communityEndpointsAllowed");
  json_builder_add_boolean_value (builder, FALSE);
  if (key.profile) {
    emu_add_string (builder, "name", "Emulated User");
    emu_add_string (builder, "email", "user@example.org");
  }
  json_builder_end_object (builder);

  emu_account_send_json (emulator, msg, builder);
}

/* ---- /account/balance ---- */

void
emu_handle_account_balance (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  EmuKey key;

  if (!emu_account_auth (emulator, msg, request, EMU_SIGN_IN_MESSAGE, &key))
    return;
  if (!key.has_budget && !key.usage) {
    emu_send_error (emulator, msg, 403, "FORBIDDEN",
        "API key does not have 'account:usage' permission and no budget of "
        "its own. Add `account:usage` or set a budget on the key.");
    return;
  }

  json_builder_begin_object (builder);
  emu_add_double (builder, "balance",
      key.has_budget ? EMU_KEY_BUDGET : EMU_ACCOUNT_BALANCE);
  json_builder_end_object (builder);
  emu_account_send_json (emulator, msg, builder);
}

/* ---- /account/usage ---- */

typedef struct
{
  guint minutes_ago;
  const gchar *type;
  const gchar *model;
  const gchar *meter_source;
  gint64 input_text_tokens;
  gdouble input_audio_seconds;
  gint64 output_text_tokens;
  gint64 output_audio_tokens;
  gint64 output_image_tokens;
  gdouble cost_usd;
  gint64 response_time_ms;
} EmuUsageRecord;

/* Newest first, like the server. */
static const EmuUsageRecord usage_records[] = {
  {3, "generate.audio", "elevenlabs", "pack", 0, 0, 0, 64, 0, 0.01152, 1840},
  {17, "generate.audio", "whisper", "tier", 0, 12.5, 0, 0, 0, 0.000385, 950},
  {42, "generate.image", "flux", "tier", 0, 0, 0, 0, 1, 0.00012, 5210},
  {95, "generate.text", "openai", "tier", 420, 0, 180, 0, 0, 0.000093, 1320},
};

#define USAGE_CSV_HEADER "timestamp,type,model,api_key,api_key_type," \
  "meter_source,input_text_tokens,input_cached_tokens,input_audio_tokens," \
  "input_audio_seconds,input_image_tokens,output_text_tokens," \
  "output_reasoning_tokens,output_audio_tokens,output_audio_seconds," \
  "output_image_tokens,output_video_seconds,cost_usd,response_time_ms"

static gchar *
emu_usage_timestamp (guint minutes_ago)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add_minutes (now,
      -(gint) minutes_ago);

  return g_date_time_format (then, "%Y-%m-%d %H:%M:%S");
}

static void
emu_usage_record_json (JsonBuilder * builder, const EmuUsageRecord * record,
    guint index)
{
  g_autofree gchar *timestamp = emu_usage_timestamp (record->minutes_ago);
  g_autofree gchar *event_id = g_strdup_printf ("emulated-event-%04u", index);

  json_builder_begin_object (builder);
  emu_add_string (builder, "timestamp", timestamp);
  emu_add_string (builder, "cursor_event_id", event_id);
  emu_add_string (builder, "type", record->type);
  emu_add_string (builder, "model", record->model);
  emu_add_string (builder, "api_key_id", "emulated-key-0001");
  emu_add_string (builder, "api_key", "emulator key");
  emu_add_string (builder, "api_key_type", "secret");
  emu_add_string (builder, "meter_source", record->meter_source);
  emu_add_int (builder, "input_text_tokens", record->input_text_tokens);
  emu_add_int (builder, "input_cached_tokens", 0);
  emu_add_int (builder, "input_audio_tokens", 0);
  emu_add_double (builder, "input_audio_seconds", record->input_audio_seconds);
  emu_add_int (builder, "input_image_tokens", 0);
  emu_add_int (builder, "output_text_tokens", record->output_text_tokens);
  emu_add_int (builder, "output_reasoning_tokens", 0);
  emu_add_int (builder, "output_audio_tokens", record->output_audio_tokens);
  emu_add_double (builder, "output_audio_seconds", 0);
  emu_add_int (builder, "output_image_tokens", record->output_image_tokens);
  emu_add_double (builder, "output_video_seconds", 0);
  emu_add_double (builder, "cost_usd", record->cost_usd);
  emu_add_int (builder, "response_time_ms", record->response_time_ms);
  json_builder_end_object (builder);
}

static void
emu_usage_record_csv (GString * csv, const EmuUsageRecord * record)
{
  g_autofree gchar *timestamp = emu_usage_timestamp (record->minutes_ago);
  gchar audio_s[G_ASCII_DTOSTR_BUF_SIZE];
  gchar cost[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (audio_s, sizeof audio_s, "%.10g",
      record->input_audio_seconds);
  g_ascii_formatd (cost, sizeof cost, "%.10g", record->cost_usd);
  g_string_append_printf (csv, "\n%s,%s,%s,emulator key,secret,%s,"
      "%" G_GINT64_FORMAT ",0,0,%s,0,%" G_GINT64_FORMAT ",0,%" G_GINT64_FORMAT
      ",0,%" G_GINT64_FORMAT ",0,%s,%" G_GINT64_FORMAT, timestamp,
      record->type, record->model, record->meter_source,
      record->input_text_tokens, audio_s, record->output_text_tokens,
      record->output_audio_tokens, record->output_image_tokens, cost,
      record->response_time_ms);
}

/* Checks the key and its `account:usage` permission, answering 401 or 403
 * when they fall short. */
static gboolean
emu_account_usage_allowed (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  EmuKey key;

  if (!emu_account_auth (emulator, msg, request, EMU_USAGE_SIGN_IN_MESSAGE,
          &key))
    return FALSE;
  if (!key.usage) {
    emu_send_error (emulator, msg, 403, "FORBIDDEN", EMU_NO_USAGE_MESSAGE);
    return FALSE;
  }
  return TRUE;
}

void
emu_handle_account_usage (PollenEmulator * emulator, SoupServerMessage * msg,
    PollenEmulatorRequest * request)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  const gchar *format;
  guint limit, count, i;

  if (!emu_account_usage_allowed (emulator, msg, request))
    return;
  if (!(format = emu_account_format (emulator, msg, request)))
    return;
  if (!emu_query_uint (emulator, msg, request, "limit", 1, 50000, 100,
          &limit))
    return;
  count = MIN (limit, G_N_ELEMENTS (usage_records));

  if (g_str_equal (format, "csv")) {
    g_autoptr (GString) csv = g_string_new (USAGE_CSV_HEADER);

    for (i = 0; i < count; i++)
      emu_usage_record_csv (csv, &usage_records[i]);
    emu_account_send_csv (emulator, msg, csv, "pollinations-usage-latest");
    return;
  }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "usage");
  json_builder_begin_array (builder);
  for (i = 0; i < count; i++)
    emu_usage_record_json (builder, &usage_records[i], i);
  json_builder_end_array (builder);
  emu_add_int (builder, "count", count);
  json_builder_end_object (builder);
  emu_account_send_json (emulator, msg, builder);
}

/* ---- /account/usage/daily ---- */

typedef struct
{
  guint days_ago;
  const gchar *model;
  const gchar *meter_source;
  gint64 requests;
  gdouble cost_usd;
} EmuDailyRecord;

/* Newest day first, then most requests, like the server. */
static const EmuDailyRecord daily_records[] = {
  {0, "flux", "tier", 14, 0.00168},
  {0, "elevenlabs", "pack", 3, 0.03456},
  {1, "whisper", "tier", 22, 0.00847},
  {1, "openai", "tier", 9, 0.000837},
};

static gchar *
emu_daily_date (guint days_ago)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add_days (now, -(gint) days_ago);

  return g_date_time_format (then, "%Y-%m-%d");
}

void
emu_handle_account_usage_daily (PollenEmulator * emulator,
    SoupServerMessage * msg, PollenEmulatorRequest * request)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GString) csv = g_string_new ("date,model,meter_source,"
      "requests,cost_usd");
  const gchar *format;
  guint i;

  if (!emu_account_usage_allowed (emulator, msg, request))
    return;
  if (!(format = emu_account_format (emulator, msg, request)))
    return;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "usage");
  json_builder_begin_array (builder);
  for (i = 0; i < G_N_ELEMENTS (daily_records); i++) {
    const EmuDailyRecord *record = &daily_records[i];
    g_autofree gchar *date = emu_daily_date (record->days_ago);
    gchar cost[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (cost, sizeof cost, "%.10g", record->cost_usd);
    g_string_append_printf (csv, "\n%s,%s,%s,%" G_GINT64_FORMAT ",%s", date,
        record->model, record->meter_source, record->requests, cost);
    json_builder_begin_object (builder);
    emu_add_string (builder, "date", date);
    emu_add_string (builder, "model", record->model);
    emu_add_string (builder, "meter_source", record->meter_source);
    emu_add_int (builder, "requests", record->requests);
    emu_add_double (builder, "cost_usd", record->cost_usd);
    json_builder_end_object (builder);
  }
  json_builder_end_array (builder);
  emu_add_int (builder, "count", G_N_ELEMENTS (daily_records));
  json_builder_end_object (builder);

  if (g_str_equal (format, "csv"))
    emu_account_send_csv (emulator, msg, csv, "pollinations-usage-daily-90d");
  else
    emu_account_send_json (emulator, msg, builder);
}
