// The walk's decision step (SPEC 3.2), pure: given this request's history (the ledger),
// the outcome of the attempt that just ended (if any), what the state store says about
// each deployment now (the facts) and a seeded Rng, it says what to do next: attempt
// deployment X, sleep until T, move to group G, or finish. It performs nothing: the
// executor (core/walk.h) carries each decision out, writes what happened into the
// ledger and asks again. Tests drive it with a table of facts (walk_decide_test.cc).
#pragma once

#include <array>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/balancer.h"
#include "core/route_table.h"
#include "core/router.h"
#include "core/state_store.h"
#include "util/random.h"

namespace detour {

// What one attempt did, as the walk sees it.
struct AttemptOutcome {
  bool ok = false;
  Error error;                        // when !ok
  Usage usage;                        // when ok
  std::optional<Millis> first_token;  // streams
  bool committed = false;             // a stream forwarded tokens before failing
  bool replayable = true;             // what was forwarded can be reproduced by a replay
};

// What the decision step may ask about a deployment now. The executor answers from the
// state store; tests answer from a table.
class WalkFacts {
 public:
  virtual ~WalkFacts() = default;
  virtual RoutingFacts Of(const Deployment& d) const = 0;
};

// The per-request rules, fixed when the walk starts.
struct WalkRules {
  const RouteTable* table = nullptr;
  Strategy strategy = Strategy::kSimpleShuffle;
  bool stream = false;                    // lowest-latency ranks streams by first token
  bool replay_allowed = false;            // stream with stream_resume = "replay"
  std::optional<int> request_num_retries;  // SPEC 2.5 override
  int64_t prompt_estimate = 0;            // tokens (core/context_window.h); 0: no pre-flight
  // Session affinity: the deployment this conversation was last answered by; picked
  // whenever it is among the candidates (so never against a cooldown or a limit).
  const Deployment* affinity = nullptr;
  TimePoint deadline;                     // request_timeout (narrowed by the request)
};

// This request's history. The executor writes it as it carries decisions out.
struct WalkLedger {
  const Group* group = nullptr;    // the group being walked
  std::vector<std::string> chain;  // groups still to walk after it
  std::set<std::string> visited;
  std::vector<const Group*> walked;  // every group entered, in order
  // Per group; reset when the walk moves to another group.
  std::array<int, kErrorKindCount> retries_used{};
  int retry_index = 0;
  bool retrying = false;             // an attempt in this group failed
  bool waited_for_cooldown = false;  // this pick already waited out a cooldown once
  std::set<const Deployment*> refused;  // admission raced and lost since the last attempt
  // Per request.
  std::set<const Deployment*> failed, silent, done;  // silent: timeout/connection; done: never again
  std::set<const Deployment*> too_small;  // skipped: the prompt clearly exceeds its context window
  const Deployment* forced = nullptr;  // step 5: the one attempt that ignores its cooldown
  bool committed_failure = false;      // a stream failed after forwarding tokens
  const Deployment* last_tried = nullptr;
  std::optional<Error> last_error;
  RouteInfo route;                     // requested group and the attempts so far
};

struct Decision {
  // kSkip: record `dep` as skipped by the pre-flight context-window check (no upstream
  // request) and decide again.
  enum class Do { kAttempt, kSkip, kSleep, kNextGroup, kSucceed, kFail };
  Do action = Do::kFail;
  const Deployment* dep = nullptr;  // kAttempt, kSkip
  bool forced = false;              // kAttempt: admit it despite its cooldown
  TimePoint until;                  // kSleep
  std::optional<ErrorKind> spend;   // kSleep: the retry budget spent (unset: a cooldown wait)
  const Group* next = nullptr;      // kNextGroup
  std::vector<std::string> chain;   // kNextGroup: the groups after `next`
  RouteFailure failure;             // kFail
};

// The next step. `last` is the attempt that just ended (already recorded in the ledger),
// or null when the walk is about to pick.
Decision Decide(const WalkRules& rules, const WalkLedger& ledger, const AttemptOutcome* last,
                const WalkFacts& facts, TimePoint now, Rng& rng);

// SPEC 9 hedging: where a hedge of `primary` goes: the group's other candidates, then
// the deployments of the groups still ahead in the chain that could take it now (not
// cooling, with room, fitting the prompt, not failed in this request), a provider other
// than primary's first; ties by the strategy. Null when there is none.
const Deployment* HedgeTarget(const WalkRules& rules, const WalkLedger& ledger, const Deployment& primary,
                              const WalkFacts& facts, Rng& rng);

// SPEC 3.2 step 5: when every usable deployment of `groups` is cooling, the one whose
// cooldown ends first (else null).
const Deployment* ForcedProbe(const std::vector<const Group*>& groups, const WalkFacts& facts);

// SPEC 3.2 step 6 and section 8: the failure that best describes the walk so far.
RouteFailure DescribeFailure(const WalkRules& rules, const WalkLedger& ledger,
                             const WalkFacts& facts, TimePoint now);

}  // namespace detour
