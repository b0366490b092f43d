// Assembles bench/run.sh's measurements into bench/results/latest.json and prints the
// results table with pass/miss against the targets (bench/README.md).
//   node bench/report.mjs --work DIR --out FILE --clk-tck N --config JSON [--strict]
// Exits 1 under --strict when a target is missed.
import fs from 'node:fs';
import path from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, '');
  if (k === 'strict') args.strict = true;
  else args[k] = process.argv[++i];
}
const work = args.work;
const read = (f) => fs.readFileSync(path.join(work, f), 'utf8');
const readJson = (f) => JSON.parse(read(f));
const clk = Number(args['clk-tck'] || 100);

// wrk's text output -> numbers.
function parseWrk(text) {
  const num = (re) => { const m = text.match(re); return m ? Number(m[1]) : null; };
  const lat = (p) => {
    const m = text.match(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'));
    if (!m) return null;
    return Number(m[1]) * { us: 1, ms: 1000, s: 1e6 }[m[2]];
  };
  const sock = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    requests_per_sec: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    non_2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0,
    socket_errors: sock ? sock.slice(1).reduce((s, x) => s + Number(x), 0) : 0,
    latency_p50_us: lat(50),
    latency_p99_us: lat(99),
  };
}

const config = JSON.parse(args.config || '{}');
const idle = readJson('idle.json');
const latency = readJson('latency.json');
// Throughput rounds (run.sh interleaves direct and gateway runs): each side's figure is
// its median round, the ratio the median of the per-round ratios.
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length;
  return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : 0; };
const rounds = [];
for (let i = 1; fs.existsSync(path.join(work, `wrk_direct_${i}.txt`)); i++) {
  rounds.push({ direct: parseWrk(read(`wrk_direct_${i}.txt`)), gateway: parseWrk(read(`wrk_gateway_${i}.txt`)),
    gwCpu: Number(read(`wrk_gateway_${i}.cpu_ticks`)), fakeCpu: Number(read(`wrk_gateway_${i}.fake_cpu_ticks`)),
    directFakeCpu: Number(read(`wrk_direct_${i}.cpu_ticks`)) });
}
const sum = (f) => rounds.reduce((s, r) => s + f(r), 0);
const side = (k) => ({
  requests_per_sec: median(rounds.map((r) => r[k].requests_per_sec)),
  requests: sum((r) => r[k].requests),
  non_2xx: sum((r) => r[k].non_2xx),
  socket_errors: sum((r) => r[k].socket_errors),
  latency_p50_us: median(rounds.map((r) => r[k].latency_p50_us)),
  latency_p99_us: median(rounds.map((r) => r[k].latency_p99_us)),
  rounds_req_per_sec: rounds.map((r) => r[k].requests_per_sec),
});
const wrkDirect = side('direct');
const wrkGateway = side('gateway');
const roundRatios = rounds.map((r) => r.gateway.requests_per_sec / r.direct.requests_per_sec);
const gwCpuS = sum((r) => r.gwCpu) / clk;
const fakeCpuS = sum((r) => r.fakeCpu) / clk;
const directFakeCpuS = sum((r) => r.directFakeCpu) / clk;
const afterWrk = readJson('after_wrk.json');
const streams = readJson('streams.json');
const sproc = readJson('streams_proc.json');

const mb = (kb) => Math.round((kb / 1024) * 10) / 10;
const r1 = (x) => Math.round(x * 10) / 10;
const ratio = median(roundRatios);
const peakKb = Math.max(sproc.hwm_kb, sproc.sampled_peak_kb);

const targets = {
  added_p50: { value_us: latency.added_p50_us, limit_us: 60, pass: latency.added_p50_us <= 60 },
  added_p99: { value_us: latency.added_p99_us, limit_us: 250, pass: latency.added_p99_us <= 250 },
  throughput_ratio: { value: r1(ratio * 100) / 100, limit: 0.5,
                      pass: ratio >= 0.5 && wrkGateway.non_2xx === 0 && wrkDirect.non_2xx === 0 },
  streams: { completed: streams.completed, of: streams.streams, peak_rss_mb: mb(peakKb), limit_mb: 150,
             pass: streams.completed === streams.streams && peakKb <= 150 * 1024 },
  idle_rss: { value_mb: mb(idle.rss_kb), limit_mb: 15, pass: idle.rss_kb <= 15 * 1024 },
};

const result = {
  generated_at: new Date().toISOString(),
  config,
  idle: { ...idle, rss_mb: mb(idle.rss_kb) },
  latency,
  throughput: {
    direct: wrkDirect, gateway: wrkGateway, ratio: Math.round(ratio * 1000) / 1000,
    round_ratios: roundRatios.map((x) => Math.round(x * 1000) / 1000),
    // CPU seconds burnt during the gateway run, per request, in microseconds.
    detour_cpu_s: gwCpuS, fake_cpu_s_during_gateway_run: fakeCpuS,
    fake_cpu_s_during_direct_run: directFakeCpuS,
    detour_cpu_us_per_request: wrkGateway.requests ? r1((gwCpuS * 1e6) / wrkGateway.requests) : null,
    fake_cpu_us_per_request_direct: wrkDirect.requests ? r1((directFakeCpuS * 1e6) / wrkDirect.requests) : null,
    detour_threads_after: afterWrk.threads_after, detour_rss_mb_after: mb(afterWrk.rss_kb_after),
  },
  streams: { ...streams, detour: { ...sproc, peak_rss_mb: mb(peakKb), cpu_s: sproc.cpu_ticks / clk } },
  targets,
};
fs.writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');

const mark = (ok) => (ok ? 'pass' : 'MISS');
const rows = [
  ['latency direct p50 / p99', `${latency.direct.p50_us.toFixed(1)} / ${latency.direct.p99_us.toFixed(1)} us`, ''],
  ['latency gateway p50 / p99', `${latency.gateway.p50_us.toFixed(1)} / ${latency.gateway.p99_us.toFixed(1)} us`, ''],
  ['added latency p50', `${latency.added_p50_us.toFixed(1)} us`, `<= 60 us   ${mark(targets.added_p50.pass)}`],
  ['added latency p99', `${latency.added_p99_us.toFixed(1)} us`, `<= 250 us  ${mark(targets.added_p99.pass)}`],
  ['paired diff p50 / p99', `${latency.paired_diff_p50_us.toFixed(1)} / ${latency.paired_diff_p99_us.toFixed(1)} us`, ''],
  ['throughput direct', `${r1(wrkDirect.requests_per_sec)} req/s`, ''],
  ['throughput gateway', `${r1(wrkGateway.requests_per_sec)} req/s`, ''],
  ['throughput ratio (median)', `${(ratio * 100).toFixed(1)} %`, `>= 50 %    ${mark(targets.throughput_ratio.pass)}`],
  ['ratio per round', roundRatios.map((x) => (x * 100).toFixed(0)).join(' ') + ' %', ''],
  ['detour CPU per request', `${result.throughput.detour_cpu_us_per_request} us`, ''],
  ['streams completed', `${streams.completed} / ${streams.streams}`, ''],
  ['streams wall time', `${streams.wall_ms} ms`, ''],
  ['stream duration p50 / p99', `${streams.duration_ms.p50} / ${streams.duration_ms.p99} ms`, ''],
  ['stream TCP connect p50 / p99', streams.connect_ms
    ? `${streams.connect_ms.p50} / ${streams.connect_ms.p99} ms (${streams.connect_ms.over_900ms} over 0.9 s)` : 'n/a', ''],
  ['listen queue overflows', `${sproc.listen_overflows} (during the streams run)`, ''],
  ['streams peak RSS', `${mb(peakKb)} MB (threads max ${sproc.max_threads})`,
   `<= 150 MB  ${mark(targets.streams.pass)}`],
  ['idle RSS', `${mb(idle.rss_kb)} MB (threads ${idle.threads})`, `<= 15 MB   ${mark(targets.idle_rss.pass)}`],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`\n${'measure'.padEnd(w0)}  ${'value'.padEnd(w1)}  target`);
console.log('-'.repeat(w0 + w1 + 22));
for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
if (Object.keys(streams.failures).length) console.log(`stream failures: ${JSON.stringify(streams.failures)}`);
if (wrkGateway.non_2xx || wrkDirect.non_2xx)
  console.log(`wrk non-2xx: direct ${wrkDirect.non_2xx}, gateway ${wrkGateway.non_2xx}`);
console.log(`\nwritten: ${args.out}`);
const allPass = Object.values(targets).every((t) => t.pass);
process.exit(args.strict && !allPass ? 1 : 0);
