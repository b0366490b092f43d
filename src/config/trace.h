// Outage traces (SPEC 7): one incident as data, loaded from TOML (validated like the
// config: every problem with file:line and key path) or from a `[record]` JSONL file of
// real upstream attempts. Plain, immutable data; read by the simulator (src/sim) and by
// `bench` (src/bench). Durations are trace time in milliseconds from the trace's start.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/load.h"
#include "model/types.h"
#include "util/expected.h"

namespace detour {

struct TraceTraffic {
  double rate = 1.0;           // requests per second, Poisson arrivals
  double stream = 0.5;         // share of streamed requests
  int prompt_tokens = 400;
  int completion_tokens = 150;
};

struct TraceBaseline {          // every provider outside fault windows
  Millis first_token{450};      // median; log-normal spread
  double tokens_per_second = 70;
  double error_rate = 0;        // share of requests answered 500 outside any fault
};

enum class FaultKind {
  kHttpError, kRateLimit, kHang, kReset, kSlow, kStreamCut, kStall, kMalformedChunk,
  kNoDone, kContextWindow, kContentPolicy,
};
const char* FaultKindName(FaultKind);  // "http_error", ... as written in traces

struct FaultTarget {
  enum class Kind { kAll, kProvider, kDeployment, kModel };
  Kind kind = Kind::kAll;
  std::string name;  // provider name, deployment id or model; empty for "*"
};

struct TraceFault {
  FaultTarget target;
  Millis from{0};
  Millis to{0};
  FaultKind kind = FaultKind::kHttpError;
  double rate = 1.0;               // share of requests in the window that get the fault
  int status = 0;                  // http_error (default 500); rate_limit is always 429
  std::optional<Millis> retry_after;  // rate_limit (and http_error when set)
  double factor = 1.0;             // slow: first token and token time multiplied by this
  int after_tokens = 0;            // stream_cut, stall
  Millis stall_for{0};             // stall: `for`
  int line = 0;
};

// One line of a `[record]` file (SPEC 7): one upstream attempt as serve saw it.
//   {"time":"2026-12-06T17:03:04.120Z","deployment":"openai/gpt-4o","provider":"openai",
//    "model":"gpt-4o","kind":"ok"|error kind name,"status":200,"first_token_ms":412,
//    "total_ms":2330,"stream":true}
// `at` is the attempt's start relative to the file's first line.
struct RecordedAttempt {
  Millis at{0};
  std::string deployment;
  std::string provider;
  std::string model;
  std::string kind;  // "ok" or an ErrorKind name (model/error.h)
  int status = 0;
  std::optional<Millis> first_token;
  Millis total{0};
  bool stream = false;
};

// A `[expect]` gate: "<arm>.<metric>_max" or "<arm>.<metric>_min" = number, e.g.
// "detour.error_rate_max" = 0.01, "detour.p99_latency_ms_max" = 8000.
struct TraceExpect {
  std::string arm;     // direct | retries | detour
  std::string metric;  // error_rate | p50_latency_ms | p99_latency_ms | attempts_per_request ...
  bool is_max = true;
  double bound = 0;
  int line = 0;
};

struct Trace {
  std::string name;
  std::string description;
  std::string path;  // file it came from
  Millis duration{0};
  TraceTraffic traffic;
  TraceBaseline baseline;
  std::vector<TraceFault> faults;
  std::vector<TraceExpect> expect;
  // Non-empty for a recorded trace: the simulator replays these outcomes per deployment
  // over time instead of drawing faults.
  std::vector<RecordedAttempt> recorded;
};

// `.toml` -> SPEC 7 trace; `.jsonl` -> recorded trace (traffic taken from the record's
// request rate and stream share). Fails with every issue found, like LoadConfigFile.
Expected<Trace, ConfigErrors> LoadTraceFile(const std::string& path);
Expected<Trace, ConfigErrors> LoadTraceText(const std::string& text, const std::string& file);
// A `[record]` JSONL text (what LoadTraceFile does for .jsonl): one RecordedAttempt per
// line, every bad line reported as file:line with the key.
Expected<Trace, ConfigErrors> LoadRecordedTraceText(const std::string& text, const std::string& file);

// The metric names an `[expect]` gate may use (before _max/_min).
const std::vector<std::string>& TraceExpectMetrics();

}  // namespace detour
