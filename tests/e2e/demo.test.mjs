// `detour serve --demo`: no keys, two simulated providers in-process. Forced into the
// primary's failing minute (--demo-phase), the answer comes from the backup; when the
// minute ends, from the primary again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeConfig, startServe, curl, waitFor } from './lib.mjs';

const ask = (url) => curl(['-X', 'POST', `${url}/v1/chat/completions`, '-H', 'content-type: application/json',
  '-d', '{"model":"demo","messages":[{"role":"user","content":"hi"}]}']);

test('serve --demo answers from the primary while it is healthy', async () => {
  // The config file is ignored with --demo (it would fail: no deployments).
  const serve = await startServe(writeConfig('[router]\n'), { args: ['--demo'] });
  try {
    assert.match(serve.out.stderr, /demo: group "demo"/);
    const r = await ask(serve.url);
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-detour-deployment'], 'primary');
    const j = JSON.parse(r.body);
    assert.equal(j.usage.completion_tokens, 24);
  } finally {
    await serve.stop();
  }
});

test('serve --demo fails over to the backup during the failing minute, then comes back', async () => {
  // 177 s into the cycle: the primary's failing minute (120-180 s) has 3 s left.
  const serve = await startServe(writeConfig(''), { args: ['--demo', '--demo-phase', '177'] });
  try {
    const r = await ask(serve.url);
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-detour-deployment'], 'backup');
    assert.equal(JSON.parse(r.body).choices[0].message.content.split(' ')[0], 'Simulated');
    const s = await curl(['-N', '-X', 'POST', `${serve.url}/v1/chat/completions`, '-H', 'content-type: application/json',
      '-d', '{"model":"demo","stream":true,"messages":[{"role":"user","content":"hi"}]}']);
    assert.equal(s.status, 200);
    assert.equal(s.headers['x-detour-deployment'], 'backup');
    assert.match(s.body, /data: \[DONE\]\n\n$/);
    // The minute ends; once the primary's cooldown (5 s) has passed it answers again.
    await waitFor(async () => (await ask(serve.url)).headers['x-detour-deployment'] === 'primary',
      30000, 'the primary to answer again');
  } finally {
    await serve.stop();
  }
});
