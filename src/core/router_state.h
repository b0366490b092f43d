// The router's mutable, shared state: one runtime slot per deployment id (circuit, rpm/tpm
// window, in-flight count, recent latency and outcomes). It outlives config reloads, so a
// reloaded table keeps each deployment's cooldown and counters.
//
// Thread-safety: Slot() is safe to call concurrently and returns a reference that stays
// valid for the RouterState's life. Each slot's fields other than in_flight are guarded by
// its own mutex, held only for short bookkeeping, never across I/O.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/cooldown.h"
#include "core/limits.h"

namespace detour {

struct DeploymentState {
  std::mutex mu;
  CircuitState circuit;
  LimitState limits;
  std::atomic<int> in_flight{0};
  // When a request last wanted this deployment (it was a candidate, cooling or not), as
  // steady-clock ticks: background probes run only for deployments still wanted.
  std::atomic<SteadyClock::rep> last_wanted{0};
  // When the background prober last probed it (guarded by mu).
  std::optional<TimePoint> last_probe;
  // Recent latency (ms): EWMA for lowest-latency, a ring for p50.
  double ewma_ms = 0;
  bool has_latency = false;
  std::deque<double> latencies;                   // last kLatencySamples
  std::deque<std::pair<TimePoint, bool>> outcomes;  // (when, ok) over the last minute

  static constexpr size_t kLatencySamples = 128;
  void RecordLatency(double ms);
  void RecordOutcome(TimePoint now, bool ok);
  double ErrorRate1m(TimePoint now);  // 0..1; 0 with no outcomes
  double P50Ms() const;               // 0 with no samples
};

class RouterState {
 public:
  DeploymentState& Slot(const std::string& deployment_id);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<DeploymentState>> slots_;
};

}  // namespace detour
