// The one table from provider names (config `provider = "..."`) to factories. Adding a
// provider is one folder plus one line here.
#include <array>
#include <string_view>

#include "providers/anthropic/provider.h"
#include "providers/azure/provider.h"
#include "providers/gemini/protocol.h"
#include "providers/openai/provider.h"
#include "providers/provider.h"
#include "providers/vertex/provider.h"

namespace detour {
namespace {

using Factory = std::unique_ptr<Provider> (*)(const DeploymentConfig&, net::HttpClient&, Clock&);

struct Entry {
  std::string_view name;
  Factory make;
};

// A name the config accepts but this table lacks gets nullptr: the route table marks such
// deployments unusable and says why.
constexpr std::array<Entry, 6> kProviders = {{
    {"openai", &openai::MakeOpenAIProvider},
    {"openai-compatible", &openai::MakeOpenAIProvider},
    {"azure", &azure::MakeAzureProvider},
    {"anthropic", &anthropic::MakeAnthropicProvider},
    {"gemini", &gemini::MakeGeminiProvider},
    {"vertex", &vertex::MakeVertexProvider},
}};

}  // namespace

std::unique_ptr<Provider> MakeProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                       Clock& clock) {
  for (const Entry& entry : kProviders)
    if (entry.name == dep.provider) return entry.make(dep, http, clock);
  return nullptr;
}

}  // namespace detour
