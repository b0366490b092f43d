// Background health probes (SPEC 3.3): while a deployment cools down, probe it every
// `router.probe_interval` with a one-token request; a success closes its circuit at once,
// so traffic returns within probe_interval of a recovery instead of waiting out the
// cooldown. Skips deployments with `health_probe = false` and deployments no request has
// wanted lately (probes cost money). `probe = "models"` is probed like "chat" for now.
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

 private:
  bool Due(const Deployment& d, TimePoint now, Millis interval) const;
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
