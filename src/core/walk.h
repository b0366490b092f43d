// The executor of one request's walk (SPEC 3.2): asks the pure decision step
// (core/walk_decide.h) what to do, does it (admission through the state store, the
// attempt, sleeps on the Clock), writes what happened into the ledger and the state store,
// and asks again. The attempt itself (non-stream or stream) is a callback so both paths
// share every rule. One Walk per request, used on the request's thread only.
#pragma once

#include <functional>

#include "core/attempt_guard.h"
#include "core/router.h"
#include "core/walk_decide.h"

namespace detour {

using AttemptFn = std::function<AttemptOutcome(const Deployment&, const AttemptLimits&,
                                               const RouteInfo& so_far)>;

// What the walk needs to know of the request itself, whatever its operation (chat,
// embeddings): the group asked for, its overrides, and whether it streams.
struct WalkTarget {
  std::string model;
  RequestOverrides overrides;
  bool stream = false;
};

class Walk {
 public:
  // `observers` (the router's) and opts.observer hear of every attempt as it ends.
  Walk(const RouteTable& table, WalkTarget target, StateStore& store, Clock& clock,
       uint64_t seed, const RouteOptions& opts, const std::vector<RequestObserver*>& observers);

  // Runs the walk. On success the RouteInfo names the deployment that answered.
  Expected<RouteInfo, RouteFailure> Run(const AttemptFn& attempt);

 private:
  class StoreFacts;
  void Enter(const Group& g, std::vector<std::string> chain);
  // Carries out an attempt decision. false: admission refused (a race); decide again.
  bool Attempt(const Decision& d, const AttemptFn& attempt, AttemptOutcome& out);
  void Record(const Deployment& d, const AttemptOutcome& o, TimePoint started, AttemptGuard& guard);
  // Notes on the attempt that just failed what the walk does next, and reports it.
  void Announce(const Decision& next, TimePoint now);
  AttemptLimits LimitsFor(const Deployment& d, TimePoint now) const;

  const RouteTable& table_;
  const WalkTarget target_;
  StateStore& store_;
  Clock& clock_;
  Rng rng_;
  const RouteOptions& opts_;
  const std::vector<RequestObserver*>& observers_;
  WalkRules rules_;
  WalkLedger ledger_;
};

}  // namespace detour
