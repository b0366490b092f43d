#!/usr/bin/env bash
# detour benchmark (not a test; not run by CI): two detour binaries side by side on run.sh's
# streams phase, to tell whether a change moved detour's cost per stream event.
#   bench/streams_ab.sh OLD_BINARY NEW_BINARY      # e.g. a copy of build/detour before the change
# One `detour sim` (64 tokens BENCH_CHUNK_MS apart, 40 ms by default as in run.sh; the first
# after about BENCH_FIRST_TOKEN_MS, 20) and one `serve` per binary in front of it, then
# BENCH_AB_ROUNDS rounds (default 4), each running bench_streams_client (BENCH_STREAMS, 1000,
# started over as many ms) through the old binary, then the new. Prints, per round and
# binary, the first-token p50/p99 and the CPU the binary burned (user and system, in
# seconds, from /proc/PID/stat). Alternating rounds is the point: this VM's speed drifts by
# tens of percent between minutes, so two runs an hour apart compare nothing. Every
# process it starts is stopped on exit. Tunables: BENCH_BUILD_DIR (for the simulator and
# the client), BENCH_DETOUR_THREADS (0 = one per core).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
ROUNDS=${BENCH_AB_ROUNDS:-4}
STREAMS=${BENCH_STREAMS:-1000}
THREADS=${BENCH_DETOUR_THREADS:-0}
CHUNK_MS=${BENCH_CHUNK_MS:-40}
FIRST_TOKEN_MS=${BENCH_FIRST_TOKEN_MS:-20}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
die() { echo "streams_ab: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

[[ $# == 2 ]] || die "usage: bench/streams_ab.sh OLD_BINARY NEW_BINARY"
for b in "$1" "$2" "$BUILD/detour" "$BUILD/bench_streams_client"; do
  [[ -x $b ]] || die "$b missing (run bench/run.sh once, or set BENCH_BUILD_DIR)"
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

start_stream_sim "$BUILD/detour" "$WORK" 64 "$CHUNK_MS" "$FIRST_TOKEN_MS"
write_streams_config "$WORK/detour.toml" "$THREADS" "$STREAM_PORT"
declare -a PID PORT
for i in 0 1; do
  bin=$1; [[ $i == 1 ]] && bin=$2
  start_serve "$bin" "$WORK/detour.toml" "$WORK/detour$i.err"
  PID[$i]=$SERVE_PID
  PORT[$i]=$SERVE_PORT
done

utime_stime() { awk '{print $14, $15}' "/proc/$1/stat"; }
printf '%-6s %-4s %-22s %-12s %-12s\n' round bin "first token p50 / p99" "user (s)" "system (s)"
for r in $(seq "$ROUNDS"); do
  for i in 0 1; do
    read -r u0 s0 < <(utime_stime "${PID[$i]}")
    "$BUILD/bench_streams_client" --port "${PORT[$i]}" --model s --streams "$STREAMS" --expect 64 \
      --ramp-ms "$STREAMS" --timeout-ms 60000 >"$WORK/run.json" || die "streams client failed"
    read -r u1 s1 < <(utime_stime "${PID[$i]}")
    node -e 'const j=require(process.argv[1]); if (j.completed !== j.streams) process.exit(1);
      const [r, b, u, s] = process.argv.slice(2);
      console.log(r.padEnd(6), b.padEnd(4), `${j.ttfb_ms.p50} / ${j.ttfb_ms.p99} ms`.padEnd(22),
                  (u / 100).toFixed(2).padEnd(12), (s / 100).toFixed(2))' \
      "$WORK/run.json" "$r" "$([[ $i == 0 ]] && echo old || echo new)" "$((u1 - u0))" "$((s1 - s0))" ||
      die "not every stream completed: $(cat "$WORK/run.json")"
  done
done
