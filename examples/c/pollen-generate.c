/* gst-pollen example: an application around a pollen pipeline.
 *
 *   build/examples/pollen-generate "a red fox in the snow" fox.png
 *
 * Generates a picture with pollensrc and saves it as PNG, the way an
 * application should run a pipeline that talks to a cloud API: it shows
 * the element's progress (and retries, which come as warnings), prints an
 * error's details (http-status-code, api-error-code, request-id) so a
 * person can act on them, and stops cleanly on Ctrl-C. The key comes from
 * POLLINATIONS_API_KEY, the server from POLLINATIONS_BASE_URL.
 *
 * Build: it is built with gst-pollen (build/examples/pollen-generate);
 * or: cc pollen-generate.c $(pkg-config --cflags --libs gstreamer-1.0)
 */

#include <gst/gst.h>
#include <glib-unix.h>
#include <locale.h>

typedef struct
{
  GMainLoop *loop;
  GstElement *pipeline;
  const gchar *output;
  gint status;
} App;

static void
print_progress (GstMessage * message)
{
  GstProgressType type;
  gchar *code = NULL, *text = NULL;
  const GstStructure *s = gst_message_get_structure (message);
  gint percent;

  gst_message_parse_progress (message, &type, &code, &text);
  if (gst_structure_get_int (s, "percent", &percent))
    g_print ("... %s (%d %%)\n", text, percent);
  else
    g_print ("... %s\n", text);
  g_free (code);
  g_free (text);
}

static void
print_details (const GstStructure * details)
{
  guint status = 0;

  if (!details)
    return;
  gst_structure_get_uint (details, "http-status-code", &status);
  g_printerr ("  http-status-code=%u api-error-code=%s request-id=%s\n",
      status, GST_STR_NULL (gst_structure_get_string (details,
              "api-error-code")), GST_STR_NULL (gst_structure_get_string
          (details, "request-id")));
}

static void
print_problem (GstMessage * message, gboolean is_error)
{
  GError *error = NULL;
  const GstStructure *details = NULL;

  if (is_error) {
    gst_message_parse_error (message, &error, NULL);
    gst_message_parse_error_details (message, &details);
  } else {
    gst_message_parse_warning (message, &error, NULL);
    gst_message_parse_warning_details (message, &details);
  }
  g_printerr ("%s: %s\n", is_error ? "error" : "warning", error->message);
  print_details (details);
  g_error_free (error);
}

static gboolean
on_message (GstBus * bus, GstMessage * message, gpointer user_data)
{
  App *app = user_data;

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_PROGRESS:
      print_progress (message);
      break;
    case GST_MESSAGE_WARNING:
      print_problem (message, FALSE);
      break;
    case GST_MESSAGE_ERROR:
      print_problem (message, TRUE);
      app->status = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_EOS:
      if (app->status == 0)
        g_print ("wrote %s\n", app->output);
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* Ctrl-C: let the request be cancelled and the pipeline end with EOS, so
 * nothing is left half-written; a second Ctrl-C quits at once. */
static gboolean
on_interrupt (gpointer user_data)
{
  App *app = user_data;

  if (app->status == 130) {
    g_main_loop_quit (app->loop);
    return G_SOURCE_REMOVE;
  }
  g_printerr ("interrupted: stopping (Ctrl-C again to quit at once)\n");
  app->status = 130;
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
  return G_SOURCE_CONTINUE;
}

static GstElement *
make_pipeline (const gchar * prompt, const gchar * output)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch ("pollensrc name=src "
      "! decodebin ! videoconvert ! pngenc ! filesink name=out", &error);
  GstElement *src, *out;

  if (!pipeline) {
    g_printerr ("cannot make the pipeline (is GST_PLUGIN_PATH set to "
        "gst-pollen's build/gst/pollen?): %s\n", error->message);
    g_error_free (error);
    return NULL;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_object_set (src, "prompt", prompt, "width", 640, "height", 480, NULL);
  g_object_set (out, "location", output, NULL);
  gst_object_unref (src);
  gst_object_unref (out);
  return pipeline;
}

int
main (int argc, char **argv)
{
  App app = { NULL, NULL, NULL, 0 };
  GstBus *bus;
  guint interrupt;

  setlocale (LC_ALL, "");       /* messages are UTF-8; show them as such */
  gst_init (&argc, &argv);
  if (argc != 3) {
    g_printerr ("usage: %s PROMPT OUTPUT.png\n", argv[0]);
    return 2;
  }
  app.output = argv[2];
  app.pipeline = make_pipeline (argv[1], argv[2]);
  if (!app.pipeline)
    return 1;
  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_message, &app);
  interrupt = g_unix_signal_add (SIGINT, on_interrupt, &app);

  gst_element_set_state (app.pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);
  gst_element_set_state (app.pipeline, GST_STATE_NULL);

  g_source_remove (interrupt);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  return app.status;
}
