// The output formats of `detour check`: JSON parses with the right shape, JUnit is
// well-formed with the right counts and escaped text, GitHub annotations carry file and
// line, no registered secret is printed; exit codes and group verdicts.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "check/probe_all.h"
#include "check/report.h"
#include "util/log.h"

namespace detour::check {
namespace {

const std::string kSecret = "sk-report-secret-4242";

ProbeResult Probe(std::string id, std::string group, ProbeStatus s, std::string kind = "",
                  int status = 200, std::string message = "") {
  ProbeResult p;
  p.deployment = std::move(id);
  p.group = std::move(group);
  p.provider = "openai-compatible";
  p.line = 7;
  p.status = s;
  p.http_status = status;
  p.latency = Millis(120);
  p.kind = std::move(kind);
  p.message = std::move(message);
  return p;
}

CheckReport Sample() {
  log::RegisterSecret(kSecret);
  CheckReport r;
  r.config_file = "d.toml";
  r.groups = {"primary", "backup"};
  r.probes = {Probe("a", "primary", ProbeStatus::kFailed, "auth", 401, "bad key " + kSecret + " <&>\""),
              Probe("b", "backup", ProbeStatus::kOk),
              Probe("c", "backup", ProbeStatus::kSkipped, "", 0, "not probed: X is not set")};
  r.verdicts = {{"primary", Verdict::kFallbacksOnly, "backup"}, {"backup", Verdict::kPrimary, "backup"}};
  r.findings = {{Severity::kError, "unknown-key", "deployments[0].modle", "d.toml", 9,
                 "unknown key \"modle\" (did you mean \"model\"?)", "fix the key's name"},
                {Severity::kWarning, "no-price", "deployments[1].price", "d.toml", 12, "no price, 100%", "add a price"}};
  return r;
}

// A small well-formedness check: balanced tags, quoted attributes, only known entities.
bool WellFormed(const std::string& xml) {
  std::vector<std::string> stack;
  std::regex tag(R"(<(/?)([A-Za-z_][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(/?)>)");
  size_t pos = xml.find("?>") + 2;
  while (pos < xml.size()) {
    size_t lt = xml.find('<', pos);
    std::string text = xml.substr(pos, lt == std::string::npos ? std::string::npos : lt - pos);
    for (size_t amp = text.find('&'); amp != std::string::npos; amp = text.find('&', amp + 1))
      if (!std::regex_search(text.substr(amp), std::regex("^&(amp|lt|gt|quot|apos);"))) return false;
    if (text.find('>') != std::string::npos) return false;
    if (lt == std::string::npos) break;
    std::smatch m;
    std::string rest = xml.substr(lt);
    if (!std::regex_search(rest, m, tag, std::regex_constants::match_continuous)) return false;
    if (m[1] == "/") {
      if (stack.empty() || stack.back() != m[2]) return false;
      stack.pop_back();
    } else if (m[4] != "/") {
      stack.push_back(m[2]);
    }
    pos = lt + m.length(0);
  }
  return stack.empty();
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST_CASE("json: deployments, groups and findings parse with nlohmann") {
  auto j = nlohmann::json::parse(RenderJson(Sample()));
  REQUIRE(j["deployments"].size() == 3);
  CHECK(j["deployments"][0]["status"] == "failed");
  CHECK(j["deployments"][0]["error_kind"] == "auth");
  CHECK(j["deployments"][0]["http_status"] == 401);
  CHECK(j["deployments"][1]["error_kind"].is_null());
  CHECK(j["groups"][0]["verdict"] == "degraded");
  CHECK(j["findings"][0]["severity"] == "error");
  CHECK(j["findings"][0]["rule"] == "unknown-key");
  CHECK(j["findings"][0]["line"] == 9);
  CHECK(j.dump().find(kSecret) == std::string::npos);
}

TEST_CASE("junit: well-formed, counts per suite and in total, text escaped") {
  std::string x = RenderJunit(Sample());
  CHECK(WellFormed(x));
  CHECK(x.find("<testsuites name=\"detour check\" tests=\"4\" failures=\"2\">") != std::string::npos);
  CHECK(x.find("<testsuite name=\"primary\" tests=\"1\" failures=\"1\"") != std::string::npos);
  CHECK(x.find("<testsuite name=\"backup\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"1\"") != std::string::npos);
  CHECK(x.find("<testsuite name=\"lint\" tests=\"1\" failures=\"1\"") != std::string::npos);
  CHECK(Count(x, "<testcase") == 4);
  CHECK(Count(x, "<failure") == 2);
  CHECK(x.find("&lt;&amp;&gt;&quot;") != std::string::npos);
  CHECK(x.find(kSecret) == std::string::npos);
}

TEST_CASE("junit: offline has only the lint suite; no errors is one passing case") {
  CheckReport r = Sample();
  r.offline = true;
  r.findings.erase(r.findings.begin());
  std::string x = RenderJunit(r);
  CHECK(WellFormed(x));
  CHECK(x.find("tests=\"1\" failures=\"0\"") != std::string::npos);
  CHECK(Count(x, "<testsuite ") == 1);
}

TEST_CASE("github: annotations with file and line, escaped data, no secret") {
  std::string g = RenderGithub(Sample());
  CHECK(g.find("::error file=d.toml,line=9,title=detour check unknown-key::deployments[0].modle: ") == 0);
  CHECK(g.find("::warning file=d.toml,line=12,title=detour check no-price::") != std::string::npos);
  CHECK(g.find("100%25") != std::string::npos);
  CHECK(g.find("::error file=d.toml,line=7::deployment a (group primary): 401 auth") != std::string::npos);
  CHECK(g.find(kSecret) == std::string::npos);
}

TEST_CASE("table: a row per deployment, verdicts, findings; colour only when asked") {
  std::string t = RenderTable(Sample(), false);
  CHECK(t.find("DEPLOYMENT") == 0);
  CHECK(t.find("401 auth: bad key") != std::string::npos);
  CHECK(t.find("group primary: degraded (served only through fallback backup)") != std::string::npos);
  CHECK(t.find("error [unknown-key] d.toml:9: deployments[0].modle:") != std::string::npos);
  CHECK(t.find("\033[") == std::string::npos);
  CHECK(t.find(kSecret) == std::string::npos);
  CHECK(RenderTable(Sample(), true).find("\033[31m") != std::string::npos);
}

TEST_CASE("exit codes: lint errors and failed probes fail; --allow-degraded tolerates a served group") {
  CheckReport r = Sample();
  CHECK(ExitCode(r, true) == 1);  // a lint error is never tolerated
  r.findings.erase(r.findings.begin());
  CHECK(ExitCode(r, false) == 1);
  CHECK(ExitCode(r, true) == 0);
  r.verdicts[0].verdict = Verdict::kDown;
  CHECK(ExitCode(r, true) == 1);
  r.offline = true;
  CHECK(ExitCode(r, false) == 0);
}

TEST_CASE("verdicts follow the fallback chain at any depth") {
  Config c;
  c.router.fallbacks = {{"a", {"b"}}, {"b", {"c"}}};
  std::vector<ProbeResult> probes = {Probe("1", "a", ProbeStatus::kFailed, "timeout", 0),
                                     Probe("2", "b", ProbeStatus::kFailed, "auth", 401),
                                     Probe("3", "c", ProbeStatus::kOk)};
  auto v = Verdicts(c, {"a", "b", "c", "d"}, probes);
  CHECK(v[0].verdict == Verdict::kFallbacksOnly);
  CHECK(v[0].served_by == "c");
  CHECK(v[1].verdict == Verdict::kFallbacksOnly);
  CHECK(v[2].verdict == Verdict::kPrimary);
  CHECK(v[3].verdict == Verdict::kDown);
}

}  // namespace
}  // namespace detour::check
