// Load balancing among a group's admissible deployments (SPEC 3.4). Pure choice over
// the facts the walk read from the state store: the caller filters candidates (cooling,
// limits, already failed); the balancer only ranks. Deterministic for a given Rng state.
//
// - simple-shuffle: random, weighted by `weight` (else rpm, else tpm, else 1).
// - least-busy: fewest in flight; ties share load by weight.
// - lowest-latency: the lowest EWMA latency: of time to first token for a streamed
//   request, of total time for a buffered one. Deployments within a band of the best
//   (10% of it, at least 5 ms) share load by weight, so near-ties spread and a small
//   lead does not take all the traffic. An unmeasured deployment counts as 0 ms, so it
//   is tried and measured.
// - usage: the lowest share of its rpm and tpm used in the last minute (the larger of
//   the two shares); a deployment with neither limit counts as 0 (nothing to exhaust).
// - cost: the lowest `price` (input + output USD per million tokens) first; a deployment
//   without a price ranks after every priced one (its cost is unknown, not free: write
//   `price = { input = 0, output = 0 }` for a free one). Equal prices are ranked as
//   lowest-latency.
// - priority: the lowest `order`; equal orders share by weight.
#pragma once

#include <string_view>
#include <vector>

#include "core/route_table.h"
#include "core/state_store.h"
#include "util/random.h"

namespace detour {

enum class Strategy { kSimpleShuffle, kLeastBusy, kLowestLatency, kUsage, kCost, kPriority };

Strategy ParseStrategy(std::string_view name);  // unknown -> simple-shuffle (config validates)

struct Candidate {
  const Deployment* dep;
  RoutingFacts facts;
};

// `candidates` must be non-empty. `stream`: the request streams (lowest-latency and
// cost's tie-break then read time to first token).
const Deployment* Choose(Strategy s, const std::vector<Candidate>& candidates, Rng& rng,
                         bool stream = false);

}  // namespace detour
