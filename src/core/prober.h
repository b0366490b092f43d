// Background health probes (SPEC 3.3): while a deployment cools down, probe it every
// `router.probe_interval` through its provider's probe operation (a one-token request, or
// the model list with `probe = "models"`); a success closes its circuit at once, so
// traffic returns within probe_interval of a recovery instead of waiting out the
// cooldown. Never probes before a rate limit's Retry-After ends (the provider said when
// to come back), nor a deployment with `health_probe = false`, nor one whose groups had no
// request for 2 x probe_interval (at least a minute): an idle sidecar spends no tokens.
// Whether a probe is due is the state store's call (StateStore::TakeProbeTurn).
//
// One thread, started by `serve`; probes run one at a time on it. Stop() joins it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/router.h"

namespace detour {

class Prober {
 public:
  explicit Prober(Router& router, Clock& clock = SystemClock());
  ~Prober();
  void Start();
  void Stop();

  // One pass over the current table: probes what is due. Returns how many were probed.
  int RunOnce();
  // How long a deployment counts as wanted after a request last considered it.
  static Millis WantedWithin(Millis probe_interval);

 private:
  bool Probe(const Deployment& d, TimePoint now);
  void Loop();

  Router& router_;
  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  CancelFlag canceled_{false};
};

}  // namespace detour
