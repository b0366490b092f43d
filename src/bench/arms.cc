#include "bench/arms.h"

#include <algorithm>

namespace detour::bench {
namespace {

// Not a secret and never a real key: the simulator accepts any.
constexpr const char* kPlaceholderKey = "sk-detour-bench-simulated";

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

void Simulate(DeploymentConfig& d, const BaseUrlFn& base_url, std::vector<std::string>* notes) {
  std::string protocol = SimProtocol(d);
  if (d.provider == "vertex" && notes)
    notes->push_back("deployment " + d.id + ": vertex is simulated as " + protocol);
  if (d.provider == "vertex") d.provider = protocol;  // same wire format, no token exchange
  d.api_base = base_url(protocol, d.id);
  d.api_key = kPlaceholderKey;
  d.missing_env.clear();
  d.headers.clear();
  d.tls_verify = true;
}

// Every group reduced to its first deployment, in config order.
void KeepFirstOfEachGroup(Config& c) {
  std::vector<std::string> seen;
  std::vector<DeploymentConfig> kept;
  for (auto& d : c.deployments) {
    if (std::find(seen.begin(), seen.end(), d.model_name) != seen.end()) continue;
    seen.push_back(d.model_name);
    kept.push_back(std::move(d));
  }
  c.deployments = std::move(kept);
}

// An app calling one provider: no circuit breaker, no client-side rate limiting, no
// fallbacks, no stream repair.
void SingleProvider(Config& c) {
  KeepFirstOfEachGroup(c);
  c.router.fallbacks.clear();
  c.router.context_window_fallbacks.clear();
  c.router.content_policy_fallbacks.clear();
  c.router.allowed_fails = 1000000000;
  c.router.stream_resume = "off";
  for (auto& d : c.deployments) {
    d.rpm.reset();
    d.tpm.reset();
    d.health_probe = false;
  }
}

}  // namespace

std::string SimProtocol(const DeploymentConfig& d) {
  if (d.provider == "openai-compatible") return "openai";
  if (d.provider == "vertex") return StartsWith(d.model, "claude") ? "anthropic" : "gemini";
  return d.provider;
}

Config ArmConfig(const Config& user, Arm arm, const BaseUrlFn& base_url, std::vector<std::string>* notes) {
  Config c = user;
  for (auto& d : c.deployments) Simulate(d, base_url, arm == Arm::kDetour ? notes : nullptr);
  c.cache.enabled = false;  // identical prompts would be answered from the cache
  c.usage.log.clear();
  c.record.path.clear();
  if (arm == Arm::kDetour) return c;
  SingleProvider(c);
  if (arm == Arm::kDirect) {
    c.router.num_retries = 0;
    c.router.retry_policy.fill(0);
  }
  return c;
}

bool FaultTargets(const TraceFault& fault, const DeploymentConfig& d) {
  switch (fault.target.kind) {
    case FaultTarget::Kind::kAll: return true;
    case FaultTarget::Kind::kProvider: return fault.target.name == SimProtocol(d);
    case FaultTarget::Kind::kDeployment: return fault.target.name == d.id;
    case FaultTarget::Kind::kModel: return fault.target.name == d.model;
  }
  return false;
}

std::string TrafficGroup(const Config& config, const Trace& trace, const std::string& asked) {
  if (!asked.empty()) return asked;
  std::vector<std::string> groups = config.GroupNames();
  std::string fallback = config.router.default_model.empty() ? (groups.empty() ? "" : groups[0])
                                                             : config.router.default_model;
  // The default group first, then config order.
  auto it = std::find(groups.begin(), groups.end(), fallback);
  if (it != groups.end()) std::rotate(groups.begin(), it, it + 1);
  for (const auto& g : groups) {
    auto first = std::find_if(config.deployments.begin(), config.deployments.end(),
                              [&](const DeploymentConfig& d) { return d.model_name == g; });
    if (first == config.deployments.end()) continue;
    for (const auto& f : trace.faults)
      if (FaultTargets(f, *first)) return g;
    for (const auto& r : trace.recorded)
      if (r.deployment == first->id && r.kind != "ok") return g;
  }
  return fallback;
}

}  // namespace detour::bench
