// [expect] gates: bounds checked against the measured arm, unknown names rejected with
// the trace's file:line.
#include <doctest/doctest.h>

#include "bench/gates.h"

namespace detour::bench {
namespace {

TraceExpect Gate(std::string arm, std::string metric, bool is_max, double bound, int line = 7) {
  TraceExpect e;
  e.arm = std::move(arm);
  e.metric = std::move(metric);
  e.is_max = is_max;
  e.bound = bound;
  e.line = line;
  return e;
}

std::vector<ArmResult> Arms() {
  std::vector<ArmResult> arms(3);
  arms[0].arm = "direct";
  arms[0].stats.error_rate = 0.22;
  arms[0].stats.requests = 100;
  arms[1].arm = "retries";
  arms[1].stats.error_rate = 0.05;
  arms[2].arm = "detour";
  arms[2].stats.error_rate = 0.004;
  arms[2].stats.p99_latency_ms = 9000;
  return arms;
}

TEST_CASE("a max gate passes at or under its bound, a min gate at or over") {
  auto g = EvaluateGates({Gate("detour", "error_rate", true, 0.01), Gate("direct", "error_rate", false, 0.10),
                          Gate("detour", "p99_latency_ms", true, 8000), Gate("direct", "requests", true, 100)},
                         Arms());
  REQUIRE(g.size() == 4);
  CHECK(g[0].ok);
  CHECK(g[0].value == doctest::Approx(0.004));
  CHECK(g[0].Name() == "detour.error_rate_max");
  CHECK(g[1].ok);
  CHECK(g[1].Name() == "direct.error_rate_min");
  CHECK_FALSE(g[2].ok);
  CHECK(g[2].value == 9000);
  CHECK(g[3].ok);  // equal to the bound
}

TEST_CASE("a gate over an arm that was not measured fails") {
  auto g = EvaluateGates({Gate("detour", "error_rate", true, 1)}, {});
  REQUIRE(g.size() == 1);
  CHECK_FALSE(g[0].ok);
}

TEST_CASE("TraceResult and BenchReport pass only when every gate passes") {
  TraceResult ok, missed;
  ok.gates = EvaluateGates({Gate("detour", "error_rate", true, 0.01)}, Arms());
  missed.gates = EvaluateGates({Gate("retries", "error_rate", true, 0.01)}, Arms());
  CHECK(ok.GatesOk());
  CHECK_FALSE(missed.GatesOk());
  BenchReport r;
  r.traces = {ok};
  CHECK(r.GatesOk());
  r.traces.push_back(missed);
  CHECK_FALSE(r.GatesOk());
}

TEST_CASE("CheckGates names an unknown arm or metric with file:line and a suggestion") {
  Trace t;
  t.path = "storm.toml";
  t.expect = {Gate("detuor", "error_rate", true, 0.01, 12), Gate("detour", "eror_rate", true, 0.01, 13),
              Gate("direct", "p99_latency_ms", true, 9000, 14)};
  auto issues = CheckGates(t);
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].ToString() ==
        "storm.toml:12: expect.detuor.error_rate_max: unknown arm \"detuor\" (did you mean \"detour\"?) "
        "(arms: direct, retries, detour)");
  CHECK(issues[1].ToString() ==
        "storm.toml:13: expect.detour.eror_rate_max: unknown metric \"eror_rate\" (did you mean \"error_rate\"?)");
}

TEST_CASE("every metric name has a value") {
  for (const auto& m : MetricNames()) CHECK_MESSAGE(MetricValue(ArmStats{}, m).has_value(), m);
}

}  // namespace
}  // namespace detour::bench
