// Load balancing among a group's admissible deployments (SPEC 3.4). Pure choice over
// the facts the walk read from the state store: the caller filters candidates (cooling,
// limits, already failed); the balancer only ranks. Deterministic for a given Rng state.
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

// `candidates` must be non-empty.
const Deployment* Choose(Strategy s, const std::vector<Candidate>& candidates, Rng& rng);

}  // namespace detour
