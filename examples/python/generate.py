#!/usr/bin/python3
# Generates a picture with pollensrc and saves it as PNG, showing the
# element's progress messages and, on failure, the error's details
# (http-status-code, api-error-code, request-id) as an application sees them.
#
#   GST_PLUGIN_PATH=build/gst/pollen /usr/bin/python3 examples/python/generate.py \
#       "a lighthouse at dusk, oil painting" lighthouse.png
#
# The key comes from POLLINATIONS_API_KEY (and the server from
# POLLINATIONS_BASE_URL, e.g. a pollen-emulator).
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} PROMPT OUTPUT.png", file=sys.stderr)
        return 2
    Gst.init(None)
    pipeline = Gst.parse_launch(
        "pollensrc name=src width=1024 height=768 ! decodebin ! videoconvert "
        "! pngenc ! filesink name=out")
    pipeline.get_by_name("src").set_property("prompt", argv[1])
    pipeline.get_by_name("out").set_property("location", argv[2])

    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    status = 0
    while True:
        message = bus.timed_pop_filtered(
            Gst.CLOCK_TIME_NONE,
            Gst.MessageType.EOS | Gst.MessageType.ERROR | Gst.MessageType.PROGRESS)
        if message.type == Gst.MessageType.PROGRESS:
            _, _, text = message.parse_progress()
            print(f"… {text}")
            continue
        if message.type == Gst.MessageType.ERROR:
            error, _ = message.parse_error()
            details = message.parse_error_details()
            print(f"error: {error.message}", file=sys.stderr)
            if details:
                print(f"  http-status-code={details.get_value('http-status-code')}"
                      f" api-error-code={details.get_value('api-error-code')}"
                      f" request-id={details.get_value('request-id')}",
                      file=sys.stderr)
            status = 1
        else:
            print(f"wrote {argv[2]}")
        break
    pipeline.set_state(Gst.State.NULL)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
