// The executor of one request's walk (SPEC 3.2): asks the pure decision step
// (core/walk_decide.h) what to do, does it (admission through the state store, the
// attempt, sleeps on the Clock), writes what happened into the ledger and the state store,
// and asks again. The attempt itself (non-stream or stream) is a callback so both paths
// share every rule. One Walk per request, used on the request's thread only.
#pragma once

#include <functional>

#include "core/attempt_guard.h"
#include "core/hedge.h"
#include "core/router.h"
#include "core/walk_decide.h"

namespace detour {

// One attempt. `race` is null for a plain attempt; when the attempt races a hedge
// (core/hedge.h) it is set, and the attempt must call race->ClaimWin() when its first
// token (its answer) arrives, before anything reaches the client, and stop at once when
// that returns false. Racing attempts run concurrently on fibers of their own.
using AttemptFn = std::function<AttemptOutcome(const Deployment&, const AttemptLimits&,
                                               const RouteInfo& so_far, RaceTicket* race)>;

// What the walk needs to know of the request itself, whatever its operation (chat,
// embeddings): the group asked for, its overrides, and whether it streams.
struct WalkTarget {
  std::string model;
  RequestOverrides overrides;
  bool stream = false;
  int64_t prompt_estimate = 0;  // tokens, for the pre-flight check; 0: none (embeddings)
  std::string session;          // session-affinity key (core/session_affinity.h); "": none
  HedgeBook* hedges = nullptr;  // the router's hedge statistics; null: no hedging
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
  // Carries out a kSkip: the pre-flight check passed over `d` (no upstream request).
  void Skip(const Deployment& d);
  // The attempt at `d` (admitted, held by `guard`) with a hedge armed: runs it, and a
  // hedge when its first token is late, and records both. `out`: the outcome to decide on.
  void Race(const Deployment& d, AttemptGuard& guard, Millis after, const HedgeConfig& cfg,
            const AttemptFn& attempt, AttemptOutcome& out);
  void RecordLost(const Deployment& d, const Deployment& winner, TimePoint started, TimePoint now);
  void Notify(const AttemptRecord& rec);  // to this request's and the router's observers
  // The hedge settings of the group being walked, when this attempt may hedge.
  const HedgeConfig* HedgeFor() const;
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
  bool hedged_ = false;  // at most one hedge per request
};

// The decision step's view of deployment state: the store, read at one instant.
class Walk::StoreFacts final : public WalkFacts {
 public:
  StoreFacts(StateStore& store, TimePoint now) : store_(store), now_(now) {}
  RoutingFacts Of(const Deployment& d) const override { return store_.Routing(*d.slot, d.limits, now_); }

 private:
  StateStore& store_;
  TimePoint now_;
};

}  // namespace detour
