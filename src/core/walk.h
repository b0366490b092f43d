// One request's walk along its chain (SPEC 3.2): group, then its fallbacks (or the
// request's own), each group once; inside a group pick, attempt, record, decide.
// The attempt itself (non-stream or stream) is a callback so both paths share every
// rule. One Walk per request, used on the request's thread only.
#pragma once

#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/balancer.h"
#include "core/route_table.h"
#include "core/router.h"

namespace detour {

struct AttemptOutcome {
  bool ok = false;
  Error error;                        // when !ok
  Usage usage;                        // when ok
  std::optional<Millis> first_token;  // streams
  bool committed = false;             // a stream forwarded tokens before failing
  bool replayable = true;             // what was forwarded can be reproduced by a replay
};

using AttemptFn = std::function<AttemptOutcome(const Deployment&, const AttemptLimits&,
                                               const RouteInfo& so_far)>;

class Walk {
 public:
  Walk(const RouteTable& table, const ChatRequest& req, Clock& clock, const RouteOptions& opts);

  // Runs the walk. On success `info()` names the deployment that answered.
  Expected<RouteInfo, RouteFailure> Run(const AttemptFn& attempt);

 private:
  enum class GroupEnd { kSuccess, kExhausted, kStop, kSwitchChain };
  struct Pick {
    const Deployment* dep = nullptr;
    std::optional<TimePoint> wait_until;  // a cooling member ends soon enough to wait for
  };

  GroupEnd WalkGroup(const Group& g, const AttemptFn& attempt);
  Pick PickDeployment(const Group& g, bool retrying);
  std::vector<const Deployment*> Candidates(const Group& g, TimePoint now, bool allow_silent);
  bool TakeAdmission(const Deployment& d, TimePoint now);
  AttemptLimits LimitsFor(const Deployment& d, TimePoint now) const;
  void Record(const Deployment& d, const AttemptOutcome& o, TimePoint started);
  void PlanForcedProbe(const std::vector<std::string>& chain);
  std::vector<std::string> ChainFor(const std::vector<std::string>& groups) const;
  RouteFailure Failure() const;
  double RetryAfterHint(TimePoint now) const;
  bool ChainHasOtherOptions(const Group& current) const;
  bool ReplayAllowed() const;
  // Whether a retry in `g` could go anywhere: some usable member that is not a silent
  // failure excluded by the no-re-send rule.
  bool HasRetryTarget(const Group& g) const;

  const RouteTable& table_;
  const ChatRequest& req_;
  Clock& clock_;
  const RouteOptions& opts_;
  Strategy strategy_;
  std::mt19937_64& rng_;  // thread-local
  TimePoint start_, deadline_;
  std::vector<std::string> chain_;  // groups still to walk
  std::set<std::string> visited_;
  std::set<const Deployment*> failed_, silent_failed_;
  const Deployment* forced_ = nullptr;  // SPEC 3.2 step 5
  std::optional<Millis> limited_wait_;  // rpm/tpm kept us out; time until a slot frees
  std::vector<std::string> unusable_;   // reasons, for the "nothing routable" error
  RouteInfo info_;
  std::optional<Error> stop_error_;
  std::optional<double> told_retry_after_;  // smallest Retry-After any attempt was told
  bool committed_failure_ = false;
  std::set<const Deployment*> done_;  // failed after commit: never tried again in this request
};

}  // namespace detour
