/* gst-pollen
 * Copyright (C) 2026 gst-pollen contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Docs that cannot go stale: every element of the plugin has a page
 * docs/<element>.md whose "## Properties" section names each of its
 * properties, and whose property table gives the defaults and ranges the
 * element really has; docs/architecture.md gives each element's klass. */

#include "pollentest.h"

#include <math.h>
#include <string.h>

typedef struct
{
  gchar *section;               /* the "## Properties" section */
  GHashTable *defaults;         /* property name → its default cell */
} Page;

static void
page_clear (Page * page)
{
  g_free (page->section);
  g_hash_table_unref (page->defaults);
}

static gchar *
read_page (const gchar * element)
{
  g_autofree gchar *name = g_strconcat (element, ".md", NULL);
  g_autofree gchar *path = g_build_filename (g_getenv ("POLLEN_DOCS_DIR"),
      name, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_file_load_bytes (file, NULL, NULL, &error);
  gsize size;
  const gchar *data;

  fail_unless (bytes != NULL, "element %s has no page: %s", element,
      error ? error->message : "");
  data = g_bytes_get_data (bytes, &size);
  return g_strndup (data, size);
}

/* The text from "## Properties" to the next "## ". */
static gchar *
properties_section (const gchar * text, const gchar * element)
{
  const gchar *start = strstr (text, "\n## Properties");
  const gchar *end;

  fail_unless (start != NULL, "docs/%s.md has no '## Properties'", element);
  end = strstr (start + 1, "\n## ");
  return end ? g_strndup (start, end - start) : g_strdup (start);
}

/* Which column of the table holds the default: the one whose header says
 * "default" ("default" or "type, default"). */
static gint
default_column (gchar ** header)
{
  gint i;

  for (i = 0; header[i]; i++) {
    if (strstr (header[i], "default"))
      return i;
  }
  return -1;
}

/* Every `name` in the first cell of a row gets that row's default cell. */
static void
add_row (GHashTable * defaults, gchar ** cells, gint column)
{
  gchar **names = g_strsplit (cells[1], ",", -1);
  guint i;

  for (i = 0; names[i]; i++) {
    gchar *name = g_strstrip (names[i]);

    if (name[0] == '`' && g_str_has_suffix (name, "`") && strlen (name) > 2)
      g_hash_table_insert (defaults, g_strndup (name + 1, strlen (name) - 2),
          g_strdup (g_strstrip (cells[column + 1])));
  }
  g_strfreev (names);
}

static Page
page_read (const gchar * element)
{
  gchar *text = read_page (element);
  Page page;
  g_auto (GStrv) lines = NULL;
  gint column = -1;
  guint i;

  page.section = properties_section (text, element);
  page.defaults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  g_free (text);
  lines = g_strsplit (page.section, "\n", -1);

  for (i = 0; lines[i]; i++) {
    g_auto (GStrv) cells = NULL;

    if (!g_str_has_prefix (lines[i], "|") || strstr (lines[i], "|---"))
      continue;
    cells = g_strsplit (lines[i], "|", -1);
    if (g_strv_length (cells) < 3)
      continue;
    if (strstr (cells[1], "property"))
      column = default_column (cells + 1);
    else if (column >= 0 && (gint) g_strv_length (cells) > column + 2)
      add_row (page.defaults, cells, column);
  }
  return page;
}

/* The default as the table writes it: the cell after its type ("uint ms,
 * 2000 (1–16)" → "2000"), without backticks. */
static gchar *
cell_default (const gchar * cell)
{
  const gchar *comma = strstr (cell, ", ");
  gchar *value = g_strdup (comma ? comma + 2 : cell);
  gchar *range = strstr (value, " (");

  if (range)
    *range = '\0';
  g_strdelimit (value, "`", ' ');
  return g_strstrip (value);
}

static gchar *
spec_default (GParamSpec * pspec)
{
  const GValue *value = g_param_spec_get_default_value (pspec);

  if (G_IS_PARAM_SPEC_ENUM (pspec))
    return g_strdup (g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class,
            g_value_get_enum (value))->value_nick);
  if (G_IS_PARAM_SPEC_STRING (pspec))
    return g_strdup (g_value_get_string (value) ?
        g_value_get_string (value) : "unset");
  if (G_IS_PARAM_SPEC_BOOLEAN (pspec))
    return g_strdup (g_value_get_boolean (value) ? "true" : "false");
  return gst_value_serialize (value);
}

static gboolean
defaults_agree (GParamSpec * pspec, const gchar * documented,
    const gchar * actual)
{
  gchar *end = NULL;
  gdouble number;

  if (G_IS_PARAM_SPEC_STRING (pspec) && g_str_equal (actual, "unset"))
    return g_str_equal (documented, "unset") ||
        g_str_has_prefix (documented, "none");
  if (!G_IS_PARAM_SPEC_DOUBLE (pspec) && !G_IS_PARAM_SPEC_FLOAT (pspec))
    return g_str_equal (documented, actual);
  number = g_ascii_strtod (documented, &end);
  return end != documented && fabs (number - g_ascii_strtod (actual,
          NULL)) < 1e-9;
}

/* Defaults that depend on something else (the environment, the media
 * kind) are described, not given. */
static gboolean
default_is_described (const gchar * cell)
{
  return strchr (cell, '$') || strstr (cell, "per ") || *cell == '\0';
}

static gboolean
spec_range (GParamSpec * pspec, gdouble * min, gdouble * max)
{
  if (G_IS_PARAM_SPEC_UINT (pspec)) {
    *min = G_PARAM_SPEC_UINT (pspec)->minimum;
    *max = G_PARAM_SPEC_UINT (pspec)->maximum;
  } else if (G_IS_PARAM_SPEC_INT (pspec)) {
    *min = G_PARAM_SPEC_INT (pspec)->minimum;
    *max = G_PARAM_SPEC_INT (pspec)->maximum;
  } else if (G_IS_PARAM_SPEC_DOUBLE (pspec)) {
    *min = G_PARAM_SPEC_DOUBLE (pspec)->minimum;
    *max = G_PARAM_SPEC_DOUBLE (pspec)->maximum;
  } else {
    return FALSE;
  }
  return TRUE;
}

/* A range the table gives, "(1–16)", must be the property's. */
static void
check_range (GParamSpec * pspec, const gchar * element, const gchar * cell)
{
  const gchar *open = strstr (cell, " (");
  gdouble min, max, low, high;
  gchar *end = NULL;

  if (!open || !spec_range (pspec, &min, &max))
    return;
  low = g_ascii_strtod (open + 2, &end);
  if (end == open + 2 || !g_str_has_prefix (end, "\xe2\x80\x93"))
    return;
  high = g_ascii_strtod (end + 3, NULL);
  fail_unless (fabs (low - min) < 1e-9 && fabs (high - max) < 1e-9,
      "docs/%s.md gives %s the range %g–%g, the element has %g–%g", element,
      pspec->name, low, high, min, max);
}

static void
check_property (Page * page, const gchar * element, GParamSpec * pspec)
{
  g_autofree gchar *quoted = g_strdup_printf ("`%s`", pspec->name);
  const gchar *cell = g_hash_table_lookup (page->defaults, pspec->name);
  g_autofree gchar *documented = NULL;
  g_autofree gchar *actual = NULL;

  fail_unless (strstr (page->section, quoted) != NULL,
      "docs/%s.md does not name the property %s", element, pspec->name);
  if (!cell || default_is_described (cell) ||
      !(pspec->flags & G_PARAM_READABLE) || G_IS_PARAM_SPEC_BOXED (pspec))
    return;
  check_range (pspec, element, cell);
  documented = cell_default (cell);
  actual = spec_default (pspec);
  fail_unless (defaults_agree (pspec, documented, actual),
      "docs/%s.md gives %s the default '%s', the element has '%s'", element,
      pspec->name, documented, actual);
}

static void
check_element (const gchar * element)
{
  g_autoptr (GstElement) instance = gst_element_factory_make (element, NULL);
  Page page = page_read (element);
  GParamSpec **specs;
  guint i, n;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (instance), &n);
  for (i = 0; i < n; i++) {
    if (specs[i]->owner_type == G_TYPE_OBJECT ||
        specs[i]->owner_type == GST_TYPE_OBJECT ||
        g_type_is_a (GST_TYPE_ELEMENT, specs[i]->owner_type) ||
        g_str_has_prefix (g_type_name (specs[i]->owner_type), "GstBase"))
      continue;
    check_property (&page, element, specs[i]);
  }
  g_free (specs);
  page_clear (&page);
}

GST_START_TEST (test_every_element_page_matches_its_properties)
{
  GList *features = gst_registry_get_feature_list_by_plugin
      (gst_registry_get (), "pollen");
  GList *l;
  guint pages = 0;

  for (l = features; l; l = l->next) {
    if (!GST_IS_ELEMENT_FACTORY (l->data))
      continue;
    check_element (GST_OBJECT_NAME (l->data));
    pages++;
  }
  fail_unless (pages >= 3);
  gst_plugin_feature_list_free (features);
}

GST_END_TEST;

/* The klass each element's row in docs/architecture.md ("Element
 * classification") gives it, or NULL: cells are `name` | `klass`. */
static gchar *
documented_klass (const gchar * text, const gchar * element)
{
  g_autofree gchar *row = g_strdup_printf ("\n| `%s` | `", element);
  const gchar *section = strstr (text, "\n## Element classification");
  const gchar *start, *end;

  fail_unless (section != NULL,
      "docs/architecture.md has no '## Element classification'");
  start = strstr (section, row);
  if (!start)
    return NULL;
  start += strlen (row);
  end = strchr (start, '`');
  return end ? g_strndup (start, end - start) : NULL;
}

/* One convention for every element's klass, written down where a reader
 * looks for it. */
GST_START_TEST (test_every_klass_as_documented)
{
  GList *features = gst_registry_get_feature_list_by_plugin
      (gst_registry_get (), "pollen");
  g_autofree gchar *text = read_page ("architecture");
  GList *l;

  for (l = features; l; l = l->next) {
    const gchar *name = GST_OBJECT_NAME (l->data);
    g_autofree gchar *klass = NULL;

    if (!GST_IS_ELEMENT_FACTORY (l->data))
      continue;
    klass = documented_klass (text, name);
    fail_unless (klass != NULL, "docs/architecture.md gives %s no klass",
        name);
    fail_unless_equals_string (gst_element_factory_get_metadata
        (l->data, GST_ELEMENT_METADATA_KLASS), klass);
  }
  gst_plugin_feature_list_free (features);
}

GST_END_TEST;

static gboolean
category_exists (const gchar * name)
{
  GSList *categories = gst_debug_get_all_categories (), *l;
  gboolean found = FALSE;

  for (l = categories; l && !found; l = l->next)
    found = g_str_equal (gst_debug_category_get_name (l->data), name);
  g_slist_free (categories);
  return found;
}

/* The categories the docs tell users to turn on exist as soon as the
 * plugin is loaded, so --gst-debug-help lists them. */
GST_START_TEST (test_debug_categories_listed)
{
  GstPlugin *plugin = gst_plugin_load_by_name ("pollen");

  fail_unless (plugin != NULL);
  fail_unless (category_exists ("pollenclient"));
  gst_object_unref (plugin);
}

GST_END_TEST;

/* The map's line for a source file: "name.c", "name.h" or "name.[ch]". */
static gboolean
map_names (const gchar * map, const gchar * file)
{
  g_autofree gchar *stem = g_strndup (file, strlen (file) - 2);
  g_autofree gchar *pair = g_strconcat (stem, ".[ch] ", NULL);
  g_autofree gchar *alone = g_strconcat (file, " ", NULL);

  return strstr (map, pair) || strstr (map, alone);
}

/* docs/architecture.md opens with a map of gst/pollen/: a file added
 * without a line there is a file a new reader cannot place. */
GST_START_TEST (test_every_source_file_in_the_map)
{
  g_autofree gchar *text = read_page ("architecture");
  g_autofree gchar *sources = g_build_filename (g_getenv ("POLLEN_DOCS_DIR"),
      "..", "gst", "pollen", NULL);
  g_autoptr (GDir) dir = g_dir_open (sources, 0, NULL);
  const gchar *end = strstr (text, "\n#");
  g_autofree gchar *map = g_strndup (text, end ? (gsize) (end - text) : strlen (text));
  const gchar *file;
  guint count = 0;

  fail_unless (dir != NULL, "cannot read %s", sources);
  while ((file = g_dir_read_name (dir))) {
    if (!g_str_has_suffix (file, ".c") && !g_str_has_suffix (file, ".h"))
      continue;
    count++;
    fail_unless (map_names (map, file),
        "gst/pollen/%s is missing from the map at the top of "
        "docs/architecture.md", file);
  }
  fail_unless (count > 20, "only %u source files in %s", count, sources);
}

GST_END_TEST;

static Suite *
docs_suite (void)
{
  Suite *s = suite_create ("docs");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_element_page_matches_its_properties);
  tcase_add_test (tc, test_debug_categories_listed);
  tcase_add_test (tc, test_every_klass_as_documented);
  tcase_add_test (tc, test_every_source_file_in_the_map);
  return s;
}

GST_CHECK_MAIN (docs);
