// The in-process StateStore (core/state_store.h): one slot per deployment id, each guarded
// by its own mutex held only for bookkeeping, never across I/O. The default backend, and
// the local half of any shared one (in-flight counts and latency stay per process).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/state_store.h"

namespace detour {

class MemoryStateStore final : public StateStore {
 public:
  MemoryStateStore();
  ~MemoryStateStore() override;

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

 private:
  struct Entry;
  static Entry& Of(StateSlot& s);
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Entry>> slots_;
  std::mutex spend_mu_;
  std::unordered_map<std::string, double> spend_;  // "team\x1fperiod" -> USD
};

}  // namespace detour
