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
emulator_makes="tones instead of a voice"
. ./tools/pollen-env.sh

gst-launch-1.0 -q filesrc location="$srt" ! subparse ! pollentts voice=nova \
  ! audioconvert ! audioresample ! wavenc ! filesink location="$wav"
echo "gst-pollen: wrote $wav; play it with: gst-play-1.0 $wav"
