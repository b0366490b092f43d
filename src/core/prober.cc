#include "core/prober.h"

#include "util/log.h"

namespace detour {
namespace {

// A deployment counts as wanted for this long after a request last considered it.
constexpr int kWantedIntervals = 6;

ChatRequest ProbeRequest() {
  ChatRequest r;
  r.body = {{"messages", Json::array({{{"role", "user"}, {"content", "ping"}}})}, {"max_tokens", 1}};
  return r;
}

}  // namespace

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

void Prober::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    RunOnce();
    Millis interval = router_.table()->config().router.probe_interval;
    lock.lock();
    // Wake often enough to honour the interval of a deployment that just started cooling.
    cv_.wait_for(lock, std::min(interval, Millis(1000)) / 4, [&] { return stop_.load(); });
  }
}

bool Prober::Due(const Deployment& d, TimePoint now, Millis interval) const {
  if (!d.usable() || !d.cfg.health_probe) return false;
  TimePoint wanted{SteadyClock::duration(d.state->last_wanted.load(std::memory_order_relaxed))};
  if (now - wanted > interval * kWantedIntervals) return false;
  std::lock_guard<std::mutex> lock(d.state->mu);
  if (!IsCooling(d.state->circuit, now)) return false;
  return !d.state->last_probe || now - *d.state->last_probe >= interval;
}

int Prober::RunOnce() {
  auto table = router_.table();  // keeps the deployments alive while probing
  Millis interval = table->config().router.probe_interval;
  int probed = 0;
  for (const auto& d : table->deployments()) {
    if (stop_ || !Due(*d, clock_.Now(), interval)) continue;
    Probe(*d, clock_.Now());
    probed++;
  }
  return probed;
}

bool Prober::Probe(const Deployment& d, TimePoint now) {
  {
    std::lock_guard<std::mutex> lock(d.state->mu);
    d.state->last_probe = now;
  }
  AttemptLimits limits;
  limits.deadline = now + d.timeout;
  limits.hard_deadline = limits.deadline;
  limits.first_token_deadline = limits.deadline;
  limits.idle_timeout = d.idle_timeout;
  limits.cancel = &canceled_;
  auto r = d.provider->Complete(ProbeRequest(), limits);
  if (!r.ok()) {
    log::Debug("probe " + d.cfg.id + ": still failing (" + std::string(KindName(r.error().kind)) + ")");
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(d.state->mu);
    RecordSuccess(d.state->circuit);
  }
  log::Info("probe " + d.cfg.id + ": healthy again; cooldown ended early");
  return true;
}

}  // namespace detour
