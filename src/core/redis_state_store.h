// The shared StateStore (SPEC 9 `[state] backend = "redis"`): several detour instances see
// one view of the providers. It wraps a MemoryStateStore, which keeps deciding on local
// state, and overlays what other instances learned:
//
//   shared   cooldowns (end time, half-open: one probe per instance once the shared end
//            passes, a failed probe doubles it), the allowed_fails failure window, rpm/tpm
//            windows (admission is one Lua script, so two instances cannot both take the
//            last slot), team spend, and response cache entries.
//   local    in-flight counts, latency EWMAs and p50, error rates, probe bookkeeping.
//
// The request path reads only memory: shared cooldowns arrive by pub/sub at once and by a
// refresh every 200 ms (the local cache), and changes are written by a background thread.
// Only two things wait on Redis, each one pipelined round trip bounded by 20 ms: admission
// to a deployment with rpm/tpm limits, and a response cache miss when [cache] is on.
// When Redis is down or slow, everything falls back to the local store (degraded mode:
// BackendUp() false, rpm/tpm then hold per instance), and the link reconnects.
//
// Keys (every one with a TTL): <prefix><deployment>:cd (hash until, mult: server ms),
// :fails, :rpm, :tpm (sorted sets by server time), <prefix>spend:<team>:<period>,
// <prefix>cache:<hash>; channel <prefix>cooldown. Times in scripts are Redis's TIME, so
// instances need not agree on the clock; what comes back is a remaining duration.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/memory_state_store.h"
#include "core/redis_link.h"

namespace detour {

class RedisStateStore final : public StateStore {
 public:
  struct Options {
    net::RedisEndpoint endpoint;
    std::string prefix = "detour:";
    Millis bound{20};
    Millis refresh{200};
  };
  RedisStateStore(Options o, Clock& clock);
  ~RedisStateStore() override;

  StateSlot& Slot(const std::string& deployment_id) override;
  RoutingFacts Routing(StateSlot& s, const Limits& l, TimePoint now) override;
  void MarkWanted(StateSlot& s, TimePoint now) override;
  AdmitResult TryAdmit(StateSlot& s, const Limits& l, TimePoint now, bool forced) override;
  bool Finish(StateSlot& s, const Limits& l, const CooldownPolicy& p, const AttemptFacts& f,
              TimePoint now) override;
  void Abandon(StateSlot& s, AdmitResult how) override;
  bool TakeProbeTurn(StateSlot& s, TimePoint now, Millis interval, Millis wanted_within) override;
  void ProbeSucceeded(StateSlot& s, TimePoint now) override;
  HealthFacts Health(StateSlot& s, TimePoint now) override;
  double AddSpend(const std::string& team, const std::string& period, double usd) override;
  double Spend(const std::string& team, const std::string& period) override;
  std::optional<bool> BackendUp() const override;
  std::optional<std::string> SharedGet(const std::string& key) override;
  void SharedPut(const std::string& key, std::string value, Millis ttl) override;

 private:
  struct Entry;
  static Entry& Of(StateSlot& s);
  std::string Key(const Entry& e, const char* what) const;
  void OnMessage(const std::string& payload);
  size_t BuildRefresh(std::string* out);
  void ApplyRefresh(const std::vector<net::resp::Value>& replies);
  // remaining_ms < 0: no shared cooldown. read_at: when a refresh read it (nullopt for a
  // pub/sub message, which Redis orders after every change it follows).
  void ApplyShared(Entry& e, int64_t remaining_ms, std::optional<TimePoint> read_at);
  std::optional<AdmitResult> SharedAdmit(Entry& e, const Limits& l, TimePoint now);
  void PostFailure(Entry& e, const CooldownPolicy& p, const AttemptFacts& f, TimePoint now, bool opened);
  void PostClose(Entry& e);
  std::string Member();

  const Options o_;
  Clock& clock_;
  MemoryStateStore local_;
  std::string instance_;  // makes sorted-set members unique across instances
  std::atomic<uint64_t> seq_{0};

  std::mutex mu_;  // the maps (not the entries)
  std::unordered_map<std::string, std::unique_ptr<Entry>> slots_;
  std::vector<Entry*> order_;  // slots_ in the order added: the refresh's reply order
  std::unordered_map<std::string, double> spend_;  // shared totals seen, by Redis key
  std::vector<std::string> spend_keys_;            // spend_'s keys in the order added
  size_t refreshed_slots_ = 0, refreshed_spend_ = 0;  // what the last refresh asked for
  TimePoint refresh_read_at_{};

  std::unique_ptr<RedisLink> link_;  // last: its threads call back into the members above
};

}  // namespace detour
