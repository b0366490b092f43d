#include "core/walk_decide.h"

#include <algorithm>
#include <cmath>

#include "core/context_window.h"

namespace detour {
namespace {

using Do = Decision::Do;

int CeilSeconds(double s) { return std::max(1, static_cast<int>(std::ceil(s - 1e-9))); }

// The request is over, one way or the other.
Decision Finish(const WalkRules& rules, const WalkLedger& ledger, const WalkFacts& facts,
                TimePoint now) {
  Decision d;
  d.action = Do::kFail;
  d.failure = DescribeFailure(rules, ledger, facts, now);
  return d;
}

// Whether a later group of the chain still has a deployment worth trying: then silent
// failures (timeout/connection) are not re-sent (step 2).
bool ChainHasOtherOptions(const WalkRules& rules, const WalkLedger& ledger) {
  for (const auto& name : ledger.chain) {
    if (ledger.visited.count(name)) continue;
    if (const Group* g = rules.table->FindGroup(name))
      for (const Deployment* d : g->members)
        if (d->usable() && !ledger.silent.count(d) && !ledger.done.count(d)) return true;
  }
  return false;
}

// Step 1: usable, not cooling (unless forced), with room under rpm/tpm; deployments that
// failed in this request only when nothing fresh is left, silent ones only when nothing
// else in the whole chain is left. `except` is left out (the one that just failed).
std::vector<Candidate> Candidates(const WalkRules& rules, const WalkLedger& ledger,
                                  const WalkFacts& facts, const Deployment* except = nullptr) {
  bool allow_silent = !ChainHasOtherOptions(rules, ledger);
  std::vector<Candidate> fresh, failed_again, silent;
  for (const Deployment* d : ledger.group->members) {
    if (!d->usable() || d == except || ledger.done.count(d) || ledger.refused.count(d)) continue;
    RoutingFacts f = facts.Of(*d);
    if ((f.cooling && d != ledger.forced) || !f.has_room) continue;
    if (ledger.silent.count(d)) silent.push_back({d, f});
    else if (ledger.failed.count(d)) failed_again.push_back({d, f});
    else fresh.push_back({d, f});
  }
  if (!fresh.empty()) return fresh;
  if (!failed_again.empty()) return failed_again;
  if (allow_silent) return silent;
  return {};
}

// The first group of `names` not yet walked, and what follows it; else the walk fails.
Decision NextGroup(const std::vector<std::string>& names, const WalkRules& rules,
                   const WalkLedger& ledger, const WalkFacts& facts, TimePoint now) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (ledger.visited.count(names[i])) continue;
    const Group* g = rules.table->FindGroup(names[i]);
    if (!g) continue;
    Decision d;
    d.action = Do::kNextGroup;
    d.next = g;
    for (size_t j = i + 1; j < names.size(); ++j)
      if (!ledger.visited.count(names[j]) && names[j] != names[i]) d.chain.push_back(names[j]);
    return d;
  }
  return Finish(rules, ledger, facts, now);
}

// A retry may wait for a cooling member whose cooldown ends within max_retry_after and
// before the request's deadline (step 2).
std::optional<TimePoint> CooldownWorthWaiting(const WalkRules& rules, const WalkLedger& ledger,
                                              const WalkFacts& facts, TimePoint now) {
  bool allow_silent = !ChainHasOtherOptions(rules, ledger);
  TimePoint limit = std::min(rules.deadline, now + rules.table->retry().max_retry_after());
  std::optional<TimePoint> best;
  for (const Deployment* d : ledger.group->members) {
    if (!d->usable() || ledger.done.count(d) || (ledger.silent.count(d) && !allow_silent)) continue;
    RoutingFacts f = facts.Of(*d);
    if (!f.cooling_until) continue;
    TimePoint until = *f.cooling_until;
    if (until > now && until <= limit && (!best || until < *best)) best = until;
  }
  return best;
}

// The pre-flight check (SPEC 9): a usable member of the group the prompt clearly cannot
// fit, not yet skipped; else null.
const Deployment* TooSmall(const WalkRules& rules, const WalkLedger& ledger) {
  if (rules.prompt_estimate <= 0) return nullptr;
  for (const Deployment* d : ledger.group->members)
    if (d->usable() && !ledger.too_small.count(d) && !ledger.done.count(d) &&
        ClearlyExceeds(rules.prompt_estimate, d->context_window))
      return d;
  return nullptr;
}

// Every usable member of the group was skipped by the pre-flight check: the walk goes
// where a provider's context_window error would send it.
bool AllTooSmall(const WalkLedger& ledger) {
  bool any = false;
  for (const Deployment* d : ledger.group->members) {
    if (!d->usable()) continue;
    if (!ledger.too_small.count(d)) return false;
    any = true;
  }
  return any;
}

Decision Pick(const WalkRules& rules, const WalkLedger& ledger, const WalkFacts& facts,
              TimePoint now, Rng& rng) {
  if (now >= rules.deadline) return Finish(rules, ledger, facts, now);  // step 4
  if (const Deployment* small = TooSmall(rules, ledger)) {
    Decision d;
    d.action = Do::kSkip;
    d.dep = small;
    return d;
  }
  if (AllTooSmall(ledger)) return NextGroup(ledger.group->context_window_fallbacks, rules, ledger, facts, now);
  auto candidates = Candidates(rules, ledger, facts);
  if (!candidates.empty()) {
    Decision d;
    d.action = Do::kAttempt;
    auto sticky = std::find_if(candidates.begin(), candidates.end(),
                               [&](const Candidate& c) { return rules.affinity && c.dep == rules.affinity; });
    d.dep = sticky != candidates.end() ? sticky->dep : Choose(rules.strategy, candidates, rng, rules.stream);
    d.forced = d.dep == ledger.forced;
    return d;
  }
  if (ledger.retrying && !ledger.waited_for_cooldown) {
    if (auto until = CooldownWorthWaiting(rules, ledger, facts, now)) {
      Decision d;
      d.action = Do::kSleep;
      d.until = *until;
      return d;
    }
  }
  return NextGroup(ledger.chain, rules, ledger, facts, now);  // step 3
}

// Whether a retry in the group could go anywhere: some usable member that is not a silent
// failure excluded by the no-re-send rule.
bool HasRetryTarget(const WalkRules& rules, const WalkLedger& ledger) {
  bool allow_silent = !ChainHasOtherOptions(rules, ledger);
  for (const Deployment* d : ledger.group->members)
    if (d->usable() && !ledger.done.count(d) && (allow_silent || !ledger.silent.count(d))) return true;
  return false;
}

// Step 2 after a retryable failure: how long to wait before the retry, or nothing when
// the group is exhausted for this kind.
std::optional<Millis> RetryWait(const WalkRules& rules, const WalkLedger& ledger,
                                const Deployment& failed, const Error& error, TimePoint now,
                                const WalkFacts& facts, Rng& rng) {
  const RetryPolicy& policy = rules.table->retry();
  int k = static_cast<int>(error.kind);
  if (ledger.retries_used[k] >= policy.Budget(error.kind, rules.request_num_retries)) return {};
  if (!HasRetryTarget(rules, ledger)) return {};  // don't sleep for nothing
  Millis wait = policy.Backoff(ledger.retry_index, rng);
  // Retry-After binds the deployment that sent it (its cooldown keeps it out until then);
  // a retry that can go to another deployment of the group right away only backs off.
  if (error.retry_after_s && Candidates(rules, ledger, facts, &failed).empty()) {
    wait = Millis(static_cast<int64_t>(std::ceil(*error.retry_after_s * 1000)));
    if (wait > policy.max_retry_after()) return {};  // longer than we wait: move on now
  }
  if (now + wait >= rules.deadline) return {};  // step 4: never sleep past the deadline
  return wait;
}

Decision AfterFailure(const WalkRules& rules, const WalkLedger& ledger, const Deployment& dep,
                      const AttemptOutcome& out, const WalkFacts& facts, TimePoint now, Rng& rng) {
  ErrorKind kind = out.error.kind;
  if (ledger.committed_failure) {
    // The client already has part of the answer. With stream_resume = "replay" the rest of
    // the chain may repair it (core/commit_gate.cc); each deployment gets one try.
    if (kind == ErrorKind::kCanceled || !rules.replay_allowed || !out.replayable)
      return Finish(rules, ledger, facts, now);
    return Pick(rules, ledger, facts, now, rng);
  }
  if (kind == ErrorKind::kCanceled || kind == ErrorKind::kBadRequest)
    return Finish(rules, ledger, facts, now);  // step 3: the caller's error, unchanged
  if (kind == ErrorKind::kContextWindow || kind == ErrorKind::kContentPolicy) {
    // Only these fallbacks; the generic ones do not apply.
    const auto& next = kind == ErrorKind::kContextWindow ? ledger.group->context_window_fallbacks
                                                         : ledger.group->content_policy_fallbacks;
    return NextGroup(next, rules, ledger, facts, now);
  }
  auto wait = RetryWait(rules, ledger, dep, out.error, now, facts, rng);
  if (!wait) return NextGroup(ledger.chain, rules, ledger, facts, now);
  Decision d;
  d.action = Do::kSleep;
  d.until = now + *wait;
  d.spend = kind;
  return d;
}

// The smallest wait any attempt was told, else the time until the first cooldown of a
// deployment that failed in this request ends.
double RetryAfterHint(const WalkLedger& ledger, const WalkFacts& facts, TimePoint now) {
  std::optional<double> told;
  for (const auto& a : ledger.route.attempts)
    if (a.retry_after_s) told = std::min(told.value_or(1e18), *a.retry_after_s);
  if (told) return *told;
  std::optional<double> soonest;
  for (const Deployment* d : ledger.failed) {
    RoutingFacts f = facts.Of(*d);
    if (f.cooling_until && *f.cooling_until > now) {
      double s = std::chrono::duration<double>(*f.cooling_until - now).count();
      soonest = std::min(soonest.value_or(s), s);
    }
  }
  return soonest.value_or(1);
}

RouteFailure NothingTried(const WalkRules& rules, const WalkLedger& ledger,
                          const WalkFacts& facts, TimePoint now) {
  const std::string& model = ledger.route.requested;
  RouteFailure f;
  std::optional<Millis> room_in;
  std::string unusable;
  for (const Group* g : ledger.walked)
    for (const Deployment* d : g->members) {
      if (!d->usable()) {
        if (unusable.empty()) unusable = d->cfg.id + ": " + d->unusable_reason;
        continue;
      }
      RoutingFacts rf = facts.Of(*d);
      if (!rf.has_room) room_in = std::min(room_in.value_or(rf.room_in), rf.room_in);
    }
  if (room_in) {
    f.status = 429;
    f.retry_after_s = CeilSeconds(room_in->count() / 1000.0);
    f.error = MakeError(ErrorKind::kRateLimit,
                        "every deployment of \"" + model + "\" and its fallbacks is at its rpm/tpm limit");
  } else if (now >= rules.deadline) {
    f.status = 504;
    f.error = MakeError(ErrorKind::kTimeout, "request_timeout passed before any attempt");
  } else {
    f.status = 503;
    std::string why = unusable.empty() ? "every deployment is cooling down" : unusable;
    f.error = MakeError(ErrorKind::kUnavailable, "no deployment can serve \"" + model + "\": " + why);
  }
  return f;
}

}  // namespace

Decision Decide(const WalkRules& rules, const WalkLedger& ledger, const AttemptOutcome* last,
                const WalkFacts& facts, TimePoint now, Rng& rng) {
  if (!last) return Pick(rules, ledger, facts, now, rng);
  if (last->ok) {
    Decision d;
    d.action = Do::kSucceed;
    return d;
  }
  return AfterFailure(rules, ledger, *ledger.last_tried, *last, facts, now, rng);
}

namespace {
// Another provider, or the same one at another endpoint: a different failure domain.
bool OtherUpstream(const Deployment& a, const Deployment& b) {
  return a.cfg.provider != b.cfg.provider || a.cfg.api_base != b.cfg.api_base;
}
}  // namespace

const Deployment* HedgeTarget(const WalkRules& rules, const WalkLedger& ledger, const Deployment& primary,
                              const WalkFacts& facts, Rng& rng) {
  std::vector<Candidate> in_group, in_chain;
  for (Candidate& c : Candidates(rules, ledger, facts, &primary))
    if (!ledger.failed.count(c.dep)) in_group.push_back(c);
  for (const auto& name : ledger.chain) {
    const Group* g = ledger.visited.count(name) ? nullptr : rules.table->FindGroup(name);
    if (!g) continue;
    for (const Deployment* d : g->members) {
      if (!d->usable() || d == &primary || ledger.done.count(d) || ledger.failed.count(d)) continue;
      if (ClearlyExceeds(rules.prompt_estimate, d->context_window)) continue;
      RoutingFacts f = facts.Of(*d);
      if (!f.cooling && f.has_room) in_chain.push_back({d, f});
    }
  }
  auto other_provider = [&](const std::vector<Candidate>& from, bool other) {
    std::vector<Candidate> out;
    for (const Candidate& c : from)
      if (OtherUpstream(*c.dep, primary) == other) out.push_back(c);
    return out;
  };
  for (bool other : {true, false})
    for (const auto* tier : {&in_group, &in_chain}) {
      auto pick = other_provider(*tier, other);
      if (!pick.empty()) return Choose(rules.strategy, pick, rng, rules.stream);
    }
  return nullptr;
}

const Deployment* ForcedProbe(const std::vector<const Group*>& groups, const WalkFacts& facts) {
  const Deployment* earliest = nullptr;
  std::optional<TimePoint> earliest_end;
  for (const Group* g : groups)
    for (const Deployment* d : g->members) {
      if (!d->usable()) continue;
      RoutingFacts f = facts.Of(*d);
      if (!f.cooling) return nullptr;  // something is available
      TimePoint end = f.cooling_until.value_or(TimePoint::min());
      if (!earliest_end || end < *earliest_end) earliest_end = end, earliest = d;
    }
  return earliest;
}

RouteFailure DescribeFailure(const WalkRules& rules, const WalkLedger& ledger,
                             const WalkFacts& facts, TimePoint now) {
  const auto& attempts = ledger.route.attempts;
  if (attempts.empty()) return NothingTried(rules, ledger, facts, now);
  RouteFailure f;
  f.attempts = attempts;
  f.committed = ledger.committed_failure;
  f.error = ledger.last_error.value_or(MakeError(ErrorKind::kServerError, "all attempts failed"));
  // Pre-flight skips sent nothing upstream: they neither make nor break "all rate limited".
  bool all_rate_limited =
      std::any_of(attempts.begin(), attempts.end(), [](const AttemptRecord& a) { return !a.skipped; }) &&
      std::all_of(attempts.begin(), attempts.end(), [](const AttemptRecord& a) {
        return a.skipped || (!a.ok && a.kind == ErrorKind::kRateLimit);
      });
  ErrorKind last = f.error.kind;
  if (all_rate_limited) {
    f.status = 429;
    f.retry_after_s = CeilSeconds(RetryAfterHint(ledger, facts, now));
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

}  // namespace detour
