#!/bin/sh
# Every gst-pollen benchmark in one command: builds, runs bench-pollen
# against the in-process emulator (127.0.0.1 only), prints a table of
# ratios against references measured in the same run and the machine it ran
# on, and draws the max-in-flight plot from the run's own numbers.
#
#   tests/bench/run.sh [--quick] [--out DIR] [--only LETTERS]
#
# --quick: a smoke run of about two minutes (fewer and smaller of
#   everything).
# --only LETTERS: only these of the benchmarks (a)…(j), e.g. --only bf.
# --out DIR: where table.md, max-in-flight.dat and max-in-flight.png go
#   (default build/bench-results).
# A step that fails (a pipeline error, a child that dies) fails the run:
# exit status 1 and a message naming the step. The verdicts in the table
# (met, missed by …) are measurements and never fail it.
# Installs gnuplot-nox and espeak-ng ((d)'s and (j)'s speaker) from Debian's
# packages when missing, the way tools/setup.sh installs the build
# dependencies.
set -eu
cd "$(dirname "$0")/../.."

quick=""
only=abcdefghij
out=build/bench-results
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=--quick ;;
    --out) out="$2"; shift ;;
    --only) only="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--out DIR] [--only LETTERS]" >&2; exit 2 ;;
  esac
  shift
done

PACKAGES="gnuplot-nox curl gstreamer1.0-plugins-good espeak-ng"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bench: installing$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

[ -f build/build.ninja ] || meson setup build -Dtests=enabled
ninja -C build tests/bench/bench-pollen tests/bench/bench-first-audio \
  gst/pollen/libgstpollen.so >/dev/null

mkdir -p "$out"
# a table and a plot come only from this run's numbers
rm -f "$out/table.md" "$out/max-in-flight.dat" "$out/max-in-flight.png" \
  "$out/status"
# a pipe gives tee's status, not the benchmark's: that one goes to a file
{ status=0; GST_PLUGIN_PATH="$PWD/build/gst/pollen" \
    build/tests/bench/bench-pollen $quick --only "$only" --out "$out" 2>&1 ||
    status=$?; echo $status > "$out/status"; } | tee "$out/run.log"
status=$(cat "$out/status" 2>/dev/null || echo "unknown")
if [ "$status" != 0 ]; then
  echo "bench: FAILED (bench-pollen exit status $status): a step did not run" \
    "to its end, so there is no table; the reason is above and in" \
    "$out/run.log" >&2
  exit 1
fi
# the table and the machine line, for docs/performance.md
sed -n '/^| figure/,$p' "$out/run.log" > "$out/table.md"

[ -f "$out/max-in-flight.dat" ] && gnuplot <<PLOT
set terminal pngcairo size 960,420 font "sans,10"
set output "$out/max-in-flight.png"
set multiplot layout 1,2 title "gst-pollen against max-in-flight ($(nproc) cores, emulator on 127.0.0.1)"
set logscale x 2
set xtics (1, 2, 4, 8)
set xrange [0.8:10]
set xlabel "max-in-flight"
set key top right
set grid
set title "pollentts: mean time to first audio, 8 texts queued at once"
set ylabel "seconds"
plot "$out/max-in-flight.dat" using 1:2 with linespoints lw 2 pt 7 title "measured", \
     "" using 1:3 with lines dt 2 title "ideal: requests before it / max-in-flight"
set title "pollenstt: wall time of recorded speech"
plot "$out/max-in-flight.dat" using 1:4 with linespoints lw 2 pt 7 title "measured", \
     "" using 1:5 with lines dt 2 title "requests / max-in-flight x one request"
unset multiplot
PLOT
echo "bench: table in $out/table.md"
[ -f "$out/max-in-flight.png" ] && echo "bench: plot in $out/max-in-flight.png"
true
