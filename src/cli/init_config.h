// `detour init`'s pure half: what a starter config is made of (the providers found in the
// environment and on local ports) and the TOML text written for it. The file never holds
// a key value: keys are `${VAR}` references read when detour starts.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace detour {

struct FoundProvider {
  std::string provider;  // openai | anthropic | gemini | azure | openai-compatible
  std::string label;     // what was found, for the header comment ("OPENAI_API_KEY")
  std::string model;     // provider model id (azure: the deployment name)
  std::string key_env;   // "" = no key (a local server)
  std::string api_base;  // "" = the provider's default
  std::string api_base_env;  // azure: the endpoint comes from this variable
  // USD per million tokens, list prices when written (0 for a local server); nullopt = unknown.
  std::optional<std::pair<double, double>> price;
};

using EnvGet = std::function<std::optional<std::string>(const std::string&)>;

// Hosted providers whose keys are set, in the order a chain prefers them: OpenAI,
// Anthropic, Gemini, Azure OpenAI (AZURE_OPENAI_API_KEY + AZURE_OPENAI_ENDPOINT; the
// deployment from AZURE_OPENAI_DEPLOYMENT, default gpt-4o).
std::vector<FoundProvider> HostedProviders(const EnvGet& env);

// The starter config: group "default" on the first provider, then "backup" (and
// "backup-2") on the next ones, each on a different provider than the one before it, as
// the fallback chain of "default". `found` must not be empty.
std::string InitConfigText(const std::vector<FoundProvider>& found, const std::string& date);

}  // namespace detour
