// The status page's data (SPEC 9: GET /ui, its JSON endpoint, `detour status`). As a
// request observer it keeps what the state store does not: per deployment, attempts,
// errors and latencies in one-minute buckets over the last 15 minutes (the sparklines);
// the failovers of the last hour; requests and tokens per team and per group today (UTC).
// Snapshot() joins that with the live state (healthy / cooling / unusable, in-flight) and
// the teams' spend and budgets into one JSON document, so the page, `detour status` and
// tests read the same numbers.
//
// Thread-safe: observer calls come from many requests at once; one mutex, held briefly.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/request_observer.h"
#include "core/route_table.h"
#include "core/state_store.h"
#include "model/clock.h"
#include "server/budget.h"

namespace detour {

class StatusBoard final : public RequestObserver {
 public:
  static constexpr int kMinutes = 15;             // sparkline span
  static constexpr size_t kLatencySamples = 256;  // kept per deployment-minute for p50
  static constexpr size_t kMaxFailovers = 500;    // within the last hour

  explicit StatusBoard(Clock& clock);

  void OnAttempt(const AttemptRecord& a) override;
  void OnRequestEnd(const RequestReport& r) override;

  // {"generated_at", "status", "groups": [...], "deployments": [...], "failovers": [...],
  //  "teams": [...], "usage_by_group": [...], "day"}; see README "Status page".
  // `budgets` may be null (no spend or budget columns then come from the store).
  Json Snapshot(const RouteTable& table, StateStore& store, const Budgets* budgets) const;

 private:
  struct Minute {
    long minute = -1;  // minutes since the clock's epoch this bucket holds
    long attempts = 0;
    long errors = 0;
    long seen_ok = 0;  // successful attempts seen (sampling index)
    std::vector<int> latencies_ms;  // successful attempts, sampled
  };
  using Sparkline = std::array<Minute, kMinutes>;
  struct Failover {
    WallTime at;
    std::string group, from, to, reason;
    int status = 0;
    bool ok = false;
  };
  struct Tally {
    long requests = 0, errors = 0, prompt_tokens = 0, completion_tokens = 0;
    double cost_usd = 0;
  };

  long MinuteNow() const;
  void RollDay() const;  // mu_ held: clears the day's counters when the UTC day changed
  Json SparklineJson(const std::string& deployment, long now_minute) const;
  Json FailoversJson(WallTime now) const;
  Json TeamsJson(const RouteTable& table, const Budgets* budgets) const;
  Json GroupsJson(const RouteTable& table, const Json& deployments) const;

  Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Sparkline> sparklines_;  // by deployment id
  std::deque<Failover> failovers_;               // oldest first
  // Today's tallies; a snapshot after midnight UTC starts the new day (hence mutable).
  mutable std::string day_;                      // "2026-12-06": the day the tallies are for
  mutable int64_t day_starts_s_ = 0, day_ends_s_ = 0;  // day_'s bounds (UTC, s since the epoch)
  mutable std::map<std::string, Tally> by_team_;
  mutable std::map<std::string, Tally> by_group_;
};

}  // namespace detour
