#!/bin/sh
# A two-minute look at detour with no API keys: a local fake provider pair on loopback
# (tests/support/fake_upstream) where the primary is having a bad night (503s, then a
# hang) and the backup is healthy. detour answers every prompt anyway; -v shows how.
# Then `detour bench` replays an OpenAI incident through the example config, no keys
# either: simulated providers in-process.
set -eu
cd "$(dirname "$0")/.."
[ -x build/detour ] && [ -x build/fake_upstream ] || scripts/setup.sh

dir=$(mktemp -d)
fake_pid=""
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT INT TERM

cat > "$dir/script.json" <<'JSON'
{"routes": {
  "/primary": [{"status": 503, "body": {"error": {"message": "The server is overloaded", "type": "server_error"}}},
               {"status": 503, "body": {"error": {"message": "The server is overloaded", "type": "server_error"}}},
               {"mode": "silent"}],
  "/backup":  [{"stream": ["Hello", " from", " the", " backup", " provider", "."], "chunk_interval_ms": 60}]
}}
JSON
build/fake_upstream --script "$dir/script.json" --no-stdin > "$dir/port" &
fake_pid=$!
i=0; while ! grep -q PORT "$dir/port" 2>/dev/null; do i=$((i+1)); [ $i -gt 100 ] && exit 1; sleep 0.05; done
port=$(sed -n 's/PORT //p' "$dir/port")

cat > "$dir/detour.toml" <<TOML
[router]
num_retries = 1
timeout = "2s"
first_token_timeout = "1s"
backoff = { base = "100ms", max = "1s" }
allowed_fails = 1
[router.fallbacks]
primary = ["backup"]

[[deployments]]
model_name = "primary"
provider = "openai-compatible"
model = "flaky-model"
api_base = "http://127.0.0.1:$port/primary/v1"

[[deployments]]
model_name = "backup"
provider = "openai-compatible"
model = "steady-model"
api_base = "http://127.0.0.1:$port/backup/v1"
TOML

echo "== config: primary (flaky) falls back to backup; the fake providers listen on 127.0.0.1:$port"
echo
echo '$ echo "say hello" | detour chat -v -m primary'
echo "say hello" | build/detour --config "$dir/detour.toml" chat -v -m primary
echo
echo "== now the primary hangs: detour cuts it at first_token_timeout (1 s) and fails over"
echo '$ detour chat -v "and again"'
build/detour --config "$dir/detour.toml" chat -v "and again"

echo
echo "== detour bench: a 30-minute OpenAI 5xx incident replayed in about 25 s through"
echo "   examples/detour.toml, calling OpenAI directly vs retries only vs detour"
echo '$ detour --config examples/detour.toml bench examples/traces/openai-5xx-incident.toml'
build/detour --config examples/detour.toml bench examples/traces/openai-5xx-incident.toml
