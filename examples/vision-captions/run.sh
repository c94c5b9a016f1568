#!/bin/sh
# Burns descriptions of what is on screen into a video file: three
# one-colour shots (red, blue, green, 2 s each) go through a tee; one branch
# is described by pollenvision (a description at each cut, found by its
# scene detection), the other gets the descriptions drawn on by textoverlay
# and is written as Motion-JPEG in AVI. The pipeline of the pollenvision
# docs, as a user runs it; tests/check/pollenvision.c runs the same one
# against the emulator (test_captions_recipe).
# With POLLINATIONS_API_KEY set it asks the real API; without it, it starts
# the bundled emulator (a placeholder reply that names the picture's size
# and colour, no network needed) and says so.
#
#   ./examples/vision-captions/run.sh [out.avi]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
avi=$(realpath -m "${1:-$PWD/captions.avi}")
cd "$here/../.."
emulator_makes="a reply that names the picture's size and colour"
. ./tools/pollen-env.sh

gst-launch-1.0 -q concat name=c \
  ! video/x-raw,width=320,height=240,framerate=25/1 ! tee name=t \
  t. ! queue ! textoverlay name=ov font-desc="Sans 10" wrap-mode=word \
     ! videoconvert ! jpegenc ! avimux ! filesink location="$avi" \
  t. ! queue ! pollenvision interval=10 scene-threshold=0.1 max-size=256 \
     prompt="Describe this picture in one short sentence." ! ov.text_sink \
  videotestsrc num-buffers=50 pattern=red ! c. \
  videotestsrc num-buffers=50 pattern=blue ! c. \
  videotestsrc num-buffers=50 pattern=green ! c.
echo "gst-pollen: wrote $avi; play it with: gst-play-1.0 $avi"
