// Hedged first tokens (SPEC 9 `[router.hedge]`): a request whose first token is late
// also goes to the next-best deployment, the first token wins, and the loser's upstream
// connection is closed at once, asserted at the fake upstream (which records when each
// answer's first token left and when the peer closed a connection). The budget bounds
// the share of hedged requests.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, startServe, writeConfig, curl, tempDir, waitFor } from './lib.mjs';

let f;
const servers = [];
before(async () => { f = await startFake({ routes: { '': [{ reply: 'unused' }] } }); });
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

// primary (slow, /a) falls back to backup (fast, /b); the hedge of primary goes there.
async function serve(routes, hedge, extra = '') {
  await f.setScript({ routes });
  const dir = tempDir();
  const usage = join(dir, 'usage.jsonl');
  const toml = `
[router]
${extra}
[router.hedge]
primary = ${hedge}
[router.fallbacks]
primary = ["backup"]
[usage]
log = "${usage}"

[[deployments]]
id = "slow"
model_name = "primary"
provider = "openai-compatible"
model = "up-slow"
api_base = "${f.base}/a/v1"

[[deployments]]
id = "fast"
model_name = "backup"
provider = "openai-compatible"
model = "up-fast"
api_base = "${f.base}/b/v1"
`;
  const s = await startServe(writeConfig(toml, dir));
  servers.push(s);
  s.usage = usage;
  return s;
}

function post(s, stream) {
  const body = { model: 'primary', stream, messages: [{ role: 'user', content: 'hi' }] };
  return curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json', '-N',
    '--data-binary', JSON.stringify(body)]);
}

async function chatRequests(since) {
  return (await f.requests()).slice(since).filter((q) => q.path.endsWith('/chat/completions'));
}

const streamText = (body) => body.split('\n').filter((l) => l.startsWith('data: {'))
  .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '').join('');

for (const stream of [true, false]) {
  test(`${stream ? 'stream' : 'non-stream'}: a late first token is hedged, the hedge wins, the loser's connection closes within 50 ms`, async (t) => {
    const slow = stream ? { stream: ['slow', ' answer'], first_chunk_delay_ms: 5000 } : { reply: 'slow answer', delay_ms: 5000 };
    const fast = stream ? { stream: ['fast', ' answer'] } : { reply: 'fast answer' };
    const s = await serve({ '/a': [slow], '/b': [fast] }, '{ after = "150ms", max_ratio = 1.0 }');
    const since = (await f.requests()).length;
    const t0 = Date.now();
    const r = await post(s, stream);
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 4000, 'answered long before the slow upstream would have');
    assert.equal(stream ? streamText(r.body) : JSON.parse(r.body).choices[0].message.content, 'fast answer');
    assert.equal(r.headers['x-detour-deployment'], 'fast');

    const [a, b] = await waitFor(async () => {
      const reqs = await chatRequests(since);
      return reqs.length === 2 && reqs[0].closed_ms !== null && reqs;
    }, 5000, 'the loser connection to close');
    assert.deepEqual([a.route, b.route], ['/a', '/b']);
    // The hedge waits `after` (150 ms) from the attempt's start; the first request's own
    // connect and send delay only shorten the gap seen here, so the bound is loose.
    assert.ok(b.time_ms - a.time_ms >= 50, `the hedge did not start at once (${b.time_ms - a.time_ms} ms)`);
    assert.equal(a.first_token_ms, null, 'the loser never sent a token');
    const closedAfter = a.closed_ms - b.first_token_ms;
    t.diagnostic(`loser closed ${closedAfter.toFixed(1)} ms after the winner's first token left the fake`);
    assert.ok(closedAfter >= 0 && closedAfter <= 50, `loser closed ${closedAfter} ms after the winner's first token`);

    // The caller's usage line: the winner's tokens, both attempts counted.
    const line = await waitFor(() => {
      try { return readFileSync(s.usage, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))[0]; } catch { return null; }
    }, 5000, 'the usage line');
    assert.equal(line.deployment, 'fast');
    assert.equal(line.attempts, 2);
    assert.equal(line.completion_tokens, 2);
    const metrics = (await curl([`${s.url}/metrics`])).body;
    assert.match(metrics, /detour_attempts_total\{deployment="slow",outcome="hedge_lost"\} 1\b/);
    assert.match(metrics, /detour_attempts_total\{deployment="fast",outcome="ok"\} 1\b/);
  });
}

test('a first token before `after` is not hedged', async () => {
  const s = await serve({ '/a': [{ stream: ['quick'], first_chunk_delay_ms: 10 }], '/b': [{ stream: ['never'] }] },
    '{ after = "1s", max_ratio = 1.0 }');
  const since = (await f.requests()).length;
  const r = await post(s, true);
  assert.equal(streamText(r.body), 'quick');
  assert.deepEqual((await chatRequests(since)).map((q) => q.route), ['/a']);
});

test('the budget: with max_ratio = 0.25, 8 slow requests make exactly 2 hedges', async () => {
  const s = await serve({ '/a': [{ stream: ['slow'], first_chunk_delay_ms: 400 }], '/b': [{ stream: ['fast'] }] },
    '{ after = "50ms", max_ratio = 0.25 }');
  const since = (await f.requests()).length;
  const answers = [];
  for (let i = 0; i < 8; ++i) answers.push(streamText((await post(s, true)).body));
  const routes = (await chatRequests(since)).map((q) => q.route);
  assert.equal(routes.filter((r) => r === '/a').length, 8);
  assert.equal(routes.filter((r) => r === '/b').length, 2);
  // Requests 4 and 8 are the ones the budget allows (1 hedge per 4 requests).
  assert.deepEqual(answers, ['slow', 'slow', 'slow', 'fast', 'slow', 'slow', 'slow', 'fast']);
});
