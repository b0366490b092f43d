#include "cli/init_config.h"

#include <cstdio>
#include <utility>

namespace detour {
namespace {

bool Set(const EnvGet& env, const std::string& name) {
  auto v = env(name);
  return v && !v->empty();
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::string DeploymentToml(const std::string& group, const FoundProvider& p) {
  std::string t = "[[deployments]]\n";
  t += "model_name = " + Quote(group) + "\n";
  t += "provider = " + Quote(p.provider) + "\n";
  t += "model = " + Quote(p.model) + "\n";
  if (!p.key_env.empty()) t += "api_key = " + Quote("${" + p.key_env + "}") + "\n";
  if (!p.api_base_env.empty()) t += "api_base = " + Quote("${" + p.api_base_env + "}") + "\n";
  else if (!p.api_base.empty()) t += "api_base = " + Quote(p.api_base) + "\n";
  if (p.price) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "price = { input = %g, output = %g }   # USD per million tokens\n",
                  p.price->first, p.price->second);
    t += buf;
  }
  return t;
}

}  // namespace

std::vector<FoundProvider> HostedProviders(const EnvGet& env) {
  std::vector<FoundProvider> out;
  if (Set(env, "OPENAI_API_KEY")) out.push_back({"openai", "OPENAI_API_KEY", "gpt-4o", "OPENAI_API_KEY", "", "", std::make_pair(2.5, 10.0)});
  if (Set(env, "ANTHROPIC_API_KEY"))
    out.push_back({"anthropic", "ANTHROPIC_API_KEY", "claude-sonnet-4-6", "ANTHROPIC_API_KEY", "", "", std::make_pair(3.0, 15.0)});
  if (Set(env, "GEMINI_API_KEY")) out.push_back({"gemini", "GEMINI_API_KEY", "gemini-2.5-flash", "GEMINI_API_KEY", "", "", std::make_pair(0.3, 2.5)});
  if (Set(env, "AZURE_OPENAI_API_KEY") && Set(env, "AZURE_OPENAI_ENDPOINT")) {
    auto dep = env("AZURE_OPENAI_DEPLOYMENT");
    out.push_back({"azure", "AZURE_OPENAI_API_KEY + AZURE_OPENAI_ENDPOINT", dep && !dep->empty() ? *dep : "gpt-4o",
                   "AZURE_OPENAI_API_KEY", "", "AZURE_OPENAI_ENDPOINT", std::nullopt});
  }
  return out;
}

std::string InitConfigText(const std::vector<FoundProvider>& found, const std::string& date) {
  // The chain: the first provider, then the next ones on a different provider each.
  std::vector<const FoundProvider*> chain;
  for (const auto& p : found) {
    if (chain.size() == 3) break;
    if (!chain.empty() && chain.back()->provider == p.provider) continue;
    chain.push_back(&p);
  }
  static const char* kGroups[] = {"default", "backup", "backup-2"};
  std::string t = "# detour.toml, written by `detour init` on " + date + " from what it found:\n";
  for (const auto& p : found) t += "#   " + p.label + " -> " + p.provider + " " + p.model + "\n";
  t += "# Keys are read from the environment when detour starts: this file holds none.\n"
       "# Lint it with `detour check --offline`, probe the providers with `detour check`.\n\n"
       "[server]\nlisten = \"127.0.0.1:4000\"\n\n"
       "[router]\n"
       "default_model = \"default\"\n"
       "num_retries = 2          # per error kind; see [router.retry_policy] in the README\n"
       "timeout = \"30s\"          # one attempt, start to finish\n"
       "first_token_timeout = \"10s\"\n"
       "cooldown = \"30s\"         # a failing deployment rests this long, then is probed\n\n";
  if (chain.size() > 1) {
    t += "[router.fallbacks]\n";
    t += "# the backups run on other providers than the primary: one provider's bad night\n"
         "# does not take the chain down with it\n";
    t += "default = [";
    for (size_t i = 1; i < chain.size(); ++i) t += (i > 1 ? ", " : "") + Quote(kGroups[i]);
    t += "]\n\n";
  } else {
    t += "# Only one provider was found: add a backup on another provider (an API key, or a\n"
         "# local server such as Ollama) and list it in [router.fallbacks] default = [...].\n\n";
  }
  for (size_t i = 0; i < chain.size(); ++i) t += DeploymentToml(kGroups[i], *chain[i]) + "\n";
  // Providers that did not make the chain still get a group of their own to call by name.
  for (const auto& p : found) {
    bool used = false;
    for (const auto* c : chain) used = used || c == &p;
    if (!used) t += DeploymentToml(p.provider, p) + "\n";
  }
  return t;
}

}  // namespace detour
