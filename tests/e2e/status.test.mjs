// The status page (GET /ui) in a real headless browser (Debian's chromium through
// playwright-core, no browser download) and `detour status` in the terminal, after a
// failover: the primary shows cooling, the fallback serving, the team's cost equals the
// sum of what its requests cost. The test saves the screenshot the README shows.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startFake, startServe, writeConfig, curl, primaryBackupToml, runDetour } from './lib.mjs';

const CHROMIUM = process.env.DETOUR_CHROMIUM ?? '/usr/bin/chromium';
const SHOT_DIR = fileURLToPath(new URL('../../docs/', import.meta.url));

let f, s;
const spent = { search: 0, chat: 0 };
before(async () => {
  f = await startFake({ routes: {
    '/a': [{ status: 503, body: '{"error":{"message":"overloaded","type":"server_error"}}' }],
    '/b': [{ reply: 'from backup', usage: { prompt_tokens: 120, completion_tokens: 80 } }],
  } });
  s = await startServe(writeConfig(primaryBackupToml(f.base, {
    server: `api_keys = [
  { key = "sk-search", team = "search", budget = { usd = 1, per = "day" } },
  { key = "sk-chat", team = "chat" },
]`,
    router: 'num_retries = 0\nallowed_fails = 0\ncooldown = "5m"',
    a: 'id = "prim"\nprice = { input = 2.5, output = 10 }',
    b: 'id = "back"\nprice = { input = 2.5, output = 10 }',
  })));
  for (const [team, key] of [['search', 'sk-search'], ['search', 'sk-search'], ['chat', 'sk-chat'], ['search', 'sk-search']]) {
    const r = await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', `authorization: Bearer ${key}`,
      '-H', 'content-type: application/json', '--data-binary',
      JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hello' }] })]);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-detour-deployment'], 'back');
    spent[team] += Number(r.headers['x-detour-cost-usd']);
  }
});
after(async () => { await s?.stop('SIGKILL'); await f?.stop(); });

test('the status JSON: primary cooling, fallback serving, one failover, spend per team', async () => {
  const r = await curl([`${s.url}/ui/status.json`, '-H', 'authorization: Bearer sk-chat']);
  assert.equal(r.status, 200);
  const st = JSON.parse(r.body);
  assert.equal(st.status, 'degraded');
  const prim = st.deployments.find((d) => d.id === 'prim');
  assert.equal(prim.state, 'cooling');
  assert.equal(prim.sparkline.attempts.at(-1), 1, 'one attempt reached the cooled primary');
  assert.equal(prim.sparkline.error_rate.at(-1), 1);
  const back = st.deployments.find((d) => d.id === 'back');
  assert.equal(back.sparkline.attempts.at(-1), 4);
  assert.equal(back.sparkline.error_rate.at(-1), 0);
  const group = st.groups.find((g) => g.name === 'primary');
  assert.deepEqual(group.chain, ['primary', 'backup']);
  assert.deepEqual(group.serving, ['back']);
  assert.equal(group.via_fallback, true);
  assert.equal(st.failovers.length, 1);
  assert.deepEqual({ ...st.failovers[0], time: undefined },
    { time: undefined, group: 'primary', from: 'prim', to: 'back', reason: 'server_error', status: 503 });
  const search = st.teams.find((t) => t.team === 'search');
  assert.equal(search.requests, 3);
  assert.equal(search.prompt_tokens, 360);
  assert.ok(Math.abs(search.cost_usd - spent.search) < 1e-9, `${search.cost_usd} vs ${spent.search}`);
  assert.ok(Math.abs(search.budget.spent_usd - spent.search) < 1e-9);
  assert.equal(search.budget.per, 'day');
  assert.equal(st.teams.find((t) => t.team === 'chat').budget, null);
});

test('GET /ui needs a key: 401 with a Basic challenge, so a browser asks for it', async () => {
  const r = await curl([`${s.url}/ui`]);
  assert.equal(r.status, 401);
  assert.match(r.headers['www-authenticate'], /^Basic realm="detour"/);
  const ok = await curl([`${s.url}/ui`, '-u', 'me:sk-search']);
  assert.equal(ok.status, 200);
  assert.match(ok.headers['content-type'], /^text\/html/);
  assert.doesNotMatch(ok.body, /(src|href)="https?:/, 'no external assets');
});

test('the page in headless chromium shows the primary cooling, the fallback serving and the team cost', { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` }, async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const context = await browser.newContext({
      httpCredentials: { username: 'me', password: 'sk-search' }, viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${s.url}/ui`);
    const prim = page.locator('tr[data-deployment="prim"]');
    await prim.locator('.state.cooling').waitFor({ timeout: 10000 });
    assert.match(await prim.locator('.state').innerText(), /cooling, \d+ s left/);
    assert.match(await page.locator('tr[data-deployment="back"] .state').innerText(), /healthy/);
    assert.equal(await page.locator('tr[data-group="primary"] .serving').innerText(), 'back (via fallback backup)');
    assert.equal(await page.locator('#overall').innerText(), '\u25d0 degraded');
    const cost = await page.locator('tr[data-team="search"] .cost').innerText();
    assert.equal(Number(cost.replace('$', '')).toFixed(6), spent.search.toFixed(6));
    assert.match(await page.locator('#failovers tbody').innerText(), /prim\s+back\s+server_error \(503\)/);
    // It keeps refreshing: one more request shows up within a couple of refreshes.
    await curl(['-X', 'POST', `${s.url}/v1/chat/completions`, '-H', 'authorization: Bearer sk-chat',
      '-H', 'content-type: application/json', '--data-binary',
      JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'again' }] })]);
    await page.locator('tr[data-team="chat"] td.num').first().filter({ hasText: /^2$/ }).waitFor({ timeout: 10000 });
    mkdirSync(SHOT_DIR, { recursive: true });
    await page.screenshot({ path: `${SHOT_DIR}status-page.png`, fullPage: true });
    // Readable on a phone: nothing wider than the screen but the scrollable tables.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.body.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page overflows a phone screen by ${overflow}px`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('`detour status` prints the same states as the page', async () => {
  const r = await runDetour(['status', '--url', s.url], { env: { DETOUR_API_KEY: 'sk-search' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^detour at ${s.url.replace(/\./g, '\\.')}: degraded`));
  assert.match(r.stdout, /^primary\s+back \(via fallback backup\)\s+primary -> backup$/m);
  assert.match(r.stdout, /^prim\s+primary\s+cooling \(\d+ s left\)\s+100\.0 %/m);
  assert.match(r.stdout, /^back\s+backup\s+healthy\s+0\.0 %/m);
  assert.match(r.stdout, /^search\s+3\s+600\s+\$0\.00\d+\s+\$0\.00\d+ of \$1\.00 per day/m);
  assert.match(r.stdout, /FAILOVERS \(last hour\): 1\n\s+\d\d:\d\d:\d\d\s+primary\s+prim -> back\s+server_error \(503\)/);

  const json = await runDetour(['status', '--url', s.url, '--format', 'json'], { env: { DETOUR_API_KEY: 'sk-search' } });
  assert.equal(JSON.parse(json.stdout).deployments.find((d) => d.id === 'prim').state, 'cooling');

  const denied = await runDetour(['status', '--url', s.url]);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /wants a client key: set DETOUR_API_KEY/);
  assert.doesNotMatch(denied.stderr + denied.stdout, /sk-search/);
});
