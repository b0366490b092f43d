// man/detour.1: renders without a warning (`MANWIDTH=80 man --warnings -l`), and documents
// every subcommand and every long option the binary's --help lists
// (tests/e2e/help_tree.mjs): each subcommand has its own `.SS "detour <path> ..."` section
// naming its options, the global options are in GLOBAL OPTIONS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { helpTree } from './help_tree.mjs';

const MAN_PAGE = new URL('../../man/detour.1', import.meta.url).pathname;

// The roff source as plain words: \- is a hyphen, font changes and \& vanish.
const source = readFileSync(MAN_PAGE, 'utf8')
  .replace(/\\-/g, '-').replace(/\\f[BIRP]/g, '').replace(/\\&/g, '');

// The text from the line starting with `start` to the next section or subsection heading.
function sectionOf(start) {
  const lines = source.split('\n');
  const i = lines.findIndex((l) => l.startsWith(start));
  if (i < 0) return null;
  const end = lines.findIndex((l, j) => j > i && /^\.S[HS] /.test(l));
  return lines.slice(i, end < 0 ? undefined : end).join('\n');
}

test('man renders the page without warnings', (t) => {
  const probe = spawnSync('man', ['--version'], { encoding: 'utf8' });
  if (probe.error) return t.skip('man is not installed (scripts/setup.sh --test installs man-db)');
  const r = spawnSync('man', ['--warnings', '-l', MAN_PAGE], {
    encoding: 'utf8', timeout: 30000,
    env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat', LC_ALL: 'C.UTF-8' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', `man --warnings:\n${r.stderr}`);
  for (const heading of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'CONFIGURATION',
                         'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES'])
    assert.match(r.stdout, new RegExp(`^${heading}$`, 'm'), `no ${heading} section`);
});

test('every subcommand and long option of --help is in the man page', () => {
  const missing = [];
  for (const node of helpTree()) {
    const name = ['detour', ...node.path].join(' ');
    const text = node.path.length ? sectionOf(`.SS "${name}`) : sectionOf('.SH GLOBAL OPTIONS');
    if (text === null) { missing.push(`section for "${name}"`); continue; }
    // --help is documented once, with the global options.
    const options = node.path.length ? node.options.filter((o) => o !== '--help') : node.options;
    for (const o of options)
      if (!new RegExp(`${o}(?![a-z-])`).test(text)) missing.push(`${name} ${o}`);
    // A subcommand is also in the synopsis.
    if (node.path.length && !sectionOf('.SH SYNOPSIS').includes(node.path[0])) missing.push(`synopsis: ${name}`);
  }
  assert.deepEqual(missing, [], `not in man/detour.1:\n${missing.join('\n')}`);
});
