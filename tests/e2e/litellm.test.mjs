// LiteLLM config.yaml (SPEC 2.4): the seed article's four configs (examples/litellm/, with
// api_base pointed at the fake upstream) load with `--config config.yaml` and route as
// LiteLLM would; counts are taken at the upstream. An unsupported key exits 2 naming it,
// and `detour config convert` prints a detour.toml that routes the same way.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, startServe, curl, waitFor, runDetour, tempDir } from './lib.mjs';

const EXAMPLES = new URL('../../examples/litellm/', import.meta.url).pathname;
let f;
const servers = [];
before(async () => { f = await startFake({ routes: { '': [{ reply: 'unused' }] } }); });
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

function example(name) { return readFileSync(join(EXAMPLES, name), 'utf8'); }

function writeFile(text, name = 'config.yaml') {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

async function serve(routes, text, { env = {}, name } = {}) {
  await f.setScript({ routes });
  const s = await startServe(writeFile(text, name), { env });
  servers.push(s);
  return s;
}

function post(s, model, extra = {}) {
  return curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '--data-binary', JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra })]);
}

async function requestsSince(since) {
  return (await f.requests()).slice(since).filter((q) => /chat\/completions|messages/.test(q.path));
}

const down = { status: 503, body: '{"error":{"message":"overloaded"}}' };
const content = (r) => JSON.parse(r.body).choices[0].message.content;

// Seed 1 with both Azure endpoints on the fake: gpt-3.5-turbo on /a, gpt-4 on /b.
function seed1() {
  return example('azure-fallback.yaml')
    .replace('https://your-azure-endpoint.com', `${f.base}/a`)
    .replace('https://your-canada-endpoint.com', `${f.base}/b`);
}

test('seed 1: gpt-3.5-turbo failing falls back to gpt-4 (Azure deployments, plain-text keys)', async () => {
  const since = (await f.requests()).length;
  const s = await serve({ '/a': [down], '/b': [{ reply: 'from gpt-4' }] }, seed1());
  const r = await post(s, 'gpt-3.5-turbo');
  assert.equal(r.status, 200, r.body);
  assert.equal(content(r), 'from gpt-4');
  const reqs = await requestsSince(since);
  // num_retries is unset: detour's default 2 retries of the group, then the fallback.
  assert.deepEqual(reqs.map((q) => q.route), ['/a', '/a', '/a', '/b']);
  assert.match(reqs[0].path, /^\/a\/openai\/deployments\/your-deployment-name\/chat\/completions\?api-version=/);
  assert.match(reqs[3].path, /^\/b\/openai\/deployments\/gpt-4-ca\/chat\/completions/);
  assert.equal(reqs[0].headers['api-key'], 'your-azure-api-key');
  // The warning names the key, never its value.
  assert.match(s.out.stderr, /config\.yaml:9: model_list\[0\]\.litellm_params\.api_key: the key is written in the file in plain text/);
  assert.doesNotMatch(s.out.stderr, /your-azure-api-key/);
});

// Seed 2 with its model_list on the fake.
function seed2() {
  return example('retry-policy.yaml').replace('model: openai/gpt-4o', `model: openai/gpt-4o\n      api_base: ${f.base}/a/v1`);
}

// The caller's attempts only: the background prober's one-token "ping" to a cooling
// deployment reaches the same fake, at a time of its own.
async function callerRequestsSince(since) {
  return (await requestsSince(since)).filter((q) => !/"content":"ping"/.test(q.body));
}

test('seed 2: retry_policy: InternalServerErrorRetries 4 means 5 attempts at a failing server', async () => {
  // allowed_fails raised so the circuit stays closed: the retry budget alone decides.
  const since = (await f.requests()).length;
  const s = await serve({ '/a': [{ status: 500, body: '{"error":{"message":"boom"}}' }] },
    seed2().replace('router_settings:', 'router_settings:\n  allowed_fails: 10'),
    { env: { OPENAI_API_KEY: 'sk-test' } });
  const r = await post(s, 'gpt-4o');
  assert.equal(r.status, 502, r.body);
  assert.equal((await callerRequestsSince(since)).length, 5, r.body);
  const attempts = JSON.parse(r.body).error.attempts;
  assert.deepEqual(attempts.map((a) => [a.kind, a.status]), Array(5).fill(['server_error', 500]));
});

test('seed 2 as printed: the 4th 500 opens the lone deployment\'s circuit (allowed_fails 3), which ends the walk', async () => {
  // SPEC 3.3 and 8: the (allowed_fails + 1)-th failure cools a deployment, a lone one too,
  // and a retry does not wait out a cooldown longer than max_retry_after.
  const since = (await f.requests()).length;
  const s = await serve({ '/a': [{ status: 500, body: '{"error":{"message":"boom"}}' }] }, seed2(),
    { env: { OPENAI_API_KEY: 'sk-test' } });
  const r = await post(s, 'gpt-4o');
  assert.equal(r.status, 502, r.body);
  assert.equal((await callerRequestsSince(since)).length, 4, r.body);
  assert.equal(JSON.parse(r.body).error.attempts.length, 4);
  const health = (await curl([`${s.url}/health`])).body;
  assert.match(health, /"state":"cooling"/);
});

test('seed 2: retry_policy: RateLimitErrorRetries 3 means 4 attempts at a rate-limited server', async () => {
  const since = (await f.requests()).length;
  const limited = { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' },
    body: '{"error":{"message":"Rate limit reached","type":"requests"}}' };
  const s = await serve({ '/a': [limited, limited, limited, { reply: 'finally' }] }, seed2(),
    { env: { OPENAI_API_KEY: 'sk-test' } });
  const r = await post(s, 'gpt-4o');
  assert.equal(r.status, 200, r.body);
  assert.equal(content(r), 'finally');
  assert.equal((await requestsSince(since)).length, 4);
});

test('seed 3: least-busy sends a request to the deployment with nothing in flight', async () => {
  const text = example('least-busy.yaml');
  const env = { AZURE_EASTUS_API_BASE: `${f.base}/a`, AZURE_EASTUS_API_KEY: 'k-east',
    AZURE_WESTEUROPE_API_BASE: `${f.base}/b`, AZURE_WESTEUROPE_API_KEY: 'k-west' };
  const slow = { reply: 'slow', delay_ms: 1500 };
  const s = await serve({ '/a': [slow], '/b': [slow] }, text, { env });
  for (let round = 0; round < 3; round++) {
    const since = (await f.requests()).length;
    const first = post(s, 'gpt-4o');
    await waitFor(async () => (await requestsSince(since)).length === 1, 5000, 'the first request upstream');
    const second = post(s, 'gpt-4o');
    const [r1, r2] = await Promise.all([first, second]);
    assert.equal(r1.status, 200);
    assert.equal(r2.status, 200);
    const routes = (await requestsSince(since)).map((q) => q.route).sort();
    assert.deepEqual(routes, ['/a', '/b'], `round ${round}`);
  }
});

// Seed 4 with both deployments on the fake (OpenAI-format /a, Anthropic-format /c).
function seed4() {
  return example('minimal-gateway.yaml')
    .replace('model: gpt-4\n', `model: gpt-4\n      api_base: ${f.base}/a/v1\n`)
    .replace('model: claude-sonnet-4-6\n', `model: claude-sonnet-4-6\n      api_base: ${f.base}/c\n`);
}

const claude = { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({
  id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6',
  content: [{ type: 'text', text: 'from claude' }], stop_reason: 'end_turn', stop_sequence: null,
  usage: { input_tokens: 3, output_tokens: 2 } }) };

test('seed 4: primary-model (gpt-4, OpenAI) failing: num_retries 2, then backup-model on Anthropic', async () => {
  const since = (await f.requests()).length;
  const s = await serve({ '/a': [down], '/c': [claude] }, seed4(),
    { env: { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'sk-a' } });
  const r = await post(s, 'primary-model');
  assert.equal(r.status, 200, r.body);
  assert.equal(content(r), 'from claude');
  const reqs = await requestsSince(since);
  assert.deepEqual(reqs.map((q) => q.route), ['/a', '/a', '/a', '/c']);
  assert.equal(reqs[0].path, '/a/v1/chat/completions');
  assert.equal(reqs[3].path, '/c/v1/messages');
  const header = (q, name) => Object.entries(q.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  assert.equal(header(reqs[0], 'authorization'), 'Bearer sk-o');
  assert.equal(header(reqs[3], 'x-api-key'), 'sk-a');
});

test('every seed example loads (check --offline lints it, exit is about keys only)', async () => {
  for (const name of ['azure-fallback.yaml', 'retry-policy.yaml', 'least-busy.yaml', 'minimal-gateway.yaml']) {
    const r = await runDetour(['--config', join(EXAMPLES, name), 'check', '--offline', '--format', 'json']);
    const report = JSON.parse(r.stdout);
    const errors = report.findings.filter((x) => x.severity === 'error');
    assert.ok(errors.every((x) => /missing-env/.test(x.rule ?? x.id ?? JSON.stringify(x))),
      `${name}: ${JSON.stringify(errors)}`);
  }
});

test('an unsupported LiteLLM key exits 2 and is named with its line', async () => {
  const path = writeFile(seed1().replace('router_settings:\n', 'router_settings:\n  model_group_alias: {gpt-4o: gpt-4}\n'));
  const r = await runDetour(['--config', path, 'chat', 'hi']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /config\.yaml:20: router_settings\.model_group_alias: LiteLLM key "model_group_alias" is not supported by detour/);
});

test('a router_settings fragment exits 2 with a clear message', async () => {
  const path = writeFile('router_settings:\n  routing_strategy: least-busy\n');
  const r = await runDetour(['--config', path, 'chat', 'hi']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /config\.yaml: no model_list: this looks like a fragment of a LiteLLM config/);
});

test('config convert: the printed detour.toml carries no key and routes the same way', async () => {
  const yaml = seed1();
  const conv = await runDetour(['config', 'convert', writeFile(yaml)]);
  assert.equal(conv.code, 0, conv.stderr);
  assert.doesNotMatch(conv.stdout, /your-azure-api-key/);
  assert.match(conv.stdout, /api_key = "\$\{GPT_3_5_TURBO_API_KEY\}"/);
  const env = { GPT_3_5_TURBO_API_KEY: 'your-azure-api-key', GPT_4_API_KEY: 'your-azure-api-key' };
  const routes = { '/a': [down], '/b': [{ reply: 'from gpt-4' }] };
  const seen = [];
  for (const [text, name] of [[yaml, 'config.yaml'], [conv.stdout, 'detour.toml']]) {
    const since = (await f.requests()).length;
    const s = await serve(routes, text, { env, name });
    const r = await post(s, 'gpt-3.5-turbo');
    assert.equal(r.status, 200, r.body);
    const reqs = await requestsSince(since);
    seen.push(reqs.map((q) => `${q.route} ${q.path.split('?')[0]} ${q.headers['api-key']}`));
    await servers.pop().stop('SIGKILL');
  }
  assert.deepEqual(seen[1], seen[0]);
  assert.equal(seen[0].length, 4);
});
