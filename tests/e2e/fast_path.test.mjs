// The same-protocol fast path end to end (issue #20): two real `detour serve`s in front of
// one upstream on loopback, A as shipped and B with DETOUR_FAST_PATH=off (every body and
// chunk through the nlohmann DOM). The same corpus of requests and upstream answers goes
// through both: plain answers, usage in odd shapes, unicode and escapes, tool calls,
// Azure filter chunks, error bodies inside a 200, malformed answers and chunks, a stream
// cut by a malformed chunk after commit. Compared: what the client gets (status, the
// x-detour-attempts header, the body as parsed JSON, a stream event by event), what the
// upstream receives (parsed JSON, and how many times), and the usage and [record] lines.
// The byte level tells the paths apart: A sends the client's member order upstream and
// forwards the upstream's bytes; B's DOM sorts keys. So the test also proves A took the
// fast path and B did not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServe, writeConfig, waitFor, tempDir } from './lib.mjs';

const chunk = (o) => JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up-model-2024', ...o });
const delta = (d, finish = null, index = 0) => ({ index, delta: d, logprobs: null, finish_reason: finish });
const usage = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 };

// What the upstream answers, by case number (the first message's text starts "case N").
const ANSWERS = {
  1: { body: '{"id":"c1","object":"chat.completion","created":1,"model":"up-model-2024","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}' },
  2: { body: '{"zeta":1,"id":"c2","choices":[{"index":0,"message":{"role":"assistant","content":"caf\\u00e9 😀 \\"q\\" \\\\ \\n"},"finish_reason":"stop"}],"alpha":2,"usage":{"prompt_tokens":5,"completion_tokens":7}}' },
  3: { body: '{"id":"c3","model":"","choices":[{"index":0,"message":{"role":"assistant","content":"a"},"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"b"},"finish_reason":"length"}],"usage":{"prompt_tokens":9.7,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":6}}}' },
  4: { body: '{"error":{"message":"the model is overloaded","type":"server_error","code":null}}' },
  5: { body: 'upstream said something that is not JSON' },
  6: { body: '{"model":"first","model":"second","id":"c6","choices":[{"index":0,"message":{"role":"assistant","content":"dup"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}' },
  7: { stream: [chunk({ choices: [delta({ role: 'assistant', content: '' })], usage: null }),
               chunk({ choices: [delta({ content: 'Hel' })], usage: null }),
               chunk({ choices: [delta({ content: 'lo' })], usage: null }),
               chunk({ choices: [delta({}, 'stop')], usage: null }),
               chunk({ choices: [], usage })] },
  9: { stream: ['{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}',
               chunk({ choices: [delta({ role: 'assistant', tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'get_weather', arguments: '' } }] })] }),
               chunk({ choices: [delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Z\\u00fcrich"}' } }] })] }),
               chunk({ choices: [delta({}, 'tool_calls')] }),
               chunk({ choices: [], usage })] },
  10: { stream: [chunk({ choices: [delta({ content: 'caf\u00e9 😀 "q" \\ \n' }, null, 0), delta({ content: 'b' }, null, 1)] }),
                 '{ "id" : "c1" , "choices" : [ { "index" : 1 , "delta" : { } , "finish_reason" : "stop" } ] }',
                 chunk({ choices: [delta({}, 'stop', 0)] }),
                 chunk({ choices: [], usage })] },
  11: { stream: [chunk({ choices: [delta({ content: 'half an ans' })], usage: null }), '{"choices": [ broken'], done: false },
  12: { stream: ['{"error":{"message":"overloaded","type":"server_error"}}'], done: false },
};
ANSWERS[8] = ANSWERS[7];

// The client's requests: [case, body text, stream]
const text = (n, extra = '') => `case ${n}${extra}`;
const REQUESTS = [
  [1, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(1) }], zeta: 1, alpha: 2 })],
  [2, `{\n  "messages": [ { "role": "system", "content": "be brief \\u00e9" }, { "role": "user", "content": "${text(2, ' h\u00e9llo 😀 \\"x\\" \\\\')}" } ],\n  "model": "g", "fallbacks": [], "num_retries": 1, "timeout": 30, "temperature": 0.5 }`],
  [3, JSON.stringify({ model: 'g', n: 2, messages: [{ role: 'user', content: text(3) }], stream: false, stream_options: { include_usage: true } })],
  [4, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(4) }] })],
  [5, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(5) }] })],
  [6, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(6) }] })],
  [7, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(7) }], stream: true, zeta: 1, alpha: 2 }), true],
  [8, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(8) }], stream: true, stream_options: { include_usage: true, extra: 'kept' } }), true],
  [9, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(9) }], stream: true, tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] }), true],
  [10, JSON.stringify({ model: 'g', n: 2, messages: [{ role: 'user', content: text(10) }], stream: true, stream_options: { include_usage: true } }), true],
  [11, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(11) }], stream: true }), true],
  [12, JSON.stringify({ model: 'g', messages: [{ role: 'user', content: text(12) }], stream: true }), true],
  [1, '{"model":"g","model":"g","messages":[{"role":"user","content":"case 1 again"}]}'],  // declined by A
];

let upstream;
const received = { a: [], b: [] };
let dir;
const serves = {};

function answer(res, caseNo) {
  const a = ANSWERS[caseNo];
  if (a.body !== undefined) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(a.body);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(a.stream.map((e) => `data: ${e}\n\n`).join('') + (a.done === false ? '' : 'data: [DONE]\n\n'));
}

before(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const side = req.url.startsWith('/a/') ? 'a' : 'b';
      const parsed = JSON.parse(body);
      const caseNo = Number(/^case (\d+)/.exec(parsed.messages.at(-1).content)[1]);
      received[side].push({ caseNo, text: body, parsed });
      answer(res, caseNo);
    });
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  dir = tempDir();
  for (const side of ['a', 'b']) {
    const config = writeConfig(`
[router]
num_retries = 1
backoff = { base = "1ms", max = "2ms" }
allowed_fails = 1000
stream_resume = "off"

[[deployments]]
model_name = "g"
provider = "openai-compatible"
model = "up-model"
api_base = "http://127.0.0.1:${upstream.address().port}/${side}/v1"
price = { input = 1.0, output = 2.0 }

[usage]
log = "${join(dir, `usage-${side}.jsonl`)}"

[record]
path = "${join(dir, `record-${side}.jsonl`)}"
`, tempDir());
    serves[side] = await startServe(config, { env: side === 'b' ? { DETOUR_FAST_PATH: 'off' } : {} });
  }
});

after(async () => {
  for (const s of Object.values(serves)) await s.stop();
  await new Promise((r) => upstream.close(r));
});

async function send(side, body) {
  const res = await fetch(`${serves[side].url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body,
  });
  return { status: res.status, attempts: res.headers.get('x-detour-attempts'), type: res.headers.get('content-type'), text: await res.text() };
}

// SSE events as parsed JSON (or the literal [DONE]), in order.
function events(body) {
  return body.split('\n\n').filter((e) => e.trim()).map((e) => {
    assert.ok(e.startsWith('data: '), `an SSE event without data: ${e}`);
    const data = e.slice(6);
    return data === '[DONE]' ? data : JSON.parse(data);
  });
}

// Durations differ from run to run; everything else must not.
const timeless = (v) => (Array.isArray(v) ? v.map(timeless) : v && typeof v === 'object'
  ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'elapsed_ms').map(([k, x]) => [k, timeless(x)])) : v);

const lines = (path) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l) : []);
const drop = (o, keys) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

test('the fast path and the DOM path give the client, the upstream and the logs the same', async () => {
  const outcomes = [];
  for (const [caseNo, body, stream] of REQUESTS) {
    const before = { a: received.a.length, b: received.b.length };
    const a = await send('a', body);
    const b = await send('b', body);
    const what = `case ${caseNo} (${body.slice(0, 60)}...)`;
    assert.equal(a.status, b.status, `${what}: status`);
    assert.equal(a.attempts, b.attempts, `${what}: attempts`);
    if (stream && a.status === 200) assert.deepEqual(timeless(events(a.text)), timeless(events(b.text)), `${what}: stream events`);
    else assert.deepEqual(timeless(JSON.parse(a.text)), timeless(JSON.parse(b.text)), `${what}: body`);
    const upA = received.a.slice(before.a), upB = received.b.slice(before.b);
    assert.equal(upA.length, upB.length, `${what}: upstream requests`);
    for (let i = 0; i < upA.length; i++) assert.deepEqual(upA[i].parsed, upB[i].parsed, `${what}: upstream body`);
    outcomes.push({ caseNo, a, b, upA, upB });
  }

  // The corpus covers what it says: errors, retries, a committed stream that broke.
  const byCase = (n) => outcomes.find((o) => o.caseNo === n);
  assert.equal(byCase(1).a.status, 200);
  assert.ok(byCase(4).a.status >= 500, 'an error inside a 200 is an upstream error');
  assert.equal(byCase(4).upA.length, 2, 'and is retried');
  assert.equal(byCase(5).upA.length, 2, 'a malformed answer is retried');
  assert.equal(byCase(11).a.status, 200);
  assert.ok(/"error"/.test(byCase(11).a.text) && !byCase(11).a.text.includes('[DONE]'), 'a stream broken after commit ends with an error event');
  assert.ok(byCase(12).a.status >= 500);
  assert.ok(!events(byCase(7).a.text).some((e) => e !== '[DONE]' && 'usage' in e), 'usage removed when the client did not ask');
  assert.deepEqual(events(byCase(8).a.text).at(-2).usage, usage, 'usage kept when it asked');

  // The byte level: A spliced the client's bytes and forwarded the upstream's; B did not.
  const up1 = byCase(1);
  assert.ok(up1.upA[0].text.indexOf('"zeta"') < up1.upA[0].text.indexOf('"alpha"'), 'A kept the member order');
  assert.ok(up1.upB[0].text.indexOf('"alpha"') < up1.upB[0].text.indexOf('"zeta"'), 'B serialised its DOM');
  assert.equal(up1.a.text, ANSWERS[1].body, 'A forwarded the answer as received');
  assert.notEqual(up1.b.text, ANSWERS[1].body);
  assert.ok(byCase(7).a.text.includes(`data: ${ANSWERS[7].stream[1].replace(',"usage":null', '')}\n\n`),
    'A forwarded the chunk as received, less usage');

  // Usage and attempt records: the same but for times, ids and durations.
  const n = REQUESTS.length;
  await waitFor(() => lines(join(dir, 'usage-a.jsonl')).length === n && lines(join(dir, 'usage-b.jsonl')).length === n,
    10000, 'usage lines');
  const usageOf = (side) => lines(join(dir, `usage-${side}.jsonl`)).map((l) => drop(JSON.parse(l), ['time', 'id', 'ms']));
  assert.deepEqual(usageOf('a'), usageOf('b'));
  assert.equal(usageOf('a')[2].prompt_tokens, 9, 'a float token count read as the DOM path reads it');
  const recordOf = (side) => lines(join(dir, `record-${side}.jsonl`)).map((l) => drop(JSON.parse(l), ['time', 'total_ms', 'first_token_ms']));
  await waitFor(() => recordOf('a').length === received.a.length && recordOf('b').length === received.b.length, 10000, 'record lines');
  assert.deepEqual(recordOf('a'), recordOf('b'));
});
