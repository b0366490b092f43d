// Hedged requests (SPEC 9 `[router.hedge]`, the tail-at-scale technique): when an
// attempt's first token (a buffered attempt's answer) has not come `after` it began, the
// walk (core/walk.cc) sends the same request to the next-best deployment too
// (core/walk_decide.h HedgeTarget) and the first to answer wins; the loser is cancelled
// at once (its connection closed) and recorded as `hedge_lost`, its tokens never billed.
//
// - HedgeBook: router-wide, per group: the recent first-token times ("p95") and the
//   budget (at most max_ratio of the group's last kBudgetWindow requests hedge).
// - RaceTicket: what a racing attempt holds; the attempt claims the win when its first
//   token (answer) arrives, before it lets anything reach the client.
// Thread-safe: HedgeBook under one short mutex; a race's state under its own.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/clock.h"

namespace detour {

class RaceTicket {
 public:
  virtual ~RaceTicket() = default;
  // The attempt has its first token (or its whole answer). true: it won and goes on;
  // false: the other attempt won first, so this one must stop at once.
  virtual bool ClaimWin() = 0;
};

class HedgeBook {
 public:
  static constexpr size_t kSamples = 200;       // first-token times kept per group
  static constexpr size_t kMinSamples = 20;     // "p95" needs at least this many
  static constexpr size_t kBudgetWindow = 1000; // requests the budget looks back over

  // How long after an attempt began its hedge starts; unset: no hedge ("p95" before
  // enough samples).
  std::optional<Millis> After(const std::string& group, const HedgeConfig& cfg);
  // A request entered a hedged group: one more request in the budget's window.
  void CountRequest(const std::string& group);
  // Takes one hedge from the group's budget when that keeps hedges within max_ratio of
  // the window's requests; false: over budget, no hedge.
  bool TakeHedge(const std::string& group, double max_ratio);
  // A successful attempt's time to first token (a buffered one's total time).
  void Observe(const std::string& group, Millis first_token);

 private:
  struct Group {
    std::vector<double> samples;  // ring of kSamples
    size_t next = 0;
    std::deque<bool> window;      // per request: hedged?
    size_t hedged = 0;
  };
  std::mutex mu_;
  std::map<std::string, Group> groups_;
};

// p95 of `samples` (nearest rank), 0 when empty.
double Percentile95(std::vector<double> samples);

}  // namespace detour
