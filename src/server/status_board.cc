#include "server/status_board.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <set>

#include "server/health.h"

namespace detour {
namespace {

std::string IsoUtc(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double Round(double v, double unit) { return std::round(v / unit) * unit; }

Json UsageJson(long requests, long errors, long prompt, long completion, double cost) {
  return {{"requests", requests},
          {"errors", errors},
          {"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"cost_usd", Round(cost, 1e-9)}};
}

}  // namespace

StatusBoard::StatusBoard(Clock& clock) : clock_(clock) {}

long StatusBoard::MinuteNow() const {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::minutes>(clock_.Now().time_since_epoch()).count());
}

void StatusBoard::OnAttempt(const AttemptRecord& a) {
  if (a.skipped || a.hedge_lost) return;  // no upstream attempt, or one cancelled by its hedge
  long minute = MinuteNow();
  std::lock_guard<std::mutex> lock(mu_);
  Minute& m = sparklines_[a.deployment][static_cast<size_t>(minute % kMinutes)];
  if (m.minute != minute) {
    m = Minute{};
    m.minute = minute;
  }
  ++m.attempts;
  if (!a.ok) {
    ++m.errors;
    return;
  }
  // Streams are timed to their first token, like the router's latency figures.
  int ms = static_cast<int>((a.first_token ? *a.first_token : a.elapsed).count());
  if (m.latencies_ms.size() < kLatencySamples) m.latencies_ms.push_back(ms);
  else m.latencies_ms[static_cast<size_t>(m.seen_ok) % kLatencySamples] = ms;
  ++m.seen_ok;
}

void StatusBoard::RollDay() const {
  // Asked on every request: the day's key is formatted only when a UTC day has ended.
  WallTime now = clock_.WallNow();
  int64_t s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (s >= day_starts_s_ && s < day_ends_s_) return;  // a clock set back leaves it too
  day_starts_s_ = s / 86400 * 86400;
  day_ends_s_ = day_starts_s_ + 86400;
  std::string today = Budgets::PeriodKey("day", now);
  if (today == day_) return;
  day_ = today;
  by_team_.clear();
  by_group_.clear();
}

void StatusBoard::OnRequestEnd(const RequestReport& r) {
  std::lock_guard<std::mutex> lock(mu_);
  RollDay();
  for (Tally* u : {&by_team_[r.team], &by_group_[r.requested]}) {
    ++u->requests;
    if (!r.ok) ++u->errors;
    u->prompt_tokens += r.usage.prompt_tokens;
    u->completion_tokens += r.usage.completion_tokens;
    u->cost_usd += r.cost_usd;
  }
  if (r.attempts.empty()) return;
  const AttemptRecord& first = r.attempts.front();
  bool moved = std::any_of(r.attempts.begin(), r.attempts.end(),
                           [&](const AttemptRecord& a) { return a.deployment != first.deployment; });
  if (!moved || first.ok) return;
  failovers_.push_back(Failover{clock_.WallNow(), r.requested, first.deployment, r.ok ? r.deployment : "",
                                std::string(KindName(first.kind)), first.status, r.ok});
  if (failovers_.size() > kMaxFailovers) failovers_.pop_front();
}

Json StatusBoard::SparklineJson(const std::string& deployment, long now_minute) const {
  Json requests = Json::array(), error_rate = Json::array(), p50 = Json::array();
  auto it = sparklines_.find(deployment);
  for (long minute = now_minute - kMinutes + 1; minute <= now_minute; ++minute) {
    const Minute* m = nullptr;
    if (it != sparklines_.end()) {
      const Minute& slot = it->second[static_cast<size_t>(minute % kMinutes)];
      if (slot.minute == minute) m = &slot;
    }
    requests.push_back(m ? m->attempts : 0);
    error_rate.push_back(m && m->attempts ? Json(Round(double(m->errors) / m->attempts, 0.001)) : Json());
    if (m && !m->latencies_ms.empty()) {
      std::vector<int> l = m->latencies_ms;
      std::nth_element(l.begin(), l.begin() + l.size() / 2, l.end());
      p50.push_back(l[l.size() / 2]);
    } else {
      p50.push_back(nullptr);
    }
  }
  return {{"minutes", kMinutes}, {"attempts", requests}, {"error_rate", error_rate}, {"p50_ms", p50}};
}

Json StatusBoard::FailoversJson(WallTime now) const {
  Json out = Json::array();
  for (auto it = failovers_.rbegin(); it != failovers_.rend(); ++it) {  // newest first
    if (now - it->at > std::chrono::hours(1)) break;
    out.push_back({{"time", IsoUtc(it->at)},
                   {"group", it->group},
                   {"from", it->from},
                   {"to", it->ok ? Json(it->to) : Json()},
                   {"reason", it->reason},
                   {"status", it->status}});
  }
  return out;
}

Json StatusBoard::TeamsJson(const RouteTable& table, const Budgets* budgets) const {
  std::set<std::string> teams;
  for (const auto& c : table.config().server.clients) teams.insert(c.team);
  for (const auto& [team, u] : by_team_) teams.insert(team);
  Json out = Json::array();
  for (const auto& team : teams) {
    auto it = by_team_.find(team);
    Tally u = it == by_team_.end() ? Tally{} : it->second;
    Json j = UsageJson(u.requests, u.errors, u.prompt_tokens, u.completion_tokens, u.cost_usd);
    j["team"] = team;
    // Spend comes from the state store when it can: it survives a restart (usage-log replay)
    // and is what the budget is checked against.
    if (budgets) j["cost_usd"] = Round(budgets->SpentToday(team), 1e-9);
    j["budget"] = nullptr;
    if (budgets) {
      if (auto b = budgets->BudgetOf(team)) {
        BudgetVerdict v = budgets->Check(team);
        j["budget"] = {{"usd", b->usd}, {"per", b->per}, {"spent_usd", Round(v.spent_usd, 1e-9)},
                       {"over", v.over}};
      }
    }
    out.push_back(std::move(j));
  }
  return out;
}

// Per group: its chain (the group, then its fallbacks, as written) and who serves it now:
// the healthy members of the first group along the chain that has any.
Json StatusBoard::GroupsJson(const RouteTable& table, const Json& deployments) const {
  std::map<std::string, std::vector<std::string>> healthy;  // group -> healthy member ids
  for (const auto& d : deployments)
    if (d["state"] == "healthy") healthy[d["model_group"].get<std::string>()].push_back(d["id"]);
  Json out = Json::array();
  for (const auto& g : table.groups()) {
    Json chain = Json::array();
    chain.push_back(g.name);
    for (const auto& f : g.fallbacks) chain.push_back(f);
    Json serving = Json::array();
    Json via = nullptr;
    for (const auto& step : chain) {
      auto it = healthy.find(step.get<std::string>());
      if (it == healthy.end()) continue;
      for (const auto& id : it->second) serving.push_back(id);
      via = step;
      break;
    }
    Json members = Json::array();
    for (const auto* d : g.members) members.push_back(d->cfg.id);
    auto u = by_group_.find(g.name);
    Tally usage = u == by_group_.end() ? Tally{} : u->second;
    Json j = {{"name", g.name}, {"members", members}, {"chain", chain}, {"serving", serving},
              {"via", via}, {"via_fallback", !via.is_null() && via != g.name}};
    j["today"] = UsageJson(usage.requests, usage.errors, usage.prompt_tokens, usage.completion_tokens, usage.cost_usd);
    out.push_back(std::move(j));
  }
  return out;
}

Json StatusBoard::Snapshot(const RouteTable& table, StateStore& store, const Budgets* budgets) const {
  Json health = HealthJson(table, store, clock_.Now());
  long now_minute = MinuteNow();
  WallTime now = clock_.WallNow();
  std::lock_guard<std::mutex> lock(mu_);
  RollDay();
  for (auto& d : health["deployments"]) d["sparkline"] = SparklineJson(d["id"].get<std::string>(), now_minute);
  Json doc = {{"generated_at", IsoUtc(now)},
              {"day", day_},
              {"status", health["status"]},
              {"groups", GroupsJson(table, health["deployments"])},
              {"deployments", health["deployments"]},
              {"failovers", FailoversJson(now)},
              {"teams", TeamsJson(table, budgets)}};
  return doc;
}

}  // namespace detour
