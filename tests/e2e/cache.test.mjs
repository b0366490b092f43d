// The response cache (`[cache]`, SPEC 2, 4.2) through `detour serve`, driven with curl
// against the fake upstream: hits make no upstream request and answer the same bytes,
// streams are served from the cache as streams, ttl, LRU eviction, the request header
// `x-detour-cache: no-cache|no-store`, /v1/messages, and no header when the cache is off.
import { test, after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, startServe, writeConfig, curl, waitFor } from './lib.mjs';

let f;
const servers = [];
before(async () => { f = await startFake({ routes: { '': [{ reply: 'unused' }] } }); });
afterEach(async () => { while (servers.length) await servers.pop().stop('SIGKILL'); });
after(async () => { await f.stop(); });

function toml(cache) {
  return `
[router]
timeout = "5s"

[[deployments]]
id = "prim"
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_base = "${f.base}/a/v1"
price = { input = 1.0, output = 2.0 }

${cache === null ? '' : `[cache]\n${cache}`}
`;
}

async function serve(routes, cache = 'enabled = true') {
  await f.setScript({ routes });
  const s = await startServe(writeConfig(toml(cache)));
  servers.push(s);
  return s;
}

function post(s, body, extra = [], path = '/v1/chat/completions') {
  return curl(['-X', 'POST', `${s.url}${path}`, '-H', 'content-type: application/json',
    '--data-binary', JSON.stringify(body), ...extra]);
}

const ask = (content = 'hi', extra = {}) => ({ model: 'primary', messages: [{ role: 'user', content }], ...extra });
const upstreamHits = async () => Object.values(await f.hits()).reduce((a, b) => a + b, 0);

function events(body) {
  assert.match(body, /^(data: [^\n]+\n\n)*$/, `SSE framing: ${JSON.stringify(body)}`);
  return body.split('\n\n').filter(Boolean).map((e) => e.slice('data: '.length));
}

test('a repeated request is answered from the cache: same body, x-detour-cache: hit, no upstream request', async () => {
  const s = await serve({ '/a': [{ reply: 'first answer' }, { reply: 'second answer' }] });
  const miss = await post(s, ask());
  assert.equal(miss.status, 200);
  assert.equal(miss.headers['x-detour-cache'], 'miss');
  assert.equal(miss.headers['x-detour-attempts'], '1');
  assert.equal(JSON.parse(miss.body).choices[0].message.content, 'first answer');

  // The same request with its keys in another order and routing-only fields added.
  const hit = await post(s, { messages: [{ content: 'hi', role: 'user' }], user: 'someone', model: 'primary' });
  assert.equal(hit.status, 200);
  assert.equal(hit.headers['x-detour-cache'], 'hit');
  assert.equal(hit.headers['x-detour-deployment'], 'prim');
  assert.equal(hit.headers['x-detour-model-group'], 'primary');
  assert.equal(hit.headers['x-detour-attempts'], '0');
  assert.equal(hit.headers['x-detour-cost-usd'], undefined);  // nothing was paid upstream
  assert.equal(hit.body, miss.body);
  assert.equal(await upstreamHits(), 1);

  // A parameter that changes the answer is another entry.
  const other = await post(s, ask('hi', { temperature: 0.3 }));
  assert.equal(other.headers['x-detour-cache'], 'miss');
  assert.equal(JSON.parse(other.body).choices[0].message.content, 'second answer');
  assert.equal(await upstreamHits(), 2);
});

test('a stream after a buffered request is served from the cache as a stream, ending with [DONE]', async () => {
  const s = await serve({ '/a': [{ reply: 'cached words for a stream', usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } }] });
  const first = await post(s, ask());
  assert.equal(first.headers['x-detour-cache'], 'miss');
  const r = await post(s, ask('hi', { stream: true, stream_options: { include_usage: true } }), ['-N']);
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'], /^text\/event-stream/);
  assert.equal(r.headers['x-detour-cache'], 'hit');
  assert.equal(r.headers['x-detour-attempts'], '0');
  const evs = events(r.body);
  assert.equal(evs.at(-1), '[DONE]');
  const chunks = evs.slice(0, -1).map((e) => JSON.parse(e));
  const answer = JSON.parse(first.body);
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.id, answer.id);
    assert.equal(c.model, 'up-primary');
  }
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(text, 'cached words for a stream');
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks.at(-1).choices, []);
  assert.equal(chunks.at(-1).usage.total_tokens, 9);
  assert.equal(await upstreamHits(), 1);
});

test('a completed stream is stored and answers a buffered request', async () => {
  const s = await serve({ '/a': [{ stream: ['Hel', 'lo'] }, { reply: 'not this' }] });
  const r = await post(s, ask('hi', { stream: true }), ['-N']);
  assert.equal(r.headers['x-detour-cache'], 'miss');
  assert.equal(events(r.body).at(-1), '[DONE]');
  const hit = await post(s, ask());
  assert.equal(hit.headers['x-detour-cache'], 'hit');
  assert.equal(JSON.parse(hit.body).choices[0].message.content, 'Hello');
  assert.equal(await upstreamHits(), 1);
});

test('a stream cut after commit is not stored', async () => {
  const s = await serve({ '/a': [{ stream: ['Hel', 'lo', ' world'], mode: 'cut', cut_after: 2 }, { reply: 'whole' }] });
  const r = await post(s, ask('hi', { stream: true }), ['-N']);
  assert.doesNotMatch(r.body, /\[DONE\]/);
  const next = await post(s, ask());
  assert.equal(next.headers['x-detour-cache'], 'miss');
  assert.equal(JSON.parse(next.body).choices[0].message.content, 'whole');
});

test('an entry expires at its ttl', async () => {
  const s = await serve({ '/a': [{ reply: 'one' }, { reply: 'two' }] }, 'enabled = true\nttl = "1s"');
  const started = Date.now();
  assert.equal((await post(s, ask())).headers['x-detour-cache'], 'miss');
  const hit = await post(s, ask());
  if (Date.now() - started < 900) assert.equal(hit.headers['x-detour-cache'], 'hit');
  // Expired within a bounded time: the upstream answers again.
  const fresh = await waitFor(async () => {
    const r = await post(s, ask());
    return r.headers['x-detour-cache'] === 'miss' && r;
  }, 5000, 'the entry to expire');
  assert.ok(Date.now() - started >= 1000);
  assert.equal(JSON.parse(fresh.body).choices[0].message.content, 'two');
});

test('max_entries = 2 evicts the least recently used entry', async () => {
  const s = await serve({ '/a': [{ reply: 'answer' }] }, 'enabled = true\nmax_entries = 2');
  const state = async (q) => (await post(s, ask(q))).headers['x-detour-cache'];
  assert.equal(await state('one'), 'miss');
  assert.equal(await state('two'), 'miss');
  assert.equal(await state('one'), 'hit');   // one is now the most recently used
  assert.equal(await state('three'), 'miss');  // evicts two
  assert.equal(await upstreamHits(), 3);
  assert.equal(await state('one'), 'hit');
  assert.equal(await state('three'), 'hit');
  assert.equal(await state('two'), 'miss');
  assert.equal(await upstreamHits(), 4);
});

test('x-detour-cache: no-cache skips the lookup but stores; no-store does neither', async () => {
  const s = await serve({ '/a': [{ reply: 'v1' }, { reply: 'v2' }, { reply: 'v3' }] });
  const content = (r) => JSON.parse(r.body).choices[0].message.content;
  assert.equal(content(await post(s, ask())), 'v1');
  const noCache = await post(s, ask(), ['-H', 'x-detour-cache: no-cache']);
  assert.equal(noCache.headers['x-detour-cache'], 'miss');
  assert.equal(content(noCache), 'v2');
  const hit = await post(s, ask());
  assert.equal(hit.headers['x-detour-cache'], 'hit');
  assert.equal(content(hit), 'v2');  // no-cache stored its fresh answer
  const noStore = await post(s, ask(), ['-H', 'X-Detour-Cache: No-Store']);
  assert.equal(noStore.headers['x-detour-cache'], 'miss');
  assert.equal(content(noStore), 'v3');
  assert.equal(content(await post(s, ask())), 'v2');  // no-store kept the old one
  // no-store on a request never seen: nothing is stored.
  await post(s, ask('fresh'), ['-H', 'x-detour-cache: no-store']);
  assert.equal((await post(s, ask('fresh'))).headers['x-detour-cache'], 'miss');
  assert.equal(await upstreamHits(), 5);
});

test('/v1/messages is answered from the same cache, in Anthropic shape', async () => {
  const s = await serve({ '/a': [{ reply: 'bonjour' }, { reply: 'other' }] });
  const body = { model: 'primary', max_tokens: 32, messages: [{ role: 'user', content: 'hello' }] };
  const first = await post(s, body, [], '/v1/messages');
  assert.equal(first.headers['x-detour-cache'], 'miss');
  const hit = await post(s, body, [], '/v1/messages');
  assert.equal(hit.headers['x-detour-cache'], 'hit');
  assert.equal(JSON.parse(hit.body).content[0].text, 'bonjour');
  const streamed = await post(s, { ...body, stream: true }, ['-N'], '/v1/messages');
  assert.equal(streamed.headers['x-detour-cache'], 'hit');
  assert.match(streamed.body, /event: message_start/);
  assert.match(streamed.body, /"text":"bonjour"|bonjour/);
  assert.match(streamed.body, /event: message_stop/);
  assert.equal(await upstreamHits(), 1);
});

test('with the cache off there is no x-detour-cache header and every request goes upstream', async () => {
  for (const cache of [null, 'enabled = false']) {
    const s = await serve({ '/a': [{ reply: 'x' }, { stream: ['x'] }] }, cache);
    const a = await post(s, ask());
    const b = await post(s, ask('hi', { stream: true }), ['-N']);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(a.headers['x-detour-cache'], undefined);
    assert.equal(b.headers['x-detour-cache'], undefined);
    assert.equal(await upstreamHits(), 2);
    await servers.pop().stop('SIGKILL');
  }
});
