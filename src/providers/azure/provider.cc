#include "providers/azure/provider.h"

#include "providers/endpoint.h"
#include "providers/openai/provider.h"

namespace detour::azure {

std::unique_ptr<Provider> MakeAzureProvider(const DeploymentConfig& dep, net::HttpClient& http) {
  std::string version = dep.api_version.empty() ? kDefaultApiVersion : dep.api_version;
  Endpoint ep;
  ep.url = JoinUrl(dep.api_base, "/openai/deployments/" + PercentEncode(dep.model) +
                                     "/chat/completions?api-version=" + PercentEncode(version));
  ep.headers.emplace_back("Content-Type", "application/json");
  if (!dep.api_key.empty()) ep.headers.emplace_back("api-key", dep.api_key);
  for (const auto& [name, value] : dep.headers) SetHeader(ep.headers, name, value);
  ep.tls_verify = dep.tls_verify;
  ep.model = dep.model;
  ep.secret = dep.api_key;
  return std::make_unique<openai::FamilyProvider>(std::move(ep), http);
}

}  // namespace detour::azure
