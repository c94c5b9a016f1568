#!/bin/sh
# Installs gst-pollen with the README's install commands ("Install"), into
# a staging directory (DESTDIR) instead of with sudo, and checks that the
# plugin lands in the directory Debian's GStreamer searches (pkg-config's
# pluginsdir) and loads from there with gst-inspect-1.0, with that
# directory as the only plugin path. Run by .ci/run; builds in
# build-check-install/.
set -eu
cd "$(dirname "$0")/.."
dir=build-check-install
stage=$PWD/$dir/staging
fail() { echo "check-install: $*" >&2; exit 1; }

options=$(sed -n 's/^    meson setup build-install \(.*\)$/\1/p' README.md)
[ -n "$options" ] || fail "README.md has no 'meson setup build-install' line"
rm -rf "$dir"
eval "meson setup $dir $options"
ninja -C "$dir"
meson install -C "$dir" --no-rebuild --destdir "$stage"

pluginsdir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
plugin=$stage$pluginsdir/libgstpollen.so
[ -f "$plugin" ] || fail "no $plugin; installed: $(find "$stage" -type f)"
found=$(env -u GST_PLUGIN_PATH -u GST_PLUGIN_PATH_1_0 \
  GST_PLUGIN_SYSTEM_PATH_1_0="$stage$pluginsdir" \
  GST_REGISTRY_1_0="$stage/registry.bin" gst-inspect-1.0 pollensrc) ||
  fail "gst-inspect-1.0 cannot load pollensrc from $stage$pluginsdir"
echo "$found" | grep -q "Filename.*$plugin" ||
  fail "pollensrc was not loaded from $plugin: $found"
echo "check-install: the plugin installs into $pluginsdir and loads from there"
