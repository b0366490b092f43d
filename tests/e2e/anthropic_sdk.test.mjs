// The official `@anthropic-ai/sdk` npm package pointed at `detour serve`'s /v1/messages,
// answered by OpenAI-protocol upstreams: an Anthropic SDK user gets Anthropic-shaped
// answers, streams and errors, with failover, whatever protocol the upstream speaks.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFake, startServe, writeConfig, primaryBackupToml, curl } from './lib.mjs';

const KEY = 'detour-client-key-0001';
let f, s, client;
before(async () => {
  f = await startFake({ routes: { '': [{ reply: 'x' }] } });
  s = await startServe(writeConfig(primaryBackupToml(f.base, {
    server: `api_keys = ["${KEY}"]`,
    router: 'num_retries = 0\nfirst_token_timeout = "3s"\nstream_resume = "off"',
  })));
  client = new Anthropic({ baseURL: s.url, apiKey: KEY, maxRetries: 0, timeout: 20000 });
});
after(async () => { await s.stop(); await f.stop(); });

const messages = [{ role: 'user', content: 'hi' }];

test('Anthropic SDK: a message served by an OpenAI-protocol upstream', async () => {
  await f.setScript({ routes: { '/a': [{ reply: 'hello from openai', usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } }] } });
  const r = await client.messages.create({ model: 'primary', max_tokens: 64, system: 'be brief', messages });
  assert.equal(r.type, 'message');
  assert.equal(r.role, 'assistant');
  assert.deepEqual(r.content, [{ type: 'text', text: 'hello from openai' }]);
  assert.equal(r.stop_reason, 'end_turn');
  assert.deepEqual(r.usage, { input_tokens: 7, output_tokens: 3 });
  // The upstream got the OpenAI translation: system first, then the user's message.
  const [req] = (await f.requests()).slice(-1);
  const body = JSON.parse(req.body);
  assert.deepEqual(body.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]);
  assert.equal(body.max_tokens, 64);
  assert.ok(!JSON.stringify(req).includes(KEY), 'the client key never goes upstream');
});

test('Anthropic SDK: streaming, with failover before the first token', async () => {
  await f.setScript({ routes: { '/a': [{ status: 503, body: 'down' }], '/b': [{ stream: ['one ', 'two ', 'three'] }] } });
  const stream = client.messages.stream({ model: 'primary', max_tokens: 64, messages });
  const events = [];
  stream.on('streamEvent', (e) => events.push(e.type));
  const final = await stream.finalMessage();
  assert.deepEqual(final.content, [{ type: 'text', text: 'one two three' }]);
  assert.equal(final.stop_reason, 'end_turn');
  assert.ok(final.usage.output_tokens > 0, 'usage reaches message_delta');
  assert.equal(events[0], 'message_start');
  assert.equal(events.at(-1), 'message_stop');
  assert.ok(events.includes('content_block_start') && events.includes('content_block_stop'));
});

test('Anthropic SDK: a stream cut after commit surfaces as an error, never a finished message', async () => {
  await f.setScript({ routes: { '/a': [{ stream: ['partial', ' answer', ' never'], mode: 'cut', cut_after: 2 }] } });
  const stream = client.messages.stream({ model: 'primary', max_tokens: 64, messages });
  let text = '';
  stream.on('text', (t) => { text += t; });
  await assert.rejects(stream.finalMessage());
  assert.equal(text, 'partial');
});

test('Anthropic SDK: every deployment failing raises an APIError in Anthropic shape', async () => {
  await f.setScript({ routes: { '/a': [{ status: 503, body: 'down' }], '/b': [{ status: 503, body: 'down' }] } });
  await assert.rejects(client.messages.create({ model: 'primary', max_tokens: 8, messages }), (err) => {
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 502);
    assert.equal(err.error.type, 'error');
    assert.equal(err.error.error.type, 'api_error');
    assert.equal(err.error.error.attempts.length, 2);
    return true;
  });
});

test('/v1/messages: a wrong key is refused in Anthropic shape; x-api-key and Bearer both work', async () => {
  await f.setScript({ routes: { '/a': [{ reply: 'ok' }] } });
  const body = JSON.stringify({ model: 'primary', max_tokens: 8, messages });
  const post = (hdr) => curl(['-X', 'POST', `${s.url}/v1/messages`, '-H', 'content-type: application/json', '-H', hdr, '--data-binary', body]);
  const bad = await post('x-api-key: wrong');
  assert.equal(bad.status, 401);
  assert.equal(JSON.parse(bad.body).error.type, 'authentication_error');
  assert.equal((await post(`x-api-key: ${KEY}`)).status, 200);
  assert.equal((await post(`authorization: Bearer ${KEY}`)).status, 200);
  // /v1/chat/completions keeps to Bearer only.
  const chat = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', `x-api-key: ${KEY}`,
    '--data-binary', JSON.stringify({ model: 'primary', messages })]);
  assert.equal(chat.status, 401);
});

test('/v1/messages: a bad request names the field, in Anthropic shape', async () => {
  const r = await curl(['-X', 'POST', `${s.url}/v1/messages`, '-H', `x-api-key: ${KEY}`,
    '--data-binary', JSON.stringify({ model: 'primary', messages: [{ role: 'robot', content: 'x' }] })]);
  assert.equal(r.status, 400);
  const e = JSON.parse(r.body);
  assert.equal(e.type, 'error');
  assert.equal(e.error.type, 'invalid_request_error');
  assert.match(e.error.message, /messages\[0\]\.role/);
});
