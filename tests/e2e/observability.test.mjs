// Observability (SPEC 5, 8, 9) through the real `detour serve` against the fake upstream:
// a failing primary and a healthy fallback, then exact counters on GET /metrics (parsed
// by a Prometheus text-format checker, not grepped), exact usage-log and [record] lines
// and costs, JSON logs that parse line by line, OTLP spans received by a collector on
// loopback, and no configured key anywhere in any of it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, startServe, writeConfig, curl, waitFor, tempDir } from './lib.mjs';

const SECRETS = ['sk-upstream-secret-a', 'sk-upstream-secret-b', 'sk-client-default', 'sk-client-search'];
// back: 2 USD per million prompt tokens, 4 per million completion tokens; every answer
// is 10 prompt + 5 completion tokens, so 10*2e-6 + 5*4e-6 = 4e-5 USD.
const COST = 10 * 2e-6 + 5 * 4e-6;

let f;
let collector;
const spans = [];
const otlpRequests = [];

before(async () => {
  f = await startFake({ routes: { '': [{ reply: 'unused' }] } });
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      otlpRequests.push({ path: req.url, type: req.headers['content-type'] });
      for (const rs of JSON.parse(body).resourceSpans)
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, resource: rs.resource });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => collector.listen(0, '127.0.0.1', r));
});
after(async () => {
  await f.stop();
  await new Promise((r) => collector.close(r));
});

// A checker of the text exposition format 0.0.4: returns the samples and fails the test
// on any line outside the grammar, a family without HELP and TYPE before its samples,
// samples of a family split apart, or a histogram whose buckets are not cumulative or
// whose +Inf bucket is not its _count.
function parseProm(text) {
  const types = new Map();
  const helped = new Set();
  const samples = [];
  const closed = new Set();
  let current = null;
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  const labelValue = String.raw`(?:[^"\\\n]|\\[\\"n])*`;
  const sampleRe = new RegExp(String.raw`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="${labelValue}",?)*)\})? (\S+)$`);
  const labelRe = new RegExp(String.raw`([a-zA-Z_][a-zA-Z0-9_]*)="(${labelValue})"`, 'g');
  const family = (name) => {
    for (const suf of ['_bucket', '_sum', '_count'])
      if (name.endsWith(suf) && types.get(name.slice(0, -suf.length)) === 'histogram') return name.slice(0, -suf.length);
    return name;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    let m;
    if ((m = line.match(/^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/))) {
      assert.ok(!helped.has(m[1]), `one HELP for ${m[1]}`);
      helped.add(m[1]);
    } else if ((m = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/))) {
      assert.ok(helped.has(m[1]), `HELP before TYPE for ${m[1]}`);
      assert.ok(!types.has(m[1]), `one TYPE for ${m[1]}`);
      types.set(m[1], m[2]);
    } else {
      m = line.match(sampleRe);
      assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
      const labels = {};
      for (const l of (m[2] ?? '').matchAll(labelRe))
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
      assert.match(m[3], /^([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)$/, `a value: ${line}`);
      const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
      const fam = family(m[1]);
      assert.ok(types.has(fam), `TYPE before the samples of ${fam}`);
      if (fam !== current) {
        assert.ok(!closed.has(fam), `the samples of ${fam} together`);
        if (current) closed.add(current);
        current = fam;
      }
      samples.push({ name: m[1], labels, value });
    }
  }
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    const buckets = samples.filter((s) => s.name === `${name}_bucket`);
    const bounds = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(bounds[i] > bounds[i - 1], `${name}: le increasing`);
      assert.ok(buckets[i].value >= buckets[i - 1].value, `${name}: buckets cumulative`);
    }
    assert.equal(bounds.at(-1), Infinity, `${name}: a +Inf bucket`);
    const count = samples.find((s) => s.name === `${name}_count`);
    assert.equal(buckets.at(-1).value, count.value, `${name}: +Inf bucket == _count`);
    assert.ok(samples.some((s) => s.name === `${name}_sum`), `${name}: _sum`);
  }
  return { types, samples };
}

// name -> { 'k=v,k=v': value }, labels sorted, for exact comparisons.
function byLabels(samples, name) {
  const out = {};
  for (const s of samples.filter((x) => x.name === name))
    out[Object.keys(s.labels).sort().map((k) => `${k}=${s.labels[k]}`).join(',')] = s.value;
  return out;
}

function config(dir) {
  return `
[server]
api_keys = ["sk-client-default", { key = "sk-client-search", team = "search" }]

[router]
num_retries = 0
allowed_fails = 100
timeout = "5s"

[router.fallbacks]
primary = ["backup"]

[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_key = "sk-upstream-secret-a"
api_base = "${f.base}/a/v1"
price = { input = 1.0, output = 1.0 }

[[deployments]]
id = "back"
model_name = "backup"
provider = "openai-compatible"
model = "up-backup"
api_key = "sk-upstream-secret-b"
api_base = "${f.base}/b/v1"
price = { input = 2.0, output = 4.0 }

[usage]
log = "${join(dir, 'usage.jsonl')}"

[record]
path = "${join(dir, 'record.jsonl')}"

[telemetry]
otlp_endpoint = "http://127.0.0.1:${collector.address().port}"
service_name = "detour-e2e"
`;
}

const lines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l) : []);

function chat(s, key, { stream = false, model = 'primary' } = {}) {
  return curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
    '-H', `authorization: Bearer ${key}`, '--data-binary',
    JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'a secret prompt' }] })]);
}

test('a failing primary and a healthy fallback: exact /metrics, usage and record lines, JSON logs, OTLP spans, no secrets', async () => {
  const dir = tempDir();
  await f.setScript({ routes: {
    '/a': [{ status: 500, body: '{"error":{"message":"primary is down"}}' }],
    '/b': [{ reply: 'fine', usage: { prompt_tokens: 10, completion_tokens: 5 } }],
  } });
  const s = await startServe(writeConfig(config(dir), dir), { globalArgs: ['--log-format', 'json'] });
  try {
    const answers = [];
    answers.push(await chat(s, 'sk-client-default'));
    answers.push(await chat(s, 'sk-client-default'));
    answers.push(await chat(s, 'sk-client-search'));
    await f.setScript({ routes: {
      '/a': [{ status: 500, body: '{"error":{"message":"primary is down"}}' }],
      '/b': [{ stream: ['fi', 'ne'], usage: { prompt_tokens: 10, completion_tokens: 5 } }],
    } });
    answers.push(await chat(s, 'sk-client-default', { stream: true }));
    for (const r of answers) {
      assert.equal(r.status, 200, r.body);
      assert.equal(r.headers['x-detour-deployment'], 'back');
      assert.equal(r.headers['x-detour-attempts'], '2');
    }
    // The cost header of buffered answers (a stream's headers leave before its usage).
    for (const r of answers.slice(0, 3)) assert.equal(r.headers['x-detour-cost-usd'], '0.000040');
    assert.match(answers[3].body, /data: \[DONE\]/);
    const unknown = await chat(s, 'sk-client-default', { model: 'no-such-model' });
    assert.equal(unknown.status, 404);

    // /metrics needs a client key like every path but /healthz.
    assert.equal((await curl([`${s.url}/metrics`])).status, 401);
    const m = await curl([`${s.url}/metrics`, '-H', 'authorization: Bearer sk-client-search']);
    assert.equal(m.status, 200);
    assert.equal(m.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const { types, samples } = parseProm(m.body);
    assert.deepEqual([...types.keys()], ['detour_requests_total', 'detour_attempts_total', 'detour_fallbacks_total',
      'detour_request_duration_seconds', 'detour_time_to_first_token_seconds', 'detour_tokens_total',
      'detour_cost_usd_total', 'detour_deployment_state', 'detour_in_flight', 'detour_cache_hits_total',
      'detour_preflight_skips_total', 'detour_cache_read_tokens_total']);
    assert.deepEqual(byLabels(samples, 'detour_requests_total'), {
      'model_group=primary,status=200,team=default': 3,
      'model_group=primary,status=200,team=search': 1,
      'model_group=(unknown),status=404,team=default': 1,
    });
    assert.deepEqual(byLabels(samples, 'detour_attempts_total'),
      { 'deployment=prim,outcome=server_error': 4, 'deployment=back,outcome=ok': 4 });
    assert.deepEqual(byLabels(samples, 'detour_fallbacks_total'), { 'from=primary,to=backup': 4 });
    assert.deepEqual(byLabels(samples, 'detour_tokens_total'), {
      'deployment=back,team=default,type=prompt': 30, 'deployment=back,team=default,type=completion': 15,
      'deployment=back,team=search,type=prompt': 10, 'deployment=back,team=search,type=completion': 5,
    });
    const cost = byLabels(samples, 'detour_cost_usd_total');
    assert.deepEqual(Object.keys(cost).sort(), ['deployment=back,team=default', 'deployment=back,team=search']);
    assert.ok(Math.abs(cost['deployment=back,team=default'] - 3 * COST) < 1e-12);
    assert.ok(Math.abs(cost['deployment=back,team=search'] - COST) < 1e-12);
    assert.deepEqual(byLabels(samples, 'detour_request_duration_seconds_count'), { '': 5 });
    assert.deepEqual(byLabels(samples, 'detour_time_to_first_token_seconds_count'), { '': 1 });
    assert.deepEqual(byLabels(samples, 'detour_deployment_state'), { 'deployment=prim': 0, 'deployment=back': 0 });
    assert.deepEqual(byLabels(samples, 'detour_in_flight'), { 'deployment=prim': 0, 'deployment=back': 0 });
    assert.deepEqual(byLabels(samples, 'detour_cache_hits_total'), { '': 0 });

    // The usage log: one line per request, in the shared format, exact costs.
    const usagePath = join(dir, 'usage.jsonl');
    await waitFor(() => lines(usagePath).length === 5, 5000, 'five usage lines');
    const usage = lines(usagePath).map((l) => JSON.parse(l));
    for (const u of usage) {
      assert.deepEqual(Object.keys(u), ['time', 'id', 'team', 'model_group', 'deployment', 'status', 'stream',
        'attempts', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'ms', 'cache']);
      assert.match(u.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(u.id, /^req_[0-9a-f]{16}$/);
      assert.ok(Number.isInteger(u.ms) && u.ms >= 0);
      assert.equal(u.cache, null);
    }
    assert.equal(new Set(usage.map((u) => u.id)).size, 5);
    // The id a client was given is the one in its usage line, failed requests too.
    assert.deepEqual(usage.map((u) => u.id), [...answers, unknown].map((r) => r.headers['x-detour-request-id']));
    const strip = ({ time, id, ms, cost_usd, ...rest }) => rest;
    assert.deepEqual(usage.map(strip), [
      { team: 'default', model_group: 'primary', deployment: 'back', status: 200, stream: false, attempts: 2, prompt_tokens: 10, completion_tokens: 5, cache: null },
      { team: 'default', model_group: 'primary', deployment: 'back', status: 200, stream: false, attempts: 2, prompt_tokens: 10, completion_tokens: 5, cache: null },
      { team: 'search', model_group: 'primary', deployment: 'back', status: 200, stream: false, attempts: 2, prompt_tokens: 10, completion_tokens: 5, cache: null },
      { team: 'default', model_group: 'primary', deployment: 'back', status: 200, stream: true, attempts: 2, prompt_tokens: 10, completion_tokens: 5, cache: null },
      { team: 'default', model_group: 'no-such-model', deployment: null, status: 404, stream: false, attempts: 0, prompt_tokens: 0, completion_tokens: 0, cache: null },
    ]);
    for (const u of usage.slice(0, 4)) assert.ok(Math.abs(u.cost_usd - COST) < 1e-15, `cost ${u.cost_usd}`);
    assert.equal(usage[4].cost_usd, 0);

    // The [record] file: one line per upstream attempt.
    const recordPath = join(dir, 'record.jsonl');
    await waitFor(() => lines(recordPath).length === 8, 5000, 'eight record lines');
    const record = lines(recordPath).map((l) => JSON.parse(l));
    for (const [i, r] of record.entries()) {
      assert.deepEqual(Object.keys(r), ['time', 'deployment', 'provider', 'model', 'kind', 'status', 'first_token_ms', 'total_ms', 'stream']);
      const failed = i % 2 === 0;
      assert.equal(r.deployment, failed ? 'prim' : 'back');
      assert.equal(r.provider, 'openai-compatible');
      assert.equal(r.model, failed ? 'up-primary' : 'up-backup');
      assert.equal(r.kind, failed ? 'server_error' : 'ok');
      assert.equal(r.status, failed ? 500 : 200);
      assert.equal(r.stream, i >= 6);
      assert.equal(r.first_token_ms === null, i !== 7, `first_token_ms of line ${i}`);
      assert.ok(Number.isInteger(r.total_ms));
    }

    // OTLP: a span per request, a child per attempt, exported in batches.
    await waitFor(() => spans.length === 13, 10000, '13 spans at the collector');
    assert.ok(otlpRequests.every((r) => r.path === '/v1/traces' && r.type === 'application/json'));
    const attr = (sp, k) => { const a = sp.attributes.find((x) => x.key === k); return a && Object.values(a.value)[0]; };
    const roots = spans.filter((sp) => !sp.parentSpanId);
    assert.equal(roots.length, 5);
    assert.deepEqual(roots.map((r) => attr(r, 'detour.request_id')).sort(), usage.map((u) => u.id).sort());
    for (const root of roots) {
      assert.match(root.traceId, /^[0-9a-f]{32}$/);
      assert.match(root.spanId, /^[0-9a-f]{16}$/);
      assert.equal(root.resource.attributes[0].value.stringValue, 'detour-e2e');
      const children = spans.filter((sp) => sp.parentSpanId === root.spanId);
      for (const c of children) assert.equal(c.traceId, root.traceId);
      if (attr(root, 'detour.outcome') === 'ok') {
        assert.equal(children.length, 2);
        assert.equal(attr(root, 'gen_ai.request.model'), 'primary');
        assert.equal(attr(root, 'gen_ai.response.model'), 'up-backup');
        assert.equal(attr(root, 'gen_ai.usage.input_tokens'), '10');
        assert.equal(attr(root, 'gen_ai.usage.output_tokens'), '5');
        assert.equal(attr(root, 'detour.deployment'), 'back');
        assert.deepEqual(children.map((c) => attr(c, 'detour.outcome')), ['server_error', 'ok']);
        assert.deepEqual(children.map((c) => attr(c, 'gen_ai.system')), ['openai-compatible', 'openai-compatible']);
        assert.ok(BigInt(children[0].startTimeUnixNano) >= BigInt(root.startTimeUnixNano));
        assert.ok(BigInt(children[1].endTimeUnixNano) <= BigInt(root.endTimeUnixNano));
      } else {
        assert.equal(children.length, 0);
        assert.equal(attr(root, 'detour.outcome'), 'not_found');
      }
    }
    assert.deepEqual(roots.map((r) => attr(r, 'detour.team')).sort(), ['default', 'default', 'default', 'default', 'search']);

    // Logs: JSON, one object per line; one info line per request, one warn per failed attempt.
    await waitFor(() => (s.out.stderr.match(/"level":"info","msg":"(request|stream) id=/g) ?? []).length === 5, 5000, 'request lines');
    const logs = s.out.stderr.trimEnd().split('\n').map((l) => JSON.parse(l));
    for (const l of logs) assert.deepEqual(Object.keys(l).sort(), ['level', 'msg', 'time']);
    const requestsLogged = logs.filter((l) => /^(request|stream) id=/.test(l.msg));
    assert.equal(requestsLogged.length, 5);
    for (const l of requestsLogged.slice(0, 4)) {
      assert.equal(l.level, 'info');
      assert.match(l.msg, /^(request|stream) id=req_[0-9a-f]{16} group=primary status=200 deployment=back attempts=2 ms=\d+ tokens=15 cost_usd=0\.000040 team=(default|search)$/);
    }
    assert.equal(logs.filter((l) => l.level === 'warn' && /^attempt failed group=primary deployment=prim kind=server_error status=500/.test(l.msg)).length, 4);

    // No key and no prompt in any output.
    const outputs = [s.out.stderr, s.out.stdout, m.body, readFileSync(usagePath, 'utf8'), readFileSync(recordPath, 'utf8'), JSON.stringify(spans)];
    for (const out of outputs) {
      for (const secret of SECRETS) assert.ok(!out.includes(secret), `${secret} leaked`);
      assert.ok(!out.includes('a secret prompt'), 'the prompt leaked');
    }
  } finally {
    await s.stop();
  }
});

test('a usage log that cannot be opened stops serve with exit 2 and the path', async () => {
  const dir = tempDir();
  const path = writeConfig(`
[[deployments]]
model_name = "m"
provider = "openai-compatible"
model = "x"
api_base = "${f.base}/a/v1"
[usage]
log = "${join(dir, 'missing-dir', 'usage.jsonl')}"
`, dir);
  const { runDetour } = await import('./lib.mjs');
  const r = await runDetour(['--config', path, 'serve', '--listen', '127.0.0.1:0'], { timeoutMs: 10000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\[usage\] log: cannot open .*missing-dir\/usage\.jsonl for appending: No such file or directory/);
});

test('detour chat writes the usage log and the record file too', async () => {
  const dir = tempDir();
  await f.setScript({ routes: {
    '/a': [{ status: 500, body: 'down' }],
    '/b': [{ stream: ['hel', 'lo'], usage: { prompt_tokens: 10, completion_tokens: 5 } }],
  } });
  const { runDetour } = await import('./lib.mjs');
  const toml = config(dir).replace(/\[telemetry\][^]*$/, '');
  const r = await runDetour(['--config', writeConfig(toml, dir), 'chat', '-m', 'primary', 'hi']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello\n');
  const usage = lines(join(dir, 'usage.jsonl')).map((l) => JSON.parse(l));
  assert.equal(usage.length, 1);
  assert.equal(usage[0].team, 'default');
  assert.equal(usage[0].deployment, 'back');
  assert.equal(usage[0].stream, true);
  assert.equal(usage[0].attempts, 2);
  assert.ok(Math.abs(usage[0].cost_usd - COST) < 1e-15);
  assert.deepEqual(lines(join(dir, 'record.jsonl')).map((l) => JSON.parse(l).kind), ['server_error', 'ok']);
});
