// Shared helpers for the end-to-end tests: start the real detour binary and the fake
// upstream (tests/support/fake_upstream) on loopback, wait on conditions with bounded
// timeouts, and stop every process a test started.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DETOUR = process.env.DETOUR_BIN ?? new URL('../../build/detour', import.meta.url).pathname;
export const FAKE = process.env.DETOUR_FAKE_UPSTREAM ?? new URL('../../build/fake_upstream', import.meta.url).pathname;

const started = new Set();
process.on('exit', () => { for (const p of started) try { p.kill('SIGKILL'); } catch {} });

export function tempDir() { return mkdtempSync(join(tmpdir(), 'detour-e2e-')); }

// Waits until `check()` is truthy (polled every 20 ms) or throws after `ms`.
export async function waitFor(check, ms = 10000, what = 'condition') {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function track(child) {
  started.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d) => { out.stdout += d; });
  child.stderr?.on('data', (d) => { out.stderr += d; });
  // 'close', not 'exit': 'exit' may fire before the last of the child's stdout has been
  // read, and a curl whose output was still in the pipe then looked like no response.
  const exited = new Promise((resolve) => child.on('close', (code, signal) => {
    started.delete(child);
    resolve({ code, signal });
  }));
  return { out, exited };
}

// The scriptable fake upstream as a process. `script` is {"routes": {prefix: [steps]}}.
export async function startFake(script) {
  const dir = tempDir();
  const file = join(dir, 'script.json');
  writeFileSync(file, JSON.stringify(script));
  const child = spawn(FAKE, ['--script', file], { stdio: ['pipe', 'pipe', 'pipe'] });
  const { out, exited } = track(child);
  const port = Number((await waitFor(() => out.stdout.match(/PORT (\d+)/), 10000, 'fake upstream port'))[1]);
  const base = `http://127.0.0.1:${port}`;
  return {
    port, base,
    async hits() { return (await fetch(`${base}/__hits`)).json(); },
    async requests() { return (await fetch(`${base}/__requests`)).json(); },
    async setScript(s) {
      const r = await fetch(`${base}/__script`, { method: 'POST', body: JSON.stringify(s) });
      if (!r.ok) throw new Error(`setScript: ${r.status}`);
    },
    async stop() { child.stdin.end(); child.kill('SIGTERM'); await exited; },
  };
}

// The shape most tests use: group "primary" (deployment on the fake's /a prefix) falls
// back to group "backup" (/b). The strings are extra lines for each section.
export function primaryBackupToml(base, { server = '', router = '', a = '', b = '' } = {}) {
  return `
[server]
${server}
[router]
${router}
[router.fallbacks]
primary = ["backup"]

[[deployments]]
model_name = "primary"
provider = "openai-compatible"
model = "up-primary"
api_base = "${base}/a/v1"
${a}

[[deployments]]
model_name = "backup"
provider = "openai-compatible"
model = "up-backup"
api_base = "${base}/b/v1"
${b}
`;
}

// Writes `toml` to a temp detour.toml and returns its path.
export function writeConfig(toml, dir = tempDir()) {
  const path = join(dir, 'detour.toml');
  writeFileSync(path, toml);
  return path;
}

// Runs `detour ARGS` to completion; `input` goes to stdin (stdin is always a pipe).
export async function runDetour(args, { input = '', env = {}, timeoutMs = 60000 } = {}) {
  const child = spawn(DETOUR, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...cleanEnv(), ...env } });
  const { out, exited } = track(child);
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await exited;
  clearTimeout(timer);
  return { code, signal, stdout: out.stdout, stderr: out.stderr };
}

// No provider keys or detour variables leak in from the developer's shell.
function cleanEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(OPENAI|ANTHROPIC|GEMINI|AZURE|DETOUR)_/.test(k) || k === 'XDG_CONFIG_HOME') delete env[k];
  env.HOME = tempDir();
  return env;
}

// `detour serve` on an ephemeral loopback port.
// softFdLimit: start it under `ulimit -Sn N` (through sh, which then execs detour).
// globalArgs: options before the subcommand (e.g. --log-level trace).
export async function startServe(configPath, { args = [], env = {}, softFdLimit, globalArgs = [] } = {}) {
  const argv = ['--config', configPath, ...globalArgs, 'serve', '--listen', '127.0.0.1:0', ...args];
  const options = { stdio: ['ignore', 'pipe', 'pipe'], env: { ...cleanEnv(), ...env } };
  const child = softFdLimit
    ? spawn('sh', ['-c', `ulimit -Sn ${softFdLimit} && exec "$0" "$@"`, DETOUR, ...argv], options)
    : spawn(DETOUR, argv, options);
  const { out, exited } = track(child);
  const m = await waitFor(() => out.stderr.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/) ||
    (child.exitCode !== null && 'exited'), 10000, 'detour serve to listen');
  if (m === 'exited') throw new Error(`detour serve exited: ${out.stderr}`);
  const port = Number(m[1]);
  return {
    port, url: `http://127.0.0.1:${port}`, out, exited, child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

// curl with -sS; returns status, headers (lower-cased) and the exact body bytes.
export async function curl(args) {
  const child = spawn('curl', ['-sS', '-D', '-', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { out, exited } = track(child);
  const { code } = await exited;
  let rest = out.stdout;
  let head = '';
  while (rest.startsWith('HTTP/')) {  // header blocks (a 100 Continue may come first)
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    head = rest.slice(0, end);
    rest = rest.slice(end + 4);
  }
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { exit: code, status: Number(statusLine?.split(' ')[1]), headers, body: rest, stderr: out.stderr };
}
