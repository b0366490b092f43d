// The official `openai` npm SDK pointed at `detour serve`, as an application would use it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, startServe, writeConfig, primaryBackupToml } from './lib.mjs';

let f, s, client;
before(async () => {
  f = await startFake({ routes: { '': [{ reply: 'x' }] } });
  s = await startServe(writeConfig(primaryBackupToml(f.base, {
    router: 'num_retries = 0\nfirst_token_timeout = "3s"\nstream_resume = "off"',
  })));
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20000 });
});
after(async () => { await s.stop(); await f.stop(); });

const messages = [{ role: 'user', content: 'hi' }];

test('SDK: non-streaming completion', async () => {
  await f.setScript({ routes: { '/a': [{ reply: 'sdk hello' }] } });
  const r = await client.chat.completions.create({ model: 'primary', messages });
  assert.equal(r.choices[0].message.content, 'sdk hello');
  assert.equal(r.model, 'up-primary');
});

test('SDK: streaming completion', async () => {
  await f.setScript({ routes: { '/a': [{ stream: ['one ', 'two ', 'three'] }] } });
  const stream = await client.chat.completions.create({ model: 'primary', messages, stream: true });
  let out = '';
  let finish = null;
  for await (const chunk of stream) {
    out += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(out, 'one two three');
  assert.equal(finish, 'stop');
});

test('SDK: stream_options.include_usage delivers the usage chunk', async () => {
  await f.setScript({ routes: { '/a': [{ stream: ['u'], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }] } });
  const stream = await client.chat.completions.create({ model: 'primary', messages, stream: true, stream_options: { include_usage: true } });
  let usage = null;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  assert.deepEqual(usage, { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
});

test('SDK: a failure before the first token is invisible (backup answers)', async () => {
  await f.setScript({ routes: { '/a': [{ mode: 'reset' }], '/b': [{ stream: ['rescued'] }] } });
  const { data: stream, response } = await client.chat.completions
    .create({ model: 'primary', messages, stream: true }).withResponse();
  let out = '';
  for await (const chunk of stream) out += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(out, 'rescued');
  assert.equal(response.headers.get('x-detour-deployment'), 'openai-compatible/up-backup');
  assert.equal((await f.hits())['/a'], 1);
});

test('SDK: an error after commit surfaces as an error, not a finished answer', async () => {
  await f.setScript({ routes: { '/a': [{ stream: ['partial', ' answer', ' never'], mode: 'cut', cut_after: 2 }] } });
  const stream = await client.chat.completions.create({ model: 'primary', messages, stream: true });
  let out = '';
  await assert.rejects(async () => {
    for await (const chunk of stream) out += chunk.choices[0]?.delta?.content ?? '';
  }, (err) => err instanceof OpenAI.APIError || /stream cut|connection/i.test(String(err)));
  assert.equal(out, 'partial');
});

test('SDK: all deployments failing raises an APIError with the status', async () => {
  await f.setScript({ routes: { '/a': [{ status: 503, body: 'down' }], '/b': [{ status: 503, body: 'down' }] } });
  await assert.rejects(client.chat.completions.create({ model: 'primary', messages }),
    (err) => err instanceof OpenAI.APIError && err.status === 502);
});

test('SDK: embeddings through detour, failing over from a 503 primary', async () => {
  const embedding = { object: 'list', model: 'text-embedding-3-small',
    data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5] }], usage: { prompt_tokens: 2, total_tokens: 2 } };
  await f.setScript({ routes: { '/a': [{ status: 503, body: 'down' }],
    '/b': [{ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(embedding) }] } });
  const { data: r, response } = await client.embeddings.create({ model: 'primary', input: 'hi', encoding_format: 'float' })
    .withResponse();
  assert.deepEqual(r.data[0].embedding, [0.25, -0.5]);
  assert.equal(r.usage.prompt_tokens, 2);
  assert.equal(response.headers.get('x-detour-deployment'), 'openai-compatible/up-backup');
  assert.equal(response.headers.get('x-detour-attempts'), '2');
});
