#include "server/status_page.h"

namespace detour {
namespace {

// Kept as one literal so the page is exactly what ships; the JavaScript builds DOM nodes
// with textContent only (names come from the config and headers: never trusted as HTML).
constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>detour status</title>
<style>
:root { --fg:#1b1f24; --muted:#5b6470; --line:#d6dae0; --bg:#fff; --ok:#1a7f37; --warn:#9a6700; --bad:#b42318; --accent:#0b57d0; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e8eb; --muted:#9aa4b1; --line:#333a44; --bg:#111418; --ok:#4ac26b; --warn:#d4a72c; --bad:#ff7b72; --accent:#6ea8fe; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: baseline; margin-bottom: 8px; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 16px; margin: 20px 0 6px; }
.muted { color: var(--muted); }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; min-width: 520px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
.state { font-weight: 600; white-space: nowrap; }
.state.healthy { color: var(--ok); } .state.cooling { color: var(--warn); } .state.unusable { color: var(--bad); }
.state.ok { color: var(--ok); } .state.degraded { color: var(--warn); } .state.down { color: var(--bad); }
.bar { position: relative; height: 14px; min-width: 120px; border: 1px solid var(--line); border-radius: 3px; overflow: hidden; }
.bar > i { position: absolute; inset: 0 auto 0 0; background: var(--accent); opacity: .55; }
.bar.over > i { background: var(--bad); background-image: repeating-linear-gradient(45deg, transparent 0 4px, rgba(255,255,255,.45) 4px 8px); opacity: .8; }
svg.spark { display: block; }
.chain span + span::before { content: " \2192  "; color: var(--muted); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
#error { color: var(--bad); font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>detour</h1>
  <span>status: <span id="overall" class="state">…</span></span>
  <span class="muted" id="updated"></span>
  <span id="error" role="alert"></span>
</header>

<h2>Groups</h2>
<div class="wrap"><table id="groups"><thead><tr><th>group</th><th>chain</th><th>serving now</th><th class="num">requests today</th><th class="num">cost today</th></tr></thead><tbody></tbody></table></div>

<h2>Deployments</h2>
<div class="wrap"><table id="deployments"><thead><tr><th>deployment</th><th>state</th><th>error rate, 15 min</th><th>p50 latency, 15 min</th><th class="num">in flight</th></tr></thead><tbody></tbody></table></div>

<h2>Teams today</h2>
<div class="wrap"><table id="teams"><thead><tr><th>team</th><th class="num">requests</th><th class="num">tokens</th><th class="num">cost</th><th>budget</th></tr></thead><tbody></tbody></table></div>

<h2>Failovers, last hour</h2>
<div class="wrap"><table id="failovers"><thead><tr><th>time (UTC)</th><th>group</th><th>from</th><th>to</th><th>reason</th></tr></thead><tbody></tbody></table></div>

<script>
"use strict";
const SHAPES = { healthy: "\u25cf", cooling: "\u25d0", unusable: "\u2716", ok: "\u25cf", degraded: "\u25d0", down: "\u2716" };
const SVGNS = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function usd(v) { return "$" + (v < 0.01 && v > 0 ? v.toFixed(6) : v.toFixed(2)); }
function stateCell(state, extra) {
  return el("span", { class: "state " + state }, (SHAPES[state] || "?") + " " + state + (extra || ""));
}
// A sparkline: bars for error rate (0..1) or a line for latency; empty minutes stay empty.
function spark(values, kind, label) {
  const w = 150, h = 28, n = values.length, step = w / n;
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("class", "spark"); svg.setAttribute("width", w); svg.setAttribute("height", h);
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`); svg.setAttribute("role", "img"); svg.setAttribute("aria-label", label);
  const base = document.createElementNS(SVGNS, "line");
  base.setAttribute("x1", 0); base.setAttribute("x2", w); base.setAttribute("y1", h - 0.5); base.setAttribute("y2", h - 0.5);
  base.setAttribute("stroke", "currentColor"); base.setAttribute("stroke-opacity", ".25"); svg.append(base);
  const present = values.filter(v => v !== null);
  const max = kind === "rate" ? 1 : Math.max(1, ...present);
  if (kind === "rate") {
    values.forEach((v, i) => {
      if (v === null) return;
      const r = document.createElementNS(SVGNS, "rect"), bh = Math.max(v > 0 ? 2 : 1, v / max * (h - 2));
      r.setAttribute("x", i * step + 1); r.setAttribute("width", step - 2); r.setAttribute("y", h - bh); r.setAttribute("height", bh);
      r.setAttribute("fill", v > 0 ? "var(--bad)" : "var(--ok)"); svg.append(r);
    });
  } else {
    let d = "";
    values.forEach((v, i) => { if (v !== null) d += (d ? " L" : "M") + (i * step + step / 2).toFixed(1) + " " + (h - 2 - v / max * (h - 6)).toFixed(1); });
    const p = document.createElementNS(SVGNS, "path");
    p.setAttribute("d", d); p.setAttribute("fill", "none"); p.setAttribute("stroke", "var(--accent)"); p.setAttribute("stroke-width", "1.5");
    svg.append(p);
    values.forEach((v, i) => {  // a dot per minute, so a lone minute still shows
      if (v === null) return;
      const c = document.createElementNS(SVGNS, "circle");
      c.setAttribute("cx", (i * step + step / 2).toFixed(1)); c.setAttribute("cy", (h - 2 - v / max * (h - 6)).toFixed(1));
      c.setAttribute("r", "1.8"); c.setAttribute("fill", "var(--accent)"); svg.append(c);
    });
  }
  return svg;
}
function last(values) { for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]; return null; }
function fill(id, rows) { const body = document.querySelector(`#${id} tbody`); body.replaceChildren(...rows); }

function render(s) {
  const overall = document.getElementById("overall");
  overall.className = "state " + s.status; overall.textContent = (SHAPES[s.status] || "") + " " + s.status;
  document.getElementById("updated").textContent = "updated " + s.generated_at.replace("T", " ").replace("Z", " UTC");
  fill("groups", s.groups.map(g => el("tr", { "data-group": g.name },
    el("td", {}, el("code", {}, g.name)),
    el("td", { class: "chain" }, ...g.chain.map(c => el("span", {}, c))),
    el("td", { class: "serving" }, g.serving.length ? g.serving.join(", ") + (g.via_fallback ? " (via fallback " + g.via + ")" : "") : "nothing: every deployment is down"),
    el("td", { class: "num" }, g.today.requests),
    el("td", { class: "num" }, usd(g.today.cost_usd)))));
  fill("deployments", s.deployments.map(d => {
    const er = d.sparkline.error_rate, p50 = d.sparkline.p50_ms, lastEr = last(er), lastP = last(p50);
    const left = d.state === "cooling" ? ", " + Math.ceil(d.cooldown_remaining_s) + " s left" : "";
    return el("tr", { "data-deployment": d.id, "data-state": d.state },
      el("td", {}, el("code", {}, d.id), el("div", { class: "muted" }, d.provider + " \u00b7 " + d.model_group)),
      el("td", {}, stateCell(d.state, left), d.reason ? el("div", { class: "muted" }, d.reason) : ""),
      el("td", {}, spark(er, "rate", "error rate per minute"), el("span", { class: "muted" }, lastEr === null ? "no traffic" : "now " + Math.round(lastEr * 100) + " %")),
      el("td", {}, spark(p50, "ms", "p50 latency per minute"), el("span", { class: "muted" }, lastP === null ? "no data" : "now " + lastP + " ms")),
      el("td", { class: "num" }, d.in_flight));
  }));
  fill("teams", s.teams.map(t => {
    const b = t.budget;
    let budget = el("span", { class: "muted" }, "no budget");
    if (b) {
      const pct = b.usd > 0 ? Math.min(100, b.spent_usd / b.usd * 100) : 100;
      budget = el("div", {},
        el("div", { class: "bar" + (b.over ? " over" : ""), role: "meter", "aria-valuemin": 0, "aria-valuemax": b.usd, "aria-valuenow": b.spent_usd }, el("i", { style: `width:${pct}%` })),
        el("span", { class: "muted" }, usd(b.spent_usd) + " of " + usd(b.usd) + " per " + b.per + (b.over ? " \u2014 OVER: requests refused" : "")));
    }
    return el("tr", { "data-team": t.team },
      el("td", {}, el("code", {}, t.team)), el("td", { class: "num" }, t.requests),
      el("td", { class: "num" }, t.prompt_tokens + t.completion_tokens),
      el("td", { class: "num cost" }, usd(t.cost_usd)), el("td", {}, budget));
  }));
  const fo = s.failovers.map(f => el("tr", {},
    el("td", {}, f.time.slice(11, 19)), el("td", {}, f.group), el("td", {}, el("code", {}, f.from)),
    el("td", {}, f.to === null ? "failed" : el("code", {}, f.to)), el("td", {}, f.reason + (f.status ? " (" + f.status + ")" : ""))));
  fill("failovers", fo.length ? fo : [el("tr", {}, el("td", { colspan: 5, class: "muted" }, "none"))]);
}

async function refresh() {
  try {
    const r = await fetch("/ui/status.json", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = "cannot reach detour: " + e.message;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
)html";

}  // namespace

std::string_view StatusPageHtml() { return kPage; }

}  // namespace detour
