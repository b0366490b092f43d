#include "core/walk.h"

#include <algorithm>

namespace detour {
namespace {

using Do = Decision::Do;

double CostOf(const Deployment& d, const Usage& u) {
  if (!d.cfg.price) return 0;
  return (u.prompt_tokens * d.cfg.price->input + u.completion_tokens * d.cfg.price->output) / 1e6;
}

bool IsSilent(ErrorKind k) { return k == ErrorKind::kTimeout || k == ErrorKind::kConnection; }

}  // namespace

Walk::Walk(const RouteTable& table, WalkTarget target, StateStore& store, Clock& clock,
           uint64_t seed, const RouteOptions& opts,
           const std::vector<RequestObserver*>& observers)
    : table_(table), target_(std::move(target)), store_(store), clock_(clock), rng_(seed), opts_(opts),
      observers_(observers) {
  const WalkTarget& req = target_;
  rules_.table = &table;
  rules_.strategy = ParseStrategy(table.config().router.strategy);
  rules_.stream = req.stream;
  rules_.replay_allowed = req.stream && table.config().router.stream_resume == "replay";
  rules_.request_num_retries = req.overrides.num_retries;
  rules_.prompt_estimate = req.prompt_estimate;
  if (!req.session.empty())
    if (auto id = store_.SessionDeployment(req.session, clock_.Now()))
      for (const auto& d : table.deployments())
        if (d->cfg.id == *id) rules_.affinity = d.get();
  Millis budget = table.config().router.request_timeout;
  if (req.overrides.timeout) budget = std::min(budget, *req.overrides.timeout);
  rules_.deadline = clock_.Now() + budget;
  ledger_.route.requested = req.model;
}

Expected<RouteInfo, RouteFailure> Walk::Run(const AttemptFn& attempt) {
  const Group* first = table_.Resolve(target_.model);
  // The requested group, then the request's own fallbacks or the group's.
  Enter(*first, target_.overrides.fallbacks ? *target_.overrides.fallbacks : first->fallbacks);
  std::vector<const Group*> chain_groups = {first};
  for (const auto& name : ledger_.chain)
    if (const Group* g = table_.FindGroup(name)) chain_groups.push_back(g);
  ledger_.forced = ForcedProbe(chain_groups, StoreFacts(store_, clock_.Now()));

  AttemptOutcome out;
  bool ended = false;  // an attempt just ended and `out` holds its outcome
  for (;;) {
    TimePoint now = clock_.Now();
    Decision d = Decide(rules_, ledger_, ended ? &out : nullptr, StoreFacts(store_, now), now, rng_);
    if (ended) Announce(d, now);
    ended = false;
    switch (d.action) {
      case Do::kSucceed:
        // The session stays where it was answered: a failover moves it for good.
        if (!target_.session.empty()) store_.RememberSession(target_.session, ledger_.route.deployment, now);
        return std::move(ledger_.route);  // the walk is over: its route is the caller's
      case Do::kFail:
        return Fail(std::move(d.failure));
      case Do::kNextGroup:
        Enter(*d.next, std::move(d.chain));
        break;
      case Do::kSleep:
        if (d.spend) {
          ledger_.retries_used[static_cast<int>(*d.spend)]++;
          ledger_.retry_index++;
        } else {
          ledger_.waited_for_cooldown = true;
        }
        if (!clock_.SleepUntil(d.until, opts_.cancel)) {
          TimePoint at = clock_.Now();
          return Fail(DescribeFailure(rules_, ledger_, StoreFacts(store_, at), at));
        }
        break;
      case Do::kAttempt:
        ended = Attempt(d, attempt, out);
        break;
      case Do::kSkip:
        Skip(*d.dep);
        break;
    }
  }
}

void Walk::Enter(const Group& g, std::vector<std::string> chain) {
  ledger_.group = &g;
  ledger_.chain = std::move(chain);
  ledger_.visited.insert(g.name);
  ledger_.walked.push_back(&g);
  ledger_.retries_used = {};
  ledger_.retry_index = 0;
  ledger_.retrying = false;
  ledger_.waited_for_cooldown = false;
  ledger_.refused.clear();
  TimePoint now = clock_.Now();
  for (const Deployment* d : g.members)
    if (d->usable()) store_.MarkWanted(*d->slot, now);
  if (target_.hedges && table_.config().router.hedge.count(g.name)) target_.hedges->CountRequest(g.name);
}

bool Walk::Attempt(const Decision& d, const AttemptFn& attempt, AttemptOutcome& out) {
  const Deployment& dep = *d.dep;
  TimePoint started = clock_.Now();
  AdmitResult how = store_.TryAdmit(*dep.slot, dep.limits, started, d.forced);
  if (how == AdmitResult::kCooling || how == AdmitResult::kLimited) {
    ledger_.refused.insert(&dep);  // another request got there first
    return false;
  }
  if (d.forced) ledger_.forced = nullptr;  // one forced attempt only
  ledger_.refused.clear();
  ledger_.waited_for_cooldown = false;
  AttemptGuard guard(store_, *dep.slot, how);
  if (const HedgeConfig* h = HedgeFor())
    if (auto after = target_.hedges->After(ledger_.group->name, *h)) {
      Race(dep, guard, *after, *h, attempt, out);
      return true;
    }
  out = attempt(dep, LimitsFor(dep, started), ledger_.route, nullptr);
  Record(dep, out, started, guard);
  return true;
}

AttemptLimits Walk::LimitsFor(const Deployment& d, TimePoint now) const {
  AttemptLimits l;
  l.hard_deadline = rules_.deadline;
  l.deadline = std::min(rules_.deadline, now + d.timeout);
  l.first_token_deadline = std::min(rules_.deadline, now + d.first_token_timeout);
  l.idle_timeout = d.idle_timeout;
  l.cancel = opts_.cancel;
  return l;
}

void Walk::Record(const Deployment& d, const AttemptOutcome& o, TimePoint started, AttemptGuard& guard) {
  TimePoint now = clock_.Now();
  AttemptRecord rec;
  rec.number = static_cast<int>(ledger_.route.attempts.size()) + 1;
  rec.deployment = d.cfg.id;
  rec.group = ledger_.group->name;
  rec.provider_model = d.label;
  rec.ok = o.ok;
  rec.elapsed = std::chrono::duration_cast<Millis>(now - started);
  rec.started = clock_.WallNow() - std::chrono::duration_cast<WallTime::duration>(now - started);
  rec.first_token = o.first_token;
  AttemptFacts facts;
  facts.ok = o.ok;
  facts.stream = target_.stream;
  if (o.ok) {
    rec.usage = o.usage;
    rec.cost_usd = CostOf(d, o.usage);
    facts.latency_ms = static_cast<double>((o.first_token ? *o.first_token : rec.elapsed).count());
    facts.tokens = o.usage.total();
    if (target_.hedges && table_.config().router.hedge.count(ledger_.group->name))
      target_.hedges->Observe(ledger_.group->name, o.first_token ? *o.first_token : rec.elapsed);
  } else {
    rec.kind = facts.kind = o.error.kind;
    rec.status = o.error.status;
    rec.message = o.error.message;
    rec.retry_after_s = facts.retry_after_s = o.error.retry_after_s;
  }
  guard.Finish(d.limits, table_.cooldown(), facts, now);

  ledger_.last_tried = &d;
  if (o.ok) {
    ledger_.route.deployment = d.cfg.id;
    ledger_.route.group = ledger_.group->name;
    ledger_.route.cost_usd = rec.cost_usd;
  } else {
    ledger_.failed.insert(&d);
    if (IsSilent(o.error.kind)) ledger_.silent.insert(&d);
    ledger_.last_error = o.error;
    ledger_.retrying = true;
    if (o.committed || ledger_.committed_failure) {
      ledger_.committed_failure = true;
      ledger_.done.insert(&d);  // failed after commit: never tried again in this request
    }
  }
  ledger_.route.attempts.push_back(std::move(rec));
}

void Walk::Skip(const Deployment& d) {
  AttemptRecord rec;
  rec.number = static_cast<int>(ledger_.route.attempts.size()) + 1;
  rec.deployment = d.cfg.id;
  rec.group = ledger_.group->name;
  rec.provider_model = d.label;
  rec.kind = ErrorKind::kContextWindow;
  rec.skipped = true;
  rec.estimate_tokens = rules_.prompt_estimate;
  rec.context_window = d.context_window;
  rec.started = clock_.WallNow();
  rec.message = "skipped: the prompt (about " + std::to_string(rules_.prompt_estimate) +
                " tokens) does not fit the context window of " + std::to_string(d.context_window);
  ledger_.too_small.insert(&d);
  ledger_.done.insert(&d);
  // What the caller sees when nothing else can answer: a context_window 400, as the
  // provider would have said (SPEC 3.2 step 6).
  if (!ledger_.last_error) ledger_.last_error = MakeError(ErrorKind::kContextWindow, rec.message, 400);
  ledger_.route.attempts.push_back(std::move(rec));
  Notify(ledger_.route.attempts.back());
}

void Walk::Notify(const AttemptRecord& rec) {
  if (opts_.observer) opts_.observer->OnAttempt(rec);
  for (RequestObserver* o : observers_) o->OnAttempt(rec);
}

void Walk::Announce(const Decision& next, TimePoint now) {
  AttemptRecord& rec = ledger_.route.attempts.back();
  if (!rec.ok) {
    if (next.action == Do::kSleep) rec.retry_in = std::chrono::ceil<Millis>(next.until - now);
    else rec.falls_back = next.action != Do::kFail;
  }
  Notify(rec);
}

}  // namespace detour
