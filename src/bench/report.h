// What `detour bench` measured (SPEC 1.4), as plain data: per trace, per arm, the
// requests as callers saw them (from the request observer, in trace time), the summary
// statistics, a timeline for the chart, and the `[expect]` gates. Built by the runner
// (bench/runner.h), read by the renderers (table, JSON, SVG).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/trace.h"
#include "model/types.h"

namespace detour::bench {

// The three arms, in display order.
inline constexpr std::array<const char*, 3> kArmNames = {"direct", "retries", "detour"};

// One request as its caller saw it. Times are trace time.
struct Sample {
  Millis start{0};  // from the trace's start
  Millis total{0};  // request start to its end (the caller's wait, failed or not)
  std::optional<Millis> first_token;  // streams that got one
  bool ok = false;    // a complete answer (a stream cut after commit is not)
  bool stream = false;
  int attempts = 0;   // upstream attempts it cost
  bool fell_back = false;  // answered by a group other than the one asked for
  double cost_usd = 0;
  std::string error_kind;  // the defining error's kind (model/error.h KindName) when !ok
};

struct ArmStats {
  long requests = 0;
  long succeeded = 0;
  long errors = 0;
  double error_rate = 0;  // errors / requests (0 when none)
  // Latency of every request, failed or not (what callers waited), in ms.
  double p50_latency_ms = 0, p95_latency_ms = 0, p99_latency_ms = 0;
  // Time to first token of the streams that got one, in ms.
  double p50_first_token_ms = 0, p99_first_token_ms = 0;
  double attempts_per_request = 0;
  long fallbacks = 0;
  double cost_usd = 0;
  std::map<std::string, long> errors_by_kind;  // "timeout" -> 12, ...
};

// One slice of trace time on the chart.
struct Bucket {
  Millis from{0};
  long requests = 0;
  long errors = 0;
  double error_rate = 0;
  double p99_latency_ms = 0;  // 0 when no request started in it
};

struct ArmResult {
  std::string arm;  // kArmNames
  ArmStats stats;
  std::vector<Bucket> timeline;
  long sim_requests = 0;  // what this arm's simulator counted (every upstream request)
  long sim_faults = 0;    // ... and how many of them got a fault
};

struct GateResult {
  TraceExpect expect;
  double value = 0;
  bool ok = false;
  std::string Name() const;  // "detour.error_rate_max"
};

struct TraceResult {
  std::string name;
  std::string description;
  std::string file;
  Millis duration{0};
  double speed = 1;
  double wall_seconds = 0;
  uint64_t seed = 1;
  std::string group;  // the model group the traffic asked for
  std::vector<TraceFault> faults;  // to shade on the chart
  std::vector<ArmResult> arms;     // direct, retries, detour
  std::vector<GateResult> gates;
  std::vector<std::string> notes;  // e.g. a deployment that could not be simulated
  bool GatesOk() const;
};

struct BenchReport {
  std::string config;  // the config file benchmarked, or "built-in demo config"
  uint64_t seed = 1;
  std::vector<TraceResult> traces;
  bool GatesOk() const;
};

std::string RenderTable(const BenchReport& report, bool colour);
std::string RenderJson(const BenchReport& report);
// A self-contained SVG (no external assets): per trace, error rate and p99 latency over
// trace time, one series per arm, fault windows shaded, with a legend.
std::string RenderSvg(const BenchReport& report);

}  // namespace detour::bench
