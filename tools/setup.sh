#!/bin/sh
# Installs what gst-pollen needs from Debian 12's packages (only what is
# missing) and builds it into ./build. Run from anywhere; safe to repeat.
# With --fuzzing also what the libFuzzer targets need (clang and its
# runtime libraries).
set -eu
cd "$(dirname "$0")/.."

PACKAGES="meson ninja-build pkg-config gcc
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libsoup-3.0-dev libjson-glib-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-base-apps gstreamer1.0-x
  gstreamer1.0-libav
  python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0 gir1.2-ges-1.0
  espeak-ng"
[ "${1:-}" = "--fuzzing" ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done

if [ -n "$missing" ]; then
  echo "gst-pollen: installing$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -f build/build.ninja ]; then
  meson setup build -Dtests=enabled
fi
ninja -C build
