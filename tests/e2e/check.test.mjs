// `detour check` end to end: the real binary lints a config and probes the fake upstream
// (OpenAI-compatible and Anthropic protocols), and CI gets the exit code, JSON, JUnit and
// GitHub annotations it relies on. No configured key may appear in any output.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFake, writeConfig, runDetour, tempDir } from './lib.mjs';

let f;
const KEY_A = 'sk-check-e2e-secret-aaaa';
const KEY_C = 'sk-ant-check-e2e-secret-cccc';
const anthropicOk = { status: 200, headers: { 'content-type': 'application/json' },
  body: '{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"."}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}' };

before(async () => { f = await startFake({ routes: { '': [{ reply: '.' }] } }); });
after(async () => { await f.stop(); });

// primary (openai-compatible on /a) -> claude (anthropic on /c); both priced, timeouts set.
function config(extra = '') {
  return writeConfig(`
[router]
timeout = "5s"
[router.fallbacks]
primary = ["claude"]
[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_key = "${KEY_A}"
api_base = "${f.base}/a/v1"
price = { input = 1, output = 2 }
${extra}
[[deployments]]
id = "claude"
model_name = "claude"
provider = "anthropic"
model = "claude-sonnet-4-6"
api_key = "${KEY_C}"
api_base = "${f.base}/c"
price = { input = 1.5, output = 2.5 }
`);
}

const check = (path, args = []) => runDetour(['--config', path, 'check', ...args]);
const rows = (out) => Object.fromEntries(JSON.parse(out).deployments.map((d) => [d.id, d]));

test('all healthy: exit 0, both protocols probed', async () => {
  await f.setScript({ routes: { '/a': [{ reply: '.' }], '/c': [anthropicOk] } });
  const r = await check(config(), ['--format', 'json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const d = rows(r.stdout);
  assert.equal(d.prim.status, 'ok');
  assert.equal(d.claude.status, 'ok');
  const hits = await f.hits();
  assert.equal(hits['/a'], 1);
  assert.equal(hits['/c'], 1);
});

test('a 401 deployment: exit 1, its row shows auth', async () => {
  await f.setScript({ routes: { '/a': [{ status: 401, body: '{"error":{"message":"bad key"}}' }], '/c': [anthropicOk] } });
  const r = await check(config());
  assert.equal(r.code, 1);
  const line = r.stdout.split('\n').find((l) => l.startsWith('prim '));
  assert.match(line, /failed/);
  assert.match(line, /401 auth/);
  assert.match(r.stdout, /group primary: degraded/);
});

test('a silent deployment: timeout within the --timeout bound; --allow-degraded with a healthy fallback exits 0', async () => {
  await f.setScript({ routes: { '/a': [{ mode: 'silent' }], '/c': [anthropicOk] } });
  const t0 = Date.now();
  const r = await check(config(), ['--timeout', '1s', '--format', 'json']);
  const took = Date.now() - t0;
  assert.equal(r.code, 1);
  assert.equal(rows(r.stdout).prim.error_kind, 'timeout');
  assert.ok(took < 4000, `took ${took} ms`);
  const degraded = await check(config(), ['--timeout', '1s', '--allow-degraded']);
  assert.equal(degraded.code, 0, degraded.stdout);
  await f.setScript({ routes: { '/a': [{ mode: 'silent' }], '/c': [{ status: 503, body: 'down' }] } });
  const down = await check(config(), ['--timeout', '1s', '--allow-degraded']);
  assert.equal(down.code, 1);
  assert.match(down.stdout, /group primary: down/);
});

test('ten deployments taking 1 s each are probed in parallel, well under 3 s', async () => {
  await f.setScript({ routes: { '/slow': [{ reply: '.', delay_ms: 1000 }] } });
  let toml = '[router]\ntimeout = "5s"\n';
  for (let i = 0; i < 10; i++)
    toml += `[[deployments]]\nid = "d${i}"\nmodel_name = "g"\nprovider = "openai-compatible"\nmodel = "m${i}"\napi_base = "${f.base}/slow/v1"\nprice = { input = 1, output = 1 }\n`;
  const t0 = Date.now();
  const r = await check(writeConfig(toml), ['--format', 'json']);
  const took = Date.now() - t0;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).deployments.filter((d) => d.status === 'ok').length, 10);
  assert.ok(took < 2500, `took ${took} ms`);
});

test('an unknown key: exit 1 with the finding in json and junit', async () => {
  await f.setScript({ routes: { '/a': [{ reply: '.' }], '/c': [anthropicOk] } });
  const path = config('modle = "x"');
  const j = await check(path, ['--format', 'json']);
  assert.equal(j.code, 1);
  const finding = JSON.parse(j.stdout).findings.find((x) => x.rule === 'unknown-key');
  assert.equal(finding.severity, 'error');
  assert.equal(finding.key_path, 'deployments[0].modle');
  assert.ok(finding.line > 0);
  const out = join(tempDir(), 'health.xml');
  const x = await check(path, ['--format', 'junit', '-o', out]);
  assert.equal(x.code, 1);
  const xml = readFileSync(out, 'utf8');
  assert.match(xml, /<testsuite name="lint" tests="1" failures="1"/);
  assert.match(xml, /<failure type="unknown-key"/);
  assert.match(xml, /<testsuites name="detour check" tests="3" failures="1">/);
});

test('--offline lints without probing; github format annotates the file', async () => {
  await f.setScript({ routes: { '': [{ reply: '.' }] } });
  const path = config('modle = "x"');
  const r = await check(path, ['--offline', '--format', 'github']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^::error file=${path.replace(/[.]/g, '\\.')},line=\\d+,title=detour check unknown-key::`, 'm'));
  assert.equal(Object.values(await f.hits()).reduce((a, b) => a + b, 0), 0);
});

test('a TOML syntax error exits 2 naming the file and line', async () => {
  const r = await check(writeConfig('[router\ntimeout = 1\n'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /detour\.toml:1: invalid TOML/);
});

test('--explain prints why a rule exists', async () => {
  const r = await runDetour(['check', '--explain', 'same-provider-fallback']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /provider-wide outage/);
});

test('no configured key appears in any output format', async () => {
  // The upstream echoes the key back in its error message.
  await f.setScript({ routes: { '/a': [{ status: 401, body: `{"error":{"message":"invalid key ${KEY_A}"}}` }],
    '/c': [{ status: 401, body: `{"type":"error","error":{"type":"authentication_error","message":"bad ${KEY_C}"}}` }] } });
  for (const format of ['table', 'json', 'junit', 'github']) {
    const r = await check(config(), ['--format', format]);
    assert.equal(r.code, 1);
    for (const key of [KEY_A, KEY_C]) {
      assert.ok(!r.stdout.includes(key), `${format} stdout leaks a key`);
      assert.ok(!r.stderr.includes(key), `${format} stderr leaks a key`);
    }
  }
});

test('-m limits the check to a group and the groups its chain reaches; an unknown group exits 2', async () => {
  await f.setScript({ routes: { '/a': [{ reply: '.' }], '/c': [anthropicOk] } });
  const only = await check(config(), ['-m', 'claude', '--format', 'json']);
  assert.equal(only.code, 0, only.stdout);
  assert.deepEqual(JSON.parse(only.stdout).deployments.map((d) => d.id), ['claude']);
  const chain = await check(config(), ['-m', 'primary', '--format', 'json']);
  assert.deepEqual(JSON.parse(chain.stdout).deployments.map((d) => d.id), ['prim', 'claude']);
  const bad = await check(config(), ['-m', 'primry']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /did you mean "primary"/);
});

test('five protocols probed: OpenAI-compatible, Azure, Anthropic, Gemini and Vertex (with its token exchange)', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const { writeFileSync } = await import('node:fs');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = tempDir();
  const sa = join(dir, 'sa.json');
  writeFileSync(sa, JSON.stringify({ type: 'service_account', client_email: 'probe@proj-1.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }), token_uri: `${f.base}/token` }));
  const json = (body) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const gemini = json({ candidates: [{ content: { role: 'model', parts: [{ text: '.' }] }, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1 } });
  await f.setScript({ routes: { '/a': [{ reply: '.' }], '/az': [{ reply: '.' }], '/c': [anthropicOk], '/g': [gemini],
    '/token': [json({ access_token: 'ya29.check-e2e-token', expires_in: 3600, token_type: 'Bearer' })], '/vx': [gemini] } });
  const path = writeConfig(`
[router]
timeout = "5s"
[[deployments]]
id = "oai"
model_name = "m"
provider = "openai-compatible"
model = "x"
api_base = "${f.base}/a/v1"
[[deployments]]
id = "az"
model_name = "m"
provider = "azure"
model = "dep-1"
api_key = "${KEY_A}"
api_base = "${f.base}/az"
[[deployments]]
id = "claude"
model_name = "m"
provider = "anthropic"
model = "claude-sonnet-4-6"
api_key = "${KEY_C}"
api_base = "${f.base}/c"
[[deployments]]
id = "gem"
model_name = "m"
provider = "gemini"
model = "gemini-2.5-flash"
api_key = "gemini-check-e2e-secret"
api_base = "${f.base}/g"
[[deployments]]
id = "vtx"
model_name = "m"
provider = "vertex"
model = "gemini-2.5-flash"
project = "proj-1"
location = "us-central1"
credentials = "${sa}"
api_base = "${f.base}/vx"
`, dir);
  const r = await check(path, ['--format', 'json']);
  const d = rows(r.stdout);
  for (const id of ['oai', 'az', 'claude', 'gem', 'vtx']) assert.equal(d[id].status, 'ok', `${id}: ${JSON.stringify(d[id])}`);
  const reqs = await f.requests();
  const last = (prefix) => reqs.filter((q) => q.route === prefix).at(-1);
  assert.match(last('/az').path, /^\/az\/openai\/deployments\/dep-1\/chat\/completions\?api-version=/);
  assert.equal(last('/az').headers['api-key'], KEY_A);
  assert.equal(last('/g').path, '/g/v1beta/models/gemini-2.5-flash:generateContent');
  assert.match(last('/token').body, /grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=/);
  assert.equal(last('/vx').path, '/vx/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent');
  assert.equal(last('/vx').headers.Authorization ?? last('/vx').headers.authorization, 'Bearer ya29.check-e2e-token');
  for (const secret of [KEY_A, KEY_C, 'gemini-check-e2e-secret', 'ya29.check-e2e-token'])
    assert.ok(!(r.stdout + r.stderr).includes(secret), 'no secret in the output');
});
