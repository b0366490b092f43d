// completions/ (bash, zsh, fish): each file loads without errors in its shell and, driven
// non-interactively, completes every subcommand and every long option that the binary's
// --help lists (tests/e2e/help_tree.mjs), and the model group names of the config on the
// line (asked of the real binary through `detour __complete models`).
//   bash: source the file, set COMP_WORDS / COMP_CWORD, call _detour, read COMPREPLY.
//   zsh:  an interactive zsh on a pseudo-terminal with compinit (zsh_complete.zsh).
//   fish: fish -c 'complete -C "LINE"'.
// A shell that is not installed is skipped with a message (scripts/setup.sh --test
// installs zsh and fish).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DETOUR, tempDir } from './lib.mjs';
import { helpTree } from './help_tree.mjs';

const DIR = new URL('../../completions/', import.meta.url).pathname;
const ZSH_HARNESS = new URL('./zsh_complete.zsh', import.meta.url).pathname;

// `detour` on PATH is the binary under test; a config with known groups; an empty HOME
// and working directory so discovery finds nothing else.
const work = tempDir();
mkdirSync(join(work, 'bin'));
symlinkSync(DETOUR, join(work, 'bin', 'detour'));
const CONFIG = join(work, 'groups.toml');
writeFileSync(CONFIG, `
[router.fallbacks]
alpha-one = ["beta-two"]
[[deployments]]
model_name = "alpha-one"
provider = "openai"
model = "gpt-4o"
api_key = "\${UNSET_KEY_FOR_COMPLETION_TEST}"
[[deployments]]
model_name = "beta-two"
provider = "anthropic"
model = "claude-sonnet-4-5"
api_key = "\${UNSET_KEY_FOR_COMPLETION_TEST}"
`);
const ENV = { PATH: `${join(work, 'bin')}:${process.env.PATH}`, HOME: work, TERM: 'dumb' };

function have(shell) {
  return spawnSync(shell, ['-c', 'exit 0'], { encoding: 'utf8' }).status === 0;
}

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { env: ENV, cwd: work, encoding: 'utf8', timeout: 120000, input });
  assert.equal(r.error, undefined, String(r.error));
  return r;
}

// Each shell: complete(lines) -> [[matches of line 1], ...]; load() -> stderr of loading.
const shells = {
  bash: {
    load: () => run('bash', ['-c', `source ${DIR}detour.bash && complete -p detour`]),
    complete(lines) {
      // One bash for every line: COMP_WORDS is the line split at spaces, the last word
      // being the one under the cursor (possibly empty).
      const script = [`source ${DIR}detour.bash`, ...lines.map((l) => {
        const words = l.split(' ').map((w) => `'${w}'`).join(' ');
        return `COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _detour; ` +
               `echo '### line'; printf '%s\\n' "\${COMPREPLY[@]}"`;
      })].join('\n');
      return sections(run('bash', ['-c', script]));
    },
  },
  zsh: {
    load: () => run('zsh', ['-f', '-c', `fpath=(${DIR} $fpath); autoload -Uz compinit; compinit -u -D; ` +
                                        `(( $+_comps[detour] )) || { echo not registered >&2; exit 1 }`]),
    complete: (lines) => sections(run('zsh', ['-f', ZSH_HARNESS, DIR, ...lines])),
  },
  fish: {
    load: () => run('fish', ['--no-config', '-c', `source ${DIR}detour.fish; complete -c detour | head -1`]),
    complete(lines) {
      const script = [`source ${DIR}detour.fish`,
                      ...lines.map((l) => `echo '### line'; complete -C '${l}'`)].join('\n');
      return sections(run('fish', ['--no-config', '-c', script]))
        .map((ms) => ms.map((m) => m.split('\t')[0]));  // drop fish's descriptions
    },
  },
};

function sections(r) {
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stderr}`);
  assert.equal(r.stderr, '', `errors while completing:\n${r.stderr}`);
  return r.stdout.split(/^### .*$/m).slice(1).map((s) => s.split('\n').filter((x) => x !== ''));
}

const tree = helpTree();

for (const [name, shell] of Object.entries(shells)) {
  test(`${name}: the completion file loads without errors`, (t) => {
    if (!have(name)) return t.skip(`${name} is not installed (scripts/setup.sh --test installs it)`);
    const r = shell.load();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  test(`${name}: every subcommand and long option of --help is completed`, (t) => {
    if (!have(name)) return t.skip(`${name} is not installed (scripts/setup.sh --test installs it)`);
    // Per node of the tree: "detour PATH " (its subcommands) and "detour PATH --" (options).
    const lines = [];
    for (const node of tree) {
      const prefix = ['detour', ...node.path].join(' ');
      if (node.subcommands.length) lines.push({ line: `${prefix} `, want: node.subcommands, node });
      lines.push({ line: `${prefix} --`, want: node.options, node });
    }
    const got = shell.complete(lines.map((l) => l.line));
    lines.forEach(({ line, want }, i) => {
      const missing = want.filter((w) => !got[i].includes(w));
      assert.deepEqual(missing, [], `"${line}" does not offer ${missing.join(', ')} (offered: ${got[i].join(' ')})`);
    });
    // The hidden subcommand stays hidden.
    assert.ok(!got[0].includes('__complete'), got[0].join(' '));
  });

  test(`${name}: model groups of the config on the line, lint rules, fixed values`, (t) => {
    if (!have(name)) return t.skip(`${name} is not installed (scripts/setup.sh --test installs it)`);
    const got = shell.complete([
      `detour --config ${CONFIG} chat -m `,
      `detour chat --config ${CONFIG} --model al`,
      `detour --config ${CONFIG} check -m b`,
      'detour check --explain same-',
      'detour check --format ',
      'detour status --format ',
      'detour --log-level ',
      'detour ch',
    ]);
    assert.deepEqual(got[0].sort(), ['alpha-one', 'beta-two']);
    assert.deepEqual(got[1].map((m) => m.replace(/^--model=/, '')), ['alpha-one']);
    assert.deepEqual(got[2], ['beta-two']);
    assert.deepEqual(got[3], ['same-provider-fallback']);
    assert.deepEqual(got[4].sort(), ['github', 'json', 'junit', 'table']);
    assert.deepEqual(got[5].sort(), ['json', 'table']);
    assert.deepEqual(got[6].sort(), ['debug', 'error', 'info', 'trace', 'warn']);
    assert.deepEqual(got[7].sort(), ['chat', 'check']);
  });
}

test('__complete models prints the groups, and nothing (exit 0) for a broken config', () => {
  let r = run(DETOUR, ['__complete', 'models', '--config', CONFIG]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'alpha-one\nbeta-two\n');
  const bad = join(work, 'bad.toml');
  writeFileSync(bad, '[[deployments]\nthis is not toml');
  r = run(DETOUR, ['--config', bad, '__complete', 'models']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '');
  r = run(DETOUR, ['--help']);
  assert.ok(!r.stdout.includes('__complete'), 'the hidden subcommand is listed by --help');
});
