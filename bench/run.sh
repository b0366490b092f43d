#!/usr/bin/env bash
# detour benchmark (not a test; not run by CI). See bench/README.md.
#   bench/run.sh
# Builds detour, fake_upstream and bench_latency_client if needed, starts two fake
# upstreams (non-stream replies; slow 64-delta streams) and one detour in front of both,
# all on free loopback ports, and the floor beside it: Debian's nginx as a plain reverse
# proxy with upstream keep-alive in front of the same fakes (one worker process, no
# routing, no JSON). Then measures idle RSS, added latency at concurrency 1, throughput
# and CPU per request (wrk, at each of BENCH_WRK_CONNS_LIST) and 1000 concurrent streams,
# for detour and for nginx, and reports detour's figures as ratios to nginx's. Prints a
# table and writes bench/results/latest.json. Every process it starts is stopped on exit.
# Tunables (env): BENCH_BUILD_DIR, BENCH_LAT_REQUESTS (2000), BENCH_LAT_BLOCK (100),
# BENCH_LAT_WARMUP (200), BENCH_WRK_SECONDS (4), BENCH_WRK_ROUNDS (4),
# BENCH_WRK_CONNS_LIST ("16 64"), BENCH_WRK_THREADS (2), BENCH_STREAMS (1000),
# BENCH_DELTAS (64), BENCH_CHUNK_MS (40: a stream's tokens are this far apart),
# BENCH_FIRST_TOKEN_MS (20: the upstream's median first token), BENCH_STREAM_TIMEOUT_MS (60000),
# BENCH_STREAM_RAMP_MS (1000: stream i starts at i * ramp / N), BENCH_NGINX
# (1; 0 skips the nginx arm), BENCH_STRICT (1: exit 1 when a target is missed),
# BENCH_DETOUR_THREADS (0: detour's server.threads, one scheduler thread per core, its
# default; 1 = one worker like nginx's worker_processes 1: less CPU per request on this
# 2-core machine, but the 1000 streams then queue on one thread).
# BENCH_TRANSLATION (1; 0 skips): CPU per request when detour translates, through
# `detour sim` (an instant, fault-free trace): OpenAI clients in front of an OpenAI, an
# Anthropic and a Gemini deployment, so cross-protocol translation is measured beside the
# same-protocol fast path.
# BENCH_STATE=redis: the redis arm. A redis-server on a free loopback port holds detour's
# state ([state] backend = "redis"), and the "bench" deployment gets BENCH_RPM (default
# 1000000000) so every request takes its rpm slot through Redis, the one round trip on the
# request path; results go to bench/results/latest-redis.json. Compare with the memory
# arm at the same rpm: BENCH_RPM=1000000000 bench/run.sh (local windows only).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
RESULTS=$BENCH/results
LAT_REQUESTS=${BENCH_LAT_REQUESTS:-2000}
LAT_BLOCK=${BENCH_LAT_BLOCK:-100}
LAT_WARMUP=${BENCH_LAT_WARMUP:-200}
WRK_SECONDS=${BENCH_WRK_SECONDS:-4}
WRK_ROUNDS=${BENCH_WRK_ROUNDS:-4}
WRK_CONNS_LIST=${BENCH_WRK_CONNS_LIST:-${BENCH_WRK_CONNS:-16 64}}
NGINX=${BENCH_NGINX:-1}
DETOUR_THREADS=${BENCH_DETOUR_THREADS:-0}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
STREAMS=${BENCH_STREAMS:-1000}
DELTAS=${BENCH_DELTAS:-64}
# 1000 streams of 25 tokens/s: 25,000 relayed events/s, what this 2-core machine carries
# with the load generator and the upstream on it too. At 50 tokens/s (50,000 events/s) it
# saturates whatever proxy sits in the middle (nginx adds 100+ ms): bench/streams_knee.sh
# measures that regime, bench/README.md has the figures.
CHUNK_MS=${BENCH_CHUNK_MS:-40}
FIRST_TOKEN_MS=${BENCH_FIRST_TOKEN_MS:-20}
STREAM_TIMEOUT_MS=${BENCH_STREAM_TIMEOUT_MS:-60000}
STREAM_RAMP_MS=${BENCH_STREAM_RAMP_MS:-1000}
STATE=${BENCH_STATE:-memory}
TRANSLATION=${BENCH_TRANSLATION:-1}
RPM=${BENCH_RPM:-}
[[ $STATE == redis && -z $RPM ]] && RPM=1000000000
OUT_NAME=latest.json
[[ $STATE == redis ]] && OUT_NAME=latest-redis.json

WORK=$(mktemp -d /tmp/detour-bench.XXXXXX)
PIDS=()

log() { echo "bench: $*" >&2; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
die() { log "error: $*"; exit 1; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build -------------------------------------------------------------------------------
build() {
  command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
  command -v node >/dev/null || die "node not found"
  if [[ $NGINX == 1 ]] && ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
    die "nginx not found (scripts/setup.sh --bench installs it; BENCH_NGINX=0 skips the nginx arm)"
  fi
  if [[ ! -f $BUILD/CMakeCache.txt ]]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  log "building in $BUILD (detour fake_upstream bench_latency_client bench_streams_client)"
  cmake --build "$BUILD" -j2 --target detour fake_upstream bench_latency_client bench_streams_client \
    >"$WORK/build.log" 2>&1 ||
    { tail -30 "$WORK/build.log" >&2; die "build failed"; }
}

start_fake() {  # name script_json -> sets FAKE_PID, FAKE_PORT
  local name=$1
  printf '%s\n' "$2" >"$WORK/$name.json"
  "$BUILD/fake_upstream" --script "$WORK/$name.json" --no-stdin --max-records 1000 \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  FAKE_PID=$!
  PIDS+=("$FAKE_PID")
  FAKE_PORT=$(wait_line "$WORK/$name.out" '^PORT [0-9]+' "$FAKE_PID" | awk '{print $2}')
}

start_redis() {  # -> sets REDIS_PORT (BENCH_STATE=redis only)
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
  REDIS_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
    >"$WORK/redis.out" 2>&1 &
  PIDS+=("$!")
  wait_line "$WORK/redis.out" 'Ready to accept connections' "$!" >/dev/null
}

start_detour() {  # -> sets DETOUR_PID, GW_PORT
  cat >"$WORK/detour.toml" <<EOF
[server]
threads = $DETOUR_THREADS

[[deployments]]
model_name = "bench"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:$REPLY_PORT/v1"
${RPM:+rpm = $RPM}

[[deployments]]
model_name = "bench-stream"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:$STREAM_PORT/v1"
EOF
  if [[ $STATE == redis ]]; then
    printf '\n[state]\nbackend = "redis"\nurl = "redis://127.0.0.1:%s/0"\nprefix = "bench:"\n' \
      "$REDIS_PORT" >>"$WORK/detour.toml"
  fi
  start_serve "$BUILD/detour" "$WORK/detour.toml" "$WORK/detour.err"
  DETOUR_PID=$SERVE_PID
  GW_PORT=$SERVE_PORT
}

# The floor (bench/lib.sh), one port per fake. -> NGINX_PID, NGINX_WORKER, NGX_REPLY_PORT,
# NGX_STREAM_PORT
start_nginx() {
  NGX_REPLY_PORT=$(free_port); NGX_STREAM_PORT=$(free_port)
  start_nginx_floor "$WORK/nginx" "$REPLY_PORT:$NGX_REPLY_PORT" "$STREAM_PORT:$NGX_STREAM_PORT"
  for _ in $(seq 100); do
    [[ $(post "$NGX_REPLY_PORT" m 2>/dev/null) == 200 ]] && return 0
    sleep 0.1
  done
  die "nginx does not answer on :$NGX_REPLY_PORT"
}

post() {  # port model [stream]
  local body="{\"model\":\"$2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]${3:+,\"stream\":true}}"
  curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$body" "http://127.0.0.1:$1/v1/chat/completions"
}

netstat_field() { # TcpExt field name -> value (namespace-wide counter)
  awk -v f="$1" '$1 == "TcpExt:" { if (!n) { for (i = 2; i <= NF; i++) idx[$i] = i; n = 1 }
                   else print $(idx[f]) }' /proc/net/netstat
}

# --- measurements ------------------------------------------------------------------------
measure_idle() {
  local i code
  for i in $(seq 10); do
    code=$(post "$GW_PORT" bench); [[ $code == 200 ]] || die "warm-up request got $code"
  done
  for i in $(seq 3); do
    code=$(post "$GW_PORT" bench-stream 1); [[ $code == 200 ]] || die "warm-up stream got $code"
  done
  sleep 2
  printf '{"rss_kb": %s, "hwm_kb": %s, "threads": %s, "warmup_requests": 13}\n' \
    "$(status_kb "$DETOUR_PID" VmRSS)" "$(status_kb "$DETOUR_PID" VmHWM)" \
    "$(threads_of "$DETOUR_PID")" >"$WORK/idle.json"
}

measure_latency() {
  log "latency: $LAT_REQUESTS direct + $LAT_REQUESTS gateway requests, blocks of $LAT_BLOCK"
  "$BUILD/bench_latency_client" --direct "$REPLY_PORT" --gateway "$GW_PORT" \
    --requests "$LAT_REQUESTS" --block "$LAT_BLOCK" --warmup "$LAT_WARMUP" \
    --raw "$RESULTS/latency_raw.csv" >"$WORK/latency.json" || die "latency client failed"
  [[ $NGINX == 1 ]] || return 0
  log "latency: the same through nginx"
  "$BUILD/bench_latency_client" --direct "$REPLY_PORT" --gateway "$NGX_REPLY_PORT" \
    --requests "$LAT_REQUESTS" --block "$LAT_BLOCK" --warmup "$LAT_WARMUP" \
    >"$WORK/latency_nginx.json" || die "latency client (nginx) failed"
}

run_wrk() {  # name port model pid connections
  local t0 t1
  t0=$(cpu_ticks "$4")
  BENCH_MODEL=$3 wrk -t"$WRK_THREADS" -c"$5" -d"${WRK_SECONDS}s" --latency \
    -s "$BENCH/post.lua" "http://127.0.0.1:$2/v1/chat/completions" >"$WORK/wrk_$1.txt" 2>&1 ||
    { cat "$WORK/wrk_$1.txt" >&2; die "wrk $1 failed"; }
  t1=$(cpu_ticks "$4")
  echo "$((t1 - t0))" >"$WORK/wrk_$1.cpu_ticks"
}

# Rounds of direct, detour and nginx runs, the order reversed every other round, so a
# machine whose speed drifts (a shared VM) biases no side; ratios are taken per round
# (adjacent runs), at each connection count of WRK_CONNS_LIST. Files:
# wrk_<arm>_c<conns>_<round>.txt and .cpu_ticks (the proxy's CPU; the fake's for direct),
# wrk_gateway_c<conns>_<round>.fake_cpu_ticks.
measure_throughput() {
  local arms=(direct gateway) c i a f0 f1
  [[ $NGINX == 1 ]] && arms+=(nginx)
  for c in $WRK_CONNS_LIST; do
    log "throughput: $WRK_ROUNDS rounds of wrk -t$WRK_THREADS -c$c -d${WRK_SECONDS}s: ${arms[*]}"
    for ((i = 1; i <= WRK_ROUNDS; i++)); do
      local order=("${arms[@]}")
      ((i % 2)) || order=($(printf '%s\n' "${arms[@]}" | tac))
      for a in "${order[@]}"; do
        case $a in
          direct) run_wrk "direct_c${c}_$i" "$REPLY_PORT" m "$REPLY_PID" "$c" ;;
          gateway)
            f0=$(cpu_ticks "$REPLY_PID"); run_wrk "gateway_c${c}_$i" "$GW_PORT" bench "$DETOUR_PID" "$c"
            f1=$(cpu_ticks "$REPLY_PID"); echo "$((f1 - f0))" >"$WORK/wrk_gateway_c${c}_$i.fake_cpu_ticks" ;;
          nginx) run_wrk "nginx_c${c}_$i" "$NGX_REPLY_PORT" m "$NGINX_WORKER" "$c" ;;
        esac
      done
    done
  done
  printf '{"threads_after": %s, "rss_kb_after": %s}\n' "$(threads_of "$DETOUR_PID")" \
    "$(status_kb "$DETOUR_PID" VmRSS)" >"$WORK/after_wrk.json"
}

# RSS (kB) and threads of PID every 50 ms into FILE, until $WORK/stop exists. Bash builtins
# only: the first version forked two awks and a sleep 20 times a second, and that CPU, spent
# only while detour was measured, added about 20 ms to detour's first-token p99 (the same
# loop beside nginx added as much to nginx's). Every arm now runs under this same sampler.
#   sampler PID FILE   (run in the background; touch $WORK/stop to end it)
sampler() {
  local pid=$1 file=$2 key value rest rss=0 thr=0 tick
  exec {tick}<> <(:)  # a pipe nobody writes: `read -t` on it is a sleep without a fork
  while [[ ! -e $WORK/stop ]]; do
    while read -r key value rest; do
      case $key in VmRSS:) rss=$value ;; Threads:) thr=$value ;; esac
    done <"/proc/$pid/status" || break
    echo "$rss $thr" >>"$file"
    read -r -t 0.05 -u "$tick" || true
  done
}

# Runs the streams client at PORT for MODEL (JSON into OUT) while sampling PID.
#   sampled_streams PID PORT MODEL OUT -> samples in OUT.samples
sampled_streams() {
  local pid=$1 port=$2 model=$3 out=$4 spid rc=0
  rm -f "$WORK/stop" "$out.samples"
  sampler "$pid" "$out.samples" &
  spid=$!
  PIDS+=("$spid")
  streams_client "$port" "$model" >"$out" || rc=$?
  touch "$WORK/stop"
  wait "$spid" 2>/dev/null || true
  return "$rc"
}
max_column() { awk -v c="$2" 'BEGIN{m=0} $c>m{m=$c} END{print m}' "$1"; }  # file column

streams_client() {  # port model -> JSON on stdout
  "$BUILD/bench_streams_client" --port "$1" --model "$2" --streams "$STREAMS" --expect "$DELTAS" \
    --ramp-ms "$STREAM_RAMP_MS" --timeout-ms "$STREAM_TIMEOUT_MS"
}

# The streams, paced over STREAM_RAMP_MS (bench/streams_client.cc): straight at the fake
# first (the upstream's own first-token time under this load), then through detour, then
# through nginx. Each stream's first token is timed from the write of its request.
measure_streams() {
  log "streams: $STREAMS x $DELTAS deltas every ${CHUNK_MS} ms, started over ${STREAM_RAMP_MS} ms: direct"
  sampled_streams "$STREAM_PID" "$STREAM_PORT" m "$WORK/streams_direct.json" ||
    die "streams client (direct) failed"
  log "streams: the same through detour"
  # Reset VmHWM so the peak is this phase's, not the throughput run's (Linux >= 4.0).
  echo 5 >"/proc/$DETOUR_PID/clear_refs" 2>/dev/null || log "cannot reset VmHWM; peak is lifetime"
  local rss0 thr0 t0 t1 lo0 ld0
  rss0=$(status_kb "$DETOUR_PID" VmRSS); thr0=$(threads_of "$DETOUR_PID")
  t0=$(cpu_ticks "$DETOUR_PID"); lo0=$(netstat_field ListenOverflows); ld0=$(netstat_field ListenDrops)
  sampled_streams "$DETOUR_PID" "$GW_PORT" bench-stream "$WORK/streams.json" || die "streams client failed"
  t1=$(cpu_ticks "$DETOUR_PID")
  local hwm peak maxthr
  hwm=$(status_kb "$DETOUR_PID" VmHWM)
  peak=$(max_column "$WORK/streams.json.samples" 1)
  maxthr=$(max_column "$WORK/streams.json.samples" 2)
  sleep 3
  printf '{"rss_kb_before": %s, "threads_before": %s, "hwm_kb": %s, "sampled_peak_kb": %s, "samples": %s, "max_threads": %s, "cpu_ticks": %s, "listen_overflows": %s, "listen_drops": %s, "rss_kb_3s_after": %s, "threads_3s_after": %s}\n' \
    "$rss0" "$thr0" "$hwm" "$peak" "$(wc -l <"$WORK/streams.json.samples")" "$maxthr" "$((t1 - t0))" \
    "$(($(netstat_field ListenOverflows) - lo0))" "$(($(netstat_field ListenDrops) - ld0))" \
    "$(status_kb "$DETOUR_PID" VmRSS)" "$(threads_of "$DETOUR_PID")" >"$WORK/streams_proc.json"
  [[ $NGINX == 1 ]] || return 0
  log "streams: the same through nginx"
  echo 5 >"/proc/$NGINX_WORKER/clear_refs" 2>/dev/null || true
  local n0; n0=$(cpu_ticks "$NGINX_WORKER")
  sampled_streams "$NGINX_WORKER" "$NGX_STREAM_PORT" m "$WORK/streams_nginx.json" ||
    die "streams client (nginx) failed"
  printf '{"hwm_kb": %s, "sampled_peak_kb": %s, "master_rss_kb": %s, "cpu_ticks": %s}\n' \
    "$(status_kb "$NGINX_WORKER" VmHWM)" "$(max_column "$WORK/streams_nginx.json.samples" 1)" \
    "$(status_kb "$NGINX_PID" VmRSS)" "$(($(cpu_ticks "$NGINX_WORKER") - n0))" >"$WORK/streams_nginx_proc.json"
}

# detour in front of `detour sim`, one deployment per protocol, each driven by wrk at c=16:
# detour's CPU per request and requests/s per protocol -> translation.json.
measure_translation() {
  cat >"$WORK/instant.toml" <<'EOF'
name = "instant"
description = "no faults, first token after 1 ms, tokens as fast as they can go (bench translation arm)"
duration = "24h"
[traffic]
rate = 1.0
prompt_tokens = 10
completion_tokens = 8
[baseline]
first_token = "1ms"
tokens_per_second = 1000000
error_rate = 0
EOF
  "$BUILD/detour" sim --trace "$WORK/instant.toml" --listen 127.0.0.1:0 >"$WORK/sim.out" 2>"$WORK/sim.err" &
  local sim_pid=$!
  PIDS+=("$sim_pid")
  wait_line "$WORK/sim.out" '^gemini ' "$sim_pid" >/dev/null
  local root; root=$(awk '$1 == "openai" {print $2}' "$WORK/sim.out"); root=${root%/v1}
  cat >"$WORK/translate.toml" <<EOF
[server]
threads = $DETOUR_THREADS

[[deployments]]
model_name = "tr-openai"
provider = "openai"
model = "gpt-4o"
api_key = "sim"
api_base = "$root/v1"

[[deployments]]
model_name = "tr-anthropic"
provider = "anthropic"
model = "claude-sonnet"
api_key = "sim"
api_base = "$root/anthropic"

[[deployments]]
model_name = "tr-gemini"
provider = "gemini"
model = "gemini-2.0-flash"
api_key = "sim"
api_base = "$root/gemini"
EOF
  "$BUILD/detour" --config "$WORK/translate.toml" --log-level warn serve --listen 127.0.0.1:0 \
    2>"$WORK/translate.err" &
  local tr_pid=$!
  PIDS+=("$tr_pid")
  local port; port=$(wait_line "$WORK/translate.err" 'listening on http://127\.0\.0\.1:[0-9]+' "$tr_pid" |
    sed -E 's|.*127\.0\.0\.1:([0-9]+).*|\1|')
  local m first=1
  printf '{' >"$WORK/translation.json"
  for m in tr-openai tr-anthropic tr-gemini; do
    log "translation: wrk -c16 -d${WRK_SECONDS}s, OpenAI client -> ${m#tr-} upstream (detour sim)"
    [[ $(post "$port" "$m") == 200 ]] || die "translation warm-up to $m failed"
    run_wrk "translate_$m" "$port" "$m" "$tr_pid" 16
    ((first)) || printf ', ' >>"$WORK/translation.json"
    first=0
    printf '"%s": {"cpu_ticks": %s, "wrk": "wrk_translate_%s.txt"}' "${m#tr-}" \
      "$(cat "$WORK/wrk_translate_$m.cpu_ticks")" "$m" >>"$WORK/translation.json"
  done
  printf '}\n' >>"$WORK/translation.json"
}

main() {
  mkdir -p "$RESULTS"
  build
  # 1000 streams need ~2000 fds in detour (client + upstream side) and 1000 in each peer.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  (($(ulimit -n) >= 4096)) || log "warning: ulimit -n is $(ulimit -n); streams may fail"

  start_fake reply '{"routes": {"": [{"reply": "hello from the fake upstream"}]}}'
  REPLY_PID=$FAKE_PID REPLY_PORT=$FAKE_PORT
  start_stream_sim "$BUILD/detour" "$WORK" "$DELTAS" "$CHUNK_MS" "$FIRST_TOKEN_MS"
  [[ $STATE == redis ]] && start_redis
  start_detour
  log "fake reply :$REPLY_PORT, streams (detour sim) :$STREAM_PORT, detour :$GW_PORT (pid $DETOUR_PID), state $STATE${RPM:+, rpm $RPM}"
  if [[ $NGINX == 1 ]]; then
    start_nginx
    log "nginx :$NGX_REPLY_PORT (reply), :$NGX_STREAM_PORT (stream), worker pid $NGINX_WORKER"
  fi

  measure_idle
  measure_latency
  measure_throughput
  measure_streams
  [[ $TRANSLATION == 1 ]] && measure_translation

  local clk; clk=$(getconf CLK_TCK)
  node "$BENCH/report.mjs" --work "$WORK" --out "$RESULTS/$OUT_NAME" --clk-tck "$clk" \
    --config "{\"lat_requests\": $LAT_REQUESTS, \"lat_block\": $LAT_BLOCK, \"wrk_seconds\": $WRK_SECONDS, \"wrk_rounds\": $WRK_ROUNDS, \"wrk_conns\": [${WRK_CONNS_LIST// /, }], \"nginx\": $NGINX, \"state\": \"$STATE\", \"translation\": $TRANSLATION, \"rpm\": \"$RPM\", \"wrk_threads\": $WRK_THREADS, \"streams\": $STREAMS, \"deltas\": $DELTAS, \"chunk_ms\": $CHUNK_MS, \"first_token_ms\": $FIRST_TOKEN_MS, \"stream_ramp_ms\": $STREAM_RAMP_MS, \"detour_threads\": $DETOUR_THREADS, \"nproc\": $(nproc), \"detour_commit\": \"$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)\"}" \
    ${BENCH_STRICT:+--strict}
}

main "$@"
