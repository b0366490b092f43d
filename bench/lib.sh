# Shared by bench/run.sh, streams_knee.sh and streams_ab.sh (sourced, not run). The caller
# defines die() and a PIDS array (every process started here is appended, for its cleanup).

# --- process helpers ---------------------------------------------------------------------
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }  # pid field
threads_of() { awk '$1 == "Threads:" {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime (no spaces in comm)
# Waits (10 s) for a line matching a regex in a file; prints the first match.
wait_line() {
  local file=$1 re=$2 pid=$3
  for _ in $(seq 100); do
    if grep -Eq "$re" "$file" 2>/dev/null; then grep -Em1 "$re" "$file"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { cat "$file" >&2; die "process $pid exited early"; }
    sleep 0.1
  done
  die "timed out waiting for /$re/ in $file"
}

# The streaming upstream: `detour sim` with a fault-free trace, DELTAS tokens CHUNK_MS
# apart, the first after about FIRST_TOKEN_MS (log-normal spread). Fibers, not a thread per
# connection: the fake upstream's 1000 threads took more CPU than the proxies they fed,
# and the machine's saturation, not the proxy, set the first-token times.
#   start_stream_sim DETOUR DIR DELTAS CHUNK_MS FIRST_TOKEN_MS -> STREAM_PID, STREAM_PORT
start_stream_sim() {
  local bin=$1 dir=$2 deltas=$3 chunk_ms=$4 first_ms=$5
  cat >"$dir/streams_trace.toml" <<EOF
name = "bench-streams"
description = "no faults: $deltas tokens $chunk_ms ms apart, the first after about $first_ms ms"
duration = "24h"
[traffic]
rate = 1.0
stream = 1.0
prompt_tokens = 10
completion_tokens = $deltas
[baseline]
first_token = "${first_ms}ms"
tokens_per_second = $((1000 / chunk_ms))
error_rate = 0
EOF
  "$bin" sim --trace "$dir/streams_trace.toml" --listen 127.0.0.1:0 >"$dir/streams_sim.out" \
    2>"$dir/streams_sim.err" &
  STREAM_PID=$!
  PIDS+=("$STREAM_PID")
  STREAM_PORT=$(wait_line "$dir/streams_sim.out" '^openai ' "$STREAM_PID" | sed -E 's|.*127\.0\.0\.1:([0-9]+).*|\1|')
}

# `detour serve` on a free loopback port, warnings only, its log in LOG.
#   start_serve DETOUR CONFIG LOG -> SERVE_PID, SERVE_PORT
start_serve() {
  "$1" --config "$2" --log-level warn serve --listen 127.0.0.1:0 2>"$3" &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
  SERVE_PORT=$(wait_line "$3" 'listening on http://127\.0\.0\.1:[0-9]+' "$SERVE_PID" |
    sed -E 's|.*127\.0\.0\.1:([0-9]+).*|\1|')
}

# A config with one deployment, model "s", at the stream simulator.
#   write_streams_config FILE THREADS SIM_PORT
write_streams_config() {
  cat >"$1" <<EOF
[server]
threads = $2
[[deployments]]
model_name = "s"
provider = "openai-compatible"
model = "m"
api_base = "http://127.0.0.1:$3/v1"
EOF
}

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# nginx as the floor: a plain reverse proxy, one worker, upstream keep-alive, no buffering
# of streams (what a gateway must do), access log off. One listening port per upstream,
# since nginx does not read the JSON body to route by model.
#   start_nginx_floor DIR UPSTREAM_PORT:LISTEN_PORT...  -> NGINX_PID (master), NGINX_WORKER
# Returns once the worker runs; the caller checks that a port answers.
start_nginx_floor() {
  local dir=$1 upstreams="" servers="" i=0 pair
  shift
  for pair in "$@"; do
    upstreams+="  upstream u$i { server 127.0.0.1:${pair%%:*}; keepalive 128; }"$'\n'
    servers+="  server { listen 127.0.0.1:${pair##*:}; location / { proxy_pass http://u$i; } }"$'\n'
    i=$((i + 1))
  done
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<NGINXCONF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 65536;
error_log $dir/error.log warn;
pid $dir/nginx.pid;
events { worker_connections 16384; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
$upstreams  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_buffering off;
  proxy_read_timeout 120s;
  keepalive_requests 1000000;
$servers}
NGINXCONF
  local bin; bin=$(command -v nginx || echo /usr/sbin/nginx)
  "$bin" -p "$dir" -c "$dir/nginx.conf" 2>"$dir/stderr" &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  NGINX_WORKER=
  for _ in $(seq 100); do
    NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -1 || true)
    [[ -n $NGINX_WORKER ]] && return 0
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$dir/stderr" "$dir/error.log" >&2; die "nginx exited"; }
    sleep 0.1
  done
  die "no nginx worker process"
}
