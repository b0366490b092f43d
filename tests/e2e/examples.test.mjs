// examples/*.toml (README "Examples"): every example config loads with the real binary and
// lints clean (`detour check --offline`: exit 0, no error or warning finding), and keys
// appear only as ${VAR} references. The variables each file references are set to a
// placeholder (no real key is needed: --offline contacts nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETOUR, tempDir } from './lib.mjs';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.toml')).sort();

function referencedVars(text) {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)].map((m) => m[1]))];
}

test('the examples directory holds the documented configs', () => {
  for (const f of ['minimal.toml', 'cross-provider.toml', 'azure-two-region.toml', 'local-models.toml'])
    assert.ok(files.includes(f), `examples/${f} is missing`);
});

for (const file of files) {
  test(`examples/${file} loads and lints clean`, () => {
    const path = join(EXAMPLES, file);
    const text = readFileSync(path, 'utf8');
    // A clean environment: only the variables the file names (no stray real key), and a
    // HOME without a config of its own.
    const env = { PATH: process.env.PATH, HOME: tempDir() };
    for (const v of referencedVars(text)) env[v] = 'placeholder-not-a-key';
    const r = spawnSync(DETOUR, ['check', '--offline', '--config', path, '--format', 'json'],
                        { env, encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(r.stdout);
    const serious = report.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
    assert.deepEqual(serious, [], JSON.stringify(serious, null, 2));
  });

  test(`examples/${file} writes keys only as \${VAR}`, () => {
    const text = readFileSync(join(EXAMPLES, file), 'utf8');
    for (const m of text.matchAll(/^\s*api_key\s*=\s*"([^"]*)"/gm))
      assert.match(m[1], /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, `api_key = "${m[1]}" in ${file}`);
  });
}

test('an example with a key variable unset is reported by name (exit 1)', () => {
  const path = join(EXAMPLES, 'minimal.toml');
  const env = { PATH: process.env.PATH, HOME: tempDir(), OPENAI_API_KEY: 'placeholder-not-a-key' };
  const r = spawnSync(DETOUR, ['check', '--offline', '--config', path], { env, encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /variable ANTHROPIC_API_KEY is not set/);
});
