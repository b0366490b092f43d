// Measures what hedging does to the tail of time to first token: the real `detour serve`
// in front of two fake upstreams whose first tokens are log-normal with a heavy tail
// (median 100 ms, sigma 1.2: p99 about 1.6 s), N streamed requests one after another,
// first without and then with [router.hedge] (after = "400ms", max_ratio = 0.15).
// Prints p50/p90/p99 TTFT at the client and the measured share of hedged requests.
//   DETOUR_BIN=build/detour DETOUR_FAKE_UPSTREAM=build/fake_upstream node tests/bench/hedge_ttft.mjs [N]
// A measurement, not a test: the numbers go to README (timing assertions belong here).
import { startFake, startServe, writeConfig } from '../e2e/lib.mjs';

const N = Number(process.argv[2] ?? 300);

// Seeded (mulberry32) so both runs see the same upstream delays.
function rng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function logNormalSteps(seed, n) {
  const r = rng(seed);
  const steps = [];
  for (let i = 0; i < n; ++i) {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    steps.push({ stream: ['hello', ' world'], first_chunk_delay_ms: Math.round(100 * Math.exp(1.2 * z)) });
  }
  return steps;
}
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };

async function run(f, hedge) {
  await f.setScript({ routes: { '/a': logNormalSteps(1, N), '/b': logNormalSteps(2, N) } });
  const toml = `
[router]
first_token_timeout = "30s"
${hedge ? '[router.hedge]\nprimary = { after = "400ms", max_ratio = 0.15 }' : ''}
[router.fallbacks]
primary = ["backup"]
[[deployments]]
id = "a"
model_name = "primary"
provider = "openai-compatible"
model = "m"
api_base = "${f.base}/a/v1"
[[deployments]]
id = "b"
model_name = "backup"
provider = "openai-compatible"
model = "m"
api_base = "${f.base}/b/v1"
`;
  const s = await startServe(writeConfig(toml));
  const ttft = [];
  try {
    for (let i = 0; i < N; ++i) {
      const t0 = performance.now();
      const r = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'primary', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const reader = r.body.getReader();
      let first = null;
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        if (first === null && text.includes('"content":"hello"')) first = performance.now() - t0;
      }
      ttft.push(first);
    }
  } finally { await s.stop(); }
  const hits = await f.hits();
  return { p50: pct(ttft, 0.5), p90: pct(ttft, 0.9), p99: pct(ttft, 0.99), hedged: (hits['/b'] ?? 0) / N };
}

const f = await startFake({ routes: {} });
try {
  const off = await run(f, false);
  const on = await run(f, true);
  const fmt = (x) => `p50 ${x.p50.toFixed(0)} ms, p90 ${x.p90.toFixed(0)} ms, p99 ${x.p99.toFixed(0)} ms, hedged ${(x.hedged * 100).toFixed(1)} %`;
  console.log(`requests: ${N} each`);
  console.log(`without hedging: ${fmt(off)}`);
  console.log(`with hedging:    ${fmt(on)}`);
  console.log(`p99 ratio: ${(off.p99 / on.p99).toFixed(2)}x`);
} finally { await f.stop(); }
