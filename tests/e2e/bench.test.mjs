// `detour bench` end to end: the real binary replays a short trace through the three arms
// against its in-process simulator (loopback only, no keys) and reports consistent figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDetour, tempDir, writeConfig } from './lib.mjs';

// Group "primary" (OpenAI-compatible) falls back to "backup" (Anthropic).
const CONFIG = `
[router]
default_model = "primary"
timeout = "10s"
first_token_timeout = "5s"
request_timeout = "60s"
num_retries = 1
allowed_fails = 2
cooldown = "20s"
probe_interval = "5s"
[router.fallbacks]
primary = ["backup"]

[[deployments]]
id = "main"
model_name = "primary"
provider = "openai-compatible"
model = "gpt-4o"
api_base = "https://llm.example.com/v1"
api_key = "sk-never-sent-anywhere"
price = { input = 2.5, output = 10 }

[[deployments]]
id = "spare"
model_name = "backup"
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key = "sk-ant-never-sent"
price = { input = 3, output = 15 }
`;

// Two minutes of trace; OpenAI answers 503 to every request between 0:30 and 1:30.
function traceToml(expect = '"detour.error_rate_max" = 0.01') {
  return `name = "e2e-outage"
description = "OpenAI down for a minute"
duration = "2m"

[traffic]
rate = 4.0
stream = 0.5
prompt_tokens = 100
completion_tokens = 40

[baseline]
first_token = "300ms"
tokens_per_second = 100
error_rate = 0

[[faults]]
target = "provider:openai"
from = "30s"
to = "90s"
kind = "http_error"
rate = 1.0
status = 503

[expect]
${expect}
`;
}

function setup(expect) {
  const dir = tempDir();
  const config = writeConfig(CONFIG, dir);
  const trace = join(dir, 'outage.toml');
  writeFileSync(trace, traceToml(expect));
  return { dir, config, trace };
}

async function bench(config, args) {
  return runDetour(['--config', config, 'bench', '--speed', '30', ...args], { timeoutMs: 60000 });
}

test('bench: direct shows the outage, detour fails over, and the JSON figures agree with the simulator', async () => {
  const { config, trace } = setup();
  const r = await bench(config, [trace, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes('sk-never-sent') && !r.stderr.includes('sk-never-sent'));
  const report = JSON.parse(r.stdout);
  const t = report.traces[0];
  assert.equal(t.name, 'e2e-outage');
  assert.equal(t.group, 'primary');
  const { direct, retries, detour } = t.arms;
  // The same arrivals go to every arm.
  assert.ok(direct.requests > 300, `requests ${direct.requests}`);
  assert.equal(retries.requests, direct.requests);
  assert.equal(detour.requests, direct.requests);
  // A minute of a two-minute trace fails for direct (about half); detour loses none.
  assert.ok(direct.error_rate > 0.35 && direct.error_rate < 0.65, `direct ${direct.error_rate}`);
  assert.equal(direct.errors, direct.requests - direct.succeeded);
  assert.ok(retries.errors > 0);
  assert.equal(detour.errors, 0);
  assert.ok(detour.fallbacks > 0);
  assert.equal(direct.fallbacks, 0);
  // direct makes exactly one attempt per request, and the simulator saw exactly those.
  assert.equal(direct.attempts_per_request, 1);
  assert.equal(direct.simulator.requests, direct.requests);
  assert.equal(direct.simulator.faults, direct.errors);
  assert.ok(retries.attempts_per_request > 1);
  assert.ok(detour.cost_usd > 0);
  assert.deepEqual(t.gates, [{ gate: 'detour.error_rate_max', bound: 0.01, value: 0, ok: true }]);
  assert.equal(t.arms.direct.timeline.length, 60);
});

test('bench: the same --seed gives the same results twice', async () => {
  const { config, trace } = setup();
  const a = JSON.parse((await bench(config, [trace, '--format', 'json', '--seed', '7'])).stdout);
  const b = JSON.parse((await bench(config, [trace, '--format', 'json', '--seed', '7'])).stdout);
  const pick = (r) => ({ req: r.traces[0].arms.direct.requests, err: r.traces[0].arms.direct.errors,
                         faults: r.traces[0].arms.direct.simulator.faults });
  assert.deepEqual(pick(a), pick(b));
  assert.equal(a.seed, 7);
});

test('bench: the table shows the arms side by side', async () => {
  const { config, trace } = setup();
  const r = await bench(config, [trace]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^e2e-outage: OpenAI down for a minute\n/);
  assert.match(r.stdout, /\n {28}direct {5}retries {6}detour\n/);
  assert.match(r.stdout, /\n {2}error % +\d+\.\d\d% +\d+\.\d\d% +0\.00%\n/);
  assert.match(r.stdout, /gate detour\.error_rate_max <= 0\.0100: measured 0\.0000 {2}ok\n/);
  assert.equal(r.stderr.includes('\r'), false);  // no progress bar when stderr is not a terminal
});

test('bench: a missed [expect] gate exits 1 and says which', async () => {
  const { config, trace } = setup('"direct.error_rate_max" = 0.01');
  const r = await bench(config, [trace]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /gate missed: e2e-outage: direct\.error_rate_max <= 0\.0100, measured 0\.\d{4} \(.*outage\.toml:\d+\)/);
});

test('bench --plot writes a well-formed SVG with a series per arm', async () => {
  const { config, trace, dir } = setup();
  const svg = join(dir, 'chart.svg');
  const r = await bench(config, [trace, '--plot', svg]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(svg, 'utf8');
  assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const arm of ['direct', 'retries', 'detour'])
    assert.equal(text.match(new RegExp(`<polyline class="series" data-arm="${arm}"`, 'g')).length, 2);
  if (existsSync('/usr/bin/xmllint')) execFileSync('/usr/bin/xmllint', ['--noout', svg]);  // throws if malformed
});

test('bench: a bad trace exits 2 with file:line and key', async () => {
  const { config, dir } = setup();
  const bad = join(dir, 'bad.toml');
  writeFileSync(bad, traceToml().replace('kind = "http_error"', 'kind = "http_eror"'));
  const r = await bench(config, [bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.toml:\d+: faults\[0\]\.kind: .*"http_eror".*did you mean "http_error"/);
});

test('bench: --speed must be auto or a positive number', async () => {
  const { config, trace } = setup();
  const r = await runDetour(['--config', config, 'bench', trace, '--speed', 'fast']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--speed: "fast" is not auto or a positive number/);
});
