// SPEC 7 traces: the TOML form (every key, defaults, validation with file:line and key
// path, did-you-mean) and recorded JSONL files.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "config/trace.h"
#include "config_test_util.h"

namespace detour {
namespace {

using config_test::IssueStrings;

std::vector<std::string> TraceIssues(const std::string& text) {
  auto r = LoadTraceText(text, "t.toml");
  REQUIRE_FALSE(r.ok());
  return IssueStrings(r.error());
}

Trace TraceOk(const std::string& text) {
  auto r = LoadTraceText(text, "t.toml");
  if (!r.ok()) FAIL_CHECK("unexpected issues: " << IssueStrings(r.error()).front());
  REQUIRE(r.ok());
  return std::move(r.value());
}

TEST_CASE("the SPEC 7 example trace loads with every field") {
  Trace t = TraceOk(R"(name = "openai-5xx-incident"
description = "20 minutes of elevated 5xx"
duration = "30m"

[traffic]
rate = 2.0
stream = 0.5
prompt_tokens = 400
completion_tokens = 150

[baseline]
first_token = "450ms"
tokens_per_second = 70
error_rate = 0.002

[[faults]]
target = "provider:openai"
from = "5m"
to = "25m"
kind = "http_error"
rate = 0.45
status = 503
retry_after = "2s"

[[faults]]
target = "deployment:azure/gpt-4o"
from = "1m"
kind = "stall"
after_tokens = 5
for = "20s"

[expect]
"detour.error_rate_max" = 0.01
retries.p99_latency_ms_max = 8000
)");
  CHECK(t.name == "openai-5xx-incident");
  CHECK(t.duration == Millis(30 * 60000));
  CHECK(t.traffic.rate == 2.0);
  CHECK(t.traffic.completion_tokens == 150);
  CHECK(t.baseline.first_token == Millis(450));
  CHECK(t.baseline.tokens_per_second == 70);
  CHECK(t.baseline.error_rate == 0.002);
  REQUIRE(t.faults.size() == 2);
  const TraceFault& f = t.faults[0];
  CHECK(f.target.kind == FaultTarget::Kind::kProvider);
  CHECK(f.target.name == "openai");
  CHECK(f.from == Millis(5 * 60000));
  CHECK(f.to == Millis(25 * 60000));
  CHECK(f.kind == FaultKind::kHttpError);
  CHECK(f.rate == 0.45);
  CHECK(f.status == 503);
  CHECK(f.retry_after == Millis(2000));
  CHECK(f.line == 16);
  const TraceFault& s = t.faults[1];
  CHECK(s.target.kind == FaultTarget::Kind::kDeployment);
  CHECK(s.target.name == "azure/gpt-4o");
  CHECK(s.to == t.duration);  // no `to`: until the end
  CHECK(s.kind == FaultKind::kStall);
  CHECK(s.after_tokens == 5);
  CHECK(s.stall_for == Millis(20000));
  CHECK(s.rate == 1.0);
  REQUIRE(t.expect.size() == 2);
  CHECK(t.expect[0].arm == "detour");
  CHECK(t.expect[0].metric == "error_rate");
  CHECK(t.expect[0].is_max);
  CHECK(t.expect[0].bound == 0.01);
  CHECK(t.expect[0].line == 33);
  CHECK(t.expect[1].arm == "retries");
  CHECK(t.expect[1].metric == "p99_latency_ms");
}

TEST_CASE("every fault kind has its trace name") {
  const char* names[] = {"http_error", "rate_limit", "hang", "reset", "slow", "stream_cut",
                         "stall", "malformed_chunk", "no_done", "context_window", "content_policy"};
  for (const char* name : names) {
    std::string extra = std::string(name) == "slow" ? "factor = 3\n"
                        : std::string(name) == "stall" ? "for = \"1s\"\n" : "";
    Trace t = TraceOk("duration = \"1m\"\n[[faults]]\ntarget = \"*\"\nkind = \"" +
                      std::string(name) + "\"\n" + extra);
    REQUIRE(t.faults.size() == 1);
    CHECK(std::string(FaultKindName(t.faults[0].kind)) == name);
    CHECK(t.faults[0].target.kind == FaultTarget::Kind::kAll);
  }
}

TEST_CASE("a trace's strings expand ${VAR:-default} from the process environment") {
  // The reader keeps its own copy of the environment lookup (it once held a reference to
  // a temporary: ASan's stack-use-after-scope, found by the trace fuzzer).
  Trace t = TraceOk("duration = \"1m\"\n[[faults]]\n"
                    "target = \"${DETOUR_TRACE_TEST_UNSET_VAR:-provider:openai}\"\nkind = \"hang\"\n");
  REQUIRE(t.faults.size() == 1);
  CHECK(t.faults[0].target.kind == FaultTarget::Kind::kProvider);
  CHECK(t.faults[0].target.name == "openai");
}

TEST_CASE("defaults: http_error is 500, rate_limit is 429") {
  Trace t = TraceOk(R"(duration = 60
[[faults]]
target = "model:gpt-4o"
kind = "http_error"
[[faults]]
target = "*"
kind = "rate_limit"
retry_after = 3
)");
  CHECK(t.duration == Millis(60000));
  CHECK(t.faults[0].status == 500);
  CHECK(t.faults[0].target.kind == FaultTarget::Kind::kModel);
  CHECK(t.faults[1].status == 429);
  CHECK(t.faults[1].retry_after == Millis(3000));
}

TEST_CASE("bad traces are reported with file:line, key path and a hint") {
  auto issues = TraceIssues(R"(name = "x"
duraton = "30m"

[traffic]
rate = 2.0
strem = 0.5

[[faults]]
target = "provder:openai"
from = "5m"
to = "2m"
kind = "http_eror"
rate = 1.5
factor = 3
)");
  std::vector<std::string> want = {
      "t.toml:1: duration: missing key \"duration\" (e.g. duration = \"30m\")",
      "t.toml:2: duraton: unknown key \"duraton\" (did you mean \"duration\"?)",
      "t.toml:6: traffic.strem: unknown key \"strem\" (did you mean \"stream\"?)",
      "t.toml:9: faults[0].target: invalid target \"provder:openai\" (use \"provider:NAME\", "
      "\"deployment:ID\", \"model:NAME\" or \"*\")",
      "t.toml:11: faults[0].to: must be after \"from\"",
      "t.toml:12: faults[0].kind: unknown fault kind \"http_eror\" (did you mean \"http_error\"?)",
      "t.toml:13: faults[0].rate: must be between 0 and 1 (a share of requests)",
  };
  CHECK(issues == want);
}

TEST_CASE("keys that mean nothing for the fault's kind are errors") {
  auto issues = TraceIssues(R"(duration = "10m"
[[faults]]
target = "*"
kind = "http_error"
factor = 3
after_tokens = 2
[[faults]]
target = "*"
kind = "slow"
[[faults]]
target = "*"
kind = "rate_limit"
status = 503
[[faults]]
target = "*"
kind = "stall"
from = "11m"
)");
  std::vector<std::string> want = {
      "t.toml:5: faults[0].factor: \"factor\" has no meaning for kind \"http_error\"",
      "t.toml:6: faults[0].after_tokens: \"after_tokens\" has no meaning for kind \"http_error\"",
      "t.toml:7: faults[1]: a slow fault needs \"factor\" (e.g. factor = 5)",
      "t.toml:13: faults[2].status: a rate_limit fault is always 429",
      "t.toml:14: faults[3]: a stall fault needs \"for\" (e.g. for = \"20s\")",
      "t.toml:17: faults[3].from: starts at or after the trace's duration",
  };
  CHECK(issues == want);
}

TEST_CASE("bad durations, expect gates and kinds") {
  auto issues = TraceIssues(R"(duration = "30 minutes"
[baseline]
first_token = "fast"
[[faults]]
target = "*"
[expect]
"detuor.error_rate_max" = 0.01
"detour.eror_rate_max" = 0.01
"detour.error_rate" = 0.01
)");
  std::vector<std::string> want = {
      "t.toml:1: duration: invalid duration \"30 minutes\" (use e.g. \"250ms\", \"10s\", \"2m\", "
      "\"1h\" or a number of seconds)",
      "t.toml:3: baseline.first_token: invalid duration \"fast\" (use e.g. \"250ms\", \"10s\", "
      "\"2m\", \"1h\" or a number of seconds)",
      "t.toml:4: faults[0]: missing key \"kind\" (use one of http_error, rate_limit, hang, reset, "
      "slow, stream_cut, stall, malformed_chunk, no_done, context_window, content_policy)",
      "t.toml:7: expect.\"detuor.error_rate_max\": unknown arm \"detuor\" (did you mean \"detour\"?)",
      "t.toml:8: expect.\"detour.eror_rate_max\": unknown metric \"eror_rate\" (did you mean "
      "\"error_rate\"?)",
      "t.toml:9: expect.\"detour.error_rate\": a gate ends in _max or _min (e.g. "
      "\"detour.error_rate_max\")",
  };
  CHECK(issues == want);
}

TEST_CASE("invalid TOML is unreadable with its line") {
  auto r = LoadTraceText("duration = \"1m\"\n[traffic\n", "t.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().unreadable);
  CHECK(r.error().issues[0].line == 2);
}

TEST_CASE("a recorded JSONL file replays per deployment from its first attempt") {
  auto r = LoadRecordedTraceText(
      R"({"time":"2026-12-06T17:03:04.120Z","deployment":"openai/gpt-4o","provider":"openai","model":"gpt-4o","kind":"ok","status":200,"first_token_ms":412,"total_ms":2330,"stream":true}

{"time":"2026-12-06T17:03:06.000Z","deployment":"openai/gpt-4o","provider":"openai","model":"gpt-4o","kind":"server_error","status":503,"first_token_ms":null,"total_ms":80,"stream":false}
{"time":"2026-12-06T17:03:05Z","deployment":"anthropic/claude","provider":"anthropic","model":"claude","kind":"timeout","status":0,"total_ms":30000,"stream":false}
)",
      "run.jsonl");
  if (!r.ok()) FAIL_CHECK(IssueStrings(r.error()).front());
  REQUIRE(r.ok());
  const Trace& t = *r;
  CHECK(t.name == "run");
  REQUIRE(t.recorded.size() == 3);
  CHECK(t.recorded[0].at == Millis(0));
  CHECK(t.recorded[0].first_token == Millis(412));
  CHECK(t.recorded[0].stream);
  CHECK(t.recorded[1].deployment == "anthropic/claude");
  CHECK(t.recorded[1].at == Millis(880));
  CHECK(t.recorded[1].kind == "timeout");
  CHECK(t.recorded[2].at == Millis(1880));
  CHECK(t.recorded[2].status == 503);
  CHECK_FALSE(t.recorded[2].first_token.has_value());
  CHECK(t.duration == Millis(880 + 30000));
  CHECK(t.traffic.stream == doctest::Approx(1.0 / 3));
}

TEST_CASE("bad record lines are reported with file:line and key") {
  auto r = LoadRecordedTraceText(
      R"({"time":"2026-12-06T17:03:04.120Z","deployment":"a","kind":"ok","total_ms":5}
not json
{"time":"yesterday","deployment":"a","knd":"ok","kind":"server_eror","total_ms":-1}
{"time":"2026-12-06T17:03:05Z","deployment":"a","kind":"ok","status":6.6e41,"total_ms":1e300}
)",
      "run.jsonl");
  REQUIRE_FALSE(r.ok());
  std::vector<std::string> want = {
      "run.jsonl:2: invalid JSON (a record file has one JSON object per line)",
      "run.jsonl:3: knd: unknown key \"knd\" (did you mean \"kind\"?)",
      "run.jsonl:3: time: invalid time \"yesterday\" (use RFC 3339 UTC, e.g. "
      "\"2026-12-06T17:03:04.120Z\")",
      "run.jsonl:3: kind: unknown kind \"server_eror\" (did you mean \"server_error\"?)",
      "run.jsonl:3: total_ms: expected a number from 0 to 10000000000",
      "run.jsonl:4: status: expected a number from 0 to 999",
      "run.jsonl:4: total_ms: expected a number from 0 to 10000000000",
  };
  CHECK(IssueStrings(r.error()) == want);
}

TEST_CASE("LoadTraceFile picks the reader by extension and names unreadable files") {
  std::string dir = "/tmp/detour_trace_test_" + std::to_string(::getpid());
  std::string toml = dir + ".toml", jsonl = dir + ".jsonl";
  std::ofstream(toml) << "duration = \"1m\"\n";
  std::ofstream(jsonl) << R"({"time":"2026-12-06T17:03:04Z","deployment":"a","kind":"ok","total_ms":5})"
                       << "\n";
  auto a = LoadTraceFile(toml);
  CHECK(a.ok());
  auto b = LoadTraceFile(jsonl);
  REQUIRE(b.ok());
  CHECK(b->recorded.size() == 1);
  auto c = LoadTraceFile(dir + ".missing.toml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().unreadable);
  CHECK(c.error().issues[0].ToString().find("cannot read the trace") != std::string::npos);
  std::remove(toml.c_str());
  std::remove(jsonl.c_str());
}

}  // namespace
}  // namespace detour
