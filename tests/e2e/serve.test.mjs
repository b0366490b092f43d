// `detour serve` over HTTP, driven with curl: status codes, headers, exact SSE bytes,
// streaming commit semantics, errors and auth.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { startFake, startServe, writeConfig, curl, runDetour, waitFor, primaryBackupToml } from './lib.mjs';

let f;
const servers = [];
before(async () => { f = await startFake({ routes: { '': [{ reply: 'unused' }] } }); });
// Each test's detour stops with the test: a leftover one (e.g. its background prober)
// would otherwise add hits to the shared fake upstream.
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

function toml({ router = '', server = '', resume = 'off' } = {}) {
  return primaryBackupToml(f.base, {
    server,
    router: `num_retries = 1
timeout = "5s"
first_token_timeout = "5s"
stream_idle_timeout = "600ms"
stream_resume = "${resume}"
backoff = { base = "10ms", max = "50ms" }
${router}`,
    a: 'id = "prim"\napi_key = "sk-primary-secret-0001"',
    b: 'id = "back"\nprice = { input = 1.0, output = 2.0 }',
  });
}

async function serve(routes, opts = {}) {
  await f.setScript({ routes });
  const s = await startServe(writeConfig(toml(opts)));
  servers.push(s);
  return s;
}

function post(s, body, extra = []) {
  return curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '--data-binary', typeof body === 'string' ? body : JSON.stringify(body), ...extra]);
}

const ask = (extra = {}) => ({ model: 'primary', messages: [{ role: 'user', content: 'hi' }], ...extra });

// Splits an SSE body into its data payloads, checking the framing byte for byte.
function events(body) {
  assert.match(body, /^(data: [^\n]+\n\n)*$/, `SSE framing: ${JSON.stringify(body)}`);
  return body.split('\n\n').filter(Boolean).map((e) => e.slice('data: '.length));
}
const text = (evs) => evs.filter((e) => e.startsWith('{')).map((e) => JSON.parse(e))
  .map((c) => c.choices?.[0]?.delta?.content ?? '').join('');

test('non-streaming: the upstream answer with x-detour headers', async () => {
  const s = await serve({ '/a': [{ reply: 'hello' }] });
  const r = await post(s, ask());
  assert.equal(r.status, 200);
  const body = JSON.parse(r.body);
  assert.equal(body.choices[0].message.content, 'hello');
  assert.equal(body.model, 'up-primary');
  assert.equal(r.headers['x-detour-deployment'], 'prim');
  assert.equal(r.headers['x-detour-model-group'], 'primary');
  assert.equal(r.headers['x-detour-attempts'], '1');
});

test('streaming: exact SSE events, usage hidden unless asked, [DONE] last', async () => {
  const s = await serve({ '/a': [{ stream: ['Hel', 'lo'] }] });
  const r = await post(s, ask({ stream: true }), ['-N']);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/event-stream/);
  assert.equal(r.headers['x-detour-deployment'], 'prim');
  const evs = events(r.body);
  assert.equal(evs.at(-1), '[DONE]');
  const chunks = evs.slice(0, -1).map((e) => JSON.parse(e));
  assert.equal(chunks.length, 4);  // role, "Hel", "lo", finish
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(text(evs), 'Hello');
  assert.equal(chunks[3].choices[0].finish_reason, 'stop');
  for (const c of chunks) assert.equal('usage' in c, false);
  // detour always asks the upstream for usage (to count tokens) ...
  const upstream = JSON.parse((await f.requests()).at(-1).body);
  assert.equal(upstream.stream_options.include_usage, true);
});

test('streaming with include_usage: a final usage chunk with empty choices', async () => {
  const s = await serve({ '/a': [{ stream: ['a', 'b'], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }] });
  const r = await post(s, ask({ stream: true, stream_options: { include_usage: true } }), ['-N']);
  const evs = events(r.body);
  assert.equal(evs.at(-1), '[DONE]');
  const last = JSON.parse(evs.at(-2));
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.total_tokens, 7);
});

test('a failure before the first token fails over invisibly', async () => {
  const s = await serve({ '/a': [{ stream: ['never'], mode: 'cut', cut_after: 1 }], '/b': [{ stream: ['from backup'] }] });
  const r = await post(s, ask({ stream: true }), ['-N']);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-detour-deployment'], 'back');
  assert.equal(r.headers['x-detour-model-group'], 'backup');
  // The cut connection is not re-sent while the backup is left: one attempt each.
  assert.equal(r.headers['x-detour-attempts'], '2');
  assert.deepEqual(await f.hits(), { '/a': 1, '/b': 1 });
  const evs = events(r.body);
  const roles = evs.filter((e) => e.startsWith('{') && JSON.parse(e).choices[0]?.delta?.role);
  assert.equal(roles.length, 1, 'exactly one role chunk');
  assert.equal(text(evs), 'from backup');
  assert.equal(evs.at(-1), '[DONE]');
});

test('a stream cut after commit ends with an error event and no [DONE]', async () => {
  const s = await serve({ '/a': [{ stream: ['Hel', 'lo', ' world'], mode: 'cut', cut_after: 2 }] });
  const r = await post(s, ask({ stream: true }), ['-N']);
  assert.equal(r.status, 200);
  const evs = events(r.body);
  assert.equal(text(evs.slice(0, -1)), 'Hel');
  const err = JSON.parse(evs.at(-1));
  assert.ok(err.error, 'last event is an error');
  assert.equal(err.error.code, 'connection');
  assert.ok(!evs.includes('[DONE]'));
});

test('a stall past stream_idle_timeout after commit ends with an error event', async () => {
  const s = await serve({ '/a': [{ stream: ['a', 'b'], chunk_interval_ms: 2500 }] });
  const t0 = Date.now();
  const r = await post(s, ask({ stream: true }), ['-N']);
  const evs = events(r.body);
  assert.equal(JSON.parse(evs.at(-1)).error.code, 'timeout');
  assert.ok(!evs.includes('[DONE]'));
  assert.ok(Date.now() - t0 < 4900, 'cut at the idle deadline, not at the end of the stall');
});

test('an upstream error event or an invalid chunk after commit ends with an error event', async () => {
  const role = 'data: {"id":"x","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n';
  const tok = 'data: {"id":"x","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"par"}}]}\n\n';
  for (const bad of ['data: {"error":{"message":"upstream exploded","type":"server_error"}}\n\n', 'data: {not json\n\n']) {
    const s = await serve({ '/a': [{ headers: { 'content-type': 'text/event-stream' }, body: role + tok + bad }] });
    const r = await post(s, ask({ stream: true }), ['-N']);
    const evs = events(r.body);
    assert.equal(text(evs.slice(0, -1)), 'par');
    assert.ok(JSON.parse(evs.at(-1)).error);
    assert.ok(!evs.includes('[DONE]'));
  }
});

test('an upstream stream with a finish reason but no [DONE] is finalised with [DONE]', async () => {
  const s = await serve({ '/a': [{ stream: ['done'], done: false }] });
  const r = await post(s, ask({ stream: true }), ['-N']);
  const evs = events(r.body);
  assert.equal(text(evs), 'done');
  assert.equal(evs.at(-1), '[DONE]');
});

test('unknown model: 404 model_not_found with a did-you-mean, no upstream call', async () => {
  const s = await serve({ '': [{ reply: 'x' }] });
  const before = await f.hits();
  const r = await post(s, ask({ model: 'primry' }));
  assert.equal(r.status, 404);
  const e = JSON.parse(r.body).error;
  assert.equal(e.code, 'model_not_found');
  assert.match(e.message, /did you mean "primary"\?/);
  assert.deepEqual(await f.hits(), before);
});

test('bad requests: 400 naming the field; 413 over max_body; 404 unknown path', async () => {
  await f.setScript({ routes: { '': [{ reply: 'x' }] } });
  const s = await startServe(writeConfig(toml({ server: 'max_body = "2KiB"' })));
  servers.push(s);
  let r = await post(s, '{"model": "primary", "messages": [');
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).error.message, /not valid JSON/);
  r = await post(s, { model: 'primary' });
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).error.param, 'messages');
  r = await post(s, { model: 'primary', messages: [{ content: 'no role' }] });
  assert.equal(JSON.parse(r.body).error.param, 'messages[0].role');
  r = await post(s, ask({ temperature: 'hot' }));
  assert.equal(r.status, 400);
  assert.equal(JSON.parse(r.body).error.param, 'temperature');
  r = await post(s, ask({ padding: 'x'.repeat(4096) }));
  assert.equal(r.status, 413);
  assert.equal(JSON.parse(r.body).error.code, 'request_too_large');
  r = await curl([`${s.url}/v1/nothing`]);
  assert.equal(r.status, 404);
  assert.ok(JSON.parse(r.body).error.message.includes('/v1/nothing'));
  r = await curl([`${s.url}/v1/models`, '-H', `x-big: ${'a'.repeat(70000)}`]);
  assert.equal(r.status, 431);
  assert.equal(JSON.parse(r.body).error.code, 'request_header_too_large');
});

test('a body nested 100000 levels deep is a 400, and serve keeps answering', async () => {
  const s = await serve({ '': [{ reply: 'still here' }] });
  const deep = '{"model":"primary","messages":[{"role":"user","content":"hi"}],"x":' +
    '['.repeat(100000) + ']'.repeat(100000) + '}';
  const file = join(mkdtempSync(join(tmpdir(), 'detour-deep-')), 'body.json');
  writeFileSync(file, deep);
  let r = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '--data-binary', `@${file}`]);
  rmSync(dirname(file), { recursive: true });
  assert.equal(r.status, 400);
  assert.match(JSON.parse(r.body).error.message, /deeper than 128 levels/);
  r = await post(s, ask());
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).choices[0].message.content, 'still here');
  assert.deepEqual(await f.hits(), { '': 1 });  // the deep body never went upstream
});

test('unknown fields pass through; detour-only fields do not go upstream', async () => {
  const s = await serve({ '/a': [{ reply: 'ok' }] });
  const r = await post(s, ask({ logit_bias: { '42': 1 }, custom_thing: 'yes', num_retries: 0, timeout: 9, fallbacks: [] }));
  assert.equal(r.status, 200);
  const body = JSON.parse((await f.requests()).at(-1).body);
  assert.equal(body.custom_thing, 'yes');
  assert.deepEqual(body.logit_bias, { '42': 1 });
  for (const k of ['num_retries', 'timeout', 'fallbacks']) assert.equal(k in body, false, k);
});

test('all attempts failed: 502 with every attempt in the body', async () => {
  const s = await serve({ '/a': [{ status: 500, body: 'a down' }], '/b': [{ status: 503, body: 'b down' }] });
  const r = await post(s, ask());
  assert.equal(r.status, 502);
  const e = JSON.parse(r.body).error;
  assert.deepEqual(e.attempts.map((a) => [a.deployment, a.kind, a.status]),
    [['prim', 'server_error', 500], ['prim', 'server_error', 500], ['back', 'server_error', 503], ['back', 'server_error', 503]]);
  assert.equal(r.headers['x-detour-attempts'], '4');
  // One warn line per failed attempt, one info line for the request; never a key.
  await waitFor(() => /request id=req_[0-9a-f]{16} group=primary status=502/.test(s.out.stderr), 5000, 'the request log line');
  // Each attempt names the group it was tried in.
  assert.equal(s.out.stderr.match(/warn attempt failed group=primary deployment=prim kind=server_error/g).length, 2);
  assert.equal(s.out.stderr.match(/warn attempt failed group=backup deployment=back kind=server_error/g).length, 2);
  assert.doesNotMatch(s.out.stderr, /sk-primary-secret/);
});

test('every attempt rate-limited: 429 with Retry-After', async () => {
  const s = await serve({ '/a': [{ status: 429, headers: { 'retry-after': '30' }, body: { error: { message: 'slow down' } } }],
    '/b': [{ status: 429, headers: { 'retry-after': '20' }, body: { error: { message: 'slow down' } } }] });
  const r = await post(s, ask());
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], '20');
});

test('a bad_request from the upstream comes back unchanged, tried once', async () => {
  const upstream = { error: { message: 'Invalid value for tool_choice', type: 'invalid_request_error', param: 'tool_choice', code: null } };
  const s = await serve({ '/a': [{ status: 400, body: upstream }], '/b': [{ reply: 'no' }] });
  const before = await f.hits();
  const r = await post(s, ask());
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.body), upstream);
  const hits = await f.hits();
  assert.equal((hits['/a'] ?? 0) - (before['/a'] ?? 0), 1);
  assert.equal((hits['/b'] ?? 0) - (before['/b'] ?? 0), 0);
});

test('auth: Bearer keys required when configured; /healthz stays open', async () => {
  await f.setScript({ routes: { '': [{ reply: 'authed' }] } });
  const s = await startServe(writeConfig(toml({ server: 'api_keys = ["client-key-123456"]' })));
  servers.push(s);
  assert.equal((await post(s, ask())).status, 401);
  assert.equal((await post(s, ask(), ['-H', 'authorization: Bearer wrong-key'])).status, 401);
  const ok = await post(s, ask(), ['-H', 'authorization: Bearer client-key-123456']);
  assert.equal(ok.status, 200);
  assert.equal((await curl([`${s.url}/v1/models`])).status, 401);
  const hz = await curl([`${s.url}/healthz`]);
  assert.equal(hz.status, 200);
  assert.equal(hz.body, 'ok');
});

test('/v1/models lists the groups; /health reports each deployment', async () => {
  const s = await serve({ '': [{ reply: 'x' }] });
  const models = JSON.parse((await curl([`${s.url}/v1/models`])).body);
  assert.deepEqual(models.data.map((m) => m.id), ['primary', 'backup']);
  const health = JSON.parse((await curl([`${s.url}/health`])).body);
  assert.equal(health.status, 'ok');
  assert.deepEqual(health.deployments.map((d) => [d.id, d.model_group, d.state]), [['prim', 'primary', 'healthy'], ['back', 'backup', 'healthy']]);
  for (const k of ['cooldown_remaining_s', 'error_rate_1m', 'p50_latency_ms', 'in_flight', 'provider', 'model'])
    assert.ok(k in health.deployments[0], k);
  assert.doesNotMatch(JSON.stringify(health), /sk-primary-secret/);
});

test('a non-loopback listen without api_keys is refused (exit 2)', async () => {
  const r = await runDetour(['--config', writeConfig(toml()), 'serve', '--listen', '0.0.0.0:0'], { timeoutMs: 10000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /api_keys/);
});

test('/health shows a cooling deployment and "degraded" while its group lives on its fallback', async () => {
  const s = await serve({ '/a': [{ status: 401, body: { error: { message: 'Incorrect API key' } } }], '/b': [{ reply: 'b' }] });
  const r = await post(s, ask());
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-detour-deployment'], 'back');
  const health = JSON.parse((await curl([`${s.url}/health`])).body);
  assert.equal(health.status, 'degraded');
  const prim = health.deployments.find((d) => d.id === 'prim');
  assert.equal(prim.state, 'cooling');
  assert.ok(prim.cooldown_remaining_s > 20 && prim.cooldown_remaining_s <= 30, String(prim.cooldown_remaining_s));
  assert.equal(prim.error_rate_1m, 1);
});

test('stream_resume = "replay": a stream cut after commit is repaired seamlessly from the backup', async () => {
  await f.setScript({ routes: { '/a': [{ stream: ['Hel', 'lo', ' wor', 'ld'], mode: 'cut', cut_after: 3 }],
    '/b': [{ stream: ['Hello', ' world', '!'] }] } });
  const s = await startServe(writeConfig(toml({ resume: 'replay' })));
  servers.push(s);
  const r = await post(s, ask({ stream: true }), ['-N']);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-detour-deployment'], 'prim');  // the first token came from the primary
  const evs = events(r.body);
  assert.equal(text(evs), 'Hello world!');
  assert.equal(evs.at(-1), '[DONE]');
  assert.equal(evs.filter((e) => e.startsWith('{') && JSON.parse(e).choices[0]?.delta?.role).length, 1);
  assert.ok(!evs.some((e) => e.startsWith('{"error"')));
});
