// bench's renderers: the aligned table, JSON that parses back to the figures, and an SVG
// that is well-formed XML with one series per arm and the fault windows shaded.
#include <doctest/doctest.h>

#include <regex>
#include <sstream>

#include "bench/format.h"
#include "bench/report.h"
#include "bench/stats.h"

namespace detour::bench {
namespace {

BenchReport Sample3() {
  TraceResult t;
  t.name = "openai-5xx-incident";
  t.description = "OpenAI 503s <for> 20 minutes & more";
  t.file = "examples/traces/openai-5xx-incident.toml";
  t.duration = Millis(30 * 60000);
  t.speed = 72;
  t.wall_seconds = 24.5;
  t.seed = 7;
  t.group = "default";
  TraceFault f;
  f.kind = FaultKind::kHttpError;
  f.from = Millis(5 * 60000);
  f.to = Millis(25 * 60000);
  f.rate = 0.4;
  f.target = {FaultTarget::Kind::kProvider, "openai"};
  t.faults = {f};
  for (int arm = 0; arm < 3; arm++) {
    ArmResult a;
    a.arm = kArmNames[arm];
    std::vector<Sample> samples;
    for (int i = 0; i < 1800; i++) {
      Sample s;
      s.start = Millis(i * 1000);
      s.total = Millis(2000 + (i % 10) * 100);
      bool in_window = s.start >= f.from && s.start < f.to;
      s.ok = !(in_window && i % (arm == 0 ? 3 : arm == 1 ? 10 : 900) == 0);
      s.attempts = 1;
      samples.push_back(s);
    }
    a.stats = Summarize(samples);
    a.timeline = Timeline(samples, t.duration, BucketWidth(t.duration));
    a.sim_requests = 1800;
    a.sim_faults = 400;
    t.arms.push_back(a);
  }
  TraceExpect e;
  e.arm = "detour";
  e.metric = "error_rate";
  e.bound = 0.01;
  GateResult g;
  g.expect = e;
  g.value = t.arms[2].stats.error_rate;
  g.ok = true;
  t.gates = {g};
  t.notes = {"deployment vertex/gemini-2.0-flash: vertex is simulated as gemini"};
  BenchReport r;
  r.config = "examples/detour.toml";
  r.seed = 7;
  r.traces = {t};
  return r;
}

TEST_CASE("format helpers") {
  CHECK(FormatMs(412.4) == "412 ms");
  CHECK(FormatMs(2410) == "2.41 s");
  CHECK(FormatMs(65000) == "1m 05s");
  CHECK(FormatPercent(0.1234) == "12.34%");
  CHECK(FormatUsd(1.5) == "$1.5000");
  CHECK(FormatDuration(Millis(30 * 60000)) == "30m");
  CHECK(FormatDuration(Millis(90 * 60000 + 5000)) == "1h 30m 5s");
  CHECK(FormatDuration(Millis(45000)) == "45s");
}

TEST_CASE("the table has a column per arm, aligned, and the gate verdict") {
  std::string out = RenderTable(Sample3(), false);
  CHECK(out.find("openai-5xx-incident: OpenAI 503s <for> 20 minutes & more\n") == 0);
  CHECK(out.find("30m of trace time in 24.5 s (72x), group \"default\", seed 7") != std::string::npos);
  CHECK(out.find("                            direct     retries      detour\n") != std::string::npos);
  CHECK(out.find("  requests                    1800        1800        1800\n") != std::string::npos);
  // direct: every 3rd request of 1200 in the window fails = 400.
  CHECK(out.find("  errors                       400         120           1\n") != std::string::npos);
  CHECK(out.find("  error %                   22.22%       6.67%       0.06%\n") != std::string::npos);
  CHECK(out.find("gate detour.error_rate_max <= 0.0100: measured 0.0006  ok\n") != std::string::npos);
  CHECK(out.find("note: deployment vertex/gemini-2.0-flash") != std::string::npos);
  CHECK(out.find("\x1b[") == std::string::npos);  // no colour unless asked
  CHECK(RenderTable(Sample3(), true).find("\x1b[32mok\x1b[0m") != std::string::npos);
}

TEST_CASE("the JSON parses and carries every arm's figures, the gates and the timeline") {
  Json j = Json::parse(RenderJson(Sample3()));
  CHECK(j["seed"] == 7);
  CHECK(j["gates_ok"] == true);
  auto& t = j["traces"][0];
  CHECK(t["name"] == "openai-5xx-incident");
  CHECK(t["duration_s"] == 1800.0);
  CHECK(t["arms"]["direct"]["errors"] == 400);
  CHECK(t["arms"]["retries"]["errors"] == 120);
  CHECK(t["arms"]["detour"]["requests"] == 1800);
  CHECK(t["arms"]["detour"]["simulator"]["faults"] == 400);
  CHECK(t["arms"]["direct"]["timeline"].size() == 60);
  CHECK(t["faults"][0]["kind"] == "http_error");
  CHECK(t["faults"][0]["from_s"] == 300.0);
  CHECK(t["gates"][0]["gate"] == "detour.error_rate_max");
  CHECK(t["gates"][0]["ok"] == true);
}

// A small well-formedness check: every tag closes in order, attributes are quoted, no
// bare '&' or '<' in text.
bool WellFormed(const std::string& xml, std::string* why) {
  std::vector<std::string> open;
  size_t i = 0;
  std::regex attr_re(R"(^\s*([A-Za-z_:][-\w:.]*)\s*=\s*"[^"<]*")");
  while (i < xml.size()) {
    if (xml[i] == '&') {
      static const std::regex ent(R"(^&(amp|lt|gt|quot|apos|#\d+);)");
      if (!std::regex_search(xml.substr(i, 8), ent)) return *why = "bare & at " + std::to_string(i), false;
      i++;
      continue;
    }
    if (xml[i] != '<') { i++; continue; }
    size_t end = xml.find('>', i);
    if (end == std::string::npos) return *why = "unclosed tag", false;
    std::string tag = xml.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag[0] == '?' || tag[0] == '!') continue;
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return *why = "mismatched </" + tag.substr(1) + ">", false;
      open.pop_back();
      continue;
    }
    bool self = tag.back() == '/';
    if (self) tag.pop_back();
    size_t name_end = tag.find_first_of(" \n\t");
    std::string name = tag.substr(0, name_end);
    std::string rest = name_end == std::string::npos ? "" : tag.substr(name_end);
    std::smatch m;
    while (!rest.empty() && rest.find_first_not_of(" \n\t") != std::string::npos) {
      if (!std::regex_search(rest, m, attr_re)) return *why = "bad attributes in <" + name + ">: " + rest, false;
      rest = m.suffix();
    }
    if (!self) open.push_back(name);
  }
  if (!open.empty()) return *why = "unclosed <" + open.back() + ">", false;
  return true;
}

TEST_CASE("the SVG is well-formed, self-contained, with one series per arm per chart and the fault shaded") {
  std::string svg = RenderSvg(Sample3());
  std::string why;
  CHECK_MESSAGE(WellFormed(svg, &why), why);
  CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  CHECK(svg.find("href") == std::string::npos);  // no external assets
  CHECK(svg.find("<script") == std::string::npos);
  for (const char* arm : kArmNames) {
    std::string series = std::string("data-arm=\"") + arm + "\"";
    size_t first = svg.find(series);
    REQUIRE(first != std::string::npos);
    CHECK(svg.find(series, first + 1) != std::string::npos);  // error-rate and latency charts
    CHECK(svg.find(std::string(">") + arm + "</text>") != std::string::npos);  // legend
  }
  CHECK(svg.find("fill-opacity=\"0.15\"><title>http_error 40.00% of requests, openai</title>") != std::string::npos);
  CHECK(svg.find("OpenAI 503s &lt;for&gt; 20 minutes &amp; more") != std::string::npos);
  // A polyline point per bucket: 60 buckets.
  std::smatch m;
  std::regex pts("data-arm=\"direct\"[^>]*points=\"([^\"]*)\"");
  REQUIRE(std::regex_search(svg, m, pts));
  std::istringstream in(m[1].str());
  int n = 0;
  for (std::string p; in >> p;) n++;
  CHECK(n == 60);
}

TEST_CASE("the well-formedness check itself rejects broken XML") {
  std::string why;
  CHECK_FALSE(WellFormed("<a><b></a></b>", &why));
  CHECK_FALSE(WellFormed("<a x=1/>", &why));
  CHECK_FALSE(WellFormed("<a>x & y</a>", &why));
  CHECK_FALSE(WellFormed("<a>", &why));
  CHECK(WellFormed("<a x=\"1\"><b/>&amp;</a>", &why));
}

}  // namespace
}  // namespace detour::bench
