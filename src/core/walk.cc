#include "core/walk.h"

#include <algorithm>
#include <cmath>

namespace detour {
namespace {

uint64_t Seed() {
  static std::atomic<uint64_t> counter{0};
  return std::random_device{}() ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull);
}

std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng(Seed());
  return rng;
}

}  // namespace

Walk::Walk(const RouteTable& table, const ChatRequest& req, Clock& clock, const RouteOptions& opts)
    : table_(table), req_(req), clock_(clock), opts_(opts),
      strategy_(ParseStrategy(table.config().router.strategy)), rng_(ThreadRng()) {
  start_ = clock_.Now();
  Millis budget = table_.config().router.request_timeout;
  if (req_.overrides.timeout) budget = std::min(budget, *req_.overrides.timeout);
  deadline_ = start_ + budget;
}

std::vector<std::string> Walk::ChainFor(const std::vector<std::string>& groups) const {
  std::vector<std::string> out;
  for (const auto& g : groups)
    if (!visited_.count(g) && std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  return out;
}

Expected<RouteInfo, RouteFailure> Walk::Run(const AttemptFn& attempt) {
  info_.requested = req_.model;
  const Group* first = table_.Resolve(req_.model);
  // The requested group, then the request's own fallbacks or the group's.
  const auto& fallbacks = req_.overrides.fallbacks ? *req_.overrides.fallbacks : first->fallbacks;
  std::vector<std::string> rest = ChainFor(fallbacks);
  PlanForcedProbe(rest);

  std::vector<const Group*> pending = {first};
  chain_ = rest;
  while (!pending.empty() || !chain_.empty()) {
    const Group* g = nullptr;
    if (!pending.empty()) {
      g = pending.back();
      pending.pop_back();
    } else {
      std::string name = chain_.front();
      chain_.erase(chain_.begin());
      if (visited_.count(name)) continue;
      g = table_.FindGroup(name);
      if (!g) continue;
    }
    visited_.insert(g->name);
    GroupEnd end = WalkGroup(*g, attempt);
    if (end == GroupEnd::kSuccess) return info_;
    if (end == GroupEnd::kStop) break;
  }
  return Fail(Failure());
}

// SPEC 3.2 step 5: when every usable deployment of the chain is cooling, one attempt goes
// to the one whose cooldown ends first instead of failing without trying.
void Walk::PlanForcedProbe(const std::vector<std::string>& rest) {
  std::vector<const Group*> groups = {table_.Resolve(req_.model)};
  for (const auto& name : rest)
    if (const Group* g = table_.FindGroup(name)) groups.push_back(g);
  TimePoint now = clock_.Now();
  const Deployment* earliest = nullptr;
  TimePoint earliest_end = TimePoint::max();
  for (const Group* g : groups)
    for (const Deployment* d : g->members) {
      if (!d->usable()) continue;
      std::lock_guard<std::mutex> lock(d->state->mu);
      if (!IsCooling(d->state->circuit, now)) return;  // something is available
      TimePoint end = d->state->circuit.open_until.value_or(now);
      if (end < earliest_end) earliest_end = end, earliest = d;
    }
  forced_ = earliest;
}

bool Walk::ReplayAllowed() const {
  return req_.stream && table_.config().router.stream_resume == "replay";
}

AttemptLimits Walk::LimitsFor(const Deployment& d, TimePoint now) const {
  AttemptLimits l;
  l.hard_deadline = deadline_;
  l.deadline = std::min(deadline_, now + d.timeout);
  l.first_token_deadline = std::min(deadline_, now + d.first_token_timeout);
  l.idle_timeout = d.idle_timeout;
  l.cancel = opts_.cancel;
  return l;
}

Walk::GroupEnd Walk::WalkGroup(const Group& g, const AttemptFn& attempt) {
  std::array<int, kErrorKindCount> retries_used{};
  int retry_index = 0;
  bool retrying = false;
  const RetryPolicy& policy = table_.retry();
  for (;;) {
    if (clock_.Now() >= deadline_) return GroupEnd::kStop;
    Pick pick = PickDeployment(g, retrying);
    if (!pick.dep && pick.wait_until) {
      if (!clock_.SleepUntil(*pick.wait_until, opts_.cancel)) return GroupEnd::kStop;
      pick = PickDeployment(g, retrying);
    }
    if (!pick.dep) return GroupEnd::kExhausted;
    const Deployment& dep = *pick.dep;

    TimePoint started = clock_.Now();
    dep.state->in_flight.fetch_add(1);
    AttemptOutcome out = attempt(dep, LimitsFor(dep, started), info_);
    dep.state->in_flight.fetch_sub(1);
    Record(dep, out, started);
    AttemptRecord& rec = info_.attempts.back();
    rec.group = g.name;

    if (out.ok) {
      info_.deployment = dep.cfg.id;
      info_.group = g.name;
      info_.cost_usd = rec.cost_usd;
      if (opts_.on_attempt) opts_.on_attempt(rec);
      return GroupEnd::kSuccess;
    }
    ErrorKind kind = out.error.kind;
    failed_.insert(&dep);
    if (kind == ErrorKind::kTimeout || kind == ErrorKind::kConnection) silent_failed_.insert(&dep);

    auto announce = [&](GroupEnd end) {
      rec.falls_back = end != GroupEnd::kStop;
      if (opts_.on_attempt) opts_.on_attempt(rec);
      return end;
    };
    if (out.committed || committed_failure_) {
      // The client already has part of the answer. With stream_resume = "replay" the rest
      // of the chain may repair it (core/commit_gate.cc); each deployment gets one try.
      committed_failure_ = true;
      if (kind == ErrorKind::kCanceled || !ReplayAllowed() || !out.replayable)
        return announce(GroupEnd::kStop);
      done_.insert(&dep);
      announce(GroupEnd::kExhausted);  // logs "moving on"; the loop picks the next deployment
      retrying = true;
      continue;
    }
    if (kind == ErrorKind::kCanceled || kind == ErrorKind::kBadRequest) return announce(GroupEnd::kStop);
    if (kind == ErrorKind::kContextWindow || kind == ErrorKind::kContentPolicy) {
      const auto& next = kind == ErrorKind::kContextWindow ? g.context_window_fallbacks
                                                           : g.content_policy_fallbacks;
      chain_ = ChainFor(next);  // only these; the generic fallbacks do not apply
      return announce(chain_.empty() ? GroupEnd::kStop : GroupEnd::kSwitchChain);
    }
    int k = static_cast<int>(kind);
    if (retries_used[k] >= policy.Budget(kind, req_.overrides.num_retries))
      return announce(GroupEnd::kExhausted);
    if (!HasRetryTarget(g)) return announce(GroupEnd::kExhausted);  // don't sleep for nothing
    Millis wait = policy.Backoff(retry_index, rng_);
    if (out.error.retry_after_s) {
      wait = Millis(static_cast<int64_t>(std::ceil(*out.error.retry_after_s * 1000)));
      // A server asking for longer than we are willing to wait: move on now.
      if (wait > policy.max_retry_after()) return announce(GroupEnd::kExhausted);
    }
    if (clock_.Now() + wait >= deadline_) return announce(GroupEnd::kExhausted);
    retries_used[k]++;
    retry_index++;
    retrying = true;
    rec.retry_in = wait;
    rec.falls_back = false;
    if (opts_.on_attempt) opts_.on_attempt(rec);
    if (!clock_.SleepUntil(clock_.Now() + wait, opts_.cancel)) return GroupEnd::kStop;
  }
}

}  // namespace detour
