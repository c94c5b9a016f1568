#!/bin/sh
# Sets gst-pollen up and runs its test suite (against the in-process
# emulator on 127.0.0.1; no network, no API key).
set -eu
cd "$(dirname "$0")/.."
./tools/setup.sh
meson test -C build --print-errorlogs --num-processes 2
