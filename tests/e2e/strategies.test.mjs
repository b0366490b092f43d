// The latency- and cost-aware strategies (SPEC 3.4) through `detour serve` against two
// deployments on the fake upstream, asserted by where the traffic lands
// (x-detour-deployment) and by the fake's hit counts.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startServe, writeConfig, curl } from './lib.mjs';

let f;
const servers = [];
before(async () => { f = await startFake({ routes: { '': [{ reply: 'unused' }] } }); });
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

function toml(strategy, a = '', b = '') {
  return `
[router]
strategy = "${strategy}"
timeout = "5s"

[[deployments]]
id = "a"
model_name = "g"
provider = "openai-compatible"
model = "up-a"
api_base = "${f.base}/a/v1"
${a}

[[deployments]]
id = "b"
model_name = "g"
provider = "openai-compatible"
model = "up-b"
api_base = "${f.base}/b/v1"
${b}
`;
}

async function serve(routes, ...args) {
  await f.setScript({ routes });
  const s = await startServe(writeConfig(toml(...args)));
  servers.push(s);
  return s;
}

async function ask(s, extra = {}) {
  const r = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '--data-binary', JSON.stringify({ model: 'g', messages: [{ role: 'user', content: 'hi' }], ...extra }), '-N']);
  assert.equal(r.status, 200, r.body);
  return r.headers['x-detour-deployment'];
}

async function tally(s, n, extra) {
  const out = { a: 0, b: 0 };
  for (let i = 0; i < n; i++) out[await ask(s, extra)]++;
  return out;
}

test('lowest-latency sends most traffic to the faster deployment, and shifts when it slows', async () => {
  const fast = { reply: 'fast' };
  const slow = (ms) => ({ reply: 'slow', delay_ms: ms });
  const s = await serve({ '/a': [fast], '/b': [slow(80)] }, 'lowest-latency');
  const first = await tally(s, 16);
  assert.ok(first.a >= 14, `fast a should take most traffic: ${JSON.stringify(first)}`);

  // a slows down (the fake's new script; b keeps its 80 ms): its EWMA climbs past b's
  // within a few answers and the traffic moves.
  await f.setScript({ routes: { '/a': [slow(300)], '/b': [slow(80)] } });
  const after = await tally(s, 16);
  assert.ok(after.b >= 11, `traffic should move to b: ${JSON.stringify(after)}`);
  const hits = await f.hits();
  assert.ok((hits['/a'] ?? 0) <= 5, `a answered ${hits['/a']} slow requests`);
});

test('lowest-latency ranks streams by time to first token', async () => {
  // a: the first token at once, then slow chunks; b: a slow first token, then quick.
  const s = await serve({
    '/a': [{ stream: ['a1', 'a2', 'a3'], chunk_interval_ms: 50 }],
    '/b': [{ stream: ['b1', 'b2', 'b3'], first_chunk_delay_ms: 80 }],
  }, 'lowest-latency');
  const streams = await tally(s, 10, { stream: true });
  assert.ok(streams.a >= 9, `streams should go to a: ${JSON.stringify(streams)}`);
});

test('cost picks the cheaper deployment', async () => {
  const s = await serve({ '/a': [{ reply: 'dear' }], '/b': [{ reply: 'cheap' }] }, 'cost',
    'price = { input = 3.0, output = 15.0 }', 'price = { input = 0.25, output = 1.25 }');
  assert.deepEqual(await tally(s, 10), { a: 0, b: 10 });
  assert.deepEqual(await f.hits(), { '/b': 10 });
});

test('cost: equal prices are ranked by latency', async () => {
  const s = await serve({ '/a': [{ reply: 'slow', delay_ms: 120 }], '/b': [{ reply: 'quick' }] }, 'cost',
    'price = { input = 1.0, output = 2.0 }', 'price = { input = 1.0, output = 2.0 }');
  const t = await tally(s, 12);
  assert.ok(t.b >= 11, `the quicker of two equal prices should win: ${JSON.stringify(t)}`);
});
