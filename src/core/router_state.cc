#include "core/router_state.h"

#include <algorithm>
#include <vector>

namespace detour {

void DeploymentState::RecordLatency(double ms) {
  constexpr double kAlpha = 0.2;
  ewma_ms = has_latency ? (1 - kAlpha) * ewma_ms + kAlpha * ms : ms;
  has_latency = true;
  latencies.push_back(ms);
  if (latencies.size() > kLatencySamples) latencies.pop_front();
}

void DeploymentState::RecordOutcome(TimePoint now, bool ok) {
  outcomes.emplace_back(now, ok);
  while (!outcomes.empty() && now - outcomes.front().first > Millis(60000)) outcomes.pop_front();
  if (outcomes.size() > 4096) outcomes.pop_front();
}

double DeploymentState::ErrorRate1m(TimePoint now) {
  while (!outcomes.empty() && now - outcomes.front().first > Millis(60000)) outcomes.pop_front();
  if (outcomes.empty()) return 0;
  auto bad = std::count_if(outcomes.begin(), outcomes.end(), [](auto& o) { return !o.second; });
  return static_cast<double>(bad) / outcomes.size();
}

double DeploymentState::P50Ms() const {
  if (latencies.empty()) return 0;
  std::vector<double> v(latencies.begin(), latencies.end());
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

DeploymentState& RouterState::Slot(const std::string& deployment_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = slots_[deployment_id];
  if (!slot) slot = std::make_unique<DeploymentState>();
  return *slot;
}

}  // namespace detour
