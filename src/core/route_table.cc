#include "core/route_table.h"

#include "core/context_window.h"
#include "util/suggest.h"

namespace detour {
namespace {

double DefaultWeight(const DeploymentConfig& d) {
  if (d.weight) return *d.weight;
  if (d.rpm) return *d.rpm;
  if (d.tpm) return *d.tpm;
  return 1;
}

std::unique_ptr<Deployment> BuildDeployment(const DeploymentConfig& cfg, const RouterConfig& r,
                                            net::HttpClient& http, StateStore& store,
                                            Clock& clock, const RouteTable::ProviderFactory& make) {
  auto d = std::make_unique<Deployment>();
  d->cfg = cfg;
  d->provider = make ? make(cfg, http, clock) : MakeProvider(cfg, http, clock);
  d->label = cfg.provider + "/" + cfg.model;
  d->timeout = cfg.timeout.value_or(r.timeout);
  d->first_token_timeout = cfg.first_token_timeout.value_or(r.first_token_timeout);
  d->idle_timeout = cfg.stream_idle_timeout.value_or(r.stream_idle_timeout);
  d->weight = DefaultWeight(cfg);
  d->limits = Limits{cfg.rpm, cfg.tpm};
  d->context_window = cfg.context_window ? *cfg.context_window : KnownContextWindow(cfg.model);
  d->slot = &store.Slot(cfg.id);
  if (!cfg.missing_env.empty())
    d->unusable_reason = "environment variable " + cfg.missing_env + " is not set";
  else if (!d->provider)
    d->unusable_reason = "provider \"" + cfg.provider + "\" is not supported by this build";
  return d;
}

std::vector<std::string> Lookup(const std::map<std::string, std::vector<std::string>>& m,
                                const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace

std::shared_ptr<const RouteTable> RouteTable::Build(Config config, net::HttpClient& http,
                                                    StateStore& store, Clock& clock,
                                                    const ProviderFactory& make) {
  std::shared_ptr<RouteTable> t(new RouteTable());
  t->config_ = std::move(config);
  const RouterConfig& r = t->config_.router;
  t->retry_ = RetryPolicy(r);
  t->cooldown_ = CooldownPolicy{r.allowed_fails, r.cooldown_window, r.cooldown};
  for (const auto& dc : t->config_.deployments) {
    t->deployments_.push_back(BuildDeployment(dc, r, http, store, clock, make));
    t->checks_context_window_ |= t->deployments_.back()->context_window > 0;
  }
  if (const CacheConfig& c = t->config_.cache; c.enabled)
    t->cache_ = std::make_unique<ResponseCache>(c.ttl, c.max_entries, clock,
                                                store.BackendUp() ? &store : nullptr);

  auto fill_fallbacks = [&](Group& g, const std::string& from) {
    g.fallbacks = Lookup(r.fallbacks, from);
    g.context_window_fallbacks = Lookup(r.context_window_fallbacks, from);
    g.content_policy_fallbacks = Lookup(r.content_policy_fallbacks, from);
  };
  for (const auto& name : t->config_.GroupNames()) {
    Group g;
    g.name = name;
    for (const auto& d : t->deployments_)
      if (d->cfg.model_name == name) g.members.push_back(d.get());
    fill_fallbacks(g, name);
    t->groups_.push_back(std::move(g));
  }
  for (const auto& d : t->deployments_) {
    Group g;
    g.name = d->cfg.model_name;  // a pinned deployment still answers for its group
    g.members.push_back(d.get());
    fill_fallbacks(g, d->cfg.model_name);
    t->pinned_.push_back(std::move(g));
  }
  // Pointers into the vectors are taken only now that both are complete.
  for (const auto& g : t->groups_) t->by_name_[g.name] = &g;
  for (size_t i = 0; i < t->deployments_.size(); ++i)
    t->by_name_.emplace(t->deployments_[i]->cfg.id, &t->pinned_[i]);
  return t;
}

const Group* RouteTable::Resolve(std::string_view model) const {
  auto it = by_name_.find(std::string(model));
  return it == by_name_.end() ? nullptr : it->second;
}

const Group* RouteTable::FindGroup(std::string_view name) const {
  for (const auto& g : groups_)
    if (g.name == name) return &g;
  return nullptr;
}

std::string RouteTable::DefaultGroup() const {
  if (!config_.router.default_model.empty()) return config_.router.default_model;
  return groups_.empty() ? "" : groups_.front().name;
}

std::string RouteTable::Suggest(std::string_view model) const {
  std::vector<std::string> names;
  for (const auto& [name, g] : by_name_) names.push_back(name);
  return detour::Suggest(model, names);
}

}  // namespace detour
