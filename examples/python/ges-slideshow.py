#!/usr/bin/python3
# A GES (GStreamer Editing Services) timeline of generated pictures,
# rendered to a Matroska file (Motion JPEG, quick to encode): how an
# editing application uses pollen:// URIs.
#
#   GST_PLUGIN_PATH=build/gst/pollen /usr/bin/python3 \
#       examples/python/ges-slideshow.py out.mkv "a red fox" "a blue whale"
#
# Each prompt becomes a 2-second clip. GES asks for every clip twice (once
# to discover it, once to render it): the fixed seed in each URI makes the
# second answer the server's cached picture, so it is the same picture and
# it is not paid for twice. ges-launch-1.0 cannot take these URIs (it cuts
# its clip arguments at '?'), hence the Python API.
import sys
import urllib.parse

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstPbutils", "1.0")
gi.require_version("GES", "1.0")
from gi.repository import GES, GLib, Gst, GstPbutils  # noqa: E402

CLIP_SECONDS = 2


def pollen_uri(prompt, seed):
    query = urllib.parse.urlencode({"width": 320, "height": 180, "seed": seed})
    return f"pollen://image/{urllib.parse.quote(prompt)}?{query}"


def build_timeline(prompts):
    timeline = GES.Timeline.new_audio_video()
    layer = timeline.append_layer()
    for index, prompt in enumerate(prompts):
        asset = GES.UriClipAsset.request_sync(pollen_uri(prompt, 42 + index))
        layer.add_asset(asset, index * CLIP_SECONDS * Gst.SECOND, 0,
                        CLIP_SECONDS * Gst.SECOND, GES.TrackType.VIDEO)
    return timeline


def matroska_profile():
    container = GstPbutils.EncodingContainerProfile.new(
        "mkv", None, Gst.Caps.from_string("video/x-matroska"), None)
    container.add_profile(GstPbutils.EncodingVideoProfile.new(
        Gst.Caps.from_string("image/jpeg"), None, None, 0))
    return container


def render(timeline, output):
    pipeline = GES.Pipeline()
    pipeline.set_timeline(timeline)
    pipeline.set_render_settings(Gst.filename_to_uri(output), matroska_profile())
    pipeline.set_mode(GES.PipelineFlags.RENDER)
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if message.type == Gst.MessageType.ERROR:
        error, _ = message.parse_error()
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    print(f"wrote {output}")
    return 0


def main(argv):
    if len(argv) < 3:
        print(f"usage: {argv[0]} OUTPUT.mkv PROMPT [PROMPT …]",
              file=sys.stderr)
        return 2
    Gst.init(None)
    GES.init()
    try:
        timeline = build_timeline(argv[2:])
    except GLib.Error as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    return render(timeline, argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
