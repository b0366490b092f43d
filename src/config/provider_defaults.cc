#include "config/provider_defaults.h"

#include <array>

namespace detour {
namespace {

// api_base shapes (SPEC 8): OpenAI-family bases include the version; azure is the resource
// root; anthropic and gemini are the host root.
// vertex's api_base depends on its location (config/vertex.cc fills it in).
constexpr std::array<ProviderDefaults, 6> kProviders = {{
    {"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", ""},
    {"azure", "", "AZURE_API_KEY", "https://RESOURCE.openai.azure.com"},
    {"anthropic", "https://api.anthropic.com", "ANTHROPIC_API_KEY", ""},
    {"gemini", "https://generativelanguage.googleapis.com", "GEMINI_API_KEY", ""},
    {"openai-compatible", "", "", "http://127.0.0.1:8000/v1"},
    {"vertex", "", "", "https://us-central1-aiplatform.googleapis.com"},
}};

}  // namespace

const ProviderDefaults* FindProvider(const std::string& name) {
  for (const auto& p : kProviders)
    if (name == p.name) return &p;
  return nullptr;
}

std::vector<std::string> ProviderNames() {
  std::vector<std::string> names;
  for (const auto& p : kProviders) names.push_back(p.name);
  return names;
}

}  // namespace detour
