#!/bin/sh
# gst-pollen example: transcribe an audio (or video) file into SRT subtitles.
#
#   ./examples/transcribe-to-srt/transcribe-to-srt.sh meeting.ogg meeting.srt [en]
#
# The input is any file GStreamer decodes; the language code is optional.
# pollenstt cuts the audio at pauses, has each piece transcribed, and
# timestamps every segment at chunk start + segment start; srtenc writes
# each timed text as one cue. The key and server come from the usual
# environment variables, POLLINATIONS_API_KEY and POLLINATIONS_BASE_URL.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 INPUT OUTPUT.srt [LANGUAGE, e.g. en]" >&2
  exit 2
fi
input=$1
output=$2
language=${3:-}

if [ ! -r "$input" ]; then
  echo "$0: cannot read $input" >&2
  exit 1
fi
if ! gst-inspect-1.0 pollenstt >/dev/null 2>&1; then
  echo "$0: the pollenstt element is not found; build gst-pollen and set" \
    "GST_PLUGIN_PATH to its build/gst/pollen (or run inside 'meson devenv')" >&2
  exit 1
fi

# 16 kHz mono is all speech recognition needs, and keeps uploads small.
# Several chunks are transcribed at once; the cues still come out in order.
exec gst-launch-1.0 -q \
  filesrc location="$input" ! decodebin ! audioconvert ! audioresample \
  ! audio/x-raw,format=S16LE,channels=1,rate=16000 \
  ! pollenstt ${language:+language-code="$language"} max-in-flight=4 \
  ! srtenc ! filesink location="$output"
