#!/bin/sh
# The live interpreter of the pollenchat docs, fed from a speech file
# instead of a microphone and written to a WAV: pollenstt transcribes,
# pollenchat translates sentence by sentence, pollentts speaks each
# sentence at the time of what it translates.
# With POLLINATIONS_API_KEY set it asks the real API; without it, it starts
# the bundled emulator (placeholder text and tone "speech", no network
# needed) and says so. Without an input file it makes one with espeak-ng.
#
#   ./examples/interpreter/run.sh [speech.wav [out.wav]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${2:-$PWD/interpreted.wav}")
if [ -n "${1:-}" ]; then
  in=$(realpath "$1")
else
  in=$(realpath -m "$PWD/interpreter-input.wav")
  # a second of silence, then speech: the translation starts no earlier
  espeak-ng -m -w "$in" '<speak>, <break time="1000ms"/> Good morning
    everybody. Thank you for coming to the meeting today.</speak>'
  echo "gst-pollen: spoke the input into $in with espeak-ng"
fi
cd "$here/../.."
emulator_makes="placeholder text and tones instead of a voice"
. ./tools/pollen-env.sh

gst-launch-1.0 -q filesrc location="$in" ! decodebin ! audioconvert ! audioresample \
  ! pollenstt language-code=en \
  ! pollenchat system="Translate into French. Reply with the translation only." \
      output=sentence \
  ! pollentts voice=nova ! audioconvert ! wavenc ! filesink location="$out"
echo "gst-pollen: wrote $out; play it with: gst-play-1.0 $out"
