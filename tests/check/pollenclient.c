/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pollenclient against the emulator: what goes on the wire, how every
 * failure class comes back, what is retried, and how fast a cancel is. */

#include "pollentest.h"
#include "pollenclient.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

static const gchar nasty_prompt[] =
    "a/b?c#d%e&f+g \"q\" \xc3\xbcn\xc3\xaf \xf0\x9f\x8c\x85\nnext line";

static PollenClient *
client_for (PollenEmulator * emulator, guint retries)
{
  return pollen_test_client_new (pollen_emulator_get_url (emulator),
      POLLEN_TEST_KEY, retries, 10);
}

static PollenRequest *
image_request (const gchar * prompt)
{
  PollenRequest *request = pollen_request_new ("GET", "/image");

  pollen_request_append_path_segment (request, prompt);
  return request;
}

/* Runs a GET and returns its error (the test expects one). */
static GError *
fetch_error (PollenClient * client, const gchar * prompt)
{
  g_autoptr (PollenRequest) request = image_request (prompt);
  g_autoptr (PollenResponse) response = NULL;
  GError *error = NULL;

  response = pollen_client_fetch (client, request, NULL, &error);
  fail_unless (response == NULL);
  fail_unless (error != NULL);
  return error;
}

static void
push_status (PollenEmulator * emulator, guint status)
{
  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_error (status, "SOME_CODE",
          "scripted failure"));
}

static void
push_ok (PollenEmulator * emulator, const gchar * body)
{
  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new (200, "image/jpeg", body, -1));
}

GST_START_TEST (test_prompt_reaches_server_byte_for_byte)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (PollenRequest) request = image_request (nasty_prompt);
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (PollenEmulatorRequest) seen = NULL;
  g_autofree gchar *expected = g_strconcat ("/image/", nasty_prompt, NULL);
  GError *error = NULL;

  push_ok (emulator, "jpeg");
  pollen_request_add_query (request, "negative_prompt", "a+b&c=d é #x");
  response = pollen_client_fetch (client, request, NULL, &error);
  fail_unless (response != NULL, "%s", error ? error->message : "");

  seen = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (seen->method, "GET");
  fail_unless_equals_string (seen->path, expected);
  fail_unless_equals_string (pollen_emulator_request_get_query (seen,
          "negative_prompt"), "a+b&c=d é #x");
  fail_unless_equals_int (g_hash_table_size (seen->query), 1);

  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The request line as the socket saw it: every reserved byte of the prompt
 * and of a query value percent-encoded, '+' included (URLSearchParams on the
 * server would read a bare '+' as a space). */
GST_START_TEST (test_request_line_on_the_wire)
{
  PollenTestRawServer *server = pollen_test_raw_server_new ("HTTP/1.1 200 OK"
      "\r\nContent-Type: image/jpeg\r\nContent-Length: 2\r\n\r\nok");
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_test_raw_server_get_url (server),
      POLLEN_TEST_KEY, 0, 0);
  g_autoptr (PollenRequest) request = image_request (nasty_prompt);
  g_autoptr (PollenResponse) response = NULL;
  g_autofree gchar *line = NULL;

  pollen_request_add_query (request, "negative_prompt", "a+b&c=d é");
  response = pollen_client_fetch (client, request, NULL, NULL);
  fail_unless (response != NULL);
  line = pollen_test_raw_server_get_request_line (server);
  fail_unless_equals_string (line, "GET /image/"
      "a%2Fb%3Fc%23d%25e%26f%2Bg%20%22q%22%20%C3%BCn%C3%AF%20%F0%9F%8C%85"
      "%0Anext%20line?negative_prompt=a%2Bb%26c%3Dd%20%C3%A9 HTTP/1.1");
  pollen_test_raw_server_free (server);
}

GST_END_TEST;

GST_START_TEST (test_key_only_in_bearer_header)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (PollenClient) anonymous =
      pollen_test_client_new (pollen_emulator_get_url (emulator), "", 0, 0);
  g_autoptr (PollenRequest) request = image_request ("cat");
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (PollenResponse) response2 = NULL;
  g_autoptr (PollenEmulatorRequest) seen = NULL;
  g_autoptr (PollenEmulatorRequest) seen2 = NULL;

  push_ok (emulator, "a");
  push_ok (emulator, "b");
  response = pollen_client_fetch (client, request, NULL, NULL);
  response2 = pollen_client_fetch (anonymous, request, NULL, NULL);
  fail_unless (response && response2);

  seen = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (pollen_emulator_request_get_header (seen,
          "Authorization"), "Bearer " POLLEN_TEST_KEY);
  fail_unless (g_str_has_prefix (pollen_emulator_request_get_header (seen,
              "User-Agent"), "gst-pollen/"));
  fail_unless (pollen_emulator_request_get_header (seen, "X-Request-Id"));
  fail_if (seen->raw_query && strstr (seen->raw_query, "key"));

  seen2 = pollen_emulator_wait_request (emulator, 1, 1000);
  fail_if (pollen_emulator_request_get_header (seen2, "Authorization"));

  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_json_and_form_bodies)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (PollenRequest) json_request =
      pollen_request_new ("POST", "/v1/audio/speech");
  g_autoptr (PollenRequest) form_request =
      pollen_request_new ("POST", "/v1/audio/transcriptions");
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (GstStructure) extra =
      gst_structure_from_string ("p, voice=nova, speed=(double)1.5, "
      "flag=true", NULL);
  g_autoptr (GBytes) file = g_bytes_new_static ("RIFFdata", 8);
  g_autoptr (PollenEmulatorRequest) seen = NULL;
  g_autoptr (PollenEmulatorRequest) seen_form = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  GBytes *part_body;
  SoupMessageHeaders *headers;
  SoupMultipart *multipart;
  SoupMessageHeaders *part_headers;
  JsonObject *sent;

  json_object_set_string_member (object, "input", "héllo");
  json_object_set_string_member (object, "voice", "alloy");
  pollen_request_set_json (json_request, object);
  pollen_request_add_extra_params (json_request, extra);
  pollen_emulator_push (emulator, "/v1/audio/speech",
      pollen_emulator_response_new (200, "audio/wav", "x", 1));
  pollen_response_free (pollen_client_fetch (client, json_request, NULL,
          NULL));

  seen = pollen_emulator_wait_request (emulator, 0, 1000);
  fail_unless_equals_string (pollen_emulator_request_get_header (seen,
          "Content-Type"), "application/json");
  fail_unless (json_parser_load_from_data (parser,
          g_bytes_get_data (seen->body, NULL), g_bytes_get_size (seen->body),
          NULL));
  sent = json_node_get_object (json_parser_get_root (parser));
  fail_unless_equals_string (json_object_get_string_member (sent, "input"),
      "héllo");
  /* extra-params override and add, with their JSON types */
  fail_unless_equals_string (json_object_get_string_member (sent, "voice"),
      "nova");
  fail_unless_equals_float (json_object_get_double_member (sent, "speed"),
      1.5);
  fail_unless (json_object_get_boolean_member (sent, "flag"));

  pollen_request_add_form_field (form_request, "model", "whisper-large-v3");
  pollen_request_add_form_file (form_request, "file", "chunk.wav",
      "audio/wav", file);
  pollen_emulator_push (emulator, "/v1/audio/transcriptions",
      pollen_emulator_response_new_json (200, "{\"text\":\"hi\"}"));
  {
    g_autoptr (JsonNode) answer =
        pollen_client_fetch_json (client, form_request, NULL, NULL);

    fail_unless (answer != NULL);
  }

  seen_form = pollen_emulator_wait_request (emulator, 1, 1000);
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  soup_message_headers_replace (headers, "Content-Type",
      pollen_emulator_request_get_header (seen_form, "Content-Type"));
  multipart = soup_multipart_new_from_message (headers, seen_form->body);
  fail_unless (multipart != NULL);
  fail_unless_equals_int (soup_multipart_get_length (multipart), 2);
  fail_unless (soup_multipart_get_part (multipart, 1, &part_headers,
          &part_body));
  fail_unless_equals_int (g_bytes_get_size (part_body), 8);
  fail_unless (g_bytes_equal (part_body, file));
  soup_multipart_free (multipart);
  soup_message_headers_unref (headers);

  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_error_envelope)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 3);
  PollenEmulatorResponse *answer =
      pollen_emulator_response_new_json (400, "{\"status\":400,"
      "\"success\":false,\"error\":{\"code\":\"BAD_REQUEST\",\"message\":"
      "\"Invalid query\",\"requestId\":\"body-id\",\"details\":{"
      "\"formErrors\":[],\"fieldErrors\":{\"width\":[\"Expected number\"]}}}}");
  g_autoptr (GError) error = NULL;

  pollen_emulator_response_add_header (answer, "X-Request-Id", "header-id");
  pollen_emulator_push (emulator, "/image/", answer);
  error = fetch_error (client, "cat");

  fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_HTTP));
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 400);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "BAD_REQUEST");
  fail_unless_equals_string (pollen_client_error_get_request_id (error),
      "header-id");
  fail_unless_equals_string (error->message,
      "400 Bad Request: Invalid query; width: Expected number");
  /* a 400 is never retried */
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 1);

  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A problem of the request as a whole (zod's formErrors) is said like a
 * field's. */
GST_START_TEST (test_error_form_errors)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 3);
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_json (400, "{\"status\":400,"
          "\"success\":false,\"error\":{\"code\":\"BAD_REQUEST\","
          "\"message\":\"JSON body validation failed\",\"details\":{"
          "\"name\":\"ValidationError\",\"formErrors\":[\"Invalid input: "
          "expected object, received array\"],\"fieldErrors\":{\"voice\":"
          "[\"Too small\",\"Invalid\"]}}}}"));
  error = fetch_error (client, "cat");
  fail_unless_equals_string (error->message, "400 Bad Request: JSON body "
      "validation failed; Invalid input: expected object, received array; "
      "voice: Too small");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A provider's 401 reaches us as the gateway's 502 with the provider's
 * words ("Invalid API key"): the message says whose they are. */
GST_START_TEST (test_error_provider_failure)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) refused = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_upstream_error (502, "BAD_GATEWAY",
          "Invalid API key", 401, "api.provider.example",
          "{\"detail\":{\"status\":\"invalid_api_key\"}}"));
  error = fetch_error (client, "cat");
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 502);
  fail_unless_equals_string (pollen_client_error_get_api_code (error),
      "BAD_GATEWAY");
  fail_unless_equals_string (error->message, "502 Bad Gateway: Invalid API "
      "key (the model's provider (api.provider.example) answered 401, a "
      "failure between the server and its provider, not of this request's "
      "key: {\"detail\":{\"status\":\"invalid_api_key\"}})");
  fail_if (strstr (pollen_client_error_hint (error), "api-key"));

  /* a provider refusing the input (kept as 400) is the request's */
  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_upstream_error (400, "BAD_REQUEST",
          "Invalid voice: bob", 400, NULL, "Invalid voice: bob"));
  refused = fetch_error (client, "cat");
  fail_unless_equals_string (refused->message, "400 Bad Request: Invalid "
      "voice: bob (the model's provider answered 400)");
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Which 429 it was shows in the hint. */
GST_START_TEST (test_rate_limit_hints)
{
  g_autoptr (GError) concurrency = pollen_client_error_new
      (POLLEN_CLIENT_ERROR_HTTP, 429, CONCURRENCY_LIMIT_CODE, "x", NULL, "x");
  g_autoptr (GError) model = pollen_client_error_new
      (POLLEN_CLIENT_ERROR_HTTP, 429, MODEL_RATE_LIMIT_CODE, "x", NULL, "x");
  g_autoptr (GError) ip = pollen_client_error_new (POLLEN_CLIENT_ERROR_HTTP,
      429, "RATE_LIMITED", "x", NULL, "x");

  fail_unless (strstr (pollen_client_error_hint (concurrency),
          "one generation at a time"));
  fail_unless (strstr (pollen_client_error_hint (model),
          "per-user limit of requests a minute"));
  fail_unless (strstr (pollen_client_error_hint (ip), "Rate limited"));
}

GST_END_TEST;

GST_START_TEST (test_client_errors_not_retried)
{
  static const guint statuses[] = { 400, 401, 402, 403, 404, 422 };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 3);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    g_autoptr (GError) error = NULL;

    push_status (emulator, statuses[i]);
    error = fetch_error (client, "cat");
    fail_unless_equals_int (pollen_client_error_get_http_status (error),
        statuses[i]);
    fail_unless_equals_string (pollen_client_error_get_api_code (error),
        "SOME_CODE");
    fail_unless_equals_string (pollen_client_error_get_api_message (error),
        "scripted failure");
    fail_unless_equals_int (pollen_emulator_get_request_count (emulator),
        i + 1);
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_server_errors_retried)
{
  static const guint statuses[] = { 500, 502, 503, 504 };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 1);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    g_autoptr (PollenRequest) request = image_request ("cat");
    g_autoptr (PollenResponse) response = NULL;

    push_status (emulator, statuses[i]);
    push_ok (emulator, "picture");
    response = pollen_client_fetch (client, request, NULL, NULL);
    fail_unless (response != NULL, "%u was not retried", statuses[i]);
    fail_unless_equals_int (g_bytes_get_size (response->body), 7);
    fail_unless_equals_int (pollen_emulator_get_request_count (emulator),
        2 * (i + 1));
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The three 429 bodies the real server sends, each with Retry-After: 1. */
static const gchar *const rate_limit_bodies[] = {
  "{\"status\":429,\"success\":false,\"error\":{\"code\":\"RATE_LIMITED\","
      "\"message\":\"Too many requests\"}}",
  "{\"error\":\"Rate limit exceeded\",\"message\":\"Slow down\","
      "\"retryAfterSeconds\":1}",
  "{\"error\":\"concurrency_limit_exceeded\",\"message\":\"One at a time\"}",
};

static const gchar *const rate_limit_codes[] = {
  "RATE_LIMITED", "Rate limit exceeded", "concurrency_limit_exceeded"
};

static const gchar *const rate_limit_messages[] = {
  "429 Too Many Requests: Too many requests",
  "429 Too Many Requests: Slow down",
  "429 Too Many Requests: One at a time",
};

static void
push_rate_limit (PollenEmulator * emulator, guint shape)
{
  PollenEmulatorResponse *answer =
      pollen_emulator_response_new_json (429, rate_limit_bodies[shape]);

  pollen_emulator_response_add_header (answer, "Retry-After", "1");
  pollen_emulator_push (emulator, "/image/", answer);
}

GST_START_TEST (test_rate_limit_shapes)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  /* a concurrency refusal waits its turn within the timeout, so only a
   * timeout shorter than Retry-After makes it the answer */
  g_autoptr (PollenClient) no_retry = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 1);
  g_autoptr (PollenClient) client = client_for (emulator, 1);
  guint shape;

  for (shape = 0; shape < G_N_ELEMENTS (rate_limit_bodies); shape++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (PollenRequest) request = image_request ("cat");
    g_autoptr (PollenResponse) response = NULL;
    gint64 start;

    push_rate_limit (emulator, shape);
    error = fetch_error (no_retry, "cat");
    fail_unless_equals_int (pollen_client_error_get_http_status (error), 429);
    fail_unless_equals_string (pollen_client_error_get_api_code (error),
        rate_limit_codes[shape]);
    fail_unless_equals_string (error->message, rate_limit_messages[shape]);

    /* retried after the Retry-After second */
    push_rate_limit (emulator, shape);
    push_ok (emulator, "ok");
    start = g_get_monotonic_time ();
    response = pollen_client_fetch (client, request, NULL, NULL);
    fail_unless (response != NULL);
    fail_unless (g_get_monotonic_time () - start >= 950 * 1000,
        "Retry-After was not honoured");
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* "One generation at a time": the request waits its turn (Retry-After)
 * without spending a retry, and every client of the account learns the
 * limit. */
GST_START_TEST (test_concurrency_refusal_waits_its_turn)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (PollenClient) sibling = client_for (emulator, 0);
  g_autoptr (PollenClient) other_key = pollen_test_client_new
      (pollen_emulator_get_url (emulator), "sk_another_account", 0, 10);
  g_autoptr (PollenRequest) request = image_request ("cat");
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  push_rate_limit (emulator, 2);
  push_rate_limit (emulator, 2);
  push_ok (emulator, "picture");
  response = pollen_client_fetch (client, request, NULL, &error);
  fail_unless (response != NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 3);
  fail_unless (g_get_monotonic_time () - start >= 1900 * 1000,
      "Retry-After was not honoured");
  fail_unless_equals_int (pollen_client_get_concurrency_limit (client), 1);
  fail_unless_equals_int (pollen_client_get_concurrency_limit (sibling), 1);
  fail_unless_equals_int (pollen_client_get_concurrency_limit (other_key),
      G_MAXUINT);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_non_json_error_body)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new (524, "text/html",
          "<html>A timeout occurred</html>\n", -1));
  error = fetch_error (client, "cat");
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 524);
  fail_unless (strstr (error->message, "A timeout occurred"), "%s",
      error->message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_key_redacted_from_server_message)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (GError) error = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new_error (401, "UNAUTHORIZED",
          "Invalid API key " POLLEN_TEST_KEY));
  error = fetch_error (client, "cat");
  fail_if (strstr (error->message, POLLEN_TEST_KEY));
  fail_unless (strstr (error->message, "[REDACTED]"));
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_connection_refused)
{
  g_autofree gchar *url = pollen_test_unused_url ();
  g_autoptr (PollenClient) client = pollen_test_client_new (url, POLLEN_TEST_KEY, 0, 0);
  g_autoptr (GError) error = NULL;

  error = fetch_error (client, "cat");
  fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_CONNECT), "%s", error->message);
  fail_unless (strstr (error->message, "cannot connect"), "%s",
      error->message);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 0);
}

GST_END_TEST;

static void
push_truncated (PollenEmulator * emulator)
{
  PollenEmulatorResponse *answer =
      pollen_emulator_response_new (200, "image/jpeg", "0123456789", 10);

  answer->drop_after = 4;
  pollen_emulator_push (emulator, "/image/", answer);
}

GST_START_TEST (test_reset_mid_body)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) no_retry = client_for (emulator, 0);
  g_autoptr (PollenClient) client = client_for (emulator, 1);
  g_autoptr (PollenRequest) request = image_request ("cat");
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GError) error = NULL;

  push_truncated (emulator);
  error = fetch_error (no_retry, "cat");
  fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_NETWORK), "%s", error->message);

  push_truncated (emulator);
  push_ok (emulator, "0123456789");
  response = pollen_client_fetch (client, request, NULL, NULL);
  fail_unless (response != NULL);
  fail_unless_equals_int (g_bytes_get_size (response->body), 10);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 3);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_stall_past_timeout)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 0, 1);
  PollenEmulatorResponse *answer = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  answer->hang = TRUE;
  pollen_emulator_push (emulator, "/image/", answer);
  error = fetch_error (client, "cat");
  fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_TIMEOUT), "%s", error->message);
  fail_unless (g_get_monotonic_time () - start < 5 * G_TIME_SPAN_SECOND);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

typedef struct
{
  PollenEmulator *emulator;
  GCancellable *cancellable;
  gint64 cancelled_at;
} Canceller;

/* Cancels 200 ms after the request reached the emulator: on a loaded
 * machine (a sanitizer build) a fixed delay from the start may cancel
 * before the request was even sent. */
static gpointer
cancel_in_flight (gpointer user_data)
{
  Canceller *c = user_data;
  PollenEmulatorRequest *request =
      pollen_emulator_wait_request (c->emulator, 0, 10000);

  /* only its arrival matters */
  g_clear_pointer (&request, pollen_emulator_request_unref);
  g_usleep (200 * 1000);
  c->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

/* Fetches in this thread while another cancels it in flight; returns how
 * long the fetch took to give up once cancelled, in ms. */
static gint64
fetch_and_cancel (PollenClient * client, PollenEmulator * emulator)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (PollenRequest) request = image_request ("cat");
  g_autoptr (GError) error = NULL;
  Canceller c = { emulator, cancellable, 0 };
  GThread *thread = g_thread_new ("canceller", cancel_in_flight, &c);

  fail_if (pollen_client_fetch (client, request, cancellable, &error));
  fail_unless (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED),
      "%s", error->message);
  g_thread_join (thread);
  return (g_get_monotonic_time () - c.cancelled_at) / 1000;
}

GST_START_TEST (test_cancel_hung_request)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 3);
  PollenEmulatorResponse *answer = pollen_emulator_response_new (200, NULL,
      NULL, 0);
  gint64 took;

  answer->hang = TRUE;
  pollen_emulator_push (emulator, "/image/", answer);
  took = fetch_and_cancel (client, emulator);
  fail_unless (took < 700, "cancel took %" G_GINT64_FORMAT " ms", took);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_cancel_backoff)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 3);
  PollenEmulatorResponse *answer =
      pollen_emulator_response_new_error (503, "SERVICE_UNAVAILABLE", "busy");
  gint64 took;

  pollen_emulator_response_add_header (answer, "Retry-After", "30");
  pollen_emulator_push (emulator, "/image/", answer);
  took = fetch_and_cancel (client, emulator);
  fail_unless (took < 700, "cancel took %" G_GINT64_FORMAT " ms", took);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 1);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_streamed_body_read_as_it_arrives)
{
  /* the rest of the body is sent only after the client read the start */
  PollenTestRawServer *server = pollen_test_raw_server_new_held
      ("HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\n"
      "Transfer-Encoding: chunked\r\n\r\n4\r\nAAAA\r\n",
      "8\r\nBBBBCCCC\r\n0\r\n\r\n");
  g_autoptr (PollenClient) client =
      pollen_test_client_new (pollen_test_raw_server_get_url (server),
      POLLEN_TEST_KEY, 0, 0);
  g_autoptr (PollenRequest) request = image_request ("cat");
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GBytes) head_chunk = NULL;
  g_autoptr (GBytes) rest = NULL;
  g_autoptr (GBytes) end = NULL;

  response = pollen_client_send (client, request, NULL, NULL);
  fail_unless (response != NULL);
  fail_unless_equals_int (response->content_length, -1);
  head_chunk = pollen_response_read (response, 1024, NULL, NULL);
  fail_unless_equals_int (g_bytes_get_size (head_chunk), 4);
  fail_unless (memcmp (g_bytes_get_data (head_chunk, NULL), "AAAA", 4) == 0);
  /* the first bytes reached the reader while the server held the rest */
  fail_if (pollen_test_raw_server_release (server),
      "the first bytes were read only after the whole body was sent");
  rest = pollen_response_read (response, 1024, NULL, NULL);
  fail_unless_equals_int (g_bytes_get_size (rest), 8);
  end = pollen_response_read (response, 1024, NULL, NULL);
  fail_unless_equals_int (g_bytes_get_size (end), 0);
  g_clear_pointer (&response, pollen_response_free);
  pollen_test_raw_server_free (server);
}

GST_END_TEST;

static void
capture_log (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  g_string_append_printf (user_data, "%s\n",
      gst_debug_message_get (message));
}

GST_START_TEST (test_trace_logs_wire_without_key)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GString *log = g_string_new (NULL);
  g_autoptr (PollenClient) client = NULL;
  g_autoptr (PollenRequest) request = image_request ("cat");
  g_autoptr (PollenResponse) response = NULL;

  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_for_name ("pollenclient", GST_LEVEL_TRACE);
  gst_debug_add_log_function (capture_log, log, NULL);
  client = client_for (emulator, 0);
  push_ok (emulator, "picture");
  response = pollen_client_fetch (client, request, NULL, NULL);
  fail_unless (response != NULL);
  /* the response is logged once the message is done with */
  g_clear_pointer (&response, pollen_response_free);
  gst_debug_remove_log_function (capture_log);

  fail_unless (strstr (log->str, "> GET /image/cat"), "%s", log->str);
  fail_unless (strstr (log->str, "> Authorization: Bearer [REDACTED]"));
  fail_unless (strstr (log->str, "< HTTP/1.1 200 OK"));
  fail_if (strstr (log->str, POLLEN_TEST_KEY));
  g_string_free (log, TRUE);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* At TRACE the wire shows bodies too (JSON as text, media as a size) and
 * the key is gone wherever the server echoes it; nothing else is cut. */
GST_START_TEST (test_trace_logs_bodies_and_redacts_only_the_key)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  GString *log = g_string_new (NULL);
  g_autoptr (PollenClient) client = NULL;
  g_autoptr (PollenClient) keyless = NULL;
  g_autoptr (PollenRequest) request = pollen_request_new ("POST",
      "/v1/audio/speech");
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) missing = NULL;
  PollenEmulatorResponse *echo = pollen_emulator_response_new_json (400,
      "{\"error\":{\"code\":\"BAD_REQUEST\",\"message\":\"send it as "
      "(Bearer token), not \\\"" POLLEN_TEST_KEY "\\\"\"}}");

  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_for_name ("pollenclient", GST_LEVEL_TRACE);
  gst_debug_add_log_function (capture_log, log, NULL);
  client = client_for (emulator, 0);
  pollen_emulator_response_add_header (echo, "X-Echo", POLLEN_TEST_KEY);
  pollen_emulator_push (emulator, "/v1/audio/speech", echo);
  json_object_set_string_member (object, "input", "hello wire");
  pollen_request_set_json (request, object);
  fail_if (pollen_client_fetch (client, request, NULL, &error));
  keyless = pollen_test_client_new (pollen_emulator_get_url (emulator), NULL, 0,
      0);
  g_clear_pointer (&request, pollen_request_free);
  request = image_request ("cat");
  fail_if (pollen_client_fetch (keyless, request, NULL, &missing));
  gst_debug_remove_log_function (capture_log);

  fail_unless (strstr (log->str, "\"input\":\"hello wire\""), "%s", log->str);
  fail_unless (strstr (log->str, "< X-Echo: [REDACTED]"), "%s", log->str);
  fail_unless (strstr (log->str, "(Bearer token), not"), "%s", log->str);
  fail_if (strstr (log->str, POLLEN_TEST_KEY), "%s", log->str);
  fail_unless (strstr (error->message, "send it as (Bearer token), not "
          "\"[REDACTED]\""), "%s", error->message);
  fail_unless (strstr (missing->message, "Authorization header (Bearer "
          "token)"), "%s", missing->message);
  g_string_free (log, TRUE);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_post_timeout_retried)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = pollen_test_client_new
      (pollen_emulator_get_url (emulator), POLLEN_TEST_KEY, 1, 1);
  g_autoptr (PollenRequest) request =
      pollen_request_new ("POST", "/v1/audio/speech");
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (PollenResponse) response = NULL;
  PollenEmulatorResponse *hang = pollen_emulator_response_new (200, NULL,
      NULL, 0);

  /* no answer began: the server did nothing, so the POST may go again */
  hang->hang = TRUE;
  pollen_emulator_push (emulator, "/v1/audio/speech", hang);
  pollen_emulator_push (emulator, "/v1/audio/speech",
      pollen_emulator_response_new (200, "audio/wav", "RIFF", 4));
  json_object_set_string_member (object, "input", "hi");
  pollen_request_set_json (request, object);
  response = pollen_client_fetch (client, request, NULL, NULL);
  fail_unless (response != NULL);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 2);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_retries_are_one_budget)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 1);
  g_autoptr (GError) error = NULL;

  /* a 503, then a cut-short body: two attempts are all retries=1 allows */
  push_status (emulator, 503);
  push_truncated (emulator);
  push_ok (emulator, "never asked for");
  error = fetch_error (client, "cat");
  fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_NETWORK), "%s", error->message);
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 2);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_echoed_token_redacted)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (GString) page = g_string_new ("<html>");
  g_autoptr (GError) error = NULL;

  /* a proxy page that quotes the header, cut where the key straddles the
   * 300 characters an error message keeps */
  while (page->len < 250)
    g_string_append (page, "padding ");
  g_string_append (page, "you sent Authorization: Bearer " POLLEN_TEST_KEY
      "</html>");
  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new (400, "text/html", page->str, -1));
  error = fetch_error (client, "cat");
  fail_if (strstr (error->message, "sk_test"), "%s", error->message);
  fail_unless (strstr (error->message, "Bearer [REDACTED]"), "%s",
      error->message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A bare status from a proxy, no body at all, on every status the API
 * uses: an error naming the status, never a crash (it once was SIGSEGV). */
GST_START_TEST (test_empty_error_bodies)
{
  static const guint statuses[] = { 307, 400, 401, 402, 403, 404, 413, 414,
    422, 429, 431, 500, 502, 503, 504, 524
  };
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree gchar *start = g_strdup_printf ("%u ", statuses[i]);

    pollen_emulator_push (emulator, "/image/",
        pollen_emulator_response_new (statuses[i], NULL, NULL, 0));
    error = fetch_error (client, "cat");
    fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
            POLLEN_CLIENT_ERROR_HTTP), "%s", error->message);
    fail_unless_equals_int (pollen_client_error_get_http_status (error),
        statuses[i]);
    fail_unless (g_str_has_prefix (error->message, start), "%s",
        error->message);
    fail_unless (pollen_client_error_get_api_message (error) == NULL);
  }
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Error bodies no parser should choke on: nesting past any stack, NUL
 * bytes, invalid UTF-8. The message stays one line of valid UTF-8. */
GST_START_TEST (test_hostile_error_bodies)
{
  static const gchar binary[] = "bad\0gate\xffway\r\nsecond line";
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autofree gchar *nested = g_strnfill (100 * 1024, '[');
  g_autoptr (GError) deep = NULL;
  g_autoptr (GError) mixed = NULL;

  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new (500, "application/json", nested, -1));
  pollen_emulator_push (emulator, "/image/",
      pollen_emulator_response_new (502, "text/plain", binary,
          sizeof (binary) - 1));
  deep = fetch_error (client, "cat");
  fail_unless_equals_int (pollen_client_error_get_http_status (deep), 500);
  fail_unless (strstr (deep->message, "500 Internal Server Error: [[[["),
      "%s", deep->message);
  fail_unless (g_utf8_strlen (deep->message, -1) < 400);

  mixed = fetch_error (client, "cat");
  fail_unless (g_utf8_validate (mixed->message, -1, NULL));
  fail_unless (strstr (mixed->message, "502 Bad Gateway: bad\xef\xbf\xbdgate"
          "\xef\xbf\xbdway  second line"), "%s", mixed->message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A success status is not success when the body is empty or is not the
 * JSON it should be. */
GST_START_TEST (test_empty_or_nested_success_is_an_error)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (PollenRequest) request = pollen_request_new ("GET",
      "/image/models");
  g_autofree gchar *nested = g_strnfill (100 * 1024, '{');
  g_autoptr (GError) empty = NULL;
  g_autoptr (GError) deep = NULL;
  JsonNode *root;

  push_ok (emulator, "");
  empty = fetch_error (client, "cat");
  fail_unless (g_error_matches (empty, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_BAD_RESPONSE), "%s", empty->message);
  fail_unless_equals_string (empty->message,
      "the server answered 200 OK with an empty body");
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 1);

  pollen_emulator_push (emulator, "/image/models",
      pollen_emulator_response_new (200, "application/json", nested, -1));
  root = pollen_client_fetch_json (client, request, NULL, &deep);
  fail_unless (root == NULL);
  fail_unless (g_error_matches (deep, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_BAD_RESPONSE), "%s", deep->message);
  fail_unless (g_str_has_prefix (deep->message, "the server's answer is "
          "JSON nested deeper than 64 levels: {{{{"), "%s", deep->message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static gchar *
nested_arrays (guint depth)
{
  GString *json = g_string_new (NULL);
  guint i;

  for (i = 0; i < depth; i++)
    g_string_append_c (json, '[');
  for (i = 0; i < depth; i++)
    g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

#ifndef POLLEN_TEST_UNDER_ASAN
/* gcc 12's LeakSanitizer crashes in its exit check ("Tracer caught signal
 * 11") after the TLS server's thread: the normal run covers this test. */

/* A certificate for 127.0.0.1 (valid until 2126) and its key, for a
 * local https:// server trusted through ssl-ca-file. */
static const gchar localhost_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBkDCCATagAwIBAgIUEjkjmAl1nv+P3KgZ1Ll4iWYAyZUwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNzE1NDExNloYDzIxMjYxMTEz\n"
    "MTU0MTE2WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAATjm5pet/BK2dWB8r1mrmXraGaahc/Spj6mmAfFyvUTDrxZQJBezip+\n"
    "G8XNhCJUPAv5xC669jDy6eFoV95OBIfOo2QwYjAdBgNVHQ4EFgQUoNAWfQFbLbuM\n"
    "+pK6sy3TU6FX8DYwHwYDVR0jBBgwFoAUoNAWfQFbLbuM+pK6sy3TU6FX8DYwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC\n"
    "IGOHw86JdQj/XsFE0p8+VbdOuypVmg5f10PHIorOJLiaAiEAvWChsNAIrITfDerw\n"
    "ukb7dOz67NCi5b6rBBKSTOR4p+U=\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAosx82zu6S8ivrm6\n"
    "BpyJV7IRtzCDS0KU3BobDMwZURmhRANCAATjm5pet/BK2dWB8r1mrmXraGaahc/S\n"
    "pj6mmAfFyvUTDrxZQJBezip+G8XNhCJUPAv5xC669jDy6eFoV95OBIfO\n"
    "-----END PRIVATE KEY-----\n";

/* An https:// server on 127.0.0.1 in its own thread that redirects every
 * request to plain http:// on the same host. */
typedef struct
{
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  GThread *thread;
  guint port;
} TlsServer;

static void
tls_server_redirect (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  TlsServer *tls = user_data;
  g_autofree gchar *location = g_strdup_printf ("http://127.0.0.1:%u%s",
      tls->port, path);

  soup_server_message_set_redirect (msg, 301, location);
}

static gpointer
tls_server_run (gpointer user_data)
{
  TlsServer *tls = user_data;

  g_main_context_push_thread_default (tls->context);
  g_main_loop_run (tls->loop);
  g_main_context_pop_thread_default (tls->context);
  return NULL;
}

static TlsServer *
tls_server_new (void)
{
  TlsServer *tls = g_new0 (TlsServer, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) certificate =
      g_tls_certificate_new_from_pem (localhost_pem, -1, &error);
  GSList *uris;

  fail_unless (certificate != NULL, "%s", error ? error->message : "");
  tls->context = g_main_context_new ();
  tls->loop = g_main_loop_new (tls->context, FALSE);
  g_main_context_push_thread_default (tls->context);
  tls->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (tls->server, NULL, tls_server_redirect, tls,
      NULL);
  fail_unless (soup_server_listen_local (tls->server, 0,
          SOUP_SERVER_LISTEN_HTTPS | SOUP_SERVER_LISTEN_IPV4_ONLY, &error),
      "%s", error ? error->message : "");
  g_main_context_pop_thread_default (tls->context);
  uris = soup_server_get_uris (tls->server);
  tls->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  tls->thread = g_thread_new ("tls-server", tls_server_run, tls);
  return tls;
}

static gboolean
tls_server_quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
tls_server_free (TlsServer * tls)
{
  g_main_context_invoke (tls->context, tls_server_quit, tls->loop);
  g_thread_join (tls->thread);
  soup_server_disconnect (tls->server);
  g_object_unref (tls->server);
  g_main_loop_unref (tls->loop);
  g_main_context_unref (tls->context);
  g_free (tls);
}

/* https:// redirected to plain http:// on the same host is not followed,
 * and named for what it is, not "another host". */
GST_START_TEST (test_redirect_to_plain_http_named)
{
  TlsServer *tls = tls_server_new ();
  g_autofree gchar *ca_path = NULL;
  g_autofree gchar *base_url = g_strdup_printf ("https://127.0.0.1:%u",
      tls->port);
  PollenClientConfig config = {.base_url = base_url,.api_key =
        (gchar *) POLLEN_TEST_KEY,.timeout = 10
  };
  g_autoptr (PollenClient) client = NULL;
  g_autoptr (PollenRequest) request = pollen_request_new ("GET", "/image");
  g_autoptr (PollenResponse) response = NULL;
  g_autoptr (GError) error = NULL;
  gint fd = g_file_open_tmp ("pollen-ca-XXXXXX.pem", &ca_path, NULL);

  fail_unless (fd >= 0);
  close (fd);
  fail_unless (g_file_set_contents (ca_path, localhost_pem, -1, NULL));
  config.ssl_ca_file = ca_path;
  client = pollen_client_new (&config, &error);
  fail_unless (client != NULL, "%s", error ? error->message : "");
  pollen_request_append_path_segment (request, "a cat");
  response = pollen_client_fetch (client, request, NULL, &error);
  fail_unless (response == NULL);
  fail_unless (g_error_matches (error, POLLEN_CLIENT_ERROR,
          POLLEN_CLIENT_ERROR_HTTP), "%s", error->message);
  fail_unless_equals_int (pollen_client_error_get_http_status (error), 301);
  fail_unless (strstr (error->message, "from https:// to plain http://"),
      "%s", error->message);
  fail_if (strstr (error->message, "another host"), "%s", error->message);
  g_unlink (ca_path);
  tls_server_free (tls);
}

GST_END_TEST;
#endif

/* Depth means depth: a model list of a hundred entries, each with arrays
 * and objects inside, is three levels deep however long it is; 64 levels
 * are read and 65 refused. */
GST_START_TEST (test_long_answer_is_not_deep)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (PollenClient) client = client_for (emulator, 0);
  g_autoptr (PollenRequest) request = pollen_request_new ("GET",
      "/image/models");
  g_autoptr (GString) list = g_string_new ("[");
  g_autofree gchar *deepest = nested_arrays (64);
  g_autofree gchar *too_deep = nested_arrays (65);
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  guint i;

  for (i = 0; i < 100; i++)
    g_string_append_printf (list, "%s{\"name\":\"m%u\",\"aliases\":[\"a\"],"
        "\"pricing\":{\"currency\":\"pollen\"},\"voices\":[]}", i ? "," : "",
        i);
  g_string_append (list, "]");
  pollen_emulator_push (emulator, "/image/models",
      pollen_emulator_response_new (200, "application/json", list->str, -1));
  root = pollen_client_fetch_json (client, request, NULL, &error);
  fail_unless (root != NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (json_array_get_length (json_node_get_array (root)),
      100);
  json_node_unref (root);

  pollen_emulator_push (emulator, "/image/models",
      pollen_emulator_response_new (200, "application/json", deepest, -1));
  root = pollen_client_fetch_json (client, request, NULL, &error);
  fail_unless (root != NULL, "%s", error ? error->message : "");
  json_node_unref (root);

  pollen_emulator_push (emulator, "/image/models",
      pollen_emulator_response_new (200, "application/json", too_deep, -1));
  root = pollen_client_fetch_json (client, request, NULL, &error);
  fail_unless (root == NULL);
  fail_unless (g_str_has_prefix (error->message, "the server's answer is "
          "JSON nested deeper than 64 levels"), "%s", error->message);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static Suite *
pollenclient_suite (void)
{
  Suite *s = suite_create ("pollenclient");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_prompt_reaches_server_byte_for_byte);
  tcase_add_test (tc, test_request_line_on_the_wire);
  tcase_add_test (tc, test_key_only_in_bearer_header);
  tcase_add_test (tc, test_json_and_form_bodies);
  tcase_add_test (tc, test_error_envelope);
  tcase_add_test (tc, test_error_form_errors);
  tcase_add_test (tc, test_error_provider_failure);
  tcase_add_test (tc, test_rate_limit_hints);
  tcase_add_test (tc, test_client_errors_not_retried);
  tcase_add_test (tc, test_server_errors_retried);
  tcase_add_test (tc, test_rate_limit_shapes);
  tcase_add_test (tc, test_concurrency_refusal_waits_its_turn);
  tcase_add_test (tc, test_non_json_error_body);
  tcase_add_test (tc, test_key_redacted_from_server_message);
  tcase_add_test (tc, test_connection_refused);
  tcase_add_test (tc, test_reset_mid_body);
  tcase_add_test (tc, test_stall_past_timeout);
  tcase_add_test (tc, test_cancel_hung_request);
  tcase_add_test (tc, test_cancel_backoff);
  tcase_add_test (tc, test_streamed_body_read_as_it_arrives);
  tcase_add_test (tc, test_trace_logs_wire_without_key);
  tcase_add_test (tc, test_trace_logs_bodies_and_redacts_only_the_key);
  tcase_add_test (tc, test_post_timeout_retried);
  tcase_add_test (tc, test_retries_are_one_budget);
  tcase_add_test (tc, test_echoed_token_redacted);
  tcase_add_test (tc, test_empty_error_bodies);
  tcase_add_test (tc, test_hostile_error_bodies);
  tcase_add_test (tc, test_empty_or_nested_success_is_an_error);
  tcase_add_test (tc, test_long_answer_is_not_deep);
#ifndef POLLEN_TEST_UNDER_ASAN
  tcase_add_test (tc, test_redirect_to_plain_http_named);
#endif
  return s;
}

GST_CHECK_MAIN (pollenclient);
