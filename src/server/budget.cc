#include "server/budget.h"

#include <cmath>
#include <ctime>
#include <fstream>

#include <nlohmann/json.hpp>

namespace detour {
namespace {

std::tm Utc(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

// UTC calendar time -> instant (timegm: glibc's inverse of gmtime, no local time zone).
WallTime FromUtc(std::tm tm) { return std::chrono::system_clock::from_time_t(timegm(&tm)); }

// When a usage-log line happened: "time" (ISO 8601 UTC, what the usage log writes), else
// "t". nullopt when absent or unreadable.
std::optional<WallTime> LineTime(const nlohmann::json& j) {
  for (const char* key : {"time", "t"}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) continue;
    std::tm tm{};
    const std::string s = it->get<std::string>();
    if (!strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) continue;
    return FromUtc(tm);
  }
  return std::nullopt;
}

}  // namespace

Budgets::Budgets(StateStore& store, Clock& clock)
    : store_(store), clock_(clock), budgets_(std::make_shared<const BudgetMap>()) {}

void Budgets::SetClients(const std::vector<ClientKey>& clients) {
  auto next = std::make_shared<BudgetMap>();
  for (const auto& c : clients)
    if (c.budget && !next->count(c.team)) (*next)[c.team] = *c.budget;
  std::lock_guard<std::mutex> lock(mu_);
  any_budget_.store(!next->empty());
  budgets_ = std::move(next);
}

std::shared_ptr<const Budgets::BudgetMap> Budgets::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return budgets_;
}

std::optional<Budget> Budgets::BudgetOf(const std::string& team) const {
  auto budgets = Snapshot();
  auto it = budgets->find(team);
  if (it == budgets->end()) return std::nullopt;
  return it->second;
}

BudgetVerdict Budgets::Check(const std::string& team) const {
  BudgetVerdict v;
  if (!any_budget_.load(std::memory_order_relaxed)) return v;
  auto budget = BudgetOf(team);
  if (!budget) return v;
  WallTime now = clock_.WallNow();
  v.per = budget->per;
  v.limit_usd = budget->usd;
  v.spent_usd = store_.Spend(team, PeriodKey(budget->per, now));
  v.over = v.spent_usd >= v.limit_usd;
  if (v.over) v.retry_after_s = SecondsUntilReset(budget->per, now);
  return v;
}

double Budgets::SpentToday(const std::string& team) const {
  return store_.Spend(team, PeriodKey("day", clock_.WallNow()));
}

void Budgets::OnRequestEnd(const RequestReport& r) {
  if (r.cost_usd <= 0) return;
  WallTime now = clock_.WallNow();
  store_.AddSpend(r.team, PeriodKey("day", now), r.cost_usd);
  store_.AddSpend(r.team, PeriodKey("month", now), r.cost_usd);
}

size_t Budgets::ReplayUsageLog(const std::string& path) {
  std::ifstream in(path);
  if (!in) return 0;
  WallTime now = clock_.WallNow();
  const std::string day = PeriodKey("day", now), month = PeriodKey("month", now);
  size_t counted = 0;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;
    auto when = LineTime(j);
    double cost = j.value("cost_usd", 0.0);
    if (!when || !(cost > 0)) continue;
    std::string team = j.value("team", std::string("default"));
    bool counted_line = false;
    if (PeriodKey("month", *when) == month) {
      store_.AddSpend(team, month, cost);
      counted_line = true;
    }
    if (PeriodKey("day", *when) == day) store_.AddSpend(team, day, cost);
    counted += counted_line;
  }
  return counted;
}

std::string Budgets::PeriodKey(const std::string& per, WallTime now) {
  std::tm tm = Utc(now);
  char buf[16];
  if (per == "month") std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  else std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

int Budgets::SecondsUntilReset(const std::string& per, WallTime now) {
  std::tm end = Utc(now);
  end.tm_hour = end.tm_min = end.tm_sec = 0;
  if (per == "month") {
    end.tm_mday = 1;
    end.tm_mon += 1;  // timegm normalises month 12 into January of the next year
  } else {
    end.tm_mday += 1;  // and day 32 into the next month
  }
  auto end_time = FromUtc(end);
  double secs = std::chrono::duration<double>(end_time - now).count();
  return std::max(1, static_cast<int>(std::ceil(secs)));
}

}  // namespace detour
