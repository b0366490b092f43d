// Walk: choosing the next deployment, recording outcomes, and the final failure.
#include <algorithm>
#include <cmath>

#include "core/walk.h"

namespace detour {
namespace {

bool CountsAgainstDeployment(ErrorKind k) {
  return k != ErrorKind::kCanceled && k != ErrorKind::kBadRequest &&
         k != ErrorKind::kContextWindow && k != ErrorKind::kContentPolicy &&
         k != ErrorKind::kUnavailable;
}

double CostOf(const Deployment& d, const Usage& u) {
  if (!d.cfg.price) return 0;
  return (u.prompt_tokens * d.cfg.price->input + u.completion_tokens * d.cfg.price->output) / 1e6;
}

int CeilSeconds(double s) { return std::max(1, static_cast<int>(std::ceil(s - 1e-9))); }

}  // namespace

bool Walk::ChainHasOtherOptions(const Group& current) const {
  for (const auto& name : chain_) {
    if (visited_.count(name)) continue;
    if (const Group* g = table_.FindGroup(name))
      for (const Deployment* d : g->members)
        if (d->usable() && !silent_failed_.count(d) && !done_.count(d)) return true;
  }
  return false;
}

bool Walk::HasRetryTarget(const Group& g) const {
  bool allow_silent = !ChainHasOtherOptions(g);
  for (const Deployment* d : g.members)
    if (d->usable() && !done_.count(d) && (allow_silent || !silent_failed_.count(d))) return true;
  return false;
}

// Usable, not cooling, with room under rpm/tpm; deployments that already failed in this
// request only when nothing fresh is left, and silent ones (timeout/connection) only when
// nothing else in the whole chain is left (re-sending to a silent route multiplies waits).
std::vector<const Deployment*> Walk::Candidates(const Group& g, TimePoint now, bool allow_silent) {
  std::vector<const Deployment*> fresh, failed_again, silent;
  for (const Deployment* d : g.members) {
    if (!d->usable()) {
      unusable_.push_back(d->cfg.id + ": " + d->unusable_reason);
      continue;
    }
    d->state->last_wanted.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    if (done_.count(d)) continue;
    std::lock_guard<std::mutex> lock(d->state->mu);
    bool forced = d == forced_;
    if (!forced && IsCooling(d->state->circuit, now)) continue;
    if (!HasRoom(d->state->limits, d->limits, now)) {
      Millis w = TimeUntilRoom(d->state->limits, d->limits, now);
      limited_wait_ = limited_wait_ ? std::min(*limited_wait_, w) : w;
      continue;
    }
    if (silent_failed_.count(d)) silent.push_back(d);
    else if (failed_.count(d)) failed_again.push_back(d);
    else fresh.push_back(d);
  }
  if (!fresh.empty()) return fresh;
  if (!failed_again.empty()) return failed_again;
  if (allow_silent) return silent;
  return {};
}

bool Walk::TakeAdmission(const Deployment& d, TimePoint now) {
  std::lock_guard<std::mutex> lock(d.state->mu);
  if (&d == forced_) {
    forced_ = nullptr;  // one forced attempt only
  } else if (Admit(d.state->circuit, now) == Admission::kCooling) {
    return false;
  }
  return TryTakeSlot(d.state->limits, d.limits, now);
}

Walk::Pick Walk::PickDeployment(const Group& g, bool retrying) {
  TimePoint now = clock_.Now();
  bool allow_silent = !ChainHasOtherOptions(g);
  auto candidates = Candidates(g, now, allow_silent);
  while (!candidates.empty()) {
    const Deployment* d = Choose(strategy_, candidates, rng_, now);
    if (TakeAdmission(*d, now)) return {d, std::nullopt};
    candidates.erase(std::find(candidates.begin(), candidates.end(), d));
  }
  if (!retrying) return {};
  // A retry may wait for a cooling member whose cooldown ends within max_retry_after
  // (and before the request's deadline); otherwise the walk moves on.
  Pick pick;
  TimePoint limit = std::min(deadline_, now + table_.retry().max_retry_after());
  for (const Deployment* d : g.members) {
    if (!d->usable() || done_.count(d) || (silent_failed_.count(d) && !allow_silent)) continue;
    std::lock_guard<std::mutex> lock(d->state->mu);
    const auto& until = d->state->circuit.open_until;
    if (until && *until > now && *until <= limit && (!pick.wait_until || *until < *pick.wait_until))
      pick.wait_until = *until;
  }
  return pick;
}

void Walk::Record(const Deployment& d, const AttemptOutcome& o, TimePoint started) {
  TimePoint now = clock_.Now();
  AttemptRecord rec;
  rec.number = static_cast<int>(info_.attempts.size()) + 1;
  rec.deployment = d.cfg.id;
  rec.provider_model = d.label;
  rec.ok = o.ok;
  rec.elapsed = std::chrono::duration_cast<Millis>(now - started);
  rec.first_token = o.first_token;
  if (o.ok) {
    rec.usage = o.usage;
    rec.cost_usd = CostOf(d, o.usage);
  } else {
    rec.kind = o.error.kind;
    rec.status = o.error.status;
    rec.message = o.error.message;
  }
  {
    std::lock_guard<std::mutex> lock(d.state->mu);
    DeploymentState& s = *d.state;
    if (o.ok) {
      RecordSuccess(s.circuit);
      s.RecordLatency(static_cast<double>((o.first_token ? *o.first_token : rec.elapsed).count()));
      s.RecordOutcome(now, true);
      AddTokens(s.limits, d.limits, o.usage.total(), now);
    } else {
      RecordFailure(s.circuit, table_.cooldown(), o.error.kind, o.error.retry_after_s, now);
      if (CountsAgainstDeployment(o.error.kind)) s.RecordOutcome(now, false);
    }
  }
  if (!o.ok) {
    stop_error_ = o.error;
    if (o.error.retry_after_s)
      told_retry_after_ = std::min(told_retry_after_.value_or(1e18), *o.error.retry_after_s);
  }
  info_.attempts.push_back(std::move(rec));
}

// SPEC 3.2 step 6 and section 8: the status that best describes an exhausted walk.
RouteFailure Walk::Failure() const {
  RouteFailure f;
  f.attempts = info_.attempts;
  f.committed = committed_failure_;
  TimePoint now = clock_.Now();
  if (info_.attempts.empty()) {
    if (limited_wait_) {
      f.status = 429;
      f.retry_after_s = CeilSeconds(limited_wait_->count() / 1000.0);
      f.error = MakeError(ErrorKind::kRateLimit, "every deployment of \"" + req_.model +
                                                     "\" and its fallbacks is at its rpm/tpm limit");
    } else if (now >= deadline_) {
      f.status = 504;
      f.error = MakeError(ErrorKind::kTimeout, "request_timeout passed before any attempt");
    } else {
      f.status = 503;
      std::string why = unusable_.empty() ? "every deployment is cooling down" : unusable_.front();
      f.error = MakeError(ErrorKind::kUnavailable, "no deployment can serve \"" + req_.model + "\": " + why);
    }
    return f;
  }
  f.error = stop_error_.value_or(MakeError(ErrorKind::kServerError, "all attempts failed"));
  bool all_rate_limited = std::all_of(f.attempts.begin(), f.attempts.end(), [](const AttemptRecord& a) {
    return !a.ok && a.kind == ErrorKind::kRateLimit;
  });
  ErrorKind last = f.error.kind;
  if (all_rate_limited) {
    f.status = 429;
    f.retry_after_s = CeilSeconds(RetryAfterHint(now));
  } else if (last == ErrorKind::kTimeout) {
    f.status = 504;
  } else if (last == ErrorKind::kBadRequest || last == ErrorKind::kContextWindow ||
             last == ErrorKind::kContentPolicy) {
    f.status = f.error.status ? f.error.status : 400;
  } else if (last == ErrorKind::kCanceled) {
    f.status = 499;
  } else {
    f.status = 502;
  }
  return f;
}

// The smallest wait any attempt was told, else the time until the first cooldown ends.
double Walk::RetryAfterHint(TimePoint now) const {
  std::optional<double> best = told_retry_after_;
  if (best) return *best;
  double soonest = 1;
  bool any = false;
  for (const auto& d : table_.deployments()) {
    if (!failed_.count(d.get())) continue;
    std::lock_guard<std::mutex> lock(d->state->mu);
    if (d->state->circuit.open_until && *d->state->circuit.open_until > now) {
      double s = std::chrono::duration<double>(*d->state->circuit.open_until - now).count();
      soonest = any ? std::min(soonest, s) : s;
      any = true;
    }
  }
  return soonest;
}

}  // namespace detour
