# Sourced (from the top of the tree) by the scripts that run a pipeline:
# puts the built plugin on GST_PLUGIN_PATH, installs and builds with
# tools/setup.sh only when the plugin cannot be found yet (so a test, which
# has it, never builds) and, when POLLINATIONS_API_KEY is not set, starts
# the bundled emulator, says so, and stops it again on exit.
# $emulator_makes says what the emulator makes instead of the real thing;
# $POLLEN_EMULATOR, when set, is the emulator program to start (tests run
# it from their own build directory).
export GST_PLUGIN_PATH="$PWD/build/gst/pollen${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
gst-inspect-1.0 pollensrc > /dev/null 2>&1 || ./tools/setup.sh
emulator_pid=""
stop_emulator() { [ -z "$emulator_pid" ] || kill "$emulator_pid" 2>/dev/null || true; }
trap stop_emulator EXIT

if [ -z "${POLLINATIONS_API_KEY:-}" ]; then
  url_file=$(mktemp)
  "${POLLEN_EMULATOR:-build/tools/pollen-emulator/pollen-emulator}" > "$url_file" &
  emulator_pid=$!
  for _ in $(seq 50); do [ -s "$url_file" ] && break; sleep 0.1; done
  POLLINATIONS_BASE_URL=$(head -n 1 "$url_file")
  rm -f "$url_file"
  export POLLINATIONS_BASE_URL POLLINATIONS_API_KEY=sk_emulator
  echo "gst-pollen: POLLINATIONS_API_KEY is not set, so this runs against the"
  echo "bundled emulator at $POLLINATIONS_BASE_URL ($emulator_makes)."
  echo "Set POLLINATIONS_API_KEY (https://enter.pollinations.ai) for the real API."
fi
