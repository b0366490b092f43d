// `detour serve` against a rate-limiting upstream, measured at the upstream: how many
// attempts the primary gets and when, and that background probes wait for Retry-After.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startServe, writeConfig, curl, waitFor, primaryBackupToml } from './lib.mjs';

let f;
const servers = [];
before(async () => { f = await startFake({ routes: { '': [{ reply: 'unused' }] } }); });
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

const rateLimited = (retryAfter) => ({
  status: 429, headers: { 'retry-after': retryAfter, 'content-type': 'application/json' },
  body: '{"error":{"message":"Rate limit reached","type":"requests"}}',
});

async function serve(routes, router) {
  await f.setScript({ routes });
  const toml = primaryBackupToml(f.base, {
    router: `backoff = { base = "10ms", max = "50ms" }\n${router}`,
    a: 'id = "prim"', b: 'id = "back"',
  });
  const s = await startServe(writeConfig(toml));
  servers.push(s);
  return s;
}

function post(s) {
  return curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '--data-binary', JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] })]);
}

// Requests that reached the fake since `since` (its request log outlives setScript).
async function requestsSince(since) { return (await f.requests()).slice(since); }

test('429 + Retry-After: 1 on every request: exactly 3 attempts at the primary, >= 1 s apart, then the fallback', async () => {
  const before = (await f.requests()).length;
  const s = await serve({ '/a': [rateLimited('1')], '/b': [{ reply: 'from backup' }] },
    'num_retries = 2\n[router.retry_policy]\nrate_limit = 2');
  const r = await post(s);
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).choices[0].message.content, 'from backup');
  assert.equal(r.headers['x-detour-attempts'], '4');
  const reqs = (await requestsSince(before)).filter((q) => q.path.endsWith('/chat/completions'));
  assert.deepEqual(reqs.map((q) => q.route), ['/a', '/a', '/a', '/b']);
  assert.ok(reqs[1].time_ms - reqs[0].time_ms >= 990, `gap 1: ${reqs[1].time_ms - reqs[0].time_ms}`);
  assert.ok(reqs[2].time_ms - reqs[1].time_ms >= 990, `gap 2: ${reqs[2].time_ms - reqs[1].time_ms}`);
  assert.ok(reqs[3].time_ms - reqs[2].time_ms < 900, 'the fallback goes at once');
});

test('a rate-limited primary is not probed before its Retry-After ends', async () => {
  const before = (await f.requests()).length;
  // Retry-After 3 s is over max_retry_after: the request falls back at once and the
  // primary cools for 3 s. Probes run every 200 ms, but must not touch it before then.
  const s = await serve({ '/a': [rateLimited('3'), { reply: 'primary again' }], '/b': [{ reply: 'backup' }] },
    'num_retries = 1\nmax_retry_after = "1s"\nprobe_interval = "200ms"');
  const t0 = Date.now();
  const r = await post(s);
  assert.equal(JSON.parse(r.body).choices[0].message.content, 'backup');
  // Watch the upstream for 2.5 s: nothing reaches /a.
  await new Promise((res) => setTimeout(res, Math.max(0, 2500 - (Date.now() - t0))));
  const early = (await requestsSince(before)).filter((q) => q.route === '/a');
  assert.equal(early.length, 1, 'only the request itself reached the primary');
  // After Retry-After the primary serves again (half-open on the next request).
  await waitFor(async () => {
    const again = await post(s);
    return JSON.parse(again.body).choices[0].message.content === 'primary again';
  }, 5000, 'the primary to serve again after Retry-After');
  const reqs = (await requestsSince(before)).filter((q) => q.route === '/a');
  assert.ok(reqs[1].time_ms - reqs[0].time_ms >= 2990, `second hit ${reqs[1].time_ms - reqs[0].time_ms} ms after the 429`);
});
