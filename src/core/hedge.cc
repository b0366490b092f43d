#include "core/hedge.h"

#include <algorithm>
#include <cmath>

namespace detour {

double Percentile95(std::vector<double> samples) {
  if (samples.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(samples.size())));
  rank = std::clamp<size_t>(rank, 1, samples.size());
  std::nth_element(samples.begin(), samples.begin() + static_cast<long>(rank - 1), samples.end());
  return samples[rank - 1];
}

std::optional<Millis> HedgeBook::After(const std::string& group, const HedgeConfig& cfg) {
  if (cfg.after) return cfg.after;
  std::vector<double> samples;
  {
    std::lock_guard<std::mutex> lock(mu_);
    samples = groups_[group].samples;
  }
  if (samples.size() < kMinSamples) return std::nullopt;
  return Millis(static_cast<int64_t>(std::ceil(Percentile95(std::move(samples)))));
}

void HedgeBook::CountRequest(const std::string& group) {
  std::lock_guard<std::mutex> lock(mu_);
  Group& g = groups_[group];
  g.window.push_back(false);
  if (g.window.size() > kBudgetWindow) {
    if (g.window.front()) g.hedged--;
    g.window.pop_front();
  }
}

bool HedgeBook::TakeHedge(const std::string& group, double max_ratio) {
  std::lock_guard<std::mutex> lock(mu_);
  Group& g = groups_[group];
  if (static_cast<double>(g.hedged + 1) > max_ratio * static_cast<double>(g.window.size()) + 1e-9) return false;
  // Concurrent requests share the window: the hedge marks the newest request not yet
  // marked (the count is what the budget bounds; the walk hedges a request at most once).
  for (auto it = g.window.rbegin(); it != g.window.rend(); ++it)
    if (!*it) {
      *it = true;
      g.hedged++;
      return true;
    }
  return false;
}

void HedgeBook::Observe(const std::string& group, Millis first_token) {
  std::lock_guard<std::mutex> lock(mu_);
  Group& g = groups_[group];
  double v = static_cast<double>(first_token.count());
  if (g.samples.size() < kSamples) g.samples.push_back(v);
  else g.samples[g.next] = v;
  g.next = (g.next + 1) % kSamples;
}

}  // namespace detour
