#include "core/memory_state_store.h"

#include <algorithm>
#include <deque>
#include <vector>

namespace detour {
namespace {

constexpr Millis kOutcomeWindow{60000};
constexpr size_t kLatencySamples = 128;
constexpr size_t kMaxOutcomes = 4096;
constexpr double kEwmaAlpha = 0.2;

bool CountsAgainstDeployment(ErrorKind k) {
  return k != ErrorKind::kCanceled && k != ErrorKind::kBadRequest &&
         k != ErrorKind::kContextWindow && k != ErrorKind::kContentPolicy &&
         k != ErrorKind::kUnavailable;
}

}  // namespace

struct MemoryStateStore::Entry final : StateSlot {
  using StateSlot::StateSlot;
  std::mutex mu;
  CircuitState circuit;
  LimitState limits;
  int in_flight = 0;
  std::optional<TimePoint> last_wanted;
  std::optional<TimePoint> last_probe;
  // Lowest-latency's EWMAs: buffered attempts by total time, streams by first token.
  // A stream's total time says how long the answer was, not how fast the deployment is.
  std::optional<double> ewma_total_ms, ewma_first_token_ms;
  std::deque<double> latencies;                     // last kLatencySamples (/health p50)
  std::deque<std::pair<TimePoint, bool>> outcomes;  // (when, ok) over the last minute

  void RecordLatency(bool stream, double ms) {
    std::optional<double>& ewma = stream ? ewma_first_token_ms : ewma_total_ms;
    ewma = ewma ? (1 - kEwmaAlpha) * *ewma + kEwmaAlpha * ms : ms;
    latencies.push_back(ms);
    if (latencies.size() > kLatencySamples) latencies.pop_front();
  }
  void ExpireOutcomes(TimePoint now) {
    while (!outcomes.empty() && now - outcomes.front().first > kOutcomeWindow) outcomes.pop_front();
  }
  void RecordOutcome(TimePoint now, bool ok) {
    outcomes.emplace_back(now, ok);
    ExpireOutcomes(now);
    if (outcomes.size() > kMaxOutcomes) outcomes.pop_front();
  }
  double ErrorRate1m(TimePoint now) {
    ExpireOutcomes(now);
    if (outcomes.empty()) return 0;
    auto bad = std::count_if(outcomes.begin(), outcomes.end(), [](auto& o) { return !o.second; });
    return static_cast<double>(bad) / outcomes.size();
  }
  double P50Ms() const {
    if (latencies.empty()) return 0;
    std::vector<double> v(latencies.begin(), latencies.end());
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  }
};

MemoryStateStore::MemoryStateStore() = default;
MemoryStateStore::~MemoryStateStore() = default;

MemoryStateStore::Entry& MemoryStateStore::Of(StateSlot& s) { return static_cast<Entry&>(s); }

StateSlot& MemoryStateStore::Slot(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = slots_[id];
  if (!slot) slot = std::make_unique<Entry>(id);
  return *slot;
}

RoutingFacts MemoryStateStore::Routing(StateSlot& slot, const Limits& l, TimePoint now) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  RoutingFacts f;
  f.cooling = IsCooling(e.circuit, now);
  if (f.cooling) f.cooling_until = e.circuit.open_until;
  f.has_room = HasRoom(e.limits, l, now);
  if (!f.has_room) f.room_in = TimeUntilRoom(e.limits, l, now);
  f.in_flight = e.in_flight;
  f.latency_ms = e.ewma_total_ms;
  f.first_token_ms = e.ewma_first_token_ms;
  f.usage_share = UsageShare(e.limits, l, now);
  return f;
}

void MemoryStateStore::MarkWanted(StateSlot& slot, TimePoint now) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  if (!e.last_wanted || *e.last_wanted < now) e.last_wanted = now;
}

AdmitResult MemoryStateStore::TryAdmit(StateSlot& slot, const Limits& l, TimePoint now, bool forced) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  // Room first: a refused rpm slot must not take the half-open probe turn with it.
  if (!HasRoom(e.limits, l, now)) return AdmitResult::kLimited;
  AdmitResult how = AdmitResult::kOpen;
  if (!forced) {
    Admission a = detour::Admit(e.circuit, now);
    if (a == Admission::kCooling) return AdmitResult::kCooling;
    if (a == Admission::kProbe) how = AdmitResult::kProbe;
  }
  TryTakeSlot(e.limits, l, now);
  e.in_flight++;
  return how;
}

bool MemoryStateStore::Finish(StateSlot& slot, const Limits& l, const CooldownPolicy& p,
                              const AttemptFacts& f, TimePoint now) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  e.in_flight--;
  if (f.ok) {
    RecordSuccess(e.circuit);
    e.RecordLatency(f.stream, f.latency_ms);
    e.RecordOutcome(now, true);
    AddTokens(e.limits, l, f.tokens, now);
    return false;
  }
  if (CountsAgainstDeployment(f.kind)) e.RecordOutcome(now, false);
  return RecordFailure(e.circuit, p, f.kind, f.retry_after_s, now);
}

void MemoryStateStore::Abandon(StateSlot& slot, AdmitResult how) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  e.in_flight--;
  if (how == AdmitResult::kProbe) ReleaseProbe(e.circuit);
}

bool MemoryStateStore::TakeProbeTurn(StateSlot& slot, TimePoint now, Millis interval,
                                     Millis wanted_within) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  if (!e.last_wanted || now - *e.last_wanted > wanted_within) return false;
  if (!IsCooling(e.circuit, now) || !ProbeAllowed(e.circuit, now)) return false;
  if (e.last_probe && now - *e.last_probe < interval) return false;
  e.last_probe = now;
  return true;
}

void MemoryStateStore::ProbeSucceeded(StateSlot& slot, TimePoint) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  RecordSuccess(e.circuit);
}

HealthFacts MemoryStateStore::Health(StateSlot& slot, TimePoint now) {
  Entry& e = Of(slot);
  std::lock_guard<std::mutex> lock(e.mu);
  HealthFacts h;
  h.cooling = IsCooling(e.circuit, now);
  if (h.cooling && e.circuit.open_until && *e.circuit.open_until > now)
    h.cooldown_remaining_s = std::chrono::duration<double>(*e.circuit.open_until - now).count();
  h.error_rate_1m = e.ErrorRate1m(now);
  h.p50_latency_ms = e.P50Ms();
  h.in_flight = e.in_flight;
  return h;
}

double MemoryStateStore::AddSpend(const std::string& team, const std::string& period, double usd) {
  std::lock_guard<std::mutex> lock(spend_mu_);
  return spend_[team + '\x1f' + period] += usd;
}

double MemoryStateStore::Spend(const std::string& team, const std::string& period) {
  std::lock_guard<std::mutex> lock(spend_mu_);
  auto it = spend_.find(team + '\x1f' + period);
  return it == spend_.end() ? 0 : it->second;
}

}  // namespace detour
