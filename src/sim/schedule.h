// What the simulator does with one request (pure, seeded): which fault, if any, and how
// long the answer takes. Same (trace, seed, request key, ordinal, trace time) -> same
// decision, so the same seed gives the same fault schedule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/trace.h"

namespace detour::sim {

struct RequestFacts {
  std::string protocol;    // openai | azure | anthropic | gemini
  std::string deployment;  // "" when the request came without /d/{id}
  std::string model;
  uint64_t ordinal = 0;    // this request's number among those of the same key (see Key)
  Millis at{0};            // trace time of arrival
};

// The stream of draws a request belongs to: its deployment, else its protocol.
std::string Key(const RequestFacts& r);

struct Decision {
  std::optional<TraceFault> fault;  // the fault applied (baseline errors: http_error 500)
  bool baseline_error = false;
  Millis first_token{0};            // trace time to the first token (slow already applied)
  Millis per_token{0};              // trace time between tokens (microsecond rounding aside)
  double per_token_ms = 0;
};

// http_error, rate_limit, context_window, content_policy: an error status instead of an answer.
bool IsErrorAnswer(FaultKind k);

bool Matches(const FaultTarget& t, const RequestFacts& r);

// Draws faults (in trace order: the first active matching fault whose draw hits wins;
// outside every matching window, baseline.error_rate gives a 500) and the latency
// (log-normal first token around baseline.first_token, sigma 0.35, then 1/tokens_per_second).
Decision Decide(const Trace& trace, uint64_t seed, const RequestFacts& r);

// Recorded traces: the outcome of the deployment's (without /d/{id}: the model's) attempt
// nearest before r.at, as a decision; nullopt when there is none (baseline behaviour).
std::optional<Decision> Replay(const Trace& trace, const RequestFacts& r, int completion_tokens);

}  // namespace detour::sim
