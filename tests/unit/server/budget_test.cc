// Team budgets (SPEC 9): periods in UTC, spend through the state store, replay at start.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "core/memory_state_store.h"
#include "server/budget.h"

namespace detour {
namespace {

// A FakeClock whose wall clock reads a chosen UTC instant.
class WallClock final : public Clock {
 public:
  explicit WallClock(std::time_t t) : wall_(std::chrono::system_clock::from_time_t(t)) {}
  TimePoint Now() const override { return TimePoint{}; }
  WallTime WallNow() const override { return wall_; }
  bool SleepUntil(TimePoint, const CancelFlag*) override { return true; }
  TimePoint ToSteady(TimePoint t) const override { return t; }
  WallTime wall_;
};

constexpr std::time_t k2026Dec31_2330 = 1798759800;  // 2026-12-31T23:30:00Z

RequestReport Spent(const std::string& team, double usd) {
  RequestReport r;
  r.team = team;
  r.cost_usd = usd;
  return r;
}

TEST_CASE("budget periods are UTC days and months, and reset at their end") {
  WallTime t = std::chrono::system_clock::from_time_t(k2026Dec31_2330);
  CHECK(Budgets::PeriodKey("day", t) == "2026-12-31");
  CHECK(Budgets::PeriodKey("month", t) == "2026-12");
  CHECK(Budgets::SecondsUntilReset("day", t) == 1800);
  CHECK(Budgets::SecondsUntilReset("month", t) == 1800);  // the year rolls over too
  WallTime mid = std::chrono::system_clock::from_time_t(k2026Dec31_2330 - 30 * 86400);  // 2026-12-01T23:30
  CHECK(Budgets::PeriodKey("day", mid) == "2026-12-01");
  CHECK(Budgets::SecondsUntilReset("month", mid) == 30 * 86400 + 1800);
}

TEST_CASE("a team over its budget is refused until the period resets; other teams are not") {
  MemoryStateStore store;
  WallClock clock(k2026Dec31_2330);
  Budgets budgets(store, clock);
  budgets.SetClients({{"k1", "search", Budget{0.05, "day"}}, {"k2", "ads", std::nullopt}, {"k3", "search", Budget{99, "day"}}});
  CHECK_FALSE(budgets.Check("search").over);
  budgets.OnRequestEnd(Spent("search", 0.03));
  budgets.OnRequestEnd(Spent("ads", 5));
  auto v = budgets.Check("search");
  CHECK_FALSE(v.over);
  CHECK(v.spent_usd == doctest::Approx(0.03));
  CHECK(v.limit_usd == doctest::Approx(0.05));  // the team's first budgeted key sets it
  budgets.OnRequestEnd(Spent("search", 0.02));
  v = budgets.Check("search");
  CHECK(v.over);
  CHECK(v.retry_after_s == 1800);
  CHECK_FALSE(budgets.Check("ads").over);  // no budget
  CHECK(store.Spend("ads", "2026-12-31") == doctest::Approx(5));
  CHECK(store.Spend("search", "2026-12") == doctest::Approx(0.05));
  clock.wall_ += std::chrono::hours(1);  // a new day (and month)
  CHECK_FALSE(budgets.Check("search").over);
}

TEST_CASE("the usage log's lines of the current period are replayed at start") {
  char path[] = "/tmp/detour-budget-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << R"({"time":"2026-12-31T10:00:00.000Z","team":"search","cost_usd":0.25})" << "\n"
        << R"({"time":"2026-12-30T10:00:00.000Z","team":"search","cost_usd":1.0})" << "\n"    // earlier day, same month
        << R"({"time":"2026-11-30T10:00:00.000Z","team":"search","cost_usd":7.0})" << "\n"    // last month
        << "not json\n"
        << R"({"time":"2026-12-31T11:00:00.000Z","cost_usd":0.5})" << "\n";                   // team default
  }
  MemoryStateStore store;
  WallClock clock(k2026Dec31_2330);
  Budgets budgets(store, clock);
  CHECK(budgets.ReplayUsageLog(path) == 3);
  CHECK(store.Spend("search", "2026-12-31") == doctest::Approx(0.25));
  CHECK(store.Spend("search", "2026-12") == doctest::Approx(1.25));
  CHECK(store.Spend("default", "2026-12-31") == doctest::Approx(0.5));
  std::remove(path);
}

}  // namespace
}  // namespace detour
