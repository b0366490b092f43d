// The config resolved for routing (HACKING.md rule 1): built once per (re)load, immutable
// after, shared by every request through a shared_ptr. Groups know their deployments and
// their three fallback lists; deployments carry their provider object, effective
// timeouts, limits, cooldown policy and their handle in the StateStore.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/cooldown.h"
#include "core/limits.h"
#include "core/response_cache.h"
#include "core/retry_policy.h"
#include "core/state_store.h"
#include "model/clock.h"
#include "providers/provider.h"

namespace detour {
namespace net {
class HttpClient;
}

struct Deployment {
  DeploymentConfig cfg;
  std::unique_ptr<Provider> provider;  // null when the provider is not supported yet
  std::string label;                   // "openai/gpt-4o", for people
  Millis timeout{0}, first_token_timeout{0}, idle_timeout{0};
  double weight = 1;
  Limits limits;
  int64_t context_window = 0;  // tokens; 0: unknown, no pre-flight check (core/context_window.h)
  StateSlot* slot = nullptr;  // its state in the StateStore; never null once built
  // Why it cannot take traffic ("" when usable): missing key, unsupported provider.
  std::string unusable_reason;
  bool usable() const { return unusable_reason.empty(); }
};

struct Group {
  std::string name;
  std::vector<const Deployment*> members;
  std::vector<std::string> fallbacks;
  std::vector<std::string> context_window_fallbacks;
  std::vector<std::string> content_policy_fallbacks;
};

class RouteTable {
 public:
  // Makes a deployment's provider; MakeProvider (the registry) unless a caller (a test,
  // the simulator) supplies its own.
  using ProviderFactory =
      std::function<std::unique_ptr<Provider>(const DeploymentConfig&, net::HttpClient&, Clock&)>;

  // `config` must already be validated (config/load.h). `http`, `store` and `clock` must
  // outlive the table.
  static std::shared_ptr<const RouteTable> Build(Config config, net::HttpClient& http,
                                                 StateStore& store, Clock& clock,
                                                 const ProviderFactory& make = {});

  const Config& config() const { return config_; }
  const RetryPolicy& retry() const { return retry_; }
  const CooldownPolicy& cooldown() const { return cooldown_; }
  const std::vector<std::unique_ptr<Deployment>>& deployments() const { return deployments_; }
  const std::vector<Group>& groups() const { return groups_; }

  // A group by name, else a deployment id pinned as a one-member group (with its group's
  // fallbacks); nullptr when neither.
  const Group* Resolve(std::string_view model) const;
  const Group* FindGroup(std::string_view name) const;
  // The group a request without a model goes to.
  std::string DefaultGroup() const;
  // Did-you-mean over group names and deployment ids ("" when nothing is close).
  std::string Suggest(std::string_view model) const;
  // The response cache, null unless `[cache] enabled`. One per table: a reload starts
  // an empty cache, so no answer outlives the config (deployments, groups) that gave it.
  ResponseCache* cache() const { return cache_.get(); }
  // Whether any deployment has a context window (so requests need a prompt estimate).
  bool checks_context_window() const { return checks_context_window_; }

 private:
  RouteTable() = default;
  Config config_;
  RetryPolicy retry_;
  CooldownPolicy cooldown_;
  std::vector<std::unique_ptr<Deployment>> deployments_;
  std::vector<Group> groups_;
  std::vector<Group> pinned_;  // one per deployment id
  std::unordered_map<std::string, const Group*> by_name_;
  std::unique_ptr<ResponseCache> cache_;
  bool checks_context_window_ = false;
};

}  // namespace detour
