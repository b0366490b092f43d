// Secrets never leave: provider keys, client keys and access tokens appear in no log line
// (even at --log-level trace), no error body, no /health output, and go upstream only to
// their own deployment in their provider's header.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startServe, writeConfig, curl } from './lib.mjs';

const KEYS = {
  openai: 'sk-openai-SECRET-e2e-0001',
  anthropic: 'sk-ant-SECRET-e2e-0002',
  client: 'detour-client-SECRET-0003',
  gemini: 'gemini-SECRET-e2e-0004',
};
let f, s;
const bodies = [];

before(async () => {
  f = await startFake({ routes: { '': [{ reply: 'x' }] } });
  s = await startServe(writeConfig(`
[server]
api_keys = ["${KEYS.client}"]
[router]
num_retries = 0
[router.fallbacks]
primary = ["claude", "flash"]
[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_key = "${KEYS.openai}"
api_base = "${f.base}/a/v1"
[[deployments]]
id = "claude"
model_name = "claude"
provider = "anthropic"
model = "claude-sonnet-4-6"
api_key = "${KEYS.anthropic}"
api_base = "${f.base}/c"
[[deployments]]
id = "flash"
model_name = "flash"
provider = "gemini"
model = "gemini-2.5-flash"
api_key = "${KEYS.gemini}"
api_base = "${f.base}/g"
`), { globalArgs: ['--log-level', 'trace'] });
});
after(async () => { await s.stop(); await f.stop(); });

async function call(path, body, auth = `authorization: Bearer ${KEYS.client}`) {
  const r = await curl(['-X', body ? 'POST' : 'GET', `${s.url}${path}`, '-H', auth, '-H', 'content-type: application/json',
    ...(body ? ['--data-binary', JSON.stringify(body)] : [])]);
  bodies.push(JSON.stringify(r));
  return r;
}

test('no key in logs, bodies or /health, whatever the upstreams answer', async () => {
  // Upstream errors that echo the key back, as some servers do.
  await f.setScript({ routes: {
    '/a': [{ status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEYS.openai}` } }) }],
    '/c': [{ status: 401, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `bad key ${KEYS.anthropic}` } }) }],
    '/g': [{ status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 400, message: `API key not valid: ${KEYS.gemini}`, status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }] } }) }],
  } });
  const ask = { model: 'primary', messages: [{ role: 'user', content: 'hi' }] };
  await call('/v1/chat/completions', ask);
  await call('/v1/chat/completions', { ...ask, stream: true });
  await call('/v1/messages', { ...ask, max_tokens: 5 }, `x-api-key: ${KEYS.client}`);
  await call('/v1/chat/completions', ask, 'authorization: Bearer wrong');
  await call('/health');
  await s.stop('SIGTERM');
  const everything = [s.out.stdout, s.out.stderr, ...bodies].join('\n');
  assert.match(s.out.stderr, /attempt failed/);  // the log did talk about the failures
  for (const [name, key] of Object.entries(KEYS))
    assert.ok(!everything.includes(key), `${name} key leaked`);
  // Each provider key went only to its own deployment, in its own header.
  const reqs = await f.requests();
  for (const q of reqs.filter((r) => r.route === '/a')) {
    assert.equal(q.headers.Authorization, `Bearer ${KEYS.openai}`);
    assert.ok(!JSON.stringify(q).includes(KEYS.anthropic) && !JSON.stringify(q).includes(KEYS.client));
  }
  for (const q of reqs.filter((r) => r.route === '/c')) {
    assert.equal(q.headers['x-api-key'], KEYS.anthropic);
    assert.ok(!JSON.stringify(q).includes(KEYS.openai) && !JSON.stringify(q).includes(KEYS.client));
  }
  const g = reqs.filter((r) => r.route === '/g');
  assert.ok(g.length > 0, 'the gemini fallback was tried');
  for (const q of g) {
    assert.equal(q.headers['x-goog-api-key'], KEYS.gemini);
    assert.ok(!q.path.includes(KEYS.gemini), 'never the key in the URL');
    assert.ok(!JSON.stringify(q).includes(KEYS.openai) && !JSON.stringify(q).includes(KEYS.anthropic));
  }
});
