// `detour sim`: the simulated providers as a process, hit with fetch, curl and the official
// openai SDK on all four protocols; a fault window; a bad trace; and `detour serve` in
// front of `detour sim` failing over from a broken OpenAI deployment to Anthropic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { DETOUR, tempDir, waitFor, runDetour, writeConfig, startServe, curl } from './lib.mjs';

const TRACE = `
name = "e2e"
duration = "1h"
[traffic]
completion_tokens = 4
[baseline]
first_token = "5ms"
tokens_per_second = 1000
[[faults]]
target = "model:broken"
kind = "http_error"
status = 503
[[faults]]
target = "deployment:primary"
kind = "http_error"
status = 503
[[faults]]
target = "model:limited"
kind = "rate_limit"
retry_after = "3s"
[[faults]]
target = "provider:anthropic"
kind = "rate_limit"
from = "50m"
`;

async function startSim(trace = TRACE, args = []) {
  const dir = tempDir();
  const file = join(dir, 'trace.toml');
  writeFileSync(file, trace);
  const child = spawn(DETOUR, ['sim', '--trace', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  await waitFor(() => out.stdout.split('\n').length >= 5 || child.exitCode !== null, 10000, 'sim base URLs');
  const urls = {};
  for (const line of out.stdout.trim().split('\n')) {
    const [name, url] = line.split(/\s+/);
    urls[name] = url;
  }
  return { urls, out, async stop() { child.kill('SIGTERM'); return exited; } };
}

test('detour sim prints one base URL per protocol and serves all four', async () => {
  const sim = await startSim();
  try {
    assert.deepEqual(Object.keys(sim.urls), ['openai', 'azure', 'anthropic', 'gemini']);
    const root = sim.urls.openai.replace(/\/v1$/, '');
    assert.match(root, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sim.urls.azure, `${root}/azure`);
    assert.equal(sim.urls.anthropic, `${root}/anthropic`);
    assert.equal(sim.urls.gemini, `${root}/gemini`);

    // OpenAI through the official SDK, buffered and streamed with usage.
    const client = new OpenAI({ baseURL: sim.urls.openai, apiKey: 'sim', maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.choices[0].message.content, 'Simulated answer from the');
    assert.equal(r.usage.completion_tokens, 4);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Simulated answer from the');
    assert.equal(usage.completion_tokens, 4);

    // Azure.
    const az = await fetch(`${sim.urls.azure}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      { method: 'POST', headers: { 'api-key': 'sim', 'content-type': 'application/json' }, body: '{"messages":[]}' });
    assert.equal(az.status, 200);
    assert.equal((await az.json()).model, 'gpt-4o');

    // Anthropic, streamed: typed events through message_stop.
    const an = await curl(['-X', 'POST', `${sim.urls.anthropic}/v1/messages`, '-H', 'x-api-key: sim',
      '-d', '{"model":"claude-sonnet","max_tokens":2,"stream":true,"messages":[{"role":"user","content":"hi"}]}']);
    assert.equal(an.status, 200);
    const events = [...an.body.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(events, ['message_start', 'content_block_start', 'ping', 'content_block_delta',
      'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);

    // Gemini.
    const ge = await fetch(`${sim.urls.gemini}/v1beta/models/gemini-2.0-flash:generateContent`,
      { method: 'POST', body: '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}' });
    assert.equal(ge.status, 200);
    assert.equal((await ge.json()).candidates[0].finishReason, 'STOP');
  } finally {
    const { code } = await sim.stop();
    assert.equal(code, 0);
  }
});

test('detour sim applies the trace faults: 503, 429 with Retry-After', async () => {
  const sim = await startSim();
  try {
    const client = new OpenAI({ baseURL: sim.urls.openai, apiKey: 'sim', maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'broken', messages: [] }),
      (e) => e.status === 503);
    const rl = await curl(['-X', 'POST', `${sim.urls.openai}/chat/completions`, '-d', '{"model":"limited","messages":[]}']);
    assert.equal(rl.status, 429);
    assert.equal(rl.headers['retry-after'], '3');
    assert.equal(rl.headers['x-ratelimit-remaining-requests'], '0');
    // provider:anthropic's window starts at 50m: healthy now.
    const an = await curl(['-X', 'POST', `${sim.urls.anthropic}/v1/messages`, '-d', '{"model":"c","max_tokens":1,"messages":[]}']);
    assert.equal(an.status, 200);
  } finally {
    await sim.stop();
  }
});

test('detour sim --listen elsewhere than loopback or a bad trace exits 2 with file:line', async () => {
  const dir = tempDir();
  const file = join(dir, 'bad.toml');
  writeFileSync(file, 'duration = "1h"\n[[faults]]\ntarget = "*"\nkind = "http_eror"\n');
  const r = await runDetour(['sim', '--trace', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.toml:4: faults\[0\]\.kind: unknown fault kind "http_eror" \(did you mean "http_error"\?\)/);
  const good = join(dir, 'good.toml');
  writeFileSync(good, 'duration = "1h"\n');
  const r2 = await runDetour(['sim', '--trace', good, '--listen', '0.0.0.0:0']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /loopback only/);
});

test('detour serve in front of detour sim fails over from the broken OpenAI deployment to Anthropic', async () => {
  const sim = await startSim();
  const root = sim.urls.openai.replace(/\/v1$/, '');
  const config = writeConfig(`
[router]
num_retries = 0
[router.fallbacks]
main = ["spare"]

[[deployments]]
id = "primary"
model_name = "main"
provider = "openai"
model = "gpt-4o"
api_key = "sim"
api_base = "${root}/d/primary/v1"

[[deployments]]
id = "spare"
model_name = "spare"
provider = "anthropic"
model = "claude-sonnet"
api_key = "sim"
api_base = "${root}/d/spare/anthropic"
`);
  const serve = await startServe(config);
  try {
    const r = await curl(['-X', 'POST', `${serve.url}/v1/chat/completions`, '-H', 'content-type: application/json',
      '-d', '{"model":"main","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}']);
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-detour-deployment'], 'spare');
    const j = JSON.parse(r.body);
    assert.equal(j.choices[0].message.content, 'Simulated answer from');
    assert.equal(j.usage.completion_tokens, 3);
    const s = await curl(['-N', '-X', 'POST', `${serve.url}/v1/chat/completions`, '-H', 'content-type: application/json',
      '-d', '{"model":"main","max_tokens":3,"stream":true,"messages":[{"role":"user","content":"hi"}]}']);
    assert.equal(s.status, 200);
    assert.equal(s.headers['x-detour-deployment'], 'spare');
    assert.match(s.body, /data: \[DONE\]\n\n$/);
  } finally {
    await serve.stop();
    await sim.stop();
  }
});

test('a [record] file written by serve in front of detour sim replays in bench', async () => {
  const sim = await startSim();
  const root = sim.urls.openai.replace(/\/v1$/, '');
  const dir = tempDir();
  const record = join(dir, 'record.jsonl');
  const config = writeConfig(`
[router]
num_retries = 0
allowed_fails = 100   # no cooldown: every request tries primary first
[router.fallbacks]
main = ["spare"]
[record]
path = "${record}"

[[deployments]]
id = "primary"
model_name = "main"
provider = "openai"
model = "gpt-4o"
api_key = "sim"
api_base = "${root}/d/primary/v1"

[[deployments]]
id = "spare"
model_name = "spare"
provider = "anthropic"
model = "claude-sonnet"
api_key = "sim"
api_base = "${root}/d/spare/anthropic"
`, dir);
  const serve = await startServe(config);
  try {
    for (let i = 0; i < 6; i++) {
      const r = await curl(['-X', 'POST', `${serve.url}/v1/chat/completions`, '-H', 'content-type: application/json',
        '-d', `{"model":"main","max_tokens":3,"stream":${i % 2 === 1},"messages":[{"role":"user","content":"hi"}]}`]);
      assert.equal(r.status, 200);
    }
  } finally {
    await serve.stop();
    await sim.stop();
  }
  // Every request: one failed attempt at primary (503), one good one at spare.
  const lines = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 12);
  assert.equal(lines.filter((l) => l.deployment === 'primary' && l.status === 503).length, 6);
  assert.equal(lines.filter((l) => l.deployment === 'spare' && l.kind === 'ok').length, 6);

  // Replayed against the same config: calling primary directly fails as it did; detour does not.
  const r = await runDetour(['--config', config, 'bench', record, '--format', 'json', '--speed', '1'], { timeoutMs: 60000 });
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout).traces[0];
  assert.equal(t.group, 'main');
  const { direct, detour } = t.arms;
  assert.ok(direct.requests >= 3, `requests ${direct.requests}`);
  assert.equal(direct.errors, direct.requests);
  assert.equal(direct.simulator.faults, direct.requests);
  assert.equal(detour.errors, 0);
  assert.equal(detour.fallbacks, detour.requests);
});
