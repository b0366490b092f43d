// Azure OpenAI: the OpenAI-family controller with Azure's URL and auth (SPEC 2.3, 8):
// POST {api_base}/openai/deployments/{model}/chat/completions?api-version={api_version}
// with header `api-key`. `model` is the Azure deployment name. Stream differences (the
// filter-only first chunk) are handled by the shared stream reader.
#pragma once

#include <memory>

#include "providers/provider.h"

namespace detour::azure {

inline constexpr const char* kDefaultApiVersion = "2024-10-21";

std::unique_ptr<Provider> MakeAzureProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                            Clock& clock);

}  // namespace detour::azure
