// Shared state in Redis ([state] backend = "redis", SPEC 9): two `detour serve` processes
// share one real redis-server, started here on a free loopback port (skipped with a
// message only when redis-server is not installed). Asserted through the fake upstream's
// hit counts: a deployment that failed on A is skipped by B; rpm = 10 across both lets
// exactly 10 requests through; a cached answer stored by A is served by B; Redis killed
// mid-run leaves both answering (degraded, local state), and they rejoin when it is back.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { startFake, startServe, writeConfig, curl, waitFor, tempDir } from './lib.mjs';

const haveRedis = spawnSync('redis-server', ['--version']).status === 0;
const skip = haveRedis ? false : 'redis-server is not installed (Debian: apt-get install redis-server)';

let f;
let redis;
let redisPort;
const servers = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// redis-server in the foreground, no persistence, loopback only.
async function startRedis(port) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', tempDir(), '--protected-mode', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await waitFor(() => out.includes('Ready to accept connections') || child.exitCode !== null, 10000, 'redis-server');
  if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
  return { child, async stop(sig = 'SIGTERM') { if (child.exitCode === null) child.kill(sig); await exited; } };
}

function redisCli(...args) {
  const r = spawnSync('redis-cli', ['-p', String(redisPort), ...args], { encoding: 'utf8' });
  return r.stdout.trim();
}

before(async () => {
  if (skip) return;
  f = await startFake({ routes: { '': [{ reply: 'unused' }] } });
  redisPort = await freePort();
  redis = await startRedis(redisPort);
});
afterEach(async () => {
  while (servers.length) await servers.pop().stop('SIGKILL');
  if (redis && redis.child.exitCode === null) redisCli('FLUSHALL');
});
after(async () => {
  if (redis) await redis.stop();
  if (f) await f.stop();
});

function toml({ router = '', a = '', extra = '', timeout = '5s' } = {}) {
  return `
[router]
timeout = "${timeout}"
num_retries = 0
${router}
[router.fallbacks]
primary = ["backup"]

[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_base = "${f.base}/a/v1"
${a}

[[deployments]]
id = "back"
model_name = "backup"
provider = "openai-compatible"
model = "up-backup"
api_base = "${f.base}/b/v1"

[state]
backend = "redis"
url = "redis://127.0.0.1:${redisPort}/0"
prefix = "e2e:"
${extra}
`;
}

// Two instances over one config; each waits until its link to Redis is up.
async function twoInstances(config) {
  const path = writeConfig(config);
  const pair = [];
  for (let i = 0; i < 2; i++) {
    const s = await startServe(path);
    servers.push(s);
    pair.push(s);
  }
  for (const s of pair) await waitFor(async () => (await health(s)).state_backend === 'ok', 10000, 'state_backend ok');
  return pair;
}

async function health(s) { return (await fetch(`${s.url}/health`)).json(); }

function post(s, content = 'hi', model = 'primary') {
  return curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '--data-binary', JSON.stringify({ model, messages: [{ role: 'user', content }] })]);
}

const dep = (h, id) => h.deployments.find((d) => d.id === id);

test('a deployment that failed on instance A is skipped by instance B\'s next request', { skip }, async () => {
  await f.setScript({ routes: { '/a': [{ status: 500 }], '/b': [{ reply: 'from backup' }] } });
  const [a, b] = await twoInstances(toml({ router: 'allowed_fails = 0\ncooldown = "60s"', a: 'health_probe = false' }));

  const first = await post(a);
  assert.equal(first.status, 200);
  assert.equal(JSON.parse(first.body).choices[0].message.content, 'from backup');
  assert.deepEqual(await f.hits(), { '/a': 1, '/b': 1 });

  // B learns of A's cooldown by pub/sub, before any request of its own (in milliseconds; the
  // bound is generous for a loaded CI machine).
  await waitFor(async () => dep(await health(b), 'prim').state === 'cooling', 3000, 'B to see prim cooling');
  const second = await post(b);
  assert.equal(second.status, 200);
  assert.equal(second.headers['x-detour-attempts'], '1');
  assert.deepEqual(await f.hits(), { '/a': 1, '/b': 2 });
  assert.equal(redisCli('--raw', 'TTL', 'e2e:prim:cd') > 0, true);
});

test('rpm = 10 across two instances hammered concurrently lets exactly 10 through', { skip }, async () => {
  await f.setScript({ routes: { '/a': [{ reply: 'ok' }], '/b': [{ reply: 'ok' }] } });
  const [a, b] = await twoInstances(toml({ timeout: '1s', a: 'rpm = 10' }).replace('primary = ["backup"]', ''));
  const all = [];
  for (let i = 0; i < 20; i++) { all.push(post(a, `a${i}`)); all.push(post(b, `b${i}`)); }
  const results = await Promise.all(all);
  const ok = results.filter((r) => r.status === 200).length;
  const odd = results.filter((r) => r.status !== 200 && r.status !== 429).map((r) => `${r.exit} ${r.stderr} ${r.body}`);
  const warnings = (s) => s.out.stderr.split('\n').filter((l) => !l.includes(' info request ')).join('\n');
  assert.equal(ok, 10, `statuses: ${results.map((r) => r.status).join(',')} odd: ${odd} A: ${warnings(a)} B: ${warnings(b)}`);
  assert.deepEqual(await f.hits(), { '/a': 10 });
  assert.equal(redisCli('ZCARD', 'e2e:prim:rpm'), '10');
});

test('a cached answer stored by instance A is served by instance B', { skip }, async () => {
  await f.setScript({ routes: { '/a': [{ reply: 'the one answer' }] } });
  const [a, b] = await twoInstances(toml({ extra: '[cache]\nenabled = true' }));
  const miss = await post(a, 'cache me');
  assert.equal(miss.status, 200);
  assert.equal(miss.headers['x-detour-cache'], 'miss');
  await waitFor(() => redisCli('--scan', '--pattern', 'e2e:cache:*') !== '', 2000, 'the entry in redis');
  const hit = await post(b, 'cache me');
  assert.equal(hit.status, 200);
  assert.equal(hit.headers['x-detour-cache'], 'hit');
  assert.equal(JSON.parse(hit.body).choices[0].message.content, 'the one answer');
  assert.deepEqual(await f.hits(), { '/a': 1 });
});

test('Redis killed mid-run: both keep answering on local state; restarted: they rejoin', { skip }, async () => {
  await f.setScript({ routes: { '/a': [{ reply: 'ok' }] } });
  const [a, b] = await twoInstances(toml({ a: 'rpm = 100000', extra: '[cache]\nenabled = true' }));
  let n = 0;
  const burst = async () => {
    const rs = await Promise.all([a, b, a, b].map((s) => post(s, `q${n++}`)));
    for (const r of rs) assert.equal(r.status, 200, `exit ${r.exit}: ${r.body} ${r.stderr} A: ${a.out.stderr} B: ${b.out.stderr}`);
  };
  await burst();
  const logAtKill = [a, b].map((s) => s.out.stderr.length);
  await redis.stop('SIGKILL');
  await burst();  // the first calls after the kill find the link broken
  for (const s of [a, b]) await waitFor(async () => (await health(s)).state_backend === 'degraded', 5000, 'degraded');
  await burst();
  const metrics = await (await fetch(`${a.url}/metrics`)).text();
  assert.match(metrics, /\ndetour_state_backend_up 0\n/);

  const logAtRestart = [a, b].map((s) => s.out.stderr.length);
  redis = await startRedis(redisPort);
  for (const s of [a, b]) await waitFor(async () => (await health(s)).state_backend === 'ok', 10000, 'rejoined');
  await burst();
  await waitFor(async () => /\ndetour_state_backend_up 1\n/.test(await (await fetch(`${b.url}/metrics`)).text()),
    5000, 'the gauge back at 1');
  // The outage is logged once, not per request or reconnect attempt (none at all when a
  // slow round trip just before the kill had already logged it).
  [a, b].forEach((s, i) => {
    const during = s.out.stderr.slice(logAtKill[i], logAtRestart[i]);
    assert.ok((during.match(/routing on local state/g)?.length ?? 0) <= 1, during);
    assert.match(s.out.stderr, /routing on local state/);
    assert.match(s.out.stderr.slice(logAtRestart[i]), /is back; sharing state again/);
  });
});
