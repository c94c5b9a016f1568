/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The emulator itself, read with a plain libsoup client: its pictures and
 * clips have the shapes and sizes the real models answer (an MP4 with its
 * index first holding H.264, a multi-megabyte PNG, JPEGs of the asked
 * size), and its chunked and paced sending keeps every scripted answer's
 * shape. Times are only bounded from below: pacing never sends faster. */

#include "pollentest.h"

#include <libsoup/soup.h>
#include <string.h>

typedef struct
{
  guint status;
  GBytes *body;
  gchar *content_type;
  gchar *content_length;        /* the header, or NULL */
  gchar *retry_after;           /* the header, or NULL */
  SoupEncoding encoding;
  GError *error;
  gint64 elapsed_us;
} Answer;

static void
answer_clear (Answer * answer)
{
  g_clear_pointer (&answer->body, g_bytes_unref);
  g_clear_pointer (&answer->content_type, g_free);
  g_clear_pointer (&answer->content_length, g_free);
  g_clear_pointer (&answer->retry_after, g_free);
  g_clear_error (&answer->error);
}

/* GETs @path_and_query (escaped) with @key, if any, giving up after
 * @timeout_s seconds without I/O. */
static Answer
fetch_with_key (PollenEmulator * emulator, const gchar * path_and_query,
    guint timeout_s, const gchar * key)
{
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout",
      timeout_s, NULL);
  g_autofree gchar *uri = g_strconcat (pollen_emulator_get_url (emulator),
      path_and_query, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  SoupMessageHeaders *headers;
  Answer answer = { 0 };
  gint64 start = g_get_monotonic_time ();

  if (key)
    soup_message_headers_append (soup_message_get_request_headers (msg),
        "Authorization", key);
  answer.body = soup_session_send_and_read (session, msg, NULL,
      &answer.error);
  answer.elapsed_us = g_get_monotonic_time () - start;
  headers = soup_message_get_response_headers (msg);
  answer.status = soup_message_get_status (msg);
  answer.content_type = g_strdup (soup_message_headers_get_content_type
      (headers, NULL));
  answer.content_length = g_strdup (soup_message_headers_get_one (headers,
          "Content-Length"));
  answer.retry_after = g_strdup (soup_message_headers_get_one (headers,
          "Retry-After"));
  answer.encoding = soup_message_headers_get_encoding (headers);
  return answer;
}

/* GETs @path_and_query with the test key. */
static Answer
fetch (PollenEmulator * emulator, const gchar * path_and_query,
    guint timeout_s)
{
  return fetch_with_key (emulator, path_and_query, timeout_s,
      "Bearer " POLLEN_TEST_KEY);
}

static void
assert_answer (Answer * answer, const gchar * content_type)
{
  fail_unless (answer->error == NULL, "%s", answer->error ?
      answer->error->message : "");
  fail_unless_equals_int (answer->status, 200);
  fail_unless_equals_string (answer->content_type, content_type);
}

/* ---- reading media ---- */

/* Big-endian fields sit at any offset: read them a byte at a time. */
static guint64
read_be (const guint8 * p, guint bytes)
{
  guint64 value = 0;
  guint i;

  for (i = 0; i < bytes; i++)
    value = (value << 8) | p[i];
  return value;
}

static guint32
read_be32 (const guint8 * p)
{
  return read_be (p, 4);
}

/* The body of the first box of @type among the boxes in @data. */
static const guint8 *
mp4_box (const guint8 * data, gsize size, const gchar * type, gsize * length)
{
  gsize pos = 0;

  while (size - pos >= 8) {
    gsize box = read_be32 (data + pos);

    fail_unless (box >= 8 && box <= size - pos, "broken box at %"
        G_GSIZE_FORMAT, pos);
    if (memcmp (data + pos + 4, type, 4) == 0) {
      *length = box - 8;
      return data + pos + 8;
    }
    pos += box;
  }
  return NULL;
}

/* The box at @path ("moov/trak/…") inside @data. */
static const guint8 *
mp4_find (const guint8 * data, gsize size, const gchar * path, gsize * length)
{
  g_auto (GStrv) types = g_strsplit (path, "/", -1);
  guint i;

  *length = size;
  for (i = 0; types[i] && data; i++)
    data = mp4_box (data, *length, types[i], length);
  fail_unless (data != NULL, "no %s in the MP4", path);
  return data;
}

/* Seconds the movie lasts, from mvhd. */
static gdouble
mp4_duration (const guint8 * mp4, gsize size)
{
  gsize length;
  const guint8 *mvhd = mp4_find (mp4, size, "moov/mvhd", &length);

  if (mvhd[0] == 1)
    return (gdouble) read_be (mvhd + 24, 8) / read_be32 (mvhd + 20);
  return (gdouble) read_be32 (mvhd + 16) / read_be32 (mvhd + 12);
}

/* Checks that @mp4 is ftyp, then moov, then the media; and that its one
 * track is H.264 (an avc1 sample entry) of @width x @height lasting
 * @seconds. */
static void
assert_faststart_h264 (GBytes * mp4, guint width, guint height,
    gdouble seconds)
{
  gsize size, length;
  const guint8 *data = g_bytes_get_data (mp4, &size);
  const guint8 *stsd, *avc1;
  guint32 ftyp = read_be32 (data);

  fail_unless (size > 16 && memcmp (data + 4, "ftyp", 4) == 0);
  fail_unless (memcmp (data + ftyp + 4, "moov", 4) == 0,
      "the box after ftyp is %.4s, not moov", data + ftyp + 4);
  stsd = mp4_find (data, size, "moov/trak/mdia/minf/stbl/stsd", &length);
  /* a full box: version, flags and the entry count before the entries */
  avc1 = mp4_box (stsd + 8, length - 8, "avc1", &length);
  fail_unless (avc1 != NULL, "the track is %.4s, not avc1", stsd + 12);
  fail_unless (mp4_box (avc1 + 78, length - 78, "avcC", &length) != NULL);
  fail_unless_equals_int (read_be (avc1 + 24, 2), width);
  fail_unless_equals_int (read_be (avc1 + 26, 2), height);
  fail_unless (ABS (mp4_duration (data, size) - seconds) < 0.1,
      "the clip lasts %f s", mp4_duration (data, size));
}

/* Width, height and colour type of a PNG, from its IHDR. */
static void
assert_png (GBytes * png, guint width, guint height, guint colour_type)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (png, &size);

  fail_unless (size > 33 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0);
  fail_unless (memcmp (data + 12, "IHDR", 4) == 0);
  fail_unless_equals_int (read_be32 (data + 16), width);
  fail_unless_equals_int (read_be32 (data + 20), height);
  fail_unless_equals_int (data[25], colour_type);
}

/* The frame size of a JPEG, from its first SOF marker. */
static void
assert_jpeg (GBytes * jpeg, guint width, guint height)
{
  gsize size, pos = 2;
  const guint8 *data = g_bytes_get_data (jpeg, &size);

  fail_unless (size > 4 && data[0] == 0xff && data[1] == 0xd8);
  while (pos + 9 < size && data[pos] == 0xff) {
    guint8 marker = data[pos + 1];

    if (marker >= 0xc0 && marker <= 0xc3) {
      fail_unless_equals_int (read_be (data + pos + 7, 2), width);
      fail_unless_equals_int (read_be (data + pos + 5, 2), height);
      return;
    }
    pos += 2 + read_be (data + pos + 2, 2);
  }
  fail ("no SOF marker in the JPEG");
}

static void
assert_size_at_least (Answer * answer, gsize least)
{
  gsize size = g_bytes_get_size (answer->body);

  fail_unless (size >= least, "%" G_GSIZE_FORMAT " bytes, not %"
      G_GSIZE_FORMAT " or more", size, least);
}

/* ---- what the models answer ---- */

/* A 720p clip as veo makes it: H.264 in MP4, the index (moov) first so
 * that it plays while it downloads, a few megabytes for four seconds. */
GST_START_TEST (test_video_is_h264_in_mp4_with_moov_first)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Answer clip = fetch (emulator, "/image/waves%20on%20a%20beach?model=veo"
      "&duration=4&aspectRatio=16:9", 60);

  assert_answer (&clip, "video/mp4");
  assert_faststart_h264 (clip.body, 1280, 720, 4.0);
  assert_size_at_least (&clip, 2000000);
  answer_clear (&clip);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The frame the server picks (calculateVideoResolution): width and height,
 * when both come, win over aspectRatio, and a square is portrait; the
 * 1080p names answer 1080p. */
GST_START_TEST (test_video_frame_as_the_server_picks_it)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Answer square = fetch (emulator, "/image/waves?model=seedance-pro"
      "&duration=2&width=1024&height=1024&aspectRatio=16:9", 60);
  Answer full_hd = fetch (emulator, "/image/waves?model=veo-1080p"
      "&duration=4", 60);

  assert_answer (&square, "video/mp4");
  assert_faststart_h264 (square.body, 720, 1280, 2.0);
  assert_answer (&full_hd, "video/mp4");
  assert_faststart_h264 (full_hd.body, 1920, 1080, 4.0);
  answer_clear (&square);
  answer_clear (&full_hd);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* GPT Image's transparent background: a PNG with alpha at one of its
 * three sizes, several megabytes as it makes them. */
GST_START_TEST (test_transparent_gpt_image_is_a_large_png)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Answer square = fetch (emulator, "/image/a%20fox?model=gptimage"
      "&transparent=true&width=1024&height=1024", 60);
  Answer wide = fetch (emulator, "/image/a%20fox?model=gpt-image-2"
      "&transparent=true&width=1280&height=720", 60);

  assert_answer (&square, "image/png");
  assert_png (square.body, 1024, 1024, 6);
  assert_size_at_least (&square, 2000000);
  assert_answer (&wide, "image/png");
  assert_png (wide.body, 1536, 1024, 6);
  answer_clear (&square);
  answer_clear (&wide);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Every other picture is the JPEG the server re-encodes it to, of the
 * asked size, weighing what a picture of that size weighs (no flat colour
 * that compresses to nothing); transparent does not make a PNG of them. */
GST_START_TEST (test_pictures_are_jpegs_of_the_asked_size)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Answer plain = fetch (emulator, "/image/a%20cat?model=flux", 60);
  Answer large = fetch (emulator, "/image/a%20cat?model=zimage&width=4096"
      "&height=2304&transparent=true", 60);

  assert_answer (&plain, "image/jpeg");
  assert_jpeg (plain.body, 1024, 1024);
  assert_size_at_least (&plain, 150000);
  assert_answer (&large, "image/jpeg");
  assert_jpeg (large.body, 4096, 2304);
  assert_size_at_least (&large, 1024 * 1024 + 1);
  answer_clear (&plain);
  answer_clear (&large);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

GST_START_TEST (test_same_request_same_bytes)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Answer first = fetch (emulator, "/image/x?seed=3&width=640&height=480", 60);
  Answer again = fetch (emulator, "/image/x?seed=3&width=640&height=480", 60);
  Answer other = fetch (emulator, "/image/x?seed=4&width=640&height=480", 60);

  assert_answer (&first, "image/jpeg");
  fail_unless (g_bytes_equal (first.body, again.body));
  fail_if (g_bytes_equal (first.body, other.body));
  answer_clear (&first);
  answer_clear (&again);
  answer_clear (&other);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- how bodies are sent ---- */

GST_START_TEST (test_chunked_bodies_have_no_content_length)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Answer whole = fetch (emulator, "/image/x?width=320&height=240", 60);
  Answer chunked, refused;

  fail_unless_equals_int (whole.encoding, SOUP_ENCODING_CONTENT_LENGTH);
  pollen_emulator_set_chunked (emulator, TRUE);
  chunked = fetch (emulator, "/image/x?width=320&height=240", 60);
  refused = fetch (emulator, "/nowhere", 60);

  assert_answer (&chunked, "image/jpeg");
  fail_unless_equals_int (chunked.encoding, SOUP_ENCODING_CHUNKED);
  fail_unless (chunked.content_length == NULL);
  fail_unless (g_bytes_equal (chunked.body, whole.body));
  /* errors too */
  fail_unless_equals_int (refused.status, 404);
  fail_unless_equals_int (refused.encoding, SOUP_ENCODING_CHUNKED);
  answer_clear (&whole);
  answer_clear (&chunked);
  answer_clear (&refused);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static GBytes *
body_of_size (gsize size)
{
  guint8 *data = g_malloc (size);
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = i * 7 + (i >> 8);
  return g_bytes_new_take (data, size);
}

static void
push_body (PollenEmulator * emulator, GBytes * body)
{
  PollenEmulatorResponse *response = pollen_emulator_response_new (200,
      "application/octet-stream", NULL, 0);

  response->body = g_bytes_ref (body);
  pollen_emulator_push (emulator, "/image/", response);
}

/* 2 MB at 4 MB/s take half a second, however fast the machine; the body
 * keeps its Content-Length unless bodies are chunked too. */
GST_START_TEST (test_paced_body_takes_size_over_rate)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GBytes) body = body_of_size (2000000);
  Answer paced, chunked;

  pollen_emulator_set_pace (emulator, 4);
  push_body (emulator, body);
  paced = fetch (emulator, "/image/x", 60);
  pollen_emulator_set_chunked (emulator, TRUE);
  push_body (emulator, body);
  chunked = fetch (emulator, "/image/x", 60);

  assert_answer (&paced, "application/octet-stream");
  fail_unless (g_bytes_equal (paced.body, body));
  fail_unless_equals_string (paced.content_length, "2000000");
  fail_unless (paced.elapsed_us >= 450000, "2 MB at 4 MB/s came in %"
      G_GINT64_FORMAT " us", paced.elapsed_us);
  assert_answer (&chunked, "application/octet-stream");
  fail_unless (g_bytes_equal (chunked.body, body));
  fail_unless_equals_int (chunked.encoding, SOUP_ENCODING_CHUNKED);
  fail_unless (chunked.elapsed_us >= 450000);
  answer_clear (&paced);
  answer_clear (&chunked);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

static PollenEmulatorResponse *
response_with_body (gsize size)
{
  g_autoptr (GBytes) body = body_of_size (size);

  return pollen_emulator_response_new (200, "application/octet-stream",
      g_bytes_get_data (body, NULL), size);
}

/* Chunked and paced, a scripted answer still does what it says: it waits
 * its delay, its own chunks stay chunks, a cut-short body announces its
 * whole size and stops, raw bytes go out as they are, a hang hangs. */
GST_START_TEST (test_scripted_answers_when_chunked_and_paced)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  PollenEmulatorResponse *delayed = response_with_body (1000);
  PollenEmulatorResponse *dripped = response_with_body (1000);
  PollenEmulatorResponse *cut = response_with_body (100000);
  PollenEmulatorResponse *hung = response_with_body (10);
  g_autoptr (GBytes) hello = g_bytes_new_static ("hello", 5);
  Answer a;

  pollen_emulator_set_chunked (emulator, TRUE);
  pollen_emulator_set_pace (emulator, 4);

  delayed->delay_ms = 300;
  pollen_emulator_push (emulator, "/image/", delayed);
  a = fetch (emulator, "/image/x", 60);
  assert_answer (&a, "application/octet-stream");
  fail_unless_equals_int (g_bytes_get_size (a.body), 1000);
  fail_unless (a.elapsed_us >= 300000);
  answer_clear (&a);

  dripped->chunk_size = 100;
  dripped->chunk_interval_ms = 1;
  pollen_emulator_push (emulator, "/image/", dripped);
  a = fetch (emulator, "/image/x", 60);
  assert_answer (&a, "application/octet-stream");
  fail_unless_equals_int (g_bytes_get_size (a.body), 1000);
  fail_unless_equals_int (a.encoding, SOUP_ENCODING_CHUNKED);
  answer_clear (&a);

  cut->drop_after = 1000;
  pollen_emulator_push (emulator, "/image/", cut);
  a = fetch (emulator, "/image/x", 60);
  /* libsoup hands over what came; the Content-Length tells it is short */
  fail_unless_equals_int (a.status, 200);
  fail_unless_equals_int (g_bytes_get_size (a.body), 1000);
  fail_unless_equals_string (a.content_length, "100000");
  answer_clear (&a);

  pollen_emulator_push (emulator, "/image/", pollen_emulator_response_new_raw
      ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
          "Content-Length: 5\r\n\r\nhello", -1));
  a = fetch (emulator, "/image/x", 60);
  assert_answer (&a, "text/plain");
  fail_unless_equals_int (a.encoding, SOUP_ENCODING_CONTENT_LENGTH);
  fail_unless (g_bytes_equal (a.body, hello));
  answer_clear (&a);

  hung->hang = TRUE;
  pollen_emulator_push (emulator, "/image/", hung);
  a = fetch (emulator, "/image/x", 1);
  fail_unless (g_error_matches (a.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT),
      "%s", a.error ? a.error->message : "a hung answer came");
  answer_clear (&a);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- what the server refuses ---- */

/* The answer's JSON body. */
static JsonObject *
answer_json (Answer * answer, JsonParser * parser)
{
  fail_unless (json_parser_load_from_data (parser,
          g_bytes_get_data (answer->body, NULL),
          g_bytes_get_size (answer->body), NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

/* @answer is the server's error envelope with @status, @code and a message
 * containing @text; returns its details, if any. */
static JsonObject *
assert_refused (Answer * answer, JsonParser * parser, guint status,
    const gchar * code, const gchar * text)
{
  JsonObject *error;

  fail_unless_equals_int (answer->status, status);
  error = json_object_get_object_member (answer_json (answer, parser),
      "error");
  fail_unless_equals_string (json_object_get_string_member (error, "code"),
      code);
  fail_unless (strstr (json_object_get_string_member (error, "message"),
          text), "%s", json_object_get_string_member (error, "message"));
  return json_object_has_member (error, "details") ?
      json_object_get_object_member (error, "details") : NULL;
}

/* The first problem the validation details name for @field. */
static const gchar *
field_error (JsonObject * details, const gchar * field)
{
  JsonObject *fields = json_object_get_object_member (details,
      "fieldErrors");

  fail_unless_equals_string (json_object_get_string_member (details, "name"),
      "ValidationError");
  return json_array_get_string_element (json_object_get_array_member (fields,
          field), 0);
}

/* A model name the server does not know is its 400, as it is for a user:
 * there is no "seedance"; a model of another kind is named as such. */
GST_START_TEST (test_unknown_model_refused)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  Answer unknown = fetch (emulator, "/image/waves?model=seedance", 60);
  Answer speech = fetch (emulator, "/image/waves?model=tts-1", 60);
  Answer openai_audio = fetch (emulator, "/audio/hi?model=openai-audio", 60);

  fail_unless (assert_refused (&unknown, parser, 400, "BAD_REQUEST",
          "Invalid model or alias: \"seedance\". Must be a valid model "
          "name or alias.") == NULL);
  assert_refused (&speech, parser, 400, "BAD_REQUEST", "Model \"tts-1\" is a "
      "audio model and cannot be used on the image endpoint. Use the audio "
      "endpoint instead.");
  assert_refused (&openai_audio, parser, 400, "BAD_REQUEST",
      "Model \"openai-audio\" is a text model");
  fail_unless_equals_int (pollen_emulator_get_request_count (emulator), 3);
  answer_clear (&unknown);
  answer_clear (&speech);
  answer_clear (&openai_audio);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* A duration the model does not take is refused before anything is made,
 * as a validation error of the field: veo takes 4, 6 or 8 s; over 30 s
 * only nova-reel. */
GST_START_TEST (test_video_duration_refused)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  Answer veo = fetch (emulator, "/image/waves?model=veo&duration=5", 60);
  Answer seedance = fetch (emulator, "/image/waves?model=seedance-pro"
      "&duration=40", 60);
  Answer too_long = fetch (emulator, "/image/waves?model=veo&duration=121",
      60);
  JsonObject *details;

  details = assert_refused (&veo, parser, 400, "BAD_REQUEST",
      "Query parameter validation failed");
  fail_unless_equals_string (field_error (details, "duration"),
      "google/veo-3.1-fast takes 4, 6 or 8 seconds, not 5");
  details = assert_refused (&seedance, parser, 400, "BAD_REQUEST",
      "Query parameter validation failed");
  fail_unless_equals_string (field_error (details, "duration"),
      "Duration above 30 seconds is only supported by nova-reel.");
  details = assert_refused (&too_long, parser, 400, "BAD_REQUEST",
      "Query parameter validation failed");
  fail_unless_equals_string (field_error (details, "duration"),
      "Too big: expected number to be <=120");
  answer_clear (&veo);
  answer_clear (&seedance);
  answer_clear (&too_long);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The resolution tier: the model's first unless one is asked. */
GST_START_TEST (test_video_resolution)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  Answer asked = fetch (emulator, "/image/waves?model=seedance-pro"
      "&duration=2&resolution=480p&width=1920&height=1080", 60);
  Answer default_tier = fetch (emulator, "/image/waves?model=seedance-2.0"
      "&duration=4&width=1920&height=1080", 60);

  assert_answer (&asked, "video/mp4");
  assert_faststart_h264 (asked.body, 854, 480, 2.0);
  assert_answer (&default_tier, "video/mp4");
  assert_faststart_h264 (default_tier.body, 1280, 720, 4.0);
  answer_clear (&asked);
  answer_clear (&default_tier);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* Each speech model has its own voices: tts-1 the six of OpenAI, so a
 * voice of ElevenLabs is a 400 that does not list them; ElevenLabs takes
 * its presets and custom voice ids. */
GST_START_TEST (test_speech_voices_per_model)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  Answer wrong = fetch (emulator, "/audio/hi?model=tts-1&voice=rachel", 60);
  Answer short_name = fetch (emulator, "/audio/hi?model=elevenlabs"
      "&voice=bob", 60);
  Answer rachel = fetch (emulator, "/audio/hi?model=elevenlabs&voice=rachel",
      60);
  Answer custom = fetch (emulator, "/audio/hi?model=elevenlabs"
      "&voice=21m00Tcm4TlvDq8ikWAM", 60);
  Answer nova = fetch (emulator, "/audio/hi?model=tts-1&voice=nova", 60);
  JsonObject *details;

  details = assert_refused (&wrong, parser, 400, "BAD_REQUEST",
      "Invalid voice: rachel");
  fail_unless_equals_string (json_object_get_string_member (details, "name"),
      "UpstreamError");
  assert_refused (&short_name, parser, 400, "BAD_REQUEST", "Invalid voice: "
      "bob. Use a preset name or valid ElevenLabs voice ID.");
  assert_answer (&rachel, "audio/mpeg");
  assert_answer (&custom, "audio/mpeg");
  assert_answer (&nova, "audio/mpeg");
  answer_clear (&wrong);
  answer_clear (&short_name);
  answer_clear (&rachel);
  answer_clear (&custom);
  answer_clear (&nova);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The entry of @name in the list at @path, or NULL. */
static JsonObject *
list_entry (Answer * list, JsonParser * parser, const gchar * name)
{
  JsonArray *models;
  guint i;

  fail_unless_equals_int (list->status, 200);
  fail_unless (json_parser_load_from_data (parser,
          g_bytes_get_data (list->body, NULL), g_bytes_get_size (list->body),
          NULL));
  models = json_node_get_array (json_parser_get_root (parser));
  for (i = 0; i < json_array_get_length (models); i++) {
    JsonObject *model = json_array_get_object_element (models, i);

    if (g_str_equal (json_object_get_string_member (model, "name"), name))
      return model;
  }
  return NULL;
}

/* Today's speech models: tts-1 is OpenAI's (not paid-only, six voices),
 * ElevenLabs is elevenlabs/eleven-v3 by its aliases, and openai-audio is
 * no speech model. */
GST_START_TEST (test_speech_model_list)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  Answer list = fetch_with_key (emulator, "/audio/models", 60, NULL);
  JsonObject *tts, *eleven;
  JsonArray *voices;

  tts = list_entry (&list, parser, "openai/tts-1");
  fail_unless (tts != NULL);
  fail_if (json_object_get_boolean_member (tts, "paid_only"));
  voices = json_object_get_array_member (tts, "voices");
  fail_unless_equals_int (json_array_get_length (voices), 6);
  fail_unless_equals_string (json_array_get_string_element (voices, 5),
      "shimmer");
  eleven = list_entry (&list, parser, "elevenlabs/eleven-v3");
  fail_unless (eleven != NULL);
  fail_unless (json_object_get_boolean_member (eleven, "paid_only"));
  fail_unless_equals_string (json_array_get_string_element
      (json_object_get_array_member (eleven, "aliases"), 3), "elevenlabs");
  fail_unless (list_entry (&list, parser, "openai-audio") == NULL);
  answer_clear (&list);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* An account that never bought pollen does not see the paid-only models
 * in a list asked with its key. */
GST_START_TEST (test_free_account_lists_hide_paid_only)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  Answer keyless, keyed, images;

  pollen_emulator_set_free_account (emulator, TRUE);
  keyless = fetch_with_key (emulator, "/audio/models", 60, NULL);
  keyed = fetch (emulator, "/audio/models", 60);
  images = fetch (emulator, "/image/models", 60);
  fail_unless (list_entry (&keyless, parser, "elevenlabs/eleven-v3"));
  fail_unless (list_entry (&keyed, parser, "openai/tts-1"));
  fail_if (list_entry (&keyed, parser, "elevenlabs/eleven-v3"));
  fail_if (list_entry (&images, parser, "google/veo-3.1-fast"));
  fail_unless (list_entry (&images, parser, "black-forest-labs/flux.1-schnell"));
  answer_clear (&keyless);
  answer_clear (&keyed);
  answer_clear (&images);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* The per-user, per-model limit: past it, the server's 429 with its code
 * and a Retry-After; other models and other keys are not held back. */
GST_START_TEST (test_model_rate_limit)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  Answer one, two, refused, other_model, other_key;
  JsonObject *details;
  gint64 start = g_get_monotonic_time (), waited_s;
  guint64 retry_after;

  pollen_emulator_set_model_rate_limit (emulator, NULL, 2, 60000);
  one = fetch (emulator, "/image/a?model=flux&width=64&height=64", 60);
  two = fetch (emulator, "/image/b?model=flux&width=64&height=64", 60);
  refused = fetch (emulator, "/image/c?model=flux&width=64&height=64", 60);
  other_model = fetch (emulator, "/image/c?model=gptimage&width=64"
      "&height=64", 60);
  other_key = fetch_with_key (emulator, "/image/c?model=flux&width=64"
      "&height=64", 60, "Bearer sk_another_key");
  assert_answer (&one, "image/jpeg");
  assert_answer (&two, "image/jpeg");
  details = assert_refused (&refused, parser, 429,
      "community_model_rate_limit", "Per-user limit of 2 RPM exceeded for "
      "model black-forest-labs/flux.1-schnell");
  fail_unless_equals_string (json_object_get_string_member (details, "name"),
      "UpstreamError");
  /* half a minute until the bucket holds a token again, less what the
   * three requests took */
  waited_s = (g_get_monotonic_time () - start) / G_TIME_SPAN_SECOND;
  fail_unless (g_ascii_string_to_unsigned (refused.retry_after, 10, 1, 30,
          &retry_after, NULL), "%s", refused.retry_after);
  fail_unless (retry_after >= (guint64) MAX (1, 29 - waited_s), "%s",
      refused.retry_after);
  assert_answer (&other_model, "image/jpeg");
  assert_answer (&other_key, "image/jpeg");
  answer_clear (&one);
  answer_clear (&two);
  answer_clear (&refused);
  answer_clear (&other_model);
  answer_clear (&other_key);
  pollen_emulator_free (emulator);
}

GST_END_TEST;

/* ---- closing ---- */

/* Sends "GET @path" on @connection, keeping it open. */
static void
send_get (GSocketConnection * connection, const gchar * path)
{
  g_autofree gchar *request = g_strdup_printf ("GET %s HTTP/1.1\r\n"
      "Host: 127.0.0.1\r\nAuthorization: Bearer sk_test_1\r\n\r\n", path);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM
      (connection));

  fail_unless (g_output_stream_write_all (out, request, strlen (request),
          NULL, NULL, NULL));
}

/* Reads one answer with a Content-Length from @in: its status line. */
static gchar *
read_answer (GDataInputStream * in)
{
  gchar *status = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  gsize length = 0;
  gchar *line;

  fail_unless (status != NULL);
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) &&
      !g_str_equal (g_strchomp (line), "")) {
    if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
      length = g_ascii_strtoull (line + 15, NULL, 10);
    g_free (line);
  }
  g_free (line);
  fail_unless (g_input_stream_skip (G_INPUT_STREAM (in), length, NULL,
          NULL) == (gssize) length);
  return status;
}

static void
count_message (const gchar * domain, GLogLevelFlags level,
    const gchar * message, gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  g_printerr ("%s: %s\n", domain, message);
}

/* A picture asked for on a kept-alive connection just as the emulator is
 * freed (the request is read before the emulator stops) is finished
 * before pollen_emulator_free() returns, and its message, whose
 * connection is gone, is not answered. Before, the picture went on being
 * made in a worker thread after the emulator was freed, racing the test
 * process's exit, and libsoup warned about unpausing the message. */
GST_START_TEST (test_free_waits_for_a_picture_asked_for_while_closing)
{
  PollenEmulator *emulator = pollen_test_emulator_new ();
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection =
      g_socket_client_connect_to_host (client, "127.0.0.1",
      pollen_emulator_get_port (emulator), NULL, NULL);
  g_autoptr (GDataInputStream) in = NULL;
  g_autofree gchar *status = NULL;
  gint soup_warnings = 0;
  guint handler = g_log_set_handler ("libsoup", G_LOG_LEVEL_CRITICAL |
      G_LOG_LEVEL_WARNING, count_message, &soup_warnings);

  fail_unless (connection != NULL);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM
          (connection)));
  send_get (connection, "/image/models");
  status = read_answer (in);
  fail_unless (g_str_has_prefix (status, "HTTP/1.1 200"), "%s", status);

  send_get (connection, "/image/x?width=1920&height=1080");
  pollen_emulator_free (emulator);
  g_log_remove_handler ("libsoup", handler);
  fail_unless_equals_int (soup_warnings, 0);
}

GST_END_TEST;

static Suite *
emulator_suite (void)
{
  Suite *s = suite_create ("emulator");
  TCase *tc = tcase_create ("media");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_video_is_h264_in_mp4_with_moov_first);
  tcase_add_test (tc, test_video_frame_as_the_server_picks_it);
  tcase_add_test (tc, test_transparent_gpt_image_is_a_large_png);
  tcase_add_test (tc, test_pictures_are_jpegs_of_the_asked_size);
  tcase_add_test (tc, test_same_request_same_bytes);

  tc = tcase_create ("sending");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_chunked_bodies_have_no_content_length);
  tcase_add_test (tc, test_paced_body_takes_size_over_rate);
  tcase_add_test (tc, test_scripted_answers_when_chunked_and_paced);

  tc = tcase_create ("server");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_unknown_model_refused);
  tcase_add_test (tc, test_video_duration_refused);
  tcase_add_test (tc, test_video_resolution);
  tcase_add_test (tc, test_speech_voices_per_model);
  tcase_add_test (tc, test_speech_model_list);
  tcase_add_test (tc, test_free_account_lists_hide_paid_only);
  tcase_add_test (tc, test_model_rate_limit);

  tc = tcase_create ("closing");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_free_waits_for_a_picture_asked_for_while_closing);
  return s;
}

GST_CHECK_MAIN (emulator);
