#include "core/balancer.h"

#include <algorithm>
#include <limits>
#include <random>

namespace detour {
namespace {

const Deployment* WeightedShuffle(const std::vector<const Deployment*>& c, Rng& rng) {
  double total = 0;
  for (auto* d : c) total += d->weight;
  if (total <= 0) return c[std::uniform_int_distribution<size_t>(0, c.size() - 1)(rng)];
  double x = rng.Unit() * total;
  for (auto* d : c) {
    x -= d->weight;
    if (x < 0) return d;
  }
  return c.back();
}

// Lowest score wins; scores within `band` of the best share load by weight.
template <class Score>
const Deployment* Lowest(const std::vector<Candidate>& c, Rng& rng, Score score, double band = 0) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& x : c) best = std::min(best, score(x));
  std::vector<const Deployment*> near;
  for (const auto& x : c)
    if (score(x) <= best + band) near.push_back(x.dep);
  return WeightedShuffle(near, rng);
}

// Unmeasured deployments look fast so they get measured.
double LatencyOf(const Candidate& c) { return c.facts.latency_ms.value_or(0); }

double PriceOf(const Candidate& c) {
  const auto& price = c.dep->cfg.price;
  if (!price) return std::numeric_limits<double>::max() / 4;
  return price->input + price->output;
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

const Deployment* Choose(Strategy s, const std::vector<Candidate>& c, Rng& rng) {
  if (c.size() == 1) return c.front().dep;
  switch (s) {
    case Strategy::kSimpleShuffle: {
      std::vector<const Deployment*> all;
      for (const auto& x : c) all.push_back(x.dep);
      return WeightedShuffle(all, rng);
    }
    case Strategy::kLeastBusy:
      return Lowest(c, rng, [](const Candidate& x) { return double(x.facts.in_flight); });
    case Strategy::kLowestLatency: {
      double best = std::numeric_limits<double>::infinity();
      for (const auto& x : c) best = std::min(best, LatencyOf(x));
      // A 10% band (at least 5 ms) so near-ties share load.
      return Lowest(c, rng, LatencyOf, std::max(5.0, best * 0.1));
    }
    case Strategy::kUsage:
      return Lowest(c, rng, [](const Candidate& x) { return x.facts.usage_share; });
    case Strategy::kCost: {
      double best = std::numeric_limits<double>::infinity();
      for (const auto& x : c) best = std::min(best, PriceOf(x));
      std::vector<Candidate> cheapest;
      for (const auto& x : c)
        if (PriceOf(x) <= best) cheapest.push_back(x);
      return Lowest(cheapest, rng, LatencyOf);
    }
    case Strategy::kPriority:
      return Lowest(c, rng, [](const Candidate& x) { return double(x.dep->cfg.order); });
  }
  return c.front().dep;
}

}  // namespace detour
