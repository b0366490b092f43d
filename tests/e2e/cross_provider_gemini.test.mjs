// Cross-provider failover to Gemini: an OpenAI SDK request whose OpenAI-compatible primary
// fails is answered by a Gemini-protocol backup (the fake answers in Gemini's documented
// generateContent / streamGenerateContent?alt=sse format), in OpenAI's shape.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, startServe, writeConfig } from './lib.mjs';

let f, s, client;
const GEMINI_KEY = 'gemini-e2e-SECRET-0001';

before(async () => {
  f = await startFake({ routes: { '': [{ reply: 'x' }] } });
  s = await startServe(writeConfig(`
[router]
num_retries = 0
[router.fallbacks]
primary = ["flash"]
[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_base = "${f.base}/a/v1"
[[deployments]]
id = "flash"
model_name = "flash"
provider = "gemini"
model = "gemini-2.5-flash"
api_key = "${GEMINI_KEY}"
api_base = "${f.base}/g"
`));
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20000 });
});
after(async () => { await s.stop(); await f.stop(); });

const down = { status: 503, body: 'primary down' };
const json = (body) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const answer = (parts, finishReason, usage) => ({ candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
  usageMetadata: usage, modelVersion: 'gemini-2.5-flash' });
const usage = (p, c) => ({ promptTokenCount: p, candidatesTokenCount: c, totalTokenCount: p + c });
const lastRequest = async () => (await f.requests()).filter((q) => q.route === '/g').at(-1);

test('OpenAI SDK -> 503 primary -> Gemini backup: content, finish_reason, usage; key only in x-goog-api-key', async () => {
  await f.setScript({ routes: { '/a': [down], '/g': [json(answer([{ text: 'Bonjour!' }], 'STOP', usage(12, 4)))] } });
  const r = await client.chat.completions.create({ model: 'primary',
    messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Say hello' }] });
  assert.equal(r.choices[0].message.content, 'Bonjour!');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.usage.prompt_tokens, 12);
  assert.equal(r.usage.completion_tokens, 4);
  const req = await lastRequest();
  assert.equal(req.path, '/g/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal(req.headers['x-goog-api-key'], GEMINI_KEY);
  const body = JSON.parse(req.body);
  assert.equal(body.systemInstruction.parts[0].text, 'Answer in French.');
  assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Say hello' }] }]);
});

test('OpenAI SDK stream -> 503 primary -> Gemini stream (cumulative usage, no [DONE])', async () => {
  const events = [answer([{ text: 'Hel' }], undefined, usage(9, 1)), answer([{ text: 'lo!' }], 'STOP', usage(9, 3))];
  await f.setScript({ routes: { '/a': [down], '/g': [{ status: 200, headers: { 'content-type': 'text/event-stream' },
    body: events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('') }] } });
  const stream = await client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'hi' }],
    stream: true, stream_options: { include_usage: true } });
  let text = '', finish = null, got = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    if (c.usage) got = c.usage;
  }
  assert.equal(text, 'Hello!');
  assert.equal(finish, 'stop');
  assert.equal(got.prompt_tokens, 9);
  assert.equal(got.completion_tokens, 3);
  assert.equal((await lastRequest()).path, '/g/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
});

test('tool-call round trip through Gemini: functionCall out as tool_calls, the result back as functionResponse', async () => {
  await f.setScript({ routes: { '/a': [down], '/g': [
    json(answer([{ functionCall: { name: 'get_weather', args: { location: 'Paris' } } }], 'STOP', usage(20, 8))),
    json(answer([{ text: 'It is 18C and sunny in Paris.' }], 'STOP', usage(30, 9))),
  ] } });
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];
  const messages = [{ role: 'user', content: 'Weather in Paris?' }];
  const first = await client.chat.completions.create({ model: 'primary', messages, tools });
  assert.equal(first.choices[0].finish_reason, 'tool_calls');  // Gemini said STOP
  const call = first.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
  assert.ok(call.id.length > 0);
  messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '18C sunny' });
  const second = await client.chat.completions.create({ model: 'primary', messages, tools });
  assert.equal(second.choices[0].message.content, 'It is 18C and sunny in Paris.');
  const body = JSON.parse((await lastRequest()).body);
  assert.equal(body.contents[1].role, 'model');
  assert.deepEqual(body.contents[1].parts[0].functionCall, { name: 'get_weather', args: { location: 'Paris' } });
  assert.equal(body.contents[2].role, 'user');
  assert.equal(body.contents[2].parts[0].functionResponse.name, 'get_weather');
  assert.equal(body.tools[0].functionDeclarations[0].name, 'get_weather');
});
