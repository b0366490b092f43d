#include "providers/azure/provider.h"

#include "providers/endpoint.h"
#include "providers/http_provider.h"
#include "providers/openai/provider.h"

namespace detour::azure {

std::unique_ptr<Provider> MakeAzureProvider(const DeploymentConfig& dep, net::HttpClient& http,
                                            Clock& clock) {
  std::string version = PercentEncode(dep.api_version.empty() ? kDefaultApiVersion : dep.api_version);
  Endpoint ep;
  ep.url = JoinUrl(dep.api_base, "/openai/deployments/" + PercentEncode(dep.model) +
                                     "/chat/completions?api-version=" + version);
  ep.headers = openai::FamilyHeaders(dep, "api-key", dep.api_key);
  ep.tls_verify = dep.tls_verify;
  ep.model = dep.model;
  ep.secret = dep.api_key;
  std::string models = JoinUrl(dep.api_base, "/openai/models?api-version=" + version);
  std::string embed = JoinUrl(dep.api_base, "/openai/deployments/" + PercentEncode(dep.model) +
                                                "/embeddings?api-version=" + version);
  auto protocol = std::make_unique<openai::FamilyProtocol>(std::move(ep), std::move(models), std::move(embed));
  return std::make_unique<HttpProvider>(std::move(protocol), http, clock, dep.probe == "models");
}

}  // namespace detour::azure
