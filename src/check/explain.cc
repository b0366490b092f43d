#include "check/explain.h"

#include <utility>

namespace detour::check {
namespace {

const std::vector<std::pair<std::string, std::string>>& Rules() {
  static const std::vector<std::pair<std::string, std::string>> rules = {
      {"unknown-key",
       "error: a key detour does not know is never silently ignored: the config fails to load,\n"
       "so serve and chat refuse to start. It is usually a typo (\"modle\" for \"model\"), which\n"
       "means the setting you meant is not in effect. Fix the name (check suggests one)."},
      {"invalid-value",
       "error: a value of the wrong type, a bad duration or size, an unknown provider or a\n"
       "duplicate id. The config does not load until it is fixed."},
      {"missing-env",
       "error: the deployment's api_key names an environment variable that is not set. The\n"
       "deployment is unusable: the router skips it, so its group has one backend fewer than\n"
       "you think. Export the variable where detour runs, or remove the deployment."},
      {"fallback-cycle",
       "error: a chain of fallbacks that comes back to where it started. detour rejects it at\n"
       "load because a request could walk the cycle until its deadline. Break the cycle."},
      {"unknown-fallback",
       "error: a fallback names a group no deployment defines (often a typo), so the backup\n"
       "you rely on does not exist. Name an existing model_name."},
      {"same-provider-fallback",
       "warning: every fallback of the group runs on the provider the group already uses. A\n"
       "provider-wide outage (the kind fallbacks exist for) takes the primary and its backups\n"
       "down together, so the chain protects against nothing but one model's trouble. Add a\n"
       "fallback group on another provider."},
      {"no-fallback",
       "warning: a group with no fallback fails the caller as soon as its own deployments\n"
       "fail. Without fallbacks, error rates of 12-15% in rough patches are typical; with\n"
       "them, under 2%. Add router.fallbacks.<group> = [\"<backup group>\"]."},
      {"no-timeout",
       "warning: nobody chose a timeout. A slow upstream should trigger a fallback, not hang\n"
       "the app; detour's built-in 30 s per attempt and 120 s per request apply, but they are\n"
       "rarely what an interactive app wants. Set router.timeout (and request_timeout), or a\n"
       "timeout on the deployment."},
      {"no-price",
       "warning: without a price detour cannot count cost, and cost-aware routing and the\n"
       "expensive-fallback check cannot see this deployment. Add price = { input = .., output\n"
       "= .. } in USD per million tokens."},
      {"expensive-fallback",
       "info: a fallback priced over 2x its primary. Failover is silent to callers, so a long\n"
       "outage can multiply the bill unnoticed. Make sure that is intended, or pick a cheaper\n"
       "backup."},
  };
  return rules;
}

}  // namespace

std::vector<std::string> RuleNames() {
  std::vector<std::string> names;
  for (const auto& [name, _] : Rules()) names.push_back(name);
  return names;
}

std::optional<std::string> ExplainRule(const std::string& rule) {
  for (const auto& [name, text] : Rules())
    if (name == rule) return name + " — " + text + "\n";
  return std::nullopt;
}

}  // namespace detour::check
