#include "server/health.h"

#include <cmath>
#include <set>

namespace detour {
namespace {

enum class State { kHealthy, kCooling, kUnusable };

const char* StateName(State s) {
  switch (s) {
    case State::kHealthy: return "healthy";
    case State::kCooling: return "cooling";
    default: return "unusable";
  }
}

State StateOf(const Deployment& d, const HealthFacts& h) {
  if (!d.usable()) return State::kUnusable;
  return h.cooling ? State::kCooling : State::kHealthy;
}

Json DeploymentJson(const Deployment& d, State s, const HealthFacts& h) {
  Json j = {{"id", d.cfg.id},
            {"model_group", d.cfg.model_name},
            {"provider", d.cfg.provider},
            {"model", d.cfg.model},
            {"state", StateName(s)},
            {"cooldown_remaining_s", s == State::kCooling ? std::round(h.cooldown_remaining_s * 10) / 10 : 0.0},
            {"error_rate_1m", std::round(h.error_rate_1m * 1000) / 1000},
            {"p50_latency_ms", std::round(h.p50_latency_ms)},
            {"in_flight", h.in_flight}};
  if (!d.usable()) j["reason"] = d.unusable_reason;
  return j;
}

}  // namespace

void AddCacheReadTokens(Json& health, const std::map<std::string, double>& by_deployment) {
  for (Json& d : health["deployments"]) {
    auto it = by_deployment.find(d.value("id", ""));
    d["cache_read_tokens"] = it == by_deployment.end() ? int64_t{0} : static_cast<int64_t>(it->second);
  }
}

Json HealthJson(const RouteTable& table, StateStore& store, TimePoint now) {
  Json deployments = Json::array();
  std::set<std::string> serving;  // groups with a healthy member
  for (const auto& d : table.deployments()) {
    HealthFacts h = store.Health(*d->slot, now);
    State s = StateOf(*d, h);
    if (s == State::kHealthy) serving.insert(d->cfg.model_name);
    deployments.push_back(DeploymentJson(*d, s, h));
  }
  std::string status = "ok";
  for (const auto& g : table.groups()) {
    if (serving.count(g.name)) continue;
    bool via_fallback = false;
    for (const auto& f : g.fallbacks) via_fallback = via_fallback || serving.count(f);
    if (!via_fallback) {
      status = "down";
      break;
    }
    status = "degraded";
  }
  Json out = {{"status", status}, {"deployments", std::move(deployments)}};
  // A shared backend's link (SPEC 9): "ok", or "degraded" while routing on local state.
  if (auto up = store.BackendUp()) out["state_backend"] = *up ? "ok" : "degraded";
  return out;
}

}  // namespace detour
