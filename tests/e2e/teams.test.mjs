// Teams and budgets (SPEC 9) through `detour serve` against the fake upstream: a request's
// team is its client key's team (or, with no keys, the x-detour-team header); a team over
// its budget gets 429 budget_exceeded with Retry-After and no upstream request, in the
// surface's own error shape, while another team is still served.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { startFake, startServe, writeConfig, curl, waitFor } from './lib.mjs';

let f;
const servers = [];
before(async () => { f = await startFake({ routes: { '': [{ reply: 'unused' }] } }); });
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

// 1 USD per million tokens each way: a request of a few tokens costs a few micro-dollars,
// over the search team's budget of one micro-dollar.
function toml(server) {
  return `
[server]
${server}

[router]
timeout = "5s"

[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_base = "${f.base}/a/v1"
price = { input = 1.0, output = 1.0 }
`;
}

const KEYS = `api_keys = [
  { key = "sk-search", team = "search", budget = { usd = 0.000001, per = "day" } },
  { key = "sk-chat", team = "chat", budget = { usd = 5, per = "month" } },
  "sk-plain",
]`;

async function serve(server) {
  await f.setScript({ routes: { '/a': [{ reply: 'answer', usage: { prompt_tokens: 10, completion_tokens: 5 } }] } });
  const path = writeConfig(toml(server));
  const s = await startServe(path);
  s.path = path;
  servers.push(s);
  return s;
}

function post(s, headers, path = '/v1/chat/completions', body = null) {
  const b = body ?? { model: 'primary', messages: [{ role: 'user', content: 'hi' }] };
  return curl(['-X', 'POST', `${s.url}${path}`, '-H', 'content-type: application/json',
    ...headers.flatMap((h) => ['-H', h]), '--data-binary', JSON.stringify(b)]);
}
const bearer = (k) => [`authorization: Bearer ${k}`];
const upstreamHits = async () => Object.values(await f.hits()).reduce((a, b) => a + b, 0);

test('a team over its daily budget gets 429 budget_exceeded with Retry-After and no upstream call; other teams are served', async () => {
  const s = await serve(KEYS);
  const first = await post(s, bearer('sk-search'));
  assert.equal(first.status, 200, first.body);
  assert.equal(first.headers['x-detour-cost-usd'], '0.000015');

  const hits = await upstreamHits();
  const over = await post(s, bearer('sk-search'));
  assert.equal(over.status, 429, over.body);
  const err = JSON.parse(over.body).error;
  assert.equal(err.code, 'budget_exceeded');
  assert.equal(err.type, 'rate_limit_error');
  assert.match(err.message, /team "search" has spent \$0\.000015 of its \$0\.000001 budget per day/);
  const retryAfter = Number(over.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 86400, `Retry-After ${over.headers['retry-after']}`);
  assert.equal(await upstreamHits(), hits, 'no upstream request for a team over budget');

  // The Anthropic front door answers in Anthropic's error shape, with x-api-key.
  const msg = await post(s, ['x-api-key: sk-search', 'anthropic-version: 2023-06-01'], '/v1/messages',
    { model: 'primary', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(msg.status, 429, msg.body);
  assert.equal(JSON.parse(msg.body).type, 'error');
  // The same reset time (a second boundary may pass between the two requests).
  assert.ok(Math.abs(Number(msg.headers['retry-after']) - retryAfter) <= 1, `Retry-After ${msg.headers['retry-after']} vs ${retryAfter}`);
  assert.equal(await upstreamHits(), hits);

  // Embeddings are spend too: refused the same way.
  const emb = await post(s, bearer('sk-search'), '/v1/embeddings', { model: 'primary', input: 'x' });
  assert.equal(emb.status, 429);
  assert.equal(await upstreamHits(), hits);

  // Another team, and a plain key (team "default", no budget), are unaffected.
  for (const key of ['sk-chat', 'sk-plain']) {
    const ok = await post(s, bearer(key));
    assert.equal(ok.status, 200, `${key}: ${ok.body}`);
  }
  assert.equal(await upstreamHits(), hits + 2);

  // A wrong key is still a 401, not a budget answer.
  assert.equal((await post(s, bearer('sk-nobody'))).status, 401);
});

test('a budget per month counts the same spend, and a reload can raise it', async () => {
  const s = await serve(`api_keys = [{ key = "sk-m", team = "m", budget = { usd = 0.00001, per = "month" } }]`);
  assert.equal((await post(s, bearer('sk-m'))).status, 200);  // 0.000015 spent: now over
  const over = await post(s, bearer('sk-m'));
  assert.equal(over.status, 429);
  assert.match(JSON.parse(over.body).error.message, /budget per month/);
  const retryAfter = Number(over.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= 31 * 86400);

  // SIGHUP with a larger budget: the spend so far is kept, the team is served again.
  writeFileSync(s.path, toml(`api_keys = [{ key = "sk-m", team = "m", budget = { usd = 1, per = "month" } }]`));
  s.child.kill('SIGHUP');
  await waitFor(() => s.out.stderr.includes('config reloaded'), 10000, 'the reload');
  assert.equal((await post(s, bearer('sk-m'))).status, 200);
});

test('with no keys, x-detour-team names the team; a malformed one is a 400 naming the header', async () => {
  const s = await serve('');
  assert.equal((await post(s, ['x-detour-team: search'])).status, 200);
  assert.equal((await post(s, [])).status, 200);
  const bad = await post(s, ['x-detour-team: no spaces allowed']);
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).error.param, 'x-detour-team');
});

// Samples of one metric family from the Prometheus text: [{labels, value}].
function samples(text, name) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-z_]+)\{(.*)\} (\S+)$/);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}
const sumWhere = (list, pred) => list.filter((s) => pred(s.labels)).reduce((a, s) => a + s.value, 0);

test('usage log and /metrics split exactly by team; a budget holds across a restart through the usage log', async () => {
  const dir = (await import('./lib.mjs')).tempDir();
  const log = `${dir}/usage.jsonl`;
  const server = `api_keys = [
  { key = "sk-search", team = "search", budget = { usd = 0.00002, per = "day" } },
  { key = "sk-chat", team = "chat" },
]`;
  await f.setScript({ routes: { '/a': [{ reply: 'answer', usage: { prompt_tokens: 10, completion_tokens: 5 } }] } });
  const path = writeConfig(toml(server) + `\n[usage]\nlog = "${log}"\n`, dir);
  let s = await startServe(path);
  servers.push(s);
  const cost = { search: 0, chat: 0 };
  for (const [team, key] of [['search', 'sk-search'], ['chat', 'sk-chat'], ['search', 'sk-search'], ['chat', 'sk-chat']]) {
    const r = await post(s, bearer(key));
    assert.equal(r.status, 200, r.body);
    cost[team] += Number(r.headers['x-detour-cost-usd']);
  }
  // 0.00003 spent by search: over its 0.00002.
  assert.equal((await post(s, bearer('sk-search'))).status, 429);

  const metrics = (await curl([`${s.url}/metrics`, '-H', 'authorization: Bearer sk-chat'])).body;
  const reqs = samples(metrics, 'detour_requests_total');
  assert.equal(sumWhere(reqs, (l) => l.team === 'search'), 2);
  assert.equal(sumWhere(reqs, (l) => l.team === 'chat'), 2);
  const costs = samples(metrics, 'detour_cost_usd_total');
  assert.ok(Math.abs(sumWhere(costs, (l) => l.team === 'search') - cost.search) < 1e-12);
  assert.ok(Math.abs(sumWhere(costs, (l) => l.team === 'chat') - cost.chat) < 1e-12);
  const tokens = samples(metrics, 'detour_tokens_total');
  assert.equal(sumWhere(tokens, (l) => l.team === 'search'), 30);

  await s.stop('SIGTERM');
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const served = lines.filter((l) => l.status === 200);
  assert.equal(served.length, 4);
  for (const team of ['search', 'chat']) {
    const mine = served.filter((l) => l.team === team);
    assert.equal(mine.length, 2);
    assert.ok(Math.abs(mine.reduce((a, l) => a + l.cost_usd, 0) - cost[team]) < 1e-12);
  }
  assert.ok(!readFileSync(log, 'utf8').includes('sk-'), 'no key in the usage log');

  // A restart reads today's spend back from the usage log: still over, no upstream call.
  s = await startServe(path);
  servers.push(s);
  const hits = await upstreamHits();
  const over = await post(s, bearer('sk-search'));
  assert.equal(over.status, 429, over.body);
  assert.equal(JSON.parse(over.body).error.code, 'budget_exceeded');
  assert.equal(await upstreamHits(), hits);
  assert.equal((await post(s, bearer('sk-chat'))).status, 200);
});
