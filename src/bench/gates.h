// `[expect]` gates (SPEC 1.4): "<arm>.<metric>_max" / "_min" bounds over an arm's
// summary. A missed gate makes `detour bench` exit 1, so it can guard a config in CI.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/report.h"
#include "config/load.h"
#include "config/trace.h"

namespace detour::bench {

// The metrics a gate may name: error_rate, success_rate, p50_latency_ms, p95_latency_ms,
// p99_latency_ms, p50_first_token_ms, p99_first_token_ms, attempts_per_request,
// fallbacks, cost_usd, requests, errors.
const std::vector<std::string>& MetricNames();
std::optional<double> MetricValue(const ArmStats& stats, const std::string& metric);

// Gates naming an unknown arm or metric, as config issues (file:line, key, did-you-mean).
std::vector<ConfigIssue> CheckGates(const Trace& trace);

// Every gate against the arms measured (an arm not measured fails its gate).
std::vector<GateResult> EvaluateGates(const std::vector<TraceExpect>& expect,
                                      const std::vector<ArmResult>& arms);

}  // namespace detour::bench
