// The walk's hedged attempt (SPEC 9 `[router.hedge]`, core/hedge.h): the attempt runs on
// a fiber of its own while the walk waits for its first token; when that is late, a
// hedge to the next-best deployment starts beside it, and the first to claim a first
// token wins. The winner's claim cancels the loser at once: its flag ends the loser's
// HttpClient wait within fiber::kCancelSweep (its scheduler's sweep looks at the flag),
// which closes the upstream connection (a canceled exchange never returns to the pool).
#include <memory>

#include "core/walk.h"
#include "util/fiber.h"

namespace detour {
namespace {

struct Racer {
  const Deployment* dep = nullptr;
  TimePoint started;
  AttemptOutcome out;
  bool running = false;
  bool done = false;
  bool lost = false;  // cancelled because the other one won
  CancelFlag cancel{false};
};

// Shared by the walk and the racers' fibers (and the timer's, which may outlive the walk
// by one sleep slice).
struct RaceState {
  std::mutex mu;
  fiber::CondVar cv;
  Racer racers[2];
  int winner = -1;
  bool timer_fired = false;
  CancelFlag stop{false};
};

class Ticket final : public RaceTicket {
 public:
  Ticket(RaceState& st, int who) : st_(st), who_(who) {}
  bool ClaimWin() override {
    std::lock_guard<std::mutex> lock(st_.mu);
    if (st_.winner < 0) {
      st_.winner = who_;
      Racer& other = st_.racers[1 - who_];
      if (other.running && !other.done) {
        other.lost = true;
        other.cancel.store(true);
      }
      st_.cv.NotifyAll();
    }
    return st_.winner == who_;
  }

 private:
  RaceState& st_;
  int who_;
};

// Starts racer `who` (its dep and start already set). `attempt` outlives the race: the
// walk waits for every racer before it returns.
void Launch(const std::shared_ptr<RaceState>& st, int who, const AttemptFn& attempt, AttemptLimits limits,
            RouteInfo so_far) {
  {
    std::lock_guard<std::mutex> lock(st->mu);
    st->racers[who].running = true;
  }
  limits.cancel = &st->racers[who].cancel;
  fiber::Spawn([st, who, &attempt, limits, so_far = std::move(so_far)] {
    Ticket ticket(*st, who);
    AttemptOutcome o = attempt(*st->racers[who].dep, limits, so_far, &ticket);
    std::lock_guard<std::mutex> lock(st->mu);
    st->racers[who].out = std::move(o);
    st->racers[who].done = true;
    st->cv.NotifyAll();
  });
}

// Wakes the walk at `at` (the hedge is due), unless the race ended first.
void StartTimer(const std::shared_ptr<RaceState>& st, Clock& clock, TimePoint at) {
  fiber::Spawn([st, &clock, at] {
    if (!clock.SleepUntil(at, &st->stop)) return;
    std::lock_guard<std::mutex> lock(st->mu);
    st->timer_fired = true;
    st->cv.NotifyAll();
  });
}

}  // namespace

const HedgeConfig* Walk::HedgeFor() const {
  if (!target_.hedges || hedged_ || ledger_.committed_failure) return nullptr;
  const auto& hedge = table_.config().router.hedge;
  auto it = hedge.find(ledger_.group->name);
  return it == hedge.end() ? nullptr : &it->second;
}

void Walk::Race(const Deployment& d, AttemptGuard& guard, Millis after, const HedgeConfig& cfg,
                const AttemptFn& attempt, AttemptOutcome& out) {
  auto st = std::make_shared<RaceState>();
  TimePoint started = clock_.Now();
  st->racers[0].dep = &d;
  st->racers[0].started = started;
  Launch(st, 0, attempt, LimitsFor(d, started), ledger_.route);
  StartTimer(st, clock_, started + after);

  std::unique_ptr<AttemptGuard> hedge_guard;
  std::unique_lock<std::mutex> lock(st->mu);
  st->cv.Wait(lock, [&] { return st->winner >= 0 || st->racers[0].done || st->timer_fired; });
  if (st->winner < 0 && !st->racers[0].done) {
    lock.unlock();  // the first token is late: hedge, if there is somewhere to and budget
    TimePoint now = clock_.Now();
    const Deployment* h = HedgeTarget(rules_, ledger_, d, StoreFacts(store_, now), rng_);
    AdmitResult how = h ? store_.TryAdmit(*h->slot, h->limits, now, false) : AdmitResult::kLimited;
    if (how == AdmitResult::kOpen || how == AdmitResult::kProbe) {
      hedge_guard = std::make_unique<AttemptGuard>(store_, *h->slot, how);
      if (target_.hedges->TakeHedge(ledger_.group->name, cfg.max_ratio)) {
        hedged_ = true;
        st->racers[1].dep = h;
        st->racers[1].started = now;
        Launch(st, 1, attempt, LimitsFor(*h, now), ledger_.route);
      } else {
        hedge_guard.reset();  // over budget: give the admission back
      }
    }
    lock.lock();
  }
  st->cv.Wait(lock, [&] { return st->racers[0].done && (!st->racers[1].running || st->racers[1].done); });
  lock.unlock();
  st->stop.store(true);

  // The loser first, the answering attempt last (RequestReport: "the answering one last").
  int w = st->winner;
  std::vector<int> order = {0};
  if (st->racers[1].running) order = w == 0 ? std::vector<int>{1, 0} : std::vector<int>{0, 1};
  for (size_t i = 0; i < order.size(); ++i) {
    Racer& r = st->racers[order[i]];
    AttemptGuard& g = order[i] == 0 ? guard : *hedge_guard;
    if (r.lost) {
      RecordLost(*r.dep, *st->racers[w].dep, r.started, clock_.Now());  // g abandons: no outcome
      ledger_.route.attempts.back().hedge = order[i] == 1;
      continue;
    }
    Record(*r.dep, r.out, r.started, g);
    ledger_.route.attempts.back().hedge = order[i] == 1;
    out = r.out;
    // Run announces the last record after deciding; earlier ones are announced here.
    if (i + 1 < order.size()) Notify(ledger_.route.attempts.back());
  }
}

void Walk::RecordLost(const Deployment& d, const Deployment& winner, TimePoint started, TimePoint now) {
  AttemptRecord rec;
  rec.number = static_cast<int>(ledger_.route.attempts.size()) + 1;
  rec.deployment = d.cfg.id;
  rec.group = ledger_.group->name;
  rec.provider_model = d.label;
  rec.kind = ErrorKind::kCanceled;
  rec.hedge_lost = true;
  rec.elapsed = std::chrono::duration_cast<Millis>(now - started);
  rec.started = clock_.WallNow() - std::chrono::duration_cast<WallTime::duration>(now - started);
  rec.message = "hedge_lost: " + winner.cfg.id + " produced the first token first";
  ledger_.route.attempts.push_back(std::move(rec));
  Notify(ledger_.route.attempts.back());
}

}  // namespace detour
