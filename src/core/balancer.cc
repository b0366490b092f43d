#include "core/balancer.h"

#include <algorithm>
#include <limits>

namespace detour {
namespace {

const Deployment* WeightedShuffle(const std::vector<const Deployment*>& c, std::mt19937_64& rng) {
  double total = 0;
  for (auto* d : c) total += d->weight;
  if (total <= 0) return c[std::uniform_int_distribution<size_t>(0, c.size() - 1)(rng)];
  double x = std::uniform_real_distribution<double>(0, total)(rng);
  for (auto* d : c) {
    x -= d->weight;
    if (x < 0) return d;
  }
  return c.back();
}

// Lowest score wins; exact ties are broken at random so equal deployments share load.
template <class Score>
const Deployment* Lowest(const std::vector<const Deployment*>& c, std::mt19937_64& rng,
                         Score score, double band = 0) {
  double best = std::numeric_limits<double>::infinity();
  for (auto* d : c) best = std::min(best, score(d));
  std::vector<const Deployment*> near;
  for (auto* d : c)
    if (score(d) <= best + band) near.push_back(d);
  return WeightedShuffle(near, rng);
}

double LatencyOf(const Deployment* d) {
  std::lock_guard<std::mutex> lock(d->state->mu);
  // Unmeasured deployments look fast so they get measured.
  return d->state->has_latency ? d->state->ewma_ms : 0;
}

double PriceOf(const Deployment* d) {
  if (!d->cfg.price) return std::numeric_limits<double>::max() / 4;
  return d->cfg.price->input + d->cfg.price->output;
}

}  // namespace

Strategy ParseStrategy(std::string_view name) {
  if (name == "least-busy") return Strategy::kLeastBusy;
  if (name == "lowest-latency") return Strategy::kLowestLatency;
  if (name == "usage") return Strategy::kUsage;
  if (name == "cost") return Strategy::kCost;
  if (name == "priority") return Strategy::kPriority;
  return Strategy::kSimpleShuffle;
}

const Deployment* Choose(Strategy s, const std::vector<const Deployment*>& c,
                         std::mt19937_64& rng, TimePoint now) {
  if (c.size() == 1) return c.front();
  switch (s) {
    case Strategy::kSimpleShuffle:
      return WeightedShuffle(c, rng);
    case Strategy::kLeastBusy:
      return Lowest(c, rng, [](const Deployment* d) { return double(d->state->in_flight.load()); });
    case Strategy::kLowestLatency: {
      double best = std::numeric_limits<double>::infinity();
      for (auto* d : c) best = std::min(best, LatencyOf(d));
      // A 10% band (at least 5 ms) so near-ties share load.
      return Lowest(c, rng, LatencyOf, std::max(5.0, best * 0.1));
    }
    case Strategy::kUsage:
      return Lowest(c, rng, [now](const Deployment* d) {
        std::lock_guard<std::mutex> lock(d->state->mu);
        return UsageShare(d->state->limits, d->limits, now);
      });
    case Strategy::kCost: {
      double best = std::numeric_limits<double>::infinity();
      for (auto* d : c) best = std::min(best, PriceOf(d));
      std::vector<const Deployment*> cheapest;
      for (auto* d : c)
        if (PriceOf(d) <= best) cheapest.push_back(d);
      return Lowest(cheapest, rng, LatencyOf);
    }
    case Strategy::kPriority:
      return Lowest(c, rng, [](const Deployment* d) { return double(d->cfg.order); });
  }
  return c.front();
}

}  // namespace detour
