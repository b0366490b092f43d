// Team budgets (SPEC 9). A request's team comes from its client key; a team whose spend
// in the current UTC day or month has reached its budget gets 429 `budget_exceeded` with
// Retry-After = seconds until the period resets, before any upstream call. Other teams are
// unaffected.
//
// Spend lives in the StateStore (so a shared backend shares it across instances): as a
// RequestObserver this adds every request's cost under its team's day and month keys,
// budget or not (the status page reads today's spend per team from the same numbers).
// At start, ReplayUsageLog adds the current periods' spend from the usage log, so a
// budget holds across a restart.
// Thread-safe; Check and OnRequestEnd take no lock of their own beyond the store's.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/request_observer.h"
#include "core/state_store.h"
#include "model/clock.h"

namespace detour {

struct BudgetVerdict {
  bool over = false;
  double spent_usd = 0;
  double limit_usd = 0;
  std::string per;        // "day" | "month"
  int retry_after_s = 0;  // when over: until the period resets (at least 1)
};

class Budgets final : public RequestObserver {
 public:
  Budgets(StateStore& store, Clock& clock);

  // The teams' budgets from server.api_keys: the first key of a team that sets a budget
  // sets the team's. Safe to call while requests run (reload).
  void SetClients(const std::vector<ClientKey>& clients);

  BudgetVerdict Check(const std::string& team) const;
  // What a team has spent in the current UTC day (budget or not), USD.
  double SpentToday(const std::string& team) const;
  // A team's budget, if it has one.
  std::optional<Budget> BudgetOf(const std::string& team) const;
  void OnRequestEnd(const RequestReport& r) override;

  // Adds the usage log's lines of the current day and month to the spend. Returns how
  // many lines counted; an unreadable file or bad line is skipped (the log is ours).
  size_t ReplayUsageLog(const std::string& path);

  // "2026-12-06" for per = "day", "2026-12" for "month" (UTC).
  static std::string PeriodKey(const std::string& per, WallTime now);
  // Whole seconds until the period containing `now` ends, at least 1.
  static int SecondsUntilReset(const std::string& per, WallTime now);

 private:
  using BudgetMap = std::map<std::string, Budget>;
  std::shared_ptr<const BudgetMap> Snapshot() const;

  StateStore& store_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const BudgetMap> budgets_;
  // Whether any team has a budget: Check runs on every request, and most configs set none,
  // so they skip the lock and the lookup.
  std::atomic<bool> any_budget_{false};
};

}  // namespace detour
