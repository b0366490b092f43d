// Session affinity (SPEC 9 `session_affinity`): a conversation through a group of three
// deployments stays on one (asserted at the fake upstream), moves once when that one
// fails, and stays on the new one, even after the old one recovers. Cache-read tokens
// from the providers' usage show per deployment in /metrics and /health.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startServe, writeConfig, curl } from './lib.mjs';

let f;
const servers = [];
const ROUTES = ['/a', '/b', '/c'];
const ok = (name) => ({ reply: `from ${name}`, usage: { prompt_tokens: 100, prompt_tokens_details: { cached_tokens: 64 } } });
const healthy = () => Object.fromEntries(ROUTES.map((r) => [r, [ok(r)]]));

before(async () => { f = await startFake({ routes: healthy() }); });
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

async function serve() {
  await f.setScript({ routes: healthy() });
  const deployments = ROUTES.map((r) => `
[[deployments]]
id = "dep${r.slice(1)}"
model_name = "chat"
provider = "openai-compatible"
model = "m${r.slice(1)}"
api_base = "${f.base}${r}/v1"
`).join('');
  const toml = `[router]\nsession_affinity = true\nbackoff = { base = "5ms", max = "10ms" }\n${deployments}`;
  const s = await startServe(writeConfig(toml));
  servers.push(s);
  return s;
}

// One conversation: a fixed system prompt and opening, then a turn per call.
function conversation(s, headers = []) {
  const messages = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Plan a trip.' }];
  return async () => {
    const r = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
      ...headers.flatMap((h) => ['-H', h]), '--data-binary', JSON.stringify({ model: 'chat', messages })]);
    assert.equal(r.status, 200, r.body);
    messages.push({ role: 'assistant', content: JSON.parse(r.body).choices[0].message.content });
    messages.push({ role: 'user', content: `and then ${messages.length}?` });
    return r;
  };
}

async function routesSince(since) {
  return (await f.requests()).slice(since).filter((q) => q.path.endsWith('/chat/completions')).map((q) => q.route);
}

test('a 20-turn conversation stays on one deployment, moves once when it fails, stays on the new one', async () => {
  const s = await serve();
  const turn = conversation(s);
  let since = (await f.requests()).length;
  for (let i = 0; i < 20; ++i) await turn();
  const first = await routesSince(since);
  assert.equal(first.length, 20);
  const home = first[0];
  assert.deepEqual(first, Array(20).fill(home), 'every turn at the same deployment');

  // The home deployment fails: the next turn retries elsewhere and the session moves.
  await f.setScript({ routes: { ...healthy(), [home]: [{ status: 500, body: '{"error":{"message":"down"}}' }] } });
  since = (await f.requests()).length;
  await turn();
  const moved = await routesSince(since);
  assert.equal(moved.length, 2);
  assert.equal(moved[0], home);
  const next = moved[1];
  assert.notEqual(next, home);

  // Home recovers; the session stays where it moved.
  await f.setScript({ routes: healthy() });
  since = (await f.requests()).length;
  for (let i = 0; i < 10; ++i) await turn();
  assert.deepEqual(await routesSince(since), Array(10).fill(next));

  // 31 answers, 64 cache-read tokens each, split between the two deployments that answered.
  const m = await curl([`${s.url}/metrics`]);
  const count = (r) => Number((m.body.match(new RegExp(`detour_cache_read_tokens_total\\{deployment="dep${r.slice(1)}"\\} (\\d+)`)) ?? [0, 0])[1]);
  assert.equal(count(home), 20 * 64);
  assert.equal(count(next), 11 * 64);
  const health = JSON.parse((await curl([`${s.url}/health`])).body);
  const byId = Object.fromEntries(health.deployments.map((d) => [d.id, d.cache_read_tokens]));
  assert.equal(byId[`dep${home.slice(1)}`], 20 * 64);
  assert.equal(byId[`dep${next.slice(1)}`], 11 * 64);
});

test('conversations keyed by x-detour-session spread over the group and each stays put', async () => {
  const s = await serve();
  const homes = new Set();
  for (let c = 0; c < 12; ++c) {
    const turn = conversation(s, [`x-detour-session: conv-${c}`]);
    const since = (await f.requests()).length;
    for (let i = 0; i < 3; ++i) await turn();
    const routes = await routesSince(since);
    assert.deepEqual(routes, Array(3).fill(routes[0]), `conversation ${c} stays on one deployment`);
    homes.add(routes[0]);
  }
  // Same system prompt and opening in every conversation: only the header tells them
  // apart, so they are not all pinned to one deployment (all 12 on one: p = 3^-11).
  assert.ok(homes.size > 1, `sessions spread: ${[...homes]}`);
});
