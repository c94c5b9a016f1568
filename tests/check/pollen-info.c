/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollen-info, the command-line companion: the built program is run against
 * the in-process emulator and judged by its output and exit status. */

#include "pollentest.h"
#include "pollenclient.h"

#include <string.h>
#include <sys/wait.h>

#ifndef POLLEN_INFO_PATH
#error "POLLEN_INFO_PATH must name the built pollen-info"
#endif

typedef struct
{
  gint status;
  gchar *out;
  gchar *err;
} InfoRun;

static void
info_run_clear (InfoRun * run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (InfoRun, info_run_clear)

/* Runs pollen-info with @args (NULL-terminated) against @base_url with
 * @key in POLLINATIONS_API_KEY (unset when NULL). */
static void
info_run (InfoRun * run, const gchar * base_url, const gchar * key,
    const gchar * const *args)
{
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  gint wait_status = 0;

  env = g_environ_setenv (env, "POLLINATIONS_BASE_URL", base_url, TRUE);
  env = key ? g_environ_setenv (env, "POLLINATIONS_API_KEY", key, TRUE) :
      g_environ_unsetenv (env, "POLLINATIONS_API_KEY");
  g_ptr_array_add (argv, (gpointer) POLLEN_INFO_PATH);
  for (; *args; args++)
    g_ptr_array_add (argv, (gpointer) * args);
  g_ptr_array_add (argv, NULL);

  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, env,
          G_SPAWN_DEFAULT, NULL, NULL, &run->out, &run->err, &wait_status,
          &error), "cannot run pollen-info: %s", error ? error->message : "");
  fail_unless (WIFEXITED (wait_status), "pollen-info did not exit");
  run->status = WEXITSTATUS (wait_status);
}

#define INFO_RUN(run, url, key, ...) \
  info_run (run, url, key, (const gchar *[]) { __VA_ARGS__, NULL })

static void
assert_contains (const gchar * text, const gchar * part)
{
  fail_unless (strstr (text, part) != NULL, "'%s' not in:\n%s", part, text);
}

static void
assert_no_key (const InfoRun * run, const gchar * key)
{
  fail_if (strstr (run->out, key) != NULL, "key in stdout:\n%s", run->out);
  fail_if (strstr (run->err, key) != NULL, "key in stderr:\n%s", run->err);
}

static JsonNode *
parse_json (const gchar * text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  fail_unless (json_parser_load_from_data (parser, text, -1, &error),
      "not JSON (%s):\n%s", error ? error->message : "", text);
  return json_parser_steal_root (parser);
}

/* What the server itself answers at @path, read with the plugin's client. */
static JsonNode *
server_json (PollenEmulator * emulator, const gchar * path)
{
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, 0, 0);
  g_autoptr (PollenRequest) request = pollen_request_new ("GET", path);
  g_autoptr (GError) error = NULL;
  JsonNode *node = pollen_client_fetch_json (client, request, NULL, &error);

  fail_unless (node != NULL, "%s: %s", path, error ? error->message : "");
  return node;
}

GST_START_TEST (test_models_audio_lists_voices)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  g_auto (InfoRun) run = { 0, };

  INFO_RUN (&run, url, NULL, "models", "audio");

  fail_unless_equals_int (run.status, 0);
  fail_unless_equals_string (run.err, "");
  assert_contains (run.out, "elevenlabs");
  assert_contains (run.out, "tts-1");   /* an alias */
  assert_contains (run.out, "voices:");
  assert_contains (run.out, "nova");
  assert_contains (run.out, "rachel");
  assert_contains (run.out, "audio -> text");   /* transcription */
  assert_contains (run.out, "0.00018 pollen per output audio token");
  assert_contains (run.out, "duration: 3 to 300 s");    /* music */
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_models_video_durations)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };

  INFO_RUN (&run, pollen_emulator_get_url (emulator), NULL, "models",
      "video");

  fail_unless_equals_int (run.status, 0);
  assert_contains (run.out, "veo");
  assert_contains (run.out, "4 to 8 s; only 4, 6, 8 s; default 4 s");
  assert_contains (run.out, "resolutions: 720p, 1080p (the first is the "
      "default)");
  fail_if (strstr (run.out, "flux") != NULL, "an image model in:\n%s",
      run.out);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Lists asked with a key are the account's: on a free account the
 * paid-only models are missing, and pollen-info says the list may lack
 * them. Without a key it says nothing of the kind. */
GST_START_TEST (test_models_say_when_filtered)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  g_auto (InfoRun) keyed = { 0, };
  g_auto (InfoRun) keyless = { 0, };
  g_auto (InfoRun) json = { 0, };

  pollen_emulator_set_free_account (emulator, TRUE);
  INFO_RUN (&keyed, url, POLLEN_TEST_KEY, "models", "audio");
  INFO_RUN (&keyless, url, NULL, "models", "audio");
  INFO_RUN (&json, url, POLLEN_TEST_KEY, "--json", "models", "audio");

  fail_unless_equals_int (keyed.status, 0);
  assert_contains (keyed.out, "openai/tts-1");
  fail_if (strstr (keyed.out, "elevenlabs/eleven-v3"), "%s", keyed.out);
  assert_contains (keyed.out, "leaves the paid-only models out of the lists "
      "of an account that never bought pollen");
  assert_contains (keyless.out, "elevenlabs/eleven-v3");
  fail_if (strstr (keyless.out, "paid-only models out"), "%s", keyless.out);
  /* --json stays JSON; the note goes to stderr */
  json_node_unref (parse_json (json.out));
  assert_contains (json.err, "pollen-info: note: asked with the key");
  assert_no_key (&keyed, POLLEN_TEST_KEY);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_models_json_is_the_servers)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  g_auto (InfoRun) run = { 0, };
  g_auto (InfoRun) all = { 0, };
  g_autoptr (JsonNode) printed = NULL;
  g_autoptr (JsonNode) served = server_json (emulator, "/audio/models");
  g_autoptr (JsonNode) printed_all = NULL;
  g_autoptr (JsonNode) served_text = server_json (emulator, "/text/models");
  JsonObject *object;

  INFO_RUN (&run, url, NULL, "--json", "models", "audio");
  fail_unless_equals_int (run.status, 0);
  printed = parse_json (run.out);
  fail_unless (json_node_equal (printed, served), "printed JSON differs");
  /* pretty-printed */
  assert_contains (run.out, "\n  {\n");

  INFO_RUN (&all, url, NULL, "models", "--json");
  fail_unless_equals_int (all.status, 0);
  printed_all = parse_json (all.out);
  object = json_node_get_object (printed_all);
  fail_unless (json_node_equal (json_object_get_member (object, "text"),
          served_text));
  fail_unless (json_object_has_member (object, "video"));
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A server without /text/models: the OpenAI list is read instead. */
GST_START_TEST (test_models_text_falls_back_to_v1)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };

  pollen_emulator_push (emulator, "/text/models",
      pollen_emulator_response_new_error (404, "NOT_FOUND",
          "Oh no, there's nothing here."));
  INFO_RUN (&run, pollen_emulator_get_url (emulator), NULL, "models", "text");

  fail_unless_equals_int (run.status, 0);
  assert_contains (run.out, "openai");
  assert_contains (run.out, "text + image -> text");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_account_prints_balance)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };
  g_autoptr (PollenEmulatorRequest) request = NULL;

  INFO_RUN (&run, pollen_emulator_get_url (emulator), POLLEN_TEST_KEY,
      "account");

  fail_unless_equals_int (run.status, 0);
  fail_unless_equals_string (run.err, "");
  assert_contains (run.out, "secret key, valid");
  assert_contains (run.out, "account:      profile, usage");
  assert_contains (run.out, "Balance\n  12.75 pollen");
  assert_contains (run.out, "tier:        seed");
  assert_contains (run.out, "user@example.org");
  assert_no_key (&run, POLLEN_TEST_KEY);
  /* the key went as a Bearer token, never in the URL */
  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (pollen_emulator_request_get_header (request,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  fail_unless (request->raw_query == NULL);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_account_json)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };
  g_autoptr (JsonNode) printed = NULL;
  g_autoptr (JsonNode) served = server_json (emulator, "/account/key");
  JsonObject *object;

  INFO_RUN (&run, pollen_emulator_get_url (emulator), POLLEN_TEST_KEY,
      "account", "--json");

  fail_unless_equals_int (run.status, 0);
  printed = parse_json (run.out);
  object = json_node_get_object (printed);
  fail_unless (json_node_equal (json_object_get_member (object, "key"),
          served));
  fail_unless_equals_float (json_object_get_double_member
      (json_object_get_object_member (object, "balance"), "balance"), 12.75);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A key with a budget sees the budget, without any account permission. */
GST_START_TEST (test_account_key_budget)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };

  INFO_RUN (&run, pollen_emulator_get_url (emulator),
      "sk_noaccount_budget_0123456789", "account");

  fail_unless_equals_int (run.status, 0);
  assert_contains (run.out, "5 pollen left on this key");
  assert_contains (run.out, "5 pollen (the key's own budget)");
  assert_contains (run.out, "need the key's account:profile permission");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_wrong_key_401)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  const gchar *wrong = "wrong_0123456789secret";
  g_auto (InfoRun) run = { 0, };
  g_auto (InfoRun) echoed = { 0, };

  INFO_RUN (&run, url, wrong, "account");

  fail_unless_equals_int (run.status, 1);
  assert_contains (run.err, "401");
  assert_contains (run.err, "Invalid API key. The provided key was not "
      "recognized");
  assert_contains (run.err, "POLLINATIONS_API_KEY");
  fail_unless_equals_string (run.out, "");
  assert_no_key (&run, wrong);

  /* a server that echoes the key in its message */
  pollen_emulator_push (emulator, "/account/key",
      pollen_emulator_response_new_error (401, "UNAUTHORIZED",
          "Invalid API key " POLLEN_TEST_KEY " (Bearer " POLLEN_TEST_KEY ")"));
  INFO_RUN (&echoed, url, POLLEN_TEST_KEY, "account");
  fail_unless_equals_int (echoed.status, 1);
  assert_contains (echoed.err, "401");
  assert_no_key (&echoed, POLLEN_TEST_KEY);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_missing_key_401)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };

  INFO_RUN (&run, pollen_emulator_get_url (emulator), NULL, "usage");

  fail_unless_equals_int (run.status, 1);
  assert_contains (run.err, "401");
  assert_contains (run.err, "Authentication required to view usage history");
  assert_contains (run.err, "no key was sent");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_missing_permission_403)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  const gchar *key = "sk_noaccount_0123456789";
  g_auto (InfoRun) usage = { 0, };
  g_auto (InfoRun) account = { 0, };

  INFO_RUN (&usage, url, key, "usage", "--daily");
  fail_unless_equals_int (usage.status, 1);
  assert_contains (usage.err, "403 Forbidden");
  assert_contains (usage.err, "'account:usage' permission");
  assert_no_key (&usage, key);

  /* account shows what it may read, and says what it may not */
  INFO_RUN (&account, url, key, "account");
  fail_unless_equals_int (account.status, 1);
  assert_contains (account.out, "secret key, valid");
  assert_contains (account.out, "tier:        seed");
  assert_contains (account.err, "/account/balance: 403");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_no_network)
{
  g_autofree gchar *url = pollen_test_unused_url ();
  g_auto (InfoRun) run = { 0, };

  INFO_RUN (&run, url, POLLEN_TEST_KEY, "models", "--retries", "0");

  fail_unless_equals_int (run.status, 3);
  assert_contains (run.err, "cannot connect");
  assert_contains (run.err, "--base-url");
  assert_no_key (&run, POLLEN_TEST_KEY);
}

GST_END_TEST;

GST_START_TEST (test_usage)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  g_auto (InfoRun) run = { 0, };
  g_auto (InfoRun) daily = { 0, };
  g_autoptr (PollenEmulatorRequest) request = NULL;

  INFO_RUN (&run, url, POLLEN_TEST_KEY, "usage", "--limit", "2");
  fail_unless_equals_int (run.status, 0);
  assert_contains (run.out, "generate.audio  elevenlabs");
  assert_contains (run.out, "2 requests");
  request = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (pollen_emulator_request_get_query (request,
          "limit"), "2");

  INFO_RUN (&daily, url, POLLEN_TEST_KEY, "usage", "--daily", "--csv");
  fail_unless_equals_int (daily.status, 0);
  fail_unless (g_str_has_prefix (daily.out,
          "date,model,meter_source,requests,cost_usd\n"), "%s", daily.out);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_bad_command_line)
{
  g_auto (InfoRun) unknown = { 0, };
  g_auto (InfoRun) kind = { 0, };
  g_auto (InfoRun) help = { 0, };

  INFO_RUN (&unknown, "http://127.0.0.1:9", NULL, "balance");
  fail_unless_equals_int (unknown.status, 2);
  assert_contains (unknown.err, "--help");
  INFO_RUN (&kind, "http://127.0.0.1:9", NULL, "models", "pictures");
  fail_unless_equals_int (kind.status, 2);
  INFO_RUN (&help, "http://127.0.0.1:9", NULL, "--help");
  fail_unless_equals_int (help.status, 0);
  assert_contains (help.out, "models [image|video|audio|text]");
  assert_contains (help.out, "POLLINATIONS_API_KEY");
}

GST_END_TEST;

/* ---- odd answers ---- */

static void
push_json (PollenEmulator * emulator, const gchar * path, const gchar * json)
{
  pollen_emulator_push (emulator, path,
      pollen_emulator_response_new_json (200, json));
}

/* Rows that are no objects, numbers as strings, a negative count: no
 * GLib warning, only the rows that are rows counted. */
GST_START_TEST (test_usage_odd_rows)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  g_auto (InfoRun) run = { 0, };
  g_auto (InfoRun) daily = { 0, };

  push_json (emulator, "/account/usage", "{\"usage\":[1,null,\"x\",[],"
      "{\"timestamp\":\"t\",\"type\":\"generate.image\",\"model\":"
      "\"flux\",\"meter_source\":\"tier\",\"cost_usd\":\"0.5\"},"
      "{\"model\":null,\"cost_usd\":1}]}");
  INFO_RUN (&run, url, POLLEN_TEST_KEY, "usage");
  fail_unless_equals_int (run.status, 0);
  fail_unless_equals_string (run.err, "");
  assert_contains (run.out, "2 requests, 1.5 pollen");

  push_json (emulator, "/account/usage/daily", "{\"usage\":[{\"date\":"
      "\"2026-01-01\",\"requests\":-5,\"cost_usd\":1},{\"date\":"
      "\"2026-01-02\",\"requests\":\"3\",\"cost_usd\":1}]}");
  INFO_RUN (&daily, url, POLLEN_TEST_KEY, "usage", "--daily");
  fail_unless_equals_int (daily.status, 0);
  fail_unless_equals_string (daily.err, "");
  assert_contains (daily.out, "3 requests, 2 pollen");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A list of a hundred models in the server's shape (today's lists are
 * that long): read whole, not refused as nested too deep. */
GST_START_TEST (test_models_long_list)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GString) json = g_string_new ("[");
  g_auto (InfoRun) run = { 0, };
  guint i;

  for (i = 0; i < 100; i++)
    g_string_append_printf (json, "%s{\"name\":\"model-%u\",\"aliases\":"
        "[\"m%u\",\"vendor/m%u\"],\"title\":\"Model %u\",\"category\":"
        "\"text\",\"capabilities\":[\"tool_calling\"],"
        "\"input_modalities\":[\"text\",\"image\"],\"output_modalities\":"
        "[\"text\"],\"paid_only\":false,\"pricing\":{\"promptTextTokens\":"
        "\"0.0000001\",\"completionTextTokens\":\"0.0000004\",\"currency\":"
        "\"pollen\"}}", i ? "," : "", i, i, i, i);
  g_string_append (json, "]");
  push_json (emulator, "/text/models", json->str);
  INFO_RUN (&run, pollen_emulator_get_url (emulator), NULL, "models", "text");

  fail_unless_equals_int (run.status, 0);
  fail_unless_equals_string (run.err, "");
  assert_contains (run.out, "model-0");
  assert_contains (run.out, "model-99");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A gzip answer smaller than its compressed form (libsoup asks for gzip
 * and decodes it): read whole, not refused as cut short. */
GST_START_TEST (test_models_gzip)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) list = g_bytes_new_static ("[{\"name\":\"tiny\"}]", 17);
  g_auto (InfoRun) run = { 0, };

  pollen_emulator_push (emulator, "/text/models",
      pollen_test_gzip_answer ("application/json", list));
  INFO_RUN (&run, pollen_emulator_get_url (emulator), NULL, "models", "text");
  fail_unless_equals_int (run.status, 0);
  fail_unless_equals_string (run.err, "");
  assert_contains (run.out, "tiny");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The key stays out of what pollen-info prints, however a server echoes
 * it: in a body that is no JSON, \u-escaped in a retried error (and in
 * the client's log line at level 2, the warning of each retry). */
GST_START_TEST (test_key_never_printed)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  g_auto (InfoRun) not_json = { 0, };
  g_auto (InfoRun) retried = { 0, };
  g_autoptr (GString) escaped = g_string_new (NULL);
  g_autofree gchar *body = NULL;
  const gchar *c;

  /* the quote is cut at 80 characters: here inside the key */
  push_json (emulator, "/account/key", "<html><body>The key you sent, "
      "which we do not like at all, is " POLLEN_TEST_KEY "</body></html>");
  INFO_RUN (&not_json, url, POLLEN_TEST_KEY, "account");
  fail_unless_equals_int (not_json.status, 1);
  assert_contains (not_json.err, "we do not like at all, is [REDACTED]");
  assert_no_key (&not_json, "sk_test_");

  for (c = POLLEN_TEST_KEY; *c; c++)
    g_string_append_printf (escaped, "\\u%04x", *c);
  body = g_strdup_printf ("{\"error\":{\"code\":\"SERVICE_UNAVAILABLE\","
      "\"message\":\"busy for %s\"}}", escaped->str);
  pollen_emulator_push (emulator, "/account/key",
      pollen_emulator_response_new_json (503, body));
  pollen_emulator_push (emulator, "/account/key",
      pollen_emulator_response_new_json (503, body));
  g_setenv ("GST_DEBUG", "pollenclient:2", TRUE);
  INFO_RUN (&retried, url, POLLEN_TEST_KEY, "account");
  g_unsetenv ("GST_DEBUG");
  fail_unless_equals_int (retried.status, 1);
  assert_contains (retried.err, "attempt 1 of 2");       /* the log line */
  assert_contains (retried.err, "busy for [REDACTED]");
  assert_no_key (&retried, POLLEN_TEST_KEY);
  assert_no_key (&retried, escaped->str);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Durations that are no numbers, fields null: no GLib warning. */
GST_START_TEST (test_models_odd_fields)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };

  push_json (emulator, "/image/models", "[{\"name\":\"veo\",\"title\":"
      "null,\"output_modalities\":[\"video\",null,1],\"min_duration\":"
      "\"2\",\"allowed_durations\":[null,\"5\",{},10,[]],"
      "\"pricing\":{\"currency\":null,\"completionVideoSeconds\":"
      "\"0.1\",\"x\":{}}},null,7,{}]");
  INFO_RUN (&run, pollen_emulator_get_url (emulator), POLLEN_TEST_KEY,
      "models", "video");
  fail_unless_equals_int (run.status, 0);
  fail_unless_equals_string (run.err, "");
  assert_contains (run.out, "veo");
  assert_contains (run.out, "only 5, 10 s");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Balances as strings, null, negative: printed as the server wrote them. */
GST_START_TEST (test_account_odd_balance)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_auto (InfoRun) run = { 0, };

  push_json (emulator, "/account/balance", "{\"balance\":\"-3.5\","
      "\"tierBalance\":\"1.25\",\"packBalance\":null}");
  INFO_RUN (&run, pollen_emulator_get_url (emulator), POLLEN_TEST_KEY,
      "account");
  fail_unless_equals_int (run.status, 0);
  fail_unless_equals_string (run.err, "");
  assert_contains (run.out, "-3.5 pollen");
  assert_contains (run.out, "tier (free, refilled): 1.25");
  fail_if (strstr (run.out, "pack (bought)") != NULL, "%s", run.out);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A key answer that is no object, or no answer at all: said on stderr
 * with its status, never a silent failure. */
GST_START_TEST (test_account_key_not_an_object)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  const gchar *url = pollen_emulator_get_url (emulator);
  g_auto (InfoRun) array = { 0, };
  g_auto (InfoRun) empty = { 0, };

  push_json (emulator, "/account/key", "[1,2]");
  INFO_RUN (&array, url, POLLEN_TEST_KEY, "account");
  fail_unless_equals_int (array.status, 1);
  assert_contains (array.err, "/account/key");

  pollen_emulator_push (emulator, "/account/key",
      pollen_emulator_response_new (204, NULL, NULL, 0));
  INFO_RUN (&empty, url, POLLEN_TEST_KEY, "account");
  fail_unless_equals_int (empty.status, 1);
  assert_contains (empty.err, "204");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
pollen_info_suite (void)
{
  Suite *s = suite_create ("pollen-info");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_models_audio_lists_voices);
  tcase_add_test (tc, test_models_say_when_filtered);
  tcase_add_test (tc, test_models_video_durations);
  tcase_add_test (tc, test_models_json_is_the_servers);
  tcase_add_test (tc, test_models_text_falls_back_to_v1);
  tcase_add_test (tc, test_account_prints_balance);
  tcase_add_test (tc, test_account_json);
  tcase_add_test (tc, test_account_key_budget);
  tcase_add_test (tc, test_wrong_key_401);
  tcase_add_test (tc, test_missing_key_401);
  tcase_add_test (tc, test_missing_permission_403);
  tcase_add_test (tc, test_no_network);
  tcase_add_test (tc, test_usage);
  tcase_add_test (tc, test_bad_command_line);
  tcase_add_test (tc, test_usage_odd_rows);
  tcase_add_test (tc, test_models_odd_fields);
  tcase_add_test (tc, test_models_long_list);
  tcase_add_test (tc, test_key_never_printed);
  tcase_add_test (tc, test_models_gzip);
  tcase_add_test (tc, test_account_odd_balance);
  tcase_add_test (tc, test_account_key_not_an_object);
  return s;
}

/* No plugin is used here: skipping the registry keeps the run short and
 * free of the plugins' one-time allocations under LeakSanitizer. */
int
main (int argc, char **argv)
{
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (pollen_info_suite (), "pollen-info", __FILE__);
}
