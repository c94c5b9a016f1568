#!/bin/sh
# Voices talk.srt into talk.wav with pollentts, each subtitle spoken at its
# own time: the pipeline of the pollentts docs, as a user runs it.
# With POLLINATIONS_API_KEY set it asks the real API; without it, it starts
# the bundled emulator (tone "speech", no network needed) and says so.
#
#   ./examples/subtitles/run.sh [subtitles.srt [out.wav]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
srt=$(realpath "${1:-$here/talk.srt}")
wav=$(realpath -m "${2:-$PWD/talk.wav}")
cd "$here/../.."
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
  echo "bundled emulator at $POLLINATIONS_BASE_URL (tones instead of a voice)."
  echo "Set POLLINATIONS_API_KEY (https://enter.pollinations.ai) for the real API."
fi

gst-launch-1.0 -q filesrc location="$srt" ! subparse ! pollentts voice=nova \
  ! audioconvert ! audioresample ! wavenc ! filesink location="$wav"
echo "gst-pollen: wrote $wav; play it with: gst-play-1.0 $wav"
