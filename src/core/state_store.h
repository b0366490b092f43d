// Deployment state behind one interface (DESIGN.md rule 10): the circuit (cooldown, failure
// window, half-open), rpm/tpm windows, in-flight counts, latency and recent outcomes, and
// the background prober's bookkeeping. The walk, the balancer (through the walk's facts),
// the prober and /health read and write deployment state only through a StateStore.
// MemoryStateStore (core/memory_state_store.h) keeps it in this process; a shared backend
// (Redis) is one more implementation of this interface.
//
// Keys are deployment ids: state outlives config reloads, so a reloaded table keeps every
// deployment's cooldown and counters. Times are this process's Clock time.
// Thread-safety: every method is safe to call concurrently; none blocks on network I/O of
// the request path (a shared backend must bound its waits: SPEC 9).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/cooldown.h"
#include "core/limits.h"
#include "core/session_affinity.h"
#include "model/error.h"
#include "model/types.h"

namespace detour {

// One deployment's handle, resolved once per route table build so the request path does
// no lookups by name. Stable for the store's life; the same id gives the same handle.
class StateSlot {
 public:
  explicit StateSlot(std::string id) : id_(std::move(id)) {}
  virtual ~StateSlot() = default;
  const std::string& id() const { return id_; }

 private:
  std::string id_;
};

// What routing needs to know about a deployment now.
struct RoutingFacts {
  bool cooling = false;
  std::optional<TimePoint> cooling_until;  // set while cooling with a known end
  bool has_room = true;                    // under rpm/tpm
  Millis room_in{0};                       // time until a slot frees when !has_room
  int in_flight = 0;
  // EWMAs of successful attempts (SPEC 3.4 lowest-latency), unset when never measured:
  // total time of buffered attempts, and time to the first token of streamed ones.
  std::optional<double> latency_ms;
  std::optional<double> first_token_ms;
  double usage_share = 0;                  // the larger of rpm and tpm share in the last minute, 0..1+
};

// What /health (and later /metrics) shows.
struct HealthFacts {
  bool cooling = false;
  double cooldown_remaining_s = 0;
  double error_rate_1m = 0;
  double p50_latency_ms = 0;
  int in_flight = 0;
};

// The outcome of one upstream attempt, as state cares about it.
struct AttemptFacts {
  bool ok = false;
  ErrorKind kind = ErrorKind::kServerError;  // when !ok
  std::optional<double> retry_after_s;       // when !ok
  bool stream = false;                       // a streamed attempt
  double latency_ms = 0;                     // first token for streams, else total
  int64_t tokens = 0;                        // when ok
};

// How an admission went. kProbe: the caller holds the one half-open probe turn.
enum class AdmitResult { kOpen, kProbe, kCooling, kLimited };

class StateStore {
 public:
  virtual ~StateStore() = default;

  virtual StateSlot& Slot(const std::string& deployment_id) = 0;

  // Routing reads. MarkWanted notes that a request considered the deployment (background
  // probes run only for deployments still wanted).
  virtual RoutingFacts Routing(StateSlot& s, const Limits& l, TimePoint now) = 0;
  virtual void MarkWanted(StateSlot& s, TimePoint now) = 0;

  // Admission for one attempt: rpm/tpm room first, then the circuit (unless `forced`:
  // SPEC 3.2 step 5). On kOpen/kProbe the rpm slot is taken and in-flight counts it;
  // the caller must then call exactly one of Finish or Abandon (core/attempt_guard.h).
  virtual AdmitResult TryAdmit(StateSlot& s, const Limits& l, TimePoint now, bool forced) = 0;
  // The attempt ended: records the outcome (circuit, latency, tokens, error rate).
  // Returns true when this failure opened (or reopened) the circuit.
  virtual bool Finish(StateSlot& s, const Limits& l, const CooldownPolicy& p,
                      const AttemptFacts& f, TimePoint now) = 0;
  // The attempt ended without an outcome (an exception, a cancellation before any
  // answer): in-flight drops and a held half-open probe turn is given back.
  virtual void Abandon(StateSlot& s, AdmitResult how) = 0;

  // Background probes (SPEC 3.3). TakeProbeTurn is true when a probe is due now: the
  // deployment cools, was wanted within `wanted_within`, was not probed within
  // `interval`, and the provider's Retry-After (if it gave one) has passed. It records
  // the probe's start. ProbeSucceeded closes the circuit.
  virtual bool TakeProbeTurn(StateSlot& s, TimePoint now, Millis interval, Millis wanted_within) = 0;
  virtual void ProbeSucceeded(StateSlot& s, TimePoint now) = 0;

  virtual HealthFacts Health(StateSlot& s, TimePoint now) = 0;

  // Team spend (SPEC 9 budgets), in USD, per team and budget period ("2026-12-06" for a
  // day, "2026-12" for a month). Kept here so a shared backend shares it across instances.
  // AddSpend returns the new total.
  virtual double AddSpend(const std::string& team, const std::string& period, double usd) = 0;
  virtual double Spend(const std::string& team, const std::string& period) = 0;

  // A shared backend's connection (SPEC 9 [state]): nullopt for an in-process store, else
  // true while connected and false while routing on local state ("degraded").
  virtual std::optional<bool> BackendUp() const { return std::nullopt; }

  // Shared entries of the response cache (core/response_cache.h) when the backend shares
  // them: SharedGet answers within the backend's bound (nullopt on a miss or when it
  // cannot); SharedPut never waits. The in-process store shares nothing.
  virtual std::optional<std::string> SharedGet(const std::string& key) { (void)key; return std::nullopt; }
  virtual void SharedPut(const std::string& key, std::string value, Millis ttl) {
    (void)key, (void)value, (void)ttl;
  }

  // Session affinity (SPEC 9): the deployment id a session was last answered by. The
  // default keeps sessions in this process (core/session_affinity.h: at most 100000,
  // each forgotten an hour after its last answer), so every store has it; a shared
  // backend may override both to share sessions across instances.
  virtual std::optional<std::string> SessionDeployment(const std::string& session, TimePoint now) {
    return sessions_.Get(session, now);
  }
  virtual void RememberSession(const std::string& session, const std::string& deployment, TimePoint now) {
    sessions_.Put(session, deployment, now);
  }

 private:
  SessionMap sessions_{100000, Millis(3600000)};
};

}  // namespace detour
