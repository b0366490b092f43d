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

State StateOf(const Deployment& d, TimePoint now, double* cooldown_left_s) {
  *cooldown_left_s = 0;
  if (!d.usable()) return State::kUnusable;
  std::lock_guard<std::mutex> lock(d.state->mu);
  if (!IsCooling(d.state->circuit, now)) return State::kHealthy;
  if (d.state->circuit.open_until)
    *cooldown_left_s = std::chrono::duration<double>(*d.state->circuit.open_until - now).count();
  return State::kCooling;
}

Json DeploymentJson(const Deployment& d, State s, double cooldown_left_s, TimePoint now) {
  double error_rate, p50;
  {
    std::lock_guard<std::mutex> lock(d.state->mu);
    error_rate = d.state->ErrorRate1m(now);
    p50 = d.state->P50Ms();
  }
  Json j = {{"id", d.cfg.id},
            {"model_group", d.cfg.model_name},
            {"provider", d.cfg.provider},
            {"model", d.cfg.model},
            {"state", StateName(s)},
            {"cooldown_remaining_s", std::round(cooldown_left_s * 10) / 10},
            {"error_rate_1m", std::round(error_rate * 1000) / 1000},
            {"p50_latency_ms", std::round(p50)},
            {"in_flight", d.state->in_flight.load()}};
  if (!d.usable()) j["reason"] = d.unusable_reason;
  return j;
}

}  // namespace

Json HealthJson(const RouteTable& table, TimePoint now) {
  Json deployments = Json::array();
  std::set<std::string> serving;  // groups with a healthy member
  for (const auto& d : table.deployments()) {
    double left = 0;
    State s = StateOf(*d, now, &left);
    if (s == State::kHealthy) serving.insert(d->cfg.model_name);
    deployments.push_back(DeploymentJson(*d, s, left, now));
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
  return {{"status", status}, {"deployments", std::move(deployments)}};
}

}  // namespace detour
