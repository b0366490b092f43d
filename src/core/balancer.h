// Load balancing among a group's admissible deployments (SPEC 3.4). Pure choice: the
// caller filters candidates (cooling, limits, already failed); the balancer only ranks.
// Reads the deployments' runtime slots (in-flight, latency, usage) without holding locks
// across anything slow. Thread-safe given a per-call rng.
#pragma once

#include <random>
#include <string_view>
#include <vector>

#include "core/route_table.h"

namespace detour {

enum class Strategy { kSimpleShuffle, kLeastBusy, kLowestLatency, kUsage, kCost, kPriority };

Strategy ParseStrategy(std::string_view name);  // unknown -> simple-shuffle (config validates)

// `candidates` must be non-empty.
const Deployment* Choose(Strategy s, const std::vector<const Deployment*>& candidates,
                         std::mt19937_64& rng, TimePoint now);

}  // namespace detour
