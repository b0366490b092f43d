#include "providers/anthropic/vertex_claude.h"

#include "providers/anthropic/provider.h"

namespace detour::anthropic {
namespace {

std::string WithoutMethod(std::string url) {
  for (std::string_view method : {":rawPredict", ":streamRawPredict"}) {
    if (url.size() >= method.size() && url.compare(url.size() - method.size(), method.size(), method) == 0) {
      url.resize(url.size() - method.size());
      break;
    }
  }
  return url;
}

}  // namespace

std::unique_ptr<Protocol> MakeVertexClaudeProtocol(const DeploymentConfig& dep, std::string url,
                                                   const Clock& clock) {
  std::string base = WithoutMethod(std::move(url));
  AnthropicUrls urls{base + ":rawPredict", base + ":streamRawPredict", ""};
  AnthropicOptions options;
  options.model_in_body = false;
  options.body_version = kVertexBodyVersion;
  options.api_key_header = false;
  options.header_version.clear();
  return std::make_unique<AnthropicProtocol>(dep, std::move(urls), std::move(options), clock);
}

}  // namespace detour::anthropic
