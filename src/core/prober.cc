#include "core/prober.h"

#include <algorithm>

#include "util/log.h"

namespace detour {

Prober::Prober(Router& router, Clock& clock) : router_(router), clock_(clock) {}

Prober::~Prober() { Stop(); }

void Prober::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Prober::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  canceled_.store(true);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Millis Prober::WantedWithin(Millis probe_interval) {
  return std::max<Millis>(probe_interval * 2, Millis(60000));
}

void Prober::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    RunOnce();
    Millis interval = router_.table()->config().router.probe_interval;
    lock.lock();
    // Wake often enough to honour the interval of a deployment that just started cooling.
    // This thread only paces the passes; whether a probe is due is decided on clock_.
    cv_.wait_for(lock, std::min(interval, Millis(1000)) / 4, [&] { return stop_.load(); });
  }
}

int Prober::RunOnce() {
  auto table = router_.table();  // keeps the deployments alive while probing
  Millis interval = table->config().router.probe_interval;
  StateStore& store = router_.store();
  int probed = 0;
  for (const auto& d : table->deployments()) {
    if (stop_) break;
    if (!d->usable() || !d->cfg.health_probe) continue;
    TimePoint now = clock_.Now();
    if (!store.TakeProbeTurn(*d->slot, now, interval, WantedWithin(interval))) continue;
    Probe(*d, now);
    probed++;
  }
  return probed;
}

bool Prober::Probe(const Deployment& d, TimePoint now) {
  AttemptLimits limits;
  limits.deadline = now + d.timeout;
  limits.hard_deadline = limits.deadline;
  limits.first_token_deadline = limits.deadline;
  limits.idle_timeout = d.idle_timeout;
  limits.cancel = &canceled_;
  auto r = d.provider->Probe(limits);
  if (!r.ok()) {
    log::Debug("probe " + d.cfg.id + ": still failing (" + std::string(KindName(r.error().kind)) + ")");
    return false;
  }
  router_.store().ProbeSucceeded(*d.slot, clock_.Now());
  log::Info("probe " + d.cfg.id + ": healthy again; cooldown ended early");
  return true;
}

}  // namespace detour
