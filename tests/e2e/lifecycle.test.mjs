// `detour serve` lifecycle: SIGHUP reloads without dropping a running stream; SIGTERM lets
// a running stream finish, then exits 0 and refuses new connections.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { startFake, startServe, writeConfig, curl, waitFor } from './lib.mjs';

let f;
before(async () => { f = await startFake({ routes: { '': [{ reply: 'x' }] } }); });
after(async () => { await f.stop(); });

const cfg = (prefix, extra = '') => `
[server]
shutdown_grace = "10s"
${extra}
[[deployments]]
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "${f.base}${prefix}/v1"
`;

// Starts a slow stream and resolves with its full body once it ends.
function slowStream(s) {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'primary', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  }).then((r) => r.text());
}
const pieces = Array.from({ length: 8 }, (_, i) => `p${i} `);
const slow = { stream: pieces, chunk_interval_ms: 150 };

test('SIGHUP: the running stream completes and new requests follow the new config', async () => {
  await f.setScript({ routes: { '/old': [slow], '/new': [{ reply: 'from new config' }] } });
  const path = writeConfig(cfg('/old'));
  const s = await startServe(path);
  try {
    const body = slowStream(s);
    await waitFor(async () => (await f.hits())['/old'] === 1, 10000, 'the stream to start');
    writeFileSync(path, cfg('/new'));
    s.child.kill('SIGHUP');
    await waitFor(() => /reload/.test(s.out.stderr), 10000, 'the reload log line');
    const r = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '--data-binary',
      JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] })]);
    assert.equal(JSON.parse(r.body).choices[0].message.content, 'from new config');
    const text = await body;
    assert.ok(text.endsWith('data: [DONE]\n\n'), 'the old stream finished cleanly');
    for (const p of pieces) assert.ok(text.includes(JSON.stringify(p)), p);
    // An invalid config is logged and ignored; the server keeps serving.
    writeFileSync(path, '[router]\nstrategy = "random-ish"\n');
    s.child.kill('SIGHUP');
    await waitFor(() => /still serving the previous one/.test(s.out.stderr), 10000, 'the rejection');
    const again = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '--data-binary',
      JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] })]);
    assert.equal(again.status, 200);
  } finally {
    await s.stop('SIGKILL');
  }
});

test('SIGTERM: the running stream completes, then the process exits 0', async () => {
  await f.setScript({ routes: { '/old': [slow] } });
  const s = await startServe(writeConfig(cfg('/old')));
  const body = slowStream(s);
  await waitFor(async () => (await f.hits())['/old'] === 1, 10000, 'the stream to start');
  s.child.kill('SIGTERM');
  // The listener closes at once: a new connection is refused while the stream drains.
  await waitFor(async () => (await curl([`${s.url}/healthz`])).exit !== 0, 5000, 'the listener to close');
  const text = await body.catch((e) => { throw new Error(`${e}; detour stderr: ${s.out.stderr}`); });
  assert.ok(text.endsWith('data: [DONE]\n\n'), text.slice(-200));
  for (const p of pieces) assert.ok(text.includes(JSON.stringify(p)), p);
  const { code } = await s.exited;
  assert.equal(code, 0);
});

test('SIGHUP: new client keys apply to the next requests', async () => {
  await f.setScript({ routes: { '/old': [{ reply: 'ok' }] } });
  const path = writeConfig(cfg('/old'));
  const s = await startServe(path);
  try {
    const ask = (extra = []) => curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '--data-binary',
      JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] }), ...extra]);
    assert.equal((await ask()).status, 200);
    writeFileSync(path, cfg('/old', 'api_keys = ["client-key-abcdef"]'));
    s.child.kill('SIGHUP');
    await waitFor(() => /config reloaded/.test(s.out.stderr), 10000, 'the reload');
    assert.equal((await ask()).status, 401);
    assert.equal((await ask(['-H', 'authorization: Bearer client-key-abcdef'])).status, 200);
    assert.doesNotMatch(s.out.stderr, /client-key-abcdef/);
  } finally {
    await s.stop('SIGKILL');
  }
});

// Every stream holds two descriptors; a soft limit of 1024 would refuse connections near
// 500 streams, so serve raises its soft limit to the hard one.
test('serve raises its open-files soft limit to the hard limit', async () => {
  await f.setScript({ routes: { '': [{ reply: 'x' }] } });
  const s = await startServe(writeConfig(cfg('')), { softFdLimit: 256 });
  try {
    const limits = readFileSync(`/proc/${s.child.pid}/limits`, 'utf8');
    const [, soft, hard] = limits.match(/Max open files\s+(\S+)\s+(\S+)/);
    assert.equal(soft, hard);
    assert.notEqual(soft, '256');
    const r = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
      '--data-binary', JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] })]);
    assert.equal(r.status, 200);
  } finally {
    await s.stop('SIGKILL');
  }
});

// server.threads sets how many scheduler threads serve runs (named detour-sched<N>).
test('server.threads sets the number of scheduler threads', async () => {
  await f.setScript({ routes: { '': [{ reply: 'x' }] } });
  const schedulers = (pid) => readdirSync(`/proc/${pid}/task`)
    .map((t) => { try { return readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(); } catch { return ''; } })
    .filter((name) => name.startsWith('detour-sched')).length;
  for (const n of [1, 3]) {
    const path = writeConfig(cfg('', `threads = ${n}`));
    const s = await startServe(path);
    try {
      const r = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'content-type: application/json',
        '--data-binary', JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] })]);
      assert.equal(r.status, 200);
      assert.equal(schedulers(s.child.pid), n);
      // A reload cannot change it: the count stays, and the log says a restart is needed.
      writeFileSync(path, cfg('', `threads = ${n + 1}`));
      s.child.kill('SIGHUP');
      await waitFor(() => /server\.threads changed; it takes effect when detour restarts/.test(s.out.stderr),
        10000, 'the reload warning');
      assert.equal(schedulers(s.child.pid), n);
    } finally {
      await s.stop();
    }
  }
});
