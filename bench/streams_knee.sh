#!/usr/bin/env bash
# detour benchmark (not a test; not run by CI): where the 1000-streams phase of run.sh
# stops measuring the proxy and starts measuring the machine.
#   bench/streams_knee.sh            # BENCH_KNEE_STREAMS="500 700 1000"
# For each stream count N (started over N ms, so one new stream per millisecond as in
# run.sh; 64 tokens BENCH_CHUNK_MS apart from `detour sim`, 20 ms by default: twice
# run.sh's event rate, the regime where the 2-core machine saturates), runs bench_streams_client straight at
# the simulator, through detour and through nginx (one worker, upstream keep-alive, no
# buffering), and prints each proxy's added first-token p99 (its p99 minus the direct p99)
# and the CPU time it burned (user+system, from /proc/PID/stat). Every process it starts
# is stopped on exit. Tunables: BENCH_BUILD_DIR, BENCH_KNEE_STREAMS, BENCH_DETOUR_THREADS
# (0 = one per core, detour's default), BENCH_CHUNK_MS (20), BENCH_FIRST_TOKEN_MS (20).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
COUNTS=${BENCH_KNEE_STREAMS:-500 700 1000}
THREADS=${BENCH_DETOUR_THREADS:-0}
CHUNK_MS=${BENCH_CHUNK_MS:-20}
FIRST_TOKEN_MS=${BENCH_FIRST_TOKEN_MS:-20}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
die() { echo "streams_knee: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

for t in detour bench_streams_client; do [[ -x $BUILD/$t ]] || die "$BUILD/$t missing (run bench/run.sh once)"; done
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || die "nginx not found (scripts/setup.sh --bench)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

start_stream_sim "$BUILD/detour" "$WORK" 64 "$CHUNK_MS" "$FIRST_TOKEN_MS"
SIM_PORT=$STREAM_PORT
write_streams_config "$WORK/detour.toml" "$THREADS" "$SIM_PORT"
start_serve "$BUILD/detour" "$WORK/detour.toml" "$WORK/detour.err"
DETOUR=$SERVE_PID
GW_PORT=$SERVE_PORT

NGX_PORT=$(free_port)
start_nginx_floor "$WORK/nginx" "$SIM_PORT:$NGX_PORT"

run() {  # port model streams -> p99 (ms) on stdout
  "$BUILD/bench_streams_client" --port "$1" --model "$2" --streams "$3" --expect 64 --ramp-ms "$3" \
    --timeout-ms 60000 >"$WORK/run.json" || die "streams client failed"
  node -e 'const j=require(process.argv[1]); if (j.completed !== j.streams) process.exit(1); console.log(j.ttfb_ms.p99)' \
    "$WORK/run.json" || die "not every stream completed: $(cat "$WORK/run.json")"
}

printf '%-8s %-12s %-24s %-24s\n' streams "direct p99" "detour added p99 / CPU" "nginx added p99 / CPU"
for n in $COUNTS; do
  direct=$(run "$SIM_PORT" m "$n")
  d0=$(cpu_ticks "$DETOUR"); detour=$(run "$GW_PORT" s "$n"); d1=$(cpu_ticks "$DETOUR")
  n0=$(cpu_ticks "$NGINX_WORKER"); nginx=$(run "$NGX_PORT" m "$n"); n1=$(cpu_ticks "$NGINX_WORKER")
  awk -v n="$n" -v a="$direct" -v d="$detour" -v g="$nginx" -v dc="$((d1 - d0))" -v nc="$((n1 - n0))" \
    'BEGIN { printf "%-8d %-12s %-24s %-24s\n", n, sprintf("%.1f ms", a), sprintf("%+.1f ms / %.2f s", d - a, dc / 100), sprintf("%+.1f ms / %.2f s", g - a, nc / 100) }'
done
