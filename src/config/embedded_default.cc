// SPEC 2.6: the config detour builds from the environment when no file is found.
#include "config/load.h"
#include "config/provider_defaults.h"

namespace detour {
namespace {

struct Preset {
  const char* provider;  // also the group name
  const char* model;
};

// Preference order for the "default" group's chain.
constexpr Preset kPresets[] = {
    {"openai", "gpt-4o"},
    {"anthropic", "claude-sonnet-4-6"},
    {"gemini", "gemini-2.5-flash"},
};

DeploymentConfig MakeDeployment(const Preset& p, const std::string& key) {
  DeploymentConfig d;
  d.provider = p.provider;
  d.model = p.model;
  d.model_name = p.provider;
  d.id = std::string(p.provider) + "/" + p.model;
  d.api_key = key;
  d.api_base = FindProvider(p.provider)->api_base;
  return d;
}

}  // namespace

Config EmbeddedDefaultConfig(const EnvLookup& env) {
  Config c;
  c.source = "<embedded default>";
  c.embedded = true;
  std::vector<std::string> groups;
  for (const auto& p : kPresets) {
    auto key = env(FindProvider(p.provider)->key_env);
    if (!key || key->empty()) continue;
    c.deployments.push_back(MakeDeployment(p, *key));
    groups.push_back(p.provider);
  }
  if (groups.empty()) return c;
  // "default" = the first provider's model, falling back across the others in order.
  DeploymentConfig first = c.deployments.front();
  first.model_name = "default";
  first.id = "default/" + first.provider;
  c.deployments.push_back(first);
  c.router.default_model = "default";
  c.router.fallbacks["default"].assign(groups.begin() + 1, groups.end());
  if (c.router.fallbacks["default"].empty()) c.router.fallbacks.erase("default");
  return c;
}

}  // namespace detour
