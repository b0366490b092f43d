// The command tree as the real binary's --help describes it: every subcommand (nested ones
// too) with its long options. The man page and completion tests check their files against
// this, so a new subcommand or option that is not documented or completed fails a test.
import { spawnSync } from 'node:child_process';
import { DETOUR } from './lib.mjs';

function help(path) {
  const r = spawnSync(DETOUR, [...path, '--help'], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error(`detour ${path.join(' ')} --help: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

// The lines of one section ("Options:", "Subcommands:") up to the next blank line.
function section(text, title) {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const out = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    out.push(line);
  }
  return out;
}

function parse(text) {
  // An entry starts at column 2; deeper-indented lines continue the description.
  const entries = (title) => section(text, title).filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim());
  const options = entries('Options:').flatMap((e) => e.split(/\s{2,}|\s/)[0].split(','))
    .filter((o) => o.startsWith('--'));
  const subcommands = entries('Subcommands:').map((e) => e.split(/\s/)[0]);
  return { options, subcommands };
}

// [{ path: [] | ['chat'] | ['config', 'convert'], options: ['--help', ...], subcommands: [...] }]
export function helpTree() {
  const out = [];
  const walk = (path) => {
    const node = { path, ...parse(help(path)) };
    out.push(node);
    for (const s of node.subcommands) walk([...path, s]);
  };
  walk([]);
  return out;
}
