#!/bin/sh
# Builds the libFuzzer targets (clang, ASan+UBSan) in ./build-fuzz and runs
# each for SECONDS (default 60), one after the other, starting from its
# checked-in corpus. New inputs go to build-fuzz/corpus-<target>, crashes to
# build-fuzz/crash-*. Usage: tools/fuzz.sh [SECONDS [TARGET…]]
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-wav error-body transcript uri sse speech}

./tools/setup.sh --fuzzing
[ -f build-fuzz/build.ninja ] ||
  CC=clang meson setup build-fuzz -Dtests=enabled -Dfuzzing=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false
ninja -C build-fuzz $(for t in $targets; do echo tests/fuzz/fuzz-$t; done)

for t in $targets; do
  mkdir -p build-fuzz/corpus-$t
  echo "fuzz-$t: ${seconds}s"
  # leaks are the sanitizer suite's to find (tools/sanitize.sh); here the
  # fuzzer looks for crashes, undefined behaviour and GLib criticals
  ASAN_OPTIONS=detect_leaks=0 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ./build-fuzz/tests/fuzz/fuzz-$t -max_total_time="$seconds" \
      -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$t- \
      build-fuzz/corpus-$t tests/fuzz/corpus/$t
done
