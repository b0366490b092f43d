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
const mb = (kb) => Math.round((kb / 1024) * 10) / 10;
const r1 = (x) => Math.round(x * 10) / 10;
const r3 = (x) => Math.round(x * 1000) / 1000;
const conns = config.wrk_conns && config.wrk_conns.length ? config.wrk_conns : [64];
const nginxOn = config.nginx === 1 && fs.existsSync(path.join(work, 'latency_nginx.json'));
const sum = (xs, f) => xs.reduce((s, r) => s + f(r), 0);
const exists = (f) => fs.existsSync(path.join(work, f));

// One connection count: per round, every arm's wrk figures and the proxies' CPU ticks.
function throughputAt(c) {
  const rounds = [];
  for (let i = 1; exists(`wrk_direct_c${c}_${i}.txt`); i++) {
    const arm = (a) => exists(`wrk_${a}_c${c}_${i}.txt`)
      ? { ...parseWrk(read(`wrk_${a}_c${c}_${i}.txt`)), cpu: Number(read(`wrk_${a}_c${c}_${i}.cpu_ticks`)) } : null;
    rounds.push({ direct: arm('direct'), gateway: arm('gateway'), nginx: arm('nginx'),
      fakeCpu: Number(read(`wrk_gateway_c${c}_${i}.fake_cpu_ticks`)) });
  }
  const side = (k) => {
    if (!rounds.length || !rounds[0][k]) return null;
    const requests = sum(rounds, (r) => r[k].requests);
    const cpuS = sum(rounds, (r) => r[k].cpu) / clk;
    return {
      requests_per_sec: median(rounds.map((r) => r[k].requests_per_sec)),
      requests, non_2xx: sum(rounds, (r) => r[k].non_2xx), socket_errors: sum(rounds, (r) => r[k].socket_errors),
      latency_p50_us: median(rounds.map((r) => r[k].latency_p50_us)),
      latency_p99_us: median(rounds.map((r) => r[k].latency_p99_us)),
      rounds_req_per_sec: rounds.map((r) => r[k].requests_per_sec),
      // CPU of the process measured during this side's runs (the proxy; the fake for direct).
      cpu_s: cpuS, cpu_us_per_request: requests ? r1((cpuS * 1e6) / requests) : null,
    };
  };
  const perRound = (f) => median(rounds.map(f));
  const out = { connections: c, direct: side('direct'), gateway: side('gateway'), nginx: side('nginx'),
    ratio_to_direct: perRound((r) => r.gateway.requests_per_sec / r.direct.requests_per_sec),
    round_ratios_to_direct: rounds.map((r) => r3(r.gateway.requests_per_sec / r.direct.requests_per_sec)),
    fake_cpu_s_during_gateway_run: sum(rounds, (r) => r.fakeCpu) / clk };
  if (out.nginx) {
    out.ratio_to_nginx = perRound((r) => r.gateway.requests_per_sec / r.nginx.requests_per_sec);
    out.round_ratios_to_nginx = rounds.map((r) => r3(r.gateway.requests_per_sec / r.nginx.requests_per_sec));
    out.cpu_ratio_to_nginx = out.gateway.cpu_us_per_request / out.nginx.cpu_us_per_request;
  }
  return out;
}

const throughput = conns.map(throughputAt);
const at = (c) => throughput.find((t) => t.connections === c) ?? throughput.at(-1);
const main = at(64);
const afterWrk = readJson('after_wrk.json');
const streams = readJson('streams.json');
const streamsDirect = readJson('streams_direct.json');
// What the proxy adds to the first token, over the upstream's own (the fake holds it
// chunk_ms; under 1000 streams its thread-per-connection server adds its own delay).
const addedFirst = (s) => r3(s.ttfb_ms.p99 - streamsDirect.ttfb_ms.p99);
const sproc = readJson('streams_proc.json');
const latencyNginx = nginxOn ? readJson('latency_nginx.json') : null;
const streamsNginx = nginxOn ? readJson('streams_nginx.json') : null;
const sprocNginx = nginxOn ? readJson('streams_nginx_proc.json') : null;

// The translation arm: detour's CPU per request by upstream protocol (detour sim).
const translation = exists('translation.json') ? Object.fromEntries(
  Object.entries(readJson('translation.json')).map(([proto, t]) => {
    const w = parseWrk(read(t.wrk));
    return [proto, { requests_per_sec: w.requests_per_sec, non_2xx: w.non_2xx,
      cpu_us_per_request: r1((t.cpu_ticks / clk) * 1e6 / Math.max(1, w.requests)) }];
  })) : null;

const peakKb = Math.max(sproc.hwm_kb, sproc.sampled_peak_kb);
const maxCpuRatio = nginxOn ? Math.max(...throughput.map((t) => t.cpu_ratio_to_nginx)) : null;
const clean = main.gateway.non_2xx === 0 && main.direct.non_2xx === 0;

// The floor's targets (the hot-path issue) when the nginx arm ran; else absolute ones.
const targets = nginxOn ? {
  cpu_per_request_vs_nginx: { value: r3(maxCpuRatio), limit: 1.3, pass: maxCpuRatio <= 1.3 },
  throughput_c64_vs_nginx: { value: r3(main.ratio_to_nginx), limit: 0.8, pass: main.ratio_to_nginx >= 0.8 && clean },
  added_p99_vs_nginx: { value: r3(latency.added_p99_us / latencyNginx.added_p99_us), limit: 2,
                        pass: latency.added_p99_us <= 2 * latencyNginx.added_p99_us },
  streams_first_event_p99: { value_ms: addedFirst(streams), limit_ms: 20, measure: 'detour first-token p99 - direct first-token p99',
                             pass: streams.completed === streams.streams && addedFirst(streams) <= 20 },
  streams_peak_rss: { value_mb: mb(peakKb), limit_mb: 60, pass: peakKb <= 60 * 1024 },
  idle_rss: { value_mb: mb(idle.rss_kb), limit_mb: 10, pass: idle.rss_kb <= 10 * 1024 },
} : {
  added_p50: { value_us: latency.added_p50_us, limit_us: 60, pass: latency.added_p50_us <= 60 },
  added_p99: { value_us: latency.added_p99_us, limit_us: 250, pass: latency.added_p99_us <= 250 },
  throughput_ratio: { value: r3(main.ratio_to_direct), limit: 0.5, pass: main.ratio_to_direct >= 0.5 && clean },
  streams: { completed: streams.completed, of: streams.streams, peak_rss_mb: mb(peakKb), limit_mb: 150,
             pass: streams.completed === streams.streams && peakKb <= 150 * 1024 },
  idle_rss: { value_mb: mb(idle.rss_kb), limit_mb: 15, pass: idle.rss_kb <= 15 * 1024 },
};

const result = {
  generated_at: new Date().toISOString(),
  config,
  idle: { ...idle, rss_mb: mb(idle.rss_kb) },
  latency,
  latency_nginx: latencyNginx,
  throughput,
  detour_threads_after_wrk: afterWrk.threads_after, detour_rss_mb_after_wrk: mb(afterWrk.rss_kb_after),
  streams: { ...streams, detour: { ...sproc, peak_rss_mb: mb(peakKb), cpu_s: sproc.cpu_ticks / clk } },
  streams_direct: streamsDirect,
  translation,
  streams_nginx: nginxOn ? { ...streamsNginx, nginx: { ...sprocNginx, worker_peak_rss_mb: mb(Math.max(sprocNginx.hwm_kb, sprocNginx.sampled_peak_kb ?? 0)) } } : null,
  targets,
};
fs.writeFileSync(args.out, JSON.stringify(result, null, 2) + '\n');

const mark = (ok) => (ok ? 'pass' : 'MISS');
const pct = (x) => `${(x * 100).toFixed(1)} %`;
const target = (t, text) => (t ? `${text}  ${mark(t.pass)}` : '');
const rows = [
  ['latency direct p50 / p99', `${latency.direct.p50_us.toFixed(1)} / ${latency.direct.p99_us.toFixed(1)} us`, ''],
  ['added latency c=1 p50 / p99, detour', `${latency.added_p50_us.toFixed(1)} / ${latency.added_p99_us.toFixed(1)} us`,
   target(targets.added_p99, '<= 250 us (p99)')],
];
if (nginxOn) {
  rows.push(['added latency c=1 p50 / p99, nginx', `${latencyNginx.added_p50_us.toFixed(1)} / ${latencyNginx.added_p99_us.toFixed(1)} us`, '']);
  rows.push(['added p99 detour / nginx', `${targets.added_p99_vs_nginx.value}x`, target(targets.added_p99_vs_nginx, '<= 2x')]);
}
for (const t of throughput) {
  const c = t.connections;
  rows.push([`req/s c=${c} direct / detour${t.nginx ? ' / nginx' : ''}`,
    [t.direct, t.gateway, t.nginx].filter(Boolean).map((x) => r1(x.requests_per_sec)).join(' / '), '']);
  rows.push([`  detour / direct`, `${pct(t.ratio_to_direct)} (rounds ${t.round_ratios_to_direct.map((x) => (x * 100).toFixed(0)).join(' ')})`,
    c === main.connections ? target(targets.throughput_ratio, '>= 50 %') : '']);
  if (t.nginx) {
    rows.push([`  detour / nginx`, `${pct(t.ratio_to_nginx)} (rounds ${t.round_ratios_to_nginx.map((x) => (x * 100).toFixed(0)).join(' ')})`,
      c === main.connections ? target(targets.throughput_c64_vs_nginx, '>= 80 %') : '']);
    rows.push([`  CPU/request detour / nginx`, `${t.gateway.cpu_us_per_request} / ${t.nginx.cpu_us_per_request} us = ${t.cpu_ratio_to_nginx.toFixed(2)}x`,
      target(targets.cpu_per_request_vs_nginx, '<= 1.3x')]);
  } else {
    rows.push([`  CPU/request detour`, `${t.gateway.cpu_us_per_request} us`, '']);
  }
}
rows.push(['streams completed', `${streams.completed} / ${streams.streams}`, target(targets.streams, '')]);
rows.push(['first token p50 / p99, direct', `${streamsDirect.ttfb_ms.p50} / ${streamsDirect.ttfb_ms.p99} ms (${streamsDirect.completed} / ${streamsDirect.streams} completed)`, '']);
rows.push(['first token p50 / p99, detour', `${streams.ttfb_ms.p50} / ${streams.ttfb_ms.p99} ms`, '']);
if (nginxOn) rows.push(['first token p50 / p99, nginx', `${streamsNginx.ttfb_ms.p50} / ${streamsNginx.ttfb_ms.p99} ms (${streamsNginx.completed} / ${streamsNginx.streams} completed)`, '']);
rows.push(['added first token p99, detour', `${addedFirst(streams)} ms${nginxOn ? ` (nginx ${addedFirst(streamsNginx)} ms)` : ''}`,
  nginxOn ? target(targets.streams_first_event_p99, '<= 20 ms') : '']);
rows.push(['stream duration p50 / p99', `${streams.duration_ms.p50} / ${streams.duration_ms.p99} ms`, '']);
rows.push(['streams CPU, detour' + (nginxOn ? ' / nginx' : ''), `${r3(sproc.cpu_ticks / clk)} s` +
  (nginxOn && sprocNginx.cpu_ticks !== undefined ? ` / ${r3(sprocNginx.cpu_ticks / clk)} s` : ''), '']);
rows.push(['listen queue overflows', `${sproc.listen_overflows} (during the streams run)`, '']);
rows.push(['streams peak RSS, detour', `${mb(peakKb)} MB (threads max ${sproc.max_threads})`,
  nginxOn ? target(targets.streams_peak_rss, '<= 60 MB') : target(targets.streams, '<= 150 MB')]);
if (nginxOn) rows.push(['streams peak RSS, nginx worker', `${mb(Math.max(sprocNginx.hwm_kb, sprocNginx.sampled_peak_kb ?? 0))} MB`, '']);
if (translation) {
  rows.push(['translation: CPU/request by upstream', Object.entries(translation)
    .map(([p, t]) => `${p} ${t.cpu_us_per_request} us`).join(', '), '(OpenAI clients, detour sim)']);
  rows.push(['translation: req/s at c=16', Object.entries(translation)
    .map(([p, t]) => `${p} ${r1(t.requests_per_sec)}${t.non_2xx ? ` (${t.non_2xx} non-2xx)` : ''}`).join(', '), '']);
}
rows.push(['idle RSS', `${mb(idle.rss_kb)} MB (threads ${idle.threads})`,
  target(targets.idle_rss, nginxOn ? '<= 10 MB' : '<= 15 MB')]);
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
console.log(`\n${'measure'.padEnd(w0)}  ${'value'.padEnd(w1)}  target`);
console.log('-'.repeat(w0 + w1 + 22));
for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
if (Object.keys(streams.failures).length) console.log(`stream failures: ${JSON.stringify(streams.failures)}`);
if (!clean) console.log(`wrk non-2xx at c=${main.connections}: direct ${main.direct.non_2xx}, gateway ${main.gateway.non_2xx}`);
console.log(`\nwritten: ${args.out}`);
const allPass = Object.values(targets).every((t) => t.pass);
process.exit(args.strict && !allPass ? 1 : 0);
