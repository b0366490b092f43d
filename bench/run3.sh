#!/usr/bin/env bash
# Runs bench/run.sh three times (BENCH_RUNS to change) and prints each target's figure in
# every run and its median (bench/median.mjs): the hot-path targets are judged on the
# median, since this VM's speed drifts between minutes. Each run's JSON is kept as
# bench/results/run-N.json. Environment as for run.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-3}
files=()
for ((i = 1; i <= RUNS; i++)); do
  echo "bench: run $i of $RUNS" >&2
  "$ROOT/bench/run.sh"
  cp "$ROOT/bench/results/latest.json" "$ROOT/bench/results/run-$i.json"
  files+=("$ROOT/bench/results/run-$i.json")
done
node "$ROOT/bench/median.mjs" "${files[@]}"
