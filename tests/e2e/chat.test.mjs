// `detour chat` end to end: the real binary, a fake OpenAI-compatible upstream on loopback.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { DETOUR, startFake, writeConfig, runDetour, waitFor, primaryBackupToml } from './lib.mjs';

const fakes = [];
after(async () => { for (const f of fakes) await f.stop(); });

async function fake(routes) {
  const f = await startFake({ routes });
  fakes.push(f);
  return f;
}

function config(f) {
  return writeConfig(primaryBackupToml(f.base, {
    router: 'num_retries = 1\ntimeout = "5s"\nfirst_token_timeout = "3s"\nbackoff = { base = "10ms", max = "50ms" }',
    a: 'api_key = "sk-primary-secret-0001"',
    b: 'api_key = "sk-backup-secret-0002"',
  }));
}

test('piped prompt streams the answer to stdout and exits 0', async () => {
  const f = await fake({ '/a': [{ stream: ['Hel', 'lo', ' there'] }] });
  const r = await runDetour(['--config', config(f), 'chat', '-m', 'primary'], { input: 'hi\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello there\n');
  const [req] = await f.requests();
  const body = JSON.parse(req.body);
  assert.equal(req.path, '/a/v1/chat/completions');
  assert.equal(req.headers.authorization ?? req.headers.Authorization, 'Bearer sk-primary-secret-0001');
  assert.equal(body.model, 'up-primary');
  assert.equal(body.stream, true);
  assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
});

test('words and stdin join with a blank line; -s, --max-tokens, --temperature reach the upstream', async () => {
  const f = await fake({ '/a': [{ reply: 'ok' }] });
  const r = await runDetour(['--config', config(f), 'chat', '--no-stream', '-s', 'be brief',
    '--max-tokens', '7', '--temperature', '0.5', 'summarise', 'this'], { input: 'some text\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok\n');
  const body = JSON.parse((await f.requests())[0].body);
  assert.equal(body.stream, false);
  assert.equal(body.max_tokens, 7);
  assert.equal(body.temperature, 0.5);
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'summarise this\n\nsome text' },
  ]);
});

test('--json prints the OpenAI response object', async () => {
  const f = await fake({ '/a': [{ reply: 'json answer' }] });
  const r = await runDetour(['--config', config(f), 'chat', '--json', 'q'], {});
  assert.equal(r.code, 0, r.stderr);
  const obj = JSON.parse(r.stdout);
  assert.equal(obj.object, 'chat.completion');
  assert.equal(obj.choices[0].message.content, 'json answer');
});

test('-v logs each attempt; a failing primary falls back to the backup', async () => {
  const f = await fake({ '/a': [{ status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } }],
    '/b': [{ stream: ['from ', 'backup'] }] });
  const r = await runDetour(['--config', config(f), 'chat', '-v', 'q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from backup\n');
  assert.match(r.stderr, /attempt 1 openai-compatible\/up-primary: 503 server_error after \d+ ms \(overloaded\); retrying in/);
  assert.match(r.stderr, /attempt 2 openai-compatible\/up-primary: 503 server_error/);
  assert.match(r.stderr, /attempt 3 openai-compatible\/up-backup: ok/);
  const hits = await f.hits();
  assert.equal(hits['/a'], 2);  // one try + num_retries = 1
  assert.equal(hits['/b'], 1);
});

test('every deployment failing exits 1 and lists each attempt on stderr, without secrets', async () => {
  const f = await fake({ '/a': [{ status: 500, body: 'boom' }], '/b': [{ status: 502, body: 'bad gateway' }] });
  const r = await runDetour(['--config', config(f), 'chat', 'q']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /attempt 1 .*up-primary.*500/);
  assert.match(r.stderr, /attempt 3 .*up-backup.*502/);
  assert.doesNotMatch(r.stderr, /sk-primary-secret|sk-backup-secret/);
});

test('a config with an unknown key exits 2 naming file:line and the right key', async () => {
  const path = writeConfig(`[[deployments]]
model_name = "primary"
provider = "openai"
modle = "gpt-4o"
`);
  const r = await runDetour(['--config', path, 'chat', 'q']);
  assert.equal(r.code, 2);
  assert.ok(r.stderr.includes(`${path}:4`), r.stderr);
  assert.match(r.stderr, /modle/);
  assert.match(r.stderr, /did you mean "model"\?/);
});

test('an unknown model is a usage error: exit 2 with a did-you-mean', async () => {
  const f = await fake({ '/a': [{ reply: 'x' }] });
  const r = await runDetour(['--config', config(f), 'chat', '-m', 'primray', 'q']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /did you mean "primary"\?/);
  assert.deepEqual(await f.hits(), {});
});

test('Ctrl-C while waiting on the upstream exits 130 promptly', async () => {
  const f = await fake({ '/a': [{ mode: 'silent' }] });
  const child = spawn(DETOUR, ['--config', config(f), 'chat', 'q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  await waitFor(async () => (await f.hits())['/a'] === 1, 10000, 'the upstream to be hit');
  const t0 = Date.now();
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  assert.ok(Date.now() - t0 < 2000, 'exits within 2 s of SIGINT');
});
