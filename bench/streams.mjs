// Opens N concurrent streaming chat requests to the gateway and checks each one:
// `expect` content deltas and a final `data: [DONE]`, within a per-stream timeout.
//   node bench/streams.mjs --port P [--streams 1000] [--expect 64] [--timeout-ms 60000]
//       [--model bench]
// Prints one JSON object on stdout: completed, failures by reason, wall time, per-stream
// duration percentiles and time to first byte. Benchmark tool only (not run by CI);
// loopback only; every socket it opens it closes (no keep-alive agent).
import http from 'node:http';

function parseArgs(argv) {
  const a = { port: 0, streams: 1000, expect: 64, timeoutMs: 60000, model: 'bench' };
  for (let i = 2; i + 1 < argv.length; i += 2) {
    const k = argv[i], v = argv[i + 1];
    if (k === '--port') a.port = Number(v);
    else if (k === '--streams') a.streams = Number(v);
    else if (k === '--expect') a.expect = Number(v);
    else if (k === '--timeout-ms') a.timeoutMs = Number(v);
    else if (k === '--model') a.model = v;
    else throw new Error(`unknown flag ${k}`);
  }
  if (!a.port) throw new Error('--port is required');
  return a;
}

function pct(sorted, p) {
  if (!sorted.length) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

// Counts content deltas and [DONE] in SSE text, carrying partial lines across chunks.
class SseCounter {
  constructor() { this.rest = ''; this.deltas = 0; this.done = false; this.errors = 0; }
  feed(text) {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop();
    for (const line of lines) this.line(line.replace(/\r$/, ''));
  }
  line(l) {
    if (!l.startsWith('data:')) return;
    const data = l.slice(5).trim();
    if (data === '[DONE]') { this.done = true; return; }
    try {
      const ev = JSON.parse(data);
      if (ev.error) this.errors++;
      const c = ev.choices?.[0]?.delta?.content;
      if (typeof c === 'string' && c.length > 0) this.deltas++;
    } catch { this.errors++; }
  }
}

function oneStream(agent, a, body) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let ttfb = -1;
    let connected = false;
    let connectMs = -1;
    let gotHeaders = false;
    let settled = false;
    const sse = new SseCounter();
    const finish = (reason) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const ms = performance.now() - t0;
      resolve({ reason, ms, ttfb, connectMs, deltas: sse.deltas, done: sse.done });
    };
    const req = http.request({
      host: '127.0.0.1', port: a.port, path: '/v1/chat/completions', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      gotHeaders = true;
      if (res.statusCode !== 200) { res.resume(); finish(`status ${res.statusCode}`); return; }
      res.setEncoding('utf8');
      res.on('data', (chunk) => { if (ttfb < 0) ttfb = performance.now() - t0; sse.feed(chunk); });
      res.on('end', () => {
        if (sse.errors) finish('error event');
        else if (sse.deltas !== a.expect) finish(`deltas ${sse.deltas}`);
        else if (!sse.done) finish('no [DONE]');
        else finish('ok');
      });
      res.on('error', (e) => finish(`response ${e.code || e.message}`));
    });
    // A stalled stream is reported with the phase it stalled in.
    const timer = setTimeout(() => {
      const phase = !connected ? 'connecting' : !gotHeaders ? 'waiting for headers' : 'mid-stream';
      finish(`timeout (stalled ${phase})`);
      req.destroy();
    }, a.timeoutMs);
    req.on('socket', (s) => s.once('connect', () => { connected = true; connectMs = performance.now() - t0; }));
    req.on('error', (e) => finish(`request ${e.code || e.message}`));
    req.end(body);
  });
}

async function main() {
  const a = parseArgs(process.argv);
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const body = JSON.stringify({
    model: a.model, stream: true, messages: [{ role: 'user', content: 'hi' }],
  });
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: a.streams }, () => oneStream(agent, a, body)));
  const wallMs = performance.now() - t0;
  agent.destroy();
  const ok = results.filter((r) => r.reason === 'ok');
  const failures = {};
  for (const r of results) if (r.reason !== 'ok') failures[r.reason] = (failures[r.reason] || 0) + 1;
  const durs = ok.map((r) => r.ms).sort((x, y) => x - y);
  const ttfbs = ok.map((r) => r.ttfb).sort((x, y) => x - y);
  // TCP connect time of every stream that connected (SYN retransmits show as ~1 s, 3 s, 7 s).
  const conns = results.filter((r) => r.connectMs >= 0).map((r) => r.connectMs).sort((x, y) => x - y);
  const round = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    streams: a.streams, expected_deltas: a.expect, completed: ok.length, failures,
    wall_ms: round(wallMs),
    duration_ms: { p50: round(pct(durs, 50)), p99: round(pct(durs, 99)), max: round(durs.at(-1) ?? 0),
                   min: round(durs[0] ?? 0) },
    connected: conns.length,
    connect_ms: { p50: round(pct(conns, 50)), p99: round(pct(conns, 99)), max: round(conns.at(-1) ?? 0),
                  over_900ms: conns.filter((x) => x > 900).length },
    ttfb_ms: { p50: round(pct(ttfbs, 50)), p99: round(pct(ttfbs, 99)), max: round(ttfbs.at(-1) ?? 0) },
  }));
}

main().catch((e) => { console.error(`streams.mjs: ${e.stack || e}`); process.exit(1); });
