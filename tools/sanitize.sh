#!/bin/sh
# Runs the test suite under AddressSanitizer (with leak checking) and
# UndefinedBehaviorSanitizer, in ./build-asan.
set -eu
cd "$(dirname "$0")/.."
./tools/setup.sh
[ -f build-asan/build.ninja ] ||
  meson setup build-asan -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C build-asan --print-errorlogs --num-processes 1 "$@"
