// Per-provider defaults (SPEC 2.3, 8): default api_base and the environment variable a
// deployment's key comes from when the config names none. Static data; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace detour {

struct ProviderDefaults {
  const char* name;          // "openai", "azure", ...
  const char* api_base;      // "" = the config must give one
  const char* key_env;       // "" = no key unless the config gives one
  const char* base_example;  // shown when a required api_base is missing
};

// nullptr for an unknown provider name.
const ProviderDefaults* FindProvider(const std::string& name);
std::vector<std::string> ProviderNames();

inline constexpr const char* kDefaultAzureApiVersion = "2024-10-21";
inline constexpr const char* kDefaultVertexLocation = "us-central1";
inline constexpr const char* kVertexCredentialsEnv = "GOOGLE_APPLICATION_CREDENTIALS";

// Vertex AI's host for a location: "global" -> https://aiplatform.googleapis.com, else
// https://{location}-aiplatform.googleapis.com.
std::string VertexHost(const std::string& location);

}  // namespace detour
