// `detour init` as a new user runs it: only OPENAI_API_KEY and ANTHROPIC_API_KEY set, it
// writes a config whose primary and backup are on different providers, that loads, and
// that holds no key value; a local Ollama (OLLAMA_HOST) is found; it never overwrites.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { runDetour, tempDir } from './lib.mjs';

const KEYS = { OPENAI_API_KEY: 'sk-openai-secret-1', ANTHROPIC_API_KEY: 'sk-ant-secret-2' };

test('init with two keys: primary and backup on different providers, loads, no key value', async () => {
  const dir = tempDir();
  const out = `${dir}/detour.toml`;
  const r = await runDetour(['init', '--no-local', '-o', out], { env: KEYS });
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  for (const v of Object.values(KEYS)) assert.ok(!text.includes(v) && !r.stdout.includes(v), 'no key value');
  assert.match(text, /^default = \["backup"\]$/m);
  const deps = [...text.matchAll(/model_name = "(\w[\w-]*)"\nprovider = "([\w-]+)"/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(deps, [['default', 'openai'], ['backup', 'anthropic']]);
  assert.match(text, /api_key = "\$\{OPENAI_API_KEY\}"/);
  const check = await runDetour(['--config', out, 'check', '--offline'], { env: KEYS });
  assert.equal(check.code, 0, check.stdout + check.stderr);

  // It leaves an existing file alone without --force.
  writeFileSync(out, '# mine\n');
  const again = await runDetour(['init', '--no-local', '-o', out], { env: KEYS });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
  assert.equal(readFileSync(out, 'utf8'), '# mine\n');
  assert.equal((await runDetour(['init', '--no-local', '--force', '-o', out], { env: KEYS })).code, 0);
});

test('init finds a local Ollama through OLLAMA_HOST and makes it the backup of a hosted primary', async () => {
  const ollama = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/api/tags' ? JSON.stringify({ models: [{ name: 'llama3.2:3b' }] }) : '{}');
  });
  await new Promise((r) => ollama.listen(0, '127.0.0.1', r));
  try {
    const out = `${tempDir()}/detour.toml`;
    const r = await runDetour(['init', '-o', out],
      { env: { OPENAI_API_KEY: 'sk-x', OLLAMA_HOST: `127.0.0.1:${ollama.address().port}`, LLAMA_ARG_PORT: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /model_name = "backup"\nprovider = "openai-compatible"\nmodel = "llama3.2:3b"\napi_base = "http:\/\/127\.0\.0\.1:\d+\/v1"/);
  } finally {
    ollama.close();
  }
});

test('init with nothing to find exits 1 and writes nothing', async () => {
  const out = `${tempDir()}/detour.toml`;
  const r = await runDetour(['init', '--no-local', '-o', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /found no provider/);
  assert.throws(() => readFileSync(out));
});
