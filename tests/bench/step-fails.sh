#!/bin/sh
# A benchmark step that cannot run fails the run, naming the step: each of
# STEPS runs without the plugin (so its pipelines cannot be built) and must
# exit 1 with "FAILED: step (x)", never 0 with an empty table.
#
#   step-fails.sh BENCH-POLLEN OUT-DIR STEPS
set -u
bench="$1" out="$2" steps="$3"
mkdir -p "$out"
failed=0
for step in $(echo "$steps" | sed 's/./& /g'); do
  GST_PLUGIN_PATH="$out/no-plugins" GST_REGISTRY="$out/registry.bin" \
    timeout 120 "$bench" --quick --only "$step" --out "$out" \
    >"$out/$step.log" 2>&1
  status=$?
  if [ $status -ne 1 ] || ! grep -q "FAILED: step ($step)" "$out/$step.log"
  then
    echo "step ($step) without the plugin: exit status $status, not 1" \
      "naming the step; its output:"
    cat "$out/$step.log"
    failed=1
  fi
done
exit $failed
