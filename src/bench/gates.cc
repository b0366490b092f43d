#include "bench/gates.h"

#include <algorithm>

#include "util/suggest.h"

namespace detour::bench {

const std::vector<std::string>& MetricNames() {
  static const std::vector<std::string> names = {
      "error_rate",         "success_rate",       "p50_latency_ms",       "p95_latency_ms",
      "p99_latency_ms",     "p50_first_token_ms", "p99_first_token_ms",   "attempts_per_request",
      "fallbacks",          "cost_usd",           "requests",             "errors"};
  return names;
}

std::optional<double> MetricValue(const ArmStats& s, const std::string& metric) {
  if (metric == "error_rate") return s.error_rate;
  if (metric == "success_rate") return s.requests > 0 ? 1.0 - s.error_rate : 0.0;
  if (metric == "p50_latency_ms") return s.p50_latency_ms;
  if (metric == "p95_latency_ms") return s.p95_latency_ms;
  if (metric == "p99_latency_ms") return s.p99_latency_ms;
  if (metric == "p50_first_token_ms") return s.p50_first_token_ms;
  if (metric == "p99_first_token_ms") return s.p99_first_token_ms;
  if (metric == "attempts_per_request") return s.attempts_per_request;
  if (metric == "fallbacks") return static_cast<double>(s.fallbacks);
  if (metric == "cost_usd") return s.cost_usd;
  if (metric == "requests") return static_cast<double>(s.requests);
  if (metric == "errors") return static_cast<double>(s.errors);
  return std::nullopt;
}

std::string GateResult::Name() const {
  return expect.arm + "." + expect.metric + (expect.is_max ? "_max" : "_min");
}

std::vector<ConfigIssue> CheckGates(const Trace& trace) {
  std::vector<ConfigIssue> issues;
  std::vector<std::string> arms(kArmNames.begin(), kArmNames.end());
  for (const auto& e : trace.expect) {
    std::string key = "expect." + e.arm + "." + e.metric + (e.is_max ? "_max" : "_min");
    if (std::find(arms.begin(), arms.end(), e.arm) == arms.end()) {
      issues.push_back({trace.path, e.line, key,
                        "unknown arm \"" + e.arm + "\"" + DidYouMean(e.arm, arms) +
                            " (arms: direct, retries, detour)"});
    } else if (!MetricValue(ArmStats{}, e.metric)) {
      issues.push_back({trace.path, e.line, key,
                        "unknown metric \"" + e.metric + "\"" + DidYouMean(e.metric, MetricNames())});
    }
  }
  return issues;
}

std::vector<GateResult> EvaluateGates(const std::vector<TraceExpect>& expect,
                                      const std::vector<ArmResult>& arms) {
  std::vector<GateResult> out;
  for (const auto& e : expect) {
    GateResult g;
    g.expect = e;
    auto arm = std::find_if(arms.begin(), arms.end(), [&](const ArmResult& a) { return a.arm == e.arm; });
    std::optional<double> value;
    if (arm != arms.end()) value = MetricValue(arm->stats, e.metric);
    if (value) {
      g.value = *value;
      g.ok = e.is_max ? *value <= e.bound : *value >= e.bound;
    }
    out.push_back(g);
  }
  return out;
}

bool TraceResult::GatesOk() const {
  return std::all_of(gates.begin(), gates.end(), [](const GateResult& g) { return g.ok; });
}

bool BenchReport::GatesOk() const {
  return std::all_of(traces.begin(), traces.end(), [](const TraceResult& t) { return t.GatesOk(); });
}

}  // namespace detour::bench
