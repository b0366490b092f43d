// Cross-provider failover, lossless: an OpenAI SDK request whose primary (OpenAI-compatible)
// fails is answered by a backup speaking another provider's protocol, in OpenAI's shape:
// content, finish_reason, usage, streams and tool calls included. The fakes answer in the
// other provider's documented wire format.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, startServe, writeConfig } from './lib.mjs';

let f, s, client;
const ANTHROPIC_KEY = 'sk-ant-e2e-secret-0001';

before(async () => {
  f = await startFake({ routes: { '': [{ reply: 'x' }] } });
  s = await startServe(writeConfig(`
[router]
num_retries = 0
[router.fallbacks]
primary = ["claude"]
[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_base = "${f.base}/a/v1"
[[deployments]]
id = "claude"
model_name = "claude"
provider = "anthropic"
model = "claude-sonnet-4-6"
api_key = "${ANTHROPIC_KEY}"
api_base = "${f.base}/c"
`));
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20000 });
});
after(async () => { await s.stop(); await f.stop(); });

const json = (body) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sse = (events) => ({ status: 200, headers: { 'content-type': 'text/event-stream' },
  body: events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('') });
const down = { status: 503, body: 'primary down' };
const claudeMessage = (content, stop, usage) => json({ id: 'msg_01', type: 'message', role: 'assistant',
  model: 'claude-sonnet-4-6', content, stop_reason: stop, stop_sequence: null, usage });

async function lastRequest(prefix) {
  return (await f.requests()).filter((q) => q.route === prefix).at(-1);
}

test('OpenAI SDK -> 503 primary -> Anthropic backup: content, finish_reason, usage', async () => {
  await f.setScript({ routes: { '/a': [down],
    '/c': [claudeMessage([{ type: 'text', text: 'Bonjour!' }], 'end_turn', { input_tokens: 12, output_tokens: 4 })] } });
  const { data: r, response } = await client.chat.completions.create({ model: 'primary',
    messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Say hello' }] }).withResponse();
  assert.equal(r.choices[0].message.content, 'Bonjour!');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.usage.prompt_tokens, 12);
  assert.equal(r.usage.completion_tokens, 4);
  assert.equal(response.headers.get('x-detour-deployment'), 'claude');
  const req = await lastRequest('/c');
  assert.equal(req.path, '/c/v1/messages');
  assert.equal(req.headers['x-api-key'], ANTHROPIC_KEY);
  const body = JSON.parse(req.body);
  assert.equal(body.system, 'Answer in French.');
  assert.deepEqual(body.messages, [{ role: 'user', content: 'Say hello' }]);
  assert.equal(body.model, 'claude-sonnet-4-6');
  assert.equal(body.max_tokens, 4096);
});

test('OpenAI SDK stream -> 503 primary -> Anthropic backup stream', async () => {
  await f.setScript({ routes: { '/a': [down], '/c': [sse([
    ['message_start', { type: 'message_start', message: { id: 'msg_02', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, usage: { input_tokens: 9, output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['ping', { type: 'ping' }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo!' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }],
    ['message_stop', { type: 'message_stop' }],
  ])] } });
  const stream = await client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'hi' }],
    stream: true, stream_options: { include_usage: true } });
  let text = '', finish = null, usage = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    if (c.usage) usage = c.usage;
  }
  assert.equal(text, 'Hello!');
  assert.equal(finish, 'stop');
  assert.equal(usage.prompt_tokens, 9);
  assert.equal(usage.completion_tokens, 3);
  assert.equal(JSON.parse((await lastRequest('/c')).body).stream, true);
});

test('tool-call round trip through Anthropic: tool_calls out, the tool result back in, the final answer', async () => {
  await f.setScript({ routes: { '/a': [down], '/c': [
    claudeMessage([{ type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { location: 'Paris' } }], 'tool_use', { input_tokens: 20, output_tokens: 8 }),
    claudeMessage([{ type: 'text', text: 'It is 18C and sunny in Paris.' }], 'end_turn', { input_tokens: 30, output_tokens: 9 }),
  ] } });
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];
  const messages = [{ role: 'user', content: 'Weather in Paris?' }];
  const first = await client.chat.completions.create({ model: 'primary', messages, tools });
  const call = first.choices[0].message.tool_calls[0];
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.id, 'toolu_01');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
  messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '18C sunny' });
  const second = await client.chat.completions.create({ model: 'primary', messages, tools });
  assert.equal(second.choices[0].message.content, 'It is 18C and sunny in Paris.');
  // The second upstream request carried the call and its result as Anthropic blocks.
  const body = JSON.parse((await lastRequest('/c')).body);
  assert.equal(body.messages[1].role, 'assistant');
  assert.ok(body.messages[1].content.some((b) => b.type === 'tool_use' && b.id === 'toolu_01' && b.input.location === 'Paris'));
  assert.equal(body.messages[2].role, 'user');
  assert.deepEqual(body.messages[2].content[0].type, 'tool_result');
  assert.equal(body.messages[2].content[0].tool_use_id, 'toolu_01');
  assert.equal(body.tools[0].name, 'get_weather');
});
