#!/bin/sh
# Sets gst-pollen up and generates a picture into lighthouse.png.
# With POLLINATIONS_API_KEY set it asks the real API; without it, it starts
# the bundled emulator (placeholder pictures, no network needed).
set -eu
cd "$(dirname "$0")/.."
./tools/setup.sh

emulator_makes="a placeholder picture"
. ./tools/pollen-env.sh

gst-launch-1.0 -q pollensrc prompt="a lighthouse at dusk, oil painting" \
    width=1280 height=720 seed=42 \
  ! decodebin ! videoconvert ! pngenc ! filesink location=lighthouse.png
echo "gst-pollen: wrote $PWD/lighthouse.png"
