// Circuit breaking per deployment (SPEC 3.3, 8). A deployment cools down after
// `allowed_fails` counted failures inside `cooldown_window` (the (N+1)-th failure opens it),
// or at once for rate_limit (for its Retry-After, else `cooldown`), auth and not_found.
// When a cooldown ends the circuit is half-open: one request may probe it; success closes
// it, failure reopens it with the cooldown doubled (up to 8x). context_window,
// content_policy, bad_request and canceled never count.
//
// Pure transitions over a CircuitState: the state store (core/state_store.h) owns the
// state and serialises access to it; a shared backend applies the same transitions.
//
// A rate limit is the provider saying when to come back: it opens the circuit for its
// Retry-After (else `cooldown`), also when it answers a half-open probe, and without
// doubling; no background probe is sent before that time (probe_not_before).
#pragma once

#include <deque>
#include <optional>

#include "model/error.h"
#include "model/types.h"

namespace detour {

struct CooldownPolicy {
  int allowed_fails = 3;
  Millis window{60000};
  Millis cooldown{30000};
  static constexpr int kMaxMultiplier = 8;
};

struct CircuitState {
  std::deque<TimePoint> recent_failures;  // counted failures inside the window
  std::optional<TimePoint> open_until;    // cooling while now < open_until
  bool half_open_probe_taken = false;     // a probe request is in flight after the cooldown
  bool reopened_from_probe = false;       // last open came from a failed half-open probe
  int multiplier = 1;                     // doubles on each reopen, capped
  std::optional<TimePoint> probe_not_before;  // the provider's Retry-After: no probe sooner
};

enum class Admission { kOpen, kProbe, kCooling };

// Whether a request may use the deployment now. kProbe means the caller got the one
// half-open probe slot (and must report its outcome).
Admission Admit(CircuitState& s, TimePoint now);
// Read-only view for /health and the walk's "ends first" rule.
bool IsCooling(const CircuitState& s, TimePoint now);

// Whether a background probe may go now (the provider's Retry-After has passed).
bool ProbeAllowed(const CircuitState& s, TimePoint now);
// Gives back a half-open probe turn whose attempt ended without an outcome.
void ReleaseProbe(CircuitState& s);

void RecordSuccess(CircuitState& s);
// Returns true when this failure opened (or reopened) the circuit.
bool RecordFailure(CircuitState& s, const CooldownPolicy& p, ErrorKind kind,
                   std::optional<double> retry_after_s, TimePoint now);

}  // namespace detour
