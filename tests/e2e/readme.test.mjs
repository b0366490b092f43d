// The README's commands are real: every `detour ...` line in its code blocks names a
// subcommand the binary has and only options that subcommand (or the global level)
// accepts, as the binary's own --help tree says; and the scripts the set-up commands name
// exist and are executable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpTree } from './help_tree.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

// Lines inside ``` blocks and 4-space indented command lines.
function commandLines() {
  const out = [];
  let fenced = false;
  for (const line of README.split('\n')) {
    if (line.startsWith('```')) { fenced = !fenced; continue; }
    if (fenced || line.startsWith('    ')) out.push(line.trim());
  }
  return out;
}

// Each `detour` invocation in a shell line (after pipes and `&&`), as its words up to a
// comment, redirection or the end.
function invocations(line) {
  const out = [];
  for (const part of line.split(/\||&&|;/)) {
    const words = part.trim().split(/\s+/);
    const at = words.indexOf('detour');
    if (at !== 0) continue;
    const args = [];
    for (const w of words.slice(1)) {
      if (w.startsWith('#') || w === '&' || w.startsWith('>') || w.startsWith('2>')) break;
      args.push(w);
    }
    out.push(args);
  }
  return out;
}

test('every detour command in the README uses a real subcommand and real options', () => {
  const tree = helpTree();
  const node = (path) => tree.find((n) => n.path.join(' ') === path.join(' '));
  const globals = node([]).options;
  let checked = 0;
  for (const line of commandLines()) {
    for (const args of invocations(line)) {
      // The subcommand path: leading words that are subcommands, skipping global options.
      const path = [];
      let i = 0;
      for (; i < args.length; i++) {
        const a = args[i];
        if (a === '--config' || a === '--log-level' || a === '--log-format' || a === '--seed') { i++; continue; }
        if (a.startsWith('-')) continue;
        const here = node(path);
        if (here && here.subcommands.includes(a)) path.push(a);
        else break;
      }
      if (path.length === 0) continue;  // `detour` alone or a synopsis with placeholders
      const allowed = new Set([...globals, ...node(path).options]);
      for (const a of args) {
        if (!a.startsWith('--')) continue;
        const name = a.split('=')[0].replace(/[\]\[]/g, '');
        assert.ok(allowed.has(name), `README: "${line}": detour ${path.join(' ')} has no option ${name}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 10, `only ${checked} detour commands found in the README`);
});

test('the two set-up commands name scripts that exist and are executable', () => {
  const setup = README.slice(README.indexOf('## Set up'), README.indexOf('## A 60-second tour'));
  const commands = setup.split('\n').filter((l) => l.startsWith('    ')).map((l) => l.trim());
  assert.deepEqual(commands, [
    'scripts/setup.sh && scripts/demo.sh',
    'scripts/setup.sh --test && ctest --test-dir build --output-on-failure',
  ]);
  for (const script of ['scripts/setup.sh', 'scripts/demo.sh']) accessSync(join(ROOT, script), constants.X_OK);
  // The test command is the one CI runs.
  assert.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /scripts\/setup\.sh --test && ctest --test-dir build --output-on-failure/);
});
