// The pre-flight context-window check (SPEC 9 `context_window`): a prompt clearly over a
// deployment's window never reaches it (asserted at the fake upstream), the group's
// context_window_fallbacks answer, the attempt list shows the skip; a prompt near the
// limit is still sent.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startServe, writeConfig, curl } from './lib.mjs';

let f;
const servers = [];
before(async () => {
  f = await startFake({ routes: { '/a': [{ reply: 'from primary' }], '/b': [{ reply: 'from long' }] } });
});
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

function config({ fallbacks = true } = {}) {
  return `
[router.context_window_fallbacks]
${fallbacks ? 'primary = ["long"]' : ''}

[[deployments]]
id = "small"
model_name = "primary"
provider = "openai-compatible"
model = "up-small"
api_base = "${f.base}/a/v1"
context_window = 1000

[[deployments]]
id = "big"
model_name = "long"
provider = "openai-compatible"
model = "up-big"
api_base = "${f.base}/b/v1"
`;
}

async function serve(opts) {
  const s = await startServe(writeConfig(config(opts)));
  servers.push(s);
  return s;
}

function post(s, bytes) {
  const body = { model: 'primary', messages: [{ role: 'user', content: 'x'.repeat(bytes) }] };
  return curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '--data-binary', JSON.stringify(body)]);
}

async function chatHits(since) {
  return (await f.requests()).slice(since).filter((q) => q.path.endsWith('/chat/completions')).map((q) => q.route);
}

test('a prompt clearly over the window never reaches the deployment; the context_window fallback answers', async () => {
  const s = await serve();
  const before = (await f.requests()).length;
  const r = await post(s, 8000);  // about 2000 tokens against a window of 1000
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).choices[0].message.content, 'from long');
  assert.equal(r.headers['x-detour-deployment'], 'big');
  assert.deepEqual(await chatHits(before), ['/b'], 'the small deployment got no request');
});

test('a prompt near the limit is still sent', async () => {
  const s = await serve();
  const before = (await f.requests()).length;
  const r = await post(s, 4400);  // 1100 estimated tokens: within the 10% margin of 1000
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).choices[0].message.content, 'from primary');
  assert.deepEqual(await chatHits(before), ['/a']);
});

test('with no context_window_fallbacks: a 400 whose attempt list shows the skip and its estimate', async () => {
  const s = await serve({ fallbacks: false });
  const before = (await f.requests()).length;
  const r = await post(s, 8000);
  assert.equal(r.status, 400);
  const err = JSON.parse(r.body).error;
  assert.equal(err.code, 'context_window');
  assert.deepEqual(err.attempts.map((a) => ({ ...a, message: undefined })), [{
    deployment: 'small', kind: 'context_window', status: 0, message: undefined, elapsed_ms: 0,
    skipped: true, estimate_tokens: 2000, context_window: 1000,
  }]);
  assert.deepEqual(await chatHits(before), [], 'nothing was sent upstream');
});
