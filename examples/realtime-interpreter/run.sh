#!/bin/sh
# The one-element interpreter of the pollenrealtime docs, fed from a
# speech file at the speed it was spoken (clocksync) instead of a
# microphone: a realtime model hears each sentence end and speaks its
# French translation, written to a WAV where the silence between
# translations keeps them where they were said (continuous=true), and its
# transcript next to it (OUT.txt).
# With POLLINATIONS_API_KEY set it asks the real API; without it, it starts
# the bundled emulator (tones and placeholder words, no network needed)
# and says so. Without an input file it makes one with espeak-ng.
#
#   ./examples/realtime-interpreter/run.sh [speech.wav [out.wav]]
set -eu
out=$(realpath -m "${2:-$PWD/interpreted.wav}")
text="${out%.wav}.txt"
if [ -n "${1:-}" ]; then
  in=$(realpath "$1")
else
  in=$(realpath -m "$PWD/interpreter-input.wav")
  # a second of silence, then two sentences with a pause between them
  espeak-ng -m -w "$in" '<speak>, <break time="1000ms"/> Good morning
    everybody. <break time="800ms"/> Thank you for coming to the meeting
    today.</speak>'
  echo "gst-pollen: spoke the input into $in with espeak-ng"
fi
cd "$(dirname "$0")/../.."
emulator_makes="placeholder words and tones instead of a voice"
. ./tools/pollen-env.sh

gst-launch-1.0 -q filesrc location="$in" ! decodebin ! audioconvert ! audioresample \
  ! clocksync ! pollenrealtime name=rt interrupt=false continuous=true \
      instructions="Translate everything you hear into French" \
  ! audioconvert ! wavenc ! filesink location="$out" \
  rt.text_src ! queue ! filesink location="$text"
echo "gst-pollen: wrote $out and $text; play it with: gst-play-1.0 $out"
