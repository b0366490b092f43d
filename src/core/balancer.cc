#include "core/balancer.h"

#include <algorithm>
#include <cmath>
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
double LatencyOf(const Candidate& c, bool stream) {
  const auto& ewma = stream ? c.facts.first_token_ms : c.facts.latency_ms;
  return ewma.value_or(0);
}

const Deployment* LowestLatency(const std::vector<Candidate>& c, Rng& rng, bool stream) {
  auto latency = [stream](const Candidate& x) { return LatencyOf(x, stream); };
  double best = std::numeric_limits<double>::infinity();
  for (const auto& x : c) best = std::min(best, latency(x));
  // The random band: near-ties share load (10% of the best, at least 5 ms).
  return Lowest(c, rng, latency, std::max(5.0, best * 0.1));
}

constexpr double kNoPrice = std::numeric_limits<double>::max() / 4;

double PriceOf(const Candidate& c) {
  const auto& price = c.dep->cfg.price;
  if (!price) return kNoPrice;
  return price->input + price->output;
}

const Deployment* Cheapest(const std::vector<Candidate>& c, Rng& rng, bool stream) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& x : c) best = std::min(best, PriceOf(x));
  std::vector<Candidate> cheapest;
  // Equal prices written differently (0.1 + 0.2 vs 0.3) still tie.
  for (const auto& x : c)
    if (PriceOf(x) <= best + std::abs(best) * 1e-9) cheapest.push_back(x);
  return LowestLatency(cheapest, rng, stream);
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

const Deployment* Choose(Strategy s, const std::vector<Candidate>& c, Rng& rng, bool stream) {
  if (c.size() == 1) return c.front().dep;
  switch (s) {
    case Strategy::kSimpleShuffle: {
      std::vector<const Deployment*> all;
      for (const auto& x : c) all.push_back(x.dep);
      return WeightedShuffle(all, rng);
    }
    case Strategy::kLeastBusy:
      return Lowest(c, rng, [](const Candidate& x) { return double(x.facts.in_flight); });
    case Strategy::kLowestLatency:
      return LowestLatency(c, rng, stream);
    case Strategy::kUsage:
      return Lowest(c, rng, [](const Candidate& x) { return x.facts.usage_share; });
    case Strategy::kCost:
      return Cheapest(c, rng, stream);
    case Strategy::kPriority:
      return Lowest(c, rng, [](const Candidate& x) { return double(x.dep->cfg.order); });
  }
  return c.front().dep;
}

}  // namespace detour
