// Prints each target of several bench/run.sh results (results/run-N.json) run by run, and
// the median, with pass/miss judged on the median. Exit 1 when a median misses and
// --strict is given.
//   node bench/median.mjs [--strict] run-1.json run-2.json run-3.json
import fs from 'node:fs';

const strict = process.argv.includes('--strict');
const files = process.argv.slice(2).filter((a) => a !== '--strict');
if (!files.length) throw new Error('usage: node bench/median.mjs [--strict] RUN.json...');
const runs = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
// A target's figure and its limit, whatever the unit is called.
const figure = (t) => t.value ?? t.value_ms ?? t.value_mb ?? t.value_us;
const limit = (t) => t.limit ?? t.limit_ms ?? t.limit_mb ?? t.limit_us;
// Targets that pass at or above their limit; the rest pass at or below it.
const atLeast = new Set(['throughput_c64_vs_nginx', 'throughput_ratio']);

const rows = [];
let allPass = true;
for (const name of Object.keys(runs[0].targets)) {
  const values = runs.map((r) => figure(r.targets[name]));
  if (values.some((v) => typeof v !== 'number')) continue;
  const m = median(values);
  const lim = limit(runs[0].targets[name]);
  const pass = atLeast.has(name) ? m >= lim : m <= lim;
  allPass &&= pass;
  rows.push([name, values.map((v) => +v.toFixed(3)).join(' / '), String(+m.toFixed(3)),
    `${atLeast.has(name) ? '>=' : '<='} ${lim}`, pass ? 'pass' : 'MISS']);
}
const head = ['target', `runs (${runs.length})`, 'median', 'limit', ''];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(`\n${line(head)}\n${'-'.repeat(widths.reduce((a, b) => a + b + 2, 0))}`);
for (const r of rows) console.log(line(r));
process.exit(strict && !allPass ? 1 : 0);
