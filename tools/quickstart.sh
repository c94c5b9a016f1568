#!/bin/sh
# Sets gst-pollen up and generates a picture into lighthouse.png.
# With POLLINATIONS_API_KEY set it asks the real API; without it, it starts
# the bundled emulator (placeholder pictures, no network needed).
set -eu
cd "$(dirname "$0")/.."
./tools/setup.sh

export GST_PLUGIN_PATH="$PWD/build/gst/pollen${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
emulator_pid=""
cleanup() { [ -z "$emulator_pid" ] || kill "$emulator_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "${POLLINATIONS_API_KEY:-}" ]; then
  url_file=$(mktemp)
  build/tests/emulator/pollen-emulator > "$url_file" &
  emulator_pid=$!
  for _ in $(seq 50); do [ -s "$url_file" ] && break; sleep 0.1; done
  POLLINATIONS_BASE_URL=$(head -n 1 "$url_file")
  rm -f "$url_file"
  export POLLINATIONS_BASE_URL POLLINATIONS_API_KEY=sk_emulator
  echo "gst-pollen: POLLINATIONS_API_KEY is not set, so this runs against the"
  echo "bundled emulator at $POLLINATIONS_BASE_URL (a placeholder picture)."
  echo "Set POLLINATIONS_API_KEY (https://enter.pollinations.ai) for the real API."
fi

gst-launch-1.0 -q pollensrc prompt="a lighthouse at dusk, oil painting" \
    width=1280 height=720 seed=42 \
  ! decodebin ! videoconvert ! pngenc ! filesink location=lighthouse.png
echo "gst-pollen: wrote $PWD/lighthouse.png"
