#!/bin/sh
# gst-pollen example: transcribe an audio (or video) file into SRT subtitles.
#
#   ./examples/transcribe-to-srt/transcribe-to-srt.sh meeting.ogg meeting.srt [en]
#
# The input is any file GStreamer decodes; the language code is optional.
# pollenstt cuts the audio at pauses, has each piece transcribed, and
# timestamps every segment at chunk start + segment start; srtenc writes
# each timed text as one cue.
# With POLLINATIONS_API_KEY set it asks the real API (or the server in
# POLLINATIONS_BASE_URL); without it, it starts the bundled emulator
# (placeholder text timed where the speech is, no network needed) and says
# so.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 INPUT OUTPUT.srt [LANGUAGE, e.g. en]" >&2
  exit 2
fi
if [ ! -r "$1" ]; then
  echo "$0: cannot read $1" >&2
  exit 1
fi
input=$(realpath "$1")
output=$(realpath -m "$2")
language=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
# install and build only when the plugin cannot be found yet
gst-inspect-1.0 pollenstt > /dev/null 2>&1 || ./tools/setup.sh

emulator_makes="placeholder text, timed where the speech is"
. ./tools/pollen-env.sh

# 16 kHz mono is all speech recognition needs, and keeps uploads small.
# Several chunks are transcribed at once; the cues still come out in order.
gst-launch-1.0 -q \
  filesrc location="$input" ! decodebin ! audioconvert ! audioresample \
  ! audio/x-raw,format=S16LE,channels=1,rate=16000 \
  ! pollenstt ${language:+language-code="$language"} max-in-flight=4 \
  ! srtenc ! filesink location="$output"
echo "gst-pollen: wrote $output"
