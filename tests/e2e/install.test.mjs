// `cmake --install BUILD --prefix P` (README "Install"): the binary, the man page, the
// three shell completions, the shipped traces and the examples land where they are looked
// for, byte for byte the files of the source tree, and the installed binary runs. BUILD is the build directory of the
// binary under test (DETOUR_BIN's directory); skipped when that is not a CMake build dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DETOUR, tempDir } from './lib.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const BUILD = dirname(DETOUR);

test('cmake --install puts the binary, man page and completions in place', (t) => {
  if (!existsSync(join(BUILD, 'cmake_install.cmake')))
    return t.skip(`${BUILD} is not a CMake build directory`);
  const prefix = tempDir();
  const r = spawnSync('cmake', ['--install', BUILD, '--prefix', prefix], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);

  const same = {
    'share/man/man1/detour.1': 'man/detour.1',
    'share/bash-completion/completions/detour': 'completions/detour.bash',
    'share/zsh/vendor-completions/_detour': 'completions/_detour',
    'share/fish/vendor_completions.d/detour.fish': 'completions/detour.fish',
  };
  // The traces `detour bench` replays when given none, and the example configs.
  for (const f of readdirSync(join(ROOT, 'examples/traces')))
    same[`share/detour/traces/${f}`] = `examples/traces/${f}`;
  for (const f of readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.toml')))
    same[`share/doc/detour/examples/${f}`] = `examples/${f}`;
  same['share/doc/detour/shell-scripts.md'] = 'docs/shell-scripts.md';
  for (const [installed, src] of Object.entries(same)) {
    const at = join(prefix, installed);
    assert.ok(existsSync(at), `${installed} was not installed`);
    assert.ok(readFileSync(at).equals(readFileSync(join(ROOT, src))), `${installed} differs from ${src}`);
  }

  const bin = join(prefix, 'bin', 'detour');
  assert.ok(existsSync(bin), 'bin/detour was not installed');
  assert.ok(statSync(bin).mode & 0o111, 'bin/detour is not executable');
  const v = spawnSync(bin, ['version'], { encoding: 'utf8', timeout: 10000 });
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /^detour \d+\.\d+\.\d+\ncommit: +\S+\nbuild type: +\S*\ncompiler: +.+\nopenssl: +OpenSSL /);
});
