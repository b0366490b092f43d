// One streamed attempt's sink in front of the CommitGate (core/commit_gate.h). A plain
// attempt passes every chunk straight to the gate. A racing attempt (core/hedge.h) holds
// its chunks until its first content token, claims the race, and only when it won opens
// the gate for itself and forwards what it held; a loser stops at once and has sent
// nothing. Used on the attempt's own fiber.
#pragma once

#include <optional>
#include <vector>

#include "core/commit_gate.h"
#include "core/hedge.h"

namespace detour {

class HeldStream {
 public:
  HeldStream(CommitGate& gate, const Deployment& d, const RouteInfo& so_far, const AttemptLimits& limits,
             RaceTicket* race, Clock& clock);
  // The provider's sink. false: stop (lost the race, client gone, replay diverged).
  bool OnChunk(StreamChunk& c);
  // The stream ended: a racer that never sent a content token claims the race now (its
  // answer is empty, but it is an answer). false: it lost.
  bool Claim();
  bool live() const { return live_; }
  // A racer's time from its start to its first token (the gate times plain attempts).
  std::optional<Millis> first_token() const { return first_token_; }

 private:
  bool Open();

  CommitGate& gate_;
  const Deployment& dep_;
  const RouteInfo& so_far_;
  const AttemptLimits& limits_;
  RaceTicket* race_;
  Clock& clock_;
  TimePoint started_;
  bool live_ = false;
  bool lost_ = false;
  std::vector<StreamChunk> held_;
  std::optional<Millis> first_token_;
};

}  // namespace detour
