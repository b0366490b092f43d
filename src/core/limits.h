// rpm / tpm limits per deployment (SPEC 2 `rpm`, `tpm`; SPEC 8): a sliding one-minute
// window of request start times and of token counts. A request takes an rpm slot when it
// is admitted; its tokens are added when it ends. Callers hold the deployment slot's mutex.
#pragma once

#include <deque>
#include <optional>
#include <utility>

#include "model/types.h"

namespace detour {

struct LimitState {
  std::deque<TimePoint> starts;                     // request starts in the last minute
  std::deque<std::pair<TimePoint, int64_t>> tokens;  // tokens used in the last minute
  int64_t token_sum = 0;
};

struct Limits {
  std::optional<int> rpm;
  std::optional<int> tpm;
};

// True when a request may start now (and records its start).
bool TryTakeSlot(LimitState& s, const Limits& l, TimePoint now);
// Read-only check used when ranking candidates.
bool HasRoom(LimitState& s, const Limits& l, TimePoint now);
void AddTokens(LimitState& s, const Limits& l, int64_t tokens, TimePoint now);
// Time until a slot frees (0 when there is room now).
Millis TimeUntilRoom(LimitState& s, const Limits& l, TimePoint now);
// Share of the per-minute budget used, 0..1+ (the larger of rpm and tpm share; 0 when unlimited).
double UsageShare(LimitState& s, const Limits& l, TimePoint now);

}  // namespace detour
